//! `cargo xtask <verb>`: the workspace's jobs, in plain Rust.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some(verb) => {
            eprintln!("xtask: unknown verb `{verb}`");
            ExitCode::FAILURE
        }
        None => {
            eprintln!("usage: cargo xtask <gen [--check] | bundle | lint | bench>");
            ExitCode::FAILURE
        }
    }
}
