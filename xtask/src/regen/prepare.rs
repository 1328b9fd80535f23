//! Generator-only adjustments: the document stays a true account of the
//! server, and what progenitor cannot express is adapted here, on a copy.
//!
//! progenitor types one success body per operation and panics when a typed
//! 2xx sits beside a bodiless one (JumpCloud's group deletes answer 200 with
//! the deleted object *or* 204). Such operations are generated as bodiless, so
//! a real 200 and a real 204 both succeed.
//!
//! progenitor also refuses the `spaceDelimited` and `pipeDelimited` query
//! styles. Those parameters are handed to it as `form`; the separator the
//! document names is applied by the `query` rewrite, which reads the
//! original document.
//!
//! `additionalProperties: false` would make typify reject any object carrying
//! a field the document does not list; JumpCloud adds fields over time, and a
//! new field must never fail a call. It is dropped on the copy.

use serde_json::Value;

use crate::import::METHODS;

/// Returns the operation ids whose success bodies it dropped.
pub fn prepare(doc: &mut Value) -> Vec<String> {
    generator_friendly(doc);
    let mut changed = Vec::new();
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return changed;
    };
    for item in paths.values_mut() {
        for method in METHODS {
            let Some(op) = item.get_mut(method) else {
                continue;
            };
            let id = op["operationId"].as_str().unwrap_or("?").to_string();
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
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
                for (code, response) in responses.iter_mut() {
                    if code.starts_with('2')
                        && let Some(r) = response.as_object_mut()
                    {
                        r.remove("content");
                    }
                }
                changed.push(id);
            }
        }
    }
    changed.sort();
    changed
}

/// Schema keywords that only constrain values.
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
    use super::*;
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
        assert_eq!(prepare(&mut doc), vec!["G_Delete"]);
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
