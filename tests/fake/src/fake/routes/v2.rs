//! v2 routes: `usergroups`, `systemgroups` and `groups`, answering lists as a bare array with
//! an `x-total-count` header, and errors as `{"message": ..., "code": N}`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::Value;

use super::{AppState, Org, Scoped, check_id, json_object};
use crate::fake::error::{ApiError, ApiResult, ErrorStyle};
use crate::fake::listing::{Dialect, Page};
use crate::fake::objects;
use crate::fake::state::{Collection, lock};

/// Response header with the number of matches before paging.
const TOTAL: &str = "x-total-count";
/// Request/response header asking `/groups` for the count ignoring filters.
const UNFILTERED_TOTAL: &str = "x-unfiltered-total-count";

pub(super) fn routes() -> Router<AppState> {
    let r = group_routes::<true>(Router::new(), "/api/v2/usergroups");
    group_routes::<false>(r, "/api/v2/systemgroups").route("/api/v2/groups", get(list_all_groups))
}

/// The list and object routes of user groups (`USER`) or system groups under `path`.
fn group_routes<const USER: bool>(r: Router<AppState>, path: &str) -> Router<AppState> {
    r.route(path, get(list::<USER>).post(create::<USER>)).route(
        &format!("{path}/{{id}}"),
        get(fetch::<USER>)
            .put(put_or_patch::<USER, true>)
            .patch(put_or_patch::<USER, false>)
            .delete(remove::<USER>),
    )
}

/// The collection behind a route: user groups (`true`) or system groups.
fn coll(user: bool) -> Collection {
    if user {
        Collection::UserGroups
    } else {
        Collection::SystemGroups
    }
}

fn v2(e: ApiError) -> ApiError {
    e.style(ErrorStyle::MessageCode)
}

fn not_found(c: Collection) -> ApiError {
    let what = match c {
        Collection::UserGroups => "user group",
        _ => "system group",
    };
    v2(ApiError::not_found(format!("{what} not found")))
}

/// A page as a bare array with its total in a header.
fn page_response(page: Page, unfiltered: Option<usize>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(TOTAL, page.total.into());
    if let Some(n) = unfiltered {
        headers.insert(UNFILTERED_TOTAL, n.into());
    }
    (headers, Json(page.items)).into_response()
}

async fn list<const USER: bool>(req: Scoped) -> ApiResult<Response> {
    let c = coll(USER);
    let q = req.list_query(Dialect::V2).map_err(v2)?;
    req.read(|org| page_response(q.run(org.objects(c).values(), "id"), None))
        .map_err(v2)
}

/// `GET /groups`: user and system groups together.
async fn list_all_groups(req: Scoped, headers: HeaderMap) -> ApiResult<Response> {
    let q = req.list_query(Dialect::V2).map_err(v2)?;
    req.read(|org| {
        let mut all: Vec<&Value> = org
            .objects(Collection::UserGroups)
            .values()
            .chain(org.objects(Collection::SystemGroups).values())
            .collect();
        all.sort_by(|a, b| {
            a.get("id")
                .and_then(Value::as_str)
                .cmp(&b.get("id").and_then(Value::as_str))
        });
        let wants_unfiltered = headers.get(UNFILTERED_TOTAL).is_some_and(|v| !v.is_empty());
        let unfiltered = wants_unfiltered.then_some(all.len());
        page_response(q.run(all.into_iter(), "id"), unfiltered)
    })
    .map_err(v2)
}

async fn fetch<const USER: bool>(req: Scoped, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let c = coll(USER);
    check_id(&id).map_err(v2)?;
    let data = lock(&req.state.data);
    data.org(&req.org)
        .ok()
        .and_then(|o| o.objects(c).get(&id))
        .cloned()
        .map(Json)
        .ok_or_else(|| not_found(c))
}

async fn create<const USER: bool>(
    State(s): State<AppState>,
    Org(org): Org,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let c = coll(USER);
    let input = json_object(&body).map_err(v2)?;
    objects::validate_group(&input, true).map_err(v2)?;
    let id = s.ids.next();
    let group = objects::group(c, &id, &org, &input);
    let mut data = lock(&s.data);
    let org = data
        .org_mut(&org)
        .map_err(|e| v2(ApiError::not_found(e.to_string())))?;
    org.insert(c, group.clone())
        .map_err(|_| v2(ApiError::conflict("a group with this name already exists")))?;
    Ok((StatusCode::CREATED, Json(group)))
}

/// Shared body of PUT (`replace`) and PATCH.
fn update(
    req: &Scoped,
    c: Collection,
    id: &str,
    body: &[u8],
    replace: bool,
) -> ApiResult<Json<Value>> {
    check_id(id).map_err(v2)?;
    let input = json_object(body).map_err(v2)?;
    objects::validate_group(&input, replace).map_err(v2)?;
    let mut data = lock(&req.state.data);
    let org = data
        .org_mut(&req.org)
        .map_err(|e| v2(ApiError::not_found(e.to_string())))?;
    if let Some(name) = input.get("name").and_then(Value::as_str)
        && org.is_taken(c, name, Some(id))
    {
        return Err(v2(ApiError::conflict(
            "a group with this name already exists",
        )));
    }
    let Some(Value::Object(stored)) = org.objects_mut(c).get_mut(id) else {
        return Err(not_found(c));
    };
    if replace {
        objects::replace_group(stored, &input);
    } else {
        objects::merge(stored, &input);
    }
    objects::fix_group(c, stored);
    Ok(Json(Value::Object(stored.clone())))
}

/// `PUT` (`REPLACE`) or `PATCH` of one group.
async fn put_or_patch<const USER: bool, const REPLACE: bool>(
    req: Scoped,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    update(&req, coll(USER), &id, &body, REPLACE)
}

async fn remove<const USER: bool>(req: Scoped, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let c = coll(USER);
    check_id(&id).map_err(v2)?;
    let mut data = lock(&req.state.data);
    data.org_mut(&req.org)
        .ok()
        .and_then(|o| o.remove(c, &id))
        .map(Json)
        .ok_or_else(|| not_found(c))
}
