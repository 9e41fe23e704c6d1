//! Adopting a policy on a repository with history: policy-level
//! exceptions, baselines of existing findings, and staged rollouts.
//!
//! Exceptions and the baseline are applied centrally by the engine, after
//! inline `policy-check:allow` markers, to every family's findings. What
//! they did is reported after the run as findings of their own rules
//! (`exception-expired`, `exception-unused`, `baseline-stale`), so every
//! output format shows them and `[severity]` can tune them.

use std::collections::HashSet;

use crate::diag::RuleInfo;
use crate::diag::{Finding, Severity};
use crate::git::{self, Oid, Repository};
use crate::policy::Run;

pub(crate) mod baseline;
pub(crate) mod exceptions;
pub(crate) mod rollout;

pub(crate) use crate::rules::adoption::RULES;

const BASELINE_STALE: &RuleInfo = crate::diag::rule(RULES, "baseline-stale");
const EXCEPTION_EXPIRED: &RuleInfo = crate::diag::rule(RULES, "exception-expired");
const EXCEPTION_UNUSED: &RuleInfo = crate::diag::rule(RULES, "exception-unused");

/// What a run covered, for judging unused exceptions and stale baseline entries.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    /// Full ids of the commits checked.
    checked: HashSet<String>,
    /// The run reached a root commit (a full-history check such as
    /// `check --all`): what was not checked is not in the history.
    full_history: bool,
}

impl Scope {
    /// The scope of a scan of `oids` (in the order `git::resolve` returns
    /// them: a full-history walk ends on a root commit).
    pub(crate) fn of(repo: &Repository, oids: &[Oid]) -> Scope {
        Scope {
            checked: oids.iter().map(Oid::to_string).collect(),
            full_history: oids
                .last()
                .is_some_and(|o| git::repo::is_root_commit(repo, *o)),
        }
    }

    fn covers_commit_prefix(&self, prefix: &str) -> bool {
        self.full_history || self.checked.iter().any(|c| c.starts_with(prefix))
    }
}

/// Findings about exceptions and the baseline once a run is over: expired
/// exceptions (always), and, when `scope` says which commits were checked,
/// unused exceptions and stale baseline entries. `rel` turns a file name
/// into the path reports show (relative to the repository root).
pub(crate) fn run_findings(
    run: &Run<'_>,
    scope: Option<&Scope>,
    rel: &dyn Fn(&str) -> String,
) -> Vec<Finding> {
    let policy = run.policy();
    let mut out = Vec::new();
    let finding =
        |rule: &RuleInfo, message: String, path: Option<String>, line: Option<u32>| Finding {
            rule: rule.id.to_string(),
            severity: run.severity(rule),
            commit: None,
            path,
            line,
            message,
            hint: rule.hint.to_string(),
            snippet: None,
            fix: None,
        };
    for (index, e) in policy.exceptions.iter().enumerate() {
        let (path, line) = match &e.location {
            Some(l) => (Some(rel(&l.file)), Some(l.line as u32)),
            None => (None, None),
        };
        if e.expired {
            let day = e.expires.as_ref().map_or("?", |(_, s)| s.as_str());
            out.push(finding(
                EXCEPTION_EXPIRED,
                format!("{} expired on {day}; it no longer applies", e.describe()),
                path,
                line,
            ));
            continue;
        }
        let Some(scope) = scope else { continue };
        let judged = match &e.commit {
            Some(c) => scope.covers_commit_prefix(c),
            None => scope.full_history,
        };
        if judged && run.exception_hits(index) == 0 {
            out.push(finding(
                EXCEPTION_UNUSED,
                format!(
                    "{} matched no finding in the {} checked",
                    e.describe(),
                    crate::report::shared::count(scope.checked.len(), "commit")
                ),
                path,
                line,
            ));
        }
    }
    if let (Some(b), Some(scope)) = (run.baseline(), scope) {
        for (e, matched) in b.unmatched() {
            let checked = scope.checked.contains(&e.commit);
            if !checked && !scope.full_history {
                continue;
            }
            let short = &e.commit[..e.commit.len().min(12)];
            let what = if checked {
                format!("commit {short} no longer has it")
            } else {
                format!("commit {short} is not in the checked history (rewritten?)")
            };
            let count = if e.count > 1 {
                format!(" ({matched} of {} matched)", e.count)
            } else {
                String::new()
            };
            let at = e
                .path
                .as_deref()
                .map(|p| format!(" at {p}"))
                .unwrap_or_default();
            out.push(finding(
                BASELINE_STALE,
                format!(
                    "baseline entry for `{}`{at} matched nothing{count}: {what}",
                    e.rule
                ),
                Some(rel(&b.file)),
                b.line_of(e),
            ));
        }
    }
    out.retain(|f| f.severity != Severity::Off);
    out
}
