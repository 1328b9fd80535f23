//! Offboarding: take a user out of every group and binding in one call, or
//! only say what that would do.

use std::fmt;

use futures::TryStreamExt;

use super::plan::{ApplyReport, Plan, PlannedChange};
use super::{Change, Graph, Kind, NodeRef, Op, Relation, collect_all, links_from};
use crate::error::{Error, Result};

/// An offboarding to run: made by [`Graph::offboard`], configured, then
/// [`run`](Offboarding::run).
#[derive(Clone, Debug)]
#[must_use = "an offboarding does nothing until run"]
pub struct Offboarding<'g> {
    graph: Graph<'g>,
    user: NodeRef,
    dry_run: bool,
    suspend: bool,
}

/// What an offboarding found and did.
#[derive(Debug)]
#[non_exhaustive]
pub struct OffboardReport {
    /// The user.
    pub user: NodeRef,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// Every direct group membership and association found, as removals.
    pub plan: Plan,
    /// The removals' outcomes (`None` in a dry run).
    pub applied: Option<ApplyReport>,
    /// The suspension's outcome, when asked for and not a dry run.
    pub suspended: Option<Result<()>>,
}

impl OffboardReport {
    /// Whether every removal (and the suspension, if asked) succeeded.
    pub fn is_success(&self) -> bool {
        self.applied.as_ref().is_none_or(ApplyReport::is_success)
            && !matches!(self.suspended, Some(Err(_)))
    }
}

impl fmt::Display for OffboardReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = if self.dry_run { " (dry run)" } else { "" };
        writeln!(f, "offboarding {}{mode}", self.user)?;
        match &self.applied {
            None => write!(f, "{}", self.plan)?,
            Some(report) => write!(f, "{report}")?,
        }
        match &self.suspended {
            Some(Ok(())) => writeln!(f, "suspended"),
            Some(Err(e)) => writeln!(f, "suspension FAILED: {e}"),
            None => Ok(()),
        }
    }
}

impl<'g> Offboarding<'g> {
    /// Only list what would be removed; write nothing (default: `false`).
    pub fn dry_run(mut self, yes: bool) -> Self {
        self.dry_run = yes;
        self
    }

    /// Also suspend the user (v1 `PUT /systemusers/{id}` with
    /// `suspended: true`) after the removals (default: `false`).
    pub fn suspend(mut self, yes: bool) -> Self {
        self.suspend = yes;
        self
    }

    /// Lists the user's direct group memberships and associations (every
    /// kind the document defines, at most the graph's concurrency at once),
    /// then removes them and suspends the user unless this is a dry run.
    /// Listing errors end the call before anything is written; write errors
    /// are reported per write.
    pub async fn run(self) -> Result<OffboardReport> {
        let g = &self.graph;
        let user = &self.user;
        let mut plan = Plan::default();
        // Direct memberships: member-of paths of one hop.
        let mut groups = Vec::new();
        if links_from(&user.kind, Relation::MemberOf).next().is_some() {
            let reached = g.member_of(user)?.try_collect::<Vec<_>>().await?;
            groups.extend(
                reached
                    .into_iter()
                    .filter(|r| r.is_direct())
                    .map(|r| r.node),
            );
        }
        for group in groups {
            plan.changes.push(PlannedChange {
                relation: Relation::Members,
                source: group,
                change: removal(user),
                current: None,
            });
        }
        let kinds: Vec<Kind> = links_from(&user.kind, Relation::Associations)
            .map(|l| l.target.clone())
            .collect();
        let streams = kinds
            .iter()
            .map(|k| g.associations(user, k.clone()))
            .collect::<Result<Vec<_>>>()?;
        for connection in collect_all(streams, g.concurrency)
            .await?
            .into_iter()
            .flatten()
        {
            plan.changes.push(PlannedChange {
                relation: Relation::Associations,
                source: user.clone(),
                change: Change {
                    op: Op::Remove,
                    target: connection.node,
                    attributes: None,
                },
                current: Some(connection.attributes),
            });
        }
        if self.dry_run {
            return Ok(OffboardReport {
                user: user.clone(),
                dry_run: true,
                plan,
                applied: None,
                suspended: None,
            });
        }
        let applied = g.apply(&plan).await;
        let suspended = if self.suspend {
            Some(suspend(g, user).await)
        } else {
            None
        };
        Ok(OffboardReport {
            user: user.clone(),
            dry_run: false,
            plan,
            applied: Some(applied),
            suspended,
        })
    }
}

fn removal(user: &NodeRef) -> Change {
    Change {
        op: Op::Remove,
        target: user.clone(),
        attributes: None,
    }
}

#[cfg(feature = "v1")]
async fn suspend(g: &Graph<'_>, user: &NodeRef) -> Result<()> {
    use crate::Run;
    if user.kind != Kind::User {
        return Err(Error::from(jumpcloud_api::Error::<()>::InvalidRequest(
            format!("only a user can be suspended, not a {}", user.kind),
        )));
    }
    g.client()
        .v1()
        .user_set()
        .id(user.id.clone())
        .body_map(|b| b.suspended(Some(true)))
        .run()
        .await
        .map(|_| ())
}

#[cfg(not(feature = "v1"))]
async fn suspend(_: &Graph<'_>, _: &NodeRef) -> Result<()> {
    Err(Error::from(jumpcloud_api::Error::<()>::InvalidRequest(
        "suspending a user needs the `v1` feature of jumpcloud-ext".into(),
    )))
}

impl<'g> Graph<'g> {
    /// Offboards `user`: every direct group membership and association,
    /// removed (or only listed, with [`dry_run`](Offboarding::dry_run)),
    /// and optionally a suspension.
    ///
    /// ```no_run
    /// # use jumpcloud_ext::prelude::*;
    /// # use jumpcloud_ext::graph::NodeRef;
    /// # async fn demo(jc: JumpCloud) -> jumpcloud_ext::Result<()> {
    /// let report = jc.graph().offboard(NodeRef::user("5f1b…")).suspend(true).run().await?;
    /// println!("{report}");
    /// # Ok(())
    /// # }
    /// ```
    pub fn offboard(&self, user: NodeRef) -> Offboarding<'g> {
        Offboarding {
            graph: self.clone(),
            user,
            dry_run: false,
            suspend: false,
        }
    }
}
