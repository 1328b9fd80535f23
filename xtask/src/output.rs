//! The one write/check loop of the xtask: compare what a command would write
//! with what is on disk, then either report the drift (`--check`) or write
//! every changed file, all or nothing.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// One file a command produces.
pub struct Output {
    /// Where it goes.
    pub path: PathBuf,
    /// What goes there.
    pub text: String,
    /// Shown after "wrote `<file>`", e.g. "(57 operations)".
    pub summary: String,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Files written (workspace-relative), in order.
    pub written: Vec<String>,
}

/// `path` relative to `root`, for messages.
pub fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Compares every output with the file on disk. With `check`, writes nothing
/// and fails naming every file that differs (`explain` says how, given the
/// output and the current text, if any) and the command that fixes it
/// (`fix`). Without it, writes every changed file or, if any write fails,
/// none of them.
pub fn apply(
    tool: &str,
    root: &Path,
    outputs: &[Output],
    check: bool,
    fix: &str,
    explain: &dyn Fn(&Output, Option<&str>) -> Vec<String>,
) -> Result<Outcome> {
    let mut changed = Vec::new();
    for output in outputs {
        let rel = relative(root, &output.path);
        let current = std::fs::read_to_string(&output.path).ok();
        if current.as_deref() == Some(output.text.as_str()) {
            println!("{tool}: {rel} is up to date");
            continue;
        }
        if check {
            eprintln!("{tool}: {rel} differs from what {fix} would write:");
            for line in explain(output, current.as_deref()) {
                eprintln!("  {line}");
            }
        }
        changed.push((output, rel));
    }
    if check {
        if !changed.is_empty() {
            let names: Vec<&str> = changed.iter().map(|(_, rel)| rel.as_str()).collect();
            bail!(
                "{} out of date; run `{fix}` and commit the result",
                names.join(", ")
            );
        }
        return Ok(Outcome::default());
    }
    write_all(root, &changed)?;
    let mut outcome = Outcome::default();
    for (output, rel) in changed {
        println!("{tool}: wrote {rel} {}", output.summary);
        outcome.written.push(rel);
    }
    Ok(outcome)
}

/// Stages every file next to its target, then renames them into place; a
/// failure while staging removes what was staged and leaves every target as
/// it was.
fn write_all(root: &Path, changed: &[(&Output, String)]) -> Result<()> {
    let mut staged: Vec<(PathBuf, &Path)> = Vec::new();
    let stage = |output: &Output, rel: &str| -> Result<PathBuf> {
        let dir = output
            .path
            .parent()
            .with_context(|| format!("{rel} has no parent directory"))?;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut name = output.path.file_name().unwrap_or_default().to_os_string();
        name.push(format!(".xtask-{}.tmp", std::process::id()));
        let tmp = dir.join(name);
        std::fs::write(&tmp, &output.text).with_context(|| format!("writing {rel}"))?;
        Ok(tmp)
    };
    for (output, rel) in changed {
        match stage(output, rel) {
            Ok(tmp) => staged.push((tmp, &output.path)),
            Err(e) => {
                for (tmp, _) in &staged {
                    let _ = std::fs::remove_file(tmp);
                }
                return Err(e.context("nothing was written"));
            }
        }
    }
    let mut done: Vec<String> = Vec::new();
    for (i, (tmp, target)) in staged.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, target) {
            for (tmp, _) in &staged[i..] {
                let _ = std::fs::remove_file(tmp);
            }
            let rel = relative(root, target);
            if done.is_empty() {
                return Err(
                    anyhow::Error::new(e).context(format!("writing {rel}; nothing was written"))
                );
            }
            return Err(anyhow::Error::new(e).context(format!(
                "writing {rel}; already written: {} (`git checkout -- <file>` restores them)",
                done.join(", ")
            )));
        }
        done.push(relative(root, target));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn temp(tag: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-output-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn check_writes_nothing_and_write_writes_all() {
        let root = temp("all");
        let a = root.join("a.txt");
        std::fs::write(&a, "old").unwrap();
        let outputs = vec![
            Output {
                path: a.clone(),
                text: "new".into(),
                summary: String::new(),
            },
            Output {
                path: root.join("sub").join("b.txt"),
                text: "b".into(),
                summary: String::new(),
            },
        ];
        let err = apply("t", &root, &outputs, true, "fix it", &|_, _| vec![]).unwrap_err();
        assert!(
            format!("{err}").contains("a.txt, sub/b.txt out of date"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old");
        let outcome = apply("t", &root, &outputs, false, "fix it", &|_, _| vec![]).unwrap();
        assert_eq!(outcome.written, vec!["a.txt", "sub/b.txt"]);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new");
        let again = apply("t", &root, &outputs, true, "fix it", &|_, _| vec![]).unwrap();
        assert!(again.written.is_empty());
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_every_file_alone() {
        let root = temp("fail");
        let a = root.join("a.txt");
        std::fs::write(&a, "old").unwrap();
        // A regular file where a directory is needed: staging `b` fails.
        std::fs::write(root.join("blocker"), "").unwrap();
        let outputs = vec![
            Output {
                path: a.clone(),
                text: "new".into(),
                summary: String::new(),
            },
            Output {
                path: root.join("blocker").join("b.txt"),
                text: "b".into(),
                summary: String::new(),
            },
        ];
        let err = apply("t", &root, &outputs, false, "fix it", &|_, _| vec![]).unwrap_err();
        assert!(
            format!("{err:#}").contains("nothing was written"),
            "{err:#}"
        );
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old");
        let leftovers: Vec<_> = std::fs::read_dir(&root).unwrap().collect();
        assert_eq!(leftovers.len(), 2, "staged files were left behind");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
