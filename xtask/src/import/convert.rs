//! Loading a spec and converting Swagger 2.0 to OpenAPI 3.0.
//!
//! Conversion is delegated to the npm package `swagger2openapi`, pinned in
//! `xtask/converter/package-lock.json` (install with
//! `npm ci --prefix xtask/converter`). It is a development tool only; no
//! library crate depends on it.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::Source;

/// The bytes of the upstream spec `source` names.
pub fn read(source: &Source) -> Result<Vec<u8>> {
    match source {
        Source::File(path) => {
            if !path.is_file() {
                bail!("the input file {} does not exist", path.display());
            }
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))
        }
        Source::Url(url) => fetch(url),
    }
}

/// Checks a JSON spec before the converter sees it: that it parses, and that
/// every local `$ref` points at something (the converter's own messages for
/// either are Node stack traces and whole-object dumps).
pub fn precheck(bytes: &[u8], name: &str) -> Result<()> {
    let text = String::from_utf8_lossy(bytes);
    let looks_json = text.trim_start().starts_with('{');
    if !looks_json {
        // YAML: the converter reads it; its first error line is reported.
        return Ok(());
    }
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{name} is not valid JSON: {e} (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    let mut dangling = Vec::new();
    dangling_refs(&doc, &doc, &mut String::new(), &mut dangling);
    if !dangling.is_empty() {
        let shown: Vec<String> = dangling
            .iter()
            .take(5)
            .map(|(at, target)| format!("$ref {target:?} at {at} points at nothing"))
            .collect();
        let more = if dangling.len() > 5 {
            format!("\n  … and {} more", dangling.len() - 5)
        } else {
            String::new()
        };
        bail!(
            "{name} has {} broken $ref{}:\n  {}{more}",
            dangling.len(),
            if dangling.len() == 1 { "" } else { "s" },
            shown.join("\n  ")
        );
    }
    Ok(())
}

fn dangling_refs(root: &Value, value: &Value, at: &mut String, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str)
                && let Some(pointer) = target.strip_prefix('#')
                && root.pointer(pointer).is_none()
            {
                found.push((
                    if at.is_empty() {
                        "/".into()
                    } else {
                        at.clone()
                    },
                    target.to_string(),
                ));
            }
            for (key, child) in map {
                let len = at.len();
                at.push('/');
                at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                dangling_refs(root, child, at, found);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                dangling_refs(root, child, at, found);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// The first line of the converter's complaint that says something: not a
/// stack frame, not a source excerpt, at most 300 characters.
fn first_meaningful(stderr: &str) -> String {
    let mut lines = stderr.lines().map(str::trim);
    let error = stderr.lines().map(str::trim).find(|l| {
        l.split(':')
            .next()
            .is_some_and(|head| head.ends_with("Error") && !head.contains(' '))
    });
    let line = error
        .or_else(|| {
            lines.find(|l| {
                !l.is_empty()
                    && !l.starts_with("at ")
                    && !l.starts_with("file://")
                    && !l.starts_with("node:")
                    && !l.starts_with('^')
                    && !l.starts_with("Node.js")
            })
        })
        .unwrap_or("(no message)");
    let mut line: String = line.chars().take(300).collect();
    if line.len() < stderr.trim().len() {
        line.push_str(" …");
    }
    line
}

/// Runs the pinned converter on the spec at `path`: OpenAPI 3.0 JSON.
pub fn convert(root: &Path, path: &Path) -> Result<Value> {
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
        .arg(path)
        .output()
        .context("running node (is Node.js installed?)")?;
    if !output.status.success() {
        bail!(
            "the converter failed on {}: {}",
            path.display(),
            first_meaningful(&String::from_utf8_lossy(&output.stderr))
        );
    }
    let doc: Value =
        serde_json::from_slice(&output.stdout).context("the converter's output is not JSON")?;
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0") => Ok(doc),
        other => bail!("expected an OpenAPI 3.0 document, got version {other:?}"),
    }
}

/// The most a fetched spec may be: the largest published one is about 3 MB.
const FETCH_LIMIT: usize = 64 * 1024 * 1024;

/// GETs `url` with the HTTP client the SDK itself uses (no second TLS stack in the
/// workspace's builds), refusing an error status and anything over [`FETCH_LIMIT`].
fn fetch(url: &str) -> Result<Vec<u8>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting a runtime to fetch with")?;
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(120))
            .build()
            .context("building an HTTP client")?;
        let mut response = client
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("fetching {url}"))?;
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .with_context(|| format!("reading {url}"))?
        {
            if bytes.len() + chunk.len() > FETCH_LIMIT {
                bail!("{url} is larger than {} MiB", FETCH_LIMIT / (1024 * 1024));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Serves `answers` in turn on 127.0.0.1, one connection each.
    fn serve(answers: Vec<String>) -> String {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/spec.json", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for answer in answers {
                let (mut stream, _) = listener.accept().unwrap();
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        url
    }

    #[test]
    fn fetch_reads_the_body_and_refuses_error_statuses() {
        let body = r#"{"swagger": "2.0"}"#;
        let url = serve(vec![
            format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            ),
            "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".into(),
        ]);
        assert_eq!(fetch(&url).unwrap(), body.as_bytes());
        let err = format!("{:#}", fetch(&url).unwrap_err());
        assert!(
            err.contains("fetching http://127.0.0.1") && err.contains("404"),
            "{err}"
        );
    }

    #[test]
    fn broken_refs_are_located() {
        let spec = br##"{"swagger": "2.0", "paths": {"/a": {"get": {"responses": {"200": {"schema": {"$ref": "#/definitions/Nope"}}}}}}, "definitions": {}}"##;
        let err = precheck(spec, "spec.json")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("\"#/definitions/Nope\" at /paths/~1a/get/responses/200/schema"),
            "{err}"
        );
        let err = precheck(b"{\"swagger\": ", "spec.json")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("spec.json is not valid JSON"), "{err}");
    }

    #[test]
    fn node_noise_is_dropped() {
        let stderr = "file:///x/convert.mjs:20\n  doc = YAML.parse(text);\n        ^\n\nYAMLSemanticError: Nested mappings are not allowed\n    at foo (bar.js:1:2)\n";
        assert_eq!(
            first_meaningful(stderr),
            "YAMLSemanticError: Nested mappings are not allowed …"
        );
    }
}
