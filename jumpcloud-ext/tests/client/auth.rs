//! Each auth mode, the token cache and the 401 refresh.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::common::*;
use jumpcloud_ext::{ErrorKind, JumpCloud};
use serde_json::json;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN_PATH: &str = "/oauth2/token";
const GROUPS_PATH: &str = "/api/v2/groups";

/// A server issuing `TOKEN_1` to the test service account and answering the
/// group listing with `groups`.
async fn signed_in_server(groups: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    token_mock(TOKEN_1).mount(&server).await;
    serve(&server, GROUPS_PATH, groups).await;
    server
}

/// How many tokens the server issued (or refused).
async fn token_fetches(server: &MockServer) -> usize {
    hit_count(server, TOKEN_PATH).await
}

/// A server whose token endpoint issues `TOKEN_1` for `expires_in` seconds
/// and whose group listing answers every call.
async fn token_server(expires_in: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    serve(&server, TOKEN_PATH, token_reply(TOKEN_1, expires_in)).await;
    serve(&server, GROUPS_PATH, empty_list()).await;
    server
}

/// Token fetches after a call with `jc`, and after another call `pause` later.
async fn token_fetches_across(
    server: &MockServer,
    jc: &JumpCloud,
    pause: Duration,
) -> (usize, usize) {
    call(jc, &LIST_GROUPS).await.unwrap();
    let before = token_fetches(server).await;
    tokio::time::sleep(pause).await;
    call(jc, &LIST_GROUPS).await.unwrap();
    (before, token_fetches(server).await)
}

/// How many tokens three calls in a row fetch when each lives `expires_in` seconds.
async fn token_fetches_for_three_calls(expires_in: serde_json::Value) -> usize {
    let server = token_server(expires_in).await;
    let jc = service_client(&server);
    for _ in 0..3 {
        call(&jc, &LIST_GROUPS).await.unwrap();
    }
    token_fetches(&server).await
}

/// The answer of an API refusing the credential.
fn unauthorized() -> ResponseTemplate {
    json_reply(401, json!({"message": "Unauthorized"}))
}

#[tokio::test]
async fn api_key_is_sent_as_x_api_key() {
    let server = MockServer::start().await;
    let user_agent = format!("jumpcloud-rs/{}", env!("CARGO_PKG_VERSION"));
    let given = Mock::given(method("GET"))
        .and(path(GROUPS_PATH))
        .and(header("x-api-key", API_KEY))
        .and(header("user-agent", user_agent.as_str()));
    answer_times(&server, given, empty_list(), 1).await;
    let jc = api_key_client(&server);
    call(&jc, &LIST_GROUPS).await.unwrap();
    let req = &hits(&server, GROUPS_PATH).await[0];
    assert!(req.headers.get("authorization").is_none());
    assert!(req.headers.get("api-version").is_none());
}

#[tokio::test]
async fn api_key_reaches_every_api() {
    let server = MockServer::start().await;
    for p in ["/api/systemusers", "/insights/directory/v1/events"] {
        let given = Mock::given(path(p)).and(header("x-api-key", API_KEY));
        answer_times(&server, given, empty_list(), 1).await;
    }
    let jc = api_key_client(&server);
    call(&jc, &V1_SYSTEMUSERS).await.unwrap();
    call(&jc, &INSIGHTS_EVENTS).await.unwrap();
}

#[tokio::test]
async fn custom_user_agent() {
    let server = MockServer::start().await;
    let given = Mock::given(header("user-agent", "my-tool/2"));
    answer_times(&server, given, empty_list(), 1).await;
    let jc = keyed(&server, |b| b.user_agent("my-tool/2"));
    call(&jc, &LIST_GROUPS).await.unwrap();
}

#[tokio::test]
async fn service_account_gets_token_and_sends_bearer() {
    let server = MockServer::start().await;
    token_mock(TOKEN_1).expect(1).mount(&server).await;
    let given = given_bearer(TOKEN_1)
        .and(method("GET"))
        .and(path(GROUPS_PATH));
    answer_times(&server, given, empty_list(), 5).await;
    let jc = service_client(&server);
    jc.authenticate().await.unwrap();
    for _ in 0..5 {
        call(&jc, &LIST_GROUPS).await.unwrap();
    }
    assert_eq!(token_fetches(&server).await, 1);
    let req = &hits(&server, GROUPS_PATH).await[0];
    assert!(req.headers.get("x-api-key").is_none());
}

#[tokio::test]
async fn clones_and_scoped_copies_share_the_token() {
    let server = signed_in_server(empty_list()).await;
    let jc = service_client(&server);
    call(&jc, &LIST_GROUPS).await.unwrap();
    call(&jc.clone(), &LIST_GROUPS).await.unwrap();
    call(&jc.with_org("org-a"), &LIST_GROUPS).await.unwrap();
    assert_eq!(token_fetches(&server).await, 1);
}

#[tokio::test]
async fn expired_token_is_replaced() {
    // Lifetimes are read leniently: a number or a numeric string.
    let server = token_server(json!("0.2")).await;
    let jc = service(&server, |b| b.token_refresh_skew(Duration::ZERO));
    call(&jc, &LIST_GROUPS).await.unwrap();
    let fetches = token_fetches_across(&server, &jc, Duration::from_millis(300)).await;
    assert_eq!(fetches, (1, 2));
}

#[tokio::test]
async fn token_within_skew_of_expiry_is_refetched() {
    assert_eq!(token_fetches_for_three_calls(json!(0)).await, 3);
}

#[tokio::test]
async fn skew_never_exceeds_half_the_lifetime() {
    // 60 s skew on a 10 s token would mean a fetch per call; it is capped to 5 s.
    assert_eq!(token_fetches_for_three_calls(json!(10)).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_token_request() {
    let server = MockServer::start().await;
    let slow_token = token_reply(TOKEN_1, json!(3600)).set_delay(Duration::from_millis(100));
    serve(&server, TOKEN_PATH, slow_token).await;
    answer(
        &server,
        given_bearer(TOKEN_1).and(path(GROUPS_PATH)),
        empty_list(),
    )
    .await;
    for outcome in call_concurrently(&service_client(&server), &LIST_GROUPS, 20).await {
        outcome.unwrap();
    }
    assert_eq!(token_fetches(&server).await, 1);
    assert_eq!(hit_count(&server, GROUPS_PATH).await, 20);
}

/// A server whose token endpoint answers `TOKEN_1` once, then `TOKEN_2`, and
/// whose API refuses `TOKEN_1`.
async fn rotating_token_server() -> MockServer {
    let server = MockServer::start().await;
    issue_tokens(&server, TOKEN_1, TOKEN_2).await;
    answer(&server, given_bearer(TOKEN_1), unauthorized()).await;
    answer(&server, given_bearer(TOKEN_2), empty_list()).await;
    server
}

#[tokio::test]
async fn unauthorized_refreshes_the_token_and_retries_once() {
    let server = rotating_token_server().await;
    let jc = service(&server, |b| b.retry(jumpcloud_ext::RetryPolicy::none()));
    call(&jc, &LIST_GROUPS).await.unwrap();
    assert_eq!(token_fetches(&server).await, 2);
    assert_eq!(hit_count(&server, GROUPS_PATH).await, 2);
    // The fresh token is cached.
    call(&jc, &LIST_GROUPS).await.unwrap();
    assert_eq!(token_fetches(&server).await, 2);
}

#[tokio::test]
async fn a_second_unauthorized_is_returned() {
    let server = signed_in_server(unauthorized()).await;
    let jc = service_client(&server);
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(err.is_auth());
    assert_eq!(err.attempts(), Some(2));
    assert_eq!(hit_count(&server, GROUPS_PATH).await, 2);
    assert_eq!(token_fetches(&server).await, 2);
}

#[tokio::test]
async fn unauthorized_post_is_not_resent_but_the_token_is_renewed() {
    let server = rotating_token_server().await;
    let jc = service_client(&server);
    let err = call(&jc, &CREATE_GROUP).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(hit_count(&server, "/api/v2/usergroups").await, 1);
    // The refused token was dropped: the next call succeeds with a new one.
    call(&jc, &CREATE_GROUP).await.unwrap();
    assert_eq!(token_fetches(&server).await, 2);
}

#[tokio::test]
async fn unauthorized_post_is_resent_when_opted_in() {
    let server = rotating_token_server().await;
    let jc = service(&server, |b| {
        b.retry(fast_retry().with_retry_non_idempotent(true))
    });
    call(&jc, &CREATE_GROUP).await.unwrap();
    assert_eq!(hit_count(&server, "/api/v2/usergroups").await, 2);
}

#[tokio::test]
async fn api_key_401_is_not_retried() {
    let server = MockServer::start().await;
    answer_times(&server, Mock::given(path(GROUPS_PATH)), unauthorized(), 1).await;
    let err = call(&api_key_client(&server), &LIST_GROUPS)
        .await
        .unwrap_err();
    assert!(err.is_auth());
    assert_eq!(err.message(), Some("Unauthorized"));
}

#[tokio::test]
async fn token_endpoint_refusal_is_an_auth_error() {
    let server = MockServer::start().await;
    let refusal = json!({"error": "invalid_client", "error_description": "bad credentials"});
    answer_times(
        &server,
        Mock::given(path(TOKEN_PATH)),
        json_reply(401, refusal),
        2,
    )
    .await;
    answer_times(&server, Mock::given(path(GROUPS_PATH)), empty_list(), 0).await;
    let jc = service_client(&server);
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.is_auth());
    let text = err.to_string();
    assert!(
        text.contains("401") && text.contains("invalid_client: bad credentials"),
        "{text}"
    );
    assert!(!text.contains(CLIENT_SECRET));
    assert!(!text.contains("failed: authentication failed"), "{text}");
    // Sent once (401 is not retried), and not said otherwise.
    assert!(!text.contains("attempts"), "{text}");

    let direct = jc.authenticate().await.unwrap_err();
    assert_eq!(direct.kind(), ErrorKind::Auth);
    assert_eq!(direct.status().map(|s| s.as_u16()), Some(401));
}

#[tokio::test]
async fn transient_token_endpoint_failures_are_retried() {
    let server = signed_in_server(empty_list()).await;
    serve_first(&server, TOKEN_PATH, 2, ResponseTemplate::new(503)).await;
    call(&service_client(&server), &LIST_GROUPS).await.unwrap();
    assert_eq!(token_fetches(&server).await, 3);
}

#[tokio::test]
async fn malformed_token_response_is_an_auth_error_without_the_body() {
    let server = MockServer::start().await;
    serve(
        &server,
        TOKEN_PATH,
        ResponseTemplate::new(200).set_body_string(format!("{{\"access_token\": \"{TOKEN_1}")),
    )
    .await;
    let err = call(&service_client(&server), &LIST_GROUPS)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(!err.to_string().contains(TOKEN_1));
    assert!(!format!("{err:?}").contains(TOKEN_1));
}

#[tokio::test]
async fn token_endpoint_and_scope_are_configurable() {
    let server = MockServer::start().await;
    let given = Mock::given(method("POST"))
        .and(path("/custom/token"))
        .and(body_string("grant_type=client_credentials&scope=api.read"));
    answer_times(&server, given, token_reply(TOKEN_1, json!(3600)), 1).await;
    serve(&server, GROUPS_PATH, empty_list()).await;
    let jc = service(&server, |b| {
        b.token_endpoint(format!("{}/custom/token", server.uri()))
            .scope("api.read")
    });
    call(&jc, &LIST_GROUPS).await.unwrap();
}

#[tokio::test]
async fn client_secret_rotates_at_runtime() {
    let server = MockServer::start().await;
    const NEW_SECRET: &str = "rotated-secret-XYZ12345";
    for (secret, token) in [(NEW_SECRET, TOKEN_2), (CLIENT_SECRET, TOKEN_1)] {
        let given = Mock::given(path(TOKEN_PATH))
            .and(header("authorization", basic(CLIENT_ID, secret).as_str()));
        answer(&server, given, token_reply(token, json!(0))).await;
    }
    serve(&server, GROUPS_PATH, empty_list()).await;
    let jc = service_client(&server);
    call(&jc, &LIST_GROUPS).await.unwrap();
    // Rotating through a clone affects every clone.
    jc.clone().set_client_secret(NEW_SECRET).unwrap();
    call(&jc.with_org("org-a"), &LIST_GROUPS).await.unwrap();
    assert_eq!(
        header_values(&server, GROUPS_PATH, "authorization").await,
        [Some(bearer(TOKEN_1)), Some(bearer(TOKEN_2))]
    );
    assert!(jc.set_client_secret("").is_err());
}

#[tokio::test]
async fn unreachable_token_endpoint_is_an_auth_error() {
    let jc = client_at(&refused_url(), |b| {
        b.service_account(CLIENT_ID, CLIENT_SECRET)
    });
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_mentions(&err.to_string(), "unreachable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_failed_token_request() {
    let server = MockServer::start().await;
    let slow_refusal =
        json_reply(401, json!({"error": "invalid_client"})).set_delay(Duration::from_millis(100));
    serve(&server, TOKEN_PATH, slow_refusal).await;
    let jc = service_client(&server);
    for outcome in call_concurrently(&jc, &LIST_GROUPS, 10).await {
        let err = outcome.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Auth);
        assert_mentions(&err.to_string(), "invalid_client");
    }
    assert_eq!(token_fetches(&server).await, 1);
    // A later call tries again.
    call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(token_fetches(&server).await, 2);
}

#[tokio::test]
async fn token_is_replaced_a_skew_before_it_expires() {
    // A 0.4 s token with the default 60 s skew: the skew is cut to half the
    // lifetime, so the token is replaced 0.2 s after it was issued, well
    // before it lapses.
    let server = token_server(json!(0.4)).await;
    let jc = service_client(&server);
    let fetches = token_fetches_across(&server, &jc, Duration::from_millis(250)).await;
    assert_eq!(fetches, (1, 2));
}

#[tokio::test]
async fn token_requests_are_retried_a_bounded_number_of_times() {
    let server = MockServer::start().await;
    serve(
        &server,
        TOKEN_PATH,
        json_reply(503, json!({"error": "unavailable"})),
    )
    .await;
    // fast_retry allows 4 attempts.
    let err = call(&service_client(&server), &LIST_GROUPS)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_mentions(&err.to_string(), "after 4 attempts");
    assert_eq!(token_fetches(&server).await, 4);
    assert!(hits(&server, GROUPS_PATH).await.is_empty());
}

#[tokio::test]
async fn oversized_token_response_is_refused() {
    /// A list call through a token endpoint whose answer is padded with `padding` bytes.
    async fn with_padded_token(padding: usize) -> Result<bytes::Bytes, jumpcloud_ext::Error> {
        let server = MockServer::start().await;
        let token =
            json!({"access_token": TOKEN_1, "expires_in": 3600, "padding": "x".repeat(padding)});
        serve(&server, TOKEN_PATH, json_reply(200, token)).await;
        serve(&server, GROUPS_PATH, empty_list()).await;
        call(&service_client(&server), &LIST_GROUPS).await
    }
    // A token response with some extra fields is fine...
    with_padded_token(4096).await.unwrap();
    // ...but one beyond 64 KiB is not read.
    let err = with_padded_token(64 * 1024).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_mentions(&err.to_string(), "too large");
    assert!(!err.to_string().contains(TOKEN_1), "{err}");
}

#[tokio::test]
async fn a_retried_failure_reuses_the_token() {
    let server = signed_in_server(empty_list()).await;
    serve_first(&server, GROUPS_PATH, 1, ResponseTemplate::new(503)).await;
    call(&service_client(&server), &LIST_GROUPS).await.unwrap();
    assert_eq!(hit_count(&server, GROUPS_PATH).await, 2);
    // Only a 401 makes the client ask for a new token.
    assert_eq!(token_fetches(&server).await, 1);
}

#[tokio::test]
async fn the_refresh_after_a_401_does_not_use_up_a_retry() {
    let server = rotating_token_server().await;
    // TOKEN_1 is refused; with TOKEN_2 the server is busy once, then answers.
    given_bearer(TOKEN_2)
        .and(path(GROUPS_PATH))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    // Two attempts allowed: the 503 and the success; the 401 is not one.
    let jc = service(&server, |b| b.retry(fast_retry().with_max_attempts(2)));
    call(&jc, &LIST_GROUPS).await.unwrap();
    assert_eq!(hit_count(&server, GROUPS_PATH).await, 3);
}
