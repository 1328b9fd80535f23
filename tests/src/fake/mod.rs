//! An in-process fake of JumpCloud's HTTP APIs for tests, benchmarks and demos.
//!
//! One loopback origin serves v1 (`/api/...`), v2 (`/api/v2/...`), Directory Insights
//! (`/insights/directory/v1/...`) and the OAuth token endpoint (`/oauth2/token`), with the live
//! API's list, auth and org-selection rules, so SDK code can be exercised without a tenant.
//! Faults (throttling, gateway errors, latency, broken connections, truncated or surprising
//! bodies, records dropped from a page) are dialled per test through [`FakeJumpCloud::faults`],
//! and every request is recorded (secrets redacted) for wire-level assertions.
//!
//! What it serves, by paging shape:
//! - v2 bare arrays with `x-total-count` (`limit` ≤ 100, default 10, `skip`, `sort` with `-`,
//!   repeated ANDed `filter=field:op:value` with `eq ne gt ge lt le in search`): user and
//!   system groups, `/groups`, LDAP servers, policies, policy groups, Active Directories,
//!   software apps, and the graph (below).
//! - System Insights tables `/api/v2/systeminsights/{table}` (every table of the document):
//!   the same, but `limit` ≤ 10,000 and only `eq`, `in` (`|`-separated) and `gte`; rows come
//!   from [`FakeJumpCloud::seed_insights`] / [`FakeJumpCloud::insert_insights`].
//! - v1 `{results, totalCount}` lists (`filter=field:$op:value`, space-separated `sort` and
//!   `fields`): systemusers, systems, applications, commands, command results, RADIUS servers,
//!   organizations; `POST /api/search/{systemusers,systems,commands,commandresults,
//!   organizations}` with `filter` (`and`/`or`), `searchFilter`, `fields`, `limit`, `skip`;
//!   `/api/commands/{id}/results` as a bare array with no total.
//! - Directory Insights `POST /events`: cursor paging (`search_after` in, `X-Search_after`,
//!   `X-Result-Count`, `X-Limit` out; `limit` ≤ 10,000, default 1,000).
//! - Token-paged imports: `/api/v2/gsuites/{id}/import/users` (and `/jumpcloudusers`,
//!   `maxResults`/`pageToken` → `nextPageToken`) and `/api/v2/office365s/{id}/import/users`
//!   (`top`/`skipToken` → `skipToken`), fed by [`FakeJumpCloud::seed_gsuite_import`] and
//!   [`FakeJumpCloud::seed_office365_import`].
//!
//! The graph: `GET/POST /api/v2/{kind}/{id}/associations` (`targets` required and checked
//! against the kind, as live: a wrong pair is a 400), `GET/POST
//! /api/v2/{usergroups,systemgroups,policygroups}/{id}/members`, `/membership`, `/memberof`
//! (filters on `object_id` and `type` only), and every traversal listing of the v2 document
//! (`/users/{id}/systems`, `/systems/{id}/users`, …) answering `{id, type, paths,
//! compiledAttributes}`. Operations `{op, type, id, attributes}` answer 204; adding an
//! existing link is a 409, updating or removing a missing one a 404. A link's attributes
//! appear on the connection (`attributes`) and on its `to` object. Traversal follows
//! JumpCloud's binding rules: at most one hop up into a group of the source, one association,
//! and at most one hop down to a member of the group reached (user → system, user → user group
//! → system, user → system group → system, user → user group → system group → system).
//! Compiled attributes merge every path's link attributes and the attributes of the user
//! groups passed through: booleans are ORed (sudo if any path grants it), arrays united.
//! Build links with [`FakeJumpCloud::associate`] and [`FakeJumpCloud::add_member`], or a whole
//! organisation with [`FakeJumpCloud::seed_big_org`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use jumpcloud_tests::fake::{BigOrg, FakeJumpCloud, Fault, Node};
//! let fake = FakeJumpCloud::builder().latency(Duration::from_millis(20)).start().await?;
//! let org = fake.default_org().to_owned();
//! let users = fake.seed_users(250)?;
//! let systems = fake.seed_systems(10)?;
//! fake.associate(&org, &Node::user(&users[0]), &Node::system(&systems[0]),
//!     serde_json::json!({"sudo": {"enabled": true, "withoutPassword": false}}))?;
//! // The second page of /api/systemusers comes back three records short.
//! fake.faults().push(Fault::drop_records(3).on_path("/api/systemusers").after(1));
//! fake.faults().push(Fault::status(503).times(2));
//! let big = fake.seed_big_org(&org, BigOrg::new(5_000, 300, 20_000, 200))?;
//! # let _ = big;
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
mod jobs;
mod links;
mod listing;
mod log;
mod objects;
mod routes;
mod seed;
mod server;
mod state;
mod system_context;
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
pub use jobs::EventSet;
pub use log::{REDACTED, RecordedRequest};
pub use server::{
    DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_ORG_ID, DEFAULT_PROVIDER_ID,
    FakeBuilder, FakeJumpCloud,
};
pub use state::Collection;
