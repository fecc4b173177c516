//! The release record and the version of the generated crates.
//!
//! `release/published.yaml` says which version was last published (`version`), and
//! `release/published-openapi.yaml` is the bundled spec it was generated from; `cargo xtask
//! publish` writes both. The version of the generated crates is never set by hand: it is the
//! last published version bumped by what `cargo xtask diff` finds between that spec and the
//! current one (semver as Cargo reads it: before 1.0 a breaking change bumps the minor number,
//! anything else the patch number). With no record yet, the crates are at [`FIRST`].

use std::fmt;
use std::path::{Path, PathBuf};

use codegen::spec::Spec;

use crate::diff::{compare, Change, Summary};

/// The version of the first release.
pub const FIRST: Version = Version {
    major: 0,
    minor: 1,
    patch: 0,
};

/// `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl Version {
    pub fn parse(text: &str) -> Option<Version> {
        let mut parts = text.trim().split('.').map(|p| p.parse::<u64>().ok());
        let version = Version {
            major: parts.next()??,
            minor: parts.next()??,
            patch: parts.next()??,
        };
        parts.next().is_none().then_some(version)
    }

    /// The next version for a change of this level (`major`, `minor` or `patch`).
    pub fn bump(self, level: &str) -> Version {
        let Version {
            major,
            minor,
            patch,
        } = self;
        match (level, major) {
            ("major", 0) => Version::new(0, minor + 1, 0),
            ("major", _) => Version::new(major + 1, 0, 0),
            ("minor", m) if m > 0 => Version::new(major, minor + 1, 0),
            _ => Version::new(major, minor, patch + 1),
        }
    }

    const fn new(major: u64, minor: u64, patch: u64) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The record of the last release, if there was one.
pub struct Published {
    pub version: Version,
    /// The bundled spec of that release.
    pub spec: PathBuf,
}

/// What the next release is.
pub struct Plan {
    /// The version the generated crates carry.
    pub version: Version,
    /// The last release, if any.
    pub published: Option<Published>,
    /// The changes since the last release, classified (empty for the first release).
    pub changes: Vec<Change>,
}

impl Plan {
    /// Whether there is anything to publish: a first release, or a change since the last.
    pub fn has_changes(&self) -> bool {
        self.published.is_none() || !self.changes.is_empty()
    }
}

pub fn record_path(root: &Path) -> PathBuf {
    root.join("release/published.yaml")
}

pub fn published_spec_path(root: &Path) -> PathBuf {
    root.join("release/published-openapi.yaml")
}

/// Reads the release record (`None` before the first release).
pub fn published(root: &Path) -> crate::Result<Option<Published>> {
    let path = record_path(root);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let record: serde_yaml::Value =
        serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let version = record
        .get("version")
        .and_then(serde_yaml::Value::as_str)
        .and_then(Version::parse)
        .ok_or_else(|| {
            format!(
                "{}: `version` must be a string like \"0.1.0\"",
                path.display()
            )
        })?;
    Ok(Some(Published {
        version,
        spec: published_spec_path(root),
    }))
}

/// The next release for the spec in `spec/`: the version from the changes since the last one.
pub fn plan(root: &Path, spec: &Spec) -> crate::Result<Plan> {
    let Some(published) = published(root)? else {
        return Ok(Plan {
            version: FIRST,
            published: None,
            changes: Vec::new(),
        });
    };
    let old = codegen::spec::load_file(&published.spec).map_err(|diagnostics| {
        let listed: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
        format!(
            "the spec of the last release does not load:\n  {}",
            listed.join("\n  ")
        )
    })?;
    let changes = compare(old.json(), spec.json());
    let version = if changes.is_empty() {
        published.version
    } else {
        published.version.bump(Summary::of(&changes).semver)
    };
    Ok(Plan {
        version,
        published: Some(published),
        changes,
    })
}

/// `repository` and `homepage` of `[workspace.package]` in the root `Cargo.toml`: the one place
/// that says where the published crates point their users.
pub fn links(root: &Path) -> crate::Result<codegen::Links> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let manifest: toml::Table = text
        .parse()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let package = manifest
        .get("workspace")
        .and_then(|w| w.get("package"))
        .and_then(toml::Value::as_table);
    let field = |key: &str| {
        package
            .and_then(|p| p.get(key))
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    Ok(codegen::Links {
        repository: field("repository"),
        homepage: field("homepage"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_bump_as_cargo_reads_semver() {
        let v = |text| Version::parse(text).unwrap();
        assert_eq!(v("0.1.0").bump("major"), v("0.2.0"));
        assert_eq!(v("0.1.3").bump("minor"), v("0.1.4"));
        assert_eq!(v("0.1.3").bump("patch"), v("0.1.4"));
        assert_eq!(v("1.2.3").bump("major"), v("2.0.0"));
        assert_eq!(v("1.2.3").bump("minor"), v("1.3.0"));
        assert_eq!(v("1.2.3").bump("patch"), v("1.2.4"));
        assert_eq!(Version::parse("1.2"), None);
        assert_eq!(Version::parse("1.2.3.4"), None);
        assert_eq!(v(" 0.1.0\n").to_string(), "0.1.0");
    }

    #[test]
    fn the_version_counts_from_the_last_release() {
        let spec = crate::spec::load().unwrap();
        let dir = std::env::temp_dir().join(format!("xtask-release-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("release")).unwrap();
        assert_eq!(
            plan(&dir, &spec).unwrap().version,
            FIRST,
            "no record: first release"
        );

        let bundle = codegen::spec::bundle_yaml(&spec);
        let publish = |version: &str, bundle: &str| {
            std::fs::write(published_spec_path(&dir), bundle).unwrap();
            std::fs::write(record_path(&dir), format!("version: \"{version}\"\n")).unwrap();
        };
        publish("0.3.1", &bundle);
        let same = plan(&dir, &spec).unwrap();
        assert_eq!(same.version.to_string(), "0.3.1");
        assert!(!same.has_changes());

        // The release had an operation more: removing it breaks users.
        let mut tree: serde_yaml::Value = serde_yaml::from_str(&bundle).unwrap();
        let paths = tree["paths"].as_mapping_mut().unwrap();
        let info = paths["/api/info"].clone();
        paths.insert("/api/info-gone".into(), info);
        publish("0.3.1", &serde_yaml::to_string(&tree).unwrap());
        let removed = plan(&dir, &spec).unwrap();
        assert_eq!(removed.version.to_string(), "0.4.0");
        assert!(removed
            .changes
            .iter()
            .any(|c| c.kind == "operation-removed"));

        // The release lacked an operation: adding one is compatible.
        let mut tree: serde_yaml::Value = serde_yaml::from_str(&bundle).unwrap();
        tree["paths"].as_mapping_mut().unwrap().remove("/api/info");
        publish("1.2.3", &serde_yaml::to_string(&tree).unwrap());
        assert_eq!(plan(&dir, &spec).unwrap().version.to_string(), "1.3.0");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
