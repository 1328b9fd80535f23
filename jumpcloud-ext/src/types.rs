//! Short names for the objects most programs handle, and one way to read
//! an object's id.
//!
//! The generated types are named after the documents' schemas
//! (`Systemuserreturn`, `JcSystem`, `Systemuserputpost`), which nobody
//! guesses. These aliases are the names a person would type; they are in
//! the [`prelude`](crate::prelude) and listed in the repository's
//! `docs/types.md`.
//!
//! The documents call an object's id `_id` in v1 and `id` in v2 (and some
//! v1 schemas leave it out); the generated types read both into a field
//! named `id`. [`ObjectId::object_id`] reads it the same way for every
//! type that has one, so code generic over kinds need not know which.

/// A user (v1 `GET /systemusers/{id}`, what [`find`](crate::JumpCloud::find)
/// returns for a username or email).
#[cfg(feature = "directory")]
pub type User = jumpcloud_api::v1::types::Systemuserreturn;
/// The body that creates a user (v1 `POST /systemusers`).
#[cfg(feature = "directory")]
pub type NewUser = jumpcloud_api::v1::types::Systemuserputpost;
/// The body that changes a user (v1 `PUT /systemusers/{id}`).
#[cfg(feature = "directory")]
pub type UserUpdate = jumpcloud_api::v1::types::Systemuserput;
/// A device (v1 `GET /systems/{id}`).
#[cfg(feature = "directory")]
pub type System = jumpcloud_api::v1::types::JcSystem;
/// An SSO application (v1 `GET /applications/{id}`).
#[cfg(feature = "directory")]
pub type Application = jumpcloud_api::v1::types::Application;
/// A command as listings and searches return it (with its id).
#[cfg(feature = "directory")]
pub type Command = jumpcloud_api::v1::types::CommandslistResultsItem;
/// A command as created or read one by one (v1 `GET /commands/{id}`; its
/// schema has no id).
#[cfg(feature = "directory")]
pub type CommandDetails = jumpcloud_api::v1::types::Command;
/// One run of a command on one system (v1 `GET /commandresults/{id}`).
#[cfg(feature = "directory")]
pub type CommandResult = jumpcloud_api::v1::types::Commandresult;
/// An organisation (v1 `GET /organizations/{id}`).
#[cfg(feature = "directory")]
pub type Organization = jumpcloud_api::v1::types::Organization;
/// A user group (v2 `GET /usergroups/{id}`).
#[cfg(feature = "directory")]
pub type UserGroup = jumpcloud_api::v2::types::UserGroup;
/// A system group (v2 `GET /systemgroups/{id}`).
#[cfg(feature = "directory")]
pub type SystemGroup = jumpcloud_api::v2::types::SystemGroup;
/// A policy (v2 `GET /policies`).
#[cfg(feature = "directory")]
pub type Policy = jumpcloud_api::v2::types::Policy;
/// A policy group (v2 `GET /policygroups/{id}`).
#[cfg(feature = "directory")]
pub type PolicyGroup = jumpcloud_api::v2::types::PolicyGroup;
// A Directory Insights event, the type exports and follows hand out (its
// own page describes it; a comment here would be printed twice).
#[cfg(feature = "insights")]
pub use jumpcloud_api::event::Event;
/// The body of a Directory Insights event search (`POST /events`).
#[cfg(feature = "insights")]
pub type EventQuery = jumpcloud_api::insights::types::EventQuery;

/// An object with a JumpCloud id, however its document spells it.
pub trait ObjectId {
    /// The object's id, if the answer carried one.
    fn object_id(&self) -> Option<&str>;
}

macro_rules! object_id {
    ($feature:literal: $($ty:ty),* $(,)?) => {
        $(
            #[cfg(feature = $feature)]
            impl ObjectId for $ty {
                fn object_id(&self) -> Option<&str> {
                    self.id.as_deref()
                }
            }
        )*
    };
}

object_id!("directory":
    jumpcloud_api::v1::types::Systemuserreturn,
    jumpcloud_api::v1::types::SystemuserSearchReturn,
    jumpcloud_api::v1::types::JcSystem,
    jumpcloud_api::v1::types::SystemSearch,
    jumpcloud_api::v1::types::Application,
    jumpcloud_api::v1::types::CommandslistResultsItem,
    jumpcloud_api::v1::types::Commandresult,
    jumpcloud_api::v1::types::Organization,
);
object_id!("directory":
    jumpcloud_api::v2::types::UserGroup,
    jumpcloud_api::v2::types::SystemGroup,
    jumpcloud_api::v2::types::Policy,
    jumpcloud_api::v2::types::PolicyGroup,
);

/// A graph node's id is its id.
#[cfg(feature = "directory")]
impl ObjectId for jumpcloud_api::graph::NodeRef {
    fn object_id(&self) -> Option<&str> {
        Some(&self.id)
    }
}

/// A JSON object's id: `_id` (v1) or `id` (v2), whichever it has.
impl ObjectId for serde_json::Map<String, serde_json::Value> {
    fn object_id(&self) -> Option<&str> {
        self.get("_id")
            .or_else(|| self.get("id"))
            .and_then(serde_json::Value::as_str)
    }
}
