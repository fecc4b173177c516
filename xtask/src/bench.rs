//! `cargo xtask bench [--runs N] [--no-build] [--no-progenitor] [--no-decode]`: at the current
//! spec, how long generation takes (in-process, and the release binary as a whole process), how
//! much code it produces, how long the generated crates take to build (clean, rebuilt alone,
//! one API area alone), how fast they decode; and the same next to progenitor's client on the
//! same spec. A measurement, not a test: it prints numbers and fails only if a step fails.
//!
//! Builds run in their own target directories under `target/` with `CARGO_INCREMENTAL=0`: a
//! user compiles the generated crates as dependencies, never incrementally.

mod builds;
mod progenitor;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use builds::{args, median, TargetDir};

const USAGE: &str =
    "usage: cargo xtask bench [--runs N] [--no-build] [--no-progenitor] [--no-decode]";

/// The numbers of one generator, for the side-by-side table.
#[derive(Default)]
struct Column {
    generation: Option<Duration>,
    lines: String,
    clean_build: Option<Duration>,
    rebuild: Option<Duration>,
    one_area: Option<(String, Duration)>,
}

pub fn run(args: &[String]) -> crate::Result {
    let mut runs = 7usize;
    let (mut build, mut with_progenitor, mut decode) = (true, true, true);
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
            "--no-progenitor" => with_progenitor = false,
            "--no-decode" => decode = false,
            _ => return Err(USAGE.into()),
        }
    }
    let root = crate::workspace_root();
    let spec = crate::spec::load()?;
    println!(
        "spec: {} operations, {} areas",
        spec.openapi
            .paths
            .paths
            .values()
            .filter_map(|p| p.as_item())
            .map(|p| p.iter().count())
            .sum::<usize>(),
        crate::features::areas()?.len()
    );
    let mut ours = Column::default();

    let mut times = Vec::with_capacity(runs);
    let mut files = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        files = crate::gen::generate(&root)?;
        times.push(start.elapsed());
    }
    times.sort();
    let median_in_process = times[times.len() / 2];
    println!(
        "generation (load + bundle + lower + emit, in-process, {} build): median {} over {runs} runs (min {}, max {})",
        if cfg!(debug_assertions) { "debug" } else { "release" },
        millis(median_in_process),
        millis(times[0]),
        millis(times[times.len() - 1])
    );
    stages(&root, runs)?;
    let release = release_generation(&root, runs)?;
    println!(
        "generation (release binary, whole process: lint + generate three crates): median {}",
        millis(release)
    );
    ours.generation = Some(release);

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
    ours.lines = per_crate
        .iter()
        .map(|(krate, (rust, _))| format!("{} {rust}", krate.trim_start_matches("generated-")))
        .collect::<Vec<_>>()
        .join(", ");

    if build {
        generated_builds(&root, runs, &mut ours)?;
    }
    if decode {
        println!("\ndecode (cargo bench -p sps-bench --bench decode):");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let status = Command::new(&cargo)
            .args(["bench", "--quiet", "-p", "sps-bench", "--bench", "decode"])
            .current_dir(&root)
            .status()
            .map_err(|e| format!("cannot run {cargo}: {e}"))?;
        if !status.success() {
            return Err(format!("the decode bench failed ({status})"));
        }
    }
    let theirs = if with_progenitor {
        Some(progenitor::measure(&spec, runs, build)?)
    } else {
        None
    };
    table(&ours, theirs.as_ref());
    Ok(())
}

/// The release `xtask gen --out` as a whole process, median of `runs`.
fn release_generation(root: &Path, runs: usize) -> crate::Result<Duration> {
    let target = TargetDir::new(root, "bench-xtask", false)?;
    target.build(&args(&["--release", "-p", "xtask"]))?;
    let binary = target.dir.join("release/xtask");
    let out = root.join("target/bench/generated");
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let mut gen = Command::new(&binary);
        gen.args(["gen", "--out"]).arg(&out).current_dir(root);
        crate::validate::succeed("xtask gen --out", &mut gen)?;
        times.push(start.elapsed());
    }
    Ok(median(times))
}

/// Clean build of the client, rebuilds of the generated crates alone, and the slowest area
/// alone, in a fresh target directory.
fn generated_builds(root: &Path, runs: usize, ours: &mut Column) -> crate::Result {
    let [types, client, server] = crate::features::packages();
    let target = TargetDir::new(root, "bench-build", true)?;
    let source = |dir: &str| root.join(dir).join("src/lib.rs");
    let generated = [
        source("generated-types"),
        source("generated-client"),
        source("generated-server"),
    ];
    let rebuilds = runs.min(3);
    println!("\nbuilds (debug, CARGO_INCREMENTAL=0, target/bench-build/; rebuilds: median of {rebuilds}):");
    let clean = target.build(&args(&["-p", &client]))?;
    println!(
        "  clean build of {client} with its dependencies: {}",
        seconds(clean)
    );
    let server_after = target.build(&args(&["-p", &server]))?;
    println!(
        "  then {server} (dependencies shared with the client built): {}",
        seconds(server_after)
    );
    let all_client = target.rebuild(&generated, &args(&["-p", &client]), rebuilds)?;
    println!("  rebuild of {types} + {client}: {}", seconds(all_client));
    let client_alone = target.rebuild(&generated[1..2], &args(&["-p", &client]), rebuilds)?;
    println!("  rebuild of {client} alone: {}", seconds(client_alone));
    let all_server = target.rebuild(&generated, &args(&["-p", &server]), rebuilds)?;
    println!("  rebuild of {types} + {server}: {}", seconds(all_server));
    // The worst case of building one area alone: every area is rebuilt once, then the three
    // slowest again for a median (the area with the most operations is not always the
    // slowest: protocol areas have the largest types).
    let one = |package: &str, area: &str| {
        args(&[
            "-p",
            package,
            "--no-default-features",
            "--features",
            &format!("{package}/{area}"),
        ])
    };
    let mut first_pass = Vec::new();
    for area in crate::features::areas()? {
        let time = target.rebuild(&generated, &one(&client, &area), 1)?;
        first_pass.push((time, area));
    }
    first_pass.sort();
    let slowest: Vec<String> = first_pass
        .iter()
        .rev()
        .take(3)
        .map(|(_, area)| area.clone())
        .collect();
    let mut worst: Option<(Duration, String)> = None;
    for area in &slowest {
        let time = target.rebuild(&generated, &one(&client, area), rebuilds)?;
        println!(
            "  one area alone (`{area}`): {types} + {client} {} ({:.0}% of all areas)",
            seconds(time),
            100.0 * time.as_secs_f64() / all_client.as_secs_f64(),
        );
        if worst.as_ref().map_or(true, |(slowest, _)| time > *slowest) {
            worst = Some((time, area.clone()));
        }
    }
    if let Some((_, area)) = &worst {
        let area_server = target.rebuild(&generated, &one(&server, area), rebuilds)?;
        println!(
            "  the same area (`{area}`) in {types} + {server}: {} ({:.0}% of all areas)",
            seconds(area_server),
            100.0 * area_server.as_secs_f64() / all_server.as_secs_f64(),
        );
    }
    ours.clean_build = Some(clean);
    ours.rebuild = Some(all_client);
    ours.one_area = worst.map(|(time, area)| (area, time));
    Ok(())
}

fn table(ours: &Column, theirs: Option<&progenitor::Measured>) {
    let show =
        |d: Option<Duration>, f: fn(Duration) -> String| d.map(f).unwrap_or_else(|| "-".into());
    println!("\n| | this project | progenitor |");
    println!("|---|---|---|");
    let theirs_or = |f: &dyn Fn(&progenitor::Measured) -> String| {
        theirs.map(f).unwrap_or_else(|| "not run".into())
    };
    println!(
        "| generation (release binary, whole process) | {} (three crates) | {} (client only) |",
        show(ours.generation, millis),
        theirs_or(&|t| millis(t.generation)),
    );
    println!(
        "| generated lines | {} | {} |",
        ours.lines,
        theirs_or(&|t| t.lines.to_string())
    );
    println!(
        "| clean debug build with dependencies | client {} | {} (no TLS backend) |",
        show(ours.clean_build, seconds),
        theirs_or(&|t| show(t.clean_build, seconds)),
    );
    println!(
        "| rebuild of the generated crates only | types + client {} | {} |",
        show(ours.rebuild, seconds),
        theirs_or(&|t| show(t.rebuild, seconds)),
    );
    if let Some((area, time)) = &ours.one_area {
        println!(
            "| rebuild, one area alone (`{area}`) | types + client {} | - |",
            seconds(*time)
        );
    }
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

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}
