//! Implements `jumpcloud_api::Request` for every generated builder and
//! `jumpcloud_api::PagedRequest` for every builder whose operation pages.
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

use super::answers;
use super::builders::{builders, generic_args, module_items, struct_fields, type_ident};
use super::facts::{Builder, Fact, ItemsFrom, Kind, Param, Row, Total};

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
    let tokens: TokenStream = added.into_iter().collect();
    let parsed: syn::File = syn::parse2(tokens).context("generated trait impls do not parse")?;
    items.extend(parsed.items);
    Ok(())
}

/// Splits every builder's `send` into the two halves of its
/// `crate::Request` implementation, and removes the `send` itself:
///
/// - `into_request`: everything progenitor does before sending (argument
///   checks, URL, query, headers, body), ending in the built request, handed
///   over as `crate::Outgoing` with the client's pool and hooks. The
///   `api-version` header progenitor adds is dropped here (JumpCloud defines
///   none).
/// - `decode`: progenitor's `match` on the answer's status, as one call of
///   `crate::answer` with the operation's statuses where
///   [`answers::call`] knows every arm.
///
/// What progenitor puts between them (its `OperationInfo` and the
/// `pre`/`exec`/`post` hook calls) is dropped: whoever holds the `Outgoing`
/// sends it. `jumpcloud_api::Request::send` joins the halves again. Returns
/// how many sends were split.
pub fn split_sends(file: &mut syn::File) -> Result<usize> {
    let items = module_items(file)?;
    let mut halves: BTreeMap<String, (Vec<syn::Stmt>, syn::Expr)> = BTreeMap::new();
    for item in items.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        let Some(ident) = type_ident(&imp.self_ty).map(ToString::to_string) else {
            continue;
        };
        let Some(at) = imp.items.iter().position(
            |i| matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == "send" && imp.trait_.is_none()),
        ) else {
            continue;
        };
        let syn::ImplItem::Fn(send) = imp.items.remove(at) else {
            unreachable!("the position found a fn");
        };
        let split = split(send.block.stmts).with_context(|| format!("the send of {ident}"))?;
        halves.insert(ident, split);
    }
    let mut done = 0;
    for item in items.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        let is_request = imp
            .trait_
            .as_ref()
            .and_then(|(_, path, _)| path.segments.last())
            .is_some_and(|s| s.ident == "Request");
        if !is_request {
            continue;
        }
        let Some(ident) = type_ident(&imp.self_ty).map(ToString::to_string) else {
            continue;
        };
        let (before, decode) = halves
            .remove(&ident)
            .with_context(|| format!("{ident} implements Request but has no send"))?;
        let decode: syn::ImplItemFn = match answers::call(&decode) {
            Some(call) => syn::parse_quote! {
                fn decode(
                    response: reqwest::Response,
                ) -> impl ::std::future::Future<Output = Result<ResponseValue<Self::Response>, Error<()>>> + Send {
                    #call
                }
            },
            None => syn::parse_quote! {
                async fn decode(response: reqwest::Response) -> Result<ResponseValue<Self::Response>, Error<()>> {
                    #decode
                }
            },
        };
        let added: syn::ItemImpl = syn::parse_quote! {
            impl X {
                fn into_request(self) -> Result<crate::Outgoing, Error<()>> {
                    #(#before)*
                    Ok(client.outgoing(request))
                }
                #decode
            }
        };
        imp.items.extend(added.items);
        done += 1;
    }
    if let Some(left) = halves.keys().next() {
        bail!("{left} has a send but no Request implementation");
    }
    Ok(done)
}

/// A progenitor `send` body as (the statements that build the request, the
/// `match` that decodes the answer). Fails unless the body has exactly the
/// shape this pass knows: `let info = OperationInfo {..};`, the three hook
/// calls and `let response = result?;` between the two halves.
fn split(mut stmts: Vec<syn::Stmt>) -> Result<(Vec<syn::Stmt>, syn::Expr)> {
    let info = stmts
        .iter()
        .position(|s| {
            quote!(#s)
                .to_string()
                .starts_with("let info = OperationInfo")
        })
        .context("no `let info = OperationInfo` statement")?;
    let tail = stmts.split_off(info);
    let [_info, pre, exec, post, response, decode] = <[syn::Stmt; 6]>::try_from(tail)
        .map_err(|t| anyhow::anyhow!("{} statements after the request is built, not 6", t.len()))?;
    let text = |s: &syn::Stmt| quote!(#s).to_string();
    let expected = [
        (&pre, "client . pre ("),
        (&exec, "let result = client . exec ("),
        (&post, "client . post ("),
        (&response, "let response = result ?"),
    ];
    for (stmt, begins) in expected {
        if !text(stmt).starts_with(begins) {
            bail!("expected `{begins}…`, found `{}`", text(stmt));
        }
    }
    let syn::Stmt::Expr(decode @ syn::Expr::Match(_), None) = decode else {
        bail!("the send does not end in a match on the status");
    };
    let mut before: Vec<syn::Stmt> = stmts.into_iter().filter(|s| !is_api_version(s)).collect();
    let appends = before
        .iter()
        .filter(|s| quote!(#s).to_string().contains("header_map . append"))
        .count();
    if appends == 0 {
        // Nothing left to put in the map: no map.
        before.retain(|s| !quote!(#s).to_string().starts_with("let mut header_map"));
        let mut unused = NoHeaderMap(0);
        for stmt in &mut before {
            syn::visit_mut::VisitMut::visit_stmt_mut(&mut unused, stmt);
        }
        if unused.0 != 1 {
            bail!(
                "the request takes the empty header map {} times, not once",
                unused.0
            );
        }
    }
    Ok((before, decode))
}

/// Removes `.headers(header_map)` from a builder chain, counting removals.
struct NoHeaderMap(usize);

impl syn::visit_mut::VisitMut for NoHeaderMap {
    fn visit_expr_mut(&mut self, expr: &mut syn::Expr) {
        syn::visit_mut::visit_expr_mut(self, expr);
        if let syn::Expr::MethodCall(call) = expr
            && call.method == "headers"
            && call.args.len() == 1
            && matches!(&call.args[0], syn::Expr::Path(p) if p.path.is_ident("header_map"))
        {
            *expr = (*call.receiver).clone();
            self.0 += 1;
        }
    }
}

/// `header_map.append(HeaderName::from_static("api-version"), ..);`
fn is_api_version(stmt: &syn::Stmt) -> bool {
    let text = quote!(#stmt).to_string();
    text.starts_with("header_map . append") && text.contains("\"api-version\"")
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
    // `into_request` and `decode` are moved in from the builder's `send` by
    // [`split_sends`], the last pass, once nothing else reads the `send`.
    quote! {
        impl<'a> crate::Request for #ident<'a> {
            type Response = #response;
            fn operation() -> &'static crate::Operation {
                // The index is this operation's row, fixed at generation.
                &super::OPERATIONS[#index]
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
        Kind::BodyOffset { limit, skip, query } => {
            let body = body_type(field("body")?)?;
            let (l, s) = (format_ident!("{}", limit), format_ident!("{}", skip));
            let mirror = match query {
                Some((ql, qs)) => {
                    field(&ql.rust)?;
                    field(&qs.rust)?;
                    let set_skip = set(qs, quote!(page.offset()));
                    let set_limit = set(ql, quote!(page.size));
                    quote!(#set_skip #set_limit)
                }
                None => quote!(),
            };
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
                    self.body_map(move |b| b.#s(i64::try_from(skip).unwrap_or(i64::MAX)).#l(i64::from(size))) #mirror
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
        impl<'a> crate::PagedRequest for #ident<'a> {
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
