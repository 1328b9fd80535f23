//! Organisation as code: back an organisation up to a directory that diffs
//! well in git, compare two states, and plan and apply a declared one.
//!
//! The loop, file to organisation and back:
//! - [`Org::backup`]: every object of the kinds chosen and every edge between
//!   them, one file per object, secrets and volatile fields left out;
//! - [`OrgState`]: a backup (or the live organisation) in memory, the one
//!   shape [`diff`] and the declared state read;
//! - [`diff`]: what was added, removed and changed, by names first;
//! - [`declared`]: a file of names, as a person writes it, planned against
//!   the live organisation and applied in dependency order.
//!
//! Module map (one job each): `model` (the shapes), `layout` (where each
//! shape lives on disk), `scrub` (what a backup leaves out), `backup`
//! (reading the live organisation), `diff`, `declared` (the file format and
//! its checks), `plan` (declared vs live), `apply` (the writes, in order).

mod backup;
mod layout;
mod model;
mod scrub;

pub use backup::{Backup, Progress};
pub use model::{FORMAT_VERSION, Fallback, KindCount, Manifest, OrgLink, OrgObject, OrgState};
pub use scrub::{LEFT_OUT, LeftOut, SECRET_WORDS, left_out};

use crate::JumpCloud;
use crate::graph::Graph;

/// One client's organisation as code (from [`JumpCloud::org`]): reads go
/// through its [`Graph`], so they share its concurrency and budget.
#[derive(Clone, Debug)]
#[must_use = "an Org does nothing until asked"]
pub struct Org<'a> {
    graph: Graph<'a>,
}

impl<'a> Org<'a> {
    pub(crate) fn new(jc: &'a JumpCloud) -> Self {
        Org { graph: jc.graph() }
    }

    /// At most `n` requests in flight (default
    /// [`DEFAULT_CONCURRENCY`](crate::graph::DEFAULT_CONCURRENCY)).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.graph = self.graph.concurrency(n);
        self
    }

    /// The graph its reads and writes go through.
    pub fn graph(&self) -> &Graph<'a> {
        &self.graph
    }
}
