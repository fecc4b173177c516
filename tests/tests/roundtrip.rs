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

fn model() -> Model {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let spec = match codegen::spec::load_dir(&dir) {
        Ok(spec) => spec,
        Err(errors) => panic!("spec/ does not load: {errors:?}"),
    };
    match codegen::model::lower(&spec) {
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
