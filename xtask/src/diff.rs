//! The API change report: what changed between two OpenAPI 3.0 documents,
//! said in terms of what an SDK user sees (methods, their parameters, request
//! and response types, types, fields, enum values), with the changes that
//! break callers marked.
//!
//! `cargo xtask import` prints it for every document it changes, and
//! `cargo xtask diff OLD NEW` prints it for any two documents.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::spec::{self, Operation as Op, method_name, resolve, schema_closure, schema_refs};

/// One change, as a line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Whether code that compiled against the old document may no longer
    /// compile, or may read a value differently.
    pub breaking: bool,
    /// `+ …` added, `- …` removed, `~ …` changed.
    pub line: String,
}

/// Every change between two documents, by section.
#[derive(Debug, Default)]
pub struct Report {
    pub operations: Vec<Change>,
    pub types: Vec<Change>,
}

impl Report {
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty() && self.types.is_empty()
    }

    pub fn breaking(&self) -> usize {
        self.operations
            .iter()
            .chain(&self.types)
            .filter(|c| c.breaking)
            .count()
    }

    /// The report as text, headed by `title`.
    pub fn render(&self, title: &str) -> String {
        if self.is_empty() {
            return format!("{title}: no change for SDK users\n");
        }
        let total = self.operations.len() + self.types.len();
        let mut out = format!(
            "{title}: {total} change{}, {} breaking\n",
            if total == 1 { "" } else { "s" },
            self.breaking()
        );
        for (name, changes) in [("operations", &self.operations), ("types", &self.types)] {
            if changes.is_empty() {
                continue;
            }
            out.push_str(&format!("  {name}:\n"));
            for c in changes {
                let mark = if c.breaking { "  [breaking]" } else { "" };
                out.push_str(&format!("    {}{mark}\n", c.line));
            }
        }
        out
    }
}

/// `cargo xtask diff OLD NEW`.
pub fn run(root: &Path, old: &str, new: &str) -> Result<()> {
    let a = load(root, old)?;
    let b = load(root, new)?;
    print!("{}", compare(&a, &b).render(&format!("{old} → {new}")));
    Ok(())
}

/// A document from a path, or from `REV:path` in git.
fn load(root: &Path, spec: &str) -> Result<Value> {
    let text = if Path::new(spec).exists() {
        std::fs::read_to_string(spec).with_context(|| format!("reading {spec}"))?
    } else if let Some((rev, path)) = spec.split_once(':') {
        let output = Command::new("git")
            .arg("-C")
            .arg(root)
            .arg("show")
            .arg(format!("{rev}:{path}"))
            .output()
            .context("running git")?;
        if !output.status.success() {
            bail!("{spec}: {}", String::from_utf8_lossy(&output.stderr).trim());
        }
        String::from_utf8(output.stdout).with_context(|| format!("{spec} is not UTF-8"))?
    } else {
        bail!("{spec}: no such file (for a git revision write REV:path)");
    };
    let doc: Value = serde_json::from_str(&text).with_context(|| format!("{spec} is not JSON"))?;
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.") => Ok(doc),
        _ => bail!(
            "{spec} is not an OpenAPI 3 document (convert it with `cargo xtask import` first)"
        ),
    }
}

fn change(breaking: bool, line: String) -> Change {
    Change { breaking, line }
}

/// Compares two documents.
pub fn compare(old: &Value, new: &Value) -> Report {
    let mut report = Report::default();
    operations(old, new, &mut report.operations);
    types(old, new, &mut report.types);
    report
}

fn ops(doc: &Value) -> BTreeMap<String, Op<'_>> {
    spec::operations(doc)
        .map(|op| {
            let id = op
                .id()
                .map(str::to_string)
                .unwrap_or_else(|| format!("{} {}", op.verb(), op.path));
            (id, op)
        })
        .collect()
}

fn label(id: &str, op: &Op<'_>) -> String {
    format!("{} ({} {})", method_name(id), op.verb(), op.path)
}

/// A short name for a schema's Rust shape: a type name, `[T]`, `map<T>`,
/// `string(date-time)`, `object`, `any`.
pub fn type_name(schema: &Value) -> String {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_string();
    }
    let format = schema
        .get("format")
        .and_then(Value::as_str)
        .map(|f| format!("({f})"))
        .unwrap_or_default();
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => format!(
            "[{}]",
            schema
                .get("items")
                .map(type_name)
                .unwrap_or_else(|| "any".into())
        ),
        Some("object") | None if schema.get("properties").is_some() => "object".into(),
        Some("object") => match schema.get("additionalProperties") {
            Some(v) if v.is_object() => format!("map<{}>", type_name(v)),
            _ => "object".into(),
        },
        Some(t) => format!("{t}{format}"),
        None => {
            for key in ["allOf", "oneOf", "anyOf"] {
                if let Some(list) = schema.get(key).and_then(Value::as_array) {
                    let names: Vec<String> = list.iter().map(type_name).collect();
                    return format!("{key}({})", names.join(", "));
                }
            }
            "any".into()
        }
    }
}

/// `(in, name) → parameter`, path-level parameters overridden by the operation's.
fn params<'a>(doc: &'a Value, op: &Op<'a>) -> BTreeMap<(String, String), &'a Value> {
    let mut out = BTreeMap::new();
    for list in [op.item.get("parameters"), op.op.get("parameters")] {
        for p in list.and_then(Value::as_array).into_iter().flatten() {
            let p = resolve(doc, p);
            let place = p.get("in").and_then(Value::as_str).unwrap_or("?");
            let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
            out.insert((place.to_string(), name.to_string()), p);
        }
    }
    out
}

fn required(v: &Value) -> bool {
    v.get("required").and_then(Value::as_bool) == Some(true)
}

/// The JSON schema of a request body or response, if any.
fn body_schema<'a>(doc: &'a Value, body: &'a Value) -> Option<&'a Value> {
    let content = resolve(doc, body).get("content")?.as_object()?;
    content
        .get("application/json")
        .or_else(|| content.values().next())?
        .get("schema")
}

/// The typed success response: the first 2xx with a body.
fn success<'a>(doc: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let responses = op.get("responses")?.as_object()?;
    let mut codes: Vec<&String> = responses.keys().filter(|c| c.starts_with('2')).collect();
    codes.sort();
    codes
        .into_iter()
        .find_map(|c| body_schema(doc, &responses[c.as_str()]))
}

fn operations(old: &Value, new: &Value, out: &mut Vec<Change>) {
    let a = ops(old);
    let b = ops(new);
    for (id, op) in &b {
        if !a.contains_key(id) {
            out.push(change(false, format!("+ {}: new operation", label(id, op))));
        }
    }
    for (id, op) in &a {
        if !b.contains_key(id) {
            out.push(change(
                true,
                format!(
                    "- {}: operation removed (its method is gone)",
                    label(id, op)
                ),
            ));
        }
    }
    for (id, x) in &a {
        let Some(y) = b.get(id) else { continue };
        let name = label(id, y);
        if x.http_method != y.http_method || x.path != y.path {
            out.push(change(
                false,
                format!("~ {name}: was {} {}", x.verb(), x.path),
            ));
        }
        let (pa, pb) = (params(old, x), params(new, y));
        for ((place, pname), p) in &pb {
            if !pa.contains_key(&(place.clone(), pname.clone())) {
                let req = required(p);
                out.push(change(
                    req,
                    format!(
                        "~ {name}: {} {place} parameter `{pname}` added ({})",
                        if req { "required" } else { "optional" },
                        p.get("schema").map(type_name).unwrap_or_default()
                    ),
                ));
            }
        }
        for ((place, pname), p) in &pa {
            let Some(q) = pb.get(&(place.clone(), pname.clone())) else {
                out.push(change(
                    true,
                    format!("~ {name}: {place} parameter `{pname}` removed"),
                ));
                continue;
            };
            if !required(p) && required(q) {
                out.push(change(
                    true,
                    format!("~ {name}: {place} parameter `{pname}` is now required"),
                ));
            }
            if let (Some(s), Some(t)) = (p.get("schema"), q.get("schema")) {
                schema(&format!("{name}: {place} parameter `{pname}`"), s, t, out);
            }
        }
        let (sa, sb) = (
            x.op.get("requestBody").and_then(|b| body_schema(old, b)),
            y.op.get("requestBody").and_then(|b| body_schema(new, b)),
        );
        match (sa, sb) {
            (None, Some(t)) => out.push(change(
                true,
                format!("~ {name}: now takes a request body ({})", type_name(t)),
            )),
            (Some(_), None) => out.push(change(
                true,
                format!("~ {name}: no longer takes a request body"),
            )),
            (Some(s), Some(t)) => schema(&format!("{name}: request body"), s, t, out),
            (None, None) => {}
        }
        match (success(old, x.op), success(new, y.op)) {
            (None, Some(t)) => out.push(change(
                true,
                format!("~ {name}: now returns {} (was no body)", type_name(t)),
            )),
            (Some(s), None) => out.push(change(
                true,
                format!("~ {name}: no longer returns a body (was {})", type_name(s)),
            )),
            (Some(s), Some(t)) => schema(&format!("{name}: response"), s, t, out),
            (None, None) => {}
        }
    }
}

/// Compares two schemas found at the same place. Named (`$ref`) schemas are
/// compared once, in the types section; here only their names.
fn schema(at: &str, a: &Value, b: &Value, out: &mut Vec<Change>) {
    let (ta, tb) = (type_name(a), type_name(b));
    if ta != tb {
        out.push(change(true, format!("~ {at}: retyped {ta} → {tb}")));
        return;
    }
    if a.get("$ref").is_some() {
        return;
    }
    let empty = serde_json::Map::new();
    let props = |s: &Value| s.get("properties").and_then(Value::as_object).cloned();
    let (pa, pb) = (props(a), props(b));
    let (pa, pb) = (pa.as_ref().unwrap_or(&empty), pb.as_ref().unwrap_or(&empty));
    let req = |s: &Value, p: &str| {
        s.get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|v| v == p))
    };
    for (name, p) in pb {
        if !pa.contains_key(name) {
            let required = req(b, name);
            out.push(change(
                required,
                format!(
                    "~ {at}: {} property `{name}` added ({})",
                    if required { "required" } else { "optional" },
                    type_name(p)
                ),
            ));
        }
    }
    for (name, p) in pa {
        let Some(q) = pb.get(name) else {
            out.push(change(
                true,
                format!("~ {at}: property `{name}` removed (was {})", type_name(p)),
            ));
            continue;
        };
        match (req(a, name), req(b, name)) {
            (false, true) => out.push(change(
                true,
                format!("~ {at}: property `{name}` is now required"),
            )),
            (true, false) => out.push(change(
                true,
                format!("~ {at}: property `{name}` is now optional"),
            )),
            _ => {}
        }
        schema(&format!("{at}.{name}"), p, q, out);
    }
    let values = |s: &Value| -> Vec<Value> {
        s.get("enum")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let (ea, eb) = (values(a), values(b));
    for v in &eb {
        if !ea.contains(v) && !ea.is_empty() {
            out.push(change(
                false,
                format!("~ {at}: enum value {v} added (read as `Unknown` before)"),
            ));
        }
    }
    for v in &ea {
        if !eb.contains(v) {
            out.push(change(true, format!("~ {at}: enum value {v} removed")));
        }
    }
    if let (Some(x), Some(y)) = (a.get("items"), b.get("items")) {
        schema(&format!("{at}[]"), x, y, out);
    }
}

fn schemas(doc: &Value) -> BTreeMap<&str, &Value> {
    doc.pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default()
}

/// The component schemas some operation uses, directly or through others.
fn reachable(doc: &Value) -> BTreeSet<String> {
    let mut todo = Vec::new();
    if let Some(paths) = doc.get("paths") {
        schema_refs(paths, &mut todo);
    }
    for key in ["parameters", "requestBodies", "responses"] {
        if let Some(shared) = doc.get("components").and_then(|c| c.get(key)) {
            schema_refs(shared, &mut todo);
        }
    }
    schema_closure(doc, todo)
}

fn types(old: &Value, new: &Value, out: &mut Vec<Change>) {
    let (a, b) = (schemas(old), schemas(new));
    for name in b.keys() {
        if !a.contains_key(name) {
            out.push(change(false, format!("+ {name}: new type")));
        }
    }
    for name in a.keys() {
        if !b.contains_key(name) {
            out.push(change(true, format!("- {name}: type removed")));
        }
    }
    for (name, s) in &a {
        if let Some(t) = b.get(name) {
            schema(name, s, t, out);
        }
    }
    let (ra, rb) = (reachable(old), reachable(new));
    for name in b.keys() {
        if ra.contains(*name) && !rb.contains(*name) {
            out.push(change(
                false,
                format!(
                    "~ {name}: no longer used by any operation (still generated; remove it with an \
                     overlay if it is obsolete)"
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lines(r: &Report) -> Vec<String> {
        r.operations
            .iter()
            .chain(&r.types)
            .map(|c| format!("{}{}", c.line, if c.breaking { " !" } else { "" }))
            .collect()
    }

    #[test]
    fn reports_what_users_see() {
        let old = json!({"openapi": "3.0.3", "paths": {
            "/a": {"get": {"operationId": "A_List", "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/A"}}}}}}}},
            "/b": {"delete": {"operationId": "B_Delete", "responses": {"204": {}}}}
        }, "components": {"schemas": {
            "A": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"}, "n": {"type": "integer"},
                "s": {"type": "string", "enum": ["x", "y"]}}},
            "Old": {"type": "object"}
        }}});
        let new = json!({"openapi": "3.0.3", "paths": {
            "/a": {"get": {"operationId": "A_List", "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "string"}},
                {"name": "q", "in": "query", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/A"}}}}}}}}
        }, "components": {"schemas": {
            "A": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"}, "n": {"type": "string"}, "c": {"type": "string"},
                "s": {"type": "string", "enum": ["x", "z"]}}},
            "New": {"type": "object"}
        }}});
        let r = compare(&old, &new);
        assert_eq!(
            lines(&r),
            vec![
                "- b_delete (DELETE /b): operation removed (its method is gone) !",
                "~ a_list (GET /a): required query parameter `q` added (string) !",
                "~ a_list (GET /a): query parameter `limit`: retyped integer → string !",
                "+ New: new type",
                "- Old: type removed !",
                "~ A: optional property `c` added (string)",
                "~ A.n: retyped integer → string !",
                "~ A.s: enum value \"z\" added (read as `Unknown` before)",
                "~ A.s: enum value \"y\" removed !",
            ]
        );
        assert_eq!(r.breaking(), 6);
        assert!(compare(&new, &new).is_empty());
    }
}
