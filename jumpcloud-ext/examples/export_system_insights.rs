//! One System Insights table for every system, as CSV: `cargo run -p jumpcloud-ext --example
//! export_system_insights -- --table os_version [--out os_version.csv] [--system <id>]`.
//!
//! The table is read through its typed listing and paged with the largest pages System
//! Insights allows (10,000 rows), several pages at a time once the total is known. Columns
//! are every field any row has, `system_id` first; nested values are written as JSON.
//! Tables: `apps`, `battery`, `disk_encryption`, `os_version` (default), `system_info`,
//! `uptime`, `users`. Without `--out` the CSV goes to stdout.
//!
//! With `--fake` (or no credentials in the environment) it runs against the project's fake
//! JumpCloud, whose demo systems report `apps`, `os_version`, `uptime` and `users`.

mod common;

use std::io::Write;

use jumpcloud_ext::filter::system_insights::Filter;
use jumpcloud_ext::prelude::*;
use serde_json::{Map, Value};

fn main() -> std::process::ExitCode {
    common::main(run)
}

/// Every row of `$method`, as JSON objects, filtered to one system if asked.
macro_rules! table {
    ($jc:expr, $system:expr, $method:ident) => {{
        let mut request = $jc.v2().$method();
        if let Some(id) = $system {
            request = request.filter(Filter::field("system_id").eq(id)?);
        }
        let rows = request.concurrency(4).try_collect_all().await?;
        rows.into_iter()
            .map(serde_json::to_value)
            .collect::<Result<Vec<Value>, _>>()?
    }};
}

async fn run() -> common::ExampleResult {
    let target = common::connect().await?;
    let jc = &target.jc;
    let table = common::arg("--table").unwrap_or_else(|| "os_version".into());
    let system = common::arg("--system");
    let system = system.as_deref();
    let rows = match table.as_str() {
        "apps" => table!(jc, system, system_insight_apps_list),
        "battery" => table!(jc, system, system_insight_battery_list),
        "disk_encryption" => table!(jc, system, system_insight_disk_encryption_list),
        "os_version" => table!(jc, system, system_insight_os_version_list),
        "system_info" => table!(jc, system, system_insight_system_info_list),
        "uptime" => table!(jc, system, system_insight_uptime_list),
        "users" => table!(jc, system, system_insight_users_list),
        other => return Err(format!("unsupported table {other:?}").into()),
    };
    let objects: Vec<Map<String, Value>> = rows
        .into_iter()
        .filter_map(|r| match r {
            Value::Object(m) => Some(m),
            _ => None,
        })
        .collect();
    let columns = columns(&objects);
    let mut out: Box<dyn Write> = match common::arg("--out") {
        Some(path) => Box::new(std::io::BufWriter::new(std::fs::File::create(&path)?)),
        None => Box::new(std::io::stdout().lock()),
    };
    writeln!(out, "{}", columns.join(","))?;
    for row in &objects {
        let line: Vec<String> = columns
            .iter()
            .map(|c| common::csv_field(&cell(row.get(c))))
            .collect();
        writeln!(out, "{}", line.join(","))?;
    }
    out.flush()?;
    let systems: std::collections::BTreeSet<_> = objects
        .iter()
        .filter_map(|r| r.get("system_id").and_then(Value::as_str))
        .collect();
    eprintln!(
        "{table}: {} rows from {} systems, {} columns",
        objects.len(),
        systems.len(),
        columns.len()
    );
    Ok(())
}

/// Every field any row has, in first-seen order, `system_id` first. A field no row sets
/// (`null` everywhere) is left out.
fn columns(rows: &[Map<String, Value>]) -> Vec<String> {
    let mut out = vec!["system_id".to_owned()];
    for row in rows {
        for (key, value) in row {
            if !value.is_null() && !out.contains(key) {
                out.push(key.clone());
            }
        }
    }
    out
}

fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}
