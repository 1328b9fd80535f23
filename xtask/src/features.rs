//! `cargo xtask features`: every API area alone, and none, compiles (and
//! with `--test`, passes the library tests of `jumpcloud-api` and
//! `jumpcloud-ext`), so a feature combination that cannot compile is caught
//! here, not by users. The areas are read from `jumpcloud-ext`'s `full`
//! feature, so a new area is covered as soon as it is listed there; the
//! default (all areas) is what `cargo test --workspace` builds. The areas
//! use the default TLS (`rustls`, on ring); one more run covers the other
//! cryptography library, `rustls-aws-lc` (TLS and System Context on
//! aws-lc-rs).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// The areas `full` lists in `jumpcloud-ext/Cargo.toml`.
pub fn areas(root: &Path) -> Result<Vec<String>> {
    let path = root.join("jumpcloud-ext/Cargo.toml");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("full = ["))
        .context("jumpcloud-ext/Cargo.toml has no `full` feature")?;
    let areas: Vec<String> = line
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    if areas.is_empty() {
        bail!("jumpcloud-ext's `full` feature lists no area");
    }
    Ok(areas)
}

/// The other TLS choice, every area: `jumpcloud-ext`'s features are
/// named by package because `jumpcloud-api` has neither.
const AWS_LC: &str = "full,jumpcloud-ext/system-context,jumpcloud-ext/rustls-aws-lc";

/// Checks (or tests) each area alone, no area at all, and [`AWS_LC`].
pub fn run(root: &Path, test: bool) -> Result<()> {
    let mut combos: Vec<(String, String)> = areas(root)?
        .into_iter()
        .map(|area| (area.clone(), format!("{area},rustls")))
        .collect();
    combos.push(("(no area)".into(), "rustls".into()));
    combos.push(("every area on aws-lc-rs".into(), AWS_LC.into()));
    for (label, features) in &combos {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.current_dir(root);
        if test {
            cmd.args(["test", "-q", "--lib"]);
        } else {
            cmd.args(["check", "-q", "--lib"]);
        }
        cmd.args([
            "-p",
            "jumpcloud-api",
            "-p",
            "jumpcloud-ext",
            "--no-default-features",
            "--features",
            features,
        ]);
        let started = Instant::now();
        let status = cmd.status().context("running cargo")?;
        eprintln!(
            "features: {label}: {} in {:.0} s",
            if status.success() { "ok" } else { "FAILED" },
            started.elapsed().as_secs_f64()
        );
        if !status.success() {
            bail!("jumpcloud-api and jumpcloud-ext do not build with features `{features}`");
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn full_lists_every_area() {
        let root = crate::api::workspace_root();
        let areas = super::areas(&root).unwrap();
        assert!(areas.contains(&"directory".to_owned()), "{areas:?}");
        // jumpcloud-api's `full` lists the same areas.
        let api = std::fs::read_to_string(root.join("jumpcloud-api/Cargo.toml")).unwrap();
        let line = api.lines().find(|l| l.starts_with("full = [")).unwrap();
        for area in &areas {
            assert!(
                line.contains(&format!("\"{area}\"")),
                "{area} missing from jumpcloud-api's full"
            );
        }
    }
}
