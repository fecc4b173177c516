//! The cluster (its endpoints, the status of every node and of one, node roles, joining a node
//! in two steps and promoting one), the welcome wizard of a new appliance, and the stored SSH
//! host keys, read and written through the generated client.

use crate::support::*;
use sps_client::types::{
    ClusterJoinRequestCreate, ClusterNode, ClusterNodeJoin, ClusterRole, SetupRequest, SetupStatus,
};

const CENTRAL: &str = "b35c54da-b556-4f91-ade5-d26283d68277";
const MANAGED: &str = "46f97a58-4028-467d-9a22-9cfe78ae3e1c";

#[tokio::test]
async fn cluster_status_of_every_node_and_of_each_one() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;

    let index = admin.get_cluster_index().await.expect("the cluster index");
    let endpoints: Vec<&str> = index.items.iter().map(|i| i.key.as_str()).collect();
    assert_eq!(endpoints, ["join_request", "nodes", "promote", "status"]);

    let status = admin
        .get_cluster_status()
        .await
        .expect("the cluster status");
    let keys: Vec<&str> = status.items.iter().map(|n| n.key.as_str()).collect();
    assert_eq!(keys, [CENTRAL, MANAGED]);
    let answering = status.meta.as_ref().and_then(|m| m.self_.as_deref());
    assert_eq!(
        answering,
        Some(format!("/api/cluster/status/{CENTRAL}").as_str())
    );

    for entry in &status.items {
        // Each entry links its own status and its node's settings.
        let one = admin
            .get_cluster_node_status(&entry.key)
            .await
            .expect("the status of one node")
            .expect("with a body");
        assert_eq!(one.key.as_deref(), Some(entry.key.as_str()));
        assert_eq!(one.fqdn, entry.fqdn);
        assert_eq!(one.sync_status, entry.sync_status);
        let configuration = &entry.meta.as_ref().expect("links").configuration;
        let node = admin.get_cluster_node(&entry.key).await.expect("the node");
        assert_eq!(
            configuration.as_deref(),
            Some(meta(&node.meta).href.as_str())
        );
    }
    let managed = admin.get_cluster_node(MANAGED).await.expect("node");
    let settings = managed.body.expect("settings");
    assert_eq!(settings.address.as_deref(), Some("10.30.255.12"));
    assert_eq!(
        settings.roles,
        Some(vec![ClusterRole::ManagedHost, ClusterRole::SearchMinion])
    );
    let health = status.items[1]
        .health_status
        .clone()
        .flatten()
        .expect("the managed host reports its health");
    assert_eq!(health.total_sessions, Some(7));

    api_error(
        admin.get_cluster_node_status("no-such-node").await,
        404,
        ErrorType::NotFound,
    );
    api_error(
        admin.get_cluster_node("no-such-node").await,
        404,
        ErrorType::NotFound,
    );
    fake.server.shutdown().await;
}

#[tokio::test]
async fn joining_a_node_and_assigning_its_roles() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let request = ClusterJoinRequestCreate {
        central_management_address: "10.30.255.11".into(),
        ..Default::default()
    };

    // Joining changes the cluster configuration: not without a transaction.
    api_error(
        admin.create_cluster_join_request(&request).await,
        409,
        ErrorType::NoTransaction,
    );

    admin.open_transaction().await.expect("open");
    // Step 1, on the joining node: its address, ID and pre-shared key.
    let joining = admin
        .create_cluster_join_request(&request)
        .await
        .expect("a join request")
        .body
        .expect("the node's half of the handshake");
    // Step 2, on the central management node: that body, unchanged.
    let join = ClusterNodeJoin {
        address: joining.address.clone().expect("address"),
        node_id: joining.node_id.clone().expect("node id"),
        psk: joining.psk.clone().expect("pre-shared key"),
        roles: joining.roles.clone(),
        ..Default::default()
    };
    let created = admin
        .create_cluster_node(&join)
        .await
        .expect("the node joins")
        .expect("the created node");
    let key = created.key.expect("its key");
    let roles = vec![ClusterRole::ManagedHost, ClusterRole::SearchLocal];
    admin
        .replace_cluster_node(
            &key,
            &ClusterNode {
                address: join.address.clone(),
                roles: Some(roles.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("roles assigned");
    admin.transaction().commit(None).await.expect("commit");

    let node = fake
        .login(BOB)
        .await
        .get_cluster_node(&key)
        .await
        .expect("node");
    let settings = node.body.expect("settings");
    assert_eq!(settings.roles, Some(roles));
    assert_eq!(settings.address, joining.address);

    let state = admin
        .get_cluster_join_request()
        .await
        .expect("the join state");
    assert_eq!(state.status.as_deref(), Some("in cluster"));
    fake.server.shutdown().await;
}

#[tokio::test]
async fn promoting_needs_a_transaction() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    api_error(
        admin.promote_cluster_node().await,
        409,
        ErrorType::NoTransaction,
    );
    admin.open_transaction().await.expect("open");
    let promoted = admin.promote_cluster_node().await.expect("promoted");
    let roles = promoted.body.and_then(|b| b.roles).expect("roles");
    assert!(roles.contains(&ClusterRole::CentralManagement), "{roles:?}");
    admin.rollback_transaction().await.expect("rollback");
    fake.server.shutdown().await;
}

#[tokio::test]
async fn the_welcome_wizard_without_a_session() {
    let fake = start().await;
    let fresh = fake.client();
    let state = fresh.get_setup().await.expect("the wizard's state");
    assert_eq!(state.status, Some(SetupStatus::Uninitialized));
    let eula = state.meta.and_then(|m| m.eula);
    assert!(eula.is_some(), "the license agreement is linked");

    let settings = SetupRequest {
        accept_eula: true,
        network: [("hostname".to_owned(), json!("sps"))]
            .into_iter()
            .collect(),
        license: Some(None),
        ..Default::default()
    };
    // The appliance answers 303 See Other: success, and not followed.
    fresh
        .complete_setup(&settings)
        .await
        .expect("the documented redirection is the success answer");
    assert_eq!(fresh.session_id(), None, "the wizard needs no login");
    fake.server.shutdown().await;
}

#[tokio::test]
async fn stored_ssh_host_keys_with_colons_in_their_keys() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let list = admin.list_ssh_host_keys().await.expect("the host keys");
    let keys: BTreeSet<&str> = list.items.iter().map(|i| i.key.as_str()).collect();
    assert!(keys.contains("ssh-rsa-10.110.0.1:22"), "{keys:?}");
    assert!(keys.contains("x509v3-sign-rsa-fd00::2222:22"), "{keys:?}");
    for item in &list.items {
        let key = admin
            .get_ssh_host_key(&item.key)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", item.key));
        assert_eq!(key.key.as_deref(), Some(item.key.as_str()));
        assert!(key.body.is_some_and(|b| b.contains_key("type")));
    }
    fake.server.shutdown().await;
}
