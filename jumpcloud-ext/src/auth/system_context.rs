//! System Context: a device authenticating as itself with the key pair its
//! JumpCloud agent enrolled, by signing each request (HTTP Signatures,
//! `rsa-sha256` over the request line and the `Date` header).
//!
//! JumpCloud accepts it on a subset of the routes about the system itself
//! (reading and updating its own record, its groups and associations); the
//! rest answer 401 or 403.

use std::fmt;
use std::path::Path;
use std::time::SystemTime;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderValue;
use http::header::{AUTHORIZATION, DATE};
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject;

// The cryptography library the TLS features chose (`crate::tls` refuses
// both); the two share this API.
#[cfg(feature = "aws-lc-rs")]
use aws_lc_rs as crypto;
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
use ring as crypto;

use crypto::rand::SystemRandom;
use crypto::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

use crate::error::Error;
use crate::secret::Secret;

/// Where the Linux and macOS agent keeps its configuration (with the
/// `systemKey`) and its private key.
pub(crate) const AGENT_CONFIG: &str = "/opt/jc/jcagent.conf";
pub(crate) const AGENT_KEY: &str = "/opt/jc/client.key";

/// Signs every request as one system.
pub(crate) struct SystemContextAuth {
    system_key: String,
    key: RsaKeyPair,
    rng: SystemRandom,
}

impl SystemContextAuth {
    /// `private_key_pem` is the agent's key: PKCS#1 (`BEGIN RSA PRIVATE
    /// KEY`) or PKCS#8 (`BEGIN PRIVATE KEY`).
    pub(crate) fn new(system_key: &str, private_key_pem: &Secret) -> Result<Self, Error> {
        let system_key = system_key.trim();
        if system_key.is_empty() || !system_key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::config(
                "the system key must be the system's id (letters and digits)",
            ));
        }
        let der = PrivateKeyDer::from_pem_slice(private_key_pem.expose().as_bytes())
            .map_err(|_| Error::config("the system's private key is not a PEM private key"))?;
        let key = match &der {
            PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
            PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
            _ => {
                return Err(Error::config("the system's private key is not an RSA key"));
            }
        }
        .map_err(|why| Error::config(format!("the system's private key was refused: {why}")))?;
        Ok(SystemContextAuth {
            system_key: system_key.to_owned(),
            key,
            rng: SystemRandom::new(),
        })
    }

    /// The system's id.
    pub(crate) fn system_key(&self) -> &str {
        &self.system_key
    }

    /// Signs `request` as of now: sets `Date` and `Authorization`.
    pub(crate) fn apply(&self, request: &mut reqwest::Request) -> Result<(), Error> {
        self.sign_at(request, SystemTime::now())
    }

    pub(crate) fn sign_at(
        &self,
        request: &mut reqwest::Request,
        now: SystemTime,
    ) -> Result<(), Error> {
        let date = httpdate::fmt_http_date(now);
        let text = signing_string(request, &date);
        let mut signature = vec![0; modulus_len(&self.key)];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &self.rng,
                text.as_bytes(),
                &mut signature,
            )
            .map_err(|_| Error::auth("could not sign the request with the system's key"))?;
        let value = format!(
            "Signature keyId=\"system/{}\",headers=\"request-line date\",algorithm=\"rsa-sha256\",signature=\"{}\"",
            self.system_key,
            STANDARD.encode(&signature)
        );
        // Both are ASCII by construction (HTTP date, base64, an alphanumeric key).
        let mut value = HeaderValue::from_str(&value)
            .map_err(|_| Error::auth("the signature is not a valid header value"))?;
        value.set_sensitive(true);
        let date = HeaderValue::from_str(&date)
            .map_err(|_| Error::auth("the date is not a valid header value"))?;
        let headers = request.headers_mut();
        headers.insert(DATE, date);
        headers.insert(AUTHORIZATION, value);
        Ok(())
    }
}

/// The length of the key's modulus, which is a signature's length.
#[cfg(feature = "aws-lc-rs")]
fn modulus_len(key: &RsaKeyPair) -> usize {
    key.public_modulus_len()
}

/// The length of the key's modulus, which is a signature's length.
#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
fn modulus_len(key: &RsaKeyPair) -> usize {
    key.public().modulus_len()
}

/// What is signed: the request line (method, path with query, protocol)
/// and the `Date` header, as the `request-line date` header list names them.
pub(crate) fn signing_string(request: &reqwest::Request, date: &str) -> String {
    let url = request.url();
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    format!("{} {target} HTTP/1.1\ndate: {date}", request.method())
}

/// The system key from an agent configuration file (JSON with `systemKey`).
pub(crate) fn system_key_from_config(path: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::config(format!("could not read {}", path.display())).with_source(e))?;
    let conf: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::config(format!("{} is not JSON", path.display())).with_source(e))?;
    conf.get("systemKey")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| Error::config(format!("{} has no systemKey", path.display())))
}

impl fmt::Debug for SystemContextAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SystemContext(system/{}, key ***)", self.system_key)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_signed_text_is_the_request_line_with_its_query_and_the_date() {
        let url = "https://console.jumpcloud.com/api/v2/systems/5f0c/memberof?limit=100&skip=0";
        let request = reqwest::Request::new(http::Method::GET, url.parse().unwrap());
        assert_eq!(
            signing_string(&request, "Mon, 23 Nov 2026 22:00:00 GMT"),
            "GET /api/v2/systems/5f0c/memberof?limit=100&skip=0 HTTP/1.1\ndate: Mon, 23 Nov 2026 22:00:00 GMT"
        );
        let url = "https://console.jumpcloud.com/api/systems/5f0c";
        let request = reqwest::Request::new(http::Method::PUT, url.parse().unwrap());
        assert_eq!(
            signing_string(&request, "Mon, 23 Nov 2026 22:00:00 GMT"),
            "PUT /api/systems/5f0c HTTP/1.1\ndate: Mon, 23 Nov 2026 22:00:00 GMT"
        );
    }

    #[test]
    fn a_system_key_comes_from_the_agent_configuration() {
        let dir = std::env::temp_dir().join(format!("jc-conf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.conf");
        std::fs::write(
            &good,
            r#"{"systemKey":"5f0c1a","agentServer":"agent.jumpcloud.com"}"#,
        )
        .unwrap();
        assert_eq!(system_key_from_config(&good).unwrap(), "5f0c1a");
        let bad = dir.join("bad.conf");
        std::fs::write(&bad, r#"{"agentServer":"agent.jumpcloud.com"}"#).unwrap();
        assert_eq!(
            system_key_from_config(&bad).unwrap_err().kind(),
            crate::ErrorKind::Config
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
