//! Decoding helpers the generated types call: JumpCloud's `null` for an
//! empty list, enum values the documents do not list, and the shared parts
//! of the structs' decoders.

use std::any::type_name;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::{self, Display};
use std::marker::PhantomData;
use std::sync::{Mutex, PoisonError};

use serde::de::{self, Visitor};
use serde::ser;
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

/// A member name of a JSON object being decoded into a generated struct,
/// borrowed from the input when the input allows it.
///
/// The generated structs' decoders (written by `cargo xtask regen`, see
/// `xtask/src/regen/decoders.rs`) match it as a string. serde's derive gives
/// every struct an enum of its fields with three visitors of its own instead;
/// sharing this one type is most of why the types build in half the time.
#[doc(hidden)]
pub struct Key<'de>(Cow<'de, str>);

impl Key<'_> {
    /// The member name.
    #[inline]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_identifier(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(value.to_owned())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(value)))
    }

    fn visit_borrowed_bytes<E: de::Error>(self, value: &'de [u8]) -> Result<Key<'de>, E> {
        match std::str::from_utf8(value) {
            Ok(name) => Ok(Key(Cow::Borrowed(name))),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(value), &self)),
        }
    }

    fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<Key<'de>, E> {
        match std::str::from_utf8(value) {
            Ok(name) => Ok(Key(Cow::Owned(name.to_owned()))),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(value), &self)),
        }
    }
}

/// Stores a member's value, refusing a member the object already had (as
/// serde's derive does).
#[doc(hidden)]
#[inline]
pub fn fill<T, E: de::Error>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(value);
    Ok(())
}

/// Reads the value of the member whose name was just read into `slot`
/// (refusing a repeat, see [`fill`]). One call per member in the generated
/// decoders, whose match over member names then needs one `?` in all.
#[doc(hidden)]
#[inline]
pub fn next<'de, A: de::MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    let value = map.next_value::<T>()?;
    fill(slot, name, value)
}

/// [`next`] for a member whose `null` reads as the type's default (see
/// [`null_as_default`]).
#[doc(hidden)]
#[inline]
pub fn next_or_default<'de, A: de::MapAccess<'de>, T: Deserialize<'de> + Default>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    let value = map.next_value::<Option<T>>()?;
    fill(slot, name, value.unwrap_or_default())
}

/// Skips the value of a member the struct does not have.
#[doc(hidden)]
#[inline]
pub fn skip<'de, A: de::MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<de::IgnoredAny>().map(drop)
}

/// The members of a generated struct being encoded (`cargo xtask regen`
/// writes the structs' `Serialize`, see `xtask/src/regen/encoders.rs`).
///
/// It keeps the first error and ignores what follows, so an encoder is one
/// call per member with no `?`: serde's derive spent most of its code, and
/// `jumpcloud-api-types` about a third of its build, on branches for each.
#[doc(hidden)]
pub struct Fields<S: ser::SerializeStruct> {
    state: Result<S, S::Error>,
}

/// Starts encoding struct `name` with `members` members, of which those
/// flagged in `absent` will be left out (their `skip_serializing_if` held),
/// so the length given to the format is exact, as serde's derive gives it.
#[doc(hidden)]
pub fn fields<S: ser::Serializer>(
    serializer: S,
    name: &'static str,
    members: usize,
    absent: &[bool],
) -> Fields<S::SerializeStruct> {
    let len = members.saturating_sub(absent.iter().filter(|a| **a).count());
    Fields {
        state: serializer.serialize_struct(name, len),
    }
}

impl<S: ser::SerializeStruct> Fields<S> {
    /// Encodes member `name`.
    #[inline]
    pub fn put<T: ?Sized + ser::Serialize>(&mut self, name: &'static str, value: &T) {
        if let Ok(state) = &mut self.state
            && let Err(e) = state.serialize_field(name, value)
        {
            self.state = Err(e);
        }
    }

    /// Encodes member `name` unless it is `absent`, which the format is
    /// told of instead (`skip_field`), as serde's derive does.
    #[inline]
    pub fn put_unless<T: ?Sized + ser::Serialize>(
        &mut self,
        absent: bool,
        name: &'static str,
        value: &T,
    ) {
        if !absent {
            self.put(name, value);
        } else if let Ok(state) = &mut self.state
            && let Err(e) = state.skip_field(name)
        {
            self.state = Err(e);
        }
    }

    /// Ends the struct, or returns the first error.
    pub fn end(self) -> Result<S::Ok, S::Error> {
        self.state?.end()
    }
}

/// A member the object lacked that has no default: `None` for an `Option`
/// (and anything else that reads an absent value as empty), otherwise the
/// error `missing field`, exactly as serde's derive decides.
#[doc(hidden)]
#[inline]
pub fn or_missing<'de, T: Deserialize<'de>, E: de::Error>(
    slot: Option<T>,
    name: &'static str,
) -> Result<T, E> {
    match slot {
        Some(value) => Ok(value),
        None => T::deserialize(Missing {
            name,
            error: PhantomData,
        }),
    }
}

/// A member the object lacked that is read by a function of its own (no
/// absent value stands in for it): always `missing field`.
#[doc(hidden)]
#[inline]
pub fn required<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// The value of an absent member: `None` to whoever asks for an option,
/// `missing field` to anyone else.
struct Missing<E> {
    name: &'static str,
    error: PhantomData<E>,
}

impl<'de, E: de::Error> Deserializer<'de> for Missing<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.name))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Notes a value of enum `E` that its document does not list (kept in the
/// enum's `Unknown` variant): logged at `debug` the first time it is seen,
/// so that a value JumpCloud has added shows up without failing any call.
#[doc(hidden)]
pub fn unlisted<E: ?Sized>(value: &str) {
    if tracing::enabled!(tracing::Level::DEBUG) && first_sighting(type_name::<E>(), value) {
        tracing::debug!(
            r#type = short_type_name(type_name::<E>()),
            value = %Truncated(value),
            "a value this client's enum does not list"
        );
    }
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
#[allow(clippy::unwrap_used)]
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

    #[test]
    fn an_absent_member_is_none_for_an_option_and_missing_otherwise() {
        type E = serde_json::Error;
        assert_eq!(or_missing::<Option<u8>, E>(None, "a").ok(), Some(None));
        assert_eq!(
            or_missing::<Option<u8>, E>(Some(Some(1)), "a").ok(),
            Some(Some(1))
        );
        let missing = or_missing::<String, E>(None, "name").unwrap_err();
        assert_eq!(missing.to_string(), "missing field `name`");
        let missing = required::<Option<u8>, E>(None, "with").unwrap_err();
        assert_eq!(missing.to_string(), "missing field `with`");
    }

    #[test]
    fn a_member_is_filled_once() {
        let mut slot = None;
        assert!(fill::<u8, serde_json::Error>(&mut slot, "a", 1).is_ok());
        let twice = fill::<u8, serde_json::Error>(&mut slot, "a", 2).unwrap_err();
        assert_eq!(twice.to_string(), "duplicate field `a`");
        assert_eq!(slot, Some(1));
    }

    #[test]
    fn member_names_are_borrowed_when_the_input_allows() {
        let key: Key<'_> = serde_json::from_str(r#""plain""#).unwrap();
        assert!(matches!(key.0, Cow::Borrowed("plain")));
        let key: Key<'_> = serde_json::from_str(r#""\u0061b""#).unwrap();
        assert_eq!(key.as_str(), "ab");
        let key = Key::deserialize(serde_json::Value::from("owned")).unwrap();
        assert_eq!(key.as_str(), "owned");
        let bytes = serde::de::value::BytesDeserializer::<serde_json::Error>::new(b"raw");
        assert_eq!(Key::deserialize(bytes).unwrap().as_str(), "raw");
        let bad = serde::de::value::BytesDeserializer::<serde_json::Error>::new(b"\xff");
        assert!(Key::deserialize(bad).is_err());
    }
}
