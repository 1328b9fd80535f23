//! Directory Insights at scale: [`Export`] reads a closed time range as fast
//! as many cursors allow, and [`Follow`] tails new events. Both hand out
//! batches with a serialisable checkpoint, so a program that stops (or is
//! killed) resumes where its last *handled* batch left off. [`EventSink`]
//! writes batches to a JSON-lines file and stores each one's checkpoint
//! with it as one commit, so the file never loses or doubles an event
//! whenever the program dies.
//!
//! The query side is [`EventSearch`]: which services, and optionally a
//! `search_term` or `q`, shared by every request of a job.

mod export;
mod follow;
mod sink;

use chrono::{DateTime, TimeDelta, Utc};
use jumpcloud_api::Position;
use jumpcloud_api::insights::types::{
    EventIntervalQuery, EventIntervalQueryIntervalUnit, EventIntervalQueryServiceItem, EventQuery,
    EventQueryServiceItem, SearchTerm,
};
use jumpcloud_api::paging::header_cursor;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::call::Run;
use crate::client::JumpCloud;
use crate::error::{Error, Result};

pub use export::{Export, ExportBatch, ExportCheckpoint, SliceState};
pub use follow::{Follow, FollowBatch, FollowCheckpoint};
pub use sink::{EventSink, SinkOutput};

// The event type of exports, follows and the prelude (its own page says
// what it is; a comment here would be printed above it a second time).
pub use jumpcloud_api::event::Event;

/// What a job asks Directory Insights for, apart from time and paging:
/// services (at least one) and optional filters. Every request of an export
/// or a follow carries the same search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventSearch {
    services: Vec<EventQueryServiceItem>,
    search_term: Option<SearchTerm>,
    q: Option<String>,
    fields: Vec<String>,
}

impl EventSearch {
    /// Events of every service.
    pub fn all() -> Self {
        Self::services([EventQueryServiceItem::All])
    }

    /// Events of the services given. An empty list is refused when the job
    /// starts, before any request.
    pub fn services(services: impl IntoIterator<Item = EventQueryServiceItem>) -> Self {
        EventSearch {
            services: services.into_iter().collect(),
            search_term: None,
            q: None,
            fields: Vec::new(),
        }
    }

    /// Only events matching `term` (`and` / `or` / `not` of field values).
    pub fn search_term(mut self, term: SearchTerm) -> Self {
        self.search_term = Some(term);
        self
    }

    /// Only events matching JumpCloud's free-text query `q`.
    pub fn q(mut self, q: impl Into<String>) -> Self {
        self.q = Some(q.into());
        self
    }

    /// Only these fields of each event (`id` and `timestamp` are always
    /// added: the job needs them to place and de-duplicate events).
    pub fn fields(mut self, fields: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.fields = fields.into_iter().map(Into::into).collect();
        for needed in [ID, TIMESTAMP] {
            if !self.fields.iter().any(|f| f == needed) {
                self.fields.push(needed.to_owned());
            }
        }
        self
    }

    /// Refuses a search no request could carry.
    fn check(&self) -> Result<()> {
        if self.services.is_empty() {
            return Err(invalid("an event search needs at least one service"));
        }
        Ok(())
    }

    /// The `/events` body for one page: `[from, to]` ascending, after `after`.
    fn page_query(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after: Option<&[Value]>,
        limit: u32,
    ) -> EventQuery {
        EventQuery {
            end_time: Some(to),
            exact_match: None,
            fields: self.fields.clone(),
            limit: Some(i64::from(limit)),
            q: self.q.clone(),
            search_after: after.map(<[Value]>::to_vec).unwrap_or_default(),
            search_term: self.search_term.clone(),
            service: self.services.clone(),
            skip: None,
            sort: Some("ASC".to_owned()),
            start_time: from,
        }
    }

    /// The `/events/interval` body: buckets `value` `unit`s wide over `[from, to]`.
    fn interval_query(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        unit: EventIntervalQueryIntervalUnit,
        value: u64,
    ) -> Result<EventIntervalQuery> {
        let service = self
            .services
            .iter()
            .map(|s| {
                // The two bodies list the same services as two enums; both
                // read and write their wire names.
                s.to_string()
                    .parse::<EventIntervalQueryServiceItem>()
                    .map_err(|e| invalid(format!("service {s:?}: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(EventIntervalQuery {
            end_time: Some(to),
            exact_match: None,
            interval_unit: unit,
            interval_value: Some(value.to_string()),
            q: self.q.clone(),
            search_term: self.search_term.clone(),
            service,
            start_time: from,
            timezone: Some("UTC".to_owned()),
        })
    }
}

const ID: &str = "id";
const TIMESTAMP: &str = "timestamp";
/// Largest page Directory Insights serves.
const MAX_PAGE: u32 = 10_000;

fn invalid(message: impl Into<String>) -> Error {
    Error::invalid_request(message.into())
}

/// An event's time, to the millisecond (Directory Insights' precision).
fn event_time(event: &Event) -> Result<DateTime<Utc>> {
    let Some(raw) = event.timestamp() else {
        return Err(Error::protocol(format!(
            "Directory Insights event {} has no timestamp",
            event.id().unwrap_or("(no id)")
        )));
    };
    event.time().ok_or_else(|| {
        Error::protocol(format!(
            "Directory Insights event timestamp {raw:?} is not RFC 3339"
        ))
    })
}

/// One page of `/events`: the events and the cursor after them (`None`
/// when this was the last page).
struct EventPage {
    events: Vec<Event>,
    next: Option<Vec<Value>>,
}

/// Fetches one page of `[from, to]` after `after`.
async fn fetch_page(
    jc: &JumpCloud,
    search: &EventSearch,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<&[Value]>,
    limit: u32,
) -> Result<EventPage> {
    let body = search.page_query(from, to, after, limit);
    let response = jc
        .insights()
        .event_get()
        .body(body)
        .run_with_response()
        .await;
    let response = response.map_err(|e| match after {
        Some(cursor) => e.at_page(format!("cursor {}", Value::Array(cursor.to_vec()))),
        None => e.at_page(format!("start {}", from.to_rfc3339())),
    })?;
    let next = match header_cursor(response.headers(), response.len()) {
        Some(Position::Cursor(c)) => Some(c),
        _ => None,
    };
    Ok(EventPage {
        events: response.into_inner(),
        next,
    })
}

/// How many events match, by interval buckets of about `range / buckets`.
async fn histogram(
    jc: &JumpCloud,
    search: &EventSearch,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    buckets: u32,
) -> Result<(TimeDelta, Vec<(DateTime<Utc>, u64)>)> {
    let span = (to - from).num_seconds().max(1);
    let width = (span as u64).div_ceil(u64::from(buckets.max(1))).max(1);
    let (unit, value, secs) = match width {
        w if w < 60 => (EventIntervalQueryIntervalUnit::S, w, w),
        w if w < 3_600 => {
            let v = w.div_ceil(60);
            (EventIntervalQueryIntervalUnit::M, v, v * 60)
        }
        w if w < 86_400 => {
            let v = w.div_ceil(3_600);
            (EventIntervalQueryIntervalUnit::H, v, v * 3_600)
        }
        w => {
            let v = w.div_ceil(86_400);
            (EventIntervalQueryIntervalUnit::D, v, v * 86_400)
        }
    };
    let body = search.interval_query(from, to, unit, value)?;
    let answer = jc.insights().event_interval_get().body(body).run().await?;
    let mut out = Vec::with_capacity(answer.buckets.len());
    for b in answer.buckets {
        let key = b
            .key
            .ok_or_else(|| Error::protocol("Directory Insights interval bucket without a key"))?;
        let at = DateTime::<Utc>::from_timestamp_millis(key).ok_or_else(|| {
            Error::protocol(format!(
                "Directory Insights interval key {key} is not a time"
            ))
        })?;
        out.push((at, u64::try_from(b.doc_count.unwrap_or(0)).unwrap_or(0)));
    }
    out.sort_by_key(|(at, _)| *at);
    let width = TimeDelta::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1_000_000));
    Ok((width, out))
}

/// Whole milliseconds, the precision events and boundaries are compared at.
fn floor_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}
