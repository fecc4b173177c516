//! The intermediate model of the fixtures: names, shapes and operation facts, asserted one by one.

mod common;

use codegen::model::{
    Extra, Field, Method, Model, Payload, Security, Status, Struct, TypeDef, TypeKind, TypeRef,
};
use common::model;

fn def<'m>(model: &'m Model, name: &str) -> &'m TypeDef {
    model.type_def(name).unwrap_or_else(|| {
        let names: Vec<_> = model.types.iter().map(|t| t.name.as_str()).collect();
        panic!("no type {name}; have {names:?}")
    })
}

fn strukt<'m>(model: &'m Model, name: &str) -> &'m Struct {
    match &def(model, name).kind {
        TypeKind::Struct(s) => s,
        other => panic!("{name} is not a struct: {other:?}"),
    }
}

fn field<'s>(s: &'s Struct, wire: &str) -> &'s Field {
    s.fields
        .iter()
        .find(|f| f.wire_name == wire)
        .unwrap_or_else(|| panic!("no field {wire}"))
}

fn named(name: &str) -> TypeRef {
    TypeRef::Named(name.to_string())
}

#[test]
fn types_are_sorted_and_unique() {
    for name in common::FIXTURES {
        let model = model(name);
        let names: Vec<&str> = model.types.iter().map(|t| t.name.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(names, sorted, "{name}");
    }
}

#[test]
fn objects_keep_required_optional_and_nullable_apart() {
    let model = model("objects");
    let fields = strukt(&model, "Fields");
    let flags = |wire: &str| {
        let f = field(fields, wire);
        (f.required, f.nullable)
    };
    assert_eq!(flags("name"), (true, false));
    assert_eq!(flags("label"), (true, true));
    assert_eq!(flags("comment"), (false, false));
    assert_eq!(flags("expires"), (false, true));
    // Required one-way properties are absent in the other direction.
    assert_eq!(flags("created"), (false, false));
    assert_eq!(flags("secret"), (false, false));
    assert_eq!(
        field(fields, "created").description.as_deref(),
        Some("Required, but only in replies.\n\nRead-only: only the appliance sends it.")
    );
    assert_eq!(field(fields, "count").type_ref, TypeRef::I32);
    assert_eq!(field(fields, "big").type_ref, TypeRef::I64);
    assert_eq!(field(fields, "plain").type_ref, TypeRef::I64);
    assert_eq!(field(fields, "ratio").type_ref, TypeRef::F64);
    assert_eq!(field(fields, "enabled").type_ref, TypeRef::Bool);
    assert_eq!(
        field(fields, "tags").type_ref,
        TypeRef::Array(Box::new(TypeRef::String))
    );
    assert_eq!(field(fields, "anything").type_ref, TypeRef::Value);
    assert_eq!(fields.extra, Extra::Keep);
}

#[test]
fn additional_properties_decide_extra_and_maps() {
    let model = model("objects");
    assert_eq!(strukt(&model, "Closed").extra, Extra::Deny);
    assert_eq!(strukt(&model, "Counters").extra, Extra::Typed(TypeRef::I64));
    assert_eq!(
        def(&model, "Labels").kind,
        TypeKind::Alias(TypeRef::Map(Box::new(TypeRef::String)))
    );
    assert_eq!(
        def(&model, "Free").kind,
        TypeKind::Alias(TypeRef::Map(Box::new(TypeRef::Value)))
    );
    let parent = strukt(&model, "Parent");
    assert_eq!(
        field(parent, "by_name").type_ref,
        TypeRef::Map(Box::new(named("Closed")))
    );
}

#[test]
fn inline_schemas_are_hoisted_with_context_names() {
    let model = model("objects");
    let parent = strukt(&model, "Parent");
    assert_eq!(field(parent, "child").type_ref, named("ParentChild"));
    assert_eq!(
        field(parent, "children").type_ref,
        TypeRef::Array(Box::new(named("ParentChildrenItem")))
    );
    let child = def(&model, "ParentChild");
    assert_eq!(child.schema_name, None);
    assert_eq!(child.pointer, "/components/schemas/Parent/properties/child");
    assert!(
        matches!(&def(&model, "ParentChildMode").kind, TypeKind::StringEnum(v) if v.len() == 2)
    );
}

#[test]
fn recursive_fields_are_boxed_but_vectors_are_not() {
    let model = model("objects");
    let node = strukt(&model, "Node");
    assert!(field(node, "next").boxed);
    assert!(!field(node, "children").boxed);
    assert_eq!(def(&model, "Node").examples.len(), 1);
    assert!(model
        .examples
        .iter()
        .any(|e| e.pointer == "/components/schemas/Node/example" && e.type_ref == named("Node")));
}

#[test]
fn enum_values_are_sanitised_and_unique() {
    let model = model("enums");
    let TypeKind::StringEnum(values) = &def(&model, "Cipher").kind else {
        panic!("Cipher")
    };
    let names: Vec<(&str, &str)> = values
        .iter()
        .map(|v| (v.wire.as_str(), v.rust_name.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("3des", "V3des"),
            ("aes-128-cbc", "Aes128Cbc"),
            ("chacha20.poly1305", "Chacha20Poly1305"),
            ("type", "Type"),
            ("Self", "Self_"),
            ("", "Empty"),
            ("foo-bar", "FooBar"),
            ("foo_bar", "FooBar2"),
            ("unknown", "Unknown2"),
        ]
    );
    // `null` among the values of a nullable enum is not a variant; the field is nullable.
    let TypeKind::StringEnum(levels) = &def(&model, "Level").kind else {
        panic!("Level")
    };
    assert_eq!(
        levels.iter().map(|v| v.wire.as_str()).collect::<Vec<_>>(),
        vec!["low", "high"]
    );
    assert!(field(strukt(&model, "Holder"), "level").nullable);
    assert_eq!(
        field(strukt(&model, "Holder"), "direction").type_ref,
        named("HolderDirection")
    );
}

#[test]
fn property_and_schema_names_are_sanitised() {
    let model = model("naming");
    let keywords = strukt(&model, "Keywords");
    let names: Vec<(&str, &str)> = keywords
        .fields
        .iter()
        .map(|f| (f.wire_name.as_str(), f.rust_name.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("type", "r#type"),
            ("match", "r#match"),
            ("self", "self_"),
            ("2fa", "_2fa"),
            ("ip-address", "ip_address"),
            ("a.b", "a_b"),
            ("fooBar", "foo_bar"),
            ("foo_bar", "foo_bar_2"),
            ("extra", "extra_2"),
            ("kind", "kind"),
        ]
    );
    // The component named KeywordsKind keeps its name; the hoisted enum gets the next one.
    assert_eq!(field(keywords, "kind").type_ref, named("KeywordsKind2"));
    assert_eq!(
        def(&model, "KeywordsKind").kind,
        TypeKind::Alias(TypeRef::String)
    );
    assert_eq!(
        def(&model, "FooThing").schema_name.as_deref(),
        Some("foo_thing")
    );
    assert_eq!(
        def(&model, "FooThing2").schema_name.as_deref(),
        Some("FooThing")
    );
    assert_eq!(def(&model, "Dns").schema_name.as_deref(), Some("DNS"));
}

#[test]
fn discriminated_unions_take_the_tag_out_of_the_variants() {
    let model = model("tagged");
    let TypeKind::Tagged(target) = &def(&model, "Target").kind else {
        panic!("Target")
    };
    assert_eq!(target.tag, "type");
    let variants: Vec<(&str, &str)> = target
        .variants
        .iter()
        .map(|v| (v.tag_value.as_str(), v.rust_name.as_str()))
        .collect();
    assert_eq!(
        variants,
        vec![("rsync", "Rsync"), ("none", "None"), ("unknown", "Unknown")]
    );
    assert_eq!(target.unknown_name, "Unknown2");
    assert!(
        matches!(&target.variants[0].payload, Payload::Struct { type_ref, .. } if *type_ref == named("RsyncTarget"))
    );
    assert_eq!(target.variants[1].payload, Payload::Unit);
    let rsync = strukt(&model, "RsyncTarget");
    assert!(rsync.fields.iter().all(|f| f.wire_name != "type"));
    // The inline enum of the removed tag property is not generated.
    assert!(model.type_def("RsyncTargetType").is_none());
}

#[test]
fn selection_value_unions_hold_the_value() {
    let model = model("tagged");
    let TypeKind::Tagged(address) = &def(&model, "Address").kind else {
        panic!("Address")
    };
    assert_eq!(address.tag, "selection");
    assert_eq!(
        address.variants[0].payload,
        Payload::Value {
            field: "value".into(),
            type_ref: TypeRef::String
        }
    );
    assert_eq!(address.variants[1].payload, Payload::Unit);
    let TypeKind::Tagged(shape) = &def(&model, "Shape").kind else {
        panic!("Shape")
    };
    let tags: Vec<&str> = shape
        .variants
        .iter()
        .map(|v| v.tag_value.as_str())
        .collect();
    assert_eq!(tags, vec!["Circle", "Square"]);
}

#[test]
fn plain_unions_are_untagged_with_readable_variants() {
    let model = model("untagged");
    let variants = |name: &str| match &def(&model, name).kind {
        TypeKind::Untagged(v) => v
            .iter()
            .map(|v| (v.rust_name.clone(), v.type_ref.clone()))
            .collect::<Vec<_>>(),
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(
        variants("Reference"),
        vec![
            ("String".into(), TypeRef::String),
            ("Object".into(), named("ReferenceObject"))
        ]
    );
    assert_eq!(
        variants("SlotId"),
        vec![
            ("Integer".into(), TypeRef::I64),
            ("String".into(), TypeRef::String)
        ]
    );
    assert_eq!(
        variants("Mixed"),
        vec![
            ("List".into(), TypeRef::Array(Box::new(TypeRef::String))),
            ("Detailed".into(), named("MixedDetailed")),
            ("Number".into(), TypeRef::F64),
        ]
    );
}

#[test]
fn all_of_members_are_merged_in_order() {
    let model = model("allof");
    let extended = strukt(&model, "Extended");
    let fields: Vec<(&str, bool)> = extended
        .fields
        .iter()
        .map(|f| (f.wire_name.as_str(), f.required))
        .collect();
    assert_eq!(fields, vec![("id", true), ("note", false), ("size", true)]);
    assert_eq!(
        field(extended, "note").description.as_deref(),
        Some("Overrides the base property in place.")
    );
    let base = field(strukt(&model, "Wrapper"), "base");
    assert_eq!(base.type_ref, named("Base"));
    assert!(base.nullable);
}

#[test]
fn operations_in_spec_order_with_their_facts() {
    let model = model("operations");
    let ids: Vec<(&str, Method)> = model
        .operations
        .iter()
        .map(|o| (o.id.as_str(), o.method))
        .collect();
    assert_eq!(
        ids,
        vec![
            ("login", Method::Get),
            ("get_info", Method::Get),
            ("get_transaction", Method::Get),
            ("commit_transaction", Method::Put),
            ("open_transaction", Method::Post),
            ("rollback_transaction", Method::Delete),
            ("list_users", Method::Get),
            ("create_user", Method::Post),
            ("get_user", Method::Get),
            ("delete_user", Method::Delete),
            ("upload_image", Method::Post),
            ("upload_package", Method::Post),
        ]
    );
    let op = |id: &str| model.operation(id).unwrap_or_else(|| panic!("{id}"));
    // Uploads: a form's parts in schema order (files have no text type), a raw binary body.
    let form = op("upload_image").request_body.as_ref().expect("form body");
    let Some(codegen::model::Upload::Multipart(parts)) = &form.upload else {
        panic!("a multipart upload: {form:?}")
    };
    let parts: Vec<(&str, bool, bool)> = parts
        .iter()
        .map(|p| (p.name.as_str(), p.text.is_none(), p.required))
        .collect();
    assert_eq!(
        parts,
        vec![
            ("image", true, true),
            ("label", false, true),
            ("kind", false, false),
            ("thumbnail", true, false)
        ]
    );
    let raw = op("upload_package")
        .request_body
        .as_ref()
        .expect("raw body");
    assert_eq!(raw.upload, Some(codegen::model::Upload::Raw));
    assert_eq!(
        (raw.content_type.as_str(), raw.required),
        ("application/zip", false)
    );
    assert_eq!(op("login").security, Security::Basic);
    assert_eq!(op("get_info").security, Security::SessionOptional);
    assert_eq!(op("list_users").security, Security::Session);
    assert_eq!(model.session_cookie.as_deref(), Some("session_id"));
    let tx = model
        .transaction_ops
        .as_ref()
        .map(|t| (t.open.as_str(), t.commit.as_str(), t.changes.is_none()));
    assert_eq!(tx, Some(("open_transaction", "commit_transaction", true)));

    let list = op("list_users");
    assert_eq!(list.resource.as_deref(), Some("collection"));
    assert_eq!(list.versions, vec!["7.x", "8.0"]);
    assert_eq!(list.tags, vec!["users"]);
    let query: Vec<(&str, &str, TypeRef, bool)> = list
        .query_params
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.rust_name.as_str(),
                p.type_ref.clone(),
                p.required,
            )
        })
        .collect();
    assert_eq!(
        query,
        vec![
            ("fields", "fields", TypeRef::String, false),
            (
                "sort-order",
                "sort_order",
                named("ListUsersSortOrder"),
                false
            ),
            ("limit", "limit", TypeRef::I32, false),
        ]
    );
    assert_eq!(list.success_type, Some(named("UserList")));
    assert_eq!(list.error_type, Some(named("ErrorResponse")));
    assert_eq!(list.responses[1].variant, "Unauthenticated");

    let create = op("create_user");
    assert!(create.transaction_required);
    assert_eq!(
        create
            .request_body
            .as_ref()
            .map(|b| (&b.type_ref, b.required)),
        Some((&named("User"), true))
    );
    let variants: Vec<(Status, &str)> = create
        .responses
        .iter()
        .map(|r| (r.status, r.variant.as_str()))
        .collect();
    assert_eq!(
        variants,
        vec![
            (Status::Code(201), "Created"),
            (Status::Code(400), "BadRequest"),
            (Status::Code(409), "Conflict")
        ]
    );
    assert_eq!(create.statuses(), vec![201, 400, 409]);

    let get = op("get_user");
    assert_eq!(
        get.path_params
            .iter()
            .map(|p| (p.name.as_str(), p.required))
            .collect::<Vec<_>>(),
        vec![("key", true)]
    );
    assert_eq!(get.success_type, Some(named("GetUserResponse")));
    assert_eq!(get.responses[1].variant, "Error");

    let delete = op("delete_user");
    assert!(delete.deprecated);
    assert_eq!(delete.responses[0].variant, "NoContent");
    assert_eq!(delete.responses[0].body, None);
    assert_eq!(delete.success_type, None);

    let info = op("get_info");
    assert_eq!(
        info.responses.iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![Status::Code(200), Status::Default]
    );
    assert_eq!(info.statuses(), vec![200]);

    let login = op("login");
    let headers: Vec<(&str, &str)> = login.responses[0]
        .headers
        .iter()
        .map(|h| (h.name.as_str(), h.rust_name.as_str()))
        .collect();
    assert_eq!(headers, vec![("Set-Cookie", "set_cookie")]);
    assert_eq!(login.success_type, Some(named("LoginResponse")));

    let commit = op("commit_transaction");
    assert_eq!(
        commit.request_body.as_ref().map(|b| b.type_ref.clone()),
        Some(named("CommitTransactionRequest"))
    );
    assert!(model.type_def("CommitTransactionRequestStatus").is_some());
}

#[test]
fn body_examples_are_collected_with_their_types() {
    let model = model("operations");
    let examples: Vec<(&str, &TypeRef)> = model
        .examples
        .iter()
        .map(|e| (e.pointer.as_str(), &e.type_ref))
        .collect();
    assert!(examples.contains(&(
        "/paths/~1api~1info/get/responses/200/content/application~1json/example",
        &named("GetInfoResponse")
    )));
    assert!(examples.contains(&(
        "/paths/~1api~1configuration~1users/post/requestBody/content/application~1json/examples/minimal/value",
        &named("User")
    )));
}

#[test]
fn areas_gate_operations_and_the_types_they_reach() {
    let model = model("features");
    let names: Vec<(&str, &str)> = model
        .features
        .iter()
        .map(|f| (f.tag.as_str(), f.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("alpha", "alpha"),
            ("Beta Things", "beta_things"),
            ("gamma", "gamma")
        ]
    );
    let op_gate = |id: &str| model.operation(id).map(|op| op.gate.clone());
    assert_eq!(op_gate("get_alpha"), Some(vec!["alpha".to_string()]));
    assert_eq!(
        op_gate("create_beta"),
        Some(vec!["beta_things".to_string()])
    );
    let gate = |name: &str| def(&model, name).gate.clone();
    // Reached by one area, through a field and an enum.
    assert_eq!(gate("AlphaObject"), ["alpha"]);
    assert_eq!(gate("AlphaKind"), ["alpha"]);
    // Reached by two, directly and through a hoisted request body, array items and maps.
    assert_eq!(gate("Shared"), ["alpha", "beta_things"]);
    assert_eq!(gate("SharedItem"), ["alpha", "beta_things"]);
    assert_eq!(gate("CreateBetaRequest"), ["beta_things"]);
    // Reached by every area, or by none (with what it refers to): always compiled.
    assert!(gate("ErrorResponse").is_empty());
    assert!(gate("Unused").is_empty());
    assert!(gate("UnusedKind").is_empty());
}

#[test]
fn a_long_recursive_group_raises_the_recursion_limit() {
    // Without the attribute, the ring of 24 schemas overflows rustc's default of 128 in the
    // server crate (E0275); `fixture_build` builds it with the attribute. Short chains of types
    // keep the default.
    let limit = common::model("recursion").recursion_limit;
    assert!(limit.is_some_and(|n| n > 24 * 6), "{limit:?}");
    assert_eq!(common::model("scalars").recursion_limit, None);
}
