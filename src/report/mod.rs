//! Findings, severities and the renderers that show them.

use std::fmt;

use serde::{Deserialize, Serialize};

pub mod github;
pub mod gitlab;
pub mod json;
pub mod sarif;
pub mod text;

/// How much a finding matters. `Off` disables a rule.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Off,
    Warn,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Off => "off",
            Severity::Warn => "warning",
            Severity::Error => "error",
        })
    }
}

/// One violation of the policy, with everything needed to find and fix it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Finding {
    /// Stable kebab-case rule id (`disclosure-missing`, or a custom rule's id).
    pub rule: String,
    pub severity: Severity,
    /// Full commit id; absent for a bare message or staged change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// 1-based line: in the file for a path, in the message otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    pub message: String,
    /// One line on how to fix it.
    pub hint: String,
    /// The offending text, with secrets redacted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// A mechanical fix, where one exists (`check --staged --message-file`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<Fix>,
}

/// What to change to fix a finding, exactly: a trailer line to add to the
/// message or a line to remove from it, or a line to insert in a file.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Fix {
    /// Edit the commit message: remove the line `remove` (1-based, with its
    /// text, so a stale fix cannot remove another line), then add `add` as
    /// trailer lines at the end of the trailer block.
    Message {
        #[serde(skip_serializing_if = "Option::is_none")]
        remove: Option<MessageLine>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        add: Vec<String>,
    },
    /// Insert `insert` as a new line before line `line` of `path`.
    File {
        path: String,
        line: u32,
        insert: String,
    },
}

/// One line of a commit message, by number and text.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MessageLine {
    pub line: u32,
    pub text: String,
}

/// Counts for the summary line and the exit code.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    pub commits: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Findings silenced by an inline `policy-check:allow`, an allow-list or
    /// a policy `[[exceptions]]` entry.
    pub suppressed: usize,
    /// Findings recorded in the `--baseline` file, so not reported.
    pub baselined: usize,
}

impl Summary {
    pub fn add(&mut self, f: &Finding) {
        match f.severity {
            Severity::Error => self.errors += 1,
            Severity::Warn => self.warnings += 1,
            Severity::Off => {}
        }
    }
}

/// True for a character that must not reach a terminal as it is: C0 and C1
/// controls and DEL (ESC sequences repaint the screen, CR overwrites a
/// line, NUL and BEL), and the invisible format characters that reorder or
/// hide text (bidi overrides and isolates, zero-width characters, line
/// and paragraph separators, the BOM, interlinear annotations). Tab is
/// left as it is.
pub fn is_unsafe_char(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{a}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

/// Makes text from a repository inert for a terminal or a report: every
/// [`is_unsafe_char`] is written as an escape (`\x1b`, `\r`, `\u{202e}`),
/// so pushed content can neither repaint the reader's screen nor cut a
/// finding out of view. Borrowed when there is nothing to escape.
pub fn escape(s: &str) -> String {
    escape_cow(s).into_owned()
}

/// [`escape`] without a copy when nothing needs escaping.
pub fn escape_cow(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if is_unsafe_char(c) && (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A writer that escapes [`is_unsafe_char`]s but line feeds in what passes
/// through it: for reports written piece by piece (`inspect`) whose every
/// line may hold text from the repository. Invalid UTF-8 is replaced.
pub struct Inert<W: std::io::Write>(pub W);

impl<W: std::io::Write> std::io::Write for Inert<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let mut first = true;
        for line in text.split('\n') {
            if !first {
                self.0.write_all(b"\n")?;
            }
            first = false;
            self.0.write_all(escape_cow(line).as_bytes())?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Output formats for `check` and the hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human text in the style of compiler diagnostics.
    Text,
    /// Every finding and a summary, as one JSON document (`schema_version` 1).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations on the pull request).
    Github,
    /// GitLab Code Quality report (JSON).
    Gitlab,
}

/// Something that receives findings as they are found, in commit order.
pub trait Reporter {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()>;
    /// A commit has been checked (for progress and commit headers).
    fn commit_done(&mut self, _id: &str) -> std::io::Result<()> {
        Ok(())
    }
    fn finish(&mut self, summary: &Summary) -> std::io::Result<()>;
}

/// Builds the reporter for a format, writing to `out`.
pub fn reporter<'w>(
    format: Format,
    out: Box<dyn std::io::Write + 'w>,
    color: bool,
) -> Box<dyn Reporter + 'w> {
    match format {
        Format::Text => Box::new(text::TextReporter::new(out, color)),
        Format::Json => Box::new(json::JsonReporter::new(out)),
        Format::Sarif => Box::new(sarif::SarifReporter::new(out)),
        Format::Github => Box::new(github::GithubReporter::new(out)),
        Format::Gitlab => Box::new(gitlab::GitlabReporter::new(out)),
    }
}

/// The path reports use for a finding about a commit message (it has no file
/// in the tree): the file git keeps the message being written in. Formats
/// that need a file for every result (SARIF for GitHub code scanning, GitLab
/// Code Quality) point message and commit findings here.
pub const MESSAGE_PATH: &str = ".git/COMMIT_EDITMSG";

/// The text that identifies what a finding is about, independently of line
/// numbers: the offending text (snippet) when there is one, else the message.
/// `1 commit`, `2 commits`: how every count in the output is worded.
pub fn count(n: usize, word: &str) -> String {
    match (n, word.strip_suffix('y')) {
        (1, _) => format!("1 {word}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {word}s"),
    }
}

/// The text a finding matched (its snippet, else its message).
pub fn matched_text(f: &Finding) -> &str {
    f.snippet.as_deref().unwrap_or(&f.message)
}

/// A content hash of a finding's location and matched text (path and
/// snippet or message), hex. Line numbers are left out on purpose, so that
/// the hash survives edits above the line.
pub fn content_hash(f: &Finding) -> String {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(f.path.as_deref().unwrap_or("").as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(matched_text(f).as_bytes());
    hash_hex(&bytes)
}

/// A stable identity of a finding across runs: rule id, commit and
/// [`content_hash`]. Used by baselines and as the fingerprint in SARIF and
/// GitLab reports.
pub fn fingerprint(f: &Finding) -> String {
    let key = format!(
        "{}\0{}\0{}",
        f.rule,
        f.commit.as_deref().unwrap_or(""),
        content_hash(f)
    );
    hash_hex(key.as_bytes())
}

/// SHA-1 (git's blob hash) of some bytes, hex. git2 already links it, so no
/// extra crypto dependency is needed; this is an identity, not a security
/// boundary.
pub fn hash_hex(bytes: &[u8]) -> String {
    git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .map(|o| o.to_string())
        .unwrap_or_else(|_| format!("{:016x}", fnv(bytes)))
}

/// FNV-1a, the fallback should libgit2 ever fail to hash.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Counts how often each fingerprint was seen, so that identical findings in
/// one run (the same line twice in a file) get distinct report fingerprints.
#[derive(Debug, Default)]
pub struct Occurrences(std::collections::HashMap<String, usize>);

impl Occurrences {
    /// The finding's fingerprint, suffixed with `:N` from its second occurrence on.
    pub fn unique(&mut self, f: &Finding) -> String {
        let fp = fingerprint(f);
        let n = self.0.entry(fp.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            fp
        } else {
            format!("{fp}:{n}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_text_is_made_inert() {
        assert_eq!(
            escape("a\x1b[2Jb\rc\0d\u{202e}e\u{200b}f\u{85}g\x7f\th\n"),
            "a\\x1b[2Jb\\rc\\x00d\\u{202e}e\\u{200b}f\\u{85}g\\x7f\th\\n"
        );
        assert!(matches!(
            escape_cow("plain café\ttext"),
            std::borrow::Cow::Borrowed(_)
        ));
        let mut out = Vec::new();
        std::io::Write::write_all(&mut Inert(&mut out), "l1 \x1b[31m\nl2\r\n".as_bytes()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "l1 \\x1b[31m\nl2\\r\n");
    }
}
