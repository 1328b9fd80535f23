//! A path parameter that would address another route is an invalid-request
//! error naming the operation and the parameter, and nothing reaches the
//! server; optional string fields of a request body take `&str`.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(feature = "full")]

use crate::common::*;
use jumpcloud_ext::prelude::*;
use jumpcloud_ext::{Error, ErrorKind};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer};

/// An ordinary user id, which the server does not know.
const USER_ID: &str = "5f0000000000000000000001";

/// Answers the one request `given` matches with a 404 for the user.
async fn no_such_user(server: &MockServer, given: wiremock::MockBuilder) {
    let missing = json_reply(404, json!({"message": "no user"}));
    answer_times(server, given, missing, 1).await;
}

fn assert_refused(err: &Error, operation: &str, parameter: &str, problem: &str) {
    assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{err}");
    let message = err.message().unwrap_or_default();
    assert!(
        message.starts_with(&format!(
            "{operation}: path parameter `{parameter}` {problem}"
        )),
        "{message}"
    );
}

#[tokio::test]
async fn unsafe_path_parameters_are_refused_before_anything_is_sent() {
    let server = MockServer::start().await;
    let jc = api_key_client(&server);

    // `.id("")` used to send `GET /systemusers/`, the listing.
    let err = jc.v1().user_get().id("").run().await.unwrap_err();
    assert_refused(&err, "user_get", "id", "is empty");

    let err = jc
        .v1()
        .user_set()
        .id("abc/expire")
        .body_map(|b| b.firstname("New"))
        .run()
        .await
        .unwrap_err();
    assert_refused(&err, "user_set", "id", "contains `/`");

    let err = jc.v1().user_delete().id("..").run().await.unwrap_err();
    assert_refused(&err, "user_delete", "id", "is a dot segment");

    // The builder's own `send()` gives progenitor's error; it converts to the same kind.
    let members = jc.v2().user_group_members_get().group_id("g?limit=1");
    let err = send_error(members.run_with_response()).await;
    assert_refused(&err, "user_group_members_get", "group_id", "contains `?`");

    let err = jc
        .v2()
        .user_group_delete()
        .id("g#x")
        .run()
        .await
        .unwrap_err();
    assert_refused(&err, "user_group_delete", "id", "contains `#`");

    assert!(server.received_requests().await.unwrap().is_empty());

    // The same server does count what is sent: an ordinary id is one request.
    let get = Mock::given(method("GET")).and(path(format!("/api/systemusers/{USER_ID}")));
    no_such_user(&server, get).await;
    let err = jc.v1().user_get().id(USER_ID).run().await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn optional_string_fields_take_str_string_and_option() {
    let server = MockServer::start().await;
    let put = Mock::given(method("PUT"))
        .and(path(format!("/api/systemusers/{USER_ID}")))
        .and(body_json(
            json!({"firstname": "New", "lastname": "Name", "username": "grace"}),
        ));
    no_such_user(&server, put).await;
    let jc = api_key_client(&server);
    let lastname: Option<String> = Some("Name".to_string());
    let err = jc
        .v1()
        .user_set()
        .id(USER_ID)
        .body_map(|b| {
            b.username("grace")
                .firstname("New")
                .lastname(lastname)
                .middlename(String::from("dropped"))
                .middlename(None)
        })
        .run()
        .await
        .unwrap_err();
    // Reaching the mock (which matched the body exactly) is what is tested.
    assert!(err.is_not_found(), "{err}");
}
