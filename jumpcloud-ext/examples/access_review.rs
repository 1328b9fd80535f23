//! Access review of an application: who can reach it, and through what.
//! `cargo run -p jumpcloud-ext --example access_review -- [--app NAME]`.
//!
//! JumpCloud answers "who reaches this application" with a traversal listing whose rows carry
//! every path that grants the access (a direct binding, or through a user group); the client
//! streams it and prints one line per user with each path. Usernames come from one v1 listing.
//!
//! With `--fake` (or no credentials in the environment) it runs against the project's fake
//! JumpCloud and reviews the demo organisation's first application.

mod common;

use std::collections::BTreeMap;

use jumpcloud_ext::graph::NodeRef;
use jumpcloud_ext::prelude::*;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::init_tracing();
    common::exit(run().await)
}

async fn run() -> common::ExampleResult {
    let target = common::connect(|b| b, |_| Ok(())).await?;
    let jc = &target.jc;
    let wanted = common::arg("--app");
    let apps = jc.v1().application_list().try_collect_all().await?;
    let app = apps
        .iter()
        .find(|a| match &wanted {
            Some(name) => {
                a.display_label.as_deref() == Some(name.as_str())
                    || a.display_name.as_deref() == Some(name.as_str())
            }
            None => true,
        })
        .ok_or_else(|| format!("no application named {:?}", wanted.as_deref().unwrap_or("")))?;
    let label = app
        .display_label
        .clone()
        .or_else(|| app.display_name.clone())
        .unwrap_or_else(|| "(unnamed)".into());
    let id = app.id.clone().ok_or("the application has no id")?;

    let users: BTreeMap<String, String> = jc
        .v1()
        .user_list()
        .try_collect_all()
        .await?
        .into_iter()
        .filter_map(|u| Some((u.id?, u.username?)))
        .collect();
    let name_of = |node: &NodeRef| {
        users
            .get(&node.id)
            .cloned()
            .unwrap_or_else(|| node.to_string())
    };

    let reached = jc.graph().who_can_reach(&NodeRef::application(&id)).await?;
    println!("{label}: {} user(s) can sign in", reached.len());
    for r in &reached {
        println!("  {}", name_of(&r.node));
        for path in &r.paths {
            let via: Vec<String> = path[..path.len().saturating_sub(1)]
                .iter()
                .map(|h| h.to.to_string())
                .collect();
            if via.is_empty() {
                println!("    - bound directly");
            } else {
                println!("    - via {}", via.join(" → "));
            }
        }
    }
    if target.is_fake() && reached.is_empty() {
        return Err("the demo application should be reachable by someone".into());
    }
    Ok(())
}
