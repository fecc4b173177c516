//! Generator for the SPS REST API SDK.
//!
//! The pipeline, one module per step, each depending only on the steps below it:
//! [`spec`] loads, bundles and checks the OpenAPI description (every rule about the spec lives
//! there); [`model`] lowers a spec that passes [`spec::generation_checks`] into an intermediate
//! model with Rust names decided once ([`naming`]); [`types`], [`client`] and [`server`] are
//! sibling emitters that read only the model and [`emit`] (shared docs, type names, file
//! headers), which formats and writes the files. [`Config`] says where the crates go.

pub mod client;
mod config;
pub mod emit;
mod graph;
pub mod model;
pub mod naming;
pub mod server;
pub mod spec;
pub mod types;

#[cfg(test)]
mod test_support;

use std::path::PathBuf;

pub use config::{Config, CrateConfig, Links};
pub use emit::GeneratedFile;
pub use spec::Diagnostic;

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
