//! An ergonomic JumpCloud client on top of the generated `jumpcloud-api`.
//!
//! [`JumpCloud`] wraps the generated v2, v1 and Directory Insights clients
//! with what every caller needs and nobody should write twice:
//!
//! - **authentication** with an API key or a service account (OAuth 2.0
//!   client credentials, token cached and refreshed by one task, refreshed
//!   and retried once on a 401, client secret rotatable at runtime), or, on
//!   a device, as the system itself with its agent's key (System Context,
//!   [`JumpCloudBuilder::system_context`]);
//! - **organisation scoping** for multi-tenant administrators
//!   ([`JumpCloud::with_org`]), leaving `x-org-id` off the routes that refuse
//!   it;
//! - **retries** of rate limits, gateway errors, timeouts and broken
//!   connections, per a [`RetryPolicy`];
//! - **one error type**, [`Error`], with status, JumpCloud's message,
//!   operation and `Retry-After`;
//! - **tracing**: a `jumpcloud.request` span per call (api, operation,
//!   method, path template, attempts, status, latency), inside
//!   `debug` spans for each phase of the call. Credentials never
//!   appear in logs, errors or `Debug` output.
//!
//! ```no_run
//! use jumpcloud_ext::prelude::*;
//!
//! # async fn demo() -> jumpcloud_ext::Result<()> {
//! // JUMPCLOUD_API_KEY, or JUMPCLOUD_CLIENT_ID + JUMPCLOUD_CLIENT_SECRET.
//! let jc = JumpCloud::from_env()?;
//! # #[cfg(feature = "directory")]
//! for org in ["5f1a…", "5f1b…"] {
//!     let groups = jc.with_org(org).v2().group_list().limit(100).run().await?;
//!     println!("{org}: {} groups", groups.len());
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Where to start
//!
//! - [`JumpCloud::builder`] or [`JumpCloud::from_env`] make a client; its
//!   [`v2`](JumpCloud::v2), [`v1`](JumpCloud::v1) and
//!   [`insights`](JumpCloud::insights) methods are the generated clients of
//!   `jumpcloud-api`, one method per operation. The repository's
//!   `docs/operations.md` finds the method for a REST path
//!   (`GET /systemusers` is `jc.v1().user_list()`). The one operation not
//!   generated, an application's logo upload, is
//!   [`JumpCloud::upload_application_logo`] ([`logo`]).
//! - [`JumpCloud::find`] finds a user, system, group, policy, application
//!   or command by name with one filtered request ([`find`]); the graph's
//!   answers read as names. [`types`] has the short type names (`User`,
//!   `System`, `UserGroup`, …) that the [`prelude`] brings.
//! - [`Run::run`] sends any request with this crate's [`Error`];
//!   [`Listing`] streams any listing; [`CallOptions`] sets a client's
//!   retry policy, budget and timeout for some calls.
//! - [`filter`] builds each API's filters, checked before they are sent.
//! - The `examples/` directory has whole tasks: syncing a group's members
//!   from a CSV file, walking every organisation of a multi-tenant
//!   administrator, exporting System Insights, following Directory Insights
//!   events. Each runs against a fake JumpCloud with `--fake`.
//!
//! # Features
//!
//! `v2`, `v1` and `insights` (all default) select the APIs compiled in;
//! `rustls` (default), `rustls-ring` or `native-tls` selects the TLS
//! implementation. `rustls` uses aws-lc-rs for its cryptography and
//! `rustls-ring` ring (a smaller cold build; without the default features);
//! System Context (`system-context`, default) signs with the same library,
//! so a build compiles one. `native-tls` uses the platform's library and
//! certificate store, for networks that inspect TLS with their own CA.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

mod auth;
mod budget;
mod call;
mod client;
pub mod config;
mod error;
pub mod filter;
#[cfg(feature = "directory")]
pub mod find;
#[cfg(feature = "directory")]
pub mod graph;
#[cfg(feature = "insights")]
pub mod insights;
#[cfg(feature = "directory")]
pub mod jobs;
pub mod listing;
#[cfg(feature = "directory")]
pub mod logo;
#[cfg(feature = "org")]
pub mod org;
mod retry;
mod secret;
mod tls;
mod transport;
pub mod types;

pub use auth::Credentials;
pub use budget::Budget;
pub use call::{CallOptions, Run};
pub use client::{JumpCloud, JumpCloudBuilder};
pub use config::{Endpoints, Region};
pub use error::{BODY_EXCERPT_LIMIT, Error, ErrorDetail, ErrorKind, Result};
pub use listing::{Listing, ListingPage, ListingWalk};
pub use retry::RetryPolicy;
pub use secret::Secret;
pub use tls::http_client_builder;

/// The generated crate, for its types and operation tables.
pub use jumpcloud_api as api;
/// HTTP status codes, as used by [`Error::status`] and [`RetryPolicy`].
pub use reqwest::StatusCode;

/// The names most programs need: `use jumpcloud_ext::prelude::*;`.
pub mod prelude {
    pub use crate::types::*;
    pub use crate::{
        CallOptions, Credentials, Error, ErrorDetail, ErrorKind, JumpCloud, Listing, Region,
        Result, RetryPolicy, Run, Secret,
    };
    #[cfg(feature = "directory")]
    pub use crate::{
        find::Found,
        graph::{Kind, NodeRef},
    };
}

/// The README's examples, compiled as doctests so they cannot rot.
#[cfg(all(doctest, feature = "directory", feature = "directory"))]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
