//! Wire helpers the generated clients call.
//!
//! progenitor sends every array query parameter as repeated keys
//! (`filter=a&filter=b`). JumpCloud wants that for `filter`, but `sort` and
//! `fields` must be one delimited value (`sort=-name,_id` in v2, `fields=a b`
//! in v1). `cargo xtask regen` wraps exactly the parameters whose document says
//! `explode: false` in [`Delimited`].

use std::fmt::{Display, Write};

use serde::{Serialize, Serializer};

/// A list query parameter sent as one value joined by `separator`.
/// An empty list is not sent at all, like progenitor's repeated form.
#[doc(hidden)]
pub struct Delimited<'a, T: ?Sized> {
    value: &'a T,
    separator: &'static str,
}

impl<'a, T: ?Sized> Delimited<'a, T> {
    /// Wraps `value` to be joined with `separator`.
    pub fn new(value: &'a T, separator: &'static str) -> Self {
        Self { value, separator }
    }
}

fn join<T: Display>(items: &[T], separator: &str) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{item}");
    }
    out
}

impl<T: Display> Serialize for Delimited<'_, Vec<T>> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.value.is_empty() {
            serializer.serialize_none()
        } else {
            serializer.serialize_str(&join(self.value, self.separator))
        }
    }
}

impl<T: Display> Serialize for Delimited<'_, Option<Vec<T>>> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.value {
            Some(items) => Delimited::new(items, self.separator).serialize(serializer),
            None => serializer.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query<T: Serialize>(name: &str, value: &T) -> String {
        serde_urlencoded::to_string(progenitor_client::QueryParam::new(name, value))
            .unwrap_or_else(|e| panic!("serialize: {e}"))
    }

    #[test]
    fn joins_with_separator() {
        let sort = Some(vec!["-name".to_string(), "_id".to_string()]);
        assert_eq!(
            query("sort", &Delimited::new(&sort, ",")),
            "sort=-name%2C_id"
        );
        let fields = vec!["email", "username"];
        assert_eq!(
            query("fields", &Delimited::new(&fields, " ")),
            "fields=email+username"
        );
    }

    #[test]
    fn empty_and_absent_lists_are_not_sent() {
        let none: Option<Vec<String>> = None;
        assert_eq!(query("sort", &Delimited::new(&none, ",")), "");
        let empty: Vec<String> = vec![];
        assert_eq!(query("sort", &Delimited::new(&empty, ",")), "");
    }
}
