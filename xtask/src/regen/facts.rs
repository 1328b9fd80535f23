//! The facts the passes share, as plain types: what the regen knows about
//! each operation, from the document (its row of the `OPERATIONS` table,
//! how it pages, its filter dialect, its delimited query parameters) and
//! from progenitor's output (its request builder).
//!
//! They live here, apart from the code that derives them, so that a pass
//! reads another pass's facts without depending on that pass: every other
//! module of the regen may use this one, and this one uses none of them.
//! The facts are derived by [`super::operations`], [`super::paging`],
//! [`super::filters`], [`super::query`] and [`super::builders`].

use std::collections::BTreeMap;

use quote::format_ident;
use syn::Type;

/// One operation of the document: its row of the `OPERATIONS` table.
pub struct Row {
    pub id: String,
    /// The client's Rust method, which is also the operation id progenitor
    /// writes into each `send`.
    pub rust_method: String,
    /// The HTTP method, upper case.
    pub http_method: String,
    pub path: String,
    pub org_header: bool,
    /// What the operation does (see `operations::effect`).
    pub effect: Effect,
    /// The API area (cargo feature) it belongs to (see `areas`).
    pub area: super::areas::Area,
    /// The published spec (or seed overlay) it came from: the `Source`
    /// variant, from the import's `x-jumpcloud-source`.
    pub source: &'static str,
}

/// What an operation does to the server (`jumpcloud_api::Effect`), which
/// decides whether a request that may have reached it is sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Read,
    Idempotent,
    Change,
}

impl Effect {
    /// The `jumpcloud_api::Effect` variant.
    pub fn variant(self) -> proc_macro2::Ident {
        format_ident!("{}", format!("{self:?}"))
    }
}

/// How one listing pages (derived by `paging`).
#[derive(Clone, Debug, PartialEq)]
pub struct Fact {
    pub kind: Kind,
    pub total: Total,
    pub items: ItemsFrom,
    /// The page-size maximum: the size parameter's `maximum`, else the API's.
    pub max: u32,
    /// The sort added when the caller gives none (offset kinds only).
    pub stable_sort: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `limit` and `skip` query parameters (Rust names, and whether the
    /// document types them as strings).
    Offset {
        limit: Param,
        skip: Param,
        /// Rust name of a `sort` parameter that takes a list of strings.
        sort: Option<String>,
    },
    /// `limit`/`skip` properties of the request body (Rust names); with
    /// `query`, the operation takes them as query parameters too, and a page
    /// sends both (v1 searches: the lineages disagree on where they go).
    BodyOffset {
        limit: String,
        skip: String,
        query: Option<(Param, Param)>,
    },
    /// A page token in the query; the next one in a body property.
    Token {
        size: Param,
        token: String,
        next: String,
    },
    /// A `search_after` cursor in the body, the next one in a header.
    Cursor { limit: String, cursor: String },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub rust: String,
    pub string: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Total {
    Header,
    /// A count property of the body (Rust name).
    Body(String),
    None,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemsFrom {
    /// The body is the array.
    Array,
    /// The body is an object; the array is this property (Rust name).
    Property(String),
    /// The body is untyped JSON; items are found at run time.
    Json,
}

impl Fact {
    /// The fact as a `jumpcloud_api::paging::Paging` value, written both into
    /// the `OPERATIONS` table and into the builder's `PagedRequest::PAGING`.
    pub fn tokens(&self) -> proc_macro2::TokenStream {
        let kind = quote::format_ident!("{}", self.kind.name());
        let total = match &self.total {
            Total::Header => quote::quote!(Header),
            Total::Body(_) => quote::quote!(Body),
            Total::None => quote::quote!(None),
        };
        let max = self.max;
        let sort = match &self.stable_sort {
            Some(s) => quote::quote!(Some(#s)),
            None => quote::quote!(None),
        };
        quote::quote! {
            crate::paging::Paging {
                kind: crate::paging::PageKind::#kind,
                total: crate::paging::TotalSource::#total,
                max_page_size: #max,
                stable_sort: #sort,
            }
        }
    }
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Offset { .. } => "Offset",
            Kind::BodyOffset { .. } => "BodyOffset",
            Kind::Token { .. } => "Token",
            Kind::Cursor { .. } => "Cursor",
        }
    }
}

/// A filter dialect, named as `jumpcloud_api::filter` names its markers
/// (derived by `filters`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    V2,
    SystemInsights,
    V1Query,
}

impl Dialect {
    /// The marker type of `jumpcloud_api::filter`.
    pub fn marker(self) -> &'static str {
        match self {
            Dialect::V2 => "V2",
            Dialect::SystemInsights => "SystemInsights",
            Dialect::V1Query => "V1Query",
        }
    }
}

/// The query parameters that go as one delimited value (derived by
/// `query`): method name (progenitor's snake-case operation id) → (query
/// parameter name → separator).
pub type Delimited = BTreeMap<String, BTreeMap<String, &'static str>>;

/// One builder found in the generated code (by `builders`).
pub struct Builder {
    pub ident: syn::Ident,
    /// The operation's method name (progenitor's operation id).
    pub name: String,
    /// `T` of `ResponseValue<T>`.
    pub response: Type,
    /// Field name → field type (as written in the struct).
    pub fields: BTreeMap<String, Type>,
}
