//! Findings, severities and the renderers that show them.

mod github;
mod gitlab;
mod json;
mod sarif;
pub(crate) mod shared;
pub(crate) mod text;

pub use crate::diag::{escape, escape_cow, is_unsafe_char};
pub(crate) use shared::Reporter;

/// Output formats for `check` and the hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
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

/// Builds the reporter for a format, writing to `out`.
pub(crate) fn reporter<'w>(
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
