//! API error bodies: `{"error": {"type", "message", "details"}, "meta": {"href", "parent"}}`.

use serde_json::{json, Value};

use crate::meta::parent_of;
use crate::raw::RawResponse;

/// An error the fake appliance answers with, before the request href is attached.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The `error.type` name, as SPS spells it.
    pub kind: &'static str,
    /// Human-readable message.
    pub message: String,
    /// `error.details`: structured context (a path, missing fields, ...).
    pub details: Value,
}

impl ApiError {
    /// Builds an error with empty details (`{}`).
    pub fn new(status: u16, kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            message: message.into(),
            // The spec types `details` as an object, so "nothing to add" is `{}`, not null.
            details: Value::Object(serde_json::Map::new()),
        }
    }

    /// Replaces the details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// 401 Unauthenticated: no valid session cookie. Details carry the attempted path, as on SPS.
    pub fn unauthenticated(href: &str) -> Self {
        Self::new(
            401,
            "Unauthenticated",
            "Authentication is required to access this resource",
        )
        .with_details(json!({ "path": href }))
    }

    /// 401 AuthenticationFailure: the login credentials were rejected.
    pub fn authentication_failure() -> Self {
        Self::new(
            401,
            "AuthenticationFailure",
            "Invalid user name or password",
        )
    }

    /// 404 NotFound for a configuration path or object that does not exist.
    pub fn not_found(href: &str) -> Self {
        Self::new(404, "NotFound", "The requested object does not exist")
            .with_details(json!({ "path": href }))
    }

    /// 409 NoTransaction: a configuration write without an open transaction.
    pub fn no_transaction(href: &str) -> Self {
        Self::new(
            409,
            "NoTransaction",
            "There is no open transaction; open one with POST /api/transaction first",
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
    pub fn locked(href: &str, holder: &str) -> Self {
        Self::new(
            409,
            "NoTransaction",
            "The configuration is locked by another session's open transaction",
        )
        .with_details(json!({ "path": href, "locked_by": holder }))
    }

    /// 400 SemanticError: the request is well-formed but inconsistent with the configuration.
    pub fn semantic(message: impl Into<String>, details: Value) -> Self {
        Self::new(400, "SemanticError", message).with_details(details)
    }

    /// 400 InvalidRequestBody for a body the router accepted but the engine cannot use.
    pub fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidRequestBody", message)
    }

    /// 400 IncompleteRequestBodyError listing the missing JSON paths.
    pub fn incomplete_body(missing: &[&str]) -> Self {
        Self::new(
            400,
            "IncompleteRequestBodyError",
            "The request body is missing required fields",
        )
        .with_details(json!({ "missing_paths": missing }))
    }

    /// 405 MethodNotAllowed.
    pub fn method_not_allowed(method: &str) -> Self {
        Self::new(
            405,
            "MethodNotAllowed",
            format!("{method} is not allowed on this resource"),
        )
    }

    /// 500 for a failure of the fake itself (e.g. the state file cannot be written).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, "InternalServerError", message)
    }

    /// The JSON error body for a request to `href`.
    pub fn body(&self, href: &str) -> Value {
        json!({
            "error": {
                "type": self.kind,
                "message": self.message,
                "details": self.details,
            },
            "meta": { "href": href, "parent": parent_of(href) },
        })
    }

    /// The complete response for a request to `href`.
    pub fn into_response(self, href: &str) -> RawResponse {
        RawResponse {
            status: self.status,
            body: Some(self.body(href)),
            headers: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_sps_shape() {
        let response = ApiError::not_found("/api/configuration/x/abc")
            .into_response("/api/configuration/x/abc");
        assert_eq!(response.status, 404);
        assert_eq!(
            response.body,
            Some(json!({
                "error": {
                    "type": "NotFound",
                    "message": "The requested object does not exist",
                    "details": {"path": "/api/configuration/x/abc"},
                },
                "meta": {"href": "/api/configuration/x/abc", "parent": "/api/configuration/x"},
            }))
        );
    }

    #[test]
    fn incomplete_body_lists_missing_paths() {
        let body = ApiError::incomplete_body(&["slot_id"]).body("/api/firmware/test");
        assert_eq!(body["error"]["type"], "IncompleteRequestBodyError");
        assert_eq!(
            body["error"]["details"]["missing_paths"],
            json!(["slot_id"])
        );
        assert_eq!(body["meta"]["parent"], "/api/firmware");
    }
}
