//! The fake appliance over real HTTP, through the generated router: login, cookie checks,
//! a transaction round trip, and the router's own answers.

use fake_sps::app::{serve, ServeConfig};
use fake_sps::session::User;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

/// One HTTP/1.1 exchange on a fresh connection; `head` holds extra header lines.
async fn send(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    head: &str,
    body: &str,
) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nUser-Agent: fake-sps-test\r\n{head}\r\n{body}"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8(raw).expect("utf-8 answer");
    let (head, body) = text.split_once("\r\n\r\n").expect("header end");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect::<Vec<_>>();
    // Bodies are small JSON documents; chunked framing is not used by the server for them.
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or(Value::String(body.to_owned()))
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn json_head(cookie: &str, body: &str) -> String {
    format!(
        "Cookie: session_id={cookie}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    )
}

#[tokio::test]
async fn login_cookie_and_a_transaction_over_http() {
    let user = User {
        name: "admin".into(),
        password: "s3cret".into(),
        groups: vec![],
    };
    let (server, _fake) = serve(ServeConfig::loopback(vec![user]))
        .await
        .expect("serve");
    let addr = server.addr();

    // Info answers without a session.
    let info = send(addr, "GET", "/api/info", "", "").await;
    assert_eq!(info.status, 200, "{:?}", info.body);
    assert_eq!(info.body["key"], "about_info");
    assert!(info.body["body"].get("version").is_none());

    // Everything else needs the cookie.
    let denied = send(addr, "GET", "/api/configuration", "", "").await;
    assert_eq!(
        (denied.status, denied.body["error"]["type"].as_str()),
        (401, Some("Unauthenticated"))
    );
    let bad = send(
        addr,
        "GET",
        "/api/authentication",
        "Authorization: Basic YWRtaW46bm9wZQ==\r\n",
        "",
    )
    .await;
    assert_eq!(
        (bad.status, bad.body["error"]["type"].as_str()),
        (401, Some("AuthenticationFailure"))
    );

    // admin:s3cret
    let login = send(
        addr,
        "GET",
        "/api/authentication",
        "Authorization: Basic YWRtaW46czNjcmV0\r\n",
        "",
    )
    .await;
    assert_eq!(login.status, 200, "{:?}", login.body);
    let cookie = login
        .headers
        .iter()
        .find(|(n, _)| n == "set-cookie")
        .and_then(|(_, v)| v.strip_prefix("session_id="))
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_owned();
    assert_eq!(cookie.len(), 40);
    let session = format!("Cookie: session_id={cookie}\r\n");

    let index = send(addr, "GET", "/api/configuration", &session, "").await;
    assert_eq!(index.status, 200, "{:?}", index.body);
    assert!(index.body["items"]
        .as_array()
        .is_some_and(|items| !items.is_empty()));

    // Opening needs a Content-Length, as on SPS.
    let no_length = send(addr, "POST", "/api/transaction", &session, "").await;
    assert_eq!(no_length.status, 411);
    let open = send(
        addr,
        "POST",
        "/api/transaction",
        &format!("{session}Content-Length: 0\r\n"),
        "",
    )
    .await;
    assert_eq!(
        (open.status, open.body["body"]["status"].as_str()),
        (200, Some("open"))
    );

    let group = r#"{"name": "ops", "members": []}"#;
    let created = send(
        addr,
        "POST",
        "/api/configuration/aaa/local_database/groups",
        &json_head(&cookie, group),
        group,
    )
    .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let href = created.body["meta"]["href"]
        .as_str()
        .expect("href")
        .to_owned();

    let commit = r#"{"status": "commit"}"#;
    let committed = send(
        addr,
        "PUT",
        "/api/transaction",
        &json_head(&cookie, commit),
        commit,
    )
    .await;
    assert_eq!(
        (committed.status, committed.body["body"]["status"].as_str()),
        (200, Some("closed"))
    );
    let read = send(addr, "GET", &href, &session, "").await;
    assert_eq!(
        (read.status, read.body["body"]["name"].as_str()),
        (200, Some("ops"))
    );

    // Closing a recorded session: the documented errors, after the session check.
    let unauthenticated = send(addr, "DELETE", "/api/active-sessions", "", "").await;
    assert_eq!(unauthenticated.status, 401);
    let no_id = send(addr, "DELETE", "/api/active-sessions", &session, "").await;
    assert_eq!(
        (no_id.status, no_id.body["error"]["type"].as_str()),
        (400, Some("SessionIdMissing"))
    );
    assert_eq!(no_id.body["error"]["details"], serde_json::json!({}));
    let unknown = send(addr, "DELETE", "/api/active-sessions?id=nope", &session, "").await;
    assert_eq!(
        (unknown.status, unknown.body["error"]["type"].as_str()),
        (404, Some("SessionCouldNotBeFound"))
    );
    let sample = "/api/active-sessions?id=svc%2FrpokH8fD9kx6CaxNLznKx2%2Ftest%3A12";
    let closed = send(addr, "DELETE", sample, &session, "").await;
    assert_eq!(closed.status, 200, "{:?}", closed.body);

    // Firmware test: a missing slot_id is IncompleteRequestBodyError, as documented; the
    // session check comes first.
    let anonymous = send(
        addr,
        "POST",
        "/api/firmware/test",
        "Content-Type: application/json\r\nContent-Length: 2\r\n",
        "{}",
    )
    .await;
    assert_eq!(anonymous.status, 401);
    let no_slot = send(
        addr,
        "POST",
        "/api/firmware/test",
        &json_head(&cookie, "{}"),
        "{}",
    )
    .await;
    assert_eq!(
        (no_slot.status, no_slot.body["error"]["type"].as_str()),
        (400, Some("IncompleteRequestBodyError"))
    );
    let slot = r#"{"slot_id": 1}"#;
    let tested = send(
        addr,
        "POST",
        "/api/firmware/test",
        &json_head(&cookie, slot),
        slot,
    )
    .await;
    assert_eq!(
        (tested.status, tested.body["key"].as_str()),
        (200, Some("1")),
        "{:?}",
        tested.body
    );

    // Malformed input is answered by the generated router with the API's error body.
    let broken = send(
        addr,
        "POST",
        "/api/configuration/aaa/local_database/groups",
        &json_head(&cookie, "{"),
        "{",
    )
    .await;
    assert_eq!(
        (broken.status, broken.body["error"]["type"].as_str()),
        (400, Some("InvalidRequestBody"))
    );
    let missing = send(addr, "GET", "/api/no/such/path", &session, "").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["meta"]["parent"], "/api/no/such");
    // `/` is the top of every tree: its parent is null, in the router's errors as in the
    // engine's `meta` (one rule, the runtime's `parent_href`).
    let root = send(addr, "GET", "/", &session, "").await;
    assert_eq!(root.status, 404);
    assert_eq!(
        root.body["meta"],
        serde_json::json!({"href": "/", "parent": null})
    );

    server.shutdown().await;
}
