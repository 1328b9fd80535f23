//! Deterministic sample objects, for seeding through the handle and for the demo org.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use super::objects::timestamp;
use super::state::Collection;

const FIRST: [&str; 16] = [
    "Ada", "Brook", "Cyril", "Dana", "Elio", "Farah", "Gus", "Hana", "Ivo", "Jun", "Kira", "Lev",
    "Mina", "Noor", "Otto", "Pia",
];
const LAST: [&str; 11] = [
    "Almeida", "Byrne", "Castell", "Dorsey", "Eklund", "Fujita", "Garza", "Holm", "Iyer", "Jansen",
    "Kowalski",
];
const DEPARTMENTS: [&str; 4] = ["Engineering", "Sales", "IT", "Finance"];

/// The `i`-th sample user (create input, before server defaults).
pub(crate) fn user(i: usize) -> Map<String, Value> {
    let first = FIRST[i % FIRST.len()];
    let last = LAST[(i / FIRST.len() + i) % LAST.len()];
    let username = format!("{}.{}{}", first.to_lowercase(), last.to_lowercase(), i);
    let state = match i % 12 {
        5 => "SUSPENDED",
        9 => "STAGED",
        _ => "ACTIVATED",
    };
    obj(json!({
        "username": username,
        "email": format!("{username}@example.com"),
        "firstname": first,
        "lastname": last,
        "displayname": format!("{first} {last}"),
        "department": DEPARTMENTS[i % DEPARTMENTS.len()],
        "jobTitle": if i.is_multiple_of(4) { "Engineer" } else { "Specialist" },
        "state": state,
        "activated": state == "ACTIVATED",
        "unix_uid": 5000 + i,
        "unix_guid": 5000 + i,
    }))
}

/// The `i`-th sample system, cycling macOS, Windows and Linux.
pub(crate) fn system(i: usize, now: DateTime<Utc>) -> Map<String, Value> {
    let (os, family, version, arch, prefix) = match i % 3 {
        0 => ("Mac OS X", "darwin", "14.5", "arm64", "mac"),
        1 => ("Windows", "windows", "11 Pro 23H2", "x86_64", "win"),
        _ => ("Ubuntu", "linux", "22.04", "x86_64", "lnx"),
    };
    let host = format!("{prefix}-{i:03}");
    let seen = now - Duration::minutes(i64::try_from(i * 37).unwrap_or(0));
    obj(json!({
        "displayName": host,
        "hostname": format!("{host}.corp.example.com"),
        "os": os,
        "osFamily": family,
        "version": version,
        "arch": arch,
        "active": i % 5 != 4,
        "lastContact": timestamp(seen),
        "serialNumber": format!("SN{:08X}", 0x5eed_0000 + i),
        "created": timestamp(now - Duration::days(30)),
    }))
}

/// The `i`-th sample group of a group collection.
pub(crate) fn group(c: Collection, i: usize) -> Map<String, Value> {
    let name = match c {
        Collection::SystemGroups => format!("System Group {i}"),
        Collection::PolicyGroups => format!("Policy Group {i}"),
        _ => format!("User Group {i}"),
    };
    obj(json!({ "name": name, "description": format!("sample group {i}") }))
}

const EVENTS: [(&str, &str); 6] = [
    ("directory", "user_create"),
    ("sso", "sso_auth"),
    ("systems", "login_attempt"),
    ("directory", "user_update"),
    ("radius", "radius_auth"),
    ("ldap", "ldap_bind"),
];

/// The `i`-th sample event, one minute older than the previous one.
pub(crate) fn event(i: usize, now: DateTime<Utc>) -> Map<String, Value> {
    let (service, kind) = EVENTS[i % EVENTS.len()];
    let at = now - Duration::minutes(i64::try_from(i + 1).unwrap_or(0));
    let who = FIRST[i % FIRST.len()].to_lowercase();
    obj(json!({
        "timestamp": timestamp(at),
        "service": service,
        "event_type": kind,
        "success": i % 7 != 3,
        "client_ip": format!("198.51.100.{}", i % 250 + 1),
        "initiated_by": { "type": "user", "username": who },
        "resource": { "type": "user", "username": who },
    }))
}

/// The `i`-th sample object of any collection.
pub(crate) fn sample(c: Collection, i: usize, now: DateTime<Utc>) -> Map<String, Value> {
    match c {
        Collection::Users => user(i),
        Collection::Systems => system(i, now),
        Collection::UserGroups | Collection::SystemGroups | Collection::PolicyGroups => group(c, i),
        Collection::Events => event(i, now),
        other => resource(other, i, now),
    }
}

/// The `i`-th sample of the other resources: a name, and what the kind needs to look real.
fn resource(c: Collection, i: usize, now: DateTime<Utc>) -> Map<String, Value> {
    let (label, extra) = match c {
        Collection::Applications => (
            "Application",
            json!({ "ssoUrl": format!("https://sso.example.com/app{i}") }),
        ),
        Collection::Commands => ("Command", json!({ "command": format!("echo {i}") })),
        Collection::CommandResults => (
            "Command Result",
            json!({ "requestTime": timestamp(now - Duration::minutes(i64::try_from(i).unwrap_or(0))) }),
        ),
        Collection::RadiusServers => (
            "RADIUS Server",
            json!({ "networkSourceIp": format!("203.0.113.{}", i % 250 + 1) }),
        ),
        Collection::LdapServers => ("LDAP Server", json!({})),
        Collection::Policies => (
            "Policy",
            json!({ "template": { "name": "disk_encryption", "osMetaFamily": "darwin" } }),
        ),
        Collection::GSuites => (
            "Google Workspace",
            json!({ "defaultDomain": { "domain": format!("g{i}.example.com") } }),
        ),
        Collection::Office365s => ("Microsoft 365", json!({})),
        Collection::ActiveDirectories => (
            "Active Directory",
            json!({ "domain": format!("DC=ad{i},DC=example,DC=com") }),
        ),
        _ => ("Software App", json!({})),
    };
    let mut m = obj(extra);
    m.insert("name".into(), json!(format!("{label} {i}")));
    m
}

/// The `i`-th sample row of System Insights table `table` for system `system_id`.
pub(crate) fn insight_row(
    table: &str,
    system_id: &str,
    i: usize,
    now: DateTime<Utc>,
) -> Map<String, Value> {
    let n = i64::try_from(i).unwrap_or(0);
    let mut row = match table {
        "apps" => json!({
            "name": format!("App {i}.app"),
            "bundle_name": format!("App {i}"),
            "bundle_identifier": format!("com.example.app{i}"),
            "bundle_short_version": format!("1.{}", i % 10),
            "path": format!("/Applications/App {i}.app"),
            "last_opened_time": 1_700_000_000 + n,
        }),
        "os_version" => json!({
            "name": "macOS", "platform": "darwin", "version": format!("14.{}", i % 6),
            "major": 14, "minor": i % 6, "patch": 0, "build": format!("23F{i}"),
        }),
        "users" => json!({
            "username": FIRST[i % FIRST.len()].to_lowercase(),
            "uid": (500 + i).to_string(), "gid": "20", "directory": format!("/Users/u{i}"),
            "shell": "/bin/zsh", "admin": i.is_multiple_of(3), "managed": true,
            "type": "local", "uuid": format!("00000000-0000-0000-0000-{i:012}"),
        }),
        "uptime" => json!({
            "days": i % 30, "hours": i % 24, "minutes": i % 60, "seconds": i % 60,
            "total_seconds": (86_400 * (i % 30) + 3_600 * (i % 24)).to_string(),
        }),
        _ => json!({ "name": format!("{table} {i}") }),
    };
    if let Value::Object(m) = &mut row {
        m.insert("system_id".into(), json!(system_id));
        m.insert("collection_time".into(), json!(timestamp(now)));
    }
    obj(row)
}

/// The `i`-th user a directory of collection `c` offers for import: a Google Workspace
/// user for [`Collection::GSuites`], a Microsoft 365 one otherwise.
pub(crate) fn import_user(c: Collection, i: usize) -> Value {
    let (first, last) = (FIRST[i % FIRST.len()], LAST[i % LAST.len()]);
    let email = |domain: &str| {
        let (first, last) = (first.to_lowercase(), last.to_lowercase());
        format!("{first}.{last}{i}@{domain}")
    };
    match c {
        Collection::GSuites => json!({
            "id": format!("1{i:020}"),
            "givenName": first,
            "familyName": last,
            "primaryEmail": email("g.example.com"),
            "thumbnailPhotoUrl": "",
        }),
        _ => json!({
            "id": format!("00000000-0000-4000-8000-{i:012}"),
            "givenName": first,
            "surname": last,
            "userPrincipalName": email("m.example.com"),
        }),
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
