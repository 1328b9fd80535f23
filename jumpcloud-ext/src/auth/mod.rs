//! How requests are authenticated: an API key or a service account's OAuth
//! token.

mod api_key;
mod oauth;

use std::fmt;

pub(crate) use api_key::ApiKeyAuth;
pub(crate) use oauth::{OAuthAuth, OAuthSettings};

use crate::error::Error;
use crate::secret::Secret;

/// The credentials a client authenticates with.
///
/// `Debug` shows the kind and the client id, never a key or secret.
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
}

/// The authentication a transport applies.
pub(crate) enum Auth {
    ApiKey(ApiKeyAuth),
    // Boxed: far larger than an API key, and reached once per request.
    OAuth(Box<OAuthAuth>),
}

impl Auth {
    /// Adds credentials to `request`, fetching a token if needed.
    pub(crate) async fn apply(&self, request: &mut reqwest::Request) -> Result<(), Error> {
        match self {
            Auth::ApiKey(a) => {
                a.apply(request);
                Ok(())
            }
            Auth::OAuth(o) => o.apply(request).await,
        }
    }

    pub(crate) fn oauth(&self) -> Option<&OAuthAuth> {
        match self {
            Auth::OAuth(o) => Some(o),
            Auth::ApiKey(_) => None,
        }
    }
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::ApiKey(a) => a.fmt(f),
            Auth::OAuth(o) => o.fmt(f),
        }
    }
}
