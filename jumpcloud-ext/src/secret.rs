//! A string that must never reach a log, an error message or a `Debug` dump.

use std::fmt;

use zeroize::Zeroizing;

/// A credential (API key, client secret, access token).
///
/// `Debug` prints `***`, so a secret held in a struct cannot leak through
/// `{:?}` or an error chain; the memory is zeroed when dropped. Read the value
/// only at the point it goes on the wire, with [`Secret::expose`].
///
/// There is deliberately no `Display`: a secret formatted into a header or a
/// URL would otherwise compile and quietly send `***`. This does not compile:
///
/// ```compile_fail
/// let s = jumpcloud_ext::Secret::new("key");
/// let header = format!("Bearer {s}");
/// ```
///
/// Say what is meant instead:
///
/// ```
/// let s = jumpcloud_ext::Secret::new("key");
/// let header = format!("Bearer {}", s.expose());
/// assert_eq!(header, "Bearer key");
/// ```
#[derive(Clone, Default)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The value itself. Call it only to put the secret on the wire.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// Whether the secret is the empty string (a common misconfiguration).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<&String> for Secret {
    fn from(value: &String) -> Self {
        Self::new(value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some(***)");
        assert_eq!(s.expose(), "hunter2");
        assert!(!s.is_empty());
        assert!(Secret::default().is_empty());
    }

    #[test]
    fn every_conversion_keeps_the_value() {
        let owned = String::from("from-owned");
        assert_eq!(Secret::from(&owned).expose(), "from-owned");
        assert_eq!(Secret::from(owned).expose(), "from-owned");
        assert_eq!(Secret::from("from-str").expose(), "from-str");
        assert_eq!(Secret::new(String::from("new")).expose(), "new");
    }
}
