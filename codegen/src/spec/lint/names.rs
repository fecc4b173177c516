//! Warnings about names: a schema whose Rust name is reserved (`Option`, `String`...) is
//! generated under another name ([`crate::naming::RESERVED_TYPE_NAMES`]).

use serde_json::Value as Json;

use super::Findings;
use crate::naming;
use crate::spec::pointer;

pub fn check(document: &Json, warnings: &mut Findings) {
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Json::as_object)
    else {
        return;
    };
    let (_, rust_names) = naming::schema_type_names(schemas.keys().map(String::as_str));
    for (name, rust) in schemas.keys().zip(rust_names) {
        let wanted = naming::type_name(name);
        if naming::is_reserved_type_name(&wanted) {
            warnings.push((
                pointer::join("/components/schemas", name),
                format!(
                    "schema `{name}` is generated as `{rust}`: `{wanted}` is a name of the Rust \
                     prelude, which the generated code uses"
                ),
            ));
        }
    }
}
