//! Bulk user jobs: `POST` / `PATCH /bulk/users` and their results at
//! `/bulk/users/{job_id}/results`.

use std::time::Duration;

use jumpcloud_api::v2::types::{BulkUserCreate, BulkUserUpdate, JobWorkresult};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::call::Run;
use crate::client::JumpCloud;
use crate::error::{Error, ErrorDetail, Result};
use crate::listing::Listing;

/// Rows sent in one job when the caller does not choose. JumpCloud
/// documents no limit for a bulk job; 500 is a conservative size that keeps
/// each request body small and each job's results to five pages. Change it
/// with [`BulkUsers::rows_per_job`].
pub const DEFAULT_ROWS_PER_JOB: usize = 500;

/// Creates or updates many users through JumpCloud's bulk jobs, and waits
/// for the outcome of each row.
///
/// Inputs of any size are split into jobs of at most
/// [`rows_per_job`](Self::rows_per_job) rows. Rows are checked before
/// anything is sent: an empty input, or a row without its required field
/// (`username` and `email` to create, `id` to update), is refused with the
/// row's number.
///
/// ```no_run
/// use std::time::Duration;
/// use jumpcloud_ext::api::v2::types::BulkUserCreate;
/// use jumpcloud_ext::jobs::{BulkUsers, RowOutcome};
///
/// # async fn demo(jc: jumpcloud_ext::JumpCloud) -> Result<(), Box<dyn std::error::Error>> {
/// let rows = vec![BulkUserCreate {
///     username: Some("ada".into()),
///     email: Some("ada@example.com".into()),
///     ..Default::default()
/// }];
/// let mut handle = BulkUsers::new(&jc).create(rows).await?;
/// // Keep `handle.jobs()` (serde) to resume waiting after a restart.
/// let report = handle.wait(Duration::from_secs(300)).await?;
/// for (row, outcome) in report.outcomes.iter().enumerate() {
///     if let RowOutcome::Failed { message } = outcome {
///         eprintln!("row {row}: {message}");
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct BulkUsers {
    jc: JumpCloud,
    rows_per_job: usize,
    first_poll: Duration,
    max_poll: Duration,
}

/// Whether a job creates or updates users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum BulkKind {
    /// `POST /bulk/users`.
    Create,
    /// `PATCH /bulk/users`.
    Update,
}

/// One submitted job: its id and the rows it carries. Serialisable, so a
/// program can store the jobs of a handle and [resume](BulkUsers::resume)
/// waiting after a restart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkJob {
    /// JumpCloud's job id.
    pub job_id: String,
    /// Creation or update.
    pub kind: BulkKind,
    /// Index of the job's first row in the whole input.
    pub first_row: usize,
    /// Each row's key, in order: the `username` of a creation, the `id` of
    /// an update. Results are matched to rows by it.
    pub keys: Vec<String>,
}

/// The outcome of one input row.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowOutcome {
    /// The user was created (with its id, when the result gave one).
    Created {
        /// The new user's id.
        id: Option<String>,
    },
    /// The user was updated.
    Updated {
        /// The user's id.
        id: Option<String>,
    },
    /// JumpCloud refused the row.
    Failed {
        /// JumpCloud's message (its `statusMsg`).
        message: String,
    },
    /// Not final yet (no result, or a result still in progress).
    Pending {
        /// JumpCloud's status for the row, if it has given one.
        status: Option<String>,
    },
}

impl RowOutcome {
    /// Whether the row will not change any more.
    pub fn is_final(&self) -> bool {
        !matches!(self, RowOutcome::Pending { .. })
    }
}

/// What is known of every row: outcomes in input order, and any result that
/// named no row of the input.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct BulkReport {
    /// One outcome per input row, in input order.
    pub outcomes: Vec<RowOutcome>,
    /// Results that could not be matched to a row (kept, not guessed).
    pub unmatched: Vec<JobWorkresult>,
}

impl BulkReport {
    /// Whether every row is final.
    pub fn is_complete(&self) -> bool {
        self.outcomes.iter().all(RowOutcome::is_final)
    }

    /// Rows still pending (their input row numbers, from 0).
    pub fn pending(&self) -> Vec<usize> {
        let rows = self.outcomes.iter().enumerate();
        rows.filter(|(_, o)| !o.is_final())
            .map(|(i, _)| i)
            .collect()
    }

    /// Rows that failed.
    pub fn failed(&self) -> usize {
        let failed = |o: &&RowOutcome| matches!(o, RowOutcome::Failed { .. });
        self.outcomes.iter().filter(failed).count()
    }
}

/// What a failed bulk user job leaves behind, reached through
/// [`Error::detail`] as [`ErrorDetail::Bulk`]: which job, the jobs already
/// accepted (on submission, so none is lost) and the report so far. The
/// [`Error`] it comes with keeps the failed request's kind and status, so
/// `is_rate_limited()` and `is_not_found()` answer for that request.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct BulkFailure {
    /// The job being submitted or polled, if one had an id.
    pub job_id: Option<String>,
    /// Jobs accepted before the failure.
    pub submitted: Vec<BulkJob>,
    /// Every row's outcome known so far.
    pub report: BulkReport,
}

impl BulkFailure {
    /// `bulk user job {id}: {cause} ({done} of {rows} rows final, {n} jobs
    /// accepted)`, or without the cause when there is none.
    pub(crate) fn describe(&self, cause: Option<&str>) -> String {
        let job = match &self.job_id {
            Some(id) => format!("bulk user job {id}"),
            None => "bulk user job".to_owned(),
        };
        let done = self.report.outcomes.iter().filter(|o| o.is_final()).count();
        let known = format!(
            "{done} of {} rows final, {} jobs accepted",
            self.report.outcomes.len(),
            self.submitted.len()
        );
        match cause {
            Some(cause) => format!("{job}: {cause} ({known})"),
            None => format!("{job}: {known}"),
        }
    }

    /// `error` with this as its detail.
    fn attach(self, error: Error) -> Error {
        error.with_detail(ErrorDetail::Bulk(self))
    }
}

/// The non-empty value of a row's field, or an error naming the row.
fn required(value: Option<&String>, row: usize, field: &str) -> Result<String> {
    match value.map(|v| v.trim()) {
        Some(v) if !v.is_empty() => Ok(v.to_owned()),
        _ => Err(Error::invalid_request(format!(
            "row {row}: {field} is required"
        ))),
    }
}

impl BulkUsers {
    /// Bulk jobs through `jc`, [`DEFAULT_ROWS_PER_JOB`] rows per job, polling
    /// after 1 s and then up to every 30 s.
    pub fn new(jc: &JumpCloud) -> Self {
        BulkUsers {
            jc: jc.clone(),
            rows_per_job: DEFAULT_ROWS_PER_JOB,
            first_poll: Duration::from_secs(1),
            max_poll: Duration::from_secs(30),
        }
    }

    /// At most `n` rows per job (at least 1).
    pub fn rows_per_job(mut self, n: usize) -> Self {
        self.rows_per_job = n.max(1);
        self
    }

    /// Waits `first` before the first poll, doubling up to `max` between
    /// polls while rows stay pending.
    pub fn poll_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.first_poll = first;
        self.max_poll = max.max(first);
        self
    }

    /// The keys of creation rows (`username`), checking each row has a
    /// username and an email. Nothing is sent.
    pub fn check_create(rows: &[BulkUserCreate]) -> Result<Vec<String>> {
        if rows.is_empty() {
            return Err(Error::invalid_request("no rows to create"));
        }
        let mut keys = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            keys.push(required(row.username.as_ref(), i, "username")?);
            required(row.email.as_ref(), i, "email")?;
        }
        Ok(keys)
    }

    /// The keys of update rows (`id`), checking each row has one. Nothing is
    /// sent.
    pub fn check_update(rows: &[BulkUserUpdate]) -> Result<Vec<String>> {
        if rows.is_empty() {
            return Err(Error::invalid_request("no rows to update"));
        }
        let ids = rows.iter().enumerate();
        ids.map(|(i, row)| required(row.id.as_ref(), i, "id"))
            .collect()
    }

    /// Submits creations, split into jobs; the handle waits for them.
    /// A failure carries [`ErrorDetail::Bulk`] with the jobs accepted
    /// before it.
    pub async fn create(&self, rows: Vec<BulkUserCreate>) -> Result<BulkHandle> {
        let keys = Self::check_create(&rows).map_err(|e| self.refused(e))?;
        let mut jobs = Vec::new();
        for (n, chunk) in rows.chunks(self.rows_per_job).enumerate() {
            let first_row = n * self.rows_per_job;
            let sent = self.jc.v2().bulk_users_create().body(chunk.to_vec()).run();
            let job_id = self.accepted(sent.await, &jobs)?;
            jobs.push(BulkJob {
                job_id,
                kind: BulkKind::Create,
                first_row,
                keys: keys[first_row..first_row + chunk.len()].to_vec(),
            });
        }
        Ok(self.resume(jobs))
    }

    /// Submits updates, split into jobs; the handle waits for them.
    /// A failure carries [`ErrorDetail::Bulk`] with the jobs accepted
    /// before it.
    pub async fn update(&self, rows: Vec<BulkUserUpdate>) -> Result<BulkHandle> {
        let keys = Self::check_update(&rows).map_err(|e| self.refused(e))?;
        let mut jobs = Vec::new();
        for (n, chunk) in rows.chunks(self.rows_per_job).enumerate() {
            let first_row = n * self.rows_per_job;
            let sent = self.jc.v2().bulk_users_update().body(chunk.to_vec()).run();
            let job_id = self.accepted(sent.await, &jobs)?;
            jobs.push(BulkJob {
                job_id,
                kind: BulkKind::Update,
                first_row,
                keys: keys[first_row..first_row + chunk.len()].to_vec(),
            });
        }
        Ok(self.resume(jobs))
    }

    /// Rows refused before anything was sent.
    fn refused(&self, error: Error) -> Error {
        let nothing = BulkFailure {
            job_id: None,
            submitted: Vec::new(),
            report: BulkReport::default(),
        };
        nothing.attach(error)
    }

    /// The job id of an accepted submission.
    fn accepted(
        &self,
        answer: Result<jumpcloud_api::v2::types::JobId>,
        jobs: &[BulkJob],
    ) -> Result<String> {
        let fail = |error| {
            let so_far = BulkFailure {
                job_id: None,
                submitted: jobs.to_vec(),
                report: self.resume(jobs.to_vec()).report(),
            };
            so_far.attach(error)
        };
        match answer {
            Ok(id) => match id.job_id.filter(|j| !j.trim().is_empty()) {
                Some(j) => Ok(j),
                None => Err(fail(Error::protocol(
                    "bulk user job accepted without a jobId",
                ))),
            },
            Err(e) => Err(fail(e)),
        }
    }

    /// A handle for jobs submitted earlier (say, by a process that
    /// stopped), to wait for them again.
    pub fn resume(&self, jobs: Vec<BulkJob>) -> BulkHandle {
        let rows = jobs.iter().map(|j| j.first_row + j.keys.len()).max();
        BulkHandle {
            jc: self.jc.clone(),
            outcomes: vec![RowOutcome::Pending { status: None }; rows.unwrap_or(0)],
            unmatched: Vec::new(),
            settled: vec![false; jobs.len()],
            jobs,
            first_poll: self.first_poll,
            max_poll: self.max_poll,
        }
    }
}

/// Submitted bulk jobs, waiting for their rows' outcomes.
#[derive(Debug)]
pub struct BulkHandle {
    jc: JumpCloud,
    jobs: Vec<BulkJob>,
    outcomes: Vec<RowOutcome>,
    unmatched: Vec<JobWorkresult>,
    /// Jobs whose rows are all final (not polled again).
    settled: Vec<bool>,
    first_poll: Duration,
    max_poll: Duration,
}

/// A result's status, as an outcome of a job of `kind`.
fn outcome(kind: BulkKind, result: &JobWorkresult) -> RowOutcome {
    let status = result.status.as_deref().unwrap_or("").to_ascii_lowercase();
    let id = ["id", "_id"]
        .iter()
        .find_map(|k| result.persisted_fields.get(*k).and_then(|v| v.as_str()))
        .map(str::to_owned);
    match status.as_str() {
        "failed" | "failure" | "error" | "errored" => RowOutcome::Failed {
            message: result
                .status_msg
                .clone()
                .unwrap_or_else(|| "failed without a message".into()),
        },
        "finished" | "success" | "succeeded" | "complete" | "completed" | "created" | "updated"
        | "done" => match kind {
            BulkKind::Create => RowOutcome::Created { id },
            BulkKind::Update => RowOutcome::Updated { id },
        },
        _ => RowOutcome::Pending {
            status: result.status.clone(),
        },
    }
}

/// The row key a result names: `username` (creations) or `id` (updates),
/// looked for in `persistedFields`, then `meta`.
fn result_key(kind: BulkKind, result: &JobWorkresult) -> Option<&str> {
    let field = match kind {
        BulkKind::Create => "username",
        BulkKind::Update => "id",
    };
    [&result.persisted_fields, &result.meta]
        .iter()
        .find_map(|m| m.get(field).and_then(|v| v.as_str()))
}

impl BulkHandle {
    /// The jobs, to store and [resume](BulkUsers::resume) later.
    pub fn jobs(&self) -> &[BulkJob] {
        &self.jobs
    }

    /// What is known now, without asking.
    pub fn report(&self) -> BulkReport {
        BulkReport {
            outcomes: self.outcomes.clone(),
            unmatched: self.unmatched.clone(),
        }
    }

    /// Reads the results of every job not yet settled once; whether every
    /// row is final. A failure names the job and carries the report so far
    /// ([`ErrorDetail::Bulk`]).
    pub async fn poll(&mut self) -> Result<bool> {
        for j in 0..self.jobs.len() {
            if self.settled[j] {
                continue;
            }
            let job = &self.jobs[j];
            let listed = self
                .jc
                .v2()
                .bulk_users_result_get()
                .job_id(job.job_id.clone())
                .try_collect_all()
                .await;
            let results = match listed {
                Ok(r) => r,
                Err(error) => {
                    let so_far = BulkFailure {
                        job_id: Some(job.job_id.clone()),
                        submitted: self.jobs.clone(),
                        report: self.report(),
                    };
                    return Err(so_far.attach(error));
                }
            };
            let (kind, first, keys) = (job.kind, job.first_row, job.keys.clone());
            for result in results {
                let row = result_key(kind, &result)
                    .and_then(|key| keys.iter().position(|k| k == key))
                    .map(|i| first + i);
                match row.and_then(|r| self.outcomes.get_mut(r)) {
                    Some(slot) => {
                        let new = outcome(kind, &result);
                        if !slot.is_final() {
                            *slot = new;
                        }
                    }
                    None => {
                        let known = self.unmatched.iter().any(|u| u == &result);
                        if !known {
                            self.unmatched.push(result);
                        }
                    }
                }
            }
            let rows = &self.outcomes[first..first + keys.len()];
            self.settled[j] = rows.iter().all(RowOutcome::is_final);
        }
        Ok(self.settled.iter().all(|s| *s))
    }

    /// Polls with backoff until every row is final or `timeout` has passed;
    /// the report either way ([`BulkReport::is_complete`] tells which). A
    /// failure (an unknown job, an error that outlasts the client's retries)
    /// names the job and carries the report so far ([`ErrorDetail::Bulk`]);
    /// the handle keeps it and can wait again.
    pub async fn wait(&mut self, timeout: Duration) -> Result<BulkReport> {
        let deadline = Instant::now() + timeout;
        let mut pause = self.first_poll;
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Ok(self.report());
            }
            tokio::time::sleep(pause.min(deadline - now)).await;
            if self.poll().await? {
                return Ok(self.report());
            }
            pause = (pause * 2).min(self.max_poll);
        }
    }
}
