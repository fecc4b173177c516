//! The protocol configuration trees through the generated client, against the fake appliance:
//! an SSH connection policy that refers to a channel policy and a settings policy is created,
//! committed, read back from a second session (its references as `{key, meta}`), changed and
//! deleted, each step in a transaction.

use std::sync::Arc;

use fake_sps::app::FakeSps;
use fake_sps::session::User;
use fake_sps::{serve, ServeConfig, ServerHandle};
use sps_client::types::{
    self, AccessSubject, AccessSubjectOnly, AuthenticatedConnectionPolicy, ChannelActions,
    ChannelPolicy, ChannelRule, ConnectionAccessRule, ConnectionAccessRulePermission,
    ConnectionNetwork, ErrorType, Reference, TargetServerAddress, TargetServerFix, TargetServerNat,
};
use sps_client::{Client, Error};

const ADMIN: (&str, &str) = ("admin", "s3cret");
const AUDITOR: (&str, &str) = ("auditor", "hunter2");

const SSH: &str = "/api/configuration/ssh";
/// The built-in SSH settings policy every appliance has.
const DEFAULT_SETTINGS: &str = "-300";

type ApiResult<T> = Result<T, Error<types::ErrorResponse>>;

struct Fake {
    server: ServerHandle,
    fake: Arc<FakeSps>,
}

async fn start() -> Fake {
    let users = [ADMIN, AUDITOR]
        .iter()
        .map(|(name, password)| User {
            name: (*name).to_owned(),
            password: (*password).to_owned(),
            groups: Vec::new(),
        })
        .collect();
    let (server, fake) = serve(ServeConfig::loopback(users))
        .await
        .expect("the fake starts");
    Fake { server, fake }
}

async fn login(fake: &Fake, (name, password): (&str, &str)) -> Client {
    let client = Client::new(fake.server.url()).expect("a valid base URL");
    client
        .login(name, password)
        .await
        .unwrap_or_else(|e| panic!("login as {name}: {e}"));
    client
}

#[track_caller]
fn not_found<T: std::fmt::Debug>(result: ApiResult<T>) {
    match result {
        Err(Error::Api { status: 404, body }) => {
            assert_eq!(body.error.r#type, ErrorType::NotFound, "{body:?}")
        }
        other => panic!("expected 404 NotFound, got {other:?}"),
    }
}

/// A reference as the appliance reads it back: `{key, meta: {href}}`.
#[track_caller]
fn assert_reference(reference: &Option<Reference>, collection: &str, key: &str) {
    match reference {
        Some(Reference::Object(object)) => {
            assert_eq!(object.key.as_deref(), Some(key));
            assert_eq!(object.meta.href, format!("{collection}/{key}"));
        }
        other => panic!("expected {{key: {key}, meta}}, got {other:?}"),
    }
}

fn terminal_only() -> ChannelPolicy {
    ChannelPolicy {
        name: Some("e2e-terminal-only".into()),
        rules: Some(vec![ChannelRule {
            channel: Some("session-shell".into()),
            actions: Some(ChannelActions {
                audit: Some(true),
                four_eyes: Some(false),
                ..Default::default()
            }),
            ..Default::default()
        }]),
        ..Default::default()
    }
}

fn connection(channel_policy: &str) -> AuthenticatedConnectionPolicy {
    AuthenticatedConnectionPolicy {
        name: Some("e2e-admin-ssh".into()),
        active: Some(true),
        access_control: Some(vec![ConnectionAccessRule {
            authorizer: Some("security".into()),
            permission: Some(ConnectionAccessRulePermission::Audit),
            require_different_ip: Some(true),
            require_different_username: Some(false),
            subject: Some(AccessSubject::Only(AccessSubjectOnly {
                group: "root_only".into(),
                ..Default::default()
            })),
            ..Default::default()
        }]),
        network: Some(ConnectionNetwork {
            clients: Some(vec!["10.0.0.0/8".into()]),
            targets: Some(vec!["192.168.10.0/24".into()]),
            ports: Some(vec![22]),
            ..Default::default()
        }),
        server_address: Some(TargetServerAddress::Fix(TargetServerFix {
            address: "192.168.10.20".into(),
            port: 22,
            ..Default::default()
        })),
        log_audit_trail_downloads: Some(true),
        // Written as bare keys, as SPS accepts them.
        channel_policy: Some(Reference::from(channel_policy)),
        settings_policy: Some(Reference::from(DEFAULT_SETTINGS)),
        ..Default::default()
    }
}

#[tokio::test]
async fn an_ssh_connection_policy_with_its_policies_is_created_read_changed_and_deleted() {
    let fake = start().await;
    let admin = login(&fake, ADMIN).await;
    let auditor = login(&fake, AUDITOR).await;

    // The built-in settings policy is there to refer to.
    let settings = auditor
        .list_ssh_settings_policies()
        .await
        .expect("list settings policies");
    assert!(
        settings.items.iter().any(|i| i.key == DEFAULT_SETTINGS),
        "{settings:?}"
    );

    // 1. Create a channel policy and a connection policy pointing at it, in one transaction.
    let (channel, created) = admin
        .in_transaction(Some("e2e: ssh connection"), |c| async move {
            let channel = c.create_ssh_channel_policy(&terminal_only()).await?;
            let created = c.create_ssh_connection(&connection(&channel.key)).await?;
            // Not visible to another session before the commit.
            Ok::<_, Error<types::ErrorResponse>>((channel, created))
        })
        .await
        .expect("create and commit");
    assert_eq!(
        created.meta.href,
        format!("{SSH}/connections/{}", created.key)
    );
    assert_eq!(
        channel.meta.href,
        format!("{SSH}/channel_policies/{}", channel.key)
    );

    // 2. A second session reads the committed policy back; the references read as {key, meta}.
    let read = auditor
        .get_ssh_connection(&created.key)
        .await
        .expect("read the connection policy");
    let body = read.body;
    assert_reference(
        &body.channel_policy,
        &format!("{SSH}/channel_policies"),
        &channel.key,
    );
    assert_reference(
        &body.settings_policy,
        &format!("{SSH}/settings_policies"),
        DEFAULT_SETTINGS,
    );
    let sent = connection(&channel.key);
    assert_eq!(
        AuthenticatedConnectionPolicy {
            channel_policy: sent.channel_policy.clone(),
            settings_policy: sent.settings_policy.clone(),
            ..body.clone()
        },
        sent,
        "everything else reads back as written"
    );
    // The reference leads to the channel policy that was created.
    let Some(Reference::Object(link)) = &body.channel_policy else {
        unreachable!("checked above")
    };
    let followed: types::ChannelPolicyObject = auditor
        .follow_as::<_, types::ErrorResponse>(&link.meta.href)
        .await
        .expect("follow the channel policy reference");
    assert_eq!(followed.body, terminal_only());
    let listed = auditor.list_ssh_connections().await.expect("list");
    assert!(
        listed.items.iter().any(|i| i.key == created.key),
        "{listed:?}"
    );

    // 3. Change it: read, modify, write back the whole body (references as read).
    let mut changed = body.clone();
    changed.active = Some(false);
    changed.name = Some("e2e-admin-ssh-suspended".into());
    changed.server_address = Some(TargetServerAddress::Nat(TargetServerNat {
        network: "10.20.30.0/24".into(),
        ..Default::default()
    }));
    let key = created.key.clone();
    let to_write = changed.clone();
    admin
        .in_transaction(Some("e2e: suspend"), |c| async move {
            c.replace_ssh_connection(&key, &to_write).await
        })
        .await
        .expect("change and commit");
    let reread = auditor
        .get_ssh_connection(&created.key)
        .await
        .expect("read the changed policy")
        .body;
    assert_eq!(reread, changed);
    assert_reference(
        &reread.channel_policy,
        &format!("{SSH}/channel_policies"),
        &channel.key,
    );

    // 4. Delete it; the channel policy it used stays.
    let key = created.key.clone();
    let deleted = admin
        .in_transaction(None, |c| async move { c.delete_ssh_connection(&key).await })
        .await
        .expect("delete and commit");
    assert_eq!(
        deleted.meta.href,
        format!("{SSH}/connections/{}", created.key)
    );
    not_found(auditor.get_ssh_connection(&created.key).await);
    let listed = auditor.list_ssh_connections().await.expect("list");
    assert!(
        listed.items.iter().all(|i| i.key != created.key),
        "{listed:?}"
    );
    auditor
        .get_ssh_channel_policy(&channel.key)
        .await
        .expect("the channel policy is still there");
    assert!(fake
        .fake
        .engine()
        .committed()
        .get(&format!("{SSH}/connections/{}", created.key))
        .is_none());

    fake.server.shutdown().await;
}

#[tokio::test]
async fn uncommitted_protocol_policies_stay_private_to_their_session() {
    let fake = start().await;
    let admin = login(&fake, ADMIN).await;
    let auditor = login(&fake, AUDITOR).await;

    let tx = admin.transaction();
    tx.open().await.expect("open");
    let channel = admin
        .create_ssh_channel_policy(&terminal_only())
        .await
        .expect("create channel policy");
    let created = admin
        .create_ssh_connection(&connection(&channel.key))
        .await
        .expect("create connection");
    // The holder of the transaction sees its own change, references already resolved.
    let own = admin
        .get_ssh_connection(&created.key)
        .await
        .expect("own change");
    assert_reference(
        &own.body.channel_policy,
        &format!("{SSH}/channel_policies"),
        &channel.key,
    );
    not_found(auditor.get_ssh_connection(&created.key).await);
    tx.rollback().await.expect("rollback");
    not_found(admin.get_ssh_connection(&created.key).await);

    fake.server.shutdown().await;
}
