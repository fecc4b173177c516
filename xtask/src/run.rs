//! Running the other programs the jobs drive: cargo (the one running this xtask) and git.

use std::path::Path;
use std::process::Command;

/// Runs cargo in the workspace root with extra environment variables; fails on a non-zero exit.
pub fn cargo(args: &[&str], env: &[(&str, &str)]) -> crate::Result {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(&cargo)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(crate::workspace_root())
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

/// Runs git in `root` and returns what it printed; fails with git's message.
pub fn git(root: &Path, args: &[&str]) -> crate::Result<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "git {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("git {}: {e}", args.join(" ")))
}
