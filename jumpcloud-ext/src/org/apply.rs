//! Applying an [`OrgPlan`]: its writes in dependency order, each one's
//! outcome reported, deletions only when confirmed.
//!
//! Stages, each with bounded concurrency, a failure stopping the stages
//! after it: group creates and updates, user creates and updates, edge
//! removals, edge additions and updates (edges to an object created in
//! this apply use its new id), deletions. An addition the server finds
//! made (409) or a removal already gone (404) is unchanged, as in
//! [`Graph::apply`](crate::graph::Graph::apply), and so is a deletion of an
//! object already gone: planning again after a partial apply plans only
//! what is left.

use std::collections::BTreeMap;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

use futures::StreamExt;
use serde_json::{Map, Value};

use super::Org;
use super::plan::{End, LinkChange, ObjectChange, ObjectOp, OrgPlan};
use crate::error::{Error, Result};
use crate::graph::{Change, Kind, LinkOp, NodeRef, Outcome, Plan, PlannedChange};

/// How many objects a plan may delete without
/// [`Apply::confirm_deletions`] (any user deleted always needs it).
pub const DEFAULT_DELETION_THRESHOLD: usize = 10;

/// One write of an applied plan.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "write", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Write {
    /// A create, update or delete of an object.
    Object(ObjectChange),
    /// An edge added, removed or updated.
    Link(LinkChange),
}

impl fmt::Display for Write {
    /// The write's first line (an update's field diffs are in the plan).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Write::Object(o) => {
                let text = o.to_string();
                f.write_str(text.lines().next().unwrap_or_default())
            }
            Write::Link(l) => write!(f, "{l}"),
        }
    }
}

/// What happened to one write.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum WriteOutcome {
    /// The server made the change.
    Done,
    /// It was already so (an edge already there or gone, an object already
    /// deleted).
    Unchanged,
    /// The server refused it; the error carries JumpCloud's message.
    Failed(Error),
    /// A stage before it failed, so it was not sent.
    NotAttempted,
}

/// One write and its outcome.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct WriteResult {
    /// The write.
    pub write: Write,
    /// What happened.
    pub outcome: WriteOutcome,
}

/// Every write of an applied plan, in the order of its stages, with its
/// outcome: what was done, what failed (with JumpCloud's message) and what
/// was not attempted.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct OrgApplyReport {
    /// One per planned write.
    pub results: Vec<WriteResult>,
}

impl OrgApplyReport {
    /// Whether every write was made or had nothing to do.
    pub fn is_success(&self) -> bool {
        self.results
            .iter()
            .all(|r| matches!(r.outcome, WriteOutcome::Done | WriteOutcome::Unchanged))
    }

    fn count(&self, f: impl Fn(&WriteOutcome) -> bool) -> usize {
        self.results.iter().filter(|r| f(&r.outcome)).count()
    }

    /// How many writes changed something.
    pub fn done(&self) -> usize {
        self.count(|o| matches!(o, WriteOutcome::Done))
    }

    /// The failed writes and their errors.
    pub fn failures(&self) -> impl Iterator<Item = (&Write, &Error)> {
        self.results.iter().filter_map(|r| match &r.outcome {
            WriteOutcome::Failed(e) => Some((&r.write, e)),
            _ => None,
        })
    }

    /// How many writes were not sent because an earlier stage failed.
    pub fn not_attempted(&self) -> usize {
        self.count(|o| matches!(o, WriteOutcome::NotAttempted))
    }
}

impl fmt::Display for OrgApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.results {
            match &r.outcome {
                WriteOutcome::Done => writeln!(f, "{}: done", r.write)?,
                WriteOutcome::Unchanged => writeln!(f, "{}: already so", r.write)?,
                WriteOutcome::Failed(e) => writeln!(f, "{}: FAILED: {e}", r.write)?,
                WriteOutcome::NotAttempted => writeln!(f, "{}: not attempted", r.write)?,
            }
        }
        writeln!(
            f,
            "{} done, {} unchanged, {} failed, {} not attempted",
            self.done(),
            self.count(|o| matches!(o, WriteOutcome::Unchanged)),
            self.failures().count(),
            self.not_attempted()
        )
    }
}

/// Applies a plan (from [`Org::apply`]): `.confirm_deletions(n)` when it
/// deletes users or more than the threshold, then `.run().await` or
/// `.await`.
#[must_use = "an Apply does nothing until run or awaited"]
pub struct Apply<'p, 'a> {
    org: Org<'a>,
    plan: &'p OrgPlan,
    confirmed: Option<usize>,
    threshold: usize,
}

impl<'a> Org<'a> {
    /// Applies `plan` (see [`Apply`]). Nothing is sent until it runs, and a
    /// plan whose deletions need confirming is refused before any write.
    pub fn apply<'p>(&self, plan: &'p OrgPlan) -> Apply<'p, 'a> {
        Apply {
            org: self.clone(),
            plan,
            confirmed: None,
            threshold: DEFAULT_DELETION_THRESHOLD,
        }
    }
}

/// Which stage a write belongs to.
fn stage(w: &Write) -> usize {
    match w {
        Write::Object(o) if o.op == ObjectOp::Delete => 4,
        Write::Object(o) if o.kind == Kind::User => 1,
        Write::Object(_) => 0,
        Write::Link(l) if l.op == LinkOp::Remove => 2,
        Write::Link(_) => 3,
    }
}

impl<'p, 'a> Apply<'p, 'a> {
    /// Confirms the deletions: `n` must be the plan's exact
    /// [`deletions`](OrgPlan::deletions), so that a plan that grew since it
    /// was reviewed is refused.
    pub fn confirm_deletions(mut self, n: usize) -> Self {
        self.confirmed = Some(n);
        self
    }

    /// How many objects may be deleted without confirmation (default
    /// [`DEFAULT_DELETION_THRESHOLD`]); deleting any user always needs it.
    pub fn deletion_threshold(mut self, n: usize) -> Self {
        self.threshold = n;
        self
    }

    /// Refuses the plan when its deletions need confirming and the count
    /// given is not theirs.
    fn check(&self) -> Result<()> {
        let n = self.plan.deletions();
        let users = self.plan.user_deletions();
        let needed = users > 0 || n > self.threshold;
        match self.confirmed {
            Some(c) if c == n => Ok(()),
            Some(c) => Err(Error::invalid_request(format!(
                "the plan deletes {n} object(s), not {c}: nothing was written"
            ))),
            None if needed => Err(Error::invalid_request(format!(
                "the plan deletes {n} object(s) ({users} user(s)); confirm with \
                 confirm_deletions({n}): nothing was written"
            ))),
            None => Ok(()),
        }
    }

    /// Makes the writes, stage by stage; `Err` only when refused before
    /// any write (deletions not confirmed). Failed writes are in the
    /// report.
    pub async fn run(self) -> Result<OrgApplyReport> {
        self.check()?;
        let mut writes: Vec<Write> = self
            .plan
            .objects
            .iter()
            .cloned()
            .map(Write::Object)
            .chain(self.plan.links.iter().cloned().map(Write::Link))
            .collect();
        writes.sort_by_key(stage);
        let mut results: Vec<WriteResult> = Vec::with_capacity(writes.len());
        let mut created: BTreeMap<(Kind, String), String> = BTreeMap::new();
        let mut failed = false;
        for s in 0..5 {
            let batch: Vec<Write> = writes.iter().filter(|w| stage(w) == s).cloned().collect();
            if batch.is_empty() {
                continue;
            }
            if failed {
                results.extend(batch.into_iter().map(|write| WriteResult {
                    write,
                    outcome: WriteOutcome::NotAttempted,
                }));
                continue;
            }
            let outcomes = match s {
                2 | 3 => self.links(&batch, &created).await,
                _ => self.objects(&batch).await,
            };
            for (write, (outcome, id)) in batch.into_iter().zip(outcomes) {
                if let (Write::Object(o), Some(id)) = (&write, id) {
                    let key = o.key.clone().unwrap_or_else(|| o.name.clone());
                    created.insert((o.kind.clone(), key), id);
                }
                failed |= matches!(outcome, WriteOutcome::Failed(_));
                results.push(WriteResult { write, outcome });
            }
        }
        Ok(OrgApplyReport { results })
    }

    /// Object writes, at most the graph's concurrency at once; a create's
    /// outcome comes with the new id.
    async fn objects(&self, batch: &[Write]) -> Vec<(WriteOutcome, Option<String>)> {
        let jobs: Vec<_> = batch.iter().map(|w| self.object_outcome(w)).collect();
        futures::stream::iter(jobs)
            .buffered(self.org.graph.in_flight_limit())
            .collect()
            .await
    }

    /// One object write's outcome (a deletion of an object already gone is
    /// unchanged) and, for a create, the new id.
    async fn object_outcome(&self, w: &Write) -> (WriteOutcome, Option<String>) {
        let Write::Object(o) = w else {
            return (WriteOutcome::NotAttempted, None);
        };
        match self.object(o).await {
            Ok(id) => (WriteOutcome::Done, id),
            Err(e) if o.op == ObjectOp::Delete && e.is_not_found() => {
                (WriteOutcome::Unchanged, None)
            }
            Err(e) => (WriteOutcome::Failed(e), None),
        }
    }

    /// One object write; a create answers the new id.
    async fn object(&self, o: &ObjectChange) -> Result<Option<String>> {
        let jc = self.org.graph.client();
        let budget = Some(self.org.graph.budget());
        let id = || {
            o.id.clone()
                .ok_or_else(|| Error::invalid_request(format!("{} {} has no id", o.kind, o.name)))
        };
        use crate::call::send;
        use jumpcloud_api::{v1::types as v1, v2::types as v2};
        match (o.op, &o.kind) {
            (ObjectOp::Create, Kind::User) => {
                let r = jc
                    .v1()
                    .user_create()
                    .body(body::<v1::Systemuserputpost>(&o.body)?);
                Ok(send(r, budget).await?.into_inner().id)
            }
            (ObjectOp::Create, Kind::UserGroup) => {
                let r = jc
                    .v2()
                    .user_group_create()
                    .body(body::<v2::UserGroupPost>(&o.body)?);
                Ok(send(r, budget).await?.into_inner().id)
            }
            (ObjectOp::Create, Kind::SystemGroup) => {
                let r = jc
                    .v2()
                    .system_group_create()
                    .body(body::<v2::SystemGroupPost>(&o.body)?);
                Ok(send(r, budget).await?.into_inner().id)
            }
            (ObjectOp::Update, Kind::User) => {
                let r = jc
                    .v1()
                    .user_set()
                    .id(id()?)
                    .body(body::<v1::Systemuserput>(&o.body)?);
                send(r, budget).await.map(|_| None)
            }
            (ObjectOp::Update, Kind::UserGroup) => {
                let r = jc
                    .v2()
                    .user_group_update()
                    .id(id()?)
                    .body(body::<v2::UserGroupPatch>(&o.body)?);
                send(r, budget).await.map(|_| None)
            }
            (ObjectOp::Update, Kind::SystemGroup) => {
                let r = jc
                    .v2()
                    .system_group_set()
                    .id(id()?)
                    .body(body::<v2::SystemGroupPut>(&o.body)?);
                send(r, budget).await.map(|_| None)
            }
            (ObjectOp::Delete, Kind::User) => send(jc.v1().user_delete().id(id()?), budget)
                .await
                .map(|_| None),
            (ObjectOp::Delete, Kind::UserGroup) => {
                send(jc.v2().user_group_delete().id(id()?), budget)
                    .await
                    .map(|_| None)
            }
            (ObjectOp::Delete, Kind::SystemGroup) => {
                send(jc.v2().system_group_delete().id(id()?), budget)
                    .await
                    .map(|_| None)
            }
            (_, other) => Err(Error::invalid_request(format!(
                "a declared state does not write {other}s"
            ))),
        }
    }

    /// Edge writes through [`Graph::apply`](crate::graph::Graph::apply)
    /// (its bounded concurrency, and its rule that a 409 on an add and a
    /// 404 on a removal are unchanged); ends created in this apply get
    /// their new ids.
    async fn links(
        &self,
        batch: &[Write],
        created: &BTreeMap<(Kind, String), String>,
    ) -> Vec<(WriteOutcome, Option<String>)> {
        let node = |e: &End| -> Option<NodeRef> {
            let id = e.id.clone().or_else(|| {
                let key = e.new.clone().unwrap_or_else(|| e.name.clone());
                created.get(&(e.kind.clone(), key)).cloned()
            })?;
            Some(NodeRef::new(e.kind.clone(), id).named(e.name.clone()))
        };
        let mut plan = Plan::default();
        let mut slots: Vec<std::result::Result<usize, Error>> = Vec::with_capacity(batch.len());
        for w in batch {
            let Write::Link(l) = w else {
                slots.push(Err(Error::invalid_request("not an edge")));
                continue;
            };
            match (node(&l.from), node(&l.to)) {
                (Some(source), Some(target)) => {
                    slots.push(Ok(plan.changes.len()));
                    plan.changes.push(PlannedChange {
                        relation: l.relation,
                        source,
                        change: Change {
                            op: l.op,
                            target,
                            attributes: l.attributes.clone(),
                        },
                        current: l.current.clone(),
                    });
                }
                _ => slots.push(Err(Error::invalid_request(format!(
                    "{l}: an end was not created"
                )))),
            }
        }
        let report = self.org.graph.apply(&plan).await;
        let mut outcomes: Vec<Option<Outcome>> = report
            .results
            .into_iter()
            .map(|r| Some(r.outcome))
            .collect();
        slots
            .into_iter()
            .map(|slot| {
                let outcome = match slot {
                    Ok(i) => match outcomes.get_mut(i).and_then(Option::take) {
                        Some(Outcome::Done) => WriteOutcome::Done,
                        Some(Outcome::Unchanged) => WriteOutcome::Unchanged,
                        Some(Outcome::Failed(e)) => WriteOutcome::Failed(e),
                        _ => WriteOutcome::NotAttempted,
                    },
                    Err(e) => WriteOutcome::Failed(e),
                };
                (outcome, None)
            })
            .collect()
    }
}

/// A planned body as the operation's typed body.
fn body<T: serde::de::DeserializeOwned>(body: &Map<String, Value>) -> Result<T> {
    serde_json::from_value(Value::Object(body.clone()))
        .map_err(|e| Error::invalid_request(format!("the body does not fit the API: {e}")))
}

impl<'p, 'a: 'p> IntoFuture for Apply<'p, 'a> {
    type Output = Result<OrgApplyReport>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'p>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Relation;

    fn deleting(kinds: &[Kind]) -> OrgPlan {
        let mut plan = OrgPlan::default();
        for (i, k) in kinds.iter().enumerate() {
            plan.objects.push(ObjectChange::deletion(
                k.clone(),
                format!("o{i}"),
                i.to_string(),
            ));
        }
        plan
    }

    #[test]
    fn deletions_need_the_exact_count() {
        let jc = crate::JumpCloud::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let org = jc.org();
        let few = deleting(&[Kind::UserGroup, Kind::SystemGroup]);
        assert!(org.apply(&few).check().is_ok());
        assert!(org.apply(&few).confirm_deletions(3).check().is_err());
        let user = deleting(&[Kind::User]);
        let e = org.apply(&user).check().unwrap_err();
        assert!(e.to_string().contains("confirm_deletions(1)"), "{e}");
        assert!(org.apply(&user).confirm_deletions(1).check().is_ok());
        let many = deleting(&vec![Kind::UserGroup; 11]);
        assert!(org.apply(&many).check().is_err());
        assert!(org.apply(&many).deletion_threshold(11).check().is_ok());
        assert!(org.apply(&many).confirm_deletions(11).check().is_ok());
    }

    #[test]
    fn stages_follow_dependencies() {
        let plan = deleting(&[Kind::User]);
        let del = Write::Object(plan.objects[0].clone());
        let end = End {
            kind: Kind::User,
            name: "x".into(),
            id: None,
            new: None,
        };
        let link = |op| {
            Write::Link(LinkChange {
                relation: Relation::Members,
                from: end.clone(),
                to: end.clone(),
                op,
                attributes: None,
                current: None,
            })
        };
        assert!(stage(&link(LinkOp::Remove)) < stage(&link(LinkOp::Add)));
        assert!(stage(&link(LinkOp::Add)) < stage(&del));
    }
}
