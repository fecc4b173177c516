//! Shared helpers of the generator's integration tests.

#![allow(dead_code)] // each test binary uses a different subset

use std::path::{Path, PathBuf};

use codegen::{Config, CrateConfig, GeneratedFile, Links};

/// The fixture specs that must generate (one per construct).
pub const FIXTURES: &[&str] = &[
    "allof",
    "enums",
    "features",
    "g2_routes",
    "naming",
    "objects",
    "operations",
    "recursion",
    "reserved_names",
    "scalars",
    "tagged",
    "untagged",
];

pub fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("{name}.yaml"))
}

/// Crates `<name>-types`, `<name>-client`, `<name>-server`, packages `fixture-<name>-...`.
pub fn fixture_config(name: &str) -> Config {
    let krate = |part: &str| CrateConfig {
        dir: PathBuf::from(format!("{name}-{part}")),
        package: format!("fixture-{name}-{part}"),
        version: "0.1.0".to_string(),
    };
    Config {
        types: krate("types"),
        client: krate("client"),
        server: krate("server"),
        // Every fixture's manifests show where the links of the workspace setting go.
        links: Links {
            repository: Some("https://example.com/sps-sdk.git".to_string()),
            homepage: Some("https://example.com/sps-sdk".to_string()),
        },
    }
}

pub fn load(name: &str) -> codegen::spec::Spec {
    let path = fixture_path(name);
    match codegen::spec::load_file(&path) {
        Ok(spec) => spec,
        Err(diagnostics) => panic!("{name}: {}", render(&diagnostics)),
    }
}

pub fn model(name: &str) -> codegen::model::Model {
    match codegen::model::lower(&load(name)) {
        Ok(model) => model,
        Err(diagnostics) => panic!("{name}: {}", render(&diagnostics)),
    }
}

pub fn generate(name: &str) -> Vec<GeneratedFile> {
    match codegen::generate(&load(name), &fixture_config(name)) {
        Ok(files) => files,
        Err(diagnostics) => panic!("{name}: {}", render(&diagnostics)),
    }
}

pub fn render(diagnostics: &[codegen::Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The generated `src/lib.rs` of the fixture's types crate.
pub fn types_lib(name: &str) -> String {
    generate(name)
        .into_iter()
        .find(|f| f.path == Path::new(&format!("{name}-types/src/lib.rs")))
        .map(|f| f.contents)
        .unwrap_or_else(|| panic!("{name}: no types lib.rs generated"))
}
