//! Errors: the public one for misuse of the handle, and the HTTP error bodies routes answer with.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why a call on the fake's handle (seeding, linking, configuring; not an HTTP request) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FakeError {
    /// The org id isn't one the fake was started with.
    #[error("unknown organization {0}")]
    UnknownOrg(String),
    /// No service account has this client id.
    #[error("unknown client {0}")]
    UnknownClient(String),
    /// The object given to seed a collection isn't acceptable (e.g. not a JSON object).
    #[error("invalid object: {0}")]
    InvalidObject(String),
    /// The object clashes with an existing one (same id, username or group name), or the
    /// link being added exists already.
    #[error("conflict: {0}")]
    Conflict(String),
    /// An object or link named in the call doesn't exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The two objects can't be linked that way (e.g. a user as member of a system group).
    #[error("invalid link: {0}")]
    InvalidLink(String),
    /// [`FakeJumpCloud::verify`](super::FakeJumpCloud::verify): these scripted faults never
    /// caught a request (each described by its `Display`), so the test did not exercise what
    /// it set up.
    #[error("{} scripted fault(s) never fired: {}", .0.len(), .0.join("; "))]
    UnfiredFaults(Vec<String>),
}

/// How an error body is shaped. JumpCloud isn't uniform, and clients must cope with each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorStyle {
    /// `{"message": "..."}` (v1 and most of v2).
    Message,
    /// `{"message": "...", "code": N}` (some v2 routes add the status).
    MessageCode,
    /// `{"error": "..."}` (OAuth and Directory Insights).
    Error,
}

/// An HTTP error answer from a route or the gateway.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    pub(crate) style: ErrorStyle,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            style: ErrorStyle::Message,
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    pub(crate) fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    /// Re-shape the body (see [`ErrorStyle`]).
    pub(crate) fn style(mut self, style: ErrorStyle) -> Self {
        self.style = style;
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match self.style {
            ErrorStyle::Message => json!({ "message": self.message }),
            ErrorStyle::MessageCode => {
                json!({ "message": self.message, "code": self.status.as_u16() })
            }
            ErrorStyle::Error => json!({ "error": self.message }),
        };
        (self.status, Json(body)).into_response()
    }
}

/// Result type of route handlers.
pub(crate) type ApiResult<T> = Result<T, ApiError>;
