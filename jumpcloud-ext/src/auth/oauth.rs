//! Service accounts: OAuth 2.0 client credentials with a shared token cache.
//!
//! One token serves every clone of a client. It is replaced shortly before it
//! expires, by exactly one task: the cache sits behind an async mutex, so
//! callers arriving during a refresh wait for its result instead of asking
//! for tokens of their own. If that refresh fails, the callers that waited
//! for it get its error rather than trying again one after another.

use std::fmt;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, Instant};

use http::header::{ACCEPT, AUTHORIZATION, USER_AGENT};
use http::{HeaderValue, StatusCode};
use reqwest::Url;
use serde::Deserialize;
use tokio::sync::Mutex;
use tracing::{Instrument, field::Empty};
use zeroize::Zeroizing;

use crate::error::{Error, parse_message};
use crate::retry::{Cause, Driver, Failure, RetryPolicy};
use crate::secret::Secret;
use crate::transport::{read_bounded, scrub};

/// Lifetime assumed when the token endpoint does not say (JumpCloud's tokens
/// last about an hour).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// Longest lifetime believed, so a bogus `expires_in` cannot pin a token.
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// Largest token response read.
const MAX_TOKEN_BODY: usize = 64 * 1024;

/// What the builder decided for a service account.
pub(crate) struct OAuthSettings {
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    pub(crate) endpoint: Url,
    pub(crate) scope: String,
    pub(crate) skew: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) user_agent: HeaderValue,
}

/// Bearer-token authentication for a service account.
pub(crate) struct OAuthAuth {
    client_id: String,
    client_secret: RwLock<Secret>,
    endpoint: Url,
    scope: String,
    skew: Duration,
    retry: RetryPolicy,
    user_agent: HeaderValue,
    http: reqwest::Client,
    cache: Mutex<TokenState>,
}

#[derive(Default)]
struct TokenState {
    token: Option<CachedToken>,
    failure: Option<FailedFetch>,
}

/// The last failed fetch, handed to the callers that waited for it.
struct FailedFetch {
    at: Instant,
    message: String,
    status: Option<StatusCode>,
}

impl FailedFetch {
    fn error(&self) -> Error {
        let e = Error::auth(self.message.clone());
        match self.status {
            Some(s) => e.with_status(s),
            None => e,
        }
    }
}

struct CachedToken {
    /// `Bearer <token>`, marked sensitive.
    header: HeaderValue,
    /// When to stop using it: expiry minus the skew.
    refresh_at: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Zeroizing<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

impl OAuthAuth {
    pub(crate) fn new(settings: OAuthSettings, http: reqwest::Client) -> Result<Self, Error> {
        if settings.client_id.trim().is_empty() {
            return Err(Error::config("the service account's client id is empty"));
        }
        if settings.client_secret.is_empty() {
            return Err(Error::config(
                "the service account's client secret is empty",
            ));
        }
        Ok(OAuthAuth {
            client_id: settings.client_id,
            client_secret: RwLock::new(settings.client_secret),
            endpoint: settings.endpoint,
            scope: settings.scope,
            skew: settings.skew,
            retry: settings.retry,
            user_agent: settings.user_agent,
            http,
            cache: Mutex::new(TokenState::default()),
        })
    }

    /// Uses `secret` for every token request from now on. The cached token
    /// stays valid until it expires, so nothing in flight is disturbed.
    pub(crate) fn set_client_secret(&self, secret: Secret) -> Result<(), Error> {
        if secret.is_empty() {
            return Err(Error::config("the new client secret is empty"));
        }
        *self
            .client_secret
            .write()
            .unwrap_or_else(PoisonError::into_inner) = secret;
        Ok(())
    }

    fn client_secret(&self) -> Secret {
        self.client_secret
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Sets `Authorization: Bearer …` on `request`.
    pub(crate) async fn apply(&self, request: &mut reqwest::Request) -> Result<(), Error> {
        let header = self.bearer().await?;
        request.headers_mut().insert(AUTHORIZATION, header);
        Ok(())
    }

    /// The current `Bearer …` header value, fetching a token if none is
    /// fresh. Concurrent callers share one fetch.
    pub(crate) async fn bearer(&self) -> Result<HeaderValue, Error> {
        let arrived = Instant::now();
        let mut state = self.cache.lock().await;
        if let Some(token) = state.token.as_ref()
            && Instant::now() < token.refresh_at
        {
            return Ok(token.header.clone());
        }
        if let Some(failure) = state.failure.as_ref()
            && failure.at >= arrived
        {
            return Err(failure.error());
        }
        state.token = None;
        match self.fetch().await {
            Ok(fresh) => {
                let header = fresh.header.clone();
                state.token = Some(fresh);
                state.failure = None;
                Ok(header)
            }
            Err(e) => {
                state.failure = Some(FailedFetch {
                    at: Instant::now(),
                    message: e.message().map_or_else(|| e.to_string(), str::to_owned),
                    status: e.status(),
                });
                Err(e)
            }
        }
    }

    /// Forgets the cached token if it is still the one the server refused
    /// (`sent`); if another task already replaced it, the new one is kept.
    pub(crate) async fn invalidate(&self, sent: &HeaderValue) {
        let mut state = self.cache.lock().await;
        if state.token.as_ref().is_some_and(|t| t.header == *sent) {
            state.token = None;
        }
    }

    async fn fetch(&self) -> Result<CachedToken, Error> {
        let host = self.endpoint.host_str().unwrap_or_default().to_owned();
        let span = tracing::info_span!(
            "jumpcloud.token",
            host = %host,
            attempt = Empty,
            status = Empty,
            latency_ms = Empty,
        );
        let start = Instant::now();
        let result = self.fetch_with_retries().instrument(span.clone()).await;
        span.record("latency_ms", start.elapsed().as_millis() as u64);
        result
    }

    /// Asks for a token, retried by the same driver and rule as API
    /// requests. Issuing a token has no side effect, so asking again is
    /// always safe: the request counts as idempotent.
    async fn fetch_with_retries(&self) -> Result<CachedToken, Error> {
        let span = tracing::Span::current();
        let mut driver = Driver::new(&self.retry, true, "token request");
        loop {
            let attempt = driver.begin();
            span.record("attempt", attempt);
            let result = match self.request_token().await {
                Ok(resp) if resp.status().is_success() => {
                    span.record("status", resp.status().as_u16());
                    return self.read_token(resp).await;
                }
                other => other,
            };
            let failure = match &result {
                Ok(resp) => {
                    span.record("status", resp.status().as_u16());
                    Failure::from_response(resp)
                }
                Err(err) => Failure::from_reqwest(err),
            };
            if let Some(delay) = driver.retry_delay(&failure, true) {
                drop(result);
                driver.wait(delay).await;
                continue;
            }
            return Err(match result {
                Ok(resp) => refused(resp, driver.attempts(), &self.client_secret()).await,
                Err(err) => failure_error(err),
            });
        }
    }

    async fn request_token(&self) -> reqwest::Result<reqwest::Response> {
        let secret = self.client_secret();
        let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        if !self.scope.is_empty() {
            form.push(("scope", &self.scope));
        }
        self.http
            .post(self.endpoint.clone())
            .basic_auth(&self.client_id, Some(secret.expose()))
            .header(USER_AGENT, self.user_agent.clone())
            .header(ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
    }

    async fn read_token(&self, resp: reqwest::Response) -> Result<CachedToken, Error> {
        let issued = Instant::now();
        let (body, truncated, read_error) = read_bounded(resp, MAX_TOKEN_BODY).await;
        if let Some(err) = read_error {
            return Err(failure_error(err));
        }
        if truncated {
            return Err(Error::auth("the token endpoint's answer is too large"));
        }
        // The body holds the token: no excerpt of it may reach an error.
        let parsed: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
            Error::auth(format!(
                "the token endpoint's answer is not a token response ({:?} error at line {}, column {})",
                e.classify(),
                e.line(),
                e.column()
            ))
        })?;
        if parsed.access_token.trim().is_empty() {
            return Err(Error::auth(
                "the token endpoint returned an empty access token",
            ));
        }
        let value = Zeroizing::new(format!("Bearer {}", parsed.access_token.as_str()));
        let mut header = HeaderValue::from_str(&value).map_err(|_| {
            Error::auth(
                "the token endpoint returned an access token that is not a valid header value",
            )
        })?;
        header.set_sensitive(true);
        let lifetime = parsed
            .expires_in
            .as_ref()
            .and_then(lifetime_of)
            .unwrap_or(DEFAULT_LIFETIME)
            .min(MAX_LIFETIME);
        tracing::debug!(lifetime_s = lifetime.as_secs(), "access token issued");
        Ok(CachedToken {
            header,
            refresh_at: refresh_deadline(issued, lifetime, self.skew),
        })
    }
}

/// When a token issued at `issued` for `lifetime` is replaced: `skew` before
/// it expires, so no request goes out with a token about to lapse. The skew
/// never eats more than half a token's life, so short-lived tokens are still
/// reused rather than fetched for every request.
fn refresh_deadline(issued: Instant, lifetime: Duration, skew: Duration) -> Instant {
    issued + lifetime - skew.min(lifetime / 2)
}

fn lifetime_of(v: &serde_json::Value) -> Option<Duration> {
    let secs = match v {
        serde_json::Value::Number(n) => n.as_f64()?,
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (secs.is_finite() && secs >= 0.0)
        .then(|| Duration::from_secs_f64(secs.min(MAX_LIFETIME.as_secs_f64())))
}

/// The error for a token endpoint that answered with a failure status. An
/// answer that quotes the client secret has it replaced first.
async fn refused(resp: reqwest::Response, attempts: u32, secret: &Secret) -> Error {
    let status = resp.status();
    let (body, _, _) = read_bounded(resp, MAX_TOKEN_BODY).await;
    let body = scrub(body, &[secret.expose().as_bytes().to_vec()]);
    let detail = parse_message(&body)
        .map(|m| format!(": {m}"))
        .unwrap_or_default();
    let tries = if attempts > 1 {
        format!(" (after {attempts} attempts)")
    } else {
        String::new()
    };
    Error::auth(format!(
        "the token endpoint answered HTTP {status}{detail}{tries}"
    ))
    .with_status(status)
}

fn failure_error(err: reqwest::Error) -> Error {
    let what = Cause::of(&err).describe();
    Error::auth(format!("token endpoint unreachable: {what}")).with_source(err.without_url())
}

impl fmt::Debug for OAuthAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceAccount")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("token_endpoint", &self.endpoint.as_str())
            .field("scope", &self.scope)
            .field("skew", &self.skew)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_replaced_a_skew_before_they_expire() {
        let issued = Instant::now();
        let hour = Duration::from_secs(3600);
        let minute = Duration::from_secs(60);
        assert_eq!(
            refresh_deadline(issued, hour, minute),
            issued + hour - minute
        );
        assert_eq!(
            refresh_deadline(issued, hour, Duration::ZERO),
            issued + hour
        );
        // A skew longer than half the lifetime is cut to half of it.
        let ten = Duration::from_secs(10);
        assert_eq!(refresh_deadline(issued, ten, minute), issued + ten / 2);
        assert_eq!(refresh_deadline(issued, Duration::ZERO, minute), issued);
    }

    #[test]
    fn lifetimes_are_read_leniently_and_bounded() {
        let secs = |v: serde_json::Value| lifetime_of(&v);
        assert_eq!(secs(serde_json::json!(90)), Some(Duration::from_secs(90)));
        assert_eq!(
            secs(serde_json::json!(" 1.5 ")),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(secs(serde_json::json!(0)), Some(Duration::ZERO));
        // No lifetime beyond a day is believed.
        let day = Duration::from_secs(24 * 3600);
        assert_eq!(secs(serde_json::json!(1e12)), Some(day));
        assert_eq!(secs(serde_json::json!(2 * 24 * 3600)), Some(day));
        assert_eq!(
            secs(serde_json::json!(23 * 3600)),
            Some(day - Duration::from_secs(3600))
        );
        assert_eq!(secs(serde_json::json!(-1)), None);
        assert_eq!(secs(serde_json::json!("soon")), None);
        assert_eq!(secs(serde_json::json!(true)), None);
    }
}
