//! The generated client (`sps_client`) against the fake appliance (`fake-sps`), in-process on
//! 127.0.0.1 over real HTTP and HTTPS.
//!
//! Every test starts its own fake on a free port, so tests run in parallel without sharing
//! state. What is proved: login and session handling, browsing the configuration tree by its
//! `meta` links, transactions (helper and closure form) with commit, changelog and rollback, the
//! configuration lock, write-once passwords (and objects referring to them), a report created with the subchapters it refers to
//! (references followed by their href), the system backup pointing at a backup policy, unknown
//! fields and enumeration values surviving a GET -> PUT round trip, every error type the fake
//! produces decoded as `Error::Api`, TLS, certificate login and the `X-Token` session header,
//! login discovery, the cluster and the welcome wizard.
//!
//! One file per behaviour; `support` holds what they share.

mod support;

mod audit_sessions;
mod browsing;
mod cluster_setup;
mod discovery;
mod error_types;
mod forward_compatibility;
mod passwords;
mod references;
mod reports;
mod resilience;
mod sessions;
mod system_backup;
mod tls;
mod transactions;
mod uploads;
