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
