//! Applying the project's overlays (OpenAPI Overlay 1.0, JSON) to a document.
//! The format is described in `openapi/overlays/README.md`.
//!
//! Overlays come after the published specs (see `union`). An action that
//! adds operations (an `update` of `$.paths` or of a path item) is a seed:
//! each operation it adds that a published source already defines is
//! dropped from it and reported, unless the action says
//! `"x-corrects": true`, and then its definition replaces the published
//! one. Schemas a seed adds that no operation uses once it is applied are
//! dropped too. Every problem of every file is reported at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use serde_json_path::JsonPath;

use super::union::{self, SEED, SOURCE};

/// What applying the overlays did besides changing the document.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Seed parts dropped: `file: $.paths['/p'].get: … defined by <lineage>`.
    pub dropped: Vec<String>,
    /// Published operations replaced by an action that says `x-corrects`.
    pub corrected: Vec<String>,
    /// `x-settles` of each overlay: (file, `METHOD path` patterns).
    pub settles: Vec<(String, Vec<String>)>,
}

/// Applies every overlay in `dir`, in file-name order. A missing directory
/// means no overlays. Every file must be an overlay (`*.json`, Overlay
/// 1.x); anything else is refused rather than skipped. All problems of all
/// files are collected and reported together.
pub fn apply_dir(doc: &mut Value, dir: &Path) -> Result<Outcome> {
    let mut outcome = Outcome::default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(outcome);
    };
    let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let shown = |file: &Path| {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        let api = dir.file_name().unwrap_or_default().to_string_lossy();
        format!("openapi/overlays/{api}/{name}")
    };
    let mut problems = Vec::new();
    let mut added: BTreeMap<String, String> = BTreeMap::new();
    for file in files {
        let name = shown(&file);
        if file.is_dir() {
            problems.push(format!("{name}: a directory; overlays are files"));
            continue;
        }
        if file.extension().is_none_or(|x| x != "json") {
            problems.push(format!(
                "{name}: not an overlay (overlays are JSON files named *.json); convert it to JSON \
                 or move it out of openapi/overlays/"
            ));
            continue;
        }
        let overlay: Value = match std::fs::read_to_string(&file)
            .map_err(anyhow::Error::from)
            .and_then(|t| serde_json::from_str(&t).map_err(anyhow::Error::from))
        {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{name}: not readable as JSON: {e}"));
                continue;
            }
        };
        let mut context = Effects {
            file: &name,
            outcome: &mut outcome,
            added: &mut added,
        };
        problems.extend(apply_collecting(doc, &overlay, &mut context));
    }
    prune_unused_seed_schemas(doc, &added, &mut outcome);
    if !problems.is_empty() {
        bail!(
            "the overlays cannot be applied ({} problem{}):\n  - {}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            problems.join("\n  - ")
        );
    }
    Ok(outcome)
}

/// Where an action's effects are recorded.
struct Effects<'a> {
    file: &'a str,
    outcome: &'a mut Outcome,
    /// Schema name → the file whose seed added it.
    added: &'a mut BTreeMap<String, String>,
}

/// Applies one overlay; returns its problems (every one, not the first).
#[cfg(test)]
pub fn apply(doc: &mut Value, overlay: &Value) -> Result<()> {
    let mut outcome = Outcome::default();
    let mut added = BTreeMap::new();
    let mut context = Effects {
        file: "overlay",
        outcome: &mut outcome,
        added: &mut added,
    };
    let problems = apply_collecting(doc, overlay, &mut context);
    if problems.is_empty() {
        Ok(())
    } else {
        bail!("{}", problems.join("\n"))
    }
}

fn apply_collecting(doc: &mut Value, overlay: &Value, cx: &mut Effects<'_>) -> Vec<String> {
    let file = cx.file.to_string();
    match overlay.get("overlay").and_then(Value::as_str) {
        Some(v) if v.starts_with("1.") => {}
        other => {
            return vec![format!(
                "{file}: not an Overlay 1.x document (overlay: {other:?})"
            )];
        }
    }
    if let Some(settles) = overlay.get("x-settles") {
        match settles
            .as_array()
            .map(|a| a.iter().map(Value::as_str).collect::<Option<Vec<_>>>())
        {
            Some(Some(list)) => cx
                .outcome
                .settles
                .push((file.clone(), list.into_iter().map(str::to_string).collect())),
            _ => {
                return vec![format!(
                    "{file}: `x-settles` must be a list of `METHOD path` strings"
                )];
            }
        }
    }
    let Some(actions) = overlay.get("actions").and_then(Value::as_array) else {
        return vec![format!("{file}: `actions` must be an array")];
    };
    let mut problems = Vec::new();
    for (i, action) in actions.iter().enumerate() {
        if let Err(e) = apply_action(doc, action, cx) {
            problems.push(format!("{file}: action {i}: {e:#}"));
        }
    }
    problems
}

fn apply_action(doc: &mut Value, action: &Value, cx: &mut Effects<'_>) -> Result<()> {
    let target = action
        .get("target")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("`target` is missing"))?;
    let why = action
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("");
    if why.trim().is_empty() {
        bail!("{target}: every action needs a `description` saying why it exists");
    }
    let path = JsonPath::parse(target).with_context(|| format!("bad JSONPath {target}"))?;
    let mut pointers: Vec<String> = path
        .query_located(doc)
        .locations()
        .map(|loc| loc.to_json_pointer())
        .collect();
    let optional = action.get("x-optional").and_then(Value::as_bool) == Some(true);
    if pointers.is_empty() && !optional {
        bail!("{target} matches nothing; the overlay is stale");
    }
    let corrects = action.get("x-corrects").and_then(Value::as_bool) == Some(true);
    let remove = action.get("remove").and_then(Value::as_bool) == Some(true);
    match (action.get("update"), remove) {
        (Some(_), true) => bail!("{target}: an action either updates or removes"),
        (Some(update), false) => {
            for pointer in &pointers {
                if pointer == "/paths" {
                    let mut rest = update.clone();
                    if let Some(items) = update.as_object() {
                        for (path, item) in items {
                            seed_path(doc, path, item, corrects, cx)?;
                            if let Some(rest) = rest.as_object_mut() {
                                rest.remove(path);
                            }
                        }
                    }
                    merge_at(doc, pointer, &rest)?;
                } else if let Some(path) = path_item_key(pointer) {
                    let methods = union::methods_of(update);
                    if methods.is_empty() {
                        merge_at(doc, pointer, update)?;
                    } else {
                        seed_path(doc, &path, update, corrects, cx)?;
                    }
                } else {
                    if pointer == "/components/schemas"
                        && let (Some(update), Some(schemas)) = (
                            update.as_object(),
                            doc.pointer(pointer).and_then(Value::as_object),
                        )
                    {
                        for name in update.keys().filter(|n| !schemas.contains_key(*n)) {
                            cx.added.insert(name.clone(), cx.file.to_string());
                        }
                    }
                    merge_at(doc, pointer, update)?;
                }
            }
        }
        (None, true) => {
            // Later array elements first, so earlier indices stay valid.
            pointers.sort_by(|a, b| b.cmp(a));
            for pointer in &pointers {
                remove_at(doc, pointer)?;
            }
        }
        (None, false) => bail!("{target}: an action needs `update` or `remove: true`"),
    }
    Ok(())
}

/// `/paths/~1a~1{id}` → `/a/{id}`: the path of a pointer at a path item.
fn path_item_key(pointer: &str) -> Option<String> {
    let rest = pointer.strip_prefix("/paths/")?;
    (!rest.contains('/')).then(|| rest.replace("~1", "/").replace("~0", "~"))
}

/// A seed's path item `item` for `path`: each operation goes in unless a
/// published source defines it (then it is dropped, or with `corrects` it
/// replaces the published one); other keys of the item (shared
/// `parameters`) go with the operations.
fn seed_path(
    doc: &mut Value,
    path: &str,
    item: &Value,
    corrects: bool,
    cx: &mut Effects<'_>,
) -> Result<()> {
    let Some(fields) = item.as_object() else {
        bail!("$.paths['{path}']: a path item must be an object");
    };
    let methods = union::methods_of(item);
    let shared = item.get("parameters").cloned().unwrap_or(json!([]));
    if methods.is_empty() {
        // Only shared fields: a change of an existing path item.
        let pointer = format!("/paths/{}", path.replace('~', "~0").replace('/', "~1"));
        if doc.pointer(&pointer).is_none() {
            bail!("$.paths['{path}'] adds no operation and is not in the document");
        }
        return merge_at(doc, &pointer, item);
    }
    if fields
        .keys()
        .any(|k| !methods.contains(&k.as_str()) && k != "parameters")
    {
        bail!("$.paths['{path}']: a seed path item holds operations and `parameters` only");
    }
    let index = union::operation_index(doc);
    for method in methods {
        let verb = method.to_uppercase();
        let at = format!("$.paths['{path}'].{method}");
        let mut op = item[method].clone();
        if let Some(existing) = index.get(&(verb.clone(), union::positional(path))) {
            let published = doc["paths"][existing.as_str()][method][SOURCE]
                .as_str()
                .unwrap_or(SEED)
                .to_string();
            if published != SEED {
                if !corrects {
                    cx.outcome.dropped.push(format!(
                        "{}: {at} ({verb} {existing}) dropped: {published} defines it",
                        cx.file
                    ));
                    continue;
                }
                cx.outcome.corrected.push(format!(
                    "{}: {at} replaces {published}'s {verb} {existing} (x-corrects)",
                    cx.file
                ));
                if let Some(item) = doc["paths"][existing.as_str()].as_object_mut() {
                    item.remove(method);
                }
            }
        }
        if let Some(map) = op.as_object_mut() {
            map.insert(SOURCE.into(), json!(SEED));
        }
        union::place(doc, path, method, op, &shared);
    }
    Ok(())
}

/// Schemas a seed added that nothing uses once its operations were dropped.
fn prune_unused_seed_schemas(
    doc: &mut Value,
    added: &BTreeMap<String, String>,
    outcome: &mut Outcome,
) {
    if added.is_empty() {
        return;
    }
    let candidates: BTreeSet<&String> = added.keys().collect();
    let mut todo = Vec::new();
    union::component_refs(&doc["paths"], &mut todo);
    if let Some(components) = doc["components"].as_object() {
        for (kind, map) in components {
            for (name, value) in map.as_object().into_iter().flatten() {
                if kind == "schemas" && candidates.contains(name) {
                    continue;
                }
                union::component_refs(value, &mut todo);
            }
        }
    }
    let mut used = BTreeSet::new();
    while let Some((kind, name)) = todo.pop() {
        if kind == "schemas" && used.insert(name.clone()) && candidates.contains(&name) {
            union::component_refs(&doc["components"]["schemas"][name.as_str()], &mut todo);
        }
    }
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, file) in added {
            if !used.contains(name) && schemas.remove(name).is_some() {
                outcome.dropped.push(format!(
                    "{file}: $.components.schemas['{name}'] dropped: no operation uses it"
                ));
            }
        }
    }
}

fn merge_at(doc: &mut Value, pointer: &str, update: &Value) -> Result<()> {
    let node = doc
        .pointer_mut(pointer)
        .ok_or_else(|| anyhow!("{pointer} vanished"))?;
    merge(node, update);
    Ok(())
}

/// Overlay merge: objects merge recursively, arrays receive the update as a
/// new element, anything else is replaced.
fn merge(node: &mut Value, update: &Value) {
    match (node, update) {
        (Value::Object(node), Value::Object(update)) => {
            for (key, value) in update {
                match node.get_mut(key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge(existing, value)
                    }
                    _ => {
                        node.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(items), update) => items.push(update.clone()),
        (node, update) => *node = update.clone(),
    }
}

fn remove_at(doc: &mut Value, pointer: &str) -> Result<()> {
    let (parent, last) = pointer
        .rsplit_once('/')
        .ok_or_else(|| anyhow!("cannot remove the whole document"))?;
    let key = last.replace("~1", "/").replace("~0", "~");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.remove(&key);
        }
        Some(Value::Array(items)) => {
            let index: usize = key
                .parse()
                .with_context(|| format!("bad index in {pointer}"))?;
            if index < items.len() {
                items.remove(index);
            }
        }
        _ => bail!("{pointer}: parent is not a container"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn overlay(actions: Value) -> Value {
        json!({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": actions})
    }

    #[test]
    fn update_remove_and_filters() {
        let mut doc = json!({"paths": {"/a": {"get": {"parameters": [
            {"name": "filter", "in": "query", "explode": false},
            {"name": "limit", "in": "query"},
            {"name": "x-total-count", "in": "header"}
        ]}}}});
        let o = overlay(json!([
            {"target": "$.paths.*.*.parameters[?@.name == 'filter']", "description": "why",
             "update": {"explode": true}},
            {"target": "$.paths.*.*.parameters[?@.in == 'header']", "description": "why",
             "remove": true},
            {"target": "$.paths", "description": "why", "update": {"/b": {"post": {}}}}
        ]));
        apply(&mut doc, &o).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(
            doc,
            json!({"paths": {
                "/a": {"get": {"parameters": [
                    {"name": "filter", "in": "query", "explode": true},
                    {"name": "limit", "in": "query"}
                ]}},
                "/b": {"post": {"x-jumpcloud-source": "seed"}}
            }})
        );
    }

    #[test]
    fn stale_targets_and_missing_reasons_are_errors() {
        let mut doc = json!({"paths": {}});
        let stale =
            overlay(json!([{"target": "$.paths['/gone']", "description": "why", "remove": true}]));
        assert!(apply(&mut doc, &stale).is_err());
        let optional = overlay(json!([{"target": "$.paths['/gone']", "description": "why",
                                       "remove": true, "x-optional": true}]));
        assert!(apply(&mut doc, &optional).is_ok());
        let silent = overlay(json!([{"target": "$.paths", "update": {}}]));
        let err = apply(&mut doc, &silent)
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(err.contains("description"), "{err}");
    }

    #[test]
    fn seeds_of_published_operations_are_dropped_unless_they_correct() {
        let published = || {
            json!({"paths": {"/things/{id}": {"get": {"operationId": "things_get",
                "x-jumpcloud-source": "docs-site"}}},
                "components": {"schemas": {}}})
        };
        let seed = |corrects: bool| {
            let mut action = json!({"target": "$.paths", "description": "why", "update": {
            "/things/{thing_id}": {
                "parameters": [{"name": "thing_id", "in": "path"}],
                "get": {"operationId": "Thing_Get", "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}}},
                "delete": {"operationId": "Thing_Delete"}
            }}});
            if corrects {
                action["x-corrects"] = json!(true);
            }
            overlay(json!([
                {"target": "$.components.schemas", "description": "why", "update": {"Thing": {"type": "object"}}},
                action
            ]))
        };
        let dir = std::env::temp_dir().join(format!("xtask-overlay-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let v2 = dir.join("v2");
        std::fs::create_dir_all(&v2).unwrap();
        std::fs::write(v2.join("50-seed.json"), seed(false).to_string()).unwrap();
        let mut doc = published();
        let outcome = apply_dir(&mut doc, &v2).unwrap_or_else(|e| panic!("{e:#}"));
        // The published GET stays; the DELETE joins it under its path, the
        // parameter renamed by position; the seed's schema goes with its GET.
        let item = &doc["paths"]["/things/{id}"];
        assert_eq!(item["get"]["operationId"], "things_get");
        assert_eq!(item["delete"]["x-jumpcloud-source"], "seed");
        assert_eq!(item["delete"]["parameters"][0]["name"], "id");
        assert!(doc["components"]["schemas"].get("Thing").is_none());
        assert_eq!(outcome.dropped.len(), 2, "{:?}", outcome.dropped);
        assert!(outcome.dropped[0].contains(
            "openapi/overlays/v2/50-seed.json: $.paths['/things/{thing_id}'].get (GET /things/{id}) dropped: docs-site defines it"
        ), "{:?}", outcome.dropped);
        assert!(outcome.dropped[1].contains("$.components.schemas['Thing'] dropped"));

        // Saying `x-corrects` makes the seed win.
        std::fs::write(v2.join("50-seed.json"), seed(true).to_string()).unwrap();
        let mut doc = published();
        let outcome = apply_dir(&mut doc, &v2).unwrap_or_else(|e| panic!("{e:#}"));
        assert_eq!(
            doc["paths"]["/things/{id}"]["get"]["operationId"],
            "Thing_Get"
        );
        assert!(doc["components"]["schemas"].get("Thing").is_some());
        assert_eq!(outcome.corrected.len(), 1);

        // Every problem at once, each naming its file; a YAML file is refused.
        std::fs::write(
            v2.join("60-stale.json"),
            overlay(json!([
                {"target": "$.paths['/gone']", "description": "why", "remove": true},
                {"target": "$.paths['/also-gone']", "description": "why", "remove": true}
            ]))
            .to_string(),
        )
        .unwrap();
        std::fs::write(v2.join("70-fix.yaml"), "overlay: 1.0.0\n").unwrap();
        let err = apply_dir(&mut published(), &v2)
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(err.contains("3 problems"), "{err}");
        assert!(
            err.contains(
                "openapi/overlays/v2/60-stale.json: action 0: $.paths['/gone'] matches nothing"
            ),
            "{err}"
        );
        assert!(
            err.contains("openapi/overlays/v2/60-stale.json: action 1: $.paths['/also-gone']"),
            "{err}"
        );
        assert!(
            err.contains("openapi/overlays/v2/70-fix.yaml: not an overlay"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
