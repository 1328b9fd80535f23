//! Names, not ids, end to end against the fake JumpCloud: lookups by name
//! with one request each (and one per 100 names), typed errors for missing
//! and ambiguous names, graph answers named with a bounded number of
//! requests, `who_can_reach` read from the user, reports that say
//! everything (suspension, removed attributes), and names that cannot be
//! read (403, a listing that does not decode) left out of answers that
//! still return and say why.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Instant;

use jumpcloud_ext::find::Findable;
use jumpcloud_ext::graph::{AccountStatus, Unnamed};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{
    DEFAULT_API_KEY, DEMO_API_KEY, DEMO_DUPLICATE_GROUP, DEMO_TWO_PATH_SYSTEM,
    DEMO_TWO_PATH_USERNAME, FakeJumpCloud, Fault,
};

use common::{demo, sent};

/// Awaits `call` with the request log cleared: its output, the requests it sent and
/// the milliseconds it took.
async fn measured<T>(fake: &FakeJumpCloud, call: impl Future<Output = T>) -> (T, usize, u128) {
    fake.clear_requests();
    let t = Instant::now();
    let out = call.await;
    (out, fake.request_count(), t.elapsed().as_millis())
}

/// The kind of the object of type `T` called `name`, which must exist once.
async fn kind_of<T: Findable>(jc: &JumpCloud, name: &str) -> Kind {
    jc.find::<T>(name).await.unwrap().node.kind
}

#[tokio::test]
async fn every_kind_is_found_by_name_with_one_request() {
    let (fake, jc) = demo().await;
    let ada = jc.find::<User>(DEMO_TWO_PATH_USERNAME).await.unwrap();
    assert_eq!(ada.object.username.as_deref(), Some(DEMO_TWO_PATH_USERNAME));
    assert_eq!(ada.node.kind, Kind::User);
    assert_eq!(ada.node.name.as_deref(), Some(DEMO_TWO_PATH_USERNAME));
    assert_eq!(sent(&fake), 1);

    let lnx = jc.find::<System>(DEMO_TWO_PATH_SYSTEM).await.unwrap();
    assert_eq!(
        lnx.object.display_name.as_deref(),
        Some(DEMO_TWO_PATH_SYSTEM)
    );
    assert_eq!(sent(&fake), 1);
    // The hostname finds the same system.
    let host = lnx.object.hostname.clone().unwrap();
    assert_eq!(jc.find::<System>(&host).await.unwrap().node, lnx.node);
    assert_eq!(sent(&fake), 1);

    let eng = jc.find::<UserGroup>("Engineering").await.unwrap();
    assert_eq!(eng.node.kind, Kind::UserGroup);
    assert_eq!(eng.node.to_string(), "user_group Engineering");
    assert_eq!(
        format!("{:#}", eng.node),
        format!("user_group Engineering ({})", eng.node.id)
    );
    assert_eq!(sent(&fake), 1);

    let kinds = [
        kind_of::<SystemGroup>(&jc, "Linux Servers").await,
        kind_of::<Policy>(&jc, "Disk Encryption").await,
        kind_of::<PolicyGroup>(&jc, "Baseline Policies").await,
        kind_of::<Application>(&jc, "Slack").await,
        kind_of::<Command>(&jc, "Update packages").await,
    ];
    assert_eq!(
        kinds,
        [
            Kind::SystemGroup,
            Kind::Policy,
            Kind::PolicyGroup,
            Kind::Application,
            Kind::Command,
        ]
    );
    assert_eq!(sent(&fake), 5, "one request per lookup");
    // Every lookup filtered; none listed a whole collection unfiltered.
    jc.find::<UserGroup>("Sales").await.unwrap();
    let request = fake.requests().pop().unwrap();
    assert!(
        request
            .query_pairs()
            .contains(&("filter".into(), "name:eq:Sales".into())),
        "{:?}",
        request.query_pairs()
    );
}

#[tokio::test]
async fn usernames_and_emails_match_without_regard_to_case() {
    let (fake, jc) = demo().await;
    let ada = jc.find::<User>(DEMO_TWO_PATH_USERNAME).await.unwrap();
    let upper = jc
        .find::<User>(&DEMO_TWO_PATH_USERNAME.to_uppercase())
        .await
        .unwrap();
    assert_eq!(upper.node, ada.node);
    let email = ada.object.email.clone().unwrap();
    let by_email = jc.find::<User>(&email.to_uppercase()).await.unwrap();
    assert_eq!(by_email.node, ada.node);
    // Group names keep their case.
    let err = jc.find::<UserGroup>("engineering").await.unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(sent(&fake), 4);
}

#[tokio::test]
async fn missing_and_ambiguous_names_are_typed_errors() {
    let (fake, jc) = demo().await;
    let err = jc.find::<UserGroup>("Nobody").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(err.is_not_found() && !err.is_ambiguous(), "{err:?}");
    match err.detail() {
        Some(ErrorDetail::NotFound {
            kind, field, value, ..
        }) => {
            assert_eq!(
                (kind, *field, value.as_str()),
                (&Kind::UserGroup, "name", "Nobody")
            );
        }
        other => panic!("{other:?}"),
    }
    let err = jc
        .find::<UserGroup>(DEMO_DUPLICATE_GROUP)
        .await
        .unwrap_err();
    assert!(err.is_ambiguous() && !err.is_not_found(), "{err:?}");
    let Some(ErrorDetail::Ambiguous {
        candidates, count, ..
    }) = err.detail()
    else {
        panic!("{err:?}")
    };
    assert_eq!(*count, 2);
    assert_eq!(candidates.len(), 2);
    assert_ne!(candidates[0].id, candidates[1].id);
    assert!(candidates.iter().all(|c| c.name == DEMO_DUPLICATE_GROUP));
    let text = err.to_string();
    assert!(
        text.starts_with("2 user_groups have name \"Contractors\": Contractors ("),
        "{text}"
    );
    assert!(text.contains(&candidates[1].id), "{text}");
    assert_eq!(err.kind(), ErrorKind::Ambiguous);
    assert_eq!(sent(&fake), 2);
    // An empty name never reaches the wire.
    let empty = jc.find::<User>("").await.unwrap_err();
    assert!(empty.is_invalid_request(), "{empty:?}");
    assert_eq!(
        empty.to_string(),
        "invalid request: a user cannot be looked up by an empty name"
    );
    let missing = jc.find::<System>("no-such-host").await.unwrap_err();
    assert_eq!(
        missing.to_string(),
        "no system has hostname or displayName \"no-such-host\""
    );
    assert_eq!(sent(&fake), 1);
}

#[tokio::test]
async fn many_names_take_one_request_per_hundred() {
    let fake = FakeJumpCloud::builder().start().await.unwrap();
    fake.default_org().seed_user_groups(250).unwrap();
    fake.default_org().seed_users(150).unwrap();
    let jc = JumpCloud::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let org = fake.default_org_id().to_owned();
    let group_names: Vec<String> = fake
        .org(&org)
        .objects(jumpcloud_fake::Collection::UserGroups)
        .unwrap()
        .iter()
        .take(150)
        .map(|g| g["name"].as_str().unwrap().to_owned())
        .collect();
    fake.clear_requests();
    let groups = jc.find_many::<UserGroup>(&group_names).await.unwrap();
    assert_eq!(groups.len(), 150);
    assert!(
        groups
            .iter()
            .zip(&group_names)
            .all(|(g, n)| g.node.name.as_deref() == Some(n.as_str())),
        "answers in the order asked"
    );
    assert_eq!(sent(&fake), 2, "ceil(150 / 100) requests");

    let usernames: Vec<String> = fake
        .org(&org)
        .objects(jumpcloud_fake::Collection::Users)
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_uppercase())
        .collect();
    let users = jc.find_many::<User>(&usernames).await.unwrap();
    assert_eq!(users.len(), 150);
    assert_eq!(sent(&fake), 2);
}

#[tokio::test]
async fn access_answers_read_as_names_within_the_batch_bound() {
    let (fake, jc) = demo().await;
    let ada = jc.find::<User>(DEMO_TWO_PATH_USERNAME).await.unwrap().node;
    sent(&fake);
    let ids_only = jc.graph().names(false).access_of(&ada).await.unwrap();
    let floor = sent(&fake);
    let access = jc.graph().access_of(&ada).await.unwrap();
    let named = sent(&fake);
    // The subject's kind too: the user is looked up (with its account
    // state) by the same one request per kind as the names.
    let kinds: std::collections::BTreeSet<&Kind> = access
        .iter()
        .flat_map(|r| {
            std::iter::once(&r.node.kind).chain(r.paths.iter().flatten().map(|h| &h.to.kind))
        })
        .chain(std::iter::once(&ada.kind))
        .collect();
    assert!(
        named - floor <= kinds.len(),
        "{named} requests with names, {floor} without, {} kinds",
        kinds.len()
    );
    let nodes =
        |a: &jumpcloud_ext::graph::Access| a.iter().map(|r| r.node.clone()).collect::<Vec<_>>();
    assert_eq!(
        nodes(&access),
        nodes(&ids_only),
        "the same nodes, ids unchanged"
    );
    assert!(ids_only.iter().all(|r| r.node.name.is_none()));
    assert!(access.iter().all(|r| r.node.name.is_some()));
    let state = access.subject_state.as_ref().expect("ada's account state");
    assert_eq!(state.status(), AccountStatus::Active, "{state:?}");
    assert!(
        ids_only.subject_state.is_none(),
        "names(false) reads no state"
    );
    snapshot("access_of_ada_named", access.to_string());
    let with_ids = format!("{access:#}");
    assert!(with_ids.contains(&ada.id), "{with_ids}");
}

#[tokio::test]
async fn who_can_reach_reads_from_the_user_to_the_resource() {
    let (fake, jc) = demo().await;
    let lnx = jc.find::<System>(DEMO_TWO_PATH_SYSTEM).await.unwrap().node;
    sent(&fake);
    let reachers = jc.graph().who_can_reach(&lnx).await.unwrap();
    let ada = reachers
        .iter()
        .find(|r| r.node.name.as_deref() == Some(DEMO_TWO_PATH_USERNAME))
        .unwrap();
    for path in &ada.paths {
        assert_eq!(path.first().unwrap().from.as_ref(), Some(&ada.node));
        assert_eq!(&path.last().unwrap().to, &lnx);
    }
    let text = reachers.to_string();
    assert!(
        text.contains("via user_group Engineering → system_group Linux Servers"),
        "{text}"
    );
    snapshot("who_can_reach_lnx_002_named", text);
}

#[tokio::test]
async fn offboarding_reports_say_the_suspension_and_removed_attributes() {
    let (_fake, jc) = demo().await;
    // User 1 is bound to mac-000 with sudo.
    let users = jc.v1().user_list().try_collect_all().await.unwrap();
    let user1 = users[1].username.clone().unwrap();
    let user = jc.find::<User>(&user1).await.unwrap().node;
    let dry = common::dry_offboard(&jc, user.clone()).await;
    let text = dry.to_string();
    assert!(
        text.contains(&format!("would suspend user {user1}")),
        "{text}"
    );
    assert!(text.contains("(had {\"sudo\""), "{text}");
    snapshot("offboard_dry_run_named", text);

    let applied = jc.graph().offboard(user).suspend(true).run().await.unwrap();
    assert!(applied.is_success());
    let state = applied.suspended.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(state.suspended, Some(true));
    let text = applied.to_string();
    assert!(
        text.contains(&format!("suspended user {user1}: state")),
        "{text}"
    );
    snapshot("offboard_applied_named", text);
}

/// Access answers say who can act: every user carries its account state,
/// read by the same searches that read the usernames (one per 100 users),
/// and the printed answer marks anyone who is not active.
#[tokio::test]
async fn access_answers_carry_each_users_account_state_at_no_extra_request() {
    use jumpcloud_ext::graph::AccountStatus as S;
    use jumpcloud_fake::Collection;
    use serde_json::json;
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    // Sample users: every 12th from the 6th is suspended, from the 10th staged.
    let mut users = fake.default_org().seed_users(150).unwrap();
    let extra = |name: &str, fields: serde_json::Value| {
        let mut user = json!({"username": name, "email": format!("{name}@example.com")});
        user.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        fake.org(&org).insert(Collection::Users, user).unwrap()
    };
    let locked = extra(
        "locked.out",
        json!({"account_locked": true, "activated": true}),
    );
    let pending = extra("not.yet", json!({"activated": false}));
    users.extend([locked.clone(), pending.clone()]);
    let system = fake.default_org().seed_systems(1).unwrap().remove(0);
    let jc = JumpCloud::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let lnx = NodeRef::system(&system);
    for u in &users {
        jc.graph()
            .associate(&NodeRef::user(u), &lnx, None)
            .await
            .unwrap();
    }

    fake.clear_requests();
    let ids_only = jc.graph().names(false).who_can_reach(&lnx).await.unwrap();
    let floor = sent(&fake);
    assert_eq!(floor, 2, "152 users: two traversal pages");
    assert!(ids_only.iter().all(|r| r.state.is_none()));
    let reachers = jc.graph().who_can_reach(&lnx).await.unwrap();
    assert_eq!(reachers.len(), 152);
    // Two user searches (100 + 52 ids) name the users and read their
    // states, one names the system: no request per user.
    assert_eq!(sent(&fake) - floor, 2 + 1);
    let status = |id: &str| {
        reachers
            .get(&NodeRef::user(id))
            .and_then(|r| r.state.as_ref())
            .map(|s| s.status())
    };
    for (i, id) in users[..150].iter().enumerate() {
        let want = match i % 12 {
            5 => S::Suspended,
            9 => S::Staged,
            _ => S::Active,
        };
        assert_eq!(status(id), Some(want), "user {i}");
    }
    assert_eq!(status(&locked), Some(S::Locked));
    assert_eq!(status(&pending), Some(S::PendingActivation));
    // Of 150 sample users, 13 are suspended (5, 17, …, 149) and 12 staged (9, …, 141).
    assert_eq!(reachers.inactive().count(), 13 + 12 + 2);
    let text = reachers.to_string();
    assert!(text.contains("\n  locked.out [locked]\n"), "{text}");
    assert!(
        text.contains("\n  not.yet [pending activation]\n"),
        "{text}"
    );
    let suspended = reachers.get(&NodeRef::user(&users[5])).unwrap();
    let name = suspended.node.name.clone().unwrap();
    assert!(
        text.contains(&format!("\n  {name} [suspended]\n")),
        "{text}"
    );
    let active = reachers.get(&NodeRef::user(&users[0])).unwrap();
    let name = active.node.name.clone().unwrap();
    assert!(text.contains(&format!("\n  {name}\n")), "{text}");
    let with_ids = format!("{reachers:#}");
    assert!(
        with_ids.contains(&format!("locked.out ({locked}) [locked]")),
        "{with_ids}"
    );

    // access_of says the subject's state, from the one user search.
    let access = jc.graph().access_of(&NodeRef::user(&locked)).await.unwrap();
    assert_eq!(
        access.subject_state.as_ref().map(|s| s.status()),
        Some(S::Locked)
    );
    let text = access.to_string();
    assert!(
        text.starts_with("user locked.out [locked] reaches 1 node(s)"),
        "{text}"
    );
    // A key that may not read users: no names, no states, and the answer says why.
    fake.faults().push(
        Fault::status(403)
            .on_path("/api/search/systemusers")
            .times(5),
    );
    let reachers = jc.graph().who_can_reach(&lnx).await.unwrap();
    fake.faults().clear();
    assert!(reachers.iter().all(|r| r.state.is_none()));
    assert_eq!(kinds(reachers.unnamed()), [Kind::User]);
    let text = reachers.to_string();
    assert!(
        !text.contains("[suspended]") && !text.contains("[locked]"),
        "no state, no mark: {text}"
    );
}

/// The kinds of an answer's `unnamed()`, in order.
fn kinds(unnamed: &[Unnamed]) -> Vec<Kind> {
    unnamed.iter().map(|u| u.kind.clone()).collect()
}

/// A node `found` by name, with its name forgotten, as a caller holding only
/// an id has it.
fn by_id(found: NodeRef) -> NodeRef {
    NodeRef::new(found.kind, found.id)
}

/// A read-only key may be refused some listings (403): the names of that
/// kind are left out, the rest of the answer is whole and named, and the
/// answer says which kind went unnamed and why.
#[tokio::test]
async fn a_name_listing_refused_with_403_leaves_its_nodes_unnamed_and_says_why() {
    let (fake, jc) = demo().await;
    let slack = by_id(jc.find::<Application>("Slack").await.unwrap().node);
    let ada = by_id(jc.find::<User>(DEMO_TWO_PATH_USERNAME).await.unwrap().node);
    // Applications are named from their listing (GET /api/applications);
    // the traversals are v2 routes the fault does not catch.
    let refused = || Fault::status(403).on_path("/api/applications").times(50);

    fake.faults().push(refused());
    let reachers = jc.graph().who_can_reach(&slack).await.unwrap();
    fake.faults().clear();
    assert!(!reachers.is_empty());
    assert_eq!(reachers.resource.name, None, "the application is unnamed");
    assert!(
        reachers.iter().all(|r| r.node.name.is_some()),
        "users are still named: {reachers}"
    );
    let unnamed = reachers.unnamed();
    assert_eq!(kinds(unnamed), [Kind::Application], "{unnamed:?}");
    assert_eq!(unnamed[0].status, Some(403));
    assert!(unnamed[0].reason.contains("403"), "{}", unnamed[0].reason);
    assert!(!unnamed[0].reason.contains(DEMO_API_KEY));
    let text = reachers.to_string();
    assert!(
        text.contains("names of application unavailable: "),
        "{text}"
    );

    fake.faults().push(refused());
    let access = jc.graph().access_of(&ada).await.unwrap();
    fake.faults().clear();
    let ids_only = jc.graph().names(false).access_of(&ada).await.unwrap();
    assert_eq!(access.len(), ids_only.len(), "every node is still there");
    assert!(ids_only.unnamed().is_empty(), "no name was asked for");
    assert!(
        access.by_kind[&Kind::Application]
            .iter()
            .all(|r| r.node.name.is_none())
    );
    assert!(
        access.by_kind[&Kind::System]
            .iter()
            .all(|r| r.node.name.is_some())
    );
    assert_eq!(kinds(access.unnamed()), [Kind::Application]);
    assert_eq!(access.unnamed()[0].status, Some(403));

    // Plans (here an offboarding's) are named the same way.
    fake.faults()
        .push(Fault::status(403).on_path("/api/v2/usergroups").times(50));
    let dry = common::dry_offboard(&jc, ada).await;
    fake.faults().clear();
    assert!(!dry.plan.is_empty());
    assert!(
        dry.plan.changes.iter().all(|c| c.source.name.is_none()),
        "{dry}"
    );
    assert_eq!(kinds(dry.unnamed()), [Kind::UserGroup]);
    assert_eq!(dry.plan.unnamed(), dry.unnamed());
    assert!(
        dry.to_string().contains("names of user_group unavailable"),
        "{dry}"
    );
}

/// A listing whose body does not decode (cut short, or a field of the wrong
/// type) costs only the names of its kind, never the answer.
#[tokio::test]
async fn a_name_listing_that_does_not_decode_leaves_its_nodes_unnamed_and_says_why() {
    let (fake, jc) = demo().await;
    let ada = by_id(jc.find::<User>(DEMO_TWO_PATH_USERNAME).await.unwrap().node);
    let lnx = by_id(jc.find::<System>(DEMO_TWO_PATH_SYSTEM).await.unwrap().node);
    // User groups are named by one filtered v2 listing, cut mid-object;
    // applications from the v1 listing, whose `name` is not a string.
    fake.faults().push(
        Fault::truncated_json()
            .on_path("/api/v2/usergroups")
            .times(50),
    );
    fake.faults().push(
        Fault::inject_field("name", serde_json::json!({"not": "a name"}))
            .on_path("/api/applications")
            .times(50),
    );
    let access = jc.graph().access_of(&ada).await.unwrap();
    let reachers = jc.graph().who_can_reach(&lnx).await.unwrap();
    fake.faults().clear();

    assert_eq!(
        kinds(access.unnamed()),
        [Kind::Application, Kind::UserGroup],
        "{:?}",
        access.unnamed()
    );
    assert!(access.unnamed().iter().all(|u| !u.reason.is_empty()));
    assert!(
        access.by_kind[&Kind::Application]
            .iter()
            .all(|r| r.node.name.is_none())
    );
    let lnx_002 = access.get(&lnx).unwrap();
    assert_eq!(lnx_002.node.name.as_deref(), Some(DEMO_TWO_PATH_SYSTEM));
    let hops = lnx_002.paths.iter().flatten();
    assert!(
        hops.filter(|h| h.to.kind == Kind::UserGroup)
            .all(|h| h.to.name.is_none()),
        "{access}"
    );

    assert_eq!(kinds(reachers.unnamed()), [Kind::UserGroup]);
    assert_eq!(
        reachers.resource.name.as_deref(),
        Some(DEMO_TWO_PATH_SYSTEM)
    );
    let text = reachers.to_string();
    assert!(!text.contains("via user_group Engineering"), "{text}");
    assert!(text.contains("names of user_group unavailable"), "{text}");
}

/// The naming cost on the benchmark organisation (5,000 users, 300 user
/// groups, 20,000 systems, 200 system groups; 20 ms per request): requests
/// and wall time of `access_of` and `who_can_reach` with names and without.
/// Run with `cargo test -p jumpcloud-tests --release --test e2e --
/// --ignored --nocapture names_e2e::`; the numbers are in BENCHMARKS.md.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: seeds 25,500 objects and takes seconds"]
async fn naming_cost_on_the_benchmark_organisation() {
    use jumpcloud_fake::BigOrg;
    use std::time::Duration;
    let fake = FakeJumpCloud::builder().start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let ids = fake
        .org(&org)
        .seed_big_org(BigOrg::new(5_000, 300, 20_000, 200))
        .unwrap();
    let jc = JumpCloud::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .build()
        .unwrap();
    fake.set_latency(Duration::from_millis(20));
    let user = NodeRef::user(&ids.users[0]);
    let system = NodeRef::system(&ids.systems[0]);
    for names in [false, true] {
        let g = jc.graph().names(names);
        let (access, n, ms) = measured(&fake, g.access_of(&user)).await;
        let nodes = access.unwrap().len();
        println!("access_of, names {names}: {nodes} nodes, {n} requests, {ms} ms");
        let (who, n, ms) = measured(&fake, g.who_can_reach(&system)).await;
        let users = who.unwrap().len();
        println!("who_can_reach, names {names}: {users} users, {n} requests, {ms} ms");
    }
}

/// `insta::assert_snapshot!` into `tests/tests/snapshots/names_e2e__<name>.snap`: the binary's
/// module path (`e2e::names_e2e`) is not put in the file name, so the files keep the names they
/// had when this file was a test binary of its own.
fn snapshot(name: &str, text: impl std::fmt::Display) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    let text = text.to_string();
    settings.bind(|| insta::assert_snapshot!(format!("names_e2e__{name}"), text));
}
