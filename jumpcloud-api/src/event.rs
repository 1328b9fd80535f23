//! [`Event`]: one Directory Insights event, kept as the JSON text JumpCloud
//! sent.
//!
//! An export reads millions of events and most programs forward them (to a
//! file, a SIEM) or look at a few fields. Decoding each one into a
//! `serde_json::Map` cost about four fifths of an export's CPU, so an event
//! is decoded only as far as its `id` and `timestamp` (what paging and
//! de-duplication need); the rest stays text until asked for. The `/events`
//! operation returns these because its document names them (the
//! `x-jumpcloud-rust-type` of its item schema, read by `cargo xtask regen`).

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// One Directory Insights event: its JSON text, with `id` and `timestamp`
/// read out.
///
/// Serialising an event writes its JSON exactly as received. Read fields
/// with [`get`](Self::get), the whole event with [`to_map`](Self::to_map),
/// or your own type with [`parse`](Self::parse).
///
/// ```
/// use jumpcloud_api::event::Event;
///
/// let event: Event = serde_json::from_str(
///     r#"{"id":"e1","timestamp":"2026-01-01T00:00:00.000Z","event_type":"sso_auth"}"#,
/// )?;
/// assert_eq!(event.id(), Some("e1"));
/// assert_eq!(event.get("event_type"), Some(serde_json::json!("sso_auth")));
/// assert_eq!(event.time().map(|t| t.timestamp()), Some(1_767_225_600));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone)]
pub struct Event {
    raw: Box<RawValue>,
    id: Option<Box<str>>,
    timestamp: Option<Box<str>>,
}

/// The two fields read when an event is decoded; the others are skipped.
/// Either may be of any JSON type: only a string is taken.
#[derive(Deserialize)]
struct Keys<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    timestamp: Option<&'a RawValue>,
}

/// The text of a JSON string (`None` for any other JSON value).
fn string(raw: Option<&RawValue>) -> Option<Box<str>> {
    let raw = raw?.get();
    if !raw.starts_with('"') {
        return None;
    }
    // Borrowed when the string has no escapes, which is nearly always.
    match serde_json::from_str::<&str>(raw) {
        Ok(text) => Some(Box::from(text)),
        Err(_) => serde_json::from_str::<String>(raw)
            .ok()
            .map(String::into_boxed_str),
    }
}

impl Event {
    /// The event's `id`, when it has a string one.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The event's `timestamp` as sent, when it has a string one.
    pub fn timestamp(&self) -> Option<&str> {
        self.timestamp.as_deref()
    }

    /// The event's `timestamp` as a time: `None` when it is absent or not
    /// RFC 3339.
    pub fn time(&self) -> Option<DateTime<Utc>> {
        let raw = self.timestamp()?;
        canonical_time(raw).or_else(|| raw.parse().ok())
    }

    /// The event's JSON text, exactly as received.
    pub fn json(&self) -> &str {
        self.raw.get()
    }

    /// One top-level field, decoded (`None` when the event has none).
    /// Each call reads the whole text again: for several fields,
    /// [`parse`](Self::parse) them into a struct once.
    pub fn get(&self, field: &str) -> Option<Value> {
        let fields: Map<String, Value> = serde_json::from_str(self.raw.get()).ok()?;
        fields.get(field).cloned()
    }

    /// Every field, decoded.
    pub fn to_map(&self) -> Map<String, Value> {
        // The text was read as a JSON object when the event was decoded
        // (see `Deserialize`), so it decodes as one again.
        serde_json::from_str(self.raw.get()).unwrap_or_default()
    }

    /// The event decoded as `T`: a struct with the fields a program uses,
    /// say.
    pub fn parse<T: DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_str(self.raw.get())
    }

    /// An event from a JSON object (for tests and for code that builds
    /// events); anything but an object is refused.
    pub fn from_map(fields: &Map<String, Value>) -> serde_json::Result<Self> {
        let text = serde_json::to_string(fields)?;
        serde_json::from_str(&text)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        // A struct also reads from a JSON array, so check for an object first.
        if !raw.get().trim_start().starts_with('{') {
            return Err(D::Error::custom(
                "a Directory Insights event must be a JSON object",
            ));
        }
        let keys: Keys<'_> = serde_json::from_str(raw.get()).map_err(D::Error::custom)?;
        let (id, timestamp) = (string(keys.id), string(keys.timestamp));
        Ok(Event { raw, id, timestamp })
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.raw.get() == other.raw.get()
    }
}

impl Eq for Event {}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Event").field(&self.raw.get()).finish()
    }
}

impl fmt::Display for Event {
    /// The JSON text, as received.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.raw.get())
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, the form Directory Insights sends, read
/// without chrono's general parser (every event of an export is read; the
/// general parser was about 7 % of an export's CPU). `None` for any other
/// form, which the general parser then reads.
fn canonical_time(raw: &str) -> Option<DateTime<Utc>> {
    let b = raw.as_bytes();
    let separators = [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
    ];
    if b.len() != 24 || b[23] != b'Z' || separators.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)?;
    let time = NaiveTime::from_hms_milli_opt(
        number(11, 13)?,
        number(14, 16)?,
        number(17, 19)?,
        number(20, 23)?,
    )?;
    Some(date.and_time(time).and_utc())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn event(text: &str) -> serde_json::Result<Event> {
        serde_json::from_str(text)
    }

    #[test]
    fn canonical_times_read_as_chrono_reads_them() {
        for raw in [
            "2026-01-01T00:00:00.000Z",
            "2020-04-14T15:26:03.218Z",
            "1999-12-31T23:59:59.999Z",
            "2024-02-29T12:00:00.001Z",
        ] {
            let expected = raw.parse::<DateTime<Utc>>().ok();
            assert!(expected.is_some());
            assert_eq!(canonical_time(raw), expected, "{raw}");
        }
        // Other forms, and impossible dates, are left to the general parser.
        for raw in [
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00.000+00:00",
            "2026-01-01t00:00:00.000z",
            "2026-01-01T00:00:00.0000Z",
            "2023-02-29T00:00:00.000Z",
            "2026-13-01T00:00:00.000Z",
            "2016-12-31T23:59:60.000Z",
            "2026-01-01T00:0a:00.000Z",
            "+026-01-01T00:00:00.000Z",
        ] {
            assert_eq!(canonical_time(raw), None, "{raw}");
        }
        let offset = event(r#"{"id": "a", "timestamp": "2026-01-01T00:00:00.000+01:00"}"#).unwrap();
        assert_eq!(
            offset.time(),
            "2025-12-31T23:00:00Z".parse::<DateTime<Utc>>().ok()
        );
    }

    #[test]
    fn keeps_the_text_and_reads_id_and_timestamp() {
        let text = r#"{"service":"sso","id":"e\u00e9","timestamp":"2026-01-01T00:00:00.000Z","n":[1,{"a":null}]}"#;
        let e = event(text).unwrap();
        assert_eq!(e.id(), Some("eé"));
        assert_eq!(e.timestamp(), Some("2026-01-01T00:00:00.000Z"));
        assert_eq!(e.json(), text);
        assert_eq!(serde_json::to_string(&e).unwrap(), text);
        assert_eq!(e.to_string(), text);
        assert_eq!(e.get("n"), Some(serde_json::json!([1, {"a": null}])));
        assert_eq!(e.get("missing"), None);
        assert_eq!(e.to_map().len(), 4);
        #[derive(Deserialize)]
        struct Mine {
            service: String,
        }
        assert_eq!(e.parse::<Mine>().unwrap().service, "sso");
        assert_eq!(Event::from_map(&e.to_map()).unwrap().id(), Some("eé"));
    }

    #[test]
    fn fields_may_be_missing_or_of_another_type() {
        let e = event(r#"{"event_type":"x"}"#).unwrap();
        assert_eq!((e.id(), e.timestamp(), e.time()), (None, None, None));
        let e = event(r#"{"id":null,"timestamp":"yesterday"}"#).unwrap();
        assert_eq!(
            (e.id(), e.timestamp(), e.time()),
            (None, Some("yesterday"), None)
        );
        // Only a string is an id an event can be told apart by.
        let e = event(r#"{"id":7,"timestamp":{"at":1}}"#).unwrap();
        assert_eq!((e.id(), e.timestamp()), (None, None));
    }

    #[test]
    fn only_objects_are_events() {
        for text in [r#"["a","b"]"#, "7", r#""e""#, "null", "{"] {
            assert!(event(text).is_err(), "{text}");
        }
        let page: Vec<Event> = serde_json::from_str(r#"[ {"id":"a"} , {"id":"b"} ]"#).unwrap();
        assert_eq!(
            page.iter().map(Event::id).collect::<Vec<_>>(),
            [Some("a"), Some("b")]
        );
        assert_eq!(page[1].json(), r#"{"id":"b"}"#);
        let as_value = serde_json::to_value(&page).unwrap();
        assert_eq!(as_value, serde_json::json!([{"id": "a"}, {"id": "b"}]));
    }
}
