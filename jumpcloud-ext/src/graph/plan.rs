//! Desired state: compute the exact writes that make a group's members or a
//! node's associations of one kind what the caller wants, print them as a
//! diff, apply them with bounded concurrency.

use std::collections::BTreeMap;
use std::fmt;

use futures::{StreamExt, TryStreamExt};
use jumpcloud_api::graph::{GraphError, check};

use super::names::{Unnamed, merge_unnamed, write_unnamed};
use super::{Attributes, Change, Graph, Kind, LinkOp, NodeRef, Relation, refused};
use crate::error::{Error, Result};

/// One wanted edge: the node at the other end and, optionally, the
/// attributes it must carry (`None`: whatever it has).
#[derive(Clone, Debug, PartialEq)]
pub struct Desired {
    /// The other end.
    pub node: NodeRef,
    /// The attributes wanted on the edge; `None` leaves them as they are.
    pub attributes: Option<Attributes>,
}

impl Desired {
    /// The edge with exactly these attributes.
    pub fn with_attributes(node: NodeRef, attributes: Attributes) -> Self {
        Desired {
            node,
            attributes: Some(attributes),
        }
    }
}

impl From<NodeRef> for Desired {
    fn from(node: NodeRef) -> Self {
        Desired {
            node,
            attributes: None,
        }
    }
}

/// One write of a plan, with what the edge carried before.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PlannedChange {
    /// Associations or members.
    pub relation: Relation,
    /// The node whose edge changes (the group, for members).
    pub source: NodeRef,
    /// The write.
    pub change: Change,
    /// The edge's attributes now (`update` and `remove`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<Attributes>,
}

fn attrs(a: &Attributes) -> String {
    if a.is_empty() {
        "{}".into()
    } else {
        serde_json::Value::Object(a.clone()).to_string()
    }
}

/// Names when known; the alternate form (`{:#}`) adds the ids. A removal
/// shows the attributes the edge had (`sudo`, …), which go with it.
impl fmt::Display for PlannedChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.change;
        let sign = match c.op {
            LinkOp::Add => '+',
            LinkOp::Remove => '-',
            LinkOp::Update => '~',
        };
        if f.alternate() {
            write!(
                f,
                "{sign} {:#} -[{}]-> {:#}",
                self.source, self.relation, c.target
            )?;
        } else {
            write!(
                f,
                "{sign} {} -[{}]-> {}",
                self.source, self.relation, c.target
            )?;
        }
        match c.op {
            LinkOp::Add => match &c.attributes {
                Some(a) if !a.is_empty() => write!(f, " {}", attrs(a)),
                _ => Ok(()),
            },
            LinkOp::Update => write!(
                f,
                " {} => {}",
                attrs(&self.current.clone().unwrap_or_default()),
                attrs(&c.attributes.clone().unwrap_or_default())
            ),
            LinkOp::Remove => match &self.current {
                Some(a) if !a.is_empty() => write!(f, " (had {})", attrs(a)),
                _ => Ok(()),
            },
        }
    }
}

/// The writes that take the graph from what is there to what is wanted.
/// Print it for a dry run (`+` add, `-` remove, `~` update); apply it with
/// [`Graph::apply`].
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Plan {
    /// The writes, removals first, then updates, then additions.
    pub changes: Vec<PlannedChange>,
    /// Kinds whose names could not be read (see [`Plan::unnamed`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) unnamed: Vec<Unnamed>,
}

impl Plan {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many writes.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// The writes with this op.
    pub fn count(&self, op: LinkOp) -> usize {
        self.changes.iter().filter(|c| c.change.op == op).count()
    }

    /// Both plans' writes, in one (and both plans' unnamed kinds).
    pub fn extend(&mut self, other: Plan) {
        self.changes.extend(other.changes);
        merge_unnamed(&mut self.unnamed, other.unnamed);
    }

    /// The kinds whose nodes were left unnamed in this plan, each with the
    /// reason (a 403 for a read-only key, a listing that did not decode, no
    /// listing). Names only label the writes, so the plan is whole without
    /// them; empty when every node could be named or naming was off.
    pub fn unnamed(&self) -> &[Unnamed] {
        &self.unnamed
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            writeln!(f, "no changes")?;
            return write_unnamed(f, &self.unnamed, "");
        }
        for c in &self.changes {
            if f.alternate() {
                writeln!(f, "{c:#}")?;
            } else {
                writeln!(f, "{c}")?;
            }
        }
        writeln!(
            f,
            "{} change(s): {} to add, {} to remove, {} to update",
            self.len(),
            self.count(LinkOp::Add),
            self.count(LinkOp::Remove),
            self.count(LinkOp::Update)
        )?;
        write_unnamed(f, &self.unnamed, "")
    }
}

/// What one write did.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The server made the change.
    Done,
    /// The edge was already as wanted (409 on an add, 404 on a remove):
    /// nothing changed.
    Unchanged,
    /// The write failed; the others went ahead.
    Failed(Error),
}

/// One write of an applied plan and its outcome.
#[derive(Debug)]
#[non_exhaustive]
pub struct ChangeResult {
    /// The write.
    pub change: PlannedChange,
    /// What happened.
    pub outcome: Outcome,
}

/// Every write of an applied plan, in the plan's order, with its outcome.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ApplyReport {
    /// One per planned write.
    pub results: Vec<ChangeResult>,
}

impl ApplyReport {
    /// Whether every write succeeded (or had nothing to do).
    pub fn is_success(&self) -> bool {
        self.failures().next().is_none()
    }

    /// The failed writes and their errors.
    pub fn failures(&self) -> impl Iterator<Item = (&PlannedChange, &Error)> {
        self.results.iter().filter_map(|r| match &r.outcome {
            Outcome::Failed(e) => Some((&r.change, e)),
            _ => None,
        })
    }

    /// How many writes changed something.
    pub fn done(&self) -> usize {
        self.results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Done))
            .count()
    }
}

impl fmt::Display for ApplyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in &self.results {
            let change = if f.alternate() {
                format!("{:#}", r.change)
            } else {
                r.change.to_string()
            };
            match &r.outcome {
                Outcome::Done => writeln!(f, "{change}: done")?,
                Outcome::Unchanged => writeln!(f, "{change}: already so")?,
                Outcome::Failed(e) => writeln!(f, "{change}: FAILED: {e}")?,
            }
        }
        let failed = self.failures().count();
        writeln!(
            f,
            "{} done, {} unchanged, {failed} failed",
            self.done(),
            self.results.len() - self.done() - failed
        )
    }
}

/// Compares what is there with what is wanted. `current` and `desired` are
/// edges to nodes; the order of the plan is removals, updates, additions,
/// each by node.
fn diff(
    relation: Relation,
    source: &NodeRef,
    current: Vec<(NodeRef, Attributes)>,
    desired: Vec<Desired>,
) -> Plan {
    let current: BTreeMap<NodeRef, Attributes> = current.into_iter().collect();
    let mut wanted: BTreeMap<NodeRef, Option<Attributes>> = BTreeMap::new();
    for d in desired {
        wanted.insert(d.node, d.attributes);
    }
    let planned = |op, target: &NodeRef, attributes, current: Option<&Attributes>| PlannedChange {
        relation,
        source: source.clone(),
        change: Change {
            op,
            target: target.clone(),
            attributes,
        },
        current: current.cloned(),
    };
    let mut changes = Vec::new();
    for (node, attributes) in &current {
        if !wanted.contains_key(node) {
            changes.push(planned(LinkOp::Remove, node, None, Some(attributes)));
        }
    }
    for (node, want) in &wanted {
        if let (Some(have), Some(want)) = (current.get(node), want)
            && have != want
        {
            changes.push(planned(
                LinkOp::Update,
                node,
                Some(want.clone()),
                Some(have),
            ));
        }
    }
    for (node, want) in &wanted {
        if !current.contains_key(node) {
            changes.push(planned(LinkOp::Add, node, want.clone(), None));
        }
    }
    Plan {
        changes,
        unnamed: Vec::new(),
    }
}

impl Graph<'_> {
    /// The writes that make `group`'s direct members exactly `desired` (and
    /// their membership attributes, where given). A member of a kind the
    /// group cannot hold is refused before any request.
    pub async fn plan_members<D: Into<Desired>>(
        &self,
        group: &NodeRef,
        desired: impl IntoIterator<Item = D>,
    ) -> Result<Plan> {
        let desired: Vec<Desired> = desired.into_iter().map(Into::into).collect();
        for d in &desired {
            check(Relation::Members, &group.kind, &d.node.kind, true).map_err(refused)?;
        }
        let current = self.members(group)?.try_collect::<Vec<_>>().await?;
        let current = current
            .into_iter()
            .map(|c| (c.node, c.attributes))
            .collect();
        let mut plan = diff(Relation::Members, group, current, desired);
        self.name_plan(&mut plan, &mut group.clone()).await;
        Ok(plan)
    }

    /// The writes that make `node`'s associations with nodes of kind `kind`
    /// exactly `desired` (and their attributes, where given). A desired node
    /// of another kind, or a pair the document cannot write, is refused
    /// before any request.
    pub async fn plan_associations<D: Into<Desired>>(
        &self,
        node: &NodeRef,
        kind: Kind,
        desired: impl IntoIterator<Item = D>,
    ) -> Result<Plan> {
        check(Relation::Associations, &node.kind, &kind, true).map_err(refused)?;
        let desired: Vec<Desired> = desired.into_iter().map(Into::into).collect();
        if let Some(other) = desired.iter().find(|d| d.node.kind != kind) {
            return Err(refused(GraphError::InvalidChange {
                operation: "plan_associations",
                reason: format!("{} is not a {kind}", other.node),
            }));
        }
        let current = self
            .associations(node, kind)?
            .try_collect::<Vec<_>>()
            .await?;
        let current = current
            .into_iter()
            .map(|c| (c.node, c.attributes))
            .collect();
        let mut plan = diff(Relation::Associations, node, current, desired);
        self.name_plan(&mut plan, &mut node.clone()).await;
        Ok(plan)
    }

    /// Performs a plan's writes, at most [`concurrency`](Graph::concurrency)
    /// at once, and reports each one's outcome in the plan's order; a failed
    /// write does not stop the others. Applying a plan again changes
    /// nothing: an add the server finds already made (409) or a removal
    /// already gone (404) is reported as unchanged.
    pub async fn apply(&self, plan: &Plan) -> ApplyReport {
        let results = futures::stream::iter(plan.changes.iter().cloned())
            .map(|planned| async move {
                let outcome = match self
                    .change(planned.relation, &planned.source, &planned.change)
                    .await
                {
                    Ok(()) => Outcome::Done,
                    Err(e) if planned.change.op == LinkOp::Add && e.is_conflict() => {
                        Outcome::Unchanged
                    }
                    Err(e) if planned.change.op == LinkOp::Remove && e.is_not_found() => {
                        Outcome::Unchanged
                    }
                    Err(e) => Outcome::Failed(e),
                };
                ChangeResult {
                    change: planned,
                    outcome,
                }
            })
            .buffered(self.concurrency)
            .collect()
            .await;
        ApplyReport { results }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sudo(enabled: bool) -> Attributes {
        let mut a = Attributes::new();
        a.insert(
            "sudo".into(),
            serde_json::json!({"enabled": enabled, "withoutPassword": false}),
        );
        a
    }

    fn planned(op: LinkOp, attributes: Option<Attributes>, current: Option<Attributes>) -> String {
        PlannedChange {
            relation: Relation::Associations,
            source: NodeRef::user("u1"),
            change: Change {
                op,
                target: NodeRef::system("s1"),
                attributes,
            },
            current,
        }
        .to_string()
    }

    #[test]
    fn lines_show_attributes_only_when_there_are_some() {
        let edge = "user u1 -[associations]-> system s1";
        let sudo_text = r#"{"sudo":{"enabled":true,"withoutPassword":false}}"#;
        assert_eq!(planned(LinkOp::Add, None, None), format!("+ {edge}"));
        assert_eq!(
            planned(LinkOp::Add, Some(Attributes::new()), None),
            format!("+ {edge}")
        );
        assert_eq!(
            planned(LinkOp::Add, Some(sudo(true)), None),
            format!("+ {edge} {sudo_text}")
        );
        assert_eq!(planned(LinkOp::Remove, None, None), format!("- {edge}"));
        assert_eq!(
            planned(LinkOp::Remove, None, Some(Attributes::new())),
            format!("- {edge}")
        );
        assert_eq!(
            planned(LinkOp::Remove, None, Some(sudo(true))),
            format!("- {edge} (had {sudo_text})")
        );
    }

    #[test]
    fn a_report_succeeds_only_without_failures() {
        let user = NodeRef::user("u1");
        let plan = diff(
            Relation::Associations,
            &user,
            vec![(NodeRef::system("a"), Attributes::new())],
            vec![
                Desired::from(NodeRef::system("b")),
                Desired::from(NodeRef::system("c")),
            ],
        );
        let outcomes = [
            Outcome::Done,
            Outcome::Unchanged,
            Outcome::Failed(Error::invalid_request("refused")),
        ];
        let results: Vec<ChangeResult> = plan
            .changes
            .into_iter()
            .zip(outcomes)
            .map(|(change, outcome)| ChangeResult { change, outcome })
            .collect();
        let mut report = ApplyReport { results };
        assert!(!report.is_success());
        assert_eq!(report.failures().count(), 1);
        assert_eq!(report.done(), 1);
        report.results.pop();
        assert!(report.is_success());
        assert!(ApplyReport::default().is_success());
    }

    #[test]
    fn extend_keeps_both_plans_writes_in_order() {
        let user = NodeRef::user("u1");
        let mut first = diff(
            Relation::Associations,
            &user,
            vec![(NodeRef::system("a"), Attributes::new())],
            vec![],
        );
        let second = diff(
            Relation::Associations,
            &user,
            vec![],
            vec![Desired::from(NodeRef::system("b"))],
        );
        first.extend(second);
        let targets: Vec<(LinkOp, &str)> = first
            .changes
            .iter()
            .map(|c| (c.change.op, c.change.target.id.as_str()))
            .collect();
        assert_eq!(targets, [(LinkOp::Remove, "a"), (LinkOp::Add, "b")]);
        assert_eq!(first.len(), 2);
    }

    #[test]
    fn unnamed_kinds_are_said_once_each_after_the_writes() {
        let unnamed = |kind: Kind, reason: &str| Unnamed {
            kind,
            reason: reason.into(),
            status: None,
        };
        let mut first = Plan::default();
        first.unnamed.push(unnamed(Kind::Application, "HTTP 403"));
        let mut second = Plan::default();
        second.unnamed.push(unnamed(Kind::Application, "later"));
        second.unnamed.push(unnamed(Kind::UserGroup, "cut short"));
        first.extend(second);
        assert_eq!(
            first.unnamed(),
            [
                unnamed(Kind::Application, "HTTP 403"),
                unnamed(Kind::UserGroup, "cut short")
            ]
        );
        assert_eq!(
            first.to_string(),
            "no changes\n\
             names of application unavailable: HTTP 403\n\
             names of user_group unavailable: cut short\n"
        );
        let json = serde_json::to_value(&first).unwrap();
        assert_eq!(json["unnamed"][1]["kind"], "user_group");
        assert!(
            serde_json::to_value(Plan::default())
                .unwrap()
                .get("unnamed")
                .is_none()
        );
    }

    #[test]
    fn diff_adds_removes_and_updates_exactly() {
        let user = NodeRef::user("u1");
        let current = vec![
            (NodeRef::system("keep"), Attributes::new()),
            (NodeRef::system("drop"), Attributes::new()),
            (NodeRef::system("sudo"), sudo(false)),
        ];
        let desired = vec![
            Desired::from(NodeRef::system("keep")),
            Desired::with_attributes(NodeRef::system("sudo"), sudo(true)),
            Desired::with_attributes(NodeRef::system("new"), sudo(true)),
        ];
        let plan = diff(
            Relation::Associations,
            &user,
            current.clone(),
            desired.clone(),
        );
        let ops: Vec<(LinkOp, &str)> = plan
            .changes
            .iter()
            .map(|c| (c.change.op, c.change.target.id.as_str()))
            .collect();
        assert_eq!(
            ops,
            [
                (LinkOp::Remove, "drop"),
                (LinkOp::Update, "sudo"),
                (LinkOp::Add, "new")
            ]
        );
        let text = plan.to_string();
        assert!(
            text.contains("- user u1 -[associations]-> system drop"),
            "{text}"
        );
        assert!(
            text.contains("~ user u1 -[associations]-> system sudo {\"sudo\":{\"enabled\":false"),
            "{text}"
        );
        assert!(
            text.contains("3 change(s): 1 to add, 1 to remove, 1 to update"),
            "{text}"
        );
        // What the plan leads to plans nothing more.
        let after = vec![
            (NodeRef::system("keep"), Attributes::new()),
            (NodeRef::system("sudo"), sudo(true)),
            (NodeRef::system("new"), sudo(true)),
        ];
        let again = diff(Relation::Associations, &user, after, desired);
        assert!(again.is_empty());
        assert_eq!(again.to_string(), "no changes\n");
    }
}
