//! `cargo xtask publish [--dry-run]`: packages the generated crates (`sps-types`, then
//! `sps-client` and `sps-server`, which depend on it), checks that each builds from its
//! tarball, and publishes them; then records the release in `release/`.
//!
//! Before packaging it checks what a release needs: the generated crates are current (so their
//! version is the one the release plan gives, see `release.rs`), something changed since the
//! last release, and `CHANGELOG.md` has an entry for the version (`cargo xtask diff
//! --changelog` drafts one). `--dry-run` stops after packaging (and allows a dirty tree); it is
//! part of `cargo xtask test`. Without it the tree must be clean, the workspace must say where
//! the crates come from (`repository` in `[workspace.package]`), and the crates are uploaded.

use std::path::Path;

use crate::release::{self, Plan};
use crate::run::{cargo, git};

const USAGE: &str = "usage: cargo xtask publish [--dry-run]";

pub fn run(args: &[String]) -> crate::Result {
    let dry_run = match args {
        [] => false,
        [flag] if flag == "--dry-run" => true,
        _ => return Err(USAGE.into()),
    };
    let root = crate::workspace_root();
    crate::gen::run(&["--check".to_string()])?;
    let spec = crate::spec::load()?;
    let plan = release::plan(&root, &spec)?;
    let config = crate::gen::config(&root, &spec)?;
    let version = plan.version.to_string();
    if !plan.has_changes() {
        return Err(format!(
            "nothing to publish: the spec has not changed since {version}, the last release"
        ));
    }
    check_changelog(&root, &plan)?;
    if dry_run && config.links.repository.is_none() {
        println!(
            "note: [workspace.package] in Cargo.toml names no `repository`; publishing refuses \
             until it does"
        );
    }
    if !dry_run {
        if config.links.repository.is_none() {
            return Err(
                "set `repository` (and `homepage`) in [workspace.package] of Cargo.toml \
                        before publishing: the crates' pages link to it"
                    .into(),
            );
        }
        let status = git(&root, &["status", "--porcelain"])?;
        if !status.trim().is_empty() {
            return Err(format!(
                "the working tree has uncommitted changes; publish from a commit:\n{status}"
            ));
        }
    }
    let packages = [&config.types, &config.client, &config.server];
    println!(
        "{} {version}{}",
        if dry_run { "packaging" } else { "publishing" },
        match &plan.published {
            Some(last) => format!(
                " ({} change(s) since {}, {})",
                plan.changes.len(),
                last.version,
                crate::diff::Summary::of(&plan.changes).semver
            ),
            None => " (first release)".to_string(),
        }
    );
    // `cargo package` with every crate at once packages them in dependency order and builds
    // each from its tarball, resolving the unpublished ones among them locally.
    let mut package = vec!["package", "--locked"];
    if dry_run {
        package.push("--allow-dirty");
    }
    for krate in &packages {
        package.extend(["-p", krate.package.as_str()]);
    }
    cargo(&package, &[])?;
    for krate in &packages {
        let file = root
            .join("target/package")
            .join(format!("{}-{version}.crate", krate.package));
        let size = std::fs::metadata(&file)
            .map_err(|e| format!("{}: {e}", file.display()))?
            .len();
        println!(
            "  {} ({} KiB), built from its tarball",
            file.display(),
            size / 1024
        );
    }
    if dry_run {
        println!("dry run: nothing published");
        return Ok(());
    }
    for krate in &packages {
        cargo(&["publish", "--locked", "-p", &krate.package], &[])?;
    }
    record(&root, &version)?;
    println!(
        "published {version}; commit release/ and tag the commit `v{version}`, so that the next \
         version is counted from this one"
    );
    Ok(())
}

/// `CHANGELOG.md` must have a `## <version>` entry, which the crates ship.
fn check_changelog(root: &Path, plan: &Plan) -> crate::Result {
    let path = root.join("CHANGELOG.md");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let version = plan.version.to_string();
    let has_entry = text.lines().any(|line| {
        line.strip_prefix("## ")
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|heading| heading.trim_start_matches('v') == version)
    });
    if has_entry {
        return Ok(());
    }
    let draft = crate::diff::changelog_entry(&version, &plan.changes, plan.published.is_none());
    Err(format!(
        "CHANGELOG.md has no entry for {version}; add one (a draft, from `cargo xtask diff \
         --changelog`):\n\n{draft}"
    ))
}

/// Records the release: its version and the bundled spec the crates were generated from.
fn record(root: &Path, version: &str) -> crate::Result {
    let bundle = root.join("generated-client/openapi.yaml");
    let spec = release::published_spec_path(root);
    std::fs::create_dir_all(root.join("release")).map_err(|e| format!("release/: {e}"))?;
    std::fs::copy(&bundle, &spec).map_err(|e| format!("{}: {e}", spec.display()))?;
    let record = release::record_path(root);
    std::fs::write(
        &record,
        format!(
            "# The last published version of the generated crates; written by `cargo xtask \
             publish`.\n# published-openapi.yaml is the bundled spec it was generated from.\n\
             version: \"{version}\"\n"
        ),
    )
    .map_err(|e| format!("{}: {e}", record.display()))
}
