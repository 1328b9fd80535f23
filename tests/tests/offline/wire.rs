//! What the generated clients put on the wire, captured by a [`Transport`] that records every
//! request and answers with a canned response (nothing is sent anywhere).
//!
//! JumpCloud wants `filter` repeated (`filter=a&filter=b`) but `sort` and `fields` as one delimited
//! value: comma-separated in v2, space-separated in v1 (`style: spaceDelimited`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use jumpcloud_ext::Run;
use std::sync::{Arc, Mutex};

use jumpcloud_api::{BoxFuture, Operation, Sender, Transport, TransportError, insights, v1, v2};
use serde_json::{Value, json};

/// Never contacted: the capturing transport answers every request itself.
const V2_BASE: &str = "http://127.0.0.1:9/api/v2";
const V1_BASE: &str = "http://127.0.0.1:9/api";
const INSIGHTS_BASE: &str = "http://127.0.0.1:9/insights/directory/v1";

/// One request as the transport saw it.
#[derive(Debug, Clone)]
struct Captured {
    method: String,
    url: reqwest::Url,
    headers: reqwest::header::HeaderMap,
    body: Option<Vec<u8>>,
    operation: &'static Operation,
}

impl Captured {
    /// The query string exactly as sent, `""` when there is none.
    fn query(&self) -> &str {
        self.url.query().unwrap_or("")
    }

    /// The decoded query pairs, in order.
    fn pairs(&self) -> Vec<(String, String)> {
        self.url
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn body_json(&self) -> Value {
        serde_json::from_slice(self.body.as_deref().expect("request has a body")).unwrap()
    }
}

/// Records requests; answers each with `status` and `body` (JSON unless empty).
#[derive(Debug, Clone)]
struct Capture {
    seen: Arc<Mutex<Vec<Captured>>>,
    status: u16,
    body: &'static str,
}

impl Capture {
    fn new(status: u16, body: &'static str) -> Self {
        Self {
            seen: Arc::default(),
            status,
            body,
        }
    }

    fn sender(&self) -> Sender {
        Sender::new(self.clone())
    }

    fn take(&self) -> Vec<Captured> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }

    /// The single request made since the last call.
    fn only(&self) -> Captured {
        let mut seen = self.take();
        assert_eq!(seen.len(), 1, "expected exactly one request: {seen:?}");
        seen.pop().unwrap()
    }
}

impl Transport for Capture {
    fn send<'a>(
        &'a self,
        _client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: &'static Operation,
    ) -> BoxFuture<'a, Result<reqwest::Response, TransportError>> {
        self.seen.lock().unwrap().push(Captured {
            method: request.method().to_string(),
            url: request.url().clone(),
            headers: request.headers().clone(),
            body: request
                .body()
                .and_then(|b| b.as_bytes())
                .map(<[u8]>::to_vec),
            operation,
        });
        let mut response = http::Response::builder().status(self.status);
        if !self.body.is_empty() {
            response = response.header("content-type", "application/json");
        }
        let response = response.body(self.body).unwrap();
        Box::pin(async move { Ok(reqwest::Response::from(response)) })
    }
}

fn v2_client(capture: &Capture) -> v2::Client {
    v2::Client::with_sender(V2_BASE, reqwest::Client::new(), capture.sender())
}

fn v1_client(capture: &Capture) -> v1::Client {
    v1::Client::with_sender(V1_BASE, reqwest::Client::new(), capture.sender())
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(ToString::to_string).collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Headers every generated request must (not) carry.
fn assert_common_headers(request: &Captured) {
    assert!(
        request.headers.get("api-version").is_none(),
        "api-version header sent: {:?}",
        request.headers
    );
}

#[tokio::test]
async fn v2_filter_is_repeated() {
    let capture = Capture::new(200, "[]");
    let groups = v2_client(&capture)
        .user_group_list()
        .filter(strings(&[
            "name:$eq:Engineering",
            "membershipMethod:$eq:STATIC",
        ]))
        .run_with_response()
        .await
        .unwrap();
    assert!(groups.is_empty());

    let request = capture.only();
    assert_eq!(request.method, "GET");
    assert_eq!(request.url.path(), "/api/v2/usergroups");
    assert_eq!(
        request.query(),
        "filter=name%3A%24eq%3AEngineering&filter=membershipMethod%3A%24eq%3ASTATIC"
    );
    assert_eq!(
        request.pairs(),
        pairs(&[
            ("filter", "name:$eq:Engineering"),
            ("filter", "membershipMethod:$eq:STATIC"),
        ])
    );
    assert_eq!(request.operation.rust_method, "user_group_list");
    assert_eq!(request.operation.id, "UserGroup_List");
    assert_eq!(request.operation.path, "/usergroups");
    assert_eq!(request.headers.get("accept").unwrap(), "application/json");
    assert_common_headers(&request);
}

#[tokio::test]
async fn v2_sort_and_fields_are_comma_joined() {
    let capture = Capture::new(200, "[]");
    let client = v2_client(&capture);

    client
        .user_group_list()
        .sort(strings(&["-name", "_id"]))
        .run_with_response()
        .await
        .unwrap();
    let request = capture.only();
    assert_eq!(request.query(), "sort=-name%2C_id");
    assert_eq!(request.pairs(), pairs(&[("sort", "-name,_id")]));
    assert_common_headers(&request);

    client
        .user_group_list()
        .fields(strings(&["name", "description", "membershipMethod"]))
        .run_with_response()
        .await
        .unwrap();
    let request = capture.only();
    assert_eq!(
        request.query(),
        "fields=name%2Cdescription%2CmembershipMethod"
    );
    assert_eq!(
        request.pairs(),
        pairs(&[("fields", "name,description,membershipMethod")])
    );

    // A single value is sent as is.
    client
        .system_group_list()
        .sort(strings(&["name"]))
        .run_with_response()
        .await
        .unwrap();
    let request = capture.only();
    assert_eq!(request.url.path(), "/api/v2/systemgroups");
    assert_eq!(request.query(), "sort=name");
}

#[tokio::test]
async fn v2_all_list_parameters_together() {
    let capture = Capture::new(200, "[]");
    v2_client(&capture)
        .user_group_list()
        .fields(strings(&["name", "type"]))
        .filter(strings(&["name:$sw:Eng", "type:$eq:user_group"]))
        .limit(50)
        .skip(100u64)
        .sort(strings(&["-name", "_id"]))
        .run_with_response()
        .await
        .unwrap();
    let request = capture.only();
    assert_eq!(
        request.query(),
        "fields=name%2Ctype&filter=name%3A%24sw%3AEng&filter=type%3A%24eq%3Auser_group\
         &limit=50&skip=100&sort=-name%2C_id"
    );
    assert_eq!(
        request.pairs(),
        pairs(&[
            ("fields", "name,type"),
            ("filter", "name:$sw:Eng"),
            ("filter", "type:$eq:user_group"),
            ("limit", "50"),
            ("skip", "100"),
            ("sort", "-name,_id"),
        ])
    );
    assert_common_headers(&request);
}

#[tokio::test]
async fn empty_lists_and_unset_parameters_are_not_sent() {
    let capture = Capture::new(200, "[]");
    let client = v2_client(&capture);

    client.user_group_list().run_with_response().await.unwrap();
    let request = capture.only();
    assert_eq!(request.url.as_str(), format!("{V2_BASE}/usergroups"));
    assert_eq!(request.url.query(), None);

    client
        .user_group_list()
        .sort(Vec::<String>::new())
        .fields(Vec::<String>::new())
        .filter(Vec::<String>::new())
        .run_with_response()
        .await
        .unwrap();
    let request = capture.only();
    assert_eq!(request.url.query(), None, "{}", request.url);

    // Empty lists next to a real parameter leave no stray keys.
    client
        .user_group_list()
        .sort(Vec::<String>::new())
        .limit(10)
        .run_with_response()
        .await
        .unwrap();
    assert_eq!(capture.only().query(), "limit=10");

    let capture = Capture::new(200, r#"{"totalCount": 0, "results": []}"#);
    v1_client(&capture)
        .user_list()
        .fields(Vec::<String>::new())
        .sort(Vec::<String>::new())
        .run_with_response()
        .await
        .unwrap();
    assert_eq!(capture.only().url.query(), None);
}

#[tokio::test]
async fn v2_limit_and_skip() {
    let capture = Capture::new(200, "[]");
    v2_client(&capture)
        .user_group_list()
        .limit(100)
        .skip(0u64)
        .run_with_response()
        .await
        .unwrap();
    let request = capture.only();
    assert_eq!(request.query(), "limit=100&skip=0");
}

#[tokio::test]
async fn v1_fields_and_sort_are_space_joined() {
    let capture = Capture::new(200, r#"{"totalCount": 0, "results": []}"#);
    let users = v1_client(&capture)
        .user_list()
        .fields(strings(&["email", "username", "state"]))
        .sort(strings(&["-created", "username"]))
        .run_with_response()
        .await
        .unwrap();
    assert_eq!(users.total_count, Some(0));

    let request = capture.only();
    assert_eq!(request.method, "GET");
    assert_eq!(request.url.path(), "/api/systemusers");
    // serde_urlencoded writes a space as `+`.
    assert_eq!(
        request.query(),
        "fields=email+username+state&sort=-created+username"
    );
    assert_eq!(
        request.pairs(),
        pairs(&[
            ("fields", "email username state"),
            ("sort", "-created username"),
        ])
    );
    assert_eq!(request.operation.rust_method, "user_list");
    assert_eq!(request.operation.path, "/systemusers");
    assert_common_headers(&request);
}

#[tokio::test]
async fn v1_filter_is_repeated_with_limit_and_skip() {
    let capture = Capture::new(200, r#"{"totalCount": 0, "results": []}"#);
    v1_client(&capture)
        .user_list()
        .filter(strings(&[
            "state:$eq:ACTIVATED",
            "department:$eq:Data Platform",
        ]))
        .limit(25)
        .skip(50)
        .run_with_response()
        .await
        .unwrap();
    let request = capture.only();
    assert_eq!(
        request.query(),
        "filter=state%3A%24eq%3AACTIVATED&filter=department%3A%24eq%3AData+Platform&limit=25&skip=50"
    );
    assert_eq!(
        request.pairs(),
        pairs(&[
            ("filter", "state:$eq:ACTIVATED"),
            ("filter", "department:$eq:Data Platform"),
            ("limit", "25"),
            ("skip", "50"),
        ])
    );
    assert_common_headers(&request);
}

#[tokio::test]
async fn v2_delete_accepts_200_with_body_and_204() {
    let id = "66a0f1e2d3c4b5a697887766";

    let capture = Capture::new(
        200,
        r#"{"id": "66a0f1e2d3c4b5a697887766", "name": "Engineering - Storage"}"#,
    );
    let response = v2_client(&capture)
        .user_group_delete()
        .id(id)
        .run_with_response()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // The deleted group comes back when the server sends it.
    let deleted = response.into_inner().expect("the 200 carries the group");
    assert_eq!(deleted.name.as_deref(), Some("Engineering - Storage"));
    let request = capture.only();
    assert_eq!(request.method, "DELETE");
    assert_eq!(request.url.path(), format!("/api/v2/usergroups/{id}"));
    assert_eq!(request.url.query(), None);
    assert!(request.body.is_none());
    assert_eq!(request.operation.rust_method, "user_group_delete");
    assert_eq!(request.operation.path, "/usergroups/{id}");
    assert_common_headers(&request);

    let capture = Capture::new(204, "");
    let response = v2_client(&capture)
        .user_group_delete()
        .id(id)
        .run_with_response()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(response.into_inner(), None);
    assert_eq!(capture.only().method, "DELETE");

    // Anything else is an error carrying the response.
    let capture = Capture::new(404, r#"{"message": "Not Found"}"#);
    let error = v2_client(&capture)
        .user_group_delete()
        .id(id)
        .run_with_response()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn v1_user_list_with_unlisted_state_decodes() {
    let body = include_str!("../../../jumpcloud-api/tests/fixtures/v1_systemusers_list.json");
    let capture = Capture::new(200, body);
    let users = v1_client(&capture)
        .user_list()
        .run_with_response()
        .await
        .unwrap();
    assert_eq!(users.total_count, Some(3));
    assert_eq!(users.results.len(), 3);
    assert_eq!(
        users.results[2].state,
        Some(v1::types::SystemuserreturnState::Unknown(
            "PENDING_REVIEW".into()
        ))
    );
    assert_eq!(
        users.results[0].state,
        Some(v1::types::SystemuserreturnState::Activated)
    );
    assert_common_headers(&capture.only());
}

#[tokio::test]
async fn insights_body_is_the_query_json() {
    let capture = Capture::new(
        200,
        r#"[{"event_type": "user_update", "service": "directory"}]"#,
    );
    let client =
        insights::Client::with_sender(INSIGHTS_BASE, reqwest::Client::new(), capture.sender());
    let query: insights::types::EventQuery = serde_json::from_value(json!({
        "service": ["directory"],
        "start_time": "2024-07-01T00:00:00Z",
        "limit": 10,
    }))
    .unwrap();
    let events = client
        .event_get()
        .body(query)
        .run_with_response()
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].get("event_type"), Some(json!("user_update")));

    let request = capture.only();
    assert_eq!(request.method, "POST");
    assert_eq!(request.url.path(), "/insights/directory/v1/events");
    assert_eq!(request.url.query(), None);
    assert_eq!(
        request.headers.get("content-type").unwrap(),
        "application/json"
    );
    assert_eq!(
        request.body_json(),
        json!({"service": ["directory"], "start_time": "2024-07-01T00:00:00Z", "limit": 10})
    );
    assert_common_headers(&request);
}
