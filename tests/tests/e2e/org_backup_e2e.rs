//! Organisation backups against the fake: the layout on disk, byte-identical
//! reruns, a backup read back equal to the live state, secrets never
//! written, the request floor, and a read-only key's fallback to traversal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jumpcloud_ext::graph::{Kind, named_kinds};
use jumpcloud_ext::org::{OrgState, Progress};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{BigOrg, Collection, FakeJumpCloud, Fault};
use serde_json::json;

use crate::common;

const PEOPLE_AND_MACHINES: [Kind; 4] =
    [Kind::User, Kind::UserGroup, Kind::System, Kind::SystemGroup];

/// A fresh directory for one test.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("jc-org-backup-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Objects and links as JSON (names of both ends included, which
/// `NodeRef`'s equality leaves out).
fn shape(state: &OrgState) -> (serde_json::Value, serde_json::Value) {
    (
        serde_json::to_value(&state.objects).unwrap(),
        serde_json::to_value(&state.links).unwrap(),
    )
}

#[tokio::test]
async fn a_backup_of_the_demo_organisation_is_stable_and_reads_back_as_the_live_state() {
    let (fake, jc) = common::demo().await;
    let org = fake.default_org_id().to_owned();
    fake.org(&org)
        .insert(
            Collection::Users,
            json!({
                "username": "mallory",
                "email": "mallory@example.com",
                "totp_secret": "TOTP-SEED-1234",
                "recoveryEmail": {"address": "m@example.com", "verificationCode": "RECOVERY-9876"},
                "ssh_keys": [{"name": "laptop", "public_key": "ssh-ed25519 KEY-MATERIAL"}],
            }),
        )
        .unwrap();
    // The server sends a password hash it should not: it must not be kept.
    fake.faults().push(
        Fault::inject_field("password", "HASH-$2b$10$abcdef")
            .on_path("/api/systemusers")
            .times(usize::MAX),
    );
    fake.clear_requests();
    let dir = temp("demo");
    let seen: Mutex<Vec<Progress>> = Mutex::new(Vec::new());
    let manifest = jc
        .org()
        .backup(&dir)
        .on_progress(|p| seen.lock().unwrap().push(p.clone()))
        .await
        .unwrap();
    assert_eq!(manifest.requests, fake.request_count() as u64);
    assert!(manifest.fallbacks.is_empty());
    for field in [
        "password",
        "totp_secret",
        "recoveryEmail.verificationCode",
        "ssh_keys",
        "created",
    ] {
        assert!(
            manifest.stripped.iter().any(|s| s == field),
            "{field}: {:?}",
            manifest.stripped
        );
    }
    let users = manifest
        .kinds
        .iter()
        .find(|c| c.kind == Kind::User)
        .unwrap();
    assert_eq!(users.objects, 26);
    let listed: Vec<&Kind> = manifest.kinds.iter().map(|c| &c.kind).collect();
    assert_eq!(listed, named_kinds().collect::<Vec<_>>());
    let seen = seen.into_inner().unwrap();
    for c in &manifest.kinds {
        let last = seen.iter().rfind(|p| p.kind == c.kind).unwrap();
        assert!(last.done, "{last:?}");
        assert_eq!((last.objects, last.links), (c.objects, c.links), "{last:?}");
    }

    let written = files(&dir);
    assert!(written.contains_key("manifest.json"));
    let ada = written
        .keys()
        .find(|k| k.starts_with("user/ada.almeida0--") && k.ends_with(".json"))
        .expect("one file per user, named by username");
    assert!(!ada.ends_with(".links.json"));
    assert!(
        written
            .keys()
            .any(|k| k.starts_with("user_group/Engineering--") && k.ends_with(".links.json")),
        "{:?}",
        written.keys().collect::<Vec<_>>()
    );
    let user: serde_json::Value = serde_json::from_slice(&written[ada.as_str()]).unwrap();
    let fields = user["attributes"].as_object().unwrap();
    assert_eq!(user["kind"], "user");
    assert_eq!(fields["username"], "ada.almeida0");
    assert!(
        fields.contains_key("email") && fields.contains_key("_id"),
        "{user:#}"
    );
    for gone in ["created", "password_date", "totp_secret"] {
        assert!(!fields.contains_key(gone), "{gone}: {user:#}");
    }
    let (_, system) = written
        .iter()
        .find(|(k, _)| k.starts_with("system/lnx-002--"))
        .unwrap();
    let system: serde_json::Value = serde_json::from_slice(system).unwrap();
    let fields = system["attributes"].as_object().unwrap();
    assert!(fields.contains_key("hostname"), "{system:#}");
    for gone in ["lastContact", "remoteIP", "active", "created"] {
        assert!(!fields.contains_key(gone), "{gone}: {system:#}");
    }
    for (path, bytes) in &written {
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.ends_with('\n'), "{path}");
        for secret in [
            "HASH-$2b$10$abcdef",
            "TOTP-SEED",
            "RECOVERY-9876",
            "KEY-MATERIAL",
        ] {
            assert!(!text.contains(secret), "{secret} in {path}");
        }
    }

    // Again: the same bytes, but for the manifest's time.
    let again = jc.org().backup(&dir).await.unwrap();
    assert_eq!(again.kinds, manifest.kinds);
    let mut rewritten = files(&dir);
    let mut first = written.clone();
    rewritten.remove("manifest.json");
    first.remove("manifest.json");
    assert_eq!(
        rewritten.keys().collect::<Vec<_>>(),
        first.keys().collect::<Vec<_>>()
    );
    assert!(
        rewritten == first,
        "a rerun changed some object or links file"
    );

    // Read back, it is the live organisation.
    let read = OrgState::read(&dir).unwrap();
    let kinds: Vec<Kind> = named_kinds().cloned().collect();
    let live = jc.org().state(&kinds).await.unwrap();
    assert_eq!(read.manifest.as_ref().unwrap().kinds, manifest.kinds);
    assert_eq!(read.objects.len(), live.objects.len());
    assert_eq!(read.links.len(), live.links.len());
    assert_eq!(shape(&read), shape(&live));
    let links: usize = manifest.kinds.iter().map(|c| c.links).sum();
    assert_eq!(read.links.len(), links);

    // A deleted user's file goes at the next backup; nothing else does.
    fs::write(dir.join("NOTES.md"), "kept").unwrap();
    let mallory = live
        .objects
        .iter()
        .find(|o| o.name.as_deref() == Some("mallory"))
        .unwrap();
    jc.v1()
        .user_delete()
        .id(mallory.id.clone())
        .run()
        .await
        .unwrap();
    jc.org().backup(&dir).await.unwrap();
    let after = files(&dir);
    assert!(!after.keys().any(|k| k.starts_with("user/mallory--")));
    assert_eq!(after["NOTES.md"], b"kept");
    fs::remove_dir_all(&dir).unwrap();
}

/// A backup lists the same pages as a snapshot of the same kinds: the floor.
#[tokio::test]
async fn a_backup_costs_the_snapshot_floor() {
    let fake = FakeJumpCloud::start().await.unwrap();
    let org = fake.default_org_id().to_owned();
    fake.org(&org)
        .seed_big_org(BigOrg::new(250, 30, 1_000, 20))
        .unwrap();
    let jc = common::client(&fake, jumpcloud_ext::RetryPolicy::none());
    fake.clear_requests();
    jc.graph().snapshot(&PEOPLE_AND_MACHINES).await.unwrap();
    let snapshot = common::sent(&fake);
    let dir = temp("floor");
    let manifest = jc
        .org()
        .backup(&dir)
        .kinds(&PEOPLE_AND_MACHINES)
        .await
        .unwrap();
    let backup = common::sent(&fake);
    let floor = fake.org(&org).snapshot_floor(100).unwrap();
    assert_eq!(backup, snapshot);
    assert_eq!(backup, floor);
    assert_eq!(manifest.requests, backup as u64);
    fs::remove_dir_all(&dir).unwrap();
}

/// A key that may not list associations gets the same edges from the
/// traversal listings, and the manifest says which pairs came that way.
#[tokio::test]
async fn a_read_only_key_falls_back_to_traversal_for_the_same_edges() {
    let (fake, jc) = common::demo().await;
    let full = jc.org().state(&PEOPLE_AND_MACHINES).await.unwrap();
    fake.faults().push(Fault::read_only_associations());
    let limited = jc.org().state(&PEOPLE_AND_MACHINES).await.unwrap();
    assert_eq!(shape(&limited), shape(&full));
    assert!(full.links.iter().any(|l| l.attributes.contains_key("sudo")));

    let dir = temp("readonly");
    let manifest = jc
        .org()
        .backup(&dir)
        .kinds(&PEOPLE_AND_MACHINES)
        .await
        .unwrap();
    assert!(!manifest.fallbacks.is_empty());
    for f in &manifest.fallbacks {
        assert_eq!(f.instead, "traversal");
        assert!(f.refused >= 1, "{f:?}");
    }
    let text = fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(text.contains("\"fallbacks\""), "{text}");
    assert_eq!(shape(&OrgState::read(&dir).unwrap()), shape(&full));
    fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_directory_that_is_not_a_backup_is_refused_before_any_request() {
    let (fake, jc) = common::demo().await;
    let dir = temp("foreign");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("thesis.tex"), "years of work").unwrap();
    let e = jc.org().backup(&dir).await.unwrap_err();
    assert!(e.is_invalid_request(), "{e}");
    assert!(e.to_string().contains("no manifest.json"), "{e}");
    assert_eq!(fake.request_count(), 0);
    assert_eq!(
        fs::read_to_string(dir.join("thesis.tex")).unwrap(),
        "years of work"
    );
    fs::remove_dir_all(&dir).unwrap();
}

/// Pages of one listing, listings of many nodes: never more than the
/// concurrency asked for in flight, in all.
#[tokio::test]
async fn a_backup_keeps_to_its_concurrency_in_all() {
    let fake = common::slow_fake(std::time::Duration::from_millis(10)).await;
    let org = fake.default_org_id().to_owned();
    fake.org(&org)
        .seed_big_org(BigOrg::new(250, 4, 250, 2))
        .unwrap();
    let jc = common::client(&fake, jumpcloud_ext::RetryPolicy::none());
    let dir = temp("concurrency");
    let manifest = jc
        .org()
        .concurrency(3)
        .backup(&dir)
        .kinds(&PEOPLE_AND_MACHINES)
        .await
        .unwrap();
    let objects: usize = manifest.kinds.iter().map(|c| c.objects).sum();
    assert_eq!(objects, 250 + 4 + 250 + 2);
    assert_eq!(fake.max_in_flight(), 3);
    fs::remove_dir_all(&dir).unwrap();
}
