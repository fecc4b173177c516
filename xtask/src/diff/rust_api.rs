//! `--rust-api`: the public Rust API of the generated `sps-types` and `sps-client` on both sides,
//! compared by `cargo-semver-checks` (pinned, installed under `target/tools/` on first use).
//!
//! A side that is a git revision brings the crates as they were generated then (what its users
//! had); a spec file or directory (the working tree's `spec/` included) is generated with the
//! current generator. Each side becomes a small workspace under `target/diff/`, with the
//! workspace's `Cargo.lock`, and both build in one shared target directory.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::validate::{is_installed, stamp, succeed};

/// The pinned tool (needs Rust 1.93 or newer).
const SEMVER_CHECKS: &str = "cargo-semver-checks==0.51.0";

/// The crates compared: what users of the client program against.
const CRATES: [&str; 2] = ["generated-types", "generated-client"];

/// One failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The check's id (`enum_variant_added`, ...).
    pub check: String,
    /// What it says, with the items it found.
    pub message: String,
}

/// What cargo-semver-checks found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RustApi {
    /// `major`, `minor`, or `none` when no check failed.
    pub required: String,
    pub findings: Vec<Finding>,
}

/// Compares the generated crates of `old` and `new` (each a revision, file or directory).
pub fn compare(root: &Path, old: &str, new: &str) -> crate::Result<RustApi> {
    let program = install(root, false)?;
    let old_dir = crates_of(root, old, "old")?;
    let new_dir = crates_of(root, new, "new")?;
    let mut command = Command::new(program);
    command
        .args(["semver-checks", "check-release", "--manifest-path"])
        .arg(new_dir.join("Cargo.toml"))
        .arg("--baseline-root")
        .arg(&old_dir)
        .args(["-p", "sps-types", "-p", "sps-client", "--color", "never"])
        .env("CARGO_TARGET_DIR", root.join("target/diff/rust-api-target"));
    let output = command
        .output()
        .map_err(|e| format!("cannot run cargo-semver-checks: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // Places in the findings are relative to the side's workspace, not to target/diff/.
    let text = [&new_dir, &old_dir].iter().fold(text, |text, dir| {
        text.replace(&format!("{}/", dir.display()), "")
    });
    parse(&text).ok_or_else(|| {
        let tail: Vec<&str> = text.lines().rev().take(25).collect();
        format!(
            "cargo-semver-checks did not compare the crates ({}):\n{}",
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )
    })
}

/// Reads the findings and the verdict out of cargo-semver-checks' report; `None` when it has
/// no verdict (it did not get to compare).
fn parse(text: &str) -> Option<RustApi> {
    let mut findings: Vec<Finding> = Vec::new();
    let mut verdicts = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if let Some(rest) = line
            .strip_prefix("--- failure ")
            .and_then(|r| r.strip_suffix(" ---"))
        {
            let (check, description) = rest.split_once(": ").unwrap_or((rest, ""));
            let mut places = Vec::new();
            // The items it found follow `Failed in:`, up to a blank line.
            while let Some(next) = lines.peek() {
                let next = next.trim();
                if next.starts_with("--- failure ") || next.starts_with("Summary ") {
                    break;
                }
                lines.next();
                if looks_like_place(next) {
                    places.push(next.to_owned());
                }
            }
            findings.push(Finding {
                check: check.to_owned(),
                message: if places.is_empty() {
                    description.to_owned()
                } else {
                    format!("{description}: {}", places.join("; "))
                },
            });
        } else if line.starts_with("Summary ") {
            verdicts.push(if line.contains("new major version") {
                "major"
            } else if line.contains("new minor version") {
                "minor"
            } else {
                "none"
            });
        }
    }
    let required = ["major", "minor", "none"]
        .into_iter()
        .find(|level| verdicts.contains(level))?;
    Some(RustApi {
        required: required.to_owned(),
        findings,
    })
}

/// An item line of a failure (`variant ErrorType::X in /path/lib.rs:12`), not prose.
fn looks_like_place(line: &str) -> bool {
    line.contains(" in ") && line.contains(".rs:")
}

/// Builds the pinned cargo-semver-checks, if missing, at the lowest CPU priority (`nice -n 19`):
/// `cargo xtask test` starts this first, so that the build fills the core its Chromium and
/// schemathesis steps leave idle instead of adding minutes to the `cargo test` step.
pub fn provision(root: &Path) -> crate::Result {
    install(root, true).map(drop)
}

/// The pinned cargo-semver-checks, built from crates.io into `target/tools/` if needed.
fn install(root: &Path, low_priority: bool) -> crate::Result<PathBuf> {
    let prefix = &root.join("target/tools/cargo-semver-checks");
    let program = prefix.join("bin/cargo-semver-checks");
    if is_installed(prefix, &program, SEMVER_CHECKS) {
        return Ok(program);
    }
    let (name, version) = SEMVER_CHECKS
        .split_once("==")
        .unwrap_or((SEMVER_CHECKS, ""));
    println!(
        "installing {SEMVER_CHECKS} into {} (a few minutes)",
        prefix.display()
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut install = if low_priority {
        let mut nice = Command::new("nice");
        nice.args(["-n", "19"]).arg(cargo);
        nice
    } else {
        Command::new(cargo)
    };
    install
        .args([
            "install",
            "--locked",
            "--quiet",
            name,
            "--version",
            version,
            "--root",
        ])
        .arg(prefix)
        // The tool's release profile asks for fat LTO in one codegen unit at opt-level 3, the
        // slowest way to build it, and CI builds it on every clean clone. Measured on this
        // workspace: without LTO, 16 units and opt-level 1 the build takes 489 s of CPU instead
        // of 628 s (without LTO at opt-level 3), and a comparison of sps-types and sps-client
        // takes 12.4 s instead of 12.1 s (the run is mostly rustdoc's).
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1");
    succeed("cargo install cargo-semver-checks", &mut install)?;
    stamp(prefix, &program, SEMVER_CHECKS)
}

/// A workspace of the side's generated crates, under `target/diff/`.
fn crates_of(root: &Path, side: &str, label: &str) -> crate::Result<PathBuf> {
    let path = PathBuf::from(side);
    let dir = if path.is_file() || path.is_dir() {
        let dir = root.join("target/diff/rust-api").join(label);
        let _ = std::fs::remove_dir_all(&dir);
        let spec = if path.is_file() {
            codegen::spec::load_file(&path)
        } else {
            codegen::spec::load_dir(&path)
        }
        .map_err(|d| format!("`{side}` does not load: {} problem(s)", d.len()))?;
        let files = codegen::generate(&spec, &codegen::Config::default())
            .map_err(|d| format!("`{side}` does not generate: {} problem(s)", d.len()))?;
        codegen::emit::write_all(&dir, &files).map_err(|e| format!("{}: {e}", dir.display()))?;
        dir
    } else {
        super::checkout(root, side, &CRATES)?
    };
    for krate in CRATES {
        if !dir.join(krate).join("Cargo.toml").exists() {
            return Err(format!("`{side}` has no {krate}/ crate to compare"));
        }
    }
    let members: Vec<String> = CRATES.iter().map(|c| format!("\"{c}\"")).collect();
    let write = |name: &str, contents: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(
        "Cargo.toml",
        format!(
            "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
            members.join(", ")
        )
        .as_bytes(),
    )?;
    let lock = std::fs::read(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    write("Cargo.lock", &lock)?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_findings_and_the_verdict() {
        let report = "\
    Building sps-types v0.1.0 (current)
       Built [   1.0s] (current)
     Checking sps-types v0.1.0 -> v0.1.0 (no change)
     Checked [   0.1s] 150 checks: 149 pass, 1 fail, 0 warn, 0 skip

--- failure enum_variant_added: enum variant added on exhaustive enum ---

Description:
A publicly-visible enum without #[non_exhaustive] has a new variant.
        ref: https://doc.rust-lang.org/cargo/reference/semver.html#enum-variant-new
       impl: https://github.com/obi1kenobi/cargo-semver-checks/tree/v0.51.0/src/lints/enum_variant_added.ron

Failed in:
  variant SshAuthMethod:Kerberos in /w/generated-types/src/lib.rs:120

     Summary semver requires new major version: 1 major and 0 minor checks failed
     Checking sps-client v0.1.0 -> v0.1.0 (no change)
     Summary no semver update required
";
        let api = parse(report).expect("a verdict");
        assert_eq!(api.required, "major");
        assert_eq!(
            api.findings,
            vec![Finding {
                check: "enum_variant_added".into(),
                message: "enum variant added on exhaustive enum: variant SshAuthMethod:Kerberos \
                          in /w/generated-types/src/lib.rs:120"
                    .into(),
            }]
        );
        assert_eq!(parse("error: could not build").map(|a| a.required), None);
        assert_eq!(
            parse("     Summary no semver update required\n").map(|a| a.required),
            Some("none".to_string())
        );
    }
}
