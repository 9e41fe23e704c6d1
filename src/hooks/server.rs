//! Server hooks, the authoritative gate: `pre-receive` (all refs of a push,
//! rejected together) and `update` (one ref).
//!
//! Trust: the policy comes from `--policy`, the server repository's git
//! config `policy-check.policy`, or the policy file as it stands on the
//! protected branch *before* the push, never from the pushed commits; a
//! `Policy-Exception` trailer counts only when the pusher the forge names is
//! a maintainer; push options are never read. Any failure to check rejects
//! the push (fail closed) unless fail-open is configured, which is said loudly.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context, Result};

use super::judge::{self, Exceptions, Update};
use crate::cli::Global;
use crate::cmd::common::{config_policy, use_color, Exit, POLICY_FILE};
use crate::git::repo::open_quarantined;
use crate::git::{self, push, Oid, Repository};
use crate::policy::{Policy, Run, Source};

/// Git config key that lets an internal error accept a push (rollouts only).
const FAIL_OPEN_KEY: &str = "policy-check.failOpen";
/// Git config key naming the branch whose policy file judges pushes (default: HEAD's branch).
const BRANCH_KEY: &str = "policy-check.branch";
/// Git config key for the server hook's time budget (`300`, `"90s"`, `"5m"`);
/// it wins over the policy's `[server] timeout`.
const TIMEOUT_KEY: &str = "policy-check.timeout";

/// The server hook's time budget: a watchdog thread that, once the budget
/// is spent, says so and ends the process with a rejection (fail closed),
/// whatever the hook is doing (reading a policy from a FIFO, walking a huge
/// push). The deadline starts with the default and is set again once the
/// repository's config and the policy are read; it counts from the start.
struct Budget {
    state: std::sync::Arc<BudgetState>,
}

/// When the hook started, its budget, where the budget came from; and the
/// condition the watchdog waits on.
type BudgetState = (
    std::sync::Mutex<(std::time::Instant, std::time::Duration, String)>,
    std::sync::Condvar,
);

impl Budget {
    fn start() -> Budget {
        use std::time::Instant;
        let state = std::sync::Arc::new((
            std::sync::Mutex::new((
                Instant::now(),
                crate::policy::server::DEFAULT_TIMEOUT,
                "the default".to_string(),
            )),
            std::sync::Condvar::new(),
        ));
        let watched = state.clone();
        let spawned = std::thread::Builder::new()
            .name("policy-check-budget".into())
            .spawn(move || {
                let (lock, cv) = &*watched;
                let mut g = lock.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    let (start, budget) = (g.0, g.1);
                    let elapsed = start.elapsed();
                    if elapsed >= budget {
                        let _ = writeln!(std::io::stderr(), "{}", spent_message(budget, &g.2));
                        std::process::exit(1);
                    }
                    g = cv
                        .wait_timeout(g, budget - elapsed)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            });
        if let Err(e) = spawned {
            tracing::warn!("cannot start the time budget's watchdog: {e}");
        }
        Budget { state }
    }

    /// The watchdog's message when the budget is spent. Checked once more
    /// before a verdict is given: a check that ran past its budget must not
    /// be accepted just because the watchdog thread was not scheduled yet.
    fn spent(&self) -> Option<String> {
        let g = self.state.0.lock().unwrap_or_else(|e| e.into_inner());
        (g.0.elapsed() >= g.1).then(|| spent_message(g.1, &g.2))
    }

    fn set(&self, budget: std::time::Duration, origin: String) {
        let (lock, cv) = &*self.state;
        let mut g = lock.lock().unwrap_or_else(|e| e.into_inner());
        g.1 = budget;
        g.2 = origin;
        cv.notify_all();
    }

    /// Applies git config `policy-check.timeout` (an error if it does not parse).
    fn apply_config(&self, repo: &Repository) -> Result<bool> {
        let Some(text) = git::head::config_string(repo, TIMEOUT_KEY) else {
            return Ok(false);
        };
        let d = crate::policy::server::parse_duration(&text).ok_or_else(|| {
            anyhow!("git config {TIMEOUT_KEY} = `{text}` is not a duration (seconds, or \"90s\", \"5m\", \"1h\")")
        })?;
        self.set(d, format!("git config {TIMEOUT_KEY}"));
        Ok(true)
    }
}

/// What the pusher reads when the budget is spent.
fn spent_message(budget: std::time::Duration, origin: &str) -> String {
    format!(
        "policy-check: the check of this push took longer than its time budget of {budget:?} ({origin}), so the push is rejected (fail closed); \
         raise `[server] timeout` in the server's policy or git config `{TIMEOUT_KEY}`, or push fewer commits at once"
    )
}

/// One `<old> <new> <ref>` line of pre-receive's stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RefLine {
    /// The ref's current value (zero when the ref is created).
    old: Oid,
    /// The value pushed (zero when the ref is deleted).
    new: Oid,
    /// The full ref name (`refs/heads/main`).
    refname: String,
}

/// `pre-receive`: reads every ref update from stdin; any violation rejects
/// the whole push, with one block of findings per offending ref.
pub(crate) fn pre_receive(global: &Global) -> Result<Exit> {
    // git relays a server hook's stderr to the pusher as `remote:` lines
    crate::source::range::set_progress(crate::source::range::ProgressMode::Always);
    let budget = Budget::start();
    let mut fail_open = None;
    let result = (|| {
        let mut input = Vec::new();
        std::io::stdin()
            .read_to_end(&mut input)
            .context("cannot read the ref updates from stdin")?;
        let ctx = Gate::open(global, &mut fail_open, &budget)?;
        let lines = parse_receive(&input)?;
        ctx.check(&lines, global)
    })();
    if let Some(msg) = budget.spent() {
        eprintln!("{msg}");
        return Ok(Exit::Violated);
    }
    finish(result, fail_open)
}

/// `update REF OLD NEW`: the same check for one ref.
pub(crate) fn update(refname: &str, old: &str, new: &str, global: &Global) -> Result<Exit> {
    crate::source::range::set_progress(crate::source::range::ProgressMode::Always);
    let budget = Budget::start();
    let mut fail_open = None;
    let result = (|| {
        let line = format!("{old} {new} {refname}");
        let lines = parse_receive(line.as_bytes()).context(
            "bad arguments: expected `update <ref> <old oid> <new oid>`, as git passes them",
        )?;
        let ctx = Gate::open(global, &mut fail_open, &budget)?;
        ctx.check(&lines, global)
    })();
    if let Some(msg) = budget.spent() {
        eprintln!("{msg}");
        return Ok(Exit::Violated);
    }
    finish(result, fail_open)
}

/// Maps an internal error to a rejection (fail closed) or, when configured,
/// to a loudly stated acceptance.
fn finish(result: Result<Exit>, fail_open: Option<bool>) -> Result<Exit> {
    match result {
        Ok(exit) => Ok(exit),
        Err(e) if fail_open == Some(true) => {
            eprintln!("policy-check: ************************************************************");
            eprintln!("policy-check: INTERNAL ERROR, PUSH ACCEPTED UNCHECKED (fail-open is on):");
            eprintln!("policy-check: {}", crate::diag::escape(&format!("{e:#}")));
            eprintln!("policy-check: ************************************************************");
            Ok(Exit::Passed)
        }
        Err(e) => Err(e.context(
            "policy-check could not check this push, so it is rejected (fail closed); \
             tell the server's administrators",
        )),
    }
}

/// The repository (with the push's quarantine visible) and the policy.
struct Gate {
    git_dir: PathBuf,
    quarantine: Option<String>,
    repo: Repository,
    policy: Policy,
    origin: String,
    trust: super::trust::ServerTrust,
}

impl Gate {
    fn open(global: &Global, fail_open: &mut Option<bool>, budget: &Budget) -> Result<Self> {
        let git_dir = match (&global.dir, std::env::var_os("GIT_DIR")) {
            (Some(d), _) => d.clone(),
            (None, Some(d)) if !d.is_empty() => PathBuf::from(d),
            _ => PathBuf::from("."),
        };
        let quarantine = match std::env::var_os("GIT_QUARANTINE_PATH") {
            Some(q) if !q.is_empty() => Some(q.into_string().map_err(|q| {
                anyhow!("GIT_QUARANTINE_PATH is not UTF-8: {}", q.to_string_lossy())
            })?),
            _ => None,
        };
        let repo = open_quarantined(&git_dir, quarantine.as_deref())?;
        *fail_open = git::repo::config_bool(&repo, FAIL_OPEN_KEY);
        let configured = budget.apply_config(&repo)?;
        let (policy, origin) = server_policy(global, &repo)?;
        if let (false, Some(t)) = (configured, policy.server.timeout) {
            budget.set(t, format!("[server] timeout of policy `{}`", policy.name));
        }
        let trust = super::trust::ServerTrust::from_config(&repo)?;
        if policy.server.fail_open {
            *fail_open = Some(true);
        }
        if *fail_open == Some(true) {
            eprintln!(
                "policy-check: WARNING: fail-open is on: a push is ACCEPTED UNCHECKED when the check itself fails"
            );
        }
        Ok(Gate {
            git_dir,
            quarantine,
            repo,
            policy,
            origin,
            trust,
        })
    }

    fn check(&self, lines: &[RefLine], global: &Global) -> Result<Exit> {
        // A review trailer is worth what the server's trust settings say.
        let run = Run::new(&self.policy).with_counting(self.trust.counting());
        let policy = &run;
        let updates: Vec<Update> = lines
            .iter()
            .filter(|l| !l.new.is_zero() && policy.server.governs(&l.refname))
            .map(|l| Update {
                refname: l.refname.clone(),
                new: l.new,
            })
            .collect();
        for l in lines {
            if l.new.is_zero() {
                tracing::info!("{}: deleted, nothing to check", l.refname);
            } else if !policy.server.governs(&l.refname) {
                tracing::info!("{}: outside the policy's [server] refs", l.refname);
            }
        }
        if updates.is_empty() {
            return Ok(Exit::Passed);
        }
        // Everything an existing governed ref reaches has been judged already.
        let hidden = push::ref_commits(&self.repo, |name| policy.server.governs(name))?;
        let evidence = super::trust::Evidence::new(self.trust.clone());
        match &evidence.pusher {
            Ok((var, who)) => tracing::info!("pusher: {who} ({var})"),
            Err(why) => tracing::info!("no authenticated pusher: {why}"),
        }
        let (git_dir, quarantine) = (&self.git_dir, self.quarantine.as_deref());
        let verdict = judge::judge(
            &self.repo,
            || open_quarantined(git_dir, quarantine),
            policy,
            &updates,
            &hidden,
            &Exceptions::Server {
                evidence: Box::new(std::cell::RefCell::new(evidence)),
                git_dir: self.git_dir.clone(),
            },
        )?;
        let stderr = std::io::stderr();
        let color = use_color(global.color, stderr.is_terminal());
        let mut err = stderr.lock();
        judge::render(&verdict, policy, &self.origin, &mut err, color)?;
        if verdict.rejected() {
            writeln!(
                err,
                "policy-check: fix the commits listed above (`git rebase -i`, `git commit --amend`) and push again"
            )?;
            Ok(Exit::Violated)
        } else {
            Ok(Exit::Passed)
        }
    }
}

/// The policy that judges pushes, and where it came from: `--policy`, git
/// config `policy-check.policy`, the policy file on the protected branch
/// as it is before this push, or the embedded default.
pub(crate) fn server_policy(global: &Global, repo: &Repository) -> Result<(Policy, String)> {
    if let Some(path) = &global.policy {
        let p = Policy::file(path).map_err(anyhow::Error::new)?;
        return Ok((p, format!("--policy {}", path.display())));
    }
    if let Some(path) = config_policy(repo) {
        let p = Policy::file(&path).map_err(anyhow::Error::new)?;
        return Ok((
            p,
            format!("git config policy-check.policy = {}", path.display()),
        ));
    }
    match branch_policy(repo)? {
        Ok((src, origin)) => {
            let p = Policy::load(src).map_err(anyhow::Error::new)?;
            Ok((p, origin))
        }
        // Never the embedded default: a deleted or lost branch must not
        // weaken the gate.
        Err(why) => bail!(
            "this server has no policy to judge the push: no --policy in the hook, no git config \
             policy-check.policy, and {why}. The server never falls back to a built-in policy; \
             its administrators set one with `git config policy-check.policy /path/to/policy.toml` \
             (or `policy-check install --server --policy FILE`)"
        ),
    }
}

/// `<branch>:.policy-check.toml` from the existing ref (the push has not
/// moved it yet), where `<branch>` is `policy-check.branch` or HEAD's
/// branch; or why there is none.
fn branch_policy(repo: &Repository) -> Result<std::result::Result<(Source, String), String>> {
    let configured = git::head::config_string(repo, BRANCH_KEY);
    let refname = match configured {
        Some(b) if b.starts_with("refs/") => b,
        Some(b) => format!("refs/heads/{b}"),
        None => match git::repo::head_branch(repo) {
            Some(t) => t,
            None => return Ok(Err("HEAD names no branch".to_string())),
        },
    };
    if !git::repo::has_ref(repo, &refname) {
        return Ok(Err(format!(
            "the protected branch {refname} does not exist (new, deleted or lost)"
        )));
    }
    Ok(crate::cmd::common::policy_at(repo, &refname)?
        .ok_or_else(|| format!("{refname} has no {POLICY_FILE}")))
}

/// Parses pre-receive's stdin strictly: every non-empty line must be
/// `<old oid> <new oid> <ref>`; anything else is an error (and the push is rejected).
fn parse_receive(input: &[u8]) -> Result<Vec<RefLine>> {
    let text = std::str::from_utf8(input).map_err(|e| {
        anyhow!(
            "stdin is not a list of ref updates (invalid UTF-8 at byte {})",
            e.valid_up_to()
        )
    })?;
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(' ').collect();
        let parsed = match f.as_slice() {
            [old, new, refname] => git::Oid::from_hex(old)
                .zip(git::Oid::from_hex(new))
                .filter(|_| git::repo::is_valid_refname(refname) && refname.starts_with("refs/"))
                .map(|(old, new)| RefLine {
                    old,
                    new,
                    refname: refname.to_string(),
                }),
            _ => None,
        };
        match parsed {
            Some(l) => out.push(l),
            None => bail!(
                "malformed line {} on stdin: `{}` (expected `<old oid> <new oid> <ref>`, as git passes to pre-receive)",
                i + 1,
                crate::report::text::truncate(line, 120)
            ),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receive_lines_parse_strictly() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let ok = format!("{z} {a} refs/heads/main\n{a} {z} refs/tags/v1\n");
        let l = parse_receive(ok.as_bytes()).expect("valid");
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].refname, "refs/heads/main");
        for bad in [
            "hello world".to_string(),
            format!("{z} {a}"),
            format!("{z} {a} refs/heads/main extra"),
            format!("{z} {a} main"),
            format!("{z} {a} refs/heads/a..b"),
            format!("{z}  {a} refs/heads/main"),
        ] {
            let e = parse_receive(bad.as_bytes()).expect_err(&bad);
            assert!(e.to_string().contains("malformed line 1"), "{e}");
        }
        assert!(parse_receive(b"\x00\xff").is_err());
        assert!(parse_receive(b"").expect("empty").is_empty());
    }
}
