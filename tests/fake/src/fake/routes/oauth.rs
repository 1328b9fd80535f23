//! `POST /oauth2/token`: the client-credentials grant for service accounts.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::json;

use super::AppState;
use crate::fake::auth::basic;
use crate::fake::error::{ApiError, ErrorStyle};
use crate::fake::gateway::TOKEN_PATH;
use crate::fake::state::lock;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route(TOKEN_PATH, post(token))
}

fn oauth_error(status: StatusCode, code: &str) -> Response {
    let mut resp = ApiError::new(status, code)
        .style(ErrorStyle::Error)
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
    }
    resp
}

async fn token(State(s): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    s.token_requests.fetch_add(1, Ordering::Relaxed);
    let Some((id, secret)) = basic(&headers) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    let Some(orgs) = lock(&s.auth).check_client(&id, &secret) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    let Ok(form) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    };
    let field = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    match field("grant_type") {
        Some("client_credentials") => {}
        Some(_) => return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type"),
        None => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request"),
    }
    if field("scope").is_some_and(|sc| sc.split_whitespace().any(|one| one != "api")) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_scope");
    }
    let token = s.ids.token();
    let mut auth = lock(&s.auth);
    let lifetime = auth.token_lifetime.as_secs();
    auth.store_token(token.clone(), orgs);
    let mut resp = Json(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": lifetime,
        "scope": "api",
    }))
    .into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
