//! The complete, typed JumpCloud API client, generated from the project's
//! OpenAPI documents by `cargo xtask regen`.
//!
//! Each API is a module behind a cargo feature of the same name:
//! [`v2`], [`v1`] and [`insights`] (all on by default). The clients are raw:
//! no authentication, no retries. Install a [`Transport`] through [`Hooks`] to
//! add them, or use `jumpcloud-ext`, which does it for you.
//!
//! ```no_run
//! # #[cfg(feature = "v2")]
//! # async fn demo() -> Result<(), jumpcloud_api::Error> {
//! let client = jumpcloud_api::v2::Client::new(
//!     "https://console.jumpcloud.com/api/v2",
//!     jumpcloud_api::Hooks::none(),
//! );
//! let groups = client.group_list().limit(10).send().await?;
//! println!("{} groups", groups.len());
//! # Ok(())
//! # }
//! ```

// With no API feature on, only the hook types remain and their generated
// users are compiled out.
pub mod filter;
#[cfg(feature = "v2")]
pub mod graph;
#[cfg_attr(
    not(any(feature = "v2", feature = "v1", feature = "insights")),
    allow(dead_code, unused_macros, unused_imports)
)]
mod hooks;
pub mod paging;
mod request;
#[doc(hidden)]
pub mod wire;

pub use hooks::{Api, BoxFuture, HookError, Hooks, Operation, Transport};
pub use paging::{Page, PageKind, PageRequest, Paging, Position};
pub use progenitor_client::{ByteStream, ClientInfo, Error, OperationInfo, ResponseValue};
pub use request::{Paginated, Request};

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
hooks::impl_client_hooks!(v2);
#[cfg(feature = "v1")]
hooks::impl_client_hooks!(v1);
#[cfg(feature = "insights")]
hooks::impl_client_hooks!(insights);

/// Every operation of every enabled API.
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    let tables: [&'static [Operation]; 3] = [
        #[cfg(feature = "v2")]
        v2::OPERATIONS,
        #[cfg(not(feature = "v2"))]
        &[],
        #[cfg(feature = "v1")]
        v1::OPERATIONS,
        #[cfg(not(feature = "v1"))]
        &[],
        #[cfg(feature = "insights")]
        insights::OPERATIONS,
        #[cfg(not(feature = "insights"))]
        &[],
    ];
    tables.into_iter().flatten()
}
