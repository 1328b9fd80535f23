//! `cargo xtask import`: JumpCloud's published specs → `openapi/jumpcloud-<api>.json`.
//!
//! Each API is built from one published spec per lineage (`api::Lineage`:
//! the PowerShell SDK's, then the documentation site's), each where
//! `--from` says or else its copy in `../shared/reference/`. The steps, each
//! in its own module: per spec [`convert`] (Swagger 2.0 → OpenAPI 3.0 with
//! the pinned converter), [`strip`] (drop prose, keep facts) and
//! [`normalize`] (rules that hold for every document); then [`union`] (the
//! specs merged in priority order), [`overlay`] (the project's additions and
//! fixes, seeds last), then a check that the result parses as
//! OpenAPI 3.0 (`spec::parse`) and a byte-stable write. A changed document is
//! written only if it generates; that check and the change report come from
//! `main` as a [`Downstream`], so import depends on neither regen nor diff.

mod checks;
mod convert;
mod normalize;
mod overlay;
mod strip;
pub mod union;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::api::{self, Api, Lineage};
use crate::provenance::{self, Record, SourceRecord, UpstreamDrift};
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

/// `cargo xtask import` (or `--check`) under `root`. `from` lists the specs
/// to read: `upstream` (every lineage's published copy), `LINEAGE=SPEC`, or
/// a bare `SPEC` for the PowerShell SDK lineage; a lineage not named is read
/// from `../shared/reference/` when its copy is there.
pub fn run(
    root: &Path,
    api: Option<Api>,
    from: &[String],
    check: bool,
    downstream: Downstream,
) -> Result<Imported> {
    let apis = api::selected(api);
    if from.iter().any(|f| f != "upstream") && apis.len() != 1 {
        bail!("--from names one API's spec; say which API it is with --api");
    }
    if check {
        return check_all(root, &apis, from, downstream);
    }
    let mut records = provenance::load(root).unwrap_or_default();
    let mut outputs = Vec::new();
    let mut report = String::new();
    let mut changed = Vec::new();
    let mut cache = Vec::new();
    for api in apis {
        let inputs = inputs(root, api, from)?;
        if inputs.is_empty() {
            println!(
                "import {}: skipped, ../shared/reference/{} is not here (give the spec with --from)",
                api.name(),
                api.reference_file()
            );
            continue;
        }
        let shown = inputs
            .iter()
            .map(|(l, s)| format!("{} {s}", l.name()))
            .collect::<Vec<_>>()
            .join(" + ");
        let context = || format!("importing {} from {shown}; nothing was written", api.name());
        let mut read = Vec::new();
        for (lineage, source) in inputs {
            let bytes = convert::read(&source)
                .with_context(|| format!("reading the {} spec", lineage.name()))
                .with_context(context)?;
            read.push((lineage, source, bytes));
        }
        let built = build_read(root, api, &read).with_context(context)?;
        let text = canonical::to_string(&built.doc);
        let target = api.document(root);
        let current = std::fs::read_to_string(&target).ok();
        if current.as_deref() != Some(text.as_str()) {
            // A document is written only if regen will accept it.
            (downstream.generates)(api, &built.doc).with_context(|| {
                format!(
                    "importing {} from {shown}: the new document would not generate; nothing was written",
                    api.name()
                )
            })?;
            changed.push(api);
        }
        let old: Value = current
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Value::Null);
        report.push_str(&built.notes);
        report.push_str(&(downstream.report)(
            &old,
            &built.doc,
            &format!("change report {}", api.name()),
        ));
        let previous = records.get(api.name()).cloned();
        let mut sources = Vec::new();
        for ((lineage, source, bytes), operations) in read.iter().zip(built.upstream_operations) {
            let sha = provenance::sha256(bytes);
            let imported = previous
                .as_ref()
                .and_then(|p| p.source(lineage.name()))
                .filter(|p| p.sha256 == sha)
                .map(|p| p.imported.clone())
                .unwrap_or_else(provenance::today);
            sources.push(SourceRecord {
                lineage: lineage.name().to_string(),
                origin: source.recorded(root),
                imported,
                sha256: sha.clone(),
                operations,
            });
            cache.push((sha, bytes.clone()));
        }
        records.insert(
            api.name().to_string(),
            Record {
                sources,
                converter: provenance::converter(root)?,
                document_sha256: provenance::sha256(text.as_bytes()),
                overlays_sha256: provenance::overlays_sha256(root, api)?,
            },
        );
        let summary = format!("({} operations)", count_operations(&built.doc));
        outputs.push(output::Output {
            path: target,
            text,
            summary,
        });
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

fn reference_dir(root: &Path) -> PathBuf {
    root.join("..").join("shared").join("reference")
}

/// A spec named on the command line: a file or an https URL.
fn source_of(spec: &str) -> Result<Source> {
    Ok(if spec.starts_with("https://") {
        Source::Url(spec.to_string())
    } else if spec.starts_with("http://") {
        bail!("refusing to fetch a spec over plain http: {spec}")
    } else {
        Source::File(PathBuf::from(spec))
    })
}

/// What `--from` says about `api`: lineage → spec.
fn named(api: Api, from: &[String]) -> Result<BTreeMap<Lineage, Source>> {
    let mut out = BTreeMap::new();
    for f in from {
        if f == "upstream" {
            for lineage in Lineage::ALL {
                out.insert(lineage, Source::Url(lineage.upstream_url(api)));
            }
            continue;
        }
        let (lineage, spec) = match f.split_once('=') {
            Some((name, spec)) if !name.contains('/') && !name.contains(':') => {
                let lineage = Lineage::from_name(name).ok_or_else(|| {
                    anyhow::anyhow!(
                        "--from {f}: no lineage `{name}`; the lineages are {}",
                        Lineage::ALL.map(Lineage::name).join(", ")
                    )
                })?;
                (lineage, spec)
            }
            _ => (Lineage::PowerShell, f.as_str()),
        };
        if out.insert(lineage, source_of(spec)?).is_some() {
            bail!("--from names the {} spec twice", lineage.name());
        }
    }
    Ok(out)
}

/// The specs to import `api` from, in priority order: those `--from`
/// names, and for the other lineages the copy in `../shared/reference/`
/// when it is there.
fn inputs(root: &Path, api: Api, from: &[String]) -> Result<Vec<(Lineage, Source)>> {
    let mut chosen = named(api, from)?;
    for lineage in Lineage::ALL {
        if !chosen.contains_key(&lineage)
            && let Some(path) = lineage.reference_copy(api, &reference_dir(root))
        {
            chosen.insert(lineage, Source::File(path));
        }
    }
    Ok(chosen.into_iter().collect())
}

/// `import --check`: every selected API's document against its record and,
/// when the recorded specs are at hand, against what they and the overlays
/// produce.
fn check_all(
    root: &Path,
    apis: &[Api],
    from: &[String],
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
                 `cargo xtask import --api {name}` with the recorded specs ({}) and commit",
                record
                    .sources
                    .iter()
                    .map(|s| s.origin.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let converter = provenance::converter(root)?;
        if converter != record.converter {
            wrong.push(format!(
                "{rel} was converted with {}, the pinned converter is {converter}; re-import it",
                record.converter
            ));
        }
        // Per lineage: the recorded spec found, another one found (drift), or none.
        let named = named(api, from)?;
        let mut matched: Vec<(Lineage, Source, Vec<u8>)> = Vec::new();
        let mut moved: Vec<(Lineage, Source, Vec<u8>, String)> = Vec::new();
        let mut absent: Vec<String> = Vec::new();
        for lineage in Lineage::ALL {
            let recorded = record.source(lineage.name());
            let mut candidates: Vec<Source> = Vec::new();
            match named.get(&lineage) {
                Some(Source::File(p)) => candidates.push(Source::File(p.clone())),
                Some(Source::Url(u)) => candidates.push(Source::Url(u.clone())),
                None => {
                    if let Some(r) = recorded {
                        let origin = root.join(&r.origin);
                        if !r.origin.starts_with("https://") && origin.is_file() {
                            candidates.push(Source::File(origin));
                        }
                        let cached = cache_dir(root).join(format!("{}.spec", r.sha256));
                        if cached.is_file() {
                            candidates.push(Source::File(cached));
                        }
                    }
                    if let Some(copy) = lineage.reference_copy(api, &reference_dir(root)) {
                        candidates.push(Source::File(copy));
                    }
                }
            }
            let mut read = Vec::new();
            for candidate in candidates {
                let bytes = convert::read(&candidate)
                    .with_context(|| format!("reading the {} spec", lineage.name()))?;
                let sha = provenance::sha256(&bytes);
                read.push((candidate, bytes, sha));
            }
            match recorded {
                Some(r) => {
                    if let Some(i) = read.iter().position(|(_, _, sha)| *sha == r.sha256) {
                        let (source, bytes, _) = read.swap_remove(i);
                        matched.push((lineage, source, bytes));
                    } else if let Some((source, bytes, sha)) = read.into_iter().next() {
                        moved.push((lineage, source, bytes, sha));
                    } else {
                        absent.push(format!(
                            "{} ({}, sha256 {}…, imported {})",
                            lineage.name(),
                            r.origin,
                            &r.sha256[..r.sha256.len().min(12)],
                            r.imported
                        ));
                    }
                }
                None => {
                    if let Some((source, bytes, sha)) = read.into_iter().next() {
                        moved.push((lineage, source, bytes, sha));
                    }
                }
            }
        }
        if moved.is_empty() && absent.is_empty() {
            let built = build_read(root, api, &matched)
                .with_context(|| format!("importing {name} from its recorded specs"))?;
            let expected = canonical::to_string(&built.doc);
            let shown: Vec<String> = matched
                .iter()
                .map(|(l, s, _)| format!("{} {}", l.name(), Shown(root, s)))
                .collect();
            println!(
                "import --check {name}: compared {rel} with what the recorded specs ({}) and the \
                 overlays produce",
                shown.join(" + ")
            );
            if expected != text {
                let committed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                let mut lines = vec![format!(
                    "{rel} differs from what the recorded specs and the overlays produce:"
                )];
                lines.extend(
                    canonical::differences(&committed, &built.doc, 20)
                        .into_iter()
                        .map(|d| format!("  {d}")),
                );
                lines.push(format!(
                    "  run `cargo xtask import --api {name}` with those specs and commit the result"
                ));
                wrong.push(lines.join("\n"));
            }
            let recorded: Vec<&BTreeMap<String, String>> =
                record.sources.iter().map(|s| &s.operations).collect();
            let found: Vec<&BTreeMap<String, String>> = built.upstream_operations.iter().collect();
            if recorded != found {
                wrong.push(format!(
                    "the operations recorded for {name} are not the specs'; run \
                     `cargo xtask import --api {name}`"
                ));
            }
        } else if !moved.is_empty() {
            let mut lines = vec![format!(
                "upstream drift ({name}): a published spec at hand is not the one {rel} was built \
                 from. The committed files are consistent; to take it, run `cargo xtask import \
                 --api {name}` with it and review the change report."
            )];
            for (lineage, source, _, sha) in &moved {
                let was = record
                    .source(lineage.name())
                    .map(|r| {
                        format!(
                            "recorded {}, sha256 {}…, imported {}",
                            r.origin,
                            &r.sha256[..r.sha256.len().min(12)],
                            r.imported
                        )
                    })
                    .unwrap_or_else(|| "not in the record".into());
                lines.push(format!(
                    "  {}: {} (sha256 {}…); {was}",
                    lineage.name(),
                    Shown(root, source),
                    &sha[..12]
                ));
            }
            let mut all: Vec<(Lineage, Source, Vec<u8>)> = matched;
            all.extend(moved.into_iter().map(|(l, s, b, _)| (l, s, b)));
            all.sort_by_key(|(l, _, _)| *l);
            let mut message = lines.join("\n");
            if absent.is_empty()
                && let Ok(built) = build_read(root, api, &all)
            {
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
                "import --check {name}: not at hand: {}; {rel} was checked against the record \
                 only; to re-derive it, pass the specs with --from",
                absent.join(", ")
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

#[derive(Clone)]
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

/// The document an import produces, the specs' own operations and what the
/// merge has to say.
pub struct Built {
    pub doc: Value,
    /// Per spec read, in the order given: operation id → `METHOD path`, as
    /// the spec has them.
    pub upstream_operations: Vec<BTreeMap<String, String>>,
    /// The union's report: operations per source, renamed components,
    /// dropped seed parts, disagreements between the sources.
    pub notes: String,
}

/// The whole pipeline for one API from one PowerShell-lineage spec, without
/// writing anything.
#[cfg(test)]
pub fn build(root: &Path, api: Api, source: &Source) -> Result<Value> {
    let bytes = convert::read(source)?;
    Ok(build_read(root, api, &[(Lineage::PowerShell, source.clone(), bytes)])?.doc)
}

/// One spec checked, converted, stripped and normalized; and its own
/// operations.
fn prepare(
    root: &Path,
    api: Api,
    bytes: &[u8],
    source: &Source,
) -> Result<(Value, BTreeMap<String, String>)> {
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
    let operations = checks::operation_table(&doc);
    strip::strip_prose(&mut doc);
    normalize::normalize(api, &mut doc)?;
    Ok((doc, operations))
}

/// The pipeline on the specs read, in priority order: each prepared, then
/// merged, overlaid, checked again. Every spec's problems are reported
/// together, each naming its spec.
pub fn build_read(root: &Path, api: Api, read: &[(Lineage, Source, Vec<u8>)]) -> Result<Built> {
    let mut published = Vec::new();
    let mut operations = Vec::new();
    let mut problems = Vec::new();
    for (lineage, source, bytes) in read {
        match prepare(root, api, bytes, source) {
            Ok((doc, ops)) => {
                operations.push(ops);
                published.push(union::Published {
                    lineage: *lineage,
                    origin: Shown(root, source).to_string(),
                    doc,
                });
            }
            Err(e) => problems.push(format!(
                "the {} spec {}: {e:#}",
                lineage.name(),
                Shown(root, source)
            )),
        }
    }
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    let origins: Vec<String> = published
        .iter()
        .map(|p| format!("{} {}", p.lineage.name(), p.origin))
        .collect();
    let merged = union::merge(published)?;
    let mut doc = merged.doc;
    let outcome = overlay::apply_dir(&mut doc, &api.overlays(root))?;
    normalize::tidy(&mut doc);
    checks::operation_ids(&doc)?;
    spec::parse(&doc)?;
    let notes = notes(
        api,
        &origins,
        &merged.counts,
        &merged.collisions,
        &merged.disagreements,
        &outcome,
        &doc,
    );
    Ok(Built {
        doc,
        upstream_operations: operations,
        notes,
    })
}

/// The union's part of the change report: everything at once.
fn notes(
    api: Api,
    origins: &[String],
    counts: &[(String, usize)],
    collisions: &[String],
    disagreements: &[union::Disagreement],
    outcome: &overlay::Outcome,
    doc: &Value,
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let seeds = spec::operations(doc)
        .filter(|o| o.op[union::SOURCE] == union::SEED)
        .count();
    let _ = writeln!(
        out,
        "== union {}: {} operations from {}",
        api.name(),
        spec::count_operations(doc),
        origins.join(" + ")
    );
    let by_source: Vec<String> = counts
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .chain(std::iter::once(format!("{} {seeds}", union::SEED)))
        .collect();
    let _ = writeln!(out, "operations by source: {}", by_source.join(", "));
    let mut section = |title: &str, lines: &[String]| {
        if !lines.is_empty() {
            let _ = writeln!(out, "{title} ({}):", lines.len());
            for l in lines {
                let _ = writeln!(out, "  {l}");
            }
        }
    };
    section("renamed by the naming rule", collisions);
    section("seed overlay parts dropped", &outcome.dropped);
    section(
        "published definitions corrected by an overlay",
        &outcome.corrected,
    );
    let disagreements: Vec<String> = disagreements
        .iter()
        .map(|d| {
            let settled = outcome
                .settles
                .iter()
                .find(|(_, patterns)| patterns.iter().any(|p| settles(p, &d.operation)))
                .map(|(file, _)| format!(" [settled by {file}]"))
                .unwrap_or_else(|| " [the first source's reading is used]".into());
            format!("{}: {}{settled}", d.operation, d.detail)
        })
        .collect();
    section("the sources disagree on the wire", &disagreements);
    out
}

/// Whether an `x-settles` pattern (`METHOD path`, `*` at the end matching
/// any rest) covers `operation`.
fn settles(pattern: &str, operation: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => operation.starts_with(prefix),
        None => pattern == operation,
    }
}
