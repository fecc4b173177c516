//! Timed cargo builds for the bench: a fresh target directory, then rebuilds of only the
//! generated crates (their sources touched, dependencies already built).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

/// A target directory under `target/` that the bench owns.
pub struct TargetDir {
    pub root: PathBuf,
    pub dir: PathBuf,
}

impl TargetDir {
    /// `target/<name>` for builds in `root`, emptied first when `fresh`.
    pub fn new(root: &Path, name: &str, fresh: bool) -> crate::Result<Self> {
        let dir = crate::workspace_root().join("target").join(name);
        if fresh && dir.exists() {
            std::fs::remove_dir_all(&dir)
                .map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
        }
        Ok(TargetDir {
            root: root.to_path_buf(),
            dir,
        })
    }

    /// `cargo build --quiet <args>`, timed.
    pub fn build(&self, args: &[String]) -> crate::Result<Duration> {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
        let start = Instant::now();
        let output = Command::new(&cargo)
            .args(["build", "--quiet"])
            .args(args)
            .current_dir(&self.root)
            .env("CARGO_TARGET_DIR", &self.dir)
            .env_remove("RUSTFLAGS")
            // Users build the generated crates as dependencies: never incrementally.
            .env("CARGO_INCREMENTAL", "0")
            .output()
            .map_err(|e| format!("cannot run {cargo}: {e}"))?;
        let elapsed = start.elapsed();
        if !output.status.success() {
            return Err(format!(
                "cargo build {} failed ({}) in {}:\n{}",
                args.join(" "),
                output.status,
                self.root.display(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        Ok(elapsed)
    }

    /// The median of `runs` builds, each after touching `sources` so that only their crates
    /// compile again.
    pub fn rebuild(
        &self,
        sources: &[PathBuf],
        args: &[String],
        runs: usize,
    ) -> crate::Result<Duration> {
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            for source in sources {
                touch(source)?;
            }
            times.push(self.build(args)?);
        }
        Ok(median(times))
    }
}

/// Sets the modification time to now, so cargo sees the crate as changed.
fn touch(path: &Path) -> crate::Result {
    let file = std::fs::File::options()
        .append(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    file.set_modified(SystemTime::now())
        .map_err(|e| format!("cannot touch {}: {e}", path.display()))
}

pub fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

pub fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}
