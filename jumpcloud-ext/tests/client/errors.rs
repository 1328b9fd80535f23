//! How failed responses become `jumpcloud_ext::Error`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::error::Error as _;

use crate::common::*;
use jumpcloud_ext::{BODY_EXCERPT_LIMIT, ErrorKind, RetryPolicy};
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

/// An API-key client for `url` that makes one attempt per call.
fn one_attempt_at(url: &str) -> jumpcloud_ext::JumpCloud {
    client_at(url, |b| b.api_key(API_KEY).retry(RetryPolicy::none()))
}

async fn failing(template: ResponseTemplate) -> jumpcloud_ext::Error {
    let server = MockServer::start().await;
    serve(&server, "/api/v2/groups", template).await;
    let jc = keyed(&server, |b| b.retry(RetryPolicy::none()));
    call(&jc, &LIST_GROUPS).await.unwrap_err()
}

#[tokio::test]
async fn statuses_map_to_helpers() {
    type Check = fn(&jumpcloud_ext::Error) -> bool;
    let cases: [(u16, Check); 8] = [
        (400, |e| {
            !e.is_auth() && !e.is_retryable() && !e.is_not_found()
        }),
        (401, |e| e.is_auth() && !e.is_retryable()),
        (403, |e| e.is_auth() && !e.is_retryable()),
        (404, |e| e.is_not_found() && !e.is_auth()),
        (409, |e| e.is_conflict() && !e.is_not_found()),
        (408, |e| e.is_retryable() && !e.is_rate_limited()),
        (429, |e| e.is_rate_limited() && e.is_retryable()),
        (500, |e| !e.is_retryable() && !e.is_rate_limited()),
    ];
    for (status, check) in cases {
        let msg = format!("failure {status}");
        let err =
            failing(ResponseTemplate::new(status).set_body_json(json!({"message": msg}))).await;
        assert_eq!(err.kind(), ErrorKind::Http, "{status}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        assert_eq!(err.message(), Some(msg.as_str()));
        assert!(check(&err), "{status}: {err:?}");
        assert_eq!(err.method().map(|m| m.as_str()), Some("GET"));
        assert_eq!(err.path_template(), Some("/groups"));
        assert_eq!(err.operation().map(|o| o.id), Some("Groups_List"));
        assert_eq!(err.request_path(), Some("/api/v2/groups"));
        assert_eq!(err.attempts(), Some(1));
        let text = err.to_string();
        // A refusal says what it refused, never the key itself.
        let end = if matches!(status, 401 | 403) {
            let hint = "API key at 127.0.0.1, no x-org-id";
            assert_eq!(err.hint(), Some(hint), "{status}");
            format!("{msg} ({hint})")
        } else {
            assert_eq!(err.hint(), None, "{status}");
            msg.clone()
        };
        assert!(
            text.starts_with(&format!("GET /groups (v2 Groups_List): HTTP {status}"))
                && text.ends_with(&end),
            "{text}"
        );
        assert!(!format!("{err:?}").contains(API_KEY), "{err:?}");
    }
}

#[tokio::test]
async fn messages_are_parsed_leniently() {
    let cases = [
        (json!({"error": "invalid filter"}), "invalid filter"),
        (json!({"code": 409, "status": "Conflict"}), "Conflict (409)"),
        (json!({"error": {"message": "nested"}}), "nested"),
    ];
    for (body, want) in cases {
        let err = failing(ResponseTemplate::new(400).set_body_json(body)).await;
        assert_eq!(err.message(), Some(want));
    }
}

#[tokio::test]
async fn non_json_bodies_are_quoted_in_a_bounded_excerpt() {
    let html = format!("<html><body>{}</body></html>", "Bad Gateway ".repeat(1000));
    let err = failing(ResponseTemplate::new(500).set_body_raw(html.clone(), "text/html")).await;
    assert_eq!(err.message(), None);
    let excerpt = err.body_excerpt().unwrap();
    assert!(excerpt.starts_with("<html><body>Bad Gateway"));
    assert!(excerpt.ends_with('…'));
    assert!(excerpt.len() <= BODY_EXCERPT_LIMIT + '…'.len_utf8());
    let text = err.to_string();
    assert_mentions(&text, "body: \"<html>");
    assert!(text.len() < 1024, "{text}");
}

#[tokio::test]
async fn malformed_json_and_binary_bodies() {
    let err = failing(ResponseTemplate::new(502).set_body_string("{\"message\": \"trunc")).await;
    assert_eq!(err.message(), None);
    assert_eq!(err.body_excerpt(), Some("{\"message\": \"trunc"));

    // Multi-byte characters straddling the limit are not split.
    let body = format!("x{}", "ü".repeat(600));
    let err = failing(ResponseTemplate::new(500).set_body_string(body)).await;
    let excerpt = err.body_excerpt().unwrap();
    assert!(!excerpt.contains('\u{FFFD}'));
    assert!(excerpt.len() <= BODY_EXCERPT_LIMIT + '…'.len_utf8());

    let err =
        failing(ResponseTemplate::new(500).set_body_bytes(vec![0xff, 0xfe, b'o', b'k'])).await;
    assert_eq!(err.body_excerpt(), Some("\u{FFFD}\u{FFFD}ok"));

    let err = failing(ResponseTemplate::new(503)).await;
    assert_eq!(err.body_excerpt(), None);
    assert_eq!(
        err.to_string(),
        "GET /groups (v2 Groups_List): HTTP 503 Service Unavailable"
    );
}

#[tokio::test]
async fn the_response_keeps_status_headers_and_body() {
    let server = MockServer::start().await;
    let gone = json_reply(404, json!({"message": "gone"})).insert_header("x-request-id", "abc");
    serve(&server, "/api/v2/groups", gone).await;
    let jc = api_key_client(&server);
    let request = || {
        jc.http_client()
            .get(format!("{}/groups", jc.endpoints().v2()))
            .build()
            .unwrap()
    };
    // A generic caller of the transport gets the answer as it came.
    let transport = jc.sender().transport().unwrap();
    let resp = transport
        .send(jc.http_client(), request(), &LIST_GROUPS)
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    assert_eq!(resp.headers()["x-request-id"], "abc");
    assert!(resp.url().path().ends_with("/groups"));
    assert_eq!(resp.text().await.unwrap(), r#"{"message":"gone"}"#);
    // This crate's error keeps the same status, headers and body.
    let err = jc.send_request(request(), &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(
        err.headers().map(|h| &h["x-request-id"]),
        Some(&"abc".parse().unwrap())
    );
    assert_eq!(err.message(), Some("gone"));
    assert_eq!(err.body_excerpt(), Some(r#"{"message":"gone"}"#));
}

#[tokio::test]
async fn query_strings_stay_out_of_errors() {
    let server = MockServer::start().await;
    serve(
        &server,
        "/api/v2/groups",
        json_reply(400, json!({"message": "bad filter"})),
    )
    .await;
    let jc = api_key_client(&server);
    let err = call_path(
        &jc,
        &LIST_GROUPS,
        "/groups",
        "?filter=email:eq:alice@example.com",
    )
    .await
    .unwrap_err();
    for text in [err.to_string(), format!("{err:?}"), format!("{err:#?}")] {
        assert!(!text.contains("alice"), "{text}");
    }
}

#[tokio::test]
async fn an_echoed_credential_is_scrubbed_from_the_body() {
    let err = failing(
        ResponseTemplate::new(401)
            .set_body_json(json!({"message": format!("key {API_KEY} is not valid")})),
    )
    .await;
    assert_eq!(err.message(), Some("key *** is not valid"));
}

#[tokio::test]
async fn transport_errors_keep_their_source() {
    let err = call(&one_attempt_at(&refused_url()), &LIST_GROUPS)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert!(err.is_connect() && err.is_retryable() && err.status().is_none());
    assert!(err.source().is_some());
}

#[tokio::test]
async fn long_messages_are_read_from_bodies_of_any_usual_size() {
    // A 2 KB JSON body is read whole (error bodies are kept up to 64 KiB),
    // so its message is found, then cut for the error.
    let long = "m".repeat(2000);
    let err = failing(ResponseTemplate::new(400).set_body_json(json!({"message": long}))).await;
    let message = err.message().unwrap();
    assert!(
        message.starts_with("mmm") && message.ends_with('…'),
        "{message}"
    );
}

#[tokio::test]
async fn a_body_cut_off_by_the_connection_is_marked_as_cut() {
    // A raw server that promises 1000 bytes of body, sends 10 and hangs up.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 1000\r\n\r\nshort body")
                .await;
            let _ = socket.flush().await;
        }
    });
    let jc = one_attempt_at(&format!("http://{addr}"));
    let err = call(&jc, &LIST_GROUPS).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502));
    assert_eq!(err.body_excerpt(), Some("short body…"));
}
