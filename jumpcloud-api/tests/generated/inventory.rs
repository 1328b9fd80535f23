//! Keeps the project's endpoint inventory honest.
//!
//! `openapi/inventory/v2-endpoints.txt` lists every v2 endpoint the seed reference pages name and
//! `openapi/inventory/connector-actions.tsv` the connector's 65 actions (v1 and v2). Each must be an
//! operation of the project's OpenAPI document *and* of the generated client: an entry of its
//! `OPERATIONS` table whose method is defined in the generated module. `docs/coverage.md` must name only SDK
//! methods that exist. Path templates are compared with parameter names erased, since the documents
//! may call a parameter `{group_id}` where an inventory line says `{id}`.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::fs;
use std::path::PathBuf;

use jumpcloud_api::Operation;
use serde_json::Value;

type TestResult = Result<(), Box<dyn Error>>;

const METHODS: [&str; 7] = ["GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> Result<String, Box<dyn Error>> {
    let path = root().join(rel);
    fs::read_to_string(&path).map_err(|e| format!("reading {}: {e}", path.display()).into())
}

/// `/usergroups/{group_id}/members` -> `/usergroups/{}/members`; a trailing slash is ignored.
fn normalise(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out
}

type Key = (String, String);

fn key(method: &str, path: &str) -> Key {
    (method.to_ascii_uppercase(), normalise(path))
}

/// `METHOD path` lines of the v2 inventory, comments and blank lines skipped.
fn v2_inventory() -> Result<Vec<(String, String)>, Box<dyn Error>> {
    let text = read("openapi/inventory/v2-endpoints.txt")?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (method, path) = line
            .split_once(' ')
            .ok_or_else(|| format!("v2-endpoints.txt:{}: not `METHOD path`: {line}", n + 1))?;
        out.push((method.to_owned(), path.to_owned()));
    }
    Ok(out)
}

struct Action {
    name: String,
    method: String,
    path: String,
    api: String,
}

fn connector_actions() -> Result<Vec<Action>, Box<dyn Error>> {
    let text = read("openapi/inventory/connector-actions.tsv")?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [name, method, path, api] = cols[..] else {
            return Err(format!(
                "connector-actions.tsv:{}: want 4 tab-separated columns: {line}",
                n + 1
            )
            .into());
        };
        out.push(Action {
            name: name.to_owned(),
            method: method.to_owned(),
            path: path.to_owned(),
            api: api.to_owned(),
        });
    }
    Ok(out)
}

/// (METHOD, normalised path) -> operationId of one of the project's OpenAPI documents.
fn document_operations(api: &str) -> Result<BTreeMap<Key, String>, Box<dyn Error>> {
    let doc: Value = serde_json::from_str(&read(&format!("openapi/jumpcloud-{api}.json"))?)?;
    let paths = doc
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("openapi/jumpcloud-{api}.json has no paths"))?;
    let mut out = BTreeMap::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let method = method.to_ascii_uppercase();
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
            out.insert(key(&method, path), id.to_owned());
        }
    }
    Ok(out)
}

/// (METHOD, normalised path) -> entry of a generated `OPERATIONS` table.
fn generated_operations(table: &'static [Operation]) -> BTreeMap<Key, &'static Operation> {
    table
        .iter()
        .map(|op| (key(op.http_method, op.path), op))
        .collect()
}

/// Checks one endpoint against a document, a generated table and the generated module's text,
/// pushing a line to `missing` for each place it is absent from.
fn check(
    label: &str,
    k: &Key,
    document: &BTreeMap<Key, String>,
    table: &BTreeMap<Key, &'static Operation>,
    module_text: &str,
    api: &str,
    missing: &mut Vec<String>,
) {
    match document.get(k) {
        None => missing.push(format!("{label}: not in openapi/jumpcloud-{api}.json")),
        Some(id) if id.is_empty() => missing.push(format!(
            "{label}: no operationId in openapi/jumpcloud-{api}.json"
        )),
        Some(_) => {}
    }
    match table.get(k) {
        None => missing.push(format!("{label}: not in jumpcloud_api::{api}::OPERATIONS")),
        Some(op) => {
            let defined = module_text.contains(&format!("pub fn {}(", op.rust_method))
                && module_text.contains(&format!("rust_method: \"{}\"", op.rust_method));
            if !defined {
                missing.push(format!(
                    "{label}: {} ({}) has no method in jumpcloud-api/src/generated/{api}.rs",
                    op.id, op.rust_method
                ));
            }
        }
    }
}

#[test]
fn every_seed_v2_endpoint_is_documented_and_generated() -> TestResult {
    let inventory = v2_inventory()?;
    let document = document_operations("v2")?;
    let table = generated_operations(jumpcloud_api::v2::OPERATIONS);
    let text = read("jumpcloud-api/src/generated/v2.rs")?;
    let mut missing = Vec::new();
    for (method, path) in &inventory {
        let label = format!("v2 {method} {path}");
        check(
            &label,
            &key(method, path),
            &document,
            &table,
            &text,
            "v2",
            &mut missing,
        );
    }
    assert!(
        missing.is_empty(),
        "{} of {} inventoried v2 endpoints are missing:\n  {}",
        missing.len(),
        inventory.len(),
        missing.join("\n  ")
    );
    Ok(())
}

#[test]
fn every_connector_action_is_documented_and_generated() -> TestResult {
    let actions = connector_actions()?;
    let documents = [
        ("v1", document_operations("v1")?),
        ("v2", document_operations("v2")?),
    ];
    let tables = [
        ("v1", generated_operations(jumpcloud_api::v1::OPERATIONS)),
        ("v2", generated_operations(jumpcloud_api::v2::OPERATIONS)),
    ];
    let texts = [
        ("v1", read("jumpcloud-api/src/generated/v1.rs")?),
        ("v2", read("jumpcloud-api/src/generated/v2.rs")?),
    ];
    let mut missing = Vec::new();
    for a in &actions {
        let label = format!("{} ({} {} {})", a.name, a.api, a.method, a.path);
        let pick = |api: &str| ["v1", "v2"].iter().position(|x| *x == api);
        let Some(i) = pick(&a.api) else {
            missing.push(format!("{label}: api must be v1 or v2"));
            continue;
        };
        check(
            &label,
            &key(&a.method, &a.path),
            &documents[i].1,
            &tables[i].1,
            &texts[i].1,
            documents[i].0,
            &mut missing,
        );
    }
    assert!(
        missing.is_empty(),
        "{} problems with the connector's {} actions:\n  {}",
        missing.len(),
        actions.len(),
        missing.join("\n  ")
    );
    Ok(())
}

#[test]
fn inventory_files_are_well_formed() -> TestResult {
    let text = read("openapi/inventory/v2-endpoints.txt")?;
    assert!(
        text.lines().next().is_some_and(|l| l.starts_with('#')),
        "v2-endpoints.txt starts with a `#` header line"
    );
    let lines: Vec<String> = v2_inventory()?
        .into_iter()
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    for pair in lines.windows(2) {
        assert!(
            pair[0] < pair[1],
            "v2-endpoints.txt must be sorted, without duplicates: `{}` then `{}`",
            pair[0],
            pair[1]
        );
    }
    for line in &lines {
        let (method, path) = line.split_once(' ').unwrap_or_default();
        assert!(METHODS.contains(&method), "unknown method in `{line}`");
        assert!(
            path.starts_with('/') && !path.contains(' '),
            "bad path in `{line}`"
        );
    }
    // Two inventory lines must not be the same endpoint under different parameter names.
    let keys: BTreeSet<Key> = v2_inventory()?.iter().map(|(m, p)| key(m, p)).collect();
    assert_eq!(
        keys.len(),
        lines.len(),
        "two v2 lines differ only in parameter names"
    );

    let actions = connector_actions()?;
    assert_eq!(actions.len(), 65, "the connector page lists 65 actions");
    let names: BTreeSet<&str> = actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names.len(),
        actions.len(),
        "connector action names are unique"
    );
    for a in &actions {
        assert!(
            METHODS.contains(&a.method.as_str()),
            "bad method for {}",
            a.name
        );
        assert!(
            a.path.starts_with('/') && !a.path.starts_with("/v2/"),
            "bad path for {}",
            a.name
        );
        assert!(a.api == "v1" || a.api == "v2", "bad api for {}", a.name);
    }
    Ok(())
}

/// `docs/coverage.md` names SDK calls as `v2::Client::method`; each must be a generated method.
#[test]
fn coverage_table_names_generated_methods() -> TestResult {
    let doc = read("docs/coverage.md")?;
    let texts = [
        ("v1", read("jumpcloud-api/src/generated/v1.rs")?),
        ("v2", read("jumpcloud-api/src/generated/v2.rs")?),
    ];
    let mut named = 0;
    let mut missing = Vec::new();
    for (api, text) in &texts {
        let marker = format!("{api}::Client::");
        for (at, _) in doc.match_indices(&marker) {
            let rest = &doc[at + marker.len()..];
            let method: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            named += 1;
            if !text.contains(&format!("pub fn {method}(")) {
                missing.push(format!("{api}::Client::{method}"));
            }
        }
    }
    assert!(
        named >= 65,
        "docs/coverage.md names {named} SDK calls; want one per connector action"
    );
    assert!(
        missing.is_empty(),
        "docs/coverage.md names methods the generated client lacks:\n  {}",
        missing.join("\n  ")
    );
    Ok(())
}

/// Each row of `docs/coverage.md` ends with the source `OPERATIONS` records for its method.
#[test]
fn coverage_table_names_each_operation_s_source() -> TestResult {
    let doc = read("docs/coverage.md")?;
    let mut wrong = Vec::new();
    let mut rows = 0;
    for line in doc
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("::Client::"))
    {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        let call = cells
            .get(2)
            .map(|c| c.trim_matches('`'))
            .unwrap_or_default();
        let Some((api, method)) = call.split_once("::Client::") else {
            wrong.push(format!("no SDK call in: {line}"));
            continue;
        };
        let ops = match api {
            "v1" => jumpcloud_api::v1::OPERATIONS,
            _ => jumpcloud_api::v2::OPERATIONS,
        };
        let source = ops
            .iter()
            .find(|op| op.rust_method == method)
            .map(|op| op.source.name());
        rows += 1;
        if cells.last().copied() != source {
            wrong.push(format!(
                "{call}: the row says {:?}, OPERATIONS {source:?}",
                cells.last()
            ));
        }
    }
    assert!(
        rows >= 65,
        "docs/coverage.md has {rows} rows with an SDK call"
    );
    assert!(
        wrong.is_empty(),
        "docs/coverage.md sources:\n  {}",
        wrong.join("\n  ")
    );
    Ok(())
}
