//! The one place this crate makes an HTTP client, so that its TLS follows
//! the crate's features: one cryptography library serves TLS and System
//! Context signatures.
//!
//! - `rustls` (default): reqwest has no cryptography provider of its own (its
//!   `rustls-no-provider`); this module gives it a rustls configuration on
//!   ring with the platform's certificate verifier.
//! - `rustls-aws-lc`: reqwest's own rustls, on aws-lc-rs. It wins when both
//!   are on, like System Context's signer (`auth/system_context.rs`).
//! - `native-tls`: the platform's library; it wins over rustls when both are
//!   on, as in reqwest.

#[cfg(all(
    feature = "system-context",
    not(any(feature = "aws-lc-rs", feature = "ring"))
))]
compile_error!(
    "jumpcloud-ext: the feature `system-context` signs with ring or aws-lc-rs: enable `rustls` \
     (ring) or `rustls-aws-lc` (aws-lc-rs), or, with `native-tls`, the feature `ring` or `aws-lc-rs`."
);

use crate::error::Error;

/// A `reqwest::ClientBuilder` set up as this crate sets up its own: the TLS
/// the crate's features chose, and no redirects (credentials must not
/// follow a redirect to another host).
///
/// Build the client given to
/// [`JumpCloudBuilder::reqwest_client`](crate::JumpCloudBuilder::reqwest_client)
/// (or to a raw `jumpcloud_api` client's `with_sender`) from it. With the
/// default `rustls` feature this matters: reqwest then has no cryptography
/// provider of its own, and `reqwest::Client::new()` (as well as
/// `jumpcloud_api`'s generated `Client::new`) panics unless the program
/// installed a process-wide rustls provider. The TLS
/// settings are fixed here, so reqwest's own TLS methods on the builder
/// (`tls_certs_merge`, `tls_version_min`, …) do not apply with `rustls`
/// (they do with `rustls-aws-lc` and `native-tls`).
///
/// # Errors
///
/// [`ErrorKind::Config`](crate::ErrorKind::Config) if the platform's
/// certificate verifier cannot be set up (`rustls` on ring only).
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, Error> {
    let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    #[cfg(all(
        feature = "rustls",
        not(feature = "rustls-aws-lc"),
        not(feature = "native-tls")
    ))]
    let builder = builder.tls_backend_preconfigured(ring_config()?);
    Ok(builder)
}

/// rustls on ring with the platform's certificate verifier, as reqwest
/// configures its own rustls: TLS 1.2 and 1.3, SNI, ALPN `http/1.1` (the
/// workspace builds reqwest without HTTP/2).
#[cfg(all(
    feature = "rustls",
    not(feature = "rustls-aws-lc"),
    not(feature = "native-tls")
))]
fn ring_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;

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
        // With `rustls` (ring) this is the path that must not reach reqwest's
        // "no provider" panic.
        let client = http_client_builder().unwrap().build().unwrap();
        drop(client);
    }
}
