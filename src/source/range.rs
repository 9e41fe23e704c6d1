//! Checking many commits: the work per commit is independent, so it is
//! spread over all cores (one `Repository` per worker, since it is not
//! `Sync`), and results are handed to the reporter in commit order as soon as
//! they are ready, so findings stream out and memory stays flat.

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Result};

use crate::diag::Summary;
use crate::engine;
use crate::git::{self, DiffOptions, Oid, Reader, Repository};
use crate::policy::{Policy, Run};
use crate::report::shared::Reporter;
use crate::rules::sink::Outcome;

/// How far ahead of the oldest unreported commit workers may run.
const WINDOW: usize = 512;

/// Commits a worker takes at a time.
const CHUNK: usize = 32;

/// Below this many commits, threads cost more than they save.
const PARALLEL_THRESHOLD: usize = 16;

/// When to show a progress line on stderr during long scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProgressMode {
    /// Only when stderr is a terminal.
    Auto = 0,
    /// Always (pre-receive: git relays stderr to the pusher as `remote:` lines).
    Always = 1,
}

static PROGRESS: AtomicU8 = AtomicU8::new(ProgressMode::Auto as u8);

/// Sets when scans show progress (process-wide; hooks and commands set it once).
pub(crate) fn set_progress(mode: ProgressMode) {
    PROGRESS.store(mode as u8, Ordering::Relaxed);
}

/// A "checked N of M commits" line on stderr for scans longer than a second,
/// redrawn at most five times a second.
struct Progress {
    start: Instant,
    last: Option<Instant>,
    done: usize,
    total: usize,
    enabled: bool,
    /// How long a scan runs before progress shows (1 s; tests set
    /// `POLICY_CHECK_PROGRESS_DELAY_MS`).
    delay: Duration,
    /// Width of the line on screen now (0: none), so that it can be wiped
    /// before a finding is printed on the same terminal.
    shown: usize,
}

impl Progress {
    fn new(total: usize) -> Progress {
        let enabled = match PROGRESS.load(Ordering::Relaxed) {
            1 => true,
            _ => std::io::stderr().is_terminal(),
        };
        Progress {
            start: Instant::now(),
            last: None,
            done: 0,
            total,
            enabled,
            delay: Duration::from_millis(
                std::env::var("POLICY_CHECK_PROGRESS_DELAY_MS")
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1000),
            ),
            shown: 0,
        }
    }

    /// Draws `line` over the current one. A closed stderr must not stop
    /// the scan (eprint! would panic), so write errors are ignored.
    fn draw(&mut self, line: &str) {
        let _ = write!(std::io::stderr(), "\r{line}");
        self.shown = line.len();
    }

    /// Wipes the progress line, so that what follows starts on a clean
    /// line; the next tick draws it again below.
    fn clear(&mut self) {
        if self.shown > 0 {
            let _ = write!(std::io::stderr(), "\r{:1$}\r", "", self.shown);
            self.shown = 0;
        }
    }

    /// Whether to draw now: after the delay, at most five times a second.
    fn due(&mut self) -> bool {
        if !self.enabled || self.start.elapsed() < self.delay {
            return false;
        }
        if self
            .last
            .is_some_and(|l| l.elapsed() < Duration::from_millis(200))
        {
            return false;
        }
        self.last = Some(Instant::now());
        true
    }

    /// A commit the walk found (before the number to check is known).
    fn found(&mut self, n: usize) {
        if self.due() {
            self.draw(&format!(
                "policy-check: walking the range, {} so far   ",
                crate::report::shared::count(n, "commit")
            ));
        }
    }

    fn tick(&mut self) {
        self.done += 1;
        if !self.due() {
            return;
        }
        let line = format!(
            "policy-check: checked {} of {} commits   ",
            self.done, self.total
        );
        self.draw(&line);
    }

    fn finish(&mut self) {
        if self.last.is_some() {
            self.clear();
            let _ = writeln!(
                std::io::stderr(),
                "policy-check: checked {} of {} commits in {:.1}s",
                self.done,
                self.total,
                self.start.elapsed().as_secs_f64()
            );
        }
    }
}

/// Options for the reader, from the policy.
pub(crate) fn diff_options(policy: &Policy) -> DiffOptions {
    DiffOptions {
        needs: policy.needs(),
        max_file_size: policy.scan.max_file_size,
        renames: policy.scan.renames,
        old_text: policy.old_text_paths().cloned(),
        old_text_when: policy
            .tables
            .unsafe_code
            .as_ref()
            .map(crate::rules::rust_safety::Compiled::old_text_when),
        moves: policy.scan.moves,
    }
}

/// Runs the policy over one commit's change; files too large to have been
/// read are then checked chunk by chunk (see [`crate::source::large`]).
pub(crate) fn check(
    reader: &Reader,
    run: &Run<'_>,
    change: &crate::model::Change,
) -> Result<Outcome> {
    let mut out = engine::check(run, change);
    crate::source::large::check(reader, run, change, &mut out)?;
    Ok(out)
}

/// Checks `oids` and reports their findings in order; returns the summary.
///
/// `open` opens the repository for a worker thread (hooks open it with the
/// push's quarantine visible).
pub(crate) fn scan<F>(
    open: F,
    oids: &[Oid],
    run: &Run<'_>,
    reporter: &mut dyn Reporter,
    summary: &mut Summary,
) -> Result<()>
where
    F: Fn() -> Result<Repository> + Sync,
{
    let progress = Progress::new(oids.len());
    ordered(
        &open,
        oids,
        Early::default(),
        run,
        reporter,
        summary,
        progress,
    )
}

/// Checks the commits of a range, as [`scan`] does, and returns them in
/// order. A walk's order is known only once it ends, but checks need no
/// order: workers check the commits the walk finds while it runs, and the
/// outcomes wait to be reported in order.
pub(crate) fn scan_range<F>(
    open: F,
    range: git::Range,
    run: &Run<'_>,
    reporter: &mut dyn Reporter,
    summary: &mut Summary,
) -> Result<Vec<Oid>>
where
    F: Fn() -> Result<Repository> + Sync,
{
    let walk = match range {
        git::Range::Listed(oids) => {
            scan(open, &oids, run, reporter, summary)?;
            return Ok(oids);
        }
        git::Range::Walk(w) => w,
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads == 1 {
        let oids = walk.run()?.order;
        scan(open, &oids, run, reporter, summary)?;
        return Ok(oids);
    }
    let (tx, rx) = mpsc::sync_channel::<Vec<(Oid, Option<Arc<Vec<u8>>>)>>(FEED_BATCHES);
    let rx = Mutex::new(rx);
    let early = Mutex::new(Early::default());
    let held = AtomicUsize::new(0);
    let walked_all = AtomicBool::new(false);
    // The second of delay before progress shows counts from here.
    let mut progress = Progress::new(0);
    let oids = std::thread::scope(|s| -> Result<Vec<Oid>> {
        // The walk keeps one core busy; the others check what it finds.
        for _ in 0..threads - 1 {
            let (rx, early, held, open, walked_all) = (&rx, &early, &held, &open, &walked_all);
            s.spawn(move || {
                let Ok(repo) = open() else {
                    return; // the ordered pass reports it
                };
                let reader = Reader::new(&repo, diff_options(run), run.scan.merge_diffs);
                let mut done = Vec::new();
                // Once the walk is over, what is still queued is left to the
                // ordered pass, which has every core.
                while !walked_all.load(Ordering::Relaxed) {
                    let batch = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok(batch) = batch else { break };
                    for (oid, data) in batch {
                        // Commits the graph answered for are read here, in
                        // parallel, not by the walk.
                        let change = match &data {
                            Some(d) => reader.read_commit(oid, d),
                            None => reader.read(oid),
                        };
                        let res = change.and_then(|c| check(&reader, run, &c));
                        if let Ok(out) = &res {
                            held.fetch_add(out.findings.len(), Ordering::Relaxed);
                        }
                        done.push((oid, res));
                    }
                }
                early.lock().unwrap_or_else(|e| e.into_inner()).extend(done);
            });
        }
        let mut batch = Vec::with_capacity(CHUNK);
        let mut found = 0usize;
        let walked = walk.run_with(|oid, data| {
            found += 1;
            progress.found(found);
            // Findings wait in memory until their turn: past a bound, the
            // rest are checked in order after the walk.
            if held.load(Ordering::Relaxed) > EARLY_FINDINGS {
                return;
            }
            batch.push((oid, data.cloned()));
            if batch.len() == CHUNK {
                // A full queue means the workers are behind: those commits
                // are checked after the walk instead.
                let _ = tx.try_send(std::mem::take(&mut batch));
            }
        });
        walked_all.store(true, Ordering::Relaxed);
        drop(tx);
        Ok(walked?.order)
    })?;
    let early = early.into_inner().unwrap_or_else(|e| e.into_inner());
    progress.total = oids.len();
    ordered(&open, &oids, early, run, reporter, summary, progress)?;
    Ok(oids)
}

/// Outcomes checked before their turn to be reported.
type Early = HashMap<Oid, Result<Outcome>>;

/// Batches of commits the walk hands to the workers that may wait.
const FEED_BATCHES: usize = 64;

/// How many findings checked early may wait to be reported.
const EARLY_FINDINGS: usize = 20_000;

/// Checks `oids`, but those in `early`, and reports all in order.
fn ordered<F>(
    open: &F,
    oids: &[Oid],
    mut early: Early,
    run: &Run<'_>,
    reporter: &mut dyn Reporter,
    summary: &mut Summary,
    mut progress: Progress,
) -> Result<()>
where
    F: Fn() -> Result<Repository> + Sync,
{
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let todo: Vec<bool> = oids.iter().map(|o| !early.contains_key(o)).collect();
    let left = todo.iter().filter(|&&t| t).count();
    if left < PARALLEL_THRESHOLD || threads == 1 {
        let repo = if left > 0 { Some(open()?) } else { None };
        let reader = repo
            .as_ref()
            .map(|r| Reader::new(r, diff_options(run), run.scan.merge_diffs));
        for &oid in oids {
            let out = match (early.remove(&oid), &reader) {
                (Some(out), _) => out?,
                (None, Some(r)) => check(r, run, &r.read(oid)?)?,
                (None, None) => bail!("commit {oid} is listed twice"),
            };
            emit(oid, out, reporter, summary, &mut progress)?;
        }
        progress.finish();
        return Ok(());
    }

    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let emitted = (Mutex::new(0usize), Condvar::new());
    type Batch = Vec<(usize, Result<Outcome>)>;
    let (tx, rx) = mpsc::sync_channel::<Batch>(WINDOW / CHUNK);
    std::thread::scope(|s| -> Result<()> {
        for _ in 0..threads.min(left) {
            let tx = tx.clone();
            let (next, stop, emitted, todo) = (&next, &stop, &emitted, &todo);
            s.spawn(move || {
                let repo = match open() {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = tx.send(vec![(usize::MAX, Err(e))]);
                        return;
                    }
                };
                let reader = Reader::new(&repo, diff_options(run), run.scan.merge_diffs);
                // Contiguous chunks keep a commit and its parent on one
                // worker, so the parent's trees are still in its cache.
                loop {
                    let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                    if start >= oids.len() || stop.load(Ordering::Relaxed) {
                        return;
                    }
                    // Back-pressure: do not run too far ahead of the reporter.
                    {
                        let (lock, cv) = emitted;
                        let mut done = lock.lock().unwrap_or_else(|e| e.into_inner());
                        while start + CHUNK >= *done + WINDOW && !stop.load(Ordering::Relaxed) {
                            done = cv.wait(done).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    let batch: Batch = (start..(start + CHUNK).min(oids.len()))
                        .filter(|&i| todo[i])
                        .map(|i| {
                            let res = reader.read(oids[i]).and_then(|c| check(&reader, run, &c));
                            (i, res)
                        })
                        .collect();
                    if !batch.is_empty() && tx.send(batch).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);

        let result = (|| -> Result<()> {
            let mut pending: BTreeMap<usize, Outcome> = BTreeMap::new();
            let mut want = 0usize;
            loop {
                while want < oids.len() {
                    let out = match early.remove(&oids[want]) {
                        Some(out) => out?,
                        None => match pending.remove(&want) {
                            Some(out) => out,
                            None => break,
                        },
                    };
                    emit(oids[want], out, reporter, summary, &mut progress)?;
                    want += 1;
                }
                let (lock, cv) = &emitted;
                *lock.lock().unwrap_or_else(|e| e.into_inner()) = want;
                cv.notify_all();
                if want == oids.len() {
                    return Ok(());
                }
                let Ok(batch) = rx.recv() else {
                    return Err(anyhow!(
                        "the scan stopped after {want} of {} commits",
                        oids.len()
                    ));
                };
                for (i, res) in batch {
                    pending.insert(i, res?);
                }
            }
        })();
        if result.is_err() {
            stop.store(true, Ordering::Relaxed);
            emitted.1.notify_all();
            // Drain so blocked workers can finish.
            for _ in rx.iter() {}
        }
        progress.finish();
        result
    })
}

fn emit(
    oid: Oid,
    out: Outcome,
    reporter: &mut dyn Reporter,
    summary: &mut Summary,
    progress: &mut Progress,
) -> Result<()> {
    summary.commits += 1;
    progress.tick();
    summary.suppressed += out.suppressed;
    if !out.findings.is_empty() {
        progress.clear();
    }
    for f in &out.findings {
        summary.add(f);
        reporter.finding(f)?;
    }
    reporter.commit_done(&oid.to_string())?;
    Ok(())
}
