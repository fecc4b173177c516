//! The fake appliance on the generated server stub: the engine behind `sps_server::raw_router`.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sps_server::{RawApi, RawRequest, RawResponse, OPERATIONS};

use crate::engine::{Engine, EngineConfig, ACTIVE_SESSIONS_HREF, FIRMWARE_TEST_HREF};
use crate::meta::TRANSACTION_HREF;
use crate::seed::{self, SpecError};
use crate::server::{serve_router, ServeError, ServerHandle, TlsFiles};

/// The bundled spec the generated crates were made from (published with the client).
const BUNDLED_SPEC: &str = include_str!("../../generated-client/openapi.yaml");

/// Parses the bundled spec, whose examples seed the fake's data.
pub fn bundled_spec() -> Result<Value, SpecError> {
    seed::parse_spec(Path::new("generated-client/openapi.yaml"), BUNDLED_SPEC)
}

/// The engine as a [`RawApi`] handler.
#[derive(Debug)]
pub struct FakeSps {
    engine: Engine,
}

impl FakeSps {
    /// Builds the handler for the generated operation table, seeded from `spec`.
    pub fn new(spec: &Value, config: EngineConfig) -> Result<Self, ServeError> {
        let engine =
            Engine::new(OPERATIONS, spec, config).map_err(|e| ServeError::Other(e.to_string()))?;
        Ok(Self { engine })
    }

    /// The engine, for inspection in tests.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

impl RawApi for FakeSps {
    fn handle(&self, request: RawRequest) -> impl Future<Output = RawResponse> + Send {
        // The engine is synchronous and quick (an in-memory map behind a mutex); only a commit
        // with a state file touches the disk.
        std::future::ready(self.engine.handle(request))
    }
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on (port 0 picks a free one).
    pub listen: SocketAddr,
    /// HTTPS certificate and key; plain HTTP without.
    pub tls: Option<TlsFiles>,
    /// Users, transactions, state file, clock.
    pub engine: EngineConfig,
    /// Spec to seed from; `None` uses the bundled one.
    pub spec: Option<Value>,
}

impl ServeConfig {
    /// Plain HTTP on a free loopback port with the given users; for tests.
    pub fn loopback(users: Vec<crate::session::User>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: None,
            engine: EngineConfig {
                users,
                ..EngineConfig::default()
            },
            spec: None,
        }
    }
}

/// SPS answers `POST /api/transaction` without `Content-Length` with a bare 411, before the API
/// runs; hyper would accept such a request, so the fake checks it itself.
async fn require_content_length(request: Request, next: Next) -> Response {
    let is_open = request.method() == Method::POST && request.uri().path() == TRANSACTION_HREF;
    let has_length = request.headers().contains_key(header::CONTENT_LENGTH)
        || request.headers().contains_key(header::TRANSFER_ENCODING);
    if is_open && !has_length {
        return StatusCode::LENGTH_REQUIRED.into_response();
    }
    next.run(request).await
}

/// SPS answers a `DELETE /api/active-sessions` without `id` with 400 `SessionIdMissing`, but
/// the spec marks `id` as required, so the generated router would answer `InvalidQuery` first.
/// An empty `id` passes the router and reaches the engine, which checks the session and then
/// answers `SessionIdMissing`, so the request without `id` is handed on in that form.
async fn session_id_missing(mut request: Request, next: Next) -> Response {
    let is_close =
        request.method() == Method::DELETE && request.uri().path() == ACTIVE_SESSIONS_HREF;
    let query = request.uri().query().unwrap_or("");
    let has_id = query
        .split('&')
        .any(|pair| pair == "id" || pair.starts_with("id="));
    if is_close && !has_id {
        let with_id = if query.is_empty() {
            format!("{ACTIVE_SESSIONS_HREF}?id=")
        } else {
            format!("{ACTIVE_SESSIONS_HREF}?{query}&id=")
        };
        if let Ok(uri) = with_id.parse() {
            *request.uri_mut() = uri;
        }
    }
    next.run(request).await
}

/// Largest firmware-test body the rewrite below reads; the real requests are a few bytes.
const MAX_ACTION_BODY: usize = 64 * 1024;

/// SPS answers a firmware test without `slot_id` with 400 `IncompleteRequestBodyError`, but the
/// spec's request schema requires the field, so the generated router would answer
/// `InvalidRequestBody` first. A JSON object without `slot_id` is handed on with an empty one,
/// which the engine reports as missing after the session check.
async fn slot_id_missing(request: Request, next: Next) -> Response {
    let is_test = request.method() == Method::POST && request.uri().path() == FIRMWARE_TEST_HREF;
    if !is_test {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ACTION_BODY).await else {
        // Too large or broken: let the router report it as it would any bad body.
        return next
            .run(Request::from_parts(parts, axum::body::Body::empty()))
            .await;
    };
    let bytes = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(mut object)) if !object.contains_key("slot_id") => {
            object.insert("slot_id".into(), Value::String(String::new()));
            let patched = Value::Object(object).to_string().into_bytes();
            parts.headers.remove(header::CONTENT_LENGTH);
            patched.into()
        }
        _ => bytes,
    };
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// Largest body [`json_sent_as_form`] looks at; the documented commands send a few bytes.
const MAX_SNIFFED_BODY: usize = 64 * 1024;

/// Whether `content_type` is how a command-line client labels a body it was not told the type
/// of: curl's `--data` without `-H 'Content-Type: ...'` sends `application/x-www-form-urlencoded`.
fn labelled_as_form(content_type: Option<&str>) -> bool {
    let essence = content_type.map(|ct| {
        ct.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    });
    matches!(
        essence.as_deref(),
        None | Some("application/x-www-form-urlencoded")
    )
}

/// Whether a body labelled `content_type` is JSON sent without the JSON label.
fn is_json_sent_as_form(content_type: Option<&str>, body: &[u8]) -> bool {
    labelled_as_form(content_type) && serde_json::from_slice::<Value>(body).is_ok()
}

/// The documentation's firmware test command is `curl ... /api/firmware/test --data
/// '{"slot_id": <slot_id>}'`, without a content type, and SPS reads that body as JSON; the
/// generated router accepts only bodies labelled as JSON. A small body labelled as a form (or
/// not labelled) that parses as JSON is relabelled `application/json` before routing.
async fn json_sent_as_form(request: Request, next: Next) -> Response {
    let label = request
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("").to_owned());
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let candidate =
        matches!(length, Some(1..=MAX_SNIFFED_BODY)) && labelled_as_form(label.as_deref());
    if !candidate {
        return next.run(request).await;
    }
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_SNIFFED_BODY).await else {
        // A body shorter than announced: let the router report it as it would any bad body.
        return next
            .run(Request::from_parts(parts, axum::body::Body::empty()))
            .await;
    };
    if is_json_sent_as_form(label.as_deref(), &bytes) {
        parts.headers.insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// `uri` without the trailing slash(es) of its path, if it has any (the root `/` stays).
fn without_trailing_slash(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    if path.len() <= 1 || !path.ends_with('/') {
        return None;
    }
    let trimmed = match path.trim_end_matches('/') {
        "" => "/",
        trimmed => trimmed,
    };
    let rebuilt = match uri.query() {
        Some(query) => format!("{trimmed}?{query}"),
        None => trimmed.to_owned(),
    };
    rebuilt.parse().ok()
}

/// SPS accepts a trailing slash (the documentation's own curl examples request
/// `.../policies/backup_policies/`), but the generated router matches the path templates
/// exactly, so the slash is dropped before routing.
async fn trim_trailing_slash(mut request: Request, next: Next) -> Response {
    if let Some(uri) = without_trailing_slash(request.uri()) {
        *request.uri_mut() = uri;
    }
    next.run(request).await
}

/// Starts the fake appliance; returns once it listens.
pub async fn serve(config: ServeConfig) -> Result<(ServerHandle, Arc<FakeSps>), ServeError> {
    let spec = match config.spec {
        Some(spec) => spec,
        None => bundled_spec().map_err(|e| ServeError::Other(e.to_string()))?,
    };
    let fake = Arc::new(FakeSps::new(&spec, config.engine)?);
    let api = sps_server::raw_router(fake.clone())
        .layer(axum::middleware::from_fn(require_content_length))
        .layer(axum::middleware::from_fn(session_id_missing))
        .layer(axum::middleware::from_fn(slot_id_missing))
        .layer(axum::middleware::from_fn(json_sent_as_form));
    // A layer on a router runs after its routing; the path must be rewritten before `api`
    // routes, so it wraps `api` as the fallback of an outer router.
    let router = axum::Router::new()
        .fallback_service(api)
        .layer(axum::middleware::from_fn(trim_trailing_slash));
    let handle = serve_router(config.listen, config.tls.as_ref(), router).await?;
    Ok((handle, fake))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec_ops::operations_from_spec;

    #[test]
    fn the_bundled_spec_parses_and_agrees_with_the_generated_table() {
        let spec = bundled_spec().expect("bundled spec");
        let summary = |ops: &[sps_server::OperationInfo]| {
            let mut rows: Vec<String> = ops.iter().map(|op| format!("{op:?}")).collect();
            rows.sort();
            rows
        };
        // The run-time derivation (used for specs under development) must see the same
        // operations as the generator.
        assert_eq!(summary(operations_from_spec(&spec)), summary(OPERATIONS));
    }

    #[test]
    fn trailing_slashes_are_dropped_but_the_query_is_kept() {
        let trimmed =
            |uri: &str| without_trailing_slash(&uri.parse().expect("uri")).map(|u| u.to_string());
        assert_eq!(
            trimmed("/api/configuration/policies/backup_policies/").as_deref(),
            Some("/api/configuration/policies/backup_policies")
        );
        assert_eq!(
            trimmed("/api/active-sessions/?id=svc/a/b:1").as_deref(),
            Some("/api/active-sessions?id=svc/a/b:1")
        );
        assert_eq!(trimmed("/api//").as_deref(), Some("/api"));
        assert_eq!(trimmed("/"), None);
        assert_eq!(trimmed("/api/info"), None);
        assert_eq!(trimmed("/api/info?x=/"), None);
    }

    #[test]
    fn json_labelled_as_a_form_is_recognised() {
        let form = Some("application/x-www-form-urlencoded");
        assert!(is_json_sent_as_form(form, br#"{"slot_id": 2}"#));
        assert!(is_json_sent_as_form(None, br#"{"status": "commit"}"#));
        assert!(is_json_sent_as_form(
            Some("Application/X-WWW-Form-Urlencoded; charset=utf-8"),
            b"[]"
        ));
        // A real form stays a form, and other labels are left to the router.
        assert!(!is_json_sent_as_form(form, b"slot_id=2"));
        assert!(!is_json_sent_as_form(
            Some("text/plain"),
            br#"{"slot_id": 2}"#
        ));
        assert!(!is_json_sent_as_form(Some("application/json"), b"{"));
    }

    #[test]
    fn the_bundled_spec_seeds_sample_data() {
        let spec = bundled_spec().expect("bundled spec");
        let fake = FakeSps::new(&spec, EngineConfig::default()).expect("engine");
        let committed = fake.engine().committed();
        assert!(committed.objects().count() > 5, "sample objects are loaded");
        assert!(committed
            .objects()
            .all(|(href, _)| href.starts_with("/api/")));
    }
}
