//! Engine behaviour through `handle`, on a small spec shaped like the real one.

use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::*;
use crate::session::ManualClock;

const SPEC: &str = r##"
openapi: 3.0.3
info: {title: engine tests, version: "1"}
security:
  - sessionCookie: []
paths:
  /api/authentication:
    x-sps-resource: service
    get:
      operationId: authenticate
      security: [{basicAuth: []}]
      responses: {'200': {description: ok}, '401': {description: no}}
  /api/info:
    x-sps-resource: service
    get:
      operationId: get_info
      security: [{}, {sessionCookie: []}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              examples:
                anonymous:
                  value: {key: about_info, body: {hostname: scbwriter}, meta: {href: /api/info, parent: /api}}
                authenticated:
                  value: {key: about_info, body: {hostname: scbwriter, version: 6.9.3, roles: [x]}, meta: {href: /api/info, parent: /api}}
  /api/transaction:
    x-sps-resource: service
    get: {operationId: get_transaction, responses: {'200': {description: ok}}}
    post: {operationId: open_transaction, responses: {'200': {description: ok}}}
    put: {operationId: commit_transaction, responses: {'200': {description: ok}, '409': {description: no}}}
    delete: {operationId: rollback_transaction, responses: {'200': {description: ok}, '409': {description: no}}}
  /api/transaction/changes:
    x-sps-resource: service
    get: {operationId: list_transaction_changes, responses: {'200': {description: ok}}}
  /api/configuration/aaa:
    x-sps-resource: index
    get: {operationId: get_aaa_index, responses: {'200': {description: ok}}}
  /api/configuration/aaa/acls:
    x-sps-resource: singleton
    get: {operationId: get_acls, responses: {'200': {description: ok}, '404': {description: no}}}
  /api/configuration/aaa/settings:
    x-sps-resource: singleton
    get:
      operationId: get_aaa_settings
      responses:
        '200':
          description: ok
          content:
            application/json:
              example: {key: settings, body: {method: local}, meta: {href: /api/configuration/aaa/settings}}
    put:
      operationId: replace_aaa_settings
      x-sps-transaction: required
      responses: {'200': {description: ok}, '409': {description: no}}
  /api/configuration/aaa/local_database:
    x-sps-resource: index
    get: {operationId: get_local_database_index, responses: {'200': {description: ok}}}
  /api/configuration/aaa/local_database/groups:
    x-sps-resource: collection
    get: {operationId: list_groups, responses: {'200': {description: ok}}}
    post:
      operationId: create_group
      x-sps-transaction: required
      responses: {'201': {description: ok}, '409': {description: no}}
  /api/configuration/aaa/local_database/groups/{key}:
    parameters: [{name: key, in: path, required: true, schema: {type: string}}]
    x-sps-resource: item
    get:
      operationId: get_group
      responses:
        '200':
          description: ok
          content:
            application/json:
              example:
                key: ca2dc85730ca082ee6b5c8
                body: {name: http-write, members: []}
                meta: {href: /api/configuration/aaa/local_database/groups/ca2dc85730ca082ee6b5c8}
    put:
      operationId: replace_group
      x-sps-transaction: required
      responses: {'200': {description: ok}}
    delete:
      operationId: delete_group
      x-sps-transaction: required
      responses: {'200': {description: ok}}
  /api/configuration/aaa/local_database/users:
    x-sps-resource: collection
    get:
      operationId: list_users
      responses:
        '200':
          description: ok
          content:
            application/json:
              example:
                items:
                  - key: 103640099357f3b14f0529a
                    meta: {href: /api/configuration/aaa/local_database/users/103640099357f3b14f0529a}
    post:
      operationId: create_user
      x-sps-transaction: required
      responses: {'201': {description: ok}}
  /api/configuration/aaa/local_database/users/{key}:
    parameters: [{name: key, in: path, required: true, schema: {type: string}}]
    x-sps-resource: item
    get:
      operationId: get_user
      responses:
        '200':
          description: ok
          content:
            application/json:
              example:
                key: 46785097158061f46c63d0
                body:
                  name: testuser
                  password:
                    key: 8f84d7d1-9de1-429a-a7a7-c33a61cc7419
                    meta: {href: /api/configuration/passwords/8f84d7d1-9de1-429a-a7a7-c33a61cc7419}
                meta: {href: /api/configuration/aaa/local_database/users/46785097158061f46c63d0}
    put:
      operationId: replace_user
      x-sps-transaction: required
      responses: {'200': {description: ok}}
  /api/configuration/passwords:
    x-sps-resource: collection
    get:
      operationId: list_passwords
      responses: {'401': {description: no}, '403': {description: no}, '405': {description: no}}
    post:
      operationId: create_password
      x-sps-transaction: required
      responses: {'201': {description: ok}}
  /api/configuration/passwords/{key}:
    parameters: [{name: key, in: path, required: true, schema: {type: string}}]
    x-sps-resource: item
    get: {operationId: get_password, responses: {'200': {description: ok}}}
  /api/active-sessions:
    x-sps-resource: service
    delete: {operationId: close_active_session, responses: {'200': {description: ok}}}
  /api/firmware/slots:
    x-sps-resource: collection
    get: {operationId: list_firmware_slots, responses: {'200': {description: ok}}}
  /api/firmware/slots/{slot_id}:
    parameters: [{name: slot_id, in: path, required: true, schema: {type: string}}]
    x-sps-resource: item
    get:
      operationId: get_firmware_slot
      responses:
        '200':
          description: ok
          content:
            application/json:
              examples:
                running:
                  value: {key: '1', body: {version: 6.9.3, current: true}, meta: {href: /api/firmware/slots/1}}
                spare:
                  value: {key: '3', body: {version: 7.0.1, current: false, after_reboot: false}, meta: {href: /api/firmware/slots/3}}
    delete: {operationId: delete_firmware_slot, responses: {'200': {description: ok}}}
  /api/firmware/test:
    x-sps-resource: action
    post:
      operationId: test_firmware
      responses:
        '200':
          description: ok
          content:
            application/json:
              example: {key: '9', body: {test_summary: fine}, meta: {href: /api/firmware/test, slot: /api/firmware/slots/9}}
  /api/health_status:
    x-sps-resource: service
    get:
      operationId: get_health_status
      responses:
        '200':
          description: ok
          content:
            application/json:
              example: {health_status: {load1: 0.1}}
components:
  securitySchemes:
    basicAuth: {type: http, scheme: basic}
    sessionCookie: {type: apiKey, in: cookie, name: session_id}
"##;

const USERS: &str = "/api/configuration/aaa/local_database/users";
const GROUPS: &str = "/api/configuration/aaa/local_database/groups";
const SAMPLE_GROUP: &str = "/api/configuration/aaa/local_database/groups/ca2dc85730ca082ee6b5c8";
const SAMPLE_PASSWORD: &str = "8f84d7d1-9de1-429a-a7a7-c33a61cc7419";

struct Fixture {
    engine: Engine,
    table: ResourceTable,
    clock: Arc<ManualClock>,
}

fn config(clock: Arc<ManualClock>) -> EngineConfig {
    EngineConfig {
        users: vec![
            User {
                name: "admin".into(),
                password: "secret".into(),
                groups: vec![],
            },
            User {
                name: "bob".into(),
                password: "hunter2".into(),
                groups: vec![],
            },
        ],
        clock,
        ..EngineConfig::default()
    }
}

/// The operation table of a spec, by the generator's own rules (what `sps_server::OPERATIONS`
/// is for the workspace spec), leaked like that `static`.
fn operations(spec: &codegen::spec::Spec) -> &'static [OperationInfo] {
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    let model = codegen::model::lower(spec).expect("the spec lowers");
    let table: Vec<OperationInfo> = model
        .operations
        .iter()
        .map(|op| OperationInfo {
            operation_id: leak(&op.id),
            method: op.method.as_str(),
            path: leak(&op.path),
            resource: op.resource.as_deref().map(leak),
            transaction_required: op.transaction_required,
            session_required: op.security == codegen::model::Security::Session,
            statuses: Box::leak(op.statuses().into_boxed_slice()),
            file_reply: op.success_stream().map(leak),
            reply_forms: Box::leak(
                op.success_alternatives()
                    .into_iter()
                    .map(|alt| leak(&alt.content_type))
                    .collect::<Vec<_>>()
                    .into_boxed_slice(),
            ),
        })
        .collect();
    Box::leak(table.into_boxed_slice())
}

/// The test spec as the engine reads it, and its operation table.
fn test_spec() -> (Value, &'static [OperationInfo]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("test.yaml");
    std::fs::write(&path, SPEC).expect("write");
    let spec = codegen::spec::load_file(&path).expect("test spec loads");
    let doc = crate::seed::parse_spec(&path, SPEC).expect("test spec");
    (doc, operations(&spec))
}

impl Fixture {
    fn with(adjust: impl FnOnce(&mut EngineConfig)) -> Self {
        let (doc, ops) = test_spec();
        let clock = Arc::new(ManualClock::default());
        let mut config = config(clock.clone());
        adjust(&mut config);
        let engine = Engine::new(ops, &doc, config).expect("engine");
        Self {
            engine,
            table: ResourceTable::new(ops),
            clock,
        }
    }

    fn new() -> Self {
        Self::with(|_| {})
    }

    fn request(
        &self,
        method: &str,
        href: &str,
        session: Option<&str>,
        body: Option<Value>,
    ) -> RawRequest {
        let operation = self
            .table
            .match_href(href)
            .and_then(|node| node.operation(method))
            .unwrap_or_else(|| panic!("test spec has no {method} {href}"));
        RawRequest {
            operation,
            href: href.to_owned(),
            path_params: Vec::new(),
            query: Map::new(),
            body,
            upload: None,
            session_id: session.map(str::to_owned),
            basic_auth: None,
            client_certificate: None,
        }
    }

    fn call(
        &self,
        method: &str,
        href: &str,
        session: Option<&str>,
        body: Option<Value>,
    ) -> RawResponse {
        self.engine
            .handle(self.request(method, href, session, body))
    }

    /// Calls and returns the body, asserting the status.
    fn ok(
        &self,
        status: u16,
        method: &str,
        href: &str,
        session: &str,
        body: Option<Value>,
    ) -> Value {
        let response = self.call(method, href, Some(session), body);
        assert_eq!(
            response.status, status,
            "{method} {href}: {:?}",
            response.body
        );
        response.body.unwrap_or(Value::Null)
    }

    fn login(&self, user: &str, password: &str) -> String {
        let mut request = self.request("GET", paths::AUTHENTICATION, None, None);
        request.basic_auth = Some((user.to_owned(), password.to_owned()));
        let response = self.engine.handle(request);
        assert_eq!(response.status, 200, "{:?}", response.body);
        let cookie = response
            .headers
            .iter()
            .find(|(name, _)| name == "set-cookie")
            .map(|(_, value)| value.clone())
            .expect("set-cookie");
        let id = cookie
            .strip_prefix("session_id=")
            .and_then(|rest| rest.split(';').next())
            .expect("session_id cookie")
            .to_owned();
        assert_eq!(id.len(), 40);
        id
    }
}

fn error_type(response: &RawResponse) -> &str {
    response
        .body
        .as_ref()
        .and_then(|b| b.pointer("/error/type"))
        .and_then(Value::as_str)
        .unwrap_or("<none>")
}

fn keys(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["key"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn login_rejects_bad_credentials_and_calls_need_a_valid_cookie() {
    let f = Fixture::new();
    let mut request = f.request("GET", paths::AUTHENTICATION, None, None);
    request.basic_auth = Some(("admin".into(), "wrong".into()));
    let response = f.engine.handle(request);
    assert_eq!(
        (response.status, error_type(&response)),
        (401, "AuthenticationFailure")
    );
    assert!(response.headers.is_empty());

    let response = f.call("GET", USERS, None, None);
    assert_eq!(
        (response.status, error_type(&response)),
        (401, "Unauthenticated")
    );
    assert_eq!(
        response
            .body
            .as_ref()
            .map(|b| &b["error"]["details"]["path"]),
        Some(&json!(USERS))
    );
    let response = f.call(
        "GET",
        USERS,
        Some("0123456789012345678901234567890123456789"),
        None,
    );
    assert_eq!(response.status, 401);

    let session = f.login("admin", "secret");
    f.ok(200, "GET", USERS, &session, None);
}

#[test]
fn info_answers_without_a_session_but_hides_the_version() {
    let f = Fixture::new();
    let anonymous = f.call("GET", paths::INFO, None, None);
    assert_eq!(anonymous.status, 200);
    let body = anonymous.body.expect("body");
    assert_eq!(body["body"], json!({"hostname": "scbwriter"}));
    let session = f.login("admin", "secret");
    let body = f.ok(200, "GET", paths::INFO, &session, None);
    assert_eq!(body["body"]["version"], "6.9.3");
    assert_eq!(body["body"]["roles"], json!(["x"]));
}

#[test]
fn sessions_idle_out_after_twenty_minutes_and_release_their_transaction() {
    let f = Fixture::new();
    let admin = f.login("admin", "secret");
    f.ok(200, "POST", paths::TRANSACTION, &admin, None);
    f.clock.advance(Duration::from_secs(19 * 60));
    f.ok(200, "GET", USERS, &admin, None);
    f.clock.advance(Duration::from_secs(20 * 60));
    assert_eq!(f.call("GET", USERS, Some(&admin), None).status, 401);
    let bob = f.login("bob", "hunter2");
    let body = f.ok(200, "POST", paths::TRANSACTION, &bob, None);
    assert_eq!(
        body["body"]["status"], "open",
        "the expired session's lock is gone"
    );
}

#[test]
fn indexes_list_children_with_sibling_links() {
    let f = Fixture::new();
    let s = f.login("admin", "secret");
    let aaa = f.ok(200, "GET", "/api/configuration/aaa", &s, None);
    assert_eq!(keys(&aaa), ["acls", "local_database", "settings"]);
    assert_eq!(
        aaa["items"][1]["meta"]["href"],
        "/api/configuration/aaa/local_database"
    );
    let db = f.ok(
        200,
        "GET",
        "/api/configuration/aaa/local_database",
        &s,
        None,
    );
    assert_eq!(keys(&db), ["groups", "users"]);
    assert_eq!(
        db["meta"],
        json!({
            "first": "/api/configuration/aaa/acls",
            "href": "/api/configuration/aaa/local_database",
            "last": "/api/configuration/aaa/settings",
            "next": "/api/configuration/aaa/settings",
            "parent": "/api/configuration/aaa",
            "previous": "/api/configuration/aaa/acls",
            "transaction": "/api/transaction",
        })
    );
    // The users collection is the last child: `next` is null, as in the published sample.
    let users = f.ok(200, "GET", USERS, &s, None);
    assert_eq!(users["meta"]["next"], Value::Null);
    assert_eq!(users["meta"]["first"], GROUPS);
}

#[test]
fn seeded_sample_objects_are_readable_with_links_in_key_order() {
    let f = Fixture::new();
    let s = f.login("admin", "secret");
    let user = f.ok(
        200,
        "GET",
        &format!("{USERS}/46785097158061f46c63d0"),
        &s,
        None,
    );
    assert_eq!(user["key"], "46785097158061f46c63d0");
    assert_eq!(user["body"]["name"], "testuser");
    assert_eq!(
        user["meta"]["first"],
        format!("{USERS}/46785097158061f46c63d0")
    );
    assert_eq!(user["meta"]["next"], Value::Null);
    assert_eq!(user["meta"]["previous"], Value::Null);
    // A list item without a body in the sample is not invented.
    assert_eq!(
        keys(&f.ok(200, "GET", USERS, &s, None)),
        ["46785097158061f46c63d0"]
    );
    let settings = f.ok(200, "GET", "/api/configuration/aaa/settings", &s, None);
    assert_eq!(settings["body"], json!({"method": "local"}));
    assert_eq!(
        settings["meta"]["previous"],
        "/api/configuration/aaa/local_database"
    );
    // A singleton without sample data is absent rather than made up.
    let acls = f.call("GET", "/api/configuration/aaa/acls", Some(&s), None);
    assert_eq!((acls.status, error_type(&acls)), (404, "NotFound"));
    // The sample password exists, and never shows a secret.
    let password = f.ok(
        200,
        "GET",
        &format!("/api/configuration/passwords/{SAMPLE_PASSWORD}"),
        &s,
        None,
    );
    assert_eq!(password["body"], json!({}));
}

#[test]
fn writes_without_a_transaction_get_409_no_transaction() {
    let f = Fixture::new();
    let s = f.login("admin", "secret");
    let response = f.call(
        "POST",
        GROUPS,
        Some(&s),
        Some(json!({"name": "g", "members": []})),
    );
    assert_eq!(
        (response.status, error_type(&response)),
        (409, "NoTransaction")
    );
    let response = f.call("DELETE", SAMPLE_GROUP, Some(&s), None);
    assert_eq!(
        (response.status, error_type(&response)),
        (409, "NoTransaction")
    );
    let response = f.call(
        "PUT",
        paths::TRANSACTION,
        Some(&s),
        Some(json!({"status": "commit"})),
    );
    assert_eq!(
        (response.status, error_type(&response)),
        (409, "NoTransaction")
    );
    assert!(f.engine.committed().contains(SAMPLE_GROUP));
}

#[test]
fn implicit_transactions_can_be_switched_on() {
    let f = Fixture::with(|c| c.implicit_transactions = true);
    let s = f.login("admin", "secret");
    f.ok(
        201,
        "POST",
        GROUPS,
        &s,
        Some(json!({"name": "g", "members": []})),
    );
    let status = f.ok(200, "GET", paths::TRANSACTION, &s, None);
    assert_eq!(status["body"]["status"], "open");
}

#[test]
fn create_is_visible_only_inside_the_transaction_until_commit() {
    let f = Fixture::new();
    let admin = f.login("admin", "secret");
    let bob = f.login("bob", "hunter2");
    let opened = f.ok(200, "POST", paths::TRANSACTION, &admin, None);
    assert_eq!(opened["body"]["status"], "open");
    assert_eq!(opened["meta"]["remaining_seconds"], 1200);

    let created = f.ok(
        201,
        "POST",
        GROUPS,
        &admin,
        Some(json!({"name": "ops", "members": []})),
    );
    let key = created["key"].as_str().expect("key").to_owned();
    assert_eq!(key.len(), 22);
    assert!(key.chars().all(|c| c.is_ascii_hexdigit()));
    let href = format!("{GROUPS}/{key}");
    assert_eq!(
        created["meta"],
        json!({"href": href, "parent": GROUPS, "transaction": "/api/transaction"})
    );

    assert_eq!(f.ok(200, "GET", &href, &admin, None)["body"]["name"], "ops");
    assert_eq!(f.call("GET", &href, Some(&bob), None).status, 404);
    assert_eq!(keys(&f.ok(200, "GET", GROUPS, &bob, None)).len(), 1);
    assert_eq!(keys(&f.ok(200, "GET", GROUPS, &admin, None)).len(), 2);
    assert_eq!(
        f.ok(200, "GET", paths::TRANSACTION, &bob, None)["body"]["status"],
        "closed"
    );

    let committed = f.ok(
        200,
        "PUT",
        paths::TRANSACTION,
        &admin,
        Some(json!({"status": "commit"})),
    );
    assert_eq!(committed["body"]["status"], "closed");
    assert_eq!(f.ok(200, "GET", &href, &bob, None)["body"]["name"], "ops");
}

#[test]
fn changes_list_and_rollback() {
    let f = Fixture::new();
    let s = f.login("admin", "secret");
    f.ok(200, "POST", paths::TRANSACTION, &s, None);
    let empty = f.ok(200, "GET", paths::CHANGES, &s, None);
    assert_eq!(empty["changes"], json!([]));
    assert_eq!(empty["meta"]["parent"], "/api/transaction");

    f.ok(
        200,
        "PUT",
        SAMPLE_GROUP,
        &s,
        Some(json!({"name": "http-write", "members": ["u1"]})),
    );
    let deleted = f.ok(200, "DELETE", SAMPLE_GROUP, &s, None);
    assert_eq!(
        deleted,
        json!({"meta": {"href": SAMPLE_GROUP, "parent": GROUPS}})
    );
    assert_eq!(f.call("GET", SAMPLE_GROUP, Some(&s), None).status, 404);
    let changes = f.ok(200, "GET", paths::CHANGES, &s, None);
    assert_eq!(
        changes["changes"],
        json!([
            {"type": "replace", "path": SAMPLE_GROUP,
             "old_value": {"name": "http-write", "members": []},
             "new_value": {"name": "http-write", "members": ["u1"]}},
            {"type": "delete", "path": SAMPLE_GROUP,
             "old_value": {"name": "http-write", "members": ["u1"]}},
        ])
    );

    let rolled_back = f.ok(200, "DELETE", paths::TRANSACTION, &s, None);
    assert_eq!(rolled_back["body"]["status"], "closed");
    assert_eq!(
        f.ok(200, "GET", SAMPLE_GROUP, &s, None)["body"]["members"],
        json!([])
    );
    assert_eq!(
        f.ok(200, "GET", paths::CHANGES, &s, None)["changes"],
        json!([])
    );
    let again = f.call("DELETE", paths::TRANSACTION, Some(&s), None);
    assert_eq!((again.status, error_type(&again)), (409, "NoTransaction"));
}

#[test]
fn a_second_session_cannot_write_while_another_holds_the_lock() {
    let f = Fixture::new();
    let admin = f.login("admin", "secret");
    let bob = f.login("bob", "hunter2");
    f.ok(200, "POST", paths::TRANSACTION, &admin, None);
    let open = f.call("POST", paths::TRANSACTION, Some(&bob), None);
    assert_eq!((open.status, error_type(&open)), (409, "NoTransaction"));
    assert_eq!(
        open.body
            .as_ref()
            .map(|b| &b["error"]["details"]["locked_by"]),
        Some(&json!("admin"))
    );
    let write = f.call(
        "PUT",
        SAMPLE_GROUP,
        Some(&bob),
        Some(json!({"name": "x", "members": []})),
    );
    assert_eq!((write.status, error_type(&write)), (409, "NoTransaction"));
    // The same user in a second session is a different lock holder too.
    let admin2 = f.login("admin", "secret");
    assert_eq!(
        f.call("DELETE", SAMPLE_GROUP, Some(&admin2), None).status,
        409
    );
    f.ok(200, "DELETE", paths::TRANSACTION, &admin, None);
    f.ok(200, "POST", paths::TRANSACTION, &bob, None);
}

#[test]
fn items_that_do_not_exist_are_404_for_get_put_and_delete() {
    let f = Fixture::new();
    let s = f.login("admin", "secret");
    f.ok(200, "POST", paths::TRANSACTION, &s, None);
    let missing = format!("{GROUPS}/0000000000000000000000");
    for (method, body) in [
        ("GET", None),
        ("PUT", Some(json!({"name": "x"}))),
        ("DELETE", None),
    ] {
        let response = f.call(method, &missing, Some(&s), body);
        assert_eq!(
            (response.status, error_type(&response)),
            (404, "NotFound"),
            "{method}"
        );
    }
    assert_eq!(
        f.ok(200, "GET", paths::CHANGES, &s, None)["changes"],
        json!([])
    );
}

#[test]
fn passwords_are_write_once_and_referenced_only_once() {
    let f = Fixture::new();
    let s = f.login("admin", "secret");
    f.ok(200, "POST", paths::TRANSACTION, &s, None);
    let missing = f.call("POST", paths::PASSWORDS, Some(&s), Some(json!({})));
    assert_eq!(
        (missing.status, error_type(&missing)),
        (400, "IncompleteRequestBodyError")
    );

    let created = f.ok(
        201,
        "POST",
        paths::PASSWORDS,
        &s,
        Some(json!({"plain": "p4ss"})),
    );
    let key = created["key"].as_str().expect("key").to_owned();
    assert_eq!(key.len(), 36);
    assert_eq!(
        created["meta"]["href"],
        format!("{}/{key}", paths::PASSWORDS)
    );
    let changes = f.ok(200, "GET", paths::CHANGES, &s, None);
    assert!(
        !changes.to_string().contains("p4ss"),
        "the secret must not read back: {changes}"
    );

    let user = f.ok(
        201,
        "POST",
        USERS,
        &s,
        Some(json!({"name": "carol", "password": key})),
    );
    let user_href = user["meta"]["href"].as_str().expect("href").to_owned();
    let read = f.ok(200, "GET", &user_href, &s, None);
    assert_eq!(
        read["body"]["password"],
        json!({"key": key, "meta": {"href": format!("{}/{key}", paths::PASSWORDS)}}),
        "a bare key reads back as a reference"
    );
    // PUT of the same object with its own reference is fine.
    f.ok(200, "PUT", &user_href, &s, Some(read["body"].clone()));

    let second = f.call(
        "POST",
        USERS,
        Some(&s),
        Some(json!({"name": "dave", "password": key})),
    );
    assert_eq!((second.status, error_type(&second)), (400, "SemanticError"));
    let seeded = f.call(
        "POST",
        USERS,
        Some(&s),
        Some(json!({"name": "eve", "password": SAMPLE_PASSWORD})),
    );
    assert_eq!(
        (seeded.status, error_type(&seeded)),
        (400, "SemanticError"),
        "the sample user holds it"
    );
    let twice = f.call(
        "PUT",
        &user_href,
        Some(&s),
        Some(json!({"name": "carol", "password": key, "old": key})),
    );
    assert_eq!(twice.status, 400);
}

#[test]
fn active_sessions_delete_documents_its_errors() {
    let f = Fixture::new();
    let s = f.login("admin", "secret");
    let missing = f.call("DELETE", paths::ACTIVE_SESSIONS, Some(&s), None);
    assert_eq!(
        (missing.status, error_type(&missing)),
        (400, "SessionIdMissing")
    );
    let mut request = f.request("DELETE", paths::ACTIVE_SESSIONS, Some(&s), None);
    request.query.insert("id".into(), json!("nope"));
    let unknown = f.engine.handle(request.clone());
    assert_eq!(
        (unknown.status, error_type(&unknown)),
        (404, "SessionCouldNotBeFound")
    );
    request
        .query
        .insert("id".into(), json!(SAMPLE_ACTIVE_SESSION));
    assert_eq!(f.engine.handle(request.clone()).status, 200);
    assert_eq!(
        f.engine.handle(request).status,
        404,
        "closed sessions are gone"
    );
}

#[test]
fn firmware_test_checks_its_slot() {
    let f = Fixture::new();
    let s = f.login("admin", "secret");
    let missing = f.call("POST", "/api/firmware/test", Some(&s), Some(json!({})));
    assert_eq!(
        (missing.status, error_type(&missing)),
        (400, "IncompleteRequestBodyError")
    );
    assert_eq!(
        missing
            .body
            .as_ref()
            .map(|b| &b["error"]["details"]["missing_paths"]),
        Some(&json!(["slot_id"]))
    );
    let empty = f.call(
        "POST",
        "/api/firmware/test",
        Some(&s),
        Some(json!({"slot_id": "2"})),
    );
    assert_eq!(
        (empty.status, error_type(&empty)),
        (404, "ResourceNotFound")
    );
    assert_eq!(
        empty.body.as_ref().map(|b| &b["error"]["details"]),
        Some(&json!({"mount_point": "/firmware/test", "resource": "2"}))
    );
    // Values outside `SlotId` name no slot: refused, not echoed into a 404.
    for bad in [json!(-1), json!(1.5), json!("-1"), json!("1a"), json!(true)] {
        let refused = f.call(
            "POST",
            "/api/firmware/test",
            Some(&s),
            Some(json!({ "slot_id": bad })),
        );
        assert_eq!(
            (refused.status, error_type(&refused)),
            (400, "InvalidRequestBody"),
            "slot_id {bad}"
        );
    }
    let ok = f.ok(
        200,
        "POST",
        "/api/firmware/test",
        &s,
        Some(json!({"slot_id": 1})),
    );
    assert_eq!(ok["key"], "1");
    assert_eq!(ok["meta"]["slot"], "/api/firmware/slots/1");
    assert_eq!(ok["body"]["test_summary"], "fine");
}

#[test]
fn non_transactional_writes_apply_directly() {
    let f = Fixture::new();
    let s = f.login("admin", "secret");
    f.ok(200, "DELETE", "/api/firmware/slots/3", &s, None);
    let gone = f.call("GET", "/api/firmware/slots/3", Some(&s), None);
    assert_eq!(gone.status, 404);
    assert!(!f.engine.committed().contains("/api/firmware/slots/3"));
    // The running firmware stays.
    let refused = f.call("DELETE", "/api/firmware/slots/1", Some(&s), None);
    assert_eq!(
        (refused.status, error_type(&refused)),
        (400, "SemanticError")
    );
    assert!(f.engine.committed().contains("/api/firmware/slots/1"));
}

#[test]
fn services_replay_their_documented_example() {
    let f = Fixture::new();
    let s = f.login("admin", "secret");
    let health = f.ok(200, "GET", "/api/health_status", &s, None);
    assert_eq!(health, json!({"health_status": {"load1": 0.1}}));
}

#[test]
fn commits_persist_and_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    let key = {
        let f = Fixture::with(|c| c.state_file = Some(path.clone()));
        let s = f.login("admin", "secret");
        f.ok(200, "POST", paths::TRANSACTION, &s, None);
        let created = f.ok(
            201,
            "POST",
            GROUPS,
            &s,
            Some(json!({"name": "kept", "members": []})),
        );
        assert!(!path.exists(), "nothing is written before commit");
        f.ok(
            200,
            "PUT",
            paths::TRANSACTION,
            &s,
            Some(json!({"status": "commit"})),
        );
        f.ok(200, "POST", paths::TRANSACTION, &s, None);
        f.ok(
            201,
            "POST",
            GROUPS,
            &s,
            Some(json!({"name": "lost", "members": []})),
        );
        created["key"].as_str().expect("key").to_owned()
    };
    let f = Fixture::with(|c| c.state_file = Some(path.clone()));
    let s = f.login("admin", "secret");
    assert_eq!(
        f.ok(200, "GET", &format!("{GROUPS}/{key}"), &s, None)["body"]["name"],
        "kept"
    );
    assert_eq!(
        keys(&f.ok(200, "GET", GROUPS, &s, None)).len(),
        2,
        "sample + kept, not lost"
    );
}

#[test]
fn a_corrupt_state_file_stops_startup_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state.json");
    std::fs::write(&path, "not json").expect("write");
    let (doc, ops) = test_spec();
    let mut config = config(Arc::new(ManualClock::default()));
    config.state_file = Some(path);
    let err = Engine::new(ops, &doc, config).expect_err("corrupt");
    assert!(err.to_string().contains("state.json"), "{err}");
}

#[test]
fn the_workspace_spec_seeds_readable_objects() {
    // Runs against the real spec/ while it is being written: every seeded object must be
    // readable through its own path, with links that point at existing siblings.
    let spec_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    if !spec_dir.join("openapi.yaml").exists() {
        return;
    }
    let spec = codegen::spec::load_dir(&spec_dir).expect("spec/ loads");
    let bundle = codegen::spec::bundle_yaml(&spec);
    let doc = crate::seed::parse_spec(&spec_dir, &bundle).expect("the bundle parses");
    let ops = operations(&spec);
    let engine = Engine::new(ops, &doc, config(Arc::new(ManualClock::default()))).expect("engine");
    let table = ResourceTable::new(ops);
    let committed = engine.committed();
    let mut request = RawRequest {
        operation: ops
            .iter()
            .find(|o| o.path == paths::AUTHENTICATION)
            .expect("login op"),
        href: paths::AUTHENTICATION.to_owned(),
        path_params: Vec::new(),
        query: Map::new(),
        body: None,
        upload: None,
        session_id: None,
        basic_auth: Some(("admin".into(), "secret".into())),
        client_certificate: None,
    };
    let login = engine.handle(request.clone());
    let cookie = &login.headers.first().expect("cookie").1;
    let session = cookie["session_id=".len()..][..40].to_owned();
    let mut seen = 0;
    for (href, body) in committed.objects() {
        let Some(op) = table.match_href(href).and_then(|n| n.operation("GET")) else {
            continue;
        };
        request.operation = op;
        request.href = href.to_owned();
        request.session_id = Some(session.clone());
        request.basic_auth = None;
        let response = engine.handle(request.clone());
        assert_eq!(response.status, 200, "{href}: {:?}", response.body);
        let answer = response.body.expect("body");
        assert_eq!(&answer["body"], body, "{href}");
        for link in ["first", "last", "next", "previous"] {
            if let Some(target) = answer["meta"].get(link).and_then(Value::as_str) {
                assert!(
                    table.match_href(target).is_some(),
                    "{href}: meta.{link} {target} is not a path of the spec"
                );
            }
        }
        seen += 1;
    }
    assert!(seen > 0, "the spec's examples seed at least one object");
}

#[test]
fn an_operation_documented_only_as_refused_answers_405_after_the_session_check() {
    let f = Fixture::new();
    let anonymous = f.call("GET", paths::PASSWORDS, None, None);
    assert_eq!(
        (anonymous.status, error_type(&anonymous)),
        (401, "Unauthenticated")
    );
    let session = f.login("admin", "secret");
    let refused = f.call("GET", paths::PASSWORDS, Some(&session), None);
    assert_eq!(
        (refused.status, error_type(&refused)),
        (405, "MethodNotAllowed")
    );
    // Creating a password on the same collection still works.
    f.ok(200, "POST", paths::TRANSACTION, &session, None);
    f.ok(
        201,
        "POST",
        paths::PASSWORDS,
        &session,
        Some(json!({"plain": "s3cret"})),
    );
}
