//! Where a backup lives on disk, so that it diffs well in git:
//!
//! ```text
//! DIR/manifest.json                        the Manifest
//! DIR/<kind>/<safe-name>--<id>.json        one OrgObject
//! DIR/<kind>/<safe-name>--<id>.links.json  the edges listed from it (absent if none)
//! ```
//!
//! Every file is pretty JSON with its keys sorted and a final newline, so
//! the same organisation gives the same bytes. Writing into a directory
//! that holds an older backup replaces it: files of the layout that this
//! backup did not write (objects since deleted) are removed, and nothing
//! else is touched.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model::{FORMAT_VERSION, Manifest, OrgLink, OrgObject, OrgState};
use crate::error::{Error, Result};
use crate::graph::{Attributes, Kind, NodeRef, Relation};

/// The manifest's file name.
pub(crate) const MANIFEST: &str = "manifest.json";
const OBJECT: &str = ".json";
const LINKS: &str = ".links.json";
/// Longest `<safe-name>` part of a file name.
const NAME_CHARS: usize = 60;

/// The name with every character outside `[A-Za-z0-9._@-]` replaced by
/// `_`, cut to 60 characters; a leading `.` becomes `_` (no hidden files),
/// and no name at all is `_`.
pub(crate) fn safe_name(name: Option<&str>) -> String {
    let mut safe: String = name
        .unwrap_or("")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(NAME_CHARS)
        .collect();
    if safe.is_empty() {
        safe.push('_');
    }
    if safe.starts_with('.') {
        safe.replace_range(0..1, "_");
    }
    safe
}

/// `<safe-name>--<id>`: the file name of an object without its extension.
pub(crate) fn stem(node: &NodeRef) -> String {
    format!(
        "{}--{}",
        safe_name(node.name.as_deref()),
        safe_name(Some(&node.id))
    )
}

/// Pretty JSON with every object's keys sorted, and a final newline.
fn pretty<T: Serialize>(value: &T, what: &Path) -> Result<String> {
    let value =
        sorted(serde_json::to_value(value).map_err(|e| file_error(what, "cannot be written", e))?);
    let mut text = serde_json::to_string_pretty(&value)
        .map_err(|e| file_error(what, "cannot be written", e))?;
    text.push('\n');
    Ok(text)
}

/// The value with the keys of every object in sorted order (whatever map
/// serde_json was built with).
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let entries: BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(entries.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// One entry of a `.links.json` file: an edge without its `from`, which is
/// the file's object.
#[derive(Debug, Serialize, Deserialize)]
struct LinkEntry {
    relation: Relation,
    to: NodeRef,
    #[serde(default, skip_serializing_if = "Attributes::is_empty")]
    attributes: Attributes,
}

fn file_error(
    path: &Path,
    what: &str,
    source: impl std::error::Error + Send + Sync + 'static,
) -> Error {
    Error::invalid_request(format!("backup file {}: {what}: {source}", path.display()))
        .with_source(source)
}

fn json_error(path: &Path, e: serde_json::Error) -> Error {
    let at = format!("line {}, column {}", e.line(), e.column());
    Error::invalid_request(format!("backup file {}: {at}: {e}", path.display())).with_source(e)
}

fn refuse(path: &Path, why: &str) -> Error {
    Error::invalid_request(format!("{}: {why}", path.display()))
}

/// The sort key of an edge inside its `.links.json`.
fn link_key(l: &OrgLink) -> (Relation, &Kind, Option<&str>, &str) {
    (l.relation, &l.to.kind, l.to.name.as_deref(), &l.to.id)
}

/// Whether a file name is one of the layout's object or links files.
fn layout_file(name: &str) -> bool {
    name.ends_with(OBJECT) && name.contains("--") && !name.starts_with('.')
}

/// The layout files of an existing backup under `dir`, and its kind
/// directories.
fn existing(dir: &Path) -> Result<(BTreeSet<PathBuf>, BTreeSet<PathBuf>)> {
    let (mut files, mut dirs) = (BTreeSet::new(), BTreeSet::new());
    for entry in fs::read_dir(dir).map_err(|e| file_error(dir, "cannot be read", e))? {
        let entry = entry.map_err(|e| file_error(dir, "cannot be read", e))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if !path.is_dir() || matches!(Kind::from_name(&name), Kind::Unknown(_)) {
            continue;
        }
        dirs.insert(path.clone());
        for file in fs::read_dir(&path).map_err(|e| file_error(&path, "cannot be read", e))? {
            let file = file.map_err(|e| file_error(&path, "cannot be read", e))?;
            let name = file.file_name().to_string_lossy().into_owned();
            if layout_file(&name) && file.path().is_file() {
                files.insert(file.path());
            }
        }
    }
    Ok((files, dirs))
}

/// Reads `manifest.json`, refusing one written by a newer layout.
fn read_manifest(path: &Path) -> Result<Manifest> {
    let text = fs::read_to_string(path).map_err(|e| file_error(path, "cannot be read", e))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| json_error(path, e))?;
    let format = value.get("format").and_then(Value::as_u64).unwrap_or(0);
    if format > u64::from(FORMAT_VERSION) {
        return Err(refuse(
            path,
            &format!(
                "written in backup format {format}, newer than this version reads \
                 ({FORMAT_VERSION}): read it with a newer jumpcloud-ext"
            ),
        ));
    }
    serde_json::from_str(&text).map_err(|e| json_error(path, e))
}

/// Writes a backup into a directory, one file at a time, then removes what
/// the older backup there had that this one did not write.
#[derive(Debug)]
pub(crate) struct Writer {
    dir: PathBuf,
    /// Layout files of the older backup not written (yet) by this one.
    stale: BTreeSet<PathBuf>,
    kind_dirs: BTreeSet<PathBuf>,
}

impl Writer {
    /// Opens `dir` for a backup: made if missing; an empty directory or
    /// one holding an older backup (a `manifest.json` of this format or
    /// older) is taken; anything else is refused before any write.
    pub(crate) fn open(dir: &Path) -> Result<Writer> {
        let (mut stale, mut kind_dirs) = (BTreeSet::new(), BTreeSet::new());
        if dir.exists() {
            if !dir.is_dir() {
                return Err(refuse(dir, "is not a directory"));
            }
            let mut entries =
                fs::read_dir(dir).map_err(|e| file_error(dir, "cannot be read", e))?;
            if entries.next().is_some() {
                let manifest = dir.join(MANIFEST);
                if !manifest.is_file() {
                    return Err(refuse(
                        dir,
                        "is not empty and holds no manifest.json: not a backup, so nothing is \
                         written into it (choose an empty or new directory)",
                    ));
                }
                read_manifest(&manifest)?;
                (stale, kind_dirs) = existing(dir)?;
            }
        } else {
            fs::create_dir_all(dir).map_err(|e| file_error(dir, "cannot be made", e))?;
        }
        Ok(Writer {
            dir: dir.to_path_buf(),
            stale,
            kind_dirs,
        })
    }

    fn write(&mut self, kind: &Kind, name: &str, text: &str) -> Result<()> {
        let kind_dir = self.dir.join(kind.as_str());
        if self.kind_dirs.insert(kind_dir.clone()) || !kind_dir.is_dir() {
            fs::create_dir_all(&kind_dir)
                .map_err(|e| file_error(&kind_dir, "cannot be made", e))?;
        }
        let path = kind_dir.join(name);
        self.stale.remove(&path);
        fs::write(&path, text).map_err(|e| file_error(&path, "cannot be written", e))
    }

    /// Writes one object's file.
    pub(crate) fn object(&mut self, object: &OrgObject) -> Result<()> {
        let name = format!("{}{OBJECT}", stem(&object.node()));
        let text = pretty(object, Path::new(&name))?;
        self.write(&object.kind, &name, &text)
    }

    /// Writes the edges listed from `from` (its `.links.json`; none when
    /// there are none), sorted.
    pub(crate) fn links(&mut self, from: &NodeRef, links: &mut [OrgLink]) -> Result<()> {
        if links.is_empty() {
            return Ok(());
        }
        links.sort_by(|a, b| link_key(a).cmp(&link_key(b)));
        let entries: Vec<LinkEntry> = links
            .iter()
            .map(|l| LinkEntry {
                relation: l.relation,
                to: l.to.clone(),
                attributes: l.attributes.clone(),
            })
            .collect();
        let name = format!("{}{LINKS}", stem(from));
        let text = pretty(&entries, Path::new(&name))?;
        self.write(&from.kind, &name, &text)
    }

    /// Writes the manifest, then removes the older backup's files this one
    /// did not write, and kind directories left empty.
    pub(crate) fn finish(self, manifest: &Manifest) -> Result<()> {
        let path = self.dir.join(MANIFEST);
        let text = pretty(manifest, &path)?;
        fs::write(&path, text).map_err(|e| file_error(&path, "cannot be written", e))?;
        for file in &self.stale {
            fs::remove_file(file).map_err(|e| file_error(file, "cannot be removed", e))?;
        }
        for dir in &self.kind_dirs {
            let empty = fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
            if empty {
                fs::remove_dir(dir).map_err(|e| file_error(dir, "cannot be removed", e))?;
            }
        }
        Ok(())
    }
}

impl OrgState {
    /// Reads a backup directory (as [`Org::backup`](super::Org::backup)
    /// wrote it) into memory, objects and links sorted.
    ///
    /// Refused, with an error naming the file (and the line and column of
    /// bad JSON): a directory without `manifest.json`, a manifest of a
    /// newer format, a directory of a kind this version does not know, a
    /// `.json` file that is not part of the layout, an object filed under
    /// another kind, a links file without its object. Names starting with
    /// `.` (`.git`), files at the top other than the manifest, and files
    /// not ending in `.json` are ignored (notes kept beside a backup).
    pub fn read(dir: impl AsRef<Path>) -> Result<OrgState> {
        let dir = dir.as_ref();
        let manifest_path = dir.join(MANIFEST);
        if !manifest_path.is_file() {
            return Err(refuse(dir, "holds no manifest.json: not a backup"));
        }
        let manifest = read_manifest(&manifest_path)?;
        let mut objects = Vec::new();
        let mut links = Vec::new();
        let mut entries: Vec<_> = fs::read_dir(dir)
            .map_err(|e| file_error(dir, "cannot be read", e))?
            .collect::<std::io::Result<_>>()
            .map_err(|e| file_error(dir, "cannot be read", e))?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if name.starts_with('.') || !path.is_dir() {
                continue;
            }
            let kind = Kind::from_name(&name);
            if matches!(kind, Kind::Unknown(_)) {
                return Err(refuse(
                    &path,
                    &format!("`{name}` is not a kind this version knows; a newer backup?"),
                ));
            }
            read_kind(&path, &kind, &mut objects, &mut links)?;
        }
        let mut state = OrgState {
            manifest: Some(manifest),
            objects,
            links,
        };
        state.sort();
        Ok(state)
    }

    /// Objects by kind, name and id; links by relation, `from` and `to`
    /// (each end by kind, name and id): the one order every state is in.
    pub(crate) fn sort(&mut self) {
        self.objects
            .sort_by(|a, b| (&a.kind, &a.name, &a.id).cmp(&(&b.kind, &b.name, &b.id)));
        let end = |n: &NodeRef| (n.kind.clone(), n.name.clone(), n.id.clone());
        self.links.sort_by(|a, b| {
            (a.relation, end(&a.from), end(&a.to)).cmp(&(b.relation, end(&b.from), end(&b.to)))
        });
    }
}

/// Reads one kind's directory.
fn read_kind(
    dir: &Path,
    kind: &Kind,
    objects: &mut Vec<OrgObject>,
    links: &mut Vec<OrgLink>,
) -> Result<()> {
    let mut by_stem: BTreeMap<String, NodeRef> = BTreeMap::new();
    let mut link_files: Vec<(String, PathBuf)> = Vec::new();
    let mut files: Vec<_> = fs::read_dir(dir)
        .map_err(|e| file_error(dir, "cannot be read", e))?
        .collect::<std::io::Result<_>>()
        .map_err(|e| file_error(dir, "cannot be read", e))?;
    files.sort_by_key(|e| e.file_name());
    for file in files {
        let name = file.file_name().to_string_lossy().into_owned();
        let path = file.path();
        if name.starts_with('.') {
            continue;
        }
        if !name.ends_with(OBJECT) {
            // Notes and other files people keep beside a backup.
            continue;
        }
        if !layout_file(&name) || !path.is_file() {
            return Err(refuse(
                &path,
                "is not part of a backup's layout (<name>--<id>.json or .links.json)",
            ));
        }
        if let Some(stem) = name.strip_suffix(LINKS) {
            link_files.push((stem.to_owned(), path));
            continue;
        }
        let text = fs::read_to_string(&path).map_err(|e| file_error(&path, "cannot be read", e))?;
        let object: OrgObject = serde_json::from_str(&text).map_err(|e| json_error(&path, e))?;
        if &object.kind != kind {
            return Err(refuse(
                &path,
                &format!("holds a {} but is filed under {kind}", object.kind),
            ));
        }
        let stem = name.strip_suffix(OBJECT).unwrap_or(&name).to_owned();
        by_stem.insert(stem, object.node());
        objects.push(object);
    }
    for (stem, path) in link_files {
        let Some(from) = by_stem.get(&stem) else {
            return Err(refuse(
                &path,
                "has no object file beside it (`<name>--<id>.json`)",
            ));
        };
        let text = fs::read_to_string(&path).map_err(|e| file_error(&path, "cannot be read", e))?;
        let entries: Vec<LinkEntry> =
            serde_json::from_str(&text).map_err(|e| json_error(&path, e))?;
        links.extend(entries.into_iter().map(|e| OrgLink {
            relation: e.relation,
            from: from.clone(),
            to: e.to,
            attributes: e.attributes,
        }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use serde_json::{Map, json};

    /// A fresh directory under the target's temporary directory.
    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("jc-org-layout-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn object(kind: Kind, id: &str, name: &str, attributes: Value) -> OrgObject {
        let Value::Object(attributes) = attributes else {
            panic!("an object")
        };
        OrgObject {
            kind,
            id: id.into(),
            name: Some(name.into()),
            attributes,
        }
    }

    fn manifest() -> Manifest {
        Manifest {
            format: FORMAT_VERSION,
            organization: None,
            taken_at: Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap(),
            sdk_version: "0.0.0".into(),
            kinds: Vec::new(),
            fallbacks: Vec::new(),
            stripped: vec!["password".into()],
            requests: 3,
        }
    }

    fn write(dir: &Path, objects: &[OrgObject], links: &mut [OrgLink]) {
        let mut w = Writer::open(dir).unwrap();
        for o in objects {
            w.object(o).unwrap();
        }
        if let Some(first) = links.first() {
            let from = first.from.clone();
            w.links(&from, links).unwrap();
        }
        w.finish(&manifest()).unwrap();
    }

    #[test]
    fn names_are_made_safe_and_short() {
        assert_eq!(
            safe_name(Some("ada.almeida@example.com")),
            "ada.almeida@example.com"
        );
        assert_eq!(safe_name(Some("IT Admins / ops")), "IT_Admins___ops");
        assert_eq!(safe_name(Some("../etc")), "_._etc");
        assert_eq!(safe_name(Some("")), "_");
        assert_eq!(safe_name(None), "_");
        assert_eq!(safe_name(Some("é")), "_");
        assert_eq!(safe_name(Some(&"x".repeat(80))).len(), 60);
    }

    #[test]
    fn a_backup_is_written_sorted_and_read_back() {
        let dir = temp("roundtrip");
        let ada = object(
            Kind::User,
            "u1",
            "ada",
            json!({"username": "ada", "b": {"z": 1, "a": 2}}),
        );
        let eng = object(
            Kind::UserGroup,
            "g1",
            "Eng / Ops",
            json!({"name": "Eng / Ops"}),
        );
        let mut sudo = Map::new();
        sudo.insert("sudo".into(), json!({"enabled": true}));
        let mut links = vec![
            OrgLink {
                relation: Relation::Members,
                from: eng.node(),
                to: ada.node(),
                attributes: Map::new(),
            },
            OrgLink {
                relation: Relation::Associations,
                from: eng.node(),
                to: NodeRef::system("s1").named("lnx"),
                attributes: sudo,
            },
        ];
        write(&dir, &[ada.clone(), eng.clone()], &mut links);
        let text = fs::read_to_string(dir.join("user/ada--u1.json")).unwrap();
        assert!(text.ends_with("}\n"));
        let keys: Vec<usize> = ["\"attributes\"", "\"id\"", "\"kind\"", "\"name\""]
            .iter()
            .map(|k| text.find(k).unwrap())
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(text.find("\"a\"").unwrap() < text.find("\"z\"").unwrap());
        let links_text =
            fs::read_to_string(dir.join("user_group/Eng___Ops--g1.links.json")).unwrap();
        assert!(
            links_text.find("associations").unwrap() < links_text.find("members").unwrap(),
            "{links_text}"
        );

        let state = OrgState::read(&dir).unwrap();
        assert_eq!(state.objects, [ada, eng]);
        assert_eq!(state.links.len(), 2);
        assert_eq!(state.links[0].relation, Relation::Associations);
        assert_eq!(state.links[1].to.name.as_deref(), Some("ada"));
        assert_eq!(state.links[1].from.name.as_deref(), Some("Eng / Ops"));
        assert_eq!(state.manifest.unwrap().requests, 3);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn writing_again_removes_only_stale_layout_files() {
        let dir = temp("stale");
        let ada = object(Kind::User, "u1", "ada", json!({}));
        let bob = object(Kind::User, "u2", "bob", json!({}));
        let eng = object(Kind::UserGroup, "g1", "eng", json!({}));
        write(&dir, &[ada.clone(), bob, eng], &mut []);
        fs::write(dir.join("README.md"), "mine").unwrap();
        fs::write(dir.join("user/notes.txt"), "mine too").unwrap();
        write(&dir, &[ada], &mut []);
        assert!(dir.join("user/ada--u1.json").is_file());
        assert!(!dir.join("user/bob--u2.json").exists());
        assert!(
            !dir.join("user_group").exists(),
            "emptied kind directory removed"
        );
        assert_eq!(fs::read_to_string(dir.join("README.md")).unwrap(), "mine");
        assert!(dir.join("user/notes.txt").is_file());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_that_is_not_a_backup_is_refused() {
        let dir = temp("foreign");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("precious.txt"), "keep").unwrap();
        let e = Writer::open(&dir).unwrap_err();
        assert!(e.to_string().contains("no manifest.json"), "{e}");
        let e = OrgState::read(&dir).unwrap_err();
        assert!(e.to_string().contains("not a backup"), "{e}");
        assert!(dir.join("precious.txt").is_file());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_files_are_named_with_their_line() {
        let dir = temp("bad");
        write(&dir, &[object(Kind::User, "u1", "ada", json!({}))], &mut []);
        fs::write(
            dir.join("user/ada--u1.json"),
            "{\n  \"kind\": \"user\",\n  oops\n}\n",
        )
        .unwrap();
        let e = OrgState::read(&dir).unwrap_err().to_string();
        assert!(
            e.contains("user/ada--u1.json") && e.contains("line 3"),
            "{e}"
        );

        fs::write(
            dir.join("user/ada--u1.json"),
            r#"{"kind":"system","id":"u1","attributes":{}}"#,
        )
        .unwrap();
        let e = OrgState::read(&dir).unwrap_err().to_string();
        assert!(e.contains("filed under user"), "{e}");

        fs::remove_file(dir.join("user/ada--u1.json")).unwrap();
        fs::create_dir_all(dir.join("spaceship")).unwrap();
        let e = OrgState::read(&dir).unwrap_err().to_string();
        assert!(e.contains("`spaceship` is not a kind"), "{e}");
        fs::remove_dir_all(dir.join("spaceship")).unwrap();

        fs::write(dir.join("user/x--u9.links.json"), "[]").unwrap();
        let e = OrgState::read(&dir).unwrap_err().to_string();
        assert!(e.contains("no object file"), "{e}");
        fs::remove_file(dir.join("user/x--u9.links.json")).unwrap();

        let mut newer = serde_json::to_value(manifest()).unwrap();
        newer["format"] = json!(FORMAT_VERSION + 1);
        newer["something_new"] = json!(true);
        fs::write(dir.join(MANIFEST), newer.to_string()).unwrap();
        let e = OrgState::read(&dir).unwrap_err().to_string();
        assert!(e.contains("newer"), "{e}");
        let e = Writer::open(&dir).unwrap_err().to_string();
        assert!(e.contains("newer"), "{e}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
