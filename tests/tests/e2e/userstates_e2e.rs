//! Scheduled user state changes end to end against the fake on 127.0.0.1: schedule for
//! many users (split over requests), list what is upcoming, cancel, and refusals.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use jumpcloud_ext::jobs::{ScheduledState, UserStates};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::FakeJumpCloud;

fn client(fake: &FakeJumpCloud) -> JumpCloud {
    common::client(fake, RetryPolicy::none())
}

#[tokio::test]
async fn schedule_list_and_cancel() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let users = fake.default_org().seed_users(250).unwrap();
    let states = UserStates::new(&client(&fake));
    let at = chrono::Utc::now() + chrono::Duration::days(3);
    let scheduled = states
        .schedule(ScheduledState::Suspended, users.clone(), at)
        .await
        .unwrap();
    assert_eq!(scheduled.len(), 250);
    let posts = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/api/v2/bulk/userstates")
        .count();
    assert_eq!(posts, 3, "100 users per request");
    assert!(
        scheduled
            .iter()
            .all(|s| s.state.as_deref() == Some("SUSPENDED"))
    );
    assert_eq!(states.upcoming().await.unwrap().len(), 250);
    let mine = states.upcoming_for(&users[7]).await.unwrap();
    assert_eq!(mine.len(), 1);
    let job = mine[0].scheduled_job_id.clone().unwrap();
    states.cancel(&job).await.unwrap();
    assert!(states.upcoming_for(&users[7]).await.unwrap().is_empty());
    assert!(states.cancel(&job).await.unwrap_err().is_not_found());
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_sent() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let states = UserStates::new(&client(&fake));
    let at = chrono::Utc::now();
    let none: Vec<String> = Vec::new();
    let err = states
        .schedule(ScheduledState::Activated, none, at)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    let err = states
        .schedule(
            ScheduledState::Activated,
            ["5f1b2c3d4e5f60718293a4b5", " "],
            at,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("user 1"), "{err}");
    assert_eq!(fake.request_count(), 0);
}
