//! A fake One Identity Safeguard for Privileged Sessions (SPS) appliance.
//!
//! The [`engine::Engine`] serves every operation of the spec through one generic mechanism
//! driven by the spec's resource metadata (`x-sps-resource`, `x-sps-transaction`): sessions,
//! transactions with a configuration lock, collections, items, singletons and indexes with
//! SPS-style `meta` links, write-once passwords, and replayed examples for the other endpoints.
//! The engine does not depend on any HTTP framework: [`app`] puts it behind the generated
//! router (`sps_server::raw_router`) and [`server`] serves that over HTTP or HTTPS.

#![warn(missing_docs)]

pub mod app;
pub mod config;
pub mod engine;
pub mod errors;
pub mod faults;
pub mod meta;
pub mod paths;
pub mod persist;
pub mod query_values;
pub mod quirks;
pub mod raw;
pub mod recordings;
pub mod references;
pub mod search;
pub mod seed;
pub mod server;
pub mod session;
pub mod store;
pub mod transaction;
pub mod tree;
pub mod upload;

pub use app::{serve, ServeConfig};
pub use engine::{Engine, EngineConfig};
pub use recordings::{Recordings, RecordingsConfig};
pub use server::ServerHandle;
