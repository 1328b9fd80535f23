//! Every retry rule, end to end against a local server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use crate::common::*;
use jumpcloud_ext::{CallOptions, ErrorKind, JumpCloud, RetryPolicy, StatusCode};
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const GROUPS: &str = "/api/v2/groups";

/// `template` for the first `n` requests to `p`, then 200.
async fn then_ok(server: &MockServer, p: &str, n: u64, template: ResponseTemplate) {
    serve_first(server, p, n, template).await;
    serve(server, p, empty_list()).await;
}

/// `status` `n` times, then 200.
async fn flaky(server: &MockServer, p: &str, status: u16, n: u64) {
    then_ok(server, p, n, json_reply(status, json!({"message": "busy"}))).await;
}

/// An answer with `status` that asks to be retried after `after`.
fn retry_after(status: u16, after: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("retry-after", after)
}

#[tokio::test]
async fn transient_statuses_are_retried() {
    for status in [408, 429, 502, 503, 504] {
        let server = MockServer::start().await;
        flaky(&server, GROUPS, status, 2).await;
        call(&api_key_client(&server), &LIST_GROUPS).await.unwrap();
        assert_eq!(hit_count(&server, GROUPS).await, 3, "{status}");
    }
}

#[tokio::test]
async fn other_statuses_are_not_retried() {
    for status in [400, 401, 403, 404, 409, 500] {
        let server = MockServer::start().await;
        flaky(&server, GROUPS, status, 1).await;
        let err = call(&api_key_client(&server), &LIST_GROUPS)
            .await
            .unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(err.attempts(), Some(1));
        assert_eq!(hit_count(&server, GROUPS).await, 1, "{status}");
    }
}

#[tokio::test]
async fn retried_statuses_are_configurable() {
    let server = MockServer::start().await;
    flaky(&server, GROUPS, 500, 1).await;
    let jc = keyed(&server, |b| {
        b.retry(fast_retry().with_retry_statuses([StatusCode::INTERNAL_SERVER_ERROR]))
    });
    call(&jc, &LIST_GROUPS).await.unwrap();
    assert_eq!(hit_count(&server, GROUPS).await, 2);
}

#[tokio::test]
async fn attempts_are_capped() {
    let server = MockServer::start().await;
    serve(&server, GROUPS, ResponseTemplate::new(503)).await;
    let jc = keyed(&server, |b| b.retry(fast_retry().with_max_attempts(3)));
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert!(err.is_retryable());
    assert_mentions(&err.to_string(), "after 3 attempts");
    assert_eq!(hit_count(&server, GROUPS).await, 3);
}

#[tokio::test]
async fn retries_can_be_disabled() {
    let server = MockServer::start().await;
    flaky(&server, GROUPS, 503, 1).await;
    let jc = keyed(&server, |b| b.retry(RetryPolicy::none()));
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(hit_count(&server, GROUPS).await, 1);
}

#[tokio::test]
async fn post_is_not_repeated() {
    let server = MockServer::start().await;
    flaky(&server, "/api/v2/usergroups", 503, 1).await;
    let err = call(&api_key_client(&server), &CREATE_GROUP)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(hit_count(&server, "/api/v2/usergroups").await, 1);
}

#[tokio::test]
async fn post_is_repeated_when_opted_in() {
    let server = MockServer::start().await;
    flaky(&server, "/api/v2/usergroups", 503, 1).await;
    let jc = keyed(&server, |b| {
        b.retry(fast_retry().with_retry_non_idempotent(true))
    });
    call(&jc, &CREATE_GROUP).await.unwrap();
    let sent = hits(&server, "/api/v2/usergroups").await;
    assert_eq!(sent.len(), 2);
    // The body is resent intact.
    assert_eq!(sent[0].body, sent[1].body);
    assert!(!sent[1].body.is_empty());
}

#[tokio::test]
async fn put_is_idempotent_and_retried() {
    let server = MockServer::start().await;
    flaky(&server, "/api/v2/usergroups/g1", 502, 1).await;
    call_path(&api_key_client(&server), &PUT_GROUP, "/usergroups/g1", "")
        .await
        .unwrap();
    assert_eq!(hit_count(&server, "/api/v2/usergroups/g1").await, 2);
}

/// A client whose backoff alone never exceeds 1 ms but which accepts waits
/// of up to 30 ms: a logged 30 ms delay can only come from `Retry-After`.
fn retry_after_client(server: &MockServer) -> JumpCloud {
    builder(server)
        .api_key(API_KEY)
        .retry(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_backoff(Duration::from_micros(500), Duration::from_millis(30)),
        )
        .build()
        .unwrap()
}

/// What a [`retry_after_client`] logs when its call is answered `first`, then 200.
async fn logs_after(first: ResponseTemplate) -> String {
    capture_logs();
    let server = MockServer::start().await;
    then_ok(&server, GROUPS, 1, first).await;
    call(&retry_after_client(&server), &LIST_GROUPS)
        .await
        .unwrap();
    captured_logs()
}

#[tokio::test]
async fn retry_after_seconds_is_honoured_up_to_the_cap() {
    let logs = logs_after(retry_after(429, "2")).await;
    assert_eq!(retry_delays(&logs), [30]);
    assert_mentions(&logs, "reason=status 429");
}

#[tokio::test]
async fn retry_after_http_date_is_honoured_up_to_the_cap() {
    let later = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(5));
    let logs = logs_after(retry_after(503, &later)).await;
    assert_eq!(retry_delays(&logs), [30]);
}

#[tokio::test]
async fn retry_after_in_the_past_or_zero_means_now() {
    capture_logs();
    let server = MockServer::start().await;
    let earlier = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
    // A date in the past first, then zero seconds, then success.
    then_ok(&server, GROUPS, 1, retry_after(503, &earlier)).await;
    Mock::given(path(GROUPS))
        .respond_with(retry_after(429, "0"))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&server)
        .await;
    let jc = keyed(&server, |b| {
        b.retry(fast_retry().with_backoff(Duration::from_millis(30), Duration::from_millis(30)))
    });
    call(&jc, &LIST_GROUPS).await.unwrap();
    assert_eq!(retry_delays(&captured_logs()), [0, 0]);
}

#[tokio::test]
async fn retry_after_is_reported_when_giving_up() {
    let server = MockServer::start().await;
    let limited = retry_after(429, "7").set_body_json(json!({"message": "Too many requests"}));
    serve(&server, GROUPS, limited).await;
    let jc = keyed(&server, |b| b.retry(RetryPolicy::none()));
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert!(err.is_rate_limited() && err.is_retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn total_time_is_capped() {
    let server = MockServer::start().await;
    serve(&server, GROUPS, retry_after(503, "1")).await;
    // The server asks for 1 s; only 50 ms are allowed in all.
    let jc = keyed(&server, |b| {
        b.retry(
            RetryPolicy::default()
                .with_backoff(Duration::from_millis(1), Duration::from_secs(5))
                .with_max_elapsed(Some(Duration::from_millis(50))),
        )
    });
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(hit_count(&server, GROUPS).await, 1);
}

/// A server that answers the group listing only after 500 ms.
async fn slow_server() -> MockServer {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(200).set_delay(Duration::from_millis(500));
    serve(&server, GROUPS, slow).await;
    server
}

#[tokio::test]
async fn timeouts_are_retried() {
    let server = slow_server().await;
    let jc = keyed(&server, |b| {
        b.timeout(Duration::from_millis(50))
            .retry(fast_retry().with_max_attempts(3))
    });
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(err.is_timeout() && err.is_retryable());
    // The client gives up on an attempt after 50 ms, which on a loaded machine can be before
    // the mock has finished reading it: wait (bounded) for the server's count to catch up.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while hit_count(&server, GROUPS).await < 3 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(hit_count(&server, GROUPS).await, 3);

    // Timeouts can be left alone.
    let server = slow_server().await;
    let jc = keyed(&server, |b| {
        b.timeout(Duration::from_millis(50))
            .retry(fast_retry().with_retry_timeouts(false))
    });
    assert!(call(&jc, &LIST_GROUPS).await.unwrap_err().is_timeout());
    assert_eq!(hit_count(&server, GROUPS).await, 1);
}

/// A server that accepts connections and closes them without answering.
async fn hanging_up_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                break;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 1024];
            let _ = tokio::io::AsyncReadExt::read(&mut socket, &mut buf).await;
            drop(socket);
        }
    });
    (format!("http://{addr}"), accepted)
}

#[tokio::test]
async fn dropped_connections_are_retried_for_idempotent_requests() {
    let (url, accepted) = hanging_up_server().await;
    let jc = client_at(&url, |b| {
        b.api_key(API_KEY).retry(fast_retry().with_max_attempts(3))
    });
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(err.is_retryable());
    assert_eq!(accepted.load(Ordering::SeqCst), 3);

    // A POST that may have reached the server is not sent again.
    let (url, accepted) = hanging_up_server().await;
    let jc = client_at(&url, |b| b.api_key(API_KEY));
    call(&jc, &CREATE_GROUP).await.unwrap_err();
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn refused_connections_are_retried_even_for_post() {
    capture_logs();
    let jc = client_at(&refused_url(), |b| {
        b.api_key(API_KEY).retry(fast_retry().with_max_attempts(3))
    });
    let err = call(&jc, &CREATE_GROUP).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(err.is_connect());
    // Nothing was sent, so even a POST is retried: 3 attempts, 2 waits.
    let logs = captured_logs();
    assert_eq!(retry_delays(&logs).len(), 2);
    assert_mentions(&logs, "reason=connect error");
    // The error quotes no URL (a query string may hold personal data).
    assert!(!format!("{err:?}").contains("http://"), "{err:?}");
}

#[tokio::test]
async fn one_copy_can_resend_a_post_without_changing_the_client() {
    /// A server busy once for a POST, a client for it, and a copy of that
    /// client that may resend a POST.
    async fn busy_once() -> (MockServer, JumpCloud, JumpCloud) {
        let server = MockServer::start().await;
        flaky(&server, "/api/v2/usergroups", 503, 1).await;
        let jc = api_key_client(&server);
        let resend =
            jc.with_options(CallOptions::new().retry(fast_retry().with_retry_non_idempotent(true)));
        (server, jc, resend)
    }
    let (server, _, resend) = busy_once().await;
    assert!(
        resend
            .options()
            .retry_policy()
            .is_some_and(RetryPolicy::retry_non_idempotent)
    );
    call(&resend, &CREATE_GROUP).await.unwrap();
    assert_eq!(hit_count(&server, "/api/v2/usergroups").await, 2);

    // The client itself still sends a POST once.
    let (server, jc, _resend) = busy_once().await;
    call(&jc, &CREATE_GROUP).await.unwrap_err();
    assert_eq!(hit_count(&server, "/api/v2/usergroups").await, 1);
}

#[tokio::test]
async fn one_copy_can_fail_fast() {
    let server = MockServer::start().await;
    flaky(&server, GROUPS, 503, 1).await;
    let jc = api_key_client(&server).with_org("org-1");
    let once = jc.with_options(CallOptions::new().retry(RetryPolicy::none()));
    let err = call(&once, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(err.attempts(), Some(1));
    // The copy kept the organisation, and the client still retries.
    let sent = hits(&server, GROUPS).await;
    assert_eq!(sent[0].headers.get("x-org-id").unwrap(), "org-1");
    flaky(&server, GROUPS, 503, 1).await;
    call(&jc, &LIST_GROUPS).await.unwrap();
}
