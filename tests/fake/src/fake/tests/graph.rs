//! The graph: associations, members, membership, member-of and traversal with paths and
//! compiled attributes, the route table against the document, the demo and the big org.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use super::{Code, get, header, json, req};
use crate::fake::routes::graph::TRAVERSALS;
use crate::fake::{
    BigOrg, Collection, DEMO_TWO_PATH_SYSTEM, DEMO_TWO_PATH_USERNAME, FakeJumpCloud, GraphKind,
    GraphNode,
};

fn v2_document() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/jumpcloud-v2.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn traversal_table_matches_the_document() {
    let doc = v2_document();
    let mut from_doc = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let schema =
            op["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"]
                .as_str()
                .unwrap_or_default();
        if !schema.ends_with("GraphObjectWithPaths") {
            continue;
        }
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        if let [source, _, target] = parts[..]
            && target != "memberof"
            && target != "membership"
        {
            from_doc.insert((source.to_owned(), target.to_owned()));
        }
    }
    let table: BTreeSet<(String, String)> = TRAVERSALS
        .iter()
        .map(|(s, t)| ((*s).to_owned(), (*t).to_owned()))
        .collect();
    assert_eq!(from_doc, table);
}

#[test]
fn association_targets_match_the_document() {
    let doc = v2_document();
    for kind in GraphKind::ALL {
        let Some(seg) = kind_segment(kind) else {
            continue;
        };
        let path = format!("/{seg}/{{{}}}/associations", id_param(seg));
        let Some(op) = doc["paths"].get(&path).and_then(|i| i.get("get")) else {
            assert!(kind.association_targets().is_empty(), "{kind}");
            continue;
        };
        let targets = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| match p["$ref"].as_str() {
                Some(r) => &doc["components"]["parameters"][r.rsplit('/').next().unwrap()],
                None => p,
            })
            .find(|p| p["name"] == "targets")
            .unwrap();
        let want: BTreeSet<&str> = targets["schema"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let got: BTreeSet<&str> = kind
            .association_targets()
            .iter()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(got, want, "{kind}");
    }
}

fn kind_segment(k: GraphKind) -> Option<&'static str> {
    k.segment()
}

/// The path parameter name the document uses for a source segment.
fn id_param(seg: &str) -> &'static str {
    match seg {
        "activedirectories" => "activedirectory_id",
        "applications" => "application_id",
        "commands" => "command_id",
        "gsuites" => "gsuite_id",
        "ldapservers" => "ldapserver_id",
        "office365s" => "office365_id",
        "policies" => "policy_id",
        "radiusservers" => "radiusserver_id",
        "softwareapps" => "software_app_id",
        "systems" => "system_id",
        "users" => "user_id",
        _ => "group_id",
    }
}

/// One user in a user group bound to a system group, one system in that group, one more
/// system bound to the user directly with sudo and to the group.
struct Small {
    fake: FakeJumpCloud,
    user: String,
    group: String,
    sgroup: String,
    s1: String,
    s2: String,
}

async fn small() -> Small {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let user = fake.default_org().seed_users(1).unwrap().remove(0);
    let group = fake.default_org().seed_user_groups(1).unwrap().remove(0);
    let sgroup = fake.default_org().seed_system_groups(1).unwrap().remove(0);
    let mut systems = fake.default_org().seed_systems(2).unwrap();
    let (s1, s2) = (systems.remove(0), systems.remove(0));
    let sudo = json!({"sudo": {"enabled": true, "withoutPassword": false}})
        .as_object()
        .cloned();
    fake.org(&org)
        .add_member(&GraphNode::user_group(&group), &GraphNode::user(&user))
        .unwrap();
    fake.org(&org)
        .add_member(&GraphNode::system_group(&sgroup), &GraphNode::system(&s1))
        .unwrap();
    fake.org(&org)
        .associate(
            &GraphNode::user_group(&group),
            &GraphNode::system_group(&sgroup),
            None,
        )
        .unwrap();
    fake.org(&org)
        .associate(&GraphNode::user(&user), &GraphNode::system(&s2), sudo)
        .unwrap();
    fake.org(&org)
        .associate(
            &GraphNode::user_group(&group),
            &GraphNode::system(&s2),
            None,
        )
        .unwrap();
    Small {
        fake,
        user,
        group,
        sgroup,
        s1,
        s2,
    }
}

async fn post(fake: &FakeJumpCloud, path: &str, body: Value) -> u16 {
    req(fake, Method::POST, path).json(&body).code().await
}

#[tokio::test]
async fn associations_list_and_change() {
    let s = small().await;
    let fake = &s.fake;
    let base = format!("/api/v2/users/{}/associations", s.user);
    let resp = get(fake, &format!("{base}?targets=system")).sent().await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("1"));
    let body = json(resp).await.1;
    assert_eq!(body[0]["to"]["id"], s.s2);
    assert_eq!(body[0]["to"]["type"], "system");
    assert_eq!(body[0]["attributes"]["sudo"]["enabled"], true);
    assert_eq!(body[0]["to"]["attributes"]["sudo"]["enabled"], true);

    // From the other end, and as a wrong or missing pair.
    let body = json(
        get(
            fake,
            &format!("/api/v2/systems/{}/associations?targets=user", s.s2),
        )
        .sent()
        .await,
    )
    .await
    .1;
    assert_eq!(body[0]["to"]["id"], s.user);
    for bad in [
        base.clone(),
        format!("{base}?targets=user_group"),
        format!("{base}?targets=nope"),
    ] {
        assert_eq!(get(fake, &bad).code().await, 400, "{bad}");
    }
    let missing = "/api/v2/users/aaaaaaaaaaaaaaaaaaaaaaaa/associations?targets=system";
    assert_eq!(get(fake, missing).code().await, 404);

    let add = json!({"op": "add", "type": "system", "id": s.s1,
                     "attributes": {"sudo": {"enabled": false, "withoutPassword": false}}});
    assert_eq!(post(fake, &base, add.clone()).await, 204);
    assert_eq!(post(fake, &base, add).await, 409);
    let update = json!({"op": "update", "type": "system", "id": s.s1,
                        "attributes": {"sudo": {"enabled": true, "withoutPassword": true}}});
    assert_eq!(post(fake, &base, update).await, 204);
    let resp = get(fake, &format!("{base}?targets=system&limit=1&skip=0"))
        .sent()
        .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("2"));
    assert_eq!(json(resp).await.1.as_array().unwrap().len(), 1);
    let remove = json!({"op": "remove", "type": "system", "id": s.s1});
    assert_eq!(post(fake, &base, remove.clone()).await, 204);
    assert_eq!(post(fake, &base, remove).await, 404);

    for bad in [
        json!({"op": "add", "type": "user_group", "id": s.group}),
        json!({"op": "nuke", "type": "system", "id": s.s1}),
        json!({"op": "add", "type": "system", "id": "x"}),
        json!({"op": "add", "type": "system", "id": s.s1, "attributes": 3}),
    ] {
        assert_eq!(post(fake, &base, bad.clone()).await, 400, "{bad}");
    }
    let ghost = json!({"op": "add", "type": "system", "id": "aaaaaaaaaaaaaaaaaaaaaaaa"});
    assert_eq!(post(fake, &base, ghost).await, 404);
    let _ = &s.sgroup;
}

#[tokio::test]
async fn members_membership_and_memberof() {
    let s = small().await;
    let fake = &s.fake;
    let more = fake.default_org().seed_users(3).unwrap();
    let members = format!("/api/v2/usergroups/{}/members", s.group);
    for u in &more {
        assert_eq!(
            post(
                fake,
                &members,
                json!({"op": "add", "type": "user", "id": u})
            )
            .await,
            204
        );
    }
    assert_eq!(
        post(
            fake,
            &members,
            json!({"op": "add", "type": "user", "id": more[0]})
        )
        .await,
        409
    );
    assert_eq!(
        post(
            fake,
            &members,
            json!({"op": "add", "type": "system", "id": s.s1})
        )
        .await,
        400
    );
    let resp = get(fake, &format!("{members}?limit=2&skip=2")).sent().await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("4"));
    let body = json(resp).await.1;
    assert_eq!(body.as_array().unwrap().len(), 2);
    assert_eq!(body[0]["to"]["type"], "user");

    let resp = get(fake, &format!("/api/v2/usergroups/{}/membership", s.group))
        .query(&[("filter", format!("object_id:eq:{}", more[1]))])
        .sent()
        .await;
    let body = json(resp).await.1;
    assert_eq!(body.as_array().unwrap().len(), 1);
    assert_eq!(body[0]["id"], more[1]);
    assert_eq!(body[0]["paths"][0][0]["to"]["id"], more[1]);
    let bad = get(
        fake,
        &format!("/api/v2/usergroups/{}/membership?filter=name:eq:x", s.group),
    )
    .sent()
    .await;
    assert_eq!(bad.status(), 400);

    let body = json(
        get(fake, &format!("/api/v2/users/{}/memberof", s.user))
            .sent()
            .await,
    )
    .await
    .1;
    assert_eq!(body[0]["id"], s.group);
    assert_eq!(body[0]["type"], "user_group");
    let body = json(
        get(fake, &format!("/api/v2/systems/{}/memberof", s.s1))
            .sent()
            .await,
    )
    .await
    .1;
    assert_eq!(body[0]["id"], s.sgroup);
    let resp = get(
        fake,
        &format!("/api/v2/systemgroups/{}/membership", s.sgroup),
    )
    .sent()
    .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("1"));

    assert_eq!(
        post(
            fake,
            &members,
            json!({"op": "remove", "type": "user", "id": more[2]})
        )
        .await,
        204
    );
    assert_eq!(
        post(
            fake,
            &members,
            json!({"op": "remove", "type": "user", "id": more[2]})
        )
        .await,
        404
    );
    // Deleting a user removes its memberships and associations.
    let del = req(
        fake,
        Method::DELETE,
        &format!("/api/systemusers/{}", s.user),
    )
    .sent()
    .await;
    assert_eq!(del.status(), 200);
    let org = fake.default_org();
    assert_eq!(
        org.members_of(&GraphNode::user_group(&s.group))
            .unwrap()
            .len(),
        2
    );
    assert!(
        org.associations_of(&GraphNode::system(&s.s2))
            .unwrap()
            .iter()
            .all(|(n, _)| n.kind != GraphKind::User)
    );
}

#[tokio::test]
async fn traversal_paths_and_compiled_attributes() {
    let s = small().await;
    let fake = &s.fake;
    let resp = get(fake, &format!("/api/v2/users/{}/systems", s.user))
        .sent()
        .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("2"));
    let body = json(resp).await.1;
    let by_id = |id: &str| {
        body.as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .cloned()
            .unwrap()
    };
    // s1: user → user group → system group → system.
    let one = by_id(&s.s1);
    assert_eq!(one["type"], "system");
    let path: Vec<&str> = one["paths"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["to"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(path, ["user_group", "system_group", "system"]);
    assert!(one.get("compiledAttributes").is_none());
    // s2: directly (with sudo) and through the user group.
    let two = by_id(&s.s2);
    let lens: BTreeSet<usize> = two["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_array().unwrap().len())
        .collect();
    assert_eq!(lens, BTreeSet::from([1, 2]));
    assert_eq!(two["compiledAttributes"]["sudo"]["enabled"], true);

    let resp = get(fake, &format!("/api/v2/users/{}/systems", s.user))
        .query(&[("filter", format!("id:eq:{}", s.s1)), ("limit", "1".into())])
        .sent()
        .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("1"));
    let resp = get(
        fake,
        &format!("/api/v2/users/{}/systems?filter=osFamily:eq:darwin", s.user),
    )
    .sent()
    .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("1"));

    // Back from the system, and from the groups.
    let body = json(
        get(fake, &format!("/api/v2/systems/{}/users", s.s1))
            .sent()
            .await,
    )
    .await
    .1;
    assert_eq!(body[0]["id"], s.user);
    assert_eq!(body[0]["paths"][0].as_array().unwrap().len(), 3);
    let resp = get(fake, &format!("/api/v2/systemgroups/{}/users", s.sgroup))
        .sent()
        .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("1"));
    let resp = get(fake, &format!("/api/v2/usergroups/{}/systems", s.group))
        .sent()
        .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("2"));
    let resp = get(fake, &format!("/api/v2/users/{}/systemgroups", s.user))
        .sent()
        .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("1"));
    let over = get(fake, &format!("/api/v2/users/{}/systems?limit=101", s.user))
        .sent()
        .await;
    assert_eq!(over.status(), 400);
}

#[tokio::test]
async fn group_attributes_compile_into_paths() {
    let s = small().await;
    let fake = &s.fake;
    let patch = req(
        fake,
        Method::PATCH,
        &format!("/api/v2/usergroups/{}", s.group),
    )
    .json(
        &json!({"attributes": {"sudo": {"enabled": true, "withoutPassword": true},
                                     "posixGroups": [{"id": 5000, "name": "devs"}]}}),
    )
    .sent()
    .await;
    assert_eq!(patch.status(), 200);
    let body = json(
        get(fake, &format!("/api/v2/users/{}/systems", s.user))
            .sent()
            .await,
    )
    .await
    .1;
    for item in body.as_array().unwrap() {
        assert_eq!(item["compiledAttributes"]["sudo"]["withoutPassword"], true);
        assert_eq!(item["compiledAttributes"]["posixGroups"][0]["name"], "devs");
    }
}

#[tokio::test]
async fn demo_user_reaches_one_system_through_two_groups() {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let users = fake.org(&org).objects(Collection::Users).unwrap();
    let user = users
        .iter()
        .find(|u| u["username"] == DEMO_TWO_PATH_USERNAME)
        .unwrap()["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let systems = fake.org(&org).objects(Collection::Systems).unwrap();
    let system = systems
        .iter()
        .find(|s| s["displayName"] == DEMO_TWO_PATH_SYSTEM)
        .unwrap()["_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let resp = super::client()
        .get(format!("{}/users/{user}/systems?limit=100", fake.v2_url()))
        .header("x-api-key", crate::fake::DEMO_API_KEY)
        .sent()
        .await;
    let body = json(resp).await.1;
    let target = body
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == system)
        .unwrap();
    let groups: BTreeSet<&str> = target["paths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0]["to"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(target["paths"].as_array().unwrap().len(), 2);
    assert_eq!(groups, BTreeSet::from(["user_group"]));
    assert_eq!(
        target["compiledAttributes"]["sudo"]["withoutPassword"],
        true
    );
    // The resources are bound too.
    for route in ["applications", "radiusservers", "directories"] {
        let resp = super::client()
            .get(format!("{}/users/{user}/{route}", fake.v2_url()))
            .header("x-api-key", crate::fake::DEMO_API_KEY)
            .sent()
            .await;
        let total: usize = header(&resp, "x-total-count").unwrap().parse().unwrap();
        assert!(total >= 1, "{route}");
    }
}

#[tokio::test]
async fn big_org_is_wired() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let spec = BigOrg::new(2_000, 50, 4_000, 40);
    let ids = fake.org(&org).seed_big_org(spec).unwrap();
    assert_eq!(ids.users.len(), 2_000);
    assert_eq!(ids.systems.len(), 4_000);
    assert_eq!(ids.memberships, 2_000 + 4_000);
    assert_eq!(ids.associations, 50 * 2 + 50 + 2_000 / 10);
    let resp = get(
        &fake,
        &format!("/api/v2/users/{}/systems?limit=1", ids.users[3]),
    )
    .sent()
    .await;
    let total: usize = header(&resp, "x-total-count").unwrap().parse().unwrap();
    // Two direct group bindings plus a 100-system group.
    assert_eq!(total, 2 + 4_000 / 40);
    let resp = get(
        &fake,
        &format!(
            "/api/v2/usergroups/{}/members?limit=100",
            ids.user_groups[0]
        ),
    )
    .sent()
    .await;
    assert_eq!(header(&resp, "x-total-count").as_deref(), Some("40"));
}
