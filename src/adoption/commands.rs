//! The commands of adopting and understanding a policy: `baseline write`,
//! the `--baseline` / `--explain-rollout` parts of `check`, `policy show`,
//! `policy schema`, `explain`, `completions` and `man`. `app` dispatches here.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::CommandFactory;

use super::baseline::{self, Baseline};
use super::rollout;
use super::Scope;
use crate::cli::{BaselineCommand, CheckArgs, Cli, ExplainArgs, Global};
use crate::cmd::common as app;
use crate::cmd::common::Exit;
use crate::diag::{Finding, Summary};
use crate::git::{self, Oid, Repository};
use crate::policy::{load, presets, schema, show, Policy, Run, Source};
use crate::report::shared::Reporter;
use crate::report::Format;
use crate::rules;

pub(crate) use crate::cmd::common::relative_to;

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
    for f in super::run_findings(run, scope.as_ref(), &relative_to(&root)) {
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

/// A path given on the command line, relative to `-C DIR` when there is one.
fn resolve_in(global: &Global, file: &Path) -> PathBuf {
    match &global.dir {
        Some(d) if file.is_relative() => d.join(file),
        _ => file.to_path_buf(),
    }
}

/// Every commit reachable from HEAD, newest first.
fn history(repo: &Repository) -> Result<Vec<Oid>> {
    if git::is_empty(repo) {
        bail!("the repository has no commits yet");
    }
    let mut walk = git::walk::Walk::new(repo)?;
    walk.push(git::peel_commit(repo, "HEAD")?)?;
    Ok(walk.run()?.order)
}

/// Collects findings (the reporter of `baseline write`).
#[derive(Default)]
struct Collect(Vec<Finding>);

impl Reporter for Collect {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        self.0.push(f.clone());
        Ok(())
    }

    fn finish(&mut self, _: &Summary) -> std::io::Result<()> {
        Ok(())
    }
}

/// `policy-check baseline …`.
pub(crate) fn baseline(cmd: BaselineCommand, global: &Global) -> Result<Exit> {
    match cmd {
        BaselineCommand::Write {
            revisions,
            all,
            output,
        } => {
            let repo = git::open(&app::workdir(global))?;
            let (policy, _) = app::select_policy(global, Some(&repo))?;
            let oids = if revisions.is_empty() && !all {
                history(&repo)?
            } else {
                git::resolve(&repo, &revisions, all)?
            };
            let mut collect = Collect::default();
            let mut summary = Summary::default();
            crate::source::range::scan(
                git::opener(&repo),
                &oids,
                &Run::new(&policy),
                &mut collect,
                &mut summary,
            )?;
            let entries = baseline::entries(&collect.0);
            let path = match output {
                Some(o) => resolve_in(global, &o),
                None => git::root(&repo).join(baseline::DEFAULT_FILE),
            };
            std::fs::write(&path, baseline::render(&entries))
                .with_context(|| format!("cannot write the baseline {}", path.display()))?;
            println!(
                "policy-check: wrote {} ({} in {}) to {}",
                crate::report::shared::count(entries.len(), "entry"),
                crate::report::shared::count(collect.0.len(), "finding"),
                crate::report::shared::count(oids.len(), "commit"),
                path.display()
            );
            Ok(Exit::Passed)
        }
    }
}

/// The policy source a `policy show|validate` without FILE uses.
fn source_for(global: &Global, file: Option<&Path>) -> Result<Source> {
    if let Some(f) = file {
        return Source::file(f).map_err(anyhow::Error::new);
    }
    if let Some(p) = &global.policy {
        return Source::file(p).map_err(anyhow::Error::new);
    }
    let repo = git::open(&app::workdir(global)).ok();
    if let Some(p) = repo
        .as_ref()
        .and_then(git::repo::work_tree)
        .map(|w| w.join(app::POLICY_FILE))
        .filter(|p| p.exists())
    {
        return Source::file(&p).map_err(anyhow::Error::new);
    }
    if let Some(p) = repo
        .as_ref()
        .and_then(|r| git::repo::config_path(r, "policy-check.policy"))
    {
        let p = if p.is_absolute() {
            p
        } else {
            repo.as_ref().map(git::root).unwrap_or_default().join(p)
        };
        return Source::file(&p).map_err(anyhow::Error::new);
    }
    Source::preset(presets::DEFAULT).map_err(anyhow::Error::new)
}

/// `policy-check policy show [FILE]`.
pub(crate) fn policy_show(file: Option<&Path>, global: &Global) -> Result<Exit> {
    let src = source_for(global, file)?;
    let merged = load::load(src).map_err(anyhow::Error::new)?;
    // Validate too: showing a policy that would not load would mislead.
    Policy::load(merged.sources[merged.sources.len() - 1].clone()).map_err(anyhow::Error::new)?;
    let root = git::open(&app::workdir(global))
        .map(|r| git::root(&r))
        .unwrap_or_else(|_| app::workdir(global));
    print!("{}", show::render(&merged, &relative_to(&root)));
    Ok(Exit::Passed)
}

/// `policy-check policy schema`.
pub(crate) fn policy_schema() -> Result<Exit> {
    print!("{}", schema::text());
    Ok(Exit::Passed)
}

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

/// `policy-check completions SHELL`.
pub(crate) fn completions(shell: clap_complete::Shell) -> Result<Exit> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "policy-check", &mut std::io::stdout());
    Ok(Exit::Passed)
}

/// `policy-check man [--dir DIR]`: the manual page (roff) on stdout, or,
/// with a directory, `policy-check.1` and one page per subcommand
/// (`policy-check-check.1`, …) written there.
pub(crate) fn man(dir: Option<&Path>) -> Result<Exit> {
    let cmd = Cli::command();
    let Some(dir) = dir else {
        clap_mangen::Man::new(cmd).render(&mut std::io::stdout().lock())?;
        return Ok(Exit::Passed);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pages = vec![("policy-check".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("policy-check-{}", sub.get_name());
        // clap takes `&'static str` names (without its `string` feature);
        // a handful of short strings in a one-shot command.
        let leaked: &'static str = Box::leak(name.clone().into_boxed_str());
        let page = sub.clone().name(leaked);
        pages.push((name, page));
    }
    for (name, page) in pages {
        let path = dir.join(format!("{name}.1"));
        let mut buf = Vec::new();
        clap_mangen::Man::new(page).render(&mut buf)?;
        std::fs::write(&path, buf).with_context(|| format!("cannot write {}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(Exit::Passed)
}
