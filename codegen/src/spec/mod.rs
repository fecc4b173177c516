//! Loading, bundling and checking the OpenAPI description.
//!
//! Every problem is reported as a [`Diagnostic`] naming the file, the JSON pointer into the
//! bundled document and, where known, the line: a broken spec is never a panic.
//!
//! - [`load_dir`] reads `spec/openapi.yaml` and `spec/paths/*.yaml` and bundles them;
//!   [`load_file`] reads a single-file document.
//! - [`bundle_yaml`] prints the bundle.
//! - [`lint`] checks references, operations, vendor extensions and examples
//!   (examples are checked with [`validate`]); [`generation_checks`] is the part of it the
//!   generated code depends on, which `crate::generate` runs first. Every rule about the spec
//!   lives here; the model and the emitters only read.

mod bundle;
mod lint;
mod load;
mod location;
pub mod pointer;
mod portable_yaml;
mod scan;
pub mod validate;

use std::fmt;
use std::path::{Path, PathBuf};

pub use bundle::bundle_yaml;
pub use lint::{examples, generation_checks, lint, warnings, Example};
pub use load::{load_dir, load_file};

/// A loaded (and, for a directory, bundled) OpenAPI document.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The typed document, as `openapiv3` reads it.
    pub openapi: openapiv3::OpenAPI,
    /// The same document as a YAML tree, for extensions and for printing the bundle.
    pub document: serde_yaml::Value,
    /// The file the document (or its root) came from.
    pub root_file: PathBuf,
    /// Which file defined which part of the bundle, and the files' text for line numbers.
    sources: location::SourceMap,
    /// `document` as JSON, converted once at load: every check reads this form.
    json: serde_json::Value,
}

impl Spec {
    /// The document as JSON (it holds nothing JSON cannot: loading rejects the rest).
    pub fn json(&self) -> &serde_json::Value {
        &self.json
    }

    /// The file that defined the value at `pointer` in the bundle: the fragment for a path or
    /// component it contributed, the root file for everything else.
    pub fn source_of(&self, pointer: &str) -> &Path {
        self.sources.file_of(pointer)
    }

    /// The 1-based line of `pointer` in [`Spec::source_of`] (best effort: block-style YAML is
    /// scanned for the key path; the deepest ancestor found is used).
    pub fn line_of(&self, pointer: &str) -> Option<usize> {
        self.sources.line_of(pointer)
    }

    /// A diagnostic about the value at `pointer`, with its file and line filled in.
    pub fn diagnostic(&self, pointer: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: self.source_of(pointer).to_path_buf(),
            pointer: pointer.to_owned(),
            line: self.line_of(pointer),
            message: message.into(),
        }
    }
}

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file that defined the offending value.
    pub file: PathBuf,
    /// JSON pointer into the bundled document (RFC 6901), `""` for the whole document.
    pub pointer: String,
    /// 1-based line in `file`, when it could be found.
    pub line: Option<usize>,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        let pointer = if self.pointer.is_empty() {
            "#"
        } else {
            &self.pointer
        };
        write!(f, ": {pointer}: {}", self.message)
    }
}
