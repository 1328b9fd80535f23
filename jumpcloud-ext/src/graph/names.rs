//! Names for the nodes of graph answers, filled in by batched lookups (and
//! users' account states, read by the same requests).
//!
//! The graph's listings return ids only. Before an answer leaves
//! [`Graph`], its nodes are named with at most one request per kind per 100
//! distinct ids (a v1 search body with `or`, a v2 `filter=id:in:…`), cached
//! for the call. Kinds the API cannot filter by id (applications, RADIUS
//! and LDAP servers, directories, software apps) are named from their
//! listing, page by page until every id is found. [`Graph::names`]`(false)`
//! turns naming off.
//!
//! Names are best-effort: the answer never depends on them. A lookup that
//! fails (a 403 for a read-only key, a listing that does not decode, any
//! request error) or a kind with no listing leaves its nodes unnamed, and
//! the answer lists the kind and the reason in its `unnamed()`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use futures::future::BoxFuture;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt, TryStreamExt};

use super::{Access, AccountState, Graph, Hop, Kind, NodeRef, Plan, Reached};
use crate::Listing;
use crate::error::{Error, Result};
use crate::find::NAMES_PER_REQUEST;
use crate::types::ObjectId;

/// A kind whose nodes a naming pass left unnamed (some or all of them), and
/// why. Graph answers carry these instead of failing, so that a name that
/// cannot be read never costs the answer, and a caller can still tell "no
/// name was available" from "every node is named".
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Unnamed {
    /// The kind whose names are missing.
    pub kind: Kind,
    /// Why, as this crate's error text (never a secret): e.g. an HTTP 403
    /// for a key that may not read the kind, or a listing that did not
    /// decode.
    pub reason: String,
    /// The HTTP status of the failed lookup, when the server answered one
    /// (403: the key may not read this kind).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

impl Unnamed {
    fn failed(kind: Kind, e: &Error) -> Self {
        Unnamed {
            kind,
            reason: e.to_string(),
            status: e.status().map(|s| s.as_u16()),
        }
    }

    fn no_listing(kind: Kind) -> Self {
        let reason = format!(
            "no listing of {kind} to read names from (none in the API, or its feature is off)"
        );
        Unnamed {
            kind,
            reason,
            status: None,
        }
    }
}

impl fmt::Display for Unnamed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "names of {} unavailable: {}", self.kind, self.reason)
    }
}

/// One line per unnamed kind, after an answer's own lines.
pub(crate) fn write_unnamed(
    f: &mut fmt::Formatter<'_>,
    unnamed: &[Unnamed],
    indent: &str,
) -> fmt::Result {
    unnamed.iter().try_for_each(|u| writeln!(f, "{indent}{u}"))
}

/// Adds `more` to `unnamed`, keeping one entry (the first) per kind.
pub(crate) fn merge_unnamed(unnamed: &mut Vec<Unnamed>, more: impl IntoIterator<Item = Unnamed>) {
    for u in more {
        if !unnamed.iter().any(|have| have.kind == u.kind) {
            unnamed.push(u);
        }
    }
}

/// Names by node, as one naming pass found them, and the kinds it could not
/// name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    names: HashMap<NodeRef, String>,
    /// Users' account states, read by the same requests as their names.
    states: HashMap<NodeRef, AccountState>,
    unnamed: Vec<Unnamed>,
}

impl Names {
    /// The name of `node`, if found.
    pub fn get(&self, node: &NodeRef) -> Option<&str> {
        self.names.get(node).map(String::as_str)
    }

    /// The account state of a user, read with its name (the same request);
    /// `None` for other kinds or when the lookup failed.
    pub fn state(&self, user: &NodeRef) -> Option<&AccountState> {
        self.states.get(user)
    }

    /// How many nodes have a name.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no node has a name.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The kinds whose names could not be read, each with the reason, by
    /// kind; empty when every lookup answered.
    pub fn unnamed(&self) -> &[Unnamed] {
        &self.unnamed
    }

    /// Gives `node` its name, when known and it has none.
    pub fn name(&self, node: &mut NodeRef) {
        if node.name.is_none() {
            node.name = self.get(node).map(str::to_owned);
        }
    }

    fn hop(&self, hop: &mut Hop) {
        if let Some(from) = &mut hop.from {
            self.name(from);
        }
        self.name(&mut hop.to);
    }

    /// Names a reached node and every hop of its paths, and gives a user
    /// its account state when it was read.
    pub fn reached(&self, r: &mut Reached) {
        self.name(&mut r.node);
        if r.name.is_none() {
            r.name.clone_from(&r.node.name);
        }
        if r.state.is_none() {
            r.state = self.state(&r.node).cloned();
        }
        r.paths.iter_mut().flatten().for_each(|h| self.hop(h));
    }

    /// Names every node of a plan, and adds the kinds left unnamed to the
    /// plan's [`unnamed`](Plan::unnamed).
    pub fn plan(&self, plan: &mut Plan) {
        for c in &mut plan.changes {
            self.name(&mut c.source);
            self.name(&mut c.change.target);
        }
        merge_unnamed(&mut plan.unnamed, self.unnamed.iter().cloned());
    }
}

/// Every node of a reached node, its own and its paths'.
fn reached_nodes(r: &Reached) -> impl Iterator<Item = &NodeRef> {
    std::iter::once(&r.node).chain(
        r.paths
            .iter()
            .flatten()
            .flat_map(|h| h.from.iter().chain(std::iter::once(&h.to))),
    )
}

/// Turns a resource's path to a user around, to read from the user: the
/// hops in reverse order, each from its far end to its near end.
pub(crate) fn reverse_path(resource: &NodeRef, path: &[Hop]) -> Vec<Hop> {
    let mut ends: Vec<&NodeRef> = Vec::with_capacity(path.len() + 1);
    ends.push(resource);
    ends.extend(path.iter().map(|h| &h.to));
    path.iter()
        .enumerate()
        .rev()
        .map(|(i, h)| Hop {
            from: Some(ends[i + 1].clone()),
            to: h.from.clone().unwrap_or_else(|| ends[i].clone()),
            attributes: h.attributes.clone(),
        })
        .collect()
}

/// One object a lookup read: its id, its name and, for a user, its account
/// state.
struct Entry {
    id: String,
    name: Option<String>,
    state: Option<AccountState>,
}

impl Entry {
    fn named(id: Option<String>, name: Option<String>) -> Option<Entry> {
        Some(Entry {
            id: id?,
            name,
            state: None,
        })
    }
}

type Found = BoxFuture<'static, Result<Vec<Entry>>>;

/// What one lookup of a kind found: the entries it read, and the error that
/// stopped it, if one did (entries read before it are kept).
type Lookup<'a> = BoxFuture<'a, (Vec<Entry>, Option<Error>)>;

/// A lookup with its kind.
type KindLookup<'a> = BoxFuture<'a, (Kind, (Vec<Entry>, Option<Error>))>;

impl<'a> Graph<'a> {
    /// Names graph answers (default `true`): every node of `access_of`,
    /// `who_can_reach`, `groups_of`, plans and offboarding reports, and of
    /// the `member_of` and `membership` streams, gets its name with at most
    /// one request per kind per 100 distinct ids; the users of access
    /// answers get their account state from the same requests. `false`
    /// keeps the answers to ids, without those requests (and with nothing
    /// in their `unnamed()`: no name was asked for).
    pub fn names(mut self, yes: bool) -> Self {
        self.names = yes;
        self
    }

    /// The names of `nodes` (those not yet named), with at most one request
    /// per kind per 100 distinct ids (listing pages for kinds the API cannot
    /// filter by id), at most [`concurrency`](Graph::concurrency) at once.
    /// Nodes whose object is gone are left out.
    ///
    /// Never fails: names are a convenience, and an answer must not depend
    /// on them. A kind whose lookup fails (a 403 for a read-only key, a
    /// listing that does not decode, any request error) or that has no
    /// listing is left unnamed and given, with the reason, in
    /// [`Names::unnamed`].
    pub async fn names_of<'n>(&self, nodes: impl IntoIterator<Item = &'n NodeRef>) -> Names {
        self.lookup(nodes, false).await
    }

    /// [`names_of`](Graph::names_of), and the account state of every user
    /// among `nodes` (named or not), read by the same requests: the user
    /// search that names users also returns their `state`, `suspended`,
    /// `account_locked` and `activated`. Users whose lookup failed have no
    /// state (and their kind is in [`Names::unnamed`]).
    pub async fn names_and_states_of<'n>(
        &self,
        nodes: impl IntoIterator<Item = &'n NodeRef>,
    ) -> Names {
        self.lookup(nodes, true).await
    }

    /// Names `nodes` (and, with `states`, reads every user's account state,
    /// named or not), batched by kind.
    async fn lookup<'n>(
        &self,
        nodes: impl IntoIterator<Item = &'n NodeRef>,
        states: bool,
    ) -> Names {
        let mut by_kind: BTreeMap<Kind, BTreeSet<String>> = BTreeMap::new();
        let mut names = Names::default();
        for n in nodes {
            if let Some(name) = &n.name {
                names.names.insert(n.clone(), name.clone());
            }
            if n.name.is_none() || (states && n.kind == Kind::User) {
                by_kind
                    .entry(n.kind.clone())
                    .or_default()
                    .insert(n.id.clone());
            }
        }
        for (kind, ids) in &mut by_kind {
            if states && *kind == Kind::User {
                continue;
            }
            ids.retain(|id| {
                !names
                    .names
                    .contains_key(&NodeRef::new(kind.clone(), id.clone()))
            });
        }
        let mut unnamed: BTreeMap<Kind, Unnamed> = BTreeMap::new();
        // Each job a boxed future of its own (kind included), so that the
        // naming pass can run inside boxed `Send` streams.
        let mut jobs: Vec<KindLookup<'_>> = Vec::new();
        for (kind, ids) in by_kind {
            if ids.is_empty() {
                continue;
            }
            let ids: Vec<String> = ids.into_iter().collect();
            if let Some(batches) = self.by_ids(&kind, &ids) {
                for batch in batches {
                    let kind = kind.clone();
                    jobs.push(
                        async move {
                            match batch.await {
                                Ok(entries) => (kind, (entries, None)),
                                Err(e) => (kind, (Vec::new(), Some(e))),
                            }
                        }
                        .boxed(),
                    );
                }
            } else if let Some(nodes) = self.nodes(&kind) {
                let lookup = by_listing(nodes, ids);
                jobs.push(async move { (kind, lookup.await) }.boxed());
            } else {
                unnamed.insert(kind.clone(), Unnamed::no_listing(kind));
            }
        }
        let answers = futures::stream::iter(jobs)
            .buffered(self.concurrency)
            .collect::<Vec<_>>()
            .await;
        for (kind, (entries, failed)) in answers {
            if let Some(e) = failed {
                tracing::debug!(%kind, error = %e, "names left out");
                unnamed
                    .entry(kind.clone())
                    .or_insert_with(|| Unnamed::failed(kind.clone(), &e));
            }
            for entry in entries {
                let node = NodeRef::new(kind.clone(), entry.id);
                if let Some(state) = entry.state {
                    names.states.insert(node.clone(), state);
                }
                if let Some(name) = entry.name {
                    names.names.entry(node).or_insert(name);
                }
            }
        }
        names.unnamed = unnamed.into_values().collect();
        names
    }

    /// One filtered request per 100 ids, for the kinds the API filters by
    /// id; `None` for the others.
    fn by_ids(&self, kind: &Kind, ids: &[String]) -> Option<Vec<Found>> {
        let chunks = ids.chunks(NAMES_PER_REQUEST).map(<[String]>::to_vec);
        let jc = self.jc.clone();
        let budget = self.budget.clone();
        let one = move |ids: Vec<String>| -> Option<Found> {
            let jc = jc.clone();
            let budget = budget.clone();
            by_id_request(kind, jc, budget, ids)
        };
        chunks.map(one).collect()
    }

    /// `stream`'s items (read from `source`), named (unless naming is off)
    /// in batches of up to 100 items: one naming request per kind per
    /// batch, as [`names_of`](Graph::names_of) makes them, never one per
    /// item. `source` itself is not looked up: hops from it get its name
    /// if it came with one. A name that cannot be read leaves its node
    /// unnamed (streams have no place to say why; answers do).
    pub(crate) fn named_stream<'s>(
        &self,
        source: &NodeRef,
        stream: BoxStream<'s, Result<Reached>>,
    ) -> BoxStream<'s, Result<Reached>>
    where
        'a: 's,
    {
        if !self.names {
            return stream;
        }
        let graph = self.clone();
        let source = source.clone();
        stream
            .try_chunks(NAMES_PER_REQUEST)
            .map_err(|e| e.1)
            .and_then(move |mut batch| {
                let graph = graph.clone();
                let source = source.clone();
                async move {
                    let mut names = graph
                        .names_of(
                            batch
                                .iter()
                                .flat_map(reached_nodes)
                                .filter(|n| **n != source),
                        )
                        .await;
                    if let Some(name) = &source.name {
                        names.names.insert(source.clone(), name.clone());
                    }
                    batch.iter_mut().for_each(|r| names.reached(r));
                    Ok(futures::stream::iter(
                        batch.into_iter().map(Ok::<Reached, Error>),
                    ))
                }
            })
            .try_flatten()
            .boxed()
    }

    /// Names every node of an answer of reached nodes, unless naming is off;
    /// the kinds left unnamed, with the reasons.
    pub(crate) async fn name_reached(
        &self,
        subject: &mut NodeRef,
        reached: &mut [Reached],
    ) -> Vec<Unnamed> {
        if !self.names {
            return Vec::new();
        }
        let names = self
            .names_and_states_of(
                std::iter::once(&*subject).chain(reached.iter().flat_map(reached_nodes)),
            )
            .await;
        names.name(subject);
        reached.iter_mut().for_each(|r| names.reached(r));
        names.unnamed
    }

    /// Names every node of an access answer, unless naming is off, and
    /// records the kinds left unnamed in it.
    pub(crate) async fn name_access(&self, access: &mut Access) {
        if !self.names {
            return;
        }
        let names = self
            .names_and_states_of(
                std::iter::once(&access.subject)
                    .chain(access.by_kind.values().flatten().flat_map(reached_nodes)),
            )
            .await;
        names.name(&mut access.subject);
        access.subject_state = names.state(&access.subject).cloned();
        access
            .by_kind
            .values_mut()
            .flatten()
            .for_each(|r| names.reached(r));
        merge_unnamed(&mut access.unnamed, names.unnamed);
    }

    /// Names every node of a plan (and `extra`), unless naming is off, and
    /// records the kinds left unnamed in the plan.
    pub(crate) async fn name_plan(&self, plan: &mut Plan, extra: &mut NodeRef) {
        if !self.names {
            return;
        }
        let names = self
            .names_of(
                std::iter::once(&*extra).chain(
                    plan.changes
                        .iter()
                        .flat_map(|c| [&c.source, &c.change.target]),
                ),
            )
            .await;
        names.name(extra);
        names.plan(plan);
    }
}

/// Pages through a kind's listing until every id in `ids` is named. An
/// error ends the lookup, keeping the names read before it.
fn by_listing<'a>(
    mut nodes: BoxStream<'a, Result<super::SnapshotNode>>,
    ids: Vec<String>,
) -> Lookup<'a> {
    async move {
        let wanted: BTreeSet<String> = ids.into_iter().collect();
        let mut left = wanted.len();
        let mut out: Vec<Entry> = Vec::new();
        while left > 0 {
            let n = match nodes.try_next().await {
                Ok(Some(n)) => n,
                Ok(None) => break,
                Err(e) => return (out, Some(e)),
            };
            if wanted.contains(&n.node.id)
                && let Some(name) = n.name
            {
                out.push(Entry {
                    id: n.node.id,
                    name: Some(name),
                    state: None,
                });
                left -= 1;
            }
        }
        (out, None)
    }
    .boxed()
}

/// The names of `ids` of `kind`, with one request; `None` for a kind the API
/// cannot filter by id.
fn by_id_request(
    kind: &Kind,
    jc: crate::JumpCloud,
    budget: crate::Budget,
    ids: Vec<String>,
) -> Option<Found> {
    let pairs = |items: Vec<(Option<String>, Option<String>)>| {
        items
            .into_iter()
            .filter_map(|(id, name)| Entry::named(id, name))
            .collect::<Vec<_>>()
    };
    let most = ids.len();
    Some(match kind {
        #[cfg(feature = "directory")]
        Kind::User | Kind::System | Kind::Command => {
            use crate::filter::search::{Expr, SearchBody};
            let fields: &[&str] = match kind {
                // A user's state comes with its name, in the same request.
                Kind::User => &[
                    "username",
                    "state",
                    "suspended",
                    "account_locked",
                    "activated",
                ],
                Kind::System => &["hostname", "displayName"],
                _ => &["name"],
            };
            let body = SearchBody::new()
                .filter(Expr::or(
                    ids.iter().map(|id| Expr::field("_id").eq(id.as_str())),
                ))
                .fields(fields.iter().copied());
            match kind {
                Kind::User => async move {
                    let items: Vec<_> = jc
                        .v1()
                        .user_search()
                        .body(body)
                        .within(&budget)
                        .stream()
                        .take(most)
                        .try_collect()
                        .await?;
                    Ok(items
                        .into_iter()
                        .filter_map(|u| {
                            let mut state = AccountState::default();
                            state.state = u.state.map(|s| s.to_string());
                            state.suspended = u.suspended;
                            state.account_locked = u.account_locked;
                            state.activated = u.activated;
                            Some(Entry {
                                id: u.id?,
                                name: u.username,
                                state: Some(state),
                            })
                        })
                        .collect())
                }
                .boxed(),
                Kind::System => async move {
                    let items: Vec<_> = jc
                        .v1()
                        .system_search()
                        .body(body)
                        .within(&budget)
                        .stream()
                        .take(most)
                        .try_collect()
                        .await?;
                    Ok(pairs(
                        items
                            .into_iter()
                            .map(|s| (s.id, s.display_name.or(s.hostname)))
                            .collect(),
                    ))
                }
                .boxed(),
                _ => async move {
                    let items: Vec<_> = jc
                        .v1()
                        .commands_search()
                        .body(body)
                        .within(&budget)
                        .stream()
                        .take(most)
                        .try_collect()
                        .await?;
                    Ok(pairs(items.into_iter().map(|c| (c.id, c.name)).collect()))
                }
                .boxed(),
            }
        }
        Kind::UserGroup | Kind::SystemGroup | Kind::Policy | Kind::PolicyGroup => {
            let filter =
                crate::filter::v2::Filter::field("id").is_in(ids.iter().map(String::as_str));
            let kind = kind.clone();
            async move {
                let filter = filter.map_err(|e| crate::Error::invalid_request(e.to_string()))?;
                let v2 = jc.v2();
                let items: Vec<(Option<String>, Option<String>)> = match kind {
                    Kind::UserGroup => {
                        named_items(v2.user_group_list().filter(filter), &budget, most).await?
                    }
                    Kind::SystemGroup => {
                        named_items(v2.system_group_list().filter(filter), &budget, most).await?
                    }
                    Kind::Policy => {
                        named_items(v2.policy_list().filter(filter), &budget, most).await?
                    }
                    _ => named_items(v2.policy_group_list().filter(filter), &budget, most).await?,
                };
                Ok(pairs(items))
            }
            .boxed()
        }
        _ => return None,
    })
}

/// A v2 listing's items as (id, name).
async fn named_items<R>(
    request: R,
    budget: &crate::Budget,
    most: usize,
) -> Result<Vec<(Option<String>, Option<String>)>>
where
    R: jumpcloud_api::PagedRequest + Send,
    R::Item: ObjectId + HasName + Send,
{
    let items: Vec<R::Item> = request
        .within(budget)
        .stream()
        .take(most)
        .try_collect()
        .await?;
    Ok(items
        .into_iter()
        .map(|i| {
            (
                i.object_id().map(str::to_owned),
                i.name().map(str::to_owned),
            )
        })
        .collect())
}

/// A v2 object's `name`.
trait HasName {
    fn name(&self) -> Option<&str>;
}

macro_rules! has_name {
    ($($ty:ty),*) => {
        $(impl HasName for $ty {
            fn name(&self) -> Option<&str> {
                self.name.as_deref()
            }
        })*
    };
}

has_name!(
    jumpcloud_api::v2::types::UserGroup,
    jumpcloud_api::v2::types::SystemGroup,
    jumpcloud_api::v2::types::Policy,
    jumpcloud_api::v2::types::PolicyGroup
);
