//! Running progenitor, with its panics turned into errors that name the
//! operation at fault.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow, bail};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::import::METHODS;

fn settings() -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(quote!(crate::Hooks))
        .with_derive("PartialEq");
    settings
}

/// progenitor's token stream for the whole document.
pub fn client(doc: &Value) -> Result<TokenStream> {
    match attempt(doc) {
        Ok(tokens) => Ok(tokens),
        Err(whole) => {
            let ops = operations(doc);
            let culprits = bisect(doc, &ops);
            if culprits.is_empty() {
                return Err(whole.context("progenitor failed on the document as a whole"));
            }
            let named: Vec<String> = culprits
                .iter()
                .map(|(path, method, why)| {
                    let id = doc["paths"][path][method]["operationId"]
                        .as_str()
                        .unwrap_or("?");
                    format!("{id} ({} {path}): {why}", method.to_uppercase())
                })
                .collect();
            bail!("progenitor cannot generate:\n  {}", named.join("\n  "))
        }
    }
}

/// One generation, with a panic reported as an error.
fn attempt(doc: &Value) -> Result<TokenStream> {
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(doc.clone()).context("not an OpenAPI 3.0 document")?;
    let message = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&message);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut m) = sink.lock() {
            *m = info.to_string();
        }
    }));
    let result = catch_unwind(AssertUnwindSafe(|| {
        progenitor::Generator::new(&settings()).generate_tokens(&spec)
    }));
    std::panic::set_hook(previous);
    match result {
        Ok(Ok(tokens)) => Ok(tokens),
        Ok(Err(e)) => Err(anyhow!("{e}")),
        Err(_) => {
            let m = message.lock().map(|m| m.clone()).unwrap_or_default();
            Err(anyhow!("progenitor panicked: {m}"))
        }
    }
}

fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut ops = Vec::new();
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in METHODS {
                if item.get(method).is_some() {
                    ops.push((path.clone(), method.to_string()));
                }
            }
        }
    }
    ops
}

/// The document with only `ops` left in `paths`.
fn subset(doc: &Value, ops: &[(String, String)]) -> Value {
    let mut out = doc.clone();
    let mut paths = serde_json::Map::new();
    for (path, method) in ops {
        let item = paths.entry(path.clone()).or_insert_with(|| {
            let mut item = doc["paths"][path].clone();
            if let Some(obj) = item.as_object_mut() {
                obj.retain(|k, _| !METHODS.contains(&k.as_str()));
            }
            item
        });
        item[method.as_str()] = doc["paths"][path][method.as_str()].clone();
    }
    out["paths"] = Value::Object(paths);
    out
}

/// The operations that make generation fail on their own, with the reason.
fn bisect(doc: &Value, ops: &[(String, String)]) -> Vec<(String, String, String)> {
    match attempt(&subset(doc, ops)) {
        Ok(_) => Vec::new(),
        Err(e) if ops.len() == 1 => vec![(ops[0].0.clone(), ops[0].1.clone(), format!("{e:#}"))],
        Err(_) => {
            let (a, b) = ops.split_at(ops.len() / 2);
            let mut found = bisect(doc, a);
            found.extend(bisect(doc, b));
            found
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_panicking_operation_is_named() {
        // 200 with a body and 204 without: progenitor asserts on this shape.
        let doc = json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/ok": {"get": {"operationId": "Fine_Get", "responses": {"204": {"description": ""}}}},
                "/bad/{id}": {"delete": {
                    "operationId": "Bad_Delete",
                    "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {"description": "", "content": {"application/json": {"schema": {"type": "object"}}}},
                        "204": {"description": ""}
                    }
                }}
            }
        });
        let err = client(&doc)
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(err.contains("Bad_Delete (DELETE /bad/{id})"), "{err}");
        assert!(!err.contains("Fine_Get"), "{err}");
    }
}
