//! The ground floor: what every rule, source and report shares. Severities,
//! rule metadata and ids, findings, and the escaping that makes text from a
//! repository inert. It imports nothing from the crate.

use std::fmt;

use serde::{Deserialize, Serialize};

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
    /// The rule is turned off: it reports nothing.
    Off,
    /// Reported, but the check still passes.
    Warn,
    /// Reported, and the check fails (a hook rejects the commit or push).
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
    /// The rule's severity after the policy's `[severity]` overrides.
    pub severity: Severity,
    /// Full commit id; absent for a bare message or staged change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Repository-relative path of the file; absent for a finding in the
    /// commit message or about the commit itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// 1-based line: in the file for a path, in the message otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// What is wrong here, in one sentence.
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
        /// The message line to remove, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        remove: Option<MessageLine>,
        /// Trailer lines (`Key: value`) to add.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        add: Vec<String>,
    },
    /// Insert `insert` as a new line before line `line` of `path`.
    File {
        /// Repository-relative path of the file to edit.
        path: String,
        /// 1-based line the new line goes before.
        line: u32,
        /// The line to insert, without its newline.
        insert: String,
    },
}

/// One line of a commit message, by number and text.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MessageLine {
    /// 1-based line number in the message.
    pub line: u32,
    /// The line's text, without its newline.
    pub text: String,
}

/// Counts for the summary line and the exit code.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    /// Commits (or messages) checked.
    pub commits: usize,
    /// Findings reported at severity `error`.
    pub errors: usize,
    /// Findings reported at severity `warn`.
    pub warnings: usize,
    /// Findings silenced by an inline `policy-check:allow`, an allow-list or
    /// a policy `[[exceptions]]` entry.
    pub suppressed: usize,
    /// Findings recorded in the `--baseline` file, so not reported.
    pub baselined: usize,
}

impl Summary {
    pub(crate) fn add(&mut self, f: &Finding) {
        match f.severity {
            Severity::Error => self.errors += 1,
            Severity::Warn => self.warnings += 1,
            Severity::Off => {}
        }
    }
}

/// Metadata of a built-in rule.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// The family (and `[table]` of the policy) it belongs to.
    pub family: &'static str,
    /// Severity when the policy does not override it.
    pub default: Severity,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// One line: how to fix a finding.
    pub hint: &'static str,
}

/// The rule of `table` whose id is `id`, found when the program is
/// compiled: rules are named by their ids, never by their place in a
/// table, so reordering a table cannot swap two rules. A name that is not
/// in the table stops the build.
pub(crate) const fn rule(table: &'static [RuleInfo], id: &str) -> &'static RuleInfo {
    let mut i = 0;
    while i < table.len() {
        if same(table[i].id.as_bytes(), id.as_bytes()) {
            return &table[i];
        }
        i += 1;
    }
    panic!("no rule with this id in the table")
}

/// True when two byte strings are equal, at compile time.
pub(crate) const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
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

/// True for a kebab-case id: lowercase ASCII letters, digits and single dashes.
pub(crate) fn is_kebab(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}
