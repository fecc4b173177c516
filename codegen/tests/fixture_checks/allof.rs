//! Behaviour of the types generated from fixtures/allof.yaml (run by tests/fixture_build.rs).

use fixture_allof_types::*;
use serde_json::json;

#[test]
fn merged_struct_has_all_members() {
    let input = json!({"id": "1", "note": "n", "size": 4});
    let extended: Extended = serde_json::from_value(input.clone()).unwrap();
    assert_eq!((extended.id.as_str(), extended.size), ("1", 4));
    assert_eq!(serde_json::to_value(&extended).unwrap(), input);
    assert!(serde_json::from_value::<Extended>(json!({"id": "1"})).is_err());
}

#[test]
fn nullable_reference_through_all_of() {
    let wrapper: Wrapper = serde_json::from_value(json!({"base": null})).unwrap();
    assert_eq!(wrapper.base, Some(None));
    let wrapper: Wrapper = serde_json::from_value(json!({"base": {"id": "x"}})).unwrap();
    assert!(matches!(wrapper.base, Some(Some(Base { ref id, .. })) if id == "x"));
}
