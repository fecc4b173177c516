//! Sessions bench: what downloading a large audit trail costs the client in memory, and how
//! fast the search stream pages through the recorded sessions.
//!
//! - **Memory.** The fake runs in this process with 200 MB audit trails; the client runs in a
//!   child process (this bench started again with `--client-child`), so that its peak resident
//!   memory (`VmHWM` of `/proc/self/status`, as the fake's soak and hostile suites read `VmRSS`)
//!   is the client's alone. Three children: one idle (built, logged in, one small call), one
//!   that streams a trail to a file with `Download::save`, and for contrast one that reads the
//!   whole body into memory with `Download::bytes`.
//! - **Paging.** 10,000 recorded sessions in the in-process fake; `search_sessions_stream` over
//!   all of them with pages of 500 and of 100, and a filtered search, in sessions per second.
//!
//! `cargo bench -p sps-tests --bench sessions`; without `--bench` (`cargo test --benches`) a
//! smoke run with small sizes. Numbers are printed, never asserted.

use std::process::{Command, ExitCode};
use std::time::Instant;

use fake_sps::recordings::RecordingsConfig;
use fake_sps::session::User;
use fake_sps::{serve, ServeConfig};
use futures_util::TryStreamExt;
use sps_client::{Client, SearchSessionsParams};

const USER: (&str, &str) = ("bench", "bench-password");
const MIB: u64 = 1024 * 1024;

#[derive(Clone, Copy)]
struct Sizes {
    trail_bytes: u64,
    sessions: usize,
}

const FULL: Sizes = Sizes {
    trail_bytes: 200 * MIB,
    sessions: 10_000,
};
const SMOKE: Sizes = Sizes {
    trail_bytes: 4 * MIB,
    sessions: 600,
};

type Result<T = ()> = std::result::Result<T, String>;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("no runtime: {e}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.iter().position(|a| a == "--client-child") {
        Some(at) => runtime().and_then(|rt| rt.block_on(child(&args[at + 1..]))),
        None => {
            let sizes = if args.iter().any(|a| a == "--bench") {
                FULL
            } else {
                SMOKE
            };
            runtime().and_then(|rt| rt.block_on(run(sizes)))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sessions bench failed: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn logged_in(url: &str) -> Result<Client> {
    let client = Client::new(url).map_err(|e| e.to_string())?;
    client
        .login(USER.0, USER.1)
        .await
        .map_err(|e| format!("login: {e}"))?;
    Ok(client)
}

/// The child: `<url> <session key> idle|save|bytes`; prints `peak_bytes rss_bytes body_bytes`.
async fn child(args: &[String]) -> Result {
    let [url, key, mode] = args else {
        return Err(format!("child arguments: {args:?}"));
    };
    let client = logged_in(url).await?;
    client
        .get_recorded_session(key)
        .await
        .map_err(|e| format!("session: {e}"))?;
    let body = match mode.as_str() {
        "idle" => 0,
        "save" => {
            let path = std::env::temp_dir().join(format!("sps-bench-{}.zat", std::process::id()));
            let download = client
                .download_audit_trail(key)
                .await
                .map_err(|e| format!("download: {e}"))?;
            let written = download.save(&path).await.map_err(|e| e.to_string())?;
            std::fs::remove_file(&path).map_err(|e| e.to_string())?;
            written
        }
        "bytes" => {
            let download = client
                .download_audit_trail(key)
                .await
                .map_err(|e| format!("download: {e}"))?;
            download.bytes().await.map_err(|e| e.to_string())?.len() as u64
        }
        other => return Err(format!("unknown mode {other}")),
    };
    println!(
        "{} {} {body}",
        sps_tests::status_bytes("VmHWM")?,
        sps_tests::status_bytes("VmRSS")?
    );
    Ok(())
}

/// Runs a child client; its peak memory and the body size it read.
fn measure(url: &str, key: &str, mode: &str) -> Result<(u64, u64)> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let output = Command::new(exe)
        .args(["--client-child", url, key, mode])
        .output()
        .map_err(|e| format!("child: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "child {mode} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let numbers: Vec<u64> = text
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    let [peak, _rss, body] = numbers[..] else {
        return Err(format!("child {mode} printed {text:?}"));
    };
    println!(
        "  {mode:<6} peak RSS {:>7.1} MiB, body {:>6.1} MiB, {:.2} s",
        peak as f64 / MIB as f64,
        body as f64 / MIB as f64,
        started.elapsed().as_secs_f64()
    );
    Ok((peak, body))
}

async fn fake(recordings: RecordingsConfig) -> Result<fake_sps::ServerHandle> {
    let mut config = ServeConfig::loopback(vec![User {
        name: USER.0.into(),
        password: USER.1.into(),
        groups: Vec::new(),
    }]);
    config.engine.recordings = recordings;
    let (server, _) = serve(config).await.map_err(|e| e.to_string())?;
    Ok(server)
}

async fn run(sizes: Sizes) -> Result {
    // Memory: a fake with a few sessions whose trails are large.
    let server = fake(RecordingsConfig {
        count: 4,
        trail_bytes: sizes.trail_bytes,
        ..RecordingsConfig::default()
    })
    .await?;
    let url = server.url();
    let client = logged_in(&url).await?;
    let key = client
        .search_sessions(&SearchSessionsParams::default())
        .await
        .map_err(|e| format!("search: {e}"))?
        .items
        .first()
        .map(|i| i.key.clone())
        .ok_or("no session")?;
    println!(
        "client memory, audit trail of {:.0} MiB (child process per row):",
        sizes.trail_bytes as f64 / MIB as f64
    );
    // Blocking children while the fake serves them on this runtime's workers.
    let (url2, key2) = (url.clone(), key.clone());
    let rows = tokio::task::spawn_blocking(move || -> Result<Vec<(u64, u64)>> {
        ["idle", "save", "bytes"]
            .iter()
            .map(|mode| measure(&url2, &key2, mode))
            .collect()
    })
    .await
    .map_err(|e| e.to_string())??;
    let (idle, save, bytes) = (rows[0].0, rows[1].0, rows[2].0);
    if rows[1].1 != sizes.trail_bytes || rows[2].1 != sizes.trail_bytes {
        return Err(format!("short download: {rows:?}"));
    }
    println!(
        "  streaming to a file costs {:.1} MiB over idle; reading it whole {:.1} MiB",
        save.saturating_sub(idle) as f64 / MIB as f64,
        bytes.saturating_sub(idle) as f64 / MIB as f64
    );
    server.shutdown().await;

    // Paging: many sessions.
    let server = fake(RecordingsConfig {
        count: sizes.sessions,
        ..RecordingsConfig::default()
    })
    .await?;
    let client = logged_in(&server.url()).await?;
    println!("search paging over {} sessions:", sizes.sessions);
    for (label, q, limit) in [
        ("all, pages of 500", None, 500),
        ("all, pages of 100", None, 100),
        ("protocol:SSH, pages of 500", Some("protocol:SSH"), 500),
    ] {
        let params = SearchSessionsParams {
            q: q.map(str::to_owned),
            limit: Some(limit),
            ..Default::default()
        };
        let started = Instant::now();
        let items: Vec<_> = client
            .search_sessions_stream(&params)
            .try_collect()
            .await
            .map_err(|e| format!("{label}: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "  {label:<28} {:>6} sessions in {:>6.3} s: {:>8.0} sessions/s, {:>6.1} pages/s",
            items.len(),
            seconds,
            items.len() as f64 / seconds,
            (items.len() as f64 / limit as f64).ceil() / seconds
        );
    }
    server.shutdown().await;
    Ok(())
}
