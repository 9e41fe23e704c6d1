//! The git hooks: each is one more *source* on the shared road (a message
//! file, the index being committed, the commits of a push), checked by the
//! same engine and shown with the same reporter, on stderr, where git shows
//! a hook's output (prefixed `remote:` for the server hooks).
//!
//! * client side, advisory: [`client`] (`commit-msg`, `pre-commit`, `pre-push`);
//! * server side, authoritative: [`server`] (`pre-receive`, `update`);
//! * [`install`] writes the scripts that call `policy-check hook NAME`.

use anyhow::Result;

use crate::cli::{Global, HookCommand};
use crate::cmd::common::Exit;

mod client;
pub(crate) mod common;
pub(crate) mod install;
mod judge;
mod server;
mod trust;

/// Runs a hook.
pub(crate) fn run(cmd: HookCommand, global: &Global) -> Result<Exit> {
    match cmd {
        HookCommand::CommitMsg { file } => client::commit_msg(&file, global),
        HookCommand::PreCommit => client::pre_commit(global),
        HookCommand::PrePush { remote, url } => {
            client::pre_push(remote.as_deref(), url.as_deref(), global)
        }
        HookCommand::PreReceive => server::pre_receive(global),
        HookCommand::Update { refname, old, new } => server::update(&refname, &old, &new, global),
    }
}
