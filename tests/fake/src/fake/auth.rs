//! Credentials: API keys, service-account clients and the bearer tokens they earn, and the
//! organisation-selection rules applied to each request.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::{HeaderMap, StatusCode, header};

use super::error::ApiError;
use super::ids::is_object_id;

/// Header selecting the organisation for multi-org credentials.
pub(crate) const ORG_HEADER: &str = "x-org-id";
/// Header carrying an API key.
pub(crate) const API_KEY_HEADER: &str = "x-api-key";
/// Message of the 403 answered by routes that refuse [`ORG_HEADER`].
pub(crate) const ORG_HEADER_REFUSED: &str = "organization selection not allowed via header";

/// A service account: its live secrets (two during rotation) and its orgs.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    pub(crate) secrets: Vec<String>,
    pub(crate) orgs: Vec<String>,
}

#[derive(Debug, Clone)]
struct Token {
    orgs: Vec<String>,
    /// `None` when the lifetime is too long to represent: never expires.
    expires_at: Option<Instant>,
}

/// All credential state.
#[derive(Debug)]
pub(crate) struct AuthState {
    pub(crate) api_keys: HashMap<String, Vec<String>>,
    pub(crate) clients: HashMap<String, Client>,
    tokens: HashMap<String, Token>,
    pub(crate) token_lifetime: Duration,
    /// When set, any credential is accepted and grants these orgs (demo mode).
    pub(crate) accept_any: Option<Vec<String>>,
    pub(crate) provider_id: String,
    /// Systems that may sign requests (System Context), by system id.
    pub(crate) system_keys: HashMap<String, super::system_context::SystemKey>,
}

/// Who is calling: the orgs their credential reaches and the one selected for this request.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) orgs: Vec<String>,
    pub(crate) org: Option<String>,
}

impl AuthState {
    pub(crate) fn new(provider_id: String, token_lifetime: Duration) -> Self {
        Self {
            api_keys: HashMap::new(),
            clients: HashMap::new(),
            tokens: HashMap::new(),
            token_lifetime,
            accept_any: None,
            provider_id,
            system_keys: HashMap::new(),
        }
    }

    /// The orgs of a client if `secret` is one of its live secrets.
    pub(crate) fn check_client(&self, id: &str, secret: &str) -> Option<Vec<String>> {
        if let Some(orgs) = &self.accept_any {
            return (!id.is_empty()).then(|| orgs.clone());
        }
        let client = self.clients.get(id)?;
        client
            .secrets
            .iter()
            .any(|s| s == secret)
            .then(|| client.orgs.clone())
    }

    /// Record a freshly minted token.
    pub(crate) fn store_token(&mut self, token: String, orgs: Vec<String>) {
        let expires_at = Instant::now().checked_add(self.token_lifetime);
        self.tokens.insert(token, Token { orgs, expires_at });
    }

    /// Forget every token, so bearer requests fail until clients fetch new ones.
    pub(crate) fn revoke_tokens(&mut self) {
        self.tokens.clear();
    }

    /// The orgs reached by the request's credential (API key, else bearer token).
    pub(crate) fn credential_orgs(&mut self, headers: &HeaderMap) -> Result<Vec<String>, ApiError> {
        if let Some(key) = headers.get(API_KEY_HEADER) {
            let key = key.to_str().unwrap_or_default();
            if let Some(orgs) = &self.accept_any
                && !key.is_empty()
            {
                return Ok(orgs.clone());
            }
            return self
                .api_keys
                .get(key)
                .cloned()
                .ok_or_else(|| ApiError::unauthorized("Unauthorized"));
        }
        let Some(token) = bearer(headers) else {
            return Err(ApiError::unauthorized("Unauthorized"));
        };
        if let Some(orgs) = &self.accept_any {
            return Ok(orgs.clone());
        }
        match self.tokens.get(token) {
            Some(t) if t.expires_at.is_none_or(|at| at > Instant::now()) => Ok(t.orgs.clone()),
            Some(_) => {
                self.tokens.remove(token);
                Err(ApiError::unauthorized("token expired"))
            }
            None => Err(ApiError::unauthorized("invalid token")),
        }
    }
}

/// The token from `Authorization: Bearer <token>`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Client id and secret from `Authorization: Basic <base64(id:secret)>`.
pub(crate) fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Pick the request's org from the credential's orgs and the `x-org-id` header: a single-org
/// credential needs no header; several need one; a malformed id is a 400, an id the
/// credential doesn't reach a 404 (or, when `lenient`, the first org: demo mode accepts
/// whatever org id a real configuration sends).
pub(crate) fn select_org(
    orgs: &[String],
    headers: &HeaderMap,
    lenient: bool,
) -> Result<String, ApiError> {
    let Some(raw) = headers.get(ORG_HEADER) else {
        return match orgs {
            [only] => Ok(only.clone()),
            _ => Err(ApiError::unauthorized("no organization selected")),
        };
    };
    let id = raw.to_str().unwrap_or_default().trim();
    if !is_object_id(id) {
        return Err(ApiError::bad_request("invalid organization id"));
    }
    let id = id.to_ascii_lowercase();
    match orgs.first() {
        _ if orgs.contains(&id) => Ok(id),
        Some(first) if lenient => Ok(first.clone()),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "organization not found",
        )),
    }
}

/// Paths that refuse [`ORG_HEADER`] (403 when it is sent): they work across organisations.
pub(crate) fn refuses_org_header(path: &str) -> bool {
    const PREFIXES: [&str; 7] = [
        "/api/organizations",
        "/api/search/organizations",
        "/api/users",
        "/api/v2/organizations",
        "/api/v2/administrators",
        "/api/v2/providers",
        "/api/v2/integrations",
    ];
    PREFIXES.iter().any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use http::HeaderValue;

    #[test]
    fn refusing_routes() {
        assert!(refuses_org_header("/api/organizations"));
        assert!(refuses_org_header("/api/users/abc"));
        assert!(refuses_org_header("/api/v2/providers/x/organizations"));
        assert!(!refuses_org_header("/api/usersx"));
        assert!(!refuses_org_header("/api/v2/users"));
        assert!(!refuses_org_header("/api/systemusers"));
    }

    #[test]
    fn org_selection() {
        let a = "aaaaaaaaaaaaaaaaaaaaaaaa".to_owned();
        let b = "bbbbbbbbbbbbbbbbbbbbbbbb".to_owned();
        let mut h = HeaderMap::new();
        assert_eq!(select_org(std::slice::from_ref(&a), &h, false).unwrap(), a);
        let two = [a.clone(), b.clone()];
        assert_eq!(select_org(&two, &h, false).unwrap_err().status, 401);
        h.insert(
            ORG_HEADER,
            HeaderValue::from_static("BBBBBBBBBBBBBBBBBBBBBBBB"),
        );
        assert_eq!(select_org(&two, &h, false).unwrap(), b);
        h.insert(ORG_HEADER, HeaderValue::from_static("nope"));
        assert_eq!(select_org(&two, &h, false).unwrap_err().status, 400);
        h.insert(
            ORG_HEADER,
            HeaderValue::from_static("cccccccccccccccccccccccc"),
        );
        assert_eq!(select_org(&two, &h, false).unwrap_err().status, 404);
        assert_eq!(select_org(&two, &h, true).unwrap(), a);
    }

    #[test]
    fn basic_and_bearer_parsing() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic aWQ6czpzZWM="),
        );
        assert_eq!(basic(&h).unwrap(), ("id".into(), "s:sec".into()));
        assert!(bearer(&h).is_none());
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer tok"),
        );
        assert_eq!(bearer(&h), Some("tok"));
    }
}
