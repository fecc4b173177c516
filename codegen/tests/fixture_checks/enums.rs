//! Behaviour of the types generated from fixtures/enums.yaml (run by tests/fixture_build.rs).

use fixture_enums_types::*;
use serde_json::json;

#[test]
fn known_values_map_to_variants() {
    let all = json!([
        "3des",
        "aes-128-cbc",
        "chacha20.poly1305",
        "type",
        "Self",
        "",
        "foo-bar",
        "foo_bar",
        "unknown"
    ]);
    let decoded: Vec<Cipher> = serde_json::from_value(all.clone()).unwrap();
    assert_eq!(
        decoded,
        vec![
            Cipher::V3des,
            Cipher::Aes128Cbc,
            Cipher::Chacha20Poly1305,
            Cipher::Type,
            Cipher::Self_,
            Cipher::Empty,
            Cipher::FooBar,
            Cipher::FooBar2,
            Cipher::Unknown2,
        ]
    );
    assert_eq!(serde_json::to_value(&decoded).unwrap(), all);
}

#[test]
fn unknown_values_are_kept() {
    let decoded: Cipher = serde_json::from_value(json!("twofish")).unwrap();
    assert_eq!(decoded, Cipher::Unknown("twofish".into()));
    assert_eq!(serde_json::to_value(&decoded).unwrap(), json!("twofish"));
    assert_eq!(decoded.to_string(), "twofish");
    assert_eq!("aes-128-cbc".parse::<Cipher>(), Ok(Cipher::Aes128Cbc));
}

#[test]
fn nullable_enum_fields() {
    let holder: Holder = serde_json::from_value(json!({"level": null, "direction": "in"})).unwrap();
    assert_eq!(holder.level, Some(None));
    assert_eq!(holder.direction, Some(HolderDirection::In));
    assert_eq!(
        serde_json::to_value(&holder).unwrap(),
        json!({"level": null, "direction": "in"})
    );
}
