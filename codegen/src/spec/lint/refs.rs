//! References: every `$ref` (and discriminator mapping) is local and resolves; constructs that
//! tools would silently ignore are reported.

use serde_json::Value as Json;

use super::{walk, Findings};
use crate::spec::pointer;

pub fn check(document: &Json, findings: &mut Findings) {
    walk::objects(document, &mut |at, object, name_map| {
        if object.contains_key("<<") {
            findings.push((
                pointer::join(at, "<<"),
                "unsupported: YAML merge keys (`<<`) are not applied".into(),
            ));
        }
        if name_map {
            if at.ends_with("/discriminator/mapping") {
                for (tag, target) in object {
                    let at = pointer::join(at, tag);
                    match target.as_str() {
                        Some(target) => mapping_target(document, &at, target, findings),
                        None => findings
                            .push((at, "a discriminator mapping value must be a string".into())),
                    }
                }
            }
            return;
        }
        let Some(reference) = object.get("$ref") else {
            return;
        };
        let at_ref = pointer::join(at, "$ref");
        match reference.as_str() {
            None => findings.push((at_ref, "`$ref` must be a string".into())),
            Some(reference) => {
                if let Some(message) = resolve_problem(document, reference) {
                    findings.push((at_ref, message));
                } else if let Some(section) = expected_section(at) {
                    let prefix = format!("#/components/{section}/");
                    if !reference.starts_with(&prefix) {
                        let message = format!(
                            "`{reference}` is used where {} belongs: it must point into `{prefix}`",
                            kind(section)
                        );
                        findings.push((at_ref, message));
                    }
                }
            }
        }
        let siblings: Vec<&str> = object
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "$ref")
            .collect();
        if !siblings.is_empty() {
            findings.push((
                at.to_owned(),
                format!(
                    "unsupported: keys next to `$ref` are ignored in OpenAPI 3.0: `{}`",
                    siblings.join("`, `")
                ),
            ));
        }
    });
}

/// What a `components` section holds, for messages.
fn kind(section: &str) -> &'static str {
    match section {
        "schemas" => "a schema",
        "responses" => "a response",
        "parameters" => "a parameter",
        "requestBodies" => "a request body",
        "examples" => "an example",
        "headers" => "a header",
        _ => "something else",
    }
}

/// The `components` section a reference at `at` must point into, judged from where it sits;
/// `None` where any target is fine or the place is not recognised.
fn expected_section(at: &str) -> Option<&'static str> {
    let tokens = pointer::tokens(at);
    let [.., parent, last] = tokens.as_slice() else {
        return None;
    };
    let is_index = !last.is_empty() && last.chars().all(|c| c.is_ascii_digit());
    Some(match (parent.as_str(), last.as_str()) {
        ("properties" | "schemas", _) => "schemas",
        (_, "schema" | "items" | "additionalProperties" | "not") => "schemas",
        ("allOf" | "anyOf" | "oneOf", _) if is_index => "schemas",
        ("responses", _) => "responses",
        ("parameters", _) => "parameters",
        (_, "requestBody") | ("requestBodies", _) => "requestBodies",
        ("examples", _) => "examples",
        ("headers", _) => "headers",
        _ => return None,
    })
}

/// Why `reference` does not lead anywhere, if it does not.
fn resolve_problem(document: &Json, reference: &str) -> Option<String> {
    let Some(target) = reference.strip_prefix('#') else {
        return Some(format!(
            "unsupported: external reference `{reference}` (only `#/...` references are allowed)"
        ));
    };
    if pointer::resolve(document, target).is_none() {
        return Some(format!("unresolved reference `{reference}`"));
    }
    None
}

/// A mapping value is a local reference or the name of a schema in `components/schemas`.
fn mapping_target(document: &Json, at: &str, target: &str, findings: &mut Findings) {
    let problem = if target.starts_with('#') || target.contains('/') || target.contains('.') {
        resolve_problem(document, target)
    } else {
        let schema = pointer::join("/components/schemas", target);
        pointer::resolve(document, &schema)
            .is_none()
            .then(|| format!("the mapping names no schema `{target}`"))
    };
    if let Some(message) = problem {
        findings.push((at.to_owned(), message));
    }
}
