//! `fake-sps`: run a fake SPS appliance.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use fake_sps::app::{serve, ServeConfig};
use fake_sps::config::{self, FileConfig};
use fake_sps::engine::EngineConfig;
use fake_sps::faults::FaultPlan;
use fake_sps::server::{certificate_user, ConnectionLimits, TlsFiles};

/// A fake One Identity Safeguard for Privileged Sessions appliance: serves the REST API of the
/// workspace's spec with sessions, transactions and the documented sample data.
#[derive(Debug, Parser)]
#[command(version)]
struct Cli {
    /// Address to listen on, e.g. 127.0.0.1:8443 (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,

    /// A user who may log in, as NAME:PASSWORD; repeat for more users. Without any user, a
    /// loopback listener accepts admin/admin and any other address refuses to start.
    #[arg(long = "user", value_name = "NAME:PASSWORD")]
    users: Vec<String>,

    /// YAML file adding users, groups and options (see the crate documentation).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Keep committed configuration in this file across restarts.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,

    /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Ask HTTPS clients for a certificate signed by a CA of this PEM file and verify the ones
    /// presented (certificate login; needs --tls-cert). Clients without one still connect.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,

    /// A user who logs in with a client certificate, as NAME=FILE (the PEM certificate the
    /// client presents); repeat for more. Needs --tls-client-ca.
    #[arg(
        long = "cert-user",
        value_name = "NAME=FILE",
        requires = "tls_client_ca"
    )]
    cert_users: Vec<String>,

    /// Let the first configuration write open a transaction instead of answering 409
    /// NoTransaction.
    #[arg(long)]
    implicit_transactions: bool,

    /// Idle time after which a session ends, e.g. 20m (SPS), 2s (tests of expiry).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    idle_timeout: Option<Duration>,

    /// Live sessions kept at most; a login beyond it ends the least recently used one.
    #[arg(long, value_name = "N")]
    max_sessions: Option<usize>,

    /// Close connections that send no complete request head within this time (idle
    /// keep-alive connections included). Default 30s.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    header_timeout: Option<Duration>,

    /// Misbehave on purpose: latency, 5xx answers, dropped connections, early session expiry,
    /// at a rate or on a schedule, e.g. "seed=7,503+retry-after=1@10%,drop@every=50,expire@at=100"
    /// (see fake-sps/README.md).
    #[arg(long, value_name = "SPEC")]
    faults: Option<String>,

    /// How many recorded sessions to serve under /api/audit/sessions (seeded; default 300).
    #[arg(long, value_name = "N")]
    recorded_sessions: Option<usize>,

    /// Seed of the recorded sessions: the same seed serves the same sessions (default 1).
    #[arg(long, value_name = "N")]
    recordings_seed: Option<u64>,

    /// Size of every recorded session's audit trail in bytes (default 262144).
    #[arg(long, value_name = "BYTES")]
    trail_bytes: Option<u64>,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    fake_sps::faults::parse_duration(text)
        .ok_or_else(|| format!("{text:?} is not a duration like 250ms, 2s or 20m"))
}

fn configure(cli: Cli) -> Result<ServeConfig, String> {
    let file = match &cli.config {
        Some(path) => Some((
            path.clone(),
            FileConfig::load(path).map_err(|e| e.to_string())?,
        )),
        None => None,
    };
    let cli_users = cli
        .users
        .iter()
        .map(|arg| config::parse_user_arg(arg))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let users = config::resolve_users(
        cli.listen,
        cli_users,
        file.as_ref().map(|(path, config)| (path.as_path(), config)),
    )
    .map_err(|e| e.to_string())?;
    let file = file.map(|(_, config)| config).unwrap_or_default();
    let mut engine = EngineConfig {
        users,
        implicit_transactions: cli.implicit_transactions
            || file.implicit_transactions.unwrap_or(false),
        state_file: cli.state.as_deref().map(config::absolute_state_path),
        ..EngineConfig::default()
    };
    if let Some(timeout) = cli
        .idle_timeout
        .or(file.idle_timeout_seconds.map(Duration::from_secs))
    {
        engine.idle_timeout = timeout;
    }
    if let Some(max) = cli.max_sessions.or(file.max_sessions) {
        engine.max_sessions = max;
    }
    for arg in &cli.cert_users {
        let (name, path) = arg
            .split_once('=')
            .ok_or_else(|| format!("--cert-user {arg:?}: expected NAME=FILE"))?;
        let user = certificate_user(name, std::path::Path::new(path)).map_err(|e| e.to_string())?;
        engine.certificate_users.push(user);
    }
    let recordings = &mut engine.recordings;
    recordings.count = cli.recorded_sessions.unwrap_or(recordings.count);
    recordings.seed = cli.recordings_seed.unwrap_or(recordings.seed);
    recordings.trail_bytes = cli.trail_bytes.unwrap_or(recordings.trail_bytes);
    // The command line wins over the file.
    let faults = match cli.faults.as_deref().or(file.faults.as_deref()) {
        Some(spec) => spec
            .parse::<FaultPlan>()
            .map_err(|e| format!("--faults: {e}"))?,
        None => FaultPlan::default(),
    };
    let mut limits = ConnectionLimits::default();
    if let Some(timeout) = cli.header_timeout {
        limits.header_read_timeout = timeout;
    }
    if let Some(ids) = file.active_sessions {
        engine.active_sessions = ids;
    }
    let tls = match (cli.tls_cert, cli.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert,
            key,
            client_ca: cli.tls_client_ca,
        }),
        _ => None,
    };
    Ok(ServeConfig {
        listen: cli.listen,
        tls,
        engine,
        spec: None,
        faults,
        limits,
    })
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = configure(cli)?;
    let users: Vec<String> = config.engine.users.iter().map(|u| u.name.clone()).collect();
    let (default_name, default_password) = config::DEFAULT_LOOPBACK_USER;
    let defaulted = matches!(config.engine.users.as_slice(),
        [only] if only.name == default_name && only.password == default_password);
    let (server, _) = serve(config).await.map_err(|e| e.to_string())?;
    println!(
        "fake SPS listening on {} (users: {})",
        server.url(),
        users.join(", ")
    );
    if defaulted {
        println!("log in as {default_name}/{default_password} (loopback-only default; --user sets your own)");
    }
    stop_requested().await;
    server.shutdown().await;
    Ok(())
}

/// Waits for Ctrl-C or, on Unix, SIGTERM (how scripts and service managers stop a process).
async fn stop_requested() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No handler could be installed: only the other signal (or a kill) stops us.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    () = interrupt => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => interrupt.await,
        }
    }
    #[cfg(not(unix))]
    interrupt.await;
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("fake-sps: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("fake-sps: {message}");
            ExitCode::FAILURE
        }
    }
}
