//! Directory Insights events of the last hour written to a JSON-lines file, then new ones as
//! they come: `cargo run -p jumpcloud-ext --example follow_events -- [--out events.jsonl]
//! [--service sso] [--hours 1] [--follow]`.
//!
//! The hour is read by an `Export`: the range is split into slices by the interval
//! endpoint's histogram and the slices' cursors are walked four at a time, each event once.
//! Every batch goes through an `EventSink`: its events are appended to the output file and
//! its checkpoint stored beside it (`FILE.state.json`) as one commit, so a run killed at any
//! point and started again with the same `--out` carries on where it stopped, without losing
//! or doubling an event in the file. With `--follow` it then tails new events with a `Follow`
//! (polling every 15 seconds) into the same file, just as safely.
//!
//! With `--fake` (or no credentials in the environment) it runs against the project's fake
//! JumpCloud, whose demo organisation logs an event a minute, in pages of 25 to show the
//! cursors at work; the file goes into a fresh temporary folder unless `--out` is given. To
//! show a resume, the fake run stops after two batches as if it were killed, opens the file
//! again and finishes, then checks that every event is in the file once. `--follow` is
//! ignored there.

mod common;

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use futures::TryStreamExt;
use jumpcloud_ext::JumpCloud;
use jumpcloud_ext::api::insights::types::EventQueryServiceItem;
use jumpcloud_ext::insights::{
    Event, EventSearch, EventSink, Export, ExportCheckpoint, Follow, FollowCheckpoint,
};
use serde::{Deserialize, Serialize};

/// What the state file holds: where the export stands, then where the follow does. Any
/// serialisable checkpoint goes into an `EventSink`.
#[derive(Serialize, Deserialize)]
enum Stage {
    Export(ExportCheckpoint),
    Follow(FollowCheckpoint),
}

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
    let out = match common::arg("--out") {
        Some(path) => PathBuf::from(path),
        None if target.is_fake() => {
            let dir = std::env::temp_dir().join(format!("follow-events-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            dir.join("events.jsonl")
        }
        None => PathBuf::from("events.jsonl"),
    };
    let mut state = out.clone().into_os_string();
    state.push(".state.json");
    let state = PathBuf::from(state);
    let search = EventSearch::services([service]);
    let page_size = if target.is_fake() { 25 } else { 1_000 };

    // The fake run is killed after two batches, then started again on the same files.
    let stop_after = target.is_fake().then_some(2);
    let mut sink = EventSink::open(&out, &state)?;
    if export(jc, &mut sink, &search, hours, page_size, stop_after).await? {
        eprintln!(
            "-- stopped after {} events, as if killed; starting again --",
            sink.events()
        );
        drop(sink);
        sink = EventSink::open(&out, &state)?;
        export(jc, &mut sink, &search, hours, page_size, None).await?;
    }
    eprintln!("{} events in {}", sink.events(), out.display());
    if target.is_fake() {
        return check_once(&out, sink.events());
    }
    if !common::flag("--follow") {
        return Ok(());
    }
    let checkpoint = match sink.checkpoint::<Stage>()? {
        Some(Stage::Follow(cp)) => cp,
        Some(Stage::Export(cp)) => FollowCheckpoint::since(cp.range().end),
        None => FollowCheckpoint::since(Utc::now()),
    };
    let mut events = Follow::new(jc, search, checkpoint)
        .poll_every(Duration::from_secs(15))
        .page_size(page_size)
        .stream();
    while let Some(batch) = events.try_next().await? {
        batch.events.iter().for_each(print_event);
        sink.commit(&batch.events, &Stage::Follow(batch.checkpoint))?;
    }
    Ok(())
}

/// Exports into `sink` from its checkpoint, or the last `hours` when it has none; with
/// `stop_after`, returns `true` after that many batches without finishing.
async fn export(
    jc: &JumpCloud,
    sink: &mut EventSink,
    search: &EventSearch,
    hours: i64,
    page_size: u32,
    stop_after: Option<usize>,
) -> common::ExampleResult<bool> {
    let export = match sink.checkpoint::<Stage>()? {
        Some(Stage::Export(cp)) => {
            eprintln!("resuming: {} events already in the file", sink.events());
            Export::resume(jc, cp)
        }
        Some(Stage::Follow(_)) => return Ok(false), // the export is over
        None => {
            let now = Utc::now();
            Export::new(
                jc,
                now - chrono::Duration::hours(hours)..now,
                search.clone(),
            )
        }
    };
    let mut batches = export.concurrency(4).page_size(page_size).stream();
    let mut n = 0;
    while let Some(batch) = batches.try_next().await? {
        batch.events.iter().for_each(print_event);
        let cp = &batch.checkpoint;
        eprintln!(
            "  (slice {} of {}: {} events; {} of about {} so far)",
            batch.slice + 1,
            cp.slices().len(),
            batch.events.len(),
            cp.delivered(),
            cp.expected()
        );
        sink.commit(&batch.events, &Stage::Export(batch.checkpoint))?;
        n += 1;
        if stop_after == Some(n) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Every line of `out` is an event, and no event id appears twice.
fn check_once(out: &std::path::Path, expected: u64) -> common::ExampleResult {
    let text = std::fs::read_to_string(out)?;
    let mut ids = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let event: Event =
            serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?;
        let id = event.id().unwrap_or_default().to_owned();
        if !ids.insert(id.clone()) {
            return Err(format!("event {id} is in {} twice", out.display()).into());
        }
    }
    if ids.len() as u64 != expected {
        return Err(format!("{} events in the file, {expected} committed", ids.len()).into());
    }
    eprintln!("checked: {} lines, each event once", ids.len());
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
