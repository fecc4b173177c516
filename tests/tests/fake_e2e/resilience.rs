//! The client against a fake that misbehaves on purpose (`ServeConfig::faults`): retries with
//! backoff, `Retry-After`, logging in again after an expired session, the lost transaction,
//! version checks, one client shared by many tasks, and what the tracing spans show.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use fake_sps::faults::{FaultPlan, Faults};
use sps_client::RetryPolicy;

use crate::support::*;

/// Quick retries, so that a test with many injected failures stays short.
fn eager_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 8,
        min_delay: Duration::from_millis(2),
        max_delay: Duration::from_millis(40),
        max_elapsed: Duration::from_secs(30),
        jitter: true,
    }
}

async fn start_faulty(faults: &str) -> Fake {
    let mut config = ServeConfig::loopback(users());
    config.faults = faults.parse().expect("a valid fault spec");
    start_with(config).await
}

fn eager_client(fake: &Fake) -> Client {
    Client::builder(fake.url())
        .retry(eager_retries())
        .build()
        .expect("client")
}

/// Names of the committed objects under `collection` (straight from the engine).
fn committed_names(fake: &Fake, collection: &str) -> Vec<String> {
    let prefix = format!("{collection}/");
    let mut names: Vec<String> = fake
        .fake
        .engine()
        .committed()
        .objects()
        .filter(|(href, _)| href.starts_with(&prefix))
        .filter_map(|(_, body)| body["name"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// Whether a failed call is worth doing the whole transaction again: the appliance was out of
/// reach, answered a gateway error, or the session (and so the transaction) died.
fn transient<E>(error: &Error<E>) -> bool {
    matches!(error, Error::Transport(_) | Error::TransactionLost { .. })
        || matches!(error.status(), Some(502..=504))
}

/// Runs one configuration change as a transaction until it commits, as a careful automation
/// script does: a POST is never repeated by the client, so a failure inside the transaction
/// rolls it back and starts over.
async fn commit_until_done(client: &Client, groups: &[String], policy: (&str, &str)) -> usize {
    for round in 1..=30 {
        let (groups, policy_key) = (groups.to_vec(), policy.0.to_owned());
        let path = policy.1.to_owned();
        let outcome = client
            .in_transaction(Some("configuration job"), |c| async move {
                for name in &groups {
                    c.create_local_group(&local_group(name, &[])).await?;
                }
                let mut current = c.get_backup_policy(&policy_key).await?.body;
                if let types::BackupTarget::Nfs(nfs) = &mut current.target {
                    nfs.path = Some(path);
                }
                c.replace_backup_policy(&policy_key, &current).await?;
                Ok::<_, Error<types::ErrorResponse>>(())
            })
            .await;
        match outcome {
            Ok(()) => return round,
            Err(e) if transient(&e) => {
                // The rollback of `in_transaction` may itself have failed; make sure the lock
                // is free before the next round.
                if client.in_open_transaction() {
                    let _ = client.transaction().rollback().await;
                }
            }
            Err(e) => panic!("round {round}: not a transient failure: {e}"),
        }
    }
    panic!("the transaction never committed")
}

const LONG_JOB_FAULTS: &str =
    "seed=13,expire@at=100/250,503@8%,502+retry-after=0@4%,504@3%,drop@5%";

#[test]
fn the_long_job_plan_fails_a_fifth_of_the_requests_and_expires_twice() {
    let plan: FaultPlan = LONG_JOB_FAULTS.parse().expect("valid");
    let faults = Faults::new(plan);
    let decisions: Vec<_> = (1..=1000).map(|n| faults.decide(n)).collect();
    let failed = decisions.iter().filter(|d| d.fault.is_some()).count();
    assert!((170..260).contains(&failed), "{failed} of 1000");
    let expiries = decisions
        .iter()
        .filter(|d| d.fault == Some(fake_sps::faults::Fault::Expire))
        .count();
    assert_eq!(expiries, 2);
}

#[tokio::test]
async fn a_long_configuration_job_completes_through_transient_failures_and_expiries() {
    let fake = start_faulty(LONG_JOB_FAULTS).await;
    let client = eager_client(&fake);
    client
        .login(ADMIN.0, ADMIN.1)
        .await
        .expect("login, retried");
    let mut sessions = BTreeSet::new();
    sessions.extend(client.session_id());

    let policy = client.list_backup_policies().await.expect("list").items[0]
        .key
        .clone();
    let mut reads = 0;
    let mut rounds = Vec::new();
    for batch in 0..3 {
        // A hundred reads of the kind a configuration job makes before it changes anything.
        for i in 0..100 {
            match i % 4 {
                0 => {
                    client.list_local_groups().await.expect("groups");
                }
                1 => {
                    client.get_backup_policy(&policy).await.expect("policy");
                }
                2 => {
                    client.list_usermapping_policies().await.expect("mappings");
                }
                _ => {
                    client
                        .follow::<Value>("/api/configuration")
                        .await
                        .expect("index");
                }
            }
            reads += 1;
            sessions.extend(client.session_id());
        }
        let groups = [format!("job-{batch}-a"), format!("job-{batch}-b")];
        let path = format!("/exports/job-{batch}");
        rounds.push(commit_until_done(&client, &groups, (&policy, &path)).await);
        sessions.extend(client.session_id());
    }

    assert_eq!(reads, 300);
    assert!(
        sessions.len() >= 3,
        "the session expired twice and the client logged in again: {} sessions",
        sessions.len()
    );
    // Every group exactly once, however often its transaction had to start over.
    let expected: Vec<String> = (0..3)
        .flat_map(|b| [format!("job-{b}-a"), format!("job-{b}-b")])
        .collect();
    let created: Vec<String> = committed_names(&fake, GROUPS)
        .into_iter()
        .filter(|n| n.starts_with("job-"))
        .collect();
    assert_eq!(created, expected, "transactions took {rounds:?} rounds");
    let committed = fake
        .committed(&format!("{BACKUP}/{policy}"))
        .expect("the policy");
    assert_eq!(committed["target"]["path"], "/exports/job-2");
    assert!(!client.in_open_transaction());
}

#[tokio::test]
async fn a_transaction_whose_session_dies_is_reported_lost_and_nothing_is_committed() {
    let fake = start().await;
    let client = fake.login(ADMIN).await;
    let engine = fake.fake.clone();
    let session = client.session_id().expect("session");
    let before = committed_names(&fake, GROUPS);

    let outcome = client
        .in_transaction(Some("doomed"), |c| async move {
            c.create_local_group(&local_group("doomed-1", &[])).await?;
            // The appliance ends the session (idle timeout, restart, ...) mid-transaction.
            assert!(engine.engine().end_session(&session));
            c.create_local_group(&local_group("doomed-2", &[])).await?;
            Ok::<_, Error<types::ErrorResponse>>(())
        })
        .await;
    match outcome {
        Err(Error::TransactionLost { operation }) => {
            assert_eq!(operation, "create_local_group")
        }
        other => panic!("expected TransactionLost, got {other:?}"),
    }
    assert!(!client.in_open_transaction());
    assert_eq!(
        committed_names(&fake, GROUPS),
        before,
        "nothing half-committed"
    );
    // Outside the transaction the client logs in again by itself.
    let groups = client.list_local_groups().await.expect("logged in again");
    assert_eq!(groups.items.len(), before.len());
    assert_ne!(client.session_id(), None);
}

#[tokio::test]
async fn an_expired_session_is_renewed_once_unless_turned_off() {
    let fake = start().await;
    let client = fake.login(ADMIN).await;
    let first = client.session_id().expect("session");
    fake.fake.engine().end_session(&first);
    client
        .list_local_groups()
        .await
        .expect("repeated after a new login");
    assert_ne!(client.session_id().as_deref(), Some(first.as_str()));

    let strict = Client::builder(fake.url())
        .relogin(false)
        .build()
        .expect("client");
    strict.login(ADMIN.0, ADMIN.1).await.expect("login");
    fake.fake
        .engine()
        .end_session(&strict.session_id().expect("session"));
    api_error(
        strict.list_local_groups().await,
        401,
        ErrorType::Unauthenticated,
    );

    // Wrong credentials are not retried in a loop: the login itself answers 401.
    let wrong = fake.client();
    api_error(
        wrong.login(ADMIN.0, "wrong").await,
        401,
        ErrorType::AuthenticationFailure,
    );
}

#[tokio::test]
async fn gateway_errors_are_retried_for_idempotent_calls_only() {
    // Requests: 1 the login; 2 a GET (503) and 3 its retry; 4 a POST (503, not repeated);
    // 5 the repeatable POST (503) and 6 its retry.
    let fake = start_faulty("503@at=2/4/5").await;
    let client = eager_client(&fake);
    client.login(ADMIN.0, ADMIN.1).await.expect("login");
    client.list_local_groups().await.expect("GET retried");
    let open = client.transaction().open().await;
    assert_eq!(
        open.expect_err("a POST is not repeated").status(),
        Some(503)
    );
    client
        .run_cleanup_now()
        .await
        .expect("x-sps-repeatable: retried");

    // Without retries the gateway's answer comes back as it is.
    let fake = start_faulty("502@at=2").await;
    let once = Client::builder(fake.url())
        .retry(RetryPolicy::none())
        .build()
        .expect("client");
    once.login(ADMIN.0, ADMIN.1).await.expect("login");
    match once.list_local_groups().await {
        Err(Error::UnexpectedResponse { status: 502, .. }) => {}
        other => panic!("expected the 502, got {other:?}"),
    }
}

#[tokio::test]
async fn dropped_connections_and_refusals_are_retried() {
    let fake = start_faulty("drop@at=2/3").await;
    let client = eager_client(&fake);
    client.login(ADMIN.0, ADMIN.1).await.expect("login");
    client
        .list_local_groups()
        .await
        .expect("two drops, then an answer");

    // Nothing listens: every attempt is refused, and the error says so.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let nowhere = Client::builder(format!("http://127.0.0.1:{port}"))
        .retry(RetryPolicy {
            max_attempts: 3,
            ..eager_retries()
        })
        .build()
        .expect("client");
    match nowhere.login("a", "b").await {
        Err(Error::Transport(e)) => assert!(e.is_connect(), "{e}"),
        other => panic!("expected a connection error, got {other:?}"),
    }
}

#[tokio::test]
async fn timeouts_are_retried_for_idempotent_calls() {
    // Request 2 (the GET) is slower than the client waits; its retry is not.
    let fake = start_faulty("latency=5s@at=2").await;
    let client = Client::builder(fake.url())
        .timeout(Duration::from_millis(500))
        .retry(eager_retries())
        .build()
        .expect("client");
    client.login(ADMIN.0, ADMIN.1).await.expect("login");
    client
        .list_local_groups()
        .await
        .expect("answered by the second attempt");
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let fake = start_faulty("503+retry-after=1@at=2").await;
    let client = eager_client(&fake);
    client.login(ADMIN.0, ADMIN.1).await.expect("login");
    let started = Instant::now();
    client.list_local_groups().await.expect("after the wait");
    // Behaviour, not speed: the client waited at least what the server asked for.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn operations_outside_the_appliance_version_are_refused_before_sending() {
    let fake = start().await;
    let client = fake.login(ADMIN).await;
    let version = client.read_appliance_version().await.expect("version");
    assert_eq!(
        client.appliance_version().as_deref(),
        Some(version.as_str())
    );
    // The fake answers as SPS 6.9.3; the firmware test is documented for 7.x and 8.0.
    assert!(version.starts_with("6."), "{version}");
    let body = types::FirmwareTestRequest {
        slot_id: serde_json::from_value(json!(1)).expect("slot"),
        extra: Default::default(),
    };
    match client.test_firmware(&body).await {
        Err(Error::UnsupportedVersion {
            operation,
            appliance,
            documented,
        }) => {
            assert_eq!(
                (operation, appliance.as_str(), documented),
                ("test_firmware", version.as_str(), &["7.x", "8.0"][..])
            );
        }
        other => panic!("expected UnsupportedVersion, got {other:?}"),
    }
    // Turned off, the request goes out and the (fake) appliance answers.
    let unchecked = Client::builder(fake.url())
        .check_versions(false)
        .appliance_version(version)
        .build()
        .expect("client");
    unchecked.login(ADMIN.0, ADMIN.1).await.expect("login");
    unchecked
        .test_firmware(&body)
        .await
        .expect("sent without the check");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_shared_by_many_tasks_logs_in_again_once() {
    let fake = start().await;
    let client = fake.login(ADMIN).await;
    fake.fake
        .engine()
        .end_session(&client.session_id().expect("session"));
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.list_local_groups().await.map(|l| l.items.len()) })
        })
        .collect();
    for task in tasks {
        task.await
            .expect("task")
            .expect("every task gets its answer");
    }
    assert_eq!(
        fake.fake.engine().session_count(),
        1,
        "one new login for all of them"
    );
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_call_has_a_span_without_secrets() {
    let fake = start_faulty("503@at=3").await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let client = eager_client(&fake);
    client.login(ADMIN.0, ADMIN.1).await.expect("login");
    let session = client.session_id().expect("session");
    let policy = client.list_backup_policies().await.expect("list").items[0]
        .key
        .clone();
    client
        .get_backup_policy(&policy)
        .await
        .expect("get, retried once");

    let text = String::from_utf8_lossy(&captured.0.lock().expect("buffer")).into_owned();
    let closes: BTreeMap<&str, &str> = text
        .lines()
        .filter(|l| l.contains("sps_call") && l.contains("close"))
        .filter_map(|l| {
            let op = l.split("operation=").nth(1)?.split_whitespace().next()?;
            Some((op.trim_matches('"'), l))
        })
        .collect();
    let get = closes.get("get_backup_policy").expect("a span for the get");
    for field in [
        "method=\"GET\"",
        "path=\"/api/configuration/policies/backup_policies/{key}\"",
        "status=200",
        "attempt=2",
        "duration_ms=",
    ] {
        assert!(get.contains(field), "{field} missing in {get}");
    }
    assert!(closes.contains_key("authenticate"), "{text}");
    assert!(text.contains("retrying"), "{text}");
    for secret in [ADMIN.1, session.as_str(), policy.as_str()] {
        assert!(!text.contains(secret), "{secret} leaked into:\n{text}");
    }
}
