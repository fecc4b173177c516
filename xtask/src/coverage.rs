//! `cargo xtask coverage [--check]`: the documented endpoints of `spec/catalogue/endpoints.yaml`
//! against the operations of `spec/`.
//!
//! Prints, per area (`configuration/ssh`, `firmware`, ...), how many documented method+path
//! pairs the spec describes, how well the described ones are known (precise, partial, open:
//! the strongest `x-sps-fields` among the schemas of their bodies), and every pair still
//! missing. `--check` also fails if fewer pairs are covered than the floor recorded in
//! `spec/catalogue/coverage-floor.yaml` (`cargo xtask test` runs it that way).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_yaml::Value;

const USAGE: &str = "usage: cargo xtask coverage [--check]";
const CATALOGUE: &str = "spec/catalogue/endpoints.yaml";
const FLOOR: &str = "spec/catalogue/coverage-floor.yaml";
const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// How completely the bodies of an operation are described (`x-sps-fields`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Detail {
    /// Every schema of its bodies comes from field tables or samples.
    Precise,
    /// Some schema names only part of its fields (`x-sps-fields: partial`).
    Partial,
    /// Some schema is an open object: only the path is known (`x-sps-fields: open`).
    Open,
}

/// One documented method+path.
struct Documented {
    method: String,
    path: String,
    query: Vec<String>,
}

/// One operation of the spec: its query parameters and how well its bodies are known.
struct Described {
    query: BTreeSet<String>,
    detail: Detail,
}

#[derive(Default)]
struct Area {
    total: usize,
    covered: usize,
    details: BTreeMap<Detail, usize>,
}

pub fn run(args: &[String]) -> crate::Result {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err(USAGE.into()),
    };
    let root = crate::workspace_root();
    let spec = crate::spec::load()?;
    let described = operations(&spec.document);
    let documented = catalogue(&root)?;

    let mut areas: BTreeMap<String, Area> = BTreeMap::new();
    let mut missing = Vec::new();
    let mut matched = BTreeSet::new();
    for entry in &documented {
        let area = areas.entry(area_of(&entry.path)).or_default();
        area.total += 1;
        let key = (entry.method.clone(), normalize(&entry.path));
        match described.get(&key) {
            Some(op) if entry.query.iter().all(|q| op.query.contains(q)) => {
                area.covered += 1;
                *area.details.entry(op.detail).or_default() += 1;
                matched.insert(key);
            }
            _ => missing.push(entry),
        }
    }

    let covered: usize = areas.values().map(|a| a.covered).sum();
    println!("documented endpoints ({CATALOGUE}) described in spec/:\n");
    println!(
        "  {:<32} {:>9} {:>8} {:>8} {:>6}",
        "area", "covered", "precise", "partial", "open"
    );
    for (name, area) in &areas {
        let count = |d| area.details.get(&d).copied().unwrap_or(0);
        println!(
            "  {:<32} {:>9} {:>8} {:>8} {:>6}",
            name,
            format!("{}/{}", area.covered, area.total),
            count(Detail::Precise),
            count(Detail::Partial),
            count(Detail::Open)
        );
    }
    let total_of = |d| {
        areas
            .values()
            .map(|a| a.details.get(&d).copied().unwrap_or(0))
            .sum::<usize>()
    };
    println!(
        "  {:<32} {:>9} {:>8} {:>8} {:>6}",
        "total",
        format!("{covered}/{}", documented.len()),
        total_of(Detail::Precise),
        total_of(Detail::Partial),
        total_of(Detail::Open)
    );
    let mut all = BTreeMap::<Detail, usize>::new();
    for op in described.values() {
        *all.entry(op.detail).or_default() += 1;
    }
    println!(
        "\nspec/ has {} operations: {} precise, {} partial, {} open \
         (precise: bodies from field tables or samples; partial: some fields unnamed; \
         open: only the path is known)",
        described.len(),
        all.get(&Detail::Precise).unwrap_or(&0),
        all.get(&Detail::Partial).unwrap_or(&0),
        all.get(&Detail::Open).unwrap_or(&0)
    );
    let extra: Vec<_> = described.keys().filter(|k| !matched.contains(*k)).collect();
    if !extra.is_empty() {
        println!(
            "\noperations of spec/ the catalogue does not list ({}):",
            extra.len()
        );
        for (method, path) in extra {
            println!("  {method} {path}");
        }
    }
    if !missing.is_empty() {
        println!("\nmissing ({}):", missing.len());
        for entry in &missing {
            let query = if entry.query.is_empty() {
                String::new()
            } else {
                format!(" (query: {})", entry.query.join(", "))
            };
            println!("  {} {}{query}", entry.method, entry.path);
        }
    }

    if check {
        let floor = floor(&root)?;
        if covered < floor {
            return Err(format!(
                "coverage dropped: {covered} documented endpoints described, the floor in {FLOOR} is {floor}"
            ));
        }
        if covered > floor {
            println!("\ncoverage {covered} is above the floor {floor}: raise `covered` in {FLOOR}");
        }
    }
    Ok(())
}

/// `/api/configuration/ssh/...` -> `configuration/ssh`; `/api/firmware/...` -> `firmware`.
fn area_of(path: &str) -> String {
    let segments: Vec<&str> = path
        .trim_start_matches("/api/")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match segments.as_slice() {
        ["configuration", area, ..] => format!("configuration/{area}"),
        [area, ..] => (*area).to_owned(),
        [] => "api".to_owned(),
    }
}

/// Path parameters compare equal whatever their names; a trailing slash is ignored.
fn normalize(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_parameter = false;
    for c in path.trim_end_matches('/').chars() {
        match c {
            '{' => {
                in_parameter = true;
                out.push_str("{}");
            }
            '}' => in_parameter = false,
            _ if in_parameter => {}
            _ => out.push(c),
        }
    }
    out
}

fn catalogue(root: &Path) -> crate::Result<Vec<Documented>> {
    let file = root.join(CATALOGUE);
    let text =
        std::fs::read_to_string(&file).map_err(|e| format!("cannot read {CATALOGUE}: {e}"))?;
    let doc: Value =
        serde_yaml::from_str(&text).map_err(|e| format!("{CATALOGUE} is not YAML: {e}"))?;
    let entries = doc
        .get("endpoints")
        .and_then(Value::as_sequence)
        .ok_or(format!("{CATALOGUE} has no `endpoints` list"))?;
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let field = |name: &str| {
                entry
                    .get(name)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or(format!("{CATALOGUE}: entry {i} has no `{name}`"))
            };
            let query = entry
                .get("query")
                .and_then(Value::as_str)
                .map(|q| {
                    q.split('&')
                        .map(|pair| pair.split('=').next().unwrap_or_default().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            Ok(Documented {
                method: field("method")?,
                path: field("path")?,
                query,
            })
        })
        .collect()
}

fn floor(root: &Path) -> crate::Result<usize> {
    let text = std::fs::read_to_string(root.join(FLOOR))
        .map_err(|e| format!("cannot read {FLOOR}: {e}"))?;
    let doc: Value = serde_yaml::from_str(&text).map_err(|e| format!("{FLOOR}: {e}"))?;
    doc.get("covered")
        .and_then(Value::as_u64)
        .map(|n| n as usize)
        .ok_or(format!("{FLOOR} has no number `covered`"))
}

/// The operations of the bundled document, by (METHOD, normalized path).
fn operations(doc: &Value) -> BTreeMap<(String, String), Described> {
    let mut out = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_mapping) else {
        return out;
    };
    for (path, item) in paths {
        let Some(path) = path.as_str() else { continue };
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let mut query = BTreeSet::new();
            for list in [item.get("parameters"), op.get("parameters")]
                .into_iter()
                .flatten()
                .filter_map(Value::as_sequence)
            {
                for parameter in list.iter().map(|p| resolve(doc, p)) {
                    if parameter.get("in").and_then(Value::as_str) == Some("query") {
                        if let Some(name) = parameter.get("name").and_then(Value::as_str) {
                            query.insert(name.to_owned());
                        }
                    }
                }
            }
            out.insert(
                (method.to_uppercase(), normalize(path)),
                Described {
                    query,
                    detail: detail_of_operation(doc, op),
                },
            );
        }
    }
    out
}

/// The weakest-known schema among the request body and the success replies of `op`.
pub fn detail_of_operation(doc: &Value, op: &Value) -> Detail {
    let mut bodies = Vec::new();
    if let Some(body) = op.get("requestBody") {
        bodies.push(resolve(doc, body));
    }
    if let Some(responses) = op.get("responses").and_then(Value::as_mapping) {
        for (status, response) in responses {
            let status = match status {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => continue,
            };
            if status.starts_with('2') {
                bodies.push(resolve(doc, response));
            }
        }
    }
    let mut seen = BTreeSet::new();
    let mut detail = Detail::Precise;
    for body in bodies {
        if let Some(content) = body.get("content").and_then(Value::as_mapping) {
            for media in content.values() {
                if let Some(schema) = media.get("schema") {
                    detail = detail.max(detail_of_schema(doc, schema, &mut seen));
                }
            }
        }
    }
    detail
}

fn detail_of_schema(doc: &Value, schema: &Value, seen: &mut BTreeSet<String>) -> Detail {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        if !seen.insert(reference.to_owned()) {
            return Detail::Precise;
        }
        return detail_of_schema(doc, resolve(doc, schema), seen);
    }
    let mut detail = match schema.get("x-sps-fields").and_then(Value::as_str) {
        Some("open") => Detail::Open,
        Some("partial") => Detail::Partial,
        _ => Detail::Precise,
    };
    let mut visit = |child: &Value| detail = detail.max(detail_of_schema(doc, child, seen));
    for key in ["allOf", "oneOf", "anyOf"] {
        for member in schema
            .get(key)
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            visit(member);
        }
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_mapping) {
        properties.values().for_each(&mut visit);
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = schema.get(key).filter(|c| c.is_mapping()) {
            visit(child);
        }
    }
    detail
}

/// Follows a local `$ref` (a bounded number of times).
fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
            return value;
        };
        let Some(pointer) = reference.strip_prefix("#/") else {
            return value;
        };
        let mut target = doc;
        for token in pointer.split('/') {
            let token = token.replace("~1", "/").replace("~0", "~");
            match target.get(token.as_str()) {
                Some(next) => target = next,
                None => return value,
            }
        }
        value = target;
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_and_paths() {
        assert_eq!(
            area_of("/api/configuration/ssh/connections"),
            "configuration/ssh"
        );
        assert_eq!(area_of("/api/configuration"), "configuration");
        assert_eq!(area_of("/api/firmware/slots/{key}"), "firmware");
        assert_eq!(
            normalize("/api/x/{session-id}/y/"),
            normalize("/api/x/{key}/y")
        );
    }

    #[test]
    fn the_weakest_schema_of_the_bodies_decides() {
        let doc: Value = serde_yaml::from_str(
            "
components:
  schemas:
    Known: {type: object, properties: {a: {type: string}}}
    Half: {type: object, x-sps-fields: partial}
    Unknown: {type: object, x-sps-fields: open}
    Wrapper: {type: object, properties: {body: {allOf: [{$ref: '#/components/schemas/Half'}]}}}
    Loop: {type: object, properties: {next: {$ref: '#/components/schemas/Loop'}}}
paths:
  /a:
    get: {responses: {'200': {content: {application/json: {schema: {$ref: '#/components/schemas/Known'}}}}}}
    put:
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Wrapper'}}}}
      responses: {'200': {content: {application/json: {schema: {$ref: '#/components/schemas/Loop'}}}}}
    post:
      responses:
        '201': {content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Unknown'}}}}}
        '400': {content: {application/json: {schema: {$ref: '#/components/schemas/Unknown'}}}}
    delete:
      responses: {'400': {content: {application/json: {schema: {$ref: '#/components/schemas/Unknown'}}}}}
",
        )
        .expect("yaml");
        let ops = operations(&doc);
        let detail = |m: &str| ops[&(m.to_owned(), "/a".to_owned())].detail;
        assert_eq!(detail("GET"), Detail::Precise);
        assert_eq!(detail("PUT"), Detail::Partial);
        assert_eq!(detail("POST"), Detail::Open);
        // Error replies do not count: they are the shared, precise error envelope elsewhere.
        assert_eq!(detail("DELETE"), Detail::Precise);
    }
}
