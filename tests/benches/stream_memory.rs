//! Peak heap memory of the client while streaming 10,000 and 100,000 users,
//! with the fake JumpCloud in a process of its own so that only the client's
//! memory is counted (peak resident set growth, from /proc/self/status).
//!
//! Run with `cargo bench -p jumpcloud-tests --bench stream_memory`; results
//! are recorded in BENCHMARKS.md.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use futures::{StreamExt, TryStreamExt};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::DEFAULT_API_KEY;

#[path = "support/mod.rs"]
mod support;
use support::status_bytes;

/// The peak resident set of the process while `f` runs. The peak is reset
/// to the current level first (Linux: `5` into /proc/self/clear_refs).
async fn peak_during<F: std::future::Future<Output = u64>>(f: F) -> (u64, Option<usize>) {
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let n = f.await;
    let peak = status_bytes("VmHWM:").filter(|_| reset);
    (n, peak)
}

fn main() {
    let exe = env!("CARGO_BIN_EXE_fake-jumpcloud-bench");
    let Ok(mut child) = Command::new(exe)
        .args(["--users", "100000", "--stdin-questions"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    else {
        eprintln!("could not start {exe}; skipping");
        return;
    };
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut line);
    }
    let started: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
    let url = started["url"].as_str().unwrap_or_default().to_owned();
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("no runtime: {e}");
            let _ = child.kill();
            return;
        }
    };
    let result = rt.block_on(async {
        let jc = JumpCloud::builder()
            .api_key(DEFAULT_API_KEY)
            .base_url(url)
            .build()?;
        // Warm the connection pool so it is not counted in the first run.
        jc.v1().user_list().total_count().await?;
        let mut rows = Vec::new();
        for (take, concurrency) in [
            (100_000usize, 1usize),
            (10_000, 1),
            (100_000, 4),
            (10_000, 4),
        ] {
            let (n, peak) = peak_during(async {
                jc.v1()
                    .user_list()
                    .concurrency(concurrency)
                    .stream()
                    .take(take)
                    .try_fold(0u64, |n, _| async move { Ok(n + 1) })
                    .await
                    .unwrap_or(0)
            })
            .await;
            rows.push((take, concurrency, n, peak));
        }
        Ok::<_, jumpcloud_ext::Error>(rows)
    });
    drop(child.stdin.take());
    let _ = child.wait();
    match result {
        Ok(rows) => {
            println!(
                "stream_memory: peak resident set of the client process while streaming v1 users"
            );
            for (take, concurrency, n, peak) in &rows {
                match peak {
                    Some(peak) => println!(
                        "  {take:>7} users, concurrency {concurrency}: streamed {n}, peak {:.1} MiB",
                        *peak as f64 / (1024.0 * 1024.0)
                    ),
                    None => println!("  {take:>7} users: streamed {n}, peak not measurable here"),
                }
            }
            for c in [1, 4] {
                let at = |t: usize| rows.iter().find(|r| r.0 == t && r.1 == c).and_then(|r| r.3);
                if let (Some(small), Some(large)) = (at(10_000), at(100_000)) {
                    println!(
                        "  concurrency {c}: 100,000 / 10,000 = {:.2}x",
                        large as f64 / small.max(1) as f64
                    );
                }
            }
        }
        Err(e) => eprintln!("stream_memory failed: {e}"),
    }
}
