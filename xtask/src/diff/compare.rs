//! Compares two bundled specs (as JSON) and classifies every change twice: for a user of the
//! HTTP API (`breaking`) and for a user of the generated crates (`rust_breaking`).
//!
//! # Rules
//!
//! A schema is read in the directions it is used in: *request* (a body or parameter the client
//! sends) and *response* (what the client reads). Shared components get the directions of every
//! operation that reaches them, through any chain of `$ref`s; a change is breaking when it is
//! breaking in one of them.
//!
//! | kind | breaking (HTTP) | rust_breaking (generated crates) |
//! |---|---|---|
//! | `operation-added` | no | no (a new method) |
//! | `operation-removed` (also a changed path or method) | yes | yes |
//! | `operation-id-changed` | no | yes (the method is renamed) |
//! | `security-changed` | yes | yes (login and arguments follow the scheme) |
//! | `parameter-added` | if required | yes (the method gains an argument) |
//! | `parameter-removed` | yes | yes |
//! | `parameter-required` (optional -> required) | yes | yes |
//! | `parameter-optional` (required -> optional) | no | yes (the argument becomes an `Option`) |
//! | `parameter-moved` (`in` changed) | yes | no |
//! | `request-body-added` | if required | yes |
//! | `request-body-removed` | yes | yes |
//! | `request-body-required` / `request-body-optional` | yes / no | yes |
//! | `success-status-added` | no (the client accepts any 2xx) | yes (the server stub's reply enum) |
//! | `success-status-removed` | yes | yes |
//! | `error-status-added` | no (every error decodes as the error body) | yes (server reply enum) |
//! | `error-status-removed` | no | yes (server reply enum) |
//! | `body-type-changed` (a reply or request body, or a `$ref`, points elsewhere) | yes | yes |
//! | `schema-added` | no | no |
//! | `schema-removed` | no (operations that used it report their own change) | yes (the type is gone) |
//! | `type-changed` (`type`, `format` or a `$ref` target of a property) | yes | yes |
//! | `enum-value-added` | no: in a reply the client keeps unknown values; in a request the client may send it | yes (the enum gains a variant) |
//! | `enum-value-removed` | in a request: yes; in a reply: no | yes |
//! | `property-added` | in a request, if required | yes (the struct gains a field) |
//! | `property-removed` | yes | yes |
//! | `property-required` (optional -> required) | in a request: yes; in a reply: no | yes (`Option<T>` -> `T`) |
//! | `property-optional` (required -> optional) | in a reply: yes; in a request: no | yes (`T` -> `Option<T>`) |
//! | `nullable-added` | in a reply: yes | yes |
//! | `nullable-removed` | in a request: yes | yes |
//! | `constraint-narrowed` (`minimum` up, `maximum` down, lengths and item counts narrowed, `pattern` added or changed) | in a request: yes | no |
//! | `constraint-widened` | no | no |
//! | `additional-properties-closed` (`additionalProperties: false` added) | in a request: yes | yes (unknown fields are no longer kept) |
//! | `union-member-added` | in a reply, unless the union is discriminated (unknown tags are kept): yes | yes |
//! | `union-member-removed` | in a request: yes | yes |
//! | `discriminator-value-added` / `-removed` | like enum values | yes |
//!
//! Documentation-only changes (descriptions, summaries, examples, `x-sps-*` extensions) are not
//! reported.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use codegen::spec::pointer::{escape, join, unescape};
use serde_json::{Map, Value as Json};

/// One classified change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// What changed, from the rules table (`property-removed`, ...).
    pub kind: &'static str,
    /// Breaking for a user of the HTTP API.
    pub breaking: bool,
    /// Breaking for a user of the generated crates.
    pub rust_breaking: bool,
    /// `METHOD /path` of the operation, or `None` for a shared schema.
    pub operation: Option<String>,
    /// Where: a JSON pointer into the new document (into the old one for what was removed).
    pub pointer: String,
    /// What changed, in words.
    pub message: String,
}

/// Every kind of change, as in the rules table.
pub const KINDS: &[&str] = &[
    "operation-added",
    "operation-removed",
    "operation-id-changed",
    "security-changed",
    "parameter-added",
    "parameter-removed",
    "parameter-required",
    "parameter-optional",
    "parameter-moved",
    "request-body-added",
    "request-body-removed",
    "request-body-required",
    "request-body-optional",
    "success-status-added",
    "success-status-removed",
    "error-status-added",
    "error-status-removed",
    "body-type-changed",
    "schema-added",
    "schema-removed",
    "type-changed",
    "enum-value-added",
    "enum-value-removed",
    "property-added",
    "property-removed",
    "property-required",
    "property-optional",
    "nullable-added",
    "nullable-removed",
    "constraint-narrowed",
    "constraint-widened",
    "additional-properties-closed",
    "union-member-added",
    "union-member-removed",
    "discriminator-value-added",
    "discriminator-value-removed",
];

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];
const SCHEMA_PREFIX: &str = "#/components/schemas/";

/// Every change from `old` to `new`, in a stable order (operations by path and method, then
/// shared schemas by name).
pub fn compare(old: &Json, new: &Json) -> Vec<Change> {
    let mut diff = Diff {
        old,
        new,
        changes: Vec::new(),
        operation: None,
        usage: usage(new, old),
    };
    diff.operations();
    diff.components();
    diff.changes
}

/// Directions a shared schema is read in, and the operations reaching it.
#[derive(Default, Clone)]
struct Usage {
    request: bool,
    response: bool,
    operations: BTreeSet<String>,
}

#[derive(Clone, Copy, PartialEq)]
struct Direction {
    request: bool,
    response: bool,
}

const REQUEST: Direction = Direction {
    request: true,
    response: false,
};
const RESPONSE: Direction = Direction {
    request: false,
    response: true,
};

/// The usage of every component schema in `primary`, completed from `secondary` for schemas
/// `primary` no longer uses (so a removed use is still classified by how it was read).
fn usage(primary: &Json, secondary: &Json) -> BTreeMap<String, Usage> {
    let mut found = usage_in(secondary);
    for (name, usage) in usage_in(primary) {
        found.insert(name, usage);
    }
    found
}

fn usage_in(document: &Json) -> BTreeMap<String, Usage> {
    let mut found: BTreeMap<String, Usage> = BTreeMap::new();
    for (label, at, operation) in operations(document) {
        let mut roots: Vec<(Direction, &Json)> = Vec::new();
        for (_, parameter) in parameters_of(document, &at, operation).into_values() {
            roots.push((REQUEST, parameter));
        }
        if let Some(body) = operation.get("requestBody") {
            roots.push((REQUEST, body));
        }
        if let Some(responses) = operation.get("responses") {
            roots.push((RESPONSE, responses));
        }
        for (direction, root) in roots {
            let mut stack = Vec::new();
            refs_in(document, root, &mut stack);
            let mut seen = BTreeSet::new();
            while let Some(name) = stack.pop() {
                if !seen.insert(name.clone()) {
                    continue;
                }
                let entry = found.entry(name.clone()).or_default();
                entry.request |= direction.request;
                entry.response |= direction.response;
                entry.operations.insert(label.clone());
                if let Some(schema) =
                    document.pointer(&format!("/components/schemas/{}", escape(&name)))
                {
                    refs_in(document, schema, &mut stack);
                }
            }
        }
    }
    found
}

/// Names of the component schemas referenced in `value` (following shared responses,
/// parameters and request bodies, which are not schemas).
fn refs_in(document: &Json, value: &Json, out: &mut Vec<String>) {
    match value {
        Json::Object(object) => {
            if let Some(target) = object.get("$ref").and_then(Json::as_str) {
                if let Some(name) = target.strip_prefix(SCHEMA_PREFIX) {
                    out.push(unescape(name));
                } else if let Some(shared) =
                    target.strip_prefix('#').and_then(|p| document.pointer(p))
                {
                    refs_in(document, shared, out);
                }
            }
            for (key, child) in object {
                if key != "example" && key != "examples" && !key.starts_with("x-") {
                    refs_in(document, child, out);
                }
            }
        }
        Json::Array(items) => items.iter().for_each(|item| refs_in(document, item, out)),
        _ => {}
    }
}

/// `(METHOD /path, pointer, operation)` for every operation, in path then method order.
fn operations(document: &Json) -> Vec<(String, String, &Map<String, Json>)> {
    let mut found = Vec::new();
    for (path, item) in object(document.get("paths")) {
        for method in METHODS {
            if let Some(operation) = item.get(*method).and_then(Json::as_object) {
                found.push((
                    format!("{} {path}", method.to_uppercase()),
                    format!("/paths/{}/{method}", escape(path)),
                    operation,
                ));
            }
        }
    }
    found
}

/// The parameters that apply to an operation: the path item's, then the operation's own (an
/// operation parameter overrides the path item's of the same name), each with its pointer.
fn parameters_of<'a>(
    document: &'a Json,
    operation_at: &str,
    operation: &'a Map<String, Json>,
) -> BTreeMap<String, (String, &'a Json)> {
    let item_at = operation_at.rsplit_once('/').map_or("", |(item, _)| item);
    let mut found = BTreeMap::new();
    let lists = [
        (
            item_at.to_owned(),
            document
                .pointer(item_at)
                .and_then(|item| item.get("parameters")),
        ),
        (operation_at.to_owned(), operation.get("parameters")),
    ];
    for (at, list) in lists {
        for (index, parameter) in array(list).enumerate() {
            let parameter = follow(document, parameter);
            if let Some(name) = parameter.get("name").and_then(Json::as_str) {
                found.insert(
                    name.to_owned(),
                    (format!("{}/{index}", join(&at, "parameters")), parameter),
                );
            }
        }
    }
    found
}

struct Diff<'a> {
    old: &'a Json,
    new: &'a Json,
    changes: Vec<Change>,
    /// The operation being compared, for the changes found inside it.
    operation: Option<String>,
    usage: BTreeMap<String, Usage>,
}

impl<'a> Diff<'a> {
    fn push(
        &mut self,
        kind: &'static str,
        breaking: bool,
        rust_breaking: bool,
        pointer: &str,
        message: String,
    ) {
        debug_assert!(KINDS.contains(&kind), "`{kind}` is not in KINDS");
        self.changes.push(Change {
            kind,
            breaking,
            rust_breaking,
            operation: self.operation.clone(),
            pointer: pointer.to_owned(),
            message,
        });
    }

    fn operations(&mut self) {
        let old_ops = operations(self.old);
        let new_ops = operations(self.new);
        let old_by: BTreeMap<&str, _> = old_ops
            .iter()
            .map(|(l, p, o)| (l.as_str(), (p, *o)))
            .collect();
        let new_by: BTreeMap<&str, _> = new_ops
            .iter()
            .map(|(l, p, o)| (l.as_str(), (p, *o)))
            .collect();
        let labels: BTreeSet<&str> = old_by.keys().chain(new_by.keys()).copied().collect();
        for label in labels {
            self.operation = Some(label.to_owned());
            match (old_by.get(label), new_by.get(label)) {
                (Some((pointer, _)), None) => self.push(
                    "operation-removed",
                    true,
                    true,
                    pointer,
                    format!("`{label}` was removed (or its path or method changed)"),
                ),
                (None, Some((pointer, _))) => self.push(
                    "operation-added",
                    false,
                    false,
                    pointer,
                    format!("`{label}` was added"),
                ),
                (Some((_, old)), Some((pointer, new))) => self.operation_pair(pointer, old, new),
                (None, None) => {}
            }
        }
        self.operation = None;
    }

    fn operation_pair(&mut self, at: &str, old: &Map<String, Json>, new: &Map<String, Json>) {
        let id = |o: &Map<String, Json>| {
            o.get("operationId")
                .and_then(Json::as_str)
                .map(str::to_owned)
        };
        if id(old) != id(new) {
            self.push(
                "operation-id-changed",
                false,
                true,
                &join(at, "operationId"),
                format!(
                    "the operationId changed from {} to {}: the generated method is renamed",
                    show(id(old)),
                    show(id(new))
                ),
            );
        }
        let security =
            |doc: &Json, o: &Map<String, Json>| o.get("security").or(doc.get("security")).cloned();
        if security(self.old, old) != security(self.new, new) {
            self.push(
                "security-changed",
                true,
                true,
                &join(at, "security"),
                "the credentials the operation needs changed".into(),
            );
        }
        self.parameters(at, old, new);
        self.request_body(at, old, new);
        self.responses(at, old, new);
    }

    fn parameters(&mut self, at: &str, old: &Map<String, Json>, new: &Map<String, Json>) {
        let old_params = parameters_of(self.old, at, old);
        let new_params = parameters_of(self.new, at, new);
        for (name, (pointer, _)) in &old_params {
            if !new_params.contains_key(name) {
                self.push(
                    "parameter-removed",
                    true,
                    true,
                    pointer,
                    format!("the parameter `{name}` was removed"),
                );
            }
        }
        for (name, (pointer, parameter)) in &new_params {
            let required = parameter.get("required").and_then(Json::as_bool) == Some(true);
            let Some((old_pointer, old_parameter)) = old_params.get(name) else {
                self.push(
                    "parameter-added",
                    required,
                    true,
                    pointer,
                    format!(
                        "the {} parameter `{name}` was added: the generated method gains an argument",
                        if required { "required" } else { "optional" }
                    ),
                );
                continue;
            };
            let was_required = old_parameter.get("required").and_then(Json::as_bool) == Some(true);
            match (was_required, required) {
                (false, true) => self.push(
                    "parameter-required",
                    true,
                    true,
                    pointer,
                    format!("the parameter `{name}` became required"),
                ),
                (true, false) => self.push(
                    "parameter-optional",
                    false,
                    true,
                    pointer,
                    format!(
                        "the parameter `{name}` became optional: its argument becomes an `Option`"
                    ),
                ),
                _ => {}
            }
            if old_parameter.get("in") != parameter.get("in") {
                self.push(
                    "parameter-moved",
                    true,
                    false,
                    &join(pointer, "in"),
                    format!(
                        "the parameter `{name}` moved from {} to {}",
                        show_json(old_parameter.get("in")),
                        show_json(parameter.get("in"))
                    ),
                );
            }
            if let (Some(old_schema), Some(new_schema)) =
                (old_parameter.get("schema"), parameter.get("schema"))
            {
                self.schema(
                    &join(old_pointer, "schema"),
                    old_schema,
                    &join(pointer, "schema"),
                    new_schema,
                    REQUEST,
                );
            }
        }
    }

    fn request_body(&mut self, at: &str, old: &Map<String, Json>, new: &Map<String, Json>) {
        let at = join(at, "requestBody");
        let old_body = old.get("requestBody").map(|b| follow(self.old, b));
        let new_body = new.get("requestBody").map(|b| follow(self.new, b));
        let required = |b: &Json| b.get("required").and_then(Json::as_bool) == Some(true);
        match (old_body, new_body) {
            (None, Some(body)) => self.push(
                "request-body-added",
                required(body),
                true,
                &at,
                "a request body was added: the generated method gains an argument".into(),
            ),
            (Some(_), None) => self.push(
                "request-body-removed",
                true,
                true,
                &at,
                "the request body was removed".into(),
            ),
            (Some(old_body), Some(new_body)) => {
                match (required(old_body), required(new_body)) {
                    (false, true) => self.push(
                        "request-body-required",
                        true,
                        true,
                        &at,
                        "the request body became required".into(),
                    ),
                    (true, false) => self.push(
                        "request-body-optional",
                        false,
                        true,
                        &at,
                        "the request body became optional".into(),
                    ),
                    _ => {}
                }
                self.media(&at, old_body, new_body, REQUEST);
            }
            (None, None) => {}
        }
    }

    fn responses(&mut self, at: &str, old: &Map<String, Json>, new: &Map<String, Json>) {
        let at = join(at, "responses");
        let old_responses = object(old.get("responses"));
        let new_responses = object(new.get("responses"));
        for (status, _) in old_responses
            .iter()
            .filter(|(s, _)| !new_responses.contains_key(*s))
        {
            let pointer = join(&at, status);
            if status.starts_with('2') {
                self.push(
                    "success-status-removed",
                    true,
                    true,
                    &pointer,
                    format!("the success status {status} was removed"),
                );
            } else {
                self.push(
                    "error-status-removed",
                    false,
                    true,
                    &pointer,
                    format!("the error status {status} was removed: the server stub's reply enum loses a variant"),
                );
            }
        }
        for (status, response) in new_responses {
            let pointer = join(&at, status);
            let Some(old_response) = old_responses.get(status) else {
                if status.starts_with('2') {
                    self.push(
                        "success-status-added",
                        false,
                        true,
                        &pointer,
                        format!("the success status {status} was added: the client accepts it; the server stub's reply enum gains a variant"),
                    );
                } else {
                    self.push(
                        "error-status-added",
                        false,
                        true,
                        &pointer,
                        format!("the error status {status} was added: it decodes as the error body; the server stub's reply enum gains a variant"),
                    );
                }
                continue;
            };
            let old_response = follow(self.old, old_response);
            let response = follow(self.new, response);
            self.media(&pointer, old_response, response, RESPONSE);
        }
    }

    /// The JSON bodies of a request body or response.
    fn media(&mut self, at: &str, old: &Json, new: &Json, direction: Direction) {
        match (json_schema(old), json_schema(new)) {
            (Some((old_type, old_schema)), Some((new_type, new_schema))) => {
                let old_at = join(&join(&join(at, "content"), &old_type), "schema");
                let new_at = join(&join(&join(at, "content"), &new_type), "schema");
                self.schema(&old_at, old_schema, &new_at, new_schema, direction);
            }
            (Some(_), None) => self.push(
                "body-type-changed",
                true,
                true,
                at,
                "the JSON body was removed".into(),
            ),
            (None, Some(_)) => self.push(
                "body-type-changed",
                direction.request,
                true,
                at,
                "a JSON body was added".into(),
            ),
            (None, None) => {}
        }
    }

    fn components(&mut self) {
        let old_schemas = object(self.old.pointer("/components/schemas"));
        let new_schemas = object(self.new.pointer("/components/schemas"));
        let names: BTreeSet<&String> = old_schemas.keys().chain(new_schemas.keys()).collect();
        for name in names {
            let pointer = format!("/components/schemas/{}", escape(name));
            match (old_schemas.get(name), new_schemas.get(name)) {
                (Some(_), None) => self.push(
                    "schema-removed",
                    false,
                    true,
                    &pointer,
                    format!("the schema `{name}` was removed: its generated type is gone"),
                ),
                (None, Some(_)) => self.push(
                    "schema-added",
                    false,
                    false,
                    &pointer,
                    format!("the schema `{name}` was added"),
                ),
                (Some(old), Some(new)) => {
                    let usage = self.usage.get(name).cloned().unwrap_or_default();
                    // A schema no operation reads is classified as a reply: nothing sends it.
                    let direction = Direction {
                        request: usage.request,
                        response: usage.response || !usage.request,
                    };
                    let before = self.changes.len();
                    self.schema(&pointer, old, &pointer, new, direction);
                    let users = describe_users(&usage.operations);
                    for change in &mut self.changes[before..] {
                        change.message.push_str(&users);
                    }
                }
                (None, None) => {}
            }
        }
    }

    /// Compares two schemas read in `direction`; `$ref`s are compared by target (the target is
    /// compared once, as a component).
    fn schema(&mut self, old_at: &str, old: &Json, new_at: &str, new: &Json, direction: Direction) {
        let target = |s: &Json| s.get("$ref").and_then(Json::as_str).map(str::to_owned);
        match (target(old), target(new)) {
            (Some(a), Some(b)) if a == b => return,
            (None, None) => {}
            (a, b) => {
                let name = |t: Option<String>| {
                    t.map_or("an inline schema".to_owned(), |t| {
                        format!("`{}`", t.trim_start_matches(SCHEMA_PREFIX))
                    })
                };
                return self.push(
                    "body-type-changed",
                    true,
                    true,
                    new_at,
                    format!("the schema changed from {} to {}", name(a), name(b)),
                );
            }
        }
        let (Some(old), Some(new)) = (old.as_object(), new.as_object()) else {
            return;
        };
        self.scalar_facts(new_at, old, new, direction);
        self.enums(new_at, old, new, direction);
        self.constraints(new_at, old, new, direction);
        self.properties(old_at, old, new_at, new, direction);
        for key in ["items"] {
            if let (Some(a), Some(b)) = (old.get(key), new.get(key)) {
                self.schema(&join(old_at, key), a, &join(new_at, key), b, direction);
            }
        }
        self.additional(old_at, old, new_at, new, direction);
        self.unions(old_at, old, new_at, new, direction);
    }

    fn scalar_facts(
        &mut self,
        at: &str,
        old: &Map<String, Json>,
        new: &Map<String, Json>,
        direction: Direction,
    ) {
        for key in ["type", "format"] {
            if old.get(key) != new.get(key) {
                self.push(
                    "type-changed",
                    true,
                    true,
                    &join(at, key),
                    format!(
                        "`{key}` changed from {} to {}",
                        show_json(old.get(key)),
                        show_json(new.get(key))
                    ),
                );
            }
        }
        let nullable =
            |m: &Map<String, Json>| m.get("nullable").and_then(Json::as_bool) == Some(true);
        match (nullable(old), nullable(new)) {
            (false, true) => self.push(
                "nullable-added",
                direction.response,
                true,
                &join(at, "nullable"),
                "the value may now be null".into(),
            ),
            (true, false) => self.push(
                "nullable-removed",
                direction.request,
                true,
                &join(at, "nullable"),
                "the value may no longer be null".into(),
            ),
            _ => {}
        }
    }

    fn enums(
        &mut self,
        at: &str,
        old: &Map<String, Json>,
        new: &Map<String, Json>,
        direction: Direction,
    ) {
        let values = |m: &Map<String, Json>| -> BTreeSet<String> {
            array(m.get("enum")).map(|v| v.to_string()).collect()
        };
        let (old_values, new_values) = (values(old), values(new));
        if old_values.is_empty() && new_values.is_empty() {
            return;
        }
        let at = join(at, "enum");
        for value in new_values.difference(&old_values) {
            self.push(
                "enum-value-added",
                false,
                true,
                &at,
                format!(
                    "the value {value} was added{}: the generated enum gains a variant",
                    if direction.response {
                        " (clients keep unknown values, so an older client still reads it)"
                    } else {
                        ""
                    }
                ),
            );
        }
        for value in old_values.difference(&new_values) {
            self.push(
                "enum-value-removed",
                direction.request,
                true,
                &at,
                format!("the value {value} was removed"),
            );
        }
    }

    fn constraints(
        &mut self,
        at: &str,
        old: &Map<String, Json>,
        new: &Map<String, Json>,
        direction: Direction,
    ) {
        // (keyword, whether a larger value narrows what is accepted)
        const BOUNDS: &[(&str, bool)] = &[
            ("minimum", true),
            ("exclusiveMinimum", true),
            ("minLength", true),
            ("minItems", true),
            ("minProperties", true),
            ("maximum", false),
            ("exclusiveMaximum", false),
            ("maxLength", false),
            ("maxItems", false),
            ("maxProperties", false),
        ];
        for (key, larger_narrows) in BOUNDS {
            let number = |m: &Map<String, Json>| m.get(*key).and_then(Json::as_f64);
            let narrowed = match (number(old), number(new)) {
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(a), Some(b)) if a != b => (b > a) == *larger_narrows,
                _ => continue,
            };
            self.bound_change(at, key, old, new, narrowed, direction);
        }
        if old.get("pattern") != new.get("pattern") {
            let narrowed = new.get("pattern").is_some();
            self.bound_change(at, "pattern", old, new, narrowed, direction);
        }
    }

    fn bound_change(
        &mut self,
        at: &str,
        key: &str,
        old: &Map<String, Json>,
        new: &Map<String, Json>,
        narrowed: bool,
        direction: Direction,
    ) {
        let message = format!(
            "`{key}` changed from {} to {}",
            show_json(old.get(key)),
            show_json(new.get(key))
        );
        if narrowed {
            self.push(
                "constraint-narrowed",
                direction.request,
                false,
                &join(at, key),
                message,
            );
        } else {
            self.push("constraint-widened", false, false, &join(at, key), message);
        }
    }

    fn properties(
        &mut self,
        old_at: &str,
        old: &Map<String, Json>,
        new_at: &str,
        new: &Map<String, Json>,
        direction: Direction,
    ) {
        let required = |m: &Map<String, Json>| -> BTreeSet<String> {
            array(m.get("required"))
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        };
        let (old_required, new_required) = (required(old), required(new));
        let old_properties = object(old.get("properties"));
        let new_properties = object(new.get("properties"));
        for (name, _) in old_properties
            .iter()
            .filter(|(n, _)| !new_properties.contains_key(*n))
        {
            let pointer = join(&join(old_at, "properties"), name);
            self.push(
                "property-removed",
                true,
                true,
                &pointer,
                format!("the property `{name}` was removed"),
            );
        }
        for (name, property) in new_properties {
            let pointer = join(&join(new_at, "properties"), name);
            let is_required = new_required.contains(name);
            let Some(old_property) = old_properties.get(name) else {
                self.push(
                    "property-added",
                    direction.request && is_required,
                    true,
                    &pointer,
                    format!(
                        "the {} property `{name}` was added: the generated struct gains a field",
                        if is_required { "required" } else { "optional" }
                    ),
                );
                continue;
            };
            match (old_required.contains(name), is_required) {
                (false, true) => self.push(
                    "property-required",
                    direction.request,
                    true,
                    &pointer,
                    format!(
                        "the property `{name}` became required: its field is no longer an `Option`"
                    ),
                ),
                (true, false) => self.push(
                    "property-optional",
                    direction.response,
                    true,
                    &pointer,
                    format!("the property `{name}` became optional: its field becomes an `Option`"),
                ),
                _ => {}
            }
            self.schema(
                &join(&join(old_at, "properties"), name),
                old_property,
                &pointer,
                property,
                direction,
            );
        }
    }

    fn additional(
        &mut self,
        old_at: &str,
        old: &Map<String, Json>,
        new_at: &str,
        new: &Map<String, Json>,
        direction: Direction,
    ) {
        let key = "additionalProperties";
        match (old.get(key), new.get(key)) {
            (a, Some(Json::Bool(false))) if a != Some(&Json::Bool(false)) => self.push(
                "additional-properties-closed",
                direction.request,
                true,
                &join(new_at, key),
                "unknown properties are no longer allowed (and no longer kept by the generated type)".into(),
            ),
            (Some(a @ Json::Object(_)), Some(b @ Json::Object(_))) => {
                self.schema(&join(old_at, key), a, &join(new_at, key), b, direction)
            }
            _ => {}
        }
    }

    fn unions(
        &mut self,
        old_at: &str,
        old: &Map<String, Json>,
        new_at: &str,
        new: &Map<String, Json>,
        direction: Direction,
    ) {
        for key in ["oneOf", "anyOf", "allOf"] {
            let members =
                |m: &Map<String, Json>| -> Vec<Json> { array(m.get(key)).cloned().collect() };
            let (old_members, new_members) = (members(old), members(new));
            let by_ref = |list: &[Json]| -> BTreeSet<String> {
                list.iter()
                    .filter_map(|m| m.get("$ref").and_then(Json::as_str).map(str::to_owned))
                    .collect()
            };
            let (old_refs, new_refs) = (by_ref(&old_members), by_ref(&new_members));
            let discriminated = new.contains_key("discriminator");
            let at = join(new_at, key);
            for added in new_refs.difference(&old_refs) {
                let breaking = if key == "allOf" {
                    direction.request
                } else {
                    direction.response && !discriminated
                };
                self.push(
                    "union-member-added",
                    breaking,
                    true,
                    &at,
                    format!(
                        "`{}` was added to `{key}`",
                        added.trim_start_matches(SCHEMA_PREFIX)
                    ),
                );
            }
            for removed in old_refs.difference(&new_refs) {
                let breaking = if key == "allOf" {
                    true
                } else {
                    direction.request
                };
                self.push(
                    "union-member-removed",
                    breaking,
                    true,
                    &at,
                    format!(
                        "`{}` was removed from `{key}`",
                        removed.trim_start_matches(SCHEMA_PREFIX)
                    ),
                );
            }
            // Inline members are compared in place.
            let inline = |list: &[Json]| -> Vec<(usize, Json)> {
                list.iter()
                    .cloned()
                    .enumerate()
                    .filter(|(_, m)| m.get("$ref").is_none())
                    .collect()
            };
            for ((i, a), (j, b)) in inline(&old_members).into_iter().zip(inline(&new_members)) {
                self.schema(
                    &format!("{}/{i}", join(old_at, key)),
                    &a,
                    &format!("{at}/{j}"),
                    &b,
                    direction,
                );
            }
        }
        let mapping = |m: &Map<String, Json>| -> BTreeSet<String> {
            object(m.get("discriminator").and_then(|d| d.get("mapping")))
                .keys()
                .cloned()
                .collect()
        };
        let (old_tags, new_tags) = (mapping(old), mapping(new));
        let at = join(&join(new_at, "discriminator"), "mapping");
        for tag in new_tags.difference(&old_tags) {
            self.push(
                "discriminator-value-added",
                false,
                true,
                &at,
                format!("the tag `{tag}` was added"),
            );
        }
        for tag in old_tags.difference(&new_tags) {
            self.push(
                "discriminator-value-removed",
                direction.request,
                true,
                &at,
                format!("the tag `{tag}` was removed"),
            );
        }
    }
}

/// The media type and schema of the JSON body of a request body or response.
fn json_schema(body: &Json) -> Option<(String, &Json)> {
    let (media_type, media) = object(body.get("content"))
        .iter()
        .find(|(t, _)| t.contains("json"))?;
    Some((media_type.clone(), media.get("schema")?))
}

/// ` (used by GET /a, PUT /b and 3 more)` for a shared schema's changes.
fn describe_users(operations: &BTreeSet<String>) -> String {
    const SHOWN: usize = 3;
    if operations.is_empty() {
        return " (used by no operation)".into();
    }
    let listed: Vec<&str> = operations.iter().take(SHOWN).map(String::as_str).collect();
    let more = operations.len().saturating_sub(SHOWN);
    if more == 0 {
        format!(" (used by {})", listed.join(", "))
    } else {
        format!(" (used by {} and {more} more)", listed.join(", "))
    }
}

fn follow<'a>(document: &'a Json, value: &'a Json) -> &'a Json {
    let mut current = value;
    for _ in 0..16 {
        match current
            .get("$ref")
            .and_then(Json::as_str)
            .filter(|t| !t.starts_with(SCHEMA_PREFIX))
            .and_then(|t| t.strip_prefix('#'))
            .and_then(|p| document.pointer(p))
        {
            Some(next) => current = next,
            None => break,
        }
    }
    current
}

fn object(value: Option<&Json>) -> &Map<String, Json> {
    static EMPTY: LazyLock<Map<String, Json>> = LazyLock::new(Map::new);
    value.and_then(Json::as_object).unwrap_or(&EMPTY)
}

fn array(value: Option<&Json>) -> impl Iterator<Item = &Json> {
    value.and_then(Json::as_array).into_iter().flatten()
}

fn show(value: Option<String>) -> String {
    value.map_or("none".to_owned(), |v| format!("`{v}`"))
}

fn show_json(value: Option<&Json>) -> String {
    value.map_or("none".to_owned(), |v| format!("`{v}`"))
}
