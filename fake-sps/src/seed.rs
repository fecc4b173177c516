//! Initial data from the spec's examples, so a fresh fake shows the documented sample objects.
//!
//! Every success-response example of the form `{key, body, meta: {href}}` (or a list whose items
//! carry bodies) puts its body at its href, when that href is an item or singleton of the path the
//! example documents (published samples sometimes carry hrefs copied from another page; those are
//! skipped). The examples of non-configuration endpoints are kept whole, to be replayed.

use std::collections::BTreeMap;
use std::fmt;

use std::path::{Path, PathBuf};

use serde_json::Value;

use sps_server::runtime::parent_href;

use crate::paths;
use crate::recordings;
use crate::store::Store;
use crate::tree::{ResourceKind, ResourceTable};

/// A spec that cannot be read.
#[derive(Debug)]
pub struct SpecError {
    /// The file involved.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for SpecError {}

/// Parses a YAML (or JSON) OpenAPI document into a JSON value.
pub fn parse_spec(path: &Path, text: &str) -> Result<Value, SpecError> {
    serde_yaml::from_str(text).map_err(|e| SpecError {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// What the spec's examples provide.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    /// Sample configuration objects at their hrefs.
    pub store: Store,
    /// Success examples per `(path template, METHOD)` with their status, lowest status first,
    /// then in document order.
    pub responses: BTreeMap<(String, String), Vec<(u16, Value)>>,
}

/// Follows local `$ref`s (a bounded number, so a cycle cannot hang the fake).
pub(crate) fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => match reference.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                Some(target) => value = target,
                None => return value,
            },
            None => return value,
        }
    }
    value
}

/// The JSON examples of one response, in document order.
fn response_examples<'a>(doc: &'a Value, response: &'a Value) -> Vec<&'a Value> {
    let response = resolve(doc, response);
    let Some(media) = response.pointer("/content/application~1json") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(example) = media.get("example") {
        out.push(example);
    }
    if let Some(Value::Object(examples)) = media.get("examples") {
        for example in examples.values().map(|e| resolve(doc, e)) {
            // Published samples (`x-sps-source`) show what some version sent, often cut short;
            // the fake serves the spec's complete examples.
            if example.get("x-sps-source").is_some() {
                continue;
            }
            if let Some(value) = example.get("value") {
                out.push(value);
            }
        }
    }
    out
}

pub(crate) const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// Collects the seed data from a bundled spec.
pub fn from_spec(doc: &Value, table: &ResourceTable) -> Seed {
    let mut seed = Seed::default();
    let Some(Value::Object(paths)) = doc.get("paths") else {
        return seed;
    };
    for (template, item) in paths {
        let item = resolve(doc, item);
        for method in METHODS {
            let Some(Value::Object(responses)) =
                item.get(method).and_then(|op| op.get("responses"))
            else {
                continue;
            };
            let mut success: Vec<(u16, &Value)> = responses
                .iter()
                .filter_map(|(code, r)| code.parse::<u16>().ok().map(|c| (c, r)))
                .filter(|(code, _)| (200..300).contains(code))
                .collect();
            success.sort_by_key(|(code, _)| *code);
            for (code, response) in success {
                for example in response_examples(doc, response) {
                    seed.responses
                        .entry((template.clone(), method.to_uppercase()))
                        .or_default()
                        .push((code, example.clone()));
                    collect_objects(example, template, table, &mut seed.store);
                }
            }
        }
    }
    let mut passwords = Vec::new();
    for (_, body) in seed.store.objects() {
        collect_password_keys(body, &mut passwords);
    }
    for key in passwords {
        seed.store.add_password(&key);
    }
    seed
}

fn collect_objects(example: &Value, template: &str, table: &ResourceTable, store: &mut Store) {
    let mut candidates: Vec<&Value> = vec![example];
    if let Some(Value::Array(items)) = example.get("items") {
        candidates.extend(items);
    }
    for candidate in candidates {
        let (Some(body), Some(href)) = (
            candidate.get("body"),
            candidate.pointer("/meta/href").and_then(Value::as_str),
        ) else {
            continue;
        };
        let Some(node) = table.match_href(href) else {
            continue;
        };
        let documented_here =
            node.template == template || parent_href(node.template).as_deref() == Some(template);
        let is_object = matches!(
            node.kind,
            Some(ResourceKind::Item | ResourceKind::Singleton)
        );
        // Recorded sessions are audit data with a data set of their own, not samples to store.
        if !(documented_here && is_object) || recordings::owns(href) {
            continue;
        }
        // Password objects are keys only: their (empty) sample body is not configuration.
        if let Some(key) = href
            .strip_prefix(paths::PASSWORDS)
            .and_then(|k| k.strip_prefix('/'))
        {
            store.add_password(key);
        } else if !store.contains(href) {
            store.put(href, body.clone());
        }
    }
}

/// Keys of passwords referenced as `{key, meta: {href: "/api/configuration/passwords/<key>"}}`.
fn collect_password_keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let prefix = format!("{}/", paths::PASSWORDS);
            if let (Some(Value::String(key)), Some(href)) = (
                map.get("key"),
                map.get("meta")
                    .and_then(|m| m.get("href"))
                    .and_then(Value::as_str),
            ) {
                if href.strip_prefix(&prefix) == Some(key.as_str()) {
                    out.push(key.clone());
                }
            }
            map.values().for_each(|v| collect_password_keys(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_password_keys(v, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw::OperationInfo;
    use serde_json::json;

    const fn op(method: &'static str, path: &'static str, resource: &'static str) -> OperationInfo {
        OperationInfo {
            operation_id: "x",
            method,
            path,
            resource: Some(resource),
            transaction_required: false,
            session_required: true,
            statuses: &[200],
            file_reply: None,
            reply_forms: &[],
        }
    }

    static OPS: &[OperationInfo] = &[
        op(
            "GET",
            "/api/configuration/aaa/local_database/users",
            "collection",
        ),
        op(
            "GET",
            "/api/configuration/aaa/local_database/users/{key}",
            "item",
        ),
        op("GET", "/api/configuration/management/email", "singleton"),
        op("GET", "/api/health_status", "service"),
    ];

    const SPEC: &str = r##"
openapi: 3.0.3
paths:
  /api/configuration/aaa/local_database/users/{key}:
    get:
      responses:
        '200':
          $ref: '#/components/responses/User'
  /api/configuration/aaa/local_database/users:
    get:
      responses:
        '200':
          content:
            application/json:
              example:
                items:
                  - key: "103640099357f3b14f0529a"
                    body: {name: admin}
                    meta: {href: /api/configuration/aaa/local_database/users/103640099357f3b14f0529a}
  /api/configuration/management/email:
    get:
      responses:
        '200':
          content:
            application/json:
              example:
                key: email
                body: {admin_address: a@example.com}
                # copied from another page: must not land at the wrong href
                meta: {href: /api/configuration/aaa/local_database/users/zzz}
  /api/health_status:
    get:
      responses:
        '401':
          content:
            application/json:
              example: {error: {type: Unauthenticated}}
        '200':
          content:
            application/json:
              example: {health_status: {load1: 0.1}}
components:
  responses:
    User:
      content:
        application/json:
          examples:
            one:
              $ref: '#/components/examples/User'
  examples:
    User:
      value:
        key: "46785097158061f46c63d0"
        body:
          name: testuser
          password:
            key: 8f84d7d1-9de1-429a-a7a7-c33a61cc7419
            meta: {href: /api/configuration/passwords/8f84d7d1-9de1-429a-a7a7-c33a61cc7419}
        meta: {href: /api/configuration/aaa/local_database/users/46785097158061f46c63d0}
"##;

    #[test]
    fn examples_become_objects_and_replies() {
        let doc = parse_spec(Path::new("spec.yaml"), SPEC).expect("yaml");
        let table = ResourceTable::new(OPS);
        let seed = from_spec(&doc, &table);
        let users: Vec<&str> = seed
            .store
            .children("/api/configuration/aaa/local_database/users")
            .iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(users, ["103640099357f3b14f0529a", "46785097158061f46c63d0"]);
        assert!(seed
            .store
            .has_password("8f84d7d1-9de1-429a-a7a7-c33a61cc7419"));
        assert!(!seed
            .store
            .contains("/api/configuration/aaa/local_database/users/zzz"));
        assert!(!seed.store.contains("/api/configuration/management/email"));
        assert_eq!(
            seed.responses
                .get(&("/api/health_status".to_owned(), "GET".to_owned())),
            Some(&vec![(200, json!({"health_status": {"load1": 0.1}}))])
        );
    }

    #[test]
    fn bad_yaml_names_the_file() {
        let err = parse_spec(Path::new("spec/x.yaml"), "paths: [unclosed").expect_err("bad");
        assert!(err.to_string().starts_with("spec/x.yaml:"), "{err}");
    }
}
