//! One-call seeding of single named objects, for tests that want a few of them rather than
//! many generated ones.

use serde_json::{Value, json};

use super::error::FakeError;
use super::org::FakeOrg;
use super::state::Collection;

impl FakeOrg {
    /// Add an active user `username` (email `username@example.com`) to this org; its id.
    /// A username already taken is a [`FakeError::Conflict`]. For other properties
    /// (`state`, `department`, ...) use [`FakeOrg::add_user_with`].
    pub fn add_user(&self, username: &str) -> Result<String, FakeError> {
        self.add_user_with(json!({ "username": username }))
    }

    /// Add a user with the given v1 `systemuser` properties (a JSON object with at least
    /// `username`; `email` defaults to `username@example.com`) to this org; its id.
    pub fn add_user_with(&self, fields: Value) -> Result<String, FakeError> {
        let Value::Object(mut fields) = fields else {
            return Err(FakeError::InvalidObject(
                "a user must be a JSON object".into(),
            ));
        };
        let username = match fields.get("username") {
            Some(Value::String(u)) if !u.trim().is_empty() => u.clone(),
            _ => {
                return Err(FakeError::InvalidObject(
                    "a user needs a non-empty string username".into(),
                ));
            }
        };
        fields
            .entry("email")
            .or_insert_with(|| json!(format!("{username}@example.com")));
        self.insert(Collection::Users, Value::Object(fields))
    }

    /// Add a user group named `name` to this org; its id. Group names are unique, as
    /// live: a second group of the same name is a [`FakeError::Conflict`].
    pub fn add_user_group(&self, name: &str) -> Result<String, FakeError> {
        self.add_named(Collection::UserGroups, name)
    }

    /// Add an active Linux system with hostname and display name `hostname` to this org; its
    /// id. Use [`FakeOrg::insert`] with [`Collection::Systems`] for other
    /// properties (`os`, `osFamily`, `lastContact`, ...).
    pub fn add_system(&self, hostname: &str) -> Result<String, FakeError> {
        self.insert(
            Collection::Systems,
            json!({ "hostname": hostname, "displayName": hostname }),
        )
    }

    /// Add a system group named `name` to this org; its id.
    pub fn add_system_group(&self, name: &str) -> Result<String, FakeError> {
        self.add_named(Collection::SystemGroups, name)
    }

    /// Add a policy named `name` to this org; its id.
    pub fn add_policy(&self, name: &str) -> Result<String, FakeError> {
        self.add_named(Collection::Policies, name)
    }

    /// Add an SSO application named `name` to this org; its id.
    pub fn add_application(&self, name: &str) -> Result<String, FakeError> {
        self.add_named(Collection::Applications, name)
    }

    /// Add a command named `name` that runs `command` (a shell line) to this org; its id.
    pub fn add_command(&self, name: &str, command: &str) -> Result<String, FakeError> {
        self.insert(
            Collection::Commands,
            json!({ "name": name, "command": command }),
        )
    }

    /// Add a Directory Insights event to this org; its id. `fields` is a JSON object
    /// of event properties (`timestamp` as RFC 3339, `service`, `event_type`, `success`,
    /// `initiated_by`, ...); the ones left out get plausible defaults (now, `directory`,
    /// `user_update`, success). Events are served newest first.
    pub fn add_event(&self, fields: Value) -> Result<String, FakeError> {
        self.insert(Collection::Events, fields)
    }

    fn add_named(&self, c: Collection, name: &str) -> Result<String, FakeError> {
        if name.trim().is_empty() {
            return Err(FakeError::InvalidObject(format!(
                "a {c:?} needs a non-empty name"
            )));
        }
        self.insert(c, json!({ "name": name }))
    }
}
