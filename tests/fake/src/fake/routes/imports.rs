//! The token-paged import listings: `GET /api/v2/gsuites/{id}/import/users` (and its
//! `jumpcloudusers` variant) with `maxResults`/`pageToken` → `{users, nextPageToken}`, and
//! `GET /api/v2/office365s/{id}/import/users` with `top`/`skipToken` → `{users, skipToken,
//! top}`. The token is absent on the last page. Users come from
//! [`FakeOrg::seed_gsuite_import`](crate::fake::FakeOrg::seed_gsuite_import) and
//! its Office 365 sibling.

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::{AppState, Scoped, check_id};
use crate::fake::error::{ApiError, ApiResult, ErrorStyle};
use crate::fake::listing::{parse_count, query_pairs};
use crate::fake::state::{Collection, lock};

/// How a directory pages its import list: its size and token parameters, the prefix of
/// its tokens, and its page size when none is asked for, and its largest.
struct Paging {
    size: &'static str,
    token: &'static str,
    prefix: &'static str,
    default: usize,
    max: usize,
}

/// Google's `maxResults`/`pageToken`.
const GSUITE: Paging = Paging {
    size: "maxResults",
    token: "pageToken",
    prefix: "gpt",
    default: 100,
    max: 500,
};
/// Microsoft Graph's `top`/`skipToken`.
const OFFICE365: Paging = Paging {
    size: "top",
    token: "skipToken",
    prefix: "mst",
    default: 100,
    max: 999,
};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v2/gsuites/{id}/import/users",
            get(|r: Scoped, p: Path<String>| gsuite(r, p, false)),
        )
        .route(
            "/api/v2/gsuites/{id}/import/jumpcloudusers",
            get(|r: Scoped, p: Path<String>| gsuite(r, p, true)),
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

/// The page of directory `id`'s import list that the request's query asks for, its size, and the
/// token of the next page if more follow.
fn page(
    req: &Scoped,
    c: Collection,
    id: &str,
    paging: &Paging,
) -> ApiResult<(Vec<Value>, usize, Option<String>)> {
    let pairs = query_pairs(req.query.as_deref())?;
    let n = size(
        paging.size,
        param(&pairs, paging.size),
        paging.default,
        paging.max,
    )?;
    let from = offset(paging.prefix, paging.token, param(&pairs, paging.token))?;
    let (users, more) = slice(&req.state, &req.org, c, id, from, n)?;
    Ok((users, n, more.then(|| token(paging.prefix, from + n))))
}

async fn gsuite(
    req: Scoped,
    Path(id): Path<String>,
    jumpcloud_shape: bool,
) -> ApiResult<Json<Value>> {
    let (users, _, next) = page(&req, Collection::GSuites, &id, &GSUITE).map_err(v2)?;
    let users: Vec<Value> = if jumpcloud_shape {
        users.iter().map(formatted).collect()
    } else {
        users
    };
    let mut body = Map::new();
    body.insert("users".into(), Value::Array(users));
    if let Some(next) = next {
        body.insert("nextPageToken".into(), json!(next));
    }
    Ok(Json(Value::Object(body)))
}

async fn office365(req: Scoped, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let (users, n, next) = page(&req, Collection::Office365s, &id, &OFFICE365).map_err(v2)?;
    let mut body = Map::new();
    body.insert("users".into(), Value::Array(users));
    body.insert("top".into(), json!(n));
    if let Some(next) = next {
        body.insert("skipToken".into(), json!(next));
    }
    Ok(Json(Value::Object(body)))
}
