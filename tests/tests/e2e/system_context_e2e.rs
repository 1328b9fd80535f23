//! System Context end to end against the fake JumpCloud on 127.0.0.1: a
//! system signs its requests with its agent's key; the fake verifies each
//! signature over the request line and `Date`, and accepts it only on the
//! routes about that system.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures::TryStreamExt;
use jumpcloud_ext::prelude::*;
use jumpcloud_ext::{Credentials, ErrorKind};
use jumpcloud_fake::{FakeJumpCloud, Fault, GraphNode};

const PKCS1: &str = include_str!("../fixtures/system_context/agent-pkcs1.key");
const PKCS8: &str = include_str!("../fixtures/system_context/agent-pkcs8.key");
const PUBLIC_DER: &[u8] = include_bytes!("../fixtures/system_context/agent-public.der");

struct Device {
    fake: FakeJumpCloud,
    system: String,
    group: String,
}

/// A fake with two systems and a system group the first one belongs to; the
/// first may sign with the fixture key.
async fn device() -> Device {
    let fake = FakeJumpCloud::start().await.unwrap();
    let systems = fake.default_org().seed_systems(2).unwrap();
    let groups = fake.default_org().seed_system_groups(1).unwrap();
    let org = fake.default_org_id().to_owned();
    fake.org(&org)
        .add_member(
            &GraphNode::system_group(groups[0].as_str()),
            &GraphNode::system(systems[0].as_str()),
        )
        .unwrap();
    fake.org(&org).add_system_key(&systems[0], PUBLIC_DER);
    Device {
        fake,
        system: systems[0].clone(),
        group: groups[0].clone(),
    }
}

impl Device {
    /// Reads the system's own record as `jc`, and checks it is this system.
    async fn read_self(&self, jc: &JumpCloud) -> jumpcloud_ext::Result<()> {
        let me = jc.v1().system_get().id(self.system.clone()).run().await?;
        assert_eq!(me.id.as_deref(), Some(self.system.as_str()));
        Ok(())
    }

    fn client(&self, key: &str) -> JumpCloud {
        JumpCloud::builder()
            .system_context(self.system.clone(), key)
            .base_url(self.fake.base_url())
            .retry(RetryPolicy::none())
            .build()
            .unwrap()
    }
}

#[tokio::test]
async fn a_system_reads_its_own_record_and_groups_with_a_signature() {
    let d = device().await;
    let jc = d.client(PKCS1);
    d.read_self(&jc).await.unwrap();
    let groups: Vec<_> = jc
        .v2()
        .system_member_get()
        .system_id(d.system.clone())
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].id, d.group);

    // What went over the wire: a Date, and a signature the log keeps redacted.
    let sent = d.fake.requests();
    let last = sent.last().unwrap();
    assert!(last.query.as_deref().unwrap_or_default().contains("limit="));
    assert!(last.header("date").is_some());
    assert_eq!(last.header("authorization"), Some("<redacted>"));
    assert!(last.header("x-api-key").is_none());
}

#[tokio::test]
async fn a_pkcs8_key_signs_as_well() {
    let d = device().await;
    d.read_self(&d.client(PKCS8)).await.unwrap();
}

#[tokio::test]
async fn routes_about_other_objects_are_refused_by_the_server() {
    let d = device().await;
    let jc = d.client(PKCS1);
    let err = jc.v1().system_list().run().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Http);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
    let other = d.fake.default_org().seed_systems(1).unwrap().remove(0);
    let err = jc.v1().system_get().id(other).run().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
}

#[tokio::test]
async fn a_signature_from_another_key_does_not_verify() {
    let d = device().await;
    // The other system has no key registered; the first system's id with a
    // key the server does not know for it fails the same way.
    let org = d.fake.default_org_id().to_owned();
    d.fake.org(&org).add_system_key(&d.system, b"not the key");
    let err = d.read_self(&d.client(PKCS1)).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("Signature keyId"), "{shown}");
}

#[tokio::test]
async fn a_request_sent_again_after_a_wait_is_signed_again() {
    let d = device().await;
    let jc = JumpCloud::builder()
        .system_context(d.system.clone(), PKCS1)
        .base_url(d.fake.base_url())
        .retry(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_backoff(Duration::from_millis(10), Duration::from_secs(3)),
        )
        .build()
        .unwrap();
    d.fake.faults().push(
        Fault::status(503)
            .retry_after_secs(1)
            .on_path(format!("/api/systems/{}", d.system))
            .times(1),
    );
    d.read_self(&jc).await.unwrap();
    let dates: Vec<String> = d
        .fake
        .requests()
        .iter()
        .map(|r| r.header("date").unwrap().to_owned())
        .collect();
    assert_eq!(dates.len(), 2);
    assert_ne!(dates[0], dates[1], "the resent request carries a new Date");
}

#[tokio::test]
async fn credentials_come_from_the_agent_files() {
    let d = device().await;
    let dir = std::env::temp_dir().join(format!("jc-agent-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("jcagent.conf");
    let key = dir.join("client.key");
    std::fs::write(
        &conf,
        format!(r#"{{"systemKey":"{}","other":1}}"#, d.system),
    )
    .unwrap();
    std::fs::write(&key, PKCS1).unwrap();
    let creds = Credentials::system_context_from_files(&conf, &key).unwrap();
    let shown = format!("{creds:?}");
    assert!(
        shown.contains(&d.system) && !shown.contains("PRIVATE KEY"),
        "{shown}"
    );
    let jc = JumpCloud::builder()
        .credentials(creds)
        .base_url(d.fake.base_url())
        .build()
        .unwrap();
    assert!(!format!("{jc:?}").contains("PRIVATE KEY"));
    d.read_self(&jc).await.unwrap();

    let missing = Credentials::system_context_from_files(&dir.join("nope.conf"), &key);
    assert_eq!(missing.unwrap_err().kind(), ErrorKind::Config);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_key_that_is_not_an_rsa_pem_is_a_config_error() {
    let d = device().await;
    for bad in [
        "",
        "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
    ] {
        let err = JumpCloud::builder()
            .system_context(d.system.clone(), bad)
            .base_url(d.fake.base_url())
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{bad:?}");
    }
    let err = JumpCloud::builder()
        .system_context("not a key id!", PKCS1)
        .base_url(d.fake.base_url())
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
}
