//! `cargo xtask`: the project's automation.
//!
//! - `cargo xtask import` turns JumpCloud's published specs into the project's
//!   OpenAPI documents under `openapi/`.
//! - `cargo xtask regen` turns those documents into `jumpcloud-api`'s
//!   generated modules.
//!
//! Both take `--check`, which writes nothing and fails naming any drift.

mod api;
mod canonical;
mod import;
mod regen;
#[cfg(test)]
mod tests;

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
    /// Convert JumpCloud's published spec (Swagger 2.0 or OpenAPI 3.0, JSON or
    /// YAML) into `openapi/jumpcloud-<api>.json`, prose stripped, overlays applied.
    Import {
        /// Which API; all three when omitted.
        #[arg(long, value_enum)]
        api: Option<Api>,
        /// A file path or an https URL. Defaults to `../shared/reference/`'s copy;
        /// `--from upstream` fetches JumpCloud's published spec.
        #[arg(long)]
        from: Option<String>,
        /// Write nothing; fail if `openapi/` differs from what would be written.
        #[arg(long)]
        check: bool,
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Import { api, from, check } => import::run(api, from.as_deref(), check),
        Command::Regen { api, check } => regen::run(api, check),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
