//! The demo organisation's graph: who is in which group and what each group is bound to.
//!
//! - Users 0–7 are in Engineering, 8–13 in Sales, 14–16 in IT Admins, 17–19 in Contractors;
//!   user 0 is in IT Admins too.
//! - Systems join the fleet of their OS (`mac-…` macOS Fleet, `win-…` Windows Fleet,
//!   `lnx-…` Linux Servers).
//! - Engineering is bound to Linux Servers with sudo and to macOS Fleet; IT Admins to
//!   Windows Fleet and directly to `lnx-002` with password-less sudo. So user 0 reaches
//!   `lnx-002` through two groups: Engineering → Linux Servers → lnx-002, and IT Admins →
//!   lnx-002.
//! - User 1 is bound directly to `mac-000` with sudo.
//! - Slack is bound to Engineering and Sales, GitHub to Engineering, Salesforce to Sales;
//!   the RADIUS server to Engineering and IT Admins, the LDAP server to IT Admins, Google
//!   Workspace to Sales, Microsoft 365 to Contractors; the Disk Encryption policy (in the
//!   Baseline Policies group) to macOS Fleet; the Update packages command to Linux Servers.

use serde_json::json;

use super::demo::Made;
use super::error::FakeError;
use super::graph::{Attributes, GraphKind, GraphNode};
use super::links::{self, Link, LinkOp};
use super::state::{Collection, Org};

fn sudo(without_password: bool) -> Attributes {
    let mut a = Attributes::new();
    a.insert(
        "sudo".into(),
        json!({ "enabled": true, "withoutPassword": without_password }),
    );
    a
}

fn kind(c: Collection) -> GraphKind {
    GraphKind::of_collection(c).unwrap_or(GraphKind::User)
}

/// Wire the demo's graph.
pub(crate) fn seed(org: &mut Org, made: &Made) -> Result<(), FakeError> {
    let user = |i: usize| GraphNode::user(made.users[i].as_str());
    let ug = |i: usize| GraphNode::user_group(made.user_groups[i].as_str());
    let sys = |i: usize| GraphNode::system(made.systems[i].as_str());
    let sg = |i: usize| GraphNode::system_group(made.system_groups[i].as_str());
    let res = |c: Collection, n: usize| GraphNode::new(kind(c), made.resource(c, n));
    let (eng, sales, it, contractors) = (ug(0), ug(1), ug(2), ug(3));
    let (mac, win, linux) = (sg(0), sg(1), sg(2));

    let mut members: Vec<(GraphNode, GraphNode)> = Vec::new();
    for i in 0..20 {
        let group = match i {
            0..=7 => &eng,
            8..=13 => &sales,
            14..=16 => &it,
            _ => &contractors,
        };
        members.push((group.clone(), user(i)));
    }
    members.push((it.clone(), user(0)));
    for i in 0..made.systems.len() {
        let fleet = [&mac, &win, &linux][i % 3];
        members.push((fleet.clone(), sys(i)));
    }
    members.push((
        res(Collection::PolicyGroups, 0),
        res(Collection::Policies, 0),
    ));
    for (group, member) in &members {
        let none = Attributes::new();
        links::change(org, Link::Membership, group, LinkOp::Add, member, none)?;
    }

    let none = Attributes::new;
    let bindings: Vec<(GraphNode, GraphNode, Attributes)> = vec![
        (eng.clone(), linux.clone(), sudo(false)),
        (eng.clone(), mac.clone(), none()),
        (it.clone(), win.clone(), none()),
        (it.clone(), sys(2), sudo(true)),
        (user(1), sys(0), sudo(false)),
        (res(Collection::Applications, 0), eng.clone(), none()),
        (res(Collection::Applications, 0), sales.clone(), none()),
        (res(Collection::Applications, 1), eng.clone(), none()),
        (res(Collection::Applications, 2), sales.clone(), none()),
        (res(Collection::RadiusServers, 0), eng.clone(), none()),
        (res(Collection::RadiusServers, 0), it.clone(), none()),
        (res(Collection::LdapServers, 0), it.clone(), none()),
        (res(Collection::GSuites, 0), sales.clone(), none()),
        (res(Collection::Office365s, 0), contractors, none()),
        (res(Collection::Policies, 0), mac, none()),
        (res(Collection::Commands, 0), linux, none()),
    ];
    for (a, b, attributes) in bindings {
        links::change(org, Link::Association, &a, LinkOp::Add, &b, attributes)?;
    }
    Ok(())
}
