//! What the workspace's end-to-end tests share: a client for the fake.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use jumpcloud_ext::graph::{NodeRef, OffboardReport};
use jumpcloud_ext::{JumpCloud, RetryPolicy};
use jumpcloud_fake::{Collection, FakeJumpCloud, Fault};

/// A client for the fake's default API key with this retry policy.
pub fn client(fake: &FakeJumpCloud, retry: RetryPolicy) -> JumpCloud {
    keyed(fake, jumpcloud_fake::DEFAULT_API_KEY, retry)
}

/// A client for the demo organisation's API key, without retries.
pub fn demo_client(fake: &FakeJumpCloud) -> JumpCloud {
    keyed(fake, jumpcloud_fake::DEMO_API_KEY, RetryPolicy::none())
}

/// A client for the demo organisation's API key with this retry policy.
pub fn keyed_demo(fake: &FakeJumpCloud, retry: RetryPolicy) -> JumpCloud {
    keyed(fake, jumpcloud_fake::DEMO_API_KEY, retry)
}

fn keyed(fake: &FakeJumpCloud, key: &str, retry: RetryPolicy) -> JumpCloud {
    JumpCloud::builder()
        .api_key(key)
        .base_url(fake.base_url())
        .retry(retry)
        .build()
        .unwrap()
}

/// Four attempts with backoff in milliseconds: faults are retried without
/// slowing the tests.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(4)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
}

/// A fake whose default organisation holds `n` generated objects of `collection`.
pub async fn fake_with(collection: Collection, n: usize) -> FakeJumpCloud {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    fake.org(&org).seed(collection, n).unwrap();
    fake
}

/// A fake that delays every request by `latency`, so that requests overlap
/// and how many are out at once can be observed.
pub async fn slow_fake(latency: Duration) -> FakeJumpCloud {
    FakeJumpCloud::builder()
        .latency(latency)
        .start()
        .await
        .unwrap()
}

/// The demo organisation and a client for it, with the request log
/// cleared (seeding is not counted).
pub async fn demo() -> (FakeJumpCloud, JumpCloud) {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let jc = demo_client(&fake);
    fake.clear_requests();
    (fake, jc)
}

/// Requests sent since the last call, cleared.
pub fn sent(fake: &FakeJumpCloud) -> usize {
    let n = fake.request_count();
    fake.clear_requests();
    n
}

/// Makes the polls of `path` flaky: two 503s, then one success, then a 429,
/// all of which a waiting client's retries should hide.
pub fn flaky_polls(fake: &FakeJumpCloud, path: &str) {
    fake.faults()
        .push(Fault::status(503).on_path(path).times(2));
    fake.faults()
        .push(Fault::rate_limited().on_path(path).after(1).times(1));
}

/// What offboarding `user` with suspension would do, from a dry run that
/// writes nothing.
pub async fn dry_offboard(jc: &JumpCloud, user: NodeRef) -> OffboardReport {
    jc.graph()
        .offboard(user)
        .dry_run(true)
        .suspend(true)
        .run()
        .await
        .unwrap()
}

/// Makes the second request for the user group list (its second page) meet
/// `fault`, once.
pub fn on_second_group_page(fake: &FakeJumpCloud, fault: Fault) {
    fake.faults()
        .push(fault.on_path("/api/v2/usergroups").after(1).times(1));
}
