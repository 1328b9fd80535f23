//! The one request path of a [`JumpCloud`](crate::JumpCloud) client: every
//! call's phases, each owned here once.
//!
//! A generated builder builds its request ([`jumpcloud_api::Request::into_request`]);
//! [`JumpCloudTransport::send`] then, in order, scopes it (user agent,
//! `x-org-id`, `x-provider-id`), adds credentials (API key, OAuth token,
//! System Context signature), sets the attempt timeout, and runs the
//! attempts: each holds one place of every [`Budget`] it runs within, a
//! failed one is retried as [`crate::retry`] decides from the operation's
//! [`Effect`](jumpcloud_api::Effect), and a 401 gets one fresh OAuth token.
//! A failed answer becomes a typed [`Error`] in [`Answer::success`]; the
//! builder decodes a successful one (`crate::call`).
//!
//! The per-call options ([`CallOptions`]: retry policy, budget, timeout)
//! travel with the client ([`JumpCloud::with_options`](crate::JumpCloud::with_options)
//! makes a copy carrying others), never beside the call in ambient state.

use std::fmt;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::header::{AUTHORIZATION, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use jumpcloud_api::{BoxFuture, Effect, Operation, Transport, TransportError};
use tracing::{Instrument, field::Empty};

use crate::Error;
use crate::auth::Auth;
use crate::budget::Budget;
use crate::call::CallOptions;
use crate::error::{ErrorKind, ResponseContext};
use crate::retry::{Driver, Failure, RetryPolicy};

/// The multi-tenant organisation header.
pub(crate) const ORG_HEADER: HeaderName = HeaderName::from_static("x-org-id");

/// The provider header Directory Insights accepts from multi-tenant admins.
pub(crate) const PROVIDER_HEADER: HeaderName = HeaderName::from_static("x-provider-id");

/// Most of an error body kept for the error (the excerpt is shorter).
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// What every clone of a client shares.
pub(crate) struct Shared {
    pub(crate) auth: Auth,
    pub(crate) user_agent: HeaderValue,
    /// `x-provider-id` for Directory Insights requests.
    pub(crate) provider: Option<HeaderValue>,
}

/// The organisation a client acts in.
#[derive(Clone, Debug)]
pub(crate) enum OrgScope {
    /// No `x-org-id`: the credentials' own organisation.
    None,
    /// Send this `x-org-id` where the route accepts it.
    Id(HeaderValue),
    /// The id given cannot be a header value; every request fails.
    Invalid,
}

impl OrgScope {
    pub(crate) fn new(id: Option<&str>) -> Self {
        match id.map(str::trim) {
            None | Some("") => OrgScope::None,
            Some(id) => HeaderValue::from_str(id).map_or(OrgScope::Invalid, OrgScope::Id),
        }
    }

    pub(crate) fn id(&self) -> Option<&str> {
        match self {
            OrgScope::Id(v) => v.to_str().ok(),
            _ => None,
        }
    }
}

/// Authenticates, scopes, sends, retries and traces every request of a
/// [`JumpCloud`](crate::JumpCloud) client.
#[derive(Clone)]
pub(crate) struct JumpCloudTransport {
    shared: Arc<Shared>,
    org: OrgScope,
    /// The options every request of this client follows.
    options: Arc<CallOptions>,
}

impl JumpCloudTransport {
    pub(crate) fn new(shared: Arc<Shared>, org: OrgScope, options: Arc<CallOptions>) -> Self {
        JumpCloudTransport {
            shared,
            org,
            options,
        }
    }

    /// What a refused request used, for its error: the kind of credential,
    /// the host (which says the region) and whether `x-org-id` went along.
    /// Never a secret: neither keys nor tokens nor the organisation's id.
    fn hint(&self, request: &reqwest::Request) -> String {
        let host = request.url().host_str().unwrap_or("an unknown host");
        let org = if request.headers().contains_key(ORG_HEADER) {
            "x-org-id sent"
        } else {
            "no x-org-id"
        };
        format!("{} at {host}, {org}", self.shared.auth.kind())
    }

    /// The headers every request of this client carries: the user agent,
    /// `x-org-id` where the route takes it, `x-provider-id` for Directory
    /// Insights.
    fn scope(
        &self,
        request: &mut reqwest::Request,
        operation: &'static Operation,
    ) -> Result<(), Error> {
        let headers = request.headers_mut();
        headers.insert(USER_AGENT, self.shared.user_agent.clone());
        headers.remove(ORG_HEADER);
        if operation.api == jumpcloud_api::Api::Insights
            && let Some(provider) = &self.shared.provider
        {
            headers.insert(PROVIDER_HEADER, provider.clone());
        }
        if operation.org_header {
            match &self.org {
                OrgScope::None => {}
                OrgScope::Id(id) => {
                    headers.insert(ORG_HEADER, id.clone());
                }
                OrgScope::Invalid => {
                    return Err(Error::config(
                        "the organization id given to `with_org` is not a valid header value",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Sends `request` as often as the retry policy and the operation's
    /// [`Effect`](jumpcloud_api::Effect) allow, each attempt scoped,
    /// authenticated, timed and holding one place of each budget it runs
    /// within (the client's, and `within` when it is another), and returns
    /// the last answer whatever its status. Every failure before an answer
    /// is typed here, where it happens.
    pub(crate) async fn send(
        &self,
        http: &reqwest::Client,
        mut request: reqwest::Request,
        operation: &'static Operation,
        within: Option<&Budget>,
    ) -> Result<Answer, Error> {
        let span = tracing::info_span!(
            "jumpcloud.request",
            api = %operation.api,
            operation = operation.id,
            method = %request.method(),
            path = operation.path,
            attempts = Empty,
            status = Empty,
            latency_ms = Empty,
        );
        let start = Instant::now();
        let result = async {
            self.scope(&mut request, operation)?;
            let credentials = self
                .shared
                .auth
                .apply(&mut request)
                .instrument(tracing::debug_span!("jumpcloud.credentials"))
                .await;
            if let Err(e) = credentials {
                tracing::debug!(error = %e, "no credentials for the request");
                return Err(if e.kind() == ErrorKind::Auth {
                    e.or_hint(|| self.hint(&request))
                } else {
                    e
                });
            }
            if let Some(timeout) = self.options.attempt_timeout() {
                *request.timeout_mut() = Some(timeout);
            }
            self.attempts(http, request, operation.effect, within).await
        }
        .instrument(span.clone())
        .await
        .map_err(|e| e.or_operation(operation));
        span.record("latency_ms", start.elapsed().as_millis() as u64);
        result
    }

    /// The attempt loop of [`send`](Self::send), for a request that is
    /// scoped and carries its credentials.
    async fn attempts(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        effect: Effect,
        within: Option<&Budget>,
    ) -> Result<Answer, Error> {
        let span = tracing::Span::current();
        let default_policy;
        let policy = match self.options.retry_policy() {
            Some(policy) => policy,
            None => {
                default_policy = RetryPolicy::default();
                &default_policy
            }
        };
        let may_repeat = effect.may_repeat();
        let may_resend = may_repeat || policy.retry_non_idempotent();
        let budgets = Budget::distinct([self.options.budget(), within]);
        let hint = self.hint(&request);
        // What the request carries that an error body must not echo; it
        // changes only when a refused token is replaced.
        let mut secrets = sensitive_values(request.headers());
        let mut sent_auth = request.headers().get(AUTHORIZATION).cloned();

        let mut driver = Driver::new(policy, may_repeat, "request");
        let mut current = request;
        let mut auth_retried = false;
        loop {
            let attempt = driver.begin();
            span.record("attempts", attempt);
            // A body that is a stream cannot be cloned, and is sent once.
            let mut spare = current.try_clone();
            let sent_at = Instant::now();
            let result = {
                // Places are held while the attempt is out, not while
                // waiting to retry: one of each budget, however given.
                let _places = Budget::places(&budgets).await;
                http.execute(current)
                    .instrument(tracing::debug_span!("jumpcloud.attempt", attempt))
                    .await
            };
            let latency_ms = sent_at.elapsed().as_millis() as u64;

            let failure = match &result {
                Ok(resp) => {
                    let status = resp.status();
                    span.record("status", status.as_u16());
                    tracing::debug!(attempt, status = status.as_u16(), latency_ms, "response");
                    if status.is_success() {
                        break result
                            .map(|response| Answer::new(response, attempt, secrets, hint))
                            .map_err(Error::from_reqwest);
                    }
                    Failure::from_response(resp)
                }
                Err(err) => {
                    let failure = Failure::from_reqwest(err);
                    tracing::debug!(attempt, reason = %failure.reason(), latency_ms, "send failed");
                    failure
                }
            };

            if let Failure::Status { status, .. } = failure
                && status == StatusCode::UNAUTHORIZED
                && !auth_retried
                && let Some(oauth) = self.shared.auth.oauth()
            {
                auth_retried = true;
                // Drop the refused token even when the request is not
                // resent, so that the next call gets a new one.
                if let Some(sent) = &sent_auth {
                    oauth.invalidate(sent).await;
                }
                let mut next = spare.take().filter(|_| may_resend);
                let refreshed = match next.as_mut() {
                    Some(next) => oauth.apply(next).await.is_ok(),
                    None => false,
                };
                if let (true, Some(next)) = (refreshed, next) {
                    tracing::info!(attempt, "token refused (401); retrying with a fresh token");
                    secrets = sensitive_values(next.headers());
                    sent_auth = next.headers().get(AUTHORIZATION).cloned();
                    // Authentication, not a retry: the policy does not count it.
                    driver.uncounted();
                    current = next;
                    continue;
                }
                // Not resent: with the spare request gone nothing below
                // retries, so the 401 goes back to the caller as it is.
            }

            if let Some(delay) = driver.retry_delay(&failure, spare.is_some())
                && let Some(mut next) = spare
            {
                drop(result);
                driver.wait(delay).await;
                self.shared.auth.refresh_for_resend(&mut next)?;
                current = next;
                continue;
            }
            break match result {
                Ok(response) => Ok(Answer::new(response, attempt, secrets, hint)),
                Err(err) => Err(Error::from_reqwest(err).with_attempts(attempt)),
            };
        }
    }
}

/// The last answer of [`JumpCloudTransport::send`], with what turning a
/// failed one into an [`Error`] needs.
pub(crate) struct Answer {
    pub(crate) response: reqwest::Response,
    attempts: u32,
    /// What the request carried that the error body must not echo.
    secrets: Vec<Vec<u8>>,
    /// See [`JumpCloudTransport::hint`].
    hint: String,
}

impl Answer {
    fn new(
        response: reqwest::Response,
        attempts: u32,
        secrets: Vec<Vec<u8>>,
        hint: String,
    ) -> Self {
        Answer {
            response,
            attempts,
            secrets,
            hint,
        }
    }

    /// The answer if it is a success; otherwise its error, with the body
    /// read (bounded, credentials scrubbed) and the request described.
    pub(crate) async fn success(
        self,
        operation: &'static Operation,
    ) -> Result<reqwest::Response, Error> {
        let resp = self.response;
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let headers = resp.headers().clone();
        let path = resp.url().path().to_owned();
        let (body, truncated, read_error) = read_bounded(resp, MAX_ERROR_BODY).await;
        let body = scrub(body, &self.secrets);
        let refused = status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN;
        let context = ResponseContext {
            operation,
            method: Method::from_bytes(operation.http_method.as_bytes()).unwrap_or(Method::GET),
            path,
            attempts: self.attempts,
            hint: refused.then_some(self.hint),
        };
        let truncated = truncated || read_error.is_some();
        Err(Error::from_http_parts(status, &headers, Some(&body), truncated).with_context(context))
    }
}

/// Credentials on a request, so that an error body echoing one is scrubbed.
fn sensitive_values(headers: &HeaderMap) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for value in headers.values().filter(|v| v.is_sensitive()) {
        let bytes = value.as_bytes();
        out.push(bytes.to_vec());
        if let Some(token) = bytes.strip_prefix(b"Bearer ") {
            out.push(token.to_vec());
        }
    }
    out
}

/// Replaces every occurrence of a secret in `body` with `***`.
pub(crate) fn scrub(body: Bytes, secrets: &[Vec<u8>]) -> Bytes {
    let mut current = body;
    for secret in secrets.iter().filter(|s| s.len() >= 8) {
        if find(&current, secret).is_none() {
            continue;
        }
        let mut out = Vec::with_capacity(current.len());
        let mut rest: &[u8] = &current;
        while let Some(i) = find(rest, secret) {
            out.extend_from_slice(&rest[..i]);
            out.extend_from_slice(b"***");
            rest = &rest[i + secret.len()..];
        }
        out.extend_from_slice(rest);
        current = Bytes::from(out);
    }
    current
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads at most `limit` bytes of a body. Returns what was read, whether
/// more was left, and the error that stopped the reading, if any.
pub(crate) async fn read_bounded(
    mut resp: reqwest::Response,
    limit: usize,
) -> (Bytes, bool, Option<reqwest::Error>) {
    let mut buf = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit.saturating_sub(buf.len());
                if chunk.len() > room {
                    buf.extend_from_slice(&chunk[..room]);
                    return (Bytes::from(buf), true, None);
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(None) => return (Bytes::from(buf), false, None),
            Err(e) => return (Bytes::from(buf), false, Some(e)),
        }
    }
}

/// For generic callers (a generated builder's own `send()`): the last
/// answer whatever its status, so that the builder decodes it; this crate's
/// `.run()` calls [`JumpCloudTransport::send`] directly instead.
impl Transport for JumpCloudTransport {
    fn send<'a>(
        &'a self,
        http: &'a reqwest::Client,
        request: reqwest::Request,
        operation: &'static Operation,
    ) -> BoxFuture<'a, Result<reqwest::Response, TransportError>> {
        Box::pin(async move {
            match JumpCloudTransport::send(self, http, request, operation, None).await {
                Ok(answer) => Ok(answer.response),
                Err(e) => Err(Box::new(e) as TransportError),
            }
        })
    }
}

impl fmt::Debug for JumpCloudTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JumpCloudTransport")
            .field("auth", &self.shared.auth)
            .field("org_id", &self.org.id())
            .field("options", &self.options)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "directory")]
    use crate::Run;
    #[cfg(feature = "directory")]
    use std::time::Duration;

    #[test]
    fn scrubs_every_occurrence() {
        let secrets = vec![b"s3cr3t-key".to_vec(), b"tiny".to_vec()];
        let body = Bytes::from_static(b"bad key s3cr3t-key, again s3cr3t-key; tiny stays");
        assert_eq!(
            &scrub(body, &secrets)[..],
            b"bad key ***, again ***; tiny stays"
        );
        let clean = Bytes::from_static(b"nothing here");
        assert_eq!(&scrub(clean, &secrets)[..], b"nothing here");
    }

    #[test]
    fn collects_sensitive_headers_and_bearer_tokens() {
        let mut h = HeaderMap::new();
        let mut v = HeaderValue::from_static("Bearer abcdefgh");
        v.set_sensitive(true);
        h.insert(AUTHORIZATION, v);
        h.insert(USER_AGENT, HeaderValue::from_static("ua"));
        let got = sensitive_values(&h);
        assert_eq!(got, vec![b"Bearer abcdefgh".to_vec(), b"abcdefgh".to_vec()]);
    }

    fn response(chunks: &[&'static [u8]]) -> reqwest::Response {
        let stream = futures::stream::iter(
            chunks
                .iter()
                .map(|c| Ok::<_, std::io::Error>(Bytes::from_static(c)))
                .collect::<Vec<_>>(),
        );
        reqwest::Response::from(http::Response::new(reqwest::Body::wrap_stream(stream)))
    }

    #[tokio::test]
    async fn read_bounded_stops_at_the_limit() {
        // Exactly the limit, in one chunk or several, is complete.
        let (body, more, err) = read_bounded(response(&[b"abcd"]), 4).await;
        assert_eq!(
            (&body[..], more, err.is_none()),
            (&b"abcd"[..], false, true)
        );
        let (body, more, _) = read_bounded(response(&[b"ab", b"cd"]), 4).await;
        assert_eq!((&body[..], more), (&b"abcd"[..], false));
        // One byte more is cut, whichever chunk brings it.
        let (body, more, _) = read_bounded(response(&[b"abcde"]), 4).await;
        assert_eq!((&body[..], more), (&b"abcd"[..], true));
        let (body, more, _) = read_bounded(response(&[b"abc", b"de"]), 4).await;
        assert_eq!((&body[..], more), (&b"abcd"[..], true));
        let (body, more, _) = read_bounded(response(&[b"abcd", b"e"]), 4).await;
        assert_eq!((&body[..], more), (&b"abcd"[..], true));
        let (body, more, _) = read_bounded(response(&[]), 4).await;
        assert_eq!((&body[..], more), (&b""[..], false));
    }

    /// A server whose `/api/v2/groups` answers 503 once, then 200; returns
    /// how many requests reached it when `send` is done.
    #[cfg(feature = "directory")]
    async fn requests_for<F, Fut>(send: F) -> usize
    where
        F: FnOnce(crate::JumpCloud) -> Fut,
        Fut: Future<Output = ()>,
    {
        use wiremock::matchers::path;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(path("/api/v2/groups"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(path("/api/v2/groups"))
            .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
            .mount(&server)
            .await;
        let jc = crate::JumpCloud::builder()
            .base_url(server.uri())
            .api_key("test-api-key")
            .retry(
                RetryPolicy::default()
                    .with_backoff(Duration::from_millis(1), Duration::from_millis(2)),
            )
            .build()
            .unwrap();
        send(jc).await;
        server.received_requests().await.unwrap().len()
    }

    #[cfg(feature = "directory")]
    #[tokio::test]
    async fn options_override_the_clients_for_the_copy_only() {
        // The client's policy retries the 503.
        let n = requests_for(|jc| async move {
            jc.v2().group_list().run().await.unwrap();
        })
        .await;
        assert_eq!(n, 2);
        // A copy with its own policy sends once...
        let n = requests_for(|jc| async move {
            let once = jc.with_options(CallOptions::new().retry(RetryPolicy::none()));
            let res = once.v2().group_list().run().await;
            assert_eq!(res.unwrap_err().status().map(|s| s.as_u16()), Some(503));
            // ...and the client keeps its own.
            jc.v2().group_list().run().await.unwrap();
        })
        .await;
        assert_eq!(n, 2);
    }

    #[test]
    fn org_scope() {
        assert!(matches!(OrgScope::new(None), OrgScope::None));
        assert!(matches!(OrgScope::new(Some("  ")), OrgScope::None));
        assert_eq!(OrgScope::new(Some("5f0c1d")).id(), Some("5f0c1d"));
        assert!(matches!(OrgScope::new(Some("a\nb")), OrgScope::Invalid));
    }
}
