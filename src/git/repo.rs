//! The repository as the commands and hooks see it: opening it again (one
//! handle per worker thread, or with a push's quarantine), its git config,
//! its refs and remotes. Code outside `git/` reaches the repository through
//! these functions and the [`Repository`] and [`Oid`] handles `git`
//! exports, never through the git library itself.

use std::path::{Path, PathBuf};

use super::id::Repository;
use crate::oid::Oid;
use anyhow::{anyhow, Result};

/// Opens the repository at `path` (its git dir) again, as a scan worker
/// does: one handle per thread, since a handle is not shared between them.
pub fn reopen(path: &Path) -> Result<Repository> {
    git2::Repository::open(path)
        .map(Repository::from_raw)
        .map_err(anyhow::Error::from)
}

/// A function that opens `repo` again, for the workers of a scan.
pub(crate) fn opener(repo: &Repository) -> impl Fn() -> Result<Repository> + Sync {
    let path = repo.raw().path().to_path_buf();
    move || reopen(&path)
}

/// [`reopen`], with an error that says what failed.
pub(crate) fn reopen_named(path: &Path) -> Result<Repository> {
    git2::Repository::open(path)
        .map(Repository::from_raw)
        .map_err(|e| anyhow!("cannot open the repository: {}", e.message()))
}

/// Opens the repository at `git_dir` plainly and makes the quarantined
/// objects of the push visible as an alternate. (Opening from the
/// environment would read `GIT_ALTERNATE_OBJECT_DIRECTORIES`, which git
/// quotes when the path holds a `:`; the git library does not unquote it
/// and loses the existing objects.)
pub(crate) fn open_quarantined(git_dir: &Path, quarantine: Option<&str>) -> Result<Repository> {
    let repo = git2::Repository::open_ext(
        git_dir,
        git2::RepositoryOpenFlags::NO_SEARCH,
        std::iter::empty::<&std::ffi::OsStr>(),
    )
    .map_err(|e| {
        anyhow!(
            "cannot open the repository {}: {}",
            git_dir.display(),
            e.message()
        )
    })?;
    if let Some(q) = quarantine {
        repo.odb()
            .and_then(|odb| odb.add_disk_alternate(q))
            .map_err(|e| anyhow!("cannot read the pushed objects in {q}: {}", e.message()))?;
        super::plumbing::odb::add_object_dir(Path::new(q));
    }
    Ok(Repository::from_raw(repo))
}

/// The repository's git config (every level git reads), opened once for
/// several reads.
pub(crate) struct Config(git2::Config);

impl Config {
    /// A path value (`~/` expanded, as git does); `None` when unset.
    pub(crate) fn path(&self, key: &str) -> Option<PathBuf> {
        self.0.get_path(key).ok()
    }

    /// A boolean value; `None` when unset or not a boolean.
    pub(crate) fn bool(&self, key: &str) -> Option<bool> {
        self.0.get_bool(key).ok()
    }

    /// Every value of a multi-valued key, in order (up to the first entry
    /// that cannot be read; entries without a value are skipped).
    pub(crate) fn strings(&self, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        if let Ok(mut entries) = self.0.multivar(key, None) {
            while let Some(Ok(e)) = entries.next() {
                if let Some(v) = e.value() {
                    out.push(v.to_string());
                }
            }
        }
        out
    }
}

/// The repository's git config, or why it cannot be read.
pub(crate) fn config(repo: &Repository) -> std::result::Result<Config, String> {
    repo.raw()
        .config()
        .map(Config)
        .map_err(|e| e.message().to_string())
}

/// A path from the repository's git config; `None` when unset or unreadable.
pub(crate) fn config_path(repo: &Repository, key: &str) -> Option<PathBuf> {
    config(repo).ok()?.path(key)
}

/// A boolean from the repository's git config; `None` when unset, unreadable
/// or not a boolean.
pub(crate) fn config_bool(repo: &Repository, key: &str) -> Option<bool> {
    config(repo).ok()?.bool(key)
}

/// Whether `name` is a well-formed full ref name (`refs/heads/main`, `HEAD`),
/// as git's `check-ref-format` decides.
pub(crate) fn is_valid_refname(name: &str) -> bool {
    git2::Reference::is_valid_name(name)
}

/// Whether the reference `name` exists.
pub(crate) fn has_ref(repo: &Repository, name: &str) -> bool {
    repo.raw().find_reference(name).is_ok()
}

/// The branch HEAD points to (`refs/heads/main`); `None` when HEAD is
/// detached or unreadable.
pub(crate) fn head_branch(repo: &Repository) -> Option<String> {
    repo.raw()
        .find_reference("HEAD")
        .ok()
        .and_then(|h| h.symbolic_target().map(str::to_string))
}

/// Whether a remote named `name` is configured.
pub(crate) fn has_remote(repo: &Repository, name: &str) -> bool {
    repo.raw().find_remote(name).is_ok()
}

/// The URL of the remote `name`, when it is configured and UTF-8.
pub(crate) fn remote_url(repo: &Repository, name: &str) -> Option<String> {
    repo.raw().find_remote(name).ok()?.url().map(str::to_string)
}

/// Whether the object database holds `oid`.
pub(crate) fn has_object(repo: &Repository, oid: Oid) -> Result<bool> {
    Ok(repo.raw().odb()?.exists(oid.raw()))
}

/// Whether `oid` is a commit without parents (a root of the history).
pub(crate) fn is_root_commit(repo: &Repository, oid: Oid) -> bool {
    repo.raw()
        .find_commit(oid.raw())
        .ok()
        .is_some_and(|c| c.parent_count() == 0)
}

/// The repository's git dir (`.git`, or the repository itself if bare).
pub(crate) fn git_dir(repo: &Repository) -> &Path {
    repo.raw().path()
}

/// The repository's work tree; `None` when it is bare.
pub(crate) fn work_tree(repo: &Repository) -> Option<&Path> {
    repo.raw().workdir()
}

/// Whether the repository is bare (no work tree).
pub(crate) fn is_bare(repo: &Repository) -> bool {
    repo.raw().is_bare()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {out:?}");
    }

    #[test]
    fn ref_names_are_judged_as_git_does() {
        assert!(is_valid_refname("refs/heads/main"));
        assert!(is_valid_refname("refs/tags/v1.0"));
        assert!(is_valid_refname("HEAD"));
        for bad in [
            "",
            "refs/heads/a..b",
            "refs/heads/x.lock",
            "refs/heads/a b",
            "refs/heads/",
        ] {
            assert!(!is_valid_refname(bad), "{bad:?} passed");
        }
    }

    #[test]
    fn config_refs_and_remotes_are_read_from_a_real_repository() {
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path();
        git(d, &["init", "-q", "-b", "trunk"]);
        git(d, &["config", "--add", "x.multi", "one"]);
        git(d, &["config", "--add", "x.multi", "two"]);
        git(d, &["config", "x.flag", "yes"]);
        git(d, &["config", "x.file", "sub/p.toml"]);
        git(d, &["remote", "add", "origin", "git@example.org:o/r.git"]);
        let repo = super::super::open(d).expect("opens");
        let cfg = config(&repo).expect("config");
        assert_eq!(cfg.strings("x.multi"), ["one", "two"]);
        assert!(cfg.strings("x.none").is_empty());
        assert_eq!(cfg.bool("x.flag"), Some(true));
        assert_eq!(config_bool(&repo, "x.multi"), None);
        assert_eq!(
            config_path(&repo, "x.file"),
            Some(PathBuf::from("sub/p.toml"))
        );
        assert_eq!(head_branch(&repo).as_deref(), Some("refs/heads/trunk"));
        // Unborn: HEAD names a branch that does not exist yet.
        assert!(!has_ref(&repo, "refs/heads/trunk"));
        assert!(has_remote(&repo, "origin") && !has_remote(&repo, "upstream"));
        assert_eq!(
            remote_url(&repo, "origin").as_deref(),
            Some("git@example.org:o/r.git")
        );
        assert!(!is_bare(&repo));
        assert_eq!(
            work_tree(&repo).map(|w| w.canonicalize().expect("exists")),
            Some(d.canonicalize().expect("exists"))
        );
        let reopened = opener(&repo)().expect("reopens");
        assert_eq!(git_dir(&reopened), git_dir(&repo));
    }
}
