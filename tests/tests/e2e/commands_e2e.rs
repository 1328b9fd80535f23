//! Commands end to end against the fake on 127.0.0.1: results per system as they arrive, the
//! silent system reported at the deadline, faults on the polling endpoint, an unknown command,
//! destructive built-ins with and without their confirmation, and triggers by name.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::{Duration, Instant};

use futures::StreamExt;
use jumpcloud_ext::jobs::{
    Builtin, CommandFailure, Commands, Confirm, RunEvent, SystemResult, Target,
};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{Collection, FakeJumpCloud, Fault, GraphKind, GraphNode};
use serde_json::json;

const RESULTS: &str = "/api/search/commandresults";

fn client(fake: &FakeJumpCloud) -> JumpCloud {
    common::client(fake, common::fast_retry())
}

/// The command failure an error carries.
#[track_caller]
fn failure(err: &Error) -> &CommandFailure {
    match err.detail() {
        Some(ErrorDetail::Command(failure)) => failure,
        other => panic!("{err}: {other:?}"),
    }
}

fn commands(fake: &FakeJumpCloud) -> Commands {
    Commands::new(&client(fake)).poll_backoff(Duration::from_millis(20), Duration::from_millis(60))
}

/// A command "Update packages", a group "Servers" of `n` systems `srv-0`…, their ids.
fn seed(fake: &FakeJumpCloud, n: usize) -> (String, String, Vec<String>) {
    let org = fake.default_org_id().to_owned();
    let command = fake
        .org(&org).insert(
            Collection::Commands,
            json!({"name": "Update packages", "command": "apt-get upgrade -y", "trigger": "nightly"}),
        )
        .unwrap();
    let group = fake
        .org(&org)
        .insert(Collection::SystemGroups, json!({"name": "Servers"}))
        .unwrap();
    let systems: Vec<String> = (0..n)
        .map(|i| {
            let id = fake
                .org(&org).insert(
                    Collection::Systems,
                    json!({"hostname": format!("srv-{i}"), "displayName": format!("srv-{i}"), "os": "Ubuntu"}),
                )
                .unwrap();
            fake.org(&org).add_member(
                &GraphNode::new(GraphKind::SystemGroup, group.clone()),
                &GraphNode::new(GraphKind::System, id.clone()),
            )
            .unwrap();
            id
        })
        .collect();
    (command, group, systems)
}

#[tokio::test]
async fn results_arrive_one_by_one_and_the_silent_system_is_reported_at_the_deadline() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let (_, _, systems) = seed(&fake, 4);
    fake.org(&org)
        .set_command_timing(Duration::from_millis(50), Duration::from_millis(150))
        .unwrap();
    fake.org(&org)
        .set_silent_systems(&[systems[3].as_str()])
        .unwrap();
    fake.org(&org)
        .set_command_exit_code(&systems[1], 2)
        .unwrap();
    let cmds = commands(&fake).output_cap(8);
    // By name, through the lookups.
    let command = cmds.command_id("Update packages").await.unwrap();
    let group = cmds.group_id("Servers").await.unwrap();
    let run = cmds
        .run(&command, &[Target::SystemGroup(group)])
        .await
        .unwrap();
    assert_eq!(run.systems().len(), 4);
    assert_eq!(fake.requests_to("POST", "/api/runCommand").len(), 1);
    let sent = fake.requests_to("POST", "/api/runCommand")[0]
        .json()
        .unwrap();
    assert_eq!(sent["_id"], json!(command));
    assert_eq!(sent["systemIds"].as_array().unwrap().len(), 4);

    let begun = Instant::now();
    let mut events = run.results(Duration::from_millis(1_200));
    let mut got: Vec<(SystemResult, Duration)> = Vec::new();
    let mut unanswered = None;
    while let Some(event) = events.next().await {
        match event.unwrap() {
            RunEvent::Result(r) => got.push((r, begun.elapsed())),
            RunEvent::Unanswered(s) => unanswered = Some(s),
            other => panic!("unexpected {other:?}"),
        }
    }
    let names: Vec<_> = got
        .iter()
        .map(|(r, _)| r.system.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["srv-0", "srv-1", "srv-2"]);
    // Incremental: the first result came well before the last system answered.
    assert!(
        got[0].1 + Duration::from_millis(150) < got[2].1,
        "{:?}",
        got.iter().map(|g| g.1).collect::<Vec<_>>()
    );
    let first = &got[0].0;
    assert!(first.matched);
    assert_eq!(first.system.id, systems[0]);
    assert_eq!(first.exit_code, Some(0));
    assert_eq!(first.output, "ran `apt");
    assert!(first.truncated);
    assert!(first.started.is_some() && first.finished >= first.started);
    assert_eq!(got[1].0.exit_code, Some(2));
    let unanswered = unanswered.expect("the silent system is reported");
    assert_eq!(unanswered.len(), 1);
    assert_eq!(unanswered[0].id, systems[3]);
    assert_eq!(unanswered[0].name.as_deref(), Some("srv-3"));
}

#[tokio::test]
async fn a_run_where_everyone_answers_ends_without_waiting_for_the_deadline() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let (command, _, systems) = seed(&fake, 3);
    fake.org(&org)
        .set_command_timing(Duration::from_millis(20), Duration::from_millis(5))
        .unwrap();
    let targets: Vec<_> = systems.iter().cloned().map(Target::System).collect();
    let run = commands(&fake).run(&command, &targets).await.unwrap();
    let begun = Instant::now();
    let events: Vec<_> = run.results(Duration::from_secs(30)).collect().await;
    assert!(begun.elapsed() < Duration::from_secs(5));
    assert_eq!(events.len(), 3);
    assert!(
        events
            .iter()
            .all(|e| matches!(e, Ok(RunEvent::Result(r)) if r.matched))
    );
}

#[tokio::test]
async fn faults_mid_wait_are_retried_and_one_that_outlasts_the_retries_names_the_run() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let (command, group, _) = seed(&fake, 3);
    fake.org(&org)
        .set_command_timing(Duration::from_millis(40), Duration::from_millis(40))
        .unwrap();
    let cmds = commands(&fake);
    let run = cmds
        .run(&command, &[Target::SystemGroup(group.clone())])
        .await
        .unwrap();
    common::flaky_polls(&fake, RESULTS);
    let events: Vec<_> = run.results(Duration::from_secs(10)).collect().await;
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(events.iter().all(Result::is_ok));

    // A failure that outlasts the client's retries ends the stream with a typed error that
    // keeps who had answered.
    fake.org(&org)
        .set_command_timing(Duration::from_millis(10), Duration::from_millis(400))
        .unwrap();
    let run = cmds
        .run(&command, &[Target::SystemGroup(group)])
        .await
        .unwrap();
    let instance = run.workflow_instance_id().to_owned();
    let mut events = run.results(Duration::from_secs(10));
    let first = events.next().await.unwrap().unwrap();
    assert!(matches!(first, RunEvent::Result(_)));
    fake.faults()
        .push(Fault::server_error().on_path(RESULTS).times(50));
    let err = loop {
        match events.next().await.unwrap() {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    let f = failure(&err);
    assert_eq!(f.command, command);
    assert_eq!(f.run.as_deref(), Some(instance.as_str()));
    assert!(
        !f.answered.is_empty() && f.answered.len() + f.pending.len() == 3,
        "{err}"
    );
    // The failed request's own status is kept beside the command's detail.
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert!(err.to_string().contains(&instance), "{err}");
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn unknown_command_and_bad_targets_are_typed_errors() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let (_, _, systems) = seed(&fake, 1);
    let cmds = commands(&fake);
    // Unknown names from the lookups: nothing is run.
    let err = cmds.command_id("No such command").await.unwrap_err();
    assert!(err.to_string().contains("No such command"), "{err}");
    assert!(err.is_not_found(), "{err:?}");
    assert!(
        cmds.group_id("No such group")
            .await
            .unwrap_err()
            .is_not_found()
    );
    // An empty target list is refused before any request.
    let before = fake.requests().len();
    let err = cmds.run("5f0000000000000000000001", &[]).await.unwrap_err();
    assert!(err.to_string().contains("no systems"), "{err}");
    assert!(err.is_invalid_request(), "{err:?}");
    assert_eq!(fake.requests().len(), before);
    // An unknown command id: JumpCloud's 404, naming the command.
    let ghost = "5f00000000000000000000ff";
    let err = cmds
        .run(ghost, &[Target::System(systems[0].clone())])
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert!(err.to_string().contains(ghost), "{err}");
    assert_eq!(failure(&err).pending.len(), 1);
}

/// A group or system that does not exist is named by its kind, never as the
/// command: by name from the lookup, by id before anything runs.
#[tokio::test]
async fn a_missing_group_or_system_is_named_by_its_kind_not_as_the_command() {
    use jumpcloud_ext::graph::Kind;
    let fake = FakeJumpCloud::start().await.unwrap();
    let (command, group, systems) = seed(&fake, 2);
    let cmds = commands(&fake);
    let err = cmds.group_id("Nope").await.unwrap_err();
    assert_eq!(err.to_string(), "no system_group has name \"Nope\"");
    let not_found = |err: &Error| match err.detail() {
        Some(ErrorDetail::NotFound {
            kind, field, value, ..
        }) => (kind.clone(), *field, value.clone()),
        other => panic!("{err}: {other:?}"),
    };
    assert_eq!(not_found(&err).0, Kind::SystemGroup);

    let ghost = "5f00000000000000000000aa";
    let err = cmds
        .run(&command, &[Target::SystemGroup(ghost.into())])
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!("no system_group has id \"{ghost}\"")
    );
    assert_eq!(not_found(&err), (Kind::SystemGroup, "id", ghost.to_owned()));
    assert!(!err.to_string().contains(&command), "{err}");

    let err = cmds
        .run(
            &command,
            &[Target::SystemGroup(group), Target::System(ghost.into())],
        )
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), format!("no system has id \"{ghost}\""));
    assert_eq!(not_found(&err).0, Kind::System);
    assert!(
        fake.requests_to("POST", "/api/runCommand").is_empty(),
        "nothing ran"
    );

    // The systems a run names print as graph nodes do.
    let refs = cmds
        .systems(&[Target::System(systems[0].clone())])
        .await
        .unwrap();
    assert_eq!(refs[0].to_string(), "system srv-0");
    assert_eq!(
        format!("{:#}", refs[0]),
        format!("system srv-0 ({})", systems[0])
    );
    assert_eq!(refs[0].to_string(), refs[0].node().to_string());
    assert_eq!(format!("{:#}", refs[0]), format!("{:#}", refs[0].node()));
}

#[tokio::test]
async fn destructive_builtins_need_their_confirmation() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let (_, _, systems) = seed(&fake, 2);
    let cmds = commands(&fake);
    // A confirmation for another built-in: nothing is sent.
    let err = cmds
        .builtin(Builtin::Erase, &systems, Confirm::destructive("restart"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("erase"), "{err}");
    assert!(
        fake.requests()
            .iter()
            .all(|r| !r.path.contains("/command/builtin/"))
    );
    // No systems: nothing is sent either.
    assert!(
        cmds.builtin(Builtin::Lock, &[], Confirm::destructive("lock"))
            .await
            .is_err()
    );
    assert!(
        fake.requests()
            .iter()
            .all(|r| !r.path.contains("/command/builtin/"))
    );
    // With it, one request per system.
    cmds.builtin(Builtin::Erase, &systems, Confirm::destructive("erase"))
        .await
        .unwrap();
    for id in &systems {
        let path = format!("/api/systems/{id}/command/builtin/erase");
        assert_eq!(fake.requests_to("POST", &path).len(), 1);
    }
    // A failure names the system and keeps those already sent.
    let mut two = vec![systems[0].clone(), "5f00000000000000000000ee".to_owned()];
    two.push(systems[1].clone());
    let err = cmds
        .builtin(Builtin::Restart, &two, Confirm::destructive("restart"))
        .await
        .unwrap_err();
    let f = failure(&err);
    assert!(f.command.contains("5f00000000000000000000ee"), "{err}");
    assert_eq!(f.answered.len(), 1);
    assert_eq!(f.pending.len(), 2);
}

#[tokio::test]
async fn commands_are_triggered_by_name() {
    let fake = FakeJumpCloud::start().await.unwrap();
    seed(&fake, 1);
    let cmds = commands(&fake);
    let triggered = cmds.trigger("nightly").await.unwrap();
    assert_eq!(triggered, ["Update packages"]);
    assert_eq!(
        fake.requests_to("POST", "/api/command/trigger/nightly")
            .len(),
        1
    );
    let err = cmds.trigger("never").await.unwrap_err();
    assert!(
        err.is_not_found() && err.to_string().contains("never"),
        "{err}"
    );
    let before = fake.requests().len();
    assert!(cmds.trigger(" ").await.is_err());
    assert_eq!(fake.requests().len(), before);
}

/// Requests a run on 1,000 systems uses, against the fewest its steps need: one
/// `runCommand`, 10 membership pages, 10 name searches, and 10 result pages read once
/// everyone has answered. Printed for BENCHMARKS.md; bounded so a regression fails.
#[tokio::test]
async fn a_run_on_1000_systems_counts_its_requests() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let (command, group, _) = seed(&fake, 1_000);
    fake.org(&org)
        .set_command_timing(Duration::from_millis(200), Duration::from_micros(1_000))
        .unwrap();
    let before = fake.requests().len();
    let cmds = Commands::new(&client(&fake))
        .poll_backoff(Duration::from_millis(250), Duration::from_secs(2));
    let begun = Instant::now();
    let run = cmds
        .run(&command, &[Target::SystemGroup(group)])
        .await
        .unwrap();
    let events: Vec<_> = run.results(Duration::from_secs(30)).collect().await;
    let took = begun.elapsed();
    assert_eq!(events.len(), 1_000);
    assert!(
        events
            .iter()
            .all(|e| matches!(e, Ok(RunEvent::Result(r)) if r.matched))
    );
    let requests = fake.requests()[before..].to_vec();
    let count = |p: &str| requests.iter().filter(|r| r.path.contains(p)).count();
    let (membership, names, results) = (
        count("/membership"),
        count("/search/systems"),
        count("/search/commandresults"),
    );
    println!(
        "1000 systems: {} requests (runCommand 1, membership {membership}, names {names}, \
         result pages {results}); minimum 31; {took:?}",
        requests.len()
    );
    assert_eq!(membership, 10);
    assert_eq!(names, 10);
    assert!((10..=60).contains(&results), "{results} result pages");
}

#[tokio::test]
async fn a_stored_run_is_followed_again_after_a_restart() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let (command, group, systems) = seed(&fake, 3);
    fake.org(&org)
        .set_command_timing(Duration::from_millis(20), Duration::from_millis(20))
        .unwrap();
    fake.org(&org)
        .set_silent_systems(&[systems[2].as_str()])
        .unwrap();
    let run = commands(&fake)
        .run(&command, &[Target::SystemGroup(group)])
        .await
        .unwrap();
    // What a program would store: the ids and the systems (serde).
    let stored = serde_json::to_string(run.systems()).unwrap();
    let instance = run.workflow_instance_id().to_owned();
    drop(run);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let before = fake.requests_to("POST", "/api/runCommand").len();
    let resumed =
        commands(&fake).resume(&command, &instance, serde_json::from_str(&stored).unwrap());
    let events: Vec<_> = resumed.results(Duration::from_millis(300)).collect().await;
    assert_eq!(fake.requests_to("POST", "/api/runCommand").len(), before);
    assert_eq!(events.len(), 3, "{events:?}");
    assert!(matches!(&events[0], Ok(RunEvent::Result(r)) if r.system.id == systems[0]));
    match events.last().unwrap() {
        Ok(RunEvent::Unanswered(s)) => assert_eq!(s[0].id, systems[2]),
        other => panic!("{other:?}"),
    }
}
