//! Unknown fields and enumeration values survive a typed GET then PUT; every sample object
//! round-trips unchanged.

use crate::support::*;

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
