//! The graph API against a local mock server: the generated dispatch picks
//! the right route for each pair, streams decode paths and attributes,
//! impossible relations never reach the wire, plans are exact, apply
//! reports every write, offboarding removes what it lists.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use futures::TryStreamExt;
use jumpcloud_ext::ErrorKind;
use jumpcloud_ext::JumpCloud;
use jumpcloud_ext::graph::{Attributes, Desired, Kind, LinkOp, NodeRef, Outcome, Relation};
use jumpcloud_ext::graph::{Graph, Plan};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn list(body: Value) -> ResponseTemplate {
    let n = body.as_array().map_or(0, Vec::len);
    ResponseTemplate::new(200)
        .insert_header("x-total-count", n.to_string().as_str())
        .set_body_json(body)
}

/// Any GET not mocked otherwise answers an empty list.
async fn empty_lists(server: &MockServer) {
    Mock::given(method("GET"))
        .respond_with(list(json!([])))
        .with_priority(10)
        .mount(server)
        .await;
}

/// A GET of `/api/v2/{route}` answers the listing `body`.
async fn listing(server: &MockServer, route: &str, body: Value) {
    let given = Mock::given(method("GET")).and(path(format!("/api/v2/{route}")));
    answer(server, given, list(body)).await;
}

/// A GET of u1's associations with `targets` answers the listing `body`.
async fn u1_associations(server: &MockServer, targets: &str, body: Value) {
    let given = Mock::given(method("GET"))
        .and(path("/api/v2/users/u1/associations"))
        .and(query_param("targets", targets));
    answer(server, given, list(body)).await;
}

/// Every POST to `/api/v2/{route}` answers `template`.
async fn posting(server: &MockServer, route: &str, template: ResponseTemplate) {
    let given = Mock::given(method("POST")).and(path(format!("/api/v2/{route}")));
    answer(server, given, template).await;
}

/// Every item of a stream the graph opened; any error fails the test.
async fn collected<S>(opened: Result<S, jumpcloud_ext::Error>) -> Vec<S::Ok>
where
    S: futures::TryStream<Error = jumpcloud_ext::Error>,
{
    opened.unwrap().try_collect().await.unwrap()
}

/// `jc`'s graph, leaving nodes unnamed (no name lookups on the wire).
fn unnamed(jc: &JumpCloud) -> Graph<'_> {
    jc.graph().names(false)
}

/// The plan to make g1's members exactly the users `wanted`, when the server
/// lists the users `current` as its members.
async fn plan_g1_members(
    server: &MockServer,
    g: &Graph<'_>,
    current: &[&str],
    wanted: &[&str],
) -> Plan {
    let members: Vec<Value> = current.iter().map(|id| user_member(id)).collect();
    listing(server, "usergroups/g1/members", Value::from(members)).await;
    let wanted = wanted.iter().map(|id| NodeRef::user(*id));
    g.plan_members(&NodeRef::user_group("g1"), wanted)
        .await
        .unwrap()
}

fn sudo(enabled: bool) -> Attributes {
    json!({"sudo": {"enabled": enabled, "withoutPassword": false}})
        .as_object()
        .unwrap()
        .clone()
}

/// A membership edge to the user `id`.
fn user_member(id: &str) -> Value {
    json!({"to": {"type": "user", "id": id}})
}

fn hop(from: (&str, &str), to: (&str, &str)) -> Value {
    json!({"from": {"type": from.0, "id": from.1}, "to": {"type": to.0, "id": to.1}})
}

/// The demo shape: u1 reaches s2 through two user groups, s1 directly with sudo.
fn user_systems() -> Value {
    json!([
        {"type": "system", "id": "s1", "paths": [[hop(("user", "u1"), ("system", "s1"))]],
         "compiledAttributes": {"sudo": {"enabled": true, "withoutPassword": false}}},
        {"type": "system", "id": "s2", "paths": [
            [hop(("user", "u1"), ("user_group", "g1")), hop(("user_group", "g1"), ("system", "s2"))],
            [hop(("user", "u1"), ("user_group", "g2")), hop(("user_group", "g2"), ("system", "s2"))]
        ]}
    ])
}

async fn posts(server: &MockServer) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() != "GET")
        .map(|r| {
            (
                format!("{} {}", r.method, r.url.path()),
                serde_json::from_slice(&r.body).unwrap_or(Value::Null),
            )
        })
        .collect();
    out.sort_by_key(|(p, b)| (p.clone(), b.to_string()));
    out
}

#[tokio::test]
async fn traversal_streams_paths_and_compiled_attributes() {
    let server = MockServer::start().await;
    listing(&server, "users/u1/systems", user_systems()).await;
    let jc = api_key_client(&server);
    let reached = collected(unnamed(&jc).reachable(&NodeRef::user("u1"), Kind::System)).await;
    assert_eq!(reached.len(), 2);
    assert!(reached[0].is_direct());
    assert_eq!(reached[0].compiled_attributes, sudo(true));
    let s2 = &reached[1];
    assert_eq!(s2.node, NodeRef::system("s2"));
    assert_eq!(s2.paths.len(), 2, "two groups reach s2");
    assert_eq!(
        s2.via(),
        vec![
            vec![&NodeRef::user_group("g1")],
            vec![&NodeRef::user_group("g2")]
        ]
    );
}

#[tokio::test]
async fn associations_ask_for_their_target_and_keep_attributes() {
    let server = MockServer::start().await;
    let links = json!([
        {"attributes": {"sudo": {"enabled": true, "withoutPassword": true}},
         "to": {"type": "system", "id": "s1"}},
        {"to": {"type": "system", "id": "s3", "attributes": {"x": 1}}}
    ]);
    u1_associations(&server, "system", links).await;
    let jc = api_key_client(&server);
    let links = collected(unnamed(&jc).associations(&NodeRef::user("u1"), Kind::System)).await;
    assert_eq!(links[0].node, NodeRef::system("s1"));
    assert_eq!(links[0].attributes["sudo"]["withoutPassword"], true);
    assert_eq!(links[1].attributes["x"], 1);
}

#[tokio::test]
async fn impossible_relations_are_refused_before_any_request() {
    let server = MockServer::start().await;
    empty_lists(&server).await;
    let jc = api_key_client(&server);
    let g = unnamed(&jc);
    let e = g.members(&NodeRef::user("u1")).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    assert_mentions(&e.to_string(), "no members");
    let e = g
        .associations(&NodeRef::system("s1"), Kind::System)
        .err()
        .unwrap();
    assert_mentions(&e.to_string(), "associations from system to system");
    let e = g
        .plan_members(&NodeRef::user_group("g1"), [NodeRef::system("s1")])
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidRequest);
    let e = g
        .plan_associations(&NodeRef::user("u1"), Kind::System, [NodeRef::user("u2")])
        .await
        .unwrap_err();
    assert_mentions(&e.to_string(), "user u2 is not a system");
    let e = g
        .associate(
            &NodeRef::user("u1"),
            &NodeRef::system("s1"),
            Some(json!({"colour": "red"}).as_object().unwrap().clone()),
        )
        .await
        .unwrap_err();
    assert_mentions(&e.to_string(), "colour");
    assert!(
        g.access_of(&NodeRef::password_manager_item("p1"))
            .await
            .is_err()
    );
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing reached the wire"
    );
}

#[tokio::test]
async fn access_of_fans_out_over_every_traversal_and_who_can_reach_lists_users() {
    let server = MockServer::start().await;
    let apps = json!([{"type": "application", "id": "a1", "paths": [
        [hop(("user", "u1"), ("user_group", "g1")), hop(("user_group", "g1"), ("application", "a1"))]]}]);
    let users = json!([{"type": "user", "id": "u1", "paths": [
        [hop(("system", "s2"), ("user_group", "g1")), hop(("user_group", "g1"), ("user", "u1"))]]}]);
    listing(&server, "users/u1/systems", user_systems()).await;
    listing(&server, "users/u1/applications", apps).await;
    listing(&server, "systems/s2/users", users).await;
    empty_lists(&server).await;
    let jc = api_key_client(&server);
    let access = unnamed(&jc)
        .concurrency(3)
        .access_of(&NodeRef::user("u1"))
        .await
        .unwrap();
    assert_eq!(access.len(), 3);
    assert_eq!(
        access.by_kind.keys().cloned().collect::<Vec<_>>(),
        [Kind::Application, Kind::System]
    );
    let text = access.to_string();
    for needle in ["via user_group g1", "direct", "\"sudo\""] {
        assert_mentions(&text, needle);
    }
    // One listing per traversal the document gives a user.
    let traversals: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(traversals.len(), 8, "{traversals:?}");
    let users = unnamed(&jc)
        .who_can_reach(&NodeRef::system("s2"))
        .await
        .unwrap();
    assert_eq!(users[0].node, NodeRef::user("u1"));
    assert_eq!(users[0].paths[0].len(), 2);
}

#[tokio::test]
async fn plan_then_apply_reports_each_write_and_a_failure_hides_nothing() {
    let server = MockServer::start().await;
    let links = json!([
        {"to": {"type": "system", "id": "keep"}},
        {"to": {"type": "system", "id": "drop"}},
        {"attributes": sudo(false), "to": {"type": "system", "id": "sudo"}}
    ]);
    u1_associations(&server, "system", links).await;
    // Adding "broken" fails; everything else succeeds.
    Mock::given(method("POST"))
        .and(path("/api/v2/users/u1/associations"))
        .and(wiremock::matchers::body_partial_json(
            json!({"id": "broken"}),
        ))
        .respond_with(json_reply(500, json!({"message": "boom"})))
        .with_priority(1)
        .mount(&server)
        .await;
    posting(&server, "users/u1/associations", ResponseTemplate::new(204)).await;
    let jc = api_key_client(&server);
    let g = unnamed(&jc);
    let desired = vec![
        Desired::from(NodeRef::system("keep")),
        Desired::with_attributes(NodeRef::system("sudo"), sudo(true)),
        Desired::with_attributes(NodeRef::system("new"), sudo(true)),
        Desired::from(NodeRef::system("broken")),
    ];
    let plan = g
        .plan_associations(&NodeRef::user("u1"), Kind::System, desired)
        .await
        .unwrap();
    assert_eq!(
        (
            plan.count(LinkOp::Add),
            plan.count(LinkOp::Remove),
            plan.count(LinkOp::Update)
        ),
        (2, 1, 1)
    );
    let text = plan.to_string();
    assert_mentions(&text, "- user u1 -[associations]-> system drop");
    assert_mentions(&text, "+ user u1 -[associations]-> system new {\"sudo\"");
    let report = g.apply(&plan).await;
    assert_eq!(report.results.len(), 4);
    assert_eq!(report.done(), 3);
    let failures: Vec<_> = report.failures().collect();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].0.change.target, NodeRef::system("broken"));
    assert_eq!(failures[0].1.status().map(|s| s.as_u16()), Some(500));
    assert!(report.to_string().contains("FAILED"));
    let sent = posts(&server).await;
    let bodies: Vec<&Value> = sent.iter().map(|(_, b)| b).collect();
    assert!(bodies.contains(&&json!({"op": "remove", "type": "system", "id": "drop"})));
    assert!(bodies.contains(
        &&json!({"op": "update", "type": "system", "id": "sudo", "attributes": sudo(true)})
    ));
    assert!(
        bodies.contains(
            &&json!({"op": "add", "type": "system", "id": "new", "attributes": sudo(true)})
        )
    );
    assert_eq!(sent.len(), 4, "a POST is not retried: {sent:?}");
}

#[tokio::test]
async fn members_plan_and_reapply_changes_nothing() {
    let server = MockServer::start().await;
    // The server already has u2: adding it again is a conflict.
    let conflict = json_reply(409, json!({"message": "already exists"}));
    posting(&server, "usergroups/g1/members", conflict).await;
    let jc = api_key_client(&server);
    let g = unnamed(&jc);
    let plan = plan_g1_members(&server, &g, &["u1"], &["u1", "u2"]).await;
    assert_eq!(plan.len(), 1);
    assert_eq!(plan.changes[0].relation, Relation::Members);
    let report = g.apply(&plan).await;
    assert!(report.is_success());
    assert!(matches!(report.results[0].outcome, Outcome::Unchanged));
    assert_eq!(report.done(), 0);
    let sent = posts(&server).await;
    assert_eq!(
        sent,
        [(
            "POST /api/v2/usergroups/g1/members".to_string(),
            json!({"op": "add", "type": "user", "id": "u2"})
        )]
    );
    // Already as wanted: nothing planned.
    let again = g
        .plan_members(&NodeRef::user_group("g1"), [NodeRef::user("u1")])
        .await
        .unwrap();
    assert_eq!(again.count(LinkOp::Remove), 0);
    assert_eq!(again.len(), 0);
}

async fn offboard_server() -> MockServer {
    let server = MockServer::start().await;
    let groups = json!([
        {"type": "user_group", "id": "g1", "paths": [[hop(("user", "u1"), ("user_group", "g1"))]]},
        {"type": "user_group", "id": "nested", "paths": [[
            hop(("user", "u1"), ("user_group", "g1")), hop(("user_group", "g1"), ("user_group", "nested"))]]}
    ]);
    let systems = json!([{"attributes": sudo(true), "to": {"type": "system", "id": "s1"}}]);
    listing(&server, "users/u1/memberof", groups).await;
    u1_associations(&server, "system", systems).await;
    let apps = json!([{"to": {"type": "application", "id": "a1"}}]);
    u1_associations(&server, "application", apps).await;
    empty_lists(&server).await;
    answer(
        &server,
        Mock::given(method("POST")),
        ResponseTemplate::new(204),
    )
    .await;
    let suspended = json_reply(200, json!({"_id": "u1", "suspended": true}));
    let put = Mock::given(method("PUT")).and(path("/api/systemusers/u1"));
    answer(&server, put, suspended).await;
    server
}

#[tokio::test]
async fn offboarding_dry_run_lists_and_writes_nothing() {
    let server = offboard_server().await;
    let jc = api_key_client(&server);
    let offboarding = unnamed(&jc).offboard(NodeRef::user("u1"));
    let report = offboarding.dry_run(true).suspend(true).run().await.unwrap();
    assert!(report.dry_run && report.applied.is_none() && report.suspended.is_none());
    assert_eq!(report.plan.len(), 3, "{}", report.plan);
    let text = report.to_string();
    assert_mentions(&text, "- user_group g1 -[members]-> user u1");
    assert!(
        !text.contains("nested"),
        "an inherited membership is not removed: {text}"
    );
    assert!(posts(&server).await.is_empty());
}

#[tokio::test]
async fn offboarding_removes_memberships_and_associations_then_suspends() {
    let server = offboard_server().await;
    let jc = api_key_client(&server);
    let offboarding = unnamed(&jc).offboard(NodeRef::user("u1"));
    let report = offboarding.suspend(true).run().await.unwrap();
    assert!(report.is_success(), "{report}");
    assert_eq!(
        posts(&server).await,
        [
            (
                "POST /api/v2/usergroups/g1/members".to_string(),
                json!({"op": "remove", "type": "user", "id": "u1"})
            ),
            (
                "POST /api/v2/users/u1/associations".to_string(),
                json!({"op": "remove", "type": "application", "id": "a1"})
            ),
            (
                "POST /api/v2/users/u1/associations".to_string(),
                json!({"op": "remove", "type": "system", "id": "s1"})
            ),
            (
                "PUT /api/systemusers/u1".to_string(),
                json!({"suspended": true})
            ),
        ]
    );
}

#[tokio::test]
async fn snapshot_reads_named_nodes_and_edges_once() {
    let server = MockServer::start().await;
    let v1_users = json!({
        "results": [{"_id": "u1", "username": "ada"}, {"_id": "u2", "username": "bob"}],
        "totalCount": 2});
    let get_v1_users = Mock::given(method("GET")).and(path("/api/systemusers"));
    answer(&server, get_v1_users, json_reply(200, v1_users)).await;
    listing(&server, "usergroups", json!([{"id": "g1", "name": "eng"}])).await;
    listing(&server, "usergroups/g1/members", json!([user_member("u1")])).await;
    // Password manager items cannot be listed: their edges are read from the
    // users' end and they appear unnamed.
    let items = json!([{"to": {"type": "password_manager_item", "id": "p1"}}]);
    u1_associations(&server, "password_manager_item", items).await;
    empty_lists(&server).await;
    let jc = api_key_client(&server);
    let snap = unnamed(&jc)
        .snapshot(&[Kind::User, Kind::UserGroup, Kind::PasswordManagerItem])
        .await
        .unwrap();
    assert_eq!(snap.nodes.len(), 3);
    assert_eq!(snap.nodes[0].name.as_deref(), Some("ada"));
    assert_eq!(snap.edges.len(), 2);
    let from = |n: NodeRef| snap.edges.iter().find(|e| e.from == n).unwrap();
    assert_eq!(from(NodeRef::user_group("g1")).to, NodeRef::user("u1"));
    assert_eq!(
        from(NodeRef::user("u1")).to,
        NodeRef::new(Kind::PasswordManagerItem, "p1")
    );
    let dot = snap.to_dot();
    assert_mentions(&dot, "\"eng (user_group)\"");
    assert!(snap.to_mermaid().contains("-.->"));
}

/// A removal already gone (404) is unchanged; an addition answered 404 and a
/// removal answered 409 are failures, not "already so".
#[tokio::test]
async fn only_an_add_conflict_or_a_remove_not_found_is_unchanged() {
    let server = MockServer::start().await;
    let jc = api_key_client(&server);
    let g = unnamed(&jc);
    let plan = plan_g1_members(&server, &g, &["u1", "u2"], &["u1", "u3"]).await;
    let ops: Vec<LinkOp> = plan.changes.iter().map(|c| c.change.op).collect();
    assert_eq!(ops, [LinkOp::Remove, LinkOp::Add]);
    for (status, remove_unchanged) in [(404, true), (409, false)] {
        server.reset().await;
        let refusal = json_reply(status, json!({"message": "no"}));
        posting(&server, "usergroups/g1/members", refusal).await;
        let report = g.apply(&plan).await;
        let removal = &report.results[0].outcome;
        assert_eq!(
            matches!(removal, Outcome::Unchanged),
            remove_unchanged,
            "remove answered {status}: {removal:?}"
        );
        let addition = &report.results[1].outcome;
        let add_unchanged = status == 409;
        assert_eq!(
            matches!(addition, Outcome::Unchanged),
            add_unchanged,
            "add answered {status}: {addition:?}"
        );
        assert!(!report.is_success(), "one of the two failed at {status}");
    }
}
