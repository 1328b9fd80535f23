//! Helpers shared by the integration tests: static test operations and a
//! `call` that drives the transport exactly as the generated code does.
#![allow(dead_code)]

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use jumpcloud_ext::api::{Api, Effect, Operation};
use jumpcloud_ext::{Error, JumpCloud, JumpCloudBuilder, RetryPolicy};
use serde_json::json;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

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
        effect: match method.as_bytes() {
            b"GET" => Effect::Read,
            b"PUT" | b"DELETE" => Effect::Idempotent,
            _ => Effect::Change,
        },
        area: jumpcloud_api::Area::Directory,
        source: jumpcloud_api::Source::Unlisted,
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

/// A client for `url` (a server that may not answer), with fast retries and
/// `tune` applied to its builder (credentials, a retry policy, …).
pub fn client_at(url: &str, tune: impl FnOnce(JumpCloudBuilder) -> JumpCloudBuilder) -> JumpCloud {
    tune(JumpCloud::builder().base_url(url).retry(fast_retry()))
        .build()
        .unwrap()
}

/// The URL of a local port that nothing listens on: connections are refused.
pub fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

pub fn api_key_client(server: &MockServer) -> JumpCloud {
    builder(server).api_key(API_KEY).build().unwrap()
}

pub fn service_client(server: &MockServer) -> JumpCloud {
    service(server, |b| b)
}

/// A client for `server` with the test service account, `tune` applied to
/// its builder (a retry policy, a token endpoint, …).
pub fn service(
    server: &MockServer,
    tune: impl FnOnce(JumpCloudBuilder) -> JumpCloudBuilder,
) -> JumpCloud {
    tune(builder(server).service_account(CLIENT_ID, CLIENT_SECRET))
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

/// A token endpoint's answer issuing `token` for `expires_in` seconds.
pub fn token_reply(token: &str, expires_in: serde_json::Value) -> ResponseTemplate {
    json_reply(200, token_body(token, expires_in))
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
        .respond_with(token_reply(token, json!(3600)))
}

/// A token endpoint that issues `first` once, then `then` for good.
pub async fn issue_tokens(server: &MockServer, first: &str, then: &str) {
    token_mock(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    token_mock(then).with_priority(2).mount(server).await;
}

/// The `authorization` header of a call made with `token`.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// A mock for the requests that carry `token` as their bearer.
pub fn given_bearer(token: &str) -> MockBuilder {
    Mock::given(header("authorization", bearer(token).as_str()))
}

/// An answer with `status` and `body` as JSON.
pub fn json_reply(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

/// A successful listing with nothing in it.
pub fn empty_list() -> ResponseTemplate {
    json_reply(200, json!([]))
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

/// How many requests the server received on `p`.
pub async fn hit_count(server: &MockServer, p: &str) -> usize {
    hits(server, p).await.len()
}

/// The `name` header of each request the server received on `p`, in order.
pub async fn header_values(server: &MockServer, p: &str, name: &str) -> Vec<Option<String>> {
    hits(server, p)
        .await
        .iter()
        .map(|r| r.headers.get(name).map(|v| v.to_str().unwrap().to_owned()))
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
/// client's request path, as `.run()` does.
pub async fn call_path(
    jc: &JumpCloud,
    op: &'static Operation,
    path: &str,
    query: &str,
) -> Result<Bytes, Error> {
    let url = format!("{}{path}{query}", base(jc, op.api));
    let m = reqwest::Method::from_bytes(op.http_method.as_bytes()).unwrap();
    let mut rb = jc.http_client().request(m, url);
    if op.http_method == "POST" || op.http_method == "PUT" {
        rb = rb.json(&json!({"name": "group"}));
    }
    let response = jc.send_request(rb.build().unwrap(), op).await?;
    Ok(response.bytes().await.unwrap())
}

pub async fn call(jc: &JumpCloud, op: &'static Operation) -> Result<Bytes, Error> {
    call_path(jc, op, op.path, "").await
}

/// Sends `op` from `n` clones of `jc` at once; every outcome.
pub async fn call_concurrently(
    jc: &JumpCloud,
    op: &'static Operation,
    n: usize,
) -> Vec<Result<Bytes, Error>> {
    let tasks = (0..n).map(|_| {
        let jc = jc.clone();
        tokio::spawn(async move { call(&jc, op).await })
    });
    futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(|t| t.unwrap())
        .collect()
}

/// The error of a generated builder's `send()`, converted as `?` would.
pub async fn send_error<T: std::fmt::Debug, E>(
    sent: impl std::future::Future<Output = Result<T, E>>,
) -> Error
where
    Error: From<E>,
    E: std::fmt::Debug,
{
    Error::from(sent.await.unwrap_err())
}

/// Fails unless `text` contains `needle`, showing the whole text.
#[track_caller]
pub fn assert_mentions(text: &str, needle: &str) {
    assert!(text.contains(needle), "{needle:?} missing from: {text}");
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
    try_keyed(server, tune).unwrap()
}

/// What building [`keyed`]'s client gives, for a configuration that may be refused.
pub fn try_keyed(
    server: &MockServer,
    tune: impl FnOnce(JumpCloudBuilder) -> JumpCloudBuilder,
) -> Result<JumpCloud, Error> {
    tune(builder(server).api_key(API_KEY)).build()
}

/// Answers every request to `route` with `template`.
pub async fn serve(server: &MockServer, route: &str, template: ResponseTemplate) {
    Mock::given(path(route))
        .respond_with(template)
        .mount(server)
        .await;
}

/// Answers the requests `given` matches with `template`.
pub async fn answer(server: &MockServer, given: MockBuilder, template: ResponseTemplate) {
    given.respond_with(template).mount(server).await;
}

/// [`answer`], and fails when the server is dropped unless exactly `times`
/// requests were answered.
pub async fn answer_times(
    server: &MockServer,
    given: MockBuilder,
    template: ResponseTemplate,
    times: u64,
) {
    given
        .respond_with(template)
        .expect(times)
        .mount(server)
        .await;
}

/// Answers the first `n` requests to `route` with `template`, ahead of the
/// route's other mocks.
pub async fn serve_first(server: &MockServer, route: &str, n: u64, template: ResponseTemplate) {
    Mock::given(path(route))
        .respond_with(template)
        .up_to_n_times(n)
        .with_priority(1)
        .mount(server)
        .await;
}
