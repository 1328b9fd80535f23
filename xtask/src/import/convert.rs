//! Loading a spec and converting Swagger 2.0 to OpenAPI 3.0.
//!
//! Conversion is delegated to the npm package `swagger2openapi`, pinned in
//! `xtask/converter/package-lock.json` (install with
//! `npm ci --prefix xtask/converter`). It is a development tool only; no
//! library crate depends on it.

use std::io::Read;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::Source;

pub fn load(root: &Path, source: &Source) -> Result<Value> {
    let (path, _tmp) = match source {
        Source::File(path) => (path.clone(), None),
        Source::Url(url) => {
            let bytes = fetch(url)?;
            let tmp = std::env::temp_dir()
                .join(format!("jumpcloud-rs-import-{}.spec", std::process::id()));
            std::fs::write(&tmp, bytes).context("writing the downloaded spec")?;
            (tmp.clone(), Some(TempFile(tmp)))
        }
    };
    let converter = root.join("xtask").join("converter");
    let script = converter.join("convert.mjs");
    if !converter
        .join("node_modules")
        .join("swagger2openapi")
        .exists()
    {
        bail!(
            "the spec converter is not installed; run `npm ci --prefix {}`",
            converter.display()
        );
    }
    let output = Command::new("node")
        .arg(&script)
        .arg(&path)
        .output()
        .context("running node (is Node.js installed?)")?;
    if !output.status.success() {
        bail!(
            "the converter failed on {}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let doc: Value =
        serde_json::from_slice(&output.stdout).context("the converter's output is not JSON")?;
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0") => Ok(doc),
        other => bail!("expected an OpenAPI 3.0 document, got version {other:?}"),
    }
}

fn fetch(url: &str) -> Result<Vec<u8>> {
    let response = ureq::get(url)
        .call()
        .with_context(|| format!("fetching {url}"))?;
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(64 * 1024 * 1024)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {url}"))?;
    Ok(bytes)
}

struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
