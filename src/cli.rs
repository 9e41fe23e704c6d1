//! Command-line definitions (clap derive). Only shapes live here; the work
//! is in [`crate::app`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;

/// Enforce a project's AI-usage policy (disclosure, review, licensing,
/// security) on commits before they land.
#[derive(Debug, Parser)]
#[command(name = "policy-check", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Policy file to use (else .policy-check.toml at the repository root,
    /// else git config policy-check.policy, else the embedded default preset).
    #[arg(long, global = true, value_name = "FILE", env = "POLICY_CHECK_POLICY")]
    pub policy: Option<PathBuf>,

    /// Run as if started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    /// Explain what is happening on stderr (-v: which policy, what is read; -vv: more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Colour choice; `auto` colours a terminal unless `NO_COLOR` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check commits (default: HEAD) against the policy.
    Check(CheckArgs),
    /// Work with policies: list presets, validate a file.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Describe a rule, or list every rule with `--list`.
    Explain(ExplainArgs),
    /// Record the current findings so that `check --baseline` reports only new ones.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command to DIR.
    Man {
        /// Write policy-check.1 and policy-check-COMMAND.1 into DIR.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Revisions: a range (`main..HEAD`, `HEAD~10..`, `A...B`, `^X Y`) walks
    /// like `git log`; a lone revision (`HEAD`, a commit id) is that commit only.
    #[arg(value_name = "REVISION")]
    pub revisions: Vec<String>,

    /// Check the history of every branch and tag.
    #[arg(long, conflicts_with = "message_file")]
    pub all: bool,

    /// Check a bare commit message from FILE (`-` for stdin) instead of commits.
    #[arg(long, value_name = "FILE", conflicts_with = "revisions")]
    pub message_file: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Report only findings not recorded in this baseline file (written by
    /// `policy-check baseline write`); entries that match nothing are
    /// reported as `baseline-stale`.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Instead of reporting findings, list the policy's staged severities:
    /// what will start failing, when, and how many findings of these commits
    /// it concerns (text or json).
    #[arg(long, conflicts_with = "message_file")]
    pub explain_rollout: bool,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Record the findings of commits (default: every commit reachable from
    /// HEAD) in a baseline file.
    Write {
        /// Revisions, as for `check` (a range, or lone revisions).
        #[arg(value_name = "REVISION")]
        revisions: Vec<String>,
        /// Record the history of every branch and tag.
        #[arg(long)]
        all: bool,
        /// The file to write (default: .policy-check-baseline.json at the repository root).
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// List the embedded presets.
    List,
    /// Load and compile a policy, reporting every problem (exit 0 or 2).
    Validate {
        /// The file to validate (default: the policy that would be used here).
        file: Option<PathBuf>,
    },
    /// Print the effective policy after `extends`, each setting annotated
    /// with the file and line it comes from.
    Show {
        /// The policy file (default: the policy that would be used here).
        file: Option<PathBuf>,
    },
    /// Print the JSON Schema of the policy file (for editors: `#:schema` in Taplo).
    Schema,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id.
    #[arg(required_unless_present = "list")]
    pub rule: Option<String>,
    /// List every built-in rule with its family and default severity.
    #[arg(long)]
    pub list: bool,
}
