//! Generates, for the decode bench (`benches/decode.rs`), the "plain derive" copy of the types:
//! the generator's own output for the same spec with every object's unknown-field keeping
//! turned off (`additionalProperties: false` everywhere), so the bench compares like with like
//! and measures exactly what keeping unknown fields costs. Also picks the spec's largest
//! example as the "large object" of the bench.

use std::path::Path;

use codegen::model::{Extra, Model, TypeKind, TypeRef};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    println!("cargo:rerun-if-changed={}", root.join("spec").display());
    println!(
        "cargo:rerun-if-changed={}",
        root.join("codegen/src").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        root.join("codegen/templates").display()
    );
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let spec = codegen::spec::load_dir(&root.join("spec")).unwrap_or_else(|d| fail(&d));
    let mut model = codegen::model::lower(&spec).unwrap_or_else(|d| fail(&d));
    let large = largest_example(&model);
    for def in &mut model.types {
        def.gate.clear();
        if let TypeKind::Struct(s) = &mut def.kind {
            if s.extra == Extra::Keep {
                s.extra = Extra::Deny;
            }
        }
    }
    let files =
        codegen::types::files(&model, &codegen::Config::default()).unwrap_or_else(|d| fail(&d));
    let text = |name: &str| {
        files
            .iter()
            .find(|f| f.path.ends_with(name))
            .map(|f| without_inner_attributes(&f.contents))
            .expect("the types crate has this file")
    };
    // One module: the runtime inlined where the crate declares it.
    let plain = text("src/lib.rs").replace(
        "pub mod runtime;",
        &format!("pub mod runtime {{\n{}\n}}", text("src/runtime.rs")),
    );
    write(&out.join("plain_types.rs"), &plain);
    let (type_name, value) = large;
    write(&out.join("large_example.json"), &value.to_string());
    write(
        &out.join("large_example.rs"),
        &format!(
            "/// The type of the spec's largest example.\npub const LARGE_TYPE: &str = {type_name:?};\n\
             /// Decodes the large object with the generated type.\n\
             pub fn large_generated(bytes: &[u8]) -> serde_json::Result<sps_types::{type_name}> {{ serde_json::from_slice(bytes) }}\n\
             /// Decodes the large object with the plain-derive copy.\n\
             pub fn large_plain(bytes: &[u8]) -> serde_json::Result<plain::{type_name}> {{ serde_json::from_slice(bytes) }}\n"
        ),
    );
}

/// The example with the longest JSON text whose type is a named type.
fn largest_example(model: &Model) -> (String, serde_json::Value) {
    model
        .examples
        .iter()
        .filter_map(|e| match &e.type_ref {
            TypeRef::Named(name) => Some((name.clone(), e.value.clone())),
            _ => None,
        })
        .max_by_key(|(_, value)| value.to_string().len())
        .expect("the spec has examples")
}

/// A crate's file as the body of a module: inner attributes and docs left out.
fn without_inner_attributes(source: &str) -> String {
    source
        .lines()
        .filter(|line| !line.starts_with("//!") && !line.starts_with("#!["))
        .collect::<Vec<_>>()
        .join("\n")
}

fn write(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

fn fail<T>(diagnostics: &[codegen::Diagnostic]) -> T {
    for d in diagnostics {
        eprintln!("{d}");
    }
    panic!("the spec does not generate");
}
