//! The seam between the generated clients and whatever drives them.
//!
//! Every generated `Client` carries a [`Hooks`] value. Without a transport it
//! behaves like a plain progenitor client; with one, every request goes through
//! [`Transport::prepare`] (to add credentials and headers) and
//! [`Transport::execute`] (to send it, retry it, trace it). `jumpcloud-ext`
//! provides the transport users normally want; this crate knows nothing of it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Which JumpCloud API an operation belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Api {
    /// JumpCloud API v2 (`/api/v2`).
    V2,
    /// JumpCloud API v1 (`/api`).
    V1,
    /// Directory Insights (`/insights/directory/v1`).
    Insights,
}

crate::named_values! {
    /// A short, stable name: `v2`, `v1` or `insights`.
    Api { V2 => "v2", V1 => "v1", Insights => "insights" }
}

/// Facts about one operation, derived from the OpenAPI documents at
/// generation time (see each module's `OPERATIONS` table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Operation {
    /// The API the operation belongs to.
    pub api: Api,
    /// The `operationId` in the project's OpenAPI document, e.g. `UserGroup_Get`.
    pub id: &'static str,
    /// The generated client's Rust method for it, e.g. `user_group_get`.
    pub rust_method: &'static str,
    /// The HTTP method in upper case, e.g. `GET`.
    pub http_method: &'static str,
    /// The path template relative to the API's base URL, e.g. `/usergroups/{id}`.
    /// It never contains a parameter value, so it is safe to log.
    pub path: &'static str,
    /// `false` on routes that refuse the `x-org-id` header (the server answers
    /// 403 when it is sent there).
    pub org_header: bool,
    /// How the operation pages, for listings (`None` for everything else).
    pub paging: Option<crate::paging::Paging>,
    /// The dialect of the operation's `filter` parameter, where it takes
    /// typed filters (see [`crate::filter`]).
    pub filter: Option<crate::filter::FilterDialect>,
}

impl Operation {
    /// Whether the method is idempotent under HTTP semantics (safe to resend).
    pub fn is_idempotent(&self) -> bool {
        Self::method_is_idempotent(self.http_method)
    }

    /// Whether an HTTP method (upper case, e.g. `PUT`) is idempotent: the
    /// rule behind [`is_idempotent`](Self::is_idempotent), for transports
    /// that hold a request's method rather than its operation.
    pub fn method_is_idempotent(method: &str) -> bool {
        matches!(
            method,
            "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "TRACE"
        )
    }
}

/// A boxed, sendable future, as returned by [`Transport`] methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The error a transport may return from [`Transport::prepare`]. The generated
/// client reports it as `Error::Custom` with this error's `Display` text, so
/// that text must never contain a secret.
pub type HookError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Drives the requests of a generated client.
///
/// Implement it to add authentication, retries, tracing or anything else that
/// wraps a request. The generated code calls [`prepare`](Transport::prepare)
/// once per call, then [`execute`](Transport::execute) once per call; a retrying
/// transport resends inside `execute`.
pub trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Adjusts a request before it is sent (headers, credentials). An error
    /// here fails the call before anything is sent.
    fn prepare<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
        operation: &'static Operation,
    ) -> BoxFuture<'a, Result<(), HookError>> {
        let _ = (request, operation);
        Box::pin(async { Ok(()) })
    }

    /// Sends a prepared request with `client` and returns the response the
    /// generated code should decode.
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation: &'static Operation,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>>;
}

/// The per-client hook value the generated clients carry (progenitor's
/// "inner type"). Cheap to clone.
#[derive(Clone, Default)]
pub struct Hooks {
    transport: Option<Arc<dyn Transport>>,
}

impl Hooks {
    /// Hooks that send every request through `transport`.
    pub fn new(transport: impl Transport) -> Self {
        Self {
            transport: Some(Arc::new(transport)),
        }
    }

    /// Hooks sharing an existing transport.
    pub fn from_arc(transport: Arc<dyn Transport>) -> Self {
        Self {
            transport: Some(transport),
        }
    }

    /// Hooks that send requests as they are (no auth, no retries).
    pub fn none() -> Self {
        Self::default()
    }

    /// The transport, if one is set.
    pub fn transport(&self) -> Option<&Arc<dyn Transport>> {
        self.transport.as_ref()
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.transport {
            Some(t) => f.debug_tuple("Hooks").field(t).finish(),
            None => f.write_str("Hooks(none)"),
        }
    }
}

/// What every generated `send` runs before sending: removes the
/// `api-version` header progenitor always adds (JumpCloud defines no such
/// header), then lets the transport prepare the request. `operation` is the
/// builder's own row of the `OPERATIONS` table, written into the `send` by
/// `cargo xtask regen`, so no lookup by name can miss.
pub(crate) async fn pre<E>(
    client: &impl progenitor_client::ClientInfo<Hooks>,
    request: &mut reqwest::Request,
    operation: &'static Operation,
) -> Result<(), progenitor_client::Error<E>> {
    request.headers_mut().remove("api-version");
    let Some(transport) = client.inner().transport() else {
        return Ok(());
    };
    transport
        .prepare(request, operation)
        .await
        .map_err(|e| progenitor_client::Error::Custom(e.to_string()))
}

/// What every generated `send` runs to send: through the transport if one is
/// set, as it is otherwise. `operation` as in [`pre`].
pub(crate) async fn exec(
    client: &impl progenitor_client::ClientInfo<Hooks>,
    request: reqwest::Request,
    operation: &'static Operation,
) -> reqwest::Result<reqwest::Response> {
    match client.inner().transport() {
        Some(transport) => transport.execute(client.client(), request, operation).await,
        None => client.client().execute(request).await,
    }
}

/// Adds the constructors every generated client has. (Requests reach the
/// [`Hooks`] through [`pre`] and [`exec`], which each builder's `send` calls
/// with its own operation; progenitor's `ClientHooks` keep their defaults.)
macro_rules! impl_client_hooks {
    ($module:ident) => {
        impl $crate::$module::Client {
            /// A client for `baseurl` whose requests go through `hooks`, using
            /// an existing `reqwest::Client` (share one per process).
            pub fn with_hooks(
                baseurl: &str,
                client: reqwest::Client,
                hooks: $crate::Hooks,
            ) -> Self {
                Self::new_with_client(baseurl, client, hooks)
            }
        }

        impl $crate::$module::Client {
            /// Metadata of every operation in this API.
            pub fn operations() -> &'static [$crate::Operation] {
                $crate::$module::OPERATIONS
            }
        }
    };
}

pub(crate) use impl_client_hooks;
