//! Creates or updates users from a CSV file through JumpCloud's bulk jobs, then waits for
//! every row's outcome: `cargo run -p jumpcloud-ext --example bulk_users -- --csv FILE
//! [--update] [--apply] [--rows-per-job 500] [--timeout 600]`.
//!
//! The first line names the columns, as JumpCloud's user fields (`username`, `email`,
//! `firstname`, `lastname`, `department`, …; `id` to update). Without `--apply` it is a dry
//! run: every row is checked (a missing `username` / `email`, or `id` with `--update`, is
//! reported with its row number) and the jobs that would be sent are listed. With `--apply`
//! the jobs are submitted and their job ids printed (keep them: the wait can be resumed),
//! then each row's outcome is printed as it becomes final.
//!
//! With `--fake` (or no credentials in the environment) it creates six users in the
//! project's fake JumpCloud, one of them with an invalid email, and applies.

mod common;

use std::time::Duration;

use jumpcloud_ext::api::v2::types::{BulkUserCreate, BulkUserUpdate};
use jumpcloud_ext::jobs::{BulkUsers, RowOutcome};
use serde_json::{Map, Value};

fn main() -> std::process::ExitCode {
    common::main(run)
}

async fn run() -> common::ExampleResult {
    let target = common::connect().await?;
    let (csv, apply, update) = if target.is_fake() {
        (demo_csv(), true, false)
    } else {
        let path = common::arg("--csv").ok_or("--csv <file> is required")?;
        let csv = std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
        (csv, common::flag("--apply"), common::flag("--update"))
    };
    let rows_per_job: usize = match common::arg("--rows-per-job") {
        Some(n) => n.parse().map_err(|e| format!("--rows-per-job: {e}"))?,
        None => jumpcloud_ext::jobs::DEFAULT_ROWS_PER_JOB,
    };
    let timeout = match common::arg("--timeout") {
        Some(s) => Duration::from_secs(s.parse().map_err(|e| format!("--timeout: {e}"))?),
        None => Duration::from_secs(600),
    };
    let records = records(&csv)?;
    let mut bulk = BulkUsers::new(&target.jc).rows_per_job(rows_per_job);
    if target.is_fake() {
        bulk = bulk.poll_backoff(Duration::from_millis(50), Duration::from_millis(200));
    }
    let rows = if update {
        Rows::Update(convert(records)?)
    } else {
        Rows::Create(convert(records)?)
    };
    // Rows are numbered from 1 here, as in the file after its header line.
    let keys = match &rows {
        Rows::Update(rows) => BulkUsers::check_update(rows),
        Rows::Create(rows) => BulkUsers::check_create(rows),
    }
    .map_err(numbered)?;
    if !apply {
        let jobs = keys.len().div_ceil(rows_per_job.max(1));
        let verb = if update { "update" } else { "create" };
        println!(
            "dry run: {} rows to {verb} in {jobs} job(s) of at most {rows_per_job}; add --apply",
            keys.len()
        );
        return Ok(());
    }
    let mut handle = match rows {
        Rows::Update(rows) => bulk.update(rows).await?,
        Rows::Create(rows) => bulk.create(rows).await?,
    };
    for job in handle.jobs() {
        eprintln!(
            "job {}: rows {}-{}",
            job.job_id,
            job.first_row + 1,
            job.first_row + job.keys.len()
        );
    }
    let report = handle.wait(timeout).await?;
    for (i, (key, outcome)) in keys.iter().zip(&report.outcomes).enumerate() {
        let line = match outcome {
            RowOutcome::Created { id: Some(id) } => format!("created {id}"),
            RowOutcome::Updated { id: Some(id) } => format!("updated {id}"),
            RowOutcome::Created { id: None } => "created (the job's result gave no id)".to_string(),
            RowOutcome::Updated { id: None } => "updated (the job's result gave no id)".to_string(),
            RowOutcome::Failed { message } => format!("FAILED: {message}"),
            RowOutcome::Pending { status } => {
                format!(
                    "still pending ({})",
                    status.as_deref().unwrap_or("no result")
                )
            }
            other => format!("{other:?}"),
        };
        println!("row {:>5}  {key:<32} {line}", i + 1);
    }
    eprintln!(
        "{} rows: {} failed, {} still pending",
        report.outcomes.len(),
        report.failed(),
        report.pending().len()
    );
    Ok(())
}

/// The file's rows, typed for the kind of job they go to.
enum Rows {
    Create(Vec<BulkUserCreate>),
    Update(Vec<BulkUserUpdate>),
}

/// The rows' checks count from 0; the file's data rows from 1.
fn numbered(e: jumpcloud_ext::Error) -> Box<dyn std::error::Error> {
    let text = e.to_string();
    match text.split_once("row ").and_then(|(_, rest)| {
        let (n, tail) = rest.split_once(':')?;
        Some((n.parse::<usize>().ok()?, tail.to_owned()))
    }) {
        Some((n, tail)) => format!("row {}:{tail}", n + 1).into(),
        None => e.into(),
    }
}

/// Each data row as a JSON object keyed by the header's column names (empty cells left out).
fn records(csv: &str) -> common::ExampleResult<Vec<Map<String, Value>>> {
    let mut lines = csv
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(common::csv_fields);
    let header = lines.next().ok_or("the CSV file is empty")?;
    Ok(lines
        .map(|cells| {
            header
                .iter()
                .zip(cells)
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (k.clone(), Value::String(v)))
                .collect()
        })
        .collect())
}

fn convert<T: serde::de::DeserializeOwned>(
    records: Vec<Map<String, Value>>,
) -> common::ExampleResult<Vec<T>> {
    records
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            serde_json::from_value(Value::Object(r))
                .map_err(|e| format!("row {}: {e}", i + 1).into())
        })
        .collect()
}

fn demo_csv() -> String {
    let mut csv = String::from("username,email,firstname,lastname,department\n");
    for (user, first, last) in [
        ("hana.k", "Hana", "Kovac"),
        ("ivo.m", "Ivo", "Marin"),
        ("jae.p", "Jae", "Park"),
        ("kemi.o", "Kemi", "Okafor"),
        ("lior.b", "Lior", "Ben-Ami"),
    ] {
        csv.push_str(&format!(
            "{user},{user}@example.com,{first},{last},Research\n"
        ));
    }
    csv.push_str("mo.t,mo.t-at-example.com,Mo,Tanaka,Research\n");
    csv
}
