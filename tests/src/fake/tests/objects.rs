//! Create, read, update and delete through v1 and v2, and their error answers.

use reqwest::Method;
use serde_json::json;

use super::{Code, get, get_json, json, req};
use crate::fake::{Collection, FakeJumpCloud};

#[tokio::test]
async fn v1_systemuser_crud_and_errors() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let new = json!({"username": "jdoe", "email": "jdoe@example.com", "firstname": "J", "password": "pw"});
    let (status, user) = json(
        req(&fake, Method::POST, "/api/systemusers")
            .json(&new)
            .sent()
            .await,
    )
    .await;
    assert_eq!(status, 200);
    let id = user["_id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 24);
    assert_eq!(user["state"], "ACTIVATED");
    assert_eq!(user["activated"], true);
    assert!(user.get("password").is_none());
    assert!(user["created"].is_string());

    let (status, body) = json(
        req(&fake, Method::POST, "/api/systemusers")
            .json(&new)
            .sent()
            .await,
    )
    .await;
    assert_eq!(status, 409);
    assert!(body["message"].is_string());

    for bad in [
        json!({"email": "x@example.com"}),
        json!({"username": 3, "email": "e"}),
        json!([1]),
    ] {
        let (status, _) = json(
            req(&fake, Method::POST, "/api/systemusers")
                .json(&bad)
                .sent()
                .await,
        )
        .await;
        assert_eq!(status, 400, "{bad}");
    }
    let resp = req(&fake, Method::POST, "/api/systemusers")
        .body("{oops")
        .sent()
        .await;
    assert_eq!(resp.status(), 400);

    let path = format!("/api/systemusers/{id}");
    let (status, body) = json(
        req(&fake, Method::PUT, &path)
            .json(&json!({"state": "SUSPENDED", "lastname": "Doe"}))
            .sent()
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (body["state"].as_str(), body["suspended"].as_bool()),
        (Some("SUSPENDED"), Some(true))
    );
    assert_eq!(body["lastname"], "Doe");
    let (status, _) = json(
        req(&fake, Method::PUT, &path)
            .json(&json!({"state": "GONE"}))
            .sent()
            .await,
    )
    .await;
    assert_eq!(status, 400);

    assert_eq!(get_json(&fake, &path).await.1["lastname"], "Doe");
    let (status, _) = json(req(&fake, Method::DELETE, &path).sent().await).await;
    assert_eq!(status, 200);
    let (status, body) = get_json(&fake, &path).await;
    assert_eq!(status, 404);
    assert!(body["message"].is_string());
    let (status, _) = get_json(&fake, "/api/systemusers/not-an-id").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn v1_systems_read_update_delete() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let ids = fake
        .seed(fake.default_org(), Collection::Systems, 6)
        .unwrap();
    let resp = get(&fake, "/api/systems?filter=osFamily:$eq:windows")
        .sent()
        .await;
    let body = json(resp).await.1;
    assert_eq!(body["totalCount"], 2);
    assert_eq!(body["results"][0]["os"], "Windows");

    let path = format!("/api/systems/{}", ids[0]);
    let (status, body) = json(
        req(&fake, Method::PUT, &path)
            .json(&json!({"displayName": "renamed", "os": "ignored"}))
            .sent()
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["displayName"], "renamed");
    assert_eq!(body["os"], "Mac OS X");
    let (status, _) = json(
        req(&fake, Method::PUT, &path)
            .json(&json!({"displayName": 1}))
            .sent()
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(req(&fake, Method::DELETE, &path).code().await, 200);
    assert_eq!(get(&fake, &path).code().await, 404);
}

#[tokio::test]
async fn v2_group_crud_and_errors() {
    let fake = FakeJumpCloud::start().await.unwrap();
    for (kind, ty) in [
        ("usergroups", "user_group"),
        ("systemgroups", "system_group"),
    ] {
        let base = format!("/api/v2/{kind}");
        let (status, group) = json(
            req(&fake, Method::POST, &base)
                .json(&json!({"name": "Ops", "description": "d"}))
                .sent()
                .await,
        )
        .await;
        assert_eq!(status, 201);
        assert_eq!(group["type"], ty);
        let id = group["id"].as_str().unwrap().to_owned();

        let (status, body) = json(
            req(&fake, Method::POST, &base)
                .json(&json!({"name": "Ops"}))
                .sent()
                .await,
        )
        .await;
        assert_eq!(status, 409);
        assert_eq!(body["code"], 409);
        let (status, _) = json(
            req(&fake, Method::POST, &base)
                .json(&json!({"description": "x"}))
                .sent()
                .await,
        )
        .await;
        assert_eq!(status, 400);

        let path = format!("{base}/{id}");
        let (status, body) = json(
            req(&fake, Method::PATCH, &path)
                .json(&json!({"email": "ops@example.com", "type": "other"}))
                .sent()
                .await,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            (body["description"].as_str(), body["type"].as_str()),
            (Some("d"), Some(ty))
        );
        let (status, body) = json(
            req(&fake, Method::PUT, &path)
                .json(&json!({"name": "Ops2"}))
                .sent()
                .await,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(
            (body["name"].as_str(), body["description"].as_str()),
            (Some("Ops2"), Some(""))
        );
        let (status, _) = json(req(&fake, Method::PUT, &path).json(&json!({})).sent().await).await;
        assert_eq!(status, 400);

        assert_eq!(req(&fake, Method::DELETE, &path).code().await, 200);
        let (status, body) = get_json(&fake, &path).await;
        assert_eq!(status, 404);
        assert!(body["message"].is_string());
    }
    let (status, body) = get_json(&fake, "/api/v2/nothing-here").await;
    assert_eq!(status, 404);
    assert!(body["message"].is_string());
    let (status, body) = json(req(&fake, Method::DELETE, "/api/v2/groups").sent().await).await;
    assert_eq!(status, 405);
    assert!(body["message"].is_string());
}

#[tokio::test]
async fn handle_seeding_keeps_ids_and_rejects_bad_input() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org().to_owned();
    let id = "0123456789abcdef01234567";
    let got = fake
        .insert(
            &org,
            Collection::Users,
            json!({"_id": id, "username": "u", "state": "SOME_NEW_STATE"}),
        )
        .unwrap();
    assert_eq!(got, id);
    assert_eq!(
        fake.object(&org, Collection::Users, id).unwrap()["state"],
        "SOME_NEW_STATE"
    );
    assert!(
        fake.insert(&org, Collection::Users, json!({"username": "u"}))
            .is_err()
    );
    assert!(fake.insert(&org, Collection::Users, json!("x")).is_err());
    assert!(
        fake.insert("ffffffffffffffffffffffff", Collection::Users, json!({}))
            .is_err()
    );
    assert!(fake.remove(&org, Collection::Users, id).is_some());
    assert!(fake.objects(&org, Collection::Users).unwrap().is_empty());
}

#[tokio::test]
async fn demo_org_is_seeded() {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let org = crate::fake::DEMO_ORG_ID;
    assert_eq!(fake.default_org(), org);
    let count = |c| fake.objects(org, c).unwrap().len();
    assert_eq!(count(Collection::Users), 25);
    // Four groups, one name twice (Contractors): five in all.
    assert_eq!(count(Collection::UserGroups), 5);
    let contractors = fake
        .objects(org, Collection::UserGroups)
        .unwrap()
        .iter()
        .filter(|g| g["name"] == crate::fake::DEMO_DUPLICATE_GROUP)
        .count();
    assert_eq!(contractors, 2);
    assert_eq!(count(Collection::Systems), 12);
    assert_eq!(count(Collection::SystemGroups), 3);
    assert!(count(Collection::Events) > 100);
    let families: std::collections::BTreeSet<String> = fake
        .objects(org, Collection::Systems)
        .unwrap()
        .iter()
        .map(|s| s["osFamily"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(families.len(), 3);
    let resp = super::client()
        .get(format!("{}/systemusers", fake.v1_url()))
        .header("x-api-key", crate::fake::DEMO_API_KEY)
        .sent()
        .await;
    assert_eq!(json(resp).await.1["totalCount"], 25);
}
