//! The same measurements for progenitor's client on the same spec: cargo-progenitor installed
//! pinned under `target/tools/progenitor/`, fed a copy of the bundled spec from which only what
//! it cannot take is removed (each removal printed), its crate built in its own target
//! directory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::builds::{self, TargetDir};

/// The pinned version (`/work/shared/reference/tooling.md`).
const VERSION: &str = "0.15.1";

/// What the bench measured of progenitor.
pub struct Measured {
    pub generation: Duration,
    pub lines: usize,
    pub clean_build: Option<Duration>,
    pub rebuild: Option<Duration>,
}

/// `cargo-progenitor`, installed pinned if needed.
fn install(tools: &Path) -> crate::Result<PathBuf> {
    let dir = tools.join("progenitor");
    let program = dir.join("bin/cargo-progenitor");
    let pin = format!("cargo-progenitor {VERSION}");
    if crate::validate::is_installed(&dir, &program, &pin) {
        return Ok(program);
    }
    println!("installing {pin} into {}", dir.display());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut install = Command::new(cargo);
    install
        .args([
            "install",
            "cargo-progenitor",
            "--locked",
            "--version",
            VERSION,
            "--root",
        ])
        .arg(&dir)
        .arg("--target-dir")
        .arg(tools.join("progenitor-build"));
    crate::validate::succeed("cargo install cargo-progenitor", &mut install)?;
    crate::validate::stamp(&dir, &program, &pin)
}

/// The bundled spec as progenitor can take it, and what was removed, one line each.
pub fn sanitize(mut document: Value) -> (Value, Vec<String>) {
    let mut removed = Vec::new();
    let shared = document
        .pointer("/components/responses")
        .cloned()
        .unwrap_or(Value::Null);
    let shared_params = document
        .pointer("/components/parameters")
        .cloned()
        .unwrap_or(Value::Null);
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return (document, removed);
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            let Some(operation) = operation.as_object_mut() else {
                continue;
            };
            let at = format!("{} {path}", method.to_uppercase());
            // It rejects cookie parameters.
            if let Some(params) = operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
            {
                params.retain(|p| {
                    let resolved = resolve(p, &shared_params, "#/components/parameters/");
                    let cookie = resolved.get("in").and_then(Value::as_str) == Some("cookie");
                    if cookie {
                        removed.push(format!("{at}: cookie parameter {}", p));
                    }
                    !cookie
                });
            }
            // It refuses request bodies of media types it has no encoder for (multipart forms,
            // `application/zip`): keep the ones it takes, and the operation without a body if
            // none is left.
            if let Some(content) = operation
                .get_mut("requestBody")
                .and_then(|body| body.get_mut("content"))
                .and_then(Value::as_object_mut)
            {
                content.retain(|media, _| {
                    let taken = takes_request_body(media);
                    if !taken {
                        removed.push(format!("{at}: request body `{media}`"));
                    }
                    taken
                });
                if content.is_empty() {
                    operation.remove("requestBody");
                }
            }
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            // It panics on `default` responses.
            if responses.shift_remove("default").is_some() {
                removed.push(format!("{at}: response `default`"));
            }
            // It panics when the successes, or the errors, do not share one body type: keep the
            // most common body of each class.
            for success in [true, false] {
                let class: Vec<(String, String)> = responses
                    .iter()
                    .filter(|(status, _)| status.starts_with('2') == success)
                    .map(|(status, r)| {
                        (
                            status.clone(),
                            body_kind(&resolve(r, &shared, "#/components/responses/")),
                        )
                    })
                    .collect();
                let mut kinds: Vec<(&String, usize)> = Vec::new();
                for (_, kind) in &class {
                    match kinds.iter_mut().find(|(k, _)| *k == kind) {
                        Some((_, n)) => *n += 1,
                        None => kinds.push((kind, 1)),
                    }
                }
                // Ties go to a body over none.
                let Some((keep, _)) = kinds
                    .iter()
                    .max_by_key(|(kind, n)| (*n, !kind.is_empty()))
                    .map(|(k, n)| ((*k).clone(), *n))
                else {
                    continue;
                };
                for (status, kind) in &class {
                    if *kind != keep {
                        responses.shift_remove(status);
                        let what = if kind.is_empty() {
                            "no body"
                        } else {
                            "another body type"
                        };
                        removed.push(format!(
                            "{at}: response {status} ({what} than the other {} responses)",
                            if success { "success" } else { "error" }
                        ));
                    }
                }
            }
        }
    }
    (document, removed)
}

/// Whether progenitor 0.15 can send a request body of this media type (its `BodyContentType`:
/// JSON, `application/octet-stream`, `application/x-www-form-urlencoded` and `text/*`).
fn takes_request_body(media: &str) -> bool {
    let essence = media.split(';').next().unwrap_or_default().trim();
    matches!(
        essence,
        "application/json" | "application/octet-stream" | "application/x-www-form-urlencoded"
    ) || essence.starts_with("text/")
}

/// A `$ref` to `prefix<name>` replaced by its target.
fn resolve(value: &Value, components: &Value, prefix: &str) -> Value {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix(prefix))
        .and_then(|name| components.get(name))
        .cloned()
        .unwrap_or_else(|| value.clone())
}

/// The JSON body schema of a response as text; empty for no body.
fn body_kind(response: &Value) -> String {
    response
        .get("content")
        .and_then(Value::as_object)
        .and_then(|content| content.values().next())
        .and_then(|media| media.get("schema"))
        .map(Value::to_string)
        .unwrap_or_default()
}

/// Installs, generates (`runs` times, whole process, median) and builds progenitor's client.
pub fn measure(spec: &codegen::spec::Spec, runs: usize, build: bool) -> crate::Result<Measured> {
    let root = crate::workspace_root();
    let tools = root.join("target/tools");
    let program = install(&tools)?;
    let work = root.join("target/bench/progenitor");
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let document = serde_json::to_value(&spec.document)
        .map_err(|e| format!("the bundle is not JSON-compatible: {e}"))?;
    let (document, removed) = sanitize(document);
    println!(
        "\nprogenitor {VERSION}: removed from its copy of the spec ({}):",
        removed.len()
    );
    for line in &removed {
        println!("  - {line}");
    }
    let input = work.join("openapi.json");
    write(
        &input,
        &serde_json::to_string_pretty(&document).unwrap_or_default(),
    )?;
    let out = work.join("client");
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        if out.exists() {
            std::fs::remove_dir_all(&out)
                .map_err(|e| format!("cannot clear {}: {e}", out.display()))?;
        }
        let start = Instant::now();
        let mut generate = Command::new(&program);
        generate
            .arg("progenitor")
            .arg("-i")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .args([
                "-n",
                "sps-progenitor",
                "-v",
                "0.1.0",
                "--include-client",
                "false",
            ]);
        crate::validate::succeed("cargo progenitor", &mut generate)?;
        times.push(start.elapsed());
    }
    let lib = out.join("src/lib.rs");
    let lines = std::fs::read_to_string(&lib)
        .map_err(|e| format!("cannot read {}: {e}", lib.display()))?
        .lines()
        .count();
    let manifest = out.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    // Kept out of this workspace. Its reqwest 0.13 has no TLS backend here (its `rustls` would
    // build aws-lc); that only makes its clean build cheaper, and rebuilds do not see it.
    write(&manifest, &format!("{text}\n[workspace]\n"))?;
    let (clean_build, rebuild) = if build {
        let target = TargetDir::new(&out, "bench-build-progenitor", true)?;
        let clean = target.build(&[])?;
        let rebuild = target.rebuild(&[lib], &[], runs.min(3))?;
        (Some(clean), Some(rebuild))
    } else {
        (None, None)
    };
    Ok(Measured {
        generation: builds::median(times),
        lines,
        clean_build,
        rebuild,
    })
}

fn write(path: &Path, contents: &str) -> crate::Result {
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::sanitize;

    #[test]
    fn removes_only_what_progenitor_cannot_take() {
        let error = json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/E"}}}});
        let spec = json!({
            "paths": {"/api/upload": {"post": {
                "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "ok"}}
            }}, "/api/transaction": {"post": {
                "parameters": [{"name": "session_id", "in": "cookie"}, {"name": "q", "in": "query"}],
                "responses": {
                    "200": {"content": {"application/json": {"schema": {"type": "object"}}}},
                    "401": {"$ref": "#/components/responses/Unauthenticated"},
                    "409": error,
                    "411": {"description": "no body"},
                    "default": error,
                }
            }}},
            "components": {"responses": {"Unauthenticated": error}},
        });
        let (clean, removed) = sanitize(spec);
        let op = &clean["paths"]["/api/transaction"]["post"];
        let statuses: Vec<&String> = op["responses"]
            .as_object()
            .map(|r| r.keys().collect())
            .unwrap_or_default();
        assert_eq!(statuses, ["200", "401", "409"]);
        assert_eq!(op["parameters"].as_array().map(Vec::len), Some(1));
        assert!(clean["paths"]["/api/upload"]["post"]
            .get("requestBody")
            .is_none());
        assert_eq!(removed.len(), 4, "{removed:?}");
        assert!(
            removed[0].contains("request body `multipart/form-data`"),
            "{removed:?}"
        );
        assert!(removed[3].contains("411 (no body"), "{removed:?}");
    }
}
