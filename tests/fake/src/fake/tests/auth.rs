//! Credentials, tokens and org selection.

use std::time::Duration;

use serde_json::Value;

use super::{Code, client, get, header, json};
use crate::fake::{
    Collection, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_PROVIDER_ID, FakeJumpCloud,
};

const ORG_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaa";
const ORG_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbb";

async fn token(fake: &FakeJumpCloud, id: &str, secret: &str, grant: &str) -> (u16, Value) {
    let resp = client()
        .post(fake.token_url())
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", grant), ("scope", "api")])
        .sent()
        .await;
    json(resp).await
}

/// Token statuses for client `svc` with its secrets `old` and `new`, in that order.
async fn secret_statuses(fake: &FakeJumpCloud) -> [u16; 2] {
    let old = token(fake, "svc", "old", "client_credentials").await.0;
    let new = token(fake, "svc", "new", "client_credentials").await.0;
    [old, new]
}

async fn bearer_status(fake: &FakeJumpCloud, token: &str) -> u16 {
    client()
        .get(format!("{}/usergroups", fake.v2_url()))
        .bearer_auth(token)
        .code()
        .await
}

#[tokio::test]
async fn api_key_required_and_checked() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let url = format!("{}/usergroups", fake.v2_url());
    let (status, body) = json(client().get(&url).sent().await).await;
    assert_eq!(status, 401);
    assert!(body["message"].is_string());
    let resp = client().get(&url).header("x-api-key", "wrong").sent().await;
    assert_eq!(resp.status(), 401);
    assert_eq!(get(&fake, "/api/v2/usergroups").code().await, 200);
}

#[tokio::test]
async fn client_credentials_tokens() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let (status, body) = token(
        &fake,
        DEFAULT_CLIENT_ID,
        DEFAULT_CLIENT_SECRET,
        "client_credentials",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "api");
    let tok = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(bearer_status(&fake, &tok).await, 200);
    assert_eq!(bearer_status(&fake, "made-up").await, 401);

    let (status, body) = token(&fake, DEFAULT_CLIENT_ID, "wrong", "client_credentials").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = token(&fake, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, "password").await;
    assert_eq!(status, 400);
    assert!(body["error"].is_string());
    let resp = client()
        .post(fake.token_url())
        .form(&[("grant_type", "client_credentials")])
        .sent()
        .await;
    assert_eq!(resp.status(), 401);
    assert_eq!(fake.token_requests(), 4);

    fake.revoke_tokens();
    assert_eq!(bearer_status(&fake, &tok).await, 401);
}

#[tokio::test]
async fn tokens_expire() {
    let fake = FakeJumpCloud::builder()
        .client("svc", "s1", [ORG_A])
        .token_lifetime(Duration::from_millis(250))
        .start()
        .await
        .unwrap();
    let (_, body) = token(&fake, "svc", "s1", "client_credentials").await;
    assert_eq!(body["expires_in"], 0);
    let tok = body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(bearer_status(&fake, &tok).await, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bearer_status(&fake, &tok).await, 401);

    fake.set_token_lifetime(Duration::from_secs(2));
    let (_, body) = token(&fake, "svc", "s1", "client_credentials").await;
    assert_eq!(body["expires_in"], 2);
}

#[tokio::test]
async fn secret_rotation() {
    let fake = FakeJumpCloud::builder()
        .client("svc", "old", [ORG_A])
        .start()
        .await
        .unwrap();
    fake.add_client_secret("svc", "new").unwrap();
    assert_eq!(secret_statuses(&fake).await, [200, 200]);
    fake.remove_client_secret("svc", "old").unwrap();
    assert_eq!(secret_statuses(&fake).await, [401, 200]);
    assert!(fake.add_client_secret("nobody", "x").is_err());
}

#[tokio::test]
async fn org_selection_rules() {
    let fake = FakeJumpCloud::builder()
        .org(ORG_A, "Alpha")
        .org(ORG_B, "Beta")
        .api_key("single", [ORG_A])
        .api_key("multi", [ORG_A, ORG_B])
        .start()
        .await
        .unwrap();
    fake.org(ORG_B).seed(Collection::Users, 3).unwrap();
    let url = format!("{}/systemusers", fake.v1_url());
    let call = |key: &'static str, org: Option<&'static str>| {
        let mut r = client().get(&url).header("x-api-key", key);
        if let Some(o) = org {
            r = r.header("x-org-id", o);
        }
        r.send()
    };
    let (status, body) = json(call("single", None).await.unwrap()).await;
    assert_eq!((status, body["totalCount"].as_u64()), (200, Some(0)));
    let (status, body) = json(call("multi", None).await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(body["message"], "no organization selected");
    let (status, body) = json(call("multi", Some(ORG_B)).await.unwrap()).await;
    assert_eq!((status, body["totalCount"].as_u64()), (200, Some(3)));
    assert_eq!(
        call("multi", Some("not-an-org")).await.unwrap().status(),
        400
    );
    assert_eq!(
        call("multi", Some("cccccccccccccccccccccccc"))
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(call("single", Some(ORG_B)).await.unwrap().status(), 404);
    assert_eq!(call("single", Some(ORG_A)).await.unwrap().status(), 200);

    // Cross-org routes refuse the header, and list the credential's orgs without it.
    let refusing = [
        "/api/organizations".to_owned(),
        "/api/search/organizations".to_owned(),
        "/api/users".to_owned(),
        "/api/v2/organizations".to_owned(),
        "/api/v2/administrators".to_owned(),
        format!("/api/v2/providers/{DEFAULT_PROVIDER_ID}/organizations"),
        "/api/v2/integrations/abc".to_owned(),
    ];
    for path in &refusing {
        let (status, body) = json(
            client()
                .get(format!("{}{path}", fake.base_url()))
                .header("x-api-key", "multi")
                .header("x-org-id", ORG_A)
                .sent()
                .await,
        )
        .await;
        assert_eq!(status, 403, "{path}");
        assert_eq!(
            body["message"],
            "organization selection not allowed via header"
        );
    }
    let list = |path: String, key: &'static str| client().get(path).header("x-api-key", key).send();
    let (status, body) = json(
        list(format!("{}/organizations", fake.v1_url()), "multi")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["totalCount"].as_u64()), (200, Some(2)));
    assert_eq!(body["results"][0]["displayName"], "Alpha");
    let (_, body) = json(
        list(format!("{}/organizations", fake.v1_url()), "single")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["totalCount"], 1);
    let path = format!(
        "{}/providers/{DEFAULT_PROVIDER_ID}/organizations",
        fake.v2_url()
    );
    let (status, body) = json(list(path, "multi").await.unwrap()).await;
    assert_eq!(
        (status, body["results"][1]["name"].as_str()),
        (200, Some("Beta"))
    );
    let path = format!(
        "{}/providers/000000000000000000000000/organizations",
        fake.v2_url()
    );
    assert_eq!(list(path, "multi").await.unwrap().status(), 404);
    assert_eq!(
        list(format!("{}/users", fake.v1_url()), "multi")
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn accept_any_credentials_maps_to_first_org() {
    let fake = FakeJumpCloud::builder()
        .demo()
        .accept_any_credentials()
        .start()
        .await
        .unwrap();
    let resp = client()
        .get(format!("{}/systemusers", fake.v1_url()))
        .header("x-api-key", "someone-elses-real-key")
        .header("x-org-id", "0123456789abcdef01234567")
        .sent()
        .await;
    assert_eq!(
        header(&resp, "content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(json(resp).await.1["totalCount"], 25);
    let (status, body) = token(&fake, "any-client", "any-secret", "client_credentials").await;
    assert_eq!(status, 200);
    assert_eq!(
        bearer_status(&fake, body["access_token"].as_str().unwrap()).await,
        200
    );
    assert_eq!(bearer_status(&fake, "anything").await, 200);
}
