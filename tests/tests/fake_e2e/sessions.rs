//! Login, the session cookie, logout and bad logins decoded as API errors.

use crate::support::*;

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
