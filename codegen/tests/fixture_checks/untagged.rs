//! Behaviour of the types generated from fixtures/untagged.yaml (run by tests/fixture_build.rs).

use fixture_untagged_types::*;
use serde_json::json;

#[test]
fn references_accept_a_bare_key_or_an_object() {
    let key: Reference = "abc".into();
    assert_eq!(serde_json::to_value(&key).unwrap(), json!("abc"));
    let read: Reference =
        serde_json::from_value(json!({"key": "abc", "meta": {"href": "/x"}})).unwrap();
    assert!(matches!(&read, Reference::Object(o) if o.key == "abc"));
    assert_eq!(
        Reference::from(String::from("k")),
        Reference::String("k".into())
    );
}

#[test]
fn members_are_tried_in_order() {
    assert_eq!(
        serde_json::from_value::<SlotId>(json!(1)).unwrap(),
        SlotId::Integer(1)
    );
    assert_eq!(
        serde_json::from_value::<SlotId>(json!("2")).unwrap(),
        SlotId::String("2".into())
    );
    let mixed: Mixed = serde_json::from_value(json!({"text": "t"})).unwrap();
    assert!(matches!(mixed, Mixed::Detailed(_)));
    assert!(serde_json::from_value::<Mixed>(json!(true)).is_err());
}
