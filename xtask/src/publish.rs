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
    forget_extracted(&packages.map(|k| k.package.clone()), &version)?;
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

/// Removes cargo's extracted copies of earlier packagings of these crates at this version.
///
/// Cargo builds a packaged crate that depends on another unpublished one from a local registry,
/// and extracts each registry package once per name and version (under
/// `$CARGO_HOME/registry/src/`): a second dry run of the same version would verify against the
/// first run's sources. The extracted copies are a cache; cargo extracts them again.
fn forget_extracted(packages: &[String], version: &str) -> crate::Result {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    let Some(sources) = home.map(|h| h.join("registry/src")) else {
        return Ok(());
    };
    let Ok(registries) = std::fs::read_dir(&sources) else {
        return Ok(());
    };
    for registry in registries.flatten() {
        for package in packages {
            let extracted = registry.path().join(format!("{package}-{version}"));
            if extracted.is_dir() {
                std::fs::remove_dir_all(&extracted)
                    .map_err(|e| format!("{}: {e}", extracted.display()))?;
            }
        }
    }
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
