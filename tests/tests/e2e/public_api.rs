//! The fake's public API as a user's suite sees it: seeding errors, the typed helpers,
//! fault matchers and the request log.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jumpcloud_fake::{
    Collection, DEFAULT_API_KEY, FakeError, FakeJumpCloud, Fault, GraphNode, REDACTED,
};
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};

fn call(fake: &FakeJumpCloud, method: Method, path: &str) -> RequestBuilder {
    Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .request(method, format!("{}{path}", fake.base_url()))
        .header("x-api-key", DEFAULT_API_KEY)
}

fn get(fake: &FakeJumpCloud, path: &str) -> RequestBuilder {
    call(fake, Method::GET, path)
}

#[tokio::test]
async fn seeding_that_cannot_hold_is_an_error_at_once() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let group = GraphNode::user_group(fake.default_org().add_user_group("Admins").unwrap());
    let ghost = GraphNode::user("5f1b2c3d4e5f60718293a4b5");
    assert!(matches!(
        fake.org(&org).add_member(&group, &ghost),
        Err(FakeError::NotFound(_))
    ));
    let system = GraphNode::system(fake.default_org().add_system("web-1").unwrap());
    assert!(matches!(
        fake.org(&org).associate(&ghost, &system, None),
        Err(FakeError::NotFound(_))
    ));
    // A user can't be a member of a system group.
    let servers = GraphNode::system_group(fake.default_org().add_system_group("Servers").unwrap());
    let user = GraphNode::user(fake.default_org().add_user("ann").unwrap());
    assert!(matches!(
        fake.org(&org).add_member(&servers, &user),
        Err(FakeError::InvalidLink(_))
    ));
    assert!(matches!(
        fake.default_org().add_user("ann"),
        Err(FakeError::Conflict(_))
    ));
    assert!(matches!(
        fake.default_org().add_user_group("Admins"),
        Err(FakeError::Conflict(_))
    ));
    assert!(matches!(
        fake.org(&org)
            .seed_insights("apps", std::slice::from_ref(&ghost.id), 1),
        Err(FakeError::NotFound(_))
    ));
    assert!(fake.org(&org).members_of(&group).unwrap().is_empty());
}

#[tokio::test]
async fn request_log_keeps_what_was_sent_but_no_secret() {
    let fake = FakeJumpCloud::start().await.unwrap();
    get(
        &fake,
        "/api/v2/usergroups?filter=name:eq:a&filter=description:eq:b&limit=5",
    )
    .header("x-org-id", fake.default_org_id())
    .send()
    .await
    .unwrap();
    let log = fake.requests_to("get", "/api/v2/usergroups");
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0].query_values("filter"),
        ["name:eq:a", "description:eq:b"]
    );
    assert_eq!(log[0].query_value("limit").as_deref(), Some("5"));
    assert_eq!(log[0].header("x-api-key"), Some(REDACTED));
    assert_eq!(log[0].header("x-org-id"), Some(fake.default_org_id()));
    assert!(!format!("{log:?}").contains(DEFAULT_API_KEY));
}

#[tokio::test]
async fn typed_seeding_fills_what_the_api_returns() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let ann = fake
        .default_org()
        .add_user_with(json!({"username": "ann", "department": "IT", "state": "SUSPENDED"}))
        .unwrap();
    let user = fake.org(&org).object(Collection::Users, &ann).unwrap();
    assert_eq!(user["email"], "ann@example.com");
    assert_eq!(
        (user["state"].as_str(), user["suspended"].as_bool()),
        (Some("SUSPENDED"), Some(true))
    );
    assert!(matches!(
        fake.default_org()
            .add_user_with(json!({"email": "x@example.com"})),
        Err(FakeError::InvalidObject(_))
    ));
    assert!(matches!(
        fake.default_org().add_user_group(" "),
        Err(FakeError::InvalidObject(_))
    ));
    let policy = fake.default_org().add_policy("Disk Encryption").unwrap();
    let app = fake.default_org().add_application("Slack").unwrap();
    let command = fake
        .default_org()
        .add_command("Update", "apt-get upgrade -y")
        .unwrap();
    let event = fake
        .default_org().add_event(json!({"service": "sso", "event_type": "sso_auth", "timestamp": "2026-01-02T03:04:05.000Z"}))
        .unwrap();
    // One field of a stored object.
    let stored = |c, id: &str, field: &str| fake.org(&org).object(c, id).unwrap()[field].clone();
    assert_eq!(
        stored(Collection::Policies, &policy, "name"),
        "Disk Encryption"
    );
    assert_eq!(stored(Collection::Applications, &app, "name"), "Slack");
    assert_eq!(
        stored(Collection::Commands, &command, "command"),
        "apt-get upgrade -y"
    );
    assert_eq!(stored(Collection::Events, &event, "service"), "sso");

    // What was seeded is what the API serves.
    let resp = get(&fake, &format!("/api/applications/{app}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let (status, body) = (resp.status(), resp.json::<Value>().await.unwrap());
    assert_eq!(
        (status.as_u16(), body["name"].as_str()),
        (200, Some("Slack"))
    );

    // Suspending through the API moves `state` too.
    let bob = fake.default_org().add_user("bob").unwrap();
    let resp = call(&fake, Method::PUT, &format!("/api/systemusers/{bob}"))
        .json(&json!({"suspended": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        fake.org(&org).object(Collection::Users, &bob).unwrap()["state"],
        "SUSPENDED"
    );
}

#[tokio::test]
async fn write_faults_spare_reads() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let ann = fake.default_org().add_user("ann").unwrap();
    fake.faults()
        .push(Fault::server_error().on_writes().times(2));
    assert_eq!(
        get(&fake, "/api/systemusers")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let put = || {
        call(&fake, Method::PUT, &format!("/api/systemusers/{ann}"))
            .json(&json!({"department": "IT"}))
            .send()
    };
    let failed = put().await.unwrap();
    assert_eq!(failed.status(), 500);
    assert!(failed.json::<Value>().await.unwrap()["message"].is_string());
    assert_eq!(put().await.unwrap().status(), 500);
    assert_eq!(put().await.unwrap().status(), 200);
    assert_eq!(fake.faults().pending(), 0);
    let statuses: Vec<_> = fake
        .requests_to("PUT", &format!("/api/systemusers/{ann}"))
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(200)]);
}
