//! `docs/operations.md` lists every operation of every API once, with the facts of its
//! `OPERATIONS` entry (method and path, operation id, SDK call, paging, filter, `x-org-id`).
//! `cargo xtask regen --check` proves the file is what the generator writes; this proves what the
//! generator writes covers the SDK.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

#[test]
fn the_index_lists_every_operation_with_its_facts() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/operations.md");
    let index = std::fs::read_to_string(path).expect("docs/operations.md");
    // SDK call (unique; operation ids repeat across APIs) → the row's cells.
    let rows: BTreeMap<String, Vec<String>> = index
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().trim_matches('`').to_owned())
                .collect();
            (cells[2].clone(), cells)
        })
        .collect();
    let mut count = 0;
    for op in jumpcloud_api::operations() {
        count += 1;
        let call = format!("{}().{}()", op.api.name(), op.rust_method);
        let row = rows
            .get(&call)
            .unwrap_or_else(|| panic!("{} ({}) is not in docs/operations.md", op.id, op.api));
        assert_eq!(
            row[0],
            format!("{} {}", op.http_method, op.path),
            "{}",
            op.id
        );
        assert_eq!(
            row[2],
            format!("{}().{}()", op.api.name(), op.rust_method),
            "{}",
            op.id
        );
        match op.paging {
            Some(p) => assert!(
                row[5].starts_with(&format!("{}, ≤ ", p.kind.name())),
                "{}: {}",
                op.id,
                row[5]
            ),
            None => assert_eq!(row[5], "—", "{}", op.id),
        }
        match op.filter {
            Some(d) => assert_eq!(row[6], d.name(), "{}", op.id),
            None => assert!(row[6] == "—" || row[6] == "v1 search", "{}", op.id),
        }
        assert_eq!(
            row[7],
            if op.org_header { "yes" } else { "no" },
            "{}",
            op.id
        );
    }
    assert_eq!(
        rows.len(),
        count,
        "the index has rows for operations the SDK lacks"
    );
    assert_eq!(count, 495);
}
