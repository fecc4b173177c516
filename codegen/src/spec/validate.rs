//! Validation of JSON instances (the spec's examples) against OpenAPI 3.0 schemas.
//!
//! Works on the bundle as a JSON tree, so that every error names the schema pointer that
//! rejected the value. Supported: local `$ref`, `type`, `nullable`, `enum`, `required`,
//! `properties`, `additionalProperties`, `items`, `allOf`, `anyOf`, `oneOf` (with
//! `discriminator`), `not`, `pattern` (with `regex-lite`: a pattern it cannot compile is
//! skipped here and reported by lint), and the length/size/range limits. `format` is not
//! checked. Why this is not the `jsonschema` crate (measured): ARCHITECTURE.md, "The
//! generator".

use serde_json::Value as Json;

use super::pointer;

/// Past this depth a schema is taken to be a reference cycle that consumes no input.
const MAX_DEPTH: usize = 128;

/// A validation that visits more schemas than this gives up: a union listing a reference cycle
/// twice (`A: {oneOf: [{$ref: A}, {$ref: A}]}`, which lint reports) would take 2^depth steps to
/// reach [`MAX_DEPTH`] on every branch.
const MAX_STEPS: usize = 100_000;

thread_local! {
    /// Schemas visited by the current [`Validator::validate`] call.
    static STEPS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Why an instance does not match a schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// Where in the instance, as `base/segment/...` (`body/target/type`).
    pub instance_path: String,
    /// The schema (or schema keyword) that rejected it, as a JSON pointer into the document.
    pub schema_pointer: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} (schema {})",
            self.instance_path, self.message, self.schema_pointer
        )
    }
}

/// Validates instances against the schemas of one document.
#[derive(Debug, Clone, Copy)]
pub struct Validator<'a> {
    document: &'a Json,
}

impl<'a> Validator<'a> {
    /// A validator resolving `$ref`s in `document` (the whole bundle, as JSON).
    pub fn new(document: &'a Json) -> Self {
        Validator { document }
    }

    /// Validates `instance` against the schema at `schema_pointer`; `instance_path` names the
    /// instance in errors (e.g. `body`). An empty list means it matches.
    pub fn validate(
        &self,
        schema_pointer: &str,
        instance: &Json,
        instance_path: &str,
    ) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        STEPS.with(|steps| steps.set(0));
        self.check(schema_pointer, instance, instance_path, 0, &mut errors);
        errors
    }

    /// Whether `instance` matches the schema at `schema_pointer`.
    pub fn matches(&self, schema_pointer: &str, instance: &Json) -> bool {
        self.validate(schema_pointer, instance, "").is_empty()
    }

    fn check(
        &self,
        at: &str,
        instance: &Json,
        path: &str,
        depth: usize,
        errors: &mut Vec<ValidationError>,
    ) {
        let mut error = |at: &str, message: String| {
            errors.push(ValidationError {
                instance_path: path.to_owned(),
                schema_pointer: at.to_owned(),
                message,
            })
        };
        if depth > MAX_DEPTH {
            return error(
                at,
                "the schema nests too deeply (a reference cycle?)".into(),
            );
        }
        let steps = STEPS.with(|steps| {
            steps.set(steps.get() + 1);
            steps.get()
        });
        if steps > MAX_STEPS {
            return error(
                at,
                format!("validation gave up after {MAX_STEPS} schemas (a cycle of unions?)"),
            );
        }
        let Some(schema) = pointer::resolve(self.document, at) else {
            return error(at, "the schema does not exist".into());
        };
        let Some(schema) = schema.as_object() else {
            return error(at, "the schema is not an object".into());
        };
        // A reference replaces the whole schema in OpenAPI 3.0 (siblings are ignored).
        if let Some(reference) = schema.get("$ref") {
            return match reference.as_str().and_then(|r| r.strip_prefix('#')) {
                Some(target) => self.check(target, instance, path, depth + 1, errors),
                None => error(at, format!("cannot follow the reference {reference}")),
            };
        }
        let key = |name: &str| pointer::join(at, name);

        if instance.is_null() && schema.get("nullable").and_then(Json::as_bool) == Some(true) {
            return;
        }
        if let Some(expected) = schema.get("type").and_then(Json::as_str) {
            if !has_type(instance, expected) {
                let got = type_name(instance);
                return error(&key("type"), format!("expected {expected}, got {got}"));
            }
        }
        if let Some(Json::Array(values)) = schema.get("enum") {
            if !values.iter().any(|v| same(v, instance)) {
                let allowed: Vec<String> = values.iter().map(Json::to_string).collect();
                error(
                    &key("enum"),
                    format!("{instance} is not one of {}", allowed.join(", ")),
                );
            }
        }
        match instance {
            Json::String(s) => {
                let length = s.chars().count() as f64;
                if let Some(min) = number(schema, "minLength").filter(|min| length < *min) {
                    error(&key("minLength"), format!("shorter than {min} characters"));
                }
                if let Some(max) = number(schema, "maxLength").filter(|max| length > *max) {
                    error(&key("maxLength"), format!("longer than {max} characters"));
                }
                let pattern = schema.get("pattern").and_then(Json::as_str);
                if let Some((pattern, regex)) = pattern.and_then(|p| Some((p, compile(p).ok()?))) {
                    if !regex.is_match(s) {
                        error(
                            &key("pattern"),
                            format!("{instance} does not match `{pattern}`"),
                        );
                    }
                }
            }
            Json::Number(n) => {
                let value = n.as_f64().unwrap_or(f64::NAN);
                let exclusive = |name: &str| schema.get(name).and_then(Json::as_bool) == Some(true);
                if let Some(min) = number(schema, "minimum") {
                    if value < min || (exclusive("exclusiveMinimum") && value == min) {
                        error(&key("minimum"), format!("{n} is below the minimum {min}"));
                    }
                }
                if let Some(max) = number(schema, "maximum") {
                    if value > max || (exclusive("exclusiveMaximum") && value == max) {
                        error(&key("maximum"), format!("{n} is above the maximum {max}"));
                    }
                }
            }
            Json::Array(items) => {
                let count = items.len() as f64;
                if let Some(min) = number(schema, "minItems").filter(|min| count < *min) {
                    error(&key("minItems"), format!("fewer than {min} items"));
                }
                if let Some(max) = number(schema, "maxItems").filter(|max| count > *max) {
                    error(&key("maxItems"), format!("more than {max} items"));
                }
                if schema.get("uniqueItems").and_then(Json::as_bool) == Some(true) {
                    let duplicate = items
                        .iter()
                        .enumerate()
                        .any(|(i, a)| items[..i].iter().any(|b| same(a, b)));
                    if duplicate {
                        error(&key("uniqueItems"), "the items are not unique".into());
                    }
                }
                if schema.contains_key("items") {
                    for (index, item) in items.iter().enumerate() {
                        self.check(
                            &key("items"),
                            item,
                            &format!("{path}/{index}"),
                            depth + 1,
                            errors,
                        );
                    }
                }
            }
            Json::Object(object) => self.check_object(at, schema, object, path, depth, errors),
            Json::Null | Json::Bool(_) => {}
        }
        self.check_combinators(at, schema, instance, path, depth, errors);
    }

    fn check_object(
        &self,
        at: &str,
        schema: &serde_json::Map<String, Json>,
        object: &serde_json::Map<String, Json>,
        path: &str,
        depth: usize,
        errors: &mut Vec<ValidationError>,
    ) {
        let key = |name: &str| pointer::join(at, name);
        let mut error = |at: String, message: String| {
            errors.push(ValidationError {
                instance_path: path.to_owned(),
                schema_pointer: at,
                message,
            })
        };
        if let Some(Json::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Json::as_str) {
                if !object.contains_key(name) {
                    error(
                        key("required"),
                        format!("the required property `{name}` is missing"),
                    );
                }
            }
        }
        let count = object.len() as f64;
        if let Some(min) = number(schema, "minProperties").filter(|min| count < *min) {
            error(key("minProperties"), format!("fewer than {min} properties"));
        }
        if let Some(max) = number(schema, "maxProperties").filter(|max| count > *max) {
            error(key("maxProperties"), format!("more than {max} properties"));
        }
        let properties = schema.get("properties").and_then(Json::as_object);
        let additional = schema.get("additionalProperties");
        for (name, value) in object {
            let child = format!("{path}/{name}");
            if properties.is_some_and(|p| p.contains_key(name)) {
                let at = pointer::join(&key("properties"), name);
                self.check(&at, value, &child, depth + 1, errors);
                continue;
            }
            match additional {
                Some(Json::Bool(false)) => errors.push(ValidationError {
                    instance_path: child,
                    schema_pointer: key("additionalProperties"),
                    message: format!("the property `{name}` is not allowed"),
                }),
                Some(Json::Object(_)) => self.check(
                    &key("additionalProperties"),
                    value,
                    &child,
                    depth + 1,
                    errors,
                ),
                _ => {}
            }
        }
    }

    fn check_combinators(
        &self,
        at: &str,
        schema: &serde_json::Map<String, Json>,
        instance: &Json,
        path: &str,
        depth: usize,
        errors: &mut Vec<ValidationError>,
    ) {
        let key = |name: &str| pointer::join(at, name);
        let members = |name: &str| -> Vec<String> {
            match schema.get(name) {
                Some(Json::Array(list)) => (0..list.len())
                    .map(|i| format!("{}/{i}", key(name)))
                    .collect(),
                _ => Vec::new(),
            }
        };
        for member in members("allOf") {
            self.check(&member, instance, path, depth + 1, errors);
        }
        let any_of = members("anyOf");
        if !any_of.is_empty() {
            let mut first = None;
            let matched = any_of.iter().any(|member| {
                let found = self.validate_at(member, instance, path, depth + 1);
                let ok = found.is_empty();
                first.get_or_insert(found);
                ok
            });
            if !matched {
                let detail = first
                    .and_then(|f| f.into_iter().next())
                    .map(|e| format!(" (first: {e})"))
                    .unwrap_or_default();
                errors.push(ValidationError {
                    instance_path: path.to_owned(),
                    schema_pointer: key("anyOf"),
                    message: format!("matches none of the {} anyOf schemas{detail}", any_of.len()),
                });
            }
        }
        let one_of = members("oneOf");
        if !one_of.is_empty() {
            match schema.get("discriminator").and_then(Json::as_object) {
                Some(discriminator) => self.check_discriminated(
                    at,
                    schema,
                    discriminator,
                    instance,
                    path,
                    depth,
                    errors,
                ),
                None => {
                    let matching: Vec<usize> = one_of
                        .iter()
                        .enumerate()
                        .filter(|(_, member)| {
                            self.validate_at(member, instance, path, depth + 1)
                                .is_empty()
                        })
                        .map(|(i, _)| i)
                        .collect();
                    if matching.len() != 1 {
                        let which = if matching.is_empty() {
                            "none".to_owned()
                        } else {
                            format!(
                                "{} (#{})",
                                matching.len(),
                                matching
                                    .iter()
                                    .map(usize::to_string)
                                    .collect::<Vec<_>>()
                                    .join(", #")
                            )
                        };
                        errors.push(ValidationError {
                            instance_path: path.to_owned(),
                            schema_pointer: key("oneOf"),
                            message: format!(
                                "must match exactly one of the {} oneOf schemas, matches {which}",
                                one_of.len()
                            ),
                        });
                    }
                }
            }
        }
        if schema.contains_key("not")
            && self
                .validate_at(&key("not"), instance, path, depth + 1)
                .is_empty()
        {
            errors.push(ValidationError {
                instance_path: path.to_owned(),
                schema_pointer: key("not"),
                message: "matches the schema under `not`".into(),
            });
        }
    }

    /// `oneOf` with a discriminator: the tag picks the member (through `mapping`, else by the
    /// name of the referenced schema), and only that member is checked.
    #[allow(clippy::too_many_arguments)]
    fn check_discriminated(
        &self,
        at: &str,
        schema: &serde_json::Map<String, Json>,
        discriminator: &serde_json::Map<String, Json>,
        instance: &Json,
        path: &str,
        depth: usize,
        errors: &mut Vec<ValidationError>,
    ) {
        let key = pointer::join(at, "discriminator");
        let mut error = |instance_path: String, message: String| {
            errors.push(ValidationError {
                instance_path,
                schema_pointer: key.clone(),
                message,
            })
        };
        let Some(property) = discriminator.get("propertyName").and_then(Json::as_str) else {
            return error(
                path.to_owned(),
                "the discriminator has no `propertyName`".into(),
            );
        };
        let Some(object) = instance.as_object() else {
            return error(
                path.to_owned(),
                format!("expected an object with the tag `{property}`"),
            );
        };
        let Some(tag) = object.get(property).and_then(Json::as_str) else {
            return error(
                path.to_owned(),
                format!("the tag property `{property}` is missing or not a string"),
            );
        };
        let refs: Vec<&str> = schema
            .get("oneOf")
            .and_then(Json::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|m| m.get("$ref").and_then(Json::as_str))
                    .collect()
            })
            .unwrap_or_default();
        let mapped = discriminator
            .get("mapping")
            .and_then(|m| m.get(tag))
            .and_then(Json::as_str);
        let target = mapped.or_else(|| {
            refs.iter()
                .copied()
                .find(|r| r.rsplit('/').next() == Some(tag))
        });
        let Some(target) = target else {
            let mut known: Vec<String> =
                match discriminator.get("mapping").and_then(Json::as_object) {
                    Some(mapping) => mapping.keys().cloned().collect(),
                    None => refs
                        .iter()
                        .filter_map(|r| r.rsplit('/').next())
                        .map(str::to_owned)
                        .collect(),
                };
            known.sort();
            return error(
                format!("{path}/{property}"),
                format!("unknown tag `{tag}` (known: {})", known.join(", ")),
            );
        };
        match target.strip_prefix('#') {
            Some(target) => self.check(target, instance, path, depth + 1, errors),
            None => error(
                path.to_owned(),
                format!("cannot follow the mapping target `{target}`"),
            ),
        }
    }

    fn validate_at(
        &self,
        at: &str,
        instance: &Json,
        path: &str,
        depth: usize,
    ) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        self.check(at, instance, path, depth, &mut errors);
        errors
    }
}

/// Compiles a schema `pattern` (unanchored, as in JSON Schema).
pub fn compile(pattern: &str) -> Result<regex_lite::Regex, regex_lite::Error> {
    regex_lite::Regex::new(pattern)
}

/// JSON equality, except that numbers compare by value (`1` equals `1.0`).
fn same(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn number(schema: &serde_json::Map<String, Json>, name: &str) -> Option<f64> {
    schema.get(name).and_then(Json::as_f64)
}

fn has_type(instance: &Json, expected: &str) -> bool {
    match expected {
        "string" => instance.is_string(),
        "number" => instance.is_number(),
        "integer" => match instance {
            Json::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        "boolean" => instance.is_boolean(),
        "array" => instance.is_array(),
        "object" => instance.is_object(),
        // An unknown type name is the spec's problem, reported by lint; accept here.
        _ => true,
    }
}

fn type_name(instance: &Json) -> &'static str {
    match instance {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_union_of_a_cycle_twice_gives_up_instead_of_taking_2_to_the_depth_steps() {
        let document = json!({"components": {"schemas": {
            "A": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/A"}]}
        }}});
        // Without the step bound this would not return: 2^128 branches.
        let errors = Validator::new(&document).validate("/components/schemas/A", &json!(1), "x");
        let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            ["must match exactly one of the 2 oneOf schemas, matches none"]
        );
    }

    fn document() -> Json {
        json!({"components": {"schemas": {
            "Name": {"type": "string", "minLength": 1, "maxLength": 3},
            "Time": {"type": "string", "pattern": "^[0-9]{1,2}:[0-9]{2}$"},
            "Word": {"type": "string", "pattern": "\\S"},
            "Odd": {"type": "string", "pattern": "(?<=a)b"},
            "Count": {"type": "integer", "minimum": 0, "maximum": 10, "exclusiveMaximum": true},
            "Ratio": {"type": "number", "nullable": true},
            "Flag": {"type": "boolean"},
            "Mode": {"type": "string", "enum": ["a", "b"]},
            "Tags": {"type": "array", "items": {"$ref": "#/components/schemas/Name"}, "minItems": 1, "maxItems": 2, "uniqueItems": true},
            "Strict": {"type": "object", "required": ["name"], "additionalProperties": false,
                       "properties": {"name": {"$ref": "#/components/schemas/Name"}, "count": {"$ref": "#/components/schemas/Count"}}},
            "Map": {"type": "object", "additionalProperties": {"type": "integer"}, "maxProperties": 2},
            "Open": {"type": "object", "properties": {"a": {"type": "string"}}},
            "Both": {"allOf": [{"$ref": "#/components/schemas/Open"}, {"required": ["b"]}]},
            "Either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
            "One": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
            "Rsync": {"type": "object", "required": ["type", "host"], "properties": {"type": {"type": "string"}, "host": {"type": "string"}}},
            "Smb": {"type": "object", "required": ["type", "share"], "properties": {"type": {"type": "string"}, "share": {"type": "string"}}},
            "Target": {"oneOf": [{"$ref": "#/components/schemas/Rsync"}, {"$ref": "#/components/schemas/Smb"}],
                       "discriminator": {"propertyName": "type", "mapping": {"rsync": "#/components/schemas/Rsync", "smb": "#/components/schemas/Smb"}}},
            "ByName": {"oneOf": [{"$ref": "#/components/schemas/Rsync"}, {"$ref": "#/components/schemas/Smb"}],
                       "discriminator": {"propertyName": "type"}},
            "Policy": {"type": "object", "properties": {"target": {"$ref": "#/components/schemas/Target"}}},
            "NotString": {"not": {"type": "string"}},
            "Loop": {"$ref": "#/components/schemas/Loop"},
            "Dangling": {"$ref": "#/components/schemas/Nowhere"},
        }}})
    }

    fn check(schema: &str, instance: Json) -> Vec<String> {
        let document = document();
        Validator::new(&document)
            .validate(&format!("/components/schemas/{schema}"), &instance, "body")
            .iter()
            .map(|e| {
                format!(
                    "{} @ {}: {}",
                    e.instance_path,
                    e.schema_pointer.replace("/components/schemas/", ""),
                    e.message
                )
            })
            .collect()
    }

    #[test]
    fn types() {
        assert!(check("Name", json!("ab")).is_empty());
        assert_eq!(
            check("Name", json!(5)),
            ["body @ Name/type: expected string, got integer"]
        );
        assert!(check("Count", json!(3)).is_empty());
        assert!(check("Count", json!(3.0)).is_empty());
        assert_eq!(
            check("Count", json!(3.5)),
            ["body @ Count/type: expected integer, got number"]
        );
        assert_eq!(
            check("Count", json!("3")),
            ["body @ Count/type: expected integer, got string"]
        );
        assert!(check("Ratio", json!(0.5)).is_empty());
        assert!(check("Flag", json!(true)).is_empty());
        assert_eq!(
            check("Flag", json!("true")),
            ["body @ Flag/type: expected boolean, got string"]
        );
        assert_eq!(
            check("Tags", json!({})),
            ["body @ Tags/type: expected array, got object"]
        );
        assert_eq!(
            check("Strict", json!([])),
            ["body @ Strict/type: expected object, got array"]
        );
    }

    #[test]
    fn nullable() {
        assert!(check("Ratio", json!(null)).is_empty());
        assert_eq!(
            check("Name", json!(null)),
            ["body @ Name/type: expected string, got null"]
        );
    }

    #[test]
    fn enums() {
        assert!(check("Mode", json!("b")).is_empty());
        assert_eq!(
            check("Mode", json!("c")),
            [r#"body @ Mode/enum: "c" is not one of "a", "b""#]
        );
    }

    #[test]
    fn limits() {
        assert_eq!(
            check("Name", json!("")),
            ["body @ Name/minLength: shorter than 1 characters"]
        );
        assert_eq!(
            check("Name", json!("abcd")),
            ["body @ Name/maxLength: longer than 3 characters"]
        );
        assert_eq!(
            check("Count", json!(-1)),
            ["body @ Count/minimum: -1 is below the minimum 0"]
        );
        assert_eq!(
            check("Count", json!(10)),
            ["body @ Count/maximum: 10 is above the maximum 10"]
        );
        assert_eq!(
            check("Tags", json!([])),
            ["body @ Tags/minItems: fewer than 1 items"]
        );
        assert_eq!(
            check("Tags", json!(["a", "b", "c"])),
            ["body @ Tags/maxItems: more than 2 items"]
        );
        assert_eq!(
            check("Tags", json!(["a", "a"])),
            ["body @ Tags/uniqueItems: the items are not unique"]
        );
        assert_eq!(
            check("Map", json!({"a": 1, "b": 2, "c": 3})),
            ["body @ Map/maxProperties: more than 2 properties"]
        );
    }

    #[test]
    fn patterns_are_unanchored_and_uncompilable_ones_skipped() {
        assert!(check("Time", json!("7:05")).is_empty());
        assert_eq!(
            check("Time", json!("7:5")),
            [r#"body @ Time/pattern: "7:5" does not match `^[0-9]{1,2}:[0-9]{2}$`"#]
        );
        assert!(check("Word", json!("  x ")).is_empty());
        assert_eq!(
            check("Word", json!("   ")),
            [r#"body @ Word/pattern: "   " does not match `\S`"#]
        );
        // Look-behind is ECMA syntax regex-lite lacks: lint reports the pattern instead.
        assert!(compile("(?<=a)b").is_err());
        assert!(check("Odd", json!("zzz")).is_empty());
    }

    #[test]
    fn items_follow_references_and_name_the_index() {
        assert!(check("Tags", json!(["a", "bc"])).is_empty());
        assert_eq!(
            check("Tags", json!(["a", 7])),
            ["body/1 @ Name/type: expected string, got integer"]
        );
    }

    #[test]
    fn objects() {
        assert!(check("Strict", json!({"name": "x", "count": 2})).is_empty());
        assert_eq!(
            check("Strict", json!({"count": 2})),
            ["body @ Strict/required: the required property `name` is missing"]
        );
        assert_eq!(
            check("Strict", json!({"name": "x", "extra": 1})),
            ["body/extra @ Strict/additionalProperties: the property `extra` is not allowed"]
        );
        assert_eq!(
            check("Strict", json!({"name": "x", "count": -2})),
            ["body/count @ Count/minimum: -2 is below the minimum 0"]
        );
        assert!(check("Map", json!({"a": 1})).is_empty());
        assert_eq!(
            check("Map", json!({"a": "1"})),
            ["body/a @ Map/additionalProperties/type: expected integer, got string"]
        );
        // Without `additionalProperties`, unknown properties are fine.
        assert!(check("Open", json!({"a": "x", "z": [1]})).is_empty());
    }

    #[test]
    fn all_of_and_any_of() {
        assert!(check("Both", json!({"a": "x", "b": 1})).is_empty());
        assert_eq!(
            check("Both", json!({"a": 1, "b": 1})),
            ["body/a @ Open/properties/a/type: expected string, got integer"]
        );
        assert_eq!(
            check("Both", json!({"a": "x"})),
            ["body @ Both/allOf/1/required: the required property `b` is missing"]
        );
        assert!(check("Either", json!("x")).is_empty());
        assert!(check("Either", json!(3)).is_empty());
        assert_eq!(
            check("Either", json!(true)),
            ["body @ Either/anyOf: matches none of the 2 anyOf schemas (first: body: expected string, got boolean (schema /components/schemas/Either/anyOf/0/type))"]
        );
    }

    #[test]
    fn one_of_without_discriminator_needs_exactly_one() {
        assert!(check("One", json!(1.5)).is_empty());
        assert_eq!(check("One", json!(1)), ["body @ One/oneOf: must match exactly one of the 2 oneOf schemas, matches 2 (#0, #1)"]);
        assert_eq!(
            check("One", json!("x")),
            ["body @ One/oneOf: must match exactly one of the 2 oneOf schemas, matches none"]
        );
    }

    #[test]
    fn one_of_with_discriminator_picks_by_tag() {
        assert!(check("Policy", json!({"target": {"type": "rsync", "host": "h"}})).is_empty());
        assert_eq!(
            check("Policy", json!({"target": {"type": "smb", "host": "h"}})),
            ["body/target @ Smb/required: the required property `share` is missing"]
        );
        assert_eq!(
            check("Policy", json!({"target": {"type": "nfs"}})),
            ["body/target/type @ Target/discriminator: unknown tag `nfs` (known: rsync, smb)"]
        );
        assert_eq!(
            check("Target", json!({"host": "h"})),
            ["body @ Target/discriminator: the tag property `type` is missing or not a string"]
        );
        // Without a mapping, the tag is the referenced schema's name.
        assert!(check("ByName", json!({"type": "Smb", "share": "s"})).is_empty());
        assert_eq!(
            check("ByName", json!({"type": "smb"})),
            ["body/type @ ByName/discriminator: unknown tag `smb` (known: Rsync, Smb)"]
        );
    }

    #[test]
    fn not_and_broken_schemas() {
        assert!(check("NotString", json!(1)).is_empty());
        assert_eq!(
            check("NotString", json!("x")),
            ["body @ NotString/not: matches the schema under `not`"]
        );
        assert_eq!(
            check("Dangling", json!(1)),
            ["body @ Nowhere: the schema does not exist"]
        );
        assert_eq!(
            check("Loop", json!(1)),
            ["body @ Loop: the schema nests too deeply (a reference cycle?)"]
        );
        let document = document();
        let validator = Validator::new(&document);
        assert!(validator.matches("/components/schemas/Name", &json!("x")));
        assert!(!validator.matches("/components/schemas/Name", &json!(1)));
    }
}
