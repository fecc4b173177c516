//! The state file: committed configuration kept across restarts.
//!
//! Saving writes a temporary file in the same directory, fsyncs it, renames it over the state
//! file and fsyncs the directory, so a crash at any point leaves either the old or the new file,
//! never a torn one.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::store::Store;

/// Marks the file as ours, so a wrong `--state` path fails clearly instead of being overwritten.
const FORMAT: &str = "fake-sps-state";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct StateFile {
    format: String,
    version: u32,
    configuration: Store,
}

/// A state file that cannot be read or written.
#[derive(Debug)]
pub enum PersistError {
    /// I/O failure on `path`.
    Io {
        /// The file involved.
        path: PathBuf,
        /// The failure.
        source: io::Error,
    },
    /// The file exists but is not a valid state file.
    Corrupt {
        /// The file involved.
        path: PathBuf,
        /// What is wrong, with line and column where known.
        message: String,
    },
}

impl fmt::Display for PersistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::Corrupt { path, message } => {
                write!(
                    f,
                    "{}: not a valid fake-sps state file: {message}",
                    path.display()
                )
            }
        }
    }
}

impl std::error::Error for PersistError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Corrupt { .. } => None,
        }
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> PersistError + '_ {
    move |source| PersistError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Loads the committed configuration; `Ok(None)` if the file does not exist yet.
pub fn load(path: &Path) -> Result<Option<Store>, PersistError> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path)(e)),
    };
    let corrupt = |message: String| PersistError::Corrupt {
        path: path.to_owned(),
        message,
    };
    let state: StateFile = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
    if state.format != FORMAT {
        return Err(corrupt(format!(
            "format is {:?}, expected {FORMAT:?}",
            state.format
        )));
    }
    if state.version != VERSION {
        return Err(corrupt(format!(
            "version {} is not supported (expected {VERSION})",
            state.version
        )));
    }
    Ok(Some(state.configuration))
}

/// Atomically replaces the state file with `store`.
pub fn save(path: &Path, store: &Store) -> Result<(), PersistError> {
    let state = StateFile {
        format: FORMAT.to_owned(),
        version: VERSION,
        configuration: store.clone(),
    };
    let text = serde_json::to_vec_pretty(&state).map_err(|e| PersistError::Corrupt {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".to_owned());
    let suffix = crate::session::random_hex(6).map_err(|e| io_error(path)(io::Error::other(e)))?;
    let temp = dir.join(format!(".{name}.{suffix}.tmp"));
    let result = write_synced(&temp, &text).and_then(|()| {
        fs::rename(&temp, path).map_err(io_error(path))?;
        sync_dir(&dir)
    });
    if result.is_err() {
        // Best effort: do not leave temporary files behind; the original error matters more.
        let _ = fs::remove_file(&temp);
    }
    result
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), PersistError> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io_error(path))?;
    file.write_all(bytes).map_err(io_error(path))?;
    file.sync_all().map_err(io_error(path))
}

/// Makes the rename durable. Directories cannot be opened for syncing everywhere; Unix is
/// where it matters.
fn sync_dir(dir: &Path) -> Result<(), PersistError> {
    if cfg!(unix) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error(dir))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        assert!(load(&path).expect("missing is fine").is_none());
        let mut store = Store::default();
        store.put("/api/configuration/x/a", json!({"name": "a", "n": [1, 2]}));
        store.add_password("8f84d7d1-9de1-429a-a7a7-c33a61cc7419");
        save(&path, &store).expect("save");
        assert_eq!(load(&path).expect("load"), Some(store.clone()));
        // A second save replaces the file and leaves no temporary files behind.
        store.remove("/api/configuration/x/a");
        save(&path, &store).expect("save again");
        assert_eq!(load(&path).expect("load"), Some(store));
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("read_dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("state.json")]);
    }

    #[test]
    fn corrupt_file_is_a_clear_error_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        fs::write(
            &path,
            "{\"format\": \"fake-sps-state\", \"version\": 1, \"configu",
        )
        .expect("write");
        let err = load(&path).expect_err("truncated file");
        let text = err.to_string();
        assert!(matches!(err, PersistError::Corrupt { .. }));
        assert!(text.contains("state.json"), "{text}");
        assert!(text.contains("line 1"), "{text}");
    }

    #[test]
    fn foreign_json_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("other.json");
        fs::write(
            &path,
            r#"{"format": "something-else", "version": 1, "configuration": {"objects": {}}}"#,
        )
        .expect("write");
        let text = load(&path).expect_err("foreign").to_string();
        assert!(text.contains("something-else"), "{text}");
    }

    #[test]
    fn save_into_missing_directory_fails_without_panicking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("no/such/dir/state.json");
        let err = save(&path, &Store::default()).expect_err("missing dir");
        assert!(matches!(err, PersistError::Io { .. }));
    }
}
