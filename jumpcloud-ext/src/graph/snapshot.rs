//! A picture of the organisation: nodes with names and the edges between
//! them, read into memory with bounded concurrency, exported as JSON,
//! Graphviz DOT or Mermaid.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use jumpcloud_api::PagedRequest;
use jumpcloud_api::paging::PageKind;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{Attributes, Graph, Kind, NodeRef, Relation, link, links_from};
use crate::Listing;
use crate::error::{Error, Result};
use crate::listing::{Counted, Raw};

/// A node of a snapshot.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SnapshotNode {
    /// Kind and id.
    #[serde(flatten)]
    pub node: NodeRef,
    /// Its name (username, hostname or display name, group or policy name),
    /// when its kind's listing carries one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A direct edge of a snapshot: an association or a group membership.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Edge {
    /// For a membership, the group; for an association, one end.
    pub from: NodeRef,
    /// For a membership, the member; for an association, the other end.
    pub to: NodeRef,
    /// `associations` or `members`.
    pub relation: Relation,
    /// The edge's attributes.
    pub attributes: Attributes,
}

/// The nodes of some kinds and the direct edges between them.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct Snapshot {
    /// Every node, by kind then id.
    pub nodes: Vec<SnapshotNode>,
    /// Every edge once (an association is listed from one end only).
    pub edges: Vec<Edge>,
}

/// How a node listing is read. A snapshot reads the typed items; a backup
/// (`org::backup`) also keeps each item's JSON as the API sent it (so
/// fields this crate's types do not know survive) and counts its requests.
#[derive(Clone, Debug, Default)]
pub(crate) struct ReadMode {
    /// Keep each item's JSON.
    pub(crate) raw: bool,
    /// Counts the requests sent, retries not included.
    pub(crate) counter: Option<Arc<AtomicU64>>,
}

/// One node of a listing, and its JSON when the [`ReadMode`] keeps it.
pub(crate) struct Listed {
    pub(crate) node: SnapshotNode,
    #[cfg_attr(not(feature = "org"), allow(dead_code))]
    pub(crate) raw: Option<Map<String, Value>>,
}

type Nodes<'a> = BoxStream<'a, Result<Listed>>;

/// Lists the nodes of one kind, with their names.
type ListNodes = for<'s> fn(&'s Graph<'_>, &ReadMode) -> Nodes<'s>;

/// The kinds a snapshot can list with names: those of the graph table's
/// [`Kind::ALL`] that the API can list (with the features built in).
/// Identity-provider routing policies and password manager items have no
/// listing; they appear only as unnamed edge ends.
pub fn named_kinds() -> impl Iterator<Item = &'static Kind> {
    Kind::ALL.iter().filter(|k| listing(k).is_some())
}

/// The listing of `kind`'s nodes, if the API has one: the one table
/// [`named_kinds`] and [`Graph::snapshot`] read.
fn listing(kind: &Kind) -> Option<ListNodes> {
    let listing: ListNodes = match kind {
        #[cfg(feature = "directory")]
        Kind::User => |g, m| {
            g.listed(m, g.jc.v1().user_list(), |u| {
                named(Kind::User, u.id, u.username)
            })
        },
        #[cfg(feature = "directory")]
        Kind::System => |g, m| {
            g.listed(m, g.jc.v1().system_list(), |s| {
                named(Kind::System, s.id, s.display_name.or(s.hostname))
            })
        },
        Kind::UserGroup => |g, m| {
            g.listed(m, g.jc.v2().user_group_list(), |x| {
                named(Kind::UserGroup, x.id, x.name)
            })
        },
        Kind::SystemGroup => |g, m| {
            g.listed(m, g.jc.v2().system_group_list(), |x| {
                named(Kind::SystemGroup, x.id, x.name)
            })
        },
        Kind::Policy => |g, m| {
            g.listed(m, g.jc.v2().policy_list(), |p| {
                named(Kind::Policy, p.id, p.name)
            })
        },
        Kind::PolicyGroup => |g, m| {
            g.listed(m, g.jc.v2().policy_group_list(), |x| {
                named(Kind::PolicyGroup, x.id, x.name)
            })
        },
        #[cfg(feature = "directory")]
        Kind::Application => |g, m| {
            g.listed(m, g.jc.v1().application_list(), |a| {
                named(Kind::Application, a.id, a.display_label.or(Some(a.name)))
            })
        },
        #[cfg(feature = "directory")]
        Kind::Command => |g, m| {
            g.listed(m, g.jc.v1().command_list(), |c| {
                named(Kind::Command, c.id, c.name)
            })
        },
        #[cfg(feature = "directory")]
        Kind::RadiusServer => |g, m| {
            g.listed(m, g.jc.v1().radius_server_list(), |r| {
                named(Kind::RadiusServer, r.id, r.name)
            })
        },
        #[cfg(feature = "directory-sync")]
        Kind::LdapServer => |g, m| {
            g.listed(m, g.jc.v2().ldap_server_list(), |l| {
                named(Kind::LdapServer, l.id, l.name)
            })
        },
        #[cfg(feature = "directory-sync")]
        Kind::ActiveDirectory => |g, m| {
            g.listed(m, g.jc.v2().active_directory_list(), |d| {
                named(Kind::ActiveDirectory, d.id, d.domain)
            })
        },
        #[cfg(feature = "mdm")]
        Kind::SoftwareApp => |g, m| {
            g.listed(m, g.jc.v2().software_app_list(), |a| {
                named(Kind::SoftwareApp, a.id, a.display_name)
            })
        },
        // Google Workspace and Microsoft 365 have no listing of their own;
        // the directories listing carries them with their type. Their edge
        // listings are in the directory-sync area: without it, a snapshot
        // or backup of every named kind would fail on their first edge.
        #[cfg(feature = "directory-sync")]
        Kind::GSuite => |g, m| g.directories_of(m, Kind::GSuite),
        #[cfg(feature = "directory-sync")]
        Kind::Office365 => |g, m| g.directories_of(m, Kind::Office365),
        _ => return None,
    };
    Some(listing)
}

fn named(kind: Kind, id: Option<String>, name: Option<String>) -> Option<SnapshotNode> {
    Some(SnapshotNode {
        node: NodeRef::new(kind, id?),
        name,
    })
}

impl Graph<'_> {
    /// The items of `request`'s listing that `node_of` turns into nodes,
    /// read as `mode` says.
    ///
    /// A listing paged by offset (every node listing today) is walked once,
    /// as JSON text: each item is decoded from its bytes, which reuses the
    /// decoder the typed listing compiles, and kept whole when `mode` asks.
    /// One walk per listing, not a typed and a raw one, and no second
    /// decoder through `serde_json::Value`: this generic function is
    /// compiled once per node kind, and those copies were a large part of
    /// this crate's build.
    fn listed<'s, R, F>(&'s self, mode: &ReadMode, request: R, node_of: F) -> Nodes<'s>
    where
        R: PagedRequest + 's,
        R::Item: DeserializeOwned + Send + 's,
        F: Fn(R::Item) -> Option<SnapshotNode> + Send + 's,
    {
        let counter = mode.counter.clone();
        // A constant for each `R`, so only one branch is compiled.
        if const { !matches!(R::PAGING.kind, PageKind::Offset | PageKind::BodyOffset) } {
            // A token or cursor names the next page, and only the typed
            // answer carries it: typed items, and no JSON to keep.
            if mode.raw {
                let e = Error::protocol(
                    "this listing pages by token or cursor, so its items cannot be kept as JSON",
                )
                .or_operation(R::operation());
                return futures::stream::once(std::future::ready(Err(e))).boxed();
            }
            return Counted::new(request, counter)
                .concurrency(self.concurrency)
                .within(&self.budget)
                .stream()
                .try_filter_map(move |item| {
                    std::future::ready(Ok(node_of(item).map(|node| Listed { node, raw: None })))
                })
                .boxed();
        }
        let keep = mode.raw;
        Counted::new(Raw(request), counter)
            .concurrency(self.concurrency)
            .within(&self.budget)
            .stream()
            .and_then(move |item| {
                let typed = serde_json::from_slice::<R::Item>(item.get().as_bytes()).map_err(|e| {
                    Error::protocol(format!("an item of the listing does not decode: {e}"))
                        .or_operation(R::operation())
                });
                let listed = typed.map(|typed| {
                    node_of(typed).map(|node| Listed {
                        node,
                        raw: keep
                            .then(|| serde_json::from_str::<Map<String, Value>>(item.get()).ok())
                            .flatten(),
                    })
                });
                std::future::ready(listed)
            })
            .try_filter_map(|listed| std::future::ready(Ok(listed)))
            .boxed()
    }

    /// The nodes of `kind` from its listing, if it has one.
    pub(super) fn nodes(&self, kind: &Kind) -> Option<BoxStream<'_, Result<SnapshotNode>>> {
        listing(kind).map(|list| list(self, &ReadMode::default()).map_ok(|l| l.node).boxed())
    }

    /// The nodes of `kind` read as `mode` says, if it has a listing.
    #[cfg(feature = "org")]
    pub(crate) fn nodes_read(&self, kind: &Kind, mode: &ReadMode) -> Option<Nodes<'_>> {
        listing(kind).map(|list| list(self, mode))
    }

    /// The directories of one kind, from the directories listing.
    #[cfg(feature = "directory-sync")]
    fn directories_of(&self, mode: &ReadMode, wanted: Kind) -> Nodes<'_> {
        self.listed(mode, self.jc.v2().directory_list(), move |d| {
            let kind = Kind::from_name(&d.type_.to_string());
            (kind == wanted).then(|| SnapshotNode {
                node: NodeRef::new(kind, d.id),
                name: Some(d.name),
            })
        })
    }

    /// Reads the nodes of `kinds` and every direct edge between two of them:
    /// group members, and associations listed from the end of each pair of
    /// kinds that has fewer nodes. Kinds outside [`named_kinds`] cannot be
    /// listed: their nodes appear only as unnamed ends of edges read from a
    /// listed kind. At most [`concurrency`](Graph::concurrency) listings at
    /// once.
    ///
    /// The cost is one listing per node and relation, plus the node listings:
    /// for 5,000 users, 300 user groups, 20,000 systems and 200 system groups
    /// that is 6,455 requests, the fewest the page sizes allow (see
    /// `BENCHMARKS.md`).
    pub async fn snapshot(&self, kinds: &[Kind]) -> Result<Snapshot> {
        let listed: BTreeSet<&Kind> = kinds.iter().filter(|k| listing(k).is_some()).collect();
        let listings: Vec<_> = listed.iter().filter_map(|k| self.nodes(k)).collect();
        let mut nodes: Vec<SnapshotNode> =
            futures::stream::iter(listings.into_iter().map(|s| s.try_collect::<Vec<_>>()))
                .buffered(self.concurrency)
                .try_collect::<Vec<Vec<SnapshotNode>>>()
                .await?
                .into_iter()
                .flatten()
                .collect();
        nodes.sort_by(|a, b| a.node.cmp(&b.node));
        nodes.dedup_by(|a, b| a.node == b.node);

        let mut counts: BTreeMap<Kind, usize> = BTreeMap::new();
        for n in &nodes {
            *counts.entry(n.node.kind.clone()).or_default() += 1;
        }
        let plan = edge_plan(kinds, &counts);
        let mut jobs: Vec<(Relation, NodeRef, Kind)> = Vec::new();
        for n in &nodes {
            for (relation, target) in plan.get(&n.node.kind).into_iter().flatten() {
                jobs.push((*relation, n.node.clone(), target.clone()));
            }
        }
        let streams = jobs
            .iter()
            .map(|(relation, source, target)| {
                let source = source.clone();
                let relation = *relation;
                Ok(self
                    .connections(relation, &source, target)?
                    .map_ok(move |c| Edge {
                        from: source.clone(),
                        to: c.node,
                        relation,
                        attributes: c.attributes,
                    })
                    .boxed())
            })
            .collect::<Result<Vec<_>>>()?;
        let mut edges: Vec<Edge> = super::collect_all(streams, self.concurrency)
            .await?
            .into_iter()
            .flatten()
            .collect();
        // Both ends of a self-paired kind (user group ↔ user group) list the
        // same association: keep one.
        let mut seen = BTreeSet::new();
        edges.retain(|e| {
            let key = if e.relation == Relation::Associations && e.to < e.from {
                (e.relation, e.to.clone(), e.from.clone())
            } else {
                (e.relation, e.from.clone(), e.to.clone())
            };
            seen.insert(key)
        });
        // Both ends of each edge carry the name its node was listed with
        // (no request: the node listings had them).
        let names: BTreeMap<NodeRef, String> = nodes
            .iter()
            .filter_map(|n| Some((n.node.clone(), n.name.clone()?)))
            .collect();
        for e in &mut edges {
            for end in [&mut e.from, &mut e.to] {
                if end.name.is_none() {
                    end.name = names.get(end).cloned();
                }
            }
        }
        Ok(Snapshot { nodes, edges })
    }
}

/// The edge listings to read from each node of a kind, as (relation,
/// target kind), for a reading of `kinds` whose listed kinds have `counts`
/// nodes: the members of every group whose member kind is wanted; the
/// associations of each pair of listed kinds from the end with fewer nodes,
/// which costs the fewest requests (one listing per node; the page size is
/// the same either way), and of a listed kind with an unlisted one from the
/// listed end. [`Graph::snapshot`] and the organisation backup both read by
/// it, so both cost the same floor.
pub(crate) fn edge_plan(
    kinds: &[Kind],
    counts: &BTreeMap<Kind, usize>,
) -> BTreeMap<Kind, Vec<(Relation, Kind)>> {
    let wanted: BTreeSet<&Kind> = kinds.iter().collect();
    let listed: BTreeSet<&Kind> = kinds.iter().filter(|k| listing(k).is_some()).collect();
    let count = |k: &Kind| counts.get(k).copied().unwrap_or(0);
    let from_here = |source: &Kind, target: &Kind| {
        let reverse = link(Relation::Associations, target, source).is_some();
        !reverse || !listed.contains(target) || (count(source), source) <= (count(target), target)
    };
    let mut plan = BTreeMap::new();
    for source in &listed {
        let mut jobs: Vec<(Relation, Kind)> = Vec::new();
        for l in links_from(source, Relation::Members) {
            if wanted.contains(&l.target) {
                jobs.push((Relation::Members, l.target.clone()));
            }
        }
        for l in links_from(source, Relation::Associations) {
            if wanted.contains(&l.target) && from_here(&l.source, &l.target) {
                jobs.push((Relation::Associations, l.target.clone()));
            }
        }
        jobs.dedup();
        plan.insert((*source).clone(), jobs);
    }
    plan
}

fn label(n: &NodeRef, names: &BTreeMap<&NodeRef, &str>) -> String {
    match names.get(n) {
        Some(name) => format!("{name} ({})", n.kind),
        None => n.to_string(),
    }
}

impl Snapshot {
    fn names(&self) -> BTreeMap<&NodeRef, &str> {
        self.nodes
            .iter()
            .filter_map(|n| Some((&n.node, n.name.as_deref()?)))
            .collect()
    }

    /// Every node, including edge ends outside the listed kinds.
    fn all_nodes(&self) -> BTreeSet<&NodeRef> {
        self.nodes
            .iter()
            .map(|n| &n.node)
            .chain(self.edges.iter().flat_map(|e| [&e.from, &e.to]))
            .collect()
    }

    /// The snapshot as pretty JSON (`{"nodes": […], "edges": […]}`).
    pub fn to_json(&self) -> String {
        // Serialising plain strings, maps and enums cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The snapshot as a Graphviz digraph: groups as boxes, memberships as
    /// dashed arrows from group to member, associations as solid lines.
    pub fn to_dot(&self) -> String {
        let names = self.names();
        let ids: BTreeMap<&NodeRef, usize> = self
            .all_nodes()
            .into_iter()
            .enumerate()
            .map(|(i, n)| (n, i))
            .collect();
        let mut out = String::from("digraph jumpcloud {\n  rankdir=LR;\n");
        for (n, i) in &ids {
            let shape = if n.kind.as_str().ends_with("_group") {
                "box"
            } else {
                "ellipse"
            };
            let _ = writeln!(
                out,
                "  n{i} [label={}, shape={shape}];",
                dot_string(&label(n, &names))
            );
        }
        for e in &self.edges {
            let (Some(a), Some(b)) = (ids.get(&e.from), ids.get(&e.to)) else {
                continue;
            };
            let style = match e.relation {
                Relation::Members => "style=dashed",
                _ => "dir=none",
            };
            let attrs = if e.attributes.is_empty() {
                String::new()
            } else {
                format!(
                    ", label={}",
                    dot_string(&serde_json::Value::Object(e.attributes.clone()).to_string())
                )
            };
            let _ = writeln!(out, "  n{a} -> n{b} [{style}{attrs}];");
        }
        out.push_str("}\n");
        out
    }

    /// The snapshot as a Mermaid flowchart (memberships dotted, group to
    /// member; associations plain).
    pub fn to_mermaid(&self) -> String {
        let names = self.names();
        let ids: BTreeMap<&NodeRef, usize> = self
            .all_nodes()
            .into_iter()
            .enumerate()
            .map(|(i, n)| (n, i))
            .collect();
        let mut out = String::from("flowchart LR\n");
        for (n, i) in &ids {
            let text = mermaid_string(&label(n, &names));
            if n.kind.as_str().ends_with("_group") {
                let _ = writeln!(out, "  n{i}[\"{text}\"]");
            } else {
                let _ = writeln!(out, "  n{i}(\"{text}\")");
            }
        }
        for e in &self.edges {
            let (Some(a), Some(b)) = (ids.get(&e.from), ids.get(&e.to)) else {
                continue;
            };
            let arrow = match e.relation {
                Relation::Members => "-.->",
                _ => "---",
            };
            if e.attributes.is_empty() {
                let _ = writeln!(out, "  n{a} {arrow} n{b}");
            } else {
                let keys: Vec<&str> = e.attributes.keys().map(String::as_str).collect();
                let _ = writeln!(
                    out,
                    "  n{a} {arrow}|\"{}\"| n{b}",
                    mermaid_string(&keys.join(", "))
                );
            }
        }
        out
    }
}

/// A DOT quoted string.
fn dot_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text safe inside Mermaid's `"…"` labels (quotes as entity codes).
fn mermaid_string(s: &str) -> String {
    s.replace('"', "#quot;").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exports_name_nodes_and_draw_edges() {
        let mut sudo = Attributes::new();
        sudo.insert("sudo".into(), serde_json::json!({"enabled": true}));
        let snap = Snapshot {
            nodes: vec![
                SnapshotNode {
                    node: NodeRef::user("u1"),
                    name: Some("ada \"the\" admin".into()),
                },
                SnapshotNode {
                    node: NodeRef::user_group("g1"),
                    name: Some("eng".into()),
                },
            ],
            edges: vec![
                Edge {
                    from: NodeRef::user_group("g1"),
                    to: NodeRef::user("u1"),
                    relation: Relation::Members,
                    attributes: Attributes::new(),
                },
                Edge {
                    from: NodeRef::user("u1"),
                    to: NodeRef::system("s1"),
                    relation: Relation::Associations,
                    attributes: sudo,
                },
            ],
        };
        let dot = snap.to_dot();
        assert!(dot.contains(r#"label="ada \"the\" admin (user)""#), "{dot}");
        assert!(dot.contains("label=\"system s1\", shape=ellipse"), "{dot}");
        assert!(dot.contains("style=dashed"), "{dot}");
        assert!(
            dot.contains(r#"label="{\"sudo\":{\"enabled\":true}}""#),
            "{dot}"
        );
        let mmd = snap.to_mermaid();
        assert!(mmd.starts_with("flowchart LR\n"));
        assert!(mmd.contains("[\"eng (user_group)\"]"), "{mmd}");
        assert!(mmd.contains("-.->"), "{mmd}");
        assert!(mmd.contains("---|\"sudo\"|"), "{mmd}");
        assert!(mmd.contains("#quot;the#quot;"), "{mmd}");
        let json: serde_json::Value = serde_json::from_str(&snap.to_json()).unwrap();
        assert_eq!(
            json["nodes"][0],
            serde_json::json!({"type": "user", "id": "u1", "name": "ada \"the\" admin"})
        );
        assert_eq!(json["edges"][0]["relation"], "members");
    }
}
