//! The diff of a commit against its first parent, computed directly from the
//! trees: entries are compared in git's order without allocating per entry,
//! only subtrees whose ids differ are descended into, and only changed blobs
//! are read. Lines are diffed with git's default algorithm (exactly what
//! `git diff` computes, by git's own xdiff); added files need no line diff at all.

use git2::{Oid, Repository, Tree};

use crate::model::{Content, FileChange, Status};
use crate::policy::{Needs, Renames};

const MODE_TREE: u32 = 0o040000;
const MODE_LINK: u32 = 0o120000;
const MODE_GITLINK: u32 = 0o160000;

/// git reads this many bytes to decide whether a blob is binary.
const BINARY_PROBE: usize = 8000;

/// A changed path as the tree walk finds it.
#[derive(Debug, Clone)]
pub struct RawDelta {
    pub path: Vec<u8>,
    pub old: Option<(Oid, u32)>,
    pub new: Option<(Oid, u32)>,
}

/// Options for reading a commit's diff.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    pub needs: Needs,
    pub max_file_size: u64,
    pub renames: Renames,
    /// Paths whose old text is kept in [`FileChange::old_text`] (few, so a
    /// history scan does not pay for the old side of every file).
    pub old_text: Option<globset::GlobSet>,
}

impl DiffOptions {
    fn wants_old_text(&self, path: &str) -> bool {
        self.old_text.as_ref().is_some_and(|g| g.is_match(path))
    }
}

fn is_tree(mode: u32) -> bool {
    mode & 0o170000 == MODE_TREE
}

/// git's `base_name_compare`: a tree sorts as if its name ended in `/`.
fn entry_cmp(a: &[u8], a_mode: u32, b: &[u8], b_mode: u32) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        std::cmp::Ordering::Equal => {}
        o => return o,
    }
    let end = |name: &[u8], mode: u32| match name.get(n) {
        Some(&c) => c,
        None if is_tree(mode) => b'/',
        None => 0,
    };
    end(a, a_mode).cmp(&end(b, b_mode))
}

fn join(prefix: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = Vec::with_capacity(prefix.len() + name.len() + 1);
    if !prefix.is_empty() {
        p.extend_from_slice(prefix);
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

/// Appends every changed path between two trees (either may be absent).
pub fn diff_trees(
    repo: &Repository,
    old: Option<&Tree>,
    new: Option<&Tree>,
    prefix: &[u8],
    out: &mut Vec<RawDelta>,
) -> Result<(), git2::Error> {
    let (old_len, new_len) = (old.map_or(0, Tree::len), new.map_or(0, Tree::len));
    let (mut i, mut j) = (0, 0);
    while i < old_len || j < new_len {
        let a = old.and_then(|t| t.get(i));
        let b = new.and_then(|t| t.get(j));
        let ord = match (&a, &b) {
            (Some(a), Some(b)) => entry_cmp(
                a.name_bytes(),
                a.filemode() as u32,
                b.name_bytes(),
                b.filemode() as u32,
            ),
            (Some(_), None) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        match ord {
            std::cmp::Ordering::Less => {
                let a = a.expect("old entry exists when ordering is Less");
                side(
                    repo,
                    prefix,
                    a.name_bytes(),
                    a.id(),
                    a.filemode() as u32,
                    true,
                    out,
                )?;
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                let b = b.expect("new entry exists when ordering is Greater");
                side(
                    repo,
                    prefix,
                    b.name_bytes(),
                    b.id(),
                    b.filemode() as u32,
                    false,
                    out,
                )?;
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                let (a, b) = (a.expect("both exist"), b.expect("both exist"));
                let (am, bm) = (a.filemode() as u32, b.filemode() as u32);
                if a.id() != b.id() || am != bm {
                    if is_tree(am) && is_tree(bm) {
                        let path = join(prefix, b.name_bytes());
                        let (ta, tb) = (repo.find_tree(a.id())?, repo.find_tree(b.id())?);
                        diff_trees(repo, Some(&ta), Some(&tb), &path, out)?;
                    } else {
                        out.push(RawDelta {
                            path: join(prefix, b.name_bytes()),
                            old: Some((a.id(), am)),
                            new: Some((b.id(), bm)),
                        });
                    }
                }
                i += 1;
                j += 1;
            }
        }
    }
    Ok(())
}

/// An entry present on one side only: a file, or a whole subtree.
fn side(
    repo: &Repository,
    prefix: &[u8],
    name: &[u8],
    id: Oid,
    mode: u32,
    is_old: bool,
    out: &mut Vec<RawDelta>,
) -> Result<(), git2::Error> {
    let path = join(prefix, name);
    if is_tree(mode) {
        let t = repo.find_tree(id)?;
        if is_old {
            diff_trees(repo, Some(&t), None, &path, out)
        } else {
            diff_trees(repo, None, Some(&t), &path, out)
        }
    } else {
        let entry = Some((id, mode));
        out.push(if is_old {
            RawDelta {
                path,
                old: entry,
                new: None,
            }
        } else {
            RawDelta {
                path,
                old: None,
                new: entry,
            }
        });
        Ok(())
    }
}

fn status_of(d: &RawDelta) -> Status {
    match (d.old, d.new) {
        (None, _) => Status::Added,
        (_, None) => Status::Deleted,
        (Some((_, om)), Some((_, nm))) if om & 0o170000 != nm & 0o170000 => Status::TypeChanged,
        _ => Status::Modified,
    }
}

/// Pairs deletions and additions of identical content as renames.
fn pair_exact_renames(deltas: &[RawDelta], files: &mut [FileChange]) -> Vec<bool> {
    let mut drop = vec![false; deltas.len()];
    let mut deleted: std::collections::HashMap<(Oid, u32), Vec<usize>> = Default::default();
    for (i, d) in deltas.iter().enumerate() {
        if let (Some(o), None) = (d.old, d.new) {
            deleted.entry(o).or_default().push(i);
        }
    }
    if deleted.is_empty() {
        return drop;
    }
    for (i, d) in deltas.iter().enumerate() {
        if let (None, Some(n)) = (d.old, d.new) {
            if let Some(k) = deleted.get_mut(&n).and_then(Vec::pop) {
                drop[k] = true;
                files[i].status = Status::Renamed;
                files[i].old_path = Some(String::from_utf8_lossy(&deltas[k].path).into_owned());
                files[i].old_mode = n.1;
            }
        }
    }
    drop
}

/// Turns raw deltas into file changes, reading contents as the policy needs.
pub fn to_file_changes(
    repo: &Repository,
    deltas: Vec<RawDelta>,
    opts: &DiffOptions,
) -> Result<Vec<FileChange>, git2::Error> {
    let mut files: Vec<FileChange> = deltas
        .iter()
        .map(|d| {
            let path = String::from_utf8_lossy(&d.path).into_owned();
            FileChange::new(
                path,
                status_of(d),
                d.old.map_or(0, |o| o.1),
                d.new.map_or(0, |n| n.1),
            )
        })
        .collect();
    let drop = if opts.renames == Renames::Exact {
        pair_exact_renames(&deltas, &mut files)
    } else {
        vec![false; deltas.len()]
    };
    let mut out = Vec::with_capacity(files.len());
    // One object-database handle per commit, not one per file.
    let odb = repo.odb()?;
    for ((d, mut f), dropped) in deltas.iter().zip(files).zip(drop) {
        if dropped {
            continue;
        }
        fill_content(repo, &odb, d, &mut f, opts)?;
        out.push(f);
    }
    Ok(out)
}

fn fill_content(
    repo: &Repository,
    odb: &git2::Odb,
    d: &RawDelta,
    f: &mut FileChange,
    opts: &DiffOptions,
) -> Result<(), git2::Error> {
    let Some((new_id, new_mode)) = d.new else {
        f.content = Content::None;
        if let Some((old_id, old_mode)) = d.old {
            if opts.needs.lines && opts.wants_old_text(&f.path) && !is_tree(old_mode) {
                f.old_text = read_small_text(repo, odb, old_id, opts.max_file_size)?;
            }
        }
        return Ok(());
    };
    if new_mode == MODE_GITLINK {
        f.content = Content::Submodule;
        return Ok(());
    }
    if !opts.needs.lines {
        return Ok(());
    }
    let (size, _) = odb.read_header(new_id)?;
    f.size = size as u64;
    if new_mode == MODE_LINK {
        // The link target is the blob's one line, as `git diff` shows it.
        let blob = repo.find_blob(new_id)?;
        f.set_text(String::from_utf8_lossy(blob.content()).into_owned());
        f.content = Content::Symlink;
        if f.status != Status::Renamed {
            f.added = (1..=f.line_count()).collect();
        }
        return Ok(());
    }
    if f.size > opts.max_file_size {
        f.content = Content::TooLarge;
        return Ok(());
    }
    if f.status == Status::Renamed {
        // identical content: nothing was added
        let blob = repo.find_blob(new_id)?;
        if is_binary(blob.content()) {
            f.content = Content::Binary;
        } else {
            f.set_text(String::from_utf8_lossy(blob.content()).into_owned());
            if opts.wants_old_text(&f.path) {
                f.old_text = Some(f.text.clone());
            }
        }
        return Ok(());
    }
    let new_blob = repo.find_blob(new_id)?;
    let new_bytes = new_blob.content();
    let old_blob = match d.old {
        Some((oid, mode)) if mode != MODE_GITLINK && !is_tree(mode) => {
            let (old_size, _) = odb.read_header(oid)?;
            if old_size as u64 > opts.max_file_size {
                // Too large to diff: treat the new side as wholly added.
                None
            } else {
                Some(repo.find_blob(oid)?)
            }
        }
        _ => None,
    };
    let old_bytes = old_blob.as_ref().map(|b| b.content());
    if is_binary(new_bytes) || old_bytes.is_some_and(is_binary) {
        f.content = Content::Binary;
        return Ok(());
    }
    f.set_text(String::from_utf8_lossy(new_bytes).into_owned());
    match old_bytes {
        None => f.added = (1..=f.line_count()).collect(),
        Some(old) => {
            let (added, removed) = line_diff(old, new_bytes)?;
            f.added = added;
            f.removed = removed;
            if opts.wants_old_text(&f.path) {
                f.old_text = Some(String::from_utf8_lossy(old).into_owned());
            }
        }
    }
    Ok(())
}

/// A blob's text, or `None` when it is larger than `max` or binary.
fn read_small_text(
    repo: &Repository,
    odb: &git2::Odb,
    id: Oid,
    max: u64,
) -> Result<Option<String>, git2::Error> {
    let (size, _) = odb.read_header(id)?;
    if size as u64 > max {
        return Ok(None);
    }
    let blob = repo.find_blob(id)?;
    Ok((!is_binary(blob.content())).then(|| String::from_utf8_lossy(blob.content()).into_owned()))
}

/// git's binary test: a NUL byte in the first 8000 bytes.
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(BINARY_PROBE)].contains(&0)
}

/// Added line numbers (1-based, new side) and removed lines (1-based, old
/// side, with their text).
pub type LineDiff = (Vec<u32>, Vec<(u32, String)>);

/// The lines a change added and removed.
///
/// The line diff is git's own xdiff (vendored in libgit2) with git's
/// defaults (Myers, the indent heuristic, change-group compaction), so the
/// added lines are exactly those `git diff` shows; the costly part that
/// libgit2 would add (expanding whole trees) is done by `diff_trees` above.
pub fn line_diff(old: &[u8], new: &[u8]) -> Result<LineDiff, git2::Error> {
    let mut opts = git2::DiffOptions::new();
    opts.context_lines(0)
        .indent_heuristic(true)
        .force_text(true)
        .skip_binary_check(true);
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let patch = git2::Patch::from_buffers(old, None, new, None, Some(&mut opts))?;
    for h in 0..patch.num_hunks() {
        for l in 0..patch.num_lines_in_hunk(h)? {
            let line = patch.line_in_hunk(h, l)?;
            match line.origin() {
                '+' => added.extend(line.new_lineno()),
                '-' => {
                    let text = String::from_utf8_lossy(line.content());
                    let text = text.trim_end_matches('\n');
                    let text = text.strip_suffix('\r').unwrap_or(text).to_string();
                    removed.extend(line.old_lineno().map(|n| (n, text)));
                }
                _ => {}
            }
        }
    }
    Ok((added, removed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_sort_as_if_slash_terminated() {
        use std::cmp::Ordering::*;
        // "foo" (tree) sorts as "foo/", after "foo.c" ('.' < '/')
        assert_eq!(entry_cmp(b"foo", MODE_TREE, b"foo.c", 0o100644), Greater);
        assert_eq!(entry_cmp(b"foo", 0o100644, b"foo.c", 0o100644), Less);
        assert_eq!(entry_cmp(b"foo", 0o100644, b"foo", MODE_TREE), Less);
    }

    #[test]
    fn line_diff_reports_added_and_removed() {
        let (added, removed) = line_diff(b"a\nb\nc\n", b"a\nB\nc\nd\n").expect("diff");
        assert_eq!(added, vec![2, 4]);
        assert_eq!(removed, vec![(2, "b".to_string())]);
    }

    #[test]
    fn missing_final_newline_is_a_change() {
        let (added, _) = line_diff(b"a\nb", b"a\nb\n").expect("diff");
        assert_eq!(added, vec![2]);
    }
}
