//! v1 `POST /api/search/{systemusers,systems,commands,commandresults,organizations}`: a body
//! of `{filter: {and|or: [...]}, searchFilter: {searchTerm, fields}, fields, sort, limit,
//! skip}` answered with `{results, totalCount}`; `limit` above 100 is a 400.
//! `search/organizations` lists the caller's organisations and refuses `x-org-id`.
//! `limit` and `skip` are also read from the query string when the body has none: JumpCloud's
//! two published specs disagree on where they go (body or query), and the SDK sends both.

use axum::extract::{RawQuery, State};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::{AppState, Org, Reach, json_object, string_array};
use crate::fake::error::{ApiError, ApiResult};
use crate::fake::listing::{
    DEFAULT_LIMIT, ListQuery, MAX_LIMIT, SearchFilter, check_limit, parse_count, query_pairs,
    sort_keys,
};
use crate::fake::state::{Collection, lock};

/// `(path, collection, fields a searchTerm looks in when the body names none)`.
const SEARCHES: [(&str, Collection, &[&str]); 4] = [
    (
        "/api/search/systemusers",
        Collection::Users,
        &["username", "email", "firstname", "lastname"],
    ),
    (
        "/api/search/systems",
        Collection::Systems,
        &["hostname", "displayName", "serialNumber"],
    ),
    (
        "/api/search/commands",
        Collection::Commands,
        &["name", "command"],
    ),
    (
        "/api/search/commandresults",
        Collection::CommandResults,
        &["name", "command", "system"],
    ),
];

pub(super) fn routes() -> Router<AppState> {
    let mut r = Router::new().route("/api/search/organizations", post(organizations));
    for (path, c, fields) in SEARCHES {
        r = r.route(
            path,
            post(
                move |State(s): State<AppState>,
                      Org(org): Org,
                      RawQuery(query): RawQuery,
                      body: Bytes| async move {
                    let search = Search::parse(&body, query.as_deref(), fields)?;
                    let data = lock(&s.data);
                    let org = data
                        .org(&org)
                        .map_err(|e| ApiError::not_found(e.to_string()))?;
                    Ok::<_, ApiError>(search.run(org.objects(c).values(), c.id_key()))
                },
            ),
        );
    }
    r
}

/// `POST /search/organizations`: the organisations the credential reaches.
async fn organizations(
    State(s): State<AppState>,
    Reach(reach): Reach,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let search = Search::parse(&body, query.as_deref(), &["displayName"])?;
    let data = lock(&s.data);
    let all: Vec<Value> = data
        .orgs
        .values()
        .filter(|o| reach.contains(&o.id))
        .map(|o| json!({ "_id": o.id, "displayName": o.name, "logoUrl": "" }))
        .collect();
    Ok(search.run(all.iter(), "_id"))
}

/// A parsed search body.
struct Search {
    query: ListQuery,
    filter: Option<SearchFilter>,
    term: Option<(String, Vec<String>)>,
}

impl Search {
    /// `raw` is the body; `query` the query string, whose `limit` and `skip` count where the
    /// body has none.
    fn parse(raw: &[u8], query: Option<&str>, default_fields: &[&str]) -> ApiResult<Self> {
        let body = if raw.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            json_object(raw)?
        };
        let pairs = query_pairs(query)?;
        let count = |key: &str, default: usize| -> ApiResult<usize> {
            match body.get(key) {
                None | Some(Value::Null) => match pairs.iter().rev().find(|(k, _)| k == key) {
                    Some((_, v)) => parse_count(key, v),
                    None => Ok(default),
                },
                Some(v) => v
                    .as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| {
                        ApiError::bad_request(format!("{key} must be a non-negative integer"))
                    }),
            }
        };
        let text = |key: &str| -> ApiResult<Vec<String>> {
            match body.get(key) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::String(s)) => Ok(s.split_whitespace().map(str::to_owned).collect()),
                Some(_) => Err(ApiError::bad_request(format!("{key} must be a string"))),
            }
        };
        let fields = text("fields")?;
        let query = ListQuery {
            limit: check_limit(count("limit", DEFAULT_LIMIT)?, MAX_LIMIT)?,
            skip: count("skip", 0)?,
            sort: sort_keys(&text("sort")?),
            fields: (!fields.is_empty()).then_some(fields),
            filters: Vec::new(),
        };
        let filter = body
            .get("filter")
            .filter(|v| !v.is_null())
            .map(SearchFilter::parse)
            .transpose()?;
        let term = search_term(body.get("searchFilter"), default_fields)?;
        Ok(Self {
            query,
            filter,
            term,
        })
    }

    fn matches(&self, obj: &Value) -> bool {
        self.filter.as_ref().is_none_or(|f| f.matches(obj))
            && self.term.as_ref().is_none_or(|(term, fields)| {
                fields.iter().any(|f| {
                    obj.get(f)
                        .and_then(Value::as_str)
                        .is_some_and(|v| v.to_lowercase().contains(term))
                })
            })
    }

    fn run<'a>(&self, items: impl Iterator<Item = &'a Value>, id_key: &str) -> Json<Value> {
        let page = self.query.run(items.filter(|o| self.matches(o)), id_key);
        Json(json!({ "totalCount": page.total, "results": page.items }))
    }
}

/// The lower-cased term and field list of a `searchFilter`, if it has a term.
fn search_term(
    v: Option<&Value>,
    default_fields: &[&str],
) -> ApiResult<Option<(String, Vec<String>)>> {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let Value::Object(map) = v else {
        return Err(ApiError::bad_request("searchFilter must be an object"));
    };
    let term = match map.get("searchTerm") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.to_lowercase(),
        Some(_) => return Err(ApiError::bad_request("searchTerm must be a string")),
    };
    let fields = string_array(map.get("fields"), "searchFilter.fields")?
        .unwrap_or_else(|| default_fields.iter().map(|f| (*f).to_owned()).collect());
    Ok(Some((term, fields)))
}
