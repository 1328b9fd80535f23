//! The one place this crate makes an HTTP client, so that its TLS follows
//! the crate's features: one cryptography library serves TLS and System
//! Context signatures.
//!
//! - `rustls` (default): reqwest's own rustls, on aws-lc-rs.
//! - `rustls-ring`: reqwest has no cryptography provider of its own (its
//!   `rustls-no-provider`); this module gives it a rustls configuration on
//!   ring with the platform's certificate verifier.
//! - `native-tls`: the platform's library; it wins over rustls when both are
//!   on, as in reqwest.

#[cfg(all(feature = "aws-lc-rs", feature = "ring"))]
compile_error!(
    "jumpcloud-ext: two cryptography libraries are on, aws-lc-rs (feature `rustls`, a default, or \
     `aws-lc-rs`) and ring (feature `rustls-ring` or `ring`); enable one. For ring: \
     `default-features = false, features = [\"v2\", \"v1\", \"insights\", \"system-context\", \
     \"rustls-ring\"]`. `cargo tree -e features -i jumpcloud-ext` shows who asks for which."
);

#[cfg(all(
    feature = "system-context",
    not(any(feature = "aws-lc-rs", feature = "ring"))
))]
compile_error!(
    "jumpcloud-ext: the feature `system-context` signs with aws-lc-rs or ring: enable `rustls` \
     (aws-lc-rs) or `rustls-ring` (ring), or, with `native-tls`, the feature `aws-lc-rs` or `ring`."
);

use crate::error::Error;

/// A `reqwest::ClientBuilder` set up as this crate sets up its own: the TLS
/// the crate's features chose, and no redirects (credentials must not
/// follow a redirect to another host).
///
/// Build the client given to
/// [`JumpCloudBuilder::reqwest_client`](crate::JumpCloudBuilder::reqwest_client)
/// (or to a raw `jumpcloud_api` client's `with_sender`) from it. With the
/// `rustls-ring` feature this matters: reqwest then has no cryptography
/// provider of its own, and `reqwest::Client::new()` (as well as
/// `jumpcloud_api`'s generated `Client::new`) panics unless the program
/// installed a process-wide rustls provider. The TLS
/// settings are fixed here, so reqwest's own TLS methods on the builder
/// (`tls_certs_merge`, `tls_version_min`, …) do not apply with `rustls-ring`.
///
/// # Errors
///
/// [`ErrorKind::Config`](crate::ErrorKind::Config) if the platform's
/// certificate verifier cannot be set up (`rustls-ring` only).
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, Error> {
    let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    #[cfg(all(feature = "rustls-ring", not(feature = "native-tls")))]
    let builder = builder.tls_backend_preconfigured(ring_config()?);
    Ok(builder)
}

/// rustls on ring with the platform's certificate verifier, as reqwest
/// configures its own rustls: TLS 1.2 and 1.3, SNI, ALPN `http/1.1` (the
/// workspace builds reqwest without HTTP/2).
#[cfg(all(feature = "rustls-ring", not(feature = "native-tls")))]
fn ring_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;

    // rustls 0.23.48 deprecates this for its lack of post-quantum key
    // exchange (aws-lc-rs, the default feature `rustls`, has it); choosing
    // ring is what this feature is for.
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config("could not set up TLS on ring").with_source(e))?
        .with_platform_verifier()
        .map_err(|e| {
            Error::config("could not set up the platform's certificate verifier").with_source(e)
        })?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_makes_a_client_with_the_features_tls() {
        // With `rustls-ring` this is the path that must not reach reqwest's
        // "no provider" panic.
        let client = http_client_builder().unwrap().build().unwrap();
        drop(client);
    }
}
