//! The report's numbers: what `report` computes, `--format json` writes
//! and `--merge` reads back, and how several repositories add up.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The whole report: one or more repositories.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Report {
    /// Version of this document's shape ([`super::SCHEMA_VERSION`]); `--merge`
    /// refuses another.
    pub(crate) schema_version: u32,
    /// `month` or `week`.
    pub(crate) period: String,
    /// One entry per repository (several after `--merge`).
    pub(crate) repositories: Vec<RepoReport>,
}

/// The numbers of one repository.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct RepoReport {
    /// The repository's directory name (or what `--name` says).
    pub(crate) name: String,
    /// The policy the commits were judged by.
    pub(crate) policy: String,
    /// Template of a commit's web address (`{id}`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) commit_url: Option<String>,
    /// The whole history's counts.
    pub(crate) totals: Counts,
    /// Per period, oldest first (`2026-03`, or `2026-W11`).
    pub(crate) periods: BTreeMap<String, Counts>,
    /// Directories where AI-involved changes land, most first (at most 15).
    pub(crate) top_paths: Vec<(String, usize)>,
    /// AI-involved commits without a valid disclosure, newest first.
    pub(crate) undisclosed: Vec<Listed>,
}

/// Counts for a period or a whole history.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Commits checked.
    pub(crate) commits: usize,
    /// Commits with at least one AI trace.
    pub(crate) ai: usize,
    /// AI-involved commits by tool (`an AI tool` when none is named).
    pub(crate) by_tool: BTreeMap<String, usize>,
    /// AI-involved commits by model family (`opus`, `gpt`), where a model is named.
    pub(crate) by_model: BTreeMap<String, usize>,
    /// AI-involved commits by kind of trace (disclosure, co-author, footer, identity, subject, trailer).
    pub(crate) by_kind: BTreeMap<String, usize>,
    /// AI-involved commits with a valid disclosure trailer.
    pub(crate) disclosed: usize,
    /// AI-involved commits the policy found undisclosed (`disclosure-missing`).
    pub(crate) undisclosed: usize,
    /// AI-involved commits whose disclosure is malformed (`disclosure-format`).
    pub(crate) malformed: usize,
    /// AI-involved commits with a review trailer from someone other than the author.
    pub(crate) reviewed: usize,
    /// Findings of the policy's message rules, by rule family.
    pub(crate) findings: BTreeMap<String, usize>,
}

impl Counts {
    /// Adds another period's or repository's counts to these, key by key.
    pub(crate) fn add(&mut self, o: &Counts) {
        self.commits += o.commits;
        self.ai += o.ai;
        for (m, src) in [
            (&mut self.by_tool, &o.by_tool),
            (&mut self.by_model, &o.by_model),
            (&mut self.by_kind, &o.by_kind),
            (&mut self.findings, &o.findings),
        ] {
            for (k, v) in src {
                *m.entry(k.clone()).or_default() += v;
            }
        }
        self.disclosed += o.disclosed;
        self.undisclosed += o.undisclosed;
        self.malformed += o.malformed;
        self.reviewed += o.reviewed;
    }

    /// Share of AI-involved commits that are disclosed, in percent.
    pub(crate) fn compliance(&self) -> Option<f64> {
        (self.ai > 0).then(|| 100.0 * self.disclosed as f64 / self.ai as f64)
    }
}

/// An AI-involved commit the report names.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Listed {
    /// The commit id.
    pub(crate) id: String,
    /// `YYYY-MM-DD` (committer date, UTC).
    pub(crate) date: String,
    /// Its subject line.
    pub(crate) subject: String,
    /// The AI tools its traces name.
    pub(crate) tools: Vec<String>,
    /// `undisclosed` or `malformed`.
    pub(crate) state: String,
}

/// All repositories summed into one (for the merged page's first section).
pub(crate) fn combined(r: &Report) -> RepoReport {
    let mut all = RepoReport {
        name: "All repositories".to_string(),
        policy: r
            .repositories
            .iter()
            .map(|x| x.policy.as_str())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
            .join(", "),
        ..RepoReport::default()
    };
    let mut paths: BTreeMap<String, usize> = BTreeMap::new();
    for repo in &r.repositories {
        all.totals.add(&repo.totals);
        for (k, c) in &repo.periods {
            all.periods.entry(k.clone()).or_default().add(c);
        }
        for (p, n) in &repo.top_paths {
            *paths.entry(format!("{}: {p}", repo.name)).or_default() += n;
        }
    }
    fill_months(&mut all.periods);
    let mut top: Vec<(String, usize)> = paths.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(15);
    all.top_paths = top;
    all
}

/// Adds the months missing between the first and the last `YYYY-MM` key
/// (repositories whose histories do not overlap leave gaps when merged).
fn fill_months(periods: &mut BTreeMap<String, Counts>) {
    let parse = |k: &str| -> Option<(i32, u32)> {
        let (y, m) = k.split_once('-')?;
        Some((y.parse().ok()?, m.parse().ok()?))
    };
    let (Some(first), Some(last)) = (
        periods.keys().next().and_then(|k| parse(k)),
        periods.keys().last().and_then(|k| parse(k)),
    ) else {
        return;
    };
    let (mut y, mut m) = first;
    while (y, m) < last && (1..=12).contains(&m) {
        periods.entry(format!("{y:04}-{m:02}")).or_default();
        m += 1;
        if m > 12 {
            y += 1;
            m = 1;
        }
    }
}
