//! The generated `sps-client` crate (stub until the client emitter lands).

use crate::emit::GeneratedFile;
use crate::model::Model;
use crate::spec::Diagnostic;
use crate::Config;

/// Every file of the generated client crate.
pub fn files(model: &Model, config: &Config) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    let _ = (model, config);
    Ok(vec![])
}
