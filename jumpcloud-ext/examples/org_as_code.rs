//! Organisation as code: back an organisation up, diff two states, plan and
//! apply a declared one.
//!
//! ```text
//! cargo run -p jumpcloud-ext --example org_as_code -- backup DIR [--fake]
//! cargo run -p jumpcloud-ext --example org_as_code -- diff A B
//! cargo run -p jumpcloud-ext --example org_as_code -- plan SOURCE [--fake]
//! cargo run -p jumpcloud-ext --example org_as_code -- apply SOURCE [--prune] [--confirm-deletions N] [--fake]
//! cargo run -p jumpcloud-ext --example org_as_code -- --fake
//! ```
//!
//! SOURCE is a declared-state file (`.json`; `.toml` and `.yaml` with the crate's `toml` and
//! `yaml` features) or a backup directory (restore is "plan and apply a backup"). `diff` takes
//! two backup directories, or `live` for the organisation itself. `--json` prints a diff or a
//! plan as JSON.
//!
//! With `--fake` (or no credentials in the environment) each command works on the fake's demo
//! organisation. `--fake` alone runs the whole loop: back the demo organisation up, check the
//! backup against itself, restore it into an empty organisation, back that up and diff the two
//! (nothing but ids differs), then apply a declared file twice (the second apply writes nothing).

mod common;

use std::path::{Path, PathBuf};

use common::ExampleResult;
use jumpcloud_ext::graph::{Kind, Relation};
use jumpcloud_ext::org::{self, DeclaredState, OrgState, Progress};
use jumpcloud_ext::prelude::*;
use jumpcloud_fake::{Collection, FakeJumpCloud, GraphKind, GraphNode};

fn main() -> std::process::ExitCode {
    common::main(run)
}

/// The positional arguments (flags and their values left out).
fn positional() -> Vec<String> {
    let mut out = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--confirm-deletions" {
            args.next();
        } else if !a.starts_with("--") {
            out.push(a);
        }
    }
    out
}

async fn run() -> ExampleResult {
    let args = positional();
    let json = common::flag("--json");
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["backup", dir] => {
            let target = common::connect().await?;
            backup(&target.jc, Path::new(dir)).await?;
        }
        ["diff", a, b] => {
            let old = OrgState::read(a)?;
            let new = if *b == "live" {
                let target = common::connect().await?;
                target.jc.org().state(&all_kinds()).await?
            } else {
                OrgState::read(b)?
            };
            print_diff(&org::diff(&old, &new), json)?;
        }
        ["plan", source] => {
            let target = common::connect().await?;
            let declared = declared(source, false)?;
            let plan = target.jc.org().plan(&declared).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&plan)?);
            } else {
                print!("{plan}");
            }
        }
        ["apply", source] => {
            let target = common::connect().await?;
            let declared = declared(source, common::flag("--prune"))?;
            let plan = target.jc.org().plan(&declared).await?;
            print!("{plan}");
            let confirm = common::arg("--confirm-deletions")
                .map(|n| n.parse::<usize>())
                .transpose()?;
            let org = target.jc.org();
            let mut apply = org.apply(&plan);
            if let Some(n) = confirm {
                apply = apply.confirm_deletions(n);
            }
            let report = apply.run().await?;
            print!("{report}");
            if !report.is_success() {
                return Err("some writes failed (see above); run it again to continue".into());
            }
        }
        [] if common::flag("--fake") => the_loop().await?,
        _ => {
            return Err(
                "usage: org_as_code backup DIR | diff A B | plan SOURCE | apply SOURCE \
                        [--prune] [--confirm-deletions N] [--fake] [--json]"
                    .into(),
            );
        }
    }
    Ok(())
}

fn all_kinds() -> Vec<Kind> {
    jumpcloud_ext::graph::named_kinds().cloned().collect()
}

async fn backup(jc: &JumpCloud, dir: &Path) -> ExampleResult<org::Manifest> {
    let manifest = jc
        .org()
        .backup(dir)
        .on_progress(|p: &Progress| {
            if p.done {
                eprintln!(
                    "  {:<16} {:>6} objects {:>6} links",
                    p.kind.to_string(),
                    p.objects,
                    p.links
                );
            }
        })
        .run()
        .await?;
    let objects: usize = manifest.kinds.iter().map(|k| k.objects).sum();
    let links: usize = manifest.kinds.iter().map(|k| k.links).sum();
    println!(
        "backed up {objects} objects and {links} links to {} in {} requests",
        dir.display(),
        manifest.requests
    );
    for f in &manifest.fallbacks {
        println!(
            "  {} -> {} associations were refused (403): read by {} instead",
            f.kind, f.target, f.instead
        );
    }
    Ok(manifest)
}

/// A declared state from a file, or from a backup directory (`prune`: the
/// backup's kinds are managed exhaustively).
fn declared(source: &str, prune: bool) -> ExampleResult<DeclaredState> {
    let path = PathBuf::from(source);
    let mut declared = if path.is_dir() {
        DeclaredState::from_state(&OrgState::read(&path)?)
    } else {
        DeclaredState::read(&path)?
    };
    if prune {
        for kind in [Kind::User, Kind::UserGroup, Kind::SystemGroup] {
            if declared.section(&kind).is_some_and(|s| !s.is_empty()) {
                declared.prune.insert(kind);
            }
        }
    }
    Ok(declared)
}

fn print_diff(diff: &org::OrgDiff, json: bool) -> ExampleResult {
    if json {
        println!("{}", serde_json::to_string_pretty(diff)?);
    } else {
        print!("{diff}");
    }
    Ok(())
}

/// `--fake` alone: the whole loop on the demo organisation.
async fn the_loop() -> ExampleResult {
    let target = common::connect().await?;
    let jc = &target.jc;
    if let Some(fake) = &target.fake {
        drop_duplicate_group(fake)?;
    }
    let work = std::env::temp_dir().join(format!("org_as_code-{}", std::process::id()));
    let (a, b) = (work.join("demo"), work.join("restored"));

    println!("== backup of the demo organisation");
    let manifest = backup(jc, &a).await?;
    let demo = OrgState::read(&a)?;
    if !org::diff(&demo, &demo).is_empty() {
        return Err("a backup differs from itself".into());
    }
    let replan = jc.org().plan(&DeclaredState::from_state(&demo)).await?;
    println!(
        "planning the backup against the organisation it came from: {} writes",
        replan.len()
    );
    if !replan.is_empty() {
        return Err(format!("a fresh backup should plan nothing:\n{replan}").into());
    }

    println!("\n== restore into an empty organisation");
    let (empty, restored) = empty_org(&demo).await?;
    let plan = restored
        .org()
        .plan(&DeclaredState::from_state(&demo))
        .await?;
    println!(
        "{} objects to create, {} edges to add",
        plan.count(org::ObjectOp::Create),
        plan.link_count(jumpcloud_ext::graph::LinkOp::Add)
    );
    let report = restored.org().apply(&plan).run().await?;
    println!("{} writes done", report.done());
    if !report.is_success() {
        return Err(format!("the restore failed:\n{report}").into());
    }
    let bound = bind_undeclared(&restored, &demo).await?;
    println!("{bound} bindings to directories and RADIUS/LDAP servers made by hand");
    let kinds: Vec<Kind> = manifest.kinds.iter().map(|k| k.kind.clone()).collect();
    restored.org().backup(&b).kinds(&kinds).run().await?;
    let difference = org::diff(&demo, &OrgState::read(&b)?);
    println!("diff demo restored: {difference}");
    if !difference.is_empty() {
        return Err("the restored organisation differs from the demo".into());
    }
    empty.shutdown().await;

    println!("\n== a declared file, planned and applied twice");
    let file = work.join("declared.json");
    std::fs::write(&file, DECLARED)?;
    let declared = DeclaredState::read(&file)?;
    let plan = jc.org().plan(&declared).await?;
    print!("{plan}");
    let report = jc.org().apply(&plan).run().await?;
    print!("{report}");
    let again = jc.org().plan(&declared).await?;
    println!("planned again after applying: {} writes", again.len());
    if !again.is_empty() {
        return Err(format!("applying twice should change nothing:\n{again}").into());
    }
    std::fs::remove_dir_all(&work)?;
    Ok(())
}

/// A small declared file: one new user, a new group with members, and the
/// Linux servers' members.
const DECLARED: &str = r#"{
  "users": {
    "grace.hopper": { "email": "grace.hopper@example.com", "firstname": "Grace", "lastname": "Hopper" }
  },
  "user_groups": {
    "Compilers": {
      "description": "People who write compilers",
      "members": ["grace.hopper", "ada.almeida0"],
      "systems": [{ "name": "lnx-002", "sudo": { "enabled": true, "withoutPassword": false } }]
    }
  }
}
"#;

/// A fake JumpCloud with one empty organisation, where the objects a
/// declared state only names (systems enrol through their agent;
/// applications, policies, commands and directories are set up in the
/// console) are already there, as in `state`, with new ids; and a client
/// for it.
async fn empty_org(state: &OrgState) -> ExampleResult<(FakeJumpCloud, JumpCloud)> {
    const ORG: &str = "65aa00000000000000000001";
    let fake = FakeJumpCloud::builder()
        .org(ORG, "Restored")
        .api_key("restore-key", [ORG])
        .start()
        .await?;
    let org = fake.org(ORG);
    let mut ids = std::collections::BTreeMap::new();
    for o in &state.objects {
        let Some(c) = collection(&o.kind) else {
            continue;
        };
        let mut attributes = o.attributes.clone();
        for key in ["_id", "id", "organization"] {
            attributes.remove(key);
        }
        let id = org.insert(c, serde_json::Value::Object(attributes))?;
        ids.insert((o.kind.clone(), o.id.clone()), id);
    }
    // The edges a declared state does not hold (between two such objects).
    for l in &state.links {
        let (Some(from), Some(to)) = (
            ids.get(&(l.from.kind.clone(), l.from.id.clone())),
            ids.get(&(l.to.kind.clone(), l.to.id.clone())),
        ) else {
            continue;
        };
        let node =
            |kind: &Kind, id: &str| GraphKind::parse(kind.as_str()).map(|k| GraphNode::new(k, id));
        let (Some(from), Some(to)) = (node(&l.from.kind, from), node(&l.to.kind, to)) else {
            continue;
        };
        if l.relation == Relation::Members {
            org.add_member(&from, &to)?;
        } else {
            let attributes = (!l.attributes.is_empty()).then(|| l.attributes.clone());
            org.associate(&from, &to, attributes)?;
        }
    }
    let jc = JumpCloud::builder()
        .api_key("restore-key")
        .base_url(fake.base_url())
        .build()?;
    Ok((fake, jc))
}

/// The fake's collection for a kind a declared state only names.
fn collection(kind: &Kind) -> Option<Collection> {
    Some(match kind {
        Kind::System => Collection::Systems,
        Kind::Application => Collection::Applications,
        Kind::Command => Collection::Commands,
        Kind::Policy => Collection::Policies,
        Kind::PolicyGroup => Collection::PolicyGroups,
        Kind::RadiusServer => Collection::RadiusServers,
        Kind::LdapServer => Collection::LdapServers,
        Kind::GSuite => Collection::GSuites,
        Kind::Office365 => Collection::Office365s,
        Kind::ActiveDirectory => Collection::ActiveDirectories,
        Kind::SoftwareApp => Collection::SoftwareApps,
        _ => return None,
    })
}

/// The demo holds a second, empty "Contractors" user group so that lookups
/// meet a shared name. JumpCloud's API refuses to create a group whose
/// name is taken (as the fake does), so no restore could make it: it goes
/// first.
fn drop_duplicate_group(fake: &FakeJumpCloud) -> ExampleResult {
    let org = fake.default_org();
    let last = org
        .objects(Collection::UserGroups)?
        .into_iter()
        .filter(|g| g["name"] == jumpcloud_fake::DEMO_DUPLICATE_GROUP)
        .filter_map(|g| g["id"].as_str().map(str::to_owned))
        .max();
    if let Some(id) = last {
        org.remove(Collection::UserGroups, &id);
        println!(
            "(removed the demo's second {} group first)",
            jumpcloud_fake::DEMO_DUPLICATE_GROUP
        );
    }
    Ok(())
}

/// Kinds a declared state creates and names its edges from.
const DECLARED_KINDS: [Kind; 3] = [Kind::User, Kind::UserGroup, Kind::SystemGroup];

/// The edges a declared state cannot name (a declared object's bindings to
/// directories and RADIUS or LDAP servers), made in `jc`'s organisation as
/// an admin would, matching both ends by name. Returns how many.
async fn bind_undeclared(jc: &JumpCloud, state: &OrgState) -> ExampleResult<usize> {
    let nameable = |k: &Kind| {
        DECLARED_KINDS.contains(k)
            || matches!(
                k,
                Kind::System | Kind::Application | Kind::Command | Kind::Policy | Kind::PolicyGroup
            )
    };
    let wanted: Vec<_> = state
        .links
        .iter()
        .filter(|l| {
            let declared = |k: &Kind| DECLARED_KINDS.contains(k);
            (declared(&l.from.kind) && !nameable(&l.to.kind))
                || (declared(&l.to.kind) && !nameable(&l.from.kind))
        })
        .collect();
    if wanted.is_empty() {
        return Ok(0);
    }
    let kinds: Vec<Kind> = state
        .objects
        .iter()
        .map(|o| o.kind.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let live = jc.org().state(&kinds).await?;
    let find = |n: &jumpcloud_ext::graph::NodeRef| {
        live.objects
            .iter()
            .find(|o| o.kind == n.kind && o.name.is_some() && o.name == n.name)
            .map(|o| o.node())
            .ok_or_else(|| format!("{n} is not in the restored organisation"))
    };
    for l in &wanted {
        let change = jumpcloud_ext::graph::Change {
            op: jumpcloud_ext::graph::LinkOp::Add,
            target: find(&l.to)?,
            attributes: (!l.attributes.is_empty()).then(|| l.attributes.clone()),
        };
        jc.graph()
            .change(l.relation, &find(&l.from)?, &change)
            .await?;
    }
    Ok(wanted.len())
}
