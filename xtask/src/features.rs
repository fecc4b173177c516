//! `cargo xtask features [AREA...]`: each API area's Cargo feature alone, and all of them, build
//! the three generated crates without warnings (clippy, warnings denied). Part of
//! `cargo xtask test`.
//!
//! The runs share the workspace's target directory, where the clippy step of `cargo xtask test`
//! has already checked every dependency: only the generated crates are checked again, once per
//! area.

use std::process::Command;
use std::time::Instant;

/// The areas of the spec (Cargo feature names), in spec order.
pub fn areas() -> crate::Result<Vec<String>> {
    let spec = crate::spec::load()?;
    let model = codegen::model::lower(&spec)
        .map_err(|d| crate::spec::report(&crate::workspace_root(), &d))?;
    Ok(model.features.into_iter().map(|f| f.name).collect())
}

/// The packages of the generated crates, types first.
pub fn packages() -> [String; 3] {
    let config = codegen::Config::default();
    [
        config.types.package,
        config.client.package,
        config.server.package,
    ]
}

/// Cargo arguments selecting the generated crates with only `area` on; `None`: their default
/// features, every area (the same build as the workspace's, so it is shared with it).
pub fn selection(area: Option<&str>) -> Vec<String> {
    let mut args = Vec::new();
    for package in packages() {
        args.extend(["-p".to_string(), package]);
    }
    if let Some(area) = area {
        let features: Vec<String> = packages()
            .iter()
            .map(|package| format!("{package}/{area}"))
            .collect();
        args.extend([
            "--no-default-features".to_string(),
            "--features".to_string(),
            features.join(","),
        ]);
    }
    args
}

pub fn run(args: &[String]) -> crate::Result {
    let known = areas()?;
    if let Some(unknown) = args.iter().find(|a| !known.contains(a)) {
        return Err(format!(
            "features: `{unknown}` is not an area (areas: {})",
            known.join(", ")
        ));
    }
    let chosen: Vec<Option<&str>> = if args.is_empty() {
        known
            .iter()
            .map(|a| Some(a.as_str()))
            .chain([None])
            .collect()
    } else {
        args.iter().map(|a| Some(a.as_str())).collect()
    };
    let started = Instant::now();
    let mut failed = Vec::new();
    for area in &chosen {
        let name = area.unwrap_or("all areas");
        let step = Instant::now();
        match clippy(*area) {
            Ok(()) => eprintln!("  {name}: ok ({:.1?})", step.elapsed()),
            Err(message) => {
                eprintln!("  {name}: FAILED: {message}");
                failed.push(name);
            }
        }
    }
    eprintln!(
        "{} feature selection(s) checked in {:.1?}",
        chosen.len(),
        started.elapsed()
    );
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("warnings or errors with: {}", failed.join(", ")))
    }
}

fn clippy(area: Option<&str>) -> crate::Result {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(&cargo)
        .arg("clippy")
        .arg("--quiet")
        .args(selection(area))
        .args(["--", "-D", "warnings"])
        .current_dir(crate::workspace_root())
        .output()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        // Only a failure's diagnostics are worth reading.
        eprint!("{}", String::from_utf8_lossy(&output.stderr));
        Err(format!("cargo clippy failed ({})", output.status))
    }
}
