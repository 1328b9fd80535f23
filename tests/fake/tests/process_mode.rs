//! `fake-jumpcloud` as a process: one JSON line on stdout, then serving with stdin closed,
//! until killed or `--seconds` elapse.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jumpcloud_fake::{DEMO_API_KEY, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG_ID};
use serde_json::Value;

/// Kills the child when the test ends, pass or fail.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start the binary with stdin closed; the child and its JSON line.
fn spawn(args: &[&str]) -> (Killed, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-jumpcloud"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let started: Value = serde_json::from_str(&line).expect("one JSON line");
    (Killed(child), started)
}

async fn users(base: &str, key: &str) -> Value {
    let resp = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!("{base}/systemusers?limit=5"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn demo_keeps_serving_with_stdin_closed_until_killed() {
    let (mut child, started) = spawn(&["--demo"]);
    assert_eq!(started["api_key"], DEMO_API_KEY);
    assert_eq!(started["client_id"], DEMO_CLIENT_ID);
    assert_eq!(started["client_secret"], DEMO_CLIENT_SECRET);
    assert_eq!(started["org_id"], DEMO_ORG_ID);
    let url = started["url"].as_str().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(started["v1_url"], format!("{url}/api"));
    assert_eq!(started["v2_url"], format!("{url}/api/v2"));
    assert_eq!(
        started["insights_url"],
        format!("{url}/insights/directory/v1")
    );
    assert_eq!(started["token_url"], format!("{url}/oauth2/token"));
    assert_eq!(started["pid"], child.0.id());

    let v1 = started["v1_url"].as_str().unwrap();
    let first = users(v1, DEMO_API_KEY).await;
    assert!(first["totalCount"].as_u64().unwrap() > 0, "{first}");
    // Stdin was closed from the start; the fake still serves a moment later.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(child.0.try_wait().unwrap().is_none(), "exited early");
    assert_eq!(users(v1, DEMO_API_KEY).await, first);

    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let gone = reqwest::Client::new()
        .get(format!("{v1}/systemusers"))
        .send()
        .await;
    assert!(gone.is_err(), "still answering after kill");
}

#[test]
fn seconds_ends_it_and_bad_arguments_are_refused() {
    // A port that was free a moment ago.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let (mut child, started) = spawn(&["--seconds", "1", "--users", "3", "--port", &port]);
    assert_eq!(started["url"], format!("http://127.0.0.1:{port}"));
    assert_eq!(started["api_key"], jumpcloud_fake::DEFAULT_API_KEY);
    assert_eq!(started["org_id"], jumpcloud_fake::DEFAULT_ORG_ID);
    let began = Instant::now();
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(began.elapsed() < Duration::from_secs(20), "did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());

    let out = Command::new(env!("CARGO_BIN_EXE_fake-jumpcloud"))
        .args(["--port", "not-a-port"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--port"));
}
