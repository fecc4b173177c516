//! The configuration store: object bodies by href, plus the keys of the write-once passwords.
//!
//! Hrefs are kept in a `BTreeMap`, so the members of a collection come out in key order, which
//! is the order SPS uses for lists and for `first`/`next`/... links.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::meta::reference;
use crate::paths;

/// Committed (or working) configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Store {
    /// Object bodies by href.
    objects: BTreeMap<String, Value>,
    /// Keys of existing password objects. The secrets themselves are not kept: SPS never reads
    /// them back, so the fake has no reason to store them.
    #[serde(default)]
    passwords: BTreeSet<String>,
}

impl Store {
    /// The body stored at `href`.
    pub fn get(&self, href: &str) -> Option<&Value> {
        self.objects.get(href)
    }

    /// Whether an object exists at `href`.
    pub fn contains(&self, href: &str) -> bool {
        self.objects.contains_key(href)
    }

    /// Stores `body` at `href`, returning the previous body.
    pub fn put(&mut self, href: &str, body: Value) -> Option<Value> {
        self.objects.insert(href.to_owned(), body)
    }

    /// Removes the object at `href` and everything nested below it; returns its body.
    pub fn remove(&mut self, href: &str) -> Option<Value> {
        let prefix = format!("{href}/");
        let nested: Vec<String> = self
            .objects
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| k.clone())
            .collect();
        for key in nested {
            self.objects.remove(&key);
        }
        self.objects.remove(href)
    }

    /// The direct members of the collection at `href`: `(key, href, body)` in key order. Names
    /// starting with `@` (`connections/@order`) are endpoints of the collection, not members.
    pub fn children<'a>(&'a self, href: &str) -> Vec<(&'a str, &'a str, &'a Value)> {
        let prefix = format!("{}/", href.trim_end_matches('/'));
        self.objects
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(k, v)| {
                let key = &k[prefix.len()..];
                (!key.is_empty() && !key.contains('/') && !key.starts_with('@')).then_some((
                    key,
                    k.as_str(),
                    v,
                ))
            })
            .collect()
    }

    /// Every stored object, by href.
    pub fn objects(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.objects.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Registers a password object.
    pub fn add_password(&mut self, key: &str) {
        self.passwords.insert(key.to_owned());
    }

    /// Whether `key` names a password object.
    pub fn has_password(&self, key: &str) -> bool {
        self.passwords.contains(key)
    }

    /// The password keys `body` references (bare key strings or `{key, meta}` references), in
    /// order of appearance, with repeats.
    pub fn password_refs(&self, body: &Value) -> Vec<String> {
        let mut found = Vec::new();
        collect_strings(body, &mut |s| {
            if self.passwords.contains(s) {
                found.push(s.to_owned());
            }
        });
        found
    }

    /// Hrefs of the objects (other than `except`) that reference password `key`.
    pub fn password_referrers(&self, key: &str, except: &str) -> Vec<String> {
        self.objects
            .iter()
            .filter(|(href, _)| href.as_str() != except)
            .filter(|(_, body)| {
                let mut hit = false;
                collect_strings(body, &mut |s| hit |= s == key);
                hit
            })
            .map(|(href, _)| href.clone())
            .collect()
    }

    /// Rewrites bare password keys in `body` as references `{key, meta: {href}}`, the form SPS
    /// reads them back in.
    pub fn normalize_password_refs(&self, body: &mut Value) {
        match body {
            Value::String(s) if self.passwords.contains(s.as_str()) => {
                let key = s.clone();
                *body = reference(&key, &format!("{}/{key}", paths::PASSWORDS));
            }
            // An existing reference object is already in read-back form.
            Value::Object(map) if map.contains_key("key") && map.contains_key("meta") => {}
            Value::Object(map) => map
                .values_mut()
                .for_each(|v| self.normalize_password_refs(v)),
            Value::Array(items) => items
                .iter_mut()
                .for_each(|v| self.normalize_password_refs(v)),
            _ => {}
        }
    }
}

/// Calls `f` on every string in `value`, except reference hrefs (which repeat the key).
fn collect_strings(value: &Value, f: &mut impl FnMut(&str)) {
    match value {
        Value::String(s) => f(s),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, f)),
        Value::Object(map) => {
            for (name, v) in map {
                if name != "meta" {
                    collect_strings(v, f);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn children_in_key_order_without_nested_objects() {
        let mut store = Store::default();
        store.put("/api/c/users/46785097158061f46c63d0", json!({"name": "b"}));
        store.put("/api/c/users/103640099357f3b14f0529a", json!({"name": "a"}));
        store.put("/api/c/users/103640099357f3b14f0529a/sub/x", json!({}));
        store.put("/api/c/usersX/zzz", json!({}));
        store.put("/api/c/users/@order", json!({"order": []}));
        let keys: Vec<&str> = store.children("/api/c/users").iter().map(|c| c.0).collect();
        assert_eq!(keys, ["103640099357f3b14f0529a", "46785097158061f46c63d0"]);
    }

    #[test]
    fn remove_takes_nested_objects_along() {
        let mut store = Store::default();
        store.put("/api/c/a", json!(1));
        store.put("/api/c/a/b", json!(2));
        store.put("/api/c/ab", json!(3));
        assert_eq!(store.remove("/api/c/a"), Some(json!(1)));
        assert!(!store.contains("/api/c/a/b"));
        assert!(store.contains("/api/c/ab"));
    }

    #[test]
    fn password_references_are_found_and_normalised() {
        let mut store = Store::default();
        store.add_password("8f84d7d1-9de1-429a-a7a7-c33a61cc7419");
        let mut body = json!({"name": "u", "password": "8f84d7d1-9de1-429a-a7a7-c33a61cc7419"});
        assert_eq!(
            store.password_refs(&body),
            ["8f84d7d1-9de1-429a-a7a7-c33a61cc7419"]
        );
        store.normalize_password_refs(&mut body);
        assert_eq!(
            body["password"],
            json!({"key": "8f84d7d1-9de1-429a-a7a7-c33a61cc7419",
                   "meta": {"href": "/api/configuration/passwords/8f84d7d1-9de1-429a-a7a7-c33a61cc7419"}})
        );
        // The read-back form still counts once, not twice.
        assert_eq!(store.password_refs(&body).len(), 1);
        store.put("/api/c/users/a", body);
        assert_eq!(
            store.password_referrers("8f84d7d1-9de1-429a-a7a7-c33a61cc7419", "/api/c/users/b"),
            ["/api/c/users/a"]
        );
        assert!(store
            .password_referrers("8f84d7d1-9de1-429a-a7a7-c33a61cc7419", "/api/c/users/a")
            .is_empty());
    }
}
