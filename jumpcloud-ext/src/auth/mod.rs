//! How requests are authenticated: an API key, a service account's OAuth
//! token, or a system's signature (System Context).

mod api_key;
mod oauth;
#[cfg(feature = "system-context")]
mod system_context;

use std::fmt;

pub(crate) use api_key::ApiKeyAuth;
pub(crate) use oauth::{OAuthAuth, OAuthSettings};
#[cfg(feature = "system-context")]
pub(crate) use system_context::SystemContextAuth;

use crate::error::Error;
use crate::secret::Secret;

/// The credentials a client authenticates with.
///
/// `Debug` shows the kind and the client id or system key, never a key or
/// secret.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credentials {
    /// An administrator's API key, sent as `x-api-key`. It acts with that
    /// administrator's permissions.
    ApiKey(Secret),
    /// A service account, exchanged for short-lived bearer tokens with the
    /// OAuth 2.0 client-credentials grant.
    ServiceAccount {
        /// The service account's client id.
        client_id: String,
        /// One of its (up to two) active client secrets.
        client_secret: Secret,
    },
    /// A system (device) acting as itself with its agent's key pair: every
    /// request is signed (HTTP Signatures, `rsa-sha256`). JumpCloud accepts
    /// this on some of the routes about the system itself only.
    #[cfg(feature = "system-context")]
    SystemContext {
        /// The system's id (the agent's `systemKey`).
        system_key: String,
        /// The agent's RSA private key, PEM (PKCS#1 or PKCS#8).
        private_key: Secret,
    },
}

impl Credentials {
    /// API-key credentials.
    pub fn api_key(key: impl Into<Secret>) -> Self {
        Credentials::ApiKey(key.into())
    }

    /// Service-account credentials.
    pub fn service_account(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        Credentials::ServiceAccount {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }

    /// System Context credentials: the system's id and its agent's private
    /// key (PEM).
    #[cfg(feature = "system-context")]
    pub fn system_context(
        system_key: impl Into<String>,
        private_key_pem: impl Into<Secret>,
    ) -> Self {
        Credentials::SystemContext {
            system_key: system_key.into(),
            private_key: private_key_pem.into(),
        }
    }

    /// System Context credentials read from the JumpCloud agent's files on
    /// this machine: the `systemKey` of `/opt/jc/jcagent.conf` and the key in
    /// `/opt/jc/client.key` (reading them usually needs root).
    #[cfg(feature = "system-context")]
    pub fn system_context_from_agent() -> Result<Self, Error> {
        Self::system_context_from_files(
            std::path::Path::new(system_context::AGENT_CONFIG),
            std::path::Path::new(system_context::AGENT_KEY),
        )
    }

    /// System Context credentials from an agent configuration file (JSON with
    /// `systemKey`) and a PEM private key file elsewhere than the agent's
    /// own paths.
    #[cfg(feature = "system-context")]
    pub fn system_context_from_files(
        config: &std::path::Path,
        private_key: &std::path::Path,
    ) -> Result<Self, Error> {
        let system_key = system_context::system_key_from_config(config)?;
        let pem = std::fs::read_to_string(private_key).map_err(|e| {
            Error::config(format!("could not read {}", private_key.display())).with_source(e)
        })?;
        Ok(Self::system_context(system_key, pem))
    }
}

/// The authentication a transport applies.
pub(crate) enum Auth {
    ApiKey(ApiKeyAuth),
    // Boxed: far larger than an API key, and reached once per request.
    ServiceAccount(Box<OAuthAuth>),
    #[cfg(feature = "system-context")]
    SystemContext(Box<SystemContextAuth>),
}

impl Auth {
    /// Adds credentials to `request`, fetching a token if needed.
    pub(crate) async fn apply(&self, request: &mut reqwest::Request) -> Result<(), Error> {
        match self {
            Auth::ApiKey(a) => {
                a.apply(request);
                Ok(())
            }
            Auth::ServiceAccount(o) => o.apply(request).await,
            #[cfg(feature = "system-context")]
            Auth::SystemContext(s) => s.apply(request),
        }
    }

    /// Renews what goes stale before a request is sent again after a wait:
    /// a signature covers its `Date`. Keys and tokens are left as they are.
    pub(crate) fn refresh_for_resend(&self, request: &mut reqwest::Request) -> Result<(), Error> {
        match self {
            #[cfg(feature = "system-context")]
            Auth::SystemContext(s) => s.apply(request),
            _ => {
                let _ = request;
                Ok(())
            }
        }
    }

    /// The kind of credential, as error hints name it. Never the secret.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Auth::ApiKey(_) => "API key",
            Auth::ServiceAccount(_) => "service account",
            #[cfg(feature = "system-context")]
            Auth::SystemContext(_) => "System Context",
        }
    }

    pub(crate) fn oauth(&self) -> Option<&OAuthAuth> {
        match self {
            Auth::ServiceAccount(o) => Some(o),
            _ => None,
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::ApiKey(a) => a.fmt(f),
            Auth::ServiceAccount(o) => o.fmt(f),
            #[cfg(feature = "system-context")]
            Auth::SystemContext(s) => s.fmt(f),
        }
    }
}
