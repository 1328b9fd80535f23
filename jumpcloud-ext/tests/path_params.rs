//! A path parameter that would address another route is an invalid-request
//! error naming the operation and the parameter, and nothing reaches the
//! server; optional string fields of a request body take `&str`.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(all(feature = "v2", feature = "v1"))]

mod common;

use common::*;
use jumpcloud_ext::prelude::*;
use jumpcloud_ext::{Error, ErrorKind};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

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
    let err = Error::from(
        jc.v2()
            .user_group_members_get()
            .group_id("g?limit=1")
            .send()
            .await
            .unwrap_err(),
    );
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
    Mock::given(method("GET"))
        .and(path("/api/systemusers/5f0000000000000000000001"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "no user"})))
        .expect(1)
        .mount(&server)
        .await;
    let err = jc
        .v1()
        .user_get()
        .id("5f0000000000000000000001")
        .run()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn optional_string_fields_take_str_string_and_option() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/systemusers/5f0000000000000000000001"))
        .and(body_json(
            json!({"firstname": "New", "lastname": "Name", "username": "grace"}),
        ))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "no user"})))
        .expect(1)
        .mount(&server)
        .await;
    let jc = api_key_client(&server);
    let lastname: Option<String> = Some("Name".to_string());
    let err = jc
        .v1()
        .user_set()
        .id("5f0000000000000000000001")
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
