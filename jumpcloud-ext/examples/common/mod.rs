//! What every task example shares: a client for the tenant in the
//! environment, or for the project's fake JumpCloud with `--fake`.
#![allow(dead_code)]

use jumpcloud_ext::JumpCloud;
use jumpcloud_fake::{self as fake, FakeBuilder, FakeJumpCloud};

pub type ExampleResult<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Where an example runs.
pub struct Target {
    pub jc: JumpCloud,
    /// The fake JumpCloud, when running against it (kept alive while the
    /// example runs).
    pub fake: Option<FakeJumpCloud>,
}

impl Target {
    pub fn is_fake(&self) -> bool {
        self.fake.is_some()
    }

    /// The value after `--name` on the command line; on the fake, `demo` when
    /// it is not given. Without it on a real tenant the error shows the usage
    /// `--name PLACEHOLDER`.
    pub fn arg_or_demo(&self, name: &str, placeholder: &str, demo: &str) -> ExampleResult<String> {
        match (arg(name), self.is_fake()) {
            (Some(given), _) => Ok(given),
            (None, true) => Ok(demo.to_owned()),
            (None, false) => Err(format!("{name} {placeholder} is required").into()),
        }
    }
}

/// Logs to stderr as `RUST_LOG` says.
pub fn init_tracing() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
}

/// The value after `--name` on the command line.
pub fn arg(name: &str) -> Option<String> {
    let mut args = std::env::args().skip_while(|a| a != name);
    args.next()?;
    args.next()
}

/// Whether `--name` is on the command line.
pub fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}

/// [`connect_to`] the demo organisation as it is.
pub async fn connect() -> ExampleResult<Target> {
    connect_to(|b| b, |_| Ok(())).await
}

/// With `--fake`, or without credentials in the environment, a fake
/// JumpCloud built by `fake` (then `seed` fills it) and a client for its
/// demo API key; otherwise a client from the environment
/// (`JUMPCLOUD_API_KEY` or `JUMPCLOUD_CLIENT_ID`/`JUMPCLOUD_CLIENT_SECRET`,
/// optional `JUMPCLOUD_ORG_ID`, `JUMPCLOUD_REGION`, `JUMPCLOUD_BASE_URL`).
pub async fn connect_to(
    fake: impl FnOnce(FakeBuilder) -> FakeBuilder,
    seed: impl FnOnce(&FakeJumpCloud) -> ExampleResult,
) -> ExampleResult<Target> {
    let has_credentials = std::env::var_os("JUMPCLOUD_API_KEY").is_some()
        || std::env::var_os("JUMPCLOUD_CLIENT_ID").is_some();
    if has_credentials && !flag("--fake") {
        let jc = JumpCloud::from_env()?;
        eprintln!("JumpCloud at {}", jc.endpoints().v2());
        return Ok(Target { jc, fake: None });
    }
    let server = fake(FakeJumpCloud::builder().demo()).start().await?;
    seed(&server)?;
    eprintln!(
        "Fake JumpCloud on {} (demo organisation)",
        server.base_url()
    );
    let jc = JumpCloud::builder()
        .api_key(fake::DEMO_API_KEY)
        .base_url(server.base_url())
        .build()?;
    Ok(Target {
        jc,
        fake: Some(server),
    })
}

/// An example's `main`: logs as `RUST_LOG` says, runs `body` on a Tokio
/// runtime and turns its outcome into an exit code.
pub fn main<F>(body: impl FnOnce() -> F) -> std::process::ExitCode
where
    F: std::future::Future<Output = ExampleResult>,
{
    init_tracing();
    let outcome = tokio::runtime::Runtime::new()
        .map_err(Into::into)
        .and_then(|runtime| runtime.block_on(body()));
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// One CSV field, quoted when it has to be.
pub fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// The fields of one CSV line (double quotes may wrap a field; `""` is a quote).
pub fn csv_fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                if let Some(f) = out.last_mut() {
                    f.push('"');
                }
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => {
                if let Some(f) = out.last_mut() {
                    f.push(c);
                }
            }
        }
    }
    out.into_iter().map(|f| f.trim().to_owned()).collect()
}
