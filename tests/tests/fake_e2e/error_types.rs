//! Every error type the fake produces decodes into `Error::Api`.

use crate::support::*;

/// A request the typed methods cannot express (wrong method, wrong body shape, repeated query
/// parameter), sent and decoded by the client's own machinery.
async fn send_raw(client: &Client, call: Call) -> ApiResult<Value> {
    client.send::<Value, types::ErrorResponse>(call).await
}

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
        send_raw(&anonymous, Call::raw(Method::GET, "/api/authentication")).await,
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
        send_raw(&admin, Call::raw(Method::PATCH, "/api/transaction")).await,
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
            Call::raw(Method::POST, "/api/configuration/passwords").json(&json!({"plain": 5})),
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
            Call::raw(Method::DELETE, "/api/active-sessions").query(&[("id", "a"), ("id", "b")]),
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
            Call::raw(Method::POST, "/api/firmware/test").json(&json!({})),
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
