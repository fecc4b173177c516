//! References the spec marks with `x-sps-refers-to`: a bare key written into such a property is
//! stored, and so reads back, as `{key, meta: {href}}`, the form SPS answers with.
//!
//! The sites are found once, from the schema of each object's GET reply (`body`, through
//! `$ref`, `allOf`, `oneOf`, `anyOf`, `properties` and `items`). A relative target (`../name`)
//! is resolved against the href of the object holding the reference, as a relative URL is.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::meta::reference;

/// One step from an object's body to a reference.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    Field(String),
    EachItem,
}

#[derive(Clone, Debug, PartialEq)]
struct Site {
    steps: Vec<Step>,
    target: String,
}

/// The reference sites of every object template (`/api/.../{key}` or a singleton's path).
#[derive(Debug, Default)]
pub struct References {
    sites: BTreeMap<String, Vec<Site>>,
}

const MAX_DEPTH: usize = 24;

impl References {
    /// Collects the sites from a bundled spec.
    pub fn from_spec(doc: &Value) -> Self {
        let mut sites = BTreeMap::new();
        let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
            return Self { sites };
        };
        for (template, item) in paths {
            let kind = item.get("x-sps-resource").and_then(Value::as_str);
            if !matches!(kind, Some("item" | "singleton")) {
                continue;
            }
            let Some(reply) = item
                .pointer("/get/responses/200")
                .map(|r| resolve(doc, r))
                .and_then(|r| r.pointer("/content/application~1json/schema"))
            else {
                continue;
            };
            let Some(body) = resolve(doc, reply).pointer("/properties/body") else {
                continue;
            };
            let mut found = Vec::new();
            walk(doc, body, &mut Vec::new(), &mut found, 0);
            if !found.is_empty() {
                sites.insert(template.clone(), found);
            }
        }
        Self { sites }
    }

    /// Rewrites the bare keys at the reference sites of `template` in `body` (the object at
    /// `href`) as `{key, meta: {href}}`.
    pub fn normalize(&self, template: &str, href: &str, body: &mut Value) {
        for site in self.sites.get(template).into_iter().flatten() {
            let collection = target_href(href, &site.target);
            rewrite(body, &site.steps, &collection);
        }
    }
}

fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| doc.pointer(p))
        {
            Some(target) => value = target,
            None => return value,
        }
    }
    value
}

fn walk(doc: &Value, schema: &Value, steps: &mut Vec<Step>, out: &mut Vec<Site>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    let schema = resolve(doc, schema);
    if let Some(target) = schema.get("x-sps-refers-to").and_then(Value::as_str) {
        out.push(Site {
            steps: steps.clone(),
            target: target.to_owned(),
        });
        return;
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(doc, member, steps, out, depth + 1);
        }
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            steps.push(Step::Field(name.clone()));
            walk(doc, property, steps, out, depth + 1);
            steps.pop();
        }
    }
    if let Some(items) = schema.get("items") {
        steps.push(Step::EachItem);
        walk(doc, items, steps, out, depth + 1);
        steps.pop();
    }
}

/// `target` resolved against `href`: `/api/...` as is, `../name` relative to the object.
fn target_href(href: &str, target: &str) -> String {
    if target.starts_with('/') {
        return target.trim_end_matches('/').to_owned();
    }
    // The base "directory" of the object's href, then one level up per `../`.
    let mut base: Vec<&str> = href.trim_end_matches('/').split('/').collect();
    base.pop();
    let mut rest = target;
    while let Some(stripped) = rest.strip_prefix("../") {
        base.pop();
        rest = stripped;
    }
    format!("{}/{}", base.join("/"), rest.trim_end_matches('/'))
}

fn rewrite(value: &mut Value, steps: &[Step], collection: &str) {
    match steps.split_first() {
        None => {
            if let Value::String(key) = value {
                *value = reference(key, &format!("{collection}/{key}"));
            }
        }
        Some((Step::Field(name), rest)) => {
            if let Some(child) = value.as_object_mut().and_then(|o| o.get_mut(name)) {
                rewrite(child, rest, collection);
            }
        }
        Some((Step::EachItem, rest)) => {
            for child in value.as_array_mut().into_iter().flatten() {
                rewrite(child, rest, collection);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn relative_and_absolute_targets() {
        let object = "/api/configuration/ssh/connections/abc";
        assert_eq!(
            target_href(object, "../channel_policies"),
            "/api/configuration/ssh/channel_policies"
        );
        assert_eq!(
            target_href(object, "/api/configuration/policies/indexing"),
            "/api/configuration/policies/indexing"
        );
    }

    #[test]
    fn bare_keys_at_marked_sites_become_references() {
        let doc = json!({
            "paths": {
                "/api/p/things/{key}": {
                    "x-sps-resource": "item",
                    "get": {"responses": {"200": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ThingObject"}}}}}}
                }
            },
            "components": {"schemas": {
                "ThingObject": {"properties": {"body": {"$ref": "#/components/schemas/Thing"}}},
                "Base": {"properties": {
                    "policy": {"x-sps-refers-to": "../policies", "allOf": [{"$ref": "#/components/schemas/Reference"}]}
                }},
                "Thing": {"allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {"properties": {"sets": {"type": "array", "items": {
                        "x-sps-refers-to": "/api/sets", "allOf": [{"$ref": "#/components/schemas/Reference"}]}}}}
                ]},
                "Reference": {"oneOf": [{"type": "string"}, {"type": "object"}]}
            }}
        });
        let references = References::from_spec(&doc);
        let mut body = json!({
            "policy": "p1",
            "sets": ["s1", {"key": "s2", "meta": {"href": "/api/sets/s2"}}],
            "other": "untouched"
        });
        references.normalize("/api/p/things/{key}", "/api/p/things/t1", &mut body);
        assert_eq!(
            body,
            json!({
                "policy": {"key": "p1", "meta": {"href": "/api/p/policies/p1"}},
                "sets": [
                    {"key": "s1", "meta": {"href": "/api/sets/s1"}},
                    {"key": "s2", "meta": {"href": "/api/sets/s2"}}
                ],
                "other": "untouched"
            })
        );
    }
}
