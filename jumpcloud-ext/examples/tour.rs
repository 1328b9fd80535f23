//! A tour of the client: `cargo run -p jumpcloud-ext --example tour`.
//!
//! With `JUMPCLOUD_API_KEY` (or `JUMPCLOUD_CLIENT_ID` + `JUMPCLOUD_CLIENT_SECRET`) in the
//! environment it makes a few read-only calls against JumpCloud. Without credentials, or with
//! `--fake`, it starts the project's fake JumpCloud on 127.0.0.1 with a demo organisation and shows
//! the client at work: both kinds of auth, listings, a retried rate limit, a typed error and a value
//! the API documents do not list, streams, an access question answered with its paths, and a
//! picture of the demo organisation written as `org.dot` and `org.mmd` into `--out DIR` (default: a
//! fresh temporary folder). `RUST_LOG=jumpcloud_ext=debug` shows the request spans.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use jumpcloud_ext::graph::{Kind, NodeRef};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{self as fake, FakeJumpCloud, Fault};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let force_fake = std::env::args().any(|a| a == "--fake");
    let has_credentials = std::env::var_os("JUMPCLOUD_API_KEY").is_some()
        || std::env::var_os("JUMPCLOUD_CLIENT_ID").is_some();
    let outcome = if has_credentials && !force_fake {
        live().await
    } else {
        demo(has_credentials).await
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tour failed: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

type TourResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// Read-only calls against the JumpCloud tenant the environment names.
async fn live() -> TourResult {
    let jc = JumpCloud::from_env()?;
    println!("Talking to JumpCloud at {}", jc.endpoints().v2());
    jc.authenticate().await?;
    println!("- authenticated");
    let users = jc.v1().user_list().limit(5).run().await?;
    println!(
        "- {} users in the organisation; first {}:",
        users.total_count.unwrap_or_default(),
        users.results.len()
    );
    for user in &users.results {
        println!("    {}", user.username.as_deref().unwrap_or("?"));
    }
    let groups = jc.v2().user_group_list().total_count().await?;
    println!("- {} user groups", groups.unwrap_or_default());
    let systems = jc.v1().system_list().limit(100).run().await?;
    println!(
        "- {} systems; by OS in the first page: {}",
        systems.total_count.unwrap_or_default(),
        by_os(&systems.results)
    );
    Ok(())
}

/// The same client against the fake JumpCloud.
async fn demo(env_credentials: bool) -> TourResult {
    let mut builder = FakeJumpCloud::builder().demo();
    if env_credentials {
        // --fake with real credentials set: the fake takes whatever the client sends.
        builder = builder.accept_any_credentials();
    }
    let fake = builder.start().await?;
    println!(
        "Fake JumpCloud on {} (demo organisation)\n",
        fake.base_url()
    );

    // 1. API key.
    let jc = if env_credentials {
        jumpcloud_ext::JumpCloudBuilder::from_env()?
            .base_url(fake.base_url())
            .build()?
    } else {
        JumpCloud::builder()
            .api_key(fake::DEMO_API_KEY)
            .base_url(fake.base_url())
            .build()?
    };
    let users = jc
        .v1()
        .user_list()
        .limit(10)
        .sort(vec!["username".into()])
        .run()
        .await?;
    println!("API key");
    println!(
        "  v1 users: {} in all, first page of {}: {}",
        users.total_count.unwrap_or_default(),
        users.results.len(),
        listed(users.results.iter().take(4).map(|u| u.username.as_deref()))
    );
    let groups = jc
        .v2()
        .user_group_list()
        .limit(100)
        .run_with_response()
        .await?;
    println!(
        "  v2 user groups: {} (x-total-count {})",
        listed(groups.iter().map(|g| g.name.as_deref())),
        jumpcloud_ext::api::paging::header_total(groups.headers()).unwrap_or_default()
    );
    let systems = jc.v1().system_list().limit(100).run().await?;
    println!("  v1 systems by OS: {}", by_os(&systems.results));

    // 2. Service account: one token for many concurrent calls.
    let sa = JumpCloud::builder()
        .service_account(fake::DEMO_CLIENT_ID, fake::DEMO_CLIENT_SECRET)
        .base_url(fake.base_url())
        .build()?;
    let before = fake.token_requests();
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let sa = sa.clone();
            tokio::spawn(async move { sa.v2().system_group_list().run().await.map(|r| r.len()) })
        })
        .collect();
    let mut ok = 0;
    for call in calls {
        if matches!(call.await, Ok(Ok(_))) {
            ok += 1;
        }
    }
    println!("\nService account (OAuth 2.0 client credentials)");
    println!(
        "  {ok} concurrent calls succeeded with {} token request(s)",
        fake.token_requests() - before
    );

    // 3. A rate limit, retried after the server's Retry-After.
    fake.faults().push(
        Fault::rate_limited()
            .retry_after_secs(1)
            .on_path("/api/v2/usergroups")
            .times(1),
    );
    let start = Instant::now();
    let seen = fake.request_count();
    let groups = jc.v2().user_group_list().run().await?;
    println!("\nRate limit");
    println!(
        "  429 with Retry-After: 1, then {} groups: {} requests, {:.1} s",
        groups.len(),
        fake.request_count() - seen,
        start.elapsed().as_secs_f64()
    );

    // 4. A typed error.
    let missing = jc
        .v1()
        .user_get()
        .id("0123456789abcdef01234567")
        .run()
        .await;
    println!("\nTyped error");
    match missing {
        Err(e) => println!(
            "  {} {} -> status {}, not found: {}, message: {:?}",
            e.method().map(|m| m.as_str()).unwrap_or("?"),
            e.path_template().unwrap_or("?"),
            e.status().map(|s| s.as_u16()).unwrap_or_default(),
            e.is_not_found(),
            e.message().unwrap_or("")
        ),
        Ok(_) => println!("  unexpectedly found the user"),
    }

    // 5. A value the documents do not list.
    fake.faults().push(
        Fault::unknown_user_state()
            .on_path("/api/systemusers")
            .times(1),
    );
    let users = jc.v1().user_list().limit(1).run().await?;
    if let Some(state) = users.results.first().and_then(|u| u.state.as_ref()) {
        println!("\nUnlisted enum value");
        println!("  user state decoded as {state:?} (displays as {state})");
    }

    // 6. Organisation scoping.
    let scoped = jc.with_org(fake::DEMO_ORG_ID);
    let scoped_groups = scoped.v2().system_group_list().run().await?;
    println!("\nOrganisation scoping");
    println!(
        "  with_org({}) sees {} system groups; x-org-id left off /organizations",
        fake::DEMO_ORG_ID,
        scoped_groups.len()
    );
    let orgs = scoped.v1().organization_list().run().await?;
    println!(
        "  v1 organisations visible to the key: {}",
        orgs.results.len()
    );

    // 7. Streams: every listing pages itself.
    fake.default_org().seed(fake::Collection::Users, 240)?;
    let seen = fake.request_count();
    let total = jc.v1().user_list().total_count().await?;
    let mut users = jc.v1().user_list().concurrency(3).stream();
    let mut active = 0;
    let mut streamed = 0;
    while let Some(user) = users.try_next().await? {
        streamed += 1;
        if user.activated == Some(true) {
            active += 1;
        }
    }
    println!("\nStreams");
    println!(
        "  total_count() says {}; streamed {streamed} users ({active} activated) in {} requests, 3 at a time",
        total.unwrap_or_default(),
        fake.request_count() - seen
    );
    let first: Vec<_> = jc
        .v2()
        .user_group_list()
        .stream()
        .take(2)
        .try_collect()
        .await?;
    println!(
        "  take(2) of the user groups: {}",
        listed(first.iter().map(|g| g.name.as_deref()))
    );

    // 8. The graph: names to nodes with one request each, an access question with its
    // reasons (every group named), and a picture.
    let ada = jc.find::<User>(fake::DEMO_TWO_PATH_USERNAME).await?.node;
    let system = jc.find::<System>(fake::DEMO_TWO_PATH_SYSTEM).await?.node;
    println!("\nAccess");
    let graph = jc.graph().concurrency(4);
    let access = graph.access_of(&ada).await?;
    if let Some(reached) = access.get(&system) {
        println!(
            "  {} reaches {} through {} path(s):",
            ada.label(),
            system.label(),
            reached.paths.len()
        );
        for path in &reached.paths {
            let hops: Vec<String> = path.iter().map(|h| h.to.to_string()).collect();
            println!("    {}", hops.join(" → "));
        }
        if !reached.compiled_attributes.is_empty() {
            println!(
                "    compiled attributes: {}",
                serde_json::Value::Object(reached.compiled_attributes.clone())
            );
        }
    }
    let who = graph.who_can_reach(&system).await?;
    println!("  {} user(s) can reach {}", who.len(), system.label());
    for user in who.inactive() {
        let status = user.state.as_ref().map(|s| s.status());
        let status = status.map_or_else(String::new, |s| s.to_string());
        println!("    {} cannot act: {status}", user.node.label());
    }
    // The groups of many users: each group's members read once when that
    // costs fewer requests than each user's groups (it says which it chose).
    let users: Vec<NodeRef> = who.iter().map(|r| r.node.clone()).collect();
    let groups = graph.groups_of(users).await?;
    println!("  their groups, {}:", groups.reason());
    for m in groups.iter().take(3) {
        println!("    {}: {}", m.member.label(), m.group_names().join(", "));
    }
    match jc.find::<UserGroup>(fake::DEMO_DUPLICATE_GROUP).await {
        Err(e) => println!("  a name two groups share is refused: {e}"),
        Ok(g) => println!("  found {}", g.node),
    }
    let picture = jc
        .graph()
        .concurrency(4)
        .snapshot(&[Kind::User, Kind::UserGroup, Kind::System, Kind::SystemGroup])
        .await?;
    let out = out_dir()?;
    let dot = out.join("org.dot");
    let mmd = out.join("org.mmd");
    std::fs::write(&dot, picture.to_dot())?;
    std::fs::write(&mmd, picture.to_mermaid())?;
    println!("\nPicture of the organisation");
    println!(
        "  {} (Graphviz) and {} (Mermaid)",
        dot.display(),
        mmd.display()
    );

    tokio::time::sleep(Duration::from_millis(10)).await;
    fake.shutdown().await;
    println!("\nDone.");
    Ok(())
}

/// `--out DIR`, or a fresh folder under the system's temporary directory.
fn out_dir() -> std::io::Result<std::path::PathBuf> {
    let args: Vec<String> = std::env::args().collect();
    let dir = match args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
    {
        Some(dir) => std::path::PathBuf::from(dir),
        None => std::env::temp_dir().join(format!("jumpcloud-tour-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Names separated by commas, `?` for a missing one.
fn listed<'a>(names: impl Iterator<Item = Option<&'a str>>) -> String {
    names
        .map(|name| name.unwrap_or("?"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn by_os(systems: &[jumpcloud_ext::api::v1::types::JcSystem]) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for system in systems {
        *counts
            .entry(system.os.clone().unwrap_or_else(|| "unknown".into()))
            .or_default() += 1;
    }
    counts
        .iter()
        .map(|(os, n)| format!("{os} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}
