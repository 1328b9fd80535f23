//! What the client costs: decoding a page, and a whole call through the
//! `JumpCloud` request path (scoping, auth, retry bookkeeping, budgets, phase
//! spans, error capture) compared with the bare generated client, both against the fake JumpCloud on
//! 127.0.0.1. Run with `cargo bench -p jumpcloud-ext`; results are recorded in
//! BENCHMARKS.md.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use jumpcloud_ext::api::{Request, Sender, v1, v2};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{self as fake, Collection, FakeJumpCloud};

fn benches(c: &mut Criterion) {
    let Some((rt, setup)) = start() else {
        return;
    };
    let Setup {
        fake,
        ext,
        raw_v1,
        raw_v2,
        page,
    } = &setup;

    let mut group = c.benchmark_group("decode");
    group.throughput(criterion::Throughput::Bytes(page.len() as u64));
    group.bench_function("v1 user page (100 users)", |b| {
        b.iter(|| serde_json::from_slice::<v1::types::Systemuserslist>(black_box(page)))
    });
    // As a graph snapshot or an organisation backup reads a listing
    // (`listing/raw.rs`, `graph/snapshot.rs`): the page's items as JSON text,
    // then each decoded from its bytes.
    group.bench_function("v1 user page (100 users), as a snapshot reads it", |b| {
        use serde_json::value::RawValue;
        b.iter(|| {
            let members: std::collections::BTreeMap<String, &RawValue> =
                serde_json::from_slice(black_box(page))?;
            let items: Vec<Box<RawValue>> = match members.get("results") {
                Some(results) => serde_json::from_str(results.get())?,
                None => Vec::new(),
            };
            items
                .iter()
                .map(|item| {
                    serde_json::from_slice::<v1::types::Systemuserreturn>(item.get().as_bytes())
                })
                .collect::<Result<Vec<_>, _>>()
        })
    });
    group.finish();

    // The same calls through the SDK's client (`.run()`: its request path)
    // and through the bare generated one (`Request::send`, no transport).
    let mut group = c.benchmark_group("call");
    group.bench_function(format!("v1 user_list limit 100, {EXT}"), |b| {
        b.to_async(&rt).iter(|| async {
            ext.v1()
                .user_list()
                .limit(100)
                .run()
                .await
                .map(|r| r.results.len())
        })
    });
    group.bench_function(format!("v1 user_list limit 100, {RAW}"), |b| {
        b.to_async(&rt).iter(|| async {
            Request::send(raw_v1.user_list().limit(100))
                .await
                .map(|r| r.results.len())
        })
    });
    group.bench_function(format!("v2 user_group_list, {EXT}"), |b| {
        b.to_async(&rt)
            .iter(|| async { ext.v2().user_group_list().run().await.map(|r| r.len()) })
    });
    group.bench_function(format!("v2 user_group_list, {RAW}"), |b| {
        b.to_async(&rt).iter(|| async {
            Request::send(raw_v2.user_group_list())
                .await
                .map(|r| r.len())
        })
    });
    group.finish();
    let _ = fake.request_count();
}

/// How the benchmark names the two clients compared.
const EXT: &str = "JumpCloud client";
const RAW: &str = "bare generated client";

/// A two-thread runtime and the seeded fake JumpCloud, or `None` (said on
/// stderr) when either cannot start.
fn start() -> Option<(tokio::runtime::Runtime, Setup)> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| eprintln!("no tokio runtime ({e}); skipping"))
        .ok()?;
    let setup = rt
        .block_on(setup())
        .map_err(|e| eprintln!("the fake JumpCloud did not start ({e}); skipping"))
        .ok()?;
    Some((rt, setup))
}

struct Setup {
    fake: FakeJumpCloud,
    ext: JumpCloud,
    raw_v1: v1::Client,
    raw_v2: v2::Client,
    page: Vec<u8>,
}

async fn setup() -> std::result::Result<Setup, Box<dyn std::error::Error>> {
    let fake = FakeJumpCloud::start().await?;
    let org = fake.default_org();
    org.seed(Collection::Users, 100)?;
    org.seed(Collection::UserGroups, 10)?;
    let ext = JumpCloud::builder()
        .api_key(fake::DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .build()?;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-api-key", fake::DEFAULT_API_KEY.parse()?);
    let http = jumpcloud_ext::http_client_builder()?
        .default_headers(headers)
        .build()?;
    let raw_v1 = v1::Client::with_sender(&fake.v1_url(), http.clone(), Sender::none());
    let raw_v2 = v2::Client::with_sender(&fake.v2_url(), http.clone(), Sender::none());
    let page = http
        .get(format!("{}/systemusers?limit=100", fake.v1_url()))
        .send()
        .await?
        .bytes()
        .await?
        .to_vec();
    Ok(Setup {
        fake,
        ext,
        raw_v1,
        raw_v2,
        page,
    })
}

criterion_group! {
    name = client;
    config = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = benches
}
criterion_main!(client);
