//! The request builders in progenitor's `builder` module, each tied to the
//! operation it calls through the operation id its `send` hands to the hooks.
//! The passes that add code per operation (`request`, `dynamic`) start here.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use syn::{Item, ReturnType, Type};

use super::operations::OperationIds;
use super::request::generic_args;

/// One builder found in the generated code.
pub struct Builder {
    pub ident: syn::Ident,
    /// The operation's method name (progenitor's operation id).
    pub name: String,
    /// `T` of `ResponseValue<T>`.
    pub response: Type,
    /// Field name → field type (as written in the struct).
    pub fields: BTreeMap<String, Type>,
}

/// Every builder of the `builder` module's `items`.
pub fn builders(items: &[Item]) -> Result<Vec<Builder>> {
    let mut structs: BTreeMap<String, BTreeMap<String, Type>> = BTreeMap::new();
    for item in items {
        if let Item::Struct(s) = item {
            let fields = s
                .fields
                .iter()
                .filter_map(|f| Some((f.ident.as_ref()?.to_string(), f.ty.clone())))
                .collect();
            structs.insert(s.ident.to_string(), fields);
        }
    }
    let mut out = Vec::new();
    for item in items {
        let Item::Impl(imp) = item else { continue };
        if imp.trait_.is_some() {
            continue;
        }
        let Type::Path(self_ty) = imp.self_ty.as_ref() else {
            continue;
        };
        let Some(ident) = self_ty.path.segments.last().map(|s| s.ident.clone()) else {
            continue;
        };
        for impl_item in &imp.items {
            let syn::ImplItem::Fn(f) = impl_item else {
                continue;
            };
            if f.sig.ident != "send" {
                continue;
            }
            let mut ids = Vec::new();
            syn::visit::Visit::visit_impl_item_fn(&mut OperationIds(&mut ids), f);
            let [name] = ids.as_slice() else {
                bail!("{ident}::send names {} operations", ids.len());
            };
            let response = response_type(&f.sig.output)
                .with_context(|| format!("{ident}::send has an unexpected return type"))?;
            out.push(Builder {
                fields: structs
                    .get(&ident.to_string())
                    .cloned()
                    .with_context(|| format!("no struct for builder {ident}"))?,
                ident: ident.clone(),
                name: name.clone(),
                response,
            });
        }
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
