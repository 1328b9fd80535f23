//! The maintainer's update loop, end to end, in a throwaway workspace:
//! `import` of an invented spec, `regen`, an `import` of a newer version of
//! it (an added list, a removed operation, an added enum value, an added and
//! a retyped property) with its change report, the `--check`s, upstream
//! drift; and every kind of bad input, each failing with a message that
//! names the culprit and leaving every file as it was.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::api::Api;
use crate::canonical;
use crate::import;
use crate::provenance::{self, UpstreamDrift};
use crate::regen;
use crate::tests::{converter, filter_overlay, fixture, import_unavailable, link_dir, runs, skip};

fn updated_fixture() -> PathBuf {
    fixture().with_file_name("mini-update.swagger.json")
}

/// `<tmp>/ws-…/root` (a workspace with the converter linked in, the test
/// overlay for v2, `jumpcloud-api`'s manifest and an empty
/// `jumpcloud-api/src/generated/`) and
/// `<tmp>/ws-…/shared/reference/` beside it, as in the real layout.
struct Workspace {
    dir: PathBuf,
    root: PathBuf,
}

impl Workspace {
    fn new(tag: &str) -> Option<Workspace> {
        if let Some(why) = import_unavailable() {
            skip(&why);
            return None;
        }
        if !runs("rustfmt") {
            skip("`rustfmt` is not on PATH");
            return None;
        }
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "xtask-update-{tag}-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let root = dir.join("root");
        std::fs::create_dir_all(root.join("xtask")).unwrap();
        link_dir(&converter(), &root.join("xtask").join("converter"));
        std::fs::create_dir_all(Api::V2.overlays(&root)).unwrap();
        std::fs::write(
            Api::V2.overlays(&root).join("00-test.json"),
            canonical::to_string(&filter_overlay()),
        )
        .unwrap();
        // The regen checks the areas against both crates' features.
        for crate_dir in ["jumpcloud-api", "jumpcloud-api/types"] {
            std::fs::create_dir_all(root.join(crate_dir).join("src").join("generated")).unwrap();
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(crate_dir)
                .join("Cargo.toml");
            std::fs::copy(manifest, root.join(crate_dir).join("Cargo.toml")).unwrap();
        }
        std::fs::create_dir_all(dir.join("shared").join("reference")).unwrap();
        Some(Workspace { dir, root })
    }

    /// Writes `spec` into the temp dir and returns its path.
    fn spec(&self, name: &str, spec: &Value) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, serde_json::to_string_pretty(spec).unwrap()).unwrap();
        path.display().to_string()
    }

    /// Every file under the root except the linked converter, with contents.
    fn files(&self) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.ends_with("xtask/converter") || path.ends_with("target") {
                    continue;
                }
                if path.is_dir() {
                    walk(&path, base, out);
                } else {
                    out.insert(
                        path.strip_prefix(base).unwrap().to_path_buf(),
                        std::fs::read(&path).unwrap(),
                    );
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&self.root, &self.root, &mut out);
        out
    }

    fn import(
        &self,
        api: Api,
        from: Option<&str>,
        check: bool,
    ) -> anyhow::Result<import::Imported> {
        let from: Vec<String> = from.into_iter().map(str::to_string).collect();
        import::run(&self.root, Some(api), &from, check, crate::downstream())
    }

    /// Imports and generates the original fixture, as a committed state.
    fn committed(tag: &str) -> Option<Workspace> {
        let ws = Workspace::new(tag)?;
        let from = fixture().display().to_string();
        ws.import(Api::V2, Some(&from), false)
            .unwrap_or_else(|e| panic!("{e:#}"));
        regen::run(&ws.root, Some(Api::V2), false).unwrap_or_else(|e| panic!("{e:#}"));
        Some(ws)
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn mini() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap()
}

#[test]
fn a_spec_update_is_imported_reported_generated_and_checked() {
    let Some(ws) = Workspace::committed("replay") else {
        return;
    };
    let v2 = std::fs::read_to_string(Api::V2.generated(&ws.root)).unwrap();
    assert!(
        v2.contains("pub fn gizmo_delete("),
        "the original has the delete"
    );

    // Both checks pass on what was just written; the recorded upstream is at hand.
    ws.import(Api::V2, None, true)
        .unwrap_or_else(|e| panic!("{e:#}"));
    regen::run(&ws.root, Some(Api::V2), true).unwrap_or_else(|e| panic!("{e:#}"));
    let record = &provenance::load(&ws.root).unwrap()["v2"];
    assert_eq!(record.sources[0].operations.len(), 5);
    assert_eq!(record.sources[0].operations["Bins_List"], "GET /bins");

    // The update.
    let copy = ws.dir.join("update.json");
    std::fs::copy(updated_fixture(), &copy).unwrap();
    let newer = copy.display().to_string();
    let imported = ws
        .import(Api::V2, Some(&newer), false)
        .unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(
        imported.written,
        vec!["openapi/jumpcloud-v2.json", "openapi/provenance.json"]
    );
    let report = imported.report;
    for line in [
        "change report v2: ",
        "+ widgets_list (GET /widgets): new operation\n",
        "- gizmo_delete (DELETE /gizmos/{gizmo_id}): operation removed (its method is gone)  [breaking]\n",
        "+ Widget: new type\n",
        "~ Gizmo: optional property `colour` added (string)\n",
        "~ Gizmo.state: enum value \"lost\" added (read as `Unknown` before)\n",
        "~ Bin.capacity: retyped integer(int32) → string  [breaking]\n",
    ] {
        assert!(report.contains(line), "missing {line:?} in\n{report}");
    }
    assert!(report.contains("2 breaking"), "{report}");

    // The document changed, the code not yet: regen --check says so, regen fixes it.
    let err = regen::run(&ws.root, Some(Api::V2), true).unwrap_err();
    let err = format!("{err:#}");
    assert!(
        err.contains(
            "jumpcloud-api/src/generated/v2.rs, jumpcloud-api/types/src/generated/v2.rs out of date"
        ),
        "{err}"
    );
    regen::run(&ws.root, Some(Api::V2), false).unwrap_or_else(|e| panic!("{e:#}"));
    let v2 = std::fs::read_to_string(Api::V2.generated(&ws.root)).unwrap();
    assert!(v2.contains("pub fn widgets_list("));
    assert!(!v2.contains("pub fn gizmo_delete("));
    let types = std::fs::read_to_string(Api::V2.generated_types(&ws.root)).unwrap();
    assert!(types.contains("#[serde(rename = \"lost\")]"));

    // The committed state is consistent with the new record.
    ws.import(Api::V2, None, true)
        .unwrap_or_else(|e| panic!("{e:#}"));
    regen::run(&ws.root, Some(Api::V2), true).unwrap_or_else(|e| panic!("{e:#}"));

    // The old spec is now upstream drift, not "your document is wrong".
    let before = ws.files();
    let old = fixture().display().to_string();
    let err = ws.import(Api::V2, Some(&old), true).unwrap_err();
    let drift = err
        .downcast_ref::<UpstreamDrift>()
        .unwrap_or_else(|| panic!("not drift: {err:#}"));
    assert!(drift.0.contains("upstream drift (v2)"), "{drift}");
    assert!(drift.0.contains("../update.json"), "{drift}");
    assert!(drift.0.contains("+ gizmo_delete"), "{drift}");
    assert_eq!(ws.files(), before);

    // A hand edit of the document is caught without any upstream at hand.
    let doc_path = Api::V2.document(&ws.root);
    let edited = std::fs::read_to_string(&doc_path)
        .unwrap()
        .replace("\"lost\"", "\"found\"");
    std::fs::write(&doc_path, edited).unwrap();
    std::fs::remove_dir_all(ws.root.join("target")).unwrap();
    std::fs::remove_file(&copy).unwrap();
    let err = format!("{:#}", ws.import(Api::V2, None, true).unwrap_err());
    assert!(
        err.contains("openapi/jumpcloud-v2.json is not the document"),
        "{err}"
    );
}

/// Runs a failing import (or regen) and checks the message and that nothing changed.
fn fails(ws: &Workspace, run: impl FnOnce() -> anyhow::Result<()>, expected: &[&str]) {
    let before = ws.files();
    let err = match run() {
        Ok(()) => panic!("accepted; expected an error naming {expected:?}"),
        Err(e) => format!("{e:#}"),
    };
    for text in expected {
        assert!(err.contains(text), "{text:?} not in:\n{err}");
    }
    assert!(err.len() < 4000, "a wall of text:\n{err}");
    assert_eq!(ws.files(), before, "files changed after: {err}");
}

fn import_spec(ws: &Workspace, api: Api, name: &str, spec: &Value, expected: &[&str]) {
    let from = ws.spec(name, spec);
    fails(
        ws,
        || ws.import(api, Some(&from), false).map(drop),
        expected,
    );
}

#[test]
fn bad_specs_are_refused_naming_the_culprit() {
    let Some(ws) = Workspace::committed("bad-import") else {
        return;
    };

    // The wrong API.
    import_spec(
        &ws,
        Api::V1,
        "v2-as-v1.json",
        &mini(),
        &["serves /api/v2", "--api v2"],
    );

    // Duplicate and missing operation ids.
    let mut dup = mini();
    dup["paths"]["/bins"]["get"]["operationId"] = json!("Gizmo_Get");
    import_spec(
        &ws,
        Api::V2,
        "dup.json",
        &dup,
        &["`Gizmo_Get` is used by GET /bins and GET /gizmos/{gizmo_id}"],
    );
    let mut missing = mini();
    missing["paths"]["/bins"]["get"]
        .as_object_mut()
        .unwrap()
        .remove("operationId");
    import_spec(
        &ws,
        Api::V2,
        "noid.json",
        &missing,
        &["GET /bins has no operationId", "$.paths['/bins'].get"],
    );

    // An input that is not there, not JSON, empty, or has a broken $ref.
    fails(
        &ws,
        || {
            ws.import(Api::V2, Some("/nonexistent/spec.json"), false)
                .map(drop)
        },
        &["the input file /nonexistent/spec.json does not exist"],
    );
    let broken = ws.dir.join("broken.json");
    std::fs::write(&broken, "{\"swagger\": \"2.0\",\n \"paths\": {\n").unwrap();
    fails(
        &ws,
        || {
            ws.import(Api::V2, Some(&broken.display().to_string()), false)
                .map(drop)
        },
        &["broken.json is not valid JSON", "line 3"],
    );
    let mut empty = mini();
    empty["paths"] = json!({});
    import_spec(
        &ws,
        Api::V2,
        "empty.json",
        &empty,
        &["the spec has no operations"],
    );
    let mut dangling = mini();
    dangling["paths"]["/bins"]["get"]["responses"]["200"]["schema"]["items"] =
        json!({"$ref": "#/definitions/Nope"});
    import_spec(
        &ws,
        Api::V2,
        "dangling.json",
        &dangling,
        &[
            "\"#/definitions/Nope\" at /paths/~1bins/get/responses/200/schema/items points at nothing",
        ],
    );

    // Shapes regen cannot turn into working code: refused before the document is written.
    let mut props = mini();
    props["definitions"]["Bin"]["properties"]["binName"] = json!({"type": "string"});
    props["definitions"]["Bin"]["properties"]["bin_name"] = json!({"type": "string"});
    import_spec(
        &ws,
        Api::V2,
        "props.json",
        &props,
        &[
            "$.components.schemas['Bin'].properties: `binName` and `bin_name` both become the Rust field `bin_name`",
            "nothing was written",
        ],
    );
    let mut params = mini();
    let list = params["paths"]["/bins"]["get"].as_object_mut().unwrap();
    list.insert("parameters".into(), json!([
        {"name": "q", "in": "query", "type": "string"},
        {"name": "Q", "in": "query", "type": "string"},
        {"name": "grid", "in": "query", "type": "array", "items": {"type": "array", "items": {"type": "string"}}}
    ]));
    import_spec(
        &ws,
        Api::V2,
        "params.json",
        &params,
        &[
            "$.paths['/bins'].get: parameters `q` and `Q` both become the Rust argument `q`",
            "$.paths['/bins'].get.parameters[2]: query parameter `grid` is a list of lists",
        ],
    );
    let mut variants = mini();
    variants["definitions"]["Bin"]["properties"]["kind"] =
        json!({"type": "string", "enum": ["a-b", "a_b"]});
    variants["definitions"]["Gizmo"]["properties"]["state"]["default"] = json!("melted");
    import_spec(
        &ws,
        Api::V2,
        "variants.json",
        &variants,
        &[
            "$.components.schemas['Bin'].properties['kind'].enum: values \"a-b\" and \"a_b\" both become the Rust variant",
            "$.components.schemas['Gizmo'].properties['state']: the default \"melted\" is not one of its `enum` values",
        ],
    );
    let mut never = mini();
    never["definitions"]["Odd"] =
        json!({"allOf": [{"type": "string"}, {"$ref": "#/definitions/Bin"}]});
    import_spec(
        &ws,
        Api::V2,
        "never.json",
        &never,
        &["$.components.schemas['Odd'].allOf: combines `string` and `object`"],
    );
    let mut methods = mini();
    methods["paths"]["/bins"]["post"] =
        json!({"operationId": "binsList", "responses": {"204": {"description": "x"}}});
    import_spec(
        &ws,
        Api::V2,
        "methods.json",
        &methods,
        &[
            "`Bins_List` ($.paths['/bins'].get) and `binsList` ($.paths['/bins'].post) both become the method `bins_list`",
        ],
    );
}

#[test]
fn several_apis_are_all_or_nothing() {
    let Some(ws) = Workspace::committed("all-or-nothing") else {
        return;
    };
    // v2 would change; v1 is fine; Directory Insights is the wrong file.
    let reference = ws.dir.join("shared").join("reference");
    let mut v2 = mini();
    v2["definitions"]["Bin"]["properties"]["colour"] = json!({"type": "string"});
    let mut v1 = mini();
    v1["basePath"] = json!("/api");
    std::fs::write(reference.join(Api::V2.reference_file()), v2.to_string()).unwrap();
    std::fs::write(reference.join(Api::V1.reference_file()), v1.to_string()).unwrap();
    std::fs::write(
        reference.join(Api::Insights.reference_file()),
        mini().to_string(),
    )
    .unwrap();
    fails(
        &ws,
        || import::run(&ws.root, None, &[], false, crate::downstream()).map(drop),
        &[
            "importing insights",
            "serves /api/v2",
            "nothing was written",
        ],
    );

    // Regen too: a v1 document progenitor cannot take stops the v2 write.
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(Api::V2.document(&ws.root)).unwrap())
            .unwrap();
    doc["paths"]["/bins"]["get"]["operationId"] = json!("Bins_All");
    std::fs::write(Api::V2.document(&ws.root), canonical::to_string(&doc)).unwrap();
    doc["components"]["schemas"]["Bin"]["properties"]["Name"] = json!({"type": "string"});
    std::fs::write(Api::V1.document(&ws.root), canonical::to_string(&doc)).unwrap();
    fails(
        &ws,
        || regen::run(&ws.root, None, false).map(drop),
        &[
            "generating v1",
            "`Name` and `name` both become the Rust field `name`",
        ],
    );
    // v2 alone generates: the refusal above was v1's.
    regen::run(&ws.root, Some(Api::V2), false).unwrap_or_else(|e| panic!("{e:#}"));
}

/// The real thing: both of JumpCloud's lineages from `../shared/reference/`
/// (the PowerShell SDK's spec and the documentation site's), merged with the
/// committed overlays, give exactly the committed documents, which generate.
/// Prints the union's report: its size, every renamed component, every seed
/// part dropped because a published spec defines it, every disagreement.
/// Skipped without the reference copies, failing under `CI`.
#[test]
fn both_lineages_import_into_the_committed_union() {
    use crate::api::{Lineage, workspace_root};
    let root = workspace_root();
    let reference = root.join("..").join("shared").join("reference");
    if let Some(why) = import_unavailable() {
        skip(&why);
        return;
    }
    for api in [Api::V2, Api::V1] {
        let copies: Vec<_> = Lineage::ALL
            .into_iter()
            .filter_map(|l| l.reference_copy(api, &reference).map(|p| (l, p)))
            .collect();
        if copies.len() != Lineage::ALL.len() {
            skip(&format!(
                "../shared/reference/ does not hold both lineages' {} specs",
                api.name()
            ));
            return;
        }
        let read: Vec<_> = copies
            .into_iter()
            .map(|(l, p)| {
                let bytes = std::fs::read(&p).unwrap();
                (l, import::Source::File(p), bytes)
            })
            .collect();
        let built = import::build_read(&root, api, &read).unwrap_or_else(|e| panic!("{e:#}"));
        println!("{}", built.notes);
        let committed = std::fs::read_to_string(api.document(&root)).unwrap();
        assert!(
            canonical::to_string(&built.doc) == committed,
            "{}: the committed document is not the union of both lineages; run `cargo xtask import`",
            api.name()
        );
        let total = crate::spec::count_operations(&built.doc);
        assert!(
            built.notes.contains(&format!(
                "== union {}: {total} operations from powershell-sdk ",
                api.name()
            )),
            "{}",
            built.notes
        );
        regen::render(api, &built.doc).unwrap_or_else(|e| panic!("{e:#}"));
        if api == Api::V2 {
            // The union is larger than either lineage, and the seeds that
            // duplicate a published operation are named as dropped.
            assert!(
                total
                    > built
                        .upstream_operations
                        .iter()
                        .map(BTreeMap::len)
                        .max()
                        .unwrap()
            );
            for line in [
                "seed overlay parts dropped",
                "openapi/overlays/v2/50-seed-providers.json: $.paths['/providers/{provider_id}'].get (GET /providers/{provider_id}) dropped: docs-site defines it",
            ] {
                assert!(
                    built.notes.contains(line),
                    "missing {line:?} in\n{}",
                    built.notes
                );
            }
        } else {
            assert!(
                built
                    .notes
                    .contains("POST /search/systems: placed differently")
                    && built
                        .notes
                        .contains("[settled by openapi/overlays/v1/20-search-paging-in-both.json]"),
                "{}",
                built.notes
            );
        }
    }
}

/// A second lineage's spec joins the union when it is good, and is refused
/// naming it (and its lineage) when it is the wrong API or not a spec at
/// all, leaving every file as it was.
#[test]
fn a_second_lineage_joins_or_is_refused_naming_it() {
    let Some(ws) = Workspace::committed("lineages") else {
        return;
    };
    let first = fixture().display().to_string();
    let run = |second: &str| {
        let from = [first.clone(), format!("docs-site={second}")];
        import::run(&ws.root, Some(Api::V2), &from, false, crate::downstream())
    };
    let before = ws.files();
    let mut v1 = mini();
    v1["basePath"] = json!("/api");
    let err = format!("{:#}", run(&ws.spec("docs-v1.json", &v1)).unwrap_err());
    assert!(
        err.contains("the docs-site spec")
            && err.contains("docs-v1.json")
            && err.contains("serves /api"),
        "{err}"
    );
    let neither = ws.spec("neither.json", &json!({"openapi": "2.5.0", "paths": {}}));
    let err = format!("{:#}", run(&neither).unwrap_err());
    assert!(
        err.contains("the docs-site spec") && err.contains("neither.json"),
        "{err}"
    );
    assert_eq!(ws.files(), before);

    // A good one: its operation the first lacks joins, the rest stay the first's.
    let mut extra = mini();
    extra["paths"]["/bins"]["get"]["operationId"] = json!("bins_all");
    extra["paths"]["/widgets"] = json!({"get": {"operationId": "widgets_all",
        "responses": {"200": {"description": "x", "schema": {"type": "array", "items": {"type": "string"}}}}}});
    let imported = run(&ws.spec("docs.json", &extra)).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(
        imported
            .report
            .contains("operations by source: powershell-sdk 5, docs-site 1, seed 0"),
        "{}",
        imported.report
    );
    let record = &provenance::load(&ws.root).unwrap()["v2"];
    let lineages: Vec<&str> = record.sources.iter().map(|s| s.lineage.as_str()).collect();
    assert_eq!(lineages, ["powershell-sdk", "docs-site"]);
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(Api::V2.document(&ws.root)).unwrap())
            .unwrap();
    assert_eq!(doc["paths"]["/bins"]["get"]["operationId"], "Bins_List");
    assert_eq!(
        doc["paths"]["/widgets"]["get"]["x-jumpcloud-source"],
        "docs-site"
    );
}
