//! v1 command runs: `POST /api/runCommand` (`{_id, systemIds}`) answers
//! `{queueIds, workflowInstanceId}` at once; each system's result is added to
//! `commandresults` later (see [`FakeOrg::set_command_timing`]) with the run's
//! `workflowInstanceId`, `workflowId` (the command id), `system` (display name, else
//! hostname), `systemId`, `requestTime`, `responseTime` and `response.data.{exitCode,
//! output}`; silent systems never answer. An unknown command or system is a 404.
//! `POST /api/command/trigger/{triggername}` answers `{triggered: [command names]}` for the
//! commands whose `trigger` is that name (404 when none). The destructive built-ins
//! `POST /api/systems/{id}/command/builtin/{erase,lock,restart,shutdown}` answer 201 with
//! no body for a known system (404 otherwise).
//!
//! [`FakeOrg::set_command_timing`]: crate::fake::FakeOrg::set_command_timing

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};

use super::{AppState, Org, check_id, json_object, string_array};
use crate::fake::commands::{COMMAND_DELAY, COMMAND_PER_SYSTEM};
use crate::fake::error::{ApiError, ApiResult};
use crate::fake::state::{Collection, Shared, lock};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/runCommand", post(run))
        .route("/api/command/trigger/{name}", post(trigger))
        .route("/api/systems/{id}/command/builtin/{action}", post(builtin))
}

/// One system's part of a run, decided when the run starts.
struct Pending {
    system_id: String,
    system: String,
    due: std::time::Duration,
    exit_code: i64,
}

async fn run(State(s): State<AppState>, Org(org): Org, body: Bytes) -> ApiResult<Response> {
    let body = json_object(&body)?;
    let command_id = body
        .get("_id")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("_id is required"))?
        .to_ascii_lowercase();
    check_id(&command_id)?;
    let ids: Vec<String> = string_array(body.get("systemIds"), "systemIds")?
        .unwrap_or_default()
        .iter()
        .map(|id| id.to_ascii_lowercase())
        .collect();
    let instance = s.ids.next();
    let (command, plan) = {
        let data = lock(&s.data);
        let o = data
            .org(&org)
            .map_err(|e| ApiError::not_found(e.to_string()))?;
        let Some(command) = o.objects(Collection::Commands).get(&command_id).cloned() else {
            return Err(ApiError::not_found("command not found"));
        };
        let timing = &o.jobs.commands;
        let (first, per) = timing.delays.unwrap_or((COMMAND_DELAY, COMMAND_PER_SYSTEM));
        let mut plan = Vec::new();
        for (k, id) in ids.iter().enumerate() {
            let Some(system) = o.objects(Collection::Systems).get(id) else {
                return Err(ApiError::not_found(format!("system {id} not found")));
            };
            if timing.silent.contains(id) {
                continue;
            }
            let name = ["displayName", "hostname"]
                .iter()
                .find_map(|k| system.get(*k).and_then(Value::as_str))
                .unwrap_or("")
                .to_owned();
            plan.push(Pending {
                system_id: id.clone(),
                system: name,
                due: first + per * u32::try_from(k).unwrap_or(u32::MAX),
                exit_code: timing.exit_codes.get(id).copied().unwrap_or(0),
            });
        }
        (command, plan)
    };
    let queue_ids: Vec<String> = ids.iter().map(|_| s.ids.next()).collect();
    let started = Utc::now();
    let shared = Arc::clone(&s);
    let (org2, instance2) = (org.clone(), instance.clone());
    tokio::spawn(async move {
        let begun = tokio::time::Instant::now();
        for p in plan {
            tokio::time::sleep_until(begun + p.due).await;
            answer(
                &shared,
                &org2,
                &command_id,
                &command,
                &instance2,
                &p,
                started,
            );
        }
    });
    Ok(Json(json!({ "queueIds": queue_ids, "workflowInstanceId": instance })).into_response())
}

/// Stores system `p`'s result of the run.
fn answer(
    s: &Shared,
    org: &str,
    command_id: &str,
    command: &Value,
    instance: &str,
    p: &Pending,
    started: chrono::DateTime<Utc>,
) {
    let line = command.get("command").and_then(Value::as_str).unwrap_or("");
    let now = Utc::now();
    let at = |t: chrono::DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
    let result = json!({
        "command": line,
        "name": command.get("name").cloned().unwrap_or(Value::Null),
        "system": p.system,
        "systemId": p.system_id,
        "workflowId": command_id,
        "workflowInstanceId": instance,
        "requestTime": at(started),
        "responseTime": at(now),
        "sudo": command.get("sudo").cloned().unwrap_or(json!(false)),
        "user": "root",
        "response": {
            "id": s.ids.next(),
            "error": "",
            "data": {"exitCode": p.exit_code, "output": format!("ran `{line}` on {}\n", p.system)},
        },
    });
    let Value::Object(input) = result else {
        return;
    };
    let fresh = s.ids.next();
    let mut data = lock(&s.data);
    if let Ok(o) = data.org_mut(org) {
        // The org existed when the run started; a failure here means it was removed since.
        let _ = o.create(Collection::CommandResults, &input, || fresh, now);
    }
}

async fn trigger(
    State(s): State<AppState>,
    Org(org): Org,
    Path(name): Path<String>,
) -> ApiResult<Json<Value>> {
    let data = lock(&s.data);
    let o = data
        .org(&org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let triggered: Vec<Value> = o
        .objects(Collection::Commands)
        .values()
        .filter(|c| c.get("trigger").and_then(Value::as_str) == Some(name.as_str()))
        .filter_map(|c| c.get("name").cloned())
        .collect();
    if triggered.is_empty() {
        return Err(ApiError::not_found(format!(
            "no command has trigger {name:?}"
        )));
    }
    Ok(Json(json!({ "triggered": triggered })))
}

async fn builtin(
    State(s): State<AppState>,
    Org(org): Org,
    Path((id, action)): Path<(String, String)>,
) -> ApiResult<Response> {
    check_id(&id)?;
    if !["erase", "lock", "restart", "shutdown"].contains(&action.as_str()) {
        return Err(ApiError::not_found("Not Found"));
    }
    let data = lock(&s.data);
    let o = data
        .org(&org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    if !o
        .objects(Collection::Systems)
        .contains_key(&id.to_ascii_lowercase())
    {
        return Err(ApiError::not_found(format!("system {id} not found")));
    }
    Ok(StatusCode::CREATED.into_response())
}
