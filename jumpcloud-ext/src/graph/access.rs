//! Access questions with their reasons: what a user can reach, who can reach
//! a resource. Both are the server's traversal listings (JumpCloud computes
//! the paths and the compiled attributes), fanned out over kinds with
//! bounded concurrency.

use std::collections::BTreeMap;
use std::fmt;

use super::names::{Unnamed, write_unnamed};
use super::{Graph, Kind, NodeRef, Reached, Relation, collect_all, links_from, refused};
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

/// One reached node as lines: its name (or id; both with `ids`), each path,
/// the compiled attributes.
pub(crate) fn write_reached(
    f: &mut fmt::Formatter<'_>,
    r: &Reached,
    indent: &str,
    ids: bool,
) -> fmt::Result {
    match (&r.node.name, ids) {
        (Some(name), true) => writeln!(f, "{indent}{name} ({})", r.node.id)?,
        (Some(name), false) => writeln!(f, "{indent}{name}")?,
        (None, _) => writeln!(f, "{indent}{}", r.node.id)?,
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

/// Names when known; the alternate form (`{:#}`) adds every id.
impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = f.alternate();
        if ids {
            writeln!(f, "{:#} reaches {} node(s)", self.subject, self.len())?;
        } else {
            writeln!(f, "{} reaches {} node(s)", self.subject, self.len())?;
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
/// from the user to the resource. [`Display`](fmt::Display) reads as names;
/// `{:#}` adds the ids.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Reachers {
    /// The resource asked about.
    pub resource: NodeRef,
    /// The users, in the server's order; each path starts at the user
    /// (its first hop's `from`) and ends at the resource.
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
    /// said in [`Access::unnamed`].
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
    /// said in [`Reachers::unnamed`]).
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
