//! Groups of users at the request floor, against the fake JumpCloud:
//! `member_of` streams named in batches (one naming request per 100 groups,
//! not one per group), and `Graph::groups_of`, which reads the memberships
//! of many users from whichever end costs fewer requests and says which.
//! Request counts come from the fake's request log and are compared with
//! the floor computed from the fake's own data.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use jumpcloud_ext::graph::{Direction, GroupsOf, Kind, NodeRef};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{BigOrg, BigOrgIds, DEFAULT_API_KEY, FakeJumpCloud, GraphKind, GraphNode};

use crate::common::{demo, sent};

/// A client for the fake's default organisation, without retries.
fn client(fake: &FakeJumpCloud) -> JumpCloud {
    JumpCloud::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// A fake whose default organisation is a generated one of this shape.
async fn org(spec: BigOrg) -> (FakeJumpCloud, JumpCloud, BigOrgIds) {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let ids = fake.org(&org).seed_big_org(spec).unwrap();
    let jc = client(&fake);
    fake.clear_requests();
    (fake, jc, ids)
}

/// Pages of 100 needed for `n` items: an empty listing still costs one.
fn pages(n: usize) -> usize {
    n.div_ceil(100).max(1)
}

/// The fewest requests that give `users` their named groups, from the
/// fake's own data: the cheaper of one member-of listing per user (and the
/// groups' names, 100 per request) and the group listing with one
/// membership listing per group.
fn floor(fake: &FakeJumpCloud, users: &[String]) -> (usize, usize) {
    let org = fake.default_org_id().to_owned();
    let mut distinct = BTreeSet::new();
    let mut per_member = 0;
    for u in users {
        let groups = fake
            .org(&org)
            .groups_of(&GraphNode::user(u.as_str()))
            .unwrap();
        per_member += pages(groups.len());
        distinct.extend(groups.into_iter().map(|g| g.id));
    }
    if !distinct.is_empty() {
        per_member += distinct.len().div_ceil(100);
    }
    let groups = fake
        .org(&org)
        .objects(jumpcloud_fake::Collection::UserGroups)
        .unwrap();
    let mut per_group = pages(groups.len());
    for g in &groups {
        let id = g["_id"].as_str().or(g["id"].as_str()).unwrap();
        let members = fake
            .org(&org)
            .members_of(&GraphNode::new(GraphKind::UserGroup, id))
            .unwrap();
        per_group += pages(members.len());
    }
    (per_member, per_group)
}

/// The users' groups as the fake has them, by group id.
fn truth(fake: &FakeJumpCloud, user: &str) -> BTreeSet<String> {
    let org = fake.default_org_id().to_owned();
    fake.org(&org)
        .groups_of(&GraphNode::user(user))
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect()
}

/// Every answer matches the fake's memberships, every group is named.
fn check(fake: &FakeJumpCloud, answer: &GroupsOf) {
    for m in answer {
        let got: BTreeSet<String> = m.groups.iter().map(|g| g.id.clone()).collect();
        assert_eq!(got, truth(fake, &m.member.id), "{}", m.member);
        assert!(m.groups.iter().all(|g| g.name.is_some()), "{answer}");
        assert!(m.member.name.is_some(), "{answer}");
    }
}

#[tokio::test]
async fn member_of_streams_come_back_named_in_batches() {
    let (fake, jc) = demo().await;
    let ada = jc.find::<User>("ada.almeida0").await.unwrap().node;
    sent(&fake);
    let groups: Vec<_> = jc
        .graph()
        .member_of(&ada)
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(!groups.is_empty());
    assert!(
        groups
            .iter()
            .all(|g| g.node.name.is_some() && g.name == g.node.name),
        "{groups:?}"
    );
    assert!(groups.iter().any(|g| g.node.label() == "Engineering"));
    assert_eq!(sent(&fake), 2, "the listing and one naming request");
    let ids: Vec<_> = jc
        .graph()
        .names(false)
        .member_of(&ada)
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert!(ids.iter().all(|g| g.node.name.is_none()));
    assert_eq!(sent(&fake), 1, "names(false): the listing alone");

    // 150 groups: two pages, each named by one request, never one per group.
    let fake = FakeJumpCloud::start().await.unwrap();
    let users = fake.default_org().seed_users(1).unwrap();
    let jc = client(&fake);
    let node = NodeRef::user(&users[0]);
    for g in fake.default_org().seed_user_groups(150).unwrap() {
        jc.graph()
            .add_member(&NodeRef::user_group(g), &node, None)
            .await
            .unwrap();
    }
    fake.clear_requests();
    let groups: Vec<_> = jc
        .graph()
        .member_of(&node)
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(groups.len(), 150);
    assert!(groups.iter().all(|g| g.node.name.is_some()));
    assert_eq!(fake.requests_to("GET", "/api/v2/usergroups").len(), 2);
    assert_eq!(sent(&fake), 4, "two member-of pages, two naming requests");
}

#[tokio::test]
async fn groups_of_few_users_reads_each_users_groups() {
    let (fake, jc, ids) = org(BigOrg::new(400, 30, 20, 4)).await;
    let asked = &ids.users[..10];
    let users: Vec<NodeRef> = asked.iter().map(NodeRef::user).collect();
    let answer = jc.graph().groups_of(users).await.unwrap();
    let requests = sent(&fake);
    assert_eq!(answer.direction, Direction::PerMember, "{answer}");
    assert_eq!(answer.groups_in_org, 30);
    assert_eq!(answer.len(), 10);
    check(&fake, &answer);
    // The first page of groups (which names all 30), one member-of listing
    // per user, and one search naming the ten users.
    assert_eq!(requests, 1 + 10 + 1, "{answer}");
    let (per_member, per_group) = floor(&fake, asked);
    assert!(per_member < per_group);
    assert!(
        requests <= per_member + 1 + 1,
        "floor {per_member} + naming the users"
    );
    let text = answer.to_string();
    assert!(
        text.starts_with(
            "groups of 10 member(s), read per member: 10 member-of listing(s) instead of 30 \
             user_group membership listing(s)\n"
        ),
        "{text}"
    );
    let first = &answer.members[0];
    let line = format!(
        "  {}: {}\n",
        first.member.label(),
        first.group_names().join(", ")
    );
    assert!(text.contains(&line), "{text}");
}

#[tokio::test]
async fn groups_of_many_users_reads_each_groups_members_once() {
    let (fake, jc, ids) = org(BigOrg::new(400, 30, 20, 4)).await;
    let org_id = fake.default_org_id().to_owned();
    // Named users, as a listing or search gives them: no naming request.
    let users: Vec<NodeRef> = fake
        .org(&org_id)
        .objects(jumpcloud_fake::Collection::Users)
        .unwrap()
        .iter()
        .map(|u| {
            let id = u["_id"].as_str().unwrap();
            NodeRef::user(id).named(u["username"].as_str().unwrap())
        })
        .collect();
    let answer = jc.graph().groups_of(users.clone()).await.unwrap();
    let requests = sent(&fake);
    assert_eq!(answer.direction, Direction::PerGroup, "{}", answer.reason());
    assert_eq!(answer.len(), 400);
    check(&fake, &answer);
    let (per_member, per_group) = floor(&fake, &ids.users);
    assert!(per_group < per_member);
    assert_eq!(requests, per_group, "exactly the floor");
    assert_eq!(
        requests,
        1 + 30,
        "one page of groups, one membership listing each"
    );
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.path.ends_with("/memberof"))
            .count(),
        0
    );
    // The order asked is kept, and a user asked twice is answered once.
    let mut twice = users[..3].to_vec();
    twice.push(users[0].clone());
    let answer = jc.graph().groups_of(twice).await.unwrap();
    assert_eq!(answer.len(), 3);
    assert_eq!(answer.members[0].member, users[0]);
    // Systems and their system groups the same way.
    let systems: Vec<NodeRef> = ids.systems.iter().map(NodeRef::system).collect();
    sent(&fake);
    let answer = jc.graph().groups_of(systems).await.unwrap();
    assert_eq!(answer.group_kind, Kind::SystemGroup);
    assert_eq!(
        answer.direction,
        Direction::PerGroup,
        "4 groups, 20 systems"
    );
    assert!(answer.iter().all(|m| m.groups.len() == 1), "{answer}");
    assert_eq!(
        sent(&fake),
        1 + 4 + 1,
        "groups, memberships, one search naming 20 systems"
    );
}

#[tokio::test]
async fn groups_of_refuses_what_it_cannot_answer_before_any_request() {
    let (fake, jc, ids) = org(BigOrg::new(10, 3, 4, 2)).await;
    let none = jc.graph().groups_of(Vec::new()).await.unwrap();
    assert!(none.is_empty());
    let mixed = [
        NodeRef::user(&ids.users[0]),
        NodeRef::system(&ids.systems[0]),
    ];
    let err = jc.graph().groups_of(mixed).await.unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
    assert!(err.to_string().contains("one kind"), "{err}");
    let err = jc
        .graph()
        .groups_of([NodeRef::user_group(&ids.user_groups[0])])
        .await
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err}");
    assert_eq!(sent(&fake), 0);
}

/// The cost of the groups of many users on the benchmark organisation
/// (5,000 users, 300 user groups, 20,000 systems, 200 system groups; 20 ms
/// per request): `groups_of` for 50 to 5,000 users, against the floor, and
/// one `member_of` per user as a newcomer would write it. Run with `cargo
/// test -p jumpcloud-fake --release --test e2e -- --ignored --nocapture
/// groups_e2e::`; the numbers are in BENCHMARKS.md.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: seeds 25,500 objects and takes a minute"]
async fn groups_of_users_on_the_benchmark_organisation() {
    let fake = FakeJumpCloud::builder().start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    fake.org(&org).seed_big_org(BigOrg::default()).unwrap();
    let users: Vec<NodeRef> = fake
        .org(&org)
        .objects(jumpcloud_fake::Collection::Users)
        .unwrap()
        .iter()
        .map(|u| {
            let id = u["_id"].as_str().unwrap();
            NodeRef::user(id).named(u["username"].as_str().unwrap())
        })
        .collect();
    let jc = client(&fake);
    fake.set_latency(Duration::from_millis(20));
    println!("users | direction | requests | floor (per member / per group) | wall time");
    for n in [50, 250, 299, 301, 1_000, 5_000] {
        // Every 20th user: spread over the groups, as a domain's users are.
        let step = (users.len() / n).max(1);
        let asked: Vec<NodeRef> = users.iter().step_by(step).take(n).cloned().collect();
        let ids: Vec<String> = asked.iter().map(|u| u.id.clone()).collect();
        let (per_member, per_group) = floor(&fake, &ids);
        fake.clear_requests();
        let t = Instant::now();
        let answer = jc.graph().groups_of(asked).await.unwrap();
        let ms = t.elapsed().as_millis();
        let requests = fake.request_count();
        check(&fake, &answer);
        println!(
            "{n} | {} | {requests} | {} ({per_member} / {per_group}) | {ms} ms",
            answer.direction,
            per_member.min(per_group)
        );
    }
    // One member_of per user, as the newcomer wrote it, for 250 users.
    let asked: Vec<NodeRef> = users.iter().step_by(20).take(250).cloned().collect();
    for names in [true, false] {
        fake.clear_requests();
        let t = Instant::now();
        let g = jc.graph().names(names);
        let mut all = Vec::new();
        for u in &asked {
            let groups: Vec<_> = g.member_of(u).unwrap().try_collect().await.unwrap();
            all.extend(groups.into_iter().map(|r| r.node));
        }
        if !names {
            g.names(true).names_of(&all).await;
        }
        println!(
            "250 users one member_of each (names {names}{}): {} requests, {} ms",
            if names { "" } else { ", then names_of" },
            fake.request_count(),
            t.elapsed().as_millis()
        );
    }
}
