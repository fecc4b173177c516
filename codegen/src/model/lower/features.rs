//! Cargo features per API area: one per spec tag. An operation belongs to the features of its
//! tags; a type to the features of every operation that reaches it, so a crate built with some
//! areas compiles exactly the operations of those areas and the types they use.
//!
//! A type's gate is the exact set of areas reaching it (`any(feature = ...)`), not "shared means
//! always on": the seven protocol areas share a hundred types that no other area needs, and an
//! area built alone should not pay for them.

use std::collections::{BTreeSet, HashMap};

use openapiv3::OpenAPI;

use super::shape;
use crate::model::{Feature, Gate, Operation, TypeDef};
use crate::naming::{self, Scope};

/// The features of the document: the root `tags` in order, then tags only operations use (lint
/// reports those). Sets each operation's gate.
pub(super) fn areas(openapi: &OpenAPI, operations: &mut [Operation]) -> Vec<Feature> {
    let mut tags: Vec<(String, Option<String>)> = openapi
        .tags
        .iter()
        .map(|t| (t.name.clone(), t.description.clone()))
        .collect();
    for op in operations.iter() {
        for tag in &op.tags {
            if !tags.iter().any(|(name, _)| name == tag) {
                tags.push((tag.clone(), None));
            }
        }
    }
    // The types crate's own feature is not an area's.
    let mut scope = Scope::with_reserved([crate::model::ROUNDTRIP_FEATURE]);
    let features: Vec<Feature> = tags
        .into_iter()
        .map(|(tag, description)| Feature {
            name: scope.claim(&naming::feature_name(&tag)),
            description: description.map(|d| d.trim().to_string()),
            tag,
        })
        .collect();
    for op in operations.iter_mut() {
        let mut gate: Gate = Vec::new();
        for feature in &features {
            if op.tags.contains(&feature.tag) && !gate.contains(&feature.name) {
                gate.push(feature.name.clone());
            }
        }
        op.gate = gate;
    }
    features
}

/// Sets each type's gate: the features of the operations reaching it, in feature order; empty
/// (always compiled) when an always-compiled operation reaches it, when every feature does, or
/// when none does.
pub(super) fn gate_types(types: &mut [TypeDef], operations: &[Operation], features: &[Feature]) {
    let index: HashMap<&str, &TypeDef> = types.iter().map(|t| (t.name.as_str(), t)).collect();
    // Type name -> features reaching it; `None`: always compiled.
    let mut reached_by: HashMap<String, Option<BTreeSet<&str>>> = HashMap::new();
    for op in operations {
        let mut direct = Vec::new();
        shape::operation_refs(op, &mut direct);
        for name in shape::reach(&index, direct) {
            let entry = reached_by
                .entry(name)
                .or_insert_with(|| Some(BTreeSet::new()));
            match (entry, op.gate.is_empty()) {
                (entry @ Some(_), true) => *entry = None,
                (Some(set), false) => set.extend(op.gate.iter().map(String::as_str)),
                (None, _) => {}
            }
        }
    }
    // A schema no operation uses is still part of the crate, always compiled, and so is every
    // type it refers to.
    let unused: Vec<&str> = types
        .iter()
        .map(|t| t.name.as_str())
        .filter(|name| !reached_by.contains_key(*name))
        .collect();
    for name in shape::reach(&index, unused) {
        reached_by.insert(name, None);
    }
    for def in types.iter_mut() {
        let Some(Some(set)) = reached_by.get(&def.name) else {
            continue;
        };
        if set.len() == features.len() {
            continue;
        }
        def.gate = features
            .iter()
            .filter(|f| set.contains(f.name.as_str()))
            .map(|f| f.name.clone())
            .collect();
    }
}
