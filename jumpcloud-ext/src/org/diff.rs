//! What differs between two organisation states, by names first: the
//! matching rules are on [`diff()`], the output's shapes on [`OrgDiff`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use super::model::OrgState;
use crate::graph::{Attributes, Kind, Relation};

/// Field names that hold an id (of the object itself or of its
/// organisation): never compared, as two organisations differ in them.
const ID_FIELDS: &[&str] = &[
    "_id",
    "id",
    "organization",
    "organizationId",
    "organization_id",
    "orgId",
    "organizationObjectId",
];

/// How deep the comparison walks nested JSON; deeper values are compared
/// whole (the API's objects nest a few levels, a file might nest more).
const MAX_DEPTH: usize = 64;

/// How many characters of a value the text shows (the JSON has it whole).
const SHOWN_CHARS: usize = 80;

/// Whether something was added, removed or changed between the two states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffOp {
    /// Only in the new state.
    Added,
    /// Only in the old state.
    Removed,
    /// In both, with different attributes.
    Changed,
}

impl DiffOp {
    /// The sign a diff line starts with: `+`, `-` or `~`.
    pub fn sign(self) -> char {
        match self {
            DiffOp::Added => '+',
            DiffOp::Removed => '-',
            DiffOp::Changed => '~',
        }
    }
}

/// How an object was matched between the two states (see [`diff()`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// Its name, unique within its kind in both states.
    Name,
    /// Its name and id: the name is shared by several objects of its kind.
    NameAndId,
    /// Its id: it has no name.
    Id,
}

/// What identifies an object across two states: its kind and name, plus
/// its id only where the name cannot (ambiguous or missing).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjectKey {
    /// Its kind.
    pub kind: Kind,
    /// Its name (absent for an object without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its id, when the name alone does not identify it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl ObjectKey {
    /// Whether it was matched by name, by name and id, or by id.
    pub fn matched_by(&self) -> MatchedBy {
        match (&self.name, &self.id) {
            (Some(_), None) => MatchedBy::Name,
            (Some(_), Some(_)) => MatchedBy::NameAndId,
            (None, _) => MatchedBy::Id,
        }
    }

    /// Its name, or its id when unnamed, and a note when the name is
    /// ambiguous: what a reviewer reads under its kind's heading.
    fn label(&self) -> String {
        match (&self.name, &self.id) {
            (Some(name), None) => name.clone(),
            (Some(name), Some(id)) => format!("{name} (ambiguous name, id {id})"),
            (None, Some(id)) => id.clone(),
            (None, None) => String::from("(no name, no id)"),
        }
    }
}

/// `user jdoe`; `user_group Engineering (ambiguous name, id …)`; `system
/// 5f1b…` for an object without a name.
impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind, self.label())
    }
}

/// One field that differs, by its path from the object (or edge):
/// `attributes.mfa.exclusion`, `attributes.tags[2]`,
/// `attributes["odd.key"]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldDiff {
    /// Where the field is.
    pub path: String,
    /// Its old value; `None` when the field was absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    /// Its new value; `None` when the field is absent now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
}

/// One object added, removed or changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ObjectDiff {
    /// Added, removed or changed.
    pub op: DiffOp,
    /// How it is identified in both states.
    pub key: ObjectKey,
    /// Its id in the old state (removed and changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    /// Its id in the new state (added and changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_id: Option<String>,
    /// An added or removed object's attributes as compared (ids and
    /// stripped fields left out, references as `<kind name>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Map<String, Value>>,
    /// A changed object's fields that differ, sorted by path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldDiff>,
}

/// One membership or association added, removed or changed (its
/// attributes, e.g. `sudo`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkDiff {
    /// Added, removed or changed.
    pub op: DiffOp,
    /// `members` or `associations`.
    pub relation: Relation,
    /// The group of a membership; for an association, the end that sorts
    /// first (groups before other kinds), whichever end it was listed from.
    pub from: ObjectKey,
    /// The member, or the association's other end.
    pub to: ObjectKey,
    /// The ids of `from` and `to` in the old state (removed and changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_ids: Option<[String; 2]>,
    /// The ids of `from` and `to` in the new state (added and changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_ids: Option<[String; 2]>,
    /// An added or removed edge's attributes as compared (left out when it
    /// has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
    /// A changed edge's attributes that differ, sorted by path.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldDiff>,
}

/// A name shared by several objects of one kind in either state: its
/// objects were matched by id, so across two organisations they show as
/// removed and added. Listed so that a reviewer knows why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AmbiguousName {
    /// The kind.
    pub kind: Kind,
    /// The shared name.
    pub name: String,
    /// How many objects of that kind carry it in the old state.
    pub old: usize,
    /// How many carry it in the new state.
    pub new: usize,
}

/// How many things were added, removed and changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DiffCounts {
    /// Only in the new state.
    pub added: usize,
    /// Only in the old state.
    pub removed: usize,
    /// In both, different.
    pub changed: usize,
}

impl DiffCounts {
    /// All of them.
    pub fn total(&self) -> usize {
        self.added + self.removed + self.changed
    }

    fn count(&mut self, op: DiffOp) {
        match op {
            DiffOp::Added => self.added += 1,
            DiffOp::Removed => self.removed += 1,
            DiffOp::Changed => self.changed += 1,
        }
    }

    /// `+2 -1 ~3`, leaving out the zeros.
    fn short(&self) -> String {
        let mut parts = Vec::new();
        for (sign, n) in [('+', self.added), ('-', self.removed), ('~', self.changed)] {
            if n > 0 {
                parts.push(format!("{sign}{n}"));
            }
        }
        parts.join(" ")
    }
}

/// [`DiffCounts`] of one kind of object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KindDiffCounts {
    /// The kind.
    pub kind: Kind,
    /// Its objects added, removed and changed.
    #[serde(flatten)]
    pub counts: DiffCounts,
}

/// [`DiffCounts`] of one relation's edges.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RelationDiffCounts {
    /// The relation.
    pub relation: Relation,
    /// Its edges added, removed and changed.
    #[serde(flatten)]
    pub counts: DiffCounts,
}

/// The size of a diff: totals, per kind and per relation. Prints as the
/// one line that ends the text of a diff.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DiffSummary {
    /// Objects, all kinds.
    pub objects: DiffCounts,
    /// Memberships and associations.
    pub links: DiffCounts,
    /// Per kind of object, in kind order; kinds without changes left out.
    pub kinds: Vec<KindDiffCounts>,
    /// Per relation; relations without changes left out.
    pub relations: Vec<RelationDiffCounts>,
}

/// `objects: 2 added, 1 removed, 1 changed (user +1 -1 ~1, user_group +1);
/// links: 3 added, 0 removed, 0 changed (members +3)`, or `no differences`.
impl fmt::Display for DiffSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.objects.total() + self.links.total() == 0 {
            return f.write_str("no differences");
        }
        let kinds = self
            .kinds
            .iter()
            .map(|k| (&k.kind as &dyn fmt::Display, &k.counts));
        let relations = self
            .relations
            .iter()
            .map(|r| (&r.relation as &dyn fmt::Display, &r.counts));
        write_part(f, "objects", &self.objects, kinds)?;
        f.write_str("; ")?;
        write_part(f, "links", &self.links, relations)
    }
}

/// `objects: 1 added, 0 removed, 2 changed (user +1 ~2)`: one half of the summary line.
fn write_part<'a>(
    f: &mut fmt::Formatter<'_>,
    label: &str,
    total: &DiffCounts,
    parts: impl Iterator<Item = (&'a dyn fmt::Display, &'a DiffCounts)>,
) -> fmt::Result {
    write!(
        f,
        "{label}: {} added, {} removed, {} changed",
        total.added, total.removed, total.changed
    )?;
    let parts: Vec<String> = parts
        .map(|(name, counts)| format!("{name} {}", counts.short()))
        .collect();
    if !parts.is_empty() {
        write!(f, " ({})", parts.join(", "))?;
    }
    Ok(())
}

/// What differs between two organisation states (from [`diff()`]): objects
/// and edges added, removed and changed, field by field.
///
/// Print it for a reviewer: grouped by kind, names not ids, `+`, `-` and
/// `~` lines with the changed fields indented below, and a summary line
/// (`no differences` when there are none); `{:#}` adds the ids:
///
/// ```text
/// user:
///   - asmith
///   + bwong
///   ~ jdoe
///       attributes.email: "jdoe@example.com" => "john.doe@example.com"
///       attributes.manager: "<user asmith>" => "<user bwong>"
/// members:
///   - user_group Engineering -> user asmith
/// objects: 1 added, 1 removed, 1 changed (user +1 -1 ~1); links: 0 added, 1 removed, 0 changed (members -1)
/// ```
///
/// Serialise it for tools, as JSON of this shape (fields marked `?` are
/// left out when empty or absent):
///
/// ```text
/// {
///   "summary": {
///     "objects": {"added": 1, "removed": 0, "changed": 1},
///     "links": {"added": 1, "removed": 0, "changed": 0},
///     "kinds": [{"kind": "user", "added": 1, "removed": 0, "changed": 1}],
///     "relations": [{"relation": "members", "added": 1, "removed": 0, "changed": 0}]
///   },
///   "objects": [{
///     "op": "changed",                       // added | removed | changed
///     "key": {"kind": "user", "name": "jdoe", "id?": "…"},
///     "old_id?": "…", "new_id?": "…",
///     "attributes?": {},                     // added and removed: what was compared
///     "fields?": [{"path": "attributes.email", "old?": "a@x", "new?": "b@x"}]
///   }],
///   "links": [{
///     "op": "added", "relation": "members",
///     "from": {"kind": "user_group", "name": "Engineering"},
///     "to": {"kind": "user", "name": "jdoe"},
///     "old_ids?": ["from id", "to id"], "new_ids?": ["from id", "to id"],
///     "attributes?": {}, "fields?": []
///   }],
///   "ambiguous?": [{"kind": "user_group", "name": "Engineering", "old": 2, "new": 1}],
///   "stripped?": ["password"]
/// }
/// ```
///
/// A key carries `id` only when it was matched by id. A field's `old` or
/// `new` is left out when the field is absent on that side (and is `null`
/// when the field is JSON `null`). Objects are sorted by key, links by
/// relation and ends, fields by path: the same two states give the same
/// output, byte for byte.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct OrgDiff {
    /// Objects added, removed and changed, sorted by key.
    pub objects: Vec<ObjectDiff>,
    /// Edges added, removed and changed, sorted by relation and ends.
    pub links: Vec<LinkDiff>,
    /// Names matched by id because several objects of a kind share them.
    pub ambiguous: Vec<AmbiguousName>,
    /// The stripped fields (from either manifest) that were not compared.
    pub stripped: Vec<String>,
}

impl OrgDiff {
    /// Whether the two states hold the same objects and edges (ids aside).
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.links.is_empty()
    }

    /// How many objects (per kind) and edges (per relation) were added,
    /// removed and changed: the diff's last line, and what a CLI reports.
    pub fn summary(&self) -> DiffSummary {
        let mut objects = DiffCounts::default();
        let mut links = DiffCounts::default();
        let mut kinds: BTreeMap<&Kind, DiffCounts> = BTreeMap::new();
        let mut relations: BTreeMap<Relation, DiffCounts> = BTreeMap::new();
        for o in &self.objects {
            objects.count(o.op);
            kinds.entry(&o.key.kind).or_default().count(o.op);
        }
        for l in &self.links {
            links.count(l.op);
            relations.entry(l.relation).or_default().count(l.op);
        }
        DiffSummary {
            objects,
            links,
            kinds: kinds
                .into_iter()
                .map(|(kind, counts)| KindDiffCounts {
                    kind: kind.clone(),
                    counts,
                })
                .collect(),
            relations: relations
                .into_iter()
                .map(|(relation, counts)| RelationDiffCounts { relation, counts })
                .collect(),
        }
    }
}

impl Serialize for OrgDiff {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            summary: DiffSummary,
            objects: &'a [ObjectDiff],
            links: &'a [LinkDiff],
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            ambiguous: &'a [AmbiguousName],
            #[serde(skip_serializing_if = "<[_]>::is_empty")]
            stripped: &'a [String],
        }
        Json {
            summary: self.summary(),
            objects: &self.objects,
            links: &self.links,
            ambiguous: &self.ambiguous,
            stripped: &self.stripped,
        }
        .serialize(serializer)
    }
}

/// A value as the text shows it: compact JSON, cut at 80 characters;
/// `(absent)` for a field that is not there.
fn shown(value: Option<&Value>) -> String {
    let Some(value) = value else {
        return String::from("(absent)");
    };
    let text = value.to_string();
    if text.chars().count() <= SHOWN_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(SHOWN_CHARS).collect();
    cut.push('…');
    cut
}

fn write_fields(f: &mut fmt::Formatter<'_>, fields: &[FieldDiff]) -> fmt::Result {
    for field in fields {
        writeln!(
            f,
            "      {}: {} => {}",
            field.path,
            shown(field.old.as_ref()),
            shown(field.new.as_ref())
        )?;
    }
    Ok(())
}

/// ` (id X)`, or ` (ids X => Y)` for an object in both states: the
/// alternate form's addition.
fn ids_note(old: Option<&str>, new: Option<&str>) -> String {
    match (old, new) {
        (Some(o), Some(n)) => format!(" (ids {o} => {n})"),
        (Some(id), None) | (None, Some(id)) => format!(" (id {id})"),
        (None, None) => String::new(),
    }
}

fn link_end(key: &ObjectKey, old: Option<&str>, new: Option<&str>, alternate: bool) -> String {
    if alternate {
        format!("{key}{}", ids_note(old, new))
    } else {
        key.to_string()
    }
}

impl fmt::Display for LinkDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alt = f.alternate();
        let old = self.old_ids.as_ref();
        let new = self.new_ids.as_ref();
        let from = link_end(
            &self.from,
            old.map(|i| i[0].as_str()),
            new.map(|i| i[0].as_str()),
            alt,
        );
        let to = link_end(
            &self.to,
            old.map(|i| i[1].as_str()),
            new.map(|i| i[1].as_str()),
            alt,
        );
        let arrow = if self.relation == Relation::Associations {
            "<->"
        } else {
            "->"
        };
        write!(f, "{} {from} {arrow} {to}", self.op.sign())?;
        if let Some(attributes) = self.attributes.as_ref().filter(|a| !a.is_empty()) {
            write!(f, " {}", shown(Some(&Value::Object(attributes.clone()))))?;
        }
        Ok(())
    }
}

impl fmt::Display for OrgDiff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alt = f.alternate();
        let mut kind: Option<&Kind> = None;
        for o in &self.objects {
            if kind != Some(&o.key.kind) {
                writeln!(f, "{}:", o.key.kind)?;
                kind = Some(&o.key.kind);
            }
            write!(f, "  {} {}", o.op.sign(), o.key.label())?;
            if alt {
                f.write_str(&ids_note(o.old_id.as_deref(), o.new_id.as_deref()))?;
            }
            writeln!(f)?;
            write_fields(f, &o.fields)?;
        }
        let mut relation: Option<Relation> = None;
        for l in &self.links {
            if relation != Some(l.relation) {
                writeln!(f, "{}:", l.relation)?;
                relation = Some(l.relation);
            }
            if alt {
                writeln!(f, "  {l:#}")?;
            } else {
                writeln!(f, "  {l}")?;
            }
            write_fields(f, &l.fields)?;
        }
        if !self.ambiguous.is_empty() {
            let names: Vec<String> = self
                .ambiguous
                .iter()
                .map(|a| format!("{} {} ({} in old, {} in new)", a.kind, a.name, a.old, a.new))
                .collect();
            writeln!(f, "ambiguous names, matched by id: {}", names.join(", "))?;
        }
        write!(f, "{}", self.summary())
    }
}

/// Where a manifest's stripped entry applies. Entries are field names
/// (`password`: that key at any depth, any kind), dotted paths
/// (`mfa.configured`: a key `configured` under `mfa`; `keys[].secret`: under
/// the items of list `keys`), either optionally scoped to a kind
/// (`system:active`, `system/active`), and may use `*` for any run of
/// characters (`*secret*`).
#[derive(Debug)]
struct StripRule {
    kind: Option<String>,
    /// The path's segments; it matches the end of a field's path.
    segments: Vec<String>,
}

impl StripRule {
    fn parse(entry: &str) -> Option<StripRule> {
        let entry = entry.trim();
        if entry.is_empty() {
            return None;
        }
        let (kind, rest) = match entry.find([':', '/']) {
            Some(at) => {
                let kind = entry[..at].trim();
                let rest = entry[at + 1..].trim();
                ((!kind.is_empty()).then(|| kind.to_owned()), rest)
            }
            None => (None, entry),
        };
        // `[]` marks a list's items (`keys[].secret`): lists are walked
        // through, so it matches the key it follows.
        let segments: Vec<String> = rest
            .split('.')
            .map(|s| s.replace("[]", "").trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        (!segments.is_empty()).then_some(StripRule { kind, segments })
    }

    fn applies_to(&self, kind: Option<&Kind>) -> bool {
        match (&self.kind, kind) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(rule), Some(kind)) => {
                let name = kind.as_str();
                rule == name || rule.strip_suffix('s') == Some(name)
            }
        }
    }

    fn matches(&self, path: &[&str]) -> bool {
        if path.len() < self.segments.len() {
            return false;
        }
        let tail = &path[path.len() - self.segments.len()..];
        self.segments
            .iter()
            .zip(tail)
            .all(|(pattern, key)| glob(pattern, key))
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) {
        return false;
    }
    let mut rest = &text[first.len()..];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Every object of one state (and every edge end that is not one of its
/// objects), with its name: what keys and references are made from.
struct Index<'s> {
    /// `(kind, id)` → name (`None`: unnamed); objects win over edge ends.
    names: BTreeMap<(&'s Kind, &'s str), Option<&'s str>>,
}

fn usable_name(name: Option<&str>) -> Option<&str> {
    name.filter(|n| !n.trim().is_empty())
}

/// The name as matched: JumpCloud compares usernames without regard to
/// case, so users match (and are keyed) by the lowercased username; a
/// difference in case alone shows as a changed `username`.
fn matching_name(kind: &Kind, name: &str) -> String {
    if *kind == Kind::User {
        name.to_lowercase()
    } else {
        name.to_owned()
    }
}

impl<'s> Index<'s> {
    fn of(state: &'s OrgState) -> Index<'s> {
        let mut names = BTreeMap::new();
        for o in &state.objects {
            names
                .entry((&o.kind, o.id.as_str()))
                .or_insert(usable_name(o.name.as_deref()));
        }
        for l in &state.links {
            for end in [&l.from, &l.to] {
                names
                    .entry((&end.kind, end.id.as_str()))
                    .or_insert(usable_name(end.name.as_deref()));
            }
        }
        Index { names }
    }

    /// How many nodes of each kind carry each name.
    fn name_counts(&self) -> BTreeMap<(&'s Kind, String), usize> {
        let mut counts = BTreeMap::new();
        for ((kind, _), name) in &self.names {
            if let Some(name) = name {
                *counts
                    .entry((*kind, matching_name(kind, name)))
                    .or_insert(0) += 1;
            }
        }
        counts
    }
}

/// Keys the nodes of one state, knowing which names are ambiguous in
/// either state, and turns the ids of its nodes into references.
struct Keyer<'s> {
    index: Index<'s>,
    ambiguous: &'s BTreeSet<(Kind, String)>,
    /// id → `<kind name>`, for references inside attributes.
    refs: HashMap<&'s str, String>,
}

impl<'s> Keyer<'s> {
    fn new(index: Index<'s>, ambiguous: &'s BTreeSet<(Kind, String)>) -> Keyer<'s> {
        let mut keyer = Keyer {
            index,
            ambiguous,
            refs: HashMap::new(),
        };
        let mut refs = HashMap::new();
        for (kind, id) in keyer.index.names.keys() {
            if id.is_empty() {
                continue;
            }
            refs.entry(*id)
                .or_insert_with(|| format!("<{}>", keyer.key(kind, id)));
        }
        keyer.refs = refs;
        keyer
    }

    fn key(&self, kind: &Kind, id: &str) -> ObjectKey {
        let name = self.index.names.get(&(kind, id)).copied().flatten();
        match name {
            None => ObjectKey {
                kind: kind.clone(),
                name: None,
                id: Some(id.to_owned()),
            },
            Some(name) => {
                let name = matching_name(kind, name);
                let ambiguous = self.ambiguous.contains(&(kind.clone(), name.clone()));
                ObjectKey {
                    kind: kind.clone(),
                    name: Some(name),
                    id: ambiguous.then(|| id.to_owned()),
                }
            }
        }
    }

    /// Attributes as compared: ids and stripped fields out, references to
    /// this state's objects as `<kind name>`, keys sorted.
    fn comparable(
        &self,
        map: &Map<String, Value>,
        kind: Option<&Kind>,
        strip: &[StripRule],
    ) -> Map<String, Value> {
        let mut path = Vec::new();
        self.map(map, kind, strip, &mut path, 0)
    }

    fn map<'v>(
        &self,
        map: &'v Map<String, Value>,
        kind: Option<&Kind>,
        strip: &[StripRule],
        path: &mut Vec<&'v str>,
        depth: usize,
    ) -> Map<String, Value> {
        let mut keys: Vec<&'v String> = map.keys().collect();
        keys.sort();
        let mut out = Map::new();
        for key in keys {
            if ID_FIELDS.contains(&key.as_str()) {
                continue;
            }
            path.push(key.as_str());
            let stripped = strip
                .iter()
                .any(|rule| rule.applies_to(kind) && rule.matches(path));
            if !stripped && let Some(value) = map.get(key) {
                out.insert(key.clone(), self.value(value, kind, strip, path, depth + 1));
            }
            path.pop();
        }
        out
    }

    fn value<'v>(
        &self,
        value: &'v Value,
        kind: Option<&Kind>,
        strip: &[StripRule],
        path: &mut Vec<&'v str>,
        depth: usize,
    ) -> Value {
        if depth > MAX_DEPTH {
            return value.clone();
        }
        match value {
            Value::String(s) => match self.refs.get(s.as_str()) {
                Some(reference) => Value::String(reference.clone()),
                None => value.clone(),
            },
            Value::Object(map) => Value::Object(self.map(map, kind, strip, path, depth)),
            Value::Array(items) => {
                let mut out: Vec<Value> = items
                    .iter()
                    .map(|v| self.value(v, kind, strip, path, depth + 1))
                    .collect();
                // A list of references (a command's systems, say) is a set
                // whose order followed the ids: sort it by name.
                let all_refs = !items.is_empty()
                    && items
                        .iter()
                        .all(|v| v.as_str().is_some_and(|s| self.refs.contains_key(s)));
                if all_refs {
                    out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                }
                Value::Array(out)
            }
            _ => value.clone(),
        }
    }
}

/// `prefix.key`, or `prefix["key"]` for a key that is not a plain word.
fn child_path(prefix: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '$' | '@'));
    if plain {
        format!("{prefix}.{key}")
    } else {
        format!("{prefix}[{}]", Value::String(key.to_owned()))
    }
}

/// The fields that differ between two attribute maps, by path.
fn diff_maps(
    prefix: &str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    depth: usize,
    out: &mut Vec<FieldDiff>,
) {
    let keys: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for key in keys {
        diff_values(
            &child_path(prefix, key),
            old.get(key),
            new.get(key),
            depth,
            out,
        );
    }
}

fn diff_values(
    path: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    depth: usize,
    out: &mut Vec<FieldDiff>,
) {
    if old == new {
        return;
    }
    match (old, new) {
        (Some(Value::Object(a)), Some(Value::Object(b))) if depth < MAX_DEPTH => {
            diff_maps(path, a, b, depth + 1, out);
        }
        (Some(Value::Array(a)), Some(Value::Array(b)))
            if a.len() == b.len() && depth < MAX_DEPTH =>
        {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff_values(&format!("{path}[{i}]"), Some(x), Some(y), depth + 1, out);
            }
        }
        _ => out.push(FieldDiff {
            path: path.to_owned(),
            old: old.cloned(),
            new: new.cloned(),
        }),
    }
}

/// An association's ends in a fixed order (groups first, then by key), so
/// that it is the same edge whichever end it was listed from.
fn association_order(a: &ObjectKey, b: &ObjectKey) -> std::cmp::Ordering {
    let group = |k: &ObjectKey| !k.kind.as_str().ends_with("_group");
    (group(a), a).cmp(&(group(b), b))
}

type LinkKey = (Relation, ObjectKey, ObjectKey);

/// One edge of one state, keyed: its ends' ids (in key order) and its
/// attributes as compared.
struct KeyedLink {
    ids: [String; 2],
    attributes: Attributes,
}

fn keyed_links(
    state: &OrgState,
    keyer: &Keyer<'_>,
    strip: &[StripRule],
) -> BTreeMap<LinkKey, KeyedLink> {
    let mut links: BTreeMap<LinkKey, KeyedLink> = BTreeMap::new();
    for l in &state.links {
        let mut from = (keyer.key(&l.from.kind, &l.from.id), l.from.id.clone());
        let mut to = (keyer.key(&l.to.kind, &l.to.id), l.to.id.clone());
        if l.relation == Relation::Associations && association_order(&from.0, &to.0).is_gt() {
            std::mem::swap(&mut from, &mut to);
        }
        let attributes = keyer.comparable(&l.attributes, None, strip);
        let candidate = KeyedLink {
            ids: [from.1, to.1],
            attributes,
        };
        // An edge listed twice (from both ends, say): keep one, the same
        // one whatever the order of the listing.
        match links.entry((l.relation, from.0, to.0)) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(candidate);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                let held = slot.get();
                let rank = |k: &KeyedLink| {
                    (
                        k.ids.clone(),
                        Value::Object(k.attributes.clone()).to_string(),
                    )
                };
                if rank(&candidate) < rank(held) {
                    slot.insert(candidate);
                }
            }
        }
    }
    links
}

/// Compares two organisation states by names first: what was added,
/// removed and changed going from `old` to `new` (print or serialise the
/// [`OrgDiff`]).
///
/// Two organisations (production and a test copy, or last week's backup
/// and today's) never share ids, so this matches objects and edges by
/// the names people use and compares what is left once ids are taken out:
///
/// - an object's key is `(kind, name)` (users: the username, lowercased, as
///   JumpCloud compares usernames without case) when its name is unique within its
///   kind in both states; `(kind, name, id)` when the name is ambiguous
///   (in either state: the diff lists such names, see
///   [`OrgDiff::ambiguous`]); `(kind, id)` when it has no name;
/// - attributes are compared without `_id`, `id`, `organization` (and its
///   spellings `organizationId`, `organization_id`, `orgId`, `organizationObjectId`), at any depth,
///   and without the fields either backup's manifest lists as stripped
///   ([`Manifest::stripped`](super::Manifest::stripped)); a string equal to
///   the id of an object of the same state is a reference to that object
///   and is compared as `<kind name>` (a user's `manager`, say), so that it
///   differs only when it refers to an object of another name;
/// - an edge's key is `(relation, from, to)` with both ends keyed as above;
///   an association is the same edge whichever end it was listed from.
///
/// A stripped entry is a field name (`password`: that key at any depth) or
/// a path (`mfa.configured`: `configured` under `mfa`; `keys[].secret`:
/// under the items of list `keys`), either optionally scoped to a kind
/// (`system:active`), with `*` for any run of characters (`*secret*`).
///
/// Never fails: a state with odd contents (duplicate ids, nameless
/// objects, edges to objects it does not hold) is compared as well as it
/// can be.
pub fn diff(old: &OrgState, new: &OrgState) -> OrgDiff {
    let stripped: Vec<String> = old
        .manifest
        .iter()
        .chain(new.manifest.iter())
        .flat_map(|m| m.stripped.iter().cloned())
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    let strip: Vec<StripRule> = stripped
        .iter()
        .filter_map(|e| StripRule::parse(e))
        .collect();

    let old_index = Index::of(old);
    let new_index = Index::of(new);
    let old_counts = old_index.name_counts();
    let new_counts = new_index.name_counts();
    let mut ambiguous_names = Vec::new();
    let mut ambiguous = BTreeSet::new();
    let names: BTreeSet<&(&Kind, String)> = old_counts.keys().chain(new_counts.keys()).collect();
    for key in names {
        let o = old_counts.get(key).copied().unwrap_or(0);
        let n = new_counts.get(key).copied().unwrap_or(0);
        if o > 1 || n > 1 {
            let (kind, name) = key;
            ambiguous.insert(((*kind).clone(), name.clone()));
            ambiguous_names.push(AmbiguousName {
                kind: (*kind).clone(),
                name: name.clone(),
                old: o,
                new: n,
            });
        }
    }
    let old_keyer = Keyer::new(old_index, &ambiguous);
    let new_keyer = Keyer::new(new_index, &ambiguous);

    let objects = diff_objects(old, new, &old_keyer, &new_keyer, &strip);
    let links = diff_links(
        keyed_links(old, &old_keyer, &strip),
        keyed_links(new, &new_keyer, &strip),
    );
    OrgDiff {
        objects,
        links,
        ambiguous: ambiguous_names,
        stripped,
    }
}

fn diff_objects(
    old: &OrgState,
    new: &OrgState,
    old_keyer: &Keyer<'_>,
    new_keyer: &Keyer<'_>,
    strip: &[StripRule],
) -> Vec<ObjectDiff> {
    let keyed = |state: &OrgState, keyer: &Keyer<'_>| {
        let mut objects = BTreeMap::new();
        for o in &state.objects {
            // A duplicate id: the first object read wins, as in the index.
            objects.entry(keyer.key(&o.kind, &o.id)).or_insert_with(|| {
                (
                    o.id.clone(),
                    keyer.comparable(&o.attributes, Some(&o.kind), strip),
                )
            });
        }
        objects
    };
    let mut old_objects = keyed(old, old_keyer);
    let new_objects = keyed(new, new_keyer);
    let mut changes = Vec::new();
    for (key, (new_id, attributes)) in new_objects {
        match old_objects.remove(&key) {
            None => changes.push(ObjectDiff {
                op: DiffOp::Added,
                key,
                old_id: None,
                new_id: Some(new_id),
                attributes: Some(attributes),
                fields: Vec::new(),
            }),
            Some((old_id, before)) => {
                let mut fields = Vec::new();
                diff_maps("attributes", &before, &attributes, 0, &mut fields);
                if !fields.is_empty() {
                    changes.push(ObjectDiff {
                        op: DiffOp::Changed,
                        key,
                        old_id: Some(old_id),
                        new_id: Some(new_id),
                        attributes: None,
                        fields,
                    });
                }
            }
        }
    }
    for (key, (old_id, attributes)) in old_objects {
        changes.push(ObjectDiff {
            op: DiffOp::Removed,
            key,
            old_id: Some(old_id),
            new_id: None,
            attributes: Some(attributes),
            fields: Vec::new(),
        });
    }
    changes.sort_by(|a, b| (&a.key, a.op).cmp(&(&b.key, b.op)));
    changes
}

fn diff_links(
    mut old: BTreeMap<LinkKey, KeyedLink>,
    new: BTreeMap<LinkKey, KeyedLink>,
) -> Vec<LinkDiff> {
    let some_attributes = |a: Attributes| (!a.is_empty()).then_some(a);
    let mut changes = Vec::new();
    for ((relation, from, to), link) in new {
        match old.remove(&(relation, from.clone(), to.clone())) {
            None => changes.push(LinkDiff {
                op: DiffOp::Added,
                relation,
                from,
                to,
                old_ids: None,
                new_ids: Some(link.ids),
                attributes: some_attributes(link.attributes),
                fields: Vec::new(),
            }),
            Some(before) => {
                let mut fields = Vec::new();
                diff_maps(
                    "attributes",
                    &before.attributes,
                    &link.attributes,
                    0,
                    &mut fields,
                );
                if !fields.is_empty() {
                    changes.push(LinkDiff {
                        op: DiffOp::Changed,
                        relation,
                        from,
                        to,
                        old_ids: Some(before.ids),
                        new_ids: Some(link.ids),
                        attributes: None,
                        fields,
                    });
                }
            }
        }
    }
    for ((relation, from, to), link) in old {
        changes.push(LinkDiff {
            op: DiffOp::Removed,
            relation,
            from,
            to,
            old_ids: Some(link.ids),
            new_ids: None,
            attributes: some_attributes(link.attributes),
            fields: Vec::new(),
        });
    }
    changes.sort_by(|a, b| {
        (a.relation, &a.from, &a.to, a.op).cmp(&(b.relation, &b.from, &b.to, b.op))
    });
    changes
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;
    use crate::graph::NodeRef;
    use crate::org::{Manifest, OrgLink, OrgObject};

    fn attrs(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            other => panic!("not an object: {other}"),
        }
    }

    fn object(kind: Kind, id: &str, name: Option<&str>, attributes: Value) -> OrgObject {
        let mut attributes = attrs(attributes);
        attributes.insert("_id".into(), json!(id));
        attributes.insert("organization".into(), json!("org-of-".to_owned() + id));
        OrgObject {
            kind,
            id: id.into(),
            name: name.map(str::to_owned),
            attributes,
        }
    }

    fn node(kind: Kind, id: &str, name: &str) -> NodeRef {
        NodeRef::new(kind, id).named(name)
    }

    fn link(relation: Relation, from: NodeRef, to: NodeRef, attributes: Value) -> OrgLink {
        OrgLink {
            relation,
            from,
            to,
            attributes: attrs(attributes),
        }
    }

    fn manifest(stripped: &[&str]) -> Manifest {
        Manifest {
            format: crate::org::FORMAT_VERSION,
            organization: Some("5f0000000000000000000001".into()),
            taken_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
            sdk_version: "0.0.0".into(),
            kinds: Vec::new(),
            fallbacks: Vec::new(),
            stripped: stripped.iter().map(|s| (*s).to_owned()).collect(),
            requests: 0,
        }
    }

    /// A small organisation whose ids all start with `p` (so that a copy
    /// with another prefix is the same organisation under other ids).
    fn org(p: &str) -> OrgState {
        let id = |n: &str| format!("{p}{n}");
        let jdoe = node(Kind::User, &id("u1"), "jdoe");
        let asmith = node(Kind::User, &id("u2"), "asmith");
        let eng = node(Kind::UserGroup, &id("g1"), "Engineering");
        let servers = node(Kind::SystemGroup, &id("s1"), "Servers");
        let web = node(Kind::System, &id("m1"), "web-01");
        OrgState {
            manifest: Some(manifest(&["password"])),
            objects: vec![
                object(
                    Kind::User,
                    &id("u1"),
                    Some("jdoe"),
                    json!({"username": "jdoe", "email": "jdoe@example.com",
                           "mfa": {"exclusion": false, "configured": true},
                           "manager": id("u2"), "id": id("u1")}),
                ),
                object(
                    Kind::User,
                    &id("u2"),
                    Some("asmith"),
                    json!({"username": "asmith", "email": "asmith@example.com",
                           "mfa": {"exclusion": false, "configured": false}}),
                ),
                object(
                    Kind::UserGroup,
                    &id("g1"),
                    Some("Engineering"),
                    json!({"name": "Engineering", "attributes": {"sudo": {"enabled": false}}}),
                ),
                object(
                    Kind::SystemGroup,
                    &id("s1"),
                    Some("Servers"),
                    json!({"name": "Servers"}),
                ),
                object(
                    Kind::System,
                    &id("m1"),
                    Some("web-01"),
                    json!({"displayName": "web-01", "os": "Ubuntu", "organization": "other"}),
                ),
                object(
                    Kind::Command,
                    &id("c1"),
                    Some("patch"),
                    json!({"name": "patch", "command": "apt-get upgrade -y",
                           "systems": [id("m1")], "template": {"id": "tpl-1"}}),
                ),
            ],
            links: vec![
                link(Relation::Members, eng.clone(), jdoe.clone(), json!({})),
                link(Relation::Members, eng.clone(), asmith, json!({})),
                link(Relation::Members, servers.clone(), web.clone(), json!({})),
                link(
                    Relation::Associations,
                    eng.clone(),
                    servers,
                    json!({"sudo": {"enabled": true, "withoutPassword": false}}),
                ),
                link(Relation::Associations, jdoe, web, json!({})),
            ],
        }
    }

    fn find<'d>(d: &'d OrgDiff, name: &str) -> &'d ObjectDiff {
        d.objects
            .iter()
            .find(|o| o.key.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("{name} not in\n{d}"))
    }

    fn user_mut<'s>(state: &'s mut OrgState, name: &str) -> &'s mut Map<String, Value> {
        &mut state
            .objects
            .iter_mut()
            .find(|o| o.name.as_deref() == Some(name))
            .unwrap()
            .attributes
    }

    #[test]
    fn identical_states_diff_empty() {
        let d = diff(&org("a"), &org("a"));
        assert!(d.is_empty(), "{d}");
        assert!(d.ambiguous.is_empty());
        assert_eq!(d.to_string(), "no differences");
        assert_eq!(d.summary(), DiffSummary::default());
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["objects"], json!([]));
        assert_eq!(
            json["summary"]["objects"],
            json!({"added": 0, "removed": 0, "changed": 0})
        );
        assert_eq!(json["stripped"], json!(["password"]));
        assert!(diff(&OrgState::default(), &OrgState::default()).is_empty());
    }

    #[test]
    fn states_differing_only_in_ids_diff_empty() {
        // Every object and link re-id'd, references (manager, a command's
        // systems) and organisation ids with them.
        let d = diff(&org("a"), &org("b"));
        assert!(d.is_empty(), "{d}");
        assert_eq!(d.to_string(), "no differences");
        // A reference to an object of another name is a change.
        let mut new = org("b");
        user_mut(&mut new, "jdoe").insert("manager".into(), json!("bg1"));
        let d = diff(&org("a"), &new);
        let jdoe = find(&d, "jdoe");
        assert_eq!(
            jdoe.fields,
            vec![FieldDiff {
                path: "attributes.manager".into(),
                old: Some(json!("<user asmith>")),
                new: Some(json!("<user_group Engineering>")),
            }]
        );
    }

    #[test]
    fn objects_added_removed_and_changed() {
        let old = org("a");
        let mut new = org("b");
        new.objects.retain(|o| o.name.as_deref() != Some("asmith"));
        new.links.retain(|l| l.to.name.as_deref() != Some("asmith"));
        new.objects.push(object(
            Kind::User,
            "bu3",
            Some("bwong"),
            json!({"username": "bwong", "email": "bwong@example.com"}),
        ));
        user_mut(&mut new, "jdoe").insert("email".into(), json!("john.doe@example.com"));
        // jdoe's manager is gone with asmith: the reference is now an id
        // this state does not know, and shows as such.
        let d = diff(&old, &new);
        let added = find(&d, "bwong");
        assert_eq!(added.op, DiffOp::Added);
        assert_eq!(added.new_id.as_deref(), Some("bu3"));
        assert_eq!(
            added.attributes,
            Some(attrs(
                json!({"username": "bwong", "email": "bwong@example.com"})
            ))
        );
        let removed = find(&d, "asmith");
        assert_eq!(removed.op, DiffOp::Removed);
        assert_eq!(removed.old_id.as_deref(), Some("au2"));
        let changed = find(&d, "jdoe");
        assert_eq!(changed.op, DiffOp::Changed);
        let paths: Vec<&str> = changed.fields.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["attributes.email", "attributes.manager"]);
        assert_eq!(changed.fields[1].new, Some(json!("bu2")));
        // The edge to the removed user went with it.
        assert_eq!(d.links.len(), 1, "{d}");
        assert_eq!(d.links[0].op, DiffOp::Removed);
        assert_eq!(d.links[0].to.name.as_deref(), Some("asmith"));
        let s = d.summary();
        assert_eq!(
            s.objects,
            DiffCounts {
                added: 1,
                removed: 1,
                changed: 1
            }
        );
        assert_eq!(s.kinds.len(), 1);
        assert_eq!(s.kinds[0].kind, Kind::User);
        assert_eq!(s.links.removed, 1);
        assert_eq!(s.relations[0].relation, Relation::Members);
    }

    #[test]
    fn edges_added_removed_and_changed() {
        let old = org("a");
        let mut new = org("b");
        let eng = node(Kind::UserGroup, "bg1", "Engineering");
        let servers = node(Kind::SystemGroup, "bs1", "Servers");
        let jdoe = node(Kind::User, "bu1", "jdoe");
        let web = node(Kind::System, "bm1", "web-01");
        new.links = vec![
            // Eng's members: asmith removed.
            link(Relation::Members, eng.clone(), jdoe.clone(), json!({})),
            link(Relation::Members, servers.clone(), web.clone(), json!({})),
            // sudo changed.
            link(
                Relation::Associations,
                eng.clone(),
                servers,
                json!({"sudo": {"enabled": true, "withoutPassword": true}}),
            ),
            link(Relation::Associations, jdoe, web, json!({})),
            // added, with attributes.
            link(
                Relation::Associations,
                node(Kind::Command, "bc1", "patch"),
                eng,
                json!({"note": "weekly"}),
            ),
        ];
        let d = diff(&old, &new);
        assert!(d.objects.is_empty(), "{d}");
        let ops: Vec<(DiffOp, Relation, String, String)> = d
            .links
            .iter()
            .map(|l| (l.op, l.relation, l.from.to_string(), l.to.to_string()))
            .collect();
        assert_eq!(
            ops,
            [
                (
                    DiffOp::Changed,
                    Relation::Associations,
                    "system_group Servers".to_owned(),
                    "user_group Engineering".to_owned()
                ),
                (
                    DiffOp::Added,
                    Relation::Associations,
                    "user_group Engineering".to_owned(),
                    "command patch".to_owned()
                ),
                (
                    DiffOp::Removed,
                    Relation::Members,
                    "user_group Engineering".to_owned(),
                    "user asmith".to_owned()
                ),
            ]
        );
        assert_eq!(
            d.links[0].fields,
            vec![FieldDiff {
                path: "attributes.sudo.withoutPassword".into(),
                old: Some(json!(false)),
                new: Some(json!(true)),
            }]
        );
        assert_eq!(d.links[0].old_ids, Some(["as1".into(), "ag1".into()]));
        assert_eq!(d.links[0].new_ids, Some(["bs1".into(), "bg1".into()]));
        assert_eq!(
            d.links[1].attributes,
            Some(attrs(json!({"note": "weekly"})))
        );
        assert_eq!(d.links[2].attributes, None);
    }

    #[test]
    fn field_paths_are_precise() {
        let old = org("a");
        let mut new = org("a");
        let jdoe = user_mut(&mut new, "jdoe");
        jdoe.insert("mfa".into(), json!({"exclusion": true, "configured": true}));
        jdoe.insert("tags".into(), json!(["a", "b"]));
        jdoe.insert("odd.key".into(), json!(null));
        let asmith = user_mut(&mut new, "asmith");
        asmith.remove("email");
        asmith.insert("mfa".into(), json!("off"));
        let g = user_mut(&mut new, "Engineering");
        g.insert(
            "attributes".into(),
            json!({"sudo": {"enabled": false}, "posix": [1, 2]}),
        );
        let d = diff(&old, &new);
        let fields = |name: &str| find(&d, name).fields.clone();
        assert_eq!(
            fields("jdoe"),
            vec![
                FieldDiff {
                    path: "attributes.mfa.exclusion".into(),
                    old: Some(json!(false)),
                    new: Some(json!(true)),
                },
                FieldDiff {
                    path: r#"attributes["odd.key"]"#.into(),
                    old: None,
                    new: Some(json!(null)),
                },
                FieldDiff {
                    path: "attributes.tags".into(),
                    old: None,
                    new: Some(json!(["a", "b"])),
                },
            ]
        );
        assert_eq!(
            fields("asmith"),
            vec![
                FieldDiff {
                    path: "attributes.email".into(),
                    old: Some(json!("asmith@example.com")),
                    new: None,
                },
                FieldDiff {
                    path: "attributes.mfa".into(),
                    old: Some(json!({"exclusion": false, "configured": false})),
                    new: Some(json!("off")),
                },
            ]
        );
        assert_eq!(fields("Engineering")[0].path, "attributes.attributes.posix");
        // Arrays of one length compare element by element.
        let mut newer = new.clone();
        user_mut(&mut newer, "jdoe").insert("tags".into(), json!(["a", "c"]));
        let d = diff(&new, &newer);
        assert_eq!(find(&d, "jdoe").fields[0].path, "attributes.tags[1]");
        let text = diff(&old, &new).to_string();
        assert!(
            text.contains("      attributes.email: \"asmith@example.com\" => (absent)\n"),
            "{text}"
        );
        assert!(
            text.contains("      attributes[\"odd.key\"]: (absent) => null\n"),
            "{text}"
        );
    }

    #[test]
    fn ambiguous_names_match_by_id_and_say_so() {
        let mut old = org("a");
        old.objects.push(object(
            Kind::UserGroup,
            "ag2",
            Some("Engineering"),
            json!({"name": "Engineering"}),
        ));
        // The same organisation: matched by id, the unchanged one is quiet.
        let mut new = old.clone();
        user_mut(&mut new, "jdoe").insert("email".into(), json!("x@example.com"));
        let d = diff(&old, &new);
        assert_eq!(d.objects.len(), 1, "{d}");
        assert_eq!(
            d.ambiguous,
            vec![AmbiguousName {
                kind: Kind::UserGroup,
                name: "Engineering".into(),
                old: 2,
                new: 2
            }]
        );
        assert!(d.to_string().contains(
            "ambiguous names, matched by id: user_group Engineering (2 in old, 2 in new)"
        ));
        // Another organisation: they cannot be paired, so removed and added,
        // and their edges with them, each saying which it was.
        let mut other = org("b");
        other.objects.push(object(
            Kind::UserGroup,
            "bg2",
            Some("Engineering"),
            json!({"name": "Engineering"}),
        ));
        let d = diff(&old, &other);
        let eng: Vec<(DiffOp, Option<&str>, MatchedBy)> = d
            .objects
            .iter()
            .map(|o| (o.op, o.key.id.as_deref(), o.key.matched_by()))
            .collect();
        assert_eq!(
            eng,
            [
                (DiffOp::Removed, Some("ag1"), MatchedBy::NameAndId),
                (DiffOp::Removed, Some("ag2"), MatchedBy::NameAndId),
                (DiffOp::Added, Some("bg1"), MatchedBy::NameAndId),
                (DiffOp::Added, Some("bg2"), MatchedBy::NameAndId),
            ]
        );
        let text = d.to_string();
        assert!(
            text.contains("  - Engineering (ambiguous name, id ag1)\n"),
            "{text}"
        );
        // jdoe's membership is of another key now: removed and added.
        assert_eq!(d.summary().links.added, 3, "{text}");
        // Only in one state is enough to be ambiguous.
        let d = diff(&org("a"), &other);
        assert_eq!(d.ambiguous[0].old, 1);
        assert_eq!(d.ambiguous[0].new, 2);
    }

    #[test]
    fn association_listed_from_the_other_end_is_not_a_change() {
        let old = org("a");
        let mut new = org("b");
        for l in &mut new.links {
            if l.relation == Relation::Associations {
                std::mem::swap(&mut l.from, &mut l.to);
            }
        }
        let d = diff(&old, &new);
        assert!(d.is_empty(), "{d}");
        // Listed from both ends in one state: still one edge.
        let mut both = org("b");
        both.links.extend(
            new.links
                .iter()
                .filter(|l| l.relation == Relation::Associations)
                .cloned(),
        );
        assert!(diff(&old, &both).is_empty());
        // Members are directed: the other way round is another edge.
        let mut members = org("b");
        for l in &mut members.links {
            if l.relation == Relation::Members {
                std::mem::swap(&mut l.from, &mut l.to);
            }
        }
        assert_eq!(diff(&old, &members).summary().links.added, 3);
    }

    #[test]
    fn stripped_fields_of_either_manifest_are_ignored() {
        let mut old = org("a");
        user_mut(&mut old, "jdoe").insert(
            "ssh_keys".into(),
            json!([{"name": "laptop", "private": "old"}, {"name": "ci"}]),
        );
        let mut new = org("b");
        new.manifest = Some(manifest(&[
            "lastLogin",
            "system:active",
            "mfa.configured",
            "ssh_keys[].private",
            "*secret*",
        ]));
        let jdoe = user_mut(&mut new, "jdoe");
        jdoe.insert("lastLogin".into(), json!("2026-12-01T00:00:00Z"));
        jdoe.insert(
            "mfa".into(),
            json!({"exclusion": false, "configured": false}),
        );
        jdoe.insert("totp_secret".into(), json!("x"));
        jdoe.insert(
            "ssh_keys".into(),
            json!([{"name": "laptop", "private": "x"}, {"name": "ci", "private": "y"}]),
        );
        jdoe.insert("active".into(), json!(true));
        user_mut(&mut new, "web-01").insert("active".into(), json!(false));
        // `password` is the old manifest's.
        user_mut(&mut new, "asmith").insert("password".into(), json!("hash"));
        let d = diff(&old, &new);
        // `active` is stripped on systems only: on a user it is compared.
        assert_eq!(d.objects.len(), 1, "{d}");
        let fields = &find(&d, "jdoe").fields;
        assert_eq!(fields.len(), 1, "{d}");
        assert_eq!(fields[0].path, "attributes.active");
        assert_eq!(
            d.stripped,
            [
                "*secret*",
                "lastLogin",
                "mfa.configured",
                "password",
                "ssh_keys[].private",
                "system:active"
            ]
        );
        // Entries that say nothing are no rules.
        assert!(StripRule::parse("  ").is_none());
        assert!(StripRule::parse("user:").is_none());
        assert!(StripRule::parse("user:.").is_none());
        let rule = StripRule::parse("users/mfa.configured").unwrap();
        assert!(rule.applies_to(Some(&Kind::User)));
        assert!(!rule.applies_to(Some(&Kind::System)));
        assert!(!rule.applies_to(None));
        assert!(rule.matches(&["mfa", "configured"]));
        assert!(!rule.matches(&["configured"]));
    }

    #[test]
    fn globs() {
        assert!(glob("*secret*", "totp_secret_x"));
        assert!(glob("*secret*", "secret"));
        assert!(!glob("*secret*", "secre"));
        assert!(glob("pass*", "password"));
        assert!(!glob("pass*", "bypass"));
        assert!(glob("*_date", "password_date"));
        assert!(glob("a*b*c", "abc"));
        assert!(!glob("a*b*c", "acb"));
        assert!(glob("*", ""));
        assert!(glob("**", "é"));
        assert!(!glob("ab*ba", "aba"));
        assert!(glob("x", "x") && !glob("x", "y"));
    }

    #[test]
    fn usernames_match_without_case() {
        let old = org("a");
        let mut new = org("b");
        for o in &mut new.objects {
            if o.name.as_deref() == Some("jdoe") {
                o.name = Some("JDoe".into());
                o.attributes.insert("username".into(), json!("JDoe"));
            }
        }
        for l in &mut new.links {
            for end in [&mut l.from, &mut l.to] {
                if end.name.as_deref() == Some("jdoe") {
                    end.name = Some("JDoe".into());
                }
            }
        }
        let d = diff(&old, &new);
        assert_eq!(d.objects.len(), 1, "{d}");
        assert_eq!(d.objects[0].key.name.as_deref(), Some("jdoe"));
        assert_eq!(d.objects[0].fields[0].path, "attributes.username");
        assert!(d.links.is_empty(), "{d}");
        // Two users differing in case only are one name: ambiguous.
        let mut two = org("a");
        two.objects
            .push(object(Kind::User, "au9", Some("JDOE"), json!({})));
        assert_eq!(diff(&old, &two).ambiguous[0].name, "jdoe");
        // Other kinds' names keep their case.
        let mut group = org("b");
        for o in &mut group.objects {
            if o.name.as_deref() == Some("Engineering") {
                o.name = Some("engineering".into());
            }
        }
        assert_eq!(diff(&old, &group).summary().objects.added, 1);
    }

    #[test]
    fn unnamed_objects_match_by_id() {
        let mut old = OrgState::default();
        old.objects
            .push(object(Kind::Policy, "p1", None, json!({"v": 1})));
        old.objects
            .push(object(Kind::Policy, "p2", Some(" "), json!({"v": 1})));
        let mut new = old.clone();
        new.objects[0].attributes.insert("v".into(), json!(2));
        let d = diff(&old, &new);
        assert_eq!(d.objects.len(), 1);
        assert_eq!(d.objects[0].key.matched_by(), MatchedBy::Id);
        assert_eq!(d.objects[0].key.to_string(), "policy p1");
        // Across organisations they cannot be paired.
        let mut other = OrgState::default();
        other
            .objects
            .push(object(Kind::Policy, "q1", None, json!({"v": 1})));
        assert_eq!(diff(&old, &other).summary().objects.total(), 3);
    }

    #[test]
    fn output_does_not_depend_on_input_order() {
        let old = org("a");
        let mut new = org("b");
        user_mut(&mut new, "jdoe").insert("email".into(), json!("x@example.com"));
        new.links.pop();
        let mut shuffled = new.clone();
        shuffled.objects.reverse();
        shuffled.links.reverse();
        let mut old_shuffled = old.clone();
        old_shuffled.objects.rotate_left(2);
        old_shuffled.links.rotate_left(3);
        let a = diff(&old, &new);
        let b = diff(&old_shuffled, &shuffled);
        assert_eq!(a, b);
        assert_eq!(a.to_string(), b.to_string());
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }

    #[test]
    fn odd_states_do_not_panic() {
        let nest = |leaf: i32| {
            let mut deep = json!(leaf);
            for i in 0..200 {
                deep = if i % 2 == 0 {
                    json!({ "d": deep })
                } else {
                    json!([deep])
                };
            }
            deep
        };
        let long = "é".repeat(500);
        let mut odd = OrgState::default();
        odd.objects
            .push(object(Kind::User, "", Some(""), json!({"x": long})));
        odd.objects
            .push(object(Kind::User, "", Some("dup"), json!({"x": 1})));
        odd.objects.push(object(
            Kind::User,
            "deep",
            Some("deep"),
            json!({"deep": nest(1)}),
        ));
        odd.objects
            .push(object(Kind::User, "d", Some("dup"), json!({"a": [1, 2]})));
        odd.objects.push(object(
            Kind::Unknown("future".into()),
            "f",
            Some("f"),
            json!({}),
        ));
        odd.links.push(link(
            Relation::Associations,
            NodeRef::new(Kind::System, "gone"),
            NodeRef::new(Kind::System, "gone"),
            json!({"": {"\"": 1}}),
        ));
        odd.links.push(link(
            Relation::Traversal,
            NodeRef::new(Kind::User, "d"),
            NodeRef::new(Kind::Unknown("x".into()), ""),
            json!({}),
        ));
        let mut other = odd.clone();
        other.objects[2]
            .attributes
            .insert("a".into(), json!([1, 2, 3]));
        other.links[0].attributes = attrs(json!({"": {"\"": 2}}));
        other.objects[3].attributes.insert("deep".into(), nest(2));
        // Nesting deeper than the walk goes is compared whole below it.
        let d = diff(&odd, &other);
        let deep = find(&d, "deep");
        assert_eq!(deep.fields.len(), 1, "{d}");
        assert!(
            deep.fields[0].path.len() < 3 * 70,
            "{}",
            deep.fields[0].path
        );
        assert_eq!(d.links.len(), 1, "{d}");
        other.manifest = Some(manifest(&["", ":", "*", "a..b", "user.", ".x", "**.*"]));
        for (a, b) in [(&odd, &other), (&other, &odd), (&odd, &OrgState::default())] {
            let d = diff(a, b);
            let _ = format!("{d}{d:#}");
            let _ = serde_json::to_string(&d).unwrap();
        }
        let d = diff(&odd, &odd);
        assert!(d.is_empty(), "{d}");
        // A long value is cut in the text, whole in the JSON.
        let mut longer = odd.clone();
        let longer_value = "é".repeat(501);
        longer.objects[0]
            .attributes
            .insert("x".into(), json!(longer_value));
        let d = diff(&odd, &longer);
        let text = d.to_string();
        assert!(text.contains("…"), "{text}");
        assert!(text.lines().all(|l| l.chars().count() < 200), "{text}");
        assert_eq!(d.objects[0].fields[0].new, Some(json!(longer_value)));
    }

    #[test]
    fn the_documented_example_is_what_prints() {
        let users = |p: &str, jdoe: Value, others: &[&str]| {
            let mut objects = vec![object(Kind::User, &format!("{p}u1"), Some("jdoe"), jdoe)];
            for (i, name) in others.iter().enumerate() {
                let id = format!("{p}u{}", i + 2);
                objects.push(object(
                    Kind::User,
                    &id,
                    Some(name),
                    json!({"username": name}),
                ));
            }
            objects.push(object(
                Kind::UserGroup,
                &format!("{p}g1"),
                Some("Engineering"),
                json!({}),
            ));
            OrgState {
                manifest: None,
                objects,
                links: Vec::new(),
            }
        };
        let mut old = users(
            "a",
            json!({"email": "jdoe@example.com", "manager": "au2"}),
            &["asmith"],
        );
        old.links.push(link(
            Relation::Members,
            node(Kind::UserGroup, "ag1", "Engineering"),
            node(Kind::User, "au2", "asmith"),
            json!({}),
        ));
        let new = users(
            "b",
            json!({"email": "john.doe@example.com", "manager": "bu2"}),
            &["bwong"],
        );
        let doc = r#"user:
  - asmith
  + bwong
  ~ jdoe
      attributes.email: "jdoe@example.com" => "john.doe@example.com"
      attributes.manager: "<user asmith>" => "<user bwong>"
members:
  - user_group Engineering -> user asmith
objects: 1 added, 1 removed, 1 changed (user +1 -1 ~1); links: 0 added, 1 removed, 0 changed (members -1)"#;
        assert_eq!(diff(&old, &new).to_string(), doc);
    }

    /// The benchmark organisation's size (5,000 users, 20,000 systems, a
    /// membership each): a re-id'd copy diffs empty, quickly.
    #[test]
    fn a_large_organisation_diffs_quickly() {
        let big = |p: &str| {
            let mut state = OrgState::default();
            let group = node(Kind::SystemGroup, &format!("{p}g"), "All");
            for i in 0..25_000 {
                let (kind, name) = if i < 5_000 {
                    (Kind::User, format!("user{i}"))
                } else {
                    (Kind::System, format!("host-{i}"))
                };
                let id = format!("{p}{i:06}");
                state.objects.push(object(
                    kind.clone(),
                    &id,
                    Some(&name),
                    json!({"name": name, "n": i, "tags": ["a", "b"], "nested": {"x": {"y": i}}}),
                ));
                if kind == Kind::System {
                    state.links.push(link(
                        Relation::Members,
                        group.clone(),
                        node(kind, &id, &name),
                        json!({}),
                    ));
                }
            }
            state
        };
        let (a, b) = (big("a"), big("b"));
        let started = std::time::Instant::now();
        let d = diff(&a, &b);
        let took = started.elapsed();
        assert!(d.is_empty(), "{}", d.summary());
        assert!(took < std::time::Duration::from_secs(20), "{took:?}");
        eprintln!("25,000 objects and 20,000 links diffed in {took:?}");
    }

    /// The representative diff of the snapshots: every kind of line.
    fn representative() -> OrgDiff {
        let old = org("a");
        let mut new = org("b");
        new.objects.retain(|o| o.name.as_deref() != Some("asmith"));
        new.links.retain(|l| l.to.name.as_deref() != Some("asmith"));
        new.objects.push(object(
            Kind::User,
            "bu3",
            Some("bwong"),
            json!({"username": "bwong", "email": "bwong@example.com"}),
        ));
        let jdoe = user_mut(&mut new, "jdoe");
        jdoe.insert("email".into(), json!("john.doe@example.com"));
        jdoe.insert("mfa".into(), json!({"exclusion": true, "configured": true}));
        jdoe.insert("manager".into(), json!("bu3"));
        user_mut(&mut new, "web-01").insert("os".into(), json!("Ubuntu 24.04"));
        new.objects.push(object(
            Kind::UserGroup,
            "bg2",
            Some("Contractors"),
            json!({"name": "Contractors"}),
        ));
        new.links.push(link(
            Relation::Members,
            node(Kind::UserGroup, "bg2", "Contractors"),
            node(Kind::User, "bu3", "bwong"),
            json!({}),
        ));
        for l in &mut new.links {
            if l.relation == Relation::Associations && l.from.kind == Kind::UserGroup {
                l.attributes = attrs(json!({"sudo": {"enabled": true, "withoutPassword": true}}));
                // Listed from the other end this time: still the same edge.
                std::mem::swap(&mut l.from, &mut l.to);
            }
        }
        diff(&old, &new)
    }

    #[test]
    fn text_snapshot() {
        let d = representative();
        insta::assert_snapshot!("diff_text", d.to_string());
        insta::assert_snapshot!("diff_text_with_ids", format!("{d:#}"));
    }

    #[test]
    fn json_snapshot() {
        insta::assert_json_snapshot!("diff_json", representative());
    }
}
