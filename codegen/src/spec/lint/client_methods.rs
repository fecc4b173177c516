//! Names of the generated client's methods: each operation becomes a method of `Client` named
//! after its operationId, and a paged operation (optional integer `offset` and `limit` query
//! parameters) may also get `<name>_all`. A name the client already has, or one two operations
//! would both take, would make the generated crate fail to compile.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as Json};

use super::{walk, Findings};
use crate::naming;
use crate::spec::pointer;

/// Methods of `Client` that are not operations: the runtime's
/// (`codegen/templates/client_runtime.rs`) and the transaction helper's.
pub(crate) const RESERVED: &[&str] = &[
    "builder",
    "new",
    "base_url",
    "session_id",
    "set_session_id",
    "lock_session",
    "follow",
    "follow_as",
    "send",
    "send_bytes",
    "send_empty",
    "send_stream",
    "execute",
    "capture_session",
    "in_open_transaction",
    "appliance_version",
    "read_appliance_version",
    "execute_in_span",
    "check_version",
    "track_transaction",
    "relogin",
    "attempts",
    "attempt",
    "transaction",
    "in_transaction",
];

pub fn check(document: &Json, findings: &mut Findings) {
    let mut taken: BTreeMap<String, &str> = RESERVED
        .iter()
        .map(|name| (name.to_string(), "the client runtime"))
        .collect();
    let operations = walk::operations(document);
    let mut claim = |name: String, at: &str, id: &str, what: &str| {
        if let Some(owner) = taken.get(&name) {
            findings.push((
                pointer::join(at, "operationId"),
                format!(
                    "operation `{id}` would generate the client method `{name}` ({what}), which \
                     {owner} already has; rename the operationId"
                ),
            ));
        } else {
            taken.insert(name, "another operation");
        }
    };
    // A repeated operationId is the `operations` check's finding, not a second one here.
    let mut ids = BTreeSet::new();
    let named: Vec<_> = operations
        .iter()
        .filter_map(|(at, path, _, operation)| {
            let id = operation.get("operationId").and_then(Json::as_str)?;
            let method = naming::unraw(&naming::snake(id, "operation")).to_owned();
            Some((at, *path, operation, id, method))
        })
        .filter(|(_, _, _, id, _)| ids.insert(*id))
        .collect();
    for (at, _, _, id, method) in &named {
        claim(method.clone(), at, id, "its own method");
    }
    for (at, path, operation, id, method) in &named {
        if is_paged(document, path, operation) {
            claim(format!("{method}_all"), at, id, "its paging method");
            claim(format!("{method}_stream"), at, id, "its paging stream");
        }
        for form in reply_forms(document, operation) {
            claim(
                format!("{method}_{form}"),
                at,
                id,
                "the method of a reply form",
            );
        }
    }
}

/// The names of the other forms of a JSON success reply (`csv` for `text/csv` with a
/// `format: binary` schema next to `application/json`), as the client names their methods.
fn reply_forms(document: &Json, operation: &Map<String, Json>) -> Vec<String> {
    let mut forms = Vec::new();
    let Some(Json::Object(responses)) = operation.get("responses") else {
        return forms;
    };
    for (status, response) in responses {
        if !status.starts_with('2') {
            continue;
        }
        let response = super::operations::follow(document, response);
        let Some(Json::Object(content)) = response.get("content") else {
            continue;
        };
        if !content.keys().any(|media| media.contains("json")) {
            continue;
        }
        for (media, value) in content {
            let binary = value.get("schema").is_some_and(|schema| {
                schema.get("type").and_then(Json::as_str) == Some("string")
                    && schema.get("format").and_then(Json::as_str) == Some("binary")
            });
            let form = crate::model::lower::media::suffix(media);
            if binary && !media.contains("json") && !forms.contains(&form) {
                forms.push(form);
            }
        }
    }
    forms
}

/// Whether the operation takes optional integer `offset` and `limit` query parameters.
fn is_paged(document: &Json, path: &str, operation: &Map<String, Json>) -> bool {
    let parameters = walk::parameters(document, path, operation);
    let optional_integer = |name: &str| {
        parameters.iter().any(|p| {
            p.get("in").and_then(Json::as_str) == Some("query")
                && p.get("name").and_then(Json::as_str) == Some(name)
                && p.get("required").and_then(Json::as_bool) != Some(true)
                && p.get("schema")
                    .map(|schema| super::operations::follow(document, schema))
                    .and_then(|schema| schema.get("type"))
                    .and_then(Json::as_str)
                    == Some("integer")
        })
    };
    optional_integer("offset") && optional_integer("limit")
}

#[cfg(test)]
mod tests {
    /// Every method of `Client` in the runtime template is reserved.
    #[test]
    fn reserved_names_cover_the_client_runtime() {
        let runtime = include_str!("../../../templates/client_runtime.rs");
        let mut in_client = false;
        let mut missing = Vec::new();
        for line in runtime.lines() {
            if line.starts_with("impl") {
                in_client = line.starts_with("impl Client ");
            } else if line == "}" {
                in_client = false;
            }
            let mut rest = line.trim_start();
            for prefix in ["pub(crate) ", "pub ", "async "] {
                rest = rest.strip_prefix(prefix).unwrap_or(rest);
            }
            let method = rest.strip_prefix("fn ");
            if let (true, Some(rest)) = (in_client, method) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !super::RESERVED.contains(&name.as_str()) {
                    missing.push(name);
                }
            }
        }
        assert_eq!(missing, Vec::<String>::new());
    }
}
