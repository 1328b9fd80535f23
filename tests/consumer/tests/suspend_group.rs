use std::time::Duration;

use jumpcloud_ext::StatusCode;
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{Collection, DEFAULT_API_KEY, FakeJumpCloud, Fault, GraphNode, REDACTED};
use jumpcloud_fake_consumer::suspend_group;

type TestResult<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A fake tenant: users `ann` and `bob` in group Contractors, `eve` outside it.
struct Tenant {
    fake: FakeJumpCloud,
    jc: JumpCloud,
    contractors: String,
    eve: String,
}

async fn tenant() -> TestResult<Tenant> {
    let fake = FakeJumpCloud::start().await?;
    let org = fake.default_org();
    let contractors = org.add_user_group("Contractors")?;
    for name in ["ann", "bob"] {
        let user = org.add_user(name)?;
        let (group, member) = (GraphNode::user_group(&contractors), GraphNode::user(&user));
        org.add_member(&group, &member)?;
    }
    let eve = org.add_user("eve")?;
    let jc = JumpCloud::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .build()?;
    Ok(Tenant {
        fake,
        jc,
        contractors,
        eve,
    })
}

/// A user's `state` as the fake holds it now.
fn state(fake: &FakeJumpCloud, id: &str) -> String {
    let user = fake.default_org().object(Collection::Users, id);
    user.and_then(|u| u["state"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[tokio::test]
async fn suspends_every_member_through_throttling_and_a_failed_write() -> TestResult {
    let Tenant {
        fake,
        jc,
        contractors,
        eve,
    } = tenant().await?;
    let members_path = format!("/api/v2/usergroups/{contractors}/members");
    // JumpCloud throttles the member listing once, then fails the first write with a 503.
    fake.faults().push(
        Fault::rate_limited()
            .retry_after_secs(1)
            .on_path(&members_path),
    );
    fake.faults().push(Fault::status(503).on_writes());

    let suspended = suspend_group(&jc, &contractors).await?;

    assert_eq!(suspended.len(), 2);
    for id in &suspended {
        assert_eq!(state(&fake, id), "SUSPENDED");
    }
    assert_eq!(state(&fake, &eve), "ACTIVATED");
    // The listing was sent again once the fake's Retry-After had passed.
    let listings = fake.requests_to("GET", &members_path);
    assert_eq!(listings.len(), 2);
    assert_eq!(listings[0].status, Some(429));
    assert_eq!(listings[1].status, Some(200));
    assert!(listings[1].received_at - listings[0].received_at >= Duration::from_secs(1));
    // One PUT per member, plus the retry of the one that got the 503.
    let writes: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT")
        .collect();
    assert_eq!(writes.len(), 3);
    assert_eq!(writes[0].status, Some(503));
    assert_eq!(writes[0].path, writes[1].path);
    // The API key reached the fake, but its log never holds it.
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.header("x-api-key") == Some(REDACTED))
    );
    // Both scripted faults fired (dropping the fake would also fail the test if not).
    fake.verify()?;
    Ok(())
}

#[tokio::test]
async fn a_write_that_keeps_failing_is_reported() -> TestResult {
    let Tenant {
        fake,
        jc,
        contractors,
        ..
    } = tenant().await?;
    fake.faults()
        .push(Fault::server_error().on_writes().times(100));

    let result = suspend_group(&jc, &contractors).await;

    let err = result.err().ok_or("the writes should have failed")?;
    assert_eq!(err.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    let group = GraphNode::user_group(&contractors);
    for member in fake.default_org().members_of(&group)? {
        assert_eq!(state(&fake, &member.id), "ACTIVATED");
    }
    Ok(())
}
