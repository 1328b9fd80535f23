//! Typed filters for every JumpCloud filter dialect.
//!
//! JumpCloud filters are short strings whose grammar differs between APIs,
//! and a typo or a separator inside a value is otherwise only noticed by the
//! server (or, worse, silently changes what is matched). Each dialect has its
//! own module and its own `Filter` type, checked when it is built:
//!
//! | dialect | module | form |
//! | --- | --- | --- |
//! | v2 lists and graph traversals | [`v2`] | `field:op:value`, ops `eq ne gt ge lt le between search in` |
//! | System Insights tables | [`system_insights`] | `field:op:value`, ops `eq gte in` |
//! | v1 query strings | [`v1`] | `field:$op:value`, ops `$eq $ne $gt $gte $lt $lte` |
//! | v1 search bodies | `jumpcloud_ext::filter::search` | JSON `{"and" \| "or": [...]}` |
//!
//! An operation's `filter` parameter takes anything that is
//! [`IntoFilters`] for its dialect: one filter, several (sent as repeated
//! `filter=` keys, which the server ANDs), or plain strings, which are sent
//! as given for what the DSL does not cover. A filter of one dialect does
//! not convert into another's, so it cannot be sent to the wrong API.
//!
//! The setter also checks each filter against the fields of the objects the
//! operation returns ([`fields`]): a field they do not have, or a value that
//! cannot be the field's type, fails the call before any request, naming
//! the closest valid field. Plain strings that parse in the dialect are
//! checked the same way; [`fields::Unchecked`] sends anything as it is.
//!
//! ```
//! use jumpcloud_api::filter::{IntoFilters, V2, v2::Filter};
//!
//! # fn main() -> Result<(), jumpcloud_api::filter::FilterError> {
//! let f = Filter::field("name").eq("Test Group")?;
//! assert_eq!(f.to_string(), "name:eq:Test Group");
//!
//! let sent = IntoFilters::<V2>::into_filters(vec![
//!     Filter::field("type").is_in(["user_group", "system_group"]),
//!     "name:search:eng".parse::<Filter>(),
//! ])?;
//! assert_eq!(sent, ["type:in:user_group|system_group", "name:search:eng"]);
//! # Ok(())
//! # }
//! ```
//!
//! A v2 filter is not a v1 one:
//!
//! ```compile_fail
//! use jumpcloud_api::filter::{IntoFilters, V1Query, v2::Filter};
//! let f = Filter::field("name").eq("x").unwrap();
//! let _ = IntoFilters::<V1Query>::into_filters(f); // no such impl
//! ```

use std::borrow::Cow;
use std::fmt;

pub mod fields;
mod grammar;
pub mod system_insights;
pub mod v1;
pub mod v2;

/// The filter dialects JumpCloud speaks, for messages and for code that
/// handles several of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FilterDialect {
    /// v2 lists and graph traversals: `field:op:value`.
    V2,
    /// v2 System Insights tables: `field:op:value` with fewer operators.
    SystemInsights,
    /// v1 `filter=` query strings: `field:$op:value`.
    V1Query,
    /// v1 `POST /search/*` bodies: a JSON `and`/`or` tree.
    V1Search,
}

crate::named_values! {
    /// A short human name, used in error messages.
    FilterDialect { V2 => "v2", SystemInsights => "System Insights", V1Query => "v1 query", V1Search => "v1 search" }
}

mod sealed {
    pub trait Sealed {}
}

/// A filter dialect at the type level, so that an operation's `filter`
/// parameter can demand filters of its own dialect (`IntoFilters<V2>`).
///
/// Implemented only by the marker types of this module.
pub trait Dialect: sealed::Sealed {
    /// The dialect this marker stands for.
    const DIALECT: FilterDialect;
}

macro_rules! marker {
    ($(#[$doc:meta])* $name:ident => $variant:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {}
        impl sealed::Sealed for $name {}
        impl Dialect for $name {
            const DIALECT: FilterDialect = FilterDialect::$variant;
        }
    };
}

marker!(
    /// Marker of the v2 dialect ([`v2::Filter`]).
    V2 => V2
);
marker!(
    /// Marker of the System Insights dialect ([`system_insights::Filter`]).
    SystemInsights => SystemInsights
);
marker!(
    /// Marker of the v1 query-string dialect ([`v1::Filter`]).
    V1Query => V1Query
);
marker!(
    /// Marker of the v1 search-body dialect (built by `jumpcloud_ext::filter::search`).
    V1Search => V1Search
);

/// Why a filter could not be built or parsed. Raised before any request is
/// sent, so a bad filter never reaches (or silently misleads) the server.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// The field name cannot be written in this dialect.
    #[error("invalid {dialect} filter field {field:?}: {reason}")]
    Field {
        /// Dialect of the filter.
        dialect: FilterDialect,
        /// The field name as given.
        field: String,
        /// What is wrong with it.
        reason: Cow<'static, str>,
    },
    /// A value would change the filter's meaning, or there are no values.
    #[error("invalid {dialect} filter value {value:?} for `{field}:{op}`: {reason}")]
    Value {
        /// Dialect of the filter.
        dialect: FilterDialect,
        /// Field the value was for.
        field: String,
        /// Operator, as written on the wire.
        op: &'static str,
        /// The offending value (empty when a list had no values).
        value: String,
        /// What is wrong with it.
        reason: Cow<'static, str>,
    },
    /// The filter uses something the dialect cannot express (an operator it
    /// lacks, an empty group, …).
    #[error("unsupported {dialect} filter: {reason}")]
    Unsupported {
        /// Dialect of the filter.
        dialect: FilterDialect,
        /// What is not supported.
        reason: Cow<'static, str>,
    },
    /// Filter text that does not follow the dialect's grammar.
    #[error("cannot parse {dialect} filter {input:?} at byte {position}: {reason}")]
    Parse {
        /// Dialect of the filter.
        dialect: FilterDialect,
        /// The whole text being parsed.
        input: String,
        /// Byte offset of the offending character in `input`.
        position: usize,
        /// What was expected there.
        reason: Cow<'static, str>,
    },
    /// The operation's objects have no such field (see [`fields`]): the
    /// filter would match nothing.
    #[error("`{field}` is not a filter field of {operation}{}", did_you_mean(.suggestion))]
    UnknownField {
        /// Dialect of the filter.
        dialect: FilterDialect,
        /// The operation's Rust method, e.g. `system_list`.
        operation: &'static str,
        /// The field as given.
        field: String,
        /// The closest field the operation has, if one is close.
        suggestion: Option<String>,
    },
    /// A value that cannot be the field's type (see [`fields`]).
    #[error("{value:?} is not {expected} for `{field}` of {operation}")]
    FieldValue {
        /// Dialect of the filter.
        dialect: FilterDialect,
        /// The operation's Rust method.
        operation: &'static str,
        /// The field the value is for.
        field: String,
        /// The value as given.
        value: String,
        /// What the field takes, e.g. `an integer`.
        expected: Cow<'static, str>,
    },
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    suggestion
        .as_ref()
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

impl FilterError {
    /// The dialect whose rules were broken.
    pub fn dialect(&self) -> FilterDialect {
        match self {
            Self::Field { dialect, .. }
            | Self::Value { dialect, .. }
            | Self::Unsupported { dialect, .. }
            | Self::Parse { dialect, .. }
            | Self::UnknownField { dialect, .. }
            | Self::FieldValue { dialect, .. } => *dialect,
        }
    }

    /// For a parse error, the byte offset in the input where it went wrong.
    pub fn position(&self) -> Option<usize> {
        match self {
            Self::Parse { position, .. } => Some(*position),
            _ => None,
        }
    }
}

/// A value to compare a field with, rendered the way JumpCloud expects it.
///
/// Built from strings, integers, `bool`, [`chrono::DateTime`] (sent as
/// RFC 3339 in UTC with a `Z`, e.g. `2024-05-01T12:00:00Z`) and
/// [`chrono::NaiveDate`] (`2024-05-01`). Text is sent as is: JumpCloud
/// matches it case-sensitively and treats `*` as a wildcard.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FilterValue(Repr);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Repr {
    Text(String),
    Signed(i64),
    Unsigned(u64),
    Bool(bool),
}

impl FilterValue {
    /// The value as it appears in a query-string filter.
    pub fn to_text(&self) -> String {
        match &self.0 {
            Repr::Text(s) => s.clone(),
            Repr::Signed(n) => n.to_string(),
            Repr::Unsigned(n) => n.to_string(),
            Repr::Bool(b) => b.to_string(),
        }
    }

    /// The value as JSON, for search bodies: numbers and booleans keep their
    /// type, so they compare as numbers and booleans on the server.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.0 {
            Repr::Text(s) => serde_json::Value::String(s.clone()),
            Repr::Signed(n) => serde_json::Value::from(*n),
            Repr::Unsigned(n) => serde_json::Value::from(*n),
            Repr::Bool(b) => serde_json::Value::Bool(*b),
        }
    }

    fn into_text(self) -> String {
        match self.0 {
            Repr::Text(s) => s,
            _ => self.to_text(),
        }
    }
}

impl fmt::Display for FilterValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Text(s) => f.write_str(s),
            Repr::Signed(n) => write!(f, "{n}"),
            Repr::Unsigned(n) => write!(f, "{n}"),
            Repr::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl From<&str> for FilterValue {
    fn from(v: &str) -> Self {
        Self(Repr::Text(v.to_owned()))
    }
}
impl From<String> for FilterValue {
    fn from(v: String) -> Self {
        Self(Repr::Text(v))
    }
}
impl From<&String> for FilterValue {
    fn from(v: &String) -> Self {
        Self(Repr::Text(v.clone()))
    }
}
impl From<Cow<'_, str>> for FilterValue {
    fn from(v: Cow<'_, str>) -> Self {
        Self(Repr::Text(v.into_owned()))
    }
}
impl From<bool> for FilterValue {
    fn from(v: bool) -> Self {
        Self(Repr::Bool(v))
    }
}

macro_rules! int_values {
    ($repr:ident: $($t:ty),*) => {$(
        impl From<$t> for FilterValue {
            fn from(v: $t) -> Self {
                Self(Repr::$repr(v.into()))
            }
        }
    )*};
}
int_values!(Signed: i8, i16, i32, i64);
int_values!(Unsigned: u8, u16, u32, u64);

impl From<isize> for FilterValue {
    fn from(v: isize) -> Self {
        // isize is at most 64 bits on every supported target.
        Self(Repr::Signed(v as i64))
    }
}
impl From<usize> for FilterValue {
    fn from(v: usize) -> Self {
        // usize is at most 64 bits on every supported target.
        Self(Repr::Unsigned(v as u64))
    }
}

impl<Tz: chrono::TimeZone> From<chrono::DateTime<Tz>> for FilterValue {
    fn from(v: chrono::DateTime<Tz>) -> Self {
        let utc = v.with_timezone(&chrono::Utc);
        Self(Repr::Text(
            utc.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        ))
    }
}
impl From<chrono::NaiveDate> for FilterValue {
    fn from(v: chrono::NaiveDate) -> Self {
        Self(Repr::Text(v.format("%Y-%m-%d").to_string()))
    }
}

/// What a generated `filter` setter stores: the filters checked against the
/// operation's fields, or the message its builder reports (one call per
/// setter; see `xtask/src/regen/lean_setters.rs`).
#[doc(hidden)]
#[inline]
pub fn argument<D: Dialect, V: IntoFilters<D>>(
    value: V,
    fields: &fields::FilterFields,
) -> Result<Option<Vec<String>>, String> {
    value
        .into_filters_for(fields)
        .map(Some)
        .map_err(|e| format!("invalid filter: {e}"))
}

/// Conversion into the `filter=` values of one request, for operations of
/// dialect `D`.
///
/// Implemented for the dialect's `Filter` (alone, by reference, as
/// `Result<Filter, FilterError>` straight from a builder, and in `Vec`s,
/// slices and arrays of those), and for plain strings in every dialect
/// (`String`, `&str` and collections of them), which are not parsed here.
/// Several filters become repeated `filter=` keys, which the server ANDs.
/// An operation's setter calls [`into_filters_for`](Self::into_filters_for),
/// which checks each one, strings included, against the operation's fields
/// unless it is wrapped in [`fields::Unchecked`].
pub trait IntoFilters<D: Dialect> {
    /// The filter strings to send, or why they cannot be sent.
    fn into_filters(self) -> Result<Vec<String>, FilterError>;

    /// [`into_filters`](Self::into_filters), each checked against the
    /// fields of one operation (what the generated `filter` setters call).
    fn into_filters_for(self, fields: &fields::FilterFields) -> Result<Vec<String>, FilterError>
    where
        Self: Sized,
    {
        let filters = self.into_filters()?;
        for filter in &filters {
            fields.check(D::DIALECT, filter)?;
        }
        Ok(filters)
    }
}

// Plain strings: accepted by every dialect, unchecked.
impl<D: Dialect> IntoFilters<D> for String {
    fn into_filters(self) -> Result<Vec<String>, FilterError> {
        Ok(vec![self])
    }
}
impl<D: Dialect> IntoFilters<D> for &str {
    fn into_filters(self) -> Result<Vec<String>, FilterError> {
        Ok(vec![self.to_owned()])
    }
}
impl<D: Dialect> IntoFilters<D> for &String {
    fn into_filters(self) -> Result<Vec<String>, FilterError> {
        Ok(vec![self.clone()])
    }
}
impl<D: Dialect> IntoFilters<D> for Vec<String> {
    fn into_filters(self) -> Result<Vec<String>, FilterError> {
        Ok(self)
    }
}
impl<D: Dialect> IntoFilters<D> for Vec<&str> {
    fn into_filters(self) -> Result<Vec<String>, FilterError> {
        Ok(self.into_iter().map(str::to_owned).collect())
    }
}
impl<D: Dialect> IntoFilters<D> for &[String] {
    fn into_filters(self) -> Result<Vec<String>, FilterError> {
        Ok(self.to_vec())
    }
}
impl<D: Dialect> IntoFilters<D> for &[&str] {
    fn into_filters(self) -> Result<Vec<String>, FilterError> {
        Ok(self.iter().map(|s| (*s).to_owned()).collect())
    }
}
impl<D: Dialect, const N: usize> IntoFilters<D> for [String; N] {
    fn into_filters(self) -> Result<Vec<String>, FilterError> {
        Ok(self.into())
    }
}
impl<D: Dialect, const N: usize> IntoFilters<D> for [&str; N] {
    fn into_filters(self) -> Result<Vec<String>, FilterError> {
        Ok(self.iter().map(|s| (*s).to_owned()).collect())
    }
}

/// `IntoFilters<$marker>` for a dialect's filter type in all its forms.
macro_rules! into_filters_for {
    ($filter:ty, $marker:ty) => {
        impl $crate::filter::IntoFilters<$marker> for $filter {
            fn into_filters(self) -> Result<Vec<String>, $crate::filter::FilterError> {
                Ok(vec![self.to_string()])
            }
        }
        impl $crate::filter::IntoFilters<$marker> for &$filter {
            fn into_filters(self) -> Result<Vec<String>, $crate::filter::FilterError> {
                Ok(vec![self.to_string()])
            }
        }
        impl $crate::filter::IntoFilters<$marker> for Result<$filter, $crate::filter::FilterError> {
            fn into_filters(self) -> Result<Vec<String>, $crate::filter::FilterError> {
                self.map(|f| vec![f.to_string()])
            }
        }
        impl $crate::filter::IntoFilters<$marker> for Vec<$filter> {
            fn into_filters(self) -> Result<Vec<String>, $crate::filter::FilterError> {
                Ok(self.iter().map(ToString::to_string).collect())
            }
        }
        impl $crate::filter::IntoFilters<$marker> for &Vec<$filter> {
            fn into_filters(self) -> Result<Vec<String>, $crate::filter::FilterError> {
                Ok(self.iter().map(ToString::to_string).collect())
            }
        }
        impl $crate::filter::IntoFilters<$marker> for &[$filter] {
            fn into_filters(self) -> Result<Vec<String>, $crate::filter::FilterError> {
                Ok(self.iter().map(ToString::to_string).collect())
            }
        }
        impl<const N: usize> $crate::filter::IntoFilters<$marker> for [$filter; N] {
            fn into_filters(self) -> Result<Vec<String>, $crate::filter::FilterError> {
                Ok(self.iter().map(ToString::to_string).collect())
            }
        }
        impl $crate::filter::IntoFilters<$marker>
            for Vec<Result<$filter, $crate::filter::FilterError>>
        {
            fn into_filters(self) -> Result<Vec<String>, $crate::filter::FilterError> {
                self.into_iter().map(|f| f.map(|f| f.to_string())).collect()
            }
        }
        impl<const N: usize> $crate::filter::IntoFilters<$marker>
            for [Result<$filter, $crate::filter::FilterError>; N]
        {
            fn into_filters(self) -> Result<Vec<String>, $crate::filter::FilterError> {
                self.into_iter().map(|f| f.map(|f| f.to_string())).collect()
            }
        }
    };
}
pub(crate) use into_filters_for;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use chrono::{FixedOffset, NaiveDate, TimeZone, Utc};

    #[test]
    fn values_render_as_the_api_expects() {
        assert_eq!(FilterValue::from("a:b").to_text(), "a:b");
        assert_eq!(FilterValue::from(-5i32).to_text(), "-5");
        assert_eq!(FilterValue::from(7u64).to_text(), "7");
        assert_eq!(FilterValue::from(true).to_text(), "true");
        let dt = Utc.with_ymd_and_hms(2024, 5, 1, 12, 0, 0).unwrap();
        assert_eq!(FilterValue::from(dt).to_text(), "2024-05-01T12:00:00Z");
        let plus2 = FixedOffset::east_opt(2 * 3600)
            .unwrap()
            .with_ymd_and_hms(2024, 5, 1, 14, 0, 0)
            .unwrap();
        assert_eq!(FilterValue::from(plus2).to_text(), "2024-05-01T12:00:00Z");
        let ms = dt + chrono::Duration::milliseconds(250);
        assert_eq!(FilterValue::from(ms).to_text(), "2024-05-01T12:00:00.250Z");
        let d = NaiveDate::from_ymd_opt(2021, 10, 24).unwrap();
        assert_eq!(FilterValue::from(d).to_text(), "2021-10-24");
    }

    #[test]
    fn json_values_keep_their_type() {
        assert_eq!(FilterValue::from(5u8).to_json(), serde_json::json!(5));
        assert_eq!(FilterValue::from(false).to_json(), serde_json::json!(false));
        assert_eq!(FilterValue::from("5").to_json(), serde_json::json!("5"));
    }

    #[test]
    fn plain_strings_pass_unchecked_in_every_dialect() {
        let v2: Vec<String> = IntoFilters::<V2>::into_filters("anything at all").unwrap();
        assert_eq!(v2, ["anything at all"]);
        let v1 = IntoFilters::<V1Query>::into_filters(vec!["a:$eq:1", "b:$eq:2"]).unwrap();
        assert_eq!(v1, ["a:$eq:1", "b:$eq:2"]);
        let si = IntoFilters::<SystemInsights>::into_filters(vec![String::from("x")]).unwrap();
        assert_eq!(si, ["x"]);
        let arr = IntoFilters::<V2>::into_filters(["a", "b"]).unwrap();
        assert_eq!(arr, ["a", "b"]);
    }

    /// The shape the generated builders' `filter` setters take: a plain
    /// bound, errors kept until `send()`.
    struct Builder {
        filter: Result<Option<Vec<String>>, String>,
    }
    impl Builder {
        fn filter<V: IntoFilters<V2>>(mut self, value: V) -> Self {
            self.filter = value
                .into_filters()
                .map(Some)
                .map_err(|e| format!("invalid filter: {e}"));
            self
        }
    }

    #[test]
    fn a_builder_bound_accepts_filters_and_strings() {
        use super::v2::Filter;
        let b = || Builder { filter: Ok(None) };
        let sent = b().filter(Filter::field("name").eq("Test Group")).filter;
        assert_eq!(sent, Ok(Some(vec!["name:eq:Test Group".to_owned()])));
        let sent = b().filter("name:search:eng").filter;
        assert_eq!(sent, Ok(Some(vec!["name:search:eng".to_owned()])));
        let f = Filter::field("a").eq(1).unwrap();
        let sent = b().filter(vec![f.clone(), f]).filter;
        assert_eq!(
            sent,
            Ok(Some(vec!["a:eq:1".to_owned(), "a:eq:1".to_owned()]))
        );
        let err = b()
            .filter(Filter::field("a").is_in(["x|y"]))
            .filter
            .unwrap_err();
        assert!(
            err.starts_with("invalid filter: invalid v2 filter value"),
            "{err}"
        );
    }

    #[test]
    fn dialect_names() {
        assert_eq!(FilterDialect::V2.name(), "v2");
        assert_eq!(V1Query::DIALECT, FilterDialect::V1Query);
        assert_eq!(FilterDialect::SystemInsights.to_string(), "System Insights");
    }
}
