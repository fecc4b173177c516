//! Compiles what the fixtures generate: all of them go into one throwaway cargo workspace under
//! `target/fixture-build/` (its own target directory, so it never waits on the outer build), which
//! must pass `cargo check`, clippy and rustdoc with warnings denied; then the behaviour tests in
//! `tests/fixture_checks/` run against the generated types crates.

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
}
