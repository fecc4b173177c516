//! Reference cycles that no Rust type can represent.
//!
//! Recursion through an object, a union or a string enum is fine: those become structs and enums
//! (the generator boxes what needs boxing). Two kinds of cycles are not:
//!
//! - a cycle of type aliases: schemas that are only a `$ref`, or an array or a map whose items
//!   lead back through such schemas (`A: {$ref: B}`, `B: {$ref: A}`; `A: {type: array, items:
//!   {$ref: A}}`) would become `pub type A = B; pub type B = A;`, which Rust rejects (E0391);
//! - a cycle of `allOf` merges (`A: {allOf: [{$ref: B}]}`, `B: {allOf: [{$ref: A}]}`): merging the
//!   members' properties never ends;
//! - a cycle of union members (`A: {oneOf: [{$ref: A}, ...]}`, or `A` a member of `B` and `B` of
//!   `A`): a value would be matched against the union itself forever, and `A: oneOf [A]` makes
//!   `impl From<A> for A`, which conflicts with the standard library's.
//!
//! Every schema of such a cycle is reported at its own pointer, and the message names them all.

use serde_json::{Map, Value as Json};

use super::Findings;
use crate::spec::pointer;

const SCHEMAS: &str = "#/components/schemas/";

/// How one schema leads to another without a struct or an enum in between.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// The schema becomes `pub type Name = ...`: `$ref`, array items, map values.
    Alias,
    /// The schema's `allOf` members are merged into it: `$ref`, `allOf` members.
    Merge,
    /// A value is tried against the schema's `oneOf`/`anyOf` members: `$ref`, union members.
    Union,
}

pub fn check(document: &Json, findings: &mut Findings) {
    let Some(schemas) = document
        .pointer("/components/schemas")
        .and_then(Json::as_object)
    else {
        return;
    };
    let names: Vec<&str> = schemas.keys().map(String::as_str).collect();
    let mut reported = Vec::new();
    for mode in [Mode::Alias, Mode::Merge, Mode::Union] {
        // edges[i]: (target index, pointer of the `$ref` that leads there)
        let edges: Vec<Vec<(usize, String)>> = schemas
            .iter()
            .map(|(name, schema)| {
                let mut out = Vec::new();
                let at = pointer::join("/components/schemas", name);
                targets(schema, &at, mode, &mut out);
                out.into_iter()
                    .filter_map(|(target, at)| {
                        names.iter().position(|n| *n == target).map(|i| (i, at))
                    })
                    .collect()
            })
            .collect();
        for cycle in cycles(&edges) {
            // A pure `$ref` cycle is a cycle of every mode: report it once.
            if reported.contains(&cycle) {
                continue;
            }
            report(&names, &edges, &cycle, mode, findings);
            reported.push(cycle);
        }
    }
}

/// The component schemas `value` (at `at`) leads to in `mode`, with the pointer of each `$ref`.
fn targets(value: &Json, at: &str, mode: Mode, out: &mut Vec<(String, String)>) {
    let Some(object) = value.as_object() else {
        return;
    };
    if let Some(reference) = object.get("$ref").and_then(Json::as_str) {
        if let Some(name) = reference.strip_prefix(SCHEMAS) {
            if !name.contains('/') {
                out.push((pointer::unescape(name), pointer::join(at, "$ref")));
            }
        }
        return;
    }
    let all_of = object.get("allOf").and_then(Json::as_array);
    match mode {
        Mode::Union => {
            for key in ["oneOf", "anyOf"] {
                let members = object.get(key).and_then(Json::as_array);
                for (i, member) in members.into_iter().flatten().enumerate() {
                    targets(member, &format!("{at}/{key}/{i}"), mode, out);
                }
            }
        }
        Mode::Merge => {
            for (i, member) in all_of.into_iter().flatten().enumerate() {
                targets(member, &format!("{at}/allOf/{i}"), mode, out);
            }
        }
        Mode::Alias => {
            if all_of.is_some() || is_named_type(object) {
                return;
            }
            let is_array = match object.get("type").and_then(Json::as_str) {
                Some(kind) => kind == "array",
                None => object.contains_key("items"),
            };
            let is_map = match object.get("type").and_then(Json::as_str) {
                Some(kind) => kind == "object",
                None => object.contains_key("additionalProperties"),
            };
            if is_array {
                if let Some(items) = object.get("items") {
                    targets(items, &pointer::join(at, "items"), mode, out);
                }
            } else if is_map {
                if let Some(values) = object.get("additionalProperties") {
                    let at = pointer::join(at, "additionalProperties");
                    targets(values, &at, mode, out);
                }
            }
        }
    }
}

/// Whether the schema becomes a struct or an enum of its own (recursion through it is fine).
fn is_named_type(object: &Map<String, Json>) -> bool {
    let non_empty = |key: &str| match object.get(key) {
        Some(Json::Object(map)) => !map.is_empty(),
        Some(Json::Array(items)) => !items.is_empty(),
        Some(_) => true,
        None => false,
    };
    non_empty("properties") || non_empty("oneOf") || non_empty("anyOf") || non_empty("enum")
}

/// The cycles of the graph: its strongly connected components with more than one node or a
/// self-loop, each sorted, in the order of their first node.
fn cycles(edges: &[Vec<(usize, String)>]) -> Vec<Vec<usize>> {
    let successors: Vec<Vec<usize>> = edges
        .iter()
        .map(|out| out.iter().map(|(to, _)| *to).collect())
        .collect();
    let mut found: Vec<Vec<usize>> = crate::graph::strongly_connected(&successors)
        .into_iter()
        .filter(|component| crate::graph::is_cycle(&successors, component))
        .collect();
    found.sort();
    found
}

/// One finding per schema of the cycle, at the `$ref` that keeps it in the cycle.
fn report(
    names: &[&str],
    edges: &[Vec<(usize, String)>],
    cycle: &[usize],
    mode: Mode,
    findings: &mut Findings,
) {
    let members: Vec<String> = cycle
        .iter()
        .map(|&i| {
            let at = pointer::join("/components/schemas", names[i]);
            format!("`{}` ({at})", names[i])
        })
        .collect();
    let (what, why) = match mode {
        Mode::Alias => (
            "a reference cycle",
            "these schemas are only references, arrays or maps of each other, so no Rust type \
             can hold them (a type alias cannot refer to itself); make one of them an object",
        ),
        Mode::Merge => (
            "an `allOf` cycle",
            "these schemas merge each other through `allOf`, which never ends",
        ),
        Mode::Union => (
            "a union cycle",
            "these schemas are `oneOf`/`anyOf` members of each other, so a value would be \
             matched against them forever; make one of the members an object",
        ),
    };
    for &i in cycle {
        let at = edges[i]
            .iter()
            .find(|(target, _)| cycle.contains(target))
            .map(|(_, at)| at.clone())
            .unwrap_or_else(|| pointer::join("/components/schemas", names[i]));
        let message = format!(
            "`{}` is part of {what}: {}; {why}",
            names[i],
            members.join(", ")
        );
        findings.push((at, message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(schemas: &str) -> Vec<(String, String)> {
        let yaml = format!("components:\n  schemas:\n{schemas}");
        let document: Json = serde_yaml::from_str(&yaml).expect("test YAML");
        let mut found = Findings::new();
        check(&document, &mut found);
        found
    }

    fn pointers(schemas: &str) -> Vec<String> {
        findings(schemas).into_iter().map(|(at, _)| at).collect()
    }

    #[test]
    fn a_schema_that_is_a_reference_to_itself() {
        let found = findings("    A: {$ref: '#/components/schemas/A'}\n");
        assert_eq!(
            found,
            [(
                "/components/schemas/A/$ref".to_string(),
                "`A` is part of a reference cycle: `A` (/components/schemas/A); these schemas are \
                 only references, arrays or maps of each other, so no Rust type can hold them (a \
                 type alias cannot refer to itself); make one of them an object"
                    .to_string()
            )]
        );
    }

    #[test]
    fn mutual_references_name_every_member() {
        let found = findings(
            "    A: {$ref: '#/components/schemas/B'}\n    \
             B: {$ref: '#/components/schemas/C'}\n    \
             C: {$ref: '#/components/schemas/A'}\n    \
             D: {$ref: '#/components/schemas/A'}\n",
        );
        let at: Vec<&str> = found.iter().map(|(at, _)| at.as_str()).collect();
        assert_eq!(
            at,
            [
                "/components/schemas/A/$ref",
                "/components/schemas/B/$ref",
                "/components/schemas/C/$ref"
            ]
        );
        for (_, message) in &found {
            assert!(
                message.contains(
                    "`A` (/components/schemas/A), `B` (/components/schemas/B), `C` (/components/schemas/C);"
                ),
                "{message}"
            );
        }
    }

    #[test]
    fn alias_cycles_through_arrays_and_maps() {
        assert_eq!(
            pointers("    A: {type: array, items: {$ref: '#/components/schemas/A'}}\n"),
            ["/components/schemas/A/items/$ref"]
        );
        assert_eq!(
            pointers(
                "    M: {type: object, additionalProperties: {$ref: '#/components/schemas/N'}}\n    \
                 N: {type: array, items: {type: array, items: {$ref: '#/components/schemas/M'}}}\n"
            ),
            [
                "/components/schemas/M/additionalProperties/$ref",
                "/components/schemas/N/items/items/$ref"
            ]
        );
    }

    #[test]
    fn allof_cycles() {
        let found = findings(
            "    A: {allOf: [{$ref: '#/components/schemas/B'}]}\n    \
             B: {allOf: [{type: object, properties: {x: {type: string}}}, {$ref: '#/components/schemas/A'}]}\n",
        );
        let at: Vec<&str> = found.iter().map(|(at, _)| at.as_str()).collect();
        assert_eq!(
            at,
            [
                "/components/schemas/A/allOf/0/$ref",
                "/components/schemas/B/allOf/1/$ref"
            ]
        );
        assert!(found[0].1.contains("an `allOf` cycle"), "{}", found[0].1);
    }

    #[test]
    fn union_cycles() {
        let found = findings(
            "    A: {oneOf: [{$ref: '#/components/schemas/A'}, {type: string}]}\n    \
             B: {anyOf: [{type: integer}, {$ref: '#/components/schemas/C'}]}\n    \
             C: {oneOf: [{oneOf: [{$ref: '#/components/schemas/B'}]}]}\n",
        );
        let at: Vec<&str> = found.iter().map(|(at, _)| at.as_str()).collect();
        assert_eq!(
            at,
            [
                "/components/schemas/A/oneOf/0/$ref",
                "/components/schemas/B/anyOf/1/$ref",
                "/components/schemas/C/oneOf/0/oneOf/0/$ref"
            ]
        );
        assert!(
            found[0]
                .1
                .contains("a union cycle: `A` (/components/schemas/A);"),
            "{}",
            found[0].1
        );
    }

    #[test]
    fn recursion_through_objects_unions_and_enums_is_fine() {
        let schemas = "    \
            Tree: {type: object, properties: {children: {type: array, items: {$ref: '#/components/schemas/Tree'}}}}\n    \
            Node: {type: object, properties: {next: {$ref: '#/components/schemas/Node'}}}\n    \
            Dir: {type: object, properties: {entries: {additionalProperties: {$ref: '#/components/schemas/Dir'}}}}\n    \
            Expr: {oneOf: [{type: string}, {$ref: '#/components/schemas/Exprs'}]}\n    \
            Exprs: {type: array, items: {$ref: '#/components/schemas/Expr'}}\n    \
            Forest: {type: array, items: {$ref: '#/components/schemas/Tree'}}\n    \
            Named: {$ref: '#/components/schemas/Forest'}\n    \
            Missing: {$ref: '#/components/schemas/Nowhere'}\n    \
            Deep: {$ref: '#/components/schemas/Tree/properties/children'}\n    \
            Wrapped: {allOf: [{$ref: '#/components/schemas/Tree'}]}\n";
        assert_eq!(pointers(schemas), Vec::<String>::new());
    }
}
