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

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use jumpcloud_ext::graph::Kind;
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::DEFAULT_API_KEY;

const LATENCY_MS: &str = "20";

/// A `VmHWM`-style line of /proc/self/status, in bytes.
fn status_bytes(key: &str) -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The fake in its own process, and the lines to ask it questions.
struct Fake {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    url: String,
}

impl Fake {
    fn start() -> Option<Fake> {
        let exe = env!("CARGO_BIN_EXE_fake-jumpcloud-bench");
        let mut child = Command::new(exe)
            .args(["--big-org", "--latency-ms", LATENCY_MS, "--stdin-questions"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| eprintln!("could not start {exe}: {e}; skipping"))
            .ok()?;
        let stdin = child.stdin.take()?;
        let mut stdout = BufReader::new(child.stdout.take()?);
        let mut line = String::new();
        stdout.read_line(&mut line).ok()?;
        let started: serde_json::Value = serde_json::from_str(&line).ok()?;
        Some(Fake {
            child,
            stdin,
            stdout,
            url: started["url"].as_str()?.to_owned(),
        })
    }

    /// Ask `question` (`requests` or `floor`); the number answered.
    fn ask(&mut self, question: &str) -> Option<usize> {
        writeln!(self.stdin, "{question}").ok()?;
        self.stdin.flush().ok()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line).ok()?;
        line.trim().parse().ok()
    }

    fn stop(mut self) {
        drop(self.stdin);
        let _ = self.child.wait();
    }
}

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
    let Some(mut fake) = Fake::start() else {
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
