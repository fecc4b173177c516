//! `cargo xtask diff OLD [NEW] [--json] [--fail-on-breaking]`: what a spec change means for the
//! users of the HTTP API and of the generated crates, as a Markdown report for a pull request
//! (or JSON for tools).
//!
//! OLD and NEW are each a git revision (the bundle is built from `spec/` at that revision), a
//! bundled spec file (YAML or JSON) or a spec directory; NEW defaults to the working tree's
//! `spec/`. The classification rules are in the documentation of [`mod@compare`].
//!
//! Exit status: 0 when the report was produced, 1 with `--fail-on-breaking` when a change is
//! breaking for either kind of user, 2 when a side cannot be read (an unknown revision, an
//! invalid spec).

mod compare;
mod corpus;
pub(crate) mod rust_api;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde_json::{json, Value as Json};

use crate::run::git;

pub use compare::{compare, Change};

const USAGE: &str =
    "usage: cargo xtask diff OLD [NEW] [--json | --changelog] [--rust-api] [--fail-on-breaking]
       cargo xtask diff --changelog
  OLD, NEW: a git revision, a bundled spec file (YAML or JSON) or a spec directory;
            NEW defaults to the working tree's spec/
  --changelog: a draft CHANGELOG.md entry; without OLD, for the next release (the changes
            since the last one, under the version `cargo xtask gen` gives the crates)
  --rust-api: also compare the public Rust API of the generated sps-types and sps-client
            with cargo-semver-checks (pinned; installed on first use)";

/// The command's entry point: it has its own exit statuses.
pub fn main(args: &[String]) -> ExitCode {
    match run(args) {
        Ok(report) => {
            print!("{}", report.text);
            if report.fail {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

struct Report {
    text: String,
    fail: bool,
}

fn run(args: &[String]) -> crate::Result<Report> {
    if args == ["--corpus"] {
        return corpus_report();
    }
    let mut json_output = false;
    let mut changelog = false;
    let mut rust_api_too = false;
    let mut fail_on_breaking = false;
    let mut sides = Vec::new();
    for arg in args {
        match arg.as_str() {
            "--json" => json_output = true,
            "--changelog" => changelog = true,
            "--rust-api" => rust_api_too = true,
            "--fail-on-breaking" => fail_on_breaking = true,
            flag if flag.starts_with("--") => {
                return Err(format!("unknown flag `{flag}`\n{USAGE}"))
            }
            side => sides.push(side.to_owned()),
        }
    }
    let root = crate::workspace_root();
    if changelog && sides.is_empty() {
        let spec = crate::spec::load()?;
        let plan = crate::release::plan(&root, &spec)?;
        let text = changelog_entry(
            &plan.version.to_string(),
            &plan.changes,
            plan.published.is_none(),
        );
        return Ok(Report { text, fail: false });
    }
    let (old, new) = match sides.as_slice() {
        [old] => (old.clone(), root.join("spec").display().to_string()),
        [old, new] => (old.clone(), new.clone()),
        _ => return Err(USAGE.into()),
    };
    let old_doc = load_side(&root, &old)?;
    let new_doc = load_side(&root, &new)?;
    let changes = compare(&old_doc, &new_doc);
    let rust_api = if rust_api_too {
        Some(rust_api::compare(&root, &old, &new)?)
    } else {
        None
    };
    let summary = Summary::of(&changes).with_rust_api(rust_api.as_ref());
    let text = if changelog {
        changelog_entry("Unreleased", &changes, false)
    } else if json_output {
        let mut text =
            serde_json::to_string_pretty(&to_json(&summary, &changes, rust_api.as_ref()))
                .map_err(|e| format!("cannot encode the report: {e}"))?;
        text.push('\n');
        text
    } else {
        let mut text = markdown(&old, &new, &summary, &changes);
        if let Some(api) = &rust_api {
            text.push_str(&rust_api_markdown(api));
        }
        text
    };
    Ok(Report {
        text,
        fail: fail_on_breaking && (summary.breaking || summary.rust_breaking),
    })
}

/// The bundle of one side, as JSON.
fn load_side(root: &Path, side: &str) -> crate::Result<Json> {
    let path = PathBuf::from(side);
    let spec = if path.is_file() {
        codegen::spec::load_file(&path)
    } else if path.is_dir() {
        codegen::spec::load_dir(&path)
    } else {
        codegen::spec::load_dir(&checkout_spec(root, side)?)
    }
    .map_err(|diagnostics| {
        let listed: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        format!("`{side}` is not a valid spec:\n  {}", listed.join("\n  "))
    })?;
    Ok(spec.json().clone())
}

/// Writes `spec/` as it is at `revision` under `target/diff/<commit>/` and returns its path.
fn checkout_spec(root: &Path, revision: &str) -> crate::Result<PathBuf> {
    Ok(checkout(root, revision, &["spec"])?.join("spec"))
}

/// Writes the files under `dirs` as they are at `revision` under `target/diff/<commit>/` and
/// returns that directory; a revision without any of them is an error.
pub(crate) fn checkout(root: &Path, revision: &str, dirs: &[&str]) -> crate::Result<PathBuf> {
    let commit = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{revision}^{{commit}}"),
        ],
    )
    .map_err(|_| format!("`{revision}` is neither a file, a directory nor a git revision"))?;
    let commit = commit.trim();
    let mut list = vec!["ls-tree", "-r", "--name-only", commit, "--"];
    list.extend(dirs);
    let listing = git(root, &list)?;
    if listing.trim().is_empty() {
        return Err(format!(
            "revision `{revision}` has none of {}",
            dirs.join(", ")
        ));
    }
    let dir = root.join("target/diff").join(commit);
    for file in listing.lines() {
        let text = git(root, &["show", &format!("{commit}:{file}")])?;
        let target = dir.join(file);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&target, text).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(dir)
}

/// The verdict over all changes.
pub struct Summary {
    pub breaking: bool,
    pub rust_breaking: bool,
    /// `major` for anything breaking, `minor` for additions, else `patch`.
    pub semver: &'static str,
}

impl Summary {
    /// The verdict raised by what cargo-semver-checks found in the generated crates' public API:
    /// a spec change that looks harmless on the wire can still break Rust users.
    fn with_rust_api(mut self, api: Option<&rust_api::RustApi>) -> Summary {
        match api.map(|a| a.required.as_str()) {
            Some("major") => {
                self.rust_breaking = true;
                self.semver = "major";
            }
            Some("minor") if self.semver == "patch" => self.semver = "minor",
            _ => {}
        }
        self
    }

    pub fn of(changes: &[Change]) -> Summary {
        let breaking = changes.iter().any(|c| c.breaking);
        let rust_breaking = changes.iter().any(|c| c.rust_breaking);
        let adds = changes.iter().any(|c| c.kind.ends_with("-added"));
        let semver = if breaking || rust_breaking {
            "major"
        } else if adds {
            "minor"
        } else {
            "patch"
        };
        Summary {
            breaking,
            rust_breaking,
            semver,
        }
    }
}

fn to_json(summary: &Summary, changes: &[Change], rust_api: Option<&rust_api::RustApi>) -> Json {
    json!({
        "rust_api": rust_api.map(|api| json!({
            "required": api.required,
            "findings": api.findings.iter().map(|f| json!({
                "check": f.check,
                "message": f.message,
            })).collect::<Vec<_>>(),
        })),
        "breaking": summary.breaking,
        "rust_breaking": summary.rust_breaking,
        "semver": summary.semver,
        "changes": changes.iter().map(|c| json!({
            "kind": c.kind,
            "breaking": c.breaking,
            "rust_breaking": c.rust_breaking,
            "operation": c.operation,
            "pointer": c.pointer,
            "message": c.message,
        })).collect::<Vec<_>>(),
    })
}

fn markdown(old: &str, new: &str, summary: &Summary, changes: &[Change]) -> String {
    let count = |f: fn(&Change) -> bool| changes.iter().filter(|c| f(c)).count();
    let mut out = format!(
        "## API changes: `{old}` → `{new}`\n\n\
         | | |\n|---|---|\n\
         | changes | {} |\n\
         | breaking for HTTP clients | {} |\n\
         | breaking for users of the generated crates | {} |\n\
         | suggested version bump | **{}** |\n",
        changes.len(),
        count(|c| c.breaking),
        count(|c| c.rust_breaking),
        summary.semver
    );
    type Keep = fn(&Change) -> bool;
    let sections: [(&str, Keep); 3] = [
        ("Breaking for HTTP clients", |c| c.breaking),
        ("Breaking only for users of the generated crates", |c| {
            !c.breaking && c.rust_breaking
        }),
        ("Other changes", |c| !c.breaking && !c.rust_breaking),
    ];
    for (title, keep) in sections {
        let listed: Vec<&Change> = changes.iter().filter(|c| keep(c)).collect();
        if listed.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n### {title} ({})\n\n| change | where | pointer | what |\n|---|---|---|---|\n",
            listed.len()
        ));
        for change in listed {
            let place = change
                .operation
                .clone()
                .unwrap_or_else(|| "shared schema".into());
            out.push_str(&format!(
                "| `{}` | {} | `{}` | {} |\n",
                change.kind,
                cell(&place),
                cell(&change.pointer),
                cell(&change.message)
            ));
        }
    }
    if changes.is_empty() {
        out.push_str("\nNo change to the API.\n");
    }
    out
}

/// The report's section on the generated crates' public Rust API.
fn rust_api_markdown(api: &rust_api::RustApi) -> String {
    let verdict = match api.required.as_str() {
        "major" => "breaking: requires a new major version",
        "minor" => "additions: requires a new minor version",
        _ => "no change that needs a new version",
    };
    let mut out = format!(
        "\n### Public Rust API of sps-types and sps-client (cargo-semver-checks)\n\n{verdict}\n"
    );
    if !api.findings.is_empty() {
        out.push_str("\n| check | what |\n|---|---|\n");
        for finding in &api.findings {
            out.push_str(&format!(
                "| `{}` | {} |\n",
                finding.check,
                cell(&finding.message)
            ));
        }
    }
    out
}

/// A draft CHANGELOG.md entry: the changes grouped the way a user of the crates reads them.
pub fn changelog_entry(version: &str, changes: &[Change], first_release: bool) -> String {
    let mut out = format!("## {version}\n");
    if first_release {
        out.push_str("\nFirst release.\n");
        return out;
    }
    if changes.is_empty() {
        out.push_str("\nNo change to the API.\n");
        return out;
    }
    type Keep = fn(&Change) -> bool;
    let groups: [(&str, Keep); 4] = [
        ("Breaking changes", |c| c.breaking),
        ("Breaking for users of the generated crates only", |c| {
            !c.breaking && c.rust_breaking
        }),
        ("Added", |c| {
            !c.breaking && !c.rust_breaking && c.kind.ends_with("-added")
        }),
        ("Changed", |c| {
            !c.breaking && !c.rust_breaking && !c.kind.ends_with("-added")
        }),
    ];
    for (title, keep) in groups {
        let listed: Vec<&Change> = changes.iter().filter(|c| keep(c)).collect();
        if listed.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {title}\n\n"));
        for change in listed {
            let place = change
                .operation
                .as_deref()
                .map_or(String::new(), |op| format!("`{op}`: "));
            out.push_str(&format!("- {place}{}\n", change.message.replace('\n', " ")));
        }
    }
    out
}

/// Text that cannot break a Markdown table row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// `--corpus`: every corpus case through this classifier and through `redocly diff` (pinned,
/// installed like the validators), with each one's agreement with the expected verdict.
fn corpus_report() -> crate::Result<Report> {
    let root = crate::workspace_root();
    let real = load_side(&root, &root.join("spec").display().to_string())?;
    let redocly = crate::validate::install_redocly(&root.join("target/tools/node"));
    let dir = root.join("target/diff-corpus");
    let mut out = String::from(
        "| # | change | expected kind | expected breaking / rust | this tool | redocly diff |\n|---|---|---|---|---|---|\n",
    );
    let (mut ours_agree, mut theirs_agree, mut theirs_ran, mut rust_agree) = (0, 0, 0, 0);
    let cases = corpus::cases();
    for (index, case) in cases.iter().enumerate() {
        let (old, new) = corpus::pair(&real, case);
        let summary = Summary::of(&compare(&old, &new));
        ours_agree += usize::from(summary.breaking == case.breaking);
        rust_agree += usize::from(summary.rust_breaking == case.rust_breaking);
        let theirs = match &redocly {
            Ok(program) => {
                let case_dir = dir.join(format!("{index:02}"));
                let verdict = redocly_breaking(program, &case_dir, &old, &new)?;
                theirs_ran += 1;
                theirs_agree += usize::from(verdict == case.breaking);
                verdict.to_string()
            }
            Err(_) => "not run".to_owned(),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} / {} | {} / {} | {theirs} |\n",
            index + 1,
            case.name,
            case.kind.unwrap_or("none"),
            case.breaking,
            case.rust_breaking,
            summary.breaking,
            summary.rust_breaking
        ));
    }
    out.push_str(&format!(
        "\nagreement with the expected HTTP verdict: this tool {ours_agree}/{n}, redocly diff \
         {theirs_agree}/{theirs_ran}; with the expected Rust verdict: this tool {rust_agree}/{n} \
         (redocly has none)\n",
        n = cases.len()
    ));
    if let Err(why) = redocly {
        out.push_str(&format!("\nredocly diff did not run: {why}\n"));
    }
    Ok(Report {
        text: out,
        fail: false,
    })
}

/// Whether `redocly diff` rates the change as major (its word for breaking).
fn redocly_breaking(program: &Path, dir: &Path, old: &Json, new: &Json) -> crate::Result<bool> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for (name, document) in [("old.json", old), ("new.json", new)] {
        let text = serde_json::to_string(document).map_err(|e| e.to_string())?;
        std::fs::write(dir.join(name), text).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let output = Command::new(program)
        .args([
            "diff",
            "old.json",
            "new.json",
            "--fail-on",
            "major",
            "--format",
            "json",
        ])
        .current_dir(dir)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .output()
        .map_err(|e| format!("cannot run redocly: {e}"))?;
    match output.status.code() {
        Some(0) => Ok(false),
        Some(1) => Ok(true),
        _ => Err(format!(
            "redocly diff failed in {}: {}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The real bundle and a copy without one operation, as JSON files (in a folder per test:
    /// tests run in parallel).
    fn files(test: &str) -> (String, String) {
        let root = crate::workspace_root();
        let real = load_side(&root, &root.join("spec").display().to_string()).expect("spec/");
        let mut changed = real.clone();
        changed["paths"]["/api/configuration/policies/backup_policies/{key}"]
            .as_object_mut()
            .expect("backup policy path")
            .remove("delete");
        let dir = root.join("target/diff-tests").join(test);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let write = |name: &str, value: &Json| {
            let path = dir.join(name);
            std::fs::write(&path, value.to_string()).expect("write");
            path.display().to_string()
        };
        (write("old.json", &real), write("new.json", &changed))
    }

    #[test]
    fn json_output_has_the_documented_shape() {
        let (old, new) = files("json_output_has_the_documented_shape");
        let report = run(&args(&[&old, &new, "--json"])).expect("report");
        let value: Json = serde_json::from_str(&report.text).expect("JSON");
        assert_eq!(value["breaking"], true);
        assert_eq!(value["rust_breaking"], true);
        assert_eq!(value["semver"], "major");
        let change = &value["changes"][0];
        assert_eq!(change["kind"], "operation-removed");
        assert_eq!(
            change["operation"],
            "DELETE /api/configuration/policies/backup_policies/{key}"
        );
        assert_eq!(
            change["pointer"],
            "/paths/~1api~1configuration~1policies~1backup_policies~1{key}/delete"
        );
        assert!(change["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(
            !report.fail,
            "without --fail-on-breaking the report is a success"
        );
    }

    #[test]
    fn fail_on_breaking_fails_only_when_something_breaks() {
        let (old, new) = files("fail_on_breaking_fails_only_when_something_breaks");
        assert!(
            run(&args(&[&old, &new, "--fail-on-breaking"]))
                .expect("report")
                .fail
        );
        let same = run(&args(&[&old, &old, "--fail-on-breaking"])).expect("report");
        assert!(!same.fail);
        assert!(same.text.contains("No change to the API."), "{}", same.text);
    }

    #[test]
    fn changelog_drafts_group_changes_for_users_of_the_crates() {
        let (old, new) = files("changelog_drafts_group_changes_for_users_of_the_crates");
        let removed = run(&args(&[&old, &new, "--changelog"]))
            .expect("report")
            .text;
        assert!(removed.starts_with("## Unreleased\n"), "{removed}");
        assert!(removed.contains("\n### Breaking changes\n\n- `DELETE /api/configuration/policies/backup_policies/{key}`: "), "{removed}");
        let added = run(&args(&[&new, &old, "--changelog"]))
            .expect("report")
            .text;
        assert!(added.contains("\n### Added\n\n- `DELETE "), "{added}");
        assert!(!added.contains("Breaking"), "{added}");
        assert_eq!(
            changelog_entry("0.1.0", &[], true),
            "## 0.1.0\n\nFirst release.\n"
        );
    }

    /// cargo-semver-checks sees what the wire does not: a new error type name breaks no HTTP
    /// client (unknown names are kept), but the generated enum gains a variant.
    #[test]
    fn rust_api_findings_join_the_report() {
        let root = crate::workspace_root();
        let real = load_side(&root, &root.join("spec").display().to_string()).expect("spec/");
        let mut changed = real.clone();
        changed["components"]["schemas"]["ErrorType"]["enum"]
            .as_array_mut()
            .expect("ErrorType is an enum")
            .push(json!("SomethingNew"));
        let dir = root.join("target/diff-tests/rust_api");
        std::fs::create_dir_all(&dir).expect("mkdir");
        let (old, new) = (dir.join("old.json"), dir.join("new.json"));
        std::fs::write(&old, real.to_string()).expect("write");
        std::fs::write(&new, changed.to_string()).expect("write");
        let (old, new) = (old.display().to_string(), new.display().to_string());
        let report = run(&args(&[&old, &new, "--rust-api", "--json"])).expect("report");
        let value: Json = serde_json::from_str(&report.text).expect("JSON");
        assert_eq!(value["breaking"], false, "{value}");
        assert_eq!(value["rust_breaking"], true, "{value}");
        assert_eq!(value["rust_api"]["required"], "major", "{value}");
        let findings = value["rust_api"]["findings"].as_array().expect("findings");
        assert!(
            findings.iter().any(|f| f["check"] == "enum_variant_added"
                && f["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("SomethingNew"))),
            "{value}"
        );
    }

    #[test]
    fn markdown_lists_breaking_changes_first() {
        let (old, new) = files("markdown_lists_breaking_changes_first");
        let text = run(&args(&[&new, &old])).expect("report").text;
        // Adding the operation back is not breaking.
        assert!(text.contains("### Other changes (1)"), "{text}");
        assert!(text.contains("`operation-added`"), "{text}");
        assert!(
            text.contains("| suggested version bump | **minor** |"),
            "{text}"
        );
        let text = run(&args(&[&old, &new])).expect("report").text;
        assert!(text.contains("### Breaking for HTTP clients (1)"), "{text}");
    }

    #[test]
    fn git_revisions_are_read_and_bad_input_is_an_error() {
        let report = run(&args(&["HEAD", "HEAD", "--json"])).expect("HEAD is a revision");
        let value: Json = serde_json::from_str(&report.text).expect("JSON");
        assert_eq!(value["changes"], json!([]));
        assert_eq!(value["semver"], "patch");
        let error = run(&args(&["no-such-revision-or-file"]))
            .err()
            .expect("an error");
        assert!(
            error.contains("neither a file, a directory nor a git revision"),
            "{error}"
        );
        assert!(run(&args(&["HEAD", "--bogus"])).is_err());
    }
}
