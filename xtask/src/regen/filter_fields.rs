//! The fields each filterable operation can filter on, read from the
//! document: the `FILTER_FIELDS` table of every generated module, which the
//! typed `filter` setters ([`super::filters`]) check filters against
//! (`jumpcloud_api::filter::fields` has the rules at run time).
//!
//! An operation filters on the fields of the objects it returns: a
//! listing's items (where [`super::paging`] found them), or the one object
//! of anything else. Each field gets a type from its schema (text,
//! date-time, integer, number, boolean, enum, an object with sub-fields, or
//! anything). Where the document cannot tell, nothing is checked: objects
//! without declared properties, with `additionalProperties`, or described
//! by `oneOf`/`anyOf` are open, and so is a level whose property names
//! could not be written as a filter field. Names listed flattened
//! (`primarySystemUser.email`) become sub-fields. Graph membership listings
//! (`/memberof`, `/membership`) also filter on `object_id`, which JumpCloud
//! documents for them although their answers call it `id`.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use syn::Item;

use super::facts::{Dialect, Fact, ItemsFrom};
use crate::spec::{self, method_name, properties, resolve};

/// How deep nested objects are described; deeper ones accept anything.
const MAX_DEPTH: usize = 3;

/// The type of one field, as `jumpcloud_api::filter::fields::FieldType`.
#[derive(Clone, Debug, PartialEq)]
pub enum Ty {
    Text,
    DateTime,
    Integer,
    Number,
    Boolean,
    Enum(Vec<String>),
    Object(BTreeMap<String, Ty>),
    Any,
}

/// The fields of every operation in `dialects`, by method name; `None`
/// where they are open.
pub fn derive(
    doc: &Value,
    dialects: &BTreeMap<String, Dialect>,
    paging: &BTreeMap<String, Fact>,
) -> BTreeMap<String, Option<BTreeMap<String, Ty>>> {
    let mut out = BTreeMap::new();
    for operation in spec::operations(doc) {
        let Some(id) = operation.id() else { continue };
        let method = method_name(id);
        if !dialects.contains_key(&method) {
            continue;
        }
        let mut fields = item_schema(doc, operation.op, paging.get(&method))
            .and_then(|item| fields_of(doc, item, 0, &mut Vec::new()));
        if let Some(fields) = &mut fields
            && (operation.path.ends_with("/memberof") || operation.path.ends_with("/membership"))
        {
            fields.entry("object_id".into()).or_insert(Ty::Text);
        }
        out.insert(method, fields);
    }
    out
}

/// The fields of every v1 search operation (a request body with `filter`
/// and `searchFilter`), by method name; `None` where they are open.
pub fn derive_search(
    doc: &Value,
    paging: &BTreeMap<String, Fact>,
) -> BTreeMap<String, Option<BTreeMap<String, Ty>>> {
    let mut out = BTreeMap::new();
    for operation in spec::operations(doc) {
        let Some(id) = operation.id() else { continue };
        let body = resolve(doc, &operation.op["requestBody"]);
        let schema = &body["content"]["application/json"]["schema"];
        let props = properties(doc, schema);
        if !(props.contains_key("filter") && props.contains_key("searchFilter")) {
            continue;
        }
        let method = method_name(id);
        let fields = item_schema(doc, operation.op, paging.get(&method))
            .and_then(|item| fields_of(doc, item, 0, &mut Vec::new()));
        out.insert(method, fields);
    }
    out
}

/// The schema of the objects the operation answers with: a listing's
/// items, else the body itself.
fn item_schema<'a>(doc: &'a Value, op: &'a Value, paging: Option<&Fact>) -> Option<&'a Value> {
    let body = ["200", "201"]
        .iter()
        .find_map(|code| op["responses"].get(*code))
        .map(|r| &resolve(doc, r)["content"]["application/json"]["schema"])
        .filter(|s| !s.is_null())?;
    let body = resolve(doc, body);
    let array = match paging.map(|f| &f.items) {
        Some(ItemsFrom::Json) => return None,
        Some(ItemsFrom::Property(rust)) => resolve(doc, property(doc, body, rust)?),
        Some(ItemsFrom::Array) | None => body,
    };
    if array["type"] == "array" {
        Some(resolve(doc, &array["items"]))
    } else {
        Some(array)
    }
}

/// The property of an object schema (or of a part of its `allOf`) whose
/// Rust name is `rust`.
fn property<'a>(doc: &'a Value, schema: &'a Value, rust: &str) -> Option<&'a Value> {
    let schema = resolve(doc, schema);
    let own = schema["properties"]
        .as_object()
        .and_then(|p| p.iter().find(|(name, _)| name.to_snake_case() == rust))
        .map(|(_, v)| v);
    own.or_else(|| {
        schema["allOf"]
            .as_array()?
            .iter()
            .find_map(|part| property(doc, part, rust))
    })
}

/// Whether the schema, or a part of its `allOf`, admits more than it lists.
fn is_open(doc: &Value, schema: &Value) -> bool {
    let schema = resolve(doc, schema);
    let extra = &schema["additionalProperties"];
    (!extra.is_null() && *extra != Value::Bool(false))
        || !schema["oneOf"].is_null()
        || !schema["anyOf"].is_null()
        || schema["allOf"]
            .as_array()
            .is_some_and(|parts| parts.iter().any(|p| is_open(doc, p)))
}

/// The fields of an object schema, or `None` if it is open. `refs` holds
/// the component schemas being described, so recursion stops.
fn fields_of(
    doc: &Value,
    schema: &Value,
    depth: usize,
    refs: &mut Vec<String>,
) -> Option<BTreeMap<String, Ty>> {
    if depth >= MAX_DEPTH || is_open(doc, schema) {
        return None;
    }
    let props = properties(doc, schema);
    // Some documents list nested fields flattened (`primarySystemUser.email`):
    // they become sub-fields. A name that could not be written as a filter
    // field leaves the level open.
    let writable = |name: &String| {
        name.split('.').all(|segment| {
            !segment.is_empty()
                && !segment.starts_with('-')
                && segment
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
    };
    if props.is_empty() || !props.keys().all(writable) {
        return None;
    }
    let mut out = BTreeMap::new();
    let (plain, dotted): (Vec<_>, Vec<_>) = props.iter().partition(|(name, _)| !name.contains('.'));
    for (name, schema) in plain {
        out.insert(name.clone(), type_of(doc, schema, depth, refs));
    }
    for (name, schema) in dotted {
        let segments: Vec<&str> = name.split('.').collect();
        insert(&mut out, &segments, type_of(doc, schema, depth, refs));
    }
    Some(out)
}

/// Puts `ty` at the dotted path `segments` of `fields`, making the objects
/// on the way; a path through a field that is not an object leaves that
/// field open.
fn insert(fields: &mut BTreeMap<String, Ty>, segments: &[&str], ty: Ty) {
    let [first, rest @ ..] = segments else { return };
    if rest.is_empty() {
        fields.entry((*first).to_owned()).or_insert(ty);
        return;
    }
    let entry = fields
        .entry((*first).to_owned())
        .or_insert_with(|| Ty::Object(BTreeMap::new()));
    match entry {
        Ty::Object(sub) => insert(sub, rest, ty),
        Ty::Any => {}
        other => *other = Ty::Any,
    }
}

fn type_of(doc: &Value, schema: &Value, depth: usize, refs: &mut Vec<String>) -> Ty {
    let name = schema["$ref"].as_str().map(str::to_owned);
    if let Some(name) = &name {
        if refs.contains(name) {
            return Ty::Any;
        }
        refs.push(name.clone());
    }
    let ty = type_of_resolved(doc, resolve(doc, schema), depth, refs);
    if name.is_some() {
        refs.pop();
    }
    ty
}

fn type_of_resolved(doc: &Value, schema: &Value, depth: usize, refs: &mut Vec<String>) -> Ty {
    if let Some([one]) = schema["allOf"].as_array().map(Vec::as_slice)
        && schema["properties"].is_null()
    {
        return type_of(doc, one, depth, refs);
    }
    if let Some(values) = schema["enum"].as_array() {
        let mut strings: Vec<String> = Vec::new();
        for v in values {
            if let Some(v) = v.as_str()
                && !strings.iter().any(|s| s == v)
            {
                strings.push(v.to_owned());
            }
        }
        // An enum of anything but strings is checked by its type alone.
        if !strings.is_empty() && values.iter().all(Value::is_string) {
            return Ty::Enum(strings);
        }
    }
    match schema["type"].as_str() {
        Some("string") => match schema["format"].as_str() {
            Some("date-time" | "date") => Ty::DateTime,
            _ => Ty::Text,
        },
        Some("integer") => Ty::Integer,
        Some("number") => Ty::Number,
        Some("boolean") => Ty::Boolean,
        Some("array") => type_of(doc, &schema["items"], depth, refs),
        Some("object") | None if !schema["properties"].is_null() || !schema["allOf"].is_null() => {
            fields_of(doc, schema, depth + 1, refs).map_or(Ty::Any, Ty::Object)
        }
        _ => Ty::Any,
    }
}

/// The `FILTER_FIELDS` table (sorted by method name, one entry per
/// operation with a typed filter, in the order of `dialects`), the
/// `SEARCH_FIELDS` table of the v1 search operations (sorted by method
/// name, see [`apply_search`]) and the constants they share.
pub fn items(
    doc: &Value,
    dialects: &BTreeMap<String, Dialect>,
    paging: &BTreeMap<String, Fact>,
) -> Result<Vec<Item>> {
    let fields = derive(doc, dialects, paging);
    let search = derive_search(doc, paging);
    let mut shared: BTreeMap<String, (syn::Ident, TokenStream)> = BTreeMap::new();
    let mut entry = |method: &String, fields: Option<&BTreeMap<String, Ty>>| {
        let table = match fields {
            Some(fields) => {
                let list = list_tokens(fields);
                let n = shared.len();
                let (ident, _) = shared
                    .entry(list.to_string())
                    .or_insert_with(|| (format_ident!("FILTER_FIELDS_{}", n), list));
                quote!(Some(#ident))
            }
            None => quote!(None),
        };
        quote!(crate::filter::fields::FilterFields { operation: #method, fields: #table })
    };
    let filters: Vec<TokenStream> = dialects
        .keys()
        .map(|method| entry(method, fields.get(method).and_then(Option::as_ref)))
        .collect();
    let searches: Vec<TokenStream> = search
        .iter()
        .map(|(method, fields)| entry(method, fields.as_ref()))
        .collect();
    let consts = shared
        .values()
        .map(|(ident, list)| quote!(const #ident: &[crate::filter::fields::FieldSpec] = #list;));
    let tokens = quote! {
        #(#consts)*
        /// The fields every operation with a typed `filter` can filter on,
        /// sorted by method name (see `crate::filter::fields`).
        pub static FILTER_FIELDS: &[crate::filter::fields::FilterFields] = &[#(#filters),*];
        /// The fields the bodies of the v1 search operations can filter on,
        /// sorted by method name (see `crate::filter::fields`).
        pub static SEARCH_FIELDS: &[crate::filter::fields::FilterFields] = &[#(#searches),*];
    };
    let file: syn::File = syn::parse2(tokens)?;
    Ok(file.items)
}

/// Rewrites the `body` setter of every v1 search operation's builder so
/// that the body's `filter` and `searchFilter` are checked against
/// `SEARCH_FIELDS` when it is set (a body changed later with `body_map` is
/// not checked).
pub fn apply_search(
    file: &mut syn::File,
    doc: &Value,
    paging: &BTreeMap<String, Fact>,
) -> Result<()> {
    let search = derive_search(doc, paging);
    let rows: BTreeMap<&String, usize> = search.keys().enumerate().map(|(i, k)| (k, i)).collect();
    let items = super::builders::module_items(file)?;
    let mut rewritten = 0;
    for item in items.iter_mut() {
        let Item::Impl(imp) = item else { continue };
        let Some(name) = super::builders::operation_of(imp)? else {
            continue;
        };
        let Some(&row) = rows.get(&name) else {
            continue;
        };
        let Some(setter) = imp.items.iter_mut().find_map(|i| match i {
            syn::ImplItem::Fn(f) if f.sig.ident == "body" => Some(f),
            _ => None,
        }) else {
            bail!("{name} takes a search body but has no `body` setter");
        };
        setter.block = syn::parse2(quote! {{
            self.body = value
                .try_into()
                .map_err(|s| format!("conversion to the search body failed: {}", s))
                .and_then(|body| {
                    super::SEARCH_FIELDS[#row]
                        .check_search(&body.filter, &body.search_filter)
                        .map(|()| body)
                        .map_err(|e| format!("invalid filter: {e}"))
                })
                .map(From::from);
            self
        }})?;
        rewritten += 1;
    }
    if rewritten != search.len() {
        bail!(
            "{} operations take a search body but {rewritten} setters were rewritten",
            search.len()
        );
    }
    Ok(())
}

fn list_tokens(fields: &BTreeMap<String, Ty>) -> TokenStream {
    let specs = fields.iter().map(|(name, ty)| {
        let ty = ty_tokens(ty);
        quote!(crate::filter::fields::FieldSpec { name: #name, ty: #ty })
    });
    quote!(&[#(#specs),*])
}

fn ty_tokens(ty: &Ty) -> TokenStream {
    let path = quote!(crate::filter::fields::FieldType);
    match ty {
        Ty::Text => quote!(#path::Text),
        Ty::DateTime => quote!(#path::DateTime),
        Ty::Integer => quote!(#path::Integer),
        Ty::Number => quote!(#path::Number),
        Ty::Boolean => quote!(#path::Boolean),
        Ty::Enum(values) => quote!(#path::Enum(&[#(#values),*])),
        Ty::Object(fields) => {
            let list = list_tokens(fields);
            quote!(#path::Object(#list))
        }
        Ty::Any => quote!(#path::Any),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "paths": {
                "/things": {"get": {
                    "operationId": "Thing_List",
                    "parameters": [
                        {"name": "filter", "in": "query",
                            "schema": {"type": "array", "items": {"type": "string"}}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                        {"name": "skip", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": {"content": {"application/json": {"schema": {
                        "type": "object", "properties": {
                            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                            "totalCount": {"type": "integer"}}}}}}}
                }},
                "/things/{id}/memberof": {"get": {
                    "operationId": "Thing_MemberOf",
                    "responses": {"200": {"content": {"application/json": {"schema": {
                        "type": "array", "items": {"type": "object", "properties": {
                            "id": {"type": "string"}, "type": {"type": "string", "enum": ["a", "b"]}}}}}}}}
                }},
                "/open": {"get": {
                    "operationId": "Open_List",
                    "responses": {"200": {"content": {"application/json": {"schema": {
                        "type": "array", "items": {"type": "object", "additionalProperties": true,
                            "properties": {"x": {"type": "string"}}}}}}}}
                }},
                "/untyped": {"get": {
                    "operationId": "Untyped_List",
                    "responses": {"200": {"content": {"application/json": {"schema": {"type": "object"}}}}}
                }}
            },
            "components": {"schemas": {
                "Thing": {"type": "object", "properties": {
                    "_id": {"type": "string"},
                    "created": {"type": "string", "format": "date-time"},
                    "count": {"type": "integer"},
                    "ratio": {"type": "number"},
                    "on": {"type": "boolean"},
                    "state": {"type": "string", "enum": ["A", "B"]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "parent": {"$ref": "#/components/schemas/Thing"},
                    "meta": {"type": "object"},
                    "odd": {"type": "object", "properties": {"a b": {"type": "string"}}},
                    "flat": {"type": "object", "properties": {
                        "user.email": {"type": "string"}, "user.n": {"type": "integer"}}},
                    "address": {"allOf": [{"$ref": "#/components/schemas/Address"}]}
                }},
                "Address": {"type": "object", "properties": {"city": {"type": "string"}}}
            }}
        })
    }

    #[test]
    fn fields_come_from_the_items() {
        let d = doc();
        let dialects: BTreeMap<String, Dialect> =
            ["thing_list", "thing_member_of", "open_list", "untyped_list"]
                .into_iter()
                .map(|m| (m.to_string(), Dialect::V2))
                .collect();
        let mut paging = super::super::paging::derive(crate::api::Api::V2, &d).unwrap();
        paging = paging
            .into_iter()
            .map(|(id, f)| (method_name(&id), f))
            .collect();
        let all = derive(&d, &dialects, &paging);
        let thing = all["thing_list"].as_ref().unwrap();
        assert_eq!(thing["_id"], Ty::Text);
        assert_eq!(thing["created"], Ty::DateTime);
        assert_eq!(thing["count"], Ty::Integer);
        assert_eq!(thing["ratio"], Ty::Number);
        assert_eq!(thing["on"], Ty::Boolean);
        assert_eq!(thing["state"], Ty::Enum(vec!["A".into(), "B".into()]));
        assert_eq!(thing["tags"], Ty::Text, "a list filters on its elements");
        let Ty::Object(parent) = &thing["parent"] else {
            panic!("{:?}", thing["parent"])
        };
        assert_eq!(parent["count"], Ty::Integer);
        assert_eq!(parent["parent"], Ty::Any, "recursion stops");
        assert_eq!(
            thing["meta"],
            Ty::Any,
            "an object without properties is open"
        );
        assert_eq!(
            thing["odd"],
            Ty::Any,
            "a name with a space cannot be written"
        );
        let flat = Ty::Object(BTreeMap::from([(
            "user".to_string(),
            Ty::Object(BTreeMap::from([
                ("email".to_string(), Ty::Text),
                ("n".to_string(), Ty::Integer),
            ])),
        )]));
        assert_eq!(thing["flat"], flat, "flattened names become sub-fields");
        let Ty::Object(address) = &thing["address"] else {
            panic!("{:?}", thing["address"])
        };
        assert_eq!(address["city"], Ty::Text);
        assert!(
            !thing.contains_key("totalCount"),
            "the page's count is not an item field"
        );
        let member = all["thing_member_of"].as_ref().unwrap();
        assert_eq!(
            member.keys().collect::<Vec<_>>(),
            ["id", "object_id", "type"]
        );
        assert_eq!(all["open_list"], None);
        assert_eq!(all["untyped_list"], None);

        let items = items(&d, &dialects, &paging).unwrap();
        let code = quote!(#(#items)*).to_string();
        assert!(code.contains("FILTER_FIELDS_0"), "{code}");
        assert!(
            code.contains("operation : \"untyped_list\" , fields : None"),
            "{code}"
        );
    }
}
