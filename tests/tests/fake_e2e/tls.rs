//! HTTPS with a private CA or without verification.

use crate::support::*;

fn tls_data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fake-sps/tests/data")
        .join(name)
}

#[tokio::test]
async fn https_with_a_private_ca_or_without_verification() {
    let mut config = ServeConfig::loopback(users());
    config.tls = Some(TlsFiles {
        cert: tls_data("server.crt"),
        key: tls_data("server.key"),
        client_ca: None,
    });
    let fake = start_with(config).await;
    let url = fake.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    // Trusting the test CA: the certificate (for 127.0.0.1) verifies.
    let ca = std::fs::read(tls_data("ca.crt")).expect("test CA");
    let trusted = Client::builder(&url)
        .add_root_certificate_pem(&ca)
        .expect("PEM")
        .build()
        .expect("client");
    trusted
        .login(ADMIN.0, ADMIN.1)
        .await
        .expect("login over verified TLS");
    let groups = trusted.list_local_groups().await.expect("a call over TLS");
    assert_eq!(meta(&groups.meta).href, GROUPS);

    // Not verifying at all also connects.
    let reckless = Client::builder(&url)
        .danger_accept_invalid_certs(true)
        .build()
        .expect("client");
    reckless
        .login(ADMIN.0, ADMIN.1)
        .await
        .expect("login without verification");
    reckless.get_configuration_index().await.expect("a call");

    // Neither: the self-made CA is not trusted, so the handshake fails before any HTTP.
    let strict = Client::new(&url).expect("client");
    match strict.login(ADMIN.0, ADMIN.1).await {
        Err(Error::Transport(e)) => assert!(e.is_connect() || e.is_request(), "{e:?}"),
        other => panic!("an untrusted certificate must fail the connection, got {other:?}"),
    }
    assert_eq!(strict.session_id(), None);

    fake.server.shutdown().await;
}

/// A text without any certificate (a key, a wrong file) is refused when it is added, not
/// silently turned into an empty trust list that fails later with an opaque TLS error.
#[test]
fn a_pem_without_a_certificate_is_refused() {
    for bad in [
        &b"not a certificate"[..],
        &std::fs::read(tls_data("server.key")).expect("key"),
    ] {
        let built = Client::builder("https://127.0.0.1:1")
            .add_root_certificate_pem(bad)
            .and_then(|b| b.build());
        assert!(
            matches!(built, Err(Error::InvalidRequest(_))),
            "{:?} was accepted as a root certificate",
            String::from_utf8_lossy(bad)
        );
    }
}
