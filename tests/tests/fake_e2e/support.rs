//! What every end-to-end test shares: a fake on a free port, clients logged in to it, the
//! sample objects' paths and small builders of typed bodies.

pub(crate) use std::collections::{BTreeSet, VecDeque};
pub(crate) use std::path::PathBuf;
pub(crate) use std::sync::Arc;
pub(crate) use std::time::Duration;

pub(crate) use fake_sps::app::FakeSps;
pub(crate) use fake_sps::server::TlsFiles;
pub(crate) use fake_sps::session::{ManualClock, User};
pub(crate) use fake_sps::{serve, ServeConfig, ServerHandle};
pub(crate) use serde_json::{json, Value};
pub(crate) use sps_client::runtime::{Call, Method};
pub(crate) use sps_client::types::{
    self, ErrorType, Reference, TransactionChangeType, TransactionStatus,
};
pub(crate) use sps_client::{Client, Error};

pub(crate) const ADMIN: (&str, &str) = ("admin", "s3cret");
pub(crate) const BOB: (&str, &str) = ("bob", "hunter2");

pub(crate) const GROUPS: &str = "/api/configuration/aaa/local_database/groups";
pub(crate) const USERMAPPING: &str = "/api/configuration/policies/usermapping_policies";
pub(crate) const BACKUP: &str = "/api/configuration/policies/backup_policies";

pub(crate) type ApiResult<T> = Result<T, Error<types::ErrorResponse>>;

/// A running fake appliance.
pub(crate) struct Fake {
    pub(crate) server: ServerHandle,
    pub(crate) fake: Arc<FakeSps>,
}

impl Fake {
    pub(crate) fn url(&self) -> String {
        self.server.url()
    }

    /// A client without a session.
    pub(crate) fn client(&self) -> Client {
        Client::new(self.url()).expect("the fake's URL is a valid base URL")
    }

    /// A client logged in as `user`, with its own session.
    pub(crate) async fn login(&self, (name, password): (&str, &str)) -> Client {
        let client = self.client();
        client
            .login(name, password)
            .await
            .unwrap_or_else(|e| panic!("login as {name}: {e}"));
        client
    }

    /// The committed body at `href`, straight from the engine.
    pub(crate) fn committed(&self, href: &str) -> Option<Value> {
        self.fake.engine().committed().get(href).cloned()
    }
}

pub(crate) fn users() -> Vec<User> {
    [ADMIN, BOB]
        .iter()
        .map(|(name, password)| User {
            name: (*name).to_owned(),
            password: (*password).to_owned(),
            groups: Vec::new(),
        })
        .collect()
}

pub(crate) async fn start_with(config: ServeConfig) -> Fake {
    let (server, fake) = serve(config).await.expect("the fake starts");
    Fake { server, fake }
}

pub(crate) async fn start() -> Fake {
    start_with(ServeConfig::loopback(users())).await
}

/// Asserts that `result` is `Error::Api` with `status` and `kind`; returns the decoded body.
#[track_caller]
pub(crate) fn api_error<T: std::fmt::Debug>(
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

/// One request with a plain reqwest client carrying `client`'s session cookie: a view of the
/// wire that does not go through the generated types.
pub(crate) async fn wire(
    client: &Client,
    method: Method,
    href: &str,
    body: Option<&Value>,
) -> (u16, Value) {
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
pub(crate) fn meta(meta: &Option<types::Meta>) -> &types::Meta {
    meta.as_ref().expect("the fake sends meta")
}

pub(crate) fn status_of(tx: &types::TransactionObject) -> Option<&TransactionStatus> {
    tx.body
        .as_ref()
        .or(tx.transaction.as_ref())
        .map(|t| &t.status)
}

pub(crate) fn local_group(name: &str, members: &[&str]) -> types::LocalGroup {
    types::LocalGroup {
        name: name.to_owned(),
        members: members.iter().map(|m| Reference::from(*m)).collect(),
        extra: Default::default(),
    }
}

pub(crate) fn usermapping(
    name: &str,
    remote_user: &str,
    groups: &[&str],
) -> types::UsermappingPolicy {
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

/// A backup policy to an NFS share.
pub(crate) fn nfs_backup(name: &str, path: &str) -> types::BackupPolicy {
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
