//! Organisation as code against the fake's demo organisation: a declared
//! state planned (the text snapshot-tested), applied, planned again with no
//! writes; deletions refused unless confirmed; a write that fails mid-apply
//! reported and continued by planning again; names that match nothing or
//! several, and fields the API does not have, refused with their lines.

use jumpcloud_ext::ErrorDetail;
use jumpcloud_ext::graph::{Kind, LinkOp, NodeRef};
use jumpcloud_ext::org::{DeclaredState, Format, ObjectOp, WriteOutcome};
use jumpcloud_fake::Fault;

use crate::common::{demo, sent};

/// Engineering keeps two members and gains a new user; a new group is
/// bound to a system with sudo and to Slack; Linux Servers gains a policy;
/// user groups are pruned (Sales, IT Admins and both Contractors go).
const DECLARED: &str = r#"
prune = ["user_group"]

[users."jdoe"]
email = "jdoe@example.com"
firstname = "Jane"
lastname = "Doe"

[users."ada.almeida0"]
jobTitle = "Staff Engineer"

[user_groups.Engineering]
description = "Everyone who ships code, and Jane"
members = ["ada.almeida0", "jdoe"]
system_groups = ["Linux Servers", "macOS Fleet"]

[user_groups.Platform]
description = "Runs the platform"
members = ["jdoe"]
systems = [{ name = "lnx-005", sudo = { enabled = true, withoutPassword = false } }]
applications = ["Slack"]

[system_groups."Linux Servers"]
policies = ["Disk Encryption"]
commands = ["Update packages"]
user_groups = ["Engineering"]
"#;

fn declared(text: &str) -> DeclaredState {
    DeclaredState::parse(text, Format::Toml, "org.toml").unwrap()
}

/// Ids (24 hex characters) replaced, so that the text does not change
/// from run to run.
fn without_ids(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_hexdigit() && !c.is_ascii_uppercase() {
            run.push(c);
            continue;
        }
        if run.len() == 24 {
            out.push_str("<id>");
        } else {
            out.push_str(&run);
        }
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}

fn snapshot(name: &str, text: impl std::fmt::Display) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    let text = text.to_string();
    settings.bind(|| insta::assert_snapshot!(format!("org_declared_e2e__{name}"), text));
}

/// Writes (not reads) the fake received since it was last cleared.
fn writes(fake: &jumpcloud_fake::FakeJumpCloud) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method != "GET" && !r.path.starts_with("/api/search"))
        .count()
}

#[tokio::test]
async fn plan_apply_and_plan_again_is_empty() {
    let (fake, jc) = demo().await;
    let org = jc.org();
    let state = declared(DECLARED);
    let plan = org.plan(&state).await.unwrap();
    let reads = sent(&fake);
    snapshot("plan_demo", without_ids(&plan.to_string()));
    // One listing each of users, user groups and system groups (one page
    // each); the five lists declared of existing groups (Engineering's
    // members and system groups, Linux Servers' policies, commands and
    // user groups); one name lookup each for the system, the application,
    // the policy and the command. No writes.
    assert_eq!(reads, 3 + 5 + 4, "requests to plan");
    assert_eq!(plan.count(ObjectOp::Create), 2, "{plan}");
    assert_eq!(plan.count(ObjectOp::Update), 2, "{plan}");
    assert_eq!(plan.deletions(), 4, "{plan}");
    assert_eq!(plan.user_deletions(), 0);
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["objects"].as_array().unwrap().len(), 8);
    assert_eq!(json["links"].as_array().unwrap().len(), 12);

    let report = org.apply(&plan).run().await.unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.done(), plan.len(), "{report}");
    assert_eq!(writes(&fake), plan.len());
    fake.clear_requests();

    // What was applied is there.
    let platform = jc
        .find::<jumpcloud_ext::types::UserGroup>("Platform")
        .await
        .unwrap();
    let members: Vec<NodeRef> =
        futures::TryStreamExt::try_collect(jc.graph().members(&platform.node).unwrap())
            .await
            .map(|c: Vec<_>| {
                c.into_iter()
                    .map(|c: jumpcloud_ext::graph::Connection| c.node)
                    .collect()
            })
            .unwrap();
    let jdoe = jc.find::<jumpcloud_ext::types::User>("jdoe").await.unwrap();
    assert_eq!(members, std::slice::from_ref(&jdoe.node));
    assert!(
        jc.find::<jumpcloud_ext::types::UserGroup>("Sales")
            .await
            .unwrap_err()
            .is_not_found()
    );
    fake.clear_requests();

    // Idempotent: planning again finds nothing, applying sends nothing.
    let again = org.plan(&state).await.unwrap();
    assert!(again.is_empty(), "{again}");
    assert_eq!(again.to_string(), "no changes\n");
    let report = org.apply(&again).await.unwrap();
    assert!(report.is_success() && report.results.is_empty());
    assert_eq!(writes(&fake), 0);
}

#[tokio::test]
async fn deletions_are_refused_unless_confirmed_exactly() {
    let (fake, jc) = demo().await;
    let org = jc.org();
    let text = "prune = [\"user\"]\n[users.\"ada.almeida0\"]\n";
    let plan = org.plan(&declared(text)).await.unwrap();
    assert_eq!(plan.user_deletions(), 24, "{plan}");
    fake.clear_requests();
    let e = org.apply(&plan).await.unwrap_err();
    assert!(e.to_string().contains("confirm_deletions(24)"), "{e}");
    let e = org.apply(&plan).confirm_deletions(23).await.unwrap_err();
    assert!(e.is_invalid_request(), "{e}");
    assert_eq!(fake.request_count(), 0, "refused before any request");
    // Group deletions past the threshold too.
    let groups = org
        .plan(&declared("prune = [\"user_group\", \"system_group\"]\n"))
        .await
        .unwrap();
    assert_eq!(groups.deletions(), 8, "{groups}");
    fake.clear_requests();
    assert!(org.apply(&groups).deletion_threshold(5).await.is_err());
    assert_eq!(fake.request_count(), 0);
    let report = org
        .apply(&groups)
        .deletion_threshold(5)
        .confirm_deletions(8)
        .await
        .unwrap();
    assert!(report.is_success(), "{report}");
}

#[tokio::test]
async fn nothing_is_deleted_that_the_file_does_not_manage() {
    let (fake, jc) = demo().await;
    let org = jc.org();
    // Sales is declared without lists: its members and bindings stay, and
    // no other group, user or system goes (nothing is pruned).
    let plan = org
        .plan(&declared(
            "[user_groups.Sales]\ndescription = \"Sellers\"\n",
        ))
        .await
        .unwrap();
    assert_eq!(plan.len(), 1, "{plan}");
    assert_eq!(plan.deletions(), 0);
    let report = org.apply(&plan).await.unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .count(),
        0
    );
}

#[tokio::test]
async fn a_failed_write_stops_later_stages_and_planning_again_continues() {
    let (fake, jc) = demo().await;
    let org = jc.org();
    let state = declared(DECLARED);
    let plan = org.plan(&state).await.unwrap();
    // Creating the Platform group fails (once): the users' stage and the
    // edges and deletions after it are not attempted.
    fake.faults().push(
        Fault::status(500)
            .on_method("POST")
            .on_path("/api/v2/usergroups")
            .times(1)
            .body(r#"{"message":"the directory is busy"}"#),
    );
    let report = org.apply(&plan).run().await.unwrap();
    assert!(!report.is_success());
    let (failed, e) = report.failures().next().unwrap();
    assert!(
        failed.to_string().contains("user_group Platform"),
        "{failed}"
    );
    assert!(e.to_string().contains("the directory is busy"), "{e}");
    let done = report.done();
    assert!(done >= 1, "{report}");
    assert_eq!(report.not_attempted(), plan.len() - done - 1, "{report}");
    let text = report.to_string();
    assert!(
        text.contains("FAILED") && text.contains("not attempted"),
        "{text}"
    );

    // Planning again plans what is left; applying it finishes the job.
    let rest = org.plan(&state).await.unwrap();
    assert_eq!(rest.len(), plan.len() - done, "{rest}");
    let report = org.apply(&rest).await.unwrap();
    assert!(report.is_success(), "{report}");
    assert!(org.plan(&state).await.unwrap().is_empty());
}

#[tokio::test]
async fn adds_already_made_count_as_unchanged() {
    let (_fake, jc) = demo().await;
    let org = jc.org();
    let state = declared(
        "[user_groups.Sales]\nmembers = [\"ada.almeida0\"]\napplications = [\"Slack\", \"GitHub\"]\n",
    );
    let plan = org.plan(&state).await.unwrap();
    assert!(plan.link_count(LinkOp::Add) >= 2, "{plan}");
    // Someone else makes the same changes first.
    assert!(org.apply(&plan).await.unwrap().is_success());
    let report = org.apply(&plan).await.unwrap();
    assert!(report.is_success(), "{report}");
    let unchanged = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, WriteOutcome::Unchanged))
        .count();
    assert_eq!(unchanged, plan.len(), "{report}");
}

#[tokio::test]
async fn unknown_and_ambiguous_names_are_refused_with_their_lines() {
    let (fake, jc) = demo().await;
    let text = "\
[user_groups.Engineering]
members = [\"ada.almeida0\", \"nobody.here\"]
systems = [\"no-such-host\"]
applications = [\"Slack\"]

[system_groups.\"Linux Servers\"]
user_groups = [\"Contractors\", \"Engineering\"]

[users.newbie]
firstname = \"New\"
";
    // Contractors lists no system groups: no contradiction with Linux Servers.
    let state = declared(text);
    let e = jc.org().plan(&state).await.unwrap_err();
    assert!(e.is_invalid_request(), "{e}");
    let Some(ErrorDetail::Declared(problems)) = e.detail() else {
        panic!("{e}")
    };
    let got: Vec<(Option<usize>, &str)> =
        problems.iter().map(|p| (p.line, p.name.as_str())).collect();
    assert!(got.contains(&(Some(2), "nobody.here")), "{e}");
    assert!(got.contains(&(Some(3), "no-such-host")), "{e}");
    assert!(got.contains(&(Some(7), "Contractors")), "{e}");
    assert!(got.contains(&(Some(9), "newbie")), "{e}");
    assert_eq!(got.len(), 4, "{e}");
    let message = e.to_string();
    assert!(message.contains("org.toml:7:"), "{message}");
    assert!(
        message.contains("2 user_groups are named \"Contractors\""),
        "{message}"
    );
    assert_eq!(writes(&fake), 0);
    // A field the API does not have: refused when read, before any request.
    let e = DeclaredState::parse(
        "[users.x]\nemial = \"x@example.com\"\n",
        Format::Toml,
        "o.toml",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("o.toml:2: users.x: a user has no field \"emial\""),
        "{e}"
    );
}

#[tokio::test]
async fn a_plan_of_a_backup_of_the_same_organisation_is_empty() {
    let (_fake, jc) = demo().await;
    let org = jc.org();
    // The demo organisation, as a backup would hold it, read from the live
    // objects and the edges of its groups.
    let state = live_state(&jc).await;
    let declared = DeclaredState::from_state(&state);
    let text = declared.to_string_as(Format::Toml).unwrap();
    let back = DeclaredState::parse(&text, Format::Toml, "backup.toml").unwrap();
    assert_eq!(back, declared);
    let plan = org.plan(&back).await.unwrap();
    assert!(plan.is_empty(), "{plan}");
}

/// The organisation's users, groups, systems, applications, policies and
/// commands, and the edges of its groups and users, as an `OrgState`.
async fn live_state(jc: &jumpcloud_ext::JumpCloud) -> jumpcloud_ext::org::OrgState {
    let kinds = [
        Kind::User,
        Kind::UserGroup,
        Kind::SystemGroup,
        Kind::System,
        Kind::Application,
        Kind::Policy,
        Kind::Command,
    ];
    let snapshot = jc.graph().snapshot(&kinds).await.unwrap();
    let mut state = jumpcloud_ext::org::OrgState::default();
    use futures::TryStreamExt;
    use jumpcloud_ext::Listing;
    let users: Vec<_> = jc.v1().user_list().stream().try_collect().await.unwrap();
    let user_groups: Vec<_> = jc
        .v2()
        .user_group_list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    let system_groups: Vec<_> = jc
        .v2()
        .system_group_list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    let mut attributes: std::collections::BTreeMap<(Kind, String), serde_json::Value> =
        Default::default();
    for u in users {
        let v = serde_json::to_value(&u).unwrap();
        attributes.insert((Kind::User, u.id.unwrap()), v);
    }
    for g in user_groups {
        let v = serde_json::to_value(&g).unwrap();
        attributes.insert((Kind::UserGroup, g.id.unwrap()), v);
    }
    for g in system_groups {
        let v = serde_json::to_value(&g).unwrap();
        attributes.insert((Kind::SystemGroup, g.id.unwrap()), v);
    }
    for n in snapshot.nodes {
        let attrs = attributes
            .remove(&(n.node.kind.clone(), n.node.id.clone()))
            .and_then(|v| v.as_object().cloned())
            .unwrap_or_default();
        state.objects.push(jumpcloud_ext::org::OrgObject {
            kind: n.node.kind,
            id: n.node.id,
            name: n.name,
            attributes: attrs,
        });
    }
    for e in snapshot.edges {
        state.links.push(jumpcloud_ext::org::OrgLink {
            relation: e.relation,
            from: e.from,
            to: e.to,
            attributes: e.attributes,
        });
    }
    state
}

#[tokio::test]
async fn entries_that_share_a_name_pair_with_the_objects_that_do() {
    let (_fake, jc) = demo().await;
    let org = jc.org();
    // One entry for a name two groups share is ambiguous...
    let one = declared("[user_groups.Contractors]\ndescription = \"Outside staff\"\n");
    let e = org.plan(&one).await.unwrap_err();
    assert!(e.to_string().contains("org.toml:1:"), "{e}");
    assert!(e.to_string().contains("2 user_groups are named"), "{e}");
    // ...two entries (the file knows there are two, with ids from another
    // organisation, as a restored backup has them) take one each, in
    // order, and applying them is idempotent.
    let two = declared(
        "[user_groups.\"Contractors#a\"]\nname = \"Contractors\"\nid = \"0000000000000000000000aa\"\n\
         description = \"Ours\"\nmembers = []\n\
         [user_groups.\"Contractors#b\"]\nname = \"Contractors\"\nid = \"0000000000000000000000bb\"\n\
         description = \"Acquired\"\n",
    );
    let plan = org.plan(&two).await.unwrap();
    assert_eq!(plan.count(ObjectOp::Update), 2, "{plan}");
    assert_eq!(plan.link_count(LinkOp::Remove), 3, "{plan}");
    let report = org.apply(&plan).await.unwrap();
    assert!(report.is_success(), "{report}");
    let again = org.plan(&two).await.unwrap();
    assert!(again.is_empty(), "{again}");
}

#[tokio::test]
async fn apply_keeps_to_the_concurrency_within_a_stage() {
    let fake = jumpcloud_fake::FakeJumpCloud::builder()
        .demo()
        .latency(std::time::Duration::from_millis(20))
        .start()
        .await
        .unwrap();
    let jc = crate::common::demo_client(&fake);
    let org = jc.org().concurrency(2);
    let plan = org.plan(&declared(DECLARED)).await.unwrap();
    fake.reset_max_in_flight();
    let report = org.apply(&plan).await.unwrap();
    assert!(report.is_success(), "{report}");
    // Seven removals from Engineering in one stage: two at a time, never more.
    assert_eq!(fake.max_in_flight(), 2);
}
