//! `call_json` on an operation whose answer is a file (`Logo_Get`), against
//! a one-shot HTTP server on 127.0.0.1: a text file comes back as the same
//! text, and a binary one as a typed error that holds its exact bytes —
//! never as a JSON string with the bytes that are not UTF-8 replaced.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

use jumpcloud_api::{CallError, Sender};
use serde_json::{Value, json};

/// Serves one request with `status` and `body` as `content_type`; returns
/// the base URL and the thread, which yields the request line it read.
fn serve_once(
    status: &'static str,
    content_type: &'static str,
    body: Vec<u8>,
) -> (String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/api/v2", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            conn.read_exact(&mut byte).unwrap();
            head.push(byte[0]);
        }
        let answer = format!(
            "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        conn.write_all(answer.as_bytes()).unwrap();
        conn.write_all(&body).unwrap();
        let head = String::from_utf8(head).unwrap();
        head.lines().next().unwrap().to_string()
    });
    (url, server)
}

/// A PNG's first bytes: its signature starts with 0x89, which is never
/// valid UTF-8, and an IHDR chunk with more bytes above 0x7f.
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R', 0, 0,
    0x01, 0xf4, 0, 0, 0x01, 0xf4, 0x08, 0x06, 0, 0, 0, 0xcb, 0xd6, 0xdf, 0x8a,
];

#[tokio::test]
async fn a_binary_file_is_kept_whole_in_a_typed_error() {
    let (url, server) = serve_once("200 OK", "image/png", PNG.to_vec());
    let client = jumpcloud_api::v2::Client::new(&url, Sender::none());
    let err = client
        .call_json("Logo_Get", &json!({"id": "5f0c1b2a3d4e5f6a7b8c9d0e"}))
        .await
        .unwrap_err();
    assert_eq!(
        server.join().unwrap(),
        "GET /api/v2/logos/5f0c1b2a3d4e5f6a7b8c9d0e HTTP/1.1"
    );
    let CallError::NotText {
        operation,
        content_type,
        file,
    } = &err
    else {
        panic!("expected NotText, got {err:?}");
    };
    assert_eq!(*operation, "Logo_Get");
    assert_eq!(content_type.as_deref(), Some("image/png"));
    assert_eq!(file.len(), PNG.len());
    let text = err.to_string();
    assert!(text.contains("Logo_Get"), "{text}");
    assert!(
        text.contains(&format!("{} bytes (image/png)", PNG.len())),
        "{text}"
    );
    // The file is not spelled out in Debug output.
    assert!(format!("{err:?}").contains(&format!("FileBytes({} bytes)", PNG.len())));
    assert!(!format!("{err:?}").contains("IHDR"));

    // Through jumpcloud-ext's `?`: a success answer that has no JSON form.
    let ext = jumpcloud_ext::Error::from(CallError::NotText {
        operation,
        content_type: content_type.clone(),
        file: file.clone(),
    });
    assert_eq!(ext.kind(), jumpcloud_ext::ErrorKind::Decode);

    // The bytes, exactly as sent.
    assert_eq!(err.into_file().unwrap().as_ref(), PNG);
}

#[tokio::test]
async fn a_text_file_comes_back_as_the_same_string() {
    // An SVG logo with characters beyond ASCII: valid UTF-8, kept as is.
    let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"><title>Société Générale – ☁</title></svg>";
    let (url, server) = serve_once("200 OK", "image/svg+xml", svg.as_bytes().to_vec());
    let client = jumpcloud_api::v2::Client::new(&url, Sender::none());
    let answer = client
        .call_json("logo_get", &json!({"id": "abc"}))
        .await
        .unwrap();
    assert_eq!(server.join().unwrap(), "GET /api/v2/logos/abc HTTP/1.1");
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.headers()["content-type"].to_str().unwrap(),
        "image/svg+xml"
    );
    assert_eq!(answer.into_inner(), Value::String(svg.to_string()));
}

/// An error status of a file operation is the ordinary `Send` error, as
/// for a JSON operation (both go through the same send).
#[tokio::test]
async fn an_error_status_is_a_send_error() {
    let body = br#"{"message":"Not Found"}"#.to_vec();
    let (url, server) = serve_once("404 Not Found", "application/json", body);
    let client = jumpcloud_api::v2::Client::new(&url, Sender::none());
    let err = client
        .call_json("Logo_Get", &json!({"id": "missing"}))
        .await
        .unwrap_err();
    server.join().unwrap();
    assert!(
        matches!(
            err,
            CallError::Send {
                operation: "Logo_Get",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.send_error().unwrap().status().unwrap(), 404);
}
