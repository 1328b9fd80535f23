//! Each fault kind, as a client sees it.

use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

use super::{Code, client, get, get_json, header, json};
use crate::fake::{Collection, FakeError, FakeJumpCloud, Fault};

#[tokio::test]
async fn status_faults_with_retry_after() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.faults()
        .push(Fault::rate_limited().retry_after_secs(2).times(2));
    for _ in 0..2 {
        let resp = get(&fake, "/api/v2/usergroups").sent().await;
        assert_eq!(resp.status(), 429);
        assert_eq!(header(&resp, "retry-after").as_deref(), Some("2"));
        assert!(json(resp).await.1["message"].is_string());
    }
    assert_eq!(get(&fake, "/api/v2/usergroups").code().await, 200);

    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    fake.faults()
        .push(Fault::status(503).retry_after_at(at).body("upstream busy"));
    let resp = get(&fake, "/api/systems").sent().await;
    assert_eq!(resp.status(), 503);
    assert_eq!(
        header(&resp, "retry-after").as_deref(),
        Some("Tue, 14 Nov 2023 22:13:20 GMT")
    );
    assert_eq!(resp.text().await.unwrap(), "upstream busy");

    fake.faults()
        .push(Fault::status(502).html_body("<html>bad gateway</html>"));
    let resp = get(&fake, "/api/systems").sent().await;
    assert_eq!(resp.status(), 502);
    assert!(
        header(&resp, "content-type")
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn matchers_and_precedence_over_auth() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.faults().push(
        Fault::status(504)
            .on_path("/api/v2/groups")
            .on_method("get"),
    );
    assert_eq!(get(&fake, "/api/v2/usergroups").code().await, 200);
    assert_eq!(fake.faults().pending(), 1);
    // Faults act like a gateway: before authentication.
    let resp = client()
        .get(format!("{}/groups", fake.v2_url()))
        .sent()
        .await;
    assert_eq!(resp.status(), 504);
    assert_eq!(fake.faults().pending(), 0);

    fake.faults().push(Fault::status(500).times(5));
    fake.faults().clear();
    assert_eq!(get(&fake, "/api/systems").code().await, 200);
}

#[tokio::test]
async fn latency() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.faults()
        .push(Fault::latency(Duration::from_millis(150)));
    let started = Instant::now();
    assert_eq!(get(&fake, "/api/systems").code().await, 200);
    assert!(started.elapsed() >= Duration::from_millis(150));

    fake.faults()
        .push(Fault::status(503).delay(Duration::from_millis(50)));
    let started = Instant::now();
    assert_eq!(get(&fake, "/api/systems").code().await, 503);
    assert!(started.elapsed() >= Duration::from_millis(50));
}

#[tokio::test]
async fn dropped_connection_is_an_error_not_a_response() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.faults().push(Fault::drop_connection());
    let err = get(&fake, "/api/systems").send().await.unwrap_err();
    assert!(err.status().is_none());
    assert!(err.is_request() || err.is_connect(), "{err:?}");
    assert_eq!(get(&fake, "/api/systems").code().await, 200);
    let log = fake.requests();
    assert_eq!(log[0].status, None);
    assert_eq!(log[1].status, Some(200));
}

#[tokio::test]
async fn aborted_body_fails_while_reading() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.default_org().seed(Collection::Users, 5).unwrap();
    fake.faults().push(Fault::abort_body());
    let resp = get(&fake, "/api/systemusers").sent().await;
    assert_eq!(resp.status(), 200);
    assert!(resp.bytes().await.is_err());
}

#[tokio::test]
async fn truncated_json() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.default_org().seed(Collection::UserGroups, 3).unwrap();
    fake.faults().push(Fault::truncated_json());
    let resp = get(&fake, "/api/v2/usergroups").sent().await;
    assert_eq!(resp.status(), 200);
    let text = resp.text().await.unwrap();
    assert!(text.starts_with('['));
    assert!(serde_json::from_str::<Value>(&text).is_err());
}

#[tokio::test]
async fn unknown_enum_values_are_injected() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let users = fake.org(&org).seed(Collection::Users, 2).unwrap();
    fake.org(&org).seed(Collection::Systems, 2).unwrap();

    fake.faults()
        .push(Fault::unknown_user_state().on_path("/api/systemusers"));
    let body = get_json(&fake, "/api/systemusers").await.1;
    assert!(
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["state"] == "SOME_NEW_STATE")
    );
    fake.faults().push(Fault::unknown_user_state());
    let one = json(
        get(&fake, &format!("/api/systemusers/{}", users[0]))
            .sent()
            .await,
    )
    .await
    .1;
    assert_eq!(one["state"], "SOME_NEW_STATE");

    fake.faults().push(Fault::unknown_os_family());
    let body = get_json(&fake, "/api/systems").await.1;
    assert_eq!(body["results"][0]["osFamily"], "fuchsia");

    fake.faults()
        .push(Fault::inject_field("type", "brand_new_group"));
    fake.org(&org).seed(Collection::UserGroups, 1).unwrap();
    let body = get_json(&fake, "/api/v2/groups").await.1;
    assert_eq!(body[0]["type"], "brand_new_group");
    // Stored data is untouched.
    let body = get_json(&fake, "/api/systemusers").await.1;
    assert_ne!(body["results"][0]["state"], "SOME_NEW_STATE");
}

/// A fault that never fired fails `verify()` with a description of it, and the fake's drop
/// panics with the same list; a fault that fired, an optional one and cleared ones don't.
#[tokio::test]
async fn a_fault_that_never_fired_fails_verify_and_drop() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.faults()
        .push(Fault::status(503).on_path("/api/v2/usergroups"));
    fake.faults().push(
        Fault::rate_limited()
            .on_method("post")
            .on_path("/api/never"),
    );
    fake.faults()
        .push(Fault::server_error().on_path("/api/never").optional());
    fake.faults().push(Fault::status(502).times(0));
    assert_eq!(get(&fake, "/api/v2/usergroups").code().await, 503);
    let err = fake.verify().unwrap_err();
    let FakeError::UnfiredFaults(unfired) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(unfired, &["status 429 on POST of /api/never*"]);
    assert!(
        err.to_string().contains("1 scripted fault(s) never fired"),
        "{err}"
    );

    let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(fake)));
    let message = dropped.unwrap_err();
    let message = message.downcast_ref::<String>().unwrap();
    assert!(
        message.contains("never fired: status 429 on POST"),
        "{message}"
    );
    assert!(message.contains(".optional()"), "{message}");

    // A fault used in part counts as fired; clearing the queue withdraws the rest.
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.faults().push(Fault::status(500).times(5));
    assert_eq!(get(&fake, "/api/systems").code().await, 500);
    fake.faults().push(Fault::status(504).on_path("/api/never"));
    assert!(fake.verify().is_err());
    fake.faults().clear();
    fake.verify().unwrap();
    fake.shutdown().await;
}

/// Dropping a fake with unfired faults while a test is already failing reports the test's
/// own panic, not a second one (which would abort the test binary).
#[tokio::test]
async fn drop_does_not_panic_while_panicking() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.faults().push(Fault::status(503).on_path("/api/never"));
    let failed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _fake = fake;
        panic!("the test's own failure");
    }));
    let payload = failed.unwrap_err();
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"the test's own failure")
    );
}

/// `every(n)` catches the n-th, 2n-th, ... matching request with no limit, lets the others
/// through to later faults, and `times` bounds it; `on_method` takes any case.
#[tokio::test]
async fn every_nth_request_and_methods_as_text() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.faults()
        .push(Fault::rate_limited().on_method("GET").every(3));
    let mut codes = Vec::new();
    for _ in 0..7 {
        codes.push(get(&fake, "/api/systems").code().await);
    }
    assert_eq!(codes, [200, 200, 429, 200, 200, 429, 200]);
    assert_eq!(fake.faults().pending(), usize::MAX);
    fake.faults().clear();

    fake.faults().push(Fault::status(503).every(2).times(2));
    fake.faults().push(Fault::status(500).after(1));
    let mut codes = Vec::new();
    for _ in 0..6 {
        codes.push(get(&fake, "/api/systems").code().await);
    }
    // 503 on the 2nd and 4th; the 500 fault sees the 1st (let through) and the 3rd.
    assert_eq!(codes, [200, 503, 500, 503, 200, 200]);
    assert_eq!(fake.faults().pending(), 0);
    let shown = Fault::status(503)
        .on_writes()
        .on_path("/api/v2")
        .every(4)
        .to_string();
    assert_eq!(
        shown,
        "status 503 on POST|PUT|PATCH|DELETE of /api/v2*, every 4th"
    );
}

#[tokio::test]
async fn read_only_associations_refuse_association_listings_only() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let users = fake.org(&org).seed(Collection::Users, 1).unwrap();
    let user = &users[0];
    fake.faults().push(Fault::read_only_associations());
    for _ in 0..2 {
        let (code, body) = get_json(
            &fake,
            &format!("/api/v2/users/{user}/associations?targets=system"),
        )
        .await;
        assert_eq!(code, 403, "{body}");
        assert_eq!(body["message"], "Forbidden");
    }
    assert_eq!(
        get(&fake, &format!("/api/v2/users/{user}/systems"))
            .code()
            .await,
        200,
        "traversal still answers"
    );
    assert_eq!(get(&fake, "/api/v2/usergroups").code().await, 200);
    let posted = client()
        .post(format!("{}/users/{user}/associations", fake.v2_url()))
        .header("x-api-key", crate::fake::DEFAULT_API_KEY)
        .json(&serde_json::json!({"op": "add", "type": "system", "id": "nope"}))
        .sent()
        .await;
    assert_ne!(posted.status(), 403, "writes are not caught");
    assert_eq!(fake.faults().pending(), usize::MAX, "it never wears out");
    assert!(
        Fault::read_only_associations()
            .to_string()
            .contains("on GET of */associations*")
    );
}
