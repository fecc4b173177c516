//! A walk over the document that knows which objects are OpenAPI objects (where `$ref` and
//! `x-` keys mean something) and which values are data (examples, defaults, enums).

use serde_json::{Map, Value as Json};

use crate::spec::pointer;

/// Keys whose value is a map from names (paths, status codes, component names, property
/// names, media types...) to objects: their keys are names, not keywords.
const NAME_MAPS: &[&str] = &[
    "paths",
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
    "properties",
    "content",
    "encoding",
    "variables",
    "mapping",
    "scopes",
];

/// Keys whose value is data, not OpenAPI structure.
const DATA: &[&str] = &["example", "default", "enum", "value"];

/// Calls `visit(pointer, object, is_name_map)` on every object of the document's structure,
/// parents first, in document order. Data and extension values are not entered.
pub fn objects(document: &Json, visit: &mut impl FnMut(&str, &Map<String, Json>, bool)) {
    walk(document, "", false, visit);
}

fn walk(
    value: &Json,
    at: &str,
    name_map: bool,
    visit: &mut impl FnMut(&str, &Map<String, Json>, bool),
) {
    match value {
        Json::Object(object) => {
            visit(at, object, name_map);
            for (key, child) in object {
                if !name_map && (key.starts_with("x-") || DATA.contains(&key.as_str())) {
                    continue;
                }
                let child_is_map = !name_map && NAME_MAPS.contains(&key.as_str());
                walk(child, &pointer::join(at, key), child_is_map, visit);
            }
        }
        Json::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                walk(item, &format!("{at}/{index}"), false, visit);
            }
        }
        _ => {}
    }
}

/// The HTTP methods of a path item, in the order OpenAPI lists them.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every operation: `(pointer, path, method, operation)`.
pub fn operations(document: &Json) -> Vec<(String, &str, &'static str, &Map<String, Json>)> {
    let mut found = Vec::new();
    let Some(paths) = document.get("paths").and_then(Json::as_object) else {
        return found;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for method in METHODS {
            if let Some(operation) = item.get(*method).and_then(Json::as_object) {
                let at = pointer::join(&pointer::join("/paths", path), method);
                found.push((at, path.as_str(), *method, operation));
            }
        }
    }
    found
}

/// The parameters of an operation, `$ref`s followed: the path item's, overridden by the
/// operation's own of the same name and location.
pub fn parameters<'a>(
    document: &'a Json,
    path: &str,
    operation: &'a Map<String, Json>,
) -> Vec<&'a Map<String, Json>> {
    let list = |parameters: Option<&'a Json>| -> Vec<&'a Map<String, Json>> {
        parameters
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| super::operations::follow(document, p).as_object())
            .collect()
    };
    let item = document.get("paths").and_then(|paths| paths.get(path));
    let own = list(operation.get("parameters"));
    let key = |p: &Map<String, Json>| (p.get("name").cloned(), p.get("in").cloned());
    let mut merged: Vec<&Map<String, Json>> = list(item.and_then(|i| i.get("parameters")))
        .into_iter()
        .filter(|p| !own.iter().any(|o| key(o) == key(p)))
        .collect();
    merged.extend(own);
    merged
}
