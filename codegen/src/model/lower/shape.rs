//! One view over `openapiv3`'s schema variants, the shape classification, and the size and
//! containment checks that decide where to box.

use std::collections::{BTreeSet, HashMap};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, Discriminator, IntegerFormat, ReferenceOr, Schema, SchemaKind, Type,
    VariantOrUnknownOrEmpty,
};

use crate::model::{Extra, Operation, Payload, TypeDef, TypeKind, TypeRef};

/// A schema or a `$ref` to one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SchemaRef<'a> {
    Ref(&'a str),
    Item(&'a Schema),
}

impl<'a> SchemaRef<'a> {
    pub(crate) fn from_ref_or(r: &'a ReferenceOr<Schema>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Item(schema),
        }
    }

    pub(crate) fn from_box(r: &'a ReferenceOr<Box<Schema>>) -> Self {
        match r {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Item(schema),
        }
    }
}

/// What a schema is, as far as Rust types go.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Shape {
    String,
    Integer {
        int32: bool,
    },
    Number,
    Bool,
    Array,
    /// An object with no properties: `IndexMap<String, T>`.
    Map,
    /// An object with properties, or an `allOf`.
    Object,
    StringEnum(Vec<String>),
    OneOf,
    AnyOf,
    /// `{}`: any value.
    Any,
    Unsupported(String),
}

/// The parts of a schema the generator reads, whichever `openapiv3` variant holds them.
pub(crate) struct View<'a> {
    schema: &'a Schema,
}

impl<'a> View<'a> {
    pub(crate) fn of(schema: &'a Schema) -> Self {
        View { schema }
    }

    /// `description`, else `title`, trimmed.
    pub(crate) fn description(&self) -> Option<String> {
        let data = &self.schema.schema_data;
        data.description
            .as_deref()
            .or(data.title.as_deref())
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string)
    }

    pub(crate) fn discriminator(&self) -> Option<&'a Discriminator> {
        self.schema.schema_data.discriminator.as_ref()
    }

    pub(crate) fn properties(&self) -> Option<&'a IndexMap<String, ReferenceOr<Box<Schema>>>> {
        match &self.schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => Some(&o.properties),
            SchemaKind::Any(a) => Some(&a.properties),
            _ => None,
        }
    }

    pub(crate) fn required(&self) -> &'a [String] {
        match &self.schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => &o.required,
            SchemaKind::Any(a) => &a.required,
            _ => &[],
        }
    }

    pub(crate) fn additional(&self) -> Option<&'a AdditionalProperties> {
        match &self.schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => o.additional_properties.as_ref(),
            SchemaKind::Any(a) => a.additional_properties.as_ref(),
            _ => None,
        }
    }

    pub(crate) fn items(&self) -> Option<SchemaRef<'a>> {
        match &self.schema.schema_kind {
            SchemaKind::Type(Type::Array(a)) => a.items.as_ref().map(SchemaRef::from_box),
            SchemaKind::Any(a) => a.items.as_ref().map(SchemaRef::from_box),
            _ => None,
        }
    }

    pub(crate) fn one_of(&self) -> &'a [ReferenceOr<Schema>] {
        match &self.schema.schema_kind {
            SchemaKind::OneOf { one_of } => one_of,
            SchemaKind::Any(a) => &a.one_of,
            _ => &[],
        }
    }

    pub(crate) fn any_of(&self) -> &'a [ReferenceOr<Schema>] {
        match &self.schema.schema_kind {
            SchemaKind::AnyOf { any_of } => any_of,
            SchemaKind::Any(a) => &a.any_of,
            _ => &[],
        }
    }

    pub(crate) fn all_of(&self) -> &'a [ReferenceOr<Schema>] {
        match &self.schema.schema_kind {
            SchemaKind::AllOf { all_of } => all_of,
            SchemaKind::Any(a) => &a.all_of,
            _ => &[],
        }
    }

    /// `allOf: [{$ref}]` with nothing else that shapes the value.
    pub(crate) fn single_all_of_ref(&self) -> Option<&'a str> {
        match self.all_of() {
            [ReferenceOr::Reference { reference }]
                if self.properties().map_or(true, IndexMap::is_empty)
                    && self.additional().is_none()
                    && self.one_of().is_empty()
                    && self.any_of().is_empty() =>
            {
                Some(reference)
            }
            _ => None,
        }
    }

    pub(crate) fn shape(&self) -> Shape {
        let any = match &self.schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                let values: Vec<String> = s.enumeration.iter().flatten().cloned().collect();
                return if values.is_empty() {
                    Shape::String
                } else {
                    Shape::StringEnum(values)
                };
            }
            SchemaKind::Type(Type::Integer(i)) => {
                let int32 = matches!(
                    i.format,
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32)
                );
                return Shape::Integer { int32 };
            }
            SchemaKind::Type(Type::Number(_)) => return Shape::Number,
            SchemaKind::Type(Type::Boolean(_)) => return Shape::Bool,
            SchemaKind::Type(Type::Array(_)) => return Shape::Array,
            SchemaKind::Type(Type::Object(o)) => {
                return if o.properties.is_empty() {
                    Shape::Map
                } else {
                    Shape::Object
                };
            }
            SchemaKind::OneOf { .. } => return Shape::OneOf,
            SchemaKind::AnyOf { .. } => return Shape::AnyOf,
            SchemaKind::AllOf { .. } => return Shape::Object,
            SchemaKind::Not { .. } => {
                return Shape::Unsupported("unsupported schema construct `not`".to_string())
            }
            SchemaKind::Any(any) => any,
        };
        if any.not.is_some() {
            return Shape::Unsupported("unsupported schema construct `not`".to_string());
        }
        if !any.one_of.is_empty() {
            if !any.properties.is_empty() || !any.all_of.is_empty() {
                return Shape::Unsupported(
                    "unsupported: `oneOf` combined with `properties` or `allOf`".to_string(),
                );
            }
            return Shape::OneOf;
        }
        if !any.any_of.is_empty() {
            if !any.properties.is_empty() || !any.all_of.is_empty() {
                return Shape::Unsupported(
                    "unsupported: `anyOf` combined with `properties` or `allOf`".to_string(),
                );
            }
            return Shape::AnyOf;
        }
        if !any.all_of.is_empty() || !any.properties.is_empty() {
            return Shape::Object;
        }
        if !any.enumeration.is_empty()
            && any.enumeration.iter().all(|v| v.is_string() || v.is_null())
        {
            let values = any
                .enumeration
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            return Shape::StringEnum(values);
        }
        match any.typ.as_deref() {
            Some("string") => Shape::String,
            Some("integer") => Shape::Integer {
                int32: any.format.as_deref() == Some("int32"),
            },
            Some("number") => Shape::Number,
            Some("boolean") => Shape::Bool,
            Some("array") => Shape::Array,
            Some("object") => Shape::Map,
            Some(other) => Shape::Unsupported(format!("unsupported schema type `{other}`")),
            None if any.items.is_some() => Shape::Array,
            None if any.additional_properties.is_some() => Shape::Map,
            None => Shape::Any,
        }
    }
}

/// An enum variant is boxed while it is estimated this many bytes larger than the next largest
/// (`clippy::large_enum_variant` fires at 200; estimates are rough, so stay below).
pub(crate) const LARGE_DIFFERENCE: usize = 150;

/// Which of the variants (given their estimated sizes; `None`: cannot be boxed) to box so that no
/// variant stays [`LARGE_DIFFERENCE`] larger than the next one.
pub(crate) fn variants_to_box(sizes: &[(usize, bool)]) -> Vec<bool> {
    let mut boxed = vec![false; sizes.len()];
    loop {
        let current: Vec<usize> = sizes
            .iter()
            .zip(&boxed)
            .map(|(&(size, _), &b)| if b { 8 } else { size })
            .collect();
        let mut order: Vec<usize> = (0..sizes.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(current[i]));
        let (Some(&largest), second) = (
            order.first(),
            order.get(1).map(|&i| current[i]).unwrap_or(0),
        ) else {
            return boxed;
        };
        if current[largest] < second + LARGE_DIFFERENCE || !sizes[largest].1 || boxed[largest] {
            return boxed;
        }
        boxed[largest] = true;
    }
}

/// Rough size of a generated type in bytes (64-bit), good enough to decide on boxing.
pub(crate) struct SizeEstimator<'a> {
    types: HashMap<&'a str, &'a TypeDef>,
}

impl<'a> SizeEstimator<'a> {
    pub(crate) fn new(types: &'a [TypeDef]) -> Self {
        SizeEstimator {
            types: types.iter().map(|t| (t.name.as_str(), t)).collect(),
        }
    }

    /// Estimated size of a value of this type.
    pub(crate) fn estimate(&self, type_ref: &TypeRef) -> usize {
        self.of(type_ref, &mut BTreeSet::new())
    }

    fn named(&self, name: &str, visiting: &mut BTreeSet<String>) -> usize {
        // A type met again on the way down will be boxed: pointer size.
        if !visiting.insert(name.to_string()) {
            return 8;
        }
        let size = match self.types.get(name).map(|t| &t.kind) {
            None => 8,
            Some(TypeKind::Struct(s)) => {
                let fields: usize = s
                    .fields
                    .iter()
                    .map(|f| {
                        if f.boxed {
                            8
                        } else {
                            self.of(&f.type_ref, visiting) + 8
                        }
                    })
                    .sum();
                fields + if s.extra == Extra::Deny { 0 } else { MAP }
            }
            Some(TypeKind::StringEnum(_)) => 24,
            Some(TypeKind::Tagged(t)) => {
                let largest = t
                    .variants
                    .iter()
                    .map(|v| match &v.payload {
                        Payload::Unit => 0,
                        Payload::Value { type_ref, .. } => self.of(type_ref, visiting),
                        Payload::Struct { boxed: true, .. } => 8,
                        Payload::Struct { type_ref, .. } => self.of(type_ref, visiting),
                    })
                    .max()
                    .unwrap_or(0);
                largest.max(MAP) + 8
            }
            Some(TypeKind::Untagged(variants)) => {
                variants
                    .iter()
                    .map(|v| {
                        if v.boxed {
                            8
                        } else {
                            self.of(&v.type_ref, visiting)
                        }
                    })
                    .max()
                    .unwrap_or(0)
                    + 8
            }
            Some(TypeKind::Alias(inner)) => self.of(inner, visiting),
        };
        visiting.remove(name);
        size
    }

    fn of(&self, type_ref: &TypeRef, visiting: &mut BTreeSet<String>) -> usize {
        match type_ref {
            TypeRef::Named(name) => self.named(name, visiting),
            TypeRef::String | TypeRef::Array(_) => 24,
            TypeRef::I32 | TypeRef::I64 | TypeRef::F64 | TypeRef::Bool => 8,
            TypeRef::Map(_) => MAP,
            TypeRef::Value => MAP + 8,
        }
    }
}

/// `IndexMap` / `serde_json::Map` with `preserve_order`.
const MAP: usize = 72;

/// Whether a value of type `from` holds a value of type `to` inline (not behind a `Vec`, map or
/// box), so that `to` containing `from` would have infinite size.
pub(crate) fn directly_contains(
    types: &[TypeDef],
    index: &HashMap<String, usize>,
    from: &str,
    to: &str,
) -> bool {
    let mut stack = vec![from.to_string()];
    let mut seen = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if name == to {
            return true;
        }
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some(def) = index.get(&name).map(|&i| &types[i]) else {
            continue;
        };
        let mut push = |t: &TypeRef| {
            if let TypeRef::Named(n) = t {
                stack.push(n.clone());
            }
        };
        match &def.kind {
            TypeKind::Struct(s) => s
                .fields
                .iter()
                .filter(|f| !f.boxed)
                .for_each(|f| push(&f.type_ref)),
            TypeKind::Tagged(t) => t.variants.iter().for_each(|v| match &v.payload {
                Payload::Value { type_ref, .. }
                | Payload::Struct {
                    type_ref,
                    boxed: false,
                } => push(type_ref),
                _ => {}
            }),
            TypeKind::Untagged(variants) => variants
                .iter()
                .filter(|v| !v.boxed)
                .for_each(|v| push(&v.type_ref)),
            TypeKind::Alias(t) => push(t),
            TypeKind::StringEnum(_) => {}
        }
    }
    false
}

/// Pushes the named types inside `type_ref`.
pub(crate) fn named_in<'a>(type_ref: &'a TypeRef, out: &mut Vec<&'a str>) {
    match type_ref {
        TypeRef::Named(name) => out.push(name),
        TypeRef::Array(inner) | TypeRef::Map(inner) => named_in(inner, out),
        _ => {}
    }
}

/// Pushes the named types an operation uses directly: parameters, bodies, response headers.
pub(crate) fn operation_refs<'a>(op: &'a Operation, out: &mut Vec<&'a str>) {
    let params = op.path_params.iter().chain(&op.query_params);
    for param in params.chain(&op.header_params) {
        named_in(&param.type_ref, out);
    }
    if let Some(body) = &op.request_body {
        named_in(&body.type_ref, out);
        if let Some(crate::model::Upload::Multipart(fields)) = &body.upload {
            fields
                .iter()
                .filter_map(|f| f.text.as_ref())
                .for_each(|t| named_in(t, out));
        }
    }
    for response in &op.responses {
        response.body.iter().for_each(|body| named_in(body, out));
        for header in &response.headers {
            named_in(&header.type_ref, out);
        }
    }
}

/// Every type reachable from `start` through [`references`].
pub(crate) fn reach<'a>(
    index: &HashMap<&str, &'a TypeDef>,
    mut stack: Vec<&'a str>,
) -> BTreeSet<String> {
    let mut reached = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if !reached.insert(name.to_string()) {
            continue;
        }
        if let Some(def) = index.get(name) {
            references(def, &mut stack);
        }
    }
    reached
}

/// rustc's default `recursion_limit`.
const DEFAULT_RECURSION_LIMIT: usize = 128;

/// The `recursion_limit` the generated crates need, when rustc's default is too low. Proving
/// that a handler's future is `Send` walks the types it holds, a few levels of trait evaluation
/// per type and per wrapper around the next one (`Option`, `Box`, `Vec`, `IndexMap`), along the
/// longest chain of types that refer to one another. A ring of 30 schemas that each refer to the
/// next overflows the default (E0275), and so does a ring of 11 through optional nullable maps
/// of arrays. Each type counts 6 levels plus 4 per wrapper around its most wrapped reference
/// (about twice what rustc was measured to use), each recursive group counted whole, plus
/// headroom.
pub(crate) fn recursion_limit(types: &[TypeDef]) -> Option<usize> {
    let index: HashMap<&str, usize> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let mut successors = Vec::with_capacity(types.len());
    let mut weights = Vec::with_capacity(types.len());
    for def in types {
        let mut named = Vec::new();
        references(def, &mut named);
        successors.push(named.iter().filter_map(|n| index.get(n).copied()).collect());
        weights.push(6 + 4 * most_wrappers(def));
    }
    let needed = crate::graph::longest_chain(&successors, &weights) + 64;
    (needed > DEFAULT_RECURSION_LIMIT).then_some(needed)
}

/// The most wrappers around a named type among the references of `def`: arrays and maps, and
/// the `Option`s of an optional or nullable field.
fn most_wrappers(def: &TypeDef) -> usize {
    fn containers(type_ref: &TypeRef) -> Option<usize> {
        match type_ref {
            TypeRef::Named(_) => Some(0),
            TypeRef::Array(inner) | TypeRef::Map(inner) => containers(inner).map(|n| n + 1),
            _ => None,
        }
    }
    let refs: Vec<Option<usize>> = match &def.kind {
        TypeKind::Struct(s) => {
            let fields = s.fields.iter().map(|f| {
                containers(&f.type_ref)
                    .map(|n| n + usize::from(!f.required) + usize::from(f.nullable))
            });
            // Typed additional properties are a map of them.
            let extra = match &s.extra {
                Extra::Typed(t) => containers(t).map(|n| n + 1),
                _ => None,
            };
            fields.chain([extra]).collect()
        }
        TypeKind::Tagged(t) => t
            .variants
            .iter()
            .map(|v| match &v.payload {
                Payload::Unit => None,
                Payload::Value { type_ref, .. } | Payload::Struct { type_ref, .. } => {
                    containers(type_ref)
                }
            })
            .collect(),
        TypeKind::Untagged(variants) => variants.iter().map(|v| containers(&v.type_ref)).collect(),
        TypeKind::Alias(t) => vec![containers(t)],
        TypeKind::StringEnum(_) => Vec::new(),
    };
    refs.into_iter().flatten().max().unwrap_or(0)
}

/// Pushes the named types a type definition refers to.
pub(crate) fn references<'a>(def: &'a TypeDef, out: &mut Vec<&'a str>) {
    match &def.kind {
        TypeKind::Struct(s) => {
            s.fields.iter().for_each(|f| named_in(&f.type_ref, out));
            if let Extra::Typed(t) = &s.extra {
                named_in(t, out);
            }
        }
        TypeKind::Tagged(t) => t.variants.iter().for_each(|v| match &v.payload {
            Payload::Unit => {}
            Payload::Value { type_ref, .. } | Payload::Struct { type_ref, .. } => {
                named_in(type_ref, out)
            }
        }),
        TypeKind::Untagged(variants) => variants.iter().for_each(|v| named_in(&v.type_ref, out)),
        TypeKind::Alias(t) => named_in(t, out),
        TypeKind::StringEnum(_) => {}
    }
}
