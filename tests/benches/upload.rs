//! Upload bench: the peak memory (resident set, `VmHWM`) of a client process that uploads a
//! 200 MB firmware image with the generated client, from a file and from a stream, next to the
//! same client process that only logs in and reads one object. Streaming uploads cost a few
//! chunks of memory, whatever the size of the upload; a client that read the file first would
//! grow by 200 MB.
//!
//! The fake runs in this process; each client is a child process (this executable again, told
//! what to do by the environment), so that the server's memory does not count. Every upload
//! is checked on the fake's side (size). Run with `cargo bench -p sps-tests --bench upload`;
//! without `--bench` (e.g. `cargo test --benches`) it does a short smoke run with 8 MB.
//! Numbers are printed, never asserted.

use std::io::Write;
use std::process::{Command, ExitCode};
use std::time::Instant;

use fake_sps::session::User;
use fake_sps::{serve, ServeConfig};
use sps_client::{Client, Upload};
use tokio::io::AsyncReadExt;

const USER: (&str, &str) = ("bench", "bench-password");
/// Set in a child: `<mode> <base url> <file> <size>`.
const CHILD: &str = "SPS_UPLOAD_BENCH_CHILD";
const FULL_SIZE: u64 = 200 * 1024 * 1024;
const SMOKE_SIZE: u64 = 8 * 1024 * 1024;
const RUNS: usize = 3;

type Result<T = ()> = std::result::Result<T, String>;

/// What a client child does after logging in.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    /// Reads one firmware slot: the baseline.
    Idle,
    /// Uploads the file with `Upload::file`.
    File,
    /// Uploads the same number of bytes from a reader (`Upload::reader`), not a file.
    Stream,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::Idle, Mode::File, Mode::Stream];

    fn name(self) -> &'static str {
        match self {
            Mode::Idle => "idle",
            Mode::File => "file",
            Mode::Stream => "stream",
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("no runtime: {e}"))
}

fn main() -> ExitCode {
    let result = match std::env::var(CHILD) {
        Ok(task) => runtime().and_then(|rt| rt.block_on(child(&task))),
        Err(_) => {
            let full = std::env::args().any(|arg| arg == "--bench");
            runtime().and_then(|rt| rt.block_on(parent(if full { FULL_SIZE } else { SMOKE_SIZE })))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("upload bench failed: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The client side: log in, do what `mode` says, print the peak RSS and the time taken.
async fn child(task: &str) -> Result {
    let [mode, url, file, size] = task.split(' ').collect::<Vec<_>>()[..] else {
        return Err(format!("bad {CHILD}: {task}"));
    };
    let size: u64 = size.parse().map_err(|e| format!("size: {e}"))?;
    let client = Client::new(url).map_err(|e| e.to_string())?;
    client
        .login(USER.0, USER.1)
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    match mode {
        "idle" => drop(
            client
                .get_firmware_slot("1")
                .await
                .map_err(|e| e.to_string())?,
        ),
        "file" => drop(
            client
                .upload_firmware(Upload::file(file))
                .await
                .map_err(|e| e.to_string())?,
        ),
        "stream" => {
            let reader = tokio::io::repeat(0x5a).take(size);
            let upload = Upload::reader(reader, Some(size)).file_name("stream.iso");
            drop(
                client
                    .upload_firmware(upload)
                    .await
                    .map_err(|e| e.to_string())?,
            )
        }
        other => return Err(format!("unknown mode {other}")),
    }
    println!(
        "{} {}",
        sps_tests::status_bytes("VmHWM")?,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes `size` bytes of a pattern to `path` a megabyte at a time.
fn write_image(path: &std::path::Path, size: u64) -> Result {
    let block: Vec<u8> = (0..1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| e.to_string())?);
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        file.write_all(&block[..n]).map_err(|e| e.to_string())?;
        left -= n as u64;
    }
    file.flush().map_err(|e| e.to_string())
}

/// Runs one client child; its peak RSS (bytes) and seconds.
async fn run_child(mode: Mode, url: &str, file: &str, size: u64) -> Result<(u64, f64)> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let task = format!("{} {url} {file} {size}", mode.name());
    let output = tokio::task::spawn_blocking(move || Command::new(exe).env(CHILD, task).output())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "{mode:?} child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut words = stdout.split_whitespace();
    let rss = words.next().and_then(|w| w.parse().ok());
    let seconds = words.next().and_then(|w| w.parse().ok());
    rss.zip(seconds)
        .ok_or_else(|| format!("{mode:?} child said {stdout:?}"))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

async fn parent(size: u64) -> Result {
    let mut config = ServeConfig::loopback(vec![User {
        name: USER.0.to_owned(),
        password: USER.1.to_owned(),
        groups: Vec::new(),
    }]);
    config.engine.max_sessions = 1000;
    let (server, fake) = serve(config).await.map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("sps.iso");
    write_image(&path, size)?;
    let file = path.to_str().ok_or("temp path is not UTF-8")?.to_owned();

    println!(
        "upload bench: one client process per run, {RUNS} runs each; upload of {:.0} MiB",
        mib(size)
    );
    println!(
        "{:<8} {:>16} {:>16} {:>12}",
        "client", "peak RSS (MiB)", "vs idle (MiB)", "MiB/s"
    );
    let mut idle = None;
    for mode in Mode::ALL {
        let mut runs = Vec::new();
        for _ in 0..RUNS {
            let before = fake.uploads().len();
            let run = run_child(mode, &server.url(), &file, size).await?;
            if mode != Mode::Idle {
                let uploads = fake.uploads();
                let received = uploads.get(before).and_then(|u| u.files.first());
                if received.map(|f| f.size) != Some(size) {
                    return Err(format!("{mode:?}: the fake received {received:?}"));
                }
            }
            runs.push(run);
        }
        runs.sort_by_key(|run| run.0);
        let (rss, _) = runs[RUNS / 2];
        let seconds: f64 = runs.iter().map(|r| r.1).sum::<f64>() / RUNS as f64;
        let baseline = *idle.get_or_insert(rss);
        let rate = if mode == Mode::Idle {
            "-".to_owned()
        } else {
            format!("{:.0}", mib(size) / seconds)
        };
        println!(
            "{:<8} {:>16.1} {:>+16.1} {:>12}",
            mode.name(),
            mib(rss),
            mib(rss) - mib(baseline),
            rate
        );
    }
    server.shutdown().await;
    Ok(())
}
