//! `cargo xtask features`: every API area alone, and none, compiles (and
//! with `--test`, passes the library tests of `jumpcloud-api` and
//! `jumpcloud-ext`), so a feature combination that cannot compile is caught
//! here, not by users. The areas are read from `jumpcloud-ext`'s `full`
//! feature, so a new area is covered as soon as it is listed there; the
//! default (all areas) is what `cargo test --workspace` builds.

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

/// Checks (or tests) each area alone and no area at all.
pub fn run(root: &Path, test: bool) -> Result<()> {
    let mut combos: Vec<String> = areas(root)?;
    combos.push(String::new());
    for area in &combos {
        let features = if area.is_empty() {
            "rustls".to_owned()
        } else {
            format!("{area},rustls")
        };
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
            &features,
        ]);
        let started = Instant::now();
        let status = cmd.status().context("running cargo")?;
        let label = if area.is_empty() { "(no area)" } else { area };
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
