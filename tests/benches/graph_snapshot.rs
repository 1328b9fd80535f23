//! A graph snapshot at scale: 5,000 users, 300 user groups, 20,000 systems
//! and 200 system groups ([`BigOrg::default`]), served by the fake JumpCloud
//! in a process of its own with 20 ms of latency per request.
//!
//! For each concurrency it reports the requests made against the fewest the
//! page sizes allow (computed by the fake from its own data), the wall time,
//! the snapshot's size and the client's peak resident set. Run with
//! `cargo bench -p jumpcloud-tests --bench graph_snapshot`; results are
//! recorded in BENCHMARKS.md. `GRAPH_BENCH_CONCURRENCY=8,1` (the default)
//! chooses the runs; the concurrency-1 run takes a few minutes.
//!
//! [`BigOrg::default`]: jumpcloud_fake::BigOrg

use std::time::{Duration, Instant};

use jumpcloud_ext::graph::Kind;
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::DEFAULT_API_KEY;

#[path = "support/mod.rs"]
mod support;
use support::{Fake, status_bytes};

const LATENCY_MS: &str = "20";

struct Run {
    concurrency: usize,
    requests: usize,
    wall: Duration,
    nodes: usize,
    edges: usize,
    peak: Option<usize>,
}

fn main() {
    let runs: Vec<usize> = std::env::var("GRAPH_BENCH_CONCURRENCY")
        .unwrap_or_else(|_| "8,1".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let Some(mut fake) =
        Fake::start(&["--big-org".into(), "--latency-ms".into(), LATENCY_MS.into()])
    else {
        return;
    };
    let floor = fake.ask("floor");
    let Some((rt, jc)) = runtime_and_client(&fake.url) else {
        fake.stop();
        return;
    };
    let kinds = [Kind::User, Kind::UserGroup, Kind::System, Kind::SystemGroup];
    let mut results = Vec::new();
    for concurrency in runs {
        let before = fake.ask("requests").unwrap_or(0);
        let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        let start = Instant::now();
        let snapshot = rt.block_on(jc.graph().concurrency(concurrency).snapshot(&kinds));
        let wall = start.elapsed();
        let peak = status_bytes("VmHWM:").filter(|_| reset);
        let after = fake.ask("requests").unwrap_or(0);
        match snapshot {
            Ok(s) => results.push(Run {
                concurrency,
                requests: after.saturating_sub(before),
                wall,
                nodes: s.nodes.len(),
                edges: s.edges.len(),
                peak,
            }),
            Err(e) => eprintln!("snapshot at concurrency {concurrency} failed: {e}"),
        }
    }
    fake.stop();
    println!(
        "graph_snapshot: 5,000 users, 300 user groups, 20,000 systems, 200 system groups; \
         {LATENCY_MS} ms per request"
    );
    match floor {
        Some(f) => println!("  fewest requests the page sizes allow: {f}"),
        None => println!("  fewest requests: not reported by the fake"),
    }
    for r in &results {
        let ratio = floor.map_or(String::from("?"), |f| {
            format!("{:.3}", r.requests as f64 / f.max(1) as f64)
        });
        let peak = r.peak.map_or(String::from("not measurable here"), |p| {
            format!("{:.1} MiB", p as f64 / (1024.0 * 1024.0))
        });
        println!(
            "  concurrency {}: {} requests ({ratio} of the floor), {:.1} s, \
             {} nodes, {} edges, peak resident set {peak}",
            r.concurrency,
            r.requests,
            r.wall.as_secs_f64(),
            r.nodes,
            r.edges,
        );
    }
}

/// A runtime and a client for the fake at `url`, or `None` (said on stderr)
/// when either cannot be made.
fn runtime_and_client(url: &str) -> Option<(tokio::runtime::Runtime, JumpCloud)> {
    // A multi-threaded runtime with I/O and timers.
    let rt = tokio::runtime::Runtime::new()
        .map_err(|e| eprintln!("no runtime: {e}"))
        .ok()?;
    let jc = JumpCloud::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(url)
        .build()
        .map_err(|e| eprintln!("no client: {e}"))
        .ok()?;
    Some((rt, jc))
}
