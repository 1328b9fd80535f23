//! Make a user group's members match a CSV file: `cargo run -p jumpcloud-ext --example
//! sync_group_members -- --group Engineering --csv members.csv [--apply]`.
//!
//! The CSV names one user per row, by username or email: a header row with a `username` or
//! `email` column picks that column, otherwise the first column is read. Without `--apply` it
//! only prints what it would add and remove (a dry run). `--group` takes a group name or id.
//!
//! With `--fake` (or no credentials in the environment) it runs against the project's fake
//! JumpCloud: it writes a CSV for the demo's Engineering group (one member dropped, two users
//! added), prints the plan, applies it to the fake and checks the result.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{ExampleResult, Target};
use jumpcloud_ext::api::v2::types::{
    GraphOperationUserGroupMember, GraphOperationUserGroupMemberOp as LinkOp,
    GraphOperationUserGroupMemberType as MemberType,
};
use jumpcloud_ext::prelude::*;

fn main() -> std::process::ExitCode {
    common::main(run)
}

async fn run() -> ExampleResult {
    let target = common::connect().await?;
    let (group, csv, apply) = if target.is_fake() {
        let csv = demo_csv(&target.jc).await?;
        ("Engineering".to_owned(), csv, true)
    } else {
        let group = common::arg("--group").ok_or("--group <name or id> is required")?;
        let path = common::arg("--csv").ok_or("--csv <file> is required")?;
        let csv = std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
        (group, csv, common::flag("--apply"))
    };
    let plan = plan(&target.jc, &group, &csv).await?;
    plan.print();
    if !apply {
        println!("dry run: nothing changed (add --apply to make these changes)");
        return Ok(());
    }
    if target.is_fake() {
        println!("applying to the fake JumpCloud");
    }
    plan.apply(&target.jc).await?;
    if let Target { fake: Some(_), jc } = &target {
        let again = members(jc, &plan.group_id).await?;
        let wanted: BTreeSet<&String> = plan.wanted.iter().collect();
        if again.iter().collect::<BTreeSet<_>>() != wanted {
            return Err("the group does not match the CSV after applying".into());
        }
        println!(
            "checked: the group now has exactly the {} users of the CSV",
            again.len()
        );
    }
    Ok(())
}

/// What to change: user ids to add and remove, with names for the report.
struct Plan {
    group_id: String,
    group_name: String,
    wanted: BTreeSet<String>,
    add: Vec<String>,
    remove: Vec<String>,
    names: BTreeMap<String, String>,
    unknown: Vec<String>,
}

impl Plan {
    fn print(&self) {
        let name = |id: &String| self.names.get(id).cloned().unwrap_or_else(|| id.clone());
        println!(
            "group {} ({}): {} users in the CSV, {} to add, {} to remove",
            self.group_name,
            self.group_id,
            self.wanted.len(),
            self.add.len(),
            self.remove.len()
        );
        for id in &self.add {
            println!("  + {}", name(id));
        }
        for id in &self.remove {
            println!("  - {}", name(id));
        }
        for who in &self.unknown {
            println!("  ? {who}: no such user, skipped");
        }
    }

    async fn apply(&self, jc: &JumpCloud) -> jumpcloud_ext::Result<()> {
        let changes = self
            .add
            .iter()
            .map(|id| (LinkOp::Add, id))
            .chain(self.remove.iter().map(|id| (LinkOp::Remove, id)));
        for (op, id) in changes {
            let body = GraphOperationUserGroupMember {
                attributes: None,
                id: id.clone(),
                op,
                type_: MemberType::User,
            };
            jc.v2()
                .user_group_members_set()
                .group_id(&self.group_id)
                .body(body)
                .run()
                .await?;
        }
        Ok(())
    }
}

async fn plan(jc: &JumpCloud, group: &str, csv: &str) -> ExampleResult<Plan> {
    let (group_id, group_name) = find_group(jc, group).await?;
    // The CSV's users by username or email: one filtered request per 100 rows,
    // each row with its own outcome so an unknown login is reported, not fatal.
    let mut wanted = BTreeSet::new();
    let mut names = BTreeMap::new();
    let mut unknown = Vec::new();
    for (login, outcome) in jc.find_each::<User>(logins(csv)?).await? {
        match outcome {
            Ok(user) => {
                let name = user.node.name.clone().unwrap_or_else(|| login.clone());
                names.insert(user.node.id.clone(), name);
                wanted.insert(user.node.id);
            }
            Err(e) if e.is_not_found() => unknown.push(login),
            Err(e) => return Err(e.into()),
        }
    }
    let current: BTreeSet<String> = members(jc, &group_id).await?.into_iter().collect();
    let remove: Vec<String> = current.difference(&wanted).cloned().collect();
    // Members to remove are not in the CSV: name them with one request per 100.
    let leaving: Vec<NodeRef> = remove
        .iter()
        .map(|id| NodeRef::new(Kind::User, id.clone()))
        .collect();
    let leaving_names = jc.graph().names_of(&leaving).await;
    for node in &leaving {
        if let Some(name) = leaving_names.get(node) {
            names.insert(node.id.clone(), name.to_owned());
        }
    }
    Ok(Plan {
        add: wanted.difference(&current).cloned().collect(),
        remove,
        group_id,
        group_name,
        wanted,
        names,
        unknown,
    })
}

/// A group id as given, or the id of the one group with that name.
async fn find_group(jc: &JumpCloud, group: &str) -> ExampleResult<(String, String)> {
    let is_id = group.len() == 24 && group.chars().all(|c| c.is_ascii_hexdigit());
    if is_id {
        let g = jc.v2().user_group_get().id(group).run().await?;
        return Ok((group.to_owned(), g.name.unwrap_or_else(|| group.to_owned())));
    }
    // One filtered request; two groups with this name are an error that lists their ids.
    let found = jc.find::<UserGroup>(group).await?;
    Ok((found.node.id, group.to_owned()))
}

/// The ids of the users directly in the group.
async fn members(jc: &JumpCloud, group_id: &str) -> jumpcloud_ext::Result<Vec<String>> {
    let links = jc
        .v2()
        .user_group_members_get()
        .group_id(group_id)
        .try_collect_all()
        .await?;
    Ok(links
        .into_iter()
        .filter(|l| l.to.type_ == "user")
        .map(|l| l.to.id)
        .collect())
}

/// The usernames or emails a CSV names.
fn logins(csv: &str) -> ExampleResult<Vec<String>> {
    let mut rows = csv
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(common::csv_fields);
    let Some(first) = rows.next() else {
        return Ok(Vec::new());
    };
    let header = first
        .iter()
        .position(|h| h.eq_ignore_ascii_case("username"))
        .or_else(|| first.iter().position(|h| h.eq_ignore_ascii_case("email")));
    let column = header.unwrap_or(0);
    let mut out: Vec<String> = if header.is_some() {
        Vec::new()
    } else {
        first.first().cloned().into_iter().collect()
    };
    out.extend(rows.filter_map(|r| r.get(column).cloned()));
    out.retain(|l| !l.is_empty());
    Ok(out)
}

/// For the fake: the Engineering group's members minus the first, plus two users who are not
/// in it, as a CSV with a header (the file a user would give).
async fn demo_csv(jc: &JumpCloud) -> ExampleResult<String> {
    let (id, _) = find_group(jc, "Engineering").await?;
    let current: BTreeSet<String> = members(jc, &id).await?.into_iter().collect();
    let users = jc.v1().user_list().try_collect_all().await?;
    let mut keep: Vec<String> = users
        .iter()
        .filter(|u| u.id.as_ref().is_some_and(|i| current.contains(i)))
        .filter_map(|u| u.username.clone())
        .skip(1)
        .collect();
    keep.extend(
        users
            .iter()
            .filter(|u| u.id.as_ref().is_some_and(|i| !current.contains(i)))
            .filter_map(|u| u.email.clone())
            .take(2),
    );
    let path = std::env::temp_dir().join(format!("engineering-{}.csv", std::process::id()));
    let csv = format!("username,note\n{}\n", keep.join(",from the demo\n"));
    std::fs::write(&path, &csv)?;
    println!(
        "CSV for the demo: {} rows (the Engineering group, one member dropped, two added)",
        keep.len()
    );
    let text = std::fs::read_to_string(&path)?;
    let _ = std::fs::remove_file(&path);
    Ok(text)
}
