//! Uploads: a firmware image (a `multipart/form-data` form) from a file on disk and a plugin
//! (a raw `application/zip` body) from a stream, each checked whole on the fake's side (size and
//! SHA-256); malformed uploads get the API's own error body; and the firmware actions around
//! them (fetch by URL, upgrade) and the plugin integrity check.

use sps_client::Upload;
use tokio::io::AsyncWriteExt;

use crate::support::*;

const SLOTS: &str = "/api/firmware/slots";

/// `len` bytes that differ from offset to offset (a counter through a multiplicative hash),
/// so that a lost, repeated or reordered chunk changes the digest.
fn pattern(len: usize) -> Vec<u8> {
    (0..len as u64)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn sha256(bytes: &[u8]) -> String {
    fake_sps::upload::hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

#[tokio::test]
async fn a_firmware_file_arrives_whole_in_the_free_slot() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("sps-8.0.0.iso");
    let image = pattern(5 * 1024 * 1024 + 17);
    std::fs::write(&path, &image).expect("write the image");

    let slot = admin
        .upload_firmware(Upload::file(&path))
        .await
        .expect("upload");

    // The fake saw every byte, in order, as the `firmware` part of a form.
    let received = fake.fake.uploads();
    let [upload] = received.as_slice() else {
        panic!("one upload expected: {received:?}")
    };
    assert_eq!(upload.operation, "upload_firmware");
    let [part] = upload.files.as_slice() else {
        panic!("one file part expected: {upload:?}")
    };
    assert_eq!(part.name.as_deref(), Some("firmware"));
    assert_eq!(part.file_name.as_deref(), Some("sps-8.0.0.iso"));
    assert_eq!(
        part.content_type.as_deref(),
        Some("application/octet-stream")
    );
    assert_eq!(part.size, image.len() as u64);
    assert_eq!(part.sha256, sha256(&image));

    // The image went into the empty slot, which now reads back with its details.
    assert_eq!(slot.key.as_deref(), Some("3"));
    let meta = slot.meta.expect("meta");
    assert_eq!(meta.slot.as_deref(), Some("/api/firmware/slots/3"));
    assert_eq!(meta.test.as_deref(), Some("/api/firmware/test"));
    let stored = admin.get_firmware_slot("3").await.expect("slot 3");
    assert_eq!(stored.body, slot.body);
    assert!(fake
        .committed(&format!("{SLOTS}/3"))
        .is_some_and(|b| b["version"].is_string()));
}

#[tokio::test]
async fn a_plugin_streams_from_a_pipe_into_the_transaction() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let package = pattern(3 * 1024 * 1024 + 5);

    // Not a file: the bytes come through a pipe, written while the upload runs, of a length
    // the client does not know (a chunked body).
    let (reader, mut writer) = tokio::io::duplex(64 * 1024);
    let written = package.clone();
    let writer_task = tokio::spawn(async move {
        for chunk in written.chunks(100_000) {
            writer.write_all(chunk).await.expect("pipe write");
        }
        writer.shutdown().await.expect("pipe end");
    });

    let tx = admin.transaction();
    tx.open().await.expect("open");
    let plugin = admin
        .upload_plugin(Upload::reader(reader, None))
        .await
        .expect("upload");
    writer_task.await.expect("writer");

    let received = fake.fake.uploads();
    let part = &received[0].files[0];
    assert_eq!(
        (part.name.as_deref(), part.size),
        (None, package.len() as u64)
    );
    assert_eq!(part.sha256, sha256(&package));
    assert_eq!(part.content_type.as_deref(), Some("application/zip"));

    // The plugin is staged in the transaction under a key made from the package's digest.
    let key = plugin.key.clone().expect("key");
    assert_eq!(key, part.sha256[..22]);
    let href = format!("/api/configuration/plugins/aa/{key}");
    assert_eq!(
        plugin.meta.as_ref().map(|m| m.href.as_str()),
        Some(href.as_str())
    );
    assert_eq!(
        admin.get_aa_plugin(&key).await.expect("read").body,
        plugin.body
    );
    assert!(fake.committed(&href).is_none(), "visible before the commit");
    tx.commit(None).await.expect("commit");
    assert!(fake.committed(&href).is_some());
}

#[tokio::test]
async fn uploads_need_a_transaction_and_a_session_where_the_api_does() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plugin.zip");
    std::fs::write(&path, pattern(1000)).expect("write");

    api_error(
        admin.upload_plugin(Upload::file(&path)).await,
        409,
        ErrorType::NoTransaction,
    );
    api_error(
        fake.client().upload_firmware(Upload::file(&path)).await,
        401,
        ErrorType::Unauthenticated,
    );
    // A file that is not there: a clear error before anything is sent.
    match admin
        .upload_firmware(Upload::file(dir.path().join("missing.iso")))
        .await
    {
        Err(Error::Upload(e)) => assert!(e.to_string().contains("missing.iso"), "{e}"),
        other => panic!("expected Error::Upload, got {other:?}"),
    }
    assert!(
        fake.fake.uploads().len() == 1,
        "only the 409 upload was read"
    );
}

/// Posts `body` with `content_type` to `path` with the session of `client`.
async fn post_raw(
    fake: &Fake,
    client: &Client,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, Value) {
    let session = client.session_id().expect("session");
    let response = reqwest::Client::new()
        .post(format!("{}{path}", fake.url()))
        .header("cookie", format!("session_id={session}"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("send");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON error body"))
}

#[tokio::test]
async fn malformed_uploads_get_the_apis_error_body() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let cases: [(&str, &str, &[u8], &str); 5] = [
        // The wrong content type for a raw upload.
        ("/api/upload/plugins", "application/json", b"{}", "application/zip"),
        // A form without its boundary.
        ("/api/upload/firmware", "multipart/form-data", b"x", "boundary"),
        // A form without the required file part.
        (
            "/api/upload/firmware",
            "multipart/form-data; boundary=XX",
            b"--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--XX--\r\n",
            "note",
        ),
        // The file part sent as text.
        (
            "/api/upload/firmware",
            "multipart/form-data; boundary=XX",
            b"--XX\r\nContent-Disposition: form-data; name=\"firmware\"\r\n\r\nhi\r\n--XX--\r\n",
            "file name",
        ),
        // A form that breaks off.
        (
            "/api/upload/firmware",
            "multipart/form-data; boundary=XX",
            b"--XX\r\nContent-Disposition: form-data; name=\"firmware\"; filename=\"a.iso\"\r\n\r\nabc",
            "firmware",
        ),
    ];
    for (path, content_type, body, says) in cases {
        let (status, body) = post_raw(&fake, &admin, path, content_type, body.to_vec()).await;
        assert_eq!(status, 400, "{content_type}: {body}");
        assert_eq!(body["error"]["type"], "InvalidRequestBody", "{body}");
        assert_eq!(body["meta"]["href"], path, "{body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(says) || body.to_string().contains(says),
            "{says}: {body}"
        );
    }
    assert!(fake.fake.uploads().is_empty());
}

#[tokio::test]
async fn firmware_is_fetched_by_url_and_upgraded_to() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let request = types::FirmwareFetchRequest {
        url: "https://example.com/sps-8.0.iso".to_owned(),
        checksum: Some(Some(types::FirmwareFetchChecksum {
            sha256: sha256(b"image"),
            extra: Default::default(),
        })),
        extra: Default::default(),
    };
    let queued = admin
        .fetch_firmware(&request)
        .await
        .expect("fetch")
        .expect("an answer");
    let key = queued.key.expect("key");
    let download = admin
        .get_firmware_download(&key)
        .await
        .expect("status")
        .expect("an answer");
    assert_eq!(
        download.body.expect("body").url.as_deref(),
        Some(request.url.as_str())
    );
    let listed = admin
        .list_firmware_downloads()
        .await
        .expect("list")
        .expect("an answer");
    assert!(listed
        .items
        .unwrap_or_default()
        .iter()
        .any(|i| i.key.as_deref() == Some(key.as_str())));
    admin.cancel_firmware_download(&key).await.expect("cancel");
    api_error(
        admin.get_firmware_download(&key).await,
        404,
        ErrorType::NotFound,
    );

    let upgraded = admin
        .upgrade_firmware(&types::FirmwareUpgradeRequest {
            slot_id: types::SlotId::from(2),
            message: Some(Some("Upgrade to 7.5".to_owned())),
            extra: Default::default(),
        })
        .await
        .expect("upgrade");
    assert_eq!(upgraded.key, types::SlotId::String("2".to_owned()));
    // The empty slot has no image to upgrade to.
    api_error(
        admin
            .upgrade_firmware(&types::FirmwareUpgradeRequest {
                slot_id: types::SlotId::from(3),
                message: None,
                extra: Default::default(),
            })
            .await,
        404,
        ErrorType::ResourceNotFound,
    );
}

#[tokio::test]
async fn plugin_integrity_reports_a_verdict_per_check() {
    let fake = start().await;
    let admin = fake.login(ADMIN).await;
    let result = admin
        .check_plugin_integrity(&sps_client::CheckPluginIntegrityParams {
            key: "8876228625d67aa91e2253".to_owned(),
            plugin_type: types::CheckPluginIntegrityPluginType::Aa,
            ops: Some(types::CheckPluginIntegrityOps::ZipChecksum),
        })
        .await
        .expect("integrity");
    assert_eq!(
        result
            .body
            .get("zip_checksum")
            .and_then(|c| c.verdict.as_deref()),
        Some("passed")
    );
    // A kind of plugin the documentation does not list is refused, as by the appliance.
    api_error(
        admin
            .check_plugin_integrity(&sps_client::CheckPluginIntegrityParams {
                key: "8876228625d67aa91e2253".to_owned(),
                plugin_type: types::CheckPluginIntegrityPluginType::Unknown("gadget".to_owned()),
                ops: None,
            })
            .await,
        400,
        ErrorType::InvalidQuery,
    );
}
