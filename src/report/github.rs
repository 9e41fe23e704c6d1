//! `--format github`: GitHub Actions workflow commands, which the runner
//! turns into annotations on the pull request's files:
//!
//! ```text
//! ::error file=src/a.rs,line=2,title=no-miner::mining pool address added (commit 1a2b3c4d5e6f)%0Ahint: remove it
//! ```
//!
//! Escaping as the runner expects (actions/toolkit `command.ts`): in the
//! message, `%`, `\r` and `\n` become `%25`, `%0D`, `%0A`; in property
//! values, also `:` and `,` become `%3A` and `%2C`. A finding about a commit
//! message has no `file`; its title names the commit.

use std::io::Write;

use super::shared::Reporter;
use crate::diag::{Finding, Severity, Summary};

/// Writes each finding as a GitHub Actions workflow command as it comes.
pub(crate) struct GithubReporter<'w> {
    out: Box<dyn Write + 'w>,
}

impl<'w> GithubReporter<'w> {
    /// A reporter writing to `out`.
    pub(crate) fn new(out: Box<dyn Write + 'w>) -> Self {
        GithubReporter { out }
    }
}

/// Escapes a workflow command's message; other control characters and
/// bidi overrides are made inert first ([`super::escape`]), since the
/// runner's log and the annotation show them as they are.
fn escape_data(s: &str) -> String {
    let s = s.replace('%', "%25");
    let s = s.replace('\r', "%0D").replace('\n', "%0A");
    crate::diag::escape(&s)
}

/// Escapes a workflow command's property value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The workflow command of a finding.
fn command(f: &Finding) -> String {
    let kind = match f.severity {
        Severity::Error => "error",
        _ => "warning",
    };
    let short = f.commit.as_deref().map(|c| &c[..c.len().min(12)]);
    let mut props = Vec::new();
    if let Some(p) = &f.path {
        props.push(format!("file={}", escape_property(p)));
        if let Some(l) = f.line {
            props.push(format!("line={l}"));
        }
    }
    let title = match (&f.path, short) {
        (None, Some(c)) => format!("{} (commit {c} message)", f.rule),
        _ => f.rule.clone(),
    };
    props.push(format!("title={}", escape_property(&title)));
    let mut msg = f.message.clone();
    if let Some(c) = short {
        msg.push_str(&format!(" (commit {c}"));
        if f.path.is_none() {
            if let Some(l) = f.line {
                msg.push_str(&format!(", message line {l}"));
            }
        }
        msg.push(')');
    }
    if !f.hint.is_empty() {
        msg.push_str(&format!("\nhint: {}", f.hint));
    }
    format!("::{kind} {}::{}", props.join(","), escape_data(&msg))
}

impl Reporter for GithubReporter<'_> {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        writeln!(self.out, "{}", command(f))
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
        writeln!(self.out, "{line}")?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn file_finding_command() {
        let f = Finding {
            rule: "no-miner".into(),
            severity: Severity::Error,
            commit: Some("0123456789abcdef".into()),
            path: Some("src/a,b:c.rs".into()),
            line: Some(2),
            message: "100% bad".into(),
            hint: "fix it".into(),
            snippet: None,
            fix: None,
        };
        assert_eq!(
            command(&f),
            "::error file=src/a%2Cb%3Ac.rs,line=2,title=no-miner::100%25 bad (commit 0123456789ab)%0Ahint: fix it"
        );
    }
}
