//! HTTP-level tests of the fake, driven with reqwest over 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod faults;
mod graph;
mod lists;
mod log;
mod objects;
mod paging;

use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;

use super::{Collection, DEFAULT_API_KEY, FakeJumpCloud};

/// A client without connection pooling surprises: one per test is enough.
fn client() -> Client {
    Client::builder().no_proxy().build().unwrap()
}

/// `GET {base}{path}` with the default API key.
fn get(fake: &FakeJumpCloud, path: &str) -> RequestBuilder {
    client()
        .get(format!("{}{path}", fake.base_url()))
        .header("x-api-key", DEFAULT_API_KEY)
}

/// Status and JSON body of `GET {base}{path}` with the default API key.
async fn get_json(fake: &FakeJumpCloud, path: &str) -> (u16, Value) {
    json(get(fake, path).sent().await).await
}

/// Stores `objects` in collection `c` of the default organisation.
fn insert_all(fake: &FakeJumpCloud, c: Collection, objects: impl IntoIterator<Item = Value>) {
    let org = fake.default_org_id().to_owned();
    for object in objects {
        fake.org(&org).insert(c, object).unwrap();
    }
}

/// A request with the default API key.
fn req(fake: &FakeJumpCloud, method: reqwest::Method, path: &str) -> RequestBuilder {
    client()
        .request(method, format!("{}{path}", fake.base_url()))
        .header("x-api-key", DEFAULT_API_KEY)
}

/// `POST {base}{path}` of a JSON `body` with the default API key.
async fn post_json(fake: &FakeJumpCloud, path: &str, body: &Value) -> Response {
    req(fake, reqwest::Method::POST, path)
        .json(body)
        .sent()
        .await
}

/// Sends a test request that must reach the fake: its response, or only its status.
trait Code {
    async fn sent(self) -> Response;
    async fn code(self) -> u16;
}

impl Code for RequestBuilder {
    async fn sent(self) -> Response {
        self.send().await.unwrap()
    }

    async fn code(self) -> u16 {
        self.sent().await.status().as_u16()
    }
}

/// Status and JSON body of a response.
async fn json(resp: Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// A response header as text.
fn header(resp: &Response, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}
