//! The fake JumpCloud as a process of its own: for scripts and test suites in any language, and
//! for measurements that must not count the fake's memory or CPU as the client's (see
//! `benches/stream_memory.rs`).
//!
//! ```text
//! fake-jumpcloud [--demo] [--big-org] [--users N] [--groups N] [--port P] [--latency-ms N]
//!                [--seconds N] [--stdin-questions]
//! ```
//!
//! Once it listens it prints exactly one JSON line on stdout: `url` (the origin of every API),
//! `api_key`, `client_id`, `client_secret`, `org_id`, the base URLs `v1_url`, `v2_url`,
//! `insights_url`, the OAuth `token_url`, and the process id `pid`. Then it serves until it is
//! killed or `--seconds N` have passed. Closing stdin does not stop it.
//!
//! - `--demo`: the demo organisation (users, groups, systems, events, ...) and its credentials.
//! - `--big-org`: add the graph benchmark's organisation ([`BigOrg::default`]) to the default
//!   organisation; `--users N` / `--groups N`: add N generated users / user groups.
//! - `--port P`: listen on 127.0.0.1:P instead of a free port.
//! - `--latency-ms N`: delay every request by N ms.
//! - `--stdin-questions`: read one question per stdin line and answer each with one line on
//!   stdout (`requests`: requests received so far; `floor`: the fewest requests a snapshot of
//!   the default organisation's users, systems and their groups can make with pages of 100,
//!   [`FakeJumpCloud::snapshot_floor`]); in this mode closing stdin stops the fake, so a
//!   parent's exit never leaves it behind.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

use jumpcloud_fake::{BigOrg, FakeJumpCloud};
use serde_json::json;

const USAGE: &str = "usage: fake-jumpcloud [--demo] [--big-org] [--users N] [--groups N] \
[--port P] [--latency-ms N] [--seconds N] [--stdin-questions]";

/// The command line, checked before anything starts.
#[derive(Debug, Default)]
struct Options {
    demo: bool,
    big_org: bool,
    users: usize,
    groups: usize,
    port: u16,
    latency_ms: u64,
    seconds: Option<u64>,
    stdin_questions: bool,
}

fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    fn number<T: std::str::FromStr>(name: &str, value: Option<String>) -> Result<T, String> {
        let value = value.ok_or_else(|| format!("{name} needs a value"))?;
        value
            .parse()
            .map_err(|_| format!("{name}: {value:?} is not a valid number"))
    }
    let mut o = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--demo" => o.demo = true,
            "--big-org" => o.big_org = true,
            "--stdin-questions" => o.stdin_questions = true,
            "--users" => o.users = number(&arg, args.next())?,
            "--groups" => o.groups = number(&arg, args.next())?,
            "--port" => o.port = number(&arg, args.next())?,
            "--latency-ms" => o.latency_ms = number(&arg, args.next())?,
            "--seconds" => o.seconds = Some(number(&arg, args.next())?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match parse(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("fake-jumpcloud: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fake-jumpcloud: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(o: Options) -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut builder = FakeJumpCloud::builder()
            .port(o.port)
            .latency(Duration::from_millis(o.latency_ms));
        if o.demo {
            builder = builder.demo();
        }
        let fake = builder.start().await?;
        fake.seed_users(o.users)?;
        fake.seed_user_groups(o.groups)?;
        if o.big_org {
            fake.seed_big_org(fake.default_org(), BigOrg::default())?;
        }
        let (api_key, client_id, client_secret) = if o.demo {
            (
                jumpcloud_fake::DEMO_API_KEY,
                jumpcloud_fake::DEMO_CLIENT_ID,
                jumpcloud_fake::DEMO_CLIENT_SECRET,
            )
        } else {
            (
                jumpcloud_fake::DEFAULT_API_KEY,
                jumpcloud_fake::DEFAULT_CLIENT_ID,
                jumpcloud_fake::DEFAULT_CLIENT_SECRET,
            )
        };
        let line = json!({
            "url": fake.base_url(),
            "api_key": api_key,
            "client_id": client_id,
            "client_secret": client_secret,
            "org_id": fake.default_org(),
            "v1_url": fake.v1_url(),
            "v2_url": fake.v2_url(),
            "insights_url": fake.insights_url(),
            "token_url": fake.token_url(),
            "pid": std::process::id(),
        });
        let mut out = std::io::stdout();
        writeln!(out, "{line}")?;
        out.flush()?;

        let deadline = async {
            match o.seconds {
                Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
                None => std::future::pending().await,
            }
        };
        if o.stdin_questions {
            tokio::select! {
                answered = answer_questions(&fake) => answered?,
                () = deadline => {}
            }
        } else {
            deadline.await;
        }
        fake.shutdown().await;
        Ok(())
    })
}

/// Answer questions read from stdin, one line each, until stdin closes.
async fn answer_questions(fake: &FakeJumpCloud) -> std::io::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut out = std::io::stdout();
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
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn command_line() {
        let o = parse(args("--demo --port 8080 --seconds 5 --latency-ms 20")).unwrap();
        assert!(o.demo && !o.big_org && !o.stdin_questions);
        assert_eq!((o.port, o.seconds, o.latency_ms), (8080, Some(5), 20));
        assert!(parse(args("--port")).unwrap_err().contains("needs a value"));
        assert!(parse(args("--port x")).unwrap_err().contains("not a valid"));
        assert!(parse(args("--dmeo")).unwrap_err().contains("unknown"));
    }
}
