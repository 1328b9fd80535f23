//! List query parameters on the wire.
//!
//! progenitor repeats the key for every array element whatever the document
//! says. Where the document says `explode: false`, the value must go as one
//! delimited string instead (`sort=-name,_id`; v1's space-delimited
//! `fields`), so those arguments are wrapped in `crate::wire::Delimited`.

use std::collections::BTreeSet;

use anyhow::Result;
use serde_json::Value;
use syn::visit::Visit;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, ExprCall, ExprLit, ImplItemFn, Lit, parse_quote};

use super::facts::Delimited;
use crate::spec;
use crate::spec::resolve;

/// The query parameters of each operation that the document says go as one
/// delimited value.
pub fn delimited_parameters(doc: &Value) -> Delimited {
    let mut out = Delimited::new();
    for operation in spec::operations(doc) {
        {
            let Some(id) = operation.id() else {
                continue;
            };
            for param in operation.parameters() {
                let param = resolve(doc, param);
                if param["in"] != "query" || param["explode"] != Value::Bool(false) {
                    continue;
                }
                if resolve(doc, &param["schema"])["type"] != "array" {
                    continue;
                }
                let separator = match param["style"].as_str() {
                    Some("spaceDelimited") => " ",
                    Some("pipeDelimited") => "|",
                    _ => ",",
                };
                if let Some(name) = param["name"].as_str() {
                    out.entry(spec::method_name(id))
                        .or_default()
                        .insert(name.to_string(), separator);
                }
            }
        }
    }
    out
}

/// Rewrites `QueryParam::new("sort", &sort)` into
/// `QueryParam::new("sort", &crate::wire::Delimited::new(&sort, ","))` in the
/// `send` method of each operation listed in `delimited`.
pub fn apply(file: &mut syn::File, delimited: &Delimited) -> Result<()> {
    let mut rewriter = Rewriter {
        delimited,
        current: None,
        done: BTreeSet::new(),
    };
    rewriter.visit_file_mut(file);
    let expected: BTreeSet<(String, String)> = delimited
        .iter()
        .flat_map(|(id, params)| params.keys().map(move |p| (id.clone(), p.clone())))
        .collect();
    let missed: Vec<_> = expected.difference(&rewriter.done).collect();
    if !missed.is_empty() {
        anyhow::bail!("delimited query parameters not found in the generated code: {missed:?}");
    }
    Ok(())
}

struct Rewriter<'a> {
    delimited: &'a Delimited,
    current: Option<String>,
    done: BTreeSet<(String, String)>,
}

impl VisitMut for Rewriter<'_> {
    fn visit_impl_item_fn_mut(&mut self, f: &mut ImplItemFn) {
        if f.sig.ident == "send" {
            self.current = operation_id(f);
        }
        visit_mut::visit_impl_item_fn_mut(self, f);
        self.current = None;
    }

    fn visit_expr_call_mut(&mut self, call: &mut ExprCall) {
        visit_mut::visit_expr_call_mut(self, call);
        let Some(id) = &self.current else { return };
        let Some(params) = self.delimited.get(id) else {
            return;
        };
        let is_query_param = matches!(&*call.func, Expr::Path(p)
            if p.path.segments.len() >= 2
                && p.path.segments[p.path.segments.len() - 2].ident == "QueryParam"
                && p.path.segments[p.path.segments.len() - 1].ident == "new");
        if !is_query_param || call.args.len() != 2 {
            return;
        }
        let Some(Expr::Lit(ExprLit {
            lit: Lit::Str(name),
            ..
        })) = call.args.first()
        else {
            return;
        };
        let name = name.value();
        let Some(separator) = params.get(&name) else {
            return;
        };
        if let Some(value) = call.args.iter_mut().nth(1) {
            let original = value.clone();
            *value = parse_quote!(&crate::wire::Delimited::new(#original, #separator));
            self.done.insert((id.clone(), name));
        }
    }
}

/// The `operation_id: "..."` literal of a generated `send` method.
fn operation_id(f: &ImplItemFn) -> Option<String> {
    let mut found = Vec::new();
    super::builders::OperationIds(&mut found).visit_impl_item_fn(f);
    found.pop()
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;
    use serde_json::json;

    #[test]
    fn finds_explode_false_arrays_and_rewrites_them() {
        let doc = json!({"paths": {"/groups": {"get": {
            "operationId": "groups_list",
            "parameters": [
                {"$ref": "#/components/parameters/sort"},
                {"name": "filter", "in": "query", "explode": true, "schema": {"type": "array"}},
                {"name": "fields", "in": "query", "style": "spaceDelimited", "explode": false,
                 "schema": {"type": "array"}}
            ]
        }}},
        "components": {"parameters": {"sort": {"name": "sort", "in": "query", "style": "form",
            "explode": false, "schema": {"type": "array"}}}}});
        let found = delimited_parameters(&doc);
        assert_eq!(found["groups_list"].get("sort"), Some(&","));
        assert_eq!(found["groups_list"].get("fields"), Some(&" "));
        assert_eq!(found["groups_list"].get("filter"), None);

        let mut file: syn::File = parse_quote! {
            impl<'a> GroupsList<'a> {
                pub async fn send(self) {
                    let request = client.get(url)
                        .query(&progenitor_client::QueryParam::new("filter", &filter))
                        .query(&progenitor_client::QueryParam::new("sort", &sort))
                        .query(&progenitor_client::QueryParam::new("fields", &fields));
                    let info = OperationInfo { operation_id: "groups_list" };
                }
            }
        };
        apply(&mut file, &found).unwrap_or_else(|e| panic!("{e}"));
        let text = quote!(#file).to_string();
        assert!(text.contains("\"filter\" , & filter"), "{text}");
        assert!(text.contains("Delimited :: new (& sort , \",\")"), "{text}");
        assert!(
            text.contains("Delimited :: new (& fields , \" \")"),
            "{text}"
        );
    }
}
