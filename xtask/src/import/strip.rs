//! Removing prose from a document while keeping every fact.
//!
//! Descriptions, summaries, titles, examples and code samples are JumpCloud's
//! words, not facts about the wire, and the project does not carry them (see
//! the provenance rule in DEVELOPERS.md). Names, types, formats, enums,
//! defaults, required flags and limits stay.
//!
//! The walk knows which objects are name-keyed maps (`properties`, `paths`,
//! `responses`, …) so that a *property* called `description` survives, and it
//! never descends into literal values (`default`, `enum`, extensions).

use serde_json::Value;

/// Keys that hold prose wherever they appear on an OpenAPI object.
const PROSE: &[&str] = &[
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "termsOfService",
    "contact",
    "license",
    "x-codeSamples",
    "x-code-samples",
    "x-examples",
    "x-functionalities-tags",
    "x-go-name",
];

/// Keys whose value is a map from names to OpenAPI objects.
const MAPS: &[&str] = &[
    "paths",
    "properties",
    "responses",
    "content",
    "headers",
    "encoding",
    "links",
    "callbacks",
    "variables",
    "schemas",
    "parameters",
    "requestBodies",
    "securitySchemes",
    "patternProperties",
];

/// Keys whose value is data, not OpenAPI structure.
const LITERALS: &[&str] = &[
    "default", "enum", "const", "security", "required", "mapping",
];

pub fn strip_prose(doc: &mut Value) {
    walk(doc, false);
}

fn is_prose(key: &str) -> bool {
    PROSE.contains(&key) || key.starts_with("x-ms-")
}

fn walk(value: &mut Value, is_map: bool) {
    match value {
        Value::Object(obj) => {
            if is_map {
                for child in obj.values_mut() {
                    walk(child, false);
                }
                return;
            }
            obj.retain(|k, _| !is_prose(k));
            for (key, child) in obj.iter_mut() {
                if LITERALS.contains(&key.as_str()) || key.starts_with("x-") {
                    continue;
                }
                // `parameters` is a map under `components` but a list elsewhere;
                // a list is walked element by element either way.
                walk(child, MAPS.contains(&key.as_str()));
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, false);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prose_goes_facts_stay() {
        let mut doc = json!({
            "info": {"title": "T", "description": "words", "version": "1"},
            "paths": {"/x": {"get": {
                "summary": "s", "description": "d", "x-codeSamples": [],
                "parameters": [{"name": "description", "in": "query", "description": "d",
                                "schema": {"type": "string", "example": "e", "enum": ["a"]}}],
                "responses": {"200": {"description": "OK", "content": {"application/json": {
                    "examples": {}, "schema": {"$ref": "#/components/schemas/X"}}}}}
            }}},
            "components": {"schemas": {"X": {"title": "X", "type": "object",
                "default": {"description": "literal"},
                "properties": {"description": {"type": "string", "description": "d"},
                               "summary": {"type": "string", "x-ms-enum": {}}}}}}
        });
        strip_prose(&mut doc);
        assert_eq!(
            doc,
            json!({
                "info": {"version": "1"},
                "paths": {"/x": {"get": {
                    "parameters": [{"name": "description", "in": "query",
                                    "schema": {"type": "string", "enum": ["a"]}}],
                    "responses": {"200": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/X"}}}}}
                }}},
                "components": {"schemas": {"X": {"type": "object",
                    "default": {"description": "literal"},
                    "properties": {"description": {"type": "string"},
                                   "summary": {"type": "string"}}}}}
            })
        );
    }
}
