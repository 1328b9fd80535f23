//! The automation under test: suspend every member of a user group.

use futures::TryStreamExt;
use jumpcloud_ext::graph::NodeRef;
use jumpcloud_ext::prelude::*;

/// Suspends every direct member of user group `group_id`; returns their ids.
pub async fn suspend_group(jc: &JumpCloud, group_id: &str) -> Result<Vec<String>> {
    let members: Vec<String> = jc
        .graph()
        .members(&NodeRef::user_group(group_id))?
        .map_ok(|member| member.node.id)
        .try_collect()
        .await?;
    for id in &members {
        jc.v1()
            .user_set()
            .id(id.clone())
            .body_map(|user| user.suspended(Some(true)))
            .run()
            .await?;
    }
    Ok(members)
}
