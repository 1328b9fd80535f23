//! The README's section "Test your automation without a tenant" shows this crate's files as
//! they are.

#[test]
fn readme_shows_this_crates_code() {
    let readme = include_str!("../../../README.md");
    let section = readme
        .split("## Test your automation without a tenant")
        .nth(1)
        .unwrap_or_default();
    for (name, file) in [
        ("src/lib.rs", include_str!("../src/lib.rs")),
        ("tests/suspend_group.rs", include_str!("suspend_group.rs")),
    ] {
        let block = format!("```rust,ignore\n{file}```");
        assert!(
            section.contains(&block),
            "README no longer shows {name} as it is"
        );
    }
}
