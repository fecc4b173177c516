//! Runs `tests/curl_flows.sh` (the documented curl procedures) against the `fake-sps` binary
//! built for this test, and checks that every section ran and passed.
//!
//! The script needs `bash`, `curl` and `jq`. A missing tool fails the test with a message saying
//! what to install: skipping silently would let CI pass without running the flows.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The sections the script reports with `ok - <section>`, in order.
const SECTIONS: [&str; 15] = [
    "anonymous access",
    "login with a cookie jar",
    "browse",
    "documented reads",
    "write without a transaction",
    "open a transaction",
    "password, user and group",
    "another session and the lock",
    "changes and commit",
    "rollback",
    "close an active session",
    "firmware test",
    "documented errors",
    "restart keeps the committed data",
    "https",
];

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/curl_flows.sh")
}

/// Fails the test unless `tool --version` runs.
fn require(tool: &str) {
    let works = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    assert!(
        works,
        "`{tool}` is not installed or does not run: the curl flow test needs bash, curl and jq \
         (CI installs them; on Debian/Ubuntu: apt-get install curl jq)"
    );
}

/// Runs the script with `args`, without proxy settings that could capture loopback requests.
fn run(args: &[&str], path: Option<OsString>) -> Output {
    let mut command = Command::new(which("bash"));
    command.arg(script()).args(args);
    for var in [
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "all_proxy",
    ] {
        command.env_remove(var);
    }
    if let Some(path) = path {
        command.env("PATH", path);
    }
    command.output().expect("bash starts")
}

/// `name` as an absolute path from `PATH`, so that it is found even when a test narrows `PATH`.
fn which(name: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!("`{name}` is not on PATH (the curl flow test needs bash, curl and jq)")
        })
}

fn describe(output: &Output) -> String {
    format!(
        "exit status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn documented_curl_flows_pass_against_the_binary() {
    for tool in ["bash", "curl", "jq"] {
        require(tool);
    }
    let output = run(&[env!("CARGO_BIN_EXE_fake-sps")], None);
    let report = describe(&output);
    assert!(output.status.success(), "the curl flows failed: {report}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let passed: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("ok - "))
        .collect();
    assert_eq!(passed, SECTIONS, "{report}");
    assert_eq!(
        stdout.lines().last(),
        Some("curl flows: all checks passed"),
        "{report}"
    );
}

#[test]
fn a_binary_that_does_not_start_fails_the_flows_with_its_reason() {
    for tool in ["bash", "curl", "jq"] {
        require(tool);
    }
    // `false` accepts any arguments and exits at once: the fake never listens.
    let not_a_server = which("false");
    let output = run(&[not_a_server.to_str().expect("UTF-8 path")], None);
    let report = describe(&output);
    assert_eq!(output.status.code(), Some(1), "{report}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("FAIL [setup]: fake-sps exited before listening"),
        "{report}"
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("all checks passed"));
}

#[test]
fn missing_tools_are_reported_not_skipped() {
    require("bash");
    // A PATH without curl and jq (bash itself is started by its full path).
    let output = run(
        &[env!("CARGO_BIN_EXE_fake-sps")],
        Some(OsString::from("/nonexistent/curl-flows-empty-path")),
    );
    let report = describe(&output);
    assert_eq!(output.status.code(), Some(2), "{report}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("'curl' is not installed; install curl and jq"),
        "{report}"
    );
}
