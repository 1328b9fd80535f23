//! No credential reaches a log line, an error or a `Debug` dump.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use jumpcloud_ext::{Credentials, JumpCloud, RetryPolicy, Secret};
use serde_json::json;
use wiremock::matchers::{header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const NEW_SECRET: &str = "rotated-client-secret-QRSTUV";
const TOKEN_3: &str = "access-token-number-three-333";

fn secrets() -> Vec<String> {
    vec![
        API_KEY.into(),
        CLIENT_SECRET.into(),
        NEW_SECRET.into(),
        TOKEN_1.into(),
        TOKEN_2.into(),
        TOKEN_3.into(),
        // The Basic credentials, as they go on the wire.
        basic(CLIENT_ID, CLIENT_SECRET)
            .trim_start_matches("Basic ")
            .to_owned(),
        basic(CLIENT_ID, NEW_SECRET)
            .trim_start_matches("Basic ")
            .to_owned(),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for secret in secrets() {
        assert!(!text.contains(&secret), "{what} leaks {secret}:\n{text}");
    }
}

/// Display, Debug and pretty Debug of an error.
fn renderings(err: &jumpcloud_ext::Error) -> String {
    format!("{err}\n{err:?}\n{err:#?}\n{err:#}")
}

#[tokio::test]
async fn no_secret_in_logs_errors_or_debug() {
    capture_logs();
    let mut seen = Vec::new();

    // --- API key ---
    let server = MockServer::start().await;
    serve(&server, "/api/v2/groups", empty_list()).await;
    let refusal = json!({"message": format!("bad key {API_KEY}")});
    serve(&server, "/api/v2/usergroups", json_reply(401, refusal)).await;
    serve(
        &server,
        "/api/v2/organizations",
        ResponseTemplate::new(503).set_body_string(format!("echo x-api-key: {API_KEY}")),
    )
    .await;
    let jc = keyed(&server, |b| b.org_id("org-1"));
    call(&jc, &LIST_GROUPS).await.unwrap();
    seen.push(call(&jc, &CREATE_GROUP).await.unwrap_err());
    seen.push(call(&jc, &LIST_ORGS).await.unwrap_err());
    assert_clean(
        "api-key client Debug",
        &format!("{jc:?} {:?}", jc.with_org("o")),
    );
    assert_clean(
        "builder Debug",
        &format!("{:?}", JumpCloud::builder().api_key(API_KEY)),
    );
    assert_clean("hooks Debug", &format!("{:?}", jc.sender()));

    // --- Service account: token, 401 refresh, rotation ---
    let server = MockServer::start().await;
    issue_tokens(&server, TOKEN_1, TOKEN_2).await;
    Mock::given(path("/oauth2/token"))
        .and(header(
            "authorization",
            basic(CLIENT_ID, NEW_SECRET).as_str(),
        ))
        .respond_with(token_reply(TOKEN_3, json!(3600)))
        .with_priority(1)
        .mount(&server)
        .await;
    let expired = json!({"message": format!("token {TOKEN_1} expired")});
    answer(&server, given_bearer(TOKEN_1), json_reply(401, expired)).await;
    serve(&server, "/api/v2/groups", empty_list()).await;
    let conflict = json_reply(409, json!({"message": "exists"}));
    serve(&server, "/api/v2/usergroups", conflict).await;
    let jc = service_client(&server);
    call(&jc, &LIST_GROUPS).await.unwrap(); // 401 with TOKEN_1, then TOKEN_2
    seen.push(call(&jc, &CREATE_GROUP).await.unwrap_err());
    jc.set_client_secret(NEW_SECRET).unwrap();
    assert_clean(
        "service client Debug",
        &format!("{jc:?} {:#?}", jc.with_org("o")),
    );

    // A 401 on a POST is returned: its echoed token must be scrubbed.
    let server = MockServer::start().await;
    token_mock(TOKEN_1).mount(&server).await;
    let refused = json!({"message": format!("token {TOKEN_1} refused")});
    serve(&server, "/api/v2/usergroups", json_reply(401, refused)).await;
    let jc = service_client(&server);
    seen.push(call(&jc, &CREATE_GROUP).await.unwrap_err());

    // --- Token endpoint failures ---
    let server = MockServer::start().await;
    let invalid = json_reply(401, json!({"error": "invalid_client"}));
    serve(&server, "/oauth2/token", invalid).await;
    let jc = service(&server, |b| b.retry(RetryPolicy::none()));
    seen.push(call(&jc, &LIST_GROUPS).await.unwrap_err());
    seen.push(jc.authenticate().await.unwrap_err());

    let server = MockServer::start().await;
    serve(
        &server,
        "/oauth2/token",
        ResponseTemplate::new(200).set_body_string(format!("{{\"access_token\":\"{TOKEN_1}\",")),
    )
    .await;
    seen.push(
        call(&service_client(&server), &LIST_GROUPS)
            .await
            .unwrap_err(),
    );

    // --- Nothing listening ---
    let nowhere = refused_url();
    for creds in [
        Credentials::api_key(API_KEY),
        Credentials::service_account(CLIENT_ID, CLIENT_SECRET),
    ] {
        assert_clean("credentials Debug", &format!("{creds:?}"));
        let jc = client_at(&nowhere, |b| {
            b.credentials(creds)
                .retry(fast_retry().with_max_attempts(2))
        });
        seen.push(call(&jc, &LIST_GROUPS).await.unwrap_err());
    }

    // --- Configuration errors ---
    seen.push(
        JumpCloud::builder()
            .api_key(format!("{API_KEY}\n"))
            .build()
            .unwrap_err(),
    );

    assert_eq!(seen.len(), 10);
    for err in &seen {
        assert_clean("error", &renderings(err));
    }
    assert_clean(
        "secret",
        &format!("{:?} {:#?}", Secret::new(API_KEY), Secret::new(API_KEY)),
    );

    let logs = captured_logs();
    // The capture worked: spans, retries and token fetches are there.
    for expected in [
        "jumpcloud.request",
        "jumpcloud.token",
        "retrying",
        "Groups_List",
        "status=401",
    ] {
        assert!(
            logs.contains(expected),
            "missing {expected} in logs:\n{logs}"
        );
    }
    assert_clean("logs", &logs);
    // Nor any query string or header dump.
    assert!(!logs.contains("x-api-key:"), "{logs}");
}

#[tokio::test]
async fn refusals_hint_at_the_credential_host_and_organisation_but_not_the_secret() {
    // An API key refused with 403, sent with an organisation.
    let server = MockServer::start().await;
    let forbidden = json!({"message": format!("key {API_KEY} may not")});
    serve(&server, "/api/v2/groups", json_reply(403, forbidden)).await;
    let jc = keyed(&server, |b| {
        b.org_id("5f0c1d2e3f4a5b6c7d8e9f00")
            .retry(RetryPolicy::none())
    });
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.hint(), Some("API key at 127.0.0.1, x-org-id sent"));
    assert!(
        err.to_string()
            .ends_with("(API key at 127.0.0.1, x-org-id sent)"),
        "{err}"
    );
    assert_clean("403 error", &renderings(&err));
    assert!(
        !renderings(&err).contains("5f0c1d2e3f4a5b6c7d8e9f00"),
        "{err:?}"
    );

    // A service account whose token request is refused: the error is the
    // typed credential failure, hinted the same way, without the secret.
    let server = MockServer::start().await;
    let invalid =
        json!({"error": "invalid_client", "error_description": format!("bad {CLIENT_SECRET}")});
    serve(&server, "/oauth2/token", json_reply(401, invalid)).await;
    let jc = service(&server, |b| b.retry(RetryPolicy::none()));
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.kind(), jumpcloud_ext::ErrorKind::Auth);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        err.hint(),
        Some("service account at 127.0.0.1, no x-org-id")
    );
    assert_eq!(err.operation().map(|o| o.id), Some("Groups_List"));
    assert_clean("token refusal", &renderings(&err));
    assert!(
        hits(&server, "/api/v2/groups").await.is_empty(),
        "nothing sent to the API"
    );
}
