//! The engine: runs a compiled policy's rules over one change and collects
//! findings, applying severities and inline suppressions in one place.

use crate::diag::RuleInfo;
use crate::diag::{Finding, Severity};
use crate::message::Defect;
use crate::model::{Change, Content};
use crate::policy::Policy;
use crate::rules::{
    custom, dependencies, disclosure, payloads, protected, review, rust_safety, secrets, workflows,
};

pub use crate::rules::scan::RULES;

const NUL: &RuleInfo = crate::diag::rule(RULES, "message-nul");
const ENCODING: &RuleInfo = crate::diag::rule(RULES, "message-encoding");
const PATH_MALFORMED: &RuleInfo = crate::diag::rule(RULES, "path-malformed");

/// The marker that silences a finding on the line it stands on:
/// `policy-check:allow RULE-ID[,RULE-ID…]`.
pub const ALLOW_MARKER: &str = "policy-check:allow";

/// What checking one change produced.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    /// Findings silenced by inline markers or allow-lists.
    pub suppressed: usize,
}

/// Where rules report. Severity `off` rules report into the void.
pub struct Sink<'a> {
    policy: &'a Policy,
    change: &'a Change,
    findings: Vec<Finding>,
    suppressed: usize,
}

/// A finding being built; every method is a no-op for a disabled rule.
pub struct Emit<'s>(Option<&'s mut Finding>);

impl Emit<'_> {
    pub fn path(mut self, path: &str) -> Self {
        if let Some(f) = self.0.as_deref_mut() {
            f.path = Some(path.to_string());
        }
        self
    }

    pub fn line(mut self, line: u32) -> Self {
        if let Some(f) = self.0.as_deref_mut() {
            f.line = Some(line);
        }
        self
    }

    pub fn snippet(mut self, snippet: impl Into<String>) -> Self {
        if let Some(f) = self.0.as_deref_mut() {
            f.snippet = Some(snippet.into());
        }
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        if let Some(f) = self.0.as_deref_mut() {
            f.hint = hint.into();
        }
        self
    }
}

impl<'a> Sink<'a> {
    pub fn new(policy: &'a Policy, change: &'a Change) -> Self {
        Sink {
            policy,
            change,
            findings: Vec::new(),
            suppressed: 0,
        }
    }

    pub fn policy(&self) -> &'a Policy {
        self.policy
    }

    /// True when the rule is on, so callers can skip expensive work.
    pub fn enabled(&self, rule: &RuleInfo) -> bool {
        self.policy.severity(rule) != Severity::Off
    }

    /// Reports a finding of a built-in rule.
    pub fn report(&mut self, rule: &'static RuleInfo, message: impl Into<String>) -> Emit<'_> {
        let severity = self.policy.severity(rule);
        self.push(rule.id, severity, rule.hint, message.into())
    }

    /// Reports a finding of a rule defined in the policy.
    pub fn report_as(
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
    pub fn suppressed(&mut self) {
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
    fn finish(self) -> Outcome {
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
        suppressed += self.policy.adoption.apply(&mut findings);
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

/// Runs every rule of the policy over one change.
pub fn check(policy: &Policy, change: &Change) -> Outcome {
    let mut sink = Sink::new(policy, change);
    for d in change.message.iter().flat_map(|m| &m.defects) {
        match d {
            Defect::Nul { line, hidden } => {
                let e = sink.report(
                    NUL,
                    format!(
                        "the message holds a NUL byte; git shows nothing after it, so {hidden} byte(s) are hidden from reviewers and were not checked"
                    ),
                );
                if *line > 0 {
                    e.line(*line);
                }
            }
            Defect::Encoding { name, reason } => {
                sink.report(
                    ENCODING,
                    format!(
                        "the message's `encoding {name}` cannot be decoded ({reason}); it was checked as the bytes git shows when it cannot decode them either"
                    ),
                );
            }
        }
    }
    for file in change.files() {
        if file.malformed {
            sink.report(
                PATH_MALFORMED,
                format!(
                    "the tree entry `{}` has a name no checkout may write; its content was not read",
                    file.path
                ),
            )
            .path(&file.path);
        }
        if file.content == Content::TooLarge {
            sink.report(
                crate::diag::rule(RULES, "file-too-large"),
                format!(
                    "{} is {} bytes, above the {}-byte scan limit; its lines were not checked",
                    file.path, file.size, policy.scan.max_file_size
                ),
            )
            .path(&file.path);
        }
    }
    custom::check(&policy.custom, change, &mut sink);
    let signals = policy
        .ai
        .as_ref()
        .map(|d| d.detect(change))
        .unwrap_or_default();
    if let Some(d) = &policy.disclosure {
        disclosure::check(d, change, &signals, &mut sink);
    }
    if let Some(r) = &policy.review {
        review::check(r, change, &signals, policy.ai.as_ref(), &mut sink);
    }
    if let Some(l) = &policy.licensing {
        crate::rules::licensing::check(l, change, &mut sink);
    }
    if let Some(cfg) = &policy.secrets {
        secrets::check(cfg, change, &mut sink);
    }
    if let Some(cfg) = &policy.payloads {
        payloads::check(cfg, change, &mut sink);
    }
    if let Some(cfg) = &policy.protected {
        protected::check(cfg, change, &mut sink);
    }
    if let Some(c) = &policy.unsafe_code {
        rust_safety::check(c, change, &mut sink);
    }
    if let Some(c) = &policy.dependencies {
        dependencies::check(c, change, &mut sink);
    }
    if let Some(c) = &policy.workflows {
        workflows::check(c, change, &mut sink);
    }
    sink.finish()
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
