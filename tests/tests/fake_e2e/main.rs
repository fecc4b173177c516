//! The generated client (`sps_client`) against the fake appliance (`fake-sps`), in-process on
//! 127.0.0.1 over real HTTP and HTTPS.
//!
//! Every test starts its own fake on a free port, so tests run in parallel without sharing
//! state. What is proved: login and session handling, browsing the configuration tree by its
//! `meta` links, transactions (helper and closure form) with commit, changelog and rollback, the
//! configuration lock, write-once passwords, unknown fields and enumeration values surviving a
//! GET -> PUT round trip, every error type the fake produces decoded as `Error::Api`, and TLS.
//!
//! One file per behaviour; `support` holds what they share.

mod support;

mod browsing;
mod error_types;
mod forward_compatibility;
mod passwords;
mod resilience;
mod sessions;
mod tls;
mod transactions;
