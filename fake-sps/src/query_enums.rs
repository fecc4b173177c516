//! Query parameters whose values the spec enumerates (`format: [json, csv]`): the generated
//! server keeps unknown enumeration values (it reads like a tolerant client), but requests are
//! strict, so the fake refuses a value the spec does not list, as the appliance would.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::seed::{resolve, METHODS};

/// A query parameter's name and the values the spec lists for it.
type Enumerated = (String, Vec<Value>);

/// `(path template, METHOD)` -> the enumerated query parameters and their values.
#[derive(Debug, Clone, Default)]
pub struct QueryEnums(BTreeMap<(String, String), Vec<Enumerated>>);

impl QueryEnums {
    /// Reads every operation's enumerated query parameters (path-item level ones included).
    pub fn from_spec(doc: &Value) -> Self {
        let mut out = BTreeMap::new();
        let Some(Value::Object(paths)) = doc.get("paths") else {
            return Self(out);
        };
        for (template, item) in paths {
            let item = resolve(doc, item);
            let shared = item.get("parameters").and_then(Value::as_array);
            for method in METHODS {
                let Some(operation) = item.get(method) else {
                    continue;
                };
                let own = operation.get("parameters").and_then(Value::as_array);
                let enums: Vec<Enumerated> = shared
                    .into_iter()
                    .chain(own)
                    .flatten()
                    .map(|p| resolve(doc, p))
                    .filter(|p| p.get("in").and_then(Value::as_str) == Some("query"))
                    .filter_map(|p| {
                        let schema = resolve(doc, p.get("schema")?);
                        let values = schema.get("enum")?.as_array()?.clone();
                        Some((p.get("name")?.as_str()?.to_owned(), values))
                    })
                    .collect();
                if !enums.is_empty() {
                    out.insert((template.clone(), method.to_uppercase()), enums);
                }
            }
        }
        Self(out)
    }

    /// The first query parameter of the request whose value the spec does not list.
    pub fn unlisted<'q>(
        &self,
        path: &str,
        method: &str,
        query: &'q serde_json::Map<String, Value>,
    ) -> Option<(&'q str, &'q Value)> {
        let enums = self.0.get(&(path.to_owned(), method.to_owned()))?;
        enums.iter().find_map(|(name, values)| {
            let (name, value) = query.get_key_value(name.as_str())?;
            (!values.contains(value)).then_some((name.as_str(), value))
        })
    }
}
