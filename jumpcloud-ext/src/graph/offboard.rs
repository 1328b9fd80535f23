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

/// What an offboarding found and did. [`Display`](fmt::Display) reads as
/// names; `{:#}` adds the ids.
#[derive(Debug)]
#[non_exhaustive]
pub struct OffboardReport {
    /// The user (named, unless naming is off).
    pub user: NodeRef,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// Whether a suspension was asked for (in a dry run: would be made).
    pub suspend: bool,
    /// Every direct group membership and association found, as removals,
    /// each with the attributes its edge had.
    pub plan: Plan,
    /// The removals' outcomes (`None` in a dry run).
    pub applied: Option<ApplyReport>,
    /// The suspension's outcome, when asked for and not a dry run: the
    /// account's state as the server answered it.
    pub suspended: Option<Result<AccountState>>,
}

/// A user account's state after a change, as the server answered it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct AccountState {
    /// The `suspended` flag.
    pub suspended: Option<bool>,
    /// The account state (`ACTIVATED`, `SUSPENDED`, `STAGED`, …).
    pub state: Option<String>,
}

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
        let user = if f.alternate() {
            format!("{:#}", self.user)
        } else {
            self.user.to_string()
        };
        writeln!(f, "offboarding {user}{mode}")?;
        match (&self.applied, f.alternate()) {
            (None, true) => write!(f, "{:#}", self.plan)?,
            (None, false) => write!(f, "{}", self.plan)?,
            (Some(report), true) => write!(f, "{report:#}")?,
            (Some(report), false) => write!(f, "{report}")?,
        }
        match &self.suspended {
            Some(Ok(state)) => writeln!(f, "suspended {user}: {state}"),
            Some(Err(e)) => writeln!(f, "suspension of {user} FAILED: {e}"),
            None if self.dry_run && self.suspend => {
                writeln!(f, "would suspend {user} (suspended: true)")
            }
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
        let mut named = user.clone();
        g.name_plan(&mut plan, &mut named).await?;
        if self.dry_run {
            return Ok(OffboardReport {
                user: named,
                dry_run: true,
                suspend: self.suspend,
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
            user: named,
            dry_run: false,
            suspend: self.suspend,
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
async fn suspend(g: &Graph<'_>, user: &NodeRef) -> Result<AccountState> {
    use crate::Run;
    if user.kind != Kind::User {
        return Err(Error::invalid_request(format!(
            "only a user can be suspended, not a {}",
            user.kind
        )));
    }
    g.client()
        .v1()
        .user_set()
        .id(user.id.clone())
        .body_map(|b| b.suspended(Some(true)))
        .run()
        .await
        .map(|u| AccountState {
            suspended: u.suspended,
            state: u.state.map(|s| s.to_string()),
        })
}

#[cfg(not(feature = "v1"))]
async fn suspend(_: &Graph<'_>, _: &NodeRef) -> Result<AccountState> {
    Err(Error::invalid_request(
        "suspending a user needs the `v1` feature of jumpcloud-ext".into(),
    ))
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
