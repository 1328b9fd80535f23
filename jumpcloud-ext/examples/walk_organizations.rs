//! Every organisation a multi-tenant administrator manages, with its users and systems:
//! `cargo run -p jumpcloud-ext --example walk_organizations`.
//!
//! The organisation list is one of the routes that refuse `x-org-id`; the client leaves the
//! header off there by itself. Each organisation is then counted through `with_org`, a scoped
//! copy of the client that shares its connections and its token, so a hundred organisations
//! cost no extra logins. Counting asks for one item per listing (`total_count`).
//!
//! With `--fake` (or no credentials in the environment) it runs against the project's fake
//! JumpCloud with three organisations reachable by one administrator key.

mod common;

use futures::{StreamExt, TryStreamExt};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::Collection;

const MSP_KEY: &str = "msp-admin-key";
const ORGS: [(&str, &str, usize, usize); 3] = [
    ("6500000000000000000000a1", "Acme Dental", 12, 5),
    ("6500000000000000000000a2", "Birch Legal", 40, 18),
    ("6500000000000000000000a3", "Cedar Labs", 7, 3),
];

fn main() -> std::process::ExitCode {
    common::main(run)
}

async fn run() -> common::ExampleResult {
    let target = common::connect_to(
        |mut b| {
            for (id, name, _, _) in ORGS {
                b = b.org(id, name);
            }
            b.api_key(MSP_KEY, ORGS.map(|(id, ..)| id))
        },
        |server| {
            for (id, _, users, systems) in ORGS {
                server.org(id).seed(Collection::Users, users)?;
                server.org(id).seed(Collection::Systems, systems)?;
            }
            Ok(())
        },
    )
    .await?;
    let jc = match &target.fake {
        // The administrator who manages the three organisations.
        Some(server) => JumpCloud::builder()
            .api_key(MSP_KEY)
            .base_url(server.base_url())
            .build()?,
        None => target.jc.clone(),
    };

    let orgs = jc.v1().organization_list().try_collect_all().await?;
    println!("{} organisations", orgs.len());
    // An organisation the answer gave no id cannot be scoped to: say so rather than guess one.
    let (orgs, without_id): (Vec<_>, Vec<_>) = orgs.into_iter().partition(|org| org.id.is_some());
    for org in &without_id {
        eprintln!(
            "skipped an organisation without an id: {:?}",
            org.display_name
        );
    }
    // Four organisations at a time; each line as its counts arrive, in list order.
    let mut rows = futures::stream::iter(
        orgs.into_iter()
            .filter_map(|org| Some((org.id?, org.display_name))),
    )
    .map(|(id, display_name)| {
        let jc = jc.clone();
        async move {
            let scoped = jc.with_org(&id);
            let users = scoped.v1().user_list().total_count().await?;
            let systems = scoped.v1().system_list().total_count().await?;
            Ok::<_, jumpcloud_ext::Error>((id, display_name, users, systems))
        }
    })
    .buffered(4);
    let (mut all_users, mut all_systems) = (0, 0);
    println!(
        "{:<26} {:<24} {:>6} {:>8}",
        "id", "name", "users", "systems"
    );
    while let Some((id, name, users, systems)) = rows.try_next().await? {
        let (users, systems) = (users.unwrap_or_default(), systems.unwrap_or_default());
        all_users += users;
        all_systems += systems;
        println!(
            "{id:<26} {:<24} {users:>6} {systems:>8}",
            name.as_deref().unwrap_or("?")
        );
    }
    println!("{:<51} {all_users:>6} {all_systems:>8}", "total");
    Ok(())
}
