//! Lowering: OpenAPI document -> [`Model`].

use super::*;
use crate::spec::{Diagnostic, Spec};

/// Builds the model of `spec`; every unsupported construct is a [`Diagnostic`].
pub fn lower(spec: &Spec) -> Result<Model, Vec<Diagnostic>> {
    let info = &spec.openapi.info;
    Ok(Model {
        info: Info {
            title: info.title.clone(),
            version: info.version.clone(),
            description: info.description.clone(),
        },
        types: Vec::new(),
        operations: Vec::new(),
        session_cookie: None,
        transaction_ops: None,
    })
}
