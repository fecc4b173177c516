//! Recorded sessions: the search with its filters over every page (stream, `_all`, totals), the
//! snapshot form past the 10,000-result window, a server that ignores `offset`, the CSV form,
//! a session's details and sub-lists, and the audit trail and screenshot downloads as files.

use fake_sps::recordings::{RecordingsConfig, SEARCH_WINDOW};
use sps_client::runtime::Download;
use sps_client::{SearchSessionContentParams, SearchSessionSnapshotParams, SearchSessionsParams};

use crate::support::*;

async fn start_recording(recordings: RecordingsConfig) -> Fake {
    let mut config = ServeConfig::loopback(users());
    config.engine.recordings = recordings;
    start_with(config).await
}

/// Every item of a stream, or the first error.
async fn collect<T, E>(
    stream: impl futures_util::Stream<Item = Result<T, E>>,
) -> Result<Vec<T>, E> {
    futures_util::TryStreamExt::try_collect(stream).await
}

/// The session keys (newest first) whose body satisfies `keep`, straight from the fake's data.
fn expected(fake: &Fake, keep: impl Fn(&Value) -> bool) -> Vec<String> {
    let recordings = fake.fake.engine().recordings();
    recordings
        .keys()
        .filter(|key| keep(recordings.session(key).expect("a listed session")))
        .map(str::to_owned)
        .collect()
}

fn as_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serialisable")
}

#[tokio::test]
async fn a_filtered_search_pages_through_every_match_with_its_total() {
    let fake = start().await;
    let client = fake.login(ADMIN).await;
    let want = expected(&fake, |s| {
        s["protocol"] == "SSH"
            && s["client"]["ip"]
                .as_str()
                .is_some_and(|ip| ip.starts_with("10.1."))
    });
    assert!(
        want.len() > 3,
        "the seeded data has SSH sessions from 10.1.*: {want:?}"
    );
    let params = SearchSessionsParams {
        q: Some("protocol:SSH AND client.ip:10.1.*".into()),
        fields: Some("protocol,client.ip".into()),
        limit: Some(2),
        ..Default::default()
    };

    // One page: its size, its total and its links.
    let page = client.search_sessions(&params).await.expect("first page");
    let meta = page.meta.as_ref().expect("meta");
    assert_eq!(meta.match_count, Some(want.len() as i64));
    assert_eq!(page.items.len(), 2);
    assert_eq!(
        meta.fields.as_deref(),
        Some(&["protocol".to_owned(), "client.ip".to_owned()][..])
    );
    assert!(meta.next.clone().flatten().is_some(), "{meta:?}");

    // Every page, in small pages: the same sessions in the same order as the data, each with
    // only the requested fields.
    let items = collect(client.search_sessions_stream(&params))
        .await
        .expect("every page");
    let keys: Vec<String> = items.iter().map(|i| i.key.clone()).collect();
    assert_eq!(keys, want);
    for item in &items {
        let body = as_json(&item.body);
        assert_eq!(body["protocol"], "SSH", "{body}");
        assert!(body["client"]["ip"]
            .as_str()
            .expect("ip")
            .starts_with("10.1."));
        assert!(
            body.get("duration").is_none(),
            "only the requested fields: {body}"
        );
    }
    let all = client
        .search_sessions_all(&params)
        .await
        .expect("collected");
    assert_eq!(
        all.iter().map(|i| &i.key).collect::<Vec<_>>(),
        keys.iter().collect::<Vec<_>>()
    );

    // Without a limit the appliance's page size (500) holds all 300 sessions at once.
    let everything = collect(client.search_sessions_stream(&SearchSessionsParams::default()))
        .await
        .expect("all sessions");
    assert_eq!(everything.len(), 300);

    // NOT, OR and parentheses.
    let params = SearchSessionsParams {
        q: Some("NOT protocol:SSH AND (protocol:RDP OR protocol:MSSQL)".into()),
        limit: Some(50),
        ..Default::default()
    };
    let keys: Vec<String> = collect(client.search_sessions_stream(&params))
        .await
        .expect("pages")
        .into_iter()
        .map(|i| i.key)
        .collect();
    assert_eq!(
        keys,
        expected(&fake, |s| s["protocol"] == "RDP"
            || s["protocol"] == "MSSQL")
    );
}

#[tokio::test]
async fn time_bounds_sorting_and_bad_expressions() {
    let fake = start().await;
    let client = fake.login(ADMIN).await;
    let recordings = fake.fake.engine().recordings();
    let keys: Vec<&str> = recordings.keys().collect();
    let pivot = recordings.session(keys[100]).expect("a session")["creation_time"]
        .as_str()
        .expect("a time")
        .to_owned();
    let params = SearchSessionsParams {
        start: Some(pivot.clone()),
        q: Some("active:false".into()),
        sort: Some("-duration".into()),
        fields: Some("duration,creation_time".into()),
        limit: Some(25),
        ..Default::default()
    };
    let items = collect(client.search_sessions_stream(&params))
        .await
        .expect("pages");
    let want = expected(&fake, |s| {
        s["active"] == false
            && s["creation_time"]
                .as_str()
                .is_some_and(|t| t >= pivot.as_str())
    });
    assert_eq!(items.len(), want.len());
    let durations: Vec<i64> = items
        .iter()
        .map(|i| as_json(&i.body)["duration"].as_i64().expect("duration"))
        .collect();
    assert!(durations.windows(2).all(|w| w[0] >= w[1]), "{durations:?}");

    let error = client
        .search_sessions(&SearchSessionsParams {
            q: Some("(protocol:SSH".into()),
            ..Default::default()
        })
        .await
        .expect_err("an unclosed parenthesis");
    assert_eq!(error.status(), Some(400));
    let body = as_json(error.api_body().expect("an API error"));
    assert_eq!(body["error"]["type"], "InvalidQuery", "{body}");

    // Requests are strict: a form the spec does not list is refused.
    let error = client
        .search_sessions(&SearchSessionsParams {
            format: Some(types::SessionSearchFormat::Unknown("xml".into())),
            ..Default::default()
        })
        .await
        .expect_err("an unlisted format");
    assert_eq!(error.status(), Some(400));
}

#[tokio::test]
async fn the_snapshot_pages_past_the_search_window() {
    let count = SEARCH_WINDOW + 120;
    let fake = start_recording(RecordingsConfig {
        count,
        ..RecordingsConfig::default()
    })
    .await;
    let client = fake.login(ADMIN).await;

    // The basic search counts every match but serves only the first 10,000.
    let past = client
        .search_sessions(&SearchSessionsParams {
            offset: Some(SEARCH_WINDOW as i64),
            ..Default::default()
        })
        .await
        .expect("a page past the window");
    assert!(past.items.is_empty());
    assert_eq!(past.meta.expect("meta").match_count, Some(count as i64));
    let windowed = client
        .search_sessions_all(&SearchSessionsParams::default())
        .await
        .expect("the window");
    assert_eq!(windowed.len(), SEARCH_WINDOW);

    // The snapshot has them all.
    let snapshot = client
        .create_session_snapshot()
        .await
        .expect("a snapshot")
        .expect("a body");
    let id = snapshot
        .body
        .and_then(|b| b.snapshot_id)
        .expect("the snapshot's id");
    let all = collect(
        client.search_session_snapshot_stream(&id, &SearchSessionSnapshotParams::default()),
    )
    .await
    .expect("every page of the snapshot");
    assert_eq!(all.len(), count);
    let keys: Vec<&str> = all.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(
        keys,
        fake.fake.engine().recordings().keys().collect::<Vec<_>>()
    );
    let gone = client
        .search_session_snapshot("no-such-snapshot", &SearchSessionSnapshotParams::default())
        .await
        .expect_err("an unknown snapshot");
    assert_eq!(gone.status(), Some(404));
}

/// A server that answers the same page whatever the offset: the stream stops with
/// `PagingStalled` after two requests instead of asking forever.
#[tokio::test]
async fn a_server_ignoring_offset_is_refused_not_looped_on() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    let app = axum::Router::new().route(
        "/api/audit/sessions",
        axum::routing::get(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                axum::Json(json!({
                    "items": [
                        {"key": "1", "meta": {"href": "/api/audit/sessions/1"}},
                        {"key": "2", "meta": {"href": "/api/audit/sessions/2"}},
                    ],
                    "meta": {"href": "/api/audit/sessions", "match_count": 4},
                }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = Client::new(url).expect("client");
    let params = SearchSessionsParams {
        limit: Some(2),
        ..Default::default()
    };
    let stream = client.search_sessions_stream(&params);
    let error = collect(stream).await.expect_err("a stalled listing");
    match &error {
        Error::PagingStalled { operation, offset } => {
            assert_eq!(*operation, "search_sessions");
            assert_eq!(*offset, 2);
        }
        other => panic!("expected PagingStalled, got {other:?}"),
    }
    assert!(error.to_string().contains("ignores `offset`"), "{error}");
    assert_eq!(requests.load(Ordering::SeqCst), 2);
    let error = client
        .search_sessions_all(&params)
        .await
        .expect_err("the same");
    assert!(matches!(error, Error::PagingStalled { .. }), "{error:?}");
}

#[tokio::test]
async fn the_csv_form_holds_the_same_page() {
    let fake = start().await;
    let client = fake.login(ADMIN).await;
    let params = SearchSessionsParams {
        q: Some("protocol:RDP".into()),
        fields: Some("protocol,client.ip,recording.connection_policy".into()),
        limit: Some(7),
        offset: Some(3),
        ..Default::default()
    };
    let json_page = client.search_sessions(&params).await.expect("JSON page");
    let download = client.search_sessions_csv(&params).await.expect("CSV page");
    assert_eq!(download.content_type(), Some("text/csv"));
    let csv = String::from_utf8(download.bytes().await.expect("body")).expect("UTF-8");
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("key,protocol,client.ip,recording.connection_policy")
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), json_page.items.len());
    for (row, item) in rows.iter().zip(&json_page.items) {
        let body = as_json(&item.body);
        let want = format!(
            "{},RDP,{},{}",
            item.key,
            body["client"]["ip"].as_str().expect("ip"),
            body["recording"]["connection_policy"]
                .as_str()
                .expect("policy")
        );
        assert_eq!(*row, want);
    }
}

#[tokio::test]
async fn a_session_its_lists_and_unknown_sessions() {
    let fake = start().await;
    let client = fake.login(ADMIN).await;
    let recordings = fake.fake.engine().recordings();
    // An indexed SSH session has events, channels and an indexing run.
    let key = recordings
        .keys()
        .find(|k| {
            let s = recordings.session(k).expect("session");
            s["protocol"] == "SSH" && s["recording"]["index_status"] == "INDEXED"
        })
        .expect("an indexed SSH session")
        .to_owned();

    let session = client
        .get_recorded_session(&key)
        .await
        .expect("the session");
    assert_eq!(session.key.as_deref(), Some(key.as_str()));
    assert_eq!(
        &as_json(&session.body),
        recordings.session(&key).expect("data")
    );
    let trail_href = session
        .body
        .recording
        .as_ref()
        .and_then(|r| r.audit_trail.as_ref())
        .and_then(|t| t.download.clone().flatten())
        .expect("a download link")
        .href;
    assert_eq!(trail_href, format!("/api/audit/sessions/{key}/audit_trail"));

    let events = client
        .list_session_events(&key, &Default::default())
        .await
        .expect("events");
    assert!(!events.items.is_empty());
    let meta = events.meta.expect("meta");
    assert_eq!(meta.match_count, Some(events.items.len() as i64));
    let channels = client.list_session_channels(&key).await.expect("channels");
    assert_eq!(channels.items.len(), 2);
    let first = channels.items[0].key.clone().expect("a channel key");
    let channel = client
        .get_session_channel(&key, &first)
        .await
        .expect("one channel");
    assert_eq!(
        channel.body.and_then(|b| b.r#type).as_deref(),
        Some("session shell")
    );
    let indexing = client
        .list_session_indexing(&key, &Default::default())
        .await
        .expect("indexing");
    assert_eq!(indexing.items.len(), 1);
    client
        .list_session_alerts(&key, &Default::default())
        .await
        .expect("alerts");
    client
        .list_trail_downloads(&key, &Default::default())
        .await
        .expect("trail downloads");

    // The content search finds what was typed, and nothing without an expression.
    let typed = events.items[0].action.clone().expect("an action");
    let found = client
        .search_session_content(
            &key,
            &SearchSessionContentParams {
                q: Some(typed.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("content search");
    assert!(found
        .items
        .iter()
        .all(|e| e.content.as_deref().is_some_and(|c| c.contains(&typed))));
    assert!(!found.items.is_empty());
    let none = client
        .search_session_content(&key, &Default::default())
        .await
        .expect("content search without q");
    assert!(none.items.is_empty());

    let missing = client
        .get_recorded_session("no-such-session")
        .await
        .expect_err("unknown session");
    assert_eq!(missing.status(), Some(404));
    let missing = client
        .download_audit_trail("no-such-session")
        .await
        .expect_err("unknown session's trail");
    assert_eq!(missing.status(), Some(404));
    assert!(
        missing.api_body().is_some(),
        "the error body decodes: {missing:?}"
    );
}

/// Writes a download to a fresh file in the temp directory and reads it back.
async fn saved(download: Download, name: &str) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("sps-e2e-{}-{name}", std::process::id()));
    let written = download.save(&path).await.expect("saved");
    let bytes = std::fs::read(&path).expect("read back");
    std::fs::remove_file(&path).expect("removed");
    assert_eq!(written, bytes.len() as u64);
    bytes
}

#[tokio::test]
async fn the_audit_trail_downloads_to_a_file_byte_for_byte() {
    let trail_bytes = 3 * 1024 * 1024 + 17;
    let fake = start_recording(RecordingsConfig {
        count: 20,
        trail_bytes,
        ..RecordingsConfig::default()
    })
    .await;
    let client = fake.login(ADMIN).await;
    let recordings = fake.fake.engine().recordings();
    let key = recordings.keys().nth(5).expect("a session").to_owned();

    let download = client.download_audit_trail(&key).await.expect("the trail");
    assert_eq!(download.status(), 200);
    assert_eq!(download.content_type(), Some("application/octet-stream"));
    assert_eq!(download.content_length(), Some(trail_bytes));
    let bytes = saved(download, "trail.zat").await;
    let want: Vec<u8> = recordings
        .trail(&key)
        .expect("the trail's data")
        .chunks()
        .flatten()
        .collect();
    assert_eq!(bytes.len() as u64, trail_bytes);
    assert!(
        bytes == want,
        "the downloaded trail differs from the fake's"
    );

    // Another session's trail is other bytes.
    let other = recordings.keys().nth(6).expect("another").to_owned();
    let mut stream = client
        .download_audit_trail(&other)
        .await
        .expect("another trail");
    let first = stream.chunk().await.expect("a piece").expect("not empty");
    assert_ne!(&first[..], &want[..first.len()]);
}

#[tokio::test]
async fn a_content_match_screenshot_is_a_png() {
    let fake = start().await;
    let client = fake.login(ADMIN).await;
    let key = fake
        .fake
        .engine()
        .recordings()
        .keys()
        .next()
        .expect("a session")
        .to_owned();
    let download = client
        .get_content_screenshot(&key, 10)
        .await
        .expect("a screenshot");
    assert_eq!(download.content_type(), Some("image/png"));
    let bytes = download.bytes().await.expect("body");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}
