//! Filters of the v1 query strings (`GET /systemusers?filter=...`):
//! `field:$op:value`.
//!
//! Operators: `$eq $ne $gt $gte $lt $lte`, the ones JumpCloud documents for
//! v1 queries; the `$` is part of the operator (without it the server's
//! behaviour is undefined). As in v2, the value is everything after the
//! operator's `:`, so it may contain `:`. Several filters are sent as
//! repeated `filter=` keys and ANDed. For "one of several values", `or` and
//! nested conditions use a v1 search body (`jumpcloud_ext::filter::search`).
//!
//! ```
//! use jumpcloud_api::filter::v1::Filter;
//! use chrono::NaiveDate;
//!
//! # fn main() -> Result<(), jumpcloud_api::filter::FilterError> {
//! let day = NaiveDate::from_ymd_opt(2021, 10, 24).unwrap();
//! let f = Filter::field("password_expiration_date").lte(day)?;
//! assert_eq!(f.to_string(), "password_expiration_date:$lte:2021-10-24");
//! # Ok(())
//! # }
//! ```

use super::grammar::{Arity, Operator, comparisons, filter_type};

/// A comparison of the v1 query-string dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum V1Op {
    /// `$eq`: equal to.
    Eq,
    /// `$ne`: not equal to.
    Ne,
    /// `$gt`: greater than.
    Gt,
    /// `$gte`: greater than or equal to.
    Gte,
    /// `$lt`: less than.
    Lt,
    /// `$lte`: less than or equal to.
    Lte,
}

impl V1Op {
    /// The operator as written on the wire, `$` included.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "$eq",
            Self::Ne => "$ne",
            Self::Gt => "$gt",
            Self::Gte => "$gte",
            Self::Lt => "$lt",
            Self::Lte => "$lte",
        }
    }
}

impl Operator for V1Op {
    const DIALECT: super::FilterDialect = super::FilterDialect::V1Query;
    const ALL: &'static [Self] = &[Self::Eq, Self::Ne, Self::Gt, Self::Gte, Self::Lt, Self::Lte];
    fn token(self) -> &'static str {
        self.as_str()
    }
    fn arity(self) -> Arity {
        Arity::One
    }
}

filter_type!(
    V1Op,
    super::V1Query,
    "use jumpcloud_api::filter::v1::Filter;\n\
     let f = Filter::field(\"username\").eq(\"testuser\")?;\n\
     assert_eq!(f, \"username:$eq:testuser\".parse()?);"
);

comparisons!(V1Op {
    /// Field equals `value`.
    one eq => Eq;
    /// Field differs from `value`.
    one ne => Ne;
    /// Field is greater than `value`.
    one gt => Gt;
    /// Field is greater than or equal to `value`.
    one gte => Gte;
    /// Field is less than `value`.
    one lt => Lt;
    /// Field is less than or equal to `value`.
    one lte => Lte;
});

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::super::grammar::testing::{field, reads_back_as_built, round_trips, text};
    use super::super::{FilterError, IntoFilters, V1Query};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn builds_every_operator() {
        let f = |r: Result<Filter, FilterError>| r.unwrap().to_string();
        assert_eq!(
            f(Filter::field("username").eq("testuser")),
            "username:$eq:testuser"
        );
        assert_eq!(
            f(Filter::field("department").ne("Accounting")),
            "department:$ne:Accounting"
        );
        assert_eq!(f(Filter::field("n").gt(1)), "n:$gt:1");
        assert_eq!(f(Filter::field("n").gte(2)), "n:$gte:2");
        assert_eq!(f(Filter::field("n").lt(3)), "n:$lt:3");
        assert_eq!(f(Filter::field("n").lte(4)), "n:$lte:4");
        let sent = IntoFilters::<V1Query>::into_filters([
            Filter::field("firstname").eq("foo"),
            Filter::field("lastname").eq("bar"),
        ])
        .unwrap();
        assert_eq!(sent, ["firstname:$eq:foo", "lastname:$eq:bar"]);
    }

    #[test]
    fn refuses_v2_operators_and_bad_values() {
        let e = "name:eq:x".parse::<Filter>().unwrap_err();
        assert_eq!(e.position(), Some(5));
        assert!(e.to_string().contains("$eq"), "{e}");
        assert!("name:$ge:x".parse::<Filter>().is_err());
        // No source documents `$in` for v1 queries: it is refused rather
        // than sent to a server that may read it differently.
        assert!("state:$in:ACTIVATED|STAGED".parse::<Filter>().is_err());
        assert!(matches!(
            Filter::field("$where").eq("1"),
            Err(FilterError::Field { .. })
        ));
        let f: Filter = "lastContact:$gt:2024-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(f.op(), V1Op::Gt);
        assert_eq!(f.values(), ["2024-01-01T00:00:00Z"]);
    }

    fn filters() -> impl Strategy<Value = Filter> {
        (field(), prop::sample::select(V1Op::ALL), text())
            .prop_map(|(f, op, v)| Field { name: f }.with(op, vec![v.into()]).unwrap())
    }

    round_trips!(
        filters(),
        "[a-z:,|$ -]{0,16}|[a-z_]{1,5}:\\$(eq|in|gte|ne):[a-z:,|$]{0,8}"
    );

    proptest! {
        #[test]
        fn built_values_read_back_whole(
            field in prop_oneof![field(), text()],
            value in text(),
        ) {
            reads_back_as_built!(
                Filter::field(field.clone()).eq(value.clone()),
                field.as_str(),
                std::slice::from_ref(&value)
            );
        }
    }
}
