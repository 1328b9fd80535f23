//! Facts about every operation, derived from the OpenAPI documents by
//! `cargo xtask regen`: each API module's `OPERATIONS` table holds one
//! [`Operation`] per operation.

/// Which JumpCloud API an operation belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Api {
    /// JumpCloud API v2 (`/api/v2`).
    V2,
    /// JumpCloud API v1 (`/api`).
    V1,
    /// Directory Insights (`/insights/directory/v1`).
    Insights,
}

crate::named_values! {
    /// A short, stable name: `v2`, `v1` or `insights`.
    Api { V2 => "v2", V1 => "v1", Insights => "insights" }
}

/// What an operation does to the server, which decides whether sending it
/// twice is safe. It is derived from what the operation does, not from its
/// HTTP verb alone: JumpCloud sends many reads as `POST` (v1 searches,
/// Directory Insights queries), and its graph link changes are idempotent
/// in effect although they are `POST`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Only reads: a `GET`, or a `POST` whose body is a query.
    Read,
    /// Changes state, but doing it twice leaves the same state as once
    /// (`PUT`, `DELETE`, a graph link added or removed).
    Idempotent,
    /// Changes state, and doing it twice may act twice (creating an
    /// object, running a command).
    Change,
}

crate::named_values! {
    /// A short, stable name: `read`, `idempotent` or `change`.
    Effect { Read => "read", Idempotent => "idempotent", Change => "change" }
}

impl Effect {
    /// Whether a request that may have been carried out can be sent again
    /// without acting twice.
    pub const fn may_repeat(self) -> bool {
        !matches!(self, Effect::Change)
    }
}

// `Area`, with its feature names and `is_compiled`, is generated from the
// xtask's area rules (`xtask/src/regen/areas.rs`) by `cargo xtask regen`.
#[path = "generated/areas.rs"]
mod areas;
pub use areas::Area;

/// Which published spec an operation was generated from. JumpCloud
/// publishes each API in two lines that each miss operations of the other;
/// the project's documents are their union, each operation taken whole
/// from the first that defines it, so a reader knows whose definition the
/// generated code follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Source {
    /// The Swagger spec JumpCloud's PowerShell SDK keeps
    /// (TheJumpCloud/jcapi-powershell): the newest, preferred.
    PowerShellSdk,
    /// The OpenAPI spec of JumpCloud's documentation site, for operations
    /// the PowerShell SDK's spec lacks.
    DocsSite,
    /// The project's seed overlays (`openapi/overlays/`), for operations
    /// neither spec has, read off JumpCloud's reference pages.
    Seed,
    /// None of these: an operation described by hand (for
    /// `JumpCloud::send_request`) or by a document without sources.
    Unlisted,
}

crate::named_values! {
    /// A short, stable name: `powershell-sdk`, `docs-site`, `seed` or
    /// `unlisted`.
    Source {
        PowerShellSdk => "powershell-sdk",
        DocsSite => "docs-site",
        Seed => "seed",
        Unlisted => "unlisted",
    }
}

/// Facts about one operation, derived from the OpenAPI documents at
/// generation time (see each module's `OPERATIONS` table).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Operation {
    /// The API the operation belongs to.
    pub api: Api,
    /// The `operationId` in the project's OpenAPI document, e.g. `UserGroup_Get`.
    pub id: &'static str,
    /// The generated client's Rust method for it, e.g. `user_group_get`.
    pub rust_method: &'static str,
    /// The HTTP method in upper case, e.g. `GET`.
    pub http_method: &'static str,
    /// The path template relative to the API's base URL, e.g. `/usergroups/{id}`.
    /// It never contains a parameter value, so it is safe to log.
    pub path: &'static str,
    /// `false` on routes that refuse the `x-org-id` header (the server answers
    /// 403 when it is sent there).
    pub org_header: bool,
    /// What the operation does, and so whether it may be resent.
    pub effect: Effect,
    /// The area (cargo feature) the operation is compiled with.
    pub area: Area,
    /// The published spec (or seed overlay) the operation was generated
    /// from.
    pub source: Source,
    /// How the operation pages, for listings (`None` for everything else).
    pub paging: Option<crate::paging::Paging>,
    /// The dialect of the operation's `filter` parameter, where it takes
    /// typed filters (see [`crate::filter`]).
    pub filter: Option<crate::filter::FilterDialect>,
}

impl Operation {
    /// Whether this build compiled the operation in: its [`Area`]'s feature
    /// is on.
    pub const fn is_compiled(&self) -> bool {
        self.area.is_compiled()
    }

    /// Whether the operation may be sent again after an attempt that may
    /// have reached the server: see [`Effect::may_repeat`].
    pub fn is_idempotent(&self) -> bool {
        self.effect.may_repeat()
    }
}
