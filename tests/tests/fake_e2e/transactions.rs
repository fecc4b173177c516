//! Transactions: create, modify, delete, commit, rollback, the change log, the lock, idle expiry
//! and implicit transactions.

use crate::support::*;

/// Key of the first sample user: the target of group memberships.
async fn a_user_key(client: &Client) -> String {
    let users = client.list_local_users().await.expect("list users");
    users.items.first().expect("a sample user").key.clone()
}

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
        Some(Some(serde_json::to_value(&group_body).expect("json")))
    );
    assert_eq!(
        changes[2].new_value,
        Some(Some(serde_json::to_value(&bp_body).expect("json")))
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
        Some(Some(serde_json::to_value(&group_body).expect("json")))
    );
    assert_eq!(
        changed[0].new_value,
        Some(Some(serde_json::to_value(&group_v2).expect("json")))
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
        Some(Some(serde_json::to_value(&bp_v2).expect("json")))
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
    // Admin's client knew it was inside a transaction: it reports the loss instead of
    // logging in again behind the caller's back.
    assert!(matches!(
        admin.get_transaction().await,
        Err(Error::TransactionLost { .. })
    ));
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
