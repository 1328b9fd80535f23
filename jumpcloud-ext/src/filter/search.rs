//! Bodies of the v1 `POST /search/*` operations (systems, system users,
//! commands, command results, organizations).
//!
//! A search body carries a `filter` tree, `{"and" | "or": [...]}`, whose
//! leaves compare one field with a value (`{"os": "Ubuntu"}`, or
//! `{"lastContact": {"$gt": "2024-01-01T00:00:00Z"}}`), and a `searchFilter`
//! for partial text matches on a few fields. [`SearchBody`] builds both, checks
//! them and produces the generated [`Search`] type, which every search
//! operation's `body` accepts directly. A refusal is this crate's [`Error`],
//! kind `InvalidRequest`, with the [`FilterError`] as its
//! [`detail`](crate::Error::detail).
//!
//! ```
//! use jumpcloud_ext::filter::search::{Expr, SearchBody};
//! use jumpcloud_ext::api::v1::types::Search;
//!
//! # fn main() -> jumpcloud_ext::Result<()> {
//! let body: Search = SearchBody::new()
//!     .filter(Expr::or([
//!         Expr::field("os").eq("Ubuntu"),
//!         Expr::field("os").eq("Mac OS X"),
//!     ]))
//!     .search("my-host", ["hostname", "displayName"])
//!     .fields(["os", "hostname", "displayName"])
//!     .build()?;
//! assert_eq!(
//!     serde_json::to_value(&body).unwrap(),
//!     serde_json::json!({
//!         "filter": {"or": [{"os": "Ubuntu"}, {"os": "Mac OS X"}]},
//!         "searchFilter": {"searchTerm": "my-host", "fields": ["hostname", "displayName"]},
//!         "fields": "os hostname displayName",
//!     })
//! );
//! # Ok(())
//! # }
//! ```
//!
//! With a client: `jc.v1().system_search().body(SearchBody::new().filter(..))`;
//! a body that does not check out fails that call before any request.

use std::borrow::Cow;
use std::ops::{BitAnd, BitOr};

use jumpcloud_api::filter::{FilterDialect, FilterError, FilterValue};
use jumpcloud_api::v1::types::Search;
use serde_json::{Map, Value};

use crate::error::Error;

const DIALECT: FilterDialect = FilterDialect::V1Search;

/// A comparison of a search-body condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SearchOp {
    /// Equal to; written as a plain `{"field": value}`.
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
    /// `$in`: equal to one of a list.
    In,
}

impl SearchOp {
    const ALL: [Self; 7] = [
        Self::Eq,
        Self::Ne,
        Self::Gt,
        Self::Gte,
        Self::Lt,
        Self::Lte,
        Self::In,
    ];

    /// The operator key, `$` included.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "$eq",
            Self::Ne => "$ne",
            Self::Gt => "$gt",
            Self::Gte => "$gte",
            Self::Lt => "$lt",
            Self::Lte => "$lte",
            Self::In => "$in",
        }
    }
}

/// One comparison of a field with a value; see [`Expr::field`].
#[derive(Clone, Debug, PartialEq)]
pub struct Cond {
    field: String,
    op: SearchOp,
    /// A scalar, or for [`SearchOp::In`] an array of scalars.
    value: Value,
}

impl Cond {
    /// The field compared.
    pub fn field_name(&self) -> &str {
        &self.field
    }
    /// The comparison.
    pub fn op(&self) -> SearchOp {
        self.op
    }
    /// The value as sent (an array for [`SearchOp::In`]).
    pub fn value(&self) -> &Value {
        &self.value
    }
}

/// The condition tree of a search body's `filter`.
///
/// Leaves come from [`Expr::field`]; [`Expr::and`] / [`Expr::or`] (or `&`
/// and `|`) group them, to any depth. Checked when turned into JSON.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// One comparison.
    Cond(Cond),
    /// Every part holds: `{"and": [...]}`.
    And(Vec<Expr>),
    /// At least one part holds: `{"or": [...]}`.
    Or(Vec<Expr>),
}

/// A field awaiting its comparison; see [`Expr::field`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "a field alone filters nothing: add a comparison"]
pub struct Field {
    name: String,
}

impl Field {
    fn cond(self, op: SearchOp, value: Value) -> Expr {
        Expr::Cond(Cond {
            field: self.name,
            op,
            value,
        })
    }
    /// Field equals `value`.
    pub fn eq(self, value: impl Into<FilterValue>) -> Expr {
        self.cond(SearchOp::Eq, value.into().to_json())
    }
    /// Field differs from `value`.
    pub fn ne(self, value: impl Into<FilterValue>) -> Expr {
        self.cond(SearchOp::Ne, value.into().to_json())
    }
    /// Field is greater than `value`.
    pub fn gt(self, value: impl Into<FilterValue>) -> Expr {
        self.cond(SearchOp::Gt, value.into().to_json())
    }
    /// Field is greater than or equal to `value`.
    pub fn gte(self, value: impl Into<FilterValue>) -> Expr {
        self.cond(SearchOp::Gte, value.into().to_json())
    }
    /// Field is less than `value`.
    pub fn lt(self, value: impl Into<FilterValue>) -> Expr {
        self.cond(SearchOp::Lt, value.into().to_json())
    }
    /// Field is less than or equal to `value`.
    pub fn lte(self, value: impl Into<FilterValue>) -> Expr {
        self.cond(SearchOp::Lte, value.into().to_json())
    }
    /// Field equals one of `values` (JSON carries any value, so no value is
    /// refused; an empty list matches nothing).
    pub fn is_in<I, V>(self, values: I) -> Expr
    where
        I: IntoIterator<Item = V>,
        V: Into<FilterValue>,
    {
        let values = values.into_iter().map(|v| v.into().to_json()).collect();
        self.cond(SearchOp::In, Value::Array(values))
    }
}

fn unsupported(reason: impl Into<Cow<'static, str>>) -> FilterError {
    FilterError::Unsupported {
        dialect: DIALECT,
        reason: reason.into(),
    }
}

/// Field names that cannot be mistaken for operators or groups.
fn check_field(name: &str) -> Result<(), FilterError> {
    let reason = if name.is_empty() {
        "the field name is empty"
    } else if name.starts_with('$') {
        "a field name cannot start with `$` (that is an operator)"
    } else if name == "and" || name == "or" {
        "`and` and `or` name groups, not fields"
    } else if name.split('.').any(str::is_empty) {
        "empty segment in a dotted field name"
    } else if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        "a field name cannot contain whitespace"
    } else {
        return Ok(());
    };
    Err(FilterError::Field {
        dialect: DIALECT,
        field: name.to_owned(),
        reason: reason.into(),
    })
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

impl Expr {
    /// Start a condition on `name` (dots reach into nested fields).
    pub fn field(name: impl Into<String>) -> Field {
        Field { name: name.into() }
    }

    /// Every part holds.
    pub fn and(parts: impl IntoIterator<Item = Expr>) -> Self {
        Self::And(parts.into_iter().collect())
    }

    /// At least one part holds.
    pub fn or(parts: impl IntoIterator<Item = Expr>) -> Self {
        Self::Or(parts.into_iter().collect())
    }

    /// The JSON the server expects for this tree, after checking every field
    /// name and that no group is empty.
    pub fn to_json(&self) -> Result<Value, Error> {
        self.json().map_err(Error::from)
    }

    fn json(&self) -> Result<Value, FilterError> {
        Ok(match self {
            Self::Cond(c) => {
                check_field(&c.field)?;
                let value = match c.op {
                    SearchOp::Eq => c.value.clone(),
                    op => {
                        let mut m = Map::new();
                        m.insert(op.as_str().to_owned(), c.value.clone());
                        Value::Object(m)
                    }
                };
                let mut m = Map::new();
                m.insert(c.field.clone(), value);
                Value::Object(m)
            }
            Self::And(parts) | Self::Or(parts) => {
                let key = if matches!(self, Self::And(_)) {
                    "and"
                } else {
                    "or"
                };
                if parts.is_empty() {
                    return Err(unsupported(format!("an empty `{key}` group")));
                }
                let items = parts.iter().map(Self::json).collect::<Result<_, _>>()?;
                let mut m = Map::new();
                m.insert(key.to_owned(), Value::Array(items));
                Value::Object(m)
            }
        })
    }

    /// Read a `filter` tree back: `{"and"|"or": [...]}` groups, and objects
    /// of `field: value` / `field: {"$op": value}` pairs (several pairs in
    /// one object are ANDed, as the server does).
    pub fn from_json(value: &Value) -> Result<Self, Error> {
        Self::parse(value, "").map_err(Error::from)
    }

    fn parse(value: &Value, at: &str) -> Result<Self, FilterError> {
        let Value::Object(map) = value else {
            return Err(unsupported(format!(
                "at `{at}/`: expected an object, found {value}"
            )));
        };
        let mut parts = Vec::new();
        for (key, v) in map {
            let here = format!("{at}/{key}");
            match key.as_str() {
                "and" | "or" => {
                    let Value::Array(items) = v else {
                        return Err(unsupported(format!("at `{here}`: expected an array")));
                    };
                    let items = items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| Self::parse(item, &format!("{here}/{i}")))
                        .collect::<Result<Vec<_>, _>>()?;
                    if items.is_empty() {
                        return Err(unsupported(format!("at `{here}`: an empty group")));
                    }
                    parts.push(if key == "and" {
                        Self::And(items)
                    } else {
                        Self::Or(items)
                    });
                }
                field => {
                    check_field(field)?;
                    parts.extend(Self::conditions(field, v, &here)?);
                }
            }
        }
        match parts.len() {
            0 => Err(unsupported(format!("at `{at}/`: an empty condition"))),
            1 => Ok(parts.remove(0)),
            _ => Ok(Self::And(parts)),
        }
    }

    fn conditions(field: &str, v: &Value, at: &str) -> Result<Vec<Self>, FilterError> {
        let cond = |op: SearchOp, value: &Value| {
            Self::Cond(Cond {
                field: field.to_owned(),
                op,
                value: value.clone(),
            })
        };
        match v {
            Value::Object(ops) => ops
                .iter()
                .map(|(key, operand)| {
                    let op = SearchOp::ALL
                        .into_iter()
                        .find(|o| o.as_str() == key)
                        .ok_or_else(|| {
                            unsupported(format!("at `{at}`: unknown operator {key:?}"))
                        })?;
                    let fits = match op {
                        SearchOp::In => {
                            matches!(operand, Value::Array(a) if a.iter().all(is_scalar))
                        }
                        _ => is_scalar(operand),
                    };
                    if !fits {
                        return Err(unsupported(format!(
                            "at `{at}/{key}`: unsupported operand {operand}"
                        )));
                    }
                    Ok(cond(op, operand))
                })
                .collect(),
            v if is_scalar(v) => Ok(vec![cond(SearchOp::Eq, v)]),
            v => Err(unsupported(format!("at `{at}`: unsupported value {v}"))),
        }
    }

    /// The top-level form a body's `filter` must take: a group, a lone
    /// condition being wrapped in `{"and": [...]}`.
    fn to_filter_map(&self) -> Result<Map<String, Value>, FilterError> {
        let group;
        let top = match self {
            Self::Cond(_) => {
                group = Self::And(vec![self.clone()]);
                &group
            }
            _ => self,
        };
        match top.json()? {
            Value::Object(m) => Ok(m),
            // to_json of a group is always an object.
            other => Err(unsupported(format!("not an object: {other}"))),
        }
    }
}

impl BitAnd for Expr {
    type Output = Expr;
    /// Both hold; flattens nested `and`s.
    fn bitand(self, rhs: Expr) -> Expr {
        match (self, rhs) {
            (Expr::And(mut a), Expr::And(b)) => {
                a.extend(b);
                Expr::And(a)
            }
            (Expr::And(mut a), e) => {
                a.push(e);
                Expr::And(a)
            }
            (e, Expr::And(mut b)) => {
                b.insert(0, e);
                Expr::And(b)
            }
            (a, b) => Expr::And(vec![a, b]),
        }
    }
}

impl BitOr for Expr {
    type Output = Expr;
    /// Either holds; flattens nested `or`s.
    fn bitor(self, rhs: Expr) -> Expr {
        match (self, rhs) {
            (Expr::Or(mut a), Expr::Or(b)) => {
                a.extend(b);
                Expr::Or(a)
            }
            (Expr::Or(mut a), e) => {
                a.push(e);
                Expr::Or(a)
            }
            (e, Expr::Or(mut b)) => {
                b.insert(0, e);
                Expr::Or(b)
            }
            (a, b) => Expr::Or(vec![a, b]),
        }
    }
}

/// The top-level `filter` map of a body (a lone condition wrapped in an
/// `and`), for the generated `types::builder::Search::filter` setter.
impl TryFrom<Expr> for Map<String, Value> {
    type Error = Error;
    fn try_from(e: Expr) -> Result<Self, Error> {
        e.to_filter_map().map_err(Error::from)
    }
}

/// A v1 search body under construction; see the [module docs](self).
///
/// Every search operation's `body` takes it as is; a body that does not
/// check out fails the call before any request:
///
/// ```no_run
/// use jumpcloud_ext::filter::search::{Expr, SearchBody};
///
/// # async fn demo(jc: jumpcloud_ext::JumpCloud) -> Result<(), Box<dyn std::error::Error>> {
/// let it = SearchBody::new()
///     .filter(Expr::field("department").eq("IT") | Expr::field("department").eq("Sales"))
///     .fields(["email", "username"])
///     .limit(100);
/// use jumpcloud_ext::Run;
/// let page = jc.v1().user_search().body(it).run().await?;
/// println!("{:?} users", page.total_count);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use = "build() the body or hand it to an operation's `body`"]
pub struct SearchBody {
    filter: Option<Expr>,
    terms: Vec<String>,
    search_fields: Vec<String>,
    fields: Vec<String>,
    limit: Option<u32>,
    skip: Option<u64>,
}

impl SearchBody {
    /// An empty body: every record, default fields.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records must match `expr`. Called again, the conditions are ANDed.
    pub fn filter(mut self, expr: Expr) -> Self {
        self.filter = Some(match self.filter.take() {
            Some(prev) => prev & expr,
            None => expr,
        });
        self
    }

    /// Partial text match of `term` on any of `fields`.
    pub fn search<F, S>(self, term: impl Into<String>, fields: F) -> Self
    where
        F: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.search_any([term.into()], fields)
    }

    /// Partial text match of any of `terms` on any of `fields`.
    pub fn search_any<T, F, S, U>(mut self, terms: T, fields: F) -> Self
    where
        T: IntoIterator<Item = U>,
        U: Into<String>,
        F: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.terms = terms.into_iter().map(Into::into).collect();
        self.search_fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Return only these fields of each record (sent space-separated).
    pub fn fields<F, S>(mut self, fields: F) -> Self
    where
        F: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.fields = fields.into_iter().map(Into::into).collect();
        self
    }

    /// Records per page (the server allows at most 100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Records to skip before the page starts.
    pub fn skip(mut self, skip: u64) -> Self {
        self.skip = Some(skip);
        self
    }

    /// Check everything and produce the generated body type.
    pub fn build(&self) -> Result<Search, Error> {
        self.checked().map_err(Error::from)
    }

    fn checked(&self) -> Result<Search, FilterError> {
        let filter = match &self.filter {
            Some(e) => e.to_filter_map()?,
            None => Map::new(),
        };
        let mut search_filter = Map::new();
        if !self.terms.is_empty() || !self.search_fields.is_empty() {
            if self.terms.is_empty() {
                return Err(unsupported("a text search needs at least one term"));
            }
            if self.search_fields.is_empty() {
                return Err(unsupported("a text search needs at least one field"));
            }
            for f in &self.search_fields {
                check_field(f)?;
            }
            let term = match self.terms.as_slice() {
                [one] => Value::String(one.clone()),
                many => Value::from(many.to_vec()),
            };
            search_filter.insert("searchTerm".to_owned(), term);
            search_filter.insert("fields".to_owned(), Value::from(self.search_fields.clone()));
        }
        for f in &self.fields {
            check_field(f)?;
        }
        let fields = (!self.fields.is_empty()).then(|| self.fields.join(" "));
        let skip = self
            .skip
            .map(|s| {
                i64::try_from(s).map_err(|_| {
                    unsupported(format!("skip {s} is beyond the largest the API takes"))
                })
            })
            .transpose()?;
        Ok(Search {
            fields,
            filter,
            limit: self.limit.map(i64::from),
            search_filter,
            skip,
        })
    }
}

impl TryFrom<SearchBody> for Search {
    type Error = Error;
    fn try_from(body: SearchBody) -> Result<Self, Error> {
        body.build()
    }
}

impl TryFrom<&SearchBody> for Search {
    type Error = Error;
    fn try_from(body: &SearchBody) -> Result<Self, Error> {
        body.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn conditions_render_like_the_documented_examples() {
        let e = Expr::field("department").eq("IT");
        assert_eq!(e.to_json().unwrap(), json!({"department": "IT"}));
        let e = Expr::field("lastContact").gt("2024-01-01T00:00:00Z");
        assert_eq!(
            e.to_json().unwrap(),
            json!({"lastContact": {"$gt": "2024-01-01T00:00:00Z"}})
        );
        let e = Expr::field("n").ne(1) & Expr::field("n").gte(2u8) & Expr::field("n").lt(3);
        assert_eq!(
            e.to_json().unwrap(),
            json!({"and": [{"n": {"$ne": 1}}, {"n": {"$gte": 2}}, {"n": {"$lt": 3}}]})
        );
        let e = Expr::field("state").is_in(["ACTIVATED", "STAGED"]) | Expr::field("x").lte(true);
        assert_eq!(
            e.to_json().unwrap(),
            json!({"or": [{"state": {"$in": ["ACTIVATED", "STAGED"]}}, {"x": {"$lte": true}}]})
        );
    }

    #[test]
    fn nested_groups() {
        let e = Expr::and([
            Expr::field("os").eq("Ubuntu"),
            Expr::or([Expr::field("a").eq(1), Expr::field("b").eq("x|y:z,w")]),
        ]);
        let j = e.to_json().unwrap();
        assert_eq!(
            j,
            json!({"and": [{"os": "Ubuntu"}, {"or": [{"a": 1}, {"b": "x|y:z,w"}]}]})
        );
        assert_eq!(Expr::from_json(&j).unwrap(), e);
    }

    #[test]
    fn a_body_is_the_generated_search_type() {
        let body: Search = SearchBody::new()
            .filter(Expr::field("department").eq("IT"))
            .search_any(["john", "sarah"], ["username"])
            .fields(["email", "username"])
            .limit(100)
            .skip(200)
            .try_into()
            .unwrap();
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({
                "filter": {"and": [{"department": "IT"}]},
                "searchFilter": {"searchTerm": ["john", "sarah"], "fields": ["username"]},
                "fields": "email username",
                "limit": 100,
                "skip": 200,
            })
        );
        let empty = SearchBody::new().build().unwrap();
        assert_eq!(serde_json::to_value(&empty).unwrap(), json!({}));
        let twice = SearchBody::new()
            .filter(Expr::field("a").eq(1))
            .filter(Expr::field("b").eq(2))
            .build()
            .unwrap();
        assert_eq!(
            Value::Object(twice.filter),
            json!({"and": [{"a": 1}, {"b": 2}]})
        );
    }

    /// The filter's own refusal, from this crate's error.
    fn refusal(e: &Error) -> &FilterError {
        assert!(e.is_invalid_request(), "{e:?}");
        match e.detail() {
            Some(crate::ErrorDetail::Filter(f)) => f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn refuses_what_the_server_would_misread() {
        for bad in ["", "$where", "and", "or", "a..b", "a b"] {
            let e = Expr::field(bad).eq(1).to_json().unwrap_err();
            assert!(
                matches!(refusal(&e), FilterError::Field { .. }),
                "{bad:?}: {e}"
            );
        }
        let e = Expr::or([]).to_json().unwrap_err();
        assert!(e.to_string().contains("empty `or`"), "{e}");
        let e = SearchBody::new()
            .search("x", Vec::<String>::new())
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("at least one field"), "{e}");
        let e = SearchBody::new().fields(["a b"]).build().unwrap_err();
        assert!(matches!(refusal(&e), FilterError::Field { .. }), "{e}");
        let e = SearchBody::new().skip(u64::MAX).build().unwrap_err();
        assert!(e.to_string().contains("skip"), "{e}");
        let e = SearchBody::new()
            .filter(Expr::field("ok").eq(1) & Expr::field("$bad").eq(2))
            .build()
            .unwrap_err();
        assert_eq!(refusal(&e).dialect(), FilterDialect::V1Search);
        // The text is the filter's own, as before it became this crate's error.
        assert_eq!(e.to_string(), refusal(&e).to_string());
    }

    #[test]
    fn reads_the_shapes_the_server_takes() {
        let e = Expr::from_json(&json!({"a": 1, "b": {"$gt": 2, "$lt": 5}})).unwrap();
        assert_eq!(
            e,
            Expr::field("a").eq(1) & Expr::field("b").gt(2) & Expr::field("b").lt(5)
        );
        let e = Expr::from_json(&json!({"a": {"$eq": "x"}})).unwrap();
        assert_eq!(e, Expr::field("a").eq("x"));
        for bad in [
            json!([]),
            json!({}),
            json!({"a": {"$regex": "x"}}),
            json!({"a": {"b": 1}}),
            json!({"a": {"$in": "x"}}),
            json!({"or": {}}),
            json!({"and": []}),
            json!({"$a": 1}),
        ] {
            assert!(Expr::from_json(&bad).is_err(), "{bad}");
        }
        let e = Expr::from_json(&json!({"or": [{"a": {"$foo": 1}}]})).unwrap_err();
        assert!(e.to_string().contains("/or/0/a"), "{e}");
    }

    fn values() -> impl Strategy<Value = FilterValue> {
        prop_oneof![
            any::<String>().prop_map(FilterValue::from),
            any::<i64>().prop_map(FilterValue::from),
            any::<u64>().prop_map(FilterValue::from),
            any::<bool>().prop_map(FilterValue::from),
        ]
    }

    fn leaf() -> impl Strategy<Value = Expr> {
        let field = "[a-zA-Z_][a-zA-Z0-9_]{0,6}(\\.[a-z0-9_]{1,4}){0,2}";
        (
            field,
            prop::sample::select(SearchOp::ALL.to_vec()),
            values(),
            prop::collection::vec(values(), 0..4),
        )
            .prop_filter("not a group name", |(f, ..)| f != "and" && f != "or")
            .prop_map(|(f, op, v, vs)| {
                let field = Expr::field(f);
                match op {
                    SearchOp::Eq => field.eq(v),
                    SearchOp::Ne => field.ne(v),
                    SearchOp::Gt => field.gt(v),
                    SearchOp::Gte => field.gte(v),
                    SearchOp::Lt => field.lt(v),
                    SearchOp::Lte => field.lte(v),
                    SearchOp::In => field.is_in(vs),
                }
            })
    }

    fn exprs() -> impl Strategy<Value = Expr> {
        leaf().prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..4).prop_map(Expr::And),
                prop::collection::vec(inner, 1..4).prop_map(Expr::Or),
            ]
        })
    }

    proptest! {
        #[test]
        fn json_round_trips(e in exprs()) {
            let j = e.to_json().unwrap();
            prop_assert_eq!(Expr::from_json(&j).ok(), Some(e));
            // And the wire form survives serialisation through the generated type.
            let body = SearchBody::new().filter(Expr::from_json(&j).unwrap()).build().unwrap();
            let text = serde_json::to_string(&body).unwrap();
            let back: Search = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back, body);
        }
    }
}
