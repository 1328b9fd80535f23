//! Cross-organisation routes (which refuse `x-org-id`): v1 `organizations` and `users`
//! (administrators), v2 `providers/{id}/organizations` and `administrators`.

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::{AppState, Reach};
use crate::fake::error::{ApiError, ApiResult};
use crate::fake::listing::{Dialect, ListQuery, query_pairs};
use crate::fake::state::lock;

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/organizations", get(v1_organizations))
        .route("/api/users", get(v1_admins))
        .route(
            "/api/v2/providers/{provider_id}/organizations",
            get(provider_organizations),
        )
        .route("/api/v2/administrators", get(v2_admins))
}

/// The caller's orgs in a given shape, paged with the dialect's rules.
fn orgs_page(
    s: &AppState,
    reach: &[String],
    raw: Option<&str>,
    dialect: Dialect,
    shape: impl Fn(&str, &str) -> Value,
    id_key: &str,
) -> ApiResult<Value> {
    let q = ListQuery::parse(&query_pairs(raw)?, dialect)?;
    let data = lock(&s.data);
    let all: Vec<Value> = data
        .orgs
        .values()
        .filter(|o| reach.contains(&o.id))
        .map(|o| shape(&o.id, &o.name))
        .collect();
    let page = q.run(all.iter(), id_key);
    Ok(json!({ "totalCount": page.total, "results": page.items }))
}

async fn v1_organizations(
    State(s): State<AppState>,
    Reach(reach): Reach,
    RawQuery(q): RawQuery,
) -> ApiResult<Json<Value>> {
    let shape = |id: &str, name: &str| json!({ "_id": id, "displayName": name, "logoUrl": "" });
    orgs_page(&s, &reach, q.as_deref(), Dialect::V1, shape, "_id").map(Json)
}

async fn provider_organizations(
    State(s): State<AppState>,
    Reach(reach): Reach,
    Path(provider_id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult<Response> {
    if lock(&s.auth).provider_id != provider_id {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "provider not found"));
    }
    let shape = |id: &str, name: &str| json!({ "id": id, "name": name });
    orgs_page(&s, &reach, q.as_deref(), Dialect::V2, shape, "id").map(|v| Json(v).into_response())
}

/// Id of the one administrator the fake knows.
const ADMIN_ID: &str = "5c0ffee00000000000000ad1";
/// Email of that administrator.
const ADMIN_EMAIL: &str = "admin@example.com";

async fn v1_admins() -> Json<Value> {
    Json(json!({
        "totalCount": 1,
        "results": [{ "_id": ADMIN_ID, "email": ADMIN_EMAIL, "firstname": "Fake", "lastname": "Admin" }],
    }))
}

async fn v2_admins() -> Json<Value> {
    Json(json!({
        "totalCount": 1,
        "results": [{ "id": ADMIN_ID, "email": ADMIN_EMAIL, "firstname": "Fake", "lastname": "Admin" }],
    }))
}
