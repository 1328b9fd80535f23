//! Where each document came from: `openapi/provenance.json`.
//!
//! For every API the import records the published specs it read, one per
//! lineage in priority order (lineage, where from, when, SHA-256, the
//! spec's own operations), the converter that turned it into OpenAPI 3.0, the
//! SHA-256 of the document it wrote and of the overlays it applied. With that,
//! `import --check` can tell "the committed document is not what the
//! recorded upstream and the overlays produce" (an error) from "the spec at
//! hand is not the recorded one" (upstream drift), and the workspace tests
//! know the upstream operation set without the upstream file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::api::Api;
use crate::canonical;

/// `import --check` met an upstream spec other than the recorded one. The
/// committed files are consistent; the upstream moved.
#[derive(Debug)]
pub struct UpstreamDrift(pub String);

impl fmt::Display for UpstreamDrift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UpstreamDrift {}

/// One published spec an API's document was built from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceRecord {
    /// `powershell-sdk` or `docs-site` (`api::Lineage::name`).
    pub lineage: String,
    /// The path (workspace-relative when inside or beside it) or URL read.
    pub origin: String,
    /// The day this spec (these bytes) was first imported, `YYYY-MM-DD`.
    pub imported: String,
    /// SHA-256 of the spec file's bytes.
    pub sha256: String,
    /// The spec's own operations: operation id → `METHOD path`.
    pub operations: BTreeMap<String, String>,
}

/// One API's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The published specs, in priority order (an operation comes from the
    /// first that defines it).
    pub sources: Vec<SourceRecord>,
    /// The converter and its version, e.g. `swagger2openapi 7.0.8`.
    pub converter: String,
    /// SHA-256 of the document the import wrote.
    pub document_sha256: String,
    /// SHA-256 over the overlays the import applied (names and contents).
    pub overlays_sha256: String,
}

impl Record {
    /// The record of `lineage`, if the document was built from it.
    pub fn source(&self, lineage: &str) -> Option<&SourceRecord> {
        self.sources.iter().find(|s| s.lineage == lineage)
    }
}

pub fn path(root: &Path) -> PathBuf {
    root.join("openapi").join("provenance.json")
}

/// Every record in `openapi/provenance.json`; none if the file is missing.
pub fn load(root: &Path) -> Result<BTreeMap<String, Record>> {
    let file = path(root);
    let Ok(text) = std::fs::read_to_string(&file) else {
        return Ok(BTreeMap::new());
    };
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", file.display()))?;
    let apis = value
        .get("apis")
        .and_then(Value::as_object)
        .ok_or_else(|| anyhow!("{}: no `apis` object", file.display()))?;
    let mut out = BTreeMap::new();
    for (api, rec) in apis {
        let field = |value: &Value, name: &str, at: &str| -> Result<String> {
            value
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| anyhow!("{}: {at}.{name} is missing", file.display()))
        };
        let mut sources = Vec::new();
        let listed = rec
            .get("sources")
            .and_then(Value::as_array)
            .ok_or_else(|| anyhow!("{}: {api}.sources is missing", file.display()))?;
        for (i, s) in listed.iter().enumerate() {
            let at = format!("{api}.sources[{i}]");
            let operations = s
                .get("operations")
                .and_then(Value::as_object)
                .map(|ops| {
                    ops.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            sources.push(SourceRecord {
                lineage: field(s, "lineage", &at)?,
                origin: field(s, "origin", &at)?,
                imported: field(s, "imported", &at)?,
                sha256: field(s, "sha256", &at)?,
                operations,
            });
        }
        out.insert(
            api.clone(),
            Record {
                sources,
                converter: field(rec, "converter", api)?,
                document_sha256: field(rec, "document_sha256", api)?,
                overlays_sha256: field(rec, "overlays_sha256", api)?,
            },
        );
    }
    Ok(out)
}

/// The file's text for `records`, byte-stable.
pub fn render(records: &BTreeMap<String, Record>) -> String {
    let mut apis = Map::new();
    for (api, r) in records {
        let sources: Vec<Value> = r
            .sources
            .iter()
            .map(|s| {
                let ops: Map<String, Value> = s
                    .operations
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                json!({
                    "lineage": s.lineage,
                    "origin": s.origin,
                    "imported": s.imported,
                    "sha256": s.sha256,
                    "operations": ops,
                })
            })
            .collect();
        apis.insert(
            api.clone(),
            json!({
                "sources": sources,
                "converter": r.converter,
                "document_sha256": r.document_sha256,
                "overlays_sha256": r.overlays_sha256,
            }),
        );
    }
    canonical::to_string(&json!({
        "about": "Written by `cargo xtask import`; checked by `cargo xtask import --check`. \
                  Per API: the published specs read, in priority order (lineage, origin, first \
                  imported, sha256, and the spec's own operations as id: METHOD path), the \
                  converter, and the sha256 of the document written and of the overlays applied.",
        "apis": apis,
    }))
}

pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One hash over the overlay files of `api`, by name and content.
pub fn overlays_sha256(root: &Path, api: Api) -> Result<String> {
    let dir = api.overlays(root);
    let mut files: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        // Every file: one that is not an overlay is refused by the import,
        // and `--check` must see it too.
        Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let mut hasher = Sha256::new();
    for file in files.into_iter().filter(|f| f.is_file()) {
        let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        hasher.update(format!("{name}\n{}\n", bytes.len()).as_bytes());
        hasher.update(&bytes);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The pinned converter, from `xtask/converter/package-lock.json`.
pub fn converter(root: &Path) -> Result<String> {
    let lock = root
        .join("xtask")
        .join("converter")
        .join("package-lock.json");
    let text =
        std::fs::read_to_string(&lock).with_context(|| format!("reading {}", lock.display()))?;
    let value: Value =
        serde_json::from_str(&text).with_context(|| format!("{} is not JSON", lock.display()))?;
    let version = value
        .pointer("/packages/node_modules~1swagger2openapi/version")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("{} does not pin swagger2openapi", lock.display()))?;
    Ok(format!("swagger2openapi {version}"))
}

/// Today's date (UTC), `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian
/// (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dates_and_hashes() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn records_round_trip() {
        let mut records = BTreeMap::new();
        records.insert(
            "v2".to_string(),
            Record {
                sources: vec![
                    SourceRecord {
                        lineage: "powershell-sdk".into(),
                        origin: "spec.json".into(),
                        imported: "2024-01-02".into(),
                        sha256: "aa".into(),
                        operations: [("A_Get".to_string(), "GET /a".to_string())].into(),
                    },
                    SourceRecord {
                        lineage: "docs-site".into(),
                        origin: "https://example.com/spec.yaml".into(),
                        imported: "2023-05-01".into(),
                        sha256: "dd".into(),
                        operations: [("a_get".to_string(), "GET /a".to_string())].into(),
                    },
                ],
                converter: "swagger2openapi 7.0.8".into(),
                document_sha256: "bb".into(),
                overlays_sha256: "cc".into(),
            },
        );
        let dir = std::env::temp_dir().join(format!("xtask-prov-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("openapi")).unwrap();
        std::fs::write(path(&dir), render(&records)).unwrap();
        assert_eq!(load(&dir).unwrap(), records);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
