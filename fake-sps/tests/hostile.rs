//! Hostile input, tried from outside over TCP: oversized and deeply nested bodies, invalid
//! UTF-8, huge headers and paths, idle connections and login floods. Each attack must be
//! answered (or the connection closed) without a crash, the fake must go on serving, and the
//! process's memory (RSS from `/proc`) must not grow without bound.
//!
//! The tests share one process, so they take turns: memory is measured around one attack at a
//! time.

mod common;

use common::rss_bytes;
use std::net::SocketAddr;
use std::time::Duration;

use fake_sps::app::{serve, FakeSps, ServeConfig};
use fake_sps::server::{ConnectionLimits, ServerHandle};
use fake_sps::session::User;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One attack at a time (memory is per process).
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// More growth than this for one attack means the fake keeps what it should have refused.
const MAX_GROWTH_BYTES: u64 = 64 * 1024 * 1024;

const GROUPS: &str = "/api/configuration/aaa/local_database/groups";
/// `admin:s3cret` in basic-auth form.
const BASIC: &str = "Authorization: Basic YWRtaW46czNjcmV0\r\n";

async fn start(config: impl FnOnce(&mut ServeConfig)) -> (ServerHandle, Arc<FakeSps>) {
    let mut c = ServeConfig::loopback(vec![User {
        name: "admin".into(),
        password: "s3cret".into(),
        groups: vec![],
    }]);
    config(&mut c);
    serve(c).await.expect("the fake starts")
}

/// Writes `request` (ignoring a write cut short by the server closing) and reads until the
/// server closes or 10 s pass; returns the status, or `None` when the connection was closed
/// without an answer.
async fn exchange(addr: SocketAddr, request: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            }
            // The head is enough; bodies of error replies are small anyway.
            if answer.len() > 64 * 1024 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(10), read).await;
    let text = String::from_utf8_lossy(&answer);
    text.strip_prefix("HTTP/1.1 ")?
        .get(..3)
        .and_then(|s| s.parse().ok())
}

fn request(method: &str, path: &str, head: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{head}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Logs in over raw HTTP; the session cookie header line.
async fn login(addr: SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let raw = format!(
        "GET /api/authentication HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{BASIC}\r\n"
    );
    stream.write_all(raw.as_bytes()).await.expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    let id = answer
        .split("session_id=")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .expect("a session cookie");
    format!("Cookie: session_id={id}\r\n")
}

/// The fake still answers an ordinary request.
async fn still_serving(addr: SocketAddr) {
    let status = exchange(addr, &request("GET", "/api/info", "", b"")).await;
    assert_eq!(status, Some(200), "the fake stopped serving");
}

/// Runs `attack` and checks that memory did not grow past the bound and the fake still serves.
async fn bounded<F: std::future::Future<Output = ()>>(addr: SocketAddr, attack: F) {
    let before = rss_bytes();
    attack.await;
    let grown = rss_bytes().saturating_sub(before);
    assert!(
        grown < MAX_GROWTH_BYTES,
        "memory grew by {} MiB",
        grown / (1024 * 1024)
    );
    still_serving(addr).await;
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let _turn = TURN.lock().await;
    let (server, _) = start(|_| {}).await;
    let addr = server.addr();
    let cookie = login(addr).await;
    bounded(addr, async {
        // 64 MiB announced and sent, four times the limit.
        let body = vec![b' '; 64 * 1024 * 1024];
        let head = format!("{cookie}Content-Type: application/json\r\n");
        let status = exchange(addr, &request("POST", GROUPS, &head, &body)).await;
        assert!(
            matches!(status, None | Some(400 | 413)),
            "answered {status:?}"
        );
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_deeply_nested_body_is_refused() {
    let _turn = TURN.lock().await;
    let (server, _) = start(|_| {}).await;
    let addr = server.addr();
    let cookie = login(addr).await;
    bounded(addr, async {
        let mut body = vec![b'['; 1_000_000];
        body.extend(vec![b']'; 1_000_000]);
        let head = format!("{cookie}Content-Type: application/json\r\n");
        let status = exchange(addr, &request("POST", GROUPS, &head, &body)).await;
        assert_eq!(status, Some(400));
        let mut objects = b"{\"name\":".repeat(200_000);
        objects.extend(b"1".iter().chain(&b"}".repeat(200_000)));
        let status = exchange(addr, &request("POST", GROUPS, &head, &objects)).await;
        assert_eq!(status, Some(400));
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn invalid_utf8_is_refused_wherever_it_is() {
    let _turn = TURN.lock().await;
    let (server, _) = start(|_| {}).await;
    let addr = server.addr();
    let cookie = login(addr).await;
    bounded(addr, async {
        let head = format!("{cookie}Content-Type: application/json\r\n");
        let body = b"{\"name\": \"\xff\xfe\xc3\x28\", \"members\": []}";
        let status = exchange(addr, &request("POST", GROUPS, &head, body)).await;
        assert_eq!(status, Some(400), "in the body");
        let status = exchange(
            addr,
            &request("GET", "/api/configuration/%FF%FE", &cookie, b""),
        )
        .await;
        assert!(matches!(status, Some(400 | 404)), "in the path: {status:?}");
        let raw_path =
            [b"GET /api/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".as_slice()]
                .concat();
        let status = exchange(addr, &raw_path).await;
        assert!(
            matches!(status, None | Some(400 | 404)),
            "raw in the path: {status:?}"
        );
        let mut header =
            b"GET /api/info HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Junk: \xff\xfe\r\n"
                .to_vec();
        header.extend(b"Cookie: session_id=\xff\xfe\r\n\r\n");
        let status = exchange(addr, &header).await;
        assert!(
            matches!(status, None | Some(200 | 400 | 401)),
            "in headers: {status:?}"
        );
        let status = exchange(
            addr,
            &request(
                "GET",
                "/api/authentication",
                "Authorization: Basic //79/Q==\r\n",
                b"",
            ),
        )
        .await;
        assert!(
            matches!(status, Some(400 | 401)),
            "in credentials: {status:?}"
        );
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn huge_headers_and_paths_are_refused() {
    let _turn = TURN.lock().await;
    let (server, _) = start(|_| {}).await;
    let addr = server.addr();
    bounded(addr, async {
        let big = "a".repeat(1024 * 1024);
        let status = exchange(
            addr,
            &request("GET", "/api/info", &format!("X-Big: {big}\r\n"), b""),
        )
        .await;
        assert!(
            matches!(status, None | Some(431 | 400)),
            "one huge header: {status:?}"
        );
        let many: String = (0..10_000).map(|i| format!("X-H{i}: v\r\n")).collect();
        let status = exchange(addr, &request("GET", "/api/info", &many, b"")).await;
        assert!(
            matches!(status, None | Some(431 | 400)),
            "many headers: {status:?}"
        );
        let path = format!("/api/{}", "x/".repeat(512 * 1024));
        let status = exchange(addr, &request("GET", &path, "", b"")).await;
        assert!(
            matches!(status, None | Some(400 | 404 | 414 | 431)),
            "huge path: {status:?}"
        );
        let query = format!("/api/info?{}", "q=1&".repeat(200_000));
        let status = exchange(addr, &request("GET", &query, "", b"")).await;
        assert!(
            matches!(status, None | Some(200 | 400 | 414 | 431)),
            "huge query: {status:?}"
        );
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn idle_connections_are_closed_and_do_not_block_others() {
    let _turn = TURN.lock().await;
    let (server, _) = start(|c| {
        c.limits = ConnectionLimits {
            header_read_timeout: Duration::from_secs(1),
        }
    })
    .await;
    let addr = server.addr();
    bounded(addr, async {
        let mut idle = Vec::new();
        for _ in 0..300 {
            idle.push(TcpStream::connect(addr).await.expect("connect"));
        }
        // Half of them start a request and stall in the middle of its head.
        for stream in idle.iter_mut().step_by(2) {
            stream
                .write_all(b"GET /api/info HTTP/1.1\r\nHost: x\r\n")
                .await
                .expect("write");
        }
        still_serving(addr).await;
        // The server hangs up on every one of them once the header timeout passes.
        for mut stream in idle {
            let mut buf = [0u8; 1024];
            let closed = tokio::time::timeout(Duration::from_secs(20), async {
                loop {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
            })
            .await;
            assert!(closed.is_ok(), "an idle connection stayed open");
        }
    })
    .await;
    server.shutdown().await;
}

#[tokio::test]
async fn a_login_flood_keeps_the_session_table_bounded() {
    let _turn = TURN.lock().await;
    let (server, fake) = start(|c| c.engine.max_sessions = 50).await;
    let addr = server.addr();
    let keeper = login(addr).await;
    bounded(addr, async {
        // Keep-alive connections, like a script hammering the login.
        let mut tasks = Vec::new();
        for _ in 0..8 {
            tasks.push(tokio::spawn(async move {
                let mut stream = TcpStream::connect(addr).await.expect("connect");
                let one = format!("GET /api/authentication HTTP/1.1\r\nHost: x\r\n{BASIC}\r\n");
                let wrong = "GET /api/authentication HTTP/1.1\r\nHost: x\r\nAuthorization: Basic YWRtaW46bm9wZQ==\r\n\r\n";
                let mut buf = vec![0u8; 4096];
                for i in 0..250 {
                    let raw = if i % 5 == 0 { wrong } else { one.as_str() };
                    stream.write_all(raw.as_bytes()).await.expect("write");
                    // One small reply per request; read until its body's closing brace.
                    let mut got = Vec::new();
                    while !got.ends_with(b"}") {
                        let n = stream.read(&mut buf).await.expect("read");
                        assert!(n > 0, "closed mid-flood");
                        got.extend_from_slice(&buf[..n]);
                    }
                }
            }));
        }
        for task in tasks {
            task.await.expect("flood task");
        }
    })
    .await;
    assert!(
        fake.engine().session_count() <= 50,
        "{}",
        fake.engine().session_count()
    );
    // The flood ended older sessions (the keeper's among them); logging in still works.
    let status = exchange(addr, &request("GET", GROUPS, &keeper, b"")).await;
    assert_eq!(status, Some(401));
    let fresh = login(addr).await;
    assert_eq!(
        exchange(addr, &request("GET", GROUPS, &fresh, b"")).await,
        Some(200)
    );
    server.shutdown().await;
}
