//! The generated client (`sps_client`) against the fake appliance (`fake-sps`), in-process on
//! 127.0.0.1 over real HTTP and HTTPS.
//!
//! Every test starts its own fake on a free port, so tests run in parallel without sharing
//! state. What is proved: login and session handling, browsing the configuration tree by its
//! `meta` links, transactions (helper and closure form) with commit, changelog and rollback, the
//! configuration lock, write-once passwords, unknown fields and enumeration values surviving a
//! GET -> PUT round trip, every error type the fake produces decoded as `Error::Api`, and TLS.

use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fake_sps::app::FakeSps;
use fake_sps::server::TlsFiles;
use fake_sps::session::{ManualClock, User};
use fake_sps::{serve, ServeConfig, ServerHandle};
use serde_json::{json, Value};
use sps_client::runtime::{Call, Method};
use sps_client::types::{self, ErrorType, Reference, TransactionChangeType, TransactionStatus};
use sps_client::{Client, Error};

const ADMIN: (&str, &str) = ("admin", "s3cret");
const BOB: (&str, &str) = ("bob", "hunter2");

const GROUPS: &str = "/api/configuration/aaa/local_database/groups";
const USERS: &str = "/api/configuration/aaa/local_database/users";
const USERMAPPING: &str = "/api/configuration/policies/usermapping_policies";
const BACKUP: &str = "/api/configuration/policies/backup_policies";

type ApiResult<T> = Result<T, Error<types::ErrorResponse>>;

/// A running fake appliance.
struct Fake {
    server: ServerHandle,
    fake: Arc<FakeSps>,
}

impl Fake {
    fn url(&self) -> String {
        self.server.url()
    }

    /// A client without a session.
    fn client(&self) -> Client {
        Client::new(self.url()).expect("the fake's URL is a valid base URL")
    }

    /// A client logged in as `user`, with its own session.
    async fn login(&self, (name, password): (&str, &str)) -> Client {
        let client = self.client();
        client
            .login(name, password)
            .await
            .unwrap_or_else(|e| panic!("login as {name}: {e}"));
        client
    }

    /// The committed body at `href`, straight from the engine.
    fn committed(&self, href: &str) -> Option<Value> {
        self.fake.engine().committed().get(href).cloned()
    }
}

fn users() -> Vec<User> {
    [ADMIN, BOB]
        .iter()
        .map(|(name, password)| User {
            name: (*name).to_owned(),
            password: (*password).to_owned(),
            groups: Vec::new(),
        })
        .collect()
}

async fn start_with(config: ServeConfig) -> Fake {
    let (server, fake) = serve(config).await.expect("the fake starts");
    Fake { server, fake }
}

async fn start() -> Fake {
    start_with(ServeConfig::loopback(users())).await
}

/// Asserts that `result` is `Error::Api` with `status` and `kind`; returns the decoded body.
#[track_caller]
fn api_error<T: std::fmt::Debug>(
    result: ApiResult<T>,
    status: u16,
    kind: ErrorType,
) -> types::ErrorResponse {
    match result {
        Err(Error::Api { status: got, body }) => {
            assert_eq!(
                (got, &body.error.r#type),
                (status, &kind),
                "wrong error: {body:?}"
            );
            *body
        }
        other => panic!("expected Error::Api (HTTP {status}, {kind:?}), got {other:?}"),
    }
}

/// A request the typed methods cannot express (wrong method, wrong body shape, repeated query
/// parameter), sent and decoded by the client's own machinery.
async fn send_raw(client: &Client, call: Call) -> ApiResult<Value> {
    client.send::<Value, types::ErrorResponse>(call).await
}

/// One request with a plain reqwest client carrying `client`'s session cookie: a view of the
/// wire that does not go through the generated types.
async fn wire(client: &Client, method: Method, href: &str, body: Option<&Value>) -> (u16, Value) {
    let session = client.session_id().expect("logged in");
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{href}", client.base_url()))
        .header("cookie", format!("session_id={session}"));
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("the fake answers");
    let status = response.status().as_u16();
    let body = response.json().await.expect("a JSON answer");
    (status, body)
}

/// The fake always sends `meta`, which the spec cannot promise (published samples omit it).
fn meta(meta: &Option<types::Meta>) -> &types::Meta {
    meta.as_ref().expect("the fake sends meta")
}

fn status_of(tx: &types::TransactionObject) -> Option<&TransactionStatus> {
    tx.body
        .as_ref()
        .or(tx.transaction.as_ref())
        .map(|t| &t.status)
}

fn local_group(name: &str, members: &[&str]) -> types::LocalGroup {
    types::LocalGroup {
        name: name.to_owned(),
        members: members.iter().map(|m| Reference::from(*m)).collect(),
        extra: Default::default(),
    }
}

fn usermapping(name: &str, remote_user: &str, groups: &[&str]) -> types::UsermappingPolicy {
    types::UsermappingPolicy {
        name: name.to_owned(),
        allow_other_remote_users_without_mapping: Some(false),
        mappings: Some(vec![types::UserMapping {
            remote_user: remote_user.to_owned(),
            allowed_groups: groups.iter().map(|g| (*g).to_owned()).collect(),
            extra: Default::default(),
        }]),
        extra: Default::default(),
    }
}

fn nfs_backup(name: &str, path: &str) -> types::BackupPolicy {
    types::BackupPolicy {
        name: name.to_owned(),
        include_node_id_in_path: Some(false),
        notification_event: Some(types::NotificationEvent {
            r#type: Some(types::NotificationEventType::ErrorsOnly),
            ..Default::default()
        }),
        target: types::BackupTarget::Nfs(types::NfsTarget {
            server: Some(types::ServerAddress::Ip("10.0.0.5".to_owned())),
            path: Some(path.to_owned()),
            extra: Default::default(),
        }),
        start_times: Some(vec!["2:00".to_owned()]),
        extra: Default::default(),
    }
}

/// Key of the first sample user: the target of group memberships.
async fn a_user_key(client: &Client) -> String {
    let users = client.list_local_users().await.expect("list users");
    users.items.first().expect("a sample user").key.clone()
}

// --- sessions ------------------------------------------------------------------------------

#[tokio::test]
async fn login_keeps_the_session_and_bad_logins_are_decoded() {
    let fake = start().await;

    // Login sets the 40-hex-character session cookie, which the client then sends.
    let client = fake.client();
    let reply = client.login(ADMIN.0, ADMIN.1).await.expect("login");
    assert_eq!(reply.meta.href, "/api/authentication");
    let session = client.session_id().expect("session cookie captured");
    assert_eq!(session.len(), 40, "{session}");
    assert!(session.chars().all(|c| c.is_ascii_hexdigit()), "{session}");
    let tx = client
        .get_transaction()
        .await
        .expect("a call with the session");
    assert_eq!(status_of(&tx), Some(&TransactionStatus::Closed));

    // A saved session id works from another client.
    let resumed = Client::builder(fake.url())
        .session_id(session.clone())
        .build()
        .expect("client");
    resumed
        .get_configuration_index()
        .await
        .expect("the saved session is valid");

    // Wrong password: 401 AuthenticationFailure, and no session.
    let stranger = fake.client();
    let body = api_error(
        stranger.login(ADMIN.0, "wrong").await,
        401,
        ErrorType::AuthenticationFailure,
    );
    assert_eq!(
        body.meta.map(|m| m.href).as_deref(),
        Some("/api/authentication")
    );
    assert_eq!(stranger.session_id(), None);
    api_error(
        stranger.login("nobody", ADMIN.1).await,
        401,
        ErrorType::AuthenticationFailure,
    );

    // No session at all: 401 Unauthenticated from the router (cookie missing).
    let body = api_error(
        stranger.get_configuration_index().await,
        401,
        ErrorType::Unauthenticated,
    );
    assert_eq!(
        body.meta.map(|m| m.href).as_deref(),
        Some("/api/configuration")
    );

    // A made-up session: 401 Unauthenticated from the appliance, naming the path.
    let forged = Client::builder(fake.url())
        .session_id("0".repeat(40))
        .build()
        .expect("client");
    let body = api_error(
        forged.list_local_groups().await,
        401,
        ErrorType::Unauthenticated,
    );
    let details = body.error.details.expect("details");
    assert_eq!(details.path.as_deref(), Some(GROUPS));

    // Info answers without a session, with fewer fields.
    let anonymous = stranger.get_info().await.expect("info without a session");
    let full = client.get_info().await.expect("info with a session");
    assert_eq!(anonymous.key, "about_info");
    assert!(anonymous.body.version.is_none(), "{anonymous:?}");
    assert!(full.body.version.is_some(), "{full:?}");

    fake.server.shutdown().await;
}

// --- browsing ------------------------------------------------------------------------------

#[tokio::test]
async fn browse_from_the_configuration_root_by_links() {
    let fake = start().await;
    let client = fake.login(ADMIN).await;

    // index -> child index -> child index -> collection -> item, following `meta.href`.
    let root = client.get_configuration_index().await.expect("root index");
    assert_eq!(meta(&root.meta).href, "/api/configuration");
    assert_eq!(
        meta(&root.meta).transaction.as_deref(),
        Some("/api/transaction")
    );
    let keys: Vec<&str> = root.items.iter().map(|i| i.key.as_str()).collect();
    assert!(
        keys.contains(&"aaa") && keys.contains(&"policies"),
        "{keys:?}"
    );
    let aaa_link = &root
        .items
        .iter()
        .find(|i| i.key == "aaa")
        .expect("aaa")
        .meta
        .href;

    let aaa: types::IndexList = client.follow(aaa_link).await.expect("follow aaa");
    assert_eq!(aaa, client.get_aaa_index().await.expect("typed aaa index"));
    assert_eq!(
        meta(&aaa.meta).parent,
        Some(Some("/api/configuration".to_owned()))
    );
    let db_link = &aaa
        .items
        .iter()
        .find(|i| i.key == "local_database")
        .expect("local_database")
        .meta
        .href;

    let db: types::IndexList = client.follow(db_link).await.expect("follow local_database");
    let children: Vec<&str> = db.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(children, ["groups", "users"]);
    let groups_link = &db.items[0].meta.href;
    assert_eq!(groups_link, GROUPS);

    let groups: types::LocalGroupList = client.follow(groups_link).await.expect("follow groups");
    assert_eq!(
        groups,
        client.list_local_groups().await.expect("typed list")
    );
    // Siblings under local_database: groups is first, users follows.
    assert_eq!(meta(&groups.meta).previous, Some(None));
    assert_eq!(meta(&groups.meta).next, Some(Some(USERS.to_owned())));
    let first = groups.items.first().expect("a sample group");

    let group: types::LocalGroupObject = client.follow(&first.meta.href).await.expect("item");
    assert_eq!(group.key, first.key);
    assert_eq!(meta(&group.meta).href, first.meta.href);
    assert_eq!(meta(&group.meta).parent, Some(Some(GROUPS.to_owned())));
    assert_eq!(
        group,
        client.get_local_group(&first.key).await.expect("typed get")
    );

    // `next` of the groups collection leads to the users collection, whose `next` is null.
    let next = meta(&groups.meta)
        .next
        .clone()
        .flatten()
        .expect("next link");
    let users: types::LocalUserList = client.follow(&next).await.expect("follow next");
    assert_eq!(meta(&users.meta).href, USERS);
    assert_eq!(meta(&users.meta).next, Some(None));

    // The documentation's examples also request collections with a trailing slash.
    let (status, slashed) = wire(&client, Method::GET, &format!("{BACKUP}/"), None).await;
    assert_eq!(status, 200, "{slashed}");
    assert_eq!(slashed["meta"]["href"], json!(BACKUP));
    let listed: types::BackupPolicyList =
        client.follow(&format!("{BACKUP}/")).await.expect("follow");
    assert_eq!(
        listed,
        client.list_backup_policies().await.expect("typed list")
    );

    // A typed error body through `follow_as`.
    let missing = client
        .follow_as::<types::LocalGroupObject, types::ErrorResponse>(&format!("{GROUPS}/nope"))
        .await;
    api_error(missing, 404, ErrorType::NotFound);
    // Links must stay on the appliance.
    assert!(matches!(
        client
            .follow::<Value>("https://elsewhere.example/api")
            .await,
        Err(Error::InvalidRequest(_))
    ));

    fake.server.shutdown().await;
}

#[tokio::test]
async fn every_link_under_the_configuration_root_resolves() {
    let fake = start().await;
    let client = fake.login(ADMIN).await;
    // A second object in the groups collection, so that item siblings form a real chain.
    client
        .in_transaction(None, |c| async move {
            c.create_local_group(&local_group("second", &[])).await
        })
        .await
        .expect("create a group");

    // Breadth-first over `items[].meta.href`; every child names its listing as parent.
    let mut queue = VecDeque::from([("/api/configuration".to_owned(), None::<String>)]);
    let mut seen = BTreeSet::new();
    let mut listings: Vec<(String, Vec<String>)> = Vec::new();
    let mut metas = std::collections::BTreeMap::new();
    let mut objects = 0;
    while let Some((href, parent)) = queue.pop_front() {
        assert!(seen.insert(href.clone()), "{href} is linked twice");
        assert!(seen.len() < 500, "the walk does not end");
        let answer: Result<Value, Error<types::ErrorResponse>> = client.follow_as(&href).await;
        let answer = match answer {
            Ok(answer) => answer,
            // The passwords endpoint is write-only: it has a POST and items, but no listing.
            Err(Error::Api { status: 405, body })
                if href == "/api/configuration/passwords"
                    && body.error.r#type == ErrorType::MethodNotAllowed =>
            {
                continue
            }
            Err(e) => panic!("{href}: {e}"),
        };
        assert_eq!(answer["meta"]["href"], json!(href), "{answer}");
        assert_eq!(
            answer["meta"]["transaction"],
            json!("/api/transaction"),
            "{answer}"
        );
        if let Some(parent) = parent {
            assert_eq!(answer["meta"]["parent"], json!(parent), "{answer}");
        }
        if answer.get("body").is_some() {
            objects += 1;
        }
        let mut children = Vec::new();
        for item in answer["items"].as_array().into_iter().flatten() {
            let child = item["meta"]["href"].as_str().expect("items carry a link");
            children.push(child.to_owned());
            queue.push_back((child.to_owned(), Some(href.clone())));
        }
        if !children.is_empty() {
            listings.push((href.clone(), children));
        }
        metas.insert(href, answer["meta"].clone());
    }
    for expected in [GROUPS, USERS, USERMAPPING, BACKUP] {
        assert!(seen.contains(expected), "{expected} not reached");
    }
    assert!(objects >= 8, "only {objects} objects reached");

    // Sibling links follow the order of the parent's listing: first, last, and null past
    // either end.
    let link = |href: Option<&String>| href.map_or(Value::Null, |h| json!(h));
    for (parent, children) in &listings {
        for (i, child) in children.iter().enumerate() {
            let Some(meta) = metas.get(child) else {
                continue; // not readable (see above)
            };
            let expected = json!({
                "first": link(children.first()),
                "last": link(children.last()),
                "previous": link(i.checked_sub(1).and_then(|p| children.get(p))),
                "next": link(children.get(i + 1)),
            });
            let actual = json!({
                "first": meta["first"],
                "last": meta["last"],
                "previous": meta["previous"],
                "next": meta["next"],
            });
            assert_eq!(actual, expected, "links of {child} under {parent}");
        }
    }
    let groups = listings
        .iter()
        .find(|(parent, _)| parent == GROUPS)
        .expect("groups listed");
    assert!(groups.1.len() >= 2, "{groups:?}");

    fake.server.shutdown().await;
}

// --- transactions --------------------------------------------------------------------------

#[tokio::test]
async fn create_modify_delete_in_transactions_and_read_back_from_another_session() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let member = a_user_key(&admin).await;

    // 1. Create with the step-by-step helper.
    let tx = admin.transaction();
    let opened = tx.open().await.expect("open");
    assert_eq!(
        status_of(opened.as_ref().expect("the fake sends the state")),
        Some(&TransactionStatus::Open)
    );
    let group_body = local_group("e2e-operators", &[&member]);
    let um_body = usermapping("e2e-root", "root", &["e2e-operators"]);
    let bp_body = nfs_backup("e2e-nightly", "/exports/sps");
    let group = admin
        .create_local_group(&group_body)
        .await
        .expect("create group");
    let um = admin
        .create_usermapping_policy(&um_body)
        .await
        .expect("create usermapping");
    let bp = admin
        .create_backup_policy(&bp_body)
        .await
        .expect("create backup policy");
    for (created, collection) in [(&group, GROUPS), (&um, USERMAPPING), (&bp, BACKUP)] {
        assert_eq!(created.key.len(), 22, "{created:?}");
        assert_eq!(created.meta.href, format!("{collection}/{}", created.key));
    }

    // The holder sees its changes; another session sees only committed data.
    assert_eq!(
        admin
            .get_local_group(&group.key)
            .await
            .expect("own change")
            .body,
        group_body
    );
    let bob = fake.login(BOB).await;
    api_error(
        bob.get_local_group(&group.key).await,
        404,
        ErrorType::NotFound,
    );

    let changes = tx
        .changes()
        .await
        .expect("changes")
        .changes
        .expect("a changelog");
    let summary: Vec<(TransactionChangeType, &str)> = changes
        .iter()
        .map(|c| (c.r#type.clone(), c.path.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (TransactionChangeType::Create, group.meta.href.as_str()),
            (TransactionChangeType::Create, um.meta.href.as_str()),
            (TransactionChangeType::Create, bp.meta.href.as_str()),
        ]
    );
    assert_eq!(
        changes[0].new_value,
        Some(serde_json::to_value(&group_body).expect("json"))
    );
    assert_eq!(
        changes[2].new_value,
        Some(serde_json::to_value(&bp_body).expect("json"))
    );
    assert!(changes.iter().all(|c| c.old_value.is_none()), "{changes:?}");

    let committed = tx.commit(Some("e2e: create")).await.expect("commit");
    assert_eq!(
        status_of(committed.as_ref().expect("the fake sends the state")),
        Some(&TransactionStatus::Closed)
    );

    // A second, fresh session reads the committed objects back through the typed methods.
    let reader = fake.login(BOB).await;
    assert_eq!(
        reader
            .get_local_group(&group.key)
            .await
            .expect("group")
            .body,
        group_body
    );
    assert_eq!(
        reader
            .get_usermapping_policy(&um.key)
            .await
            .expect("um")
            .body,
        um_body
    );
    let read_bp = reader
        .get_backup_policy(&bp.key)
        .await
        .expect("backup policy");
    assert_eq!(read_bp.body, bp_body);
    assert!(matches!(read_bp.body.target, types::BackupTarget::Nfs(_)));
    let listed = reader.list_backup_policies().await.expect("list");
    assert!(listed.items.iter().any(|i| i.key == bp.key), "{listed:?}");

    // 2. Modify with the closure form; the closure's value comes back after the commit.
    let group_v2 = local_group("e2e-operators-2", &[]);
    let um_v2 = usermapping("e2e-root", "root", &["e2e-operators-2"]);
    let bp_v2 = nfs_backup("e2e-nightly", "/exports/sps-v2");
    let keys = (group.key.clone(), um.key.clone(), bp.key.clone());
    let (g2, u2, b2) = (group_v2.clone(), um_v2.clone(), bp_v2.clone());
    let changed = admin
        .in_transaction(Some("e2e: modify"), |c| async move {
            c.replace_local_group(&keys.0, &g2).await?;
            c.replace_usermapping_policy(&keys.1, &u2).await?;
            c.replace_backup_policy(&keys.2, &b2).await?;
            let changes = c.list_transaction_changes().await?;
            Ok::<_, Error<types::ErrorResponse>>(changes.changes.unwrap_or_default())
        })
        .await
        .expect("modify in a transaction");
    assert_eq!(changed.len(), 3, "{changed:?}");
    assert!(changed
        .iter()
        .all(|c| c.r#type == TransactionChangeType::Replace));
    assert_eq!(
        changed[0].old_value,
        Some(serde_json::to_value(&group_body).expect("json"))
    );
    assert_eq!(
        changed[0].new_value,
        Some(serde_json::to_value(&group_v2).expect("json"))
    );
    assert_eq!(
        status_of(&admin.get_transaction().await.expect("status")),
        Some(&TransactionStatus::Closed),
        "in_transaction commits"
    );
    assert_eq!(
        reader
            .get_local_group(&group.key)
            .await
            .expect("group")
            .body,
        group_v2
    );
    assert_eq!(
        reader
            .get_usermapping_policy(&um.key)
            .await
            .expect("um")
            .body,
        um_v2
    );
    assert_eq!(
        reader.get_backup_policy(&bp.key).await.expect("bp").body,
        bp_v2
    );

    // 3. Delete with the helper.
    tx.open().await.expect("open again");
    let deleted = admin
        .delete_local_group(&group.key)
        .await
        .expect("delete group");
    assert_eq!(deleted.meta.href, group.meta.href);
    assert_eq!(deleted.meta.parent, Some(Some(GROUPS.to_owned())));
    admin
        .delete_usermapping_policy(&um.key)
        .await
        .expect("delete um");
    admin
        .delete_backup_policy(&bp.key)
        .await
        .expect("delete bp");
    let changes = tx
        .changes()
        .await
        .expect("changes")
        .changes
        .unwrap_or_default();
    assert!(
        changes
            .iter()
            .all(|c| c.r#type == TransactionChangeType::Delete),
        "{changes:?}"
    );
    assert_eq!(
        changes[2].old_value,
        Some(serde_json::to_value(&bp_v2).expect("json"))
    );
    assert!(changes.iter().all(|c| c.new_value.is_none()));
    // Not gone for others before the commit.
    reader
        .get_local_group(&group.key)
        .await
        .expect("still committed");
    tx.commit(None).await.expect("commit deletes");
    api_error(
        reader.get_local_group(&group.key).await,
        404,
        ErrorType::NotFound,
    );
    api_error(
        reader.get_usermapping_policy(&um.key).await,
        404,
        ErrorType::NotFound,
    );
    api_error(
        reader.get_backup_policy(&bp.key).await,
        404,
        ErrorType::NotFound,
    );
    assert_eq!(fake.committed(&bp.meta.href), None);

    fake.server.shutdown().await;
}

#[tokio::test]
async fn rollback_discards_every_change() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let groups_before = admin.list_local_groups().await.expect("groups");
    let sample = groups_before.items.first().expect("a sample group").clone();
    let sample_body = fake.committed(&sample.meta.href).expect("committed sample");
    let um_before = admin.list_usermapping_policies().await.expect("policies");
    let um_sample = um_before.items.first().expect("a sample policy").clone();

    let tx = admin.transaction();
    tx.open().await.expect("open");
    let created = admin
        .create_local_group(&local_group("doomed", &[]))
        .await
        .expect("create");
    admin
        .replace_local_group(&sample.key, &local_group("renamed", &[]))
        .await
        .expect("replace");
    admin
        .delete_usermapping_policy(&um_sample.key)
        .await
        .expect("delete");
    assert_eq!(
        tx.changes()
            .await
            .expect("changes")
            .changes
            .map(|c| c.len()),
        Some(3)
    );
    let rolled = tx.rollback().await.expect("rollback");
    assert_eq!(
        status_of(rolled.as_ref().expect("the fake sends the state")),
        Some(&TransactionStatus::Closed)
    );

    // Nothing happened, for the holder too.
    api_error(
        admin.get_local_group(&created.key).await,
        404,
        ErrorType::NotFound,
    );
    assert_eq!(
        admin.list_local_groups().await.expect("groups"),
        groups_before
    );
    assert_eq!(
        admin.list_usermapping_policies().await.expect("policies"),
        um_before
    );
    assert_eq!(fake.committed(&sample.meta.href), Some(sample_body));
    // The changelog of a closed transaction is empty.
    let changes = admin.list_transaction_changes().await.expect("changes");
    assert!(changes.changes.unwrap_or_default().is_empty());

    // The closure form rolls back when the work fails, and hands back the work's error.
    let failed: ApiResult<()> = admin
        .in_transaction(None, |c| async move {
            c.create_local_group(&local_group("half-done", &[])).await?;
            c.get_local_group("no-such-group").await?;
            Ok(())
        })
        .await;
    api_error(failed, 404, ErrorType::NotFound);
    assert_eq!(
        status_of(&admin.get_transaction().await.expect("status")),
        Some(&TransactionStatus::Closed)
    );
    assert_eq!(
        admin.list_local_groups().await.expect("groups"),
        groups_before
    );

    fake.server.shutdown().await;
}

#[tokio::test]
async fn writes_need_a_transaction_and_the_lock_is_exclusive() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let bob = fake.login(BOB).await;

    // No transaction: 409 NoTransaction naming the path.
    let body = api_error(
        admin.create_local_group(&local_group("g", &[])).await,
        409,
        ErrorType::NoTransaction,
    );
    assert_eq!(
        body.error.details.and_then(|d| d.path).as_deref(),
        Some(GROUPS)
    );

    // Admin holds the lock: Bob can neither write nor open, and is told who holds it.
    admin.transaction().open().await.expect("admin opens");
    let existing = admin.list_local_groups().await.expect("groups").items[0]
        .key
        .clone();
    for result in [
        bob.replace_local_group(&existing, &local_group("mine", &[]))
            .await
            .map(|_| ()),
        bob.create_local_group(&local_group("mine", &[]))
            .await
            .map(|_| ()),
        bob.transaction().open().await.map(|_| ()),
    ] {
        let body = api_error(result, 409, ErrorType::NoTransaction);
        let details = body.error.details.expect("details");
        assert_eq!(
            details.extra.get("locked_by"),
            Some(&json!(ADMIN.0)),
            "{details:?}"
        );
    }
    // The closure form does not run its work when it cannot get the lock.
    let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = ran.clone();
    let refused: ApiResult<()> = bob
        .in_transaction(None, |_| async move {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        })
        .await;
    api_error(refused, 409, ErrorType::NoTransaction);
    assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
    // Bob cannot end Admin's transaction either.
    api_error(
        bob.transaction().rollback().await,
        409,
        ErrorType::NoTransaction,
    );
    api_error(
        bob.transaction().commit(None).await,
        409,
        ErrorType::NoTransaction,
    );
    // Admin still holds it and can write.
    let created = admin
        .create_local_group(&local_group("admins-own", &[]))
        .await
        .expect("holder writes");
    admin.transaction().commit(None).await.expect("commit");

    // Released: Bob now gets the lock and Admin is the one refused.
    bob.transaction().open().await.expect("bob opens");
    let body = api_error(
        admin.delete_local_group(&created.key).await,
        409,
        ErrorType::NoTransaction,
    );
    assert_eq!(
        body.error.details.expect("details").extra.get("locked_by"),
        Some(&json!(BOB.0))
    );
    bob.transaction().rollback().await.expect("bob rolls back");

    fake.server.shutdown().await;
}

#[tokio::test]
async fn an_idle_session_expires_and_releases_the_lock() {
    let clock = Arc::new(ManualClock::default());
    let mut config = ServeConfig::loopback(users());
    config.engine.clock = clock.clone();
    let fake = start_with(config).await;
    let admin = fake.login(ADMIN).await;
    let bob = fake.login(BOB).await;

    let tx = admin.transaction().open().await.expect("open");
    assert_eq!(
        tx.and_then(|tx| tx.meta).and_then(|m| m.remaining_seconds),
        Some(20 * 60)
    );
    let created = admin
        .create_local_group(&local_group("abandoned", &[]))
        .await
        .expect("create");
    api_error(
        bob.transaction().open().await,
        409,
        ErrorType::NoTransaction,
    );

    // Bob stays active; Admin goes idle past the 20 minutes.
    clock.advance(Duration::from_secs(15 * 60));
    bob.get_transaction().await.expect("bob is active");
    clock.advance(Duration::from_secs(6 * 60));

    // Admin's session and its transaction are gone; Bob gets the lock.
    let reopened = bob
        .transaction()
        .open()
        .await
        .expect("the lock was released");
    assert_eq!(
        status_of(reopened.as_ref().expect("the fake sends the state")),
        Some(&TransactionStatus::Open)
    );
    api_error(
        admin.get_transaction().await,
        401,
        ErrorType::Unauthenticated,
    );
    api_error(
        bob.get_local_group(&created.key).await,
        404,
        ErrorType::NotFound,
    );
    bob.transaction().rollback().await.expect("rollback");

    // Logging in again gives a new session.
    let old = admin.session_id();
    admin.login(ADMIN.0, ADMIN.1).await.expect("login again");
    assert_ne!(admin.session_id(), old);
    admin
        .get_transaction()
        .await
        .expect("the new session works");

    fake.server.shutdown().await;
}

#[tokio::test]
async fn implicit_transactions_open_on_the_first_write() {
    let mut config = ServeConfig::loopback(users());
    config.engine.implicit_transactions = true;
    let fake = start_with(config).await;
    let admin = fake.login(ADMIN).await;
    let bob = fake.login(BOB).await;

    let created = admin
        .create_local_group(&local_group("implicit", &[]))
        .await
        .expect("the first write opens a transaction");
    let status = admin.get_transaction().await.expect("status");
    assert_eq!(status_of(&status), Some(&TransactionStatus::Open));
    // It holds the lock like an explicit one.
    api_error(
        bob.create_local_group(&local_group("other", &[])).await,
        409,
        ErrorType::NoTransaction,
    );
    api_error(
        bob.get_local_group(&created.key).await,
        404,
        ErrorType::NotFound,
    );
    admin.transaction().commit(None).await.expect("commit");
    assert_eq!(
        bob.get_local_group(&created.key)
            .await
            .expect("committed")
            .body,
        local_group("implicit", &[])
    );

    fake.server.shutdown().await;
}

// --- passwords -----------------------------------------------------------------------------

#[tokio::test]
async fn passwords_are_write_once_and_referenced_once() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let tx = admin.transaction();
    tx.open().await.expect("open");

    let secret = "correct horse battery staple";
    let password = admin
        .create_password(&types::PasswordCreate {
            plain: Some(secret.to_owned()),
            extra: Default::default(),
        })
        .await
        .expect("create password");
    assert_eq!(password.key.len(), 36, "a UUID: {}", password.key);
    assert_eq!(
        password.meta.href,
        format!("/api/configuration/passwords/{}", password.key)
    );
    // The secret never reads back.
    let read = admin
        .get_password(&password.key)
        .await
        .expect("get password");
    assert!(read.body.is_empty(), "{read:?}");

    let carol = types::LocalUser {
        name: "carol".to_owned(),
        password: Some(Reference::from(password.key.as_str())),
        ..Default::default()
    };
    let user = admin
        .create_local_user(&carol)
        .await
        .expect("first reference");

    // A second reference to the same password: 400 SemanticError naming the password.
    let dave = types::LocalUser {
        name: "dave".to_owned(),
        ..carol.clone()
    };
    let body = api_error(
        admin.create_local_user(&dave).await,
        400,
        ErrorType::SemanticError,
    );
    let details = body.error.details.expect("details");
    assert_eq!(details.extra.get("password"), Some(&json!(password.key)));
    // Writing the same user back with its own reference is fine (it is still one reference).
    admin
        .replace_local_user(&user.key, &carol)
        .await
        .expect("same reference from the same object");

    let changes = serde_json::to_string(&tx.changes().await.expect("changes")).expect("json");
    assert!(
        !changes.contains(secret),
        "the secret shows in the changelog"
    );
    tx.commit(None).await.expect("commit");

    // After the commit the reference reads back as `{key, meta: {href}}`.
    let read = fake
        .login(BOB)
        .await
        .get_local_user(&user.key)
        .await
        .expect("user");
    match &read.body.password {
        Some(Reference::Object(reference)) => {
            assert_eq!(reference.key.as_deref(), Some(password.key.as_str()));
            assert_eq!(reference.meta.href, password.meta.href);
        }
        other => panic!("expected a reference object, got {other:?}"),
    }
    // ... and can be written back as read (it is still the same single reference).
    admin
        .in_transaction(None, |c| {
            let body = read.body.clone();
            let key = user.key.clone();
            async move { c.replace_local_user(&key, &body).await }
        })
        .await
        .expect("a read-back reference can be written back");
    let dump = serde_json::to_string(&fake.fake.engine().committed().objects().collect::<Vec<_>>())
        .expect("json");
    assert!(!dump.contains(secret), "the fake keeps the secret");

    fake.server.shutdown().await;
}

// --- forward compatibility -----------------------------------------------------------------

#[tokio::test]
async fn unknown_fields_and_enum_values_survive_get_then_put() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let tx = admin.transaction();

    // A newer appliance's objects: unknown fields at several levels, an unknown enum value and
    // an unknown union tag, written on the wire without the generated types.
    let policy = json!({
        "name": "from-the-future",
        "allow_other_remote_users_without_mapping": false,
        "mappings": [{"remote_user": "root", "allowed_groups": [], "valid_until": "2030-01-01"}],
        "future_field": {"kept": [1, 2, 3]},
    });
    let backup = json!({
        "name": "future-backup",
        "notification_event": {"type": "weekly-digest", "send_filelist": false},
        "target": {"type": "s3", "bucket": "sps-backups", "region": "eu-west-1"},
        "retention": {"days": 30},
    });
    tx.open().await.expect("open");
    let (status, um) = wire(&admin, Method::POST, USERMAPPING, Some(&policy)).await;
    assert_eq!(status, 201, "{um}");
    let (status, bp) = wire(&admin, Method::POST, BACKUP, Some(&backup)).await;
    assert_eq!(status, 201, "{bp}");
    tx.commit(None).await.expect("commit");
    let um_key = um["key"].as_str().expect("key").to_owned();
    let bp_key = bp["key"].as_str().expect("key").to_owned();

    // The typed client reads them, keeping what it does not know.
    let mut typed_um = admin
        .get_usermapping_policy(&um_key)
        .await
        .expect("typed GET")
        .body;
    assert_eq!(
        typed_um.extra.get("future_field"),
        Some(&policy["future_field"])
    );
    let mappings = typed_um.mappings.as_ref().expect("mappings");
    assert_eq!(
        mappings[0].extra.get("valid_until"),
        Some(&json!("2030-01-01"))
    );
    let typed_bp = admin
        .get_backup_policy(&bp_key)
        .await
        .expect("typed GET")
        .body;
    let event_type = typed_bp
        .notification_event
        .as_ref()
        .and_then(|e| e.r#type.clone());
    assert_eq!(
        event_type,
        Some(types::NotificationEventType::Unknown(
            "weekly-digest".to_owned()
        ))
    );
    match &typed_bp.target {
        types::BackupTarget::Unknown(fields) => {
            assert_eq!(fields.get("bucket"), Some(&json!("sps-backups")))
        }
        other => panic!("an unknown target type must be kept whole, got {other:?}"),
    }
    assert_eq!(typed_bp.extra.get("retention"), Some(&json!({"days": 30})));

    // PUT back through the typed client (with one known field changed).
    typed_um.allow_other_remote_users_without_mapping = Some(true);
    admin
        .in_transaction(None, |c| {
            let (um_key, bp_key) = (um_key.clone(), bp_key.clone());
            let (um_body, bp_body) = (typed_um.clone(), typed_bp.clone());
            async move {
                c.replace_usermapping_policy(&um_key, &um_body).await?;
                c.replace_backup_policy(&bp_key, &bp_body).await
            }
        })
        .await
        .expect("typed PUT");

    // The wire still carries everything the client did not know.
    let mut expected_um = policy.clone();
    expected_um["allow_other_remote_users_without_mapping"] = json!(true);
    let (status, raw_um) = wire(
        &admin,
        Method::GET,
        &format!("{USERMAPPING}/{um_key}"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{raw_um}");
    assert_eq!(raw_um["body"], expected_um);
    let (status, raw_bp) = wire(&admin, Method::GET, &format!("{BACKUP}/{bp_key}"), None).await;
    assert_eq!(status, 200, "{raw_bp}");
    assert_eq!(raw_bp["body"], backup);
    // And so does the appliance's committed state.
    assert_eq!(fake.committed(&format!("{BACKUP}/{bp_key}")), Some(backup));

    fake.server.shutdown().await;
}

/// Reads `href` raw, then runs `round_trip` (a typed GET and a typed PUT of the same body) in
/// a transaction, and checks that the raw body afterwards is the same as before.
async fn assert_typed_round_trip<F, Fut>(fake: &Fake, client: &Client, href: &str, round_trip: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ApiResult<Option<types::ReplacedObject>>>,
{
    let (status, before) = wire(client, Method::GET, href, None).await;
    assert_eq!(status, 200, "{href}: {before}");
    let written = client
        .in_transaction(None, round_trip)
        .await
        .unwrap_or_else(|e| panic!("{href}: typed GET -> PUT failed: {e}"));
    assert_eq!(
        written.and_then(|w| w.meta).map(|m| m.href).as_deref(),
        Some(href)
    );
    let (_, after) = wire(client, Method::GET, href, None).await;
    assert_eq!(
        after["body"], before["body"],
        "{href} changed by a typed GET -> PUT"
    );
    assert_eq!(
        fake.committed(href).as_ref(),
        Some(&after["body"]),
        "{href}"
    );
}

#[tokio::test]
async fn every_sample_object_survives_a_typed_get_then_put_unchanged() {
    let fake = start().await;
    let c = fake.login(ADMIN).await;
    let mut checked = 0;

    for href in [
        "/api/configuration/management/system_backup",
        "/api/configuration/management/exported_configuration_encryption",
        "/api/configuration/local_services/cluster",
    ] {
        let href = href.to_owned();
        let check = |c: Client| {
            let href = href.clone();
            async move {
                match href.rsplit('/').next() {
                    Some("system_backup") => {
                        let body = c.get_system_backup().await?.body;
                        c.replace_system_backup(&body).await
                    }
                    Some("exported_configuration_encryption") => {
                        let body = c.get_exported_configuration_encryption().await?.body;
                        c.replace_exported_configuration_encryption(&body).await
                    }
                    _ => {
                        let body = c.get_cluster_interface().await?.body;
                        c.replace_cluster_interface(&body).await
                    }
                }
            }
        };
        assert_typed_round_trip(&fake, &c, &href, check).await;
        checked += 1;
    }

    macro_rules! collection {
        ($list:ident, $get:ident, $replace:ident) => {
            for item in c.$list().await.expect(stringify!($list)).items {
                let key = item.key.clone();
                assert_typed_round_trip(&fake, &c, &item.meta.href, |c| async move {
                    let body = c.$get(&key).await?.body;
                    c.$replace(&key, &body).await
                })
                .await;
                checked += 1;
            }
        };
    }
    collection!(list_local_users, get_local_user, replace_local_user);
    collection!(list_local_groups, get_local_group, replace_local_group);
    collection!(
        list_usermapping_policies,
        get_usermapping_policy,
        replace_usermapping_policy
    );
    collection!(
        list_backup_policies,
        get_backup_policy,
        replace_backup_policy
    );
    collection!(list_audit_policies, get_audit_policy, replace_audit_policy);
    collection!(
        list_archive_cleanup_policies,
        get_archive_cleanup_policy,
        replace_archive_cleanup_policy
    );
    assert!(checked >= 10, "only {checked} objects checked");

    fake.server.shutdown().await;
}

// --- error types ---------------------------------------------------------------------------

/// The error types met so far, by wire name.
#[derive(Default)]
struct ErrorsSeen(BTreeSet<String>);

impl ErrorsSeen {
    /// Asserts that `result` is `Error::Api` with `status` and `kind`, carrying a message and
    /// the endpoint's links; records the type and returns the body.
    #[track_caller]
    fn check<T: std::fmt::Debug>(
        &mut self,
        what: &str,
        result: ApiResult<T>,
        status: u16,
        kind: ErrorType,
    ) -> types::ErrorResponse {
        let body = match result {
            Err(Error::Api { status: got, body }) if got == status && body.error.r#type == kind => {
                body
            }
            other => panic!("{what}: expected HTTP {status} {kind:?}, got {other:?}"),
        };
        assert!(body.error.message.is_some(), "{what}: {body:?}");
        assert!(body.meta.is_some(), "{what}: {body:?}");
        self.0.insert(kind.as_str().to_owned());
        *body
    }
}

#[tokio::test]
async fn every_error_type_of_the_fake_decodes_into_error_api() {
    // A state file in a directory that does not exist: the fake starts, but cannot save a
    // commit (500 with an error type the spec does not list).
    let missing_dir = std::env::temp_dir().join(format!(
        "fake-sps-e2e-no-such-dir-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    assert!(!missing_dir.exists());
    let mut config = ServeConfig::loopback(users());
    config.engine.state_file = Some(missing_dir.join("state.json"));
    let fake = start_with(config).await;
    let admin = fake.login(ADMIN).await;
    let anonymous = fake.client();
    let mut seen = ErrorsSeen::default();

    seen.check(
        "login with a wrong password",
        anonymous.login(ADMIN.0, "nope").await,
        401,
        ErrorType::AuthenticationFailure,
    );
    seen.check(
        "login without credentials",
        send_raw(&anonymous, Call::new(Method::GET, "/api/authentication")).await,
        401,
        ErrorType::AuthenticationFailure,
    );
    seen.check(
        "no session cookie",
        anonymous.list_local_users().await,
        401,
        ErrorType::Unauthenticated,
    );
    seen.check(
        "no such object",
        admin.get_backup_policy("0000000000000000000000").await,
        404,
        ErrorType::NotFound,
    );
    seen.check(
        "no such endpoint",
        admin
            .follow_as::<Value, types::ErrorResponse>("/api/configuration/no_such_thing")
            .await,
        404,
        ErrorType::NotFound,
    );
    seen.check(
        "method not allowed",
        send_raw(&admin, Call::new(Method::PATCH, "/api/transaction")).await,
        405,
        ErrorType::MethodNotAllowed,
    );
    seen.check(
        "write without a transaction",
        admin.create_local_group(&local_group("g", &[])).await,
        409,
        ErrorType::NoTransaction,
    );
    seen.check(
        "commit without a transaction",
        admin.transaction().commit(None).await,
        409,
        ErrorType::NoTransaction,
    );
    seen.check(
        "body of the wrong shape",
        send_raw(
            &admin,
            Call::new(Method::POST, "/api/configuration/passwords").json(&json!({"plain": 5})),
        )
        .await,
        400,
        ErrorType::InvalidRequestBody,
    );
    seen.check(
        "unknown commit status",
        admin
            .commit_transaction(&types::TransactionCommit {
                status: types::TransactionCommitStatus::Unknown("bogus".to_owned()),
                message: None,
                extra: Default::default(),
            })
            .await,
        400,
        ErrorType::InvalidRequestBody,
    );
    seen.check(
        "repeated query parameter",
        send_raw(
            &admin,
            Call::new(Method::DELETE, "/api/active-sessions").query(&[("id", "a"), ("id", "b")]),
        )
        .await,
        400,
        ErrorType::InvalidQuery,
    );
    let body = seen.check(
        "password without plain text",
        admin
            .create_password(&types::PasswordCreate::default())
            .await,
        400,
        ErrorType::IncompleteRequestBodyError,
    );
    assert_eq!(
        body.error.details.and_then(|d| d.missing_paths),
        Some(vec!["plain".to_owned()])
    );
    let body = seen.check(
        "firmware test without slot_id",
        send_raw(
            &admin,
            Call::new(Method::POST, "/api/firmware/test").json(&json!({})),
        )
        .await,
        400,
        ErrorType::IncompleteRequestBodyError,
    );
    assert_eq!(
        body.error.details.and_then(|d| d.missing_paths),
        Some(vec!["slot_id".to_owned()])
    );
    let body = seen.check(
        "firmware test of an empty slot",
        admin
            .test_firmware(&types::FirmwareTestRequest {
                slot_id: types::SlotId::from(3),
                extra: Default::default(),
            })
            .await,
        404,
        ErrorType::ResourceNotFound,
    );
    let details = body.error.details.expect("details");
    assert_eq!(details.mount_point.as_deref(), Some("/firmware/test"));
    assert_eq!(details.resource, Some(types::SlotId::from("3")));
    seen.check(
        "close a session without an id",
        admin.terminate_active_session("").await,
        400,
        ErrorType::SessionIdMissing,
    );
    // The documented sample session closes once (its id has `/` and `:`, percent-encoded by
    // the client); the second time it is unknown.
    let sample = "svc/rpokH8fD9kx6CaxNLznKx2/test:12";
    let closed = admin
        .terminate_active_session(sample)
        .await
        .expect("close the sample session");
    assert_eq!(
        closed.and_then(|c| c.meta).map(|m| m.href).as_deref(),
        Some("/api/active-sessions")
    );
    let body = seen.check(
        "close an unknown session",
        admin.terminate_active_session(sample).await,
        404,
        ErrorType::SessionCouldNotBeFound,
    );
    assert_eq!(
        body.error.details.and_then(|d| d.extra.get("id").cloned()),
        Some(json!(sample))
    );
    seen.check(
        "delete the running firmware",
        admin.delete_firmware_slot("1").await,
        400,
        ErrorType::SemanticError,
    );
    // A second reference to one password.
    admin.transaction().open().await.expect("open");
    let password = admin
        .create_password(&types::PasswordCreate {
            plain: Some("pw".to_owned()),
            extra: Default::default(),
        })
        .await
        .expect("password");
    for name in ["first", "second"] {
        let result = admin
            .create_local_user(&types::LocalUser {
                name: name.to_owned(),
                password: Some(Reference::from(password.key.as_str())),
                ..Default::default()
            })
            .await;
        if name == "second" {
            seen.check(
                "password referenced twice",
                result,
                400,
                ErrorType::SemanticError,
            );
        } else {
            result.expect("first reference");
        }
    }
    // Under another session's lock.
    let bob = fake.login(BOB).await;
    let body = seen.check(
        "write under another session's lock",
        bob.create_local_group(&local_group("g", &[])).await,
        409,
        ErrorType::NoTransaction,
    );
    assert_eq!(
        body.error.details.expect("details").extra.get("locked_by"),
        Some(&json!(ADMIN.0))
    );
    // The commit cannot be saved: an error type this client version does not know is kept.
    let body = seen.check(
        "commit that cannot be saved",
        admin.transaction().commit(None).await,
        500,
        ErrorType::Unknown("InternalServerError".to_owned()),
    );
    assert!(
        body.error
            .message
            .as_deref()
            .unwrap_or("")
            .contains("state.json"),
        "{body:?}"
    );
    assert!(!missing_dir.exists());

    // The documented types of the fake (fake-sps/src/errors.rs, engine.rs and the generated
    // router) all came through.
    let expected = [
        "AuthenticationFailure",
        "IncompleteRequestBodyError",
        "InternalServerError",
        "InvalidQuery",
        "InvalidRequestBody",
        "MethodNotAllowed",
        "NoTransaction",
        "NotFound",
        "ResourceNotFound",
        "SemanticError",
        "SessionCouldNotBeFound",
        "SessionIdMissing",
        "Unauthenticated",
    ];
    assert_eq!(
        seen.0.iter().map(String::as_str).collect::<Vec<_>>(),
        expected
    );

    fake.server.shutdown().await;
}

// --- TLS -----------------------------------------------------------------------------------

fn tls_data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fake-sps/tests/data")
        .join(name)
}

#[tokio::test]
async fn https_with_a_private_ca_or_without_verification() {
    let mut config = ServeConfig::loopback(users());
    config.tls = Some(TlsFiles {
        cert: tls_data("server.crt"),
        key: tls_data("server.key"),
    });
    let fake = start_with(config).await;
    let url = fake.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    // Trusting the test CA: the certificate (for 127.0.0.1) verifies.
    let ca = std::fs::read(tls_data("ca.crt")).expect("test CA");
    let trusted = Client::builder(&url)
        .add_root_certificate_pem(&ca)
        .expect("PEM")
        .build()
        .expect("client");
    trusted
        .login(ADMIN.0, ADMIN.1)
        .await
        .expect("login over verified TLS");
    let groups = trusted.list_local_groups().await.expect("a call over TLS");
    assert_eq!(meta(&groups.meta).href, GROUPS);

    // Not verifying at all also connects.
    let reckless = Client::builder(&url)
        .danger_accept_invalid_certs(true)
        .build()
        .expect("client");
    reckless
        .login(ADMIN.0, ADMIN.1)
        .await
        .expect("login without verification");
    reckless.get_configuration_index().await.expect("a call");

    // Neither: the self-made CA is not trusted, so the handshake fails before any HTTP.
    let strict = Client::new(&url).expect("client");
    match strict.login(ADMIN.0, ADMIN.1).await {
        Err(Error::Transport(e)) => assert!(e.is_connect() || e.is_request(), "{e:?}"),
        other => panic!("an untrusted certificate must fail the connection, got {other:?}"),
    }
    assert_eq!(strict.session_id(), None);

    fake.server.shutdown().await;
}

/// A text without any certificate (a key, a wrong file) is refused when it is added, not
/// silently turned into an empty trust list that fails later with an opaque TLS error.
#[test]
fn a_pem_without_a_certificate_is_refused() {
    for bad in [
        &b"not a certificate"[..],
        &std::fs::read(tls_data("server.key")).expect("key"),
    ] {
        let built = Client::builder("https://127.0.0.1:1")
            .add_root_certificate_pem(bad)
            .and_then(|b| b.build());
        assert!(
            matches!(built, Err(Error::InvalidRequest(_))),
            "{:?} was accepted as a root certificate",
            String::from_utf8_lossy(bad)
        );
    }
}
