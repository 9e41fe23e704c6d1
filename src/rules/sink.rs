//! Where rules report. A [`Sink`] applies severities, inline
//! `policy-check:allow` markers and the policy's excuses (exceptions, a
//! baseline) in one place, so no rule does it on its own. It knows the
//! policy only through [`Judge`], so the rules sit beneath the policy.

use crate::diag::{Finding, RuleInfo, Severity};
use crate::identity::Reviewers;
use crate::model::Change;

/// Families whose findings no inline marker silences on the server unless
/// the policy's `[suppress] inline` names them: what a contributor writes
/// on a line must not waive the security, review and disclosure checks.
pub(crate) const NO_INLINE_ON_SERVER: &[&str] = &[
    "secrets",
    "payloads",
    "dependencies",
    "workflows",
    "unsafe_code",
    "review",
    "disclosure",
    "protected",
    "server",
];

/// What a sink asks of the policy a run applies.
pub trait Judge {
    /// The severity of a rule id today, given its default.
    fn severity_of(&self, id: &str, default: Severity) -> Severity;
    /// True when an inline `policy-check:allow RULE` marker may silence a
    /// finding of `rule` here.
    fn inline_allowed(&self, rule: &str) -> bool;
    /// Removes the findings the policy's `[[exceptions]]` (and a run's
    /// baseline) excuse; returns how many.
    fn excuse(&self, findings: &mut Vec<Finding>) -> usize;
    /// `reviewers` as the run counts their trailers (claims locally; the
    /// server's trust settings on the server).
    fn counted(&self, reviewers: &Reviewers) -> Reviewers;
    /// Reviewers restricted to the maintainers, counted as the run counts.
    fn maintainer_reviewers(&self, trailers: Vec<String>) -> Reviewers;
}

/// The marker that silences a finding on the line it stands on:
/// `policy-check:allow RULE-ID[,RULE-ID…]`.
pub const ALLOW_MARKER: &str = "policy-check:allow";

/// What checking one change produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The findings left to report: those no inline marker, allow-list,
    /// exception or baseline silenced, in the order the rules found them.
    pub findings: Vec<Finding>,
    /// Findings silenced by inline markers or allow-lists.
    pub(crate) suppressed: usize,
}

/// Where rules report. Severity `off` rules report into the void.
pub struct Sink<'a> {
    policy: &'a dyn Judge,
    change: &'a Change,
    findings: Vec<Finding>,
    suppressed: usize,
}

/// A finding being built; every method is a no-op for a disabled rule.
pub(crate) struct Emit<'s>(Option<&'s mut Finding>);

impl Emit<'_> {
    pub(crate) fn path(mut self, path: &str) -> Self {
        if let Some(f) = self.0.as_deref_mut() {
            f.path = Some(path.to_string());
        }
        self
    }

    pub(crate) fn line(mut self, line: u32) -> Self {
        if let Some(f) = self.0.as_deref_mut() {
            f.line = Some(line);
        }
        self
    }

    pub(crate) fn snippet(mut self, snippet: impl Into<String>) -> Self {
        if let Some(f) = self.0.as_deref_mut() {
            f.snippet = Some(snippet.into());
        }
        self
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        if let Some(f) = self.0.as_deref_mut() {
            f.hint = hint.into();
        }
        self
    }
}

impl<'a> Sink<'a> {
    /// An empty sink for the findings on `change`, judged by `policy`.
    pub fn new(policy: &'a dyn Judge, change: &'a Change) -> Self {
        Sink {
            policy,
            change,
            findings: Vec::new(),
            suppressed: 0,
        }
    }

    /// Reviewers restricted to the maintainers, as the policy and the run
    /// count them (see [`Judge::maintainer_reviewers`]).
    pub(crate) fn maintainer_reviewers(&self, trailers: Vec<String>) -> Reviewers {
        self.policy.maintainer_reviewers(trailers)
    }

    /// `reviewers` as the run counts their trailers (see [`Judge::counted`]).
    pub(crate) fn counted(&self, reviewers: &Reviewers) -> Reviewers {
        self.policy.counted(reviewers)
    }

    /// True when the rule is on, so callers can skip expensive work.
    pub(crate) fn enabled(&self, rule: &RuleInfo) -> bool {
        self.policy.severity_of(rule.id, rule.default) != Severity::Off
    }

    /// Reports a finding of a built-in rule.
    pub(crate) fn report(
        &mut self,
        rule: &'static RuleInfo,
        message: impl Into<String>,
    ) -> Emit<'_> {
        let severity = self.policy.severity_of(rule.id, rule.default);
        self.push(rule.id, severity, rule.hint, message.into())
    }

    /// Reports a finding of a rule defined in the policy.
    pub(crate) fn report_as(
        &mut self,
        id: &str,
        default: Severity,
        hint: &str,
        message: impl Into<String>,
    ) -> Emit<'_> {
        let severity = self.policy.severity_of(id, default);
        self.push(id, severity, hint, message.into())
    }

    /// Counts a finding an allow-list silenced.
    pub(crate) fn suppressed(&mut self) {
        self.suppressed += 1;
    }

    fn push(&mut self, id: &str, severity: Severity, hint: &str, message: String) -> Emit<'_> {
        if severity == Severity::Off {
            return Emit(None);
        }
        self.findings.push(Finding {
            rule: id.to_string(),
            severity,
            commit: (!self.change.id.is_empty()).then(|| self.change.id.clone()),
            path: None,
            line: None,
            message,
            hint: hint.to_string(),
            snippet: None,
            fix: None,
        });
        Emit(self.findings.last_mut())
    }

    /// Applies inline suppressions and returns the outcome.
    pub(crate) fn finish(self) -> Outcome {
        let change = self.change;
        let mut suppressed = self.suppressed;
        let policy = self.policy;
        let mut findings: Vec<Finding> = self
            .findings
            .into_iter()
            .filter(|f| {
                let allowed = allowed_inline(change, f) && policy.inline_allowed(&f.rule);
                suppressed += usize::from(allowed);
                !allowed
            })
            .collect();
        // A hint suggests a marker only where the marker would work.
        for f in &mut findings {
            if f.hint.contains(ALLOW_MARKER) && !policy.inline_allowed(&f.rule) {
                f.hint = without_marker(&f.hint);
            }
        }
        // Policy `[[exceptions]]` and the `--baseline`, for every family.
        suppressed += self.policy.excuse(&mut findings);
        Outcome {
            findings,
            suppressed,
        }
    }
}

/// The hint without its clause suggesting an inline marker (`…, or add
/// \`policy-check:allow RULE\` on the line`).
fn without_marker(hint: &str) -> String {
    let Some(at) = hint.find(ALLOW_MARKER) else {
        return hint.to_string();
    };
    let head = &hint[..at];
    let cut = [", or ", "; or "]
        .iter()
        .filter_map(|sep| head.rfind(sep))
        .max()
        .or_else(|| head.rfind(" or "));
    match cut {
        Some(c) => hint[..c].to_string(),
        None => {
            "see `policy-check explain` for this rule; an inline marker is not accepted for it here"
                .to_string()
        }
    }
}

/// True when the line a finding points at carries `policy-check:allow` naming its rule.
fn allowed_inline(change: &Change, f: &Finding) -> bool {
    let (Some(path), Some(line)) = (&f.path, f.line) else {
        return false;
    };
    let Some(text) = change
        .files()
        .iter()
        .find(|c| &c.path == path)
        .and_then(|c| c.line(line))
    else {
        return false;
    };
    marker_allows(text, &f.rule)
}

/// Parses `policy-check:allow a-rule, other-rule` (or `(a-rule)`) on a line.
pub fn marker_allows(line: &str, rule: &str) -> bool {
    line.match_indices(ALLOW_MARKER).any(|(i, _)| {
        let rest = line[i + ALLOW_MARKER.len()..].trim_start_matches(['(', '=', ':', ' ']);
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ',' | ' ')))
            .unwrap_or(rest.len());
        rest[..end].split([',', ' ']).any(|id| id == rule)
    })
}

#[cfg(test)]
mod tests {
    use super::marker_allows;

    #[test]
    fn a_hint_loses_only_its_marker_clause() {
        assert_eq!(
            super::without_marker(
                "remove it; for a test value use a placeholder, or add `policy-check:allow secret-detected` on the line"
            ),
            "remove it; for a test value use a placeholder"
        );
        assert_eq!(super::without_marker("no marker here"), "no marker here");
    }

    #[test]
    fn allow_marker_needs_the_rule_id() {
        assert!(marker_allows(
            "x = 1 // policy-check:allow my-rule",
            "my-rule"
        ));
        assert!(marker_allows("# policy-check:allow(a, my-rule)", "my-rule"));
        assert!(!marker_allows(
            "x = 1 // policy-check:allow other",
            "my-rule"
        ));
        assert!(!marker_allows("x = 1 // policy-check:allow", "my-rule"));
        assert!(!marker_allows(
            "x = 1 // policy-check:allow my-rule-2",
            "my-rule"
        ));
    }
}
