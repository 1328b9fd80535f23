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

// Not in this crate's own unit tests, which cover `wire` alone: the 64,000 generated lines
// would otherwise compile a second time, with `cfg(test)`, in every `cargo test --workspace`
// and `cargo clippy --all-targets`. The types are tested through `jumpcloud-api`
// (`tests/generated/`), and the doc tests here build against the normal library.
#[cfg(all(feature = "v2", not(test)))]
#[path = "generated/v2.rs"]
pub mod v2;

#[cfg(all(feature = "v1", not(test)))]
#[path = "generated/v1.rs"]
pub mod v1;

#[cfg(all(feature = "insights", not(test)))]
#[path = "generated/insights.rs"]
pub mod insights;
