//! The end-to-end tests, one test binary: the `jumpcloud-ext` client against the fake JumpCloud on
//! 127.0.0.1 (`*_e2e`), and the fake itself over HTTP (`fidelity`, `public_api`; the fake's own
//! package tests it as a process). Each module is one subject; `common` holds what they share.
//!
//! One binary rather than one per file: each test binary links the generated client and the SDK, so
//! fewer binaries build faster and take less disk (BENCHMARKS.md, "Test binaries"). Run one module
//! with a filter, e.g. `cargo test -p jumpcloud-tests --test e2e -- graph_e2e::`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod bulk_users_e2e;
mod client_e2e;
mod commands_e2e;
mod export_sink_e2e;
mod fidelity;
mod filter_fields_e2e;
mod graph_e2e;
mod groups_e2e;
mod insights_export_e2e;
mod logo_e2e;
mod names_e2e;
mod org_backup_e2e;
mod org_declared_e2e;
mod org_round_trip_e2e;
mod paginate_e2e;
mod public_api;
mod request_path_e2e;
mod run_e2e;
mod system_context_e2e;
mod userstates_e2e;
