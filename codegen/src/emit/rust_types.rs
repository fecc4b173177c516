//! How generated code names the model's types.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::TypeRef;
use crate::naming::ident;

/// How code outside the types crate names a type: `types::Cluster`, `Vec<types::X>`,
/// `serde_json::Value`, `indexmap::IndexMap<String, types::X>`.
///
/// The using crate must have the types crate in scope as `types` (`use sps_types as types;`)
/// and depend on `serde_json` and `indexmap`.
pub fn type_tokens(type_ref: &TypeRef) -> TokenStream {
    tokens_with_prefix(type_ref, &quote!(types::))
}

/// How the types crate itself names a type (no prefix).
pub fn local_type_tokens(type_ref: &TypeRef) -> TokenStream {
    tokens_with_prefix(type_ref, &TokenStream::new())
}

fn tokens_with_prefix(type_ref: &TypeRef, prefix: &TokenStream) -> TokenStream {
    match type_ref {
        TypeRef::Named(name) => {
            let ident = ident(name);
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

/// The type of a query parameter in a generated struct. Arrays travel as one comma-separated
/// string (the API's convention, e.g. `fields=a,b`), which a query string can carry.
pub fn query_type(t: &TypeRef) -> TokenStream {
    match t {
        TypeRef::Array(_) => quote!(String),
        other => type_tokens(other),
    }
}
