//! Generator for the SPS REST API SDK.
//!
//! The pipeline, one module per step:
//! [`spec`] loads, bundles and checks the OpenAPI description; [`model`] lowers it into an
//! intermediate model with Rust names decided once ([`naming`]); [`types`], [`client`] and
//! [`server`] build token streams with `quote!`; [`emit`] formats them and writes files.

pub mod client;
pub mod emit;
pub mod model;
pub mod naming;
pub mod server;
pub mod spec;
pub mod types;

#[cfg(test)]
mod test_support;

use std::path::PathBuf;

pub use emit::GeneratedFile;
pub use spec::Diagnostic;

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

/// The three generated crates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The serde types crate (`sps-types`).
    pub types: CrateConfig,
    /// The HTTP client crate (`sps-client`).
    pub client: CrateConfig,
    /// The axum server-stub crate (`sps-server`).
    pub server: CrateConfig,
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
        }
    }
}

/// Runs the whole pipeline: lowers `spec` into the model and emits the three crates.
///
/// The files are sorted by path; the same spec always gives byte-identical output.
pub fn generate(spec: &spec::Spec, config: &Config) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    let model = model::lower(spec)?;
    generate_from_model(&model, config)
}

/// Emits the three crates from an already lowered model.
pub fn generate_from_model(
    model: &model::Model,
    config: &Config,
) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    // The three crates are independent; formatting dominates, so emit them in parallel. Results
    // are collected in a fixed order and sorted, so the output stays deterministic.
    let results = std::thread::scope(|scope| {
        let types = scope.spawn(|| types::files(model, config));
        let client = scope.spawn(|| client::files(model, config));
        let server = server::files(model, config);
        [join(types), join(client), server]
    });
    for result in results {
        match result {
            Ok(more) => files.extend(more),
            Err(more) => diagnostics.extend(more),
        }
    }
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    for krate in [&config.types, &config.client, &config.server] {
        files.push(emit::rustfmt_config(&krate.dir));
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The result of an emitter thread; a panic in it (a generator bug) becomes a diagnostic.
fn join(
    handle: std::thread::ScopedJoinHandle<'_, Result<Vec<GeneratedFile>, Vec<Diagnostic>>>,
) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    handle.join().unwrap_or_else(|_| {
        Err(vec![Diagnostic {
            file: PathBuf::new(),
            pointer: String::new(),
            line: None,
            message: "internal error: an emitter panicked".to_string(),
        }])
    })
}
