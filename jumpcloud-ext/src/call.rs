//! `.run()`: send any generated request and get this crate's [`Error`]; and
//! [`CallOptions`], the per-call settings a client's requests follow.
//!
//! Every generated builder implements [`jumpcloud_api::Request`]: it builds
//! its request and decodes an answer, and sends nothing itself. The [`Run`]
//! extension adds, to all of them at once, the call in three phases: build,
//! the client's request path ([`crate::transport`]), decode. Every failure
//! on the way is one typed [`Error`].

use std::any::Any;
use std::future::Future;
use std::time::Duration;

use jumpcloud_api::{Operation, Outgoing, Request, ResponseValue};
use tracing::Instrument;

use crate::budget::Budget;
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::transport::JumpCloudTransport;

/// Sends a generated request with typed errors: `.run().await?`.
///
/// ```no_run
/// use jumpcloud_ext::prelude::*;
///
/// # async fn demo(jc: JumpCloud) -> jumpcloud_ext::Result<()> {
/// # #[cfg(feature = "directory")]
/// match jc.v2().user_group_get().id("5f1b2c3d4e5f60718293a4b5").run().await {
///     Ok(group) => println!("{:?}", group.name),
///     Err(e) if e.is_not_found() => println!("no such group"),
///     Err(e) => return Err(e),
/// }
/// # Ok(())
/// # }
/// ```
pub trait Run: Request {
    /// Sends the request and returns the decoded body.
    fn run(self) -> impl Future<Output = Result<Self::Response>> + Send {
        async move {
            self.run_with_response()
                .await
                .map(ResponseValue::into_inner)
        }
    }

    /// Sends the request and returns the body with the status and headers
    /// (for the `x-total-count` header of a v2 listing, say).
    fn run_with_response(
        self,
    ) -> impl Future<Output = Result<ResponseValue<Self::Response>>> + Send {
        send(self, None)
    }
}

impl<R: Request> Run for R {}

/// Sends `request` through its client's request path, each attempt also
/// holding a place in `within` (a stream's or the graph's budget) unless
/// the client's options name the same budget.
///
/// Compiled once per request type, so only building and decoding are
/// generic here: the middle ([`send_outgoing`]) and the call's span are
/// not, and the decoding future is boxed before it is wrapped in its span,
/// so that wrapper is compiled once per response type rather than once per
/// builder.
pub(crate) async fn send<R: Request>(
    request: R,
    within: Option<&Budget>,
) -> Result<ResponseValue<R::Response>> {
    let operation = R::operation();
    let call = call_span(operation);
    let outgoing = call.in_scope(|| {
        tracing::debug_span!("jumpcloud.build")
            .in_scope(|| request.into_request().map_err(|e| typed(e, operation)))
    })?;
    let response = send_outgoing(outgoing, operation, within)
        .instrument(call.clone())
        .await?;
    let decoding: Decoding<'_, R::Response> = Box::pin(R::decode(response));
    decoding
        .instrument(tracing::debug_span!(parent: &call, "jumpcloud.decode"))
        .await
        .map_err(|e| typed(e, operation))
}

/// A generated builder's decoding, boxed (see [`send`]).
type Decoding<'a, T> = std::pin::Pin<
    Box<
        dyn Future<Output = std::result::Result<ResponseValue<T>, jumpcloud_api::Error<()>>>
            + Send
            + 'a,
    >,
>;

/// The span of one call: its API and operation.
fn call_span(operation: &'static Operation) -> tracing::Span {
    tracing::debug_span!(
        "jumpcloud.call",
        api = %operation.api,
        operation = operation.id,
    )
}

/// The raw client's error as this crate's, naming the operation.
fn typed(e: jumpcloud_api::Error<()>, operation: &'static Operation) -> Error {
    Error::from(e).or_operation(operation)
}

/// Sends a built request through the request path of the client it came
/// from; a success answer, or the typed error of any other.
pub(crate) async fn send_outgoing(
    outgoing: Outgoing,
    operation: &'static Operation,
    within: Option<&Budget>,
) -> Result<reqwest::Response> {
    let (http, request) = (&outgoing.http, outgoing.request);
    let transport = outgoing.sender.transport();
    if let Some(ours) =
        transport.and_then(|t| (t.as_ref() as &dyn Any).downcast_ref::<JumpCloudTransport>())
    {
        return ours
            .send(http, request, operation, within)
            .await?
            .success(operation)
            .await;
    }
    // Another transport, or none: sent once as it sees fit, within the budget.
    let _places = Budget::places(&Budget::distinct([within])).await;
    let response = match transport {
        Some(transport) => transport
            .send(http, request, operation)
            .await
            .map_err(Error::from_transport),
        None => http.execute(request).await.map_err(Error::from_reqwest),
    }
    .map_err(|e| e.or_operation(operation))?;
    if response.status().is_success() {
        Ok(response)
    } else {
        Err(Error::from(response).or_operation(operation))
    }
}

/// How a client's calls are sent: the retry policy, a [`Budget`] shared
/// with other calls, and a timeout per attempt. One value carries them all;
/// an option left unset keeps what the client had.
///
/// Options belong to a client: [`JumpCloud::with_options`](crate::JumpCloud::with_options)
/// makes a cheap copy (same connection pool, token cache and organisation)
/// whose transport applies them to every request it sends. They are not
/// ambient state: a call made from that copy keeps them wherever it runs,
/// on another task included.
///
/// ```no_run
/// use std::time::Duration;
/// use jumpcloud_ext::prelude::*;
/// use jumpcloud_ext::{Budget, CallOptions};
///
/// # async fn demo(jc: JumpCloud) -> jumpcloud_ext::Result<()> {
/// // A health check: one attempt of at most two seconds.
/// let probe = jc.with_options(
///     CallOptions::new()
///         .retry(RetryPolicy::none())
///         .timeout(Duration::from_secs(2)),
/// );
/// # #[cfg(feature = "directory")]
/// probe.v2().user_group_list().limit(1).run().await?;
///
/// // Two jobs that together never have more than four requests out.
/// let budget = Budget::new(4);
/// let shared = jc.with_options(CallOptions::new().within(&budget));
/// # let _ = shared;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use = "options do nothing until given to `JumpCloud::with_options`"]
pub struct CallOptions {
    retry: Option<RetryPolicy>,
    budget: Option<Budget>,
    timeout: Option<Duration>,
}

impl CallOptions {
    /// No options set: everything as the client has it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Retries per `policy` instead of the client's: none for a call that
    /// must fail fast (`RetryPolicy::none()`), say. Token requests keep the policy the client was
    /// built with (one token serves every copy).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Each attempt waits for a place in `budget` and holds it until its
    /// answer arrives (not while waiting to retry), so that the requests of
    /// every client and stream sharing the budget never exceed its size.
    pub fn within(mut self, budget: &Budget) -> Self {
        self.budget = Some(budget.clone());
        self
    }

    /// How long one attempt may take, body included, instead of the
    /// client's [`timeout`](crate::JumpCloudBuilder::timeout). A timed-out
    /// attempt is retried like any other per the retry policy.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The retry policy, if set.
    pub fn retry_policy(&self) -> Option<&RetryPolicy> {
        self.retry.as_ref()
    }

    /// The budget, if set.
    pub fn budget(&self) -> Option<&Budget> {
        self.budget.as_ref()
    }

    /// The timeout per attempt, if set.
    pub fn attempt_timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// These options, with those set in `other` replacing them.
    pub(crate) fn overlaid(&self, other: CallOptions) -> CallOptions {
        CallOptions {
            retry: other.retry.or_else(|| self.retry.clone()),
            budget: other.budget.or_else(|| self.budget.clone()),
            timeout: other.timeout.or(self.timeout),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_set_later_replace_only_what_they_set() {
        let budget = Budget::new(2);
        let base = CallOptions::new()
            .retry(RetryPolicy::default().with_max_attempts(7))
            .within(&budget);
        let merged = base.overlaid(CallOptions::new().timeout(Duration::from_secs(3)));
        assert_eq!(
            merged.retry_policy().map(RetryPolicy::max_attempts),
            Some(7)
        );
        assert_eq!(merged.budget().map(Budget::size), Some(2));
        assert_eq!(merged.attempt_timeout(), Some(Duration::from_secs(3)));
        let merged = merged.overlaid(CallOptions::new().retry(RetryPolicy::none()));
        assert_eq!(
            merged.retry_policy().map(RetryPolicy::max_attempts),
            Some(1)
        );
        assert_eq!(merged.attempt_timeout(), Some(Duration::from_secs(3)));
        assert_eq!(
            CallOptions::new().overlaid(CallOptions::new()),
            CallOptions::new()
        );
    }
}
