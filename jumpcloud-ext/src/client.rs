//! The [`JumpCloud`] client and its builder.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderValue;

use crate::auth::{ApiKeyAuth, Auth, Credentials, OAuthAuth, OAuthSettings};
use crate::call::CallOptions;
use crate::config::{
    self, BaseUrl, DEFAULT_CONNECT_TIMEOUT, DEFAULT_SCOPE, DEFAULT_TIMEOUT, DEFAULT_TOKEN_SKEW,
    DEFAULT_USER_AGENT, Endpoints, Region,
};
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::transport::{JumpCloudTransport, OrgScope, Shared};

/// A JumpCloud client: the generated API clients with authentication,
/// organisation scoping, retries, tracing and typed errors applied.
///
/// Build it once and share it: cloning is cheap, and every clone (including
/// those made by [`with_org`](Self::with_org)) shares one connection pool and
/// one OAuth token cache.
///
/// ```no_run
/// # async fn demo() -> jumpcloud_ext::Result<()> {
/// use jumpcloud_ext::{JumpCloud, Region};
///
/// let jc = JumpCloud::builder()
///     .service_account("client-id", "client-secret")
///     .region(Region::Eu)
///     .build()?;
/// use jumpcloud_ext::Run;
/// # #[cfg(feature = "directory")]
/// let groups = jc.v2().group_list().limit(10).run().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct JumpCloud {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    shared: Arc<Shared>,
    endpoints: Endpoints,
    org: OrgScope,
    options: Arc<CallOptions>,
    sender: jumpcloud_api::Sender,
    #[cfg(feature = "v2")]
    v2: jumpcloud_api::v2::Client,
    #[cfg(feature = "v1")]
    v1: jumpcloud_api::v1::Client,
    #[cfg(feature = "insights")]
    insights: jumpcloud_api::insights::Client,
}

impl Inner {
    fn new(
        http: reqwest::Client,
        shared: Arc<Shared>,
        endpoints: Endpoints,
        org: OrgScope,
        options: Arc<CallOptions>,
    ) -> Self {
        let sender = jumpcloud_api::Sender::new(JumpCloudTransport::new(
            shared.clone(),
            org.clone(),
            options.clone(),
        ));
        Inner {
            #[cfg(feature = "v2")]
            v2: jumpcloud_api::v2::Client::with_sender(
                endpoints.v2(),
                http.clone(),
                sender.clone(),
            ),
            #[cfg(feature = "v1")]
            v1: jumpcloud_api::v1::Client::with_sender(
                endpoints.v1(),
                http.clone(),
                sender.clone(),
            ),
            #[cfg(feature = "insights")]
            insights: jumpcloud_api::insights::Client::with_sender(
                endpoints.insights(),
                http.clone(),
                sender.clone(),
            ),
            http,
            shared,
            endpoints,
            org,
            options,
            sender,
        }
    }
}

impl JumpCloud {
    /// Starts configuring a client.
    pub fn builder() -> JumpCloudBuilder {
        JumpCloudBuilder::default()
    }

    /// A client configured from the process environment; see
    /// [`JumpCloudBuilder::from_env_map`] for the variables.
    pub fn from_env() -> Result<Self> {
        JumpCloudBuilder::from_env()?.build()
    }

    /// A copy acting in organisation `org_id` (sent as `x-org-id` on every
    /// route that accepts it). It shares the connection pool and the token
    /// cache, so walking many organisations costs no extra logins.
    ///
    /// An id that cannot be a header value makes every request of the copy
    /// that would carry it fail with an
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) error (as the same id
    /// given to [`JumpCloudBuilder::org_id`] fails `build`).
    pub fn with_org(&self, org_id: impl AsRef<str>) -> JumpCloud {
        self.scoped(
            OrgScope::new(Some(org_id.as_ref())),
            self.inner.options.clone(),
        )
    }

    /// A copy that sends no `x-org-id`: the credentials' own organisation.
    pub fn without_org(&self) -> JumpCloud {
        self.scoped(OrgScope::None, self.inner.options.clone())
    }

    /// A copy whose requests follow `options` (a retry policy, a
    /// [`Budget`](crate::Budget), a timeout per attempt): each option set
    /// there replaces this client's, the others stay. Like
    /// [`with_org`](Self::with_org) it is cheap and shares the connection
    /// pool, the token cache and the organisation, so make one per call if
    /// that is simplest; the options travel with the copy (to another task
    /// too), not with the task that uses it. Token requests keep the policy
    /// the client was built with.
    ///
    /// ```no_run
    /// # async fn demo(jc: jumpcloud_ext::JumpCloud) -> jumpcloud_ext::Result<()> {
    /// use jumpcloud_ext::{CallOptions, RetryPolicy, Run};
    ///
    /// // A liveness probe: one attempt, no waiting out a rate limit.
    /// # #[cfg(feature = "directory")]
    /// let groups = jc
    ///     .with_options(CallOptions::new().retry(RetryPolicy::none()))
    ///     .v2()
    ///     .group_list()
    ///     .limit(1)
    ///     .run()
    ///     .await?;
    ///
    /// // For POSTs known to be safe to repeat.
    /// let resending = jc.with_options(
    ///     CallOptions::new().retry(RetryPolicy::default().with_retry_non_idempotent(true)),
    /// );
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_options(&self, options: CallOptions) -> JumpCloud {
        let options = self.inner.options.overlaid(options);
        self.scoped(self.inner.org.clone(), Arc::new(options))
    }

    fn scoped(&self, org: OrgScope, options: Arc<CallOptions>) -> JumpCloud {
        let i = &self.inner;
        JumpCloud {
            inner: Arc::new(Inner::new(
                i.http.clone(),
                i.shared.clone(),
                i.endpoints.clone(),
                org,
                options,
            )),
        }
    }

    /// The organisation this client acts in, if one was set.
    pub fn org_id(&self) -> Option<&str> {
        self.inner.org.id()
    }

    /// The system this client signs as, with System Context credentials.
    #[cfg(feature = "system-context")]
    pub fn system_key(&self) -> Option<&str> {
        match &self.inner.shared.auth {
            crate::auth::Auth::SystemContext(s) => Some(s.system_key()),
            _ => None,
        }
    }

    /// The provider id sent to Directory Insights, if one was configured.
    pub fn provider_id(&self) -> Option<&str> {
        self.inner
            .shared
            .provider
            .as_ref()
            .and_then(|v| v.to_str().ok())
    }

    /// The base URLs in use.
    pub fn endpoints(&self) -> &Endpoints {
        &self.inner.endpoints
    }

    /// The underlying HTTP client (one connection pool for all clones).
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// What sends this client's requests (its request path), to build further
    /// generated clients (say, for another base URL) that behave the same.
    pub fn sender(&self) -> &jumpcloud_api::Sender {
        &self.inner.sender
    }

    /// Sends a request the generated clients do not build (an operation
    /// the documents lack, say) through this client's request path:
    /// organisation, credentials, budget, timeout and retries as for any
    /// call, decided by `operation`'s facts (its [`Effect`](jumpcloud_api::Effect)
    /// says whether it may be resent). Returns a success answer, or the
    /// typed [`Error`](crate::Error) of any other.
    ///
    /// ```no_run
    /// # async fn demo(jc: jumpcloud_ext::JumpCloud) -> jumpcloud_ext::Result<()> {
    /// use jumpcloud_ext::api::{Api, Area, Effect, Operation, Source};
    ///
    /// static ROLES: Operation = Operation {
    ///     api: Api::V2,
    ///     id: "Roles_List",
    ///     rust_method: "roles_list",
    ///     http_method: "GET",
    ///     path: "/roles",
    ///     org_header: true,
    ///     effect: Effect::Read,
    ///     area: Area::Directory,
    ///     source: Source::Unlisted,
    ///     paging: None,
    ///     filter: None,
    /// };
    /// let url = format!("{}/roles", jc.endpoints().v2());
    /// let request = jc.http_client().get(url).build().map_err(jumpcloud_ext::Error::from)?;
    /// let roles: serde_json::Value = jc.send_request(request, &ROLES).await?.json().await?;
    /// # let _ = roles;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send_request(
        &self,
        request: reqwest::Request,
        operation: &'static jumpcloud_api::Operation,
    ) -> crate::Result<reqwest::Response> {
        let outgoing = jumpcloud_api::Outgoing {
            request,
            http: self.inner.http.clone(),
            sender: self.inner.sender.clone(),
        };
        crate::call::send_outgoing(outgoing, operation, None).await
    }

    /// The options this client's requests follow (its retry policy always
    /// set: the builder's, or one given to [`with_options`](Self::with_options)).
    pub fn options(&self) -> &CallOptions {
        &self.inner.options
    }

    /// The API v2 client.
    #[cfg(feature = "v2")]
    pub fn v2(&self) -> &jumpcloud_api::v2::Client {
        &self.inner.v2
    }

    /// The organisation's graph: associations, memberships, traversal with
    /// paths, access questions, desired-state plans and offboarding, one API
    /// over every kind (see [`crate::graph`]).
    #[cfg(feature = "directory")]
    pub fn graph(&self) -> crate::graph::Graph<'_> {
        crate::graph::Graph::new(self)
    }

    /// The organisation as code: backups, diffs, and declared states
    /// planned and applied (see [`crate::org`]).
    #[cfg(feature = "org")]
    pub fn org(&self) -> crate::org::Org<'_> {
        crate::org::Org::new(self)
    }

    /// The API v1 client.
    #[cfg(feature = "v1")]
    pub fn v1(&self) -> &jumpcloud_api::v1::Client {
        &self.inner.v1
    }

    /// The Directory Insights client.
    #[cfg(feature = "insights")]
    pub fn insights(&self) -> &jumpcloud_api::insights::Client {
        &self.inner.insights
    }

    /// Replaces a service account's client secret for all future token
    /// requests, in this client and all its clones. JumpCloud keeps two
    /// secrets active, so a rotation needs no restart: add the new secret,
    /// call this, then revoke the old one. Errors for API-key clients.
    pub fn set_client_secret(&self, secret: impl Into<Secret>) -> Result<()> {
        match self.inner.shared.auth.oauth() {
            Some(o) => o.set_client_secret(secret.into()),
            None => Err(Error::config(
                "set_client_secret needs a service-account client; this one uses an API key",
            )),
        }
    }

    /// Checks that credentials can be used now: for a service account, fetches
    /// a token unless one is cached. API keys are only checked by the API
    /// itself, on the first call.
    pub async fn authenticate(&self) -> Result<()> {
        match self.inner.shared.auth.oauth() {
            Some(o) => o.bearer().await.map(drop),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for JumpCloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("JumpCloud")
            .field("auth", &i.shared.auth)
            .field("org_id", &i.org.id())
            .field("provider_id", &self.provider_id())
            .field("endpoints", &i.endpoints)
            .field("options", &i.options)
            .finish_non_exhaustive()
    }
}

/// Configures a [`JumpCloud`] client. Setters never fail; [`build`](Self::build)
/// reports every problem as an [`ErrorKind::Config`](crate::ErrorKind::Config)
/// error.
///
/// ```
/// use std::time::Duration;
/// use jumpcloud_ext::{ErrorKind, JumpCloud, Region, RetryPolicy};
///
/// let jc = JumpCloud::builder()
///     .service_account("client-id", "client-secret")
///     .region(Region::Eu)
///     .org_id("5f1b2c3d4e5f60718293a4b5")
///     .timeout(Duration::from_secs(30))
///     .retry(RetryPolicy::default().with_max_attempts(5))
///     .build()?;
/// assert_eq!(jc.org_id(), Some("5f1b2c3d4e5f60718293a4b5"));
///
/// // Mistakes surface at `build`, as configuration errors.
/// let err = JumpCloud::builder().api_key("k").base_url("http://example.com").build().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Config);
/// # Ok::<(), jumpcloud_ext::Error>(())
/// ```
#[derive(Clone)]
pub struct JumpCloudBuilder {
    credentials: Option<Credentials>,
    region: Region,
    base_url: Option<String>,
    api_urls: Vec<(jumpcloud_api::Api, String)>,
    org_id: Option<String>,
    provider_id: Option<String>,
    retry: RetryPolicy,
    /// `None`: not set (the default applies, unless a client is given).
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    token_endpoint: Option<String>,
    scope: String,
    token_skew: Duration,
    user_agent: String,
    http: Option<reqwest::Client>,
}

impl Default for JumpCloudBuilder {
    fn default() -> Self {
        JumpCloudBuilder {
            credentials: None,
            region: Region::Us,
            base_url: None,
            api_urls: Vec::new(),
            org_id: None,
            provider_id: None,
            retry: RetryPolicy::default(),
            connect_timeout: None,
            timeout: None,
            token_endpoint: None,
            scope: DEFAULT_SCOPE.to_owned(),
            token_skew: DEFAULT_TOKEN_SKEW,
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            http: None,
        }
    }
}

impl JumpCloudBuilder {
    /// Authenticates with an administrator's API key (`x-api-key`).
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::api_key(key));
        self
    }

    /// Authenticates as a system (device) with its JumpCloud agent's key:
    /// System Context, for scripts running on the device itself. Each request
    /// is signed; JumpCloud accepts it on some routes about this system only
    /// (its record, its groups, its associations). See
    /// [`Credentials::system_context_from_agent`] to read the agent's files.
    #[cfg(feature = "system-context")]
    pub fn system_context(
        mut self,
        system_key: impl Into<String>,
        private_key_pem: impl Into<Secret>,
    ) -> Self {
        self.credentials = Some(Credentials::system_context(system_key, private_key_pem));
        self
    }

    /// Authenticates as a service account (OAuth 2.0 client credentials).
    pub fn service_account(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        self.credentials = Some(Credentials::service_account(client_id, client_secret));
        self
    }

    /// Authenticates with `credentials`.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The region of the organisation (default [`Region::Us`]).
    pub fn region(mut self, region: Region) -> Self {
        self.region = region;
        self
    }

    /// Serves everything from one base URL (see [`Region::custom`]); takes
    /// precedence over [`region`](Self::region).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Serves API v2 from `url` (e.g. `https://proxy.example.com/api/v2`),
    /// whatever the region or [`base_url`](Self::base_url) say for it: a
    /// validating mock of one API, or a proxy in front of one API only. The
    /// same rules as [`Region::custom`] apply (`https`, or `http` on
    /// loopback).
    ///
    /// ```
    /// let jc = jumpcloud_ext::JumpCloud::builder()
    ///     .api_key("key")
    ///     .insights_url("http://127.0.0.1:4010")
    ///     .build()?;
    /// assert_eq!(jc.endpoints().insights(), "http://127.0.0.1:4010");
    /// assert_eq!(jc.endpoints().v2(), "https://console.jumpcloud.com/api/v2");
    /// # Ok::<(), jumpcloud_ext::Error>(())
    /// ```
    pub fn v2_url(mut self, url: impl Into<String>) -> Self {
        self.api_urls.push((jumpcloud_api::Api::V2, url.into()));
        self
    }

    /// Serves API v1 from `url` (e.g. `https://proxy.example.com/api`); see
    /// [`v2_url`](Self::v2_url).
    pub fn v1_url(mut self, url: impl Into<String>) -> Self {
        self.api_urls.push((jumpcloud_api::Api::V1, url.into()));
        self
    }

    /// Serves Directory Insights from `url` (e.g.
    /// `https://proxy.example.com/insights/directory/v1`); see
    /// [`v2_url`](Self::v2_url).
    pub fn insights_url(mut self, url: impl Into<String>) -> Self {
        self.api_urls
            .push((jumpcloud_api::Api::Insights, url.into()));
        self
    }

    /// Acts in this organisation (`x-org-id`), as multi-tenant administrators
    /// must.
    pub fn org_id(mut self, org_id: impl Into<String>) -> Self {
        self.org_id = Some(org_id.into());
        self
    }

    /// Sends `x-provider-id` on Directory Insights requests, which a
    /// multi-tenant (MSP) administrator uses to query events as the
    /// provider rather than one organisation. The other APIs take no such
    /// header and never get it.
    pub fn provider_id(mut self, provider_id: impl Into<String>) -> Self {
        self.provider_id = Some(provider_id.into());
        self
    }

    /// The retry policy (default [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How long opening a connection may take (default 10 s). Cannot be
    /// combined with [`reqwest_client`](Self::reqwest_client), whose own
    /// settings apply: [`build`](Self::build) refuses the pair rather than
    /// drop the value silently.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long one attempt may take, body included (default 60 s). Cannot
    /// be combined with [`reqwest_client`](Self::reqwest_client), whose own
    /// settings apply: [`build`](Self::build) refuses the pair rather than
    /// drop the value silently.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Overrides the region's OAuth token endpoint.
    pub fn token_endpoint(mut self, url: impl Into<String>) -> Self {
        self.token_endpoint = Some(url.into());
        self
    }

    /// The OAuth scope requested (default `api`; empty sends none).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// How long before expiry a token is replaced (default 60 s, at most
    /// half the token's lifetime).
    pub fn token_refresh_skew(mut self, skew: Duration) -> Self {
        self.token_skew = skew;
        self
    }

    /// The `User-Agent` header (default `jumpcloud-rs/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Uses an existing HTTP client (its own timeouts and settings apply, so
    /// [`timeout`](Self::timeout) and
    /// [`connect_timeout`](Self::connect_timeout) are refused with it). Disable
    /// its redirects: an API key would follow them to another host.
    /// [`http_client_builder`](crate::http_client_builder) starts one with this
    /// crate's TLS and no redirects (needed with the `rustls-ring` feature).
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// A builder configured from the process environment; see
    /// [`from_env_map`](Self::from_env_map).
    pub fn from_env() -> Result<Self> {
        Self::from_env_map(|name| std::env::var(name).ok())
    }

    /// A builder configured from variables looked up with `get` (empty values
    /// count as unset):
    ///
    /// - `JUMPCLOUD_API_KEY`, or `JUMPCLOUD_CLIENT_ID` and
    ///   `JUMPCLOUD_CLIENT_SECRET` for a service account (not both kinds);
    /// - `JUMPCLOUD_ORG_ID` (optional);
    /// - `JUMPCLOUD_PROVIDER_ID` (optional, see [`provider_id`](Self::provider_id));
    /// - `JUMPCLOUD_REGION` (`us` or `eu`) or `JUMPCLOUD_BASE_URL` (optional,
    ///   not both).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// let env = HashMap::from([("JUMPCLOUD_API_KEY", "k"), ("JUMPCLOUD_REGION", "eu")]);
    /// let jc = jumpcloud_ext::JumpCloudBuilder::from_env_map(|n| env.get(n).map(|v| v.to_string()))?
    ///     .build()?;
    /// assert!(jc.endpoints().v2().contains(".eu."));
    /// # Ok::<(), jumpcloud_ext::Error>(())
    /// ```
    pub fn from_env_map(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let var = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let mut builder = JumpCloudBuilder::default();
        let key = var("JUMPCLOUD_API_KEY");
        let id = var("JUMPCLOUD_CLIENT_ID");
        let secret = var("JUMPCLOUD_CLIENT_SECRET");
        builder.credentials = match (key, id, secret) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(Error::config(
                    "both JUMPCLOUD_API_KEY and JUMPCLOUD_CLIENT_ID/JUMPCLOUD_CLIENT_SECRET are set; keep one",
                ));
            }
            (Some(key), None, None) => Some(Credentials::api_key(key)),
            (None, Some(id), Some(secret)) => Some(Credentials::service_account(id, secret)),
            (None, Some(_), None) => {
                return Err(Error::config(
                    "JUMPCLOUD_CLIENT_ID is set but JUMPCLOUD_CLIENT_SECRET is not",
                ));
            }
            (None, None, Some(_)) => {
                return Err(Error::config(
                    "JUMPCLOUD_CLIENT_SECRET is set but JUMPCLOUD_CLIENT_ID is not",
                ));
            }
            (None, None, None) => {
                return Err(Error::config(
                    "no credentials: set JUMPCLOUD_API_KEY, or JUMPCLOUD_CLIENT_ID and JUMPCLOUD_CLIENT_SECRET",
                ));
            }
        };
        match (var("JUMPCLOUD_REGION"), var("JUMPCLOUD_BASE_URL")) {
            (Some(_), Some(_)) => {
                return Err(Error::config(
                    "set JUMPCLOUD_REGION or JUMPCLOUD_BASE_URL, not both",
                ));
            }
            (Some(region), None) => builder.region = region.parse()?,
            (None, Some(url)) => builder.base_url = Some(url),
            (None, None) => {}
        }
        builder.org_id = var("JUMPCLOUD_ORG_ID");
        builder.provider_id = var("JUMPCLOUD_PROVIDER_ID");
        Ok(builder)
    }

    /// Validates the configuration and creates the client.
    pub fn build(self) -> Result<JumpCloud> {
        let credentials = self.credentials.ok_or_else(|| {
            Error::config("no credentials: call api_key(..) or service_account(..)")
        })?;
        let region = match &self.base_url {
            Some(url) => Region::custom(url)?,
            None => self.region,
        };
        let mut endpoints = region.endpoints();
        for (api, url) in &self.api_urls {
            endpoints = endpoints.with_base(*api, &BaseUrl::parse(url)?);
        }
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::config("the user agent is not a valid header value"))?;
        let org = OrgScope::new(self.org_id.as_deref());
        if matches!(org, OrgScope::Invalid) {
            return Err(Error::config(
                "the organization id is not a valid header value",
            ));
        }
        let http = match self.http {
            Some(_) if self.timeout.is_some() || self.connect_timeout.is_some() => {
                return Err(Error::config(
                    "timeout and connect_timeout do not apply to a client given with reqwest_client: set them on that client",
                ));
            }
            Some(http) => http,
            // No redirects there: credentials must not follow one to another host.
            None => crate::tls::http_client_builder()?
                .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
                .timeout(self.timeout.unwrap_or(DEFAULT_TIMEOUT))
                .build()
                .map_err(|e| Error::config("could not create the HTTP client").with_source(e))?,
        };
        let auth = match credentials {
            Credentials::ApiKey(key) => Auth::ApiKey(ApiKeyAuth::new(&key)?),
            Credentials::ServiceAccount {
                client_id,
                client_secret,
            } => {
                let endpoint = self.token_endpoint.as_deref().unwrap_or(endpoints.token());
                let endpoint = config::validate_url(endpoint, "token endpoint")?;
                Auth::ServiceAccount(Box::new(OAuthAuth::new(
                    OAuthSettings {
                        client_id,
                        client_secret,
                        endpoint,
                        scope: self.scope,
                        skew: self.token_skew,
                        retry: self.retry.clone(),
                        user_agent: user_agent.clone(),
                    },
                    http.clone(),
                )?))
            }
            #[cfg(feature = "system-context")]
            Credentials::SystemContext {
                system_key,
                private_key,
            } => Auth::SystemContext(Box::new(crate::auth::SystemContextAuth::new(
                &system_key,
                &private_key,
            )?)),
        };
        let provider = match self.provider_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(id) => Some(
                HeaderValue::from_str(id)
                    .map_err(|_| Error::config("the provider id is not a valid header value"))?,
            ),
        };
        let shared = Arc::new(Shared {
            auth,
            user_agent,
            provider,
        });
        Ok(JumpCloud {
            inner: Arc::new(Inner::new(
                http,
                shared,
                endpoints,
                org,
                Arc::new(CallOptions::new().retry(self.retry)),
            )),
        })
    }
}

impl fmt::Debug for JumpCloudBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JumpCloudBuilder")
            .field("credentials", &self.credentials)
            .field("region", &self.region)
            .field("base_url", &self.base_url.as_ref().map(|_| "(set)"))
            .field("api_urls", &self.api_urls.len())
            .field("org_id", &self.org_id)
            .field("provider_id", &self.provider_id)
            .field("retry", &self.retry)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field(
                "token_endpoint",
                &self.token_endpoint.as_ref().map(|_| "(set)"),
            )
            .field("scope", &self.scope)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn env_api_key_and_region() {
        let jc = JumpCloudBuilder::from_env_map(env(&[
            ("JUMPCLOUD_API_KEY", "key-123456"),
            ("JUMPCLOUD_REGION", "EU"),
            ("JUMPCLOUD_ORG_ID", "org1"),
            ("JUMPCLOUD_PROVIDER_ID", "prov1"),
        ]))
        .unwrap()
        .build()
        .unwrap();
        assert_eq!(jc.provider_id(), Some("prov1"));
        assert_eq!(
            jc.endpoints().v2(),
            "https://console.eu.jumpcloud.com/api/v2"
        );
        assert_eq!(jc.org_id(), Some("org1"));
        assert!(!format!("{jc:?}").contains("key-123456"));
    }

    #[test]
    fn env_service_account_and_base_url() {
        let b = JumpCloudBuilder::from_env_map(env(&[
            ("JUMPCLOUD_CLIENT_ID", "cid"),
            ("JUMPCLOUD_CLIENT_SECRET", "csecret-xyz"),
            ("JUMPCLOUD_BASE_URL", "http://127.0.0.1:9"),
        ]))
        .unwrap();
        assert!(!format!("{b:?}").contains("csecret-xyz"));
        let jc = b.build().unwrap();
        assert_eq!(jc.endpoints().token(), "http://127.0.0.1:9/oauth2/token");
        assert_eq!(jc.org_id(), None);
        let dbg = format!("{jc:?}");
        assert!(dbg.contains("cid") && !dbg.contains("csecret-xyz"), "{dbg}");
    }

    #[test]
    fn env_errors() {
        let cases: &[&[(&str, &str)]] = &[
            &[],
            &[("JUMPCLOUD_API_KEY", "  ")],
            &[("JUMPCLOUD_CLIENT_ID", "c")],
            &[("JUMPCLOUD_CLIENT_SECRET", "s")],
            &[
                ("JUMPCLOUD_API_KEY", "k"),
                ("JUMPCLOUD_CLIENT_ID", "c"),
                ("JUMPCLOUD_CLIENT_SECRET", "s"),
            ],
            &[("JUMPCLOUD_API_KEY", "k"), ("JUMPCLOUD_REGION", "mars")],
            &[
                ("JUMPCLOUD_API_KEY", "k"),
                ("JUMPCLOUD_REGION", "us"),
                ("JUMPCLOUD_BASE_URL", "https://x.example"),
            ],
        ];
        for case in cases {
            let err = JumpCloudBuilder::from_env_map(env(case)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{case:?}");
            for (_, v) in *case {
                if v.len() > 1 && *v != "us" && *v != "mars" {
                    assert!(!err.to_string().contains(v), "{err}");
                }
            }
        }
        // A plain-http base URL to a remote host is refused at build time.
        let err = JumpCloudBuilder::from_env_map(env(&[
            ("JUMPCLOUD_API_KEY", "k"),
            ("JUMPCLOUD_BASE_URL", "http://jumpcloud.example"),
        ]))
        .unwrap()
        .build()
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
    }

    #[test]
    fn build_errors() {
        let kinds = [
            JumpCloud::builder().build(),
            JumpCloud::builder().api_key("").build(),
            JumpCloud::builder().api_key("bad\nkey").build(),
            JumpCloud::builder().service_account("", "s").build(),
            JumpCloud::builder().service_account("c", "").build(),
            JumpCloud::builder().api_key("k").org_id("a\nb").build(),
            JumpCloud::builder().api_key("k").user_agent("a\nb").build(),
            JumpCloud::builder()
                .service_account("c", "s")
                .token_endpoint("http://example.com/token")
                .build(),
        ];
        for r in kinds {
            let err = r.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config);
            assert!(!err.to_string().contains("bad\nkey"));
        }
    }

    #[test]
    fn with_org_shares_state() {
        let jc = JumpCloud::builder().api_key("k").build().unwrap();
        let scoped = jc.with_org("org-a");
        assert_eq!(scoped.org_id(), Some("org-a"));
        assert_eq!(jc.org_id(), None);
        assert!(Arc::ptr_eq(&jc.inner.shared, &scoped.inner.shared));
        assert_eq!(scoped.without_org().org_id(), None);
        assert!(jc.set_client_secret("x").is_err());
    }

    #[test]
    fn timeouts_are_refused_with_a_given_http_client() {
        let given = || crate::http_client_builder().unwrap().build().unwrap();
        for builder in [
            JumpCloud::builder().timeout(Duration::from_secs(1)),
            JumpCloud::builder().connect_timeout(Duration::from_secs(1)),
        ] {
            let err = builder
                .api_key("k")
                .reqwest_client(given())
                .build()
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config);
            assert!(err.to_string().contains("reqwest_client"), "{err}");
        }
        // Either alone is fine.
        JumpCloud::builder()
            .api_key("k")
            .reqwest_client(given())
            .build()
            .unwrap();
        JumpCloud::builder()
            .api_key("k")
            .timeout(Duration::from_secs(1))
            .connect_timeout(Duration::from_secs(1))
            .build()
            .unwrap();
    }

    #[test]
    fn with_options_shares_state_and_keeps_the_org() {
        let jc = JumpCloud::builder()
            .api_key("k")
            .retry(RetryPolicy::default().with_max_attempts(7))
            .build()
            .unwrap();
        let attempts = |jc: &JumpCloud| jc.options().retry_policy().map(|p| p.max_attempts());
        let scoped = jc
            .with_org("org-a")
            .with_options(CallOptions::new().retry(RetryPolicy::none()));
        assert_eq!(attempts(&scoped), Some(1));
        assert_eq!(scoped.org_id(), Some("org-a"));
        assert_eq!(attempts(&jc), Some(7));
        assert!(Arc::ptr_eq(&jc.inner.shared, &scoped.inner.shared));
        // Changing the organisation keeps the copy's options.
        assert_eq!(attempts(&scoped.with_org("org-b")), Some(1));
        assert_eq!(attempts(&scoped.without_org()), Some(1));
        // Options not given keep the client's.
        let timed = jc.with_options(CallOptions::new().timeout(Duration::from_secs(2)));
        assert_eq!(attempts(&timed), Some(7));
        assert_eq!(
            timed.options().attempt_timeout(),
            Some(Duration::from_secs(2))
        );
    }

    #[test]
    fn hooks_debug_shows_scope_and_policy_without_the_key() {
        let jc = JumpCloud::builder()
            .api_key("key-0123456789")
            .org_id("org-z")
            .build()
            .unwrap();
        let dbg = format!("{:?}", jc.sender());
        assert!(dbg.contains("JumpCloudTransport"), "{dbg}");
        assert!(
            dbg.contains("org-z") && dbg.contains("max_attempts: 4"),
            "{dbg}"
        );
        assert!(!dbg.contains("key-0123456789"), "{dbg}");
    }

    #[test]
    fn client_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        fn send_sync<T: Send + Sync + 'static>() {}
        check::<JumpCloud>();
        send_sync::<Error>();
    }
}
