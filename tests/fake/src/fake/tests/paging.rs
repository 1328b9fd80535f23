//! Paging realism: System Insights tables, v1 search on every searchable collection, the
//! token-paged imports, the drop-records fault, latency, `_id` sorting and bulk seeding.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::{Code, client, get, get_json, header, json, post_json, req};
use crate::fake::routes::insights_tables::TABLES;
use crate::fake::{Collection, FakeJumpCloud, Fault};

fn v2_document() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/jumpcloud-v2.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn len(body: &Value) -> usize {
    items(body).len()
}

/// The items of a bare-array body.
fn items(body: &Value) -> &[Value] {
    body.as_array().unwrap()
}

#[test]
fn insights_tables_match_the_document() {
    let doc = v2_document();
    let from_doc: BTreeSet<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter_map(|p| p.strip_prefix("/systeminsights/"))
        .filter(|t| !t.contains('/'))
        .collect();
    assert_eq!(from_doc, TABLES.into_iter().collect());
}

#[tokio::test]
async fn insights_tables_page_filter_and_cap() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let systems = fake.default_org().seed_systems(3).unwrap();
    fake.org(&org)
        .seed_insights("apps", &systems, 4000)
        .unwrap();
    fake.org(&org).seed_insights("uptime", &systems, 1).unwrap();

    let resp = get(&fake, "/api/v2/systeminsights/apps").sent().await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("12000"));
    assert_eq!(len(&json(resp).await.1), 10);

    let resp = get(&fake, "/api/v2/systeminsights/apps?limit=10000&skip=5000")
        .sent()
        .await;
    assert_eq!(len(&json(resp).await.1), 7000);
    let (status, body) = get_json(&fake, "/api/v2/systeminsights/apps?limit=10001").await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("10000"));

    let eq = format!("system_id:eq:{}", systems[1]);
    let resp = get(&fake, "/api/v2/systeminsights/apps")
        .query(&[("filter", eq.as_str()), ("limit", "1")])
        .sent()
        .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("4000"));
    assert_eq!(json(resp).await.1[0]["system_id"], systems[1]);

    let within = format!("system_id:in:{}|{}", systems[0], systems[2]);
    let resp = get(&fake, "/api/v2/systeminsights/uptime")
        .query(&[("filter", within.as_str())])
        .sent()
        .await;
    let rows = json(resp).await.1;
    assert_eq!(len(&rows), 2);
    assert!(items(&rows).iter().all(|r| r["system_id"] != systems[1]));

    fake.org(&org)
        .insert_insights(
            "uptime",
            [json!({"system_id": systems[0], "days": 40, "total_seconds": "3456000"})],
        )
        .unwrap();
    let resp = get(&fake, "/api/v2/systeminsights/uptime?filter=days:gte:31")
        .sent()
        .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("1"));

    for bad in [
        "/api/v2/systeminsights/uptime?filter=days:gt:3",
        "/api/v2/systeminsights/uptime?filter=days:ne:3",
    ] {
        assert_eq!(get(&fake, bad).code().await, 400, "{bad}");
    }
    let resp = get(&fake, "/api/v2/systeminsights/no_such_table")
        .sent()
        .await;
    assert_eq!(resp.status(), 404);
    assert!(
        fake.org(&org)
            .seed_insights("no_such_table", &systems, 1)
            .is_err()
    );
}

async fn search(fake: &FakeJumpCloud, what: &str, body: Value) -> (u16, Value) {
    json(post_json(fake, &format!("/api/search/{what}"), &body).await).await
}

#[tokio::test]
async fn v1_search_on_systems_commands_results_and_orgs() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    fake.default_org().seed_systems(30).unwrap();
    let cmd = fake
        .org(&org)
        .insert(
            Collection::Commands,
            json!({"name": "Reboot", "command": "reboot"}),
        )
        .unwrap();
    fake.org(&org).seed(Collection::Commands, 4).unwrap();
    fake.org(&org).seed(Collection::CommandResults, 12).unwrap();

    let (status, body) = search(&fake, "systems", json!({"limit": 100})).await;
    assert_eq!(status, 200);
    assert_eq!(body["totalCount"], 30);
    assert_eq!(len(&body["results"]), 30);

    let (_, body) = search(
        &fake,
        "systems",
        json!({
            "filter": {"or": [{"osFamily": "linux"}, {"osFamily": "windows"}]},
            "fields": "hostname osFamily",
            "sort": "-hostname",
            "limit": 5,
            "skip": 5,
        }),
    )
    .await;
    assert_eq!(body["totalCount"], 20);
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    assert!(
        results
            .iter()
            .all(|s| s["osFamily"] != "darwin" && s.get("os").is_none())
    );

    let (_, body) = search(
        &fake,
        "systems",
        json!({"searchFilter": {"searchTerm": "MAC-00", "fields": ["displayName"]}}),
    )
    .await;
    assert_eq!(body["totalCount"], 4);

    let (_, body) = search(
        &fake,
        "commands",
        json!({"searchFilter": {"searchTerm": "reboot"}}),
    )
    .await;
    assert_eq!(body["totalCount"], 1);
    assert_eq!(body["results"][0]["_id"], cmd);

    let (_, body) = search(&fake, "commandresults", json!({"limit": 10, "skip": 10})).await;
    assert_eq!(
        (body["totalCount"].as_u64(), len(&body["results"])),
        (Some(12), 2)
    );

    let (_, body) = search(&fake, "organizations", json!({})).await;
    assert_eq!(body["totalCount"], 1);
    assert_eq!(body["results"][0]["_id"], org);
    let with_org = req(&fake, Method::POST, "/api/search/organizations").header("x-org-id", &org);
    assert_eq!(with_org.json(&json!({})).code().await, 403);

    for what in ["systems", "commands", "commandresults", "organizations"] {
        let (status, _) = search(&fake, what, json!({"limit": 101})).await;
        assert_eq!(status, 400, "{what}");
    }
}

#[tokio::test]
async fn command_results_by_command_are_a_bare_array() {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let cmd = fake.org(&org).objects(Collection::Commands).unwrap()[0]["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let resp = client()
        .get(format!("{}/commands/{cmd}/results?limit=3", fake.v1_url()))
        .header("x-api-key", crate::fake::DEMO_API_KEY)
        .sent()
        .await;
    assert!(header(&resp, "x-total-count").is_none());
    let body = json(resp).await.1;
    assert_eq!(len(&body), 3);
    assert!(items(&body).iter().all(|r| r["workflowId"] == cmd));
}

#[tokio::test]
async fn gsuite_and_office365_imports_page_by_token() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let gsuite = fake
        .org(&org)
        .insert(Collection::GSuites, json!({"name": "G"}))
        .unwrap();
    let office = fake
        .org(&org)
        .insert(Collection::Office365s, json!({"name": "M"}))
        .unwrap();
    fake.org(&org).seed_gsuite_import(&gsuite, 25).unwrap();
    fake.org(&org).seed_office365_import(&office, 25).unwrap();

    let users = format!("/api/v2/gsuites/{gsuite}/import/users");
    let pages = token_pages(
        &fake,
        &users,
        ("maxResults", "10"),
        "pageToken",
        "nextPageToken",
    )
    .await;
    let mut ids = BTreeSet::new();
    for u in pages.iter().flat_map(|b| b["users"].as_array().unwrap()) {
        assert!(ids.insert(u["primaryEmail"].as_str().unwrap().to_owned()));
    }
    assert_eq!((pages.len(), ids.len()), (3, 25));

    let path = format!("/api/v2/gsuites/{gsuite}/import/jumpcloudusers?maxResults=2");
    let body = get_json(&fake, &path).await.1;
    assert!(body["users"][0]["email"].is_string() && body["users"][0]["username"].is_string());

    let users = format!("/api/v2/office365s/{office}/import/users");
    let pages = token_pages(&fake, &users, ("top", "20"), "skipToken", "skipToken").await;
    assert!(pages.iter().all(|b| b["top"] == 20));
    assert_eq!(pages.iter().map(|b| len(&b["users"])).sum::<usize>(), 25);

    for bad in [
        format!("/api/v2/gsuites/{gsuite}/import/users?pageToken=garbage"),
        format!("/api/v2/gsuites/{gsuite}/import/users?maxResults=501"),
        format!("/api/v2/office365s/{office}/import/users?top=0"),
    ] {
        assert_eq!(get(&fake, &bad).code().await, 400, "{bad}");
    }
    let unknown = "/api/v2/gsuites/aaaaaaaaaaaaaaaaaaaaaaaa/import/users";
    assert_eq!(get(&fake, unknown).code().await, 404);
}

/// The bodies of every page of a token-paged listing at `path` with page size `size`:
/// each next page is asked for with query parameter `param` set to the previous body's
/// `field`, until a body has none.
async fn token_pages(
    fake: &FakeJumpCloud,
    path: &str,
    size: (&str, &str),
    param: &str,
    field: &str,
) -> Vec<Value> {
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut r = get(fake, path).query(&[size]);
        if let Some(t) = &token {
            r = r.query(&[(param, t)]);
        }
        let body = json(r.sent().await).await.1;
        token = body[field].as_str().map(str::to_owned);
        pages.push(body);
        if token.is_none() {
            return pages;
        }
    }
}

#[tokio::test]
async fn drop_records_shortens_one_page_but_not_the_total() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.default_org().seed_user_groups(250).unwrap();
    fake.default_org().seed_users(30).unwrap();
    let groups = "/api/v2/usergroups";
    fake.faults()
        .push(Fault::drop_records(3).on_path(groups).after(1));
    let mut sizes = Vec::new();
    let mut totals = Vec::new();
    for skip in [0, 100, 200] {
        let page = format!("{groups}?limit=100&skip={skip}&sort=_id");
        let resp = get(&fake, &page).sent().await;
        totals.push(header(&resp, "x-total-count").unwrap());
        sizes.push(len(&json(resp).await.1));
    }
    assert_eq!(sizes, [100, 97, 50]);
    assert_eq!(totals, ["250", "250", "250"]);
    assert_eq!(fake.faults().pending(), 0);

    fake.faults()
        .push(Fault::drop_records(2).on_path("/api/systemusers"));
    let body = get_json(&fake, "/api/systemusers?limit=10").await.1;
    assert_eq!(
        (body["totalCount"].as_u64(), len(&body["results"])),
        (Some(30), 8)
    );
}

#[tokio::test]
async fn latency_is_added_to_every_request() {
    let fake = FakeJumpCloud::builder()
        .latency(Duration::from_millis(30))
        .start()
        .await
        .unwrap();
    assert_eq!(fake.latency(), Duration::from_millis(30));
    // Only a lower bound is checked: a sleep never ends early, so this can't flake.
    let started = Instant::now();
    assert_eq!(get(&fake, "/api/v2/usergroups").code().await, 200);
    assert!(started.elapsed() >= Duration::from_millis(30));
    fake.set_latency(Duration::ZERO);
    assert_eq!(fake.latency(), Duration::ZERO);
}

#[tokio::test]
async fn id_sort_and_descending_name_on_v2() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let ids = fake.default_org().seed_system_groups(15).unwrap();
    let body = get_json(&fake, "/api/v2/systemgroups?sort=-_id&limit=100")
        .await
        .1;
    let got: Vec<&str> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap())
        .collect();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.reverse();
    assert_eq!(got, want);
    let body = get_json(&fake, "/api/v2/systemgroups?sort=-name&limit=3")
        .await
        .1;
    assert_eq!(body[0]["name"], "System Group 9");
    let resp = get(&fake, "/api/v2/systemgroups")
        .query(&[
            ("filter", "name:search:Group 1"),
            ("filter", "name:ne:System Group 1"),
        ])
        .sent()
        .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("5"));
}

#[tokio::test]
async fn bulk_seeding_is_linear_and_checked() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let ids = fake.default_org().seed_users(100_000).unwrap();
    assert_eq!(ids.len(), 100_000);
    let resp = get(&fake, "/api/systemusers?limit=1&skip=99999")
        .sent()
        .await;
    let body = json(resp).await.1;
    assert_eq!(body["totalCount"], 100_000);
    assert_eq!(body["results"][0]["_id"], ids[99_999]);

    let org = fake.default_org_id().to_owned();
    fake.org(&org)
        .insert(Collection::UserGroups, json!({"name": "User Group 2"}))
        .unwrap();
    assert!(fake.default_org().seed_user_groups(2).is_err());
    assert!(
        fake.org(&org)
            .objects(Collection::UserGroups)
            .unwrap()
            .len()
            == 1
    );
}
