//! Typed filters for every JumpCloud filter dialect.
//!
//! The query-string dialects live in `jumpcloud-api` (so the generated
//! operations can name them) and are re-exported here: [`v2`] for v2 lists
//! and graph traversals, [`system_insights`] for System Insights tables, [`v1`] for
//! v1 `filter=` query strings. [`search`] builds the JSON body of v1
//! `POST /search/*` operations, the only v1 filter that can say `or`.
//!
//! The re-exported builders refuse with a [`FilterError`]; `?` turns it
//! into this crate's [`Error`](crate::Error), kind `InvalidRequest`, with
//! the refusal as its [`detail`](crate::Error::detail).
//!
//! ```
//! use jumpcloud_ext::filter::{IntoFilters, V2, v2::Filter};
//!
//! # fn main() -> jumpcloud_ext::Result<()> {
//! let filters = [
//!     Filter::field("name").search("eng"),
//!     Filter::field("type").eq("user_group"),
//! ];
//! let sent = IntoFilters::<V2>::into_filters(filters)?;
//! assert_eq!(sent, ["name:search:eng", "type:eq:user_group"]);
//! # Ok(())
//! # }
//! ```

pub use jumpcloud_api::filter::*;

#[cfg(feature = "directory")]
pub mod search;
