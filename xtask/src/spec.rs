//! `cargo xtask bundle` and `cargo xtask lint`.

use std::io::Write;
use std::path::Path;

use codegen::spec::{self, Diagnostic, Spec};

/// Loads `<workspace>/spec`, turning load errors into the job's failure.
pub fn load() -> crate::Result<Spec> {
    let root = crate::workspace_root();
    spec::load_dir(&root.join("spec")).map_err(|diagnostics| report(&root, &diagnostics))
}

/// Prints each diagnostic as `file:line: pointer: message` (files relative to the workspace)
/// on standard error and returns the summary line.
pub fn report(root: &Path, diagnostics: &[Diagnostic]) -> String {
    for diagnostic in diagnostics {
        let mut shown = diagnostic.clone();
        if let Ok(relative) = shown.file.strip_prefix(root) {
            shown.file = relative.to_path_buf();
        }
        // Messages may name other files too ("defined in both ... and ...").
        shown.message = shown.message.replace(&format!("{}/", root.display()), "");
        eprintln!("{shown}");
    }
    let s = if diagnostics.len() == 1 { "" } else { "s" };
    format!("{} problem{s} in spec/", diagnostics.len())
}

/// `cargo xtask bundle`: prints the bundled document.
pub fn bundle(args: &[String]) -> crate::Result {
    if let Some(extra) = args.first() {
        return Err(format!("bundle takes no arguments (got `{extra}`)"));
    }
    let spec = load()?;
    let mut out = std::io::stdout().lock();
    match out
        .write_all(spec::bundle_yaml(&spec).as_bytes())
        .and_then(|()| out.flush())
    {
        // `cargo xtask bundle | head` closing the pipe early is not a failure.
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot print the bundle: {e}"))
        }
        _ => Ok(()),
    }
}

/// `cargo xtask lint`: prints every diagnostic and fails if there is any.
pub fn lint(args: &[String]) -> crate::Result {
    if let Some(extra) = args.first() {
        return Err(format!("lint takes no arguments (got `{extra}`)"));
    }
    let spec = load()?;
    let warnings = spec::warnings(&spec);
    if !warnings.is_empty() {
        let summary = report(&crate::workspace_root(), &warnings);
        eprintln!("warning: {summary} (not errors: the generator works around them)");
    }
    let diagnostics = spec::lint(&spec);
    if !diagnostics.is_empty() {
        return Err(report(&crate::workspace_root(), &diagnostics));
    }
    let examples = spec::examples(&spec).len();
    let operations = spec.openapi.operations().count();
    println!("spec/ is clean: {operations} operations, {examples} examples checked against their schemas");
    Ok(())
}
