//! `cargo xtask gen [--check]`: spec/ -> the generated crates (+ the bundle the client ships).

use std::path::Path;

use codegen::{Config, GeneratedFile};

/// Loads `<root>/spec` and generates every file (the three crates and the published bundle).
pub fn generate(root: &Path) -> crate::Result<Vec<GeneratedFile>> {
    let spec = codegen::spec::load_dir(&root.join("spec")).map_err(report)?;
    let config = Config::default();
    let mut files = codegen::generate(&spec, &config).map_err(report)?;
    files.push(GeneratedFile::with_line_comment(
        config.client.dir.join("openapi.yaml"),
        "#",
        &codegen::spec::bundle_yaml(&spec),
    ));
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

const USAGE: &str = "usage: cargo xtask gen [--check | --out <dir>]";

pub fn run(args: &[String]) -> crate::Result {
    let root = crate::workspace_root();
    let (check, out) = match args {
        [] => (false, root.clone()),
        [flag] if flag == "--check" => (true, root.clone()),
        // Writes the files under another directory (to inspect or diff them).
        [flag, dir] if flag == "--out" => (false, std::path::PathBuf::from(dir)),
        _ => return Err(USAGE.into()),
    };
    let files = generate(&root)?;
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
