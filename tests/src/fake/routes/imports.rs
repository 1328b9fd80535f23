//! The token-paged import listings: `GET /api/v2/gsuites/{id}/import/users` (and its
//! `jumpcloudusers` variant) with `maxResults`/`pageToken` → `{users, nextPageToken}`, and
//! `GET /api/v2/office365s/{id}/import/users` with `top`/`skipToken` → `{users, skipToken,
//! top}`. The token is absent on the last page. Users come from
//! [`FakeJumpCloud::seed_gsuite_import`](crate::fake::FakeJumpCloud::seed_gsuite_import) and
//! its Office 365 sibling.

use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::{AppState, Org, check_id};
use crate::fake::error::{ApiError, ApiResult, ErrorStyle};
use crate::fake::listing::{parse_count, query_pairs};
use crate::fake::state::{Collection, lock};

/// Google's page size when `maxResults` is omitted, and its largest.
const GSUITE_DEFAULT: usize = 100;
const GSUITE_MAX: usize = 500;
/// Microsoft Graph's page size when `top` is omitted, and its largest.
const OFFICE365_DEFAULT: usize = 100;
const OFFICE365_MAX: usize = 999;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v2/gsuites/{id}/import/users",
            get(|s: State<AppState>, o: Org, p: Path<String>, q: RawQuery| {
                gsuite(s, o, p, q, false)
            }),
        )
        .route(
            "/api/v2/gsuites/{id}/import/jumpcloudusers",
            get(|s: State<AppState>, o: Org, p: Path<String>, q: RawQuery| {
                gsuite(s, o, p, q, true)
            }),
        )
        .route("/api/v2/office365s/{id}/import/users", get(office365))
}

fn v2(e: ApiError) -> ApiError {
    e.style(ErrorStyle::MessageCode)
}

/// An opaque-looking token for an offset.
fn token(prefix: &str, offset: usize) -> String {
    format!("{prefix}{offset:08x}")
}

fn offset(prefix: &str, name: &str, raw: Option<&str>) -> ApiResult<usize> {
    let Some(raw) = raw.filter(|t| !t.is_empty()) else {
        return Ok(0);
    };
    raw.strip_prefix(prefix)
        .and_then(|hex| usize::from_str_radix(hex, 16).ok())
        .ok_or_else(|| ApiError::bad_request(format!("invalid {name}")))
}

fn size(name: &str, raw: Option<&str>, default: usize, max: usize) -> ApiResult<usize> {
    let n = raw.map_or(Ok(default), |v| parse_count(name, v))?;
    if n == 0 || n > max {
        return Err(ApiError::bad_request(format!(
            "{name} must be between 1 and {max}"
        )));
    }
    Ok(n)
}

/// The value of query parameter `key`, if given.
fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Rows `[offset, offset + n)` of a directory's import list, and whether more follow.
fn slice(
    s: &AppState,
    org: &str,
    c: Collection,
    id: &str,
    from: usize,
    n: usize,
) -> ApiResult<(Vec<Value>, bool)> {
    check_id(id)?;
    let data = lock(&s.data);
    let org = data
        .org(org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    if !org.objects(c).contains_key(id) {
        return Err(ApiError::not_found("directory not found"));
    }
    let all = match c {
        Collection::GSuites => org.gsuite_imports.get(id),
        _ => org.office365_imports.get(id),
    }
    .map(Vec::as_slice)
    .unwrap_or_default();
    let page = all.iter().skip(from).take(n).cloned().collect();
    Ok((page, from.saturating_add(n) < all.len()))
}

/// A Google user as a JumpCloud user (the `jumpcloudusers` variant).
fn formatted(u: &Value) -> Value {
    let email = u.get("primaryEmail").cloned().unwrap_or(Value::Null);
    let username = email
        .as_str()
        .and_then(|e| e.split('@').next())
        .unwrap_or_default();
    json!({
        "email": email,
        "firstname": u.get("givenName"),
        "lastname": u.get("familyName"),
        "username": username,
    })
}

async fn gsuite(
    State(s): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    jumpcloud_shape: bool,
) -> ApiResult<Json<Value>> {
    let pairs = query_pairs(q.as_deref()).map_err(v2)?;
    let n = size(
        "maxResults",
        param(&pairs, "maxResults"),
        GSUITE_DEFAULT,
        GSUITE_MAX,
    )
    .map_err(v2)?;
    let from = offset("gpt", "pageToken", param(&pairs, "pageToken")).map_err(v2)?;
    let (users, more) = slice(&s, &org, Collection::GSuites, &id, from, n).map_err(v2)?;
    let users: Vec<Value> = if jumpcloud_shape {
        users.iter().map(formatted).collect()
    } else {
        users
    };
    let mut body = Map::new();
    body.insert("users".into(), Value::Array(users));
    if more {
        body.insert("nextPageToken".into(), json!(token("gpt", from + n)));
    }
    Ok(Json(Value::Object(body)))
}

async fn office365(
    State(s): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let pairs = query_pairs(q.as_deref()).map_err(v2)?;
    let n = size(
        "top",
        param(&pairs, "top"),
        OFFICE365_DEFAULT,
        OFFICE365_MAX,
    )
    .map_err(v2)?;
    let from = offset("mst", "skipToken", param(&pairs, "skipToken")).map_err(v2)?;
    let (users, more) = slice(&s, &org, Collection::Office365s, &id, from, n).map_err(v2)?;
    let mut body = Map::new();
    body.insert("users".into(), Value::Array(users));
    body.insert("top".into(), json!(n));
    if more {
        body.insert("skipToken".into(), json!(token("mst", from + n)));
    }
    Ok(Json(Value::Object(body)))
}
