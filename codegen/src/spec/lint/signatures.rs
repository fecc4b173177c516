//! What the generated code calls an operation and what it takes: every operation has an
//! operationId, used once; the path parameters match the path template; every security scheme a
//! requirement names is declared.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::operations::follow;
use super::{walk, Findings};
use crate::spec::pointer;

pub fn check(document: &Json, findings: &mut Findings) {
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    for (at, path, _method, operation) in walk::operations(document) {
        match operation.get("operationId").and_then(Json::as_str) {
            None | Some("") => {
                findings.push((at.clone(), "the operation has no operationId".into()))
            }
            Some(id) => {
                if let Some(first) = ids.get(id) {
                    findings.push((
                        pointer::join(&at, "operationId"),
                        format!("the operationId `{id}` is also used by {first}"),
                    ));
                } else {
                    ids.insert(id, at.clone());
                }
            }
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
