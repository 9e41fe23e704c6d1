//! Findings, severities and the renderers that show them.

use std::fmt;

use serde::{Deserialize, Serialize};

pub mod json;
pub mod text;

/// How much a finding matters. `Off` disables a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
}

/// Counts for the summary line and the exit code.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Summary {
    pub commits: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Findings silenced by an inline `policy-check:allow` or an allow-list.
    pub suppressed: usize,
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

/// Output formats for `check` and the hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Human text in the style of compiler diagnostics.
    Text,
    /// Every finding and a summary, as one JSON document.
    Json,
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
    }
}
