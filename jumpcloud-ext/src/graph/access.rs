//! Access questions with their reasons: what a user can reach, who can reach
//! a resource. Both are the server's traversal listings (JumpCloud computes
//! the paths and the compiled attributes), fanned out over kinds with
//! bounded concurrency.

use std::collections::BTreeMap;
use std::fmt;

use super::names::{Unnamed, write_unnamed};
use super::{
    AccountState, AccountStatus, Graph, Kind, NodeRef, Reached, Relation, collect_all, links_from,
    refused,
};
use crate::error::Result;
use jumpcloud_api::graph::GraphError;

/// What a node can reach (or what can reach it), by kind, each with the
/// paths that grant it and the compiled attributes.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Access {
    /// The node asked about.
    pub subject: NodeRef,
    /// Reached nodes by kind, in the server's order; kinds with none are
    /// left out.
    pub by_kind: BTreeMap<Kind, Vec<Reached>>,
    /// The subject's account state when it is a user, read with the names
    /// (no request of its own); `None` for other kinds or when naming is
    /// off or failed. [`Display`](fmt::Display) marks a user who is not
    /// active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject_state: Option<AccountState>,
    /// Kinds whose names could not be read (see [`Access::unnamed`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) unnamed: Vec<Unnamed>,
}

impl Access {
    /// Every reached node, kind by kind.
    pub fn iter(&self) -> impl Iterator<Item = &Reached> {
        self.by_kind.values().flatten()
    }

    /// The reached node with this kind and id, if any.
    pub fn get(&self, node: &NodeRef) -> Option<&Reached> {
        self.by_kind
            .get(&node.kind)?
            .iter()
            .find(|r| &r.node == node)
    }

    /// How many nodes are reached in all.
    pub fn len(&self) -> usize {
        self.by_kind.values().map(Vec::len).sum()
    }

    /// Whether nothing is reached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The kinds whose nodes were left unnamed, each with the reason (a 403
    /// for a read-only key, a listing that did not decode, no listing).
    /// Names are best-effort, so the answer is whole without them; empty
    /// when every node could be named or naming was off.
    pub fn unnamed(&self) -> &[Unnamed] {
        &self.unnamed
    }
}

/// One path as words: `direct`, or `via user_group Engineering →
/// system_group Linux Servers` (with ids too when `ids`).
pub(crate) fn describe_path(path: &[super::Hop], ids: bool) -> String {
    if path.len() <= 1 {
        return "direct".into();
    }
    let via: Vec<String> = path[..path.len() - 1]
        .iter()
        .map(|h| {
            if ids {
                format!("{:#}", h.to)
            } else {
                h.to.to_string()
            }
        })
        .collect();
    format!("via {}", via.join(" → "))
}

/// ` [suspended]` (or locked, staged, …) for a user who is not active; empty
/// for an active user and when the state is not known.
pub(crate) fn inactive_mark(state: Option<&AccountState>) -> String {
    match state.map(AccountState::status) {
        Some(AccountStatus::Active | AccountStatus::Unknown) | None => String::new(),
        Some(status) => format!(" [{status}]"),
    }
}

/// One reached node as lines: its name (or id; both with `ids`) and, for a
/// user who is not active, its status; each path; the compiled attributes.
pub(crate) fn write_reached(
    f: &mut fmt::Formatter<'_>,
    r: &Reached,
    indent: &str,
    ids: bool,
) -> fmt::Result {
    let mark = inactive_mark(r.state.as_ref());
    match (&r.node.name, ids) {
        (Some(name), true) => writeln!(f, "{indent}{name} ({}){mark}", r.node.id)?,
        (Some(name), false) => writeln!(f, "{indent}{name}{mark}")?,
        (None, _) => writeln!(f, "{indent}{}{mark}", r.node.id)?,
    }
    for p in &r.paths {
        writeln!(f, "{indent}  - {}", describe_path(p, ids))?;
    }
    if !r.compiled_attributes.is_empty() {
        let attrs = serde_json::Value::Object(r.compiled_attributes.clone());
        writeln!(f, "{indent}  attributes: {attrs}")?;
    }
    Ok(())
}

/// Names when known; the alternate form (`{:#}`) adds every id. A subject
/// who is not active is marked (`user ada [suspended] reaches …`).
impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = f.alternate();
        let mark = inactive_mark(self.subject_state.as_ref());
        if ids {
            writeln!(f, "{:#}{mark} reaches {} node(s)", self.subject, self.len())?;
        } else {
            writeln!(f, "{}{mark} reaches {} node(s)", self.subject, self.len())?;
        }
        for (kind, reached) in &self.by_kind {
            writeln!(f, "  {kind}:")?;
            for r in reached {
                write_reached(f, r, "    ", ids)?;
            }
        }
        write_unnamed(f, &self.unnamed, "  ")
    }
}

/// Who can reach a resource, each user with the paths that grant it, read
/// from the user to the resource, and with its account state
/// ([`Reached::state`], read by the naming requests). [`Display`](fmt::Display)
/// reads as names and marks each user who is not active (`[suspended]`,
/// `[locked]`, …); `{:#}` adds the ids.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Reachers {
    /// The resource asked about.
    pub resource: NodeRef,
    /// The users, in the server's order; each path starts at the user
    /// (its first hop's `from`) and ends at the resource. Each carries its
    /// account state in [`Reached::state`] unless naming is off or the
    /// user lookup failed.
    pub users: Vec<Reached>,
    /// Kinds whose names could not be read (see [`Reachers::unnamed`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) unnamed: Vec<Unnamed>,
}

impl Reachers {
    /// The users, one by one.
    pub fn iter(&self) -> std::slice::Iter<'_, Reached> {
        self.users.iter()
    }

    /// How many users.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether nobody can reach the resource.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The entry of this user, if it can reach the resource.
    pub fn get(&self, user: &NodeRef) -> Option<&Reached> {
        self.users.iter().find(|r| &r.node == user)
    }

    /// The users who are not active (suspended, locked, staged, pending
    /// activation), as far as their state was read: those an access review
    /// usually asks about first.
    pub fn inactive(&self) -> impl Iterator<Item = &Reached> {
        self.users.iter().filter(|r| {
            r.state
                .as_ref()
                .is_some_and(|s| !s.is_active() && s.status() != AccountStatus::Unknown)
        })
    }

    /// The kinds whose nodes were left unnamed, each with the reason (a 403
    /// for a read-only key, a listing that did not decode, no listing).
    /// Names are best-effort, so the answer is whole without them; empty
    /// when every node could be named or naming was off.
    pub fn unnamed(&self) -> &[Unnamed] {
        &self.unnamed
    }
}

impl std::ops::Deref for Reachers {
    type Target = [Reached];
    fn deref(&self) -> &[Reached] {
        &self.users
    }
}

impl IntoIterator for Reachers {
    type Item = Reached;
    type IntoIter = std::vec::IntoIter<Reached>;
    fn into_iter(self) -> Self::IntoIter {
        self.users.into_iter()
    }
}

impl<'a> IntoIterator for &'a Reachers {
    type Item = &'a Reached;
    type IntoIter = std::slice::Iter<'a, Reached>;
    fn into_iter(self) -> Self::IntoIter {
        self.users.iter()
    }
}

impl fmt::Display for Reachers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = f.alternate();
        if ids {
            writeln!(f, "{} user(s) can reach {:#}", self.len(), self.resource)?;
        } else {
            writeln!(f, "{} user(s) can reach {}", self.len(), self.resource)?;
        }
        for r in &self.users {
            write_reached(f, r, "  ", ids)?;
        }
        write_unnamed(f, &self.unnamed, "  ")
    }
}

impl Graph<'_> {
    /// Everything `user` (or any node with traversal listings) can reach,
    /// by kind, each with the paths that grant it (a direct binding, through
    /// user group X, …) and the compiled attributes (e.g. `sudo`). One
    /// traversal listing per kind the document defines for the source, at
    /// most [`concurrency`](Graph::concurrency) at once. Named unless
    /// [`Graph::names`] is off; names that cannot be read are left out and
    /// said in [`Access::unnamed`]. A user's account state
    /// ([`Access::subject_state`]) is read by the request that names users,
    /// even when `user` came with its name.
    pub async fn access_of(&self, user: &NodeRef) -> Result<Access> {
        let kinds: Vec<Kind> = links_from(&user.kind, Relation::Traversal)
            .map(|l| l.target.clone())
            .collect();
        if kinds.is_empty() {
            return Err(refused(GraphError::NoListingOfAll {
                relation: Relation::Traversal,
                source: user.kind.clone(),
            }));
        }
        let streams = kinds
            .iter()
            .map(|k| self.reachable(user, k.clone()))
            .collect::<Result<Vec<_>>>()?;
        let lists = collect_all(streams, self.concurrency).await?;
        let mut access = Access {
            subject: user.clone(),
            subject_state: None,
            by_kind: kinds
                .into_iter()
                .zip(lists)
                .filter(|(_, l)| !l.is_empty())
                .collect(),
            unnamed: Vec::new(),
        };
        self.name_access(&mut access).await;
        Ok(access)
    }

    /// Every user who can reach `resource` (a system, application,
    /// directory, …), each with the paths that grant it, read from the user
    /// to the resource: the resource's traversal listing to users, named
    /// (see [`Graph::names`]; names that cannot be read are left out and
    /// said in [`Reachers::unnamed`]). Each user's account state
    /// ([`Reached::state`]) comes from the requests that read the names:
    /// one per 100 users, none per user.
    pub async fn who_can_reach(&self, resource: &NodeRef) -> Result<Reachers> {
        use futures::TryStreamExt;
        let mut users: Vec<Reached> = self.reachable(resource, Kind::User)?.try_collect().await?;
        for r in &mut users {
            for p in &mut r.paths {
                *p = super::names::reverse_path(resource, p);
            }
        }
        let mut resource = resource.clone();
        let unnamed = self.name_reached(&mut resource, &mut users).await;
        Ok(Reachers {
            resource,
            users,
            unnamed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(
        state: Option<&str>,
        suspended: Option<bool>,
        locked: Option<bool>,
        activated: Option<bool>,
    ) -> AccountState {
        let mut s = AccountState::default();
        s.state = state.map(str::to_owned);
        s.suspended = suspended;
        s.account_locked = locked;
        s.activated = activated;
        s
    }

    #[test]
    fn the_fields_read_as_one_status_and_only_inactive_users_are_marked() {
        use AccountStatus as S;
        let cases = [
            (
                state(Some("ACTIVATED"), Some(false), Some(false), Some(true)),
                S::Active,
            ),
            (state(Some("ACTIVATED"), None, None, None), S::Active),
            (
                state(Some("SUSPENDED"), Some(true), Some(false), Some(true)),
                S::Suspended,
            ),
            // `suspended` alone, or a locked account that is also suspended.
            (
                state(Some("ACTIVATED"), Some(true), None, None),
                S::Suspended,
            ),
            (
                state(Some("SUSPENDED"), None, Some(true), None),
                S::Suspended,
            ),
            (
                state(Some("ACTIVATED"), Some(false), Some(true), Some(true)),
                S::Locked,
            ),
            (
                state(Some("STAGED"), Some(false), Some(false), Some(false)),
                S::Staged,
            ),
            (
                state(Some("ACTIVATED"), Some(false), Some(false), Some(false)),
                S::PendingActivation,
            ),
            (
                state(Some("SOME_NEW_STATE"), Some(false), None, None),
                S::Unknown,
            ),
            (state(None, None, None, None), S::Unknown),
        ];
        for (s, want) in &cases {
            assert_eq!(s.status(), *want, "{s:?}");
            assert_eq!(s.is_active(), *want == S::Active);
            let mark = inactive_mark(Some(s));
            match want {
                S::Active | S::Unknown => assert_eq!(mark, ""),
                other => assert_eq!(mark, format!(" [{other}]")),
            }
        }
        assert_eq!(inactive_mark(None), "");
        assert_eq!(S::PendingActivation.to_string(), "pending activation");
        // The offboarding report's wording is kept.
        assert_eq!(cases[2].0.to_string(), "state SUSPENDED, suspended true");
    }
}
