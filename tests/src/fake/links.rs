//! Changing the graph of one organisation: the checks the API makes before it adds, updates
//! or removes an association or a membership, shared by the HTTP routes and the handle.

use serde_json::Value;

use super::error::{ApiError, FakeError};
use super::graph::{Attributes, GraphError, Node};
use super::state::Org;

/// What a graph operation (`{"op": …}`) asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LinkOp {
    /// `add`: create the link (409 if it exists).
    Add,
    /// `update`: replace the link's attributes (404 if it doesn't exist).
    Update,
    /// `remove`: delete the link (404 if it doesn't exist).
    Remove,
}

impl LinkOp {
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "add" => Some(Self::Add),
            "update" => Some(Self::Update),
            "remove" => Some(Self::Remove),
            _ => None,
        }
    }
}

/// Why a link change failed, before it is turned into an HTTP answer or a [`FakeError`].
#[derive(Debug, Clone)]
pub(crate) enum LinkError {
    BadRequest(String),
    NotFound(String),
    Conflict(String),
}

impl From<LinkError> for ApiError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::BadRequest(m) => ApiError::bad_request(m),
            LinkError::NotFound(m) => ApiError::not_found(m),
            LinkError::Conflict(m) => ApiError::conflict(m),
        }
    }
}

impl From<LinkError> for FakeError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::BadRequest(m) => FakeError::InvalidLink(m),
            LinkError::NotFound(m) => FakeError::NotFound(m),
            LinkError::Conflict(m) => FakeError::Conflict(m),
        }
    }
}

/// The attributes of an operation: absent or null means none; anything but an object is a 400.
pub(crate) fn attributes(v: Option<&Value>) -> Result<Attributes, LinkError> {
    match v {
        None | Some(Value::Null) => Ok(Attributes::new()),
        Some(Value::Object(m)) => Ok(m.clone()),
        Some(_) => Err(LinkError::BadRequest("attributes must be an object".into())),
    }
}

fn exists(org: &Org, node: &Node) -> Result<(), LinkError> {
    if org.has_node(node) {
        Ok(())
    } else {
        Err(LinkError::NotFound(format!("{node} not found")))
    }
}

fn graph_error(e: GraphError, a: &Node, b: &Node, what: &str) -> LinkError {
    match e {
        GraphError::Invalid(m) => LinkError::BadRequest(m),
        GraphError::Exists => LinkError::Conflict(format!("{what} {a} - {b} already exists")),
        GraphError::Missing => LinkError::NotFound(format!("{what} {a} - {b} not found")),
    }
}

/// Add, update or remove the association between `source` and `target`.
pub(crate) fn associate(
    org: &mut Org,
    source: &Node,
    op: LinkOp,
    target: &Node,
    attributes: Attributes,
) -> Result<(), LinkError> {
    if !source.kind.can_associate(target.kind) {
        return Err(LinkError::BadRequest(format!(
            "{} cannot be associated with {}",
            source.kind, target.kind
        )));
    }
    exists(org, source)?;
    exists(org, target)?;
    let g = &mut org.graph;
    match op {
        LinkOp::Add => g.associate(source, target, attributes),
        LinkOp::Update => g.update_association(source, target, attributes),
        LinkOp::Remove => g.dissociate(source, target),
    }
    .map_err(|e| graph_error(e, source, target, "association"))
}

/// Add, update or remove `member`'s membership of `group`.
pub(crate) fn member(
    org: &mut Org,
    group: &Node,
    op: LinkOp,
    member: &Node,
    attributes: Attributes,
) -> Result<(), LinkError> {
    if group.kind.member_kind() != Some(member.kind) {
        return Err(LinkError::BadRequest(format!(
            "a {} cannot be a member of a {}",
            member.kind, group.kind
        )));
    }
    exists(org, group)?;
    exists(org, member)?;
    let g = &mut org.graph;
    match op {
        LinkOp::Add => g.add_member(group, member, attributes),
        LinkOp::Update => g.update_member(group, member, attributes),
        LinkOp::Remove => g.remove_member(group, member),
    }
    .map_err(|e| graph_error(e, group, member, "membership"))
}
