//! Runs a saved command on the systems of a system group and prints each system's result as it
//! arrives: `cargo run -p jumpcloud-ext --example run_command -- --command NAME --group NAME
//! [--timeout 120]`.
//!
//! The command and the group are looked up by name (an unknown or ambiguous name stops before
//! anything runs). Systems that have not answered when the timeout passes are listed at the
//! end; that is an outcome, not a failure.
//!
//! With `--fake` (or no credentials in the environment) it runs the demo command "Update
//! packages" on a group of four systems it adds to the project's fake JumpCloud, one of
//! which is offline and never answers.

mod common;

use std::time::Duration;

use futures::StreamExt;
use jumpcloud_ext::jobs::{Commands, RunEvent, Target};
use jumpcloud_fake::{Collection, FakeJumpCloud, GraphKind, GraphNode};
use serde_json::json;

const FAKE_GROUP: &str = "Web servers";

fn main() -> std::process::ExitCode {
    common::main(run)
}

async fn run() -> common::ExampleResult {
    let target = common::connect_to(|b| b, seed).await?;
    let (command, group, default_timeout) = if target.is_fake() {
        ("Update packages".to_owned(), FAKE_GROUP.to_owned(), 3)
    } else {
        (
            common::arg("--command").ok_or("--command <name> is required")?,
            common::arg("--group").ok_or("--group <name> is required")?,
            120,
        )
    };
    let timeout = match common::arg("--timeout") {
        Some(s) => s.parse().map_err(|e| format!("--timeout: {e}"))?,
        None => default_timeout,
    };
    let mut commands = Commands::new(&target.jc);
    if target.is_fake() {
        commands = commands.poll_backoff(Duration::from_millis(100), Duration::from_millis(400));
    }
    let command_id = commands.command_id(&command).await?;
    let group_id = commands.group_id(&group).await?;
    let run = commands
        .run(&command_id, &[Target::SystemGroup(group_id)])
        .await?;
    eprintln!(
        "running {command:?} on {} systems of {group:?} (run {}), waiting up to {timeout} s",
        run.systems().len(),
        run.workflow_instance_id()
    );
    let mut events = run.results(Duration::from_secs(timeout));
    let (mut answered, mut failed) = (0, 0);
    while let Some(event) = events.next().await {
        match event? {
            RunEvent::Result(r) => {
                answered += 1;
                let code = r.exit_code.map_or("?".into(), |c| c.to_string());
                if r.exit_code != Some(0) {
                    failed += 1;
                }
                let took = match (r.started, r.finished) {
                    (Some(a), Some(b)) => format!("{} ms", (b - a).num_milliseconds()),
                    _ => "-".into(),
                };
                println!(
                    "{:<32} exit {code:>3}  {took:>8}  {}",
                    r.system.to_string(),
                    r.output.lines().next().unwrap_or("")
                );
            }
            RunEvent::Unanswered(systems) => {
                for s in &systems {
                    println!("{:<32} no answer within {timeout} s", s.to_string());
                }
            }
            other => println!("{other:?}"),
        }
    }
    eprintln!("{answered} systems answered, {failed} with a non-zero exit code");
    Ok(())
}

/// Four systems in a group "Web servers"; `web-04` never answers, `web-03` exits with 1.
fn seed(fake: &FakeJumpCloud) -> common::ExampleResult {
    let org = fake.default_org();
    let group = org.insert(Collection::SystemGroups, json!({ "name": FAKE_GROUP }))?;
    for i in 1..=4 {
        let name = format!("web-{i:02}");
        let system = org.insert(
            Collection::Systems,
            json!({ "hostname": name, "displayName": name, "os": "Ubuntu" }),
        )?;
        let (g, s) = (
            GraphNode::new(GraphKind::SystemGroup, group.clone()),
            GraphNode::new(GraphKind::System, system.clone()),
        );
        org.add_member(&g, &s)?;
        match i {
            3 => org.set_command_exit_code(&system, 1)?,
            4 => org.set_silent_systems(&[system.as_str()])?,
            _ => {}
        }
    }
    org.set_command_timing(Duration::from_millis(200), Duration::from_millis(300))?;
    Ok(())
}
