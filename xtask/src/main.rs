//! `cargo xtask`: the project's automation.
//!
//! - `cargo xtask import` turns JumpCloud's published specs into the project's
//!   OpenAPI documents under `openapi/`.
//! - `cargo xtask regen` turns those documents into `jumpcloud-api`'s
//!   generated modules.
//!
//! - `cargo xtask diff OLD NEW` reports what changed for SDK users between
//!   two documents.
//! - `cargo xtask build-cost` builds sample apps on the SDK from cold and
//!   prints what they cost (time, CPU, units, sizes), optionally beside a
//!   base commit.
//! - `cargo xtask features [--test]` builds (and tests) the SDK with each API
//!   area alone, and with none.
//!
//! The modules: `spec` is the document model at the bottom (operations,
//! `$ref`s, progenitor's method names); `import`, `regen` and `diff`
//! each build on it and not on each other. This file wires them together:
//! it hands `import` the regen check and the diff report it needs
//! (`downstream`).
//!
//! `import` and `regen` take `--check`, which writes nothing and fails naming
//! any drift. Exit codes: 0 fine, 1 failed, 2 bad arguments, 3 upstream drift
//! (`import --check` found a spec that is not the one recorded in
//! `openapi/provenance.json`; the committed files are not wrong).

mod api;
mod build_cost;
mod canonical;
mod diff;
mod features;
#[cfg(test)]
mod figures_tests;
mod import;
mod output;
mod provenance;
mod regen;
mod spec;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod update_tests;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::api::Api;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "jumpcloud-rs project automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Merge JumpCloud's published specs of an API (the PowerShell SDK's
    /// Swagger 2.0, then the documentation site's OpenAPI 3.0; JSON or YAML)
    /// into `openapi/jumpcloud-<api>.json`, prose stripped, overlays applied.
    Import {
        /// Which API; all three when omitted.
        #[arg(long, value_enum)]
        api: Option<Api>,
        /// A spec to read: a file path or an https URL (the PowerShell SDK
        /// lineage's), `LINEAGE=SPEC` (`powershell-sdk=…`, `docs-site=…`), or
        /// `upstream` (both lineages' published copies). Repeatable. A lineage
        /// not named is read from `../shared/reference/` when its copy is
        /// there. With `--check`: the specs to compare with (otherwise the
        /// recorded ones, if at hand).
        #[arg(long)]
        from: Vec<String>,
        /// Write nothing; fail if `openapi/` differs from what the recorded
        /// upstream and the overlays produce (exit code 3: upstream drift).
        #[arg(long)]
        check: bool,
    },
    /// What changed for SDK users between two OpenAPI documents: operations,
    /// types, properties and enum values, breaking changes marked.
    Diff {
        /// The older document: a path, or `REV:path` for a git revision
        /// (e.g. `HEAD:openapi/jumpcloud-v2.json`).
        old: String,
        /// The newer document, same forms.
        new: String,
    },
    /// Generate `jumpcloud-api/src/generated/<api>.rs` from `openapi/`.
    Regen {
        /// Which API; all three when omitted.
        #[arg(long, value_enum)]
        api: Option<Api>,
        /// Write nothing; fail if the generated code differs.
        #[arg(long)]
        check: bool,
    },
    /// Build sample apps on the SDK from cold and print what they cost (wall,
    /// CPU, the SDK's units, rlib and `target/debug` sizes) as a Markdown
    /// table; with `--base`, beside another commit, in one run.
    BuildCost {
        /// Also measure this commit (checked out in a temporary worktree), in
        /// a column beside the working tree's.
        #[arg(long)]
        base: Option<String>,
        /// Which sample apps, comma-separated (`ring`: the quick start on
        /// `rustls-ring`, to compare with `quick`).
        #[arg(
            long,
            value_enum,
            value_delimiter = ',',
            default_value = "quick,lean,test"
        )]
        apps: Vec<build_cost::App>,
        /// Where the scratch directories go (default: the system's temp dir;
        /// each app's target directory takes a few GB, so keep it off tmpfs).
        #[arg(long)]
        scratch: Option<PathBuf>,
        /// Keep the scratch directories and the base worktree afterwards.
        #[arg(long)]
        keep: bool,
    },
    /// Build `jumpcloud-api` and `jumpcloud-ext` with each API area alone,
    /// and with none.
    Features {
        /// Run their library tests too, not only `cargo check`.
        #[arg(long)]
        test: bool,
    },
}

/// What `import` needs from `regen` and `diff`: whether a document
/// generates, and the change report between two documents.
fn downstream() -> import::Downstream {
    import::Downstream {
        generates: |api, doc| regen::render(api, doc).map(drop),
        report: |old, new, title| diff::compare(old, new).render(title),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let root = api::workspace_root();
    let result = match cli.command {
        Command::Import { api, from, check } => {
            import::run(&root, api, &from, check, downstream()).map(drop)
        }
        Command::Regen { api, check } => regen::run(&root, api, check).map(drop),
        Command::Features { test } => features::run(&root, test),
        Command::Diff { old, new } => diff::run(&root, &old, &new),
        Command::BuildCost {
            base,
            apps,
            scratch,
            keep,
        } => build_cost::run(
            &root,
            &build_cost::Options {
                base,
                apps,
                scratch,
                keep,
            },
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.downcast_ref::<provenance::UpstreamDrift>().is_some() => {
            eprintln!("{e:#}");
            ExitCode::from(3)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
