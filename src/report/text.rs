//! Human text in the style of rustc diagnostics:
//!
//! ```text
//! error[secret-aws-access-key]: AWS access key ID in an added line
//!   --> 1a2b3c4d5e6f:src/config.rs:12
//!    |
//! 12 | let key = "AKIA…redacted";
//!    |
//!    = hint: remove it from the commit and rotate the key
//! ```

use std::io::Write;

use super::shared::Reporter;
use crate::diag::{escape, escape_cow, Finding, Severity, Summary};

/// Writes findings as rustc-style text, in colour when asked.
pub(crate) struct TextReporter<'w> {
    out: Box<dyn Write + 'w>,
    color: bool,
}

impl<'w> TextReporter<'w> {
    /// A reporter writing to `out`, with ANSI colours when `color`.
    pub(crate) fn new(out: Box<dyn Write + 'w>, color: bool) -> Self {
        TextReporter { out, color }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
}

/// `commit:path:line`, leaving out the parts a finding lacks.
fn location(f: &Finding) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(c) = &f.commit {
        parts.push(c[..c.len().min(12)].to_string());
    }
    match (&f.path, f.line) {
        (Some(p), Some(l)) => parts.push(format!("{}:{l}", escape_cow(p))),
        (Some(p), None) => parts.push(escape(p)),
        (None, Some(l)) => parts.push(format!("message:{l}")),
        (None, None) => {}
    }
    if parts.is_empty() {
        "message".to_string()
    } else {
        parts.join(":")
    }
}

impl Reporter for TextReporter<'_> {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        let (label, code) = match f.severity {
            Severity::Error => ("error", "1;31"),
            _ => ("warning", "1;33"),
        };
        // Everything but the labels may hold text from the repository.
        let head = format!("{label}[{}]", escape_cow(&f.rule));
        writeln!(
            self.out,
            "{}{} {}",
            self.paint(code, &head),
            self.paint("1", ":"),
            self.paint("1", &escape_cow(&f.message))
        )?;
        let gutter = f.line.map_or(1, |l| l.to_string().len());
        let pad = " ".repeat(gutter);
        writeln!(
            self.out,
            "{pad}{} {}",
            self.paint("1;34", "-->"),
            location(f)
        )?;
        if let Some(snippet) = &f.snippet {
            let bar = self.paint("1;34", "|");
            writeln!(self.out, "{pad} {bar}")?;
            let num = f.line.map_or(" ".repeat(gutter), |l| l.to_string());
            writeln!(
                self.out,
                "{} {bar} {}",
                self.paint("1;34", &num),
                escape(&truncate(snippet, 160))
            )?;
            writeln!(self.out, "{pad} {bar}")?;
        }
        if !f.hint.is_empty() {
            writeln!(
                self.out,
                "{pad} {} {}",
                self.paint("1;34", "="),
                format_args!("{} {}", self.paint("1", "hint:"), escape_cow(&f.hint))
            )?;
        }
        writeln!(self.out)
    }

    fn finish(&mut self, s: &Summary) -> std::io::Result<()> {
        let mut line = format!(
            "policy-check: {} checked: {}, {}",
            super::shared::count(s.commits, "commit"),
            super::shared::count(s.errors, "error"),
            super::shared::count(s.warnings, "warning")
        );
        if s.suppressed > 0 {
            line.push_str(&format!(", {} suppressed", s.suppressed));
        }
        if s.baselined > 0 {
            line.push_str(&format!(", {} baselined", s.baselined));
        }
        let code = if s.errors > 0 { "1;31" } else { "1;32" };
        writeln!(self.out, "{}", self.paint(code, &line))?;
        self.out.flush()
    }
}

/// Cuts a snippet to `max` characters on a char boundary, marking the cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    let s = s.trim_end();
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}
