//! Write-once passwords, referenced at most once.

use crate::support::*;

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
