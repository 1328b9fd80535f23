//! The request and response types of [`jumpcloud-api`](https://docs.rs/jumpcloud-api), one
//! module per JumpCloud API (`v2`, `v1`, `insights`), generated from the project's OpenAPI
//! documents by `cargo xtask regen`.
//!
//! Use them through `jumpcloud_api::v2::types` (and `v1`, `insights`), which re-exports these
//! modules; this crate exists so that they compile early and in parallel with the HTTP stack.
//! Each type is behind the feature of the API area that uses it, as in `jumpcloud-api`.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod setter;
#[doc(hidden)]
pub mod wire;

pub use setter::IntoOptionalString;

#[cfg(feature = "v2")]
#[path = "generated/v2.rs"]
pub mod v2;

#[cfg(feature = "v1")]
#[path = "generated/v1.rs"]
pub mod v1;

#[cfg(feature = "insights")]
#[path = "generated/insights.rs"]
pub mod insights;
