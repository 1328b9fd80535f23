//! How a built request reaches the server: the seam between the generated
//! clients and whatever sends for them.
//!
//! Every generated builder turns itself into an [`Outgoing`] request
//! ([`Request::into_request`](crate::Request::into_request)) and decodes an
//! answer ([`Request::decode`](crate::Request::decode)); it never sends by
//! itself. Between the two, the client's [`Sender`] decides who sends: a
//! [`Transport`] when one is installed (`jumpcloud-ext` installs one that
//! authenticates, retries and traces), `reqwest` as it is otherwise.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::Operation;

/// A boxed, sendable future, as returned by [`Transport`] methods.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The error a [`Transport`] fails with. Generic callers see it as
/// `Error::Custom` with its `Display` text, so that text must never hold a
/// secret; a caller that knows the transport downcasts it instead.
pub type TransportError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Sends the requests of a generated client.
///
/// Implement it to add authentication, retries, tracing or anything else
/// that wraps sending. It is called once per call with the request as
/// built, and returns the answer to decode; a retrying transport resends
/// inside. `Any` lets a caller that installed a transport find it again
/// (`jumpcloud-ext` does, to keep its errors typed).
pub trait Transport: Send + Sync + fmt::Debug + std::any::Any + 'static {
    /// Sends `request` with `http` and returns the answer.
    fn send<'a>(
        &'a self,
        http: &'a reqwest::Client,
        request: reqwest::Request,
        operation: &'static Operation,
    ) -> BoxFuture<'a, Result<reqwest::Response, TransportError>>;
}

/// Who sends a generated client's requests: its [`Transport`], or `reqwest`
/// as it is without one. Every generated client carries one (progenitor's
/// "inner type"). Cheap to clone.
#[derive(Clone, Default)]
pub struct Sender {
    transport: Option<Arc<dyn Transport>>,
}

impl Sender {
    /// A sender that sends every request through `transport`.
    pub fn new(transport: impl Transport) -> Self {
        Self {
            transport: Some(Arc::new(transport)),
        }
    }

    /// A sender sharing an existing transport.
    pub fn from_arc(transport: Arc<dyn Transport>) -> Self {
        Self {
            transport: Some(transport),
        }
    }

    /// A sender that sends requests as they are (no auth, no retries).
    pub fn none() -> Self {
        Self::default()
    }

    /// The transport, if one is set.
    pub fn transport(&self) -> Option<&Arc<dyn Transport>> {
        self.transport.as_ref()
    }
}

impl fmt::Debug for Sender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.transport {
            Some(t) => f.debug_tuple("Sender").field(t).finish(),
            None => f.write_str("Sender(none)"),
        }
    }
}

/// A request built by a generated builder, with what will send it: the
/// client's connection pool and its [`Sender`].
#[derive(Debug)]
pub struct Outgoing {
    /// The request as built: URL, query, headers, body. Credentials are not
    /// on it yet; the transport adds them.
    pub request: reqwest::Request,
    /// The connection pool of the client the builder came from.
    pub http: reqwest::Client,
    /// The transport of the client the builder came from.
    pub sender: Sender,
}

impl Outgoing {
    /// Sends the request once through the transport (or as it is without
    /// one). A transport's failure becomes `Error::Custom` with its text:
    /// callers that know their transport call it directly to keep the
    /// error typed.
    pub async fn send(
        self,
        operation: &'static Operation,
    ) -> Result<reqwest::Response, progenitor_client::Error<()>> {
        match self.sender.transport() {
            Some(transport) => transport
                .send(&self.http, self.request, operation)
                .await
                .map_err(|e| progenitor_client::Error::Custom(e.to_string())),
            None => Ok(self.http.execute(self.request).await?),
        }
    }
}

/// Adds the constructors every generated client has, and the constructor of
/// [`Outgoing`] its builders use.
macro_rules! impl_client_hooks {
    ($module:ident) => {
        impl $crate::$module::Client {
            /// A client for `baseurl` whose requests go through `sender`, using
            /// an existing `reqwest::Client` (share one per process).
            pub fn with_sender(
                baseurl: &str,
                client: reqwest::Client,
                sender: $crate::Sender,
            ) -> Self {
                Self::new_with_client(baseurl, client, sender)
            }

            /// Metadata of every operation in this API.
            pub fn operations() -> &'static [$crate::Operation] {
                $crate::$module::OPERATIONS
            }

            /// `request`, to be sent by this client.
            pub(crate) fn outgoing(&self, request: reqwest::Request) -> $crate::Outgoing {
                use progenitor_client::ClientInfo;
                $crate::Outgoing {
                    request,
                    http: self.client().clone(),
                    sender: self.inner().clone(),
                }
            }
        }
    };
}

pub(crate) use impl_client_hooks;
