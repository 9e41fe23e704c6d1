//! The diff of a commit against its first parent, computed directly from the
//! trees: entries are compared in git's order without allocating per entry,
//! only subtrees whose ids differ are descended into, and only changed blobs
//! are read. Lines are diffed with git's default algorithm (exactly what
//! `git diff` computes, by git's own xdiff); added files need no line diff at all.

use crate::oid::Oid;

use super::delta::BINARY_PROBE;
pub use super::delta::{is_binary, DiffOptions, RawDelta};
use super::plumbing::odb::{next_entry, Kind, Limited, ObjectStore};
use crate::model::Renames;

use crate::model::{Content, FileChange, Status};

const MODE_TREE: u32 = 0o040000;
const MODE_LINK: u32 = 0o120000;
const MODE_GITLINK: u32 = 0o160000;

/// A tree entry name no checkout may write: empty, `.`, `..`, `.git` (any
/// case), or containing `/`. git's own `fsck` refuses these; a server that
/// does not run it (`receive.fsckObjects` is off by default) stores them,
/// and a path such as `tests/../app.py` would otherwise be judged as if it
/// were under `tests/`.
pub(crate) fn bad_name(name: &[u8]) -> bool {
    name.is_empty()
        || name == b"."
        || name == b".."
        || name.eq_ignore_ascii_case(b".git")
        || name.contains(&b'/')
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

/// How deep trees may nest: git's own default `core.maxTreeDepth`, past
/// which git itself refuses to walk them. A deeper tree is an error, not a
/// stack overflow: the walk below keeps its own stack.
pub(crate) const MAX_TREE_DEPTH: usize = 2048;

/// One pair of trees being compared: where the walk is in each, and how
/// long the shared path buffer was when it started.
struct Frame {
    old: Option<std::sync::Arc<Vec<u8>>>,
    new: Option<std::sync::Arc<Vec<u8>>>,
    prefix_len: usize,
    i: usize,
    j: usize,
}

/// Appends every changed path between two raw trees (either may be absent),
/// in git's order. The walk is iterative (a stack of [`Frame`]s and one path
/// buffer), so the depth of a pushed tree cannot overflow the call stack;
/// past [`MAX_TREE_DEPTH`] levels it is an error naming the path.
pub(crate) fn diff_trees(
    store: &ObjectStore,
    old: Option<&[u8]>,
    new: Option<&[u8]>,
    prefix: &[u8],
    out: &mut Vec<RawDelta>,
) -> Result<(), git2::Error> {
    use std::cmp::Ordering;
    let mut path = prefix.to_vec();
    let root = |d: Option<&[u8]>| d.map(|d| std::sync::Arc::new(d.to_vec()));
    let mut stack = vec![Frame {
        old: root(old),
        new: root(new),
        prefix_len: path.len(),
        i: 0,
        j: 0,
    }];
    let empty: &[u8] = &[];
    {
        let f = &mut stack[0];
        let (o, n) = (
            f.old.as_deref().map_or(empty, |v| v),
            f.new.as_deref().map_or(empty, |v| v),
        );
        skip_identical(o, n, &mut f.i, &mut f.j);
    }
    while let Some(f) = stack.last_mut() {
        let old = f.old.clone();
        let new = f.new.clone();
        let (o, n) = (
            old.as_deref().map_or(empty, |v| v),
            new.as_deref().map_or(empty, |v| v),
        );
        path.truncate(f.prefix_len);
        let (mut ni, mut nj) = (f.i, f.j);
        let a = next_entry(o, &mut ni)?;
        let b = next_entry(n, &mut nj)?;
        let ord = match (&a, &b) {
            (Some(a), Some(b)) => entry_cmp(a.name, a.mode, b.name, b.mode),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => {
                stack.pop();
                continue;
            }
        };
        // The subtrees to descend into next, if any.
        let mut child: Option<(&[u8], Option<Oid>, Option<Oid>)> = None;
        match (ord, a, b) {
            (Ordering::Less, Some(x), _) => {
                f.i = ni;
                if is_tree(x.mode) {
                    child = Some((x.name, Some(x.oid()), None));
                } else {
                    out.push(RawDelta {
                        path: join(&path, x.name),
                        old: Some((x.oid(), x.mode)),
                        new: None,
                        malformed: false,
                    });
                }
            }
            (Ordering::Greater, _, Some(y)) => {
                f.j = nj;
                if bad_name(y.name) {
                    // A name no checkout may write: reported, never descended into.
                    out.push(RawDelta {
                        path: join(&path, y.name),
                        old: None,
                        new: Some((y.oid(), y.mode)),
                        malformed: true,
                    });
                } else if is_tree(y.mode) {
                    child = Some((y.name, None, Some(y.oid())));
                } else {
                    out.push(RawDelta {
                        path: join(&path, y.name),
                        old: None,
                        new: Some((y.oid(), y.mode)),
                        malformed: false,
                    });
                }
            }
            (_, Some(x), Some(y)) => {
                f.i = ni;
                f.j = nj;
                skip_identical(o, n, &mut f.i, &mut f.j);
                if x.id != y.id || x.mode != y.mode {
                    if bad_name(y.name) {
                        out.push(RawDelta {
                            path: join(&path, y.name),
                            old: Some((x.oid(), x.mode)),
                            new: Some((y.oid(), y.mode)),
                            malformed: true,
                        });
                    } else if is_tree(x.mode) && is_tree(y.mode) {
                        child = Some((y.name, Some(x.oid()), Some(y.oid())));
                    } else {
                        out.push(RawDelta {
                            path: join(&path, y.name),
                            old: Some((x.oid(), x.mode)),
                            new: Some((y.oid(), y.mode)),
                            malformed: false,
                        });
                    }
                }
            }
            _ => {
                stack.pop();
                continue;
            }
        }
        let Some((name, a, b)) = child else { continue };
        let name = name.to_vec();
        if stack.len() > MAX_TREE_DEPTH {
            let shown = String::from_utf8_lossy(&path[..path.len().min(120)]).into_owned();
            return Err(git2::Error::from_str(&format!(
                "trees nest more than {MAX_TREE_DEPTH} levels deep (under `{shown}…`), deeper than git's \
                 core.maxTreeDepth allows; such a tree is not checked"
            )));
        }
        let read = |id: Option<Oid>| -> Result<_, git2::Error> {
            id.map(|id| store.read_kind(id, Kind::Tree).map(|t| t.data))
                .transpose()
        };
        let (ta, tb) = (read(a)?, read(b)?);
        path = join(&path, &name);
        let mut frame = Frame {
            old: ta,
            new: tb,
            prefix_len: path.len(),
            i: 0,
            j: 0,
        };
        {
            let (o, n) = (
                frame.old.as_deref().map_or(empty, |v| v),
                frame.new.as_deref().map_or(empty, |v| v),
            );
            skip_identical(o, n, &mut frame.i, &mut frame.j);
        }
        stack.push(frame);
    }
    Ok(())
}

/// The length of the longest common prefix of two byte strings (compared
/// 32 bytes at a time while they agree).
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut same = 0;
    while same + 32 <= n && a[same..same + 32] == b[same..same + 32] {
        same += 32;
    }
    while same < n && a[same] == b[same] {
        same += 1;
    }
    same
}

/// Moves `i` and `j` (entry starts in `old` and `new`) past the entries the
/// two trees share byte for byte: a commit changes few entries of a large
/// directory, and one comparison of the raw bytes passes the rest without
/// parsing or comparing names. Malformed bytes are left for the parser.
fn skip_identical(old: &[u8], new: &[u8], i: &mut usize, j: &mut usize) {
    let (a, b) = (&old[(*i).min(old.len())..], &new[(*j).min(new.len())..]);
    let same = common_prefix(a, b);
    // whole entries inside the common prefix: "mode name\0" and a 20-byte id
    let mut k = 0;
    while let Some(nul) = memchr::memchr(0, &a[k..same]) {
        let end = k + nul + 21;
        if end > same {
            break;
        }
        k = end;
    }
    *i += k;
    *j += k;
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
pub(crate) fn to_file_changes(
    store: &ObjectStore,
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
    let mut deltas = deltas;
    let mut drop = if opts.renames == Renames::Off {
        vec![false; deltas.len()]
    } else {
        pair_exact_renames(&deltas, &mut files)
    };
    if opts.renames == Renames::Similar && opts.needs.lines {
        let skip: Vec<bool> = (0..deltas.len())
            .map(|i| drop[i] || files[i].status == Status::Renamed)
            .collect();
        for (i, k) in super::moves::similar_renames(store, &deltas, &skip, opts)? {
            // diffed as a modification of the old path (see fill_content)
            drop[k] = true;
            deltas[i].old = deltas[k].old;
            files[i].status = Status::Renamed;
            files[i].old_path = Some(String::from_utf8_lossy(&deltas[k].path).into_owned());
            files[i].old_mode = deltas[k].old.map_or(0, |o| o.1);
        }
    }
    let mut out = Vec::with_capacity(files.len());
    let mut deleted = Vec::new();
    for ((d, mut f), dropped) in deltas.iter().zip(files).zip(drop) {
        if dropped {
            continue;
        }
        if d.malformed {
            f.malformed = true;
            f.content = Content::None;
            out.push(f);
            continue;
        }
        fill_content(store, d, &mut f, opts)?;
        if let (Some((id, mode)), None) = (d.old, d.new) {
            deleted.push((out.len(), id, mode));
        }
        out.push(f);
    }
    super::moves::mark(store, &deleted, &mut out, opts)?;
    Ok(out)
}

fn fill_content(
    store: &ObjectStore,
    d: &RawDelta,
    f: &mut FileChange,
    opts: &DiffOptions,
) -> Result<(), git2::Error> {
    let Some((new_id, new_mode)) = d.new else {
        f.content = Content::None;
        if let Some((old_id, old_mode)) = d.old {
            if opts.needs.lines && opts.wants_old_text(&f.path) && !is_tree(old_mode) {
                f.old_text = read_small_text(store, old_id, opts.max_file_size)?;
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
    let new_blob = match store.read_limited(new_id, Kind::Blob, opts.max_file_size)? {
        Limited::Object(blob) => blob,
        Limited::TooLarge(size) => {
            f.size = size;
            f.content = Content::TooLarge;
            f.blob = Some(new_id.to_string());
            if let Some((old, mode)) = d.old {
                if mode != MODE_GITLINK && !is_tree(mode) && mode != MODE_LINK {
                    f.old_blobs.push(old.to_string());
                }
            }
            return Ok(());
        }
    };
    f.size = new_blob.data.len() as u64;
    if new_mode == MODE_LINK {
        // The link target is the blob's one line, as `git diff` shows it.
        f.set_text(String::from_utf8_lossy(&new_blob.data).into_owned());
        f.content = Content::Symlink;
        if f.status != Status::Renamed {
            f.added = (1..=f.line_count()).collect();
        }
        return Ok(());
    }
    if f.status == Status::Renamed && d.old.is_none() {
        // identical content: nothing was added
        match decode(&new_blob.data) {
            Decoded::Binary => f.content = Content::Binary,
            Decoded::Text(t) => {
                f.set_text(t.into_owned());
                if opts.wants_old_text(&f.path) {
                    f.old_text = Some(f.text.clone());
                }
            }
        }
        return Ok(());
    }
    let old_blob = match d.old {
        Some((oid, mode)) if mode != MODE_GITLINK && !is_tree(mode) => {
            match store.read_limited(oid, Kind::Blob, opts.max_file_size)? {
                Limited::Object(blob) => Some(blob),
                // Too large to diff: treat the new side as wholly added.
                Limited::TooLarge(_) => None,
            }
        }
        _ => None,
    };
    let old_bytes = old_blob.as_ref().map(|b| &b.data[..]);
    fill_from_bytes(f, old_bytes, &new_blob.data, opts)
}

/// Fills a file's content from its new blob and its old one (when there is
/// an old side to diff against). Each side is judged by what it is: a text
/// that replaces a binary has every line added (the old binary says nothing
/// about the new text), UTF-16 with a byte-order mark is decoded, and a
/// binary new side keeps its printable strings for the rules that look
/// for distinctive secrets in binaries.
fn fill_from_bytes(
    f: &mut FileChange,
    old: Option<&[u8]>,
    new: &[u8],
    opts: &DiffOptions,
) -> Result<(), git2::Error> {
    let new_text = match decode(new) {
        Decoded::Text(t) => t,
        Decoded::Binary => {
            f.content = Content::Binary;
            // Strings the old side already had are not new.
            let old_strings: std::collections::HashSet<&[u8]> = match old {
                Some(o) if matches!(decode(o), Decoded::Binary) => {
                    printable_runs(o).map(|(_, r)| r).collect()
                }
                _ => Default::default(),
            };
            f.binary_strings = printable_runs(new)
                .filter(|(_, r)| !old_strings.contains(r))
                .map(|(at, r)| (at as u64, String::from_utf8_lossy(r).into_owned()))
                .collect();
            return Ok(());
        }
    };
    let old_text = old.and_then(|o| match decode(o) {
        Decoded::Text(t) => Some(t),
        Decoded::Binary => None,
    });
    match old_text {
        None => {
            f.set_text(new_text.into_owned());
            f.added = (1..=f.line_count()).collect();
        }
        Some(old) => {
            let (added, removed) = line_diff(old.as_bytes(), new_text.as_bytes())?;
            f.set_text(new_text.into_owned());
            f.added = added;
            f.removed = removed;
            let keep = opts.old_text_when.is_some()
                && f.removed
                    .iter()
                    .any(|(_, l)| opts.keeps_old_text(&f.path, l));
            if keep || opts.wants_old_text(&f.path) {
                f.old_text = Some(old.into_owned());
            }
        }
    }
    Ok(())
}

/// What a blob is, judged on its own bytes.
pub enum Decoded<'a> {
    /// Text as UTF-8: borrowed when the blob was valid UTF-8, owned when it
    /// was UTF-16 or held invalid sequences (replaced by U+FFFD).
    Text(std::borrow::Cow<'a, str>),
    /// Binary as git judges it (a NUL in its first 8000 bytes, and not
    /// UTF-16 with a byte-order mark): it has no lines to diff.
    Binary,
}

/// Decodes a blob as text: UTF-16 (little or big endian) when it starts
/// with a byte-order mark, otherwise UTF-8 (lossily), unless git would call
/// it binary (a NUL in its first 8000 bytes).
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    if let Some(t) = decode_utf16(bytes) {
        return Decoded::Text(std::borrow::Cow::Owned(t));
    }
    if is_binary(bytes) {
        return Decoded::Binary;
    }
    Decoded::Text(String::from_utf8_lossy(bytes))
}

/// A UTF-16 text with a byte-order mark, decoded (unpaired surrogates
/// become U+FFFD); `None` without a mark, or when the decoded text holds
/// NUL characters (binary data that happens to start like a mark).
pub fn decode_utf16(bytes: &[u8]) -> Option<String> {
    // encoding_rs, as the streamed reader of big files uses (`large.rs`):
    // both read the same bytes as the same text.
    let (rest, enc) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (rest, encoding_rs::UTF_16LE),
        [0xFE, 0xFF, rest @ ..] => (rest, encoding_rs::UTF_16BE),
        _ => return None,
    };
    let text = enc.decode_without_bom_handling(rest).0.into_owned();
    let probe = text
        .char_indices()
        .take(BINARY_PROBE)
        .any(|(_, c)| c == '\0');
    (!probe).then_some(text)
}

/// Shortest run of printable bytes kept from a binary (as `strings` does,
/// a little longer: the distinctive tokens are all longer than this).
pub const MIN_RUN: usize = 8;

/// The runs of printable ASCII (and tabs) in a binary, at least
/// [`MIN_RUN`] bytes long, with their byte offsets; any other byte (a NUL,
/// a newline) ends a run.
pub fn printable_runs(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> + '_ {
    let printable = |b: u8| (0x20..0x7f).contains(&b) || b == b'\t';
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            while i < bytes.len() && !printable(bytes[i]) {
                i += 1;
            }
            let start = i;
            while i < bytes.len() && printable(bytes[i]) {
                i += 1;
            }
            if i - start >= MIN_RUN {
                return Some((start, &bytes[start..i]));
            }
        }
        None
    })
}

/// A blob's text, or `None` when it is larger than `max` or binary.
fn read_small_text(store: &ObjectStore, id: Oid, max: u64) -> Result<Option<String>, git2::Error> {
    Ok(match store.read_limited(id, Kind::Blob, max)? {
        Limited::Object(blob) => match decode(&blob.data) {
            Decoded::Text(t) => Some(t.into_owned()),
            Decoded::Binary => None,
        },
        _ => None,
    })
}

/// Added line numbers (1-based, new side) and removed lines (1-based, old
/// side, with their text).
type LineDiff = (Vec<u32>, Vec<(u32, String)>);

/// The lines a change added and removed.
///
/// The line diff is git's own xdiff (vendored in libgit2) with git's
/// defaults (Myers, the indent heuristic, change-group compaction), so the
/// added lines are exactly those `git diff` shows; the costly part that
/// libgit2 would add (expanding whole trees) is done by `diff_trees` above.
pub fn line_diff(old: &[u8], new: &[u8]) -> Result<LineDiff, git2::Error> {
    // xdiff is handed only the region that differs, with a margin of context
    // lines: libgit2 hashes both buffers whole (SHA-1 with collision
    // detection) before diffing them, which cost more than the diff itself.
    let (head, lines_before, tail) = common_ends(old, new);
    xdiff_lines(
        &old[head..old.len() - tail],
        &new[head..new.len() - tail],
        lines_before,
    )
}

/// xdiff's added and removed lines of two buffers, numbered from
/// `lines_before` + 1.
fn xdiff_lines(old: &[u8], new: &[u8], lines_before: u32) -> Result<LineDiff, git2::Error> {
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
                '+' => added.extend(line.new_lineno().map(|n| n + lines_before)),
                '-' => {
                    let text = String::from_utf8_lossy(line.content());
                    let text = text.trim_end_matches('\n');
                    let text = text.strip_suffix('\r').unwrap_or(text).to_string();
                    removed.extend(line.old_lineno().map(|n| (n + lines_before, text)));
                }
                _ => {}
            }
        }
    }
    Ok((added, removed))
}

/// Lines of unchanged context kept on each side of the changed region, so
/// xdiff can still slide a change group (and apply the indent heuristic)
/// as it would over the whole files.
const DIFF_MARGIN: usize = 64;

/// The identical ends of two files, in whole lines less [`DIFF_MARGIN`]:
/// the byte length of the common head, its line count, and the byte length
/// of the common tail. Both cuts fall just after a newline on both sides.
fn common_ends(old: &[u8], new: &[u8]) -> (usize, u32, usize) {
    let same = common_prefix(old, new);
    let head_newlines: Vec<usize> = memchr::memchr_iter(b'\n', &old[..same]).collect();
    let kept = head_newlines.len().saturating_sub(DIFF_MARGIN);
    let head = kept.checked_sub(1).map_or(0, |k| head_newlines[k] + 1);

    let (o, w) = (&old[head..], &new[head..]);
    let m = o.len().min(w.len());
    let mut tail = 0;
    while tail < m && o[o.len() - 1 - tail] == w[w.len() - 1 - tail] {
        tail += 1;
    }
    // Newlines inside the common tail; the first ends a line that may have
    // changed, the next DIFF_MARGIN end whole unchanged lines, which stay.
    let region = o.len() - tail;
    let cut = memchr::memchr_iter(b'\n', &o[region..]).nth(DIFF_MARGIN);
    let tail = cut.map_or(0, |i| o.len() - (region + i + 1));
    (head, kept as u32, tail)
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

    fn raw_tree(entries: &[(&str, [u8; 20])]) -> Vec<u8> {
        let mut t = Vec::new();
        for (name, id) in entries {
            t.extend(format!("100644 {name}\0").bytes());
            t.extend(id);
        }
        t
    }

    #[test]
    fn identical_entries_are_skipped_whole_even_with_nul_bytes_in_ids() {
        // ids full of NUL and space bytes must not be taken for entry ends
        let (z, s) = ([0u8; 20], [b' '; 20]);
        let old = raw_tree(&[("a", z), ("b", s), ("c", z), ("d", s)]);
        let new = raw_tree(&[("a", z), ("b", s), ("c", s), ("d", s)]);
        let (mut i, mut j) = (0, 0);
        skip_identical(&old, &new, &mut i, &mut j);
        let entry = "100644 a\0".len() + 20;
        assert_eq!(
            (i, j),
            (2 * entry, 2 * entry),
            "stops at the first differing entry"
        );
        // a shared prefix of a name is not a shared entry
        let old = raw_tree(&[("same", z), ("name-1", z)]);
        let new = raw_tree(&[("same", z), ("name-2", z)]);
        let (mut i, mut j) = (0, 0);
        skip_identical(&old, &new, &mut i, &mut j);
        assert_eq!(i, "100644 same\0".len() + 20);
        // identical trees are passed entirely
        let (mut i, mut j) = (0, 0);
        skip_identical(&old, &old, &mut i, &mut j);
        assert_eq!((i, j), (old.len(), old.len()));
    }

    #[test]
    fn trimmed_line_diff_equals_the_whole_file_diff() {
        // Few distinct lines (blank, braces, repeats) make change groups
        // slide, which is where trimming could change git's placement.
        let alphabet = [
            "", "}", "    }", "fn a() {", "    x();", "// note", "a", "b",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for case in 0..1000 {
            let len = 150 + next(300);
            let old: Vec<&str> = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            let mut new = old.clone();
            for _ in 0..1 + next(4) {
                let at = next(new.len());
                match next(3) {
                    0 => new.insert(at, alphabet[next(alphabet.len())]),
                    1 => {
                        new.remove(at);
                    }
                    _ => new[at] = alphabet[next(alphabet.len())],
                }
            }
            let end = if case % 5 == 0 { "" } else { "\n" };
            let (o, n) = (old.join("\n") + end, new.join("\n") + end);
            assert_eq!(
                line_diff(o.as_bytes(), n.as_bytes()).unwrap(),
                xdiff_lines(o.as_bytes(), n.as_bytes(), 0).unwrap(),
                "case {case}"
            );
        }
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
