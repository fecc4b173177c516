//! Operations: an operationId (unique, snake_case), a declared tag, a summary, at least one
//! documented error response, path parameters that match the path template, and declared
//! security schemes.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

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
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    for (at, path, _method, operation) in walk::operations(document) {
        match operation.get("operationId").and_then(Json::as_str) {
            None | Some("") => {
                findings.push((at.clone(), "the operation has no operationId".into()))
            }
            Some(id) => {
                let id_at = pointer::join(&at, "operationId");
                if let Some(first) = ids.get(id) {
                    findings.push((
                        id_at.clone(),
                        format!("the operationId `{id}` is also used by {first}"),
                    ));
                } else {
                    ids.insert(id, at.clone());
                }
                if !is_snake_case(id) {
                    findings.push((id_at, format!("the operationId `{id}` is not snake_case")));
                }
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
        path_parameters(document, &at, path, operation, findings);
        if let Some(security) = operation.get("security") {
            security_schemes(
                document,
                &pointer::join(&at, "security"),
                security,
                findings,
            );
        }
    }
    if let Some(security) = document.get("security") {
        security_schemes(document, "/security", security, findings);
    }
}

/// Every scheme named in a security requirement is declared in `components/securitySchemes`.
fn security_schemes(document: &Json, at: &str, requirements: &Json, findings: &mut Findings) {
    let declared = document
        .pointer("/components/securitySchemes")
        .and_then(Json::as_object);
    let Some(requirements) = requirements.as_array() else {
        return;
    };
    for (index, requirement) in requirements.iter().enumerate() {
        let Some(requirement) = requirement.as_object() else {
            continue;
        };
        for name in requirement.keys() {
            if !declared.is_some_and(|d| d.contains_key(name)) {
                findings.push((
                    pointer::join(&format!("{at}/{index}"), name),
                    format!("the security scheme `{name}` is not declared in `components/securitySchemes`"),
                ));
            }
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

/// Each `{name}` of the template has a required `in: path` parameter and vice versa.
fn path_parameters(
    document: &Json,
    at: &str,
    path: &str,
    operation: &Map<String, Json>,
    findings: &mut Findings,
) {
    let template: Vec<&str> = path
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split('}').next())
        .collect();
    let item_at = pointer::join("/paths", path);
    let item_params = document.pointer(&pointer::join(&item_at, "parameters"));
    let mut declared = Vec::new();
    for (list_at, list) in [
        (item_at.clone(), item_params),
        (at.to_owned(), operation.get("parameters")),
    ] {
        let Some(Json::Array(list)) = list else {
            continue;
        };
        for (index, parameter) in list.iter().enumerate() {
            let parameter_at = format!("{}/{index}", pointer::join(&list_at, "parameters"));
            let parameter = follow(document, parameter);
            if parameter.get("in").and_then(Json::as_str) != Some("path") {
                continue;
            }
            let name = parameter
                .get("name")
                .and_then(Json::as_str)
                .unwrap_or_default();
            if !template.contains(&name) {
                findings.push((
                    parameter_at,
                    format!("the path parameter `{name}` is not in the path template"),
                ));
            } else if parameter.get("required").and_then(Json::as_bool) != Some(true) {
                findings.push((
                    parameter_at,
                    format!("the path parameter `{name}` must be `required: true`"),
                ));
            }
            declared.push(name);
        }
    }
    for name in template {
        if !declared.contains(&name) {
            findings.push((
                at.to_owned(),
                format!("the path parameter `{name}` is not declared"),
            ));
        }
    }
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
