//! A cap on requests in flight shared by many calls and streams, so that a
//! fan-out (one listing per group, pages of each listing) stays within what
//! JumpCloud's rate limits tolerate.
//!
//! Each stream's own [`concurrency`](crate::Paginator::concurrency) bounds
//! the pages of that stream only; ten streams at concurrency 4 may have 40
//! requests out. Requests sent [`within`](crate::Run::within) one
//! [`Budget`] never exceed its size together.

use std::sync::Arc;

use jumpcloud_api::paging::{Page, PageRequest, Requested};
use jumpcloud_api::{Error as ApiError, Operation, Paginated, Request, ResponseValue};
use tokio::sync::Semaphore;

/// How many requests may be in flight at once across every request sent
/// within it. Clones share the same cap.
///
/// ```no_run
/// use futures::TryStreamExt;
/// use jumpcloud_ext::prelude::*;
/// use jumpcloud_ext::Budget;
///
/// # async fn demo(jc: JumpCloud) -> jumpcloud_ext::Result<()> {
/// # #[cfg(feature = "v2")] {
/// // Two listings, each fetching pages four at a time, never more than
/// // four requests out together.
/// let budget = Budget::new(4);
/// let users = jc.v2().user_group_list().within(&budget).concurrency(4).try_collect_all();
/// let systems = jc.v2().system_group_list().within(&budget).concurrency(4).try_collect_all();
/// let (users, systems) = futures::try_join!(users, systems)?;
/// # let _ = (users, systems);
/// # }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Budget {
    permits: Arc<Semaphore>,
    size: usize,
}

impl Budget {
    /// A cap of `n` requests in flight (at least 1).
    pub fn new(n: usize) -> Self {
        let size = n.clamp(1, Semaphore::MAX_PERMITS);
        Budget {
            permits: Arc::new(Semaphore::new(size)),
            size,
        }
    }

    /// The cap.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many requests hold a place now.
    pub fn in_flight(&self) -> usize {
        self.size - self.permits.available_permits()
    }
}

/// A request that waits for a place in a [`Budget`] before it is sent and
/// holds it until the answer (retries included); made by
/// [`Run::within`](crate::Run::within).
#[derive(Clone, Debug)]
#[must_use = "a request does nothing until run or streamed"]
pub struct Within<R> {
    pub(crate) request: R,
    pub(crate) budget: Budget,
}

impl<R: Request> Request for Within<R> {
    type Response = R::Response;

    fn operation() -> &'static Operation {
        R::operation()
    }

    async fn dispatch(self) -> Result<ResponseValue<Self::Response>, ApiError<()>> {
        // The semaphore is never closed, so a place always comes.
        let _place = self.budget.permits.clone().acquire_owned().await.ok();
        self.request.dispatch().await
    }
}

impl<R: Paginated> Paginated for Within<R> {
    type Item = R::Item;
    const PAGING: jumpcloud_api::paging::Paging = R::PAGING;

    fn requested(&self) -> Requested {
        self.request.requested()
    }

    fn with_page(self, page: &PageRequest) -> Self {
        Within {
            request: self.request.with_page(page),
            budget: self.budget,
        }
    }

    fn into_page(response: ResponseValue<Self::Response>) -> Page<Self::Item> {
        R::into_page(response)
    }
}
