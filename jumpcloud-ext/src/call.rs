//! `.run()`: send any generated request and get this crate's [`Error`].
//!
//! Every generated builder implements [`jumpcloud_api::Request`]; the
//! [`Run`] extension adds, to all of them at once, a way to send that
//! returns [`Result<T>`](crate::Result). Prefer it to the builder's own
//! `send()`, whose error is progenitor's and carries a credential failure
//! only as an opaque stand-in until converted.

use std::future::Future;

use jumpcloud_api::{Request, ResponseValue};

use crate::error::{Error, Result};

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
}

impl<R: Request> Run for R {}
