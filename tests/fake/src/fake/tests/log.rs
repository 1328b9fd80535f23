//! The request log, redaction, runtime flavours and shutdown.

use std::time::Duration;

use serde_json::json;

use super::{Code, client, get};
use crate::fake::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, FakeJumpCloud, REDACTED};

#[tokio::test]
async fn requests_are_recorded_with_secrets_redacted() {
    let fake = FakeJumpCloud::start().await.unwrap();
    get(&fake, "/api/v2/usergroups?limit=5&filter=name:eq:a%20b")
        .header("x-org-id", fake.default_org_id())
        .header("user-agent", "fake-test")
        .sent()
        .await;
    client()
        .post(fake.token_url())
        .basic_auth(DEFAULT_CLIENT_ID, Some(DEFAULT_CLIENT_SECRET))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_secret", "leak"),
        ])
        .sent()
        .await;
    client()
        .post(format!("{}/systemusers", fake.v1_url()))
        .header("x-api-key", crate::fake::DEFAULT_API_KEY)
        .json(&json!({"username": "u", "email": "u@example.com", "password": "hunter2"}))
        .sent()
        .await;

    assert_eq!(fake.request_count(), 3);
    let log = fake.requests();
    let first = &log[0];
    assert_eq!(first.method, "GET");
    assert_eq!(first.path, "/api/v2/usergroups");
    assert_eq!(first.query.as_deref(), Some("limit=5&filter=name:eq:a%20b"));
    assert!(
        first
            .query_pairs()
            .contains(&("filter".into(), "name:eq:a b".into()))
    );
    assert_eq!(first.header("X-API-KEY"), Some(REDACTED));
    assert_eq!(first.header("x-org-id"), Some(fake.default_org_id()));
    assert_eq!(first.header("user-agent"), Some("fake-test"));
    assert_eq!(first.status, Some(200));

    let token = &log[1];
    assert_eq!(token.header("authorization"), Some(REDACTED));
    assert!(token.body.contains("grant_type=client_credentials"));
    assert!(!token.body.contains("leak"));

    let created = &log[2];
    assert_eq!(created.json().unwrap()["password"], REDACTED);
    assert!(!created.body.contains("hunter2"));
    assert!(log.iter().all(|r| {
        r.headers
            .iter()
            .all(|(_, v)| !v.contains(DEFAULT_CLIENT_SECRET))
    }));

    fake.clear_requests();
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_on_multi_thread_runtime() {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let c = client();
    let calls = (0..20).map(|_| {
        c.get(format!("{}/systemusers?limit=100", fake.v1_url()))
            .header("x-api-key", crate::fake::DEMO_API_KEY)
            .send()
    });
    for resp in futures::future::join_all(calls).await {
        assert_eq!(resp.unwrap().status(), 200);
    }
    assert_eq!(fake.request_count(), 20);
}

#[tokio::test]
async fn shutdown_and_drop_stop_serving() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let url = format!("{}/api/systems", fake.base_url());
    fake.shutdown().await;
    let c = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    assert!(c.get(&url).send().await.is_err());

    let fake = FakeJumpCloud::start().await.unwrap();
    let url = format!("{}/api/systems", fake.base_url());
    drop(fake);
    tokio::task::yield_now().await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(c.get(&url).send().await.is_err());
}

#[tokio::test]
async fn log_capacity_bounds_memory_but_counts_everything() {
    let fake = FakeJumpCloud::builder()
        .request_log_capacity(2)
        .start()
        .await
        .unwrap();
    for _ in 0..4 {
        get(&fake, "/api/systems").sent().await;
    }
    assert_eq!(fake.request_count(), 4);
    assert_eq!(fake.requests().len(), 2);
    assert!(fake.requests().iter().all(|r| r.status == Some(200)));
}
