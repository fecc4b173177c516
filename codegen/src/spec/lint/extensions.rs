//! The `x-sps-*` vendor extensions (ARCHITECTURE.md): known names, in their place, with
//! well-formed values (the transaction extensions' values are checked by `transactions`).

use serde_json::{Map, Value as Json};

use super::{walk, Findings};
use crate::spec::pointer;

const RESOURCES: &[&str] = &[
    "index",
    "collection",
    "item",
    "singleton",
    "action",
    "service",
];
const DECISION_KEYS: &[&str] = &["defect", "decision", "why"];
const FIELD_LEVELS: &[&str] = &["partial", "open"];

/// Where an object sits, as far as the extensions care.
#[derive(PartialEq)]
enum Place {
    Root,
    PathItem,
    Operation,
    Other,
}

fn place(at: &str) -> Place {
    let tokens = pointer::tokens(at);
    match tokens.as_slice() {
        [] => Place::Root,
        [paths, _] if paths == "paths" => Place::PathItem,
        [paths, _, method] if paths == "paths" && walk::METHODS.contains(&method.as_str()) => {
            Place::Operation
        }
        _ => Place::Other,
    }
}

pub fn check(document: &Json, findings: &mut Findings) {
    walk::objects(document, &mut |at, object, _| {
        for (key, value) in object.iter().filter(|(key, _)| key.starts_with("x-sps-")) {
            let key_at = pointer::join(at, key);
            let here = place(at);
            let wrong_place = |findings: &mut Findings, place: &str| {
                findings.push((key_at.clone(), format!("`{key}` belongs on {place}")));
            };
            match key.as_str() {
                "x-sps-resource" if here != Place::PathItem => wrong_place(findings, "a path item"),
                "x-sps-resource" => {
                    if !value.as_str().is_some_and(|v| RESOURCES.contains(&v)) {
                        findings.push((
                            key_at,
                            format!(
                                "`{key}` must be one of {}, not {value}",
                                RESOURCES.join(", ")
                            ),
                        ));
                    }
                }
                "x-sps-transaction" if here != Place::Operation => {
                    wrong_place(findings, "an operation")
                }
                "x-sps-versions" if here != Place::Operation => {
                    wrong_place(findings, "an operation")
                }
                "x-sps-versions" => versions(&key_at, value, findings),
                "x-sps-repeatable" if here != Place::Operation => {
                    wrong_place(findings, "an operation")
                }
                "x-sps-repeatable" => repeatable(at, &key_at, value, findings),
                "x-sps-doc-decisions" => decisions(&key_at, value, findings),
                "x-sps-fields" => fields(at, &key_at, object, value, findings),
                "x-sps-refers-to" => refers_to(at, &key_at, object, value, findings),
                // Placed and shaped as the tolerant-reading check (`tolerance`) says.
                "x-sps-evidence" | "x-sps-source" => {}
                "x-sps-transaction-operations" if here != Place::Root => {
                    wrong_place(findings, "the root")
                }
                // Their values are the `transactions` check's.
                "x-sps-transaction" | "x-sps-transaction-operations" => {}
                _ => findings.push((key_at, format!("unknown vendor extension `{key}`"))),
            }
        }
    });
}

/// A non-empty list of versions like `6.x`, `7.4` or `8.0`.
pub(super) fn versions(at: &str, value: &Json, findings: &mut Findings) {
    let Some(list) = value.as_array().filter(|list| !list.is_empty()) else {
        return findings.push((
            at.to_owned(),
            "`x-sps-versions` must be a non-empty list like [\"7.x\", \"8.0\"]".into(),
        ));
    };
    for (index, version) in list.iter().enumerate() {
        let well_formed = version
            .as_str()
            .and_then(|v| v.split_once('.'))
            .is_some_and(|(major, minor)| {
                !major.is_empty()
                    && major.chars().all(|c| c.is_ascii_digit())
                    && (minor == "x"
                        || (!minor.is_empty() && minor.chars().all(|c| c.is_ascii_digit())))
            });
        if !well_formed {
            findings.push((
                format!("{at}/{index}"),
                format!("{version} is not a version like \"7.x\" or \"8.0\""),
            ));
        }
    }
}

/// `x-sps-repeatable: true` on a POST (or PATCH) that may be sent twice: GET, PUT and DELETE
/// are repeated by the client anyway, so marking them says nothing and `false` is the default.
fn repeatable(at: &str, key_at: &str, value: &Json, findings: &mut Findings) {
    if value != &Json::Bool(true) {
        return findings.push((
            key_at.to_owned(),
            format!("`x-sps-repeatable` is `true` or absent, not {value}"),
        ));
    }
    let method = pointer::tokens(at).pop().unwrap_or_default();
    if !matches!(method.as_str(), "post" | "patch") {
        findings.push((
            key_at.to_owned(),
            format!(
                "`x-sps-repeatable` marks a POST or PATCH; a {} is repeated anyway",
                method.to_ascii_uppercase()
            ),
        ));
    }
}

/// `x-sps-fields: partial | open` on a named schema (`/components/schemas/<Name>`) that keeps
/// unknown fields; an `open` schema requires nothing.
fn fields(
    at: &str,
    key_at: &str,
    schema: &Map<String, Json>,
    value: &Json,
    findings: &mut Findings,
) {
    if !matches!(pointer::tokens(at).as_slice(), [c, s, _] if c == "components" && s == "schemas") {
        return findings.push((
            key_at.to_owned(),
            "`x-sps-fields` belongs on a named schema (`/components/schemas/<Name>`)".into(),
        ));
    }
    let Some(level) = value.as_str().filter(|v| FIELD_LEVELS.contains(v)) else {
        return findings.push((
            key_at.to_owned(),
            format!(
                "`x-sps-fields` must be one of {}, not {value}",
                FIELD_LEVELS.join(", ")
            ),
        ));
    };
    if schema.get("additionalProperties") == Some(&Json::Bool(false)) {
        findings.push((
            key_at.to_owned(),
            "a schema whose fields are not all known must keep unknown fields \
             (no `additionalProperties: false`)"
                .into(),
        ));
    }
    let requires = schema
        .get("required")
        .and_then(Json::as_array)
        .is_some_and(|r| !r.is_empty());
    if level == "open" && requires {
        findings.push((
            key_at.to_owned(),
            "an `open` schema cannot require fields: none is known to be always sent".into(),
        ));
    }
}

/// `x-sps-refers-to: <collection>` on a `Reference` inside a schema (`allOf: [$ref Reference]`):
/// an absolute path (`/api/...`) or one relative to the referring object (`../name`).
fn refers_to(
    at: &str,
    key_at: &str,
    schema: &Map<String, Json>,
    value: &Json,
    findings: &mut Findings,
) {
    let tokens = pointer::tokens(at);
    if !(tokens.len() > 3 && tokens[0] == "components" && tokens[1] == "schemas") {
        return findings.push((
            key_at.to_owned(),
            "`x-sps-refers-to` belongs on a property (or list item) of a named schema".into(),
        ));
    }
    let is_reference = schema
        .get("allOf")
        .and_then(Json::as_array)
        .is_some_and(|all| {
            all.len() == 1
                && all[0].get("$ref").and_then(Json::as_str)
                    == Some("#/components/schemas/Reference")
        });
    if !is_reference {
        findings.push((
            key_at.to_owned(),
            "`x-sps-refers-to` describes a `Reference`: the schema must be \
             `allOf: [{$ref: '#/components/schemas/Reference'}]`"
                .into(),
        ));
    }
    let well_formed = value.as_str().is_some_and(|path| {
        let rest = path
            .strip_prefix("/api/")
            .or_else(|| path.strip_prefix("../"));
        rest.is_some_and(|rest| {
            !rest.is_empty()
                && rest.split('/').all(|s| {
                    !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                })
        })
    });
    if !well_formed {
        findings.push((
            key_at.to_owned(),
            format!(
                "`x-sps-refers-to` must be a collection path, `/api/...` or `../<sibling>`, not {value}"
            ),
        ));
    }
}

/// A list of `{defect, decision, why}` with non-empty strings.
fn decisions(at: &str, value: &Json, findings: &mut Findings) {
    let Some(list) = value.as_array() else {
        return findings.push((
            at.to_owned(),
            "`x-sps-doc-decisions` must be a list of {defect, decision, why}".into(),
        ));
    };
    for (index, entry) in list.iter().enumerate() {
        let entry_at = format!("{at}/{index}");
        let Some(entry) = entry.as_object() else {
            findings.push((
                entry_at,
                "a doc decision must be a mapping {defect, decision, why}".into(),
            ));
            continue;
        };
        for key in DECISION_KEYS {
            let text = entry.get(*key).and_then(Json::as_str).unwrap_or_default();
            if text.trim().is_empty() {
                findings.push((
                    entry_at.clone(),
                    format!("a doc decision needs a non-empty `{key}`"),
                ));
            }
        }
        unexpected_keys(&entry_at, entry, DECISION_KEYS, findings);
    }
}

pub(super) fn unexpected_keys(
    at: &str,
    object: &Map<String, Json>,
    allowed: &[&str],
    findings: &mut Findings,
) {
    for key in object.keys().filter(|k| !allowed.contains(&k.as_str())) {
        findings.push((
            pointer::join(at, key),
            format!("unexpected key `{key}` (allowed: {})", allowed.join(", ")),
        ));
    }
}
