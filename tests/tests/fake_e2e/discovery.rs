//! How to log in: asking the appliance which login types and methods it permits (before
//! logging in), certificate login over TLS with a client identity, and the session token sent
//! in the `X-Token` header instead of the cookie.

use crate::support::*;
use fake_sps::server::certificate_user;
use sps_client::types::AuthenticationType;
use sps_client::SessionTransport;

fn tls_data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fake-sps/tests/data")
        .join(name)
}

/// A fake over HTTPS that asks clients for a certificate of the test client CA and lets
/// `admin`'s certificate log in as `admin`.
async fn start_with_certificate_login() -> Fake {
    let mut config = ServeConfig::loopback(users());
    config.tls = Some(TlsFiles {
        cert: tls_data("server.crt"),
        key: tls_data("server.key"),
        client_ca: Some(tls_data("client-ca.crt")),
    });
    config.engine.certificate_users = vec![certificate_user(
        ADMIN.0,
        &tls_data("client-admin.pem"),
    )
    .expect("admin's certificate")];
    start_with(config).await
}

/// A client trusting the fake's CA, presenting `identity` (a PEM certificate and key) if any.
fn tls_client(url: &str, identity: Option<&str>) -> Client {
    let ca = std::fs::read(tls_data("ca.crt")).expect("test CA");
    let mut builder = Client::builder(url)
        .add_root_certificate_pem(&ca)
        .expect("PEM");
    if let Some(name) = identity {
        let pem = std::fs::read(tls_data(name)).expect("client identity");
        builder = builder.identity_pem(&pem).expect("certificate and key");
    }
    builder.build().expect("client")
}

#[tokio::test]
async fn login_types_and_methods_are_readable_before_logging_in() {
    let fake = start().await;
    let anonymous = fake.client();

    let types = anonymous
        .get_authentication_types()
        .await
        .expect("the 6.x login types need no session");
    let names: BTreeSet<&str> = types
        .types
        .as_ref()
        .expect("types")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, BTreeSet::from(["basic", "x509"]));

    let methods = anonymous
        .list_login_methods()
        .await
        .expect("the 7.x login methods need no session")
        .expect("an answer with a body");
    let listed: Vec<&str> = methods
        .get("login_methods")
        .and_then(Value::as_array)
        .expect("login_methods, kept although nothing of the answer is published")
        .iter()
        .filter_map(|m| m.get("type").and_then(Value::as_str))
        .collect();
    assert_eq!(listed, ["basic", "x509"]);
    assert_eq!(anonymous.session_id(), None, "asking did not log in");

    // A session does not change the answer.
    let admin = fake.login(ADMIN).await;
    let with_session = admin.get_authentication_types().await.expect("types");
    assert_eq!(with_session.types, types.types);
    fake.server.shutdown().await;
}

#[tokio::test]
async fn certificate_login_over_tls() {
    let fake = start_with_certificate_login().await;
    let url = fake.url();

    // admin's certificate logs in as admin, with `type=x509` and no password.
    let client = tls_client(&url, Some("client-admin.pem"));
    client
        .authenticate(None, Some(&AuthenticationType::X509))
        .await
        .expect("certificate login");
    assert!(client.session_id().is_some(), "the session cookie is kept");
    let groups = client
        .list_local_groups()
        .await
        .expect("a call in the certificate's session");
    assert_eq!(meta(&groups.meta).href, GROUPS);

    // The same connection settings still allow the password login (the plain form).
    let by_password = tls_client(&url, Some("client-admin.pem"));
    by_password
        .login(ADMIN.0, ADMIN.1)
        .await
        .expect("password login next to a client certificate");
    assert_ne!(by_password.session_id(), client.session_id());

    // A valid certificate of nobody the appliance knows, and no certificate at all, are refused.
    let stranger = tls_client(&url, Some("client-stranger.pem"));
    api_error(
        stranger
            .authenticate(None, Some(&AuthenticationType::X509))
            .await,
        401,
        ErrorType::AuthenticationFailure,
    );
    let anonymous = tls_client(&url, None);
    api_error(
        anonymous
            .authenticate(None, Some(&AuthenticationType::X509))
            .await,
        401,
        ErrorType::AuthenticationFailure,
    );
    assert_eq!(anonymous.session_id(), None);

    // A login type the appliance does not know is a malformed query.
    api_error(
        client
            .authenticate(None, Some(&AuthenticationType::Unknown("kerberos".into())))
            .await,
        400,
        ErrorType::InvalidQuery,
    );
    fake.server.shutdown().await;
}

#[tokio::test]
async fn an_expired_certificate_session_logs_in_again_with_the_certificate() {
    let fake = start_with_certificate_login().await;
    let client = tls_client(&fake.url(), Some("client-admin.pem"));
    client
        .authenticate(None, Some(&AuthenticationType::X509))
        .await
        .expect("certificate login");
    let first = client.session_id().expect("session");
    assert!(fake.fake.engine().end_session(&first), "the session ends");
    client
        .get_configuration_index()
        .await
        .expect("the call logs in again with the certificate and is repeated");
    let second = client.session_id().expect("a new session");
    assert_ne!(first, second);
    fake.server.shutdown().await;
}

#[test]
fn an_identity_needs_a_certificate_and_its_key() {
    let certificate_only = std::fs::read(tls_data("client-ca.crt")).expect("CA");
    let key_only = std::fs::read(tls_data("server.key")).expect("key");
    for bad in [&b"not PEM"[..], &certificate_only, &key_only] {
        let built = Client::builder("https://127.0.0.1:1")
            .identity_pem(bad)
            .and_then(|b| b.build());
        assert!(
            matches!(built, Err(Error::InvalidRequest(_))),
            "{:?} was accepted as a client identity",
            String::from_utf8_lossy(bad)
        );
    }
}

#[tokio::test]
async fn the_session_token_in_the_x_token_header() {
    let fake = start().await;
    let url = fake.url();
    let admin = fake.login(ADMIN).await;
    let token = admin.session_id().expect("session");

    // A client given only the token, sending it as `X-Token` (never as the cookie).
    let by_token = Client::builder(&url)
        .session_transport(SessionTransport::Header)
        .session_id(token.clone())
        .build()
        .expect("client");
    let index = by_token
        .get_configuration_index()
        .await
        .expect("the header authenticates the call");
    assert!(!index.items.is_empty());
    // The header carries the session: a transaction opened by one is the other's.
    by_token.open_transaction().await.expect("open");
    let status = admin.get_transaction().await.expect("status");
    assert_eq!(
        status.body.map(|b| b.status),
        Some(TransactionStatus::Open),
        "the cookie and the header name the same session"
    );
    by_token.rollback_transaction().await.expect("rollback");

    // Logging in with a password, then sending the session in the header.
    let header_login = Client::builder(&url)
        .session_transport(SessionTransport::Header)
        .build()
        .expect("client");
    header_login.login(BOB.0, BOB.1).await.expect("login");
    header_login
        .get_configuration_index()
        .await
        .expect("the new session travels in the header");

    // An unknown token is refused like an unknown cookie.
    let stale = Client::builder(&url)
        .session_transport(SessionTransport::Header)
        .session_id("0".repeat(40))
        .relogin(false)
        .build()
        .expect("client");
    match stale.get_configuration_index().await {
        Err(Error::Api { status: 401, .. }) => {}
        other => panic!("an unknown token must be refused, got {other:?}"),
    }
    fake.server.shutdown().await;
}
