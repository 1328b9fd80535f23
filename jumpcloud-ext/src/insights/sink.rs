//! [`EventSink`]: events written as JSON lines, with the checkpoint after
//! them, as one commit.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Cursor, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Event;

/// What the state file says: how long the output was at the last commit,
/// how many events it held, and the checkpoint after them.
#[derive(Serialize, Deserialize)]
struct State {
    format: String,
    output_len: u64,
    events: u64,
    checkpoint: Value,
}

/// The `format` of the state files this version writes and reads.
const FORMAT: &str = "jumpcloud-ext event sink 1";

/// An output an [`EventSink`] can cut back to its last commit: a file, or
/// an in-memory buffer.
pub trait SinkOutput: Write {
    /// The output's length in bytes.
    fn size(&mut self) -> io::Result<u64>;
    /// Cuts the output to `len` bytes; the next write goes at its end.
    fn truncate(&mut self, len: u64) -> io::Result<()>;
    /// Makes what was written durable (for a file, `fsync`).
    fn sync(&mut self) -> io::Result<()>;
}

impl SinkOutput for File {
    fn size(&mut self) -> io::Result<u64> {
        Ok(self.metadata()?.len())
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        self.set_len(len)?;
        self.seek(SeekFrom::End(0))?;
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        self.sync_data()
    }
}

impl SinkOutput for Cursor<Vec<u8>> {
    fn size(&mut self) -> io::Result<u64> {
        Ok(self.get_ref().len() as u64)
    }

    fn truncate(&mut self, len: u64) -> io::Result<()> {
        let len = usize::try_from(len).map_err(io::Error::other)?;
        self.get_mut().truncate(len);
        self.set_position(len as u64);
        Ok(())
    }

    fn sync(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes Directory Insights events as JSON lines (one event per line, as
/// JumpCloud sent it) and keeps, in a state file beside them, the
/// checkpoint after the last events written: an [`Export`](super::Export)
/// or a [`Follow`](super::Follow) whose output cannot double.
///
/// Each [`commit`](Self::commit) writes a batch's events and makes them
/// durable, then replaces the state file atomically (a temporary file,
/// `fsync`, rename, `fsync` of the folder) with the checkpoint and the
/// output's new length. [`open`](EventSink::open) cuts the output back to the
/// length the state file holds, so whatever a crash left after the last
/// commit (a batch written but not committed, half a line) is dropped and
/// written again from the checkpoint: a crash at any point resumes with no
/// event lost and none written twice.
///
/// ```no_run
/// use futures::TryStreamExt;
/// use jumpcloud_ext::insights::{EventSearch, EventSink, Export};
///
/// # async fn demo(jc: jumpcloud_ext::JumpCloud) -> Result<(), Box<dyn std::error::Error>> {
/// let mut sink = EventSink::open("events.jsonl", "events.state.json")?;
/// let export = match sink.checkpoint()? {
///     Some(checkpoint) => Export::resume(&jc, checkpoint),
///     None => {
///         let to = chrono::Utc::now();
///         Export::new(&jc, to - chrono::Duration::days(1)..to, EventSearch::all())
///     }
/// };
/// let mut batches = export.stream();
/// while let Some(batch) = batches.try_next().await? {
///     sink.commit(&batch.events, &batch.checkpoint)?;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct EventSink<W: SinkOutput = File> {
    output: W,
    state_path: PathBuf,
    /// The output's length at the last commit.
    committed: u64,
    events: u64,
    checkpoint: Option<Value>,
    /// A commit failed half way: the output may hold more than the state
    /// says, so only a new `open` may carry on.
    broken: bool,
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// `error` with what was being done in front.
fn doing(what: impl std::fmt::Display, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{what}: {error}"))
}

impl EventSink<File> {
    /// Opens (or creates) the output file and its state file, cutting the
    /// output back to its last commit. A new sink needs an empty or absent
    /// output, and writes its state file at once (so that a crash during
    /// the first commit is cut back too): an output with content but no
    /// state file is refused
    /// (`AlreadyExists`) rather than appended to. An output shorter than
    /// its state says, or a state file that does not read, is refused
    /// (`InvalidData`): something else changed them, and guessing could
    /// lose or double events.
    pub fn open(output: impl AsRef<Path>, state: impl AsRef<Path>) -> io::Result<Self> {
        let path = output.as_ref();
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| doing(format_args!("opening {}", path.display()), e))?;
        Self::with_output(file, state).map_err(|e| doing(path.display(), e))
    }
}

impl<W: SinkOutput> EventSink<W> {
    /// A sink writing to `output` (a file opened for writing, a buffer),
    /// with its state in the file `state`; as [`open`](EventSink::open).
    pub fn with_output(mut output: W, state: impl AsRef<Path>) -> io::Result<Self> {
        let state_path = state.as_ref().to_path_buf();
        // A temporary state file is what a crash during a commit left: the
        // commit did not happen.
        match fs::remove_file(temporary(&state_path)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let stored = match fs::read(&state_path) {
            Ok(bytes) => Some(serde_json::from_slice::<State>(&bytes).map_err(|e| {
                invalid(format!(
                    "state file {} does not read as an event sink's state: {e}",
                    state_path.display()
                ))
            })?),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(doing(format_args!("reading {}", state_path.display()), e));
            }
        };
        let len = output.size()?;
        let (committed, events, checkpoint) = match stored {
            Some(s) if s.format != FORMAT => {
                return Err(invalid(format!(
                    "state file {} has format {:?}, not {FORMAT:?}",
                    state_path.display(),
                    s.format
                )));
            }
            Some(s) if len < s.output_len => {
                return Err(invalid(format!(
                    "the output holds {len} bytes but its state file {} says {} were \
                     committed: it was cut or replaced since",
                    state_path.display(),
                    s.output_len
                )));
            }
            Some(s) => {
                let checkpoint = Some(s.checkpoint).filter(|c| !c.is_null());
                (s.output_len, s.events, checkpoint)
            }
            None if len > 0 => {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!(
                        "the output holds {len} bytes but there is no state file {}: \
                         move the output away, or give the state file it was written with",
                        state_path.display()
                    ),
                ));
            }
            None => {
                // A state before any event, so that a crash during the
                // first commit also leaves an output the sink can cut back.
                let empty = State {
                    format: FORMAT.to_owned(),
                    output_len: 0,
                    events: 0,
                    checkpoint: Value::Null,
                };
                store(&state_path, &empty)?;
                (0, 0, None)
            }
        };
        // Drop what a crash left after the last commit.
        output.truncate(committed)?;
        output.sync()?;
        Ok(EventSink {
            output,
            state_path,
            committed,
            events,
            checkpoint,
            broken: false,
        })
    }

    /// The checkpoint of the last commit (`None` for a new sink): resume
    /// the export or follow from it.
    pub fn checkpoint<C: DeserializeOwned>(&self) -> io::Result<Option<C>> {
        let Some(value) = &self.checkpoint else {
            return Ok(None);
        };
        let checkpoint = C::deserialize(value).map_err(|e| {
            invalid(format!(
                "the checkpoint in {} is not of the kind asked for: {e}",
                self.state_path.display()
            ))
        })?;
        Ok(Some(checkpoint))
    }

    /// Writes `events` as JSON lines and stores `checkpoint` (the one of
    /// the batch that carried them) as one commit: once this returns, both
    /// are durable; if it fails or the program dies first, the next
    /// [`open`](EventSink::open) drops the events of this commit and
    /// resumes from the previous checkpoint. After a failure the sink
    /// refuses further commits: open it again.
    pub fn commit<C: Serialize>(&mut self, events: &[Event], checkpoint: &C) -> io::Result<()> {
        if self.broken {
            return Err(io::Error::other(
                "an earlier commit of this event sink failed: open it again to resume \
                 from its last commit",
            ));
        }
        self.broken = true;
        let checkpoint = serde_json::to_value(checkpoint).map_err(io::Error::other)?;
        let mut lines = Vec::with_capacity(events.iter().map(|e| e.json().len() + 1).sum());
        for event in events {
            // Line breaks in JSON text are only ever whitespace between
            // tokens (a string holds them escaped), so a space keeps the
            // event the same and on one line.
            let text = event.json().bytes();
            lines.extend(text.map(|b| if b == b'\n' || b == b'\r' { b' ' } else { b }));
            lines.push(b'\n');
        }
        self.output.write_all(&lines)?;
        self.output.flush()?;
        self.output.sync()?;
        let state = State {
            format: FORMAT.to_owned(),
            output_len: self.committed + lines.len() as u64,
            events: self.events + events.len() as u64,
            checkpoint,
        };
        store(&self.state_path, &state)?;
        self.committed = state.output_len;
        self.events = state.events;
        self.checkpoint = Some(state.checkpoint);
        self.broken = false;
        Ok(())
    }

    /// Events written by every commit so far, across restarts.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The output's length at the last commit, in bytes.
    pub fn committed_len(&self) -> u64 {
        self.committed
    }

    /// The output, to read back a buffer.
    pub fn into_output(self) -> W {
        self.output
    }
}

/// The temporary file a state is written to before it replaces `state`.
fn temporary(state: &Path) -> PathBuf {
    let mut name = state.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Replaces the state file atomically: written whole to a temporary file
/// and made durable, renamed over the old one, then the rename made
/// durable.
fn store(path: &Path, state: &State) -> io::Result<()> {
    let text = serde_json::to_vec(state).map_err(io::Error::other)?;
    let tmp = temporary(path);
    let write = || -> io::Result<()> {
        let mut file = File::create(&tmp)?;
        file.write_all(&text)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_folder(path)
    };
    write().map_err(|e| doing(format_args!("storing {}", path.display()), e))
}

/// `fsync` of the folder holding `path`, so a rename in it is durable.
#[cfg(unix)]
fn sync_folder(path: &Path) -> io::Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    File::open(folder)?.sync_all()
}

/// Other systems do not open folders as files; the rename itself is
/// atomic there.
#[cfg(not(unix))]
fn sync_folder(_: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(text: &str) -> Event {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn a_commit_is_events_then_state_and_open_cuts_back_to_it() {
        let dir = std::env::temp_dir().join(format!("jc-sink-unit-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let state = dir.join("state.json");
        let _ = fs::remove_file(&state);
        let mut sink = EventSink::with_output(Cursor::new(Vec::new()), &state).unwrap();
        assert_eq!(sink.checkpoint::<u32>().unwrap(), None);
        let batch = [event("{\"id\":\"a\",\n \"n\":1}"), event(r#"{"id":"b"}"#)];
        sink.commit(&batch, &7u32).unwrap();
        assert_eq!(sink.events(), 2);
        let committed = sink.committed_len();
        let mut out = sink.into_output();
        assert_eq!(
            String::from_utf8(out.get_ref().clone()).unwrap(),
            "{\"id\":\"a\",  \"n\":1}\n{\"id\":\"b\"}\n"
        );
        // What a crash leaves after the commit is dropped on open.
        out.write_all(b"{\"id\":\"c\"}\n{\"id\":").unwrap();
        let sink = EventSink::with_output(out, &state).unwrap();
        assert_eq!(sink.checkpoint::<u32>().unwrap(), Some(7));
        assert_eq!(sink.into_output().get_ref().len() as u64, committed);
        assert_eq!(committed, 30);
        // An output shorter than committed, or with content and no state,
        // is refused.
        let err = EventSink::with_output(Cursor::new(b"{}\n".to_vec()), &state).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{err}");
        fs::remove_file(&state).unwrap();
        let err = EventSink::with_output(Cursor::new(b"{}\n".to_vec()), &state).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists, "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
