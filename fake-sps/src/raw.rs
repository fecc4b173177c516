//! Local copies of the generic server interface of `sps-server` (see ARCHITECTURE.md, "The
//! generic server interface").
//!
//! The generated server stub does not exist yet; these structs are field-for-field identical to
//! the contract so that switching to `sps_server::{OperationInfo, RawRequest, RawResponse}` is a
//! matter of replacing this module with a re-export.

use serde_json::{Map, Value};

/// Static description of one operation of the spec, as the generated `OPERATIONS` table holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationInfo {
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    /// Upper-case HTTP method.
    pub method: &'static str,
    /// Path template, e.g. `/api/configuration/aaa/local_database/users/{key}`.
    pub path: &'static str,
    /// The path item's `x-sps-resource`.
    pub resource: Option<&'static str>,
    /// `x-sps-transaction: required`.
    pub transaction_required: bool,
    /// The `sessionCookie` scheme is required (not optional).
    pub session_required: bool,
    /// Documented response statuses, ascending.
    pub statuses: &'static [u16],
}

/// A validated request, handed to a metadata-driven handler.
#[derive(Debug, Clone)]
pub struct RawRequest {
    /// The operation the router matched.
    pub operation: &'static OperationInfo,
    /// The request path as received, without the query string.
    pub href: String,
    /// Path parameters in template order, percent-decoded.
    pub path_params: Vec<(String, String)>,
    /// The typed query, re-serialised.
    pub query: Map<String, Value>,
    /// The typed body, re-serialised (unknown fields kept).
    pub body: Option<Value>,
    /// The `session_id` cookie, if sent.
    pub session_id: Option<String>,
    /// `(user, password)` where the basicAuth scheme applies.
    pub basic_auth: Option<(String, String)>,
}

/// The handler's answer; the router sends it as is.
#[derive(Debug, Clone, PartialEq)]
pub struct RawResponse {
    /// HTTP status code.
    pub status: u16,
    /// JSON body, if any.
    pub body: Option<Value>,
    /// Extra headers, e.g. `set-cookie`.
    pub headers: Vec<(String, String)>,
}
