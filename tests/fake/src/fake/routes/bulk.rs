//! v2 bulk user jobs: `POST` / `PATCH /api/v2/bulk/users` answer `{"jobId"}` at once; rows
//! settle one by one afterwards (see [`FakeOrg::set_bulk_timing`]), creating or
//! updating users, and `GET /api/v2/bulk/users/{job_id}/results` lists a result per row
//! (`status` `pending`, `finished` or `failed` with `statusMsg`; `persistedFields` with the
//! row's `username`, `email` and the user's `id`), paged by `limit` / `skip` with
//! `x-total-count`. An unknown job id is a 404.
//!
//! [`FakeOrg::set_bulk_timing`]: crate::fake::FakeOrg::set_bulk_timing

use std::collections::HashSet;
use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use chrono::Utc;
use serde_json::{Map, Value, json};

use super::{AppState, Org, Scoped};
use crate::fake::error::{ApiError, ApiResult};
use crate::fake::jobs::{BULK_DELAY, BULK_PER_ROW, BulkJob};
use crate::fake::listing::{check_limit, parse_count, query_pairs};
use crate::fake::objects;
use crate::fake::state::{Collection, Org as OrgData, lock};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/bulk/users", post(create).patch(update))
        .route("/api/v2/bulk/users/{job_id}/results", get(results))
}

fn rows(body: &[u8]) -> ApiResult<Vec<Map<String, Value>>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::Object(m) => Ok(m),
                _ => Err(ApiError::bad_request("each row must be a JSON object")),
            })
            .collect(),
        Ok(_) => Err(ApiError::bad_request("body must be an array of users")),
        Err(e) => Err(ApiError::bad_request(format!("invalid JSON body: {e}"))),
    }
}

async fn create(s: State<AppState>, org: Org, body: Bytes) -> ApiResult<Response> {
    submit(s, org, &body, false)
}

async fn update(s: State<AppState>, org: Org, body: Bytes) -> ApiResult<Response> {
    submit(s, org, &body, true)
}

fn submit(
    State(s): State<AppState>,
    Org(org): Org,
    body: &[u8],
    update: bool,
) -> ApiResult<Response> {
    let rows = rows(body)?;
    if rows.is_empty() {
        return Err(ApiError::bad_request("no users given"));
    }
    let job_id = s.ids.next();
    let result_ids = rows.iter().map(|_| s.ids.next()).collect();
    let mut data = lock(&s.data);
    let org = data
        .org_mut(&org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let n = rows.len();
    org.jobs.bulk.insert(
        job_id.clone(),
        BulkJob {
            update,
            started: Instant::now(),
            rows,
            outcomes: vec![None; n],
            result_ids,
        },
    );
    Ok(Json(json!({ "jobId": job_id })).into_response())
}

/// Applies one row to the org: the user's id, or why not. `taken` holds the usernames in
/// use, gathered once per request on the first creation (checking each row against every
/// user would make settling a job of n rows cost n × users).
fn apply(
    org: &mut OrgData,
    update: bool,
    row: &Map<String, Value>,
    fresh: String,
    taken: &mut Option<HashSet<String>>,
) -> Result<String, String> {
    if let Some(problem) = row
        .get("email")
        .and_then(Value::as_str)
        .and_then(objects::email_problem)
    {
        return Err(problem);
    }
    if update {
        let id = row
            .get("id")
            .and_then(Value::as_str)
            .ok_or("id is required")?
            .to_owned();
        let users = org.objects_mut(Collection::Users);
        let Some(Value::Object(user)) = users.get_mut(&id) else {
            return Err(format!("user {id} not found"));
        };
        for (k, v) in row {
            if k != "id" {
                user.insert(k.clone(), v.clone());
            }
        }
        return Ok(id);
    }
    let username = match row.get("username").and_then(Value::as_str) {
        Some(u) if !u.is_empty() => u,
        _ => return Err("username is required".into()),
    };
    if row.get("email").and_then(Value::as_str).is_none() {
        return Err("email is required".into());
    }
    let taken = taken.get_or_insert_with(|| {
        let users = org.objects(Collection::Users).values();
        users
            .filter_map(|u| u.get("username").and_then(Value::as_str).map(str::to_owned))
            .collect()
    });
    if taken.contains(username) {
        return Err("username already exists".into());
    }
    let created = if row.contains_key("id") {
        // A row naming its own id: the stored-object path, which checks the id too.
        org.create(Collection::Users, row, || fresh, Utc::now())
            .map_err(|e| match e {
                crate::fake::FakeError::Conflict(_) => "username already exists".to_owned(),
                other => other.to_string(),
            })?
    } else {
        let user = objects::shape(Collection::Users, &fresh, &org.id, row, Utc::now());
        org.objects_mut(Collection::Users)
            .insert(fresh.clone(), user);
        fresh
    };
    taken.insert(username.to_owned());
    Ok(created)
}

async fn results(req: Scoped, Path(job_id): Path<String>) -> ApiResult<Response> {
    let (mut limit, mut skip) = (10usize, 0usize);
    for (k, v) in query_pairs(req.query.as_deref())? {
        match k.as_str() {
            "limit" => limit = check_limit(parse_count("limit", &v)?, 100)?,
            "skip" => skip = parse_count("skip", &v)?,
            _ => {}
        }
    }
    let mut data = lock(&req.state.data);
    let org = data
        .org_mut(&req.org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let (delay, per_row) = org.jobs.bulk_timing.unwrap_or((BULK_DELAY, BULK_PER_ROW));
    let Some(mut job) = org.jobs.bulk.remove(&job_id) else {
        return Err(ApiError::not_found(format!("job {job_id} not found")));
    };
    let elapsed = job.started.elapsed();
    let mut taken = None;
    for k in 0..job.rows.len() {
        let due = delay + per_row * u32::try_from(k).unwrap_or(u32::MAX);
        if job.outcomes[k].is_none() && elapsed >= due {
            let fresh = req.state.ids.next();
            job.outcomes[k] = Some(apply(org, job.update, &job.rows[k], fresh, &mut taken));
        }
    }
    let items: Vec<Value> = (0..job.rows.len())
        .skip(skip)
        .take(limit)
        .map(|k| result(&job, k))
        .collect();
    let total = job.rows.len();
    org.jobs.bulk.insert(job_id, job);
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", total.into());
    Ok((headers, Json(items)).into_response())
}

fn result(job: &BulkJob, k: usize) -> Value {
    let row = &job.rows[k];
    let mut persisted = Map::new();
    for key in ["username", "email", "id"] {
        if let Some(v) = row.get(key) {
            persisted.insert(key.into(), v.clone());
        }
    }
    let (status, msg) = match &job.outcomes[k] {
        None => ("pending", String::new()),
        Some(Ok(id)) => {
            persisted.insert("id".into(), json!(id));
            ("finished", String::new())
        }
        Some(Err(m)) => ("failed", m.clone()),
    };
    json!({
        "id": job.result_ids[k],
        "status": status,
        "statusMsg": msg,
        "meta": {},
        "persistedFields": persisted,
        "createdAt": "",
        "updatedAt": "",
    })
}
