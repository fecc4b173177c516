//! Client bench: what the generated client costs per call next to a bare reqwest call on the
//! same fake appliance, with and without a `tracing` subscriber, and how many requests per
//! second one `Client` shared by 1, 8 and 64 tasks gets through.
//!
//! Everything runs in this process over HTTP on 127.0.0.1 (the fake, in-process, with no
//! faults). The per-call columns are measured in alternating rounds so that the shared
//! machine's load hits them alike. Run with `cargo bench -p sps-tests --bench client`; without
//! `--bench` (e.g. `cargo test --benches`) it does a short smoke run. Numbers are printed,
//! never asserted.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_sps::session::User;
use fake_sps::{serve, ServeConfig};
use sps_client::{types, Client};
use tracing::instrument::WithSubscriber;

#[path = "../../fake-sps/benches/support/concurrently.rs"]
mod concurrently;
use concurrently::concurrently;

const USER: (&str, &str) = ("bench", "bench-password");
const BACKUP: &str = "/api/configuration/policies/backup_policies";
const ROUNDS: usize = 4;

#[derive(Clone, Copy)]
struct Sizes {
    /// Sequential calls per column (split into rounds).
    calls: usize,
    /// Requests per concurrency level.
    requests: usize,
}

const FULL: Sizes = Sizes {
    calls: 2000,
    requests: 4000,
};
const SMOKE: Sizes = Sizes {
    calls: 40,
    requests: 64,
};

type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let full = std::env::args().any(|arg| arg == "--bench");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("client bench: no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(if full { FULL } else { SMOKE }, full)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("client bench failed: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The ways of reading one backup policy that are compared.
#[derive(Clone, Copy, PartialEq)]
enum Way {
    /// reqwest: send, read the body.
    Bare,
    /// reqwest, and decode the body into the generated type.
    BareDecoded,
    /// `Client::get_backup_policy`, no subscriber.
    Client,
    /// The same with a `tracing` fmt subscriber (INFO, span close events, into a sink).
    ClientTraced,
}

const WAYS: [(Way, &str); 4] = [
    (Way::Bare, "bare reqwest (send + body)"),
    (Way::BareDecoded, "bare reqwest + typed decode"),
    (Way::Client, "sps-client"),
    (Way::ClientTraced, "sps-client + tracing"),
];

struct Setup {
    client: Client,
    bare: reqwest::Client,
    url: String,
    cookie: String,
    key: String,
}

impl Setup {
    async fn call(&self, way: Way) -> Result {
        match way {
            Way::Bare | Way::BareDecoded => {
                let bytes = self
                    .bare
                    .get(&self.url)
                    .header("cookie", &self.cookie)
                    .header("accept", "application/json")
                    .send()
                    .await
                    .map_err(|e| e.to_string())?
                    .bytes()
                    .await
                    .map_err(|e| e.to_string())?;
                if way == Way::BareDecoded {
                    serde_json::from_slice::<types::BackupPolicyObject>(&bytes)
                        .map_err(|e| e.to_string())?;
                }
                Ok(())
            }
            Way::Client => self.typed().await,
            Way::ClientTraced => {
                let subscriber = tracing_subscriber::fmt()
                    .with_max_level(tracing::Level::INFO)
                    .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
                    .with_writer(std::io::sink)
                    .finish();
                self.typed().with_subscriber(subscriber).await
            }
        }
    }

    async fn typed(&self) -> Result {
        self.client
            .get_backup_policy(&self.key)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

async fn run(sizes: Sizes, full: bool) -> Result {
    let users = vec![User {
        name: USER.0.into(),
        password: USER.1.into(),
        groups: Vec::new(),
    }];
    let (server, _) = serve(ServeConfig::loopback(users))
        .await
        .map_err(|e| format!("cannot start the fake: {e}"))?;
    let client = Client::new(server.url()).map_err(|e| e.to_string())?;
    client
        .login(USER.0, USER.1)
        .await
        .map_err(|e| format!("login: {e}"))?;
    let key = client
        .list_backup_policies()
        .await
        .map_err(|e| e.to_string())?
        .items
        .first()
        .ok_or("no sample backup policy")?
        .key
        .clone();
    let setup = Arc::new(Setup {
        url: format!("{}{BACKUP}/{key}", server.url()),
        cookie: format!("session_id={}", client.session_id().ok_or("no session")?),
        bare: reqwest::Client::new(),
        client,
        key,
    });

    // Per-call cost, one call at a time, alternating rounds.
    for (way, _) in WAYS {
        for _ in 0..sizes.calls / 10 {
            setup.call(way).await?;
        }
    }
    let mut totals = [Duration::ZERO; WAYS.len()];
    for _ in 0..ROUNDS {
        for ((way, _), total) in WAYS.iter().zip(totals.iter_mut()) {
            let started = Instant::now();
            for _ in 0..sizes.calls / ROUNDS {
                setup.call(*way).await?;
            }
            *total += started.elapsed();
        }
    }
    let calls = (sizes.calls / ROUNDS * ROUNDS) as f64;
    let micros: Vec<f64> = totals
        .iter()
        .map(|t| t.as_secs_f64() * 1e6 / calls)
        .collect();

    // Throughput of one shared client.
    let mut throughput = Vec::new();
    for tasks in [1, 8, 64] {
        let shared = setup.clone();
        let elapsed = concurrently(sizes.requests, tasks, move |_| {
            let shared = shared.clone();
            async move { shared.call(Way::Client).await }
        })
        .await?;
        throughput.push((tasks, sizes.requests as f64 / elapsed.as_secs_f64()));
    }
    server.shutdown().await;

    if !full {
        println!("(smoke run: `cargo bench -p sps-tests --bench client` measures properly)");
    }
    println!(
        "\nclient bench on 127.0.0.1 against fake-sps: GET of one backup policy, {} sequential \
         calls per column in {ROUNDS} alternating rounds\n",
        calls
    );
    println!("{:<30} {:>12} {:>10}", "per call", "microseconds", "ratio");
    for ((_, name), us) in WAYS.iter().zip(&micros) {
        println!("{name:<30} {us:>12.1} {:>10.2}", us / micros[0]);
    }
    println!(
        "\nratio = time / bare reqwest; sps-client over bare + decode: {:.2}, tracing over \
         sps-client: {:.2}",
        micros[2] / micros[1],
        micros[3] / micros[2]
    );
    println!(
        "\none Client shared by N tasks, {} requests each run",
        sizes.requests
    );
    println!("{:<10} {:>20}", "tasks", "requests per second");
    for (tasks, rps) in throughput {
        println!("{tasks:<10} {rps:>20.0}");
    }
    Ok(())
}
