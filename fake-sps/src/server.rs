//! The HTTP(S) layer: accepts connections and serves an axum router over HTTP/1.1, with
//! optional TLS, until told to stop.

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::WebPkiClientVerifier;
use tokio_rustls::rustls::{self, RootCertStore, ServerConfig};

use sps_server::runtime::ClientCertificate;

use crate::session::CertificateUser;
use tokio_rustls::TlsAcceptor;

/// Certificate chain and private key files (PEM) for HTTPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// CA certificates (PEM) that sign client certificates: with them the server asks every
    /// client for a certificate (certificate login) and verifies the ones presented; clients
    /// without one still connect.
    pub client_ca: Option<PathBuf>,
}

/// Why the server could not start.
#[derive(Debug)]
pub enum ServeError {
    /// The listening socket could not be opened.
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The failure.
        source: io::Error,
    },
    /// The TLS material is unusable.
    Tls {
        /// The file involved.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Anything else, already described.
    Other(String),
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bind { addr, source } => write!(f, "cannot listen on {addr}: {source}"),
            Self::Tls { path, message } => write!(f, "{}: {message}", path.display()),
            Self::Other(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ServeError {}

fn tls_error(path: &Path, message: impl fmt::Display) -> ServeError {
    ServeError::Tls {
        path: path.to_owned(),
        message: message.to_string(),
    }
}

/// A user who logs in with the certificate in the PEM file `path` (its first certificate: the
/// one a client presents as its leaf).
pub fn certificate_user(user: &str, path: &Path) -> Result<CertificateUser, ServeError> {
    let certificate = CertificateDer::pem_file_iter(path)
        .map_err(|e| tls_error(path, e))?
        .next()
        .ok_or_else(|| tls_error(path, "no certificate found in the file"))?
        .map_err(|e| tls_error(path, format!("unreadable PEM certificate: {e}")))?;
    Ok(CertificateUser {
        certificate: certificate.to_vec(),
        user: user.to_owned(),
    })
}

/// Loads the certificate chain and key into a TLS acceptor (HTTP/1.1 only, like the router).
pub fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor, ServeError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| tls_error(&files.cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| tls_error(&files.cert, format!("unreadable PEM certificate: {e}")))?;
    if chain.is_empty() {
        return Err(tls_error(&files.cert, "no certificate found in the file"));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| tls_error(&files.key, format!("no usable PEM private key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(&files.cert, e))?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(path).map_err(|e| tls_error(path, e))? {
                let cert =
                    cert.map_err(|e| tls_error(path, format!("unreadable PEM certificate: {e}")))?;
                roots.add(cert).map_err(|e| tls_error(path, e))?;
            }
            if roots.is_empty() {
                return Err(tls_error(path, "no certificate found in the file"));
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| tls_error(path, e))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| tls_error(&files.key, e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Put into a response's extensions, closes the connection instead of sending the response
/// (how `--faults drop` imitates a connection lost on the way).
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// The "error" that makes hyper close a connection for [`DropConnection`].
#[derive(Debug)]
struct DroppedOnPurpose;

impl fmt::Display for DroppedOnPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for DroppedOnPurpose {}

/// Limits on connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A connection that does not send a complete request head within this time, including an
    /// idle keep-alive connection waiting for its next request, is closed. Default 30 s.
    pub header_read_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(30),
        }
    }
}

/// A running server; dropping it without [`ServerHandle::shutdown`] leaves it running until
/// the runtime ends.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    tls: bool,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl ServerHandle {
    /// The address actually bound (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `http://addr` or `https://addr`.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting, closes open connections and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            // The loop may already be gone; nothing to stop then.
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }

    /// Waits until the server stops (it only does when shut down or on a fatal accept error).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Binds `listen` and serves `router` on it, over TLS when `tls` is given, with the default
/// [`ConnectionLimits`].
pub async fn serve_router(
    listen: SocketAddr,
    tls: Option<&TlsFiles>,
    router: axum::Router,
) -> Result<ServerHandle, ServeError> {
    serve_router_with(listen, tls, router, ConnectionLimits::default()).await
}

/// [`serve_router`] with the given connection limits.
pub async fn serve_router_with(
    listen: SocketAddr,
    tls: Option<&TlsFiles>,
    router: axum::Router,
    limits: ConnectionLimits,
) -> Result<ServerHandle, ServeError> {
    let acceptor = tls.map(tls_acceptor).transpose()?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| ServeError::Bind {
            addr: listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: listen,
        source,
    })?;
    let (stop, stopped) = oneshot::channel();
    let tls = acceptor.is_some();
    let task = tokio::spawn(accept_loop(listener, acceptor, router, limits, stopped));
    Ok(ServerHandle {
        addr,
        tls,
        stop: Some(stop),
        task,
    })
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    router: axum::Router,
    limits: ConnectionLimits,
    mut stopped: oneshot::Receiver<()>,
) {
    // Connection tasks live in the set so that shutting down (dropping it) closes them.
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => accepted,
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let (stream, _) = match accepted {
            Ok(pair) => pair,
            // Per-connection failures (reset before accept, too many files) must not stop
            // the server; back off briefly so a persistent one does not spin.
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let acceptor = acceptor.clone();
        connections.spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            match acceptor {
                Some(acceptor) => {
                    // A failed handshake only concerns that client.
                    if let Ok(tls) = acceptor.accept(stream).await {
                        let certificate = tls
                            .get_ref()
                            .1
                            .peer_certificates()
                            .and_then(|chain| chain.first())
                            .map(|leaf| ClientCertificate(leaf.to_vec()));
                        let service = connection_service(router, certificate);
                        let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                    }
                }
                None => {
                    let service = connection_service(router, None);
                    let _ = builder
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                }
            }
        });
    }
    connections.shutdown().await;
}

/// The router as a hyper service for one connection: every request carries the connection's
/// client certificate, if it presented one, and a response marked `DropConnection` becomes a
/// service error, on which hyper closes the connection without writing anything.
fn connection_service(
    router: axum::Router,
    certificate: Option<ClientCertificate>,
) -> impl hyper::service::Service<
    hyper::Request<hyper::body::Incoming>,
    Response = axum::response::Response,
    Error = DroppedOnPurpose,
    Future: Send,
> {
    let inner = TowerToHyperService::new(router);
    hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
        if let Some(certificate) = &certificate {
            request.extensions_mut().insert(certificate.clone());
        }
        let response = inner.call(request);
        async move {
            let response = match response.await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response.extensions().get::<DropConnection>().is_some() {
                return Err(DroppedOnPurpose);
            }
            Ok(response)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
    use tokio::net::TcpStream;
    use tokio_rustls::rustls::pki_types::ServerName;
    use tokio_rustls::rustls::{ClientConfig, RootCertStore};
    use tokio_rustls::TlsConnector;

    fn data(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name)
    }

    fn router() -> axum::Router {
        axum::Router::new().route("/hello", axum::routing::get(|| async { "hi there" }))
    }

    async fn exchange(mut stream: impl AsyncRead + AsyncWrite + Unpin) -> String {
        let request = "GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
        stream.write_all(request.as_bytes()).await.expect("write");
        // A reset connection (the TLS port refusing plain HTTP) ends the answer early; the
        // callers assert on what arrived.
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer).await;
        String::from_utf8_lossy(&answer).into_owned()
    }

    #[tokio::test]
    async fn serves_plain_http_until_shut_down() {
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let server = serve_router(addr, None, router()).await.expect("serve");
        let bound = server.addr();
        assert_ne!(bound.port(), 0);
        assert!(server.url().starts_with("http://127.0.0.1:"));
        let answer = exchange(TcpStream::connect(bound).await.expect("connect")).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.ends_with("hi there"), "{answer}");
        server.shutdown().await;
        assert!(
            TcpStream::connect(bound).await.is_err(),
            "the listener is closed"
        );
    }

    #[tokio::test]
    async fn serves_https_with_the_given_certificate() {
        let files = TlsFiles {
            cert: data("server.crt"),
            key: data("server.key"),
            client_ca: None,
        };
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let server = serve_router(addr, Some(&files), router())
            .await
            .expect("serve");
        assert!(server.url().starts_with("https://"));

        let mut roots = RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(data("ca.crt")).expect("ca") {
            roots.add(cert.expect("ca cert")).expect("add root");
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let client = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        let tcp = TcpStream::connect(server.addr()).await.expect("connect");
        let name = ServerName::try_from("localhost").expect("name");
        let tls = TlsConnector::from(Arc::new(client))
            .connect(name, tcp)
            .await
            .expect("handshake verifies the certificate");
        let answer = exchange(tls).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

        // A plain-HTTP client gets no answer from the TLS port, and the server survives it.
        let answer = exchange(TcpStream::connect(server.addr()).await.expect("connect")).await;
        assert!(!answer.contains("hi there"));
        server.shutdown().await;
    }

    #[tokio::test]
    async fn unusable_tls_files_are_named() {
        let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let files = TlsFiles {
            cert: data("server.crt"),
            key: data("README.md"),
            client_ca: None,
        };
        let err = serve_router(addr, Some(&files), router())
            .await
            .expect_err("no key");
        assert!(err.to_string().contains("README.md"), "{err}");
        let files = TlsFiles {
            cert: data("missing.crt"),
            key: data("server.key"),
            client_ca: None,
        };
        let err = serve_router(addr, Some(&files), router())
            .await
            .expect_err("no cert");
        assert!(err.to_string().contains("missing.crt"), "{err}");
    }
}
