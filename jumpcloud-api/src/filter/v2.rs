//! Filters of the v2 lists and graph traversals: `field:op:value`.
//!
//! Operators: `eq ne gt ge lt le between search in`. Values are compared
//! case-sensitively and `*` is a wildcard. The value is everything after the
//! operator's `:`, so it may itself contain `:` (times, URLs); `in` joins its
//! values with `|` and `between` its two bounds with `,` (JumpCloud's
//! documents do not spell out the `between` form; this is the one the SDK
//! sends), so those characters are refused inside such values. The
//! `/memberof` and `/membership` listings filter only on `object_id` and
//! `type`.
//!
//! ```
//! use jumpcloud_api::filter::v2::Filter;
//! use chrono::{TimeZone, Utc};
//!
//! # fn main() -> Result<(), jumpcloud_api::filter::FilterError> {
//! let since = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
//! let f = Filter::field("created").ge(since)?;
//! assert_eq!(f.to_string(), "created:ge:2024-01-01T00:00:00Z");
//!
//! // A `|` inside an `in` value would split it in two: refused.
//! assert!(Filter::field("name").is_in(["a|b"]).is_err());
//! # Ok(())
//! # }
//! ```

use super::FilterValue;
use super::grammar::{Arity, Operator, comparisons, filter_type};

/// A comparison of the v2 dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum V2Op {
    /// `eq`: equal to.
    Eq,
    /// `ne`: not equal to.
    Ne,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal to.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal to.
    Le,
    /// `between`: within two bounds, `low,high`.
    Between,
    /// `search`: text search.
    Search,
    /// `in`: equal to one of several values, `a|b|c`.
    In,
}

impl V2Op {
    /// The operator as written on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Gt => "gt",
            Self::Ge => "ge",
            Self::Lt => "lt",
            Self::Le => "le",
            Self::Between => "between",
            Self::Search => "search",
            Self::In => "in",
        }
    }
}

impl Operator for V2Op {
    const DIALECT: super::FilterDialect = super::FilterDialect::V2;
    const ALL: &'static [Self] = &[
        Self::Eq,
        Self::Ne,
        Self::Gt,
        Self::Ge,
        Self::Lt,
        Self::Le,
        Self::Between,
        Self::Search,
        Self::In,
    ];
    fn token(self) -> &'static str {
        self.as_str()
    }
    fn arity(self) -> Arity {
        match self {
            Self::Between => Arity::Pair,
            Self::In => Arity::List,
            _ => Arity::One,
        }
    }
}

filter_type!(
    V2Op,
    super::V2,
    "use jumpcloud_api::filter::v2::Filter;\n\
     let f = Filter::field(\"name\").eq(\"Test Group\")?;\n\
     assert_eq!(f, \"name:eq:Test Group\".parse()?);"
);

comparisons!(V2Op {
    /// Field equals `value`.
    one eq => Eq;
    /// Field differs from `value`.
    one ne => Ne;
    /// Field is greater than `value`.
    one gt => Gt;
    /// Field is greater than or equal to `value`.
    one ge => Ge;
    /// Field is less than `value`.
    one lt => Lt;
    /// Field is less than or equal to `value`.
    one le => Le;
    /// Field matches the text search `term`.
    one search => Search;
    /// Field equals one of `values` (at least one; none may contain `|`).
    list is_in => In;
});

impl Field {
    /// Field lies between `low` and `high`; neither may contain `,`.
    pub fn between(
        self,
        low: impl Into<FilterValue>,
        high: impl Into<FilterValue>,
    ) -> Result<Filter, super::FilterError> {
        self.with(V2Op::Between, vec![low.into(), high.into()])
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::grammar::testing::{field, reads_back_as_built, round_trips, text};
    use super::super::{FilterError, IntoFilters, V2};
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use proptest::prelude::*;

    #[test]
    fn builds_every_operator() {
        let f = |r: Result<Filter, FilterError>| r.unwrap().to_string();
        assert_eq!(
            f(Filter::field("name").eq("Test Group")),
            "name:eq:Test Group"
        );
        assert_eq!(f(Filter::field("name").ne("x")), "name:ne:x");
        assert_eq!(f(Filter::field("n").gt(5)), "n:gt:5");
        assert_eq!(f(Filter::field("n").ge(-5i64)), "n:ge:-5");
        assert_eq!(f(Filter::field("n").lt(5u32)), "n:lt:5");
        assert_eq!(f(Filter::field("ok").le(true)), "ok:le:true");
        assert_eq!(f(Filter::field("n").between(1, 10)), "n:between:1,10");
        assert_eq!(f(Filter::field("name").search("eng")), "name:search:eng");
        assert_eq!(
            f(Filter::field("type").is_in(["user", "user_group"])),
            "type:in:user|user_group"
        );
        let d1 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let d2 = Utc.with_ymd_and_hms(2024, 2, 1, 8, 30, 0).unwrap();
        assert_eq!(
            f(Filter::field("created").between(d1, d2)),
            "created:between:2024-01-01,2024-02-01T08:30:00Z"
        );
    }

    #[test]
    fn a_colon_in_a_value_is_kept_whole() {
        let f = Filter::field("url").eq("https://x:8443/a").unwrap();
        assert_eq!(f.to_string(), "url:eq:https://x:8443/a");
        let back: Filter = f.to_string().parse().unwrap();
        assert_eq!(back.values(), ["https://x:8443/a"]);
        // `,` and `|` mean nothing to a single-valued operator.
        let f = Filter::field("name").eq("Smith, J | ops").unwrap();
        assert_eq!(f.to_string().parse::<Filter>().unwrap(), f);
    }

    #[test]
    fn refuses_values_that_would_change_meaning() {
        let e = Filter::field("name").is_in(["a", "b|c"]).unwrap_err();
        assert!(
            matches!(&e, FilterError::Value { value, op: "in", .. } if value == "b|c"),
            "{e}"
        );
        assert!(e.to_string().contains('|'), "{e}");
        let e = Filter::field("n").between("1,5", "9").unwrap_err();
        assert!(
            matches!(&e, FilterError::Value { op: "between", .. }),
            "{e}"
        );
        let e = Filter::field("n").is_in(Vec::<String>::new()).unwrap_err();
        assert!(e.to_string().contains("at least one"), "{e}");
    }

    #[test]
    fn refuses_bad_field_names() {
        for bad in ["", "a:b", "na me", "-name", ".a", "a.", "a..b", "a=b", "é"] {
            let e = Filter::field(bad).eq("x").unwrap_err();
            assert!(matches!(e, FilterError::Field { .. }), "{bad:?}: {e}");
        }
        for good in ["_id", "attributes.ldap", "os_version-2", "a1.b2.c3"] {
            Filter::field(good).eq("x").unwrap();
        }
    }

    #[test]
    fn parse_errors_point_at_the_culprit() {
        let pos = |s: &str| s.parse::<Filter>().unwrap_err().position().unwrap();
        assert_eq!(pos("name"), 4);
        assert_eq!(pos("na me:eq:x"), 2);
        assert_eq!(pos(":eq:x"), 0);
        assert_eq!(pos("name:equals:x"), 5);
        assert_eq!(pos("name:eq"), 7);
        assert_eq!(pos("n:between:1"), 11);
        assert_eq!(pos("n:between:1,2,3"), 13);
        assert_eq!(pos("n:$eq:1"), 2);
        let e = "name:equals:x".parse::<Filter>().unwrap_err();
        assert!(e.to_string().contains("equals"), "{e}");
        assert!(e.to_string().contains("between"), "{e}");
    }

    #[test]
    fn parses_into_parts() {
        let f: Filter = "type:in:user|system|".parse().unwrap();
        assert_eq!(f.field_name(), "type");
        assert_eq!(f.op(), V2Op::In);
        assert_eq!(f.values(), ["user", "system", ""]);
        let f: Filter = "name:eq:".parse().unwrap();
        assert_eq!(f.values(), [""]);
    }

    #[test]
    fn into_filters_takes_every_form() {
        let a = Filter::field("a").eq(1).unwrap();
        let b = Filter::field("b").eq(2).unwrap();
        let want = ["a:eq:1", "b:eq:2"];
        assert_eq!(
            IntoFilters::<V2>::into_filters(vec![a.clone(), b.clone()]).unwrap(),
            want
        );
        assert_eq!(
            IntoFilters::<V2>::into_filters([a.clone(), b.clone()]).unwrap(),
            want
        );
        assert_eq!(
            IntoFilters::<V2>::into_filters(&[a.clone(), b.clone()][..]).unwrap(),
            want
        );
        assert_eq!(IntoFilters::<V2>::into_filters(&a).unwrap(), ["a:eq:1"]);
        assert_eq!(IntoFilters::<V2>::into_filters(a).unwrap(), ["a:eq:1"]);
        assert_eq!(
            IntoFilters::<V2>::into_filters(Filter::field("a").eq(1)).unwrap(),
            ["a:eq:1"]
        );
        let err =
            IntoFilters::<V2>::into_filters([Filter::field("a").eq(1), Filter::field("a:b").eq(1)])
                .unwrap_err();
        assert!(matches!(err, FilterError::Field { .. }));
    }

    fn filters() -> impl Strategy<Value = Filter> {
        let no = |c: char| move |s: &String| !s.contains(c);
        prop_oneof![
            (field(), prop::sample::select(&V2Op::ALL[..6]), text())
                .prop_map(|(f, op, v)| { Field { name: f }.with(op, vec![v.into()]).unwrap() }),
            (field(), text()).prop_map(|(f, v)| Filter::field(f).search(v).unwrap()),
            (
                field(),
                text().prop_filter("no ,", no(',')),
                text().prop_filter("no ,", no(','))
            )
                .prop_map(|(f, a, b)| Filter::field(f).between(a, b).unwrap()),
            (
                field(),
                prop::collection::vec(text().prop_filter("no |", no('|')), 1..5)
            )
                .prop_map(|(f, vs)| Filter::field(f).is_in(vs).unwrap()),
        ]
    }

    round_trips!(
        filters(),
        "[a-z:,|$ -]{0,16}|[a-z_]{1,5}:(eq|in|between|search):[a-z:,|]{0,8}"
    );

    proptest! {
        #[test]
        fn built_filters_never_change_meaning(
            field in prop_oneof![field(), text()],
            values in prop::collection::vec(text(), 0..4),
        ) {
            reads_back_as_built!(
                Filter::field(field.clone()).is_in(values.clone()),
                field.as_str(),
                &values[..]
            );
            if values.len() == 2
                && let Ok(f) = Filter::field(field.clone()).between(values[0].clone(), values[1].clone())
            {
                let back: Filter = f.to_string().parse().unwrap();
                prop_assert_eq!(back.values(), &values[..]);
            }
            if let Some(v) = values.first()
                && let Ok(f) = Filter::field(field.clone()).eq(v.clone())
            {
                let back: Filter = f.to_string().parse().unwrap();
                prop_assert_eq!(back.field_name(), field.as_str());
                prop_assert_eq!(back.op(), V2Op::Eq);
                prop_assert_eq!(back.values(), std::slice::from_ref(v));
            }
        }
    }
}
