//! Filters that cannot silently miss, end to end against the fake JumpCloud:
//! a filter on a field the operation's objects do not have, or with a value
//! that cannot be the field's type, fails before any request, naming the
//! field, the operation and the closest valid field; valid filters are
//! sent and answered as before. Also: every operation with a typed filter
//! has its field table, and a well-typed value on any field of any table
//! passes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use jumpcloud_ext::api::filter::fields::{FieldType, FilterFields, for_operation};
use jumpcloud_ext::filter::fields::Unchecked;
use jumpcloud_ext::filter::{FilterDialect, system_insights, v1, v2};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::DEMO_TWO_PATH_SYSTEM;

use common::{demo, sent};

#[tokio::test]
async fn an_unknown_v1_field_is_refused_with_the_closest_one() {
    let (fake, jc) = demo().await;
    let err = jc
        .v1()
        .system_list()
        .filter(v1::Filter::field("display_name").eq(DEMO_TWO_PATH_SYSTEM))
        .try_collect_all()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    let message = err.to_string();
    for part in [
        "`display_name`",
        "system_list",
        "did you mean `displayName`?",
    ] {
        assert!(message.contains(part), "{part} missing: {message}");
    }
    assert_eq!(sent(&fake), 0);

    // The same filter written out as text is checked the same way.
    let err = jc
        .v1()
        .system_list()
        .filter("display_name:$eq:lnx-002")
        .try_collect_all()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("displayName"), "{err}");
    assert_eq!(sent(&fake), 0);

    // The field as JumpCloud spells it finds the system, in one request.
    let found = jc
        .v1()
        .system_list()
        .filter(v1::Filter::field("displayName").eq(DEMO_TWO_PATH_SYSTEM))
        .try_collect_all()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].display_name.as_deref(), Some(DEMO_TWO_PATH_SYSTEM));
    assert_eq!(sent(&fake), 1);
}

#[tokio::test]
async fn an_ill_typed_value_is_refused() {
    let (fake, jc) = demo().await;
    let err = jc
        .v1()
        .system_list()
        .filter(v1::Filter::field("created").gt("not-a-date"))
        .try_collect_all()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(err.to_string().contains("is not a date-time"), "{err}");
    let err = jc
        .v1()
        .user_list()
        .filter(["state:$eq:activated"])
        .try_collect_all()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("one of"), "{err}");
    assert_eq!(sent(&fake), 0);

    let since = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let systems = jc
        .v1()
        .system_list()
        .filter(v1::Filter::field("created").gt(since))
        .try_collect_all()
        .await
        .unwrap();
    assert!(sent(&fake) >= 1);
    let users = jc
        .v1()
        .user_list()
        .filter(["state:$eq:ACTIVATED"])
        .try_collect_all()
        .await
        .unwrap();
    assert!(!users.is_empty());
    assert!(sent(&fake) >= 1);
    let _ = systems;
}

#[tokio::test]
async fn v2_and_system_insights_fields_are_checked_too() {
    let (fake, jc) = demo().await;
    let err = jc
        .v2()
        .user_group_list()
        .filter(v2::Filter::field("nmae").eq("Engineering"))
        .try_collect_all()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("did you mean `name`?"), "{err}");
    let err = jc
        .v2()
        .system_insight_os_version_list()
        .filter(system_insights::Filter::field("systemid").eq("x"))
        .try_collect_all()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`system_id`"), "{err}");
    assert_eq!(sent(&fake), 0);

    let groups = jc
        .v2()
        .user_group_list()
        .filter(v2::Filter::field("name").eq("Engineering"))
        .try_collect_all()
        .await
        .unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(sent(&fake), 1);

    // `Unchecked` is the way out for a field the documents do not list:
    // sent as given (the fake, like JumpCloud, then matches nothing).
    let none = jc
        .v2()
        .user_group_list()
        .filter(Unchecked(v2::Filter::field("nmae").eq("Engineering")))
        .try_collect_all()
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(sent(&fake), 1);
}

/// A value of `ty` that JumpCloud accepts.
fn sample(ty: FieldType) -> String {
    match ty {
        FieldType::DateTime => "2024-05-01T12:00:00Z".into(),
        FieldType::Integer => "42".into(),
        FieldType::Number => "4.2".into(),
        FieldType::Boolean => "true".into(),
        FieldType::Enum(values) => values[0].into(),
        _ => "some text".into(),
    }
}

/// Every field of `fields` (nested ones by their dotted path), with a
/// well-typed value, in the operation's dialect.
fn valid_filters(dialect: FilterDialect, fields: &FilterFields) -> Vec<String> {
    fn walk(
        prefix: &str,
        specs: &[jumpcloud_ext::api::filter::fields::FieldSpec],
        depth: usize,
        out: &mut Vec<(String, FieldType)>,
    ) {
        for spec in specs {
            let path = format!("{prefix}{}", spec.name);
            if let FieldType::Object(sub) = spec.ty
                && depth < 4
            {
                walk(&format!("{path}."), sub, depth + 1, out);
            }
            out.push((path, spec.ty));
        }
    }
    let mut all = Vec::new();
    walk("", fields.fields.unwrap_or_default(), 0, &mut all);
    all.into_iter()
        .map(|(path, ty)| match dialect {
            FilterDialect::V1Query => format!("{path}:$eq:{}", sample(ty)),
            _ => format!("{path}:eq:{}", sample(ty)),
        })
        .collect()
}

#[test]
fn every_typed_filter_has_its_fields_and_accepts_every_valid_field() {
    let mut tables = 0;
    let mut checked = 0;
    for op in jumpcloud_ext::api::operations() {
        let Some(dialect) = op.filter else { continue };
        let fields = for_operation(op.api, op.rust_method)
            .unwrap_or_else(|| panic!("{} has a typed filter but no field table", op.rust_method));
        assert_eq!(fields.operation, op.rust_method);
        if fields.fields.is_some() {
            tables += 1;
        }
        for filter in valid_filters(dialect, fields) {
            fields
                .check(dialect, &filter)
                .unwrap_or_else(|e| panic!("{}: {filter} refused: {e}", op.rust_method));
            checked += 1;
        }
        if fields.fields.is_some() {
            assert!(
                fields
                    .check(
                        dialect,
                        &match dialect {
                            FilterDialect::V1Query => "no_such_field_here:$eq:1".to_owned(),
                            _ => "no_such_field_here:eq:1".to_owned(),
                        }
                    )
                    .is_err(),
                "{}",
                op.rust_method
            );
        }
    }
    assert!(tables >= 150, "only {tables} operations have field tables");
    assert!(checked > 1_000, "only {checked} filters checked");
}

#[tokio::test]
async fn v1_search_bodies_are_checked_before_sending() {
    use jumpcloud_ext::filter::search::{Expr, SearchBody};
    let (fake, jc) = demo().await;
    let err = jc
        .v1()
        .system_search()
        .body(SearchBody::new().filter(Expr::or([
            Expr::field("hostname").eq(DEMO_TWO_PATH_SYSTEM),
            Expr::field("display_name").eq(DEMO_TWO_PATH_SYSTEM),
        ])))
        .try_collect_all()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    assert!(
        err.to_string().contains("did you mean `displayName`?"),
        "{err}"
    );
    let err = jc
        .v1()
        .user_search()
        .body(SearchBody::new().search("ada", ["user_name"]))
        .try_collect_all()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`username`"), "{err}");
    assert_eq!(sent(&fake), 0);

    let found = jc
        .v1()
        .system_search()
        .body(SearchBody::new().filter(Expr::or([
            Expr::field("hostname").eq(DEMO_TWO_PATH_SYSTEM),
            Expr::field("displayName").eq(DEMO_TWO_PATH_SYSTEM),
        ])))
        .try_collect_all()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(sent(&fake), 1);
}
