//! Checking many commits: the work per commit is independent, so it is
//! spread over all cores (one `Repository` per worker, since it is not
//! `Sync`), and results are handed to the reporter in commit order as soon as
//! they are ready, so findings stream out and memory stays flat.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use git2::{Oid, Repository};

use crate::engine::{self, Outcome};
use crate::git::{DiffOptions, Reader};
use crate::policy::Policy;
use crate::report::{Reporter, Summary};

/// How far ahead of the oldest unreported commit workers may run.
const WINDOW: usize = 512;

/// Commits a worker takes at a time.
const CHUNK: usize = 32;

/// Below this many commits, threads cost more than they save.
const PARALLEL_THRESHOLD: usize = 16;

/// When to show a progress line on stderr during long scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    /// Only when stderr is a terminal.
    Auto = 0,
    /// Always (pre-receive: git relays stderr to the pusher as `remote:` lines).
    Always = 1,
    Never = 2,
}

static PROGRESS: AtomicU8 = AtomicU8::new(ProgressMode::Auto as u8);

/// Sets when scans show progress (process-wide; hooks and commands set it once).
pub fn set_progress(mode: ProgressMode) {
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
}

impl Progress {
    fn new(total: usize) -> Progress {
        let enabled = match PROGRESS.load(Ordering::Relaxed) {
            1 => true,
            2 => false,
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
        }
    }

    fn tick(&mut self) {
        self.done += 1;
        if !self.enabled || self.start.elapsed() < self.delay {
            return;
        }
        if self
            .last
            .is_some_and(|l| l.elapsed() < Duration::from_millis(200))
        {
            return;
        }
        self.last = Some(Instant::now());
        // A closed stderr must not stop the scan (eprint! would panic).
        let _ = write!(
            std::io::stderr(),
            "\rpolicy-check: checked {} of {} commits",
            self.done,
            self.total
        );
    }

    fn finish(&self) {
        if self.last.is_some() {
            let _ = writeln!(
                std::io::stderr(),
                "\rpolicy-check: checked {} of {} commits in {:.1}s",
                self.done,
                self.total,
                self.start.elapsed().as_secs_f64()
            );
        }
    }
}

/// Options for the reader, from the policy.
pub fn diff_options(policy: &Policy) -> DiffOptions {
    DiffOptions {
        needs: policy.needs(),
        max_file_size: policy.scan.max_file_size,
        renames: policy.scan.renames,
        old_text: policy.old_text_paths().cloned(),
    }
}

/// Checks `oids` and reports their findings in order; returns the summary.
///
/// `open` opens the repository for a worker thread (hooks open it with the
/// push's quarantine visible).
pub fn scan<F>(
    open: F,
    oids: &[Oid],
    policy: &Policy,
    reporter: &mut dyn Reporter,
    summary: &mut Summary,
) -> Result<()>
where
    F: Fn() -> Result<Repository> + Sync,
{
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut progress = Progress::new(oids.len());
    if oids.len() < PARALLEL_THRESHOLD || threads == 1 {
        let repo = open()?;
        let reader = Reader::new(&repo, diff_options(policy), policy.scan.merge_diffs);
        for &oid in oids {
            let change = reader.read(oid)?;
            emit(
                oid,
                engine::check(policy, &change),
                reporter,
                summary,
                &mut progress,
            )?;
        }
        progress.finish();
        return Ok(());
    }

    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let emitted = (Mutex::new(0usize), Condvar::new());
    let (tx, rx) = mpsc::sync_channel::<(usize, Result<Outcome>)>(WINDOW);
    std::thread::scope(|s| -> Result<()> {
        for _ in 0..threads.min(oids.len()) {
            let tx = tx.clone();
            let (next, stop, emitted, open) = (&next, &stop, &emitted, &open);
            s.spawn(move || {
                let repo = match open() {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = tx.send((usize::MAX, Err(e)));
                        return;
                    }
                };
                let reader = Reader::new(&repo, diff_options(policy), policy.scan.merge_diffs);
                // Contiguous chunks keep a commit and its parent on one
                // worker, so the parent's trees are still in its cache.
                let mut chunk = 0..0;
                loop {
                    let i = match chunk.next() {
                        Some(i) => i,
                        None => {
                            let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                            chunk = start..(start + CHUNK).min(oids.len());
                            match chunk.next() {
                                Some(i) => i,
                                None => return,
                            }
                        }
                    };
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    // Back-pressure: do not run too far ahead of the reporter.
                    {
                        let (lock, cv) = emitted;
                        let mut done = lock.lock().unwrap_or_else(|e| e.into_inner());
                        while i >= *done + WINDOW && !stop.load(Ordering::Relaxed) {
                            done = cv.wait(done).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    let oid = oids[i];
                    let res = reader.read(oid).map(|c| engine::check(policy, &c));
                    if tx.send((i, res)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);

        let result = (|| -> Result<()> {
            let mut pending: BTreeMap<usize, Outcome> = BTreeMap::new();
            let mut want = 0usize;
            for (i, res) in rx.iter() {
                pending.insert(i, res?);
                while let Some(out) = pending.remove(&want) {
                    emit(oids[want], out, reporter, summary, &mut progress)?;
                    want += 1;
                    let (lock, cv) = &emitted;
                    *lock.lock().unwrap_or_else(|e| e.into_inner()) = want;
                    cv.notify_all();
                }
            }
            if want < oids.len() {
                return Err(anyhow!(
                    "the scan stopped after {want} of {} commits",
                    oids.len()
                ));
            }
            Ok(())
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
    for f in &out.findings {
        summary.add(f);
        reporter.finding(f)?;
    }
    reporter.commit_done(&oid.to_string())?;
    Ok(())
}
