//! Application logos: `POST /api/v2/applications/{application_id}/logo` takes the image as a
//! `multipart/form-data` part named `image` and answers 204; the application then names the
//! logo (`logo.url`), which `GET /api/v2/logos/{id}` serves as uploaded, with its content type.
//! (JumpCloud serves logos to anyone; the fake asks for credentials as on every route.)

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use serde_json::json;

use super::{AppState, Org, check_id};
use crate::fake::error::{ApiError, ApiResult, ErrorStyle};
use crate::fake::state::{Collection, Logo, lock};

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v2/applications/{application_id}/logo", post(upload))
        .route("/api/v2/logos/{id}", get(serve))
}

fn v2(e: ApiError) -> ApiError {
    e.style(ErrorStyle::MessageCode)
}

/// `POST /applications/{application_id}/logo`: stores the `image` part and points the
/// application at it.
async fn upload(
    State(s): State<AppState>,
    Org(org): Org,
    Path(app): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    check_id(&app).map_err(v2)?;
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let image = image_part(content_type, &body).map_err(|m| v2(ApiError::bad_request(m)))?;
    let id = s.ids.next();
    let mut data = lock(&s.data);
    let org = data
        .org_mut(&org)
        .map_err(|e| v2(ApiError::not_found(e.to_string())))?;
    let application = org
        .objects_mut(Collection::Applications)
        .get_mut(&app)
        .ok_or_else(|| v2(ApiError::not_found("application not found")))?;
    application["logo"] = json!({ "url": format!("/api/v2/logos/{id}") });
    org.logos.insert(id, image);
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /logos/{id}`: the image as uploaded.
async fn serve(
    State(s): State<AppState>,
    Org(org): Org,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let data = lock(&s.data);
    let org = data
        .org(&org)
        .map_err(|e| v2(ApiError::not_found(e.to_string())))?;
    let logo = org
        .logos
        .get(&id)
        .ok_or_else(|| v2(ApiError::not_found("logo not found")))?;
    Ok((
        [(CONTENT_TYPE, logo.content_type.clone())],
        logo.bytes.clone(),
    )
        .into_response())
}

/// The `image` part of a `multipart/form-data` body (RFC 7578), or why there is none. A
/// minimal reader: parts are split at the boundary the content type names, and the image
/// must carry a file name and an `image/*` content type, as a browser's upload does.
pub(crate) fn image_part(content_type: &str, body: &[u8]) -> Result<Logo, String> {
    let mut params = content_type.split(';').map(str::trim);
    if !params
        .next()
        .is_some_and(|t| t.eq_ignore_ascii_case("multipart/form-data"))
    {
        return Err(format!(
            "expected multipart/form-data, got {content_type:?}"
        ));
    }
    let boundary = params
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or("multipart/form-data without a boundary")?;
    let delimiter = format!("--{boundary}");
    let mut rest = body
        .strip_prefix(delimiter.as_bytes())
        .ok_or("the body does not start with the boundary")?;
    let closing = format!("\r\n--{boundary}");
    loop {
        if rest.starts_with(b"--") {
            return Err("no part named `image`".into());
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or("a boundary line is not followed by CRLF")?;
        let end = find(rest, closing.as_bytes()).ok_or("a part has no closing boundary")?;
        let (part, after) = rest.split_at(end);
        rest = &after[closing.len()..];
        let head_end =
            find(part, b"\r\n\r\n").ok_or("a part has no blank line after its headers")?;
        let head =
            std::str::from_utf8(&part[..head_end]).map_err(|_| "part headers are not UTF-8")?;
        let content = &part[head_end + 4..];
        let mut name = None;
        let mut file_name = None;
        let mut part_type = None;
        for line in head.split("\r\n") {
            let (key, value) = line
                .split_once(':')
                .ok_or("a part header without a colon")?;
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                let mut params = value.split(';').map(str::trim);
                if params.next() != Some("form-data") {
                    return Err("a part is not form-data".into());
                }
                for p in params {
                    if let Some(v) = p.strip_prefix("name=") {
                        name = Some(v.trim_matches('"').to_string());
                    } else if let Some(v) = p.strip_prefix("filename=") {
                        file_name = Some(v.trim_matches('"').to_string());
                    }
                }
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                part_type = Some(value.trim().to_string());
            }
        }
        if name.as_deref() != Some("image") {
            continue;
        }
        if file_name.is_none_or(|f| f.is_empty()) {
            return Err("the image part has no file name".into());
        }
        let content_type = part_type
            .filter(|t| t.starts_with("image/"))
            .ok_or("the image part is not an image/* type")?;
        if content.is_empty() {
            return Err("the image is empty".into());
        }
        return Ok(Logo {
            content_type,
            bytes: Bytes::copy_from_slice(content),
        });
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::image_part;

    #[test]
    fn reads_the_image_part_and_refuses_malformed_bodies() {
        let body = b"--b1\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n\
                     --b1\r\nContent-Disposition: form-data; name=\"image\"; filename=\"l.png\"\r\n\
                     Content-Type: image/png\r\n\r\n\x89PNG\r\n--b1--\r\n";
        let logo = image_part("multipart/form-data; boundary=b1", body).unwrap();
        let unnamed = b"--b1\r\nContent-Disposition: form-data; name=\"image\"\r\n\
                        Content-Type: image/png\r\n\r\nx\r\n--b1--\r\n";
        assert!(image_part("multipart/form-data; boundary=b1", unnamed).is_err());
        assert_eq!(logo.content_type, "image/png");
        assert_eq!(logo.bytes.as_ref(), b"\x89PNG");
        assert!(image_part("application/json", body).is_err());
        assert!(image_part("multipart/form-data", body).is_err());
        assert!(image_part("multipart/form-data; boundary=b2", body).is_err());
        let no_image =
            b"--b1\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nx\r\n--b1--\r\n";
        assert!(image_part("multipart/form-data; boundary=b1", no_image).is_err());
    }
}
