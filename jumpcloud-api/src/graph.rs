//! The JumpCloud graph as data: kinds of objects, the relations the API
//! serves between them, and one shape for what those relations return.
//!
//! JumpCloud serves its graph through about a hundred v2 operations, one per
//! pair of kinds and per relation (`/users/{id}/associations?targets=system`,
//! `/usergroups/{id}/members`, `/users/{id}/systems`, …), each with its own
//! builder and body type. `cargo xtask regen` reads them from the document
//! and generates, in `v2::graph`:
//!
//! - [`Kind`], every kind of object the document names;
//! - [`RELATIONS`], the table keyed by (source kind, relation): the target
//!   kinds it reaches, each with the operations that read and write it
//!   ([`Link`]), and, where one listing answers every target kind at once
//!   (a group's members, membership, member-of, the directories a user
//!   reaches), that listing ([`AllTargets`]);
//! - `list_connections`, `list_paths` and `write`, which dispatch a
//!   (relation, source, target) triple to the right generated builder, and
//!   `list_all_connections` and `list_all_paths`, which dispatch a
//!   (relation, source) pair to its listing of all targets; each hands the
//!   builder to a visitor ([`ConnectionVisitor`], [`PathsVisitor`],
//!   [`WriteVisitor`]), so that code outside this crate can treat every
//!   pair alike.
//!
//! A triple the document does not define is refused with
//! [`GraphError::NoSuchRelation`], a pair without a listing of all targets
//! with [`GraphError::NoListingOfAll`], before any request is built.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub use crate::v2::graph::{
    Kind, RELATIONS, list_all_connections, list_all_paths, list_connections, list_paths, write,
};
use crate::v2::types;

/// Attributes of an edge or compiled over paths (`sudo`, RADIUS reply,
/// LDAP and POSIX groups, …), kept as JSON: the kinds grow over time.
pub type Attributes = Map<String, Value>;

/// One object of the graph: its kind and id, and its name where known.
///
/// A node is identified by its kind and id alone: two `NodeRef`s with the
/// same kind and id are equal (and hash and sort alike) whether or not they
/// carry a name, so a named answer can be looked up with an unnamed
/// `NodeRef::user(id)`. The name is what people read: [`Display`](fmt::Display)
/// prints `user_group Engineering` when the name is known and the id
/// otherwise; the alternate form (`{:#}`) adds the id
/// (`user_group Engineering (6b11…)`). JSON carries both.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct NodeRef {
    /// What kind of object it is.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Its JumpCloud id.
    pub id: String,
    /// Its name (username, hostname or display name, group, policy,
    /// application or command name), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl NodeRef {
    /// A node of any kind; see also the per-kind constructors
    /// (`NodeRef::user(id)`, `NodeRef::system_group(id)`, …).
    pub fn new(kind: Kind, id: impl Into<String>) -> NodeRef {
        NodeRef {
            kind,
            id: id.into(),
            name: None,
        }
    }

    /// The same node with its name.
    #[must_use]
    pub fn named(mut self, name: impl Into<String>) -> NodeRef {
        self.name = Some(name.into());
        self
    }

    /// Its name if known, else its id: what a person reads.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

impl PartialEq for NodeRef {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.id == other.id
    }
}

impl Eq for NodeRef {}

impl std::hash::Hash for NodeRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.id.hash(state);
    }
}

impl PartialOrd for NodeRef {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for NodeRef {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (&self.kind, &self.id).cmp(&(&other.kind, &other.id))
    }
}

impl fmt::Display for NodeRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) if f.alternate() => write!(f, "{} {name} ({})", self.kind, self.id),
            Some(name) => write!(f, "{} {name}", self.kind),
            None => write!(f, "{} {}", self.kind, self.id),
        }
    }
}

/// How two kinds are related, i.e. which family of operations serves a pair.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Direct bindings with attributes: `GET/POST /{kind}/{id}/associations`.
    Associations,
    /// Everything reachable, with the paths that grant it:
    /// `GET /users/{id}/systems` and the like.
    Traversal,
    /// Direct members of a group: `GET/POST /{group}/{id}/members`.
    Members,
    /// A group's members, direct and through nested groups, with paths:
    /// `GET /{group}/{id}/membership`.
    Membership,
    /// The groups a node belongs to, with paths: `GET /{kind}/{id}/memberof`.
    MemberOf,
}

crate::named_values! {
    /// A short, stable name: `associations`, `traversal`, `members`,
    /// `membership`, `member_of`.
    Relation { Associations => "associations", Traversal => "traversal", Members => "members", Membership => "membership", MemberOf => "member_of" }
}

/// An operation of the v2 client, by document id and method name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OperationRef {
    /// The `operationId`, e.g. `UserAssociation_Get`.
    pub id: &'static str,
    /// The client's Rust method, e.g. `user_association_get`.
    pub rust_method: &'static str,
}

/// One target of a [`Relationship`]: a relation the document defines from
/// one kind to another, and the operations that serve it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// The kind whose id goes in the path.
    pub source: Kind,
    /// The kind listed or changed.
    pub target: Kind,
    /// Which family of operations.
    pub relation: Relation,
    /// The listing that reads it.
    pub read: OperationRef,
    /// The operation that adds, removes and updates it (associations and
    /// members only).
    pub write: Option<OperationRef>,
}

/// One row of [`RELATIONS`]: what `relation` reaches from `source`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relationship {
    /// The kind whose id goes in the path.
    pub source: Kind,
    /// Which family of operations.
    pub relation: Relation,
    /// Each target kind with the listing that reads it (and the write).
    pub targets: &'static [Link],
    /// The one listing that answers every kind of [`AllTargets::kinds`] at
    /// once, where the API has one.
    pub all: Option<AllTargets>,
}

/// A listing that answers several target kinds in one go: a group's
/// members, membership and member-of (every member or group kind), and the
/// `directories` traversal (LDAP, Active Directory, Google Workspace,
/// Microsoft 365).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllTargets {
    /// The kinds its answer holds.
    pub kinds: &'static [Kind],
    /// The listing.
    pub read: OperationRef,
}

/// The row for `relation` from `source`, if the document defines any.
pub fn relationship(source: &Kind, relation: Relation) -> Option<&'static Relationship> {
    RELATIONS
        .iter()
        .find(|r| r.relation == relation && &r.source == source)
}

/// Every (source, relation, target) link of [`RELATIONS`].
pub fn links() -> impl Iterator<Item = &'static Link> {
    RELATIONS.iter().flat_map(|r| r.targets)
}

/// The link for a triple, if the document defines it.
pub fn link(relation: Relation, source: &Kind, target: &Kind) -> Option<&'static Link> {
    links_from(source, relation).find(|l| &l.target == target)
}

/// Every link whose source is `source` and relation `relation`.
pub fn links_from(source: &Kind, relation: Relation) -> impl Iterator<Item = &'static Link> {
    relationship(source, relation)
        .into_iter()
        .flat_map(|r| r.targets)
}

/// The listing of every target of `relation` from `source` at once, if the
/// API has one.
pub fn all_targets(source: &Kind, relation: Relation) -> Option<&'static AllTargets> {
    relationship(source, relation).and_then(|r| r.all.as_ref())
}

/// A request the graph tables refuse, before anything is sent.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum GraphError {
    /// The document defines no such relation between these kinds (the
    /// members of a user, associations between two systems, writing a
    /// traversal).
    NoSuchRelation {
        /// What was asked for.
        relation: Relation,
        /// The source kind.
        source: Kind,
        /// The target kind.
        target: Kind,
        /// Whether a write was asked for.
        write: bool,
    },
    /// The document has no listing that answers every target of
    /// `relation` from `source` at once: the source has no such relation at
    /// all (the members of a user), or only listings of one target kind
    /// each (the directories of a system).
    NoListingOfAll {
        /// What was asked for.
        relation: Relation,
        /// The source kind.
        source: Kind,
    },
    /// The relation exists, but the operation that answers it is in an
    /// area this build leaves out (the members of an LDAP server without
    /// the `directory-sync` feature): enable the cargo feature named.
    NotCompiled {
        /// The operation id that would have been called.
        operation: &'static str,
        /// Its area, whose name is the feature to enable.
        area: crate::Area,
    },
    /// The change does not fit the document's body for this pair (an
    /// attribute the operation cannot carry, say).
    InvalidChange {
        /// The operation that would have been called.
        operation: &'static str,
        /// What did not fit.
        reason: String,
    },
}

impl fmt::Display for GraphError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GraphError::NoSuchRelation {
                relation,
                source,
                target,
                write,
            } => {
                let verb = if *write { "change" } else { "read" };
                write!(
                    f,
                    "JumpCloud has no {relation} from {source} to {target} to {verb}"
                )?;
                let mut known: Vec<String> = links_from(source, *relation)
                    .filter(|l| !*write || l.write.is_some())
                    .map(|l| l.target.to_string())
                    .collect();
                known.dedup();
                if known.is_empty() {
                    write!(f, " (a {source} has no {relation} at all)")
                } else {
                    write!(f, " (a {source}'s {relation} reach: {})", known.join(", "))
                }
            }
            GraphError::NoListingOfAll { relation, source } => {
                let kinds: Vec<String> = links_from(source, *relation)
                    .map(|l| l.target.to_string())
                    .collect();
                if kinds.is_empty() {
                    write!(
                        f,
                        "JumpCloud has no {relation} from {source} (a {source} has no {relation} at all)"
                    )
                } else {
                    write!(
                        f,
                        "JumpCloud has no single listing of every {relation} target from {source}; \
                         ask for one kind at a time: {}",
                        kinds.join(", ")
                    )
                }
            }
            GraphError::NotCompiled { operation, area } => write!(
                f,
                "{operation} is in the {area} area, which this build leaves out: \
                 enable the cargo feature `{area}`"
            ),
            GraphError::InvalidChange { operation, reason } => {
                write!(f, "{operation}: {reason}")
            }
        }
    }
}

impl std::error::Error for GraphError {}

/// A direct link as the associations and members listings return it: the
/// node at the other end and the attributes on the edge.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Connection {
    /// The node at the other end.
    pub node: NodeRef,
    /// The edge's attributes (those of the connection and of its `to`
    /// object, merged; empty when none).
    pub attributes: Attributes,
}

impl From<types::GraphConnection> for Connection {
    fn from(c: types::GraphConnection) -> Self {
        let hop = Hop::from(c);
        Connection {
            node: hop.to,
            attributes: hop.attributes,
        }
    }
}

/// One step of a path: from a node to another, with the edge's attributes.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Hop {
    /// Where the step starts, when the server says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<NodeRef>,
    /// Where the step arrives.
    pub to: NodeRef,
    /// The edge's attributes (empty when none).
    pub attributes: Attributes,
}

impl From<types::GraphConnection> for Hop {
    fn from(c: types::GraphConnection) -> Self {
        let mut attributes = c.attributes.map(|a| a.0).unwrap_or_default();
        if let Some(extra) = c.to.attributes {
            for (k, v) in extra.0 {
                attributes.entry(k).or_insert(v);
            }
        }
        Hop {
            from: c
                .from
                .map(|f| NodeRef::new(Kind::from_name(&f.type_), f.id)),
            to: NodeRef::new(Kind::from_name(&c.to.type_), c.to.id),
            attributes,
        }
    }
}

/// A path from the node asked about to a reached node. A path of one hop is
/// a direct binding; longer paths go through groups.
pub type Path = Vec<Hop>;

/// A node reached by a traversal, membership or member-of listing, with every
/// path that grants it and the attributes compiled over them.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Reached {
    /// The node reached.
    pub node: NodeRef,
    /// Its name, where the listing carries one (commands) or the answer
    /// was named (the same as `node.name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Every path that reaches it.
    pub paths: Vec<Path>,
    /// The attributes JumpCloud compiled over the paths (e.g. `sudo`).
    pub compiled_attributes: Attributes,
    /// A user's account state, where the answer read it (the users of
    /// `who_can_reach`, read with their names); `None` for other kinds and
    /// for answers that did not read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<AccountState>,
}

/// A user account's state as its v1 record gives it (`state`, `suspended`,
/// `account_locked`, `activated`). The raw fields are kept because
/// JumpCloud sets them independently (a locked account keeps its
/// `ACTIVATED` state); [`status`](AccountState::status) reads them as one
/// answer to "can this user act?".
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct AccountState {
    /// The account state (`ACTIVATED`, `SUSPENDED`, `STAGED`, or a value
    /// added later), if sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The `suspended` flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suspended: Option<bool>,
    /// The `account_locked` flag: locked after too many failed sign-ins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_locked: Option<bool>,
    /// The `activated` flag: whether the user has activated the account
    /// (set a password).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated: Option<bool>,
}

/// What an [`AccountState`] means for access: whether the user can act,
/// and if not, why. The first that applies wins, in the order of the
/// variants after `Active`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AccountStatus {
    /// `ACTIVATED`, not suspended, not locked, and activated by the user.
    Active,
    /// Suspended (`suspended: true` or state `SUSPENDED`): cannot sign in.
    Suspended,
    /// Locked (`account_locked: true`) after failed sign-ins.
    Locked,
    /// Staged (state `STAGED`): created, not yet activated by an admin or
    /// a schedule.
    Staged,
    /// `ACTIVATED` with `activated: false`: the user has not yet set a
    /// password (JumpCloud's "pending activation").
    PendingActivation,
    /// Not enough of the record was read to say (or a state this crate
    /// does not know).
    Unknown,
}

impl AccountState {
    /// The state's meaning for access (see [`AccountStatus`]).
    pub fn status(&self) -> AccountStatus {
        let state = self.state.as_deref();
        if self.suspended == Some(true) || state == Some("SUSPENDED") {
            AccountStatus::Suspended
        } else if self.account_locked == Some(true) {
            AccountStatus::Locked
        } else if state == Some("STAGED") {
            AccountStatus::Staged
        } else if state == Some("ACTIVATED") && self.activated == Some(false) {
            AccountStatus::PendingActivation
        } else if state == Some("ACTIVATED") {
            AccountStatus::Active
        } else {
            AccountStatus::Unknown
        }
    }

    /// Whether the user can act: [`AccountStatus::Active`].
    pub fn is_active(&self) -> bool {
        self.status() == AccountStatus::Active
    }
}

impl AccountStatus {
    /// The status in words: `active`, `suspended`, `locked`, `staged`,
    /// `pending activation`, `state unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Suspended => "suspended",
            AccountStatus::Locked => "locked",
            AccountStatus::Staged => "staged",
            AccountStatus::PendingActivation => "pending activation",
            AccountStatus::Unknown => "state unknown",
        }
    }
}

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The two fields an offboarding changes, as the server sent them:
/// `state SUSPENDED, suspended true`. [`AccountState::status`] says what
/// they mean.
impl fmt::Display for AccountState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = self
            .suspended
            .map_or_else(|| "unknown".to_owned(), |s| s.to_string());
        write!(
            f,
            "state {}, suspended {flag}",
            self.state.as_deref().unwrap_or("unknown")
        )
    }
}

impl Reached {
    /// Whether one of the paths is a direct link.
    pub fn is_direct(&self) -> bool {
        self.paths.iter().any(|p| p.len() == 1)
    }

    /// The intermediate nodes of each path (empty for a direct link).
    pub fn via(&self) -> Vec<Vec<&NodeRef>> {
        self.paths
            .iter()
            .map(|p| {
                p.iter()
                    .take(p.len().saturating_sub(1))
                    .map(|h| &h.to)
                    .collect()
            })
            .collect()
    }
}

fn paths(paths: Vec<Vec<types::GraphConnection>>) -> Vec<Path> {
    paths
        .into_iter()
        .map(|p| p.into_iter().map(Hop::from).collect())
        .collect()
}

impl From<types::GraphObjectWithPaths> for Reached {
    fn from(o: types::GraphObjectWithPaths) -> Self {
        Reached {
            node: NodeRef::new(Kind::from_name(&o.type_.to_string()), o.id),
            name: None,
            paths: paths(o.paths),
            compiled_attributes: o.compiled_attributes.map(|a| a.0).unwrap_or_default(),
            state: None,
        }
    }
}

impl From<types::CommandsGraphObjectWithPaths> for Reached {
    fn from(o: types::CommandsGraphObjectWithPaths) -> Self {
        let mut node = NodeRef::new(Kind::from_name(&o.type_.to_string()), o.id);
        node.name.clone_from(&o.name);
        Reached {
            node,
            name: o.name,
            paths: paths(o.paths),
            compiled_attributes: o.compiled_attributes.map(|a| a.0).unwrap_or_default(),
            state: None,
        }
    }
}

/// What a write does to an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkOp {
    /// Creates the edge.
    Add,
    /// Deletes the edge.
    Remove,
    /// Replaces the edge's attributes.
    Update,
}

impl LinkOp {
    /// The value the API takes: `add`, `remove`, `update`.
    pub const fn name(self) -> &'static str {
        match self {
            LinkOp::Add => "add",
            LinkOp::Remove => "remove",
            LinkOp::Update => "update",
        }
    }
}

/// One write to the graph: add, remove or update the edge to `target`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Change {
    /// What to do.
    pub op: LinkOp,
    /// The other end of the edge.
    pub target: NodeRef,
    /// The edge's attributes (for add and update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
}

/// Receives the builder of an associations or members listing (items:
/// [`types::GraphConnection`]).
pub trait ConnectionVisitor<'a> {
    /// What the visitor makes of it (a stream, say).
    type Output;
    /// Called with the builder, set up for the source node and target kind.
    fn connections<R>(self, request: R) -> Self::Output
    where
        R: crate::PagedRequest<Item = types::GraphConnection> + 'a;
}

/// Receives the builder of a traversal, membership or member-of listing
/// (items convertible into [`Reached`]).
pub trait PathsVisitor<'a> {
    /// What the visitor makes of it.
    type Output;
    /// Called with the builder, set up for the source node.
    fn paths<R>(self, request: R) -> Self::Output
    where
        R: crate::PagedRequest + 'a,
        R::Item: Into<Reached> + Send;
}

/// Receives the builder of an associations or members write.
pub trait WriteVisitor<'a> {
    /// What the visitor makes of it (a future, say).
    type Output;
    /// Called with the builder, its body set from the [`Change`].
    fn send<R>(self, request: R) -> Self::Output
    where
        R: crate::Request<Response = ()> + 'a;
}

/// Checks a triple against [`RELATIONS`] (used by the generated dispatch).
#[doc(hidden)]
pub fn check(
    relation: Relation,
    source: &Kind,
    target: &Kind,
    write: bool,
) -> Result<&'static Link, GraphError> {
    let link = link(relation, source, target)
        .filter(|l| !write || l.write.is_some())
        .ok_or_else(|| GraphError::NoSuchRelation {
            relation,
            source: source.clone(),
            target: target.clone(),
            write,
        })?;
    compiled(if write { link.write.as_ref() } else { None }.unwrap_or(&link.read))?;
    Ok(link)
}

/// Refuses an operation whose area this build left out.
fn compiled(op: &OperationRef) -> Result<(), GraphError> {
    let found = crate::v2::OPERATIONS
        .binary_search_by(|o| o.rust_method.cmp(op.rust_method))
        .ok()
        .and_then(|i| crate::v2::OPERATIONS.get(i));
    match found {
        Some(o) if !o.is_compiled() => Err(GraphError::NotCompiled {
            operation: o.id,
            area: o.area,
        }),
        _ => Ok(()),
    }
}

/// Checks that `relation` from `source` has a listing of all targets (used
/// by the generated dispatch).
#[doc(hidden)]
pub fn check_all(relation: Relation, source: &Kind) -> Result<&'static AllTargets, GraphError> {
    let all = all_targets(source, relation).ok_or_else(|| GraphError::NoListingOfAll {
        relation,
        source: source.clone(),
    })?;
    compiled(&all.read)?;
    Ok(all)
}

/// The typed body of a write (used by the generated dispatch): the change as
/// JSON, decoded into the operation's body type, refused if the type cannot
/// carry every attribute given.
#[doc(hidden)]
pub fn body<T: DeserializeOwned + Serialize>(
    operation: &'static str,
    change: &Change,
) -> Result<T, GraphError> {
    let invalid = |reason: String| GraphError::InvalidChange { operation, reason };
    let mut value = Map::new();
    value.insert("op".into(), Value::from(change.op.name()));
    value.insert("type".into(), Value::from(change.target.kind.as_str()));
    value.insert("id".into(), Value::from(change.target.id.clone()));
    let attributes = change.attributes.clone().unwrap_or_default();
    if !attributes.is_empty() {
        value.insert("attributes".into(), Value::Object(attributes.clone()));
    }
    // Through bytes, not `from_value`/`to_value`: this is compiled once per
    // body type where the dispatch is used, and encoding to bytes shares the
    // encoder the request itself compiles, where `to_value` compiled a
    // second one for every type the body nests.
    let typed: T = serde_json::to_vec(&value)
        .and_then(|bytes| serde_json::from_slice(&bytes))
        .map_err(|e| invalid(format!("the change does not fit the body: {e}")))?;
    let back: Value = serde_json::to_vec(&typed)
        .and_then(|bytes| serde_json::from_slice(&bytes))
        .map_err(|e| invalid(format!("the body does not encode: {e}")))?;
    let kept = back
        .get("attributes")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(lost) = attributes.keys().find(|k| !kept.contains_key(*k)) {
        return Err(invalid(format!(
            "attribute `{lost}` cannot be sent on this edge (the document's body has no room for it)"
        )));
    }
    Ok(typed)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_unknown_kinds_are_kept() {
        for kind in Kind::ALL {
            assert_eq!(&Kind::from_name(kind.as_str()), kind);
        }
        assert_eq!(
            Kind::from_name("future_thing"),
            Kind::Unknown("future_thing".into())
        );
        assert_eq!(NodeRef::user("u1"), NodeRef::new(Kind::User, "u1"));
        assert!(Kind::ALL.contains(&Kind::SoftwareApp));
    }

    #[test]
    fn impossible_relations_are_refused_with_what_exists() {
        let e = check(Relation::Members, &Kind::User, &Kind::System, false).unwrap_err();
        assert!(e.to_string().contains("no members"), "{e}");
        let e = check(Relation::Associations, &Kind::System, &Kind::System, false).unwrap_err();
        assert!(e.to_string().contains("user_group"), "{e}");
        let e = check(Relation::Traversal, &Kind::User, &Kind::System, true).unwrap_err();
        assert!(matches!(e, GraphError::NoSuchRelation { write: true, .. }));
        assert!(check(Relation::Associations, &Kind::User, &Kind::System, true).is_ok());
        let e = check_all(Relation::Members, &Kind::User).unwrap_err();
        assert!(
            e.to_string().contains("a user has no members at all"),
            "{e}"
        );
        let e = check_all(Relation::Traversal, &Kind::System).unwrap_err();
        assert!(e.to_string().contains("one kind at a time"), "{e}");
    }

    #[test]
    fn the_table_is_keyed_by_source_and_relation() {
        let mut keys: Vec<(&Kind, Relation)> =
            RELATIONS.iter().map(|r| (&r.source, r.relation)).collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n, "one row per (source, relation)");
        for r in RELATIONS {
            for l in r.targets {
                assert_eq!((&l.source, l.relation), (&r.source, r.relation));
            }
        }
        // Relations that answer every kind in one listing say so.
        let members = all_targets(&Kind::UserGroup, Relation::Members).unwrap();
        assert_eq!(members.kinds, &[Kind::User]);
        let directories = all_targets(&Kind::User, Relation::Traversal).unwrap();
        assert_eq!(directories.read.id, "UserTraverseDirectory_Get");
        assert!(directories.kinds.contains(&Kind::GSuite), "{directories:?}");
        assert!(all_targets(&Kind::User, Relation::MemberOf).is_some());
        assert!(all_targets(&Kind::User, Relation::Associations).is_none());
    }

    #[test]
    fn bodies_keep_attributes_or_refuse() {
        let mut sudo = Attributes::new();
        sudo.insert(
            "sudo".into(),
            serde_json::json!({"enabled": true, "withoutPassword": false}),
        );
        let change = Change {
            op: LinkOp::Add,
            target: NodeRef::system("s1"),
            attributes: Some(sudo),
        };
        let b: types::GraphOperationUser = body("UserAssociation_Set", &change).unwrap();
        assert_eq!(
            serde_json::to_value(&b).unwrap(),
            serde_json::json!({"op": "add", "type": "system", "id": "s1",
                "attributes": {"sudo": {"enabled": true, "withoutPassword": false}}})
        );
        let mut odd = Attributes::new();
        odd.insert("colour".into(), Value::from("red"));
        let change = Change {
            attributes: Some(odd),
            ..change
        };
        let e = body::<types::GraphOperationUser>("UserAssociation_Set", &change).unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
    }
}

/// A relation whose operation is in an area left out of the build is
/// refused naming the feature; run by `cargo xtask features --test`.
#[cfg(all(test, not(feature = "directory-sync")))]
#[allow(clippy::unwrap_used)]
mod area_left_out {
    use super::*;

    #[test]
    fn names_the_feature_to_enable() {
        let refused = check(
            Relation::Associations,
            &Kind::LdapServer,
            &Kind::User,
            false,
        );
        assert_eq!(
            refused,
            Err(GraphError::NotCompiled {
                operation: "LdapServerAssociation_Get",
                area: crate::Area::DirectorySync,
            })
        );
        let text = refused.unwrap_err().to_string();
        assert!(text.contains("`directory-sync`"), "{text}");
        // The directory's own relations still answer.
        assert!(check(Relation::Members, &Kind::UserGroup, &Kind::User, true).is_ok());
    }
}
