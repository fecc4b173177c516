//! `cargo xtask bench [--runs N] [--no-build]`: how long generation takes, how much code it
//! produces, and how long the client takes to build from scratch. A measurement, not a test: it
//! prints numbers and fails only if a step fails.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: cargo xtask bench [--runs N] [--no-build]";

pub fn run(args: &[String]) -> crate::Result {
    let mut runs = 7usize;
    let mut build = true;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--runs" => {
                runs = rest
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or(USAGE)?;
            }
            "--no-build" => build = false,
            _ => return Err(USAGE.into()),
        }
    }
    let root = crate::workspace_root();

    let mut times = Vec::with_capacity(runs);
    let mut files = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        files = crate::gen::generate(&root)?;
        times.push(start.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "generation (load + bundle + lower + emit, in-process, {} build): median {} over {runs} runs (min {}, max {})",
        if cfg!(debug_assertions) { "debug" } else { "release" },
        millis(median),
        millis(times[0]),
        millis(times[times.len() - 1])
    );
    stages(&root, runs)?;

    println!("\ngenerated code (lines):");
    let mut per_crate: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for file in &files {
        let krate = file
            .path
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .unwrap_or_default();
        let lines = file.contents.lines().count();
        let entry = per_crate.entry(krate).or_default();
        if file.path.extension().is_some_and(|e| e == "rs") {
            entry.0 += lines;
        } else {
            entry.1 += lines;
        }
    }
    println!("  {:<20} {:>10} {:>12}", "crate", "Rust", "other files");
    for (krate, (rust, other)) in &per_crate {
        println!("  {krate:<20} {rust:>10} {other:>12}");
    }

    if build {
        let elapsed = clean_build(&root, "sps-client")?;
        println!(
            "\nclean build of sps-client (debug, fresh target dir): {}",
            seconds(elapsed)
        );
    }
    Ok(())
}

/// Median time of each stage, to see where generation time goes.
fn stages(root: &Path, runs: usize) -> crate::Result {
    let mut load = Vec::new();
    let mut lower = Vec::new();
    let mut emit = Vec::new();
    let config = codegen::Config::default();
    for _ in 0..runs {
        let start = Instant::now();
        let spec = codegen::spec::load_dir(&root.join("spec")).map_err(|d| format!("{d:?}"))?;
        load.push(start.elapsed());
        let start = Instant::now();
        let model = codegen::model::lower(&spec).map_err(|d| format!("{d:?}"))?;
        lower.push(start.elapsed());
        let start = Instant::now();
        codegen::generate_from_model(&model, &config).map_err(|d| format!("{d:?}"))?;
        emit.push(start.elapsed());
    }
    let median = |mut times: Vec<Duration>| {
        times.sort();
        millis(times[times.len() / 2])
    };
    println!(
        "  stages (median): load + bundle {}, lower {}, emit (quote + prettyplease) {}",
        median(load),
        median(lower),
        median(emit)
    );
    Ok(())
}

/// `cargo build -p <package>` in a fresh target directory under `target/`.
fn clean_build(root: &Path, package: &str) -> crate::Result<Duration> {
    let target = root.join("target/bench-build");
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .map_err(|e| format!("cannot clear {}: {e}", target.display()))?;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let start = Instant::now();
    let status = Command::new(cargo)
        .args(["build", "--quiet", "-p", package])
        .current_dir(root)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    let elapsed = start.elapsed();
    if !status.success() {
        return Err(format!("cargo build -p {package} failed ({status})"));
    }
    Ok(elapsed)
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
