//! The front door every request passes: body buffering, the request log, faults, then
//! authentication and org selection, then the router.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::BoxError;
use axum::Router;
use axum::body::{Body, HttpBody};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::{Request, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use tokio::sync::Notify;
use tower::ServiceExt;

use super::auth::{self, Caller, ORG_HEADER, ORG_HEADER_REFUSED};
use super::error::ApiError;
use super::faults::{self, Action};
use super::state::{InFlight, Shared, lock};
use super::system_context;

/// Largest request body accepted (JumpCloud bodies are small).
const MAX_BODY: usize = 8 * 1024 * 1024;
/// Largest response body a fault will buffer to rewrite.
const MAX_REWRITE: usize = 64 * 1024 * 1024;

/// Path of the OAuth token endpoint, which authenticates with Basic credentials instead.
pub(crate) const TOKEN_PATH: &str = "/oauth2/token";

/// Serve one request. `kill` closes this request's connection (for the drop fault).
pub(crate) async fn handle<B>(
    shared: Arc<Shared>,
    router: Router,
    kill: Arc<Notify>,
    req: Request<B>,
) -> Response
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let _in_flight = InFlight::enter(&shared);
    let (parts, body) = req.into_parts();
    let bytes = match Limited::new(body, MAX_BODY).collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => {
            let idx = shared.log.record(&parts, b"");
            shared.log.set_status(idx, 413);
            return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
                .into_response();
        }
    };
    let idx = shared.log.record(&parts, &bytes);
    let latency = shared.latency_micros.load(Ordering::Relaxed);
    if latency > 0 {
        tokio::time::sleep(Duration::from_micros(latency)).await;
    }

    let fault = shared.faults.take(&parts.method, parts.uri.path());
    let action = match fault {
        Some(f) => {
            if !f.delay.is_zero() {
                tokio::time::sleep(f.delay).await;
            }
            f.action
        }
        None => Action::Pass,
    };
    match &action {
        Action::Status {
            code,
            retry_after,
            body,
        } => {
            let resp = faults::status_response(*code, retry_after.as_deref(), body.as_ref());
            shared.log.set_status(idx, resp.status().as_u16());
            return resp;
        }
        Action::DropConnection => {
            kill.notify_one();
            std::future::pending::<()>().await;
        }
        _ => {}
    }

    let mut req = Request::from_parts(parts, Body::from(bytes));
    let resp = match authorize(&shared, &req) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            match router.oneshot(req).await {
                Ok(r) => r,
                Err(never) => match never {},
            }
        }
        Err(e) => e.into_response(),
    };
    let resp = rewrite(resp, &action).await;
    shared.log.set_status(idx, resp.status().as_u16());
    resp
}

/// Check the credential and pick the org, per the route's rules.
fn authorize<B>(shared: &Shared, req: &Request<B>) -> Result<Caller, ApiError> {
    let path = req.uri().path();
    if path == TOKEN_PATH {
        return Ok(Caller {
            orgs: Vec::new(),
            org: None,
        });
    }
    let headers = req.headers();
    if system_context::is_signed(headers) {
        let key = {
            let auth = lock(&shared.auth);
            system_context::verify(req.method(), req.uri(), headers, |id| {
                auth.system_keys.get(id).cloned()
            })?
            .1
        };
        let orgs = vec![key.org];
        let org = auth::select_org(&orgs, headers, false)?;
        return Ok(Caller {
            orgs,
            org: Some(org),
        });
    }
    let (orgs, lenient) = {
        let mut auth = lock(&shared.auth);
        (auth.credential_orgs(headers)?, auth.accept_any.is_some())
    };
    if auth::refuses_org_header(path) {
        if headers.contains_key(ORG_HEADER) {
            return Err(ApiError::new(StatusCode::FORBIDDEN, ORG_HEADER_REFUSED));
        }
        return Ok(Caller { orgs, org: None });
    }
    let org = auth::select_org(&orgs, headers, lenient)?;
    Ok(Caller {
        orgs,
        org: Some(org),
    })
}

/// Apply a body-altering fault to a served response.
async fn rewrite(resp: Response, action: &Action) -> Response {
    if !matches!(
        action,
        Action::AbortBody | Action::TruncateJson | Action::Inject { .. } | Action::DropRecords(_)
    ) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REWRITE).await else {
        return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "fault rewrite failed")
            .into_response();
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = match action {
        Action::AbortBody => {
            parts
                .headers
                .insert(header::CONTENT_LENGTH, bytes.len().into());
            faults::aborted_body(bytes)
        }
        Action::TruncateJson => Body::from(faults::truncate(&bytes)),
        Action::Inject { field, value } => Body::from(faults::inject(&bytes, field, value)),
        Action::DropRecords(n) => Body::from(faults::drop_records(&bytes, *n)),
        _ => Body::from(bytes),
    };
    Response::from_parts(parts, body)
}
