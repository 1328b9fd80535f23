//! Two wrappers any listing can be walked through: [`Raw`] keeps each item
//! as the JSON the API sent (fields the generated types do not know
//! included), and [`Counted`] counts the requests a walk sends.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use jumpcloud_api::paging::{Page, PageRequest, Paging, Requested, header_total, json_text_page};
use jumpcloud_api::{Operation, Outgoing, PagedRequest, Request, ResponseValue};
use serde_json::value::RawValue;

/// A listing whose items are the answer's JSON rather than the typed items.
///
/// Only for the offset kinds: their next position is computed from the
/// page, not read from the answer, so the untyped page (a bare array, or
/// `results` and `totalCount`) is all a walk needs.
#[derive(Clone, Debug)]
pub(crate) struct Raw<R>(pub(crate) R);

impl<R: PagedRequest> Request for Raw<R> {
    type Response = Box<RawValue>;

    fn operation() -> &'static Operation {
        R::operation()
    }

    #[allow(clippy::result_large_err)]
    fn into_request(self) -> Result<Outgoing, jumpcloud_api::Error<()>> {
        self.0.into_request()
    }

    async fn decode(
        response: reqwest::Response,
    ) -> Result<ResponseValue<Self::Response>, jumpcloud_api::Error<()>> {
        if response.status().is_success() {
            ResponseValue::from_response(response).await
        } else {
            Err(jumpcloud_api::Error::UnexpectedResponse(response))
        }
    }
}

impl<R: PagedRequest> PagedRequest for Raw<R> {
    type Item = Box<RawValue>;
    const PAGING: Paging = R::PAGING;

    fn requested(&self) -> Requested {
        self.0.requested()
    }

    fn with_page(self, page: &PageRequest) -> Self {
        Raw(self.0.with_page(page))
    }

    fn into_page(response: ResponseValue<Self::Response>) -> Page<Self::Item> {
        let header = header_total(response.headers());
        json_text_page(header, &response.into_inner())
    }
}

/// A listing that adds one to `counter` for each request it builds: each
/// page sent, a refused one included, retries of the same page not.
#[derive(Clone, Debug)]
pub(crate) struct Counted<R> {
    inner: R,
    counter: Option<Arc<AtomicU64>>,
}

impl<R> Counted<R> {
    pub(crate) fn new(inner: R, counter: Option<Arc<AtomicU64>>) -> Self {
        Counted { inner, counter }
    }
}

impl<R: Request> Request for Counted<R> {
    type Response = R::Response;

    fn operation() -> &'static Operation {
        R::operation()
    }

    #[allow(clippy::result_large_err)]
    fn into_request(self) -> Result<Outgoing, jumpcloud_api::Error<()>> {
        if let Some(counter) = &self.counter {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        self.inner.into_request()
    }

    fn decode(
        response: reqwest::Response,
    ) -> impl Future<Output = Result<ResponseValue<Self::Response>, jumpcloud_api::Error<()>>> + Send
    {
        R::decode(response)
    }
}

impl<R: PagedRequest> PagedRequest for Counted<R> {
    type Item = R::Item;
    const PAGING: Paging = R::PAGING;

    fn requested(&self) -> Requested {
        self.inner.requested()
    }

    fn with_page(self, page: &PageRequest) -> Self {
        Counted {
            inner: self.inner.with_page(page),
            counter: self.counter,
        }
    }

    fn into_page(response: ResponseValue<Self::Response>) -> Page<Self::Item> {
        R::into_page(response)
    }
}
