//! The real spec: it loads, lints clean, and every example matches its schema.

use std::path::PathBuf;

use codegen::spec::{self, pointer, validate::Validator, Spec};
use serde_json::Value;

fn load() -> Spec {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec");
    match spec::load_dir(&dir) {
        Ok(spec) => spec,
        Err(errors) => {
            let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
            panic!("spec/ does not load:\n{}", listed.join("\n"));
        }
    }
}

#[test]
fn the_spec_lints_clean() {
    let diagnostics: Vec<String> = spec::lint(&load())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        diagnostics.is_empty(),
        "cargo xtask lint would fail:\n{}",
        diagnostics.join("\n")
    );
}

#[test]
fn there_are_many_examples_and_each_matches_its_schema() {
    let spec = load();
    let examples = spec::examples(&spec);
    assert!(
        examples.len() > 20,
        "only {} examples in spec/",
        examples.len()
    );

    // Check each one directly too, not only through lint's report.
    let mut unsupported = Vec::new();
    let document = pointer::to_json(&spec.document, "", &mut unsupported);
    assert!(unsupported.is_empty(), "{unsupported:?}");
    let validator = Validator::new(&document);
    let mut failures = Vec::new();
    for example in &examples {
        assert!(
            pointer::resolve(&document, &example.pointer).is_some(),
            "{} is not in the bundle",
            example.pointer
        );
        for error in validator.validate(&example.schema, &example.value, "example") {
            failures.push(format!("{}: {error}", example.pointer));
        }
    }
    assert!(
        failures.is_empty(),
        "examples that do not match their schema:\n{}",
        failures.join("\n")
    );

    // And lint reports none of them.
    let about_examples: Vec<String> = spec::lint(&spec)
        .iter()
        .filter(|d| d.message.contains("example"))
        .map(ToString::to_string)
        .collect();
    assert!(about_examples.is_empty(), "{}", about_examples.join("\n"));
}

#[test]
fn broken_examples_would_be_caught() {
    // Guards against a validator that accepts everything: every object example whose schema
    // lists required properties must fail once those properties are taken out.
    let spec = load();
    let mut unsupported = Vec::new();
    let document = pointer::to_json(&spec.document, "", &mut unsupported);
    let validator = Validator::new(&document);
    let mut broken = 0;
    for example in spec::examples(&spec) {
        let Value::Object(mut object) = example.value.clone() else {
            continue;
        };
        let required = required_of(&document, &example.schema);
        if required.is_empty() {
            continue;
        }
        object.retain(|key, _| !required.contains(key));
        let errors = validator.validate(&example.schema, &Value::Object(object), "example");
        assert!(
            !errors.is_empty(),
            "{} still validates without {required:?}",
            example.pointer
        );
        broken += 1;
    }
    assert!(broken > 10, "only {broken} examples could be broken");
}

/// The `required` list of the schema at `at`, following `$ref`s.
fn required_of(document: &Value, at: &str) -> Vec<String> {
    let mut schema = pointer::resolve(document, at);
    for _ in 0..16 {
        let next = schema
            .and_then(|s| s.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'));
        match next {
            Some(target) => schema = pointer::resolve(document, target),
            None => break,
        }
    }
    let list = schema
        .and_then(|s| s.get("required"))
        .and_then(Value::as_array);
    list.map(|l| {
        l.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
}
