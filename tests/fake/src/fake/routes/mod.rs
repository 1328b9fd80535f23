//! The HTTP routes, one file per API, and the helpers they share.

mod bulk;
mod commands;
pub(crate) mod graph;
mod imports;
mod insights;
mod insights_counts;
pub(crate) mod insights_tables;
mod logos;
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
use super::listing::{Dialect, ListQuery, query_pairs};
use super::state::{Org as OrgData, Shared, lock};

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
        .merge(logos::routes())
        .fallback(|| async { ApiError::not_found("Not Found") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        })
        .with_state(shared)
}

/// Shared state as handlers see it.
type AppState = Arc<Shared>;

/// Who the gateway found the request to come from, if it let the request through.
fn caller(parts: &Parts) -> Option<&Caller> {
    parts.extensions.get::<Caller>()
}

/// The organisation the gateway selected for this request.
pub(crate) struct Org(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for Org {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        caller(parts)
            .and_then(|c| c.org.clone())
            .map(Org)
            .ok_or_else(|| ApiError::unauthorized("no organization selected"))
    }
}

/// What most handlers of one organisation's data take from a request: the shared state, the
/// organisation the gateway selected (401 when none) and the raw query string.
pub(crate) struct Scoped {
    pub(crate) state: AppState,
    pub(crate) org: String,
    pub(crate) query: Option<String>,
}

impl FromRequestParts<AppState> for Scoped {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Org(org) = Org::from_request_parts(parts, state).await?;
        let query = parts.uri.query().map(str::to_owned);
        let state = Arc::clone(state);
        Ok(Scoped { state, org, query })
    }
}

impl Scoped {
    /// The request's listing parameters (`limit`, `skip`, `sort`, `filter`, ...) as `dialect`
    /// reads them.
    pub(crate) fn list_query(&self, dialect: Dialect) -> ApiResult<ListQuery> {
        ListQuery::parse(&query_pairs(self.query.as_deref())?, dialect)
    }

    /// Reads the selected organisation's data with `f` under the lock (404 if it is gone).
    pub(crate) fn read<T>(&self, f: impl FnOnce(&OrgData) -> T) -> ApiResult<T> {
        let data = lock(&self.state.data);
        let org = data
            .org(&self.org)
            .map_err(|e| ApiError::not_found(e.to_string()))?;
        Ok(f(org))
    }

    /// Runs `f` on the selected organisation's data under the lock (404 if it is gone).
    pub(crate) fn write<T>(&self, f: impl FnOnce(&mut OrgData) -> ApiResult<T>) -> ApiResult<T> {
        let mut data = lock(&self.state.data);
        let org = data
            .org_mut(&self.org)
            .map_err(|e| ApiError::not_found(e.to_string()))?;
        f(org)
    }
}

/// The caller's credential reach (for cross-org routes).
pub(crate) struct Reach(pub(crate) Vec<String>);

impl<S: Send + Sync> FromRequestParts<S> for Reach {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        caller(parts)
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

/// The strings of an optional array field called `name` in a body (`None` when it is
/// absent or null); anything but an array of strings is a 400 naming the field.
pub(crate) fn string_array(v: Option<&Value>, name: &str) -> ApiResult<Option<Vec<String>>> {
    let items = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(_) => return Err(ApiError::bad_request(format!("{name} must be an array"))),
    };
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| ApiError::bad_request(format!("{name} must be strings")))
        })
        .collect::<ApiResult<_>>()
        .map(Some)
}

/// Reject path ids that can't be object ids (400), before looking them up (404).
pub(crate) fn check_id(id: &str) -> ApiResult<()> {
    if is_object_id(id) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!("invalid id {id:?}")))
    }
}
