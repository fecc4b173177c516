//! The Cargo features of the generated crates (one per API area, see
//! `model::lower::features`): `#[cfg]` attributes of gated items and the `[features]` section
//! of the manifests.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::{Feature, Gate};

/// The predicate of a gate: `feature = "a"` or `any(feature = "a", feature = "b")`; `None` for
/// an item that is always compiled.
fn predicate(gate: &Gate) -> Option<TokenStream> {
    match gate.as_slice() {
        [] => None,
        [one] => Some(quote!(feature = #one)),
        many => Some(quote!(any(#(feature = #many),*))),
    }
}

/// `#[cfg(...)]` for an item compiled with any feature of `gate`; nothing if always compiled.
pub fn cfg(gate: &Gate) -> TokenStream {
    match predicate(gate) {
        Some(p) => quote!(#[cfg(#p)]),
        None => TokenStream::new(),
    }
}

/// `#[cfg(all(...))]` for an item that needs something of each gate (the transaction helper
/// calls several operations); identical gates are listed once.
pub fn cfg_all(gates: &[&Gate]) -> TokenStream {
    let mut distinct: Vec<&Gate> = Vec::new();
    for gate in gates {
        if !gate.is_empty() && !distinct.contains(gate) {
            distinct.push(gate);
        }
    }
    match distinct.as_slice() {
        [] => TokenStream::new(),
        [one] => cfg(one),
        many => {
            let predicates = many.iter().filter_map(|g| predicate(g));
            quote!(#[cfg(all(#(#predicates),*))])
        }
    }
}

/// The union of gates: compiled when anything gated by one of them is (an empty gate among
/// them makes the union always compiled).
pub fn union<'a>(gates: impl IntoIterator<Item = &'a Gate>, features: &[Feature]) -> Gate {
    let mut names: Vec<&str> = Vec::new();
    for gate in gates {
        if gate.is_empty() {
            return Gate::new();
        }
        names.extend(gate.iter().map(String::as_str));
    }
    features
        .iter()
        .filter(|f| names.contains(&f.name.as_str()))
        .map(|f| f.name.clone())
        .collect()
}

/// The `[features]` section of a manifest: `default` turns every area on; each area forwards
/// itself to the crates named in `forward` (`sps-types`), so that picking an area of the client
/// compiles only that area's types. `extra` (lines) ends the section.
pub fn manifest_section(features: &[Feature], forward: &[&str], extra: &str) -> String {
    if features.is_empty() && extra.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n[features]\n");
    if !features.is_empty() {
        out.push_str(
            "# One feature per API area (spec tag), all on by default; with\n\
             # `default-features = false`, pick the areas you use.\ndefault = [\n",
        );
        for feature in features {
            out.push_str(&format!("    \"{}\",\n", feature.name));
        }
        out.push_str("]\n");
    }
    for feature in features {
        if let Some(line) = feature
            .description
            .as_deref()
            .and_then(|d| d.lines().next())
        {
            out.push_str(&format!("# {}\n", line.trim()));
        }
        let forwarded: Vec<String> = forward
            .iter()
            .map(|krate| format!("\"{krate}/{}\"", feature.name))
            .collect();
        out.push_str(&format!("{} = [{}]\n", feature.name, forwarded.join(", ")));
    }
    out.push_str(extra);
    out
}
