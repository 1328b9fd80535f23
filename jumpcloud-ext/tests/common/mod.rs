//! Helpers shared by the integration tests: static test operations and a
//! `call` that drives the transport exactly as the generated code does.
#![allow(dead_code)]

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use jumpcloud_ext::api::{Api, Operation};
use jumpcloud_ext::{Error, JumpCloud, JumpCloudBuilder, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const API_KEY: &str = "jc-api-key-0123456789abcdef";
pub const CLIENT_ID: &str = "svc-client-id";
pub const CLIENT_SECRET: &str = "svc-client-secret-ABCDEFGH";
pub const TOKEN_1: &str = "access-token-number-one-111";
pub const TOKEN_2: &str = "access-token-number-two-222";

const fn op(
    api: Api,
    id: &'static str,
    name: &'static str,
    method: &'static str,
    path: &'static str,
    org_header: bool,
) -> Operation {
    Operation {
        api,
        id,
        rust_method: name,
        http_method: method,
        path,
        org_header,
        paging: None,
        filter: None,
    }
}

pub static LIST_GROUPS: Operation = op(
    Api::V2,
    "Groups_List",
    "groups_list",
    "GET",
    "/groups",
    true,
);
pub static CREATE_GROUP: Operation = op(
    Api::V2,
    "UserGroups_Post",
    "user_groups_post",
    "POST",
    "/usergroups",
    true,
);
pub static PUT_GROUP: Operation = op(
    Api::V2,
    "UserGroups_Put",
    "user_groups_put",
    "PUT",
    "/usergroups/{id}",
    true,
);
pub static LIST_ORGS: Operation = op(
    Api::V2,
    "Organizations_List",
    "organizations_list",
    "GET",
    "/organizations",
    false,
);
pub static V1_SYSTEMUSERS: Operation = op(
    Api::V1,
    "Systemusers_List",
    "systemusers_list",
    "GET",
    "/systemusers",
    true,
);
pub static INSIGHTS_EVENTS: Operation = op(
    Api::Insights,
    "Events_Post",
    "events_post",
    "POST",
    "/events",
    true,
);

/// Retries that take milliseconds, not seconds.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(4)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .with_max_elapsed(Some(Duration::from_secs(10)))
}

pub fn builder(server: &MockServer) -> JumpCloudBuilder {
    JumpCloud::builder()
        .base_url(server.uri())
        .retry(fast_retry())
        .timeout(Duration::from_secs(5))
}

pub fn api_key_client(server: &MockServer) -> JumpCloud {
    builder(server).api_key(API_KEY).build().unwrap()
}

pub fn service_client(server: &MockServer) -> JumpCloud {
    builder(server)
        .service_account(CLIENT_ID, CLIENT_SECRET)
        .build()
        .unwrap()
}

pub fn basic(id: &str, secret: &str) -> String {
    let raw = format!("{id}:{secret}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

pub fn token_body(token: &str, expires_in: serde_json::Value) -> serde_json::Value {
    json!({"access_token": token, "token_type": "bearer", "expires_in": expires_in})
}

/// A token endpoint that issues `token` to the test service account.
pub fn token_mock(token: &str) -> Mock {
    Mock::given(method("POST"))
        .and(path("/oauth2/token"))
        .and(header(
            "authorization",
            basic(CLIENT_ID, CLIENT_SECRET).as_str(),
        ))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("grant_type=client_credentials&scope=api"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(token, json!(3600))))
}

/// Requests the server received on `p`.
pub async fn hits(server: &MockServer, p: &str) -> Vec<wiremock::Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

pub fn base(jc: &JumpCloud, api: Api) -> &str {
    match api {
        Api::V2 => jc.endpoints().v2(),
        Api::V1 => jc.endpoints().v1(),
        Api::Insights => jc.endpoints().insights(),
    }
}

/// Sends `op` (with `path` filled in and `query` appended) through the
/// client's transport, the way the generated code does, and converts a
/// failure to `jumpcloud_ext::Error` the way `?` would.
pub async fn call_path(
    jc: &JumpCloud,
    op: &'static Operation,
    path: &str,
    query: &str,
) -> Result<Bytes, Error> {
    type ApiError = jumpcloud_ext::api::Error<()>;
    let url = format!("{}{path}{query}", base(jc, op.api));
    let m = reqwest::Method::from_bytes(op.http_method.as_bytes()).unwrap();
    let mut rb = jc.http_client().request(m, url);
    if op.http_method == "POST" || op.http_method == "PUT" {
        rb = rb.json(&json!({"name": "group"}));
    }
    let mut request = rb.build().unwrap();
    let transport = jc.hooks().transport().unwrap();
    transport
        .prepare(&mut request, op)
        .await
        .map_err(|e| Error::from(ApiError::Custom(e.to_string())))?;
    let response = transport
        .execute(jc.http_client(), request, op)
        .await
        .map_err(|e| Error::from(ApiError::CommunicationError(e)))?;
    if response.status().is_success() {
        Ok(response.bytes().await.unwrap())
    } else {
        Err(Error::from(ApiError::UnexpectedResponse(response)))
    }
}

pub async fn call(jc: &JumpCloud, op: &'static Operation) -> Result<Bytes, Error> {
    call_path(jc, op, op.path, "").await
}

thread_local! {
    static THREAD_LOGS: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Writes into the current thread's log buffer.
struct ThreadLogWriter;

impl std::io::Write for ThreadLogWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        THREAD_LOGS.with(|l| l.borrow_mut().extend_from_slice(data));
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts capturing everything logged on this thread, at TRACE level.
///
/// One global subscriber (scoped ones race with callsite caching when tests
/// run in parallel) writes each event into a buffer of the thread that
/// emitted it; a `current_thread` tokio test runs entirely on its own thread.
pub fn capture_logs() {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        // `try_init` also routes the `log` records of dependencies here.
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(|| ThreadLogWriter)
            .try_init()
            .unwrap();
    });
    THREAD_LOGS.with(|l| l.borrow_mut().clear());
}

/// What was logged on this thread since [`capture_logs`].
pub fn captured_logs() -> String {
    THREAD_LOGS.with(|l| String::from_utf8_lossy(&l.borrow()).into_owned())
}

/// The `delay_ms` of every "retrying" event in `logs`.
pub fn retry_delays(logs: &str) -> Vec<u64> {
    logs.lines()
        .filter(|l| l.contains("retrying"))
        .filter_map(|l| {
            let rest = &l[l.find("delay_ms=")? + "delay_ms=".len()..];
            rest.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

/// A client for `server` with the test API key, `tune` applied to its
/// builder (an org id, a retry policy, a user agent, …).
pub fn keyed(
    server: &MockServer,
    tune: impl FnOnce(JumpCloudBuilder) -> JumpCloudBuilder,
) -> JumpCloud {
    tune(builder(server).api_key(API_KEY)).build().unwrap()
}

/// Answers every request to `route` with `template`.
pub async fn serve(server: &MockServer, route: &str, template: ResponseTemplate) {
    Mock::given(path(route))
        .respond_with(template)
        .mount(server)
        .await;
}
