//! `cargo xtask test`: everything CI runs, in the order that fails fastest.
//!
//! The cargo test run comes last so that its summary lines close the output. The short fuzz run
//! before it builds the generated crates it checks in the target directory the fixture build of
//! `cargo test` then reuses.

use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Instant;

use crate::run::cargo;

/// One step of the test run.
struct Step {
    name: &'static str,
    run: fn() -> crate::Result,
}

const STEPS: &[Step] = &[
    Step {
        name: "start building the pinned cargo-semver-checks in the background (nice -n 19)",
        run: provision,
    },
    Step {
        name: "format (cargo fmt --check)",
        run: fmt,
    },
    Step {
        name: "generated code is current (cargo xtask gen --check)",
        run: gen_check,
    },
    Step {
        name: "spec lint (cargo xtask lint)",
        run: lint,
    },
    Step {
        name: "documented endpoints covered (cargo xtask coverage --check)",
        run: coverage,
    },
    Step {
        name: "third-party spec validators (cargo xtask validate)",
        run: validate,
    },
    Step {
        name: "rendered reference in headless Chromium (cargo xtask docs --check)",
        run: docs,
    },
    Step {
        name: "clippy, warnings denied",
        run: clippy,
    },
    Step {
        name: "each API area alone and all areas, clippy warnings denied (cargo xtask features)",
        run: features,
    },
    Step {
        name: "rustdoc, warnings denied",
        run: doc,
    },
    Step {
        name: "contract test of fake-sps against the spec (cargo xtask contract)",
        run: contract,
    },
    Step {
        name: "generator fuzzing, short run (cargo xtask fuzz --cases 30 --generate-every 5 --compile 1)",
        run: fuzz,
    },
    Step {
        name: "the crates package and build from their tarballs (cargo xtask publish --dry-run)",
        run: publish_dry_run,
    },
    Step {
        name: "cargo test --workspace (with the READMEs' examples as doctests)",
        run: cargo_test,
    },
];

pub fn run(args: &[String]) -> crate::Result {
    if let Some(arg) = args.first() {
        return Err(format!("test: unexpected argument `{arg}`"));
    }
    let mut failed = Vec::new();
    for step in STEPS {
        eprintln!("\n==> {}", step.name);
        let started = Instant::now();
        match (step.run)() {
            Ok(()) => eprintln!("<== ok: {} ({:.1?})", step.name, started.elapsed()),
            Err(message) => {
                eprintln!("<== FAILED: {}: {message}", step.name);
                failed.push(step.name);
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} step(s) failed: {}",
            failed.len(),
            failed.join("; ")
        ))
    }
}

fn docs() -> crate::Result {
    crate::docs::run(&["--check".to_owned()])
}

fn fmt() -> crate::Result {
    cargo(&["fmt", "--all", "--check"], &[])
}

fn gen_check() -> crate::Result {
    crate::gen::run(&["--check".to_string()])
}

fn lint() -> crate::Result {
    crate::spec::lint(&[])
}

fn coverage() -> crate::Result {
    crate::coverage::run(&["--check".to_string()])
}

fn validate() -> crate::Result {
    crate::validate::run(&[])
}

fn contract() -> crate::Result {
    crate::contract::run(&[])
}

fn fuzz() -> crate::Result {
    let args = ["--cases", "30", "--generate-every", "5", "--compile", "1"];
    crate::fuzz::run(&args.map(String::from))
}

fn publish_dry_run() -> crate::Result {
    crate::publish::run(&["--dry-run".to_string()])
}

fn clippy() -> crate::Result {
    cargo(
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )
}

fn features() -> crate::Result {
    crate::features::run(&[])
}

fn doc() -> crate::Result {
    cargo(
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )
}

/// The background build started by [`provision`], joined before the tests that need the tool.
static PROVISIONING: Mutex<Option<JoinHandle<crate::Result>>> = Mutex::new(None);

fn provision() -> crate::Result {
    let root = crate::workspace_root();
    let build = std::thread::spawn(move || crate::diff::rust_api::provision(&root));
    *PROVISIONING
        .lock()
        .map_err(|_| "the provisioning lock is poisoned")? = Some(build);
    Ok(())
}

fn cargo_test() -> crate::Result {
    let build = PROVISIONING
        .lock()
        .map_err(|_| "the provisioning lock is poisoned")?
        .take();
    if let Some(build) = build {
        let started = Instant::now();
        // A failed background build is reported here; the tests that need the tool then try
        // once more in the foreground and fail with its output if it still cannot be built.
        match build.join() {
            Ok(Ok(())) => {}
            Ok(Err(message)) => eprintln!("background build of cargo-semver-checks: {message}"),
            Err(_) => eprintln!("background build of cargo-semver-checks panicked"),
        }
        eprintln!(
            "waited {:.1?} for the background build of cargo-semver-checks",
            started.elapsed()
        );
    }
    cargo(&["test", "--workspace"], &[])
}
