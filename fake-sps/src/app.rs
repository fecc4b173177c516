//! The fake appliance on the generated server stub: the engine behind `sps_server::raw_router`.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use sps_server::{RawApi, RawRequest, RawResponse, OPERATIONS};

use crate::engine::{Engine, EngineConfig};
use crate::faults::{self, FaultPlan, Faults};
use crate::quirks;
use crate::seed::{self, SpecError};
use crate::server::{serve_router_with, ConnectionLimits, ServeError, ServerHandle, TlsFiles};
use crate::upload::{self, ReceivedUpload};

/// The bundled spec the generated crates were made from (published with the client).
const BUNDLED_SPEC: &str = include_str!("../../generated-client/openapi.yaml");

/// Parses the bundled spec, whose examples seed the fake's data.
pub fn bundled_spec() -> Result<Value, SpecError> {
    seed::parse_spec(Path::new("generated-client/openapi.yaml"), BUNDLED_SPEC)
}

/// The engine as a [`RawApi`] handler.
#[derive(Debug)]
pub struct FakeSps {
    engine: Engine,
    uploads: Mutex<Vec<ReceivedUpload>>,
}

impl FakeSps {
    /// Builds the handler for the generated operation table, seeded from `spec`.
    pub fn new(spec: &Value, config: EngineConfig) -> Result<Self, ServeError> {
        let engine =
            Engine::new(OPERATIONS, spec, config).map_err(|e| ServeError::Other(e.to_string()))?;
        Ok(Self {
            engine,
            uploads: Mutex::new(Vec::new()),
        })
    }

    /// Every upload received whole so far (size and digest of each file part), oldest first.
    pub fn uploads(&self) -> Vec<ReceivedUpload> {
        self.uploads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Receives an upload as it arrives (after the session check, as SPS checks it first),
    /// then lets the engine store what it made.
    async fn upload(&self, mut request: RawRequest) -> RawResponse {
        let Some(upload) = request.upload.take() else {
            return self.engine.handle(request);
        };
        if let Some(refused) = self.engine.refuse_caller(&request) {
            return refused;
        }
        let received = match upload::receive(request.operation.operation_id, upload).await {
            Ok(received) => received,
            Err(e) => return RawResponse::from(e),
        };
        let response = self.engine.handle_upload(&request, &received);
        self.uploads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(received);
        response
    }

    /// The engine, for inspection in tests.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

impl RawApi for FakeSps {
    fn handle(&self, request: RawRequest) -> impl Future<Output = RawResponse> + Send {
        // The engine is synchronous and quick (an in-memory map behind a mutex); only a commit
        // with a state file touches the disk. Uploads are read as they arrive, outside it.
        self.upload(request)
    }
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Address to listen on (port 0 picks a free one).
    pub listen: SocketAddr,
    /// HTTPS certificate and key; plain HTTP without.
    pub tls: Option<TlsFiles>,
    /// Users, transactions, state file, clock.
    pub engine: EngineConfig,
    /// Spec to seed from; `None` uses the bundled one.
    pub spec: Option<Value>,
    /// Faults to inject (`--faults`); none by default.
    pub faults: FaultPlan,
    /// Connection limits (idle and slow connections).
    pub limits: ConnectionLimits,
}

impl ServeConfig {
    /// Plain HTTP on a free loopback port with the given users; for tests.
    pub fn loopback(users: Vec<crate::session::User>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: None,
            engine: EngineConfig {
                users,
                ..EngineConfig::default()
            },
            spec: None,
            faults: FaultPlan::default(),
            limits: ConnectionLimits::default(),
        }
    }
}

/// Starts the fake appliance; returns once it listens.
pub async fn serve(config: ServeConfig) -> Result<(ServerHandle, Arc<FakeSps>), ServeError> {
    let spec = match config.spec {
        Some(spec) => spec,
        None => bundled_spec().map_err(|e| ServeError::Other(e.to_string()))?,
    };
    let fake = Arc::new(FakeSps::new(&spec, config.engine)?);
    let router = quirks::around(sps_server::raw_router(fake.clone()));
    let target = fake.clone();
    let end_session: faults::EndSession = Arc::new(move |id: &str| {
        target.engine().end_session(id);
    });
    let router = faults::around(router, Arc::new(Faults::new(config.faults)), end_session);
    let handle =
        serve_router_with(config.listen, config.tls.as_ref(), router, config.limits).await?;
    Ok((handle, fake))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_spec_seeds_sample_data() {
        let spec = bundled_spec().expect("bundled spec");
        let fake = FakeSps::new(&spec, EngineConfig::default()).expect("engine");
        let committed = fake.engine().committed();
        assert!(committed.objects().count() > 5, "sample objects are loaded");
        assert!(committed
            .objects()
            .all(|(href, _)| href.starts_with("/api/")));
    }
}
