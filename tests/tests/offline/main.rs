//! The tests that need no fake, one test binary: the SDK's wire format checked against the
//! OpenAPI documents (`wire`), the contract suite against Prism (`contract`), `call_json` on file
//! answers against a one-shot local server (`call_json_files`), and the declared
//! minimum Rust version (`msrv`). The checks of what the generator wrote (types, tables,
//! round trips) are beside it, in `jumpcloud-api/tests/generated/`.
//!
//! One binary rather than one per file: each test binary links the generated client and the SDK, so
//! fewer binaries build faster and take less disk (BENCHMARKS.md, "Test binaries"). Run one module
//! with a filter, e.g. `cargo test -p jumpcloud-tests --test offline -- contract::`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_csv_columns;
mod call_json_files;
mod contract;
mod msrv;
mod wire;
