//! Which page to ask for next: the paging rules as a pure value, so they are
//! tested without a server.
//!
//! - Offset kinds (`limit`/`skip` in the query or the body): with a total,
//!   positions advance by the page size *asked for* (a short page in the
//!   middle is not the end) until `skip ≥ total`, and pages may be fetched
//!   ahead in parallel. Without a total, pages are fetched one at a time
//!   and the first empty page ends the walk.
//! - Token and cursor kinds: one page at a time; the end is an answer with no
//!   next position or no items. A next position equal to the last one is an
//!   error (the walk would never end).

use jumpcloud_api::{PageKind, PageRequest, Position};

/// The state of one walk over a collection.
#[derive(Debug)]
pub(crate) struct WalkPlan {
    kind: PageKind,
    size: u32,
    /// The next offset to schedule (offset kinds).
    next_offset: u64,
    /// The latest total the server gave.
    total: Option<u64>,
    started: bool,
    /// The next token or cursor, once the previous page arrived.
    next_position: Option<Position>,
    /// The position of the last page asked for (token and cursor kinds).
    last_position: Option<Position>,
    /// Set when a page without a total (offset kinds) is awaited.
    waiting: bool,
    done: bool,
}

impl WalkPlan {
    /// A walk over pages of `size` items, starting `start` items in (offset
    /// kinds only).
    pub(crate) fn new(kind: PageKind, size: u32, start: u64) -> Self {
        WalkPlan {
            kind,
            size: size.max(1),
            next_offset: start,
            total: None,
            started: false,
            next_position: None,
            last_position: None,
            waiting: false,
            done: false,
        }
    }

    fn offset_kind(&self) -> bool {
        matches!(self.kind, PageKind::Offset | PageKind::BodyOffset)
    }

    /// The next page that may be requested now, given how many requests are
    /// in flight; `None` when none may be (yet, or ever).
    pub(crate) fn next_request(&mut self, in_flight: usize) -> Option<PageRequest> {
        if self.done {
            return None;
        }
        if !self.started {
            self.started = true;
            let position = if self.offset_kind() {
                let at = self.next_offset;
                self.next_offset = at.saturating_add(u64::from(self.size));
                Position::Offset(at)
            } else {
                Position::Start
            };
            self.waiting = true;
            self.last_position = Some(position.clone());
            return Some(self.page(position));
        }
        if self.offset_kind() {
            match self.total {
                Some(total) if self.next_offset >= total => return None,
                Some(_) => {}
                // Without a total only one page may be out at a time.
                None if self.waiting || in_flight > 0 => return None,
                None => {}
            }
            let at = self.next_offset;
            self.next_offset = at.saturating_add(u64::from(self.size));
            self.waiting = self.total.is_none();
            Some(self.page(Position::Offset(at)))
        } else {
            let position = self.next_position.take()?;
            self.last_position = Some(position.clone());
            Some(self.page(position))
        }
    }

    fn page(&self, position: Position) -> PageRequest {
        PageRequest {
            position,
            size: self.size,
        }
    }

    /// Records a page that arrived (pages arrive in the order asked).
    pub(crate) fn on_page(
        &mut self,
        items: usize,
        total: Option<u64>,
        next: Option<Position>,
    ) -> Result<(), String> {
        self.waiting = false;
        if self.offset_kind() {
            if total.is_some() {
                self.total = total;
            }
            if self.total.is_none() && items == 0 {
                self.done = true;
            }
            return Ok(());
        }
        match next {
            Some(next) if items > 0 => {
                if self.last_position.as_ref() == Some(&next) {
                    self.done = true;
                    return Err("the server sent the same next-page position twice".into());
                }
                self.next_position = Some(next);
            }
            _ => self.done = true,
        }
        Ok(())
    }

    /// The latest total the server gave, if any.
    pub(crate) fn total(&self) -> Option<u64> {
        self.total
    }
}

/// A position as shown in errors: `skip 200`, `start`, or a short form of a
/// token or cursor (never the whole value; tokens can be long).
pub(crate) fn describe(position: &Position) -> String {
    match position {
        Position::Start => "start".into(),
        Position::Offset(skip) => format!("skip {skip}"),
        Position::Token(t) => format!("page token {}", short(t)),
        Position::Cursor(c) => {
            let text = serde_json::Value::Array(c.clone()).to_string();
            format!("cursor {}", short(&text))
        }
    }
}

fn short(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offsets(plan: &mut WalkPlan, in_flight: usize) -> Vec<u64> {
        let mut out = Vec::new();
        while let Some(r) = plan.next_request(in_flight + out.len()) {
            out.push(r.offset());
            if out.len() > 100 {
                break;
            }
        }
        out
    }

    #[test]
    fn with_a_total_pages_run_ahead_until_the_total() {
        let mut plan = WalkPlan::new(PageKind::Offset, 100, 0);
        assert_eq!(
            offsets(&mut plan, 0),
            vec![0],
            "one page until the total is known"
        );
        plan.on_page(100, Some(250), None).unwrap();
        assert_eq!(offsets(&mut plan, 0), vec![100, 200]);
        // A short page in the middle does not end the walk.
        plan.on_page(97, Some(250), None).unwrap();
        plan.on_page(50, Some(250), None).unwrap();
        assert_eq!(offsets(&mut plan, 0), Vec::<u64>::new());
    }

    #[test]
    fn exact_multiples_and_empty_collections_stop_without_an_extra_request() {
        let mut plan = WalkPlan::new(PageKind::Offset, 100, 0);
        plan.next_request(0);
        plan.on_page(100, Some(100), None).unwrap();
        assert_eq!(plan.next_request(0), None);
        let mut plan = WalkPlan::new(PageKind::Offset, 100, 0);
        plan.next_request(0);
        plan.on_page(0, Some(0), None).unwrap();
        assert_eq!(plan.next_request(0), None);
    }

    #[test]
    fn without_a_total_one_page_at_a_time_until_an_empty_one() {
        let mut plan = WalkPlan::new(PageKind::BodyOffset, 10, 5);
        assert_eq!(offsets(&mut plan, 0), vec![5]);
        assert_eq!(
            plan.next_request(0),
            None,
            "still waiting for the first page"
        );
        plan.on_page(3, None, None).unwrap();
        assert_eq!(
            offsets(&mut plan, 0),
            vec![15],
            "a short page is not the end"
        );
        plan.on_page(0, None, None).unwrap();
        assert_eq!(plan.next_request(0), None);
    }

    #[test]
    fn a_shrinking_total_stops_scheduling() {
        let mut plan = WalkPlan::new(PageKind::Offset, 10, 0);
        plan.next_request(0);
        plan.on_page(10, Some(50), None).unwrap();
        assert_eq!(plan.next_request(0).map(|r| r.offset()), Some(10));
        plan.on_page(10, Some(20), None).unwrap();
        assert_eq!(plan.next_request(0), None);
    }

    #[test]
    fn tokens_and_cursors_follow_the_server() {
        let mut plan = WalkPlan::new(PageKind::Token, 50, 0);
        assert_eq!(
            plan.next_request(0).map(|r| r.position),
            Some(Position::Start)
        );
        assert_eq!(plan.next_request(1), None);
        plan.on_page(50, None, Some(Position::Token("b".into())))
            .unwrap();
        assert_eq!(
            plan.next_request(0).map(|r| r.position),
            Some(Position::Token("b".into()))
        );
        let err = plan.on_page(50, None, Some(Position::Token("b".into())));
        assert!(err.is_err(), "a repeated token would loop forever");
        assert_eq!(plan.next_request(0), None);

        let mut plan = WalkPlan::new(PageKind::Cursor, 2, 0);
        plan.next_request(0);
        plan.on_page(0, None, Some(Position::Cursor(vec![1.into()])))
            .unwrap();
        assert_eq!(plan.next_request(0), None, "an empty page ends the walk");
    }

    #[test]
    fn the_total_is_the_latest_one_given_and_kept_through_pages_without_one() {
        // `ListingPage.total` falls back to it for pages that do not repeat it.
        let mut plan = WalkPlan::new(PageKind::Offset, 10, 0);
        assert_eq!(plan.total(), None);
        plan.next_request(0);
        plan.on_page(10, Some(30), None).unwrap();
        assert_eq!(plan.total(), Some(30));
        plan.on_page(10, None, None).unwrap();
        assert_eq!(plan.total(), Some(30), "a page without a total keeps it");
        plan.on_page(10, Some(25), None).unwrap();
        assert_eq!(plan.total(), Some(25), "a newer total replaces it");
        // Token and cursor walks keep no total.
        let mut plan = WalkPlan::new(PageKind::Token, 10, 0);
        plan.next_request(0);
        plan.on_page(10, Some(99), Some(Position::Token("n".into())))
            .unwrap();
        assert_eq!(plan.total(), None);
    }

    #[test]
    fn positions_are_described_exactly_and_long_ones_cut() {
        assert_eq!(describe(&Position::Start), "start");
        assert_eq!(describe(&Position::Offset(0)), "skip 0");
        assert_eq!(describe(&Position::Token("abc".into())), "page token abc");
        assert_eq!(
            describe(&Position::Cursor(vec![1.into(), "a".into()])),
            r#"cursor [1,"a"]"#
        );
        // Forty characters are kept whole; one more is cut to forty and marked.
        let forty = "t".repeat(40);
        assert_eq!(
            describe(&Position::Token(forty.clone())),
            format!("page token {forty}")
        );
        assert_eq!(
            describe(&Position::Token(format!("{forty}é"))),
            format!("page token {forty}…")
        );
        let cursor = describe(&Position::Cursor(vec!["x".repeat(60).into()]));
        assert_eq!(cursor, format!("cursor [\"{}…", "x".repeat(38)));
    }

    #[test]
    fn without_a_total_nothing_more_is_asked_while_a_page_is_out() {
        let mut plan = WalkPlan::new(PageKind::Offset, 10, 0);
        plan.next_request(0);
        plan.on_page(10, None, None).unwrap();
        // Another request is in flight (held by the caller): wait for it.
        assert_eq!(plan.next_request(1), None);
        assert_eq!(plan.next_request(0).map(|r| r.offset()), Some(10));
        assert_eq!(plan.next_request(0), None, "the page just asked is awaited");
        // A token walk asks only for the position the server gave.
        let mut plan = WalkPlan::new(PageKind::Cursor, 5, 0);
        let first = plan.next_request(0).unwrap();
        assert_eq!((first.position, first.size), (Position::Start, 5));
        plan.on_page(5, None, None).unwrap();
        assert_eq!(plan.next_request(0), None, "no next position ends the walk");
    }

    #[test]
    fn page_size_is_never_zero_and_positions_are_short() {
        let mut plan = WalkPlan::new(PageKind::Offset, 0, 0);
        assert_eq!(plan.next_request(0).map(|r| r.size), Some(1));
        assert_eq!(describe(&Position::Offset(200)), "skip 200");
        let long = describe(&Position::Token("x".repeat(500)));
        assert!(long.chars().count() < 60, "{long}");
    }
}
