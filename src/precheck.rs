//! `check --staged --message-file FILE`: judges a draft message and the
//! staged changes together, as the commit would be, before `git commit`.
//! Made for AI agents (and people) that want to know, and fix, what the
//! hooks would refuse: with `--format json` every mechanically fixable
//! finding carries a `fix`, and `--fix` applies the message fixes to FILE.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::cli::{CheckArgs, Global};
use crate::cmd::common::{select_policy, use_color, workdir, Exit};
use crate::diag::{Finding, Fix, MessageLine, Summary};
use crate::engine;
use crate::git;
use crate::message::{self, CleanupMode, Message};
use crate::model::Change;
use crate::policy::{Policy, Run};
use crate::report;

/// Runs the pre-check; `file` is the draft message.
pub(crate) fn run(file: &Path, args: &CheckArgs, global: &Global) -> Result<Exit> {
    let repo = git::open(&workdir(global))?;
    let (policy, _) = select_policy(global, Some(&repo))?;
    if args.fix && file == Path::new("-") {
        bail!("--fix writes the fixed message back to FILE, so it needs a file, not `-`");
    }
    let mut raw = if file == Path::new("-") {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut v)
            .context("cannot read the message from stdin")?;
        v
    } else {
        std::fs::read(file)
            .with_context(|| format!("cannot read the message {}", file.display()))?
    };
    let mut pending = crate::source::pending::pending_commit(&repo, &policy)?;
    // Outside a hook git exports no identity: ask git, as `git commit` would.
    for (role, slot) in [
        ("GIT_AUTHOR_IDENT", &mut pending.change.author),
        ("GIT_COMMITTER_IDENT", &mut pending.change.committer),
    ] {
        if let Some(id) = git_var(&repo, role) {
            *slot = Some(id);
        }
    }
    let mut outcome = judge(&repo, &policy, &pending, &raw)?;
    if args.fix {
        let (fixed, applied) = apply(&raw, &outcome.0);
        if !applied.is_empty() {
            std::fs::write(file, &fixed)
                .with_context(|| format!("cannot write the fixed message {}", file.display()))?;
            for a in &applied {
                eprintln!("policy-check: {}: {a}", file.display());
            }
            raw = fixed;
            outcome = judge(&repo, &policy, &pending, &raw)?;
        }
    }
    let (findings, suppressed) = outcome;
    let stdout = std::io::stdout();
    let tty = stdout.is_terminal();
    let mut rep = report::reporter(
        args.format,
        Box::new(stdout.lock()),
        use_color(global.color, tty),
    );
    let mut summary = Summary {
        commits: 1,
        suppressed,
        ..Summary::default()
    };
    for f in &findings {
        summary.add(f);
        rep.finding(f)?;
    }
    rep.finish(&summary)?;
    Ok(Exit::from_summary(&summary))
}

/// The findings of the commit `raw` would make, each with its fix.
fn judge(
    repo: &git::Repository,
    policy: &Policy,
    pending: &crate::source::pending::Pending,
    raw: &[u8],
) -> Result<(Vec<Finding>, usize)> {
    let comment = message::comment_string(git::comment_config(repo).as_deref(), raw);
    // `git commit -F FILE` opens no editor: git's default cleanup is then
    // `whitespace`, unless commit.cleanup says otherwise.
    let mode = match pending
        .cleanup
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("default") => CleanupMode::Whitespace,
        other => CleanupMode::from_config(other),
    };
    let cleaned = message::cleanup(raw, mode, &comment, false);
    let change = Change {
        message: Some(Message::parse(&cleaned, None, &comment)),
        ..pending.change.clone()
    };
    let outcome = engine::check(&Run::new(policy), &change);
    let signals = policy
        .ai
        .as_ref()
        .map(|d| d.detect(&change))
        .unwrap_or_default();
    let findings = outcome
        .findings
        .into_iter()
        .map(|mut f| {
            f.fix = fix_for(&f, policy, &change, &signals);
            f
        })
        .collect();
    Ok((findings, outcome.suppressed))
}

/// The mechanical fix of a finding, where there is one. Only what can be
/// done without judgement: a disclosure trailer naming the recognised tool,
/// removing an AI's sign-off. Nothing that would hide AI involvement (a
/// banned tool's trailer is not removed), and nothing only a person may
/// write: a review trailer, or the human's own `Signed-off-by:` (the
/// certification is theirs to give; an agent adding it would be the AI
/// signing off in their name).
fn fix_for(
    f: &Finding,
    policy: &Policy,
    change: &Change,
    signals: &[crate::ai::Signal],
) -> Option<Fix> {
    let msg = change.message.as_ref()?;
    let add = |lines: Vec<String>| {
        Some(Fix::Message {
            remove: None,
            add: lines,
        })
    };
    match f.rule.as_str() {
        "disclosure-missing" if f.path.is_none() => {
            let d = policy.tables.disclosure.as_ref()?;
            if signals.iter().all(|s| s.tool.is_none()) {
                return None; // no tool recognised: only a person can name it
            }
            let key = d.suggested_key(signals);
            add(d.suggested_lines(key, signals))
        }
        "review-ai-signoff" => {
            let line = f.line?;
            let text = msg.text.lines().nth(line.checked_sub(1)? as usize)?;
            Some(Fix::Message {
                remove: Some(MessageLine {
                    line,
                    text: text.to_string(),
                }),
                add: Vec::new(),
            })
        }
        "licensing-header-missing" => {
            // The hint names the exact line in the file's comment syntax:
            // "add `// SPDX-License-Identifier: MIT` as one of its first N lines".
            let path = f.path.as_deref()?;
            let rest = f.hint.strip_prefix("add `")?;
            let (insert, tail) = rest.split_once('`')?;
            if !tail.starts_with(" as one of its first")
                || !insert.contains("SPDX-License-Identifier:")
            {
                return None;
            }
            let file = change.files().iter().find(|c| c.path == path)?;
            // Below a `#!` line, which must stay first.
            let line = if file.line(1).is_some_and(|l| l.starts_with("#!")) {
                2
            } else {
                1
            };
            Some(Fix::File {
                path: path.to_string(),
                line,
                insert: insert.to_string(),
            })
        }
        _ => None,
    }
}

/// The commit-msg hook's `[disclosure] autofix`: the disclosure trailers
/// `disclosure-missing` findings suggest for a recognised tool, added to
/// `raw`. Returns the new text and what was added (empty: nothing to do).
pub(crate) fn disclosure_autofix(
    policy: &Policy,
    change: &Change,
    findings: &[Finding],
    raw: &[u8],
) -> (Vec<u8>, Vec<String>) {
    let signals = policy
        .ai
        .as_ref()
        .map(|d| d.detect(change))
        .unwrap_or_default();
    let fixable: Vec<Finding> = findings
        .iter()
        .filter(|f| f.rule == "disclosure-missing")
        .filter_map(|f| {
            let mut f = f.clone();
            f.fix = fix_for(&f, policy, change, &signals);
            f.fix.is_some().then_some(f)
        })
        .collect();
    if fixable.is_empty() {
        return (raw.to_vec(), Vec::new());
    }
    apply(raw, &fixable)
}

/// Applies the message fixes of `findings` to `raw`: removals first (a line
/// is removed only when it still reads as the fix says), then the trailers
/// to add, once each, at the end of the trailer block. Returns the new text
/// and a sentence per change.
fn apply(raw: &[u8], findings: &[Finding]) -> (Vec<u8>, Vec<String>) {
    // Below a scissors line (`git commit -v`) is the diff git cuts away.
    let cut = message::scissors_offset(raw, "#");
    let (raw, below) = raw.split_at(cut);
    let text = String::from_utf8_lossy(raw).into_owned();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut said = Vec::new();
    let mut adds: Vec<&str> = Vec::new();
    let mut removes: Vec<&MessageLine> = Vec::new();
    for f in findings {
        if let Some(Fix::Message { remove, add }) = &f.fix {
            removes.extend(remove.iter());
            for a in add {
                if !adds.contains(&a.as_str()) {
                    adds.push(a);
                }
            }
        }
    }
    for r in removes {
        if let Some(i) = lines.iter().position(|l| l.trim_end() == r.text.trim_end()) {
            lines.remove(i);
            said.push(format!("removed `{}`", r.text.trim_end()));
        }
    }
    let adds: Vec<&str> = adds
        .into_iter()
        .filter(|a| !lines.iter().any(|l| l.trim_end() == *a))
        .collect();
    if !adds.is_empty() {
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        // The trailers join the message's trailer block when it has one
        // (as git finds it); otherwise they start a paragraph of their own.
        let so_far = lines.join("\n") + "\n";
        if message::parse_trailers(so_far.as_bytes(), "#").is_empty() {
            lines.push(String::new());
        }
        for a in adds {
            lines.push(a.to_string());
            said.push(format!("added `{a}`"));
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    let mut out = out.into_bytes();
    out.extend_from_slice(below);
    (out, said)
}

/// `git var ROLE` (`GIT_AUTHOR_IDENT`): the identity git would record,
/// resolved from the environment and every config file as git does.
fn git_var(repo: &git::Repository, role: &str) -> Option<crate::model::Identity> {
    let dir = git::root(repo);
    let out = std::process::Command::new("git")
        .args(["var", role])
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let line = out.stdout.strip_suffix(b"\n").unwrap_or(&out.stdout);
    let id = crate::git::plumbing::commit::identity(line);
    (!id.name.is_empty() || !id.email.is_empty()).then_some(id)
}
