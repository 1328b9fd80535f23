//! The request builders in progenitor's `builder` module, each tied to the
//! operation it calls through the operation id its `send` hands to the hooks.
//! The passes that add code per operation (`request`, `dynamic`) start here,
//! and every pass that needs to know which operation a `send` calls asks
//! [`OperationIds`]; the [`Builder`] fact itself is in `facts`. It also
//! finds the `types` module and rewrites derive lists, for the passes over
//! the types.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use syn::{GenericArgument, Item, PathArguments, ReturnType, Type};

use super::facts::Builder;

/// Collects the `operation_id: "..."` literals progenitor writes into each
/// `send` method (the `OperationInfo` handed to the hooks).
pub struct OperationIds<'a>(pub &'a mut Vec<String>);

impl<'ast> syn::visit::Visit<'ast> for OperationIds<'_> {
    fn visit_field_value(&mut self, fv: &'ast syn::FieldValue) {
        if let syn::Member::Named(name) = &fv.member
            && name == "operation_id"
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &fv.expr
        {
            self.0.push(s.value());
        }
        syn::visit::visit_field_value(self, fv);
    }
}

/// Where progenitor's `builder` module is among `file`'s items.
fn module_index(file: &syn::File) -> Result<usize> {
    file.items
        .iter()
        .position(
            |item| matches!(item, Item::Mod(m) if m.ident == "builder" && m.content.is_some()),
        )
        .context("progenitor's output has no `builder` module")
}

/// The items of progenitor's `builder` module in `file`.
pub fn module_items(file: &mut syn::File) -> Result<&mut Vec<Item>> {
    let i = module_index(file)?;
    match &mut file.items[i] {
        Item::Mod(m) => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    }
    .context("progenitor's output has no `builder` module")
}

/// [`module_items`], read-only.
pub fn module_items_ref(file: &syn::File) -> Result<&[Item]> {
    let i = module_index(file)?;
    match &file.items[i] {
        Item::Mod(m) => m.content.as_ref().map(|(_, items)| items.as_slice()),
        _ => None,
    }
    .context("progenitor's output has no `builder` module")
}

/// The `send` of a builder's inherent `impl` block, if `imp` is one.
fn send_of(imp: &syn::ItemImpl) -> Option<&syn::ImplItemFn> {
    if imp.trait_.is_some() {
        return None;
    }
    imp.items.iter().find_map(|i| match i {
        syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
        _ => None,
    })
}

/// The operation (method name) a `send` hands to the hooks.
fn operation_named(send: &syn::ImplItemFn) -> Result<String> {
    let mut ids = Vec::new();
    syn::visit::Visit::visit_impl_item_fn(&mut OperationIds(&mut ids), send);
    match ids.as_slice() {
        [name] => Ok(name.clone()),
        _ => bail!("a builder's send names {} operations", ids.len()),
    }
}

/// The operation (method name) a builder's inherent `impl` block sends, or
/// `None` for an `impl` without a `send` (a trait `impl`, a helper type).
pub fn operation_of(imp: &syn::ItemImpl) -> Result<Option<String>> {
    send_of(imp).map(operation_named).transpose()
}

/// The named fields of every struct among `items`: struct → field → type.
pub fn struct_fields(items: &[Item]) -> BTreeMap<String, BTreeMap<String, Type>> {
    let mut out = BTreeMap::new();
    for item in items {
        if let Item::Struct(s) = item {
            let fields = s
                .fields
                .iter()
                .filter_map(|f| Some((f.ident.as_ref()?.to_string(), f.ty.clone())))
                .collect();
            out.insert(s.ident.to_string(), fields);
        }
    }
    out
}

/// Every builder of the `builder` module's `items`.
pub fn builders(items: &[Item]) -> Result<Vec<Builder>> {
    let structs = struct_fields(items);
    let mut out = Vec::new();
    for item in items {
        let Item::Impl(imp) = item else { continue };
        let Some(ident) = type_ident(&imp.self_ty).cloned() else {
            continue;
        };
        let Some(send) = send_of(imp) else { continue };
        let name = operation_named(send).with_context(|| format!("builder {ident}"))?;
        let response = response_type(&send.sig.output)
            .with_context(|| format!("{ident}::send has an unexpected return type"))?;
        out.push(Builder {
            fields: structs
                .get(&ident.to_string())
                .cloned()
                .with_context(|| format!("no struct for builder {ident}"))?,
            ident,
            name,
            response,
        });
    }
    Ok(out)
}

/// `T` from `Result<ResponseValue<T>, Error<()>>`.
fn response_type(output: &ReturnType) -> Option<Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let result = generic_args(ty, "Result")?;
    let value = generic_args(result.first()?, "ResponseValue")?;
    value.first().cloned()
}

/// The items of progenitor's `types` module.
pub fn types_items(file: &mut syn::File) -> Result<&mut Vec<Item>> {
    file.items
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .context("progenitor's output has no `types` module")
}

/// Calls `write` on every struct of the `types` module and puts the item it
/// returns (an `impl`) right after that struct; returns how many it wrote.
/// The passes that write serde impls in place of derives share it.
pub fn write_after_structs(
    file: &mut syn::File,
    mut write: impl FnMut(&mut syn::ItemStruct) -> Result<Option<Item>>,
) -> Result<usize> {
    let types = types_items(file)?;
    let mut out = Vec::with_capacity(types.len());
    let mut written = 0;
    for mut item in std::mem::take(types) {
        let extra = match &mut item {
            Item::Struct(s) => write(s)?,
            _ => None,
        };
        out.push(item);
        if let Some(extra) = extra {
            out.push(extra);
            written += 1;
        }
    }
    *types = out;
    Ok(written)
}

/// The named fields of `s`, if it is a plain struct a written serde impl can
/// stand for: named fields, no generics, no container `#[serde]` attributes.
pub fn plain_named_fields(s: &syn::ItemStruct) -> Option<&syn::FieldsNamed> {
    let syn::Fields::Named(fields) = &s.fields else {
        return None;
    };
    (s.generics.params.is_empty() && !s.attrs.iter().any(|a| a.path().is_ident("serde")))
        .then_some(fields)
}

/// Reads every field of `fields` with `read` (given its name); `None` as
/// soon as one of them cannot be (the struct keeps its derive).
pub fn each_field<M>(
    fields: &syn::FieldsNamed,
    mut read: impl FnMut(syn::Ident, &syn::Field) -> Result<Option<M>>,
) -> Result<Option<Vec<M>>> {
    let mut members = Vec::with_capacity(fields.named.len());
    for field in &fields.named {
        let ident = field
            .ident
            .clone()
            .context("a named field without a name")?;
        match read(ident, field)? {
            Some(m) => members.push(m),
            None => return Ok(None),
        }
    }
    Ok(Some(members))
}

/// The `#[cfg]` attributes of an item, for the `impl` written after it.
pub fn cfg_attrs(attrs: &[syn::Attribute]) -> Vec<&syn::Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("cfg")).collect()
}

/// A generated struct member's `#[serde(...)]` arguments, as the passes
/// that write serde impls read them (`decoders`, `encoders`): one parser, so
/// both agree on what a member is called and which arguments they know.
pub struct SerdeMember {
    /// The name on the wire (`rename`, else the field's name).
    pub name: String,
    /// `default` (`Some(None)`) or `default = "path"` (`Some(Some(path))`).
    pub default: Option<Option<syn::Path>>,
    /// `skip_serializing_if = "path"`.
    pub skip_if: Option<syn::Path>,
    /// `deserialize_with = "path"`.
    pub deserialize_with: Option<syn::Path>,
}

/// Reads the `#[serde]` attributes of member `ident`; `None` when one of
/// them is an argument no written impl reproduces (the struct keeps its
/// derive).
pub fn serde_member(ident: &syn::Ident, attrs: &[syn::Attribute]) -> Result<Option<SerdeMember>> {
    let mut member = SerdeMember {
        name: syn::ext::IdentExt::unraw(ident).to_string(),
        default: None,
        skip_if: None,
        deserialize_with: None,
    };
    let mut unknown = false;
    let path = |meta: &syn::meta::ParseNestedMeta<'_>| -> syn::Result<syn::Path> {
        meta.value()?.parse::<syn::LitStr>()?.parse()
    };
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                member.name = meta.value()?.parse::<syn::LitStr>()?.value();
            } else if meta.path.is_ident("default") {
                member.default = Some(if meta.input.peek(syn::Token![=]) {
                    Some(path(&meta)?)
                } else {
                    None
                });
            } else if meta.path.is_ident("skip_serializing_if") {
                member.skip_if = Some(path(&meta)?);
            } else if meta.path.is_ident("deserialize_with") {
                member.deserialize_with = Some(path(&meta)?);
            } else {
                unknown = true;
                if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
            }
            Ok(())
        })?;
    }
    Ok((!unknown).then_some(member))
}

/// Whether `path` is these segments (`::serde::Deserialize` is `["serde",
/// "Deserialize"]`).
pub fn path_is(path: &syn::Path, segments: &[&str]) -> bool {
    path.segments.len() == segments.len()
        && path
            .segments
            .iter()
            .zip(segments)
            .all(|(s, want)| s.ident == want)
}

/// Whether a derive's path is `::serde::Deserialize` (as typify writes it);
/// the passes that write decoders drop it.
pub fn is_serde_deserialize(path: &syn::Path) -> bool {
    path_is(path, &["serde", "Deserialize"])
}

/// Takes the paths `drop` picks out of every `#[derive(...)]` in `attrs`
/// (a derive left empty goes) and says whether it took any.
pub fn drop_derives(
    attrs: &mut Vec<syn::Attribute>,
    drop: impl Fn(&syn::Path) -> bool,
) -> Result<bool> {
    let mut dropped = false;
    let mut kept_attrs = Vec::with_capacity(attrs.len());
    for attr in std::mem::take(attrs) {
        if !attr.path().is_ident("derive") {
            kept_attrs.push(attr);
            continue;
        }
        let paths = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
        )?;
        let before = paths.len();
        let kept: Vec<syn::Path> = paths.into_iter().filter(|p| !drop(p)).collect();
        dropped |= kept.len() != before;
        if !kept.is_empty() {
            kept_attrs.push(syn::parse_quote!(#[derive(#(#kept),*)]));
        }
    }
    *attrs = kept_attrs;
    Ok(dropped)
}

/// The name of a path type: `Foo` of `types::Foo` or `Foo<'a>`.
pub fn type_ident(ty: &Type) -> Option<&syn::Ident> {
    let Type::Path(p) = ty else { return None };
    p.path.segments.last().map(|s| &s.ident)
}

/// The type arguments of `ty` if its last segment is `name`.
pub fn generic_args(ty: &Type, name: &str) -> Option<Vec<Type>> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    Some(
        args.args
            .iter()
            .filter_map(|a| match a {
                GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
    )
}

/// For the passes' unit tests: runs `pass` over `src` and returns its count
/// and its output printed with all whitespace removed, so a check does not
/// depend on where prettyplease breaks lines.
#[cfg(test)]
#[allow(clippy::expect_used)]
pub fn run_pass(src: &str, pass: fn(&mut syn::File) -> Result<usize>) -> (usize, String) {
    let mut file: syn::File = syn::parse_str(src).expect("test input parses");
    let n = pass(&mut file).expect("the pass runs");
    (n, squeeze(&prettyplease::unparse(&file)))
}

/// `s` without whitespace (see [`run_pass`]).
#[cfg(test)]
pub fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}
