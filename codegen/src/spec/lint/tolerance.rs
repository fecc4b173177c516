//! Tolerant reading (`spec/README.md`, "Tolerant reading"): the parts of the rule a machine can
//! check.
//!
//! - Every success reply says how it is known (`x-sps-evidence`: `sample`, `described` or
//!   `undocumented`); a `sample` reply carries at least one published sample (an example with
//!   `x-sps-source`), and `x-sps-source` appears only on examples of replies (error samples
//!   included).
//! - An `undocumented` reply promises nothing: its schema requires no property.
//! - Object and list envelopes (a reply with `body` or `items`) never require `meta`: published
//!   samples of several versions omit it.
//! - Every documented success status is declared: a configuration PUT declares 200 and 201 (the
//!   status tables give 201 for every write), a POST creating a collection member 201.
//!
//! That every published sample has every required property is checked with the other examples
//! (`examples`): a published sample is an example like any other.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use super::operations::follow;
use super::{extensions, walk, Findings};
use crate::spec::pointer;

/// The values of `x-sps-evidence`.
pub const EVIDENCE: &[&str] = &["sample", "described", "undocumented"];

pub fn check(document: &Json, findings: &mut Findings) {
    let mut shared_checked = BTreeSet::new();
    for (at, path, method, operation) in walk::operations(document) {
        let Some(responses) = operation.get("responses").and_then(Json::as_object) else {
            continue;
        };
        for (status, response) in responses.iter().filter(|(s, _)| s.starts_with('2')) {
            let response_at = pointer::join(&pointer::join(&at, "responses"), status);
            // A shared response is checked where it is defined, once per referring operation.
            let (response_at, response) = match response.get("$ref").and_then(Json::as_str) {
                Some(target) if !shared_checked.insert(target) => continue,
                Some(target) => {
                    let target = target.trim_start_matches('#');
                    // An unresolved reference is the `refs` check's finding, not this one's.
                    if pointer::resolve(document, target).is_none() {
                        continue;
                    }
                    (target.to_owned(), follow(document, response))
                }
                None => (response_at, response),
            };
            if let Some(response) = response.as_object() {
                success_reply(document, &response_at, response, findings);
            }
        }
        statuses(document, &at, path, method, operation, responses, findings);
    }
    misplaced_sources(document, findings);
}

/// Evidence, samples, and what the reply schema may require.
fn success_reply(document: &Json, at: &str, response: &Map<String, Json>, findings: &mut Findings) {
    let evidence = response.get("x-sps-evidence");
    let evidence_at = pointer::join(at, "x-sps-evidence");
    let evidence = match evidence.and_then(Json::as_str) {
        Some(value) if EVIDENCE.contains(&value) => value,
        Some(_) | None => {
            let found = evidence.map_or("nothing".to_owned(), ToString::to_string);
            findings.push((
                if response.contains_key("x-sps-evidence") {
                    evidence_at
                } else {
                    at.to_owned()
                },
                format!(
                    "a success reply states how it is known: `x-sps-evidence` must be one of {}, found {found}",
                    EVIDENCE.join(", ")
                ),
            ));
            return;
        }
    };
    let media = response
        .get("content")
        .and_then(Json::as_object)
        .into_iter()
        .flatten();
    let mut samples = 0;
    for (media_type, media) in media {
        let media_at = pointer::join(&pointer::join(at, "content"), media_type);
        if let Some(examples) = media.get("examples").and_then(Json::as_object) {
            for (name, example) in examples {
                let example_at = pointer::join(&pointer::join(&media_at, "examples"), name);
                if let Some(source) = follow(document, example).get("x-sps-source") {
                    samples += 1;
                    source_shape(
                        &pointer::join(&example_at, "x-sps-source"),
                        source,
                        findings,
                    );
                }
            }
        }
        let Some(schema) = media.get("schema") else {
            continue;
        };
        let schema_at = pointer::join(&media_at, "schema");
        let schema = follow(document, schema);
        let required = required(schema);
        if evidence == "undocumented" && !required.is_empty() {
            findings.push((
                schema_at.clone(),
                format!(
                    "the reply is undocumented, so nothing in it is guaranteed, but its schema requires {}",
                    required.join(", ")
                ),
            ));
        }
        let properties = schema.get("properties").and_then(Json::as_object);
        let envelope =
            properties.is_some_and(|p| p.contains_key("body") || p.contains_key("items"));
        if envelope && required.contains(&"meta") {
            findings.push((
                schema_at,
                "an object or list envelope must not require `meta`: published samples of several versions omit it".into(),
            ));
        }
    }
    if evidence == "sample" && samples == 0 {
        findings.push((
            evidence_at.clone(),
            "`x-sps-evidence: sample` needs at least one example with `x-sps-source` (the published sample)".into(),
        ));
    }
    if evidence != "sample" && samples > 0 {
        findings.push((
            evidence_at,
            format!("the reply carries a published sample, so its evidence is `sample`, not `{evidence}`"),
        ));
    }
}

fn required(schema: &Json) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Json::as_array)
        .map(|list| list.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default()
}

/// `{page, versions, repairs?}`: where the sample is printed, for which guide versions, and what
/// was repaired to make it JSON.
fn source_shape(at: &str, source: &Json, findings: &mut Findings) {
    let Some(source) = source.as_object() else {
        return findings.push((
            at.to_owned(),
            "`x-sps-source` must be a mapping `{page, versions, repairs?}`".into(),
        ));
    };
    let non_empty_text = |key: &str| {
        source
            .get(key)
            .and_then(Json::as_str)
            .is_some_and(|s| !s.trim().is_empty())
    };
    if !non_empty_text("page") {
        findings.push((
            at.to_owned(),
            "`x-sps-source` needs `page`: the guide page the sample is printed on".into(),
        ));
    }
    match source.get("versions") {
        Some(versions) => extensions::versions(&pointer::join(at, "versions"), versions, findings),
        None => findings.push((
            at.to_owned(),
            "`x-sps-source` needs `versions`: the guide versions printing the sample".into(),
        )),
    }
    if source.contains_key("repairs") && !non_empty_text("repairs") {
        findings.push((
            pointer::join(at, "repairs"),
            "`repairs` says in words what was changed to make the sample JSON".into(),
        ));
    }
    for key in source.keys() {
        if !["page", "versions", "repairs"].contains(&key.as_str()) {
            findings.push((
                pointer::join(at, key),
                format!("unknown key `{key}` in `x-sps-source` (page, versions, repairs)"),
            ));
        }
    }
}

/// The status tables give 201 for every configuration write.
fn statuses(
    document: &Json,
    at: &str,
    path: &str,
    method: &str,
    operation: &Map<String, Json>,
    responses: &Map<String, Json>,
    findings: &mut Findings,
) {
    if operation.get("x-sps-transaction").and_then(Json::as_str) != Some("required") {
        return;
    }
    let resource = document
        .pointer(&pointer::join(
            &pointer::join("/paths", path),
            "x-sps-resource",
        ))
        .and_then(Json::as_str);
    let expected: &[&str] = match (method, resource) {
        ("put", _) => &["200", "201"],
        ("post", Some("collection")) => &["201"],
        _ => &[],
    };
    for status in expected {
        if !responses.contains_key(*status) {
            findings.push((
                pointer::join(at, "responses"),
                format!(
                    "a configuration {} documents {}: status {status} is missing",
                    method.to_uppercase(),
                    expected.join(" and ")
                ),
            ));
        }
    }
}

/// `x-sps-source` only on an example of a reply; `x-sps-evidence` only on a response.
fn misplaced_sources(document: &Json, findings: &mut Findings) {
    walk::objects(document, &mut |at, object, _| {
        let tokens = pointer::tokens(at);
        // `.../responses/<status>/content/<media type>/examples/<name>`
        let in_reply_examples = tokens
            .iter()
            .rposition(|t| t == "responses")
            .is_some_and(|i| tokens.len() == i + 6 && tokens[i + 4] == "examples");
        if object.contains_key("x-sps-source") && !in_reply_examples {
            findings.push((
                pointer::join(at, "x-sps-source"),
                "`x-sps-source` belongs on an example of a reply".into(),
            ));
        }
        let is_response = matches!(
            tokens
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
                .as_slice(),
            ["paths", _, _, "responses", _] | ["components", "responses", _]
        );
        if object.contains_key("x-sps-evidence") && !is_response {
            findings.push((
                pointer::join(at, "x-sps-evidence"),
                "`x-sps-evidence` belongs on a response".into(),
            ));
        }
    });
}
