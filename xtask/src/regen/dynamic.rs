//! `Client::call_json`: any operation, by name, with JSON arguments.
//!
//! For every builder of the `builder` module a `from_json` constructor is
//! added there (where the private fields are reachable): each path, query
//! and header parameter is read from the argument object under its name in
//! the document and deserialised into the field's own type, the body from
//! `"body"` into the body type. `call_json` looks the operation up in
//! `OPERATIONS` (by operation id or method name), builds the builder and
//! sends it with its ordinary `send()`, so the wire code and the client's
//! hooks are the same as for a typed call. The helpers live in
//! `jumpcloud-api/src/dynamic.rs`; the generated part is a few lines per
//! operation.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use syn::{Item, Type};

use super::builders::generic_args;

use crate::api::Api;
use crate::spec;
use crate::spec::method_name;
use crate::spec::resolve;

/// One parameter of an operation, as the document states it.
#[derive(Debug, PartialEq)]
struct Param {
    name: String,
    required: bool,
}

/// What `from_json` needs of one operation.
#[derive(Debug, Default, PartialEq)]
struct Shape {
    params: Vec<Param>,
    body_required: Option<bool>,
    /// The answer is not JSON (a file): progenitor gives a `ByteStream`.
    bytes: bool,
}

/// Adds `from_json` to every builder and `Client::call_json` to `file`.
pub fn apply(file: &mut syn::File, api: Api, doc: &Value) -> Result<()> {
    let shapes = shapes(doc)?;
    let items = super::builders::module_items(file)?;
    let builders = builders(items)?;
    if builders.len() != shapes.len() {
        bail!(
            "{} builders for {} operations in the document",
            builders.len(),
            shapes.len()
        );
    }
    let mut impls = Vec::new();
    let mut arms = Vec::new();
    for (name, (ident, fields)) in &builders {
        let shape = shapes
            .get(name)
            .with_context(|| format!("builder {ident} calls {name}, not in the document"))?;
        impls.push(from_json(ident, fields, shape).with_context(|| format!("{name} ({ident})"))?);
        let boxed = if shape.bytes {
            quote!(boxed_bytes)
        } else {
            quote!(boxed)
        };
        arms.push(quote! {
            #name => crate::dynamic::#boxed(builder::#ident::from_json(self, args)),
        });
    }
    let tokens: TokenStream = impls.into_iter().collect();
    let parsed: syn::File = syn::parse2(tokens).context("generated from_json does not parse")?;
    items.extend(parsed.items);

    let variant = format_ident!("{}", api.variant());
    let call = quote! {
        impl Client {
            /// Calls any operation of this API by operation id or method
            /// name, with the arguments as one JSON object: each path, query
            /// and header parameter under its name in the document, the
            /// request body under `"body"`. The request is the operation's
            /// own builder, sent through this client's hooks; the decoded
            /// answer comes back as JSON (`null` for a bodiless one).
            pub fn call_json<'a>(
                &'a self,
                operation: &str,
                args: &'a ::serde_json::Value,
            ) -> crate::dynamic::JsonCall<'a> {
                let op = match crate::dynamic::lookup(OPERATIONS, crate::Api::#variant, operation) {
                    Ok(op) => op,
                    Err(e) => return crate::dynamic::failed(e),
                };
                match op.rust_method {
                    #(#arms)*
                    _ => crate::dynamic::failed(crate::CallError::UnknownOperation {
                        api: crate::Api::#variant,
                        operation: operation.to_string(),
                    }),
                }
            }
        }
    };
    let parsed: syn::File = syn::parse2(call).context("generated call_json does not parse")?;
    file.items.extend(parsed.items);
    Ok(())
}

/// Method name → the operation's parameters and body, from the document.
/// Operation-level parameters replace path-level ones of the same name and
/// location.
fn shapes(doc: &Value) -> Result<BTreeMap<String, Shape>> {
    let mut out = BTreeMap::new();
    doc["paths"]
        .as_object()
        .context("the document has no paths")?;
    for operation in spec::operations(doc) {
        {
            let op = operation.op;
            let id = operation.id().with_context(|| {
                format!("{} {} has no operationId", operation.verb(), operation.path)
            })?;
            let mut params: Vec<(String, String, bool)> = Vec::new();
            for p in operation.parameters() {
                let p = resolve(doc, p);
                let (Some(name), Some(at)) = (p["name"].as_str(), p["in"].as_str()) else {
                    bail!("{id}: a parameter without name or location");
                };
                if name == "body" {
                    bail!("{id}: a parameter named `body` would be confused with the request body");
                }
                let required = p["required"].as_bool().unwrap_or(false) || at == "path";
                params.retain(|(n, a, _)| !(n == name && a == at));
                params.push((name.to_string(), at.to_string(), required));
            }
            let body = op
                .get("requestBody")
                .map(|b| resolve(doc, b)["required"].as_bool().unwrap_or(false));
            let bytes = op["responses"].as_object().is_some_and(|responses| {
                responses.iter().any(|(status, r)| {
                    status.starts_with('2')
                        && resolve(doc, r)["content"].as_object().is_some_and(|c| {
                            !c.is_empty()
                                && !c
                                    .keys()
                                    .any(|k| k == "application/json" || k.ends_with("+json"))
                        })
                })
            });
            out.insert(
                method_name(id),
                Shape {
                    params: params
                        .into_iter()
                        .map(|(name, _, required)| Param { name, required })
                        .collect(),
                    body_required: body,
                    bytes,
                },
            );
        }
    }
    Ok(out)
}

type Fields = BTreeMap<String, Type>;

/// Method name → (builder struct, its fields).
fn builders(items: &[Item]) -> Result<BTreeMap<String, (syn::Ident, Fields)>> {
    Ok(super::builders::builders(items)?
        .into_iter()
        .map(|b| (b.name, (b.ident, b.fields)))
        .collect())
}

/// progenitor's field name for a parameter (typify's `sanitize` in snake
/// case: a keyword gets a trailing `_`).
fn field_name(param: &str) -> String {
    let name = method_name(param);
    let name = match name.chars().next() {
        None => "x".to_string(),
        Some(c) if c.is_alphabetic() || c == '_' => name,
        Some(_) => format!("_{name}"),
    };
    if syn::parse_str::<syn::Ident>(&name).is_ok() {
        name
    } else {
        format!("{name}_")
    }
}

fn from_json(ident: &syn::Ident, fields: &Fields, shape: &Shape) -> Result<TokenStream> {
    let mut names: Vec<&str> = Vec::new();
    let mut sets = Vec::new();
    let mut covered = 0;
    for p in &shape.params {
        let field = field_name(&p.name);
        if !fields.contains_key(&field) {
            bail!("parameter `{}` has no builder field `{field}`", p.name);
        }
        covered += 1;
        let (f, name, required) = (format_ident!("{field}"), &p.name, p.required);
        names.push(&p.name);
        sets.push(quote!(a.set(&mut this.#f, #name, #required)?;));
    }
    if let Some(required) = shape.body_required {
        let ty = fields
            .get("body")
            .context("the operation has a body but the builder no `body` field")?;
        let body = body_type(ty)?;
        covered += 1;
        names.push("body");
        sets.push(quote!(a.set_body::<#body, _>(&mut this.body, #required)?;));
    }
    // Every field but the client must be set from an argument.
    if covered + 1 != fields.len() {
        let known: Vec<String> = shape.params.iter().map(|p| field_name(&p.name)).collect();
        let unset: Vec<&String> = fields
            .keys()
            .filter(|f| *f != "client" && *f != "body" && !known.contains(f))
            .collect();
        bail!("builder fields no argument sets: {unset:?}");
    }
    let check = quote! {
        crate::dynamic::Args::new(<Self as crate::Request>::operation(), args, &[#(#names),*])?
    };
    let body = if sets.is_empty() {
        quote! {
            #check;
            Ok(Self::new(client))
        }
    } else {
        quote! {
            let a = #check;
            let mut this = Self::new(client);
            #(#sets)*
            Ok(this)
        }
    };
    Ok(quote! {
        impl<'a> #ident<'a> {
            /// This builder with its arguments read from a JSON object.
            pub(crate) fn from_json(
                client: &'a super::Client,
                args: &::serde_json::Value,
            ) -> Result<Self, crate::CallError> {
                #body
            }
        }
    })
}

/// The type `"body"` is read as: `types::X` for a field holding typify's
/// `types::builder::X`, else the field's own type.
fn body_type(field: &Type) -> Result<Type> {
    let inner = generic_args(field, "Result")
        .and_then(|a| a.first().cloned())
        .context("the body field is not a Result")?;
    if let Type::Path(p) = &inner {
        let segs: Vec<String> = p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        if segs.len() == 3 && segs[0] == "types" && segs[1] == "builder" {
            let name = &p.path.segments[2].ident;
            return Ok(syn::parse_quote!(types::#name));
        }
    }
    Ok(inner)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    #[test]
    fn field_names_follow_progenitor() {
        assert_eq!(field_name("limit"), "limit");
        assert_eq!(field_name("x-org-id"), "x_org_id");
        assert_eq!(field_name("ConsistencyLevel"), "consistency_level");
        assert_eq!(field_name("agreement_ID"), "agreement_id");
        assert_eq!(field_name("type"), "type_");
    }

    #[test]
    fn operation_parameters_replace_shared_ones() {
        let doc = json!({"paths": {"/g/{id}": {
            "parameters": [{"name": "id", "in": "path", "schema": {"type": "string"}},
                           {"$ref": "#/components/parameters/limit"}],
            "put": {"operationId": "G_Set",
                    "parameters": [{"name": "limit", "in": "query", "required": true}],
                    "requestBody": {"required": true, "content": {}}},
            "get": {"operationId": "G_Get"}
        }}, "components": {"parameters": {"limit": {"name": "limit", "in": "query"}}}});
        let shapes = shapes(&doc).unwrap();
        let set = &shapes["g_set"];
        assert_eq!(
            set.params,
            vec![
                Param {
                    name: "id".into(),
                    required: true
                },
                Param {
                    name: "limit".into(),
                    required: true
                },
            ]
        );
        assert_eq!(set.body_required, Some(true));
        let get = &shapes["g_get"];
        assert_eq!(
            get.params[1],
            Param {
                name: "limit".into(),
                required: false
            }
        );
        assert_eq!(get.body_required, None);
    }

    #[test]
    fn every_field_is_set_from_an_argument() {
        let item: syn::File = syn::parse_quote! {
            pub struct GSet<'a> {
                client: &'a super::Client,
                id: Result<::std::string::String, String>,
                type_: Result<Option<types::GType>, String>,
                body: Result<types::builder::GPut, String>,
            }
        };
        let Item::Struct(s) = &item.items[0] else {
            unreachable!()
        };
        let fields: Fields = s
            .fields
            .iter()
            .map(|f| (f.ident.as_ref().unwrap().to_string(), f.ty.clone()))
            .collect();
        let shape = Shape {
            params: vec![
                Param {
                    name: "id".into(),
                    required: true,
                },
                Param {
                    name: "type".into(),
                    required: false,
                },
            ],
            body_required: Some(false),
            bytes: false,
        };
        let code = from_json(&format_ident!("GSet"), &fields, &shape)
            .unwrap()
            .to_string();
        assert!(
            code.contains("a . set (& mut this . type_ , \"type\" , false)"),
            "{code}"
        );
        assert!(code.contains("set_body :: < types :: GPut , _ >"), "{code}");
        assert!(code.contains("[\"id\" , \"type\" , \"body\"]"), "{code}");

        let missing = Shape {
            params: vec![Param {
                name: "id".into(),
                required: true,
            }],
            body_required: Some(false),
            bytes: false,
        };
        let err = from_json(&format_ident!("GSet"), &fields, &missing).unwrap_err();
        assert!(err.to_string().contains("type_"), "{err}");
    }
}
