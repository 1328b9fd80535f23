//! The fake's shared state: organisations and their directory objects.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::auth::AuthState;
use super::error::FakeError;
use super::faults::Faults;
use super::graph::{Graph, GraphKind, GraphNode};
use super::ids::{IdGen, is_object_id};
use super::log::RequestLog;
use super::objects;

/// The kinds of object an organisation holds, for seeding and inspecting through the handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Collection {
    /// v1 `systemusers` (id key `_id`).
    Users,
    /// v1 `systems` (id key `_id`).
    Systems,
    /// v2 `usergroups` (id key `id`).
    UserGroups,
    /// v2 `systemgroups` (id key `id`).
    SystemGroups,
    /// Directory Insights events (id key `id`).
    Events,
    /// v1 `applications` (SSO applications, id key `_id`).
    Applications,
    /// v1 `commands` (id key `_id`).
    Commands,
    /// v1 `commandresults` (id key `_id`).
    CommandResults,
    /// v1 `radiusservers` (id key `_id`).
    RadiusServers,
    /// v2 `ldapservers` (id key `id`).
    LdapServers,
    /// v2 `policies` (id key `id`).
    Policies,
    /// v2 `policygroups` (id key `id`).
    PolicyGroups,
    /// v2 `gsuites` (Google Workspace directories, id key `id`).
    GSuites,
    /// v2 `office365s` (Microsoft 365 directories, id key `id`).
    Office365s,
    /// v2 `activedirectories` (id key `id`).
    ActiveDirectories,
    /// v2 `softwareapps` (id key `id`).
    SoftwareApps,
}

impl Collection {
    /// Every collection, in storage order.
    pub const ALL: [Collection; 16] = [
        Self::Users,
        Self::Systems,
        Self::UserGroups,
        Self::SystemGroups,
        Self::Events,
        Self::Applications,
        Self::Commands,
        Self::CommandResults,
        Self::RadiusServers,
        Self::LdapServers,
        Self::Policies,
        Self::PolicyGroups,
        Self::GSuites,
        Self::Office365s,
        Self::ActiveDirectories,
        Self::SoftwareApps,
    ];

    /// The property holding the object's id: v1 objects use `_id`, v2 and events `id`.
    pub fn id_key(self) -> &'static str {
        match self {
            Self::Users
            | Self::Systems
            | Self::Applications
            | Self::Commands
            | Self::CommandResults
            | Self::RadiusServers => "_id",
            _ => "id",
        }
    }

    /// The property that must be unique within the collection, if any.
    pub(crate) fn unique_key(self) -> Option<&'static str> {
        match self {
            Self::Users => Some("username"),
            Self::UserGroups | Self::SystemGroups | Self::PolicyGroups => Some("name"),
            _ => None,
        }
    }

    /// Position in [`Collection::ALL`] (the storage slot).
    fn slot(self) -> usize {
        Self::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// One tenant. Objects are kept in id order, which is creation order for generated ids.
#[derive(Debug, Default)]
pub(crate) struct Org {
    pub(crate) id: String,
    pub(crate) name: String,
    collections: Vec<BTreeMap<String, Value>>,
    /// Associations and memberships between the org's objects.
    pub(crate) graph: Graph,
    /// System Insights rows, by table name (e.g. `apps`).
    pub(crate) insights: BTreeMap<String, Vec<Value>>,
    /// Users a G Suite directory offers for import, by G Suite id.
    pub(crate) gsuite_imports: BTreeMap<String, Vec<Value>>,
    /// Users an Office 365 directory offers for import, by Office 365 id.
    pub(crate) office365_imports: BTreeMap<String, Vec<Value>>,
    /// Long-running jobs' state: generated event sets, bulk jobs, command runs.
    pub(crate) jobs: super::jobs::JobState,
    /// Uploaded application logos, by logo id.
    pub(crate) logos: BTreeMap<String, Logo>,
}

/// An uploaded logo, as `GET /logos/{id}` serves it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Logo {
    pub(crate) content_type: String,
    pub(crate) bytes: bytes::Bytes,
}

impl Org {
    pub(crate) fn new(id: &str, name: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            collections: vec![BTreeMap::new(); Collection::ALL.len()],
            ..Self::default()
        }
    }

    pub(crate) fn objects(&self, c: Collection) -> &BTreeMap<String, Value> {
        static EMPTY: BTreeMap<String, Value> = BTreeMap::new();
        self.collections.get(c.slot()).unwrap_or(&EMPTY)
    }

    pub(crate) fn objects_mut(&mut self, c: Collection) -> &mut BTreeMap<String, Value> {
        let slot = c.slot();
        if self.collections.len() <= slot {
            self.collections
                .resize_with(Collection::ALL.len(), BTreeMap::new);
        }
        &mut self.collections[slot]
    }

    /// Remove an object and every association and membership it takes part in.
    pub(crate) fn remove(&mut self, c: Collection, id: &str) -> Option<Value> {
        let removed = self.objects_mut(c).remove(id)?;
        if let Some(kind) = GraphKind::of_collection(c) {
            self.graph.remove_node(&GraphNode::new(kind, id));
        }
        Some(removed)
    }

    /// Whether another object (not `except_id`) already uses `value` for the unique key.
    pub(crate) fn is_taken(&self, c: Collection, value: &str, except_id: Option<&str>) -> bool {
        let Some(key) = c.unique_key() else {
            return false;
        };
        self.objects(c).iter().any(|(id, obj)| {
            Some(id.as_str()) != except_id && obj.get(key).and_then(Value::as_str) == Some(value)
        })
    }

    /// Shape seed input into a stored object (server defaults filled in) and store it. The
    /// input's own id is kept if it has a well-formed one, else `fresh_id` is used.
    pub(crate) fn create(
        &mut self,
        c: Collection,
        input: &Map<String, Value>,
        fresh_id: impl FnOnce() -> String,
        now: DateTime<Utc>,
    ) -> Result<String, FakeError> {
        let obj = self.shape(c, input, fresh_id, now)?;
        self.insert(c, obj)
    }

    fn shape(
        &self,
        c: Collection,
        input: &Map<String, Value>,
        fresh_id: impl FnOnce() -> String,
        now: DateTime<Utc>,
    ) -> Result<Value, FakeError> {
        let id = match input.get(c.id_key()) {
            None => fresh_id(),
            Some(Value::String(s)) if is_object_id(s) => s.to_ascii_lowercase(),
            Some(other) => {
                return Err(FakeError::InvalidObject(format!(
                    "{} must be a 24-hex-char id, not {other}",
                    c.id_key()
                )));
            }
        };
        Ok(objects::shape(c, &id, &self.id, input, now))
    }

    /// Shape and store many objects at once. Uniqueness is checked against an index built
    /// once, so seeding 100,000 objects stays linear. Nothing is stored if any one clashes.
    pub(crate) fn create_many(
        &mut self,
        c: Collection,
        inputs: impl IntoIterator<Item = Map<String, Value>>,
        mut fresh_id: impl FnMut() -> String,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>, FakeError> {
        let key = c.unique_key();
        let mut taken: HashSet<String> = match key {
            Some(k) => self
                .objects(c)
                .values()
                .filter_map(|o| o.get(k).and_then(Value::as_str).map(str::to_owned))
                .collect(),
            None => HashSet::new(),
        };
        let mut staged: Vec<(String, Value)> = Vec::new();
        let mut ids: HashSet<String> = HashSet::new();
        for input in inputs {
            let obj = self.shape(c, &input, &mut fresh_id, now)?;
            let id = obj
                .get(c.id_key())
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| FakeError::InvalidObject(format!("missing {}", c.id_key())))?;
            if self.objects(c).contains_key(&id) || !ids.insert(id.clone()) {
                return Err(FakeError::Conflict(format!("id {id} exists")));
            }
            if let Some(k) = key {
                let v = obj.get(k).and_then(Value::as_str).unwrap_or_default();
                if !taken.insert(v.to_owned()) {
                    return Err(FakeError::Conflict(format!("{k} {v:?} exists")));
                }
            }
            staged.push((id, obj));
        }
        let out = staged.iter().map(|(id, _)| id.clone()).collect();
        self.objects_mut(c).extend(staged);
        Ok(out)
    }

    /// Store a fully shaped object, refusing duplicates of its id or unique key.
    pub(crate) fn insert(&mut self, c: Collection, obj: Value) -> Result<String, FakeError> {
        let id = obj
            .get(c.id_key())
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| FakeError::InvalidObject(format!("missing {}", c.id_key())))?;
        if self.objects(c).contains_key(&id) {
            return Err(FakeError::Conflict(format!("id {id} exists")));
        }
        if let Some(key) = c.unique_key() {
            let v = obj.get(key).and_then(Value::as_str).unwrap_or_default();
            if self.is_taken(c, v, None) {
                return Err(FakeError::Conflict(format!("{key} {v:?} exists")));
            }
        }
        self.objects_mut(c).insert(id.clone(), obj);
        Ok(id)
    }

    /// Whether a graph node exists as an object of this org.
    pub(crate) fn has_node(&self, node: &GraphNode) -> bool {
        node.kind
            .collection()
            .is_some_and(|c| self.objects(c).contains_key(&node.id))
    }

    /// The stored object behind a graph node, if any.
    pub(crate) fn node_object(&self, node: &GraphNode) -> Option<&Value> {
        self.objects(node.kind.collection()?).get(&node.id)
    }
}

/// All organisations, by id.
#[derive(Debug, Default)]
pub(crate) struct Data {
    pub(crate) orgs: BTreeMap<String, Org>,
}

impl Data {
    pub(crate) fn org(&self, id: &str) -> Result<&Org, FakeError> {
        self.orgs
            .get(id)
            .ok_or_else(|| FakeError::UnknownOrg(id.to_owned()))
    }

    pub(crate) fn org_mut(&mut self, id: &str) -> Result<&mut Org, FakeError> {
        self.orgs
            .get_mut(id)
            .ok_or_else(|| FakeError::UnknownOrg(id.to_owned()))
    }
}

/// Everything the server tasks and the handle share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) data: Mutex<Data>,
    pub(crate) auth: Mutex<AuthState>,
    pub(crate) faults: Faults,
    pub(crate) log: RequestLog,
    pub(crate) ids: IdGen,
    pub(crate) token_requests: AtomicU64,
    /// Delay added to every request, in microseconds (0: none).
    pub(crate) latency_micros: AtomicU64,
    /// Requests being served now, and the most at once since the last reset.
    pub(crate) in_flight: AtomicUsize,
    pub(crate) max_in_flight: AtomicUsize,
}

/// Counts a request as in flight from its arrival until it is answered (or dropped).
pub(crate) struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    pub(crate) fn enter(shared: &'a Shared) -> Self {
        let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::SeqCst);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Lock a mutex, carrying on after a poisoning panic: the fake's data stays usable for the
/// rest of a test even if one handler thread panicked.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
