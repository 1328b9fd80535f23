//! Directory Insights events of the last hour, then new ones as they come:
//! `cargo run -p jumpcloud-ext --example follow_events -- [--service sso] [--follow]`.
//!
//! Events are read through one stream that follows Directory Insights' cursor (the
//! `X-Search_after` header sent back as `search_after`), so an hour with many thousands of
//! events is read page by page without a cap. With `--follow` it then asks every 15 seconds
//! for what happened since the newest event seen; without it, it stops after the hour.
//!
//! With `--fake` (or no credentials in the environment) it runs against the project's fake
//! JumpCloud, whose demo organisation logs an event a minute, in pages of 25 to show the
//! cursor at work.

mod common;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use jumpcloud_ext::api::insights::types::{EventQuery, EventQueryServiceItem};
use jumpcloud_ext::prelude::*;
use serde_json::{Map, Value};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::init_tracing();
    common::exit(run().await)
}

async fn run() -> common::ExampleResult {
    let target = common::connect(|b| b, |_| Ok(())).await?;
    let jc = &target.jc;
    let service: EventQueryServiceItem = common::arg("--service")
        .as_deref()
        .unwrap_or("all")
        .parse()
        .map_err(|e| format!("--service: {e}"))?;
    let page_size = if target.is_fake() { 25 } else { 1_000 };
    let mut since = Utc::now() - chrono::Duration::hours(1);
    let mut total = 0;
    loop {
        let (seen, newest) = print_since(jc, &service, since, page_size).await?;
        total += seen;
        if !common::flag("--follow") || target.is_fake() {
            break;
        }
        if let Some(newest) = newest {
            // Events at exactly `newest` were printed; ask for what is later.
            since = newest + chrono::Duration::milliseconds(1);
        }
        tokio::time::sleep(Duration::from_secs(15)).await;
    }
    eprintln!("{total} events");
    Ok(())
}

/// Prints every event from `since` on, oldest first; how many, and the newest timestamp.
async fn print_since(
    jc: &JumpCloud,
    service: &EventQueryServiceItem,
    since: DateTime<Utc>,
    page_size: u32,
) -> common::ExampleResult<(usize, Option<DateTime<Utc>>)> {
    let query = EventQuery::builder()
        .service(vec![service.clone()])
        .start_time(since)
        .sort(Some("ASC".to_owned()));
    let mut events = jc
        .insights()
        .event_get()
        .body(query)
        .per_page(page_size)
        .pages();
    let (mut seen, mut newest) = (0, None);
    while let Some(page) = events.try_next().await? {
        for event in &page.items {
            let at = text(event, &["timestamp"]);
            if let Ok(t) = at.parse::<DateTime<Utc>>() {
                newest = newest.max(Some(t));
            }
            println!(
                "{at}  {:<8} {:<28} {:<16} {}",
                text(event, &["service"]),
                text(event, &["event_type"]),
                text(event, &["initiated_by", "username"]),
                if event.get("success") == Some(&Value::Bool(false)) {
                    "failed"
                } else {
                    ""
                }
            );
        }
        seen += page.items.len();
        eprintln!("  (page {}: {} events)", page.index, page.items.len());
    }
    Ok((seen, newest))
}

/// A string at `path` in an event, or `-`.
fn text(event: &Map<String, Value>, path: &[&str]) -> String {
    let mut value = event.get(path[0]);
    for key in &path[1..] {
        value = value.and_then(|v| v.get(key));
    }
    match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => "-".into(),
        Some(other) => other.to_string(),
    }
}
