//! The same behaviour through real generated calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(feature = "full")]

use crate::common::*;
use jumpcloud_ext::RetryPolicy;
use jumpcloud_ext::Run;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn generated_calls_are_authenticated_and_scoped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/groups"))
        .and(header("x-api-key", API_KEY))
        .and(header("x-org-id", "org-1"))
        .respond_with(empty_list())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/api/organizations"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"results": [], "totalCount": 0})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let jc = keyed(&server, |b| b.org_id("org-1"));
    let groups = jc
        .v2()
        .group_list()
        .limit(10)
        .run_with_response()
        .await
        .unwrap();
    assert_eq!(groups.status().as_u16(), 200);
    // v1 `/organizations` refuses `x-org-id`: it is not sent there.
    let _ = jc.v1().organization_list().run_with_response().await;
    let sent = hits(&server, "/api/organizations").await;
    assert!(sent[0].headers.get("x-org-id").is_none());
    assert!(sent[0].headers.get("api-version").is_none());
}

#[tokio::test]
async fn generated_errors_convert_with_context() {
    let server = MockServer::start().await;
    let busy = json_reply(503, json!({"message": "try later"}));
    serve(&server, "/api/v2/groups", busy).await;
    let jc = keyed(&server, |b| b.retry(fast_retry().with_max_attempts(2)));
    let err = send_error(jc.v2().group_list().run_with_response()).await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.message(), Some("try later"));
    assert_eq!(err.path_template(), Some("/groups"));
    assert_eq!(err.attempts(), Some(2));
}

#[tokio::test]
async fn generated_calls_with_a_service_account() {
    let server = MockServer::start().await;
    token_mock(TOKEN_1).expect(1).mount(&server).await;
    let groups = given_bearer(TOKEN_1).and(path("/api/v2/groups"));
    answer_times(&server, groups, empty_list(), 3).await;
    let jc = service(&server, |b| b.retry(RetryPolicy::none()));
    for _ in 0..3 {
        jc.v2().group_list().run_with_response().await.unwrap();
    }
}

#[tokio::test]
async fn malformed_success_bodies_are_decode_errors() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/api/v2/groups",
        ResponseTemplate::new(200).set_body_string("[{\"id\": "),
    )
    .await;
    let jc = api_key_client(&server);
    let err = send_error(jc.v2().group_list().run_with_response()).await;
    assert_eq!(err.kind(), jumpcloud_ext::ErrorKind::Decode);
    assert_eq!(err.body_excerpt(), Some("[{\"id\": "));
}

#[tokio::test]
async fn unlisted_enum_values_are_kept_and_logged_once() {
    capture_logs();
    let server = MockServer::start().await;
    serve(
        &server,
        "/api/v2/groups",
        ResponseTemplate::new(200).set_body_json(json!([
            {"id": "g1", "name": "a", "type": "device_group"},
            {"id": "g2", "name": "b", "type": "device_group"},
            {"id": "g3", "name": "c", "type": "user_group"},
        ])),
    )
    .await;
    let jc = api_key_client(&server);
    for _ in 0..2 {
        let groups = jc
            .v2()
            .group_list()
            .run_with_response()
            .await
            .unwrap()
            .into_inner();
        use jumpcloud_ext::api::v2::types::GroupType;
        assert_eq!(
            groups[0].type_,
            Some(GroupType::Unknown("device_group".into()))
        );
        assert_eq!(groups[2].type_, Some(GroupType::UserGroup));
    }
    let logs = captured_logs();
    let noted: Vec<_> = logs
        .lines()
        .filter(|l| l.contains("enum does not list"))
        .collect();
    assert_eq!(noted.len(), 1, "{logs}");
    assert!(noted[0].contains("DEBUG"), "{}", noted[0]);
    assert!(noted[0].contains("v2::types::GroupType"), "{}", noted[0]);
    assert!(noted[0].contains("value=device_group"), "{}", noted[0]);
}

#[tokio::test]
async fn a_credential_failure_is_typed_and_keeps_the_token_endpoints_status() {
    // No status is made up: the error has the token endpoint's status, or
    // none when its answer was unusable, and the API is never asked.
    for (template, status) in [
        (ResponseTemplate::new(503), Some(503)),
        (ResponseTemplate::new(200).set_body_string("not json"), None),
    ] {
        let server = MockServer::start().await;
        serve(&server, "/oauth2/token", template).await;
        let jc = service(&server, |b| b.retry(RetryPolicy::none()));
        let err = jc.v2().group_list().run().await.unwrap_err();
        assert_eq!(err.kind(), jumpcloud_ext::ErrorKind::Auth);
        assert_eq!(err.status().map(|s| s.as_u16()), status);
        assert_eq!(err.operation().map(|o| o.id), Some("Group_List"));
        assert!(err.to_string().contains("token endpoint"), "{err}");
        assert!(hits(&server, "/api/v2/groups").await.is_empty());
    }
}
