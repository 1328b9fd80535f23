//! Access review of an application: who can reach it, and through what.
//! `cargo run -p jumpcloud-ext --example access_review -- [--app NAME]`.
//!
//! The application is found by its name with one filtered request. JumpCloud answers "who
//! reaches this application" with a traversal listing whose rows carry every path that grants the
//! access (a direct binding, or through a user group); the graph reads each path from the user to
//! the application and names every node with one request per kind. The request that names the
//! users also reads their account state, so anyone who cannot act (suspended, locked, staged,
//! pending activation) is marked, at no extra request.
//!
//! With `--fake` (or no credentials in the environment) it runs against the project's fake
//! JumpCloud and reviews the demo organisation's Slack.

mod common;

use jumpcloud_ext::graph::AccountStatus;
use jumpcloud_ext::prelude::*;

fn main() -> std::process::ExitCode {
    common::main(run)
}

async fn run() -> common::ExampleResult {
    let target = common::connect().await?;
    let jc = &target.jc;
    let name = target.arg_or_demo("--app", "NAME", "Slack")?;
    let app = jc.find::<Application>(&name).await?;
    let reachers = jc.graph().who_can_reach(&app.node).await?;
    let inactive = reachers.inactive().count();
    println!(
        "{name}: {} user(s) have access, {inactive} of them not active",
        reachers.len()
    );
    for r in &reachers {
        // `[suspended]`, `[locked]`, … after anyone who is not active.
        match r.state.as_ref().map(|s| s.status()) {
            Some(status) if status != AccountStatus::Active => {
                println!("  {} [{status}]", r.node.label());
            }
            _ => println!("  {}", r.node.label()),
        }
        for path in &r.paths {
            let via: Vec<String> = path
                .iter()
                .take(path.len().saturating_sub(1))
                .map(|hop| hop.to.to_string())
                .collect();
            if via.is_empty() {
                println!("    - bound directly");
            } else {
                println!("    - via {}", via.join(" → "));
            }
        }
    }
    Ok(())
}
