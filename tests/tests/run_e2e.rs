//! `.run()`: every call returns `jumpcloud_ext::Error`, whatever error type the
//! caller's function uses, against the fake JumpCloud on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jumpcloud_ext::prelude::*;
use jumpcloud_tests::fake::{Collection, DEFAULT_CLIENT_ID, FakeJumpCloud};

async fn through_box_dyn(jc: &JumpCloud) -> std::result::Result<usize, Box<dyn std::error::Error>> {
    let groups = jc.v2().user_group_list().run().await?;
    Ok(groups.len())
}

#[tokio::test]
async fn a_credential_failure_reaches_a_box_dyn_error_caller_as_the_typed_error() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let jc = JumpCloud::builder()
        .service_account(DEFAULT_CLIENT_ID, "not-the-secret")
        .base_url(fake.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = through_box_dyn(&jc).await.unwrap_err();
    let err = err
        .downcast_ref::<jumpcloud_ext::Error>()
        .expect("the typed error, not progenitor's");
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.is_auth());
    assert_eq!(err.operation().map(|o| o.id), Some("UserGroup_List"));
    let text = err.to_string();
    assert!(!text.contains("Unexpected Response"), "{text}");
    assert!(!text.contains("not-the-secret"), "{text}");
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.path != "/api/v2/usergroups"),
        "nothing was sent to the API"
    );
}

#[tokio::test]
async fn run_returns_bodies_and_typed_http_errors() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org().to_owned();
    fake.seed(&org, Collection::UserGroups, 3).unwrap();
    let jc = JumpCloud::builder()
        .api_key(jumpcloud_tests::fake::DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    assert_eq!(jc.v2().user_group_list().run().await.unwrap().len(), 3);
    let with_headers = jc.v2().user_group_list().run_with_response().await.unwrap();
    assert_eq!(with_headers.headers().get("x-total-count").unwrap(), "3");
    let missing = jc
        .v2()
        .user_group_get()
        .id("5f00000000000000000000ff")
        .run()
        .await
        .unwrap_err();
    assert!(missing.is_not_found(), "{missing:?}");
    assert_eq!(missing.path_template(), Some("/usergroups/{id}"));
}
