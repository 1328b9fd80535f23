//! The HTTP routes, one file per API, and the helpers they share.

mod bulk;
mod commands;
pub(crate) mod graph;
mod imports;
mod insights;
mod insights_counts;
pub(crate) mod insights_tables;
mod oauth;
mod orgs;
mod resources;
mod search;
mod userstates;
mod v1;
mod v2;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde_json::{Map, Value};

use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::ids::is_object_id;
use super::state::Shared;

/// All routes on one origin, as the fake serves them.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(v1::routes())
        .merge(v2::routes())
        .merge(search::routes())
        .merge(resources::routes())
        .merge(graph::routes())
        .merge(insights_tables::routes())
        .merge(imports::routes())
        .merge(bulk::routes())
        .merge(commands::routes())
        .merge(userstates::routes())
        .merge(insights::routes())
        .merge(insights_counts::routes())
        .merge(oauth::routes())
        .merge(orgs::routes())
        .fallback(|| async { ApiError::not_found("Not Found") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        })
        .with_state(shared)
}

/// Shared state as handlers see it.
type AppState = Arc<Shared>;

/// The organisation the gateway selected for this request.
pub(crate) struct Org(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for Org {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .and_then(|c| c.org.clone())
            .map(Org)
            .ok_or_else(|| ApiError::unauthorized("no organization selected"))
    }
}

/// The caller's credential reach (for cross-org routes).
pub(crate) struct Reach(pub(crate) Vec<String>);

impl<S: Send + Sync> FromRequestParts<S> for Reach {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .map(|c| Reach(c.orgs.clone()))
            .ok_or_else(|| ApiError::unauthorized("Unauthorized"))
    }
}

/// Parse a JSON object body; anything else is a 400.
pub(crate) fn json_object(body: &[u8]) -> ApiResult<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request("request body must be a JSON object")),
        Err(e) => Err(ApiError::bad_request(format!("invalid JSON body: {e}"))),
    }
}

/// Reject path ids that can't be object ids (400), before looking them up (404).
pub(crate) fn check_id(id: &str) -> ApiResult<()> {
    if is_object_id(id) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("invalid id {id:?}")))
    }
}
