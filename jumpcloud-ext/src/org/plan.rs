//! Declared vs live: the exact writes that make the organisation what a
//! [`DeclaredState`] says, read with the fewest requests, shown as a
//! reviewer reads them.
//!
//! Reading: one listing per declared (or pruned) kind, to resolve names
//! and compare fields; the members or associations of each declared group
//! only for the lists its entry has; names of other kinds (systems,
//! applications, policies, commands) by [`JumpCloud::find_each`], one
//! request per 100 names.
//!
//! [`JumpCloud::find_each`]: crate::JumpCloud::find_each

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use serde_json::{Map, Value};

use super::Org;
use super::declared::{
    DeclaredObject, DeclaredState, Found, SECTIONS, member_kind, name_field, writable_fields,
};
use crate::Listing;
use crate::error::Result;
use crate::graph::{Attributes, Kind, LinkOp, NodeRef, Relation};
use crate::listing::Raw;

/// One end of a planned edge: the object's kind and name, and its id when
/// it exists (an object this plan creates gets its id when applied).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct End {
    /// Its kind.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// Its id; `None` for an object the plan creates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// For an object the plan creates, its entry's key (two new objects
    /// may share a name).
    #[serde(skip)]
    pub(crate) new: Option<String>,
}

impl End {
    /// The end as a graph node, when it exists.
    pub fn node(&self) -> Option<NodeRef> {
        self.id
            .as_ref()
            .map(|id| NodeRef::new(self.kind.clone(), id.clone()).named(self.name.clone()))
    }

    /// What identifies it within the plan: the id, or the name of an
    /// object to be created.
    fn key(&self) -> (Kind, String) {
        match &self.id {
            Some(id) => (self.kind.clone(), id.clone()),
            None => (
                self.kind.clone(),
                format!("+{}", self.new.as_deref().unwrap_or(&self.name)),
            ),
        }
    }
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.name)
    }
}

/// What happens to an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectOp {
    /// It is created.
    Create,
    /// Some of its fields change.
    Update,
    /// It is deleted (its kind is pruned and the file does not name it).
    Delete,
}

/// One field's change: what it is, what it becomes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    /// The field, as the API names it.
    pub field: String,
    /// Its value now (`None`: unset, or the object is new).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    /// Its value after.
    pub new: Value,
}

/// One object write: a create, an update with its field diffs, or a delete.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ObjectChange {
    /// Create, update or delete.
    pub op: ObjectOp,
    /// User, user group or system group.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// Its id (`None` for a create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The fields set (create) or changed (update), by name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
    /// The request body (create and update).
    #[serde(skip)]
    pub(crate) body: Map<String, Value>,
    /// A create's entry key, which edges to the new object name it by.
    #[serde(skip)]
    pub(crate) key: Option<String>,
}

impl ObjectChange {
    /// The deletion of a live object.
    pub(crate) fn deletion(kind: Kind, name: String, id: String) -> Self {
        ObjectChange {
            op: ObjectOp::Delete,
            kind,
            name,
            id: Some(id),
            fields: Vec::new(),
            body: Map::new(),
            key: None,
        }
    }

    /// The object as an end of edges.
    pub fn end(&self) -> End {
        End {
            kind: self.kind.clone(),
            name: self.name.clone(),
            id: self.id.clone(),
            new: None,
        }
    }
}

fn json(v: &Value) -> String {
    v.to_string()
}

impl fmt::Display for ObjectChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.op {
            ObjectOp::Create => write!(f, "+ {} {}", self.kind, self.name)?,
            ObjectOp::Update => write!(f, "~ {} {}", self.kind, self.name)?,
            ObjectOp::Delete => write!(
                f,
                "- {} {} ({})",
                self.kind,
                self.name,
                self.id.as_deref().unwrap_or("?")
            )?,
        }
        for c in &self.fields {
            match &c.old {
                Some(old) => write!(f, "\n    {}: {} -> {}", c.field, json(old), json(&c.new))?,
                None => write!(f, "\n    {}: {}", c.field, json(&c.new))?,
            }
        }
        Ok(())
    }
}

/// One edge write: a membership or association added, removed, or given
/// other attributes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct LinkChange {
    /// `members` or `associations`.
    pub relation: Relation,
    /// The group (members) or the declared end (associations).
    pub from: End,
    /// The member, or the other end.
    pub to: End,
    /// Add, remove or update.
    pub op: LinkOp,
    /// The attributes written (add and update).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
    /// The attributes the edge has now (update and remove).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<Attributes>,
}

fn attrs(a: &Attributes) -> String {
    Value::Object(a.clone()).to_string()
}

impl fmt::Display for LinkChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match self.op {
            LinkOp::Add => '+',
            LinkOp::Remove => '-',
            LinkOp::Update => '~',
        };
        write!(f, "{sign} {} -[{}]-> {}", self.from, self.relation, self.to)?;
        match self.op {
            LinkOp::Add => match &self.attributes {
                Some(a) if !a.is_empty() => write!(f, " {}", attrs(a)),
                _ => Ok(()),
            },
            LinkOp::Update => write!(
                f,
                " {} => {}",
                attrs(&self.current.clone().unwrap_or_default()),
                attrs(&self.attributes.clone().unwrap_or_default())
            ),
            LinkOp::Remove => match &self.current {
                Some(a) if !a.is_empty() => write!(f, " (had {})", attrs(a)),
                _ => Ok(()),
            },
        }
    }
}

/// The writes that make the organisation what a declared state says, in
/// the order [`Org::apply`](super::Org::apply) makes them: object creates
/// and updates (groups first), edge removals, edge additions and updates,
/// deletions. Print it for review (`+` create/add, `-` delete/remove, `~`
/// update, names not ids, field diffs indented); serialise it for JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct OrgPlan {
    /// Creates and updates, then deletes.
    pub objects: Vec<ObjectChange>,
    /// Removals, then updates, then additions.
    pub links: Vec<LinkChange>,
}

impl OrgPlan {
    /// Whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.links.is_empty()
    }

    /// How many writes.
    pub fn len(&self) -> usize {
        self.objects.len() + self.links.len()
    }

    /// How many objects it deletes (what [`Apply::confirm_deletions`]
    /// must be given when confirmation is needed).
    ///
    /// [`Apply::confirm_deletions`]: super::Apply::confirm_deletions
    pub fn deletions(&self) -> usize {
        self.count(ObjectOp::Delete)
    }

    /// How many users it deletes (any needs confirmation).
    pub fn user_deletions(&self) -> usize {
        self.objects
            .iter()
            .filter(|o| o.op == ObjectOp::Delete && o.kind == Kind::User)
            .count()
    }

    /// How many object writes of this kind.
    pub fn count(&self, op: ObjectOp) -> usize {
        self.objects.iter().filter(|o| o.op == op).count()
    }

    /// How many edge writes of this kind.
    pub fn link_count(&self, op: LinkOp) -> usize {
        self.links.iter().filter(|l| l.op == op).count()
    }
}

impl fmt::Display for OrgPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "no changes");
        }
        let (deletes, writes): (Vec<_>, Vec<_>) =
            self.objects.iter().partition(|o| o.op == ObjectOp::Delete);
        for o in writes {
            writeln!(f, "{o}")?;
        }
        for l in &self.links {
            writeln!(f, "{l}")?;
        }
        for o in deletes {
            writeln!(f, "{o}")?;
        }
        writeln!(
            f,
            "{} to create, {} to update, {} to delete; {} link(s) to add, {} to remove, {} to update",
            self.count(ObjectOp::Create),
            self.count(ObjectOp::Update),
            self.count(ObjectOp::Delete),
            self.link_count(LinkOp::Add),
            self.link_count(LinkOp::Remove),
            self.link_count(LinkOp::Update)
        )
    }
}

/// A live object of a declared kind, as its listing returned it.
struct Live {
    id: String,
    name: String,
    value: Map<String, Value>,
}

/// Whether `live` already has what `want` says: equal, or (objects) every
/// key `want` sets has its value in `live`.
fn covers(live: &Value, want: &Value) -> bool {
    match (live, want) {
        (Value::Object(l), Value::Object(w)) => w
            .iter()
            .all(|(k, v)| l.get(k).is_some_and(|lv| covers(lv, v)) || v.is_null()),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => live == want,
    }
}

/// The live objects each entry of a section may be: the one its `id` pins;
/// else those with its name. Where several entries share a name (the file
/// knows of duplicates), they are paired with the live objects of that
/// name in order (keys, ids), the rest created; a lone entry whose name
/// several objects share gets them all (ambiguous).
fn candidates<'l>(
    kind: &Kind,
    entries: &BTreeMap<String, DeclaredObject>,
    lives: &'l [Live],
) -> BTreeMap<String, Vec<&'l Live>> {
    let mut out: BTreeMap<String, Vec<&'l Live>> = BTreeMap::new();
    let mut used: BTreeSet<&str> = BTreeSet::new();
    let mut by_name: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for (key, entry) in entries {
        let pinned = entry
            .id
            .as_ref()
            .and_then(|id| lives.iter().find(|l| l.id == *id));
        match pinned {
            Some(l) => {
                used.insert(&l.id);
                out.insert(key.clone(), vec![l]);
            }
            None => {
                let name = DeclaredState::name_of(kind, key, entry);
                let norm = if *kind == Kind::User {
                    name.to_lowercase()
                } else {
                    name.to_owned()
                };
                by_name.entry(norm).or_default().push(key);
            }
        }
    }
    for (name, keys) in by_name {
        let mut free: Vec<&Live> = lives
            .iter()
            .filter(|l| same_name(kind, &l.name, &name) && !used.contains(l.id.as_str()))
            .collect();
        free.sort_by(|a, b| a.id.cmp(&b.id));
        if let [key] = keys.as_slice() {
            out.insert((*key).clone(), free);
        } else {
            let mut free = free.into_iter();
            for key in keys {
                out.insert(key.clone(), free.next().into_iter().collect());
            }
        }
    }
    out
}

/// Names compare without case for users (as JumpCloud does), exactly
/// otherwise.
fn same_name(kind: &Kind, a: &str, b: &str) -> bool {
    if *kind == Kind::User {
        a.to_lowercase() == b.to_lowercase()
    } else {
        a == b
    }
}

fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| (*s).to_owned()).collect()
}

impl Org<'_> {
    /// Reads the live objects of a declared kind.
    async fn live(&self, kind: &Kind) -> Result<Vec<Live>> {
        let jc = self.graph.client();
        let budget = self.graph.budget();
        let n = self.graph.in_flight_limit();
        // The answers' JSON as sent (as a backup keeps it), so that a field
        // the generated types drop or default (an empty list) compares as
        // the server has it.
        let items: Vec<Box<serde_json::value::RawValue>> = match kind {
            Kind::User => {
                Raw(jc.v1().user_list())
                    .concurrency(n)
                    .within(budget)
                    .stream()
                    .try_collect()
                    .await?
            }
            Kind::UserGroup => {
                Raw(jc.v2().user_group_list())
                    .concurrency(n)
                    .within(budget)
                    .stream()
                    .try_collect()
                    .await?
            }
            _ => {
                Raw(jc.v2().system_group_list())
                    .concurrency(n)
                    .within(budget)
                    .stream()
                    .try_collect()
                    .await?
            }
        };
        let values = items
            .iter()
            .map(|item| serde_json::from_str::<Value>(item.get()))
            .collect::<std::result::Result<Vec<Value>, _>>()
            .map_err(|e| {
                crate::Error::protocol(format!("an item of the listing is not JSON: {e}"))
            })?;
        let field = name_field(kind);
        Ok(values
            .into_iter()
            .filter_map(|v| {
                let Value::Object(value) = v else { return None };
                let id = value
                    .get("_id")
                    .or_else(|| value.get("id"))?
                    .as_str()?
                    .to_owned();
                let name = value.get(field)?.as_str()?.to_owned();
                Some(Live { id, name, value })
            })
            .collect())
    }

    /// The writes that make the organisation what `declared` says. Names
    /// that match nothing or several objects, a new user without an email,
    /// are problems reported together (file, line, name) before any write;
    /// nothing is written by planning.
    ///
    /// ```no_run
    /// use jumpcloud_ext::org::DeclaredState;
    ///
    /// # async fn demo(jc: jumpcloud_ext::JumpCloud) -> jumpcloud_ext::Result<()> {
    /// let declared = DeclaredState::read("org.json")?;
    /// let plan = jc.org().plan(&declared).await?;
    /// print!("{plan}");
    /// // Refused if it deletes any user or more than 10 objects: after review,
    /// // add `.confirm_deletions(n)` with the count the plan printed.
    /// let report = jc.org().apply(&plan).await?;
    /// print!("{report}");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn plan(&self, declared: &DeclaredState) -> Result<OrgPlan> {
        let mut found = Found::default();
        // One listing per declared or pruned kind.
        let kinds: Vec<Kind> = SECTIONS
            .iter()
            .map(|(_, k)| k.clone())
            .filter(|k| {
                declared.prune.contains(k) || declared.section(k).is_some_and(|s| !s.is_empty())
            })
            .collect();
        let lives = futures::future::try_join_all(kinds.iter().map(|k| self.live(k))).await?;
        let live: BTreeMap<Kind, Vec<Live>> = kinds.into_iter().zip(lives).collect();

        // Each entry's live object, if any.
        let mut resolved: BTreeMap<(Kind, String), End> = BTreeMap::new();
        let mut objects = Vec::new();
        let mut matched: BTreeSet<(Kind, String)> = BTreeSet::new();
        for (section, kind) in &SECTIONS {
            let Some(entries) = declared.section(kind) else {
                continue;
            };
            let none = Vec::new();
            let lives = live.get(kind).unwrap_or(&none);
            let hits_of = candidates(kind, entries, lives);
            for (key, entry) in entries {
                let name = DeclaredState::name_of(kind, key, entry);
                let hits = hits_of.get(key.as_str()).cloned().unwrap_or_default();
                let at = path(&[section, key]);
                let end = match hits.as_slice() {
                    [] => {
                        objects.push(create(kind, key, name, entry, at, &mut found));
                        End {
                            kind: kind.clone(),
                            name: name.to_owned(),
                            id: None,
                            new: Some(key.clone()),
                        }
                    }
                    [l] => {
                        matched.insert((kind.clone(), l.id.clone()));
                        if let Some(c) = update(kind, l, entry) {
                            objects.push(c);
                        }
                        End {
                            kind: kind.clone(),
                            name: name.to_owned(),
                            id: Some(l.id.clone()),
                            new: None,
                        }
                    }
                    many => {
                        let ids: Vec<&str> = many.iter().map(|l| l.id.as_str()).collect();
                        found.push(
                            at,
                            format!(
                                "{} {kind}s are named {name:?} ({}): give the entry the id of one",
                                many.len(),
                                ids.join(", ")
                            ),
                        );
                        continue;
                    }
                };
                resolved.insert((kind.clone(), key.clone()), end);
            }
        }

        // The ends each list names, and the lists to read.
        let mut scopes: Vec<Scope> = Vec::new();
        let mut lookups: BTreeMap<Kind, BTreeSet<String>> = BTreeMap::new();
        for (section, kind) in &SECTIONS {
            let Some(entries) = declared.section(kind) else {
                continue;
            };
            for (key, entry) in entries {
                let Some(from) = resolved.get(&(kind.clone(), key.clone())) else {
                    continue;
                };
                for (relation, target, list_key, refs) in lists(kind, entry) {
                    for r in refs {
                        if declared.entry(&target, &r.name).is_none() && !live.contains_key(&target)
                        {
                            lookups
                                .entry(target.clone())
                                .or_default()
                                .insert(r.name.clone());
                        }
                    }
                    scopes.push(Scope {
                        section,
                        key: key.clone(),
                        from: from.clone(),
                        relation,
                        target,
                        list_key,
                        refs,
                        current: Vec::new(),
                    });
                }
            }
        }
        // Names of kinds not listed, one request per 100 names.
        let mut looked_up: BTreeMap<(Kind, String), std::result::Result<NodeRef, String>> =
            BTreeMap::new();
        for (kind, names) in lookups {
            for (name, outcome) in self.find_names(&kind, names).await? {
                looked_up.insert((kind.clone(), name), outcome);
            }
        }
        // Each declared list's edges now (existing objects only).
        let reads = scopes.iter().map(|s| {
            let graph = &self.graph;
            async move {
                let Some(node) = s.from.node() else {
                    return Ok(Vec::new());
                };
                let stream = match s.relation {
                    Relation::Members => graph.members(&node)?,
                    _ => graph.associations(&node, s.target.clone())?,
                };
                let target = s.target.clone();
                stream
                    .try_filter(move |c| std::future::ready(c.node.kind == target))
                    .map_ok(|c| (c.node, c.attributes))
                    .try_collect::<Vec<_>>()
                    .await
            }
        });
        let currents: Vec<Vec<(NodeRef, Attributes)>> = futures::stream::iter(reads)
            .buffered(self.graph.in_flight_limit())
            .try_collect()
            .await?;
        for (s, c) in scopes.iter_mut().zip(currents) {
            s.current = c;
        }

        // Names of the ends now linked that the lists do not name.
        let mut names: BTreeMap<NodeRef, String> = BTreeMap::new();
        for (kind, lives) in &live {
            for l in lives {
                names.insert(NodeRef::new(kind.clone(), l.id.clone()), l.name.clone());
            }
        }
        for n in looked_up.values().flatten() {
            if let Some(name) = &n.name {
                names.insert(n.clone(), name.clone());
            }
        }
        let unnamed: Vec<NodeRef> = scopes
            .iter()
            .flat_map(|s| s.current.iter().map(|(n, _)| n.clone()))
            .filter(|n| !names.contains_key(n))
            .collect();
        if !unnamed.is_empty() {
            let more = self.graph.names_of(unnamed.iter()).await;
            for n in unnamed {
                if let Some(name) = more.get(&n) {
                    names.insert(n, name.to_owned());
                }
            }
        }

        // The edges wanted and the writes.
        let mut links: BTreeMap<EdgeKey, LinkChange> = BTreeMap::new();
        for s in &scopes {
            let mut wanted: BTreeMap<(Kind, String), (End, Option<Attributes>)> = BTreeMap::new();
            for r in s.refs {
                let at = path(&[s.section, &s.key, &s.list_key, &r.name]);
                let end = if let Some((key, _)) = declared.entry(&s.target, &r.name) {
                    match resolved.get(&(s.target.clone(), key.clone())) {
                        Some(e) => e.clone(),
                        None => continue, // its own problem is reported
                    }
                } else if let Some(lives) = live.get(&s.target) {
                    let hits: Vec<&Live> = lives
                        .iter()
                        .filter(|l| same_name(&s.target, &l.name, &r.name))
                        .collect();
                    match hits.as_slice() {
                        [l] => End {
                            kind: s.target.clone(),
                            name: l.name.clone(),
                            id: Some(l.id.clone()),
                            new: None,
                        },
                        [] => {
                            found.push(at, format!("no {} is named {:?}", s.target, r.name));
                            continue;
                        }
                        many => {
                            let ids: Vec<&str> = many.iter().map(|l| l.id.as_str()).collect();
                            found.push(
                                at,
                                format!(
                                    "{} {}s are named {:?} ({}): declare the one meant with its id",
                                    many.len(),
                                    s.target,
                                    r.name,
                                    ids.join(", ")
                                ),
                            );
                            continue;
                        }
                    }
                } else {
                    match looked_up.get(&(s.target.clone(), r.name.clone())) {
                        Some(Ok(n)) => End {
                            kind: n.kind.clone(),
                            name: n.name.clone().unwrap_or_else(|| r.name.clone()),
                            id: Some(n.id.clone()),
                            new: None,
                        },
                        Some(Err(e)) => {
                            found.push(at, e.clone());
                            continue;
                        }
                        None => {
                            found.push(at, format!("no {} is named {:?}", s.target, r.name));
                            continue;
                        }
                    }
                };
                wanted.insert(end.key(), (end, r.attributes.clone()));
            }
            let current: BTreeMap<(Kind, String), (&NodeRef, &Attributes)> = s
                .current
                .iter()
                .map(|(n, a)| ((n.kind.clone(), n.id.clone()), (n, a)))
                .collect();
            let mut push = |to: End, op, attributes, current: Option<&Attributes>| {
                let change = LinkChange {
                    relation: s.relation,
                    from: s.from.clone(),
                    to,
                    op,
                    attributes,
                    current: current.cloned(),
                };
                // An association listed from both ends is one write.
                let (a, b) = (change.from.key(), change.to.key());
                let (a, b) = if s.relation == Relation::Associations && b < a {
                    (b, a)
                } else {
                    (a, b)
                };
                links.entry((s.relation, a, b, op)).or_insert(change);
            };
            for (key, (node, a)) in &current {
                if !wanted.contains_key(key) {
                    let to = End {
                        kind: node.kind.clone(),
                        name: names.get(*node).cloned().unwrap_or_else(|| node.id.clone()),
                        id: Some(node.id.clone()),
                        new: None,
                    };
                    push(to, LinkOp::Remove, None, Some(a));
                }
            }
            for (key, (end, want)) in wanted {
                match (current.get(&key), want) {
                    (Some((_, have)), Some(want)) if *have != &want => {
                        push(end, LinkOp::Update, Some(want), Some(*have));
                    }
                    (Some(_), _) => {}
                    (None, want) => push(end, LinkOp::Add, want, None),
                }
            }
        }

        // Deletions: pruned kinds, objects no entry names.
        for kind in &declared.prune {
            for l in live.get(kind).into_iter().flatten() {
                if !matched.contains(&(kind.clone(), l.id.clone())) {
                    objects.push(ObjectChange::deletion(
                        kind.clone(),
                        l.name.clone(),
                        l.id.clone(),
                    ));
                }
            }
        }
        if !found.is_empty() {
            return Err(declared.problems(found));
        }
        // Groups before users; deletions last, users last among them.
        let rank = |k: &Kind| match k {
            Kind::UserGroup => 0,
            Kind::SystemGroup => 1,
            _ => 2,
        };
        objects.sort_by(|a, b| {
            (a.op == ObjectOp::Delete, rank(&a.kind), &a.name, &a.id).cmp(&(
                b.op == ObjectOp::Delete,
                rank(&b.kind),
                &b.name,
                &b.id,
            ))
        });
        let op_rank = |op: LinkOp| match op {
            LinkOp::Remove => 0,
            LinkOp::Update => 1,
            LinkOp::Add => 2,
        };
        let mut links: Vec<LinkChange> = links.into_values().collect();
        links.sort_by(|a, b| {
            (op_rank(a.op), &a.from, a.relation, &a.to).cmp(&(
                op_rank(b.op),
                &b.from,
                b.relation,
                &b.to,
            ))
        });
        Ok(OrgPlan { objects, links })
    }

    /// The nodes named `names` of `kind`, each found or not (with the
    /// reason), with one request per 100 names.
    async fn find_names(
        &self,
        kind: &Kind,
        names: BTreeSet<String>,
    ) -> Result<Vec<(String, std::result::Result<NodeRef, String>)>> {
        use crate::types::{
            Application, Command, Policy, PolicyGroup, System, SystemGroup, User, UserGroup,
        };
        let jc = self.graph.client();
        fn out<T>(
            each: Vec<(String, Result<crate::find::Found<T>>)>,
        ) -> Vec<(String, std::result::Result<NodeRef, String>)> {
            each.into_iter()
                .map(|(n, r)| (n, r.map(|f| f.node).map_err(|e| e.to_string())))
                .collect()
        }
        Ok(match kind {
            Kind::User => out(jc.find_each::<User>(names).await?),
            Kind::UserGroup => out(jc.find_each::<UserGroup>(names).await?),
            Kind::System => out(jc.find_each::<System>(names).await?),
            Kind::SystemGroup => out(jc.find_each::<SystemGroup>(names).await?),
            Kind::Application => out(jc.find_each::<Application>(names).await?),
            Kind::Command => out(jc.find_each::<Command>(names).await?),
            Kind::Policy => out(jc.find_each::<Policy>(names).await?),
            Kind::PolicyGroup => out(jc.find_each::<PolicyGroup>(names).await?),
            other => names
                .into_iter()
                .map(|n| {
                    (
                        n,
                        Err(format!("{other}s cannot be named in a declared state")),
                    )
                })
                .collect(),
        })
    }
}

/// An edge write's identity: relation, both ends (an association's in
/// order), op.
type EdgeKey = (Relation, (Kind, String), (Kind, String), LinkOp);

/// One declared list: an entry's members or one kind of its associations,
/// and the edges it has now.
struct Scope<'d> {
    section: &'static str,
    key: String,
    from: End,
    relation: Relation,
    target: Kind,
    list_key: String,
    refs: &'d [super::DeclaredRef],
    current: Vec<(NodeRef, Attributes)>,
}

/// An entry's lists: (relation, target kind, key in the file, names).
fn lists<'d>(
    kind: &Kind,
    entry: &'d DeclaredObject,
) -> Vec<(Relation, Kind, String, &'d [super::DeclaredRef])> {
    let mut out = Vec::new();
    if let (Some(members), Some(target)) = (&entry.members, member_kind(kind)) {
        out.push((
            Relation::Members,
            target,
            "members".to_owned(),
            members.as_slice(),
        ));
    }
    for (target, refs) in &entry.associations {
        out.push((
            Relation::Associations,
            target.clone(),
            super::declared::plural(target),
            refs.as_slice(),
        ));
    }
    out
}

/// The create of an entry no live object matches.
fn create(
    kind: &Kind,
    key: &str,
    name: &str,
    entry: &DeclaredObject,
    at: Vec<String>,
    found: &mut Found,
) -> ObjectChange {
    let mut body = entry.fields.clone();
    body.entry(name_field(kind))
        .or_insert_with(|| Value::String(name.to_owned()));
    if *kind == Kind::User && !body.contains_key("email") {
        found.push(
            at,
            format!("user {name:?} does not exist, and creating it needs an email"),
        );
    }
    let fields = body
        .iter()
        .filter(|(k, _)| *k != name_field(kind))
        .map(|(k, v)| FieldChange {
            field: k.clone(),
            old: None,
            new: v.clone(),
        })
        .collect();
    ObjectChange {
        op: ObjectOp::Create,
        kind: kind.clone(),
        name: name.to_owned(),
        id: None,
        fields,
        body,
        key: Some(key.to_owned()),
    }
}

/// The update of a live object to its entry's fields, if any differ.
fn update(kind: &Kind, live: &Live, entry: &DeclaredObject) -> Option<ObjectChange> {
    let fields: Vec<FieldChange> = entry
        .fields
        .iter()
        .filter(|(k, v)| !live.value.get(*k).is_some_and(|lv| covers(lv, v)))
        .filter(|(k, v)| live.value.get(*k).is_some() || !v.is_null())
        .map(|(k, v)| FieldChange {
            field: k.clone(),
            old: live.value.get(k).cloned(),
            new: v.clone(),
        })
        .collect();
    if fields.is_empty() {
        return None;
    }
    let mut body: Map<String, Value> = if *kind == Kind::SystemGroup {
        // A system group's PUT replaces it: keep its other writable fields
        // (its name included, which the body requires).
        let writable = writable_fields(kind);
        live.value
            .iter()
            .filter(|(k, v)| writable.contains(&k.as_str()) && !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    } else {
        // A user's PUT and a user group's PATCH change the fields they are
        // given (so a name two groups share is not sent again).
        Map::new()
    };
    for c in &fields {
        body.insert(c.field.clone(), c.new.clone());
    }
    if *kind == Kind::SystemGroup {
        body.entry(name_field(kind))
            .or_insert_with(|| Value::String(live.name.clone()));
    }
    let name = entry
        .fields
        .get(name_field(kind))
        .and_then(Value::as_str)
        .unwrap_or(&live.name)
        .to_owned();
    Some(ObjectChange {
        op: ObjectOp::Update,
        kind: kind.clone(),
        name,
        id: Some(live.id.clone()),
        fields,
        body,
        key: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn covers_compares_what_the_file_sets() {
        assert!(covers(&json!({"a": 1, "b": 2}), &json!({"a": 1})));
        assert!(!covers(&json!({"a": 1}), &json!({"a": 2})));
        assert!(covers(&json!(1), &json!(1.0)));
        assert!(!covers(&json!("x"), &json!("y")));
    }

    #[test]
    fn a_plan_reads_as_its_writes() {
        let end = |kind: Kind, name: &str, id: Option<&str>| End {
            kind,
            name: name.into(),
            id: id.map(Into::into),
            new: None,
        };
        let plan = OrgPlan {
            objects: vec![
                ObjectChange {
                    op: ObjectOp::Update,
                    kind: Kind::User,
                    name: "jdoe".into(),
                    id: Some("u1".into()),
                    fields: vec![FieldChange {
                        field: "firstname".into(),
                        old: Some(json!("J")),
                        new: json!("Jane"),
                    }],
                    body: Map::new(),
                    key: None,
                },
                ObjectChange {
                    op: ObjectOp::Delete,
                    kind: Kind::UserGroup,
                    name: "Old".into(),
                    id: Some("g9".into()),
                    fields: Vec::new(),
                    body: Map::new(),
                    key: None,
                },
            ],
            links: vec![LinkChange {
                relation: Relation::Members,
                from: end(Kind::UserGroup, "Eng", None),
                to: end(Kind::User, "jdoe", Some("u1")),
                op: LinkOp::Add,
                attributes: None,
                current: None,
            }],
        };
        assert_eq!(
            plan.to_string(),
            "~ user jdoe\n    firstname: \"J\" -> \"Jane\"\n\
             + user_group Eng -[members]-> user jdoe\n\
             - user_group Old (g9)\n\
             0 to create, 1 to update, 1 to delete; 1 link(s) to add, 0 to remove, 0 to update\n"
        );
        assert_eq!(plan.deletions(), 1);
        assert_eq!(plan.user_deletions(), 0);
        let v = serde_json::to_value(&plan).unwrap();
        assert_eq!(v["objects"][0]["fields"][0]["new"], "Jane");
        assert_eq!(OrgPlan::default().to_string(), "no changes\n");
    }
}
