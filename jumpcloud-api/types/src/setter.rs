//! What the optional string setters of the type builders accept.
//!
//! typify bounds a setter of an `Option<String>` field by
//! `TryInto<Option<String>>`, which `&str` does not implement, so
//! `.firstname("Grace")` did not compile while `.username("grace")` (a
//! required field) did. The regen rewrites those setters to take
//! [`IntoOptionalString`] instead: a string slice, an owned string, or an
//! `Option<String>` (`None` clears the field).

use std::borrow::Cow;

/// A value for an optional string field of a generated type builder.
///
/// ```
/// # #[cfg(feature = "v1")]
/// # fn demo() {
/// use jumpcloud_api_types::v1::types::builder::Systemuserput;
///
/// let update = Systemuserput::default()
///     .firstname("Grace")
///     .lastname(String::from("Hopper"))
///     .middlename(None)
///     .department(Some("Navy".to_string()));
/// # let _ = update;
/// # }
/// ```
pub trait IntoOptionalString {
    /// The field's new value.
    fn into_optional_string(self) -> Option<String>;
}

impl IntoOptionalString for Option<String> {
    fn into_optional_string(self) -> Option<String> {
        self
    }
}

impl IntoOptionalString for String {
    fn into_optional_string(self) -> Option<String> {
        Some(self)
    }
}

impl IntoOptionalString for &str {
    fn into_optional_string(self) -> Option<String> {
        Some(self.to_owned())
    }
}

impl IntoOptionalString for &String {
    fn into_optional_string(self) -> Option<String> {
        Some(self.clone())
    }
}

impl IntoOptionalString for Box<str> {
    fn into_optional_string(self) -> Option<String> {
        Some(self.into())
    }
}

impl IntoOptionalString for Cow<'_, str> {
    fn into_optional_string(self) -> Option<String> {
        Some(self.into_owned())
    }
}

// What the generated setters store, one call each (`cargo xtask regen`,
// `xtask/src/regen/lean_setters.rs`): each used to convert through a closure
// of its own, a body the compiler checks once per setter, over 2,000 of them.

/// An optional argument: the value converted, or `failed` as the error the
/// builder reports when the request is built.
#[doc(hidden)]
#[inline]
pub fn optional<T, V: TryInto<T>>(value: V, failed: &'static str) -> Result<Option<T>, String> {
    value.try_into().map(Some).map_err(|_| failed.to_owned())
}

/// A required argument (see [`optional`]).
#[doc(hidden)]
#[inline]
pub fn required<T, V: TryInto<T>>(value: V, failed: &'static str) -> Result<T, String> {
    value.try_into().map_err(|_| failed.to_owned())
}

/// A request body or a type builder's member, converted into what the
/// builder keeps: on failure `failed` and the conversion's own error.
#[doc(hidden)]
#[inline]
pub fn converted<T, B: From<T>, V: TryInto<T>>(value: V, failed: &'static str) -> Result<B, String>
where
    V::Error: std::fmt::Display,
{
    value
        .try_into()
        .map(From::from)
        .map_err(|e| format!("{failed}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::IntoOptionalString;
    use std::borrow::Cow;

    #[test]
    fn every_form_gives_the_same_value() {
        let owned = String::from("New");
        assert_eq!("New".into_optional_string().as_deref(), Some("New"));
        assert_eq!((&owned).into_optional_string().as_deref(), Some("New"));
        assert_eq!(
            Box::<str>::from("New").into_optional_string().as_deref(),
            Some("New")
        );
        assert_eq!(
            Cow::Borrowed("New").into_optional_string().as_deref(),
            Some("New")
        );
        assert_eq!(owned.clone().into_optional_string(), Some(owned.clone()));
        assert_eq!(Some(owned.clone()).into_optional_string(), Some(owned));
        assert_eq!(None::<String>.into_optional_string(), None);
    }
}
