//! Review and accountability rules (`[review]`): a human stays accountable.
//!
//! ```toml
//! [review]
//! signoff = "author"            # off | present | author (DCO: a Signed-off-by matching the author)
//! exempt_merges = true          # merges need no sign-off
//! exempt_authors = ["*[bot]"]   # bots that need no sign-off (name, email or `Name <email>`; `*` at either end)
//! forbid_ai_signoff = true      # an AI may never sign off…
//! forbid_ai_author = false      # …author…
//! forbid_ai_committer = false   # …or commit
//! when_ai = ["Reviewed-by"]     # AI involvement needs a review trailer from someone else
//! ai_reviewers = ["@maintainers"]
//!
//! [[review.require]]            # rules that join message and diff, as data
//! id = "ai-unsafe-review"
//! when = "ai"                   # ai | agentic | always
//! paths = ["*.rs"]
//! adds_unsafe = true           # the change adds an `unsafe` site (not a comment, not a move)
//! trailers = ["Reviewed-by"]
//! reviewers = ["@maintainers"]
//! ```
//!
//! Reviews are judged by [`crate::identity::Reviewers`], the same notion of
//! "reviewed" every family uses; a review trailer carrying an AI identity
//! never counts.

use crate::rules::family::{CheckContext, CompileContext, Family};
use globset::GlobSet;
use regex::Regex;
use serde::Deserialize;

use crate::ai::{Detector, Seen, Signal};
use crate::config::{compile_globs, compile_regex, KeyPath, Problems};
use crate::diag::RuleInfo;
use crate::diag::Severity;
use crate::identity::{Person, Reviewers};
use crate::message::Trailer;
use crate::model::Needs;
use crate::model::{Change, Content, Status};
use crate::rules::sink::Sink;

/// Which `Signed-off-by` the policy asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Signoff {
    Off,
    /// At least one well-formed `Signed-off-by`.
    Present,
    /// One matching the author's name and email, case-insensitively (DCO).
    Author,
}

/// The condition of a `[[review.require]]` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum When {
    /// Any AI signal.
    Ai,
    /// A signal of an agent that acted on the repository.
    Agentic,
    /// Every change (a protected-path rule with no AI condition).
    Always,
}

/// `[review]` as written.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReview {
    /// Which `Signed-off-by:` is required: `off` (default), `present`, or `author` (DCO: one matching the author).
    pub(crate) signoff: Option<Signoff>,
    /// Merge commits need no sign-off (default true).
    pub(crate) exempt_merges: Option<bool>,
    /// Authors that need no sign-off (name, email or `Name <email>`; `*` at either end).
    pub(crate) exempt_authors: Option<Vec<String>>,
    /// An AI identity may not sign off (default true).
    pub(crate) forbid_ai_signoff: Option<bool>,
    /// An AI identity may not be the author (default false).
    pub(crate) forbid_ai_author: Option<bool>,
    /// An AI identity may not be the committer (default false).
    pub(crate) forbid_ai_committer: Option<bool>,
    /// Review trailers one of which a commit with AI involvement needs, from someone other than the author.
    pub(crate) when_ai: Option<Vec<String>>,
    /// Who may give that review: names, emails, `Name <email>`, or `@maintainers` (default: the maintainers).
    pub(crate) ai_reviewers: Option<Vec<String>>,
    /// Trailers whose value must be `Name <email>`.
    pub(crate) identity_trailers: Option<Vec<String>>,
    /// Reviews required when a change meets a condition (AI involvement, paths, added lines).
    pub(crate) require: Option<Vec<RawRequire>>,
}

/// A `[[review.require]]` entry as written.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequire {
    /// The id findings carry (kebab-case, not a built-in rule id).
    pub(crate) id: String,
    /// The AI condition: `ai` (default), `agentic`, or `always`.
    pub(crate) when: Option<When>,
    /// The change touches one of these (added, modified, renamed files).
    pub(crate) paths: Option<Vec<String>>,
    /// Files left out of `paths`, `added` and `min_lines`.
    pub(crate) exclude: Option<Vec<String>>,
    /// An added line of a matching file matches this regex (lines the change
    /// moved from elsewhere do not count; see docs/moves.md).
    pub(crate) added: Option<String>,
    /// Match `added` against the code of Rust files only: comments and
    /// string or char literals are blanked first (other files as written).
    pub(crate) code_only: Option<bool>,
    /// The change adds an `unsafe` block, fn, impl, trait or extern block to
    /// a matching Rust file (by the unsafe rules' judgement: in code, and not
    /// carried over from code the change removed).
    pub(crate) adds_unsafe: Option<bool>,
    /// More than this many lines are added to matching files.
    pub(crate) min_lines: Option<u64>,
    /// Review trailer keys (default `Reviewed-by`, `Acked-by`).
    pub(crate) trailers: Option<Vec<String>>,
    /// Who may review: names, emails, `Name <email>`, or `@maintainers` (default: the maintainers).
    pub(crate) reviewers: Option<Vec<String>>,
    /// The finding's severity (default error).
    pub(crate) severity: Option<Severity>,
    /// The finding's message.
    pub(crate) message: Option<String>,
    /// One line on how to fix a finding.
    pub(crate) hint: Option<String>,
}

/// A compiled `[[review.require]]` entry.
#[derive(Debug)]
pub(crate) struct Require {
    pub(crate) id: String,
    pub(crate) when: When,
    pub(crate) paths: Option<GlobSet>,
    pub(crate) exclude: Option<GlobSet>,
    /// `paths` and `exclude` as written, for `explain`.
    pub(crate) globs: (Vec<String>, Vec<String>),
    pub(crate) added: Option<Regex>,
    pub(crate) code_only: bool,
    pub(crate) adds_unsafe: bool,
    pub(crate) min_lines: Option<u64>,
    pub(crate) reviewers: Reviewers,
    pub(crate) severity: Severity,
    pub(crate) message: Option<String>,
    pub(crate) hint: String,
}

/// Compiled `[review]`.
#[derive(Debug)]
pub(crate) struct Review {
    pub(crate) signoff: Signoff,
    pub(crate) exempt_merges: bool,
    pub(crate) exempt_authors: Vec<String>,
    pub(crate) forbid_ai_signoff: bool,
    pub(crate) forbid_ai_author: bool,
    pub(crate) forbid_ai_committer: bool,
    pub(crate) when_ai: Option<Reviewers>,
    pub(crate) identity_trailers: Vec<String>,
    pub(crate) require: Vec<Require>,
}

pub(crate) const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "review-signoff-missing",
        family: "review",
        default: Severity::Error,
        summary: "the policy requires a `Signed-off-by:` trailer (DCO) and the commit has none",
        hint: "sign off the commit: `git commit --amend --signoff` (or `git rebase --signoff BASE` for a branch)",
    },
    RuleInfo {
        id: "review-signoff-mismatch",
        family: "review",
        default: Severity::Error,
        summary: "no `Signed-off-by:` trailer matches the commit author's name and email (compared case-insensitively, as DCO checkers do)",
        hint: "sign off as the author (`git commit --amend --signoff`), or fix the author (`git commit --amend --reset-author`)",
    },
    RuleInfo {
        id: "review-ai-signoff",
        family: "review",
        default: Severity::Error,
        summary: "an AI identity signs off the commit; only a human can certify the DCO",
        hint: "remove the AI's `Signed-off-by:` and add your own after reviewing the change (`git commit --amend --signoff`)",
    },
    RuleInfo {
        id: "review-ai-author",
        family: "review",
        default: Severity::Error,
        summary: "the commit's author is an AI identity; a human must be the accountable author",
        hint: "make yourself the author after reviewing the change (`git commit --amend --reset-author`) and disclose the AI in a trailer",
    },
    RuleInfo {
        id: "review-ai-committer",
        family: "review",
        default: Severity::Error,
        summary: "the commit's committer is an AI identity; a human must commit it",
        hint: "recommit the change yourself after reviewing it (`git commit --amend --no-edit` with your identity)",
    },
    RuleInfo {
        id: "review-ai-unreviewed",
        family: "review",
        default: Severity::Error,
        summary: "AI was involved and no review trailer from someone other than the author (and not an AI) is present",
        hint: "have the change reviewed and add the reviewer's trailer, e.g. `Reviewed-by: Name <email>`",
    },
    RuleInfo {
        id: "review-malformed-trailer",
        family: "review",
        default: Severity::Warn,
        summary: "an identity trailer (`Signed-off-by:`, `Reviewed-by:`…) is not `Name <email>`",
        hint: "write the trailer as `Key: Full Name <email@example.com>`",
    },
];

const SIGNOFF_MISSING: &RuleInfo = crate::diag::rule(RULES, "review-signoff-missing");
const SIGNOFF_MISMATCH: &RuleInfo = crate::diag::rule(RULES, "review-signoff-mismatch");
const AI_SIGNOFF: &RuleInfo = crate::diag::rule(RULES, "review-ai-signoff");
const AI_AUTHOR: &RuleInfo = crate::diag::rule(RULES, "review-ai-author");
const AI_COMMITTER: &RuleInfo = crate::diag::rule(RULES, "review-ai-committer");
const AI_UNREVIEWED: &RuleInfo = crate::diag::rule(RULES, "review-ai-unreviewed");
const MALFORMED: &RuleInfo = crate::diag::rule(RULES, "review-malformed-trailer");

/// The identity trailers checked by default.
const IDENTITY_TRAILERS: &[&str] = &[
    "Signed-off-by",
    "Co-authored-by",
    "Co-developed-by",
    "Reviewed-by",
    "Acked-by",
    "Tested-by",
];

fn reviewers_of(
    trailers: Option<Vec<String>>,
    reviewers: Option<Vec<String>>,
    maintainers: &[String],
    path: &KeyPath,
    problems: &mut Problems,
) -> Reviewers {
    let base = Reviewers::default();
    let trailers = trailers.unwrap_or(base.trailers);
    if trailers.is_empty() {
        problems.error(
            path.key("trailers"),
            "no review trailer is listed, so the review could never be given",
        );
    }
    let mut allowed = Vec::new();
    // Maintainers are the default reviewers, never "anyone".
    let reviewers = reviewers.unwrap_or_else(|| vec!["@maintainers".to_string()]);
    for r in reviewers {
        if r.trim().eq_ignore_ascii_case("@maintainers") {
            allowed.extend(maintainers.iter().map(|m| m.trim().to_ascii_lowercase()));
        } else {
            allowed.push(r.trim().to_ascii_lowercase());
        }
    }
    Reviewers {
        trailers,
        allowed,
        counting: Default::default(),
    }
}

/// Validates and compiles `[review]`. `maintainers` is `[policy]
/// maintainers` (with the maintainers file, if any), for `@maintainers`;
/// `builtin` tells a built-in rule's id, which a required review may not take.
pub(crate) fn compile(
    raw: RawReview,
    maintainers: &[String],
    path: &KeyPath,
    builtin: &dyn Fn(&str) -> bool,
    problems: &mut Problems,
) -> Review {
    let mut require: Vec<Require> = Vec::new();
    for r in raw.require.unwrap_or_default() {
        let at = path.key("require").id(&r.id);
        if !crate::diag::is_kebab(&r.id) {
            problems.error(
                at.key("id"),
                format!("`{}` must be kebab-case (a-z, 0-9, single dashes)", r.id),
            );
            continue;
        }
        if builtin(&r.id) {
            problems.error(
                at.key("id"),
                format!("`{}` is a built-in rule id; choose another", r.id),
            );
            continue;
        }
        if require.iter().any(|x| x.id == r.id) {
            problems.error(at.key("id"), format!("duplicate id `{}`", r.id));
            continue;
        }
        let globs = |g: &Option<Vec<String>>, key: &str, problems: &mut Problems| {
            g.as_ref()
                .and_then(|g| compile_globs(g, &at.key(key), problems))
        };
        let paths = globs(&r.paths, "paths", problems);
        let exclude = globs(&r.exclude, "exclude", problems);
        let added = r
            .added
            .as_deref()
            .and_then(|a| compile_regex(a, &at.key("added"), problems));
        let when = r.when.unwrap_or(When::Ai);
        let adds_unsafe = r.adds_unsafe.unwrap_or(false);
        if r.code_only == Some(true) && r.added.is_none() {
            problems.error(
                at.key("code_only"),
                "`code_only` restricts `added`; set `added` too (or use `adds_unsafe = true`)",
            );
        }
        if when == When::Always
            && r.paths.is_none()
            && r.added.is_none()
            && r.min_lines.is_none()
            && !adds_unsafe
        {
            problems.error(
                at.key("when"),
                "`when = \"always\"` with no `paths`, `added` or `min_lines` would ask every commit for a review",
            );
        }
        let reviewers = reviewers_of(r.trailers, r.reviewers, maintainers, &at, problems);
        require.push(Require {
            hint: r.hint.unwrap_or_else(|| {
                format!(
                    "have the change reviewed and add {}",
                    reviewers.describe().trim_start_matches("a ")
                )
            }),
            id: r.id,
            when,
            paths,
            exclude,
            globs: (r.paths.unwrap_or_default(), r.exclude.unwrap_or_default()),
            added,
            code_only: r.code_only.unwrap_or(false),
            adds_unsafe,
            min_lines: r.min_lines,
            reviewers,
            severity: r.severity.unwrap_or(Severity::Error),
            message: r.message,
        });
    }
    let when_ai = match (raw.when_ai, raw.ai_reviewers) {
        (None, None) => None,
        (t, r) => Some(reviewers_of(t, r, maintainers, path, problems)),
    };
    let exempt_authors = raw.exempt_authors.unwrap_or_default();
    for (i, e) in exempt_authors.iter().enumerate() {
        if e.trim_matches('*').contains('*') || e.trim_matches('*').is_empty() {
            problems.error(
                path.key("exempt_authors").index(i),
                format!("`{e}`: `*` may only stand at the start or end of a name or email"),
            );
        }
    }
    Review {
        signoff: raw.signoff.unwrap_or(Signoff::Off),
        exempt_merges: raw.exempt_merges.unwrap_or(true),
        exempt_authors,
        forbid_ai_signoff: raw.forbid_ai_signoff.unwrap_or(true),
        forbid_ai_author: raw.forbid_ai_author.unwrap_or(false),
        forbid_ai_committer: raw.forbid_ai_committer.unwrap_or(false),
        when_ai,
        identity_trailers: raw
            .identity_trailers
            .unwrap_or_else(|| IDENTITY_TRAILERS.iter().map(|s| s.to_string()).collect()),
        require,
    }
}

/// Matches `pattern` (case-insensitive, `*` at either end) against `text`.
fn wildcard(pattern: &str, text: &str) -> bool {
    let p = pattern.trim().to_ascii_lowercase();
    let t = text.to_ascii_lowercase();
    match (p.strip_prefix('*'), p.strip_suffix('*')) {
        (Some(rest), _) if rest.ends_with('*') => t.contains(rest.trim_end_matches('*')),
        (Some(rest), _) => t.ends_with(rest),
        (None, Some(rest)) => t.starts_with(rest),
        (None, None) => t == p,
    }
}

impl Review {
    /// Whether any rule needs AI signals.
    pub(crate) fn uses_ai(&self) -> bool {
        self.forbid_ai_signoff
            || self.forbid_ai_author
            || self.forbid_ai_committer
            || self.when_ai.is_some()
            || self.require.iter().any(|r| r.when != When::Always)
    }

    /// Whether a rule of this family can report under this configuration.
    pub(crate) fn uses(&self, rule: &str) -> bool {
        match rule {
            "review-signoff-missing" => self.signoff != Signoff::Off,
            "review-signoff-mismatch" => self.signoff == Signoff::Author,
            "review-ai-signoff" => self.forbid_ai_signoff,
            "review-ai-author" => self.forbid_ai_author,
            "review-ai-committer" => self.forbid_ai_committer,
            "review-ai-unreviewed" => self.when_ai.is_some(),
            _ => true,
        }
    }

    /// The ids of `[[review.require]]` entries whose condition holds, with
    /// where it was met.
    pub(crate) fn triggered(&self, change: &Change, signals: &[Signal]) -> Vec<(&str, Trigger)> {
        self.require
            .iter()
            .filter_map(|r| r.condition(change, signals).map(|t| (r.id.as_str(), t)))
            .collect()
    }

    fn exempt_author(&self, change: &Change) -> bool {
        let Some(a) = &change.author else {
            return false;
        };
        self.exempt_authors
            .iter()
            .any(|e| wildcard(e, &a.name) || wildcard(e, &a.email) || wildcard(e, &a.display()))
    }
}

/// Where a `[[review.require]]` condition was met.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Trigger {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) snippet: Option<String>,
    /// Lines added to matching files, when `min_lines` was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) lines: Option<u64>,
}

impl Require {
    /// `Some(where)` when the entry applies to the change.
    pub(crate) fn condition(&self, change: &Change, signals: &[Signal]) -> Option<Trigger> {
        match self.when {
            When::Always => {}
            When::Ai if !signals.is_empty() => {}
            When::Agentic if signals.iter().any(|s| s.agentic) => {}
            _ => return None,
        }
        let files: Vec<_> = change
            .files()
            .iter()
            .filter(|f| f.status != Status::Deleted)
            .filter(|f| self.paths.as_ref().is_none_or(|g| g.is_match(&f.path)))
            .filter(|f| !self.exclude.as_ref().is_some_and(|g| g.is_match(&f.path)))
            .collect();
        let mut trigger = Trigger::default();
        if self.paths.is_some() {
            let first = files.first()?;
            trigger.path = Some(first.path.clone());
        }
        if let Some(re) = &self.added {
            let (path, n, text) = files.iter().find_map(|f| {
                // Blanked byte for byte: the line starts of `f.text` hold.
                let code = (self.code_only && f.path.ends_with(".rs"))
                    .then(|| crate::rules::rust_safety::code_only(&f.text));
                f.new_lines()
                    .find(|&(n, l)| {
                        re.is_match(l)
                            && code.as_deref().is_none_or(|c| {
                                line_of(c, &f.line_starts, n).is_some_and(|c| re.is_match(c))
                            })
                    })
                    .map(|(n, l)| (f.path.clone(), n, l.to_string()))
            })?;
            trigger.path = Some(path);
            trigger.line = Some(n);
            trigger.snippet = Some(text);
        }
        if self.adds_unsafe {
            let (path, site) = files.iter().find_map(|f| {
                crate::rules::rust_safety::first_added_site(change, f).map(|s| (f, s))
            })?;
            trigger.path = Some(path.path.clone());
            trigger.line = Some(site.line);
            trigger.snippet = path.line(site.line).map(|l| l.trim().to_string());
        }
        if let Some(min) = self.min_lines {
            let n: u64 = files
                .iter()
                .filter(|f| f.content == Content::Text)
                .map(|f| f.added.len() as u64)
                .sum();
            if n <= min {
                return None;
            }
            trigger.lines = Some(n);
        }
        Some(trigger)
    }
}

/// Line `n` (1-based) of `text`, given its line starts.
fn line_of<'a>(text: &'a str, starts: &[usize], n: u32) -> Option<&'a str> {
    let i = n.checked_sub(1)? as usize;
    let start = *starts.get(i)?;
    let end = starts.get(i + 1).copied().unwrap_or(text.len());
    let line = text.get(start..end)?;
    Some(line.trim_end_matches(['\n', '\r']))
}

/// Runs the review rules over one change, given its AI signals and the
/// detector (to refuse AI reviewers).
pub(crate) fn check(
    cfg: &Review,
    change: &Change,
    signals: &[Signal],
    detector: Option<&Detector>,
    sink: &mut Sink,
) {
    let is_ai_trailer = |t: &Trailer| detector.and_then(|d| d.ai_identity(&t.value)).is_some();
    if let Some(msg) = &change.message {
        malformed_trailers(cfg, msg, sink);
        signoff(cfg, change, msg, &is_ai_trailer, sink);
    }
    ai_identities(cfg, signals, sink);
    ai_unreviewed(cfg, change, signals, &is_ai_trailer, sink);
    required_reviews(cfg, change, signals, &is_ai_trailer, sink);
}

/// `review-malformed-trailer`: identity trailers that are not `Name <email>`.
fn malformed_trailers(cfg: &Review, msg: &crate::message::Message, sink: &mut Sink) {
    if sink.enabled(MALFORMED) {
        for t in &msg.trailers {
            if !cfg.identity_trailers.iter().any(|k| t.is(k)) || Person::parse(&t.value).is_some() {
                continue;
            }
            let what = if t.value.trim().is_empty() {
                format!("`{}:` has an empty value", t.key)
            } else {
                format!("`{}: {}` is not `Name <email>`", t.key, t.value)
            };
            sink.report(MALFORMED, what)
                .line(t.line)
                .snippet(format!("{}: {}", t.key, t.value));
        }
    }
}

/// `review-signoff-missing` and `review-signoff-mismatch`: a human's
/// `Signed-off-by:` (DCO), the author's when the policy says so.
fn signoff(
    cfg: &Review,
    change: &Change,
    msg: &crate::message::Message,
    is_ai_trailer: &dyn Fn(&Trailer) -> bool,
    sink: &mut Sink,
) {
    let exempt = (change.is_merge && cfg.exempt_merges) || cfg.exempt_author(change);
    if cfg.signoff != Signoff::Off && !exempt {
        let sobs: Vec<&Trailer> = msg.trailer_values("Signed-off-by").collect();
        let human: Vec<(&Trailer, Person)> = sobs
            .iter()
            .filter(|t| !is_ai_trailer(t))
            .filter_map(|t| Person::parse(&t.value).map(|p| (*t, p)))
            .collect();
        if human.is_empty() {
            let message = if sobs.is_empty() {
                "the commit has no `Signed-off-by:` trailer (DCO)".to_string()
            } else {
                "the commit has no well-formed `Signed-off-by:` from a human (DCO)".to_string()
            };
            sink.report(SIGNOFF_MISSING, message);
        } else if cfg.signoff == Signoff::Author {
            if let Some(author) = &change.author {
                if !human.iter().any(|(_, p)| p.is(author)) {
                    let found = human
                        .iter()
                        .map(|(_, p)| format!("`{} <{}>`", p.name, p.email))
                        .collect::<Vec<_>>()
                        .join(", ");
                    sink.report(
                        SIGNOFF_MISMATCH,
                        format!(
                            "no `Signed-off-by:` matches the author `{}` (found {found})",
                            author.display()
                        ),
                    )
                    .line(human[0].0.line);
                }
            }
        }
    }
}

/// `review-ai-signoff`, `review-ai-author`, `review-ai-committer`: AI
/// identities where a human must stand.
fn ai_identities(cfg: &Review, signals: &[Signal], sink: &mut Sink) {
    for s in signals {
        match &s.seen {
            Seen::Trailer { key, value, line }
                if cfg.forbid_ai_signoff && key.eq_ignore_ascii_case("Signed-off-by") =>
            {
                sink.report(
                    AI_SIGNOFF,
                    format!(
                        "`Signed-off-by: {value}` is {}: an AI cannot certify the Developer Certificate of Origin",
                        ai_name(s)
                    ),
                )
                .line(*line)
                .snippet(format!("{key}: {value}"));
            }
            Seen::Author { identity } if cfg.forbid_ai_author => {
                sink.report(
                    AI_AUTHOR,
                    format!(
                        "the author `{identity}` is {}: a human must be the accountable author",
                        ai_name(s)
                    ),
                );
            }
            Seen::Committer { identity } if cfg.forbid_ai_committer => {
                sink.report(
                    AI_COMMITTER,
                    format!(
                        "the committer `{identity}` is {}: a human must commit the change",
                        ai_name(s)
                    ),
                );
            }
            _ => {}
        }
    }
}

/// `review-ai-unreviewed`: a review when AI was involved.
fn ai_unreviewed(
    cfg: &Review,
    change: &Change,
    signals: &[Signal],
    is_ai_trailer: &dyn Fn(&Trailer) -> bool,
    sink: &mut Sink,
) {
    if let Some(reviewers) = &cfg.when_ai {
        if signals.is_empty() || !sink.enabled(AI_UNREVIEWED) {
            return;
        }
        let reviewers = sink.counted(reviewers);
        if reviewers
            .review_where(change, |t| !is_ai_trailer(t))
            .is_none()
        {
            let tools = tools_of(signals);
            let line = signals.iter().find_map(|s| s.seen.line());
            let e = sink.report(
                AI_UNREVIEWED,
                format!(
                    "{tools} took part in this commit and it has no {}",
                    reviewers.describe().trim_start_matches("a ")
                ),
            );
            if let Some(l) = line {
                e.line(l);
            }
        }
    }
}

/// `[[review.require]]`: the policy's own rules joining message and diff.
fn required_reviews(
    cfg: &Review,
    change: &Change,
    signals: &[Signal],
    is_ai_trailer: &dyn Fn(&Trailer) -> bool,
    sink: &mut Sink,
) {
    for r in &cfg.require {
        let Some(trigger) = r.condition(change, signals) else {
            continue;
        };
        let reviewers = sink.counted(&r.reviewers);
        if reviewers
            .review_where(change, |t| !is_ai_trailer(t))
            .is_some()
        {
            continue;
        }
        let cause = match (r.when, &trigger) {
            (
                _,
                Trigger {
                    line: Some(n),
                    path: Some(p),
                    ..
                },
            ) => match &r.added {
                Some(a) => format!("{p}:{n} matches `{}`", a.as_str()),
                None => format!("{p}:{n} adds `unsafe` code"),
            },
            (_, Trigger { lines: Some(n), .. }) => format!("it adds {n} lines"),
            (_, Trigger { path: Some(p), .. }) => format!("it changes `{p}`"),
            _ => "the policy asks for it".to_string(),
        };
        let who = match r.when {
            When::Ai => format!("{} took part and ", tools_of(signals)),
            When::Agentic => format!("an agentic AI tool ({}) took part and ", tools_of(signals)),
            When::Always => String::new(),
        };
        let message = match &r.message {
            Some(m) => format!(
                "{m} ({who}{cause}; needs {})",
                reviewers.describe().trim_start_matches("a ")
            ),
            None => format!(
                "{who}{cause}: needs {} (`review.require` `{}`)",
                reviewers.describe().trim_start_matches("a "),
                r.id
            ),
        };
        let mut e = sink.report_as(&r.id, r.severity, &r.hint, message);
        if let Some(p) = &trigger.path {
            e = e.path(p);
        }
        if let Some(n) = trigger.line {
            e = e.line(n);
        }
        if let Some(s) = trigger.snippet {
            e.snippet(s);
        }
    }
}

fn ai_name(s: &Signal) -> String {
    match &s.tool {
        Some(t) => format!("an AI identity ({t})"),
        None => "an AI identity".to_string(),
    }
}

/// "Claude and Copilot", from the signals.
fn tools_of(signals: &[Signal]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for s in signals {
        if let Some(t) = s.tool.as_deref() {
            if !names.contains(&t) {
                names.push(t);
            }
        }
    }
    match names.len() {
        0 => "AI".to_string(),
        1 => names[0].to_string(),
        _ => {
            let last = names.pop().unwrap_or_default();
            format!("{} and {last}", names.join(", "))
        }
    }
}

impl Family for Review {
    const NAME: &'static str = "review";
    const RULES: &'static [RuleInfo] = RULES;
    type Raw = RawReview;

    fn compile(
        raw: RawReview,
        key: &KeyPath,
        cx: &CompileContext<'_>,
        problems: &mut Problems,
    ) -> Option<Self> {
        Some(compile(raw, cx.maintainers, key, cx.builtin, problems))
    }

    /// What the `[[review.require]]` entries need read from git.
    fn needs(&self) -> Needs {
        self.require.iter().fold(Needs::default(), |n, r| {
            n.union(Needs {
                files: r.paths.is_some() || r.exclude.is_some(),
                lines: r.added.is_some() || r.min_lines.is_some() || r.adds_unsafe,
            })
        })
    }

    fn check(&self, change: &Change, cx: &CheckContext<'_>, sink: &mut Sink) {
        check(self, change, cx.signals, cx.ai, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("*[bot]", "renovate[bot]"));
        assert!(wildcard("renovate*", "Renovate[bot]"));
        assert!(wildcard("*noreply*", "x+y@users.noreply.github.com"));
        assert!(wildcard("dependabot[bot]", "DependaBot[bot]"));
        assert!(!wildcard("dependabot[bot]", "dependabot-preview[bot]"));
    }

    #[test]
    fn require_ids_are_checked() {
        let raw: RawReview = toml::from_str(
            r#"
            [[require]]
            id = "Bad Id"
            [[require]]
            id = "review-ai-author"
            [[require]]
            id = "ok"
            when = "always"
            [[require]]
            id = "globs"
            paths = ["a/{b"]
            "#,
        )
        .expect("parses");
        let mut p = Problems::default();
        compile(
            raw,
            &[],
            &KeyPath::of(&["review"]),
            &|id| crate::rules::find(id).is_some(),
            &mut p,
        );
        let all =
            p.0.iter()
                .map(|x| format!("{}: {}", x.path, x.message))
                .collect::<Vec<_>>()
                .join("\n");
        assert!(all.contains("kebab-case"), "{all}");
        assert!(all.contains("built-in rule id"), "{all}");
        assert!(all.contains("ask every commit"), "{all}");
        assert!(all.contains("review.require[globs].paths"), "{all}");
    }
}
