//! Byte-stable JSON output and readable drift reports.
//!
//! Object keys are written sorted whatever map type `serde_json` was built
//! with, so output does not depend on cargo feature unification.

use serde_json::Value;

/// Pretty JSON with sorted keys, two-space indent and a final newline.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write(value, 0, &mut out);
    out.push('\n');
    out
}

fn write(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("{\n");
            for (i, key) in keys.iter().enumerate() {
                pad(indent + 1, out);
                out.push_str(&Value::String((*key).clone()).to_string());
                out.push_str(": ");
                write(&map[key.as_str()], indent + 1, out);
                if i + 1 < keys.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(indent, out);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                pad(indent + 1, out);
                write(item, indent + 1, out);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            pad(indent, out);
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn pad(indent: usize, out: &mut String) {
    for _ in 0..indent {
        out.push_str("  ");
    }
}

/// JSON pointers at which `old` and `new` differ, at most `limit` of them.
pub fn differences(old: &Value, new: &Value, limit: usize) -> Vec<String> {
    let mut found = Vec::new();
    diff(old, new, &mut String::new(), limit, &mut found);
    found
}

fn diff(old: &Value, new: &Value, at: &mut String, limit: usize, found: &mut Vec<String>) {
    if found.len() >= limit || old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let len = at.len();
                at.push('/');
                at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                match (a.get(key.as_str()), b.get(key.as_str())) {
                    (Some(x), Some(y)) => diff(x, y, at, limit, found),
                    (Some(_), None) => found.push(format!("{at} (removed)")),
                    (None, Some(_)) => found.push(format!("{at} (added)")),
                    (None, None) => {}
                }
                at.truncate(len);
                if found.len() >= limit {
                    return;
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                diff(x, y, at, limit, found);
                at.truncate(len);
            }
        }
        _ => found.push(format!(
            "{} (changed)",
            if at.is_empty() { "/" } else { at }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_and_output_is_stable() {
        let v = json!({"b": [1, {"d": null, "c": "x"}], "a": {}});
        assert_eq!(
            to_string(&v),
            "{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"c\": \"x\",\n      \"d\": null\n    }\n  ]\n}\n"
        );
    }

    #[test]
    fn differences_name_pointers() {
        let a = json!({"paths": {"/a/{id}": {"get": 1}}, "x": [1, 2]});
        let b = json!({"paths": {"/a/{id}": {"get": 2}, "/b": {}}, "x": [1]});
        assert_eq!(
            differences(&a, &b, 10),
            vec![
                "/paths/~1a~1{id}/get (changed)",
                "/paths/~1b (added)",
                "/x (changed)"
            ]
        );
    }
}
