//! The change model: what a source (a commit, the index, a bare message)
//! hands to the rules. It knows nothing about the git library, so rules stay pure
//! functions of plain data.

use serde::Serialize;

use crate::message::Message;

/// A person or bot as git records them.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Identity {
    /// The name, as recorded (lossily decoded).
    pub name: String,
    /// The email, as recorded, without the angle brackets.
    pub email: String,
    /// Seconds since the epoch.
    pub time: i64,
}

impl Identity {
    /// `Name <email>`, the form identity signatures and trailers use.
    pub(crate) fn display(&self) -> String {
        format!("{} <{}>", self.name, self.email)
    }
}

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// New on this side: every line is added.
    Added,
    /// Content or mode changed in place.
    Modified,
    /// Gone on the new side; `path` is the old path.
    Deleted,
    /// Moved: identical content, or (with `scan.renames = "similar"`) at
    /// least half of its lines kept, in which case `added`/`removed` are the
    /// line diff against the old path. git's `--no-renames` would show
    /// delete + add.
    Renamed,
    /// Kind changed (file to symlink, to submodule…).
    TypeChanged,
}

/// What the new side of a file is, and so whether its lines were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Content {
    /// Text, read line by line.
    Text,
    /// A NUL byte within the first 8000 bytes, as git decides (UTF-16 with a
    /// byte-order mark is decoded as text instead).
    Binary,
    /// Larger than the policy's `max_file_size`; not read.
    TooLarge,
    /// A gitlink (submodule commit).
    Submodule,
    /// A symbolic link; its target is its only line.
    Symlink,
    /// Nothing on the new side (a deleted file).
    None,
    /// Not read because the policy needs no file contents.
    NotRead,
}

/// One changed file.
#[derive(Debug, Clone, Serialize)]
pub struct FileChange {
    /// Path on the new side (on the old side for deletions), lossily decoded.
    pub path: String,
    /// The old path of a rename.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    /// How the file changed.
    pub status: Status,
    /// git's file mode on the old side (`0o100644`, `0o100755`,
    /// `0o120000` for a symlink, `0o160000` for a gitlink); 0 when added.
    pub old_mode: u32,
    /// git's file mode on the new side; 0 when deleted.
    pub new_mode: u32,
    /// What the new side is, and so whether `text` was read.
    pub content: Content,
    /// Size in bytes of the new side.
    pub size: u64,
    /// The new content as text (empty unless `content` is `Text`).
    #[serde(skip)]
    pub text: String,
    /// 1-based numbers of the lines the change added, ascending.
    #[serde(skip)]
    pub added: Vec<u32>,
    /// The added lines (a sorted subset of `added`) that the change moved
    /// rather than wrote: their text was removed elsewhere in the same change
    /// (this file or another), in a block, ignoring indentation (see
    /// `docs/moves.md`). Rules about what a change *introduces* (unsafe
    /// code, secrets, licence notices, payloads) skip them; rules about what
    /// a change *touches* (protected paths) do not.
    #[serde(skip)]
    pub moved: Vec<u32>,
    /// Lines the change removed: (1-based line in the old file, text).
    #[serde(skip)]
    pub removed: Vec<(u32, String)>,
    /// The old content as text, read only for paths the policy asks for
    /// ([`Policy::old_text_paths`](crate::policy::Policy::old_text_paths)):
    /// rules that compare a whole structured file (a `Cargo.toml`) need both
    /// sides. Also set for deletions of such paths. `None` for other paths,
    /// additions, and old sides that are binary or too large.
    #[serde(skip)]
    pub old_text: Option<String>,
    /// Byte offsets of line starts in `text` (built lazily by the source).
    #[serde(skip)]
    pub line_starts: Vec<usize>,
    /// For a binary new side: its runs of printable characters that the
    /// old side did not have, with their byte offsets (distinctive secrets
    /// are looked for in them; see `git::diff::printable_runs`).
    #[serde(skip)]
    pub binary_strings: Vec<(u64, String)>,
    /// The id (hex) of the new blob when its content was not read (larger
    /// than `scan.max_file_size`), so the source can stream it in chunks.
    #[serde(skip)]
    pub blob: Option<String>,
    /// With `blob`: the old sides' blob ids (hex), whose lines are not new.
    #[serde(skip)]
    pub old_blobs: Vec<String>,
    /// The path has a component no checkout may write (`.`, `..`, `.git`,
    /// empty, or a name holding `/`); nothing under it was read.
    #[serde(skip)]
    pub malformed: bool,
}

impl FileChange {
    /// A change with no content read yet.
    pub fn new(path: String, status: Status, old_mode: u32, new_mode: u32) -> Self {
        FileChange {
            path,
            old_path: None,
            status,
            old_mode,
            new_mode,
            content: Content::NotRead,
            size: 0,
            text: String::new(),
            added: Vec::new(),
            moved: Vec::new(),
            removed: Vec::new(),
            old_text: None,
            line_starts: Vec::new(),
            binary_strings: Vec::new(),
            blob: None,
            old_blobs: Vec::new(),
            malformed: false,
        }
    }

    /// Sets the new text and indexes its lines.
    pub fn set_text(&mut self, text: String) {
        self.line_starts.clear();
        if !text.is_empty() {
            self.line_starts.push(0);
            self.line_starts.extend(
                memchr::memchr_iter(b'\n', text.as_bytes())
                    .filter(|&i| i + 1 < text.len())
                    .map(|i| i + 1),
            );
        }
        self.text = text;
        self.content = Content::Text;
    }

    /// Number of lines in the new text.
    pub fn line_count(&self) -> u32 {
        self.line_starts.len() as u32
    }

    /// The new file's line `n` (1-based), without its line ending.
    pub fn line(&self, n: u32) -> Option<&str> {
        let i = n.checked_sub(1)? as usize;
        let start = *self.line_starts.get(i)?;
        let end = self
            .line_starts
            .get(i + 1)
            .copied()
            .unwrap_or(self.text.len());
        let line = &self.text[start..end];
        let line = line.strip_suffix('\n').unwrap_or(line);
        Some(line.strip_suffix('\r').unwrap_or(line))
    }

    /// Every added line with its number.
    pub(crate) fn added_lines(&self) -> impl Iterator<Item = (u32, &str)> + '_ {
        self.added
            .iter()
            .filter_map(move |&n| self.line(n).map(|l| (n, l)))
    }

    /// True when added line `n` was moved from elsewhere in the change.
    pub(crate) fn is_moved(&self, n: u32) -> bool {
        !self.moved.is_empty() && self.moved.binary_search(&n).is_ok()
    }

    /// The added lines the change wrote (not moved), with their numbers.
    pub(crate) fn new_lines(&self) -> impl Iterator<Item = (u32, &str)> + '_ {
        self.added_lines().filter(move |&(n, _)| !self.is_moved(n))
    }

    /// True when the new side is a regular executable file (mode 100755).
    pub(crate) fn is_executable(&self) -> bool {
        self.new_mode == 0o100755
    }

    /// True when every component of the path is a name a checkout writes
    /// as such (no `.`, `..`, empty or `.git` component): only such paths
    /// may match an allow-list or skip-list.
    pub(crate) fn is_normal_path(&self) -> bool {
        !self.malformed
            && self
                .path
                .split('/')
                .all(|c| !(c.is_empty() || c == "." || c == ".." || c.eq_ignore_ascii_case(".git")))
    }

    /// True for additions (including the new side of a rename).
    pub(crate) fn is_new(&self) -> bool {
        matches!(self.status, Status::Added | Status::Renamed)
    }
}

/// One unit of checking: a commit, a staged change, or a bare message.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Change {
    /// Full commit id; empty for a message or index that is not a commit yet.
    pub id: String,
    /// Full ids of the parent commits, first parent first; empty for a root
    /// commit or a bare message.
    pub parents: Vec<String>,
    /// Who wrote it; absent when unknown (a bare message).
    pub author: Option<Identity>,
    /// Who committed it; absent when unknown (a bare message).
    pub committer: Option<Identity>,
    /// The parsed commit message; absent when the source has none (the
    /// index checked without a message).
    pub message: Option<Message>,
    /// The changed files, when the policy needs them and the change has a diff.
    pub files: Option<Vec<FileChange>>,
    /// True for a merge commit (more than one parent).
    pub is_merge: bool,
}

impl Change {
    /// The first 12 hex digits of the id, for display.
    pub fn short_id(&self) -> &str {
        &self.id[..self.id.len().min(12)]
    }

    /// The files, or an empty slice when none were read.
    pub fn files(&self) -> &[FileChange] {
        self.files.as_deref().unwrap_or(&[])
    }
}

/// Rename detection for the diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Renames {
    /// A rename is a file moved with identical content.
    Exact,
    /// Also a file moved with at least half of its lines kept; its
    /// added and removed lines are the diff against the old path.
    Similar,
    /// No rename detection: a move is a deletion and an addition.
    Off,
}

/// What a policy needs read from git, so that a scan pays only for what it uses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// The list of changed files (a tree diff).
    pub files: bool,
    /// Their contents and added/removed lines (blob reads and a line diff).
    pub lines: bool,
}

impl Needs {
    /// Both needs at once (contents imply the file list).
    pub(crate) fn union(self, o: Needs) -> Needs {
        Needs {
            files: self.files || o.files || o.lines || self.lines,
            lines: self.lines || o.lines,
        }
    }
}
