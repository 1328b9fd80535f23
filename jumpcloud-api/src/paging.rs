//! How each listing pages, as facts derived from the documents, and the small
//! helpers the generated [`PagedRequest`](crate::PagedRequest) implementations use
//! to take pages apart.
//!
//! JumpCloud pages four ways: `limit`/`skip` query parameters (most v2 and v1
//! lists), `limit`/`skip` in a request body (v1 `POST /search/*`), an opaque
//! token handed back by the previous page (the G Suite and Office 365 user
//! imports), and a cursor in a response header (Directory Insights events).
//! The total, where there is one, is the `x-total-count` header (v2) or a
//! `totalCount` property of the body (v1 and a few v2 lists).

use reqwest::header::HeaderMap;

/// How an operation takes its position in a collection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageKind {
    /// `limit` and `skip` query parameters.
    Offset,
    /// `limit` and `skip` properties of the request body.
    BodyOffset,
    /// An opaque token from the previous answer's body.
    Token,
    /// A cursor from the previous answer's `X-Search_after` header.
    Cursor,
}

impl PageKind {
    /// A short, stable name: `offset`, `body-offset`, `token`, `cursor`.
    pub const fn name(self) -> &'static str {
        match self {
            PageKind::Offset => "offset",
            PageKind::BodyOffset => "body-offset",
            PageKind::Token => "token",
            PageKind::Cursor => "cursor",
        }
    }
}

/// Where an answer says how many items the whole collection has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TotalSource {
    /// The `x-total-count` response header.
    Header,
    /// A count property of the body (`totalCount`, `total_count`).
    Body,
    /// Nowhere: the end is the first empty page (or the absent next token).
    None,
}

/// The paging facts of one listing operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Paging {
    /// How the position is sent.
    pub kind: PageKind,
    /// Where the total comes from.
    pub total: TotalSource,
    /// The most items one page may hold; the server refuses larger pages.
    pub max_page_size: u32,
    /// The sort key added when the caller chose none, so that `skip` walks a
    /// stable order (`None` where the operation does not sort).
    pub stable_sort: Option<&'static str>,
}

/// Where a page starts.
#[derive(Clone, Debug, PartialEq)]
pub enum Position {
    /// The first page of a token- or cursor-paged collection.
    Start,
    /// This many items in (`skip`).
    Offset(u64),
    /// A token from the previous answer.
    Token(String),
    /// A cursor from the previous answer (JSON values, as sent back).
    Cursor(Vec<serde_json::Value>),
}

/// The page to ask for: where it starts and how many items it may hold.
#[derive(Clone, Debug, PartialEq)]
pub struct PageRequest {
    /// Where the page starts.
    pub position: Position,
    /// How many items to ask for (never above the operation's maximum).
    pub size: u32,
}

impl PageRequest {
    /// The offset, for the offset kinds (0 for any other position).
    pub fn offset(&self) -> u64 {
        match self.position {
            Position::Offset(skip) => skip,
            _ => 0,
        }
    }
}

/// The position and page size a caller set on a builder before paging it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requested {
    /// The caller's `skip`, if set.
    pub skip: Option<u64>,
    /// The caller's `limit` (or the token kinds' page size), if set.
    pub limit: Option<u64>,
}

/// One page taken apart.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    /// The items, in the server's order.
    pub items: Vec<T>,
    /// The size of the whole collection, when the answer says it.
    pub total: Option<u64>,
    /// Where the next page starts, for the token and cursor kinds; `None`
    /// when the answer says there is no next page (and always for the offset
    /// kinds, whose next position the caller computes).
    pub next: Option<Position>,
}

/// The `x-total-count` header, when present and a number.
pub fn header_total(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("x-total-count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// A count as a body carries it (integer or floating point, maybe absent).
pub trait Count {
    /// The count, if present and not negative.
    fn count(&self) -> Option<u64>;
}

macro_rules! signed_count {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(&self) -> Option<u64> {
                u64::try_from(*self).ok()
            }
        }
    )*};
}
signed_count!(i32, i64, u32, u64);

impl Count for f64 {
    fn count(&self) -> Option<u64> {
        // Counts sent as JSON floating-point numbers; fractions are not counts.
        (self.is_finite() && *self >= 0.0 && self.fract() == 0.0 && *self < 2f64.powi(53))
            .then_some(*self as u64)
    }
}

impl<C: Count> Count for Option<C> {
    fn count(&self) -> Option<u64> {
        self.as_ref().and_then(Count::count)
    }
}

/// The item list of a body property, whether generated as a list or an
/// optional list.
pub trait Items<T> {
    /// The items (empty when absent).
    fn into_items(self) -> Vec<T>;
}

impl<T> Items<T> for Vec<T> {
    fn into_items(self) -> Vec<T> {
        self
    }
}

impl<T> Items<T> for Option<Vec<T>> {
    fn into_items(self) -> Vec<T> {
        self.unwrap_or_default()
    }
}

/// A count a builder holds (integer or string parameter) as `u64`.
pub trait RequestedCount {
    /// The value, if set and a non-negative integer.
    fn requested(&self) -> Option<u64>;
}

impl<T: RequestedCount> RequestedCount for Option<T> {
    fn requested(&self) -> Option<u64> {
        self.as_ref().and_then(RequestedCount::requested)
    }
}

impl<T: RequestedCount, E> RequestedCount for Result<T, E> {
    fn requested(&self) -> Option<u64> {
        self.as_ref().ok().and_then(RequestedCount::requested)
    }
}

impl RequestedCount for i64 {
    fn requested(&self) -> Option<u64> {
        u64::try_from(*self).ok()
    }
}

impl RequestedCount for String {
    fn requested(&self) -> Option<u64> {
        self.trim().parse().ok()
    }
}

/// Where an untyped answer's count may be, in the order looked at.
const TOTAL_MEMBERS: [&str; 3] = ["totalCount", "total_count", "total"];
/// Where an untyped answer's items may be, in the order looked at.
const ITEM_MEMBERS: [&str; 4] = ["results", "records", "data", "items"];

/// A page of an untyped answer: a bare array, or an object holding the items
/// in `results`, `records`, `data` or `items` and maybe a count.
/// `header` is the `x-total-count` header's total, used when the body has
/// no count.
pub fn json_page(header: Option<u64>, body: serde_json::Value) -> Page<serde_json::Value> {
    use serde_json::Value;
    match body {
        Value::Array(items) => Page {
            items,
            total: header,
            next: None,
        },
        Value::Object(mut map) => {
            let total = TOTAL_MEMBERS
                .iter()
                .find_map(|k| map.get(*k).and_then(Value::as_u64))
                .or(header);
            let items = ITEM_MEMBERS
                .iter()
                .find_map(|k| match map.remove(*k) {
                    Some(Value::Array(items)) => Some(items),
                    _ => None,
                })
                .unwrap_or_default();
            Page {
                items,
                total,
                next: None,
            }
        }
        _ => Page {
            items: Vec::new(),
            total: header,
            next: None,
        },
    }
}

/// [`json_page`] on an answer kept as JSON text: the same members read by
/// the same rules, each item left as its own text (checked, not decoded),
/// so a reader decodes each item once, into its type.
pub fn json_text_page(
    header: Option<u64>,
    body: &serde_json::value::RawValue,
) -> Page<Box<serde_json::value::RawValue>> {
    use serde_json::value::RawValue;
    let text = body.get();
    let (items, total) = match text.trim_start().as_bytes().first() {
        Some(b'[') => (serde_json::from_str(text).unwrap_or_default(), header),
        Some(b'{') => {
            let members: std::collections::BTreeMap<String, &RawValue> =
                serde_json::from_str(text).unwrap_or_default();
            let total = TOTAL_MEMBERS
                .iter()
                .find_map(|k| members.get(*k).and_then(|v| v.get().parse::<u64>().ok()))
                .or(header);
            let items = ITEM_MEMBERS
                .iter()
                .find_map(|k| {
                    members
                        .get(*k)
                        .and_then(|v| serde_json::from_str::<Vec<Box<RawValue>>>(v.get()).ok())
                })
                .unwrap_or_default();
            (items, total)
        }
        _ => (Vec::new(), header),
    };
    Page {
        items,
        total,
        next: None,
    }
}

/// The next position of a cursor-paged answer (Directory Insights): the
/// `X-Search_after` header, unless the page came back smaller than asked
/// (`X-Result-Count` below `X-Limit`), which means it was the last.
pub fn header_cursor(headers: &HeaderMap, items: usize) -> Option<Position> {
    let number = |name: &str| -> Option<u64> {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
    };
    let count = number("x-result-count").unwrap_or(items as u64);
    if count == 0 {
        return None;
    }
    if let Some(limit) = number("x-limit")
        && count < limit
    {
        return None;
    }
    let raw = headers.get("x-search_after")?.to_str().ok()?;
    match serde_json::from_str::<serde_json::Value>(raw).ok()? {
        serde_json::Value::Array(cursor) if !cursor.is_empty() => Some(Position::Cursor(cursor)),
        _ => None,
    }
}

/// The next position of a token-paged answer: the token, unless absent or
/// empty (the last page).
pub fn token(next: Option<String>) -> Option<Position> {
    next.filter(|t| !t.trim().is_empty()).map(Position::Token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use serde_json::json;

    #[test]
    #[allow(clippy::unwrap_used)]
    fn the_text_page_reads_as_the_value_page_does() {
        for (body, header) in [
            (json!([{"id": 1}, {"id": 2}]), Some(7)),
            (json!({"results": [{"id": 1}], "totalCount": 9}), None),
            (json!({"records": [{"id": 1}], "total": 3}), Some(4)),
            (json!({"data": "not a list", "items": [{"id": 2}]}), Some(5)),
            (json!({"nothing": true}), Some(2)),
            (json!("neither"), None),
        ] {
            let text = serde_json::value::RawValue::from_string(body.to_string()).unwrap();
            let from_text = json_text_page(header, &text);
            let from_value = json_page(header, body.clone());
            let items: Vec<serde_json::Value> = from_text
                .items
                .iter()
                .map(|item| serde_json::from_str(item.get()).unwrap())
                .collect();
            assert_eq!(items, from_value.items, "{body}");
            assert_eq!(from_text.total, from_value.total, "{body}");
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                *k,
                HeaderValue::from_str(v).unwrap_or_else(|e| panic!("{e}")),
            );
        }
        h
    }

    #[test]
    fn totals_from_header_and_counts() {
        assert_eq!(
            header_total(&headers(&[("x-total-count", "250")])),
            Some(250)
        );
        assert_eq!(header_total(&headers(&[("x-total-count", "many")])), None);
        assert_eq!(header_total(&HeaderMap::new()), None);
        assert_eq!(Some(12.0f64).count(), Some(12));
        assert_eq!(Some(1.5f64).count(), None);
        assert_eq!((-1i64).count(), None);
        assert_eq!(None::<i32>.count(), None);
    }

    #[test]
    fn requested_counts_read_strings_and_integers() {
        let ok: Result<Option<String>, String> = Ok(Some(" 40 ".into()));
        assert_eq!(ok.requested(), Some(40));
        let bad: Result<Option<i64>, String> = Err("conversion failed".into());
        assert_eq!(bad.requested(), None);
        assert_eq!(Some(-3i64).requested(), None);
    }

    #[test]
    fn untyped_pages() {
        let p = json_page(Some(9), json!([1, 2]));
        assert_eq!((p.items.len(), p.total), (2, Some(9)));
        let p = json_page(Some(9), json!({"results": [1], "totalCount": 4}));
        assert_eq!((p.items.len(), p.total), (1, Some(4)));
        let p = json_page(None, json!({"records": [1, 2, 3]}));
        assert_eq!((p.items.len(), p.total), (3, None));
        let p = json_page(None, json!("odd"));
        assert!(p.items.is_empty());
    }

    #[test]
    fn cursor_ends_on_a_short_page() {
        let full = headers(&[
            ("x-result-count", "2"),
            ("x-limit", "2"),
            ("x-search_after", r#"[1700000000000, "abc"]"#),
        ]);
        assert_eq!(
            header_cursor(&full, 2),
            Some(Position::Cursor(vec![
                json!(1700000000000u64),
                json!("abc")
            ]))
        );
        let short = headers(&[
            ("x-result-count", "1"),
            ("x-limit", "2"),
            ("x-search_after", "[1]"),
        ]);
        assert_eq!(header_cursor(&short, 1), None);
        let broken = headers(&[("x-search_after", "not json")]);
        assert_eq!(header_cursor(&broken, 3), None);
        assert_eq!(token(Some(String::new())), None);
        assert_eq!(token(Some("t".into())), Some(Position::Token("t".into())));
    }
}
