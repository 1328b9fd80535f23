//! The `jumpcloud-ext` client end to end against the fake JumpCloud on 127.0.0.1:
//! authentication (API key, service account), organisation scoping, retries, typed errors,
//! unknown enum values and Directory Insights headers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jumpcloud_ext::Run;
use std::time::Duration;

use http::Method;
use jumpcloud_api::insights::types::EventQuery;
use jumpcloud_api::v1::types::{Systemuserputpost, SystemuserreturnState};
use jumpcloud_ext::{ErrorKind, JumpCloud, RetryPolicy, StatusCode};
use jumpcloud_fake::{
    Collection, DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, FakeJumpCloud, Fault,
    REDACTED, RecordedRequest,
};
use serde_json::json;

const ORG_A: &str = "5f00000000000000000000a1";
const ORG_B: &str = "5f00000000000000000000b2";
const MULTI_KEY: &str = "multi-tenant-key-0123";
const SA_ID: &str = "sa-rotating";
const SA_OLD: &str = "old-secret-0123456789";
const SA_NEW: &str = "new-secret-9876543210";

/// Retries that wait milliseconds, not seconds.
fn fast_retries() -> RetryPolicy {
    RetryPolicy::default().with_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

fn api_key_client(fake: &FakeJumpCloud, key: &str) -> JumpCloud {
    JumpCloud::builder()
        .api_key(key)
        .base_url(fake.base_url())
        .retry(fast_retries())
        .build()
        .unwrap()
}

fn sa_client(fake: &FakeJumpCloud, id: &str, secret: &str) -> JumpCloud {
    JumpCloud::builder()
        .service_account(id, secret)
        .base_url(fake.base_url())
        .retry(fast_retries())
        .build()
        .unwrap()
}

/// Requests the fake received on `path` (no query), oldest first.
fn on_path(fake: &FakeJumpCloud, method: &str, path: &str) -> Vec<RecordedRequest> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == method && r.path == path)
        .collect()
}

fn statuses(requests: &[RecordedRequest]) -> Vec<Option<u16>> {
    requests.iter().map(|r| r.status).collect()
}

fn new_user(username: &str) -> Systemuserputpost {
    serde_json::from_value(json!({
        "username": username,
        "email": format!("{username}@example.com"),
    }))
    .unwrap()
}

/// A fake with one org holding `users` users and `groups` user groups.
async fn seeded(users: usize, groups: usize) -> FakeJumpCloud {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    fake.org(&org).seed(Collection::Users, users).unwrap();
    fake.org(&org).seed(Collection::UserGroups, groups).unwrap();
    fake
}

// ---------------------------------------------------------------------------------------------
// 1. API key
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn api_key_lists_v1_users_and_v2_groups() {
    let fake = seeded(4, 3).await;
    let jc = api_key_client(&fake, DEFAULT_API_KEY);

    let users = jc
        .v1()
        .user_list()
        .run_with_response()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(users.total_count, Some(4));
    assert_eq!(users.results.len(), 4);
    assert!(users.results.iter().all(|u| u.id.is_some()));

    let groups = jc
        .v2()
        .user_group_list()
        .run_with_response()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(groups.len(), 3);
    let mut names: Vec<_> = groups.iter().filter_map(|g| g.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["User Group 0", "User Group 1", "User Group 2"]);

    let requests = fake.requests();
    assert_eq!(requests.len(), 2, "{requests:#?}");
    for r in &requests {
        assert_eq!(r.header("x-api-key"), Some(REDACTED), "{r:?}");
        assert_eq!(r.header("api-version"), None, "{r:?}");
        assert_eq!(r.header("x-org-id"), None, "{r:?}");
        assert_eq!(r.header("authorization"), None, "{r:?}");
        assert!(
            r.header("user-agent")
                .is_some_and(|ua| ua.starts_with("jumpcloud-rs/")),
            "{r:?}"
        );
        assert_eq!(r.status, Some(200));
    }
    assert_eq!(requests[0].path, "/api/systemusers");
    assert_eq!(requests[1].path, "/api/v2/usergroups");
}

#[tokio::test]
async fn wrong_api_key_is_an_auth_error_and_not_retried() {
    let fake = seeded(1, 0).await;
    let jc = api_key_client(&fake, "not-the-right-key");
    let err = jc.v1().user_list().run_with_response().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert_eq!(err.attempts(), Some(1));
    assert!(!format!("{err:?}{err}").contains("not-the-right-key"));
    assert_eq!(fake.request_count(), 1);
}

// ---------------------------------------------------------------------------------------------
// 2. Service account
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn service_account_fetches_one_token_for_many_concurrent_calls() {
    let fake = seeded(2, 2).await;
    let jc = sa_client(&fake, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);

    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let jc = jc.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    jc.v1()
                        .user_list()
                        .run_with_response()
                        .await
                        .map(|u| u.results.len())
                } else {
                    jc.v2()
                        .user_group_list()
                        .run_with_response()
                        .await
                        .map(|g| g.len())
                }
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 2);
    }
    assert_eq!(fake.token_requests(), 1);

    let requests = fake.requests();
    let token: Vec<_> = requests
        .iter()
        .filter(|r| r.path == "/oauth2/token")
        .collect();
    assert_eq!(token.len(), 1);
    assert_eq!(token[0].method, "POST");
    assert_eq!(token[0].header("authorization"), Some(REDACTED));
    assert!(token[0].body.contains("grant_type=client_credentials"));
    let api: Vec<_> = requests
        .iter()
        .filter(|r| r.path != "/oauth2/token")
        .collect();
    assert_eq!(api.len(), 20);
    for r in api {
        assert_eq!(r.header("authorization"), Some(REDACTED), "{r:?}");
        assert_eq!(r.header("x-api-key"), None, "{r:?}");
        assert_eq!(r.status, Some(200), "{r:?}");
    }
    // Nothing recorded holds the secret.
    assert!(!format!("{requests:?}").contains(DEFAULT_CLIENT_SECRET));
}

#[tokio::test]
async fn service_account_replaces_an_expiring_token() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.set_token_lifetime(Duration::from_secs(1));
    let jc = sa_client(&fake, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    jc.v1().user_list().run_with_response().await.unwrap();
    jc.v1().user_list().run_with_response().await.unwrap();
    assert_eq!(fake.token_requests(), 1);

    // A 1 s token is replaced after half its life (the refresh skew is capped at half).
    tokio::time::sleep(Duration::from_millis(700)).await;
    jc.v1().user_list().run_with_response().await.unwrap();
    assert_eq!(fake.token_requests(), 2);
    let api = on_path(&fake, "GET", "/api/systemusers");
    assert_eq!(statuses(&api), [Some(200); 3]);
}

#[tokio::test]
async fn service_account_refreshes_after_revocation() {
    let fake = seeded(3, 0).await;
    let jc = sa_client(&fake, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    jc.authenticate().await.unwrap();
    assert_eq!(
        jc.v1()
            .user_list()
            .run_with_response()
            .await
            .unwrap()
            .results
            .len(),
        3
    );
    assert_eq!(fake.token_requests(), 1);

    fake.revoke_tokens();
    assert_eq!(
        jc.v1()
            .user_list()
            .run_with_response()
            .await
            .unwrap()
            .results
            .len(),
        3
    );
    assert_eq!(fake.token_requests(), 2);
    let api = on_path(&fake, "GET", "/api/systemusers");
    assert_eq!(statuses(&api), [Some(200), Some(401), Some(200)]);

    // The new token is cached.
    jc.v1().user_list().run_with_response().await.unwrap();
    assert_eq!(fake.token_requests(), 2);
}

#[tokio::test]
async fn service_account_secret_rotation() {
    let fake = FakeJumpCloud::builder()
        .client(SA_ID, SA_OLD, [ORG_A])
        .start()
        .await
        .unwrap();
    fake.org(ORG_A).seed(Collection::UserGroups, 2).unwrap();
    let jc = sa_client(&fake, SA_ID, SA_OLD);
    assert_eq!(
        jc.v2()
            .user_group_list()
            .run_with_response()
            .await
            .unwrap()
            .len(),
        2
    );

    // Rotate: the fake gets a second secret, the client switches, the old one is retired.
    fake.add_client_secret(SA_ID, SA_NEW).unwrap();
    jc.set_client_secret(SA_NEW).unwrap();
    fake.remove_client_secret(SA_ID, SA_OLD).unwrap();

    // The cached token still works.
    assert_eq!(
        jc.v2()
            .user_group_list()
            .run_with_response()
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(fake.token_requests(), 1);

    // A new token is fetched with the new secret.
    fake.revoke_tokens();
    assert_eq!(
        jc.v2()
            .user_group_list()
            .run_with_response()
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(fake.token_requests(), 2);
    // Clones share the secret and the token.
    let clone = jc.clone();
    assert_eq!(
        clone
            .v2()
            .user_group_list()
            .run_with_response()
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(fake.token_requests(), 2);

    // A client still holding the old secret is refused at the token endpoint.
    let stale = sa_client(&fake, SA_ID, SA_OLD);
    let err = stale.authenticate().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(!format!("{err:?}{err}").contains(SA_OLD));
    let err = stale
        .v2()
        .user_group_list()
        .run_with_response()
        .await
        .unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert!(!format!("{:?}", fake.requests()).contains(SA_NEW));
}

// ---------------------------------------------------------------------------------------------
// 3. Multi-tenant
// ---------------------------------------------------------------------------------------------

async fn two_orgs() -> FakeJumpCloud {
    let fake = FakeJumpCloud::builder()
        .org(ORG_A, "Alpha")
        .org(ORG_B, "Beta")
        .api_key(MULTI_KEY, [ORG_A, ORG_B])
        .start()
        .await
        .unwrap();
    fake.org(ORG_A).seed(Collection::Users, 2).unwrap();
    fake.org(ORG_B).seed(Collection::Users, 5).unwrap();
    fake.org(ORG_B).seed(Collection::UserGroups, 1).unwrap();
    fake
}

#[tokio::test]
async fn multi_tenant_key_needs_an_org() {
    let fake = two_orgs().await;
    let jc = api_key_client(&fake, MULTI_KEY);
    let err = jc.v1().user_list().run_with_response().await.unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED));
    assert!(err.is_auth());
    let message = err.message().unwrap();
    assert!(message.contains("organization"), "{message}");
    assert_eq!(err.attempts(), Some(1));
}

#[tokio::test]
async fn with_org_scopes_each_copy() {
    let fake = two_orgs().await;
    let jc = api_key_client(&fake, MULTI_KEY);
    let a = jc.with_org(ORG_A);
    let b = jc.with_org(ORG_B);
    assert_eq!(a.org_id(), Some(ORG_A));

    let users_a = a
        .v1()
        .user_list()
        .run_with_response()
        .await
        .unwrap()
        .into_inner();
    let users_b = b
        .v1()
        .user_list()
        .run_with_response()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(users_a.total_count, Some(2));
    assert_eq!(users_b.total_count, Some(5));
    let ids_a: Vec<_> = users_a.results.iter().map(|u| u.id.clone()).collect();
    assert!(users_b.results.iter().all(|u| !ids_a.contains(&u.id)));
    assert!(
        a.v2()
            .user_group_list()
            .run_with_response()
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        b.v2()
            .user_group_list()
            .run_with_response()
            .await
            .unwrap()
            .len(),
        1
    );

    // Built with an org, too.
    let built = JumpCloud::builder()
        .api_key(MULTI_KEY)
        .base_url(fake.base_url())
        .org_id(ORG_B)
        .build()
        .unwrap();
    assert_eq!(
        built
            .v1()
            .user_list()
            .run_with_response()
            .await
            .unwrap()
            .results
            .len(),
        5
    );

    let sent: Vec<_> = on_path(&fake, "GET", "/api/systemusers")
        .iter()
        .map(|r| r.header("x-org-id").map(str::to_owned))
        .collect();
    assert_eq!(
        sent,
        [
            Some(ORG_A.to_owned()),
            Some(ORG_B.to_owned()),
            Some(ORG_B.to_owned())
        ]
    );
}

#[tokio::test]
async fn org_header_is_left_off_organization_list() {
    let fake = two_orgs().await;
    let jc = api_key_client(&fake, MULTI_KEY).with_org(ORG_A);
    let orgs = jc
        .v1()
        .organization_list()
        .run_with_response()
        .await
        .unwrap()
        .into_inner();
    let mut names: Vec<_> = orgs
        .results
        .iter()
        .filter_map(|o| o.display_name.clone())
        .collect();
    names.sort();
    assert_eq!(names, ["Alpha", "Beta"]);

    let sent = on_path(&fake, "GET", "/api/organizations");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].header("x-org-id"), None, "{:?}", sent[0]);
    assert_eq!(sent[0].status, Some(200));
}

// ---------------------------------------------------------------------------------------------
// 4. Retries
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn rate_limits_are_retried_after_retry_after() {
    let fake = seeded(3, 0).await;
    fake.faults().push(
        Fault::rate_limited()
            .retry_after_secs(0)
            .on_path("/api/systemusers")
            .times(2),
    );
    let jc = api_key_client(&fake, DEFAULT_API_KEY);
    let users = jc.v1().user_list().run_with_response().await.unwrap();
    assert_eq!(users.results.len(), 3);
    let sent = on_path(&fake, "GET", "/api/systemusers");
    assert_eq!(statuses(&sent), [Some(429), Some(429), Some(200)]);
    assert_eq!(fake.faults().pending(), 0);
}

#[tokio::test]
async fn rate_limit_gives_up_after_the_attempt_limit() {
    let fake = seeded(1, 0).await;
    fake.faults()
        .push(Fault::rate_limited().retry_after_secs(0).times(10));
    let jc = JumpCloud::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .retry(fast_retries().with_max_attempts(3))
        .build()
        .unwrap();
    let err = jc.v1().user_list().run_with_response().await.unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(err.attempts(), Some(3));
    assert_eq!(err.retry_after(), Some(Duration::ZERO));
    assert_eq!(err.path_template(), Some("/systemusers"));
    assert_eq!(fake.request_count(), 3);
}

#[tokio::test]
async fn service_unavailable_is_retried() {
    let fake = seeded(0, 2).await;
    fake.faults()
        .push(Fault::status(503).on_path("/api/v2/usergroups"));
    let jc = api_key_client(&fake, DEFAULT_API_KEY);
    assert_eq!(
        jc.v2()
            .user_group_list()
            .run_with_response()
            .await
            .unwrap()
            .len(),
        2
    );
    let sent = on_path(&fake, "GET", "/api/v2/usergroups");
    assert_eq!(statuses(&sent), [Some(503), Some(200)]);
}

#[tokio::test]
async fn post_is_not_retried_on_503() {
    let fake = seeded(0, 0).await;
    fake.faults()
        .push(Fault::status(503).on_method("POST").times(3));
    let jc = api_key_client(&fake, DEFAULT_API_KEY);
    let err = jc
        .v1()
        .user_create()
        .body(new_user("once.only"))
        .run_with_response()
        .await
        .unwrap_err();
    let err = err;
    assert_eq!(err.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert!(err.to_string().contains("503"), "{err}");
    assert_eq!(err.method(), Some(&Method::POST));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(on_path(&fake, "POST", "/api/systemusers").len(), 1);
    assert_eq!(fake.request_count(), 1);
    assert_eq!(fake.faults().pending(), 2);
    assert!(
        fake.default_org()
            .objects(Collection::Users)
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn dropped_connection_on_get_is_retried() {
    let fake = seeded(0, 1).await;
    fake.faults()
        .push(Fault::drop_connection().on_path("/api/v2/usergroups"));
    let jc = api_key_client(&fake, DEFAULT_API_KEY);
    assert_eq!(
        jc.v2()
            .user_group_list()
            .run_with_response()
            .await
            .unwrap()
            .len(),
        1
    );
    let sent = on_path(&fake, "GET", "/api/v2/usergroups");
    assert_eq!(statuses(&sent), [None, Some(200)]);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let fake = seeded(5, 0).await;
    fake.faults()
        .push(Fault::truncated_json().on_path("/api/systemusers"));
    let jc = api_key_client(&fake, DEFAULT_API_KEY);
    let err = jc.v1().user_list().run_with_response().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err:?}");
    assert_eq!(err.status(), None);
    assert!(err.body_excerpt().is_some_and(|b| b.starts_with('{')));
    assert_eq!(fake.request_count(), 1);
    // The next call is unaffected.
    assert_eq!(
        jc.v1()
            .user_list()
            .run_with_response()
            .await
            .unwrap()
            .results
            .len(),
        5
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Errors
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_id_is_not_found_with_the_path_template() {
    let fake = seeded(1, 1).await;
    let jc = api_key_client(&fake, DEFAULT_API_KEY);
    let missing = "5f0000000000000000000fff";

    let err = jc
        .v1()
        .user_get()
        .id(missing)
        .run_with_response()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(err.message(), Some("systemuser not found"));
    assert_eq!(err.path_template(), Some("/systemusers/{id}"));
    assert_eq!(err.method(), Some(&Method::GET));
    assert_eq!(err.operation().map(|op| op.rust_method), Some("user_get"));
    assert_eq!(
        err.request_path(),
        Some(format!("/api/systemusers/{missing}").as_str())
    );
    assert!(!err.to_string().contains(missing), "{err}");
    assert_eq!(err.attempts(), Some(1));

    let err = jc
        .v2()
        .user_group_get()
        .id(missing)
        .run_with_response()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.message(), Some("user group not found"));
    assert_eq!(err.path_template(), Some("/usergroups/{id}"));
    assert_eq!(fake.request_count(), 2);
}

#[tokio::test]
async fn duplicate_username_is_a_conflict() {
    let fake = seeded(0, 0).await;
    let jc = api_key_client(&fake, DEFAULT_API_KEY);
    let created = jc
        .v1()
        .user_create()
        .body(new_user("ada.lovelace"))
        .run_with_response()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.username.as_deref(), Some("ada.lovelace"));
    let id = created.id.unwrap();
    let fetched = jc
        .v1()
        .user_get()
        .id(&id)
        .run_with_response()
        .await
        .unwrap();
    assert_eq!(fetched.email.as_deref(), Some("ada.lovelace@example.com"));

    let err = jc
        .v1()
        .user_create()
        .body(new_user("ada.lovelace"))
        .run_with_response()
        .await
        .unwrap_err();
    let err = err;
    assert!(err.is_conflict(), "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::CONFLICT));
    assert_eq!(err.message(), Some("username already exists"));
    assert_eq!(err.path_template(), Some("/systemusers"));
    assert_eq!(err.method(), Some(&Method::POST));
    assert_eq!(
        fake.default_org().objects(Collection::Users).unwrap().len(),
        1
    );

    // Delete, then the id is gone.
    jc.v1()
        .user_delete()
        .id(&id)
        .run_with_response()
        .await
        .unwrap();
    let err = jc
        .v1()
        .user_get()
        .id(&id)
        .run_with_response()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

#[tokio::test]
async fn v1_limit_over_100_is_a_bad_request() {
    let fake = seeded(1, 0).await;
    let jc = api_key_client(&fake, DEFAULT_API_KEY);
    let err = jc
        .v1()
        .user_list()
        .limit(1000)
        .run_with_response()
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Http);
    assert!(err.message().unwrap().contains("100"), "{err:?}");
    assert!(!err.is_retryable());
    assert_eq!(err.attempts(), Some(1));
    let sent = on_path(&fake, "GET", "/api/systemusers");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].query.as_deref(), Some("limit=1000"));
}

// ---------------------------------------------------------------------------------------------
// 6. Unknown enum values
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_user_state_is_kept() {
    let fake = seeded(3, 0).await;
    fake.faults()
        .push(Fault::unknown_user_state().on_path("/api/systemusers"));
    let jc = api_key_client(&fake, DEFAULT_API_KEY);
    let users = jc
        .v1()
        .user_list()
        .run_with_response()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(users.results.len(), 3);
    for user in &users.results {
        let state = user.state.as_ref().unwrap();
        assert_eq!(
            state,
            &SystemuserreturnState::Unknown("SOME_NEW_STATE".into())
        );
        assert_eq!(state.to_string(), "SOME_NEW_STATE");
    }
    // Without the fault, the known states come back as known variants.
    let users = jc
        .v1()
        .user_list()
        .run_with_response()
        .await
        .unwrap()
        .into_inner();
    assert!(
        users
            .results
            .iter()
            .all(|u| matches!(u.state, Some(SystemuserreturnState::Activated)))
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Directory Insights
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn insights_events_page_through_response_headers() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    fake.org(&org).seed(Collection::Events, 5).unwrap();
    let jc = api_key_client(&fake, DEFAULT_API_KEY);
    let start = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let query = |search_after: Option<serde_json::Value>| -> EventQuery {
        let mut q = json!({ "service": ["all"], "start_time": start, "limit": 3 });
        if let Some(after) = search_after {
            q["search_after"] = after;
        }
        serde_json::from_value(q).unwrap()
    };

    let page = jc
        .insights()
        .event_get()
        .body(query(None))
        .run_with_response()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let header = |name: &str| {
        page.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("X-Result-Count").as_deref(), Some("3"));
    let cursor: serde_json::Value =
        serde_json::from_str(&header("X-Search_after").expect("cursor header")).unwrap();
    let events = page.into_inner();
    assert_eq!(events.len(), 3);
    // Newest first; the cursor names the last event of the page.
    assert_eq!(cursor[1].as_str(), events[2].id());
    assert!(events.iter().all(|e| e.get("event_type").is_some()));

    let next = jc
        .insights()
        .event_get()
        .body(query(Some(cursor)))
        .run_with_response()
        .await
        .unwrap();
    assert_eq!(
        next.headers()
            .get("x-result-count")
            .unwrap()
            .to_str()
            .unwrap(),
        "2"
    );
    let rest = next.into_inner();
    assert_eq!(rest.len(), 2);
    let mut ids: Vec<_> = events.iter().chain(&rest).map(|e| e.id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);

    let sent = on_path(&fake, "POST", "/insights/directory/v1/events");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].json().unwrap()["limit"], 3);
    assert!(sent[1].json().unwrap()["search_after"].is_array());
    assert_eq!(sent[0].header("x-api-key"), Some(REDACTED));
}

// ---------------------------------------------------------------------------------------------
// More auth, scoping and transport edge cases
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn concurrent_calls_after_revocation_share_one_refresh() {
    let fake = seeded(1, 0).await;
    let jc = sa_client(&fake, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    jc.authenticate().await.unwrap();
    assert_eq!(fake.token_requests(), 1);
    fake.revoke_tokens();
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let jc = jc.clone();
            tokio::spawn(async move {
                jc.v1()
                    .user_list()
                    .run_with_response()
                    .await
                    .map(|u| u.results.len())
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), 1);
    }
    // Every task that saw the revoked token got a 401 and was resent, but only one refresh
    // happened: the others found the new token already cached.
    assert_eq!(fake.token_requests(), 2);
    let sent = on_path(&fake, "GET", "/api/systemusers");
    assert_eq!(sent.iter().filter(|r| r.status == Some(200)).count(), 10);
    assert!(sent.iter().all(|r| matches!(r.status, Some(200 | 401))));
}

#[tokio::test]
async fn token_endpoint_unavailable_is_retried() {
    let fake = seeded(2, 0).await;
    fake.faults()
        .push(Fault::status(503).on_path("/oauth2/token").times(2));
    let jc = sa_client(&fake, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET);
    assert_eq!(
        jc.v1()
            .user_list()
            .run_with_response()
            .await
            .unwrap()
            .results
            .len(),
        2
    );
    let token = on_path(&fake, "POST", "/oauth2/token");
    assert_eq!(statuses(&token), [Some(503), Some(503), Some(200)]);
}

#[tokio::test]
async fn retired_secret_without_rotation_is_an_auth_error() {
    let fake = FakeJumpCloud::builder()
        .client(SA_ID, SA_OLD, [ORG_A])
        .start()
        .await
        .unwrap();
    let jc = sa_client(&fake, SA_ID, SA_OLD);
    jc.v1().user_list().run_with_response().await.unwrap();
    fake.remove_client_secret(SA_ID, SA_OLD).unwrap();
    fake.revoke_tokens();

    let err = jc.v1().user_list().run_with_response().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert!(!format!("{err:?}{err}").contains(SA_OLD));
    // The refused token was dropped: the next call asks the token endpoint, which refuses.
    let err = jc.v1().user_list().run_with_response().await.unwrap_err();
    assert!(err.is_auth(), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert!(err.message().unwrap().contains("401"), "{err:?}");
    // Token requests are not retried on 401 (1 initial + 1 refresh + 1 for the second call).
    assert_eq!(fake.token_requests(), 3);
}

/// The docs of `Error::status` promise the token endpoint's status for `ErrorKind::Auth`
/// errors; a call whose token request was refused should carry it too.
#[tokio::test]

async fn refused_token_status_reaches_the_call_error() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let jc = sa_client(&fake, DEFAULT_CLIENT_ID, "wrong-secret-value");
    let direct = jc.authenticate().await.unwrap_err();
    assert_eq!(direct.status(), Some(StatusCode::UNAUTHORIZED));
    let err = jc.v1().user_list().run_with_response().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err:?}");
    assert_eq!(err.status(), Some(StatusCode::UNAUTHORIZED), "{err:?}");
}

#[tokio::test]
async fn service_account_with_two_orgs_uses_with_org() {
    let fake = FakeJumpCloud::builder()
        .client(SA_ID, SA_OLD, [ORG_A, ORG_B])
        .start()
        .await
        .unwrap();
    fake.org(ORG_A).seed(Collection::SystemGroups, 1).unwrap();
    fake.org(ORG_B).seed(Collection::SystemGroups, 3).unwrap();
    let jc = sa_client(&fake, SA_ID, SA_OLD);
    let a = jc
        .with_org(ORG_A)
        .v2()
        .system_group_list()
        .run_with_response()
        .await;
    let b = jc
        .with_org(ORG_B)
        .v2()
        .system_group_list()
        .run_with_response()
        .await;
    assert_eq!(a.unwrap().len(), 1);
    assert_eq!(b.unwrap().len(), 3);
    assert_eq!(
        jc.with_org(ORG_B)
            .v2()
            .group_list()
            .run_with_response()
            .await
            .unwrap()
            .len(),
        3
    );
    // The orgs share one token.
    assert_eq!(fake.token_requests(), 1);
}

#[tokio::test]
async fn org_the_key_does_not_reach_is_not_found() {
    let fake = two_orgs().await;
    let jc = api_key_client(&fake, MULTI_KEY).with_org("5f00000000000000000000c3");
    let err = jc.v1().user_list().run_with_response().await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.message(), Some("organization not found"));
}

#[tokio::test]
async fn dropped_connection_on_post_is_not_retried() {
    let fake = seeded(0, 0).await;
    fake.faults()
        .push(Fault::drop_connection().on_method("POST"));
    let jc = api_key_client(&fake, DEFAULT_API_KEY);
    let err = jc
        .v1()
        .user_create()
        .body(new_user("maybe.created"))
        .run_with_response()
        .await
        .unwrap_err();
    let err = err;
    assert_eq!(err.kind(), ErrorKind::Transport, "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(on_path(&fake, "POST", "/api/systemusers").len(), 1);
}

#[tokio::test]
async fn slow_answer_times_out_and_is_retried() {
    let fake = seeded(1, 0).await;
    fake.faults()
        .push(Fault::latency(Duration::from_millis(500)).on_path("/api/systemusers"));
    let jc = JumpCloud::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .timeout(Duration::from_millis(150))
        .retry(fast_retries())
        .build()
        .unwrap();
    assert_eq!(
        jc.v1()
            .user_list()
            .run_with_response()
            .await
            .unwrap()
            .results
            .len(),
        1
    );
    assert_eq!(on_path(&fake, "GET", "/api/systemusers").len(), 2);
}

#[tokio::test]
async fn body_broken_mid_answer_is_an_error_not_a_panic() {
    let fake = seeded(5, 0).await;
    fake.faults()
        .push(Fault::abort_body().on_path("/api/systemusers"));
    let jc = api_key_client(&fake, DEFAULT_API_KEY);
    let err = jc.v1().user_list().run_with_response().await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Transport | ErrorKind::Decode),
        "{err:?}"
    );
    assert_eq!(
        jc.v1()
            .user_list()
            .run_with_response()
            .await
            .unwrap()
            .results
            .len(),
        5
    );
}

/// A 200 whose body breaks off mid-way failed while reading the answer, not while building
/// the request; the error must not say otherwise.
#[tokio::test]

async fn body_broken_mid_answer_is_described_as_a_read_failure() {
    let fake = seeded(5, 0).await;
    fake.faults()
        .push(Fault::abort_body().on_path("/api/systemusers"));
    let jc = api_key_client(&fake, DEFAULT_API_KEY);
    let err = jc.v1().user_list().run_with_response().await.unwrap_err();
    let message = err.message().unwrap_or_default();
    assert!(!message.contains("build the request"), "{err:?}");
    assert_eq!(message, "failed reading the response body", "{err:?}");
}
