//! What `cargo xtask regen` generated, checked from outside the generator, in one test binary:
//! the generated types and operations against the committed OpenAPI documents and snapshots
//! (`generated_types`, `operations`, `operation_index`, `paging_table`, `graph_table`,
//! `inventory`), serde round trips of realistic payloads (`roundtrip`), and the refusal of
//! unsafe path parameters (`path_params`, whose per-API modules the regen writes).
//!
//! One binary rather than one per file: each test binary links the generated client, so fewer
//! binaries build faster and take less disk (BENCHMARKS.md, "Test binaries"). Run one module
//! with a filter, e.g. `cargo test -p jumpcloud-api --test generated -- paging_table::`. The
//! modules that call the client need every area (the default `full` feature).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod generated_types;
#[cfg(feature = "full")]
mod graph_table;
#[cfg(feature = "full")]
mod inventory;
mod operation_index;
#[cfg(feature = "full")]
mod operations;
#[cfg(feature = "full")]
mod paging_table;
mod path_params;
#[cfg(feature = "full")]
mod roundtrip;
