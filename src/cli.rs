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
    /// The options every command accepts (policy, directory, colour,
    /// verbosity).
    #[command(flatten)]
    pub global: Global,
    /// The command to run; `app::run` dispatches it.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Policy file to use (else .policy-check.toml at the repository root,
    /// else git config policy-check.policy, else the embedded default preset).
    #[arg(long, global = true, value_name = "FILE", env = "POLICY_CHECK_POLICY")]
    pub(crate) policy: Option<PathBuf>,

    /// Read the policy from `.policy-check.toml` as it stands at REV (e.g. the
    /// base branch in CI), so the commits being checked cannot change the
    /// policy that judges them.
    #[arg(long, global = true, value_name = "REV", conflicts_with = "policy")]
    pub(crate) policy_ref: Option<String>,

    /// Run as if started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,

    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub(crate) color: Color,

    /// Explain what is happening on stderr (-v: which policy, what is read; -vv: more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Colour choice; `auto` colours a terminal unless `NO_COLOR` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Color {
    Auto,
    Always,
    Never,
}

/// The commands, one arm each in `app::run` (the text on each variant is
/// its `--help`).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check commits (default: HEAD) against the policy.
    Check(CheckArgs),
    /// Work with policies: list presets, validate a file.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Describe a rule, or list every rule with `--list`.
    Explain(ExplainArgs),
    /// Run as a git hook (what installed hooks and the scripts in hooks/ call).
    #[command(subcommand)]
    Hook(HookCommand),
    /// Install the git hooks (commit-msg, pre-commit, pre-push; with --server, pre-receive).
    Install(InstallArgs),
    /// Remove the hooks `install` wrote and restore the ones they replaced.
    Uninstall(UninstallArgs),
    /// Show what policy-check sees in a commit: trailers, AI signals, disclosure,
    /// sign-offs, files, and which rules applied.
    Inspect(InspectArgs),
    /// Record the current findings so that `check --baseline` reports only new ones.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Summarise a history's AI use and policy health by month: tools,
    /// disclosure, review, findings (text, JSON, or a self-contained HTML page).
    Report(ReportArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell to write the completion script for.
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

/// Arguments of `policy-check report`: the history to summarise and how to
/// show it.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Revisions whose history to summarise (default: HEAD's); a lone
    /// revision is its whole history, as `git log REV` lists it.
    #[arg(value_name = "REVISION")]
    pub(crate) revisions: Vec<String>,

    /// Summarise the history of every ref (branches, tags, HEAD; not notes).
    #[arg(long, conflicts_with = "merge")]
    pub(crate) all: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub(crate) format: ReportFormat,

    /// Sum by `month` or `week` (default: weeks for histories shorter than 90 days).
    #[arg(long, value_name = "PERIOD")]
    pub(crate) period: Option<String>,

    /// The repository's name in the report (default: its directory's).
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,

    /// Web address of a commit, `{id}` standing for its id (default: from
    /// an `origin` on GitHub, GitLab, Gitea or Codeberg).
    #[arg(long, value_name = "TEMPLATE")]
    pub(crate) commit_url: Option<String>,

    /// Also list the directories AI-involved commits change (reads their
    /// trees: a tree diff per AI-involved commit, so slower on histories
    /// where many commits involve AI).
    #[arg(long)]
    pub(crate) paths: bool,

    /// Merge reports written with `--format json` (one per repository)
    /// into one, instead of walking a history.
    #[arg(long, value_name = "REPORT.json", num_args = 1.., conflicts_with = "revisions")]
    pub(crate) merge: Vec<PathBuf>,
}

/// Formats of `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ReportFormat {
    /// A few lines per repository, with a sparkline.
    Text,
    /// Every number, to merge or process (`schema_version` 1).
    Json,
    /// One self-contained page: inline SVG charts, no script, nothing fetched.
    Html,
}

/// Arguments of `policy-check inspect`: the commit to show and how.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The commit to inspect.
    #[arg(value_name = "REVISION", default_value = "HEAD")]
    pub(crate) revision: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
    pub(crate) format: InspectFormat,
}

/// What `inspect` prints: it describes one commit, so the CI report
/// formats of `check` (SARIF, GitHub, GitLab) do not apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum InspectFormat {
    /// Human text.
    Text,
    /// One JSON document.
    Json,
}

/// The hooks, named as git names them.
#[derive(Debug, Subcommand)]
pub enum HookCommand {
    /// Check the message being committed (and, with the staged diff, the
    /// rules that combine message and diff).
    CommitMsg {
        /// The message file git passes (before git's cleanup).
        file: PathBuf,
    },
    /// Check the staged change (diff rules).
    PreCommit,
    /// Check the commits a push sends that the remote does not have yet
    /// (stdin: `<local ref> <local oid> <remote ref> <remote oid>` lines).
    PrePush {
        /// The remote's name (or its URL when there is no name).
        remote: Option<String>,
        /// The remote's URL.
        url: Option<String>,
    },
    /// Server side: check exactly the commits a push adds, all refs at once
    /// (stdin: `<old oid> <new oid> <ref>` lines); any violation rejects the push.
    PreReceive,
    /// Server side: the same check for one ref, so that only that ref is rejected.
    Update {
        /// The ref being updated.
        refname: String,
        /// Its current value (zeros when it is being created).
        old: String,
        /// Its new value (zeros when it is being deleted).
        new: String,
    },
}

/// Arguments of `policy-check install`: client hooks by default, or a
/// server hook.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// Install the server hook (pre-receive) into this (bare) repository;
    /// with `--policy FILE`, that file judges every push.
    #[arg(long)]
    pub(crate) server: bool,
    /// With --server: install the `update` hook instead of `pre-receive`,
    /// so that a violating ref is rejected while the push's other refs land.
    #[arg(long, requires = "server")]
    pub(crate) update: bool,
}

/// Arguments of `policy-check uninstall` (none yet; a struct so that the
/// command can grow options without changing its shape).
#[derive(Debug, Args)]
pub struct UninstallArgs {}

/// Arguments of `policy-check check`: what to check (commits, or a
/// message with the staged changes), the output format and the baseline.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Revisions: a range (`main..HEAD`, `HEAD~10..`, `A...B`, `^X Y`) is
    /// walked like `git log --date-order`, the same commits in the same
    /// order; a lone revision (`HEAD`, a commit id) is that commit only.
    #[arg(value_name = "REVISION")]
    pub(crate) revisions: Vec<String>,

    /// Check the history of every ref (branches, tags, remote-tracking
    /// branches, HEAD; not notes).
    #[arg(long, conflicts_with = "message_file")]
    pub(crate) all: bool,

    /// Check the whole history of each REVISION, as `git log REV` lists it
    /// (`check --history main`: every commit of main, root included),
    /// instead of that one commit.
    #[arg(long, conflicts_with_all = ["message_file", "all"])]
    pub(crate) history: bool,

    /// Check a bare commit message from FILE (`-` for stdin) instead of commits.
    #[arg(long, value_name = "FILE", conflicts_with = "revisions")]
    pub(crate) message_file: Option<PathBuf>,

    /// With --message-file: judge the draft message and the staged changes
    /// together, as `git commit -F FILE` would make the commit (a pre-check
    /// for agents and people; JSON findings carry a `fix` where one exists).
    #[arg(long, requires = "message_file")]
    pub(crate) staged: bool,

    /// With --staged: write the message fixes (trailers to add or remove)
    /// into FILE, then report what is left.
    #[arg(long, requires = "staged")]
    pub(crate) fix: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub(crate) format: Format,

    /// Report only findings not recorded in this baseline file (written by
    /// `policy-check baseline write`); entries that match nothing are
    /// reported as `baseline-stale`.
    #[arg(long, value_name = "FILE")]
    pub(crate) baseline: Option<PathBuf>,

    /// Instead of reporting findings, list the policy's staged severities:
    /// what will start failing, when, and how many findings of these commits
    /// it concerns (text or json).
    #[arg(long, conflicts_with = "message_file")]
    pub(crate) explain_rollout: bool,
}

/// The `policy-check baseline` subcommands.
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

/// The `policy-check policy` subcommands: presets, a starter file,
/// validation, the effective policy and its schema.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// List the embedded presets.
    List,
    /// Write a starter .policy-check.toml at the repository root that extends a preset.
    Init {
        /// The preset to extend (`policy-check policy list`).
        #[arg(long, value_name = "NAME", default_value = "default")]
        preset: String,
        /// Overwrite an existing .policy-check.toml.
        #[arg(long)]
        force: bool,
        /// A maintainer (`Name <email>`, an email or a forge login); repeat
        /// for more. Default: the people of a CODEOWNERS or MAINTAINERS file
        /// in the repository, else the current git identity.
        #[arg(long = "maintainer", value_name = "WHO")]
        maintainers: Vec<String>,
    },
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

/// Arguments of `policy-check explain`: one rule, or the list of all.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id.
    #[arg(required_unless_present = "list")]
    pub(crate) rule: Option<String>,
    /// List every built-in rule with its family and default severity.
    #[arg(long)]
    pub(crate) list: bool,
}
