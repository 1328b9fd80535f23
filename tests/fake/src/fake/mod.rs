//! The fake's modules; the crate root re-exports the public API and documents it.

mod add;
mod auth;
mod bigorg;
mod commands;
mod demo;
mod demo_graph;
mod error;
mod faults;
mod gateway;
mod graph;
mod handle;
mod ids;
mod jobs;
mod links;
mod listing;
mod log;
mod objects;
mod org;
mod routes;
mod seed;
mod server;
mod state;
mod system_context;
#[cfg(test)]
mod tests;

pub use bigorg::{BigOrg, BigOrgIds};
pub use demo::{
    DEMO_API_KEY, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_DUPLICATE_GROUP, DEMO_ORG_ID,
    DEMO_TWO_PATH_SYSTEM, DEMO_TWO_PATH_USERNAME,
};
pub use error::FakeError;
pub use faults::{Fault, Faults};
pub use graph::{Attributes, GraphKind, GraphNode};
pub use jobs::EventSet;
pub use log::{REDACTED, RecordedRequest};
pub use org::FakeOrg;
pub use server::{
    DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_ORG_ID, DEFAULT_PROVIDER_ID,
    FakeBuilder, FakeJumpCloud,
};
pub use state::Collection;
