//! The RustSec advisory database, read from a local copy with the `rustsec`
//! crate (no git, no network): where `cargo audit` and `cargo deny` keep it
//! (`$CARGO_HOME/advisory-db`) or the path `dependencies.advisory_db` gives.
//!
//! Each advisory file is parsed on its own, so one corrupt file is skipped
//! with a `-v` note instead of losing the whole database. Crates removed
//! from crates.io for malware carry the `malicious` category (and
//! `expect-deleted = true`); their names stay in the database.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rustsec::advisory::Category;
use rustsec::{Advisory, Version, VersionReq};

use super::typosquat::normalize;

/// An advisory file larger than this is not one: skipped.
const MAX_FILE: u64 = 1 << 20;
/// At most this many advisory files are read (the database holds ~1,000).
const MAX_FILES: usize = 100_000;

/// The advisories of one crate name, loaded.
#[derive(Debug, Default)]
pub(crate) struct Database {
    /// Where it was read from.
    pub(crate) path: PathBuf,
    /// Normalised crate name to its advisories (withdrawn ones left out).
    by_crate: HashMap<String, Vec<Advisory>>,
    /// How many advisory files were read, and skipped as unreadable.
    pub(crate) read: usize,
    pub(crate) skipped: usize,
    /// The newest advisory date (`YYYY-MM-DD`): how fresh the copy is.
    pub(crate) newest: Option<String>,
}

/// What the database says about one added dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Listed as malicious: id and title.
    Malicious { id: String, title: String },
    /// An advisory affects the version the requirement starts from.
    Affected {
        id: String,
        title: String,
        version: String,
        patched: String,
    },
}

impl Database {
    /// The default location: `$CARGO_HOME/advisory-db`, else
    /// `~/.cargo/advisory-db`.
    pub(crate) fn default_path() -> Option<PathBuf> {
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
        Some(home.join("advisory-db"))
    }

    /// Reads `path/crates/*/*.md`. An unreadable or invalid file is
    /// skipped with a `-v` note; a missing `crates/` directory is an error.
    pub(crate) fn open(path: &Path) -> Result<Database, String> {
        let crates = path.join("crates");
        let dirs = std::fs::read_dir(&crates).map_err(|e| {
            format!(
                "{} is not a RustSec advisory database ({}: {e})",
                path.display(),
                crates.display()
            )
        })?;
        let mut db = Database {
            path: path.to_path_buf(),
            ..Database::default()
        };
        let mut files = Vec::new();
        for dir in dirs.flatten() {
            if !dir.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            let Ok(entries) = std::fs::read_dir(dir.path()) else {
                continue;
            };
            for e in entries.flatten() {
                let p = e.path();
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name.starts_with('.') || !name.ends_with(".md") && !name.ends_with(".toml") {
                    continue;
                }
                files.push(p);
                if files.len() >= MAX_FILES {
                    break;
                }
            }
        }
        files.sort();
        for p in files {
            match load(&p) {
                Ok(a) => {
                    db.read += 1;
                    if a.metadata.withdrawn.is_some() {
                        continue;
                    }
                    let date = a.date().as_str().to_string();
                    if db.newest.as_ref().is_none_or(|n| *n < date) {
                        db.newest = Some(date);
                    }
                    db.by_crate
                        .entry(normalize(a.metadata.package.as_str()))
                        .or_default()
                        .push(a);
                }
                Err(e) => {
                    db.skipped += 1;
                    tracing::info!("advisory database: {} skipped: {e}", p.display());
                }
            }
        }
        Ok(db)
    }

    /// How many crates have advisories.
    pub(crate) fn crates(&self) -> usize {
        self.by_crate.len()
    }

    /// What the database says about crate `name` required as `req`
    /// (`None`: any version).
    pub(crate) fn judge(&self, name: &str, req: Option<&str>) -> Option<Verdict> {
        let list = self.by_crate.get(&normalize(name))?;
        if let Some(a) = list.iter().find(|a| is_malicious(a)) {
            return Some(Verdict::Malicious {
                id: a.id().as_str().to_string(),
                title: a.title().to_string(),
            });
        }
        let version = req.and_then(lowest_version)?;
        let a = list
            .iter()
            .filter(|a| {
                a.metadata
                    .collection
                    .is_none_or(|c| c == rustsec::Collection::Crates)
            })
            .find(|a| a.versions.is_vulnerable(&version))?;
        let patched = a
            .versions
            .patched()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let kind = a
            .metadata
            .informational
            .as_ref()
            .map(|i| format!(" ({})", i.as_str()))
            .unwrap_or_default();
        Some(Verdict::Affected {
            id: a.id().as_str().to_string(),
            title: format!("{}{kind}", a.title()),
            version: version.to_string(),
            patched: if patched.is_empty() {
                "none".to_string()
            } else {
                patched
            },
        })
    }
}

fn is_malicious(a: &Advisory) -> bool {
    a.metadata.categories.contains(&Category::Malicious)
}

fn load(p: &Path) -> Result<Advisory, String> {
    let meta = std::fs::metadata(p).map_err(|e| e.to_string())?;
    if meta.len() > MAX_FILE {
        return Err(format!("{} bytes, larger than any advisory", meta.len()));
    }
    let text = std::fs::read_to_string(p).map_err(|e| e.to_string())?;
    text.parse::<Advisory>().map_err(|e| e.to_string())
}

/// The lowest version a requirement allows (`"1.2"` allows 1.2.0 first).
pub(crate) fn lowest_version(req: &str) -> Option<Version> {
    let req = VersionReq::parse(req.trim()).ok()?;
    let c = req
        .comparators
        .iter()
        .find(|c| !matches!(c.op, semver_op::Less | semver_op::LessEq))?;
    let mut v = Version::new(c.major, c.minor.unwrap_or(0), c.patch.unwrap_or(0));
    v.pre = c.pre.clone();
    if c.op == semver_op::Greater {
        // `>1.2.3` starts just above: the next patch.
        v = Version::new(v.major, v.minor, v.patch + 1);
    }
    Some(v)
}

use rustsec::semver::Op as semver_op;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_versions() {
        for (req, v) in [
            ("1", "1.0.0"),
            ("1.2", "1.2.0"),
            ("^0.3.4", "0.3.4"),
            ("=2.0.1", "2.0.1"),
            (">=1.5, <2", "1.5.0"),
            ("~1.1", "1.1.0"),
            (">1.2.3", "1.2.4"),
        ] {
            assert_eq!(
                lowest_version(req).map(|v| v.to_string()).as_deref(),
                Some(v),
                "{req}"
            );
        }
        assert_eq!(lowest_version("*"), None);
        assert_eq!(lowest_version("not a version"), None);
    }

    #[test]
    fn a_corrupt_file_is_skipped_not_fatal() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = dir.path().join("crates/some-crate");
        std::fs::create_dir_all(&c).expect("mkdir");
        std::fs::write(
            c.join("RUSTSEC-2099-0001.md"),
            "```toml\n[advisory\nnot toml",
        )
        .expect("w");
        let good = "```toml\n[advisory]\nid = \"RUSTSEC-2099-0002\"\npackage = \"evil-crate\"\ndate = \"2099-01-02\"\ncategories = [\"malicious\"]\n\n[versions]\npatched = []\n```\n\n# evil-crate is malware\n\nIt steals keys.\n";
        let e = dir.path().join("crates/evil-crate");
        std::fs::create_dir_all(&e).expect("mkdir");
        std::fs::write(e.join("RUSTSEC-2099-0002.md"), good).expect("w");
        let db = Database::open(dir.path()).expect("opens");
        assert_eq!((db.read, db.skipped), (1, 1));
        assert_eq!(db.newest.as_deref(), Some("2099-01-02"));
        assert!(matches!(
            db.judge("evil_crate", Some("1")),
            Some(Verdict::Malicious { ref id, .. }) if id == "RUSTSEC-2099-0002"
        ));
        assert_eq!(db.judge("some-crate", Some("1")), None);
        assert!(Database::open(&dir.path().join("nowhere")).is_err());
    }
}
