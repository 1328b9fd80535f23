//! Implements `jumpcloud_api::Request` for every generated builder and
//! `jumpcloud_api::Paginated` for every builder whose operation pages.
//!
//! The builders are found in progenitor's `builder` module: each has a
//! `send(self) -> Result<ResponseValue<T>, Error<()>>` method whose body
//! names the operation (`OperationInfo { operation_id: "…" }`). The
//! implementations are added to that module, where the builders' private
//! fields (the caller's `limit`, `skip`, `sort`) can be read.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{Item, Type};

use super::builders::{Builder, builders, generic_args, module_items, struct_fields, type_ident};
use super::operations::Row;
use super::paging::{Fact, ItemsFrom, Kind, Param, Total};

/// Adds the trait implementations to the `builder` module of `file`.
/// `facts` is keyed by method name.
pub fn apply(file: &mut syn::File, rows: &[Row], facts: &BTreeMap<String, Fact>) -> Result<()> {
    let types = type_fields(file);
    let items = module_items(file)?;
    let builders = builders(items)?;
    let index: BTreeMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.rust_method.as_str(), i))
        .collect();
    let mut found_paged = 0;
    let mut added = Vec::new();
    for b in &builders {
        let Some(&i) = index.get(b.name.as_str()) else {
            bail!(
                "builder {} calls {}, which is not in the operation table",
                b.ident,
                b.name
            );
        };
        added.push(request_impl(b, i));
        if let Some(fact) = facts.get(&b.name) {
            found_paged += 1;
            added.push(
                paginated_impl(b, fact, &types)
                    .with_context(|| format!("paging {} ({})", rows[i].id, b.ident))?,
            );
        }
    }
    if found_paged != facts.len() {
        let have: Vec<&String> = builders.iter().map(|b| &b.name).collect();
        let missing: Vec<&String> = facts.keys().filter(|k| !have.contains(k)).collect();
        bail!("paged operations without a builder: {missing:?}");
    }
    let rewritten = route_sends(items, &index)?;
    if rewritten != builders.len() {
        bail!(
            "{rewritten} of {} builder sends were routed to their operation",
            builders.len()
        );
    }
    let tokens: TokenStream = added.into_iter().collect();
    let parsed: syn::File = syn::parse2(tokens).context("generated trait impls do not parse")?;
    items.extend(parsed.items);
    Ok(())
}

/// Rewrites every builder's `send` so that it hands the hooks its own row of
/// `OPERATIONS` (`crate::hooks::pre(client, &mut request, &super::OPERATIONS[i])`
/// and `crate::hooks::exec(..)`) instead of progenitor's
/// `client.pre(&mut request, &info)` / `client.exec(request, &info)`, which
/// would look the operation up by name at run time. Returns how many sends
/// were rewritten.
fn route_sends(items: &mut [Item], index: &BTreeMap<&str, usize>) -> Result<usize> {
    use syn::visit_mut::VisitMut;
    struct Route {
        row: usize,
        pre: usize,
        exec: usize,
    }
    impl VisitMut for Route {
        fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
            syn::visit_mut::visit_expr_mut(self, expr);
            let syn::Expr::MethodCall(call) = expr else {
                return;
            };
            let is_client =
                matches!(&*call.receiver, syn::Expr::Path(p) if p.path.is_ident("client"));
            let hook = call.method.to_string();
            if !is_client || call.args.len() != 2 || !(hook == "pre" || hook == "exec") {
                return;
            }
            let request = &call.args[0];
            let row = self.row;
            let hook = format_ident!("{}", hook);
            *expr =
                syn::parse_quote!(crate::hooks::#hook(client, #request, &super::OPERATIONS[#row]));
            if hook == "pre" {
                self.pre += 1;
            } else {
                self.exec += 1;
            }
        }
    }
    let mut rewritten = 0;
    for item in items.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        let Some(name) = super::builders::operation_of(imp)? else {
            continue;
        };
        let Some(&row) = index.get(name.as_str()) else {
            bail!("a send calls {name}, which is not in the operation table");
        };
        let mut route = Route {
            row,
            pre: 0,
            exec: 0,
        };
        for f in imp.items.iter_mut() {
            if let syn::ImplItem::Fn(f) = f
                && f.sig.ident == "send"
            {
                route.visit_impl_item_fn_mut(f);
            }
        }
        if (route.pre, route.exec) != (1, 1) {
            bail!(
                "the send of {name} calls the hooks' pre {} and exec {} times, not once each",
                route.pre,
                route.exec
            );
        }
        rewritten += 1;
    }
    Ok(rewritten)
}

/// The element type of `Vec<X>` or `Option<Vec<X>>`.
fn element(ty: &Type) -> Option<Type> {
    if let Some(inner) = generic_args(ty, "Option") {
        return element(inner.first()?);
    }
    generic_args(ty, "Vec")?.first().cloned()
}

/// Struct fields of the `types` module: struct name → field → type.
fn type_fields(file: &syn::File) -> BTreeMap<String, BTreeMap<String, Type>> {
    file.items
        .iter()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
            _ => None,
        })
        .map(|(_, items)| struct_fields(items))
        .unwrap_or_default()
}

fn request_impl(b: &Builder, index: usize) -> TokenStream {
    let (ident, response) = (&b.ident, &b.response);
    quote! {
        impl<'a> crate::Request for #ident<'a> {
            type Response = #response;
            fn operation() -> &'static crate::Operation {
                // The index is this operation's row, fixed at generation.
                &super::OPERATIONS[#index]
            }
            fn dispatch(
                self,
            ) -> impl ::std::future::Future<Output = Result<ResponseValue<#response>, Error<()>>> + Send {
                #ident::send(self)
            }
        }
    }
}

fn paginated_impl(
    b: &Builder,
    fact: &Fact,
    types: &BTreeMap<String, BTreeMap<String, Type>>,
) -> Result<TokenStream> {
    let ident = &b.ident;
    let field = |name: &str| -> Result<&Type> {
        b.fields
            .get(name)
            .with_context(|| format!("the builder has no field `{name}`"))
    };
    // The body struct and its fields, for properties of the answer.
    let body_fields = || -> Result<&BTreeMap<String, Type>> {
        let name = type_ident(&b.response)
            .context("the answer is not a named type")?
            .to_string();
        types
            .get(&name)
            .with_context(|| format!("no struct `{name}` in the types module"))
    };
    let item: Type = match &fact.items {
        ItemsFrom::Array => element(&b.response).context("the answer is not a list")?,
        ItemsFrom::Property(p) => {
            let ty = body_fields()?
                .get(p)
                .with_context(|| format!("the answer has no field `{p}`"))?;
            let ty = element(ty).with_context(|| format!("the answer's `{p}` is not a list"))?;
            qualify(ty, types)
        }
        ItemsFrom::Json => syn::parse_quote!(::serde_json::Value),
    };
    if let Total::Body(t) = &fact.total
        && !body_fields()?.contains_key(t)
    {
        bail!("the answer has no field `{t}`");
    }

    let set = |p: &Param, value: TokenStream| -> TokenStream {
        let setter = format_ident!("{}", p.rust);
        if p.string {
            quote!(.#setter((#value).to_string()))
        } else {
            quote!(.#setter(#value))
        }
    };
    let (requested, with_page) = match &fact.kind {
        Kind::Offset { limit, skip, sort } => {
            field(&limit.rust)?;
            field(&skip.rust)?;
            let (l, s) = (
                format_ident!("{}", limit.rust),
                format_ident!("{}", skip.rust),
            );
            let set_skip = set(skip, quote!(page.offset()));
            let set_limit = set(limit, quote!(page.size));
            let stable = match (&fact.stable_sort, sort) {
                (Some(key), Some(sort)) => {
                    field(sort)?;
                    let sort = format_ident!("{}", sort);
                    quote! {
                        if matches!(this.#sort, Ok(None)) {
                            this = this.#sort(::std::vec![#key.to_string()]);
                        }
                    }
                }
                _ => quote!(),
            };
            (
                quote! {
                    crate::paging::Requested {
                        skip: crate::paging::RequestedCount::requested(&self.#s),
                        limit: crate::paging::RequestedCount::requested(&self.#l),
                    }
                },
                quote! {
                    #[allow(unused_mut)]
                    let mut this = self #set_skip #set_limit;
                    #stable
                    this
                },
            )
        }
        Kind::BodyOffset { limit, skip } => {
            let body = body_type(field("body")?)?;
            let (l, s) = (format_ident!("{}", limit), format_ident!("{}", skip));
            (
                quote! {
                    match self.body.clone().and_then(|b| #body::try_from(b).map_err(|e| e.to_string())) {
                        Ok(b) => crate::paging::Requested {
                            skip: crate::paging::RequestedCount::requested(&b.#s),
                            limit: crate::paging::RequestedCount::requested(&b.#l),
                        },
                        Err(_) => crate::paging::Requested::default(),
                    }
                },
                quote! {
                    let (skip, size) = (page.offset(), page.size);
                    self.body_map(move |b| b.#s(i64::try_from(skip).unwrap_or(i64::MAX)).#l(i64::from(size)))
                },
            )
        }
        Kind::Token { size, token, .. } => {
            field(&size.rust)?;
            field(token)?;
            let s = format_ident!("{}", size.rust);
            let t = format_ident!("{}", token);
            let set_size = set(size, quote!(page.size));
            (
                quote! {
                    crate::paging::Requested {
                        skip: None,
                        limit: crate::paging::RequestedCount::requested(&self.#s),
                    }
                },
                quote! {
                    let this = self #set_size;
                    match &page.position {
                        crate::paging::Position::Token(token) => this.#t(token.clone()),
                        _ => this,
                    }
                },
            )
        }
        Kind::Cursor { limit, cursor } => {
            let body = body_type(field("body")?)?;
            let (l, c) = (format_ident!("{}", limit), format_ident!("{}", cursor));
            (
                quote! {
                    match self.body.clone().and_then(|b| #body::try_from(b).map_err(|e| e.to_string())) {
                        Ok(b) => crate::paging::Requested {
                            skip: None,
                            limit: crate::paging::RequestedCount::requested(&b.#l),
                        },
                        Err(_) => crate::paging::Requested::default(),
                    }
                },
                quote! {
                    let size = i64::from(page.size);
                    let cursor = match &page.position {
                        crate::paging::Position::Cursor(c) => Some(c.clone()),
                        _ => None,
                    };
                    self.body_map(move |b| {
                        let b = b.#l(size);
                        match cursor {
                            Some(c) => b.#c(c),
                            None => b,
                        }
                    })
                },
            )
        }
    };
    let into_page = match (&fact.kind, &fact.items) {
        (Kind::Cursor { .. }, ItemsFrom::Array) => quote! {
            let headers = response.headers().clone();
            let items = response.into_inner();
            let next = crate::paging::header_cursor(&headers, items.len());
            crate::paging::Page { items, total: None, next }
        },
        (Kind::Token { next, .. }, ItemsFrom::Property(p)) => {
            let (p, n) = (format_ident!("{}", p), format_ident!("{}", next));
            quote! {
                let body = response.into_inner();
                crate::paging::Page {
                    items: crate::paging::Items::into_items(body.#p),
                    total: None,
                    next: crate::paging::token(body.#n),
                }
            }
        }
        (Kind::Cursor { .. } | Kind::Token { .. }, _) => {
            bail!("a token or cursor listing must answer a typed list")
        }
        (_, ItemsFrom::Array) => quote! {
            let total = crate::paging::header_total(response.headers());
            crate::paging::Page { items: response.into_inner(), total, next: None }
        },
        (_, ItemsFrom::Property(p)) => {
            let p = format_ident!("{}", p);
            let total = match &fact.total {
                Total::Body(t) => {
                    let t = format_ident!("{}", t);
                    quote!(crate::paging::Count::count(&body.#t).or(header))
                }
                _ => quote!(header),
            };
            quote! {
                let header = crate::paging::header_total(response.headers());
                let body = response.into_inner();
                crate::paging::Page {
                    items: crate::paging::Items::into_items(body.#p),
                    total: #total,
                    next: None,
                }
            }
        }
        (_, ItemsFrom::Json) => quote! {
            let header = crate::paging::header_total(response.headers());
            crate::paging::json_page(header, ::serde_json::Value::from(response.into_inner()))
        },
    };
    let paging = fact.tokens();
    Ok(quote! {
        impl<'a> crate::Paginated for #ident<'a> {
            type Item = #item;
            const PAGING: crate::paging::Paging = #paging;
            fn requested(&self) -> crate::paging::Requested {
                #requested
            }
            fn with_page(self, page: &crate::paging::PageRequest) -> Self {
                #with_page
            }
            fn into_page(
                response: ResponseValue<<Self as crate::Request>::Response>,
            ) -> crate::paging::Page<Self::Item> {
                #into_page
            }
        }
    })
}

/// A type named inside the `types` module (`Foo`), as seen from the
/// `builder` module (`types::Foo`).
fn qualify(ty: Type, types: &BTreeMap<String, BTreeMap<String, Type>>) -> Type {
    match &ty {
        Type::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            let name = p.path.segments[0].ident.to_string();
            if types.contains_key(&name)
                || name.chars().next().is_some_and(char::is_uppercase)
                    && !matches!(name.as_str(), "String" | "Vec" | "Option")
            {
                let ident = &p.path.segments[0];
                syn::parse_quote!(types::#ident)
            } else {
                ty
            }
        }
        _ => ty,
    }
}

/// `types::X` from a body field typed `Result<types::builder::X, String>`.
fn body_type(field: &Type) -> Result<TokenStream> {
    let inner = generic_args(field, "Result")
        .and_then(|a| a.first().cloned())
        .context("the body field is not a Result")?;
    let name = type_ident(&inner).context("the body is not a named type")?;
    Ok(quote!(types::#name))
}
