//! Typed `filter` parameters: each operation's filter dialect, read from the
//! document, and the generated `filter` setters rewritten to take anything
//! that is `jumpcloud_api::filter::IntoFilters` for that dialect.
//!
//! The dialect follows from where the operation lives: v1 query strings
//! (`field:$op:value`), v2 System Insights tables (`/systeminsights/…`,
//! fewer operators) and every other v2 list (`field:op:value`). Only `filter`
//! parameters that are lists of strings (repeated `filter=` keys) are typed;
//! a single-string `filter` belongs to another grammar (the Office 365
//! import passes Microsoft Graph's OData through) and stays a string. The
//! setters check each filter against the operation's fields
//! ([`super::filter_fields`]) before anything is sent.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use quote::{format_ident, quote};
use serde_json::Value;
use syn::{ImplItem, Item};

use super::facts::Dialect;
use crate::api::Api;
use crate::spec;
use crate::spec::method_name;
use crate::spec::resolve;

/// The dialect of every operation with a typed `filter`, by method name.
pub fn dialects(api: Api, doc: &Value) -> BTreeMap<String, Dialect> {
    let mut out = BTreeMap::new();
    for operation in spec::operations(doc) {
        {
            let path = operation.path;
            let Some(id) = operation.id() else {
                continue;
            };
            let params = operation.parameters().map(|p| resolve(doc, p));
            let typed = params.into_iter().any(|p| {
                let schema = resolve(doc, &p["schema"]);
                p["in"] == "query"
                    && p["name"] == "filter"
                    && schema["type"] == "array"
                    && schema["items"]["type"] == "string"
            });
            if !typed {
                continue;
            }
            let dialect = match api {
                Api::V1 => Dialect::V1Query,
                _ if path.starts_with("/systeminsights") => Dialect::SystemInsights,
                _ => Dialect::V2,
            };
            out.insert(method_name(id), dialect);
        }
    }
    out
}

/// Rewrites the `filter` setter of every builder in `dialects`.
pub fn apply(file: &mut syn::File, dialects: &BTreeMap<String, Dialect>) -> Result<()> {
    let items = super::builders::module_items(file)?;
    // The setters check against `FILTER_FIELDS` ([`super::filter_fields`]),
    // which has one entry per key of `dialects`, in the same order.
    let rows: BTreeMap<&String, usize> = dialects.keys().enumerate().map(|(i, k)| (k, i)).collect();
    let mut rewritten = 0;
    for item in items.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        let Some(name) = super::builders::operation_of(imp)? else {
            continue;
        };
        let Some(dialect) = dialects.get(&name) else {
            continue;
        };
        let marker = format_ident!("{}", dialect.marker());
        let row = rows[&name];
        let Some(setter) = imp.items.iter_mut().find_map(|i| match i {
            ImplItem::Fn(f) if f.sig.ident == "filter" => Some(f),
            _ => None,
        }) else {
            bail!("{name} has a typed filter but no `filter` setter");
        };
        *setter = syn::parse2(quote! {
            pub fn filter<V>(mut self, value: V) -> Self
            where
                V: crate::filter::IntoFilters<crate::filter::#marker>,
            {
                self.filter = value
                    .into_filters_for(&super::FILTER_FIELDS[#row])
                    .map(Some)
                    .map_err(|e| format!("invalid filter: {e}"));
                self
            }
        })?;
        rewritten += 1;
    }
    if rewritten != dialects.len() {
        bail!(
            "{} operations have a typed filter but {rewritten} setters were rewritten",
            dialects.len()
        );
    }
    Ok(())
}
