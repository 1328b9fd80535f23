//! `x-org-id`: set per client, left off routes that refuse it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use jumpcloud_ext::ErrorKind;
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer};

/// A server answering every request with an empty listing.
async fn server() -> MockServer {
    let server = MockServer::start().await;
    answer(
        &server,
        Mock::given(wiremock::matchers::any()),
        empty_list(),
    )
    .await;
    server
}

/// A server that has answered `ops`, each sent once by an API-key client
/// whose builder `tune` adjusted.
async fn server_after(
    tune: impl FnOnce(jumpcloud_ext::JumpCloudBuilder) -> jumpcloud_ext::JumpCloudBuilder,
    ops: &[&'static jumpcloud_ext::api::Operation],
) -> MockServer {
    let server = server().await;
    let jc = keyed(&server, tune);
    for op in ops {
        call(&jc, op).await.unwrap();
    }
    server
}

/// The `x-org-id` of each request the server received on `p`.
async fn org_headers(server: &MockServer, p: &str) -> Vec<Option<String>> {
    header_values(server, p, "x-org-id").await
}

#[tokio::test]
async fn org_header_follows_the_client_and_the_route() {
    let ops = [&LIST_GROUPS, &LIST_ORGS, &V1_SYSTEMUSERS];
    let server = server_after(|b| b.org_id("org-1"), &ops).await;
    assert_eq!(
        org_headers(&server, "/api/v2/groups").await,
        [Some("org-1".into())]
    );
    assert_eq!(org_headers(&server, "/api/v2/organizations").await, [None]);
    assert_eq!(
        org_headers(&server, "/api/systemusers").await,
        [Some("org-1".into())]
    );
}

#[tokio::test]
async fn no_org_no_header() {
    let server = server().await;
    let jc = api_key_client(&server);
    call(&jc, &LIST_GROUPS).await.unwrap();
    assert_eq!(org_headers(&server, "/api/v2/groups").await, [None]);
}

#[tokio::test]
async fn with_org_scopes_a_copy_for_msp_loops() {
    let server = server().await;
    let jc = service_client(&server);
    Mock::given(path("/oauth2/token"))
        .respond_with(token_reply(TOKEN_1, json!(3600)))
        .with_priority(1)
        .mount(&server)
        .await;
    for org in ["org-a", "org-b", "org-c"] {
        let scoped = jc.with_org(org);
        assert_eq!(scoped.org_id(), Some(org));
        call(&scoped, &LIST_GROUPS).await.unwrap();
        // Routes that refuse the header never get it, whatever the scope.
        call(&scoped, &LIST_ORGS).await.unwrap();
    }
    call(&jc, &LIST_GROUPS).await.unwrap();
    call(&jc.with_org("org-a").without_org(), &LIST_GROUPS)
        .await
        .unwrap();
    assert_eq!(
        org_headers(&server, "/api/v2/groups").await,
        [
            Some("org-a".into()),
            Some("org-b".into()),
            Some("org-c".into()),
            None,
            None
        ]
    );
    assert_eq!(
        org_headers(&server, "/api/v2/organizations").await,
        [None, None, None]
    );
    // One login for every organisation.
    assert_eq!(hits(&server, "/oauth2/token").await.len(), 1);
}

#[tokio::test]
async fn an_invalid_org_id_fails_the_request_before_sending() {
    let server = server().await;
    let jc = api_key_client(&server).with_org("bad\norg");
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    // A configuration mistake, as the same id given to the builder is.
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_mentions(&err.to_string(), "organization id");
    assert_eq!(err.operation().map(|o| o.id), Some("Groups_List"));
    assert!(hits(&server, "/api/v2/groups").await.is_empty());
    // Routes that take no org header are unaffected.
    call(&jc, &LIST_ORGS).await.unwrap();
}

#[tokio::test]
async fn provider_header_goes_to_directory_insights_only() {
    let ops = [&INSIGHTS_EVENTS, &LIST_GROUPS, &V1_SYSTEMUSERS];
    let server = server_after(|b| b.provider_id("provider-7"), &ops).await;
    let provider = |p| header_values(&server, p, "x-provider-id");
    assert_eq!(
        provider("/insights/directory/v1/events").await,
        [Some("provider-7".into())]
    );
    assert_eq!(provider("/api/v2/groups").await, [None]);
    assert_eq!(provider("/api/systemusers").await, [None]);
}

#[tokio::test]
async fn a_provider_id_that_cannot_be_a_header_is_a_config_error() {
    let server = server().await;
    let err = try_keyed(&server, |b| b.provider_id("bad\nid")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}
