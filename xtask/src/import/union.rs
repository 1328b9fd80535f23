//! One document from several published specs of the same API.
//!
//! JumpCloud publishes each API in two lineages (`api::Lineage`): the
//! PowerShell SDK's Swagger 2.0 specs and the documentation site's OpenAPI
//! 3.0 ones. Neither has every operation. The union is built from them in
//! priority order (newest first):
//!
//! - An operation (HTTP method and path, path parameters compared by
//!   position, so `/a/{id}` and `/a/{a_id}` are one path) comes whole from
//!   the first source that defines it. Every operation is tagged with its
//!   source in the extension [`SOURCE`].
//! - The components an operation uses come with it, from the same source.
//! - **The naming rule.** A component of a later source whose name is
//!   already in the union (or whose Rust type name is, for schemas) keeps
//!   that name only when its definition is the same. Otherwise it is
//!   renamed `<name>_<Suffix>` (`Suffix` from `Lineage::suffix`, e.g.
//!   `GraphObject_DocsSite`, Rust `GraphObjectDocsSite`), then
//!   `<name>_<Suffix>2`, `3`, … while that is taken; components are handled
//!   in name order, so the result is the same every run. Each rename is a
//!   [`Merged::collisions`] entry of the change report.
//! - An operation of a later source whose operation id (or Rust method) is
//!   taken by another operation cannot be settled by the rule: the merge is
//!   refused, naming both definitions.
//! - Where an operation is in both, the later source's differing wire facts
//!   (parameters and where they go: query, path, body) are listed as
//!   [`Merged::disagreements`]; the earlier source's reading is the one
//!   used unless an overlay settles it (`x-settles`, see `overlay`).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Result, bail};
use serde_json::{Map, Value, json};

use crate::api::Lineage;
use crate::spec::{self, HTTP_METHODS};

/// The operation extension naming where the operation came from: a
/// lineage's name (`powershell-sdk`, `docs-site`) or [`SEED`].
pub const SOURCE: &str = "x-jumpcloud-source";
/// The [`SOURCE`] of operations that only a seed overlay defines.
pub const SEED: &str = "seed";

/// Component kinds whose names `$ref`s point at.
const KINDS: [&str; 7] = [
    "schemas",
    "parameters",
    "responses",
    "requestBodies",
    "headers",
    "securitySchemes",
    "examples",
];

/// One published spec, converted, stripped and normalized.
pub struct Published {
    pub lineage: Lineage,
    /// How messages name it (a path or URL).
    pub origin: String,
    pub doc: Value,
}

/// A source's wire facts about an operation that the union does not use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    /// `METHOD path`, the path as the union has it.
    pub operation: String,
    /// What differs, in a line.
    pub detail: String,
}

/// The union and what the change report says about it.
pub struct Merged {
    pub doc: Value,
    /// Components renamed by the naming rule: `lineage $.components.<kind>['old'] → 'new'`.
    pub collisions: Vec<String>,
    /// Wire facts on which the sources differ.
    pub disagreements: Vec<Disagreement>,
    /// Operations per source, in priority order: (lineage name, count).
    pub counts: Vec<(String, usize)>,
}

/// `/a/{id}/b` → `/a/{}/b`: the key under which two paths are one.
pub fn positional(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push_str("{}");
                }
            }
            '}' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            c => out.push(c),
        }
    }
    out
}

/// The names of a path's parameters, in order.
fn path_names(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        out.push(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    out
}

/// `METHOD positional-path` → the union's path key, for every operation of
/// `doc`.
pub fn operation_index(doc: &Value) -> BTreeMap<(String, String), String> {
    spec::operations(doc)
        .map(|op| ((op.verb(), positional(op.path)), op.path.to_string()))
        .collect()
}

/// The union of `sources` (in priority order).
pub fn merge(sources: Vec<Published>) -> Result<Merged> {
    let mut sources = sources.into_iter();
    let Some(first) = sources.next() else {
        bail!("no published spec to import");
    };
    let mut doc = first.doc;
    let first_name = first.lineage.name();
    spec::operations_mut(&mut doc, |_, _, op| {
        if let Some(op) = op.as_object_mut() {
            op.insert(SOURCE.into(), json!(first_name));
        }
    });
    let mut merged = Merged {
        counts: vec![(first_name.to_string(), spec::count_operations(&doc))],
        doc,
        collisions: Vec::new(),
        disagreements: Vec::new(),
    };
    for source in sources {
        add_source(&mut merged, source)?;
    }
    Ok(merged)
}

fn add_source(merged: &mut Merged, source: Published) -> Result<()> {
    let index = operation_index(&merged.doc);
    let lineage = source.lineage;
    let sdoc = &source.doc;
    // The operations this source adds, and its readings of the others.
    let mut taken: Vec<(String, &'static str)> = Vec::new();
    for op in spec::operations(sdoc) {
        let key = (op.verb(), positional(op.path));
        match index.get(&key) {
            None => taken.push((op.path.to_string(), op.http_method)),
            Some(path) => {
                let ours = &merged.doc["paths"][path.as_str()];
                let detail = compare(
                    &merged.doc,
                    ours,
                    &ours[op.http_method],
                    sdoc,
                    op.item,
                    op.op,
                    lineage,
                );
                if let Some(detail) = detail {
                    merged.disagreements.push(Disagreement {
                        operation: format!("{} {path}", op.verb()),
                        detail,
                    });
                }
            }
        }
    }
    // Operation ids and methods of what is there, to refuse clashes.
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for op in spec::operations(&merged.doc) {
        if let Some(id) = op.id() {
            let at = format!(
                "{} $.paths['{}'].{}",
                op.op[SOURCE].as_str().unwrap_or(SEED),
                op.path,
                op.http_method
            );
            ids.insert(spec::method_name(id), at);
        }
    }
    let mut clashes = Vec::new();
    for (path, method) in &taken {
        let op = &sdoc["paths"][path.as_str()][*method];
        if let Some(id) = op["operationId"].as_str()
            && let Some(other) = ids.get(&spec::method_name(id))
        {
            clashes.push(format!(
                "operation id `{id}` of {} $.paths['{path}'].{method} and {other} both become the \
                 method `{}`; no rule settles which is meant; rename one with an overlay",
                lineage.name(),
                spec::method_name(id)
            ));
        }
    }
    if !clashes.is_empty() {
        bail!("{}", clashes.join("\n"));
    }
    // The components the taken operations use, transitively.
    let mut wanted = BTreeSet::new();
    let mut todo = Vec::new();
    for (path, method) in &taken {
        let item = &sdoc["paths"][path.as_str()];
        component_refs(&item[*method], &mut todo);
        component_refs(&item["parameters"], &mut todo);
    }
    while let Some((kind, name)) = todo.pop() {
        if wanted.insert((kind.clone(), name.clone()))
            && let Some(value) = sdoc["components"][kind.as_str()].get(&name)
        {
            component_refs(value, &mut todo);
        }
    }
    let renames = name_components(merged, sdoc, &wanted, lineage);
    let rewrite = |value: &Value| -> Value {
        let mut value = value.clone();
        rewrite_refs(&mut value, &renames);
        value
    };
    for (kind, name) in &wanted {
        let Some(value) = sdoc["components"][kind.as_str()].get(name) else {
            continue; // a dangling reference: the precheck and the parse name it
        };
        let target = renames
            .get(&(kind.clone(), name.clone()))
            .cloned()
            .unwrap_or_else(|| name.clone());
        let components = ensure_object(&mut merged.doc, "components");
        let kind_map = ensure_object_in(components, kind);
        if !kind_map.contains_key(&target) {
            kind_map.insert(target, rewrite(value));
        }
    }
    let count = taken.len();
    for (path, method) in taken {
        let item = &sdoc["paths"][path.as_str()];
        let mut op = rewrite(&item[method]);
        if let Some(op) = op.as_object_mut() {
            op.insert(SOURCE.into(), json!(lineage.name()));
        }
        let shared = rewrite(&item["parameters"]);
        place(&mut merged.doc, &path, method, op, &shared);
    }
    merged.counts.push((lineage.name().to_string(), count));
    Ok(())
}

/// Puts `op` at `method` of `path` in `doc`: under the path as it is when
/// no path of the same shape is there (with the source's shared
/// `parameters`), else under the existing path, its own and the shared
/// parameters merged into the operation and path parameters renamed by
/// position. Also used for the operations seed overlays add.
pub fn place(doc: &mut Value, path: &str, method: &str, mut op: Value, shared: &Value) {
    let existing = doc["paths"].as_object().and_then(|paths| {
        paths
            .keys()
            .find(|p| positional(p) == positional(path))
            .cloned()
    });
    let paths = ensure_object(doc, "paths");
    match existing {
        None => {
            let mut item = Map::new();
            if shared.as_array().is_some_and(|a| !a.is_empty()) {
                item.insert("parameters".into(), shared.clone());
            }
            item.insert(method.into(), op);
            paths.insert(path.to_string(), Value::Object(item));
        }
        Some(key) => {
            // Shared parameters the operation does not override join it.
            let own: Vec<Value> = op["parameters"].as_array().cloned().unwrap_or_default();
            let mut params: Vec<Value> = shared
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| {
                    !own.iter()
                        .any(|o| o["name"] == p["name"] && o["in"] == p["in"])
                })
                .cloned()
                .collect();
            params.extend(own);
            let renames: BTreeMap<String, String> = path_names(path)
                .into_iter()
                .zip(path_names(&key))
                .filter(|(a, b)| a != b)
                .collect();
            for p in &mut params {
                if p["in"] == "path"
                    && let Some(name) = p["name"].as_str()
                    && let Some(new) = renames.get(name)
                {
                    p["name"] = json!(new);
                }
            }
            if let Some(map) = op.as_object_mut()
                && !params.is_empty()
            {
                map.insert("parameters".into(), Value::Array(params));
            }
            if let Some(item) = paths.get_mut(&key).and_then(Value::as_object_mut) {
                item.insert(method.into(), op);
            }
        }
    }
}

/// Decides the union's name for every wanted component of a later source
/// (the naming rule in the module documentation); returns the renames.
fn name_components(
    merged: &mut Merged,
    sdoc: &Value,
    wanted: &BTreeSet<(String, String)>,
    lineage: Lineage,
) -> BTreeMap<(String, String), String> {
    let union = &merged.doc["components"];
    let taken_rust = |kind: &str, name: &str| -> Option<String> {
        if kind != "schemas" {
            return None;
        }
        let rust = spec::type_name(name);
        union["schemas"]
            .as_object()?
            .keys()
            .find(|k| *k != name && spec::type_name(k) == rust)
            .cloned()
    };
    // Which wanted components clash with the union: a different definition
    // under the same name, or another name with the same Rust type.
    let mut clash: BTreeSet<(String, String)> = BTreeSet::new();
    for (kind, name) in wanted {
        let ours = &sdoc["components"][kind.as_str()][name.as_str()];
        match union[kind.as_str()].get(name) {
            Some(theirs) if theirs != ours => {
                clash.insert((kind.clone(), name.clone()));
            }
            Some(_) => {}
            None => {
                if taken_rust(kind, name).is_some() {
                    clash.insert((kind.clone(), name.clone()));
                }
            }
        }
    }
    // Two new schemas of this spec whose Rust types are one: the later (in
    // name order) is renamed.
    let mut kept_rust: BTreeMap<String, String> = BTreeMap::new();
    let mut same_spec: BTreeMap<String, String> = BTreeMap::new();
    for (kind, name) in wanted {
        if kind != "schemas"
            || clash.contains(&(kind.clone(), name.clone()))
            || union[kind.as_str()].get(name).is_some()
        {
            continue;
        }
        let rust = spec::type_name(name);
        match kept_rust.get(&rust) {
            Some(other) => {
                same_spec.insert(name.clone(), other.clone());
                clash.insert((kind.clone(), name.clone()));
            }
            None => {
                kept_rust.insert(rust, name.clone());
            }
        }
    }
    // A component the same by its text but using a renamed one is not the
    // same: repeat until nothing changes.
    loop {
        let mut more = Vec::new();
        for (kind, name) in wanted {
            let key = (kind.clone(), name.clone());
            if clash.contains(&key) || union[kind.as_str()].get(name).is_none() {
                continue;
            }
            let mut refs = Vec::new();
            component_refs(&sdoc["components"][kind.as_str()][name.as_str()], &mut refs);
            if refs.iter().any(|r| clash.contains(r)) {
                more.push(key);
            }
        }
        if more.is_empty() {
            break;
        }
        clash.extend(more);
    }
    let mut renames = BTreeMap::new();
    let mut used: BTreeSet<(String, String)> = BTreeSet::new();
    for (kind, name) in &clash {
        let base = format!("{name}_{}", lineage.suffix());
        let free = |candidate: &str, used: &BTreeSet<(String, String)>| {
            union[kind.as_str()].get(candidate).is_none()
                && sdoc["components"][kind.as_str()].get(candidate).is_none()
                && taken_rust(kind, candidate).is_none()
                && (kind != "schemas" || !kept_rust.contains_key(&spec::type_name(candidate)))
                && !used.iter().any(|(k, n)| {
                    k == kind
                        && (n == candidate || spec::type_name(n) == spec::type_name(candidate))
                })
        };
        let mut candidate = base.clone();
        let mut n = 2;
        while !free(&candidate, &used) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        let why = match union[kind.as_str()].get(name.as_str()) {
            Some(_) => "the union has a different definition by that name".to_string(),
            None if same_spec.contains_key(name) => format!(
                "its Rust type `{}` is also that of '{}' in the same spec",
                spec::type_name(name),
                same_spec[name]
            ),
            None => format!(
                "its Rust type `{}` is the union's `{}`",
                spec::type_name(name),
                taken_rust(kind, name).unwrap_or_default()
            ),
        };
        merged.collisions.push(format!(
            "{} $.components.{kind}['{name}'] is named '{candidate}' in the union: {why}",
            lineage.name()
        ));
        used.insert((kind.clone(), candidate.clone()));
        renames.insert((kind.clone(), name.clone()), candidate);
    }
    renames
}

/// `(kind, name)` of every `#/components/<kind>/<name>` reference in `value`.
pub fn component_refs(value: &Value, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str)
                && let Some(rest) = target.strip_prefix("#/components/")
                && let Some((kind, name)) = rest.split_once('/')
                && KINDS.contains(&kind)
            {
                found.push((kind.to_string(), name.replace("~1", "/").replace("~0", "~")));
            }
            map.values().for_each(|v| component_refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| component_refs(v, found)),
        _ => {}
    }
}

fn rewrite_refs(value: &mut Value, renames: &BTreeMap<(String, String), String>) {
    if renames.is_empty() {
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get_mut("$ref")
                && let Some(rest) = target.strip_prefix("#/components/")
                && let Some((kind, name)) = rest.split_once('/')
                && let Some(new) =
                    renames.get(&(kind.to_string(), name.replace("~1", "/").replace("~0", "~")))
            {
                *target = format!(
                    "#/components/{kind}/{}",
                    new.replace('~', "~0").replace('/', "~1")
                );
            }
            map.values_mut().for_each(|v| rewrite_refs(v, renames));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rewrite_refs(v, renames)),
        _ => {}
    }
}

/// The wire facts of an operation: parameter name → where it goes (`query`,
/// `path` by position, `cookie`, or `body` for a property of the JSON body).
fn wire_facts(doc: &Value, item: &Value, op: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let params = item["parameters"]
        .as_array()
        .into_iter()
        .chain(op["parameters"].as_array())
        .flatten();
    for p in params {
        let p = spec::resolve(doc, p);
        let (Some(name), Some(at)) = (p["name"].as_str(), p["in"].as_str()) else {
            continue;
        };
        match at {
            "header" => {}
            "path" => {}
            _ => {
                out.insert(name.to_string(), at.to_string());
            }
        }
    }
    let body = spec::resolve(doc, &op["requestBody"]);
    if let Some(schema) = body["content"]["application/json"].get("schema") {
        for name in spec::properties(doc, schema).keys() {
            out.entry(name.clone())
                .or_insert_with(|| "body".to_string());
        }
    }
    out
}

/// How a later source's reading of an operation differs on the wire, if it
/// does.
fn compare(
    udoc: &Value,
    uitem: &Value,
    uop: &Value,
    sdoc: &Value,
    sitem: &Value,
    sop: &Value,
    lineage: Lineage,
) -> Option<String> {
    let ours = wire_facts(udoc, uitem, uop);
    let theirs = wire_facts(sdoc, sitem, sop);
    let used = uop[SOURCE].as_str().unwrap_or("the union");
    let mut parts = Vec::new();
    let mut placed = Vec::new();
    for (name, at) in &theirs {
        match ours.get(name) {
            Some(o) if o != at => placed.push(format!(
                "`{name}` ({o} in {used}, {at} in {})",
                lineage.name()
            )),
            Some(_) => {}
            None => parts.push(format!("`{name}` ({at}) only in {}", lineage.name())),
        }
    }
    for (name, at) in &ours {
        if !theirs.contains_key(name) {
            parts.push(format!("`{name}` ({at}) only in {used}"));
        }
    }
    if !placed.is_empty() {
        parts.insert(0, format!("placed differently: {}", placed.join(", ")));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn ensure_object<'a>(doc: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    let Some(map) = doc.as_object_mut() else {
        unreachable_object()
    };
    ensure_object_in(map, key)
}

fn ensure_object_in<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let entry = map.entry(key.to_string()).or_insert_with(|| json!({}));
    if !entry.is_object() {
        *entry = json!({});
    }
    match entry.as_object_mut() {
        Some(m) => m,
        None => unreachable_object(),
    }
}

#[allow(clippy::panic)]
fn unreachable_object() -> ! {
    panic!("the document was checked to be a JSON object")
}

/// The operation keys of a path-item update: its methods.
pub fn methods_of(item: &Value) -> Vec<&'static str> {
    HTTP_METHODS
        .into_iter()
        .filter(|m| item.get(*m).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn published(lineage: Lineage, doc: Value) -> Published {
        Published {
            lineage,
            origin: lineage.name().into(),
            doc,
        }
    }

    #[test]
    fn paths_compare_by_position() {
        assert_eq!(positional("/a/{id}/b/{x_y}"), "/a/{}/b/{}");
        assert_eq!(path_names("/a/{id}/b/{x_y}"), ["id", "x_y"]);
    }

    #[test]
    fn first_source_wins_and_components_follow() {
        let first = json!({"paths": {
            "/things/{id}": {"get": {"operationId": "Thing_Get", "responses": {"200": {"$ref": "#/components/responses/Ok"}}}}
        }, "components": {
            "schemas": {"Thing": {"type": "object", "properties": {"a": {"type": "string"}}}},
            "responses": {"Ok": {"description": ""}}
        }});
        let second = json!({"paths": {
            "/things/{thing_id}": {
                "parameters": [{"name": "thing_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "get": {"operationId": "things_get"},
                "delete": {"operationId": "things_delete", "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}
            },
            "/other": {"post": {"operationId": "other_post", "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing"}}}}}}
        }, "components": {"schemas": {
            "Thing": {"type": "object", "properties": {"b": {"type": "string"}}},
            "thing": {"type": "object"}
        }}});
        let merged = merge(vec![
            published(Lineage::PowerShell, first),
            published(Lineage::DocsSite, second),
        ])
        .unwrap();
        let doc = &merged.doc;
        // The first source's GET stays; the second's DELETE joins it under the
        // first's path, its parameter renamed by position.
        assert_eq!(
            doc["paths"]["/things/{id}"]["get"]["operationId"],
            "Thing_Get"
        );
        assert_eq!(
            doc["paths"]["/things/{id}"]["get"][SOURCE],
            "powershell-sdk"
        );
        let delete = &doc["paths"]["/things/{id}"]["delete"];
        assert_eq!(delete[SOURCE], "docs-site");
        assert_eq!(delete["parameters"][0]["name"], "id");
        assert!(doc["paths"].get("/things/{thing_id}").is_none());
        // Schemas follow: `Thing` differs, `thing` is `Thing` in Rust.
        assert_eq!(
            delete["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/Thing_DocsSite"
        );
        assert_eq!(
            doc["paths"]["/other"]["post"]["requestBody"]["content"]["application/json"]["schema"]
                ["$ref"],
            "#/components/schemas/thing_DocsSite2"
        );
        assert_eq!(
            doc["components"]["schemas"]["Thing"]["properties"]["a"]["type"],
            "string"
        );
        assert_eq!(merged.collisions.len(), 2, "{:?}", merged.collisions);
        assert!(
            merged.collisions.iter().any(|c| c
                .contains("docs-site $.components.schemas['thing'] is named 'thing_DocsSite2'")
                && c.contains("Rust type `Thing`")),
            "{:?}",
            merged.collisions
        );
        assert_eq!(
            merged.counts,
            [
                ("powershell-sdk".to_string(), 1),
                ("docs-site".to_string(), 2)
            ]
        );
    }

    #[test]
    fn placement_disagreements_are_listed() {
        let body = json!({"content": {"application/json": {"schema": {"type": "object", "properties": {
            "limit": {"type": "integer"}, "skip": {"type": "integer"}, "filter": {"type": "object"}}}}}});
        let first = json!({"paths": {"/search/x": {"post": {"operationId": "X_Search", "requestBody": body}}}});
        let second = json!({"paths": {"/search/x": {"post": {"operationId": "x_search",
            "parameters": [{"name": "limit", "in": "query"}, {"name": "skip", "in": "query"}],
            "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"filter": {"type": "object"}}}}}}}}}});
        let merged = merge(vec![
            published(Lineage::PowerShell, first),
            published(Lineage::DocsSite, second),
        ])
        .unwrap();
        assert_eq!(merged.disagreements.len(), 1);
        let d = &merged.disagreements[0];
        assert_eq!(d.operation, "POST /search/x");
        assert!(
            d.detail
                .contains("`limit` (body in powershell-sdk, query in docs-site)"),
            "{}",
            d.detail
        );
    }

    #[test]
    fn clashing_method_names_are_refused_naming_both() {
        let first = json!({"paths": {"/a": {"get": {"operationId": "Thing_List"}}}});
        let second = json!({"paths": {"/b": {"get": {"operationId": "thing_list"}}}});
        let err = merge(vec![
            published(Lineage::PowerShell, first),
            published(Lineage::DocsSite, second),
        ])
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert!(err.contains("docs-site $.paths['/b'].get"), "{err}");
        assert!(err.contains("powershell-sdk $.paths['/a'].get"), "{err}");
    }
}
