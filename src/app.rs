//! The dispatcher: each command turns parsed arguments into work on the
//! shared road (source -> engine -> reporter) and an [`Exit`]; the
//! commands live in `cmd/` and their own modules.

use anyhow::Result;

use crate::cli::{Command, Global};
use crate::git;

pub use crate::cmd::common::Exit;

/// Runs a parsed command.
pub fn run(cmd: Command, global: &Global) -> Result<Exit> {
    git::tune();
    match cmd {
        Command::Check(args) => crate::cmd::check::check(args, global),
        Command::Policy(p) => crate::cmd::policy::policy_command(p, global),
        Command::Explain(args) => crate::cmd::explain::explain(args, global),
        Command::Hook(h) => crate::hooks::run(h, global),
        Command::Install(a) => crate::hooks::install::install(a, global),
        Command::Uninstall(a) => crate::hooks::install::uninstall(a, global),
        Command::Inspect(args) => crate::inspect::run(&args, global),
        Command::Baseline(b) => crate::cmd::baseline::baseline(b, global),
        Command::Report(args) => crate::insight::run(&args, global),
        Command::Completions { shell } => crate::cmd::manual::completions(shell),
        Command::Man { dir } => crate::cmd::manual::man(dir.as_deref()),
    }
}
