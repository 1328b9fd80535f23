//! A path parameter that would address another route (empty, a dot segment,
//! or with `/`, `?` or `#` in it) is refused by `into_request()` (and so by `send()`) as
//! `Error::InvalidRequest` naming the operation and the parameter, before
//! anything is sent.
//!
//! The per-API modules (`tests/path_params/`) are written by `cargo xtask
//! regen` and cover every operation with path parameters. Their client points at a port on
//! 127.0.0.1 that nothing listens on, so a request that got through would
//! fail as a connection error, not as the refusal asserted.
#[cfg(feature = "directory-insights")]
#[path = "../path_params/insights.rs"]
mod insights;
#[cfg(feature = "directory")]
#[path = "../path_params/v1.rs"]
mod v1;
// Every v2 area: the module covers all of v2's operations.
#[cfg(all(
    feature = "directory",
    feature = "system-insights",
    feature = "mdm",
    feature = "directory-sync",
    feature = "providers"
))]
#[path = "../path_params/v2.rs"]
mod v2;

use jumpcloud_api::{Error, Request};

/// Values that must never reach the URL as a path segment.
pub const BAD: &[&str] = &["", ".", "..", "a/b", "/", "a?b", "a#b"];

/// A base URL on 127.0.0.1 where nothing listens.
pub fn unreachable() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/api")
}

/// Asserts that `result` (of `into_request`, or of `send`) is the refusal
/// of `bad` as `parameter` of `operation`.
pub fn refused<T>(result: Result<T, Error<()>>, operation: &str, parameter: &str, bad: &str) {
    match result {
        Err(Error::InvalidRequest(message)) => assert!(
            message.starts_with(&format!("{operation}: path parameter `{parameter}` ")),
            "{operation} {parameter}={bad:?}: {message}"
        ),
        Err(other) => panic!("{operation} {parameter}={bad:?} was not refused: {other}"),
        Ok(_) => panic!("{operation} {parameter}={bad:?} was built into a request"),
    }
}

/// The generated modules check `into_request`; `send` builds its request
/// with it first, so it refuses the same values without sending.
#[cfg(feature = "directory")]
#[tokio::test]
async fn send_refuses_what_into_request_refuses() {
    let client = jumpcloud_api::v1::Client::new(&unreachable(), jumpcloud_api::Sender::none());
    for &bad in BAD {
        refused(
            client.application_get().id(bad).send().await,
            "application_get",
            "id",
            bad,
        );
    }
}
