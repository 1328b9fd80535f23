//! The declared minimum Rust version (`rust-version` in the workspace manifest) is the true
//! one for the two library crates.
//!
//! The code itself needs 1.88: edition 2024 needs 1.85 and `if let … && …` chains, used
//! throughout, were stabilised in 1.88. Newer standard-library APIs are caught by clippy's
//! `incompatible_msrv` lint, which reads `rust-version` and runs with `-D warnings` in CI. What
//! clippy cannot see is a dependency that needs a newer compiler than we declare; this test
//! reads every library dependency's own `rust-version` from `cargo metadata` and fails if one
//! is above ours (the declared version would then be a promise the build cannot keep). With
//! one toolchain on the CI machine this is the honest check short of building with 1.88.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

/// What the project's own code needs (see the module docs).
const CODE_NEEDS: (u64, u64) = (1, 88);

fn version(v: &str) -> (u64, u64) {
    let mut parts = v.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// The platform this test runs on, as `rustc -vV` names it.
fn host_triple() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .arg("-vV")
        .output()
        .expect("rustc -vV runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .trim()
        .to_owned()
}

/// `cargo metadata` for this platform only. A build downloads only the host's packages, so
/// the full graph (every platform's, `android_system_properties` among them) is not in a fresh
/// cache; filtered to the host it is, and the filtered graph is what a build here compiles.
/// Offline first; with an incomplete cache, the registry is asked.
fn metadata() -> std::process::Output {
    let host = host_triple();
    let run = |offline: bool| {
        let mut cmd = Command::new(env!("CARGO"));
        cmd.args([
            "metadata",
            "--format-version",
            "1",
            "--filter-platform",
            &host,
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
        if offline {
            cmd.arg("--offline");
        }
        cmd.output().expect("cargo metadata runs")
    };
    let offline = run(true);
    if offline.status.success() {
        offline
    } else {
        run(false)
    }
}

#[test]
fn declared_rust_version_is_what_the_code_and_its_dependencies_need() {
    let output = metadata();
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let meta: Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages: BTreeMap<&str, &Value> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p))
        .collect();
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();
    for name in ["jumpcloud-api", "jumpcloud-ext"] {
        let (root, package) = packages
            .iter()
            .find(|(_, p)| p["name"] == name)
            .expect("the crate is in the workspace");
        let declared = version(
            package["rust_version"]
                .as_str()
                .expect("rust-version is set"),
        );
        assert_eq!(
            declared, CODE_NEEDS,
            "{name} declares {declared:?}; the code needs {CODE_NEEDS:?}"
        );
        // Every normal or build dependency, transitively.
        let mut seen = BTreeSet::new();
        let mut todo = vec![*root];
        while let Some(id) = todo.pop() {
            if !seen.insert(id) {
                continue;
            }
            for dep in nodes[id]["deps"].as_array().into_iter().flatten() {
                let normal = dep["dep_kinds"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|k| k["kind"].is_null() || k["kind"] == "build");
                if normal {
                    todo.push(dep["pkg"].as_str().unwrap());
                }
            }
        }
        let too_new: Vec<String> = seen
            .iter()
            .filter_map(|id| {
                let p = packages[id];
                let needs = version(p["rust_version"].as_str()?);
                (needs > declared)
                    .then(|| format!("{} {} needs {needs:?}", p["name"], p["version"]))
            })
            .collect();
        assert!(
            too_new.is_empty(),
            "{name} declares rust-version {declared:?} but depends on: {too_new:?}"
        );
        assert!(
            seen.len() > 20,
            "{name}: only {} packages found",
            seen.len()
        );
    }
}
