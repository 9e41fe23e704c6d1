//! What a merge itself introduces: git's dense combined diff
//! (`git diff-tree --cc`). A merge's parents were (or will be) checked as
//! commits of their own; what is left to check is the content of the result
//! that is in none of them: a path that differs from every parent, and in
//! it the lines that no parent has. A clean merge introduces nothing; an
//! "evil" merge (a secret, a workflow, a hook added while resolving, or
//! by `git merge --no-commit`, edit, commit) is read like any commit's diff.
//!
//! A line counts as added when the per-parent line diff (git's own xdiff,
//! as for a plain commit) adds it against every parent: exactly the lines
//! `git diff --cc` marks `+` in every column. Each side is judged on its own
//! bytes (a binary parent says nothing about a text result).

use std::collections::{HashMap, HashSet};

use crate::oid::Oid;

use super::diff::{decode, diff_trees, line_diff, printable_runs, Decoded, DiffOptions, RawDelta};
use super::plumbing::odb::{Kind, Limited, ObjectStore};
use crate::model::{Content, FileChange, Status};

const MODE_LINK: u32 = 0o120000;
const MODE_GITLINK: u32 = 0o160000;

fn is_blob(mode: u32) -> bool {
    mode & 0o170000 != 0o040000 && mode != MODE_GITLINK
}

/// The lines (1-based) of `new` that are added against every parent, as
/// `git diff --cc` marks them. `None` for a parent that lacks the file (or
/// whose side is binary): against it every line is added. With no parent
/// text at all, every line is new.
pub fn combined_added(parents: &[Option<&str>], new: &str) -> Result<Vec<u32>, git2::Error> {
    let lines = memchr::memchr_iter(b'\n', new.as_bytes()).count() as u32
        + u32::from(!new.is_empty() && !new.ends_with('\n'));
    let mut added: Option<Vec<u32>> = None;
    for old in parents.iter().flatten() {
        let (a, _) = line_diff(old.as_bytes(), new.as_bytes())?;
        added = Some(match added {
            None => a,
            Some(prev) => {
                // both ascending: intersect in one pass
                let mut out = Vec::with_capacity(prev.len().min(a.len()));
                let (mut i, mut j) = (0, 0);
                while i < prev.len() && j < a.len() {
                    match prev[i].cmp(&a[j]) {
                        std::cmp::Ordering::Less => i += 1,
                        std::cmp::Ordering::Greater => j += 1,
                        std::cmp::Ordering::Equal => {
                            out.push(prev[i]);
                            i += 1;
                            j += 1;
                        }
                    }
                }
                out
            }
        });
        if added.as_ref().is_some_and(Vec::is_empty) {
            break;
        }
    }
    Ok(added.unwrap_or_else(|| (1..=lines).collect()))
}

/// For one parent: the old side (id, mode) of every path that differs.
type OldSides = HashMap<Vec<u8>, Option<(Oid, u32)>>;

/// The file changes a merge introduces: paths of `tree` that differ from
/// every parent tree (`None`: an empty tree), read as the policy needs.
pub(crate) fn merge_file_changes(
    store: &ObjectStore,
    parents: &[Option<&[u8]>],
    tree: &[u8],
    opts: &DiffOptions,
) -> Result<Vec<FileChange>, git2::Error> {
    let Some((first, others)) = parents.split_first() else {
        return Ok(Vec::new());
    };
    let mut first_deltas = Vec::new();
    diff_trees(store, *first, Some(tree), b"", &mut first_deltas)?;
    // For each other parent, the old side of every path that differs.
    let mut other: Vec<OldSides> = Vec::new();
    for p in others {
        let mut d = Vec::new();
        diff_trees(store, *p, Some(tree), b"", &mut d)?;
        other.push(d.into_iter().map(|d| (d.path, d.old)).collect());
    }
    let mut out = Vec::new();
    for d in first_deltas {
        // Equal to some parent: the merge took that side, nothing new.
        let Some(olds) = std::iter::once(Some(d.old))
            .chain(other.iter().map(|m| m.get(&d.path).copied()))
            .collect::<Option<Vec<Option<(Oid, u32)>>>>()
        else {
            continue;
        };
        out.push(merge_file(store, &d, &olds, opts)?);
    }
    Ok(out)
}

/// One path that differs from every parent; `olds` has each parent's side.
fn merge_file(
    store: &ObjectStore,
    d: &RawDelta,
    olds: &[Option<(Oid, u32)>],
    opts: &DiffOptions,
) -> Result<FileChange, git2::Error> {
    let path = String::from_utf8_lossy(&d.path).into_owned();
    let first = olds.first().copied().flatten();
    let status = match (olds.iter().all(Option::is_none), d.new, first) {
        (true, _, _) => Status::Added,
        (_, None, _) => Status::Deleted,
        (_, Some((_, nm)), Some((_, om))) if om & 0o170000 != nm & 0o170000 => Status::TypeChanged,
        _ => Status::Modified,
    };
    let mut f = FileChange::new(
        path,
        status,
        first.map_or(0, |o| o.1),
        d.new.map_or(0, |n| n.1),
    );
    let Some((new_id, new_mode)) = d.new else {
        f.content = Content::None;
        return Ok(f);
    };
    if d.malformed {
        f.malformed = true;
        f.content = Content::None;
        return Ok(f);
    }
    if new_mode == MODE_GITLINK {
        f.content = Content::Submodule;
        return Ok(f);
    }
    if !opts.needs.lines {
        return Ok(f);
    }
    let new_blob = match store.read_limited(new_id, Kind::Blob, opts.max_file_size)? {
        Limited::Object(blob) => blob,
        Limited::TooLarge(size) => {
            f.size = size;
            f.content = Content::TooLarge;
            f.blob = Some(new_id.to_string());
            f.old_blobs = olds
                .iter()
                .flatten()
                .filter(|(_, m)| is_blob(*m) && *m != MODE_LINK)
                .map(|(id, _)| id.to_string())
                .collect();
            return Ok(f);
        }
    };
    f.size = new_blob.data.len() as u64;
    if new_mode == MODE_LINK {
        // differs from every parent: the target is new
        f.set_text(String::from_utf8_lossy(&new_blob.data).into_owned());
        f.content = Content::Symlink;
        f.added = (1..=f.line_count()).collect();
        return Ok(f);
    }
    let mut old_blobs = Vec::new();
    for (oid, mode) in olds.iter().flatten() {
        if !is_blob(*mode) || *mode == MODE_LINK {
            continue;
        }
        if let Limited::Object(b) = store.read_limited(*oid, Kind::Blob, opts.max_file_size)? {
            old_blobs.push((*oid, b));
        }
    }
    match decode(&new_blob.data) {
        Decoded::Binary => {
            f.content = Content::Binary;
            let seen: HashSet<&[u8]> = old_blobs
                .iter()
                .filter(|(_, b)| matches!(decode(&b.data), Decoded::Binary))
                .flat_map(|(_, b)| printable_runs(&b.data).map(|(_, r)| r))
                .collect();
            f.binary_strings = printable_runs(&new_blob.data)
                .filter(|(_, r)| !seen.contains(r))
                .map(|(at, r)| (at as u64, String::from_utf8_lossy(r).into_owned()))
                .collect();
        }
        Decoded::Text(new) => {
            let texts: Vec<Option<String>> = old_blobs
                .iter()
                .map(|(_, b)| match decode(&b.data) {
                    Decoded::Text(t) => Some(t.into_owned()),
                    Decoded::Binary => None,
                })
                .collect();
            let refs: Vec<Option<&str>> = texts.iter().map(Option::as_deref).collect();
            f.added = combined_added(&refs, &new)?;
            if opts.needs.lines && opts.wants_old_text(&f.path) {
                f.old_text = first.and_then(|(oid, _)| {
                    old_blobs
                        .iter()
                        .zip(&texts)
                        .find(|((id, _), _)| *id == oid)
                        .and_then(|(_, t)| t.clone())
                });
            }
            let added = std::mem::take(&mut f.added);
            f.set_text(new.into_owned());
            f.added = added;
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_from_either_parent_is_not_new() {
        let base = "a\nb\nc\n";
        let ours = "a\nB\nc\n";
        let theirs = "a\nb\nc\nd\n";
        let clean = "a\nB\nc\nd\n";
        assert!(combined_added(&[Some(ours), Some(theirs)], clean)
            .unwrap()
            .is_empty());
        let evil = "a\nB\nc\nd\nEVIL\n";
        assert_eq!(
            combined_added(&[Some(ours), Some(theirs)], evil).unwrap(),
            vec![5]
        );
        // a conflict resolved with a third text is new against both
        let resolved = "a\nX\nc\n";
        assert_eq!(
            combined_added(&[Some(ours), Some("a\nY\nc\n")], resolved).unwrap(),
            vec![2]
        );
        // absent or binary in every parent: all lines are new
        assert_eq!(combined_added(&[None, None], base).unwrap(), vec![1, 2, 3]);
        assert_eq!(combined_added(&[], "x").unwrap(), vec![1]);
        // absent in one parent: judged against the other
        assert_eq!(
            combined_added(&[None, Some(ours)], evil).unwrap(),
            vec![4, 5]
        );
    }

    /// The fuzz target's properties (fuzz/fuzz_targets/combined_diff.rs)
    /// over pseudo-random parents and results from a small alphabet of
    /// lines, where matches and slides are frequent.
    #[test]
    fn combined_added_properties_hold_on_random_merges() {
        let alphabet = ["", "}", "a", "b", "fn x() {", "    y();", "\u{e9}", "\r"];
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for case in 0..3000 {
            fn text(
                next: &mut impl FnMut(usize) -> usize,
                alphabet: &[&str],
                max: usize,
            ) -> String {
                let len = next(max);
                let mut t: Vec<&str> = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
                if next(4) == 0 {
                    t.push("");
                }
                t.join("\n")
            }
            let base = text(&mut next, &alphabet, 30);
            let ours = format!("{base}\n{}", text(&mut next, &alphabet, 5));
            let theirs = text(&mut next, &alphabet, 30);
            let new = match case % 3 {
                0 => ours.clone(),
                1 => format!("{ours}\n{}", text(&mut next, &alphabet, 5)),
                _ => text(&mut next, &alphabet, 40),
            };
            let parents = [Some(ours.as_str()), Some(theirs.as_str())];
            let added = combined_added(&parents, &new).expect("diff");
            assert!(added.windows(2).all(|w| w[0] < w[1]), "case {case}");
            let mut f = FileChange::new("f".into(), Status::Modified, 0, 0);
            f.set_text(new.clone());
            assert!(added.iter().all(|&n| f.line(n).is_some()), "case {case}");
            for p in parents.iter().flatten() {
                let (a, _) = line_diff(p.as_bytes(), new.as_bytes()).expect("diff");
                assert!(added.iter().all(|n| a.contains(n)), "case {case}");
            }
            if new == ours {
                assert!(added.is_empty(), "case {case}");
            }
        }
    }
}
