//! The generated `sps-types` crate: one Rust type per schema.

use proc_macro2::TokenStream;
use quote::quote;

use crate::emit::GeneratedFile;
use crate::model::{Model, TypeRef};
use crate::naming;
use crate::spec::Diagnostic;
use crate::Config;

/// How code outside the types crate names a type: `types::Cluster`, `Vec<types::X>`,
/// `serde_json::Value`, `indexmap::IndexMap<String, types::X>`.
///
/// The using crate must have the types crate in scope as `types` (`use sps_types as types;`)
/// and depend on `serde_json` and `indexmap`.
pub fn type_tokens(type_ref: &TypeRef) -> TokenStream {
    tokens_with_prefix(type_ref, &quote!(types::))
}

/// How the types crate itself names a type (no prefix).
pub(crate) fn local_type_tokens(type_ref: &TypeRef) -> TokenStream {
    tokens_with_prefix(type_ref, &TokenStream::new())
}

fn tokens_with_prefix(type_ref: &TypeRef, prefix: &TokenStream) -> TokenStream {
    match type_ref {
        TypeRef::Named(name) => {
            let ident = naming::ident(name);
            quote!(#prefix #ident)
        }
        TypeRef::String => quote!(String),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::F64 => quote!(f64),
        TypeRef::Bool => quote!(bool),
        TypeRef::Array(item) => {
            let item = tokens_with_prefix(item, prefix);
            quote!(Vec<#item>)
        }
        TypeRef::Map(value) => {
            let value = tokens_with_prefix(value, prefix);
            quote!(indexmap::IndexMap<String, #value>)
        }
        TypeRef::Value => quote!(serde_json::Value),
    }
}

/// Every file of the generated types crate.
pub fn files(model: &Model, config: &Config) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    let _ = (model, config);
    Ok(vec![])
}
