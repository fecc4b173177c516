//! Behaviour of the types generated from fixtures/objects.yaml (run by tests/fixture_build.rs).

use fixture_objects_types::*;
use serde_json::json;

#[test]
fn optional_nullable_fields_tell_absent_from_null() {
    let base = json!({"name": "n", "count": 1, "label": null});
    let absent: Fields = serde_json::from_value(base.clone()).unwrap();
    assert_eq!(absent.expires, None);
    assert_eq!(absent.label, None);
    assert_eq!(serde_json::to_value(&absent).unwrap(), base);

    let mut with_null = base.clone();
    with_null["expires"] = json!(null);
    let null: Fields = serde_json::from_value(with_null.clone()).unwrap();
    assert_eq!(null.expires, Some(None));
    assert_eq!(serde_json::to_value(&null).unwrap(), with_null);

    let mut with_value = base;
    with_value["expires"] = json!("2030-01-01");
    let value: Fields = serde_json::from_value(with_value.clone()).unwrap();
    assert_eq!(value.expires, Some(Some("2030-01-01".to_string())));
    assert_eq!(serde_json::to_value(&value).unwrap(), with_value);
}

#[test]
fn required_fields_are_required() {
    assert!(serde_json::from_value::<Fields>(json!({"count": 1, "label": "x"})).is_err());
}

#[test]
fn unknown_fields_survive_a_round_trip() {
    let input = json!({"name": "n", "count": 1, "label": "l", "added_later": {"deep": [1, 2]}});
    let decoded: Fields = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(
        decoded.extra.get("added_later"),
        Some(&json!({"deep": [1, 2]}))
    );
    assert_eq!(serde_json::to_value(&decoded).unwrap(), input);
}

#[test]
fn typed_additional_properties_and_maps() {
    let counters: Counters = serde_json::from_value(json!({"total": 3, "a": 1, "b": 2})).unwrap();
    assert_eq!(counters.total, Some(3));
    assert_eq!(counters.extra.get("b"), Some(&2));
    let labels: Labels = serde_json::from_value(json!({"z": "last", "a": "first"})).unwrap();
    assert_eq!(labels.keys().collect::<Vec<_>>(), vec!["z", "a"]);
}

#[test]
fn closed_objects_have_no_extra_map() {
    // additionalProperties: false - nothing to keep, so the struct has only its fields.
    let closed = Closed {
        id: Some("x".into()),
    };
    assert_eq!(serde_json::to_value(&closed).unwrap(), json!({"id": "x"}));
}

#[test]
fn recursive_types_work() {
    let input = json!({"name": "a", "next": {"name": "b"}, "children": [{"name": "c"}]});
    let node: Node = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(node.next.as_ref().map(|n| n.name.as_str()), Some("b"));
    assert_eq!(serde_json::to_value(&node).unwrap(), input);
}

#[test]
fn hoisted_types_are_usable() {
    let parent = Parent {
        child: ParentChild {
            mode: Some(ParentChildMode::Fast),
            ..Default::default()
        },
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&parent).unwrap(),
        json!({"child": {"mode": "fast"}})
    );
}
