//! JSON pointers (RFC 6901) and the YAML -> JSON conversion the checks work on.

use serde_json::Value as Json;
use serde_yaml::Value as Yaml;

/// Escapes one reference token (`~` -> `~0`, `/` -> `~1`).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Undoes [`escape`].
pub fn unescape(token: &str) -> String {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~")
    } else {
        token.to_owned()
    }
}

/// Appends one token to a pointer.
pub fn join(pointer: &str, token: &str) -> String {
    // Called for every node the checks walk: one allocation, escaping only what needs it.
    let mut joined = String::with_capacity(pointer.len() + 1 + token.len());
    joined.push_str(pointer);
    joined.push('/');
    if token.contains(['~', '/']) {
        joined.push_str(&escape(token));
    } else {
        joined.push_str(token);
    }
    joined
}

/// The unescaped tokens of a pointer (`""` has none).
pub fn tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(unescape)
        .collect()
}

/// Resolves a pointer in a JSON tree.
pub fn resolve<'a>(root: &'a Json, pointer: &str) -> Option<&'a Json> {
    if pointer.is_empty() {
        return Some(root);
    }
    if !pointer.starts_with('/') {
        return None;
    }
    root.pointer(pointer)
}

/// A YAML mapping key as the string it is in JSON (`200:` is the number 200 in YAML).
pub fn key_string(key: &Yaml) -> Option<String> {
    match key {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Null => Some("null".to_owned()),
        Yaml::Tagged(tagged) => key_string(&tagged.value),
        Yaml::Sequence(_) | Yaml::Mapping(_) => None,
    }
}

/// Converts a YAML tree to JSON; `problems` collects `(pointer, message)` for what JSON cannot
/// hold (complex keys, YAML tags, non-finite numbers), which are dropped or nulled.
pub fn to_json(value: &Yaml, pointer: &str, problems: &mut Vec<(String, String)>) -> Json {
    match value {
        Yaml::Null => Json::Null,
        Yaml::Bool(b) => Json::Bool(*b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Json::from(i)
            } else if let Some(u) = n.as_u64() {
                Json::from(u)
            } else {
                match n.as_f64().and_then(serde_json::Number::from_f64) {
                    Some(f) => Json::Number(f),
                    None => {
                        problems.push((
                            pointer.to_owned(),
                            format!("the number {n} has no JSON form"),
                        ));
                        Json::Null
                    }
                }
            }
        }
        Yaml::String(s) => Json::String(s.clone()),
        Yaml::Sequence(items) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| to_json(item, &format!("{pointer}/{i}"), problems))
                .collect(),
        ),
        Yaml::Mapping(map) => {
            let mut object = serde_json::Map::new();
            for (key, item) in map {
                match key_string(key) {
                    Some(key) => {
                        let child = to_json(item, &join(pointer, &key), problems);
                        object.insert(key, child);
                    }
                    None => problems.push((
                        pointer.to_owned(),
                        "a mapping key that is not a scalar is not supported".to_owned(),
                    )),
                }
            }
            Json::Object(object)
        }
        Yaml::Tagged(tagged) => {
            problems.push((
                pointer.to_owned(),
                format!("the YAML tag {} is not supported", tagged.tag),
            ));
            to_json(&tagged.value, pointer, problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_splits_tokens() {
        assert_eq!(join("/paths", "/api/info"), "/paths/~1api~1info");
        assert_eq!(join("", "a~b"), "/a~0b");
        assert_eq!(
            tokens("/paths/~1api~1info/get"),
            vec!["paths", "/api/info", "get"]
        );
        assert!(tokens("").is_empty());
        assert_eq!(unescape("~01"), "~1");
    }

    #[test]
    fn converts_numeric_keys_and_reports_tags() {
        let yaml: Yaml = serde_yaml::from_str("200: {a: [1, 2.5]}\nx: !custom 3\n").unwrap();
        let mut problems = Vec::new();
        let json = to_json(&yaml, "", &mut problems);
        assert_eq!(json, serde_json::json!({"200": {"a": [1, 2.5]}, "x": 3}));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, "/x");
        assert!(problems[0].1.contains("!custom"), "{problems:?}");
        assert_eq!(resolve(&json, "/200/a/1"), Some(&serde_json::json!(2.5)));
        assert_eq!(resolve(&json, "200"), None);
    }
}
