//! The stream of pages: requests made as the [`WalkPlan`] allows, up to the
//! concurrency asked for, answers handed out in order.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use futures::stream::{FuturesOrdered, Stream, StreamExt};
use jumpcloud_api::{Operation, Page, PageRequest, PagedRequest, Position};

use super::ListingPage;
use super::plan::{WalkPlan, describe};
use crate::budget::Budget;
use crate::error::{Error, Result};

/// A page whose items are erased to one boxed `Vec<T>`: the walker below
/// is compiled once for every listing, instead of once per builder type (96
/// copies of the stream machinery made `jumpcloud-ext`'s code generation most
/// of its build time).
struct ErasedPage {
    items: Box<dyn Any + Send>,
    len: usize,
    total: Option<u64>,
    next: Option<Position>,
}

type PageFuture<'r> = Pin<Box<dyn Future<Output = (PageRequest, Result<ErasedPage>)> + Send + 'r>>;

/// Starts the request for one page.
type Fetch<'r> = Box<dyn Fn(PageRequest, Option<Budget>) -> PageFuture<'r> + Send + 'r>;

/// A [`ListingPage`] whose items are still erased.
struct ErasedListingPage {
    items: Box<dyn Any + Send>,
    position: Position,
    index: usize,
    total: Option<u64>,
}

/// Fetches one page, each of its attempts holding a place in `budget` (if
/// any) while it is out: the same one place as the client's own budget when
/// both are the same, so a stream never waits for itself.
async fn fetch<R: PagedRequest>(
    request: R,
    page: PageRequest,
    budget: Option<Budget>,
) -> (PageRequest, Result<ErasedPage>) {
    let result = crate::call::send(request.with_page(&page), budget.as_ref())
        .await
        .map(|answer| {
            let page: Page<R::Item> = R::into_page(answer);
            ErasedPage {
                len: page.items.len(),
                items: Box::new(page.items),
                total: page.total,
                next: page.next,
            }
        });
    (page, result)
}

struct Walk<'r> {
    fetch: Fetch<'r>,
    operation: &'static Operation,
    plan: WalkPlan,
    concurrency: usize,
    budget: Option<Budget>,
    in_flight: FuturesOrdered<PageFuture<'r>>,
    index: usize,
    failed: bool,
}

/// The pages of `request`'s collection as `plan` walks it, with up to
/// `concurrency` requests out at once, each holding a place in `budget`.
pub(crate) fn pages<'r, R>(
    request: R,
    plan: WalkPlan,
    concurrency: usize,
    budget: Option<Budget>,
) -> impl Stream<Item = Result<ListingPage<R::Item>>> + Send + 'r
where
    R: PagedRequest + 'r,
{
    let walk = Walk {
        fetch: Box::new(move |page, budget| Box::pin(fetch(request.clone(), page, budget))),
        operation: R::operation(),
        plan,
        concurrency: concurrency.max(1),
        budget,
        in_flight: FuturesOrdered::new(),
        index: 0,
        failed: false,
    };
    typed(walk)
}

/// The walk's pages with their items' type restored. Generic over the item
/// type only, so builders listing the same type (the graph's many
/// listings of `GraphConnection`, say) share one copy of these adapters.
fn typed<'r, T: Send + 'static>(
    walk: Walk<'r>,
) -> impl Stream<Item = Result<ListingPage<T>>> + Send + 'r {
    let operation = walk.operation;
    futures::stream::unfold(walk, step).map(move |page| {
        let page = page?;
        match page.items.downcast::<Vec<T>>() {
            Ok(items) => Ok(ListingPage {
                items: *items,
                position: page.position,
                index: page.index,
                total: page.total,
            }),
            // Unreachable: `fetch::<R>` boxed exactly this type.
            Err(_) => {
                Err(Error::protocol("a page of another listing's type").or_operation(operation))
            }
        }
    })
}

async fn step(mut walk: Walk<'_>) -> Option<(Result<ErasedListingPage>, Walk<'_>)> {
    if walk.failed {
        return None;
    }
    while walk.in_flight.len() < walk.concurrency {
        let Some(page) = walk.plan.next_request(walk.in_flight.len()) else {
            break;
        };
        walk.in_flight
            .push_back((walk.fetch)(page, walk.budget.clone()));
    }
    let (asked, result) = walk.in_flight.next().await?;
    let page = match result {
        Ok(page) => page,
        Err(e) => {
            walk.failed = true;
            return Some((Err(e.at_page(describe(&asked.position))), walk));
        }
    };
    if let Err(why) = walk.plan.on_page(page.len, page.total, page.next.clone()) {
        walk.failed = true;
        let e = Error::protocol(why)
            .or_operation(walk.operation)
            .at_page(describe(&asked.position));
        return Some((Err(e), walk));
    }
    let index = walk.index;
    walk.index += 1;
    let out = ErasedListingPage {
        items: page.items,
        position: asked.position,
        index,
        total: page.total.or(walk.plan.total()),
    };
    Some((Ok(out), walk))
}
