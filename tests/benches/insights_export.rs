//! Directory Insights export at scale, against the fake JumpCloud on 127.0.0.1 with 20 ms
//! added to every request (both walks, every request, in the fake):
//!
//! - 1,000,000 events in pages of 10,000 (the most Directory Insights serves per request, and
//!   `Export`'s default), read by one cursor walk (`Export` with one slice) against the range
//!   split into 32 slices walked 8 at a time; then the same pair in pages of 1,000
//!   (JumpCloud's page when `limit` is omitted);
//! - peak resident set of the process while exporting 250,000 and 1,000,000 events sliced,
//!   to show memory flat in the number of events. The fake runs in the same process but
//!   generates each page on demand, so it holds no more than the pages in flight either.
//!
//! Each walk also reports the CPU time the process used (client and fake together): on a
//! machine with `n` cores a walk cannot finish faster than that CPU time divided by `n`.
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

/// User plus system CPU time of the whole process so far, from /proc/self/stat (in clock
/// ticks of 1/100 s, Linux's USER_HZ).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at field 3.
    let rest = &stat[stat.rfind(')')? + 2..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}

struct Walk {
    events: u64,
    took: Duration,
    requests: usize,
    cpu: Option<Duration>,
    peak: Option<usize>,
}

/// Exports `[from, to)`; events seen, time taken, requests sent, CPU time used and the peak
/// resident set during the run (reset first through /proc/self/clear_refs).
async fn run(
    jc: &JumpCloud,
    fake: &FakeJumpCloud,
    range: std::ops::Range<DateTime<Utc>>,
    (slices, concurrency, page): (usize, usize, u32),
) -> jumpcloud_ext::Result<Walk> {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = fake.request_count();
    let cpu_before = cpu_time();
    let started = Instant::now();
    let events = Export::new(jc, range, EventSearch::all())
        .slices(slices)
        .concurrency(concurrency)
        .page_size(page)
        .stream()
        .try_fold(0u64, |n, b| async move { Ok(n + b.events.len() as u64) })
        .await?;
    let took = started.elapsed();
    let cpu = cpu_time().zip(cpu_before).map(|(a, b)| a.saturating_sub(b));
    Ok(Walk {
        events,
        took,
        requests: fake.request_count() - before,
        cpu,
        peak: peak_rss().filter(|_| reset),
    })
}

fn mib(b: Option<usize>) -> String {
    b.map_or("n/a".into(), |b| format!("{:.1} MiB", b as f64 / 1048576.0))
}

async fn bench() -> Result<(), Box<dyn std::error::Error>> {
    let events: u64 = std::env::var("EXPORT_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let start: DateTime<Utc> = "2026-01-01T00:00:00Z".parse()?;
    // Three events per instant, 2 ms apart: a million events span about 11 minutes.
    let set = EventSet::new(start, events).gap_millis(2);
    let fake = FakeJumpCloud::builder()
        .request_log_capacity(16)
        .start()
        .await?;
    let org = fake.default_org_id().to_owned();
    fake.org(&org).seed_event_set(set.clone())?;
    let jc = JumpCloud::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .build()?;
    // Warm the connection pool.
    Export::new(&jc, start..start, EventSearch::all())
        .plan()
        .await?;
    fake.set_latency(Duration::from_millis(20));
    let load_before = load_average();

    let all = set.start()..set.end();
    let sliced = run(&jc, &fake, all.clone(), (32, 8, 10_000)).await?;
    let single = run(&jc, &fake, all.clone(), (1, 1, 10_000)).await?;
    let quarter_end =
        DateTime::from_timestamp_millis(set.millis(events / 4)).ok_or("event time out of range")?;
    let quarter = run(&jc, &fake, set.start()..quarter_end, (32, 8, 10_000)).await?;
    let sliced_small = run(&jc, &fake, all.clone(), (32, 8, 1_000)).await?;
    let single_small = run(&jc, &fake, all, (1, 1, 1_000)).await?;

    println!(
        "insights_export: {events} events, 20 ms per request, {cores} cores; \
         load average {load_before} before, {} after",
        load_average()
    );
    for (name, w) in [
        ("pages of 10,000: one cursor walk", &single),
        ("pages of 10,000: 32 slices, concurrency 8", &sliced),
        ("a quarter of the range, sliced", &quarter),
        ("pages of 1,000: one cursor walk", &single_small),
        ("pages of 1,000: 32 slices, concurrency 8", &sliced_small),
    ] {
        println!(
            "  {name:<42} {:>8} events in {:>7.2} s ({} requests, {:.0} K events/s), \
             CPU {}, peak {}",
            w.events,
            w.took.as_secs_f64(),
            w.requests,
            w.events as f64 / w.took.as_secs_f64() / 1000.0,
            w.cpu
                .map_or("n/a".into(), |c| format!("{:.2} s", c.as_secs_f64())),
            mib(w.peak)
        );
    }
    for (page, single, sliced) in [
        ("10,000", &single, &sliced),
        ("1,000", &single_small, &sliced_small),
    ] {
        let floor = sliced.cpu.map_or("n/a".into(), |c| {
            format!("{:.2} s", c.as_secs_f64() / cores as f64)
        });
        println!(
            "  pages of {page}: speed-up sliced / single {:.2}x; sliced walk's CPU / {cores} \
             cores = {floor} (the fastest it could be here)",
            single.took.as_secs_f64() / sliced.took.as_secs_f64()
        );
    }
    if let (Some(small), Some(large)) = (quarter.peak, sliced.peak) {
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
