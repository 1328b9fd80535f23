//! The client's integration tests, one test binary: each module one subject (auth, errors, retries,
//! redaction, the graph, ...), against wiremock or the fake JumpCloud on 127.0.0.1.
//!
//! One binary rather than one per file: each test binary links the generated client and the SDK, so
//! fewer binaries build faster and take less disk (BENCHMARKS.md, "Test binaries"). `spans.rs`
//! stays a binary of its own (it installs a scoped subscriber; see there). Run one module with a
//! filter, e.g. `cargo test -p jumpcloud-ext --test client -- retry::`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod errors;
mod generated;
mod graph;
mod new_user;
mod one_error;
mod org;
mod path_params;
mod redaction;
mod retry;
