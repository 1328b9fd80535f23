//! Example values from JSON Schema: what the contract suite sends.
//!
//! One deterministic, realistic value per schema, honouring `type`,
//! `format`, `enum`, `minimum`/`maximum`, `minLength`/`maxLength`,
//! `minItems` and the few simple `pattern`s the documents use. Objects get
//! every property that is not `readOnly` down to a fixed depth, then only
//! the required ones, so recursive schemas end.

use serde_json::{Map, Value, json};

/// A JumpCloud object id (24 hex digits), for ids of every kind.
pub const OBJECT_ID: &str = "5f1b2c3d4e5f60718293a4b5";

/// Depth below which optional properties are filled in as well.
const FULL_DEPTH: usize = 3;
/// Depth at which generation stops (recursive schemas).
const MAX_DEPTH: usize = 8;

/// Generates values from the schemas of one document.
pub struct Examples<'d> {
    doc: &'d Value,
}

impl<'d> Examples<'d> {
    pub fn new(doc: &'d Value) -> Self {
        Self { doc }
    }

    /// `value` with a local `$ref` followed (repeatedly).
    pub fn resolve(&self, mut value: &'d Value) -> &'d Value {
        for _ in 0..16 {
            match value
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| self.doc.pointer(p))
            {
                Some(target) => value = target,
                None => break,
            }
        }
        value
    }

    /// A value for `schema`; `name` is the property or parameter it is for
    /// (an `id` gets an object id, an `email` an address).
    pub fn value(&self, schema: &'d Value, name: &str) -> Value {
        self.at(schema, name, 0)
    }

    fn at(&self, schema: &'d Value, name: &str, depth: usize) -> Value {
        let schema = self.resolve(schema);
        if depth > MAX_DEPTH {
            return Value::Null;
        }
        if let Some(first) = schema
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.iter().find(|v| !v.is_null()))
        {
            return first.clone();
        }
        if let Some(v) = schema.get("default").filter(|v| !v.is_null()) {
            return v.clone();
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            return self.all_of(schema, all, name, depth);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = schema
                .get(key)
                .and_then(Value::as_array)
                .and_then(|a| a.first())
            {
                return self.at(first, name, depth + 1);
            }
        }
        let ty = schema
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_else(|| {
                if schema.get("properties").is_some() {
                    "object"
                } else if schema.get("items").is_some() {
                    "array"
                } else {
                    ""
                }
            });
        match ty {
            "string" => Value::String(string(schema, name)),
            "integer" => json!(number(schema, 1.0) as i64),
            "number" => json!(number(schema, 1.5)),
            "boolean" => Value::Bool(true),
            "array" => {
                let items = schema.get("items").unwrap_or(&Value::Null);
                let count = schema
                    .get("minItems")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .max(1);
                let one = self.at(items, singular(name), depth + 1);
                let mut list: Vec<Value> = (0..count).map(|_| one.clone()).collect();
                if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
                    list.truncate(1);
                }
                Value::Array(list)
            }
            "object" => self.object(schema, depth),
            // No type: any value; a string is the most widely accepted.
            _ => Value::String(string(schema, name)),
        }
    }

    fn object(&self, schema: &'d Value, depth: usize) -> Value {
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        if let Some(props) = schema.get("properties").and_then(Value::as_object) {
            for (key, prop) in props {
                let resolved = self.resolve(prop);
                let is_required = required.contains(&key.as_str());
                if resolved.get("readOnly") == Some(&Value::Bool(true)) && !is_required {
                    continue;
                }
                if !is_required && depth >= FULL_DEPTH {
                    continue;
                }
                let v = self.at(prop, key, depth + 1);
                if !v.is_null() || is_required {
                    out.insert(key.clone(), v);
                }
            }
        }
        Value::Object(out)
    }

    fn all_of(&self, schema: &'d Value, all: &'d [Value], name: &str, depth: usize) -> Value {
        let mut merged = Map::new();
        let mut other = None;
        for part in all {
            match self.at(part, name, depth + 1) {
                Value::Object(m) => merged.extend(m),
                v => other = Some(v),
            }
        }
        if schema.get("properties").is_some()
            && let Value::Object(m) = self.object(schema, depth)
        {
            merged.extend(m);
        }
        match other {
            Some(v) if merged.is_empty() => v,
            _ => Value::Object(merged),
        }
    }
}

/// `groups` → `group`, for the items of a list named in the plural.
fn singular(name: &str) -> &str {
    name.strip_suffix('s').unwrap_or(name)
}

fn number(schema: &Value, preferred: f64) -> f64 {
    let min = schema.get("minimum").and_then(Value::as_f64);
    let max = schema.get("maximum").and_then(Value::as_f64);
    let mut v = preferred;
    if let Some(min) = min {
        v = v.max(min);
        if schema.get("exclusiveMinimum") == Some(&Value::Bool(true)) && v <= min {
            v = min + 1.0;
        }
    }
    if let Some(max) = max {
        v = v.min(max);
    }
    v
}

fn string(schema: &Value, name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    let pattern = schema.get("pattern").and_then(Value::as_str).unwrap_or("");
    let mut s = match (format, pattern) {
        ("date-time", _) => "2024-05-01T12:00:00Z".to_string(),
        ("date", _) => "2024-05-01".to_string(),
        ("email", _) => "jane.doe@example.com".to_string(),
        ("uri" | "url", _) => "https://example.com/jumpcloud".to_string(),
        ("uuid", _) => "3fa85f64-5717-4562-b3fc-2c963f66afa6".to_string(),
        ("ipv4", _) => "192.0.2.10".to_string(),
        ("ipv6", _) => "2001:db8::10".to_string(),
        ("hostname", _) => "host.example.com".to_string(),
        ("byte", _) => "aGVsbG8gd29ybGQ=".to_string(),
        ("password", _) => "Correct-Horse-Battery-9".to_string(),
        (_, "^[0-9]{6}$") => "123456".to_string(),
        (_, p) if p.starts_with("^(?:[A-Za-z0-9+/]{4})*") => "aGVsbG8gd29ybGQ=".to_string(),
        _ if lower == "id"
            || name.ends_with("Id")
            || name.ends_with("ID")
            || lower.ends_with("_id") =>
        {
            OBJECT_ID.to_string()
        }
        _ if lower.contains("email") => "jane.doe@example.com".to_string(),
        _ if lower.contains("url") => "https://example.com/jumpcloud".to_string(),
        _ if lower.contains("date") || lower.ends_with("time") => {
            "2024-05-01T12:00:00Z".to_string()
        }
        _ if lower == "username" => "jane.doe".to_string(),
        _ if lower.contains("name") => "Example name".to_string(),
        _ => format!(
            "example-{}",
            if lower.is_empty() { "value" } else { &lower }
        ),
    };
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
        while (s.chars().count() as u64) < min {
            s.push('x');
        }
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        s = s.chars().take(max as usize).collect();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_honour_the_schema() {
        let doc = json!({"components": {"schemas": {
        "Group": {"type": "object", "required": ["name"], "properties": {
            "name": {"type": "string", "maxLength": 4},
            "id": {"type": "string", "readOnly": true},
            "owner": {"type": "string"},
            "kind": {"type": "string", "enum": ["user_group", "system_group"]},
            "size": {"type": "integer", "minimum": 5},
            "when": {"type": "string", "format": "date-time"},
            "members": {"type": "array", "items": {"$ref": "#/components/schemas/Group"}}
        }}}}});
        let ex = Examples::new(&doc);
        let v = ex.value(&json!({"$ref": "#/components/schemas/Group"}), "body");
        assert_eq!(v["name"], "Exam");
        assert!(v.get("id").is_none(), "readOnly left out: {v}");
        assert_eq!(v["kind"], "user_group");
        assert_eq!(v["size"], 5);
        assert_eq!(v["when"], "2024-05-01T12:00:00Z");
        assert_eq!(v["members"][0]["name"], "Exam");
        assert_eq!(ex.value(&json!({"type": "string"}), "groupId"), OBJECT_ID);
    }
}
