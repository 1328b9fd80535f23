//! Offboarding: take a user out of every group and binding in one call, or
//! only say what that would do. A suspension comes only after every removal
//! succeeded, unless the caller asks for it anyway.

use std::fmt;

use futures::TryStreamExt;

use super::names::{Unnamed, write_unnamed};
use super::plan::{ApplyReport, Plan, PlannedChange};
use super::{
    AccountState, Change, Graph, Kind, LinkOp, NodeRef, Relation, collect_all, links_from,
};
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
    suspend_even_if_removals_fail: bool,
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
    /// The suspension's outcome, when asked for, not a dry run and not
    /// withheld: the account's state as the server answered it.
    pub suspended: Option<Result<AccountState>>,
    /// Whether a suspension was asked for but not sent, because a removal
    /// failed (see [`Offboarding::suspend_even_if_removals_fail`]).
    pub suspension_withheld: bool,
}

impl OffboardReport {
    /// Whether every removal (and the suspension, if asked) succeeded. A
    /// withheld suspension follows a failed removal, so it is never a
    /// success.
    pub fn is_success(&self) -> bool {
        self.applied.as_ref().is_none_or(ApplyReport::is_success)
            && !matches!(self.suspended, Some(Err(_)))
            && !self.suspension_withheld
    }

    /// The kinds whose nodes were left unnamed, each with the reason (see
    /// [`Plan::unnamed`]): names only label the report, so it is whole
    /// without them.
    pub fn unnamed(&self) -> &[Unnamed] {
        self.plan.unnamed()
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
        // The plan's own lines end with its unnamed kinds; an applied
        // report says them after its outcomes.
        match (&self.applied, f.alternate()) {
            (None, true) => write!(f, "{:#}", self.plan)?,
            (None, false) => write!(f, "{}", self.plan)?,
            (Some(report), true) => write!(f, "{report:#}")?,
            (Some(report), false) => write!(f, "{report}")?,
        }
        if self.applied.is_some() {
            write_unnamed(f, self.unnamed(), "")?;
        }
        match &self.suspended {
            Some(Ok(state)) => writeln!(f, "suspended {user}: {state}"),
            Some(Err(e)) => writeln!(f, "suspension of {user} FAILED: {e}"),
            None if self.suspension_withheld => writeln!(
                f,
                "NOT suspended {user}: a removal failed \
                 (suspend_even_if_removals_fail(true) suspends anyway)"
            ),
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
    /// `suspended: true`) once every removal succeeded (default: `false`).
    /// After a failed removal the user is not suspended and the report says
    /// so ([`OffboardReport::suspension_withheld`]), unless
    /// [`suspend_even_if_removals_fail`](Self::suspend_even_if_removals_fail).
    pub fn suspend(mut self, yes: bool) -> Self {
        self.suspend = yes;
        self
    }

    /// With [`suspend`](Self::suspend)`(true)`, suspend the user even when a
    /// removal failed (default: `false`). Off by default because a failed
    /// removal (a refusal, throttling) leaves the offboarding half done and
    /// the caller should look first: running it again retries what is left
    /// (removals already made count as unchanged) and then suspends. Turn it
    /// on when locking the account out matters more than a clean finish.
    /// Alone, without `suspend(true)`, it suspends nothing.
    pub fn suspend_even_if_removals_fail(mut self, yes: bool) -> Self {
        self.suspend_even_if_removals_fail = yes;
        self
    }

    /// Lists the user's direct group memberships and associations (every
    /// kind the document defines, at most the graph's concurrency at once),
    /// then removes them and, if asked, suspends the user, unless this is a
    /// dry run. Listing errors end the call before anything is written;
    /// write errors are reported per write, and one of them withholds the
    /// suspension (see [`suspend`](Self::suspend)). Names that cannot be
    /// read are left out (see [`OffboardReport::unnamed`]).
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
                    op: LinkOp::Remove,
                    target: connection.node,
                    attributes: None,
                },
                current: Some(connection.attributes),
            });
        }
        let mut named = user.clone();
        g.name_plan(&mut plan, &mut named).await;
        if self.dry_run {
            return Ok(OffboardReport {
                user: named,
                dry_run: true,
                suspend: self.suspend,
                plan,
                applied: None,
                suspended: None,
                suspension_withheld: false,
            });
        }
        let applied = g.apply(&plan).await;
        let go_on = applied.is_success() || self.suspend_even_if_removals_fail;
        let suspended = if self.suspend && go_on {
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
            suspension_withheld: self.suspend && !go_on,
        })
    }
}

fn removal(user: &NodeRef) -> Change {
    Change {
        op: LinkOp::Remove,
        target: user.clone(),
        attributes: None,
    }
}

#[cfg(feature = "directory")]
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
        .map(|u| {
            let mut state = AccountState::default();
            state.state = u.state.map(|s| s.to_string());
            state.suspended = u.suspended;
            state.account_locked = u.account_locked;
            state.activated = u.activated;
            state
        })
}

#[cfg(not(feature = "directory"))]
async fn suspend(_: &Graph<'_>, _: &NodeRef) -> Result<AccountState> {
    Err(Error::invalid_request(
        "suspending a user needs the `v1` feature of jumpcloud-ext",
    ))
}

impl<'g> Graph<'g> {
    /// Offboards `user`: every direct group membership and association,
    /// removed (or only listed, with [`dry_run`](Offboarding::dry_run)),
    /// and optionally a suspension, made only once every removal succeeded
    /// (see [`Offboarding::suspend`]).
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
            suspend_even_if_removals_fail: false,
        }
    }
}
