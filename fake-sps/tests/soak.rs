//! Soak: many clients log in, read, write in transactions and log out (or leave their sessions
//! behind) for a bounded time, with a few injected faults, twice in a row. The second round must
//! not leave more memory (RSS from `/proc/self/status`) than the first, beyond noise, and once
//! the clients are gone the open files (`/proc/self/fd`) must be back where they started. Small
//! enough for CI: two rounds of two seconds.

mod common;

use common::rss_bytes;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use fake_sps::app::{serve, ServeConfig};
use fake_sps::session::User;

const CLIENTS: usize = 32;
const ROUND: Duration = Duration::from_secs(2);
/// Growth from the first round's end to the second's that still counts as flat.
const MAX_GROWTH_BYTES: u64 = 16 * 1024 * 1024;
const GROUPS: &str = "/api/configuration/aaa/local_database/groups";

fn open_files() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd")
        .count()
}

/// One client's loop until `until`; returns the requests it made.
async fn client(addr: SocketAddr, index: usize, until: Instant) -> usize {
    let http = reqwest::Client::new();
    let base = format!("http://{addr}");
    let mut requests = 0;
    let mut round = 0usize;
    while Instant::now() < until {
        round += 1;
        requests += 1;
        let login = http
            .get(format!("{base}/api/authentication"))
            .basic_auth("soak", Some("soak-password"))
            .send()
            .await;
        let Some(cookie) = login.ok().and_then(|r| {
            r.headers()
                .get("set-cookie")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(';').next())
                .map(str::to_owned)
        }) else {
            continue; // an injected fault; try again
        };
        for _ in 0..5 {
            requests += 1;
            let _ = http
                .get(format!("{base}{GROUPS}"))
                .header("cookie", &cookie)
                .send()
                .await
                .map(|r| r.bytes());
        }
        // One client writes (the lock allows one writer at a time; the others get 409).
        if index == 0 {
            requests += 3;
            let _ = http
                .post(format!("{base}/api/transaction"))
                .header("cookie", &cookie)
                .header("content-length", "0")
                .send()
                .await;
            let _ = http
                .post(format!("{base}{GROUPS}"))
                .header("cookie", &cookie)
                .header("content-type", "application/json")
                .body(format!(r#"{{"name": "soak-{round}", "members": []}}"#))
                .send()
                .await;
            let _ = http
                .delete(format!("{base}/api/transaction"))
                .header("cookie", &cookie)
                .send()
                .await;
        }
        // Most log out; some leave the session to idle out (bounded by --max-sessions).
        if round % 4 != 0 {
            requests += 1;
            let _ = http
                .delete(format!("{base}/api/authentication"))
                .header("cookie", &cookie)
                .send()
                .await;
        }
    }
    requests
}

async fn round(addr: SocketAddr) -> usize {
    let until = Instant::now() + ROUND;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|i| tokio::spawn(client(addr, i, until)))
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.expect("client task");
    }
    total
}

/// Waits (up to 10 s) until the open files are back to `baseline` plus a little slack.
async fn files_settle(baseline: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = open_files();
        if now <= baseline + 4 || Instant::now() > deadline {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_clients_leave_memory_and_open_files_flat() {
    let mut config = ServeConfig::loopback(vec![User {
        name: "soak".into(),
        password: "soak-password".into(),
        groups: vec![],
    }]);
    config.engine.max_sessions = 200;
    config.faults = "seed=5,drop@1%,503@1%".parse().expect("faults");
    let (server, fake) = serve(config).await.expect("the fake starts");
    let addr = server.addr();
    let files_before = open_files();

    let first = round(addr).await;
    let files_after_first = files_settle(files_before).await;
    let rss_after_first = rss_bytes();
    let second = round(addr).await;
    let files_after_second = files_settle(files_before).await;
    let rss_after_second = rss_bytes();

    eprintln!(
        "soak: {first} then {second} requests; RSS {} -> {} KiB; open files {files_before} -> \
         {files_after_first} -> {files_after_second}",
        rss_after_first / 1024,
        rss_after_second / 1024
    );
    assert!(
        first > CLIENTS && second > CLIENTS,
        "{first} / {second} requests"
    );
    assert!(fake.engine().session_count() <= 200);
    let grown = rss_after_second.saturating_sub(rss_after_first);
    assert!(
        grown < MAX_GROWTH_BYTES,
        "memory grew by {} KiB in the second round ({first} then {second} requests)",
        grown / 1024
    );
    assert!(
        files_after_first <= files_before + 4 && files_after_second <= files_before + 4,
        "open files: {files_before} before, {files_after_first} and {files_after_second} after"
    );
    server.shutdown().await;
}
