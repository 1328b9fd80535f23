//! Every operation that takes a position (`limit`/`skip`, a page token, a
//! `search_after` cursor, in the query or the body) is paged in the generated
//! `OPERATIONS` tables and streams, checked against the committed documents
//! with rules written independently of the xtask's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use jumpcloud_api::{Api, PageKind};
use serde_json::Value;

/// Operations that take a position but answer one object, not a page: a
/// template by id, and the count of the events a query would page through.
/// (`ProviderConfiguredPolicyTemplate_List` answers `records` as one object, not a list;
/// `SyncroBillingMappingConfigurationOption_List` a bare `options` list; `cloudInsights_listEvents`
/// types its body `limit` and `skip` as numbers, not integers: the documentation site's spec, as
/// it stands.)
const NOT_LISTS: &[&str] = &[
    "ApplicationTemplate_Get",
    "EventCount_Get",
    "ProviderConfiguredPolicyTemplate_List",
    "SyncroBillingMappingConfigurationOption_List",
    "cloudInsights_listEvents",
];

fn document(api: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(format!("openapi/jumpcloud-{api}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => deref(doc, doc.pointer(r.trim_start_matches('#')).unwrap()),
        None => v,
    }
}

fn body_property_names(doc: &Value, schema: &Value, out: &mut Vec<String>) {
    let schema = deref(doc, schema);
    for part in schema["allOf"].as_array().into_iter().flatten() {
        body_property_names(doc, part, out);
    }
    if let Some(p) = schema["properties"].as_object() {
        out.extend(p.keys().cloned());
    }
}

/// operationId → (takes a position, expected kind).
fn positioned(api: &str) -> BTreeMap<String, PageKind> {
    let doc = document(api);
    let mut out = BTreeMap::new();
    for (_, item) in doc["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            let Some(id) = op["operationId"].as_str() else {
                continue;
            };
            let query: Vec<String> = op["parameters"]
                .as_array()
                .into_iter()
                .chain(item["parameters"].as_array())
                .flatten()
                .map(|p| deref(&doc, p))
                .filter(|p| p["in"] == "query")
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect();
            let mut body = Vec::new();
            let rb = deref(&doc, &op["requestBody"]);
            if let Some(s) = rb["content"]["application/json"].get("schema") {
                body_property_names(&doc, s, &mut body);
            }
            let has = |list: &[String], name: &str| list.iter().any(|n| n == name);
            let kind = if has(&body, "search_after") {
                Some(PageKind::Cursor)
            } else if has(&body, "limit") && has(&body, "skip") {
                // Before the query: v1 searches take both and page by the body.
                Some(PageKind::BodyOffset)
            } else if has(&query, "limit") && has(&query, "skip") {
                Some(PageKind::Offset)
            } else if has(&query, "pageToken") || has(&query, "skipToken") {
                Some(PageKind::Token)
            } else {
                None
            };
            if let Some(kind) = kind
                && !NOT_LISTS.contains(&id)
            {
                out.insert(id.to_string(), kind);
            }
        }
    }
    out
}

#[test]
fn every_positioned_operation_pages_and_nothing_else_does() {
    let mut counts = Vec::new();
    for api in [Api::V2, Api::V1, Api::Insights] {
        let expected = positioned(api.name());
        let ops = api.operations();
        let mut missing = Vec::new();
        for (id, kind) in &expected {
            let op = ops.iter().find(|o| o.id == id).unwrap();
            match op.paging {
                Some(p) if p.kind == *kind => {
                    assert!(p.max_page_size >= 1, "{id}: page size maximum");
                }
                other => missing.push(format!("{id}: expected {kind:?}, table says {other:?}")),
            }
        }
        assert!(missing.is_empty(), "{api}: {missing:#?}");
        let extra: Vec<_> = ops
            .iter()
            .filter(|o| o.paging.is_some() && !expected.contains_key(o.id))
            .map(|o| o.id)
            .collect();
        assert!(
            extra.is_empty(),
            "{api}: paged without a position: {extra:?}"
        );
        counts.push((api, expected.len()));
    }
    // The documents' listing counts, so a regen that drops listings shows.
    assert_eq!(
        counts,
        vec![(Api::V2, 199), (Api::V1, 15), (Api::Insights, 1)]
    );
}

#[test]
fn page_size_maxima_follow_the_api() {
    let get = |api: Api, id: &str| {
        api.operations()
            .iter()
            .find(|o| o.id == id)
            .and_then(|o| o.paging)
            .unwrap()
    };
    assert_eq!(get(Api::V2, "UserGroup_List").max_page_size, 100);
    assert_eq!(
        get(Api::V2, "SystemInsightOsVersion_List").max_page_size,
        10_000
    );
    assert_eq!(get(Api::V1, "User_List").max_page_size, 100);
    assert_eq!(get(Api::V1, "User_Search").kind, PageKind::BodyOffset);
    assert_eq!(get(Api::Insights, "Event_Get").max_page_size, 10_000);
    assert_eq!(
        get(Api::V2, "GSuiteUsersToImport_List").kind,
        PageKind::Token
    );
    assert_eq!(get(Api::V2, "UserGroup_List").stable_sort, Some("_id"));
}

/// Compile-time proof that the builders of each kind implement `PagedRequest`.
#[allow(dead_code)]
fn builders_are_paginated(
    v2: &jumpcloud_api::v2::Client,
    v1: &jumpcloud_api::v1::Client,
    di: &jumpcloud_api::insights::Client,
) {
    fn paged<P: jumpcloud_api::PagedRequest>(_: P) {}
    paged(v2.user_group_list());
    paged(v2.g_suite_users_to_import_list());
    paged(v2.office365_users_to_import_list());
    paged(v2.system_insight_apps_list());
    paged(v1.user_search());
    paged(v1.command_result_by_command_id_get());
    paged(di.event_get());
}
