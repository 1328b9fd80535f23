//! The generated graph table (`jumpcloud_api::graph::RELATIONS`, `Kind`) checked
//! against the committed v2 document with rules written independently of the
//! xtask's: every typed associations listing and its `targets`, every members
//! listing, every listing that answers objects with paths.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use jumpcloud_api::graph::{Kind, RELATIONS, Relation, all_targets, links};
use serde_json::Value;

fn document() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../openapi/jumpcloud-v2.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn deref<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v["$ref"].as_str() {
        Some(r) => deref(doc, doc.pointer(r.trim_start_matches('#')).unwrap()),
        None => v,
    }
}

fn operation(id: &str) -> &'static jumpcloud_api::Operation {
    jumpcloud_api::v2::OPERATIONS
        .iter()
        .find(|o| o.id == id)
        .unwrap_or_else(|| panic!("{id} is not in OPERATIONS"))
}

/// (operationId, target) of every `targets` value of a typed associations GET.
fn association_pairs(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        if !path.ends_with("/associations") {
            continue;
        }
        let items = &deref(
            doc,
            &get["responses"]["200"]["content"]["application/json"]["schema"],
        )["items"]["$ref"];
        if items != "#/components/schemas/GraphConnection" {
            continue;
        }
        for p in get["parameters"].as_array().unwrap() {
            let p = deref(doc, p);
            if p["name"] == "targets" {
                for t in deref(doc, &p["schema"])["enum"].as_array().unwrap() {
                    out.insert((
                        get["operationId"].as_str().unwrap().to_string(),
                        t.as_str().unwrap().to_string(),
                    ));
                }
            }
        }
    }
    out
}

/// operationIds of GETs answering arrays of objects with `paths`.
fn path_listings(doc: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for item in doc["paths"].as_object().unwrap().values() {
        let Some(get) = item.get("get") else { continue };
        let schema = deref(
            doc,
            &get["responses"]["200"]["content"]["application/json"]["schema"],
        );
        if schema["type"] == "array"
            && deref(doc, &schema["items"])["properties"]
                .get("paths")
                .is_some()
        {
            out.insert(get["operationId"].as_str().unwrap().to_string());
        }
    }
    out
}

#[test]
fn kinds_cover_every_name_in_the_document() {
    let doc = document();
    let graph_type: BTreeSet<String> = doc["components"]["schemas"]["GraphType"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(graph_type.len(), 15);
    let ours: BTreeSet<String> = Kind::ALL.iter().map(|k| k.to_string()).collect();
    assert!(ours.is_superset(&graph_type));
    assert!(ours.contains("software_app"), "named only in paths");
    assert_eq!(ours.len(), 16);
    for (_, t) in association_pairs(&doc) {
        assert!(ours.contains(&t), "targets value {t} is not a Kind");
    }
    assert!(!Kind::ALL.iter().any(|k| matches!(k, Kind::Unknown(_))));
}

#[test]
fn associations_match_the_document() {
    let doc = document();
    let expected = association_pairs(&doc);
    let ours: BTreeSet<(String, String)> = links()
        .filter(|l| l.relation == Relation::Associations)
        .map(|l| (l.read.id.to_string(), l.target.to_string()))
        .collect();
    assert_eq!(ours, expected);
    assert_eq!(ours.len(), 51);
    for l in links().filter(|l| l.relation == Relation::Associations) {
        let read = operation(l.read.id);
        assert_eq!(read.rust_method, l.read.rust_method);
        assert_eq!(read.http_method, "GET");
        let write = l.write.expect("every typed association is writable");
        let write_op = operation(write.id);
        assert_eq!((write_op.http_method, write_op.path), ("POST", read.path));
        // The source kind's collection is the path's first segment.
        let collection = read.path.split('/').nth(1).unwrap().replace('-', "");
        let source = l.source.as_str().replace('_', "");
        assert!(
            collection.starts_with(&source[..source.len() - 1]),
            "{} serves {}",
            read.path,
            l.source
        );
    }
}

#[test]
fn members_membership_member_of_and_traversals_match_the_document() {
    let doc = document();
    let members: BTreeSet<(&str, &str, &str)> = links()
        .filter(|l| l.relation == Relation::Members)
        .map(|l| {
            (
                l.source.as_str(),
                l.target.as_str(),
                operation(l.read.id).path,
            )
        })
        .collect();
    assert_eq!(
        members,
        BTreeSet::from([
            ("policy_group", "policy", "/policygroups/{group_id}/members"),
            ("system_group", "system", "/systemgroups/{group_id}/members"),
            ("user_group", "user", "/usergroups/{group_id}/members"),
        ])
    );
    let paths_ops: BTreeSet<String> = links()
        .filter(|l| l.relation != Relation::Associations && l.relation != Relation::Members)
        .map(|l| l.read.id.to_string())
        .collect();
    let documented = path_listings(&doc);
    // Every listing with paths is a target's listing except the two that
    // list `directories` (several kinds in one listing): those are the
    // table's listings of all traversal targets of a user and a user group.
    let left_out: BTreeSet<&String> = documented.difference(&paths_ops).collect();
    assert_eq!(
        left_out,
        BTreeSet::from([
            &"UserGroupTraverseDirectory_Get".to_string(),
            &"UserTraverseDirectory_Get".to_string()
        ])
    );
    let directory_kinds = [
        Kind::ActiveDirectory,
        Kind::GSuite,
        Kind::LdapServer,
        Kind::Office365,
    ];
    for (source, id) in [
        (Kind::User, "UserTraverseDirectory_Get"),
        (Kind::UserGroup, "UserGroupTraverseDirectory_Get"),
    ] {
        let all = all_targets(&source, Relation::Traversal).unwrap();
        assert_eq!(all.read.id, id);
        assert_eq!(all.kinds, &directory_kinds);
    }
    // Members, membership and member-of answer every target in one listing,
    // and that listing is the one each target's link reads.
    for r in RELATIONS.iter().filter(|r| {
        matches!(
            r.relation,
            Relation::Members | Relation::Membership | Relation::MemberOf
        )
    }) {
        let all = r.all.as_ref().expect("one listing answers every target");
        let kinds: Vec<&Kind> = r.targets.iter().map(|l| &l.target).collect();
        assert_eq!(
            kinds,
            all.kinds.iter().collect::<Vec<_>>(),
            "{:?}",
            r.source
        );
        assert!(r.targets.iter().all(|l| l.read == all.read));
    }
    assert!(paths_ops.is_subset(&documented));
    for l in links() {
        let op = operation(l.read.id);
        let tail = op.path.rsplit('/').next().unwrap();
        match l.relation {
            Relation::Membership => assert_eq!(tail, "membership"),
            Relation::MemberOf => assert_eq!(tail, "memberof"),
            Relation::Traversal => {
                let target = l.target.as_str().replace('_', "");
                assert!(tail.starts_with(&target[..target.len() - 1]), "{}", op.path);
            }
            _ => {}
        }
    }
    let count = |r: Relation| links().filter(|l| l.relation == r).count();
    assert_eq!(count(Relation::Traversal), 46);
    assert_eq!(count(Relation::MemberOf), 3);
    assert_eq!(count(Relation::Membership), 3);
}
