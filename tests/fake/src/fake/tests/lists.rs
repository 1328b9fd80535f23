//! List semantics: limit cap, skip, sort, filters, fields, totals, Directory Insights cursors.

use serde_json::{Value, json};

use super::{Code, client, get, get_json, header, insert_all, json, post_json};
use crate::fake::{Collection, DEFAULT_API_KEY, FakeJumpCloud};

fn names(body: &Value, key: &str) -> Vec<String> {
    body.as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn v2_paging_total_and_limit_cap() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.default_org().seed(Collection::UserGroups, 25).unwrap();

    let resp = get(&fake, "/api/v2/usergroups").sent().await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("25"));
    let (status, body) = json(resp).await;
    assert_eq!((status, body.as_array().unwrap().len()), (200, 10));

    let resp = get(&fake, "/api/v2/usergroups?limit=10&skip=20")
        .sent()
        .await;
    assert_eq!(json(resp).await.1.as_array().unwrap().len(), 5);

    let resp = get(&fake, "/api/v2/usergroups?limit=100").sent().await;
    assert_eq!(json(resp).await.1.as_array().unwrap().len(), 25);

    let (status, body) = get_json(&fake, "/api/v2/usergroups?limit=101").await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("100"));

    let (status, _) = get_json(&fake, "/api/v2/usergroups?skip=-3").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn v2_sort_filter_fields() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let groups = [("b", "x@e.com"), ("a", "y@e.com"), ("c", "x@e.com")];
    let groups = groups.map(|(name, email)| json!({"name": name, "email": email}));
    insert_all(&fake, Collection::UserGroups, groups);
    let resp = get(&fake, "/api/v2/usergroups?sort=-email,name")
        .sent()
        .await;
    assert_eq!(names(&json(resp).await.1, "name"), ["a", "b", "c"]);

    let resp = get(&fake, "/api/v2/usergroups?sort=-name&fields=name")
        .sent()
        .await;
    let body = json(resp).await.1;
    assert_eq!(names(&body, "name"), ["c", "b", "a"]);
    let keys: Vec<&String> = body[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "name"]);

    let resp = get(&fake, "/api/v2/usergroups")
        .query(&[("filter", "email:eq:x@e.com"), ("filter", "name:ne:b")])
        .sent()
        .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("1"));
    assert_eq!(names(&json(resp).await.1, "name"), ["c"]);

    let resp = get(&fake, "/api/v2/usergroups")
        .query(&[("filter", "name:in:a|c"), ("sort", "name")])
        .sent()
        .await;
    assert_eq!(names(&json(resp).await.1, "name"), ["a", "c"]);

    let resp = get(&fake, "/api/v2/usergroups")
        .query(&[("filter", "email:search:y@")])
        .sent()
        .await;
    assert_eq!(names(&json(resp).await.1, "name"), ["a"]);

    let (status, _) = get_json(&fake, "/api/v2/usergroups?filter=name:like:a").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn v2_groups_lists_both_kinds() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    fake.org(&org).seed(Collection::UserGroups, 3).unwrap();
    fake.org(&org).seed(Collection::SystemGroups, 2).unwrap();
    let resp = get(&fake, "/api/v2/groups?filter=type:eq:system_group")
        .header("x-unfiltered-total-count", "1")
        .sent()
        .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("2"));
    assert_eq!(
        header(&resp, "x-unfiltered-total-count").as_deref(),
        Some("5")
    );
    let body = json(resp).await.1;
    assert!(
        body.as_array()
            .unwrap()
            .iter()
            .all(|g| g["type"] == "system_group")
    );
}

#[tokio::test]
async fn v1_lists_total_filter_sort_fields() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.default_org().seed(Collection::Users, 30).unwrap();

    let (status, body) = get_json(&fake, "/api/systemusers").await;
    assert_eq!(status, 200);
    assert_eq!(body["totalCount"], 30);
    assert_eq!(body["results"].as_array().unwrap().len(), 10);

    let (status, body) = get_json(&fake, "/api/systemusers?limit=101").await;
    assert_eq!(status, 400);
    assert!(body["message"].is_string());

    let resp = get(&fake, "/api/systemusers")
        .query(&[
            ("filter", "state:$eq:SUSPENDED"),
            ("sort", "-username _id"),
            ("fields", "username state"),
            ("limit", "100"),
        ])
        .sent()
        .await;
    let body = json(resp).await.1;
    let results = body["results"].as_array().unwrap();
    assert_eq!(body["totalCount"].as_u64().unwrap() as usize, results.len());
    assert!(!results.is_empty());
    for u in results {
        assert_eq!(u["state"], "SUSPENDED");
        let mut keys: Vec<&String> = u.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["_id", "state", "username"]);
    }
    let usernames: Vec<&str> = results
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    let mut sorted = usernames.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(usernames, sorted);

    let (status, _) = get_json(&fake, "/api/systemusers?filter=state:eq:SUSPENDED").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn v1_search_systemusers() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let users = [("ann", "Sales"), ("annie", "IT"), ("bob", "Sales")].map(
        |(u, dept)| json!({"username": u, "email": format!("{u}@example.com"), "department": dept}),
    );
    insert_all(&fake, Collection::Users, users);
    let url = format!("{}/api/search/systemusers", fake.base_url());
    let search = |body: Value| {
        client()
            .post(&url)
            .header("x-api-key", DEFAULT_API_KEY)
            .json(&body)
            .send()
    };
    let body = json(
        search(json!({"searchFilter": {"searchTerm": "ANN", "fields": ["username"]}}))
            .await
            .unwrap(),
    )
    .await
    .1;
    assert_eq!(body["totalCount"], 2);
    let body = json(
        search(json!({
            "filter": {"and": [{"department": "Sales"}]},
            "searchFilter": {"searchTerm": "ann"},
            "fields": "username",
        }))
        .await
        .unwrap(),
    )
    .await
    .1;
    assert_eq!(body["totalCount"], 1);
    assert_eq!(body["results"][0]["username"], "ann");
    assert!(body["results"][0].get("email").is_none());
    let (status, _) = json(search(json!({"limit": 500})).await.unwrap()).await;
    assert_eq!(status, 400);
    let resp = client()
        .post(&url)
        .header("x-api-key", DEFAULT_API_KEY)
        .body("{not json")
        .sent()
        .await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn insights_cursor_paging() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.default_org().seed(Collection::Events, 25).unwrap();
    let path = "/insights/directory/v1/events";
    let mut after: Option<Value> = None;
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    loop {
        let mut body =
            json!({"service": ["all"], "start_time": "2000-01-01T00:00:00Z", "limit": 10});
        if let Some(a) = &after {
            body["search_after"] = a.clone();
        }
        let resp = post_json(&fake, path, &body).await;
        assert_eq!(resp.status(), 200);
        let count: usize = header(&resp, "x-result-count").unwrap().parse().unwrap();
        let limit: usize = header(&resp, "x-limit").unwrap().parse().unwrap();
        after = header(&resp, "x-search_after").map(|h| serde_json::from_str(&h).unwrap());
        let events = json(resp).await.1;
        let events = events.as_array().unwrap();
        assert_eq!(events.len(), count);
        seen.extend(events.iter().map(|e| e["id"].as_str().unwrap().to_owned()));
        pages.push(count);
        if count < limit {
            break;
        }
    }
    assert_eq!(pages, [10, 10, 5]);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 25);

    let only_sso = json!({"service": ["sso"], "start_time": "2000-01-01T00:00:00Z"});
    let resp = post_json(&fake, path, &only_sso).await;
    assert_eq!(header(&resp, "x-limit").as_deref(), Some("1000"));
    let events = json(resp).await.1;
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["service"] == "sso")
    );

    for bad in [
        json!({"service": ["all"], "start_time": "2000-01-01T00:00:00Z", "limit": 10001}),
        json!({"start_time": "2000-01-01T00:00:00Z"}),
        json!({"service": ["nope"], "start_time": "2000-01-01T00:00:00Z"}),
        json!({"service": ["all"], "start_time": "yesterday"}),
    ] {
        let (status, body) = json(post_json(&fake, path, &bad).await).await;
        assert_eq!(status, 400, "{bad}");
        assert!(body["error"].is_string());
    }
}
