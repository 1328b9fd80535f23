//! Doc comments that survive formatting.
//!
//! prettyplease prints a multi-line `#[doc]` as a `/** … */` block, and
//! rustfmt re-indents a block comment's lines with its item, which turns
//! progenitor's ```` ```ignore ```` examples into indented (so compiled)
//! doctests. Splitting every doc attribute into one attribute per line makes
//! prettyplease print `///` lines, which rustfmt leaves alone.
//!
//! [`annotate`] adds the operation's facts (the lines `index` writes) under
//! the first line of each client method's and each builder `send`'s
//! documentation.

use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, Expr, ExprLit, Lit, LitStr, Meta, parse_quote};

pub fn apply(file: &mut syn::File) {
    split(&mut file.attrs);
    SplitDocs.visit_file_mut(file);
}

/// Adds each operation's line of facts (method name → line, as
/// `index::Entry::doc_line` writes it) to its `Client` method and to its
/// builder's `send`. Fails if a line finds no method to document.
pub fn annotate(
    file: &mut syn::File,
    lines: &std::collections::BTreeMap<&str, String>,
) -> anyhow::Result<()> {
    let mut on_client = 0;
    let mut on_send = 0;
    for item in &mut file.items {
        match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() && is_client(&imp.self_ty) => {
                for f in &mut imp.items {
                    if let syn::ImplItem::Fn(f) = f
                        && let Some(line) = lines.get(f.sig.ident.to_string().as_str())
                    {
                        insert_after_first(&mut f.attrs, line);
                        on_client += 1;
                    }
                }
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                for item in m.content.iter_mut().flat_map(|(_, items)| items) {
                    let syn::Item::Impl(imp) = item else { continue };
                    if imp.trait_.is_some() {
                        continue;
                    }
                    for f in &mut imp.items {
                        let syn::ImplItem::Fn(f) = f else { continue };
                        if f.sig.ident != "send" {
                            continue;
                        }
                        let mut ids = Vec::new();
                        syn::visit::Visit::visit_impl_item_fn(
                            &mut super::builders::OperationIds(&mut ids),
                            f,
                        );
                        if let Some(line) = ids.first().and_then(|id| lines.get(id.as_str())) {
                            insert_after_first(&mut f.attrs, line);
                            on_send += 1;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if on_client != lines.len() || on_send != lines.len() {
        anyhow::bail!(
            "{} operations, but {on_client} client methods and {on_send} `send`s were documented",
            lines.len()
        );
    }
    Ok(())
}

fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

/// Inserts an empty doc line and `line` after the first doc attribute (at
/// the start if there is none).
fn insert_after_first(attrs: &mut Vec<Attribute>, line: &str) {
    let at = attrs
        .iter()
        .position(|a| doc_text(a).is_some())
        .map_or(0, |i| i + 1);
    let empty = LitStr::new("", proc_macro2::Span::call_site());
    let line = LitStr::new(line, proc_macro2::Span::call_site());
    attrs.insert(at, parse_quote!(#[doc = #line]));
    attrs.insert(at, parse_quote!(#[doc = #empty]));
}

fn split(attrs: &mut Vec<Attribute>) {
    if !attrs.iter().any(is_multiline_doc) {
        return;
    }
    let mut out = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        match doc_text(&attr) {
            Some(text) if text.contains('\n') => {
                for line in text.split('\n') {
                    let line = LitStr::new(line, proc_macro2::Span::call_site());
                    out.push(if matches!(attr.style, syn::AttrStyle::Inner(_)) {
                        parse_quote!(#![doc = #line])
                    } else {
                        parse_quote!(#[doc = #line])
                    });
                }
            }
            _ => out.push(attr),
        }
    }
    *attrs = out;
}

fn is_multiline_doc(attr: &Attribute) -> bool {
    doc_text(attr).is_some_and(|t| t.contains('\n'))
}

fn doc_text(attr: &Attribute) -> Option<String> {
    match &attr.meta {
        Meta::NameValue(nv) if nv.path.is_ident("doc") => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

struct SplitDocs;

macro_rules! splitting {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(
            fn $method(&mut self, node: &mut $ty) {
                split(&mut node.attrs);
                visit_mut::$method(self, node);
            }
        )*
    };
}

impl VisitMut for SplitDocs {
    splitting! {
        visit_item_struct_mut: syn::ItemStruct,
        visit_item_enum_mut: syn::ItemEnum,
        visit_item_fn_mut: syn::ItemFn,
        visit_item_impl_mut: syn::ItemImpl,
        visit_item_mod_mut: syn::ItemMod,
        visit_item_type_mut: syn::ItemType,
        visit_item_const_mut: syn::ItemConst,
        visit_item_static_mut: syn::ItemStatic,
        visit_item_trait_mut: syn::ItemTrait,
        visit_item_use_mut: syn::ItemUse,
        visit_impl_item_fn_mut: syn::ImplItemFn,
        visit_impl_item_const_mut: syn::ImplItemConst,
        visit_impl_item_type_mut: syn::ImplItemType,
        visit_trait_item_fn_mut: syn::TraitItemFn,
        visit_field_mut: syn::Field,
        visit_variant_mut: syn::Variant,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn multi_line_docs_become_one_attribute_per_line() {
        let mut file: syn::File = parse_quote! {
            impl Client {
                #[doc = "Sends a request\n\n```ignore\nclient.x()\n```"]
                pub fn x(&self) {}
            }
        };
        apply(&mut file);
        let text = prettyplease::unparse(&file);
        assert!(text.contains("    ///```ignore\n"), "{text}");
        assert!(!text.contains("/**"), "{text}");
        let _ = quote!(#file);
    }
}
