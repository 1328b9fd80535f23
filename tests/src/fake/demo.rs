//! The demo organisation: a small, realistic tenant for examples and walkthroughs.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::error::FakeError;
use super::ids::IdGen;
use super::seed;
use super::state::{Collection, Org};

/// API key of the demo organisation.
pub const DEMO_API_KEY: &str = "jc-demo-key";
/// Service-account client id of the demo organisation.
pub const DEMO_CLIENT_ID: &str = "demo-client";
/// Service-account client secret of the demo organisation.
pub const DEMO_CLIENT_SECRET: &str = "demo-secret";
/// Id of the demo organisation.
pub const DEMO_ORG_ID: &str = "64d3f0a1b2c3d4e5f6a7b8c9";
/// Display name of the demo organisation.
pub(crate) const DEMO_ORG_NAME: &str = "Demo Org";

const USERS: usize = 25;
const SYSTEMS: usize = 12;
const EVENTS: usize = 240;
const USER_GROUPS: [(&str, &str); 4] = [
    ("Engineering", "Everyone who ships code"),
    ("Sales", "Account executives and sales engineers"),
    ("IT Admins", "People who manage devices and access"),
    ("Contractors", "Time-limited outside staff"),
];
const SYSTEM_GROUPS: [(&str, &str); 3] = [
    ("macOS Fleet", "Company laptops running macOS"),
    ("Windows Fleet", "Company laptops running Windows"),
    ("Linux Servers", "Build and infrastructure hosts"),
];

fn named(name: &str, description: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert("description".into(), json!(description));
    m
}

/// Fill `org` with the demo data set.
pub(crate) fn seed(org: &mut Org, ids: &IdGen, now: DateTime<Utc>) -> Result<(), FakeError> {
    for i in 0..USERS {
        org.create(Collection::Users, &seed::user(i), || ids.next(), now)?;
    }
    for (name, description) in USER_GROUPS {
        org.create(
            Collection::UserGroups,
            &named(name, description),
            || ids.next(),
            now,
        )?;
    }
    for i in 0..SYSTEMS {
        org.create(
            Collection::Systems,
            &seed::system(i, now),
            || ids.next(),
            now,
        )?;
    }
    for (name, description) in SYSTEM_GROUPS {
        org.create(
            Collection::SystemGroups,
            &named(name, description),
            || ids.next(),
            now,
        )?;
    }
    for i in 0..EVENTS {
        org.create(Collection::Events, &seed::event(i, now), || ids.next(), now)?;
    }
    Ok(())
}
