//! The generated `sps-server` crate (stub until the server emitter lands).

use crate::emit::GeneratedFile;
use crate::model::Model;
use crate::spec::Diagnostic;
use crate::Config;

/// Every file of the generated server crate.
pub fn files(model: &Model, config: &Config) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    let _ = (model, config);
    Ok(vec![])
}
