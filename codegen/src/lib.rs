//! Generator for the SPS REST API SDK.
//!
//! The pipeline, one module per step:
//! [`spec`] loads, bundles and checks the OpenAPI description; [`model`] lowers it into an
//! intermediate model with Rust names decided once ([`naming`]); [`types`], [`client`] and
//! [`server`] build token streams with `quote!`; [`emit`] formats them and writes files.

pub mod spec;
