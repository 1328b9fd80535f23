//! The CSV columns of bulk user jobs (`jumpcloud_ext::jobs::BulkInput::columns`) checked against
//! the committed v2 document: every scalar field of `bulk-user-create` and `bulk-user-update`
//! is a column and nothing else is, and each column reads its cells as the document types
//! the field (a flag, a whole number, a date-time, one of an enum's values, or text).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use jumpcloud_ext::api::v2::types::{BulkUserCreate, BulkUserUpdate};
use jumpcloud_ext::jobs::{BulkInput, BulkRow};
use serde_json::Value;

fn schema(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi/jumpcloud-v2.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["components"]["schemas"][name].clone()
}

/// Each scalar field of the schema with a cell it must accept and one it must refuse.
fn scalar_fields(schema: &Value) -> Vec<(String, String, Option<&'static str>)> {
    let props = schema["properties"].as_object().unwrap();
    let mut out = Vec::new();
    for (name, p) in props {
        let cells = match (p["type"].as_str(), p["format"].as_str()) {
            (Some("boolean"), _) => ("yes".to_owned(), Some("maybe")),
            (Some("integer"), _) => ("7".to_owned(), Some("seven")),
            (Some("string"), Some("date-time")) => {
                ("2026-01-01T00:00:00Z".to_owned(), Some("soon"))
            }
            (Some("string"), _) => match p["enum"].as_array() {
                Some(values) => (values[0].as_str().unwrap().to_owned(), None),
                None => ("x".to_owned(), None),
            },
            _ => continue,
        };
        out.push((name.clone(), cells.0, cells.1));
    }
    out
}

fn check<T: BulkRow>(schema_name: &str) {
    let schema = schema(schema_name);
    let fields = scalar_fields(&schema);
    let documented: BTreeSet<&str> = fields.iter().map(|(n, _, _)| n.as_str()).collect();
    let columns: BTreeSet<&str> = BulkInput::<T>::columns().into_iter().collect();
    assert_eq!(columns, documented, "{schema_name}");
    for (name, good, bad) in &fields {
        let read = |cell: &str| BulkInput::<T>::from_csv(&format!("{name}\n{cell}\n")).unwrap();
        let ok = read(good);
        assert!(
            ok.rejected().is_empty(),
            "{schema_name}.{name} = {good:?}: {:?}",
            ok.rejected()
        );
        let sent = serde_json::to_value(&ok.rows()[0].value).unwrap();
        assert!(
            sent.get(name).is_some(),
            "{schema_name}.{name} is sent as {name}: {sent}"
        );
        if let Some(bad) = bad {
            assert_eq!(
                read(bad).rejected().len(),
                1,
                "{schema_name}.{name} = {bad:?}"
            );
        }
    }
}

#[test]
fn creation_columns_are_the_documents_scalar_fields() {
    check::<BulkUserCreate>("bulk-user-create");
}

#[test]
fn update_columns_are_the_documents_scalar_fields() {
    check::<BulkUserUpdate>("bulk-user-update");
}
