//! `cargo xtask build-cost`: what the SDK costs a user's cold build (issue 24).
//!
//! Builds fixed sample apps (their sources are under `build_cost/app/`) from
//! cold, each in a fresh scratch directory with its own target directory,
//! against the working tree and, with `--base`, against another commit
//! checked out beside it. Prints a Markdown table for BENCHMARKS.md.
//! `--apps quick,ring` sets the two TLS choices side by side: the quick start
//! on the default `rustls` (aws-lc-rs) and on `rustls-ring`.
//!
//! How each figure is obtained:
//! - wall: a clock around each cargo invocation.
//! - CPU: user + system of the cargo process tree, read as the growth of
//!   this process's `cutime` + `cstime` (`/proc/self/stat`) across the
//!   invocation. The kernel adds a process's times, and those of the
//!   children it waited for, to its parent when the parent reaps it, and
//!   cargo waits for every rustc, build script and linker. Linux only:
//!   `getrusage` through `libc` would need `unsafe`, which the workspace
//!   forbids, and `/usr/bin/time -v` is not on every machine.
//! - unit times: cargo's stable `--timings` HTML report, whose
//!   `const UNIT_DATA = [...]` holds each unit's start and duration as
//!   JSON. `--timings=json` needs `-Z unstable-options`, and the
//!   `RUSTC_BOOTSTRAP=1` that allows it on stable also turns on nightly
//!   code in build scripts that probe for it, which would change what is
//!   measured.
//! - sizes: apparent file sizes, each hard link counted once (cargo
//!   hard-links its outputs from `deps/` into `target/debug`), in
//!   MB = 10^6 bytes.
//!
//! The apps depend on the SDK by path, and cargo compiles path dependencies
//! incrementally, registry crates not; the builds run with
//! `CARGO_INCREMENTAL=0` so the SDK compiles as it does from crates.io.

use std::collections::HashSet;
use std::ffi::OsString;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// The sample app's `src/main.rs`, shared by all three apps.
const APP_MAIN: &str = include_str!("build_cost/app/main.rs");
/// The test app's `tests/with_fake.rs`.
const APP_TEST: &str = include_str!("build_cost/app/with_fake.rs");

/// The lean app's features of `jumpcloud-ext`: the directory core only
/// (users, groups, lookups by name, the graph), without `system-context`.
pub const LEAN_FEATURES: &[&str] = &["directory", "rustls"];

/// The quick start's features with rustls on ring in place of the default
/// `rustls` (aws-lc-rs): the other TLS choice, measured by the `ring` app.
pub const RING_FEATURES: &[&str] = &["full", "system-context", "rustls-ring"];

/// The cryptography crates the TLS features choose between, whose units the
/// table sums (issue 24, item 5).
const CRYPTO: &[&str] = &["aws-lc-sys", "aws-lc-rs", "ring"];

/// The SDK's crates, whose units the table reports one by one.
const API: &str = "jumpcloud-api";
const EXT: &str = "jumpcloud-ext";
const FAKE: &str = "jumpcloud-fake";

/// One of the sample apps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum App {
    /// The quick start: `jumpcloud-ext` with default features.
    Quick,
    /// The same program on [`LEAN_FEATURES`].
    Lean,
    /// The quick start on [`RING_FEATURES`]: TLS and System Context on ring
    /// instead of aws-lc-rs.
    Ring,
    /// The quick start with `jumpcloud-fake` as a dev-dependency, then
    /// `cargo test --no-run`.
    Test,
}

impl App {
    fn name(self) -> &'static str {
        match self {
            App::Quick => "quick",
            App::Lean => "lean",
            App::Ring => "ring",
            App::Test => "test",
        }
    }

    /// The app's name in the table.
    fn title(self) -> String {
        match self {
            App::Quick => "quick start".into(),
            App::Lean => format!("lean ({})", code_list(LEAN_FEATURES)),
            App::Ring => "quick start on `rustls-ring`".into(),
            App::Test => format!("quick start + `{FAKE}` (dev)"),
        }
    }

    /// The features of `jumpcloud-ext` the app asks for.
    fn features(self) -> &'static [&'static str] {
        match self {
            App::Quick | App::Test => &[],
            App::Lean => LEAN_FEATURES,
            App::Ring => RING_FEATURES,
        }
    }

    /// Those of the app's features that the SDK at `sdk` does not declare.
    fn missing_features(self, sdk: &Path) -> Result<Vec<&'static str>> {
        let path = sdk.join("jumpcloud-ext").join("Cargo.toml");
        let manifest = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        Ok(missing_features(&manifest, self.features()))
    }

    /// The app's `Cargo.toml`, its SDK at `sdk`.
    fn manifest(self, sdk: &Path) -> String {
        let sdk_path = sdk;
        let sdk = toml_string(&sdk.display().to_string());
        let ext = match self {
            App::Quick | App::Test => format!("{{ path = \"{sdk}/jumpcloud-ext\" }}"),
            App::Lean | App::Ring => {
                let chosen = if self == App::Lean {
                    LEAN_FEATURES
                } else {
                    RING_FEATURES
                };
                let features: Vec<String> = chosen.iter().map(|f| format!("\"{f}\"")).collect();
                format!(
                    "{{ path = \"{sdk}/jumpcloud-ext\", default-features = false, features = [{}] }}",
                    features.join(", ")
                )
            }
        };
        let mut manifest = format!(
            "[package]\n\
             name = \"build-cost-{name}\"\n\
             version = \"0.1.0\"\n\
             edition = \"2024\"\n\
             publish = false\n\
             \n\
             # Its own workspace, wherever the scratch directory is.\n\
             [workspace]\n\
             \n\
             [dependencies]\n\
             jumpcloud-ext = {ext}\n\
             tokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n\
             futures = \"0.3\"\n",
            name = self.name()
        );
        if self == App::Test {
            manifest.push_str(&format!(
                "\n[dev-dependencies]\njumpcloud-fake = {{ path = \"{sdk}/{fake}\" }}\n",
                fake = fake_dir(sdk_path)
            ));
        }
        manifest
    }
}

/// Where the SDK at `sdk` keeps the fake: `tests/fake` since issue 26,
/// `tests` before it (so a base commit from before the move still builds).
fn fake_dir(sdk: &Path) -> &'static str {
    if sdk.join("tests").join("fake").join("Cargo.toml").exists()
        || !sdk.join("tests").join("Cargo.toml").exists()
    {
        "tests/fake"
    } else {
        "tests"
    }
}

/// What `cargo xtask build-cost` was asked.
pub struct Options {
    /// A commit to measure beside the working tree.
    pub base: Option<String>,
    /// The apps, in order.
    pub apps: Vec<App>,
    /// Where the scratch directories go (default: the system's temp dir).
    pub scratch: Option<PathBuf>,
    /// Leave the scratch directories (and the base worktree) behind.
    pub keep: bool,
}

/// One SDK checkout the apps build against: a column of the table.
struct Sdk {
    column: String,
    path: PathBuf,
}

/// One cargo invocation's cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// Seconds on the clock.
    pub wall: f64,
    /// User + system seconds of the cargo process tree, if `/proc` told.
    pub cpu: Option<f64>,
    /// Every unit cargo compiled.
    pub units: Vec<UnitTime>,
    /// Sizes of the `libjumpcloud_api-*.rlib` files afterwards, largest first.
    pub rlibs: Vec<u64>,
    /// Size of `target/debug` afterwards.
    pub target_debug: u64,
}

/// One app built against one SDK.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The cold `cargo build`.
    pub build: Step,
    /// `cargo test --no-run` after it (the test app only).
    pub test: Option<Step>,
}

/// One unit of cargo's `--timings` report.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitTime {
    /// The package's name.
    pub name: String,
    /// Cargo's description of the target beyond a library build, e.g.
    /// `build script (run)`; empty for a library.
    pub target: String,
    /// When it started, seconds after cargo did.
    pub start: f64,
    /// How long it took, seconds.
    pub duration: f64,
}

/// Facts about the machine, printed above the table.
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    pub cores: usize,
    pub cpu_model: Option<String>,
    pub memory_kib: Option<u64>,
    pub rustc: String,
    pub date: String,
    pub load_before: Option<String>,
    pub load_after: Option<String>,
}

pub fn run(root: &Path, options: &Options) -> Result<()> {
    let mut apps = Vec::new();
    for app in &options.apps {
        if !apps.contains(app) {
            apps.push(*app);
        }
    }
    if apps.is_empty() {
        bail!("no apps to build (--apps quick,lean,test)");
    }
    let parent = match &options.scratch {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir(),
    };
    let mut scratch = Scratch::create(&parent, root, options.keep)?;
    let mut sdks = Vec::new();
    if let Some(base) = &options.base {
        let sha = git(
            root,
            &["rev-parse", "--verify", &format!("{base}^{{commit}}")],
        )
        .with_context(|| format!("--base {base} is not a commit"))?;
        let path = scratch.dir.join("sdk-base");
        git(
            root,
            &[
                "worktree",
                "add",
                "--detach",
                &path.display().to_string(),
                &sha,
            ],
        )
        .context("checking out the base commit")?;
        scratch.worktree = Some(path.clone());
        sdks.push(Sdk {
            column: format!("base `{}`", short(&sha)),
            path,
        });
    }
    sdks.push(Sdk {
        column: head_column(root)?,
        path: root.to_path_buf(),
    });

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let ticks = clock_ticks();
    let mut machine = Machine::read(&scratch.dir);
    let mut results = Vec::new();
    for (i, app) in apps.iter().enumerate() {
        // Base first for the first app, head first for the next, and so on,
        // so that a machine getting busier favours neither side.
        let mut order: Vec<usize> = (0..sdks.len()).collect();
        if i % 2 == 1 {
            order.reverse();
        }
        let mut measured: Vec<Option<Measurement>> = vec![None; sdks.len()];
        for k in order {
            let sdk = &sdks[k];
            let dir = scratch.dir.join(format!("{}-{k}", app.name()));
            eprintln!(
                "build-cost: {} against {} in {}",
                app.title(),
                sdk.column,
                dir.display()
            );
            let missing = app.missing_features(&sdk.path)?;
            if !missing.is_empty() {
                // An older SDK without the app's features: nothing to build,
                // and the table says so instead of failing the whole run.
                eprintln!(
                    "build-cost: skipped, {} has no feature {}",
                    sdk.column,
                    missing.join(", ")
                );
                continue;
            }
            let m = measure(&cargo, ticks, *app, &sdk.path, &dir)
                .with_context(|| format!("{} against {}", app.title(), sdk.column))?;
            if !options.keep {
                // Several GB each; the next app needs the room more.
                let _ = std::fs::remove_dir_all(&dir);
            }
            measured[k] = Some(m);
        }
        results.push((*app, measured));
    }
    machine.load_after = load_average();

    let columns: Vec<String> = sdks.iter().map(|s| s.column.clone()).collect();
    let command = command_line(options);
    print!("{}", render(&machine, &command, &columns, &results));
    Ok(())
}

/// The scratch directory, and the base worktree in it; removed on drop
/// unless asked to keep them.
struct Scratch {
    dir: PathBuf,
    repo: PathBuf,
    worktree: Option<PathBuf>,
    keep: bool,
}

impl Scratch {
    fn create(parent: &Path, repo: &Path, keep: bool) -> Result<Scratch> {
        let stamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let dir = parent.join(format!(
            "jumpcloud-build-cost-{}-{stamp}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Scratch {
            dir,
            repo: repo.to_path_buf(),
            worktree: None,
            keep,
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("build-cost: kept {}", self.dir.display());
            if let Some(worktree) = &self.worktree {
                eprintln!(
                    "build-cost: remove the base worktree with `git worktree remove --force {}`",
                    worktree.display()
                );
            }
            return;
        }
        if let Some(worktree) = &self.worktree {
            let path = worktree.display().to_string();
            if let Err(e) = git(&self.repo, &["worktree", "remove", "--force", &path]) {
                eprintln!("build-cost: could not remove the worktree {path}: {e:#}");
            }
        }
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("build-cost: could not remove {}: {e}", self.dir.display());
        }
    }
}

/// Writes `app` into the empty directory `dir` and builds it from cold.
fn measure(cargo: &OsString, ticks: f64, app: App, sdk: &Path, dir: &Path) -> Result<Measurement> {
    std::fs::create_dir_all(dir.join("src"))?;
    std::fs::write(dir.join("Cargo.toml"), app.manifest(sdk))?;
    std::fs::write(dir.join("src").join("main.rs"), APP_MAIN)?;
    if app == App::Test {
        std::fs::create_dir_all(dir.join("tests"))?;
        std::fs::write(dir.join("tests").join("with_fake.rs"), APP_TEST)?;
    }
    // The SDK's own lock: the same dependency versions the SDK is tested
    // with, on both sides, and nothing for cargo to resolve.
    let lock = sdk.join("Cargo.lock");
    if lock.exists() {
        std::fs::copy(&lock, dir.join("Cargo.lock"))
            .with_context(|| format!("copying {}", lock.display()))?;
    }
    // Downloads are not build time: fetch first, outside the clock.
    let fetched = Command::new(cargo)
        .arg("fetch")
        .current_dir(dir)
        .status()
        .context("running cargo fetch")?;
    if !fetched.success() {
        bail!("`cargo fetch` failed ({fetched})");
    }
    let build = step(cargo, ticks, dir, &["build", "--timings"])?;
    let test = match app {
        App::Test => Some(step(cargo, ticks, dir, &["test", "--no-run", "--timings"])?),
        App::Quick | App::Lean | App::Ring => None,
    };
    Ok(Measurement { build, test })
}

/// Runs one cargo command in `dir` and reads what it cost.
fn step(cargo: &OsString, ticks: f64, dir: &Path, args: &[&str]) -> Result<Step> {
    let target = dir.join("target");
    let before = children_ticks();
    let started = Instant::now();
    let status = Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .status()
        .context("running cargo")?;
    let wall = started.elapsed().as_secs_f64();
    let after = children_ticks();
    if !status.success() {
        bail!("`cargo {}` failed ({status})", args.join(" "));
    }
    let cpu = match (before, after) {
        (Ok(b), Ok(a)) if a >= b => Some((a - b) as f64 / ticks),
        _ => None,
    };
    let report = timings_report(&target)?;
    let html = std::fs::read_to_string(&report)
        .with_context(|| format!("reading {}", report.display()))?;
    let units = parse_timings(&html).with_context(|| format!("in {}", report.display()))?;
    let debug = target.join("debug");
    Ok(Step {
        wall,
        cpu,
        units,
        rlibs: rlib_sizes(&debug.join("deps"))?,
        target_debug: tree_size(&debug)?,
    })
}

/// The report of the last `--timings` build (cargo copies it to
/// `cargo-timing.html` beside the stamped one).
fn timings_report(target: &Path) -> Result<PathBuf> {
    for dir in [
        target.join("cargo-timings"),
        target.join("debug").join("cargo-timings"),
    ] {
        let report = dir.join("cargo-timing.html");
        if report.exists() {
            return Ok(report);
        }
    }
    bail!(
        "cargo wrote no `--timings` report under {}",
        target.display()
    )
}

/// Every unit a `--timings` HTML report says cargo compiled, from its
/// `UNIT_DATA` array. Cargo lists the units it found fresh too, with a
/// start and duration of zero; they are left out.
pub fn parse_timings(html: &str) -> Result<Vec<UnitTime>> {
    const MARKER: &str = "const UNIT_DATA = ";
    let at = html
        .find(MARKER)
        .context("no `const UNIT_DATA` in the --timings report (has cargo changed its format?)")?;
    let data: Value = serde_json::Deserializer::from_str(&html[at + MARKER.len()..])
        .into_iter::<Value>()
        .next()
        .context("`UNIT_DATA` is empty")?
        .context("`UNIT_DATA` is not JSON")?;
    let units = data.as_array().context("`UNIT_DATA` is not an array")?;
    units
        .iter()
        .map(|unit| {
            let number = |field: &str| {
                unit.get(field)
                    .and_then(Value::as_f64)
                    .with_context(|| format!("a unit without a numeric `{field}`: {unit}"))
            };
            Ok(UnitTime {
                name: unit
                    .get("name")
                    .and_then(Value::as_str)
                    .with_context(|| format!("a unit without a name: {unit}"))?
                    .to_owned(),
                target: unit
                    .get("target")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
                start: number("start")?,
                duration: number("duration")?,
            })
        })
        .filter(|unit| !matches!(unit, Ok(u) if u.duration <= 0.0))
        .collect()
}

/// Sizes of the `libjumpcloud_api-*.rlib` files in `deps`, largest first.
fn rlib_sizes(deps: &Path) -> Result<Vec<u64>> {
    let mut sizes = Vec::new();
    let entries = std::fs::read_dir(deps).with_context(|| format!("reading {}", deps.display()))?;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("libjumpcloud_api-") && name.ends_with(".rlib") {
            sizes.push(entry.metadata()?.len());
        }
    }
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    Ok(sizes)
}

/// The apparent size of the files under `dir`, each file (inode) once and
/// symbolic links not followed.
pub fn tree_size(dir: &Path) -> Result<u64> {
    let mut seen = HashSet::new();
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries =
            std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?;
        for entry in entries {
            let entry = entry?;
            // `DirEntry::metadata` does not follow symbolic links.
            let meta = entry.metadata()?;
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file() && seen.insert((meta.dev(), meta.ino())) {
                total += meta.len();
            }
        }
    }
    Ok(total)
}

/// The clock ticks of this process's reaped children (`cutime` + `cstime`).
fn children_ticks() -> Result<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").context("reading /proc/self/stat")?;
    parse_children_ticks(&stat)
}

/// `cutime` + `cstime` (fields 16 and 17) of a `/proc/<pid>/stat` line.
pub fn parse_children_ticks(stat: &str) -> Result<u64> {
    // The command name (field 2) is in parentheses and may hold spaces and
    // parentheses itself; the fields after it start at the last `)`.
    let (_, rest) = stat
        .rsplit_once(')')
        .context("/proc/self/stat has no `)` after the command name")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state), so field n is at index n - 3.
    let field = |n: usize| -> Result<u64> {
        fields
            .get(n - 3)
            .with_context(|| format!("/proc/self/stat has no field {n}"))?
            .parse::<u64>()
            .with_context(|| format!("/proc/self/stat field {n} is not a number"))
    };
    Ok(field(16)? + field(17)?)
}

/// Clock ticks per second (`getconf CLK_TCK`; Linux's is 100 everywhere in practice).
fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse::<f64>()
                .ok()
        })
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

impl Machine {
    fn read(dir: &Path) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let rustc = Command::new("rustc")
            .arg("-V")
            .current_dir(dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_else(|| "rustc: unknown".into());
        let days = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() / 86_400)
            .unwrap_or_default();
        let (y, m, d) = civil_date(i64::try_from(days).unwrap_or_default());
        Machine {
            cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
            cpu_model: proc_field(&cpuinfo, "model name"),
            memory_kib: proc_field(&meminfo, "MemTotal")
                .and_then(|v| v.trim_end_matches("kB").trim().parse().ok()),
            rustc,
            date: format!("{y:04}-{m:02}-{d:02}"),
            load_before: load_average(),
            load_after: None,
        }
    }
}

/// The one-minute load average.
fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next().map(str::to_owned)
}

/// The value of the first `key: value` line of a `/proc` file.
pub fn proc_field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_owned())
    })
}

/// The proleptic Gregorian date of a day counted from 1970-01-01
/// (Howard Hinnant's `civil_from_days`), so the xtask needs no date crate.
pub fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month as u32, day as u32)
}

/// `git -C root args…`'s trimmed output.
fn git(root: &Path, args: &[&str]) -> Result<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .context("running git")?;
    if !output.status.success() {
        bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The working tree's column: its commit, and whether tracked files differ
/// from it (they are measured as they are).
fn head_column(root: &Path) -> Result<String> {
    let sha = git(root, &["rev-parse", "HEAD"])?;
    let dirty = !git(root, &["status", "--porcelain", "--untracked-files=no"])?.is_empty();
    Ok(format!(
        "head `{}`{}",
        short(&sha),
        if dirty { " + changes" } else { "" }
    ))
}

fn short(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}

/// The command that reproduces the run, for the record.
fn command_line(options: &Options) -> String {
    let apps: Vec<&str> = options.apps.iter().map(|a| a.name()).collect();
    let mut line = format!("cargo xtask build-cost --apps {}", apps.join(","));
    if let Some(base) = &options.base {
        line.push_str(&format!(" --base {base}"));
    }
    line
}

/// The features in `wanted` that `manifest`'s `[features]` table lacks.
pub fn missing_features(manifest: &str, wanted: &[&'static str]) -> Vec<&'static str> {
    let mut declared = HashSet::new();
    let mut in_features = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_features = line == "[features]";
        } else if in_features && let Some((name, _)) = line.split_once('=') {
            declared.insert(name.trim().trim_matches('"').to_owned());
        }
    }
    wanted
        .iter()
        .copied()
        .filter(|f| !declared.contains(*f))
        .collect()
}

/// The Markdown: machine facts, how it was measured, and one table with a
/// column per SDK checkout.
pub fn render(
    machine: &Machine,
    command: &str,
    columns: &[String],
    results: &[(App, Vec<Option<Measurement>>)],
) -> String {
    let mut out = String::new();
    let memory = machine
        .memory_kib
        .map(|k| format!("{:.1} GiB", k as f64 / (1024.0 * 1024.0)))
        .unwrap_or_else(|| "unknown memory".into());
    let cpu = machine
        .cpu_model
        .as_deref()
        .map(|m| format!(" ({m})"))
        .unwrap_or_default();
    let load = |l: &Option<String>| l.clone().unwrap_or_else(|| "?".into());
    out.push_str(&format!(
        "Machine: {} cores{cpu}, {memory}, load average {} before and {} after; {}; {}.\n\n",
        machine.cores,
        load(&machine.load_before),
        load(&machine.load_after),
        machine.rustc,
        machine.date,
    ));
    out.push_str(&format!(
        "`{command}`: each app from cold in a fresh target directory, crates already downloaded, \
         the SDK by path with `CARGO_INCREMENTAL=0` (as from crates.io), dev profile. CPU is user + \
         system of the cargo process tree; unit times from `--timings` (start after cargo's); sizes \
         apparent, MB = 10^6 bytes.\n\n"
    ));
    out.push_str("| app | what |");
    for column in columns {
        out.push_str(&format!(" {column} |"));
    }
    out.push_str("\n| --- | --- |");
    for _ in columns {
        out.push_str(" ---: |");
    }
    out.push('\n');
    for (app, measured) in results {
        for (i, (what, cells)) in rows(*app, measured).into_iter().enumerate() {
            let title = if i == 0 { app.title() } else { String::new() };
            out.push_str(&format!("| {title} | {what} |"));
            for cell in cells {
                out.push_str(&format!(" {cell} |"));
            }
            out.push('\n');
        }
    }
    out
}

/// The rows of one app: a label and a cell per column.
fn rows(app: App, measured: &[Option<Measurement>]) -> Vec<(String, Vec<String>)> {
    let cells = |f: &dyn Fn(&Measurement) -> String| {
        measured
            .iter()
            .map(|m| m.as_ref().map_or_else(|| "no such feature".to_owned(), f))
            .collect::<Vec<_>>()
    };
    let mut rows = vec![
        (
            "cold `cargo build`, wall".to_owned(),
            cells(&|m| seconds(m.build.wall)),
        ),
        (
            "CPU, user + system".to_owned(),
            cells(&|m| m.build.cpu.map_or_else(|| "n/a".into(), seconds)),
        ),
    ];
    for krate in [API, EXT] {
        rows.push((
            format!("`{krate}` unit"),
            cells(&|m| unit_cell(&m.build.units, krate)),
        ));
    }
    rows.push((
        "slowest other unit".to_owned(),
        cells(&|m| slowest_other(&m.build.units)),
    ));
    rows.push((
        "cryptography units".to_owned(),
        cells(&|m| crypto_cell(&m.build.units)),
    ));
    rows.push((
        "`libjumpcloud_api-*.rlib`".to_owned(),
        cells(&|m| rlibs_cell(&m.build.rlibs)),
    ));
    rows.push((
        "`target/debug`".to_owned(),
        cells(&|m| bytes(m.build.target_debug)),
    ));
    if app == App::Test {
        let test = |f: &dyn Fn(&Step) -> String| {
            cells(&|m| m.test.as_ref().map_or_else(|| "n/a".into(), f))
        };
        rows.push((
            "then `cargo test --no-run`, wall".to_owned(),
            test(&|s| format!("+{}", seconds(s.wall))),
        ));
        rows.push((
            "its CPU, user + system".to_owned(),
            test(&|s| {
                s.cpu
                    .map_or_else(|| "n/a".into(), |c| format!("+{}", seconds(c)))
            }),
        ));
        for krate in [API, EXT, FAKE] {
            rows.push((
                format!("its `{krate}` units"),
                test(&|s| unit_cell(&s.units, krate)),
            ));
        }
        rows.push((
            "crates it compiled again".to_owned(),
            cells(&|m| {
                m.test
                    .as_ref()
                    .map_or_else(|| "n/a".into(), |t| again_cell(&m.build, t))
            }),
        ));
        rows.push((
            "`libjumpcloud_api-*.rlib` after it".to_owned(),
            test(&|s| rlibs_cell(&s.rlibs)),
        ));
        rows.push((
            "`target/debug` after it".to_owned(),
            test(&|s| bytes(s.target_debug)),
        ));
    }
    rows
}

/// The crates `test` compiled that `build` had compiled already, sorted: the
/// dev-dependency changed their features (or those of a crate below them),
/// so cargo built a second copy. The app's own package is left out; its
/// test harness is new, not a copy.
pub fn compiled_again(build: &Step, test: &Step) -> Vec<String> {
    let built: HashSet<&str> = build.units.iter().map(|u| u.name.as_str()).collect();
    let mut again: Vec<String> = test
        .units
        .iter()
        .map(|u| u.name.as_str())
        .filter(|n| built.contains(n) && !n.starts_with("build-cost-"))
        .map(str::to_owned)
        .collect();
    again.sort();
    again.dedup();
    again
}

/// "none", or how many crates were compiled again and the SDK's and
/// reqwest's among them.
pub fn again_cell(build: &Step, test: &Step) -> String {
    let again = compiled_again(build, test);
    if again.is_empty() {
        return "none".into();
    }
    let named: Vec<String> = again
        .iter()
        .filter(|n| [API, EXT, "reqwest"].contains(&n.as_str()))
        .map(|n| format!("`{n}`"))
        .collect();
    if named.is_empty() {
        format!("{}", again.len())
    } else {
        format!("{}, among them {}", again.len(), named.join(", "))
    }
}

/// A crate's units: each one's time and start, or "—" when none was built.
pub fn unit_cell(units: &[UnitTime], krate: &str) -> String {
    let cells: Vec<String> = units
        .iter()
        .filter(|u| u.name == krate)
        .map(|u| {
            let target = if u.target.is_empty() {
                String::new()
            } else {
                format!(" {}", u.target)
            };
            format!("{}{target} (from {:.1} s)", seconds(u.duration), u.start)
        })
        .collect();
    if cells.is_empty() {
        "—".into()
    } else {
        cells.join(" + ")
    }
}

/// The slowest unit outside the SDK and the app: where else the time goes.
pub fn slowest_other(units: &[UnitTime]) -> String {
    units
        .iter()
        .filter(|u| {
            ![API, EXT, FAKE].contains(&u.name.as_str()) && !u.name.starts_with("build-cost-")
        })
        .max_by(|a, b| a.duration.total_cmp(&b.duration))
        .map_or_else(
            || "—".into(),
            |u| {
                let target = if u.target.is_empty() {
                    String::new()
                } else {
                    format!(" {}", u.target)
                };
                format!("`{}`{target} {}", u.name, seconds(u.duration))
            },
        )
}

/// The time of each cryptography crate's units (build script, its run and
/// the library, summed), or "—" when none was built.
pub fn crypto_cell(units: &[UnitTime]) -> String {
    let cells: Vec<String> = CRYPTO
        .iter()
        .filter_map(|krate| {
            let mine: Vec<&UnitTime> = units.iter().filter(|u| u.name == *krate).collect();
            (!mine.is_empty()).then(|| {
                let total: f64 = mine.iter().map(|u| u.duration).sum();
                format!("`{krate}` {}", seconds(total))
            })
        })
        .collect();
    if cells.is_empty() {
        "—".into()
    } else {
        cells.join(" + ")
    }
}

/// How many rlibs and their sizes.
pub fn rlibs_cell(sizes: &[u64]) -> String {
    if sizes.is_empty() {
        return "none".into();
    }
    let each: Vec<String> = sizes.iter().map(|s| bytes(*s)).collect();
    format!("{} ({})", sizes.len(), each.join(", "))
}

pub fn seconds(s: f64) -> String {
    format!("{s:.1} s")
}

/// MB below a GB, GB above, both decimal.
pub fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1e9 {
        format!("{:.2} GB", n / 1e9)
    } else {
        format!("{:.1} MB", n / 1e6)
    }
}

fn code_list(items: &[&str]) -> String {
    let items: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    items.join(", ")
}

/// `s` as the inside of a TOML basic string.
fn toml_string(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    /// The shape of cargo 1.95's report: the table, then the data as
    /// pretty-printed JSON followed by more script; a fresh unit has zero
    /// start and duration.
    const REPORT: &str = r#"<html><body>
<table class="my-table"><tr><td>1.</td><td>jumpcloud-api v0.1.0</td><td>76.0s</td></tr></table>
<script>
DURATION = 129;
const UNIT_DATA = [
  {
    "i": 0,
    "name": "aws-lc-sys",
    "version": "0.32.0",
    "mode": "run-custom-build",
    "target": " build script (run)",
    "features": [],
    "start": 3.5,
    "duration": 29.31,
    "unblocked_units": [1],
    "unblocked_rmeta_units": [],
    "sections": null
  },
  {
    "i": 1,
    "name": "jumpcloud-api",
    "version": "0.1.0",
    "mode": "todo",
    "target": "",
    "features": ["v1", "v2"],
    "start": 50.04,
    "duration": 76.0,
    "unblocked_units": [],
    "unblocked_rmeta_units": [2],
    "sections": [["frontend", {"start": 0.0, "end": 40.0}], ["codegen", {"start": 40.0, "end": 76.0}]]
  },
  {
    "i": 2,
    "name": "jumpcloud-ext",
    "version": "0.1.0",
    "mode": "todo",
    "target": "",
    "start": 90.0,
    "duration": 16.5,
    "unblocked_units": [],
    "unblocked_rmeta_units": []
  },
  {
    "i": 3,
    "name": "serde",
    "version": "1.0.229",
    "mode": "todo",
    "target": "",
    "start": 0.0,
    "duration": 0.0,
    "unblocked_units": [],
    "unblocked_rmeta_units": []
  }
];
const CONCURRENCY_DATA = [];
</script></body></html>
"#;

    fn unit(name: &str, target: &str, start: f64, duration: f64) -> UnitTime {
        UnitTime {
            name: name.into(),
            target: target.into(),
            start,
            duration,
        }
    }

    /// The compiled units; the fresh `serde` (zero start and duration) is
    /// left out.
    #[test]
    fn reads_every_unit_of_a_timings_report() {
        let units = parse_timings(REPORT).unwrap();
        assert_eq!(
            units,
            vec![
                unit("aws-lc-sys", "build script (run)", 3.5, 29.31),
                unit(API, "", 50.04, 76.0),
                unit(EXT, "", 90.0, 16.5),
            ]
        );
    }

    #[test]
    fn a_report_without_unit_data_is_an_error_not_a_panic() {
        for bad in [
            "",
            "<html>no data</html>",
            "const UNIT_DATA = ",
            "const UNIT_DATA = {\"a\": 1};",
            "const UNIT_DATA = [{\"start\": 1, \"duration\": 2}];",
            "const UNIT_DATA = [{\"name\": \"x\", \"start\": \"soon\", \"duration\": 2}];",
            "const UNIT_DATA = [{\"name\": \"x\", \"start\": 1",
        ] {
            assert!(parse_timings(bad).is_err(), "{bad:?} parsed");
        }
        assert_eq!(parse_timings("const UNIT_DATA = [];").unwrap(), vec![]);
    }

    #[test]
    fn reads_the_childrens_cpu_from_proc_stat() {
        // A command name with spaces and a parenthesis; utime 5, stime 6,
        // cutime 1234, cstime 66.
        let stat =
            "4242 (cargo (x) y) S 1 4242 4242 0 -1 4194304 1 2 3 4 5 6 1234 66 20 0 1 0 9 10 11";
        assert_eq!(parse_children_ticks(stat).unwrap(), 1300);
        assert!(parse_children_ticks("4242 (cargo) S 1 2").is_err());
        assert!(parse_children_ticks("no parenthesis").is_err());
        assert!(parse_children_ticks("1 (a) S 1 1 1 0 -1 0 1 2 3 4 5 6 x 66").is_err());
        // This process's own line parses.
        children_ticks().unwrap();
    }

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(-1), (1969, 12, 31));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(20_000), (2024, 10, 4));
    }

    #[test]
    fn proc_fields() {
        let meminfo = "MemTotal:       24570368 kB\nMemFree:         1 kB\n";
        assert_eq!(
            proc_field(meminfo, "MemTotal").as_deref(),
            Some("24570368 kB")
        );
        assert_eq!(proc_field(meminfo, "Swap"), None);
        let cpuinfo = "processor\t: 0\nmodel name\t: AMD EPYC 7B13\n";
        assert_eq!(
            proc_field(cpuinfo, "model name").as_deref(),
            Some("AMD EPYC 7B13")
        );
    }

    #[test]
    fn cells() {
        let units = parse_timings(REPORT).unwrap();
        assert_eq!(unit_cell(&units, API), "76.0 s (from 50.0 s)");
        assert_eq!(unit_cell(&units, FAKE), "—");
        let twice = [unit(API, "", 10.0, 70.0), unit(API, "", 100.0, 72.04)];
        assert_eq!(
            unit_cell(&twice, API),
            "70.0 s (from 10.0 s) + 72.0 s (from 100.0 s)"
        );
        assert_eq!(
            slowest_other(&units),
            "`aws-lc-sys` build script (run) 29.3 s"
        );
        assert_eq!(
            slowest_other(&[unit("build-cost-lean", "bin", 0.0, 99.0)]),
            "—"
        );
        let ring = [
            unit("ring", "build script", 0.5, 1.0),
            unit("ring", "build script (run)", 1.5, 5.44),
            unit("ring", "", 7.0, 7.7),
            unit("rustls", "", 15.0, 20.0),
        ];
        assert_eq!(crypto_cell(&ring), "`ring` 14.1 s");
        let aws = [
            unit("aws-lc-sys", "build script (run)", 1.0, 30.0),
            unit("aws-lc-rs", "", 31.0, 4.0),
        ];
        assert_eq!(crypto_cell(&aws), "`aws-lc-sys` 30.0 s + `aws-lc-rs` 4.0 s");
        assert_eq!(crypto_cell(&[]), "—");
        assert_eq!(rlibs_cell(&[]), "none");
        assert_eq!(
            rlibs_cell(&[321_400_000, 320_960_000]),
            "2 (321.4 MB, 321.0 MB)"
        );
        assert_eq!(bytes(2_304_000_000), "2.30 GB");
        assert_eq!(bytes(999_000), "1.0 MB");
        assert_eq!(seconds(128.04), "128.0 s");
    }

    fn a_step(wall: f64, rlibs: Vec<u64>, units: Vec<UnitTime>) -> Step {
        Step {
            wall,
            cpu: Some(wall * 1.5),
            units,
            rlibs,
            target_debug: 2_300_000_000,
        }
    }

    fn machine() -> Machine {
        Machine {
            cores: 2,
            cpu_model: Some("AMD EPYC".into()),
            memory_kib: Some(24 * 1024 * 1024),
            rustc: "rustc 1.95.0 (59807616e 2026-04-14)".into(),
            date: "2026-12-05".into(),
            load_before: Some("0.10".into()),
            load_after: Some("1.90".into()),
        }
    }

    #[test]
    fn renders_one_column_per_checkout() {
        let base = Measurement {
            build: a_step(128.0, vec![321_000_000], parse_timings(REPORT).unwrap()),
            test: None,
        };
        let head = Measurement {
            build: a_step(70.0, vec![120_000_000], vec![unit(API, "", 20.0, 30.0)]),
            test: None,
        };
        let columns = ["base `ebc2674`".to_owned(), "head `abc1234`".to_owned()];
        let text = render(
            &machine(),
            "cargo xtask build-cost --apps quick --base main",
            &columns,
            &[(App::Quick, vec![Some(base), Some(head)])],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Machine: 2 cores (AMD EPYC), 24.0 GiB, load average 0.10 before and 1.90 after; \
             rustc 1.95.0 (59807616e 2026-04-14); 2026-12-05."
        );
        assert!(lines[2].starts_with("`cargo xtask build-cost --apps quick --base main`: "));
        let table: Vec<&str> = lines
            .iter()
            .copied()
            .skip_while(|l| !l.starts_with('|'))
            .collect();
        assert_eq!(
            table,
            [
                "| app | what | base `ebc2674` | head `abc1234` |",
                "| --- | --- | ---: | ---: |",
                "| quick start | cold `cargo build`, wall | 128.0 s | 70.0 s |",
                "|  | CPU, user + system | 192.0 s | 105.0 s |",
                "|  | `jumpcloud-api` unit | 76.0 s (from 50.0 s) | 30.0 s (from 20.0 s) |",
                "|  | `jumpcloud-ext` unit | 16.5 s (from 90.0 s) | — |",
                "|  | slowest other unit | `aws-lc-sys` build script (run) 29.3 s | — |",
                "|  | cryptography units | `aws-lc-sys` 29.3 s | — |",
                "|  | `libjumpcloud_api-*.rlib` | 1 (321.0 MB) | 1 (120.0 MB) |",
                "|  | `target/debug` | 2.30 GB | 2.30 GB |",
            ]
        );
    }

    #[test]
    fn an_sdk_without_the_apps_features_is_found_out() {
        let manifest = "[package]\nname = \"x\"\n\n[features]\ndefault = [\"full\"]\nrustls = []\n\n[dependencies]\ndirectory = \"1\"\n";
        assert_eq!(
            missing_features(manifest, &["directory", "rustls"]),
            ["directory"]
        );
        assert!(missing_features(manifest, &["rustls"]).is_empty());
    }

    #[test]
    fn the_test_app_adds_its_test_build() {
        let measured = Measurement {
            build: a_step(
                128.0,
                vec![321_000_000],
                vec![
                    unit("reqwest", "", 40.0, 5.0),
                    unit(API, "", 50.0, 70.0),
                    unit("build-cost-test", "bin", 120.0, 1.0),
                ],
            ),
            test: Some(Step {
                cpu: None,
                ..a_step(
                    90.0,
                    vec![321_000_000, 320_000_000],
                    vec![
                        unit("reqwest", "", 0.5, 5.0),
                        unit(API, "", 1.0, 80.0),
                        unit(FAKE, "", 82.0, 5.0),
                        unit("build-cost-test", "test", 88.0, 1.0),
                    ],
                )
            }),
        };
        let text = render(
            &machine(),
            "cargo xtask build-cost --apps test",
            &["head `abc1234`".to_owned()],
            &[(App::Test, vec![Some(measured)])],
        );
        for row in [
            "| quick start + `jumpcloud-fake` (dev) | cold `cargo build`, wall | 128.0 s |",
            "|  | then `cargo test --no-run`, wall | +90.0 s |",
            "|  | its CPU, user + system | n/a |",
            "|  | its `jumpcloud-api` units | 80.0 s (from 1.0 s) |",
            "|  | its `jumpcloud-ext` units | — |",
            "|  | its `jumpcloud-fake` units | 5.0 s (from 82.0 s) |",
            "|  | crates it compiled again | 2, among them `jumpcloud-api`, `reqwest` |",
            "|  | `libjumpcloud_api-*.rlib` after it | 2 (321.0 MB, 320.0 MB) |",
        ] {
            assert!(text.lines().any(|l| l == row), "no row {row:?} in\n{text}");
        }
    }

    #[test]
    fn crates_compiled_again_are_those_of_both_steps() {
        let build = a_step(
            100.0,
            vec![1],
            vec![
                unit("tokio", "", 1.0, 2.0),
                unit("build-cost-test", "bin", 90.0, 1.0),
            ],
        );
        let fresh = a_step(
            7.0,
            vec![1],
            vec![
                unit("axum", "", 0.5, 2.0),
                unit(FAKE, "", 2.5, 3.0),
                unit("build-cost-test", "test", 5.5, 1.0),
            ],
        );
        assert!(compiled_again(&build, &fresh).is_empty());
        assert_eq!(again_cell(&build, &fresh), "none");
        let again = a_step(7.0, vec![1, 1], vec![unit("tokio", "", 0.5, 2.0)]);
        assert_eq!(compiled_again(&build, &again), ["tokio"]);
        assert_eq!(again_cell(&build, &again), "1");
    }

    /// Each package's feature sets in `cargo tree --prefix none -f '{p} [{f}]'`
    /// output, by name and version (a package built for the host and the
    /// target with different features has two).
    fn feature_sets(tree: &str) -> BTreeMap<String, BTreeSet<String>> {
        let mut sets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for line in tree.lines() {
            let line = line.trim().trim_end_matches(" (*)");
            let Some((package, features)) = line.rsplit_once(" [") else {
                continue;
            };
            let key: Vec<&str> = package.split_whitespace().take(2).collect();
            sets.entry(key.join(" "))
                .or_default()
                .insert(features.trim_end_matches(']').to_owned());
        }
        sets
    }

    #[test]
    fn reads_feature_sets_from_cargo_tree() {
        let tree = "hyper v1.12.0 [client,http1]\n\
                    jumpcloud-fake v0.1.0 (/sdk/tests/fake) []\n\
                    hyper v1.12.0 [client,http1] (*)\n\
                    syn v2.0.1 [full]\n\
                    syn v2.0.1 [derive,full]\n\
                    warning: something\n";
        let sets = feature_sets(tree);
        assert_eq!(sets.len(), 3);
        assert_eq!(sets["hyper v1.12.0"].len(), 1);
        assert!(sets["jumpcloud-fake v0.1.0"].contains(""));
        assert_eq!(sets["syn v2.0.1"].len(), 2);
    }

    /// Issue 24 item 4, quickly: adding `jumpcloud-fake` as a dev-dependency
    /// changes the features of no crate of the test app's own build, so its
    /// `cargo test` compiles no second reqwest, `jumpcloud-api` or
    /// `jumpcloud-ext`. Compares `cargo tree` (offline, about a second each)
    /// with and without dev-dependencies, on the SDK's lock file.
    #[test]
    fn the_fake_as_a_dev_dependency_changes_no_feature_of_the_apps_crates() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let dir = std::env::temp_dir().join(format!("build-cost-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(dir.join("Cargo.toml"), App::Test.manifest(root)).unwrap();
        std::fs::write(dir.join("src").join("main.rs"), APP_MAIN).unwrap();
        std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
        let tree = |edges: &str| {
            let out = Command::new(&cargo)
                .args(["tree", "--offline", "--prefix", "none", "-e", edges])
                .args(["-f", "{p} [{f}]"])
                .current_dir(&dir)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            if !out.status.success() && stderr.contains("--offline was specified") {
                // A machine that has not downloaded the fake's crates yet
                // (`cargo test --workspace` does): skip, but not under CI.
                return None;
            }
            assert!(out.status.success(), "cargo tree -e {edges}: {stderr}");
            Some(feature_sets(&String::from_utf8_lossy(&out.stdout)))
        };
        let (Some(app), Some(test)) = (tree("normal,build"), tree("normal,build,dev")) else {
            std::fs::remove_dir_all(&dir).unwrap();
            assert!(
                std::env::var_os("CI").is_none(),
                "the fake's crates are not downloaded: run `cargo fetch` first"
            );
            eprintln!("skipped: the fake's crates are not downloaded (`cargo fetch`)");
            return;
        };
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(app.contains_key("jumpcloud-api v0.1.0"), "{app:?}");
        assert!(test.contains_key("jumpcloud-fake v0.1.0"), "{test:?}");
        let changed: Vec<String> = app
            .iter()
            .filter_map(|(package, sets)| {
                let with_fake = test.get(package)?;
                (with_fake != sets).then(|| format!("{package}: {sets:?} -> {with_fake:?}"))
            })
            .collect();
        assert!(
            changed.is_empty(),
            "jumpcloud-fake changes the features of crates the app builds, so `cargo test` \
             compiles them (and everything above them) again:\n{}",
            changed.join("\n")
        );
    }

    #[test]
    fn manifests_point_at_the_sdk() {
        let sdk = Path::new("/tmp/sdk \"x\"");
        let quick = App::Quick.manifest(sdk);
        assert!(quick.contains(r#"jumpcloud-ext = { path = "/tmp/sdk \"x\"/jumpcloud-ext" }"#));
        assert!(!quick.contains("dev-dependencies"));
        let lean = App::Lean.manifest(sdk);
        assert!(lean.contains(r#"default-features = false, features = ["directory", "rustls"] }"#));
        let ring = App::Ring.manifest(sdk);
        assert!(ring.contains(
            r#"default-features = false, features = ["full", "system-context", "rustls-ring"] }"#
        ));
        assert!(ring.contains("name = \"build-cost-ring\""));
        let test = App::Test.manifest(sdk);
        assert!(test.contains(
            "[dev-dependencies]\njumpcloud-fake = { path = \"/tmp/sdk \\\"x\\\"/tests/fake\" }"
        ));
        assert!(test.contains("[workspace]\n"));
    }

    #[test]
    fn the_app_is_the_quick_start() {
        assert!(APP_MAIN.contains("JumpCloud::from_env()"));
        assert!(APP_MAIN.contains(".stream()"));
        assert!(APP_MAIN.contains("jc.find::<jumpcloud_ext::types::User>("));
        assert!(APP_MAIN.contains("jc.graph().access_of("));
        assert!(APP_TEST.contains("use jumpcloud_fake"));
    }

    #[test]
    fn sizes_count_hard_links_once() {
        let dir = std::env::temp_dir().join(format!("build-cost-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("deps")).unwrap();
        std::fs::write(
            dir.join("deps").join("libjumpcloud_api-abc.rlib"),
            [0u8; 1000],
        )
        .unwrap();
        std::fs::write(
            dir.join("deps").join("libjumpcloud_api-def.rlib"),
            [0u8; 10],
        )
        .unwrap();
        std::fs::write(dir.join("deps").join("libjumpcloud_ext-abc.rlib"), [0u8; 5]).unwrap();
        std::fs::hard_link(
            dir.join("deps").join("libjumpcloud_api-abc.rlib"),
            dir.join("libjumpcloud_api.rlib"),
        )
        .unwrap();
        assert_eq!(tree_size(&dir).unwrap(), 1015);
        assert_eq!(rlib_sizes(&dir.join("deps")).unwrap(), vec![1000, 10]);
        assert!(tree_size(&dir.join("missing")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_command_line_parses() {
        use clap::Parser;
        let cli = crate::Cli::try_parse_from(["cargo xtask", "build-cost"]).unwrap();
        let crate::Command::BuildCost { apps, base, .. } = cli.command else {
            panic!("not build-cost");
        };
        assert_eq!(apps, [App::Quick, App::Lean, App::Test]);
        assert_eq!(base, None);
        let cli = crate::Cli::try_parse_from([
            "cargo xtask",
            "build-cost",
            "--apps",
            "lean,test",
            "--base",
            "main",
        ])
        .unwrap();
        let crate::Command::BuildCost { apps, base, .. } = cli.command else {
            panic!("not build-cost");
        };
        assert_eq!(apps, [App::Lean, App::Test]);
        assert_eq!(base.as_deref(), Some("main"));
        assert!(
            crate::Cli::try_parse_from(["cargo xtask", "build-cost", "--apps", "big"]).is_err()
        );
        let cli = crate::Cli::try_parse_from(["cargo xtask", "build-cost", "--apps", "quick,ring"])
            .unwrap();
        let crate::Command::BuildCost { apps, .. } = cli.command else {
            panic!("not build-cost");
        };
        assert_eq!(apps, [App::Quick, App::Ring]);
    }
}
