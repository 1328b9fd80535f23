//! `cargo xtask regen`: `openapi/jumpcloud-<api>.json` → `jumpcloud-api/src/generated/<api>.rs`
//! (the client) and `jumpcloud-api/types/src/generated/<api>.rs` (its types), and the
//! operation index `docs/operations.md`.
//!
//! [`render_indexed`] does one API:
//! 1. [`preflight`] refuses documents that would fail late (colliding Rust
//!    names, parameters that cannot go on the wire, schemas nothing decodes);
//! 2. [`prepare`] adapts a copy of the document to what progenitor can
//!    express, and [`Facts`] are derived from the document as committed
//!    (operation rows, paging, filter dialects, delimited queries);
//! 3. progenitor (as a library, [`generate`]) writes the client;
//! 4. the [`PASSES`] run over its output in the order listed there, all
//!    reading the same [`Facts`]: bodies [`prepare`] dropped are restored,
//!    method names checked against the table, string enums opened
//!    ([`open_enums`]), `null` read as empty ([`lenient`]), list parameters
//!    delimited ([`query`]), the request/paging traits implemented
//!    ([`request`]), filters typed ([`filters`]), calls by name made possible
//!    ([`dynamic`]), the `OPERATIONS` ([`operations`]) and graph ([`graph`])
//!    tables appended, the index entries read off the code ([`index`]), doc
//!    comments made line by line and given each operation's facts ([`docs`]);
//!    struct builders are kept only for sent types ([`type_builders`]), every
//!    setter made one call ([`lean_setters`]), each
//!    operation and type put behind its API area's feature ([`areas`]), each
//!    struct given a lean map decoder and a lean encoder in place of serde's
//!    derives ([`decoders`], [`encoders`]), and
//!    non-generic functions marked `#[inline]` so only the operations an
//!    application calls become machine code ([`inline`]);
//! 5. the `types` module is split off into `jumpcloud-api-types`, and both
//!    files are printed and formatted with rustfmt, so they are stable and
//!    reviewable.
//!
//! Beside the API modules, [`areas::output`] writes `jumpcloud_api::Area`
//! from the xtask's list of areas, so the two never disagree.
//!
//! The fact types the passes share (rows, paging, filter dialects, delimited
//! queries, builders) are in [`facts`], and progenitor's builders are found
//! by [`builders`]; the passes depend on those two (and [`generate`] for
//! rustfmt), never on each other. [`answers`], which reads progenitor's
//! decoding `match` as a list of statuses, is a helper of [`request`]'s
//! split, not a pass.
//!
//! The document model (operations, `$ref`s, method names) is [`crate::spec`];
//! regen depends on nothing else of the xtask but `api` and `output`.

mod answers;
mod areas;
mod builders;
mod decoders;
mod docs;
mod dynamic;
mod encoders;
mod facts;
mod filter_fields;
mod filters;
mod generate;
mod graph;
pub mod index;
mod inline;
mod lean_setters;
mod lenient;
mod open_enums;
mod operations;
mod paging;
mod path_params;
pub mod preflight;
mod prepare;
mod query;
mod request;
mod str_setters;
mod type_builders;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::api::{self, Api};
use crate::output;

/// Regenerates the selected APIs under `root`: every module is rendered
/// before anything is written, and either all changed modules are written or
/// none (see [`output::apply`]).
pub fn run(root: &Path, api: Option<Api>, check: bool) -> Result<output::Outcome> {
    // `jumpcloud_api::Area`, from the area rules, whatever `--api` says.
    let mut outputs = vec![areas::output(root)?];
    let index_path = index::path(root);
    let mut sections =
        index::sections_of(&std::fs::read_to_string(&index_path).unwrap_or_default());
    // `--api` regenerates that API's section of the index and keeps the others as they are.
    for api in api::selected(api) {
        let doc_path = api.document(root);
        let text = std::fs::read_to_string(&doc_path)
            .with_context(|| format!("reading {}", doc_path.display()))?;
        let doc: Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not JSON", doc_path.display()))?;
        let (module, entries) =
            render_indexed(api, &doc).with_context(|| format!("generating {}", api.name()))?;
        sections.insert(api.name(), index::section(api, &entries));
        outputs.push(path_params::test_output(
            root,
            api,
            &module.client,
            &module.types,
        )?);
        for (path, text) in [
            (api.generated(root), module.client),
            (api.generated_types(root), module.types),
        ] {
            let summary = format!("({} lines)", text.lines().count());
            outputs.push(output::Output {
                path,
                text,
                summary,
            });
        }
    }
    let left_out = index::left_out(root)?;
    outputs.insert(0, index::output(index_path, &sections, &left_out));
    output::apply(
        "regen",
        root,
        &outputs,
        check,
        "cargo xtask regen",
        &|output, current| {
            let current = current.unwrap_or_default();
            let line = current
                .lines()
                .zip(output.text.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| current.lines().count().min(output.text.lines().count()))
                + 1;
            vec![format!("first difference at line {line}")]
        },
    )
}

/// The complete generated module for one API, formatted.
pub fn render(api: Api, doc: &Value) -> Result<Module> {
    render_indexed(api, doc).map(|(module, _)| module)
}

/// One API's generated code, in the two files it is written to.
pub struct Module {
    /// `jumpcloud-api/src/generated/<api>.rs`: the client, its builders and
    /// tables, re-exporting the types.
    pub client: String,
    /// `jumpcloud-api/types/src/generated/<api>.rs`: the `types` module.
    pub types: String,
}

/// What every pass may read: the facts derived from the document before
/// anything is generated, plus the index entries once [`PASSES`] has read
/// them off the code.
pub struct Facts<'a> {
    pub api: Api,
    /// The document as committed (not the copy [`prepare`] adapted).
    pub doc: &'a Value,
    /// The `OPERATIONS` table's rows, sorted by method name.
    pub rows: Vec<facts::Row>,
    /// The paging of every listing, by method name.
    pub paging: BTreeMap<String, facts::Fact>,
    /// The filter dialect of every filterable operation, by method name.
    pub dialects: BTreeMap<String, facts::Dialect>,
    /// The query parameters that go as one delimited value.
    pub delimited: facts::Delimited,
    /// The success bodies [`prepare`] dropped for progenitor's sake.
    pub dropped: Vec<prepare::Dropped>,
    /// The operation index's entries (set by the `index` pass).
    pub entries: Vec<index::Entry>,
}

impl<'a> Facts<'a> {
    /// Everything derived from the document alone.
    fn derive(api: Api, doc: &'a Value, dropped: Vec<prepare::Dropped>) -> Result<Self> {
        Ok(Facts {
            api,
            doc,
            rows: operations::collect(api, doc)?,
            paging: paging::derive(api, doc)?
                .into_iter()
                .map(|(id, fact)| (crate::spec::method_name(&id), fact))
                .collect(),
            dialects: filters::dialects(api, doc),
            delimited: query::delimited_parameters(doc),
            dropped,
            entries: Vec::new(),
        })
    }
}

/// One step over progenitor's output.
type Pass = fn(&mut Facts<'_>, &mut syn::File) -> Result<()>;

/// The passes over progenitor's output, in order, each with the name errors
/// are reported under.
const PASSES: &[(&str, Pass)] = &[
    ("restore dropped bodies", |f, file| {
        prepare::restore_bodies(file, &f.dropped)
    }),
    ("check method names", |f, file| {
        operations::check_names(&f.rows, file)
    }),
    ("type builders for sent types", |_, file| {
        type_builders::apply(file).map(drop)
    }),
    ("open enums", |_, file| open_enums::apply(file).map(drop)),
    ("lenient nulls", |_, file| lenient::apply(file).map(drop)),
    ("optional string setters", |_, file| {
        str_setters::apply(file).map(drop)
    }),
    ("delimited queries", |f, file| {
        query::apply(file, &f.delimited)
    }),
    ("path parameter checks", |_, file| {
        path_params::apply(file).map(drop)
    }),
    ("request traits", |f, file| {
        request::apply(file, &f.rows, &f.paging)
    }),
    ("filters", |f, file| filters::apply(file, &f.dialects)),
    ("filter fields", |f, file| {
        filter_fields::apply_search(file, f.doc, &f.paging)?;
        let items = filter_fields::items(f.doc, &f.dialects, &f.paging)?;
        file.items.extend(items);
        Ok(())
    }),
    ("dynamic calls", |f, file| {
        dynamic::apply(file, f.api, f.doc)
    }),
    ("operation table", |f, file| {
        let items = operations::items(f.api, &f.rows, &f.paging, &f.dialects)?;
        file.items.extend(items);
        Ok(())
    }),
    ("graph table", |f, file| {
        let items = graph::items(f.api, f.doc, file)?;
        file.items.extend(items);
        Ok(())
    }),
    ("index entries", |f, file| {
        f.entries = index::entries(f.api, f.doc, &f.rows, &f.paging, &f.dialects, file)?;
        Ok(())
    }),
    ("line doc comments", |_, file| {
        docs::apply(file);
        Ok(())
    }),
    ("operation facts in docs", |f, file| {
        let lines = f
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.doc_line()))
            .collect();
        docs::annotate(file, &lines)
    }),
    ("lean setters", |_, file| {
        lean_setters::apply(file).map(drop)
    }),
    ("areas", |f, file| {
        areas::apply(f.api, &f.rows, file).map(drop)
    }),
    ("lean decoders", |_, file| decoders::apply(file).map(drop)),
    ("lean encoders", |_, file| encoders::apply(file).map(drop)),
    ("split sends", |f, file| {
        let split = request::split_sends(file)?;
        if split != f.rows.len() {
            anyhow::bail!("{split} of {} sends were split", f.rows.len());
        }
        Ok(())
    }),
    ("machine code where used", |_, file| {
        inline::apply(file).map(drop)
    }),
];

/// [`render`], with the API's entries of the operation index: the document
/// is checked, [`prepare`]d for progenitor, generated, and run through
/// [`PASSES`]; the result is formatted.
pub fn render_indexed(api: Api, doc: &Value) -> Result<(Module, Vec<index::Entry>)> {
    preflight::check(doc)?;
    let mut prepared = doc.clone();
    let dropped = prepare::prepare(&mut prepared);
    let mut facts = Facts::derive(api, doc, dropped)?;
    let tokens = generate::client(&prepared)?;
    let mut file: syn::File =
        syn::parse2(tokens).context("progenitor's output does not parse as Rust")?;
    for (name, pass) in PASSES {
        pass(&mut facts, &mut file).with_context(|| format!("regen pass `{name}`"))?;
    }
    let header = format!(
        "// @generated by `cargo xtask regen` from openapi/jumpcloud-{name}.json. Do not edit:\n\
         // change the document (through openapi/overlays/) or the xtask instead.\n\
         #![allow(clippy::all, clippy::pedantic, clippy::unwrap_used, clippy::expect_used)]\n\
         #![allow(missing_docs, unused_imports, unused_qualifications, unused_comparisons, rustdoc::all)]\n\n",
        name = api.name()
    );
    let types = split_types(api, &mut file)?;
    let module = Module {
        client: generate::rustfmt(&(header.clone() + &prettyplease::unparse(&file)))?,
        types: generate::rustfmt(&(header + &prettyplease::unparse(&types)))?,
    };
    Ok((module, facts.entries))
}

/// Moves the `types` module out of `file`, leaving a re-export of it from
/// `jumpcloud-api-types` in its place, and returns it as a file of its own.
///
/// Why: the types need serde and chrono, not reqwest, so in their own crate
/// they compile while the HTTP and TLS stack does, not after it. Nothing
/// outside the module implements anything for its types (the passes put
/// every impl on a type inside the module), so it moves whole. The re-export
/// is not `#[doc(inline)]`: each type is documented once, in its own crate
/// (inlined, rustdoc rendered the 750 types again and took 57 s instead of 16).
fn split_types(api: Api, file: &mut syn::File) -> Result<syn::File> {
    let at = file
        .items
        .iter()
        .position(|item| matches!(item, syn::Item::Mod(m) if m.ident == "types"))
        .context("progenitor's output has no `types` module")?;
    let module = syn::Ident::new(api.name(), proc_macro2::Span::call_site());
    let types = std::mem::replace(
        &mut file.items[at],
        syn::parse_quote! {
            /// Types used as operation parameters and responses.
            pub use jumpcloud_api_types::#module::types;
        },
    );
    Ok(syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: vec![types],
    })
}
