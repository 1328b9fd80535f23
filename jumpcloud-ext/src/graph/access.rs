//! Access questions with their reasons: what a user can reach, who can reach
//! a resource. Both are the server's traversal listings (JumpCloud computes
//! the paths and the compiled attributes), fanned out over kinds with
//! bounded concurrency.

use std::collections::BTreeMap;
use std::fmt;

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
}

/// One path as words: `direct`, or `via user_group g1, system_group g2`.
pub(crate) fn describe_path(path: &[super::Hop]) -> String {
    if path.len() <= 1 {
        return "direct".into();
    }
    let via: Vec<String> = path[..path.len() - 1]
        .iter()
        .map(|h| h.to.to_string())
        .collect();
    format!("via {}", via.join(" → "))
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} reaches {} node(s)", self.subject, self.len())?;
        for (kind, reached) in &self.by_kind {
            writeln!(f, "  {kind}:")?;
            for r in reached {
                let name = r
                    .name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                writeln!(f, "    {}{name}", r.node.id)?;
                for p in &r.paths {
                    writeln!(f, "      - {}", describe_path(p))?;
                }
                if !r.compiled_attributes.is_empty() {
                    let attrs = serde_json::Value::Object(r.compiled_attributes.clone());
                    writeln!(f, "      attributes: {attrs}")?;
                }
            }
        }
        Ok(())
    }
}

impl Graph<'_> {
    /// Everything `user` (or any node with traversal listings) can reach,
    /// by kind, each with the paths that grant it (a direct binding, through
    /// user group X, …) and the compiled attributes (e.g. `sudo`). One
    /// traversal listing per kind the document defines for the source, at
    /// most [`concurrency`](Graph::concurrency) at once.
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
        Ok(Access {
            subject: user.clone(),
            by_kind: kinds
                .into_iter()
                .zip(lists)
                .filter(|(_, l)| !l.is_empty())
                .collect(),
        })
    }

    /// Every user who can reach `resource` (a system, application,
    /// directory, …), each with the paths that grant it: the resource's
    /// traversal listing to users.
    pub async fn who_can_reach(&self, resource: &NodeRef) -> Result<Vec<Reached>> {
        use futures::TryStreamExt;
        self.reachable(resource, Kind::User)?.try_collect().await
    }
}
