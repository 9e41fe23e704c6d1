//! `policy-check report`: a project's AI use and policy health at a glance.
//!
//! One walk of the history, at the speed of a message-only `check`: every
//! commit is read for its message and identities only (no tree is read but
//! for AI-involved commits, whose changed paths are listed), its AI traces
//! detected, and the policy's message rules run. The numbers are summed per
//! period (month, or ISO week for ranges shorter than 90 days) and rendered
//! as text (with a sparkline), JSON, or a self-contained HTML page.
//! Reports of several repositories merge (`--merge a.json b.json`).

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};

use anyhow::{bail, Context, Result};

use crate::ai::{Seen, Signal};
use crate::cli::{Global, ReportArgs, ReportFormat};
use crate::cmd::common::{select_policy, workdir, Exit};
use crate::engine;
use crate::git::{self, diff::DiffOptions, Oid, Reader, Repository};
use crate::identity::Reviewers;
use crate::model::Needs;
use crate::policy::{Policy, Run};

mod html;
mod model;
pub(crate) mod text;

pub(crate) use model::{Counts, Listed, RepoReport, Report};

/// Version of the JSON document (`--format json`, read back by `--merge`).
const SCHEMA_VERSION: u32 = 1;

/// How many undisclosed AI-involved commits the report lists by name.
const LISTED: usize = 200;

/// What one commit contributes. Compact: most commits are not
/// AI-involved and break no rule, and add only their date.
struct One {
    /// Position in the walk (orders commits of the same second).
    seq: usize,
    oid: Oid,
    time: i64,
    /// Family of each finding of the policy's message rules.
    findings: Vec<&'static str>,
    ai: Option<Box<AiPart>>,
}

/// What an AI-involved commit adds.
struct AiPart {
    counts: Counts,
    listed: Option<Listed>,
    /// Directories it touches (with `--paths`).
    dirs: Vec<String>,
}

/// `policy-check report`.
pub(crate) fn run(args: &ReportArgs, global: &Global) -> Result<Exit> {
    let report = if args.merge.is_empty() {
        build(args, global)?
    } else {
        merge(&args.merge)?
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        ReportFormat::Html => out.write_all(html::render(&report).as_bytes())?,
        ReportFormat::Text => {
            let color =
                crate::cmd::common::use_color(global.color, std::io::stdout().is_terminal());
            text::render(&report, &mut out, color)?
        }
    }
    out.flush()?;
    Ok(Exit::Passed)
}

/// Reads reports written with `--format json` and puts them on one page.
fn merge(files: &[std::path::PathBuf]) -> Result<Report> {
    let mut all = Report {
        schema_version: SCHEMA_VERSION,
        ..Report::default()
    };
    for f in files {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("cannot read the report {}", f.display()))?;
        let r: Report = serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a policy-check report (write one with `policy-check report --format json`)",
                f.display()
            )
        })?;
        if r.schema_version != SCHEMA_VERSION {
            bail!(
                "{}: report schema_version {} is not supported (expected {SCHEMA_VERSION})",
                f.display(),
                r.schema_version
            );
        }
        if all.period.is_empty() {
            all.period = r.period.clone();
        } else if all.period != r.period {
            bail!(
                "{}: its periods are {}s, the others' {}s; write every report with the same --period",
                f.display(),
                r.period,
                all.period
            );
        }
        all.repositories.extend(r.repositories);
    }
    Ok(all)
}

/// Walks the range once and sums what each commit contributes.
fn build(args: &ReportArgs, global: &Global) -> Result<Report> {
    let repo = git::open(&workdir(global))?;
    let (policy, origin) = select_policy(global, Some(&repo))?;
    tracing::info!("report: policy `{}` ({origin})", policy.name);
    let specs = if args.revisions.is_empty() && !args.all {
        vec!["HEAD".to_string()]
    } else {
        args.revisions.clone()
    };
    // A lone revision is its history here: a report of one commit says nothing.
    let range = git::history_range(&repo, &specs, args.all, true)?;
    let ones = read_all(&repo, range, &Run::new(&policy), args.paths)?;
    let span = match (
        ones.iter().map(|o| o.time).min(),
        ones.iter().map(|o| o.time).max(),
    ) {
        (Some(a), Some(b)) => b - a,
        _ => 0,
    };
    let weekly = match args.period.as_deref() {
        Some("week") => true,
        Some("month") => false,
        Some(other) => bail!("--period {other}: expected `month` or `week`"),
        None => span < 90 * 86_400,
    };
    let mut r = RepoReport {
        name: args.name.clone().unwrap_or_else(|| repo_name(&repo)),
        policy: policy.name.clone(),
        commit_url: args.commit_url.clone().or_else(|| commit_url(&repo)),
        ..RepoReport::default()
    };
    // Every period between the first and the last commit, so that a quiet
    // month is a gap in the charts rather than missing from them.
    if let (Some(a), Some(b)) = (
        ones.iter().map(|o| o.time).min(),
        ones.iter().map(|o| o.time).max(),
    ) {
        let mut day = a.div_euclid(86_400);
        while day <= b.div_euclid(86_400) {
            r.periods
                .entry(period_key(day * 86_400, weekly))
                .or_default();
            day += 1;
        }
    }
    // Sums per day first (most commits add one to `commits` and nothing
    // else), then per period.
    let mut days: BTreeMap<i64, Counts> = BTreeMap::new();
    let mut listed: Vec<(i64, usize, Listed)> = Vec::new();
    let mut paths: HashMap<String, usize> = HashMap::new();
    for o in ones {
        let c = days.entry(o.time.div_euclid(86_400)).or_default();
        c.commits += 1;
        for family in o.findings {
            match c.findings.get_mut(family) {
                Some(n) => *n += 1,
                None => {
                    c.findings.insert(family.to_string(), 1);
                }
            }
        }
        let Some(ai) = o.ai else { continue };
        c.add(&ai.counts);
        if let Some(l) = ai.listed {
            listed.push((o.time, o.seq, l));
        }
        for d in ai.dirs {
            *paths.entry(d).or_default() += 1;
        }
    }
    for (day, c) in days {
        r.periods
            .entry(period_key(day * 86_400, weekly))
            .or_default()
            .add(&c);
        r.totals.add(&c);
    }
    let mut top: Vec<(String, usize)> = paths.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(15);
    r.top_paths = top;
    // Newest first; commits of the same second in the walk's order.
    listed.sort_by_key(|l| (std::cmp::Reverse(l.0), l.1));
    r.undisclosed = listed.into_iter().take(LISTED).map(|(_, _, l)| l).collect();
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        period: if weekly { "week" } else { "month" }.to_string(),
        repositories: vec![r],
    })
}

/// Reader options: message only, or the list of changed files (no contents).
fn options(policy: &Policy, files: bool) -> DiffOptions {
    DiffOptions {
        needs: Needs {
            files,
            lines: false,
        },
        max_file_size: policy.scan.max_file_size,
        renames: policy.scan.renames,
        old_text: None,
        old_text_when: None,
        moves: false,
    }
}

/// Commits the walk hands to a worker at a time.
const CHUNK: usize = 64;

/// Batches that may wait for a worker; past them, the walking thread
/// reads a batch itself.
const FEED_BATCHES: usize = 32;

/// A batch of commits the walk found: position, id, and bytes when the walk read them.
type Batch = Vec<(usize, Oid, Option<std::sync::Arc<Vec<u8>>>)>;

/// Reads and judges every commit of the range while the walk runs, as
/// `check` does ([`crate::source::range::scan_range`]): the walking thread hands
/// batches of the commits it finds (with the bytes it read, so no commit is
/// inflated twice) to the other threads, and reads a batch itself when
/// they are behind and once the walk is over. The report needs no order:
/// nothing waits to be reported, and only the commits the walk shows in the
/// end are kept (a commit found early may be hidden later by clock skew).
fn read_all(
    repo: &Repository,
    range: git::Range,
    policy: &Run<'_>,
    paths: bool,
) -> Result<Vec<One>> {
    let walk = match range {
        git::Range::Listed(oids) => {
            let worker = Worker::new(repo, policy, paths);
            let mut out = Vec::with_capacity(oids.len());
            for (seq, oid) in oids.into_iter().enumerate() {
                out.push(worker.one(seq, oid, None)?);
            }
            return Ok(out);
        }
        git::Range::Walk(w) => w,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let path = git::repo::git_dir(repo).to_path_buf();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(FEED_BATCHES);
    let rx = std::sync::Mutex::new(rx);
    let (mut out, shown) = std::thread::scope(|s| -> Result<(Vec<One>, Vec<Oid>)> {
        let workers: Vec<_> = (1..threads)
            .map(|_| {
                let (rx, path) = (&rx, &path);
                s.spawn(move || -> Result<Vec<One>> {
                    let repo = git::repo::reopen_named(path)?;
                    let worker = Worker::new(&repo, policy, paths);
                    let mut out = Vec::new();
                    loop {
                        let batch = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        let Ok(batch) = batch else {
                            return Ok(out);
                        };
                        worker.batch(batch, &mut out)?;
                    }
                })
            })
            .collect();
        let worker = Worker::new(repo, policy, paths);
        let mut out = Vec::new();
        let mut failed: Option<anyhow::Error> = None;
        let mut batch = Vec::with_capacity(CHUNK);
        let mut seq = 0usize;
        let walked = walk.run_with(|oid, data| {
            batch.push((seq, oid, data.cloned()));
            seq += 1;
            if batch.len() < CHUNK || failed.is_some() {
                return;
            }
            let full = std::mem::replace(&mut batch, Vec::with_capacity(CHUNK));
            // With no other thread, or all of them busy, this one reads it.
            let full = if threads > 1 {
                match tx.try_send(full) {
                    Ok(()) => return,
                    Err(std::sync::mpsc::TrySendError::Full(b))
                    | Err(std::sync::mpsc::TrySendError::Disconnected(b)) => b,
                }
            } else {
                full
            };
            if let Err(e) = worker.batch(full, &mut out) {
                failed = Some(e);
            }
        });
        // What is left is shared by every thread, this one included. With
        // the sender gone, a worker waiting for a batch (holding the lock)
        // returns as soon as the queue is empty.
        drop(tx);
        let mut rest = Ok(());
        if failed.is_none() && walked.is_ok() {
            rest = worker.batch(std::mem::take(&mut batch), &mut out);
            while rest.is_ok() {
                let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok(b) = next else { break };
                rest = worker.batch(b, &mut out);
            }
        }
        for w in workers {
            let r = w
                .join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("a report worker stopped")));
            out.extend(r?);
        }
        if let Some(e) = failed {
            return Err(e);
        }
        let shown = walked?.order;
        rest?;
        Ok((out, shown))
    })?;
    if out.len() != shown.len() {
        let keep: std::collections::HashSet<Oid> = shown.into_iter().collect();
        out.retain(|o| keep.contains(&o.oid));
    }
    Ok(out)
}

/// One thread's readers: the message, and with `--paths` the changed files.
struct Worker<'r> {
    policy: &'r Run<'r>,
    messages: Reader<'r>,
    files: Option<Reader<'r>>,
}

impl<'r> Worker<'r> {
    fn new(repo: &'r Repository, policy: &'r Run<'r>, paths: bool) -> Worker<'r> {
        Worker {
            policy,
            messages: Reader::new(repo, options(policy, false), false),
            files: paths.then(|| Reader::new(repo, options(policy, true), false)),
        }
    }

    fn batch(&self, batch: Batch, out: &mut Vec<One>) -> Result<()> {
        for (seq, oid, data) in batch {
            out.push(self.one(seq, oid, data.as_deref())?);
        }
        Ok(())
    }

    /// Reads and judges one commit (`data`: its bytes, when the walk read them).
    fn one(&self, seq: usize, oid: Oid, data: Option<&Vec<u8>>) -> Result<One> {
        let policy = self.policy;
        let change = match data {
            Some(d) => self.messages.read_commit(oid, d)?,
            None => self.messages.read(oid)?,
        };
        let time = change
            .committer
            .as_ref()
            .or(change.author.as_ref())
            .map_or(0, |i| i.time);
        // Detected once, for the report and the policy's rules alike.
        let signals: Vec<Signal> = engine::detect(policy, &change);
        // Message rules only: a file rule sees no files here.
        let outcome = engine::check_detected(policy, &change, &signals);
        let findings = outcome
            .findings
            .iter()
            .map(|f| crate::rules::find(&f.rule).map_or("custom", |r| r.family))
            .collect();
        let mut one = One {
            seq,
            oid,
            time,
            findings,
            ai: None,
        };
        if signals.is_empty() {
            return Ok(one);
        }
        let mut c = Counts {
            ai: 1,
            ..Counts::default()
        };
        let mut tools: Vec<String> = signals
            .iter()
            .map(|s| s.tool.clone().unwrap_or_else(|| "an AI tool".to_string()))
            .collect();
        tools.sort();
        tools.dedup();
        // A named tool makes "an AI tool" redundant.
        if tools.len() > 1 {
            tools.retain(|t| t != "an AI tool");
        }
        for t in &tools {
            c.by_tool.insert(t.clone(), 1);
        }
        for s in &signals {
            if let Some(m) = &s.model {
                c.by_model.insert(model_family(m), 1);
            }
            c.by_kind.insert(kind(s).to_string(), 1);
        }
        let has = |rule: &str| outcome.findings.iter().any(|f| f.rule == rule);
        let state = if has("disclosure-format") {
            c.malformed = 1;
            Some("malformed")
        } else if has("disclosure-missing") || !signals.iter().any(|s| s.disclosure) {
            c.undisclosed = 1;
            Some("undisclosed")
        } else {
            c.disclosed = 1;
            None
        };
        if Reviewers::default().review(&change).is_some() {
            c.reviewed = 1;
        }
        let listed = state.map(|state| Listed {
            id: oid.to_string(),
            date: crate::date::format(time.div_euclid(86_400)),
            subject: change
                .message
                .as_ref()
                .map(|m| crate::report::text::truncate(&m.subject, 100))
                .unwrap_or_default(),
            tools: tools.clone(),
            state: state.to_string(),
        });
        // Where AI-involved changes land: the directories they touch.
        let mut dirs = Vec::new();
        if let (false, Some(files)) = (change.is_merge, &self.files) {
            let with_files = files.read(oid)?;
            dirs = with_files
                .files()
                .iter()
                .map(|f| match f.path.rsplit_once('/') {
                    Some((dir, _)) => format!("{dir}/"),
                    None => f.path.clone(),
                })
                .collect();
            dirs.sort();
            dirs.dedup();
        }
        one.ai = Some(Box::new(AiPart {
            counts: c,
            listed,
            dirs,
        }));
        Ok(one)
    }
}

/// The kind of an AI trace, for the report's breakdown.
fn kind(s: &Signal) -> &'static str {
    if s.disclosure {
        return "disclosure";
    }
    match &s.seen {
        Seen::Trailer { key, .. } | Seen::Line { key, .. }
            if key.eq_ignore_ascii_case("co-authored-by") =>
        {
            "co-author"
        }
        Seen::Trailer { .. } | Seen::Line { .. } => "trailer",
        Seen::Body { .. } if s.prose => "prose",
        Seen::Body { .. } => "footer",
        Seen::Author { .. } | Seen::Committer { .. } => "identity",
        Seen::Subject { .. } => "subject",
    }
}

/// A model's family: its name without version (`Opus 4.5` -> `opus`,
/// `gpt-4o` -> `gpt`, `claude-sonnet-4` -> `claude-sonnet`).
fn model_family(model: &str) -> String {
    let slug = crate::ai::model_slug(model);
    let mut parts: Vec<&str> = Vec::new();
    for p in slug.split(['-', ' ', '_', '/']) {
        if p.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            break;
        }
        parts.push(p);
    }
    let family = parts.join("-");
    if family.is_empty() {
        "other".to_string()
    } else {
        family
    }
}

/// `2026-03` (month) or `2026-W11` (ISO week) of a time in seconds, UTC.
fn period_key(time: i64, weekly: bool) -> String {
    let days = time.div_euclid(86_400);
    let date = crate::date::format(days);
    if !weekly {
        return date[..7].to_string();
    }
    // ISO week: the week (Monday first) holding the Thursday of this one.
    let weekday = (days + 3).rem_euclid(7); // 0 = Monday
    let thursday = days - weekday + 3;
    let year: i64 = crate::date::format(thursday)[..4].parse().unwrap_or(1970);
    let jan1 = crate::date::days_from_civil(year, 1, 1);
    let week = (thursday - jan1) / 7 + 1;
    format!("{year}-W{week:02}")
}

/// The repository's directory name.
fn repo_name(repo: &Repository) -> String {
    let root = git::root(repo);
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.strip_suffix(".git").unwrap_or(&name).to_string()
}

/// `https://host/owner/repo/commit/{id}` from an `origin` on a known forge.
fn commit_url(repo: &Repository) -> Option<String> {
    let url = git::repo::remote_url(repo, "origin")?;
    let web = if let Some(rest) = url.strip_prefix("git@") {
        let (host, path) = rest.split_once(':')?;
        format!("https://{host}/{path}")
    } else if url.starts_with("https://") {
        url
    } else {
        return None;
    };
    let web = web
        .strip_suffix(".git")
        .unwrap_or(&web)
        .trim_end_matches('/');
    let host = web.strip_prefix("https://")?.split('/').next()?;
    if host.contains("gitlab") {
        Some(format!("{web}/-/commit/{{id}}"))
    } else if host.contains("github") || host.contains("gitea") || host.contains("codeberg") {
        Some(format!("{web}/commit/{{id}}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_model_families() {
        // 2026-01-01 is a Thursday: ISO week 1 of 2026.
        let jan1 = crate::date::days_from_civil(2026, 1, 1) * 86_400;
        assert_eq!(period_key(jan1, false), "2026-01");
        assert_eq!(period_key(jan1, true), "2026-W01");
        // 2027-01-01 is a Friday: it belongs to week 53 of 2026.
        let y27 = crate::date::days_from_civil(2027, 1, 1) * 86_400;
        assert_eq!(period_key(y27, true), "2026-W53");
        assert_eq!(model_family("Opus 4.5"), "opus");
        assert_eq!(model_family("gpt-4o"), "gpt");
        assert_eq!(model_family("claude-sonnet-4"), "claude-sonnet");
        assert_eq!(model_family("4.1"), "other");
    }
}
