//! Streams over every listing: the machinery that walks a collection page
//! by page. The facts it walks by (how each operation pages, where its
//! position and items are) are `jumpcloud_api::paging`'s.
//!
//! Every generated builder whose operation pages implements
//! [`jumpcloud_api::PagedRequest`]; [`Listing`] adds, to all of them,
//! [`stream`](Listing::stream) (items), [`pages`](Listing::pages),
//! [`try_collect_all`](Listing::try_collect_all) and
//! [`total_count`](Listing::total_count), the same way for v2 and v1 lists,
//! v1 searches, System Insights tables, Directory Insights events and the
//! token-paged imports.
//!
//! What the streams get right, so callers don't have to:
//! - pages are as large as the operation allows (or the size asked, capped
//!   at that maximum: a `limit(500)` on a v1 list pages by 100 instead of
//!   failing with a 400);
//! - a short page in the middle of a collection is not its end when the
//!   server gave a total; without one the first empty page is;
//! - `skip` walks a stable order (`sort=_id` is added where the operation
//!   sorts and the caller chose no order);
//! - `take(n)` asks for no more pages than it needs;
//! - an error is one `Err` item naming the operation and the page position,
//!   after the client's retries, and ends the stream.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use jumpcloud_ext::prelude::*;
//!
//! # async fn demo(jc: JumpCloud) -> jumpcloud_ext::Result<()> {
//! # #[cfg(feature = "directory")] {
//! let mut groups = jc.v2().user_group_list().stream();
//! while let Some(group) = groups.try_next().await? {
//!     println!("{:?}", group.name);
//! }
//! let systems = jc.v2().system_insight_os_version_list().concurrency(4).try_collect_all().await?;
//! let users = jc.v1().user_list().total_count().await?;
//! # let _ = (systems, users);
//! # }
//! # Ok(())
//! # }
//! ```

mod plan;
#[cfg(feature = "directory")]
mod raw;
mod walk;

use std::future::Future;

use futures::stream::BoxStream;
use futures::{StreamExt, TryStreamExt};
use jumpcloud_api::paging::TotalSource;
use jumpcloud_api::{PagedRequest, Position};

pub use jumpcloud_api::paging::Paging;

use crate::budget::Budget;
use crate::error::Result;
use plan::WalkPlan;
#[cfg(feature = "directory")]
pub(crate) use raw::{Counted, Raw};

/// One page of a listing, as a listing's stream yields it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ListingPage<T> {
    /// The items, in the server's order.
    pub items: Vec<T>,
    /// Where the page started (`Offset(skip)`, a token, a cursor).
    pub position: Position,
    /// The page's number in this walk, from 0.
    pub index: usize,
    /// The collection's size, when the server says it.
    pub total: Option<u64>,
}

/// How a listing is walked: page size, concurrency and budget. Made by the
/// [`Listing`] methods that configure; ends with one of the methods that
/// walk.
#[derive(Clone, Debug)]
#[must_use = "a listing walk does nothing until streamed or collected"]
pub struct ListingWalk<R> {
    request: R,
    concurrency: usize,
    per_page: Option<u32>,
    budget: Option<Budget>,
}

impl<R: PagedRequest> ListingWalk<R>
where
    R::Item: Send,
{
    fn new(request: R) -> Self {
        ListingWalk {
            request,
            concurrency: 1,
            per_page: None,
            budget: None,
        }
    }

    /// Up to `n` page requests out at once, once the first page has given the
    /// total (pages still come out in order). Memory stays bounded by `n`
    /// pages. Listings without a total, and token or cursor listings, are
    /// walked one page at a time whatever `n` is.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Pages of `n` items (capped at the operation's maximum). The default
    /// is the builder's own `limit` when set, else the maximum.
    pub fn per_page(mut self, n: u32) -> Self {
        self.per_page = Some(n.max(1));
        self
    }

    /// Each page request waits for a place in `budget` and holds it until
    /// the page arrives, so that the pages of every stream and call sharing
    /// the budget never exceed its size together.
    pub fn within(mut self, budget: &Budget) -> Self {
        self.budget = Some(budget.clone());
        self
    }

    /// The paging facts of the operation, which every `PagedRequest` builder
    /// carries (`cargo xtask regen` derives them or fails).
    fn paging() -> Paging {
        R::PAGING
    }

    fn plan(&self) -> WalkPlan {
        let paging = Self::paging();
        let requested = self.request.requested();
        let wanted = self
            .per_page
            .map(u64::from)
            .or(requested.limit.filter(|l| *l > 0))
            .unwrap_or(u64::from(paging.max_page_size));
        let size = u32::try_from(wanted.min(u64::from(paging.max_page_size))).unwrap_or(1);
        WalkPlan::new(paging.kind, size, requested.skip.unwrap_or(0))
    }

    /// The pages, in order.
    pub fn pages<'r>(self) -> BoxStream<'r, Result<ListingPage<R::Item>>>
    where
        R: 'r,
    {
        let plan = self.plan();
        walk::pages(self.request, plan, self.concurrency, self.budget).boxed()
    }

    /// The items, in order.
    pub fn stream<'r>(self) -> BoxStream<'r, Result<R::Item>>
    where
        R: 'r,
    {
        items(self.pages())
    }

    /// Every item, in one `Vec`.
    pub fn try_collect_all<'r>(self) -> impl Future<Output = Result<Vec<R::Item>>> + Send + 'r
    where
        R: 'r,
    {
        self.stream().try_collect()
    }

    /// The collection's size, from one request for a single item; `None`
    /// where the operation gives no total (token and cursor listings, and
    /// the few offset listings without one).
    pub fn total_count(self) -> impl Future<Output = Result<Option<u64>>> + Send {
        let paging = Self::paging();
        let start = self.request.requested().skip.unwrap_or(0);
        let request = self.request;
        let budget = self.budget;
        async move {
            if paging.total == TotalSource::None {
                return Ok(None);
            }
            let plan = WalkPlan::new(paging.kind, 1, start);
            let mut pages = walk::pages(request, plan, 1, budget).boxed();
            match pages.next().await {
                Some(Ok(page)) => Ok(page.total),
                Some(Err(e)) => Err(e),
                None => Ok(None),
            }
        }
    }
}

/// The items of `pages`, in order. Generic over the item type only: one
/// copy of these adapters per type, however many builders list it.
fn items<'r, T: Send + 'r>(
    pages: BoxStream<'r, Result<ListingPage<T>>>,
) -> BoxStream<'r, Result<T>> {
    pages
        .map_ok(|page| futures::stream::iter(page.items.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// Streams any paged listing: `builder.stream()`, `builder.pages()`,
/// `builder.try_collect_all()`, `builder.total_count()`, and
/// `builder.concurrency(n)`, `builder.per_page(n)` and `builder.within(&budget)` to
/// configure first.
///
/// The builder's own arguments (filters, fields, sort) apply to every page;
/// only the position and the page size change from page to page.
///
/// ```no_run
/// use futures::{StreamExt, TryStreamExt};
/// use jumpcloud_ext::filter::v2::Filter;
/// use jumpcloud_ext::prelude::*;
///
/// # async fn demo(jc: JumpCloud) -> Result<(), Box<dyn std::error::Error>> {
/// # #[cfg(feature = "directory")] {
/// // The members of one group, however many pages that is.
/// let members = jc
///     .v2()
///     .user_group_members_get()
///     .group_id("5f1b2c3d4e5f60718293a4b5")
///     .try_collect_all()
///     .await?;
/// // The first ten matching groups: one request.
/// let eng: Vec<_> = jc
///     .v2()
///     .user_group_list()
///     .filter(Filter::field("name").search("eng")?)
///     .stream()
///     .take(10)
///     .try_collect()
///     .await?;
/// // How many users, without reading them.
/// let users = jc.v1().user_list().total_count().await?;
/// # let _ = (members, eng, users);
/// # }
/// # Ok(())
/// # }
/// ```
pub trait Listing: PagedRequest
where
    Self::Item: Send,
{
    /// A [`ListingWalk`] with the defaults (one request at a time, the largest
    /// page size).
    fn walk(self) -> ListingWalk<Self> {
        ListingWalk::new(self)
    }

    /// See [`ListingWalk::concurrency`].
    fn concurrency(self, n: usize) -> ListingWalk<Self> {
        ListingWalk::new(self).concurrency(n)
    }

    /// See [`ListingWalk::per_page`].
    fn per_page(self, n: u32) -> ListingWalk<Self> {
        ListingWalk::new(self).per_page(n)
    }

    /// See [`ListingWalk::within`].
    fn within(self, budget: &crate::Budget) -> ListingWalk<Self> {
        ListingWalk::new(self).within(budget)
    }

    /// See [`ListingWalk::stream`].
    fn stream<'r>(self) -> BoxStream<'r, Result<Self::Item>>
    where
        Self: 'r,
    {
        ListingWalk::new(self).stream()
    }

    /// See [`ListingWalk::pages`].
    fn pages<'r>(self) -> BoxStream<'r, Result<ListingPage<Self::Item>>>
    where
        Self: 'r,
    {
        ListingWalk::new(self).pages()
    }

    /// See [`ListingWalk::try_collect_all`].
    fn try_collect_all<'r>(self) -> impl Future<Output = Result<Vec<Self::Item>>> + Send + 'r
    where
        Self: 'r,
    {
        ListingWalk::new(self).try_collect_all()
    }

    /// See [`ListingWalk::total_count`].
    fn total_count(self) -> impl Future<Output = Result<Option<u64>>> + Send {
        ListingWalk::new(self).total_count()
    }
}

impl<R: PagedRequest> Listing for R where R::Item: Send {}
