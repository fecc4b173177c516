//! Objects referring to other objects: the SNMP agent's v3 users refer to write-once password
//! objects created in the same transaction; the references read back as `{key, meta}` and lead
//! to the objects; listing the passwords stays refused.

use crate::support::*;

fn password(secret: &str) -> types::PasswordCreate {
    types::PasswordCreate {
        plain: Some(secret.to_owned()),
        extra: Default::default(),
    }
}

/// The `{key, meta: {href}}` form of a reference read back.
fn reference_object(reference: Option<&Reference>) -> &types::ReferenceObject {
    match reference {
        Some(Reference::Object(object)) => object,
        other => panic!("expected a reference object, got {other:?}"),
    }
}

#[tokio::test]
async fn snmp_v3_users_refer_to_passwords_created_in_the_same_transaction() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let seeded = admin.get_snmp_agent().await.expect("the seeded SNMP agent");

    let tx = admin.transaction();
    tx.open().await.expect("open");
    let (auth_secret, privacy_secret) = ("auth pass phrase", "privacy pass phrase");
    let auth = admin
        .create_password(&password(auth_secret))
        .await
        .expect("authentication password");
    let privacy = admin
        .create_password(&password(privacy_secret))
        .await
        .expect("encryption password");
    let mut body = seeded.body.clone();
    body.version_3 = Some(types::SnmpV3 {
        enabled: Some(true),
        users: Some(vec![types::SnmpV3User {
            auth_method: Some("sha".to_owned()),
            auth_password: Some(Reference::from(auth.key.as_str())),
            encryption_method: Some("aes".to_owned()),
            encryption_password: Some(Reference::from(privacy.key.as_str())),
            // A field the spec does not declare (the user name is unpublished) goes through.
            extra: [("username".to_owned(), json!("monitor"))]
                .into_iter()
                .collect(),
        }]),
        extra: Default::default(),
    });
    admin
        .replace_snmp_agent(&body)
        .await
        .expect("replace the SNMP agent");
    tx.commit(Some("SNMP v3 user")).await.expect("commit");

    // Another session reads the committed agent: both passwords are references by key.
    let bob = fake.login(BOB).await;
    let read = bob.get_snmp_agent().await.expect("read back");
    let users = read
        .body
        .version_3
        .as_ref()
        .and_then(|v3| v3.users.as_ref())
        .expect("v3 users");
    assert_eq!(users.len(), 1, "{users:?}");
    let user = &users[0];
    assert_eq!(user.extra.get("username"), Some(&json!("monitor")));
    for (reference, created) in [
        (user.auth_password.as_ref(), &auth),
        (user.encryption_password.as_ref(), &privacy),
    ] {
        let reference = reference_object(reference);
        assert_eq!(reference.key.as_deref(), Some(created.key.as_str()));
        assert_eq!(reference.meta.href, created.meta.href);
        // Following the reference leads to the password object, which never shows the secret.
        let target: types::PasswordObject = bob.follow(&reference.meta.href).await.expect("follow");
        assert_eq!(target.key, created.key);
        assert!(target.body.is_empty(), "{target:?}");
    }
    let text = serde_json::to_string(&read).expect("json");
    assert!(!text.contains(auth_secret) && !text.contains(privacy_secret));

    // The agent read back can be written back as it is: still one reference per password.
    admin
        .in_transaction(None, |c| {
            let body = read.body.clone();
            async move { c.replace_snmp_agent(&body).await }
        })
        .await
        .expect("a read-back agent can be written back");

    fake.server.shutdown().await;
}

#[tokio::test]
async fn a_password_cannot_serve_two_snmp_secrets_and_passwords_cannot_be_listed() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let mut body = admin.get_snmp_agent().await.expect("agent").body;

    let tx = admin.transaction();
    tx.open().await.expect("open");
    let shared = admin
        .create_password(&password("one secret for both"))
        .await
        .expect("password");
    body.version_3 = Some(types::SnmpV3 {
        enabled: Some(true),
        users: Some(vec![types::SnmpV3User {
            auth_password: Some(Reference::from(shared.key.as_str())),
            encryption_password: Some(Reference::from(shared.key.as_str())),
            ..Default::default()
        }]),
        extra: Default::default(),
    });
    api_error(
        admin.replace_snmp_agent(&body).await,
        400,
        ErrorType::SemanticError,
    );
    tx.rollback().await.expect("rollback");

    api_error(
        admin.list_passwords().await,
        405,
        ErrorType::MethodNotAllowed,
    );
    fake.server.shutdown().await;
}
