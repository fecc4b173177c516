//! Receiving uploads (raw bodies and `multipart/form-data` forms) as they arrive: each file
//! part is counted and hashed chunk by chunk and then forgotten, so an upload of any size
//! costs the fake a few chunks of memory. What arrived is reported ([`ReceivedUpload`]) to the
//! engine, which creates the object the operation's documented reply names, and to tests.

use serde_json::{json, Map, Value};

use sps_server::runtime::Upload;

use crate::errors::ApiError;

/// Hex digits of a SHA-256 digest.
const SHA256_HEX: usize = 64;

/// One part of an upload as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedPart {
    /// The form part's name; `None` for a raw upload.
    pub name: Option<String>,
    /// The file name the client gave, if any.
    pub file_name: Option<String>,
    /// The part's content type, if given.
    pub content_type: Option<String>,
    /// Bytes received.
    pub size: u64,
    /// SHA-256 of the bytes received, lower-case hex.
    pub sha256: String,
}

/// An upload as received: its file parts (counted and hashed) and its text parts.
#[derive(Debug, Clone, PartialEq)]
pub struct ReceivedUpload {
    /// The operation that received it.
    pub operation: &'static str,
    /// The file parts (a raw upload is one), in the order they arrived.
    pub files: Vec<ReceivedPart>,
    /// The text parts of a form, by name.
    pub text: Map<String, Value>,
}

impl ReceivedUpload {
    /// The digest of the first file part: what identifies the upload.
    pub fn digest(&self) -> &str {
        self.files.first().map_or("", |f| f.sha256.as_str())
    }

    /// The report as JSON (`{"files": [{name, file_name, content_type, size, sha256}], "text"}`).
    pub fn to_json(&self) -> Value {
        let files: Vec<Value> = self
            .files
            .iter()
            .map(|f| {
                json!({
                    "name": f.name,
                    "file_name": f.file_name,
                    "content_type": f.content_type,
                    "size": f.size,
                    "sha256": f.sha256,
                })
            })
            .collect();
        json!({ "files": files, "text": self.text })
    }
}

/// Reads `upload` to its end; a malformed upload is the API's 400 error.
pub async fn receive(operation: &'static str, upload: Upload) -> Result<ReceivedUpload, ApiError> {
    let mut parts = upload.into_parts()?;
    let mut received = ReceivedUpload {
        operation,
        files: Vec::new(),
        text: Map::new(),
    };
    while let Some(mut part) = parts.next().await? {
        if !part.is_file() {
            let name = part.name().unwrap_or_default().to_owned();
            received
                .text
                .insert(name, Value::String(part.text().await?));
            continue;
        }
        let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
        let mut size = 0u64;
        let (name, file_name, content_type) = (
            part.name().map(str::to_owned),
            part.file_name().map(str::to_owned),
            part.content_type().map(str::to_owned),
        );
        while let Some(chunk) = part.chunk().await? {
            size += chunk.len() as u64;
            digest.update(&chunk);
        }
        received.files.push(ReceivedPart {
            name,
            file_name,
            content_type,
            size,
            sha256: hex(digest.finish().as_ref()),
        });
    }
    Ok(received)
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(SHA256_HEX);
    for byte in bytes {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}
