//! The stream of pages: requests made as the [`WalkPlan`] allows, up to the
//! concurrency asked for, answers handed out in order.

use std::future::Future;

use futures::stream::{FuturesOrdered, Stream, StreamExt};
use jumpcloud_api::{Page, PageRequest, PagedRequest};

use super::ListingPage;
use super::plan::{WalkPlan, describe};
use crate::budget::Budget;
use crate::error::{Error, Result};

/// Fetches one page, each of its attempts holding a place in `budget` (if
/// any) while it is out: the same one place as the client's own budget when
/// both are the same, so a stream never waits for itself.
async fn fetch<R: PagedRequest>(
    request: R,
    page: PageRequest,
    budget: Option<Budget>,
) -> (PageRequest, Result<Page<R::Item>>)
where
    R::Item: Send,
{
    let result = crate::call::send(request.with_page(&page), budget.as_ref())
        .await
        .map(R::into_page);
    (page, result)
}

struct Walk<R, F: Future> {
    request: R,
    plan: WalkPlan,
    concurrency: usize,
    budget: Option<Budget>,
    in_flight: FuturesOrdered<F>,
    fetch: fn(R, PageRequest, Option<Budget>) -> F,
    index: usize,
    failed: bool,
}

/// The pages of `request`'s collection as `plan` walks it, with up to
/// `concurrency` requests out at once, each holding a place in `budget`.
pub(crate) fn pages<R>(
    request: R,
    plan: WalkPlan,
    concurrency: usize,
    budget: Option<Budget>,
) -> impl Stream<Item = Result<ListingPage<R::Item>>> + Send
where
    R: PagedRequest,
    R::Item: Send,
{
    let walk = Walk {
        request,
        plan,
        concurrency: concurrency.max(1),
        budget,
        in_flight: FuturesOrdered::new(),
        fetch: fetch::<R> as fn(R, PageRequest, Option<Budget>) -> _,
        index: 0,
        failed: false,
    };
    futures::stream::unfold(walk, step)
}

async fn step<R, F>(mut walk: Walk<R, F>) -> Option<(Result<ListingPage<R::Item>>, Walk<R, F>)>
where
    R: PagedRequest,
    F: Future<Output = (PageRequest, Result<Page<R::Item>>)>,
{
    if walk.failed {
        return None;
    }
    while walk.in_flight.len() < walk.concurrency {
        let Some(page) = walk.plan.next_request(walk.in_flight.len()) else {
            break;
        };
        walk.in_flight.push_back((walk.fetch)(
            walk.request.clone(),
            page,
            walk.budget.clone(),
        ));
    }
    let (asked, result) = walk.in_flight.next().await?;
    let page = match result {
        Ok(page) => page,
        Err(e) => {
            walk.failed = true;
            return Some((Err(e.at_page(describe(&asked.position))), walk));
        }
    };
    if let Err(why) = walk
        .plan
        .on_page(page.items.len(), page.total, page.next.clone())
    {
        walk.failed = true;
        let e = Error::protocol(why)
            .or_operation(R::operation())
            .at_page(describe(&asked.position));
        return Some((Err(e), walk));
    }
    let index = walk.index;
    walk.index += 1;
    let out = ListingPage {
        items: page.items,
        position: asked.position,
        index,
        total: page.total.or(walk.plan.total()),
    };
    Some((Ok(out), walk))
}
