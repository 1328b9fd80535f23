//! Directory Insights export and follow end to end against the fake on 127.0.0.1: every
//! event exactly once over concurrent slices (ties at slice edges included), a resumed
//! export after stopping mid-way, faults while walking, typed refusals before any request,
//! and a follow that de-duplicates across a restart.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::client;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures::{StreamExt, TryStreamExt};
use jumpcloud_ext::StatusCode;
use jumpcloud_ext::api::insights::types::EventQueryServiceItem;
use jumpcloud_ext::insights::{EventSearch, Export, ExportCheckpoint, Follow, FollowCheckpoint};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{Collection, EventSet, FakeJumpCloud, Fault};
use serde_json::json;

const EVENTS: &str = "/insights/directory/v1/events";

fn start() -> DateTime<Utc> {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

async fn fake_with(set: &EventSet) -> FakeJumpCloud {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    fake.org(&org).seed_event_set(set.clone()).unwrap();
    fake
}

fn index(event: &jumpcloud_ext::insights::Event) -> u64 {
    u64::from_str_radix(event.id().unwrap(), 16).unwrap()
}

/// Every index of `set` whose time is in `[from, to)`.
fn expected(set: &EventSet, from: DateTime<Utc>, to: DateTime<Utc>) -> BTreeSet<u64> {
    (0..set.len())
        .filter(|i| {
            let ms = set.millis(*i);
            ms >= from.timestamp_millis() && ms < to.timestamp_millis()
        })
        .collect()
}

#[tokio::test]
async fn export_yields_every_event_once_with_ties_at_slice_edges() {
    // Three events share each instant; slices are cut at whole seconds, which are instants.
    let set = EventSet::new(start(), 20_000);
    let fake = fake_with(&set).await;
    let jc = client(&fake, RetryPolicy::none());
    let export = Export::new(&jc, set.start()..set.end(), EventSearch::all())
        .concurrency(4)
        .slices(8)
        .page_size(500);
    let plan = export.plan().await.unwrap();
    assert_eq!(plan.slices().len(), 8);
    assert_eq!(plan.expected(), 20_000);
    for edge in plan.slices().windows(2) {
        assert_eq!(edge[0].to, edge[1].from);
        assert_eq!(
            edge[1].from.timestamp_subsec_millis(),
            0,
            "cut at a bucket edge"
        );
    }

    let mut seen = Vec::new();
    let mut last_in_slice = [None; 8];
    let mut batches = export.stream();
    let mut last = None;
    while let Some(batch) = batches.try_next().await.unwrap() {
        for e in &batch.events {
            let i = index(e);
            // Oldest first within a slice.
            assert!(last_in_slice[batch.slice] < Some(i));
            last_in_slice[batch.slice] = Some(i);
            let slice = &batch.checkpoint.slices()[batch.slice];
            let at: DateTime<Utc> = e.timestamp().unwrap().parse().unwrap();
            assert!(slice.from <= at && at < slice.to);
            seen.push(i);
        }
        last = Some(batch.checkpoint);
    }
    let unique: BTreeSet<u64> = seen.iter().copied().collect();
    assert_eq!(seen.len(), 20_000, "no duplicates");
    assert_eq!(unique, expected(&set, set.start(), set.end()));
    let last = last.unwrap();
    assert!(last.is_done());
    assert_eq!(last.delivered(), 20_000);
    assert!(fake.max_in_flight() <= 4);
}

#[tokio::test]
async fn a_sub_range_keeps_its_half_open_edges() {
    let set = EventSet::new(start(), 9_000);
    let fake = fake_with(&set).await;
    let jc = client(&fake, RetryPolicy::none());
    // Both edges fall on instants shared by three events.
    let from = start() + TimeDelta::milliseconds(2_000);
    let to = start() + TimeDelta::milliseconds(17_000);
    let events: Vec<_> = Export::new(&jc, from..to, EventSearch::all())
        .concurrency(3)
        .slices(5)
        .page_size(250)
        .stream()
        .map_ok(|b| futures::stream::iter(b.events.into_iter().map(Ok::<_, jumpcloud_ext::Error>)))
        .try_flatten()
        .try_collect()
        .await
        .unwrap();
    let got: BTreeSet<u64> = events.iter().map(index).collect();
    assert_eq!(got.len(), events.len());
    assert_eq!(got, expected(&set, from, to));
    assert_eq!(got.len(), 1_500 * 3);
}

#[tokio::test]
async fn a_stopped_export_resumes_from_its_checkpoint_without_loss_or_duplicate() {
    let set = EventSet::new(start(), 12_000).per_instant(4);
    let fake = fake_with(&set).await;
    let jc = client(&fake, RetryPolicy::none());
    let mut first = Vec::new();
    let mut saved = None;
    {
        let mut batches = Export::new(&jc, set.start()..set.end(), EventSearch::all())
            .concurrency(4)
            .page_size(300)
            .stream();
        while let Some(batch) = batches.try_next().await.unwrap() {
            first.extend(batch.events.iter().map(index));
            saved = Some(serde_json::to_string(&batch.checkpoint).unwrap());
            if first.len() >= 5_000 {
                break; // killed: requests in flight are dropped
            }
        }
    }
    let checkpoint: ExportCheckpoint = serde_json::from_str(&saved.unwrap()).unwrap();
    assert!(!checkpoint.is_done());
    assert_eq!(checkpoint.delivered(), first.len() as u64);
    let requests_before = fake.request_count();
    let mut rest = Vec::new();
    let mut resumed = Export::resume(&jc, checkpoint).concurrency(4).stream();
    while let Some(batch) = resumed.try_next().await.unwrap() {
        rest.extend(batch.events.iter().map(index));
    }
    // No new plan: a resumed export goes straight to its cursors.
    assert!(
        fake.requests()[requests_before..]
            .iter()
            .all(|r| r.path == EVENTS)
    );
    let all: Vec<u64> = first.iter().chain(&rest).copied().collect();
    let unique: BTreeSet<u64> = all.iter().copied().collect();
    assert_eq!(all.len(), unique.len(), "nothing delivered twice");
    assert_eq!(
        unique,
        expected(&set, set.start(), set.end()),
        "nothing lost"
    );
}

#[tokio::test]
async fn retryable_faults_mid_walk_are_resent_and_a_lasting_one_names_the_page() {
    let set = EventSet::new(start(), 3_000);
    let fake = fake_with(&set).await;
    let retry = RetryPolicy::default()
        .with_max_attempts(4)
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5));
    let jc = client(&fake, retry);
    fake.faults()
        .push(Fault::status(503).on_path(EVENTS).after(3).times(2));
    fake.faults()
        .push(Fault::rate_limited().on_path(EVENTS).after(6).times(1));
    let n: usize = Export::new(&jc, set.start()..set.end(), EventSearch::all())
        .page_size(200)
        .stream()
        .map_ok(|b| b.events.len())
        .try_fold(0, |a, n| async move { Ok(a + n) })
        .await
        .unwrap();
    assert_eq!(n, 3_000);

    // A failure that outlasts the retries ends the stream with an error naming the page;
    // the last checkpoint before it resumes the rest.
    fake.faults().clear();
    fake.faults()
        .push(Fault::status(502).on_path(EVENTS).after(4).times(100));
    let mut batches = Export::new(&jc, set.start()..set.end(), EventSearch::all())
        .concurrency(1)
        .page_size(200)
        .stream();
    let mut got = BTreeSet::new();
    let mut checkpoint = None;
    let err = loop {
        match batches.next().await.unwrap() {
            Ok(b) => {
                got.extend(b.events.iter().map(index));
                checkpoint = Some(b.checkpoint);
            }
            Err(e) => break e,
        }
    };
    assert!(batches.next().await.is_none());
    assert_eq!(err.status(), Some(StatusCode::BAD_GATEWAY));
    assert!(err.page_position().unwrap().starts_with("cursor"), "{err}");
    fake.faults().clear();
    let mut rest = Export::resume(&jc, checkpoint.unwrap()).stream();
    while let Some(b) = rest.try_next().await.unwrap() {
        for e in &b.events {
            assert!(got.insert(index(e)));
        }
    }
    assert_eq!(got.len(), 3_000);
}

#[tokio::test]
async fn bad_input_is_refused_before_any_request() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let jc = client(&fake, RetryPolicy::none());
    let err = Export::new(&jc, start()..start(), EventSearch::services([]))
        .plan()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    let err = Export::new(
        &jc,
        start()..start() - TimeDelta::hours(1),
        EventSearch::all(),
    )
    .plan()
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    let mut follow = Follow::new(
        &jc,
        EventSearch::services([]),
        FollowCheckpoint::since(start()),
    )
    .stream();
    assert_eq!(
        follow.next().await.unwrap().unwrap_err().kind(),
        ErrorKind::InvalidRequest
    );
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn services_filter_and_count_endpoint_agree() {
    let set = EventSet::new(start(), 4_000);
    let fake = fake_with(&set).await;
    let jc = client(&fake, RetryPolicy::none());
    let search = EventSearch::services([EventQueryServiceItem::Sso]);
    let plan = Export::new(&jc, set.start()..set.end(), search.clone())
        .plan()
        .await
        .unwrap();
    assert_eq!(plan.expected(), 1_000);
    let events: Vec<_> = Export::new(&jc, set.start()..set.end(), search)
        .stream()
        .map_ok(|b| futures::stream::iter(b.events.into_iter().map(Ok::<_, jumpcloud_ext::Error>)))
        .try_flatten()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(events.len(), 1_000);
    assert!(
        events
            .iter()
            .all(|e| e.get("service") == Some(serde_json::json!("sso")))
    );
}

fn stored_event(at: DateTime<Utc>, n: u32) -> serde_json::Value {
    json!({
        "id": format!("{n:024x}"),
        "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "service": "directory",
        "event_type": "user_update",
    })
}

#[tokio::test]
async fn follow_delivers_new_events_once_across_a_restart() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    let jc = client(&fake, RetryPolicy::none());
    let now = Utc::now();
    for n in 0..5 {
        fake.org(&org)
            .insert(
                Collection::Events,
                stored_event(now - TimeDelta::seconds(30 - i64::from(n)), n),
            )
            .unwrap();
    }
    let follow = |cp| {
        Follow::new(&jc, EventSearch::all(), cp)
            .poll_every(Duration::from_millis(20))
            .page_size(2)
            .stream()
    };
    let mut stream = follow(FollowCheckpoint::since(now - TimeDelta::minutes(1)));
    let mut ids = Vec::new();
    let mut checkpoint = None;
    while ids.len() < 5 {
        let b = stream.try_next().await.unwrap().unwrap();
        ids.extend(b.events.iter().map(index));
        checkpoint = Some(b.checkpoint);
    }
    // A late event, older than the newest delivered but inside the overlap, and a new one.
    fake.org(&org)
        .insert(
            Collection::Events,
            stored_event(now - TimeDelta::seconds(40), 5),
        )
        .unwrap();
    fake.org(&org)
        .insert(Collection::Events, stored_event(now, 6))
        .unwrap();
    while ids.len() < 7 {
        let b = stream.try_next().await.unwrap().unwrap();
        ids.extend(b.events.iter().map(index));
        checkpoint = Some(b.checkpoint);
    }
    drop(stream);
    // A new process from the stored checkpoint: polls see the same events again, but
    // delivers only the one added meanwhile.
    let saved = serde_json::to_string(&checkpoint.unwrap()).unwrap();
    fake.org(&org)
        .insert(Collection::Events, stored_event(Utc::now(), 7))
        .unwrap();
    let cp: FollowCheckpoint = serde_json::from_str(&saved).unwrap();
    assert_eq!(cp.remembered(), 7);
    let mut resumed = follow(cp);
    let b = resumed.try_next().await.unwrap().unwrap();
    ids.extend(b.events.iter().map(index));
    let next = tokio::time::timeout(Duration::from_millis(300), resumed.try_next()).await;
    assert!(next.is_err(), "nothing more to deliver");
    assert_eq!(ids, vec![0, 1, 2, 3, 4, 5, 6, 7]);
}
