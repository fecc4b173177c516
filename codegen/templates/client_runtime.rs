//! HTTP plumbing shared by every generated operation: [`Client`], [`ClientBuilder`], [`Error`],
//! session cookie handling and the request/response helpers the generated methods call.
//!
//! Every call goes through one path ([`Client::send`] and friends): the version check, retries
//! with backoff ([`RetryPolicy`]), logging in again when the session expired outside a
//! transaction, and a `tracing` span. Generated methods only hand over a [`Call`] carrying their
//! operation's static [`Operation`] metadata.
//!
//! This file is fixed code copied verbatim by the generator; it is the same for every spec.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tracing::Instrument;

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

/// How the session token travels with every call after login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionTransport {
    /// In the session cookie ([`SESSION_COOKIE`](crate::SESSION_COOKIE)), as every SPS
    /// version accepts.
    #[default]
    Cookie,
    /// In the session header ([`SESSION_HEADER`](crate::SESSION_HEADER), `X-Token`), which
    /// SPS 7.5 and later also accept (and ask browser-like clients for). With
    /// [`ClientBuilder::session_id`] a client can work with a token obtained elsewhere,
    /// without logging in.
    Header,
}

/// What the runtime knows of an operation: one `static` per generated method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The spec's `operationId`.
    pub id: &'static str,
    /// The HTTP method, upper case (`"GET"`).
    pub method: &'static str,
    /// The path template (`/api/configuration/x/{key}`); logged instead of the real path.
    pub path: &'static str,
    /// The SPS versions whose documentation describes the operation (`x-sps-versions`, like
    /// `"7.x"` or `"8.0"`); empty means unknown, never checked.
    pub versions: &'static [&'static str],
    /// Whether sending it twice does no more than once (GET, PUT, DELETE, or a POST marked
    /// `x-sps-repeatable`): only such calls are retried after a failure that may have reached
    /// the appliance.
    pub idempotent: bool,
}

impl Operation {
    /// Whether an appliance of `version` (`"7.4.1"`) is documented to have the operation.
    pub fn supports(&self, version: &str) -> bool {
        self.versions.is_empty()
            || self
                .versions
                .iter()
                .any(|documented| version_matches(documented, version))
    }
}

/// Whether `version` (`"7.4.1"`) belongs to the documented family `documented` (`"7.x"`, or
/// `"7.4"` for 7.4 and its patch releases).
fn version_matches(documented: &str, version: &str) -> bool {
    let mut have = version.trim().split('.');
    documented
        .split('.')
        .all(|part| part == "x" || have.next() == Some(part))
}

/// `GET` of a `meta` link ([`Client::follow`]): no documented versions, always repeatable.
static FOLLOW: Operation = Operation {
    id: "follow",
    method: "GET",
    path: "{href}",
    versions: &[],
    idempotent: true,
};

/// [`Call::raw`]'s operations, one per method.
static RAW: [Operation; 7] = {
    const fn raw(method: &'static str, idempotent: bool) -> Operation {
        Operation {
            id: "raw",
            method,
            path: "{raw}",
            versions: &[],
            idempotent,
        }
    }
    [
        raw("GET", true),
        raw("PUT", true),
        raw("DELETE", true),
        raw("HEAD", true),
        raw("OPTIONS", true),
        raw("POST", false),
        raw("PATCH", false),
    ]
};

/// `GET /api/info`, where the appliance tells its version ([`Client::read_appliance_version`]).
static INFO: Operation = Operation {
    id: "get_info",
    method: "GET",
    path: "/api/info",
    versions: &[],
    idempotent: true,
};

/// The operations that open and close a configuration transaction (generated from the spec's
/// `x-sps-transaction-operations`).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct TransactionOperations {
    /// Opens a transaction.
    pub open: &'static str,
    /// End it: commit and rollback.
    pub close: &'static [&'static str],
}

/// How failed calls are retried: exponential backoff with jitter, bounded in attempts and in
/// total time.
///
/// Retried are: connection failures (whatever the method: the request never left), and for
/// idempotent operations (GET, PUT, DELETE, and POSTs the spec marks `x-sps-repeatable`) also
/// timeouts, connections dropped before the reply was complete, and 502, 503 and 504 replies.
/// A `Retry-After` header (in seconds) replaces the computed delay when it is longer; when the
/// wait would end past `max_elapsed`, the call gives up at once with the last reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1: no retry). Default 4.
    pub max_attempts: u32,
    /// Delay before the first retry; it doubles with every further one. Default 100 ms.
    pub min_delay: Duration,
    /// Longest computed delay between two attempts (a longer `Retry-After` is still obeyed,
    /// within `max_elapsed`). Default 5 s.
    pub max_delay: Duration,
    /// No retry starts once this much time has passed since the first attempt. Default 30 s.
    pub max_elapsed: Duration,
    /// Randomises each delay (adds up to the delay itself), so that many clients failing
    /// together do not retry in step. Default on.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(30),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// One attempt per call, no retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    fn backoff(&self) -> ExponentialBuilder {
        let retries = usize::try_from(self.max_attempts.saturating_sub(1)).unwrap_or(usize::MAX);
        let builder = ExponentialBuilder::default()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(retries)
            .with_total_delay(Some(self.max_elapsed));
        if self.jitter {
            builder.with_jitter()
        } else {
            builder
        }
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
    /// The session ended (401) while it held a configuration transaction: the transaction,
    /// its configuration lock and every uncommitted change are gone on the appliance. Nothing
    /// of it was committed; start a new transaction (the next call logs in again).
    TransactionLost {
        /// The operation that found the session gone.
        operation: &'static str,
    },
    /// The upload could not be read: its file could not be opened, or a stream, which can be
    /// sent only once, had to be sent again (a retry or a repeat after logging in again).
    Upload(std::io::Error),
    /// The appliance's version is not among those whose documentation describes the operation;
    /// the request was not sent. [`ClientBuilder::check_versions`] turns the check off.
    UnsupportedVersion {
        /// The operation called.
        operation: &'static str,
        /// The appliance's version.
        appliance: String,
        /// The versions documented for the operation.
        documented: &'static [&'static str],
    },
    /// Writing a downloaded body to its destination failed (a full disk, a closed pipe).
    Io(std::io::Error),
    /// A paged listing got the same page back for a later `offset`: the server ignores the
    /// offset, and paging on would never end. Nothing past the first page was returned.
    PagingStalled {
        /// The operation paged through.
        operation: &'static str,
        /// The offset whose page repeated an earlier page.
        offset: u64,
    },
}

impl<E> Error<E> {
    /// The HTTP status of the reply, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } | Error::UnexpectedResponse { status, .. } => Some(*status),
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
            Error::TransactionLost { .. } => Some(401),
            Error::InvalidRequest(_)
            | Error::Upload(_)
            | Error::UnsupportedVersion { .. }
            | Error::Io(_)
            | Error::PagingStalled { .. } => None,
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
            Error::Upload(e) => Error::Upload(e),
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
            Error::TransactionLost { operation } => Error::TransactionLost { operation },
            Error::UnsupportedVersion {
                operation,
                appliance,
                documented,
            } => Error::UnsupportedVersion {
                operation,
                appliance,
                documented,
            },
            Error::Io(e) => Error::Io(e),
            Error::PagingStalled { operation, offset } => {
                Error::PagingStalled { operation, offset }
            }
        }
    }
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { status, body } => write!(f, "API error (HTTP {status}): {body:?}"),
            Error::Transport(e) => write!(f, "transport error: {e}"),
            Error::InvalidRequest(m) => write!(f, "invalid request: {m}"),
            Error::Upload(e) => write!(f, "cannot read the upload: {e}"),
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
            Error::TransactionLost { operation } => write!(
                f,
                "the session ended inside a configuration transaction ({operation} answered 401): \
                 the transaction and its uncommitted changes are lost"
            ),
            Error::UnsupportedVersion {
                operation,
                appliance,
                documented,
            } => write!(
                f,
                "{operation} is not documented for SPS {appliance} (documented for {}); not sent",
                documented.join(", ")
            ),
            Error::Io(e) => write!(f, "cannot write the downloaded body: {e}"),
            Error::PagingStalled { operation, offset } => write!(
                f,
                "{operation}: the page at offset {offset} repeats an earlier page; the server \
                 ignores `offset`, so paging stopped instead of looping"
            ),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            Error::Upload(e) | Error::Io(e) => Some(e),
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
    identity: Option<reqwest::Identity>,
    session_id: Option<String>,
    session_transport: SessionTransport,
    retry: RetryPolicy,
    relogin: bool,
    check_versions: bool,
    appliance_version: Option<String>,
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
            .field("identity", &self.identity.as_ref().map(|_| "<redacted>"))
            .field(
                "session_id",
                &self.session_id.as_ref().map(|_| "<redacted>"),
            )
            .field("session_transport", &self.session_transport)
            .field("retry", &self.retry)
            .field("relogin", &self.relogin)
            .field("check_versions", &self.check_versions)
            .field("appliance_version", &self.appliance_version)
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
    /// Keep it non-browser-like: SPS 7.5 and later ask browser-looking clients for the
    /// session in the `X-Token` header (see [`SessionTransport::Header`]).
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

    /// Presents a TLS client certificate to the appliance, for certificate login (the login
    /// operation without a password, with `type=x509` where password login is permitted
    /// too). `pem` holds the certificate (chain, leaf first) and its private key (PKCS#8,
    /// PKCS#1 or SEC1) as PEM blocks. Text without both is an error here, not at the first
    /// handshake.
    pub fn identity_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        let text = String::from_utf8_lossy(pem);
        if !text.contains("-----BEGIN CERTIFICATE-----") || !text.contains("PRIVATE KEY-----") {
            return Err(Error::InvalidRequest(
                "a client identity needs a PEM certificate and its PEM private key".to_string(),
            ));
        }
        let identity = reqwest::Identity::from_pem(pem)
            .map_err(|e| Error::InvalidRequest(format!("invalid client identity: {e}")))?;
        self.identity = Some(identity);
        Ok(self)
    }

    /// How the session token is sent: the cookie (default) or the session header
    /// (`X-Token`). [`build`](Self::build) refuses the header for an API that has none.
    pub fn session_transport(mut self, transport: SessionTransport) -> Self {
        self.session_transport = transport;
        self
    }

    /// Starts with an existing session (the value of the session cookie), e.g. one saved from
    /// an earlier [`Client::session_id`], or a token obtained elsewhere.
    pub fn session_id(mut self, session_id: impl Into<String>) -> Self {
        self.session_id = Some(session_id.into());
        self
    }

    /// How failed calls are retried (default: [`RetryPolicy::default`]; [`RetryPolicy::none`]
    /// for a single attempt).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Whether a call that finds its session expired or unknown (401) outside a transaction
    /// logs in again once with the credentials of the last successful login and is repeated.
    /// Default on. Inside a transaction the client never does: it answers
    /// [`Error::TransactionLost`].
    pub fn relogin(mut self, relogin: bool) -> Self {
        self.relogin = relogin;
        self
    }

    /// Whether a call to an operation whose documentation does not cover the appliance's
    /// version (once known: [`Client::read_appliance_version`] or
    /// [`appliance_version`](Self::appliance_version)) fails with
    /// [`Error::UnsupportedVersion`] before sending. Default on.
    pub fn check_versions(mut self, check: bool) -> Self {
        self.check_versions = check;
        self
    }

    /// The appliance's version (`"7.4.1"`), when known without asking it.
    pub fn appliance_version(mut self, version: impl Into<String>) -> Self {
        self.appliance_version = Some(version.into());
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
        if self.session_transport == SessionTransport::Header && crate::SESSION_HEADER.is_none() {
            return Err(Error::InvalidRequest(
                "this API has no session header: use the session cookie".to_string(),
            ));
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
        if let Some(identity) = self.identity {
            http = http.identity(identity);
        }
        let http = http.build()?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base: url.as_str().trim_end_matches('/').to_owned(),
                session: Mutex::new(self.session_id),
                session_transport: self.session_transport,
                login: Mutex::new(None),
                relogin_lock: tokio::sync::Mutex::new(()),
                in_transaction: AtomicBool::new(false),
                appliance_version: Mutex::new(self.appliance_version),
                retry: self.retry,
                relogin: self.relogin,
                check_versions: self.check_versions,
            }),
        })
    }
}

struct Inner {
    http: reqwest::Client,
    /// Base URL without a trailing slash; request paths start with `/`.
    base: String,
    session: Mutex<Option<String>>,
    session_transport: SessionTransport,
    /// The last successful login call (with its credentials), replayed when a session expires.
    login: Mutex<Option<Call>>,
    /// Held while logging in again, so that tasks sharing the client log in once.
    relogin_lock: tokio::sync::Mutex<()>,
    /// Whether the session holds an open configuration transaction.
    in_transaction: AtomicBool,
    appliance_version: Mutex<Option<String>>,
    retry: RetryPolicy,
    relogin: bool,
    check_versions: bool,
}

/// A reply read to the end, or (a successful reply to a streaming call) with its body unread.
struct Reply {
    status: u16,
    content_type: Option<String>,
    retry_after: Option<Duration>,
    body: Vec<u8>,
    unread: Option<reqwest::Response>,
}

/// Why one attempt failed in a way a retry may fix.
enum Failure {
    /// Nothing (complete) came back.
    Transport(reqwest::Error),
    /// 502, 503 or 504: a gateway or an appliance that is not ready.
    Unavailable(Reply),
    /// The upload's source could not be read before sending; never retried.
    Upload(std::io::Error),
}

impl Failure {
    fn retryable(&self, operation: &Operation, replayable: bool) -> bool {
        match self {
            // A stream upload was consumed by the failed attempt: it cannot be sent again.
            _ if !replayable => false,
            Failure::Upload(_) => false,
            // Refused or unreachable: the request never left, so any method may go again.
            Failure::Transport(e) if e.is_connect() => true,
            Failure::Transport(e) => operation.idempotent && !e.is_builder(),
            Failure::Unavailable(_) => operation.idempotent,
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Failure::Unavailable(reply) => reply.retry_after,
            Failure::Transport(_) | Failure::Upload(_) => None,
        }
    }
}

/// What kind of transport failure `e` is, for logs.
fn transport_kind(e: &reqwest::Error) -> &'static str {
    if e.is_connect() {
        "connect"
    } else if e.is_timeout() {
        "timeout"
    } else if e.is_body() || e.is_decode() {
        "reply cut off"
    } else {
        "request"
    }
}

/// Locks a mutex whose data stays consistent even if a holder panicked (plain values only).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `Retry-After` in seconds (the HTTP-date form is not used by gateways in front of SPS).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// An SPS API client. Cloning is cheap (one reference count) and clones share the connection
/// pool, the session, the held login and the settings, so one client can serve many tasks.
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
            identity: None,
            session_id: None,
            session_transport: SessionTransport::Cookie,
            retry: RetryPolicy::default(),
            relogin: true,
            check_versions: true,
            appliance_version: None,
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
        lock(&self.inner.session)
    }

    /// Whether the session holds an open configuration transaction, as far as the client saw
    /// (opened through it and not yet committed, rolled back or lost).
    pub fn in_open_transaction(&self) -> bool {
        self.inner.in_transaction.load(Ordering::SeqCst)
    }

    /// The appliance's version, if known (set in the builder or read from the appliance).
    pub fn appliance_version(&self) -> Option<String> {
        lock(&self.inner.appliance_version).clone()
    }

    /// Reads the appliance's version from `/api/info` (it is only shown to a logged-in
    /// session), remembers it for the version check and returns it.
    pub async fn read_appliance_version(&self) -> Result<String, Error> {
        let info: serde_json::Value = self.send(Call::new(&INFO, INFO.path)).await?;
        let body = &info["body"];
        let version = body["version"]
            .as_str()
            .or_else(|| body["firmware_version"].as_str())
            .ok_or_else(|| {
                unexpected(
                    200,
                    None,
                    info.to_string().as_bytes(),
                    "no `body.version` in /api/info: not logged in?".to_owned(),
                )
            })?
            .to_owned();
        *lock(&self.inner.appliance_version) = Some(version.clone());
        Ok(version)
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
        self.send(Call::new(&FOLLOW, path)).await
    }

    /// Sends a prepared call and decodes a 2xx body as `T`, any other status as `E`.
    #[doc(hidden)]
    pub async fn send<T: DeserializeOwned, E: DeserializeOwned>(
        &self,
        call: Call,
    ) -> Result<T, Error<E>> {
        let redirects = call.success_redirects;
        let reply = self.execute(call).await?;
        if is_success(reply.status, redirects) {
            decode_success(reply.status, reply.content_type, &reply.body)
        } else {
            Err(decode_error(reply.status, reply.content_type, &reply.body))
        }
    }

    /// Sends a prepared call and returns a 2xx body as raw bytes (for non-JSON replies such as
    /// CSV exports or file downloads); other statuses decode as `E`.
    #[doc(hidden)]
    pub async fn send_bytes<E: DeserializeOwned>(&self, call: Call) -> Result<Vec<u8>, Error<E>> {
        let redirects = call.success_redirects;
        let reply = self.execute(call).await?;
        if is_success(reply.status, redirects) {
            Ok(reply.body)
        } else {
            Err(decode_error(reply.status, reply.content_type, &reply.body))
        }
    }

    /// Sends a prepared call whose 2xx reply is a file and hands its body over unread, as a
    /// [`Download`]; other statuses decode as `E`.
    #[doc(hidden)]
    pub async fn send_stream<E: DeserializeOwned>(&self, call: Call) -> Result<Download, Error<E>> {
        let reply = self.execute(call.streaming()).await?;
        match reply.unread {
            Some(response) => Ok(Download::new(reply.status, reply.content_type, response)),
            None => Err(decode_error(reply.status, reply.content_type, &reply.body)),
        }
    }

    /// Sends a prepared call for an operation without a documented reply body: any 2xx is
    /// `Ok(())` whatever the body; other statuses decode as `E`.
    #[doc(hidden)]
    pub async fn send_empty<E: DeserializeOwned>(&self, call: Call) -> Result<(), Error<E>> {
        let redirects = call.success_redirects;
        let reply = self.execute(call).await?;
        if is_success(reply.status, redirects) {
            Ok(())
        } else {
            Err(decode_error(reply.status, reply.content_type, &reply.body))
        }
    }

    /// The one path of every call: version check, attempts with retries, re-login, and the
    /// call's `tracing` span (no secrets: the path template, never the session or a body).
    async fn execute<E>(&self, call: Call) -> Result<Reply, Error<E>> {
        if let Some(message) = call.error.clone() {
            return Err(Error::InvalidRequest(message));
        }
        let operation = call.operation;
        self.check_version(operation)?;
        let span = tracing::info_span!(
            "sps_call",
            operation = operation.id,
            method = operation.method,
            path = operation.path,
            status = tracing::field::Empty,
            attempt = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let mut attempts = 0;
        let result = self
            .execute_in_span(&call, &mut attempts)
            .instrument(span.clone())
            .await;
        let status = match &result {
            Ok(reply) => Some(reply.status),
            Err(e) => e.status(),
        };
        if let Some(status) = status {
            span.record("status", status);
        }
        span.record("attempt", attempts);
        span.record(
            "duration_ms",
            u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        result
    }

    async fn execute_in_span<E>(&self, call: &Call, attempts: &mut u32) -> Result<Reply, Error<E>> {
        let operation = call.operation;
        let sent_session = self.session_id();
        // Calls made inside a transaction (several tasks may be in flight) all learn that it
        // was lost; calls made after that log in again.
        let inside_transaction = self.in_open_transaction();
        let reply = self.attempts(call, attempts).await?;
        let expired = reply.status == 401 && sent_session.is_some() && !call.login;
        let reply = if !expired {
            reply
        } else if inside_transaction {
            self.inner.in_transaction.store(false, Ordering::SeqCst);
            // The transaction's lock and changes died with the session: logging in again would
            // silently continue outside it.
            tracing::warn!("session ended inside a transaction");
            return Err(Error::TransactionLost {
                operation: operation.id,
            });
        } else if self.inner.relogin && self.relogin(sent_session.as_deref()).await {
            self.attempts(call, attempts).await?
        } else {
            reply
        };
        self.track_transaction(operation, reply.status);
        if call.login && (200..300).contains(&reply.status) {
            *lock(&self.inner.login) = Some(call.clone());
        }
        Ok(reply)
    }

    fn check_version<E>(&self, operation: &'static Operation) -> Result<(), Error<E>> {
        if !self.inner.check_versions {
            return Ok(());
        }
        match self.appliance_version() {
            Some(version) if !operation.supports(&version) => Err(Error::UnsupportedVersion {
                operation: operation.id,
                appliance: version,
                documented: operation.versions,
            }),
            _ => Ok(()),
        }
    }

    /// Notes a transaction opened or closed by this call's reply.
    fn track_transaction(&self, operation: &Operation, status: u16) {
        let tx = crate::TRANSACTION_OPERATIONS;
        if operation.id == tx.open && (200..300).contains(&status) {
            self.inner.in_transaction.store(true, Ordering::SeqCst);
        } else if tx.close.contains(&operation.id) && !matches!(status, 502..=504) {
            // Answered by the appliance (not a gateway that gave up): the transaction is over.
            self.inner.in_transaction.store(false, Ordering::SeqCst);
        }
    }

    /// Logs in again with the held login call, unless another task already replaced the
    /// session `stale`. Whether a fresh session is there to repeat the call with.
    async fn relogin(&self, stale: Option<&str>) -> bool {
        let _one_at_a_time = self.inner.relogin_lock.lock().await;
        if self.session_id().as_deref() != stale {
            return self.session_id().is_some();
        }
        let Some(login) = lock(&self.inner.login).clone() else {
            return false;
        };
        tracing::info!("session expired; logging in again");
        let mut attempts = 0;
        match self.attempts::<()>(&login, &mut attempts).await {
            Ok(reply) => (200..300).contains(&reply.status) && self.session_id().is_some(),
            Err(_) => false,
        }
    }

    /// Sends `call` until it succeeds, fails for good, or the retry policy gives up.
    async fn attempts<E>(&self, call: &Call, attempts: &mut u32) -> Result<Reply, Error<E>> {
        let policy = self.inner.retry;
        let operation = call.operation;
        let started = Instant::now();
        let result = (|| {
            *attempts += 1;
            self.attempt(call)
        })
        .retry(policy.backoff())
        .sleep(tokio::time::sleep)
        .when(|failure: &Failure| {
            failure.retryable(operation, call.replayable()) && started.elapsed() < policy.max_elapsed
        })
        .adjust(|failure, delay| {
            // Past the attempts the policy allows there is no delay, whatever the server asks.
            // The server's `Retry-After` wins when longer; a wait past `max_elapsed` gives up.
            let delay = delay?;
            let wanted = failure.retry_after().map_or(delay, |after| after.max(delay));
            (started.elapsed() + wanted < policy.max_elapsed).then_some(wanted)
        })
        .notify(|failure, delay| match failure {
            // The kind only: reqwest's message carries the URL, keys and query included.
            Failure::Transport(e) => tracing::debug!(error = transport_kind(e), ?delay, "retrying"),
            Failure::Unavailable(reply) => {
                tracing::debug!(status = reply.status, ?delay, "retrying")
            }
            Failure::Upload(_) => {}
        })
        .await;
        match result {
            Ok(reply) | Err(Failure::Unavailable(reply)) => Ok(reply),
            Err(Failure::Transport(e)) => Err(Error::Transport(e)),
            Err(Failure::Upload(e)) => Err(Error::Upload(e)),
        }
    }

    /// One request and its whole reply.
    async fn attempt(&self, call: &Call) -> Result<Reply, Failure> {
        let mut url = format!("{}{}", self.inner.base, call.path);
        if !call.query.is_empty() {
            url.push('?');
            url.push_str(&call.query);
        }
        let method = Method::from_bytes(call.operation.method.as_bytes()).unwrap_or(Method::GET);
        let mut request = self.inner.http.request(method, url);
        // A login starts a new session: the old token is not sent along.
        let session = self.session_id().filter(|_| !call.login);
        match (session, self.inner.session_transport, crate::SESSION_HEADER) {
            (None, _, _) => {}
            (Some(session), SessionTransport::Header, Some(header)) => {
                request = request.header(header, session);
            }
            (Some(session), _, _) => {
                request = request.header(
                    reqwest::header::COOKIE,
                    format!("{}={}", crate::SESSION_COOKIE, session),
                );
            }
        }
        if let Some(credentials) = &call.basic_auth {
            request = request.basic_auth(&credentials.username, Some(&credentials.password));
        }
        request = request.header(reqwest::header::ACCEPT, call.accept);
        for (name, value) in &call.headers {
            request = request.header(*name, value);
        }
        if let Some(upload) = &call.upload {
            request = upload.attach(request).await.map_err(Failure::Upload)?;
        } else if let Some(body) = &call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        } else if call.empty_body {
            // SPS wants a Content-Length even on body-less POSTs (411 otherwise).
            request = request.header(reqwest::header::CONTENT_LENGTH, "0");
        }
        let response = request.send().await.map_err(Failure::Transport)?;
        self.capture_session(&response);
        let status = response.status().as_u16();
        let content_type = content_type_of(&response);
        let retry_after = retry_after(response.headers());
        if call.stream && (200..300).contains(&status) {
            // The body is the caller's to read, piece by piece: never held here whole.
            return Ok(Reply {
                status,
                content_type,
                retry_after,
                body: Vec::new(),
                unread: Some(response),
            });
        }
        let body = response.bytes().await.map_err(Failure::Transport)?.to_vec();
        let reply = Reply {
            status,
            content_type,
            retry_after,
            body,
            unread: None,
        };
        if matches!(status, 502..=504) {
            Err(Failure::Unavailable(reply))
        } else {
            Ok(reply)
        }
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

/// Whether `status` answers success: any 2xx, or a redirection the operation documents as its
/// answer (the client never follows redirections).
fn is_success(status: u16, redirects: &[u16]) -> bool {
    (200..300).contains(&status) || redirects.contains(&status)
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

/// Characters left as is in a path segment: RFC 3986 unreserved ones, and `:` and `@`, which a
/// segment may carry too (SSH host key keys are `ssh-rsa-10.110.0.1:22`).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b':')
    .remove(b'@');

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
#[derive(Debug, Clone)]
pub struct Call {
    operation: &'static Operation,
    path: String,
    query: String,
    body: Option<Vec<u8>>,
    upload: Option<UploadBody>,
    empty_body: bool,
    basic_auth: Option<Credentials>,
    /// A login: its reply's session replaces the current one, and it is replayed to log in
    /// again when the session expires.
    login: bool,
    /// Redirections (3xx) the operation documents as its answer.
    success_redirects: &'static [u16],
    headers: Vec<(&'static str, String)>,
    accept: &'static str,
    stream: bool,
    error: Option<String>,
}

impl Call {
    /// A call of `operation` on `path` (already percent-encoded, starting with `/`).
    pub fn new(operation: &'static Operation, path: impl Into<String>) -> Self {
        let empty_body = matches!(operation.method, "POST" | "PUT" | "PATCH");
        Self {
            operation,
            path: path.into(),
            query: String::new(),
            body: None,
            upload: None,
            empty_body,
            basic_auth: None,
            login: false,
            success_redirects: &[],
            headers: Vec::new(),
            accept: "application/json",
            stream: false,
            error: None,
        }
    }

    /// A call of any method on any path, outside the generated methods (an endpoint the spec
    /// does not describe yet, or a test of the appliance's answers): never version-checked,
    /// retried by the rules of its method.
    pub fn raw(method: Method, path: impl Into<String>) -> Self {
        match RAW.iter().find(|op| op.method == method.as_str()) {
            Some(operation) => Self::new(operation, path),
            None => {
                let mut call = Self::new(&RAW[0], path);
                call.fail(format!("method {method} is not supported"));
                call
            }
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

    /// Marks the call as a login (with a password or a client certificate).
    pub fn login(mut self) -> Self {
        self.login = true;
        self
    }

    /// Redirections (3xx) that answer success for this operation.
    pub fn success_redirects(mut self, statuses: &'static [u16]) -> Self {
        self.success_redirects = statuses;
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

    /// Asks for the reply in this media type (`Accept`), instead of JSON.
    pub fn accept(mut self, media_type: &'static str) -> Self {
        self.accept = media_type;
        self
    }

    /// Sets query parameter `name` to `value`, replacing any value it had.
    pub fn set_query(mut self, name: &str, value: &str) -> Self {
        let kept: Vec<&str> = self
            .query
            .split('&')
            .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(name))
            .collect();
        let mut query = kept.join("&");
        match serde_urlencoded::to_string([(name, value)]) {
            Ok(pair) => {
                if !query.is_empty() {
                    query.push('&');
                }
                query.push_str(&pair);
                self.query = query;
            }
            Err(e) => self.fail(format!("cannot encode the query: {e}")),
        }
        self
    }

    /// Leaves a successful reply's body unread, for the caller to stream.
    fn streaming(mut self) -> Self {
        self.stream = true;
        self
    }

    fn fail(&mut self, message: String) {
        self.error.get_or_insert(message);
    }
}

// ---------------------------------------------------------------------------------------------
// Uploads: request bodies that are not JSON (a raw binary body or a `multipart/form-data`
// form), sent from a file or a stream as they are read, never held in memory whole.

/// An error raised by an upload stream.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

type ByteStream =
    std::pin::Pin<Box<dyn futures_core::Stream<Item = Result<bytes::Bytes, BoxError>> + Send>>;

/// Bytes read from an upload's file or reader at a time.
const UPLOAD_CHUNK_BYTES: usize = 64 * 1024;

/// What an upload operation sends: a file, opened and read as it is sent (again for every
/// retry), or a stream of bytes, which is sent once: a call that would have to send it again
/// (a retry, a repeat after logging in again) fails with [`Error::Upload`] instead.
#[derive(Clone)]
pub struct Upload {
    source: UploadSource,
    file_name: Option<String>,
}

#[derive(Clone)]
enum UploadSource {
    File(std::path::PathBuf),
    Stream {
        stream: Arc<Mutex<Option<ByteStream>>>,
        length: Option<u64>,
    },
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Upload");
        match &self.source {
            UploadSource::File(path) => out.field("file", path),
            UploadSource::Stream { length, .. } => out.field("stream_length", length),
        };
        out.field("file_name", &self.file_name).finish()
    }
}

impl Upload {
    /// The file at `path`. Its name (without the directories) is the file name of a form part.
    pub fn file(path: impl Into<std::path::PathBuf>) -> Self {
        let path = path.into();
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned());
        Self {
            source: UploadSource::File(path),
            file_name,
        }
    }

    /// Any stream of byte chunks. `length`, when known, is announced in the request (some
    /// appliances and proxies want a `Content-Length`); without it the body is chunked.
    pub fn stream<S, B, E>(stream: S, length: Option<u64>) -> Self
    where
        S: futures_core::Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<bytes::Bytes>,
        E: Into<BoxError>,
    {
        use futures_util::StreamExt;
        let stream: ByteStream = Box::pin(stream.map(|chunk| chunk.map(Into::into).map_err(Into::into)));
        Self {
            source: UploadSource::Stream {
                stream: Arc::new(Mutex::new(Some(stream))),
                length,
            },
            file_name: None,
        }
    }

    /// Anything readable (a pipe, a decompressor, a socket), read as it is sent.
    pub fn reader<R>(reader: R, length: Option<u64>) -> Self
    where
        R: tokio::io::AsyncRead + Send + 'static,
    {
        Self::stream(
            tokio_util::io::ReaderStream::with_capacity(reader, UPLOAD_CHUNK_BYTES),
            length,
        )
    }

    /// Sets the file name sent with a form part (a file's own name by default).
    pub fn file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Whether the source can be read again for another attempt.
    fn replayable(&self) -> bool {
        matches!(self.source, UploadSource::File(_))
    }

    /// Opens the source for one attempt: the body and its length, if known.
    async fn open(&self) -> std::io::Result<(reqwest::Body, Option<u64>)> {
        match &self.source {
            UploadSource::File(path) => {
                let file = tokio::fs::File::open(path).await.map_err(|e| {
                    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
                })?;
                let length = file.metadata().await?.len();
                let stream = tokio_util::io::ReaderStream::with_capacity(file, UPLOAD_CHUNK_BYTES);
                Ok((reqwest::Body::wrap_stream(stream), Some(length)))
            }
            UploadSource::Stream { stream, length } => match lock(stream).take() {
                Some(stream) => Ok((reqwest::Body::wrap_stream(stream), *length)),
                None => Err(std::io::Error::other(
                    "the upload stream was sent already and cannot be sent again \
                     (upload a file to allow retries)",
                )),
            },
        }
    }
}

/// The upload of a [`Call`].
#[derive(Debug, Clone)]
enum UploadBody {
    /// The body is the upload itself.
    Raw {
        upload: Upload,
        content_type: &'static str,
    },
    /// A `multipart/form-data` form, parts in order.
    Form(Vec<(&'static str, FormPart)>),
}

#[derive(Debug, Clone)]
enum FormPart {
    Text(String),
    File {
        upload: Upload,
        content_type: Option<&'static str>,
    },
}

impl UploadBody {
    fn replayable(&self) -> bool {
        match self {
            UploadBody::Raw { upload, .. } => upload.replayable(),
            UploadBody::Form(parts) => parts.iter().all(|(_, part)| match part {
                FormPart::Text(_) => true,
                FormPart::File { upload, .. } => upload.replayable(),
            }),
        }
    }

    /// Puts the body on `request`, opening its sources.
    async fn attach(
        &self,
        request: reqwest::RequestBuilder,
    ) -> std::io::Result<reqwest::RequestBuilder> {
        match self {
            UploadBody::Raw {
                upload,
                content_type,
            } => {
                let (body, length) = upload.open().await?;
                let mut request = request.header(reqwest::header::CONTENT_TYPE, *content_type);
                if let Some(length) = length {
                    request = request.header(reqwest::header::CONTENT_LENGTH, length);
                }
                Ok(request.body(body))
            }
            UploadBody::Form(parts) => {
                let mut form = reqwest::multipart::Form::new();
                for (name, part) in parts {
                    form = match part {
                        FormPart::Text(value) => form.text(*name, value.clone()),
                        FormPart::File {
                            upload,
                            content_type,
                        } => {
                            let (body, length) = upload.open().await?;
                            let mut part = match length {
                                Some(length) => {
                                    reqwest::multipart::Part::stream_with_length(body, length)
                                }
                                None => reqwest::multipart::Part::stream(body),
                            };
                            if let Some(file_name) = &upload.file_name {
                                part = part.file_name(file_name.clone());
                            }
                            let part = part
                                .mime_str(content_type.unwrap_or("application/octet-stream"))
                                .map_err(std::io::Error::other)?;
                            form.part(*name, part)
                        }
                    };
                }
                Ok(request.multipart(form))
            }
        }
    }
}

impl Call {
    /// Sends `upload` as the raw request body, labelled `content_type`.
    pub fn upload(mut self, upload: Upload, content_type: &'static str) -> Self {
        self.upload = Some(UploadBody::Raw {
            upload,
            content_type,
        });
        self
    }

    /// Makes the body a `multipart/form-data` form; parts are added with [`Call::form_text`]
    /// and [`Call::form_file`].
    pub fn form(mut self) -> Self {
        self.upload = Some(UploadBody::Form(Vec::new()));
        self
    }

    /// Adds a text part to the form.
    pub fn form_text(self, name: &'static str, value: String) -> Self {
        self.form_part(name, FormPart::Text(value))
    }

    /// Adds a file part to the form (`application/octet-stream` unless `content_type`).
    pub fn form_file(
        self,
        name: &'static str,
        upload: Upload,
        content_type: Option<&'static str>,
    ) -> Self {
        self.form_part(
            name,
            FormPart::File {
                upload,
                content_type,
            },
        )
    }

    fn form_part(mut self, name: &'static str, part: FormPart) -> Self {
        match &mut self.upload {
            Some(UploadBody::Form(parts)) => parts.push((name, part)),
            _ => self.fail(format!("form part {name} added to a body that is not a form")),
        }
        self
    }

    /// Whether the call can be sent again (every upload source it has can be read again).
    fn replayable(&self) -> bool {
        self.upload.as_ref().map_or(true, UploadBody::replayable)
    }
}

// ---------------------------------------------------------------------------------------------
// File replies and paging streams: a body read piece by piece, and a listing walked page by
// page, so that neither is ever held in memory whole.

/// A file reply (an audit trail, a screenshot, a CSV export) whose body has not been read yet.
///
/// Read it piece by piece with [`chunk`](Self::chunk), write it out with
/// [`write_to`](Self::write_to) or [`save`](Self::save), or turn it into a stream with
/// [`into_stream`](Self::into_stream): memory stays bounded by one piece whatever the size.
pub struct Download {
    status: u16,
    content_type: Option<String>,
    response: reqwest::Response,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length())
            .finish_non_exhaustive()
    }
}

impl Download {
    fn new(status: u16, content_type: Option<String>, response: reqwest::Response) -> Self {
        Self {
            status,
            content_type,
            response,
        }
    }

    /// The HTTP status of the reply (a 2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reply's `Content-Type`, if any.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The size announced by the reply (`Content-Length`), if any.
    pub fn content_length(&self) -> Option<u64> {
        self.response.content_length()
    }

    /// The next piece of the body, `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<bytes::Bytes>, Error> {
        self.response.chunk().await.map_err(Error::Transport)
    }

    /// Writes the whole body to `writer` piece by piece; the number of bytes written.
    pub async fn write_to<W>(mut self, writer: &mut W) -> Result<u64, Error>
    where
        W: tokio::io::AsyncWrite + Unpin + ?Sized,
    {
        use tokio::io::AsyncWriteExt;
        let mut written = 0u64;
        while let Some(piece) = self.chunk().await? {
            writer.write_all(&piece).await.map_err(Error::Io)?;
            written += piece.len() as u64;
        }
        writer.flush().await.map_err(Error::Io)?;
        Ok(written)
    }

    /// Writes the whole body to a new file at `path` (replacing one that is there); the number
    /// of bytes written.
    pub async fn save(self, path: impl AsRef<std::path::Path>) -> Result<u64, Error> {
        let mut file = tokio::fs::File::create(path).await.map_err(Error::Io)?;
        self.write_to(&mut file).await
    }

    /// Reads the whole body into memory: for small replies only.
    pub async fn bytes(self) -> Result<Vec<u8>, Error> {
        Ok(self.response.bytes().await.map_err(Error::Transport)?.to_vec())
    }

    /// The body as a stream of pieces.
    pub fn into_stream(self) -> impl futures_core::Stream<Item = Result<bytes::Bytes, Error>> + Send {
        futures_util::stream::try_unfold(self, |mut download| async move {
            Ok(download.chunk().await?.map(|piece| (piece, download)))
        })
    }
}

/// Walks a listing paged by `offset`, from `start`, one request per page: `fetch(offset)` gets
/// the entries of the page at `offset`. Ends after an empty page, or a page shorter than the largest one so far
/// when `limited` (a page size was asked for; a first page below it only shows the server's cap).
/// A page whose entries equal the previous page's fails with [`Error::PagingStalled`]: a server
/// that ignores `offset` would otherwise be asked forever.
#[doc(hidden)]
pub fn paged_stream<T, E, F, Fut>(
    operation: &'static str,
    start: u64,
    limited: bool,
    fetch: F,
) -> impl futures_core::Stream<Item = Result<T, Error<E>>> + Send
where
    T: Serialize + Send,
    E: Send,
    F: FnMut(u64) -> Fut + Send,
    Fut: std::future::Future<Output = Result<Vec<T>, Error<E>>> + Send,
{
    struct Walk<F> {
        fetch: F,
        offset: u64,
        largest: usize,
        previous: Option<(serde_json::Value, serde_json::Value)>,
        done: bool,
    }
    let walk = Walk {
        fetch,
        offset: start,
        largest: 0,
        previous: None,
        done: false,
    };
    let pages = futures_util::stream::try_unfold(walk, move |mut walk| async move {
        if walk.done {
            return Ok(None);
        }
        let items = (walk.fetch)(walk.offset).await?;
        let count = items.len();
        if count == 0 {
            return Ok(None);
        }
        // The first and last entries stand for the page: a repeat of the previous page's means
        // the offset was not applied.
        let ends = (
            serde_json::to_value(&items[0]).unwrap_or_default(),
            serde_json::to_value(&items[count - 1]).unwrap_or_default(),
        );
        if walk.previous.as_ref() == Some(&ends) {
            return Err(Error::PagingStalled {
                operation,
                offset: walk.offset,
            });
        }
        walk.done = limited && count < walk.largest;
        walk.largest = walk.largest.max(count);
        walk.previous = Some(ends);
        walk.offset = walk.offset.saturating_add(count as u64);
        Ok(Some((futures_util::stream::iter(items.into_iter().map(Ok)), walk)))
    });
    futures_util::TryStreamExt::try_flatten(pages)
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
    fn versions_match_families_and_releases() {
        assert!(version_matches("7.x", "7.4.1"));
        assert!(version_matches("7.4", "7.4.1"));
        assert!(version_matches("8.0", "8.0"));
        assert!(!version_matches("7.4", "7.40.1"));
        assert!(!version_matches("8.0", "7.4.1"));
        let op = Operation {
            id: "x",
            method: "GET",
            path: "/x",
            versions: &["7.x", "8.0"],
            idempotent: true,
        };
        assert!(op.supports("8.0.2") && op.supports("7.2"));
        assert!(!op.supports("6.9.3") && !op.supports("8.1"));
        assert!(FOLLOW.supports("5.0"), "no documented versions: never refused");
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(reqwest::header::RETRY_AFTER, "3".parse().expect("value"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        let date = "Wed, 21 Oct 2015 07:28:00 GMT".parse().expect("value");
        headers.insert(reqwest::header::RETRY_AFTER, date);
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn the_policy_bounds_attempts_and_delays() {
        use backon::BackoffBuilder;
        let policy = RetryPolicy {
            max_attempts: 4,
            min_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(250),
            max_elapsed: Duration::from_secs(30),
            jitter: false,
        };
        // Whole milliseconds: the crate computes the doubling in `f32`.
        let delays: Vec<u128> = policy.backoff().build().map(|d| d.as_millis()).collect();
        assert_eq!(
            delays,
            [100, 200, 250],
            "three retries after the first attempt, doubling up to the cap"
        );
        let jittered: Vec<Duration> = RetryPolicy {
            jitter: true,
            ..policy
        }
        .backoff()
        .build()
        .collect();
        assert_eq!(jittered.len(), 3);
        assert!(jittered[0] >= Duration::from_millis(100));
        assert_eq!(RetryPolicy::none().backoff().build().count(), 0);
    }

    #[test]
    fn raw_calls_take_the_rules_of_their_method() {
        assert!(Call::raw(Method::GET, "/x").operation.idempotent);
        assert!(!Call::raw(Method::POST, "/x").operation.idempotent);
        assert!(Call::raw(Method::POST, "/x").empty_body);
        assert!(Call::raw(Method::TRACE, "/x").error.is_some());
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
        assert_eq!(
            encode_segment("x509v3-sign-rsa-fd00::1:22"),
            "x509v3-sign-rsa-fd00::1:22"
        );
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
        let call = Call::new(&FOLLOW, "/api/x").query(&Q {
            limit: Some(5),
            q: None,
        });
        assert_eq!(call.query, "limit=5");
        assert!(call.error.is_none());
        // A nested map cannot be a query string.
        let bad = Call::new(&FOLLOW, "/api/x").query(&serde_json::json!({"a": {"b": 1}}));
        assert!(bad.error.is_some());
        let open = Operation {
            id: "open_transaction",
            method: "POST",
            path: "/api/transaction",
            versions: &[],
            idempotent: false,
        };
        let open: &'static Operation = Box::leak(Box::new(open));
        assert!(Call::new(open, "/api/transaction").empty_body);
    }

    #[test]
    fn a_stream_upload_is_sent_once_a_file_each_time() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            let stream = Upload::reader(&b"abc"[..], Some(3));
            assert!(!stream.replayable());
            let copy = stream.clone();
            assert!(stream.open().await.is_ok());
            let again = copy.open().await.expect_err("a second send fails");
            assert!(again.to_string().contains("cannot be sent again"), "{again}");

            let file = Upload::file("/nonexistent/sps.iso");
            assert!(file.replayable());
            assert_eq!(file.file_name.as_deref(), Some("sps.iso"));
            let missing = file.open().await.expect_err("no such file");
            assert!(missing.to_string().contains("/nonexistent/sps.iso"), "{missing}");
        });
        let call = Call::raw(Method::POST, "/x").upload(Upload::reader(&b""[..], None), "a/b");
        assert!(!call.replayable());
        let call = Call::raw(Method::POST, "/x").form_text("a", "b".to_owned());
        assert!(call.error.is_some(), "a form part needs a form body");
    }
}
