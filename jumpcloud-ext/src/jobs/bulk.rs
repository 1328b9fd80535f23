//! Bulk user jobs: `POST` / `PATCH /bulk/users` and their results at
//! `/bulk/users/{job_id}/results`.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use jumpcloud_api::v2::types::{BulkUserCreate, BulkUserUpdate, JobId, JobWorkresult};
use serde::de::DeserializeOwned;
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
/// Rows are checked before anything is sent: a row without its required
/// field (`username` and `email` to create, `id` to update) is *skipped*
/// and reported with its row number, and the others are sent.
/// [`refuse_invalid_rows(true)`](Self::refuse_invalid_rows) refuses the
/// whole input instead. Rows are numbered as in the input, from 1 (a CSV
/// file's first row after its header is row 1); [`BulkInput::numbered_from`]
/// starts elsewhere. Inputs of any size are split into jobs of at most
/// [`rows_per_job`](Self::rows_per_job) rows.
///
/// ```no_run
/// use std::time::Duration;
/// use jumpcloud_ext::jobs::{BulkInput, BulkUsers};
///
/// # async fn demo(jc: jumpcloud_ext::JumpCloud) -> Result<(), Box<dyn std::error::Error>> {
/// // The columns are the fields of JumpCloud's bulk user document
/// // (username, email, firstname, …); a row that cannot be read is
/// // reported by its line and skipped.
/// let rows = BulkInput::from_csv("username,email\nada,ada@example.com\nbob,\n")?;
/// let mut handle = BulkUsers::new(&jc).create(rows).await?;
/// // Keep `handle.jobs()` (serde) to resume waiting after a restart.
/// let report = handle.wait(Duration::from_secs(300)).await?;
/// print!("{report}"); // one line per row: "row 2 bob: skipped, not sent: email is required"
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct BulkUsers {
    jc: JumpCloud,
    rows_per_job: usize,
    first_poll: Duration,
    max_poll: Duration,
    refuse_invalid: bool,
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

impl BulkKind {
    fn verb(self) -> &'static str {
        match self {
            BulkKind::Create => "create",
            BulkKind::Update => "update",
        }
    }
}

/// Who a row is about, as the row names them: what a report prints, and
/// what matches JumpCloud's results to rows (the `username` of a creation,
/// the `id` of an update).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RowUser {
    /// The row's `username`, if it has one.
    pub username: Option<String>,
    /// The row's `email`, if it has one.
    pub email: Option<String>,
    /// The row's `id` (updates), if it has one.
    pub id: Option<String>,
}

impl RowUser {
    /// The trimmed, non-empty values of a row's fields.
    pub fn new(username: Option<&str>, email: Option<&str>, id: Option<&str>) -> Self {
        let keep = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        RowUser {
            username: keep(username),
            email: keep(email),
            id: keep(id),
        }
    }

    /// What results are matched by: `username` to create, `id` to update.
    fn key(&self, kind: BulkKind) -> Option<&str> {
        match kind {
            BulkKind::Create => self.username.as_deref(),
            BulkKind::Update => self.id.as_deref(),
        }
    }
}

impl fmt::Display for RowUser {
    /// `ada <ada@example.com>`, `ada`, `<ada@example.com>`, `user 5f1b…` (an
    /// update by id alone), or `(unnamed)` when the row names nobody.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.username, &self.email, &self.id) {
            (Some(u), Some(e), _) => write!(f, "{u} <{e}>"),
            (Some(u), None, _) => f.write_str(u),
            (None, Some(e), _) => write!(f, "<{e}>"),
            (None, None, Some(id)) => write!(f, "user {id}"),
            (None, None, None) => f.write_str("(unnamed)"),
        }
    }
}

/// A row type bulk jobs send: [`BulkUserCreate`] or [`BulkUserUpdate`].
/// Sealed: the two are what JumpCloud's bulk operations take.
pub trait BulkRow:
    sealed::Sealed + Clone + Serialize + DeserializeOwned + Send + Sync + 'static
{
    /// Whether rows of this type create or update.
    const KIND: BulkKind;

    /// Who the row is about.
    fn user(&self) -> RowUser;

    /// Why the row cannot be sent (a required field is missing), if so.
    fn problem(&self) -> Option<String>;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::BulkUserCreate {}
    impl Sealed for super::BulkUserUpdate {}
}

/// `"{field} is required"` when `value` is missing or blank.
fn required(value: Option<&String>, field: &str) -> Option<String> {
    match value.map(|v| v.trim()) {
        Some(v) if !v.is_empty() => None,
        _ => Some(format!("{field} is required")),
    }
}

impl BulkRow for BulkUserCreate {
    const KIND: BulkKind = BulkKind::Create;

    fn user(&self) -> RowUser {
        RowUser::new(self.username.as_deref(), self.email.as_deref(), None)
    }

    fn problem(&self) -> Option<String> {
        required(self.username.as_ref(), "username")
            .or_else(|| required(self.email.as_ref(), "email"))
    }
}

impl BulkRow for BulkUserUpdate {
    const KIND: BulkKind = BulkKind::Update;

    fn user(&self) -> RowUser {
        RowUser::new(
            self.username.as_deref(),
            self.email.as_deref(),
            self.id.as_deref(),
        )
    }

    fn problem(&self) -> Option<String> {
        required(self.id.as_ref(), "id")
    }
}

/// One row of an input, with its number as the input numbers it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct InputRow<T> {
    /// The row's number: from 1 (or the offset given), a CSV file's header
    /// not counted.
    pub row: usize,
    /// The line of the CSV file the row starts on, when read from one.
    pub line: Option<usize>,
    /// The row.
    pub value: T,
}

/// The rows of a bulk job, numbered as in their input, and the rows of a
/// CSV file that could not be read (each with its line number; they are
/// reported and skipped). Made from a `Vec` of rows (`.into()`, numbered
/// from 1), [`numbered_from`](Self::numbered_from), or a CSV file
/// ([`read_csv`](Self::read_csv)).
#[derive(Clone, Debug, PartialEq)]
pub struct BulkInput<T> {
    pub(crate) rows: Vec<InputRow<T>>,
    pub(crate) rejected: Vec<RowOutcome>,
}

impl<T: BulkRow> BulkInput<T> {
    /// `rows`, numbered from `first` (say 101 for the second part of a
    /// file cut into hundreds).
    pub fn numbered_from(rows: Vec<T>, first: usize) -> Self {
        let rows = rows.into_iter().enumerate();
        BulkInput {
            rows: rows
                .map(|(i, value)| InputRow {
                    row: first + i,
                    line: None,
                    value,
                })
                .collect(),
            rejected: Vec::new(),
        }
    }

    /// The rows read.
    pub fn rows(&self) -> &[InputRow<T>] {
        &self.rows
    }

    /// Rows of a CSV file that could not be read, with why (status
    /// [`RowStatus::Skipped`]).
    pub fn rejected(&self) -> &[RowOutcome] {
        &self.rejected
    }

    /// Every row, read or not.
    pub fn len(&self) -> usize {
        self.rows.len() + self.rejected.len()
    }

    /// Whether there is no row at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The rows a job would skip, in row order: those that could not be
    /// read and those missing a required field. Nothing is sent.
    pub fn skipped(&self) -> Vec<RowOutcome> {
        let mut skipped = self.rejected.clone();
        for r in &self.rows {
            if let Some(reason) = r.value.problem() {
                skipped.push(RowOutcome {
                    row: r.row,
                    line: r.line,
                    user: r.value.user(),
                    status: RowStatus::Skipped { reason },
                });
            }
        }
        skipped.sort_by_key(|o| o.row);
        skipped
    }
}

impl<T: BulkRow> From<Vec<T>> for BulkInput<T> {
    /// The rows numbered from 1.
    fn from(rows: Vec<T>) -> Self {
        BulkInput::numbered_from(rows, 1)
    }
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
    /// The job's rows, in the order sent.
    pub rows: Vec<JobRow>,
}

/// A row sent in a job: its number in the input and who it is about
/// (results are matched to rows by the `username` of a creation or the
/// `id` of an update).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobRow {
    /// The row's number in the input.
    pub row: usize,
    /// The CSV line it started on, when read from a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Who the row is about.
    pub user: RowUser,
}

impl JobRow {
    /// Row `row` about `user` (say, to rebuild jobs stored some other way).
    pub fn new(row: usize, user: RowUser) -> Self {
        JobRow {
            row,
            line: None,
            user,
        }
    }
}

/// What became of one input row.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowStatus {
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
    /// The row was not sent: it could not be read, or it misses a field
    /// JumpCloud requires.
    Skipped {
        /// Why.
        reason: String,
    },
    /// The row was fine but never sent: the input was refused, or a job
    /// before it could not be submitted.
    NotSent,
    /// Not final yet (no result, or a result still in progress).
    Pending {
        /// JumpCloud's status for the row, if it has given one.
        status: Option<String>,
    },
}

impl RowStatus {
    /// The status in a word or two, as a report's summary counts it.
    fn label(&self) -> &'static str {
        match self {
            RowStatus::Created { .. } => "created",
            RowStatus::Updated { .. } => "updated",
            RowStatus::Failed { .. } => "failed",
            RowStatus::Skipped { .. } => "skipped",
            RowStatus::NotSent => "not sent",
            RowStatus::Pending { .. } => "pending",
        }
    }
}

impl fmt::Display for RowStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowStatus::Created { id: Some(id) } => write!(f, "created, id {id}"),
            RowStatus::Created { id: None } => f.write_str("created"),
            RowStatus::Updated { .. } => f.write_str("updated"),
            RowStatus::Failed { message } => write!(f, "failed: {message}"),
            RowStatus::Skipped { reason } => write!(f, "skipped, not sent: {reason}"),
            RowStatus::NotSent => f.write_str("not sent"),
            RowStatus::Pending { status: Some(s) } => write!(f, "pending ({s})"),
            RowStatus::Pending { status: None } => f.write_str("pending (no result yet)"),
        }
    }
}

/// The outcome of one input row: its number, who it is about and what
/// became of it. Displays as one line:
/// `row 2 ada <ada@example.com>: created, id 5f1b…`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RowOutcome {
    /// The row's number in the input (from 1, or the offset given).
    pub row: usize,
    /// The CSV line the row started on, when read from a file.
    pub line: Option<usize>,
    /// Who the row is about.
    pub user: RowUser,
    /// What became of it.
    pub status: RowStatus,
}

impl RowOutcome {
    /// Whether the row will not change any more.
    pub fn is_final(&self) -> bool {
        !matches!(self.status, RowStatus::Pending { .. })
    }

    /// `row 2 (line 3) ada: email is required`: what is wrong with a
    /// skipped row (its whole line for any other status).
    fn problem(&self) -> String {
        match &self.status {
            RowStatus::Skipped { reason } => {
                let line = self
                    .line
                    .map(|l| format!(" (line {l})"))
                    .unwrap_or_default();
                format!("row {}{line} {}: {reason}", self.row, self.user)
            }
            _ => self.to_string(),
        }
    }

    fn pending(row: &JobRow) -> Self {
        RowOutcome {
            row: row.row,
            line: row.line,
            user: row.user.clone(),
            status: RowStatus::Pending { status: None },
        }
    }
}

impl fmt::Display for RowOutcome {
    /// `row 4 (line 5) ada <ada@example.com>: failed: …`: the line only
    /// when the row came from a CSV file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}", self.row)?;
        if let Some(line) = self.line {
            write!(f, " (line {line})")?;
        }
        write!(f, " {}: {}", self.user, self.status)
    }
}

/// What is known of every row: outcomes in row order, and any result that
/// named no row. Displays as one line per row, then a summary line.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct BulkReport {
    /// One outcome per row, in row order: every input row for a handle
    /// from [`BulkUsers::create`] or [`update`](BulkUsers::update); the
    /// rows of the jobs for one [resumed](BulkUsers::resume).
    pub outcomes: Vec<RowOutcome>,
    /// Results that could not be matched to a row (kept, not guessed).
    pub unmatched: Vec<JobWorkresult>,
}

impl BulkReport {
    /// Whether every row is final.
    pub fn is_complete(&self) -> bool {
        self.outcomes.iter().all(RowOutcome::is_final)
    }

    /// The numbers of the rows still pending.
    pub fn pending(&self) -> Vec<usize> {
        let pending = self.outcomes.iter().filter(|o| !o.is_final());
        pending.map(|o| o.row).collect()
    }

    /// Rows JumpCloud refused.
    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, RowStatus::Failed { .. }))
    }

    /// Rows skipped before sending.
    pub fn skipped(&self) -> usize {
        self.count(|s| matches!(s, RowStatus::Skipped { .. }))
    }

    /// Rows whose status matches `f`.
    pub fn count(&self, f: impl Fn(&RowStatus) -> bool) -> usize {
        self.outcomes.iter().filter(|o| f(&o.status)).count()
    }

    /// `6 rows: 3 created, 1 failed, 2 skipped` (kinds with no row left
    /// out).
    pub fn summary(&self) -> String {
        let kinds = [
            "created", "updated", "failed", "skipped", "not sent", "pending",
        ];
        let parts: Vec<String> = kinds
            .iter()
            .map(|name| (name, self.count(|s| s.label() == *name)))
            .filter(|(_, n)| *n > 0)
            .map(|(name, n)| format!("{n} {name}"))
            .collect();
        let rows = self.outcomes.len();
        let mut text = format!("{rows} row{}", if rows == 1 { "" } else { "s" });
        if !parts.is_empty() {
            text = format!("{text}: {}", parts.join(", "));
        }
        if !self.unmatched.is_empty() {
            text = format!("{text}; {} results matched no row", self.unmatched.len());
        }
        text
    }
}

impl fmt::Display for BulkReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for o in &self.outcomes {
            writeln!(f, "{o}")?;
        }
        writeln!(f, "{}", self.summary())
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
    /// `bulk user job {id}: {cause} ({done} of {rows} rows final[, {n}
    /// skipped][, {n} not sent], {n} jobs accepted)`, or without the cause
    /// when there is none. Final rows are those JumpCloud settled.
    pub(crate) fn describe(&self, cause: Option<&str>) -> String {
        let job = match &self.job_id {
            Some(id) => format!("bulk user job {id}"),
            None => "bulk user job".to_owned(),
        };
        let report = &self.report;
        let done = report.count(|s| {
            matches!(
                s,
                RowStatus::Created { .. } | RowStatus::Updated { .. } | RowStatus::Failed { .. }
            )
        });
        let mut known = format!("{done} of {} rows final", report.outcomes.len());
        let skipped = report.skipped();
        if skipped > 0 {
            known.push_str(&format!(", {skipped} skipped"));
        }
        let unsent = report.count(|s| *s == RowStatus::NotSent);
        if unsent > 0 {
            known.push_str(&format!(", {unsent} not sent"));
        }
        known.push_str(&format!(", {} jobs accepted", self.submitted.len()));
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

/// How many refused rows a refusal's message lists before `…`.
const LISTED_IN_REFUSAL: usize = 3;

impl BulkUsers {
    /// Bulk jobs through `jc`, [`DEFAULT_ROWS_PER_JOB`] rows per job, polling
    /// after 1 s and then up to every 30 s; invalid rows are skipped.
    pub fn new(jc: &JumpCloud) -> Self {
        BulkUsers {
            jc: jc.clone(),
            rows_per_job: DEFAULT_ROWS_PER_JOB,
            first_poll: Duration::from_secs(1),
            max_poll: Duration::from_secs(30),
            refuse_invalid: false,
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

    /// With `true`, one row that cannot be read or misses a required
    /// field refuses the whole input, and nothing is sent (the error's
    /// [`ErrorDetail::Bulk`] report says which rows). By default such rows
    /// are skipped and reported, and the others sent.
    pub fn refuse_invalid_rows(mut self, refuse: bool) -> Self {
        self.refuse_invalid = refuse;
        self
    }

    /// Submits creations, split into jobs; the handle waits for them. A
    /// failure carries [`ErrorDetail::Bulk`] with the jobs accepted before
    /// it.
    pub async fn create(&self, rows: impl Into<BulkInput<BulkUserCreate>>) -> Result<BulkHandle> {
        let jc = &self.jc;
        let send = |chunk: Vec<BulkUserCreate>| jc.v2().bulk_users_create().body(chunk).run();
        self.submit(rows.into(), send).await
    }

    /// Submits updates, split into jobs; the handle waits for them. A
    /// failure carries [`ErrorDetail::Bulk`] with the jobs accepted before
    /// it.
    pub async fn update(&self, rows: impl Into<BulkInput<BulkUserUpdate>>) -> Result<BulkHandle> {
        let jc = &self.jc;
        let send = |chunk: Vec<BulkUserUpdate>| jc.v2().bulk_users_update().body(chunk).run();
        self.submit(rows.into(), send).await
    }

    async fn submit<T, F, Fut>(&self, input: BulkInput<T>, send: F) -> Result<BulkHandle>
    where
        T: BulkRow,
        F: Fn(Vec<T>) -> Fut,
        Fut: Future<Output = Result<JobId>>,
    {
        let verb = T::KIND.verb();
        if input.is_empty() {
            let error = Error::invalid_request(format!("no rows to {verb}"));
            return Err(self.refused(error, Vec::new()));
        }
        let total = input.len();
        let skipped = input.skipped();
        let mut valid = Vec::with_capacity(input.rows.len());
        for r in input.rows {
            if r.value.problem().is_none() {
                let user = r.value.user();
                let (row, line) = (r.row, r.line);
                valid.push((JobRow { row, line, user }, r.value));
            }
        }
        if self.refuse_invalid && !skipped.is_empty() {
            let mut listed: Vec<String> = skipped
                .iter()
                .take(LISTED_IN_REFUSAL)
                .map(RowOutcome::problem)
                .collect();
            if skipped.len() > LISTED_IN_REFUSAL {
                listed.push("…".into());
            }
            let error = Error::invalid_request(format!(
                "{} of {total} rows are invalid, nothing was sent: {}",
                skipped.len(),
                listed.join("; ")
            ));
            let mut all = skipped;
            all.extend(valid.iter().map(|(r, _)| not_sent(r)));
            return Err(self.refused(error, all));
        }
        let mut jobs = Vec::new();
        for (n, chunk) in valid.chunks(self.rows_per_job).enumerate() {
            let body = chunk.iter().map(|(_, v)| v.clone()).collect();
            match accepted(send(body).await) {
                Ok(job_id) => jobs.push(BulkJob {
                    job_id,
                    kind: T::KIND,
                    rows: chunk.iter().map(|(r, _)| r.clone()).collect(),
                }),
                Err(error) => {
                    let unsent = valid[n * self.rows_per_job..].iter();
                    let mut known = skipped;
                    known.extend(unsent.map(|(r, _)| not_sent(r)));
                    let so_far = BulkFailure {
                        job_id: None,
                        submitted: jobs.clone(),
                        report: self.handle(jobs, known).report(),
                    };
                    return Err(so_far.attach(error));
                }
            }
        }
        Ok(self.handle(jobs, skipped))
    }

    /// Rows refused before anything was sent.
    fn refused(&self, error: Error, outcomes: Vec<RowOutcome>) -> Error {
        let nothing = BulkFailure {
            job_id: None,
            submitted: Vec::new(),
            report: BulkReport {
                outcomes,
                unmatched: Vec::new(),
            },
        };
        nothing.attach(error)
    }

    /// A handle for jobs submitted earlier (say, by a process that
    /// stopped), to wait for them again. Its report holds the jobs' rows.
    pub fn resume(&self, jobs: Vec<BulkJob>) -> BulkHandle {
        self.handle(jobs, Vec::new())
    }

    /// A handle for `jobs`, whose report also holds `known` (rows that
    /// were not sent), every row in row order.
    fn handle(&self, jobs: Vec<BulkJob>, known: Vec<RowOutcome>) -> BulkHandle {
        // Each outcome with the job row it stands for, if any; sorted by
        // row number (stably, so equal numbers keep their order).
        let mut entries: Vec<(Option<JobPlace>, RowOutcome)> =
            known.into_iter().map(|o| (None, o)).collect();
        for (j, job) in jobs.iter().enumerate() {
            for (k, row) in job.rows.iter().enumerate() {
                entries.push((Some((j, k)), RowOutcome::pending(row)));
            }
        }
        entries.sort_by_key(|(_, o)| o.row);
        let mut slots: Vec<Vec<usize>> = jobs.iter().map(|j| vec![0; j.rows.len()]).collect();
        let mut outcomes = Vec::with_capacity(entries.len());
        for (at, (place, outcome)) in entries.into_iter().enumerate() {
            if let Some((j, k)) = place {
                slots[j][k] = at;
            }
            outcomes.push(outcome);
        }
        BulkHandle {
            jc: self.jc.clone(),
            settled: jobs.iter().map(|j| j.rows.is_empty()).collect(),
            jobs,
            slots,
            outcomes,
            unmatched: Vec::new(),
            first_poll: self.first_poll,
            max_poll: self.max_poll,
        }
    }
}

/// Where a row is in a handle's jobs: the job's index and the row's.
type JobPlace = (usize, usize);

/// A valid row that was never sent.
fn not_sent(row: &JobRow) -> RowOutcome {
    RowOutcome {
        status: RowStatus::NotSent,
        ..RowOutcome::pending(row)
    }
}

/// The job id of an accepted submission.
fn accepted(answer: Result<JobId>) -> Result<String> {
    match answer?.job_id.filter(|j| !j.trim().is_empty()) {
        Some(j) => Ok(j),
        None => Err(Error::protocol("bulk user job accepted without a jobId")),
    }
}

/// Submitted bulk jobs, waiting for their rows' outcomes.
#[derive(Debug)]
pub struct BulkHandle {
    jc: JumpCloud,
    jobs: Vec<BulkJob>,
    /// For each job, the place of each of its rows in `outcomes`.
    slots: Vec<Vec<usize>>,
    outcomes: Vec<RowOutcome>,
    unmatched: Vec<JobWorkresult>,
    /// Jobs whose rows are all final (not polled again).
    settled: Vec<bool>,
    first_poll: Duration,
    max_poll: Duration,
}

/// A result's status, as an outcome of a job of `kind`.
fn status(kind: BulkKind, result: &JobWorkresult) -> RowStatus {
    let status = result.status.as_deref().unwrap_or("").to_ascii_lowercase();
    let id = ["id", "_id"]
        .iter()
        .find_map(|k| result.persisted_fields.get(*k).and_then(|v| v.as_str()))
        .map(str::to_owned);
    match status.as_str() {
        "failed" | "failure" | "error" | "errored" => RowStatus::Failed {
            message: result
                .status_msg
                .clone()
                .unwrap_or_else(|| "failed without a message".into()),
        },
        "finished" | "success" | "succeeded" | "complete" | "completed" | "created" | "updated"
        | "done" => match kind {
            BulkKind::Create => RowStatus::Created { id },
            BulkKind::Update => RowStatus::Updated { id },
        },
        _ => RowStatus::Pending {
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
            let kind = job.kind;
            for result in results {
                let row = result_key(kind, &result).and_then(|key| {
                    let rows = &self.jobs[j].rows;
                    rows.iter().position(|r| r.user.key(kind) == Some(key))
                });
                let slot = row
                    .and_then(|k| self.slots[j].get(k))
                    .and_then(|at| self.outcomes.get_mut(*at));
                match slot {
                    Some(slot) => {
                        if !slot.is_final() {
                            slot.status = status(kind, &result);
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
            let outcomes = &self.outcomes;
            self.settled[j] = self.slots[j].iter().all(|at| outcomes[*at].is_final());
        }
        Ok(self.settled.iter().all(|s| *s))
    }

    /// Polls with backoff until every row is final or `timeout` has passed;
    /// the report either way ([`BulkReport::is_complete`] tells which). A
    /// failure (an unknown job, an error that outlasts the client's retries)
    /// names the job and carries the report so far ([`ErrorDetail::Bulk`]);
    /// the handle keeps it and can wait again.
    pub async fn wait(&mut self, timeout: Duration) -> Result<BulkReport> {
        if self.settled.iter().all(|s| *s) {
            return Ok(self.report());
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn user(u: &str, e: &str) -> RowUser {
        RowUser::new(Some(u), Some(e), None)
    }

    #[test]
    fn outcomes_read_as_one_line_with_the_users_name() {
        let o = RowOutcome {
            row: 2,
            line: Some(3),
            user: user("hana.k", "hana.k@example.com"),
            status: RowStatus::Created {
                id: Some("6b15".into()),
            },
        };
        assert_eq!(
            o.to_string(),
            "row 2 (line 3) hana.k <hana.k@example.com>: created, id 6b15"
        );
        let o = RowOutcome {
            row: 7,
            line: None,
            user: RowUser::new(None, None, Some("5f1b")),
            status: RowStatus::Skipped {
                reason: "id is required".into(),
            },
        };
        assert_eq!(
            o.to_string(),
            "row 7 user 5f1b: skipped, not sent: id is required"
        );
        assert_eq!(RowUser::default().to_string(), "(unnamed)");
        assert_eq!(
            RowUser::new(Some(" "), Some("a@b"), None).to_string(),
            "<a@b>"
        );
    }

    #[test]
    fn input_rows_are_numbered_from_one_or_the_offset_given() {
        let rows = vec![
            BulkUserCreate {
                username: Some("a".into()),
                email: Some("a@example.com".into()),
                ..Default::default()
            },
            BulkUserCreate {
                username: Some("b".into()),
                ..Default::default()
            },
        ];
        let input = BulkInput::from(rows.clone());
        let skipped = input.skipped();
        assert_eq!(skipped.len(), 1);
        assert_eq!(
            skipped[0].to_string(),
            "row 2 b: skipped, not sent: email is required"
        );
        let later = BulkInput::numbered_from(rows, 101);
        assert_eq!(later.skipped()[0].row, 102);
        assert_eq!(later.rows()[0].row, 101);
    }

    #[test]
    fn a_summary_counts_the_kinds_present() {
        let row = |n, status| RowOutcome {
            row: n,
            line: None,
            user: user("u", "u@x"),
            status,
        };
        let report = BulkReport {
            outcomes: vec![
                row(1, RowStatus::Created { id: None }),
                row(2, RowStatus::Skipped { reason: "x".into() }),
                row(3, RowStatus::Created { id: None }),
            ],
            unmatched: Vec::new(),
        };
        assert_eq!(report.summary(), "3 rows: 2 created, 1 skipped");
        assert!(
            report
                .to_string()
                .ends_with("3 rows: 2 created, 1 skipped\n")
        );
    }
}
