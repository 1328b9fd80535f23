//! `.run()`: every call returns `jumpcloud_ext::Error`, whatever error type the
//! caller's function uses, against the fake JumpCloud on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::fake_with;
use jumpcloud_ext::StatusCode;
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{Collection, DEFAULT_CLIENT_ID, FakeJumpCloud};

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
    let fake = fake_with(Collection::UserGroups, 3).await;
    let jc = JumpCloud::builder()
        .api_key(jumpcloud_fake::DEFAULT_API_KEY)
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

fn retrying_client(fake: &FakeJumpCloud) -> JumpCloud {
    JumpCloud::builder()
        .api_key(jumpcloud_fake::DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .retry(RetryPolicy::default().with_backoff(
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(2),
        ))
        .build()
        .unwrap()
}

/// The same client with retries off for the calls made through it.
fn without_retries(jc: &JumpCloud) -> JumpCloud {
    jc.with_options(CallOptions::new().retry(RetryPolicy::none()))
}

fn sent_to(fake: &FakeJumpCloud, method: &str, path: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == method && r.path == path)
        .count()
}

#[tokio::test]
async fn a_per_call_policy_overrides_the_clients_for_that_call_only() {
    use jumpcloud_fake::Fault;
    let fake = FakeJumpCloud::start().await.unwrap();
    let jc = retrying_client(&fake);
    let path = "/api/v2/usergroups";

    fake.faults()
        .push(Fault::status(503).on_path(path).times(1));
    let once = without_retries(&jc);
    let err = once.v2().user_group_list().run().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(sent_to(&fake, "GET", path), 1, "no retry for this call");

    fake.faults()
        .push(Fault::status(503).on_path(path).times(1));
    jc.v2().user_group_list().run().await.unwrap();
    assert_eq!(
        sent_to(&fake, "GET", path),
        3,
        "the client's own policy retried"
    );

    // A POST is sent once by default, and resent when the call allows it.
    let body = || {
        serde_json::from_value::<jumpcloud_ext::api::v2::types::UserGroupPost>(
            serde_json::json!({"name": format!("g{}", fake.request_count())}),
        )
        .unwrap()
    };
    fake.faults()
        .push(Fault::status(503).on_path(path).on_method("POST").times(1));
    assert!(
        jc.v2()
            .user_group_create()
            .body(body())
            .run()
            .await
            .is_err()
    );
    assert_eq!(sent_to(&fake, "POST", path), 1);
    fake.faults()
        .push(Fault::status(503).on_path(path).on_method("POST").times(1));
    jc.with_options(
        CallOptions::new().retry(
            RetryPolicy::default()
                .with_retry_non_idempotent(true)
                .with_backoff(
                    std::time::Duration::from_millis(1),
                    std::time::Duration::from_millis(2),
                ),
        ),
    )
    .v2()
    .user_group_create()
    .body(body())
    .run()
    .await
    .unwrap();
    assert_eq!(sent_to(&fake, "POST", path), 3);
}

#[tokio::test]
async fn a_per_call_policy_applies_to_every_page_of_a_stream() {
    use jumpcloud_fake::Fault;
    let fake = fake_with(Collection::UserGroups, 150).await;
    let jc = retrying_client(&fake);
    common::on_second_group_page(&fake, Fault::status(502));
    let once = without_retries(&jc);
    let groups = once.v2().user_group_list();
    let err = groups.try_collect_all().await.unwrap_err();
    assert_eq!(err.page_position(), Some("skip 100"));
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
}

#[tokio::test]
async fn a_call_spawned_onto_another_task_keeps_its_options() {
    use jumpcloud_fake::Fault;
    let fake = FakeJumpCloud::start().await.unwrap();
    let jc = retrying_client(&fake);
    let path = "/api/v2/usergroups";
    let once = without_retries(&jc);

    // Spawned from a task that has no options of its own, and spawned again
    // from there: the call keeps the copy's policy and sends once.
    fake.faults()
        .push(Fault::status(503).on_path(path).times(1));
    let spawned = tokio::spawn(async move {
        tokio::spawn(async move { once.v2().user_group_list().run().await })
            .await
            .unwrap()
    });
    let err = spawned.await.unwrap().unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(sent_to(&fake, "GET", path), 1);

    // A call of the client spawned from there keeps the client's: retried.
    fake.faults()
        .push(Fault::status(503).on_path(path).times(1));
    let jc2 = jc.clone();
    tokio::spawn(async move { jc2.v2().user_group_list().run().await })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sent_to(&fake, "GET", path), 3);
}

#[tokio::test]
async fn a_timeout_option_bounds_each_attempt() {
    use jumpcloud_fake::Fault;
    let fake = FakeJumpCloud::start().await.unwrap();
    let jc = retrying_client(&fake);
    let path = "/api/v2/usergroups";
    fake.faults().push(
        Fault::latency(std::time::Duration::from_millis(400))
            .on_path(path)
            .times(1),
    );
    let quick = jc.with_options(
        CallOptions::new()
            .retry(RetryPolicy::none())
            .timeout(std::time::Duration::from_millis(50)),
    );
    let started = std::time::Instant::now();
    let err = quick.v2().user_group_list().run().await.unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.is_retryable(), "a timeout is transient");
    assert!(started.elapsed() < std::time::Duration::from_millis(350));
}

#[tokio::test]
async fn a_budget_option_caps_requests_in_flight_across_copies() {
    let fake = fake_with(Collection::UserGroups, 3).await;
    let jc = retrying_client(&fake);
    let budget = jumpcloud_ext::Budget::new(1);
    let a = jc.with_options(CallOptions::new().within(&budget));
    let b = jc
        .with_options(CallOptions::new().timeout(std::time::Duration::from_secs(30)))
        .with_options(CallOptions::new().within(&budget));
    fake.reset_max_in_flight();
    let calls = (0..4).map(|i| {
        let jc = if i % 2 == 0 { a.clone() } else { b.clone() };
        async move { jc.v2().user_group_list().run().await.map(|g| g.len()) }
    });
    let lens = futures::future::try_join_all(calls).await.unwrap();
    assert_eq!(lens, [3, 3, 3, 3]);
    assert_eq!(fake.max_in_flight(), 1);
    assert_eq!(budget.in_flight(), 0);
}
