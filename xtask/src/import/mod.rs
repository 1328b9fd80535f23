//! `cargo xtask import`: JumpCloud's published spec → `openapi/jumpcloud-<api>.json`.
//!
//! The steps, each in its own module: [`convert`] (Swagger 2.0 → OpenAPI 3.0
//! with the pinned converter), [`strip`] (drop prose, keep facts),
//! [`normalize`] (rules that hold for every document), [`overlay`] (the
//! project's additions and fixes), then a check that the result parses as
//! OpenAPI 3.0 and a byte-stable write.

mod convert;
mod normalize;
mod overlay;
mod strip;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::api::{self, Api};
use crate::canonical;

pub fn run(api: Option<Api>, from: Option<&str>, check: bool) -> Result<()> {
    let root = api::workspace_root();
    let apis = api::selected(api);
    if from.is_some() && apis.len() != 1 {
        bail!("--from names one spec; say which API it is with --api");
    }
    let mut drifted = Vec::new();
    for api in apis {
        let source = match from {
            Some("upstream") => Source::Url(api.upstream_url().to_string()),
            Some(s) if s.starts_with("https://") => Source::Url(s.to_string()),
            Some(s) if s.starts_with("http://") => {
                bail!("refusing to fetch a spec over plain http: {s}")
            }
            Some(path) => Source::File(PathBuf::from(path)),
            None => {
                let path = root
                    .join("..")
                    .join("shared")
                    .join("reference")
                    .join(api.reference_file());
                if !path.exists() {
                    println!(
                        "import {}: skipped, ../shared/reference/{} is not here (only needed to refresh openapi/)",
                        api.name(),
                        api.reference_file()
                    );
                    continue;
                }
                Source::File(path)
            }
        };
        let doc = build(&root, api, &source)
            .with_context(|| format!("importing {} from {source}", api.name()))?;
        let text = canonical::to_string(&doc);
        let target = api.document(&root);
        let rel = target
            .strip_prefix(&root)
            .unwrap_or(&target)
            .display()
            .to_string();
        let current = std::fs::read_to_string(&target).ok();
        if current.as_deref() == Some(text.as_str()) {
            println!("import {}: {rel} is up to date", api.name());
            continue;
        }
        if check {
            let old: Value = current
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok())
                .unwrap_or(Value::Null);
            let diffs = canonical::differences(&old, &doc, 20);
            eprintln!(
                "import {}: {rel} differs from what the import produces:",
                api.name()
            );
            for d in &diffs {
                eprintln!("  {d}");
            }
            if diffs.is_empty() {
                eprintln!("  (same content, different formatting)");
            }
            drifted.push(rel);
        } else {
            std::fs::write(&target, text).with_context(|| format!("writing {rel}"))?;
            println!(
                "import {}: wrote {rel} ({} operations)",
                api.name(),
                count_operations(&doc)
            );
        }
    }
    if !drifted.is_empty() {
        bail!(
            "{} out of date; run `cargo xtask import` and commit the result",
            drifted.join(", ")
        );
    }
    Ok(())
}

pub enum Source {
    File(PathBuf),
    Url(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Url(u) => f.write_str(u),
        }
    }
}

/// The whole pipeline for one API, without writing anything.
pub fn build(root: &Path, api: Api, source: &Source) -> Result<Value> {
    let mut doc = convert::load(root, source)?;
    strip::strip_prose(&mut doc);
    normalize::normalize(api, &mut doc)?;
    overlay::apply_dir(&mut doc, &api.overlays(root))?;
    normalize::tidy(&mut doc);
    serde_json::from_value::<openapiv3::OpenAPI>(doc.clone())
        .context("the result is not a valid OpenAPI 3.0 document")?;
    Ok(doc)
}

pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

pub fn count_operations(doc: &Value) -> usize {
    doc.get("paths")
        .and_then(Value::as_object)
        .map(|paths| {
            paths
                .values()
                .filter_map(Value::as_object)
                .map(|item| {
                    item.keys()
                        .filter(|k| METHODS.contains(&k.as_str()))
                        .count()
                })
                .sum()
        })
        .unwrap_or(0)
}
