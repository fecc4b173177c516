//! Examples: every `example` and `examples` entry (on media types, parameters, headers and
//! schemas, following `$ref` to `components/examples`) must match its schema.

use serde_json::{Map, Value as Json};

use super::{walk, Findings};
use crate::spec::pointer;
use crate::spec::validate::{self, Validator};
use crate::spec::Spec;

/// One example value of the spec and the schema it must match.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Where the example is given (the `example` key, the `examples/<name>` entry or its `value`).
    pub pointer: String,
    /// The schema it must match (a pointer into the bundle).
    pub schema: String,
    /// The example's value.
    pub value: Json,
}

/// Every example of the spec that has a schema to match, in document order.
pub fn examples(spec: &Spec) -> Vec<Example> {
    let mut findings = Vec::new();
    let mut collector = Collector {
        document: spec.json(),
        found: Vec::new(),
        defaults: Vec::new(),
        findings: &mut findings,
    };
    collector.run();
    collector.found
}

pub fn check(document: &Json, findings: &mut Findings) {
    let mut collector = Collector {
        document,
        found: Vec::new(),
        defaults: Vec::new(),
        findings,
    };
    collector.run();
    let (found, defaults) = (collector.found, collector.defaults);
    let validator = Validator::new(document);
    let checks = found
        .iter()
        .map(|e| (e, "example"))
        .chain(defaults.iter().map(|d| (d, "default")));
    for (example, what) in checks {
        for error in validator.validate(&example.schema, &example.value, what) {
            // A missing schema or one that is itself a reference means a broken `$ref`,
            // already reported by `refs`.
            let rejecting = pointer::resolve(document, &error.schema_pointer);
            if !matches!(rejecting, Some(schema) if schema.get("$ref").is_none()) {
                continue;
            }
            findings.push((
                example.pointer.clone(),
                format!("the {what} does not match its schema: {error}"),
            ));
        }
    }
}

struct Collector<'a> {
    document: &'a Json,
    found: Vec<Example>,
    /// Schema `default` values, checked like examples but not counted as such.
    defaults: Vec<Example>,
    findings: &'a mut Findings,
}

impl Collector<'_> {
    fn run(&mut self) {
        let document = self.document;
        if let Some(paths) = document.get("paths").and_then(Json::as_object) {
            for (path, item) in paths {
                let item_at = pointer::join("/paths", path);
                self.parameters(&item_at, item);
            }
        }
        for (at, _, _, operation) in walk::operations(document) {
            let operation = Json::Object(operation.clone());
            self.parameters(&at, &operation);
            if let Some(body) = operation.get("requestBody") {
                self.body(&pointer::join(&at, "requestBody"), body);
            }
            for (code, response) in entries(operation.get("responses")) {
                self.response(
                    &pointer::join(&pointer::join(&at, "responses"), code),
                    response,
                );
            }
        }
        let components = document.get("components");
        let section = |name: &str| entries(components.and_then(|c| c.get(name)));
        let at =
            |section: &str, name: &str| pointer::join(&pointer::join("/components", section), name);
        for (name, value) in section("parameters") {
            self.parameter(&at("parameters", name), value);
        }
        for (name, value) in section("headers") {
            self.parameter(&at("headers", name), value);
        }
        for (name, value) in section("requestBodies") {
            self.body(&at("requestBodies", name), value);
        }
        for (name, value) in section("responses") {
            self.response(&at("responses", name), value);
        }
        for (name, value) in section("schemas") {
            self.schema(&at("schemas", name), value);
        }
    }

    fn parameters(&mut self, at: &str, owner: &Json) {
        if let Some(Json::Array(list)) = owner.get("parameters") {
            let list_at = pointer::join(at, "parameters");
            for (index, parameter) in list.iter().enumerate() {
                self.parameter(&format!("{list_at}/{index}"), parameter);
            }
        }
    }

    /// A parameter or header (same shape: `schema` or `content`, `example`/`examples`).
    fn parameter(&mut self, at: &str, value: &Json) {
        let Some(object) = value.as_object().filter(|o| !o.contains_key("$ref")) else {
            return;
        };
        if let Some(schema) = object.get("schema") {
            let schema_at = pointer::join(at, "schema");
            self.schema(&schema_at, schema);
            self.examples_of(at, object, &schema_at);
        }
        self.content(at, object);
    }

    fn body(&mut self, at: &str, value: &Json) {
        if let Some(object) = value.as_object().filter(|o| !o.contains_key("$ref")) {
            self.content(at, object);
        }
    }

    fn response(&mut self, at: &str, value: &Json) {
        let Some(object) = value.as_object().filter(|o| !o.contains_key("$ref")) else {
            return;
        };
        self.content(at, object);
        for (name, header) in entries(object.get("headers")) {
            self.parameter(&pointer::join(&pointer::join(at, "headers"), name), header);
        }
    }

    fn content(&mut self, at: &str, object: &Map<String, Json>) {
        for (media_type, value) in entries(object.get("content")) {
            let media_at = pointer::join(&pointer::join(at, "content"), media_type);
            let Some(media) = value.as_object() else {
                continue;
            };
            if let Some(schema) = media.get("schema") {
                let schema_at = pointer::join(&media_at, "schema");
                self.schema(&schema_at, schema);
                self.examples_of(&media_at, media, &schema_at);
            }
        }
    }

    /// The `example` and `examples` of a media type, parameter or header.
    fn examples_of(&mut self, at: &str, object: &Map<String, Json>, schema: &str) {
        if let Some(value) = object.get("example") {
            if object.contains_key("examples") {
                self.findings.push((
                    at.to_owned(),
                    "`example` and `examples` are mutually exclusive".into(),
                ));
            }
            self.push(pointer::join(at, "example"), schema, value);
        }
        for (name, entry) in entries(object.get("examples")) {
            let entry_at = pointer::join(&pointer::join(at, "examples"), name);
            // A reference to `components/examples`: the broken ones are reported by `refs`.
            let target = entry
                .get("$ref")
                .and_then(Json::as_str)
                .and_then(|r| r.strip_prefix('#'));
            let resolved = match target {
                Some(target) => pointer::resolve(self.document, target),
                None => Some(entry),
            };
            let Some(resolved) = resolved else { continue };
            if resolved.get("externalValue").is_some() {
                self.findings.push((
                    entry_at,
                    "unsupported: `externalValue` examples cannot be checked".into(),
                ));
            } else if let Some(value) = resolved.get("value") {
                let value_at = if target.is_some() {
                    entry_at
                } else {
                    pointer::join(&entry_at, "value")
                };
                self.push(value_at, schema, value);
            } else {
                self.findings
                    .push((entry_at, "the example has no `value`".into()));
            }
        }
    }

    /// Schema examples, here and in every nested schema.
    fn schema(&mut self, at: &str, schema: &Json) {
        let Some(object) = schema.as_object().filter(|o| !o.contains_key("$ref")) else {
            return;
        };
        if let Some(value) = object.get("example") {
            self.push(pointer::join(at, "example"), at, value);
        }
        if let Some(value) = object.get("default") {
            let default = Example {
                pointer: pointer::join(at, "default"),
                schema: at.to_owned(),
                value: value.clone(),
            };
            self.defaults.push(default);
        }
        if let Some(kind) = object.get("type") {
            const TYPES: &[&str] = &["string", "number", "integer", "boolean", "array", "object"];
            if !kind.as_str().is_some_and(|k| TYPES.contains(&k)) {
                self.findings.push((
                    pointer::join(at, "type"),
                    format!("unsupported: the type {kind}"),
                ));
            }
        }
        if let Some(pattern) = object.get("pattern") {
            let problem = match pattern.as_str() {
                Some(text) => validate::compile(text)
                    .err()
                    .map(|e| format!("unsupported: the pattern cannot be checked: {e}")),
                None => Some("the pattern must be a string".to_owned()),
            };
            if let Some(message) = problem {
                self.findings.push((pointer::join(at, "pattern"), message));
            }
        }
        for (name, property) in entries(object.get("properties")) {
            self.schema(
                &pointer::join(&pointer::join(at, "properties"), name),
                property,
            );
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child) = object.get(key) {
                self.schema(&pointer::join(at, key), child);
            }
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(Json::Array(members)) = object.get(key) {
                for (index, member) in members.iter().enumerate() {
                    self.schema(&format!("{}/{index}", pointer::join(at, key)), member);
                }
            }
        }
    }

    fn push(&mut self, at: String, schema: &str, value: &Json) {
        self.found.push(Example {
            pointer: at,
            schema: schema.to_owned(),
            value: value.clone(),
        });
    }
}

/// The entries of a mapping (none for anything else), without extensions.
fn entries(value: Option<&Json>) -> Vec<(&str, &Json)> {
    match value {
        Some(Json::Object(map)) => map
            .iter()
            .filter(|(k, _)| !k.starts_with("x-"))
            .map(|(k, v)| (k.as_str(), v))
            .collect(),
        _ => Vec::new(),
    }
}
