//! Serde round trips through `sps-types`: every example of the real spec decodes into its type
//! and encodes back to equal JSON; payloads from a newer appliance (extra fields, unknown enum
//! values, unknown tags) survive unchanged.
//!
//! The types are looked up by name through the generated `sps_types::__roundtrip`, and the
//! example -> type map comes from the generator's model, so a stale `generated-types/` shows up
//! here as a missing type (run `cargo xtask gen`).

use std::path::PathBuf;

use codegen::model::{Extra, Model, TypeKind, TypeRef};
use serde_json::{json, Value};

fn spec() -> codegen::spec::Spec {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec");
    match codegen::spec::load_dir(&dir) {
        Ok(spec) => spec,
        Err(errors) => panic!("spec/ does not load: {errors:?}"),
    }
}

fn model() -> Model {
    match codegen::model::lower(&spec()) {
        Ok(model) => model,
        Err(errors) => panic!("spec/ does not lower: {errors:?}"),
    }
}

/// Decodes and re-encodes `value` as `type_ref`; `Ok(None)` for built-in types (nothing of ours
/// to test).
fn roundtrip(type_ref: &TypeRef, value: &Value) -> Result<Option<Value>, String> {
    match (type_ref, value) {
        (TypeRef::Named(name), _) => match sps_types::__roundtrip(name, value.clone()) {
            Some(result) => result.map(Some),
            None => Err(format!(
                "sps-types has no type `{name}`: generated-types is stale, run `cargo xtask gen`"
            )),
        },
        (TypeRef::Array(item), Value::Array(items)) => {
            let mut out = Vec::new();
            for item_value in items {
                match roundtrip(item, item_value)? {
                    Some(encoded) => out.push(encoded),
                    None => return Ok(None),
                }
            }
            Ok(Some(Value::Array(out)))
        }
        (TypeRef::Map(inner), Value::Object(entries)) => {
            let mut out = serde_json::Map::new();
            for (key, entry) in entries {
                match roundtrip(inner, entry)? {
                    Some(encoded) => out.insert(key.clone(), encoded),
                    None => return Ok(None),
                };
            }
            Ok(Some(Value::Object(out)))
        }
        (TypeRef::Array(_) | TypeRef::Map(_), _) => Err(format!("{value} is not a {type_ref:?}")),
        _ => Ok(None),
    }
}

/// JSON equality: objects compare regardless of key order (serde_json's `Map` already does),
/// and numbers by value - JSON has one number type, so `0` written back as `0.0` by an `f64`
/// field is the same number.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || matches!((x.as_f64(), y.as_f64()), (Some(x), Some(y)) if x == y)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn json_numbers_compare_by_value() {
    assert!(same_json(
        &json!({"a": [0, 1.5]}),
        &json!({"a": [0.0, 1.5]})
    ));
    assert!(!same_json(&json!({"a": 1}), &json!({"a": 2})));
    assert!(!same_json(&json!({"a": 1}), &json!({"a": 1, "b": 1})));
    assert!(!same_json(&json!([1]), &json!(["1"])));
}

#[test]
fn every_example_round_trips_through_its_type() {
    let model = model();
    let mut checked = 0;
    let mut failures = Vec::new();
    for example in &model.examples {
        match roundtrip(&example.type_ref, &example.value) {
            Ok(Some(encoded)) if same_json(&encoded, &example.value) => checked += 1,
            Ok(Some(encoded)) => failures.push(format!(
                "{}: encodes differently\n  in:  {}\n  out: {encoded}",
                example.pointer, example.value
            )),
            Ok(None) => {}
            Err(e) => failures.push(format!("{}: {e}", example.pointer)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} example(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked > 20, "only {checked} examples were checked");
}

#[test]
fn extra_fields_survive_in_every_open_object() {
    let model = model();
    let mut checked = 0;
    let mut failures = Vec::new();
    for example in &model.examples {
        let TypeRef::Named(name) = &example.type_ref else {
            continue;
        };
        let open = matches!(
            model.type_def(name).map(|t| &t.kind),
            Some(TypeKind::Struct(s)) if s.extra == Extra::Keep
        );
        let Value::Object(fields) = &example.value else {
            continue;
        };
        if !open {
            continue;
        }
        let mut wider = fields.clone();
        wider.insert(
            "x_added_in_a_later_version".into(),
            json!({"nested": [1, "two", null]}),
        );
        let wider = Value::Object(wider);
        match roundtrip(&example.type_ref, &wider) {
            Ok(Some(encoded)) if same_json(&encoded, &wider) => checked += 1,
            other => failures.push(format!("{} as {name}: {other:?}", example.pointer)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 5, "only {checked} open objects were checked");
}

#[test]
fn unknown_enum_values_and_tags_survive() {
    let model = model();
    let mut enums = 0;
    let mut unions = 0;
    for def in &model.types {
        let named = TypeRef::Named(def.name.clone());
        match &def.kind {
            TypeKind::StringEnum(_) => {
                let value = json!("a-value-from-a-later-version");
                assert_eq!(roundtrip(&named, &value), Ok(Some(value)), "{}", def.name);
                enums += 1;
            }
            TypeKind::Tagged(tagged) => {
                let value = json!({
                    tagged.tag.clone(): "a-tag-from-a-later-version",
                    "value": {"anything": true},
                    "more": [1, 2]
                });
                assert_eq!(roundtrip(&named, &value), Ok(Some(value)), "{}", def.name);
                unions += 1;
            }
            _ => {}
        }
    }
    assert!(
        enums > 0 && unions > 0,
        "{enums} string enums, {unions} tagged unions"
    );
}

#[test]
fn known_tags_decode_into_their_variants() {
    // Hand-written payloads against the real types, read the way a user would.
    let address: sps_types::ServerAddress =
        serde_json::from_value(json!({"selection": "fqdn", "value": "backup.example.com"}))
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        address,
        sps_types::ServerAddress::Fqdn("backup.example.com".into())
    );

    let reference: sps_types::Reference = "ab12cd34".into();
    assert_eq!(
        serde_json::to_value(&reference).ok(),
        Some(json!("ab12cd34"))
    );

    let error: sps_types::ErrorResponse = serde_json::from_value(json!({
        "error": {"type": "SomethingNew", "message": "m", "details": {}},
        "meta": {"href": "/api/x", "parent": "/api"}
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        error.error.r#type,
        sps_types::ErrorType::Unknown("SomethingNew".into())
    );
}

/// The bundle as JSON, for reading the schemas and extensions the model does not keep.
fn bundle() -> Value {
    let mut unsupported = Vec::new();
    let document = codegen::spec::pointer::to_json(&spec().document, "", &mut unsupported);
    assert!(unsupported.is_empty(), "{unsupported:?}");
    document
}

#[test]
fn every_published_sample_validates_and_round_trips() {
    // Published samples are the response examples carrying `x-sps-source` (spec/README.md,
    // "Tolerant reading"): what some SPS version was documented to send.
    let model = model();
    let document = bundle();
    let validator = codegen::spec::validate::Validator::new(&document);
    let mut checked = Vec::new();
    let mut failures = Vec::new();
    for example in &model.examples {
        let example_at = example.pointer.trim_end_matches("/value");
        let Some(source) = document.pointer(&format!("{example_at}/x-sps-source")) else {
            continue;
        };
        let schema_at = format!(
            "{}/schema",
            example_at.rsplitn(3, '/').nth(2).expect("examples/<name>")
        );
        for error in validator.validate(&schema_at, &example.value, "sample") {
            failures.push(format!("{example_at}: {error}"));
        }
        match roundtrip(&example.type_ref, &example.value) {
            Ok(Some(encoded)) if same_json(&encoded, &example.value) => {}
            other => failures.push(format!("{example_at} ({source}): {other:?}")),
        }
        checked.push(example_at.to_owned());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // 30 samples the reference-guide inventory prints for operations of the spec, and 6 more
    // error and outcome samples of the firmware test page; fewer means a sample was lost.
    assert!(
        checked.len() >= 36,
        "only {} published samples: {checked:#?}",
        checked.len()
    );
}

/// The smallest value `schema` allows: required properties only, the first enum value, empty
/// arrays and maps. A union gives one value per member.
fn minimal(document: &Value, schema: &Value, depth: usize) -> Vec<Value> {
    assert!(depth < 32, "minimal: schema nesting too deep");
    let schema = follow(document, schema);
    for union in ["oneOf", "anyOf"] {
        if let Some(Value::Array(members)) = schema.get(union) {
            return members
                .iter()
                .flat_map(|m| minimal(document, m, depth + 1))
                .collect();
        }
    }
    if let Some(Value::Array(parts)) = schema.get("allOf") {
        let mut merged = serde_json::Map::new();
        for part in parts {
            match minimal(document, part, depth + 1).into_iter().next() {
                Some(Value::Object(fields)) => merged.extend(fields),
                Some(other) if parts.len() == 1 => return vec![other],
                _ => {}
            }
        }
        return vec![Value::Object(merged)];
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        return values.first().cloned().into_iter().collect();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | None if schema.get("properties").is_some() => {
            let properties = &schema["properties"];
            let mut object = serde_json::Map::new();
            for name in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let property = properties.get(name).unwrap_or(&Value::Null);
                let value = minimal(document, property, depth + 1)
                    .into_iter()
                    .next()
                    .unwrap_or(Value::Null);
                object.insert(name.to_owned(), value);
            }
            vec![Value::Object(object)]
        }
        Some("object") => vec![json!({})],
        Some("array") => vec![json!([])],
        Some("string") => vec![json!("1")],
        Some("integer") => vec![schema.get("minimum").cloned().unwrap_or(json!(0))],
        Some("number") => vec![json!(0.5)],
        Some("boolean") => vec![json!(false)],
        _ => vec![json!({})],
    }
}

fn follow<'a>(document: &'a Value, mut schema: &'a Value) -> &'a Value {
    while let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        schema = document
            .pointer(target.trim_start_matches('#'))
            .unwrap_or_else(|| panic!("unresolved {target}"));
    }
    schema
}

#[test]
fn a_reply_with_only_its_guaranteed_properties_decodes() {
    // Property-style: for every success reply of every operation, each smallest reply the
    // schema allows (one per union member) matches the schema and decodes into the type the
    // generated client returns for it.
    let model = model();
    let document = bundle();
    let validator = codegen::spec::validate::Validator::new(&document);
    let mut checked = 0;
    let mut failures = Vec::new();
    for op in &model.operations {
        let operation_at = format!(
            "/paths/{}/{}",
            op.path.replace('~', "~0").replace('/', "~1"),
            op.method.as_str().to_lowercase()
        );
        for response in op.responses.iter().filter(|r| r.status.is_success()) {
            let (Some(type_ref), Some(content_type)) = (&response.body, &response.content_type)
            else {
                continue;
            };
            let codegen::model::Status::Code(status) = response.status else {
                continue;
            };
            let response_at = format!("{operation_at}/responses/{status}");
            let resolved = resolve_response(&document, &response_at);
            let schema_at = format!(
                "{}/content/{}/schema",
                resolved,
                content_type.replace('/', "~1")
            );
            let schema = document
                .pointer(&schema_at)
                .unwrap_or_else(|| panic!("{schema_at} is not in the bundle"));
            for value in minimal(&document, schema, 0) {
                for error in validator.validate(&schema_at, &value, "reply") {
                    failures.push(format!(
                        "{} {status}: {value} does not match: {error}",
                        op.id
                    ));
                }
                match roundtrip(type_ref, &value) {
                    Ok(_) => checked += 1,
                    Err(e) => failures.push(format!("{} {status}: {value}: {e}", op.id)),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked >= model.operations.len(),
        "only {checked} replies checked"
    );
}

/// The pointer of a response object, following a `$ref` to a shared response.
fn resolve_response(document: &Value, response_at: &str) -> String {
    match document
        .pointer(response_at)
        .and_then(|r| r.get("$ref"))
        .and_then(Value::as_str)
    {
        Some(target) => target.trim_start_matches('#').to_owned(),
        None => response_at.to_owned(),
    }
}
