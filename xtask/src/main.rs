//! `cargo xtask <verb>`: the workspace's jobs, in plain Rust (no shell scripts).

mod bench;
mod contract;
mod coverage;
mod diff;
mod docs;
mod features;
mod fuzz;
mod gen;
mod publish;
mod release;
mod run;
mod spec;
mod test;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

// The jobs (lint, generation, the fuzzer) build and drop large YAML/JSON trees and many small
// strings: mimalloc spends far less time in malloc/free and page faults than glibc's allocator
// on that pattern (measured by `cargo xtask fuzz` and `farm-bench` on `xtask gen`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const USAGE: &str = "usage: cargo xtask <verb>

verbs:
  gen [--check | --out DIR] [--force]
                  lint spec/, then generate the client, server and types crates from it
                  (--check: fail if stale; --out: write under DIR instead; --force: generate
                  even if the lint finds errors, skipping only the lint's refusal)
  bundle          print the bundled OpenAPI document (YAML) on standard output
  lint            check the spec: references, operation ids, docs, examples against schemas
  validate        run the third-party validators on the bundle (installs them pinned)
  contract        run schemathesis against fake-sps (installs it pinned)
  coverage [--check]
                  documented endpoints (spec/catalogue/) described in spec/, per area;
                  --check: fail below the floor in spec/catalogue/coverage-floor.yaml
  fuzz [--cases N] [--seed S] [--case I] [--compile K] [--keep]
                  mutate the bundled spec N times (seeded, each case replayable with --case):
                  no panic, no hang, every diagnostic located, deterministic output, and K
                  lint-clean mutants' crates must build
  features [AREA...]
                  each API area's Cargo feature alone (or the AREAs given), and all areas,
                  build the generated crates without warnings (clippy -D warnings)
  test            run everything CI runs
  bench           measure generation time, generated code size and client build time
  diff OLD [NEW] [--json | --changelog] [--rust-api] [--fail-on-breaking]
                  what changed in the API between two revisions or bundled files, classified
                  for HTTP clients and for users of the generated crates (Markdown report;
                  --rust-api: also the crates' public Rust API, by cargo-semver-checks)
  diff --changelog
                  a draft CHANGELOG.md entry for the next release (the changes since the last)
  diff --corpus   the classification of a corpus of single spec changes, next to redocly's
  publish [--dry-run]
                  package sps-types, sps-client and sps-server (version from the changes since
                  the last release in release/), build each from its tarball, and publish them
                  (--dry-run: stop before uploading)
  docs [--check]  render the bundled spec as HTML into target/docs/ (--check: open it in
                  headless Chromium, check every operation is listed, keep a screenshot)";

/// A job's failure: the message is printed and the exit code is non-zero.
pub type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((verb, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    };
    if verb == "diff" {
        // Its own exit statuses: 1 for breaking changes (on request), 2 for errors.
        return diff::main(rest);
    }
    let result = match verb.as_str() {
        "gen" => gen::run(rest),
        "bundle" => spec::bundle(rest),
        "lint" => spec::lint(rest),
        "validate" => validate::run(rest),
        "test" => test::run(rest),
        "bench" => bench::run(rest),
        "docs" => docs::run(rest),
        "contract" => contract::run(rest),
        "coverage" => coverage::run(rest),
        "fuzz" => fuzz::run(rest),
        "publish" => publish::run(rest),
        "features" => features::run(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown verb `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}
