//! Constructs the generator does not support are diagnostics with a JSON pointer, never panics.

mod common;

use std::path::Path;

fn diagnostics(file: &str) -> Vec<codegen::Diagnostic> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/unsupported")
        .join(file);
    let spec = match codegen::spec::load_file(&path) {
        Ok(spec) => spec,
        Err(d) => panic!("{file} does not load: {}", common::render(&d)),
    };
    match codegen::generate(&spec, &common::fixture_config("unsupported")) {
        Ok(_) => panic!("{file}: generated without a diagnostic"),
        Err(diagnostics) => {
            for d in &diagnostics {
                assert_eq!(d.file, path, "{d}");
            }
            diagnostics
        }
    }
}

fn pointers_and_messages(file: &str) -> Vec<(String, String)> {
    diagnostics(file)
        .into_iter()
        .map(|d| (d.pointer, d.message))
        .collect()
}

#[test]
fn not_is_reported_at_its_schema() {
    assert_eq!(
        pointers_and_messages("not.yaml"),
        vec![(
            "/components/schemas/Holder/properties/anything_but_a_string".to_string(),
            "unsupported schema construct `not`".to_string()
        )]
    );
}

#[test]
fn external_references_are_reported() {
    assert_eq!(
        pointers_and_messages("external_ref.yaml"),
        vec![(
            "/paths/~1api~1things/get/responses/200/content/application~1json/schema".to_string(),
            "unsupported `$ref` (only `#/components/schemas/<name>`): other.yaml#/components/schemas/Thing"
                .to_string()
        )]
    );
}

#[test]
fn discriminated_union_members_must_be_objects() {
    assert_eq!(
        pointers_and_messages("tagged_non_object.yaml"),
        vec![
            (
                "/components/schemas/Bad/discriminator/mapping/name".to_string(),
                "discriminated `oneOf` member `Name` is not an object".to_string()
            ),
            (
                "/components/schemas/Bad".to_string(),
                "discriminated `oneOf` without any usable variant".to_string()
            )
        ]
    );
}

#[test]
fn diagnostics_render_with_file_and_pointer() {
    let rendered = diagnostics("not.yaml")[0].to_string();
    assert!(rendered.contains("not.yaml"), "{rendered}");
    assert!(
        rendered.contains("/components/schemas/Holder/properties/anything_but_a_string"),
        "{rendered}"
    );
}
