//! Pagination streams end to end against the fake JumpCloud on 127.0.0.1:
//! collection sizes around the page boundaries, short pages in the middle,
//! errors mid-stream, laziness, page-size caps, concurrency and every paging
//! kind (offset in the query or body, token, cursor).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::fake_with;
use futures::{StreamExt, TryStreamExt};
use jumpcloud_ext::prelude::*;
use jumpcloud_ext::{Budget, ListingPage, StatusCode, api::Position};
use jumpcloud_fake::{Collection, FakeJumpCloud, Fault, RecordedRequest};

fn client(fake: &FakeJumpCloud) -> JumpCloud {
    common::client(fake, RetryPolicy::none())
}

fn list_requests(fake: &FakeJumpCloud, path: &str) -> Vec<RecordedRequest> {
    fake.requests()
        .into_iter()
        .filter(|r| r.path == path)
        .collect()
}

fn query_value(r: &RecordedRequest, key: &str) -> Option<String> {
    let query = r.query.as_deref().unwrap_or("");
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .unwrap()
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

#[tokio::test]
async fn v2_lists_of_every_size_around_the_page_boundary() {
    for (n, pages) in [(0usize, 1usize), (1, 1), (100, 1), (101, 2), (250, 3)] {
        let fake = fake_with(Collection::UserGroups, n).await;
        let jc = client(&fake);
        let groups = jc.v2().user_group_list().try_collect_all().await.unwrap();
        assert_eq!(groups.len(), n, "collection of {n}");
        let ids: BTreeSet<_> = groups.iter().map(|g| g.id.clone()).collect();
        assert_eq!(ids.len(), n, "no item repeated in a collection of {n}");
        let requests = list_requests(&fake, "/api/v2/usergroups");
        assert_eq!(requests.len(), pages, "requests for {n} items");
        for (i, r) in requests.iter().enumerate() {
            assert_eq!(query_value(r, "limit").as_deref(), Some("100"));
            assert_eq!(query_value(r, "skip"), Some((i * 100).to_string()));
            assert_eq!(
                query_value(r, "sort").as_deref(),
                Some("_id"),
                "a stable order"
            );
        }
    }
}

#[tokio::test]
async fn a_caller_sort_and_filter_are_kept_on_every_page() {
    let fake = fake_with(Collection::UserGroups, 30).await;
    let jc = client(&fake);
    let groups: Vec<_> = jc
        .v2()
        .user_group_list()
        .sort(vec!["-name".to_string()])
        .per_page(10)
        .try_collect_all()
        .await
        .unwrap();
    assert_eq!(groups.len(), 30);
    let names: Vec<_> = groups.iter().map(|g| g.name.clone()).collect();
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted, "the caller's order, across pages");
    for r in list_requests(&fake, "/api/v2/usergroups") {
        assert_eq!(query_value(&r, "sort").as_deref(), Some("-name"));
        assert_eq!(query_value(&r, "limit").as_deref(), Some("10"));
    }
}

#[tokio::test]
async fn take_five_makes_exactly_one_request() {
    let fake = fake_with(Collection::UserGroups, 250).await;
    let jc = client(&fake);
    let first: Vec<_> = jc
        .v2()
        .user_group_list()
        .concurrency(8)
        .stream()
        .take(5)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(first.len(), 5);
    assert_eq!(list_requests(&fake, "/api/v2/usergroups").len(), 1);
}

/// A limit below the maximum is the page size; a limit of 0 means none
/// (pages of the maximum), never pages of one item.
#[tokio::test]
async fn a_limit_sets_the_page_size_and_zero_means_the_maximum() {
    let fake = fake_with(Collection::Users, 70).await;
    let jc = client(&fake);
    for (limit, pages, size) in [(30, 3, "30"), (0, 1, "100")] {
        fake.clear_requests();
        let users = jc
            .v1()
            .user_list()
            .limit(limit)
            .try_collect_all()
            .await
            .unwrap();
        assert_eq!(users.len(), 70, "limit {limit}");
        let requests = list_requests(&fake, "/api/systemusers");
        assert_eq!(requests.len(), pages, "limit {limit}");
        assert!(
            requests
                .iter()
                .all(|r| query_value(r, "limit").as_deref() == Some(size)),
            "limit {limit}"
        );
    }
}

#[tokio::test]
async fn a_v1_limit_above_the_maximum_becomes_the_page_size() {
    let fake = fake_with(Collection::Users, 230).await;
    let jc = client(&fake);
    let users = jc
        .v1()
        .user_list()
        .limit(500)
        .try_collect_all()
        .await
        .unwrap();
    assert_eq!(users.len(), 230);
    let requests = list_requests(&fake, "/api/systemusers");
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.status == Some(200)));
    assert!(
        requests
            .iter()
            .all(|r| query_value(r, "limit").as_deref() == Some("100"))
    );
}

#[tokio::test]
async fn a_caller_skip_is_where_the_walk_starts() {
    let fake = fake_with(Collection::Users, 130).await;
    let jc = client(&fake);
    let all = jc.v1().user_list().try_collect_all().await.unwrap();
    let rest = jc
        .v1()
        .user_list()
        .skip(25)
        .try_collect_all()
        .await
        .unwrap();
    assert_eq!(rest.len(), 105);
    assert_eq!(rest[0].id, all[25].id);
}

#[tokio::test]
async fn an_error_on_page_three_is_one_err_item_naming_the_page_and_ends_the_stream() {
    let fake = fake_with(Collection::UserGroups, 450).await;
    let jc = client(&fake);
    let mut pages = jc.v2().user_group_list().pages();
    let first: ListingPage<_> = pages.try_next().await.unwrap().unwrap();
    assert_eq!((first.index, first.total), (0, Some(450)));
    assert_eq!(first.position, Position::Offset(0));
    pages.try_next().await.unwrap().unwrap();
    fake.faults()
        .push(Fault::status(500).on_path("/api/v2/usergroups").times(1));
    let err = pages.next().await.unwrap().unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert_eq!(err.page_position(), Some("skip 200"));
    assert_eq!(err.operation().map(|o| o.id), Some("UserGroup_List"));
    assert!(err.to_string().contains("skip 200"), "{err}");
    assert!(
        pages.next().await.is_none(),
        "the stream ends after an error"
    );
}

#[tokio::test]
async fn concurrent_pages_come_out_in_order_without_gaps() {
    let fake = fake_with(Collection::Users, 1_050).await;
    let jc = client(&fake);
    let sequential = jc.v1().user_list().try_collect_all().await.unwrap();
    fake.faults().push(
        Fault::latency(Duration::from_millis(5))
            .on_path("/api/systemusers")
            .times(100),
    );
    let parallel = jc
        .v1()
        .user_list()
        .concurrency(4)
        .try_collect_all()
        .await
        .unwrap();
    let ids = |v: &[jumpcloud_ext::api::v1::types::Systemuserreturn]| {
        v.iter().map(|u| u.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&parallel), ids(&sequential));
    assert_eq!(parallel.len(), 1_050);
}

#[tokio::test]
async fn total_count_is_one_small_request() {
    let fake = fake_with(Collection::UserGroups, 42).await;
    let jc = client(&fake);
    assert_eq!(
        jc.v2().user_group_list().total_count().await.unwrap(),
        Some(42)
    );
    let requests = list_requests(&fake, "/api/v2/usergroups");
    assert_eq!(requests.len(), 1);
    assert_eq!(query_value(&requests[0], "limit").as_deref(), Some("1"));
    let fake = fake_with(Collection::Users, 7).await;
    assert_eq!(
        client(&fake).v1().user_list().total_count().await.unwrap(),
        Some(7)
    );
}

/// v1 searches page by `limit` and `skip` in the body, and send the same values in the query:
/// JumpCloud's two spec lineages disagree on where they go (docs/fidelity.md, entry 10).
#[tokio::test]
async fn v1_search_pages_in_the_body_and_the_query() {
    let fake = fake_with(Collection::Users, 120).await;
    let jc = client(&fake);
    let found = jc
        .v1()
        .user_search()
        .body(jumpcloud_ext::api::v1::types::Search::default())
        .per_page(50)
        .try_collect_all()
        .await
        .unwrap();
    assert_eq!(found.len(), 120);
    let requests = list_requests(&fake, "/api/search/systemusers");
    let queries: Vec<_> = requests
        .iter()
        .map(|r| (query_value(r, "skip"), query_value(r, "limit")))
        .collect();
    let page = |skip: &str| (Some(skip.to_string()), Some("50".to_string()));
    assert_eq!(queries, vec![page("0"), page("50"), page("100")]);
    let bodies: Vec<serde_json::Value> = requests
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    let positions: Vec<_> = bodies
        .iter()
        .map(|b| (b["skip"].clone(), b["limit"].clone()))
        .collect();
    assert_eq!(
        positions,
        vec![
            (0.into(), 50.into()),
            (50.into(), 50.into()),
            (100.into(), 50.into())
        ]
    );
}

#[tokio::test]
async fn a_short_page_in_the_middle_loses_nothing_after_it() {
    let fake = fake_with(Collection::UserGroups, 250).await;
    let jc = client(&fake);
    // The second page comes back 7 records short while the total still counts them.
    common::on_second_group_page(&fake, Fault::drop_records(7));
    let groups = jc.v2().user_group_list().try_collect_all().await.unwrap();
    assert_eq!(groups.len(), 243, "only the dropped records are missing");
    let requests = list_requests(&fake, "/api/v2/usergroups");
    assert_eq!(requests.len(), 3, "the walk went on to the third page");
    assert_eq!(query_value(&requests[2], "skip").as_deref(), Some("200"));
    let all = jc.v2().user_group_list().try_collect_all().await.unwrap();
    assert_eq!(all[200..], groups[193..], "the third page is intact");
}

#[tokio::test]
async fn directory_insights_events_page_by_cursor() {
    let fake = fake_with(Collection::Events, 25).await;
    let jc = client(&fake);
    let start = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let query: jumpcloud_ext::api::insights::types::EventQuery =
        serde_json::from_value(serde_json::json!({ "service": ["all"], "start_time": start }))
            .unwrap();
    let pages: Vec<_> = jc
        .insights()
        .event_get()
        .body(query)
        .per_page(10)
        .pages()
        .try_collect()
        .await
        .unwrap();
    let sizes: Vec<_> = pages.iter().map(|p| p.items.len()).collect();
    assert_eq!(sizes, vec![10, 10, 5]);
    assert_eq!(pages[0].position, Position::Start);
    assert!(matches!(pages[1].position, Position::Cursor(_)));
    let ids: BTreeSet<_> = pages
        .iter()
        .flat_map(|p| p.items.iter().map(|e| e.id().map(str::to_owned)))
        .collect();
    assert_eq!(ids.len(), 25, "no event repeated across cursor pages");
    let bodies: Vec<serde_json::Value> = list_requests(&fake, "/insights/directory/v1/events")
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    assert_eq!(
        bodies.len(),
        3,
        "a short page ends the walk without another request"
    );
    assert!(bodies[0].get("search_after").is_none());
    assert_eq!(bodies[1]["limit"], 10);
    assert!(bodies[1]["search_after"].is_array());
}

#[tokio::test]
async fn a_token_paged_import_follows_the_next_page_token() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let gsuite = fake
        .org(&org)
        .seed(Collection::GSuites, 1)
        .unwrap()
        .remove(0);
    fake.org(&org).seed_gsuite_import(&gsuite, 230).unwrap();
    let jc = client(&fake);
    let users = jc
        .v2()
        .g_suite_users_to_import_list()
        .gsuite_id(&gsuite)
        .try_collect_all()
        .await
        .unwrap();
    assert_eq!(users.len(), 230);
    let ids: BTreeSet<_> = users.iter().map(|u| u.id.clone()).collect();
    assert_eq!(ids.len(), 230);
    let path = format!("/api/v2/gsuites/{gsuite}/import/users");
    let requests = list_requests(&fake, &path);
    assert_eq!(requests.len(), 3);
    assert_eq!(query_value(&requests[0], "pageToken"), None);
    assert!(query_value(&requests[1], "pageToken").is_some());
    assert_eq!(
        query_value(&requests[0], "maxResults").as_deref(),
        Some("100")
    );
}

#[tokio::test]
async fn system_insights_tables_page_by_ten_thousand_with_typed_filters() {
    use jumpcloud_ext::filter::system_insights::Filter;
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let systems = fake.org(&org).seed(Collection::Systems, 3).unwrap();
    fake.org(&org)
        .seed_insights("os_version", &systems, 1)
        .unwrap();
    fake.org(&org)
        .seed_insights("apps", &systems, 4_000)
        .unwrap();
    let jc = client(&fake);
    let apps = jc
        .v2()
        .system_insight_apps_list()
        .try_collect_all()
        .await
        .unwrap();
    assert_eq!(apps.len(), 12_000);
    let requests = list_requests(&fake, "/api/v2/systeminsights/apps");
    assert_eq!(requests.len(), 2);
    assert_eq!(query_value(&requests[0], "limit").as_deref(), Some("10000"));
    let one = jc
        .v2()
        .system_insight_os_version_list()
        .filter(Filter::field("system_id").eq(systems[1].as_str()).unwrap())
        .try_collect_all()
        .await
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].system_id.as_deref(), Some(systems[1].as_str()));
}

#[tokio::test]
async fn a_bad_typed_filter_fails_before_any_request() {
    use jumpcloud_ext::filter::v2::Filter;
    let fake = fake_with(Collection::UserGroups, 3).await;
    let jc = client(&fake);
    let err = jc
        .v2()
        .user_group_list()
        .filter(Filter::field("na:me").eq("x"))
        .try_collect_all()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(err.to_string().contains("invalid filter"), "{err}");
    assert_eq!(fake.request_count(), 0);
    let named = jc
        .v2()
        .user_group_list()
        .filter(Filter::field("name").eq("Group 1").unwrap())
        .try_collect_all()
        .await
        .unwrap();
    assert!(named.iter().all(|g| g.name.as_deref() == Some("Group 1")));
}

/// Two streams at concurrency 4 have up to eight requests out; sharing a
/// `Budget` of 3, they never have more than three, and still read every item.
#[tokio::test]
async fn streams_sharing_a_budget_stay_within_it_together() {
    let fake = common::slow_fake(Duration::from_millis(20)).await;
    fake.default_org().seed_users(500).unwrap();
    fake.default_org().seed_user_groups(500).unwrap();
    let jc = client(&fake);

    let users = jc.v1().user_list().concurrency(4).try_collect_all();
    let groups = jc.v2().user_group_list().concurrency(4).try_collect_all();
    let (users, groups) = futures::try_join!(users, groups).unwrap();
    assert_eq!((users.len(), groups.len()), (500, 500));
    assert!(
        fake.max_in_flight() > 4,
        "without a budget the two streams overlap: {}",
        fake.max_in_flight()
    );

    fake.reset_max_in_flight();
    let budget = Budget::new(3);
    let users = jc
        .v1()
        .user_list()
        .within(&budget)
        .concurrency(4)
        .try_collect_all();
    let groups = jc
        .v2()
        .user_group_list()
        .within(&budget)
        .concurrency(4)
        .try_collect_all();
    let (users, groups) = futures::try_join!(users, groups).unwrap();
    assert_eq!((users.len(), groups.len()), (500, 500));
    assert_eq!(fake.max_in_flight(), 3);
    assert_eq!(budget.in_flight(), 0);
}

/// One stream never has more requests out than its concurrency, and numbers
/// its pages from 0 without gaps whatever order they finish in.
#[tokio::test]
async fn a_stream_keeps_to_its_concurrency_and_numbers_its_pages() {
    let fake = common::slow_fake(Duration::from_millis(20)).await;
    fake.default_org().seed_users(1_050).unwrap();
    let pages: Vec<ListingPage<_>> = client(&fake)
        .v1()
        .user_list()
        .concurrency(4)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(fake.max_in_flight(), 4);
    let indexes: Vec<usize> = pages.iter().map(|p| p.index).collect();
    assert_eq!(indexes, (0..11).collect::<Vec<_>>());
    assert_eq!(pages.iter().map(|p| p.items.len()).sum::<usize>(), 1_050);
}
