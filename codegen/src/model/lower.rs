//! Lowering: OpenAPI document -> [`Model`].
//!
//! Component schemas are named first (document order), so their names win; inline schemas that
//! need a type of their own are hoisted afterwards, named after where they appear, in the order
//! the walk meets them. Every unsupported construct is a [`Diagnostic`] with its JSON pointer.

use std::collections::{BTreeSet, HashMap};

use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, MediaType, OpenAPI, ReferenceOr, Schema, SecurityScheme};

use super::*;
use crate::naming::{self, Scope};
use crate::spec::pointer::join;
use crate::spec::{Diagnostic, Spec};

mod features;
pub(crate) mod media;
mod operations;
mod shape;
mod upload;

use shape::{SchemaRef, Shape, View};

/// Builds the model of `spec`; a broken rule of [`crate::spec::generation_checks`] or an
/// unsupported construct is a [`Diagnostic`].
pub fn lower(spec: &Spec) -> Result<Model, Vec<Diagnostic>> {
    // The rules the generated code relies on are the spec layer's: a model is only built from a
    // spec that keeps them, so nothing after this point checks the spec again.
    let problems = crate::spec::generation_checks(spec);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut lowerer = Lowerer::new(spec);
    lowerer.lower_components();
    let mut operations = lowerer.lower_operations();
    lowerer.finish_tagged_unions();
    lowerer.prune_hoisted(&operations);
    lowerer.box_recursive_fields();
    let session_cookie = lowerer.session_key(openapiv3::APIKeyLocation::Cookie);
    let session_header = lowerer.session_key(openapiv3::APIKeyLocation::Header);
    let transaction_ops = lowerer.transaction_ops(&operations);
    if !lowerer.diagnostics.is_empty() {
        return Err(lowerer.diagnostics);
    }
    let info = &spec.openapi.info;
    let mut types = lowerer.types;
    types.sort_by(|a, b| a.name.cmp(&b.name));
    let features = features::areas(&spec.openapi, &mut operations);
    features::gate_types(&mut types, &operations, &features);
    let recursion_limit = shape::recursion_limit(&types);
    Ok(Model {
        info: Info {
            title: info.title.clone(),
            version: info.version.clone(),
            description: info.description.clone(),
        },
        types,
        operations,
        session_cookie,
        session_header,
        transaction_ops,
        features,
        recursion_limit,
        examples: {
            // A shared parameter or response is met once per operation using it.
            let mut seen = BTreeSet::new();
            let mut examples = lowerer.examples;
            examples.retain(|e| seen.insert(e.pointer.clone()));
            examples
        },
    })
}

const SCHEMAS: &str = "#/components/schemas/";

/// A discriminated `oneOf` whose variants are resolved once every component is lowered.
struct PendingUnion {
    type_index: usize,
    pointer: String,
    tag: String,
    /// (tag value, Rust name of the variant's type, pointer of the mapping entry)
    entries: Vec<(String, TypeRef, String)>,
}

pub(super) struct Lowerer<'a> {
    spec: &'a Spec,
    openapi: &'a OpenAPI,
    /// components/schemas key -> Rust type name.
    component_names: HashMap<String, String>,
    scope: Scope,
    types: Vec<TypeDef>,
    /// Pointer of a hoisted or component schema -> its type, so each is lowered once.
    by_pointer: HashMap<String, TypeRef>,
    pending_unions: Vec<PendingUnion>,
    examples: Vec<Example>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Lowerer<'a> {
    fn new(spec: &'a Spec) -> Self {
        Lowerer {
            spec,
            openapi: &spec.openapi,
            component_names: HashMap::new(),
            scope: naming::schema_type_names([]).0,
            types: Vec::new(),
            by_pointer: HashMap::new(),
            pending_unions: Vec::new(),
            examples: Vec::new(),
            diagnostics: Vec::new(),
        }
    }

    fn error(&mut self, pointer: &str, message: impl Into<String>) {
        let diagnostic = self.spec.diagnostic(pointer, message);
        self.diagnostics.push(diagnostic);
    }

    fn schemas(&self) -> Option<&'a IndexMap<String, ReferenceOr<Schema>>> {
        self.openapi.components.as_ref().map(|c| &c.schemas)
    }

    // ----- components -------------------------------------------------------------------------

    fn lower_components(&mut self) {
        let Some(schemas) = self.schemas() else {
            return;
        };
        let (scope, names) = naming::schema_type_names(schemas.keys().map(String::as_str));
        self.scope = scope;
        self.component_names = schemas.keys().cloned().zip(names).collect();
        for (name, schema) in schemas {
            let pointer = join("/components/schemas", name);
            let rust = self.component_names[name].clone();
            self.by_pointer
                .insert(pointer.clone(), TypeRef::Named(rust.clone()));
            match schema {
                ReferenceOr::Reference { reference } => {
                    let target = self.resolve_schema_ref(reference, &pointer);
                    let kind = TypeKind::Alias(target.unwrap_or(TypeRef::Value));
                    self.push_type(rust, Some(name.clone()), pointer, None, Vec::new(), kind);
                }
                ReferenceOr::Item(schema) => {
                    self.define(rust, Some(name.clone()), schema, &pointer);
                }
            }
        }
    }

    /// The type a `$ref` to a component schema names.
    fn resolve_schema_ref(&mut self, reference: &str, pointer: &str) -> Option<TypeRef> {
        match reference.strip_prefix(SCHEMAS) {
            Some(name) => match self
                .component_names
                .get(&crate::spec::pointer::unescape(name))
            {
                Some(rust) => Some(TypeRef::Named(rust.clone())),
                None => {
                    self.error(
                        pointer,
                        format!("`$ref` to a schema that does not exist: {reference}"),
                    );
                    None
                }
            },
            None => {
                self.error(
                    pointer,
                    format!("unsupported `$ref` (only `{SCHEMAS}<name>`): {reference}"),
                );
                None
            }
        }
    }

    /// The component schema a `$ref` points at, with its pointer.
    fn component_schema(&self, reference: &str) -> Option<(&'a Schema, String)> {
        let name = crate::spec::pointer::unescape(reference.strip_prefix(SCHEMAS)?);
        let mut seen = BTreeSet::new();
        let mut current = name;
        loop {
            if !seen.insert(current.clone()) {
                return None;
            }
            match self.schemas()?.get(&current)? {
                ReferenceOr::Item(schema) => {
                    return Some((schema, join("/components/schemas", &current)));
                }
                ReferenceOr::Reference { reference } => {
                    current = crate::spec::pointer::unescape(reference.strip_prefix(SCHEMAS)?);
                }
            }
        }
    }

    fn push_type(
        &mut self,
        name: String,
        schema_name: Option<String>,
        pointer: String,
        description: Option<String>,
        examples: Vec<serde_json::Value>,
        kind: TypeKind,
    ) -> usize {
        for (i, example) in examples.iter().enumerate() {
            let suffix = if examples.len() == 1 {
                "example".to_string()
            } else {
                format!("examples/{i}")
            };
            self.examples.push(Example {
                pointer: format!("{pointer}/{suffix}"),
                type_ref: TypeRef::Named(name.clone()),
                value: example.clone(),
            });
        }
        self.types.push(TypeDef {
            name,
            schema_name,
            pointer,
            description,
            examples,
            kind,
            gate: Gate::new(),
        });
        self.types.len() - 1
    }

    /// Defines the named type `name` for `schema` (a component or a hoisted inline schema).
    fn define(
        &mut self,
        name: String,
        schema_name: Option<String>,
        schema: &'a Schema,
        pointer: &str,
    ) {
        let view = View::of(schema);
        let description = view.description();
        let examples: Vec<_> = schema.schema_data.example.iter().cloned().collect();
        let shape = view.shape();
        let kind = match shape {
            Shape::Object => TypeKind::Struct(self.object(schema, pointer, &name)),
            Shape::StringEnum(values) => TypeKind::StringEnum(self.string_enum(&values)),
            Shape::OneOf if view.discriminator().is_some() => {
                let index = self.push_type(
                    name.clone(),
                    schema_name,
                    pointer.to_string(),
                    description,
                    examples,
                    TypeKind::Tagged(Tagged {
                        tag: String::new(),
                        variants: Vec::new(),
                        unknown_name: String::new(),
                    }),
                );
                self.plan_tagged_union(index, &view, pointer);
                return;
            }
            Shape::OneOf | Shape::AnyOf => TypeKind::Untagged(self.untagged(&view, pointer, &name)),
            Shape::Unsupported(message) => {
                self.error(pointer, message);
                TypeKind::Alias(TypeRef::Value)
            }
            _ => TypeKind::Alias(self.inline_shape(&view, shape, pointer, &name)),
        };
        self.push_type(
            name,
            schema_name,
            pointer.to_string(),
            description,
            examples,
            kind,
        );
    }

    /// The type of a schema used in place (a property, an item, a parameter, a body): a Rust
    /// built-in where possible, else a hoisted named type called `hint`.
    pub(super) fn type_of(&mut self, schema: SchemaRef<'a>, pointer: &str, hint: &str) -> TypeRef {
        let schema = match schema {
            SchemaRef::Ref(reference) => {
                return self
                    .resolve_schema_ref(reference, pointer)
                    .unwrap_or(TypeRef::Value)
            }
            SchemaRef::Item(schema) => schema,
        };
        if let Some(known) = self.by_pointer.get(pointer) {
            return known.clone();
        }
        let view = View::of(schema);
        // `allOf: [$ref]` (a common way to add `nullable` or a description to a reference).
        if let Some(reference) = view.single_all_of_ref() {
            return self
                .resolve_schema_ref(reference, &format!("{pointer}/allOf/0"))
                .unwrap_or(TypeRef::Value);
        }
        let shape = view.shape();
        match shape {
            Shape::Object | Shape::StringEnum(_) | Shape::OneOf | Shape::AnyOf => {
                let name = self.scope.claim(&naming::type_name(hint));
                let type_ref = TypeRef::Named(name.clone());
                self.by_pointer
                    .insert(pointer.to_string(), type_ref.clone());
                self.define(name, None, schema, pointer);
                type_ref
            }
            Shape::Unsupported(message) => {
                self.error(pointer, message);
                TypeRef::Value
            }
            _ => self.inline_shape(&view, shape, pointer, hint),
        }
    }

    /// Scalars, arrays, maps and free-form values.
    fn inline_shape(
        &mut self,
        view: &View<'a>,
        shape: Shape,
        pointer: &str,
        hint: &str,
    ) -> TypeRef {
        match shape {
            Shape::String => TypeRef::String,
            Shape::Integer { int32: true } => TypeRef::I32,
            Shape::Integer { int32: false } => TypeRef::I64,
            Shape::Number => TypeRef::F64,
            Shape::Bool => TypeRef::Bool,
            Shape::Array => match view.items() {
                Some(items) => {
                    let item =
                        self.type_of(items, &format!("{pointer}/items"), &format!("{hint}Item"));
                    TypeRef::Array(Box::new(item))
                }
                None => TypeRef::Array(Box::new(TypeRef::Value)),
            },
            Shape::Map => {
                let value = match view.additional() {
                    Some(AdditionalProperties::Schema(schema)) => {
                        let schema = SchemaRef::from_ref_or(schema);
                        let value_pointer = format!("{pointer}/additionalProperties");
                        self.type_of(schema, &value_pointer, &format!("{hint}Value"))
                    }
                    _ => TypeRef::Value,
                };
                TypeRef::Map(Box::new(value))
            }
            Shape::Any => TypeRef::Value,
            // Named shapes are handled by the callers.
            Shape::Object
            | Shape::StringEnum(_)
            | Shape::OneOf
            | Shape::AnyOf
            | Shape::Unsupported(_) => TypeRef::Value,
        }
    }

    // ----- objects ----------------------------------------------------------------------------

    /// A struct from an object schema, `allOf` members merged in order.
    fn object(&mut self, schema: &'a Schema, pointer: &str, struct_name: &str) -> Struct {
        let mut parts = ObjectParts {
            merging: vec![pointer.to_string()],
            ..ObjectParts::default()
        };
        self.gather(schema, pointer, &mut parts, 0);
        let mut scope = Scope::new();
        let extra = match parts.additional {
            None | Some((AdditionalProperties::Any(true), _)) => Extra::Keep,
            Some((AdditionalProperties::Any(false), _)) => Extra::Deny,
            Some((AdditionalProperties::Schema(value), value_pointer)) => {
                match SchemaRef::from_ref_or(value) {
                    SchemaRef::Item(s) if View::of(s).shape() == Shape::Any => Extra::Keep,
                    value => Extra::Typed(self.type_of(
                        value,
                        &value_pointer,
                        &format!("{struct_name}Value"),
                    )),
                }
            }
        };
        if extra != Extra::Deny {
            scope.claim("extra");
        }
        let mut fields = Vec::new();
        for (wire_name, (property, property_pointer)) in &parts.properties {
            let hint = format!("{struct_name}{}", naming::pascal(wire_name, "Field"));
            let type_ref = self.type_of(*property, property_pointer, &hint);
            let (nullable, one_way, description) = match property {
                SchemaRef::Item(s) => {
                    let view = View::of(s);
                    let referenced_nullable = view
                        .single_all_of_ref()
                        .and_then(|r| self.component_schema(r))
                        .is_some_and(|(target, _)| target.schema_data.nullable);
                    let data = &s.schema_data;
                    let one_way = match (data.read_only, data.write_only) {
                        (true, _) => Some("Read-only: only the appliance sends it."),
                        (_, true) => Some("Write-only: the appliance never sends it back."),
                        _ => None,
                    };
                    (
                        data.nullable || referenced_nullable,
                        one_way,
                        view.description(),
                    )
                }
                SchemaRef::Ref(reference) => {
                    let nullable = self
                        .component_schema(reference)
                        .is_some_and(|(t, _)| t.schema_data.nullable);
                    (nullable, None, None)
                }
            };
            // A required read-only (write-only) property is absent from requests (replies), so
            // one struct for both directions must treat it as optional.
            let description = match (description, one_way) {
                (Some(d), Some(note)) if !d.contains(note) => Some(format!("{d}\n\n{note}")),
                (None, Some(note)) => Some(note.to_string()),
                (d, _) => d,
            };
            // A property of any type may be null, and a null read must be written back: an
            // untyped property is nullable whether or not it says so (OpenAPI 3.0 only allows
            // `nullable` next to a `type`).
            let nullable = nullable || type_ref == TypeRef::Value;
            fields.push(Field {
                wire_name: wire_name.clone(),
                rust_name: scope.claim(&naming::snake(wire_name, "field")),
                type_ref,
                required: parts.required.contains(wire_name) && one_way.is_none(),
                nullable,
                boxed: false,
                description,
            });
        }
        Struct { fields, extra }
    }

    /// Collects properties, `required` and `additionalProperties` of an object and its `allOf`
    /// members (following `$ref`s).
    fn gather(
        &mut self,
        schema: &'a Schema,
        pointer: &str,
        parts: &mut ObjectParts<'a>,
        depth: usize,
    ) {
        if depth > 32 {
            self.error(pointer, "`allOf` nests too deep (a reference cycle?)");
            return;
        }
        let view = View::of(schema);
        for (i, member) in view.all_of().iter().enumerate() {
            let member_pointer = format!("{pointer}/allOf/{i}");
            match member {
                ReferenceOr::Reference { reference } => match self.component_schema(reference) {
                    // A schema merged into itself (lint reports the cycle): stop here, or a
                    // schema listing itself twice would be merged 2^depth times.
                    Some((_, target_pointer)) if parts.merging.contains(&target_pointer) => self
                        .error(
                            &member_pointer,
                            format!("`allOf` member `{reference}` merges a schema into itself"),
                        ),
                    Some((target, target_pointer)) => {
                        parts.merging.push(target_pointer.clone());
                        self.gather(target, &target_pointer, parts, depth + 1);
                        parts.merging.pop();
                    }
                    None => self.error(
                        &member_pointer,
                        format!("`allOf` member `$ref` does not resolve to a schema: {reference}"),
                    ),
                },
                ReferenceOr::Item(member) => {
                    let member_view = View::of(member);
                    match member_view.shape() {
                        Shape::Object | Shape::Any | Shape::Map => {
                            self.gather(member, &member_pointer, parts, depth + 1)
                        }
                        _ => self.error(
                            &member_pointer,
                            "unsupported `allOf` member: only objects can be merged",
                        ),
                    }
                }
            }
        }
        if !view.one_of().is_empty() || !view.any_of().is_empty() {
            self.error(
                pointer,
                "unsupported: `oneOf`/`anyOf` combined with properties or `allOf`",
            );
        }
        if let Some(properties) = view.properties() {
            for (name, property) in properties {
                let property_pointer = format!(
                    "{pointer}/properties/{}",
                    crate::spec::pointer::escape(name)
                );
                parts.properties.insert(
                    name.clone(),
                    (SchemaRef::from_box(property), property_pointer),
                );
            }
        }
        parts.required.extend(view.required().iter().cloned());
        if let Some(additional) = view.additional() {
            parts.additional = Some((additional, format!("{pointer}/additionalProperties")));
        }
    }

    // ----- enums ------------------------------------------------------------------------------

    fn string_enum(&mut self, values: &[String]) -> Vec<EnumValue> {
        let mut scope = Scope::with_reserved(["Unknown"]);
        values
            .iter()
            .map(|wire| EnumValue {
                wire: wire.clone(),
                rust_name: scope.claim(&naming::pascal(wire, "Empty")),
            })
            .collect()
    }

    fn untagged(&mut self, view: &View<'a>, pointer: &str, name: &str) -> Vec<UntaggedVariant> {
        let (members, key) = if view.one_of().is_empty() {
            (view.any_of(), "anyOf")
        } else {
            (view.one_of(), "oneOf")
        };
        let mut scope = Scope::new();
        let mut variants = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let member_pointer = format!("{pointer}/{key}/{i}");
            let title = match member {
                ReferenceOr::Item(s) => s.schema_data.title.clone(),
                ReferenceOr::Reference { .. } => None,
            };
            let hint = match &title {
                Some(title) => format!("{name}{}", naming::pascal(title, "Variant")),
                None => format!("{name}Variant{}", i + 1),
            };
            let type_ref = self.type_of(SchemaRef::from_ref_or(member), &member_pointer, &hint);
            let variant_name = variant_name_for(&type_ref, name);
            variants.push(UntaggedVariant {
                rust_name: scope.claim(&variant_name),
                type_ref,
                boxed: false,
            });
        }
        variants
    }

    fn plan_tagged_union(&mut self, type_index: usize, view: &View<'a>, pointer: &str) {
        let Some(discriminator) = view.discriminator() else {
            return;
        };
        let mut entries = Vec::new();
        if discriminator.mapping.is_empty() {
            for (i, member) in view.one_of().iter().enumerate() {
                let member_pointer = format!("{pointer}/oneOf/{i}");
                match member {
                    ReferenceOr::Reference { reference } => {
                        let tag = reference.rsplit('/').next().unwrap_or(reference).to_string();
                        if let Some(type_ref) = self.resolve_schema_ref(reference, &member_pointer) {
                            entries.push((tag, type_ref, member_pointer));
                        }
                    }
                    ReferenceOr::Item(_) => self.error(
                        &member_pointer,
                        "unsupported: inline `oneOf` member under a discriminator without `mapping`",
                    ),
                }
            }
        } else {
            for (tag, reference) in &discriminator.mapping {
                let entry_pointer = format!(
                    "{pointer}/discriminator/mapping/{}",
                    crate::spec::pointer::escape(tag)
                );
                if let Some(type_ref) = self.resolve_schema_ref(reference, &entry_pointer) {
                    entries.push((tag.clone(), type_ref, entry_pointer));
                }
            }
        }
        self.pending_unions.push(PendingUnion {
            type_index,
            pointer: pointer.to_string(),
            tag: discriminator.property_name.clone(),
            entries,
        });
    }

    /// Resolves discriminated unions now that every variant struct exists.
    fn finish_tagged_unions(&mut self) {
        let pending = std::mem::take(&mut self.pending_unions);
        let mut strip: Vec<(String, String)> = Vec::new();
        for union in pending {
            let mut scope = Scope::new();
            let mut variants = Vec::new();
            for (tag_value, type_ref, entry_pointer) in union.entries {
                let TypeRef::Named(target) = &type_ref else {
                    continue;
                };
                let Some(target_def) = self.types.iter().find(|t| &t.name == target) else {
                    continue;
                };
                let TypeKind::Struct(target_struct) = &target_def.kind else {
                    self.error(
                        &entry_pointer,
                        format!("discriminated `oneOf` member `{target}` is not an object"),
                    );
                    continue;
                };
                let others: Vec<&Field> = target_struct
                    .fields
                    .iter()
                    .filter(|f| f.wire_name != union.tag)
                    .collect();
                let payload = match others.as_slice() {
                    [] => Payload::Unit,
                    [only] if only.wire_name == "value" && only.required && !only.nullable => {
                        Payload::Value {
                            field: only.wire_name.clone(),
                            type_ref: only.type_ref.clone(),
                        }
                    }
                    _ => Payload::Struct {
                        type_ref: type_ref.clone(),
                        boxed: false,
                    },
                };
                strip.push((target.clone(), union.tag.clone()));
                variants.push(TaggedVariant {
                    rust_name: scope.claim(&naming::pascal(&tag_value, "Empty")),
                    tag_value,
                    payload,
                });
            }
            if variants.is_empty() {
                self.error(
                    &union.pointer,
                    "discriminated `oneOf` without any usable variant",
                );
            }
            let unknown_name = scope.claim("Unknown");
            self.types[union.type_index].kind = TypeKind::Tagged(Tagged {
                tag: union.tag,
                variants,
                unknown_name,
            });
        }
        // The tag lives in the enum, not in the variant structs.
        for (target, tag) in strip {
            if let Some(TypeDef {
                kind: TypeKind::Struct(s),
                ..
            }) = self.types.iter_mut().find(|t| t.name == target)
            {
                s.fields.retain(|f| f.wire_name != tag);
            }
        }
    }

    /// Drops hoisted types nothing refers to any more (the inline schemas of tag properties,
    /// which moved into their unions), with their examples.
    fn prune_hoisted(&mut self, operations: &[Operation]) {
        let index: HashMap<&str, &TypeDef> =
            self.types.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut stack: Vec<&str> = self
            .types
            .iter()
            .filter(|t| t.schema_name.is_some())
            .map(|t| t.name.as_str())
            .collect();
        for op in operations {
            shape::operation_refs(op, &mut stack);
        }
        let reached = shape::reach(&index, stack);
        self.types.retain(|t| reached.contains(&t.name));
        self.examples
            .retain(|e| !matches!(&e.type_ref, TypeRef::Named(n) if !reached.contains(n)));
    }

    /// Boxes fields and variants that would make a type contain itself, and enum payloads large
    /// enough for `clippy::large_enum_variant`.
    fn box_recursive_fields(&mut self) {
        let snapshot = self.types.clone();
        let estimator = shape::SizeEstimator::new(&snapshot);
        let sizes_of = |type_ref: &TypeRef| estimator.estimate(type_ref);
        let index: HashMap<String, usize> = snapshot
            .iter()
            .enumerate()
            .map(|(i, t)| (t.name.clone(), i))
            .collect();
        let contains = |from: &str, to: &str, types: &[TypeDef]| {
            shape::directly_contains(types, &index, from, to)
        };
        for def in &mut self.types {
            let own = def.name.clone();
            match &mut def.kind {
                TypeKind::Struct(s) => {
                    for field in &mut s.fields {
                        if let TypeRef::Named(inner) = &field.type_ref {
                            field.boxed = contains(inner, &own, &snapshot);
                        }
                    }
                }
                TypeKind::Tagged(t) => {
                    // The catch-all variant holds a map.
                    let mut sizes =
                        vec![(sizes_of(&TypeRef::Map(Box::new(TypeRef::Value))), false)];
                    for variant in &t.variants {
                        sizes.push(match &variant.payload {
                            Payload::Unit => (0, false),
                            Payload::Value { type_ref, .. } => (sizes_of(type_ref), false),
                            Payload::Struct { type_ref, .. } => (sizes_of(type_ref), true),
                        });
                    }
                    let large = shape::variants_to_box(&sizes);
                    for (variant, large) in t.variants.iter_mut().zip(large.into_iter().skip(1)) {
                        if let Payload::Struct { type_ref, boxed } = &mut variant.payload {
                            let recursive = matches!(type_ref, TypeRef::Named(inner) if contains(inner, &own, &snapshot));
                            *boxed = large || recursive;
                        }
                    }
                }
                TypeKind::Untagged(variants) => {
                    let sizes: Vec<(usize, bool)> = variants
                        .iter()
                        .map(|v| {
                            (
                                sizes_of(&v.type_ref),
                                matches!(v.type_ref, TypeRef::Named(_)),
                            )
                        })
                        .collect();
                    let large = shape::variants_to_box(&sizes);
                    for (variant, large) in variants.iter_mut().zip(large) {
                        let recursive = matches!(&variant.type_ref, TypeRef::Named(inner) if contains(inner, &own, &snapshot));
                        variant.boxed = large || recursive;
                    }
                }
                TypeKind::StringEnum(_) | TypeKind::Alias(_) => {}
            }
        }
    }

    // ----- root -------------------------------------------------------------------------------

    /// The name of the first apiKey security scheme sent at `location` (the session cookie,
    /// or the header carrying the same token).
    fn session_key(&self, location: openapiv3::APIKeyLocation) -> Option<String> {
        let schemes = &self.openapi.components.as_ref()?.security_schemes;
        schemes.values().find_map(|scheme| match scheme {
            ReferenceOr::Item(SecurityScheme::APIKey {
                location: found,
                name,
                ..
            }) if *found == location => Some(name.clone()),
            _ => None,
        })
    }

    /// The root `x-sps-transaction-operations`, when it names the four roles the helper needs
    /// and they exist (its rules are `spec::lint`'s; the model only keeps what it can use).
    fn transaction_ops(&self, operations: &[Operation]) -> Option<TransactionOps> {
        let value = self
            .openapi
            .extensions
            .get("x-sps-transaction-operations")?;
        let get = |key: &str| {
            let id = value.get(key)?.as_str()?;
            operations
                .iter()
                .any(|o| o.id == id)
                .then(|| id.to_string())
        };
        Some(TransactionOps {
            status: get("status")?,
            open: get("open")?,
            commit: get("commit")?,
            rollback: get("rollback")?,
            changes: get("changes"),
        })
    }
}

/// Properties gathered from an object and its `allOf` members.
#[derive(Default)]
struct ObjectParts<'a> {
    properties: IndexMap<String, (SchemaRef<'a>, String)>,
    required: BTreeSet<String>,
    additional: Option<(&'a AdditionalProperties, String)>,
    /// Pointers of the schemas being merged, outermost first (to stop at a cycle).
    merging: Vec<String>,
}

/// A variant name for a member of an untagged union: the member type's name without the union's
/// own name as prefix (`Reference` + `ReferenceObject` -> `Object`), or the kind of built-in.
fn variant_name_for(type_ref: &TypeRef, union_name: &str) -> String {
    match type_ref {
        TypeRef::Named(name) => match name.strip_prefix(union_name) {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => {
                naming::type_name(rest)
            }
            _ => name.clone(),
        },
        TypeRef::String => "String".into(),
        TypeRef::I32 | TypeRef::I64 => "Integer".into(),
        TypeRef::F64 => "Number".into(),
        TypeRef::Bool => "Bool".into(),
        TypeRef::Array(_) => "List".into(),
        TypeRef::Map(_) => "Map".into(),
        TypeRef::Value => "Value".into(),
    }
}

/// Reads an `application/json`-like media type out of a content map.
pub(super) fn json_media(content: &IndexMap<String, MediaType>) -> Option<(&String, &MediaType)> {
    content
        .iter()
        .find(|(k, _)| k.as_str() == "application/json")
        .or_else(|| content.iter().find(|(k, _)| k.contains("json")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untagged_variant_names() {
        let named = |n: &str| TypeRef::Named(n.to_string());
        assert_eq!(
            variant_name_for(&named("ReferenceObject"), "Reference"),
            "Object"
        );
        assert_eq!(variant_name_for(&named("FooSelf"), "Foo"), "Self_");
        assert_eq!(variant_name_for(&named("Foobar"), "Foo"), "Foobar");
        assert_eq!(variant_name_for(&named("Other"), "Foo"), "Other");
        assert_eq!(
            variant_name_for(&TypeRef::Array(Box::new(TypeRef::Bool)), "Foo"),
            "List"
        );
    }
}
