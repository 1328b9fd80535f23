//! The generated `OPERATIONS` tables against the OpenAPI documents they were generated from and
//! the upstream operations recorded in `openapi/provenance.json`: every operation is there, once, with the
//! document's method and path template, tables are sorted by method name (the hooks look operations
//! up by binary search), and the `x-org-id` routing table is what JumpCloud expects.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jumpcloud_api::{Api, Operation};
use serde_json::Value;

/// Path-item keys that are operations (OpenAPI 3 adds `trace`; Swagger 2.0 lacks it).
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

/// `operationId -> (METHOD, path)` of every operation in an OpenAPI 3 or Swagger 2.0 document.
fn document_operations(doc: &Value) -> BTreeMap<String, (String, String)> {
    let paths = doc["paths"].as_object().expect("document has `paths`");
    let mut out = BTreeMap::new();
    let mut count = 0;
    for (path, item) in paths {
        let item = item.as_object().expect("path item is an object");
        for (method, op) in item {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            count += 1;
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            let previous = out.insert(id.to_string(), (method.to_uppercase(), path.clone()));
            assert!(previous.is_none(), "operationId {id} used twice");
        }
    }
    assert_eq!(count, out.len());
    out
}

const APIS: [Api; 3] = [Api::V2, Api::V1, Api::Insights];

fn check_against_document(api: Api) {
    let path = manifest_dir().join(format!("../openapi/jumpcloud-{}.json", api.name()));
    let doc_ops = document_operations(&read_json(&path));
    let ops = api.operations();
    assert_eq!(
        ops.len(),
        doc_ops.len(),
        "{api}: {} generated operations, {} in {}",
        ops.len(),
        doc_ops.len(),
        path.display()
    );
    let by_id: BTreeMap<&str, &Operation> = ops.iter().map(|op| (op.id, op)).collect();
    assert_eq!(by_id.len(), ops.len(), "{api}: duplicate operation ids");
    for (id, (method, path)) in &doc_ops {
        let op = by_id
            .get(id.as_str())
            .unwrap_or_else(|| panic!("{api}: operationId {id} missing from OPERATIONS"));
        assert_eq!(op.api, api, "{api}: {id} has api {}", op.api);
        assert_eq!(op.http_method, method, "{api}: {id} method");
        assert_eq!(op.path, path, "{api}: {id} path");
    }
}

#[test]
fn v2_operations_match_document() {
    check_against_document(Api::V2);
}

#[test]
fn v1_operations_match_document() {
    check_against_document(Api::V1);
}

#[test]
fn insights_operations_match_document() {
    check_against_document(Api::Insights);
}

#[test]
fn tables_are_sorted_by_name_without_duplicates() {
    for api in APIS {
        let ops = api.operations();
        assert!(!ops.is_empty(), "{api}: empty table");
        for pair in ops.windows(2) {
            assert!(
                pair[0].rust_method < pair[1].rust_method,
                "{api}: `{}` and `{}` out of order or duplicated",
                pair[0].rust_method,
                pair[1].rust_method
            );
        }
        for op in ops {
            assert_eq!(op.api, api, "{}: wrong api", op.rust_method);
            assert!(
                [
                    "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"
                ]
                .contains(&op.http_method),
                "{}: method {}",
                op.rust_method,
                op.http_method
            );
            assert!(
                op.path.starts_with('/'),
                "{}: path {}",
                op.rust_method,
                op.path
            );
            assert!(
                op.rust_method
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "{}: not a snake_case method name",
                op.rust_method
            );
        }
    }
}

#[test]
fn operations_iterator_yields_every_table() {
    let all: Vec<&Operation> = jumpcloud_api::operations().collect();
    // Each API's table is its generated module's, whole and in order.
    let modules = [
        jumpcloud_api::v2::OPERATIONS,
        jumpcloud_api::v1::OPERATIONS,
        jumpcloud_api::insights::OPERATIONS,
    ];
    for (api, module) in APIS.iter().zip(modules) {
        assert_eq!(api.operations(), module, "{api}");
    }
    let expected: Vec<&Operation> = modules.into_iter().flatten().collect();
    assert_eq!(all, expected);
    let total: usize = modules.iter().map(|m| m.len()).sum();
    assert_eq!(all.len(), total);
    let keys: BTreeSet<(Api, &str)> = all.iter().map(|op| (op.api, op.rust_method)).collect();
    assert_eq!(keys.len(), total, "(api, name) pairs are unique");
}

/// One spec's recorded operations: id → (METHOD, path).
type Recorded = BTreeMap<String, (String, String)>;

/// The published specs recorded by `cargo xtask import` in `openapi/provenance.json`, per API in
/// priority order: `api → [(lineage, operation id → (METHOD, path))]`.
fn upstream_operations() -> BTreeMap<String, Vec<(String, Recorded)>> {
    let record = read_json(&manifest_dir().join("../openapi/provenance.json"));
    let apis = record["apis"]
        .as_object()
        .expect("provenance.json has `apis`");
    apis.iter()
        .map(|(api, rec)| {
            let sources = rec["sources"]
                .as_array()
                .unwrap_or_else(|| panic!("{api}: no recorded sources"))
                .iter()
                .map(|source| {
                    let lineage = source["lineage"].as_str().expect("a lineage").to_string();
                    let ops =
                        source["operations"]
                            .as_object()
                            .unwrap_or_else(|| panic!("{api}: {lineage}: no recorded operations"))
                            .iter()
                            .map(|(id, at)| {
                                let (method, path) =
                                    at.as_str().and_then(|s| s.split_once(' ')).unwrap_or_else(
                                        || panic!("{api}: {id}: {at} is not `METHOD path`"),
                                    );
                                (id.clone(), (method.to_string(), path.to_string()))
                            })
                            .collect();
                    (lineage, ops)
                })
                .collect();
            (api.clone(), sources)
        })
        .collect()
}

/// Published operations an overlay leaves out because progenitor cannot generate them
/// (`openapi/overlays/v2/05-not-generated-yet.json`: a multipart/form-data body).
const NOT_GENERATED: &[(&str, &str, &str)] = &[("v2", "POST", "/applications/{}/logo")];

/// `/a/{id}` → `/a/{}`: paths compared by position, as the import merges them.
fn positional(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// Every operation of the published specs (as recorded when they were imported) is in our tables:
/// the first spec's by id, same method and path; every later spec's by method and path (compared
/// by position), as the first spec that has it defines it. An overlay or an import may add
/// operations, never lose one.
#[test]
fn upstream_operations_are_present() {
    let upstream = upstream_operations();
    for api in APIS {
        let sources = upstream
            .get(api.name())
            .unwrap_or_else(|| panic!("{api}: no record in openapi/provenance.json"));
        let (first, reference) = sources
            .first()
            .unwrap_or_else(|| panic!("{api}: no sources"));
        assert!(!reference.is_empty(), "{api}: no recorded operations");
        let by_id: BTreeMap<&str, &Operation> =
            api.operations().iter().map(|op| (op.id, op)).collect();
        let missing: Vec<&String> = reference
            .keys()
            .filter(|id| !by_id.contains_key(id.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "{api}: {first} operations missing from OPERATIONS: {missing:?}"
        );
        for (id, (method, path)) in reference {
            let op = by_id[id.as_str()];
            assert_eq!(
                op.http_method, method,
                "{api}: {id} method differs from {first}"
            );
            assert_eq!(op.path, path, "{api}: {id} path differs from {first}");
            assert_eq!(op.source.name(), first, "{api}: {id} is not from {first}");
        }
        let ours: BTreeSet<(&str, String)> = api
            .operations()
            .iter()
            .map(|op| (op.http_method, positional(op.path)))
            .collect();
        for (lineage, ops) in &sources[1..] {
            let missing: Vec<String> = ops
                .values()
                .filter(|(method, path)| !ours.contains(&(method.as_str(), positional(path))))
                .filter(|(method, path)| {
                    !NOT_GENERATED.contains(&(
                        api.name(),
                        method.as_str(),
                        positional(path).as_str(),
                    ))
                })
                .map(|(method, path)| format!("{method} {path}"))
                .collect();
            assert!(
                missing.is_empty(),
                "{api}: {lineage} operations missing from OPERATIONS: {missing:?}"
            );
        }
    }
}

/// `1234567` → `1,234,567`, as the README writes numbers.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut groups = Vec::new();
    let mut rest = digits.as_str();
    while rest.len() > 3 {
        let (head, tail) = rest.split_at(rest.len() - 3);
        groups.insert(0, tail);
        rest = head;
    }
    groups.insert(0, rest);
    groups.join(",")
}

/// The README's figures that can be computed (operation counts, generated lines) are the current
/// ones. After `cargo xtask import`/`regen`, update the README with the lines this test prints.
#[test]
fn readme_numbers_are_current() {
    let readme = std::fs::read_to_string(manifest_dir().join("../README.md")).expect("README.md");
    let upstream = upstream_operations();
    let published = |api: Api| {
        upstream
            .get(api.name())
            .and_then(|sources| sources.first())
            .map_or(0, |(_, ops)| ops.len())
    };
    let from = |api: Api, source: jumpcloud_api::Source| {
        api.operations()
            .iter()
            .filter(|op| op.source == source)
            .count()
    };
    // The client and its types (in `jumpcloud-api-types`).
    let lines = |api: Api| {
        ["src/generated", "types/src/generated"]
            .iter()
            .map(|dir| {
                let path = manifest_dir().join(dir).join(format!("{}.rs", api.name()));
                std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
                    .lines()
                    .count()
            })
            .sum::<usize>()
    };
    let (v2, v1, di) = (
        Api::V2.operations().len(),
        Api::V1.operations().len(),
        Api::Insights.operations().len(),
    );
    let expected = [
        format!(
            "published specs (v2: {}, v1: {}, Directory Insights: {})",
            published(Api::V2),
            published(Api::V1),
            published(Api::Insights)
        ),
        format!(
            "documentation site's spec adds {} v2 operations",
            from(Api::V2, jumpcloud_api::Source::DocsSite)
        ),
        format!(
            "plus\n{} v2 endpoints",
            from(Api::V2, jumpcloud_api::Source::Seed)
        ),
        format!("{v2} v2 operations in all"),
        format!("| operations generated | v2 {v2}, v1 {v1}, Directory Insights {di} |"),
        format!(
            "| generated lines | v2 {}, v1 {}, Directory Insights {} |",
            thousands(lines(Api::V2)),
            thousands(lines(Api::V1)),
            thousands(lines(Api::Insights))
        ),
    ];
    // Line breaks in the README's prose are not significant.
    let flat = readme.replace('\n', " ");
    let stale: Vec<String> = expected
        .iter()
        .filter(|e| !flat.contains(&e.replace('\n', " ")))
        .map(|e| e.replace('\n', " "))
        .collect();
    assert!(
        stale.is_empty(),
        "README.md is out of date; it should say:\n  {}",
        stale.join("\n  ")
    );
}

/// Whether `path` is `prefix` or below it.
fn under(path: &str, prefix: &str) -> bool {
    path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Routes that refuse `x-org-id`: the organization and administrator routes (v2 and v1), the
/// provider and integration routes (v2), and the administrator-user routes `/users` (v1).
fn refuses_org_header(api: Api, path: &str) -> bool {
    let prefixes: &[&str] = match api {
        Api::V2 => &[
            "/organizations",
            "/administrators",
            "/providers",
            "/integrations",
        ],
        Api::V1 => &["/organizations", "/search/organizations", "/users"],
        Api::Insights => &[],
    };
    prefixes.iter().any(|prefix| under(path, prefix))
}

#[test]
fn org_header_table() {
    for api in APIS {
        let mut refused = 0;
        for op in api.operations() {
            let expected = !refuses_org_header(api, op.path);
            assert_eq!(
                op.org_header, expected,
                "{api}: {} {} {} should have org_header = {expected}",
                op.rust_method, op.http_method, op.path
            );
            if !expected {
                refused += 1;
            }
        }
        println!("{api}: {refused} operations without x-org-id");
    }

    let find = |api: Api, method: &str, path: &str| -> &'static Operation {
        api.operations()
            .iter()
            .find(|op| op.http_method == method && op.path == path)
            .unwrap_or_else(|| panic!("{api}: no {method} {path}"))
    };
    // Spot checks of both kinds.
    assert!(find(Api::V2, "GET", "/usergroups").org_header);
    assert!(find(Api::V2, "DELETE", "/usergroups/{id}").org_header);
    assert!(find(Api::V2, "GET", "/systemgroups").org_header);
    assert!(find(Api::V1, "GET", "/systemusers").org_header);
    assert!(find(Api::Insights, "POST", "/events").org_header);
    assert!(!find(Api::V1, "GET", "/organizations").org_header);
    assert!(!find(Api::V1, "POST", "/search/organizations").org_header);
    for api in [Api::V2, Api::V1] {
        assert!(
            api.operations()
                .iter()
                .any(|op| under(op.path, "/organizations") && !op.org_header),
            "{api}: no /organizations operation"
        );
    }
    assert!(
        Api::V2
            .operations()
            .iter()
            .any(|op| under(op.path, "/providers") && !op.org_header)
    );
    assert!(
        Api::V1
            .operations()
            .iter()
            .any(|op| under(op.path, "/users") && !op.org_header)
    );
}
