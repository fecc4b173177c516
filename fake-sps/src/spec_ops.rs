//! The operation table derived from a bundled spec at run time.
//!
//! The generated `sps-server` crate carries the same table as a `static`; deriving it here lets
//! the engine (and its tests) run against any spec document, e.g. the workspace's `spec/` while
//! it is being written.

use serde_json::Value;

use crate::raw::OperationInfo;

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// Whether a `security` requirement list makes the session cookie mandatory: it must be named in
/// every alternative (an empty alternative `{}` makes authentication optional).
fn requires_session(security: &Value) -> bool {
    match security.as_array() {
        Some(alternatives) if !alternatives.is_empty() => alternatives
            .iter()
            .all(|alt| alt.get("sessionCookie").is_some()),
        _ => false,
    }
}

/// Builds the operation table of `doc` in spec order (paths, then methods in the order
/// get, put, post, delete, patch). The strings are leaked once: the table lives as long as the
/// process, exactly like the generated `static`.
pub fn operations_from_spec(doc: &Value) -> &'static [OperationInfo] {
    let mut operations = Vec::new();
    let root_security = doc.get("security").cloned().unwrap_or(Value::Null);
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Box::leak(operations.into_boxed_slice());
    };
    for (path, item) in paths {
        let resource = item.get("x-sps-resource").and_then(Value::as_str).map(leak);
        let path = leak(path);
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let mut statuses: Vec<u16> = op
                .get("responses")
                .and_then(Value::as_object)
                .map(|r| r.keys().filter_map(|code| code.parse().ok()).collect())
                .unwrap_or_default();
            statuses.sort_unstable();
            statuses.dedup();
            let security = op.get("security").unwrap_or(&root_security);
            operations.push(OperationInfo {
                operation_id: leak(
                    op.get("operationId")
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                ),
                method: leak(&method.to_uppercase()),
                path,
                resource,
                transaction_required: op.get("x-sps-transaction").and_then(Value::as_str)
                    == Some("required"),
                session_required: requires_session(security),
                statuses: Box::leak(statuses.into_boxed_slice()),
            });
        }
    }
    Box::leak(operations.into_boxed_slice())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_reflects_extensions_and_security() {
        let doc = json!({
            "security": [{"sessionCookie": []}],
            "paths": {
                "/api/info": {
                    "x-sps-resource": "service",
                    "get": {"operationId": "get_info", "security": [{}, {"sessionCookie": []}],
                            "responses": {"401": {}, "200": {}}}
                },
                "/api/authentication": {
                    "get": {"operationId": "authenticate", "security": [{"basicAuth": []}],
                            "responses": {"200": {}}}
                },
                "/api/configuration/x": {
                    "x-sps-resource": "collection",
                    "post": {"operationId": "create_x", "x-sps-transaction": "required",
                             "responses": {"201": {}, "409": {}, "400": {}}},
                    "get": {"operationId": "list_x", "responses": {"200": {}}}
                }
            }
        });
        let ops = operations_from_spec(&doc);
        type Summary<'a> = (&'a str, &'a str, Option<&'a str>, bool, bool, &'a [u16]);
        let summary: Vec<Summary> = ops
            .iter()
            .map(|o| {
                (
                    o.operation_id,
                    o.method,
                    o.resource,
                    o.transaction_required,
                    o.session_required,
                    o.statuses,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "get_info",
                    "GET",
                    Some("service"),
                    false,
                    false,
                    &[200, 401][..]
                ),
                ("authenticate", "GET", None, false, false, &[200][..]),
                ("list_x", "GET", Some("collection"), false, true, &[200][..]),
                (
                    "create_x",
                    "POST",
                    Some("collection"),
                    true,
                    true,
                    &[201, 400, 409][..]
                ),
            ]
        );
    }
}
