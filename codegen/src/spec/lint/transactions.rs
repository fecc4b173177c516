//! The transaction extensions, stated once: an operation's `x-sps-transaction` is `required`
//! or absent; the root `x-sps-transaction-operations` names, for each role of the generated
//! transaction helper, an existing operation the helper can call without parameters.
//! (Where each extension may stand is the `extensions` check's.)

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use super::extensions::unexpected_keys;
use super::{walk, Findings};
use crate::spec::pointer;

/// The roles the helper needs, then the optional ones.
const REQUIRED_ROLES: &[&str] = &["status", "open", "commit", "rollback"];
const ROLES: &[&str] = &["status", "open", "commit", "rollback", "changes"];

pub fn check(document: &Json, findings: &mut Findings) {
    let operations = walk::operations(document);
    for (at, _, _, operation) in &operations {
        if let Some(value) = operation.get("x-sps-transaction") {
            if value.as_str() != Some("required") {
                findings.push((
                    pointer::join(at, "x-sps-transaction"),
                    format!("`x-sps-transaction` must be `required`, not {value}"),
                ));
            }
        }
    }
    if let Some(value) = document.get("x-sps-transaction-operations") {
        let by_id: BTreeMap<&str, (&str, &Map<String, Json>)> = operations
            .iter()
            .filter_map(|(_, path, _, op)| {
                let id = op.get("operationId").and_then(Json::as_str)?;
                Some((id, (*path, *op)))
            })
            .collect();
        roles(document, value, &by_id, findings);
    }
}

/// `{status, open, commit, rollback[, changes]}`, each naming an operation callable as is.
fn roles(
    document: &Json,
    value: &Json,
    by_id: &BTreeMap<&str, (&str, &Map<String, Json>)>,
    findings: &mut Findings,
) {
    let at = "/x-sps-transaction-operations";
    let Some(roles) = value.as_object() else {
        return findings.push((
            at.to_owned(),
            "`x-sps-transaction-operations` must be a mapping".into(),
        ));
    };
    for role in REQUIRED_ROLES
        .iter()
        .filter(|role| !roles.contains_key(**role))
    {
        findings.push((
            at.to_owned(),
            format!("`x-sps-transaction-operations` lacks `{role}`"),
        ));
    }
    for role in ROLES {
        let Some(id) = roles.get(*role) else {
            continue;
        };
        let role_at = pointer::join(at, role);
        let Some((id, path, operation)) = id.as_str().and_then(|id| {
            by_id
                .get(id)
                .map(|(path, operation)| (id, *path, *operation))
        }) else {
            findings.push((
                role_at,
                format!("{id} is not the operationId of an operation"),
            ));
            continue;
        };
        let needs: Vec<String> = walk::parameters(document, path, operation)
            .into_iter()
            .filter(|p| p.get("required").and_then(Json::as_bool) == Some(true))
            .filter_map(|p| p.get("name").and_then(Json::as_str))
            .map(|name| format!("`{name}`"))
            .collect();
        if !needs.is_empty() {
            findings.push((
                role_at,
                format!(
                    "the {role} operation `{id}` must not need parameters (it needs {}): the \
                     transaction helper calls it without any",
                    needs.join(", ")
                ),
            ));
        }
    }
    unexpected_keys(at, roles, ROLES, findings);
}
