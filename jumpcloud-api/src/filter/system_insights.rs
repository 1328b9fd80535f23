//! Filters of the System Insights tables (`/systeminsights/...`): `field:op:value`.
//!
//! Operators: `eq`, `in` (values joined by `|`) and `gte` (documented for
//! the uptime table). System Insights is served apart from the other v2
//! lists and understands fewer operators, so it has its own filter type: a
//! [`v2::Filter`](super::v2::Filter) with `ne` or `search` cannot be sent to
//! it by mistake. Some tables accept only a few fields (e.g. certificates:
//! `system_id` and `common_name`).
//!
//! ```
//! use jumpcloud_api::filter::system_insights::Filter;
//!
//! # fn main() -> Result<(), jumpcloud_api::filter::FilterError> {
//! let f = Filter::field("system_id").is_in(["5f1a", "5f1b"])?;
//! assert_eq!(f.to_string(), "system_id:in:5f1a|5f1b");
//! let up = Filter::field("total_seconds").gte(86_400)?;
//! assert_eq!(up.to_string(), "total_seconds:gte:86400");
//! # Ok(())
//! # }
//! ```

use super::grammar::{Arity, Operator, comparisons, filter_type};

/// A comparison of the System Insights dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SystemInsightsOp {
    /// `eq`: equal to.
    Eq,
    /// `gte`: greater than or equal to.
    Gte,
    /// `in`: equal to one of several values, `a|b|c`.
    In,
}

impl SystemInsightsOp {
    /// The operator as written on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Gte => "gte",
            Self::In => "in",
        }
    }
}

impl Operator for SystemInsightsOp {
    const DIALECT: super::FilterDialect = super::FilterDialect::SystemInsights;
    const ALL: &'static [Self] = &[Self::Eq, Self::Gte, Self::In];
    fn token(self) -> &'static str {
        self.as_str()
    }
    fn arity(self) -> Arity {
        match self {
            Self::In => Arity::List,
            _ => Arity::One,
        }
    }
}

filter_type!(
    SystemInsightsOp,
    super::SystemInsights,
    "use jumpcloud_api::filter::system_insights::Filter;\n\
     let f = Filter::field(\"system_id\").eq(\"5f1a\")?;\n\
     assert_eq!(f, \"system_id:eq:5f1a\".parse()?);"
);

comparisons!(SystemInsightsOp {
    /// Field equals `value`.
    one eq => Eq;
    /// Field is greater than or equal to `value`.
    one gte => Gte;
    /// Field equals one of `values` (at least one; none may contain `|`).
    list is_in => In;
});

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::grammar::testing::{field, reads_back_as_built, round_trips, text};
    use super::super::{FilterError, IntoFilters, SystemInsights};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn builds_every_operator() {
        let f = |r: Result<Filter, FilterError>| r.unwrap().to_string();
        assert_eq!(
            f(Filter::field("system_id").eq("5f1a")),
            "system_id:eq:5f1a"
        );
        assert_eq!(f(Filter::field("days").gte(3)), "days:gte:3");
        assert_eq!(
            f(Filter::field("name").is_in(["sshd", "cron"])),
            "name:in:sshd|cron"
        );
        let sent = IntoFilters::<SystemInsights>::into_filters(vec![
            Filter::field("system_id").eq("a").unwrap(),
            Filter::field("name").eq("b:c").unwrap(),
        ])
        .unwrap();
        assert_eq!(sent, ["system_id:eq:a", "name:eq:b:c"]);
    }

    #[test]
    fn refuses_what_the_tables_do_not_understand() {
        let e = "name:ne:x".parse::<Filter>().unwrap_err();
        assert_eq!(e.position(), Some(5));
        assert!(e.to_string().contains("eq, gte, in"), "{e}");
        assert!("name:ge:1".parse::<Filter>().is_err());
        let e = Filter::field("name").is_in(["a|b"]).unwrap_err();
        assert!(matches!(e, FilterError::Value { op: "in", .. }), "{e}");
        let e = Filter::field("sys:id").eq("a").unwrap_err();
        assert!(matches!(e, FilterError::Field { .. }), "{e}");
        assert_eq!(e.dialect(), crate::filter::FilterDialect::SystemInsights);
    }

    fn filters() -> impl Strategy<Value = Filter> {
        prop_oneof![
            (field(), text()).prop_map(|(f, v)| Filter::field(f).eq(v).unwrap()),
            (field(), text()).prop_map(|(f, v)| Filter::field(f).gte(v).unwrap()),
            (
                field(),
                prop::collection::vec(text().prop_filter("no |", |s| !s.contains('|')), 1..5)
            )
                .prop_map(|(f, vs)| Filter::field(f).is_in(vs).unwrap()),
        ]
    }

    round_trips!(
        filters(),
        "[a-z:,|$ -]{0,16}|[a-z_]{1,5}:(eq|in|gte|ne):[a-z:,|]{0,8}"
    );

    proptest! {
        #[test]
        fn built_in_lists_read_back_whole(
            field in prop_oneof![field(), text()],
            values in prop::collection::vec(text(), 0..4),
        ) {
            reads_back_as_built!(
                Filter::field(field.clone()).is_in(values.clone()),
                field.as_str(),
                &values[..]
            );
        }
    }
}
