//! v2 scheduled user state changes: `POST /api/v2/bulk/userstates` (`user_ids`, `state`
//! `ACTIVATED` / `SUSPENDED`, `start_date`) answers one record per user; `GET` lists them
//! (`userid` narrows to one user; `limit` / `skip`, `x-total-count`); `DELETE
//! /api/v2/bulk/userstates/{id}` cancels one (404 if unknown).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{Value, json};

use super::{AppState, Org, Scoped, json_object};
use crate::fake::error::{ApiError, ApiResult};
use crate::fake::listing::{check_limit, parse_count, query_pairs};
use crate::fake::state::{Collection, lock};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/bulk/userstates", get(list).post(create))
        .route("/api/v2/bulk/userstates/{id}", delete(cancel))
}

async fn create(State(s): State<AppState>, Org(org): Org, body: Bytes) -> ApiResult<Response> {
    let body = json_object(&body)?;
    let state = match body.get("state").and_then(Value::as_str) {
        Some(st @ ("ACTIVATED" | "SUSPENDED")) => st.to_owned(),
        _ => {
            return Err(ApiError::bad_request(
                "state must be ACTIVATED or SUSPENDED",
            ));
        }
    };
    let date = body
        .get("start_date")
        .and_then(Value::as_str)
        .filter(|d| chrono::DateTime::parse_from_rfc3339(d).is_ok())
        .ok_or_else(|| ApiError::bad_request("start_date must be a date-time"))?
        .to_owned();
    let ids: Vec<String> = match body.get("user_ids") {
        Some(Value::Array(ids)) if !ids.is_empty() => ids
            .iter()
            .map(|v| v.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| ApiError::bad_request("user_ids must be strings"))?,
        _ => return Err(ApiError::bad_request("user_ids is required")),
    };
    let mut data = lock(&s.data);
    let org = data
        .org_mut(&org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    if let Some(unknown) = ids
        .iter()
        .find(|id| !org.objects(Collection::Users).contains_key(*id))
    {
        return Err(ApiError::bad_request(format!("user {unknown} not found")));
    }
    let mut out = Vec::new();
    for id in ids {
        let record = json!({
            "scheduledJobId": s.ids.next(),
            "systemUserId": id,
            "state": state,
            "scheduledDate": date,
        });
        org.jobs.userstates.push(record.clone());
        out.push(record);
    }
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

async fn list(req: Scoped) -> ApiResult<Response> {
    let (mut limit, mut skip, mut user) = (10usize, 0usize, None);
    for (k, v) in query_pairs(req.query.as_deref())? {
        match k.as_str() {
            "limit" => limit = check_limit(parse_count("limit", &v)?, 100)?,
            "skip" => skip = parse_count("skip", &v)?,
            "userid" => user = Some(v),
            _ => {}
        }
    }
    let data = lock(&req.state.data);
    let org = data
        .org(&req.org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let hits: Vec<&Value> = org
        .jobs
        .userstates
        .iter()
        .filter(|r| user.as_deref().is_none_or(|u| r["systemUserId"] == u))
        .collect();
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", hits.len().into());
    let page: Vec<Value> = hits.into_iter().skip(skip).take(limit).cloned().collect();
    Ok((headers, Json(page)).into_response())
}

async fn cancel(
    State(s): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let mut data = lock(&s.data);
    let org = data
        .org_mut(&org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let before = org.jobs.userstates.len();
    org.jobs
        .userstates
        .retain(|r| r["scheduledJobId"] != id.as_str());
    if org.jobs.userstates.len() == before {
        return Err(ApiError::not_found(format!("scheduled job {id} not found")));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
