//! `.run()`: send any generated request and get this crate's [`Error`].
//!
//! Every generated builder implements [`jumpcloud_api::Request`]; the
//! [`Run`] extension adds, to all of them at once, a way to send that
//! returns [`Result<T>`](crate::Result). Prefer it to the builder's own
//! `send()`, whose error is progenitor's and carries a credential failure
//! only as an opaque stand-in until converted.

use std::future::Future;

use jumpcloud_api::paging::{Page, PageRequest, Requested};
use jumpcloud_api::{Error as ApiError, Operation, Paginated, Request, ResponseValue};

use crate::budget::{Budget, Within};
use crate::error::{Error, Result};
use crate::retry::{RetryPolicy, with_policy};

/// Sends a generated request with typed errors: `.run().await?`.
///
/// ```no_run
/// use jumpcloud_ext::prelude::*;
///
/// # async fn demo(jc: JumpCloud) -> jumpcloud_ext::Result<()> {
/// # #[cfg(feature = "v2")]
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
        async move {
            self.dispatch()
                .await
                .map_err(|e| Error::from(e).or_operation(Self::operation()))
        }
    }

    /// This call with its own retry policy instead of the client's: no
    /// retries for one call (`RetryPolicy::none()`), or resending one `POST`
    /// known to be idempotent. Works with `.run()` and with the pagination
    /// streams (every page of the walk uses it).
    ///
    /// ```no_run
    /// use jumpcloud_ext::prelude::*;
    ///
    /// # async fn demo(jc: JumpCloud) -> jumpcloud_ext::Result<()> {
    /// # #[cfg(feature = "v2")] {
    /// // Fail fast on a health check instead of waiting through retries.
    /// let groups = jc.v2().user_group_list().limit(1).retry(RetryPolicy::none()).run().await?;
    /// # let _ = groups;
    /// # }
    /// # Ok(())
    /// # }
    /// ```
    fn retry(self, policy: RetryPolicy) -> Retrying<Self> {
        Retrying {
            request: self,
            policy,
        }
    }

    /// This call (or every page of this stream) waits for a place in
    /// `budget` and holds it until its answer, so that the requests of many
    /// calls and streams sharing one [`Budget`] never exceed its size
    /// together.
    fn within(self, budget: &Budget) -> Within<Self> {
        Within {
            request: self,
            budget: budget.clone(),
        }
    }
}

impl<R: Request> Run for R {}

/// A request sent under its own [`RetryPolicy`]; made by [`Run::retry`].
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until run or streamed"]
pub struct Retrying<R> {
    request: R,
    policy: RetryPolicy,
}

impl<R: Request> Request for Retrying<R> {
    type Response = R::Response;

    fn operation() -> &'static Operation {
        R::operation()
    }

    fn dispatch(
        self,
    ) -> impl Future<Output = std::result::Result<ResponseValue<Self::Response>, ApiError<()>>> + Send
    {
        with_policy(self.policy, self.request.dispatch())
    }
}

impl<R: Paginated> Paginated for Retrying<R> {
    type Item = R::Item;
    const PAGING: jumpcloud_api::paging::Paging = R::PAGING;

    fn requested(&self) -> Requested {
        self.request.requested()
    }

    fn with_page(self, page: &PageRequest) -> Self {
        Retrying {
            request: self.request.with_page(page),
            policy: self.policy,
        }
    }

    fn into_page(response: ResponseValue<Self::Response>) -> Page<Self::Item> {
        R::into_page(response)
    }
}
