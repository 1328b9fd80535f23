//! Find objects by name: a username or email, a hostname, a group, policy,
//! application or command name, with one filtered request.
//!
//! Admins think in names, the API speaks ids. [`JumpCloud::find`] turns one
//! name into the typed object and its graph [`NodeRef`];
//! [`JumpCloud::find_many`] turns many names of one kind into objects with
//! one request per 100 names. Both ask the server for the matching objects
//! only (a v1 search body with `or`, a v2 `filter=name:in:…`), never for
//! the whole collection, and check each answer for an exact match: a user's
//! username and email compare without regard to case (JumpCloud treats them
//! so), everything else exactly. Failures are this crate's one [`Error`]:
//! no match is [`ErrorKind::NotFound`] ([`Error::is_not_found`]); two or
//! more are [`ErrorKind::Ambiguous`] ([`Error::is_ambiguous`]), whose
//! [`ErrorDetail::Ambiguous`] lists them (JumpCloud lets two groups share a
//! name); an empty name is refused before any request as
//! [`ErrorKind::InvalidRequest`].
//!
//! ```no_run
//! use jumpcloud_ext::prelude::*;
//!
//! # async fn demo(jc: JumpCloud) -> jumpcloud_ext::Result<()> {
//! let ada = jc.find::<User>("ada.almeida0").await?;
//! let eng = jc.find::<UserGroup>("Engineering").await?;
//! println!("{} is {}", ada.node, ada.node.id);
//! jc.graph().add_member(&eng.node, &ada.node, None).await?;
//! let servers = jc.find_many::<System>(["lnx-001", "lnx-002"]).await?;
//! # let _ = servers;
//! # Ok(())
//! # }
//! ```

use std::fmt;

use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};

use crate::error::{Error, ErrorDetail, ErrorKind, Result};
use crate::graph::{Kind, NodeRef};
use crate::types::ObjectId;
use crate::{JumpCloud, Listing};

/// Names one request asks for at most (the largest page of every listing
/// used, so one page answers a batch unless names match several objects).
pub const NAMES_PER_REQUEST: usize = 100;

/// How many candidates an [`ErrorDetail::Ambiguous`] lists.
pub const MAX_CANDIDATES: usize = 10;

/// Objects a single lookup reads at most before deciding (a name matching
/// more than this is ambiguous anyway).
const MAX_MATCHES: usize = 200;

/// An object found by name: the typed object and its graph node (kind, id
/// and name).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Found<T> {
    /// The object as the API returned it.
    pub object: T,
    /// Its node in the graph, named.
    pub node: NodeRef,
}

/// One of the objects an ambiguous name matched.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Candidate {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.id)
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A kind of object that can be found by name: [`User`](crate::types::User)
/// (username or email), [`System`](crate::types::System) (hostname or
/// display name), [`Application`](crate::types::Application) (display
/// label), [`Command`](crate::types::Command), and the v2
/// [`UserGroup`](crate::types::UserGroup),
/// [`SystemGroup`](crate::types::SystemGroup),
/// [`Policy`](crate::types::Policy) and
/// [`PolicyGroup`](crate::types::PolicyGroup) (name).
pub trait Findable: sealed::Sealed + ObjectId + Clone + Send + 'static {
    /// The graph kind of these objects.
    const KIND: Kind;

    /// The fields a name is compared with, for messages.
    const FIELD: &'static str;

    /// The fields `name` is compared with (a user: `email` when the name
    /// has an `@`, else `username`).
    #[doc(hidden)]
    fn fields_for(name: &str) -> &'static [&'static str] {
        let _ = name;
        &["name"]
    }

    /// The value of one of [`fields_for`](Findable::fields_for).
    #[doc(hidden)]
    fn field(&self, field: &str) -> Option<&str>;

    /// What to call the object in answers.
    #[doc(hidden)]
    fn display_name(&self) -> Option<&str>;

    /// Whether `name` can share a request with other names (a v2 `in`
    /// cannot carry a `|`; v1 `/applications` cannot say `or`).
    #[doc(hidden)]
    fn batchable(name: &str) -> bool {
        !name.contains('|')
    }

    /// One filtered request (more pages only when the names match more than
    /// a page) for the objects that may have these names.
    #[doc(hidden)]
    fn fetch<'a>(
        jc: &'a JumpCloud,
        names: &[String],
        most: usize,
    ) -> BoxFuture<'a, Result<Vec<Self>>>;
}

/// Whether JumpCloud compares this field without regard to case.
fn case_insensitive(field: &str) -> bool {
    matches!(field, "username" | "email")
}

fn has_name<T: Findable>(object: &T, name: &str) -> bool {
    T::fields_for(name).iter().any(|f| match object.field(f) {
        Some(v) if case_insensitive(f) => v.to_lowercase() == name.to_lowercase(),
        Some(v) => v == name,
        None => false,
    })
}

fn found<T: Findable>(object: T) -> Result<Found<T>> {
    let id = object
        .object_id()
        .ok_or_else(|| Error::protocol(format!("a {} in the answer has no id", T::KIND)))?
        .to_owned();
    let mut node = NodeRef::new(T::KIND, id);
    node.name = object.display_name().map(str::to_owned);
    Ok(Found { object, node })
}

/// The refusal of an empty name, before any request.
fn empty_name(kind: Kind) -> Error {
    Error::invalid_request(format!("a {kind} cannot be looked up by an empty name"))
}

/// Picks the one object named `name` among `candidates`.
fn pick<T: Findable>(name: &str, candidates: &mut Vec<T>) -> Result<Found<T>> {
    let hits: Vec<usize> = candidates
        .iter()
        .enumerate()
        .filter(|(_, o)| has_name(*o, name))
        .map(|(i, _)| i)
        .collect();
    match hits.as_slice() {
        [] => Err(Error::lookup(
            ErrorKind::NotFound,
            ErrorDetail::NotFound {
                kind: T::KIND,
                field: T::FIELD,
                value: name.to_owned(),
            },
        )),
        [one] => found(candidates.swap_remove(*one)),
        many => Err(Error::lookup(
            ErrorKind::Ambiguous,
            ErrorDetail::Ambiguous {
                kind: T::KIND,
                field: T::FIELD,
                value: name.to_owned(),
                candidates: many
                    .iter()
                    .take(MAX_CANDIDATES)
                    .map(|&i| {
                        let o = &candidates[i];
                        Candidate {
                            id: o.object_id().unwrap_or_default().to_owned(),
                            name: o.display_name().unwrap_or(name).to_owned(),
                        }
                    })
                    .collect(),
                count: many.len(),
            },
        )),
    }
}

impl JumpCloud {
    /// The one object of kind `T` named `name`, with one filtered request.
    ///
    /// A user is found by username, or by email when `name` has an `@`
    /// (either without regard to case); a system by hostname or display
    /// name; an application by display label; the others by name. Errors:
    /// [`ErrorKind::NotFound`] and [`ErrorKind::Ambiguous`] (with the
    /// candidates' ids), each with its [`ErrorDetail`];
    /// [`ErrorKind::InvalidRequest`] for an empty name, before any request;
    /// or the request's own error.
    pub async fn find<T: Findable>(&self, name: &str) -> Result<Found<T>> {
        if name.is_empty() {
            return Err(empty_name(T::KIND));
        }
        let mut candidates = T::fetch(self, &[name.to_owned()], MAX_MATCHES).await?;
        pick(name, &mut candidates)
    }

    /// The objects of kind `T` with these names, in the order given, with
    /// one filtered request per [`NAMES_PER_REQUEST`] names (applications,
    /// which v1 cannot search with `or`, and v2 names containing `|` take one
    /// request each). The first name missing or ambiguous is the error.
    pub async fn find_many<T: Findable>(
        &self,
        names: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Vec<Found<T>>> {
        self.find_each::<T>(names)
            .await?
            .into_iter()
            .map(|(_, outcome)| outcome)
            .collect()
    }

    /// Like [`find_many`](Self::find_many), with the same requests, but each
    /// name gets its own outcome, so one missing or ambiguous name does not
    /// hide the others (a sync that reports and skips unknown rows). An empty
    /// name, or a failed request, is still the error of the whole call.
    pub async fn find_each<T: Findable>(
        &self,
        names: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<Vec<(String, Result<Found<T>>)>> {
        let names: Vec<String> = names.into_iter().map(|s| s.as_ref().to_owned()).collect();
        if names.iter().any(String::is_empty) {
            return Err(empty_name(T::KIND));
        }
        let mut distinct: Vec<String> = names.clone();
        distinct.sort();
        distinct.dedup();
        let (together, alone): (Vec<String>, Vec<String>) =
            distinct.into_iter().partition(|n| T::batchable(n));
        let mut batches: Vec<Vec<String>> = together
            .chunks(NAMES_PER_REQUEST)
            .map(<[String]>::to_vec)
            .collect();
        batches.extend(alone.into_iter().map(|n| vec![n]));
        let mut candidates = Vec::new();
        for batch in batches {
            let most = MAX_MATCHES.max(batch.len() * 2);
            candidates.extend(T::fetch(self, &batch, most).await?);
        }
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let mut hits: Vec<T> = candidates
                .iter()
                .filter(|o| has_name(*o, &name))
                .cloned()
                .collect();
            let outcome = pick(&name, &mut hits);
            out.push((name, outcome));
        }
        Ok(out)
    }
}

/// Reads a search answer's item, kept as JSON text, as the kind's main type
/// (the search schema is the main one plus a few listing-only fields).
///
/// From its bytes: that reuses the decoder the kind's own listing already
/// compiles, where decoding the search type and converting (through a
/// `serde_json::Value`) compiled a second one for every type the object
/// nests.
#[cfg(feature = "directory")]
fn read_as<T: serde::de::DeserializeOwned>(item: &serde_json::value::RawValue) -> Result<T> {
    serde_json::from_slice(item.get().as_bytes())
        .map_err(|e| Error::protocol(format!("a search answer did not read as its object: {e}")))
}

/// A v1 search body asking for objects whose `fields` equal one of `names`
/// (each name also lowercased where the field compares without case).
#[cfg(feature = "directory")]
fn search_body<T: Findable>(names: &[String]) -> crate::filter::search::SearchBody {
    use crate::filter::search::{Expr, SearchBody};
    let mut leaves = Vec::new();
    for name in names {
        for field in T::fields_for(name) {
            leaves.push(Expr::field(*field).eq(name.as_str()));
            let lower = name.to_lowercase();
            if case_insensitive(field) && lower != *name {
                leaves.push(Expr::field(*field).eq(lower));
            }
        }
    }
    SearchBody::new().filter(Expr::or(leaves))
}

#[cfg(feature = "directory")]
mod v1_kinds {
    use super::*;
    use crate::types::{Application, Command, System, User};

    impl sealed::Sealed for User {}
    impl Findable for User {
        const KIND: Kind = Kind::User;
        const FIELD: &'static str = "username or email";
        fn fields_for(name: &str) -> &'static [&'static str] {
            if name.contains('@') {
                &["email"]
            } else {
                &["username"]
            }
        }
        fn field(&self, field: &str) -> Option<&str> {
            match field {
                "username" => self.username.as_deref(),
                "email" => self.email.as_deref(),
                _ => None,
            }
        }
        fn display_name(&self) -> Option<&str> {
            self.username.as_deref()
        }
        fn batchable(_: &str) -> bool {
            true
        }
        fn fetch<'a>(
            jc: &'a JumpCloud,
            names: &[String],
            most: usize,
        ) -> BoxFuture<'a, Result<Vec<Self>>> {
            let body = search_body::<Self>(names);
            async move {
                let items: Vec<_> = crate::listing::Raw(jc.v1().user_search().body(body))
                    .stream()
                    .take(most)
                    .try_collect()
                    .await?;
                items.iter().map(|item| read_as(item)).collect()
            }
            .boxed()
        }
    }

    impl sealed::Sealed for System {}
    impl Findable for System {
        const KIND: Kind = Kind::System;
        const FIELD: &'static str = "hostname or displayName";
        fn fields_for(_: &str) -> &'static [&'static str] {
            &["hostname", "displayName"]
        }
        fn field(&self, field: &str) -> Option<&str> {
            match field {
                "hostname" => self.hostname.as_deref(),
                "displayName" => self.display_name.as_deref(),
                _ => None,
            }
        }
        fn display_name(&self) -> Option<&str> {
            self.display_name.as_deref().or(self.hostname.as_deref())
        }
        fn batchable(_: &str) -> bool {
            true
        }
        fn fetch<'a>(
            jc: &'a JumpCloud,
            names: &[String],
            most: usize,
        ) -> BoxFuture<'a, Result<Vec<Self>>> {
            let body = search_body::<Self>(names);
            async move {
                let items: Vec<_> = crate::listing::Raw(jc.v1().system_search().body(body))
                    .stream()
                    .take(most)
                    .try_collect()
                    .await?;
                items.iter().map(|item| read_as(item)).collect()
            }
            .boxed()
        }
    }

    impl sealed::Sealed for Command {}
    impl Findable for Command {
        const KIND: Kind = Kind::Command;
        const FIELD: &'static str = "name";
        fn field(&self, field: &str) -> Option<&str> {
            (field == "name").then_some(self.name.as_deref()).flatten()
        }
        fn display_name(&self) -> Option<&str> {
            self.name.as_deref()
        }
        fn batchable(_: &str) -> bool {
            true
        }
        fn fetch<'a>(
            jc: &'a JumpCloud,
            names: &[String],
            most: usize,
        ) -> BoxFuture<'a, Result<Vec<Self>>> {
            let body = search_body::<Self>(names);
            jc.v1()
                .commands_search()
                .body(body)
                .stream()
                .take(most)
                .try_collect()
                .boxed()
        }
    }

    impl sealed::Sealed for Application {}
    impl Findable for Application {
        const KIND: Kind = Kind::Application;
        const FIELD: &'static str = "displayLabel";
        fn fields_for(_: &str) -> &'static [&'static str] {
            &["displayLabel"]
        }
        fn field(&self, field: &str) -> Option<&str> {
            (field == "displayLabel")
                .then_some(self.display_label.as_deref())
                .flatten()
        }
        fn display_name(&self) -> Option<&str> {
            self.display_label.as_deref().or(Some(self.name.as_str()))
        }
        /// v1 `/applications` has no search body, and its query filters are
        /// ANDed: one name per request.
        fn batchable(_: &str) -> bool {
            false
        }
        fn fetch<'a>(
            jc: &'a JumpCloud,
            names: &[String],
            most: usize,
        ) -> BoxFuture<'a, Result<Vec<Self>>> {
            use crate::filter::v1::Filter;
            let filters: std::result::Result<Vec<Filter>, _> = names
                .iter()
                .map(|n| Filter::field("displayLabel").eq(n.as_str()))
                .collect::<std::result::Result<_, _>>();
            async move {
                let filters: Vec<Filter> = filters?;
                jc.v1()
                    .application_list()
                    .filter(filters)
                    .stream()
                    .take(most)
                    .try_collect()
                    .await
            }
            .boxed()
        }
    }
}

/// v2 kinds found by `name`: `filter=name:eq:…` for one, `name:in:a|b|…`
/// for many.
macro_rules! v2_named {
    ($($ty:ident => $kind:ident, $list:ident;)*) => {
        $(
            impl sealed::Sealed for crate::types::$ty {}
            impl Findable for crate::types::$ty {
                const KIND: Kind = Kind::$kind;
                const FIELD: &'static str = "name";
                fn field(&self, field: &str) -> Option<&str> {
                    (field == "name").then_some(self.name.as_deref()).flatten()
                }
                fn display_name(&self) -> Option<&str> {
                    self.name.as_deref()
                }
                fn fetch<'a>(
                    jc: &'a JumpCloud,
                    names: &[String],
                    most: usize,
                ) -> BoxFuture<'a, Result<Vec<Self>>> {
                    let filter = v2_name_filter(names);
                    async move {
                        jc.v2()
                            .$list()
                            .filter(filter?)
                            .stream()
                            .take(most)
                            .try_collect()
                            .await
                    }
                    .boxed()
                }
            }
        )*
    };
}

fn v2_name_filter(names: &[String]) -> Result<crate::filter::v2::Filter> {
    use crate::filter::v2::Filter;
    let filter = match names {
        [one] => Filter::field("name").eq(one.as_str()),
        many => Filter::field("name").is_in(many.iter().map(String::as_str)),
    };
    Ok(filter?)
}

v2_named! {
    UserGroup => UserGroup, user_group_list;
    SystemGroup => SystemGroup, system_group_list;
    Policy => Policy, policy_list;
    PolicyGroup => PolicyGroup, policy_group_list;
}
