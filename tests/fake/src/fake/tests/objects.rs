//! Create, read, update and delete through v1 and v2, and their error answers.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use super::{Code, get, get_json, json, post_json, req};
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
    let ids = fake.default_org().seed(Collection::Systems, 6).unwrap();
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
    let org = fake.default_org_id().to_owned();
    let id = "0123456789abcdef01234567";
    let got = fake
        .org(&org)
        .insert(
            Collection::Users,
            json!({"_id": id, "username": "u", "state": "SOME_NEW_STATE"}),
        )
        .unwrap();
    assert_eq!(got, id);
    assert_eq!(
        fake.org(&org).object(Collection::Users, id).unwrap()["state"],
        "SOME_NEW_STATE"
    );
    assert!(
        fake.org(&org)
            .insert(Collection::Users, json!({"username": "u"}))
            .is_err()
    );
    assert!(
        fake.org(&org)
            .insert(Collection::Users, json!("x"))
            .is_err()
    );
    assert!(
        fake.org("ffffffffffffffffffffffff")
            .insert(Collection::Users, json!({}))
            .is_err()
    );
    assert!(fake.org(&org).remove(Collection::Users, id).is_some());
    assert!(
        fake.org(&org)
            .objects(Collection::Users)
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn demo_org_is_seeded() {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let org = crate::fake::DEMO_ORG_ID;
    assert_eq!(fake.default_org_id(), org);
    let count = |c| fake.org(org).objects(c).unwrap().len();
    assert_eq!(count(Collection::Users), 25);
    // Four groups, one name twice (Contractors): five in all.
    assert_eq!(count(Collection::UserGroups), 5);
    let contractors = fake
        .org(org)
        .objects(Collection::UserGroups)
        .unwrap()
        .iter()
        .filter(|g| g["name"] == crate::fake::DEMO_DUPLICATE_GROUP)
        .count();
    assert_eq!(contractors, 2);
    assert_eq!(count(Collection::Systems), 12);
    assert_eq!(count(Collection::SystemGroups), 3);
    assert!(count(Collection::Events) > 100);
    let families: std::collections::BTreeSet<String> = fake
        .org(org)
        .objects(Collection::Systems)
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

/// v1 user writes refuse an email that is not an address with a 400 and JumpCloud's
/// `{"message"}` body, in the words the bulk job uses for the same row.
#[tokio::test]
async fn v1_user_writes_validate_email_as_the_bulk_job_does() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let expected = r#"email "not-an-email" is not a valid email address"#;
    let bad = json!({"username": "hana", "email": "not-an-email"});
    let (status, body) = json(post_json(&fake, "/api/systemusers", &bad).await).await;
    assert_eq!((status, body["message"].as_str()), (400, Some(expected)));
    for email in ["@example.com", "hana@", "ha na@example.com", "a@b@c"] {
        let body = json!({"username": "hana", "email": email});
        let status = post_json(&fake, "/api/systemusers", &body).await.status();
        assert_eq!(status, 400, "{email}");
    }
    assert!(
        fake.default_org()
            .objects(Collection::Users)
            .unwrap()
            .is_empty()
    );

    let id = fake.default_org().add_user("hana").unwrap();
    let path = format!("/api/systemusers/{id}");
    let (status, body) = json(
        req(&fake, Method::PUT, &path)
            .json(&json!({"email": "not-an-email"}))
            .sent()
            .await,
    )
    .await;
    assert_eq!((status, body["message"].as_str()), (400, Some(expected)));
    let put = req(&fake, Method::PUT, &path).json(&json!({"email": "hana@corp.example.com"}));
    assert_eq!(put.code().await, 200);

    // The bulk job fails the same row with the same message.
    let org = fake.default_org();
    org.set_bulk_timing(Duration::ZERO, Duration::ZERO).unwrap();
    let rows = json!([{"username": "ivo", "email": "not-an-email"}]);
    let (status, job) = json(post_json(&fake, "/api/v2/bulk/users", &rows).await).await;
    assert_eq!(status, 200);
    let results = format!(
        "/api/v2/bulk/users/{}/results",
        job["jobId"].as_str().unwrap()
    );
    let (_, rows) = get_json(&fake, &results).await;
    assert_eq!(rows[0]["status"], "failed");
    assert_eq!(rows[0]["statusMsg"], expected);
}

/// Every seeding call goes through an org's handle: two orgs hold separate directories, an
/// unknown org is refused by each call, and links take the SDK's `Option<Attributes>`.
#[tokio::test]
async fn org_handles_scope_seeding() {
    use crate::fake::{Attributes, DEFAULT_ORG_ID, FakeError, GraphNode};
    let second = "5f1b2c3d4e5f60718293a4b6";
    let fake = FakeJumpCloud::builder()
        .org(DEFAULT_ORG_ID, "Acme")
        .org(second.to_uppercase(), "Acme Labs")
        .start()
        .await
        .unwrap();
    let (acme, labs) = (fake.default_org(), fake.org(&second.to_uppercase()));
    assert_eq!((acme.id(), labs.id()), (DEFAULT_ORG_ID, second));
    assert_eq!(fake.default_org_id(), DEFAULT_ORG_ID);
    let ada = acme.add_user("ada").unwrap();
    let ada_labs = labs.add_user("ada").unwrap();
    assert_ne!(ada, ada_labs);
    assert_eq!(labs.objects(Collection::Users).unwrap().len(), 1);
    assert!(acme.object(Collection::Users, &ada_labs).is_none());

    let system = labs.add_system("lab-1").unwrap();
    let mut sudo = Attributes::new();
    sudo.insert(
        "sudo".into(),
        json!({"enabled": true, "withoutPassword": false}),
    );
    let (user, host) = (GraphNode::user(&ada_labs), GraphNode::system(&system));
    labs.associate(&user, &host, Some(sudo.clone())).unwrap();
    assert_eq!(labs.associations_of(&host).unwrap(), [(user.clone(), sudo)]);
    assert!(acme.associations_of(&host).unwrap().is_empty());
    // The other org's objects are not this org's: linking them is refused.
    let err = acme.associate(&user, &host, None).unwrap_err();
    assert!(matches!(err, FakeError::NotFound(_)), "{err}");

    let ghost = fake.org("000000000000000000000000");
    assert!(matches!(ghost.add_user("x"), Err(FakeError::UnknownOrg(_))));
    assert!(matches!(ghost.seed_users(1), Err(FakeError::UnknownOrg(_))));
    assert!(ghost.object(Collection::Users, &ada).is_none());
}
