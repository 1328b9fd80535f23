//! Reading the live organisation: [`Org::backup`] writes it to a directory
//! (see `layout`), [`Org::state`] keeps it in memory. Both read the same
//! way:
//!
//! 1. each kind's listing, one kind after another, its pages up to the
//!    graph's concurrency; each item is kept as the JSON the API sent
//!    (fields this crate's types do not know included), minus what
//!    [`LEFT_OUT`](super::LEFT_OUT) says, and handed on at once: only an
//!    index of (kind, id) → name stays in memory, to name edge ends;
//! 2. the edges, one task per node (its listings one after another), as
//!    many tasks as the graph's concurrency and all within its budget.
//!    Which end of each pair is listed is [`Graph::snapshot`]'s choice, so
//!    a backup costs the same floor as a snapshot of the same kinds.
//!
//! A key whose role may not read an association listing (403) gets the
//! pair's traversal listing instead (`GET /v2/users/{id}/systems`, say),
//! of which only the paths of one hop are direct edges; the manifest says
//! so ([`Fallback`]).

use std::collections::{BTreeMap, BTreeSet};
use std::future::IntoFuture;
use std::ops::Bound::{Excluded, Unbounded};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt, TryStreamExt};
use http::StatusCode;
use jumpcloud_api::PagedRequest;
use jumpcloud_api::graph::{ConnectionVisitor, PathsVisitor};

use super::Org;
use super::layout::Writer;
use super::model::{FORMAT_VERSION, Fallback, KindCount, Manifest, OrgLink, OrgObject, OrgState};
use super::scrub::scrub;
use crate::Listing;
use crate::budget::Budget;
use crate::error::{Error, Result};
use crate::graph::{
    Attributes, Connection, Graph, Kind, NodeRef, Reached, ReadMode, Relation, edge_plan,
    named_kinds,
};
use crate::listing::Counted;

/// How far a backup (or a reading of the live state) has come with one
/// kind, handed to [`Backup::on_progress`] as it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// The kind.
    pub kind: Kind,
    /// Its objects read so far.
    pub objects: usize,
    /// The edges listed from them so far.
    pub links: usize,
    /// Whether its objects and their edges are all read.
    pub done: bool,
}

type OnProgress<'a> = Arc<dyn Fn(&Progress) + Send + Sync + 'a>;

/// A backup to run (from [`Org::backup`]): `.await` it, or call
/// [`run`](Backup::run).
#[must_use = "a backup does nothing until awaited"]
pub struct Backup<'a> {
    graph: Graph<'a>,
    dir: PathBuf,
    kinds: Vec<Kind>,
    on_progress: Option<OnProgress<'a>>,
}

impl std::fmt::Debug for Backup<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backup")
            .field("dir", &self.dir)
            .field("kinds", &self.kinds)
            .field("on_progress", &self.on_progress.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> Org<'a> {
    /// A backup of the organisation into `dir`, one file per object (see
    /// the module's layout): every kind of
    /// [`named_kinds`] unless
    /// [`kinds`](Backup::kinds) narrows it.
    ///
    /// `dir` may be new, empty, or hold an older backup, which is replaced
    /// (files of objects since deleted are removed); any other directory is
    /// refused before a request is sent. A failure part-way leaves a
    /// partial backup: run it again.
    pub fn backup(&self, dir: impl AsRef<Path>) -> Backup<'a> {
        Backup {
            graph: self.graph.clone(),
            dir: dir.as_ref().to_path_buf(),
            kinds: named_kinds().cloned().collect(),
            on_progress: None,
        }
    }

    /// The live organisation's objects of `kinds` and the edges between
    /// them, read as [`backup`](Org::backup) reads them (secrets and
    /// volatile fields left out), in memory and sorted: the state to
    /// compare with a backup's [`OrgState::read`]. It holds every object,
    /// so its memory grows with the organisation; a backup's does not.
    pub async fn state(&self, kinds: &[Kind]) -> Result<OrgState> {
        let mut sink = InMemory::default();
        take(&self.graph, kinds, &mut sink, None).await?;
        let mut state = OrgState {
            manifest: None,
            objects: sink.objects,
            links: sink.links,
        };
        state.sort();
        Ok(state)
    }
}

impl<'a> Backup<'a> {
    /// Backs up these kinds only (and the edges between them). Kinds
    /// without a listing of their own appear only as edge ends.
    pub fn kinds(mut self, kinds: &[Kind]) -> Self {
        self.kinds = kinds.to_vec();
        self
    }

    /// Calls `f` as each kind is read: as its objects stream in, as its
    /// nodes' edges are read, and once with `done` when it is complete.
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'a) -> Self {
        self.on_progress = Some(Arc::new(f));
        self
    }

    /// Runs the backup; the manifest it wrote. Its `requests` counts the
    /// requests the backup sent (pages of every listing, a refused one
    /// included); the client's retries of a request are not counted again.
    pub async fn run(self) -> Result<Manifest> {
        let mut writer = Writer::open(&self.dir)?;
        let taken_at = chrono::Utc::now();
        let taken = take(
            &self.graph,
            &self.kinds,
            &mut writer,
            self.on_progress.as_deref(),
        )
        .await?;
        let manifest = Manifest {
            format: FORMAT_VERSION,
            organization: self.graph.client().org_id().map(str::to_owned),
            taken_at,
            sdk_version: env!("CARGO_PKG_VERSION").to_owned(),
            kinds: taken.kinds,
            fallbacks: taken.fallbacks,
            stripped: taken.stripped.into_iter().collect(),
            requests: taken.requests,
        };
        writer.finish(&manifest)?;
        Ok(manifest)
    }
}

impl<'a> IntoFuture for Backup<'a> {
    type Output = Result<Manifest>;
    type IntoFuture = BoxFuture<'a, Result<Manifest>>;

    fn into_future(self) -> Self::IntoFuture {
        self.run().boxed()
    }
}

/// Where a reading goes: a backup's files, or memory.
trait Sink: Send {
    fn object(&mut self, object: OrgObject) -> Result<()>;
    fn links(&mut self, from: &NodeRef, links: Vec<OrgLink>) -> Result<()>;
}

impl Sink for Writer {
    fn object(&mut self, object: OrgObject) -> Result<()> {
        Writer::object(self, &object)
    }

    fn links(&mut self, from: &NodeRef, mut links: Vec<OrgLink>) -> Result<()> {
        Writer::links(self, from, &mut links)
    }
}

#[derive(Default)]
struct InMemory {
    objects: Vec<OrgObject>,
    links: Vec<OrgLink>,
}

impl Sink for InMemory {
    fn object(&mut self, object: OrgObject) -> Result<()> {
        self.objects.push(object);
        Ok(())
    }

    fn links(&mut self, _from: &NodeRef, links: Vec<OrgLink>) -> Result<()> {
        self.links.extend(links);
        Ok(())
    }
}

/// What a reading found besides the objects and edges.
struct Taken {
    kinds: Vec<KindCount>,
    stripped: BTreeSet<String>,
    fallbacks: Vec<Fallback>,
    requests: u64,
}

/// Reads `kinds` into `sink` (see the module's description).
async fn take(
    graph: &Graph<'_>,
    kinds: &[Kind],
    sink: &mut dyn Sink,
    progress: Option<&(dyn Fn(&Progress) + Send + Sync + '_)>,
) -> Result<Taken> {
    if let Some(unknown) = kinds.iter().find(|k| matches!(k, Kind::Unknown(_))) {
        return Err(Error::invalid_request(format!(
            "cannot read kind `{unknown}`: this version does not know it"
        )));
    }
    let report = |kind: &Kind, objects: usize, links: usize, done: bool| {
        if let Some(f) = progress {
            f(&Progress {
                kind: kind.clone(),
                objects,
                links,
                done,
            });
        }
    };
    let counter = Arc::new(AtomicU64::new(0));
    let mode = ReadMode {
        raw: true,
        counter: Some(counter.clone()),
    };
    let wanted: BTreeSet<&Kind> = kinds.iter().collect();
    // (kind, id) → name: all that stays in memory of the objects.
    let mut index: Index = BTreeMap::new();
    let mut counts: Vec<KindCount> = Vec::new();
    let mut stripped = BTreeSet::new();
    for kind in named_kinds().filter(|k| wanted.contains(k)) {
        let Some(mut nodes) = graph.nodes_read(kind, &mode) else {
            continue;
        };
        let mut objects = 0;
        while let Some(listed) = nodes.try_next().await? {
            let node = listed.node.node;
            let key = (node.kind.clone(), node.id.clone());
            if index.contains_key(&key) {
                // A page boundary moved under a concurrent change.
                continue;
            }
            let mut attributes = listed.raw.unwrap_or_default();
            stripped.extend(scrub(kind, &mut attributes));
            sink.object(OrgObject {
                kind: node.kind,
                id: node.id,
                name: listed.node.name.clone(),
                attributes,
            })?;
            index.insert(key, listed.node.name);
            objects += 1;
            if objects % 100 == 0 {
                report(kind, objects, 0, false);
            }
        }
        report(kind, objects, 0, false);
        counts.push(KindCount {
            kind: kind.clone(),
            objects,
            links: 0,
        });
    }

    let sizes: BTreeMap<Kind, usize> = counts.iter().map(|c| (c.kind.clone(), c.objects)).collect();
    let plan = edge_plan(kinds, &sizes);
    let has_edges = |k: &Kind| plan.get(k).is_some_and(|jobs| !jobs.is_empty());
    let mut remaining: BTreeMap<Kind, usize> = BTreeMap::new();
    for c in &counts {
        if has_edges(&c.kind) && c.objects > 0 {
            remaining.insert(c.kind.clone(), c.objects);
        } else {
            report(&c.kind, c.objects, 0, true);
        }
    }
    let refused: Mutex<BTreeMap<(Kind, Kind), usize>> = Mutex::new(BTreeMap::new());
    let reader = Reader {
        graph,
        counter: &counter,
        refused: &refused,
    };
    let nodes = WithEdges {
        index: &index,
        plan: &plan,
        last: None,
    };
    let (index, plan) = (&index, &plan);
    let mut tasks = futures::stream::iter(nodes)
        .map(move |node: NodeRef| {
            let jobs = plan.get(&node.kind).map(Vec::as_slice).unwrap_or_default();
            reader.node(node, jobs, index)
        })
        .buffer_unordered(graph.in_flight_limit());
    while let Some(done) = tasks.next().await {
        let (node, links) = done?;
        let n = links.len();
        sink.links(&node, links)?;
        if let Some(count) = counts.iter_mut().find(|c| c.kind == node.kind) {
            count.links += n;
            let left = remaining.entry(node.kind.clone()).or_default();
            *left = left.saturating_sub(1);
            report(&node.kind, count.objects, count.links, *left == 0);
        }
    }
    drop(tasks);
    let fallbacks = lock(&refused)
        .iter()
        .map(|((kind, target), n)| Fallback {
            kind: kind.clone(),
            target: target.clone(),
            instead: "traversal".to_owned(),
            refused: *n,
        })
        .collect();
    Ok(Taken {
        kinds: counts,
        stripped,
        fallbacks,
        requests: counter.load(Ordering::Relaxed),
    })
}

/// (kind, id) → name of every object read.
type Index = BTreeMap<(Kind, String), Option<String>>;

/// The nodes of the index whose kind has edge listings, one owned
/// `NodeRef` at a time: walking the index itself keeps memory at the index
/// (a stream over borrowed entries through closures is not `Send` for every
/// lifetime the boxed future needs; this iterator has none).
struct WithEdges<'i> {
    index: &'i Index,
    plan: &'i BTreeMap<Kind, Vec<(Relation, Kind)>>,
    last: Option<(Kind, String)>,
}

impl Iterator for WithEdges<'_> {
    type Item = NodeRef;

    fn next(&mut self) -> Option<NodeRef> {
        loop {
            let mut after = match self.last.take() {
                None => self.index.range::<(Kind, String), _>(..),
                Some(last) => self.index.range((Excluded(last), Unbounded)),
            };
            let ((kind, id), name) = after.next()?;
            self.last = Some((kind.clone(), id.clone()));
            if self.plan.get(kind).is_some_and(|jobs| !jobs.is_empty()) {
                return Some(NodeRef {
                    kind: kind.clone(),
                    id: id.clone(),
                    name: name.clone(),
                });
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Reads the edges of one node at a time.
#[derive(Clone, Copy)]
struct Reader<'r, 'g> {
    graph: &'r Graph<'g>,
    counter: &'r Arc<AtomicU64>,
    /// Per (kind, target kind), the association listings refused with 403.
    refused: &'r Mutex<BTreeMap<(Kind, Kind), usize>>,
}

type Edges<'a> = BoxStream<'a, Result<(NodeRef, Attributes)>>;

impl<'r, 'g> Reader<'r, 'g> {
    /// The edges listed from `node`, its listings one after another, ends
    /// named from `index`; an association of two nodes of one kind (listed
    /// from both ends) is kept at its lesser end only.
    async fn node(
        self,
        node: NodeRef,
        jobs: &'r [(Relation, Kind)],
        index: &'r Index,
    ) -> Result<(NodeRef, Vec<OrgLink>)> {
        let mut links = Vec::new();
        for (relation, target) in jobs {
            for (mut to, attributes) in self.edges(*relation, &node, target).await? {
                let key = (to.kind.clone(), to.id.clone());
                let twin = *relation == Relation::Associations
                    && to.kind == node.kind
                    && to < node
                    && index.contains_key(&key);
                if twin {
                    continue;
                }
                if to.name.is_none() {
                    to.name = index.get(&key).cloned().flatten();
                }
                links.push(OrgLink {
                    relation: *relation,
                    from: node.clone(),
                    to,
                    attributes,
                });
            }
        }
        Ok((node, links))
    }

    /// One listing's edges; an association listing refused with 403 is
    /// read from the pair's traversal listing instead (once a pair was
    /// refused, its next nodes go there directly).
    async fn edges(
        self,
        relation: Relation,
        node: &NodeRef,
        target: &Kind,
    ) -> Result<Vec<(NodeRef, Attributes)>> {
        let pair = (node.kind.clone(), target.clone());
        let associations = relation == Relation::Associations;
        if associations && lock(self.refused).contains_key(&pair) {
            return self.traversal(node, target).await;
        }
        let listing = jumpcloud_api::graph::list_connections(
            self.graph.client().v2(),
            relation,
            node,
            target,
            self.visitor(),
        )
        .map_err(crate::graph::refused)?;
        match listing.try_collect().await {
            Err(e) if associations && e.status() == Some(StatusCode::FORBIDDEN) => {
                *lock(self.refused).entry(pair).or_default() += 1;
                match self.traversal(node, target).await {
                    // No traversal for this pair: the refusal stands.
                    Err(t) if t.is_invalid_request() => Err(e),
                    other => other,
                }
            }
            other => other,
        }
    }

    /// The direct edges of `node` to `target` from the traversal listing:
    /// the nodes reached by a path of one hop, with that hop's attributes.
    async fn traversal(self, node: &NodeRef, target: &Kind) -> Result<Vec<(NodeRef, Attributes)>> {
        let reached = jumpcloud_api::graph::list_paths(
            self.graph.client().v2(),
            Relation::Traversal,
            node,
            target,
            self.visitor(),
        )
        .map_err(crate::graph::refused)?;
        let reached: Vec<Reached> = reached.try_collect().await?;
        Ok(reached
            .into_iter()
            .filter_map(|r| {
                let hop = r.paths.into_iter().find(|p| p.len() == 1)?.pop()?;
                Some((r.node, hop.attributes))
            })
            .collect())
    }

    fn visitor(self) -> Counting {
        Counting {
            concurrency: self.graph.in_flight_limit(),
            budget: self.graph.budget().clone(),
            counter: self.counter.clone(),
        }
    }
}

/// Lists under the graph's concurrency and budget, counting requests.
struct Counting {
    concurrency: usize,
    budget: Budget,
    counter: Arc<AtomicU64>,
}

impl Counting {
    fn walk<'a, R: PagedRequest + 'a>(self, request: R) -> BoxStream<'a, Result<R::Item>>
    where
        R::Item: Send,
    {
        Counted::new(request, Some(self.counter))
            .concurrency(self.concurrency)
            .within(&self.budget)
            .stream()
    }
}

impl<'a> ConnectionVisitor<'a> for Counting {
    type Output = Edges<'a>;
    fn connections<R>(self, request: R) -> Self::Output
    where
        R: PagedRequest<Item = jumpcloud_api::v2::types::GraphConnection> + 'a,
    {
        self.walk(request)
            .map_ok(|c| {
                let c = Connection::from(c);
                (c.node, c.attributes)
            })
            .boxed()
    }
}

impl<'a> PathsVisitor<'a> for Counting {
    type Output = BoxStream<'a, Result<Reached>>;
    fn paths<R>(self, request: R) -> Self::Output
    where
        R: PagedRequest + 'a,
        R::Item: Into<Reached> + Send,
    {
        self.walk(request).map_ok(Into::into).boxed()
    }
}
