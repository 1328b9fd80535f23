//! The request log: what reached the fake, with secrets redacted, for wire-level assertions.

use std::sync::Mutex;
use std::time::Instant;

use http::request::Parts;
use serde_json::Value;

use super::state::lock;

/// Placeholder recorded instead of a secret.
pub const REDACTED: &str = "<redacted>";

/// Headers whose values are credentials and are never recorded.
const SECRET_HEADERS: [&str; 4] = [
    "x-api-key",
    "authorization",
    "cookie",
    "proxy-authorization",
];

/// Body fields (JSON or form) whose values are credentials.
const SECRET_FIELDS: [&str; 4] = [
    "password",
    "client_secret",
    "client_assertion",
    "refresh_token",
];

/// Largest body kept in the log; longer ones are cut (the request itself is not affected).
const MAX_LOGGED_BODY: usize = 64 * 1024;

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `GET`.
    pub method: String,
    /// Path without the query, e.g. `/api/v2/usergroups`.
    pub path: String,
    /// Raw (still percent-encoded) query string, if the URL had one.
    pub query: Option<String>,
    /// Headers in arrival order, names lower-cased, secret values replaced by `<redacted>`.
    pub headers: Vec<(String, String)>,
    /// Body as text (lossy UTF-8), secret fields replaced by `<redacted>`, cut at 64 KiB.
    pub body: String,
    /// Status the fake answered with; `None` when it answered none (dropped connection) or
    /// hasn't yet.
    pub status: Option<u16>,
    /// When the request arrived, to check client pacing (backoff, `Retry-After`).
    pub received_at: Instant,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The decoded query pairs, repeated keys kept in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_str(self.query.as_deref().unwrap_or_default()).unwrap_or_default()
    }

    /// Whether this is a `method` request (case-insensitive) for exactly `path` (no query).
    pub fn is(&self, method: &str, path: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.path == path
    }

    /// Every decoded value of query parameter `name`, in order (`filter` is often repeated).
    pub fn query_values(&self, name: &str) -> Vec<String> {
        self.query_pairs()
            .into_iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v)
            .collect()
    }

    /// The first decoded value of query parameter `name`.
    pub fn query_value(&self, name: &str) -> Option<String> {
        self.query_values(name).into_iter().next()
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// Entries kept unless configured otherwise: plenty for tests, bounded for benchmarks.
pub(crate) const DEFAULT_CAPACITY: usize = 100_000;

#[derive(Debug, Default)]
struct Entries {
    kept: Vec<RecordedRequest>,
    /// Requests seen, including those past the capacity.
    seen: usize,
}

/// Append-only list of requests, shared by the server and the handle. Past its capacity it
/// only counts, so long benchmark runs don't grow memory.
#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: Mutex<Entries>,
    capacity: usize,
}

impl RequestLog {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(Entries::default()),
            capacity,
        }
    }

    /// Record a request on arrival; returns its index, to attach the status later.
    pub(crate) fn record(&self, parts: &Parts, body: &[u8]) -> usize {
        let mut entries = lock(&self.entries);
        entries.seen += 1;
        if entries.kept.len() >= self.capacity {
            return usize::MAX;
        }
        drop(entries);
        let headers = parts
            .headers
            .iter()
            .map(|(k, v)| {
                let name = k.as_str().to_owned();
                let value = if SECRET_HEADERS.contains(&name.as_str()) {
                    REDACTED.to_owned()
                } else {
                    String::from_utf8_lossy(v.as_bytes()).into_owned()
                };
                (name, value)
            })
            .collect();
        let entry = RecordedRequest {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers,
            body: redact_body(body),
            status: None,
            received_at: Instant::now(),
        };
        let mut entries = lock(&self.entries);
        entries.kept.push(entry);
        entries.kept.len() - 1
    }

    pub(crate) fn set_status(&self, index: usize, status: u16) {
        if let Some(e) = lock(&self.entries).kept.get_mut(index) {
            e.status = Some(status);
        }
    }

    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        lock(&self.entries).kept.clone()
    }

    /// Requests seen since the last clear, kept or not.
    pub(crate) fn seen(&self) -> usize {
        lock(&self.entries).seen
    }

    pub(crate) fn clear(&self) {
        let mut entries = lock(&self.entries);
        entries.kept.clear();
        entries.seen = 0;
    }
}

/// Text of a body with credential fields blanked, whether JSON or form-encoded.
fn redact_body(body: &[u8]) -> String {
    let cut = &body[..body.len().min(MAX_LOGGED_BODY)];
    if let Ok(mut json) = serde_json::from_slice::<Value>(cut) {
        redact_json(&mut json);
        return json.to_string();
    }
    let text = String::from_utf8_lossy(cut).into_owned();
    if let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(&text)
        && pairs
            .iter()
            .any(|(k, _)| SECRET_FIELDS.contains(&k.as_str()))
    {
        let redacted: Vec<(String, String)> = pairs
            .into_iter()
            .map(|(k, v)| {
                let v = if SECRET_FIELDS.contains(&k.as_str()) {
                    REDACTED.to_owned()
                } else {
                    v
                };
                (k, v)
            })
            .collect();
        return serde_urlencoded::to_string(redacted).unwrap_or_default();
    }
    text
}

fn redact_json(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if SECRET_FIELDS.contains(&k.as_str()) {
                    *child = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn bodies_are_redacted() {
        let json = redact_body(br#"{"username":"a","password":"hunter2","x":[{"password":"p"}]}"#);
        assert!(!json.contains("hunter2") && !json.contains("\"p\""));
        assert!(json.contains("\"username\":\"a\""));
        let form = redact_body(b"grant_type=client_credentials&client_secret=s3cret");
        assert_eq!(
            form,
            "grant_type=client_credentials&client_secret=%3Credacted%3E"
        );
        assert_eq!(redact_body(b"scope=api"), "scope=api");
    }
}
