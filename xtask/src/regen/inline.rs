//! Machine code only for the operations an application calls.
//!
//! rustc compiles every non-generic function of a library to machine code
//! in the library itself, whether anyone calls it or not: every builder's
//! `into_request` and `decode`, every `from_json`, every typify conversion,
//! and `call_json`, whose match reaches all of them. Marked `#[inline]`, a
//! function is compiled only where it is used, so `jumpcloud-api` ships
//! their MIR and an application compiles the few it calls (through the
//! generic `Request::send` or `jumpcloud-ext`'s `run`). The front end still
//! checks all of them once, in `jumpcloud-api`.
//!
//! The pass marks every function and method without type parameters (the
//! generic ones are compiled where used already) and without an
//! `#[inline]` of its own.

use anyhow::Result;
use syn::visit_mut::{self, VisitMut};
use syn::{Attribute, GenericParam, Generics, ImplItemFn, ItemFn, parse_quote};

/// Returns how many functions it marked.
pub fn apply(file: &mut syn::File) -> Result<usize> {
    let mut pass = Mark { marked: 0 };
    pass.visit_file_mut(file);
    Ok(pass.marked)
}

struct Mark {
    marked: usize,
}

impl Mark {
    fn mark(&mut self, attrs: &mut Vec<Attribute>, generics: &Generics, outer: &Generics) {
        let generic = |g: &Generics| {
            g.params
                .iter()
                .any(|p| !matches!(p, GenericParam::Lifetime(_)))
        };
        if generic(generics) || generic(outer) || attrs.iter().any(|a| a.path().is_ident("inline"))
        {
            return;
        }
        attrs.push(parse_quote!(#[inline]));
        self.marked += 1;
    }
}

impl VisitMut for Mark {
    fn visit_item_impl_mut(&mut self, imp: &mut syn::ItemImpl) {
        let outer = imp.generics.clone();
        for item in imp.items.iter_mut() {
            if let syn::ImplItem::Fn(f) = item {
                let ImplItemFn { attrs, sig, .. } = f;
                self.mark(attrs, &sig.generics, &outer);
            }
        }
        visit_mut::visit_item_impl_mut(self, imp);
    }

    fn visit_item_fn_mut(&mut self, f: &mut ItemFn) {
        let ItemFn { attrs, sig, .. } = f;
        self.mark(attrs, &sig.generics, &Generics::default());
        visit_mut::visit_item_fn_mut(self, f);
    }
}
