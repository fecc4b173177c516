//! `cargo xtask contract`: schemathesis against the fake appliance.
//!
//! Builds `fake-sps`, installs the pinned schemathesis under `target/tools/` when it is missing,
//! writes the bundle (`target/spec/openapi.yaml`) and runs `st run` on it in three passes (see
//! [`PASSES`]), each against a fresh fake on a free loopback port with a test user, a fresh state
//! file and a session logged in beforehand: every check, a fixed number of examples per
//! operation, a fixed seed, one worker. Settings that belong to the API (credentials, documented
//! exclusions) are in `fake-sps/schemathesis.toml`. Any failure fails the job; the fake is
//! stopped in every case. Extra arguments are passed on to `st run`, e.g.
//! `cargo xtask contract --include-operation-id test_firmware --max-examples 200`.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::prelude::{Engine as _, BASE64_STANDARD};

use crate::validate::{install_pip_tool, write, BUNDLE};

const SCHEMATHESIS: &str = "schemathesis==4.32.5";
/// A venv of its own: schemathesis and openapi-spec-validator pin different versions of shared
/// dependencies (jsonschema and friends), and each venv's stamp records one pinned tool.
const VENV: &str = "target/tools/schemathesis";
/// Run files: the fake's log and state file, schemathesis's working directory.
const WORK: &str = "target/contract";
const CONFIG: &str = "fake-sps/schemathesis.toml";
const USER: &str = "contract";
const PASSWORD: &str = "contract-test-password";
/// Examples per operation and phase; with the fixed seed this keeps a run at about half a
/// minute on two cores.
const MAX_EXAMPLES: &str = "20";
const SEED: &str = "20261123";
/// How long the fake may take to say it is listening.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Bound on each step of the requests the xtask sends itself.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

pub fn run(args: &[String]) -> crate::Result {
    let started = Instant::now();
    let root = crate::workspace_root();
    let work = root.join(WORK);
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;

    let spec = crate::spec::load()?;
    let bundle = codegen::spec::bundle_yaml(&spec);
    write(&root.join(BUNDLE), &bundle)?;
    println!("bundle written to {BUNDLE}");
    warn_if_stale(&root, &bundle);

    let st = install_pip_tool(&root.join(VENV), "st", SCHEMATHESIS)?;
    let fake = build_fake(&root)?;

    // The passes share nothing (each has its own fake, state file, working directory and
    // output file) and schemathesis keeps one core busy, so they run side by side; each pass's
    // output is printed whole when both are done.
    let outcomes: Vec<crate::Result> = std::thread::scope(|scope| {
        let runs: Vec<_> = PASSES
            .iter()
            .enumerate()
            .map(|(index, pass)| {
                let (root, st, fake) = (&root, &st, &fake);
                scope.spawn(move || run_pass(root, st, fake, index + 1, pass, args))
            })
            .collect();
        runs.into_iter()
            .map(|run| {
                run.join()
                    .unwrap_or_else(|_| Err("the pass's thread panicked".into()))
            })
            .collect()
    });
    let mut failed = Vec::new();
    for ((index, pass), outcome) in PASSES.iter().enumerate().zip(outcomes) {
        let number = index + 1;
        println!("\n==> pass {number}: {}", pass.name);
        let output = work.join(format!("pass-{number}/output.txt"));
        match std::fs::read_to_string(&output) {
            Ok(text) => print!("{text}"),
            Err(e) => println!("(no output: cannot read {}: {e})", output.display()),
        }
        if let Err(message) = outcome {
            println!("<== pass {number} FAILED: {message}");
            failed.push(format!("pass {number} ({}): {message}", pass.name));
        }
    }
    println!("contract run took {:.1?}", started.elapsed());
    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("; "))
    }
}

/// One schemathesis run against a fake of its own.
struct Pass {
    name: &'static str,
    /// Open a transaction for the session before schemathesis starts.
    transaction: bool,
    /// `st run` options of this pass only.
    options: &'static [&'static str],
}

/// Configuration writes need an open transaction, and the router validates a request before
/// the engine looks for one. So the first pass, without a transaction, sees every write that
/// the router accepts answered 409 and checks the router against the spec, with every check;
/// it leaves out `open_transaction`, which would otherwise open one for the session halfway
/// through (when depends on the order schemathesis picks for the operations).
/// The second pass holds a transaction, so writes reach the configuration tree and the
/// engine's answers are checked too. There the documented example bodies (and values
/// schemathesis reuses from them) reference a password that a sample object already uses, which
/// the API refuses by design (400 `SemanticError`: a password may be referenced only once), a
/// cross-object rule no schema can state; `positive_data_acceptance` would call that refusal a
/// rejection of valid data, so it is left to the first pass. The transaction the xtask opened
/// lasts until schemathesis commits or rolls it back; the second pass leaves out
/// `open_transaction` too, so that when the writes reach the tree does not depend on the order
/// schemathesis picks (it moves `POST`s it takes for producers ahead). The third pass tests the
/// transaction operations on their own, `open_transaction` included.
const PASSES: &[Pass] = &[
    Pass {
        name: "no transaction: every check, writes stop at 409 after the router validated them",
        transaction: false,
        options: &["--exclude-operation-id", "open_transaction"],
    },
    Pass {
        name: "inside a transaction: writes reach the configuration tree",
        transaction: true,
        options: &[
            "--exclude-checks",
            "positive_data_acceptance",
            "--exclude-operation-id",
            "open_transaction",
        ],
    },
    Pass {
        name: "the transaction operations alone: open, inspect, commit, roll back",
        transaction: false,
        options: &["--include-tag", "transaction"],
    },
];

fn run_pass(
    root: &Path,
    st: &Path,
    fake: &Path,
    number: usize,
    pass: &Pass,
    args: &[String],
) -> crate::Result {
    let work = root.join(WORK).join(format!("pass-{number}"));
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let output_path = work.join("output.txt");
    let mut output = File::create(&output_path)
        .map_err(|e| format!("cannot create {}: {e}", output_path.display()))?;
    // A fresh state file: every pass starts from the spec's samples and also exercises the
    // fake's persistence on each commit.
    let state = work.join("state.json");
    if state.exists() {
        std::fs::remove_file(&state)
            .map_err(|e| format!("cannot remove {}: {e}", state.display()))?;
    }
    let log_name = format!("{WORK}/pass-{number}/fake-sps.log");
    let mut server = FakeServer::start(fake, &state, &root.join(&log_name))?;
    let note = |output: &mut File, line: String| {
        writeln!(output, "{line}")
            .map_err(|e| format!("cannot write {}: {e}", output_path.display()))
    };
    note(
        &mut output,
        format!("fake-sps listening on {} (log: {log_name})", server.url),
    )?;
    let session = login(&server.url)?;
    if pass.transaction {
        open_transaction(&server.url, &session)?;
    }

    let mut options = st_arguments(&server.url);
    options.extend(pass.options.iter().map(|s| s.to_string()));
    options.extend(args.iter().cloned());
    note(
        &mut output,
        format!(
            "running: st --config-file {CONFIG} run {BUNDLE} {}",
            options.join(" ")
        ),
    )?;
    let stderr = output
        .try_clone()
        .map_err(|e| format!("cannot open {}: {e}", output_path.display()))?;
    let status = Command::new(st)
        .arg("--config-file")
        .arg(root.join(CONFIG))
        .arg("--no-color")
        .arg("run")
        .arg(root.join(BUNDLE))
        .args(&options)
        .current_dir(&work)
        .env("SPS_CONTRACT_USER", USER)
        .env("SPS_CONTRACT_PASSWORD", PASSWORD)
        .env("SPS_CONTRACT_SESSION", &session)
        .stdout(output)
        .stderr(stderr)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", st.display()))?;

    // A fake that died during the run explains the failures better than the failures do.
    let exited = server.exited();
    server.stop();
    if let Some(exit) = exited {
        return Err(format!(
            "fake-sps exited during the run ({exit}); see {log_name}"
        ));
    }
    if status.success() {
        Ok(())
    } else {
        Err(format!("schemathesis reported failures ({status})"))
    }
}

/// The `st run` options after the schema location: every check, a bounded and reproducible
/// sample, one worker so that the stateful phase sees the same order each time.
fn st_arguments(url: &str) -> Vec<String> {
    [
        "--url",
        url,
        "--checks",
        "all",
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        SEED,
        "--workers",
        "1",
        // Examples found in earlier runs would otherwise be replayed first, so a run would
        // depend on the runs before it.
        "--generation-database",
        "none",
        "--request-timeout",
        "10",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The generated crates (and so the fake) come from `generated-client/openapi.yaml`; if the
/// spec has moved on since, failures may be about the difference.
fn warn_if_stale(root: &Path, bundle: &str) {
    let generated =
        std::fs::read_to_string(root.join("generated-client/openapi.yaml")).unwrap_or_default();
    let without_header: String = generated
        .lines()
        .filter(|line| !line.starts_with("# @generated"))
        .map(|line| format!("{line}\n"))
        .collect();
    if without_header.trim_end() != bundle.trim_end() {
        println!(
            "WARNING: spec/ differs from generated-client/openapi.yaml (the fake's spec); \
             run `cargo xtask gen` if the results look stale"
        );
    }
}

/// `cargo build -p fake-sps`; returns the binary.
fn build_fake(root: &Path) -> crate::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    println!("building fake-sps");
    let status = Command::new(&cargo)
        .args(["build", "--quiet", "-p", "fake-sps"])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !status.success() {
        return Err(format!("`cargo build -p fake-sps` failed ({status})"));
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                root.join(dir)
            }
        })
        .unwrap_or_else(|| root.join("target"));
    let binary = target.join("debug/fake-sps");
    if binary.exists() {
        Ok(binary)
    } else {
        Err(format!(
            "built fake-sps but {} is missing",
            binary.display()
        ))
    }
}

/// The running fake; killed when dropped, so every way out of [`run`] stops it.
struct FakeServer {
    child: Child,
    url: String,
}

impl FakeServer {
    /// Starts the binary on a free loopback port and waits (bounded) for the line naming it.
    fn start(binary: &Path, state: &Path, log: &Path) -> crate::Result<Self> {
        let log_file =
            File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let stderr = log_file
            .try_clone()
            .map_err(|e| format!("cannot open {}: {e}", log.display()))?;
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0", "--user"])
            .arg(format!("{USER}:{PASSWORD}"))
            .arg("--state")
            .arg(state)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return Err("fake-sps started without a standard output pipe".into());
        };
        // The reader copies the fake's output to the log for as long as it runs (a full pipe
        // would block the fake) and hands over the URL from the first line that names it.
        let (found, url) = mpsc::channel();
        std::thread::spawn(move || {
            let mut log_file = log_file;
            let mut found = Some(found);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = writeln!(log_file, "{line}");
                if let Some(url) = listening_url(&line) {
                    if let Some(sender) = found.take() {
                        let _ = sender.send(url.to_string());
                    }
                }
            }
        });
        let mut server = Self {
            child,
            url: String::new(),
        };
        let url = url.recv_timeout(STARTUP_TIMEOUT).map_err(|e| match e {
            mpsc::RecvTimeoutError::Timeout => format!(
                "fake-sps did not say it was listening within {STARTUP_TIMEOUT:?}; see {}",
                log.display()
            ),
            mpsc::RecvTimeoutError::Disconnected => {
                format!("fake-sps stopped before listening; see {}", log.display())
            }
        })?;
        server.url = url;
        Ok(server)
    }

    /// The exit status, if the process has ended.
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    fn stop(&mut self) {
        // Already gone is fine; either way the process is reaped.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The URL in the fake's start line, `fake SPS listening on http://127.0.0.1:PORT (users: ...)`.
fn listening_url(line: &str) -> Option<&str> {
    let rest = line.split_once("listening on ")?.1;
    let url = rest.split_whitespace().next()?;
    url.starts_with("http://").then_some(url)
}

/// The HTTP client of the requests the xtask sends itself: bounded, and every status is an
/// answer to look at rather than an error.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(HTTP_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Logs in with basic auth at the fake at `url` and returns the `session_id`.
fn login(url: &str) -> crate::Result<String> {
    let credentials = BASE64_STANDARD.encode(format!("{USER}:{PASSWORD}"));
    let response = agent()
        .get(format!("{url}/api/authentication"))
        .header("Authorization", format!("Basic {credentials}"))
        .header("Accept", "application/json")
        .call()
        .map_err(|e| format!("login: cannot reach fake-sps at {url}: {e}"))?;
    session_cookie(&response).map_err(|e| format!("login: {e}"))
}

/// Opens a transaction for the session, so that the writes schemathesis sends reach the
/// configuration tree (without one they all stop at 409 `NoTransaction`) until it tests the
/// commit and rollback operations themselves.
fn open_transaction(url: &str, session: &str) -> crate::Result {
    // An empty body with its length: the appliance answers 411 to a POST without one.
    let response = agent()
        .post(format!("{url}/api/transaction"))
        .header("Cookie", format!("session_id={session}"))
        .header("Accept", "application/json")
        .send(&[][..])
        .map_err(|e| format!("cannot open a transaction: {e}"))?;
    match response.status().as_u16() {
        200 => Ok(()),
        _ => Err(format!(
            "cannot open a transaction: answered {}",
            response.status()
        )),
    }
}

/// The `session_id` cookie set by a 200 answer.
fn session_cookie<B>(response: &ureq::http::Response<B>) -> crate::Result<String> {
    if response.status() != ureq::http::StatusCode::OK {
        return Err(format!("refused: answered {}", response.status()));
    }
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.trim().strip_prefix("session_id="))
        .map(|value| value.split(';').next().unwrap_or_default().trim())
        .find(|id| !id.is_empty())
        .map(str::to_string)
        .ok_or_else(|| "answered 200 without a session_id cookie".to_string())
}

#[cfg(test)]
mod tests {
    use super::{listening_url, login, open_transaction, session_cookie};
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// What the one-shot server received: the request line and the headers (lower-case names).
    type Received = (String, Vec<(String, String)>);

    /// A one-shot HTTP server: answers one connection with `response`; returns its URL and what
    /// it received.
    fn answer_once(response: &'static str) -> (String, std::thread::JoinHandle<Received>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().expect("accept");
            let mut reader = BufReader::new(stream);
            let mut lines = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).expect("read") == 0 || line == "\r\n" {
                    break;
                }
                lines.push(line.trim_end().to_owned());
            }
            reader
                .get_mut()
                .write_all(response.as_bytes())
                .expect("write");
            let request_line = lines.first().cloned().unwrap_or_default();
            let headers = lines
                .iter()
                .skip(1)
                .filter_map(|l| l.split_once(':'))
                .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
                .collect();
            (request_line, headers)
        });
        (url, server)
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn login_sends_basic_auth_and_returns_the_cookie() {
        let (url, server) = answer_once(
            "HTTP/1.1 200 OK\r\nset-cookie: session_id=feed42; Path=/; HttpOnly\r\n\
             content-length: 2\r\n\r\n{}",
        );
        assert_eq!(login(&url).as_deref(), Ok("feed42"));
        let (request_line, headers) = server.join().expect("server");
        assert_eq!(request_line, "GET /api/authentication HTTP/1.1");
        // `contract:contract-test-password`, encoded by hand.
        assert_eq!(
            header(&headers, "authorization"),
            Some("Basic Y29udHJhY3Q6Y29udHJhY3QtdGVzdC1wYXNzd29yZA==")
        );
    }

    #[test]
    fn the_transaction_is_opened_with_the_cookie_and_a_content_length() {
        let (url, server) = answer_once("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        assert_eq!(open_transaction(&url, "feed42"), Ok(()));
        let (request_line, headers) = server.join().expect("server");
        assert_eq!(request_line, "POST /api/transaction HTTP/1.1");
        assert_eq!(header(&headers, "cookie"), Some("session_id=feed42"));
        assert_eq!(header(&headers, "content-length"), Some("0"));

        let (url, server) = answer_once("HTTP/1.1 409 Conflict\r\ncontent-length: 0\r\n\r\n");
        assert_eq!(
            open_transaction(&url, "feed42"),
            Err("cannot open a transaction: answered 409 Conflict".to_string())
        );
        server.join().expect("server");
    }

    #[test]
    fn the_start_line_names_the_url() {
        let line = "fake SPS listening on http://127.0.0.1:40211 (users: contract)";
        assert_eq!(listening_url(line), Some("http://127.0.0.1:40211"));
        assert_eq!(listening_url("log in as admin/admin"), None);
        assert_eq!(
            listening_url("fake SPS listening on https://x:1 (tls)"),
            None
        );
    }

    #[test]
    fn the_session_comes_from_the_set_cookie_header_of_a_200() {
        let answer = |status: u16, cookies: &[&str]| {
            let mut builder = ureq::http::Response::builder().status(status);
            for cookie in cookies {
                builder = builder.header("set-cookie", *cookie);
            }
            builder.body(()).expect("a response")
        };
        let ok = answer(
            200,
            &["theme=dark", "session_id=0123abcd; Path=/; HttpOnly"],
        );
        assert_eq!(session_cookie(&ok).as_deref(), Ok("0123abcd"));
        assert_eq!(
            session_cookie(&answer(200, &["theme=dark"])),
            Err("answered 200 without a session_id cookie".to_string())
        );
        assert_eq!(
            session_cookie(&answer(401, &["session_id=x"])),
            Err("refused: answered 401 Unauthorized".to_string())
        );
    }
}
