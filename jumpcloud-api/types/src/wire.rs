//! Decoding helpers the generated types call: JumpCloud's `null` for an
//! empty list, and enum values the documents do not list.

use std::any::type_name;
use std::collections::BTreeSet;
use std::fmt::Display;
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Deserializer};

/// Reads `null` as the type's default (an empty list or map). Generated
/// fields that default when absent use it, because JumpCloud also sends
/// `null` for them.
#[doc(hidden)]
pub fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Reads a value of enum `E` that its document does not list (the enum's
/// `Unknown` variant), and logs it at `debug` the first time it is seen, so
/// that a value JumpCloud has added shows up without failing any call.
#[doc(hidden)]
pub fn unlisted<'de, E: ?Sized, D>(deserializer: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
{
    let value = String::deserialize(deserializer)?;
    if tracing::enabled!(tracing::Level::DEBUG) && first_sighting(type_name::<E>(), &value) {
        tracing::debug!(
            r#type = short_type_name(type_name::<E>()),
            value = %Truncated(&value),
            "a value this client's enum does not list"
        );
    }
    Ok(value)
}

/// How many distinct (type, value) pairs [`unlisted`] remembers; beyond
/// that, new ones are not logged, so a server sending free text in an enum
/// field cannot grow memory or flood the log.
const UNLISTED_MEMORY: usize = 256;
/// Longest value kept and logged, in bytes.
const UNLISTED_VALUE_MAX: usize = 128;

/// Whether `(type, value)` is new to this process, remembering it.
fn first_sighting(type_name: &'static str, value: &str) -> bool {
    static SEEN: Mutex<BTreeSet<(&'static str, String)>> = Mutex::new(BTreeSet::new());
    remember(
        &mut SEEN.lock().unwrap_or_else(PoisonError::into_inner),
        type_name,
        value,
    )
}

/// Whether `(type, value)` is new to `seen`, adding it if there is room.
fn remember(
    seen: &mut BTreeSet<(&'static str, String)>,
    type_name: &'static str,
    value: &str,
) -> bool {
    if seen.len() >= UNLISTED_MEMORY {
        return false;
    }
    seen.insert((type_name, Truncated(value).to_string()))
}

/// `v2::types::State` rather than the full path, for logs.
fn short_type_name(full: &str) -> &str {
    let mut parts = full.rsplitn(4, "::");
    let _ = (parts.next(), parts.next(), parts.next());
    match parts.next() {
        Some(prefix) => &full[prefix.len() + 2..],
        None => full,
    }
}

/// At most [`UNLISTED_VALUE_MAX`] bytes of a value, cut on a character
/// boundary.
struct Truncated<'a>(&'a str);

impl Display for Truncated<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut end = self.0.len().min(UNLISTED_VALUE_MAX);
        while !self.0.is_char_boundary(end) {
            end -= 1;
        }
        f.write_str(&self.0[..end])?;
        if end < self.0.len() {
            f.write_str("…")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlisted_values_are_remembered_once_and_bounded() {
        let mut seen = BTreeSet::new();
        assert!(remember(&mut seen, "A", "new"));
        assert!(!remember(&mut seen, "A", "new"));
        assert!(remember(&mut seen, "B", "new"));
        // Values equal in their first 128 bytes count as one.
        let long = "x".repeat(UNLISTED_VALUE_MAX);
        assert!(remember(&mut seen, "A", &format!("{long}1")));
        assert!(!remember(&mut seen, "A", &format!("{long}2")));
        for i in seen.len()..UNLISTED_MEMORY {
            assert!(remember(&mut seen, "C", &i.to_string()));
        }
        assert_eq!(seen.len(), UNLISTED_MEMORY);
        assert!(!remember(&mut seen, "D", "full"));
        assert_eq!(seen.len(), UNLISTED_MEMORY);
    }

    #[test]
    fn unlisted_values_are_named_and_cut_for_logs() {
        assert_eq!(
            short_type_name("jumpcloud_api_types::v2::types::State"),
            "v2::types::State"
        );
        assert_eq!(short_type_name("State"), "State");
        assert_eq!(Truncated("short").to_string(), "short");
        let cut = Truncated(&"é".repeat(100)).to_string();
        assert!(cut.ends_with('…') && cut.len() <= UNLISTED_VALUE_MAX + '…'.len_utf8());
    }

    #[derive(Deserialize, Debug, PartialEq)]
    enum Open {
        #[serde(rename = "on")]
        On,
        #[serde(untagged, deserialize_with = "crate::wire::unlisted::<Open, _>")]
        Unknown(String),
    }

    #[test]
    fn unlisted_values_deserialize_into_the_unknown_variant() {
        let read = |s: &str| serde_json::from_str::<Open>(s);
        assert_eq!(read(r#""on""#).ok(), Some(Open::On));
        assert_eq!(read(r#""off""#).ok(), Some(Open::Unknown("off".into())));
        assert!(read("7").is_err());
    }

    #[test]
    fn null_reads_as_default() {
        #[derive(Deserialize)]
        struct X {
            #[serde(default, deserialize_with = "null_as_default")]
            list: Vec<u8>,
        }
        let parse = |s: &str| serde_json::from_str::<X>(s).map(|x| x.list).ok();
        assert_eq!(parse(r#"{"list": null}"#), Some(vec![]));
        assert_eq!(parse(r#"{}"#), Some(vec![]));
        assert_eq!(parse(r#"{"list": [1]}"#), Some(vec![1]));
    }
}
