//! HTTP plumbing shared by every generated operation: [`Client`], [`ClientBuilder`], [`Error`],
//! session cookie handling and the request/response helpers the generated methods call.
//!
//! This file is fixed code copied verbatim by the generator; it is the same for every spec.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Longest part of an unexpected reply body kept in [`Error::UnexpectedResponse`].
const BODY_EXCERPT_CHARS: usize = 512;

/// An HTTP method, re-exported so callers of [`Client::follow`] and friends need no reqwest
/// import.
pub use reqwest::Method;

/// A user name and password for HTTP basic authentication.
///
/// The password never appears in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The SPS user name.
    pub username: String,
    /// The password (redacted in `Debug`).
    pub password: String,
}

impl Credentials {
    /// Pairs a user name with a password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Everything that can go wrong when calling the API.
///
/// `E` is the operation's documented error body (for SPS usually `types::ErrorResponse`); it
/// defaults to raw JSON.
#[derive(Debug)]
pub enum Error<E = serde_json::Value> {
    /// The appliance answered with a non-2xx status and a JSON error body that decoded as `E`.
    Api {
        /// The HTTP status code.
        status: u16,
        /// The decoded error body (boxed: keeps `Result<T, Error<E>>` small for callers).
        body: Box<E>,
    },
    /// The request could not be sent or the reply could not be read (DNS, TLS, timeout, ...).
    Transport(reqwest::Error),
    /// The request could not be built (bad base URL, unserialisable body or query, bad href).
    InvalidRequest(String),
    /// The reply was not what the API describes: not JSON, or JSON of an unexpected shape.
    UnexpectedResponse {
        /// The HTTP status code.
        status: u16,
        /// The reply's `Content-Type`, if any.
        content_type: Option<String>,
        /// The first characters of the body (at most 512).
        body_excerpt: String,
        /// Why the reply was rejected.
        reason: String,
    },
}

impl<E> Error<E> {
    /// The HTTP status of the reply, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::UnexpectedResponse { status, .. } => Some(*status),
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
            Error::InvalidRequest(_) => None,
        }
    }

    /// The decoded error body, for [`Error::Api`].
    pub fn api_body(&self) -> Option<&E> {
        match self {
            Error::Api { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Converts the error body type, keeping every other variant as is.
    pub fn map_api<F>(self, f: impl FnOnce(E) -> F) -> Error<F> {
        match self {
            Error::Api { status, body } => Error::Api {
                status,
                body: Box::new(f(*body)),
            },
            Error::Transport(e) => Error::Transport(e),
            Error::InvalidRequest(m) => Error::InvalidRequest(m),
            Error::UnexpectedResponse {
                status,
                content_type,
                body_excerpt,
                reason,
            } => Error::UnexpectedResponse {
                status,
                content_type,
                body_excerpt,
                reason,
            },
        }
    }
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { status, body } => write!(f, "API error (HTTP {status}): {body:?}"),
            Error::Transport(e) => write!(f, "transport error: {e}"),
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            Error::UnexpectedResponse {
                status,
                content_type,
                body_excerpt,
                reason,
            } => write!(
                f,
                "unexpected response (HTTP {status}, content type {}): {reason}; body starts with: {body_excerpt:?}",
                content_type.as_deref().unwrap_or("none"),
            ),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            _ => None,
        }
    }
}

impl<E> From<reqwest::Error> for Error<E> {
    fn from(e: reqwest::Error) -> Self {
        Error::Transport(e)
    }
}

/// Builds a [`Client`]; created by [`Client::builder`].
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: String,
    root_certificates: Vec<reqwest::Certificate>,
    accept_invalid_certs: bool,
    session_id: Option<String>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("root_certificates", &self.root_certificates.len())
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field(
                "session_id",
                &self.session_id.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl ClientBuilder {
    /// Total time limit for each request (connect, send, receive). Default: none.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Time limit for establishing the connection. Default: none.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Replaces the `User-Agent` header (default `sps-client/<version>`).
    ///
    /// Keep it non-browser-like: SPS 7.5 and later ask browser-looking clients for an extra
    /// `X-Token` header that this client does not send.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Trusts extra root certificates, for appliances with a private CA: PEM text holding one
    /// or more `CERTIFICATE` blocks (a CA bundle). Text without any certificate is an error
    /// rather than a silently empty trust list.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        // `from_pem` would defer parsing to `build` and accept text without a certificate.
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| Error::InvalidRequest(format!("invalid PEM certificate: {e}")))?;
        if certs.is_empty() {
            return Err(Error::InvalidRequest(
                "no PEM certificate (-----BEGIN CERTIFICATE-----) found".to_string(),
            ));
        }
        self.root_certificates.extend(certs);
        Ok(self)
    }

    /// **Dangerous:** with `true`, accepts any TLS certificate, including self-signed, expired
    /// and ones for another host name.
    ///
    /// This removes all protection against an attacker in the middle, who could then read the
    /// administrator password and the session cookie. Use only for a lab appliance on a trusted
    /// network; prefer [`add_root_certificate_pem`](Self::add_root_certificate_pem).
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// Starts with an existing session (the value of the session cookie), e.g. one saved from
    /// an earlier [`Client::session_id`].
    pub fn session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// Validates the base URL and builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let url = reqwest::Url::parse(&self.base_url).map_err(|e| {
            Error::InvalidRequest(format!("invalid base URL {:?}: {e}", self.base_url))
        })?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(Error::InvalidRequest(format!(
                "base URL {:?} must use http or https",
                self.base_url
            )));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::InvalidRequest(format!(
                "base URL {:?} must not have a query or fragment",
                self.base_url
            )));
        }
        let mut http = reqwest::Client::builder()
            .user_agent(self.user_agent)
            .danger_accept_invalid_certs(self.accept_invalid_certs)
            // The session cookie is handled here, not by a cookie store: one client, one session.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(t) = self.timeout {
            http = http.timeout(t);
        }
        if let Some(t) = self.connect_timeout {
            http = http.connect_timeout(t);
        }
        for cert in self.root_certificates {
            http = http.add_root_certificate(cert);
        }
        let http = http.build()?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base: url.as_str().trim_end_matches('/').to_owned(),
                session: Mutex::new(self.session_id),
            }),
        })
    }
}

struct Inner {
    http: reqwest::Client,
    /// Base URL without a trailing slash; request paths start with `/`.
    base: String,
    session: Mutex<Option<String>>,
}

/// An SPS API client. Cloning is cheap and clones share the connection pool and the session.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let has_session = self.session_id().is_some();
        f.debug_struct("Client")
            .field("base_url", &self.inner.base)
            .field(
                "session_id",
                &if has_session { "<redacted>" } else { "<none>" },
            )
            .finish()
    }
}

impl Client {
    /// Starts building a client for the appliance at `base_url` (e.g. `https://sps.example.com`).
    pub fn builder(base_url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.into(),
            timeout: None,
            connect_timeout: None,
            user_agent: concat!("sps-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            root_certificates: Vec::new(),
            accept_invalid_certs: false,
            session_id: None,
        }
    }

    /// A client with default settings for `base_url`.
    pub fn new(base_url: impl Into<String>) -> Result<Self, Error> {
        Self::builder(base_url).build()
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// The current session cookie value, if logged in.
    pub fn session_id(&self) -> Option<String> {
        self.lock_session().clone()
    }

    /// Replaces (or with `None`, forgets) the session cookie sent with every request.
    pub fn set_session_id(&self, session_id: Option<String>) {
        *self.lock_session() = session_id;
    }

    fn lock_session(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        // A panic while holding this lock cannot leave the Option half-written.
        self.inner
            .session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// GETs any `meta` link (an absolute path such as `/api/configuration/aaa`) and decodes
    /// the reply as `T`. Error bodies stay raw JSON.
    pub async fn follow<T: DeserializeOwned>(&self, href: &str) -> Result<T, Error> {
        self.follow_as(href).await
    }

    /// Like [`follow`](Self::follow) with a typed error body.
    pub async fn follow_as<T: DeserializeOwned, E: DeserializeOwned>(
        &self,
        href: &str,
    ) -> Result<T, Error<E>> {
        let path = href_path(href)?;
        self.send(Call::new(Method::GET, path)).await
    }

    /// Sends a prepared call and decodes a 2xx body as `T`, any other status as `E`.
    #[doc(hidden)]
    pub async fn send<T: DeserializeOwned, E: DeserializeOwned>(
        &self,
        call: Call,
    ) -> Result<T, Error<E>> {
        let response = self.execute(call).await?;
        decode_response(response).await
    }

    /// Sends a prepared call and returns a 2xx body as raw bytes (for non-JSON replies such as
    /// CSV exports or file downloads); other statuses decode as `E`.
    #[doc(hidden)]
    pub async fn send_bytes<E: DeserializeOwned>(&self, call: Call) -> Result<Vec<u8>, Error<E>> {
        let response = self.execute(call).await?;
        let status = response.status().as_u16();
        let content_type = content_type_of(&response);
        let bytes = response.bytes().await?;
        if (200..300).contains(&status) {
            Ok(bytes.to_vec())
        } else {
            Err(decode_error(status, content_type, &bytes))
        }
    }

    /// Sends a prepared call for an operation without a documented reply body: any 2xx is
    /// `Ok(())` whatever the body; other statuses decode as `E`.
    #[doc(hidden)]
    pub async fn send_empty<E: DeserializeOwned>(&self, call: Call) -> Result<(), Error<E>> {
        let response = self.execute(call).await?;
        let status = response.status().as_u16();
        let content_type = content_type_of(&response);
        let bytes = response.bytes().await?;
        if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(decode_error(status, content_type, &bytes))
        }
    }

    async fn execute<E>(&self, call: Call) -> Result<reqwest::Response, Error<E>> {
        if let Some(message) = call.error {
            return Err(Error::InvalidRequest(message));
        }
        let mut url = format!("{}{}", self.inner.base, call.path);
        if !call.query.is_empty() {
            url.push('?');
            url.push_str(&call.query);
        }
        let mut request = self.inner.http.request(call.method, url);
        if let Some(session) = self.session_id() {
            request = request.header(
                reqwest::header::COOKIE,
                format!("{}={}", crate::SESSION_COOKIE, session),
            );
        }
        if let Some(credentials) = call.basic_auth {
            request = request.basic_auth(credentials.username, Some(credentials.password));
        }
        request = request.header(reqwest::header::ACCEPT, "application/json");
        for (name, value) in call.headers {
            request = request.header(name, value);
        }
        if let Some(body) = call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        } else if call.empty_body {
            // SPS wants a Content-Length even on body-less POSTs (411 otherwise).
            request = request.header(reqwest::header::CONTENT_LENGTH, "0");
        }
        let response = request.send().await?;
        self.capture_session(&response);
        Ok(response)
    }

    /// Remembers the session cookie from any `Set-Cookie` in the reply.
    fn capture_session(&self, response: &reqwest::Response) {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let Ok(value) = value.to_str() else { continue };
            if let Some(session) = parse_set_cookie(value, crate::SESSION_COOKIE) {
                // An empty value is how a server deletes the cookie (logout).
                *self.lock_session() = if session.is_empty() {
                    None
                } else {
                    Some(session)
                };
            }
        }
    }
}

/// Extracts the value of cookie `name` from one `Set-Cookie` header value.
fn parse_set_cookie(header: &str, name: &str) -> Option<String> {
    let pair = header.split(';').next()?;
    let (key, value) = pair.split_once('=')?;
    if key.trim() != name {
        return None;
    }
    Some(value.trim().trim_matches('"').to_owned())
}

/// Accepts only absolute paths: a link to another host must not receive the session cookie.
fn href_path<E>(href: &str) -> Result<String, Error<E>> {
    if !href.starts_with('/') || href.starts_with("//") {
        return Err(Error::InvalidRequest(format!(
            "link {href:?} is not an absolute path on the appliance"
        )));
    }
    // Hrefs of nested references carry a `#fragment`, which is never sent to the server.
    let path = href.split('#').next().unwrap_or(href);
    Ok(path.to_owned())
}

fn content_type_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn is_json(content_type: Option<&str>) -> bool {
    match content_type {
        // No declared type: let the body speak for itself.
        None => true,
        Some(ct) => {
            let essence = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            essence == "application/json" || essence.ends_with("+json")
        }
    }
}

/// Decodes a 2xx body as `T`, anything else as `E`.
async fn decode_response<T: DeserializeOwned, E: DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, Error<E>> {
    let status = response.status().as_u16();
    let content_type = content_type_of(&response);
    let bytes = response.bytes().await?;
    if (200..300).contains(&status) {
        decode_success(status, content_type, &bytes)
    } else {
        Err(decode_error(status, content_type, &bytes))
    }
}

#[doc(hidden)]
pub fn decode_success<T: DeserializeOwned, E>(
    status: u16,
    content_type: Option<String>,
    bytes: &[u8],
) -> Result<T, Error<E>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        // Operations without a documented body decode into `()` (which accepts null).
        return T::deserialize(serde_json::Value::Null)
            .map_err(|_| unexpected(status, content_type, bytes, "empty body".to_owned()));
    }
    if !is_json(content_type.as_deref()) {
        return Err(unexpected(
            status,
            content_type,
            bytes,
            "expected a JSON body".to_owned(),
        ));
    }
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let reason = format!(
            "cannot decode the body at {}: {}",
            json_path(e.path()),
            e.inner()
        );
        unexpected(status, content_type, bytes, reason)
    })
}

#[doc(hidden)]
pub fn decode_error<E: DeserializeOwned>(
    status: u16,
    content_type: Option<String>,
    bytes: &[u8],
) -> Error<E> {
    if !is_json(content_type.as_deref()) {
        return unexpected(
            status,
            content_type,
            bytes,
            "error reply is not JSON".to_owned(),
        );
    }
    match serde_json::from_slice::<E>(bytes) {
        Ok(body) => Error::Api {
            status,
            body: Box::new(body),
        },
        Err(e) => unexpected(
            status,
            content_type,
            bytes,
            format!("cannot decode the error body: {e}"),
        ),
    }
}

fn json_path(path: &serde_path_to_error::Path) -> String {
    let text = path.to_string();
    if text == "." {
        "the top level".to_owned()
    } else {
        format!("`{text}`")
    }
}

fn unexpected<E>(
    status: u16,
    content_type: Option<String>,
    bytes: &[u8],
    reason: String,
) -> Error<E> {
    Error::UnexpectedResponse {
        status,
        content_type,
        body_excerpt: excerpt(bytes),
        reason,
    }
}

/// The first [`BODY_EXCERPT_CHARS`] characters of a body, never cut inside a character.
fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    match text.char_indices().nth(BODY_EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.into_owned(),
    }
}

/// Characters left as is in a path segment: RFC 3986 unreserved ones.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path parameter so that `/`, `?` or `#` in a key cannot change the path.
#[doc(hidden)]
pub fn encode_segment(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, SEGMENT).to_string()
}

/// A path, query or header value as text: strings as they are, anything else as its JSON
/// form (`true`, `5`).
#[doc(hidden)]
pub fn to_text<T: Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// One request being prepared by a generated method; errors are kept until it is sent.
#[doc(hidden)]
#[derive(Debug)]
pub struct Call {
    method: Method,
    path: String,
    query: String,
    body: Option<Vec<u8>>,
    empty_body: bool,
    basic_auth: Option<Credentials>,
    headers: Vec<(&'static str, String)>,
    error: Option<String>,
}

impl Call {
    /// A call of `method` on `path` (already percent-encoded, starting with `/`).
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let empty_body = matches!(method, Method::POST | Method::PUT | Method::PATCH);
        Self {
            method,
            path: path.into(),
            query: String::new(),
            body: None,
            empty_body,
            basic_auth: None,
            headers: Vec::new(),
            error: None,
        }
    }

    /// Adds query parameters from a serialisable struct (`None` fields are left out).
    pub fn query<Q: Serialize + ?Sized>(mut self, query: &Q) -> Self {
        match serde_urlencoded::to_string(query) {
            Ok(encoded) if encoded.is_empty() => {}
            Ok(encoded) => {
                if !self.query.is_empty() {
                    self.query.push('&');
                }
                self.query.push_str(&encoded);
            }
            Err(e) => self.fail(format!("cannot encode the query: {e}")),
        }
        self
    }

    /// Sets a JSON request body.
    pub fn json<B: Serialize + ?Sized>(mut self, body: &B) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(bytes),
            Err(e) => self.fail(format!("cannot encode the body: {e}")),
        }
        self
    }

    /// Sends HTTP basic credentials (the login operation).
    pub fn basic_auth(mut self, credentials: Credentials) -> Self {
        self.basic_auth = Some(credentials);
        self
    }

    /// Sends a header parameter.
    pub fn header(mut self, name: &'static str, value: String) -> Self {
        if reqwest::header::HeaderValue::from_str(&value).is_err() {
            self.fail(format!("header {name} cannot carry {value:?}"));
        }
        self.headers.push((name, value));
        self
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_parsing_finds_only_the_session_cookie() {
        let name = crate::SESSION_COOKIE;
        let header = format!("{name}=abc123; Path=/; HttpOnly; Secure");
        assert_eq!(parse_set_cookie(&header, name).as_deref(), Some("abc123"));
        assert_eq!(parse_set_cookie("other=1; Path=/", name), None);
        assert_eq!(parse_set_cookie("garbage", name), None);
        let deleted = format!("{name}=; Max-Age=0");
        assert_eq!(parse_set_cookie(&deleted, name).as_deref(), Some(""));
    }

    #[test]
    fn excerpt_is_capped_on_a_char_boundary() {
        let long = "é".repeat(600);
        let cut = excerpt(long.as_bytes());
        assert_eq!(cut.chars().count(), BODY_EXCERPT_CHARS + 3);
        assert!(cut.ends_with("..."));
        assert_eq!(excerpt(b"short"), "short");
    }

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(encode_segment("a/b c#d?e"), "a%2Fb%20c%23d%3Fe");
        assert_eq!(
            encode_segment("nic1.interfaces-1_x~"),
            "nic1.interfaces-1_x~"
        );
        assert_eq!(encode_segment("-200"), "-200");
    }

    #[test]
    fn hrefs_must_be_local_paths() {
        assert_eq!(
            href_path::<()>("/api/x#frag").ok().as_deref(),
            Some("/api/x")
        );
        assert!(matches!(
            href_path::<()>("https://evil.example/api"),
            Err(Error::InvalidRequest(_))
        ));
        assert!(matches!(
            href_path::<()>("//evil.example/api"),
            Err(Error::InvalidRequest(_))
        ));
    }

    #[test]
    fn success_bodies_decode_or_explain() {
        let ok: Result<serde_json::Value, Error> =
            decode_success(200, Some("application/json".into()), br#"{"a":1}"#);
        assert_eq!(ok.ok(), Some(serde_json::json!({"a": 1})));

        let unit: Result<(), Error> = decode_success(204, None, b"");
        assert!(unit.is_ok());

        let html: Result<serde_json::Value, Error> =
            decode_success(200, Some("text/html".into()), b"<html>login</html>");
        match html {
            Err(Error::UnexpectedResponse {
                status,
                content_type,
                body_excerpt,
                reason,
            }) => {
                assert_eq!(status, 200);
                assert_eq!(content_type.as_deref(), Some("text/html"));
                assert_eq!(body_excerpt, "<html>login</html>");
                assert!(reason.contains("JSON"), "{reason}");
            }
            other => panic!("expected UnexpectedResponse, got {other:?}"),
        }

        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Shape {
            inner: Inner,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            n: u32,
        }
        let wrong: Result<Shape, Error> = decode_success(
            200,
            Some("application/json".into()),
            br#"{"inner":{"n":"x"}}"#,
        );
        match wrong {
            Err(Error::UnexpectedResponse { reason, .. }) => {
                assert!(reason.contains("inner.n"), "{reason}")
            }
            other => panic!("expected UnexpectedResponse, got {other:?}"),
        }
    }

    #[test]
    fn error_bodies_decode_or_explain() {
        let body = br#"{"error":{"type":"NotFound"}}"#;
        let e: Error = decode_error(404, Some("application/json; charset=utf-8".into()), body);
        assert_eq!(e.status(), Some(404));
        assert_eq!(
            e.api_body().map(|b| b["error"]["type"].clone()),
            Some("NotFound".into())
        );

        let e: Error = decode_error(502, Some("text/plain".into()), b"Bad Gateway");
        assert_eq!(e.status(), Some(502));
        let shown = e.to_string();
        assert!(
            shown.contains("502") && shown.contains("Bad Gateway"),
            "{shown}"
        );
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let c = Credentials::new("admin", "hunter2");
        assert!(!format!("{c:?}").contains("hunter2"));
        let client = Client::builder("http://127.0.0.1:1/")
            .session_id("0123456789abcdef")
            .build()
            .expect("valid base URL");
        assert!(!format!("{client:?}").contains("0123456789abcdef"));
        assert_eq!(client.base_url(), "http://127.0.0.1:1");
        assert_eq!(client.session_id().as_deref(), Some("0123456789abcdef"));
        client.set_session_id(None);
        assert_eq!(client.session_id(), None);
    }

    #[test]
    fn bad_base_urls_are_rejected() {
        assert!(matches!(
            Client::new("not a url"),
            Err(Error::InvalidRequest(_))
        ));
        assert!(matches!(
            Client::new("ftp://sps"),
            Err(Error::InvalidRequest(_))
        ));
        assert!(matches!(
            Client::new("https://sps/?x=1"),
            Err(Error::InvalidRequest(_))
        ));
        let with_prefix = Client::new("https://proxy.example/sps/").expect("valid");
        assert_eq!(with_prefix.base_url(), "https://proxy.example/sps");
    }

    #[test]
    fn calls_keep_the_first_encoding_error() {
        #[derive(serde::Serialize)]
        struct Q {
            limit: Option<u32>,
            q: Option<String>,
        }
        let call = Call::new(Method::GET, "/api/x").query(&Q {
            limit: Some(5),
            q: None,
        });
        assert_eq!(call.query, "limit=5");
        assert!(call.error.is_none());
        // A nested map cannot be a query string.
        let bad = Call::new(Method::GET, "/api/x").query(&serde_json::json!({"a": {"b": 1}}));
        assert!(bad.error.is_some());
        assert!(Call::new(Method::POST, "/api/transaction").empty_body);
    }
}
