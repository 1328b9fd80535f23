//! Applying the project's overlays (OpenAPI Overlay 1.0, JSON) to a document.
//! The format is described in `openapi/overlays/README.md`.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use serde_json_path::JsonPath;

/// Applies every `*.json` overlay in `dir`, in file-name order. A missing
/// directory means no overlays.
pub fn apply_dir(doc: &mut Value, dir: &Path) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let overlay: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", file.display()))?;
        apply(doc, &overlay).with_context(|| format!("applying {}", file.display()))?;
    }
    Ok(())
}

pub fn apply(doc: &mut Value, overlay: &Value) -> Result<()> {
    match overlay.get("overlay").and_then(Value::as_str) {
        Some(v) if v.starts_with("1.") => {}
        other => bail!("not an Overlay 1.x document (overlay: {other:?})"),
    }
    let actions = overlay
        .get("actions")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("`actions` must be an array"))?;
    for (i, action) in actions.iter().enumerate() {
        apply_action(doc, action).with_context(|| format!("action {i}"))?;
    }
    Ok(())
}

fn apply_action(doc: &mut Value, action: &Value) -> Result<()> {
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
    let remove = action.get("remove").and_then(Value::as_bool) == Some(true);
    match (action.get("update"), remove) {
        (Some(_), true) => bail!("{target}: an action either updates or removes"),
        (Some(update), false) => {
            for pointer in &pointers {
                let node = doc
                    .pointer_mut(pointer)
                    .ok_or_else(|| anyhow!("{pointer} vanished"))?;
                merge(node, update);
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
                "/b": {"post": {}}
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
}
