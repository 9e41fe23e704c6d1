//! Baselines: the findings a repository already had when it adopted the
//! policy, recorded so that `check --baseline FILE` reports only new ones.
//!
//! An entry is keyed by content, not by line: rule id, commit, and a hash of
//! the finding's path and matched text (the snippet, else the message). So
//! an entry survives lines moving, and goes stale when the text is rewritten
//! or the commit is rewritten away. Identical findings in one commit (the
//! same line twice in a file) share an entry with a `count`.
//!
//! The file is JSON with one entry per line, so that it diffs and reviews well:
//!
//! ```json
//! {
//!   "schema_version": 1,
//!   "tool": "policy-check 0.1.0",
//!   "entries": [
//!     {"rule":"no-miner","commit":"<full id>","hash":"<hex>","count":1,"path":"src/a.rs","line":2,"message":"…"}
//!   ]
//! }
//! ```
//!
//! `path`, `line` and `message` are there for the reader; matching uses
//! `rule`, `commit`, `hash` and `count` only.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

use crate::diag::Finding;
use crate::report::shared::content_hash;

/// The default baseline file, at the repository root.
pub(crate) const DEFAULT_FILE: &str = ".policy-check-baseline.json";

/// The version of the file format.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// One recorded finding (or `count` identical ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) rule: String,
    /// Full commit id; empty for a finding without a commit.
    pub(crate) commit: String,
    /// [`content_hash`] of the finding.
    pub(crate) hash: String,
    #[serde(default = "one")]
    pub(crate) count: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) line: Option<u32>,
    #[serde(default)]
    pub(crate) message: String,
}

fn one() -> usize {
    1
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    schema_version: u32,
    #[serde(default)]
    #[allow(dead_code)]
    tool: Option<String>,
    entries: Vec<Entry>,
}

type Key = (String, String, String);

fn key_of(f: &Finding) -> Key {
    (
        f.rule.clone(),
        f.commit.clone().unwrap_or_default(),
        content_hash(f),
    )
}

/// The entries recording `findings`, grouped and counted, in a stable order.
pub(crate) fn entries(findings: &[Finding]) -> Vec<Entry> {
    let mut map: BTreeMap<Key, Entry> = BTreeMap::new();
    for f in findings {
        let key = key_of(f);
        map.entry(key.clone())
            .and_modify(|e| e.count += 1)
            .or_insert_with(|| Entry {
                rule: key.0,
                commit: key.1,
                hash: key.2,
                count: 1,
                path: f.path.clone(),
                line: f.line,
                message: f.message.clone(),
            });
    }
    let mut v: Vec<Entry> = map.into_values().collect();
    v.sort_by(|a, b| {
        (&a.commit, &a.path, a.line, &a.rule, &a.hash)
            .cmp(&(&b.commit, &b.path, b.line, &b.rule, &b.hash))
    });
    v
}

/// The file's text: one entry per line.
pub(crate) fn render(entries: &[Entry]) -> String {
    let mut s = format!(
        "{{\n  \"schema_version\": {SCHEMA_VERSION},\n  \"tool\": \"policy-check {}\",\n  \"entries\": [",
        env!("CARGO_PKG_VERSION")
    );
    for (i, e) in entries.iter().enumerate() {
        s.push_str(if i == 0 { "\n    " } else { ",\n    " });
        s.push_str(&serde_json::to_string(e).unwrap_or_default());
    }
    s.push_str(if entries.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    s
}

/// A loaded baseline, with how often each entry matched in this run.
#[derive(Debug)]
pub(crate) struct Baseline {
    /// The file as named on the command line (for messages).
    pub(crate) file: String,
    pub(crate) entries: Vec<Entry>,
    text: String,
    index: HashMap<Key, usize>,
    matched: Vec<AtomicUsize>,
}

impl Baseline {
    /// Reads a baseline file.
    pub(crate) fn read(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the baseline {}", path.display()))?;
        Baseline::parse(&path.display().to_string(), &text)
    }

    /// Parses a baseline's text; `file` names it in messages.
    pub(crate) fn parse(file: &str, text: &str) -> Result<Baseline> {
        let doc: FileDoc = serde_json::from_str(text).with_context(|| {
            format!("{file} is not a policy-check baseline (regenerate it with `policy-check baseline write`)")
        })?;
        if doc.schema_version != SCHEMA_VERSION {
            bail!(
                "{file}: baseline schema_version {} is not supported (expected {SCHEMA_VERSION}); regenerate it with `policy-check baseline write`",
                doc.schema_version
            );
        }
        let mut index: HashMap<Key, usize> = HashMap::new();
        let mut entries: Vec<Entry> = Vec::new();
        for e in doc.entries {
            let key = (e.rule.clone(), e.commit.clone(), e.hash.clone());
            match index.get(&key) {
                Some(&i) => entries[i].count += e.count,
                None => {
                    index.insert(key, entries.len());
                    entries.push(e);
                }
            }
        }
        let matched = entries.iter().map(|_| AtomicUsize::new(0)).collect();
        Ok(Baseline {
            file: file.to_string(),
            entries,
            text: text.to_string(),
            index,
            matched,
        })
    }

    /// True when the finding is recorded (and not more often than recorded):
    /// it is then not reported. Thread-safe.
    pub(crate) fn covers(&self, f: &Finding) -> bool {
        let Some(&i) = self.index.get(&key_of(f)) else {
            return false;
        };
        let before = self.matched[i].fetch_add(1, Ordering::Relaxed);
        before < self.entries[i].count
    }

    /// Findings the baseline covered in this run.
    pub(crate) fn covered(&self) -> usize {
        self.entries
            .iter()
            .zip(&self.matched)
            .map(|(e, m)| m.load(Ordering::Relaxed).min(e.count))
            .sum()
    }

    /// Entries that matched fewer findings than they record: (entry, matched).
    pub(crate) fn unmatched(&self) -> impl Iterator<Item = (&Entry, usize)> {
        self.entries
            .iter()
            .zip(&self.matched)
            .map(|(e, m)| (e, m.load(Ordering::Relaxed)))
            .filter(|(e, m)| *m < e.count)
    }

    /// The 1-based line of an entry in the file (for pointing at it).
    pub(crate) fn line_of(&self, e: &Entry) -> Option<u32> {
        let hash = format!("\"hash\":\"{}\"", e.hash);
        let commit = format!("\"commit\":\"{}\"", e.commit);
        let rule = format!("\"rule\":{}", serde_json::to_string(&e.rule).ok()?);
        self.text
            .lines()
            .position(|l| {
                let l: String = l.chars().filter(|c| !c.is_whitespace()).collect();
                l.contains(&hash) && l.contains(&commit) && l.contains(&rule)
            })
            .map(|i| i as u32 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;

    fn f(rule: &str, commit: &str, line: u32, snippet: &str) -> Finding {
        Finding {
            rule: rule.into(),
            severity: Severity::Error,
            commit: Some(commit.into()),
            path: Some("src/a.rs".into()),
            line: Some(line),
            message: "bad".into(),
            hint: String::new(),
            snippet: Some(snippet.into()),
            fix: None,
        }
    }

    #[test]
    fn round_trip_ignores_lines_and_counts_duplicates() {
        let recorded = vec![
            f("r", "c1", 3, "x = bad"),
            f("r", "c1", 9, "x = bad"),
            f("r", "c2", 4, "y = bad"),
        ];
        let es = entries(&recorded);
        assert_eq!(es.len(), 2);
        assert_eq!(es[0].count, 2);
        let text = render(&es);
        assert_eq!(text.lines().count(), 4 + es.len() + 2);
        let b = Baseline::parse("b.json", &text).unwrap();
        // Moved lines still match; a third copy of the same line is new.
        assert!(b.covers(&f("r", "c1", 30, "x = bad")));
        assert!(b.covers(&f("r", "c1", 31, "x = bad")));
        assert!(!b.covers(&f("r", "c1", 32, "x = bad")));
        // Another commit, rule or text is new.
        assert!(!b.covers(&f("r", "c3", 4, "y = bad")));
        assert!(!b.covers(&f("q", "c2", 4, "y = bad")));
        assert!(!b.covers(&f("r", "c2", 4, "y = worse")));
        assert_eq!(b.covered(), 2);
        let stale: Vec<&str> = b.unmatched().map(|(e, _)| e.commit.as_str()).collect();
        assert_eq!(stale, ["c2"]);
        assert_eq!(b.line_of(&b.entries[1]), Some(6));
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        assert!(Baseline::parse("b", "").is_err());
        assert!(Baseline::parse("b", "{\"schema_version\":2,\"entries\":[]}").is_err());
        assert!(Baseline::parse("b", "{\"schema_version\":1,\"entries\":[{}]}").is_err());
        assert!(Baseline::parse("b", &render(&[])).is_ok());
    }
}
