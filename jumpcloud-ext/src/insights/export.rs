//! [`Export`]: a closed time range of Directory Insights events, read by
//! many cursors at once, each event exactly once.

use std::collections::VecDeque;
use std::ops::Range;

use chrono::{DateTime, TimeDelta, Utc};
use futures::future::BoxFuture;
use futures::stream::{BoxStream, FuturesUnordered};
use futures::{FutureExt, StreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Event, EventPage, EventSearch, MAX_PAGE, event_time, fetch_page, floor_millis, histogram,
};
use crate::client::JumpCloud;
use crate::error::{Error, Result};

/// Interval buckets asked for when planning slices.
const PLAN_BUCKETS: u32 = 512;
/// Slices per concurrent cursor when the caller does not choose: enough that
/// a slice busier than the histogram said does not leave the others idle.
const SLICES_PER_CURSOR: usize = 4;

/// Reads every Directory Insights event of a time range matching a search,
/// each exactly once, splitting the range into slices walked by concurrent
/// cursors. Made by [`Export::new`] (or [`Export::resume`]); read with
/// [`Export::stream`].
///
/// **How the range is split.** One `/events/interval` request gives a
/// histogram of the range (about 512 buckets); the slices are cut at bucket
/// edges so that each holds about the same number of events. Slices are
/// half-open `[from, to)` at millisecond precision, and each slice keeps only
/// the events inside it, so an event at a slice edge belongs to exactly one
/// slice whether JumpCloud treats `start_time` / `end_time` as inclusive or
/// not.
///
/// **Order.** Events of one slice come oldest first (by timestamp, then id,
/// as the cursor walks them). Slices are walked at once, so batches of
/// different slices interleave; every batch belongs to one slice
/// ([`ExportBatch::slice`]) and slices are numbered oldest first.
///
/// **Threads.** Inside a Tokio runtime each page is fetched and decoded in a
/// task of its own, so the pages in flight are decoded in parallel on the
/// runtime's threads (decoding, not latency, bounds a large export on few
/// cores). Dropping the stream aborts them.
///
/// **Resuming.** Each batch carries the checkpoint *after* its events. Store
/// it once the batch is handled; [`Export::resume`] with it later delivers
/// exactly the events not yet delivered, with no loss and no duplicate.
///
/// ```no_run
/// use futures::TryStreamExt;
/// use jumpcloud_ext::insights::{EventSearch, Export};
///
/// # async fn demo(jc: jumpcloud_ext::JumpCloud) -> jumpcloud_ext::Result<()> {
/// let to = chrono::Utc::now();
/// let from = to - chrono::Duration::days(1);
/// let mut batches = Export::new(&jc, from..to, EventSearch::all()).concurrency(8).stream();
/// while let Some(batch) = batches.try_next().await? {
///     for event in &batch.events {
///         println!("{:?}", event.get("event_type"));
///     }
///     // Persist `batch.checkpoint` (it is serde-serialisable) to resume later.
///     let _saved = serde_json::to_string(&batch.checkpoint);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use = "an export does nothing until streamed"]
pub struct Export {
    jc: JumpCloud,
    start: Start,
    concurrency: usize,
    slices: Option<usize>,
    page_size: u32,
}

#[derive(Clone, Debug)]
enum Start {
    Fresh {
        search: EventSearch,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
    Resume(ExportCheckpoint),
}

/// Where an export stands: its search, its slices and how far each has been
/// delivered. Serialise it (serde) to resume after a restart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExportCheckpoint {
    search: EventSearch,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    slices: Vec<SliceState>,
}

/// One slice of an export: a half-open time range and its cursor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SliceState {
    /// First instant of the slice (inclusive).
    pub from: DateTime<Utc>,
    /// End of the slice (exclusive).
    pub to: DateTime<Utc>,
    /// The cursor after the last page delivered; `None` before the first.
    pub after: Option<Vec<Value>>,
    /// Every event of the slice has been delivered.
    pub done: bool,
    /// Events the histogram counted in the slice when it was planned.
    pub expected: u64,
    /// Events delivered so far.
    pub delivered: u64,
}

impl ExportCheckpoint {
    /// The slices, oldest first.
    pub fn slices(&self) -> &[SliceState] {
        &self.slices
    }

    /// Whether every event of the range has been delivered.
    pub fn is_done(&self) -> bool {
        self.slices.iter().all(|s| s.done)
    }

    /// Events delivered so far, over every slice.
    pub fn delivered(&self) -> u64 {
        self.slices.iter().map(|s| s.delivered).sum()
    }

    /// Events the histogram counted when the export was planned (events
    /// arriving late may make the real number larger).
    pub fn expected(&self) -> u64 {
        self.slices.iter().map(|s| s.expected).sum()
    }

    /// The time range exported.
    pub fn range(&self) -> Range<DateTime<Utc>> {
        self.from..self.to
    }
}

/// Events of one slice, and the checkpoint once they are handled.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ExportBatch {
    /// The slice the events belong to (index into
    /// [`ExportCheckpoint::slices`]).
    pub slice: usize,
    /// The events, oldest first.
    pub events: Vec<Event>,
    /// The export's state after these events.
    pub checkpoint: ExportCheckpoint,
}

impl Export {
    /// Exports the events of `range` (half-open, millisecond precision)
    /// matching `search`: 4 cursors at once and pages of 10,000 unless
    /// changed.
    pub fn new(jc: &JumpCloud, range: Range<DateTime<Utc>>, search: EventSearch) -> Self {
        Export {
            jc: jc.clone(),
            start: Start::Fresh {
                search,
                from: floor_millis(range.start),
                to: floor_millis(range.end),
            },
            concurrency: 4,
            slices: None,
            page_size: MAX_PAGE,
        }
    }

    /// Carries on an export from a checkpoint taken from one of its batches:
    /// the same search and slices, each from its cursor.
    pub fn resume(jc: &JumpCloud, checkpoint: ExportCheckpoint) -> Self {
        Export {
            jc: jc.clone(),
            start: Start::Resume(checkpoint),
            concurrency: 4,
            slices: None,
            page_size: MAX_PAGE,
        }
    }

    /// Up to `n` cursors walked at once (at least 1).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Split a fresh export into about `n` slices (default: 4 per cursor).
    /// Ignored when resuming: the checkpoint's slices are kept.
    pub fn slices(mut self, n: usize) -> Self {
        self.slices = Some(n.max(1));
        self
    }

    /// Pages of `n` events (1 to 10,000; default 10,000).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.clamp(1, MAX_PAGE);
        self
    }

    /// The plan without reading any event: the checkpoint a fresh export
    /// starts from (one `/events/interval` request), or the one resumed.
    /// An empty service list or a range that ends before it starts is
    /// refused before any request.
    pub async fn plan(&self) -> Result<ExportCheckpoint> {
        match &self.start {
            Start::Resume(cp) => Ok(cp.clone()),
            Start::Fresh { search, from, to } => {
                search.check()?;
                if to < from {
                    return Err(super::invalid(format!(
                        "export range ends ({to}) before it starts ({from})"
                    )));
                }
                let n = self
                    .slices
                    .unwrap_or(self.concurrency * SLICES_PER_CURSOR)
                    .max(1);
                let (_, buckets) = if to == from {
                    (TimeDelta::zero(), Vec::new())
                } else {
                    histogram(&self.jc, search, *from, *to, PLAN_BUCKETS).await?
                };
                Ok(ExportCheckpoint {
                    search: search.clone(),
                    from: *from,
                    to: *to,
                    slices: cut(*from, *to, &buckets, n),
                })
            }
        }
    }

    /// The events, in batches of at most one page, each with the checkpoint
    /// after it. An error (after the client's retries) is the last item;
    /// the checkpoint of the last batch before it resumes the export.
    pub fn stream(self) -> BoxStream<'static, Result<ExportBatch>> {
        let walker = Walker {
            export: self,
            cp: None,
            queue: VecDeque::new(),
            in_flight: FuturesUnordered::new(),
            finished: false,
        };
        futures::stream::unfold(walker, Walker::step).boxed()
    }
}

/// Cuts `[from, to)` at bucket edges into at most `n` slices of about equal
/// counts. Without events it is one slice.
fn cut(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    buckets: &[(DateTime<Utc>, u64)],
    n: usize,
) -> Vec<SliceState> {
    let slice = |from, to, expected| SliceState {
        from,
        to,
        after: None,
        done: from >= to,
        expected,
        delivered: 0,
    };
    let total: u64 = buckets.iter().map(|(_, c)| c).sum();
    let n64 = n as u64;
    let mut slices = Vec::new();
    let (mut start, mut acc, mut in_slice) = (from, 0u64, 0u64);
    for &(key, count) in buckets {
        let next = slices.len() as u64 + 1;
        if next < n64
            && total > 0
            && acc.saturating_mul(n64) >= next.saturating_mul(total)
            && key > start
            && key < to
        {
            slices.push(slice(start, key, in_slice));
            start = key;
            in_slice = 0;
        }
        acc += count;
        in_slice += count;
    }
    slices.push(slice(start, to, in_slice));
    slices
}

/// A page of one slice, with the events outside the slice already dropped.
struct SlicePage {
    /// The events inside the slice, oldest first.
    events: Vec<Event>,
    /// The cursor after the page (`None` on the last page).
    next: Option<Vec<Value>>,
    /// The page reached the slice's end.
    past_end: bool,
}

/// Keeps the events of `page` inside `[from, to)`.
fn keep(page: EventPage, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<SlicePage> {
    let mut events = Vec::with_capacity(page.events.len());
    let mut past_end = false;
    for event in page.events {
        let at = event_time(&event)?;
        if at >= to {
            past_end = true;
            break;
        }
        if at >= from {
            events.push(event);
        }
    }
    Ok(SlicePage {
        events,
        next: page.next,
        past_end,
    })
}

type PageFuture = BoxFuture<'static, (usize, Result<SlicePage>)>;

/// Runs a page's future as a task of the Tokio runtime when there is one, so
/// that the pages in flight are decoded in parallel on the runtime's threads:
/// polled inside the stream, they would all be decoded on the one thread
/// reading it. The task is aborted if the stream is dropped first. Without a
/// runtime the future runs in place.
fn spawned(page: BoxFuture<'static, Result<SlicePage>>) -> BoxFuture<'static, Result<SlicePage>> {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return page;
    };
    let task = Task(runtime.spawn(page));
    async move {
        match task.await {
            Ok(page) => page,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(Error::protocol(format!(
                "an export page was cancelled: {e}"
            ))),
        }
    }
    .boxed()
}

/// A spawned task, aborted when dropped.
struct Task<T>(tokio::task::JoinHandle<T>);

impl<T> std::future::Future for Task<T> {
    type Output = std::result::Result<T, tokio::task::JoinError>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.0).poll(cx)
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

struct Walker {
    export: Export,
    /// `None` until planned.
    cp: Option<ExportCheckpoint>,
    /// Slices not done and not being walked, oldest first.
    queue: VecDeque<usize>,
    in_flight: FuturesUnordered<PageFuture>,
    finished: bool,
}

impl Walker {
    fn fetch(&self, index: usize) -> Option<PageFuture> {
        let cp = self.cp.as_ref()?;
        let s = cp.slices.get(index)?;
        let jc = self.export.jc.clone();
        let search = cp.search.clone();
        // One millisecond early, so an exclusive `start_time` still returns
        // events at the slice's first instant (the filter drops the earlier).
        let from = s.from - TimeDelta::milliseconds(1);
        let (to, after, size) = (s.to, s.after.clone(), self.export.page_size);
        let slice_from = s.from;
        let page = async move {
            let page = fetch_page(&jc, &search, from, to, after.as_deref(), size).await?;
            keep(page, slice_from, to)
        };
        Some(spawned(page.boxed()).map(move |page| (index, page)).boxed())
    }

    fn fill(&mut self) {
        while self.in_flight.len() < self.export.concurrency {
            let Some(i) = self.queue.pop_front() else {
                break;
            };
            if let Some(f) = self.fetch(i) {
                self.in_flight.push(f);
            }
        }
    }

    async fn step(mut self) -> Option<(Result<ExportBatch>, Walker)> {
        if self.finished {
            return None;
        }
        if self.cp.is_none() {
            match self.export.plan().await {
                Ok(cp) => {
                    self.queue = (0..cp.slices.len())
                        .filter(|i| !cp.slices[*i].done)
                        .collect();
                    self.cp = Some(cp);
                }
                Err(e) => {
                    self.finished = true;
                    return Some((Err(e), self));
                }
            }
        }
        loop {
            self.fill();
            let (index, page) = self.in_flight.next().await?;
            let outcome = page.and_then(|page| self.apply(index, page));
            match outcome {
                Err(e) => {
                    self.finished = true;
                    return Some((Err(e), self));
                }
                Ok(events) => {
                    let cp = self.cp.as_ref()?;
                    if events.is_empty() {
                        continue;
                    }
                    let batch = ExportBatch {
                        slice: index,
                        events,
                        checkpoint: cp.clone(),
                    };
                    return Some((Ok(batch), self));
                }
            }
        }
    }

    /// Takes a slice's page into the checkpoint; the events inside the slice.
    fn apply(&mut self, index: usize, page: SlicePage) -> Result<Vec<Event>> {
        let Some(s) = self.cp.as_mut().and_then(|cp| cp.slices.get_mut(index)) else {
            return Err(Error::protocol(format!("export slice {index} is unknown")));
        };
        let kept = page.events;
        match page.next {
            Some(next) if !page.past_end => {
                if s.after.as_ref() == Some(&next) {
                    return Err(Error::protocol(format!(
                        "Directory Insights returned the same cursor twice ({}) in slice {index}",
                        Value::Array(next)
                    )));
                }
                s.after = Some(next);
            }
            _ => s.done = true,
        }
        s.delivered += kept.len() as u64;
        if s.done {
            self.fill();
        } else if let Some(f) = self.fetch(index) {
            self.in_flight.push(f);
        }
        Ok(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp_millis(ms).unwrap()
    }

    #[test]
    fn cuts_at_bucket_edges_into_even_slices() {
        let buckets: Vec<_> = (0..8).map(|i| (t(i * 1000), 10)).collect();
        let slices = cut(t(0), t(8000), &buckets, 4);
        let edges: Vec<_> = slices.iter().map(|s| (s.from, s.to, s.expected)).collect();
        assert_eq!(
            edges,
            vec![
                (t(0), t(2000), 20),
                (t(2000), t(4000), 20),
                (t(4000), t(6000), 20),
                (t(6000), t(8000), 20)
            ]
        );
    }

    #[test]
    fn empty_histogram_is_one_slice() {
        let slices = cut(t(0), t(10), &[], 8);
        assert_eq!(slices.len(), 1);
        assert_eq!((slices[0].from, slices[0].to), (t(0), t(10)));
    }

    #[test]
    fn skewed_histogram_puts_slices_where_the_events_are() {
        let mut buckets: Vec<_> = (0..10).map(|i| (t(i * 1000), 0)).collect();
        for b in buckets.iter_mut().skip(8) {
            b.1 = 100;
        }
        let slices = cut(t(0), t(10_000), &buckets, 4);
        assert_eq!(slices.len(), 2);
        assert_eq!(slices[0].to, t(9000));
        assert_eq!(slices.iter().map(|s| s.expected).sum::<u64>(), 200);
    }
}
