//! Compiles what the fixtures generate: all of them go into one throwaway cargo workspace under
//! `target/fixture-build/` (its own target directory, so it never waits on the outer build), which
//! must pass `cargo check`, clippy and rustdoc with warnings denied; then the behaviour tests in
//! `tests/fixture_checks/` run against the generated types crates, and the tests in
//! `tests/fixture_checks/runtime/` run the generated clients against the generated servers over
//! HTTP, from one hand-written member crate, `runtime-checks`.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use codegen::GeneratedFile;
use common::{generate, FIXTURES};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Runs cargo in the fixture workspace with its own target directory.
fn cargo(dir: &Path, args: &[String], env: &[(&str, &str)]) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        .env_remove("RUSTFLAGS")
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
    assert!(
        output.status.success(),
        "cargo {} failed in {}:\n{}\n{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Fixtures whose client and server are exercised at runtime by
/// `tests/fixture_checks/runtime/<name>.rs`.
const RUNTIME_CHECKS: &[&str] = &["g2_routes"];

/// The `runtime-checks` crate: a manifest depending on the fixtures' crates (only with versions
/// and features already in the root `Cargo.lock`: the build is offline), an empty library, and
/// one test target per fixture.
fn runtime_checks(checks: &Path) -> Vec<GeneratedFile> {
    let mut manifest = String::from(
        "[package]\nname = \"runtime-checks\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
         publish = false\n\n[dev-dependencies]\n\
         axum = { version = \"0.8\", default-features = false, \
         features = [\"json\", \"query\", \"http1\", \"tokio\"] }\n\
         serde_json = { version = \"1\", features = [\"preserve_order\"] }\n\
         tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\", \"net\"] }\n",
    );
    let mut files = Vec::new();
    for name in RUNTIME_CHECKS {
        for part in ["types", "client", "server"] {
            manifest.push_str(&format!(
                "fixture-{name}-{part} = {{ path = \"../{name}-{part}\" }}\n"
            ));
        }
        let path = checks.join(format!("runtime/{name}.rs"));
        let contents =
            fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        files.push(GeneratedFile {
            path: PathBuf::from(format!("runtime-checks/tests/{name}.rs")),
            contents,
        });
    }
    files.push(GeneratedFile {
        path: PathBuf::from("runtime-checks/Cargo.toml"),
        contents: manifest,
    });
    files.push(GeneratedFile {
        path: PathBuf::from("runtime-checks/src/lib.rs"),
        contents: "//! Runtime checks of the fixtures' clients and servers: see `tests/`.\n"
            .to_string(),
    });
    files
}

/// `base` followed by `-p <package>` for each package, then `tail`.
fn args(base: &[&str], packages: &[String], tail: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = base.iter().map(|a| a.to_string()).collect();
    for package in packages {
        out.extend(["-p".to_string(), package.clone()]);
    }
    out.extend(tail.iter().map(|a| a.to_string()));
    out
}

#[test]
fn fixtures_compile_and_behave() {
    let root = workspace_root();
    let build = root.join("target/fixture-build");
    let checks = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture_checks");
    let mut members = Vec::new();
    let mut check_packages = Vec::new();
    for name in FIXTURES {
        let mut files = generate(name);
        let check = checks.join(format!("{name}.rs"));
        if let Ok(contents) = fs::read_to_string(&check) {
            files.push(GeneratedFile {
                path: PathBuf::from(format!("{name}-types/tests/behaviour.rs")),
                contents,
            });
            check_packages.push(format!("fixture-{name}-types"));
        }
        if let Err(e) = codegen::emit::write_all(&build, &files) {
            panic!("writing {name}: {e}");
        }
        members.extend(["types", "client", "server"].map(|part| format!("{name}-{part}")));
    }
    if let Err(e) = codegen::emit::write_all(&build, &runtime_checks(&checks)) {
        panic!("writing runtime-checks: {e}");
    }
    members.push("runtime-checks".to_string());
    let manifest = format!(
        "[workspace]\nresolver = \"2\"\nmembers = [\n{}]\n",
        members
            .iter()
            .map(|m| format!("    \"{m}\",\n"))
            .collect::<String>()
    );
    fs::write(build.join("Cargo.toml"), manifest).unwrap_or_else(|e| panic!("{e}"));
    fs::copy(root.join("Cargo.lock"), build.join("Cargo.lock")).unwrap_or_else(|e| panic!("{e}"));

    let workspace: &[String] = &[];
    cargo(
        &build,
        &args(
            &["check", "--offline", "--workspace", "--quiet"],
            workspace,
            &[],
        ),
        &[],
    );
    // Every generated crate must be clippy- and rustdoc-clean for every construct.
    let clippy = [
        "clippy",
        "--offline",
        "--quiet",
        "--workspace",
        "--all-targets",
    ];
    cargo(
        &build,
        &args(&clippy, workspace, &["--", "-D", "warnings"]),
        &[],
    );
    let doc = ["doc", "--offline", "--quiet", "--workspace", "--no-deps"];
    cargo(
        &build,
        &args(&doc, workspace, &[]),
        &[("RUSTDOCFLAGS", "-D warnings")],
    );
    let test = args(
        &["test", "--offline", "--quiet", "--test", "behaviour"],
        &check_packages,
        &[],
    );
    cargo(&build, &test, &[]);
    let runtime = [
        "test",
        "--offline",
        "--quiet",
        "-p",
        "runtime-checks",
        "--tests",
    ];
    cargo(&build, &args(&runtime, workspace, &[]), &[]);
}
