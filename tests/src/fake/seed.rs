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

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
