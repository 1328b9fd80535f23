//! Running progenitor, with its panics turned into errors that name the
//! component schema or the operation at fault, and [`rustfmt`], which
//! formats every file the regen writes.

use std::collections::BTreeSet;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow, bail};
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::spec;

/// The extension by which a component schema names the hand-written type
/// that stands for it (a path inside `jumpcloud-api`, e.g.
/// `crate::event::Event`); progenitor then generates no type for it.
pub const RUST_TYPE: &str = "x-jumpcloud-rust-type";

fn settings(doc: &Value) -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(quote!(crate::Sender))
        .with_derive("PartialEq");
    for (name, path) in replacements(doc) {
        settings.with_replacement(name, path, std::iter::empty());
    }
    settings
}

/// Component schema → the Rust type its [`RUST_TYPE`] names.
fn replacements(doc: &Value) -> Vec<(String, String)> {
    doc["components"]["schemas"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, schema)| {
            let path = schema.get(RUST_TYPE)?.as_str()?;
            Some((name.clone(), path.to_owned()))
        })
        .collect()
}

/// progenitor's token stream for the whole document.
pub fn client(doc: &Value) -> Result<TokenStream> {
    match attempt(doc) {
        Ok(tokens) => Ok(tokens),
        Err(whole) => {
            // progenitor generates every component schema whatever the
            // operations, so a bad schema fails every subset of operations:
            // look for those first.
            let schemas = bad_schemas(doc);
            if !schemas.is_empty() {
                let named: Vec<String> = schemas
                    .iter()
                    .map(|(name, why)| format!("$.components.schemas['{name}']: {why}"))
                    .collect();
                bail!(
                    "progenitor cannot generate these schemas (fix each with an overlay):\n  {}",
                    named.join("\n  ")
                );
            }
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
        progenitor::Generator::new(&settings(doc)).generate_tokens(&spec)
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
    spec::operations(doc)
        .map(|op| (op.path.to_string(), op.http_method.to_string()))
        .collect()
}

/// The document with only `ops` left in `paths`.
fn subset(doc: &Value, ops: &[(String, String)]) -> Value {
    let mut out = doc.clone();
    let mut paths = serde_json::Map::new();
    for (path, method) in ops {
        let item = paths.entry(path.clone()).or_insert_with(|| {
            let mut item = doc["paths"][path].clone();
            if let Some(obj) = item.as_object_mut() {
                obj.retain(|k, _| !spec::HTTP_METHODS.contains(&k.as_str()));
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

/// The document without operations and with only `names` (and what they
/// use) among the component schemas.
fn schema_subset(doc: &Value, names: &[String]) -> Value {
    let mut out = doc.clone();
    out["paths"] = Value::Object(serde_json::Map::new());
    let keep = crate::spec::schema_closure(doc, names.to_vec());
    if let Some(schemas) = out
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        schemas.retain(|name, _| keep.contains(name));
    }
    out
}

/// The component schemas that make generation fail on their own (not merely
/// because a schema they use fails), with the reason.
fn bad_schemas(doc: &Value) -> Vec<(String, String)> {
    let names: Vec<String> = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    if names.is_empty() || attempt(&schema_subset(doc, &names)).is_ok() {
        return Vec::new();
    }
    fn bisect(doc: &Value, names: &[String]) -> Vec<(String, String)> {
        match attempt(&schema_subset(doc, names)) {
            Ok(_) => Vec::new(),
            Err(e) if names.len() == 1 => vec![(names[0].clone(), format!("{e:#}"))],
            Err(_) => {
                let (a, b) = names.split_at(names.len() / 2);
                let mut found = bisect(doc, a);
                found.extend(bisect(doc, b));
                found
            }
        }
    }
    let found = bisect(doc, &names);
    let culprits: BTreeSet<&String> = found.iter().map(|(n, _)| n).collect();
    found
        .iter()
        .filter(|(name, _)| {
            !crate::spec::schema_closure(doc, vec![name.clone()])
                .iter()
                .any(|used| used != name && culprits.contains(used))
        })
        .cloned()
        .collect()
}

/// `code` as rustfmt formats it (edition 2024).
pub fn rustfmt(code: &str) -> Result<String> {
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running rustfmt (rustup component add rustfmt)")?;
    let mut stdin = child.stdin.take().context("rustfmt's stdin")?;
    let input = code.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().context("waiting for rustfmt")?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("writing to rustfmt panicked"))?
        .context("writing to rustfmt")?;
    if !output.status.success() {
        bail!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    String::from_utf8(output.stdout).context("rustfmt's output is not UTF-8")
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

    #[test]
    fn a_bad_schema_is_named_not_every_operation() {
        // A default outside the enum makes typify fail on the schema itself;
        // `Holder` fails only because it uses `Bad`.
        let doc = json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/a": {"get": {"operationId": "A_Get", "responses": {"200": {"description": "",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Holder"}}}}}}},
                "/b": {"get": {"operationId": "B_Get", "responses": {"204": {"description": ""}}}}
            },
            "components": {"schemas": {
                "Bad": {"type": "string", "enum": ["a-b", "a_b"]},
                "Holder": {"type": "object", "properties": {"bad": {"$ref": "#/components/schemas/Bad"}}},
                "Fine": {"type": "string"}
            }}
        });
        let err = client(&doc)
            .err()
            .map(|e| format!("{e:#}"))
            .unwrap_or_default();
        assert!(err.contains("$.components.schemas['Bad']"), "{err}");
        assert!(!err.contains("Holder") && !err.contains("A_Get"), "{err}");
    }
}
