//! The mutations: structural (any node of the YAML tree), OpenAPI-level (schemas, references,
//! responses, parameters), naming (schemas, properties, operation ids, enum values renamed to
//! names that are hard for a generator) and text (bytes of the YAML file).

use serde_yaml::{Mapping, Value};

/// What a mutation touched, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Structural,
    OpenApi,
    Naming,
    Text,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Structural, Kind::OpenApi, Kind::Naming, Kind::Text];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Structural => "structural",
            Kind::OpenApi => "openapi",
            Kind::Naming => "naming",
            Kind::Text => "text",
        }
    }
}

/// Names that are hard for a generator: the Rust prelude, the runtimes' own items, keywords,
/// names that are not identifiers, names that collide once converted.
const HARD_NAMES: &[&str] = &[
    "Option",
    "String",
    "Vec",
    "Box",
    "Result",
    "Some",
    "None",
    "Ok",
    "Err",
    "Default",
    "From",
    "Into",
    "Clone",
    "Copy",
    "Send",
    "Sync",
    "Sized",
    "Iterator",
    "Future",
    "ToString",
    "Client",
    "ClientBuilder",
    "Credentials",
    "Error",
    "Method",
    "Call",
    "ApiError",
    "BasicCredentials",
    "OperationInfo",
    "RawApi",
    "RawRequest",
    "RawResponse",
    "Api",
    "Object",
    "Unknown",
    "Value",
    "Map",
    "IndexMap",
    "Self",
    "self",
    "super",
    "crate",
    "type",
    "match",
    "r#type",
    "_",
    "__",
    "1st",
    "2fa",
    "a-b",
    "a.b",
    "a b",
    "a/b",
    "a~b",
    "ünïcödé",
    "Ünï",
    "",
    "-",
    "x",
    "X",
    "FOO",
    "Foo",
    "foo",
    "foo_bar",
    "fooBar",
    "FooBar",
    "FooBar2",
    "Types",
    "types",
    "serde",
    "serde_json",
    "std",
    "core",
    "tagged",
    "double_option",
    "__roundtrip",
    "Tagged",
];

/// Values for a scalar: every YAML type and some awkward strings.
fn random_scalar(rng: &mut fastrand::Rng) -> Value {
    match rng.usize(0..9) {
        0 => Value::Null,
        1 => Value::Bool(rng.bool()),
        2 => Value::Number(rng.i64(-5..100_000).into()),
        3 => Value::Number((rng.f64() * 1e6).into()),
        4 => Value::String(String::new()),
        5 => Value::String(pick(rng, HARD_NAMES).to_string()),
        6 => Value::String("#/components/schemas/Nowhere".into()),
        7 => Value::String("a\"b'c\\d\n{e}".into()),
        _ => Value::String("x".repeat(rng.usize(1..300))),
    }
}

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(0..items.len())]
}

/// One step from a node to a child.
#[derive(Debug, Clone)]
enum Seg {
    Key(Value),
    Index(usize),
}

/// Calls `visit(path)` for every node of `value` (the root excluded), in document order; stops
/// when it returns `true`.
fn walk(value: &Value, path: &mut Vec<Seg>, visit: &mut impl FnMut(&[Seg]) -> bool) -> bool {
    match value {
        Value::Mapping(map) => {
            for (key, child) in map {
                path.push(Seg::Key(key.clone()));
                let stop = visit(path) || walk(child, path, visit);
                path.pop();
                if stop {
                    return true;
                }
            }
        }
        Value::Sequence(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                let stop = visit(path) || walk(child, path, visit);
                path.pop();
                if stop {
                    return true;
                }
            }
        }
        _ => {}
    }
    false
}

/// The path of a random node of `value` (not the root), if it has any.
fn random_path(value: &Value, rng: &mut fastrand::Rng) -> Option<Vec<Seg>> {
    let mut count = 0usize;
    walk(value, &mut Vec::new(), &mut |_| {
        count += 1;
        false
    });
    if count == 0 {
        return None;
    }
    let mut target = rng.usize(0..count);
    let mut found = None;
    walk(value, &mut Vec::new(), &mut |path| {
        if target == 0 {
            found = Some(path.to_vec());
            return true;
        }
        target -= 1;
        false
    });
    found
}

/// The paths of the nodes under a mapping key named `key`.
fn paths_under(value: &Value, key: &str) -> Vec<Vec<Seg>> {
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), &mut |path| {
        if matches!(path.last(), Some(Seg::Key(k)) if k.as_str() == Some(key)) {
            out.push(path.to_vec());
        }
        false
    });
    out
}

fn get_mut<'a>(value: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |node, seg| match (node, seg) {
        (Value::Mapping(map), Seg::Key(key)) => map.get_mut(key),
        (Value::Sequence(items), Seg::Index(i)) => items.get_mut(*i),
        _ => None,
    })
}

/// Removes the node at `path`; returns it.
fn remove(value: &mut Value, path: &[Seg]) -> Option<Value> {
    let (last, parent) = path.split_last()?;
    match (get_mut(value, parent)?, last) {
        (Value::Mapping(map), Seg::Key(key)) => map.shift_remove(key),
        (Value::Sequence(items), Seg::Index(i)) if *i < items.len() => Some(items.remove(*i)),
        _ => None,
    }
}

/// The mapping at `path`, created (replacing what is there) if it is not a mapping.
fn mapping_at<'a>(value: &'a mut Value, path: &[&str]) -> &'a mut Mapping {
    let mut node = value;
    for key in path {
        if !node.is_mapping() {
            *node = Value::Mapping(Mapping::new());
        }
        let Value::Mapping(map) = node else {
            unreachable!("made a mapping above")
        };
        node = map
            .entry(Value::String((*key).to_string()))
            .or_insert_with(|| Value::Mapping(Mapping::new()));
    }
    if !node.is_mapping() {
        *node = Value::Mapping(Mapping::new());
    }
    match node {
        Value::Mapping(map) => map,
        _ => unreachable!("made a mapping above"),
    }
}

fn schema_names(doc: &Value) -> Vec<String> {
    doc.get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Value::as_mapping)
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn reference(name: &str) -> Value {
    let escaped = name.replace('~', "~0").replace('/', "~1");
    let mut map = Mapping::new();
    map.insert(
        "$ref".into(),
        format!("#/components/schemas/{escaped}").into(),
    );
    Value::Mapping(map)
}

/// Structural: delete, duplicate, replace, swap or retype a random node.
pub fn structural(doc: &mut Value, rng: &mut fastrand::Rng) {
    let (Some(path), Some(other)) = (random_path(doc, rng), random_path(doc, rng)) else {
        return;
    };
    match rng.usize(0..5) {
        0 => {
            remove(doc, &path);
        }
        1 => {
            // Copy the node next to a random mapping's entries (same key: a sibling elsewhere).
            let Some(node) = get_mut(doc, &path).map(|n| n.clone()) else {
                return;
            };
            let target = other;
            let key = match path.last() {
                Some(Seg::Key(key)) => key.clone(),
                _ => Value::String(pick(rng, HARD_NAMES).to_string()),
            };
            match get_mut(doc, &target) {
                Some(Value::Mapping(map)) => {
                    map.insert(key, node);
                }
                Some(Value::Sequence(items)) => items.push(node),
                _ => {}
            }
        }
        2 => {
            if let Some(node) = get_mut(doc, &path) {
                *node = match rng.usize(0..3) {
                    0 => Value::Mapping(Mapping::new()),
                    1 => Value::Sequence(Vec::new()),
                    _ => random_scalar(rng),
                };
            }
        }
        3 => {
            let a = get_mut(doc, &path).map(|n| n.clone());
            let b = get_mut(doc, &other).map(|n| n.clone());
            if let (Some(a), Some(b)) = (a, b) {
                if let Some(node) = get_mut(doc, &path) {
                    *node = b;
                }
                if let Some(node) = get_mut(doc, &other) {
                    *node = a;
                }
            }
        }
        _ => {
            if let Some(node) = get_mut(doc, &path) {
                *node = match node.clone() {
                    Value::String(s) => s
                        .parse::<i64>()
                        .map(|n| Value::Number(n.into()))
                        .unwrap_or(Value::Bool(true)),
                    Value::Number(n) => Value::String(n.to_string()),
                    Value::Bool(b) => Value::String(b.to_string()),
                    Value::Null => Value::String("null".into()),
                    Value::Sequence(items) => items.into_iter().next().unwrap_or(Value::Null),
                    Value::Mapping(map) => {
                        Value::Sequence(map.into_iter().map(|(_, v)| v).collect())
                    }
                    Value::Tagged(tagged) => tagged.value,
                };
            }
        }
    }
}

/// OpenAPI-level: reshape a schema, a reference, a response or a parameter.
pub fn openapi(doc: &mut Value, rng: &mut fastrand::Rng) {
    let names = schema_names(doc);
    if names.is_empty() {
        return;
    }
    let name = pick(rng, &names).clone();
    let other = pick(rng, &names).clone();
    let schemas = mapping_at(doc, &["components", "schemas"]);
    let Some(schema) = schemas.get_mut(name.as_str()) else {
        return;
    };
    let original = schema.clone();
    let map = |entries: &[(&str, Value)]| {
        let mut m = Mapping::new();
        for (k, v) in entries {
            m.insert((*k).into(), v.clone());
        }
        Value::Mapping(m)
    };
    match rng.usize(0..14) {
        // A schema that is only a reference: to another schema or to itself.
        0 => *schema = reference(&other),
        1 => *schema = reference(&name),
        2 => *schema = map(&[("type", "array".into()), ("items", original)]),
        3 => {
            *schema = map(&[
                ("type", "object".into()),
                ("additionalProperties", original),
            ])
        }
        4 => *schema = map(&[("allOf", Value::Sequence(vec![original, reference(&other)]))]),
        5 => {
            *schema = map(&[(
                "oneOf",
                Value::Sequence(vec![reference(&other), reference(&name)]),
            )])
        }
        6 => {
            // A property that refers to another schema or back to this one (recursion).
            let target = if rng.bool() { &other } else { &name };
            if let Value::Mapping(m) = schema {
                let properties = m
                    .entry("properties".into())
                    .or_insert_with(|| Value::Mapping(Mapping::new()));
                if let Value::Mapping(p) = properties {
                    p.insert(pick(rng, HARD_NAMES).to_string().into(), reference(target));
                }
            }
        }
        7 => set(schema, "nullable", Value::Bool(rng.bool())),
        8 => {
            let value = match rng.usize(0..3) {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                _ => reference(&other),
            };
            set(schema, "additionalProperties", value);
        }
        9 => {
            let kinds = [
                "string", "integer", "number", "boolean", "array", "object", "null", "weird",
            ];
            set(schema, "type", pick(rng, &kinds).to_string().into());
        }
        10 => {
            let formats = ["int32", "int64", "date-time", "binary", "uuid", "weird"];
            set(schema, "format", pick(rng, &formats).to_string().into());
        }
        11 => set(
            schema,
            "required",
            Value::Sequence(vec![pick(rng, HARD_NAMES).to_string().into()]),
        ),
        12 => {
            // Two schemas that refer to each other only by `$ref`.
            *schema = reference(&other);
            if let Some(back) = schemas.get_mut(other.as_str()) {
                *back = reference(&name);
            }
        }
        _ => operation(doc, rng),
    }
}

fn set(schema: &mut Value, key: &str, value: Value) {
    if let Value::Mapping(m) = schema {
        m.insert(key.into(), value);
    }
}

/// A random operation's responses, parameters or id.
fn operation(doc: &mut Value, rng: &mut fastrand::Rng) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_mapping_mut) else {
        return;
    };
    if paths.is_empty() {
        return;
    }
    let index = rng.usize(0..paths.len());
    let Some((_, item)) = paths.iter_mut().nth(index) else {
        return;
    };
    let Some(item) = item.as_mapping_mut() else {
        return;
    };
    let methods: Vec<Value> = item
        .keys()
        .filter(|k| {
            matches!(
                k.as_str(),
                Some("get" | "put" | "post" | "delete" | "patch")
            )
        })
        .cloned()
        .collect();
    if methods.is_empty() {
        return;
    }
    let method = pick(rng, &methods).clone();
    let Some(Value::Mapping(op)) = item.get_mut(&method) else {
        return;
    };
    match rng.usize(0..4) {
        0 => {
            let codes = ["200", "201", "204", "4XX", "default", "999", "abc", "1XX"];
            let code = pick(rng, &codes).to_string();
            let responses = op
                .entry("responses".into())
                .or_insert_with(|| Value::Mapping(Mapping::new()));
            if let Value::Mapping(r) = responses {
                let mut response = Mapping::new();
                response.insert("description".into(), "mutated".into());
                r.insert(code.into(), Value::Mapping(response));
            }
        }
        1 => {
            op.remove("responses");
        }
        2 => {
            let places = ["path", "query", "header", "cookie", "body"];
            if let Some(Value::Sequence(params)) = op.get_mut("parameters") {
                if let Some(Value::Mapping(p)) = params.first_mut() {
                    p.insert("in".into(), pick(rng, &places).to_string().into());
                }
            }
        }
        _ => {
            op.remove("operationId");
        }
    }
}

/// Naming: rename a schema (with every reference to it), a property, an operation id or an
/// enum value to a hard name.
pub fn naming(doc: &mut Value, rng: &mut fastrand::Rng) {
    let new = pick(rng, HARD_NAMES).to_string();
    match rng.usize(0..4) {
        0 => {
            let names = schema_names(doc);
            if names.is_empty() {
                return;
            }
            let old = pick(rng, &names).clone();
            // Sometimes a variant of an existing name (collides once converted).
            let new = if rng.bool() {
                new
            } else {
                match rng.usize(0..3) {
                    0 => old.to_lowercase(),
                    1 => format!("{old}_"),
                    _ => old.replace(|c: char| c.is_ascii_uppercase(), "-"),
                }
            };
            rename_schema(doc, &old, &new);
        }
        1 => {
            let properties = paths_under(doc, "properties");
            if properties.is_empty() {
                return;
            }
            let path = pick(rng, &properties).clone();
            if let Some(Value::Mapping(map)) = get_mut(doc, &path) {
                if map.is_empty() {
                    return;
                }
                let index = rng.usize(0..map.len());
                let key = map.keys().nth(index).cloned();
                if let Some(key) = key {
                    if let Some(value) = map.shift_remove(&key) {
                        map.insert(new.into(), value);
                    }
                }
            }
        }
        2 => {
            let ids = paths_under(doc, "operationId");
            if ids.is_empty() {
                return;
            }
            let path = pick(rng, &ids).clone();
            if let Some(node) = get_mut(doc, &path) {
                *node = new.to_lowercase().replace(['-', ' ', '.'], "_").into();
            }
        }
        _ => {
            let enums = paths_under(doc, "enum");
            if enums.is_empty() {
                return;
            }
            let path = pick(rng, &enums).clone();
            if let Some(Value::Sequence(values)) = get_mut(doc, &path) {
                values.push(new.into());
            }
        }
    }
}

/// Renames `components/schemas/<old>` and every reference and mapping entry naming it.
fn rename_schema(doc: &mut Value, old: &str, new: &str) {
    let schemas = mapping_at(doc, &["components", "schemas"]);
    if schemas.contains_key(new) {
        return;
    }
    let Some(value) = schemas.shift_remove(old) else {
        return;
    };
    schemas.insert(new.into(), value);
    let escape = |n: &str| n.replace('~', "~0").replace('/', "~1");
    let old_ref = format!("#/components/schemas/{}", escape(old));
    let new_ref = format!("#/components/schemas/{}", escape(new));
    fn walk(
        value: &mut Value,
        old_ref: &str,
        new_ref: &str,
        old: &str,
        new: &str,
        in_mapping: bool,
    ) {
        match value {
            Value::String(s) if s == old_ref => *s = new_ref.to_string(),
            Value::String(s) if in_mapping && s == old => *s = new.to_string(),
            Value::Mapping(map) => {
                for (key, child) in map.iter_mut() {
                    let mapping = key.as_str() == Some("mapping");
                    walk(child, old_ref, new_ref, old, new, mapping);
                }
            }
            Value::Sequence(items) => {
                for item in items {
                    walk(item, old_ref, new_ref, old, new, false);
                }
            }
            _ => {}
        }
    }
    walk(doc, &old_ref, &new_ref, old, new, false);
}

/// Text: bytes of the YAML file deleted, duplicated, re-indented, inserted (invalid UTF-8,
/// anchors and aliases, flow markers...), truncated, or an alias bomb appended.
pub fn text(bytes: &mut Vec<u8>, rng: &mut fastrand::Rng) {
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .filter(|&i| i < bytes.len())
        .collect();
    if line_starts.is_empty() {
        bytes.extend_from_slice(b"x: 1\n");
        return;
    }
    let line = *pick(rng, &line_starts);
    let line_end = bytes[line..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| line + i + 1);
    match rng.usize(0..8) {
        0 => {
            bytes.drain(line..line_end);
        }
        1 => {
            // A duplicated line: often a duplicate key.
            let copy = bytes[line..line_end].to_vec();
            bytes.splice(line_end..line_end, copy);
        }
        2 => {
            let indent = vec![b' '; rng.usize(1..5)];
            if rng.bool() {
                bytes.splice(line..line, indent);
            } else {
                let spaces = bytes[line..line_end]
                    .iter()
                    .take_while(|&&b| b == b' ')
                    .count();
                bytes.drain(line..line + spaces.min(indent.len()));
            }
        }
        3 => {
            const JUNK: &[&[u8]] = &[
                b"\t",
                b":",
                b"- ",
                b"{",
                b"[",
                b"'",
                b"\"",
                b"&a ",
                b"*a",
                b"\xff\xfe",
                b"\xc3",
                b"\0",
                b"#",
                b"!!binary ",
                b"? ",
                b"|",
                b">",
                b"<<: *a\n",
                b"%YAML 1.1\n",
                b"---\n",
                b"...\n",
                b"\r",
                "é".as_bytes(),
            ];
            let at = rng.usize(0..=bytes.len());
            bytes.splice(at..at, pick(rng, JUNK).iter().copied());
        }
        4 => {
            let at = rng.usize(0..=bytes.len());
            bytes.truncate(at);
        }
        5 => {
            let levels = rng.usize(2..16);
            let mut bomb =
                String::from("x-bomb0: &b0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
            for level in 1..levels {
                let items = vec![format!("*b{}", level - 1); 9].join(", ");
                bomb.push_str(&format!("x-bomb{level}: &b{level} [{items}]\n"));
            }
            bytes.extend_from_slice(bomb.as_bytes());
        }
        6 => {
            let at = rng.usize(0..bytes.len());
            bytes[at] = rng.u8(..);
        }
        _ => {
            // Two lines swapped.
            let other = *pick(rng, &line_starts);
            let (a, b) = if line < other {
                (line, other)
            } else {
                (other, line)
            };
            if a == b {
                return;
            }
            let a_end = bytes[a..]
                .iter()
                .position(|&x| x == b'\n')
                .map_or(bytes.len(), |i| a + i + 1);
            let b_end = bytes[b..]
                .iter()
                .position(|&x| x == b'\n')
                .map_or(bytes.len(), |i| b + i + 1);
            if a_end > b {
                return;
            }
            let first = bytes[a..a_end].to_vec();
            let second = bytes[b..b_end].to_vec();
            bytes.splice(b..b_end, first);
            bytes.splice(a..a_end, second);
        }
    }
}
