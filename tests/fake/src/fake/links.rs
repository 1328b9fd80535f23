//! Changing the graph of one organisation: the checks the API makes before it adds, updates
//! or removes an association or a membership, shared by the HTTP routes and the handle.

use serde_json::Value;

use super::error::{ApiError, FakeError};
use super::graph::{Attributes, GraphError, GraphNode, check_association, check_membership};
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

fn exists(org: &Org, node: &GraphNode) -> Result<(), LinkError> {
    if org.has_node(node) {
        Ok(())
    } else {
        Err(LinkError::NotFound(format!("{node} not found")))
    }
}

fn graph_error(e: GraphError, a: &GraphNode, b: &GraphNode, what: &str) -> LinkError {
    match e {
        GraphError::Invalid(m) => LinkError::BadRequest(m),
        GraphError::Exists => LinkError::Conflict(format!("{what} {a} - {b} already exists")),
        GraphError::Missing => LinkError::NotFound(format!("{what} {a} - {b} not found")),
    }
}

/// Which kind of link a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    /// An association between two objects (either order).
    Association,
    /// A membership: the second object is a member of the first, a group.
    Membership,
}

/// Add, update or remove the link of kind `link` between `a` and `b`, checked as the API
/// checks it: the kinds must allow the link (400), both objects must exist (404), and the
/// link must be new to be added (409) or exist to be updated or removed (404).
pub(crate) fn change(
    org: &mut Org,
    link: Link,
    a: &GraphNode,
    op: LinkOp,
    b: &GraphNode,
    attributes: Attributes,
) -> Result<(), LinkError> {
    let (allowed, what) = match link {
        Link::Association => (check_association(a, b), "association"),
        Link::Membership => (check_membership(a, b), "membership"),
    };
    allowed.map_err(|e| graph_error(e, a, b, what))?;
    exists(org, a)?;
    exists(org, b)?;
    let g = &mut org.graph;
    match (link, op) {
        (Link::Association, LinkOp::Add) => g.associate(a, b, attributes),
        (Link::Association, LinkOp::Update) => g.update_association(a, b, attributes),
        (Link::Association, LinkOp::Remove) => g.dissociate(a, b),
        (Link::Membership, LinkOp::Add) => g.add_member(a, b, attributes),
        (Link::Membership, LinkOp::Update) => g.update_member(a, b, attributes),
        (Link::Membership, LinkOp::Remove) => g.remove_member(a, b),
    }
    .map_err(|e| graph_error(e, a, b, what))
}
