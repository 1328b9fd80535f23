//! Sanity checks of an import: that the spec is the API it is imported as,
//! that it has operations, and that every operation has an id of its own.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use serde_json::Value;

use crate::api::Api;
use crate::spec;

/// The path part of the first server URL, without a trailing slash.
fn base_path(doc: &Value) -> Option<String> {
    let url = doc.pointer("/servers/0/url")?.as_str()?;
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map(|i| &rest[i..]).unwrap_or("/"),
        None => url,
    };
    let path = path.trim_end_matches('/');
    Some(if path.is_empty() {
        "/".into()
    } else {
        path.into()
    })
}

/// The converted spec is the API `api`: same base path (or, without one, a
/// title that agrees about being Directory Insights).
pub fn identity(api: Api, doc: &Value) -> Result<()> {
    let title = doc
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("");
    match base_path(doc) {
        Some(path) if path == api.base_path() => Ok(()),
        Some(path) => {
            let hint = Api::ALL
                .iter()
                .find(|a| a.base_path() == path)
                .map(|a| format!("; it looks like --api {}", a.name()))
                .unwrap_or_default();
            bail!(
                "this spec (\"{title}\") serves {path}, but {} is served under {}: wrong --api?{hint}",
                api.name(),
                api.base_path()
            )
        }
        None => {
            let says_insights = title.to_ascii_lowercase().contains("insights");
            if says_insights != (api == Api::Insights) {
                bail!(
                    "this spec has no base path and its title (\"{title}\") does not fit {}: wrong --api?",
                    api.name()
                );
            }
            Ok(())
        }
    }
}

/// An empty `paths` is a wrong or truncated file, not a stale overlay.
pub fn has_operations(doc: &Value) -> Result<()> {
    if spec::count_operations(doc) == 0 {
        bail!(
            "the spec has no operations (`paths` is empty or missing): is it the right file, and complete?"
        );
    }
    Ok(())
}

/// operation id → `METHOD path` (operations without an id are left out;
/// [`operation_ids`] rejects them later).
pub fn operation_table(doc: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (method, path, op) in operations(doc) {
        if let Some(id) = op.get("operationId").and_then(Value::as_str) {
            out.insert(id.to_string(), format!("{} {path}", method.to_uppercase()));
        }
    }
    out
}

fn operations(doc: &Value) -> impl Iterator<Item = (&'static str, &str, &Value)> {
    spec::operations(doc).map(|o| (o.http_method, o.path, o.op))
}

/// Every operation has an id, and no two share one: the id names the method.
pub fn operation_ids(doc: &Value) -> Result<()> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (method, path, op) in operations(doc) {
        let at = format!("{} {path}", method.to_uppercase());
        match op.get("operationId").and_then(Value::as_str) {
            Some(id) if !id.trim().is_empty() => seen.entry(id).or_default().push(at),
            _ => problems.push(format!(
                "{at} has no operationId; give it one with an overlay action \
                 {{\"target\": \"$.paths['{path}'].{method}\", \"update\": {{\"operationId\": \"…\"}}}}"
            )),
        }
    }
    for (id, places) in seen {
        if places.len() > 1 {
            problems.push(format!(
                "operationId `{id}` is used by {}; ids name methods and must be unique: rename all \
                 but one with an overlay (`update` of `operationId`)",
                places.join(" and ")
            ));
        }
    }
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(r: Result<()>) -> String {
        r.err().map(|e| e.to_string()).unwrap_or_default()
    }

    #[test]
    fn identity_by_base_path_then_title() {
        let v2 = json!({"servers": [{"url": "https://console.example/api/v2/"}], "info": {"title": "X"}});
        assert!(identity(Api::V2, &v2).is_ok());
        let e = err(identity(Api::V1, &v2));
        assert!(
            e.contains("serves /api/v2") && e.contains("--api v2"),
            "{e}"
        );
        let bare = json!({"info": {"title": "Directory Insights API"}});
        assert!(identity(Api::Insights, &bare).is_ok());
        assert!(err(identity(Api::V2, &bare)).contains("wrong --api"));
    }

    #[test]
    fn ids_present_and_unique() {
        let doc = json!({"paths": {
            "/a": {"get": {"operationId": "Same"}, "post": {}},
            "/b": {"put": {"operationId": "Same"}}
        }});
        let e = err(operation_ids(&doc));
        assert!(e.contains("POST /a has no operationId"), "{e}");
        assert!(e.contains("`Same` is used by GET /a and PUT /b"), "{e}");
        assert!(err(has_operations(&json!({"paths": {"/a": {}}}))).contains("no operations"));
    }
}
