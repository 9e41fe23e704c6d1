//! Moved lines: which added lines of a change were removed elsewhere in the
//! same change (the same file, another file, a deleted file), so that rules
//! about what a change *introduces* judge only what it wrote.
//!
//! This is git's `--color-moved=zebra` idea with
//! `--color-moved-ws=allow-indentation-change` in spirit:
//!
//! - lines are compared with leading and trailing whitespace removed, so a
//!   block that moved and was re-indented (into a `mod`, out of an `impl`)
//!   still matches; blank lines are skipped on both sides;
//! - a *block* is a run of adjacent added lines that equals a run of adjacent
//!   removed lines (in one file, in order);
//! - a block counts as moved only when it holds at least
//!   [`MIN_ALNUM`] alphanumeric characters (git's
//!   `COLOR_MOVED_MIN_ALNUM_COUNT`), so a lone `}` or `unsafe { f() }` is
//!   not "moved" because the same short text was deleted somewhere else,
//!   while a single distinctive line is;
//! - each removed line is used by one block at most: copying a block that
//!   was removed once gives one moved copy and one new one.
//!
//! The pass is linear in the number of added and removed lines (with a
//! bounded number of candidate blocks per line), and runs only on changes
//! that both add and remove lines.

use std::collections::HashMap;

use crate::model::{Content, FileChange};

/// A block needs this many alphanumeric characters to count as moved.
pub(crate) const MIN_ALNUM: usize = 20;

/// At most this many places a block may start are followed at once; a line
/// as common as `}` or `Ok(())` would otherwise make each step quadratic.
const MAX_CANDIDATES: usize = 64;

/// One removed, non-blank line in the order the old files held them.
struct Removed<'a> {
    key: &'a str,
    /// True when it directly follows the previous entry in the same old
    /// file (only blank lines between).
    follows: bool,
}

/// Removed text from outside the file list: the old side of deleted files,
/// whose lines are not in any [`FileChange::removed`].
pub(crate) struct OldText<'a> {
    pub(crate) text: &'a str,
}

/// Fills [`FileChange::moved`] of every text file in `files`. `deleted`
/// holds the text of files the change deleted.
pub(crate) fn mark_moved(files: &mut [FileChange], deleted: &[OldText<'_>]) {
    let moved = find_moved(files, deleted);
    for (f, m) in files.iter_mut().zip(moved) {
        f.moved = m;
    }
}

/// The key a line is compared by: the line without surrounding whitespace.
fn key(line: &str) -> &str {
    line.trim()
}

fn alnum(s: &str) -> usize {
    s.bytes().filter(u8::is_ascii_alphanumeric).count()
        + s.chars()
            .filter(|c| !c.is_ascii() && c.is_alphanumeric())
            .count()
}

/// The moved lines of each file (empty vectors where nothing moved).
pub(crate) fn find_moved(files: &[FileChange], deleted: &[OldText<'_>]) -> Vec<Vec<u32>> {
    let mut out = vec![Vec::new(); files.len()];
    let adds = files
        .iter()
        .any(|f| f.content == Content::Text && !f.added.is_empty());
    let removes =
        deleted.iter().any(|d| !d.text.is_empty()) || files.iter().any(|f| !f.removed.is_empty());
    if !adds || !removes {
        return out;
    }
    // The removed lines, file by file, in old-file order.
    let mut seq: Vec<Removed> = Vec::new();
    for f in files {
        // The last removed line (blank or not), and whether the removed
        // lines since the last non-blank one were contiguous.
        let (mut last, mut unbroken, mut any) = (None::<u32>, false, false);
        for (n, text) in &f.removed {
            unbroken &= last.is_some_and(|l| l + 1 == *n);
            last = Some(*n);
            let k = key(text);
            if k.is_empty() {
                continue;
            }
            seq.push(Removed {
                key: k,
                follows: any && unbroken,
            });
            (any, unbroken) = (true, true);
        }
    }
    for d in deleted {
        let mut first = true;
        for line in d.text.lines() {
            let k = key(line);
            if k.is_empty() {
                continue;
            }
            seq.push(Removed {
                key: k,
                follows: !first,
            });
            first = false;
        }
    }
    if seq.is_empty() {
        return out;
    }
    let mut index: HashMap<&str, Vec<u32>> = HashMap::new();
    for (i, r) in seq.iter().enumerate() {
        index.entry(r.key).or_default().push(i as u32);
    }
    let mut used = vec![false; seq.len()];
    for (fi, f) in files.iter().enumerate() {
        if f.content != Content::Text || f.added.is_empty() {
            continue;
        }
        let mut block = Block::default();
        let mut prev: Option<u32> = None;
        for &n in &f.added {
            let Some(line) = f.line(n) else { continue };
            let k = key(line);
            let adjacent = prev.is_some_and(|p| p + 1 == n);
            prev = Some(n);
            if k.is_empty() {
                if !adjacent {
                    block.flush(&mut out[fi], &mut used);
                }
                continue;
            }
            if adjacent && block.extend(k, n, &seq, &used) {
                continue;
            }
            block.flush(&mut out[fi], &mut used);
            block.start(k, n, &index, &used);
        }
        block.flush(&mut out[fi], &mut used);
        out[fi].sort_unstable();
        out[fi].dedup();
    }
    out
}

/// The block being matched: its added lines and where it may have come from.
#[derive(Default)]
struct Block {
    lines: Vec<u32>,
    /// (first, last) removed positions of each candidate source run.
    candidates: Vec<(u32, u32)>,
    alnum: usize,
}

impl Block {
    fn start(&mut self, k: &str, n: u32, index: &HashMap<&str, Vec<u32>>, used: &[bool]) {
        self.candidates.clear();
        if let Some(at) = index.get(k) {
            self.candidates.extend(
                at.iter()
                    .filter(|&&p| !used[p as usize])
                    .take(MAX_CANDIDATES)
                    .map(|&p| (p, p)),
            );
        }
        if !self.candidates.is_empty() {
            self.lines.push(n);
            self.alnum = alnum(k);
        }
    }

    /// Continues the block with line `n` if a candidate run continues with it.
    fn extend(&mut self, k: &str, n: u32, seq: &[Removed], used: &[bool]) -> bool {
        if self.candidates.is_empty() {
            return false;
        }
        let next = |&(_, last): &(u32, u32)| {
            let p = last as usize + 1;
            p < seq.len() && seq[p].follows && !used[p] && seq[p].key == k
        };
        if !self.candidates.iter().any(next) {
            return false;
        }
        self.candidates.retain(next);
        for c in &mut self.candidates {
            c.1 += 1;
        }
        self.lines.push(n);
        self.alnum += alnum(k);
        true
    }

    /// Ends the block: marks its lines moved if it is long enough, and uses
    /// up the removed lines of its first candidate.
    fn flush(&mut self, moved: &mut Vec<u32>, used: &mut [bool]) {
        if self.alnum >= MIN_ALNUM {
            if let Some(&(first, last)) = self.candidates.first() {
                for u in &mut used[first as usize..=last as usize] {
                    *u = true;
                }
                moved.extend_from_slice(&self.lines);
            }
        }
        self.lines.clear();
        self.candidates.clear();
        self.alnum = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn file(path: &str, new: &str, added: &[u32], removed: &[(u32, &str)]) -> FileChange {
        let mut f = FileChange::new(path.into(), Status::Modified, 0o100644, 0o100644);
        f.set_text(new.to_string());
        f.added = added.to_vec();
        f.removed = removed.iter().map(|(n, t)| (*n, t.to_string())).collect();
        f
    }

    #[test]
    fn a_reindented_block_moved_between_files_is_moved() {
        let a = file(
            "a.rs",
            "fn keep() {}\n",
            &[],
            &[
                (2, "fn helper(buffer: &mut Vec<u8>) {"),
                (3, "    buffer.extend_from_slice(b\"payload\");"),
                (4, "}"),
            ],
        );
        let b = file(
            "b.rs",
            "mod inner {\n    fn helper(buffer: &mut Vec<u8>) {\n        buffer.extend_from_slice(b\"payload\");\n    }\n    fn brand_new_function_here() {}\n}\n",
            &[1, 2, 3, 4, 5, 6],
            &[],
        );
        let moved = find_moved(&[a, b], &[]);
        assert_eq!(moved[1], vec![2, 3, 4]);
    }

    #[test]
    fn short_lines_alone_are_not_moved() {
        let a = file("a.rs", "x\n}\n", &[2], &[(5, "}")]);
        let b = file("b.rs", "unsafe { f() }\n", &[1], &[(1, "unsafe { f() }")]);
        assert_eq!(find_moved(&[a, b], &[]), vec![Vec::<u32>::new(); 2]);
    }

    #[test]
    fn a_distinctive_single_line_is_moved() {
        let a = file(
            "a.rs",
            "let token = compute_the_token(configuration);\n",
            &[1],
            &[],
        );
        let old = OldText {
            text: "fn f() {\n    let token = compute_the_token(configuration);\n}\n",
        };
        assert_eq!(find_moved(&[a], &[old]), vec![vec![1]]);
    }

    #[test]
    fn a_removed_block_moves_once() {
        let text =
            "let first_value = compute(alpha, beta);\nlet first_value = compute(alpha, beta);\n";
        let a = file(
            "a.rs",
            text,
            &[1, 2],
            &[(7, "let first_value = compute(alpha, beta);")],
        );
        assert_eq!(find_moved(&[a], &[]), vec![vec![1]]);
    }

    #[test]
    fn lines_must_follow_in_the_same_order() {
        // the two lines were removed, but not next to each other: each is
        // judged alone (and each is long enough)
        let a = file(
            "a.rs",
            "alpha_beta_gamma_delta_1;\nshort;\n",
            &[1, 2],
            &[(1, "alpha_beta_gamma_delta_1;"), (9, "short;")],
        );
        assert_eq!(find_moved(&[a], &[]), vec![vec![1]]);
    }

    #[test]
    fn nothing_removed_means_nothing_moved() {
        let a = file(
            "a.rs",
            "a long line that is distinctive enough\n",
            &[1],
            &[],
        );
        assert_eq!(find_moved(&[a], &[]), vec![Vec::<u32>::new()]);
    }
}
