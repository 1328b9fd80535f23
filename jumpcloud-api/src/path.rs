//! Path parameters that would send a request somewhere else.
//!
//! The generated `send()` percent-encodes each path parameter, so `/`, `?`
//! and `#` cannot split the path on the wire, but an empty value still
//! collapses its segment (`.id("")` on `/systemusers/{id}` asks for
//! `/systemusers/`, the listing) and `.` or `..` are resolved away by URL
//! parsing. Every generated `send()` therefore hands each path parameter to
//! [`check`] before anything is built, and a value that is empty, a dot
//! segment, or contains `/`, `?` or `#` is refused as
//! `Error::InvalidRequest` naming the operation and the parameter. Ids never
//! legitimately look like that, so a refusal is a caller's mistake (an id
//! that was never filled in, a name passed where an id was meant).

/// Why `value` cannot be the path parameter `parameter` of `operation`, or
/// `Ok` when it can. The value itself is not quoted in the message.
// System Insights alone has no operation with a checked path parameter.
#[cfg_attr(
    not(any(
        feature = "directory",
        feature = "mdm",
        feature = "directory-sync",
        feature = "providers",
        feature = "directory-insights"
    )),
    allow(dead_code)
)]
pub(crate) fn check(operation: &str, parameter: &str, value: &str) -> Result<(), String> {
    let problem = if value.is_empty() {
        "is empty"
    } else if value == "." || value == ".." {
        "is a dot segment (`.` or `..`), which URL parsing removes"
    } else if value.contains('/') {
        "contains `/`"
    } else if value.contains('?') {
        "contains `?`"
    } else if value.contains('#') {
        "contains `#`"
    } else {
        return Ok(());
    };
    Err(format!(
        "{operation}: path parameter `{parameter}` {problem}; it would address another path, \
         so the request was not sent"
    ))
}

#[cfg(test)]
mod tests {
    use super::check;

    fn refusal(value: &str) -> String {
        match check("user_get", "id", value) {
            Err(message) => message,
            Ok(()) => panic!("{value:?} was accepted"),
        }
    }

    #[test]
    fn refuses_values_that_change_the_path() {
        for bad in ["", ".", "..", "a/b", "/", "a?b", "?", "a#b", "#"] {
            let message = refusal(bad);
            assert!(
                message.starts_with("user_get: path parameter `id` "),
                "{bad:?}: {message}"
            );
        }
        assert!(refusal("").contains("is empty"));
        assert!(refusal("x/y").contains("`/`"));
        assert!(refusal("x?y").contains("`?`"));
        assert!(refusal("x#y").contains("`#`"));
    }

    #[test]
    fn accepts_ordinary_ids_and_names() {
        for good in [
            "5f1b2c3d4e5f6a7b8c9d0e1f",
            "00000000-0000-0000-0000-000000000000",
            "...",
            ".hidden",
            "a b",
            "a%2Fb",
            "ü",
        ] {
            assert_eq!(check("op", "id", good), Ok(()), "{good:?}");
        }
    }
}
