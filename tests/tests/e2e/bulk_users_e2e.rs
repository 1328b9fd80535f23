//! Bulk user jobs end to end against the fake on 127.0.0.1: splitting over the row limit,
//! per-row outcomes matched to input rows, a wait resumed from stored job ids, faults on the
//! polling endpoint, and typed refusals before anything is sent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Duration;

use jumpcloud_ext::api::v2::types::{BulkUserCreate, BulkUserUpdate};
use jumpcloud_ext::jobs::{BulkInput, BulkJob, BulkUsers, JobRow, RowStatus, RowUser};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{Collection, FakeJumpCloud};
use serde_json::json;

const RESULTS: &str = "/api/v2/bulk/users/";

fn client(fake: &FakeJumpCloud) -> JumpCloud {
    common::client(fake, common::fast_retry())
}

fn row(i: usize) -> BulkUserCreate {
    BulkUserCreate {
        username: Some(format!("bulk{i}")),
        email: Some(format!("bulk{i}@example.com")),
        ..Default::default()
    }
}

/// A fake whose bulk jobs settle their first row `delay` after submission and each
/// next one `per_row` later.
async fn timed_fake(delay: Duration, per_row: Duration) -> FakeJumpCloud {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    fake.org(&org).set_bulk_timing(delay, per_row).unwrap();
    fake
}

fn jobs(fake: &FakeJumpCloud) -> BulkUsers {
    BulkUsers::new(&client(fake)).poll_backoff(Duration::from_millis(20), Duration::from_millis(80))
}

#[tokio::test]
async fn creations_split_over_jobs_and_every_row_gets_its_outcome() {
    let fake = timed_fake(Duration::from_millis(30), Duration::ZERO).await;
    let org = fake.default_org_id().to_owned();
    fake.org(&org)
        .insert(
            Collection::Users,
            json!({"username": "bulk7", "email": "b@example.com"}),
        )
        .unwrap();
    let mut rows: Vec<_> = (0..1_200).map(row).collect();
    rows[3].email = Some("not-an-email".into());
    let mut handle = jobs(&fake).rows_per_job(500).create(rows).await.unwrap();
    assert_eq!(handle.jobs().len(), 3);
    assert_eq!(
        handle
            .jobs()
            .iter()
            .map(|j| j.rows[0].row)
            .collect::<Vec<_>>(),
        vec![1, 501, 1_001]
    );
    let report = handle.wait(Duration::from_secs(20)).await.unwrap();
    assert!(report.is_complete());
    assert_eq!(report.outcomes.len(), 1_200);
    assert_eq!(report.failed(), 2);
    assert!(
        matches!(&report.outcomes[3].status, RowStatus::Failed { message } if message.contains("email"))
    );
    assert!(
        matches!(&report.outcomes[7].status, RowStatus::Failed { message } if message.contains("exists"))
    );
    // Rows are numbered from 1, as in the input, and name their user.
    assert_eq!(report.outcomes[7].row, 8);
    assert!(
        report.outcomes[7]
            .to_string()
            .starts_with("row 8 bulk7 <bulk7@example.com>: failed: "),
        "{}",
        report.outcomes[7]
    );
    // Each created row names the user the fake made from that very row.
    for i in [0usize, 499, 500, 1_199] {
        let RowStatus::Created { id: Some(id) } = &report.outcomes[i].status else {
            panic!("row {i}: {:?}", report.outcomes[i]);
        };
        let user = fake.org(&org).object(Collection::Users, id).unwrap();
        assert_eq!(user["username"], format!("bulk{i}"));
    }
    assert!(report.unmatched.is_empty());
}

#[tokio::test]
async fn updates_are_matched_by_id_and_unknown_users_fail() {
    let fake = timed_fake(Duration::from_millis(10), Duration::ZERO).await;
    let org = fake.default_org_id().to_owned();
    let ids = fake.default_org().seed_users(3).unwrap();
    let mut rows: Vec<BulkUserUpdate> = ids
        .iter()
        .map(|id| BulkUserUpdate {
            id: Some(id.clone()),
            department: Some("Research".into()),
            ..Default::default()
        })
        .collect();
    rows.insert(
        1,
        BulkUserUpdate {
            id: Some("5f0000000000000000000000".into()),
            ..Default::default()
        },
    );
    let mut handle = jobs(&fake).update(rows).await.unwrap();
    let report = handle.wait(Duration::from_secs(10)).await.unwrap();
    assert_eq!(
        report.outcomes[0].status,
        RowStatus::Updated {
            id: Some(ids[0].clone())
        }
    );
    assert!(
        matches!(&report.outcomes[1].status, RowStatus::Failed { message } if message.contains("not found"))
    );
    assert_eq!(
        report.outcomes[3].status,
        RowStatus::Updated {
            id: Some(ids[2].clone())
        }
    );
    assert_eq!(
        report.outcomes[3].to_string(),
        format!("row 4 user {}: updated", ids[2])
    );
    let user = fake.org(&org).object(Collection::Users, &ids[2]).unwrap();
    assert_eq!(user["department"], "Research");
}

#[tokio::test]
async fn a_restarted_program_resumes_waiting_from_the_job_ids() {
    let fake = timed_fake(Duration::from_millis(150), Duration::from_millis(1)).await;
    let stored = {
        let mut handle = jobs(&fake)
            .rows_per_job(40)
            .create((0..100).map(row).collect::<Vec<_>>())
            .await
            .unwrap();
        let early = handle.wait(Duration::from_millis(30)).await.unwrap();
        assert!(!early.is_complete());
        assert_eq!(early.pending().len(), 100);
        serde_json::to_string(handle.jobs()).unwrap()
    };
    let jobs_back: Vec<BulkJob> = serde_json::from_str(&stored).unwrap();
    let mut handle = jobs(&fake).resume(jobs_back);
    let report = handle.wait(Duration::from_secs(10)).await.unwrap();
    assert!(report.is_complete());
    assert!(
        report
            .outcomes
            .iter()
            .all(|o| matches!(o.status, RowStatus::Created { id: Some(_) }))
    );
}

#[tokio::test]
async fn faults_mid_wait_are_retried_and_an_unknown_job_is_named() {
    let fake = timed_fake(Duration::from_millis(40), Duration::ZERO).await;
    let mut handle = jobs(&fake)
        .create((0..30).map(row).collect::<Vec<_>>())
        .await
        .unwrap();
    common::flaky_polls(&fake, RESULTS);
    let report = handle.wait(Duration::from_secs(10)).await.unwrap();
    assert!(report.is_complete());
    assert_eq!(report.failed(), 0);

    let mut stale = jobs(&fake).resume(vec![
        handle.jobs()[0].clone(),
        BulkJob {
            job_id: "5f00000000000000000000ff".into(),
            kind: handle.jobs()[0].kind,
            rows: vec![ghost_row(31)],
        },
    ]);
    let err = stale.wait(Duration::from_secs(5)).await.unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(
        err.to_string().contains("5f00000000000000000000ff"),
        "{err}"
    );
    let Some(ErrorDetail::Bulk(failure)) = err.detail() else {
        panic!("{err:?}")
    };
    assert_eq!(failure.job_id.as_deref(), Some("5f00000000000000000000ff"));
    // What was known is kept: the first job's 30 rows are final.
    assert_eq!(
        failure
            .report
            .outcomes
            .iter()
            .filter(|o| o.is_final())
            .count(),
        30
    );
    assert_eq!(stale.report().pending(), vec![31]);
}

fn ghost_row(n: usize) -> JobRow {
    JobRow::new(n, RowUser::new(Some("ghost"), None, None))
}

fn submissions(fake: &FakeJumpCloud) -> usize {
    fake.requests_to("POST", "/api/v2/bulk/users").len()
}

#[tokio::test]
async fn invalid_rows_are_skipped_and_reported_and_the_rest_sent() {
    let fake = timed_fake(Duration::from_millis(10), Duration::ZERO).await;
    let org = fake.default_org_id().to_owned();
    let mut rows: Vec<_> = (0..7).map(row).collect();
    rows[1].email = None;
    rows[4].username = Some("  ".into());
    let mut handle = jobs(&fake).rows_per_job(2).create(rows).await.unwrap();
    // Five valid rows in jobs of two: three submissions, and the skipped rows in none.
    assert_eq!(submissions(&fake), 3);
    let sent: Vec<Vec<usize>> = handle
        .jobs()
        .iter()
        .map(|j| j.rows.iter().map(|r| r.row).collect())
        .collect();
    assert_eq!(sent, vec![vec![1, 3], vec![4, 6], vec![7]]);
    let report = handle.wait(Duration::from_secs(10)).await.unwrap();
    assert!(report.is_complete());
    assert_eq!(report.outcomes.len(), 7);
    assert_eq!(report.skipped(), 2);
    assert_eq!(
        report.outcomes[1].to_string(),
        "row 2 bulk1: skipped, not sent: email is required"
    );
    assert_eq!(
        report.outcomes[4].to_string(),
        "row 5 <bulk4@example.com>: skipped, not sent: username is required"
    );
    let created = report.count(|s| matches!(s, RowStatus::Created { id: Some(_) }));
    assert_eq!(created, 5);
    assert_eq!(fake.org(&org).objects(Collection::Users).unwrap().len(), 5);
    assert_eq!(report.summary(), "7 rows: 5 created, 2 skipped");
}

#[tokio::test]
async fn refusing_invalid_rows_sends_nothing_and_names_them() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let bulk = jobs(&fake).refuse_invalid_rows(true);
    let err = bulk.create(Vec::new()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidRequest);
    let mut rows: Vec<_> = (0..5).map(row).collect();
    rows[2].username = None;
    let err = bulk.create(rows).await.unwrap_err();
    assert!(err.is_invalid_request(), "{err:?}");
    assert!(
        err.to_string().contains(
            "1 of 5 rows are invalid, nothing was sent: \
             row 3 <bulk2@example.com>: username is required"
        ),
        "{err}"
    );
    let Some(ErrorDetail::Bulk(failure)) = err.detail() else {
        panic!("{err:?}")
    };
    assert_eq!(failure.report.skipped(), 1);
    assert_eq!(failure.report.count(|s| *s == RowStatus::NotSent), 4);
    // Numbered from an offset, as the second part of a longer file.
    let err = bulk
        .update(BulkInput::numbered_from(
            vec![BulkUserUpdate::default()],
            501,
        ))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("row 501 (unnamed): id is required"),
        "{err}"
    );
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test]
async fn a_csv_file_is_read_and_its_bad_rows_are_reported_by_line() {
    let fake = timed_fake(Duration::from_millis(10), Duration::ZERO).await;
    let org = fake.default_org_id().to_owned();
    let csv = "Username,Email,First Name,Department,sudo,attributes.costCode\n\
               hana.k,hana.k@example.com,Hana,\"Research, Lab 2\",false,CC-1\n\
               \n\
               ivo.m,ivo.m@example.com,Ivo,Research,maybe,\n\
               jae.p,,Jae,Research,no,\n\
               kemi.o,kemi.o@example.com,\"Kemi\nO.\",Research,yes,CC-2\n\
               lior.b,not-an-email,Lior,Research,,\n";
    let input = BulkInput::<BulkUserCreate>::from_csv(csv).unwrap();
    assert_eq!(input.len(), 5);
    let mut handle = jobs(&fake).create(input).await.unwrap();
    assert_eq!(submissions(&fake), 1);
    let report = handle.wait(Duration::from_secs(10)).await.unwrap();
    let lines: Vec<String> = report.outcomes.iter().map(ToString::to_string).collect();
    assert!(lines[0].starts_with("row 1 (line 2) hana.k <hana.k@example.com>: created, id "));
    assert_eq!(
        lines[1],
        "row 2 (line 4) ivo.m <ivo.m@example.com>: skipped, not sent: sudo: \"maybe\" is not true or false"
    );
    assert_eq!(
        lines[2],
        "row 3 (line 5) jae.p: skipped, not sent: email is required"
    );
    assert!(lines[3].starts_with("row 4 (line 6) kemi.o <kemi.o@example.com>: created"));
    assert!(
        lines[4].starts_with("row 5 (line 8) lior.b <not-an-email>: failed: "),
        "{}",
        lines[4]
    );
    // The cells reached JumpCloud as typed fields.
    let RowStatus::Created { id: Some(id) } = &report.outcomes[0].status else {
        panic!("{:?}", report.outcomes[0]);
    };
    let hana = fake.org(&org).object(Collection::Users, id).unwrap();
    assert_eq!(hana["department"], "Research, Lab 2");
    assert_eq!(hana["sudo"], false);
    assert_eq!(hana["attributes"][0]["value"], "CC-1");
    let sent = &fake.requests_to("POST", "/api/v2/bulk/users")[0];
    let body: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
    assert_eq!(body.as_array().unwrap().len(), 3);
}

/// The request count of a bulk job of 10,000 rows (recorded in BENCHMARKS.md): 20 jobs of the
/// default 500 rows, whose results are read 100 per page. The floor is one submission per job
/// and one read of every job's results once all its rows are final: 20 + 20 × 5 = 120.
#[tokio::test]
async fn a_job_of_10000_rows_counts_its_requests() {
    // Each job's first row settles 200 ms after its submission, then one every 2 ms: a job
    // of 500 rows is final about 1.2 s after it was sent, so polls find jobs half done.
    let fake = timed_fake(Duration::from_millis(200), Duration::from_millis(2)).await;
    let before = fake.request_count();
    let bulk = BulkUsers::new(&client(&fake))
        .poll_backoff(Duration::from_millis(250), Duration::from_secs(2));
    let begun = std::time::Instant::now();
    let mut handle = bulk
        .create((0..10_000).map(row).collect::<Vec<_>>())
        .await
        .unwrap();
    let submitted = begun.elapsed();
    let report = handle.wait(Duration::from_secs(120)).await.unwrap();
    let took = begun.elapsed();
    assert!(report.is_complete());
    assert_eq!(report.outcomes.len(), 10_000);
    assert_eq!(report.failed(), 0);
    assert!(report.unmatched.is_empty());

    let requests = fake.requests();
    assert_eq!(requests.len(), fake.request_count() - before);
    let submissions = requests
        .iter()
        .filter(|r| r.is("POST", "/api/v2/bulk/users"))
        .count();
    let pages = requests
        .iter()
        .filter(|r| r.path.starts_with(RESULTS))
        .count();
    let jobs = handle.jobs().len();
    let floor = jobs + jobs * 500usize.div_ceil(100);
    println!(
        "10000 bulk rows: {} requests (submissions {submissions}, result pages {pages}); \
         floor {floor}; submitted in {submitted:?}, final after {took:?}",
        requests.len()
    );
    assert_eq!(jobs, 20);
    assert_eq!(submissions, 20);
    assert_eq!(requests.len(), submissions + pages);
    // Every job's results are read at least once in full; a job still settling at a poll
    // is read again (the results cannot be asked for only the rows not yet final).
    assert!(pages >= 100, "{pages} result pages");
    assert!(pages <= 500, "{pages} result pages");
}
