//! `meta` link computation, as SPS does it.
//!
//! Every object and list carries `href` and `parent`; when its parent is a collection or an
//! index, it also carries `first`, `last`, `next` and `previous` among its siblings (the parent's
//! children in key order), with `null` past either end. Configuration objects add
//! `transaction: "/api/transaction"`.

use serde_json::{json, Map, Value};
use sps_server::runtime::parent_href;

use crate::paths;

/// The last path segment of `href` (the object's key).
pub fn last_segment(href: &str) -> &str {
    let trimmed = href.trim_end_matches('/');
    trimmed.rsplit('/').next().unwrap_or(trimmed)
}

/// Computes the `meta` object of `href`.
///
/// `siblings` are the hrefs of the parent's children in order (including `href` itself); `None`
/// when the parent is not a known list, in which case only `href`, `parent` and (for
/// configuration) `transaction` are set. Keys are inserted in alphabetical order, as SPS prints
/// them.
pub fn object_meta(href: &str, siblings: Option<&[String]>) -> Map<String, Value> {
    let mut meta = Map::new();
    let position = siblings.and_then(|list| list.iter().position(|s| s == href).map(|i| (list, i)));
    let link = |value: Option<&String>| value.map_or(Value::Null, |s| Value::String(s.clone()));
    if let Some((list, _)) = position {
        meta.insert("first".into(), link(list.first()));
    }
    meta.insert("href".into(), Value::String(href.to_owned()));
    if let Some((list, index)) = position {
        meta.insert("last".into(), link(list.last()));
        meta.insert("next".into(), link(list.get(index + 1)));
    }
    // The generated runtime's rule, shared with its error bodies: `/` has no parent (null).
    meta.insert("parent".into(), json!(parent_href(href)));
    if let Some((list, index)) = position {
        let previous = index.checked_sub(1).and_then(|i| list.get(i));
        meta.insert("previous".into(), link(previous));
    }
    if paths::is_configuration(href) {
        meta.insert("transaction".into(), json!(paths::TRANSACTION));
    }
    meta
}

/// `{key, meta: {href}}`: one entry of a list, or a reference as SPS reads it back.
pub fn reference(key: &str, href: &str) -> Value {
    let mut meta = Map::new();
    meta.insert("href".into(), Value::String(href.to_owned()));
    let mut entry = Map::new();
    entry.insert("key".into(), Value::String(key.to_owned()));
    entry.insert("meta".into(), Value::Object(meta));
    Value::Object(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hrefs(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parents_end_at_the_root_which_has_none() {
        let parent = |href: &str| object_meta(href, None)["parent"].clone();
        assert_eq!(
            parent("/api/configuration/aaa/local_database/users"),
            "/api/configuration/aaa/local_database"
        );
        assert_eq!(parent("/api/info"), "/api");
        assert_eq!(parent("/api"), "/");
        // SPS's `Meta.parent` is null at the top of a tree; `/` is the top of every tree.
        assert_eq!(parent("/"), Value::Null);
        assert_eq!(last_segment("/api/configuration/dns"), "dns");
    }

    #[test]
    fn last_sibling_has_null_next_like_the_users_sample() {
        // The seed's users list: siblings groups, users; users is last.
        let siblings = hrefs(&[
            "/api/configuration/aaa/local_database/groups",
            "/api/configuration/aaa/local_database/users",
        ]);
        let meta = object_meta(
            "/api/configuration/aaa/local_database/users",
            Some(&siblings),
        );
        assert_eq!(
            Value::Object(meta),
            json!({
                "first": "/api/configuration/aaa/local_database/groups",
                "href": "/api/configuration/aaa/local_database/users",
                "last": "/api/configuration/aaa/local_database/users",
                "next": null,
                "parent": "/api/configuration/aaa/local_database",
                "previous": "/api/configuration/aaa/local_database/groups",
                "transaction": "/api/transaction",
            })
        );
    }

    #[test]
    fn first_sibling_has_null_previous_and_key_order_is_alphabetical() {
        let siblings = hrefs(&["/api/c/a", "/api/c/b", "/api/c/c"]);
        let meta = object_meta("/api/c/a", Some(&siblings));
        assert_eq!(meta["previous"], Value::Null);
        assert_eq!(meta["next"], "/api/c/b");
        assert!(
            !meta.contains_key("transaction"),
            "not a configuration path"
        );
        let keys: Vec<&String> = meta.keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        let middle = object_meta("/api/c/b", Some(&siblings));
        assert_eq!(middle["previous"], "/api/c/a");
        assert_eq!(middle["next"], "/api/c/c");
    }

    #[test]
    fn unknown_parent_gives_only_href_and_parent() {
        let meta = object_meta("/api/info", None);
        assert_eq!(
            Value::Object(meta),
            json!({"href": "/api/info", "parent": "/api"})
        );
    }
}
