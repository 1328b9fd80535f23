//! The fake JumpCloud as a process of its own, for measurements that must not
//! count the fake's memory or CPU as the client's (see `benches/stream_memory.rs`).
//!
//! `fake-jumpcloud [--users N] [--groups N] [--big-org] [--latency-ms N]`
//! prints its base URL on the first line of stdout, then serves until stdin
//! closes. `--big-org` adds the graph benchmark's organisation
//! ([`BigOrg::default`]). Each line read from stdin is a question, answered
//! with one line on stdout:
//!
//! - `requests`: how many requests the fake has received so far;
//! - `floor`: the fewest requests a snapshot of the default organisation's
//!   users, systems and their groups can make with pages of 100
//!   ([`FakeJumpCloud::snapshot_floor`]).

use std::io::{BufRead, Write};
use std::time::Duration;

use jumpcloud_tests::fake::{BigOrg, FakeJumpCloud};

fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

fn arg(name: &str) -> Option<u64> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let fake = FakeJumpCloud::builder()
            .latency(Duration::from_millis(arg("--latency-ms").unwrap_or(0)))
            .start()
            .await?;
        let users = usize::try_from(arg("--users").unwrap_or(0))?;
        let groups = usize::try_from(arg("--groups").unwrap_or(0))?;
        fake.seed_users(users)?;
        fake.seed_user_groups(groups)?;
        if flag("--big-org") {
            fake.seed_big_org(fake.default_org(), BigOrg::default())?;
        }
        let mut out = std::io::stdout();
        writeln!(out, "{}", fake.base_url())?;
        out.flush()?;
        // Answer questions until the parent closes stdin.
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        while let Some(line) = rx.recv().await {
            let answer = match line.trim() {
                "requests" => fake.request_count().to_string(),
                "floor" => match fake.snapshot_floor(fake.default_org(), 100) {
                    Ok(n) => n.to_string(),
                    Err(e) => format!("error: {e}"),
                },
                other => format!("error: unknown question {other:?}"),
            };
            writeln!(out, "{answer}")?;
            out.flush()?;
        }
        fake.shutdown().await;
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
