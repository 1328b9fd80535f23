//! Directory Insights `POST /events/count` and `POST /events/interval` (counts per time
//! bucket), over the stored events or a generated [`EventSet`], and `/events` pages of a
//! generated set.

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use chrono::DateTime;
use serde_json::{Map, Value, json};

use super::insights::{Query, bad, matches, parse};
use super::{AppState, Org, json_object};
use crate::fake::error::{ApiError, ApiResult, ErrorStyle};
use crate::fake::jobs::{EVENT_SERVICES, EventSet};
use crate::fake::listing::project;
use crate::fake::objects::event_millis;
use crate::fake::state::{Collection, lock};

/// Most buckets one interval query may ask for.
const MAX_BUCKETS: i64 = 10_000;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/insights/directory/v1/events/count", post(count))
        .route("/insights/directory/v1/events/interval", post(interval))
}

/// A generated set's service filter: `None` for any, else the service's index.
fn service_filter(q: &Query) -> Option<Option<u64>> {
    if q.services.iter().any(|s| s == "all") {
        return Some(None);
    }
    // One named service of the cycle; a query naming several or others is answered for
    // the first one of the cycle it names, or nothing.
    EVENT_SERVICES
        .iter()
        .position(|s| q.services.iter().any(|w| w == s))
        .map(|k| Some(k as u64))
}

/// The indexes of `set` in the query's time range (`end_time` inclusive).
fn index_range(set: &EventSet, q: &Query) -> (u64, u64) {
    let lo = set.lower_bound(q.start);
    let hi = match q.end {
        Some(end) => set.lower_bound(end.saturating_add(1)),
        None => set.len(),
    };
    (lo, hi.max(lo))
}

fn parsed(body: &Bytes) -> ApiResult<(Map<String, Value>, Query)> {
    let body = json_object(body).map_err(|e| e.style(ErrorStyle::Error))?;
    let q = parse(&body)?;
    Ok((body, q))
}

async fn count(State(s): State<AppState>, Org(org): Org, body: Bytes) -> ApiResult<Response> {
    let (_, q) = parsed(&body)?;
    let data = lock(&s.data);
    let org = data
        .org(&org)
        .map_err(|e| ApiError::not_found(e.to_string()).style(ErrorStyle::Error))?;
    let n = match &org.jobs.events {
        Some(set) => match service_filter(&q) {
            Some(service) => {
                let (lo, hi) = index_range(set, &q);
                EventSet::count_in(lo, hi, service)
            }
            None => 0,
        },
        None => {
            let all = q.services.iter().any(|s| s == "all");
            org.objects(Collection::Events)
                .values()
                .filter(|e| matches(&q, all, e))
                .count() as u64
        }
    };
    Ok(Json(json!({ "count": n })).into_response())
}

/// Bucket width in milliseconds from `interval_unit` and `interval_value`.
fn width(body: &Map<String, Value>) -> ApiResult<i64> {
    let unit = match body.get("interval_unit").and_then(Value::as_str) {
        Some("s") => 1_000,
        Some("m") => 60_000,
        Some("h") => 3_600_000,
        Some("d") => 86_400_000,
        Some("w") => 7 * 86_400_000,
        Some(other) => return Err(bad(format!("invalid interval_unit {other:?}"))),
        None => return Err(bad("interval_unit is required")),
    };
    let value = match body.get("interval_value") {
        None | Some(Value::Null) => 1,
        Some(Value::String(v)) => v
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|v| *v > 0)
            .ok_or_else(|| bad(format!("interval_value {v:?} must be a positive integer")))?,
        Some(_) => return Err(bad("interval_value must be a string")),
    };
    Ok(unit * value)
}

async fn interval(State(s): State<AppState>, Org(org): Org, body: Bytes) -> ApiResult<Response> {
    let (body, q) = parsed(&body)?;
    let width = width(&body)?;
    let end = q
        .end
        .unwrap_or_else(|| chrono::Utc::now().timestamp_millis());
    let first = q.start.div_euclid(width);
    let last = end.div_euclid(width);
    if last - first + 1 > MAX_BUCKETS {
        return Err(bad(format!(
            "too many buckets ({}); widen the interval",
            last - first + 1
        )));
    }
    let data = lock(&s.data);
    let org = data
        .org(&org)
        .map_err(|e| ApiError::not_found(e.to_string()).style(ErrorStyle::Error))?;
    let mut counts = vec![0u64; usize::try_from(last - first + 1).unwrap_or(0)];
    match &org.jobs.events {
        Some(set) => {
            if let Some(service) = service_filter(&q) {
                for (b, slot) in counts.iter_mut().enumerate() {
                    let key = (first + b as i64) * width;
                    let lo = set.lower_bound(key.max(q.start));
                    let hi = set.lower_bound((key + width).min(end.saturating_add(1)));
                    *slot = EventSet::count_in(lo, hi, service);
                }
            }
        }
        None => {
            let all = q.services.iter().any(|s| s == "all");
            for e in org.objects(Collection::Events).values() {
                if matches(&q, all, e) {
                    let b = event_millis(e).div_euclid(width) - first;
                    if let Some(slot) = usize::try_from(b).ok().and_then(|b| counts.get_mut(b)) {
                        *slot += 1;
                    }
                }
            }
        }
    }
    let buckets: Vec<Value> = counts
        .iter()
        .enumerate()
        .map(|(b, n)| {
            let key = (first + b as i64) * width;
            let text = DateTime::from_timestamp_millis(key)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
                .unwrap_or_default();
            json!({"key": key, "key_as_string": text, "doc_count": n})
        })
        .collect();
    Ok(Json(json!({ "buckets": buckets })).into_response())
}

/// One `/events` page of a generated set, with the cursor headers.
pub(super) fn synthetic_page(set: &EventSet, q: &Query, org: &str) -> Response {
    let (lo, hi) = index_range(set, q);
    let service = service_filter(q);
    let wanted = |i: &u64| match service {
        Some(None) => true,
        Some(Some(k)) => i % 4 == k,
        None => false,
    };
    let after = q.after.as_ref().and_then(|(_, id)| EventSet::index(id));
    let indexes: Vec<u64> = if q.descending {
        let top = after.map_or(hi, |a| a.min(hi));
        (lo..top).rev().filter(wanted).take(q.limit).collect()
    } else {
        let bottom = after.map_or(lo, |a| (a + 1).max(lo));
        (bottom..hi).filter(wanted).take(q.limit).collect()
    };
    let mut headers = HeaderMap::new();
    if let Some(&last) = indexes.last()
        && let Ok(v) = json!([set.millis(last), EventSet::id(last)])
            .to_string()
            .parse()
    {
        headers.insert("x-search_after", v);
    }
    headers.insert("x-result-count", indexes.len().into());
    headers.insert("x-limit", q.limit.into());
    let Some(fields) = q.fields.as_deref() else {
        // Whole events: written straight to the body.
        let org = Value::from(org).to_string();
        let mut body = String::with_capacity(indexes.len() * 256 + 2);
        body.push('[');
        for (n, &i) in indexes.iter().enumerate() {
            if n > 0 {
                body.push(',');
            }
            set.write_event(i, &org, &mut body);
        }
        body.push(']');
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return (headers, body).into_response();
    };
    let items: Vec<Value> = indexes
        .into_iter()
        .map(|i| project(&set.event(i, org), Some(fields), "id"))
        .collect();
    (headers, Json(items)).into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn written_events_are_the_events() {
        let set = EventSet::new(DateTime::UNIX_EPOCH, 20).gap_millis(7);
        let org = "5f00000000000000000000a\"\u{e9}";
        let quoted = Value::from(org).to_string();
        for i in [0, 1, 6, 7, 13, 19] {
            let mut out = String::new();
            set.write_event(i, &quoted, &mut out);
            let written: Value = serde_json::from_str(&out).unwrap();
            assert_eq!(written, set.event(i, org), "event {i}: {out}");
        }
    }
}
