//! v2 graph routes: `/{kind}/{id}/associations` (GET with `targets`, POST operations),
//! group `/members` (GET, POST) and `/membership`, `/memberof`, and the traversal listings
//! (`/users/{id}/systems`, …), registered from [`TRAVERSALS`], the table of the v2 document's
//! traversal routes. Lists are bare arrays with `x-total-count`, `limit` ≤ 100 and `skip`.

use std::future::ready;

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::{AppState, Scoped, check_id, json_object};
use crate::fake::error::{ApiError, ApiResult, ErrorStyle};
use crate::fake::graph::{Attributes, GraphKind, GraphNode, Hop, merge_attributes};
use crate::fake::links::{self, Link, LinkOp};
use crate::fake::listing::{Dialect, ListQuery, compare_by, query_pairs};
use crate::fake::state::{Org as OrgData, lock};

/// The v2 document's traversal routes, `(source segment, target segment)`: every GET
/// `/{source}/{id}/{target}` answering `GraphObjectWithPaths` (`/memberof` and
/// `/membership` aside). A test checks this table against `openapi/jumpcloud-v2.json`.
pub(crate) const TRAVERSALS: [(&str, &str); 48] = [
    ("activedirectories", "usergroups"),
    ("activedirectories", "users"),
    ("applications", "usergroups"),
    ("applications", "users"),
    ("commands", "systemgroups"),
    ("commands", "systems"),
    ("gsuites", "usergroups"),
    ("gsuites", "users"),
    ("ldapservers", "usergroups"),
    ("ldapservers", "users"),
    ("office365s", "usergroups"),
    ("office365s", "users"),
    ("policies", "systemgroups"),
    ("policies", "systems"),
    ("policygroups", "systemgroups"),
    ("policygroups", "systems"),
    ("radiusservers", "usergroups"),
    ("radiusservers", "users"),
    ("softwareapps", "systemgroups"),
    ("softwareapps", "systems"),
    ("systemgroups", "commands"),
    ("systemgroups", "policies"),
    ("systemgroups", "policygroups"),
    ("systemgroups", "usergroups"),
    ("systemgroups", "users"),
    ("systems", "commands"),
    ("systems", "policies"),
    ("systems", "policygroups"),
    ("systems", "usergroups"),
    ("systems", "users"),
    ("usergroups", "activedirectories"),
    ("usergroups", "applications"),
    ("usergroups", "directories"),
    ("usergroups", "gsuites"),
    ("usergroups", "ldapservers"),
    ("usergroups", "office365s"),
    ("usergroups", "radiusservers"),
    ("usergroups", "systemgroups"),
    ("usergroups", "systems"),
    ("users", "activedirectories"),
    ("users", "applications"),
    ("users", "directories"),
    ("users", "gsuites"),
    ("users", "ldapservers"),
    ("users", "office365s"),
    ("users", "radiusservers"),
    ("users", "systemgroups"),
    ("users", "systems"),
];

/// Properties of a command copied onto its traversal entries (`commandsGraphObjectWithPaths`).
const COMMAND_FIELDS: [&str; 9] = [
    "name",
    "command",
    "commandType",
    "launchType",
    "schedule",
    "scheduleRepeatType",
    "organization",
    "timeout",
    "timeToLiveSeconds",
];

/// The kind a path segment names.
fn kind_of(segment: &str) -> Option<GraphKind> {
    GraphKind::ALL
        .into_iter()
        .find(|k| k.segment() == Some(segment))
}

/// The kinds a traversal's target segment reaches (`directories` is four of them).
fn target_kinds(segment: &str) -> Vec<GraphKind> {
    if segment == "directories" {
        return vec![
            GraphKind::ActiveDirectory,
            GraphKind::GSuite,
            GraphKind::LdapServer,
            GraphKind::Office365,
        ];
    }
    kind_of(segment).into_iter().collect()
}

pub(super) fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for kind in GraphKind::ALL {
        let Some(seg) = kind.segment() else { continue };
        if kind.association_targets().is_empty() {
            continue;
        }
        r = r.route(
            &format!("/api/v2/{seg}/{{id}}/associations"),
            get_by_id(move |req: &Scoped, id: &str| list_associations(req, kind, id))
                .merge(post_change(kind, false)),
        );
        if kind.member_kind().is_some() {
            r = r
                .route(
                    &format!("/api/v2/{seg}/{{id}}/members"),
                    get_by_id(move |req: &Scoped, id: &str| list_members(req, kind, id))
                        .merge(post_change(kind, true)),
                )
                .route(
                    &format!("/api/v2/{seg}/{{id}}/membership"),
                    get_by_id(move |req: &Scoped, id: &str| list_groups(req, kind, id, false)),
                );
        }
        if kind.group_kind().is_some() {
            r = r.route(
                &format!("/api/v2/{seg}/{{id}}/memberof"),
                get_by_id(move |req: &Scoped, id: &str| list_groups(req, kind, id, true)),
            );
        }
    }
    for (source, target) in TRAVERSALS {
        let Some(kind) = kind_of(source) else {
            continue;
        };
        let targets = target_kinds(target);
        r = r.route(
            &format!("/api/v2/{source}/{{id}}/{target}"),
            get_by_id(move |req: &Scoped, id: &str| traverse(req, kind, id, &targets)),
        );
    }
    r
}

/// A GET of one object's links (path parameter `id`), answered by `list` with v2 errors.
fn get_by_id<F>(list: F) -> MethodRouter<AppState>
where
    F: Fn(&Scoped, &str) -> ApiResult<Response> + Clone + Send + Sync + 'static,
{
    get(move |req: Scoped, Path(id): Path<String>| ready(list(&req, &id).map_err(v2)))
}

/// A POST of a link change to one object of `kind` (its members when `members`).
fn post_change(kind: GraphKind, members: bool) -> MethodRouter<AppState> {
    post(move |req: Scoped, Path(id): Path<String>, body: Bytes| {
        ready(change(&req, kind, &id, &body, members).map_err(v2))
    })
}

fn v2(e: ApiError) -> ApiError {
    e.style(ErrorStyle::MessageCode)
}

/// A page of a bare-array list with its total in `x-total-count`.
fn page(total: usize, items: Vec<Value>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", total.into());
    (headers, Json(items)).into_response()
}

/// Check the path id and that the object exists.
fn source(org: &OrgData, kind: GraphKind, id: &str) -> ApiResult<GraphNode> {
    check_id(id)?;
    let node = GraphNode::new(kind, id.to_ascii_lowercase());
    if org.has_node(&node) {
        Ok(node)
    } else {
        Err(ApiError::not_found(format!("{} not found", kind)))
    }
}

/// A `GraphConnection`: the link's attributes on the connection and on `to`.
fn connection(hop: &Hop) -> Value {
    let mut to = hop.to.to_json();
    let mut c = Map::new();
    if !hop.attributes.is_empty() {
        let a = Value::Object(hop.attributes.clone());
        to["attributes"] = a.clone();
        c.insert("attributes".into(), a);
    }
    c.insert("to".into(), to);
    Value::Object(c)
}

/// Parse paging (`limit` ≤ 100, `skip`), `filter` and `sort`.
fn query(raw: Option<&str>) -> ApiResult<(ListQuery, Vec<(String, String)>)> {
    let pairs = query_pairs(raw)?;
    Ok((ListQuery::parse(&pairs, Dialect::V2)?, pairs))
}

/// The page `q` asks for of one object's direct links, as connections, with their total.
fn links_page(q: &ListQuery, all: &[(&GraphNode, &Attributes)]) -> Response {
    let items = all
        .iter()
        .skip(q.skip)
        .take(q.limit)
        .map(|(to, attributes)| {
            connection(&Hop {
                to: (*to).clone(),
                attributes: (*attributes).clone(),
            })
        })
        .collect();
    page(all.len(), items)
}

fn list_associations(req: &Scoped, kind: GraphKind, id: &str) -> ApiResult<Response> {
    let (q, pairs) = query(req.query.as_deref())?;
    let mut targets = Vec::new();
    for (_, v) in pairs.iter().filter(|(k, _)| k == "targets") {
        for name in v.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let t = GraphKind::parse(name)
                .filter(|t| kind.association_targets().contains(t))
                .ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "targets: {name:?} is not a valid target for {kind}"
                    ))
                })?;
            targets.push(t);
        }
    }
    if targets.is_empty() {
        return Err(ApiError::bad_request("targets is required"));
    }
    req.read(|org| {
        let node = source(org, kind, id)?;
        Ok(links_page(&q, &org.graph.associations(&node, &targets)))
    })?
}

fn list_members(req: &Scoped, kind: GraphKind, id: &str) -> ApiResult<Response> {
    let (q, _) = query(req.query.as_deref())?;
    req.read(|org| {
        let node = source(org, kind, id)?;
        Ok(links_page(&q, &org.graph.members(&node)))
    })?
}

/// POST of `{op, type, id, attributes}` to `/associations` (or `/members` when `members`).
fn change(
    req: &Scoped,
    kind: GraphKind,
    id: &str,
    body: &[u8],
    members: bool,
) -> ApiResult<StatusCode> {
    check_id(id)?;
    let body = json_object(body)?;
    let text = |key: &str| -> ApiResult<&str> {
        body.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::bad_request(format!("{key} is required (a string)")))
    };
    let op = LinkOp::parse(text("op")?)
        .ok_or_else(|| ApiError::bad_request("op must be add, remove or update"))?;
    let type_name = text("type")?;
    let target_kind = GraphKind::parse(type_name)
        .ok_or_else(|| ApiError::bad_request(format!("unknown type {type_name:?}")))?;
    let allowed = if members {
        kind.member_kind() == Some(target_kind)
    } else {
        kind.association_targets().contains(&target_kind)
    };
    if !allowed {
        return Err(ApiError::bad_request(format!(
            "type {type_name:?} is not valid here for {kind}"
        )));
    }
    let target_id = text("id")?;
    check_id(target_id)?;
    let attributes = links::attributes(body.get("attributes"))?;
    let mut data = lock(&req.state.data);
    let org = data
        .org_mut(&req.org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let node = GraphNode::new(kind, id.to_ascii_lowercase());
    let target = GraphNode::new(target_kind, target_id.to_ascii_lowercase());
    let link = if members {
        Link::Membership
    } else {
        Link::Association
    };
    links::change(org, link, &node, op, &target, attributes)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Fields `/memberof` and `/membership` filter on; anything else is a 400.
const GROUP_FILTER_FIELDS: [&str; 2] = ["object_id", "type"];

/// `/memberof` (a member's groups, `up`) or `/membership` (a group's members), with paths.
fn list_groups(req: &Scoped, kind: GraphKind, id: &str, up: bool) -> ApiResult<Response> {
    let (q, _) = query(req.query.as_deref())?;
    if let Some(f) = q
        .filters
        .iter()
        .find(|f| !GROUP_FILTER_FIELDS.contains(&f.field().as_str()))
    {
        return Err(ApiError::bad_request(format!(
            "cannot filter on {:?} here (only object_id and type)",
            f.field()
        )));
    }
    let data = lock(&req.state.data);
    let org = data
        .org(&req.org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let node = source(org, kind, id)?;
    let linked: Vec<(GraphNode, Attributes)> = if up {
        org.graph
            .groups_of(&node)
            .into_iter()
            .map(|g| {
                let a = org
                    .graph
                    .members(g)
                    .into_iter()
                    .find(|(m, _)| **m == node)
                    .map(|(_, a)| a.clone())
                    .unwrap_or_default();
                (g.clone(), a)
            })
            .collect()
    } else {
        org.graph
            .members(&node)
            .into_iter()
            .map(|(m, a)| (m.clone(), a.clone()))
            .collect()
    };
    let mut hits: Vec<(Value, Value)> = linked
        .into_iter()
        .map(|(n, attributes)| {
            let view = json!({ "id": n.id, "object_id": n.id, "type": n.kind.as_str() });
            let hop = Hop { to: n, attributes };
            let mut item = hop.to.to_json();
            item["paths"] = json!([[connection(&hop)]]);
            if !hop.attributes.is_empty() {
                item["compiledAttributes"] = Value::Object(hop.attributes);
            }
            (view, item)
        })
        .filter(|(view, _)| q.filters.iter().all(|f| f.matches(view)))
        .collect();
    if !q.sort.is_empty() {
        hits.sort_by(|a, b| compare_by(&a.0, &b.0, &q.sort));
    }
    let total = hits.len();
    let items = hits
        .into_iter()
        .skip(q.skip)
        .take(q.limit)
        .map(|(_, item)| item)
        .collect();
    Ok(page(total, items))
}

/// The compiled attributes of all paths: every link's attributes, plus the attributes set
/// on the user groups passed through (group-wide sudo, LDAP/POSIX groups, …).
fn compile(org: &OrgData, paths: &[Vec<Hop>]) -> Attributes {
    let mut out = Attributes::new();
    for hop in paths.iter().flatten() {
        merge_attributes(&mut out, &hop.attributes);
        if hop.to.kind == GraphKind::UserGroup
            && let Some(Value::Object(a)) =
                org.node_object(&hop.to).and_then(|g| g.get("attributes"))
        {
            merge_attributes(&mut out, a);
        }
    }
    out
}

fn traverse(req: &Scoped, kind: GraphKind, id: &str, targets: &[GraphKind]) -> ApiResult<Response> {
    let (q, _) = query(req.query.as_deref())?;
    let data = lock(&req.state.data);
    let org = data
        .org(&req.org)
        .map_err(|e| ApiError::not_found(e.to_string()))?;
    let node = source(org, kind, id)?;
    let reached = org.graph.traverse(&node, targets);
    let hits: Vec<(&GraphNode, &Vec<Vec<Hop>>)> = reached
        .iter()
        .filter(|(n, _)| {
            q.filters.is_empty() || {
                let mut view = org.node_object(n).cloned().unwrap_or_else(|| json!({}));
                view["id"] = json!(n.id);
                view["type"] = json!(n.kind.as_str());
                q.filters.iter().all(|f| f.matches(&view))
            }
        })
        .collect();
    let items = hits
        .iter()
        .skip(q.skip)
        .take(q.limit)
        .map(|(n, paths)| {
            let mut item = n.to_json();
            if n.kind == GraphKind::Command
                && let Some(Value::Object(cmd)) = org.node_object(n)
            {
                for key in COMMAND_FIELDS {
                    if let Some(v) = cmd.get(key) {
                        item[key] = v.clone();
                    }
                }
            }
            item["paths"] = Value::Array(
                paths
                    .iter()
                    .map(|p| Value::Array(p.iter().map(connection).collect()))
                    .collect(),
            );
            let compiled = compile(org, paths);
            if !compiled.is_empty() {
                item["compiledAttributes"] = Value::Object(compiled);
            }
            item
        })
        .collect();
    Ok(page(hits.len(), items))
}
