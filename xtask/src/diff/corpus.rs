//! A corpus of single changes to the real spec, each with the classification a careful reviewer
//! gives it: the measure of `cargo xtask diff`'s accuracy (the unit test below) and the common
//! ground for comparing it with other diff tools (`cargo xtask diff --corpus`).

use serde_json::{json, Value as Json};

/// One mutation of the real bundle and what `diff` must say about it.
pub struct Case {
    pub name: &'static str,
    /// The change kind that must be reported (`None`: no change at all).
    pub kind: Option<&'static str>,
    /// Breaking for a user of the HTTP API.
    pub breaking: bool,
    /// Breaking for a user of the generated crates.
    pub rust_breaking: bool,
    pub mutate: fn(&mut Json),
}

const BACKUP_POLICIES: &str = "/paths/~1api~1configuration~1policies~1backup_policies";
const BACKUP_POLICY: &str = "/paths/~1api~1configuration~1policies~1backup_policies~1{key}";
const ACTIVE_SESSIONS: &str = "/paths/~1api~1active-sessions";
const FIRMWARE_TEST: &str = "/paths/~1api~1firmware~1test";
const SCHEMAS: &str = "/components/schemas";

/// The value at `pointer`, which must exist.
fn at<'a>(document: &'a mut Json, pointer: &str) -> &'a mut Json {
    document
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the corpus expects {pointer} in the spec"))
}

fn object<'a>(document: &'a mut Json, pointer: &str) -> &'a mut serde_json::Map<String, Json> {
    at(document, pointer)
        .as_object_mut()
        .unwrap_or_else(|| panic!("{pointer} is not an object"))
}

fn schema(name: &str) -> String {
    format!("{SCHEMAS}/{name}")
}

fn case(
    name: &'static str,
    kind: &'static str,
    breaking: bool,
    rust_breaking: bool,
    mutate: fn(&mut Json),
) -> Case {
    Case {
        name,
        kind: Some(kind),
        breaking,
        rust_breaking,
        mutate,
    }
}

/// Every case, in a fixed order.
pub fn cases() -> Vec<Case> {
    vec![
        case(
            "remove an operation",
            "operation-removed",
            true,
            true,
            |d| {
                object(d, BACKUP_POLICY).remove("delete");
            },
        ),
        case("add an operation", "operation-added", false, false, |d| {
            let mut copy = at(d, &format!("{BACKUP_POLICY}/get")).clone();
            copy["operationId"] = json!("head_backup_policy_copy");
            object(d, BACKUP_POLICY).insert("patch".into(), copy);
        }),
        case("rename a path", "operation-removed", true, true, |d| {
            let item = object(d, "/paths")
                .remove("/api/configuration/policies/backup_policies")
                .expect("backup policies");
            object(d, "/paths").insert("/api/configuration/policies/backup-policies".into(), item);
        }),
        case("change a method", "operation-removed", true, true, |d| {
            let delete = object(d, BACKUP_POLICY).remove("delete").expect("delete");
            object(d, BACKUP_POLICY).insert("post".into(), delete);
        }),
        case(
            "rename an operationId",
            "operation-id-changed",
            false,
            true,
            |d| {
                *at(d, &format!("{BACKUP_POLICY}/get/operationId")) = json!("read_backup_policy");
            },
        ),
        case("require basic auth", "security-changed", true, true, |d| {
            object(d, &format!("{BACKUP_POLICY}/get"))
                .insert("security".into(), json!([{"basicAuth": []}]));
        }),
        case(
            "add a required query parameter",
            "parameter-added",
            true,
            true,
            |d| {
                object(d, &format!("{BACKUP_POLICIES}/get")).insert(
                "parameters".into(),
                json!([{"name": "fields", "in": "query", "required": true, "schema": {"type": "string"}}]),
            );
            },
        ),
        case(
            "add an optional query parameter",
            "parameter-added",
            false,
            true,
            |d| {
                object(d, &format!("{BACKUP_POLICIES}/get")).insert(
                    "parameters".into(),
                    json!([{"name": "fields", "in": "query", "schema": {"type": "string"}}]),
                );
            },
        ),
        case(
            "remove a query parameter",
            "parameter-removed",
            true,
            true,
            |d| {
                at(d, &format!("{ACTIVE_SESSIONS}/delete/parameters"))
                    .as_array_mut()
                    .expect("parameters")
                    .clear();
            },
        ),
        case(
            "make a parameter optional",
            "parameter-optional",
            false,
            true,
            |d| {
                *at(
                    d,
                    &format!("{ACTIVE_SESSIONS}/delete/parameters/0/required"),
                ) = json!(false);
            },
        ),
        case(
            "make a parameter required",
            "parameter-required",
            true,
            true,
            |d| {
                *at(
                    d,
                    &format!("{ACTIVE_SESSIONS}/delete/parameters/0/required"),
                ) = json!(false);
                // The old side is the mutated one: see `reversed`.
            },
        ),
        case(
            "move a parameter to a header",
            "parameter-moved",
            true,
            false,
            |d| {
                *at(d, &format!("{ACTIVE_SESSIONS}/delete/parameters/0/in")) = json!("header");
            },
        ),
        case(
            "change a parameter's type",
            "type-changed",
            true,
            true,
            |d| {
                *at(
                    d,
                    &format!("{ACTIVE_SESSIONS}/delete/parameters/0/schema/type"),
                ) = json!("integer");
            },
        ),
        case(
            "remove a request body",
            "request-body-removed",
            true,
            true,
            |d| {
                object(d, &format!("{BACKUP_POLICY}/put")).remove("requestBody");
            },
        ),
        case(
            "make a request body optional",
            "request-body-optional",
            false,
            true,
            |d| {
                *at(d, &format!("{BACKUP_POLICY}/put/requestBody/required")) = json!(false);
            },
        ),
        case(
            "remove a success status",
            "success-status-removed",
            true,
            true,
            |d| {
                object(d, &format!("{BACKUP_POLICY}/put/responses")).remove("201");
            },
        ),
        case(
            "add a success status",
            "success-status-added",
            false,
            true,
            |d| {
                let ok = at(d, &format!("{BACKUP_POLICY}/get/responses/200")).clone();
                object(d, &format!("{BACKUP_POLICY}/get/responses")).insert("203".into(), ok);
            },
        ),
        case(
            "add an error status",
            "error-status-added",
            false,
            true,
            |d| {
                let not_found = at(d, &format!("{BACKUP_POLICY}/get/responses/404")).clone();
                object(d, &format!("{BACKUP_POLICY}/get/responses"))
                    .insert("410".into(), not_found);
            },
        ),
        case(
            "remove an error status",
            "error-status-removed",
            false,
            true,
            |d| {
                object(d, &format!("{BACKUP_POLICY}/get/responses")).remove("403");
            },
        ),
        case(
            "point a reply at another schema",
            "body-type-changed",
            true,
            true,
            |d| {
                *at(
                    d,
                    &format!(
                        "{BACKUP_POLICY}/get/responses/200/content/application~1json/schema/$ref"
                    ),
                ) = json!("#/components/schemas/AuditPolicyObject");
            },
        ),
        case("add a schema", "schema-added", false, false, |d| {
            object(d, SCHEMAS).insert("Unused".into(), json!({"type": "object"}));
        }),
        case(
            "remove an unused schema",
            "schema-removed",
            false,
            true,
            |d| {
                object(d, SCHEMAS).insert("Unused".into(), json!({"type": "object"}));
                // The old side is the mutated one: see `reversed`.
            },
        ),
        case(
            "change a reply property's type",
            "type-changed",
            true,
            true,
            |d| {
                *at(d, &format!("{}/properties/name/type", schema("LocalGroup"))) =
                    json!("integer");
            },
        ),
        case(
            "narrow an integer format",
            "type-changed",
            true,
            true,
            |d| {
                *at(
                    d,
                    &format!("{}/properties/remaining_seconds/format", schema("Meta")),
                ) = json!("int32");
            },
        ),
        case(
            "add a value to a reply-only enum",
            "enum-value-added",
            false,
            true,
            |d| {
                at(d, &format!("{}/enum", schema("ErrorType")))
                    .as_array_mut()
                    .expect("enum")
                    .push(json!("SomethingNew"));
            },
        ),
        case(
            "remove a value from a reply-only enum",
            "enum-value-removed",
            false,
            true,
            |d| {
                at(d, &format!("{}/enum", schema("ErrorType")))
                    .as_array_mut()
                    .expect("enum")
                    .retain(|v| v != "MinionUnavailable");
            },
        ),
        case(
            "add a value to a request enum",
            "enum-value-added",
            false,
            true,
            |d| {
                at(d, &format!("{}/enum", schema("NotificationEventType")))
                    .as_array_mut()
                    .expect("enum")
                    .push(json!("weekly"));
            },
        ),
        case(
            "remove a value from a request enum",
            "enum-value-removed",
            true,
            true,
            |d| {
                at(d, &format!("{}/enum", schema("NotificationEventType")))
                    .as_array_mut()
                    .expect("enum")
                    .retain(|v| v != "errors-only");
            },
        ),
        case(
            "add an optional request property",
            "property-added",
            false,
            true,
            |d| {
                object(d, &format!("{}/properties", schema("FirmwareTestRequest")))
                    .insert("dry_run".into(), json!({"type": "boolean"}));
            },
        ),
        case(
            "add a required request property",
            "property-added",
            true,
            true,
            |d| {
                object(d, &format!("{}/properties", schema("FirmwareTestRequest")))
                    .insert("dry_run".into(), json!({"type": "boolean"}));
                at(d, &format!("{}/required", schema("FirmwareTestRequest")))
                    .as_array_mut()
                    .expect("required")
                    .push(json!("dry_run"));
            },
        ),
        case("add a reply property", "property-added", false, true, |d| {
            object(d, &format!("{}/properties", schema("Meta")))
                .insert("self".into(), json!({"type": "string"}));
        }),
        case(
            "remove a reply property",
            "property-removed",
            true,
            true,
            |d| {
                object(d, &format!("{}/properties", schema("Meta"))).remove("parent");
            },
        ),
        case(
            "remove a request property",
            "property-removed",
            true,
            true,
            |d| {
                object(d, &format!("{}/properties", schema("FirmwareTestRequest")))
                    .remove("slot_id");
                object(d, &schema("FirmwareTestRequest")).remove("required");
            },
        ),
        case(
            "make a reply property optional",
            "property-optional",
            true,
            true,
            |d| {
                object(d, &schema("ListItem")).insert("required".into(), json!(["meta"]));
            },
        ),
        case(
            "make a reply property required",
            "property-required",
            false,
            true,
            |d| {
                object(d, &schema("Meta")).insert("required".into(), json!(["href", "parent"]));
            },
        ),
        case(
            "make a request property required",
            "property-required",
            true,
            true,
            |d| {
                object(d, &schema("NotificationEvent")).insert("required".into(), json!(["type"]));
            },
        ),
        case(
            "make a request property optional",
            "property-optional",
            false,
            true,
            |d| {
                object(d, &schema("FirmwareTestRequest")).remove("required");
            },
        ),
        case(
            "make a reply value nullable",
            "nullable-added",
            true,
            true,
            |d| {
                object(d, &format!("{}/properties/href", schema("Meta")))
                    .insert("nullable".into(), json!(true));
            },
        ),
        case(
            "make a request value non-nullable",
            "nullable-removed",
            true,
            true,
            |d| {
                object(
                    d,
                    &format!("{}/properties/gpg_public_key", schema("BackupEncryption")),
                )
                .remove("nullable");
            },
        ),
        case(
            "narrow a request maximum",
            "constraint-narrowed",
            true,
            false,
            |d| {
                *at(
                    d,
                    &format!(
                        "{}/properties/signing_and_timestamping_interval/maximum",
                        schema("AuditPolicy")
                    ),
                ) = json!(1000);
            },
        ),
        case(
            "widen a request minimum",
            "constraint-widened",
            false,
            false,
            |d| {
                *at(
                    d,
                    &format!(
                        "{}/properties/signing_and_timestamping_interval/minimum",
                        schema("AuditPolicy")
                    ),
                ) = json!(1);
            },
        ),
        case(
            "add a pattern to a request string",
            "constraint-narrowed",
            true,
            false,
            |d| {
                object(d, &format!("{}/properties/name", schema("LocalGroup")))
                    .insert("pattern".into(), json!("^[a-z]+$"));
            },
        ),
        case(
            "add a length limit to a reply-only string",
            "constraint-narrowed",
            false,
            false,
            |d| {
                object(d, &format!("{}/properties/href", schema("Meta")))
                    .insert("maxLength".into(), json!(200));
            },
        ),
        case(
            "close a request object",
            "additional-properties-closed",
            true,
            true,
            |d| {
                object(d, &schema("NotificationEvent"))
                    .insert("additionalProperties".into(), json!(false));
            },
        ),
        case(
            "add a member to an untagged union",
            "union-member-added",
            true,
            true,
            |d| {
                at(d, &format!("{}/oneOf", schema("Reference")))
                    .as_array_mut()
                    .expect("oneOf")
                    .push(json!({"$ref": "#/components/schemas/LinkMeta"}));
            },
        ),
        case(
            "add a variant to a tagged union",
            "union-member-added",
            false,
            true,
            |d| {
                at(d, &format!("{}/oneOf", schema("ServerAddress")))
                    .as_array_mut()
                    .expect("oneOf")
                    .push(json!({"$ref": "#/components/schemas/ServerAddressIp6"}));
                object(
                    d,
                    &format!("{}/discriminator/mapping", schema("ServerAddress")),
                )
                .insert("ip6".into(), json!("#/components/schemas/ServerAddressIp6"));
                let ip = at(d, &schema("ServerAddressIp")).clone();
                object(d, SCHEMAS).insert("ServerAddressIp6".into(), ip);
            },
        ),
        case(
            "remove a variant from a tagged union",
            "union-member-removed",
            true,
            true,
            |d| {
                at(d, &format!("{}/oneOf", schema("ServerAddress")))
                    .as_array_mut()
                    .expect("oneOf")
                    .retain(|m| m["$ref"] != "#/components/schemas/ServerAddressFqdn");
                object(
                    d,
                    &format!("{}/discriminator/mapping", schema("ServerAddress")),
                )
                .remove("fqdn");
            },
        ),
        case(
            "remove a tag from a mapping",
            "discriminator-value-removed",
            true,
            true,
            |d| {
                object(
                    d,
                    &format!("{}/discriminator/mapping", schema("ServerAddress")),
                )
                .remove("fqdn");
            },
        ),
        case(
            "add a request body",
            "request-body-added",
            true,
            true,
            |d| {
                object(d, &format!("{FIRMWARE_TEST}/post")).remove("requestBody");
                // The old side is the mutated one: see `reversed`.
            },
        ),
        case(
            "add a tag to a mapping",
            "discriminator-value-added",
            false,
            true,
            |d| {
                object(
                    d,
                    &format!("{}/discriminator/mapping", schema("ServerAddress")),
                )
                .insert(
                    "hostname".into(),
                    json!("#/components/schemas/ServerAddressFqdn"),
                );
            },
        ),
        Case {
            name: "reword a description",
            kind: None,
            breaking: false,
            rust_breaking: false,
            mutate: |d| {
                *at(d, &format!("{BACKUP_POLICY}/get/description")) = json!("Reads one policy.");
            },
        },
        Case {
            name: "change an example",
            kind: None,
            breaking: false,
            rust_breaking: false,
            mutate: |d| {
                *at(d, &format!("{}/example/href", schema("Meta"))) = json!("/api/elsewhere");
            },
        },
        case(
            "change a test request's slot type",
            "body-type-changed",
            true,
            true,
            |d| {
                *at(
                    d,
                    &format!("{}/properties/slot_id/$ref", schema("FirmwareTestRequest")),
                ) = json!("#/components/schemas/Reference");
            },
        ),
        case(
            "make a request body required",
            "request-body-required",
            true,
            true,
            |d| {
                *at(d, &format!("{FIRMWARE_TEST}/post/requestBody/required")) = json!(false);
                // The old side is the mutated one: see `reversed`.
            },
        ),
    ]
}

/// Cases whose mutation builds the *old* side (the change goes from the mutated spec back to the
/// real one): the reverse of a change is the easiest way to state it.
pub fn reversed(case: &Case) -> bool {
    matches!(
        case.name,
        "make a parameter required"
            | "remove an unused schema"
            | "make a request body required"
            | "add a request body"
    )
}

/// `(old, new)` for a case.
pub fn pair(real: &Json, case: &Case) -> (Json, Json) {
    let mut mutated = real.clone();
    (case.mutate)(&mut mutated);
    if reversed(case) {
        (mutated, real.clone())
    } else {
        (real.clone(), mutated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{compare, Summary};

    fn real() -> Json {
        let dir = crate::workspace_root().join("spec");
        let spec = codegen::spec::load_dir(&dir).unwrap_or_else(|e| panic!("{e:?}"));
        spec.json().clone()
    }

    #[test]
    fn the_corpus_is_large_enough_and_names_are_unique() {
        let cases = cases();
        assert!(cases.len() >= 40, "{} cases", cases.len());
        let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), cases.len());
    }

    #[test]
    fn every_rule_has_a_case() {
        let covered: Vec<&str> = cases().iter().filter_map(|c| c.kind).collect();
        let missing: Vec<&&str> = crate::diff::compare::KINDS
            .iter()
            .filter(|k| !covered.contains(k))
            .collect();
        assert!(
            missing.is_empty(),
            "rules without a corpus case: {missing:?}"
        );
    }

    #[test]
    fn a_spec_compared_with_itself_has_no_change() {
        let real = real();
        assert_eq!(compare(&real, &real), Vec::new());
    }

    /// One test over every rule of `compare`'s table: each case is a single change, and the
    /// diff must report its kind with the expected verdicts, and nothing more breaking.
    #[test]
    fn every_case_is_classified_as_expected() {
        let real = real();
        let mut failures = Vec::new();
        for case in cases() {
            let (old, new) = pair(&real, &case);
            let changes = compare(&old, &new);
            let summary = Summary::of(&changes);
            let found = match case.kind {
                None => changes.is_empty(),
                Some(kind) => changes.iter().any(|c| {
                    c.kind == kind
                        && c.breaking == case.breaking
                        && c.rust_breaking == case.rust_breaking
                }),
            };
            if !found
                || summary.breaking != case.breaking
                || summary.rust_breaking != case.rust_breaking
            {
                failures.push(format!(
                    "{}: expected {:?} breaking={} rust_breaking={}, got {changes:#?}",
                    case.name, case.kind, case.breaking, case.rust_breaking
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    }
}
