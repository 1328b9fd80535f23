//! What a backup leaves out of each object, and why: secrets (a backup is
//! a file people commit and share) and volatile fields (they change without
//! anyone changing the organisation, so they would make every diff noisy).
//! A declared state may not set them either.
//!
//! One table, [`LEFT_OUT`], plus one rule: any field whose name contains
//! one of [`SECRET_WORDS`] is left out at any depth, unless its value is a
//! boolean (`password_never_expires` says whether, not what).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::graph::Kind;

/// One field a backup leaves out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeftOut {
    /// The field, as the API names it; `a.b` is field `b` of object `a`.
    pub field: &'static str,
    /// The kinds (API names) whose objects lose it; empty for every kind.
    pub kinds: &'static [&'static str],
    /// Why it is left out.
    pub why: &'static str,
}

const fn out(field: &'static str, kinds: &'static [&'static str], why: &'static str) -> LeftOut {
    LeftOut { field, kinds, why }
}

const USER: &[&str] = &["user"];
const SYSTEM: &[&str] = &["system"];

/// Every field a backup leaves out by name (see also [`SECRET_WORDS`]).
pub const LEFT_OUT: &[LeftOut] = &[
    // Secrets.
    out(
        "password",
        &[],
        "a secret; a backup is shared and committed",
    ),
    out(
        "public_key",
        USER,
        "key material, added by its owner, not restored from a file",
    ),
    out(
        "ssh_keys",
        USER,
        "key material with creation times, added by its owner",
    ),
    out("recoveryEmail.verificationCode", USER, "a one-time code"),
    // Volatile: set by the server or by people's own actions.
    out(
        "created",
        &[],
        "set by the server when made; differs between copies",
    ),
    out("lastLogin", &[], "changes at every login"),
    out("last_login", &[], "changes at every login"),
    out(
        "password_date",
        USER,
        "changes when the user sets a password",
    ),
    out(
        "password_expiration_date",
        USER,
        "follows from the password's age",
    ),
    out(
        "external_password_expiration_date",
        USER,
        "follows from the password's age",
    ),
    out("password_expired", USER, "follows from the password's age"),
    out(
        "account_locked_date",
        USER,
        "set when failed logins lock the account",
    ),
    out("bad_login_attempts", USER, "a counter of failed logins"),
    out(
        "mfa.configured",
        USER,
        "whether the user has enrolled: their action, not a setting",
    ),
    out(
        "mfaEnrollment",
        USER,
        "enrolment progress: the user's action, not a setting",
    ),
    out(
        "recoveryEmail.verified",
        USER,
        "set when the user confirms the address",
    ),
    out(
        "recoveryEmail.verifiedAt",
        USER,
        "set when the user confirms the address",
    ),
    out("lastContact", SYSTEM, "the agent's heartbeat"),
    out("remoteIP", SYSTEM, "the address the agent last called from"),
    out("active", SYSTEM, "whether the agent is connected right now"),
    out("agentVersion", SYSTEM, "the agent updates itself"),
    out(
        "remoteAssistAgentVersion",
        SYSTEM,
        "the agent updates itself",
    ),
    out("connectionHistory", SYSTEM, "the agent's connections"),
    out(
        "networkInterfaces",
        SYSTEM,
        "addresses change with the network",
    ),
    out("userMetrics", SYSTEM, "logins seen on the device"),
    out("policyStats", SYSTEM, "results of the last policy runs"),
    out(
        "systemInsights",
        SYSTEM,
        "collection state of the device's insights",
    ),
];

/// Words that make a field a secret wherever it is (case ignored), unless
/// its value is a boolean: passwords, client and shared secrets, tokens,
/// private keys.
pub const SECRET_WORDS: &[&str] = &["password", "secret", "token", "privatekey", "private_key"];

/// Why `field` (a name, or a path `a.b`) is left out of `kind`'s objects,
/// or `None` if a backup keeps it. A boolean field named like a secret is
/// kept (and so not answered here, which sees no value).
pub fn left_out(kind: &Kind, field: &str) -> Option<&'static str> {
    if let Some(entry) = table_entry(kind, field) {
        return Some(entry.why);
    }
    let last = field.rsplit('.').next().unwrap_or(field);
    secret_word(last).then_some("named like a secret")
}

/// Whether `field` of `kind`, with this `value`, is one a backup leaves out,
/// and so one a declared file may not set: the same rule for both, so a
/// restore never asks for what a backup could not hold. A boolean named like
/// a secret (`password_never_expires`) is a setting and stays.
pub(crate) fn left_out_with(kind: &Kind, field: &str, value: &Value) -> bool {
    (secret_word(field) && !value.is_boolean()) || table_entry(kind, field).is_some()
}

fn table_entry(kind: &Kind, path: &str) -> Option<&'static LeftOut> {
    LEFT_OUT
        .iter()
        .find(|e| e.field == path && (e.kinds.is_empty() || e.kinds.contains(&kind.as_str())))
}

fn secret_word(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| lower.contains(w))
}

/// Removes what a backup leaves out from an object of `kind`, at any depth
/// (`[]` in a path marks a list's items); returns the paths removed.
pub(crate) fn scrub(kind: &Kind, attributes: &mut Map<String, Value>) -> BTreeSet<String> {
    let mut removed = BTreeSet::new();
    scrub_map(kind, attributes, "", &mut removed);
    removed
}

fn scrub_map(
    kind: &Kind,
    map: &mut Map<String, Value>,
    prefix: &str,
    removed: &mut BTreeSet<String>,
) {
    let keys: Vec<String> = map.keys().cloned().collect();
    for key in keys {
        let path = format!("{prefix}{key}");
        let table_path = path.replace("[].", ".");
        let secret = secret_word(&key) && !matches!(map.get(&key), Some(Value::Bool(_)));
        if secret || table_entry(kind, &table_path).is_some() {
            map.remove(&key);
            removed.insert(path);
            continue;
        }
        if let Some(value) = map.get_mut(&key) {
            scrub_value(kind, value, &path, removed);
        }
    }
}

fn scrub_value(kind: &Kind, value: &mut Value, path: &str, removed: &mut BTreeSet<String>) {
    match value {
        Value::Object(inner) => scrub_map(kind, inner, &format!("{path}."), removed),
        Value::Array(items) => {
            for item in items {
                scrub_value(kind, item, &format!("{path}[]"), removed);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scrubbed(kind: Kind, value: Value) -> (Value, Vec<String>) {
        let Value::Object(mut map) = value else {
            panic!("an object")
        };
        let removed = scrub(&kind, &mut map);
        (Value::Object(map), removed.into_iter().collect())
    }

    #[test]
    fn secrets_go_at_any_depth_and_booleans_about_them_stay() {
        let (kept, removed) = scrubbed(
            Kind::User,
            json!({
                "username": "ada",
                "password": "hunter2",
                "password_never_expires": true,
                "totp_enabled": true,
                "public_key": "ssh-ed25519 AAAA",
                "ssh_keys": [{"name": "laptop", "public_key": "ssh-ed25519 AAAA"}],
                "mfa": {"configured": true, "exclusion": false, "exclusionDays": 7},
                "recoveryEmail": {"address": "a@example.com", "verificationCode": "123456"},
                "attributes": [{"name": "apiToken", "value": "x"}, {"clientSecret": "s"}],
                "lastLogin": "2026-01-01T00:00:00Z",
                "password_date": "2026-01-01T00:00:00Z",
                "created": "2025-01-01T00:00:00Z",
            }),
        );
        assert_eq!(
            kept,
            json!({
                "username": "ada",
                "password_never_expires": true,
                "totp_enabled": true,
                "mfa": {"exclusion": false, "exclusionDays": 7},
                "recoveryEmail": {"address": "a@example.com"},
                "attributes": [{"name": "apiToken", "value": "x"}, {}],
            })
        );
        assert_eq!(
            removed,
            [
                "attributes[].clientSecret",
                "created",
                "lastLogin",
                "mfa.configured",
                "password",
                "password_date",
                "public_key",
                "recoveryEmail.verificationCode",
                "ssh_keys",
            ]
        );
    }

    #[test]
    fn system_fields_go_only_from_systems() {
        let fields =
            json!({"active": true, "lastContact": "x", "remoteIP": "1.2.3.4", "hostname": "h"});
        let (system, _) = scrubbed(Kind::System, fields.clone());
        assert_eq!(system, json!({"hostname": "h"}));
        let (group, removed) = scrubbed(Kind::UserGroup, fields.clone());
        assert_eq!(group, fields, "`active` of other kinds is a setting");
        assert!(removed.is_empty());
    }

    #[test]
    fn the_table_says_why() {
        assert!(
            left_out(&Kind::System, "lastContact")
                .unwrap()
                .contains("heartbeat")
        );
        assert_eq!(left_out(&Kind::User, "lastContact"), None);
        assert_eq!(
            left_out(&Kind::RadiusServer, "sharedSecret"),
            Some("named like a secret")
        );
        assert_eq!(left_out(&Kind::User, "username"), None);
        for entry in LEFT_OUT {
            assert!(!entry.why.is_empty());
            for kind in entry.kinds {
                assert_ne!(
                    Kind::from_name(kind),
                    Kind::Unknown((*kind).to_owned()),
                    "{kind}"
                );
            }
        }
    }
}
