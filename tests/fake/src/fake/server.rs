//! Starting, configuring and stopping the fake, and the handle tests drive it through.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use chrono::Utc;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use super::auth::{AuthState, Client};
use super::demo::{self, DEMO_API_KEY, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG_ID};
use super::error::FakeError;
use super::faults::Faults;
use super::gateway;
use super::ids::{IdGen, is_object_id};
use super::log::{self, RecordedRequest, RequestLog};
use super::org::FakeOrg;
use super::routes;
use super::state::{Data, Org, Shared, lock};

/// Org of a fake started without any configuration.
pub const DEFAULT_ORG_ID: &str = "5f1b2c3d4e5f60718293a4b5";
/// API key that works when the builder was given no credentials.
pub const DEFAULT_API_KEY: &str = "fake-api-key";
/// Service-account client id that works when the builder was given no credentials.
pub const DEFAULT_CLIENT_ID: &str = "fake-client";
/// Service-account secret that works when the builder was given no credentials.
pub const DEFAULT_CLIENT_SECRET: &str = "fake-secret";
/// Provider (multi-tenant portal) id accepted by `/api/v2/providers/{id}/...`.
pub const DEFAULT_PROVIDER_ID: &str = "5e0d00000000000000000001";
/// Token lifetime unless configured: about an hour, as live.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Configures a fake before it starts. Credentials name the orgs they reach; orgs they name
/// that weren't declared with [`FakeBuilder::org`] are created. With no credentials at all,
/// [`DEFAULT_API_KEY`] and [`DEFAULT_CLIENT_ID`]/[`DEFAULT_CLIENT_SECRET`] reach every org;
/// with no orgs at all, [`DEFAULT_ORG_ID`] exists.
#[derive(Debug, Clone)]
pub struct FakeBuilder {
    orgs: Vec<(String, String)>,
    api_keys: Vec<(String, Vec<String>)>,
    clients: Vec<(String, String, Vec<String>)>,
    token_lifetime: Duration,
    provider_id: String,
    accept_any: bool,
    demo: bool,
    log_capacity: usize,
    latency: Duration,
    port: u16,
}

impl Default for FakeBuilder {
    fn default() -> Self {
        Self {
            orgs: Vec::new(),
            api_keys: Vec::new(),
            clients: Vec::new(),
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            provider_id: DEFAULT_PROVIDER_ID.to_owned(),
            accept_any: false,
            demo: false,
            log_capacity: log::DEFAULT_CAPACITY,
            latency: Duration::ZERO,
            port: 0,
        }
    }
}

fn owned<I>(orgs: I) -> Vec<String>
where
    I: IntoIterator,
    I::Item: AsRef<str>,
{
    orgs.into_iter()
        .map(|o| o.as_ref().to_ascii_lowercase())
        .collect()
}

impl FakeBuilder {
    /// Declare an organisation (24 hex chars) with a display name.
    pub fn org(mut self, id: impl AsRef<str>, name: impl Into<String>) -> Self {
        self.orgs
            .push((id.as_ref().to_ascii_lowercase(), name.into()));
        self
    }

    /// Accept API key `key` for `orgs`: one org works without `x-org-id`, several (a
    /// multi-tenant admin) need it.
    pub fn api_key<I>(mut self, key: impl Into<String>, orgs: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.api_keys.push((key.into(), owned(orgs)));
        self
    }

    /// Accept service account `id` with `secret` at the token endpoint, for `orgs`.
    pub fn client<I>(mut self, id: impl Into<String>, secret: impl Into<String>, orgs: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.clients.push((id.into(), secret.into(), owned(orgs)));
        self
    }

    /// How long bearer tokens live (`expires_in` reports it in whole seconds); make it short
    /// to test expiry.
    pub fn token_lifetime(mut self, d: Duration) -> Self {
        self.token_lifetime = d;
        self
    }

    /// The provider id `/api/v2/providers/{id}/...` answers for.
    pub fn provider_id(mut self, id: impl Into<String>) -> Self {
        self.provider_id = id.into();
        self
    }

    /// Accept any API key, bearer token, client id/secret and `x-org-id`, all mapped to the
    /// first org: lets a demo run with someone's real environment still talk to the fake.
    pub fn accept_any_credentials(mut self) -> Self {
        self.accept_any = true;
        self
    }

    /// Add the demo organisation ([`DEMO_ORG_ID`]) with its data set and credentials
    /// ([`DEMO_API_KEY`], [`DEMO_CLIENT_ID`]/[`DEMO_CLIENT_SECRET`]).
    pub fn demo(mut self) -> Self {
        self.demo = true;
        self
    }

    /// Keep at most `n` requests in the log (default 100,000; 0 keeps none): long benchmark
    /// runs then use bounded memory. [`FakeJumpCloud::request_count`] still counts them all.
    pub fn request_log_capacity(mut self, n: usize) -> Self {
        self.log_capacity = n;
        self
    }

    /// Delay every request by `d` before serving it (e.g. 20 ms to model a distant API in
    /// benchmarks); change it later with [`FakeJumpCloud::set_latency`].
    pub fn latency(mut self, d: Duration) -> Self {
        self.latency = d;
        self
    }

    /// Listen on this port of 127.0.0.1 instead of a free one the system picks (0, the
    /// default). Starting fails if the port is taken.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Bind 127.0.0.1 (a free port unless [`FakeBuilder::port`] chose one) and serve on the
    /// current tokio runtime until the returned handle is dropped or shut down. Fails if the
    /// port can't be bound or an org id isn't 24 hex characters.
    pub async fn start(self) -> io::Result<FakeJumpCloud> {
        let mut b = self;
        if b.demo {
            b.orgs
                .insert(0, (DEMO_ORG_ID.to_owned(), demo::DEMO_ORG_NAME.to_owned()));
            b.api_keys
                .push((DEMO_API_KEY.to_owned(), vec![DEMO_ORG_ID.to_owned()]));
            b.clients.push((
                DEMO_CLIENT_ID.to_owned(),
                DEMO_CLIENT_SECRET.to_owned(),
                vec![DEMO_ORG_ID.to_owned()],
            ));
        }
        let mut org_ids: Vec<String> = Vec::new();
        let mut names: HashMap<String, String> = HashMap::new();
        let named = b.orgs.iter().map(|(id, name)| (id, Some(name)));
        let referenced = b
            .api_keys
            .iter()
            .flat_map(|(_, orgs)| orgs)
            .chain(b.clients.iter().flat_map(|(_, _, orgs)| orgs))
            .map(|id| (id, None));
        for (id, name) in named.chain(referenced) {
            if !is_object_id(id) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("org id {id:?} is not 24 hex characters"),
                ));
            }
            if !org_ids.contains(id) {
                org_ids.push(id.clone());
            }
            if let Some(name) = name {
                names.entry(id.clone()).or_insert_with(|| name.clone());
            }
        }
        if org_ids.is_empty() {
            org_ids.push(DEFAULT_ORG_ID.to_owned());
        }
        if b.api_keys.is_empty() && b.clients.is_empty() {
            b.api_keys
                .push((DEFAULT_API_KEY.to_owned(), org_ids.clone()));
            b.clients.push((
                DEFAULT_CLIENT_ID.to_owned(),
                DEFAULT_CLIENT_SECRET.to_owned(),
                org_ids.clone(),
            ));
        }

        let ids = IdGen::new();
        let now = Utc::now();
        let mut data = Data::default();
        for (n, id) in org_ids.iter().enumerate() {
            let name = names
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("Organization {}", n + 1));
            let mut org = Org::new(id, &name);
            if b.demo && id == DEMO_ORG_ID {
                demo::seed(&mut org, &ids, now).map_err(io::Error::other)?;
            }
            data.orgs.insert(id.clone(), org);
        }
        let mut auth = AuthState::new(b.provider_id, b.token_lifetime);
        for (key, orgs) in b.api_keys {
            auth.api_keys.insert(key, orgs);
        }
        for (id, secret, orgs) in b.clients {
            let client = auth.clients.entry(id).or_insert_with(|| Client {
                secrets: Vec::new(),
                orgs,
            });
            client.secrets.push(secret);
        }
        if b.accept_any {
            auth.accept_any = org_ids.first().map(|o| vec![o.clone()]);
        }

        let shared = Arc::new(Shared {
            data: std::sync::Mutex::new(data),
            auth: std::sync::Mutex::new(auth),
            faults: Faults::default(),
            log: RequestLog::new(b.log_capacity),
            ids,
            token_requests: AtomicU64::new(0),
            latency_micros: AtomicU64::new(micros(b.latency)),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, b.port)).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = watch::channel(());
        let router = routes::router(Arc::clone(&shared));
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared), router, stopped));
        Ok(FakeJumpCloud {
            addr,
            shared,
            stop,
            task,
            default_org: org_ids.swap_remove(0),
        })
    }
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    router: Router,
    mut stopped: watch::Receiver<()>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let conn = serve_connection(
                        stream,
                        Arc::clone(&shared),
                        router.clone(),
                        stopped.clone(),
                    );
                    tokio::spawn(conn);
                }
                // Out of descriptors or a reset during the handshake: back off and carry on.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            _ = stopped.changed() => return,
        }
    }
}

/// Serve HTTP/1.1 on one connection until the client leaves, the fake stops, or a drop
/// fault asks for the socket to be closed.
async fn serve_connection(
    stream: TcpStream,
    shared: Arc<Shared>,
    router: Router,
    mut stopped: watch::Receiver<()>,
) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = Arc::clone(&kill);
        hyper::service::service_fn(move |req| {
            let handled =
                gateway::handle(Arc::clone(&shared), router.clone(), Arc::clone(&kill), req);
            async move { Ok::<_, Infallible>(handled.await) }
        })
    };
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        () = kill.notified() => {}
        _ = stopped.changed() => {}
    }
}

/// A running fake JumpCloud. Dropping it (or [`FakeJumpCloud::shutdown`]) stops the server;
/// then, unless the thread is already panicking, it panics if a scripted [`Fault`] never
/// fired (see [`FakeJumpCloud::verify`]).
///
/// [`Fault`]: super::Fault
#[derive(Debug)]
pub struct FakeJumpCloud {
    addr: SocketAddr,
    pub(super) shared: Arc<Shared>,
    stop: watch::Sender<()>,
    task: JoinHandle<()>,
    default_org: String,
}

impl FakeJumpCloud {
    /// Start with defaults: one org ([`DEFAULT_ORG_ID`]), [`DEFAULT_API_KEY`] and the default
    /// service account, no data.
    pub async fn start() -> io::Result<Self> {
        FakeBuilder::default().start().await
    }

    /// Start with the demo organisation only (see [`FakeBuilder::demo`]).
    pub async fn demo() -> io::Result<Self> {
        FakeBuilder::default().demo().start().await
    }

    /// Configure before starting.
    pub fn builder() -> FakeBuilder {
        FakeBuilder::default()
    }

    /// Stop serving and wait for the listener to close. Faults are verified as on drop.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(());
        let _ = (&mut self.task).await;
    }

    /// Check that every scripted fault fired: a [`FakeError::UnfiredFaults`] lists those
    /// that never caught a request and are not [`Fault::optional`](super::Fault::optional).
    /// Dropping the fake makes the same check and panics on failure (unless the test is
    /// already panicking); call this to fail earlier, or with a `Result`. Faults that stay
    /// pending stay reported: [`Faults::clear`] them if that is expected.
    pub fn verify(&self) -> Result<(), FakeError> {
        let unfired = self.shared.faults.unfired();
        if unfired.is_empty() {
            Ok(())
        } else {
            Err(FakeError::UnfiredFaults(
                unfired.iter().map(ToString::to_string).collect(),
            ))
        }
    }

    /// The socket the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Origin of every API, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Base of the v1 API (`{base}/api`).
    pub fn v1_url(&self) -> String {
        format!("{}/api", self.base_url())
    }

    /// Base of the v2 API (`{base}/api/v2`).
    pub fn v2_url(&self) -> String {
        format!("{}/api/v2", self.base_url())
    }

    /// Base of Directory Insights (`{base}/insights/directory/v1`).
    pub fn insights_url(&self) -> String {
        format!("{}/insights/directory/v1", self.base_url())
    }

    /// The OAuth token endpoint (`{base}/oauth2/token`).
    pub fn token_url(&self) -> String {
        format!("{}/oauth2/token", self.base_url())
    }

    /// The handle on org `id`'s data (see [`FakeOrg`]): where every seeding, linking and
    /// per-org setting happens. An id the fake was not started with is not refused here; the
    /// handle's calls fail with [`FakeError::UnknownOrg`].
    pub fn org(&self, id: &str) -> FakeOrg {
        FakeOrg::new(Arc::clone(&self.shared), id)
    }

    /// The handle on the first org: the demo org, the first declared, or
    /// [`DEFAULT_ORG_ID`]. The one a single-org test seeds.
    pub fn default_org(&self) -> FakeOrg {
        self.org(&self.default_org)
    }

    /// The id of [`FakeJumpCloud::default_org`], e.g. for `x-org-id`.
    pub fn default_org_id(&self) -> &str {
        &self.default_org
    }

    /// Every org id, sorted.
    pub fn org_ids(&self) -> Vec<String> {
        lock(&self.shared.data).orgs.keys().cloned().collect()
    }

    /// The fault queue: push faults for the next matching requests.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// Delay every request from now on by `d` (`Duration::ZERO` for none).
    pub fn set_latency(&self, d: Duration) {
        self.shared
            .latency_micros
            .store(micros(d), Ordering::Relaxed);
    }

    /// The delay currently added to every request.
    pub fn latency(&self) -> Duration {
        Duration::from_micros(self.shared.latency_micros.load(Ordering::Relaxed))
    }

    /// Requests received so far, oldest first, secrets redacted (up to the log's capacity).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.log.snapshot()
    }

    /// The recorded `method` requests (case-insensitive) for exactly `path` (no query), oldest
    /// first: e.g. `fake.requests_to("PUT", &format!("/api/systemusers/{id}"))`.
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.is(method, path))
            .collect()
    }

    /// How many requests were received so far (including any past the log's capacity).
    pub fn request_count(&self) -> usize {
        self.shared.log.seen()
    }

    /// The most requests the fake was serving at once (from arrival to answer) since it
    /// started or since [`FakeJumpCloud::reset_max_in_flight`]: what a client's concurrency
    /// limit looks like from the server.
    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }

    /// Start counting [`FakeJumpCloud::max_in_flight`] afresh.
    pub fn reset_max_in_flight(&self) {
        let now = self.shared.in_flight.load(Ordering::SeqCst);
        self.shared.max_in_flight.store(now, Ordering::SeqCst);
    }

    /// Forget the recorded requests (e.g. after a test's setup phase).
    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// How many times the token endpoint was called (successfully or not).
    pub fn token_requests(&self) -> u64 {
        self.shared.token_requests.load(Ordering::Relaxed)
    }

    /// Invalidate every issued bearer token: the next bearer requests get 401.
    pub fn revoke_tokens(&self) {
        lock(&self.shared.auth).revoke_tokens();
    }

    /// Change the lifetime of tokens issued from now on.
    pub fn set_token_lifetime(&self, d: Duration) {
        lock(&self.shared.auth).token_lifetime = d;
    }

    /// Accept another API key at runtime.
    pub fn add_api_key<I>(&self, key: impl Into<String>, orgs: I)
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        lock(&self.shared.auth)
            .api_keys
            .insert(key.into(), owned(orgs));
    }

    /// Stop accepting an API key.
    pub fn remove_api_key(&self, key: &str) {
        lock(&self.shared.auth).api_keys.remove(key);
    }

    /// Give a known service account another live secret (both work: rotation).
    pub fn add_client_secret(
        &self,
        client_id: &str,
        secret: impl Into<String>,
    ) -> Result<(), FakeError> {
        let mut auth = lock(&self.shared.auth);
        let client = auth
            .clients
            .get_mut(client_id)
            .ok_or_else(|| FakeError::UnknownClient(client_id.to_owned()))?;
        client.secrets.push(secret.into());
        Ok(())
    }

    /// Retire one secret of a service account (the end of a rotation).
    pub fn remove_client_secret(&self, client_id: &str, secret: &str) -> Result<(), FakeError> {
        let mut auth = lock(&self.shared.auth);
        let client = auth
            .clients
            .get_mut(client_id)
            .ok_or_else(|| FakeError::UnknownClient(client_id.to_owned()))?;
        client.secrets.retain(|s| s != secret);
        Ok(())
    }
}

impl Drop for FakeJumpCloud {
    /// Stops the server, then fails the test if a scripted fault never fired (as wiremock
    /// does for unmet expectations); never while already panicking, which would abort.
    fn drop(&mut self) {
        self.stop.send_replace(());
        if std::thread::panicking() {
            return;
        }
        if let Err(e) = self.verify() {
            panic!("jumpcloud-fake: {e} (mark a fault `.optional()` if it may not fire)");
        }
    }
}
