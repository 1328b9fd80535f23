//! v1 routes: `systemusers` and `systems`, answering lists as
//! `{"totalCount": N, "results": [...]}` with `{"message": ...}` errors.

use axum::extract::Path;
use axum::routing::get;
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{Value, json};

use super::{AppState, Scoped, check_id, json_object};
use crate::fake::error::{ApiError, ApiResult};
use crate::fake::listing::Dialect;
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

fn list(req: &Scoped, c: Collection) -> ApiResult<Json<Value>> {
    let q = req.list_query(Dialect::V1)?;
    let data = lock(&req.state.data);
    let org = data
        .org(&req.org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let page = q.run(org.objects(c).values(), c.id_key());
    Ok(Json(
        json!({ "totalCount": page.total, "results": page.items }),
    ))
}

fn fetch(req: &Scoped, c: Collection, id: &str) -> ApiResult<Json<Value>> {
    check_id(id)?;
    let data = lock(&req.state.data);
    data.org(&req.org)
        .ok()
        .and_then(|o| o.objects(c).get(id))
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("{} not found", kind(c))))
}

fn remove(req: &Scoped, c: Collection, id: &str) -> ApiResult<Json<Value>> {
    check_id(id)?;
    let mut data = lock(&req.state.data);
    data.org_mut(&req.org)
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
    list(&req, Collection::Users)
}

async fn list_systems(req: Scoped) -> ApiResult<Json<Value>> {
    list(&req, Collection::Systems)
}

async fn get_user(req: Scoped, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    fetch(&req, Collection::Users, &id)
}

async fn get_system(req: Scoped, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    fetch(&req, Collection::Systems, &id)
}

async fn delete_user(req: Scoped, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    remove(&req, Collection::Users, &id)
}

async fn delete_system(req: Scoped, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    remove(&req, Collection::Systems, &id)
}

async fn create_user(req: Scoped, body: Bytes) -> ApiResult<Json<Value>> {
    let mut input = json_object(&body)?;
    input.remove("created");
    objects::validate_user(&input, true)?;
    let id = req.state.ids.next();
    let user = objects::user(&id, &req.org, &input, chrono::Utc::now());
    req.write(|org| {
        org.insert(Collection::Users, user.clone())
            .map_err(|_| ApiError::conflict("username already exists"))
    })?;
    Ok(Json(user))
}

async fn put_user(req: Scoped, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Value>> {
    check_id(&id)?;
    let input = json_object(&body)?;
    objects::validate_user(&input, false)?;
    req.write(|org| {
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
    })
}

async fn put_system(req: Scoped, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Value>> {
    check_id(&id)?;
    let input = json_object(&body)?;
    objects::validate_system_update(&input)?;
    req.write(|org| {
        let Some(Value::Object(stored)) = org.objects_mut(Collection::Systems).get_mut(&id) else {
            return Err(ApiError::not_found("system not found"));
        };
        for key in objects::SYSTEM_WRITABLE {
            if let Some(v) = input.get(key) {
                stored.insert(key.to_owned(), v.clone());
            }
        }
        Ok(Json(Value::Object(stored.clone())))
    })
}
