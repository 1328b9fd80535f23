//! What a first-time user ran into: a bad `with_org` id reported as an
//! authentication failure, token errors that did not say which call needed
//! the token, no way to point one API elsewhere, and deletes that threw the
//! deleted object away.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use jumpcloud_ext::ErrorKind;
use jumpcloud_ext::prelude::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn with_org_given_a_bad_id_is_a_config_error_at_call_time() {
    let server = MockServer::start().await;
    let jc = api_key_client(&server).with_org("org\r\nx-evil: 1");
    // Through `.run()` and through the builder's own `send()`.
    let err = jc.v1().user_list().run().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert_eq!(err.operation().map(|o| o.id), Some("User_List"));
    let err = send_error(jc.v2().user_group_list().run_with_response()).await;
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");
    assert_eq!(err.operation().map(|o| o.id), Some("UserGroup_List"));
    assert!(server.received_requests().await.unwrap().is_empty());
    // The same id given to the builder fails `build` the same way.
    let err = try_keyed(&server, |b| b.org_id("org\r\nx-evil: 1")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}

#[tokio::test]
async fn a_token_endpoint_error_names_the_call_that_needed_the_token() {
    let server = MockServer::start().await;
    let invalid = json_reply(401, json!({"error": "invalid_client"}));
    answer(
        &server,
        Mock::given(method("POST")).and(path("/oauth2/token")),
        invalid,
    )
    .await;
    let jc = service_client(&server);
    // The builder's own `send()`, converted as `?` would.
    let group = jc.v2().user_group_get().id("5f1b2c3d4e5f60718293a4b5");
    let err = send_error(group.run_with_response()).await;
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    let op = err.operation().expect("the operation is named");
    assert_eq!(op.id, "UserGroup_Get");
    assert_eq!(err.path_template(), Some("/usergroups/{id}"));
    assert!(err.to_string().contains("UserGroup_Get"), "{err}");
    // `.run()` says the same.
    let err = jc.v1().user_list().run().await.unwrap_err();
    assert_eq!(err.operation().map(|o| o.id), Some("User_List"));
    assert!(!err.to_string().contains(CLIENT_SECRET), "{err}");
}

#[tokio::test]
async fn each_api_can_have_its_own_base_url() {
    let main = MockServer::start().await;
    let insights = MockServer::start().await;
    for server in [&main, &insights] {
        answer(server, Mock::given(wiremock::matchers::any()), empty_list()).await;
    }
    let jc = keyed(&main, |b| b.insights_url(format!("{}/di", insights.uri())));
    assert_eq!(jc.endpoints().insights(), format!("{}/di", insights.uri()));
    assert_eq!(jc.endpoints().v2(), format!("{}/api/v2", main.uri()));
    jc.v2().user_group_list().run().await.unwrap();
    let body: jumpcloud_ext::api::insights::types::EventQuery =
        serde_json::from_value(json!({"service": ["all"], "start_time": "2024-01-01T00:00:00Z"}))
            .unwrap();
    jc.insights().event_get().body(body).run().await.unwrap();
    assert_eq!(hits(&main, "/api/v2/usergroups").await.len(), 1);
    assert_eq!(hits(&insights, "/di/events").await.len(), 1);
    assert!(
        hits(&main, "/insights/directory/v1/events")
            .await
            .is_empty()
    );

    // v2 and v1 too; a bad URL is a configuration error naming no secret.
    let jc = keyed(&main, |b| {
        b.v2_url(format!("{}/two", insights.uri()))
            .v1_url(format!("{}/one", insights.uri()))
    });
    assert_eq!(jc.endpoints().v2(), format!("{}/two", insights.uri()));
    assert_eq!(jc.endpoints().v1(), format!("{}/one", insights.uri()));
    for bad in [
        "http://example.com/api/v2",
        "https://u:pw@example.com",
        "nope",
    ] {
        let err = JumpCloud::builder()
            .api_key(API_KEY)
            .v2_url(bad)
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{bad}");
        assert!(!err.to_string().contains("pw@"), "{err}");
    }
}

#[tokio::test]
async fn a_delete_that_answers_with_the_object_returns_it() {
    let server = MockServer::start().await;
    let id = "66a0f1e2d3c4b5a697887766";
    let delete =
        |kind: &str| Mock::given(method("DELETE")).and(path(format!("/api/v2/{kind}/{id}")));
    let group = json_reply(200, json!({"id": id, "name": "Storage"}));
    answer(&server, delete("usergroups"), group).await;
    answer(&server, delete("systemgroups"), ResponseTemplate::new(204)).await;
    let jc = api_key_client(&server);
    let deleted = jc.v2().user_group_delete().id(id).run().await.unwrap();
    let group = deleted.expect("the server sent the group");
    assert_eq!(group.name.as_deref(), Some("Storage"));
    assert_eq!(group.id.as_deref(), Some(id));
    let deleted = jc.v2().system_group_delete().id(id).run().await.unwrap();
    assert!(deleted.is_none());
}
