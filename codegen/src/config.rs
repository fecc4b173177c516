//! Where the generated crates go and what they are called.

use std::path::PathBuf;

/// Where and under which name one generated crate is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrateConfig {
    /// Directory relative to the workspace root (`generated-types`).
    pub dir: PathBuf,
    /// Package name (`sps-types`).
    pub package: String,
    /// Package version (`0.1.0`).
    pub version: String,
}

impl CrateConfig {
    /// The crate's Rust name (`sps_types`).
    pub fn lib_name(&self) -> String {
        self.package.replace('-', "_")
    }
}

/// Where the published crates point their users: `[workspace.package]` `repository` and
/// `homepage` of the workspace's `Cargo.toml`, so that one setting serves every crate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// The source repository (`repository` in the manifests).
    pub repository: Option<String>,
    /// The project's home page (`homepage` in the manifests).
    pub homepage: Option<String>,
}

/// The three generated crates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The serde types crate (`sps-types`).
    pub types: CrateConfig,
    /// The HTTP client crate (`sps-client`).
    pub client: CrateConfig,
    /// The axum server-stub crate (`sps-server`).
    pub server: CrateConfig,
    /// Repository and home page of every published crate.
    pub links: Links,
}

impl Default for Config {
    /// The workspace layout of `ARCHITECTURE.md`.
    fn default() -> Self {
        let krate = |dir: &str, package: &str| CrateConfig {
            dir: PathBuf::from(dir),
            package: package.to_string(),
            version: "0.1.0".to_string(),
        };
        Config {
            types: krate("generated-types", "sps-types"),
            client: krate("generated-client", "sps-client"),
            server: krate("generated-server", "sps-server"),
            links: Links::default(),
        }
    }
}
