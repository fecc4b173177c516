//! The client and server generated from fixtures/g2_routes.yaml, over real HTTP on 127.0.0.1
//! (run by tests/fixture_build.rs): offset/limit paging (`search_sessions_all`), link following
//! and percent-encoded path parameters. The real spec has no paged operation, so this is the only
//! place the paging loop runs.

use std::sync::{Arc, Mutex};

use fixture_g2_routes_client::{Client, Error, SearchSessionsParams};
use fixture_g2_routes_server::{
    Api, GetSlotRequest, GetSlotResponse, SearchSessionsRequest, SearchSessionsResponse,
    SetFormatStatusRequest, SetFormatStatusResponse,
};
use fixture_g2_routes_types as types;
use serde_json::json;

const SESSION: &str = "0123456789abcdef";
/// Page size the test server uses when the request has no `limit`.
const DEFAULT_PAGE: usize = 4;

/// What the test server saw of one `search_sessions` request.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    offset: Option<i64>,
    limit: Option<i32>,
    q: Option<String>,
    request_id: Option<String>,
}

/// The `Api` of the fixture: a fixed list of sessions, slot 1, and a format status setter.
struct Fake {
    sessions: Vec<String>,
    /// Pages starting at or after this offset answer 400.
    fail_from: Option<i64>,
    /// Largest page sent whatever the `limit` (as SPS caps `limit` at 500).
    max_page: usize,
    seen: Mutex<Vec<Seen>>,
    /// `(href as received, decoded format, dry_run)` of each `set_format_status`.
    formats: Mutex<Vec<(String, types::Format, bool)>>,
}

impl Fake {
    fn new(count: usize) -> Self {
        Self {
            sessions: (0..count).map(|i| format!("session-{i}")).collect(),
            fail_from: None,
            max_page: usize::MAX,
            seen: Mutex::new(Vec::new()),
            formats: Mutex::new(Vec::new()),
        }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("seen lock").clone()
    }

    fn offsets(&self) -> Vec<Option<i64>> {
        self.seen().into_iter().map(|s| s.offset).collect()
    }
}

fn error_body(kind: &str) -> types::ErrorResponse {
    serde_json::from_value(json!({"error": {"type": kind, "message": "test server"}}))
        .expect("error body matches ErrorResponse")
}

impl Api for Fake {
    async fn search_sessions(&self, request: SearchSessionsRequest) -> SearchSessionsResponse {
        assert_eq!(request.session_id, SESSION, "session cookie sent");
        let query = request.query;
        self.seen.lock().expect("seen lock").push(Seen {
            offset: query.offset,
            limit: query.limit,
            q: query.q.clone(),
            request_id: request.x_request_id.clone(),
        });
        let offset = query.offset.unwrap_or(0);
        if self.fail_from.is_some_and(|from| offset >= from) {
            return SearchSessionsResponse::Status4xx {
                status: 400,
                body: error_body("InvalidQuery"),
            };
        }
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let size = query
            .limit
            .map_or(DEFAULT_PAGE, |l| usize::try_from(l).unwrap_or(0))
            .min(self.max_page);
        let items = self
            .sessions
            .iter()
            .skip(start)
            .take(size)
            .map(|key| types::SessionItem {
                key: key.clone(),
                extra: serde_json::Map::new(),
            })
            .collect();
        SearchSessionsResponse::Ok(types::SessionList {
            items,
            meta: None,
            extra: serde_json::Map::new(),
        })
    }

    async fn get_slot(&self, request: GetSlotRequest) -> GetSlotResponse {
        if request.slot == 1 {
            let mut body = types::Empty::new();
            body.insert("slot".to_owned(), json!(1));
            GetSlotResponse::Ok(body)
        } else {
            GetSlotResponse::Error {
                status: 404,
                body: error_body("NotFound"),
            }
        }
    }

    async fn set_format_status(&self, request: SetFormatStatusRequest) -> SetFormatStatusResponse {
        self.formats.lock().expect("formats lock").push((
            request.href,
            request.format,
            request.query.dry_run,
        ));
        SetFormatStatusResponse::NoContent
    }
}

/// Serves `fake` on an ephemeral port; returns it and a logged-in client for it.
async fn start(fake: Fake) -> (Arc<Fake>, Client) {
    let fake = Arc::new(fake);
    let router = fixture_g2_routes_server::router(Arc::clone(&fake));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    let client = Client::builder(format!("http://{addr}"))
        .session_id(SESSION)
        .build()
        .expect("client");
    (fake, client)
}

fn keys(items: &[types::SessionItem]) -> Vec<&str> {
    items.iter().map(|i| i.key.as_str()).collect()
}

fn expected(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("session-{i}")).collect()
}

#[tokio::test]
async fn all_pages_are_collected_in_order_and_stop_at_a_short_page() {
    let (fake, client) = start(Fake::new(7)).await;
    let params = SearchSessionsParams {
        q: Some("user:alice".to_owned()),
        limit: Some(3),
        ..Default::default()
    };
    let all = client
        .search_sessions_all(&params, Some("req-42"))
        .await
        .expect("all pages");
    assert_eq!(keys(&all), expected(0..7));
    let seen = fake.seen();
    assert_eq!(
        fake.offsets(),
        vec![Some(0), Some(3), Some(6)],
        "one request per page, the last one short: {seen:?}"
    );
    // Every page repeats the caller's other parameters and headers.
    for request in &seen {
        assert_eq!(request.limit, Some(3));
        assert_eq!(request.q.as_deref(), Some("user:alice"));
        assert_eq!(request.request_id.as_deref(), Some("req-42"));
    }
    // The caller's parameters are not changed.
    assert_eq!(params.offset, None);
}

#[tokio::test]
async fn a_full_last_page_is_followed_by_one_empty_page() {
    let (fake, client) = start(Fake::new(6)).await;
    let params = SearchSessionsParams {
        limit: Some(3),
        ..Default::default()
    };
    let all = client
        .search_sessions_all(&params, None)
        .await
        .expect("all pages");
    assert_eq!(keys(&all), expected(0..6));
    assert_eq!(fake.offsets(), vec![Some(0), Some(3), Some(6)]);
    assert!(fake.seen().iter().all(|s| s.request_id.is_none()));
}

#[tokio::test]
async fn a_server_capping_the_limit_does_not_truncate_the_list() {
    let mut fake = Fake::new(12);
    fake.max_page = 5;
    let (fake, client) = start(fake).await;
    let params = SearchSessionsParams {
        limit: Some(10),
        ..Default::default()
    };
    let all = client
        .search_sessions_all(&params, None)
        .await
        .expect("all pages");
    // Pages of 5 although 10 were asked for: only the page shorter than 5 ends the list.
    assert_eq!(keys(&all), expected(0..12));
    assert_eq!(fake.offsets(), vec![Some(0), Some(5), Some(10)]);
}

#[tokio::test]
async fn a_first_page_below_the_limit_is_confirmed_by_an_empty_page() {
    let (fake, client) = start(Fake::new(7)).await;
    let params = SearchSessionsParams {
        limit: Some(10),
        ..Default::default()
    };
    let all = client
        .search_sessions_all(&params, None)
        .await
        .expect("all pages");
    assert_eq!(keys(&all), expected(0..7));
    // 7 < 10 could be a cap as well as the end: one more request tells.
    assert_eq!(fake.offsets(), vec![Some(0), Some(7)]);
}

#[tokio::test]
async fn without_a_limit_paging_stops_at_the_first_empty_page() {
    let (fake, client) = start(Fake::new(7)).await;
    let all = client
        .search_sessions_all(&SearchSessionsParams::default(), None)
        .await
        .expect("all pages");
    assert_eq!(keys(&all), expected(0..7));
    // The server's own page size is 4: 4 items, 3 items, then nothing.
    assert_eq!(fake.offsets(), vec![Some(0), Some(4), Some(7)]);
    assert!(fake.seen().iter().all(|s| s.limit.is_none()));
}

#[tokio::test]
async fn the_start_offset_is_honoured() {
    let (fake, client) = start(Fake::new(7)).await;
    let params = SearchSessionsParams {
        offset: Some(2),
        limit: Some(2),
        ..Default::default()
    };
    let all = client
        .search_sessions_all(&params, None)
        .await
        .expect("all pages");
    assert_eq!(keys(&all), expected(2..7));
    assert_eq!(fake.offsets(), vec![Some(2), Some(4), Some(6)]);

    // Starting past the end gives nothing after one request.
    let (fake, client) = start(Fake::new(7)).await;
    let params = SearchSessionsParams {
        offset: Some(10),
        limit: Some(3),
        ..Default::default()
    };
    let none = client
        .search_sessions_all(&params, None)
        .await
        .expect("empty");
    assert!(none.is_empty());
    assert_eq!(fake.offsets(), vec![Some(10)]);
}

#[tokio::test]
async fn an_error_on_a_later_page_is_the_result() {
    let mut fake = Fake::new(7);
    fake.fail_from = Some(3);
    let (fake, client) = start(fake).await;
    let params = SearchSessionsParams {
        limit: Some(3),
        ..Default::default()
    };
    let result = client.search_sessions_all(&params, None).await;
    match result {
        Err(Error::Api { status, body }) => {
            assert_eq!(status, 400);
            assert_eq!(body.error.r#type, "InvalidQuery");
        }
        other => panic!("expected the second page's API error, got {other:?}"),
    }
    // The first page succeeded, the second failed, nothing was asked after the failure.
    assert_eq!(fake.offsets(), vec![Some(0), Some(3)]);
}

#[tokio::test]
async fn a_single_page_call_sends_the_params_as_given() {
    let (fake, client) = start(Fake::new(7)).await;
    let params = SearchSessionsParams {
        offset: Some(5),
        limit: Some(10),
        ..Default::default()
    };
    let page = client
        .search_sessions(&params, None)
        .await
        .expect("one page");
    assert_eq!(keys(&page.items), expected(5..7));
    assert_eq!(fake.offsets(), vec![Some(5)]);
}

#[tokio::test]
async fn links_are_followed_with_typed_or_raw_errors() {
    let (fake, client) = start(Fake::new(7)).await;

    let slot: types::Empty = client
        .follow("/api/firmware/slots/1")
        .await
        .expect("follow slot 1");
    assert_eq!(slot.get("slot"), Some(&json!(1)));

    // A fragment (nested reference) is not sent; the query of a link is.
    let page: types::SessionList = client
        .follow("/api/audit/sessions?offset=5&limit=1#items")
        .await
        .expect("follow a paged link");
    assert_eq!(keys(&page.items), vec!["session-5"]);
    assert_eq!(fake.offsets(), vec![Some(5)]);

    // `follow` keeps error bodies raw, `follow_as` decodes them.
    match client.follow::<types::Empty>("/api/firmware/slots/9").await {
        Err(Error::Api { status, body }) => {
            assert_eq!(status, 404);
            assert_eq!(body["error"]["type"], "NotFound");
        }
        other => panic!("expected a raw 404, got {other:?}"),
    }
    match client
        .follow_as::<types::Empty, types::ErrorResponse>("/api/firmware/slots/9")
        .await
    {
        Err(Error::Api { status, body }) => {
            assert_eq!(status, 404);
            assert_eq!(body.error.r#type, "NotFound");
        }
        other => panic!("expected a typed 404, got {other:?}"),
    }

    // A link off the appliance is refused before anything is sent.
    let elsewhere = client
        .follow::<types::Empty>("//elsewhere.example/api/firmware/slots/1")
        .await;
    assert!(matches!(elsewhere, Err(Error::InvalidRequest(_))));
}

#[tokio::test]
async fn path_parameters_round_trip_percent_encoded() {
    let (fake, client) = start(Fake::new(0)).await;
    let odd = types::Format::Unknown("a/b c?d#e%f".to_owned());
    client
        .set_format_status(&odd, true, None)
        .await
        .expect("odd format");
    client
        .set_format_status(&types::Format::Csv, false, Some(&types::Empty::new()))
        .await
        .expect("csv");
    let formats = fake.formats.lock().expect("formats lock").clone();
    assert_eq!(
        formats,
        vec![
            (
                "/api/formats/a%2Fb%20c%3Fd%23e%25f/status".to_owned(),
                odd,
                true
            ),
            (
                "/api/formats/csv/status".to_owned(),
                types::Format::Csv,
                false
            ),
        ]
    );
}
