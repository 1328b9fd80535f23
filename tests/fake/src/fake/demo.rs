//! The demo organisation: a small, realistic tenant for examples and walkthroughs.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::demo_graph as graph;

use super::error::FakeError;
use super::ids::IdGen;
use super::seed;
use super::state::{Collection, Org};

/// API key of the demo organisation.
pub const DEMO_API_KEY: &str = "jc-demo-key";
/// Service-account client id of the demo organisation.
pub const DEMO_CLIENT_ID: &str = "demo-client";
/// Service-account client secret of the demo organisation.
pub const DEMO_CLIENT_SECRET: &str = "demo-secret";
/// Id of the demo organisation.
pub const DEMO_ORG_ID: &str = "64d3f0a1b2c3d4e5f6a7b8c9";
/// Username of the demo user who reaches one system ([`DEMO_TWO_PATH_SYSTEM`]) through two
/// different user groups (Engineering → Linux Servers, and IT Admins directly).
pub const DEMO_TWO_PATH_USERNAME: &str = "ada.almeida0";
/// Display name of the system [`DEMO_TWO_PATH_USERNAME`] reaches through two groups.
pub const DEMO_TWO_PATH_SYSTEM: &str = "lnx-002";
/// Name two demo user groups share (the second, created last, is empty),
/// so that lookups by name meet an ambiguous name as they can in JumpCloud.
pub const DEMO_DUPLICATE_GROUP: &str = "Contractors";
/// Display name of the demo organisation.
pub(crate) const DEMO_ORG_NAME: &str = "Demo Org";

const USERS: usize = 25;
const SYSTEMS: usize = 12;
const EVENTS: usize = 240;
const USER_GROUPS: [(&str, &str); 4] = [
    ("Engineering", "Everyone who ships code"),
    ("Sales", "Account executives and sales engineers"),
    ("IT Admins", "People who manage devices and access"),
    ("Contractors", "Time-limited outside staff"),
];
const SYSTEM_GROUPS: [(&str, &str); 3] = [
    ("macOS Fleet", "Company laptops running macOS"),
    ("Windows Fleet", "Company laptops running Windows"),
    ("Linux Servers", "Build and infrastructure hosts"),
];

fn named(name: &str, description: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert("description".into(), json!(description));
    m
}

/// Fill `org` with the demo data set: objects, then the graph (see [`graph`]).
pub(crate) fn seed(org: &mut Org, ids: &IdGen, now: DateTime<Utc>) -> Result<(), FakeError> {
    let create = |org: &mut Org, c: Collection, input: &Map<String, Value>| {
        org.create(c, input, || ids.next(), now)
    };
    let mut made = Made::default();
    for i in 0..USERS {
        made.users
            .push(create(org, Collection::Users, &seed::user(i))?);
    }
    for (name, description) in USER_GROUPS {
        let id = create(org, Collection::UserGroups, &named(name, description))?;
        made.user_groups.push(id);
    }
    for i in 0..SYSTEMS {
        made.systems
            .push(create(org, Collection::Systems, &seed::system(i, now))?);
    }
    for (name, description) in SYSTEM_GROUPS {
        let id = create(org, Collection::SystemGroups, &named(name, description))?;
        made.system_groups.push(id);
    }
    for i in 0..EVENTS {
        create(org, Collection::Events, &seed::event(i, now))?;
    }
    for (c, name) in RESOURCES {
        made.resources.push(create(org, c, &named(name, ""))?);
    }
    let command = made.resource(Collection::Commands, 0);
    for (i, system) in made.systems.iter().enumerate().take(4) {
        let mut result = named("Update packages", "");
        result.insert("workflowId".into(), json!(command));
        result.insert("system".into(), json!(format!("lnx-{i:03}")));
        result.insert("systemId".into(), json!(system));
        create(org, Collection::CommandResults, &result)?;
    }
    made.user_groups
        .push(duplicate_group(org, ids, now, DEMO_DUPLICATE_GROUP)?);
    graph::seed(org, &made)?;
    extras(org, &made, now);
    Ok(())
}

/// A second user group named `name`. The fake's `POST /usergroups` keeps
/// names unique, so it is stored under a placeholder and renamed.
fn duplicate_group(
    org: &mut Org,
    ids: &IdGen,
    now: DateTime<Utc>,
    name: &str,
) -> Result<String, FakeError> {
    let placeholder = format!("{name} (second)");
    let input = named(&placeholder, "Contractors of the acquired company");
    let id = org.create(Collection::UserGroups, &input, || ids.next(), now)?;
    if let Some(Value::Object(group)) = org.objects_mut(Collection::UserGroups).get_mut(&id) {
        group.insert("name".into(), json!(name));
    }
    Ok(id)
}

/// Ids of what the demo created, for wiring the graph.
#[derive(Debug, Default)]
pub(crate) struct Made {
    pub(crate) users: Vec<String>,
    pub(crate) user_groups: Vec<String>,
    pub(crate) systems: Vec<String>,
    pub(crate) system_groups: Vec<String>,
    /// Ids of [`RESOURCES`], in order.
    pub(crate) resources: Vec<String>,
}

impl Made {
    /// The id of the `n`-th demo resource of collection `c`.
    pub(crate) fn resource(&self, c: Collection, n: usize) -> String {
        RESOURCES
            .iter()
            .zip(&self.resources)
            .filter(|((rc, _), _)| *rc == c)
            .nth(n)
            .map(|(_, id)| id.clone())
            .unwrap_or_default()
    }
}

/// The demo's directory resources besides users, systems and groups.
pub(crate) const RESOURCES: [(Collection, &str); 10] = [
    (Collection::Applications, "Slack"),
    (Collection::Applications, "GitHub"),
    (Collection::Applications, "Salesforce"),
    (Collection::RadiusServers, "Office Wi-Fi"),
    (Collection::LdapServers, "Corp LDAP"),
    (Collection::GSuites, "Google Workspace"),
    (Collection::Office365s, "Microsoft 365"),
    (Collection::Policies, "Disk Encryption"),
    (Collection::Commands, "Update packages"),
    (Collection::PolicyGroups, "Baseline Policies"),
];

/// System Insights rows for every system, and users the cloud directories offer to import.
fn extras(org: &mut Org, made: &Made, now: DateTime<Utc>) {
    for (table, per_system) in [("apps", 3), ("os_version", 1), ("uptime", 1), ("users", 2)] {
        let rows = org.insights.entry(table.to_owned()).or_default();
        for system in &made.systems {
            for i in 0..per_system {
                rows.push(Value::Object(seed::insight_row(table, system, i, now)));
            }
        }
    }
    let gsuite = made.resource(Collection::GSuites, 0);
    let users = (0..30)
        .map(|i| seed::import_user(Collection::GSuites, i))
        .collect();
    org.gsuite_imports.insert(gsuite, users);
    let office = made.resource(Collection::Office365s, 0);
    let users = (0..30)
        .map(|i| seed::import_user(Collection::Office365s, i))
        .collect();
    org.office365_imports.insert(office, users);
}
