//! The commit being made: the index git is committing (`GIT_INDEX_FILE`,
//! which `commit -a`, `commit --only` and `commit PATHS` point at a temporary
//! index) written to a tree and diffed against the new commit's first parent
//! with the same tree diff as every other source.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};
use git2::{Oid, Repository};

use super::diff::{self, DiffOptions};
use super::odb::Kind;
use crate::model::FileChange;

/// The index git is committing: `GIT_INDEX_FILE` (relative to the directory
/// the hook runs in, as git sets it), else the repository's own index.
pub fn index_path(repo: &Repository) -> PathBuf {
    match std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => repo.path().join("index"),
    }
}

/// Writes the index to a tree in the object database (as `git commit` is
/// about to) and returns its id. libgit2 reads most indexes; for the ones it
/// cannot (split or sparse indexes), `git write-tree` does the same job.
pub fn index_tree(repo: &Repository) -> Result<Oid> {
    let path = index_path(repo);
    let libgit2 = git2::Index::open(&path).and_then(|mut idx| idx.write_tree_to(repo));
    match libgit2 {
        Ok(oid) => Ok(oid),
        Err(e) => {
            tracing::debug!(
                "libgit2 cannot write the index {} ({}); asking git",
                path.display(),
                e.message()
            );
            let out = Command::new("git")
                .arg("write-tree")
                .env("GIT_INDEX_FILE", &path)
                .env("GIT_DIR", repo.path())
                .output()
                .context("cannot run `git write-tree`")?;
            if !out.status.success() {
                bail!(
                    "cannot read the index {}: {}; git write-tree: {}",
                    path.display(),
                    e.message(),
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            let s = String::from_utf8_lossy(&out.stdout);
            Oid::from_str(s.trim()).map_err(|_| anyhow!("git write-tree printed `{}`", s.trim()))
        }
    }
}

/// The files the commit being made changes against `parent` (`None` for a
/// root commit), with as much content as `opts` asks for.
pub fn staged_files(
    repo: &Repository,
    parent: Option<Oid>,
    opts: &DiffOptions,
) -> Result<Vec<FileChange>> {
    let store = super::odb::ObjectStore::new(repo)?;
    let tree = store.read_kind(index_tree(repo)?, Kind::Tree)?;
    let parent_tree = match parent {
        Some(p) => Some(
            repo.find_commit(p)
                .map_err(anyhow::Error::from)
                .and_then(|c| Ok(store.read_kind(c.tree_id(), Kind::Tree)?))
                .with_context(|| format!("cannot read the tree of {p}"))?,
        ),
        None => None,
    };
    let mut deltas = Vec::new();
    diff::diff_trees(
        &store,
        parent_tree.as_ref().map(|t| &t.data[..]),
        Some(&tree.data),
        b"",
        &mut deltas,
    )?;
    Ok(diff::to_file_changes(&store, deltas, opts)?)
}
