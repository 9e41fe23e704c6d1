//! What a tree diff hands on: the changed paths it found and the options
//! that say what to read of them. Beneath both the diff and move detection.

use crate::oid::Oid;

use crate::model::{Needs, Renames};

/// git reads this many bytes to decide whether a blob is binary.
pub(crate) const BINARY_PROBE: usize = 8000;

/// A changed path as the tree walk finds it.
#[derive(Debug, Clone)]
pub struct RawDelta {
    /// The path from the repository root, as the tree stores it (bytes).
    pub(crate) path: Vec<u8>,
    /// The old side's (object id, git mode); `None` when the path was added.
    pub(crate) old: Option<(Oid, u32)>,
    /// The new side's (object id, git mode); `None` when the path was deleted.
    pub(crate) new: Option<(Oid, u32)>,
    /// The new side's entry has a name git would refuse to check out (see
    /// [`bad_name`]); what is under it is not read.
    pub(crate) malformed: bool,
}

/// Options for reading a commit's diff.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// What to read: nothing beyond the message, the list of changed files,
    /// or also their contents and line diffs (the union of the policy's
    /// families' needs).
    pub needs: Needs,
    /// Blobs larger than this many bytes are not read: the file is reported
    /// as too large (`Content::TooLarge`, with its blob id for the large-file
    /// reader) and its old side is treated as empty.
    pub max_file_size: u64,
    /// How moved files are recognised (exact, similar, or not at all).
    pub renames: Renames,
    /// Paths whose old text is kept in [`FileChange::old_text`] (few, so a
    /// history scan does not pay for the old side of every file).
    pub old_text: Option<globset::GlobSet>,
    /// Also keep the old text of files whose path ends with `.0` when their
    /// removed lines (or, deleted, their text) contain one of `.1` (the
    /// unsafe rules compare the `unsafe` and `extern` sites of both sides).
    pub old_text_when: Option<(&'static str, &'static [&'static str])>,
    /// Mark moved lines ([`FileChange::moved`], see `git/moves.rs`).
    pub moves: bool,
}

impl DiffOptions {
    /// Whether `path`'s old text is kept ([`DiffOptions::old_text`]).
    pub(crate) fn wants_old_text(&self, path: &str) -> bool {
        self.old_text.as_ref().is_some_and(|g| g.is_match(path))
    }

    /// True when `old_text_when` asks for the old side of `path` given
    /// text that the change removed from it.
    pub(crate) fn keeps_old_text(&self, path: &str, removed: &str) -> bool {
        self.old_text_when.is_some_and(|(suffix, needles)| {
            path.ends_with(suffix) && needles.iter().any(|n| removed.contains(n))
        })
    }
}

/// git's binary test: a NUL byte in the first 8000 bytes.
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(BINARY_PROBE)].contains(&0)
}
