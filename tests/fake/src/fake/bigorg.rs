//! A generated organisation of any size with memberships and bindings, for graph
//! benchmarks and scale tests: built in one pass, linear in its size.

use serde_json::json;

use super::error::FakeError;
use super::graph::{Attributes, Graph, GraphError, GraphNode};
use super::org::FakeOrg;
use super::state::{Collection, Org};

/// The shape of a generated organisation (see [`FakeOrg::seed_big_org`]). Links are
/// spread evenly and deterministically, so every run builds the same graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BigOrg {
    /// Users to create.
    pub users: usize,
    /// User groups to create.
    pub user_groups: usize,
    /// Systems to create; system `j` joins system group `j % system_groups`.
    pub systems: usize,
    /// System groups to create.
    pub system_groups: usize,
    /// User groups each user joins (default 1).
    pub groups_per_user: usize,
    /// Systems each user group is bound to directly (default 2).
    pub systems_per_user_group: usize,
    /// System groups each user group is bound to (default 1).
    pub system_groups_per_user_group: usize,
    /// Every `n`-th user is also bound directly to one system with sudo enabled (default 10;
    /// 0 for none).
    pub direct_binding_every: usize,
}

impl BigOrg {
    /// An organisation of these sizes, with the default link density.
    pub fn new(users: usize, user_groups: usize, systems: usize, system_groups: usize) -> Self {
        Self {
            users,
            user_groups,
            systems,
            system_groups,
            groups_per_user: 1,
            systems_per_user_group: 2,
            system_groups_per_user_group: 1,
            direct_binding_every: 10,
        }
    }
}

impl Default for BigOrg {
    /// The graph benchmark's organisation: 5,000 users, 300 user groups, 20,000 systems and
    /// 200 system groups.
    fn default() -> Self {
        Self::new(5_000, 300, 20_000, 200)
    }
}

/// What [`FakeOrg::seed_big_org`] created: ids in creation (= id) order, and how many
/// links of each sort.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BigOrgIds {
    /// User ids.
    pub users: Vec<String>,
    /// User group ids.
    pub user_groups: Vec<String>,
    /// System ids.
    pub systems: Vec<String>,
    /// System group ids.
    pub system_groups: Vec<String>,
    /// Group memberships created (users in user groups, systems in system groups).
    pub memberships: usize,
    /// Associations created (user group ↔ system, user group ↔ system group, user ↔ system).
    pub associations: usize,
}

/// `count` distinct-ish picks out of `n`, spread from `start`.
fn picks(start: usize, count: usize, n: usize) -> impl Iterator<Item = usize> {
    let stride = (n / count.max(1)).max(1);
    (0..count.min(n)).map(move |k| (start + k * stride) % n.max(1))
}

/// Count a link made; a duplicate (possible with dense settings) is skipped.
fn tally(r: Result<(), GraphError>, n: &mut usize) {
    if r.is_ok() {
        *n += 1;
    }
}

impl FakeOrg {
    /// Generate an organisation shaped by `spec` in this org: users, groups and systems (as
    /// [`FakeOrg::seed`] makes them), user group memberships, system group memberships, user
    /// group bindings to systems and system groups, and some direct user bindings with sudo.
    pub fn seed_big_org(&self, spec: BigOrg) -> Result<BigOrgIds, FakeError> {
        let mut ids = BigOrgIds {
            users: self.seed(Collection::Users, spec.users)?,
            user_groups: self.seed(Collection::UserGroups, spec.user_groups)?,
            systems: self.seed(Collection::Systems, spec.systems)?,
            system_groups: self.seed(Collection::SystemGroups, spec.system_groups)?,
            ..BigOrgIds::default()
        };
        let (memberships, associations) =
            self.write(|org| Ok(link_big_org(&mut org.graph, &spec, &ids)))?;
        ids.memberships = memberships;
        ids.associations = associations;
        Ok(ids)
    }
}

/// Links a generated organisation's objects; how many memberships and associations it made.
fn link_big_org(g: &mut Graph, spec: &BigOrg, ids: &BigOrgIds) -> (usize, usize) {
    let none = Attributes::new;
    let (ug, sg) = (&ids.user_groups, &ids.system_groups);
    let (mut memberships, mut associations) = (0, 0);
    for (i, u) in ids.users.iter().enumerate() {
        let user = GraphNode::user(u.as_str());
        for k in picks(i, spec.groups_per_user, ug.len()) {
            tally(
                g.add_member(&GraphNode::user_group(ug[k].as_str()), &user, none()),
                &mut memberships,
            );
        }
        if spec.direct_binding_every > 0
            && i.is_multiple_of(spec.direct_binding_every)
            && !ids.systems.is_empty()
        {
            let sys = GraphNode::system(ids.systems[i % ids.systems.len()].as_str());
            let sudo = json!({ "enabled": true, "withoutPassword": i % 20 == 0 });
            let mut a = Attributes::new();
            a.insert("sudo".into(), sudo);
            tally(g.associate(&user, &sys, a), &mut associations);
        }
    }
    if !sg.is_empty() {
        for (j, s) in ids.systems.iter().enumerate() {
            tally(
                g.add_member(
                    &GraphNode::system_group(sg[j % sg.len()].as_str()),
                    &GraphNode::system(s.as_str()),
                    none(),
                ),
                &mut memberships,
            );
        }
    }
    for (k, group) in ug.iter().enumerate() {
        let group = GraphNode::user_group(group.as_str());
        for j in picks(k * 31, spec.systems_per_user_group, ids.systems.len()) {
            tally(
                g.associate(&group, &GraphNode::system(ids.systems[j].as_str()), none()),
                &mut associations,
            );
        }
        for j in picks(k, spec.system_groups_per_user_group, sg.len()) {
            tally(
                g.associate(&group, &GraphNode::system_group(sg[j].as_str()), none()),
                &mut associations,
            );
        }
    }
    (memberships, associations)
}

/// Pages needed to read `n` items `page` at a time: an empty listing still costs one request.
fn pages(n: usize, page: usize) -> usize {
    n.div_ceil(page.max(1)).max(1)
}

impl FakeOrg {
    /// The fewest requests that can read every user, user group, system and system group of
    /// this org and every direct edge between two of them, `page` items per request, computed
    /// from the fake's own data: one listing per kind, the members of every group, and for
    /// each pair of associable kinds the associations listed from whichever end costs fewer
    /// pages. The yardstick for a snapshot's request count (benchmarks and scale tests).
    pub fn snapshot_floor(&self, page: usize) -> Result<usize, FakeError> {
        self.read(|org| Ok(floor(org, page)))
    }
}

/// See [`FakeOrg::snapshot_floor`].
fn floor(org: &Org, page: usize) -> usize {
    use super::graph::GraphKind as K;
    const KINDS: [K; 4] = [K::User, K::UserGroup, K::System, K::SystemGroup];
    let nodes = |k: K| -> Vec<GraphNode> {
        k.collection()
            .map(|c| {
                org.objects(c)
                    .keys()
                    .map(|id| GraphNode::new(k, id))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut floor = 0;
    for k in KINDS {
        let of_kind = nodes(k);
        floor += pages(of_kind.len(), page);
        if let Some(m) = k.member_kind().filter(|m| KINDS.contains(m)) {
            floor += of_kind
                .iter()
                .map(|g| {
                    let n = org
                        .graph
                        .members(g)
                        .into_iter()
                        .filter(|(n, _)| n.kind == m);
                    pages(n.count(), page)
                })
                .sum::<usize>();
        }
    }
    let listing_cost = |from: K, to: K| -> usize {
        nodes(from)
            .iter()
            .map(|n| pages(org.graph.associations(n, &[to]).len(), page))
            .sum()
    };
    for (i, &a) in KINDS.iter().enumerate() {
        for &b in &KINDS[i..] {
            if a.can_associate(b) {
                floor += listing_cost(a, b).min(listing_cost(b, a));
            }
        }
    }
    floor
}
