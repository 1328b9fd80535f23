//! JumpCloud's list semantics: `limit`/`skip` paging, `sort`, `fields` and `filter`, in the v1
//! and v2 dialects, plus the v1 search body's filters.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::error::{ApiError, ApiResult};

/// Largest page the v1 and v2 lists accept.
pub(crate) const MAX_LIMIT: usize = 100;
/// Page size when `limit` is omitted.
pub(crate) const DEFAULT_LIMIT: usize = 10;
/// Largest page the System Insights tables accept.
pub(crate) const MAX_INSIGHTS_LIMIT: usize = 10_000;

/// Which API's query syntax to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// `filter=field:$op:value`; `sort`/`fields` space-separated.
    V1,
    /// `filter=field:op:value`; `sort`/`fields` comma-separated.
    V2,
    /// System Insights tables: like v2, but only the `eq`, `in` and `gte` operators and
    /// pages of up to 10,000 rows.
    Insights,
}

impl Dialect {
    /// The largest `limit` the dialect's lists accept.
    fn max_limit(self) -> usize {
        match self {
            Self::Insights => MAX_INSIGHTS_LIMIT,
            Self::V1 | Self::V2 => MAX_LIMIT,
        }
    }

    fn split(self, s: &str) -> Vec<String> {
        let parts: Vec<&str> = match self {
            Self::V1 => s.split_whitespace().collect(),
            Self::V2 | Self::Insights => s.split(',').collect(),
        };
        parts
            .into_iter()
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

/// A comparison operator of a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Search,
    In,
}

impl Op {
    fn parse(op: &str, dialect: Dialect) -> Option<Self> {
        Some(match (dialect, op) {
            (Dialect::V2, "eq") | (Dialect::V1, "$eq") => Self::Eq,
            (Dialect::V2, "ne") | (Dialect::V1, "$ne") => Self::Ne,
            (Dialect::V2, "gt") | (Dialect::V1, "$gt") => Self::Gt,
            (Dialect::V2, "ge") | (Dialect::V1, "$gte") => Self::Ge,
            (Dialect::V2, "lt") | (Dialect::V1, "$lt") => Self::Lt,
            (Dialect::V2, "le") | (Dialect::V1, "$lte") => Self::Le,
            (Dialect::V2, "search") => Self::Search,
            (Dialect::V2, "in") => Self::In,
            (Dialect::Insights, "eq") => Self::Eq,
            (Dialect::Insights, "gte") => Self::Ge,
            (Dialect::Insights, "in") => Self::In,
            _ => return None,
        })
    }
}

/// One `field op value` condition.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    path: Vec<String>,
    op: Op,
    values: Vec<Value>,
}

impl Filter {
    fn parse(raw: &str, dialect: Dialect) -> ApiResult<Self> {
        let mut parts = raw.splitn(3, ':');
        let (Some(field), Some(op), Some(value)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(ApiError::bad_request(format!("invalid filter {raw:?}")));
        };
        if field.is_empty() {
            return Err(ApiError::bad_request(format!("invalid filter {raw:?}")));
        }
        let op = Op::parse(op, dialect)
            .ok_or_else(|| ApiError::bad_request(format!("unsupported filter operator {op:?}")))?;
        let values = if op == Op::In {
            value
                .split('|')
                .map(|v| Value::String(v.to_owned()))
                .collect()
        } else {
            vec![Value::String(value.to_owned())]
        };
        Ok(Self {
            path: path(field),
            op,
            values,
        })
    }

    /// Whether the condition compares without regard to case: JumpCloud
    /// treats usernames and emails so (`Ada` finds `ada`).
    fn folds_case(&self) -> bool {
        matches!(self.path.as_slice(), [f] if f == "username" || f == "email")
            && matches!(self.op, Op::Eq | Op::Ne | Op::In)
    }

    /// The dotted field the condition tests.
    pub(crate) fn field(&self) -> String {
        self.path.join(".")
    }

    /// Whether `obj` satisfies the condition. An array property matches if any element does.
    pub(crate) fn matches(&self, obj: &Value) -> bool {
        let field = lookup(obj, &self.path);
        let folded = self.folds_case();
        let test = |f: &Value| {
            self.values.iter().any(|v| match (f, v) {
                (Value::String(f), Value::String(v)) if folded => compare_op(
                    &Value::String(f.to_lowercase()),
                    self.op,
                    &Value::String(v.to_lowercase()),
                ),
                _ => compare_op(f, self.op, v),
            })
        };
        match (self.op, field) {
            (Op::Ne, None) => true,
            (_, None) => false,
            (Op::Ne, Some(Value::Array(items))) => items.iter().all(test),
            (_, Some(Value::Array(items))) => items.iter().any(test),
            (_, Some(f)) => test(f),
        }
    }
}

/// One sort key (`-` prefix means descending).
#[derive(Debug, Clone)]
pub(crate) struct SortKey {
    path: Vec<String>,
    desc: bool,
}

impl SortKey {
    /// Whether the key is the object id (`_id` or `id`).
    fn is_id(&self) -> bool {
        matches!(self.path.as_slice(), [f] if f == "_id" || f == "id")
    }
}

/// A parsed list request. `run` expects items in id order, as every collection stores them.
#[derive(Debug, Clone)]
pub(crate) struct ListQuery {
    pub(crate) limit: usize,
    pub(crate) skip: usize,
    pub(crate) sort: Vec<SortKey>,
    pub(crate) fields: Option<Vec<String>>,
    pub(crate) filters: Vec<Filter>,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            limit: DEFAULT_LIMIT,
            skip: 0,
            sort: Vec::new(),
            fields: None,
            filters: Vec::new(),
        }
    }
}

/// One page of a list, with the number of matches before paging.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) total: usize,
    pub(crate) items: Vec<Value>,
}

/// Decode a raw query string into ordered pairs (repeated keys kept).
pub(crate) fn query_pairs(raw: Option<&str>) -> ApiResult<Vec<(String, String)>> {
    serde_urlencoded::from_str(raw.unwrap_or_default())
        .map_err(|e| ApiError::bad_request(format!("malformed query string: {e}")))
}

/// Parse a non-negative integer parameter.
pub(crate) fn parse_count(name: &str, raw: &str) -> ApiResult<usize> {
    raw.trim()
        .parse::<usize>()
        .map_err(|_| ApiError::bad_request(format!("{name} must be a non-negative integer")))
}

/// Check a requested page size against `max`.
pub(crate) fn check_limit(limit: usize, max: usize) -> ApiResult<usize> {
    if limit > max {
        return Err(ApiError::bad_request(format!(
            "limit must be less than or equal to {max}"
        )));
    }
    Ok(limit)
}

impl ListQuery {
    /// Parse `limit`, `skip`, `sort`, `fields` and every `filter` from query pairs.
    pub(crate) fn parse(pairs: &[(String, String)], dialect: Dialect) -> ApiResult<Self> {
        let mut q = Self::default();
        for (k, v) in pairs {
            match k.as_str() {
                "limit" => q.limit = check_limit(parse_count("limit", v)?, dialect.max_limit())?,
                "skip" => q.skip = parse_count("skip", v)?,
                "sort" => q.sort = sort_keys(&dialect.split(v)),
                "fields" => {
                    let f = dialect.split(v);
                    q.fields = (!f.is_empty()).then_some(f);
                }
                "filter" => q.filters.push(Filter::parse(v, dialect)?),
                _ => {}
            }
        }
        Ok(q)
    }

    /// Filter, sort, page and project `items`; `id_key` is always kept by `fields`.
    pub(crate) fn run<'a>(&self, items: impl Iterator<Item = &'a Value>, id_key: &str) -> Page {
        let mut hits: Vec<&Value> = items
            .filter(|o| self.filters.iter().all(|f| f.matches(o)))
            .collect();
        match self.sort.as_slice() {
            [] => {}
            // Collections iterate in id order already: skip the sort of a big list.
            [k] if k.is_id() && !k.desc => {}
            [k] if k.is_id() => hits.reverse(),
            keys => hits.sort_by(|a, b| compare_by(a, b, keys)),
        }
        let total = hits.len();
        let items = hits
            .into_iter()
            .skip(self.skip)
            .take(self.limit)
            .map(|o| project(o, self.fields.as_deref(), id_key))
            .collect();
        Page { total, items }
    }
}

/// Turn `-name` style sort terms into keys.
pub(crate) fn sort_keys(terms: &[String]) -> Vec<SortKey> {
    terms
        .iter()
        .map(|t| match t.strip_prefix('-') {
            Some(rest) => SortKey {
                path: path(rest),
                desc: true,
            },
            None => SortKey {
                path: path(t.strip_prefix('+').unwrap_or(t)),
                desc: false,
            },
        })
        .collect()
}

fn path(field: &str) -> Vec<String> {
    field.split('.').map(str::to_owned).collect()
}

/// A dotted property of `obj`. `_id` and `id` stand for each other, so `sort=_id` and
/// `filter=id:…` work on v1 and v2 objects alike.
fn lookup<'a>(obj: &'a Value, path: &[String]) -> Option<&'a Value> {
    let found = path.iter().try_fold(obj, |cur, key| cur.get(key));
    match (found, path) {
        (None, [only]) if only == "_id" => obj.get("id"),
        (None, [only]) if only == "id" => obj.get("_id"),
        _ => found,
    }
}

/// Compare a stored value with a filter operand, which arrives as text (query) or JSON (search
/// body). Text operands are read as the stored value's type.
fn compare_op(field: &Value, op: Op, operand: &Value) -> bool {
    if op == Op::Search {
        let needle = match operand {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        return match field {
            Value::String(s) => s.contains(&needle),
            Value::Number(_) | Value::Bool(_) => field.to_string().contains(&needle),
            _ => false,
        };
    }
    let ord = match (field, operand) {
        (_, Value::String(raw)) => compare_text(field, raw),
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        (a, b) if a == b => Some(Ordering::Equal),
        _ => None,
    };
    match op {
        Op::Eq | Op::In => ord == Some(Ordering::Equal),
        Op::Ne => ord != Some(Ordering::Equal),
        Op::Gt => ord == Some(Ordering::Greater),
        Op::Ge => matches!(ord, Some(Ordering::Greater | Ordering::Equal)),
        Op::Lt => ord == Some(Ordering::Less),
        Op::Le => matches!(ord, Some(Ordering::Less | Ordering::Equal)),
        Op::Search => false,
    }
}

fn compare_text(field: &Value, raw: &str) -> Option<Ordering> {
    match field {
        Value::String(s) => Some(s.as_str().cmp(raw)),
        Value::Number(n) => {
            let b: f64 = raw.trim().parse().ok()?;
            n.as_f64()?.partial_cmp(&b)
        }
        Value::Bool(b) => raw.parse::<bool>().ok().map(|r| b.cmp(&r)),
        Value::Null => (raw == "null").then_some(Ordering::Equal),
        _ => None,
    }
}

fn rank(v: Option<&Value>) -> u8 {
    match v {
        None | Some(Value::Null) => 0,
        Some(Value::Bool(_)) => 1,
        Some(Value::Number(_)) => 2,
        Some(Value::String(_)) => 3,
        Some(Value::Array(_)) => 4,
        Some(Value::Object(_)) => 5,
    }
}

fn compare_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .zip(y.as_f64())
            .and_then(|(x, y)| x.partial_cmp(&y))
            .unwrap_or(Ordering::Equal),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Order two objects by the sort keys in turn.
pub(crate) fn compare_by(a: &Value, b: &Value, keys: &[SortKey]) -> Ordering {
    for k in keys {
        let ord = compare_values(lookup(a, &k.path), lookup(b, &k.path));
        let ord = if k.desc { ord.reverse() } else { ord };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Keep only the requested top-level properties (and the id).
pub(crate) fn project(obj: &Value, fields: Option<&[String]>, id_key: &str) -> Value {
    let (Some(fields), Value::Object(map)) = (fields, obj) else {
        return obj.clone();
    };
    let out: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| {
            k.as_str() == id_key
                || fields
                    .iter()
                    .any(|f| f == *k || f.split('.').next() == Some(k.as_str()))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(out)
}

/// Conditions of a v1 search body's `filter`: `{"and": [...]}`, `{"or": [...]}`, or a plain
/// object of `field: value` / `field: {"$op": value}` pairs (all ANDed).
#[derive(Debug, Clone)]
pub(crate) enum SearchFilter {
    All(Vec<SearchFilter>),
    Any(Vec<SearchFilter>),
    Cond(Filter),
}

impl SearchFilter {
    /// Parse a search body's `filter` value.
    pub(crate) fn parse(v: &Value) -> ApiResult<Self> {
        let Value::Object(map) = v else {
            return Err(ApiError::bad_request("filter must be an object"));
        };
        let mut all = Vec::new();
        for (k, v) in map {
            match k.as_str() {
                "and" | "or" => {
                    let Value::Array(items) = v else {
                        return Err(ApiError::bad_request(format!("{k} must be an array")));
                    };
                    let parts = items
                        .iter()
                        .map(Self::parse)
                        .collect::<ApiResult<Vec<_>>>()?;
                    all.push(if k == "and" {
                        Self::All(parts)
                    } else {
                        Self::Any(parts)
                    });
                }
                field => all.extend(Self::conditions(field, v)?),
            }
        }
        Ok(Self::All(all))
    }

    fn conditions(field: &str, v: &Value) -> ApiResult<Vec<Self>> {
        let cond = |op: Op, values: Vec<Value>| {
            Self::Cond(Filter {
                path: path(field),
                op,
                values,
            })
        };
        match v {
            Value::Object(ops) if ops.keys().all(|k| k.starts_with('$')) => ops
                .iter()
                .map(|(op, operand)| {
                    // Search bodies take `$in` as well as the query operators.
                    let parsed = (op == "$in")
                        .then_some(Op::In)
                        .or_else(|| Op::parse(op, Dialect::V1))
                        .ok_or_else(|| {
                            ApiError::bad_request(format!("unsupported operator {op:?}"))
                        })?;
                    Ok(match (parsed, operand) {
                        (Op::In, Value::Array(items)) => cond(Op::In, items.clone()),
                        (Op::In, _) => {
                            return Err(ApiError::bad_request("$in needs an array"));
                        }
                        (op, operand) => cond(op, vec![operand.clone()]),
                    })
                })
                .collect(),
            other => Ok(vec![cond(Op::Eq, vec![other.clone()])]),
        }
    }

    /// Whether `obj` satisfies the filter.
    pub(crate) fn matches(&self, obj: &Value) -> bool {
        match self {
            Self::All(parts) => parts.iter().all(|p| p.matches(obj)),
            Self::Any(parts) => parts.iter().any(|p| p.matches(obj)),
            Self::Cond(f) => f.matches(obj),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn pairs(s: &str) -> Vec<(String, String)> {
        query_pairs(Some(s)).unwrap()
    }

    fn names(page: &Page) -> Vec<&str> {
        page.items
            .iter()
            .map(|v| v["name"].as_str().unwrap())
            .collect()
    }

    fn sample() -> Vec<Value> {
        vec![
            json!({"id": "1", "name": "beta", "n": 2, "tags": ["x"]}),
            json!({"id": "2", "name": "alpha", "n": 3, "tags": ["y"]}),
            json!({"id": "3", "name": "gamma", "n": 1}),
            json!({"id": "4", "name": "alphabet", "n": 3}),
        ]
    }

    #[test]
    fn v2_sort_filter_and_fields() {
        let data = sample();
        let q = ListQuery::parse(&pairs("sort=-n,name&fields=name"), Dialect::V2).unwrap();
        let page = q.run(data.iter(), "id");
        assert_eq!(names(&page), ["alpha", "alphabet", "beta", "gamma"]);
        assert_eq!(page.items[0], json!({"id": "2", "name": "alpha"}));

        let q =
            ListQuery::parse(&pairs("filter=name:search:alp&filter=n:ge:3"), Dialect::V2).unwrap();
        assert_eq!(q.run(data.iter(), "id").total, 2);
        let q = ListQuery::parse(&pairs("filter=name:in:beta|gamma"), Dialect::V2).unwrap();
        assert_eq!(names(&q.run(data.iter(), "id")), ["beta", "gamma"]);
        let q = ListQuery::parse(&pairs("filter=tags:eq:x"), Dialect::V2).unwrap();
        assert_eq!(names(&q.run(data.iter(), "id")), ["beta"]);
        let q = ListQuery::parse(&pairs("filter=tags:ne:x"), Dialect::V2).unwrap();
        assert_eq!(
            names(&q.run(data.iter(), "id")),
            ["alpha", "gamma", "alphabet"]
        );
    }

    #[test]
    fn v1_dialect() {
        let data = sample();
        let q =
            ListQuery::parse(&pairs("sort=-name&filter=n:$lt:3&fields=n"), Dialect::V1).unwrap();
        let page = q.run(data.iter(), "id");
        assert_eq!(
            page.items,
            [json!({"id": "3", "n": 1}), json!({"id": "1", "n": 2})]
        );
        assert!(ListQuery::parse(&pairs("filter=n:eq:3"), Dialect::V1).is_err());
        assert!(ListQuery::parse(&pairs("filter=n:$eq:3"), Dialect::V2).is_err());
        // v1 queries have no `$in` (search bodies do).
        assert!(ListQuery::parse(&pairs("filter=n:$in:1|3"), Dialect::V1).is_err());
    }

    #[test]
    fn usernames_and_emails_compare_without_case() {
        let data = [
            json!({"id": "1", "username": "ada", "email": "Ada@Example.com", "name": "Ada"}),
            json!({"id": "2", "username": "bob", "email": "bob@example.com", "name": "bob"}),
        ];
        let q = ListQuery::parse(&pairs("filter=username:$eq:ADA"), Dialect::V1).unwrap();
        assert_eq!(q.run(data.iter(), "id").total, 1);
        let f = SearchFilter::parse(&json!({"or": [{"email": "ada@example.com"}]})).unwrap();
        assert_eq!(data.iter().filter(|o| f.matches(o)).count(), 1);
        // Other fields keep their case.
        let q = ListQuery::parse(&pairs("filter=name:$eq:ada"), Dialect::V1).unwrap();
        assert_eq!(q.run(data.iter(), "id").total, 0);
    }

    #[test]
    fn limits_and_paging() {
        let data = sample();
        assert!(ListQuery::parse(&pairs("limit=101"), Dialect::V2).is_err());
        assert!(ListQuery::parse(&pairs("limit=-1"), Dialect::V2).is_err());
        assert!(ListQuery::parse(&pairs("skip=x"), Dialect::V1).is_err());
        let q = ListQuery::parse(&pairs("limit=2&skip=3"), Dialect::V2).unwrap();
        let page = q.run(data.iter(), "id");
        assert_eq!((page.total, page.items.len()), (4, 1));
    }

    #[test]
    fn search_body_filters() {
        let data = sample();
        let f =
            SearchFilter::parse(&json!({"or": [{"name": "beta"}, {"n": {"$gte": 3}}]})).unwrap();
        assert_eq!(data.iter().filter(|o| f.matches(o)).count(), 3);
        let f = SearchFilter::parse(&json!({"name": {"$in": ["gamma", "zeta"]}})).unwrap();
        assert_eq!(data.iter().filter(|o| f.matches(o)).count(), 1);
        assert!(SearchFilter::parse(&json!({"and": 3})).is_err());
        assert!(SearchFilter::parse(&json!({"n": {"$nope": 1}})).is_err());
    }
}
