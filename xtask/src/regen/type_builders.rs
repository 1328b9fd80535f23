//! Struct builders only for the types a request sends.
//!
//! typify gives every struct a builder (`types::builder::X`, with a
//! `Default`, one setter per field, and `TryFrom`/`From` to and from the
//! type) and a `X::builder()`. About two thirds of those types are only ever
//! decoded from answers, where a builder serves no one, and the builders
//! were the largest block of `jumpcloud-api` (a third of its lines, and a
//! `TryFrom`/`From` pair each for the compiler's coherence checks).
//!
//! This pass keeps the builders of the types reachable from what an
//! operation's builder holds (its body and typed parameters), following
//! every field, item and variant, so a nested part of a body (an address of
//! a new user) keeps its builder too; the others lose the builder and their
//! `builder()`.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use syn::visit::Visit;
use syn::{ImplItem, Item, Type};

use super::builders;

/// Returns how many builders it removed.
pub fn apply(file: &mut syn::File) -> Result<usize> {
    let roots = roots(builders::module_items_ref(file)?);
    let types = builders::types_items(file)?;
    let edges = edges(types);
    let sent = closure(
        roots
            .into_iter()
            .filter(|r| edges.contains_key(r))
            .collect(),
        &edges,
    );

    let mut removed = 0;
    for item in types.iter_mut() {
        match item {
            Item::Mod(m) if m.ident == "builder" => {
                let (_, items) = m.content.as_mut().context("`types::builder` has no body")?;
                let before = items.len();
                items.retain(|item| builder_of(item).is_none_or(|name| sent.contains(&name)));
                removed += before - items.len();
            }
            Item::Impl(imp) if imp.trait_.is_none() => {
                let Some(name) = builders::type_ident(&imp.self_ty).map(|i| i.to_string()) else {
                    continue;
                };
                if !sent.contains(&name) {
                    imp.items
                        .retain(|i| !matches!(i, ImplItem::Fn(f) if f.sig.ident == "builder"));
                }
            }
            _ => {}
        }
    }
    // An inherent `impl` that held only `builder()` is now empty.
    types.retain(
        |item| !matches!(item, Item::Impl(imp) if imp.trait_.is_none() && imp.items.is_empty()),
    );
    Ok(removed)
}

/// Each type of the `types` module (`items`) → the types it mentions.
pub(super) fn edges(items: &[Item]) -> BTreeMap<String, BTreeSet<String>> {
    let names: BTreeSet<String> = items.iter().filter_map(type_name).collect();
    items
        .iter()
        .filter_map(|item| {
            let name = type_name(item)?;
            let mut refs = Refs::default();
            refs.visit_item(item);
            Some((name, refs.0.intersection(&names).cloned().collect()))
        })
        .collect()
}

/// The name of a type the `types` module defines.
fn type_name(item: &Item) -> Option<String> {
    match item {
        Item::Struct(s) => Some(s.ident.to_string()),
        Item::Enum(e) => Some(e.ident.to_string()),
        Item::Type(t) => Some(t.ident.to_string()),
        _ => None,
    }
}

/// The type whose builder an item of `types::builder` is part of: the
/// builder struct itself, or an `impl` for it (its `Default` and setters,
/// `From<super::X> for X`) or from it (`TryFrom<X> for super::X`).
fn builder_of(item: &Item) -> Option<String> {
    match item {
        Item::Struct(s) => Some(s.ident.to_string()),
        Item::Impl(imp) => builders::type_ident(&imp.self_ty).map(|i| i.to_string()),
        _ => None,
    }
}

/// The type names the operation builders hold: the fields of each builder
/// struct (its body and typed parameters), not the answers it decodes.
fn roots(ops: &[Item]) -> BTreeSet<String> {
    let mut refs = Refs::default();
    for item in ops {
        if let Item::Struct(s) = item {
            for field in &s.fields {
                refs.visit_type(&field.ty);
            }
        }
    }
    refs.0
}

/// Every name reachable from `start` along `edges`.
pub(super) fn closure(
    start: Vec<String>,
    edges: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = start;
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            todo.extend(edges.get(&name).into_iter().flatten().cloned());
        }
    }
    seen
}

/// The last segment of every type path met (`X` of `types::builder::X`,
/// of `super::X`, of `Vec<X>`).
#[derive(Default)]
pub(super) struct Refs(pub(super) BTreeSet<String>);

impl<'ast> Visit<'ast> for Refs {
    fn visit_type(&mut self, ty: &'ast Type) {
        if let Type::Path(p) = ty
            && let Some(last) = p.path.segments.last()
        {
            self.0.insert(last.ident.to_string());
        }
        syn::visit::visit_type(self, ty);
    }
}
