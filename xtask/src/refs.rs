//! Following `$ref`s inside one OpenAPI document.

use serde_json::Value;

/// `value` with local `$ref`s followed (`#/components/...`, chained ones
/// too, at most 16 hops). A reference that points outside the document or
/// at nothing is returned as it is.
pub fn resolve<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| doc.pointer(p))
        {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn follows_chains_and_stops_at_dead_ends() {
        let doc = json!({"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"type": "string"}
        }}});
        let a = json!({"$ref": "#/components/schemas/A"});
        assert_eq!(resolve(&doc, &a), &json!({"type": "string"}));
        let missing = json!({"$ref": "#/components/schemas/Nope"});
        assert_eq!(resolve(&doc, &missing), &missing);
        let remote = json!({"$ref": "other.json#/x"});
        assert_eq!(resolve(&doc, &remote), &remote);
    }
}
