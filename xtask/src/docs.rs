//! `cargo xtask docs [--check]`: the bundled spec rendered as one HTML reference page.
//!
//! Renders `target/docs/index.html` with `redocly build-docs` (pinned, installed like the
//! validators). `--check` then opens the page in headless Chromium (Debian's `chromium`, which
//! `.ci/run` installs, Google Chrome, or the browser `$CHROME` names), reads the page as the browser shows it once its scripts ran, fails if an
//! operation of the spec is missing from it, and keeps a screenshot at
//! `target/docs/screenshot.png`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const DOCS_DIR: &str = "target/docs";
const PAGE: &str = "target/docs/index.html";
const SCREENSHOT: &str = "target/docs/screenshot.png";

pub fn run(args: &[String]) -> crate::Result {
    let check = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => return Err("usage: cargo xtask docs [--check]".into()),
    };
    let root = crate::workspace_root();
    let spec = crate::spec::load()?;
    let bundle = root.join(crate::validate::BUNDLE);
    crate::validate::write(&bundle, &codegen::spec::bundle_yaml(&spec))?;
    let redocly = crate::validate::install_redocly(&root.join("target/tools/node"))?;
    std::fs::create_dir_all(root.join(DOCS_DIR))
        .map_err(|e| format!("cannot create {DOCS_DIR}: {e}"))?;
    let output = Command::new(redocly)
        // Scripts inline: the page must work offline (the default loads them from a CDN).
        .args([
            "build-docs",
            crate::validate::BUNDLE,
            "--inlineBundle",
            "--output",
            PAGE,
        ])
        .current_dir(&root)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true")
        .output()
        .map_err(|e| format!("cannot run redocly: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "redocly build-docs failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    println!("rendered {PAGE}");
    if check {
        // Each operation under its first tag, as the page groups them.
        let mut by_tag: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (_, _, operation) in spec.openapi.operations() {
            if let (Some(id), Some(tag)) = (&operation.operation_id, operation.tags.first()) {
                by_tag.entry(tag.clone()).or_default().push(id.clone());
            }
        }
        check_in_browser(&root, &by_tag)?;
    }
    Ok(())
}

/// Opens the page in headless Chromium, one tag's section at a time (the page renders the
/// section in view): every operation must be listed under its tag.
fn check_in_browser(root: &Path, by_tag: &BTreeMap<String, Vec<String>>) -> crate::Result {
    let browser = chromium()?;
    let page = format!("file://{}", root.join(PAGE).display());
    let tags: Vec<&String> = by_tag.keys().collect();
    // Two browsers at a time: each page load takes seconds of real time.
    let shown: Vec<crate::Result<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = tags
            .chunks(tags.len().div_ceil(2).max(1))
            .enumerate()
            .map(|(worker, chunk)| {
                let (browser, page) = (&browser, &page);
                let profile = root.join(format!("target/tools/chromium-profile-{worker}"));
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|tag| {
                            let url = format!("{page}#/{tag}");
                            browse(
                                browser,
                                &profile,
                                &["--dump-dom", "--virtual-time-budget=5000", &url],
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join()
                    .unwrap_or_else(|_| vec![Err("a browser thread panicked".into())])
            })
            .collect()
    });
    let mut missing = Vec::new();
    for (tag, dom) in tags.iter().zip(shown) {
        let dom = dom?;
        for id in &by_tag[*tag] {
            // The sidebar links each operation of the open tag as `#/<tag>/<operationId>`.
            if !dom.contains(&format!("href=\"#/{tag}/{id}\"")) {
                missing.push(format!("{tag}/{id}"));
            }
        }
    }
    let screenshot = format!("--screenshot={}", root.join(SCREENSHOT).display());
    let first = tags.first().map_or(String::new(), |t| format!("#/{t}"));
    browse(
        &browser,
        &root.join("target/tools/chromium-profile-0"),
        &[
            &screenshot,
            "--window-size=1400,900",
            "--virtual-time-budget=5000",
            &format!("{page}{first}"),
        ],
    )?;
    let total: usize = by_tag.values().map(Vec::len).sum();
    if !missing.is_empty() {
        return Err(format!(
            "the rendered reference does not list {} of {total} operations: {}",
            missing.len(),
            missing.join(", ")
        ));
    }
    println!("headless Chromium lists all {total} operations under their {} tags; screenshot in {SCREENSHOT}", tags.len());
    Ok(())
}

/// The browser: `$CHROME` if set, else Debian's Chromium or Google Chrome (as on GitHub's
/// runners).
fn chromium() -> crate::Result<PathBuf> {
    if let Some(chrome) = std::env::var_os("CHROME") {
        return Ok(PathBuf::from(chrome));
    }
    ["/usr/bin/chromium", "/usr/bin/google-chrome"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .ok_or_else(|| {
            "headless Chromium is not installed (Debian: apt-get install chromium; .ci/run does)"
                .to_owned()
        })
}

/// Runs Chromium headless, offline-friendly (no background networking), in its own profile.
fn browse(browser: &Path, profile: &Path, args: &[&str]) -> crate::Result<String> {
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", browser.display()))?;
    if !output.status.success() {
        return Err(format!(
            "chromium failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}
