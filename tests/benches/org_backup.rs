//! An organisation backup at scale: the graph benchmark's organisation
//! (5,000 users, 300 user groups, 20,000 systems, 200 system groups) and the
//! same divided by 4, each served by the fake JumpCloud in a process of its
//! own, backed up (users, systems and their groups) into a temporary
//! directory at concurrency 8.
//!
//! For each size it reports the requests against the snapshot floor (which
//! the fake computes from its own data), the files written, the wall time,
//! and how far the client's peak resident set rose over where it stood when
//! the backup started: a backup keeps only a (kind, id) → name index, so
//! that rise should barely grow with the organisation. Run with
//! `cargo bench -p jumpcloud-tests --bench org_backup`. Settings:
//! `ORG_BENCH_DIVIDE=4,1` (the sizes, as divisors of the full organisation),
//! `ORG_BENCH_LATENCY_MS=20` (per request, in the fake).

use std::path::Path;
use std::time::{Duration, Instant};

use jumpcloud_ext::graph::Kind;
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::DEFAULT_API_KEY;

#[path = "support/mod.rs"]
mod support;
use support::{Fake, status_bytes};

struct Run {
    divide: usize,
    objects: usize,
    links: usize,
    files: usize,
    requests: usize,
    counted: u64,
    floor: Option<usize>,
    wall: Duration,
    rise: Option<usize>,
}

fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| {
            let path = e.path();
            if path.is_dir() { count_files(&path) } else { 1 }
        })
        .sum()
}

fn one(rt: &tokio::runtime::Runtime, divide: usize, latency_ms: u64) -> Option<Run> {
    let mut fake = Fake::start(&[
        "--big-org-divide".into(),
        divide.to_string(),
        "--latency-ms".into(),
        latency_ms.to_string(),
    ])?;
    let floor = fake.ask("floor");
    let jc = JumpCloud::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(&fake.url)
        .build()
        .map_err(|e| eprintln!("no client: {e}"))
        .ok()?;
    let dir = std::env::temp_dir().join(format!("jc-org-bench-{}-{divide}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let kinds = [Kind::User, Kind::UserGroup, Kind::System, Kind::SystemGroup];
    let before = fake.ask("requests").unwrap_or(0);
    // Reset the high-water mark to the current resident set.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let start_rss = status_bytes("VmRSS:");
    let start = Instant::now();
    let manifest = rt.block_on(async { jc.org().concurrency(8).backup(&dir).kinds(&kinds).await });
    let wall = start.elapsed();
    let peak = status_bytes("VmHWM:").filter(|_| reset);
    let after = fake.ask("requests").unwrap_or(0);
    fake.stop();
    let files = count_files(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    let manifest = manifest
        .map_err(|e| eprintln!("backup of 1/{divide} failed: {e}"))
        .ok()?;
    Some(Run {
        divide,
        objects: manifest.kinds.iter().map(|k| k.objects).sum(),
        links: manifest.kinds.iter().map(|k| k.links).sum(),
        files,
        requests: after.saturating_sub(before),
        counted: manifest.requests,
        floor,
        wall,
        rise: peak.zip(start_rss).map(|(p, s)| p.saturating_sub(s)),
    })
}

fn main() {
    let divisors: Vec<usize> = std::env::var("ORG_BENCH_DIVIDE")
        .unwrap_or_else(|_| "4,1".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .filter(|d| *d > 0)
        .collect();
    let latency_ms: u64 = std::env::var("ORG_BENCH_LATENCY_MS")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(20);
    let Ok(rt) = tokio::runtime::Runtime::new() else {
        eprintln!("no runtime");
        return;
    };
    println!(
        "org_backup: the graph benchmark's organisation divided by {divisors:?}; \
         users, systems and their groups; concurrency 8; {latency_ms} ms per request"
    );
    for divide in divisors {
        let Some(r) = one(&rt, divide, latency_ms) else {
            continue;
        };
        let floor = r.floor.map_or(String::from("?"), |f| f.to_string());
        let rise = r.rise.map_or(String::from("not measurable here"), |p| {
            format!("{:.1} MiB", p as f64 / (1024.0 * 1024.0))
        });
        println!(
            "  1/{}: {} objects, {} links, {} files; {} requests (manifest: {}, floor {floor}); \
             {:.1} s; peak resident set rose by {rise}",
            r.divide,
            r.objects,
            r.links,
            r.files,
            r.requests,
            r.counted,
            r.wall.as_secs_f64(),
        );
    }
}
