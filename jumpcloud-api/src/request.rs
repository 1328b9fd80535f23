//! The traits every generated request builder implements, so that code
//! outside this crate can send, page and describe any operation generically.
//!
//! `cargo xtask regen` implements [`Request`] for every builder and
//! [`PagedRequest`] for every builder whose operation pages (the kind is derived
//! from the document: see [`PageKind`]). `jumpcloud-ext` builds its typed
//! `.run()` and its pagination streams on these two traits alone.

use std::future::Future;

use crate::paging::{Page, PageRequest, Requested};
use crate::{Operation, Outgoing};
use progenitor_client::{Error, ResponseValue};

/// One call of a generated builder: how to build its request and how to
/// decode its answer.
///
/// Every builder of every API implements it. Building and decoding are
/// separate so that whoever sends (a [`Transport`](crate::Transport), or
/// `jumpcloud-ext`'s attempt loop) owns everything in between; [`send`](Self::send)
/// joins the three for callers who need nothing more.
pub trait Request: Sized + Send {
    /// The decoded body of a success answer (`()` for bodiless ones).
    type Response: Send;

    /// The facts about the operation this builder calls.
    fn operation() -> &'static Operation;

    /// Checks the arguments and builds the request, without sending it. A
    /// missing or malformed argument is `Error::InvalidRequest`.
    // progenitor's error, as `send` returns it: one error type for the
    // whole raw client, large as it is.
    #[allow(clippy::result_large_err)]
    fn into_request(self) -> Result<Outgoing, Error<()>>;

    /// Decodes an answer to this operation: the documented success statuses
    /// into [`Self::Response`], anything else as `Error::UnexpectedResponse`.
    fn decode(
        response: reqwest::Response,
    ) -> impl Future<Output = Result<ResponseValue<Self::Response>, Error<()>>> + Send;

    /// Builds, sends through the client's transport and decodes.
    ///
    /// The error is progenitor's; a transport's own failure arrives as
    /// `Error::Custom` with its text. `jumpcloud-ext`'s `.run()` sends the
    /// same request with that crate's typed `Error` instead.
    fn send(self) -> impl Future<Output = Result<ResponseValue<Self::Response>, Error<()>>> + Send {
        async move {
            let outgoing = self.into_request()?;
            let response = outgoing.send(Self::operation()).await?;
            Self::decode(response).await
        }
    }
}

/// A builder whose operation returns one page of a longer collection.
///
/// The implementation knows where the operation takes its position and page
/// size (query, body, token, cursor), where the items and the total are in
/// the answer, and the most items a page may hold. Setting the page this way
/// never changes the caller's other arguments (filters, fields, sort).
pub trait PagedRequest: Request + Clone {
    /// One element of the collection.
    type Item: Send + 'static;

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
