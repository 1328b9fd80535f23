//! Each auth mode, the token cache and the 401 refresh.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use jumpcloud_ext::{ErrorKind, JumpCloud};
use serde_json::json;
use wiremock::matchers::{body_string, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn ok_groups() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!([]))
}

#[tokio::test]
async fn api_key_is_sent_as_x_api_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/groups"))
        .and(header("x-api-key", API_KEY))
        .and(header(
            "user-agent",
            format!("jumpcloud-rs/{}", env!("CARGO_PKG_VERSION")).as_str(),
        ))
        .respond_with(ok_groups())
        .expect(1)
        .mount(&server)
        .await;
    let jc = api_key_client(&server);
    call(&jc, &LIST_GROUPS).await.unwrap();
    let req = &hits(&server, "/api/v2/groups").await[0];
    assert!(req.headers.get("authorization").is_none());
    assert!(req.headers.get("api-version").is_none());
}

#[tokio::test]
async fn api_key_reaches_every_api() {
    let server = MockServer::start().await;
    for p in ["/api/systemusers", "/insights/directory/v1/events"] {
        Mock::given(path(p))
            .and(header("x-api-key", API_KEY))
            .respond_with(ok_groups())
            .expect(1)
            .mount(&server)
            .await;
    }
    let jc = api_key_client(&server);
    call(&jc, &V1_SYSTEMUSERS).await.unwrap();
    call(&jc, &INSIGHTS_EVENTS).await.unwrap();
}

#[tokio::test]
async fn custom_user_agent() {
    let server = MockServer::start().await;
    Mock::given(header("user-agent", "my-tool/2"))
        .respond_with(ok_groups())
        .expect(1)
        .mount(&server)
        .await;
    let jc = keyed(&server, |b| b.user_agent("my-tool/2"));
    call(&jc, &LIST_GROUPS).await.unwrap();
}

#[tokio::test]
async fn service_account_gets_token_and_sends_bearer() {
    let server = MockServer::start().await;
    token_mock(TOKEN_1).expect(1).mount(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/v2/groups"))
        .and(header(
            "authorization",
            format!("Bearer {TOKEN_1}").as_str(),
        ))
        .respond_with(ok_groups())
        .expect(5)
        .mount(&server)
        .await;
    let jc = service_client(&server);
    jc.authenticate().await.unwrap();
    for _ in 0..5 {
        call(&jc, &LIST_GROUPS).await.unwrap();
    }
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 1);
    let req = &hits(&server, "/api/v2/groups").await[0];
    assert!(req.headers.get("x-api-key").is_none());
}

#[tokio::test]
async fn clones_and_scoped_copies_share_the_token() {
    let server = MockServer::start().await;
    token_mock(TOKEN_1).mount(&server).await;
    serve(&server, "/api/v2/groups", ok_groups()).await;
    let jc = service_client(&server);
    call(&jc, &LIST_GROUPS).await.unwrap();
    call(&jc.clone(), &LIST_GROUPS).await.unwrap();
    call(&jc.with_org("org-a"), &LIST_GROUPS).await.unwrap();
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 1);
}

#[tokio::test]
async fn expired_token_is_replaced() {
    let server = MockServer::start().await;
    // Lifetimes are read leniently: a number or a numeric string.
    serve(
        &server,
        "/oauth2/token",
        ResponseTemplate::new(200).set_body_json(token_body(TOKEN_1, json!("0.2"))),
    )
    .await;
    serve(&server, "/api/v2/groups", ok_groups()).await;
    let jc = builder(&server)
        .service_account(CLIENT_ID, CLIENT_SECRET)
        .token_refresh_skew(Duration::ZERO)
        .build()
        .unwrap();
    call(&jc, &LIST_GROUPS).await.unwrap();
    call(&jc, &LIST_GROUPS).await.unwrap();
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    call(&jc, &LIST_GROUPS).await.unwrap();
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 2);
}

#[tokio::test]
async fn token_within_skew_of_expiry_is_refetched() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/oauth2/token",
        ResponseTemplate::new(200).set_body_json(token_body(TOKEN_1, json!(0))),
    )
    .await;
    serve(&server, "/api/v2/groups", ok_groups()).await;
    let jc = service_client(&server);
    for _ in 0..3 {
        call(&jc, &LIST_GROUPS).await.unwrap();
    }
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 3);
}

#[tokio::test]
async fn skew_never_exceeds_half_the_lifetime() {
    let server = MockServer::start().await;
    // 60 s skew on a 10 s token would mean a fetch per call; it is capped to 5 s.
    serve(
        &server,
        "/oauth2/token",
        ResponseTemplate::new(200).set_body_json(token_body(TOKEN_1, json!(10))),
    )
    .await;
    serve(&server, "/api/v2/groups", ok_groups()).await;
    let jc = service_client(&server);
    for _ in 0..3 {
        call(&jc, &LIST_GROUPS).await.unwrap();
    }
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_token_request() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/oauth2/token",
        ResponseTemplate::new(200)
            .set_body_json(token_body(TOKEN_1, json!(3600)))
            .set_delay(Duration::from_millis(100)),
    )
    .await;
    Mock::given(path("/api/v2/groups"))
        .and(header(
            "authorization",
            format!("Bearer {TOKEN_1}").as_str(),
        ))
        .respond_with(ok_groups())
        .mount(&server)
        .await;
    let jc = service_client(&server);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let jc = jc.clone();
            tokio::spawn(async move { call(&jc, &LIST_GROUPS).await })
        })
        .collect();
    for t in futures::future::join_all(tasks).await {
        t.unwrap().unwrap();
    }
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 1);
    assert_eq!(hits(&server, "/api/v2/groups").await.len(), 20);
}

/// Token endpoint answering `TOKEN_1` once, then `TOKEN_2`; the API refusing
/// `TOKEN_1`.
async fn rotating_tokens(server: &MockServer) {
    token_mock(TOKEN_1)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    token_mock(TOKEN_2).mount(server).await;
    Mock::given(header(
        "authorization",
        format!("Bearer {TOKEN_1}").as_str(),
    ))
    .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"})))
    .mount(server)
    .await;
    Mock::given(header(
        "authorization",
        format!("Bearer {TOKEN_2}").as_str(),
    ))
    .respond_with(ok_groups())
    .mount(server)
    .await;
}

#[tokio::test]
async fn unauthorized_refreshes_the_token_and_retries_once() {
    let server = MockServer::start().await;
    rotating_tokens(&server).await;
    let jc = builder(&server)
        .service_account(CLIENT_ID, CLIENT_SECRET)
        .retry(jumpcloud_ext::RetryPolicy::none())
        .build()
        .unwrap();
    call(&jc, &LIST_GROUPS).await.unwrap();
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 2);
    assert_eq!(hits(&server, "/api/v2/groups").await.len(), 2);
    // The fresh token is cached.
    call(&jc, &LIST_GROUPS).await.unwrap();
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 2);
}

#[tokio::test]
async fn a_second_unauthorized_is_returned() {
    let server = MockServer::start().await;
    token_mock(TOKEN_1).mount(&server).await;
    serve(
        &server,
        "/api/v2/groups",
        ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"})),
    )
    .await;
    let jc = service_client(&server);
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert!(err.is_auth());
    assert_eq!(err.attempts(), Some(2));
    assert_eq!(hits(&server, "/api/v2/groups").await.len(), 2);
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 2);
}

#[tokio::test]
async fn unauthorized_post_is_not_resent_but_the_token_is_renewed() {
    let server = MockServer::start().await;
    rotating_tokens(&server).await;
    let jc = service_client(&server);
    let err = call(&jc, &CREATE_GROUP).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(hits(&server, "/api/v2/usergroups").await.len(), 1);
    // The refused token was dropped: the next call succeeds with a new one.
    call(&jc, &CREATE_GROUP).await.unwrap();
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 2);
}

#[tokio::test]
async fn unauthorized_post_is_resent_when_opted_in() {
    let server = MockServer::start().await;
    rotating_tokens(&server).await;
    let jc = builder(&server)
        .service_account(CLIENT_ID, CLIENT_SECRET)
        .retry(fast_retry().with_retry_non_idempotent(true))
        .build()
        .unwrap();
    call(&jc, &CREATE_GROUP).await.unwrap();
    assert_eq!(hits(&server, "/api/v2/usergroups").await.len(), 2);
}

#[tokio::test]
async fn api_key_401_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v2/groups"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"message": "Unauthorized"})))
        .expect(1)
        .mount(&server)
        .await;
    let err = call(&api_key_client(&server), &LIST_GROUPS)
        .await
        .unwrap_err();
    assert!(err.is_auth());
    assert_eq!(err.message(), Some("Unauthorized"));
}

#[tokio::test]
async fn token_endpoint_refusal_is_an_auth_error() {
    let server = MockServer::start().await;
    Mock::given(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({"error": "invalid_client", "error_description": "bad credentials"}),
        ))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/groups"))
        .respond_with(ok_groups())
        .expect(0)
        .mount(&server)
        .await;
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
    let server = MockServer::start().await;
    Mock::given(path("/oauth2/token"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    token_mock(TOKEN_1).mount(&server).await;
    serve(&server, "/api/v2/groups", ok_groups()).await;
    call(&service_client(&server), &LIST_GROUPS).await.unwrap();
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 3);
}

#[tokio::test]
async fn malformed_token_response_is_an_auth_error_without_the_body() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/oauth2/token",
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
    Mock::given(method("POST"))
        .and(path("/custom/token"))
        .and(body_string("grant_type=client_credentials&scope=api.read"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(TOKEN_1, json!(3600))))
        .expect(1)
        .mount(&server)
        .await;
    serve(&server, "/api/v2/groups", ok_groups()).await;
    let jc = builder(&server)
        .service_account(CLIENT_ID, CLIENT_SECRET)
        .token_endpoint(format!("{}/custom/token", server.uri()))
        .scope("api.read")
        .build()
        .unwrap();
    call(&jc, &LIST_GROUPS).await.unwrap();
}

#[tokio::test]
async fn client_secret_rotates_at_runtime() {
    let server = MockServer::start().await;
    const NEW_SECRET: &str = "rotated-secret-XYZ12345";
    Mock::given(path("/oauth2/token"))
        .and(header(
            "authorization",
            basic(CLIENT_ID, NEW_SECRET).as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(TOKEN_2, json!(0))))
        .mount(&server)
        .await;
    Mock::given(path("/oauth2/token"))
        .and(header(
            "authorization",
            basic(CLIENT_ID, CLIENT_SECRET).as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(token_body(TOKEN_1, json!(0))))
        .mount(&server)
        .await;
    serve(&server, "/api/v2/groups", ok_groups()).await;
    let jc = service_client(&server);
    call(&jc, &LIST_GROUPS).await.unwrap();
    // Rotating through a clone affects every clone.
    jc.clone().set_client_secret(NEW_SECRET).unwrap();
    call(&jc.with_org("org-a"), &LIST_GROUPS).await.unwrap();
    let api = hits(&server, "/api/v2/groups").await;
    assert_eq!(
        api[0].headers["authorization"],
        format!("Bearer {TOKEN_1}").as_str()
    );
    assert_eq!(
        api[1].headers["authorization"],
        format!("Bearer {TOKEN_2}").as_str()
    );
    assert!(jc.set_client_secret("").is_err());
}

#[tokio::test]
async fn unreachable_token_endpoint_is_an_auth_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let jc = JumpCloud::builder()
        .base_url(format!("http://{addr}"))
        .service_account(CLIENT_ID, CLIENT_SECRET)
        .retry(fast_retry())
        .build()
        .unwrap();
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.to_string().contains("unreachable"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_share_one_failed_token_request() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/oauth2/token",
        ResponseTemplate::new(401)
            .set_body_json(json!({"error": "invalid_client"}))
            .set_delay(Duration::from_millis(100)),
    )
    .await;
    let jc = service_client(&server);
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let jc = jc.clone();
            tokio::spawn(async move { call(&jc, &LIST_GROUPS).await })
        })
        .collect();
    for t in futures::future::join_all(tasks).await {
        let err = t.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Auth);
        assert!(err.to_string().contains("invalid_client"), "{err}");
    }
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 1);
    // A later call tries again.
    call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 2);
}

#[tokio::test]
async fn token_is_replaced_a_skew_before_it_expires() {
    let server = MockServer::start().await;
    // A 0.4 s token with the default 60 s skew: the skew is cut to half the
    // lifetime, so the token is replaced 0.2 s after it was issued, well
    // before it lapses.
    serve(
        &server,
        "/oauth2/token",
        ResponseTemplate::new(200).set_body_json(token_body(TOKEN_1, json!(0.4))),
    )
    .await;
    serve(&server, "/api/v2/groups", ok_groups()).await;
    let jc = service_client(&server);
    call(&jc, &LIST_GROUPS).await.unwrap();
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 1);
    tokio::time::sleep(Duration::from_millis(250)).await;
    call(&jc, &LIST_GROUPS).await.unwrap();
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 2);
}

#[tokio::test]
async fn token_requests_are_retried_a_bounded_number_of_times() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/oauth2/token",
        ResponseTemplate::new(503).set_body_json(json!({"error": "unavailable"})),
    )
    .await;
    // fast_retry allows 4 attempts.
    let err = call(&service_client(&server), &LIST_GROUPS)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(err.to_string().contains("after 4 attempts"), "{err}");
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 4);
    assert!(hits(&server, "/api/v2/groups").await.is_empty());
}

#[tokio::test]
async fn oversized_token_response_is_refused() {
    // A token response with some extra fields is fine...
    let server = MockServer::start().await;
    serve(
        &server,
        "/oauth2/token",
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": TOKEN_1,
            "expires_in": 3600,
            "padding": "x".repeat(4096),
        })),
    )
    .await;
    serve(&server, "/api/v2/groups", ok_groups()).await;
    call(&service_client(&server), &LIST_GROUPS).await.unwrap();

    // ...but one beyond 64 KiB is not read.
    let server = MockServer::start().await;
    let padding = "x".repeat(64 * 1024);
    serve(
        &server,
        "/oauth2/token",
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": TOKEN_1,
            "expires_in": 3600,
            "padding": padding,
        })),
    )
    .await;
    let err = call(&service_client(&server), &LIST_GROUPS)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.to_string().contains("too large"), "{err}");
    assert!(!err.to_string().contains(TOKEN_1), "{err}");
}

#[tokio::test]
async fn a_retried_failure_reuses_the_token() {
    let server = MockServer::start().await;
    token_mock(TOKEN_1).mount(&server).await;
    Mock::given(path("/api/v2/groups"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    serve(&server, "/api/v2/groups", ok_groups()).await;
    call(&service_client(&server), &LIST_GROUPS).await.unwrap();
    assert_eq!(hits(&server, "/api/v2/groups").await.len(), 2);
    // Only a 401 makes the client ask for a new token.
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 1);
}

#[tokio::test]
async fn the_refresh_after_a_401_does_not_use_up_a_retry() {
    let server = MockServer::start().await;
    rotating_tokens(&server).await;
    // TOKEN_1 is refused; with TOKEN_2 the server is busy once, then answers.
    Mock::given(path("/api/v2/groups"))
        .and(header(
            "authorization",
            format!("Bearer {TOKEN_2}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    // Two attempts allowed: the 503 and the success; the 401 is not one.
    let jc = builder(&server)
        .service_account(CLIENT_ID, CLIENT_SECRET)
        .retry(fast_retry().with_max_attempts(2))
        .build()
        .unwrap();
    call(&jc, &LIST_GROUPS).await.unwrap();
    assert_eq!(hits(&server, "/api/v2/groups").await.len(), 3);
}
