//! One error for every failure, against the fake JumpCloud: after `?`, a
//! lookup by name, a refused filter or graph request, a bulk job and a
//! command all fail as `jumpcloud_ext::Error`; `is_not_found()`,
//! `is_ambiguous()`, `is_rate_limited()` and `is_invalid_request()` answer
//! truthfully; and the typed detail (the name, the candidates, the bulk
//! report, the command's systems) is reachable through `Error::detail`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use jumpcloud_ext::api::v2::types::BulkUserCreate;
use jumpcloud_ext::filter::search::{Expr, SearchBody};
use jumpcloud_ext::jobs::{
    Builtin, BulkJob, BulkKind, BulkUsers, Commands, Confirm, JobRow, RowStatus, RowUser,
};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{DEFAULT_API_KEY, DEMO_API_KEY, DEMO_DUPLICATE_GROUP, FakeJumpCloud, Fault};

/// A client for the fake with `key` and no retries, so that one fault is
/// the call's outcome.
fn client(fake: &FakeJumpCloud, key: &str) -> JumpCloud {
    JumpCloud::builder()
        .api_key(key)
        .base_url(fake.base_url())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// What a caller writes: a function of its own returning this crate's
/// `Result`, with `?` on the lookup.
async fn group_id(jc: &JumpCloud, name: &str) -> Result<String> {
    let found = jc.find::<UserGroup>(name).await?;
    Ok(found.node.id.to_string())
}

/// A caller's function that builds a search body with `?`.
fn body(field: &str) -> Result<jumpcloud_ext::api::v1::types::Search> {
    let built = SearchBody::new()
        .filter(Expr::field(field).eq("x"))
        .build()?;
    Ok(built)
}

fn row(i: usize) -> BulkUserCreate {
    BulkUserCreate {
        username: Some(format!("one{i}")),
        email: Some(format!("one{i}@example.com")),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_name_that_matches_nothing_is_not_found_after_the_question_mark() {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let jc = client(&fake, DEMO_API_KEY);
    let err = group_id(&jc, "Nobody").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(!err.is_ambiguous() && !err.is_invalid_request(), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let Some(ErrorDetail::NotFound {
        kind, field, value, ..
    }) = err.detail()
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (kind, *field, value.as_str()),
        (&Kind::UserGroup, "name", "Nobody")
    );
    assert_eq!(err.to_string(), "no user_group has name \"Nobody\"");
    assert_eq!(err.message(), Some("no user_group has name \"Nobody\""));

    // An HTTP 404 is still not found, with its status and no detail.
    let err = jc
        .v1()
        .user_get()
        .id("0123456789abcdef01234567")
        .run()
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Http);
    assert!(err.detail().is_none(), "{err:?}");
}

#[tokio::test]
async fn an_ambiguous_name_lists_its_candidates() {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let jc = client(&fake, DEMO_API_KEY);
    let err = group_id(&jc, DEMO_DUPLICATE_GROUP).await.unwrap_err();
    assert!(err.is_ambiguous() && !err.is_not_found(), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Ambiguous);
    let Some(ErrorDetail::Ambiguous {
        kind,
        value,
        candidates,
        count,
        ..
    }) = err.detail()
    else {
        panic!("{err:?}")
    };
    assert_eq!(
        (kind, value.as_str(), *count),
        (&Kind::UserGroup, DEMO_DUPLICATE_GROUP, 2)
    );
    assert_eq!(candidates.len(), 2);
    assert_ne!(candidates[0].id, candidates[1].id);
    for c in candidates {
        assert!(err.to_string().contains(&c.id), "{err}");
    }
    // A candidate's id finds the one group.
    let one = jc
        .v2()
        .user_group_get()
        .id(candidates[0].id.clone())
        .run()
        .await;
    assert!(one.is_ok(), "{one:?}");
}

#[tokio::test]
async fn refusals_before_sending_are_invalid_requests() {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let jc = client(&fake, DEMO_API_KEY);
    fake.clear_requests();

    let err = group_id(&jc, "").await.unwrap_err();
    assert!(err.is_invalid_request() && !err.is_not_found(), "{err:?}");

    let err = body("$where").unwrap_err();
    assert!(err.is_invalid_request(), "{err:?}");
    assert!(
        matches!(err.detail(), Some(ErrorDetail::Filter(f)) if f.to_string() == err.to_string()),
        "{err:?}"
    );

    // The members of a user: no such listing, refused by the graph's table.
    let user = NodeRef::user("5f1b2c3d4e5f60718293a4b5");
    let err = jc.graph().members(&user).err().unwrap();
    assert!(err.is_invalid_request(), "{err:?}");
    assert!(
        matches!(err.detail(), Some(ErrorDetail::Graph(_))),
        "{err:?}"
    );
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn a_failed_bulk_job_keeps_its_cause_and_its_report() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let jc = client(&fake, DEFAULT_API_KEY);
    let bulk = BulkUsers::new(&jc)
        .rows_per_job(2)
        .poll_backoff(Duration::from_millis(10), Duration::from_millis(20));
    // The first job is accepted, the second submission is rate limited.
    fake.faults()
        .push(Fault::rate_limited().on_path("/api/v2/bulk/users").after(1));
    let err = bulk
        .create((0..4).map(row).collect::<Vec<_>>())
        .await
        .unwrap_err();
    assert!(err.is_rate_limited(), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    let Some(ErrorDetail::Bulk(failure)) = err.detail() else {
        panic!("{err:?}")
    };
    assert_eq!(failure.job_id, None);
    assert_eq!(failure.submitted.len(), 1, "the accepted job is not lost");
    // The accepted job's rows wait; the others were never sent.
    assert_eq!(failure.report.outcomes.len(), 4);
    assert_eq!(failure.report.count(|s| *s == RowStatus::NotSent), 2);
    assert_eq!(failure.report.pending(), vec![1, 2]);
    let text = err.to_string();
    assert!(
        text.starts_with("bulk user job: ") && text.contains("HTTP 429"),
        "{text}"
    );
    assert!(
        text.ends_with("(0 of 4 rows final, 2 not sent, 1 jobs accepted)"),
        "{text}"
    );

    // A job JumpCloud does not know: its 404, naming the job.
    let ghost = "5f00000000000000000000ff";
    let mut stale = bulk.resume(vec![BulkJob {
        job_id: ghost.into(),
        kind: BulkKind::Create,
        rows: vec![JobRow::new(1, RowUser::new(Some("ghost"), None, None))],
    }]);
    let err = stale.wait(Duration::from_secs(5)).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let Some(ErrorDetail::Bulk(failure)) = err.detail() else {
        panic!("{err:?}")
    };
    assert_eq!(failure.job_id.as_deref(), Some(ghost));
    assert_eq!(failure.report.pending(), vec![1]);
}

#[tokio::test]
async fn a_failed_command_keeps_its_cause_and_its_systems() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let jc = client(&fake, DEFAULT_API_KEY);
    let cmds = Commands::new(&jc);

    let err = cmds.trigger("never").await.unwrap_err();
    assert!(err.is_not_found() && !err.is_rate_limited(), "{err:?}");
    let Some(ErrorDetail::Command(failure)) = err.detail() else {
        panic!("{err:?}")
    };
    assert_eq!(failure.command, "trigger never");

    fake.faults()
        .push(Fault::rate_limited().on_path("/api/command/trigger/"));
    let err = cmds.trigger("nightly").await.unwrap_err();
    assert!(err.is_rate_limited() && !err.is_not_found(), "{err:?}");
    assert!(
        matches!(err.detail(), Some(ErrorDetail::Command(f)) if f.command == "trigger nightly"),
        "{err:?}"
    );

    // A built-in under another built-in's confirmation: refused before
    // sending, still naming what was refused.
    let err = cmds
        .builtin(
            Builtin::Erase,
            &["5f00000000000000000000aa".to_owned()],
            Confirm::destructive("lock"),
        )
        .await
        .unwrap_err();
    assert!(err.is_invalid_request(), "{err:?}");
    assert!(
        matches!(err.detail(), Some(ErrorDetail::Command(f)) if f.command == "builtin erase"),
        "{err:?}"
    );

    // The id of a saved command that does not exist: the lookup's own error.
    let err = cmds.command_id("No such command").await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(
        matches!(err.detail(), Some(ErrorDetail::NotFound { value, .. }) if value == "No such command"),
        "{err:?}"
    );
}

/// A caller's function returning the SDK's `Result`, with `?` on the filter builders of each
/// query-string dialect (v2, v1, System Insights) and on parsed filter text.
async fn groups_named(jc: &JumpCloud, name: &str) -> Result<Vec<UserGroup>> {
    use jumpcloud_ext::filter::{system_insights, v1, v2};
    let by_name = v2::Filter::field("name").eq(name)?;
    let parsed: v2::Filter = "type:eq:user_group".parse()?;
    let _v1 = v1::Filter::field("username").eq(name)?;
    let _si = system_insights::Filter::field("system_id").is_in([name])?;
    jc.v2()
        .user_group_list()
        .filter(vec![by_name, parsed])
        .try_collect_all()
        .await
}

#[tokio::test]
async fn question_mark_on_a_filter_builder_gives_the_sdks_error() {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let jc = client(&fake, DEMO_API_KEY);
    fake.clear_requests();
    let found = groups_named(&jc, "Engineering").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name.as_deref(), Some("Engineering"));
    let sent = fake.requests();
    assert_eq!(sent.len(), 1, "one filtered request");
    assert!(
        sent[0]
            .query
            .as_deref()
            .unwrap_or("")
            .contains("filter=name%3Aeq%3AEngineering")
            || sent[0]
                .query
                .as_deref()
                .unwrap_or("")
                .contains("filter=name:eq:Engineering"),
        "{:?}",
        sent[0].query
    );

    // A value the `in` operator cannot carry is refused by the builder, before any request,
    // as `jumpcloud_ext::Error` with the filter's refusal as its detail.
    fake.clear_requests();
    let err = groups_named(&jc, "a|b").await.unwrap_err();
    assert!(err.is_invalid_request(), "{err:?}");
    let Some(ErrorDetail::Filter(refusal)) = err.detail() else {
        panic!("{err:?}")
    };
    assert!(refusal.to_string().contains("a|b"), "{refusal}");
    assert_eq!(fake.request_count(), 0);
}
