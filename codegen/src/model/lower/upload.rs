//! Lowering of request bodies that are not JSON: raw binary uploads and `multipart/form-data`
//! forms. Both are streamed by the generated client and handed to the server as streams, so
//! the binary parts get no Rust type of their own.

use openapiv3::{
    MediaType, ReferenceOr, Schema, SchemaKind, StringFormat, Type, VariantOrUnknownOrEmpty,
};

use super::shape::{SchemaRef, Shape, View};
use super::Lowerer;
use crate::model::{FormField, Upload};
use crate::naming::{self, Scope};
use crate::spec::pointer::join;

/// The media type of a form upload.
const MULTIPART: &str = "multipart/form-data";

/// Argument names the generated client method already uses.
const RESERVED_ARGUMENTS: [&str; 3] = ["self", "body", "params"];

/// Whether a schema is a binary string (`type: string, format: binary`).
fn is_binary(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) => {
            matches!(
                s.format,
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary)
            )
        }
        _ => false,
    }
}

impl<'a> Lowerer<'a> {
    /// The upload of a non-JSON request body with media type `content_type`; `None` (with an
    /// error at `pointer`) when the generator cannot stream it.
    pub(super) fn upload(
        &mut self,
        content_type: &str,
        media: &'a MediaType,
        pointer: &str,
        type_name: &str,
    ) -> Option<Upload> {
        let schema_pointer = format!("{pointer}/schema");
        let schema = match media.schema.as_ref() {
            Some(schema) => self.upload_schema(schema, &schema_pointer)?,
            None => {
                self.error(pointer, "an upload body needs a `schema`");
                return None;
            }
        };
        let essence = content_type.split(';').next().unwrap_or("").trim();
        if essence.eq_ignore_ascii_case(MULTIPART) {
            return self.form(media, schema, &schema_pointer, type_name);
        }
        if !is_binary(schema) {
            self.error(
                &schema_pointer,
                format!(
                    "a `{content_type}` body must be `type: string, format: binary` (a raw upload) \
                     or the body must be `{MULTIPART}`"
                ),
            );
            return None;
        }
        Some(Upload::Raw)
    }

    /// The schema itself, following one `$ref` to `components/schemas`.
    fn upload_schema(
        &mut self,
        schema: &'a ReferenceOr<Schema>,
        pointer: &str,
    ) -> Option<&'a Schema> {
        match schema {
            ReferenceOr::Item(schema) => Some(schema),
            ReferenceOr::Reference { reference } => match self.component_schema(reference) {
                Some((schema, _)) => Some(schema),
                None => {
                    self.error(
                        pointer,
                        format!("`$ref` does not resolve to a schema: {reference}"),
                    );
                    None
                }
            },
        }
    }

    /// A `multipart/form-data` form: an object whose binary properties are file parts and
    /// whose scalar properties are text parts.
    fn form(
        &mut self,
        media: &'a MediaType,
        schema: &'a Schema,
        pointer: &str,
        type_name: &str,
    ) -> Option<Upload> {
        let view = View::of(schema);
        let Some(properties) = view.properties().filter(|p| !p.is_empty()) else {
            self.error(
                pointer,
                "a multipart form must be an object schema with `properties`",
            );
            return None;
        };
        let required = view.required();
        let mut names = Scope::with_reserved(RESERVED_ARGUMENTS);
        let mut fields = Vec::new();
        for (name, property) in properties {
            let property_pointer = join(&join(pointer, "properties"), name);
            let resolved = match property {
                ReferenceOr::Item(schema) => Some(&**schema),
                ReferenceOr::Reference { reference } => {
                    self.component_schema(reference).map(|(schema, _)| schema)
                }
            };
            let binary = resolved.is_some_and(is_binary);
            let text = if binary {
                None
            } else {
                let scalar = resolved.map(|s| View::of(s).shape());
                if !matches!(
                    scalar,
                    Some(
                        Shape::String
                            | Shape::Integer { .. }
                            | Shape::Number
                            | Shape::Bool
                            | Shape::StringEnum(_)
                    )
                ) {
                    self.error(
                        &property_pointer,
                        "a form field must be a file (`format: binary`) or a scalar (string, \
                         number, boolean, enumeration)",
                    );
                    continue;
                }
                Some(self.type_of(
                    SchemaRef::from_box(property),
                    &property_pointer,
                    &format!("{type_name}{}", naming::type_name(name)),
                ))
            };
            let content_type = media
                .encoding
                .get(name)
                .and_then(|e| e.content_type.clone());
            fields.push(FormField {
                name: name.clone(),
                rust_name: names.claim(&naming::snake(name, "field")),
                text,
                content_type,
                required: required.contains(name),
                description: resolved.and_then(|s| View::of(s).description()),
            });
        }
        if !fields.iter().any(|f| f.text.is_none()) {
            self.error(
                pointer,
                "a multipart form needs at least one file (`format: binary`) property",
            );
            return None;
        }
        Some(Upload::Multipart(fields))
    }
}
