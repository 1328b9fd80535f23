//! A user's first test file: it only links `jumpcloud-fake`, so that
//! `cargo test --no-run` measures what the dev-dependency adds to the build.

use jumpcloud_fake as _;

#[test]
fn the_fake_links() {}
