//! The real spec: it loads, lints clean, and every example matches its schema.

use std::path::PathBuf;

use codegen::spec::{self, pointer, validate::Validator, Spec};

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
fn a_broken_example_would_be_caught() {
    // Guards against a validator that accepts everything: break the first object example that
    // has a required property, and the check must notice.
    let spec = load();
    let mut unsupported = Vec::new();
    let document = pointer::to_json(&spec.document, "", &mut unsupported);
    let validator = Validator::new(&document);
    let broken = spec::examples(&spec).into_iter().find_map(|example| {
        let serde_json::Value::Object(mut object) = example.value.clone() else {
            return None;
        };
        let before = object.len();
        object.retain(|key, _| key != "meta" && key != "key" && key != "body" && key != "items");
        (object.len() < before).then(|| (example, serde_json::Value::Object(object)))
    });
    let (example, value) = broken.expect("an example with an envelope (key/body/meta/items)");
    assert!(
        !validator
            .validate(&example.schema, &value, "example")
            .is_empty(),
        "{} still validates without its envelope fields",
        example.pointer
    );
}
