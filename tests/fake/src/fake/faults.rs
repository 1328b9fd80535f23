//! Fault injection: scripted misbehaviour for the next N matching requests.
//!
//! A [`Fault`] is a matcher (methods, path prefix), a count, an optional delay and an action.
//! Faults wait in a queue ([`Faults`]); each request is caught by the oldest pending fault
//! that matches it, which is used up after its count. Status faults answer before
//! authentication, like the gateway in front of JumpCloud; the others let the request be
//! served and then spoil the answer.
//!
//! A fault that never caught a request is a test that did not test what it meant to, so it
//! fails the test: [`FakeJumpCloud::verify`] says which, and dropping the fake panics with
//! the same list (as wiremock's expectations do). [`Fault::optional`] opts a fault out.
//!
//! [`FakeJumpCloud::verify`]: super::FakeJumpCloud::verify

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use http::{HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};

use super::state::lock;

/// What a fault does to the request it catches.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    /// Nothing beyond the fault's delay: the request is served normally.
    Pass,
    /// Answer with this status instead of serving the request.
    Status {
        code: u16,
        retry_after: Option<String>,
        body: Option<(String, &'static str)>,
    },
    /// Close the connection without answering.
    DropConnection,
    /// Send the status, headers and part of the body, then break the connection.
    AbortBody,
    /// Serve normally but cut the body short, with a matching `Content-Length`.
    TruncateJson,
    /// Serve normally but set `field` to `value` on every object of the answer.
    Inject { field: String, value: Value },
    /// Serve normally but leave the last `n` records out of the page, headers untouched.
    DropRecords(usize),
}

/// One scripted misbehaviour: a matcher (method, path prefix), how many requests it catches,
/// an optional delay and an action. Build with the constructors, refine with the modifiers,
/// then hand it to [`Faults::push`]. Unless [`Fault::optional`], it must catch at least one
/// request before the fake is dropped (see [`FakeJumpCloud::verify`]).
///
/// [`FakeJumpCloud::verify`]: super::FakeJumpCloud::verify
#[derive(Debug, Clone)]
pub struct Fault {
    /// Methods caught, upper case; empty catches every method.
    methods: Vec<String>,
    path_prefix: Option<String>,
    /// Caught only when the path contains this (see [`Fault::on_path_containing`]).
    path_part: Option<String>,
    /// Requests still to catch; `None` until pushed: 1, or unlimited with [`Fault::every`].
    times: Option<usize>,
    after: usize,
    /// Catch every `every`-th matching request (1: each one).
    every: usize,
    /// Matching requests seen while armed (past `after`), for `every`.
    seen: usize,
    /// Requests caught so far.
    caught: usize,
    optional: bool,
    pub(crate) delay: Duration,
    pub(crate) action: Action,
}

impl Fault {
    fn new(action: Action) -> Self {
        Self {
            methods: Vec::new(),
            path_prefix: None,
            path_part: None,
            times: None,
            after: 0,
            every: 1,
            seen: 0,
            caught: 0,
            optional: false,
            delay: Duration::ZERO,
            action,
        }
    }

    /// How many more requests it catches (`usize::MAX`: no limit).
    fn remaining(&self) -> usize {
        self.times
            .unwrap_or(if self.every > 1 { usize::MAX } else { 1 })
    }

    /// Answer with `code` (e.g. 429, 500, 502, 503, 504) and a small JSON body, instead of
    /// serving the request. Runs before authentication, like a gateway in front of the API.
    pub fn status(code: u16) -> Self {
        Self::new(Action::Status {
            code,
            retry_after: None,
            body: None,
        })
    }

    /// A 429 throttling answer; add [`Fault::retry_after_secs`] for a `Retry-After` header
    /// (JumpCloud has not been seen sending one, but clients must honour it if it does).
    pub fn rate_limited() -> Self {
        Self::status(429)
    }

    /// A 500 answer with JumpCloud's `{"message": ...}` body: for a failing write use
    /// `Fault::server_error().on_writes()`, and check that the code under test reports it
    /// and does not claim success.
    pub fn server_error() -> Self {
        Self::status(500)
    }

    /// Serve the request normally after waiting `d` (slow server, client timeouts).
    pub fn latency(d: Duration) -> Self {
        Self::new(Action::Pass).delay(d)
    }

    /// Close the connection without sending any response, so the client sees a connection
    /// error rather than a status.
    pub fn drop_connection() -> Self {
        Self::new(Action::DropConnection)
    }

    /// Send a 200 with headers and about half the body, then break the connection, so the
    /// client sees a body read error after it has the status.
    pub fn abort_body() -> Self {
        Self::new(Action::AbortBody)
    }

    /// Serve the request but cut the JSON body mid-object (well-framed: the client gets a
    /// complete HTTP response whose JSON doesn't parse).
    pub fn truncated_json() -> Self {
        Self::new(Action::TruncateJson)
    }

    /// Serve the request but set top-level `field` to `value` on every object in the answer
    /// (array items, `results` items, or the object itself): for values the spec doesn't list.
    pub fn inject_field(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::new(Action::Inject {
            field: field.into(),
            value: value.into(),
        })
    }

    /// Short pages: serve the request but silently leave the last `n` records out of the page (a bare
    /// array, or `results` of a v1 list), while `x-total-count` / `totalCount` and every
    /// other header still count them: the short page in the middle of a collection that
    /// JumpCloud produces when it drops records after paging. Scope it with
    /// [`Fault::on_path`] and pick the page with [`Fault::after`].
    pub fn drop_records(n: usize) -> Self {
        Self::new(Action::DropRecords(n))
    }

    /// A key whose role may not list associations: every `GET` of a v2
    /// `/{kind}/{id}/associations` listing answers 403 (with JumpCloud's
    /// `{"message": "Forbidden"}`), for good, while the traversal listings
    /// (`/users/{id}/systems`, ...), members and objects still answer. Clients
    /// that back an organisation up with such a key fall back to traversal.
    /// Optional: a test may not reach an association listing.
    pub fn read_only_associations() -> Self {
        Self::status(403)
            .body(r#"{"message":"Forbidden"}"#)
            .on_method("GET")
            .on_path_containing("/associations")
            .times(usize::MAX)
            .optional()
    }

    /// Users come back with `state: "SOME_NEW_STATE"`, outside the spec's enum.
    pub fn unknown_user_state() -> Self {
        Self::inject_field("state", "SOME_NEW_STATE")
    }

    /// Systems come back with an `osFamily` no client knows.
    pub fn unknown_os_family() -> Self {
        Self::inject_field("osFamily", "fuchsia")
    }

    /// Only catch requests with this method, any case (`"POST"`, `"get"`), as
    /// [`FakeJumpCloud::requests_to`] takes it; call again to catch several methods.
    ///
    /// [`FakeJumpCloud::requests_to`]: super::FakeJumpCloud::requests_to
    pub fn on_method(mut self, method: &str) -> Self {
        let method = method.trim().to_ascii_uppercase();
        if !self.methods.contains(&method) {
            self.methods.push(method);
        }
        self
    }

    /// Only catch writes: `POST`, `PUT`, `PATCH` and `DELETE`. JumpCloud also reads through
    /// `POST` (v1 `/api/search/*`, Directory Insights `/events`); narrow with
    /// [`Fault::on_path`] when the code under test uses those.
    pub fn on_writes(self) -> Self {
        ["POST", "PUT", "PATCH", "DELETE"]
            .into_iter()
            .fold(self, Self::on_method)
    }

    /// Only catch requests whose path starts with `prefix` (e.g. `/api/v2/usergroups`).
    pub fn on_path(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    /// Only catch requests whose path contains `part` anywhere (e.g. `/associations`, to
    /// catch every object's association listing whatever its id); with [`Fault::on_path`],
    /// both must match.
    pub fn on_path_containing(mut self, part: impl Into<String>) -> Self {
        self.path_part = Some(part.into());
        self
    }

    /// Catch the next `n` matching requests instead of one (with [`Fault::every`]: `n` of
    /// them in all, `every` apart).
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }

    /// Catch every `n`-th matching request (the `n`-th, `2n`-th, ...) and let the others
    /// through to later faults and the API, with no limit unless [`Fault::times`] sets one:
    /// steady throttling (`Fault::rate_limited().every(5)`) or flaky writes. `0` is taken
    /// as 1.
    pub fn every(mut self, n: usize) -> Self {
        self.every = n.max(1);
        self
    }

    /// Don't fail the test if this fault never catches a request: for faults a test sets up
    /// in case the code under test takes a path it may not take (a retry that may not
    /// happen, a page that may not be read).
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Let the first `n` matching requests through untouched before catching any (e.g.
    /// `Fault::drop_records(3).on_path("/api/v2/usergroups").after(1)` shortens page two).
    pub fn after(mut self, n: usize) -> Self {
        self.after = n;
        self
    }

    /// Wait `d` before acting (adds to any earlier delay).
    pub fn delay(mut self, d: Duration) -> Self {
        self.delay += d;
        self
    }

    /// Add `Retry-After: <secs>` to a status fault.
    pub fn retry_after_secs(self, secs: u64) -> Self {
        self.retry_after_raw(secs.to_string())
    }

    /// Add `Retry-After: <HTTP date>` to a status fault.
    pub fn retry_after_at(self, when: SystemTime) -> Self {
        self.retry_after_raw(httpdate::fmt_http_date(when))
    }

    /// Add a `Retry-After` header with any text, to test lenient parsing of odd values.
    pub fn retry_after_raw(mut self, value: impl Into<String>) -> Self {
        if let Action::Status { retry_after, .. } = &mut self.action {
            *retry_after = Some(value.into());
        }
        self
    }

    /// Give a status fault this body; sent as JSON if it parses as JSON, else as plain text.
    pub fn body(mut self, text: impl Into<String>) -> Self {
        if let Action::Status { body, .. } = &mut self.action {
            let text = text.into();
            let kind = if serde_json::from_str::<Value>(&text).is_ok() {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            *body = Some((text, kind));
        }
        self
    }

    /// Give a status fault an HTML body, as load balancers send for 502/504.
    pub fn html_body(mut self, html: impl Into<String>) -> Self {
        if let Action::Status { body, .. } = &mut self.action {
            *body = Some((html.into(), "text/html; charset=utf-8"));
        }
        self
    }

    fn matches(&self, method: &Method, path: &str) -> bool {
        (self.methods.is_empty() || self.methods.iter().any(|m| m == method.as_str()))
            && self
                .path_prefix
                .as_deref()
                .is_none_or(|p| path.starts_with(p))
            && self.path_part.as_deref().is_none_or(|p| path.contains(p))
    }
}

impl fmt::Display for Fault {
    /// What the fault does and to which requests, for [`FakeJumpCloud::verify`]'s report.
    ///
    /// [`FakeJumpCloud::verify`]: super::FakeJumpCloud::verify
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.action {
            Action::Pass => write!(f, "latency {:?}", self.delay)?,
            Action::Status { code, .. } => write!(f, "status {code}")?,
            Action::DropConnection => f.write_str("dropped connection")?,
            Action::AbortBody => f.write_str("aborted body")?,
            Action::TruncateJson => f.write_str("truncated JSON")?,
            Action::Inject { field, value } => write!(f, "{field} = {value}")?,
            Action::DropRecords(n) => write!(f, "{n} records dropped")?,
        }
        if self.methods.is_empty() {
            f.write_str(" on any method")?;
        } else {
            write!(f, " on {}", self.methods.join("|"))?;
        }
        match (&self.path_prefix, &self.path_part) {
            (Some(p), Some(part)) => write!(f, " of {p}*{part}*")?,
            (Some(p), None) => write!(f, " of {p}*")?,
            (None, Some(part)) => write!(f, " of *{part}*")?,
            (None, None) => f.write_str(" of any path")?,
        }
        if self.every > 1 {
            write!(f, ", every {}th", self.every)?;
        }
        if self.after > 0 {
            write!(f, ", after {} more", self.after)?;
        }
        Ok(())
    }
}

/// The queue of pending faults. Each request is caught by at most one fault: the oldest
/// matching one, which is used up after its count.
#[derive(Debug, Default)]
pub struct Faults {
    queue: Mutex<VecDeque<Fault>>,
}

impl Faults {
    /// Queue a fault behind those already pending. A fault that can catch nothing
    /// (`times(0)`) is ignored.
    pub fn push(&self, mut fault: Fault) {
        let remaining = fault.remaining();
        if remaining > 0 {
            fault.times = Some(remaining);
            lock(&self.queue).push_back(fault);
        }
    }

    /// Forget every pending fault (they are no longer expected to fire either).
    pub fn clear(&self) {
        lock(&self.queue).clear();
    }

    /// How many requests the pending faults will still catch (`usize::MAX` when one of them
    /// has no limit, see [`Fault::every`]).
    pub fn pending(&self) -> usize {
        lock(&self.queue)
            .iter()
            .fold(0usize, |n, f| n.saturating_add(f.remaining()))
    }

    /// The pending faults that have not caught any request yet and are not
    /// [`Fault::optional`]: what [`FakeJumpCloud::verify`] reports.
    ///
    /// [`FakeJumpCloud::verify`]: super::FakeJumpCloud::verify
    pub fn unfired(&self) -> Vec<Fault> {
        lock(&self.queue)
            .iter()
            .filter(|f| f.caught == 0 && !f.optional)
            .cloned()
            .collect()
    }

    /// Use up one count of the first fault matching this request. Faults still letting
    /// requests through ([`Fault::after`], or between two catches of [`Fault::every`]) count
    /// this one and don't catch it.
    pub(crate) fn take(&self, method: &Method, path: &str) -> Option<Fault> {
        let mut queue = lock(&self.queue);
        let mut pos = None;
        for (i, f) in queue.iter_mut().enumerate() {
            if !f.matches(method, path) {
                continue;
            }
            if f.after > 0 {
                f.after -= 1;
                continue;
            }
            f.seen += 1;
            if !f.seen.is_multiple_of(f.every) {
                continue;
            }
            pos = Some(i);
            break;
        }
        let pos = pos?;
        let fault = queue.get_mut(pos)?;
        // `usize::MAX` is no limit (see `every`), not a count to wear down.
        let left = match fault.remaining() {
            usize::MAX => usize::MAX,
            n => n.saturating_sub(1),
        };
        fault.times = Some(left);
        fault.caught += 1;
        let caught = fault.clone();
        if left == 0 {
            queue.remove(pos);
        }
        Some(caught)
    }
}

/// The answer of a status fault.
pub(crate) fn status_response(
    code: u16,
    retry_after: Option<&str>,
    body: Option<&(String, &'static str)>,
) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (text, kind) = match body {
        Some((text, kind)) => (text.clone(), *kind),
        None => (
            json!({ "message": status.canonical_reason().unwrap_or("error") }).to_string(),
            "application/json",
        ),
    };
    let mut resp = Response::new(Body::from(text));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Some(v) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// Cut a JSON body so it can't parse: about half of it, never a complete value.
pub(crate) fn truncate(body: &Bytes) -> Bytes {
    let mut cut = body.len() / 2;
    while cut > 0 && serde_json::from_slice::<Value>(&body[..cut]).is_ok() {
        cut -= 1;
    }
    body.slice(..cut.max(1).min(body.len()))
}

/// Set `field` on every object of an answer body; non-JSON bodies are left alone.
pub(crate) fn inject(body: &Bytes, field: &str, value: &Value) -> Bytes {
    let Ok(mut json) = serde_json::from_slice::<Value>(body) else {
        return body.clone();
    };
    let set = |o: &mut Value| {
        if let Value::Object(map) = o {
            map.insert(field.to_owned(), value.clone());
        }
    };
    match &mut json {
        Value::Array(items) => items.iter_mut().for_each(set),
        Value::Object(map) => match map.get_mut("results") {
            Some(Value::Array(items)) => items.iter_mut().for_each(set),
            _ => set(&mut json),
        },
        _ => {}
    }
    Bytes::from(json.to_string())
}

/// Leave the last `n` records out of a list body (bare array or `results`).
pub(crate) fn drop_records(body: &Bytes, n: usize) -> Bytes {
    let Ok(mut json) = serde_json::from_slice::<Value>(body) else {
        return body.clone();
    };
    let items = match &mut json {
        Value::Array(items) => items,
        Value::Object(map) => match map.get_mut("results") {
            Some(Value::Array(items)) => items,
            _ => return body.clone(),
        },
        _ => return body.clone(),
    };
    items.truncate(items.len().saturating_sub(n));
    Bytes::from(json.to_string())
}

/// A body that yields `body`'s first half, pauses so the server flushes the status, headers
/// and that half, then fails, breaking the connection.
pub(crate) fn aborted_body(body: Bytes) -> Body {
    use futures::StreamExt;
    let half = body.slice(..body.len() / 2);
    let head = futures::stream::once(async move { Ok::<_, std::io::Error>(half) });
    let fail = futures::stream::once(async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault: connection aborted mid-body",
        ))
    });
    Body::from_stream(head.chain(fail))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn queue_matching_and_counts() {
        let faults = Faults::default();
        faults.push(Fault::status(503).on_path("/api/v2").times(2));
        faults.push(Fault::status(429).on_method("post"));
        faults.push(Fault::status(500).times(0));
        assert_eq!(faults.pending(), 3);
        assert!(faults.take(&Method::GET, "/api/systems").is_none());
        let f = faults.take(&Method::POST, "/api/systemusers").unwrap();
        assert!(matches!(f.action, Action::Status { code: 429, .. }));
        assert!(faults.take(&Method::GET, "/api/v2/groups").is_some());
        assert!(faults.take(&Method::GET, "/api/v2/groups").is_some());
        assert!(faults.take(&Method::GET, "/api/v2/groups").is_none());
        assert_eq!(faults.pending(), 0);
    }

    #[test]
    fn truncation_and_injection() {
        let body = Bytes::from(r#"[{"a":1},{"a":2}]"#);
        let cut = truncate(&body);
        assert!(cut.len() < body.len());
        assert!(serde_json::from_slice::<Value>(&cut).is_err());
        let out = inject(
            &Bytes::from(r#"{"results":[{"a":1}],"totalCount":1}"#),
            "state",
            &json!("X"),
        );
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["results"][0]["state"], "X");
        let out = inject(&Bytes::from(r#"{"_id":"1"}"#), "os", &json!("new"));
        assert_eq!(serde_json::from_slice::<Value>(&out).unwrap()["os"], "new");
    }
}
