//! Commands: run a saved command on systems and system groups
//! (`POST /runCommand`), follow its results per system as they arrive
//! (`POST /search/commandresults`, filtered by the run's
//! `workflowInstanceId`), trigger commands by trigger name
//! (`POST /command/trigger/{triggername}`), and send the destructive
//! built-ins (`POST /systems/{id}/command/builtin/{erase,lock,restart,shutdown}`)
//! only with a [`Confirm`] value.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use jumpcloud_api::v1::types::{CommandresultssearchlistResultsItem, CommandsRunBody};
use tokio::time::Instant;

use crate::call::Run;
use crate::client::JumpCloud;
use crate::error::{Error, ErrorDetail, Result};
use crate::filter::search::{Expr, SearchBody};
use crate::graph::{Kind, NodeRef};
use crate::listing::Listing;
use crate::types::{Command, SystemGroup};

/// Bytes of a result's output kept when the caller does not choose.
pub const DEFAULT_OUTPUT_CAP: usize = 4096;

/// Ids looked up or sent in one request (the largest page JumpCloud serves).
const IDS_PER_REQUEST: usize = 100;

/// What a command runs on: a system or a system group, by id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Target {
    /// One system, by id.
    System(String),
    /// Every system in a system group (directly or through nested groups),
    /// by the group's id.
    SystemGroup(String),
}

/// A system a run was sent to: its id and, when JumpCloud gave it, its
/// display name or hostname. Serialisable, to store a run and
/// [resume](Commands::resume) following it after a restart.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct SystemRef {
    /// The system's id.
    pub id: String,
    /// Its display name, else its hostname, if known.
    pub name: Option<String>,
}

impl SystemRef {
    /// The system as a graph node (kind `system`), named when the name is
    /// known: for the graph's calls, and to print it as answers do.
    pub fn node(&self) -> NodeRef {
        let node = NodeRef::new(Kind::System, self.id.clone());
        match &self.name {
            Some(name) => node.named(name.clone()),
            None => node,
        }
    }
}

impl From<SystemRef> for NodeRef {
    fn from(s: SystemRef) -> NodeRef {
        s.node()
    }
}

/// Printed as a [`NodeRef`] of the system is: `system web-01`, with the id
/// in the alternate form (`{:#}`: `system web-01 (64a0…)`), the id alone
/// when the name is not known. A result that matched no target (empty id)
/// prints its name in both forms.
impl fmt::Display for SystemRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let node = self.node();
        if f.alternate() && !self.id.is_empty() {
            write!(f, "{node:#}")
        } else {
            write!(f, "{node}")
        }
    }
}

/// One system's answer to a run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SystemResult {
    /// The system that answered. Results name their system by display
    /// name or hostname, which is matched to the run's targets; when it
    /// matches none, `id` is empty and `name` is what JumpCloud gave.
    pub system: SystemRef,
    /// Whether the result's system name matched a target of the run. An
    /// unmatched result is still reported (with the name JumpCloud gave).
    pub matched: bool,
    /// The command's exit code, if JumpCloud reported one.
    pub exit_code: Option<i64>,
    /// The start of the output, at most the run's output cap in bytes (cut
    /// at a character boundary).
    pub output: String,
    /// Whether `output` was cut.
    pub truncated: bool,
    /// JumpCloud's error for the run on this system, if any.
    pub error: Option<String>,
    /// When the command was sent to the system.
    pub started: Option<DateTime<Utc>>,
    /// When the system answered.
    pub finished: Option<DateTime<Utc>>,
    /// The result's id (`_id`).
    pub result_id: Option<String>,
}

/// What a run's stream yields: each result as it arrives, then, if the
/// deadline passed first, the systems that did not answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RunEvent {
    /// A system answered.
    Result(SystemResult),
    /// The deadline passed; these systems had not answered. Always the
    /// last item, and only when some are missing.
    Unanswered(Vec<SystemRef>),
}

/// A destructive built-in command, sent to one system at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Builtin {
    /// Wipes the system (`builtin/erase`).
    Erase,
    /// Locks the system (`builtin/lock`).
    Lock,
    /// Restarts the system (`builtin/restart`).
    Restart,
    /// Shuts the system down (`builtin/shutdown`).
    Shutdown,
}

jumpcloud_api::named_values! {
    /// The name JumpCloud uses in the route (`erase`, `lock`, …).
    Builtin { Erase => "erase", Lock => "lock", Restart => "restart", Shutdown => "shutdown" }
}

/// The caller's explicit consent to a destructive built-in. It has no
/// default and no public fields: the only way to get one is
/// [`Confirm::destructive`] with the built-in's name spelled out at the
/// call site, and it must match the built-in sent, so an erase cannot go
/// out by accident (or under a confirmation meant for a restart).
#[derive(Debug, PartialEq, Eq)]
pub struct Confirm {
    action: String,
}

impl Confirm {
    /// Consent to send the built-in named `action` (`"erase"`, `"lock"`,
    /// `"restart"` or `"shutdown"`).
    pub fn destructive(action: &str) -> Confirm {
        Confirm {
            action: action.to_owned(),
        }
    }
}

/// What a failed command leaves behind, reached through [`Error::detail`]
/// as [`ErrorDetail::Command`]: which command, which run (when one
/// started), and the systems that had answered and those still waited for.
/// Results already yielded stay with the caller. The [`Error`] it comes
/// with keeps the failed request's kind and status, so `is_not_found()` and
/// `is_rate_limited()` answer for that request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CommandFailure {
    /// The command (its id, or the built-in or trigger asked for).
    pub command: String,
    /// The run's `workflowInstanceId`, if it started.
    pub run: Option<String>,
    /// Systems that had answered.
    pub answered: Vec<SystemRef>,
    /// Systems not yet answered.
    pub pending: Vec<SystemRef>,
}

impl CommandFailure {
    /// `command {command} (run {run}): {cause} ({n} systems answered, {m}
    /// pending)`, or without the cause when there is none.
    pub(crate) fn describe(&self, cause: Option<&str>) -> String {
        let run = match &self.run {
            Some(run) => format!(" (run {run})"),
            None => String::new(),
        };
        let known = format!(
            "{} systems answered, {} pending",
            self.answered.len(),
            self.pending.len()
        );
        match cause {
            Some(cause) => format!("command {}{run}: {cause} ({known})", self.command),
            None => format!("command {}{run}: {known}", self.command),
        }
    }

    /// `error` with this as its detail; a lookup's error (an object not
    /// found or ambiguous) stays as it is, so that it names that object by
    /// its kind rather than reading as a failure of the command.
    fn attach(self, error: Error) -> Error {
        if matches!(
            error.detail(),
            Some(ErrorDetail::NotFound { .. } | ErrorDetail::Ambiguous { .. })
        ) {
            return error;
        }
        error.with_detail(ErrorDetail::Command(self))
    }
}

/// The first `cap` bytes of `text`, cut back to a character boundary, and
/// whether anything was cut.
pub(crate) fn excerpt(text: &str, cap: usize) -> (String, bool) {
    if text.len() <= cap {
        return (text.to_owned(), false);
    }
    let mut end = cap;
    while end > 0 && !text.is_char_boundary(end) {
        end -= 1;
    }
    (text[..end].to_owned(), true)
}

/// Runs saved commands and waits for their results; triggers commands;
/// sends destructive built-ins under [`Confirm`].
///
/// ```no_run
/// use std::time::Duration;
/// use futures::StreamExt;
/// use jumpcloud_ext::jobs::{Commands, RunEvent, Target};
///
/// # async fn demo(jc: jumpcloud_ext::JumpCloud) -> Result<(), Box<dyn std::error::Error>> {
/// let commands = Commands::new(&jc);
/// let id = commands.command_id("Update packages").await?;
/// let group = commands.group_id("Servers").await?;
/// let run = commands.run(&id, &[Target::SystemGroup(group)]).await?;
/// let mut events = run.results(Duration::from_secs(120));
/// while let Some(event) = events.next().await {
///     match event? {
///         RunEvent::Result(r) => println!("{}: exit {:?}", r.system, r.exit_code),
///         RunEvent::Unanswered(s) => println!("{} systems did not answer", s.len()),
///         _ => {}
///     }
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Commands {
    jc: JumpCloud,
    first_poll: Duration,
    max_poll: Duration,
    output_cap: usize,
}

impl Commands {
    /// Commands through `jc`: results polled after 1 s, then up to every
    /// 30 s; outputs kept up to [`DEFAULT_OUTPUT_CAP`] bytes.
    pub fn new(jc: &JumpCloud) -> Self {
        Commands {
            jc: jc.clone(),
            first_poll: Duration::from_secs(1),
            max_poll: Duration::from_secs(30),
            output_cap: DEFAULT_OUTPUT_CAP,
        }
    }

    /// Waits `first` before the first poll, doubling up to `max` between
    /// polls while systems have not answered.
    pub fn poll_backoff(mut self, first: Duration, max: Duration) -> Self {
        self.first_poll = first;
        self.max_poll = max.max(first);
        self
    }

    /// Keeps at most `bytes` of each result's output (cut at a character
    /// boundary), so a chatty command cannot fill memory.
    pub fn output_cap(mut self, bytes: usize) -> Self {
        self.output_cap = bytes;
        self
    }

    /// The id of the saved command named `name` (one filtered request). An
    /// unknown or ambiguous name is the lookup's error (its
    /// [`ErrorDetail::NotFound`] or [`ErrorDetail::Ambiguous`] names it),
    /// before anything is run.
    pub async fn command_id(&self, name: &str) -> Result<String> {
        let found = self.jc.find::<Command>(name).await?;
        Ok(found.node.id.to_string())
    }

    /// The id of the system group named `name` (one filtered request), or
    /// the lookup's error, as [`command_id`](Self::command_id).
    pub async fn group_id(&self, name: &str) -> Result<String> {
        let found = self.jc.find::<SystemGroup>(name).await?;
        Ok(found.node.id.to_string())
    }

    /// The systems `targets` stand for, each once, in id order: groups are
    /// expanded through `systemgroups/{id}/membership`, and names read with
    /// one v1 search per 100 systems. Nothing is run. A group or system
    /// that does not exist is a lookup's error naming it by kind and id
    /// (`no system_group has id "…"`, [`ErrorDetail::NotFound`]), not a
    /// failure of a command.
    pub async fn systems(&self, targets: &[Target]) -> Result<Vec<SystemRef>> {
        if targets.is_empty() {
            return Err(Error::invalid_request(
                "no systems or system groups to run on",
            ));
        }
        let mut ids = BTreeSet::new();
        for target in targets {
            match target {
                Target::System(id) if id.trim().is_empty() => {
                    return Err(Error::invalid_request("a system id is empty"));
                }
                Target::SystemGroup(id) if id.trim().is_empty() => {
                    return Err(Error::invalid_request("a system group id is empty"));
                }
                Target::System(id) => {
                    ids.insert(id.clone());
                }
                Target::SystemGroup(id) => {
                    let members = self
                        .jc
                        .v2()
                        .system_group_membership_get()
                        .group_id(id.clone())
                        .try_collect_all()
                        .await
                        .map_err(|e| missing(e, Kind::SystemGroup, id))?;
                    ids.extend(members.into_iter().map(|m| m.id));
                }
            }
        }
        if ids.is_empty() {
            return Err(Error::invalid_request(
                "the system groups given have no systems",
            ));
        }
        let ids: Vec<String> = ids.into_iter().collect();
        let mut names = BTreeMap::new();
        for chunk in ids.chunks(IDS_PER_REQUEST) {
            let leaves = chunk.iter().map(|id| Expr::field("_id").eq(id.as_str()));
            let body = SearchBody::new().filter(Expr::or(leaves.collect::<Vec<_>>()));
            let found: Vec<_> = self
                .jc
                .v1()
                .system_search()
                .body(body)
                .try_collect_all()
                .await?;
            for s in found {
                let name = s.display_name.clone().or(s.hostname.clone());
                if let Some(id) = s.id.clone() {
                    names.insert(id, name);
                }
            }
        }
        // A system the search does not know would fail the run as a whole:
        // refuse it here, by its kind and id, before anything runs.
        if let Some(unknown) = ids.iter().find(|id| !names.contains_key(*id)) {
            return Err(not_found(Kind::System, unknown));
        }
        Ok(ids
            .into_iter()
            .map(|id| SystemRef {
                name: names.get(&id).cloned().flatten(),
                id,
            })
            .collect())
    }

    /// Runs the saved command `command_id` on `targets`. Targets are checked
    /// and expanded first (an empty list, an empty id or groups without
    /// systems are refused before the run is sent); then one
    /// `POST /runCommand` names every system. Read the results with
    /// [`CommandRun::results`]. A failure carries [`ErrorDetail::Command`]
    /// with the systems the run was for.
    pub async fn run(&self, command_id: &str, targets: &[Target]) -> Result<CommandRun> {
        if command_id.trim().is_empty() {
            return Err(refused(
                command_id,
                Error::invalid_request("the command id is empty"),
            ));
        }
        let systems = self
            .systems(targets)
            .await
            .map_err(|e| refused(command_id, e))?;
        let body = CommandsRunBody {
            id: Some(command_id.to_owned()),
            system_ids: systems.iter().map(|s| s.id.clone()).collect(),
        };
        let started = self.jc.v1().commands_run().body(body).run().await;
        let fail = |error| {
            let unsent = CommandFailure {
                command: command_id.to_owned(),
                run: None,
                answered: Vec::new(),
                pending: systems.clone(),
            };
            unsent.attach(error)
        };
        let answer = started.map_err(fail)?;
        let Some(instance) = answer.workflow_instance_id.filter(|w| !w.trim().is_empty()) else {
            return Err(fail(Error::protocol(
                "runCommand answered without a workflowInstanceId",
            )));
        };
        Ok(CommandRun {
            commands: self.clone(),
            command_id: command_id.to_owned(),
            workflow_instance_id: instance,
            systems,
        })
    }

    /// A run started earlier (say, by a process that stopped), from its
    /// command id, `workflowInstanceId` and systems, to follow its results
    /// again. Nothing is sent until [`CommandRun::results`] polls.
    pub fn resume(
        &self,
        command_id: &str,
        workflow_instance_id: &str,
        systems: Vec<SystemRef>,
    ) -> CommandRun {
        CommandRun {
            commands: self.clone(),
            command_id: command_id.to_owned(),
            workflow_instance_id: workflow_instance_id.to_owned(),
            systems,
        }
    }

    /// Runs every command whose trigger is `trigger_name`; the names of the
    /// commands JumpCloud started. An empty name is refused before sending.
    /// A failure carries [`ErrorDetail::Command`] naming the trigger.
    pub async fn trigger(&self, trigger_name: &str) -> Result<Vec<String>> {
        if trigger_name.trim().is_empty() {
            return Err(refused(
                trigger_name,
                Error::invalid_request("the trigger name is empty"),
            ));
        }
        let sent = self
            .jc
            .v1()
            .command_trigger_post()
            .triggername(trigger_name.to_owned())
            .run()
            .await;
        match sent {
            Ok(r) => Ok(r.triggered),
            Err(e) => Err(refused(&format!("trigger {trigger_name}"), e)),
        }
    }

    /// Sends the destructive built-in `action` to each system in
    /// `system_ids`, in order. `confirm` must name the same built-in;
    /// otherwise, or for an empty list, nothing is sent. A failure carries
    /// [`ErrorDetail::Command`], which names the system and lists those
    /// already sent (in `answered`).
    pub async fn builtin(
        &self,
        action: Builtin,
        system_ids: &[String],
        confirm: Confirm,
    ) -> Result<()> {
        let label = format!("builtin {action}");
        if confirm.action != action.name() {
            return Err(refused(
                &label,
                Error::invalid_request(format!(
                    "{action} needs Confirm::destructive({:?}); got a confirmation for {:?}",
                    action.name(),
                    confirm.action
                )),
            ));
        }
        if system_ids.is_empty() || system_ids.iter().any(|s| s.trim().is_empty()) {
            return Err(refused(
                &label,
                Error::invalid_request("no system ids, or an empty one"),
            ));
        }
        let refs = |ids: &[String]| {
            ids.iter()
                .map(|id| SystemRef {
                    id: id.clone(),
                    name: None,
                })
                .collect::<Vec<_>>()
        };
        for (i, id) in system_ids.iter().enumerate() {
            let v1 = self.jc.v1();
            let sent = match action {
                Builtin::Erase => v1.system_clear().system_id(id.clone()).run().await,
                Builtin::Lock => v1.system_lock().system_id(id.clone()).run().await,
                Builtin::Restart => v1.system_restart().system_id(id.clone()).run().await,
                Builtin::Shutdown => v1.system_stop().system_id(id.clone()).run().await,
            };
            if let Err(error) = sent {
                let part_way = CommandFailure {
                    command: format!("{label} on system {id}"),
                    run: None,
                    answered: refs(&system_ids[..i]),
                    pending: refs(&system_ids[i..]),
                };
                return Err(part_way.attach(error));
            }
        }
        Ok(())
    }
}

/// No `kind` has id `id`: a lookup's error (kind `NotFound`), which names
/// the object by its kind.
fn not_found(kind: Kind, id: &str) -> Error {
    Error::lookup(
        crate::ErrorKind::NotFound,
        ErrorDetail::NotFound {
            kind,
            field: "id",
            value: id.to_owned(),
        },
    )
}

/// A 404 on a request about the `kind` with id `id` as that object's
/// lookup error (with the 404 as its source); other errors unchanged.
fn missing(error: Error, kind: Kind, id: &str) -> Error {
    if error.status().is_some_and(|s| s.as_u16() == 404) {
        not_found(kind, id).with_source(error)
    } else {
        error
    }
}

/// `error` for `command`, before any system was sent anything.
fn refused(command: &str, error: Error) -> Error {
    let unsent = CommandFailure {
        command: command.to_owned(),
        run: None,
        answered: Vec::new(),
        pending: Vec::new(),
    };
    unsent.attach(error)
}

/// A started run: the command, JumpCloud's `workflowInstanceId` for it and
/// the systems it was sent to.
#[derive(Clone, Debug)]
pub struct CommandRun {
    commands: Commands,
    command_id: String,
    workflow_instance_id: String,
    systems: Vec<SystemRef>,
}

/// Where a run's result stream is.
struct Follow {
    run: CommandRun,
    /// The client for result searches: it resends them on retryable
    /// failures, since a search `POST` changes nothing.
    search: JumpCloud,
    deadline: Instant,
    pause: Duration,
    /// Systems not yet answered, by id.
    pending: BTreeMap<String, SystemRef>,
    answered: Vec<SystemRef>,
    /// Result ids already yielded.
    seen: BTreeSet<String>,
    ready: VecDeque<RunEvent>,
    first: bool,
    done: bool,
}

impl CommandRun {
    /// The command's id.
    pub fn command_id(&self) -> &str {
        &self.command_id
    }

    /// JumpCloud's id for this run (`workflowInstanceId`); results carry it.
    pub fn workflow_instance_id(&self) -> &str {
        &self.workflow_instance_id
    }

    /// The systems the run was sent to.
    pub fn systems(&self) -> &[SystemRef] {
        &self.systems
    }

    /// Each system's result as it arrives, polling with backoff; when every
    /// system has answered the stream ends, and if `timeout` passes first
    /// its last item is [`RunEvent::Unanswered`]. Errors that outlast the
    /// client's retries end the stream with an error whose
    /// [`ErrorDetail::Command`] names the command, the run and who had
    /// answered.
    pub fn results(self, timeout: Duration) -> BoxStream<'static, Result<RunEvent>> {
        let pending = self
            .systems
            .iter()
            .map(|s| (s.id.clone(), s.clone()))
            .collect();
        let jc = &self.commands.jc;
        let search = jc.clone();
        let state = Follow {
            search,
            pause: self.commands.first_poll,
            deadline: Instant::now() + timeout,
            run: self,
            pending,
            answered: Vec::new(),
            seen: BTreeSet::new(),
            ready: VecDeque::new(),
            first: true,
            done: false,
        };
        stream::try_unfold(state, |mut st| async move {
            loop {
                if let Some(event) = st.ready.pop_front() {
                    return Ok(Some((event, st)));
                }
                if st.done {
                    return Ok(None);
                }
                if st.pending.is_empty() && !st.first {
                    return Ok(None);
                }
                let now = Instant::now();
                if now >= st.deadline {
                    st.done = true;
                    if !st.pending.is_empty() {
                        let left = std::mem::take(&mut st.pending).into_values().collect();
                        st.ready.push_back(RunEvent::Unanswered(left));
                    }
                    continue;
                }
                tokio::time::sleep(st.pause.min(st.deadline - now)).await;
                if !st.first {
                    st.pause = (st.pause * 2).min(st.run.commands.max_poll);
                }
                st.first = false;
                st.poll().await?;
            }
        })
        .boxed()
    }
}

impl Follow {
    /// Reads the run's results once and queues the new ones.
    async fn poll(&mut self) -> Result<()> {
        let body = SearchBody::new().filter(Expr::and(vec![
            Expr::field("workflowInstanceId").eq(self.run.workflow_instance_id.as_str()),
        ]));
        let listed: Result<Vec<CommandresultssearchlistResultsItem>> = self
            .search
            .v1()
            .command_result_search()
            .body(body)
            .stream()
            .try_collect()
            .await;
        let results = listed.map_err(|error| {
            let so_far = CommandFailure {
                command: self.run.command_id.clone(),
                run: Some(self.run.workflow_instance_id.clone()),
                answered: self.answered.clone(),
                pending: self.pending.values().cloned().collect(),
            };
            so_far.attach(error)
        })?;
        for r in results {
            if r.workflow_instance_id.as_deref() != Some(self.run.workflow_instance_id.as_str()) {
                continue;
            }
            // A result without a response time has not finished yet.
            if r.response_time.is_none() && r.response.is_none() {
                continue;
            }
            let key =
                r.id.clone()
                    .unwrap_or_else(|| format!("{:?}", (&r.system, &r.request_time)));
            if !self.seen.insert(key) {
                continue;
            }
            let name = r.system.clone();
            let hit = name.as_deref().and_then(|n| {
                let pending = self.pending.iter();
                pending
                    .filter(|(_, s)| s.name.as_deref() == Some(n) || s.id == n)
                    .map(|(id, _)| id.clone())
                    .next()
            });
            let (system, matched) = match hit.and_then(|id| self.pending.remove(&id)) {
                Some(s) => {
                    self.answered.push(s.clone());
                    (s, true)
                }
                None => (
                    SystemRef {
                        id: String::new(),
                        name,
                    },
                    false,
                ),
            };
            let response = r.response.as_ref();
            let data = response.and_then(|x| x.data.as_ref());
            let raw = data.and_then(|d| d.output.as_deref()).unwrap_or("");
            let (output, truncated) = excerpt(raw, self.run.commands.output_cap);
            let error = response
                .and_then(|x| x.error.clone())
                .filter(|e| !e.is_empty());
            self.ready.push_back(RunEvent::Result(SystemResult {
                system,
                matched,
                exit_code: data.and_then(|d| d.exit_code),
                output,
                truncated,
                error,
                started: r.request_time,
                finished: r.response_time,
                result_id: r.id.clone(),
            }));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_at_a_character_boundary() {
        assert_eq!(excerpt("hello", 10), ("hello".into(), false));
        assert_eq!(excerpt("hello", 3), ("hel".into(), true));
        // "é" is two bytes: a cap inside it falls back before it.
        assert_eq!(excerpt("aé", 2), ("a".into(), true));
        assert_eq!(excerpt("éé", 0), (String::new(), true));
    }

    #[test]
    fn a_confirmation_only_covers_its_own_builtin() {
        assert_eq!(Confirm::destructive("erase").action, Builtin::Erase.name());
        assert_ne!(Confirm::destructive("lock").action, Builtin::Erase.name());
    }
}
