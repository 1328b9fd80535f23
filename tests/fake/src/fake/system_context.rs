//! System Context: requests a device signs with its agent's RSA key (HTTP Signatures,
//! `keyId="system/<id>"`, `headers="request-line date"`, `algorithm="rsa-sha256"`),
//! verified against the public key registered for that system, and accepted only on the
//! routes about the system itself.

use std::time::{Duration, SystemTime};

use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, Method, StatusCode, Uri, header};

use super::error::ApiError;

/// How far a signed `Date` may be from the fake's clock.
pub(crate) const MAX_SKEW: Duration = Duration::from_secs(5 * 60);

/// A system that may sign: its public key (PKCS#1 `RSAPublicKey`, DER) and its org.
#[derive(Debug, Clone)]
pub(crate) struct SystemKey {
    pub(crate) public_der: Vec<u8>,
    pub(crate) org: String,
}

/// Whether the request carries a signature rather than a key or token.
pub(crate) fn is_signed(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Signature "))
}

/// The `name="value"` parameters of a `Signature …` authorization value.
fn params(value: &str) -> Vec<(&str, &str)> {
    value
        .trim_start_matches("Signature ")
        .split(',')
        .filter_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            Some((k, v.trim_matches('"')))
        })
        .collect()
}

/// Checks a signed request and returns the system it speaks for. `lookup` finds a
/// system's key by id.
pub(crate) fn verify(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    lookup: impl Fn(&str) -> Option<SystemKey>,
) -> Result<(String, SystemKey), ApiError> {
    let unauthorized = |why: &str| ApiError::unauthorized(why);
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let p = params(value);
    let get = |k: &str| p.iter().find(|(name, _)| *name == k).map(|(_, v)| *v);
    let system = get("keyId")
        .and_then(|k| k.strip_prefix("system/"))
        .ok_or_else(|| unauthorized("keyId must be system/<systemKey>"))?;
    if get("headers") != Some("request-line date") || get("algorithm") != Some("rsa-sha256") {
        return Err(unauthorized("unsupported signature parameters"));
    }
    let signature = get("signature")
        .and_then(|s| STANDARD.decode(s).ok())
        .ok_or_else(|| unauthorized("signature is not base64"))?;
    let date = headers
        .get(header::DATE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("a signed request needs a Date header"))?;
    let when = httpdate::parse_http_date(date).map_err(|_| unauthorized("bad Date header"))?;
    let now = SystemTime::now();
    let skew = now
        .duration_since(when)
        .or_else(|_| when.duration_since(now))
        .unwrap_or_default();
    if skew > MAX_SKEW {
        return Err(unauthorized("the signed Date is too far from now"));
    }
    let key = lookup(system).ok_or_else(|| unauthorized("unknown system"))?;
    let target = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let signed = format!("{method} {target} HTTP/1.1\ndate: {date}");
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &key.public_der)
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| unauthorized("signature does not verify"))?;
    if !allowed(uri.path(), system) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "System Context is not accepted on this route",
        ));
    }
    Ok((system.to_owned(), key))
}

/// The routes a system may call about itself: its v1 record, its v2 sub-resources
/// (groups, associations, users), and the members of a system group (to join or leave).
fn allowed(path: &str, system: &str) -> bool {
    let own = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(system))
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    let group_members = path
        .strip_prefix("/api/v2/systemgroups/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(_, tail)| tail == "members");
    path.strip_prefix("/api/systems/") == Some(system) || own("/api/v2/systems/") || group_members
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_about_the_system_itself() {
        let s = "5f0c1a2b3c4d5e6f7a8b9c0d";
        assert!(allowed(&format!("/api/systems/{s}"), s));
        assert!(allowed(&format!("/api/v2/systems/{s}/memberof"), s));
        assert!(allowed("/api/v2/systemgroups/abc/members", s));
        assert!(!allowed("/api/systems/another", s));
        assert!(!allowed(&format!("/api/v2/systems/{s}x/memberof"), s));
        assert!(!allowed("/api/systemusers", s));
        assert!(!allowed("/api/v2/systemgroups/abc/membership", s));
    }
}
