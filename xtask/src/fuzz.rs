//! `cargo xtask fuzz [--cases N] [--first F] [--seed S] [--case I] [--compile K]
//! [--generate-every M] [--budget SECS] [--jobs J] [--max-time SECS] [--keep]`: a mutation
//! fuzzer over the real, bundled spec.
//!
//! Case `i` of seed `S` applies one to three mutations (structural, OpenAPI-level, naming, text;
//! see `fuzz/mutate.rs`) to the bundle, chosen by a PRNG seeded from `(S, i)` alone, so any case
//! can be replayed on its own (`--case i`, `--keep` writes the mutant), and a long run can be
//! split into ranges (`--first F --cases N` runs cases `F..F+N`) that together are exactly the
//! cases of one run over the whole range. Each case is loaded from
//! a file, linted, lowered twice, and every `--generate-every`-th case is also generated twice.
//! The run fails on:
//! - a panic (caught with `catch_unwind`; an emitter's panic, which `generate` turns into a
//!   diagnostic, counts too) or a hang (a case still running after `--budget` seconds);
//! - a diagnostic without its file (the mutant) or line;
//! - a model or generated output that differs between two runs on the same mutant;
//! - a generated workspace that does not build: up to `--compile` cases that pass lint (naming
//!   and OpenAPI-level mutants first) are generated into `target/fuzz/<pid>/compile/` and
//!   checked with `cargo check --offline`, sharing the fixture build's target directory.

mod mutate;

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use codegen::spec::{self, Diagnostic};
use codegen::{Config, CrateConfig};
use mutate::Kind;

const USAGE: &str = "usage: cargo xtask fuzz [--cases N] [--first F] [--seed S] [--case I] \
                     [--compile K] [--generate-every M] [--budget SECS] [--jobs J] \
                     [--max-time SECS] [--keep]";

struct Options {
    cases: u64,
    /// The first case of the run (cases `first..first + cases`).
    first: u64,
    seed: u64,
    only: Option<u64>,
    compile: usize,
    generate_every: u64,
    budget: Duration,
    jobs: usize,
    /// Stop starting cases after this long (the report says how many ran).
    max_time: Option<Duration>,
    keep: bool,
}

impl Options {
    fn parse(args: &[String]) -> crate::Result<Options> {
        let mut options = Options {
            cases: 1000,
            first: 0,
            seed: 15,
            only: None,
            compile: 2,
            generate_every: 25,
            budget: Duration::from_secs(60),
            jobs: 1,
            max_time: None,
            keep: false,
        };
        let mut rest = args.iter();
        while let Some(flag) = rest.next() {
            if flag == "--keep" {
                options.keep = true;
                continue;
            }
            let value: u64 = rest
                .next()
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("{flag} needs a number\n{USAGE}"))?;
            match flag.as_str() {
                "--cases" => options.cases = value,
                "--first" => options.first = value,
                "--seed" => options.seed = value,
                "--case" => options.only = Some(value),
                "--compile" => options.compile = value as usize,
                "--generate-every" => options.generate_every = value.max(1),
                "--budget" => options.budget = Duration::from_secs(value.max(1)),
                "--jobs" => options.jobs = (value as usize).max(1),
                "--max-time" => options.max_time = Some(Duration::from_secs(value)),
                _ => return Err(USAGE.into()),
            }
        }
        Ok(options)
    }
}

/// The case's PRNG: depends on the seed and the case number only (splitmix64 of both).
fn case_rng(seed: u64, case: u64) -> fastrand::Rng {
    let mut z = seed ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    fastrand::Rng::with_seed(z ^ (z >> 31))
}

/// The unmutated bundle, as a tree and as text.
struct Base {
    tree: serde_yaml::Value,
    text: String,
}

/// Case `case`'s mutant: its bytes and which kinds of mutation made it.
fn mutant(base: &Base, seed: u64, case: u64) -> (Vec<u8>, Vec<Kind>) {
    let mut rng = case_rng(seed, case);
    let count = rng.usize(1..=3);
    let kinds: Vec<Kind> = (0..count)
        .map(|_| Kind::ALL[rng.usize(0..Kind::ALL.len())])
        .collect();
    let mut bytes = if kinds.iter().all(|k| *k == Kind::Text) {
        base.text.clone().into_bytes()
    } else {
        let mut tree = base.tree.clone();
        for kind in &kinds {
            match kind {
                Kind::Structural => mutate::structural(&mut tree, &mut rng),
                Kind::OpenApi => mutate::openapi(&mut tree, &mut rng),
                Kind::Naming => mutate::naming(&mut tree, &mut rng),
                Kind::Text => {}
            }
        }
        serde_yaml::to_string(&tree)
            .unwrap_or_default()
            .into_bytes()
    };
    for kind in &kinds {
        if *kind == Kind::Text {
            mutate::text(&mut bytes, &mut rng);
        }
    }
    (bytes, kinds)
}

/// What one case found.
#[derive(Default)]
struct Outcome {
    kinds: Vec<Kind>,
    loaded: bool,
    lint_clean: bool,
    lowered: bool,
    generated: bool,
    unlocated: Vec<String>,
    nondeterministic: Vec<String>,
    panics: Vec<String>,
    /// Time spent in each stage (`STAGES`), to see where a long run goes.
    stages: [Duration; STAGES.len()],
}

/// The stages of a case, in the order of `Outcome::stages`.
const STAGES: [&str; 6] = [
    "mutate",
    "load",
    "lint",
    "lower twice",
    "generate twice",
    "write",
];

const EMITTER_PANIC: &str = "internal error: an emitter panicked";

/// Runs the pipeline on case `case`, written to `file`.
fn run_case(base: &Base, options: &Options, case: u64, file: &Path) -> Outcome {
    let mut clock = Instant::now();
    let mut stages = [Duration::ZERO; STAGES.len()];
    let mut lap = |stage: usize| {
        stages[stage] += clock.elapsed();
        clock = Instant::now();
    };
    let (bytes, kinds) = mutant(base, options.seed, case);
    lap(0);
    let written = std::fs::write(file, &bytes);
    lap(5);
    let mut outcome = Outcome {
        kinds,
        ..Outcome::default()
    };
    if let Err(e) = written {
        outcome.panics.push(format!("cannot write the mutant: {e}"));
        return outcome;
    }
    let mut check = |stage: &str, diagnostics: &[Diagnostic]| {
        for d in diagnostics {
            if d.message == EMITTER_PANIC {
                outcome.panics.push(format!("{stage}: {d}"));
            } else if d.file != file || d.line.is_none() {
                outcome.unlocated.push(format!("{stage}: {d}"));
            }
        }
    };
    let loaded = spec::load_file(file);
    lap(1);
    let spec = match loaded {
        Ok(spec) => spec,
        Err(diagnostics) => {
            check("load", &diagnostics);
            outcome.stages = stages;
            return outcome;
        }
    };
    outcome.loaded = true;
    let lint = spec::lint(&spec);
    check("lint", &lint);
    check("lint warnings", &spec::warnings(&spec));
    outcome.lint_clean = lint.is_empty();
    lap(2);
    let model = codegen::model::lower(&spec);
    if let Err(diagnostics) = &model {
        check("lower", diagnostics);
    }
    outcome.lowered = model.is_ok();
    if model != codegen::model::lower(&spec) {
        outcome
            .nondeterministic
            .push("the model differs between two runs".into());
    }
    lap(3);
    if case % options.generate_every == 0 {
        let config = Config::default();
        let first = codegen::generate(&spec, &config);
        if let Err(diagnostics) = &first {
            check("generate", diagnostics);
        }
        outcome.generated = first.is_ok();
        if first != codegen::generate(&spec, &config) {
            outcome
                .nondeterministic
                .push("the generated files differ between two runs".into());
        }
        lap(4);
    }
    outcome.stages = stages;
    outcome
}

/// Runs one case in a thread of its own, so that a hang is noticed (and the thread left behind):
/// the outcome, or the panic's message, or `None` for a hang.
fn supervise(
    base: &Arc<Base>,
    options: &Arc<Options>,
    case: u64,
    file: &Path,
    caught: &Mutex<BTreeMap<String, String>>,
) -> Result<Outcome, Option<String>> {
    let (send, receive) = mpsc::channel();
    let (base, opts, path) = (Arc::clone(base), Arc::clone(options), file.to_path_buf());
    let name = format!("fuzz-case-{case}");
    let spawned = std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            let result =
                panic::catch_unwind(AssertUnwindSafe(|| run_case(&base, &opts, case, &path)));
            let _ = send.send(result);
        });
    if let Err(e) = spawned {
        return Err(Some(format!("cannot start the case's thread: {e}")));
    }
    match receive.recv_timeout(options.budget) {
        Ok(Ok(outcome)) => Ok(outcome),
        Ok(Err(_)) => {
            let message = caught.lock().ok().and_then(|mut m| m.remove(&name));
            Err(Some(message.unwrap_or_else(|| "a panic".into())))
        }
        Err(_) => {
            eprintln!(
                "case {case}: still running after {:?}: left behind",
                options.budget
            );
            Err(None)
        }
    }
}

/// A case and what went wrong with it.
type Finding = (u64, String);

#[derive(Default)]
struct Tally {
    cases: u64,
    loaded: u64,
    lint_clean: u64,
    lowered: u64,
    generated: u64,
    by_kind: BTreeMap<&'static str, u64>,
    stages: [Duration; STAGES.len()],
    panics: Vec<Finding>,
    hangs: Vec<u64>,
    unlocated: Vec<Finding>,
    nondeterministic: Vec<Finding>,
    /// Lint-clean cases that lowered, by priority for the compile sample.
    candidates: Vec<(u8, u64)>,
}

impl Tally {
    fn add(&mut self, case: u64, outcome: Outcome) {
        self.cases += 1;
        self.loaded += u64::from(outcome.loaded);
        self.lint_clean += u64::from(outcome.lint_clean);
        self.lowered += u64::from(outcome.lowered);
        self.generated += u64::from(outcome.generated);
        for kind in &outcome.kinds {
            *self.by_kind.entry(kind.name()).or_default() += 1;
        }
        for (total, spent) in self.stages.iter_mut().zip(outcome.stages) {
            *total += spent;
        }
        self.panics
            .extend(outcome.panics.into_iter().map(|m| (case, m)));
        self.unlocated
            .extend(outcome.unlocated.into_iter().map(|m| (case, m)));
        self.nondeterministic
            .extend(outcome.nondeterministic.into_iter().map(|m| (case, m)));
        if outcome.lint_clean && outcome.lowered {
            let priority = if outcome.kinds.contains(&Kind::Naming) {
                0
            } else if outcome.kinds.contains(&Kind::OpenApi) {
                1
            } else {
                2
            };
            self.candidates.push((priority, case));
        }
    }
}

/// Panic messages of the fuzzed code by thread name, kept instead of printed.
fn quiet_panics() -> Arc<Mutex<BTreeMap<String, String>>> {
    let caught = Arc::new(Mutex::new(BTreeMap::new()));
    let sink = Arc::clone(&caught);
    panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_string());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        // A case's thread is named after it; an emitter's panic inside a case comes back as a
        // diagnostic of `generate` instead (replay the case to see the message).
        let Some(thread) = std::thread::current().name().map(String::from) else {
            return;
        };
        if let Ok(mut sink) = sink.lock() {
            sink.insert(thread, format!("{message}{at}"));
        }
    }));
    caught
}

pub fn run(args: &[String]) -> crate::Result {
    let options = Arc::new(Options::parse(args)?);
    let root = crate::workspace_root();
    let spec = crate::spec::load()?;
    let text = spec::bundle_yaml(&spec);
    let tree =
        serde_yaml::from_str(&text).map_err(|e| format!("the bundle does not parse: {e}"))?;
    let base = Arc::new(Base { tree, text });
    // Kept mutants go to target/fuzz/; scratch files to a directory of this process's own, so
    // that two runs at once (a long one and the test's short one) do not share files.
    let dir = root.join("target/fuzz");
    let scratch = dir.join(std::process::id().to_string());
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let cases: Vec<u64> = match options.only {
        Some(case) => vec![case],
        None => (options.first..options.first.saturating_add(options.cases)).collect(),
    };
    println!(
        "fuzzing {} case(s) of seed {} ({}) ({} build); replay one with `cargo xtask fuzz --seed {} --case I --keep`",
        cases.len(),
        options.seed,
        match (cases.first(), cases.last()) {
            (Some(first), Some(last)) => format!("cases {first} to {last}"),
            _ => "no cases".to_owned(),
        },
        if cfg!(debug_assertions) { "debug" } else { "release" },
        options.seed
    );
    let started = Instant::now();
    // Replaying one case, panics are printed as usual.
    let caught = match options.only {
        Some(_) => Arc::new(Mutex::new(BTreeMap::new())),
        None => quiet_panics(),
    };
    let tally = Mutex::new(Tally::default());
    let progress = Mutex::new(Instant::now());
    std::thread::scope(|scope| {
        for worker in 0..options.jobs {
            let (base, options, caught, tally, progress) =
                (&base, &options, &caught, &tally, &progress);
            let cases = &cases;
            let file = scratch.join(format!("mutant-{worker}.yaml"));
            scope.spawn(move || {
                for &case in cases.iter().skip(worker).step_by(options.jobs) {
                    if options.max_time.is_some_and(|max| started.elapsed() > max) {
                        return;
                    }
                    let result = supervise(base, options, case, &file, caught);
                    let Ok(mut tally) = tally.lock() else { return };
                    match result {
                        Ok(outcome) => tally.add(case, outcome),
                        Err(Some(message)) => {
                            tally.cases += 1;
                            tally.panics.push((case, message));
                        }
                        Err(None) => {
                            tally.cases += 1;
                            tally.hangs.push(case);
                        }
                    }
                    if let Ok(mut last) = progress.lock() {
                        if last.elapsed() > Duration::from_secs(60) {
                            *last = Instant::now();
                            eprintln!(
                                "  {} of {} cases, {:.0?}: panics {}, hangs {}, unlocated {}, \
                                 nondeterministic {}",
                                tally.cases,
                                cases.len(),
                                started.elapsed(),
                                tally.panics.len(),
                                tally.hangs.len(),
                                tally.unlocated.len(),
                                tally.nondeterministic.len(),
                            );
                        }
                    }
                }
            });
        }
    });
    let mut tally = tally
        .into_inner()
        .map_err(|_| "a fuzz worker panicked".to_string())?;
    if options.only.is_none() {
        let _ = panic::take_hook();
    }
    if options.keep {
        for &case in &cases {
            let (bytes, _) = mutant(&base, options.seed, case);
            let kept = dir.join(format!("case-{}-{case}.yaml", options.seed));
            std::fs::write(&kept, bytes).map_err(|e| format!("{}: {e}", kept.display()))?;
            println!("kept {}", kept.display());
        }
    }
    let fuzz_time = started.elapsed();
    let sample = compile_sample(&root, &scratch, &base, &options, &mut tally);
    // A workspace that did not build is kept, to be looked at.
    match &sample {
        Ok((_, failures)) if failures.is_empty() => {
            let _ = std::fs::remove_dir_all(&scratch);
        }
        _ => eprintln!(
            "the generated workspace is kept in {}",
            scratch.join("compile").display()
        ),
    }
    let (compiled, compile_failures) = sample?;
    report(
        &tally,
        cases.len(),
        &options,
        fuzz_time,
        started.elapsed(),
        &compiled,
        &compile_failures,
    )
}

/// Generates up to `options.compile` lint-clean mutants into one workspace and checks each.
fn compile_sample(
    root: &Path,
    scratch: &Path,
    base: &Base,
    options: &Options,
    tally: &mut Tally,
) -> crate::Result<(Vec<u64>, Vec<Finding>)> {
    tally.candidates.sort_unstable();
    let chosen: Vec<u64> = tally
        .candidates
        .iter()
        .map(|&(_, case)| case)
        .take(options.compile)
        .collect();
    if chosen.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let dir = scratch.join("compile");
    let _ = std::fs::remove_dir_all(&dir);
    let mut members = Vec::new();
    let mut failures = Vec::new();
    for &case in &chosen {
        let (bytes, _) = mutant(base, options.seed, case);
        let file = scratch.join(format!("case-{case}.yaml"));
        std::fs::write(&file, bytes).map_err(|e| format!("{}: {e}", file.display()))?;
        // The case passed lint and lowering; it must generate, too.
        let generated = spec::load_file(&file)
            .and_then(|loaded| codegen::generate(&loaded, &case_config(case)));
        match generated {
            Ok(files) => {
                codegen::emit::write_all(&dir, &files)
                    .map_err(|e| format!("writing case {case}: {e}"))?;
                members.extend(["types", "client", "server"].map(|p| format!("case-{case}-{p}")));
            }
            Err(d) => {
                let first = d.first().map(ToString::to_string).unwrap_or_default();
                failures.push((case, format!("lint-clean, but generation failed: {first}")));
            }
        }
    }
    let chosen: Vec<u64> = chosen
        .into_iter()
        .filter(|case| !failures.iter().any(|(failed, _)| failed == case))
        .collect();
    let manifest = format!(
        "[workspace]\nresolver = \"2\"\nmembers = [{}]\n",
        members
            .iter()
            .map(|m| format!("\"{m}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let write = |path: PathBuf, contents: &[u8]| {
        std::fs::write(&path, contents).map_err(|e| format!("{}: {e}", path.display()))
    };
    write(dir.join("Cargo.toml"), manifest.as_bytes())?;
    let lock = std::fs::read(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    write(dir.join("Cargo.lock"), &lock)?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    for &case in &chosen {
        let mut command = Command::new(&cargo);
        command
            .args(["check", "--offline", "--quiet"])
            .current_dir(&dir)
            // The fixture build's target directory already has the generated crates' dependencies.
            .env("CARGO_TARGET_DIR", root.join("target/fixture-build/target"))
            .env_remove("RUSTFLAGS");
        for part in ["types", "client", "server"] {
            command.args(["-p", &format!("fuzz-case-{case}-{part}")]);
        }
        let output = command
            .output()
            .map_err(|e| format!("cannot run {cargo}: {e}"))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let first: String = stderr.lines().take(12).collect::<Vec<_>>().join("\n    ");
            failures.push((case, first));
        }
    }
    Ok((chosen, failures))
}

fn case_config(case: u64) -> Config {
    let krate = |part: &str| CrateConfig {
        dir: PathBuf::from(format!("case-{case}-{part}")),
        package: format!("fuzz-case-{case}-{part}"),
        version: "0.1.0".to_string(),
    };
    Config {
        types: krate("types"),
        client: krate("client"),
        server: krate("server"),
        links: codegen::Links::default(),
    }
}

fn report(
    tally: &Tally,
    asked: usize,
    options: &Options,
    fuzz_time: Duration,
    total: Duration,
    compiled: &[u64],
    compile_failures: &[Finding],
) -> crate::Result {
    let kinds: Vec<String> = tally
        .by_kind
        .iter()
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect();
    if (tally.cases as usize) < asked {
        println!(
            "stopped by --max-time after {} of {asked} cases",
            tally.cases
        );
    }
    println!(
        "{} cases in {fuzz_time:.1?} (mutations: {}): {} loaded, {} lint-clean, {} lowered, {} generated twice",
        tally.cases,
        kinds.join(", "),
        tally.loaded,
        tally.lint_clean,
        tally.lowered,
        tally.generated,
    );
    let stages: Vec<String> = STAGES
        .iter()
        .zip(tally.stages)
        .map(|(stage, spent)| format!("{stage} {:.1?}", spent))
        .collect();
    println!("time in the cases' threads: {}", stages.join(", "));
    println!(
        "panics {}, hangs {}, unlocated diagnostics {}, nondeterministic {}; compiled {} lint-clean case(s), {} failed to build; total {total:.1?}",
        tally.panics.len(),
        tally.hangs.len(),
        tally.unlocated.len(),
        tally.nondeterministic.len(),
        compiled.len(),
        compile_failures.len(),
    );
    let mut problems = Vec::new();
    let seed = options.seed;
    let mut list = |what: &str, items: Vec<Finding>| {
        for (case, message) in items.iter().take(20) {
            eprintln!("  {what}: case {case} (--seed {seed} --case {case}): {message}");
        }
        if !items.is_empty() {
            problems.push(format!("{} {what}", items.len()));
        }
    };
    list("panic", tally.panics.clone());
    list(
        "hang",
        tally.hangs.iter().map(|&c| (c, String::new())).collect(),
    );
    list("unlocated diagnostic", tally.unlocated.clone());
    list("nondeterministic output", tally.nondeterministic.clone());
    list("build failure", compile_failures.to_vec());
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("fuzzing found {}", problems.join(", ")))
    }
}
