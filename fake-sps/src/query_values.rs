//! The documented value sets (`enum`) of query parameters. The generated router keeps
//! enumerations open (an unknown value decodes, as newer appliances add values), while an
//! appliance refuses a value it does not know: the fake answers it with 400 `InvalidQuery`.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::errors::ApiError;
use crate::seed::{resolve, METHODS};

/// A query parameter's name and its documented values.
type ValueSet = (String, Vec<String>);

/// `(path template, METHOD)` -> the query parameters with a value set, and the set.
#[derive(Debug, Default)]
pub struct QueryValues(BTreeMap<(String, String), Vec<ValueSet>>);

impl QueryValues {
    /// Reads the value sets from a bundled spec (path-item and operation parameters).
    pub fn from_spec(doc: &Value) -> Self {
        let mut sets = BTreeMap::new();
        let Some(Value::Object(paths)) = doc.get("paths") else {
            return Self(sets);
        };
        for (template, item) in paths {
            let item = resolve(doc, item);
            for method in METHODS {
                let Some(op) = item.get(method) else { continue };
                let params = [item.get("parameters"), op.get("parameters")];
                let found: Vec<ValueSet> = params
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_array)
                    .flatten()
                    .filter_map(|p| value_set(doc, resolve(doc, p)))
                    .collect();
                if !found.is_empty() {
                    sets.insert((template.clone(), method.to_uppercase()), found);
                }
            }
        }
        Self(sets)
    }

    /// 400 `InvalidQuery` if a query parameter of the operation has a value outside its set.
    pub fn check(
        &self,
        path: &str,
        method: &str,
        query: &serde_json::Map<String, Value>,
        href: &str,
    ) -> Result<(), ApiError> {
        let Some(params) = self.0.get(&(path.to_owned(), method.to_owned())) else {
            return Ok(());
        };
        for (name, values) in params {
            let Some(Value::String(value)) = query.get(name) else {
                continue;
            };
            if !values.contains(value) {
                return Err(ApiError::invalid_query(
                    format!("{name} must be one of {}, not {value:?}", values.join(", ")),
                    href,
                ));
            }
        }
        Ok(())
    }
}

/// `(name, values)` of a query parameter whose schema is a string enumeration.
fn value_set(doc: &Value, param: &Value) -> Option<ValueSet> {
    if param.get("in")?.as_str()? != "query" {
        return None;
    }
    let schema = resolve(doc, param.get("schema")?);
    let values = schema
        .get("enum")?
        .as_array()?
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    Some((param.get("name")?.as_str()?.to_owned(), values))
}
