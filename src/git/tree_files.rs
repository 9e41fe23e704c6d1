//! Files read from a committed tree rather than the work tree: the policy
//! at a revision (the server's protected branch, `--policy-ref`) and the
//! baseline committed at HEAD. Only regular files are read, and a blob is
//! sized from its header before it is inflated.

use std::path::{Path, PathBuf};

use super::id::Repository;
use crate::oid::Oid;
use anyhow::{anyhow, Context, Result};

/// The commit a revision names and its root tree.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RevTree {
    /// The commit the revision peels to.
    pub(crate) commit: Oid,
    /// Its root tree.
    pub(crate) tree: Oid,
}

/// Resolves `rev` to a commit and its tree, with a clear error.
pub(crate) fn rev_tree(repo: &Repository, rev: &str) -> Result<RevTree> {
    let commit = repo
        .raw()
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| anyhow!("cannot read revision `{rev}`: {}", e.message()))?;
    let tree = commit.tree()?;
    Ok(RevTree {
        commit: commit.id().into(),
        tree: tree.id().into(),
    })
}

/// Whether the tree `tree` has an entry `name` at its top.
pub(crate) fn has_top_entry(repo: &Repository, tree: Oid, name: &str) -> Result<bool> {
    Ok(repo.raw().find_tree(tree.raw())?.get_name(name).is_some())
}

/// A reader of regular files of one tree, by path: a symbolic link, a
/// submodule or a directory is an error that says so, and so is a blob above
/// `limit` bytes (sized from its header, before it is inflated). Each read
/// opens the repository again, so the reader may outlive `repo`. `label`
/// names the tree in errors (`main at 0123456789ab`).
pub(crate) fn reader(
    repo: &Repository,
    tree: Oid,
    label: String,
    limit: u64,
) -> impl Fn(&str) -> std::result::Result<Vec<u8>, String> {
    let git_dir: PathBuf = repo.raw().path().to_path_buf();
    move |path: &str| read(&git_dir, tree, &label, limit, path)
}

fn read(
    git_dir: &Path,
    tree: Oid,
    label: &str,
    limit: u64,
    path: &str,
) -> std::result::Result<Vec<u8>, String> {
    let repo = git2::Repository::open_bare(git_dir)
        .or_else(|_| git2::Repository::open(git_dir))
        .map_err(|e| format!("cannot open the repository to read {path}: {}", e.message()))?;
    let tree = repo
        .find_tree(tree.raw())
        .map_err(|e| format!("cannot read the tree of {label}: {}", e.message()))?;
    let entry = tree
        .get_path(Path::new(path))
        .map_err(|_| format!("{path} does not exist in {label}"))?;
    match entry.filemode() {
        0o100644 | 0o100755 => {}
        0o120000 => {
            return Err(format!(
                "{path} in {label} is a symbolic link: a policy input must be a regular file"
            ))
        }
        0o040000 => return Err(format!("{path} in {label} is a directory, not a file")),
        _ => return Err(format!("{path} in {label} is not a regular file")),
    }
    let odb = repo
        .odb()
        .map_err(|e| format!("cannot read {path} in {label}: {}", e.message()))?;
    let (size, _) = odb
        .read_header(entry.id())
        .map_err(|e| format!("cannot read {path} in {label}: {}", e.message()))?;
    if size as u64 > limit {
        return Err(format!(
            "{path} in {label} is {size} bytes, above the {limit}-byte limit for policy inputs"
        ));
    }
    let blob = repo
        .find_blob(entry.id())
        .map_err(|e| format!("cannot read {path} in {label}: {}", e.message()))?;
    Ok(blob.content().to_vec())
}

/// The content of `path` in HEAD's tree; `None` when there is no HEAD or
/// no such entry, an error when the entry is not a file.
pub(crate) fn head_file(repo: &Repository, path: &str) -> Result<Option<Vec<u8>>> {
    let Ok(tree) = repo.raw().head().and_then(|h| h.peel_to_tree()) else {
        return Ok(None);
    };
    let Ok(entry) = tree.get_path(Path::new(path)) else {
        return Ok(None);
    };
    let blob = entry
        .to_object(repo.raw())
        .and_then(|o| o.peel_to_blob())
        .with_context(|| format!("HEAD:{path} is not a file"))?;
    Ok(Some(blob.content().to_vec()))
}
