//! Directory Insights events of the last hour, then new ones as they come:
//! `cargo run -p jumpcloud-ext --example follow_events -- [--service sso] [--hours 1]
//! [--follow [--state follow.json]]`.
//!
//! The hour is read by an `Export`: the range is split into slices by the interval
//! endpoint's histogram and the slices' cursors are walked four at a time, each event once.
//! With `--follow` it then tails new events with a `Follow`, polling every 15 seconds; with
//! `--state FILE` the follow's checkpoint is kept in FILE after every batch, so a restarted
//! run carries on without printing an event twice.
//!
//! With `--fake` (or no credentials in the environment) it runs against the project's fake
//! JumpCloud, whose demo organisation logs an event a minute, in pages of 25 to show the
//! cursors at work; `--follow` is ignored there.

mod common;

use std::time::Duration;

use chrono::Utc;
use futures::TryStreamExt;
use jumpcloud_ext::api::insights::types::EventQueryServiceItem;
use jumpcloud_ext::insights::{Event, EventSearch, Export, Follow, FollowCheckpoint};
use serde::Deserialize;

fn main() -> std::process::ExitCode {
    common::main(run)
}

async fn run() -> common::ExampleResult {
    let target = common::connect().await?;
    let jc = &target.jc;
    let service: EventQueryServiceItem = common::arg("--service")
        .as_deref()
        .unwrap_or("all")
        .parse()
        .map_err(|e| format!("--service: {e}"))?;
    let hours: i64 = match common::arg("--hours") {
        Some(h) => h.parse().map_err(|e| format!("--hours: {e}"))?,
        None => 1,
    };
    let search = EventSearch::services([service]);
    let page_size = if target.is_fake() { 25 } else { 1_000 };
    let now = Utc::now();
    let from = now - chrono::Duration::hours(hours);

    let mut batches = Export::new(jc, from..now, search.clone())
        .concurrency(4)
        .page_size(page_size)
        .stream();
    let mut total = 0;
    while let Some(batch) = batches.try_next().await? {
        for event in &batch.events {
            print_event(event);
        }
        total += batch.events.len();
        let cp = &batch.checkpoint;
        eprintln!(
            "  (slice {} of {}: {} events; {} of about {} so far)",
            batch.slice + 1,
            cp.slices().len(),
            batch.events.len(),
            cp.delivered(),
            cp.expected()
        );
    }
    eprintln!("{total} events in the last {hours} h");
    if !common::flag("--follow") || target.is_fake() {
        return Ok(());
    }

    let state = common::arg("--state");
    let checkpoint = match state.as_deref().map(std::fs::read_to_string) {
        Some(Ok(json)) => serde_json::from_str(&json)?,
        _ => FollowCheckpoint::since(now),
    };
    let mut events = Follow::new(jc, search, checkpoint)
        .poll_every(Duration::from_secs(15))
        .page_size(page_size)
        .stream();
    while let Some(batch) = events.try_next().await? {
        for event in &batch.events {
            print_event(event);
        }
        if let Some(path) = &state {
            std::fs::write(path, serde_json::to_string(&batch.checkpoint)?)?;
        }
    }
    Ok(())
}

fn print_event(event: &Event) {
    // Read only the printed fields, into a type of our own.
    let line: Line = event.parse().unwrap_or_default();
    let who = line.initiated_by.and_then(|w| w.username);
    println!(
        "{}  {:<8} {:<28} {:<16} {}",
        line.timestamp.as_deref().unwrap_or("-"),
        line.service.as_deref().unwrap_or("-"),
        line.event_type.as_deref().unwrap_or("-"),
        who.as_deref().unwrap_or("-"),
        if line.success == Some(false) {
            "failed"
        } else {
            ""
        }
    );
}

/// The fields of an event this example prints; every other field is skipped.
#[derive(Default, Deserialize)]
struct Line {
    timestamp: Option<String>,
    service: Option<String>,
    event_type: Option<String>,
    initiated_by: Option<Who>,
    success: Option<bool>,
}

#[derive(Default, Deserialize)]
struct Who {
    username: Option<String>,
}
