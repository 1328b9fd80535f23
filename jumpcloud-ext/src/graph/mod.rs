//! The JumpCloud graph, one API over every kind: who is bound to what,
//! what a user can reach and why, desired-state sync and offboarding.
//!
//! JumpCloud serves its graph through a hundred v2 operations, one per pair
//! of kinds. [`Graph`] (from [`JumpCloud::graph`]) picks the right one from
//! the generated table ([`jumpcloud_api::graph::RELATIONS`], keyed by source
//! kind and relation) and returns the answers as pagination streams of one
//! shape: [`Connection`] for direct links (associations, members) and
//! [`Reached`] for listings with paths (traversal, membership, member-of).
//! Members, membership, member-of and [`Graph::directories`] use the one
//! listing the table records for every target kind at once. A relation the
//! document does not define (the members of a user, associations between
//! two systems) is refused before any request with an
//! [`ErrorKind::InvalidRequest`](crate::ErrorKind) error whose
//! [`detail`](crate::Error::detail) (and
//! [`source`](std::error::Error::source)) is the table's [`GraphError`].
//!
//! Answers ([`Access`], [`Reachers`], [`GroupsOf`], [`Plan`],
//! [`OffboardReport`]) and the [`member_of`](Graph::member_of) and
//! [`membership`](Graph::membership) streams are named (see
//! [`Graph::names`]) on a best-effort basis: a name that cannot be
//! read leaves its node with its id, and the answer's `unnamed()` says which
//! kinds and why ([`Unnamed`]).
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use jumpcloud_ext::graph::{Kind, NodeRef};
//! use jumpcloud_ext::prelude::*;
//!
//! # async fn demo(jc: JumpCloud) -> jumpcloud_ext::Result<()> {
//! let user = NodeRef::user("5f1b2c3d4e5f60718293a4b5");
//! let mut systems = jc.graph().reachable(&user, Kind::System)?;
//! while let Some(system) = systems.try_next().await? {
//!     println!("{} through {} path(s)", system.node, system.paths.len());
//! }
//! println!("{}", jc.graph().access_of(&user).await?);
//! # Ok(())
//! # }
//! ```

mod access;
mod groups;
mod names;
mod offboard;
mod plan;
mod snapshot;

use std::future::Future;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt, TryStreamExt};
use jumpcloud_api::graph::{ConnectionVisitor, PathsVisitor, WriteVisitor};
use jumpcloud_api::{PagedRequest, Request, ResponseValue};

pub use access::{Access, Reachers};
pub use groups::{Direction, GroupsOf, MemberGroups};
pub use jumpcloud_api::graph::{
    AccountState, AccountStatus, AllTargets, Attributes, Change, Connection, GraphError, Hop, Kind,
    Link, LinkOp, NodeRef, OperationRef, Path, RELATIONS, Reached, Relation, Relationship,
    all_targets, link, links, links_from, relationship,
};
pub use names::{Names, Unnamed};
pub use offboard::{OffboardReport, Offboarding};
pub use plan::{ApplyReport, ChangeResult, Desired, Outcome, Plan, PlannedChange};
pub use snapshot::{Edge, Snapshot, SnapshotNode, named_kinds};
#[cfg(feature = "org")]
pub(crate) use snapshot::{ReadMode, edge_plan};

use crate::error::{Error, Result};
use crate::{Budget, JumpCloud, Listing};

/// The default number of requests a graph call keeps in flight.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// The graph of one client (and organisation). Cheap to make: borrow it
/// from [`JumpCloud::graph`] where needed.
#[derive(Clone, Debug)]
#[must_use = "a graph does nothing until asked"]
pub struct Graph<'a> {
    jc: &'a JumpCloud,
    concurrency: usize,
    /// Shared by every request this graph (and its clones) sends, so that
    /// nested fan-outs stay within `concurrency` in all.
    budget: Budget,
    /// Whether answers are named (see [`Graph::names`]).
    names: bool,
}

/// A refusal from the table, as this crate's error: kind `InvalidRequest`,
/// the refusal's text as message and the [`GraphError`] itself as detail
/// and source.
pub(crate) fn refused(e: GraphError) -> Error {
    Error::from(e)
}

struct Connections {
    concurrency: usize,
    budget: Budget,
}

impl<'a> ConnectionVisitor<'a> for Connections {
    type Output = BoxStream<'a, Result<Connection>>;
    fn connections<R>(self, request: R) -> Self::Output
    where
        R: PagedRequest<Item = jumpcloud_api::v2::types::GraphConnection> + 'a,
    {
        request
            .concurrency(self.concurrency)
            .within(&self.budget)
            .stream()
            .map_ok(Connection::from)
            .boxed()
    }
}

struct Paths {
    concurrency: usize,
    budget: Budget,
}

impl<'a> PathsVisitor<'a> for Paths {
    type Output = BoxStream<'a, Result<Reached>>;
    fn paths<R>(self, request: R) -> Self::Output
    where
        R: PagedRequest + 'a,
        R::Item: Into<Reached> + Send,
    {
        request
            .concurrency(self.concurrency)
            .within(&self.budget)
            .stream()
            .map_ok(Into::into)
            .boxed()
    }
}

struct Writes {
    budget: Budget,
}

impl<'a> WriteVisitor<'a> for Writes {
    type Output = BoxFuture<'a, Result<()>>;
    fn send<R>(self, request: R) -> Self::Output
    where
        R: Request<Response = ()> + 'a,
    {
        async move {
            crate::call::send(request, Some(&self.budget))
                .await
                .map(ResponseValue::into_inner)
        }
        .boxed()
    }
}

impl<'a> Graph<'a> {
    pub(crate) fn new(jc: &'a JumpCloud) -> Self {
        Graph {
            jc,
            concurrency: DEFAULT_CONCURRENCY,
            budget: Budget::new(DEFAULT_CONCURRENCY),
            names: true,
        }
    }

    /// Keeps up to `n` requests in flight in all: pages of one listing,
    /// listings of a fan-out and writes of a plan share one [`Budget`] of
    /// `n`, so a fan-out of many-page listings never has more than `n`
    /// requests out. Default [`DEFAULT_CONCURRENCY`].
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self.budget = Budget::new(self.concurrency);
        self
    }

    /// The client this graph reads and writes through.
    pub fn client(&self) -> &'a JumpCloud {
        self.jc
    }

    /// The requests it keeps in flight at most, for readers elsewhere in
    /// the crate that fan out under the same bound.
    #[cfg(feature = "org")]
    pub(crate) fn in_flight_limit(&self) -> usize {
        self.concurrency
    }

    /// The budget every request of this graph holds a place in, so that
    /// other modules' requests (organisation as code) share its limit.
    #[cfg(feature = "org")]
    pub(crate) fn budget(&self) -> &Budget {
        &self.budget
    }

    /// Direct links of `relation` (associations or members) from `source` to
    /// nodes of kind `target`, with their attributes.
    pub fn connections(
        &self,
        relation: Relation,
        source: &NodeRef,
        target: &Kind,
    ) -> Result<BoxStream<'a, Result<Connection>>> {
        jumpcloud_api::graph::list_connections(
            self.jc.v2(),
            relation,
            source,
            target,
            Connections {
                concurrency: self.concurrency,
                budget: self.budget.clone(),
            },
        )
        .map_err(refused)
    }

    /// Nodes of kind `target` that `relation` (traversal, membership,
    /// member-of) reaches from `source`, each with its paths.
    pub fn paths(
        &self,
        relation: Relation,
        source: &NodeRef,
        target: &Kind,
    ) -> Result<BoxStream<'a, Result<Reached>>> {
        jumpcloud_api::graph::list_paths(
            self.jc.v2(),
            relation,
            source,
            target,
            self.paths_visitor(),
        )
        .map_err(refused)
    }

    /// The direct associations of `node` with nodes of kind `target`, with
    /// the attributes on each (e.g. `sudo` on a user–system binding).
    pub fn associations(
        &self,
        node: &NodeRef,
        target: Kind,
    ) -> Result<BoxStream<'a, Result<Connection>>> {
        self.connections(Relation::Associations, node, &target)
    }

    /// The direct members of a group, of every member kind, from its one
    /// members listing.
    pub fn members(&self, group: &NodeRef) -> Result<BoxStream<'a, Result<Connection>>> {
        jumpcloud_api::graph::list_all_connections(
            self.jc.v2(),
            Relation::Members,
            group,
            Connections {
                concurrency: self.concurrency,
                budget: self.budget.clone(),
            },
        )
        .map_err(refused)
    }

    /// The listing with paths that answers every target kind of `relation`
    /// from `source` at once.
    fn all_paths(
        &self,
        relation: Relation,
        source: &NodeRef,
    ) -> Result<BoxStream<'a, Result<Reached>>> {
        jumpcloud_api::graph::list_all_paths(self.jc.v2(), relation, source, self.paths_visitor())
            .map_err(refused)
    }

    /// Lists with paths under this graph's concurrency and budget.
    fn paths_visitor(&self) -> Paths {
        Paths {
            concurrency: self.concurrency,
            budget: self.budget.clone(),
        }
    }

    /// The directories a user or user group reaches (LDAP servers, Active
    /// Directories, Google Workspaces, Microsoft 365s), each with its paths,
    /// from JumpCloud's one `/directories` traversal (the table's listing of
    /// all traversal targets) instead of one listing per directory kind.
    /// Other kinds are refused before any request.
    pub fn directories(&self, node: &NodeRef) -> Result<BoxStream<'a, Result<Reached>>> {
        self.all_paths(Relation::Traversal, node)
    }

    /// A group's members, direct and through nested groups, with paths,
    /// named as they stream (see [`member_of`](Graph::member_of)).
    pub fn membership(&self, group: &NodeRef) -> Result<BoxStream<'a, Result<Reached>>> {
        Ok(self.named_stream(group, self.all_paths(Relation::Membership, group)?))
    }

    /// The groups `node` belongs to, with the paths of its membership (a
    /// path of one hop is a direct membership), each group named: the
    /// stream reads up to 100 groups, names them with one request per kind
    /// (as [`names_of`](Graph::names_of) does), then yields them, so a
    /// user's groups cost one listing and one naming request, not one
    /// request per group. [`Graph::names`]`(false)` leaves them as ids. For
    /// the groups of many users, [`groups_of`](Graph::groups_of) reads from
    /// whichever end costs fewer requests.
    pub fn member_of(&self, node: &NodeRef) -> Result<BoxStream<'a, Result<Reached>>> {
        Ok(self.named_stream(node, self.all_paths(Relation::MemberOf, node)?))
    }

    /// Every node of kind `target` that `node` reaches, directly or through
    /// groups, each with its paths and compiled attributes (the server's
    /// traversal listing, e.g. `GET /users/{id}/systems`).
    pub fn reachable(
        &self,
        node: &NodeRef,
        target: Kind,
    ) -> Result<BoxStream<'a, Result<Reached>>> {
        self.paths(Relation::Traversal, node, &target)
    }

    /// Sends one write of `relation` (associations or members) from
    /// `source`. Refused before any request when the document has no such
    /// write or its body cannot carry the attributes.
    pub fn change(
        &self,
        relation: Relation,
        source: &NodeRef,
        change: &Change,
    ) -> impl Future<Output = Result<()>> + 'a {
        let sent = jumpcloud_api::graph::write(
            self.jc.v2(),
            relation,
            source,
            change,
            Writes {
                budget: self.budget.clone(),
            },
        );
        async move { sent.map_err(refused)?.await }
    }

    /// Binds `a` to `b` (an association), with attributes such as `sudo`.
    pub async fn associate(
        &self,
        a: &NodeRef,
        b: &NodeRef,
        attributes: Option<Attributes>,
    ) -> Result<()> {
        self.change(Relation::Associations, a, &edit(LinkOp::Add, b, attributes))
            .await
    }

    /// Replaces the attributes of the association between `a` and `b`.
    pub async fn update_association(
        &self,
        a: &NodeRef,
        b: &NodeRef,
        attributes: Attributes,
    ) -> Result<()> {
        self.change(
            Relation::Associations,
            a,
            &edit(LinkOp::Update, b, Some(attributes)),
        )
        .await
    }

    /// Removes the association between `a` and `b`.
    pub async fn dissociate(&self, a: &NodeRef, b: &NodeRef) -> Result<()> {
        self.change(Relation::Associations, a, &edit(LinkOp::Remove, b, None))
            .await
    }

    /// Makes `member` a direct member of `group`.
    pub async fn add_member(
        &self,
        group: &NodeRef,
        member: &NodeRef,
        attributes: Option<Attributes>,
    ) -> Result<()> {
        self.change(
            Relation::Members,
            group,
            &edit(LinkOp::Add, member, attributes),
        )
        .await
    }

    /// Replaces the attributes of `member`'s membership of `group`.
    pub async fn update_member(
        &self,
        group: &NodeRef,
        member: &NodeRef,
        attributes: Attributes,
    ) -> Result<()> {
        self.change(
            Relation::Members,
            group,
            &edit(LinkOp::Update, member, Some(attributes)),
        )
        .await
    }

    /// Removes `member` from `group` (direct membership).
    pub async fn remove_member(&self, group: &NodeRef, member: &NodeRef) -> Result<()> {
        self.change(
            Relation::Members,
            group,
            &edit(LinkOp::Remove, member, None),
        )
        .await
    }
}

fn edit(op: LinkOp, target: &NodeRef, attributes: Option<Attributes>) -> Change {
    Change {
        op,
        target: target.clone(),
        attributes,
    }
}

/// Collects a fan-out of streams with at most `n` in flight, keeping order.
pub(crate) async fn collect_all<T: Send + 'static>(
    streams: Vec<BoxStream<'_, Result<T>>>,
    n: usize,
) -> Result<Vec<Vec<T>>> {
    futures::stream::iter(streams.into_iter().map(|s| s.try_collect::<Vec<T>>()))
        .buffered(n.max(1))
        .try_collect()
        .await
}
