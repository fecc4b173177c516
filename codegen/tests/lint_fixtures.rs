//! The expected outcome of the specs issue 15 found: what lint reports, what the generator names.
//! (That the generated crates build is checked by `fixture_build.rs`, which compiles every
//! fixture of `common::FIXTURES`, `recursion` and `reserved_names` among them.)

mod common;

use std::path::Path;

use codegen::naming::RESERVED_TYPE_NAMES;
use codegen::spec::{lint, load_file, warnings};

fn lint_fixture(name: &str) -> Vec<(Option<usize>, String, String)> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/lint/{name}.yaml"));
    let spec = load_file(&path).unwrap_or_else(|d| panic!("{name}: {}", common::render(&d)));
    lint(&spec)
        .into_iter()
        .map(|d| {
            assert_eq!(d.file, path);
            (d.line, d.pointer, d.message)
        })
        .collect()
}

#[test]
fn a_schema_that_is_a_reference_to_itself_is_a_lint_error() {
    assert_eq!(
        lint_fixture("alias_self"),
        [(
            Some(9),
            "/components/schemas/StartTimes/$ref".to_string(),
            "`StartTimes` is part of a reference cycle: `StartTimes` (/components/schemas/StartTimes); \
             these schemas are only references, arrays or maps of each other, so no Rust type can \
             hold them (a type alias cannot refer to itself); make one of them an object"
                .to_string()
        )]
    );
}

#[test]
fn schemas_that_refer_to_each_other_only_by_ref_are_a_lint_error_naming_both() {
    let found = lint_fixture("alias_mutual");
    let located: Vec<(Option<usize>, &str)> = found
        .iter()
        .map(|(line, at, _)| (*line, at.as_str()))
        .collect();
    assert_eq!(
        located,
        [
            (Some(9), "/components/schemas/StartTimes/$ref"),
            (Some(11), "/components/schemas/Schedule/$ref"),
        ]
    );
    for (_, _, message) in &found {
        assert!(
            message.contains(
                "`StartTimes` (/components/schemas/StartTimes), `Schedule` (/components/schemas/Schedule);"
            ),
            "{message}"
        );
    }
}

#[test]
fn a_schema_merging_itself_is_a_lint_error_and_lowering_stops_at_once() {
    let found = lint_fixture("allof_self");
    let located: Vec<(Option<usize>, &str)> = found
        .iter()
        .map(|(line, at, _)| (*line, at.as_str()))
        .collect();
    assert_eq!(
        located,
        [(Some(10), "/components/schemas/Merged/allOf/0/$ref")]
    );
    assert!(found[0].2.contains("an `allOf` cycle"), "{}", found[0].2);
    // Generating anyway (`gen --force`) gives one diagnostic per member instead of merging the
    // schema 3^32 times.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lint/allof_self.yaml");
    let spec = load_file(&path).unwrap_or_else(|d| panic!("{}", common::render(&d)));
    let errors = codegen::model::lower(&spec).expect_err("lowering must fail");
    let pointers: Vec<&str> = errors.iter().map(|d| d.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/components/schemas/Merged/allOf/0",
            "/components/schemas/Merged/allOf/1",
            "/components/schemas/Merged/allOf/2"
        ]
    );
}

#[test]
fn recursion_through_objects_arrays_maps_and_unions_is_clean() {
    let spec = common::load("recursion");
    assert_eq!(common::render(&lint(&spec)), "");
    let model = common::model("recursion");
    let boxed = |ty: &str, field: &str| {
        let def = model.type_def(ty).unwrap_or_else(|| panic!("no {ty}"));
        match &def.kind {
            codegen::model::TypeKind::Struct(s) => {
                s.fields
                    .iter()
                    .find(|f| f.wire_name == field)
                    .unwrap_or_else(|| panic!("no {ty}.{field}"))
                    .boxed
            }
            other => panic!("{ty} is {other:?}"),
        }
    };
    // What contains itself directly is boxed; what goes through a Vec or a map is not.
    assert!(boxed("Node", "next"));
    assert!(boxed("Person", "employer") || boxed("Company", "owner"));
    assert!(!boxed("Tree", "children"));
    assert!(!boxed("Directory", "entries"));
    assert!(boxed("Group", "first"));
}

#[test]
fn prelude_names_are_renamed_with_a_warning_and_runtime_names_are_kept() {
    let spec = common::load("reserved_names");
    assert_eq!(common::render(&lint(&spec)), "");
    let warned = warnings(&spec);
    let pointers: Vec<&str> = warned.iter().map(|d| d.pointer.as_str()).collect();
    let mut expected: Vec<String> = RESERVED_TYPE_NAMES
        .iter()
        .map(|n| format!("/components/schemas/{n}"))
        .collect();
    let mut sorted = pointers.clone();
    sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(sorted, expected, "one warning per prelude name");
    for d in &warned {
        assert!(d.line.is_some(), "{d}");
    }
    let option = warned
        .iter()
        .find(|d| d.pointer == "/components/schemas/Option")
        .map(|d| d.message.as_str());
    assert_eq!(
        option,
        Some(
            "schema `Option` is generated as `Option2`: `Option` is a name of the Rust prelude, \
             which the generated code uses"
        )
    );
    let model = common::model("reserved_names");
    for name in [
        "Option2", "String2", "Vec2", "Box2", "Result2", "Client", "Error", "Method",
    ] {
        assert!(model.type_def(name).is_some(), "no type {name}");
    }
    for name in RESERVED_TYPE_NAMES {
        assert!(model.type_def(name).is_none(), "a type is named {name}");
    }
    // The server's `RawRequest`/`RawResponse` are not an operation `raw`'s request and response.
    let raw = model.operation("raw").map(|op| op.type_name.as_str());
    assert_eq!(raw, Some("RawOp"));
}
