//! The tests that need no fake, one test binary: the generated client's types, tables and wire
//! format checked against the OpenAPI documents (`generated_types`, `operations`,
//! `operation_index`, `paging_table`, `graph_table`, `inventory`, `roundtrip`, `wire`), the
//! contract suite against Prism (`contract`), and the declared minimum Rust version (`msrv`).
//!
//! One binary rather than one per file: each test binary links the generated client and the SDK, so
//! fewer binaries build faster and take less disk (BENCHMARKS.md, "Test binaries"). Run one module
//! with a filter, e.g. `cargo test -p jumpcloud-fake --test offline -- contract::`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bulk_csv_columns;
mod contract;
mod generated_types;
mod graph_table;
mod inventory;
mod msrv;
mod operation_index;
mod operations;
mod paging_table;
mod roundtrip;
mod wire;
