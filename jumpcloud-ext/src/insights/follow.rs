//! [`Follow`]: new Directory Insights events as they arrive, at least once,
//! de-duplicated by event id across restarts.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use futures::StreamExt;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Event, EventSearch, MAX_PAGE, event_time, fetch_page, floor_millis};
use crate::client::JumpCloud;
use crate::error::Result;

/// Tails Directory Insights: every poll reads the events since the newest one
/// delivered, minus an overlap window, oldest first, and hands out those not
/// delivered before.
///
/// Events reach Directory Insights some time after they happen, so an event
/// may appear with a timestamp older than one already delivered. The
/// overlap (default 5 minutes) is how far back each poll looks for such late
/// events; the checkpoint keeps the ids of the events delivered within it, so
/// they are not delivered again, even by a new process resumed from the
/// checkpoint. Delivery is at least once: a batch whose checkpoint was not
/// stored is delivered again after a restart. Events later than the overlap
/// are missed; widen it if JumpCloud lags more.
///
/// The stream does not end by itself; it ends after an error (after the
/// client's retries), which is its last item.
///
/// ```no_run
/// use futures::TryStreamExt;
/// use jumpcloud_ext::insights::{EventSearch, Follow, FollowCheckpoint};
///
/// # async fn demo(jc: jumpcloud_ext::JumpCloud, saved: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
/// let checkpoint = match saved {
///     Some(json) => serde_json::from_str(&json)?,
///     None => FollowCheckpoint::since(chrono::Utc::now() - chrono::Duration::hours(1)),
/// };
/// let mut events = Follow::new(&jc, EventSearch::all(), checkpoint).stream();
/// while let Some(batch) = events.try_next().await? {
///     for event in &batch.events {
///         println!("{:?}", event.get("event_type"));
///     }
///     let _store = serde_json::to_string(&batch.checkpoint)?;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a follow does nothing until streamed"]
pub struct Follow {
    jc: JumpCloud,
    search: EventSearch,
    checkpoint: FollowCheckpoint,
    poll: Duration,
    overlap: TimeDelta,
    page_size: u32,
}

/// Where a follow stands: the newest event time delivered and the ids of
/// events delivered within the overlap window before it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FollowCheckpoint {
    newest: DateTime<Utc>,
    /// Event id → its time in milliseconds.
    recent: BTreeMap<String, i64>,
    /// Events before this are never delivered (the first poll's overlap
    /// would reach before the start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start: Option<DateTime<Utc>>,
}

impl FollowCheckpoint {
    /// A follow that starts with the events from `t` on: none before `t`,
    /// even within the overlap of the first polls (an [`Export`](super::Export)
    /// of a range ending at `t` and a follow since `t` write each event
    /// once).
    pub fn since(t: DateTime<Utc>) -> Self {
        FollowCheckpoint {
            newest: t,
            recent: BTreeMap::new(),
            start: Some(floor_millis(t)),
        }
    }

    /// The newest event time delivered (or the start, before any).
    pub fn newest(&self) -> DateTime<Utc> {
        self.newest
    }

    /// How many recent event ids the checkpoint remembers.
    pub fn remembered(&self) -> usize {
        self.recent.len()
    }

    fn forget_before(&mut self, overlap: TimeDelta) {
        let floor = (self.newest - overlap).timestamp_millis();
        self.recent.retain(|_, ms| *ms >= floor);
    }
}

/// Events new since the last batch, and the checkpoint once they are handled.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FollowBatch {
    /// The events, oldest first within one poll.
    pub events: Vec<Event>,
    /// The follow's state after these events.
    pub checkpoint: FollowCheckpoint,
}

impl Follow {
    /// Follows events matching `search` from `checkpoint` on, polling every
    /// 15 seconds with a 5-minute overlap.
    pub fn new(jc: &JumpCloud, search: EventSearch, checkpoint: FollowCheckpoint) -> Self {
        Follow {
            jc: jc.clone(),
            search,
            checkpoint,
            poll: Duration::from_secs(15),
            overlap: TimeDelta::minutes(5),
            page_size: 1_000,
        }
    }

    /// Time between polls (after one has read everything there was).
    pub fn poll_every(mut self, d: Duration) -> Self {
        self.poll = d;
        self
    }

    /// How far before the newest delivered event each poll looks again for
    /// events that arrived late.
    pub fn overlap(mut self, d: Duration) -> Self {
        self.overlap = TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX);
        self
    }

    /// Pages of `n` events (1 to 10,000; default 1,000).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.clamp(1, MAX_PAGE);
        self
    }

    /// The new events, one batch per page that had any. An empty service
    /// list is refused as the first item, before any request.
    pub fn stream(self) -> BoxStream<'static, Result<FollowBatch>> {
        let state = Poller {
            follow: self,
            cursor: None,
            polled_once: false,
            failed: false,
        };
        futures::stream::unfold(state, Poller::step).boxed()
    }
}

/// A poll's time window and the cursor of its next page.
type Window = (DateTime<Utc>, DateTime<Utc>, Option<Vec<Value>>);

struct Poller {
    follow: Follow,
    /// Within a poll: the window's end and the cursor of the next page.
    cursor: Option<Window>,
    polled_once: bool,
    failed: bool,
}

impl Poller {
    async fn step(mut self) -> Option<(Result<FollowBatch>, Poller)> {
        if self.failed {
            return None;
        }
        if let Err(e) = self.follow.search.check() {
            self.failed = true;
            return Some((Err(e), self));
        }
        loop {
            let (from, to, after) = match self.cursor.take() {
                Some(c) => c,
                None => {
                    if self.polled_once {
                        tokio::time::sleep(self.follow.poll).await;
                    }
                    self.polled_once = true;
                    let from = self.follow.checkpoint.newest - self.follow.overlap;
                    (from, Utc::now(), None)
                }
            };
            let f = &self.follow;
            let page = fetch_page(&f.jc, &f.search, from, to, after.as_deref(), f.page_size).await;
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    self.failed = true;
                    return Some((Err(e), self));
                }
            };
            if let Some(next) = page.next {
                self.cursor = Some((from, to, Some(next)));
            }
            let cp = &mut self.follow.checkpoint;
            let mut fresh = Vec::new();
            for event in page.events {
                let at = match event_time(&event) {
                    Ok(t) => t,
                    Err(e) => {
                        self.failed = true;
                        return Some((Err(e), self));
                    }
                };
                if cp.start.is_some_and(|start| at < start) {
                    continue;
                }
                if let Some(id) = event.id() {
                    if cp.recent.contains_key(id) {
                        continue;
                    }
                    cp.recent.insert(id.to_owned(), at.timestamp_millis());
                }
                cp.newest = cp.newest.max(at);
                fresh.push(event);
            }
            cp.forget_before(self.follow.overlap);
            if !fresh.is_empty() {
                let batch = FollowBatch {
                    events: fresh,
                    checkpoint: self.follow.checkpoint.clone(),
                };
                return Some((Ok(batch), self));
            }
        }
    }
}
