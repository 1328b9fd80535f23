//! How a generated builder reads its answer: the statuses it documents and
//! how a success body reads, by one shared function per kind of body.
//!
//! progenitor writes each operation's `decode` as a `match` on the status
//! inside an `async fn`: 495 of them, each type-checked and borrow-checked
//! as a coroutine in this crate, and compiled again per builder in every
//! crate that sends it. `cargo xtask regen` writes each `decode` as one call
//! here with the operation's statuses instead, so the only code compiled per
//! operation is that call, and per answer type one small generic function.
//! Errors are progenitor's, as its `match` gave them.

use std::future::{Ready, ready};

use bytes::Bytes;
use progenitor_client::{ByteStream, Error, ResponseValue};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

/// What a `decode` gives: the answer with its status and headers, or
/// progenitor's error.
pub type Answer<T> = Result<ResponseValue<T>, Error<()>>;

/// A JSON body, decoded as `T`.
pub async fn json<T: DeserializeOwned>(
    response: reqwest::Response,
    success: &'static [u16],
    errors: &'static [u16],
) -> Answer<T> {
    let (status, headers, body) = read(triage(response, success, errors)?).await?;
    Ok(ResponseValue::new(decoded(body)?, status, headers))
}

/// A JSON body that JumpCloud may also leave empty (`None`), where the
/// document says there is none but the server sends one.
pub async fn json_or_empty<T: DeserializeOwned>(
    response: reqwest::Response,
    success: &'static [u16],
    errors: &'static [u16],
) -> Answer<Option<T>> {
    json_or_empty_body(triage(response, success, errors)?).await
}

/// [`json_or_empty`] of an answer whose status was already checked (the
/// arm `cargo xtask regen` writes when an operation's `decode` is a
/// `match`).
pub async fn json_or_empty_body<T: DeserializeOwned>(
    response: reqwest::Response,
) -> Answer<Option<T>> {
    let (status, headers, body) = read(response).await?;
    let inner = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(decoded(body)?)
    };
    Ok(ResponseValue::new(inner, status, headers))
}

/// No body (or one that is not read).
pub fn empty(
    response: reqwest::Response,
    success: &'static [u16],
    errors: &'static [u16],
) -> Ready<Answer<()>> {
    ready(triage(response, success, errors).map(ResponseValue::empty))
}

/// The body as a stream of bytes (a file download).
pub fn stream(
    response: reqwest::Response,
    success: &'static [u16],
    errors: &'static [u16],
) -> Ready<Answer<ByteStream>> {
    ready(triage(response, success, errors).map(ResponseValue::stream))
}

/// The answer if its status is one of `success`; a documented error status
/// (`errors`, whose body the document does not describe) is
/// `Error::ErrorResponse`, any other `Error::UnexpectedResponse`.
// progenitor's error, as its `match` returned it: large, and moved once.
#[allow(clippy::result_large_err)]
fn triage(
    response: reqwest::Response,
    success: &[u16],
    errors: &[u16],
) -> Result<reqwest::Response, Error<()>> {
    let status = response.status().as_u16();
    if success.contains(&status) {
        Ok(response)
    } else if errors.contains(&status) {
        Err(Error::ErrorResponse(ResponseValue::empty(response)))
    } else {
        Err(Error::UnexpectedResponse(response))
    }
}

/// `body` decoded as `T`; a body that does not decode is kept in the error.
// progenitor's error, as its `match` returned it: large, and moved once.
#[allow(clippy::result_large_err)]
fn decoded<T: DeserializeOwned>(body: Bytes) -> Result<T, Error<()>> {
    match serde_json::from_slice(&body) {
        Ok(inner) => Ok(inner),
        Err(e) => Err(Error::InvalidResponsePayload(body, e)),
    }
}

/// The status, headers and whole body of an answer.
async fn read(response: reqwest::Response) -> Result<(StatusCode, HeaderMap, Bytes), Error<()>> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().await.map_err(Error::ResponseBodyError)?;
    Ok((status, headers, body))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> reqwest::Response {
        let response = http::Response::builder()
            .status(status)
            .header("x-total-count", "7")
            .body(body.to_string())
            .unwrap();
        reqwest::Response::from(response)
    }

    #[tokio::test]
    async fn a_success_status_reads_its_body_with_status_and_headers() {
        let ok: ResponseValue<Vec<u32>> = json(answer(200, "[1,2]"), &[200], &[404]).await.unwrap();
        assert_eq!(ok.status().as_u16(), 200);
        assert_eq!(ok.headers()["x-total-count"], "7");
        assert_eq!(ok.into_inner(), vec![1, 2]);
    }

    #[tokio::test]
    async fn other_statuses_are_progenitor_s_errors() {
        let documented = json::<u32>(answer(404, "{}"), &[200], &[404]).await;
        assert!(
            matches!(&documented, Err(Error::ErrorResponse(v)) if v.status().as_u16() == 404),
            "{documented:?}"
        );
        let other = json::<u32>(answer(500, "{}"), &[200], &[404]).await;
        assert!(
            matches!(&other, Err(Error::UnexpectedResponse(r)) if r.status().as_u16() == 500),
            "{other:?}"
        );
        let not_json = json::<u32>(answer(200, "nope"), &[200], &[]).await;
        assert!(
            matches!(&not_json, Err(Error::InvalidResponsePayload(body, _)) if &body[..] == b"nope"),
            "{not_json:?}"
        );
        assert!(matches!(
            empty(answer(204, ""), &[204], &[]).await,
            Ok(v) if v.status().as_u16() == 204
        ));
        assert!(matches!(
            stream(answer(200, "x"), &[201], &[]).await,
            Err(Error::UnexpectedResponse(_))
        ));
    }

    #[tokio::test]
    async fn an_empty_body_reads_as_none_where_the_server_may_leave_it_out() {
        for body in ["", " \n"] {
            let none = json_or_empty::<u32>(answer(204, body), &[200, 204], &[])
                .await
                .unwrap();
            assert_eq!(none.into_inner(), None);
        }
        let some = json_or_empty::<u32>(answer(200, "5"), &[200, 204], &[])
            .await
            .unwrap();
        assert_eq!(some.into_inner(), Some(5));
    }
}
