//! State of the fake's long-running jobs, and the handle's ways to set them up: a large
//! generated Directory Insights event set (served without storing its events).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::error::FakeError;
use super::org::FakeOrg;

/// An organisation's job state (part of its [`Org`](super::state::Org)).
#[derive(Debug, Default)]
pub(crate) struct JobState {
    /// A generated event set; when present, Directory Insights serves it instead of the
    /// stored events.
    pub(crate) events: Option<EventSet>,
    /// Bulk user jobs, by job id.
    pub(crate) bulk: BTreeMap<String, BulkJob>,
    /// How bulk rows settle: the first after `delay`, then one every `per_row`.
    pub(crate) bulk_timing: Option<(Duration, Duration)>,
    /// Scheduled user state changes (`scheduledJobId`, `systemUserId`, `state`,
    /// `scheduledDate`), in creation order.
    pub(crate) userstates: Vec<Value>,
    /// How command runs answer (see [`FakeOrg::set_command_timing`]).
    pub(crate) commands: super::commands::CommandTiming,
}

/// Default wait before a bulk job's first row settles.
pub(crate) const BULK_DELAY: Duration = Duration::from_millis(100);
/// Default wait between two rows settling.
pub(crate) const BULK_PER_ROW: Duration = Duration::from_millis(1);

/// A bulk user job: its rows and, once settled, each row's result.
#[derive(Debug)]
pub(crate) struct BulkJob {
    pub(crate) update: bool,
    pub(crate) started: Instant,
    pub(crate) rows: Vec<Map<String, Value>>,
    /// Each row's result once settled: `Ok(user id)` or `Err(message)`.
    pub(crate) outcomes: Vec<Option<Result<String, String>>>,
    /// Result ids, one per row.
    pub(crate) result_ids: Vec<String>,
}

/// Services the generated events cycle through (event `i` has `SERVICES[i % 4]`).
pub(crate) const EVENT_SERVICES: [&str; 4] = ["directory", "sso", "systems", "radius"];

/// A large, deterministic Directory Insights event set, computed on demand rather than
/// stored, so a million events cost no memory. Event `i` (from 0) happens at
/// `start + (i / per_instant) * gap`: events come in groups sharing one millisecond, to
/// exercise cursors and slice edges at ties. Its id is `i` as 24 hex digits (so ids sort as
/// the events do) and its service cycles through `directory`, `sso`, `systems`, `radius`.
/// Queries filter by time and service; `search_term` is not applied to generated events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSet {
    start_ms: i64,
    count: u64,
    per_instant: u64,
    gap_ms: i64,
}

impl EventSet {
    /// `count` events from `start`, three per millisecond instant, instants 10 ms apart.
    pub fn new(start: DateTime<Utc>, count: u64) -> Self {
        EventSet {
            start_ms: start.timestamp_millis(),
            count,
            per_instant: 3,
            gap_ms: 10,
        }
    }

    /// `n` events share each instant (at least 1).
    pub fn per_instant(mut self, n: u64) -> Self {
        self.per_instant = n.max(1);
        self
    }

    /// Instants `ms` milliseconds apart (at least 1).
    pub fn gap_millis(mut self, ms: i64) -> Self {
        self.gap_ms = ms.max(1);
        self
    }

    /// How many events there are.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The time of the first event.
    pub fn start(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.start_ms).unwrap_or_default()
    }

    /// One millisecond after the last event: `start()..end()` holds them all.
    pub fn end(&self) -> DateTime<Utc> {
        let last = self.count.saturating_sub(1);
        DateTime::from_timestamp_millis(self.millis(last) + 1).unwrap_or_default()
    }

    /// Event `i`'s time in milliseconds.
    pub fn millis(&self, i: u64) -> i64 {
        let instant = i64::try_from(i / self.per_instant).unwrap_or(i64::MAX);
        self.start_ms
            .saturating_add(instant.saturating_mul(self.gap_ms))
    }

    /// Event `i`'s id.
    pub fn id(i: u64) -> String {
        format!("{i:024x}")
    }

    /// The index behind an id of this set.
    pub(crate) fn index(id: &str) -> Option<u64> {
        if id.len() != 24 {
            return None;
        }
        u64::from_str_radix(id, 16).ok()
    }

    /// Event `i` as served.
    pub fn event(&self, i: u64, org: &str) -> Value {
        let service = EVENT_SERVICES[(i % 4) as usize];
        let at = DateTime::from_timestamp_millis(self.millis(i)).unwrap_or_default();
        json!({
            "id": Self::id(i),
            "timestamp": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "service": service,
            "event_type": format!("{service}_event"),
            "organization": org,
            "success": !i.is_multiple_of(7),
            "initiated_by": {"username": format!("user{}", i % 1000)},
        })
    }

    /// Event `i` exactly as [`EventSet::event`] has it, written as JSON onto `out` without
    /// building a value first: a page of 10,000 generated events is built per request, and
    /// the fake should not cost a benchmark more than the client it measures. `org_json` is
    /// the organisation id as a JSON string.
    pub(crate) fn write_event(&self, i: u64, org_json: &str, out: &mut String) {
        use std::fmt::Write as _;
        let service = EVENT_SERVICES[(i % 4) as usize];
        let at = DateTime::from_timestamp_millis(self.millis(i)).unwrap_or_default();
        // Writing to a String cannot fail. Keys in the order `event` serialises them.
        let _ = write!(
            out,
            r#"{{"event_type":"{service}_event","id":"{i:024x}","initiated_by":{{"username":"user{}"}},"organization":{org_json},"service":"{service}","success":{},"timestamp":"{}"}}"#,
            i % 1000,
            !i.is_multiple_of(7),
            at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        );
    }

    /// The first index whose time is at or after `ms`.
    pub(crate) fn lower_bound(&self, ms: i64) -> u64 {
        if ms <= self.start_ms {
            return 0;
        }
        let instants =
            u64::try_from((ms - self.start_ms + self.gap_ms - 1) / self.gap_ms).unwrap_or(u64::MAX);
        instants.saturating_mul(self.per_instant).min(self.count)
    }

    /// Indexes `lo..hi` whose service is `service` (`None`: any).
    pub(crate) fn count_in(lo: u64, hi: u64, service: Option<u64>) -> u64 {
        let below = |n: u64| match service {
            None => n,
            Some(k) => (n + 3 - k) / 4,
        };
        if hi <= lo { 0 } else { below(hi) - below(lo) }
    }
}

impl FakeOrg {
    /// Serve `set` as this org's Directory Insights events (`/events`, `/events/count`,
    /// `/events/interval`), instead of its stored events.
    pub fn seed_event_set(&self, set: EventSet) -> Result<(), FakeError> {
        self.write(|org| {
            org.jobs.events = Some(set);
            Ok(())
        })
    }

    /// How this org's bulk user jobs settle: the first row `delay` after submission, then one
    /// row every `per_row` (defaults 100 ms and 1 ms). A row fails, with a message, if it
    /// lacks a username (creations), has an email that is not an address (checked as v1 user
    /// writes check it), names a username that exists, or updates an unknown user id.
    pub fn set_bulk_timing(&self, delay: Duration, per_row: Duration) -> Result<(), FakeError> {
        self.write(|org| {
            org.jobs.bulk_timing = Some((delay, per_row));
            Ok(())
        })
    }
}
