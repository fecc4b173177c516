//! Loading, bundling and checking the OpenAPI description.
//!
//! Every problem is reported as a [`Diagnostic`] naming the file, the JSON pointer into the
//! bundled document and, where known, the line: a broken spec is never a panic.

use std::fmt;
use std::path::{Path, PathBuf};

/// A loaded (and, for a directory, bundled) OpenAPI document.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The typed document, as `openapiv3` reads it.
    pub openapi: openapiv3::OpenAPI,
    /// The same document as a YAML tree, for extensions and for printing the bundle.
    pub document: serde_yaml::Value,
    /// The file the document (or its root) came from.
    pub root_file: PathBuf,
}

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// JSON pointer into the bundled document (RFC 6901), `""` for the whole document.
    pub pointer: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        let pointer = if self.pointer.is_empty() { "#" } else { &self.pointer };
        write!(f, ": {pointer}: {}", self.message)
    }
}

/// Loads a single-file spec (used for the fixtures).
pub fn load_file(path: &Path) -> Result<Spec, Vec<Diagnostic>> {
    let diag = |line: Option<usize>, message: String| {
        vec![Diagnostic { file: path.to_path_buf(), pointer: String::new(), line, message }]
    };
    let text = std::fs::read_to_string(path).map_err(|e| diag(None, format!("cannot read: {e}")))?;
    let document: serde_yaml::Value = serde_yaml::from_str(&text)
        .map_err(|e| diag(e.location().map(|l| l.line()), format!("invalid YAML: {e}")))?;
    let openapi: openapiv3::OpenAPI = serde_yaml::from_value(document.clone())
        .map_err(|e| diag(None, format!("not an OpenAPI 3.0 document: {e}")))?;
    Ok(Spec { openapi, document, root_file: path.to_path_buf() })
}
