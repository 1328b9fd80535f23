//! The handle's data helpers beyond plain objects: quick seeding of the main collections,
//! System Insights rows, import listings, and the graph (associations and memberships).

use chrono::Utc;
use serde_json::Value;

use super::error::FakeError;
use super::graph::{Attributes, Graph, GraphKind, GraphNode};
use super::links::{self, Link, LinkOp};
use super::org::FakeOrg;
use super::routes::insights_tables::TABLES;
use super::seed;
use super::state::{Collection, Org};

impl FakeOrg {
    /// Add `n` generated users (see [`FakeOrg::seed`]); their ids.
    pub fn seed_users(&self, n: usize) -> Result<Vec<String>, FakeError> {
        self.seed(Collection::Users, n)
    }

    /// Add `n` generated user groups; their ids.
    pub fn seed_user_groups(&self, n: usize) -> Result<Vec<String>, FakeError> {
        self.seed(Collection::UserGroups, n)
    }

    /// Add `n` generated systems; their ids.
    pub fn seed_systems(&self, n: usize) -> Result<Vec<String>, FakeError> {
        self.seed(Collection::Systems, n)
    }

    /// Add `n` generated system groups; their ids.
    pub fn seed_system_groups(&self, n: usize) -> Result<Vec<String>, FakeError> {
        self.seed(Collection::SystemGroups, n)
    }

    /// Add `rows_per_system` generated rows of System Insights table `table` (e.g. `apps`,
    /// `os_version`, `users`, `uptime`) for each system id given. Rows carry `system_id` and
    /// `collection_time`, plus columns typical of the table. A system id that isn't a system
    /// of this org is a [`FakeError::NotFound`], and nothing is added.
    pub fn seed_insights(
        &self,
        table: &str,
        system_ids: &[String],
        rows_per_system: usize,
    ) -> Result<(), FakeError> {
        self.read(|org| {
            let systems = org.objects(Collection::Systems);
            match system_ids.iter().find(|s| !systems.contains_key(*s)) {
                Some(missing) => Err(FakeError::NotFound(format!("system {missing}"))),
                None => Ok(()),
            }
        })?;
        let now = Utc::now();
        let rows = system_ids.iter().flat_map(|sys| {
            (0..rows_per_system).map(move |i| Value::Object(seed::insight_row(table, sys, i, now)))
        });
        self.insert_insights(table, rows)
    }

    /// Add rows as given (JSON objects, e.g. with a chosen `system_id`) to a System Insights
    /// table; they are served in insertion order.
    pub fn insert_insights(
        &self,
        table: &str,
        rows: impl IntoIterator<Item = Value>,
    ) -> Result<(), FakeError> {
        if !TABLES.contains(&table) {
            return Err(FakeError::NotFound(format!(
                "System Insights table {table:?}"
            )));
        }
        self.write(|org| {
            let stored = org.insights.entry(table.to_owned()).or_default();
            for row in rows {
                if !row.is_object() {
                    return Err(FakeError::InvalidObject(
                        "a row must be a JSON object".into(),
                    ));
                }
                stored.push(row);
            }
            Ok(())
        })
    }

    /// Give the G Suite directory `gsuite_id` (an object of [`Collection::GSuites`]) `n` more
    /// generated users to offer for import.
    pub fn seed_gsuite_import(&self, gsuite_id: &str, n: usize) -> Result<(), FakeError> {
        self.seed_import(Collection::GSuites, gsuite_id, n)
    }

    /// Give the Office 365 directory `office365_id` (an object of [`Collection::Office365s`])
    /// `n` more generated users to offer for import.
    pub fn seed_office365_import(&self, office365_id: &str, n: usize) -> Result<(), FakeError> {
        self.seed_import(Collection::Office365s, office365_id, n)
    }

    fn seed_import(&self, c: Collection, id: &str, n: usize) -> Result<(), FakeError> {
        self.write(|org| import(org, c, id, n))
    }
}

/// Offer `n` more generated users for import from directory `id` of collection `c`.
fn import(org: &mut Org, c: Collection, id: &str, n: usize) -> Result<(), FakeError> {
    if !org.objects(c).contains_key(id) {
        return Err(FakeError::NotFound(format!("{c:?} {id}")));
    }
    let list = match c {
        Collection::GSuites => org.gsuite_imports.entry(id.to_owned()).or_default(),
        _ => org.office365_imports.entry(id.to_owned()).or_default(),
    };
    let first = list.len();
    list.extend((first..first + n).map(|i| seed::import_user(c, i)));
    Ok(())
}

impl FakeOrg {
    /// Associate `a` and `b` (either order), with `attributes` such as
    /// `{"sudo": {"enabled": true, "withoutPassword": false}}` (`None` for none): the same
    /// [`Attributes`] type and `Option` the SDK's `Graph::associate` takes. Checked as the
    /// API checks it: the kinds must be associable, both objects must exist, and the
    /// association must be new.
    pub fn associate(
        &self,
        a: &GraphNode,
        b: &GraphNode,
        attributes: Option<Attributes>,
    ) -> Result<(), FakeError> {
        let attributes = attributes.unwrap_or_default();
        self.link(Link::Association, a, LinkOp::Add, b, attributes)
    }

    /// Remove the association between `a` and `b`.
    pub fn dissociate(&self, a: &GraphNode, b: &GraphNode) -> Result<(), FakeError> {
        let none = Attributes::new();
        self.link(Link::Association, a, LinkOp::Remove, b, none)
    }

    /// Make `member` a member of `group` (a user of a user group, a system of a system group,
    /// a policy of a policy group).
    pub fn add_member(&self, group: &GraphNode, member: &GraphNode) -> Result<(), FakeError> {
        let none = Attributes::new();
        self.link(Link::Membership, group, LinkOp::Add, member, none)
    }

    /// End `member`'s membership of `group`.
    pub fn remove_member(&self, group: &GraphNode, member: &GraphNode) -> Result<(), FakeError> {
        let none = Attributes::new();
        self.link(Link::Membership, group, LinkOp::Remove, member, none)
    }

    /// Change one link of this org's graph as an API call would.
    fn link(
        &self,
        link: Link,
        a: &GraphNode,
        op: LinkOp,
        b: &GraphNode,
        attributes: Attributes,
    ) -> Result<(), FakeError> {
        self.write(|org| Ok(links::change(org, link, a, op, b, attributes)?))
    }

    /// Every direct association of `node`, with its attributes (empty when none), in
    /// (kind, id) order.
    pub fn associations_of(
        &self,
        node: &GraphNode,
    ) -> Result<Vec<(GraphNode, Attributes)>, FakeError> {
        self.read_graph(|g| {
            g.associations(node, &GraphKind::ALL)
                .into_iter()
                .map(|(n, a)| (n.clone(), a.clone()))
                .collect()
        })
    }

    /// The direct members of a group, in (kind, id) order.
    pub fn members_of(&self, group: &GraphNode) -> Result<Vec<GraphNode>, FakeError> {
        self.read_graph(|g| {
            g.members(group)
                .into_iter()
                .map(|(n, _)| n.clone())
                .collect()
        })
    }

    /// The groups `node` is a direct member of.
    pub fn groups_of(&self, node: &GraphNode) -> Result<Vec<GraphNode>, FakeError> {
        self.read_graph(|g| g.groups_of(node).into_iter().cloned().collect())
    }

    /// Reads this org's graph under the lock.
    fn read_graph<T>(&self, f: impl FnOnce(&Graph) -> T) -> Result<T, FakeError> {
        self.read(|org| Ok(f(&org.graph)))
    }
}
