//! Rules that hold for every imported document, applied in code rather than
//! overlays because they are about the document's shape, not about one
//! endpoint.

use anyhow::{Result, bail};
use serde_json::{Map, Value, json};

use crate::api::Api;
use crate::spec::{self, HTTP_METHODS};

/// Headers the client's hooks own. A document that declares them as
/// parameters would turn them into per-call arguments.
const HOOK_HEADERS: &[&str] = &["x-api-key", "x-org-id", "authorization"];

/// Run before the overlays.
pub fn normalize(api: Api, doc: &mut Value) -> Result<()> {
    let Some(obj) = doc.as_object_mut() else {
        bail!("the document is not a JSON object");
    };
    // Our own identity; the version is the upstream document's.
    let version = obj
        .get("info")
        .and_then(|i| i.get("version"))
        .cloned()
        .unwrap_or_else(|| json!("unknown"));
    obj.insert(
        "info".into(),
        json!({ "title": api.title(), "version": version }),
    );
    obj.insert("openapi".into(), json!("3.0.3"));
    let components = obj.get("components").cloned().unwrap_or(Value::Null);
    if let Some(paths) = obj.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            drop_hook_headers(item.get_mut("parameters"), &components);
            for method in HTTP_METHODS {
                if let Some(op) = item.get_mut(method).and_then(Value::as_object_mut) {
                    drop_hook_headers(op.get_mut("parameters"), &components);
                }
            }
        }
    }
    // Error answers carry no body type: the client reads JumpCloud's error
    // bodies itself (they come in several shapes whatever a spec says), and
    // progenitor takes one error type per operation while the documentation
    // site's spec declares several.
    // A 204 has no body, whatever content a spec declares for it.
    spec::operations_mut(doc, |_, _, op| {
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            for (status, response) in responses.iter_mut() {
                if status.starts_with('4')
                    || status.starts_with('5')
                    || status == "default"
                    || status == "204"
                {
                    *response = json!({ "description": "" });
                }
            }
        }
    });
    array_defaults(doc);
    // With every reference gone, the shared definitions go too.
    if let Some(shared) = doc
        .pointer_mut("/components/parameters")
        .and_then(Value::as_object_mut)
    {
        shared.retain(|_, p| !is_hook_header(p));
    }
    tidy(doc);
    Ok(())
}

/// An array schema whose `default` is a string (the documentation site's
/// spec writes `"[]"`) gets the array the string spells, or no default when
/// it spells none: a string is not a value of the type.
fn array_defaults(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.get("type").and_then(Value::as_str) == Some("array")
                && let Some(Value::String(text)) = map.get("default")
            {
                match serde_json::from_str::<Value>(text) {
                    Ok(parsed @ Value::Array(_)) => {
                        map.insert("default".into(), parsed);
                    }
                    _ => {
                        map.remove("default");
                    }
                }
            }
            map.values_mut().for_each(array_defaults);
        }
        Value::Array(items) => items.iter_mut().for_each(array_defaults),
        _ => {}
    }
}

fn is_hook_header(param: &Value) -> bool {
    let is_header = param.get("in").and_then(Value::as_str) == Some("header");
    let name = param.get("name").and_then(Value::as_str).unwrap_or("");
    is_header && HOOK_HEADERS.contains(&name.to_ascii_lowercase().as_str())
}

/// Run after the overlays too: drops path items without operations and gives
/// every response the (required, empty) description OpenAPI demands.
pub fn tidy(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        paths.retain(|_, item| {
            item.as_object()
                .is_some_and(|item| item.keys().any(|k| HTTP_METHODS.contains(&k.as_str())))
        });
    }
    spec::operations_mut(doc, |_, _, op| {
        if let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) {
            describe_responses(responses);
        }
    });
    if let Some(responses) = doc
        .pointer_mut("/components/responses")
        .and_then(Value::as_object_mut)
    {
        describe_responses(responses);
    }
}

fn describe_responses(responses: &mut Map<String, Value>) {
    for response in responses.values_mut() {
        if let Some(r) = response.as_object_mut()
            && !r.contains_key("$ref")
            && !r.contains_key("description")
        {
            r.insert("description".into(), json!(""));
        }
    }
}

fn drop_hook_headers(params: Option<&mut Value>, components: &Value) {
    let Some(params) = params.and_then(Value::as_array_mut) else {
        return;
    };
    params.retain(|p| {
        let resolved = match p.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix("#/components/parameters/")
                .and_then(|name| components.get("parameters")?.get(name))
                .unwrap_or(p),
            None => p,
        };
        !is_hook_header(resolved)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_path_items_go_and_hook_headers_are_not_parameters() {
        let mut doc = json!({
            "openapi": "3.0.0",
            "info": {"title": "x", "version": "1.0"},
            "paths": {
                "/empty": {"parameters": []},
                "/x": {"get": {
                    "parameters": [
                        {"name": "x-org-id", "in": "header"},
                        {"$ref": "#/components/parameters/auth"},
                        {"name": "limit", "in": "query"}
                    ],
                    "responses": {"200": {}}
                }}
            },
            "components": {"parameters": {"auth": {"name": "Authorization", "in": "header"}}}
        });
        normalize(Api::V2, &mut doc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            doc["info"],
            json!({"title": "JumpCloud API v2", "version": "1.0"})
        );
        assert!(doc["paths"].get("/empty").is_none());
        assert_eq!(
            doc["paths"]["/x"]["get"]["parameters"],
            json!([{"name": "limit", "in": "query"}])
        );
        assert_eq!(
            doc["paths"]["/x"]["get"]["responses"]["200"],
            json!({"description": ""})
        );
    }
}
