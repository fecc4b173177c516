//! `cargo xtask gen [--check] [--force]`: spec/ -> the generated crates (+ the bundle the client
//! ships). The spec is linted first: a spec with lint errors is not generated from.

use std::path::Path;

use codegen::spec::Spec;
use codegen::{Config, GeneratedFile};

/// Loads `<root>/spec` and generates every file (the three crates and the published bundle),
/// without linting (see [`run`]).
pub fn generate(root: &Path) -> crate::Result<Vec<GeneratedFile>> {
    let spec = codegen::spec::load_dir(&root.join("spec")).map_err(report)?;
    generate_from(root, &spec)
}

/// The crates' names and places, their version from the release plan (`release.rs`), and
/// their links from the workspace's `Cargo.toml`.
pub fn config(root: &Path, spec: &Spec) -> crate::Result<Config> {
    let version = crate::release::plan(root, spec)?.version.to_string();
    let mut config = Config {
        links: crate::release::links(root)?,
        ..Config::default()
    };
    for krate in [&mut config.types, &mut config.client, &mut config.server] {
        krate.version.clone_from(&version);
    }
    Ok(config)
}

/// Every generated file for a loaded spec: the crates, the bundle the client ships, and the
/// workspace's CHANGELOG.md in every crate (it is packaged with them).
fn generate_from(root: &Path, spec: &Spec) -> crate::Result<Vec<GeneratedFile>> {
    let config = config(root, spec)?;
    // The bundle does not depend on the crates: it is printed while they are generated.
    let (generated, bundle) = std::thread::scope(|scope| {
        let bundle = scope.spawn(|| codegen::spec::bundle_yaml(spec));
        let generated = codegen::generate(spec, &config);
        (generated, bundle.join())
    });
    let mut files = generated.map_err(report)?;
    let bundle = bundle.map_err(|_| "internal error: printing the bundle panicked")?;
    files.push(GeneratedFile::with_line_comment(
        config.client.dir.join("openapi.yaml"),
        "#",
        &bundle,
    ));
    let changelog_path = root.join("CHANGELOG.md");
    let changelog = std::fs::read_to_string(&changelog_path)
        .map_err(|e| format!("{}: {e}", changelog_path.display()))?;
    for krate in [&config.types, &config.client, &config.server] {
        files.push(GeneratedFile::markdown(
            krate.dir.join("CHANGELOG.md"),
            &changelog,
        ));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn report(diagnostics: Vec<codegen::Diagnostic>) -> String {
    let mut message = format!(
        "the spec cannot be generated from ({} problem(s)):",
        diagnostics.len()
    );
    for diagnostic in diagnostics {
        message.push_str(&format!("\n  {diagnostic}"));
    }
    message
}

const USAGE: &str = "usage: cargo xtask gen [--check | --out <dir>] [--force]";

pub fn run(args: &[String]) -> crate::Result {
    let root = crate::workspace_root();
    let force = args.iter().any(|a| a == "--force");
    let args: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| *a != "--force")
        .collect();
    let (check, out) = match args.as_slice() {
        [] => (false, root.clone()),
        ["--check"] => (true, root.clone()),
        // Writes the files under another directory (to inspect or diff them).
        ["--out", dir] => (false, std::path::PathBuf::from(dir)),
        _ => return Err(USAGE.into()),
    };
    let spec = crate::spec::load()?;
    lint_first(&root, &spec, force)?;
    let files = generate_from(&root, &spec)?;
    if check {
        let stale = codegen::emit::check_all(&root, &files)
            .map_err(|e| format!("reading generated files: {e}"))?;
        if stale.is_empty() {
            println!("generated code is up to date ({} files)", files.len());
            return Ok(());
        }
        let list: Vec<String> = stale.iter().map(|p| format!("  {}", p.display())).collect();
        return Err(format!(
            "generated code is stale; these files differ from what spec/ generates:\n{}\nrun `cargo xtask gen` and commit the result",
            list.join("\n")
        ));
    }
    let changed = codegen::emit::write_all(&out, &files)
        .map_err(|e| format!("writing generated files: {e}"))?;
    for path in &changed {
        println!("wrote {}", path.display());
    }
    println!(
        "{} of {} generated files changed",
        changed.len(),
        files.len()
    );
    Ok(())
}

/// Lints the spec; errors stop the generation unless `force`. Warnings (schemas renamed by the
/// generator) are printed and do not stop it.
fn lint_first(root: &Path, spec: &Spec, force: bool) -> crate::Result {
    let warnings = codegen::spec::warnings(spec);
    if !warnings.is_empty() {
        let summary = crate::spec::report(root, &warnings);
        eprintln!("warning: {summary} (generated anyway)");
    }
    let errors = codegen::spec::lint(spec);
    if errors.is_empty() {
        return Ok(());
    }
    let summary = crate::spec::report(root, &errors);
    if force {
        eprintln!(
            "warning: --force: generating despite {summary} (the lint's refusal is skipped; \
             the generated crates may not compile)"
        );
        return Ok(());
    }
    Err(format!(
        "lint found {summary} (listed above): nothing generated; fix them, or run \
         `cargo xtask gen --force` to generate anyway"
    ))
}
