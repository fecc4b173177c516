//! Formatting and writing generated files.

use std::path::PathBuf;

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Path relative to the workspace root (`generated-types/src/lib.rs`).
    pub path: PathBuf,
    /// Full contents, `@generated` header included.
    pub contents: String,
}
