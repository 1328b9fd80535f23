//! Organisation as code end to end: back an organisation up, restore the
//! backup into an empty organisation by planning and applying it, back that
//! up, and diff the two (nothing but ids differs); then plan again (no
//! writes). Request counts are checked against the floor.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use jumpcloud_ext::graph::Kind;
use jumpcloud_ext::org::{self, DeclaredState, OrgState};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{BigOrg, Collection, FakeJumpCloud};

use crate::common;

const PEOPLE_AND_MACHINES: [Kind; 4] =
    [Kind::User, Kind::UserGroup, Kind::System, Kind::SystemGroup];

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jc-org-trip-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Writes sent since the log was last cleared (every request but a GET).
fn writes(fake: &FakeJumpCloud) -> usize {
    fake.requests().iter().filter(|r| r.method != "GET").count()
}

/// An empty organisation where the systems of `state` have enrolled (as
/// their agents would make them: a declared state names systems, it does
/// not create them), with new ids.
async fn empty_with_systems(state: &OrgState) -> (FakeJumpCloud, JumpCloud) {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org();
    for o in state.objects.iter().filter(|o| o.kind == Kind::System) {
        let mut attributes = o.attributes.clone();
        attributes.remove("_id");
        attributes.remove("id");
        attributes.remove("organization");
        org.insert(Collection::Systems, serde_json::Value::Object(attributes))
            .unwrap();
    }
    let jc = common::client(&fake, RetryPolicy::none());
    fake.clear_requests();
    (fake, jc)
}

/// Backs `jc`'s organisation up, restores it into an empty one, and checks
/// the round trip: the restore's writes are exactly its plan's, a second
/// plan writes nothing, both backups cost the floor, and the two backups
/// differ in nothing but ids. Returns the number of writes the restore made.
async fn round_trip(source: &FakeJumpCloud, jc: &JumpCloud, name: &str) -> usize {
    let (a, b) = (temp(&format!("{name}-a")), temp(&format!("{name}-b")));
    source.clear_requests();
    let manifest = jc
        .org()
        .backup(&a)
        .kinds(&PEOPLE_AND_MACHINES)
        .await
        .unwrap();
    let floor = source
        .org(source.default_org_id())
        .snapshot_floor(100)
        .unwrap();
    assert_eq!(common::sent(source), floor, "the backup costs the floor");
    assert_eq!(manifest.requests, floor as u64);
    let original = OrgState::read(&a).unwrap();
    assert!(org::diff(&original, &original).is_empty());

    // The backup planned against the organisation it came from: nothing.
    let declared = DeclaredState::from_state(&original);
    let unchanged = jc.org().plan(&declared).await.unwrap();
    assert!(
        unchanged.is_empty(),
        "a fresh backup plans nothing:\n{unchanged}"
    );
    source.clear_requests();

    let (target, restored) = empty_with_systems(&original).await;
    let plan = restored.org().plan(&declared).await.unwrap();
    let users = original
        .objects
        .iter()
        .filter(|o| o.kind == Kind::User)
        .count();
    assert_eq!(
        plan.count(org::ObjectOp::Create),
        original.objects.len() - {
            original
                .objects
                .iter()
                .filter(|o| o.kind == Kind::System)
                .count()
        }
    );
    assert!(users > 0);
    target.clear_requests();
    let report = restored.org().apply(&plan).run().await.unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(report.done(), plan.len());
    let restore_writes = writes(&target);
    assert_eq!(restore_writes, plan.len(), "one write per planned change");

    // Idempotent: planning again finds nothing, and applying that writes nothing.
    let again = restored.org().plan(&declared).await.unwrap();
    assert!(again.is_empty(), "applied twice:\n{again}");
    target.clear_requests();
    let report = restored.org().apply(&again).run().await.unwrap();
    assert!(report.is_success());
    assert_eq!(writes(&target), 0);

    target.clear_requests();
    restored
        .org()
        .backup(&b)
        .kinds(&PEOPLE_AND_MACHINES)
        .await
        .unwrap();
    let floor = target
        .org(target.default_org_id())
        .snapshot_floor(100)
        .unwrap();
    assert_eq!(common::sent(&target), floor);
    let difference = org::diff(&original, &OrgState::read(&b).unwrap());
    assert!(difference.is_empty(), "restored differs:\n{difference:#}");
    std::fs::remove_dir_all(&a).unwrap();
    std::fs::remove_dir_all(&b).unwrap();
    restore_writes
}

/// The demo organisation, whose second "Contractors" group (an empty one
/// that shares its name, which the API would refuse to create) is removed
/// first.
#[tokio::test]
async fn the_demo_organisation_round_trips_through_a_backup() {
    let (fake, jc) = common::demo().await;
    let org = fake.default_org();
    let duplicate = org
        .objects(Collection::UserGroups)
        .unwrap()
        .into_iter()
        .filter(|g| g["name"] == jumpcloud_fake::DEMO_DUPLICATE_GROUP)
        .filter_map(|g| g["id"].as_str().map(str::to_owned))
        .max()
        .unwrap();
    org.remove(Collection::UserGroups, &duplicate).unwrap();
    let writes = round_trip(&fake, &jc, "demo").await;
    assert!(writes > 50, "{writes}");
}

/// A tenth of the benchmark organisation (500 users, 30 user groups, 2,000
/// systems, 20 system groups, and their memberships and bindings).
#[tokio::test]
async fn a_large_organisation_round_trips_at_the_request_floor() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let ids = fake
        .default_org()
        .seed_big_org(BigOrg::new(500, 30, 2_000, 20))
        .unwrap();
    let jc = common::client(&fake, RetryPolicy::none());
    let writes = round_trip(&fake, &jc, "big").await;
    // Every user, group and edge is one write.
    let objects = 500 + 30 + 20;
    assert_eq!(writes, objects + ids.memberships + ids.associations);
}

/// The whole benchmark organisation (5,000 users, 300 user groups, 20,000
/// systems, 200 system groups): about 30,000 writes, so it is left out of
/// the default run; `cargo test -p jumpcloud-tests --test e2e --
/// --ignored org_round_trip` runs it (BENCHMARKS.md has its figures).
#[tokio::test]
#[ignore = "the full benchmark organisation: about a minute in a debug build"]
async fn the_benchmark_organisation_round_trips_at_the_request_floor() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let ids = fake.default_org().seed_big_org(BigOrg::default()).unwrap();
    let jc = common::client(&fake, RetryPolicy::none());
    let started = std::time::Instant::now();
    let writes = round_trip(&fake, &jc, "full").await;
    let objects = ids.users.len() + ids.user_groups.len() + ids.system_groups.len();
    assert_eq!(writes, objects + ids.memberships + ids.associations);
    eprintln!(
        "round trip of the benchmark organisation: {writes} writes, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
