//! Pagination streams, measured against the fake JumpCloud on 127.0.0.1:
//!
//! - throughput: streaming 20,000 v1 users with `stream()` against a
//!   hand-written `reqwest` loop over the same pages and the same decoding;
//! - concurrency: 5,000 user groups (50 pages) with 20 ms of injected latency
//!   per request, one page at a time and with `concurrency(2 / 4 / 8)`; and
//!   20,000 system groups (200 pages), one at a time and `concurrency(8)`.
//!
//! Run with `cargo bench -p jumpcloud-tests --bench paginate`; results are
//! recorded in BENCHMARKS.md.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::TryStreamExt;
use jumpcloud_ext::api::PagedRequest;
use jumpcloud_ext::api::v1::types::Systemuserslist;
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{DEFAULT_API_KEY, FakeJumpCloud};

const USERS: u64 = 20_000;
const GROUPS: usize = 5_000;
const SYSTEM_GROUPS: usize = 20_000;

fn client(fake: &FakeJumpCloud) -> Option<JumpCloud> {
    JumpCloud::builder()
        .api_key(DEFAULT_API_KEY)
        .base_url(fake.base_url())
        .build()
        .ok()
}

/// The loop a caller would write by hand: same pages, same decoding.
async fn raw_loop(http: &reqwest::Client, base: &str) -> Result<u64, reqwest::Error> {
    let mut seen = 0u64;
    let mut skip = 0u64;
    loop {
        let page: Systemuserslist = http
            .get(format!("{base}/systemusers"))
            .header("x-api-key", DEFAULT_API_KEY)
            .query(&[
                ("limit", "100"),
                ("skip", &skip.to_string()),
                ("sort", "_id"),
            ])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        seen += page.results.len() as u64;
        skip += 100;
        if skip >= page.total_count.map_or(0, |t| t as u64) {
            return Ok(seen);
        }
    }
}

/// Collects the listing `make` builds at each concurrency in `levels`, as one
/// criterion group named `name`; every run must return `expected` items.
fn by_concurrency<R>(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    name: &str,
    expected: usize,
    levels: &[usize],
    make: impl Fn() -> R,
) where
    R: PagedRequest,
    R::Item: Send,
{
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.throughput(Throughput::Elements(expected as u64));
    for &n in levels {
        group.bench_function(format!("concurrency {n}"), |b| {
            b.to_async(rt).iter(|| async {
                let items = make().concurrency(n).try_collect_all().await;
                assert_eq!(items.map(|i| i.len()).ok(), Some(expected));
            })
        });
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    else {
        eprintln!("no tokio runtime; skipping");
        return;
    };
    let Some((fake, jc)) = rt.block_on(async {
        let fake = FakeJumpCloud::start().await.ok()?;
        fake.default_org().seed_users(USERS as usize).ok()?;
        fake.default_org().seed_user_groups(GROUPS).ok()?;
        fake.default_org().seed_system_groups(SYSTEM_GROUPS).ok()?;
        let jc = client(&fake)?;
        Some((fake, jc))
    }) else {
        eprintln!("the fake JumpCloud did not start; skipping");
        return;
    };
    let http = reqwest::Client::new();
    let v1 = fake.v1_url();

    let mut group = c.benchmark_group("stream 20,000 users");
    group.sample_size(10);
    group.throughput(Throughput::Elements(USERS));
    group.bench_function("SDK stream()", |b| {
        b.to_async(&rt).iter(|| async {
            let n = jc
                .v1()
                .user_list()
                .stream()
                .try_fold(0u64, |n, _| async move { Ok(n + 1) })
                .await;
            assert_eq!(n.ok(), Some(USERS));
        })
    });
    group.bench_function("hand-written reqwest loop", |b| {
        b.to_async(&rt).iter(|| async {
            assert_eq!(raw_loop(&http, &v1).await.ok(), Some(USERS));
        })
    });
    group.finish();

    fake.set_latency(Duration::from_millis(20));
    by_concurrency(
        c,
        &rt,
        "5,000 groups, 20 ms per request",
        GROUPS,
        &[1, 2, 4, 8],
        || jc.v2().user_group_list(),
    );
    by_concurrency(
        c,
        &rt,
        "20,000 system groups, 20 ms per request",
        SYSTEM_GROUPS,
        &[1, 8],
        || jc.v2().system_group_list(),
    );
    fake.set_latency(Duration::ZERO);
}

criterion_group!(paginate, benches);
criterion_main!(paginate);
