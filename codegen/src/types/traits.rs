//! Which optional traits (`Eq`, `Default`) each generated type can derive.

use std::collections::{BTreeSet, HashMap};

use crate::model::{Extra, Payload, TypeDef, TypeKind, TypeRef};

/// Answers "can this named type derive `Eq` / `Default`?" for the whole crate.
pub(super) struct Traits<'a> {
    types: HashMap<&'a str, &'a TypeDef>,
}

impl<'a> Traits<'a> {
    pub(super) fn new(types: &'a [TypeDef]) -> Self {
        Traits {
            types: types.iter().map(|t| (t.name.as_str(), t)).collect(),
        }
    }

    /// `Eq` holds unless an `f64` is reachable. A type met again while checking is assumed
    /// fine: derives on a cycle hold if they hold everywhere else on it.
    pub(super) fn eq(&self, name: &str) -> bool {
        self.named_eq(name, &mut BTreeSet::new())
    }

    fn named_eq(&self, name: &str, visiting: &mut BTreeSet<String>) -> bool {
        if !visiting.insert(name.to_string()) {
            return true;
        }
        let Some(def) = self.types.get(name) else {
            return true;
        };
        match &def.kind {
            TypeKind::Struct(s) => {
                s.fields.iter().all(|f| self.ref_eq(&f.type_ref, visiting))
                    && match &s.extra {
                        Extra::Typed(t) => self.ref_eq(t, visiting),
                        Extra::Keep | Extra::Deny => true,
                    }
            }
            TypeKind::StringEnum(_) => true,
            TypeKind::Tagged(t) => t.variants.iter().all(|v| match &v.payload {
                Payload::Unit => true,
                Payload::Value { type_ref, .. } | Payload::Struct { type_ref, .. } => {
                    self.ref_eq(type_ref, visiting)
                }
            }),
            TypeKind::Untagged(variants) => {
                variants.iter().all(|v| self.ref_eq(&v.type_ref, visiting))
            }
            TypeKind::Alias(t) => self.ref_eq(t, visiting),
        }
    }

    fn ref_eq(&self, type_ref: &TypeRef, visiting: &mut BTreeSet<String>) -> bool {
        match type_ref {
            TypeRef::F64 => false,
            TypeRef::Named(name) => self.named_eq(name, visiting),
            TypeRef::Array(inner) | TypeRef::Map(inner) => self.ref_eq(inner, visiting),
            TypeRef::String | TypeRef::I32 | TypeRef::I64 | TypeRef::Bool | TypeRef::Value => true,
        }
    }

    /// `Default` holds for a struct whose required non-null fields all have a default; enums
    /// have none. A type met again while checking has none (it could not be built finitely).
    pub(super) fn default(&self, name: &str) -> bool {
        self.named_default(name, &mut BTreeSet::new())
    }

    fn named_default(&self, name: &str, visiting: &mut BTreeSet<String>) -> bool {
        if !visiting.insert(name.to_string()) {
            return false;
        }
        let result = match self.types.get(name).map(|d| &d.kind) {
            Some(TypeKind::Struct(s)) => s
                .fields
                .iter()
                .filter(|f| f.required && !f.nullable)
                .all(|f| self.ref_default(&f.type_ref, visiting)),
            Some(TypeKind::Alias(t)) => self.ref_default(t, visiting),
            _ => false,
        };
        visiting.remove(name);
        result
    }

    fn ref_default(&self, type_ref: &TypeRef, visiting: &mut BTreeSet<String>) -> bool {
        match type_ref {
            TypeRef::Named(name) => self.named_default(name, visiting),
            _ => true,
        }
    }
}
