//! The grammar shared by the query-string dialects: `field:op:value`.
//!
//! The server splits a filter at its first two `:`, so the field and the
//! operator cannot contain one while the value is everything after the second
//! and may. Inside the value, `in` separates its values with `|` and
//! `between` its two bounds with `,`: those are the characters a value must
//! not contain for those operators. Parsing is exact: every string that
//! parses prints back unchanged.

use std::borrow::Cow;
use std::fmt;

use super::{FilterDialect, FilterError, FilterValue};

/// Separator of an `in` operator's values.
pub(crate) const LIST_SEP: char = '|';
/// Separator of a `between` operator's two bounds.
pub(crate) const PAIR_SEP: char = ',';

/// How many values an operator takes and how they are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arity {
    /// One value: the rest of the filter, any text.
    One,
    /// Two bounds joined by [`PAIR_SEP`].
    Pair,
    /// One or more values joined by [`LIST_SEP`].
    List,
}

/// An operator of one dialect.
pub(crate) trait Operator: Copy + Eq + 'static {
    const DIALECT: FilterDialect;
    /// Every operator of the dialect, for parsing and messages.
    const ALL: &'static [Self];
    /// The operator as written on the wire.
    fn token(self) -> &'static str;
    fn arity(self) -> Arity;
}

/// One checked `field:op:value` condition.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Cond<O> {
    pub(crate) field: String,
    pub(crate) op: O,
    /// Rendered values: one for [`Arity::One`], two for [`Arity::Pair`], at
    /// least one for [`Arity::List`].
    pub(crate) values: Vec<String>,
}

/// Why a field name cannot be written, and the byte offset of the culprit.
pub(crate) fn check_field(name: &str) -> Result<(), (usize, Cow<'static, str>)> {
    if name.is_empty() {
        return Err((0, "the field name is empty".into()));
    }
    for (i, c) in name.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' => {}
            '.' | '-' if i == 0 => {
                return Err((i, format!("a field name cannot start with {c:?}").into()));
            }
            '-' => {}
            '.' if name[i + 1..].starts_with('.') || i + 1 == name.len() => {
                return Err((i, "empty segment in a dotted field name".into()));
            }
            '.' => {}
            ':' => {
                return Err((
                    i,
                    "`:` cannot appear in a field name (it ends the field)".into(),
                ));
            }
            _ => {
                return Err((
                    i,
                    format!(
                        "{c:?} is not allowed in a field name \
                         (letters, digits, `_`, `-` and `.` are)"
                    )
                    .into(),
                ));
            }
        }
    }
    Ok(())
}

impl<O: Operator> Cond<O> {
    /// Check a condition built from typed values.
    pub(crate) fn new(field: String, op: O, values: Vec<FilterValue>) -> Result<Self, FilterError> {
        if let Err((_, reason)) = check_field(&field) {
            return Err(FilterError::Field {
                dialect: O::DIALECT,
                field,
                reason,
            });
        }
        let bad_value =
            |field: &str, value: String, reason: Cow<'static, str>| FilterError::Value {
                dialect: O::DIALECT,
                field: field.to_owned(),
                op: op.token(),
                value,
                reason,
            };
        let values: Vec<String> = values.into_iter().map(FilterValue::into_text).collect();
        match op.arity() {
            Arity::One => debug_assert_eq!(values.len(), 1),
            Arity::Pair => {
                debug_assert_eq!(values.len(), 2);
                if let Some(v) = values.iter().find(|v| v.contains(PAIR_SEP)) {
                    return Err(bad_value(
                        &field,
                        v.clone(),
                        format!(
                            "`{}` separates its two bounds with `{PAIR_SEP}`, \
                             so a bound cannot contain one",
                            op.token()
                        )
                        .into(),
                    ));
                }
            }
            Arity::List => {
                if values.is_empty() {
                    return Err(bad_value(
                        &field,
                        String::new(),
                        format!("`{}` needs at least one value", op.token()).into(),
                    ));
                }
                if let Some(v) = values.iter().find(|v| v.contains(LIST_SEP)) {
                    return Err(bad_value(
                        &field,
                        v.clone(),
                        format!(
                            "`{}` separates its values with `{LIST_SEP}`, \
                             so a value cannot contain one",
                            op.token()
                        )
                        .into(),
                    ));
                }
            }
        }
        Ok(Self { field, op, values })
    }

    /// Parse filter text, pointing at the first byte that breaks the grammar.
    pub(crate) fn parse(input: &str) -> Result<Self, FilterError> {
        let err = |position: usize, reason: Cow<'static, str>| FilterError::Parse {
            dialect: O::DIALECT,
            input: input.to_owned(),
            position,
            reason,
        };
        let field_end = input.find(':').unwrap_or(input.len());
        let field = &input[..field_end];
        check_field(field).map_err(|(at, reason)| err(at, reason))?;
        if field_end == input.len() {
            return Err(err(field_end, "expected `:` after the field name".into()));
        }
        let op_start = field_end + 1;
        let op_end = input[op_start..]
            .find(':')
            .map_or(input.len(), |i| op_start + i);
        let op_text = &input[op_start..op_end];
        let Some(op) = O::ALL.iter().copied().find(|o| o.token() == op_text) else {
            let known: Vec<&str> = O::ALL.iter().map(|o| o.token()).collect();
            return Err(err(
                op_start,
                format!(
                    "unknown operator {op_text:?}; expected one of {}",
                    known.join(", ")
                )
                .into(),
            ));
        };
        if op_end == input.len() {
            return Err(err(
                op_end,
                "expected `:` and a value after the operator".into(),
            ));
        }
        let value_start = op_end + 1;
        let value = &input[value_start..];
        let values = match op.arity() {
            Arity::One => vec![value.to_owned()],
            Arity::List => value.split(LIST_SEP).map(str::to_owned).collect(),
            Arity::Pair => {
                let Some(sep) = value.find(PAIR_SEP) else {
                    return Err(err(
                        input.len(),
                        format!(
                            "`{}` needs two bounds separated by `{PAIR_SEP}`",
                            op.token()
                        )
                        .into(),
                    ));
                };
                let (low, high) = (&value[..sep], &value[sep + 1..]);
                if let Some(extra) = high.find(PAIR_SEP) {
                    return Err(err(
                        value_start + sep + 1 + extra,
                        format!("`{}` takes exactly two bounds", op.token()).into(),
                    ));
                }
                vec![low.to_owned(), high.to_owned()]
            }
        };
        Ok(Self {
            field: field.to_owned(),
            op,
            values,
        })
    }
}

impl<O: Operator> fmt::Display for Cond<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:", self.field, self.op.token())?;
        let sep = match self.op.arity() {
            Arity::Pair => PAIR_SEP,
            _ => LIST_SEP,
        };
        for (i, v) in self.values.iter().enumerate() {
            if i > 0 {
                write!(f, "{sep}")?;
            }
            f.write_str(v)?;
        }
        Ok(())
    }
}

/// The `Filter` and `Field` types of a query-string dialect, around a
/// [`Cond`] of its operator type.
macro_rules! filter_type {
    ($op:ty, $marker:ty, $example:literal) => {
        /// One checked filter of this dialect.
        ///
        /// Built with [`Filter::field`] or parsed with [`str::parse`];
        /// [`Display`](std::fmt::Display) writes it as sent, and parsing that
        /// text gives the same filter back.
        #[doc = concat!("\n```\n# use jumpcloud_api::filter::FilterError;\n# fn main() -> Result<(), FilterError> {\n", $example, "\n# Ok(())\n# }\n```")]
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct Filter($crate::filter::grammar::Cond<$op>);

        impl Filter {
            /// Start a filter on `name` (letters, digits, `_`, `-`, and `.`
            /// between the segments of a nested field).
            pub fn field(name: impl Into<String>) -> Field {
                Field { name: name.into() }
            }

            /// The field this filter tests.
            pub fn field_name(&self) -> &str {
                &self.0.field
            }

            /// The comparison.
            pub fn op(&self) -> $op {
                self.0.op
            }

            /// The values, rendered as sent: one, or two for a range, or
            /// the list of an `in`.
            pub fn values(&self) -> &[String] {
                &self.0.values
            }
        }

        impl std::fmt::Display for Filter {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for Filter {
            type Err = $crate::filter::FilterError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::filter::grammar::Cond::parse(s).map(Self)
            }
        }

        impl TryFrom<&str> for Filter {
            type Error = $crate::filter::FilterError;

            fn try_from(s: &str) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        /// A field awaiting its comparison; see [`Filter::field`].
        #[derive(Clone, Debug, PartialEq, Eq)]
        #[must_use = "a field alone filters nothing: add a comparison"]
        pub struct Field {
            name: String,
        }

        impl Field {
            fn with(
                self,
                op: $op,
                values: Vec<$crate::filter::FilterValue>,
            ) -> Result<Filter, $crate::filter::FilterError> {
                $crate::filter::grammar::Cond::new(self.name, op, values).map(Filter)
            }

            // Unused by a dialect without list operators (v1 queries).
            #[allow(dead_code)]
            fn list<I, V>(self, op: $op, values: I) -> Result<Filter, $crate::filter::FilterError>
            where
                I: IntoIterator<Item = V>,
                V: Into<$crate::filter::FilterValue>,
            {
                let values = values.into_iter().map(Into::into).collect();
                self.with(op, values)
            }
        }

        $crate::filter::into_filters_for!(Filter, $marker);
    };
}
pub(crate) use filter_type;

/// The comparison methods of a dialect's `Field`, one per operator:
/// `one` operators take a value, `list` operators any number of values
/// (joined with `|` on the wire, so none may contain it).
macro_rules! comparisons {
    ($op:ident { $( $(#[$doc:meta])* $arity:ident $name:ident => $variant:ident; )* }) => {
        impl Field {
            $(
                $crate::filter::grammar::comparisons!(
                    @method $op $arity [$(#[$doc])*] $name $variant
                );
            )*
        }
    };
    (@method $op:ident one [$($attr:tt)*] $name:ident $variant:ident) => {
        $($attr)*
        pub fn $name(
            self,
            value: impl Into<$crate::filter::FilterValue>,
        ) -> Result<Filter, $crate::filter::FilterError> {
            self.with($op::$variant, vec![value.into()])
        }
    };
    (@method $op:ident list [$($attr:tt)*] $name:ident $variant:ident) => {
        $($attr)*
        pub fn $name<I, V>(self, values: I) -> Result<Filter, $crate::filter::FilterError>
        where
            I: IntoIterator<Item = V>,
            V: Into<$crate::filter::FilterValue>,
        {
            self.list($op::$variant, values)
        }
    };
}
pub(crate) use comparisons;

#[cfg(test)]
pub(crate) mod testing {
    //! Strategies shared by the dialects' property tests.
    use proptest::prelude::*;

    /// Valid field names, dotted or not.
    pub(crate) fn field() -> impl Strategy<Value = String> {
        "[A-Za-z0-9_][A-Za-z0-9_-]{0,8}(\\.[A-Za-z0-9_][A-Za-z0-9_-]{0,8}){0,2}"
    }

    /// Any text, biased towards the characters that matter to the grammar.
    pub(crate) fn text() -> impl Strategy<Value = String> {
        prop_oneof!["[a-z:,| *$.-]{0,12}", any::<String>(),]
    }

    /// The round trips every dialect's `Filter` (in scope where this is
    /// used) keeps: a filter `$filters` makes reads back as itself, and a
    /// text matching `$texts` that parses writes back as the same text.
    macro_rules! round_trips {
        ($filters:expr, $texts:literal) => {
            proptest::proptest! {
                #[test]
                fn display_then_parse_is_identity(f in $filters) {
                    proptest::prop_assert_eq!(f.to_string().parse::<Filter>(), Ok(f));
                }

                #[test]
                fn parse_then_display_is_identity(s in $texts) {
                    if let Ok(f) = s.parse::<Filter>() {
                        proptest::prop_assert_eq!(f.to_string(), s);
                    }
                }
            }
        };
    }
    pub(crate) use round_trips;

    /// Inside a property: when `$built` is a filter, its text parses back to
    /// the field and values it was built from (whatever the input, a filter
    /// that builds never changes meaning on the wire).
    macro_rules! reads_back_as_built {
        ($built:expr, $field:expr, $values:expr) => {
            if let Ok(f) = $built {
                let back: Filter = f.to_string().parse().unwrap();
                proptest::prop_assert_eq!(back.field_name(), $field);
                proptest::prop_assert_eq!(back.values(), $values);
            }
        };
    }
    pub(crate) use reads_back_as_built;
}
