//! End-to-end tests of `import::build` and `regen::render` on a small,
//! hand-written Swagger 2.0 spec (`xtask/tests-data/mini.swagger.json`).
//!
//! They need the pinned converter (`npm ci --prefix xtask/converter`), `node`
//! and `rustfmt`; without them they print why and pass, except in CI (`CI`
//! set), where a missing tool fails them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use syn::visit::Visit;

use crate::api::{self, Api};
use crate::canonical;
use crate::import::{self, Source};
use crate::regen;

const OPERATION_IDS: [&str; 5] = [
    "Gizmos_List",
    "Gizmo_Create",
    "Gizmo_Get",
    "Gizmo_Delete",
    "Bins_List",
];

/// Keys that must not survive the import anywhere a key is an OpenAPI field
/// (as opposed to a name in a map such as `properties`).
const PROSE: &[&str] = &[
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "x-codeSamples",
    "externalDocs",
    "termsOfService",
    "contact",
    "license",
];

/// Keys whose object value maps names to OpenAPI objects.
const MAPS: &[&str] = &[
    "paths",
    "properties",
    "responses",
    "content",
    "headers",
    "schemas",
    "parameters",
    "requestBodies",
    "securitySchemes",
];

/// Keys whose value is data, not OpenAPI structure.
const LITERALS: &[&str] = &["default", "enum", "security", "required"];

pub(crate) fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests-data")
        .join("mini.swagger.json")
}

pub(crate) fn converter() -> PathBuf {
    api::workspace_root().join("xtask").join("converter")
}

pub(crate) fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Why the import cannot run here, if it cannot.
pub(crate) fn import_unavailable() -> Option<String> {
    let installed = converter().join("node_modules").join("swagger2openapi");
    if !installed.exists() {
        return Some(format!("{} is not installed", installed.display()));
    }
    if !runs("node") {
        return Some("`node` is not on PATH".into());
    }
    None
}

/// Says why a test cannot run here and lets it pass, or, in CI, fails it:
/// a check that CI skips silently proves nothing.
pub(crate) fn skip(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("cannot run: {why} (CI is set, so this fails instead of skipping)");
    }
    println!("skipped: {why}");
}

/// A throwaway workspace root: `xtask/converter` links to the real one, and
/// `openapi/overlays/v2/` holds the given overlays. Removed on drop.
struct TempRoot(PathBuf);

impl TempRoot {
    fn new(tag: &str, overlays: &[(&str, Value)]) -> TempRoot {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!(
            "xtask-e2e-{tag}-{}-{}-{nanos}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        let root = TempRoot(dir);
        std::fs::create_dir_all(root.0.join("xtask")).unwrap();
        link_dir(&converter(), &root.0.join("xtask").join("converter"));
        let overlay_dir = Api::V2.overlays(&root.0);
        std::fs::create_dir_all(&overlay_dir).unwrap();
        for (name, overlay) in overlays {
            std::fs::write(overlay_dir.join(name), canonical::to_string(overlay)).unwrap();
        }
        root
    }

    fn build(&self) -> anyhow::Result<Value> {
        import::build(&self.0, Api::V2, &Source::File(fixture()))
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
pub(crate) fn link_dir(original: &Path, link: &Path) {
    std::os::unix::fs::symlink(original, link).unwrap();
}

#[cfg(windows)]
pub(crate) fn link_dir(original: &Path, link: &Path) {
    std::os::windows::fs::symlink_dir(original, link).unwrap();
}

/// The project's filter overlay, in the style of
/// `openapi/overlays/v2/00-filter-is-repeated.json`.
pub(crate) fn filter_overlay() -> Value {
    json!({
        "overlay": "1.0.0",
        "info": {"title": "test: filters go as repeated keys", "version": "1"},
        "actions": [
            {
                "target": "$.components.parameters[?@.in == 'query' && @.name == 'filter']",
                "description": "Test: shared filter parameters repeat the key.",
                "update": {"style": "form", "explode": true}
            },
            {
                "target": "$.paths.*.*.parameters[?@.in == 'query' && @.name == 'filter']",
                "description": "Test: inline filter parameters repeat the key too.",
                "update": {"style": "form", "explode": true}
            }
        ]
    })
}

/// The fixture converted, stripped, normalized and overlaid; `None` (after
/// saying why) where the converter cannot run.
fn imported(tag: &str) -> Option<Value> {
    if let Some(why) = import_unavailable() {
        skip(&why);
        return None;
    }
    let root = TempRoot::new(tag, &[("00-test.json", filter_overlay())]);
    Some(root.build().unwrap_or_else(|e| panic!("{e:#}")))
}

/// JSON pointers of prose keys left in `value`.
fn prose(value: &Value, at: &str, is_map: bool, found: &mut Vec<String>) {
    match value {
        Value::Object(obj) => {
            for (key, child) in obj {
                let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                if is_map {
                    prose(child, &here, false, found);
                    continue;
                }
                // OpenAPI requires a response description; the import gives
                // every response an empty one.
                let empty_response_description = key == "description"
                    && child == ""
                    && at.rsplit('/').nth(1) == Some("responses");
                let our_title = here == "/info/title";
                if PROSE.contains(&key.as_str()) && !empty_response_description && !our_title {
                    found.push(here.clone());
                }
                if !LITERALS.contains(&key.as_str()) {
                    prose(child, &here, MAPS.contains(&key.as_str()), found);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                prose(item, &format!("{at}/{i}"), false, found);
            }
        }
        _ => {}
    }
}

/// Every object that looks like a parameter (`in` and `name`), anywhere.
fn parameters<'a>(value: &'a Value, found: &mut Vec<&'a Value>) {
    match value {
        Value::Object(obj) => {
            if obj.get("in").is_some_and(Value::is_string)
                && obj.get("name").is_some_and(Value::is_string)
            {
                found.push(value);
            }
            obj.values().for_each(|v| parameters(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| parameters(v, found)),
        _ => {}
    }
}

fn operations(doc: &Value) -> Vec<(&str, &'static str, &Value)> {
    crate::spec::operations(doc)
        .map(|o| (o.path, o.http_method, o.op))
        .collect()
}

#[test]
fn import_converts_strips_normalizes_and_overlays() {
    let Some(doc) = imported("import") else {
        return;
    };
    let source: Value = serde_json::from_str(&std::fs::read_to_string(fixture()).unwrap()).unwrap();

    assert_eq!(doc["openapi"], "3.0.3");
    assert_eq!(
        doc["info"],
        json!({"title": "JumpCloud API v2", "version": source["info"]["version"]})
    );

    let mut left = Vec::new();
    prose(&doc, "", false, &mut left);
    assert!(left.is_empty(), "prose left at {left:?}");

    // Properties *named* like prose keys are facts and stay.
    for schema in ["Gizmo", "GizmoInput"] {
        let props = &doc["components"]["schemas"][schema]["properties"];
        assert_eq!(props["description"], json!({"type": "string"}), "{schema}");
        assert!(props["title"].is_object(), "{schema}: {props}");
    }
    assert_eq!(
        doc["components"]["schemas"]["Gizmo"]["properties"]["state"]["enum"],
        json!(["shelved", "on_loan", "scrapped"])
    );
    // A fact, kept in the document (regen drops it on its own copy).
    assert_eq!(
        doc["components"]["schemas"]["GizmoInput"]["additionalProperties"],
        json!(false)
    );

    let paths = doc["paths"].as_object().unwrap();
    assert!(
        !paths.contains_key("/gizmos/{gizmo_id}/history"),
        "the path item without operations is still there"
    );
    let ops = operations(&doc);
    let mut ids: Vec<&str> = ops
        .iter()
        .map(|(_, _, op)| op["operationId"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    let mut expected = OPERATION_IDS.to_vec();
    expected.sort_unstable();
    assert_eq!(ids, expected);

    let mut params = Vec::new();
    parameters(&doc, &mut params);
    assert!(
        !params
            .iter()
            .any(|p| p["name"].as_str().unwrap().eq_ignore_ascii_case("x-org-id")),
        "x-org-id is still declared: {params:?}"
    );

    let filters: Vec<&&Value> = params
        .iter()
        .filter(|p| p["in"] == "query" && p["name"] == "filter")
        .collect();
    assert_eq!(filters.len(), 2, "{filters:?}");
    for filter in filters {
        assert_eq!(filter["explode"], json!(true), "{filter}");
        assert_eq!(filter["style"], "form", "{filter}");
    }
    let sort = params
        .iter()
        .find(|p| p["in"] == "query" && p["name"] == "sort")
        .unwrap();
    assert_eq!(sort["explode"], json!(false), "{sort}");
    assert_eq!(sort["schema"]["type"], "array", "{sort}");

    for (path, method, op) in &ops {
        for (code, response) in op["responses"].as_object().unwrap() {
            assert_eq!(response["description"], "", "{method} {path} {code}");
        }
    }
    let delete = &doc["paths"]["/gizmos/{gizmo_id}"]["delete"]["responses"];
    assert!(delete["200"]["content"]["application/json"]["schema"].is_object());
    assert_eq!(delete["204"], json!({"description": ""}));

    // A second run gives the same bytes.
    let again = imported("import-again").unwrap();
    assert_eq!(canonical::to_string(&doc), canonical::to_string(&again));
}

/// The `Request` implementations of the generated builders (the response
/// type, `into_request` and `decode`), whitespace removed, with the
/// builder's name.
struct Sends(Vec<(String, String)>);

impl<'ast> Visit<'ast> for Sends {
    fn visit_item_impl(&mut self, imp: &'ast syn::ItemImpl) {
        let is_request = imp
            .trait_
            .as_ref()
            .and_then(|(_, t, _)| t.segments.last())
            .is_some_and(|s| s.ident == "Request");
        if is_request && let syn::Type::Path(p) = &*imp.self_ty {
            let name = p.path.segments.last().map(|s| s.ident.to_string());
            self.0.push((
                name.unwrap_or_default(),
                squash(&quote::quote!(#imp).to_string()),
            ));
        }
        syn::visit::visit_item_impl(self, imp);
    }
}

fn squash(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn send_of<'a>(sends: &'a [(String, String)], builder: &str) -> &'a str {
    let found: Vec<&String> = sends
        .iter()
        .filter(|(name, _)| name == builder)
        .map(|(_, text)| text)
        .collect();
    assert_eq!(found.len(), 1, "Request implementations of {builder}");
    found[0]
}

#[test]
fn regen_renders_the_imported_document() {
    if !runs("rustfmt") {
        skip("`rustfmt` is not on PATH");
        return;
    }
    let Some(doc) = imported("regen") else {
        return;
    };
    let module = regen::render(Api::V2, &doc).unwrap_or_else(|e| panic!("{e:#}"));
    let code = &module.client;
    let file = syn::parse_file(code).unwrap_or_else(|e| panic!("{e}\n{code}"));
    let types = syn::parse_file(&module.types).unwrap_or_else(|e| panic!("{e}\n{}", module.types));
    // The client re-exports the types from their crate.
    assert!(
        code.contains("pub use jumpcloud_api_types::v2::types;"),
        "{code}"
    );
    assert!(
        !module.types.contains("pub struct Client"),
        "{}",
        module.types
    );

    // The operation table names every operation once.
    let start = code
        .find("pub static OPERATIONS")
        .expect("no OPERATIONS table");
    let end = start + code[start..].find("\n];").expect("OPERATIONS does not end");
    let table = &code[start..end];
    assert_eq!(
        table.matches("crate::Operation {").count(),
        OPERATION_IDS.len(),
        "{table}"
    );
    for id in OPERATION_IDS {
        assert!(table.contains(&format!("id: \"{id}\",")), "{id}: {table}");
    }

    // The string enum is open.
    let mut enums = Vec::new();
    collect_enums(&types.items, &mut enums);
    let state = enums
        .iter()
        .find(|e| e.variants.iter().any(|v| v.ident == "OnLoan"))
        .unwrap_or_else(|| panic!("no enum for Gizmo.state in\n{code}"));
    let mut unknown = state.variants.last().unwrap().clone();
    unknown.attrs.retain(|a| !a.path().is_ident("doc"));
    assert_eq!(
        squash(&quote::quote!(#unknown).to_string()),
        "#[serde(untagged)]Unknown(::std::string::String)",
        "{}",
        state.ident
    );
    // Its decoder is written (a string, matched), and keeps unlisted values.
    let types_code = squash(&module.types);
    assert!(
        types_code.contains(&format!(
            "impl<'de>::serde::Deserialize<'de>for{}",
            state.ident
        )),
        "{types_code}"
    );
    assert!(
        types_code.contains("crate::wire::unlisted::<Self>(&value);Self::Unknown(value)"),
        "{types_code}"
    );

    let mut sends = Sends(Vec::new());
    sends.visit_file(&file);
    let sends = sends.0;
    assert_eq!(sends.len(), OPERATION_IDS.len());

    // `sort` is csv on the wire; `filter` repeats its key.
    let list = send_of(&sends, "GizmosList");
    assert!(
        list.contains("QueryParam::new(\"sort\",&crate::wire::Delimited::new(&sort,\",\")"),
        "{list}"
    );
    assert!(
        list.contains("QueryParam::new(\"filter\",&filter)"),
        "{list}"
    );

    // DELETE answers 200 with the object or 204: the object when sent.
    let delete = send_of(&sends, "GizmoDelete");
    assert!(
        delete.contains("typeResponse=::std::option::Option<types::Gizmo>;"),
        "{delete}"
    );
    assert!(
        delete.contains("crate::answer::json_or_empty(response,&[200u16,204u16],&[])"),
        "{delete}"
    );
    assert!(!delete.contains("ResponseValue::empty"), "{delete}");
    // Nothing is sent from generated code, and no `api-version` header is made.
    assert!(!code.contains("api-version"), "{code}");
    assert!(!code.contains(".exec("), "{code}");

    assert!(!code.contains("deny_unknown_fields"), "{code}");

    let again = regen::render(Api::V2, &doc).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(
        *code == again.client && module.types == again.types,
        "rendering twice gave different output"
    );
}

fn collect_enums<'a>(items: &'a [syn::Item], out: &mut Vec<&'a syn::ItemEnum>) {
    for item in items {
        match item {
            syn::Item::Enum(e) => out.push(e),
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_enums(items, out);
                }
            }
            _ => {}
        }
    }
}

#[test]
fn an_overlay_action_without_a_reason_fails_the_import() {
    if let Some(why) = import_unavailable() {
        skip(&why);
        return;
    }
    let silent = json!({
        "overlay": "1.0.0",
        "info": {"title": "test: an action with no reason", "version": "1"},
        "actions": [
            {"target": "$.paths['/bins'].get", "update": {"deprecated": true}}
        ]
    });
    let root = TempRoot::new(
        "no-reason",
        &[
            ("00-test.json", filter_overlay()),
            ("10-silent.json", silent),
        ],
    );
    let err = match root.build() {
        Ok(_) => panic!("an action without a description was accepted"),
        Err(e) => format!("{e:#}"),
    };
    assert!(err.contains("description"), "{err}");
    assert!(err.contains("10-silent.json"), "{err}");
}
