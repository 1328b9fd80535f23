//! The request path end to end against the fake JumpCloud on 127.0.0.1:
//! what is resent after a 429 whatever its verb, budgets that hold one
//! place per attempt however they were given (and so cannot deadlock), and
//! the phases of one retried call as tracing sees them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Duration;

use jumpcloud_api::insights::types::EventQuery;
use jumpcloud_ext::graph::NodeRef;
use jumpcloud_ext::prelude::*;
use jumpcloud_ext::{Budget, CallOptions};
use jumpcloud_fake::{Collection, DEMO_TWO_PATH_USERNAME, FakeJumpCloud, Fault};
use serde_json::json;

/// The demo organisation, a client for it that retries quickly, and the id
/// of `field = value` in `collection`.
fn id(fake: &FakeJumpCloud, c: Collection, field: &str, value: &str) -> String {
    let org = fake.default_org_id().to_owned();
    let objects = fake.org(&org).objects(c).unwrap();
    let found = objects.iter().find(|o| o[field] == value).unwrap();
    found["_id"]
        .as_str()
        .or(found["id"].as_str())
        .unwrap()
        .to_string()
}

/// `fault` in front of the next `POST` to `path`.
fn before_next_post(fake: &FakeJumpCloud, fault: Fault, path: &str) {
    fake.faults()
        .push(fault.on_method("POST").on_path(path).times(1));
}

/// Creates a user group named `name` (a `POST` that is not repeatable).
async fn create_group(jc: &JumpCloud, name: &str) -> jumpcloud_ext::Result<UserGroup> {
    let body =
        serde_json::from_value::<jumpcloud_api::v2::types::UserGroupPost>(json!({"name": name}))
            .unwrap();
    jc.v2().user_group_create().body(body).run().await
}

/// A 429 means JumpCloud refused the request before doing anything, so
/// every kind of `POST` is resent once and succeeds: reads sent as `POST`
/// (a v1 search behind a name lookup, a Directory Insights query), graph
/// link changes (idempotent in effect), and a plain create.
#[tokio::test]
async fn one_429_on_every_kind_of_post_is_resent_once() {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let jc = common::keyed_demo(&fake, common::fast_retry());
    let user = id(&fake, Collection::Users, "username", DEMO_TWO_PATH_USERNAME);
    let group = id(&fake, Collection::UserGroups, "name", "Engineering");
    let system = fake.default_org().objects(Collection::Systems).unwrap()[0]["_id"]
        .as_str()
        .unwrap()
        .to_string();

    let posts = [
        "/api/search/systemusers",
        "/insights/directory/v1/events",
        &format!("/api/v2/usergroups/{group}/members"),
        &format!("/api/v2/usergroups/{group}/associations"),
        "/api/v2/usergroups",
    ];
    for path in posts {
        before_next_post(&fake, Fault::rate_limited(), path);
    }
    fake.clear_requests();

    // A create: not repeatable in general, but a 429 was never acted on.
    // (First: its fault's path is a prefix of the graph changes' paths.)
    let created = create_group(&jc, "Throttled").await.unwrap();
    assert_eq!(created.name.as_deref(), Some("Throttled"));
    // A v1 search: the name lookup.
    let found = jc.find::<User>(DEMO_TWO_PATH_USERNAME).await.unwrap();
    assert_eq!(found.node.id, user);
    // A Directory Insights query.
    let query: EventQuery = serde_json::from_value(
        json!({"service": ["all"], "start_time": "2020-01-01T00:00:00Z", "limit": 5}),
    )
    .unwrap();
    jc.insights().event_get().body(query).run().await.unwrap();
    // Graph link changes: a member removed, an association added.
    let member = serde_json::from_value::<jumpcloud_api::v2::types::GraphOperationUserGroupMember>(
        json!({"op": "remove", "type": "user", "id": user}),
    )
    .unwrap();
    jc.v2()
        .user_group_members_set()
        .group_id(&group)
        .body(member)
        .run()
        .await
        .unwrap();
    let link = serde_json::from_value::<jumpcloud_api::v2::types::GraphOperationUserGroup>(
        json!({"op": "add", "type": "system", "id": system}),
    )
    .unwrap();
    jc.v2()
        .user_group_association_set()
        .group_id(&group)
        .body(link)
        .run()
        .await
        .unwrap();

    for path in posts {
        let sent = fake.requests_to("POST", path).len();
        assert_eq!(sent, 2, "{path}: the 429 and one resend");
    }
    assert_eq!(fake.faults().pending(), 0);
}

/// What may have been carried out is not repeated: a create that met a
/// 502 is sent once, while a search (a read sent as `POST`) is resent.
#[tokio::test]
async fn a_502_resends_reads_sent_as_post_but_not_a_create() {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let jc = common::keyed_demo(&fake, common::fast_retry());
    for path in ["/api/v2/usergroups", "/api/search/systemusers"] {
        before_next_post(&fake, Fault::status(502), path);
    }
    fake.clear_requests();
    let err = create_group(&jc, "Once").await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(err.attempts(), Some(1));
    assert_eq!(fake.requests_to("POST", "/api/v2/usergroups").len(), 1);

    jc.find::<User>(DEMO_TWO_PATH_USERNAME).await.unwrap();
    assert_eq!(fake.requests_to("POST", "/api/search/systemusers").len(), 2);
}

/// Where a budget is given.
#[derive(Clone, Copy, Debug)]
enum Given {
    Client,
    Stream,
    Both,
}

/// Every combination of where a budget is given, its size and the
/// stream's concurrency finishes, reads every item and never has more
/// requests out than the budget's size: an attempt holds one place of a
/// budget however often it was given.
#[tokio::test]
async fn budgets_never_deadlock_and_never_overflow() {
    let fake = common::slow_fake(Duration::from_millis(2)).await;
    fake.default_org().seed_users(250).unwrap();
    let jc = common::client(&fake, RetryPolicy::none());
    for given in [Given::Client, Given::Stream, Given::Both] {
        for size in 1..=4 {
            for concurrency in 1..=8 {
                let budget = Budget::new(size);
                let client = match given {
                    Given::Client | Given::Both => {
                        jc.with_options(CallOptions::new().within(&budget))
                    }
                    Given::Stream => jc.clone(),
                };
                let listing = client.v1().user_list().limit(100).concurrency(concurrency);
                let listing = match given {
                    Given::Stream | Given::Both => listing.within(&budget),
                    Given::Client => listing,
                };
                fake.reset_max_in_flight();
                let users =
                    tokio::time::timeout(Duration::from_secs(20), listing.try_collect_all())
                        .await
                        .unwrap_or_else(|_| {
                            panic!("{given:?}, budget {size}, concurrency {concurrency}: no answer")
                        })
                        .unwrap();
                assert_eq!(users.len(), 250, "{given:?} {size} {concurrency}");
                assert!(
                    fake.max_in_flight() <= size,
                    "{given:?}, budget {size}, concurrency {concurrency}: {} out at once",
                    fake.max_in_flight()
                );
                assert_eq!(budget.in_flight(), 0);
            }
        }
    }
}

/// The graph fans out within its own budget; a client with a budget of its
/// own still answers, within the smaller of the two.
#[tokio::test]
async fn the_graph_answers_from_a_budgeted_client() {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let jc = common::demo_client(&fake);
    let ada = NodeRef::user(id(
        &fake,
        Collection::Users,
        "username",
        DEMO_TWO_PATH_USERNAME,
    ));
    let expected = jc.graph().access_of(&ada).await.unwrap();
    for size in 1..=4 {
        let budget = Budget::new(size);
        let budgeted = jc.with_options(CallOptions::new().within(&budget));
        fake.reset_max_in_flight();
        let access = tokio::time::timeout(
            Duration::from_secs(20),
            budgeted.graph().concurrency(8).access_of(&ada),
        )
        .await
        .unwrap_or_else(|_| panic!("budget {size}: no answer"))
        .unwrap();
        assert_eq!(access.len(), expected.len(), "budget {size}");
        assert!(
            fake.max_in_flight() <= size,
            "budget {size}: {}",
            fake.max_in_flight()
        );
    }
}
