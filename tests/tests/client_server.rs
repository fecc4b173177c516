//! The generated client against the generated server, over real HTTP on 127.0.0.1.
//!
//! A small in-test implementation of the typed `Api` (login, a singleton, a list, an item, the
//! transaction) and of `RawApi` (echoing what it was handed) stands in for the appliance; every
//! other operation answers the default 501.

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use sps_client::types::{self, ErrorType};
use sps_client::{Client, Error};
use sps_server::{
    Api, AuthenticateRequest, AuthenticateResponse, CommitTransactionRequest,
    CommitTransactionResponse, GetLocalUserRequest, GetLocalUserResponse, GetSystemBackupRequest,
    GetSystemBackupResponse, GetTransactionRequest, GetTransactionResponse, ListLocalUsersRequest,
    ListLocalUsersResponse, OpenTransactionRequest, OpenTransactionResponse, RawApi, RawRequest,
    RawResponse, ReplaceSystemBackupRequest, ReplaceSystemBackupResponse,
    RollbackTransactionRequest, RollbackTransactionResponse,
};

const SESSION: &str = "a1f71d030e657634730b9e887cb59a5e56162860";
const BACKUP_PATH: &str = "/api/configuration/management/system_backup";

/// Serves `router` on an ephemeral port; returns the base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    format!("http://{addr}")
}

/// Decodes a JSON value into a generated type (the test builds replies as JSON, so it does not
/// depend on how many optional fields a type has).
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("value matches the generated type")
}

fn error_response(kind: &str, href: &str) -> types::ErrorResponse {
    typed(json!({
        "error": {"type": kind, "message": format!("{kind} (test server)"), "details": {}},
        "meta": {"href": href, "parent": "/api"},
    }))
}

fn transaction_object(status: &str) -> types::TransactionObject {
    typed(json!({
        "key": "transaction",
        "body": {"status": status, "commit_message": "optional"},
        "meta": {"href": "/api/transaction", "parent": "/api"},
    }))
}

#[derive(Default)]
struct State {
    /// The stored system backup body, as JSON (what the server received last).
    backup: Value,
    transaction_open: bool,
    /// Commit messages, one per commit.
    commits: Vec<Option<String>>,
    rollbacks: usize,
}

/// The in-test appliance.
struct Fake {
    state: Mutex<State>,
}

impl Fake {
    fn new() -> Arc<Self> {
        Arc::new(Fake {
            state: Mutex::new(State {
                // `future_field` is unknown to the spec: it must survive GET -> PUT.
                backup: json!({"backup_policy": "7b3c1", "future_field": {"kept": [1, 2]}}),
                ..State::default()
            }),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("state lock")
    }
}

impl Api for Fake {
    async fn authenticate(&self, request: AuthenticateRequest) -> AuthenticateResponse {
        let admin = request
            .credentials
            .as_ref()
            .is_some_and(|c| c.username == "admin" && c.password == "secret");
        if admin {
            AuthenticateResponse::Ok {
                body: typed(json!({"meta": {"href": "/api/authentication", "parent": "/api"}})),
                set_cookie: format!("session_id={SESSION}; Path=/; HttpOnly"),
            }
        } else {
            AuthenticateResponse::AuthenticationFailure(error_response(
                "AuthenticationFailure",
                &request.href,
            ))
        }
    }

    async fn get_system_backup(&self, request: GetSystemBackupRequest) -> GetSystemBackupResponse {
        if request.session_id != SESSION {
            return GetSystemBackupResponse::Unauthenticated(error_response(
                "Unauthenticated",
                &request.href,
            ));
        }
        let body = self.state().backup.clone();
        GetSystemBackupResponse::Ok(typed(json!({
            "key": "system_backup",
            "body": body,
            "meta": {"href": request.href, "parent": "/api/configuration/management"},
        })))
    }

    async fn replace_system_backup(
        &self,
        request: ReplaceSystemBackupRequest,
    ) -> ReplaceSystemBackupResponse {
        let mut state = self.state();
        if !state.transaction_open {
            return ReplaceSystemBackupResponse::NoTransaction(error_response(
                "NoTransaction",
                &request.href,
            ));
        }
        state.backup = serde_json::to_value(&request.body).expect("body serialises");
        ReplaceSystemBackupResponse::Ok(typed(json!({
            "key": "system_backup",
            "meta": {"href": request.href, "parent": "/api/configuration/management"},
        })))
    }

    async fn list_local_users(&self, request: ListLocalUsersRequest) -> ListLocalUsersResponse {
        let items: Vec<Value> = ["admin", "alice", "bob"]
            .iter()
            .map(|name| {
                json!({"key": format!("key-{name}"), "meta": {"href": format!("{}/key-{name}", request.href)}})
            })
            .collect();
        ListLocalUsersResponse::Ok(typed(json!({
            "items": items,
            "meta": {"href": request.href, "parent": "/api/configuration/aaa/local_database"},
        })))
    }

    async fn get_local_user(&self, request: GetLocalUserRequest) -> GetLocalUserResponse {
        if request.key != "key-alice" {
            return GetLocalUserResponse::NotFound(error_response("NotFound", &request.href));
        }
        GetLocalUserResponse::Ok(typed(json!({
            "key": request.key,
            "body": {"name": "alice"},
            "meta": {"href": request.href},
        })))
    }

    async fn get_transaction(&self, _request: GetTransactionRequest) -> GetTransactionResponse {
        let open = self.state().transaction_open;
        GetTransactionResponse::Ok(transaction_object(if open { "open" } else { "closed" }))
    }

    async fn open_transaction(&self, _request: OpenTransactionRequest) -> OpenTransactionResponse {
        self.state().transaction_open = true;
        OpenTransactionResponse::Ok(transaction_object("open"))
    }

    async fn commit_transaction(
        &self,
        request: CommitTransactionRequest,
    ) -> CommitTransactionResponse {
        let mut state = self.state();
        if !state.transaction_open {
            return CommitTransactionResponse::NoTransaction(error_response(
                "NoTransaction",
                &request.href,
            ));
        }
        let body = serde_json::to_value(&request.body).expect("body serialises");
        assert_eq!(body["status"], "commit", "commit body: {body}");
        let message = body
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned);
        state.commits.push(message);
        state.transaction_open = false;
        CommitTransactionResponse::Ok(transaction_object("closed"))
    }

    async fn rollback_transaction(
        &self,
        request: RollbackTransactionRequest,
    ) -> RollbackTransactionResponse {
        let mut state = self.state();
        if !state.transaction_open {
            return RollbackTransactionResponse::NoTransaction(error_response(
                "NoTransaction",
                &request.href,
            ));
        }
        state.rollbacks += 1;
        state.transaction_open = false;
        RollbackTransactionResponse::Ok(transaction_object("closed"))
    }
}

async fn typed_server() -> (Arc<Fake>, String) {
    let fake = Fake::new();
    let base = serve(sps_server::router(Arc::clone(&fake))).await;
    (fake, base)
}

async fn logged_in(base: &str) -> Client {
    let client = Client::new(base).expect("client");
    client.login("admin", "secret").await.expect("login");
    client
}

/// The `error.type` of an API error, or a description of what else the error was.
fn error_type<T: std::fmt::Debug>(
    result: Result<T, Error<types::ErrorResponse>>,
) -> (u16, ErrorType) {
    match result {
        Err(Error::Api { status, body }) => (status, body.error.r#type),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn login_keeps_the_session_cookie_and_it_can_be_reused() {
    let (_fake, base) = typed_server().await;
    let client = Client::new(&base).expect("client");
    assert_eq!(client.session_id(), None);
    client.login("admin", "secret").await.expect("login");
    assert_eq!(client.session_id().as_deref(), Some(SESSION));

    let backup = client
        .get_system_backup()
        .await
        .expect("read with the session");
    assert_eq!(backup.key, "system_backup");

    // A second client reuses the saved session without logging in.
    let reused = Client::builder(&base)
        .session_id(client.session_id().expect("session"))
        .build()
        .expect("client");
    reused
        .get_system_backup()
        .await
        .expect("read with the reused session");

    // A wrong session reaches the handler, which answers with its own 401 variant.
    reused.set_session_id(Some("0000".to_owned()));
    assert_eq!(
        error_type(reused.get_system_backup().await),
        (401, ErrorType::Unauthenticated)
    );
}

#[tokio::test]
async fn wrong_password_and_missing_session_decode_their_error_types() {
    let (_fake, base) = typed_server().await;
    let client = Client::new(&base).expect("client");
    assert_eq!(
        error_type(client.login("admin", "wrong").await),
        (401, ErrorType::AuthenticationFailure)
    );
    assert_eq!(client.session_id(), None);
    // No cookie at all: the router answers before the handler runs.
    assert_eq!(
        error_type(client.get_system_backup().await),
        (401, ErrorType::Unauthenticated)
    );
}

#[tokio::test]
async fn not_found_is_decoded_and_lists_and_items_work() {
    let (_fake, base) = typed_server().await;
    let client = logged_in(&base).await;
    let users = client.list_local_users().await.expect("list");
    let keys: Vec<&str> = users.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(keys, ["key-admin", "key-alice", "key-bob"]);

    let alice = client.get_local_user("key-alice").await.expect("get");
    assert_eq!(alice.body.name, "alice");

    let missing = client.get_local_user("no such/user").await;
    match missing {
        Err(Error::Api { status, body }) => {
            assert_eq!(status, 404);
            assert_eq!(body.error.r#type, ErrorType::NotFound);
            // The key was percent-encoded into one path segment and decoded by the server.
            let href = body.meta.as_ref().map(|m| m.href.as_str());
            assert_eq!(
                href,
                Some("/api/configuration/aaa/local_database/users/no%20such%2Fuser")
            );
        }
        other => panic!("expected 404, got {other:?}"),
    }

    // Meta links can be followed generically.
    let href = users.items[1].meta.href.clone();
    let followed: types::LocalUserObject = client.follow(&href).await.expect("follow");
    assert_eq!(followed.key, "key-alice");
}

#[tokio::test]
async fn unknown_fields_survive_get_then_put() {
    let (fake, base) = typed_server().await;
    let client = logged_in(&base).await;
    let backup = client.get_system_backup().await.expect("get");
    assert_eq!(
        backup.body.extra.get("future_field"),
        Some(&json!({"kept": [1, 2]}))
    );
    client.transaction().open().await.expect("open");
    client
        .replace_system_backup(&backup.body)
        .await
        .expect("put back");
    let stored = fake.state().backup.clone();
    assert_eq!(
        stored,
        json!({"backup_policy": "7b3c1", "future_field": {"kept": [1, 2]}})
    );
}

#[tokio::test]
async fn writes_without_a_transaction_get_no_transaction() {
    let (_fake, base) = typed_server().await;
    let client = logged_in(&base).await;
    let backup = client.get_system_backup().await.expect("get");
    assert_eq!(
        error_type(client.replace_system_backup(&backup.body).await),
        (409, ErrorType::NoTransaction)
    );
}

#[tokio::test]
async fn in_transaction_commits_on_ok_and_rolls_back_on_err() {
    let (fake, base) = typed_server().await;
    let client = logged_in(&base).await;
    let mut body = client.get_system_backup().await.expect("get").body;
    body.extra.insert("changed".to_owned(), json!(true));

    let written = body.clone();
    let value = client
        .in_transaction(Some("turn it on"), |tx| async move {
            tx.replace_system_backup(&written).await?;
            Ok::<_, Error<types::ErrorResponse>>(42)
        })
        .await
        .expect("transaction commits");
    assert_eq!(value, 42);
    {
        let state = fake.state();
        assert_eq!(state.commits, vec![Some("turn it on".to_owned())]);
        assert_eq!(state.rollbacks, 0);
        assert!(!state.transaction_open);
        assert_eq!(state.backup["changed"], json!(true));
    }

    let failed = client
        .in_transaction(None, |tx| async move {
            tx.transaction().status().await?;
            Err::<(), _>(Error::<types::ErrorResponse>::InvalidRequest(
                "changed my mind".to_owned(),
            ))
        })
        .await;
    assert!(
        matches!(&failed, Err(Error::InvalidRequest(m)) if m == "changed my mind"),
        "{failed:?}"
    );
    let state = fake.state();
    assert_eq!(state.commits.len(), 1, "no second commit");
    assert_eq!(state.rollbacks, 1);
    assert!(!state.transaction_open);
}

#[tokio::test]
async fn unimplemented_operations_answer_501_in_the_api_error_format() {
    let (_fake, base) = typed_server().await;
    let client = logged_in(&base).await;
    match client.get_info().await {
        Err(Error::Api { status, body }) => {
            assert_eq!(status, 501);
            assert_eq!(
                body.error.r#type,
                ErrorType::Unknown("NotImplemented".to_owned())
            );
        }
        other => panic!("expected 501, got {other:?}"),
    }
}

#[tokio::test]
async fn non_json_replies_are_reported_with_status_and_excerpt() {
    use axum::http::{header, StatusCode};
    let text = axum::Router::new()
        .route(
            "/api/info",
            axum::routing::get(|| async { "plain text, not JSON" }),
        )
        .route(
            BACKUP_PATH,
            axum::routing::get(|| async {
                (
                    StatusCode::BAD_GATEWAY,
                    [(header::CONTENT_TYPE, "text/html")],
                    format!("<html>{}</html>", "x".repeat(2000)),
                )
            }),
        );
    let base = serve(text).await;
    let client = Client::new(&base).expect("client");

    let ok_status = client.get_info().await;
    match &ok_status {
        Err(Error::UnexpectedResponse {
            status,
            content_type,
            body_excerpt,
            ..
        }) => {
            assert_eq!(*status, 200);
            assert!(content_type
                .as_deref()
                .unwrap_or("")
                .starts_with("text/plain"));
            assert_eq!(body_excerpt, "plain text, not JSON");
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
    let shown = ok_status.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        shown.contains("200") && shown.contains("plain text, not JSON"),
        "{shown}"
    );

    match client.get_system_backup().await {
        Err(Error::UnexpectedResponse {
            status,
            body_excerpt,
            ..
        }) => {
            assert_eq!(status, 502);
            assert!(body_excerpt.starts_with("<html>xxx"));
            assert!(body_excerpt.chars().count() <= 515, "excerpt is capped");
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
}

/// Sends a raw request and returns the status and JSON body.
async fn raw(
    method: reqwest::Method,
    url: String,
    cookie: bool,
    body: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, url);
    if cookie {
        request = request.header("cookie", format!("session_id={SESSION}"));
    }
    if let Some((content_type, body)) = body {
        request = request
            .header("content-type", content_type)
            .body(body.to_owned());
    }
    let response = request.send().await.expect("send");
    let status = response.status().as_u16();
    let body = response.json::<Value>().await.expect("JSON error body");
    (status, body)
}

fn assert_error_body(body: &Value, kind: &str, href: &str) {
    assert_eq!(body["error"]["type"], kind, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert_eq!(body["meta"]["href"], href, "{body}");
    assert!(body["meta"]["parent"].is_string(), "{body}");
}

#[tokio::test]
async fn malformed_requests_get_the_api_error_body() {
    use reqwest::Method;
    let (fake, base) = typed_server().await;
    fake.state().transaction_open = true;
    let url = format!("{base}{BACKUP_PATH}");

    let (status, body) = raw(
        Method::PUT,
        url.clone(),
        true,
        Some(("application/json", "{\"backup_policy\": ")),
    )
    .await;
    assert_eq!(status, 400);
    assert_error_body(&body, "InvalidRequestBody", BACKUP_PATH);

    let (status, body) = raw(
        Method::PUT,
        url.clone(),
        true,
        Some(("application/json", "{\"backup_policy\": 5}")),
    )
    .await;
    assert_eq!(status, 400);
    assert_error_body(&body, "InvalidRequestBody", BACKUP_PATH);
    assert_eq!(body["error"]["details"]["path"], "backup_policy", "{body}");

    let (status, body) = raw(Method::PUT, url.clone(), true, Some(("text/plain", "{}"))).await;
    assert_eq!(status, 400);
    assert_error_body(&body, "InvalidRequestBody", BACKUP_PATH);

    let (status, body) = raw(Method::PUT, url.clone(), true, None).await;
    assert_eq!(status, 400);
    assert_error_body(&body, "InvalidRequestBody", BACKUP_PATH);

    let (status, body) = raw(Method::GET, url.clone(), false, None).await;
    assert_eq!(status, 401);
    assert_error_body(&body, "Unauthenticated", BACKUP_PATH);

    // A required query parameter is missing.
    let (status, body) = raw(
        Method::DELETE,
        format!("{base}/api/active-sessions"),
        true,
        None,
    )
    .await;
    assert_eq!(status, 400);
    assert_error_body(&body, "InvalidQuery", "/api/active-sessions");

    let (status, body) = raw(
        Method::GET,
        format!("{base}/api/authentication"),
        false,
        None,
    )
    .await;
    assert_eq!(status, 401);
    assert_error_body(&body, "AuthenticationFailure", "/api/authentication");

    let (status, body) = raw(Method::GET, format!("{base}/api/no/such/thing"), true, None).await;
    assert_eq!(status, 404);
    assert_error_body(&body, "NotFound", "/api/no/such/thing");
    assert_eq!(body["meta"]["parent"], "/api/no/such");

    let (status, body) = raw(Method::PATCH, url.clone(), true, None).await;
    assert_eq!(status, 405);
    assert_error_body(&body, "MethodNotAllowed", BACKUP_PATH);

    // None of these reached the handler.
    assert_eq!(
        fake.state().backup,
        json!({"backup_policy": "7b3c1", "future_field": {"kept": [1, 2]}})
    );
}

/// A `RawApi` that records what it is handed and answers from it.
#[derive(Default)]
struct Echo {
    seen: Mutex<Vec<RawRequest>>,
}

impl RawApi for Echo {
    async fn handle(&self, request: RawRequest) -> RawResponse {
        self.seen.lock().expect("lock").push(request.clone());
        match request.operation.operation_id {
            "authenticate" => match &request.basic_auth {
                Some((user, password)) if user == "admin" && password == "secret" => {
                    RawResponse::json(200, json!({"meta": {"href": request.href}}))
                        .with_header("set-cookie", format!("session_id={SESSION}; Path=/"))
                }
                _ => RawResponse::error(401, "AuthenticationFailure", "no", &request.href),
            },
            "get_local_user" => RawResponse::json(
                200,
                json!({
                    "key": request.path_param("key"),
                    "body": {"name": request.operation.path},
                    "meta": {"href": request.href},
                }),
            ),
            _ => RawResponse::error(501, "NotImplemented", "not here", &request.href),
        }
    }
}

#[tokio::test]
async fn raw_router_hands_over_validated_requests() {
    let echo = Arc::new(Echo::default());
    let base = serve(sps_server::raw_router(Arc::clone(&echo))).await;
    let client = Client::new(&base).expect("client");
    client
        .login("admin", "secret")
        .await
        .expect("login via RawApi");
    assert_eq!(client.session_id().as_deref(), Some(SESSION));

    let user = client.get_local_user("a b/c?d#e").await.expect("get");
    assert_eq!(user.key, "a b/c?d#e", "percent-decoded path parameter");
    assert_eq!(
        user.body.name,
        "/api/configuration/aaa/local_database/users/{key}"
    );

    // Malformed input is answered by the runtime and never reaches the handler.
    let (status, body) = raw(
        reqwest::Method::PUT,
        format!("{base}{BACKUP_PATH}"),
        true,
        Some(("application/json", "not json")),
    )
    .await;
    assert_eq!(status, 400);
    assert_error_body(&body, "InvalidRequestBody", BACKUP_PATH);

    let commit = client.transaction().commit(Some("msg")).await;
    assert_eq!(commit.err().and_then(|e| e.status()), Some(501));

    let seen = echo.seen.lock().expect("lock");
    let ids: Vec<&str> = seen.iter().map(|r| r.operation.operation_id).collect();
    assert_eq!(
        ids,
        ["authenticate", "get_local_user", "commit_transaction"]
    );
    let login = &seen[0];
    assert_eq!(login.operation.method, "GET");
    assert!(!login.operation.session_required);
    let get = &seen[1];
    assert_eq!(
        get.path_params,
        vec![("key".to_owned(), "a b/c?d#e".to_owned())]
    );
    assert_eq!(get.session_id.as_deref(), Some(SESSION));
    assert!(get.basic_auth.is_none());
    assert!(get.operation.session_required);
    assert_eq!(get.operation.resource, Some("item"));
    let commit = &seen[2];
    assert!(commit.operation.statuses.contains(&200));
    assert_eq!(
        commit.body,
        Some(json!({"status": "commit", "message": "msg"}))
    );
}

#[test]
fn operations_table_matches_the_spec_order_and_is_complete() {
    let ops = sps_server::OPERATIONS;
    assert!(ops.iter().any(|o| o.operation_id == "authenticate"));
    for op in ops {
        assert!(op.path.starts_with("/api"), "{}", op.path);
        assert!(
            op.statuses.windows(2).all(|w| w[0] < w[1]),
            "{} statuses ascending",
            op.operation_id
        );
        assert!(!op.statuses.is_empty(), "{}", op.operation_id);
    }
    let mut ids: Vec<&str> = ops.iter().map(|o| o.operation_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), ops.len(), "operation ids are unique");
}

#[tokio::test]
async fn requests_carry_content_length_user_agent_and_cookie() {
    use axum::http::{header, HeaderMap, StatusCode};
    // Answers like the appliance only when the headers it insists on are there.
    let strict = axum::Router::new().route(
        "/api/transaction",
        axum::routing::post(|headers: HeaderMap| async move {
            let header = |name: &str| {
                headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .to_owned()
            };
            if header("content-length") != "0" {
                return (
                    StatusCode::LENGTH_REQUIRED,
                    [(header::CONTENT_TYPE, "text/plain")],
                    String::new(),
                );
            }
            let body = json!({
                "key": "transaction",
                "body": {"status": "open"},
                "meta": {"href": "/api/transaction"},
                "seen": {
                    "user_agent": header("user-agent"),
                    "cookie": header("cookie"),
                    "accept": header("accept"),
                },
            });
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
        }),
    );
    let base = serve(strict).await;
    let client = Client::builder(&base)
        .session_id("abc")
        .build()
        .expect("client");
    let opened = client
        .transaction()
        .open()
        .await
        .expect("open with Content-Length: 0")
        .expect("the test server answers with a body");
    let seen = &opened.extra["seen"];
    let user_agent = seen["user_agent"].as_str().unwrap_or("");
    assert!(user_agent.starts_with("sps-client/"), "{user_agent}");
    assert_eq!(seen["cookie"], "session_id=abc");
    assert_eq!(seen["accept"], "application/json");
}

#[tokio::test]
async fn undocumented_replies_may_be_empty_and_every_documented_status_decodes() {
    use axum::http::{header, StatusCode};
    use axum::routing::{delete, get, put};
    // An appliance that answers the undocumented replies in the ways the documentation leaves
    // open: 201 for a replace (the status tables), no body at all, or the usual JSON.
    let json = |body: Value| {
        (
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
    };
    let appliance = axum::Router::new()
        .route(
            BACKUP_PATH,
            put(|| async { (StatusCode::CREATED, String::new()) })
                .get(|| async { (StatusCode::OK, String::new()) }),
        )
        .route(
            "/api/configuration/aaa/local_database/users/{key}",
            put(move || async move {
                (
                    StatusCode::CREATED,
                    json(json!({"key": "u1", "meta": {"href": "/api/configuration/aaa/local_database/users/u1"}})),
                )
            }),
        )
        .route(
            "/api/active-sessions",
            delete(move || async move { (StatusCode::OK, json(json!({"meta": {"href": "/api/active-sessions"}}))) }),
        )
        .route("/api/transaction", get(|| async { StatusCode::OK }).post(|| async { StatusCode::NO_CONTENT }));
    let base = serve(appliance).await;
    let client = Client::builder(&base)
        .session_id(SESSION)
        .build()
        .expect("client");

    let backup = types::SystemBackup {
        backup_policy: Some("b1".into()),
        extra: Default::default(),
    };
    assert_eq!(client.replace_system_backup(&backup).await.ok(), Some(None));
    let user = types::LocalUser {
        name: "u1".into(),
        password: None,
        password_created: None,
        extra: Default::default(),
    };
    let replaced = client
        .replace_local_user("u1", &user)
        .await
        .expect("201 with a body")
        .expect("the body is there");
    assert_eq!(replaced.key.as_deref(), Some("u1"));
    let closed = client
        .terminate_active_session("s1")
        .await
        .expect("200 with meta");
    assert_eq!(
        closed.and_then(|c| c.meta).map(|m| m.href).as_deref(),
        Some("/api/active-sessions")
    );
    assert!(matches!(client.transaction().open().await, Ok(None)));

    // A documented reply still has to be there: an empty answer is reported, not invented.
    match client.get_system_backup().await {
        Err(Error::UnexpectedResponse { status, reason, .. }) => {
            assert_eq!(status, 200);
            assert!(reason.contains("empty body"), "{reason}");
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
}
