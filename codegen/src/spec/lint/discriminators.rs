//! Discriminated `oneOf`s, which become tagged enums: every member is a reference to a schema
//! that declares the tag property, and the mapping only names members.

use serde_json::{Map, Value as Json};

use super::{walk, Findings};
use crate::spec::pointer;

pub fn check(document: &Json, findings: &mut Findings) {
    walk::objects(document, &mut |at, object, name_map| {
        if name_map {
            return;
        }
        let Some(discriminator) = object.get("discriminator") else {
            return;
        };
        let schema_at = at;
        let at = pointer::join(schema_at, "discriminator");
        let Some(property) = discriminator.get("propertyName").and_then(Json::as_str) else {
            return findings.push((at, "the discriminator has no `propertyName`".into()));
        };
        let Some(Json::Array(members)) = object.get("oneOf") else {
            return;
        };
        let mut refs = Vec::new();
        for (index, member) in members.iter().enumerate() {
            let member_at = format!("{}/{index}", pointer::join(schema_at, "oneOf"));
            match member.get("$ref").and_then(Json::as_str) {
                Some(reference) => {
                    refs.push(reference);
                    let target = reference
                        .strip_prefix('#')
                        .and_then(|t| pointer::resolve(document, t));
                    if let Some(Json::Object(schema)) = target {
                        if !declares(schema, property) {
                            findings.push((
                                member_at,
                                format!("`{reference}` has no tag property `{property}`"),
                            ));
                        }
                    }
                }
                None => findings.push((
                    member_at,
                    "a member of a discriminated oneOf must be a `$ref`".into(),
                )),
            }
        }
        if let Some(Json::Object(mapping)) = discriminator.get("mapping") {
            for (tag, target) in mapping {
                let Some(target) = target.as_str() else {
                    continue;
                };
                let full = if target.starts_with('#') {
                    target.to_owned()
                } else {
                    format!("#/components/schemas/{target}")
                };
                if !refs.contains(&full.as_str()) {
                    let message = format!(
                        "the tag `{tag}` maps to `{target}`, which is not a member of the oneOf"
                    );
                    findings.push((pointer::join(&pointer::join(&at, "mapping"), tag), message));
                }
            }
        }
    });
}

/// Whether an object schema declares `property` (an `allOf` may bring it in: not judged).
fn declares(schema: &Map<String, Json>, property: &str) -> bool {
    schema.contains_key("allOf")
        || schema
            .get("properties")
            .and_then(|p| p.get(property))
            .is_some()
        || schema
            .get("type")
            .and_then(Json::as_str)
            .is_some_and(|t| t != "object")
}
