//! `JumpCloud::upload_application_logo` end to end against the fake: the
//! multipart upload through the client's request path (credentials,
//! organisation, retries for a change), the logo read back exactly by the
//! typed builder and by `call_json`, and input refused before sending.

use crate::common;

use futures::TryStreamExt;
use jumpcloud_api::CallError;
use jumpcloud_ext::logo::{ImageType, LogoError, MAX_LOGO_BYTES};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{Collection, FakeJumpCloud, Fault};
use serde_json::{Value, json};

/// A small PNG-like file: not UTF-8, with CRLFs and dashes that a careless
/// multipart body would confuse with its framing.
fn image() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(b"\r\n--\r\n--jumpcloud-rs-\xff\xfe\r\n\r\n");
    png.extend((0..=255u8).cycle().take(3000));
    png
}

/// The demo's first application id, and its logo path after an upload.
fn application(fake: &FakeJumpCloud) -> String {
    let apps = fake
        .default_org()
        .objects(Collection::Applications)
        .unwrap();
    apps[0]["_id"].as_str().unwrap().to_string()
}

fn logo_path(fake: &FakeJumpCloud, app: &str) -> String {
    let apps = fake
        .default_org()
        .objects(Collection::Applications)
        .unwrap();
    let app = apps.iter().find(|a| a["_id"] == app).unwrap();
    app["logo"]["url"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_uploaded_logo_reads_back_byte_for_byte() {
    let (fake, jc) = common::demo().await;
    let app = application(&fake);
    let png = image();
    jc.upload_application_logo(&app, png.clone(), "logo.png", ImageType::Png)
        .await
        .unwrap();

    let upload_path = format!("/api/v2/applications/{app}/logo");
    let sent = fake.requests_to("POST", &upload_path);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].status, Some(204));
    // The client's request path: the key (redacted in the log) and the
    // multipart type with its boundary.
    assert!(sent[0].header("x-api-key").is_some());
    assert!(
        sent[0]
            .header("content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary=jumpcloud-rs-")
    );

    let url = logo_path(&fake, &app);
    let id = url.rsplit('/').next().unwrap().to_string();
    // The typed builder returns the bytes.
    let stream = jc.v2().logo_get().id(&id).run().await.unwrap();
    let read: Vec<u8> = stream
        .into_inner()
        .map_ok(|b| b.to_vec())
        .try_concat()
        .await
        .unwrap();
    assert_eq!(read, png);
    // `call_json` does not turn them into a string: the error holds them.
    let err = jc
        .v2()
        .call_json("Logo_Get", &json!({ "id": id }))
        .await
        .unwrap_err();
    assert!(matches!(err, CallError::NotText { .. }), "{err}");
    assert_eq!(err.into_file().unwrap().as_ref(), png.as_slice());
}

#[tokio::test]
async fn a_text_logo_reads_back_as_a_string_through_call_json() {
    let (fake, jc) = common::demo().await;
    let app = application(&fake);
    // GIF87a header then text: all of it UTF-8.
    let gif = "GIF87a – logo ☁".as_bytes().to_vec();
    jc.upload_application_logo(&app, gif.clone(), "logo.gif", ImageType::Gif)
        .await
        .unwrap();
    let id = logo_path(&fake, &app)
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let answer = jc
        .v2()
        .call_json("logo_get", &json!({ "id": id }))
        .await
        .unwrap();
    assert_eq!(answer.headers()["content-type"], "image/gif");
    assert_eq!(
        answer.into_inner(),
        Value::String(String::from_utf8(gif).unwrap())
    );
}

/// An upload is a change: a 429 (refused before acting) is resent, a 500
/// (after which the logo may be stored) is not.
#[tokio::test]
async fn a_429_is_resent_and_a_500_is_not() {
    let fake = FakeJumpCloud::demo().await.unwrap();
    let jc = common::keyed_demo(&fake, common::fast_retry());
    let app = application(&fake);
    let path = format!("/api/v2/applications/{app}/logo");

    fake.faults().push(
        Fault::rate_limited()
            .on_method("POST")
            .on_path(&path)
            .times(1),
    );
    fake.clear_requests();
    jc.upload_application_logo(&app, image(), "logo.png", ImageType::Png)
        .await
        .unwrap();
    let sent = fake.requests_to("POST", &path);
    assert_eq!(
        sent.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(429), Some(204)]
    );
    // The resent body is the same multipart body.
    assert_eq!(sent[0].body, sent[1].body);

    fake.faults().push(
        Fault::server_error()
            .on_method("POST")
            .on_path(&path)
            .times(1),
    );
    fake.clear_requests();
    let err = jc
        .upload_application_logo(&app, image(), "logo.png", ImageType::Png)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(fake.requests_to("POST", &path).len(), 1);
    assert_eq!(err.operation().map(|o| o.id), Some("applications_postLogo"));
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let (fake, jc) = common::demo().await;
    let app = application(&fake);
    let refused = |e: jumpcloud_ext::Error| -> LogoError {
        assert!(e.is_invalid_request(), "{e}");
        match e.detail() {
            Some(ErrorDetail::Logo(why)) => why.clone(),
            other => panic!("{e}: {other:?}"),
        }
    };
    let e = jc
        .upload_application_logo(&app, Vec::new(), "logo.png", ImageType::Png)
        .await
        .unwrap_err();
    assert_eq!(refused(e), LogoError::Empty);
    let e = jc
        .upload_application_logo(&app, vec![1u8; MAX_LOGO_BYTES + 1], "l.png", ImageType::Png)
        .await
        .unwrap_err();
    assert!(matches!(refused(e), LogoError::TooLarge { .. }));
    let e = jc
        .upload_application_logo(&app, image(), "a\r\nx: y", ImageType::Png)
        .await
        .unwrap_err();
    assert!(matches!(refused(e), LogoError::FileName(..)));
    let e = jc
        .upload_application_logo("../users", image(), "l.png", ImageType::Png)
        .await
        .unwrap_err();
    assert!(matches!(refused(e), LogoError::ApplicationId(..)));
    assert_eq!(common::sent(&fake), 0);

    // An unknown application is the server's 404.
    let e = jc
        .upload_application_logo("5f0000000000000000000000", image(), "l.png", ImageType::Png)
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e}");
}
