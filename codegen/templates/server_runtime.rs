//! Request extraction and response building shared by every generated route: the API's own
//! error bodies, the generic [`RawApi`] interface and its [`RawRequest`] / [`RawResponse`].
//!
//! This file is fixed code copied verbatim by the generator; it is the same for every spec.
//!
//! Malformed requests are answered here, before any handler runs, with the API's error body
//! `{"error": {"type", "message", "details"}, "meta": {"href", "parent"}}`:
//!
//! | problem | status | `error.type` |
//! |---|---|---|
//! | path parameter not valid UTF-8 or of the wrong type | 404 | `NotFound` |
//! | session cookie missing where the operation requires it | 401 | `Unauthenticated` |
//! | basic credentials missing or malformed on the login operation | 401 | `AuthenticationFailure` |
//! | query parameter missing, unknown value or wrong type | 400 | `InvalidQuery` |
//! | header parameter missing where required, or not text | 400 | `InvalidQuery` |
//! | body missing, not JSON (`Content-Type` other than `application/json` or `*+json`), too large, or of the wrong shape | 400 | `InvalidRequestBody` |
//! | upload of another content type, a form without boundary, unreadable, with a part the operation does not name or without a required part | 400 | `InvalidRequestBody` |
//! | no such path | 404 | `NotFound` |
//! | path exists, method does not | 405 | `MethodNotAllowed` |
//!
//! A wrong content type is reported as 400 `InvalidRequestBody` rather than 415 so that
//! clients only ever see the error types the SPS API itself uses.

use std::fmt;
use std::future::Future;
use std::str::FromStr;

use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE, COOKIE};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

/// Largest request body read, in bytes; bigger bodies get 400 `InvalidRequestBody`.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// What the spec says about one operation; see the generated `OPERATIONS` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo {
    /// The spec's `operationId`, e.g. `get_backup_policy`.
    pub operation_id: &'static str,
    /// The HTTP method in upper case: `"GET"`, `"POST"`, ...
    pub method: &'static str,
    /// The path template, e.g. `/api/configuration/aaa/local_database/users/{key}`.
    pub path: &'static str,
    /// The path item's `x-sps-resource`: `index`, `collection`, `item`, `singleton`, `action`
    /// or `service`.
    pub resource: Option<&'static str>,
    /// `x-sps-transaction: required`: the call changes configuration.
    pub transaction_required: bool,
    /// The session cookie is required (not optional) for this operation.
    pub session_required: bool,
    /// Documented response statuses, ascending.
    pub statuses: &'static [u16],
    /// The media type of a success reply that is a file (`format: binary`), if it is one.
    pub file_reply: Option<&'static str>,
    /// Other media types of the JSON success reply (`text/csv`), in document order.
    pub reply_forms: &'static [&'static str],
}

/// A validated request handed to a [`RawApi`] handler.
#[derive(Clone)]
pub struct RawRequest {
    /// The operation the request matched.
    pub operation: &'static OperationInfo,
    /// The request path as received, without the query string.
    pub href: String,
    /// Path parameters in template order, percent-decoded.
    pub path_params: Vec<(String, String)>,
    /// The typed query, serialised back to JSON (absent optional parameters are left out).
    pub query: Map<String, Value>,
    /// The typed body serialised back to JSON (unknown fields kept), if the operation has one
    /// and it was sent.
    pub body: Option<Value>,
    /// The body of an upload operation (raw or a form), to be read as it arrives.
    pub upload: Option<Upload>,
    /// The session cookie, if sent.
    pub session_id: Option<String>,
    /// `(user, password)` where the basic authentication scheme applies.
    pub basic_auth: Option<(String, String)>,
    /// The TLS client certificate of the connection, on login operations (certificate login).
    pub client_certificate: Option<ClientCertificate>,
}

/// The certificate a TLS client presented in the handshake (DER), put into the extensions of
/// each request of that connection by the server that terminates TLS; login operations hand it
/// to the handler (certificate login).
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCertificate(pub Vec<u8>);

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientCertificate({} bytes of DER)", self.0.len())
    }
}

impl RawRequest {
    /// The value of path parameter `name`, if the template has it.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for RawRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRequest")
            .field("operation", &self.operation.operation_id)
            .field("href", &self.href)
            .field("path_params", &self.path_params)
            .field("query", &self.query)
            .field("body", &self.body)
            .field("upload", &self.upload)
            .field(
                "session_id",
                &self.session_id.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "basic_auth",
                &self
                    .basic_auth
                    .as_ref()
                    .map(|(user, _)| (user, "<redacted>")),
            )
            .field("client_certificate", &self.client_certificate)
            .finish()
    }
}

/// HTTP basic credentials sent to the login operation; the password is redacted in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// HTTP basic credentials as a typed value: 401 `AuthenticationFailure` if missing or malformed.
#[doc(hidden)]
pub fn basic_credentials(headers: &HeaderMap, href: &str) -> Result<BasicCredentials, ApiError> {
    basic_auth(headers, href).map(|(username, password)| BasicCredentials { username, password })
}

/// A reply from a [`RawApi`] handler, sent as is.
#[derive(Debug, Clone, PartialEq)]
pub struct RawResponse {
    /// HTTP status code.
    pub status: u16,
    /// JSON body; `None` sends an empty body.
    pub body: Option<Value>,
    /// Extra headers, e.g. `("set-cookie", "session_id=...; Path=/; HttpOnly")`.
    pub headers: Vec<(String, String)>,
    /// A file reply (sent instead of `body`): its bytes, read as they are sent.
    pub file: Option<BinaryBody>,
}

impl RawResponse {
    /// A reply with a JSON body and no extra headers.
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            headers: Vec::new(),
            file: None,
        }
    }

    /// A file reply: `file` (its own media type, else `content_type`) sent as it is read.
    pub fn file(status: u16, content_type: &str, file: BinaryBody) -> Self {
        let file = match file.content_type {
            Some(_) => file,
            None => file.with_content_type(content_type),
        };
        Self {
            status,
            body: None,
            headers: Vec::new(),
            file: Some(file),
        }
    }

    /// An API error reply for the request at `href`; see [`error_body`].
    pub fn error(status: u16, kind: &str, message: &str, href: &str) -> Self {
        Self::json(
            status,
            error_body(kind, message, Value::Object(Map::new()), href),
        )
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

impl IntoResponse for RawResponse {
    fn into_response(self) -> Response {
        let Ok(status) = StatusCode::from_u16(self.status) else {
            return internal_error(&format!("handler returned invalid status {}", self.status));
        };
        let mut response = match (self.file, &self.body) {
            (Some(file), _) => file_response(status.as_u16(), file, "application/octet-stream", Vec::new()),
            (None, Some(body)) => json_response(status.as_u16(), body, Vec::new()),
            (None, None) => status.into_response(),
        };
        for (name, value) in self.headers {
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) else {
                return internal_error(&format!("handler returned invalid header {name:?}"));
            };
            response.headers_mut().append(name, value);
        }
        response
    }
}

/// A handler serving every operation through one generic mechanism (driven by
/// [`OperationInfo`]), as an alternative to the typed `Api` trait.
pub trait RawApi: Send + Sync + 'static {
    /// Answers one validated request.
    fn handle(&self, request: RawRequest) -> impl Future<Output = RawResponse> + Send;
}

/// The parent of an href: the href without its last segment (`None` for the root).
pub fn parent_href(href: &str) -> Option<String> {
    let trimmed = href.trim_end_matches('/');
    let (parent, _) = trimmed.rsplit_once('/')?;
    if parent.is_empty() {
        if trimmed.is_empty() {
            None
        } else {
            Some("/".to_owned())
        }
    } else {
        Some(parent.to_owned())
    }
}

/// The API's error body: `{"error": {"type", "message", "details"}, "meta": {"href", "parent"}}`.
pub fn error_body(kind: &str, message: &str, details: Value, href: &str) -> Value {
    json!({
        "error": {"type": kind, "message": message, "details": details},
        "meta": {"href": href, "parent": parent_href(href)},
    })
}

/// An API error reply; its `IntoResponse` sends [`error_body`] with the status.
///
/// Boxed inside so that `Result<_, ApiError>` stays small on the happy path.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError(Box<ApiErrorParts>);

#[derive(Debug, Clone, PartialEq)]
struct ApiErrorParts {
    status: u16,
    kind: String,
    message: String,
    details: Value,
    href: String,
}

impl ApiError {
    /// An error of any status and `error.type`, for the request at `href`.
    pub fn new(status: u16, kind: &str, message: impl Into<String>, href: &str) -> Self {
        Self(Box::new(ApiErrorParts {
            status,
            kind: kind.to_owned(),
            message: message.into(),
            // The appliance sends `{}` when there is nothing to add.
            details: Value::Object(Map::new()),
            href: href.to_owned(),
        }))
    }

    /// Sets `error.details`.
    pub fn with_details(mut self, details: Value) -> Self {
        self.0.details = details;
        self
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        self.0.status
    }

    /// `error.type`, e.g. `NotFound`.
    pub fn kind(&self) -> &str {
        &self.0.kind
    }

    /// `error.message`, for humans.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// `error.details` (`{}` if none).
    pub fn details(&self) -> &Value {
        &self.0.details
    }

    /// `meta.href`: the request path.
    pub fn href(&self) -> &str {
        &self.0.href
    }

    /// 400 `InvalidRequestBody`.
    pub fn invalid_request_body(message: impl Into<String>, href: &str) -> Self {
        Self::new(400, "InvalidRequestBody", message, href)
    }

    /// 400 `InvalidQuery`.
    pub fn invalid_query(message: impl Into<String>, href: &str) -> Self {
        Self::new(400, "InvalidQuery", message, href)
    }

    /// 401 `Unauthenticated`: no (valid) session. As on SPS, `details.path` names the path that
    /// could not be accessed.
    pub fn unauthenticated(href: &str) -> Self {
        Self::new(
            401,
            "Unauthenticated",
            "this call needs a session: log in first and send the session cookie",
            href,
        )
        .with_details(serde_json::json!({ "path": href }))
    }

    /// 401 `AuthenticationFailure`: missing or wrong credentials.
    pub fn authentication_failure(message: impl Into<String>, href: &str) -> Self {
        Self::new(401, "AuthenticationFailure", message, href)
    }

    /// 404 `NotFound`, with the path in `details.path` as SPS does.
    pub fn not_found(href: &str) -> Self {
        Self::new(404, "NotFound", "no such endpoint or object", href)
            .with_details(serde_json::json!({ "path": href }))
    }

    /// 405 `MethodNotAllowed`.
    pub fn method_not_allowed(method: &str, href: &str) -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            format!("{method} is not supported here"),
            href,
        )
    }

    /// 501 `NotImplemented`: what `Api` methods answer unless implemented.
    pub fn not_implemented(href: &str) -> Self {
        Self::new(
            501,
            "NotImplemented",
            "this operation is not implemented by this server",
            href,
        )
    }

    /// The JSON error body.
    pub fn body(&self) -> Value {
        error_body(
            &self.0.kind,
            &self.0.message,
            self.0.details.clone(),
            &self.0.href,
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.0.status, self.0.kind, self.0.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.0.status, &self.body(), Vec::new())
    }
}

impl From<ApiError> for RawResponse {
    fn from(e: ApiError) -> Self {
        RawResponse::json(e.status(), e.body())
    }
}

/// A JSON reply with extra headers. Serialisation failures (never caused by the request) become
/// a 500 error body instead of a panic.
pub fn json_response<T: Serialize + ?Sized>(
    status: u16,
    body: &T,
    headers: Vec<(&'static str, String)>,
) -> Response {
    let bytes = match serde_json::to_vec(body) {
        Ok(bytes) => bytes,
        Err(e) => return internal_error(&format!("cannot serialise the reply: {e}")),
    };
    let mut response = (
        status_code(status),
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        bytes,
    )
        .into_response();
    add_headers(&mut response, headers);
    response
}

/// A reply without a body.
pub fn empty_response(status: u16, headers: Vec<(&'static str, String)>) -> Response {
    let mut response = status_code(status).into_response();
    add_headers(&mut response, headers);
    response
}

// ---------------------------------------------------------------------------------------------
// File replies: a body handed to axum as a stream, never assembled in memory here.

/// The body of a file reply (an audit trail, an image, a CSV export), sent as it is read.
///
/// Made from an [`axum::body::Body`] (`Body::from_stream` for a stream of pieces) or from
/// bytes. It is sent once: clones share the one body, and the first reply sent takes it.
#[derive(Clone)]
pub struct BinaryBody {
    content_type: Option<String>,
    body: std::sync::Arc<std::sync::Mutex<Option<Body>>>,
}

impl BinaryBody {
    /// A body of these bytes.
    pub fn from_bytes(bytes: impl Into<axum::body::Bytes>) -> Self {
        Self::from(Body::from(bytes.into()))
    }

    /// Sends this media type instead of the one the spec documents.
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    fn take(&self) -> Option<Body> {
        self.body
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

impl From<Body> for BinaryBody {
    fn from(body: Body) -> Self {
        Self {
            content_type: None,
            body: std::sync::Arc::new(std::sync::Mutex::new(Some(body))),
        }
    }
}

impl fmt::Debug for BinaryBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BinaryBody")
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

impl PartialEq for BinaryBody {
    /// The same body (a clone), not equal bytes: a stream cannot be compared without reading it.
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.body, &other.body) && self.content_type == other.content_type
    }
}

/// A file reply: `file` with its media type (`default_type` unless it names its own).
pub fn file_response(
    status: u16,
    file: BinaryBody,
    default_type: &str,
    headers: Vec<(&'static str, String)>,
) -> Response {
    let Some(body) = file.take() else {
        return internal_error("the file reply was already sent");
    };
    let content_type = file.content_type.as_deref().unwrap_or(default_type);
    let Ok(content_type) = HeaderValue::from_str(content_type) else {
        return internal_error(&format!("invalid content type {content_type:?}"));
    };
    let mut response = (status_code(status), [(CONTENT_TYPE, content_type)], body).into_response();
    add_headers(&mut response, headers);
    response
}

fn add_headers(response: &mut Response, headers: Vec<(&'static str, String)>) {
    for (name, value) in headers {
        // Header values come from handler code; one that cannot be sent is dropped, not a panic.
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn internal_error(message: &str) -> Response {
    let body = error_body("InternalError", message, Value::Object(Map::new()), "");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
        body.to_string(),
    )
        .into_response()
}

/// Fallback for paths no operation matches: 404 `NotFound`.
pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(uri.path())
}

/// Fallback for a known path with an undocumented method: 405 `MethodNotAllowed`.
pub async fn method_not_allowed(method: axum::http::Method, uri: Uri) -> ApiError {
    ApiError::method_not_allowed(method.as_str(), uri.path())
}

/// The request path without the query string, for `meta.href`.
#[doc(hidden)]
pub fn href(parts: &Parts) -> String {
    parts.uri.path().to_owned()
}

/// Path parameters in template order, percent-decoded.
#[doc(hidden)]
pub async fn path_params(parts: &mut Parts, href: &str) -> Result<Vec<(String, String)>, ApiError> {
    match RawPathParams::from_request_parts(parts, &()).await {
        Ok(params) => Ok(params
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()),
        // Invalid UTF-8 after decoding cannot name an object.
        Err(_) => Err(ApiError::not_found(href)),
    }
}

/// One path parameter parsed as `T`; a value that does not parse names no object (404).
#[doc(hidden)]
pub fn path_param<T: FromStr>(
    params: &[(String, String)],
    name: &str,
    href: &str,
) -> Result<T, ApiError> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| v.parse().ok())
        .ok_or_else(|| ApiError::not_found(href))
}

/// One path parameter decoded as JSON text (for enumerations and other non-scalar types).
#[doc(hidden)]
pub fn path_param_json<T: DeserializeOwned>(
    params: &[(String, String)],
    name: &str,
    href: &str,
) -> Result<T, ApiError> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .and_then(|(_, v)| serde_json::from_value(Value::String(v.clone())).ok())
        .ok_or_else(|| ApiError::not_found(href))
}

/// A value as text: strings as they are, anything else as its JSON form (`true`, `5`).
#[doc(hidden)]
pub fn to_text<T: Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// A header parameter: `None` if absent; 400 `InvalidQuery` if not visible ASCII.
#[doc(hidden)]
pub fn header_param(
    headers: &HeaderMap,
    name: &str,
    href: &str,
) -> Result<Option<String>, ApiError> {
    match headers.get(name) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .map(|v| Some(v.to_owned()))
            .map_err(|_| ApiError::invalid_query(format!("header {name} is not valid text"), href)),
    }
}

/// A required header parameter: 400 `InvalidQuery` if missing.
#[doc(hidden)]
pub fn require_header_param(
    headers: &HeaderMap,
    name: &str,
    href: &str,
) -> Result<String, ApiError> {
    header_param(headers, name, href)?
        .ok_or_else(|| ApiError::invalid_query(format!("header {name} is required"), href))
}

/// The typed query string; unknown parameters are ignored (newer clients may send more).
#[doc(hidden)]
pub fn query<Q: DeserializeOwned>(parts: &Parts, href: &str) -> Result<Q, ApiError> {
    let raw = parts.uri.query().unwrap_or("");
    let deserializer = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let parameter = e.path().to_string();
        let reason = e.inner().to_string();
        let message = if parameter == "." {
            format!("invalid query: {reason}")
        } else {
            format!("invalid query parameter `{parameter}`: {reason}")
        };
        ApiError::invalid_query(message, href)
            .with_details(json!({"parameter": parameter, "reason": reason}))
    })
}

/// The session token, if one was sent: the session cookie, else the session header (where the
/// API has one, such as `X-Token`).
#[doc(hidden)]
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    let cookie = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == crate::SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value.trim_matches('"').to_owned());
    cookie.or_else(|| {
        let header = headers.get(crate::SESSION_HEADER?)?.to_str().ok()?.trim();
        (!header.is_empty()).then(|| header.to_owned())
    })
}

/// The session cookie where the operation requires it: 401 `Unauthenticated` if missing.
#[doc(hidden)]
pub fn require_session_cookie(headers: &HeaderMap, href: &str) -> Result<String, ApiError> {
    session_cookie(headers).ok_or_else(|| ApiError::unauthenticated(href))
}

/// HTTP basic credentials where the login may go without them (certificate login): `None`
/// if no `Authorization` header was sent, 401 `AuthenticationFailure` if it is malformed.
#[doc(hidden)]
pub fn optional_basic_credentials(
    headers: &HeaderMap,
    href: &str,
) -> Result<Option<BasicCredentials>, ApiError> {
    if headers.get(AUTHORIZATION).is_none() {
        return Ok(None);
    }
    basic_credentials(headers, href).map(Some)
}

/// HTTP basic credentials: 401 `AuthenticationFailure` if missing or malformed.
#[doc(hidden)]
pub fn basic_auth(headers: &HeaderMap, href: &str) -> Result<(String, String), ApiError> {
    use base64::Engine as _;
    let fail = |why: &str| ApiError::authentication_failure(why.to_owned(), href);
    let value = headers
        .get(AUTHORIZATION)
        .ok_or_else(|| fail("HTTP basic authentication is required"))?
        .to_str()
        .map_err(|_| fail("malformed Authorization header"))?;
    let (scheme, encoded) = value
        .trim()
        .split_once(' ')
        .ok_or_else(|| fail("malformed Authorization header"))?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(fail("HTTP basic authentication is required"));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| fail("malformed basic credentials"))?;
    let text = String::from_utf8(decoded).map_err(|_| fail("malformed basic credentials"))?;
    let (user, password) = text
        .split_once(':')
        .ok_or_else(|| fail("malformed basic credentials"))?;
    Ok((user.to_owned(), password.to_owned()))
}

/// Reads the body; `None` when it is empty.
async fn read_body(
    headers: &HeaderMap,
    body: Body,
    href: &str,
) -> Result<Option<axum::body::Bytes>, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            ApiError::invalid_request_body(
                format!("the body is unreadable or larger than {MAX_BODY_BYTES} bytes"),
                href,
            )
        })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let is_json = content_type.is_some_and(|ct| {
        let essence = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        essence == "application/json" || essence.ends_with("+json")
    });
    if !is_json {
        return Err(ApiError::invalid_request_body(
            format!(
                "the body must be JSON with Content-Type application/json, not {}",
                content_type.unwrap_or("no content type")
            ),
            href,
        ));
    }
    Ok(Some(bytes))
}

fn decode_json<T: DeserializeOwned>(bytes: &[u8], href: &str) -> Result<T, ApiError> {
    let fail = |path: String, reason: String| {
        let message = if path == "." {
            format!("invalid request body: {reason}")
        } else {
            format!("invalid request body at `{path}`: {reason}")
        };
        ApiError::invalid_request_body(message, href)
            .with_details(json!({"path": path, "reason": reason}))
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| fail(e.path().to_string(), e.inner().to_string()))?;
    // Trailing garbage after a valid document.
    deserializer
        .end()
        .map_err(|e| fail(".".to_owned(), e.to_string()))?;
    Ok(value)
}

/// A required JSON body: 400 `InvalidRequestBody` if missing, not JSON or of the wrong shape.
#[doc(hidden)]
pub async fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
    href: &str,
) -> Result<T, ApiError> {
    match read_body(headers, body, href).await? {
        Some(bytes) => decode_json(&bytes, href),
        None => Err(ApiError::invalid_request_body(
            "a JSON body is required",
            href,
        )),
    }
}

/// An optional JSON body: `None` when empty.
#[doc(hidden)]
pub async fn optional_json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
    href: &str,
) -> Result<Option<T>, ApiError> {
    match read_body(headers, body, href).await? {
        Some(bytes) => decode_json(&bytes, href).map(Some),
        None => Ok(None),
    }
}

/// Serialises a typed query back to a JSON object for [`RawRequest::query`].
#[doc(hidden)]
pub fn to_object<T: Serialize>(value: &T) -> Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// Serialises a typed body back to JSON for [`RawRequest::body`].
#[doc(hidden)]
pub fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

// ---------------------------------------------------------------------------------------------
// Uploads: request bodies that are not JSON (a raw binary body or a `multipart/form-data`
// form), handed to the handler as a stream of parts, never read into memory whole.

/// Largest text part of an upload form read, in bytes; larger ones get 400
/// `InvalidRequestBody`.
pub const MAX_FORM_TEXT_BYTES: usize = 64 * 1024;

/// What an upload operation accepts, from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadSpec {
    /// The body is the upload itself, of this content type.
    Raw {
        /// The content type the spec gives (`application/zip`).
        content_type: &'static str,
    },
    /// A `multipart/form-data` form with these parts.
    Form {
        /// The parts the form may have, in spec order.
        fields: &'static [FormFieldSpec],
    },
}

/// One part of an upload form, from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormFieldSpec {
    /// The part name.
    pub name: &'static str,
    /// A file part (`format: binary`) rather than a text part.
    pub file: bool,
    /// The form must have it.
    pub required: bool,
}

/// An upload as received, not read yet: [`Upload::into_parts`] reads it part by part as it
/// arrives. Cloning shares the one body, which can be read once.
#[derive(Clone)]
pub struct Upload {
    spec: UploadSpec,
    href: String,
    content_type: String,
    length: Option<u64>,
    boundary: Option<String>,
    body: std::sync::Arc<std::sync::Mutex<Option<Body>>>,
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("content_type", &self.content_type)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

fn upload_error(message: impl Into<String>, href: &str) -> ApiError {
    ApiError::invalid_request_body(message, href)
}

/// The body of an upload operation: 400 `InvalidRequestBody` if its content type is not the
/// one the spec gives (for a form: `multipart/form-data` with a boundary).
#[doc(hidden)]
pub fn upload_body(
    headers: &HeaderMap,
    body: Body,
    href: &str,
    spec: UploadSpec,
) -> Result<Upload, ApiError> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let boundary = match spec {
        UploadSpec::Raw { content_type: wanted } => {
            if !essence.eq_ignore_ascii_case(wanted) {
                return Err(upload_error(
                    format!("the body must be {wanted}, not {}", or_none(&content_type)),
                    href,
                ));
            }
            None
        }
        UploadSpec::Form { .. } => {
            if essence != "multipart/form-data" {
                return Err(upload_error(
                    format!(
                        "the body must be multipart/form-data, not {}",
                        or_none(&content_type)
                    ),
                    href,
                ));
            }
            Some(multer::parse_boundary(&content_type).map_err(|e| {
                upload_error(format!("the multipart/form-data body has no boundary: {e}"), href)
            })?)
        }
    };
    let length = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    Ok(Upload {
        spec,
        href: href.to_owned(),
        content_type,
        length,
        boundary,
        body: std::sync::Arc::new(std::sync::Mutex::new(Some(body))),
    })
}

fn or_none(content_type: &str) -> &str {
    if content_type.is_empty() {
        "no content type"
    } else {
        content_type
    }
}

impl Upload {
    /// What the operation accepts.
    pub fn spec(&self) -> UploadSpec {
        self.spec
    }

    /// The `Content-Type` sent.
    pub fn content_type(&self) -> &str {
        &self.content_type
    }

    /// The `Content-Length` sent, if any.
    pub fn content_length(&self) -> Option<u64> {
        self.length
    }

    /// The parts, read as they arrive; an error (a 500 body) if the upload was read already.
    pub fn into_parts(self) -> Result<UploadParts, ApiError> {
        let body = self
            .body
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
            .ok_or_else(|| {
                ApiError::new(500, "InternalError", "the upload was read already", &self.href)
            })?;
        let stream = body.into_data_stream();
        let source = match (self.spec, self.boundary) {
            (UploadSpec::Form { fields }, Some(boundary)) => {
                PartsSource::Form(Box::new(multer::Multipart::new(stream, boundary)), fields)
            }
            _ => PartsSource::Raw(Some(stream)),
        };
        Ok(UploadParts {
            href: self.href,
            content_type: self.content_type,
            source,
            seen: Vec::new(),
        })
    }
}

/// The parts of an upload, in the order they arrive.
pub struct UploadParts {
    href: String,
    content_type: String,
    source: PartsSource,
    seen: Vec<&'static str>,
}

enum PartsSource {
    Raw(Option<axum::body::BodyDataStream>),
    Form(Box<multer::Multipart<'static>>, &'static [FormFieldSpec]),
}

impl fmt::Debug for UploadParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadParts")
            .field("content_type", &self.content_type)
            .field("seen", &self.seen)
            .finish_non_exhaustive()
    }
}

impl UploadParts {
    /// The next part, `None` after the last. A raw upload is one part without a name. A form
    /// part the spec does not name, a text part sent as a file or a file as text, a part sent
    /// twice, a required part missing at the end, or a body that breaks off, is 400
    /// `InvalidRequestBody`. Read (or drop) each part before asking for the next.
    pub async fn next(&mut self) -> Result<Option<UploadPart>, ApiError> {
        let href = self.href.clone();
        let (multipart, fields) = match &mut self.source {
            PartsSource::Raw(stream) => {
                return Ok(stream.take().map(|stream| UploadPart {
                    name: None,
                    file_name: None,
                    content_type: Some(self.content_type.clone()),
                    file: true,
                    source: PartSource::Raw(stream),
                    href,
                }))
            }
            PartsSource::Form(multipart, fields) => (multipart, *fields),
        };
        let field = multipart.next_field().await.map_err(|e| {
            upload_error(format!("the multipart/form-data body is malformed: {e}"), &href)
        })?;
        let Some(field) = field else {
            let missing: Vec<&str> = fields
                .iter()
                .filter(|f| f.required && !self.seen.contains(&f.name))
                .map(|f| f.name)
                .collect();
            if missing.is_empty() {
                return Ok(None);
            }
            return Err(upload_error(
                format!("the form lacks the part(s) {}", missing.join(", ")),
                &href,
            )
            .with_details(json!({ "missing_parts": missing })));
        };
        let name = field.name().unwrap_or("").to_owned();
        let Some(spec) = fields.iter().find(|f| f.name == name) else {
            return Err(upload_error(
                format!("the form has a part this operation does not take: {name:?}"),
                &href,
            ));
        };
        if self.seen.contains(&spec.name) {
            return Err(upload_error(format!("the form has the part {name} twice"), &href));
        }
        let file_name = field.file_name().map(str::to_owned);
        if spec.file && file_name.is_none() {
            return Err(upload_error(
                format!("the form part {name} must be a file (with a file name)"),
                &href,
            ));
        }
        self.seen.push(spec.name);
        Ok(Some(UploadPart {
            name: Some(name),
            file_name,
            content_type: field.content_type().map(ToString::to_string),
            file: spec.file,
            source: PartSource::Field(Box::new(field)),
            href,
        }))
    }
}

/// One part of an upload, read chunk by chunk.
pub struct UploadPart {
    name: Option<String>,
    file_name: Option<String>,
    content_type: Option<String>,
    file: bool,
    source: PartSource,
    href: String,
}

enum PartSource {
    Raw(axum::body::BodyDataStream),
    // Boxed: a multer field is much larger than a body stream.
    Field(Box<multer::Field<'static>>),
}

impl fmt::Debug for UploadPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadPart")
            .field("name", &self.name)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

impl UploadPart {
    /// The form part's name (`None` for a raw upload).
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The file name the client gave, if any.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The part's content type, if given.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// Whether the spec makes this part a file (a raw upload is one).
    pub fn is_file(&self) -> bool {
        self.file
    }

    /// The next chunk of the part, `None` at its end; 400 `InvalidRequestBody` if the body
    /// breaks off.
    pub async fn chunk(&mut self) -> Result<Option<axum::body::Bytes>, ApiError> {
        let fail = |e: String| upload_error(format!("the upload could not be read: {e}"), &self.href);
        match &mut self.source {
            PartSource::Raw(stream) => {
                use futures_util::StreamExt;
                stream.next().await.transpose().map_err(|e| fail(e.to_string()))
            }
            PartSource::Field(field) => field.chunk().await.map_err(|e| fail(e.to_string())),
        }
    }

    /// The whole part as text (a text part of a form), at most [`MAX_FORM_TEXT_BYTES`].
    pub async fn text(mut self) -> Result<String, ApiError> {
        let mut bytes = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            if bytes.len() + chunk.len() > MAX_FORM_TEXT_BYTES {
                return Err(upload_error(
                    format!(
                        "the form part {} is longer than {MAX_FORM_TEXT_BYTES} bytes",
                        self.name.as_deref().unwrap_or("")
                    ),
                    &self.href,
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        String::from_utf8(bytes).map_err(|_| upload_error("a form text part is not UTF-8", &self.href))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = Request::builder().uri(uri);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        match builder.body(()) {
            Ok(request) => request.into_parts().0,
            Err(e) => panic!("test request: {e}"),
        }
    }

    #[test]
    fn parents_drop_the_last_segment() {
        assert_eq!(
            parent_href("/api/configuration/aaa").as_deref(),
            Some("/api/configuration")
        );
        assert_eq!(parent_href("/api/configuration/").as_deref(), Some("/api"));
        assert_eq!(parent_href("/api").as_deref(), Some("/"));
        assert_eq!(parent_href("/"), None);
        assert_eq!(parent_href(""), None);
    }

    #[test]
    fn error_bodies_have_the_api_shape() {
        let body = ApiError::not_found("/api/nope/x").body();
        assert_eq!(body["error"]["type"], "NotFound");
        assert_eq!(body["meta"]["href"], "/api/nope/x");
        assert_eq!(body["meta"]["parent"], "/api/nope");
        assert_eq!(body["error"]["details"], json!({"path": "/api/nope/x"}));
        let body = ApiError::invalid_query("bad", "/api/x").body();
        assert_eq!(body["error"]["details"], json!({}));
    }

    #[test]
    fn session_cookie_is_found_among_others() {
        let name = crate::SESSION_COOKIE;
        let h = parts("/", &[("cookie", &format!("a=1; {name}=abc; b=2"))]).headers;
        assert_eq!(session_cookie(&h).as_deref(), Some("abc"));
        let h = parts("/", &[("cookie", "a=1")]).headers;
        assert_eq!(session_cookie(&h), None);
        let e = require_session_cookie(&h, "/api/x").err();
        assert_eq!(
            e.map(|e| (e.status(), e.kind().to_owned())),
            Some((401, "Unauthenticated".to_owned()))
        );
        let h = parts("/", &[("cookie", &format!("{name}="))]).headers;
        assert_eq!(session_cookie(&h), None);
    }

    #[test]
    fn basic_auth_decodes_or_fails_with_authentication_failure() {
        // "admin:pa:ss" - the password may itself contain a colon.
        let h = parts("/", &[("authorization", "Basic YWRtaW46cGE6c3M=")]).headers;
        assert_eq!(
            basic_auth(&h, "/api/authentication").ok(),
            Some(("admin".to_owned(), "pa:ss".to_owned()))
        );
        for bad in ["Bearer xyz", "Basic !!!", "Basic", "Basic YWRtaW4="] {
            let h = parts("/", &[("authorization", bad)]).headers;
            let e = basic_auth(&h, "/api/authentication").err();
            assert_eq!(
                e.map(|e| (e.status(), e.kind().to_owned())),
                Some((401, "AuthenticationFailure".to_owned())),
                "{bad}"
            );
        }
        let e = basic_auth(&HeaderMap::new(), "/api/authentication").err();
        assert_eq!(e.map(|e| e.status()), Some(401));
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Q {
        limit: Option<u32>,
        q: Option<String>,
    }

    #[test]
    fn queries_decode_or_fail_with_invalid_query() {
        let p = parts("/api/x?limit=5&q=a%20b&extra=1", &[]);
        assert_eq!(
            query::<Q>(&p, "/api/x").ok(),
            Some(Q {
                limit: Some(5),
                q: Some("a b".to_owned())
            })
        );
        let p = parts("/api/x?limit=lots", &[]);
        match query::<Q>(&p, "/api/x") {
            Err(e) => {
                assert_eq!((e.status(), e.kind()), (400, "InvalidQuery"));
                assert_eq!(e.details()["parameter"], "limit");
            }
            Ok(q) => panic!("accepted {q:?}"),
        }
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct B {
        name: String,
        inner: Inner,
    }
    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Inner {
        port: u16,
    }

    #[tokio::test]
    async fn bodies_decode_or_fail_with_invalid_request_body() {
        let json = parts("/", &[("content-type", "application/json")]).headers;
        let ok: Result<B, _> = json_body(
            &json,
            Body::from(r#"{"name":"n","inner":{"port":22}}"#),
            "/a",
        )
        .await;
        assert_eq!(
            ok.ok(),
            Some(B {
                name: "n".into(),
                inner: Inner { port: 22 }
            })
        );

        let bad: Result<B, _> = json_body(
            &json,
            Body::from(r#"{"name":"n","inner":{"port":"x"}}"#),
            "/a",
        )
        .await;
        match bad {
            Err(e) => {
                assert_eq!((e.status(), e.kind()), (400, "InvalidRequestBody"));
                assert_eq!(e.details()["path"], "inner.port");
            }
            Ok(b) => panic!("accepted {b:?}"),
        }

        let trailing: Result<B, _> = json_body(
            &json,
            Body::from(r#"{"name":"n","inner":{"port":1}} x"#),
            "/a",
        )
        .await;
        assert_eq!(trailing.err().map(|e| e.status()), Some(400));

        let empty: Result<B, _> = json_body(&json, Body::empty(), "/a").await;
        assert_eq!(
            empty.err().map(|e| e.kind().to_owned()),
            Some("InvalidRequestBody".to_owned())
        );
        let none: Result<Option<B>, _> = optional_json_body(&json, Body::empty(), "/a").await;
        assert_eq!(none.ok(), Some(None));

        let text = parts("/", &[("content-type", "text/plain")]).headers;
        let wrong: Result<B, _> = json_body(&text, Body::from("{}"), "/a").await;
        assert_eq!(wrong.err().map(|e| e.status()), Some(400));
    }

    #[test]
    fn raw_responses_are_sent_as_is_and_bad_ones_do_not_panic() {
        let r = RawResponse::json(201, json!({"key": "k"}))
            .with_header("set-cookie", "session_id=x; Path=/")
            .into_response();
        assert_eq!(r.status(), StatusCode::CREATED);
        assert_eq!(
            r.headers().get("set-cookie").and_then(|v| v.to_str().ok()),
            Some("session_id=x; Path=/")
        );
        let bad = RawResponse::json(1000, Value::Null).into_response();
        assert_eq!(bad.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let bad = RawResponse::json(200, Value::Null)
            .with_header("bad header", "x")
            .into_response();
        assert_eq!(bad.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn path_params_parse_or_are_not_found() {
        let params = vec![("key".to_owned(), "12".to_owned())];
        assert_eq!(path_param::<u32>(&params, "key", "/a/12").ok(), Some(12));
        let e = path_param::<u32>(&params, "id", "/a/12").err();
        assert_eq!(e.map(|e| e.status()), Some(404));
        let params = vec![("key".to_owned(), "x".to_owned())];
        assert_eq!(
            path_param::<u32>(&params, "key", "/a/x")
                .err()
                .map(|e| e.status()),
            Some(404)
        );
    }
}
