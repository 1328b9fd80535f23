//! Directory Insights exports written through an `EventSink`, against the fake on 127.0.0.1,
//! killed at every batch boundary and inside every batch (half way through its lines, and
//! after its lines but before its checkpoint): each resumed run leaves the file a clean run
//! writes, byte for byte, and asks only for the pages not yet committed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use jumpcloud_ext::insights::{EventSearch, EventSink, Export, ExportCheckpoint, SinkOutput};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{EventSet, FakeJumpCloud};

const INTERVAL: &str = "/insights/directory/v1/events/interval";

fn start() -> DateTime<Utc> {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

/// The folder of one test's files, removed when the test ends well.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Self {
        let root = std::env::temp_dir().join(format!("jc-sink-{test}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        Scratch(root)
    }

    /// A fresh folder for one run's files.
    fn folder(&self, name: &str) -> PathBuf {
        let dir = self.0.join(name);
        fs::create_dir_all(&dir).unwrap();
        dir
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
}

fn open_file(path: &Path) -> File {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .unwrap()
}

/// An output file that dies as a killed process would: the write that crosses `bytes_left`
/// stops there (half a line on disk), or its `syncs_left`-th sync fails after the lines were
/// written.
struct Dying {
    file: File,
    bytes_left: Option<u64>,
    syncs_left: Option<usize>,
}

fn killed() -> io::Error {
    io::Error::other("killed")
}

impl Write for Dying {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.bytes_left {
            Some(0) => Err(killed()),
            Some(n) => {
                let k = buf.len().min(usize::try_from(n).unwrap_or(usize::MAX));
                let written = self.file.write(&buf[..k])?;
                self.bytes_left = Some(n - written as u64);
                Ok(written)
            }
            None => self.file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl SinkOutput for Dying {
    fn size(&mut self) -> io::Result<u64> {
        self.file.size()
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.file.truncate(len)
    }

    fn sync(&mut self) -> io::Result<()> {
        match self.syncs_left {
            Some(0) => return Err(killed()),
            Some(n) => self.syncs_left = Some(n - 1),
            None => {}
        }
        self.file.sync_data()
    }
}

/// Runs the export into `sink` from its checkpoint (or from the start) until it ends, a
/// commit fails, or `stop_after` batches were committed; the output's length after each
/// commit.
async fn run<W: SinkOutput>(
    jc: &JumpCloud,
    set: &EventSet,
    sink: &mut EventSink<W>,
    concurrency: usize,
    stop_after: Option<usize>,
) -> Vec<u64> {
    let export = match sink.checkpoint::<ExportCheckpoint>().unwrap() {
        Some(cp) => Export::resume(jc, cp),
        None => Export::new(jc, set.start()..set.end(), EventSearch::all()).slices(4),
    };
    let mut batches = export.concurrency(concurrency).page_size(40).stream();
    let mut ends = Vec::new();
    while let Some(batch) = batches.try_next().await.unwrap() {
        if stop_after == Some(ends.len()) {
            break;
        }
        if sink.commit(&batch.events, &batch.checkpoint).is_err() {
            break; // killed: the stream and the sink are dropped as they are
        }
        ends.push(sink.committed_len());
    }
    ends
}

/// Resumes from the files in `dir` to the end; the event pages it asked for.
async fn finish(fake: &FakeJumpCloud, jc: &JumpCloud, set: &EventSet, dir: &Path) -> usize {
    let before = fake.request_count();
    let mut sink = EventSink::open(dir.join("out.jsonl"), dir.join("state.json")).unwrap();
    let resumed = sink.checkpoint::<ExportCheckpoint>().unwrap().is_some();
    run(jc, set, &mut sink, 1, None).await;
    let requests = &fake.requests()[before..];
    let plans = requests.iter().filter(|r| r.path == INTERVAL).count();
    // A resumed export plans nothing; one killed before its first commit starts again.
    assert_eq!(plans, usize::from(!resumed));
    assert!(
        sink.checkpoint::<ExportCheckpoint>()
            .unwrap()
            .unwrap()
            .is_done()
    );
    requests.len() - plans
}

#[tokio::test]
async fn an_export_killed_anywhere_resumes_to_the_file_of_a_clean_run() {
    let set = EventSet::new(start(), 900);
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    fake.org(&org).seed_event_set(set.clone()).unwrap();
    let jc = common::client(&fake, RetryPolicy::none());
    let scratch = Scratch::new("anywhere");

    // The clean run: one cursor at a time, so its batches come in one order.
    let dir = scratch.folder("clean");
    let before = fake.request_count();
    let mut sink = EventSink::open(dir.join("out.jsonl"), dir.join("state.json")).unwrap();
    let ends = run(&jc, &set, &mut sink, 1, None).await;
    let pages = fake.request_count() - before - 1; // less the plan's interval request
    assert_eq!(sink.events(), 900);
    let clean = fs::read(dir.join("out.jsonl")).unwrap();
    assert_eq!(clean.len() as u64, *ends.last().unwrap());
    let batches = ends.len();
    assert!(batches >= 20, "{batches} batches");
    let ids: std::collections::BTreeSet<_> = String::from_utf8(clean.clone())
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .clone()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), 900, "each event once");

    let mut starts = vec![0];
    starts.extend(&ends);
    for k in 0..batches {
        // Killed at the boundary after k batches; the temporary state file of a commit that
        // never finished is lying about too.
        let dir = scratch.folder(&format!("boundary-{k}"));
        let mut sink = EventSink::open(dir.join("out.jsonl"), dir.join("state.json")).unwrap();
        run(&jc, &set, &mut sink, 1, Some(k)).await;
        drop(sink);
        fs::write(dir.join("state.json.tmp"), b"{\"format\":").unwrap();
        let resumed = finish(&fake, &jc, &set, &dir).await;
        assert_eq!(
            fs::read(dir.join("out.jsonl")).unwrap(),
            clean,
            "boundary {k}"
        );
        assert!(
            resumed <= pages - k,
            "boundary {k}: {resumed} of {pages} pages"
        );

        // Killed half way through batch k+1's lines.
        let dir = scratch.folder(&format!("mid-{k}"));
        let half = starts[k] + (starts[k + 1] - starts[k]) / 2;
        let dying = Dying {
            file: open_file(&dir.join("out.jsonl")),
            bytes_left: Some(half),
            syncs_left: None,
        };
        let mut sink = EventSink::with_output(dying, dir.join("state.json")).unwrap();
        assert_eq!(run(&jc, &set, &mut sink, 1, None).await.len(), k);
        drop(sink);
        let cut = fs::metadata(dir.join("out.jsonl")).unwrap().len();
        assert_eq!(cut, half, "half a batch was on disk");
        finish(&fake, &jc, &set, &dir).await;
        assert_eq!(
            fs::read(dir.join("out.jsonl")).unwrap(),
            clean,
            "mid-batch {k}"
        );

        // Killed after batch k+1's lines were written, before its checkpoint was stored
        // (the sink syncs once on opening, then once per commit).
        let dir = scratch.folder(&format!("unstored-{k}"));
        let dying = Dying {
            file: open_file(&dir.join("out.jsonl")),
            bytes_left: None,
            syncs_left: Some(1 + k),
        };
        let mut sink = EventSink::with_output(dying, dir.join("state.json")).unwrap();
        assert_eq!(run(&jc, &set, &mut sink, 1, None).await.len(), k);
        drop(sink);
        let written = fs::metadata(dir.join("out.jsonl")).unwrap().len();
        assert_eq!(written, starts[k + 1], "the whole batch was on disk");
        finish(&fake, &jc, &set, &dir).await;
        assert_eq!(
            fs::read(dir.join("out.jsonl")).unwrap(),
            clean,
            "unstored {k}"
        );
    }
}

#[tokio::test]
async fn concurrent_cursors_killed_and_resumed_write_each_event_once() {
    let set = EventSet::new(start(), 1_200).per_instant(4);
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    fake.org(&org).seed_event_set(set.clone()).unwrap();
    let jc = common::client(&fake, RetryPolicy::none());
    let scratch = Scratch::new("concurrent");
    for k in [1, 5, 13] {
        let dir = scratch.folder(&format!("after-{k}"));
        let state = dir.join("state.json");
        let mut sink = EventSink::open(dir.join("out.jsonl"), &state).unwrap();
        run(&jc, &set, &mut sink, 4, Some(k)).await;
        drop(sink);
        // Half a line, as a kill during the next commit leaves it.
        let mut out = OpenOptions::new()
            .append(true)
            .open(dir.join("out.jsonl"))
            .unwrap();
        out.write_all(b"{\"id\":\"half").unwrap();
        drop(out);
        let mut sink = EventSink::open(dir.join("out.jsonl"), &state).unwrap();
        run(&jc, &set, &mut sink, 4, None).await;
        assert_eq!(sink.events(), 1_200);
        let text = fs::read_to_string(dir.join("out.jsonl")).unwrap();
        let mut ids: Vec<u64> = text
            .lines()
            .map(|l| {
                let e: jumpcloud_ext::insights::Event = serde_json::from_str(l).unwrap();
                u64::from_str_radix(e.id().unwrap(), 16).unwrap()
            })
            .collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            (0..1_200).collect::<Vec<_>>(),
            "killed after {k} batches"
        );
    }
}

#[tokio::test]
async fn a_sink_refuses_files_it_cannot_trust() {
    let scratch = Scratch::new("refusals");
    let dir = scratch.folder("files");
    let (out, state) = (dir.join("out.jsonl"), dir.join("state.json"));
    // Content without a state file: not appended to.
    fs::write(&out, b"{\"id\":\"x\"}\n").unwrap();
    let err = EventSink::open(&out, &state).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
    // A state file that does not read.
    fs::write(&out, b"").unwrap();
    fs::write(&state, b"not json").unwrap();
    let err = EventSink::open(&out, &state).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    // An output shorter than committed.
    fs::remove_file(&state).unwrap();
    let mut sink = EventSink::open(&out, &state).unwrap();
    let event: jumpcloud_ext::insights::Event =
        serde_json::from_str(r#"{"id":"a","timestamp":"2026-01-01T00:00:00.000Z"}"#).unwrap();
    sink.commit(std::slice::from_ref(&event), &1u8).unwrap();
    drop(sink);
    fs::write(&out, b"").unwrap();
    let err = EventSink::open(&out, &state).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
    assert!(err.to_string().contains("out.jsonl"), "{err}");
}
