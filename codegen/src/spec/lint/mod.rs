//! `lint`: the checks the spec must pass before anything is generated from it.
//!
//! Each check lives in its own module and reports `(pointer, message)` pairs; [`lint`] turns
//! them into [`Diagnostic`]s with the defining file and line.

mod client_methods;
mod cycles;
mod discriminators;
mod examples;
mod extensions;
mod names;
mod operations;
mod refs;
mod routes;
mod signatures;
mod tolerance;
mod transactions;
mod walk;

use serde_json::Value as Json;

pub use examples::{examples, Example};

use super::{Diagnostic, Spec};

/// Problems found by one check: `(pointer, message)`.
type Findings = Vec<(String, String)>;

/// Runs every check on the bundle. An empty list means the spec is clean.
pub fn lint(spec: &Spec) -> Vec<Diagnostic> {
    let mut findings = Findings::new();
    let document = spec.json();
    refs::check(document, &mut findings);
    cycles::check(document, &mut findings);
    operations::check(document, &mut findings);
    discriminators::check(document, &mut findings);
    examples::check(document, &mut findings);
    tolerance::check(document, &mut findings);
    for_generation(document, &mut findings);
    located(spec, findings)
}

/// Only the checks whose failure would make the generated code wrong or unbuildable: vendor
/// extensions, operation signatures (ids, parameters, security schemes), routable path
/// templates, client method names, transaction operations. The
/// model's lowering runs them, so neither it nor the emitters check the spec again.
pub fn generation_checks(spec: &Spec) -> Vec<Diagnostic> {
    let mut findings = Findings::new();
    for_generation(spec.json(), &mut findings);
    located(spec, findings)
}

/// The checks of [`generation_checks`].
fn for_generation(document: &Json, findings: &mut Findings) {
    extensions::check(document, findings);
    signatures::check(document, findings);
    routes::check(document, findings);
    client_methods::check(document, findings);
    transactions::check(document, findings);
}

/// Findings that do not stop generation: what the generator does differently from what the spec
/// says (a schema renamed because its name is reserved).
pub fn warnings(spec: &Spec) -> Vec<Diagnostic> {
    let mut findings = Findings::new();
    names::check(spec.json(), &mut findings);
    located(spec, findings)
}

/// The findings as diagnostics with file and line, in reading order, file by file; problems
/// found on one line keep the order of the checks.
fn located(spec: &Spec, findings: Findings) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = findings
        .into_iter()
        .map(|(at, message)| spec.diagnostic(&at, message))
        .collect();
    diagnostics.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    diagnostics
}

#[cfg(test)]
mod tests;
