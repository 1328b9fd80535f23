//! Read routes of the directory resources other than users, systems and groups, so their
//! names can be listed next to the graph: v1 `applications`, `commands`, `commandresults`,
//! `radiusservers` (`{results, totalCount}`), v1 `commands/{id}/results` (a bare array with no
//! total, as live), and v2 `ldapservers`, `policies`, `policygroups`, `activedirectories`,
//! `softwareapps` (bare arrays with `x-total-count`), plus each one's GET by id, and v2
//! `directories`: the LDAP servers, Active Directories, Google Workspaces and Microsoft 365s
//! together as `{id, name, type}`.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::{AppState, Org, Scoped, check_id};
use crate::fake::error::{ApiError, ApiResult, ErrorStyle};
use crate::fake::listing::{Dialect, ListQuery, query_pairs};
use crate::fake::state::{Collection, lock};

/// `(path, collection, has a list route)` of the v1 resources.
const V1: [(&str, Collection, bool); 4] = [
    ("/api/applications", Collection::Applications, true),
    ("/api/commands", Collection::Commands, true),
    ("/api/commandresults", Collection::CommandResults, true),
    ("/api/radiusservers", Collection::RadiusServers, true),
];

/// `(path, collection, has a list route)` of the v2 resources.
const V2: [(&str, Collection, bool); 8] = [
    ("/api/v2/ldapservers", Collection::LdapServers, true),
    ("/api/v2/policies", Collection::Policies, true),
    ("/api/v2/policygroups", Collection::PolicyGroups, true),
    (
        "/api/v2/activedirectories",
        Collection::ActiveDirectories,
        true,
    ),
    ("/api/v2/softwareapps", Collection::SoftwareApps, true),
    ("/api/v2/gsuites", Collection::GSuites, false),
    ("/api/v2/office365s", Collection::Office365s, false),
    ("/api/v2/applications", Collection::Applications, false),
];

pub(super) fn routes() -> Router<AppState> {
    let mut r = Router::new()
        .route("/api/commands/{id}/results", get(command_results))
        .route("/api/v2/directories", get(directories));
    let v1 = V1.into_iter().map(|(p, c, l)| (p, c, l, Dialect::V1));
    let v2 = V2.into_iter().map(|(p, c, l)| (p, c, l, Dialect::V2));
    for (path, c, listed, dialect) in v1.chain(v2) {
        if listed {
            r = r.route(
                path,
                get(move |req: Scoped| async move {
                    list(&req.state, &req.org, c, dialect, req.query.as_deref())
                        .map_err(|e| style(e, dialect))
                }),
            );
        }
        if path == "/api/v2/applications" {
            continue;
        }
        r = r.route(
            &format!("{path}/{{id}}"),
            get(
                move |State(s): State<AppState>, Org(org): Org, Path(id): Path<String>| async move {
                    fetch(&s, &org, c, &id).map_err(|e| style(e, dialect))
                },
            ),
        );
    }
    r
}

fn style(e: ApiError, dialect: Dialect) -> ApiError {
    match dialect {
        Dialect::V1 => e,
        _ => e.style(ErrorStyle::MessageCode),
    }
}

fn list(
    s: &AppState,
    org: &str,
    c: Collection,
    dialect: Dialect,
    raw: Option<&str>,
) -> ApiResult<Response> {
    let q = ListQuery::parse(&query_pairs(raw)?, dialect)?;
    let data = lock(&s.data);
    let org = data
        .org(org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let page = q.run(org.objects(c).values(), c.id_key());
    Ok(match dialect {
        Dialect::V1 => {
            Json(json!({ "totalCount": page.total, "results": page.items })).into_response()
        }
        _ => {
            let mut headers = HeaderMap::new();
            headers.insert("x-total-count", page.total.into());
            (headers, Json(page.items)).into_response()
        }
    })
}

/// The collections `GET /directories` lists, with the `type` each is listed as.
const DIRECTORIES: [(Collection, &str); 4] = [
    (Collection::ActiveDirectories, "active_directory"),
    (Collection::GSuites, "g_suite"),
    (Collection::LdapServers, "ldap_server"),
    (Collection::Office365s, "office_365"),
];

/// `GET /directories`: every directory of the org as `{id, name, type}`, paged and
/// filtered like the other v2 listings.
async fn directories(req: Scoped) -> ApiResult<Response> {
    let style = |e: ApiError| e.style(ErrorStyle::MessageCode);
    let q = req.list_query(Dialect::V2).map_err(style)?;
    let data = lock(&req.state.data);
    let org = data
        .org(&req.org)
        .map_err(|e| style(ApiError::not_found(e.to_string())))?;
    let all: Vec<Value> = DIRECTORIES
        .iter()
        .flat_map(|&(c, kind)| {
            org.objects(c).iter().map(move |(id, o)| {
                let name = o.get("name").or_else(|| o.get("domain"));
                json!({ "id": id, "name": name.cloned().unwrap_or_default(), "type": kind })
            })
        })
        .collect();
    let page = q.run(all.iter(), "id");
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", page.total.into());
    Ok((headers, Json(page.items)).into_response())
}

fn fetch(s: &AppState, org: &str, c: Collection, id: &str) -> ApiResult<Json<Value>> {
    check_id(id)?;
    let data = lock(&s.data);
    data.org(org)
        .ok()
        .and_then(|o| o.objects(c).get(&id.to_ascii_lowercase()))
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("{c:?} object not found")))
}

/// `GET /commands/{id}/results`: the command's results (by `workflowId`), `limit`/`skip`
/// paged, as a bare array with no total.
async fn command_results(req: Scoped, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    check_id(&id)?;
    let q = req.list_query(Dialect::V1)?;
    let data = lock(&req.state.data);
    let org = data
        .org(&req.org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    if !org.objects(Collection::Commands).contains_key(&id) {
        return Err(ApiError::not_found("command not found"));
    }
    let mine = org
        .objects(Collection::CommandResults)
        .values()
        .filter(|r| r.get("workflowId").and_then(Value::as_str) == Some(id.as_str()));
    Ok(Json(Value::Array(q.run(mine, "_id").items)))
}
