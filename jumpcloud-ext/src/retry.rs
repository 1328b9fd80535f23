//! When a failed request is sent again, and after how long, and the one
//! loop that does it.
//!
//! Policy is a value ([`RetryPolicy`]); the decision is a pure function of the
//! policy, the failure and the time spent so far, so every rule is tested
//! without a network or a clock. [`Driver`] is the loop around it: API
//! requests (the transport) and token requests (the OAuth cache) both count,
//! decide, log and wait through it. What counts as transient is said once,
//! by [`Failure::is_transient`]: the default policy retries exactly that, and
//! [`Error::is_retryable`](crate::Error::is_retryable) answers by it.
//!
//! This module knows nothing of [`Error`](crate::Error); `error.rs` reads
//! the classification from here, never the other way round.

use std::time::{Duration, Instant, SystemTime};

use http::{HeaderMap, StatusCode, header::RETRY_AFTER};

/// The statuses that are worth asking again, as the default policy and
/// [`Failure::is_transient`] read them: a request timeout, a rate limit and
/// the gateway errors JumpCloud's edge sends while a backend restarts.
pub(crate) const TRANSIENT_STATUSES: [StatusCode; 5] = [
    StatusCode::REQUEST_TIMEOUT,
    StatusCode::TOO_MANY_REQUESTS,
    StatusCode::BAD_GATEWAY,
    StatusCode::SERVICE_UNAVAILABLE,
    StatusCode::GATEWAY_TIMEOUT,
];

/// How a client retries transient failures.
///
/// The default retries `408`, `429`, `502`, `503` and `504` answers,
/// timeouts and broken connections, up to 4 attempts within 60 s, with exponential backoff
/// and full jitter from 250 ms up to 20 s, honouring `Retry-After` up to that
/// cap. What is resent depends on what the operation does
/// ([`Effect`](jumpcloud_api::Effect)), not on its verb: reads (v1 searches
/// and Directory Insights queries included, although they are `POST`s) and
/// idempotent changes (`PUT`, `DELETE`, graph link changes) are resent after
/// any of those failures; other changes (creating an object, running a
/// command) only when the server certainly did not act: a 429, a 503 with
/// `Retry-After`, or a connection that never opened.
/// [`with_retry_non_idempotent`](Self::with_retry_non_idempotent) resends
/// those after any failure too.
///
/// A policy is a value: `with_*` methods return a changed copy, and the
/// getters carry the same name without the prefix
/// ([`max_attempts`](Self::max_attempts),
/// [`retry_non_idempotent`](Self::retry_non_idempotent)). A client's policy is
/// set with [`JumpCloudBuilder::retry`](crate::JumpCloudBuilder::retry); a
/// different one for some calls with
/// [`JumpCloud::with_options`](crate::JumpCloud::with_options) and
/// [`CallOptions::retry`](crate::CallOptions::retry).
///
/// ```
/// use std::time::Duration;
/// use jumpcloud_ext::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .with_max_attempts(6)
///     .with_backoff(Duration::from_millis(100), Duration::from_secs(5))
///     .with_max_elapsed(Some(Duration::from_secs(30)));
/// # let _ = policy;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_elapsed: Option<Duration>,
    statuses: Vec<StatusCode>,
    on_timeout: bool,
    on_connection_error: bool,
    non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            max_elapsed: Some(Duration::from_secs(60)),
            statuses: TRANSIENT_STATUSES.to_vec(),
            on_timeout: true,
            on_connection_error: true,
            non_idempotent: false,
        }
    }
}

impl RetryPolicy {
    /// The default policy (see the type's documentation).
    pub fn new() -> Self {
        Self::default()
    }

    /// Never retry: every request is sent once (a 401 may still be retried
    /// once with a fresh OAuth token, which is authentication, not retrying).
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Total attempts per request, the first included (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Exponential backoff bounds: the n-th retry waits a random time up to
    /// `min(max, base * 2^(n-1))`. `max` also caps any `Retry-After`.
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_delay = base;
        self.max_delay = max.max(base);
        self
    }

    /// The longest a request may take with all its attempts and waits; no
    /// retry is started that would end its wait past it. `None`: no limit.
    pub fn with_max_elapsed(mut self, limit: Option<Duration>) -> Self {
        self.max_elapsed = limit;
        self
    }

    /// The response statuses that are retried (default 408, 429, 502, 503,
    /// 504).
    pub fn with_retry_statuses(mut self, statuses: impl IntoIterator<Item = StatusCode>) -> Self {
        self.statuses = statuses.into_iter().collect();
        self
    }

    /// Whether attempts that timed out are retried (default yes).
    pub fn with_retry_timeouts(mut self, yes: bool) -> Self {
        self.on_timeout = yes;
        self
    }

    /// Whether failed or broken connections are retried (default yes).
    pub fn with_retry_connection_errors(mut self, yes: bool) -> Self {
        self.on_connection_error = yes;
        self
    }

    /// Whether requests that are not idempotent (`POST`, `PATCH`) are retried
    /// like the others. Off by default: a retried `POST` may act twice.
    pub fn with_retry_non_idempotent(mut self, yes: bool) -> Self {
        self.non_idempotent = yes;
        self
    }

    /// Whether non-idempotent requests may be sent more than once (see
    /// [`with_retry_non_idempotent`](Self::with_retry_non_idempotent)).
    pub fn retry_non_idempotent(&self) -> bool {
        self.non_idempotent
    }

    /// Total attempts per request, the first included (see
    /// [`with_max_attempts`](Self::with_max_attempts)).
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Decides what to do after a failed attempt. `attempts` counts the
    /// attempts made so far (the failed one included), `elapsed` the time
    /// since the first one began, and `jitter` is a number in `[0, 1)` that
    /// scales the backoff (random in production, fixed in tests).
    pub(crate) fn decide(
        &self,
        failure: &Failure,
        attempts: u32,
        elapsed: Duration,
        idempotent: bool,
        jitter: f64,
    ) -> Decision {
        if !self.retries(failure) {
            return Decision::GiveUp(GiveUp::NotRetryable);
        }
        // A request the server refused before acting on it is safe to send
        // again whatever it does.
        if !idempotent && !self.non_idempotent && !failure.refused_before_acting() {
            return Decision::GiveUp(GiveUp::NotIdempotent);
        }
        if attempts >= self.max_attempts {
            return Decision::GiveUp(GiveUp::AttemptsExhausted);
        }
        let delay = match failure {
            Failure::Status {
                retry_after: Some(after),
                ..
            } => (*after).min(self.max_delay),
            _ => self.backoff_delay(attempts, jitter),
        };
        if let Some(limit) = self.max_elapsed
            && elapsed.saturating_add(delay) > limit
        {
            return Decision::GiveUp(GiveUp::TimeExhausted);
        }
        Decision::Retry { delay }
    }

    /// Whether this policy retries `failure` at all (before attempts, time
    /// and idempotency are considered).
    fn retries(&self, failure: &Failure) -> bool {
        match failure {
            Failure::Status { status, .. } => self.statuses.contains(status),
            Failure::Timeout => self.on_timeout,
            Failure::Connect | Failure::ConnectionLost => self.on_connection_error,
            Failure::Other => false,
        }
    }

    /// Full-jitter exponential backoff after the `attempts`-th failure.
    pub(crate) fn backoff_delay(&self, attempts: u32, jitter: f64) -> Duration {
        let exp = attempts.saturating_sub(1).min(31);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        ceiling.mul_f64(jitter)
    }
}

/// Why an attempt failed, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The server answered with a status that is not a success.
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
    },
    /// The attempt timed out.
    Timeout,
    /// No connection could be opened (nothing was sent).
    Connect,
    /// The connection broke while the request was in flight.
    ConnectionLost,
    /// Any other failure; never retried.
    Other,
}

impl Failure {
    /// How a `reqwest` error counts for retrying (see [`Cause`]).
    pub(crate) fn from_reqwest(err: &reqwest::Error) -> Self {
        Self::from_cause(Cause::of(err))
    }

    /// How a classified transport failure counts for retrying.
    pub(crate) fn from_cause(cause: Cause) -> Self {
        match cause {
            Cause::Timeout => Failure::Timeout,
            Cause::Connect => Failure::Connect,
            Cause::Body | Cause::Request => Failure::ConnectionLost,
            Cause::Builder | Cause::Decode | Cause::Other => Failure::Other,
        }
    }

    /// An answer that is not a success, with its `Retry-After`.
    pub(crate) fn from_response(resp: &reqwest::Response) -> Self {
        Failure::Status {
            status: resp.status(),
            retry_after: retry_after(resp.headers(), SystemTime::now()),
        }
    }

    /// Whether the request was certainly not acted on: no connection was
    /// opened, or the server refused it before doing anything (a 429 from
    /// the rate limiter, or a 503 that says when to come back). Such a
    /// request may be resent whatever it does.
    pub(crate) fn refused_before_acting(&self) -> bool {
        match self {
            Failure::Connect => true,
            Failure::Status {
                status,
                retry_after,
            } => {
                *status == StatusCode::TOO_MANY_REQUESTS
                    || (*status == StatusCode::SERVICE_UNAVAILABLE && retry_after.is_some())
            }
            _ => false,
        }
    }

    /// The crate's one rule for what may succeed if simply tried again: a
    /// status of [`TRANSIENT_STATUSES`], a timeout, or a connection that
    /// failed or broke. The default policy retries exactly these.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            Failure::Status { status, .. } => TRANSIENT_STATUSES.contains(status),
            Failure::Timeout | Failure::Connect | Failure::ConnectionLost => true,
            Failure::Other => false,
        }
    }

    /// A short reason for logs.
    pub(crate) fn reason(&self) -> String {
        match self {
            Failure::Status { status, .. } => format!("status {}", status.as_u16()),
            Failure::Timeout => "timeout".to_owned(),
            Failure::Connect => "connect error".to_owned(),
            Failure::ConnectionLost => "connection lost".to_owned(),
            Failure::Other => "error".to_owned(),
        }
    }
}

/// The one retry loop's state, for API requests and token requests alike:
/// it counts attempts, asks the policy, logs and waits. Callers send, say
/// how the attempt failed, and send again while [`again`](Self::again)
/// says so.
pub(crate) struct Driver<'p> {
    policy: &'p RetryPolicy,
    idempotent: bool,
    /// What is sent, for logs (`request`, `token request`).
    what: &'static str,
    start: Instant,
    attempts: u32,
    /// Attempts the policy does not count: a resend with a fresh token
    /// after a 401 is authentication, not a retry.
    uncounted: u32,
}

impl<'p> Driver<'p> {
    pub(crate) fn new(policy: &'p RetryPolicy, idempotent: bool, what: &'static str) -> Self {
        Driver {
            policy,
            idempotent,
            what,
            start: Instant::now(),
            attempts: 0,
            uncounted: 0,
        }
    }

    /// Starts an attempt; returns its number, from 1.
    pub(crate) fn begin(&mut self) -> u32 {
        self.attempts += 1;
        self.attempts
    }

    /// Attempts started so far.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The next attempt does not count against the policy.
    pub(crate) fn uncounted(&mut self) {
        self.uncounted += 1;
    }

    /// After a failed attempt: the wait before the next one, or `None` to
    /// give up. `resendable` is `false` when the request cannot be sent
    /// again (a streamed body), whatever the policy says. The caller drops
    /// what it holds of the failed attempt, then [`wait`](Self::wait)s.
    pub(crate) fn retry_delay(&mut self, failure: &Failure, resendable: bool) -> Option<Duration> {
        let counted = self.attempts.saturating_sub(self.uncounted);
        let decision = self.policy.decide(
            failure,
            counted,
            self.start.elapsed(),
            self.idempotent,
            jitter(),
        );
        match decision {
            Decision::Retry { delay } if resendable => {
                tracing::info!(
                    attempt = self.attempts,
                    reason = %failure.reason(),
                    delay_ms = delay.as_millis() as u64,
                    "retrying {}",
                    self.what
                );
                Some(delay)
            }
            outcome => {
                tracing::debug!(attempt = self.attempts, ?outcome, "giving up {}", self.what);
                None
            }
        }
    }

    /// Waits out a delay from [`retry_delay`](Self::retry_delay).
    pub(crate) async fn wait(&self, delay: Duration) {
        tokio::time::sleep(delay).await;
    }
}

/// What a `reqwest` error means. The one place such errors are classified:
/// the retry rule, the error kind and message, and the token endpoint's
/// errors all read it from here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cause {
    /// The attempt timed out (sending, or reading the body).
    Timeout,
    /// No connection could be opened: nothing was sent.
    Connect,
    /// The connection broke while the body was being read.
    Body,
    /// The connection broke while the request was in flight.
    Request,
    /// The request could not be built.
    Builder,
    /// A body could not be decoded.
    Decode,
    /// Anything else (a redirect refused, an upgrade failed).
    Other,
}

impl Cause {
    pub(crate) fn of(err: &reqwest::Error) -> Self {
        if err.is_timeout() {
            Cause::Timeout
        } else if err.is_connect() {
            Cause::Connect
        } else if is_body_error(err) {
            // reqwest reports a body cut off mid-answer as a decode error
            // wrapping the body error; the connection failed, not the JSON.
            Cause::Body
        } else if err.is_builder() {
            Cause::Builder
        } else if err.is_decode() {
            Cause::Decode
        } else if err.is_request() {
            Cause::Request
        } else {
            Cause::Other
        }
    }

    /// A short phrase for the error message.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Cause::Timeout => "timed out",
            Cause::Connect => "could not connect",
            Cause::Body => "failed reading the response body",
            Cause::Request | Cause::Other => "connection failed",
            Cause::Builder => "could not build the request",
            Cause::Decode => "could not decode the response body",
        }
    }
}

/// Whether reading the body failed, directly or as the cause of another
/// reqwest error.
fn is_body_error(err: &reqwest::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if e.downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_body)
        {
            return true;
        }
        current = e.source();
    }
    false
}

/// The outcome of [`RetryPolicy::decide`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait `delay`, then send again.
    Retry { delay: Duration },
    /// Return the failure to the caller.
    GiveUp(GiveUp),
}

/// Why a failure is returned rather than retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GiveUp {
    NotRetryable,
    NotIdempotent,
    AttemptsExhausted,
    TimeExhausted,
}

/// Reads `Retry-After` as seconds or as an HTTP date (relative to `now`).
/// A date in the past means "now"; anything unparseable is ignored.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A number in `[0, 1)` for backoff jitter. Jitter only has to differ
/// between clients and attempts, not resist prediction, so std's randomly
/// keyed hasher over a counter and the clock does, without a `rand`
/// dependency for every user to compile.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        hasher.write_u128(now.as_nanos());
    }
    // The top 53 bits, as an f64 in [0, 1).
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {

    #[test]
    fn jitter_is_in_the_unit_interval_and_varies() {
        let draws: Vec<f64> = (0..1000).map(|_| super::jitter()).collect();
        assert!(draws.iter().all(|j| (0.0..1.0).contains(j)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((0.4..0.6).contains(&mean), "mean {mean}");
        let distinct: std::collections::HashSet<u64> = draws.iter().map(|j| j.to_bits()).collect();
        assert!(distinct.len() > 990);
    }

    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn status(code: u16) -> Failure {
        Failure::Status {
            status: StatusCode::from_u16(code).unwrap(),
            retry_after: None,
        }
    }

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
            .with_max_attempts(5)
            .with_backoff(100 * MS, 1000 * MS)
            .with_max_elapsed(Some(Duration::from_secs(10)))
    }

    #[test]
    fn retried_statuses() {
        let p = policy();
        for code in [408, 429, 502, 503, 504] {
            assert!(
                matches!(
                    p.decide(&status(code), 1, Duration::ZERO, true, 0.5),
                    Decision::Retry { .. }
                ),
                "{code}"
            );
        }
        for code in [400, 401, 403, 404, 409, 500, 501] {
            assert_eq!(
                p.decide(&status(code), 1, Duration::ZERO, true, 0.5),
                Decision::GiveUp(GiveUp::NotRetryable),
                "{code}"
            );
        }
        let p = policy().with_retry_statuses([StatusCode::INTERNAL_SERVER_ERROR]);
        assert!(matches!(
            p.decide(&status(500), 1, Duration::ZERO, true, 0.5),
            Decision::Retry { .. }
        ));
        assert!(matches!(
            p.decide(&status(503), 1, Duration::ZERO, true, 0.5),
            Decision::GiveUp(_)
        ));
    }

    #[test]
    fn the_default_policy_retries_exactly_what_is_transient() {
        let p = RetryPolicy::default();
        let mut failures: Vec<Failure> = (100..=599).map(status).collect();
        failures.extend([
            Failure::Timeout,
            Failure::Connect,
            Failure::ConnectionLost,
            Failure::Other,
        ]);
        for f in failures {
            let retried = matches!(
                p.decide(&f, 1, Duration::ZERO, true, 0.0),
                Decision::Retry { .. }
            );
            assert_eq!(retried, f.is_transient(), "{f:?}");
        }
        assert!(status(408).is_transient() && !status(500).is_transient());
    }

    #[test]
    fn causes_count_for_retrying() {
        for (cause, failure) in [
            (Cause::Timeout, Failure::Timeout),
            (Cause::Connect, Failure::Connect),
            (Cause::Body, Failure::ConnectionLost),
            (Cause::Request, Failure::ConnectionLost),
            (Cause::Builder, Failure::Other),
            (Cause::Decode, Failure::Other),
            (Cause::Other, Failure::Other),
        ] {
            assert_eq!(Failure::from_cause(cause), failure, "{cause:?}");
        }
    }

    #[test]
    fn transport_failures() {
        let p = policy();
        for f in [Failure::Timeout, Failure::Connect, Failure::ConnectionLost] {
            assert!(matches!(
                p.decide(&f, 1, Duration::ZERO, true, 0.0),
                Decision::Retry { .. }
            ));
        }
        assert_eq!(
            p.decide(&Failure::Other, 1, Duration::ZERO, true, 0.0),
            Decision::GiveUp(GiveUp::NotRetryable)
        );
        let p = policy()
            .with_retry_timeouts(false)
            .with_retry_connection_errors(false);
        for f in [Failure::Timeout, Failure::Connect, Failure::ConnectionLost] {
            assert_eq!(
                p.decide(&f, 1, Duration::ZERO, true, 0.0),
                Decision::GiveUp(GiveUp::NotRetryable)
            );
        }
    }

    #[test]
    fn non_idempotent_only_when_refused_or_opted_in() {
        let p = policy();
        for f in [
            status(503),
            status(502),
            Failure::Timeout,
            Failure::ConnectionLost,
        ] {
            assert_eq!(
                p.decide(&f, 1, Duration::ZERO, false, 0.5),
                Decision::GiveUp(GiveUp::NotIdempotent)
            );
        }
        // Nothing was done: no connection, the rate limiter's 429, a 503
        // that says when to come back. Retried for any request.
        let unavailable_until = Failure::Status {
            status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after: Some(Duration::from_millis(5)),
        };
        for f in [Failure::Connect, status(429), unavailable_until] {
            assert!(f.refused_before_acting());
            assert!(
                matches!(
                    p.decide(&f, 1, Duration::ZERO, false, 0.5),
                    Decision::Retry { .. }
                ),
                "{f:?}"
            );
        }
        assert!(!status(503).refused_before_acting());
        let p = policy().with_retry_non_idempotent(true);
        assert!(p.retry_non_idempotent());
        assert!(matches!(
            p.decide(&status(503), 1, Duration::ZERO, false, 0.5),
            Decision::Retry { .. }
        ));
    }

    #[test]
    fn attempts_cap() {
        let p = policy().with_max_attempts(3);
        assert_eq!(p.max_attempts(), 3);
        assert!(matches!(
            p.decide(&status(503), 2, Duration::ZERO, true, 0.5),
            Decision::Retry { .. }
        ));
        assert_eq!(
            p.decide(&status(503), 3, Duration::ZERO, true, 0.5),
            Decision::GiveUp(GiveUp::AttemptsExhausted)
        );
        assert_eq!(
            RetryPolicy::default().with_max_attempts(0).max_attempts(),
            1
        );
    }

    #[test]
    fn none_never_retries() {
        let p = RetryPolicy::none();
        for f in [status(429), status(503), Failure::Timeout, Failure::Connect] {
            assert_eq!(
                p.decide(&f, 1, Duration::ZERO, true, 0.5),
                Decision::GiveUp(GiveUp::AttemptsExhausted)
            );
        }
    }

    #[test]
    fn backoff_is_exponential_full_jitter_and_capped() {
        let p = policy();
        // jitter 1.0 shows the ceiling: 100, 200, 400, 800, then the 1000 cap.
        let ceilings: Vec<_> = (1..=6).map(|n| p.backoff_delay(n, 1.0)).collect();
        assert_eq!(
            ceilings,
            [100 * MS, 200 * MS, 400 * MS, 800 * MS, 1000 * MS, 1000 * MS]
        );
        assert_eq!(p.backoff_delay(3, 0.0), Duration::ZERO);
        assert_eq!(p.backoff_delay(3, 0.5), 200 * MS);
        assert_eq!(p.backoff_delay(u32::MAX, 1.0), 1000 * MS);
        assert_eq!(p.backoff_delay(2, f64::NAN), Duration::ZERO);
        assert_eq!(
            p.decide(&status(503), 2, Duration::ZERO, true, 0.5),
            Decision::Retry { delay: 100 * MS }
        );
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let p = policy();
        let f = Failure::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(300 * MS),
        };
        assert_eq!(
            p.decide(&f, 1, Duration::ZERO, true, 0.0),
            Decision::Retry { delay: 300 * MS }
        );
        let f = Failure::Status {
            status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after: Some(Duration::from_secs(3600)),
        };
        assert_eq!(
            p.decide(&f, 1, Duration::ZERO, true, 0.0),
            Decision::Retry { delay: 1000 * MS }
        );
    }

    #[test]
    fn total_time_cap() {
        let p = policy().with_max_elapsed(Some(Duration::from_secs(1)));
        let f = Failure::Status {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(500 * MS),
        };
        assert!(matches!(
            p.decide(&f, 1, 400 * MS, true, 0.0),
            Decision::Retry { .. }
        ));
        assert_eq!(
            p.decide(&f, 1, 600 * MS, true, 0.0),
            Decision::GiveUp(GiveUp::TimeExhausted)
        );
        // Ending the wait exactly at the limit is still within it.
        assert!(matches!(
            p.decide(&f, 1, 500 * MS, true, 0.0),
            Decision::Retry { .. }
        ));
        let p = p.with_max_elapsed(None);
        assert!(matches!(
            p.decide(&f, 1, Duration::from_secs(3600), true, 0.0),
            Decision::Retry { .. }
        ));
    }

    #[test]
    fn parses_retry_after() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h, now), None);
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(7)));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        h.insert(RETRY_AFTER, later.parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(30)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(30));
        h.insert(RETRY_AFTER, earlier.parse().unwrap());
        assert_eq!(retry_after(&h, now), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
        h.insert(RETRY_AFTER, "-3".parse().unwrap());
        assert_eq!(retry_after(&h, now), None);
    }
}
