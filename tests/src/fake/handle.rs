//! The handle's data helpers beyond plain objects: quick seeding of the main collections,
//! System Insights rows, import listings, and the graph (associations and memberships).

use chrono::Utc;
use serde_json::Value;

use super::error::FakeError;
use super::graph::{Attributes, Graph, GraphNode};
use super::links::{self, Link, LinkOp};
use super::routes::insights_tables::TABLES;
use super::seed;
use super::server::FakeJumpCloud;
use super::state::{Collection, Data, lock};

impl FakeJumpCloud {
    /// Add `n` generated users to the default org (see [`FakeJumpCloud::seed`]); their ids.
    pub fn seed_users(&self, n: usize) -> Result<Vec<String>, FakeError> {
        self.seed(self.default_org(), Collection::Users, n)
    }

    /// Add `n` generated user groups to the default org; their ids.
    pub fn seed_user_groups(&self, n: usize) -> Result<Vec<String>, FakeError> {
        self.seed(self.default_org(), Collection::UserGroups, n)
    }

    /// Add `n` generated systems to the default org; their ids.
    pub fn seed_systems(&self, n: usize) -> Result<Vec<String>, FakeError> {
        self.seed(self.default_org(), Collection::Systems, n)
    }

    /// Add `n` generated system groups to the default org; their ids.
    pub fn seed_system_groups(&self, n: usize) -> Result<Vec<String>, FakeError> {
        self.seed(self.default_org(), Collection::SystemGroups, n)
    }

    /// Add `rows_per_system` generated rows of System Insights table `table` (e.g. `apps`,
    /// `os_version`, `users`, `uptime`) for each system id given. Rows carry `system_id` and
    /// `collection_time`, plus columns typical of the table. A system id that isn't a system
    /// of `org` is a [`FakeError::NotFound`], and nothing is added.
    pub fn seed_insights(
        &self,
        org: &str,
        table: &str,
        system_ids: &[String],
        rows_per_system: usize,
    ) -> Result<(), FakeError> {
        {
            let data = lock(&self.shared.data);
            let systems = data.org(org)?.objects(Collection::Systems);
            if let Some(missing) = system_ids.iter().find(|s| !systems.contains_key(*s)) {
                return Err(FakeError::NotFound(format!("system {missing}")));
            }
        }
        let now = Utc::now();
        let rows = system_ids.iter().flat_map(|sys| {
            (0..rows_per_system).map(move |i| Value::Object(seed::insight_row(table, sys, i, now)))
        });
        self.insert_insights(org, table, rows)
    }

    /// Add rows as given (JSON objects, e.g. with a chosen `system_id`) to a System Insights
    /// table; they are served in insertion order.
    pub fn insert_insights(
        &self,
        org: &str,
        table: &str,
        rows: impl IntoIterator<Item = Value>,
    ) -> Result<(), FakeError> {
        if !TABLES.contains(&table) {
            return Err(FakeError::NotFound(format!(
                "System Insights table {table:?}"
            )));
        }
        let mut data = lock(&self.shared.data);
        let org = data.org_mut(org)?;
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
    }

    /// Give the G Suite directory `gsuite_id` (an object of [`Collection::GSuites`]) `n` more
    /// generated users to offer for import.
    pub fn seed_gsuite_import(
        &self,
        org: &str,
        gsuite_id: &str,
        n: usize,
    ) -> Result<(), FakeError> {
        self.seed_import(org, Collection::GSuites, gsuite_id, n)
    }

    /// Give the Office 365 directory `office365_id` (an object of [`Collection::Office365s`])
    /// `n` more generated users to offer for import.
    pub fn seed_office365_import(
        &self,
        org: &str,
        office365_id: &str,
        n: usize,
    ) -> Result<(), FakeError> {
        self.seed_import(org, Collection::Office365s, office365_id, n)
    }

    fn seed_import(&self, org: &str, c: Collection, id: &str, n: usize) -> Result<(), FakeError> {
        let mut data = lock(&self.shared.data);
        let org = data.org_mut(org)?;
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

    fn with_data<T>(
        &self,
        f: impl FnOnce(&mut Data) -> Result<T, FakeError>,
    ) -> Result<T, FakeError> {
        f(&mut lock(&self.shared.data))
    }

    /// Associate `a` and `b` (either order), with `attributes` (a JSON object such as
    /// `{"sudo": {"enabled": true, "withoutPassword": false}}`, or `Value::Null`). Checked as
    /// the API checks it: the kinds must be associable, both objects must exist, and the
    /// association must be new.
    pub fn associate(
        &self,
        org: &str,
        a: &GraphNode,
        b: &GraphNode,
        attributes: Value,
    ) -> Result<(), FakeError> {
        let attributes = links::attributes(Some(&attributes))?;
        self.link(org, Link::Association, a, LinkOp::Add, b, attributes)
    }

    /// Remove the association between `a` and `b`.
    pub fn dissociate(&self, org: &str, a: &GraphNode, b: &GraphNode) -> Result<(), FakeError> {
        let none = Attributes::new();
        self.link(org, Link::Association, a, LinkOp::Remove, b, none)
    }

    /// Make `member` a member of `group` (a user of a user group, a system of a system group,
    /// a policy of a policy group).
    pub fn add_member(
        &self,
        org: &str,
        group: &GraphNode,
        member: &GraphNode,
    ) -> Result<(), FakeError> {
        let none = Attributes::new();
        self.link(org, Link::Membership, group, LinkOp::Add, member, none)
    }

    /// End `member`'s membership of `group`.
    pub fn remove_member(
        &self,
        org: &str,
        group: &GraphNode,
        member: &GraphNode,
    ) -> Result<(), FakeError> {
        let none = Attributes::new();
        self.link(org, Link::Membership, group, LinkOp::Remove, member, none)
    }

    /// Change one link of `org`'s graph as an API call would.
    fn link(
        &self,
        org: &str,
        link: Link,
        a: &GraphNode,
        op: LinkOp,
        b: &GraphNode,
        attributes: Attributes,
    ) -> Result<(), FakeError> {
        self.with_data(|d| Ok(links::change(d.org_mut(org)?, link, a, op, b, attributes)?))
    }

    /// Every direct association of `node`, with its attributes (`Value::Null` when none), in
    /// (kind, id) order.
    pub fn associations_of(
        &self,
        org: &str,
        node: &GraphNode,
    ) -> Result<Vec<(GraphNode, Value)>, FakeError> {
        self.read_graph(org, |g| {
            g.associations(node, &super::graph::GraphKind::ALL)
                .into_iter()
                .map(|(n, a)| {
                    let a = if a.is_empty() {
                        Value::Null
                    } else {
                        Value::Object(a.clone())
                    };
                    (n.clone(), a)
                })
                .collect()
        })
    }

    /// The direct members of a group, in (kind, id) order.
    pub fn members_of(&self, org: &str, group: &GraphNode) -> Result<Vec<GraphNode>, FakeError> {
        self.read_graph(org, |g| {
            g.members(group)
                .into_iter()
                .map(|(n, _)| n.clone())
                .collect()
        })
    }

    /// The groups `node` is a direct member of.
    pub fn groups_of(&self, org: &str, node: &GraphNode) -> Result<Vec<GraphNode>, FakeError> {
        self.read_graph(org, |g| g.groups_of(node).into_iter().cloned().collect())
    }

    /// Reads `org`'s graph under the lock.
    fn read_graph<T>(&self, org: &str, f: impl FnOnce(&Graph) -> T) -> Result<T, FakeError> {
        self.with_data(|d| Ok(f(&d.org(org)?.graph)))
    }
}
