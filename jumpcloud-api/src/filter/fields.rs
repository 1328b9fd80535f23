//! The fields each operation can filter on, so that a filter that would
//! silently match nothing is refused before anything is sent.
//!
//! JumpCloud answers a filter on a field its objects do not have
//! (`display_name` where the field is `displayName`) or a value that cannot
//! be the field's type (`created:$gt:not-a-date`) with an empty list, not
//! an error. `cargo xtask regen` therefore writes, for every operation with
//! a typed `filter`, the fields of the objects it returns ([`FilterFields`],
//! in each API module's `FILTER_FIELDS` table), and the operation's `filter`
//! setter checks every filter against them: the request fails at `send()`
//! with [`FilterError::UnknownField`] (naming the field, the operation and
//! the closest valid field) or [`FilterError::FieldValue`], and nothing
//! goes on the wire. The `body` setter of the v1 search operations checks
//! the body's `filter` tree and `searchFilter` fields the same way
//! ([`FilterFields::check_search`]; the `SEARCH_FIELDS` table).
//!
//! # The rules
//!
//! The fields are derived from the OpenAPI documents, so a new document
//! brings its checks along. Where a document cannot tell, nothing is
//! refused:
//!
//! - An operation whose objects declare no properties, or allow more than
//!   they declare (`additionalProperties`), has no table: every field passes.
//! - `id` and `_id` name the same field: either is accepted where the
//!   objects have one of them.
//! - Nested fields are written with dots (`attributes.name`). A segment is
//!   checked where the document declares the nested object's properties; an
//!   open or untyped object accepts any sub-field, and a numeric segment
//!   (an array position) is always accepted. A field that is a list filters
//!   on its elements, so it takes the elements' type.
//! - Graph membership listings (`/memberof`, `/membership`) filter on
//!   `object_id` and `type`, which JumpCloud documents for them, beside
//!   the fields of their answers.
//! - Values: a date-time field takes RFC 3339 (`2024-05-01T12:00:00Z`,
//!   with or without offset or fraction) or a date (`2024-05-01`); an
//!   integer, a number or a boolean (`true`/`false`) takes just that; an
//!   enum takes one of its listed values, exactly (JumpCloud compares
//!   case-sensitively). `null` is accepted for every field (absent values),
//!   and `*` wildcards for text, date-time and enum fields. An empty value
//!   is refused for typed fields. The v2 `search` operator's text is not
//!   checked.
//! - Text that does not parse in the operation's dialect is sent as it is,
//!   as before; so is anything wrapped in [`Unchecked`], the way out when a
//!   document lags behind the server.
//!
//! ```
//! use jumpcloud_api::filter::fields::{FieldSpec, FieldType, FilterFields};
//! use jumpcloud_api::filter::{FilterDialect, FilterError};
//!
//! static FIELDS: FilterFields = FilterFields {
//!     operation: "system_list",
//!     fields: Some(&[
//!         FieldSpec { name: "created", ty: FieldType::DateTime },
//!         FieldSpec { name: "displayName", ty: FieldType::Text },
//!     ]),
//! };
//! let e = FIELDS.check(FilterDialect::V1Query, "display_name:$eq:mac-000").unwrap_err();
//! assert_eq!(
//!     e.to_string(),
//!     "`display_name` is not a filter field of system_list; did you mean `displayName`?"
//! );
//! assert!(matches!(
//!     FIELDS.check(FilterDialect::V1Query, "created:$gt:not-a-date"),
//!     Err(FilterError::FieldValue { .. })
//! ));
//! assert!(FIELDS.check(FilterDialect::V1Query, "created:$gt:2024-01-01").is_ok());
//! ```

use std::borrow::Cow;

use super::{Dialect, FilterDialect, FilterError, IntoFilters};

/// The filterable fields of one operation, written by `cargo xtask regen`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FilterFields {
    /// The operation's Rust method (`system_list`), for messages.
    pub operation: &'static str,
    /// The fields, sorted by name; `None` where the document leaves them
    /// open, and then every field passes.
    pub fields: Option<&'static [FieldSpec]>,
}

/// One field and its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// The name as JumpCloud spells it.
    pub name: &'static str,
    /// What a value of it may be.
    pub ty: FieldType,
}

/// What a filter value of a field may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldType {
    /// Any text.
    Text,
    /// An RFC 3339 date-time or a date.
    DateTime,
    /// A whole number.
    Integer,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// One of these values.
    Enum(&'static [&'static str]),
    /// An object with these sub-fields (reached with dots).
    Object(&'static [FieldSpec]),
    /// Anything: an open or untyped value, any sub-field.
    Any,
}

impl FieldType {
    /// What a value must be, for messages; `None` when anything goes.
    fn expected(self) -> Option<Cow<'static, str>> {
        Some(match self {
            Self::DateTime => "a date-time (RFC 3339) or a date (YYYY-MM-DD)".into(),
            Self::Integer => "an integer".into(),
            Self::Number => "a number".into(),
            Self::Boolean => "`true` or `false`".into(),
            Self::Enum(values) => {
                const SHOWN: usize = 8;
                let mut list = values
                    .iter()
                    .take(SHOWN)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ");
                if values.len() > SHOWN {
                    list.push_str(", …");
                }
                format!("one of {list}").into()
            }
            Self::Text | Self::Object(_) | Self::Any => return None,
        })
    }

    /// Whether `value` can be a value of this type.
    pub fn accepts(self, value: &str) -> bool {
        if value == "null" {
            return true;
        }
        let wildcard = value.contains('*');
        match self {
            Self::Text | Self::Object(_) | Self::Any => true,
            Self::DateTime => wildcard || is_date_time(value),
            Self::Integer => {
                let digits = value.strip_prefix('-').unwrap_or(value);
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
            }
            Self::Number => {
                let digits = value.strip_prefix('-').unwrap_or(value);
                digits.starts_with(|c: char| c.is_ascii_digit())
                    && digits.ends_with(|c: char| c.is_ascii_digit())
                    && value.parse::<f64>().is_ok_and(f64::is_finite)
            }
            Self::Boolean => {
                value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
            }
            Self::Enum(values) => wildcard || values.contains(&value),
        }
    }
}

fn is_date_time(value: &str) -> bool {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    DateTime::parse_from_rfc3339(value).is_ok()
        || NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
        || NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M").is_ok()
        || NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok_and(|_| value.len() == 10)
}

/// Filters sent as they are, without the check against the operation's
/// fields (the grammar of built filters still holds).
///
/// For a field the server accepts but the documents do not list yet:
/// `.filter(Unchecked("newField:eq:x"))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unchecked<T>(pub T);

impl<D: Dialect, T: IntoFilters<D>> IntoFilters<D> for Unchecked<T> {
    fn into_filters(self) -> Result<Vec<String>, FilterError> {
        self.0.into_filters()
    }

    fn into_filters_for(self, _: &FilterFields) -> Result<Vec<String>, FilterError> {
        self.0.into_filters()
    }
}

impl FilterFields {
    /// The type of `field` (dotted for nested fields), or why it is not a
    /// field of this operation. Every field passes where the table is open.
    pub fn field(&self, dialect: FilterDialect, field: &str) -> Result<FieldType, FilterError> {
        let Some(mut fields) = self.fields else {
            return Ok(FieldType::Any);
        };
        let mut ty = FieldType::Any;
        let mut at = 0;
        for (i, segment) in field.split('.').enumerate() {
            if i > 0 && !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                at += segment.len() + 1;
                continue;
            }
            if i > 0 {
                match ty {
                    FieldType::Object(sub) => fields = sub,
                    FieldType::Any => return Ok(FieldType::Any),
                    _ => fields = &[],
                }
            }
            let Some(spec) = lookup(fields, segment) else {
                let prefix = &field[..at];
                return Err(FilterError::UnknownField {
                    dialect,
                    operation: self.operation,
                    field: field.to_owned(),
                    suggestion: closest(fields, segment).map(|s| format!("{prefix}{s}")),
                });
            };
            ty = spec.ty;
            at += segment.len() + 1;
        }
        Ok(ty)
    }

    /// Checks `value` for a field of type `ty`.
    pub fn value(
        &self,
        dialect: FilterDialect,
        field: &str,
        ty: FieldType,
        value: &str,
    ) -> Result<(), FilterError> {
        if ty.accepts(value) {
            return Ok(());
        }
        Err(FilterError::FieldValue {
            dialect,
            operation: self.operation,
            field: field.to_owned(),
            value: value.to_owned(),
            expected: ty.expected().unwrap_or_default(),
        })
    }

    /// Checks one `filter=` value of the operation: its field, then each of
    /// its values. Text that does not parse in `dialect` passes (it is sent
    /// as given, see the module documentation).
    pub fn check(&self, dialect: FilterDialect, filter: &str) -> Result<(), FilterError> {
        if self.fields.is_none() {
            return Ok(());
        }
        let parsed = match dialect {
            FilterDialect::V2 => filter.parse::<super::v2::Filter>().ok().map(|f| {
                let search = f.op() == super::v2::V2Op::Search;
                (f.field_name().to_owned(), f.values().to_vec(), search)
            }),
            FilterDialect::SystemInsights => filter
                .parse::<super::system_insights::Filter>()
                .ok()
                .map(|f| (f.field_name().to_owned(), f.values().to_vec(), false)),
            FilterDialect::V1Query => filter
                .parse::<super::v1::Filter>()
                .ok()
                .map(|f| (f.field_name().to_owned(), f.values().to_vec(), false)),
            FilterDialect::V1Search => None,
        };
        let Some((field, values, free_text)) = parsed else {
            return Ok(());
        };
        let ty = self.field(dialect, &field)?;
        if !free_text {
            for value in &values {
                self.value(dialect, &field, ty, value)?;
            }
        }
        Ok(())
    }
}

impl FilterFields {
    /// Checks a v1 search body: every field of its `filter` tree (inside
    /// `and`/`or` groups, to any depth) and the values compared with it,
    /// and the `fields` its `searchFilter` searches in. Operators other
    /// than the comparisons (`$eq $ne $gt $gte $lt $lte $in $nin`) keep
    /// their values unchecked.
    pub fn check_search(
        &self,
        filter: &serde_json::Map<String, serde_json::Value>,
        search_filter: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<(), FilterError> {
        if self.fields.is_none() {
            return Ok(());
        }
        self.check_tree(filter, 0)?;
        if let Some(fields) = search_filter.get("fields").and_then(|f| f.as_array()) {
            for field in fields.iter().filter_map(|f| f.as_str()) {
                self.field(FilterDialect::V1Search, field)?;
            }
        }
        Ok(())
    }

    fn check_tree(
        &self,
        tree: &serde_json::Map<String, serde_json::Value>,
        depth: usize,
    ) -> Result<(), FilterError> {
        use serde_json::Value;
        // Deeper than any body the SDK builds; what lies below is the
        // server's to judge.
        if depth > 32 {
            return Ok(());
        }
        for (key, value) in tree {
            if key == "and" || key == "or" {
                for part in value.as_array().into_iter().flatten() {
                    if let Value::Object(part) = part {
                        self.check_tree(part, depth + 1)?;
                    }
                }
                continue;
            }
            if key.starts_with('$') {
                continue;
            }
            let ty = self.field(FilterDialect::V1Search, key)?;
            let compared: Vec<&Value> = match value {
                Value::Object(ops) if ops.keys().all(|k| k.starts_with('$')) => ops
                    .iter()
                    .filter(|(op, _)| {
                        matches!(
                            op.as_str(),
                            "$eq" | "$ne" | "$gt" | "$gte" | "$lt" | "$lte" | "$in" | "$nin"
                        )
                    })
                    .flat_map(|(_, v)| match v {
                        Value::Array(items) => items.iter().collect(),
                        v => vec![v],
                    })
                    .collect(),
                v => vec![v],
            };
            for v in compared {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    Value::Null | Value::Array(_) | Value::Object(_) => continue,
                };
                self.value(FilterDialect::V1Search, key, ty, &text)?;
            }
        }
        Ok(())
    }
}

/// The field named `name`; `id` and `_id` stand for each other.
fn lookup(fields: &'static [FieldSpec], name: &str) -> Option<&'static FieldSpec> {
    let find = |n: &str| fields.iter().find(|f| f.name == n);
    find(name).or_else(|| match name {
        "id" => find("_id"),
        "_id" => find("id"),
        _ => None,
    })
}

/// The field most likely meant by `name`: the same name but for case, `_`
/// and `-` (`display_name` → `displayName`), else the nearest by edit
/// distance, if near enough to be a typo.
fn closest(fields: &[FieldSpec], name: &str) -> Option<&'static str> {
    let fold = |s: &str| -> String {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .flat_map(char::to_lowercase)
            .collect()
    };
    let folded = fold(name);
    if let Some(f) = fields.iter().find(|f| fold(f.name) == folded) {
        return Some(f.name);
    }
    let limit = (name.chars().count() / 3).max(1);
    fields
        .iter()
        .map(|f| (distance(&folded, &fold(f.name)), f.name))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, n)| n)
}

/// Edit distance over chars, a swap of two neighbours counting as one edit
/// (optimal string alignment): `nmae` is one edit from `name`.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            d[i * width + j] = if i == 0 || j == 0 {
                i + j
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut best = (d[(i - 1) * width + j] + 1)
                    .min(d[i * width + j - 1] + 1)
                    .min(d[(i - 1) * width + j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    best = best.min(d[(i - 2) * width + j - 2] + 1);
                }
                best
            };
        }
    }
    d[a.len() * width + b.len()]
}

/// The table of the operation `rust_method` of `api`, if it takes typed
/// filters or a v1 search body (and its API's feature is on).
pub fn for_operation(api: crate::Api, rust_method: &str) -> Option<&'static FilterFields> {
    let tables: [&'static [FilterFields]; 2] = match api {
        #[cfg(feature = "v2")]
        crate::Api::V2 => [crate::v2::FILTER_FIELDS, crate::v2::SEARCH_FIELDS],
        #[cfg(feature = "v1")]
        crate::Api::V1 => [crate::v1::FILTER_FIELDS, crate::v1::SEARCH_FIELDS],
        #[cfg(feature = "insights")]
        crate::Api::Insights => [
            crate::insights::FILTER_FIELDS,
            crate::insights::SEARCH_FIELDS,
        ],
        #[allow(unreachable_patterns)]
        _ => [&[], &[]],
    };
    tables.into_iter().find_map(|table| {
        table
            .binary_search_by(|f| f.operation.cmp(rust_method))
            .ok()
            .map(|i| &table[i])
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    const STATES: &[&str] = &["STAGED", "ACTIVATED", "SUSPENDED"];
    const ADDRESS: &[FieldSpec] = &[
        FieldSpec {
            name: "country",
            ty: FieldType::Text,
        },
        FieldSpec {
            name: "type",
            ty: FieldType::Text,
        },
    ];
    const USER: &[FieldSpec] = &[
        FieldSpec {
            name: "_id",
            ty: FieldType::Text,
        },
        FieldSpec {
            name: "addresses",
            ty: FieldType::Object(ADDRESS),
        },
        FieldSpec {
            name: "attributes",
            ty: FieldType::Any,
        },
        FieldSpec {
            name: "badLoginAttempts",
            ty: FieldType::Integer,
        },
        FieldSpec {
            name: "created",
            ty: FieldType::DateTime,
        },
        FieldSpec {
            name: "displayName",
            ty: FieldType::Text,
        },
        FieldSpec {
            name: "mfa_score",
            ty: FieldType::Number,
        },
        FieldSpec {
            name: "state",
            ty: FieldType::Enum(STATES),
        },
        FieldSpec {
            name: "suspended",
            ty: FieldType::Boolean,
        },
        FieldSpec {
            name: "username",
            ty: FieldType::Text,
        },
    ];
    static USERS: FilterFields = FilterFields {
        operation: "user_list",
        fields: Some(USER),
    };

    fn v1(f: &str) -> Result<(), FilterError> {
        USERS.check(FilterDialect::V1Query, f)
    }

    #[test]
    fn unknown_fields_name_the_closest() {
        let e = v1("display_name:$eq:mac-000").unwrap_err();
        assert_eq!(
            e,
            FilterError::UnknownField {
                dialect: FilterDialect::V1Query,
                operation: "user_list",
                field: "display_name".into(),
                suggestion: Some("displayName".into()),
            }
        );
        assert_eq!(e.dialect(), FilterDialect::V1Query);
        let e = v1("usrname:$eq:ada").unwrap_err();
        assert!(e.to_string().ends_with("did you mean `username`?"), "{e}");
        let e = v1("zzzzzz:$eq:1").unwrap_err();
        assert_eq!(e.to_string(), "`zzzzzz` is not a filter field of user_list");
        let e = v1("addresses.countyr:$eq:FR").unwrap_err();
        assert!(e.to_string().contains("`addresses.country`"), "{e}");
        let e = v1("username.first:$eq:x").unwrap_err();
        assert!(matches!(
            e,
            FilterError::UnknownField {
                suggestion: None,
                ..
            }
        ));
    }

    #[test]
    fn ids_nested_and_open_fields_pass() {
        for ok in [
            "_id:$eq:5f1a",
            "id:$eq:5f1a",
            "addresses.country:$eq:FR",
            "addresses.0.type:$eq:work",
            "attributes.anything.deep:$eq:1",
            "attributes:$eq:x",
            "addresses:$eq:x",
        ] {
            v1(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        let open = FilterFields {
            operation: "x",
            fields: None,
        };
        open.check(FilterDialect::V2, "whatever:eq:1").unwrap();
        // Text outside the grammar is not this check's business.
        v1("not a filter").unwrap();
    }

    #[test]
    fn values_must_fit_the_type() {
        for bad in [
            "created:$gt:not-a-date",
            "created:$gt:",
            "created:$gt:2024-13-01",
            "badLoginAttempts:$gt:three",
            "badLoginAttempts:$gt:1.5",
            "mfa_score:$gt:NaN",
            "suspended:$eq:yes",
            "state:$eq:activated",
            "state:$eq:DELETED",
        ] {
            let e = v1(bad).unwrap_err();
            assert!(matches!(e, FilterError::FieldValue { .. }), "{bad}: {e}");
        }
        let e = v1("created:$gt:not-a-date").unwrap_err();
        assert_eq!(
            e.to_string(),
            "\"not-a-date\" is not a date-time (RFC 3339) or a date (YYYY-MM-DD) \
             for `created` of user_list"
        );
        let e = v1("state:$eq:activated").unwrap_err();
        assert!(
            e.to_string()
                .contains("one of STAGED, ACTIVATED, SUSPENDED"),
            "{e}"
        );
        for ok in [
            "created:$gt:2024-01-01",
            "created:$gt:2024-01-01T00:00:00Z",
            "created:$gt:2024-01-01T00:00:00.123+02:00",
            "created:$gt:2024-01-01T00:00:00",
            "created:$eq:null",
            "badLoginAttempts:$gte:-3",
            "mfa_score:$lt:0.5",
            "suspended:$eq:true",
            "suspended:$eq:False",
            "state:$eq:ACTIVATED",
            "username:$eq:",
        ] {
            v1(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        let v2 = |f: &str| USERS.check(FilterDialect::V2, f);
        v2("state:in:STAGED|ACTIVATED").unwrap();
        assert!(v2("state:in:STAGED|nope").is_err());
        v2("created:between:2024-01-01,2024-02-01T08:30:00Z").unwrap();
        assert!(v2("created:between:2024-01-01,soon").is_err());
        v2("state:search:act").unwrap();
        v2("state:eq:ACT*").unwrap();
    }

    #[test]
    fn unchecked_and_strings_go_through_the_same_door() {
        use crate::filter::{V1Query, v1::Filter};
        let built = Filter::field("display_name").eq("mac-000");
        assert!(IntoFilters::<V1Query>::into_filters_for(built.clone(), &USERS).is_err());
        assert!(IntoFilters::<V1Query>::into_filters_for("display_name:$eq:x", &USERS).is_err());
        let sent = IntoFilters::<V1Query>::into_filters_for(Unchecked(built), &USERS).unwrap();
        assert_eq!(sent, ["display_name:$eq:mac-000"]);
        let sent = IntoFilters::<V1Query>::into_filters_for(
            [Filter::field("displayName").eq("mac-000")],
            &USERS,
        )
        .unwrap();
        assert_eq!(sent, ["displayName:$eq:mac-000"]);
    }

    #[test]
    fn search_bodies_are_checked_to_any_depth() {
        use serde_json::{Map, Value, json};
        let map = |v: Value| match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        let check = |filter: Value, search: Value| USERS.check_search(&map(filter), &map(search));
        check(
            json!({"or": [{"username": "ada"}, {"and": [
                {"created": {"$gt": "2024-01-01T00:00:00Z"}},
                {"state": {"$in": ["STAGED", "ACTIVATED"]}},
                {"badLoginAttempts": {"$lt": 3}},
                {"suspended": false},
                {"id": {"$exists": true}}
            ]}]}),
            json!({"searchTerm": "ad", "fields": ["username", "displayName"]}),
        )
        .unwrap();
        let e = check(json!({"or": [{"and": [{"display_name": "x"}]}]}), json!({})).unwrap_err();
        assert!(
            matches!(&e, FilterError::UnknownField { suggestion: Some(s), dialect: FilterDialect::V1Search, .. } if s == "displayName"),
            "{e}"
        );
        let e = check(json!({"state": {"$in": ["STAGED", "gone"]}}), json!({})).unwrap_err();
        assert!(matches!(e, FilterError::FieldValue { .. }), "{e}");
        let e = check(json!({"created": true}), json!({})).unwrap_err();
        assert!(matches!(e, FilterError::FieldValue { .. }), "{e}");
        let e = check(
            json!({}),
            json!({"searchTerm": "a", "fields": ["user_name"]}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("did you mean `username`?"), "{e}");
        let open = FilterFields {
            operation: "x",
            fields: None,
        };
        open.check_search(&map(json!({"anything": 1})), &Map::new())
            .unwrap();
    }

    #[test]
    fn distances() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("same", "same"), 0);
        assert_eq!(distance("nmae", "name"), 1);
    }

    /// A valid value of each type, from a seed.
    fn valid_value(ty: FieldType) -> BoxedStrategy<String> {
        match ty {
            FieldType::Integer => any::<i64>().prop_map(|n| n.to_string()).boxed(),
            FieldType::Number => (any::<i32>(), 0u32..1000)
                .prop_map(|(a, b)| format!("{a}.{b}"))
                .boxed(),
            FieldType::Boolean => any::<bool>().prop_map(|b| b.to_string()).boxed(),
            FieldType::DateTime => (0i64..4_000_000_000, any::<bool>())
                .prop_map(|(s, day)| {
                    let t = chrono::DateTime::from_timestamp(s, 0).unwrap();
                    if day {
                        t.format("%Y-%m-%d").to_string()
                    } else {
                        t.to_rfc3339()
                    }
                })
                .boxed(),
            FieldType::Enum(values) => prop::sample::select(values).prop_map(str::to_owned).boxed(),
            _ => any::<String>().boxed(),
        }
    }

    fn valid_filter() -> impl Strategy<Value = (String, String)> {
        prop::sample::select(USER).prop_flat_map(|spec| {
            let name = match spec.ty {
                FieldType::Object(sub) => prop::sample::select(sub)
                    .prop_map(move |s| format!("{}.{}", spec.name, s.name))
                    .boxed(),
                _ => Just(spec.name.to_owned()).boxed(),
            };
            let ty = match spec.ty {
                FieldType::Object(_) => FieldType::Text,
                ty => ty,
            };
            (name, valid_value(ty))
        })
    }

    proptest! {
        /// No valid filter is refused, built or written out, in any dialect.
        #[test]
        fn valid_filters_are_never_refused((field, value) in valid_filter()) {
            use crate::filter::{SystemInsights, V1Query, V2, system_insights, v1, v2};
            let f = v1::Filter::field(&field).eq(value.as_str()).unwrap();
            prop_assert!(IntoFilters::<V1Query>::into_filters_for(f, &USERS).is_ok());
            let f = v2::Filter::field(&field).eq(value.as_str()).unwrap();
            prop_assert!(IntoFilters::<V2>::into_filters_for(&f, &USERS).is_ok());
            prop_assert!(IntoFilters::<V2>::into_filters_for(f.to_string(), &USERS).is_ok());
            if !value.contains('|') {
                let f = system_insights::Filter::field(&field).is_in([value.as_str()]).unwrap();
                prop_assert!(IntoFilters::<SystemInsights>::into_filters_for(f, &USERS).is_ok());
            }
        }

        /// A field that is not in the table is refused, and what is
        /// suggested instead is a field that passes.
        #[test]
        fn unknown_fields_are_refused(name in "[a-z][a-zA-Z_]{0,12}") {
            let filter = format!("{name}:$eq:x");
            let known = lookup(USER, &name).is_some();
            match v1(&filter) {
                Ok(()) => prop_assert!(known, "{} passed", filter),
                Err(FilterError::UnknownField { suggestion, .. }) => {
                    prop_assert!(!known);
                    if let Some(s) = suggestion {
                        let passes = USERS.field(FilterDialect::V1Query, &s).is_ok();
                        prop_assert!(passes, "{} refused", s);
                    }
                }
                Err(e) => prop_assert!(false, "{e}"),
            }
        }

        /// Values of the wrong type never pass: text that is not a number
        /// is refused on integer fields, and so on.
        #[test]
        fn ill_typed_values_are_refused(value in "[a-z][a-z -]{0,10}") {
            prop_assume!(value != "null" && value != "true" && value != "false");
            for field in ["badLoginAttempts", "created", "mfa_score", "suspended"] {
                let filter = format!("{field}:$eq:{value}");
                let refused = v1(&filter).is_err();
                prop_assert!(refused, "{} passed", filter);
            }
            let text = format!("username:$eq:{value}");
            let passed = v1(&text).is_ok();
            prop_assert!(passed);
        }
    }
}
