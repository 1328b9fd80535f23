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
//! - **seed** an organisation through its handle, [`FakeOrg`], from
//!   [`FakeJumpCloud::default_org`] or [`FakeJumpCloud::org`]: every seeding, linking and
//!   inspecting call names its organisation that one way. [`FakeOrg::add_user`],
//!   [`FakeOrg::add_user_group`], [`FakeOrg::add_system`], [`FakeOrg::add_system_group`],
//!   [`FakeOrg::add_policy`], [`FakeOrg::add_application`], [`FakeOrg::add_command`],
//!   [`FakeOrg::add_event`] for single objects; [`FakeOrg::insert`] for any [`Collection`]
//!   with the properties you choose; [`FakeOrg::seed`] (and [`FakeOrg::seed_users`], ...) for
//!   many generated ones; [`FakeOrg::add_member`] and [`FakeOrg::associate`] (with the SDK's
//!   [`Attributes`]) for the graph; [`FakeBuilder::demo`] for a small realistic
//!   organisation, and [`FakeOrg::seed_big_org`] for a large one. A seeding call that cannot
//!   hold (a membership of an object that does not exist, a duplicate username, an unknown
//!   organisation) fails at once with a [`FakeError`], never later as a confusing HTTP answer;
//! - **inject faults** into the next matching requests with [`Fault`] through
//!   [`FakeJumpCloud::faults`]: 429 with `Retry-After`, 5xx, latency, dropped connections,
//!   short pages (records dropped while totals still count them), failing writes, truncated or
//!   surprising bodies, once, `times(n)` or `every(n)`-th request. A fault that never fired
//!   fails the test, as wiremock's expectations do: [`FakeJumpCloud::verify`] returns it as an
//!   error and dropping the fake panics (mark a fault [`Fault::optional`] if it may not fire);
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
//! let org = fake.default_org();
//! let alice = org.add_user("alice")?;
//! let admins = org.add_user_group("Admins")?;
//! org.add_member(&GraphNode::user_group(&admins), &GraphNode::user(&alice))?;
//!
//! // A membership of a user that does not exist is refused when seeding.
//! let missing = GraphNode::user("000000000000000000000000");
//! let err = org.add_member(&GraphNode::user_group(&admins), &missing);
//! assert!(matches!(err, Err(FakeError::NotFound(_))));
//!
//! // The first request throttled with Retry-After: 1, the next write answered 503 slowly.
//! fake.faults().push(Fault::rate_limited().retry_after_secs(1));
//! fake.faults().push(Fault::status(503).on_writes().delay(Duration::from_millis(50)));
//!
//! // Point the code under test at fake.base_url() with fake::DEFAULT_API_KEY, then:
//! assert_eq!(fake.requests_to("PUT", "/api/systemusers").len(), 0);
//! // Nothing was sent, so neither fault fired: verify() says so (and so would the drop).
//! assert!(matches!(fake.verify(), Err(FakeError::UnfiredFaults(f)) if f.len() == 2));
//! fake.faults().clear();
//! # Ok(())
//! # }
//! ```
//!
//! # Organisations
//!
//! Every fake starts with one organisation ([`DEFAULT_ORG_ID`]) reached by [`DEFAULT_API_KEY`]
//! and the service account [`DEFAULT_CLIENT_ID`] / [`DEFAULT_CLIENT_SECRET`], unless
//! [`FakeBuilder`] declares others ([`FakeBuilder::org`], keys and service accounts for some
//! or all of them). [`FakeBuilder::demo`] adds the demo organisation ([`DEMO_ORG_ID`],
//! [`DEMO_API_KEY`]) and makes it the default one. Organisations are separate directories, as
//! live: a request sees only the organisation its credentials (and `x-org-id`, for a key that
//! reaches several) select, and a [`FakeOrg`] handle seeds and reads only its own.
//!
//! # What it serves
//!
//! - v2 bare arrays with an `x-total-count` response header (`limit` ≤ 100, default 10, `skip`,
//!   `sort` with `-`, repeated ANDed `filter=field:op:value` with `eq ne gt ge lt le in
//!   search`): user and system groups, `/groups`, LDAP servers, policies, policy groups,
//!   Active Directories, software apps, and the graph.
//! - System Insights tables `/api/v2/systeminsights/{table}`: the same, but `limit` ≤ 10,000
//!   and only `eq`, `in` and `gte`; rows come from [`FakeOrg::seed_insights`] and
//!   [`FakeOrg::insert_insights`].
//! - v1 `{results, totalCount}` lists (`filter=field:$op:value`, space-separated `sort` and
//!   `fields`): systemusers, systems, applications, commands, command results, RADIUS
//!   servers, organizations; `POST /api/search/*` with `filter`, `searchFilter`, `fields`,
//!   `limit`, `skip`.
//! - Directory Insights `POST /events` with cursor paging (`search_after` in; `X-Search_after`,
//!   `X-Result-Count` and `X-Limit` out).
//! - Token-paged G Suite and Office 365 import listings
//!   ([`FakeOrg::seed_gsuite_import`], [`FakeOrg::seed_office365_import`]).
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
//! `--seconds N` have passed. Fault flags let a script test its own error handling:
//! `--rate-limit-every N` (429 with `Retry-After: 1`), `--fail-every N` (500),
//! `--latency-ms MS`, and `--silent-system NAME` (a system that never answers command
//! runs). See the binary's `--help`.
#![warn(missing_docs)]

mod fake;

pub use fake::*;
