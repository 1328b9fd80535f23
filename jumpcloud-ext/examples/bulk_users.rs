//! Creates or updates users from a CSV file through JumpCloud's bulk jobs, then waits for
//! every row's outcome: `cargo run -p jumpcloud-ext --example bulk_users -- --csv FILE
//! [--update] [--apply] [--all-or-nothing] [--rows-per-job 500] [--timeout 600]`.
//!
//! The first line names the columns: the fields of JumpCloud's bulk user document
//! (`username`, `email`, `firstname`, `lastname`, `department`, …; `id` to update;
//! `attributes.NAME` for a custom attribute), in any case (`First Name` works too). Rows are
//! numbered from 1 after the header. A row that cannot be read, or misses `username` /
//! `email` (`id` with `--update`), is reported with its row and line and skipped; the others
//! are sent. `--all-or-nothing` refuses the whole file instead. Without `--apply` it is a dry
//! run: the file is read and checked, and the jobs that would be sent are counted. With
//! `--apply` the jobs are submitted and their ids printed (keep them: the wait can be
//! resumed), then each row's outcome is printed as one line.
//!
//! With `--fake` (or no credentials in the environment) it runs against the project's fake
//! JumpCloud: it reads `--csv FILE` when given, and otherwise a demo file of eight users
//! (one without an email, one whose `sudo` cell is not a flag, one with an invalid email that
//! JumpCloud refuses), and applies unless `--csv` is given without `--apply`.

mod common;

use std::time::Duration;

use jumpcloud_ext::api::v2::types::{BulkUserCreate, BulkUserUpdate};
use jumpcloud_ext::jobs::{BulkHandle, BulkInput, BulkRow, BulkUsers};

fn main() -> std::process::ExitCode {
    common::main(run)
}

async fn run() -> common::ExampleResult {
    let target = common::connect().await?;
    let path = common::arg("--csv");
    let csv = match &path {
        Some(path) => std::fs::read(path).map_err(|e| format!("reading {path}: {e}"))?,
        None if target.is_fake() => demo_csv().into_bytes(),
        None => return Err("--csv <file> is required".into()),
    };
    let apply = common::flag("--apply") || (target.is_fake() && path.is_none());
    let rows_per_job: usize = match common::arg("--rows-per-job") {
        Some(n) => n.parse().map_err(|e| format!("--rows-per-job: {e}"))?,
        None => jumpcloud_ext::jobs::DEFAULT_ROWS_PER_JOB,
    };
    let timeout = match common::arg("--timeout") {
        Some(s) => Duration::from_secs(s.parse().map_err(|e| format!("--timeout: {e}"))?),
        None => Duration::from_secs(600),
    };
    let mut bulk = BulkUsers::new(&target.jc)
        .rows_per_job(rows_per_job)
        .refuse_invalid_rows(common::flag("--all-or-nothing"));
    if target.is_fake() {
        bulk = bulk.poll_backoff(Duration::from_millis(50), Duration::from_millis(200));
    }
    let mut handle = if common::flag("--update") {
        let input = BulkInput::<BulkUserUpdate>::read_csv(csv.as_slice())?;
        match checked(&input, apply, rows_per_job) {
            true => bulk.update(input).await?,
            false => return Ok(()),
        }
    } else {
        let input = BulkInput::<BulkUserCreate>::read_csv(csv.as_slice())?;
        match checked(&input, apply, rows_per_job) {
            true => bulk.create(input).await?,
            false => return Ok(()),
        }
    };
    wait(&mut handle, timeout).await
}

/// Whether to go on and send; on a dry run, prints the rows that would be skipped.
fn checked<T: BulkRow>(input: &BulkInput<T>, apply: bool, rows_per_job: usize) -> bool {
    if apply {
        return true; // the report names the skipped rows with the others
    }
    let skipped = input.skipped();
    for row in &skipped {
        println!("{row}");
    }
    let to_send = input.len() - skipped.len();
    println!(
        "dry run: {} rows read, {} skipped, {to_send} to send in {} job(s); add --apply",
        input.len(),
        skipped.len(),
        to_send.div_ceil(rows_per_job.max(1))
    );
    false
}

async fn wait(handle: &mut BulkHandle, timeout: Duration) -> common::ExampleResult {
    for job in handle.jobs() {
        let rows = job.rows.iter().map(|r| r.row);
        let (first, last) = (rows.clone().min(), rows.max());
        eprintln!(
            "job {}: {} of the rows, numbers {} to {}",
            job.job_id,
            job.rows.len(),
            first.unwrap_or_default(),
            last.unwrap_or_default()
        );
    }
    let report = handle.wait(timeout).await?;
    print!("{report}");
    Ok(())
}

fn demo_csv() -> String {
    let mut csv = String::from("Username,Email,First Name,Last Name,Department,sudo\n");
    for (user, first, last) in [
        ("hana.k", "Hana", "Kovac"),
        ("ivo.m", "Ivo", "Marin"),
        ("jae.p", "Jae", "Park"),
        ("kemi.o", "Kemi", "Okafor"),
        ("lior.b", "Lior", "Ben-Ami"),
    ] {
        csv.push_str(&format!(
            "{user},{user}@example.com,{first},{last},Research,false\n"
        ));
    }
    csv.push_str("mo.t,,Mo,Tanaka,Research,false\n");
    csv.push_str("nia.w,nia.w@example.com,Nia,Walker,\"Research, Lab 2\",maybe\n");
    csv.push_str("oz.r,oz.r-at-example.com,Oz,Rahim,Research,false\n");
    csv
}
