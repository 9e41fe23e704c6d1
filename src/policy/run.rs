//! One run of a policy. The compiled [`Policy`] is read only; what a run
//! adds to it (a baseline, what a review trailer is worth here) and what it
//! learns while it checks (how many findings each exception excused) travel
//! beside it, in a [`Run`], into the engine and the reports.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::adoption::baseline::Baseline;
use crate::diag::{Finding, Severity};
use crate::identity::{Counting, Reviewers};

use super::compiled::Policy;

/// A policy as one run applies it.
#[derive(Debug)]
pub struct Run<'p> {
    policy: &'p Policy,
    /// `check --baseline FILE`, or the baseline a pre-push finds committed.
    baseline: Option<Baseline>,
    /// What a review trailer is worth: a claim locally; on the server, what
    /// the server's trust settings say.
    counting: Counting,
    /// How many findings each of the policy's `[[exceptions]]` excused, in
    /// its order (shared by the scan's worker threads).
    hits: Vec<AtomicUsize>,
    /// The day severities are judged on (days since the epoch): the
    /// policy's today, unless the run looks ahead (`--explain-rollout`).
    day: i64,
}

impl std::ops::Deref for Run<'_> {
    type Target = Policy;

    fn deref(&self) -> &Policy {
        self.policy
    }
}

impl<'p> Run<'p> {
    /// A run of `policy` with no baseline, counting review trailers as claims.
    pub fn new(policy: &'p Policy) -> Self {
        Run {
            policy,
            baseline: None,
            counting: Counting::Claims,
            hits: policy
                .exceptions
                .iter()
                .map(|_| AtomicUsize::new(0))
                .collect(),
            day: policy.today,
        }
    }

    /// The same run, judging staged severities as they will be on `day`.
    pub(crate) fn judged_on(mut self, day: i64) -> Self {
        self.day = day;
        self
    }

    /// The severity of a rule on the run's day, after the policy's overrides.
    pub(crate) fn severity(&self, rule: &crate::diag::RuleInfo) -> Severity {
        self.policy.severity_on(rule.id, rule.default, self.day)
    }

    /// The same run, with findings of `baseline` excused.
    pub(crate) fn with_baseline(mut self, baseline: Option<Baseline>) -> Self {
        self.baseline = baseline;
        self
    }

    /// The same run, counting review trailers as `counting` says (the
    /// server sets this once, from its trust settings).
    pub(crate) fn with_counting(mut self, counting: Counting) -> Self {
        self.counting = counting;
        self
    }

    /// The policy it applies.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// The baseline whose findings it excuses, if any.
    pub(crate) fn baseline(&self) -> Option<&Baseline> {
        self.baseline.as_ref()
    }

    /// How many findings the policy's `index`th exception excused so far.
    pub(crate) fn exception_hits(&self, index: usize) -> usize {
        self.hits
            .get(index)
            .map_or(0, |h| h.load(Ordering::Relaxed))
    }

    /// `reviewers` as this run counts their trailers.
    pub(crate) fn counted(&self, reviewers: &Reviewers) -> Reviewers {
        Reviewers {
            counting: self.counting,
            ..reviewers.clone()
        }
    }

    /// Reviewers restricted to the maintainers (locally, open to anyone
    /// but the author when the policy lists none; on the server, nobody).
    pub(crate) fn maintainer_reviewers(&self, trailers: Vec<String>) -> Reviewers {
        Reviewers {
            trailers,
            allowed: self
                .policy
                .maintainers
                .iter()
                .map(|m| m.trim().to_ascii_lowercase())
                .collect(),
            counting: self.counting,
        }
    }

    /// Who may give the review a rule asks for, for the rules that ask for
    /// one: `None` for every other rule.
    pub(crate) fn reviewers_for(&self, rule: &str) -> Option<Reviewers> {
        let tables = &self.policy.tables;
        if rule == "review-ai-unreviewed" {
            return tables
                .review
                .as_ref()?
                .when_ai
                .as_ref()
                .map(|r| self.counted(r));
        }
        if let Some(q) = tables
            .review
            .as_ref()
            .and_then(|r| r.require.iter().find(|q| q.id == rule))
        {
            return Some(self.counted(&q.reviewers));
        }
        if rule == "policy-change-unreviewed" {
            return Some(self.maintainer_reviewers(Reviewers::default().trailers));
        }
        if rule == "protected-path-changed" {
            let p = tables.protected.as_ref()?;
            return Some(self.maintainer_reviewers(p.trailers.clone()));
        }
        if rule == "workflow-review-missing" {
            let w = tables.workflows.as_ref()?;
            return Some(self.maintainer_reviewers(w.review_trailers().to_vec()));
        }
        None
    }

    /// Drops the findings an exception or the baseline covers, counting
    /// each exception's hits; returns how many an exception excused
    /// (baselined ones are counted by the baseline).
    pub(crate) fn excuse(&self, findings: &mut Vec<Finding>) -> usize {
        if self.policy.exceptions.is_empty() && self.baseline.is_none() {
            return 0;
        }
        let mut excused = 0;
        findings.retain(|f| {
            let by = self.policy.exceptions.iter().position(|e| e.excuses(f));
            if let Some(i) = by {
                if let Some(h) = self.hits.get(i) {
                    h.fetch_add(1, Ordering::Relaxed);
                }
                excused += 1;
                return false;
            }
            !self.baseline.as_ref().is_some_and(|b| b.covers(f))
        });
        excused
    }
}

impl crate::rules::sink::Judge for Run<'_> {
    fn severity_of(&self, id: &str, default: Severity) -> Severity {
        self.policy.severity_on(id, default, self.day)
    }
    fn inline_allowed(&self, rule: &str) -> bool {
        self.policy.inline_allowed(rule, self.counting)
    }
    fn excuse(&self, findings: &mut Vec<Finding>) -> usize {
        Run::excuse(self, findings)
    }
    fn counted(&self, reviewers: &Reviewers) -> Reviewers {
        Run::counted(self, reviewers)
    }
    fn maintainer_reviewers(&self, trailers: Vec<String>) -> Reviewers {
        Run::maintainer_reviewers(self, trailers)
    }
}
