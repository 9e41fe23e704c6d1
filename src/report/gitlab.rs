//! `--format gitlab`: a GitLab Code Quality report, a JSON array of issues:
//!
//! ```json
//! [{"description":"…","check_name":"no-miner","fingerprint":"…","severity":"major",
//!   "location":{"path":"src/a.rs","lines":{"begin":2}}}]
//! ```
//!
//! Severity: `error` → `major`, `warn` → `minor`. A finding about a commit
//! message points at [`MESSAGE_PATH`](super::MESSAGE_PATH). The fingerprint
//! is the finding's content fingerprint (unique within the report).

use std::io::Write;

use serde_json::json;

use super::shared::{Occurrences, Reporter, MESSAGE_PATH};
use crate::diag::{escape, Finding, Severity, Summary};

/// Writes a GitLab Code Quality array, one issue per finding, streamed.
pub(crate) struct GitlabReporter<'w> {
    out: Box<dyn Write + 'w>,
    count: usize,
    seen: Occurrences,
}

impl<'w> GitlabReporter<'w> {
    /// A reporter writing to `out`.
    pub(crate) fn new(out: Box<dyn Write + 'w>) -> Self {
        GitlabReporter {
            out,
            count: 0,
            seen: Occurrences::default(),
        }
    }
}

/// GitLab's severity for ours.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warn => "minor",
        Severity::Off => "info",
    }
}

impl Reporter for GitlabReporter<'_> {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        self.out
            .write_all(if self.count == 0 { b"[\n" } else { b",\n" })?;
        self.count += 1;
        let mut description = f.message.clone();
        if let Some(c) = &f.commit {
            description.push_str(&format!(" (commit {})", &c[..c.len().min(12)]));
        }
        if !f.hint.is_empty() {
            description.push_str(&format!(". Hint: {}", f.hint));
        }
        let issue = json!({
            "type": "issue",
            // GitLab shows these in merge requests: no controls, no bidi overrides.
            "description": escape(&description),
            "check_name": f.rule,
            "fingerprint": self.seen.unique(f),
            "severity": severity(f.severity),
            "location": {
                "path": escape(f.path.as_deref().unwrap_or(MESSAGE_PATH)),
                "lines": { "begin": f.line.unwrap_or(1).max(1) },
            },
        });
        serde_json::to_writer(&mut self.out, &issue)?;
        Ok(())
    }

    fn finish(&mut self, _: &Summary) -> std::io::Result<()> {
        self.out
            .write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        self.out.flush()
    }

    /// The report format has no place for an error (it is on stderr, with
    /// exit status 2): the array of what was found is closed.
    fn fail(&mut self, summary: &Summary, _error: &str) -> std::io::Result<()> {
        self.finish(summary)
    }
}
