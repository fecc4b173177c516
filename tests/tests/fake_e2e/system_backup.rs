//! The system backup setting refers to a backup policy: both are written in one transaction, and
//! the bare key written reads back as `{key, meta}` leading to the policy.

use crate::support::*;

#[tokio::test]
async fn the_system_backup_refers_to_a_backup_policy_created_in_the_same_transaction() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let bob = fake.login(BOB).await;

    let policy = nfs_backup("e2e-system-backup", "/backups/sps");
    let to_create = policy.clone();
    let created = admin
        .in_transaction(Some("e2e: system backup"), |c| async move {
            let created = c.create_backup_policy(&to_create).await?;
            c.replace_system_backup(&types::SystemBackup {
                // Written as the bare key.
                backup_policy: Some(Reference::from(created.key.as_str())),
                ..Default::default()
            })
            .await?;
            Ok::<_, Error<types::ErrorResponse>>(created)
        })
        .await
        .expect("create, point at it and commit");

    let read = bob.get_system_backup().await.expect("read the setting");
    let Some(Reference::Object(link)) = &read.body.backup_policy else {
        panic!("expected {{key, meta}}, got {:?}", read.body.backup_policy)
    };
    assert_eq!(link.key.as_deref(), Some(created.key.as_str()));
    assert_eq!(link.meta.href, format!("{BACKUP}/{}", created.key));
    let followed: types::BackupPolicyObject = bob
        .follow_as::<_, types::ErrorResponse>(&link.meta.href)
        .await
        .expect("follow the backup policy reference");
    assert_eq!(followed.body, policy);

    fake.server.shutdown().await;
}
