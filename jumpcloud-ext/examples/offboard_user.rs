//! Offboard a user: every group membership and association, removed in one go, and the account
//! suspended. The user is found by username or email with one request. `cargo run -p jumpcloud-ext --example offboard_user -- --user USERNAME [--apply]
//! [--suspend] [--suspend-anyway]`.
//!
//! A dry run by default: it prints what it would remove. `--apply` removes it (each removal's
//! outcome is reported; one failure does not stop the others) and `--suspend` also suspends the
//! account once every removal succeeded. After a failed removal the account is left active and the
//! report says so: run it again to retry what is left, or add `--suspend-anyway` to suspend
//! regardless. Running it twice changes nothing the second time.
//!
//! With `--fake` (or no credentials in the environment) it runs against the project's fake
//! JumpCloud, offboards the demo user who reaches a system through two groups, applies the plan,
//! and checks that nothing is left.

mod common;

use jumpcloud_ext::prelude::*;
use jumpcloud_fake as fake;

fn main() -> std::process::ExitCode {
    common::main(run)
}

async fn run() -> common::ExampleResult {
    let target = common::connect().await?;
    let jc = &target.jc;
    let username = target.arg_or_demo("--user", "USERNAME", fake::DEMO_TWO_PATH_USERNAME)?;
    // On the fake, show the whole thing: apply and suspend.
    let apply = common::flag("--apply") || target.is_fake();
    let suspend = common::flag("--suspend") || target.is_fake();
    let suspend_anyway = common::flag("--suspend-anyway");

    // One filtered request, whatever the size of the directory.
    let node = jc.find::<User>(&username).await?.node;

    let report = jc
        .graph()
        .concurrency(4)
        .offboard(node.clone())
        .dry_run(!apply)
        .suspend(suspend || suspend_anyway)
        .suspend_even_if_removals_fail(suspend_anyway)
        .run()
        .await?;
    print!("{report}");
    if !report.is_success() {
        return Err("some removals failed (or the suspension); see above".into());
    }
    if target.is_fake() {
        let again = jc.graph().offboard(node).dry_run(true).run().await?;
        println!("left after offboarding: {} change(s)", again.plan.len());
        if !again.plan.is_empty() {
            return Err("the user still has memberships or associations".into());
        }
    }
    Ok(())
}
