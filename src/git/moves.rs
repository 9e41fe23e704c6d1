//! What move detection ([`crate::moves`]) and similar renames need from
//! git: the old text of the files a change deleted (their lines are removed
//! too, but no [`FileChange::removed`] holds them), and pairs of a deleted and
//! an added file that share most of their lines.
//!
//! Both read blobs only for changes that delete a file *and* add lines, so a
//! history of ordinary edits pays nothing.

use crate::oid::Oid;

use super::delta::{is_binary, DiffOptions, RawDelta};
use super::plumbing::odb::{Kind, Limited, ObjectStore};
use crate::model::{Content, FileChange};

const MODE_LINK: u32 = 0o120000;
const MODE_GITLINK: u32 = 0o160000;

/// A git rename needs at least this share of the larger file's lines in common.
const SIMILARITY: f64 = 0.5;

/// Pairs compared at most (git's `diff.renameLimit` idea): a commit that
/// deletes and adds thousands of files is diffed as deletes and adds.
const MAX_PAIRS: usize = 100 * 100;

/// Line comparisons spent on similar renames per change at most (a hostile
/// push of large files cannot make pairing quadratic in their size); past
/// it, the remaining pairs stay deletes and adds.
const MAX_WORK: usize = 50_000_000;

fn is_regular(mode: u32) -> bool {
    mode & 0o170000 == 0o100000 && mode != MODE_LINK && mode != MODE_GITLINK
}

/// A blob's text, or `None` when it is larger than `max` or binary.
fn text_of(store: &ObjectStore, id: Oid, max: u64) -> Result<Option<String>, git2::Error> {
    Ok(match store.read_limited(id, Kind::Blob, max)? {
        Limited::Object(blob) if !is_binary(&blob.data) => {
            Some(String::from_utf8_lossy(&blob.data).into_owned())
        }
        _ => None,
    })
}

/// Marks the moved lines of `files` (see [`crate::moves`]). `deleted` are
/// the indices in `files` of deleted files, with their old blob.
pub(crate) fn mark(
    store: &ObjectStore,
    deleted: &[(usize, Oid, u32)],
    files: &mut [FileChange],
    opts: &DiffOptions,
) -> Result<(), git2::Error> {
    if !opts.moves || !opts.needs.lines {
        return Ok(());
    }
    let adds = files
        .iter()
        .any(|f| f.content == Content::Text && !f.added.is_empty());
    if !adds {
        return Ok(());
    }
    let mut old = Vec::new();
    for &(i, id, mode) in deleted {
        if !is_regular(mode) {
            continue;
        }
        let Some(text) = text_of(store, id, opts.max_file_size)? else {
            continue;
        };
        if files[i].old_text.is_none() && opts.keeps_old_text(&files[i].path, &text) {
            files[i].old_text = Some(text.clone());
        }
        old.push(text);
    }
    let old: Vec<crate::moves::OldText> = old
        .iter()
        .map(|t| crate::moves::OldText { text: t })
        .collect();
    crate::moves::mark_moved(files, &old);
    Ok(())
}

/// Lines of a text as hashes, sorted (blank lines left out).
fn line_hashes(text: &str) -> Vec<u64> {
    use std::hash::{Hash, Hasher};
    let mut v: Vec<u64> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            l.hash(&mut h);
            h.finish()
        })
        .collect();
    v.sort_unstable();
    v
}

/// Lines two sorted hash lists share (as multisets).
fn common(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Similar renames (`scan.renames = "similar"`): pairs each added file with
/// the deleted file that shares the most lines with it, when they share at
/// least half of the larger one's non-blank lines. Returns (added delta,
/// deleted delta) pairs; each delta is in one pair at most.
pub(crate) fn similar_renames(
    store: &ObjectStore,
    deltas: &[RawDelta],
    skip: &[bool],
    opts: &DiffOptions,
) -> Result<Vec<(usize, usize)>, git2::Error> {
    let side = |want_old: bool| -> Vec<usize> {
        (0..deltas.len())
            .filter(|&i| !skip[i])
            .filter(|&i| match (deltas[i].old, deltas[i].new) {
                (Some((_, m)), None) if want_old => is_regular(m),
                (None, Some((_, m))) if !want_old => is_regular(m),
                _ => false,
            })
            .collect()
    };
    let (gone, new) = (side(true), side(false));
    if gone.is_empty() || new.is_empty() || gone.len() * new.len() > MAX_PAIRS {
        return Ok(Vec::new());
    }
    let hashes = |i: usize, old: bool| -> Result<Option<Vec<u64>>, git2::Error> {
        let d = &deltas[i];
        let Some((id, _)) = (if old { d.old } else { d.new }) else {
            return Ok(None);
        };
        Ok(text_of(store, id, opts.max_file_size)?.map(|t| line_hashes(&t)))
    };
    let mut gone_h = Vec::new();
    for &k in &gone {
        gone_h.push(hashes(k, true)?);
    }
    let mut scored = Vec::new();
    let mut work = 0usize;
    for &i in &new {
        let Some(h) = hashes(i, false)? else { continue };
        for (g, k) in gone_h.iter().zip(&gone) {
            let Some(g) = g else { continue };
            work += h.len() + g.len();
            if work > MAX_WORK {
                break;
            }
            let larger = h.len().max(g.len());
            if larger == 0 {
                continue;
            }
            let score = common(&h, g) as f64 / larger as f64;
            if score >= SIMILARITY {
                scored.push((score, i, *k));
            }
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let (mut taken_new, mut taken_gone) = (Vec::new(), Vec::new());
    let mut pairs = Vec::new();
    for (_, i, k) in scored {
        if taken_new.contains(&i) || taken_gone.contains(&k) {
            continue;
        }
        taken_new.push(i);
        taken_gone.push(k);
        pairs.push((i, k));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_lines_count_as_multisets() {
        let a = line_hashes("x\ny\ny\n\nz\n");
        let b = line_hashes("y\nx\nq\n");
        assert_eq!(common(&a, &b), 2);
        assert_eq!(common(&a, &a), 4);
    }
}
