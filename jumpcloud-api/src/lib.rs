//! The complete, typed JumpCloud API client, generated from the project's
//! OpenAPI documents by `cargo xtask regen`.
//!
//! Most programs want `jumpcloud-ext`, which wraps these clients with
//! authentication, organisation scoping, retries, typed errors and
//! pagination. This crate is the layer underneath: every operation JumpCloud
//! documents, as a request builder. The project's documents are JumpCloud's
//! published specs plus overlays (`openapi/overlays/`) that fix what the
//! live API does differently; on top of what progenitor makes of them, the
//! regen adds string enums that accept unlisted values, `null` read as empty
//! where a field has a default, the [`Request`] and [`PagedRequest`] traits,
//! typed [`filter`]s, calls by name, and the `OPERATIONS` and graph tables.
//!
//! # Modules and features
//!
//! JumpCloud serves three APIs from different base URLs, with different
//! conventions (query styles, paging, error shapes). Each is one module:
//!
//! | module | JumpCloud API | base URL (US) |
//! | --- | --- | --- |
//! | `v2` | API v2: user and system groups, the association graph, policies, applications, directories, System Insights | `https://console.jumpcloud.com/api/v2` |
//! | `v1` | API v1: users, systems, commands, organisations, `POST /search/*` | `https://console.jumpcloud.com/api` |
//! | `insights` | Directory Insights: the event log | `https://api.jumpcloud.com/insights/directory/v1` |
//!
//! What compiles is chosen by API *area*, one cargo feature each, all on by
//! default (`full`); an operation belongs to exactly one ([`Area`], and
//! [`Operation::area`]):
//!
//! | feature | operations |
//! | --- | --- |
//! | `directory` | v2's users, groups, systems, policies, applications, commands, RADIUS, bulk jobs and the graph; all of v1 |
//! | `system-insights` | v2 `/systeminsights/*` |
//! | `mdm` | v2 Apple MDM, Google EMM, devices, software apps |
//! | `directory-sync` | v2 Active Directory, Google Workspace, Microsoft 365, LDAP, Workday, Duo |
//! | `providers` | v2 MSP providers and integrations |
//! | `directory-insights` | Directory Insights |
//!
//! An area brings its API's module (features `v2`, `v1`, `insights`: the
//! client and the types its areas share) and the types only its operations
//! use. Calling an operation of an area left out by name
//! (`Client::call_json`) returns [`CallError::NotCompiled`], and the graph
//! refuses its relations with [`graph::GraphError::NotCompiled`]
//! (`graph` needs `directory`); both name the feature to enable.
//!
//! Each module has a `Client` with one method per operation (named after the
//! operation id in snake case: `UserGroup_List` is `user_group_list`), a
//! `builder` module with the request builders those methods return, a `types`
//! module with the request and response types (re-exported from the crate
//! `jumpcloud-api-types`, which compiles beside the HTTP stack rather than
//! after it), and an `OPERATIONS` table of
//! facts about every operation ([`Operation`]: method, path template, whether
//! it takes `x-org-id`, how it pages, its filter dialect). The repository's
//! `docs/operations.md` lists every operation by REST path with its method
//! here; each method's documentation repeats that row.
//!
//! The other modules are hand-written: [`filter`] builds the filter strings of
//! each dialect, checked before anything is sent, and [`paging`] describes how
//! each listing pages.
//!
//! Two more features choose the TLS implementation of `reqwest`: `rustls`
//! (default; its cryptography is aws-lc-rs) and `native-tls` (the platform's
//! TLS library and certificate store, for networks that inspect TLS with
//! their own CA). With neither, give each client a `reqwest::Client` you
//! built (`with_sender`); `jumpcloud-ext`'s `rustls-ring` feature does so
//! with rustls on ring.
//!
//! # Sending requests
//!
//! A builder collects the arguments and [`Request::send`] makes the call:
//!
//! ```no_run
//! # #[cfg(feature = "v2")]
//! # async fn demo() -> Result<(), jumpcloud_api::Error> {
//! use jumpcloud_api::Request;
//!
//! let client = jumpcloud_api::v2::Client::new(
//!     "https://console.jumpcloud.com/api/v2",
//!     jumpcloud_api::Sender::none(),
//! );
//! let groups = client.group_list().limit(10).send().await?;
//! println!("{} groups", groups.len());
//! # Ok(())
//! # }
//! ```
//!
//! The clients are raw: no authentication, no retries. A builder never
//! sends by itself: it builds its request ([`Request::into_request`], an
//! [`Outgoing`]) and decodes an answer ([`Request::decode`]); in between, a
//! [`Transport`] installed through [`Sender`] sends (adding `x-api-key` or a
//! bearer token and `x-org-id`, retrying, tracing), or `reqwest` as it is
//! without one. `jumpcloud-ext` owns that middle part for its `.run()`.
//!
//! # Generic code: [`Request`] and [`PagedRequest`]
//!
//! Every builder implements [`Request`]: its response type, its
//! [`Operation`] facts (among them its [`Effect`]: whether it only reads,
//! and so may be resent, whatever its HTTP verb), building and decoding.
//! That is how `jumpcloud-ext` adds `.run()` to all of them at once. Every builder of a listing also implements [`PagedRequest`]: it can be
//! set to any page ([`PageRequest`]) without touching the caller's filters or
//! sort, and takes an answer apart into items, total and next position
//! ([`Page`]), whichever of JumpCloud's four paging styles ([`PageKind`]) the
//! operation uses. `jumpcloud-ext`'s streams are written against these two
//! traits alone:
//!
//! ```no_run
//! use jumpcloud_api::{PagedRequest, Request};
//!
//! /// How many items the first page of any listing holds.
//! async fn first_page_len<R: PagedRequest>(request: R) -> Result<usize, jumpcloud_api::Error> {
//!     let op = R::operation();
//!     println!("{} {} ({})", op.http_method, op.path, op.id);
//!     let response = request.send().await?;
//!     Ok(R::into_page(response).items.len())
//! }
//! ```
//!
//! # On the wire
//!
//! - Every string enum has an `Unknown(String)` variant: a value JumpCloud
//!   adds later never fails a call. Likewise an unlisted field, a `null` list
//!   or a value beyond a documented limit never fails decoding.
//! - List parameters go as the server reads them: v2 `filter` as repeated
//!   keys, v2 `sort`/`fields` comma-joined, v1 `fields`/`sort`
//!   space-separated.
//! - A delete that may answer 200 with the deleted object or 204 without one
//!   returns `Option<T>`: the object when the server sends it.
//! - A path parameter that is empty, `.` or `..`, or contains `/`, `?` or
//!   `#` would address another route, so `send()` refuses it before anything
//!   is built, with an `Error::InvalidRequest` naming the operation and the
//!   parameter.
//! - The optional string setters of the type builders take `&str`, `String`
//!   or `Option<String>` ([`IntoOptionalString`]).
#![cfg_attr(docsrs, feature(doc_cfg))]

// With no API feature on, only the hook types remain and their generated
// users are compiled out.
#[doc(hidden)]
pub mod answer;
pub mod dynamic;
#[cfg(feature = "insights")]
pub mod event;
pub mod filter;
#[cfg(feature = "directory")]
pub mod graph;
mod operation;
pub mod paging;
#[cfg_attr(
    not(any(feature = "v2", feature = "v1", feature = "insights")),
    allow(dead_code)
)]
mod path;
mod request;
/// What the optional string setters of the type builders accept (from `jumpcloud-api-types`).
pub use jumpcloud_api_types::setter;
#[cfg_attr(
    not(any(feature = "v2", feature = "v1", feature = "insights")),
    allow(unused_macros, unused_imports)
)]
mod transport;
#[doc(hidden)]
pub mod wire;

pub use dynamic::CallError;
pub use jumpcloud_api_types::IntoOptionalString;
pub use operation::{Api, Area, Effect, Operation, Source};
pub use paging::{Page, PageKind, PageRequest, Paging, Position};
pub use progenitor_client::{ByteStream, ClientInfo, Error, OperationInfo, ResponseValue};
pub use request::{PagedRequest, Request};
pub use transport::{BoxFuture, Outgoing, Sender, Transport, TransportError};

#[cfg(feature = "v2")]
#[path = "generated/v2.rs"]
pub mod v2;

#[cfg(feature = "v1")]
#[path = "generated/v1.rs"]
pub mod v1;

#[cfg(feature = "insights")]
#[path = "generated/insights.rs"]
pub mod insights;

#[cfg(feature = "v2")]
transport::impl_client_hooks!(v2);
#[cfg(feature = "v1")]
transport::impl_client_hooks!(v1);
#[cfg(feature = "insights")]
transport::impl_client_hooks!(insights);

impl Api {
    /// This API's operations: its `OPERATIONS` table, empty when its
    /// feature is off.
    pub fn operations(self) -> &'static [Operation] {
        match self {
            #[cfg(feature = "v2")]
            Api::V2 => v2::OPERATIONS,
            #[cfg(feature = "v1")]
            Api::V1 => v1::OPERATIONS,
            #[cfg(feature = "insights")]
            Api::Insights => insights::OPERATIONS,
            #[allow(unreachable_patterns)]
            _ => &[],
        }
    }
}

/// Every operation of every enabled API.
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    [Api::V2, Api::V1, Api::Insights]
        .into_iter()
        .flat_map(Api::operations)
}

/// A fieldless enum's `name()` (each variant's fixed text) and a `Display`
/// that writes it: one definition instead of a match and an impl per enum.
#[doc(hidden)]
#[macro_export]
macro_rules! named_values {
    ($(#[$doc:meta])* $ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            $(#[$doc])*
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }
        }

        impl ::core::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}
