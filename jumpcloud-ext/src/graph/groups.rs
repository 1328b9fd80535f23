//! The groups of many users (or systems) at once, read from whichever end
//! costs fewer requests: each member's member-of listing, or each group's
//! membership listing.

use std::collections::{HashMap, HashSet};
use std::fmt;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};

use super::names::{Unnamed, write_unnamed};
use super::{Graph, Kind, NodeRef, Relation, collect_all};
use crate::Listing;
use crate::error::{Error, Result};

/// Which way [`Graph::groups_of`] read the memberships.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Direction {
    /// Each member's member-of listing (`GET /users/{id}/memberof`): one
    /// request (or more) per member asked about. Cheaper when few members
    /// are asked about.
    PerMember,
    /// The group listing, then each group's membership listing
    /// (`GET /usergroups/{id}/membership`): one request (or more) per group,
    /// whatever the number of members asked about. Cheaper when more
    /// members are asked about than there are groups.
    PerGroup,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::PerMember => "per member",
            Direction::PerGroup => "per group",
        })
    }
}

/// One member asked about and its groups.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct MemberGroups {
    /// The member (named, unless naming is off or failed).
    pub member: NodeRef,
    /// Its groups, directly or through nested groups, named, sorted by
    /// name (then id).
    pub groups: Vec<NodeRef>,
}

impl MemberGroups {
    /// The groups' names (their ids where unnamed), in order.
    pub fn group_names(&self) -> Vec<&str> {
        self.groups.iter().map(NodeRef::label).collect()
    }
}

/// The groups of many members, and how they were read. From
/// [`Graph::groups_of`]. [`Display`](fmt::Display) prints one line per
/// member (`ada.almeida0: Admins, Engineering`) after a line saying which
/// way the memberships were read and why; `{:#}` adds the ids.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct GroupsOf {
    /// The members asked about, in the order given (each once), with their
    /// groups.
    pub members: Vec<MemberGroups>,
    /// Which way the memberships were read.
    pub direction: Direction,
    /// The kind of the groups (`user_group` for users, `system_group` for
    /// systems).
    pub group_kind: Kind,
    /// How many groups of that kind the organisation has: with the number
    /// of members asked about, what chose the direction.
    pub groups_in_org: usize,
    /// Kinds whose names could not be read (see [`GroupsOf::unnamed`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unnamed: Vec<Unnamed>,
}

impl GroupsOf {
    /// The groups of `member`, if it was asked about.
    pub fn get(&self, member: &NodeRef) -> Option<&[NodeRef]> {
        self.members
            .iter()
            .find(|m| &m.member == member)
            .map(|m| m.groups.as_slice())
    }

    /// The members, one by one.
    pub fn iter(&self) -> std::slice::Iter<'_, MemberGroups> {
        self.members.iter()
    }

    /// How many members were asked about.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether no member was asked about.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The kinds whose nodes were left unnamed, each with the reason;
    /// empty when every node could be named or naming was off.
    pub fn unnamed(&self) -> &[Unnamed] {
        &self.unnamed
    }

    /// Why this direction: `read per group: 300 user_group membership
    /// listings instead of 5000 member-of listings`.
    pub fn reason(&self) -> String {
        let (n, m) = (self.groups_in_org, self.members.len());
        let kind = &self.group_kind;
        match self.direction {
            Direction::PerGroup => format!(
                "read per group: {n} {kind} membership listing(s) instead of {m} member-of listing(s)"
            ),
            Direction::PerMember => format!(
                "read per member: {m} member-of listing(s) instead of {n} {kind} membership listing(s)"
            ),
        }
    }
}

impl<'a> IntoIterator for &'a GroupsOf {
    type Item = &'a MemberGroups;
    type IntoIter = std::slice::Iter<'a, MemberGroups>;
    fn into_iter(self) -> Self::IntoIter {
        self.members.iter()
    }
}

impl fmt::Display for GroupsOf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = f.alternate();
        writeln!(f, "groups of {} member(s), {}", self.len(), self.reason())?;
        for m in &self.members {
            let groups: Vec<String> = m
                .groups
                .iter()
                .map(|g| {
                    if ids {
                        label_with_id(g)
                    } else {
                        g.label().to_owned()
                    }
                })
                .collect();
            let member = if ids {
                label_with_id(&m.member)
            } else {
                m.member.label().to_owned()
            };
            if groups.is_empty() {
                writeln!(f, "  {member}: no groups")?;
            } else {
                writeln!(f, "  {member}: {}", groups.join(", "))?;
            }
        }
        write_unnamed(f, &self.unnamed, "  ")
    }
}

/// `name (id)`, or the id alone.
fn label_with_id(n: &NodeRef) -> String {
    match &n.name {
        Some(name) => format!("{name} ({})", n.id),
        None => n.id.clone(),
    }
}

/// One page of a group listing: its groups, named, and the listing's total.
type GroupPage = (Vec<NodeRef>, Option<u64>);

/// The kind of group `kind` belongs to, for the kinds `groups_of` answers.
fn group_kind_of(kind: &Kind) -> Option<Kind> {
    match kind {
        Kind::User => Some(Kind::UserGroup),
        Kind::System => Some(Kind::SystemGroup),
        _ => None,
    }
}

impl<'a> Graph<'a> {
    /// The pages of the listing of `kind`'s groups (user or system groups),
    /// one request at a time, read only as far as they are polled.
    fn group_pages(&self, kind: &Kind) -> Result<BoxStream<'a, Result<GroupPage>>> {
        let page = |k: Kind, items: Vec<(Option<String>, Option<String>)>| -> Vec<NodeRef> {
            items
                .into_iter()
                .filter_map(|(id, name)| {
                    let node = NodeRef::new(k.clone(), id?);
                    Some(match name {
                        Some(name) => node.named(name),
                        None => node,
                    })
                })
                .collect()
        };
        let v2 = self.jc.v2();
        Ok(match kind {
            Kind::UserGroup => v2
                .user_group_list()
                .within(&self.budget)
                .pages()
                .map_ok(move |p| {
                    let items = p.items.into_iter().map(|g| (g.id, g.name)).collect();
                    (page(Kind::UserGroup, items), p.total)
                })
                .boxed(),
            Kind::SystemGroup => v2
                .system_group_list()
                .within(&self.budget)
                .pages()
                .map_ok(move |p| {
                    let items = p.items.into_iter().map(|g| (g.id, g.name)).collect();
                    (page(Kind::SystemGroup, items), p.total)
                })
                .boxed(),
            other => {
                return Err(Error::invalid_request(format!(
                    "groups_of lists user groups or system groups, not {other}s"
                )));
            }
        })
    }

    /// The groups of each of `members` (users, or systems: one kind),
    /// directly or through nested groups, named, with the requests of
    /// whichever way costs fewer:
    ///
    /// - **per member**: each member's member-of listing, one request per
    ///   member (plus one per 100 groups to name them);
    /// - **per group**: the group listing, then each group's membership
    ///   listing once, one request per group however many of its members
    ///   were asked about.
    ///
    /// The way is chosen by counts before reading any membership: the first
    /// page of the group listing (one request, whose groups and names are
    /// used either way) gives the number of groups; with fewer groups than
    /// members asked about, it reads per group. The answer says which way it
    /// took ([`GroupsOf::direction`], [`GroupsOf::reason`]). For the groups
    /// of 5,000 users in an organisation of 300 user groups that is 303
    /// requests, against 5,000 or more one member at a time
    /// (`BENCHMARKS.md`).
    ///
    /// Members are named if they came without names (one request per 100);
    /// names are best-effort, as in every graph answer
    /// ([`GroupsOf::unnamed`]). At most [`concurrency`](Graph::concurrency)
    /// requests at once. Members of kinds other than users and systems,
    /// or of mixed kinds, are refused before any request; no members is an
    /// empty answer without any request.
    ///
    /// ```no_run
    /// # use jumpcloud_ext::prelude::*;
    /// use jumpcloud_ext::filter::search::SearchBody;
    /// use jumpcloud_ext::graph::NodeRef;
    /// # async fn demo(jc: JumpCloud) -> jumpcloud_ext::Result<()> {
    /// // The users of one email domain, with their group names.
    /// let body = SearchBody::new().search("@example.com", ["email"]);
    /// let users = jc.v1().user_search().body(body).try_collect_all().await?;
    /// let nodes = users.iter().filter_map(|u| {
    ///     Some(NodeRef::user(u.id.clone()?).named(u.username.clone()?))
    /// });
    /// let groups = jc.graph().groups_of(nodes).await?;
    /// print!("{groups}"); // "groups of 250 member(s), read per member: …", then "ada: Admins, Engineering"
    /// # Ok(())
    /// # }
    /// ```
    pub async fn groups_of(&self, members: impl IntoIterator<Item = NodeRef>) -> Result<GroupsOf> {
        let mut seen = HashSet::new();
        let mut members: Vec<MemberGroups> = members
            .into_iter()
            .filter(|m| seen.insert(m.clone()))
            .map(|member| MemberGroups {
                member,
                groups: Vec::new(),
            })
            .collect();
        let Some(first) = members.first() else {
            return Ok(GroupsOf {
                members,
                direction: Direction::PerMember,
                group_kind: Kind::UserGroup,
                groups_in_org: 0,
                unnamed: Vec::new(),
            });
        };
        let member_kind = first.member.kind.clone();
        let Some(group_kind) = group_kind_of(&member_kind) else {
            return Err(Error::invalid_request(format!(
                "groups_of reads the groups of users or systems, not of a {member_kind} ({})",
                first.member
            )));
        };
        if let Some(other) = members.iter().find(|m| m.member.kind != member_kind) {
            return Err(Error::invalid_request(format!(
                "groups_of takes members of one kind: {} and {} differ",
                first.member, other.member
            )));
        }

        // The first page of groups: their number, and names either way.
        let mut pages = self.group_pages(&group_kind)?;
        let (mut groups, total) = pages.try_next().await?.unwrap_or_default();
        let groups_in_org = total
            .and_then(|t| usize::try_from(t).ok())
            .unwrap_or(groups.len())
            .max(groups.len());
        // The rest of the group listing costs the same as naming the groups
        // a per-member read finds beyond the first page (at worst), so the
        // counts decide: one listing per group against one per member.
        let direction = if groups_in_org < members.len() {
            Direction::PerGroup
        } else {
            Direction::PerMember
        };
        tracing::debug!(
            members = members.len(),
            groups = groups_in_org,
            %direction,
            "groups_of"
        );

        match direction {
            Direction::PerGroup => {
                while let Some((more, _)) = pages.try_next().await? {
                    groups.extend(more);
                }
                drop(pages);
                let index: HashMap<NodeRef, usize> = members
                    .iter()
                    .enumerate()
                    .map(|(i, m)| (m.member.clone(), i))
                    .collect();
                let streams = groups
                    .iter()
                    .map(|g| self.all_paths(Relation::Membership, g))
                    .collect::<Result<Vec<_>>>()?;
                let lists = collect_all(streams, self.concurrency).await?;
                for (group, reached) in groups.iter().zip(lists) {
                    for r in reached {
                        if let Some(&i) = index.get(&r.node) {
                            members[i].groups.push(group.clone());
                        }
                    }
                }
            }
            Direction::PerMember => {
                drop(pages);
                let known: HashMap<NodeRef, NodeRef> =
                    groups.into_iter().map(|g| (g.clone(), g)).collect();
                let streams = members
                    .iter()
                    .map(|m| self.all_paths(Relation::MemberOf, &m.member))
                    .collect::<Result<Vec<_>>>()?;
                let lists = collect_all(streams, self.concurrency).await?;
                for (m, reached) in members.iter_mut().zip(lists) {
                    m.groups.extend(
                        reached
                            .into_iter()
                            .filter(|r| r.node.kind == group_kind)
                            .map(|r| known.get(&r.node).cloned().unwrap_or(r.node)),
                    );
                }
            }
        }

        let mut unnamed = Vec::new();
        if self.names {
            let names = self
                .names_of(
                    members
                        .iter()
                        .flat_map(|m| std::iter::once(&m.member).chain(&m.groups)),
                )
                .await;
            for m in &mut members {
                names.name(&mut m.member);
                m.groups.iter_mut().for_each(|g| names.name(g));
            }
            unnamed = names.unnamed().to_vec();
        }
        for m in &mut members {
            m.groups
                .sort_by(|a, b| (a.label(), &a.id).cmp(&(b.label(), &b.id)));
            m.groups.dedup();
        }
        Ok(GroupsOf {
            members,
            direction,
            group_kind,
            groups_in_org,
            unnamed,
        })
    }
}
