//! The traits every generated request builder implements, so that code
//! outside this crate can send, page and describe any operation generically.
//!
//! `cargo xtask regen` implements [`Request`] for every builder and
//! [`Paginated`] for every builder whose operation pages (the kind is derived
//! from the document: see [`PageKind`]). `jumpcloud-ext` builds its typed
//! `.run()` and its pagination streams on these two traits alone.

use std::future::Future;

use crate::Operation;
use crate::paging::{Page, PageRequest, Requested};
use progenitor_client::{Error, ResponseValue};

/// One call of a generated builder: what it decodes and how to send it.
///
/// Every builder of every API implements it; the builder's own `send()`
/// remains and does the same thing.
pub trait Request: Sized + Send {
    /// The decoded body of a success answer (`()` for bodiless ones).
    type Response;

    /// The facts about the operation this builder calls.
    fn operation() -> &'static Operation;

    /// Sends the request: the builder's `send()`, callable generically.
    fn dispatch(
        self,
    ) -> impl Future<Output = Result<ResponseValue<Self::Response>, Error<()>>> + Send;
}

/// A builder whose operation returns one page of a longer collection.
///
/// The implementation knows where the operation takes its position and page
/// size (query, body, token, cursor), where the items and the total are in
/// the answer, and the most items a page may hold. Setting the page this way
/// never changes the caller's other arguments (filters, fields, sort).
pub trait Paginated: Request + Clone {
    /// One element of the collection.
    type Item;

    /// How the operation pages: the same facts as its `OPERATIONS` row's
    /// `paging`, but not optional. `cargo xtask regen` implements this
    /// trait only for operations whose paging it derived, and fails on a
    /// listing it cannot derive, so a builder without paging facts does not
    /// exist.
    const PAGING: crate::paging::Paging;

    /// The skip and page size the caller set on the builder, if any.
    fn requested(&self) -> Requested;

    /// This builder, set to fetch the page `page` describes. A stable sort
    /// is added where the operation sorts and the caller chose none.
    fn with_page(self, page: &PageRequest) -> Self;

    /// The items of an answer, with the total and the next position where
    /// the answer says them.
    fn into_page(response: ResponseValue<Self::Response>) -> Page<Self::Item>;
}
