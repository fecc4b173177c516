//! Operations, as documentation: a snake_case operationId, a declared tag, a summary, at least
//! one documented error response. (What the generated code relies on, an operationId at all,
//! parameters and security schemes, is the `signatures` check's.)

use serde_json::Value as Json;

use super::{walk, Findings};
use crate::spec::pointer;

pub fn check(document: &Json, findings: &mut Findings) {
    let declared_tags: Vec<&str> = document
        .get("tags")
        .and_then(Json::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| t.get("name").and_then(Json::as_str))
                .collect()
        })
        .unwrap_or_default();
    for (at, _path, _method, operation) in walk::operations(document) {
        if let Some(id) = operation.get("operationId").and_then(Json::as_str) {
            if !id.is_empty() && !is_snake_case(id) {
                let id_at = pointer::join(&at, "operationId");
                findings.push((id_at, format!("the operationId `{id}` is not snake_case")));
            }
        }
        let tags: Vec<&str> = operation
            .get("tags")
            .and_then(Json::as_array)
            .map(|tags| tags.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        if tags.is_empty() {
            findings.push((at.clone(), "the operation has no tag".into()));
        }
        for (index, tag) in tags.iter().enumerate() {
            if !declared_tags.contains(tag) {
                let tag_at = format!("{}/{index}", pointer::join(&at, "tags"));
                findings.push((
                    tag_at,
                    format!("the tag `{tag}` is not declared in the root `tags`"),
                ));
            }
        }
        let summary = operation
            .get("summary")
            .and_then(Json::as_str)
            .unwrap_or_default();
        if summary.trim().is_empty() {
            findings.push((at.clone(), "the operation has no summary".into()));
        }
        let responses = operation.get("responses").and_then(Json::as_object);
        let documents_errors = responses.is_some_and(|r| {
            r.keys()
                .any(|code| code.starts_with('4') || code.starts_with('5'))
        });
        if !documents_errors {
            findings.push((
                pointer::join(&at, "responses"),
                "the operation documents no error response (4xx or 5xx)".into(),
            ));
        }
    }
}

fn is_snake_case(id: &str) -> bool {
    id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !id.contains("__")
        && !id.ends_with('_')
}

/// The object a local `$ref` points to (itself when it is not a reference or does not resolve;
/// broken references are reported by the `refs` check).
pub fn follow<'a>(document: &'a Json, value: &'a Json) -> &'a Json {
    let mut current = value;
    for _ in 0..16 {
        match current
            .get("$ref")
            .and_then(Json::as_str)
            .and_then(|r| r.strip_prefix('#'))
        {
            Some(target) => match pointer::resolve(document, target) {
                Some(next) => current = next,
                None => break,
            },
            None => break,
        }
    }
    current
}
