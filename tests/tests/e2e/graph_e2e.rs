//! The graph API end to end against the fake JumpCloud's demo organisation
//! on 127.0.0.1: two paths to one system, access questions, plans applied
//! (with a partial failure, and again with no effect), an impossible
//! relation refused before any request, offboarding (which suspends only
//! after every removal succeeded, unless asked to anyway), a snapshot.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use futures::TryStreamExt;
use futures::stream::BoxStream;
use jumpcloud_ext::graph::{
    Attributes, Desired, Kind, LinkOp, NodeRef, Outcome, Snapshot, named_kinds,
};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{
    BigOrg, Collection, DEFAULT_API_KEY, DEMO_TWO_PATH_SYSTEM, DEMO_TWO_PATH_USERNAME,
    FakeJumpCloud, Fault,
};
use serde_json::{Value, json};

struct Demo {
    fake: FakeJumpCloud,
    jc: JumpCloud,
}

async fn demo() -> Demo {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let jc = common::demo_client(&fake);
    Demo { fake, jc }
}

/// A client of the fake's default organisation.
fn default_client(fake: &FakeJumpCloud) -> JumpCloud {
    JumpCloud::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .build()
        .unwrap()
}

impl Demo {
    /// The id of the object of `c` whose `field` is `value`.
    fn id(&self, c: Collection, field: &str, value: &str) -> String {
        let org = self.fake.default_org_id().to_owned();
        let objects = self.fake.org(&org).objects(c).unwrap();
        let found = objects
            .iter()
            .find(|o| o[field] == value)
            .unwrap_or_else(|| panic!("no {field} = {value}"));
        found["_id"]
            .as_str()
            .or(found["id"].as_str())
            .unwrap()
            .to_string()
    }

    fn ada(&self) -> NodeRef {
        NodeRef::user(self.id(Collection::Users, "username", DEMO_TWO_PATH_USERNAME))
    }

    fn lnx_002(&self) -> NodeRef {
        NodeRef::system(self.id(Collection::Systems, "displayName", DEMO_TWO_PATH_SYSTEM))
    }

    fn user_group(&self, name: &str) -> NodeRef {
        NodeRef::user_group(self.id(Collection::UserGroups, "name", name))
    }
}

fn sudo(without_password: bool) -> Attributes {
    json!({"sudo": {"enabled": true, "withoutPassword": without_password}})
        .as_object()
        .unwrap()
        .clone()
}

/// A snapshot of users, systems and their groups, `concurrency` requests at a time.
async fn people_and_machines(jc: &JumpCloud, concurrency: usize) -> Snapshot {
    let kinds = [Kind::User, Kind::UserGroup, Kind::System, Kind::SystemGroup];
    jc.graph()
        .concurrency(concurrency)
        .snapshot(&kinds)
        .await
        .unwrap()
}

/// Every item of a graph listing that must succeed.
async fn all<T>(listing: jumpcloud_ext::Result<BoxStream<'_, jumpcloud_ext::Result<T>>>) -> Vec<T> {
    listing.unwrap().try_collect().await.unwrap()
}

#[tokio::test]
async fn a_user_reaches_one_system_through_two_groups() {
    let d = demo().await;
    let (ada, lnx) = (d.ada(), d.lnx_002());
    let systems: Vec<_> = all(d.jc.graph().reachable(&ada, Kind::System)).await;
    let reached = systems
        .iter()
        .find(|r| r.node == lnx)
        .expect("ada reaches lnx-002");
    assert_eq!(reached.paths.len(), 2, "{reached:#?}");
    let vias: Vec<Vec<&NodeRef>> = reached.via();
    let (eng, it) = (d.user_group("Engineering"), d.user_group("IT Admins"));
    assert!(vias.iter().any(|v| v.first() == Some(&&eng)), "{vias:?}");
    assert!(vias.iter().any(|v| v.first() == Some(&&it)), "{vias:?}");
    assert!(
        reached.compiled_attributes.contains_key("sudo"),
        "{reached:#?}"
    );

    let users = d.jc.graph().who_can_reach(&lnx).await.unwrap();
    let ada_paths = users.iter().find(|r| r.node == ada).unwrap();
    assert_eq!(ada_paths.paths.len(), 2);
}

#[tokio::test]
async fn access_of_groups_every_reachable_resource_by_kind() {
    let d = demo().await;
    let ada = d.ada();
    let access = d.jc.graph().concurrency(3).access_of(&ada).await.unwrap();
    for kind in [
        Kind::System,
        Kind::SystemGroup,
        Kind::Application,
        Kind::RadiusServer,
        Kind::LdapServer,
    ] {
        assert!(access.by_kind.contains_key(&kind), "{kind}: {access}");
    }
    let lnx = access.get(&d.lnx_002()).unwrap();
    assert_eq!(lnx.paths.len(), 2);
    let text = access.to_string();
    assert!(text.contains("via user_group"), "{text}");
}

#[tokio::test]
async fn an_impossible_relation_never_reaches_the_server() {
    let d = demo().await;
    d.fake.clear_requests();
    let g = d.jc.graph();
    let e = g.members(&d.ada()).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let e = g.associations(&d.lnx_002(), Kind::System).err().unwrap();
    assert!(e.to_string().contains("from system to system"), "{e}");
    let e = g
        .add_member(&d.user_group("Sales"), &d.lnx_002(), None)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_eq!(d.fake.request_count(), 0);
}

#[tokio::test]
async fn members_plan_applies_once_then_changes_nothing() {
    let d = demo().await;
    let g = d.jc.graph();
    let contractors = d.user_group("Contractors");
    let before: Vec<_> = all(g.members(&contractors)).await;
    assert_eq!(before.len(), 3);
    // Keep the first contractor, drop the others, add Ada.
    let desired = vec![before[0].node.clone(), d.ada()];
    let plan = g.plan_members(&contractors, desired.clone()).await.unwrap();
    assert_eq!(
        (plan.count(LinkOp::Add), plan.count(LinkOp::Remove)),
        (1, 2),
        "{plan}"
    );
    let report = g.apply(&plan).await;
    assert!(report.is_success(), "{report}");
    assert_eq!(report.done(), 3);
    let after: Vec<NodeRef> = g
        .members(&contractors)
        .unwrap()
        .map_ok(|c| c.node)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(after.len(), 2);
    assert!(after.contains(&d.ada()));
    // The same plan again: every write finds its work done.
    let again = g.apply(&plan).await;
    assert!(again.is_success(), "{again}");
    assert_eq!(again.done(), 0);
    assert!(
        again
            .results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::Unchanged))
    );
    // And a fresh plan is empty.
    let replanned = g.plan_members(&contractors, desired).await.unwrap();
    assert!(replanned.is_empty(), "{replanned}");
}

#[tokio::test]
async fn a_failed_write_does_not_hide_the_others() {
    let d = demo().await;
    let g = d.jc.graph();
    let user1 = NodeRef::user(
        d.fake
            .default_org()
            .objects(Collection::Users)
            .unwrap()
            .iter()
            .find(|u| {
                u["username"] != DEMO_TWO_PATH_USERNAME
                    && u["username"].as_str().is_some_and(|n| n.ends_with('1'))
            })
            .map(|u| u["_id"].as_str().unwrap().to_string())
            .unwrap(),
    );
    let current: Vec<_> = all(g.associations(&user1, Kind::System)).await;
    let mut desired: Vec<Desired> = current
        .iter()
        .map(|c| Desired::with_attributes(c.node.clone(), sudo(true)))
        .collect();
    desired.push(Desired::from(d.lnx_002()));
    desired.push(Desired::from(NodeRef::system("0123456789abcdef01234567")));
    let plan = g
        .plan_associations(&user1, Kind::System, desired)
        .await
        .unwrap();
    assert_eq!(plan.count(LinkOp::Add), 2, "{plan}");
    let report = g.apply(&plan).await;
    let failures: Vec<_> = report.failures().collect();
    assert_eq!(failures.len(), 1, "{report}");
    assert_eq!(failures[0].0.change.target.id, "0123456789abcdef01234567");
    assert_eq!(report.done(), plan.len() - 1, "{report}");
    let now: Vec<_> = all(g.associations(&user1, Kind::System)).await;
    assert!(now.iter().any(|c| c.node == d.lnx_002()));
    assert!(
        now.iter()
            .all(|c| c.attributes.get("sudo").is_some() || c.node == d.lnx_002())
    );
}

#[tokio::test]
async fn offboarding_reports_in_dry_run_then_removes_and_suspends() {
    let d = demo().await;
    let g = d.jc.graph();
    let ada = d.ada();
    d.fake.clear_requests();
    let dry = common::dry_offboard(&d.jc, ada.clone()).await;
    assert_eq!(dry.plan.count(LinkOp::Remove), 2, "{dry}");
    let text = dry.to_string();
    // Names read, ids one `{:#}` away.
    assert!(
        text.contains("- user_group Engineering -[members]-> user "),
        "{text}"
    );
    let with_ids = format!("{dry:#}");
    assert!(
        with_ids.contains(&d.user_group("Engineering").id),
        "{with_ids}"
    );
    assert!(
        d.fake
            .requests()
            .iter()
            .all(|r| r.method == "GET" || r.path.starts_with("/api/search/")),
        "a dry run writes nothing (searches only read the names)"
    );

    let done = g.offboard(ada.clone()).suspend(true).run().await.unwrap();
    assert!(done.is_success(), "{done}");
    let groups: Vec<_> = all(g.member_of(&ada)).await;
    assert!(groups.is_empty(), "{groups:?}");
    let systems: Vec<_> = all(g.reachable(&ada, Kind::System)).await;
    assert!(systems.is_empty(), "{systems:?}");
    let user = d.jc.v1().user_get().id(ada.id.clone()).run().await.unwrap();
    assert_eq!(user.suspended, Some(true));
}

/// A removal that fails stops the offboarding before the suspension: the
/// user stays active and the report says so. With
/// `suspend_even_if_removals_fail(true)` the user is suspended all the same.
#[tokio::test]
async fn a_failed_removal_withholds_the_suspension_unless_asked_to_go_on() {
    for anyway in [false, true] {
        let d = demo().await;
        let ada = d.ada();
        // One of ada's two group removals is refused; 403 is never resent.
        d.fake.faults().push(
            Fault::status(403)
                .on_writes()
                .on_path("/api/v2/usergroups/"),
        );
        let report =
            d.jc.graph()
                .offboard(ada.clone())
                .suspend(true)
                .suspend_even_if_removals_fail(anyway)
                .run()
                .await
                .unwrap();
        let applied = report.applied.as_ref().unwrap();
        assert_eq!(applied.failures().count(), 1, "{report}");
        assert_eq!(applied.done(), 1, "the other removal went ahead: {report}");
        assert!(!report.is_success(), "{report}");
        let user = d.jc.v1().user_get().id(ada.id.clone()).run().await.unwrap();
        let text = report.to_string();
        if anyway {
            assert!(!report.suspension_withheld);
            assert!(matches!(report.suspended, Some(Ok(_))), "{text}");
            assert_eq!(user.suspended, Some(true), "{text}");
        } else {
            assert!(report.suspension_withheld);
            assert!(report.suspended.is_none(), "{text}");
            assert_ne!(user.suspended, Some(true), "{text}");
            assert!(text.contains("NOT suspended"), "{text}");
            assert!(
                d.fake.requests().iter().all(|r| r.method != "PUT"),
                "no suspension was sent"
            );
        }
    }
}

#[tokio::test]
async fn snapshot_draws_the_demo_organisation() {
    let d = demo().await;
    let snap = people_and_machines(&d.jc, 4).await;
    assert!(
        snap.nodes
            .iter()
            .any(|n| n.name.as_deref() == Some(DEMO_TWO_PATH_SYSTEM))
    );
    let eng = d.user_group("Engineering");
    assert!(snap.edges.iter().any(|e| e.from == eng && e.to == d.ada()));
    let dot = snap.to_dot();
    assert!(dot.starts_with("digraph"));
    assert!(dot.contains(DEMO_TWO_PATH_SYSTEM));
    assert!(snap.to_mermaid().contains("Engineering (user_group)"));
    let json: Value = serde_json::from_str(&snap.to_json()).unwrap();
    assert_eq!(json["nodes"].as_array().unwrap().len(), snap.nodes.len());
    // Edge ends are named from the listed nodes, ids kept.
    let edge = snap
        .edges
        .iter()
        .find(|e| e.from == eng && e.to == d.ada())
        .unwrap();
    assert_eq!(edge.from.name.as_deref(), Some("Engineering"));
    assert_eq!(edge.to.name.as_deref(), Some(DEMO_TWO_PATH_USERNAME));
    assert!(json["edges"][0]["from"]["id"].is_string());
}

/// Listing each pair's associations from the end with fewer nodes keeps a
/// snapshot at the fewest requests the page sizes allow: reading the
/// user–system bindings from the 1,000 systems instead of the 250 users
/// would cost five times as many.
#[tokio::test]
async fn a_snapshot_costs_no_more_than_a_tenth_over_the_fewest_requests() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let made = fake
        .org(&org)
        .seed_big_org(BigOrg::new(250, 30, 1_000, 20))
        .unwrap();
    let jc = default_client(&fake);
    fake.clear_requests();
    let snap = people_and_machines(&jc, 4).await;
    let requests = fake.request_count();
    let floor = fake.org(&org).snapshot_floor(100).unwrap();
    assert!(
        requests * 10 <= floor * 11,
        "{requests} requests, floor {floor}"
    );
    assert_eq!(snap.nodes.len(), 250 + 30 + 1_000 + 20);
    assert_eq!(snap.edges.len(), made.memberships + made.associations);
    let sudo = snap
        .edges
        .iter()
        .filter(|e| e.attributes.contains_key("sudo"))
        .count();
    assert_eq!(sudo, 25, "every tenth user is bound with sudo");
}

/// Every kind with a listing comes into a snapshot named, Google Workspace
/// and Microsoft 365 included (they are listed through `/directories`), and
/// every edge end of a listed kind is one of the listed nodes.
#[tokio::test]
async fn a_snapshot_of_every_kind_names_applications_directories_and_commands() {
    let d = demo().await;
    let snap = d.jc.graph().snapshot(Kind::ALL).await.unwrap();
    let name_of = |kind: Kind| {
        snap.nodes
            .iter()
            .filter(|n| n.node.kind == kind)
            .filter_map(|n| n.name.clone())
            .collect::<Vec<_>>()
    };
    assert!(name_of(Kind::Application).contains(&"Slack".to_string()));
    assert_eq!(name_of(Kind::GSuite), ["Google Workspace"]);
    assert_eq!(name_of(Kind::Office365), ["Microsoft 365"]);
    assert_eq!(name_of(Kind::LdapServer), ["Corp LDAP"]);
    assert_eq!(name_of(Kind::RadiusServer), ["Office Wi-Fi"]);
    assert_eq!(name_of(Kind::Command), ["Update packages"]);
    assert_eq!(name_of(Kind::Policy), ["Disk Encryption"]);
    let listed: std::collections::BTreeSet<&NodeRef> = snap.nodes.iter().map(|n| &n.node).collect();
    for e in &snap.edges {
        for end in [&e.from, &e.to] {
            if named_kinds().any(|k| k == &end.kind) {
                assert!(
                    listed.contains(end),
                    "{end} is an edge end but was not listed"
                );
            }
        }
    }
    let workspace = snap
        .nodes
        .iter()
        .find(|n| n.node.kind == Kind::GSuite)
        .unwrap();
    let sales = d.user_group("Sales");
    assert!(snap.edges.iter().any(|e| {
        [&e.from, &e.to] == [&workspace.node, &sales]
            || [&e.from, &e.to] == [&sales, &workspace.node]
    }));
    assert!(snap.to_mermaid().contains("Google Workspace (g_suite)"));
}

/// A snapshot fans out listings of several pages each; the graph's
/// concurrency bounds the requests of all of them together.
#[tokio::test]
async fn a_graph_keeps_to_its_concurrency_in_all() {
    let fake = common::slow_fake(std::time::Duration::from_millis(10)).await;
    let org = fake.default_org_id().to_owned();
    // One group of each kind: its members take three pages.
    fake.org(&org)
        .seed_big_org(BigOrg::new(250, 1, 250, 1))
        .unwrap();
    let jc = default_client(&fake);
    let snap = people_and_machines(&jc, 3).await;
    assert_eq!(snap.nodes.len(), 250 + 1 + 250 + 1);
    assert_eq!(fake.max_in_flight(), 3);
}

/// One `/directories` listing answers what the four per-kind directory
/// traversals answer, for a user and for a user group.
#[tokio::test]
async fn directories_are_one_listing_for_the_four_directory_kinds() {
    let d = demo().await;
    const KINDS: [Kind; 4] = [
        Kind::ActiveDirectory,
        Kind::GSuite,
        Kind::LdapServer,
        Kind::Office365,
    ];
    for node in [d.ada(), d.user_group("IT Admins"), d.user_group("Sales")] {
        let g = d.jc.graph();
        d.fake.clear_requests();
        let mut one: Vec<(NodeRef, usize)> = g
            .directories(&node)
            .unwrap()
            .map_ok(|r| (r.node, r.paths.len()))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(d.fake.request_count(), 1);
        let mut each = Vec::new();
        for kind in KINDS {
            let found: Vec<_> = all(g.reachable(&node, kind)).await;
            each.extend(found.into_iter().map(|r| (r.node, r.paths.len())));
        }
        one.sort();
        each.sort();
        assert!(!one.is_empty(), "{node} reaches a directory in the demo");
        assert_eq!(one, each, "{node}");
    }
    d.fake.clear_requests();
    let refused = d.jc.graph().directories(&d.lnx_002()).err().unwrap();
    assert_eq!(refused.kind(), jumpcloud_ext::ErrorKind::InvalidRequest);
    assert_eq!(d.fake.request_count(), 0);
}
