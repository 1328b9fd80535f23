//! v1 routes: `systemusers` and `systems`, answering lists as
//! `{"totalCount": N, "results": [...]}` with `{"message": ...}` errors.

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{Value, json};

use super::{AppState, Org, Scoped, check_id, json_object};
use crate::fake::error::{ApiError, ApiResult};
use crate::fake::listing::{Dialect, ListQuery, query_pairs};
use crate::fake::objects;
use crate::fake::state::{Collection, lock};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/systemusers", get(list_users).post(create_user))
        .route(
            "/api/systemusers/{id}",
            get(get_user).put(put_user).delete(delete_user),
        )
        .route("/api/systems", get(list_systems))
        .route(
            "/api/systems/{id}",
            get(get_system).put(put_system).delete(delete_system),
        )
}

fn list(state: &AppState, org: &str, c: Collection, raw: Option<&str>) -> ApiResult<Json<Value>> {
    let q = ListQuery::parse(&query_pairs(raw)?, Dialect::V1)?;
    let data = lock(&state.data);
    let org = data
        .org(org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let page = q.run(org.objects(c).values(), c.id_key());
    Ok(Json(
        json!({ "totalCount": page.total, "results": page.items }),
    ))
}

fn fetch(state: &AppState, org: &str, c: Collection, id: &str) -> ApiResult<Json<Value>> {
    check_id(id)?;
    let data = lock(&state.data);
    data.org(org)
        .ok()
        .and_then(|o| o.objects(c).get(id))
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("{} not found", kind(c))))
}

fn remove(state: &AppState, org: &str, c: Collection, id: &str) -> ApiResult<Json<Value>> {
    check_id(id)?;
    let mut data = lock(&state.data);
    data.org_mut(org)
        .ok()
        .and_then(|o| o.remove(c, id))
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("{} not found", kind(c))))
}

fn kind(c: Collection) -> &'static str {
    match c {
        Collection::Users => "systemuser",
        _ => "system",
    }
}

async fn list_users(req: Scoped) -> ApiResult<Json<Value>> {
    list(
        &req.state,
        &req.org,
        Collection::Users,
        req.query.as_deref(),
    )
}

async fn list_systems(req: Scoped) -> ApiResult<Json<Value>> {
    list(
        &req.state,
        &req.org,
        Collection::Systems,
        req.query.as_deref(),
    )
}

async fn get_user(
    State(s): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    fetch(&s, &org, Collection::Users, &id)
}

async fn get_system(
    State(s): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    fetch(&s, &org, Collection::Systems, &id)
}

async fn delete_user(
    State(s): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    remove(&s, &org, Collection::Users, &id)
}

async fn delete_system(
    State(s): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    remove(&s, &org, Collection::Systems, &id)
}

async fn create_user(
    State(s): State<AppState>,
    Org(org): Org,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let mut input = json_object(&body)?;
    input.remove("created");
    objects::validate_user(&input, true)?;
    let id = s.ids.next();
    let user = objects::user(&id, &org, &input, chrono::Utc::now());
    let mut data = lock(&s.data);
    let org = data
        .org_mut(&org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    org.insert(Collection::Users, user.clone())
        .map_err(|_| ApiError::conflict("username already exists"))?;
    Ok(Json(user))
}

async fn put_user(
    State(s): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    check_id(&id)?;
    let input = json_object(&body)?;
    objects::validate_user(&input, false)?;
    let mut data = lock(&s.data);
    let org = data
        .org_mut(&org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    if let Some(name) = input.get("username").and_then(Value::as_str)
        && org.is_taken(Collection::Users, name, Some(&id))
    {
        return Err(ApiError::conflict("username already exists"));
    }
    let Some(Value::Object(stored)) = org.objects_mut(Collection::Users).get_mut(&id) else {
        return Err(ApiError::not_found("systemuser not found"));
    };
    objects::update_user(stored, &input);
    Ok(Json(Value::Object(stored.clone())))
}

async fn put_system(
    State(s): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    check_id(&id)?;
    let input = json_object(&body)?;
    objects::validate_system_update(&input)?;
    let mut data = lock(&s.data);
    let org = data
        .org_mut(&org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let Some(Value::Object(stored)) = org.objects_mut(Collection::Systems).get_mut(&id) else {
        return Err(ApiError::not_found("system not found"));
    };
    for key in objects::SYSTEM_WRITABLE {
        if let Some(v) = input.get(key) {
            stored.insert(key.to_owned(), v.clone());
        }
    }
    Ok(Json(Value::Object(stored.clone())))
}
