//! Object ids shaped like JumpCloud's (24 lowercase hex characters).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Hands out unique ids that sort in creation order, as MongoDB ObjectIds roughly do, so that
/// `sort=_id` paging over the fake is stable.
#[derive(Debug)]
pub(crate) struct IdGen {
    prefix: u32,
    next: AtomicU64,
}

impl IdGen {
    pub(crate) fn new() -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Self {
            prefix: u32::try_from(secs & 0xffff_ffff).unwrap_or(0),
            next: AtomicU64::new(1),
        }
    }

    /// A fresh 24-hex-char id.
    pub(crate) fn next(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{:08x}{:016x}", self.prefix, n)
    }

    /// A fresh opaque token (not an object id: longer, so it can't be confused with one).
    pub(crate) fn token(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        format!("fakejc_{:08x}{:016x}{:08x}", self.prefix, n, nanos)
    }
}

/// Whether `s` is a well-formed object id (24 hex characters).
pub(crate) fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_well_formed_and_ordered() {
        let g = IdGen::new();
        let a = g.next();
        let b = g.next();
        assert!(is_object_id(&a) && is_object_id(&b));
        assert!(a < b);
        assert!(!is_object_id("xyz"));
        assert!(!is_object_id("zzzzzzzzzzzzzzzzzzzzzzzz"));
    }
}
