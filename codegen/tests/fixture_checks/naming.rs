//! Behaviour of the types generated from fixtures/naming.yaml (run by tests/fixture_build.rs).

use fixture_naming_types::*;
use serde_json::json;

#[test]
fn sanitised_fields_keep_their_wire_names() {
    let input = json!({
        "type": "t", "match": "m", "self": "s", "2fa": true, "ip-address": "a",
        "a.b": "ab", "fooBar": "1", "foo_bar": "2", "extra": "e", "kind": "a", "more": 1
    });
    let decoded: Keywords = serde_json::from_value(input.clone()).unwrap();
    assert_eq!(decoded.r#type.as_deref(), Some("t"));
    assert_eq!(decoded.self_.as_deref(), Some("s"));
    assert_eq!(decoded._2fa, Some(true));
    assert_eq!(decoded.foo_bar.as_deref(), Some("1"));
    assert_eq!(decoded.foo_bar_2.as_deref(), Some("2"));
    assert_eq!(decoded.extra_2.as_deref(), Some("e"));
    assert_eq!(decoded.kind, Some(KeywordsKind2::A));
    assert_eq!(decoded.extra.get("more"), Some(&json!(1)));
    assert_eq!(serde_json::to_value(&decoded).unwrap(), input);
}

#[test]
fn colliding_schema_names_are_distinct_types() {
    let a: FooThing = "text".to_string();
    let b: FooThing2 = 3;
    assert_eq!((a.as_str(), b), ("text", 3));
    let dns = Dns {
        servers: Some(vec!["1.1.1.1".into()]),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&dns).unwrap(),
        json!({"servers": ["1.1.1.1"]})
    );
}
