//! Which operations page, and how, read from the document.
//!
//! An operation pages when it takes a position and a page size: `limit` and
//! `skip` in the query (offset) or in the request body (body offset), a page
//! token in the query whose successor comes back in the body (token), or a
//! `search_after` cursor in the body (cursor). The answer must hold a list:
//! a bare array, or an object with one array property (`results`,
//! `records`, `users`, …), maybe beside a count. Anything else that takes
//! `limit`/`skip` (one object back) is not a listing.
//!
//! The facts found here (`facts::Fact`) become the `paging` column of
//! `OPERATIONS` and the generated `PagedRequest` implementations (see
//! `request.rs`).

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use heck::ToSnakeCase;
use serde_json::{Map, Value};

use super::facts::{Fact, ItemsFrom, Kind, Param, Total};
use crate::api::Api;
use crate::spec;
use crate::spec::resolve;

/// The default page-size maximum where the document states none: 100 on
/// v1 and v2 lists (the server answers 400 above it), 10,000 on Directory
/// Insights.
fn default_max(api: Api) -> u32 {
    match api {
        Api::Insights => 10_000,
        _ => 100,
    }
}

const ITEM_PROPERTIES: [&str; 6] = ["results", "records", "users", "data", "items", "events"];
const COUNT_PROPERTIES: [&str; 3] = ["totalCount", "total_count", "total"];
const TOKEN_PAIRS: [(&str, &str, &[&str]); 2] = [
    ("pageToken", "nextPageToken", &["maxResults", "limit"]),
    ("skipToken", "skipToken", &["top", "limit"]),
];

/// The paging facts of every listing, by operationId.
pub fn derive(api: Api, doc: &Value) -> Result<BTreeMap<String, Fact>> {
    let mut out = BTreeMap::new();
    for operation in spec::operations(doc) {
        {
            let Some(id) = operation.id() else {
                continue;
            };
            let (method, path) = (operation.http_method, operation.path);
            if let Some(fact) = derive_one(api, doc, operation.item, operation.op)
                .map_err(|e| e.context(format!("paging of {id} ({method} {path})")))?
            {
                out.insert(id.to_string(), fact);
            }
        }
    }
    Ok(out)
}

fn derive_one(api: Api, doc: &Value, item: &Value, op: &Value) -> Result<Option<Fact>> {
    let query = query_parameters(doc, item, op);
    let body = request_properties(doc, op);
    let Some((items, count, untyped)) = response_shape(doc, op) else {
        return Ok(None);
    };
    let items_from = if untyped {
        ItemsFrom::Json
    } else {
        match &items {
            None => ItemsFrom::Array,
            Some(p) => ItemsFrom::Property(p.to_snake_case()),
        }
    };
    let body_total = count.map(|c| c.to_snake_case());
    let param = |name: &str| {
        query.get(name).map(|schema| Param {
            rust: name.to_snake_case(),
            string: schema["type"] == "string",
        })
    };
    let maximum = |schema: Option<&Value>| {
        schema
            .and_then(|s| s["maximum"].as_u64())
            .and_then(|m| u32::try_from(m).ok())
            .unwrap_or(default_max(api))
    };
    let item_schema = item_schema(doc, op, items.as_deref());
    let kind;
    let max;
    if body.contains_key("search_after") && body.contains_key("limit") {
        kind = Kind::Cursor {
            limit: "limit".into(),
            cursor: "search_after".into(),
        };
        max = maximum(body.get("limit"));
    } else if body.get("limit").is_some_and(|l| l["type"] == "integer")
        && body.get("skip").is_some_and(|s| s["type"] == "integer")
    {
        // Before the query form: an operation that takes both (v1 searches)
        // is paged through the body, and the query mirrors it.
        kind = Kind::BodyOffset {
            limit: "limit".into(),
            skip: "skip".into(),
            query: param("limit").zip(param("skip")),
        };
        max = maximum(body.get("limit"));
    } else if let (Some(limit), Some(skip)) = (param("limit"), param("skip")) {
        let sort = query
            .get("sort")
            .filter(|s| s["type"] == "array" && s["items"]["type"] == "string")
            .map(|_| "sort".to_string());
        max = maximum(query.get("limit"));
        kind = Kind::Offset { limit, skip, sort };
    } else if let Some((token, next, size)) = TOKEN_PAIRS.iter().find_map(|(token, next, sizes)| {
        let size = sizes.iter().find_map(|s| param(s))?;
        let response_has_next = response_properties(doc, op).contains_key(*next);
        (query.contains_key(*token) && response_has_next).then_some((token, next, size))
    }) {
        max = maximum(query.get(&size.rust));
        kind = Kind::Token {
            size,
            token: token.to_snake_case(),
            next: next.to_snake_case(),
        };
    } else {
        return Ok(None);
    }
    if max == 0 {
        bail!("the page size maximum is 0");
    }
    let total = match (&kind, body_total, &items_from) {
        (Kind::Token { .. } | Kind::Cursor { .. }, _, _) => Total::None,
        (_, Some(prop), _) => Total::Body(prop),
        (_, None, ItemsFrom::Json) => Total::Header,
        (_, None, _) if api == Api::V2 => Total::Header,
        _ => Total::None,
    };
    let stable_sort = match &kind {
        Kind::Offset { sort: Some(_), .. } => item_schema
            .and_then(|s| s["properties"].as_object())
            .filter(|p| p.contains_key("_id") || p.contains_key("id"))
            .map(|_| "_id".to_string()),
        _ => None,
    };
    Ok(Some(Fact {
        kind,
        total,
        items: items_from,
        max,
        stable_sort,
    }))
}

/// The properties of an object schema, `allOf` parts merged, each one
/// resolved.
fn properties(doc: &Value, schema: &Value) -> Map<String, Value> {
    spec::properties(doc, schema)
        .into_iter()
        .map(|(k, v)| {
            let v = resolve(doc, &v).clone();
            (k, v)
        })
        .collect()
}

fn query_parameters(doc: &Value, item: &Value, op: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    let all = item["parameters"]
        .as_array()
        .into_iter()
        .chain(op["parameters"].as_array())
        .flatten();
    for p in all {
        let p = resolve(doc, p);
        if p["in"] == "query"
            && let Some(name) = p["name"].as_str()
        {
            out.insert(name.to_string(), resolve(doc, &p["schema"]).clone());
        }
    }
    out
}

fn request_properties(doc: &Value, op: &Value) -> Map<String, Value> {
    let body = resolve(doc, &op["requestBody"]);
    let schema = &body["content"]["application/json"]["schema"];
    if schema.is_null() {
        return Map::new();
    }
    properties(doc, schema)
}

fn success_schema<'a>(doc: &'a Value, op: &'a Value) -> Option<&'a Value> {
    ["200", "201"]
        .iter()
        .find_map(|code| op["responses"].get(*code))
        .map(|r| &resolve(doc, r)["content"]["application/json"]["schema"])
        .filter(|s| !s.is_null())
}

fn response_properties(doc: &Value, op: &Value) -> Map<String, Value> {
    success_schema(doc, op)
        .map(|s| properties(doc, s))
        .unwrap_or_default()
}

/// `(items property, count property, untyped)` of a list answer, or `None`
/// when the answer is not a list.
fn response_shape(doc: &Value, op: &Value) -> Option<(Option<String>, Option<String>, bool)> {
    let Some(schema) = success_schema(doc, op) else {
        // A 200 without a declared body (seed-only listings) is untyped JSON.
        return op["responses"]
            .get("200")
            .is_some()
            .then_some((None, None, true));
    };
    let schema = resolve(doc, schema);
    if schema["type"] == "array" {
        return Some((None, None, false));
    }
    let props = properties(doc, schema);
    if props.is_empty() {
        let untyped = schema["type"].is_null() || schema["type"] == "object";
        return untyped.then_some((None, None, true));
    }
    let arrays: Vec<&String> = props
        .iter()
        .filter(|(_, v)| v["type"] == "array")
        .map(|(k, _)| k)
        .collect();
    let count = COUNT_PROPERTIES
        .iter()
        .find(|c| {
            props
                .get(**c)
                .is_some_and(|v| v["type"] == "integer" || v["type"] == "number")
        })
        .map(|c| c.to_string());
    // A lone array beside a count is the page too; a lone array in an
    // object without one is more likely a field of a single object.
    let items = ITEM_PROPERTIES
        .iter()
        .find(|p| arrays.iter().any(|a| a == *p))
        .map(|p| p.to_string())
        .or_else(|| (arrays.len() == 1 && count.is_some()).then(|| arrays[0].clone()))?;
    Some((Some(items), count, false))
}

/// The schema of one item of the list answer.
fn item_schema<'a>(doc: &'a Value, op: &'a Value, property: Option<&str>) -> Option<&'a Value> {
    let schema = resolve(doc, success_schema(doc, op)?);
    let array = match property {
        None => schema,
        Some(p) => resolve(doc, schema["properties"].get(p)?),
    };
    Some(resolve(doc, &array["items"]))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(paths: Value) -> Value {
        json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": paths,
            "components": {"schemas": {
                "Thing": {"type": "object", "properties": {"_id": {"type": "string"}}},
                "Row": {"type": "object", "properties": {"system_id": {"type": "string"}}}
            }}
        })
    }

    fn param(name: &str, schema: Value) -> Value {
        json!({"name": name, "in": "query", "schema": schema})
    }

    #[test]
    fn offset_lists_with_header_total_and_stable_sort() {
        let d = doc(json!({
            "/things": {"get": {
                "operationId": "Thing_List",
                "parameters": [
                    param("limit", json!({"type": "integer", "maximum": 100})),
                    param("skip", json!({"type": "integer"})),
                    param("sort", json!({"type": "array", "items": {"type": "string"}}))
                ],
                "responses": {"200": {"content": {"application/json": {"schema":
                    {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}}}}}
            }},
            "/rows": {"get": {
                "operationId": "Row_List",
                "parameters": [
                    param("limit", json!({"type": "string"})),
                    param("skip", json!({"type": "string"})),
                    param("sort", json!({"type": "array", "items": {"type": "string"}}))
                ],
                "responses": {"200": {"content": {"application/json": {"schema":
                    {"type": "array", "items": {"$ref": "#/components/schemas/Row"}}}}}}
            }},
            "/one": {"get": {
                "operationId": "One_Get",
                "parameters": [param("limit", json!({"type": "integer"})), param("skip", json!({"type": "integer"}))],
                "responses": {"200": {"content": {"application/json": {"schema":
                    {"type": "object", "properties": {"name": {"type": "string"}}}}}}}
            }}
        }));
        let facts = derive(Api::V2, &d).unwrap();
        let things = &facts["Thing_List"];
        assert_eq!(things.total, Total::Header);
        assert_eq!(things.items, ItemsFrom::Array);
        assert_eq!(things.max, 100);
        assert_eq!(things.stable_sort.as_deref(), Some("_id"));
        let rows = &facts["Row_List"];
        assert_eq!(rows.stable_sort, None, "rows have no id to sort by");
        assert!(matches!(&rows.kind, Kind::Offset { limit, .. } if limit.string));
        assert!(
            !facts.contains_key("One_Get"),
            "one object back is not a list"
        );
    }

    #[test]
    fn body_offset_token_and_cursor() {
        let d = doc(json!({
            "/search/things": {"post": {
                "operationId": "Thing_Search",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "limit": {"type": "integer"}, "skip": {"type": "integer"}}}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "results": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                    "totalCount": {"type": "integer"}}}}}}}
            }},
            "/import": {"get": {
                "operationId": "Import_List",
                "parameters": [param("pageToken", json!({"type": "string"})), param("maxResults", json!({"type": "integer"}))],
                "responses": {"200": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "users": {"type": "array", "items": {"type": "object"}},
                    "nextPageToken": {"type": "string"}}}}}}}
            }},
            "/events": {"post": {
                "operationId": "Event_Get",
                "requestBody": {"content": {"application/json": {"schema": {"allOf": [
                    {"type": "object", "properties": {"search_after": {"type": "array", "items": {}}}},
                    {"type": "object", "properties": {"limit": {"type": "integer"}}}
                ]}}}},
                "responses": {"200": {"content": {"application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}}
            }}
        }));
        let facts = derive(Api::V1, &d).unwrap();
        let search = &facts["Thing_Search"];
        assert!(matches!(search.kind, Kind::BodyOffset { .. }));
        assert_eq!(search.total, Total::Body("total_count".into()));
        assert_eq!(search.items, ItemsFrom::Property("results".into()));
        let import = &facts["Import_List"];
        assert_eq!(
            import.kind,
            Kind::Token {
                size: Param {
                    rust: "max_results".into(),
                    string: false
                },
                token: "page_token".into(),
                next: "next_page_token".into()
            }
        );
        assert_eq!(import.total, Total::None);
        let events = derive(Api::Insights, &d).unwrap();
        assert!(matches!(events["Event_Get"].kind, Kind::Cursor { .. }));
        assert_eq!(events["Event_Get"].max, 10_000);
    }
}
