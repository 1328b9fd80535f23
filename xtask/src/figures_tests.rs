//! The generated-code figures that BENCHMARKS.md and README.md quote
//! (operations, lines and size of each generated module, lines of each
//! document) are counted from the files, so they cannot go stale: a regen
//! that changes them fails this test until the documents say the new ones.

#![allow(clippy::expect_used)]

use crate::api::{self, Api};
use crate::spec;

use crate::regen::index::thousands as grouped;

struct Figures {
    operations: usize,
    lines: usize,
    bytes: usize,
    document_lines: usize,
}

fn figures(api: Api) -> Figures {
    let root = api::workspace_root();
    // The client and its types, wherever each is written.
    let generated = std::fs::read_to_string(api.generated(&root)).expect("generated module")
        + &std::fs::read_to_string(api.generated_types(&root)).expect("generated types");
    let document = std::fs::read_to_string(api.document(&root)).expect("document");
    let doc: serde_json::Value = serde_json::from_str(&document).expect("document is JSON");
    Figures {
        operations: spec::count_operations(&doc),
        lines: generated.lines().count(),
        bytes: generated.len(),
        document_lines: document.lines().count(),
    }
}

/// The row of BENCHMARKS.md's "Generated code" table for `api`.
fn benchmarks_row(api: Api) -> String {
    let f = figures(api);
    format!(
        "| `jumpcloud_api::{}` | {} | {} | {:.1} MB | `openapi/jumpcloud-{}.json` ({} lines) |",
        api.name(),
        f.operations,
        grouped(f.lines),
        f.bytes as f64 / 1e6,
        api.name(),
        grouped(f.document_lines)
    )
}

fn read(name: &str) -> String {
    std::fs::read_to_string(api::workspace_root().join(name)).expect(name)
}

#[test]
fn benchmarks_quote_the_generated_figures() {
    let text = read("BENCHMARKS.md");
    let stale: Vec<String> = [Api::V2, Api::V1, Api::Insights]
        .into_iter()
        .map(benchmarks_row)
        .filter(|row| !text.lines().any(|l| l == row))
        .collect();
    assert!(
        stale.is_empty(),
        "BENCHMARKS.md's generated-code table is stale; its rows should read:\n{}",
        stale.join("\n")
    );
}

#[test]
fn readme_quotes_the_generated_figures() {
    let text = read("README.md");
    let [v2, v1, insights] = [Api::V2, Api::V1, Api::Insights].map(figures);
    let rows = [
        format!(
            "| operations generated | v2 {}, v1 {}, Directory Insights {} |",
            v2.operations, v1.operations, insights.operations
        ),
        format!(
            "| generated lines | v2 {}, v1 {}, Directory Insights {} |",
            grouped(v2.lines),
            grouped(v1.lines),
            grouped(insights.lines)
        ),
    ];
    let stale: Vec<&String> = rows
        .iter()
        .filter(|row| !text.lines().any(|l| l == row.as_str()))
        .collect();
    assert!(
        stale.is_empty(),
        "README.md's measured numbers are stale; these rows should read:\n{}",
        stale
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn groups_thousands() {
    assert_eq!(grouped(7), "7");
    assert_eq!(grouped(3908), "3,908");
    assert_eq!(grouped(126600), "126,600");
    assert_eq!(grouped(1234567), "1,234,567");
}
