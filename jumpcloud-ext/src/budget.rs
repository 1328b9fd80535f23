//! A cap on requests in flight shared by many calls and streams, so that a
//! fan-out (one listing per group, pages of each listing) stays within what
//! JumpCloud's rate limits tolerate.
//!
//! Each stream's own [`concurrency`](crate::ListingWalk::concurrency) bounds
//! the pages of that stream only; ten streams at concurrency 4 may have 40
//! requests out. Requests sent within one [`Budget`] never exceed its size
//! together: a client's requests with
//! [`CallOptions::within`](crate::CallOptions::within), a stream's pages
//! with [`ListingWalk::within`](crate::ListingWalk::within).

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many requests may be in flight at once across every request sent
/// within it. Clones share the same cap.
///
/// ```no_run
/// use futures::TryStreamExt;
/// use jumpcloud_ext::prelude::*;
/// use jumpcloud_ext::Budget;
///
/// # async fn demo(jc: JumpCloud) -> jumpcloud_ext::Result<()> {
/// # #[cfg(feature = "directory")] {
/// // Two listings, each fetching pages four at a time, never more than
/// // four requests out together.
/// let budget = Budget::new(4);
/// let users = jc.v2().user_group_list().within(&budget).concurrency(4).try_collect_all();
/// let systems = jc.v2().system_group_list().concurrency(4).within(&budget).try_collect_all();
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

impl Budget {
    /// Waits for a place and holds it until the permit is dropped.
    pub(crate) async fn place(&self) -> Option<OwnedSemaphorePermit> {
        // The semaphore is never closed, so a place always comes.
        self.permits.clone().acquire_owned().await.ok()
    }

    /// The budgets an attempt runs within, each once however often it was
    /// given (on the client and again on a stream, say), in the one order
    /// every attempt takes places in. One place per budget is what lets a
    /// budget of 1 serve a stream of the same budget; the fixed order is
    /// what keeps two budgets taken by many attempts from waiting on each
    /// other.
    pub(crate) fn distinct<'b>(
        given: impl IntoIterator<Item = Option<&'b Budget>>,
    ) -> Vec<&'b Budget> {
        let mut out: Vec<&Budget> = given.into_iter().flatten().collect();
        out.sort_by_key(|b| Arc::as_ptr(&b.permits) as usize);
        out.dedup_by(|a, b| a == b);
        out
    }

    /// One place in each of `budgets` (from [`distinct`](Self::distinct)),
    /// held until the returned permits are dropped.
    pub(crate) async fn places(budgets: &[&Budget]) -> Vec<OwnedSemaphorePermit> {
        let mut held = Vec::with_capacity(budgets.len());
        for budget in budgets {
            held.extend(budget.place().await);
        }
        held
    }
}

/// Two budgets are equal when they are the same budget (clones of one).
impl PartialEq for Budget {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.permits, &other.permits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn places_are_shared_by_clones_and_returned_on_drop() {
        let budget = Budget::new(2);
        let clone = budget.clone();
        assert_eq!(budget, clone);
        assert_ne!(budget, Budget::new(2));
        assert_eq!((budget.size(), budget.in_flight()), (2, 0));
        let a = budget.place().await;
        let b = clone.place().await;
        assert!(a.is_some() && b.is_some());
        assert_eq!(budget.in_flight(), 2);
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(20), budget.place())
                .await
                .is_err(),
            "a third place waits"
        );
        drop(a);
        assert_eq!(clone.in_flight(), 1);
        let c = budget.place().await;
        assert!(c.is_some());
        drop((b, c));
        assert_eq!(budget.in_flight(), 0);
    }

    #[tokio::test]
    async fn an_attempt_takes_one_place_of_each_budget() {
        let (a, b) = (Budget::new(1), Budget::new(2));
        let a2 = a.clone();
        let both = Budget::distinct([Some(&a), Some(&b), Some(&a2), None]);
        assert_eq!(both.len(), 2);
        // The order does not depend on the order given.
        let again = Budget::distinct([Some(&b), Some(&a)]);
        assert!(both.iter().zip(&again).all(|(x, y)| x == y));
        let held = Budget::places(&both).await;
        assert_eq!((held.len(), a.in_flight(), b.in_flight()), (2, 1, 1));
        drop(held);
        assert_eq!((a.in_flight(), b.in_flight()), (0, 0));
        assert!(Budget::distinct([None, None]).is_empty());
    }

    #[test]
    fn sizes_are_at_least_one() {
        assert_eq!(Budget::new(0).size(), 1);
        assert_eq!(Budget::new(7).size(), 7);
        assert_eq!(Budget::new(usize::MAX).size(), Semaphore::MAX_PERMITS);
    }
}
