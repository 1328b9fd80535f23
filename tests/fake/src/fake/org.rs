//! The handle on one organisation's data: every seeding, linking, inspecting and per-org
//! configuring call goes through it, so each names its organisation the same way.

use std::sync::Arc;

use chrono::Utc;
use serde_json::Value;

use super::error::FakeError;
use super::seed;
use super::state::{Collection, Org, Shared, lock};

/// One organisation of a running fake: seed it, link its objects, read them back and set
/// how its jobs behave. Get it from [`FakeJumpCloud::org`] (any org id) or
/// [`FakeJumpCloud::default_org`]. It is cheap to clone and shares the fake's data rather than
/// borrowing the fake, so it can be kept or moved into a task; calls on an org the fake was
/// not started with fail with [`FakeError::UnknownOrg`].
///
/// - objects: [`FakeOrg::add_user`] and the other `add_*` calls for one named object,
///   [`FakeOrg::insert`] for any [`Collection`] with chosen properties, [`FakeOrg::seed`]
///   (and `seed_users`, ...) for many generated ones, [`FakeOrg::seed_big_org`] for a large
///   linked organisation; [`FakeOrg::objects`], [`FakeOrg::object`], [`FakeOrg::remove`];
/// - the graph: [`FakeOrg::associate`], [`FakeOrg::add_member`] and their inverses;
///   [`FakeOrg::associations_of`], [`FakeOrg::members_of`], [`FakeOrg::groups_of`];
/// - other data: System Insights rows, directory imports, Directory Insights event sets;
/// - behaviour: command run timing and silent systems, bulk job timing, System Context keys.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use jumpcloud_fake::{FakeJumpCloud, GraphNode};
///
/// let second = "5f1b2c3d4e5f60718293a4b6";
/// let fake = FakeJumpCloud::builder()
///     .org(jumpcloud_fake::DEFAULT_ORG_ID, "Acme")
///     .org(second, "Acme Labs")
///     .start()
///     .await?;
/// let acme = fake.default_org();
/// let ada = acme.add_user("ada")?;
/// let admins = acme.add_user_group("Admins")?;
/// acme.add_member(&GraphNode::user_group(&admins), &GraphNode::user(&ada))?;
/// // Orgs are separate directories: the same username is free in the other one.
/// fake.org(second).add_user("ada")?;
/// # Ok(())
/// # }
/// ```
///
/// [`FakeJumpCloud::org`]: super::FakeJumpCloud::org
/// [`FakeJumpCloud::default_org`]: super::FakeJumpCloud::default_org
#[derive(Debug, Clone)]
pub struct FakeOrg {
    shared: Arc<Shared>,
    id: String,
}

impl FakeOrg {
    pub(crate) fn new(shared: Arc<Shared>, id: &str) -> Self {
        Self {
            shared,
            id: id.to_ascii_lowercase(),
        }
    }

    /// The organisation's id (24 hex characters, lower case): what `x-org-id` carries.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs `f` on this org's data under the lock.
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&mut Org) -> Result<T, FakeError>,
    ) -> Result<T, FakeError> {
        f(lock(&self.shared.data).org_mut(&self.id)?)
    }

    /// Runs `f` on this org's data under the lock, reading only.
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Org) -> Result<T, FakeError>,
    ) -> Result<T, FakeError> {
        f(lock(&self.shared.data).org(&self.id)?)
    }

    /// Add an object to a collection, filling in the properties the API always returns.
    /// `input` must be a JSON object; a well-formed `_id`/`id` in it is kept, else one is
    /// generated. Unlike the HTTP routes, enum values aren't checked, so odd data can be
    /// seeded. Returns its id.
    pub fn insert(&self, c: Collection, input: Value) -> Result<String, FakeError> {
        let Value::Object(input) = input else {
            return Err(FakeError::InvalidObject("not a JSON object".into()));
        };
        let ids = &self.shared.ids;
        self.write(|org| org.create(c, &input, || ids.next(), Utc::now()))
    }

    /// Add `n` generated sample objects to a collection; their ids in creation (= id)
    /// order. Users get unique usernames and mixed states, systems cycle macOS/Windows/Linux,
    /// events go back one minute each from now, the other resources get numbered names.
    /// Linear in `n`: 100,000 users take well under a second in release.
    pub fn seed(&self, c: Collection, n: usize) -> Result<Vec<String>, FakeError> {
        let now = Utc::now();
        let ids = &self.shared.ids;
        self.write(|org| {
            let first = org.objects(c).len();
            let inputs = (first..first + n).map(|i| seed::sample(c, i, now));
            org.create_many(c, inputs, || ids.next(), now)
        })
    }

    /// A snapshot of a collection, in id order.
    pub fn objects(&self, c: Collection) -> Result<Vec<Value>, FakeError> {
        self.read(|org| Ok(org.objects(c).values().cloned().collect()))
    }

    /// One object by id, if present.
    pub fn object(&self, c: Collection, id: &str) -> Option<Value> {
        self.read(|org| Ok(org.objects(c).get(id).cloned()))
            .ok()
            .flatten()
    }

    /// Remove one object by id, with its associations and memberships; returns it if it
    /// was there.
    pub fn remove(&self, c: Collection, id: &str) -> Option<Value> {
        self.write(|org| Ok(org.remove(c, id))).ok().flatten()
    }

    /// Let system `system_id` of this org sign requests (System Context) with the private
    /// half of `public_key_der` (a PKCS#1 `RSAPublicKey`, DER). Signed requests are accepted
    /// only on routes about that system.
    pub fn add_system_key(&self, system_id: &str, public_key_der: &[u8]) {
        lock(&self.shared.auth).system_keys.insert(
            system_id.to_owned(),
            super::system_context::SystemKey {
                public_der: public_key_der.to_vec(),
                org: self.id.clone(),
            },
        );
    }
}
