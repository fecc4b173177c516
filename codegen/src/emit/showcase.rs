//! The operations the generated READMEs use in their examples, found in the model rather than
//! named, so that the examples (compiled as doctests) fit whatever the spec describes: the first
//! collection that can be listed, read by key and replaced whole.

use crate::model::{Field, Method, Model, Operation, TypeKind, TypeRef};

/// A collection and the operations on it that the examples call.
pub struct Showcase<'a> {
    /// `GET` of the collection, without parameters, replying `{items, meta}`.
    pub list: &'a Operation,
    /// Rust name of a member's reply type.
    pub object_type: &'a str,
    /// Rust name of the list's `items` field.
    pub items: &'a str,
    /// Rust name of an item's `key` field.
    pub item_key: &'a str,
    /// How to reach the `next` link of a member's reply (the next member), when it has one.
    pub next_link: Option<NextLink<'a>>,
    /// `GET` of one member by its key.
    pub get: &'a Operation,
    /// Rust name of the `key` field of the member's reply.
    pub object_key: &'a str,
    /// Rust name of the `body` field of the member's reply.
    pub body: &'a str,
    /// `PUT` of one member, taking that `body` whole, when the collection has it.
    pub replace: Option<&'a Operation>,
    /// `DELETE` of one member, when the collection has it.
    pub delete: Option<&'a Operation>,
}

/// `meta.next` of a reply.
pub struct NextLink<'a> {
    /// Rust name of the `meta` field.
    pub meta: &'a str,
    /// Whether `meta` is optional (`Option<Meta>`).
    pub meta_optional: bool,
    /// Rust name of the `next` field (an `Option<String>`).
    pub next: &'a str,
    /// Whether `next` may also be `null` (`Option<Option<String>>`).
    pub next_nullable: bool,
}

/// The first collection of the model (in spec order) with a list and a read by key.
pub fn find(model: &Model) -> Option<Showcase<'_>> {
    model
        .operations
        .iter()
        .find_map(|list| showcase(model, list))
}

fn showcase<'a>(model: &'a Model, list: &'a Operation) -> Option<Showcase<'a>> {
    if list.method != Method::Get || !takes_nothing(list) || list.success_body_optional() {
        return None;
    }
    let (_, list_fields) = named_struct(model, list.success_type.as_ref()?)?;
    let items = field(list_fields, "items").filter(|f| f.required && !f.nullable)?;
    let TypeRef::Array(item) = &items.type_ref else {
        return None;
    };
    let (_, item_fields) = named_struct(model, item)?;
    let item_key = plain_string(field(item_fields, "key")?)?;
    let member = |method: Method| {
        model.operations.iter().find(|op| {
            op.method == method
                && op.path_params.len() == 1
                && op.query_params.is_empty()
                && op.header_params.is_empty()
                && op.path_params[0].type_ref == TypeRef::String
                && op.path == format!("{}/{{{}}}", list.path, op.path_params[0].name)
        })
    };
    let get = member(Method::Get)
        .filter(|get| get.request_body.is_none() && !get.success_body_optional())?;
    let (object_type, object_fields) = named_struct(model, get.success_type.as_ref()?)?;
    let object_key = plain_string(field(object_fields, "key")?)?;
    let body = field(object_fields, "body").filter(|f| f.required && !f.nullable)?;
    let replace = member(Method::Put).filter(|put| {
        put.request_body
            .as_ref()
            .is_some_and(|b| b.required && b.type_ref == body.type_ref)
    });
    let delete = member(Method::Delete).filter(|delete| delete.request_body.is_none());
    Some(Showcase {
        list,
        object_type,
        items: &items.rust_name,
        item_key,
        next_link: next_link(model, object_fields),
        get,
        object_key,
        body: &body.rust_name,
        replace,
        delete,
    })
}

fn next_link<'a>(model: &'a Model, fields: &'a [Field]) -> Option<NextLink<'a>> {
    let meta = field(fields, "meta").filter(|f| !f.nullable)?;
    let (_, meta_fields) = named_struct(model, &meta.type_ref)?;
    let next =
        field(meta_fields, "next").filter(|f| !f.required && f.type_ref == TypeRef::String)?;
    Some(NextLink {
        meta: &meta.rust_name,
        meta_optional: !meta.required,
        next: &next.rust_name,
        next_nullable: next.nullable,
    })
}

fn takes_nothing(op: &Operation) -> bool {
    op.path_params.is_empty()
        && op.query_params.is_empty()
        && op.header_params.is_empty()
        && op.request_body.is_none()
}

/// The Rust name and fields of a named struct type.
fn named_struct<'a>(model: &'a Model, type_ref: &TypeRef) -> Option<(&'a str, &'a [Field])> {
    let TypeRef::Named(name) = type_ref else {
        return None;
    };
    let def = model.type_def(name)?;
    match &def.kind {
        TypeKind::Struct(s) => Some((&def.name, &s.fields)),
        _ => None,
    }
}

fn field<'a>(fields: &'a [Field], wire: &str) -> Option<&'a Field> {
    fields.iter().find(|f| f.wire_name == wire)
}

/// The Rust name of a required, non-null string field.
fn plain_string(field: &Field) -> Option<&str> {
    (field.required && !field.nullable && field.type_ref == TypeRef::String)
        .then_some(field.rust_name.as_str())
}
