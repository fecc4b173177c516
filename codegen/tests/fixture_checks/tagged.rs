//! Behaviour of the types generated from fixtures/tagged.yaml (run by tests/fixture_build.rs).

use fixture_tagged_types::*;
use serde_json::json;

#[test]
fn variants_decode_by_tag_without_duplicating_it() {
    let input = json!({"type": "rsync", "host": "backup.example", "port": 22});
    let target: Target = serde_json::from_value(input.clone()).unwrap();
    let Target::Rsync(rsync) = &target else {
        panic!("{target:?}")
    };
    assert_eq!(rsync.host, "backup.example");
    assert!(
        rsync.extra.is_empty(),
        "the tag must not land in extra: {:?}",
        rsync.extra
    );
    assert_eq!(serde_json::to_value(&target).unwrap(), input);
    assert_eq!(target.tag(), Some("rsync"));
}

#[test]
fn unknown_tags_round_trip_whole() {
    let input = json!({"type": "s3", "bucket": "b", "region": "eu"});
    let target: Target = serde_json::from_value(input.clone()).unwrap();
    assert!(matches!(&target, Target::Unknown2(map) if map.len() == 3));
    assert_eq!(serde_json::to_value(&target).unwrap(), input);
}

#[test]
fn unit_variants_with_unexpected_fields_are_kept() {
    let plain: Target = serde_json::from_value(json!({"type": "none"})).unwrap();
    assert_eq!(plain, Target::None);
    let wider = json!({"type": "none", "reason": "later versions add this"});
    let decoded: Target = serde_json::from_value(wider.clone()).unwrap();
    assert!(matches!(decoded, Target::Unknown2(_)));
    assert_eq!(serde_json::to_value(&decoded).unwrap(), wider);
}

#[test]
fn selection_value_unions_read_naturally() {
    let ip: Address =
        serde_json::from_value(json!({"selection": "ip", "value": "10.0.0.1"})).unwrap();
    assert_eq!(ip, Address::Ip("10.0.0.1".into()));
    assert_eq!(
        serde_json::to_value(&Address::Any).unwrap(),
        json!({"selection": "any"})
    );
    assert_eq!(
        serde_json::to_value(&ip).unwrap(),
        json!({"selection": "ip", "value": "10.0.0.1"})
    );
}

#[test]
fn known_tag_with_a_bad_payload_is_an_error() {
    assert!(serde_json::from_value::<Target>(json!({"type": "rsync", "port": 22})).is_err());
    assert!(serde_json::from_value::<Address>(json!({"selection": "ip", "value": 7})).is_err());
}

#[test]
fn tags_default_to_schema_names() {
    let square: Shape = serde_json::from_value(json!({"kind": "Square", "side": 2.0})).unwrap();
    assert!(matches!(&square, Shape::Square(s) if s.side == Some(2.0)));
}
