//! Every generated file of every fixture, as an insta snapshot (`INSTA_UPDATE=always cargo test
//! -p sps-codegen --test snapshots` to accept changes, then review the `.snap` diff).

mod common;

use common::{fixture_config, generate, load, FIXTURES};

#[test]
fn generated_files_match_snapshots() {
    for name in FIXTURES {
        for file in generate(name) {
            // The runtimes are copied templates, the same for every spec: snapshot them once.
            if file.path.ends_with("src/runtime.rs") && *name != "operations" {
                continue;
            }
            let snapshot = file.path.to_string_lossy().replace(['/', '.'], "_");
            insta::assert_snapshot!(snapshot, file.contents);
        }
    }
}

#[test]
fn generation_is_deterministic() {
    for name in FIXTURES {
        let spec = load(name);
        let config = fixture_config(name);
        let first = codegen::generate(&spec, &config);
        let second = codegen::generate(&spec, &config);
        assert!(first.is_ok(), "{name}");
        assert_eq!(first, second, "{name}");
    }
}

#[test]
fn every_rust_file_has_the_header() {
    for name in FIXTURES {
        for file in generate(name) {
            assert!(
                file.contents
                    .lines()
                    .take(2)
                    .any(|l| l.contains("@generated")),
                "{}: no @generated header",
                file.path.display()
            );
        }
    }
}
