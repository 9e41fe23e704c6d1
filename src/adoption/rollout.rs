//! `check --explain-rollout`: what the policy's staged severities
//! (`[severity] rule = { level = "warn", until = 2027-03-01, then = "error" }`)
//! will change, when, and how many findings of the checked commits that
//! concerns, so a team sees what will start failing before it does.

use crate::report::shared::count;
use std::collections::HashMap;
use std::io::Write;

use serde::Serialize;

use crate::diag::{Finding, Severity, Summary};
use crate::policy::Policy;
use crate::report::shared::Reporter;

/// One staged severity, judged against today and the checked commits.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Step {
    /// The rule id whose severity is staged.
    rule: String,
    /// The severity before the date.
    level: Severity,
    /// The severity from the date on.
    then: Severity,
    /// The day `then` applies from (YYYY-MM-DD).
    date: String,
    /// Days from today to the date (negative: already in force).
    days: i64,
    /// True when the date has come: `then` applies today.
    in_force: bool,
    /// Findings of this rule in the checked commits, at the `then` severity
    /// (absent when `then` is `off`: nothing would be reported).
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<usize>,
    /// True when the step makes findings fail (`then` is `error`, `level` is not).
    starts_failing: bool,
}

/// Counts findings per rule (the reporter of a rollout scan).
#[derive(Debug, Default)]
pub(crate) struct Counter(pub HashMap<String, usize>);

impl Reporter for Counter {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        *self.0.entry(f.rule.clone()).or_insert(0) += 1;
        Ok(())
    }

    fn finish(&mut self, _: &Summary) -> std::io::Result<()> {
        Ok(())
    }
}

/// A day after every rollout date, so that a scan sees every rule at its
/// final severity.
pub(crate) const FAR_FUTURE: i64 = 1 << 40;

/// The steps of a policy, soonest first. `today` is the real today;
/// `counts` are findings per rule from a scan judged on [`FAR_FUTURE`].
pub(crate) fn steps(policy: &Policy, today: i64, counts: &HashMap<String, usize>) -> Vec<Step> {
    let mut out: Vec<Step> = policy
        .rollouts()
        .map(|(rule, level, then, day)| Step {
            rule: rule.to_string(),
            level,
            then,
            date: crate::date::format(day),
            days: day - today,
            in_force: today >= day,
            findings: (then != Severity::Off).then(|| counts.get(rule).copied().unwrap_or(0)),
            starts_failing: then == Severity::Error && level != Severity::Error,
        })
        .collect();
    out.sort_by(|a, b| (a.days, &a.rule).cmp(&(b.days, &b.rule)));
    out
}

/// Human text: one line per step.
pub(crate) fn render_text(
    out: &mut dyn Write,
    steps: &[Step],
    today: i64,
    commits: usize,
) -> std::io::Result<()> {
    writeln!(
        out,
        "policy-check: staged rollout as of {} ({} checked)",
        crate::date::format(today),
        crate::report::shared::count(commits, "commit")
    )?;
    if steps.is_empty() {
        writeln!(
            out,
            "  no staged severity in this policy (`[severity] RULE = {{ level = \"warn\", until = YYYY-MM-DD, then = \"error\" }}`)"
        )?;
        return Ok(());
    }
    let width = steps.iter().map(|s| s.rule.len()).max().unwrap_or(0);
    for s in steps {
        let when = if s.in_force {
            format!("since {} ({} days ago)", s.date, -s.days)
        } else if s.days == 1 {
            format!("on {} (tomorrow)", s.date)
        } else {
            format!("on {} (in {} days)", s.date, s.days)
        };
        let n = s.findings.unwrap_or(0);
        let effect = match (s.then, s.in_force) {
            (Severity::Off, true) => "no longer reported".to_string(),
            (Severity::Off, false) => "will no longer be reported".to_string(),
            (Severity::Error, true) if s.starts_failing => {
                format!("in force: {} in these commits fail", count(n, "finding"))
            }
            (Severity::Error, false) if s.starts_failing => {
                format!(
                    "{} in these commits will start failing",
                    count(n, "finding")
                )
            }
            (_, true) => format!(
                "in force: {} in these commits reported as {}",
                count(n, "finding"),
                s.then
            ),
            (_, false) => format!(
                "{} in these commits will be reported as {}",
                count(n, "finding"),
                s.then
            ),
        };
        writeln!(
            out,
            "  {:<width$}  {} -> {} {when}: {effect}",
            s.rule, s.level, s.then
        )?;
    }
    Ok(())
}

/// JSON: `{"schema_version":1,"today":…,"commits":N,"rollouts":[Step…]}`.
pub(crate) fn render_json(
    out: &mut dyn Write,
    steps: &[Step],
    today: i64,
    commits: usize,
) -> std::io::Result<()> {
    let doc = serde_json::json!({
        "schema_version": 1,
        "today": crate::date::format(today),
        "commits": commits,
        "rollouts": steps,
    });
    serde_json::to_writer(&mut *out, &doc)?;
    writeln!(out)
}
