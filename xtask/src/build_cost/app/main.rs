//! The quick start's shape in one file, built from cold by `cargo xtask build-cost`:
//! a client from the environment, every user streamed, one found by name, and
//! what that user can reach. It only has to compile; it is never run.

use futures::TryStreamExt;
use jumpcloud_ext::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // JUMPCLOUD_API_KEY, or JUMPCLOUD_CLIENT_ID + JUMPCLOUD_CLIENT_SECRET.
    let jc = JumpCloud::from_env()?;
    let mut users = jc.v1().user_list().stream();
    let mut count = 0_usize;
    while users.try_next().await?.is_some() {
        count += 1;
    }
    println!("{count} users");
    let ada = jc.find::<jumpcloud_ext::types::User>("ada.almeida0").await?;
    println!("{}", jc.graph().access_of(&ada.node).await?);
    Ok(())
}
