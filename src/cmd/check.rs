//! `policy-check check`: a range, the index or a message, against the policy.

use std::io::{IsTerminal, Write};

use anyhow::Result;

use crate::cli::{CheckArgs, Global};
use crate::diag::Summary;
use crate::engine;
use crate::git;
use crate::message::{self, CleanupMode, Message};
use crate::model::Change;
use crate::policy::Run;
use crate::report::{self, Format};

use super::common::*;
use std::path::PathBuf;

use anyhow::bail;

use crate::adoption::baseline::Baseline;
use crate::adoption::{rollout, Scope};
use crate::git::{Oid, Repository};
use crate::policy::Policy;
use crate::report::shared::Reporter;

fn reporter_for<'w>(
    format: Format,
    global: &Global,
    out: Box<dyn Write + 'w>,
    tty: bool,
) -> Box<dyn report::Reporter + 'w> {
    report::reporter(format, out, use_color(global.color, tty))
}

/// `policy-check check`: a bare message (`--message-file`, with
/// `--staged` the pre-check), the policy's staged severities
/// (`--explain-rollout`), or commits (a range, lone revisions, `--all`,
/// `--history`), reported in the chosen format. `Violated` when an error
/// finding remains (after `--baseline`); fails on a bad revision, policy or
/// baseline.
pub(crate) fn check(args: CheckArgs, global: &Global) -> Result<Exit> {
    let dir = workdir(global);
    let stdout = std::io::stdout();
    let tty = stdout.is_terminal();
    let mut summary = Summary::default();

    if let (Some(file), true) = (&args.message_file, args.staged) {
        return crate::precheck::run(file, &args, global);
    }
    if let Some(file) = &args.message_file {
        let repo = git::open(&dir).ok();
        let (policy, _) = select_policy(global, repo.as_ref())?;
        let raw = read_input(file)?;
        let comment =
            message::comment_string(repo.as_ref().and_then(git::comment_config).as_deref(), &raw);
        let cleaned = message::cleanup(&raw, CleanupMode::Strip, &comment, true);
        let change = Change {
            message: Some(Message::parse(&cleaned, None, &comment)),
            ..Change::default()
        };
        let run = Run::new(&policy);
        let outcome = engine::check(&run, &change);
        let mut rep = reporter_for(args.format, global, Box::new(stdout.lock()), tty);
        summary.commits = 1;
        summary.suppressed = outcome.suppressed;
        for f in &outcome.findings {
            summary.add(f);
            rep.finding(f)?;
        }
        finish_check(&run, None, &[], rep.as_mut(), &mut summary)?;
        rep.finish(&summary)?;
        return Ok(Exit::from_summary(&summary));
    }

    let repo = git::open(&dir)?;
    let (policy, _) = select_policy(global, Some(&repo))?;
    let baseline = baseline_of(&args, global)?;
    let specs = if args.revisions.is_empty() && !args.all {
        vec!["HEAD".to_string()]
    } else {
        args.revisions.clone()
    };
    let range = git::history_range(&repo, &specs, args.all, args.history)?;
    if args.explain_rollout {
        let oids = match range {
            git::Range::Listed(oids) => oids,
            git::Range::Walk(w) => w.run()?.order,
        };
        return explain_rollout(policy, baseline, &repo, &oids, args.format);
    }
    let run = Run::new(&policy).with_baseline(baseline);
    let mut rep = reporter_for(args.format, global, Box::new(stdout.lock()), tty);
    let oids = match crate::source::range::scan_range(
        git::opener(&repo),
        range,
        &run,
        rep.as_mut(),
        &mut summary,
    ) {
        Ok(oids) => oids,
        Err(e) => {
            // The error goes to stderr (exit status 2); a document format
            // still ends its document, saying the run failed.
            let _ = rep.fail(&summary, &format!("{e:#}"));
            return Err(e);
        }
    };
    tracing::info!(
        "checked {}",
        crate::report::shared::count(oids.len(), "commit")
    );
    finish_check(&run, Some(&repo), &oids, rep.as_mut(), &mut summary)?;
    rep.finish(&summary)?;
    Ok(Exit::from_summary(&summary))
}

/// `check --baseline FILE`: the baseline whose findings the run excuses.
pub(crate) fn baseline_of(args: &CheckArgs, global: &Global) -> Result<Option<Baseline>> {
    args.baseline
        .as_ref()
        .map(|file| Baseline::read(&resolve_in(global, file)))
        .transpose()
}

/// `check` after the scan: reports expired and unused exceptions and stale
/// baseline entries, and counts the baselined findings.
pub(crate) fn finish_check(
    run: &Run<'_>,
    repo: Option<&Repository>,
    oids: &[Oid],
    reporter: &mut dyn Reporter,
    summary: &mut Summary,
) -> Result<()> {
    let root = repo.map(git::root).unwrap_or_else(|| PathBuf::from("."));
    let scope = repo.map(|r| Scope::of(r, oids));
    for f in crate::adoption::run_findings(run, scope.as_ref(), &relative_to(&root)) {
        summary.add(&f);
        reporter.finding(&f)?;
    }
    if let Some(b) = run.baseline() {
        summary.baselined = b.covered();
    }
    Ok(())
}

/// `check --explain-rollout`: scans the commits with every rule at its final
/// severity and prints what each staged severity will change, and when.
pub(crate) fn explain_rollout(
    policy: Policy,
    baseline: Option<Baseline>,
    repo: &Repository,
    oids: &[Oid],
    format: Format,
) -> Result<Exit> {
    let today = policy.today;
    let mut counter = rollout::Counter::default();
    let mut summary = Summary::default();
    let run = Run::new(&policy)
        .with_baseline(baseline)
        .judged_on(rollout::FAR_FUTURE);
    crate::source::range::scan(git::opener(repo), oids, &run, &mut counter, &mut summary)?;
    let steps = rollout::steps(&policy, today, &counter.0);
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => rollout::render_json(&mut out, &steps, today, oids.len())?,
        Format::Text => rollout::render_text(&mut out, &steps, today, oids.len())?,
        other => bail!(
            "--explain-rollout prints text or json, not {}",
            format!("{other:?}").to_lowercase()
        ),
    }
    Ok(Exit::Passed)
}
