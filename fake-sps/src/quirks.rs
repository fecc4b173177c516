//! What SPS accepts that the spec, and so the generated router, does not: every request
//! rewrite the fake makes before routing lives here, each with the SPS behaviour it copies.
//!
//! | request                                   | SPS                          | here                         |
//! |-------------------------------------------|------------------------------|------------------------------|
//! | a path with a trailing slash              | served as without it         | slash dropped                |
//! | JSON labelled as a form (curl `--data`)   | read as JSON                 | relabelled `application/json`|
//! | `POST /api/transaction` without a length  | bare 411                     | answered 411                 |
//! | `DELETE /api/active-sessions` without `id`| 400 `SessionIdMissing`       | handed on with `id=`         |
//! | `POST /api/firmware/test` or `/upgrade` without `slot_id` | 400 `IncompleteRequestBodyError` | handed on with `"slot_id": ""` |
//!
//! The last two cannot be answered here: SPS checks the session first, which is the engine's
//! job. They are handed on with an empty value, which passes the router, and the engine treats
//! an empty `id` or `slot_id` as no value at all, as it would one sent empty.

use axum::body::Bytes;
use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode, Uri};
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::paths;

/// `api` (the generated router) behind every rewrite of this module.
pub fn around(api: axum::Router) -> axum::Router {
    let api = api
        .layer(from_fn(require_content_length))
        .layer(from_fn(session_id_missing))
        .layer(from_fn(slot_id_missing))
        .layer(from_fn(json_sent_as_form));
    // A layer on a router runs after its routing; the path must be rewritten before `api`
    // routes, so it wraps `api` as the fallback of an outer router.
    axum::Router::new()
        .fallback_service(api)
        .layer(from_fn(trim_trailing_slash))
}

/// SPS answers `POST /api/transaction` without `Content-Length` with a bare 411, before the API
/// runs; hyper would accept such a request, so the fake checks it itself.
async fn require_content_length(request: Request, next: Next) -> Response {
    let is_open = request.method() == Method::POST && request.uri().path() == paths::TRANSACTION;
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
        request.method() == Method::DELETE && request.uri().path() == paths::ACTIVE_SESSIONS;
    let query = request.uri().query().unwrap_or("");
    let has_id = query
        .split('&')
        .any(|pair| pair == "id" || pair.starts_with("id="));
    if is_close && !has_id {
        let with_id = if query.is_empty() {
            format!("{}?id=", paths::ACTIVE_SESSIONS)
        } else {
            format!("{}?{query}&id=", paths::ACTIVE_SESSIONS)
        };
        if let Ok(uri) = with_id.parse() {
            *request.uri_mut() = uri;
        }
    }
    next.run(request).await
}

/// Largest body a rewrite reads; the documented requests send a few bytes.
const MAX_REWRITTEN_BODY: usize = 64 * 1024;

/// Reads the body (up to [`MAX_REWRITTEN_BODY`]), lets `rewrite` change the request, and hands
/// it on. A body too large or shorter than announced is handed on empty, for the router to
/// report as it would any bad body.
async fn rewrite_body(
    request: Request,
    next: Next,
    rewrite: impl FnOnce(&mut Parts, Bytes) -> Bytes,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_REWRITTEN_BODY).await {
        Ok(bytes) => axum::body::Body::from(rewrite(&mut parts, bytes)),
        Err(_) => axum::body::Body::empty(),
    };
    next.run(Request::from_parts(parts, body)).await
}

/// SPS answers a firmware test or upgrade without `slot_id` with 400 `IncompleteRequestBodyError`, but the
/// spec's request schema requires the field, so the generated router would answer
/// `InvalidRequestBody` first. A JSON object without `slot_id` is handed on with an empty one,
/// which the engine reports as missing after the session check.
async fn slot_id_missing(request: Request, next: Next) -> Response {
    let is_test = request.method() == Method::POST
        && matches!(
            request.uri().path(),
            paths::FIRMWARE_TEST | paths::FIRMWARE_UPGRADE
        );
    if !is_test {
        return next.run(request).await;
    }
    rewrite_body(request, next, |parts, bytes| {
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(mut object)) if !object.contains_key("slot_id") => {
                object.insert("slot_id".into(), Value::String(String::new()));
                parts.headers.remove(header::CONTENT_LENGTH);
                Value::Object(object).to_string().into_bytes().into()
            }
            _ => bytes,
        }
    })
    .await
}

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
        matches!(length, Some(1..=MAX_REWRITTEN_BODY)) && labelled_as_form(label.as_deref());
    if !candidate {
        return next.run(request).await;
    }
    rewrite_body(request, next, |parts, bytes| {
        if is_json_sent_as_form(label.as_deref(), &bytes) {
            parts.headers.insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("application/json"),
            );
        }
        bytes
    })
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
