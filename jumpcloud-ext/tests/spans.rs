//! The phases of one call as `tracing` sees them. Its own test binary: a
//! scoped subscriber races with callsite caching when tests run in
//! parallel, and this file has one test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use serde_json::json;
use wiremock::MockServer;

/// `status` once, then an empty list.
async fn flaky(server: &MockServer, p: &str, status: u16) {
    serve_first(server, p, 1, json_reply(status, json!({"message": "busy"}))).await;
    serve(server, p, empty_list()).await;
}

/// A span's name and its parent's.
type Created = (String, Option<String>);

/// Records every `jumpcloud.*` span as it is created, with its parent.
#[derive(Clone, Default)]
struct SpanTree(Arc<std::sync::Mutex<Vec<Created>>>);

impl<S> tracing_subscriber::Layer<S> for SpanTree
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        _: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let Some(span) = ctx.span(id) else { return };
        if span.name().starts_with("jumpcloud.") {
            let parent = span.parent().map(|p| p.name().to_owned());
            self.0
                .lock()
                .unwrap()
                .push((span.name().to_owned(), parent));
        }
    }
}

/// One call retried once shows each phase once, in order, in one tree:
/// build, then the request (credentials, two attempts), then decode.
#[tokio::test]
async fn a_retried_call_shows_each_phase_once_in_order() {
    use jumpcloud_ext::Run;
    use tracing_subscriber::layer::SubscriberExt;

    let server = MockServer::start().await;
    flaky(&server, "/api/v2/groups", 503).await;
    let jc = api_key_client(&server);
    let tree = SpanTree::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(tree.clone()));
    jc.v2().group_list().run().await.unwrap();
    let seen = tree.0.lock().unwrap().clone();
    let call = Some("jumpcloud.call".to_owned());
    let request = Some("jumpcloud.request".to_owned());
    let expected = [
        ("jumpcloud.call", None),
        ("jumpcloud.build", call.clone()),
        ("jumpcloud.request", call.clone()),
        ("jumpcloud.credentials", request.clone()),
        ("jumpcloud.attempt", request.clone()),
        ("jumpcloud.attempt", request.clone()),
        ("jumpcloud.decode", call.clone()),
    ]
    .map(|(name, parent)| (name.to_owned(), parent));
    assert_eq!(seen, expected);
}
