//! Path parameters that would address another route are refused.
//!
//! progenitor percent-encodes each path parameter (`encode_path`), but an
//! empty value still collapses its segment (`GET /systemusers/{id}` with
//! `id = ""` asks for the listing `/systemusers/`) and `.`/`..` are resolved
//! away by URL parsing. This pass makes every builder's `send` hand each path
//! parameter to `crate::path::check` first, before any other argument is
//! looked at and before anything is built, so such a value comes back as
//! `Error::InvalidRequest` naming the operation and the parameter.
//!
//! [`test_output`] writes the test that proves it for every operation with
//! path parameters: `jumpcloud-api/tests/path_params/<api>.rs`, kept current
//! by `regen --check` like the generated modules.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::punctuated::Punctuated;
use syn::{Expr, ImplItem, ImplItemFn, Item, Pat, Stmt, Token, parse_quote};

use super::builders::{
    generic_args, module_items, module_items_ref, operation_of, struct_fields, type_ident,
};
use crate::api::Api;
use crate::output::Output;

/// Inserts the checks into every builder's `send`. Returns how many
/// operations have path parameters.
pub fn apply(file: &mut syn::File) -> Result<usize> {
    let mut operations = 0;
    for item in module_items(file)?.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        let Some(name) = operation_of(imp)? else {
            continue;
        };
        let send = send_mut(imp).context("a builder without send")?;
        let params = path_parameters(send).with_context(|| format!("the send of {name}"))?;
        if params.is_empty() {
            continue;
        }
        let at = send
            .block
            .stmts
            .iter()
            .position(is_destructuring)
            .with_context(|| {
                format!("the send of {name} does not start with `let Self {{ .. }} = self`")
            })?;
        let checks = params.iter().map(|p| -> Stmt {
            let label = p.to_string();
            parse_quote! {
                if let ::std::result::Result::Ok(value) = &#p {
                    crate::path::check(#name, #label, &value.to_string())
                        .map_err(Error::InvalidRequest)?;
                }
            }
        });
        let tail = send.block.stmts.split_off(at + 1);
        send.block.stmts.extend(checks);
        send.block.stmts.extend(tail);
        operations += 1;
    }
    if operations == 0 {
        bail!("no operation has path parameters; has progenitor's `send` changed?");
    }
    Ok(operations)
}

fn send_mut(imp: &mut syn::ItemImpl) -> Option<&mut ImplItemFn> {
    imp.items.iter_mut().find_map(|i| match i {
        ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
        _ => None,
    })
}

/// The `into_request` of a builder's `Request` implementation, if `imp` is
/// one.
fn into_request_of(imp: &syn::ItemImpl) -> Option<&ImplItemFn> {
    imp.trait_.as_ref()?;
    imp.items.iter().find_map(|i| match i {
        ImplItem::Fn(f) if f.sig.ident == "into_request" => Some(f),
        _ => None,
    })
}

/// The operation (method name) that the path checks of `build` name: the
/// first argument of its `crate::path::check(..)` calls.
fn checked_operation(build: &ImplItemFn) -> Result<String> {
    struct Checks(Vec<String>);
    impl<'ast> syn::visit::Visit<'ast> for Checks {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let Expr::Path(p) = &*call.func
                && p.path.segments.last().is_some_and(|s| s.ident == "check")
                && let Some(Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(name),
                    ..
                })) = call.args.first()
            {
                self.0.push(name.value());
            }
            syn::visit::visit_expr_call(self, call);
        }
    }
    let mut checks = Checks(Vec::new());
    syn::visit::Visit::visit_impl_item_fn(&mut checks, build);
    checks.0.sort();
    checks.0.dedup();
    match checks.0.as_slice() {
        [name] => Ok(name.clone()),
        other => bail!("the path checks name {} operations", other.len()),
    }
}

/// `let Self { client, id, .. } = self;`
fn is_destructuring(stmt: &Stmt) -> bool {
    matches!(stmt, Stmt::Local(local)
        if matches!(&local.pat, Pat::Struct(s) if s.path.is_ident("Self")))
}

/// The path parameters of a `send`, in path order, read off its
/// `let url = format!("{}/x/{}", client.baseurl, encode_path(&id.to_string()))`.
/// Anything else in that `format!` fails, so a change in progenitor's output
/// cannot let a parameter past unchecked.
pub fn path_parameters(send: &ImplItemFn) -> Result<Vec<syn::Ident>> {
    let url = send
        .block
        .stmts
        .iter()
        .find_map(|stmt| match stmt {
            Stmt::Local(local) if matches!(&local.pat, Pat::Ident(p) if p.ident == "url") => {
                local.init.as_ref().map(|init| &*init.expr)
            }
            _ => None,
        })
        .context("no `let url = ...`")?;
    let Expr::Macro(mac) = url else {
        bail!("`let url` is not a `format!`");
    };
    if !mac.mac.path.is_ident("format") {
        bail!("`let url` is not a `format!`");
    }
    let args = mac
        .mac
        .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .context("the url's `format!` arguments")?;
    let mut args = args.into_iter();
    let template = match args.next() {
        Some(Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        })) => s.value(),
        _ => bail!("the url's `format!` has no template"),
    };
    match args.next() {
        Some(Expr::Field(f)) if quote!(#f).to_string() == "client . baseurl" => {}
        _ => bail!("the url does not start with `client.baseurl`"),
    }
    let mut params = Vec::new();
    for arg in args {
        params.push(encoded_ident(&arg).with_context(|| {
            format!(
                "url argument `{}` is not `encode_path(&x.to_string())`",
                quote!(#arg)
            )
        })?);
    }
    if template.matches("{}").count() != params.len() + 1 {
        bail!("the url template {template:?} does not match its arguments");
    }
    Ok(params)
}

/// `x` of `encode_path(&x.to_string())`.
fn encoded_ident(arg: &Expr) -> Option<syn::Ident> {
    let Expr::Call(call) = arg else { return None };
    let Expr::Path(func) = &*call.func else {
        return None;
    };
    if !func.path.is_ident("encode_path") || call.args.len() != 1 {
        return None;
    }
    let Expr::Reference(reference) = &call.args[0] else {
        return None;
    };
    let Expr::MethodCall(m) = &*reference.expr else {
        return None;
    };
    if m.method != "to_string" || !m.args.is_empty() {
        return None;
    }
    match &*m.receiver {
        Expr::Path(p) => p.path.get_ident().cloned(),
        _ => None,
    }
}

/// The enums of the `types` module with an `Unknown(String)` variant.
fn open_enums(file: &syn::File) -> Vec<String> {
    let types = file.items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    });
    types
        .into_iter()
        .flatten()
        .filter_map(|item| match item {
            Item::Enum(e) if e.variants.iter().any(|v| v.ident == "Unknown") => {
                Some(e.ident.to_string())
            }
            _ => None,
        })
        .collect()
}

/// Where the generated test of one API goes.
pub fn test_path(root: &Path, api: Api) -> PathBuf {
    root.join("jumpcloud-api")
        .join("tests")
        .join("path_params")
        .join(format!("{}.rs", api.name()))
}

/// The generated test of one API, read off its generated module `code` and its `types`: for
/// every operation with path parameters and every one of them, each value of
/// the test's `BAD` list is refused with `InvalidRequest` naming both.
pub fn test_output(root: &Path, api: Api, code: &str, types: &str) -> Result<Output> {
    let file = syn::parse_file(code).context("the generated module does not parse")?;
    let items = module_items_ref(&file)?;
    let structs = struct_fields(items);
    let types = syn::parse_file(types).context("the generated types do not parse")?;
    let open_enums = open_enums(&types);
    let mut calls = Vec::new();
    let mut operations = 0;
    for item in items {
        let Item::Impl(imp) = item else { continue };
        // The request is built in the builder's `Request::into_request`
        // once the sends are split (see `request::split_sends`).
        let Some(build) = into_request_of(imp) else {
            continue;
        };
        let params = path_parameters(build).context("an into_request")?;
        if params.is_empty() {
            continue;
        }
        let name = checked_operation(build).context("an into_request with path parameters")?;
        let builder = type_ident(&imp.self_ty)
            .with_context(|| format!("the builder of {name} is not a named type"))?
            .to_string();
        let fields = structs
            .get(&builder)
            .with_context(|| format!("no struct {builder}"))?;
        for p in &params {
            let ty = fields
                .get(&p.to_string())
                .and_then(|ty| generic_args(ty, "Result"))
                .and_then(|args| args.into_iter().next())
                .with_context(|| format!("{builder} has no field `{p}: Result<_, String>`"))?;
            // A string, or an open enum (it reads any string, an unlisted
            // one as `Unknown`), takes the bad value as it is.
            let ty = quote!(#ty).to_string().replace(' ', "");
            let open_enum = ty
                .strip_prefix("types::")
                .is_some_and(|e| open_enums.iter().any(|o| o == e));
            if ty != "::std::string::String" && !open_enum {
                bail!(
                    "path parameter `{p}` of {name} is a {ty}, which the generated test \
                     cannot give a bad value; extend path_params::test_output"
                );
            }
            let method = format_ident!("{name}");
            let label = p.to_string();
            // `into_request`, which `send` runs first: the same refusal, without
            // compiling every operation's answer decoding into the test.
            calls.push(quote! {
                refused(client.#method().#p(bad).into_request(), #name, #label, bad);
            });
        }
        operations += 1;
    }
    let module = format_ident!("{}", api.name());
    let test = format_ident!(
        "every_{}_path_parameter_is_checked_before_sending",
        api.name()
    );
    let parameters = calls.len();
    let tokens: TokenStream = quote! {
        use super::{BAD, refused, unreachable};
        use jumpcloud_api::Request;

        #[test]
        fn #test() {
            let client = jumpcloud_api::#module::Client::new(&unreachable(), jumpcloud_api::Sender::none());
            for &bad in BAD {
                #(#calls)*
            }
        }
    };
    let file: syn::File = syn::parse2(tokens).context("the generated test does not parse")?;
    let header = format!(
        "// @generated by `cargo xtask regen` from openapi/jumpcloud-{name}.json. Do not edit.\n\
         //! {title}: {operations} operations with path parameters, {parameters} parameters in all.\n\
         //! Each refuses every value of `BAD` when the request is built, before anything is sent.\n\n",
        name = api.name(),
        title = api.title(),
    );
    let text = super::generate::rustfmt(&(header + &prettyplease::unparse(&file)))?;
    Ok(Output {
        path: test_path(root, api),
        text,
        summary: format!("({operations} operations, {parameters} path parameters)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> syn::File {
        parse_quote! {
            pub mod builder {
                pub struct MemberGet<'a> {
                    client: &'a super::Client,
                    group_id: Result<::std::string::String, String>,
                    id: Result<::std::string::String, String>,
                    limit: Result<Option<i64>, String>,
                }
                impl<'a> MemberGet<'a> {
                    pub async fn send(self) -> Result<ResponseValue<types::Member>, Error<()>> {
                        let Self { client, group_id, id, limit } = self;
                        let group_id = group_id.map_err(Error::InvalidRequest)?;
                        let id = id.map_err(Error::InvalidRequest)?;
                        let limit = limit.map_err(Error::InvalidRequest)?;
                        let url = format!(
                            "{}/groups/{}/members/{}",
                            client.baseurl,
                            encode_path(&group_id.to_string()),
                            encode_path(&id.to_string()),
                        );
                        let info = OperationInfo { operation_id: "member_get" };
                        todo!()
                    }
                }
                pub struct GroupList<'a> {
                    client: &'a super::Client,
                }
                impl<'a> GroupList<'a> {
                    pub async fn send(self) -> Result<ResponseValue<types::Group>, Error<()>> {
                        let Self { client } = self;
                        let url = format!("{}/groups", client.baseurl);
                        let info = OperationInfo { operation_id: "group_list" };
                        todo!()
                    }
                }
            }
        }
    }

    #[test]
    fn checks_each_path_parameter_first() {
        let mut file = file();
        assert_eq!(apply(&mut file).unwrap_or_else(|e| panic!("{e:#}")), 1);
        let text = quote!(#file).to_string();
        let group = text
            .find("crate :: path :: check (\"member_get\" , \"group_id\"")
            .unwrap_or_else(|| panic!("{text}"));
        let id = text
            .find("crate :: path :: check (\"member_get\" , \"id\"")
            .unwrap_or_else(|| panic!("{text}"));
        let first_unwrap = text
            .find("group_id . map_err")
            .unwrap_or_else(|| panic!("{text}"));
        assert!(group < id && id < first_unwrap, "{text}");
        assert_eq!(text.matches("crate :: path :: check").count(), 2);
    }

    #[test]
    fn an_unexpected_url_argument_fails() {
        let send: ImplItemFn = parse_quote! {
            pub async fn send(self) {
                let Self { client, id } = self;
                let url = format!("{}/x/{}", client.baseurl, id);
            }
        };
        let Err(err) = path_parameters(&send) else {
            panic!("a bare `id` in the url was accepted");
        };
        assert!(format!("{err:#}").contains("encode_path"), "{err:#}");
    }
}
