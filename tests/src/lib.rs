//! A fake JumpCloud for testing code that automates JumpCloud, without a tenant.
//!
//! [`FakeJumpCloud`] is a stateful HTTP server on 127.0.0.1 that speaks JumpCloud's v1
//! (`/api/...`), v2 (`/api/v2/...`), Directory Insights (`/insights/directory/v1/...`) and
//! OAuth token (`/oauth2/token`) APIs the way the live service does: its paging shapes and
//! limits, filters, authentication and organisation selection, the association graph, and its
//! error answers (a status with a `{"message": ...}` body). Point any client at
//! [`FakeJumpCloud::base_url`] — the `jumpcloud-ext` SDK, a raw HTTP client, or a script in
//! another language through the `fake-jumpcloud` binary — and then:
//!
//! - **seed** the directory: [`FakeJumpCloud::add_user`], [`FakeJumpCloud::add_user_group`],
//!   [`FakeJumpCloud::add_system`], [`FakeJumpCloud::add_system_group`],
//!   [`FakeJumpCloud::add_policy`], [`FakeJumpCloud::add_application`],
//!   [`FakeJumpCloud::add_command`], [`FakeJumpCloud::add_event`] for single objects;
//!   [`FakeJumpCloud::insert`] for any [`Collection`] with the properties you choose;
//!   [`FakeJumpCloud::seed_users`] and [`FakeJumpCloud::seed`] for many generated ones;
//!   [`FakeJumpCloud::add_member`] and [`FakeJumpCloud::associate`] for the graph;
//!   [`FakeBuilder::demo`] for a small realistic organisation, and
//!   [`FakeJumpCloud::seed_big_org`] for a large one. A seeding call that cannot hold (a
//!   membership of an object that does not exist, a duplicate username) fails at once with a
//!   [`FakeError`], never later as a confusing HTTP answer;
//! - **inject faults** into the next matching requests with [`Fault`] through
//!   [`FakeJumpCloud::faults`]: 429 with `Retry-After`, 5xx, latency, dropped connections,
//!   short pages (records dropped while totals still count them), failing writes, truncated or
//!   surprising bodies;
//! - **assert on the request log**: [`FakeJumpCloud::requests`] (or
//!   [`FakeJumpCloud::requests_to`]) gives each request's method, path, query and headers as
//!   received, with credentials (`x-api-key`, `authorization`, passwords and client secrets in
//!   bodies) replaced by [`REDACTED`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use jumpcloud_fake::{FakeError, FakeJumpCloud, Fault, GraphNode};
//!
//! let fake = FakeJumpCloud::start().await?;
//! let alice = fake.add_user("alice")?;
//! let admins = fake.add_user_group("Admins")?;
//! fake.add_member(fake.default_org(), &GraphNode::user_group(&admins), &GraphNode::user(&alice))?;
//!
//! // A membership of a user that does not exist is refused when seeding.
//! let missing = GraphNode::user("000000000000000000000000");
//! let err = fake.add_member(fake.default_org(), &GraphNode::user_group(&admins), &missing);
//! assert!(matches!(err, Err(FakeError::NotFound(_))));
//!
//! // The first request throttled with Retry-After: 1, the next write answered 503 slowly.
//! fake.faults().push(Fault::rate_limited().retry_after_secs(1));
//! fake.faults().push(Fault::status(503).on_writes().delay(Duration::from_millis(50)));
//!
//! // Point the code under test at fake.base_url() with fake::DEFAULT_API_KEY, then:
//! assert_eq!(fake.requests_to("PUT", "/api/systemusers").len(), 0);
//! # Ok(())
//! # }
//! ```
//!
//! Every fake starts with one organisation ([`DEFAULT_ORG_ID`]) reached by [`DEFAULT_API_KEY`]
//! and the service account [`DEFAULT_CLIENT_ID`] / [`DEFAULT_CLIENT_SECRET`], unless
//! [`FakeBuilder`] declares others. [`FakeBuilder::demo`] adds the demo organisation
//! ([`DEMO_ORG_ID`], [`DEMO_API_KEY`]).
//!
//! # What it serves
//!
//! - v2 bare arrays with an `x-total-count` response header (`limit` ≤ 100, default 10, `skip`,
//!   `sort` with `-`, repeated ANDed `filter=field:op:value` with `eq ne gt ge lt le in
//!   search`): user and system groups, `/groups`, LDAP servers, policies, policy groups,
//!   Active Directories, software apps, and the graph.
//! - System Insights tables `/api/v2/systeminsights/{table}`: the same, but `limit` ≤ 10,000
//!   and only `eq`, `in` and `gte`; rows come from [`FakeJumpCloud::seed_insights`] and
//!   [`FakeJumpCloud::insert_insights`].
//! - v1 `{results, totalCount}` lists (`filter=field:$op:value`, space-separated `sort` and
//!   `fields`): systemusers, systems, applications, commands, command results, RADIUS
//!   servers, organizations; `POST /api/search/*` with `filter`, `searchFilter`, `fields`,
//!   `limit`, `skip`.
//! - Directory Insights `POST /events` with cursor paging (`search_after` in; `X-Search_after`,
//!   `X-Result-Count` and `X-Limit` out).
//! - Token-paged G Suite and Office 365 import listings
//!   ([`FakeJumpCloud::seed_gsuite_import`], [`FakeJumpCloud::seed_office365_import`]).
//! - The graph: associations (`targets` required and checked), members, membership, memberof
//!   and every traversal listing, with JumpCloud's binding rules and compiled attributes.
//!
//! Where JumpCloud's live behaviour differs from its published specification, the fake follows
//! the behaviour; `docs/fidelity.md` in the repository lists each case and the test showing it.
//!
//! # Process mode
//!
//! The `fake-jumpcloud` binary serves the same fake to scripts and other languages:
//! `fake-jumpcloud --demo` prints one JSON line (`url`, `api_key`, `client_id`,
//! `client_secret`, `org_id`, and the per-API base URLs) and serves until killed or until
//! `--seconds N` have passed. See the binary's `--help`.
#![warn(missing_docs)]

mod fake;

pub use fake::*;
