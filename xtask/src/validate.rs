//! `cargo xtask validate`: third-party validators on the bundle.
//!
//! Writes the bundle to `target/spec/openapi.yaml`, installs the pinned validators under
//! `target/tools/` when they are missing (a stamp file records what was installed), and runs
//! them: `openapi-spec-validator` (Python, in a venv) and `redocly lint` (npm). Fails if either
//! reports a problem. If redocly cannot be installed (no npm registry here), that is said
//! loudly and the job goes on with the Python validator alone.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Where the bundle is written, relative to the workspace (the validators run there, so that
/// their messages name this path).
pub(crate) const BUNDLE: &str = "target/spec/openapi.yaml";
const SPEC_VALIDATOR: &str = "openapi-spec-validator==0.9.0";
const REDOCLY: &str = "@redocly/cli@2.77.0";
const CHECK_JSONSCHEMA: &str = "check-jsonschema==0.39.0";
/// Validator output beyond this is cut: an unresolved `$ref` makes openapi-spec-validator
/// print the whole document.
const MAX_LINES: usize = 60;
const MAX_LINE_CHARS: usize = 300;

pub fn run(args: &[String]) -> crate::Result {
    if let Some(extra) = args.first() {
        return Err(format!("validate takes no arguments (got `{extra}`)"));
    }
    let root = crate::workspace_root();
    let spec = crate::spec::load()?;
    let bundle = root.join(BUNDLE);
    write(&bundle, &codegen::spec::bundle_yaml(&spec))?;
    println!("bundle written to {BUNDLE}");

    let tools = root.join("target/tools");
    let mut ran = Vec::new();
    let mut failed = Vec::new();

    let validator = install_spec_validator(&tools.join("venv"))?;
    let mut command = Command::new(validator);
    command
        .args(["--validation-errors", "all", BUNDLE])
        .current_dir(&root);
    check(SPEC_VALIDATOR, &mut command, &mut ran, &mut failed)?;

    // The venv's PyYAML reads YAML 1.1, as many tools do: it must read what serde_yaml (1.2)
    // reads.
    let python = tools.join("venv/bin/python");
    match same_in_yaml_1_1(&python, &root, &spec) {
        Ok(()) => println!("PyYAML (YAML 1.1) reads the bundle as serde_yaml (YAML 1.2) does: ok"),
        Err(why) => {
            println!("PyYAML (YAML 1.1): FAILED: {why}");
            failed.push("PyYAML (YAML 1.1)".to_owned());
        }
    }
    ran.push("PyYAML (YAML 1.1)".to_owned());

    // The pull-request workflow, against GitHub's workflow schema (vendored in the tool).
    let workflows = workflow_files(&root)?;
    if !workflows.is_empty() {
        let checker = install_pip_tool(
            &tools.join("check-jsonschema"),
            "check-jsonschema",
            CHECK_JSONSCHEMA,
        )?;
        let mut command = Command::new(checker);
        command
            .args(["--builtin-schema", "vendor.github-workflows"])
            .args(&workflows)
            .current_dir(&root);
        check(CHECK_JSONSCHEMA, &mut command, &mut ran, &mut failed)?;
    }

    match install_redocly(&tools.join("node")) {
        Ok(redocly) => {
            let mut command = Command::new(redocly);
            // Its built-in `recommended` rules: only errors fail, warnings are shown.
            command
                .args(["lint", "--format", "stylish", BUNDLE])
                .current_dir(&root)
                .env("REDOCLY_TELEMETRY", "off")
                .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
            check(REDOCLY, &mut command, &mut ran, &mut failed)?;
        }
        Err(why) => {
            println!("SKIPPED {REDOCLY}: it could not be installed, so it did not run.\n{why}");
        }
    }

    println!("validators that ran: {}", ran.join(", "));
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("the bundle failed: {}", failed.join(", ")))
    }
}

/// The GitHub Actions workflows of the workspace, relative to it.
fn workflow_files(root: &Path) -> crate::Result<Vec<String>> {
    let dir = root.join(".github/workflows");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut files: Vec<String> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .filter_map(|p| p.strip_prefix(root).ok().map(|p| p.display().to_string()))
        .collect();
    files.sort();
    Ok(files)
}

/// Loads the written bundle with PyYAML and compares it with the document as JSON.
fn same_in_yaml_1_1(python: &Path, root: &Path, spec: &codegen::spec::Spec) -> crate::Result {
    const LOAD: &str = "import json, sys, yaml\n\
        print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding='utf-8'))))";
    let output = Command::new(python)
        .args(["-c", LOAD, BUNDLE])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !output.status.success() {
        // json.dumps refuses the dates YAML 1.1 makes of unquoted timestamps.
        return Err(cut(&String::from_utf8_lossy(&output.stderr)));
    }
    let read: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("PyYAML's reading is not JSON: {e}"))?;
    match first_difference(spec.json(), &read, "") {
        None => Ok(()),
        Some((at, a, b)) => Err(format!("at {at} YAML 1.2 reads {a} but YAML 1.1 reads {b}")),
    }
}

/// Where two JSON values first differ: `(pointer, left, right)`.
fn first_difference(
    a: &serde_json::Value,
    b: &serde_json::Value,
    at: &str,
) -> Option<(String, String, String)> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x
            .iter()
            .find_map(|(k, v)| match y.get(k) {
                Some(w) => first_difference(v, w, &format!("{at}/{k}")),
                None => Some((format!("{at}/{k}"), v.to_string(), "nothing".into())),
            })
            .or_else(|| {
                y.keys()
                    .find(|k| !x.contains_key(*k))
                    .map(|k| (format!("{at}/{k}"), "nothing".into(), y[k].to_string()))
            }),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (v, w))| first_difference(v, w, &format!("{at}/{i}"))),
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => None,
        _ if a == b => None,
        _ => Some((at.to_owned(), a.to_string(), b.to_string())),
    }
}

/// Runs one validator, printing its (cut) output; records whether it passed.
fn check(
    name: &str,
    command: &mut Command,
    ran: &mut Vec<String>,
    failed: &mut Vec<String>,
) -> crate::Result {
    println!("running {name}");
    let output = command
        .output()
        .map_err(|e| format!("cannot run {name}: {e}"))?;
    print!("{}", cut(&String::from_utf8_lossy(&output.stdout)));
    print!("{}", cut(&String::from_utf8_lossy(&output.stderr)));
    ran.push(name.to_owned());
    if output.status.success() {
        println!("{name}: ok");
    } else {
        println!("{name}: FAILED ({})", output.status);
        failed.push(name.to_owned());
    }
    Ok(())
}

/// The venv's `openapi-spec-validator`, installed pinned if needed.
fn install_spec_validator(venv: &Path) -> crate::Result<PathBuf> {
    install_pip_tool(venv, "openapi-spec-validator", SPEC_VALIDATOR)
}

/// The program `executable` of the PyPI package `pin` (`name==version`) in its own venv at
/// `venv`, created and installed if the venv does not hold that pinned version yet.
pub(crate) fn install_pip_tool(venv: &Path, executable: &str, pin: &str) -> crate::Result<PathBuf> {
    let program = venv.join("bin").join(executable);
    if is_installed(venv, &program, pin) {
        return Ok(program);
    }
    println!("installing {pin} into {}", venv.display());
    let mut create = Command::new("python3");
    create.args(["-m", "venv"]).arg(venv);
    succeed("python3 -m venv", &mut create)?;
    let mut pip = Command::new(venv.join("bin/pip"));
    pip.args(["install", "--disable-pip-version-check", "--quiet", pin]);
    succeed("pip install", &mut pip)?;
    stamp(venv, &program, pin)
}

/// The local `redocly`, installed pinned (no install scripts) if needed.
pub(crate) fn install_redocly(prefix: &Path) -> crate::Result<PathBuf> {
    let program = prefix.join("node_modules/.bin/redocly");
    if is_installed(prefix, &program, REDOCLY) {
        return Ok(program);
    }
    println!("installing {REDOCLY} into {}", prefix.display());
    std::fs::create_dir_all(prefix)
        .map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
    let mut npm = Command::new("npm");
    npm.arg("install").arg("--prefix").arg(prefix).args([
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--loglevel=error",
        REDOCLY,
    ]);
    succeed("npm install", &mut npm)?;
    stamp(prefix, &program, REDOCLY)
}

/// Whether `program` exists and the stamp says it is the pinned version.
pub(crate) fn is_installed(dir: &Path, program: &Path, pin: &str) -> bool {
    program.exists()
        && std::fs::read_to_string(dir.join(".sps-pinned")).is_ok_and(|s| s.trim() == pin)
}

pub(crate) fn stamp(dir: &Path, program: &Path, pin: &str) -> crate::Result<PathBuf> {
    if !program.exists() {
        return Err(format!(
            "{pin} was installed but {} is missing",
            program.display()
        ));
    }
    write(&dir.join(".sps-pinned"), pin)?;
    Ok(program.to_path_buf())
}

/// Runs an install step; its output is shown only if it fails.
pub(crate) fn succeed(what: &str, command: &mut Command) -> crate::Result<Output> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if output.status.success() {
        return Ok(output);
    }
    Err(format!(
        "{what} failed ({}):\n{}{}",
        output.status,
        cut(&String::from_utf8_lossy(&output.stdout)),
        cut(&String::from_utf8_lossy(&output.stderr))
    ))
}

/// At most [`MAX_LINES`] lines of at most [`MAX_LINE_CHARS`] characters, saying what was cut.
fn cut(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    for line in lines.iter().take(MAX_LINES) {
        let mut chars = line.chars();
        let head: String = chars.by_ref().take(MAX_LINE_CHARS).collect();
        out.push_str(&head);
        if chars.next().is_some() {
            out.push_str(" [...]");
        }
        out.push('\n');
    }
    if lines.len() > MAX_LINES {
        out.push_str(&format!(
            "[... {} more lines cut]\n",
            lines.len() - MAX_LINES
        ));
    }
    out
}

pub(crate) fn write(path: &Path, text: &str) -> crate::Result {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::{check, cut, succeed};
    use std::process::Command;

    #[test]
    fn a_failing_validator_fails_the_job_and_a_passing_one_does_not() {
        let (mut ran, mut failed) = (Vec::new(), Vec::new());
        check("yes", &mut Command::new("true"), &mut ran, &mut failed).expect("runs");
        check("no", &mut Command::new("false"), &mut ran, &mut failed).expect("runs");
        assert_eq!(ran, ["yes", "no"]);
        assert_eq!(failed, ["no"]);
        let missing = check(
            "gone",
            &mut Command::new("/nonexistent/tool"),
            &mut ran,
            &mut failed,
        );
        assert!(missing
            .expect_err("cannot run")
            .starts_with("cannot run gone: "));
        assert_eq!(ran.len(), 2);
    }

    #[test]
    fn a_failing_install_step_shows_its_output() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo resolving; echo 'E404 not found' >&2; exit 3"]);
        let error = succeed("npm install", &mut command).expect_err("fails");
        assert!(
            error.starts_with("npm install failed (exit status: 3):\n"),
            "{error}"
        );
        assert!(
            error.contains("resolving\n") && error.contains("E404 not found\n"),
            "{error}"
        );
    }

    #[test]
    fn cut_keeps_short_output_and_bounds_long_output() {
        assert_eq!(cut("a\nb\n"), "a\nb\n");
        let long: String = (0..100).map(|i| format!("line {i}\n")).collect();
        let shown = cut(&long);
        assert_eq!(shown.lines().count(), super::MAX_LINES + 1);
        assert!(shown.ends_with("[... 40 more lines cut]\n"), "{shown}");
        let wide = "x".repeat(1000);
        assert_eq!(
            cut(&wide),
            format!("{} [...]\n", "x".repeat(super::MAX_LINE_CHARS))
        );
    }
}
