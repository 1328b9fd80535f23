//! Directory Insights: `POST /insights/directory/v1/events` with cursor paging
//! (`search_after` in, `X-Search_after` / `X-Result-Count` / `X-Limit` out) and
//! `{"error": ...}` error bodies.

use std::cmp::Ordering;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use chrono::DateTime;
use serde_json::{Map, Value, json};

use super::{AppState, Org, json_object};
use crate::fake::error::{ApiError, ApiResult, ErrorStyle};
use crate::fake::listing::{check_limit, project};
use crate::fake::objects::event_millis;
use crate::fake::state::{Collection, lock};

/// Services a query may name (`all` matches every event).
const SERVICES: [&str; 16] = [
    "alerts",
    "all",
    "directory",
    "ldap",
    "mdm",
    "notifications",
    "object_storage",
    "password_manager",
    "radius",
    "reports",
    "saas_app_management",
    "software",
    "sso",
    "systems",
    "access_management",
    "asset_management",
];
/// Page size when `limit` is omitted.
const DEFAULT_LIMIT: usize = 1000;
/// Largest page Directory Insights serves.
const MAX_LIMIT: usize = 10_000;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/insights/directory/v1/events", post(events))
}

pub(super) fn bad(msg: impl Into<String>) -> ApiError {
    ApiError::bad_request(msg).style(ErrorStyle::Error)
}

/// A parsed event query.
pub(super) struct Query {
    pub(super) services: Vec<String>,
    pub(super) start: i64,
    pub(super) end: Option<i64>,
    pub(super) limit: usize,
    skip: usize,
    pub(super) descending: bool,
    pub(super) after: Option<(i64, String)>,
    pub(super) fields: Option<Vec<String>>,
    term: Option<Map<String, Value>>,
}

fn millis(body: &Map<String, Value>, key: &str) -> ApiResult<Option<i64>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.timestamp_millis()))
            .map_err(|_| bad(format!("{key} must be an RFC 3339 time"))),
        Some(_) => Err(bad(format!("{key} must be a string"))),
    }
}

fn count(body: &Map<String, Value>, key: &str) -> ApiResult<Option<usize>> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| bad(format!("{key} must be a non-negative integer"))),
    }
}

pub(super) fn parse(body: &Map<String, Value>) -> ApiResult<Query> {
    let services = match body.get("service") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|s| match s.as_str() {
                Some(name) if SERVICES.contains(&name) => Ok(name.to_owned()),
                _ => Err(bad(format!("invalid service {s}"))),
            })
            .collect::<ApiResult<Vec<_>>>()?,
        _ => return Err(bad("service is required (an array of service names)")),
    };
    let start = millis(body, "start_time")?.ok_or_else(|| bad("start_time is required"))?;
    let end = millis(body, "end_time")?;
    let limit = match count(body, "limit")? {
        None | Some(0) => DEFAULT_LIMIT,
        Some(n) => check_limit(n, MAX_LIMIT).map_err(|e| e.style(ErrorStyle::Error))?,
    };
    let skip = count(body, "skip")?.unwrap_or(0);
    let descending = match body.get("sort").and_then(Value::as_str) {
        None => true,
        Some(s) if s.eq_ignore_ascii_case("desc") => true,
        Some(s) if s.eq_ignore_ascii_case("asc") => false,
        Some(s) => return Err(bad(format!("sort must be ASC or DESC, not {s:?}"))),
    };
    let after = match body.get("search_after") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) if items.is_empty() => None,
        Some(Value::Array(items)) => Some(cursor(items)?),
        Some(_) => return Err(bad("search_after must be an array")),
    };
    let fields = match body.get("fields") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|f| f.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| bad("fields must be strings"))?,
        ),
        Some(_) => return Err(bad("fields must be an array")),
    };
    let term = match body.get("search_term") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m.clone()),
        Some(_) => return Err(bad("search_term must be an object")),
    };
    Ok(Query {
        services,
        start,
        end,
        limit,
        skip,
        descending,
        after,
        fields,
        term,
    })
}

/// `[millis, id]`; the number may come back as a string, since clients echo the header.
fn cursor(items: &[Value]) -> ApiResult<(i64, String)> {
    let ms = match items.first() {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    let id = items.get(1).and_then(Value::as_str);
    match (ms, id) {
        (Some(ms), Some(id)) => Ok((ms, id.to_owned())),
        _ => Err(bad("search_after must be [timestamp, id]")),
    }
}

/// A dotted property of an event.
fn lookup<'a>(e: &'a Value, key: &str) -> Option<&'a Value> {
    key.split('.').try_fold(e, |cur, k| cur.get(k))
}

/// `field: value` (or `field: [values]`) equality tests of a `search_term` conjunction.
fn term_hits(e: &Value, conj: &Map<String, Value>) -> Vec<bool> {
    conj.iter()
        .map(|(k, want)| {
            let got = lookup(e, k);
            match want {
                Value::Array(options) => options.iter().any(|w| got == Some(w)),
                w => got == Some(w),
            }
        })
        .collect()
}

fn term_matches(e: &Value, term: &Map<String, Value>) -> bool {
    term.iter().all(|(k, v)| {
        let Value::Object(conj) = v else {
            return true;
        };
        let hits = term_hits(e, conj);
        match k.as_str() {
            "and" => hits.iter().all(|h| *h),
            "or" => hits.is_empty() || hits.iter().any(|h| *h),
            "not" => !hits.iter().any(|h| *h),
            _ => true,
        }
    })
}

fn key(e: &Value) -> (i64, &str) {
    (
        event_millis(e),
        e.get("id").and_then(Value::as_str).unwrap_or_default(),
    )
}

/// Whether a stored event matches the query's time range, services and search term.
pub(super) fn matches(q: &Query, all: bool, e: &Value) -> bool {
    let ms = event_millis(e);
    let service = e.get("service").and_then(Value::as_str).unwrap_or_default();
    ms >= q.start
        && q.end.is_none_or(|end| ms <= end)
        && (all || q.services.iter().any(|s| s == service))
        && q.term.as_ref().is_none_or(|t| term_matches(e, t))
}

async fn events(State(s): State<AppState>, Org(org): Org, body: Bytes) -> ApiResult<Response> {
    let q = parse(&json_object(&body).map_err(|e| e.style(ErrorStyle::Error))?)?;
    let all = q.services.iter().any(|s| s == "all");
    let data = lock(&s.data);
    let org = data
        .org(&org)
        .map_err(|e| ApiError::not_found(e.to_string()).style(ErrorStyle::Error))?;
    if let Some(set) = org.jobs.events.clone() {
        // A generated page needs nothing stored: build it without holding the lock, so
        // that pages asked for at once are built at once.
        let org_id = org.id.clone();
        drop(data);
        return Ok(super::insights_counts::synthetic_page(&set, &q, &org_id));
    }
    let mut hits: Vec<&Value> = org
        .objects(Collection::Events)
        .values()
        .filter(|e| matches(&q, all, e))
        .collect();
    hits.sort_by(|a, b| {
        let ord = key(a).cmp(&key(b));
        if q.descending { ord.reverse() } else { ord }
    });
    let page: Vec<&Value> = hits
        .into_iter()
        .filter(|e| {
            q.after.as_ref().is_none_or(|(ms, id)| {
                let ord = key(e).cmp(&(*ms, id.as_str()));
                ord == if q.descending {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            })
        })
        .skip(q.skip)
        .take(q.limit)
        .collect();

    let mut headers = HeaderMap::new();
    if let Some(last) = page.last() {
        let (ms, id) = key(last);
        if let Ok(v) = json!([ms, id]).to_string().parse() {
            headers.insert("x-search_after", v);
        }
    }
    headers.insert("x-result-count", page.len().into());
    headers.insert("x-limit", q.limit.into());
    let items: Vec<Value> = page
        .into_iter()
        .map(|e| project(e, q.fields.as_deref(), "id"))
        .collect();
    Ok((headers, Json(items)).into_response())
}
