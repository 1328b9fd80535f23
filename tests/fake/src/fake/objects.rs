//! Shapes stored objects: fills in the properties the real API always returns and validates
//! what clients send on create and update.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::error::{ApiError, ApiResult};
use super::state::Collection;

/// The user states the spec lists.
pub(crate) const USER_STATES: [&str; 3] = ["STAGED", "ACTIVATED", "SUSPENDED"];

/// Timestamp format the API uses (RFC 3339, milliseconds, `Z`).
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Properties clients may never set: the server owns them.
const SERVER_OWNED: [&str; 4] = ["_id", "id", "organization", "created"];

/// Copy `src` over `dst`, skipping server-owned properties.
pub(crate) fn merge(dst: &mut Map<String, Value>, src: &Map<String, Value>) {
    for (k, v) in src {
        if !SERVER_OWNED.contains(&k.as_str()) && k != "password" {
            dst.insert(k.clone(), v.clone());
        }
    }
}

/// The input's `created` if it has a string one (seeding history), else `now`. HTTP routes
/// strip it from client bodies first: clients can't set it.
fn created(input: &Map<String, Value>, now: DateTime<Utc>) -> Value {
    match input.get("created") {
        Some(Value::String(s)) => json!(s),
        _ => json!(timestamp(now)),
    }
}

/// Set `key` to `default` when the object doesn't have it.
fn default(obj: &mut Map<String, Value>, key: &str, default: Value) {
    obj.entry(key.to_owned()).or_insert(default);
}

/// Check the types of the properties a client sent, so a wrong type is a 400 as it is live.
fn check_types(obj: &Map<String, Value>, strings: &[&str], bools: &[&str]) -> ApiResult<()> {
    for key in strings {
        if let Some(v) = obj.get(*key)
            && !v.is_string()
        {
            return Err(ApiError::bad_request(format!("{key} must be a string")));
        }
    }
    for key in bools {
        if let Some(v) = obj.get(*key)
            && !v.is_boolean()
        {
            return Err(ApiError::bad_request(format!("{key} must be a boolean")));
        }
    }
    Ok(())
}

const USER_STRINGS: [&str; 14] = [
    "username",
    "email",
    "firstname",
    "lastname",
    "middlename",
    "displayname",
    "password",
    "state",
    "company",
    "department",
    "jobTitle",
    "employeeType",
    "description",
    "location",
];
const USER_BOOLS: [&str; 7] = [
    "activated",
    "account_locked",
    "sudo",
    "suspended",
    "passwordless_sudo",
    "enable_managed_uid",
    "ldap_binding_user",
];

/// Why `email` is not an address JumpCloud would take (one `@` between a non-empty local
/// part and domain, no spaces), if it is not. v1 user writes and bulk user jobs
/// both check with it, so the two refuse the same values with the same message.
pub(crate) fn email_problem(email: &str) -> Option<String> {
    let ok = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    (!ok).then(|| format!("email {email:?} is not a valid email address"))
}

/// Validate a v1 systemuser create (`full`) or update body.
pub(crate) fn validate_user(body: &Map<String, Value>, full: bool) -> ApiResult<()> {
    check_types(body, &USER_STRINGS, &USER_BOOLS)?;
    for key in ["username", "email"] {
        let present = body
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty());
        if !present && (full || body.contains_key(key)) {
            return Err(ApiError::bad_request(format!("{key} is required")));
        }
    }
    if let Some(problem) = body
        .get("email")
        .and_then(Value::as_str)
        .and_then(email_problem)
    {
        return Err(ApiError::bad_request(problem));
    }
    if let Some(state) = body.get("state").and_then(Value::as_str)
        && !USER_STATES.contains(&state)
    {
        return Err(ApiError::bad_request(format!("invalid state {state:?}")));
    }
    Ok(())
}

/// Build a stored v1 systemuser from client or seed input.
pub(crate) fn user(id: &str, org: &str, input: &Map<String, Value>, now: DateTime<Utc>) -> Value {
    let mut o = Map::new();
    o.insert("_id".into(), json!(id));
    merge(&mut o, input);
    let has_password = input.get("password").is_some_and(Value::is_string);
    default(&mut o, "username", json!(""));
    default(&mut o, "email", json!(""));
    default(&mut o, "firstname", json!(""));
    default(&mut o, "lastname", json!(""));
    default(&mut o, "middlename", json!(""));
    default(&mut o, "displayname", json!(""));
    default(&mut o, "activated", json!(has_password));
    default(&mut o, "state", json!("ACTIVATED"));
    let suspended = o.get("state").and_then(Value::as_str) == Some("SUSPENDED");
    default(&mut o, "suspended", json!(suspended));
    default(&mut o, "account_locked", json!(false));
    default(&mut o, "password_expired", json!(false));
    default(&mut o, "password_never_expires", json!(false));
    default(&mut o, "sudo", json!(false));
    default(&mut o, "passwordless_sudo", json!(false));
    default(&mut o, "totp_enabled", json!(false));
    default(&mut o, "enable_managed_uid", json!(false));
    default(&mut o, "ldap_binding_user", json!(false));
    default(&mut o, "samba_service_user", json!(false));
    default(&mut o, "attributes", json!([]));
    default(&mut o, "addresses", json!([]));
    default(&mut o, "phoneNumbers", json!([]));
    default(&mut o, "ssh_keys", json!([]));
    default(
        &mut o,
        "mfa",
        json!({ "configured": false, "exclusion": false }),
    );
    o.insert("organization".into(), json!(org));
    o.insert("created".into(), created(input, now));
    Value::Object(o)
}

/// Apply a v1 systemuser update, keeping `suspended` consistent with `state`.
pub(crate) fn update_user(stored: &mut Map<String, Value>, body: &Map<String, Value>) {
    merge(stored, body);
    if body.get("password").is_some_and(Value::is_string) {
        stored.insert("activated".into(), json!(true));
    }
    if let Some(state) = body.get("state").and_then(Value::as_str) {
        stored.insert("suspended".into(), json!(state == "SUSPENDED"));
    } else if let Some(suspended) = body.get("suspended").and_then(Value::as_bool) {
        // `suspended` alone moves the state too, as live: into SUSPENDED, or back out of it.
        let was = stored.get("state").and_then(Value::as_str) == Some("SUSPENDED");
        if suspended {
            stored.insert("state".into(), json!("SUSPENDED"));
        } else if was {
            stored.insert("state".into(), json!("ACTIVATED"));
        }
    }
}

/// Properties a v1 system update may change (the rest are reported by the agent).
pub(crate) const SYSTEM_WRITABLE: [&str; 6] = [
    "displayName",
    "allowMultiFactorAuthentication",
    "allowPublicKeyAuthentication",
    "allowSshPasswordAuthentication",
    "allowSshRootLogin",
    "attributes",
];

/// Validate a v1 system update body.
pub(crate) fn validate_system_update(body: &Map<String, Value>) -> ApiResult<()> {
    check_types(
        body,
        &["displayName"],
        &[
            "allowMultiFactorAuthentication",
            "allowPublicKeyAuthentication",
            "allowSshPasswordAuthentication",
            "allowSshRootLogin",
        ],
    )?;
    if let Some(a) = body.get("attributes")
        && !a.is_array()
    {
        return Err(ApiError::bad_request("attributes must be an array"));
    }
    Ok(())
}

/// Build a stored v1 system from seed input (systems are created by agents, not the API).
pub(crate) fn system(id: &str, org: &str, input: &Map<String, Value>, now: DateTime<Utc>) -> Value {
    let mut o = Map::new();
    o.insert("_id".into(), json!(id));
    merge(&mut o, input);
    let host = o
        .get("hostname")
        .and_then(Value::as_str)
        .unwrap_or("host")
        .to_owned();
    default(&mut o, "displayName", json!(host));
    default(&mut o, "hostname", json!(host));
    default(&mut o, "os", json!("Ubuntu"));
    default(&mut o, "osFamily", json!("linux"));
    default(&mut o, "version", json!("22.04"));
    default(&mut o, "arch", json!("x86_64"));
    default(&mut o, "archFamily", json!("x86"));
    default(&mut o, "agentVersion", json!("1.160.0"));
    default(&mut o, "active", json!(true));
    default(&mut o, "lastContact", json!(timestamp(now)));
    default(&mut o, "serialNumber", json!(""));
    default(&mut o, "systemTimezone", json!(0));
    default(&mut o, "allowMultiFactorAuthentication", json!(false));
    default(&mut o, "allowPublicKeyAuthentication", json!(true));
    default(&mut o, "allowSshPasswordAuthentication", json!(true));
    default(&mut o, "allowSshRootLogin", json!(false));
    default(&mut o, "modifySSHDConfig", json!(false));
    default(&mut o, "attributes", json!([]));
    default(
        &mut o,
        "fde",
        json!({ "active": false, "keyPresent": false }),
    );
    o.insert("organization".into(), json!(org));
    o.insert("created".into(), created(input, now));
    Value::Object(o)
}

/// Validate a v2 group create/replace (`full`, name required) or patch body.
pub(crate) fn validate_group(body: &Map<String, Value>, full: bool) -> ApiResult<()> {
    check_types(
        body,
        &["name", "description", "email", "membershipMethod"],
        &[],
    )?;
    let name_ok = body
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty());
    if (full || body.contains_key("name")) && !name_ok {
        return Err(ApiError::bad_request("name is required"));
    }
    if let Some(a) = body.get("attributes")
        && !a.is_object()
        && !a.is_null()
    {
        return Err(ApiError::bad_request("attributes must be an object"));
    }
    Ok(())
}

/// The v2 `type` value of a group collection.
pub(crate) fn group_type(c: Collection) -> &'static str {
    match c {
        Collection::SystemGroups => "system_group",
        _ => "user_group",
    }
}

/// Build a stored v2 group.
pub(crate) fn group(c: Collection, id: &str, org: &str, input: &Map<String, Value>) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    merge(&mut o, input);
    o.remove("type");
    default(&mut o, "name", json!(""));
    default(&mut o, "description", json!(""));
    default(&mut o, "email", json!(""));
    default(&mut o, "attributes", json!({}));
    default(&mut o, "membershipMethod", json!("STATIC"));
    o.insert("type".into(), json!(group_type(c)));
    o.insert("organizationObjectId".into(), json!(org));
    Value::Object(o)
}

/// Replace a v2 group's writable properties (PUT semantics: omitted ones reset).
pub(crate) fn replace_group(stored: &mut Map<String, Value>, body: &Map<String, Value>) {
    for key in ["description", "email"] {
        stored.insert(key.into(), json!(""));
    }
    stored.insert("attributes".into(), json!({}));
    merge(stored, body);
    stored.remove("type");
}

/// Restore the invariant properties of a v2 group after an update.
pub(crate) fn fix_group(c: Collection, stored: &mut Map<String, Value>) {
    stored.insert("type".into(), json!(group_type(c)));
}

/// Build a stored Directory Insights event.
pub(crate) fn event(id: &str, org: &str, input: &Map<String, Value>, now: DateTime<Utc>) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    merge(&mut o, input);
    default(&mut o, "timestamp", json!(timestamp(now)));
    default(&mut o, "service", json!("directory"));
    default(&mut o, "event_type", json!("user_update"));
    default(&mut o, "success", json!(true));
    default(&mut o, "client_ip", json!("192.0.2.10"));
    default(&mut o, "version", json!("1"));
    default(
        &mut o,
        "initiated_by",
        json!({ "id": "", "type": "admin", "email": "admin@example.com" }),
    );
    o.insert("organization".into(), json!(org));
    Value::Object(o)
}

/// Millisecond timestamp of an event, for sorting and cursors (unparseable sorts first).
pub(crate) fn event_millis(e: &Value) -> i64 {
    e.get("timestamp")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map_or(i64::MIN, |t| t.timestamp_millis())
}

/// Build a stored object of any collection from seed input.
pub(crate) fn shape(
    c: Collection,
    id: &str,
    org: &str,
    input: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Value {
    match c {
        Collection::Users => user(id, org, input, now),
        Collection::Systems => system(id, org, input, now),
        Collection::UserGroups | Collection::SystemGroups => group(c, id, org, input),
        Collection::Events => event(id, org, input, now),
        _ => resource(c, id, org, input, now),
    }
}

/// Build a stored object of the other directory resources (applications, commands, command
/// results, RADIUS and LDAP servers, policies, policy groups, cloud directories, software
/// apps): the id, the caller's properties and a few the API always returns.
pub(crate) fn resource(
    c: Collection,
    id: &str,
    org: &str,
    input: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Value {
    let mut o = Map::new();
    o.insert(c.id_key().into(), json!(id));
    merge(&mut o, input);
    let name = o
        .get("name")
        .and_then(Value::as_str)
        .map_or_else(|| format!("{c:?} {id}"), str::to_owned);
    default(&mut o, "name", json!(name));
    match c {
        Collection::Applications => {
            default(&mut o, "displayName", json!(name));
            default(&mut o, "displayLabel", json!(name));
            default(&mut o, "active", json!(true));
            default(&mut o, "ssoUrl", json!(""));
            // The application's SSO settings; JumpCloud always sends the object.
            default(&mut o, "config", json!({}));
        }
        Collection::Commands => {
            default(&mut o, "command", json!("echo hello"));
            default(&mut o, "commandType", json!("linux"));
            default(&mut o, "launchType", json!("manual"));
            default(&mut o, "schedule", json!(""));
            default(&mut o, "sudo", json!(false));
        }
        Collection::CommandResults => {
            default(&mut o, "command", json!("echo hello"));
            default(&mut o, "system", json!(""));
            default(&mut o, "requestTime", json!(timestamp(now)));
            default(&mut o, "responseTime", json!(timestamp(now)));
            default(
                &mut o,
                "response",
                json!({ "id": "", "error": "", "data": { "exitCode": 0, "output": "hello" } }),
            );
        }
        Collection::PolicyGroups => {
            default(&mut o, "description", json!(""));
            o.insert("type".into(), json!("policy_group"));
        }
        Collection::ActiveDirectories => default(&mut o, "domain", json!(name)),
        Collection::SoftwareApps => default(&mut o, "displayName", json!(name)),
        _ => {}
    }
    if c.id_key() == "_id" {
        o.insert("organization".into(), json!(org));
    }
    Value::Object(o)
}
