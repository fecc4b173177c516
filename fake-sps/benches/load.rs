//! Load bench: requests per second of the fake appliance next to a bare axum app that answers
//! the same JSON from memory, over HTTP on 127.0.0.1, for two request patterns:
//!
//! - GET of one configuration object (a sample backup policy), many clients at once;
//! - create + commit: open a transaction, POST a backup policy, commit. The appliance has one
//!   configuration lock, so these cycles run one after the other from a single client.
//!
//! Both servers run in this process on the same accept loop (`fake_sps::server::serve_router`),
//! so the difference is the generated router, the request validation and the engine. Run with
//! `cargo bench -p fake-sps --bench load`; without `--bench` (e.g. `cargo test --benches`) it
//! does a short smoke run. Numbers are printed, never asserted.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use fake_sps::server::serve_router;

#[path = "support/concurrently.rs"]
mod concurrently;
use concurrently::concurrently;
use fake_sps::session::User;
use fake_sps::{serve, ServeConfig};
use reqwest::Client;
use serde_json::{json, Value};

const COLLECTION: &str = "/api/configuration/policies/backup_policies";
const TRANSACTION: &str = "/api/transaction";
const USER: &str = "bench";
const PASSWORD: &str = "bench-password";

/// How much work one run does.
#[derive(Clone, Copy)]
struct Sizes {
    /// GET requests in total.
    gets: usize,
    /// Clients sending them at once.
    concurrency: usize,
    /// Create + commit cycles (three requests each), one client.
    cycles: usize,
    /// Unmeasured requests first, so connections are open and caches warm.
    warmup: usize,
}

const FULL: Sizes = Sizes {
    gets: 4000,
    concurrency: 64,
    cycles: 300,
    warmup: 100,
};
const SMOKE: Sizes = Sizes {
    gets: 40,
    concurrency: 4,
    cycles: 8,
    warmup: 4,
};

/// The measured requests are split into this many rounds, alternating between the servers.
const ROUNDS: usize = 4;

type Result<T = ()> = std::result::Result<T, String>;

#[tokio::main]
async fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; anything else only checks that the bench still runs.
    let full = std::env::args().any(|arg| arg == "--bench");
    let mut sizes = if full { FULL } else { SMOKE };
    // `-- --concurrency N` measures the GETs with N clients instead (default 64).
    let args: Vec<String> = std::env::args().collect();
    if let Some(n) = args
        .iter()
        .position(|a| a == "--concurrency")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
    {
        sizes.concurrency = n;
    }
    match run(sizes, full).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("load bench failed: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(sizes: Sizes, full: bool) -> Result {
    let users = vec![User {
        name: USER.into(),
        password: PASSWORD.into(),
        groups: Vec::new(),
    }];
    let (fake_server, _handler) = serve(ServeConfig::loopback(users))
        .await
        .map_err(|e| format!("cannot start the fake: {e}"))?;
    let client = Client::builder()
        .pool_max_idle_per_host(sizes.concurrency)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;

    let fake = Target {
        name: "fake-sps",
        base: fake_server.url(),
        cookie: login(&client, &fake_server.url()).await?,
    };
    let object = first_member(&client, &fake).await?;
    let policy = sample_policy()?;

    // Record the fake's answers; the bare app replays them.
    let answers = Answers {
        object: fake.call(&client, "GET", &object, None, 200).await?,
        open: fake.call(&client, "POST", TRANSACTION, None, 200).await?,
        create: fake
            .call(&client, "POST", COLLECTION, Some(&policy), 201)
            .await?,
        commit: fake
            .call(&client, "PUT", TRANSACTION, Some(&commit_body()), 200)
            .await?,
    };
    let bare_server = serve_router(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        None,
        bare_app(&object, Arc::new(answers)),
    )
    .await
    .map_err(|e| format!("cannot start the bare app: {e}"))?;
    let bare = Target {
        name: "bare axum",
        base: bare_server.url(),
        cookie: fake.cookie.clone(),
    };

    // Warm both up, then alternate between them in rounds, so that a change in the shared
    // machine's load affects both columns alike.
    let targets = [&fake, &bare];
    let mut cycle_number = 0;
    for target in targets {
        get_time(&client, target, &object, sizes.warmup, sizes.concurrency).await?;
        cycle_time(
            &client,
            target,
            &policy,
            cycle_number,
            sizes.warmup.div_ceil(3),
        )
        .await?;
        cycle_number += sizes.warmup;
    }
    let mut totals = [(Duration::ZERO, Duration::ZERO); 2];
    for _ in 0..ROUNDS {
        for (target, total) in targets.iter().zip(totals.iter_mut()) {
            let gets = sizes.gets / ROUNDS;
            total.0 += get_time(&client, target, &object, gets, sizes.concurrency).await?;
            let cycles = sizes.cycles / ROUNDS;
            total.1 += cycle_time(&client, target, &policy, cycle_number, cycles).await?;
            cycle_number += cycles;
        }
    }
    let per_second = |count: usize, time: Duration| count as f64 / time.as_secs_f64();
    let rows: Vec<(&str, f64, f64)> = targets
        .iter()
        .zip(totals)
        .map(|(target, (gets, cycles))| {
            (
                target.name,
                per_second(sizes.gets / ROUNDS * ROUNDS, gets),
                per_second(sizes.cycles / ROUNDS * ROUNDS * 3, cycles),
            )
        })
        .collect();
    fake_server.shutdown().await;
    bare_server.shutdown().await;

    if !full {
        println!("(smoke run: `cargo bench -p fake-sps --bench load` measures properly)");
    }
    print_table(sizes, &rows);
    Ok(())
}

/// One server under test.
struct Target {
    name: &'static str,
    base: String,
    cookie: String,
}

impl Target {
    /// One request; fails unless the answer has the `expected` status. Returns the JSON body.
    async fn call(
        &self,
        client: &Client,
        method: &str,
        path: &str,
        body: Option<&Value>,
        expected: u16,
    ) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let mut request = match method {
            "GET" => client.get(&url),
            "POST" => client.post(&url),
            "PUT" => client.put(&url),
            other => return Err(format!("unsupported method {other}")),
        }
        .header(header::COOKIE, format!("session_id={}", self.cookie));
        request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.to_string()),
            // SPS wants a Content-Length even on a POST without body (411 otherwise).
            None if method != "GET" => request.header(header::CONTENT_LENGTH, "0"),
            None => request,
        };
        let response = request
            .send()
            .await
            .map_err(|e| format!("{} {method} {path}: {e}", self.name))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| format!("{} {method} {path}: reading the body: {e}", self.name))?;
        if status != expected {
            return Err(format!(
                "{} {method} {path}: status {status}, expected {expected}: {}",
                self.name,
                String::from_utf8_lossy(&bytes)
            ));
        }
        serde_json::from_slice(&bytes)
            .map_err(|e| format!("{} {method} {path}: not JSON: {e}", self.name))
    }
}

/// Logs in with basic auth and returns the session id.
async fn login(client: &Client, base: &str) -> Result<String> {
    let response = client
        .get(format!("{base}/api/authentication"))
        .basic_auth(USER, Some(PASSWORD))
        .send()
        .await
        .map_err(|e| format!("login: {e}"))?;
    if response.status() != StatusCode::OK {
        return Err(format!("login: status {}", response.status()));
    }
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.strip_prefix("session_id="))
        .filter_map(|value| value.split(';').next())
        .map(str::to_string)
        .next()
        .ok_or_else(|| "login: no session_id cookie".to_string())
}

/// The href of the first member of the backup policy collection (a sample object).
async fn first_member(client: &Client, fake: &Target) -> Result<String> {
    let list = fake.call(client, "GET", COLLECTION, None, 200).await?;
    list.pointer("/items/0/meta/href")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| format!("{COLLECTION} lists no member with meta.href: {list}"))
}

/// The first documented request example for creating a backup policy.
fn sample_policy() -> Result<Value> {
    let spec = fake_sps::app::bundled_spec().map_err(|e| e.to_string())?;
    let pointer = format!(
        "/paths/{}/post/requestBody/content/application~1json",
        COLLECTION.replace('/', "~1")
    );
    let media = spec
        .pointer(&pointer)
        .ok_or_else(|| format!("the bundled spec has no {pointer}"))?;
    media
        .get("example")
        .or_else(|| {
            media
                .get("examples")
                .and_then(Value::as_object)
                .and_then(|examples| examples.values().next())
                .and_then(|example| example.get("value"))
        })
        .cloned()
        .ok_or_else(|| format!("no request example at {pointer}"))
}

fn commit_body() -> Value {
    json!({ "status": "commit" })
}

/// The fake's answers, replayed by the bare app.
struct Answers {
    object: Value,
    open: Value,
    create: Value,
    commit: Value,
}

/// A minimal axum app with the same routes, answering from memory (serialised per request, as
/// the fake does).
fn bare_app(object: &str, answers: Arc<Answers>) -> Router {
    fn reply(status: StatusCode, body: &Value) -> axum::response::Response {
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response()
    }
    let (a, b, c, d) = (
        answers.clone(),
        answers.clone(),
        answers.clone(),
        answers.clone(),
    );
    Router::new()
        .route(
            object,
            get(move || async move { reply(StatusCode::OK, &a.object) }),
        )
        .route(
            TRANSACTION,
            post(move || async move { reply(StatusCode::OK, &b.open) })
                .put(move || async move { reply(StatusCode::OK, &c.commit) }),
        )
        .route(
            COLLECTION,
            post(move || async move { reply(StatusCode::CREATED, &d.create) }),
        )
}

/// Time for `count` GETs of the object, `concurrency` clients at once.
async fn get_time(
    client: &Client,
    target: &Target,
    object: &str,
    count: usize,
    concurrency: usize,
) -> Result<Duration> {
    // Owned copies: each client task outlives this call's borrows.
    let (client, base, cookie, object) = (
        client.clone(),
        target.base.clone(),
        target.cookie.clone(),
        object.to_string(),
    );
    let job = move |_| {
        let (client, object) = (client.clone(), object.clone());
        let target = Target {
            name: "GET",
            base: base.clone(),
            cookie: cookie.clone(),
        };
        async move {
            target
                .call(&client, "GET", &object, None, 200)
                .await
                .map(drop)
        }
    };
    concurrently(count, concurrency, job).await
}

/// Time for `count` create + commit cycles from one client; `first` numbers the created names.
async fn cycle_time(
    client: &Client,
    target: &Target,
    policy: &Value,
    first: usize,
    count: usize,
) -> Result<Duration> {
    let started = Instant::now();
    for n in first..first + count {
        let mut policy = policy.clone();
        // Distinct names, as a real client would create.
        if let Some(object) = policy.as_object_mut() {
            object.insert("name".into(), json!(format!("bench_{n}")));
        }
        target.call(client, "POST", TRANSACTION, None, 200).await?;
        target
            .call(client, "POST", COLLECTION, Some(&policy), 201)
            .await?;
        target
            .call(client, "PUT", TRANSACTION, Some(&commit_body()), 200)
            .await?;
    }
    Ok(started.elapsed())
}

fn print_table(sizes: Sizes, rows: &[(&str, f64, f64)]) {
    println!(
        "\nload bench on 127.0.0.1: GET = {} requests, {} concurrent; create + commit = {} cycles \
         of 3 requests, 1 client (one configuration lock); {ROUNDS} alternating rounds\n",
        sizes.gets / ROUNDS * ROUNDS,
        sizes.concurrency,
        sizes.cycles / ROUNDS * ROUNDS
    );
    let [(fake, fake_get, fake_cycle), (bare, bare_get, bare_cycle)] = rows else {
        return;
    };
    println!(
        "{:<34} {:>14} {:>14} {:>10}",
        "pattern (requests per second)", fake, bare, "ratio"
    );
    for (name, f, b) in [
        ("GET configuration object", fake_get, bare_get),
        ("create + commit (open, POST, PUT)", fake_cycle, bare_cycle),
    ] {
        println!("{name:<34} {f:>14.0} {b:>14.0} {:>10.2}", f / b);
    }
    println!("\nratio = {fake} / {bare} (1.00 means no cost over the bare handler)");
}
