//! Where JumpCloud's live behaviour differs from its published specification, the fake follows
//! the behaviour. One test per entry of `docs/fidelity.md`, over HTTP, through the fake's public
//! API only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use jumpcloud_fake::{Collection, DEFAULT_API_KEY, FakeJumpCloud, Fault};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{Value, json};

fn client() -> Client {
    Client::builder().no_proxy().build().unwrap()
}

fn call(fake: &FakeJumpCloud, method: Method, path: &str) -> RequestBuilder {
    client()
        .request(method, format!("{}{path}", fake.base_url()))
        .header("x-api-key", DEFAULT_API_KEY)
}

fn get(fake: &FakeJumpCloud, path: &str) -> RequestBuilder {
    call(fake, Method::GET, path)
}

/// Sends a request that must reach the fake.
trait MustSend {
    async fn sent(self) -> Response;
}

impl MustSend for RequestBuilder {
    async fn sent(self) -> Response {
        self.send().await.unwrap()
    }
}

/// Status and JSON body of `GET {base}{path}` with the default API key.
async fn get_answer(fake: &FakeJumpCloud, path: &str) -> (u16, Value) {
    answer(get(fake, path).sent().await).await
}

async fn answer(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

fn header(resp: &Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

#[tokio::test]
async fn v2_total_is_a_response_header_over_a_bare_array() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.default_org().seed_user_groups(25).unwrap();
    let resp = get(&fake, "/api/v2/usergroups?limit=10&skip=20")
        .sent()
        .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("25"));
    let (status, body) = answer(resp).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), 5);
    // The total is the same whatever the request's headers say.
    let resp = get(&fake, "/api/v2/usergroups")
        .header("x-total-count", "3")
        .sent()
        .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("25"));
    assert_eq!(answer(resp).await.1.as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn v1_lists_are_results_and_total_count() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.default_org().seed_users(7).unwrap();
    let (status, body) = get_answer(&fake, "/api/systemusers?limit=5").await;
    assert_eq!(status, 200);
    assert_eq!(body["totalCount"], 7);
    assert_eq!(body["results"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn limit_over_100_is_a_400_with_a_message() {
    let fake = FakeJumpCloud::start().await.unwrap();
    for path in [
        "/api/v2/usergroups?limit=101",
        "/api/v2/systemgroups?limit=1000",
        "/api/systemusers?limit=101",
        "/api/systems?limit=500",
    ] {
        let (status, body) = get_answer(&fake, path).await;
        assert_eq!(status, 400, "{path}");
        assert!(body["message"].is_string(), "{path}: {body}");
    }
    let ok = get(&fake, "/api/v2/usergroups?limit=100").sent().await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn short_pages_in_the_middle_of_a_collection() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.default_org().seed_user_groups(30).unwrap();
    // The second page of ten comes back three records short; the total still counts them.
    fake.faults().push(
        Fault::drop_records(3)
            .on_path("/api/v2/usergroups")
            .after(1),
    );
    let mut sizes = Vec::new();
    for skip in [0, 10, 20] {
        let resp = get(&fake, &format!("/api/v2/usergroups?limit=10&skip={skip}"))
            .sent()
            .await;
        assert_eq!(header(&resp, "x-total-count").as_deref(), Some("30"));
        sizes.push(answer(resp).await.1.as_array().unwrap().len());
    }
    assert_eq!(sizes, [10, 7, 10]);
}

#[tokio::test]
async fn repeated_filter_keys_are_anded() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    for (name, description) in [("eng-a", "x"), ("eng-b", "y"), ("ops-a", "x")] {
        fake.org(&org)
            .insert(
                Collection::UserGroups,
                json!({"name": name, "description": description}),
            )
            .unwrap();
    }
    let resp = get(
        &fake,
        "/api/v2/usergroups?filter=name:search:eng&filter=description:eq:x",
    )
    .sent()
    .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("1"));
    let (_, body) = answer(resp).await;
    assert_eq!(body[0]["name"], "eng-a");
}

#[tokio::test]
async fn some_routes_refuse_x_org_id_with_403() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    for path in [
        "/api/organizations",
        "/api/users",
        "/api/v2/organizations",
        "/api/v2/administrators",
        "/api/v2/providers",
        "/api/v2/integrations",
    ] {
        let refused = get(&fake, path).header("x-org-id", &org).sent().await;
        let (status, body) = answer(refused).await;
        assert_eq!(status, 403, "{path}");
        assert!(body["message"].is_string(), "{path}: {body}");
    }
    let refused = call(&fake, Method::POST, "/api/search/organizations")
        .header("x-org-id", &org)
        .json(&json!({}))
        .sent()
        .await;
    assert_eq!(refused.status(), 403);
    // Without the header the organisations are listed.
    let (status, body) = get_answer(&fake, "/api/organizations").await;
    assert_eq!(status, 200);
    assert_eq!(body["results"][0]["_id"], org.as_str());
    // Elsewhere the header is accepted.
    let ok = get(&fake, "/api/v2/usergroups")
        .header("x-org-id", &org)
        .sent()
        .await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn multi_tenant_keys_must_select_an_org() {
    let (a, b) = ("5f1b2c3d4e5f60718293a4b5", "5f1b2c3d4e5f60718293a4b6");
    let fake = FakeJumpCloud::builder()
        .api_key("msp-key", [a, b])
        .start()
        .await
        .unwrap();
    let send = |org: Option<&str>| {
        let mut r = client()
            .get(format!("{}/api/v2/usergroups", fake.base_url()))
            .header("x-api-key", "msp-key");
        if let Some(org) = org {
            r = r.header("x-org-id", org);
        }
        r.send()
    };
    let (status, body) = answer(send(None).await.unwrap()).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("no organization selected"))
    );
    assert_eq!(send(Some("not-an-id")).await.unwrap().status(), 400);
    assert_eq!(
        send(Some("000000000000000000000000"))
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(send(Some(b)).await.unwrap().status(), 200);
}

#[tokio::test]
async fn directory_insights_pages_by_cursor_headers() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.default_org().seed(Collection::Events, 25).unwrap();
    let url = format!("{}/events", fake.insights_url());
    let mut body = json!({
        "service": ["all"],
        "start_time": "2000-01-01T00:00:00Z",
        "limit": 10,
    });
    let mut seen = Vec::new();
    loop {
        let resp = client()
            .post(&url)
            .header("x-api-key", DEFAULT_API_KEY)
            .json(&body)
            .sent()
            .await;
        assert_eq!(resp.status(), 200);
        let count: usize = header(&resp, "x-result-count").unwrap().parse().unwrap();
        let limit: usize = header(&resp, "x-limit").unwrap().parse().unwrap();
        let after = header(&resp, "x-search_after");
        let page = answer(resp).await.1;
        assert_eq!(page.as_array().unwrap().len(), count);
        seen.extend(page.as_array().unwrap().iter().map(|e| e["id"].clone()));
        if count < limit {
            break;
        }
        // The cursor is a JSON array, sent back as `search_after`.
        let cursor: Value = serde_json::from_str(&after.unwrap()).unwrap();
        assert!(cursor.is_array());
        body["search_after"] = cursor;
    }
    assert_eq!(seen.len(), 25);
    seen.sort_by_key(ToString::to_string);
    seen.dedup();
    assert_eq!(seen.len(), 25);
}

#[tokio::test]
async fn error_bodies_take_jumpcloud_s_shapes() {
    let fake = FakeJumpCloud::start().await.unwrap();
    // v1: {"message"}.
    let (status, body) = get_answer(&fake, "/api/systemusers/5f1b2c3d4e5f60718293a4b5").await;
    assert_eq!(status, 404);
    assert!(body["message"].is_string(), "{body}");
    // v2: {"message", "code"}.
    let (status, body) = get_answer(&fake, "/api/v2/usergroups/5f1b2c3d4e5f60718293a4b5").await;
    assert_eq!(status, 404);
    assert!(body["message"].is_string(), "{body}");
    assert_eq!(body["code"], 404);
    // OAuth: {"error"}.
    let (status, body) = answer(
        client()
            .post(fake.token_url())
            .basic_auth("nobody", Some("wrong"))
            .form(&[("grant_type", "client_credentials"), ("scope", "api")])
            .sent()
            .await,
    )
    .await;
    assert_eq!(status, 401);
    assert!(body["error"].is_string(), "{body}");
    // Directory Insights: {"error"}.
    let (status, body) = answer(
        client()
            .post(format!("{}/events", fake.insights_url()))
            .header("x-api-key", DEFAULT_API_KEY)
            .json(&json!({"service": ["all"]}))
            .sent()
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["error"].is_string(), "{body}");
}

#[tokio::test]
async fn malformed_requests_are_answered_with_a_status_and_message() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let user = fake.default_org().add_user("ann").unwrap();
    let cases = [
        // Not JSON at all.
        call(&fake, Method::POST, "/api/systemusers").body("{not json"),
        // JSON, but not an object.
        call(&fake, Method::POST, "/api/v2/usergroups").json(&json!(["a"])),
        // A property of the wrong type.
        call(&fake, Method::PUT, &format!("/api/systemusers/{user}")).json(&json!({"email": 5})),
        // A required property missing.
        call(&fake, Method::POST, "/api/systemusers").json(&json!({"username": "bob"})),
        // An id that can't be an object id.
        get(&fake, "/api/v2/usergroups/not-an-id"),
        // A filter that doesn't parse.
        get(&fake, "/api/v2/usergroups?filter=name"),
        // A graph listing without its required `targets`.
        get(&fake, &format!("/api/v2/users/{user}/associations")),
    ];
    for (i, req) in cases.into_iter().enumerate() {
        let resp = req.header("content-type", "application/json").sent().await;
        let json = header(&resp, "content-type").is_some_and(|c| c.contains("json"));
        let (status, body) = answer(resp).await;
        assert_eq!(status, 400, "case {i}: {body}");
        assert!(json && body["message"].is_string(), "case {i}: {body}");
    }
}

#[tokio::test]
async fn v1_search_pages_by_body_or_query() {
    let fake = FakeJumpCloud::start().await.unwrap();
    fake.default_org().seed_users(25).unwrap();
    let search = |query: &str, body: Value| {
        call(
            &fake,
            Method::POST,
            &format!("/api/search/systemusers{query}"),
        )
        .json(&body)
    };
    // The body alone, as the PowerShell SDK's spec has it.
    let (status, body) = answer(search("", json!({"limit": 5, "skip": 20})).sent().await).await;
    assert_eq!(status, 200);
    assert_eq!(body["totalCount"], 25);
    assert_eq!(body["results"].as_array().unwrap().len(), 5);
    // The query alone, as the documentation site's spec has it.
    let (status, body) = answer(search("?limit=4&skip=22", json!({})).sent().await).await;
    assert_eq!(status, 200);
    assert_eq!(body["results"].as_array().unwrap().len(), 3);
    // Both, as the SDK sends them: the same page.
    let (_, body) = answer(
        search("?limit=7&skip=0", json!({"limit": 7, "skip": 0}))
            .sent()
            .await,
    )
    .await;
    assert_eq!(body["results"].as_array().unwrap().len(), 7);
    // Neither: the default page of 10.
    let (_, body) = answer(search("", json!({})).sent().await).await;
    assert_eq!(body["results"].as_array().unwrap().len(), 10);
    // The query's limit is checked like the body's.
    let (status, _) = answer(search("?limit=101", json!({})).sent().await).await;
    assert_eq!(status, 400);
}
