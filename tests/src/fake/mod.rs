//! An in-process fake of JumpCloud's HTTP APIs for tests, benchmarks and demos.
//!
//! One loopback origin serves v1 (`/api/...`), v2 (`/api/v2/...`), Directory Insights
//! (`/insights/directory/v1/...`) and the OAuth token endpoint (`/oauth2/token`), with the live
//! API's list, auth and org-selection rules, so SDK code can be exercised without a tenant.
//! Faults (throttling, gateway errors, latency, broken connections, truncated or surprising
//! bodies) are dialled per test through [`FakeJumpCloud::faults`], and every request is
//! recorded (secrets redacted) for wire-level assertions.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use jumpcloud_tests::fake::{FakeJumpCloud, Fault};
//! let fake = FakeJumpCloud::start().await?;
//! fake.faults().push(Fault::status(503).times(2));
//! let url = format!("{}/api/v2/usergroups", fake.base_url());
//! # let _ = url;
//! # Ok(())
//! # }
//! ```

mod auth;
mod bigorg;
mod demo;
mod demo_graph;
mod error;
mod faults;
mod gateway;
mod graph;
mod handle;
mod ids;
mod links;
mod listing;
mod log;
mod objects;
mod routes;
mod seed;
mod server;
mod state;
#[cfg(test)]
mod tests;

pub use bigorg::{BigOrg, BigOrgIds};
pub use demo::{
    DEMO_API_KEY, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG_ID, DEMO_TWO_PATH_SYSTEM,
    DEMO_TWO_PATH_USERNAME,
};
pub use error::FakeError;
pub use faults::{Fault, Faults};
pub use graph::{GraphKind, Node};
pub use log::{REDACTED, RecordedRequest};
pub use server::{
    DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_ORG_ID, DEFAULT_PROVIDER_ID,
    FakeBuilder, FakeJumpCloud,
};
pub use state::Collection;
