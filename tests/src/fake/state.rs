//! The fake's shared state: organisations and their directory objects.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::auth::AuthState;
use super::error::FakeError;
use super::faults::Faults;
use super::ids::{IdGen, is_object_id};
use super::log::RequestLog;
use super::objects;

/// The kinds of object an organisation holds, for seeding and inspecting through the handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
}

impl Collection {
    /// The property holding the object's id: v1 objects use `_id`, v2 and events `id`.
    pub fn id_key(self) -> &'static str {
        match self {
            Self::Users | Self::Systems => "_id",
            Self::UserGroups | Self::SystemGroups | Self::Events => "id",
        }
    }

    /// The property that must be unique within the collection, if any.
    pub(crate) fn unique_key(self) -> Option<&'static str> {
        match self {
            Self::Users => Some("username"),
            Self::UserGroups | Self::SystemGroups => Some("name"),
            Self::Systems | Self::Events => None,
        }
    }
}

/// One tenant. Objects are kept in id order, which is creation order for generated ids.
#[derive(Debug, Default)]
pub(crate) struct Org {
    pub(crate) id: String,
    pub(crate) name: String,
    users: BTreeMap<String, Value>,
    systems: BTreeMap<String, Value>,
    user_groups: BTreeMap<String, Value>,
    system_groups: BTreeMap<String, Value>,
    events: BTreeMap<String, Value>,
}

impl Org {
    pub(crate) fn new(id: &str, name: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: name.to_owned(),
            ..Self::default()
        }
    }

    pub(crate) fn objects(&self, c: Collection) -> &BTreeMap<String, Value> {
        match c {
            Collection::Users => &self.users,
            Collection::Systems => &self.systems,
            Collection::UserGroups => &self.user_groups,
            Collection::SystemGroups => &self.system_groups,
            Collection::Events => &self.events,
        }
    }

    pub(crate) fn objects_mut(&mut self, c: Collection) -> &mut BTreeMap<String, Value> {
        match c {
            Collection::Users => &mut self.users,
            Collection::Systems => &mut self.systems,
            Collection::UserGroups => &mut self.user_groups,
            Collection::SystemGroups => &mut self.system_groups,
            Collection::Events => &mut self.events,
        }
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
        let obj = objects::shape(c, &id, &self.id, input, now);
        self.insert(c, obj)
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
}

/// Lock a mutex, carrying on after a poisoning panic: the fake's data stays usable for the
/// rest of a test even if one handler thread panicked.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
