//! The fake JumpCloud as a process of its own, for measurements that must not
//! count the fake's memory or CPU as the client's (see `benches/stream_memory.rs`).
//!
//! `fake-jumpcloud [--users N] [--groups N] [--latency-ms N]` prints its base
//! URL on the first line of stdout, then serves until stdin closes.

use std::io::{BufRead, Write};
use std::time::Duration;

use jumpcloud_tests::fake::FakeJumpCloud;

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
        let mut out = std::io::stdout();
        writeln!(out, "{}", fake.base_url())?;
        out.flush()?;
        // Serve until the parent closes stdin.
        tokio::task::spawn_blocking(|| {
            let stdin = std::io::stdin();
            for line in stdin.lock().lines() {
                if line.is_err() {
                    break;
                }
            }
        })
        .await?;
        fake.shutdown().await;
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
