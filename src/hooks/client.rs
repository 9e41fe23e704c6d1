//! Client hooks: fast, advisory checks before a commit or a push leaves the
//! developer's machine (the server's pre-receive is the authority).

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

use super::common::{downgrade_claimed, exceptions};
use super::judge::{self, Exceptions, Update};
use crate::cli::Global;
use crate::cmd::common::{select_policy, use_color, workdir, Exit};
use crate::diag::{Finding, Summary};
use crate::engine;
use crate::git::{self, push, staged, Oid, Repository};
use crate::message::{self, CleanupMode, Message};
use crate::model::Change;
use crate::policy::Run;
use crate::report::shared::Reporter;
use crate::report::text::TextReporter;
use crate::source::pending::{pending_commit, Pending};
use crate::source::range::diff_options;

/// `commit-msg FILE`: the message as `git commit` will store it, its author
/// and committer, and (only when the policy has file rules) the staged diff,
/// for the rules that combine message and diff.
pub(crate) fn commit_msg(file: &Path, global: &Global) -> Result<Exit> {
    commit_msg_once(file, global, true)
}

/// [`commit_msg`]; with `autofix`, a missing disclosure the policy lets
/// the hook add (`[disclosure] autofix`) is added to FILE and the message
/// checked again, once.
fn commit_msg_once(file: &Path, global: &Global, autofix: bool) -> Result<Exit> {
    let repo = git::open(&workdir(global))?;
    let (policy, _) = select_policy(global, Some(&repo))?;
    let raw = std::fs::read(file)
        .with_context(|| format!("cannot read the commit message {}", file.display()))?;
    let comment = message::comment_string(git::comment_config(&repo).as_deref(), &raw);
    let pending = pending_commit(&repo, &policy)?;
    let editor = editor_used(&raw, &comment);
    let mode = match pending
        .cleanup
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("default") if !editor => CleanupMode::Whitespace,
        other => CleanupMode::from_config(other),
    };
    let cleaned = message::cleanup(&raw, mode, &comment, editor);
    let msg = Message::parse(&cleaned, None, &comment);
    let claimed = exceptions(&msg);
    let Pending {
        change: pending, ..
    } = pending;

    // Findings of the diff alone are the pre-commit hook's; keep only what
    // needs the message or the identities.
    let files_only = Change {
        files: pending.files.clone(),
        is_merge: pending.is_merge,
        ..Change::default()
    };
    let run = Run::new(&policy);
    let diff_alone = match files_only.files {
        Some(_) => engine::check(&run, &files_only).findings,
        None => Vec::new(),
    };
    let change = Change {
        message: Some(msg),
        ..pending
    };
    let outcome = engine::check(&run, &change);
    let mut findings: Vec<Finding> = outcome
        .findings
        .into_iter()
        .filter(|f| !diff_alone.contains(f))
        .collect();
    if autofix && policy.tables.disclosure.as_ref().is_some_and(|d| d.autofix) {
        let (fixed, said) = crate::precheck::disclosure_autofix(&policy, &change, &findings, &raw);
        if !said.is_empty() {
            std::fs::write(file, &fixed)
                .with_context(|| format!("cannot write the commit message {}", file.display()))?;
            for s in said {
                eprintln!("policy-check: commit-msg: {s} to the message (`[disclosure] autofix`)");
            }
            return commit_msg_once(file, global, false);
        }
    }
    downgrade_claimed(&mut findings, &claimed);
    // Expired exceptions, once per commit (here rather than in pre-commit,
    // which does not run for every commit).
    findings.extend(super::common::policy_findings(&run, &repo));
    let exit = report(&findings, outcome.suppressed, global)?;
    if exit == Exit::Violated {
        eprintln!(
            "policy-check: commit-msg: the commit was stopped; your message is kept in {}",
            file.display()
        );
    }
    // The hook's process ends here, and the compiled policy (automata,
    // regex caches) and the repository handle go back to the system with it:
    // freeing them one by one first cost about a sixth of the hook.
    std::mem::forget(run);
    std::mem::forget(policy);
    std::mem::forget(repo);
    Ok(exit)
}

/// `pre-commit`: the change the index git is committing introduces (diff
/// rules only). A policy without file rules returns at once.
pub(crate) fn pre_commit(global: &Global) -> Result<Exit> {
    let repo = git::open(&workdir(global))?;
    let (policy, _) = select_policy(global, Some(&repo))?;
    if !policy.needs().files {
        return Ok(Exit::Passed);
    }
    let (parent, is_merge) = git::head::commit_parent(&repo)?;
    let files = if is_merge && !policy.scan.merge_diffs {
        // what the merge itself introduces (its combined diff)
        staged::staged_merge_files(
            &repo,
            &git::head::merge_parents(&repo)?,
            &diff_options(&policy),
        )?
    } else {
        staged::staged_files(&repo, parent, &diff_options(&policy))?
    };
    let change = Change {
        files: Some(files),
        is_merge,
        ..Change::default()
    };
    let outcome = engine::check(&Run::new(&policy), &change);
    let exit = report(&outcome.findings, outcome.suppressed, global)?;
    if exit == Exit::Violated {
        eprintln!("policy-check: pre-commit: the commit was stopped; fix the staged files and commit again");
    }
    // As in commit-msg: the process ends here and returns these whole.
    std::mem::forget((policy, repo, change));
    Ok(exit)
}

/// `pre-push REMOTE URL`: the commits the push sends that the remote does
/// not have (hiding `refs/remotes/REMOTE/*` and the remote's current values
/// when they are known here); deletions send nothing.
pub(crate) fn pre_push(remote: Option<&str>, _url: Option<&str>, global: &Global) -> Result<Exit> {
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .context("cannot read the refs being pushed from stdin")?;
    let lines = parse_pre_push(&input)?;
    let repo = git::open(&workdir(global))?;
    let (policy, origin) = select_policy(global, Some(&repo))?;
    let run = Run::new(&policy).with_baseline(committed_baseline(&repo)?);

    let mut updates = Vec::new();
    let mut hidden = Vec::new();
    for l in lines {
        if l.local.is_zero() || !policy.server.governs(&l.remote_ref) {
            continue;
        }
        if !l.remote.is_zero() && git::repo::has_object(&repo, l.remote)? {
            hidden.extend(push::peel(&repo, l.remote)?.commit);
        }
        updates.push(Update {
            refname: l.remote_ref,
            new: l.local,
        });
    }
    if updates.is_empty() {
        return Ok(Exit::Passed);
    }
    // A named remote (git passes the URL as the name when there is none).
    if let Some(remote) = remote.filter(|r| !r.is_empty() && git::repo::has_remote(&repo, r)) {
        let prefix = format!("refs/remotes/{remote}/");
        hidden.extend(push::ref_commits(&repo, |name| {
            name.strip_prefix(&prefix)
                .is_some_and(|b| b != "HEAD" && policy.server.governs(&format!("refs/heads/{b}")))
        })?);
    }
    let verdict = judge::judge(
        &repo,
        git::opener(&repo),
        &run,
        &updates,
        &hidden,
        &Exceptions::Client,
    )?;
    if !verdict.policy.is_empty() || verdict.refs.iter().any(|r| !r.findings.is_empty()) {
        let stderr = std::io::stderr();
        let color = use_color(global.color, stderr.is_terminal());
        let mut err = stderr.lock();
        judge::render(&verdict, &policy, &origin, &mut err, color)?;
        if verdict.rejected() {
            writeln!(
                err,
                "policy-check: pre-push: the push was stopped; fix the commits (`git rebase -i`) and push again"
            )?;
        }
    }
    Ok(if verdict.rejected() {
        Exit::Violated
    } else {
        Exit::Passed
    })
}

/// The baseline committed at HEAD (`.policy-check-baseline.json`, as
/// `baseline write` names it), so that pushing a history whose old findings
/// were recorded stops only on new ones. The committed version counts, not
/// the working tree's: what is recorded is what was reviewed. A baseline
/// that does not parse is an error, never silently ignored.
fn committed_baseline(repo: &Repository) -> Result<Option<crate::adoption::baseline::Baseline>> {
    use crate::adoption::baseline::{Baseline, DEFAULT_FILE};
    let Some(blob) = git::tree_files::head_file(repo, DEFAULT_FILE)? else {
        return Ok(None);
    };
    let text = std::str::from_utf8(&blob).map_err(|e| {
        anyhow!(
            "HEAD:{DEFAULT_FILE} is not UTF-8 (byte {})",
            e.valid_up_to()
        )
    })?;
    tracing::info!("pre-push: findings recorded in HEAD:{DEFAULT_FILE} are not reported");
    Baseline::parse(&format!("HEAD:{DEFAULT_FILE}"), text).map(Some)
}

/// One `<local ref> <local oid> <remote ref> <remote oid>` line.
#[derive(Debug)]
struct PrePushLine {
    local: Oid,
    remote_ref: String,
    remote: Oid,
}

fn parse_pre_push(input: &[u8]) -> Result<Vec<PrePushLine>> {
    let text = std::str::from_utf8(input).map_err(|e| {
        anyhow!(
            "stdin is not text (invalid UTF-8 at byte {})",
            e.valid_up_to()
        )
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(' ').collect();
        let parsed = match f.as_slice() {
            [_, local, remote_ref, remote] => git::Oid::from_hex(local)
                .zip(git::Oid::from_hex(remote))
                .filter(|_| git::repo::is_valid_refname(remote_ref))
                .map(|(local, remote)| PrePushLine {
                    local,
                    remote_ref: remote_ref.to_string(),
                    remote,
                }),
            _ => None,
        };
        match parsed {
            Some(p) => out.push(p),
            None => bail!(
                "malformed line {} on stdin: `{}` (expected `<local ref> <local oid> <remote ref> <remote oid>`, as git passes to pre-push)",
                i + 1,
                crate::report::text::truncate(line, 120)
            ),
        }
    }
    Ok(out)
}

/// Prints findings to stderr (where git shows a hook's output) and decides.
fn report(findings: &[Finding], suppressed: usize, global: &Global) -> Result<Exit> {
    let mut summary = Summary {
        commits: 1,
        suppressed,
        ..Summary::default()
    };
    if findings.is_empty() {
        return Ok(Exit::Passed);
    }
    let stderr = std::io::stderr();
    let color = use_color(global.color, stderr.is_terminal());
    let mut rep = TextReporter::new(Box::new(stderr.lock()), color);
    for f in findings {
        summary.add(f);
        rep.finding(f)?;
    }
    rep.finish(&summary)?;
    Ok(Exit::from_summary(&summary))
}

/// True when git opened an editor for the message: git sets `GIT_EDITOR=:`
/// for the hooks of a commit that uses none (`-m`, `-F`), and the editor's
/// template carries its help text. Decides git's default cleanup mode.
fn editor_used(raw: &[u8], comment: &str) -> bool {
    let no_editor = std::env::var_os("GIT_EDITOR").is_some_and(|v| v == ":");
    let help = format!("{comment} Please enter the commit message");
    let text = String::from_utf8_lossy(raw);
    !no_editor || text.lines().any(|l| l.starts_with(&help))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pre_push_lines_parse_strictly() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let ok = format!("refs/heads/x {a} refs/heads/x {z}\n\n(delete) {z} refs/heads/y {a}\n");
        let l = parse_pre_push(ok.as_bytes()).expect("valid");
        assert_eq!(l.len(), 2);
        assert!(l[1].local.is_zero());
        for bad in [
            "garbage".to_string(),
            format!("refs/heads/x {a} refs/heads/x"),
            format!("refs/heads/x {a} refs/heads/x nothex"),
            format!("refs/heads/x {a} bad..ref {z}"),
        ] {
            let e = parse_pre_push(bad.as_bytes()).expect_err(&bad);
            assert!(e.to_string().contains("malformed line 1"), "{e}");
        }
        assert!(parse_pre_push(b"\xff\xfe").is_err());
    }
}
