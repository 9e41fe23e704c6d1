//! The commit being made: the index git is committing (`GIT_INDEX_FILE`,
//! which `commit -a`, `commit --only` and `commit PATHS` point at a temporary
//! index) written to a tree and diffed against the new commit's first parent
//! with the same tree diff as every other source.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::id::Repository;
use crate::oid::Oid;
use anyhow::{anyhow, bail, Context, Result};

use super::diff::{self, DiffOptions};
use super::plumbing::odb::Kind;
use crate::model::FileChange;

/// The index git is committing: `GIT_INDEX_FILE` (relative to the directory
/// the hook runs in, as git sets it), else the repository's own index.
fn index_path(repo: &Repository) -> PathBuf {
    match std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => repo.raw().path().join("index"),
    }
}

/// Writes the index to a tree in the object database (as `git commit` is
/// about to) and returns its id, and whether the index holds a symbolic
/// link (`None` when the index was not read by us, so it is unknown): a
/// commit without one has no link to follow, and a hook is spared reading
/// every tree. libgit2 reads most indexes; for the ones it cannot (split or
/// sparse indexes), `git write-tree` does the same job.
fn index_tree_and_links(repo: &Repository) -> Result<(Oid, Option<bool>)> {
    let path = index_path(repo);
    if let Some((id, links)) = map_index(&path)
        .and_then(|bytes| scan_index(&bytes))
        .filter(|(id, _)| repo.raw().odb().is_ok_and(|odb| odb.exists(id.raw())))
    {
        return Ok((id, Some(links)));
    }
    let libgit2 = git2::Index::open(&path).and_then(|mut idx| idx.write_tree_to(repo.raw()));
    match libgit2 {
        Ok(oid) => Ok((oid.into(), None)),
        Err(e) => {
            tracing::debug!(
                "libgit2 cannot write the index {} ({}); asking git",
                path.display(),
                e.message()
            );
            let out = Command::new("git")
                .arg("write-tree")
                .env("GIT_INDEX_FILE", &path)
                .env("GIT_DIR", repo.raw().path())
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
            Oid::from_hex(s.trim())
                .map(|id| (id, None))
                .ok_or_else(|| anyhow!("git write-tree printed `{}`", s.trim()))
        }
    }
}

/// The index file, mapped: it can be large (75 KB for every 1,000 files), and
/// a commit-msg hook reads only its cache-tree record, so reading it into a
/// fresh buffer cost a tenth of the hook's time.
fn map_index(path: &Path) -> Option<memmap2::Mmap> {
    let file = std::fs::File::open(path).ok()?;
    // SAFETY: git (and libgit2) replace the index by renaming a lock file
    // over it; it is never rewritten in place, so the mapped bytes stay as
    // they were when opened.
    unsafe { memmap2::Mmap::map(&file) }.ok()
}

/// The root tree id the index records in its cache-tree extension (`TREE`),
/// when that record is valid and covers every entry: `git commit` brings it
/// up to date (and writes the trees) before it runs the hooks, so reading it
/// spares loading and checksumming a large index and rebuilding its trees.
/// `None` (and the index is read in full) for anything else: no or stale
/// cache tree, a split or sparse index, an unknown version, a short file.
pub fn cached_root_tree(index: &[u8]) -> Option<Oid> {
    scan_index(index).map(|(id, _)| id)
}

/// [`cached_root_tree`], and whether any entry is a symbolic link.
fn scan_index(index: &[u8]) -> Option<(Oid, bool)> {
    let mut links = false;
    let be32 = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(index.get(at..at + 4)?.try_into().ok()?))
    };
    if index.get(..4)? != b"DIRC" {
        return None;
    }
    let version = be32(4)?;
    let count = be32(8)? as usize;
    let mut at = 12;
    let mut prev_path_len = 0usize;
    for _ in 0..count {
        // ctime, mtime, dev, ino, then the mode
        links |= be32(at + 24)? & 0o170000 == 0o120000;
        let flags = u16::from_be_bytes(index.get(at + 60..at + 62)?.try_into().ok()?);
        let mut fixed = 62;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            fixed += 2;
        }
        let name = at + fixed;
        match version {
            2 | 3 => {
                let len = index.get(name..)?.iter().position(|&c| c == 0)?;
                // entries are padded with 1-8 NULs to a multiple of 8 bytes
                at += (fixed + len + 8) & !7;
            }
            4 => {
                // a varint of bytes to strip from the previous path, then
                // the rest of this path, NUL-terminated
                let mut p = name;
                let mut strip = 0usize;
                loop {
                    let c = *index.get(p)?;
                    p += 1;
                    strip = (strip << 7) | usize::from(c & 0x7f);
                    if c & 0x80 == 0 {
                        break;
                    }
                    strip += 1;
                    if strip > 1 << 20 {
                        return None;
                    }
                }
                let len = index.get(p..)?.iter().position(|&c| c == 0)?;
                prev_path_len = prev_path_len.checked_sub(strip)? + len;
                at = p + len + 1;
            }
            _ => return None,
        }
    }
    // extensions, then a 20-byte checksum
    while at + 8 + 20 <= index.len() {
        let sig = index.get(at..at + 4)?;
        let size = be32(at + 4)? as usize;
        let data = index.get(at + 8..(at + 8).checked_add(size)?)?;
        match sig {
            b"link" | b"sdir" => return None,
            b"TREE" => {
                // the root: an empty path, "<entries> <subtrees>\n", its id
                let rest = data.strip_prefix(b"\0")?;
                let nl = rest.iter().position(|&c| c == b'\n')?;
                let counts = std::str::from_utf8(&rest[..nl]).ok()?;
                let entries: i64 = counts.split(' ').next()?.parse().ok()?;
                if entries < 0 || entries as usize != count {
                    return None;
                }
                return Oid::from_bytes(rest.get(nl + 1..nl + 21)?).map(|id| (id, links));
            }
            _ => {}
        }
        at += 8 + size;
    }
    None
}

/// The files the commit being made changes against `parent` (`None` for a
/// root commit), with as much content as `opts` asks for.
pub(crate) fn staged_files(
    repo: &Repository,
    parent: Option<Oid>,
    opts: &DiffOptions,
) -> Result<Vec<FileChange>> {
    let store = super::plumbing::odb::ObjectStore::new(repo)?;
    let (tree_id, links) = index_tree_and_links(repo)?;
    let tree = store.read_kind(tree_id, Kind::Tree)?;
    let parent_tree = match parent {
        Some(p) => Some(
            repo.raw()
                .find_commit(p.raw())
                .map_err(anyhow::Error::from)
                .and_then(|c| {
                    let tree = Oid::from(c.tree_id());
                    Ok((tree, store.read_kind(tree, Kind::Tree)?))
                })
                .with_context(|| format!("cannot read the tree of {p}"))?,
        ),
        None => None,
    };
    let mut deltas = Vec::new();
    diff::diff_trees(
        &store,
        parent_tree.as_ref().map(|t| &t.1.data[..]),
        Some(&tree.data),
        b"",
        &mut deltas,
    )?;
    let mut files = diff::to_file_changes(&store, deltas, opts)?;
    let sides: Vec<Option<super::links::Side>> = parent_tree
        .iter()
        .map(|t| Some((t.0, &t.1.data[..])))
        .collect();
    follow_links(
        &store,
        links,
        (tree_id, &tree.data),
        &sides,
        &mut files,
        opts,
    )?;
    Ok(files)
}

/// Reads what the commit's links lead to (see [`super::links::follow`]),
/// unless the index said it holds no link.
fn follow_links(
    store: &super::plumbing::odb::ObjectStore,
    links: Option<bool>,
    new: super::links::Side,
    parents: &[Option<super::links::Side>],
    files: &mut Vec<FileChange>,
    opts: &DiffOptions,
) -> Result<()> {
    if links == Some(false) {
        return Ok(());
    }
    let mut index = super::links::LinkIndex::default();
    super::links::follow(store, &mut index, new, parents, files, opts)?;
    Ok(())
}

/// What the merge being committed introduces (its dense combined diff, see
/// [`super::combined`]): the index's tree against every parent's.
pub(crate) fn staged_merge_files(
    repo: &Repository,
    parents: &[Oid],
    opts: &DiffOptions,
) -> Result<Vec<FileChange>> {
    let store = super::plumbing::odb::ObjectStore::new(repo)?;
    let (tree_id, links) = index_tree_and_links(repo)?;
    let tree = store.read_kind(tree_id, Kind::Tree)?;
    let mut trees = Vec::with_capacity(parents.len());
    for &p in parents {
        trees.push(
            repo.raw()
                .find_commit(p.raw())
                .map_err(anyhow::Error::from)
                .and_then(|c| {
                    let tree = Oid::from(c.tree_id());
                    Ok((tree, store.read_kind(tree, Kind::Tree)?))
                })
                .with_context(|| format!("cannot read the tree of {p}"))?,
        );
    }
    let views: Vec<Option<&[u8]>> = trees.iter().map(|t| Some(&t.1.data[..])).collect();
    let mut files = super::combined::merge_file_changes(&store, &views, &tree.data, opts)?;
    let sides: Vec<Option<super::links::Side>> =
        trees.iter().map(|t| Some((t.0, &t.1.data[..]))).collect();
    follow_links(
        &store,
        links,
        (tree_id, &tree.data),
        &sides,
        &mut files,
        opts,
    )?;
    Ok(files)
}
