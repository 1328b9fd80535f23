//! `cargo xtask import`: JumpCloud's published spec → `openapi/jumpcloud-<api>.json`.
//!
//! The steps, each in its own module: [`convert`] (Swagger 2.0 → OpenAPI 3.0
//! with the pinned converter), [`strip`] (drop prose, keep facts),
//! [`normalize`] (rules that hold for every document), [`overlay`] (the
//! project's additions and fixes), then a check that the result parses as
//! OpenAPI 3.0 (`spec::parse`) and a byte-stable write. A changed document is
//! written only if it generates; that check and the change report come from
//! `main` as a [`Downstream`], so import depends on neither regen nor diff.

mod checks;
mod convert;
mod normalize;
mod overlay;
mod strip;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::api::{self, Api};
use crate::provenance::{self, Record, UpstreamDrift};
use crate::spec::count_operations;
use crate::{canonical, output, spec};

/// What an import did.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug, Default)]
pub struct Imported {
    /// Files written, workspace-relative.
    pub written: Vec<String>,
    /// The change report of every API looked at.
    pub report: String,
}

/// What the import needs from the rest of the xtask, handed in by `main`, so
/// that `import` depends on neither `regen` nor `diff`.
#[derive(Clone, Copy)]
pub struct Downstream {
    /// Fails if the document would not generate: a changed document is
    /// written only if regen accepts it.
    pub generates: fn(Api, &Value) -> Result<()>,
    /// The change report from an old document to a new one, under a title.
    pub report: fn(&Value, &Value, &str) -> String,
}

/// `cargo xtask import` (or `--check`) under `root`.
pub fn run(
    root: &Path,
    api: Option<Api>,
    from: Option<&str>,
    check: bool,
    downstream: Downstream,
) -> Result<Imported> {
    let apis = api::selected(api);
    if from.is_some() && apis.len() != 1 {
        bail!("--from names one spec; say which API it is with --api");
    }
    if check {
        return check_all(root, &apis, from, downstream);
    }
    let mut records = provenance::load(root)?;
    let mut outputs = Vec::new();
    let mut report = String::new();
    let mut changed = Vec::new();
    let mut cache = Vec::new();
    for api in apis {
        let Some(source) = source(root, api, from)? else {
            println!(
                "import {}: skipped, ../shared/reference/{} is not here (give the spec with --from)",
                api.name(),
                api.reference_file()
            );
            continue;
        };
        let context = || {
            format!(
                "importing {} from {source}; nothing was written",
                api.name()
            )
        };
        let bytes = convert::read(&source).with_context(context)?;
        let built = build_bytes(root, api, &bytes, &source).with_context(context)?;
        let text = canonical::to_string(&built.doc);
        let target = api.document(root);
        let current = std::fs::read_to_string(&target).ok();
        if current.as_deref() != Some(text.as_str()) {
            // A document is written only if regen will accept it.
            (downstream.generates)(api, &built.doc).with_context(|| {
                format!(
                    "importing {} from {source}: the new document would not generate; nothing was written",
                    api.name()
                )
            })?;
            changed.push(api);
        }
        let old: Value = current
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Value::Null);
        report.push_str(&(downstream.report)(
            &old,
            &built.doc,
            &format!("change report {}", api.name()),
        ));
        let sha = provenance::sha256(&bytes);
        let previous = records.get(api.name());
        let imported = match previous {
            Some(p) if p.sha256 == sha => p.imported.clone(),
            _ => provenance::today(),
        };
        records.insert(
            api.name().to_string(),
            Record {
                source: source.recorded(root),
                imported,
                sha256: sha.clone(),
                converter: provenance::converter(root)?,
                document_sha256: provenance::sha256(text.as_bytes()),
                overlays_sha256: provenance::overlays_sha256(root, api)?,
                operations: built.upstream_operations,
            },
        );
        let summary = format!("({} operations)", count_operations(&built.doc));
        outputs.push(output::Output {
            path: target,
            text,
            summary,
        });
        cache.push((sha, bytes));
    }
    if outputs.is_empty() {
        return Ok(Imported::default());
    }
    print!("{report}");
    outputs.push(output::Output {
        path: provenance::path(root),
        text: provenance::render(&records),
        summary: "(where each document came from)".into(),
    });
    let outcome = output::apply(
        "import",
        root,
        &outputs,
        false,
        "cargo xtask import",
        &|_, _| Vec::new(),
    )?;
    for (sha, bytes) in cache {
        // A copy for later `--check`s; losing it only means a weaker check.
        let dir = cache_dir(root);
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = std::fs::write(dir.join(format!("{sha}.spec")), bytes);
        }
    }
    if !changed.is_empty() {
        let files: Vec<String> = changed
            .iter()
            .map(|api| output::relative(root, &api.generated(root)))
            .collect();
        println!(
            "import: {} now out of step with openapi/; run `cargo xtask regen` \
             (or `git checkout -- openapi/` to go back)",
            files.join(", ")
        );
    }
    Ok(Imported {
        written: outcome.written,
        report,
    })
}

/// Where the import keeps a copy of each upstream it read, by hash.
fn cache_dir(root: &Path) -> PathBuf {
    root.join("target").join("xtask").join("upstream")
}

fn reference_path(root: &Path, api: Api) -> PathBuf {
    root.join("..")
        .join("shared")
        .join("reference")
        .join(api.reference_file())
}

/// The spec to import: `--from`, or the reference copy beside the workspace.
fn source(root: &Path, api: Api, from: Option<&str>) -> Result<Option<Source>> {
    Ok(match from {
        Some("upstream") => Some(Source::Url(api.upstream_url().to_string())),
        Some(s) if s.starts_with("https://") => Some(Source::Url(s.to_string())),
        Some(s) if s.starts_with("http://") => {
            bail!("refusing to fetch a spec over plain http: {s}")
        }
        Some(path) => Some(Source::File(PathBuf::from(path))),
        None => {
            let path = reference_path(root, api);
            path.exists().then_some(Source::File(path))
        }
    })
}

/// `import --check`: every selected API's document against its record and,
/// when the recorded upstream is at hand, against what it and the overlays
/// produce.
fn check_all(
    root: &Path,
    apis: &[Api],
    from: Option<&str>,
    downstream: Downstream,
) -> Result<Imported> {
    let records = provenance::load(root)?;
    let mut wrong = Vec::new();
    let mut drift = Vec::new();
    let mut report = String::new();
    for &api in apis {
        let name = api.name();
        let doc_path = api.document(root);
        let rel = output::relative(root, &doc_path);
        let Some(record) = records.get(name) else {
            wrong.push(format!(
                "{}: no record for {name}; run `cargo xtask import --api {name} --from <spec>`",
                output::relative(root, &provenance::path(root))
            ));
            continue;
        };
        let text = std::fs::read_to_string(&doc_path).with_context(|| format!("reading {rel}"))?;
        if provenance::sha256(text.as_bytes()) != record.document_sha256 {
            wrong.push(format!(
                "{rel} is not the document `cargo xtask import` wrote (its sha256 differs from the \
                 record); documents change only through overlays and the import"
            ));
        }
        if provenance::overlays_sha256(root, api)? != record.overlays_sha256 {
            wrong.push(format!(
                "openapi/overlays/{name}/ changed since {rel} was imported; run \
                 `cargo xtask import --api {name}` with the recorded upstream ({}) and commit",
                record.source
            ));
        }
        let converter = provenance::converter(root)?;
        if converter != record.converter {
            wrong.push(format!(
                "{rel} was converted with {}, the pinned converter is {converter}; re-import it",
                record.converter
            ));
        }
        // The upstream to compare with.
        let mut candidates: Vec<Source> = Vec::new();
        match from {
            Some(_) => candidates.extend(source(root, api, from)?),
            None => {
                let recorded = root.join(&record.source);
                if !record.source.starts_with("https://") && recorded.is_file() {
                    candidates.push(Source::File(recorded));
                }
                let cached = cache_dir(root).join(format!("{}.spec", record.sha256));
                if cached.is_file() {
                    candidates.push(Source::File(cached));
                }
                let reference = reference_path(root, api);
                if reference.is_file() {
                    candidates.push(Source::File(reference));
                }
            }
        }
        let mut read = Vec::new();
        for candidate in candidates {
            let bytes = convert::read(&candidate)?;
            let sha = provenance::sha256(&bytes);
            read.push((candidate, bytes, sha));
        }
        let short = &record.sha256[..record.sha256.len().min(12)];
        if let Some((source, bytes, _)) = read.iter().find(|(_, _, sha)| *sha == record.sha256) {
            let source = Shown(root, source);
            let built = build_bytes(root, api, bytes, source.1)
                .with_context(|| format!("importing {name} from {source}"))?;
            let expected = canonical::to_string(&built.doc);
            println!(
                "import --check {name}: compared {rel} with what {source} (the recorded upstream, \
                 sha256 {short}…) and the overlays produce"
            );
            if expected != text {
                let committed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                let mut lines = vec![format!(
                    "{rel} differs from what the recorded upstream and the overlays produce:"
                )];
                lines.extend(
                    canonical::differences(&committed, &built.doc, 20)
                        .into_iter()
                        .map(|d| format!("  {d}")),
                );
                lines.push(format!(
                    "  run `cargo xtask import --api {name} --from {source}` and commit the result"
                ));
                wrong.push(lines.join("\n"));
            }
            if built.upstream_operations != record.operations {
                wrong.push(format!(
                    "the operations recorded for {name} are not the upstream's; run \
                     `cargo xtask import --api {name} --from {source}`"
                ));
            }
        } else if let Some((source, bytes, sha)) = read.first() {
            let shown = Shown(root, source);
            let mut message = format!(
                "upstream drift ({name}): {shown} (sha256 {}…) is not the upstream {rel} was \
                 imported from ({}, sha256 {short}…, imported {}). The committed files are \
                 consistent; to take this spec run `cargo xtask import --api {name} --from {shown}` \
                 and review its change report.",
                &sha[..12],
                record.source,
                record.imported
            );
            if let Ok(built) = build_bytes(root, api, bytes, source) {
                let committed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                let r = (downstream.report)(
                    &committed,
                    &built.doc,
                    &format!("what importing it would change in {name}"),
                );
                message.push('\n');
                message.push_str(r.trim_end());
                report.push_str(&r);
            }
            drift.push(message);
        } else {
            println!(
                "import --check {name}: the recorded upstream ({}, sha256 {short}…, imported {}) is \
                 not at hand, so {rel} was checked against the record only; to re-derive it, \
                 pass the spec with --from",
                record.source, record.imported
            );
        }
    }
    if !wrong.is_empty() {
        for d in &drift {
            eprintln!("{d}");
        }
        bail!("{}", wrong.join("\n"));
    }
    if !drift.is_empty() {
        return Err(UpstreamDrift(drift.join("\n")).into());
    }
    Ok(Imported {
        written: Vec::new(),
        report,
    })
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

impl Source {
    /// How the provenance file names it: a URL, or a path relative to the
    /// workspace root when it is inside or beside it.
    fn recorded(&self, root: &Path) -> String {
        match self {
            Source::Url(url) => url.clone(),
            Source::File(path) => {
                let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
                let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
                if let Ok(inside) = absolute.strip_prefix(&root) {
                    return inside.display().to_string();
                }
                if let Some(parent) = root.parent()
                    && let Ok(beside) = absolute.strip_prefix(parent)
                {
                    return Path::new("..").join(beside).display().to_string();
                }
                absolute.display().to_string()
            }
        }
    }
}

/// A source as messages show it: workspace-relative where possible.
struct Shown<'a>(&'a Path, &'a Source);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.1 {
            Source::File(path) => f.write_str(&output::relative(self.0, path)),
            url => write!(f, "{url}"),
        }
    }
}

/// The document an import produces, and the upstream's own operations.
pub struct Built {
    pub doc: Value,
    /// operation id → `METHOD path`, as the upstream spec has them.
    pub upstream_operations: BTreeMap<String, String>,
}

/// The whole pipeline for one API, without writing anything.
#[cfg(test)]
pub fn build(root: &Path, api: Api, source: &Source) -> Result<Value> {
    let bytes = convert::read(source)?;
    Ok(build_bytes(root, api, &bytes, source)?.doc)
}

/// The pipeline on a spec's bytes: checked, converted, stripped, normalized,
/// overlaid, checked again.
pub fn build_bytes(root: &Path, api: Api, bytes: &[u8], source: &Source) -> Result<Built> {
    convert::precheck(bytes, &source.to_string())?;
    let mut doc = match source {
        Source::File(path) => convert::convert(root, path)?,
        Source::Url(_) => {
            let tmp = std::env::temp_dir().join(format!(
                "jumpcloud-rs-import-{}-{}.spec",
                std::process::id(),
                provenance::sha256(bytes)
            ));
            std::fs::write(&tmp, bytes).context("writing the downloaded spec")?;
            let doc = convert::convert(root, &tmp);
            let _ = std::fs::remove_file(&tmp);
            doc?
        }
    };
    checks::identity(api, &doc)?;
    checks::has_operations(&doc)?;
    let upstream_operations = checks::operation_table(&doc);
    strip::strip_prose(&mut doc);
    normalize::normalize(api, &mut doc)?;
    overlay::apply_dir(&mut doc, &api.overlays(root))?;
    normalize::tidy(&mut doc);
    checks::operation_ids(&doc)?;
    spec::parse(&doc)?;
    Ok(Built {
        doc,
        upstream_operations,
    })
}
