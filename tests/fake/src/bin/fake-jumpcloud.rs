//! The fake JumpCloud as a process of its own: for scripts and test suites in any language, and
//! for measurements that must not count the fake's memory or CPU as the client's (see
//! `benches/stream_memory.rs`).
//!
//! ```text
//! fake-jumpcloud [--demo] [--big-org] [--big-org-divide N] [--users N] [--groups N] [--port P] [--latency-ms N]
//!                [--rate-limit-every N] [--fail-every N] [--silent-system NAME]...
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
//!   organisation (`--big-org-divide N`: with every count divided by N, to compare sizes);
//!   `--users N` / `--groups N`: add N generated users / user groups.
//! - `--port P`: listen on 127.0.0.1:P instead of a free port.
//! - `--latency-ms N`: delay every request by N ms.
//! - `--rate-limit-every N`: answer every N-th request with 429 and `Retry-After: 1`, so a
//!   script can test its throttling handling.
//! - `--fail-every N`: answer every N-th request with a 500 and JumpCloud's `{"message"}` body
//!   (counting the requests `--rate-limit-every` lets through).
//! - `--silent-system NAME`: the default organisation's system with this display name,
//!   hostname or id never answers command runs (repeat for several).
//! - `--stdin-questions`: read one question per stdin line and answer each with one line on
//!   stdout (`requests`: requests received so far; `floor`: the fewest requests a snapshot of
//!   the default organisation's users, systems and their groups can make with pages of 100,
//!   [`FakeOrg::snapshot_floor`](jumpcloud_fake::FakeOrg::snapshot_floor)); in this mode closing stdin stops the fake, so a
//!   parent's exit never leaves it behind.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

use jumpcloud_fake::{BigOrg, Collection, FakeError, FakeJumpCloud, Fault};
use serde_json::{Value, json};

const USAGE: &str = "usage: fake-jumpcloud [--demo] [--big-org] [--big-org-divide N] [--users N] [--groups N] \
[--port P] [--latency-ms N] [--rate-limit-every N] [--fail-every N] [--silent-system NAME]... \
[--seconds N] [--stdin-questions]";

const HELP: &str = "\
Serves a fake JumpCloud (v1, v2, Directory Insights, OAuth) on 127.0.0.1 and prints one JSON
line: url, api_key, client_id, client_secret, org_id, v1_url, v2_url, insights_url, token_url,
pid. Serves until killed or --seconds have passed.

Data:
  --demo                  the demo organisation (users, groups, systems, events) and its keys
  --big-org               add the graph benchmark's organisation to the default one
  --big-org-divide N      the same with every count divided by N (for scaling comparisons)
  --users N, --groups N   add N generated users / user groups

Faults (for testing a script's error handling):
  --latency-ms MS         delay every request by MS milliseconds
  --rate-limit-every N    answer every N-th request with 429 and Retry-After: 1
  --fail-every N          answer every N-th request with 500 {\"message\": ...} (counting
                          those --rate-limit-every lets through)
  --silent-system NAME    this system (display name, hostname or id) never answers command
                          runs; repeat for several

Serving:
  --port P                listen on 127.0.0.1:P instead of a free port
  --seconds N             stop after N seconds
  --stdin-questions       answer `requests` or `floor` lines on stdin; closing stdin stops it
";

/// The command line, checked before anything starts.
#[derive(Debug, Default)]
struct Options {
    demo: bool,
    big_org: bool,
    big_org_divide: Option<usize>,
    users: usize,
    groups: usize,
    port: u16,
    latency_ms: u64,
    rate_limit_every: Option<usize>,
    fail_every: Option<usize>,
    silent_systems: Vec<String>,
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
    fn every(name: &str, value: Option<String>) -> Result<usize, String> {
        match number(name, value)? {
            0 => Err(format!(
                "{name}: 0 is not a valid period (1 is every request)"
            )),
            n => Ok(n),
        }
    }
    let mut o = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--demo" => o.demo = true,
            "--big-org" => o.big_org = true,
            "--big-org-divide" => {
                o.big_org = true;
                o.big_org_divide = Some(every(&arg, args.next())?);
            }
            "--stdin-questions" => o.stdin_questions = true,
            "--users" => o.users = number(&arg, args.next())?,
            "--groups" => o.groups = number(&arg, args.next())?,
            "--port" => o.port = number(&arg, args.next())?,
            "--latency-ms" => o.latency_ms = number(&arg, args.next())?,
            "--rate-limit-every" => o.rate_limit_every = Some(every(&arg, args.next())?),
            "--fail-every" => o.fail_every = Some(every(&arg, args.next())?),
            "--silent-system" => o.silent_systems.push(
                args.next()
                    .filter(|n| !n.trim().is_empty())
                    .ok_or_else(|| format!("{arg} needs a system name"))?,
            ),
            "--seconds" => o.seconds = Some(number(&arg, args.next())?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}\n\n{HELP}");
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
        let org = fake.default_org();
        org.seed_users(o.users)?;
        org.seed_user_groups(o.groups)?;
        if o.big_org {
            let full = BigOrg::default();
            let n = o.big_org_divide.unwrap_or(1);
            org.seed_big_org(BigOrg::new(
                full.users / n,
                full.user_groups / n,
                full.systems / n,
                full.system_groups / n,
            ))?;
        }
        configure_faults(&fake, &o)?;
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
            "org_id": fake.default_org_id(),
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

/// Scripts the faults the command line asks for. They are optional: a script that never
/// makes the N-th request has not failed anything.
fn configure_faults(fake: &FakeJumpCloud, o: &Options) -> Result<(), FakeError> {
    if let Some(n) = o.rate_limit_every {
        let throttle = Fault::rate_limited().retry_after_secs(1);
        fake.faults().push(throttle.every(n).optional());
    }
    if let Some(n) = o.fail_every {
        fake.faults()
            .push(Fault::server_error().every(n).optional());
    }
    if !o.silent_systems.is_empty() {
        let org = fake.default_org();
        let systems = org.objects(Collection::Systems)?;
        let ids = o
            .silent_systems
            .iter()
            .map(|name| system_id(&systems, name))
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        org.set_silent_systems(&ids)?;
    }
    Ok(())
}

/// The id of the system whose display name, hostname or id is `name` (any case).
fn system_id(systems: &[Value], name: &str) -> Result<String, FakeError> {
    let is = |v: &Value, key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .is_some_and(|s| s.eq_ignore_ascii_case(name))
    };
    systems
        .iter()
        .find(|s| is(s, "displayName") || is(s, "hostname") || is(s, "_id"))
        .and_then(|s| s.get("_id").and_then(Value::as_str))
        .map(str::to_owned)
        .ok_or_else(|| {
            FakeError::NotFound(format!(
                "--silent-system {name:?}: no system of the default organisation has that \
                 display name, hostname or id"
            ))
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
            "floor" => match fake.default_org().snapshot_floor(100) {
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

    #[test]
    fn a_divided_big_org() {
        let o = parse(args("--big-org-divide 4")).unwrap();
        assert!(o.big_org);
        assert_eq!(o.big_org_divide, Some(4));
        assert!(parse(args("--big-org-divide 0")).is_err());
        assert_eq!(parse(args("--big-org")).unwrap().big_org_divide, None);
    }

    #[test]
    fn fault_flags() {
        let o = parse(args(
            "--rate-limit-every 3 --fail-every 5 --silent-system mac-000 --silent-system lnx-002",
        ))
        .unwrap();
        assert_eq!((o.rate_limit_every, o.fail_every), (Some(3), Some(5)));
        assert_eq!(o.silent_systems, ["mac-000", "lnx-002"]);
        assert!(
            parse(args("--fail-every 0"))
                .unwrap_err()
                .contains("0 is not")
        );
        assert!(
            parse(args("--silent-system"))
                .unwrap_err()
                .contains("needs")
        );
    }

    /// The flags act on a served fake: every 3rd request throttled, every 4th of those the
    /// throttle lets through failed, and the named demo system silent.
    #[tokio::test]
    async fn fault_flags_shape_what_a_script_sees() {
        let fake = FakeJumpCloud::demo().await.unwrap();
        let o = parse(args("--rate-limit-every 3 --fail-every 4")).unwrap();
        configure_faults(&fake, &o).unwrap();
        let client = reqwest::Client::builder().no_proxy().build().unwrap();
        let mut statuses = Vec::new();
        for _ in 0..8 {
            let resp = client
                .get(format!("{}/systemusers?limit=1", fake.v1_url()))
                .header("x-api-key", jumpcloud_fake::DEMO_API_KEY)
                .send()
                .await
                .unwrap();
            if resp.status() == 429 {
                assert_eq!(resp.headers()["retry-after"], "1");
            }
            statuses.push(resp.status().as_u16());
        }
        // Requests 3 and 6 are throttled; the failing fault counts the others (1, 2, 4, 5,
        // 7, 8) and fails its 4th, request 5.
        assert_eq!(statuses, [200, 200, 429, 200, 500, 429, 200, 200]);
        fake.faults().clear();

        let o = parse(args("--silent-system MAC-000")).unwrap();
        configure_faults(&fake, &o).unwrap();
        let org = fake.default_org();
        org.set_command_timing(Duration::ZERO, Duration::ZERO)
            .unwrap();
        let systems = org.objects(Collection::Systems).unwrap();
        let mac = system_id(&systems, "mac-000").unwrap();
        let win = system_id(&systems, "WIN-001").unwrap();
        let command = org.objects(Collection::Commands).unwrap()[0]["_id"].clone();
        let run: Value = client
            .post(format!("{}/runCommand", fake.v1_url()))
            .header("x-api-key", jumpcloud_fake::DEMO_API_KEY)
            .json(&json!({ "_id": command, "systemIds": [mac, win] }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let instance = run["workflowInstanceId"].clone();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let answered: Vec<Value> = org
            .objects(Collection::CommandResults)
            .unwrap()
            .into_iter()
            .filter(|r| r["workflowInstanceId"] == instance)
            .map(|r| r["systemId"].clone())
            .collect();
        assert_eq!(answered, [json!(win)], "only the system not named answers");

        let o = parse(args("--silent-system no-such-host")).unwrap();
        let err = configure_faults(&fake, &o).unwrap_err().to_string();
        assert!(err.contains("no-such-host"), "{err}");
    }
}
