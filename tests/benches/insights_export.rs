//! Directory Insights export at scale, against the fake JumpCloud on 127.0.0.1 with 20 ms
//! added to every request:
//!
//! - 1,000,000 events in pages of 1,000 (JumpCloud's default page), read by one cursor walk
//!   (`Export` with one slice) against the range split into 32 slices walked 8 at a time;
//! - peak resident set of the process while exporting 250,000 and 1,000,000 events sliced,
//!   to show memory flat in the number of events. The fake runs in the same process but
//!   generates each page on demand, so it holds no more than the pages in flight either.
//!
//! Run with `cargo bench -p jumpcloud-tests --bench insights_export`; results are recorded
//! in BENCHMARKS.md. `EXPORT_EVENTS=n` changes the event count.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use jumpcloud_ext::insights::{EventSearch, Export};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{DEFAULT_API_KEY, EventSet, FakeJumpCloud};

/// A `VmHWM` line of /proc/self/status, in bytes.
fn peak_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Exports `[from, to)`; events seen, time taken, requests sent and the peak resident set
/// during the run (reset first through /proc/self/clear_refs).
async fn run(
    jc: &JumpCloud,
    fake: &FakeJumpCloud,
    range: std::ops::Range<DateTime<Utc>>,
    slices: usize,
    concurrency: usize,
) -> jumpcloud_ext::Result<(u64, Duration, usize, Option<usize>)> {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = fake.request_count();
    let started = Instant::now();
    let n = Export::new(jc, range, EventSearch::all())
        .slices(slices)
        .concurrency(concurrency)
        .page_size(1_000)
        .stream()
        .try_fold(0u64, |n, b| async move { Ok(n + b.events.len() as u64) })
        .await?;
    let took = started.elapsed();
    Ok((
        n,
        took,
        fake.request_count() - before,
        peak_rss().filter(|_| reset),
    ))
}

fn mib(b: Option<usize>) -> String {
    b.map_or("n/a".into(), |b| format!("{:.1} MiB", b as f64 / 1048576.0))
}

async fn bench() -> Result<(), Box<dyn std::error::Error>> {
    let events: u64 = std::env::var("EXPORT_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let start: DateTime<Utc> = "2026-01-01T00:00:00Z".parse()?;
    // Three events per instant, 2 ms apart: a million events span about 11 minutes.
    let set = EventSet::new(start, events).gap_millis(2);
    let fake = FakeJumpCloud::builder()
        .request_log_capacity(16)
        .start()
        .await?;
    let org = fake.default_org().to_owned();
    fake.seed_event_set(&org, set.clone())?;
    let jc = JumpCloud::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .build()?;
    // Warm the connection pool.
    Export::new(&jc, start..start, EventSearch::all())
        .plan()
        .await?;
    fake.set_latency(Duration::from_millis(20));

    let sliced = run(&jc, &fake, set.start()..set.end(), 32, 8).await?;
    let single = run(&jc, &fake, set.start()..set.end(), 1, 1).await?;
    let quarter_end =
        DateTime::from_timestamp_millis(set.millis(events / 4)).ok_or("event time out of range")?;
    let quarter = run(&jc, &fake, set.start()..quarter_end, 32, 8).await?;

    println!("insights_export: {events} events, pages of 1,000, 20 ms per request");
    for (name, (n, took, requests, peak)) in [
        ("one cursor walk", &single),
        ("32 slices, concurrency 8", &sliced),
        ("a quarter of the range, sliced", &quarter),
    ] {
        println!(
            "  {name:<32} {n:>8} events in {:>7.2} s ({requests} requests, {:.0} K events/s), peak {}",
            took.as_secs_f64(),
            *n as f64 / took.as_secs_f64() / 1000.0,
            mib(*peak)
        );
    }
    println!(
        "  speed-up sliced / single: {:.2}x",
        single.1.as_secs_f64() / sliced.1.as_secs_f64()
    );
    if let (Some(small), Some(large)) = (quarter.3, sliced.3) {
        println!(
            "  peak memory, all / a quarter of the events: {:.2}x",
            large as f64 / small.max(1) as f64
        );
    }
    Ok(())
}

fn main() {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("no runtime: {e}");
            return;
        }
    };
    if let Err(e) = rt.block_on(bench()) {
        eprintln!("insights_export failed: {e}");
    }
}
