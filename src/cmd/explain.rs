//! `policy-check explain RULE` / `--list`: what a rule checks, why, and how
//! to fix or suppress a finding.

use std::io::Write;

use anyhow::{bail, Result};

use crate::cli::{ExplainArgs, Global};
use crate::cmd::common as app;
use crate::cmd::common::Exit;
use crate::git::{self};
use crate::policy::Policy;
use crate::rules;

/// `policy-check explain RULE` / `--list`: built-in rules from the
/// explanation data; custom rules from the policy in use.
pub(crate) fn explain(args: ExplainArgs, global: &Global) -> Result<Exit> {
    let mut out = std::io::stdout().lock();
    if args.list {
        for r in rules::registry() {
            writeln!(
                out,
                "{:<32} {:<12} {:<8} {}",
                r.id,
                r.family,
                r.default.to_string(),
                r.summary
            )?;
        }
        return Ok(Exit::Passed);
    }
    let id = args.rule.unwrap_or_default();
    if let Some(r) = rules::find(&id) {
        let e = crate::explain::get(&id);
        write!(out, "{}", crate::explain::render(r, e.as_ref()))?;
        return Ok(Exit::Passed);
    }
    // A custom rule of the policy in use?
    let repo = git::open(&app::workdir(global)).ok();
    let policy = app::select_policy(global, repo.as_ref())
        .ok()
        .map(|(p, _)| p);
    if let Some(rule) = policy.as_ref().and_then(|p| {
        p.tables
            .rules
            .iter()
            .flat_map(|c| &c.0)
            .find(|r| r.id == id)
    }) {
        writeln!(
            out,
            "{} (custom rule of policy `{}`)",
            rule.id,
            policy.as_ref().map_or("", |p| p.name.as_str())
        )?;
        writeln!(
            out,
            "\nWhat it checks:\n    scope {:?}, {:?} `{}`",
            rule.scope,
            rule.mode,
            rule.pattern.as_str()
        )?;
        writeln!(out, "\nMessage:\n    {}", rule.message)?;
        writeln!(out, "\nHow to fix:\n    {}", rule.hint)?;
        writeln!(
            out,
            "\nHow to suppress:\n    {}",
            crate::explain::default_suppress(&rule.id)
        )?;
        return Ok(Exit::Passed);
    }
    // A `[[review.require]]` entry of the policy in use?
    if let Some(r) = policy
        .as_ref()
        .and_then(|p| p.tables.review.as_ref())
        .and_then(|v| v.require.iter().find(|r| r.id == id))
    {
        if let Some(p) = &policy {
            write!(out, "{}", review_require_text(r, p))?;
        }
        return Ok(Exit::Passed);
    }
    let mut known: Vec<&str> = rules::registry().map(|r| r.id).collect();
    if let Some(p) = &policy {
        known.extend(
            p.tables
                .rules
                .iter()
                .flat_map(|c| &c.0)
                .map(|r| r.id.as_str()),
        );
        if let Some(v) = &p.tables.review {
            known.extend(v.require.iter().map(|r| r.id.as_str()));
        }
    }
    match crate::config::error::nearest(&id, known.iter().copied()) {
        Some(n) => bail!("unknown rule `{id}`; did you mean `{n}`?"),
        None => bail!("unknown rule `{id}` (`policy-check explain --list` lists every rule)"),
    }
}

/// What `explain ID` prints for a `[[review.require]]` entry of the policy.
fn review_require_text(r: &crate::rules::review::Require, policy: &Policy) -> String {
    use crate::rules::review::When;
    let mut conditions = vec![match r.when {
        When::Ai => "the commit shows AI involvement".to_string(),
        When::Agentic => "the commit shows an agentic AI tool acted".to_string(),
        When::Always => "any commit".to_string(),
    }];
    let (paths, exclude) = &r.globs;
    if !paths.is_empty() {
        conditions.push(format!("it changes a file matching {}", paths.join(", ")));
    }
    if !exclude.is_empty() {
        conditions.push(format!("(files matching {} left out)", exclude.join(", ")));
    }
    if let Some(a) = &r.added {
        conditions.push(format!("an added line matches `{}`", a.as_str()));
    }
    if let Some(n) = r.min_lines {
        conditions.push(format!("it adds more than {n} lines"));
    }
    let mut s = format!(
        "{} (`[[review.require]]` entry of policy `{}`, severity: {})\n",
        r.id,
        policy.name,
        policy.severity_of(&r.id, r.severity)
    );
    s.push_str(&format!(
        "\nWhat it checks:\n    when {}, the commit needs {}; a review trailer carrying an AI identity does not count\n",
        conditions.join(" and "),
        r.reviewers.describe()
    ));
    if let Some(m) = &r.message {
        s.push_str(&format!("\nMessage:\n    {m}\n"));
    }
    s.push_str(&format!("\nHow to fix:\n    {}\n", r.hint));
    s.push_str(&format!(
        "\nHow to suppress:\n    for one commit: an `[[exceptions]]` entry with `rule = \"{id}\"`, `commit = \"<id>\"` and a `reason`; on a server, a maintainer's `Policy-Exception: {id} <reason>` trailer; for the project: `[severity] {id} = \"off\"`\n",
        id = r.id
    ));
    s
}
