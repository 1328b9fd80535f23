//! API-key authentication: the `x-api-key` header.

use std::fmt;

use http::{HeaderName, HeaderValue};

use crate::error::Error;
use crate::secret::Secret;

pub(crate) const API_KEY_HEADER: HeaderName = HeaderName::from_static("x-api-key");

/// Sends an administrator's API key with every request.
pub(crate) struct ApiKeyAuth {
    header: HeaderValue,
}

impl ApiKeyAuth {
    pub(crate) fn new(key: &Secret) -> Result<Self, Error> {
        if key.expose().trim().is_empty() {
            return Err(Error::config("the API key is empty"));
        }
        let mut header = HeaderValue::from_str(key.expose()).map_err(|_| {
            Error::config("the API key contains characters not allowed in a header")
        })?;
        // Keeps it out of `Debug` output and HTTP/2 header compression.
        header.set_sensitive(true);
        Ok(ApiKeyAuth { header })
    }

    pub(crate) fn apply(&self, request: &mut reqwest::Request) {
        request
            .headers_mut()
            .insert(API_KEY_HEADER, self.header.clone());
    }
}

impl fmt::Debug for ApiKeyAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(***)")
    }
}
