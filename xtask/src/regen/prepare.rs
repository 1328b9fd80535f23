//! Generator-only adjustments: the document stays a true account of the
//! server, and what progenitor cannot express is adapted here, on a copy.
//!
//! progenitor types one success body per operation and panics when a typed
//! 2xx sits beside a bodiless one (JumpCloud's group deletes answer 200 with
//! the deleted object *or* 204). Such operations are handed to progenitor as
//! bodiless, and [`restore_bodies`] then rewrites their `send` to return
//! `Option<T>`: the object when the server sends one, `None` when it sends
//! nothing.
//!
//! progenitor also refuses the `spaceDelimited` and `pipeDelimited` query
//! styles. Those parameters are handed to it as `form`; the separator the
//! document names is applied by the `query` rewrite, which reads the
//! original document.
//!
//! `additionalProperties: false` would make typify reject any object carrying
//! a field the document does not list; JumpCloud adds fields over time, and a
//! new field must never fail a call. It is dropped on the copy.

use anyhow::{Result, bail};
use quote::format_ident;
use serde_json::Value;
use syn::visit_mut::VisitMut;

use crate::spec;

/// An operation whose typed success body was dropped for progenitor.
#[derive(Debug, PartialEq)]
pub struct Dropped {
    pub id: String,
    /// The schema of the typed success body.
    pub schema: Value,
}

/// Returns the operations whose success bodies it dropped.
pub fn prepare(doc: &mut Value) -> Vec<Dropped> {
    generator_friendly(doc);
    let mut changed = Vec::new();
    spec::operations_mut(doc, |_, _, op| {
        let id = op["operationId"].as_str().unwrap_or("?").to_string();
        let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
            return;
        };
        let success: Vec<&String> = responses
            .keys()
            .filter(|code| code.starts_with('2'))
            .collect();
        let typed = success
            .iter()
            .filter(|code| responses[code.as_str()].get("content").is_some())
            .count();
        if typed > 0 && typed < success.len() {
            let schema = success
                .iter()
                .find_map(|code| {
                    responses[code.as_str()]["content"]
                        .as_object()
                        .and_then(|c| c.values().next())
                        .map(|media| media["schema"].clone())
                })
                .unwrap_or(Value::Null);
            for (code, response) in responses.iter_mut() {
                if code.starts_with('2')
                    && let Some(r) = response.as_object_mut()
                {
                    r.remove("content");
                }
            }
            changed.push(Dropped { id, schema });
        }
    });
    changed.sort_by(|a, b| a.id.cmp(&b.id));
    changed
}

/// Rewrites the `send` of every operation in `dropped` to decode the body it
/// lost when there is one: `ResponseValue<Option<T>>`, `Some` for a 2xx with
/// a body, `None` for an empty one. `T` is the schema's generated type when
/// it has one, `String` for a string, JSON otherwise.
pub fn restore_bodies(file: &mut syn::File, dropped: &[Dropped]) -> Result<()> {
    use heck::ToUpperCamelCase;
    let type_names: Vec<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
            _ => None,
        })
        .flat_map(|(_, items)| items)
        .filter_map(|item| match item {
            syn::Item::Struct(s) => Some(s.ident.to_string()),
            syn::Item::Enum(e) => Some(e.ident.to_string()),
            syn::Item::Type(t) => Some(t.ident.to_string()),
            _ => None,
        })
        .collect();
    for d in dropped {
        let name = crate::spec::method_name(&d.id);
        let referenced = d.schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(|n| n.to_upper_camel_case())
            .filter(|n| type_names.contains(n));
        let ty: syn::Type = match referenced {
            Some(n) => {
                let n = format_ident!("{n}");
                syn::parse_quote!(types::#n)
            }
            None if d.schema["type"] == "string" => syn::parse_quote!(::std::string::String),
            None => syn::parse_quote!(::serde_json::Value),
        };
        let mut rewrite = Rewrite {
            name: &name,
            ty: &ty,
            done: 0,
        };
        rewrite.visit_file_mut(file);
        if rewrite.done != 1 {
            bail!(
                "{}: found {} `send`s to give back their body",
                d.id,
                rewrite.done
            );
        }
    }
    Ok(())
}

struct Rewrite<'a> {
    name: &'a str,
    ty: &'a syn::Type,
    done: usize,
}

impl VisitMut for Rewrite<'_> {
    fn visit_impl_item_fn_mut(&mut self, f: &mut syn::ImplItemFn) {
        if f.sig.ident != "send" {
            return;
        }
        let mut ids = Vec::new();
        syn::visit::Visit::visit_impl_item_fn(&mut super::builders::OperationIds(&mut ids), f);
        if ids.first().map(String::as_str) != Some(self.name) {
            return;
        }
        let ty = self.ty;
        f.sig.output = syn::parse_quote! {
            -> Result<ResponseValue<::std::option::Option<#ty>>, Error<()>>
        };
        let mut arms = SuccessArms { ty, rewritten: 0 };
        arms.visit_block_mut(&mut f.block);
        if arms.rewritten > 0 {
            self.done += 1;
        }
    }
}

/// Replaces `Ok(ResponseValue::empty(response))` arms with the decode
/// (`crate::answer::json_or_empty_body`).
struct SuccessArms<'a> {
    ty: &'a syn::Type,
    rewritten: usize,
}

impl VisitMut for SuccessArms<'_> {
    fn visit_arm_mut(&mut self, arm: &mut syn::Arm) {
        if super::answers::arm_text(&arm.body) == "Ok(ResponseValue::empty(response))" {
            let ty = self.ty;
            *arm.body = syn::parse_quote! {
                crate::answer::json_or_empty_body::<#ty>(response).await
            };
            self.rewritten += 1;
        }
        syn::visit_mut::visit_arm_mut(self, arm);
    }
}

/// Schema keywords that only constrain values. Without `pattern`, typify
/// never needs a regular expression crate.
const LIMITS: &[&str] = &[
    "maxLength",
    "minLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
];

fn generator_friendly(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            if obj.get("additionalProperties") == Some(&Value::Bool(false)) {
                obj.remove("additionalProperties");
            }
            // A schema has a string `type`; a `properties` map may have a
            // property *named* type, whose value is an object.
            let is_schema = obj.get("type").is_some_and(Value::is_string)
                || obj.get("format").is_some_and(Value::is_string);
            if is_schema {
                for limit in LIMITS {
                    obj.remove(*limit);
                }
                // typify would type these `uuid::Uuid`: a whole crate in every user's
                // build for a string JumpCloud does not check either.
                if obj.get("format").and_then(Value::as_str) == Some("uuid") {
                    obj.remove("format");
                }
            }
            let delimited = obj.get("in").and_then(Value::as_str) == Some("query")
                && matches!(
                    obj.get("style").and_then(Value::as_str),
                    Some("spaceDelimited" | "pipeDelimited")
                );
            if delimited {
                obj.insert("style".into(), Value::String("form".into()));
            }
            obj.values_mut().for_each(generator_friendly);
        }
        Value::Array(items) => items.iter_mut().for_each(generator_friendly),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use quote::quote;
    use serde_json::json;

    #[test]
    fn mixed_success_bodies_become_bodiless() {
        let mut doc = json!({"paths": {"/g/{id}": {
            "delete": {"operationId": "G_Delete", "responses": {
                "200": {"description": "", "content": {"application/json": {"schema": {}}}},
                "204": {"description": ""}}},
            "get": {"operationId": "G_Get", "responses": {
                "200": {"description": "", "content": {"application/json": {"schema": {}}}}}}
        }}});
        let dropped = prepare(&mut doc);
        assert_eq!(
            dropped,
            vec![Dropped {
                id: "G_Delete".into(),
                schema: json!({})
            }]
        );
        assert!(
            doc["paths"]["/g/{id}"]["delete"]["responses"]["200"]
                .get("content")
                .is_none()
        );
        assert!(
            doc["paths"]["/g/{id}"]["get"]["responses"]["200"]
                .get("content")
                .is_some()
        );
    }

    #[test]
    fn restored_deletes_return_the_object_when_sent() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types { pub struct Gizmo {} }
            pub mod builder {
                impl<'a> GizmoDelete<'a> {
                    pub async fn send(self) -> Result<ResponseValue<()>, Error<()>> {
                        let info = OperationInfo { operation_id: "gizmo_delete" };
                        match response.status().as_u16() {
                            200u16 => Ok(ResponseValue::empty(response)),
                            204u16 => Ok(ResponseValue::empty(response)),
                            _ => Err(Error::UnexpectedResponse(response)),
                        }
                    }
                }
            }
        };
        let dropped = [Dropped {
            id: "Gizmo_Delete".into(),
            schema: json!({"$ref": "#/components/schemas/Gizmo"}),
        }];
        restore_bodies(&mut file, &dropped).unwrap();
        let text: String = quote!(#file)
            .to_string()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        assert!(
            text.contains("Result<ResponseValue<::std::option::Option<types::Gizmo>>,Error<()>>"),
            "{text}"
        );
        assert_eq!(
            text.matches("crate::answer::json_or_empty_body::<types::Gizmo>(response).await")
                .count(),
            2,
            "{text}"
        );
        assert!(!text.contains("ResponseValue::empty"), "{text}");
        // An operation that is not there is an error, not a silent skip.
        let missing = [Dropped {
            id: "Other_Delete".into(),
            schema: json!({"type": "string"}),
        }];
        assert!(restore_bodies(&mut file, &missing).is_err());
    }

    #[test]
    fn delimited_styles_are_handed_over_as_form() {
        let mut doc = json!({"components": {"parameters": {"f": {
            "in": "query", "name": "fields", "style": "spaceDelimited", "explode": false}}}});
        prepare(&mut doc);
        assert_eq!(doc["components"]["parameters"]["f"]["style"], "form");
        assert_eq!(doc["components"]["parameters"]["f"]["explode"], false);
    }

    #[test]
    fn value_limits_are_not_enforced_on_decode() {
        let mut doc = json!({"components": {"schemas": {"U": {"type": "object", "properties": {
            "uid": {"type": "integer", "minimum": 1},
            "name": {"type": "string", "maxLength": 1024, "pattern": "^[a-z]+$"},
            "minimum": {"type": "string"},
            "type": {"type": "string"}}}}}});
        prepare(&mut doc);
        let props = &doc["components"]["schemas"]["U"]["properties"];
        assert_eq!(props["uid"], json!({"type": "integer"}));
        assert_eq!(props["name"], json!({"type": "string"}));
        assert_eq!(props["minimum"], json!({"type": "string"}));
        assert_eq!(props["type"], json!({"type": "string"}));
    }

    #[test]
    fn uuids_are_plain_strings() {
        let mut doc = json!({"components": {"schemas": {"R": {"type": "object", "properties": {
            "id": {"type": "string", "format": "uuid"},
            "at": {"type": "string", "format": "date-time"}}}}}});
        prepare(&mut doc);
        let props = &doc["components"]["schemas"]["R"]["properties"];
        assert_eq!(props["id"], json!({"type": "string"}));
        assert_eq!(props["at"]["format"], "date-time");
    }

    #[test]
    fn closed_objects_are_opened() {
        let mut doc = json!({"components": {"schemas": {"K": {
            "type": "object", "additionalProperties": false, "properties": {}}}}});
        prepare(&mut doc);
        assert!(
            doc["components"]["schemas"]["K"]
                .get("additionalProperties")
                .is_none()
        );
    }
}
