//! Checks run on a document before progenitor sees it.
//!
//! Each catches a shape that would otherwise surface late and far from its
//! cause: Rust names that collide (a compile error deep in a 100k-line
//! file, or a progenitor panic blamed on every operation), query parameters
//! the generated code cannot put on the wire, and schemas no value can
//! satisfy (a type that compiles but never decodes). Every message names the
//! JSONPath of the culprit, which is also the `target` an overlay in
//! `openapi/overlays/<api>/` would use to fix it.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use serde_json::Value;

use crate::spec;
use crate::spec::resolve;
use crate::spec::{Case, rust_name};

/// typify's second try for enum variants whose first names collide.
fn variant_fallback(value: &str) -> String {
    rust_name(
        &value.replace(|c: char| c == '_' || !c.is_alphanumeric(), "X"),
        Case::Pascal,
    )
}

/// Groups of names that map to the same Rust identifier.
fn collisions<'a>(
    names: impl IntoIterator<Item = &'a str>,
    to_rust: impl Fn(&str) -> String,
) -> Vec<(String, Vec<&'a str>)> {
    let mut by_rust: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for name in names {
        by_rust.entry(to_rust(name)).or_default().push(name);
    }
    by_rust.into_iter().filter(|(_, v)| v.len() > 1).collect()
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(" and ")
}

/// `$.a['b']` with the quote escaped as JSONPath wants.
fn member(at: &str, key: &str) -> String {
    format!("{at}['{}']", key.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// All problems found in `doc`; the error lists every one.
pub fn check(doc: &Value) -> Result<()> {
    let problems = problems(doc);
    if problems.is_empty() {
        return Ok(());
    }
    bail!(
        "the document cannot be generated as it stands ({} problem{}):\n  - {}\n\
         Fix each with an action in openapi/overlays/<api>/ whose `target` is the JSONPath shown, \
         then run `cargo xtask import` and `cargo xtask regen`.",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" },
        problems.join("\n  - ")
    )
}

pub fn problems(doc: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let schemas = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    if let Some(schemas) = schemas {
        for (rust, names) in collisions(schemas.keys().map(String::as_str), |n| {
            rust_name(n, Case::Pascal)
        }) {
            found.push(format!(
                "$.components.schemas: {} both become the Rust type `{rust}`; rename or remove one",
                quoted(&names)
            ));
        }
        for (name, schema) in schemas {
            walk_schema(
                doc,
                schema,
                &member("$.components.schemas", name),
                &mut found,
            );
        }
    }
    operations(doc, &mut found);
    found
}

fn operations(doc: &Value, found: &mut Vec<String>) {
    let mut methods: Vec<(String, String)> = Vec::new();
    for operation in spec::operations(doc) {
        {
            let (path, method, item, op) = (
                operation.path,
                operation.http_method,
                operation.item,
                operation.op,
            );
            let at = format!("{}.{method}", member("$.paths", path));
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                methods.push((id.to_string(), at.clone()));
            }
            parameters(doc, item, op, &at, found);
            if let Some(content) = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
            {
                for (media, body) in content {
                    if let Some(schema) = body.get("schema") {
                        let here = member(&format!("{at}.requestBody.content"), media) + ".schema";
                        walk_schema(doc, schema, &here, found);
                    }
                }
            }
            if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                for (code, response) in responses {
                    let Some(content) = response.get("content").and_then(Value::as_object) else {
                        continue;
                    };
                    for (media, body) in content {
                        if let Some(schema) = body.get("schema") {
                            let here = member(
                                &format!("{}.content", member(&format!("{at}.responses"), code)),
                                media,
                            ) + ".schema";
                            walk_schema(doc, schema, &here, found);
                        }
                    }
                }
            }
        }
    }
    let ids: Vec<&str> = methods.iter().map(|(id, _)| id.as_str()).collect();
    for (rust, names) in collisions(ids, spec::method_name) {
        let places: Vec<String> = names
            .iter()
            .map(|n| {
                let at = methods
                    .iter()
                    .find(|(id, _)| id == n)
                    .map(|(_, at)| at.as_str())
                    .unwrap_or("?");
                format!("`{n}` ({at})")
            })
            .collect();
        found.push(format!(
            "operations {} both become the method `{rust}`; change one `operationId`",
            places.join(" and ")
        ));
    }
}

fn parameters(doc: &Value, item: &Value, op: &Value, at: &str, found: &mut Vec<String>) {
    // Operation-level parameters override path-level ones of the same name and place.
    let mut params: Vec<(&Value, String)> = Vec::new();
    for (list, where_) in [
        (item.get("parameters"), "path item"),
        (op.get("parameters"), ""),
    ] {
        let Some(list) = list.and_then(Value::as_array) else {
            continue;
        };
        for (i, p) in list.iter().enumerate() {
            let resolved = resolve(doc, p);
            let key = |v: &Value| (v.get("name").cloned(), v.get("in").cloned());
            params.retain(|(q, _)| key(q) != key(resolved));
            let here = if where_.is_empty() {
                format!("{at}.parameters[{i}]")
            } else {
                let path_at = at.rsplit_once('.').map(|(p, _)| p).unwrap_or(at);
                format!("{path_at}.parameters[{i}]")
            };
            params.push((resolved, here));
        }
    }
    let names: Vec<&str> = params
        .iter()
        .filter_map(|(p, _)| p.get("name").and_then(Value::as_str))
        .collect();
    for (rust, names) in collisions(names, spec::method_name) {
        found.push(format!(
            "{at}: parameters {} both become the Rust argument `{rust}`; remove or rename one",
            quoted(&names)
        ));
    }
    for (param, here) in &params {
        let name = param.get("name").and_then(Value::as_str).unwrap_or("?");
        let place = param.get("in").and_then(Value::as_str).unwrap_or("?");
        let Some(schema) = param.get("schema") else {
            continue;
        };
        let shape = resolve(doc, schema);
        if place == "query" || place == "path" {
            if is_object(doc, shape) {
                found.push(format!(
                    "{here}: {place} parameter `{name}` is an object, which the generated client \
                     cannot put in a URL; describe it as a string or list of strings"
                ));
            } else if shape.get("type").and_then(Value::as_str) == Some("array") {
                let items = shape.get("items").map(|i| resolve(doc, i));
                if let Some(items) = items
                    && (items.get("type").and_then(Value::as_str) == Some("array")
                        || is_object(doc, items))
                {
                    found.push(format!(
                        "{here}: {place} parameter `{name}` is a list of lists or of objects, which \
                         the generated client cannot put in a URL; make its items strings"
                    ));
                }
            }
        }
        walk_schema(doc, schema, &format!("{here}.schema"), found);
    }
}

fn is_object(doc: &Value, schema: &Value) -> bool {
    let schema = resolve(doc, schema);
    schema.get("type").and_then(Value::as_str) == Some("object")
        || (schema.get("type").is_none() && schema.get("properties").is_some())
}

/// The primitive type a schema declares, following `$ref` and `allOf`.
fn declared_type<'a>(doc: &'a Value, schema: &'a Value, depth: usize) -> Option<&'a str> {
    let schema = resolve(doc, schema);
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        return Some(t);
    }
    if schema.get("properties").is_some() {
        return Some("object");
    }
    if depth > 8 {
        return None;
    }
    schema
        .get("allOf")
        .and_then(Value::as_array)?
        .iter()
        .find_map(|s| declared_type(doc, s, depth + 1))
}

fn walk_schema(doc: &Value, schema: &Value, at: &str, found: &mut Vec<String>) {
    let Some(obj) = schema.as_object() else {
        return;
    };
    if obj.contains_key("$ref") {
        return;
    }
    if let Some(props) = obj.get("properties").and_then(Value::as_object) {
        for (rust, names) in collisions(props.keys().map(String::as_str), |n| {
            rust_name(n, Case::Snake)
        }) {
            found.push(format!(
                "{at}.properties: {} both become the Rust field `{rust}`; remove or rename one \
                 (target {})",
                quoted(&names),
                member(&format!("{at}.properties"), names[names.len() - 1])
            ));
        }
        for (name, prop) in props {
            walk_schema(doc, prop, &member(&format!("{at}.properties"), name), found);
        }
    }
    if let Some(values) = obj.get("enum").and_then(Value::as_array) {
        if values.is_empty() {
            found.push(format!(
                "{at}: `enum` lists no values, so no value is valid; remove the `enum` or list the values"
            ));
        }
        let strings: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        let first = collisions(strings.iter().copied(), |v| rust_name(v, Case::Pascal));
        if !first.is_empty() {
            for (rust, names) in collisions(strings.iter().copied(), variant_fallback) {
                found.push(format!(
                    "{at}.enum: values {} both become the Rust variant `{rust}`; remove one",
                    names
                        .iter()
                        .map(|n| format!("{n:?}"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ));
            }
        }
        if let Some(default) = obj.get("default")
            && !values.contains(default)
            && !(default.is_null() && obj.get("nullable") == Some(&Value::Bool(true)))
        {
            found.push(format!(
                "{at}: the default {default} is not one of its `enum` values; change the default or add the value"
            ));
        }
    }
    if let Some(all) = obj.get("allOf").and_then(Value::as_array) {
        let mut kinds: Vec<(&str, usize)> = Vec::new();
        if let Some(t) = obj.get("type").and_then(Value::as_str) {
            kinds.push((t, usize::MAX));
        }
        for (i, s) in all.iter().enumerate() {
            if let Some(t) = declared_type(doc, s, 0) {
                kinds.push((t, i));
            }
        }
        let compatible = |a: &str, b: &str| {
            a == b || matches!((a, b), ("integer", "number") | ("number", "integer"))
        };
        if let Some(((a, _), (b, _))) = kinds.iter().enumerate().find_map(|(i, x)| {
            kinds[i + 1..]
                .iter()
                .find(|y| !compatible(x.0, y.0))
                .map(|y| (x, y))
        }) {
            found.push(format!(
                "{at}.allOf: combines `{a}` and `{b}`; no value is both, so the generated type \
                 could never be decoded; drop the member that does not belong"
            ));
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(list) = obj.get(key).and_then(Value::as_array) {
            for (i, s) in list.iter().enumerate() {
                walk_schema(doc, s, &format!("{at}.{key}[{i}]"), found);
            }
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(s) = obj.get(key) {
            walk_schema(doc, s, &format!("{at}.{key}"), found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(schemas: Value, paths: Value) -> Value {
        json!({"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
               "paths": paths, "components": {"schemas": schemas}})
    }

    fn one(doc: &Value) -> String {
        let found = problems(doc);
        assert_eq!(found.len(), 1, "{found:#?}");
        found[0].clone()
    }

    #[test]
    fn names_follow_typify() {
        assert_eq!(rust_name("fooBar", Case::Snake), "foo_bar");
        assert_eq!(rust_name("foo_bar", Case::Snake), "foo_bar");
        assert_eq!(rust_name("Q", Case::Snake), "q");
        assert_eq!(rust_name("a-b", Case::Pascal), "AB");
        assert_eq!(rust_name("1st", Case::Pascal), "X1st");
        assert_eq!(variant_fallback("a-b"), variant_fallback("a_b"));
        assert_ne!(variant_fallback("on_loan"), variant_fallback("onloan"));
    }

    #[test]
    fn property_collisions_name_the_schema() {
        let d = doc(
            json!({"Gizmo": {"type": "object", "properties": {
                "fooBar": {"type": "string"}, "foo_bar": {"type": "string"}}}}),
            json!({}),
        );
        let p = one(&d);
        assert!(
            p.contains("$.components.schemas['Gizmo'].properties"),
            "{p}"
        );
        assert!(
            p.contains("`fooBar` and `foo_bar`") && p.contains("`foo_bar`"),
            "{p}"
        );
    }

    #[test]
    fn enum_collisions_only_when_typify_gives_up() {
        // Both become `AB`, and typify's second try gives both `AXb`.
        let clash = doc(
            json!({"S": {"type": "string", "enum": ["a b", "a-b"]}}),
            json!({}),
        );
        assert!(one(&clash).contains("$.components.schemas['S'].enum"));
        let fine = doc(
            json!({"S": {"type": "string", "enum": ["on_loan", "OnLoan"]}}),
            json!({}),
        );
        assert!(problems(&fine).is_empty(), "{:?}", problems(&fine));
        let default = doc(
            json!({"S": {"type": "string", "enum": ["a"], "default": "z"}}),
            json!({}),
        );
        assert!(one(&default).contains("default \"z\""));
    }

    #[test]
    fn query_shapes_and_parameter_names() {
        let d = doc(
            json!({"Obj": {"type": "object", "properties": {"x": {"type": "string"}}}}),
            json!({"/a": {"get": {"operationId": "A_Get", "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "Q", "in": "query", "schema": {"type": "string"}},
                {"name": "grid", "in": "query", "schema": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}}},
                {"name": "where", "in": "query", "schema": {"$ref": "#/components/schemas/Obj"}}
            ], "responses": {}}}}),
        );
        let found = problems(&d);
        assert_eq!(found.len(), 3, "{found:#?}");
        assert!(
            found.iter().any(|p| p.contains("`q` and `Q`")),
            "{found:#?}"
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("parameters[2]") && p.contains("`grid`"))
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("parameters[3]") && p.contains("`where`"))
        );
    }

    #[test]
    fn uninhabited_all_of_and_method_collisions() {
        let d = doc(
            json!({"Obj": {"type": "object"},
                   "Both": {"allOf": [{"type": "string"}, {"$ref": "#/components/schemas/Obj"}]}}),
            json!({"/a": {"get": {"operationId": "Gizmo_Get", "responses": {}}},
                   "/b": {"get": {"operationId": "gizmoGet", "responses": {}}}}),
        );
        let found = problems(&d);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(
            found
                .iter()
                .any(|p| p.contains("$.components.schemas['Both'].allOf")
                    && p.contains("`string` and `object`"))
        );
        assert!(
            found
                .iter()
                .any(|p| p.contains("`Gizmo_Get` ($.paths['/a'].get)")
                    && p.contains("`gizmoGet` ($.paths['/b'].get)")
                    && p.contains("`gizmo_get`"))
        );
    }
}
