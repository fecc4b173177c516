//! The appliance's own error replies, in the words SPS uses (the spec's examples), as the
//! generated runtime's [`ApiError`]: its body, `meta` and status handling are the runtime's.

use serde_json::{json, Value};
pub use sps_server::ApiError;

/// 401 Unauthenticated: no valid session cookie. Details carry the attempted path, as on SPS.
pub fn unauthenticated(href: &str) -> ApiError {
    ApiError::new(
        401,
        "Unauthenticated",
        "Authentication is required to access this resource",
        href,
    )
    .with_details(json!({ "path": href }))
}

/// 401 AuthenticationFailure: the login credentials were rejected.
pub fn authentication_failure(href: &str) -> ApiError {
    ApiError::new(
        401,
        "AuthenticationFailure",
        "Invalid user name or password",
        href,
    )
}

/// 404 NotFound for the configuration object at `path`, asked for by a request to `href`.
pub fn not_found(href: &str, path: &str) -> ApiError {
    ApiError::new(404, "NotFound", "The requested object does not exist", href)
        .with_details(json!({ "path": path }))
}

/// 409 NoTransaction: a configuration write without an open transaction.
pub fn no_transaction(href: &str) -> ApiError {
    ApiError::new(
        409,
        "NoTransaction",
        "There is no open transaction; open one with POST /api/transaction first",
        href,
    )
    .with_details(json!({ "path": href }))
}

/// A second session tries to open a transaction or write while another session holds the
/// configuration lock.
///
/// SPS documents a single lock shared with the web UI ("Multiple users and locking") but no
/// dedicated error type for it. From the second session's point of view it has no
/// transaction and cannot get one, so it gets the documented 409 `NoTransaction`, with
/// `details.locked_by` naming the holder so a client can tell the two cases apart.
pub fn locked(href: &str, holder: &str) -> ApiError {
    ApiError::new(
        409,
        "NoTransaction",
        "The configuration is locked by another session's open transaction",
        href,
    )
    .with_details(json!({ "path": href, "locked_by": holder }))
}

/// 400 SemanticError: the request is well-formed but inconsistent with the configuration.
pub fn semantic(href: &str, message: &str, details: Value) -> ApiError {
    ApiError::new(400, "SemanticError", message, href).with_details(details)
}

/// 400 InvalidQuery: query parameter `name` has a value the fake cannot use (`why`).
pub fn invalid_query(href: &str, name: &str, why: &str) -> ApiError {
    ApiError::new(
        400,
        "InvalidQuery",
        format!("Invalid value of query parameter `{name}`: {why}"),
        href,
    )
    .with_details(json!({ "parameter": name }))
}

/// 400 InvalidRequestBody for a body the router accepted but the engine cannot use.
pub fn invalid_body(href: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(400, "InvalidRequestBody", message, href)
}

/// 400 IncompleteRequestBodyError listing the missing JSON paths.
pub fn incomplete_body(href: &str, missing: &[&str]) -> ApiError {
    ApiError::new(
        400,
        "IncompleteRequestBodyError",
        "The request body is missing required fields",
        href,
    )
    .with_details(json!({ "missing_paths": missing }))
}

/// 405 MethodNotAllowed.
pub fn method_not_allowed(href: &str, method: &str) -> ApiError {
    ApiError::new(
        405,
        "MethodNotAllowed",
        format!("{method} is not allowed on this resource"),
        href,
    )
}

/// 500 for a failure of the fake itself (e.g. the state file cannot be written).
pub fn internal(href: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(500, "InternalServerError", message, href)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_request_href_and_the_object_path() {
        let error = not_found("/api/configuration/x/abc/", "/api/configuration/x/abc");
        assert_eq!(error.status(), 404);
        assert_eq!(
            error.body(),
            json!({
                "error": {
                    "type": "NotFound",
                    "message": "The requested object does not exist",
                    "details": {"path": "/api/configuration/x/abc"},
                },
                "meta": {"href": "/api/configuration/x/abc/", "parent": "/api/configuration/x"},
            })
        );
    }

    #[test]
    fn incomplete_body_lists_missing_paths() {
        let body = incomplete_body("/api/firmware/test", &["slot_id"]).body();
        assert_eq!(body["error"]["type"], "IncompleteRequestBodyError");
        assert_eq!(
            body["error"]["details"]["missing_paths"],
            json!(["slot_id"])
        );
        assert_eq!(body["meta"]["parent"], "/api/firmware");
    }
}
