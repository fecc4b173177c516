//! The generated `sps-types` crate: one Rust type per schema.
//!
//! Objects keep unknown fields, string enums keep unknown values, discriminated unions keep
//! unknown tags: whatever a newer appliance sends survives a decode / encode round trip.

mod traits;

use proc_macro2::TokenStream;
use quote::quote;

use crate::config::Config;
use crate::emit::{
    self, doc_attrs, features, local_type_tokens, rust_file, template_file, GeneratedFile,
};
use crate::model::{
    Extra, Field, Model, Payload, Struct, Tagged, TypeDef, TypeKind, TypeRef, UntaggedVariant,
    ROUNDTRIP_FEATURE,
};
use crate::naming::{ident, unraw};
use crate::spec::Diagnostic;

use traits::Traits;

/// The fixed serde helpers, emitted verbatim as `src/runtime.rs`.
const RUNTIME: &str = include_str!("../templates/types_runtime.rs");

/// Every file of the generated types crate.
pub fn files(model: &Model, config: &Config) -> Result<Vec<GeneratedFile>, Vec<Diagnostic>> {
    let dir = &config.types.dir;
    Ok(vec![
        GeneratedFile::with_line_comment(dir.join("Cargo.toml"), "#", &cargo_toml(model, config)),
        GeneratedFile::markdown(dir.join("README.md"), &readme(model, config)),
        rust_file(dir.join("src/lib.rs"), lib_tokens(model))?,
        template_file(dir.join("src/runtime.rs"), RUNTIME),
    ])
}

fn cargo_toml(model: &Model, config: &Config) -> String {
    let description = format!("Serde types for the {}", model.info.title);
    let package = emit::package_section(
        &config.types,
        &config.links,
        &description,
        r#"keywords = ["sps", "safeguard", "openapi", "serde"]
categories = ["api-bindings"]
"#,
    );
    // The round-trip lookup names every type, so it compiles every type's serde code: only the
    // workspace's own tests turn it on.
    let roundtrip = format!(
        "# Not an area: `__roundtrip`, a lookup of every type by name for round-trip tests.\n\
         # It compiles the serde code of every type; leave it off.\n{ROUNDTRIP_FEATURE} = []\n"
    );
    let features = features::manifest_section(&model.features, &[], &roundtrip);
    format!(
        r#"{package}
[dependencies]
indexmap = {{ version = "2", features = ["serde"] }}
serde = {{ version = "1", features = ["derive"] }}
serde_json = {{ version = "1", features = ["preserve_order"] }}
{features}"#
    )
}

fn readme(model: &Model, config: &Config) -> String {
    let krate = &config.types;
    let mut out = format!(
        "# {package}\n\n\
         Serde types for every schema of the {title} (API description version {version}),\n\
         generated from the OpenAPI description. No HTTP dependencies: use them with any client.\n\n\
         Forward compatible by construction:\n\n\
         - objects keep fields they do not know in a flattened `extra` map and write them back;\n\
         - string enums keep values they do not know in an `Unknown(String)` variant;\n\
         - unions tagged by a property keep unknown tags (the whole object) in a catch-all variant.\n\n\
         Optional fields are `Option<T>`; fields that may be absent or `null` are `Option<Option<T>>`\n\
         (`None`: absent, `Some(None)`: explicit `null`).\n",
        package = krate.package,
        title = model.info.title,
        version = model.info.version,
    );
    if let Some(example) = roundtrip_example(model, &krate.lib_name()) {
        out.push_str(&example);
    }
    out
}

/// A README example (a doctest that runs) reading one of the spec's examples with a field added
/// by a newer appliance, and writing it back unchanged.
fn roundtrip_example(model: &Model, lib: &str) -> Option<String> {
    const ADDED: &str = "added_by_a_newer_appliance";
    let eligible = |example: &&crate::model::Example| {
        let TypeRef::Named(name) = &example.type_ref else {
            return false;
        };
        let keeps = model
            .type_def(name)
            .is_some_and(|def| matches!(&def.kind, TypeKind::Struct(s) if s.extra == Extra::Keep));
        keeps && example.value.is_object()
    };
    // An object the client README reads and writes back, if there is one, else any object.
    let showcased = emit::showcase::find(model).and_then(|show| show.get.success_type.clone());
    let example = model
        .examples
        .iter()
        .filter(eligible)
        .find(|example| Some(&example.type_ref) == showcased.as_ref())
        .or_else(|| model.examples.iter().find(eligible))?;
    let TypeRef::Named(name) = &example.type_ref else {
        return None;
    };
    let mut value = example.value.clone();
    value
        .as_object_mut()?
        .insert(ADDED.to_string(), serde_json::Value::Bool(true));
    let json = serde_json::to_string_pretty(&value).ok()?;
    // A raw string delimiter the JSON does not contain.
    let mut hashes = "#".to_string();
    while json.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    Some(format!(
        "\n## Example\n\n\
         ```rust\n\
         fn main() -> Result<(), serde_json::Error> {{\n    \
             let text = r{hashes}\"{json}\"{hashes};\n    \
             let value: {lib}::{name} = serde_json::from_str(text)?;\n    \
             // The field this version does not know is kept, and written back.\n    \
             assert_eq!(value.extra[\"{ADDED}\"], serde_json::json!(true));\n    \
             let written = serde_json::to_value(&value)?;\n    \
             assert_eq!(written, serde_json::from_str::<serde_json::Value>(text)?);\n    \
             Ok(())\n\
         }}\n\
         ```\n",
        json = json.replace('\n', "\n    "),
    ))
}

fn lib_tokens(model: &Model) -> TokenStream {
    let traits = Traits::new(&model.types);
    let defs = model.types.iter().map(|def| type_def(def, &traits));
    let roundtrip = roundtrip_fn(model);
    let recursion_limit = crate::emit::recursion_limit(model.recursion_limit);
    quote! {
        #recursion_limit
        // The README is the crate documentation, so its example is compiled and run as a doctest.
        #![doc = include_str!("../README.md")]
        // Variant names come from wire values, which may share a prefix with the enum's name.
        #![allow(clippy::enum_variant_names)]

        #[doc(hidden)]
        pub mod runtime;

        #[doc(hidden)]
        pub use runtime::{double_option, tagged};

        #(#defs)*

        #roundtrip
    }
}

/// Examples longer than this (pretty-printed) are left out of the rustdoc.
const MAX_EXAMPLE_LINES: usize = 40;

fn type_doc(def: &TypeDef) -> TokenStream {
    let mut text = def.description.clone().unwrap_or_default();
    if text.is_empty() {
        text = match &def.schema_name {
            Some(name) => format!("The `{name}` schema."),
            None => format!("Inline schema at `{}`.", def.pointer),
        };
    }
    let mut docs = doc_attrs(&text);
    if let Some(example) = def.examples.first() {
        // Long examples would bury the type's documentation; the spec still has them.
        let pretty = serde_json::to_string_pretty(example).ok();
        if let Some(pretty) = pretty.filter(|p| p.lines().count() <= MAX_EXAMPLE_LINES) {
            let block = format!("Example:\n\n```json\n{pretty}\n```");
            let lines: Vec<String> = std::iter::once(String::new())
                .chain(block.lines().map(|l| format!(" {l}")))
                .collect();
            docs.extend(quote! { #( #[doc = #lines] )* });
        }
    }
    docs
}

/// The items of one type, each behind the type's feature gate.
fn type_def(def: &TypeDef, traits: &Traits) -> TokenStream {
    let docs = type_doc(def);
    let name = ident(&def.name);
    let cfg = features::cfg(&def.gate);
    match &def.kind {
        TypeKind::Struct(s) => struct_def(def, s, traits, quote!(#docs #cfg)),
        TypeKind::StringEnum(values) => string_enum(&name, values, docs, &cfg),
        TypeKind::Tagged(t) => tagged_enum(def, t, traits, docs, &cfg),
        TypeKind::Untagged(variants) => untagged_enum(def, variants, traits, docs, &cfg),
        TypeKind::Alias(target) => {
            let target = local_type_tokens(target);
            quote! {
                #docs
                #cfg
                pub type #name = #target;
            }
        }
    }
}

fn derives(eq: bool, default: bool) -> TokenStream {
    let eq = eq.then(|| quote!(Eq,));
    let default = default.then(|| quote!(Default,));
    quote!(#[derive(Debug, Clone, PartialEq, #eq #default serde::Serialize, serde::Deserialize)])
}

fn field_tokens(field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    let mut ty = local_type_tokens(&field.type_ref);
    if field.boxed {
        ty = quote!(Box<#ty>);
    }
    let rename = (unraw(&field.rust_name) != field.wire_name).then(|| {
        let wire = &field.wire_name;
        quote!(rename = #wire,)
    });
    let (ty, serde) = match (field.required, field.nullable) {
        (true, false) => (ty, rename.map(|r| quote!(#[serde(#r)]))),
        (true, true) => (quote!(Option<#ty>), rename.map(|r| quote!(#[serde(#r)]))),
        (false, false) => (
            quote!(Option<#ty>),
            Some(quote!(#[serde(#rename default, skip_serializing_if = "Option::is_none")])),
        ),
        (false, true) => (
            quote!(Option<Option<#ty>>),
            Some(
                quote!(#[serde(#rename default, skip_serializing_if = "Option::is_none", with = "double_option")]),
            ),
        ),
    };
    let docs = field.description.as_deref().map(doc_attrs);
    quote! {
        #docs
        #serde
        pub #name: #ty,
    }
}

fn struct_def(def: &TypeDef, s: &Struct, traits: &Traits, docs: TokenStream) -> TokenStream {
    let name = ident(&def.name);
    let fields = s.fields.iter().map(field_tokens);
    let extra = match &s.extra {
        Extra::Keep => Some(quote! {
            /// Properties this version of the types does not know, kept so they are written back.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }),
        Extra::Typed(value) => {
            let value = local_type_tokens(value);
            Some(quote! {
                /// Further properties (`additionalProperties`).
                #[serde(flatten)]
                pub extra: indexmap::IndexMap<String, #value>,
            })
        }
        Extra::Deny => None,
    };
    let derive = derives(traits.eq(&def.name), traits.default(&def.name));
    quote! {
        #docs
        #derive
        pub struct #name {
            #(#fields)*
            #extra
        }
    }
}

fn string_enum(
    name: &proc_macro2::Ident,
    values: &[crate::model::EnumValue],
    docs: TokenStream,
    cfg: &TokenStream,
) -> TokenStream {
    let variants: Vec<_> = values.iter().map(|v| ident(&v.rust_name)).collect();
    let wires: Vec<_> = values.iter().map(|v| v.wire.as_str()).collect();
    let variant_docs: Vec<String> = values
        .iter()
        .map(|v| format!(" `{}`", v.wire.replace('`', "'")))
        .collect();
    quote! {
        #docs
        #cfg
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #name {
            #( #[doc = #variant_docs] #variants, )*
            /// A value this version of the types does not know, kept as sent.
            Unknown(String),
        }

        #cfg
        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#variants => #wires, )*
                    Self::Unknown(value) => value,
                }
            }
        }

        #cfg
        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #wires => Self::#variants, )*
                    other => Self::Unknown(other.to_string()),
                }
            }
        }

        #cfg
        impl std::str::FromStr for #name {
            type Err = std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        #cfg
        impl std::fmt::Display for #name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #cfg
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #cfg
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = String::deserialize(deserializer)?;
                Ok(Self::from(value.as_str()))
            }
        }
    }
}

fn tagged_enum(
    def: &TypeDef,
    t: &Tagged,
    traits: &Traits,
    docs: TokenStream,
    cfg: &TokenStream,
) -> TokenStream {
    let name = ident(&def.name);
    let tag = &t.tag;
    let unknown = ident(&t.unknown_name);
    let mut variants = Vec::new();
    let mut ser_arms = Vec::new();
    let mut de_arms = Vec::new();
    let mut tag_arms = Vec::new();
    for v in &t.variants {
        let variant = ident(&v.rust_name);
        let tag_value = &v.tag_value;
        let doc = format!(" `{tag}: {tag_value}`");
        tag_arms.push(match &v.payload {
            Payload::Unit => quote!(Self::#variant => Some(#tag_value),),
            _ => quote!(Self::#variant(_) => Some(#tag_value),),
        });
        match &v.payload {
            Payload::Unit => {
                variants.push(quote!(#[doc = #doc] #variant,));
                ser_arms.push(quote!(Self::#variant => {}));
                de_arms.push(quote! {
                    Some(#tag_value) if map.len() == 1 => Ok(Self::#variant),
                });
            }
            Payload::Value { field, type_ref } => {
                let ty = local_type_tokens(type_ref);
                variants.push(quote!(#[doc = #doc] #variant(#ty),));
                ser_arms.push(quote! {
                    Self::#variant(value) => tagged::insert::<S, _>(&mut map, #field, value)?,
                });
                de_arms.push(quote! {
                    Some(#tag_value) if map.len() == 2 && map.contains_key(#field) => {
                        tagged::field::<D, _>(&map, #field).map(Self::#variant)
                    }
                });
            }
            Payload::Struct { type_ref, boxed } => {
                let mut ty = local_type_tokens(type_ref);
                if *boxed {
                    ty = quote!(Box<#ty>);
                }
                variants.push(quote!(#[doc = #doc] #variant(#ty),));
                ser_arms.push(quote! {
                    Self::#variant(value) => tagged::flatten_into::<S, _>(&mut map, value)?,
                });
                de_arms.push(quote! {
                    Some(#tag_value) => tagged::without_tag::<D, _>(map, #tag).map(Self::#variant),
                });
            }
        }
    }
    let eq = traits.eq(&def.name).then(|| quote!(Eq,));
    let unknown_doc = doc_attrs(&format!(
        "An object whose `{tag}` this version of the types does not know (or whose shape does not \
         fit its variant), kept whole."
    ));
    quote! {
        #docs
        #cfg
        #[derive(Debug, Clone, PartialEq, #eq)]
        pub enum #name {
            #(#variants)*
            #unknown_doc
            #unknown(serde_json::Map<String, serde_json::Value>),
        }

        #cfg
        impl #name {
            /// The value of the tag property, if the variant is a known one.
            pub fn tag(&self) -> Option<&'static str> {
                match self {
                    #(#tag_arms)*
                    Self::#unknown(_) => None,
                }
            }
        }

        #cfg
        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = tagged::Object::new();
                if let Some(tag) = self.tag() {
                    map.insert(#tag.to_string(), tag.into());
                }
                match self {
                    #(#ser_arms)*
                    Self::#unknown(fields) => return fields.serialize(serializer),
                }
                map.serialize(serializer)
            }
        }

        #cfg
        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let map = tagged::Object::deserialize(deserializer)?;
                let tag = tagged::tag(&map, #tag);
                match tag.as_deref() {
                    #(#de_arms)*
                    _ => Ok(Self::#unknown(map)),
                }
            }
        }
    }
}

fn untagged_enum(
    def: &TypeDef,
    variants: &[UntaggedVariant],
    traits: &Traits,
    docs: TokenStream,
    cfg: &TokenStream,
) -> TokenStream {
    let name = ident(&def.name);
    let mut members = Vec::new();
    let mut froms = Vec::new();
    for v in variants {
        let variant = ident(&v.rust_name);
        let ty = local_type_tokens(&v.type_ref);
        let unique = variants.iter().filter(|o| o.type_ref == v.type_ref).count() == 1;
        if v.boxed {
            members.push(quote!(#variant(Box<#ty>),));
        } else {
            members.push(quote!(#variant(#ty),));
        }
        if unique {
            let wrap = if v.boxed {
                quote!(Box::new(value))
            } else {
                quote!(value)
            };
            froms.push(quote! {
                #cfg
                impl From<#ty> for #name {
                    fn from(value: #ty) -> Self {
                        Self::#variant(#wrap)
                    }
                }
            });
            if v.type_ref == TypeRef::String {
                froms.push(quote! {
                    #cfg
                    impl From<&str> for #name {
                        fn from(value: &str) -> Self {
                            Self::#variant(value.to_string())
                        }
                    }
                });
            }
        }
    }
    let derive = derives(traits.eq(&def.name), false);
    quote! {
        #docs
        #cfg
        #derive
        #[serde(untagged)]
        pub enum #name {
            #(#members)*
        }

        #(#froms)*
    }
}

fn roundtrip_fn(model: &Model) -> TokenStream {
    let names: Vec<&str> = model.types.iter().map(|t| t.name.as_str()).collect();
    let idents = names.iter().map(|n| ident(n));
    let wire_names: Vec<String> = names.iter().map(|n| unraw(n).to_string()).collect();
    let cfgs = model.types.iter().map(|t| features::cfg(&t.gate));
    let feature = ROUNDTRIP_FEATURE;
    quote! {
        /// Decodes `value` as the type named `type_name` and encodes it again (used by the
        /// round-trip tests of the spec's examples). `None` if there is no such type.
        #[doc(hidden)]
        #[cfg(feature = #feature)]
        pub fn __roundtrip(
            type_name: &str,
            value: serde_json::Value,
        ) -> Option<Result<serde_json::Value, String>> {
            fn roundtrip<T: serde::Serialize + serde::de::DeserializeOwned>(
                value: serde_json::Value,
            ) -> Result<serde_json::Value, String> {
                let decoded: T = serde_json::from_value(value).map_err(|e| format!("decode: {e}"))?;
                serde_json::to_value(&decoded).map_err(|e| format!("encode: {e}"))
            }
            Some(match type_name {
                #( #cfgs #wire_names => roundtrip::<#idents>(value), )*
                _ => return None,
            })
        }
    }
}
