//! The declared state: a file of names, as a person writes it, that says
//! what users, user groups and system groups there are and what each group
//! is bound to. [`Org::plan`](super::Org::plan) compares it with the live
//! organisation.
//!
//! The same tree in TOML (feature `toml`), YAML (feature `yaml`) or JSON:
//!
//! ```toml
//! # kinds managed exhaustively: objects of these kinds the file does not
//! # name are deleted
//! prune = ["user_group"]
//!
//! [users.jdoe]                      # key = username
//! email = "jdoe@example.com"
//! firstname = "Jane"
//!
//! [user_groups.Engineering]         # key = group name
//! description = "Everyone who ships code"
//! members = ["jdoe"]                # exhaustive when present
//! systems = ["web-1", { name = "db-1", sudo = { enabled = true, withoutPassword = false } }]
//! system_groups = ["Linux Servers"]
//! applications = ["Slack"]
//!
//! [system_groups."Linux Servers"]
//! members = ["web-1", "web-2"]      # systems by display name or hostname
//! policies = ["Disk Encryption"]
//! ```
//!
//! Rules: an object the file does not name is left alone (unless its kind
//! is in `prune`); a list of members or of one kind of associations is
//! exhaustive for that group; a list that is absent leaves that kind
//! alone, an empty one removes them all. A key is the object's name unless
//! the entry sets `username` (users) or `name` (groups), when it is only a
//! label; `id` pins an entry to one live object where two share a name.
//! The fields are those of the API's create bodies (v1 `systemusers`, v2
//! groups), read from the generated types, minus secrets: a file names
//! neither passwords nor keys. Every problem is reported at once, each with
//! its file, line and name, before any request.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::de::{self, DeserializeOwned, Visitor};
use serde_json::{Map, Value};

use super::OrgState;
use super::scrub::left_out_with;
use crate::error::{Error, ErrorDetail, Result};
use crate::graph::{Attributes, Kind, Relation, links_from};

/// The formats a declared state is read from and written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// JSON (always available).
    Json,
    /// TOML (cargo feature `toml`).
    Toml,
    /// YAML (cargo feature `yaml`).
    Yaml,
}

impl Format {
    /// The format a file's extension names (`.json`, `.toml`, `.yaml`,
    /// `.yml`), so that [`DeclaredState::read`] needs no flag.
    pub fn from_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "toml" => Some(Format::Toml),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }

    /// The cargo feature that reads and writes it (`None` for JSON).
    pub fn feature(self) -> Option<&'static str> {
        match self {
            Format::Json => None,
            Format::Toml => Some("toml"),
            Format::Yaml => Some("yaml"),
        }
    }

    fn not_built(self) -> Error {
        Error::invalid_request(self.needs())
    }

    /// [`not_built`](Format::not_built), naming the file it refused.
    fn not_built_for(self, origin: &str) -> Error {
        Error::invalid_request(format!("{origin}: {}", self.needs()))
    }

    fn needs(self) -> String {
        format!(
            "{self} files need the cargo feature `{}` of jumpcloud-ext",
            self.feature().unwrap_or_default()
        )
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Json => "JSON",
            Format::Toml => "TOML",
            Format::Yaml => "YAML",
        })
    }
}

/// One thing wrong with a declared state: where (file and line, when the
/// name could be found in the text), which name, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Problem {
    /// The file (or the origin given to [`DeclaredState::parse`]).
    pub origin: String,
    /// The line (from 1) where the name is, when found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Where in the tree, dotted (`user_groups.Engineering.members`).
    pub at: String,
    /// The name at fault (a field, a member, a group).
    pub name: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: ", self.origin)?,
            None => write!(f, "{}: ", self.origin)?,
        }
        if self.at.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.at, self.message)
        }
    }
}

/// The problems as one error: kind `InvalidRequest`, detail
/// [`ErrorDetail::Declared`].
pub(crate) fn problems_error(problems: Vec<Problem>) -> Error {
    let detail = ErrorDetail::Declared(problems);
    Error::invalid_request(detail.to_string()).with_detail(detail)
}

/// One end named by a group's (or user's) list: the other object's name
/// and, optionally, the attributes the edge must carry (`sudo`, …; `None`
/// leaves them as they are).
#[derive(Clone, Debug, PartialEq)]
pub struct DeclaredRef {
    /// The other object's name (or its entry's key in this file).
    pub name: String,
    /// The edge's attributes, when the file sets them.
    pub attributes: Option<Attributes>,
}

impl DeclaredRef {
    /// An edge to `name`, its attributes left as they are.
    pub fn named(name: impl Into<String>) -> Self {
        DeclaredRef {
            name: name.into(),
            attributes: None,
        }
    }

    fn to_value(&self) -> Value {
        match &self.attributes {
            None => Value::String(self.name.clone()),
            Some(a) => {
                let mut m = Map::new();
                m.insert("name".into(), Value::String(self.name.clone()));
                m.extend(a.clone());
                Value::Object(m)
            }
        }
    }
}

/// One declared user or group: its fields, its edges, and optionally the id
/// of the live object it is (where names are shared).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeclaredObject {
    /// Pins the entry to the live object with this id, when there is one.
    pub id: Option<String>,
    /// The object's fields as the API names them; only these are compared
    /// and written.
    pub fields: Map<String, Value>,
    /// A group's direct members (users of a user group, systems of a
    /// system group); `None` leaves them alone.
    pub members: Option<Vec<DeclaredRef>>,
    /// Associations by the other end's kind; a kind absent is left alone.
    pub associations: BTreeMap<Kind, Vec<DeclaredRef>>,
}

/// Where a declared state came from, for the problems' file and line.
#[derive(Clone, Debug, Default)]
struct Source {
    origin: String,
    text: Option<Arc<str>>,
}

/// A declared organisation: users, user groups and system groups by name,
/// and the kinds managed exhaustively. Read it with
/// [`read`](DeclaredState::read) or [`parse`](DeclaredState::parse), make
/// it from a backup with [`from_state`](DeclaredState::from_state), plan it
/// with [`Org::plan`](super::Org::plan).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct DeclaredState {
    /// Kinds whose objects the file does not name are deleted (`user`,
    /// `user_group`, `system_group`).
    pub prune: BTreeSet<Kind>,
    /// Users by key (username unless the entry sets `username`).
    pub users: BTreeMap<String, DeclaredObject>,
    /// User groups by key (name unless the entry sets `name`).
    pub user_groups: BTreeMap<String, DeclaredObject>,
    /// System groups by key (name unless the entry sets `name`).
    pub system_groups: BTreeMap<String, DeclaredObject>,
    source: Source,
}

impl PartialEq for DeclaredState {
    /// The declarations; where they came from does not count.
    fn eq(&self, other: &Self) -> bool {
        self.prune == other.prune
            && self.users == other.users
            && self.user_groups == other.user_groups
            && self.system_groups == other.system_groups
    }
}

/// The kinds a declared state creates, updates and deletes, with their
/// section names.
pub(crate) const SECTIONS: [(&str, Kind); 3] = [
    ("users", Kind::User),
    ("user_groups", Kind::UserGroup),
    ("system_groups", Kind::SystemGroup),
];

/// The kinds an edge list may name: the declared ones, and those found by
/// name ([`crate::find`]).
pub(crate) const REFERENCED: [Kind; 8] = [
    Kind::User,
    Kind::UserGroup,
    Kind::System,
    Kind::SystemGroup,
    Kind::Application,
    Kind::Command,
    Kind::Policy,
    Kind::PolicyGroup,
];

/// A kind's list key: its API name in the plural (`systems`, `policies`).
pub(crate) fn plural(kind: &Kind) -> String {
    let s = kind.as_str();
    match s.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{s}s"),
    }
}

/// The kinds `kind` can be associated with, by list key, from the graph
/// table (writable links only), restricted to the kinds names resolve for.
pub(crate) fn association_keys(kind: &Kind) -> Vec<(String, Kind)> {
    links_from(kind, Relation::Associations)
        .filter(|l| l.write.is_some() && REFERENCED.contains(&l.target))
        .map(|l| (plural(&l.target), l.target.clone()))
        .collect()
}

/// The kind a group's members are (users of a user group, systems of a
/// system group), from the graph table.
pub(crate) fn member_kind(kind: &Kind) -> Option<Kind> {
    links_from(kind, Relation::Members)
        .filter(|l| l.write.is_some() && REFERENCED.contains(&l.target))
        .map(|l| l.target.clone())
        .next()
}

/// The field that names an object of a declared kind.
pub(crate) fn name_field(kind: &Kind) -> &'static str {
    if *kind == Kind::User {
        "username"
    } else {
        "name"
    }
}

/// A serde `Deserializer` that only records the field names a derived
/// `Deserialize` passes to `deserialize_struct`: the wire names of a
/// generated type, without a hand-kept list.
struct FieldNames(Option<&'static [&'static str]>);

impl<'de> de::Deserializer<'de> for &mut FieldNames {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> std::result::Result<V::Value, Self::Error> {
        Err(de::Error::custom("field names only"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> std::result::Result<V::Value, Self::Error> {
        self.0 = Some(fields);
        Err(de::Error::custom("field names only"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

fn fields_of<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut names = FieldNames(None);
    let _ = T::deserialize(&mut names);
    names.0.unwrap_or(&[])
}

/// The writable fields of a declared kind: its create body's fields.
pub(crate) fn writable_fields(kind: &Kind) -> &'static [&'static str] {
    static USER: OnceLock<&'static [&'static str]> = OnceLock::new();
    static USER_GROUP: OnceLock<&'static [&'static str]> = OnceLock::new();
    static SYSTEM_GROUP: OnceLock<&'static [&'static str]> = OnceLock::new();
    match kind {
        Kind::User => USER.get_or_init(fields_of::<jumpcloud_api::v1::types::Systemuserputpost>),
        Kind::UserGroup => {
            USER_GROUP.get_or_init(fields_of::<jumpcloud_api::v2::types::UserGroupPost>)
        }
        Kind::SystemGroup => {
            SYSTEM_GROUP.get_or_init(fields_of::<jumpcloud_api::v2::types::SystemGroupPost>)
        }
        _ => &[],
    }
}

/// Checks a field's value against the kind's create body, with the fields
/// the body requires filled in: `Err` has serde's reason.
fn check_type(kind: &Kind, field: &str, value: &Value) -> std::result::Result<(), String> {
    let mut body = Map::new();
    body.insert(name_field(kind).into(), Value::String("x".into()));
    if *kind == Kind::User {
        body.insert("email".into(), Value::String("x@example.com".into()));
    }
    body.insert(field.into(), value.clone());
    let body = Value::Object(body);
    let r = match kind {
        Kind::User => {
            serde_json::from_value::<jumpcloud_api::v1::types::Systemuserputpost>(body).map(drop)
        }
        Kind::UserGroup => {
            serde_json::from_value::<jumpcloud_api::v2::types::UserGroupPost>(body).map(drop)
        }
        Kind::SystemGroup => {
            serde_json::from_value::<jumpcloud_api::v2::types::SystemGroupPost>(body).map(drop)
        }
        _ => Ok(()),
    };
    r.map_err(|e| e.to_string())
}

/// Problems found while reading, before their lines are located.
#[derive(Default)]
pub(crate) struct Found {
    items: Vec<(Vec<String>, String, String)>,
}

impl Found {
    /// A problem at `path` (the last element is the name at fault).
    pub(crate) fn push(&mut self, path: Vec<String>, message: impl Into<String>) {
        let name = path.last().cloned().unwrap_or_default();
        self.items.push((path, name, message.into()));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The problems with their lines, located in `state`'s text.
    pub(crate) fn located(self, state: &DeclaredState) -> Vec<Problem> {
        self.items
            .into_iter()
            .map(|(path, name, message)| Problem {
                origin: state.source.origin.clone(),
                line: state.source.text.as_deref().and_then(|t| line_of(t, &path)),
                at: path[..path.len().saturating_sub(1)].join("."),
                name,
                message,
            })
            .collect()
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '-' | '@')
}

/// Where `token` next appears in `text` from `from`, as a whole word or
/// quoted (quoted first: a value is quoted in every format, a key often).
fn find_token(text: &str, token: &str, from: usize) -> Option<usize> {
    if token.is_empty() {
        return None;
    }
    let rest = text.get(from..)?;
    let quoted = [format!("\"{token}\""), format!("'{token}'")]
        .iter()
        .filter_map(|q| rest.find(q.as_str()))
        .min();
    let mut bare = None;
    let mut start = 0;
    while let Some(i) = rest.get(start..).and_then(|r| r.find(token)) {
        let at = start + i;
        let before = rest[..at].chars().next_back();
        let after = rest[at + token.len()..].chars().next();
        if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
            bare = Some(at);
            break;
        }
        start = at + token.len().max(1);
    }
    let best = match (quoted, bare) {
        (Some(q), Some(b)) => q.min(b),
        (q, b) => q.or(b)?,
    };
    Some(from + best)
}

/// The line (from 1) of the name a path ends with: each element of the path
/// is looked for after the one before it, so that `members` finds the
/// members of the right group; failing that, the name's first appearance.
pub(crate) fn line_of(text: &str, path: &[String]) -> Option<usize> {
    let line = |pos: usize| text[..pos].matches('\n').count() + 1;
    let mut pos = 0;
    let mut found = true;
    for part in path {
        match find_token(text, part, pos) {
            Some(p) => pos = p + part.len(),
            None => {
                found = false;
                break;
            }
        }
    }
    if found && !path.is_empty() {
        let last = path.last()?;
        return Some(line(pos - last.len()));
    }
    find_token(text, path.last()?, 0).map(line)
}

fn line_at_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl DeclaredState {
    /// Reads a declared state from a file, the format chosen by its
    /// extension (`.toml`, `.yaml`/`.yml`, `.json`). A format whose feature
    /// is off, a syntax error, and every problem of
    /// [`parse`](DeclaredState::parse) are errors that name the file.
    pub fn read(path: impl AsRef<Path>) -> Result<DeclaredState> {
        let path = path.as_ref();
        let origin = path.display().to_string();
        let format = Format::from_path(path).ok_or_else(|| {
            Error::invalid_request(format!(
                "{origin}: a declared state is a .toml, .yaml, .yml or .json file"
            ))
        })?;
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::invalid_request(format!("{origin}: cannot read the declared state: {e}"))
        })?;
        Self::parse(&text, format, &origin)
    }

    /// Reads a declared state from text in `format`; `origin` names it in
    /// problems (a file name, say). Checks everything that needs no
    /// request: unknown keys and fields, secrets, values of the wrong type,
    /// edges the API does not have, names declared twice, and two ends that
    /// contradict each other. All problems come at once, in one error
    /// whose [`detail`](Error::detail) is [`ErrorDetail::Declared`].
    pub fn parse(text: &str, format: Format, origin: &str) -> Result<DeclaredState> {
        let tree = to_tree(text, format, origin)?;
        let mut state = DeclaredState {
            source: Source {
                origin: origin.to_owned(),
                text: Some(Arc::from(text)),
            },
            ..DeclaredState::default()
        };
        let mut found = Found::default();
        state.read_tree(tree, &mut found);
        state.check(&mut found);
        if found.is_empty() {
            Ok(state)
        } else {
            let problems = found.located(&state);
            Err(problems_error(problems))
        }
    }

    /// The file (or origin) the state was read from.
    pub fn origin(&self) -> &str {
        &self.source.origin
    }

    /// The entries of a declared kind.
    pub fn section(&self, kind: &Kind) -> Option<&BTreeMap<String, DeclaredObject>> {
        match kind {
            Kind::User => Some(&self.users),
            Kind::UserGroup => Some(&self.user_groups),
            Kind::SystemGroup => Some(&self.system_groups),
            _ => None,
        }
    }

    fn section_mut(&mut self, kind: &Kind) -> Option<&mut BTreeMap<String, DeclaredObject>> {
        match kind {
            Kind::User => Some(&mut self.users),
            Kind::UserGroup => Some(&mut self.user_groups),
            Kind::SystemGroup => Some(&mut self.system_groups),
            _ => None,
        }
    }

    /// Sets where the state came from (for problems found by the plan).
    pub(crate) fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.source.origin = origin.into();
        self
    }

    /// The name an entry declares (its `username`/`name` field, else its
    /// key).
    pub(crate) fn name_of<'e>(kind: &Kind, key: &'e str, entry: &'e DeclaredObject) -> &'e str {
        entry
            .fields
            .get(name_field(kind))
            .and_then(Value::as_str)
            .unwrap_or(key)
    }

    fn read_tree(&mut self, tree: Value, found: &mut Found) {
        let Value::Object(root) = tree else {
            found.push(
                vec![String::new()],
                "the file must hold a table (an object)",
            );
            return;
        };
        for (key, value) in root {
            if key == "prune" {
                self.read_prune(value, found);
                continue;
            }
            let Some((_, kind)) = SECTIONS.iter().find(|(s, _)| *s == key) else {
                found.push(
                    vec![key.clone()],
                    format!(
                        "unknown key {key:?} (expected prune, users, user_groups or system_groups)"
                    ),
                );
                continue;
            };
            let Value::Object(entries) = value else {
                found.push(
                    vec![key.clone()],
                    format!("{key} must be a table of entries"),
                );
                continue;
            };
            for (label, entry) in entries {
                let path = vec![key.clone(), label.clone()];
                if label.is_empty() {
                    found.push(path, "an entry's key cannot be empty");
                    continue;
                }
                if let Some(object) = read_object(kind, entry, &path, found)
                    && let Some(section) = self.section_mut(kind)
                {
                    section.insert(label, object);
                }
            }
        }
    }

    fn read_prune(&mut self, value: Value, found: &mut Found) {
        let Value::Array(items) = value else {
            found.push(
                vec!["prune".into()],
                "prune must be a list of kinds (user, user_group, system_group)",
            );
            return;
        };
        for item in items {
            let kind = item.as_str().map(Kind::from_name);
            match kind {
                Some(k) if SECTIONS.iter().any(|(_, s)| *s == k) => {
                    self.prune.insert(k);
                }
                _ => found.push(
                    vec!["prune".into(), item.as_str().unwrap_or_default().to_owned()],
                    format!("cannot prune {item}: only user, user_group and system_group"),
                ),
            }
        }
    }

    /// The checks across entries: names declared twice, and the two ends of
    /// an association saying different things.
    fn check(&self, found: &mut Found) {
        for (section, kind) in &SECTIONS {
            let Some(entries) = self.section(kind) else {
                continue;
            };
            let mut seen: BTreeMap<(String, Option<&str>), &str> = BTreeMap::new();
            for (key, entry) in entries {
                let name = Self::name_of(kind, key, entry);
                let norm = if *kind == Kind::User {
                    name.to_lowercase()
                } else {
                    name.to_owned()
                };
                if let Some(first) = seen.insert((norm, entry.id.as_deref()), key) {
                    found.push(
                        vec![section.to_string(), key.clone()],
                        format!(
                            "{kind} {name:?} is declared twice (also as {first:?}); give each an id"
                        ),
                    );
                }
            }
        }
        // A lists B under B's kind, and B lists A's kind without A.
        for (section, kind) in &SECTIONS {
            let Some(entries) = self.section(kind) else {
                continue;
            };
            for (key, entry) in entries {
                for (other_kind, refs) in &entry.associations {
                    for r in refs {
                        let Some((_, other)) = self.entry(other_kind, &r.name) else {
                            continue;
                        };
                        let Some(back) = other.associations.get(kind) else {
                            continue;
                        };
                        let name = Self::name_of(kind, key, entry);
                        if !back.iter().any(|b| b.name == *key || b.name == name) {
                            found.push(
                                vec![
                                    section.to_string(),
                                    key.clone(),
                                    plural(other_kind),
                                    r.name.clone(),
                                ],
                                format!(
                                    "{kind} {key:?} lists {other_kind} {:?}, but that entry's {} leaves {key:?} out",
                                    r.name,
                                    plural(kind)
                                ),
                            );
                        }
                    }
                }
            }
        }
    }

    /// The entry of a declared kind that `name` names: by key first, then by
    /// its declared name.
    pub(crate) fn entry(&self, kind: &Kind, name: &str) -> Option<(&String, &DeclaredObject)> {
        let section = self.section(kind)?;
        section.get_key_value(name).or_else(|| {
            section
                .iter()
                .find(|(k, e)| Self::name_of(kind, k, e) == name)
        })
    }

    /// Problems found by the plan, located in this state's text.
    pub(crate) fn problems(&self, found: Found) -> Error {
        problems_error(found.located(self))
    }

    /// The state as one tree, as the file would hold it.
    pub fn to_value(&self) -> Value {
        let mut root = Map::new();
        if !self.prune.is_empty() {
            root.insert(
                "prune".into(),
                Value::Array(
                    self.prune
                        .iter()
                        .map(|k| Value::String(k.as_str().to_owned()))
                        .collect(),
                ),
            );
        }
        for (section, kind) in &SECTIONS {
            let Some(entries) = self.section(kind) else {
                continue;
            };
            if entries.is_empty() {
                continue;
            }
            let mut out = Map::new();
            for (key, entry) in entries {
                let mut e = entry.fields.clone();
                if let Some(id) = &entry.id {
                    e.insert("id".into(), Value::String(id.clone()));
                }
                if let Some(members) = &entry.members {
                    e.insert(
                        "members".into(),
                        Value::Array(members.iter().map(DeclaredRef::to_value).collect()),
                    );
                }
                for (k, refs) in &entry.associations {
                    e.insert(
                        plural(k),
                        Value::Array(refs.iter().map(DeclaredRef::to_value).collect()),
                    );
                }
                out.insert(key.clone(), Value::Object(e));
            }
            root.insert((*section).into(), Value::Object(out));
        }
        Value::Object(root)
    }

    /// The state as the text of a file in `format` (a `.toml` or `.yaml`
    /// needs its feature), ending with a newline; reading it back gives the
    /// same state.
    pub fn to_string_as(&self, format: Format) -> Result<String> {
        let tree = self.to_value();
        let mut text = match format {
            Format::Json => serde_json::to_string_pretty(&tree)
                .map_err(|e| Error::invalid_request(format!("cannot write JSON: {e}")))?,
            #[cfg(feature = "toml")]
            Format::Toml => toml::to_string(&tree)
                .map_err(|e| Error::invalid_request(format!("cannot write TOML: {e}")))?,
            #[cfg(feature = "yaml")]
            Format::Yaml => serde_norway::to_string(&tree)
                .map_err(|e| Error::invalid_request(format!("cannot write YAML: {e}")))?,
            #[allow(unreachable_patterns)]
            other => return Err(other.not_built()),
        };
        if !text.ends_with('\n') {
            text.push('\n');
        }
        Ok(text)
    }

    /// Writes the state to a file, the format chosen by its extension.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let format = Format::from_path(path).ok_or_else(|| {
            Error::invalid_request(format!(
                "{}: a declared state is a .toml, .yaml, .yml or .json file",
                path.display()
            ))
        })?;
        let text = self.to_string_as(format)?;
        std::fs::write(path, text)
            .map_err(|e| Error::invalid_request(format!("{}: cannot write: {e}", path.display())))
    }
}

impl DeclaredState {
    /// The declared state of a backup (or of the live organisation read as
    /// an [`OrgState`]), so that restoring is planning and applying it:
    /// its users, user groups and system groups with their writable fields
    /// (secrets and read-only fields left out), every group's members, and
    /// the associations of each of them with the kinds the state holds,
    /// as exhaustive lists (empty ones included). No kind is pruned. Names
    /// shared by two objects of a kind get keys with the id (`name#id`) and
    /// an `id` pin. Edges to kinds a declared state cannot name (RADIUS and
    /// LDAP servers, directories) are left out.
    pub fn from_state(state: &OrgState) -> DeclaredState {
        let mut out = DeclaredState::default().with_origin("backup");
        // Each object's key: its name, or name#id where the name is shared.
        let mut count: BTreeMap<(Kind, String), usize> = BTreeMap::new();
        let norm = |kind: &Kind, name: &str| {
            if *kind == Kind::User {
                name.to_lowercase()
            } else {
                name.to_owned()
            }
        };
        for o in &state.objects {
            if let Some(name) = &o.name {
                *count
                    .entry((o.kind.clone(), norm(&o.kind, name)))
                    .or_default() += 1;
            }
        }
        let mut keys: BTreeMap<(Kind, String), String> = BTreeMap::new();
        for o in &state.objects {
            let Some(name) = &o.name else { continue };
            let shared = count
                .get(&(o.kind.clone(), norm(&o.kind, name)))
                .is_some_and(|n| *n > 1);
            let key = if shared {
                format!("{name}#{}", o.id)
            } else {
                name.clone()
            };
            keys.insert((o.kind.clone(), o.id.clone()), key);
        }
        let held: BTreeSet<Kind> = match &state.manifest {
            Some(m) => m.kinds.iter().map(|k| k.kind.clone()).collect(),
            None => state.objects.iter().map(|o| o.kind.clone()).collect(),
        };
        for o in &state.objects {
            let Some(section) = out.section_mut(&o.kind) else {
                continue;
            };
            let (Some(name), Some(key)) = (&o.name, keys.get(&(o.kind.clone(), o.id.clone())))
            else {
                continue;
            };
            let writable = writable_fields(&o.kind);
            let mut entry = DeclaredObject::default();
            for (field, value) in &o.attributes {
                if value.is_null()
                    || !writable.contains(&field.as_str())
                    || left_out_with(&o.kind, field, value)
                    || check_type(&o.kind, field, value).is_err()
                {
                    continue;
                }
                entry.fields.insert(field.clone(), value.clone());
            }
            if key == name {
                entry.fields.remove(name_field(&o.kind));
            } else {
                entry
                    .fields
                    .insert(name_field(&o.kind).into(), Value::String(name.clone()));
                entry.id = Some(o.id.clone());
            }
            if member_kind(&o.kind).is_some() {
                entry.members = Some(Vec::new());
            }
            for (_, target) in association_keys(&o.kind) {
                if held.contains(&target) {
                    entry.associations.insert(target, Vec::new());
                }
            }
            section.insert(key.clone(), entry);
        }
        // The name an edge's end goes by: its entry's key, or its name.
        let names: BTreeMap<(Kind, String), String> = state
            .objects
            .iter()
            .filter_map(|o| Some(((o.kind.clone(), o.id.clone()), o.name.clone()?)))
            .collect();
        let label = |n: &crate::graph::NodeRef| {
            let at = (n.kind.clone(), n.id.clone());
            keys.get(&at)
                .or_else(|| names.get(&at))
                .cloned()
                .or_else(|| n.name.clone())
        };
        for link in &state.links {
            let r = |n: &crate::graph::NodeRef| {
                label(n).map(|name| DeclaredRef {
                    name,
                    attributes: (!link.attributes.is_empty()).then(|| link.attributes.clone()),
                })
            };
            let ends = [(&link.from, &link.to), (&link.to, &link.from)];
            for (i, (at, other)) in ends.into_iter().enumerate() {
                let Some(key) = keys.get(&(at.kind.clone(), at.id.clone())).cloned() else {
                    continue;
                };
                let Some(reference) = r(other) else { continue };
                let Some(entry) = out.section_mut(&at.kind).and_then(|s| s.get_mut(&key)) else {
                    continue;
                };
                if link.relation == Relation::Members {
                    if i == 0 && member_kind(&at.kind).as_ref() == Some(&other.kind) {
                        entry.members.get_or_insert_with(Vec::new).push(reference);
                    }
                } else if association_keys(&at.kind)
                    .iter()
                    .any(|(_, k)| *k == other.kind)
                {
                    let list = entry.associations.entry(other.kind.clone()).or_default();
                    if !list.iter().any(|x| x.name == reference.name) {
                        list.push(reference);
                    }
                }
            }
        }
        for (_, kind) in &SECTIONS {
            if let Some(section) = out.section_mut(kind) {
                for entry in section.values_mut() {
                    if let Some(m) = &mut entry.members {
                        m.sort_by(|a, b| a.name.cmp(&b.name));
                        m.dedup_by(|a, b| a.name == b.name);
                    }
                    for list in entry.associations.values_mut() {
                        list.sort_by(|a, b| a.name.cmp(&b.name));
                    }
                }
            }
        }
        out
    }
}

/// The text as a JSON tree, whatever its format; a syntax error names the
/// origin and the line.
fn to_tree(text: &str, format: Format, origin: &str) -> Result<Value> {
    let syntax = |line: Option<usize>, e: &dyn fmt::Display| {
        let at = line.map(|l| format!(":{l}")).unwrap_or_default();
        Error::invalid_request(format!("{origin}{at}: not valid {format}: {e}"))
    };
    match format {
        Format::Json => serde_json::from_str(text).map_err(|e| syntax(Some(e.line()), &e)),
        #[cfg(feature = "toml")]
        Format::Toml => toml::from_str::<Value>(text).map_err(|e| {
            let line = e.span().map(|s| line_at_offset(text, s.start));
            syntax(line, &e.message())
        }),
        #[cfg(feature = "yaml")]
        Format::Yaml => serde_norway::from_str::<Value>(text).map_err(|e| {
            let line = e.location().map(|l| l.line());
            syntax(line, &e)
        }),
        #[allow(unreachable_patterns)]
        other => {
            let _ = line_at_offset;
            Err(other.not_built_for(origin))
        }
    }
}

/// One entry of a section, with its problems.
fn read_object(
    kind: &Kind,
    entry: Value,
    path: &[String],
    found: &mut Found,
) -> Option<DeclaredObject> {
    let Value::Object(map) = entry else {
        found.push(path.to_vec(), format!("a {kind} entry must be a table"));
        return None;
    };
    let at = |key: &str| {
        let mut p = path.to_vec();
        p.push(key.to_owned());
        p
    };
    let associations = association_keys(kind);
    let members = member_kind(kind);
    let fields = writable_fields(kind);
    let mut object = DeclaredObject::default();
    for (key, value) in map {
        if key == "id" {
            match value {
                Value::String(id) if !id.is_empty() => object.id = Some(id),
                _ => found.push(at(&key), "id must be a non-empty string"),
            }
        } else if key == "members" && members.is_some() {
            object.members = Some(read_refs(value, &at(&key), found));
        } else if let Some((_, target)) = associations.iter().find(|(k, _)| *k == key) {
            let refs = read_refs(value, &at(&key), found);
            object.associations.insert(target.clone(), refs);
        } else if left_out_with(kind, &key, &value) {
            found.push(
                at(&key),
                format!(
                    "{key} is a secret (or changes by itself): a declared state does not set it"
                ),
            );
        } else if fields.contains(&key.as_str()) {
            match check_type(kind, &key, &value) {
                Ok(()) => {
                    object.fields.insert(key, value);
                }
                Err(e) => found.push(at(&key), format!("{key}: {e}")),
            }
        } else {
            let mut lists: Vec<String> = associations.iter().map(|(k, _)| k.clone()).collect();
            if members.is_some() {
                lists.insert(0, "members".into());
            }
            found.push(
                at(&key),
                format!(
                    "a {kind} has no field {key:?} (fields: those of the API's create body; lists: {})",
                    lists.join(", ")
                ),
            );
        }
    }
    Some(object)
}

/// A list of names: each a string, or a table with `name` and the edge's
/// attributes.
fn read_refs(value: Value, path: &[String], found: &mut Found) -> Vec<DeclaredRef> {
    let Value::Array(items) = value else {
        found.push(path.to_vec(), "must be a list of names");
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for item in items {
        let r = match item {
            Value::String(name) if !name.is_empty() => DeclaredRef::named(name),
            Value::Object(mut m) => match m.remove("name") {
                Some(Value::String(name)) if !name.is_empty() => DeclaredRef {
                    name,
                    attributes: Some(m),
                },
                _ => {
                    found.push(path.to_vec(), "an entry with attributes needs a name");
                    continue;
                }
            },
            other => {
                found.push(path.to_vec(), format!("{other} is not a name"));
                continue;
            }
        };
        if !seen.insert(r.name.clone()) {
            let mut p = path.to_vec();
            p.push(r.name.clone());
            found.push(p, format!("{:?} is listed twice", r.name));
            continue;
        }
        out.push(r);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(e: &Error) -> Vec<Problem> {
        match e.detail() {
            Some(ErrorDetail::Declared(p)) => p.clone(),
            _ => panic!("not a declared-state error: {e}"),
        }
    }

    const JSON: &str = r#"{
  "prune": ["user_group"],
  "users": {
    "jdoe": {"email": "jdoe@example.com", "firstname": "Jane"}
  },
  "user_groups": {
    "Engineering": {
      "description": "Ships code",
      "members": ["jdoe"],
      "systems": ["web-1", {"name": "db-1", "sudo": {"enabled": true, "withoutPassword": false}}],
      "system_groups": ["Linux Servers"]
    }
  },
  "system_groups": {
    "Linux Servers": {"members": ["web-1"], "user_groups": ["Engineering"], "policies": []}
  }
}"#;

    #[test]
    fn the_fields_come_from_the_generated_types() {
        let user = writable_fields(&Kind::User);
        for f in ["email", "firstname", "jobTitle", "password", "username"] {
            assert!(user.contains(&f), "{f} in {user:?}");
        }
        assert!(writable_fields(&Kind::UserGroup).contains(&"description"));
        assert!(writable_fields(&Kind::SystemGroup).contains(&"name"));
    }

    #[test]
    fn lists_come_from_the_graph_table() {
        let keys: Vec<String> = association_keys(&Kind::UserGroup)
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        for k in ["systems", "system_groups", "applications"] {
            assert!(keys.iter().any(|x| x == k), "{k} in {keys:?}");
        }
        assert_eq!(member_kind(&Kind::UserGroup), Some(Kind::User));
        assert_eq!(member_kind(&Kind::SystemGroup), Some(Kind::System));
        assert_eq!(plural(&Kind::Policy), "policies");
    }

    #[test]
    fn json_reads_into_the_tree() {
        let s = DeclaredState::parse(JSON, Format::Json, "org.json").unwrap();
        assert_eq!(s.prune, BTreeSet::from([Kind::UserGroup]));
        assert_eq!(s.users["jdoe"].fields["firstname"], "Jane");
        let eng = &s.user_groups["Engineering"];
        assert_eq!(eng.members.as_ref().unwrap()[0].name, "jdoe");
        let systems = &eng.associations[&Kind::System];
        assert_eq!(systems[0], DeclaredRef::named("web-1"));
        assert_eq!(
            systems[1].attributes.as_ref().unwrap()["sudo"]["enabled"],
            true
        );
        let linux = &s.system_groups["Linux Servers"];
        assert_eq!(linux.associations[&Kind::Policy], Vec::new());
        assert_eq!(s.origin(), "org.json");
        // Written out and read back: the same state.
        let text = s.to_string_as(Format::Json).unwrap();
        assert_eq!(
            DeclaredState::parse(&text, Format::Json, "again").unwrap(),
            s
        );
    }

    #[cfg(feature = "toml")]
    #[test]
    fn toml_reads_the_same_tree() {
        let text = r#"
prune = ["user_group"]

[users.jdoe]
email = "jdoe@example.com"
firstname = "Jane"

[user_groups.Engineering]
description = "Ships code"
members = ["jdoe"]
systems = ["web-1", { name = "db-1", sudo = { enabled = true, withoutPassword = false } }]
system_groups = ["Linux Servers"]

[system_groups."Linux Servers"]
members = ["web-1"]
user_groups = ["Engineering"]
policies = []
"#;
        let toml = DeclaredState::parse(text, Format::Toml, "org.toml").unwrap();
        let json = DeclaredState::parse(JSON, Format::Json, "org.json").unwrap();
        assert_eq!(toml, json);
        let out = toml.to_string_as(Format::Toml).unwrap();
        assert_eq!(
            DeclaredState::parse(&out, Format::Toml, "again").unwrap(),
            toml
        );
        let e = DeclaredState::parse(
            "[users.jdoe]\nemail = \"a@b\"\nfoo = 1\n",
            Format::Toml,
            "t.toml",
        )
        .unwrap_err();
        let p = problems(&e);
        assert_eq!((p[0].line, p[0].name.as_str()), (Some(3), "foo"));
        let e = DeclaredState::parse("[users\n", Format::Toml, "t.toml").unwrap_err();
        assert!(e.to_string().contains("t.toml:1: not valid TOML"), "{e}");
    }

    #[cfg(feature = "yaml")]
    #[test]
    fn yaml_reads_the_same_tree() {
        let text = r#"
prune: [user_group]
users:
  jdoe:
    email: jdoe@example.com
    firstname: Jane
user_groups:
  Engineering:
    description: Ships code
    members: [jdoe]
    systems:
      - web-1
      - name: db-1
        sudo: {enabled: true, withoutPassword: false}
    system_groups: [Linux Servers]
system_groups:
  Linux Servers:
    members: [web-1]
    user_groups: [Engineering]
    policies: []
"#;
        let yaml = DeclaredState::parse(text, Format::Yaml, "org.yaml").unwrap();
        let json = DeclaredState::parse(JSON, Format::Json, "org.json").unwrap();
        assert_eq!(yaml, json);
        let out = yaml.to_string_as(Format::Yaml).unwrap();
        assert_eq!(
            DeclaredState::parse(&out, Format::Yaml, "again").unwrap(),
            yaml
        );
        let e = DeclaredState::parse(
            "users:\n  jdoe:\n    email: a@b\n    password: hunter2\n",
            Format::Yaml,
            "o.yml",
        )
        .unwrap_err();
        let p = problems(&e);
        assert_eq!((p[0].line, p[0].name.as_str()), (Some(4), "password"));
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn what_a_backup_leaves_out_is_refused_by_the_same_rule() {
        let text = r#"{"users": {"jdoe": {
  "email": "jdoe@example.com",
  "ssh_private_key": "-----BEGIN",
  "created": "2024-01-01T00:00:00Z",
  "password_never_expires": true
}}}"#;
        let e = DeclaredState::parse(text, Format::Json, "o.json").unwrap_err();
        let got: Vec<(Option<usize>, String, String)> = problems(&e)
            .into_iter()
            .map(|p| (p.line, p.name, p.message))
            .collect();
        for (line, name) in [(Some(3), "ssh_private_key"), (Some(4), "created")] {
            assert!(
                got.iter()
                    .any(|(l, n, m)| *l == line && n == name && m.contains("is a secret")),
                "{name}: {got:?}"
            );
            assert!(super::super::scrub::left_out_with(
                &Kind::User,
                name,
                &Value::Null
            ));
        }
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(!e.to_string().contains("BEGIN"), "{e}");
    }

    #[cfg(not(feature = "toml"))]
    #[test]
    fn toml_without_its_feature_names_it() {
        let e = DeclaredState::parse("", Format::Toml, "o.toml").unwrap_err();
        assert!(e.to_string().contains("`toml`"), "{e}");
    }

    #[cfg(not(feature = "yaml"))]
    #[test]
    fn yaml_without_its_feature_names_it() {
        let e = DeclaredState::parse("", Format::Yaml, "o.yaml").unwrap_err();
        assert!(e.to_string().contains("`yaml`"), "{e}");
    }

    #[test]
    fn every_problem_at_once_with_its_line() {
        let text = r#"{
  "prune": ["system"],
  "colour": "blue",
  "users": {
    "jdoe": {
      "email": "jdoe@example.com",
      "password": "hunter2",
      "shoe_size": 42,
      "suspended": "yes",
      "password_never_expires": true
    }
  },
  "user_groups": {
    "Eng": {"members": ["jdoe", "jdoe"], "policies": ["P"], "system_groups": ["Linux"]}
  },
  "system_groups": {
    "Linux": {"user_groups": []}
  }
}"#;
        let e = DeclaredState::parse(text, Format::Json, "bad.json").unwrap_err();
        assert!(e.is_invalid_request());
        let got: Vec<(Option<usize>, String)> =
            problems(&e).into_iter().map(|p| (p.line, p.name)).collect();
        let want = [
            (Some(2), "system"),
            (Some(3), "colour"),
            (Some(7), "password"),
            (Some(8), "shoe_size"),
            (Some(9), "suspended"),
            (Some(14), "jdoe"),
            (Some(14), "policies"),
            (Some(14), "Linux"),
        ];
        for (line, name) in want {
            assert!(
                got.iter().any(|(l, n)| *l == line && n == name),
                "{name} at {line:?} in {got:?}"
            );
        }
        assert_eq!(got.len(), want.len(), "{got:?}");
        let text = e.to_string();
        assert!(
            text.contains("bad.json:8: users.jdoe: a user has no field \"shoe_size\""),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
    }

    #[test]
    fn names_declared_twice_are_refused() {
        let text = r#"{"users": {"a": {"username": "Same"}, "b": {"username": "same"}}}"#;
        let e = DeclaredState::parse(text, Format::Json, "o.json").unwrap_err();
        assert!(e.to_string().contains("declared twice"), "{e}");
        let ok =
            r#"{"user_groups": {"C1": {"name": "C", "id": "1"}, "C2": {"name": "C", "id": "2"}}}"#;
        assert!(DeclaredState::parse(ok, Format::Json, "o.json").is_ok());
    }

    #[test]
    fn read_picks_the_format_by_extension() {
        let dir = std::env::temp_dir().join(format!("jc-declared-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("org.json");
        std::fs::write(&path, JSON).unwrap();
        let s = DeclaredState::read(&path).unwrap();
        assert_eq!(s.origin(), path.display().to_string());
        let e = DeclaredState::read(dir.join("org.txt")).unwrap_err();
        assert!(e.to_string().contains(".toml, .yaml"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lines_follow_the_path() {
        let text = "a:\n  members: [x]\nb:\n  members: [x]\n";
        let path = |g: &str| vec![g.to_owned(), "members".to_owned(), "x".to_owned()];
        assert_eq!(line_of(text, &path("a")), Some(2));
        assert_eq!(line_of(text, &path("b")), Some(4));
        // A name inside a longer word is not it.
        assert_eq!(line_of("jdoe@x\n\"jdoe\"", &["jdoe".to_owned()]), Some(2));
    }

    fn object(kind: Kind, id: &str, name: &str, attributes: Value) -> super::super::OrgObject {
        super::super::OrgObject {
            kind,
            id: id.into(),
            name: Some(name.into()),
            attributes: attributes.as_object().cloned().unwrap_or_default(),
        }
    }

    fn link(
        relation: Relation,
        from: (Kind, &str),
        to: (Kind, &str),
        attributes: Value,
    ) -> super::super::OrgLink {
        super::super::OrgLink {
            relation,
            from: crate::graph::NodeRef::new(from.0, from.1),
            to: crate::graph::NodeRef::new(to.0, to.1),
            attributes: attributes.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn a_backup_becomes_a_declared_state() {
        use serde_json::json;
        let objects = vec![
            object(
                Kind::User,
                "u1",
                "jdoe",
                json!({"_id": "u1", "username": "jdoe", "email": "jdoe@example.com",
                       "firstname": "Jane", "created": "2024-01-01T00:00:00Z",
                       "password": "x", "password_never_expires": true, "totp_enabled": false}),
            ),
            object(
                Kind::UserGroup,
                "g1",
                "Eng",
                json!({"id": "g1", "name": "Eng", "description": "d"}),
            ),
            object(Kind::UserGroup, "g2", "Dup", json!({"name": "Dup"})),
            object(Kind::UserGroup, "g3", "Dup", json!({"name": "Dup"})),
            object(Kind::SystemGroup, "sg1", "Linux", json!({"name": "Linux"})),
            object(Kind::System, "s1", "web-1", json!({"hostname": "web-1"})),
            object(Kind::Application, "a1", "Slack", json!({})),
        ];
        let sudo = json!({"sudo": {"enabled": true, "withoutPassword": false}});
        let links = vec![
            link(
                Relation::Members,
                (Kind::UserGroup, "g1"),
                (Kind::User, "u1"),
                json!({}),
            ),
            link(
                Relation::Members,
                (Kind::SystemGroup, "sg1"),
                (Kind::System, "s1"),
                json!({}),
            ),
            link(
                Relation::Associations,
                (Kind::UserGroup, "g1"),
                (Kind::SystemGroup, "sg1"),
                sudo.clone(),
            ),
            link(
                Relation::Associations,
                (Kind::Application, "a1"),
                (Kind::UserGroup, "g1"),
                json!({}),
            ),
            link(
                Relation::Associations,
                (Kind::User, "u1"),
                (Kind::System, "s1"),
                json!({}),
            ),
        ];
        let state = OrgState {
            manifest: None,
            objects,
            links,
        };
        let d = DeclaredState::from_state(&state);
        assert!(d.prune.is_empty());
        let jdoe = &d.users["jdoe"];
        let fields: Vec<&str> = jdoe.fields.keys().map(String::as_str).collect();
        assert_eq!(fields, ["email", "firstname", "password_never_expires"]);
        assert_eq!(
            jdoe.associations[&Kind::System],
            [DeclaredRef::named("web-1")]
        );
        let eng = &d.user_groups["Eng"];
        assert_eq!(eng.fields["description"], "d");
        assert_eq!(
            eng.members.as_deref(),
            Some(&[DeclaredRef::named("jdoe")][..])
        );
        assert_eq!(
            eng.associations[&Kind::Application],
            [DeclaredRef::named("Slack")]
        );
        let linux = DeclaredRef {
            name: "Linux".into(),
            attributes: sudo.as_object().cloned(),
        };
        assert_eq!(eng.associations[&Kind::SystemGroup], [linux]);
        // Both ends of an association between declared objects say it.
        assert_eq!(
            d.system_groups["Linux"].associations[&Kind::UserGroup][0].name,
            "Eng"
        );
        // A shared name: keys with the id, and an id pin.
        let dup = &d.user_groups["Dup#g2"];
        assert_eq!(
            (dup.id.as_deref(), &dup.fields["name"]),
            (Some("g2"), &json!("Dup"))
        );
        assert_eq!(dup.members.as_deref(), Some(&[][..]));
        // Written out and read back (every check passing): the same state.
        let text = d.to_string_as(Format::Json).unwrap();
        let back = DeclaredState::parse(&text, Format::Json, "backup.json").unwrap();
        assert_eq!(back, d);
    }

    #[test]
    fn malformed_lists_and_entries_are_problems() {
        let text = r#"{
  "users": {"a": "not a table"},
  "user_groups": {
    "G": {"id": 7, "members": "jdoe", "systems": [{"sudo": {}}, 3]}
  },
  "system_groups": []
}"#;
        let e = DeclaredState::parse(text, Format::Json, "m.json").unwrap_err();
        let p = problems(&e);
        let messages: Vec<String> = p.iter().map(ToString::to_string).collect();
        let want = [
            "m.json:2: users: a user entry must be a table",
            "m.json:4: user_groups.G: id must be a non-empty string",
            "m.json:4: user_groups.G: must be a list of names",
            "m.json:4: user_groups.G: an entry with attributes needs a name",
            "m.json:4: user_groups.G: 3 is not a name",
            "m.json:6: system_groups must be a table of entries",
        ];
        for w in want {
            assert!(messages.iter().any(|m| m == w), "{w} in {messages:#?}");
        }
        assert_eq!(p.len(), want.len(), "{messages:#?}");
        let e = DeclaredState::parse("{\n  \"users\": {,}\n}", Format::Json, "s.json").unwrap_err();
        assert!(e.to_string().contains("s.json:2: not valid JSON"), "{e}");
        let e = DeclaredState::parse("[1]", Format::Json, "r.json").unwrap_err();
        assert!(e.to_string().contains("must hold a table"), "{e}");
    }
}
