//! The shapes of a backup, in memory and on disk: objects, the edges
//! between them, and the manifest that says what was read and how.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::graph::{Attributes, Kind, NodeRef, Relation};

/// The version of the on-disk layout a backup carries in its manifest;
/// raised when a file's shape changes so that old backups are read (or
/// refused) knowingly.
pub const FORMAT_VERSION: u32 = 1;

/// One object as a backup holds it: its kind, id and name, and its
/// attributes as the API returned them, minus secrets and volatile fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrgObject {
    /// What kind of object it is.
    pub kind: Kind,
    /// Its JumpCloud id (differs between organisations; never compared by
    /// the diff when names decide).
    pub id: String,
    /// The name people use for it (username, hostname or display name,
    /// group, policy, application or command name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its fields, keys sorted (a `serde_json::Map` keeps them sorted).
    pub attributes: Map<String, Value>,
}

impl OrgObject {
    /// The object as a graph node (with its name).
    pub fn node(&self) -> NodeRef {
        let node = NodeRef::new(self.kind.clone(), self.id.clone());
        match &self.name {
            Some(name) => node.named(name.clone()),
            None => node,
        }
    }
}

/// One edge as a backup holds it: a membership (`from` is the group) or an
/// association (listed from one end only), with its attributes (`sudo`,
/// …). Both ends carry their names where the backup read them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrgLink {
    /// `members` or `associations`.
    pub relation: Relation,
    /// The group, or the end the association was listed from.
    pub from: NodeRef,
    /// The member, or the other end.
    pub to: NodeRef,
    /// The edge's attributes (empty when it has none).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Attributes,
}

/// How many objects and edges of one kind a backup holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCount {
    /// The kind.
    pub kind: Kind,
    /// Its objects.
    pub objects: usize,
    /// The edges listed from its objects.
    pub links: usize,
}

/// A listing that answered 403 and the listing read instead, so that a
/// reader of the backup knows which edges came the long way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fallback {
    /// The kind whose association listing was refused.
    pub kind: Kind,
    /// The target kind of that listing.
    pub target: Kind,
    /// What was read instead (e.g. `traversal`).
    pub instead: String,
    /// How many listings were refused.
    pub refused: usize,
}

/// What a backup holds and how it was taken: `manifest.json` at its root.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Manifest {
    /// [`FORMAT_VERSION`] when written.
    pub format: u32,
    /// The organisation's id, when the client was scoped to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// When the backup started.
    pub taken_at: DateTime<Utc>,
    /// This crate's version.
    pub sdk_version: String,
    /// Per kind, in the order read.
    pub kinds: Vec<KindCount>,
    /// Listings refused with 403 and what was read instead.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallbacks: Vec<Fallback>,
    /// The fields left out of the objects (secrets and volatile fields), as
    /// paths (`mfa.configured`, `ssh_keys[]`), not per kind: so that a diff
    /// does not report them as removed.
    #[serde(default)]
    pub stripped: Vec<String>,
    /// Requests sent to take it.
    #[serde(default)]
    pub requests: u64,
}

/// An organisation in memory: read from a backup directory, or from the
/// live organisation. Objects are sorted by kind, name and id; links by
/// relation, `from` and `to`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OrgState {
    /// The manifest, when read from a backup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<Manifest>,
    /// Every object.
    pub objects: Vec<OrgObject>,
    /// Every edge.
    pub links: Vec<OrgLink>,
}
