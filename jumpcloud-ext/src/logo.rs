//! Uploading an application's logo: `POST /applications/{application_id}/logo`, the one
//! operation of API v2 the generated client leaves out. Its body is `multipart/form-data`
//! (the image as a part named `image`), which progenitor cannot generate, so it is written
//! here and sent through the client's request path like any call: organisation,
//! credentials, budget, timeout and retries.
//!
//! The body is built in memory rather than streamed, so that a request JumpCloud refused
//! before acting on it (a 429) can be sent again; an upload is a change, so an error status
//! after which the logo may have been stored (a 5xx) is not resent
//! ([`Effect::Change`]).

use bytes::Bytes;
use jumpcloud_api::{Api, Area, Effect, Operation, Source};

use crate::client::JumpCloud;
use crate::error::{Error, Result};

/// The largest image sent: 788 KiB, the limit JumpCloud documents for an organisation's logo
/// (it documents none for application logos). A larger one is refused before anything is
/// sent.
pub const MAX_LOGO_BYTES: usize = 788 * 1024;

/// The facts of the upload, as the generated operations have them (the operation id is the
/// one JumpCloud's documentation site gives it).
pub static UPLOAD_APPLICATION_LOGO: Operation = Operation {
    api: Api::V2,
    id: "applications_postLogo",
    rust_method: "upload_application_logo",
    http_method: "POST",
    path: "/applications/{application_id}/logo",
    org_header: true,
    effect: Effect::Change,
    area: Area::Directory,
    source: Source::DocsSite,
    paging: None,
    filter: None,
};

/// The image formats JumpCloud serves logos in (`GET /logos/{id}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ImageType {
    /// `image/png`.
    Png,
    /// `image/jpeg`.
    Jpeg,
    /// `image/gif`.
    Gif,
}

impl ImageType {
    /// The media type sent with the image.
    pub const fn mime(self) -> &'static str {
        match self {
            ImageType::Png => "image/png",
            ImageType::Jpeg => "image/jpeg",
            ImageType::Gif => "image/gif",
        }
    }
}

/// Why an upload was refused before anything was sent: the
/// [`detail`](crate::Error::detail) ([`ErrorDetail::Logo`](crate::ErrorDetail::Logo)) of an
/// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) error. It never quotes the
/// image.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogoError {
    /// The image has no bytes.
    #[error("the logo image is empty")]
    Empty,
    /// The image is larger than [`MAX_LOGO_BYTES`].
    #[error("the logo image has {len} bytes, more than the {max} JumpCloud accepts")]
    TooLarge {
        /// Its size.
        len: usize,
        /// [`MAX_LOGO_BYTES`].
        max: usize,
    },
    /// The file name cannot go in the part's header: empty, longer than 255 bytes, or with
    /// a control character, `"` or `\`.
    #[error("the logo's file name {0:?} cannot be sent: {1}")]
    FileName(String, &'static str),
    /// The application id would address another route: empty, or with characters other
    /// than letters, digits, `-` and `_`.
    #[error("{0:?} is not an application id")]
    ApplicationId(String),
}

impl From<LogoError> for Error {
    fn from(e: LogoError) -> Self {
        Error::invalid_request(e.to_string())
            .with_source(e.clone())
            .with_detail(crate::ErrorDetail::Logo(e))
            .or_operation(&UPLOAD_APPLICATION_LOGO)
    }
}

impl JumpCloud {
    /// Sets the logo of the SSO application `application_id` to `image`, a file
    /// `file_name` of type `image_type` (`POST /applications/{application_id}/logo`,
    /// `multipart/form-data`). JumpCloud answers 204; the application's `logo.url` then
    /// names the new logo, which `v2().logo_get()` fetches.
    ///
    /// An empty image, one over [`MAX_LOGO_BYTES`], a file name that cannot go in a header
    /// or an id that is not one is refused with a [`LogoError`] before anything is sent.
    /// A 429 is retried as for any call; a 5xx is not, since the logo may have been stored.
    ///
    /// ```no_run
    /// # async fn demo(jc: jumpcloud_ext::JumpCloud) -> Result<(), Box<dyn std::error::Error>> {
    /// use jumpcloud_ext::logo::ImageType;
    ///
    /// let png = std::fs::read("logo.png")?;
    /// jc.upload_application_logo("5f1b2c3d4e5f60718293a4b5", png, "logo.png", ImageType::Png)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn upload_application_logo(
        &self,
        application_id: &str,
        image: impl Into<Bytes>,
        file_name: &str,
        image_type: ImageType,
    ) -> Result<()> {
        let image = image.into();
        check(application_id, &image, file_name)?;
        let (content_type, body) = multipart(&image, file_name, image_type);
        let url = format!(
            "{}/applications/{application_id}/logo",
            self.endpoints().v2()
        );
        let request = self
            .http_client()
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body)
            .build()
            .map_err(Error::from_reqwest)?;
        self.send_request(request, &UPLOAD_APPLICATION_LOGO).await?;
        Ok(())
    }
}

/// Refuses what cannot be sent, before anything is.
fn check(
    application_id: &str,
    image: &[u8],
    file_name: &str,
) -> std::result::Result<(), LogoError> {
    let id_ok = !application_id.is_empty()
        && application_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !id_ok {
        return Err(LogoError::ApplicationId(application_id.to_string()));
    }
    if image.is_empty() {
        return Err(LogoError::Empty);
    }
    if image.len() > MAX_LOGO_BYTES {
        return Err(LogoError::TooLarge {
            len: image.len(),
            max: MAX_LOGO_BYTES,
        });
    }
    let refuse = |why| Err(LogoError::FileName(file_name.to_string(), why));
    if file_name.is_empty() {
        return refuse("it is empty");
    }
    if file_name.len() > 255 {
        return refuse("it is longer than 255 bytes");
    }
    if file_name
        .chars()
        .any(|c| c.is_control() || c == '"' || c == '\\')
    {
        return refuse("it has a control character, `\"` or `\\`");
    }
    Ok(())
}

/// The `multipart/form-data` body (RFC 7578) with `image` as its one part, named `image`,
/// and the content type that names its boundary. The boundary is chosen so that it does
/// not occur in the image.
fn multipart(image: &[u8], file_name: &str, image_type: ImageType) -> (String, Bytes) {
    let boundary = boundary_for(image);
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{file_name}\"\r\nContent-Type: {}\r\n\r\n",
        image_type.mime()
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let mut body = Vec::with_capacity(head.len() + image.len() + tail.len());
    body.extend_from_slice(head.as_bytes());
    body.extend_from_slice(image);
    body.extend_from_slice(tail.as_bytes());
    (
        format!("multipart/form-data; boundary={boundary}"),
        Bytes::from(body),
    )
}

/// A boundary that does not occur in `content`: a fixed prefix and a number from the
/// process's random hash keys, drawn again in the unlikely case that it does.
fn boundary_for(content: &[u8]) -> String {
    use std::hash::{BuildHasher, RandomState};
    let keys = RandomState::new();
    (0u64..)
        .map(|n| format!("jumpcloud-rs-{:016x}", keys.hash_one(n)))
        .find(|b| !content.windows(b.len()).any(|w| w == b.as_bytes()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_holds_the_image_exactly_between_boundaries() {
        let image = b"\x89PNG\r\n\x1a\n--not-a-boundary\r\n\xff\x00";
        let (content_type, body) = multipart(image, "logo.png", ImageType::Png);
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        assert!(!boundary.is_empty() && boundary.len() <= 70);
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n"
        );
        let tail = format!("\r\n--{boundary}--\r\n");
        assert!(body.starts_with(head.as_bytes()));
        assert!(body.ends_with(tail.as_bytes()));
        assert_eq!(&body[head.len()..body.len() - tail.len()], image);
    }

    #[test]
    fn the_boundary_is_not_in_the_content() {
        let keys_first = boundary_for(b"");
        let content = format!("x{keys_first}x");
        assert!(!boundary_for(content.as_bytes()).is_empty());
        let b = boundary_for(content.as_bytes());
        assert!(!content.contains(&b));
    }

    #[test]
    fn bad_input_is_refused_naming_what_is_wrong() {
        let id = "5f1b2c3d4e5f60718293a4b5";
        assert_eq!(check(id, b"", "a.png"), Err(LogoError::Empty));
        let big = vec![0u8; MAX_LOGO_BYTES + 1];
        assert_eq!(
            check(id, &big, "a.png"),
            Err(LogoError::TooLarge {
                len: MAX_LOGO_BYTES + 1,
                max: MAX_LOGO_BYTES
            })
        );
        assert!(check(id, &big[..MAX_LOGO_BYTES], "a.png").is_ok());
        for name in ["", "a\r\nX-Injected: 1.png", "a\".png", "a\\b.png"] {
            assert!(
                matches!(check(id, b"x", name), Err(LogoError::FileName(..))),
                "{name:?}"
            );
        }
        assert!(check(id, b"x", "logo société.png").is_ok());
        for bad in ["", "../users", "a/b", "a?b", "a#b", "a b"] {
            assert_eq!(
                check(bad, b"x", "a.png"),
                Err(LogoError::ApplicationId(bad.to_string()))
            );
        }
        let e = Error::from(LogoError::Empty);
        assert!(e.is_invalid_request());
        assert!(matches!(
            e.detail(),
            Some(crate::ErrorDetail::Logo(LogoError::Empty))
        ));
        assert_eq!(e.operation().map(|o| o.id), Some("applications_postLogo"));
    }
}
