//! The OpenAPI document as the rest of the xtask reads it: the bottom layer
//! that `import`, `regen` and `diff` all depend on, and that depends on none
//! of them.
//!
//! - [`HTTP_METHODS`]: the path-item keys that are operations.
//! - [`operations`] / [`operations_mut`]: every operation of a document,
//!   paths in the map's order (serde_json keeps them sorted), methods in
//!   [`HTTP_METHODS`] order.
//! - [`resolve`]: following local `$ref`s.
//! - [`method_name`]: the one rule for the Rust method progenitor makes of
//!   an operation id (also used for its argument names).
//! - [`parse`]: the document as `openapiv3` types, for checks that want the
//!   typed model rather than JSON.
//!
//! The passes themselves rewrite and inspect JSON (`serde_json::Value`):
//! overlays, stripping and normalizing must keep every field as it is,
//! including ones `openapiv3` would drop, so the typed model is used where
//! it is only read.

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use serde_json::{Map, Value};

/// The keys of a path item that are operations, in the order operations are
/// walked.
pub const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of a document, borrowed from it.
#[derive(Clone, Copy)]
pub struct Operation<'a> {
    /// The path template, e.g. `/users/{id}`.
    pub path: &'a str,
    /// The lowercase key under the path item (`get`, `post`, ...).
    pub http_method: &'static str,
    /// The path item, for its shared `parameters`.
    pub item: &'a Value,
    /// The operation object.
    pub op: &'a Value,
}

impl<'a> Operation<'a> {
    /// The `operationId`, if the operation has one.
    pub fn id(&self) -> Option<&'a str> {
        self.op.get("operationId").and_then(Value::as_str)
    }

    /// The uppercase verb (`GET`), as messages and tables show it.
    pub fn verb(&self) -> String {
        self.http_method.to_uppercase()
    }

    /// The path item's parameters, then the operation's own, unresolved.
    pub fn parameters(&self) -> impl Iterator<Item = &'a Value> + 'a {
        let shared = self.item.get("parameters").and_then(Value::as_array);
        let own = self.op.get("parameters").and_then(Value::as_array);
        shared.into_iter().chain(own).flatten()
    }
}

/// Every operation of `doc`: paths in the map's (sorted) order, methods in
/// [`HTTP_METHODS`] order. A document without `paths` has none.
pub fn operations(doc: &Value) -> impl Iterator<Item = Operation<'_>> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            HTTP_METHODS.iter().filter_map(move |http_method| {
                item.get(*http_method).map(|op| Operation {
                    path,
                    http_method,
                    item,
                    op,
                })
            })
        })
}

/// Calls `f(path, http_method, operation)` on every operation of `doc`, in
/// the order of [`operations`], for passes that change them in place.
pub fn operations_mut(doc: &mut Value, mut f: impl FnMut(&str, &'static str, &mut Value)) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for http_method in HTTP_METHODS {
            if let Some(op) = item.get_mut(http_method) {
                f(path, http_method, op);
            }
        }
    }
}

/// How many operations `doc` has.
pub fn count_operations(doc: &Value) -> usize {
    operations(doc).count()
}

/// `doc` as `openapiv3`'s typed model; fails naming what does not fit
/// OpenAPI 3.0.
pub fn parse(doc: &Value) -> Result<openapiv3::OpenAPI> {
    serde_json::from_value(doc.clone()).context("the result is not a valid OpenAPI 3.0 document")
}

/// `value` with local `$ref`s followed (`#/components/...`, chained ones
/// too, at most 16 hops). A reference that points outside the document or
/// at nothing is returned as it is.
pub fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| doc.pointer(p))
        {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

/// The properties of an object schema with its `allOf` parts merged (a
/// later part's property replaces an earlier one of the same name). The
/// schema is resolved; the property schemas are returned as written, so a
/// caller can still see which ones are references.
pub fn properties(doc: &Value, schema: &Value) -> Map<String, Value> {
    let schema = resolve(doc, schema);
    let mut out = Map::new();
    if let Some(parts) = schema["allOf"].as_array() {
        for part in parts {
            out.extend(properties(doc, part));
        }
    }
    if let Some(props) = schema["properties"].as_object() {
        out.extend(props.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    out
}

/// Names of the component schemas `value` refers to directly
/// (`#/components/schemas/<name>`), in the order met.
pub fn schema_refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                found.push(name.to_string());
            }
            map.values().for_each(|v| schema_refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| schema_refs(v, found)),
        _ => {}
    }
}

/// `names` and every component schema they use, transitively.
pub fn schema_closure(doc: &Value, names: Vec<String>) -> BTreeSet<String> {
    let all = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let mut seen = BTreeSet::new();
    let mut todo = names;
    while let Some(name) = todo.pop() {
        if let Some(schema) = all.and_then(|all| all.get(&name))
            && !seen.contains(&name)
        {
            schema_refs(schema, &mut todo);
        }
        seen.insert(name);
    }
    seen
}

/// The Rust method progenitor makes of an operation id (and the argument it
/// makes of a parameter name). The same steps as
/// progenitor-impl 0.15's `util::sanitize(_, Case::Snake)`: quotes dropped,
/// characters that cannot continue an identifier become `-`, snake case; a
/// name that cannot start an identifier gets a leading `_` (progenitor's
/// prefix, unlike typify's `x` for type names) and a keyword a trailing `_`.
pub fn method_name(operation_id: &str) -> String {
    use heck::ToSnakeCase;
    let out = match operation_id {
        "+1" => "plus1".to_string(),
        "-1" => "minus1".to_string(),
        _ => operation_id
            .replace('\'', "")
            .replace(|c: char| !unicode_ident::is_xid_continue(c), "-")
            .to_snake_case(),
    };
    let out = match out.chars().next() {
        None => "x".to_string(),
        Some(c) if unicode_ident::is_xid_start(c) => out,
        Some(_) => format!("_{out}"),
    };
    if is_keyword(&out) {
        format!("{out}_")
    } else {
        out
    }
}

/// Whether progenitor (through typify's `accept_as_ident`) refuses `ident`
/// as it is.
fn is_keyword(ident: &str) -> bool {
    matches!(
        ident,
        "_" | "abstract"
            | "as"
            | "async"
            | "await"
            | "become"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "do"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "final"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "macro"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "override"
            | "priv"
            | "pub"
            | "ref"
            | "return"
            | "Self"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "try"
            | "type"
            | "typeof"
            | "unsafe"
            | "unsized"
            | "use"
            | "virtual"
            | "where"
            | "while"
            | "yield"
    )
}

#[derive(Clone, Copy)]
pub enum Case {
    Pascal,
    Snake,
}

/// The Rust identifier typify makes of a type, variant or field name; the
/// same steps as typify's `sanitize`, keywords aside. (Method and argument
/// names are progenitor's: [`method_name`].)
pub fn rust_name(input: &str, case: Case) -> String {
    use heck::{ToPascalCase, ToSnakeCase};
    let to_case = |s: &str| match case {
        Case::Pascal => s.to_pascal_case(),
        Case::Snake => s.to_snake_case(),
    };
    let out = match input {
        "+1" => "plus1".to_string(),
        "-1" => "minus1".to_string(),
        _ => to_case(
            &input
                .replace('\'', "")
                .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-"),
        ),
    };
    match out.chars().next() {
        None => to_case("x"),
        Some(c) if c.is_alphabetic() => out,
        Some(_) => format!("{}{out}", to_case("x")),
    }
}

/// The Rust type typify makes of a component schema name.
pub fn type_name(schema: &str) -> String {
    rust_name(schema, Case::Pascal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn follows_chains_and_stops_at_dead_ends() {
        let doc = json!({"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"type": "string"}
        }}});
        let a = json!({"$ref": "#/components/schemas/A"});
        assert_eq!(resolve(&doc, &a), &json!({"type": "string"}));
        let missing = json!({"$ref": "#/components/schemas/Nope"});
        assert_eq!(resolve(&doc, &missing), &missing);
        let remote = json!({"$ref": "other.json#/x"});
        assert_eq!(resolve(&doc, &remote), &remote);
    }

    #[test]
    fn method_names_follow_progenitor() {
        assert_eq!(method_name("UserGroup_Delete"), "user_group_delete");
        assert_eq!(method_name("groups_list"), "groups_list");
        assert_eq!(
            method_name("SystemInsightUSBDevices_List"),
            "system_insight_usb_devices_list"
        );
        assert_eq!(method_name("o365s-get"), "o365s_get");
        // progenitor prefixes `_` (typify would prefix `x`) and suffixes keywords.
        assert_eq!(method_name("2fa_get"), "_2fa_get");
        assert_eq!(method_name("type"), "type_");
        assert_eq!(method_name("+1"), "plus1");
    }

    #[test]
    fn walks_paths_in_order_and_methods_in_list_order() {
        let doc = json!({"paths": {
            "/b": {"post": {"operationId": "b_post"}, "get": {"operationId": "b_get"}, "parameters": [1]},
            "/a": {"delete": {}}
        }});
        let seen: Vec<_> = operations(&doc)
            .map(|o| (o.path, o.http_method, o.id()))
            .collect();
        assert_eq!(
            seen,
            [
                ("/a", "delete", None),
                ("/b", "get", Some("b_get")),
                ("/b", "post", Some("b_post")),
            ]
        );
        assert_eq!(count_operations(&doc), 3);
        assert_eq!(operations(&json!({})).count(), 0);
    }
}
