//! Protected paths: the files that govern the project itself (the policy
//! file, CODEOWNERS, git hooks, release scripts) change only with a
//! maintainer's review trailer, so a contribution cannot quietly loosen the
//! rules it is checked against.
//!
//! ```toml
//! [protected]
//! paths = [".policy-check.toml", "CODEOWNERS", "hooks/**"]   # replaces the default
//! trailers = ["Reviewed-by", "Acked-by"]                     # what counts as a review
//! ```
//!
//! Who may review is `[policy] maintainers` (anyone but the author when it
//! lists nobody; on the server, nobody: see docs/trust-model.md), through [`Policy::maintainer_reviewers`](crate::policy::Policy::maintainer_reviewers).

use crate::rules::family::{CheckContext, CompileContext, Family};
use globset::GlobSet;
use serde::Deserialize;

use crate::config::{compile_globs, KeyPath, Problems};
use crate::diag::RuleInfo;
use crate::diag::Severity;
use crate::model::Needs;
use crate::model::{Change, Status};
use crate::rules::sink::Sink;

pub(crate) const RULES: &[RuleInfo] = &[RuleInfo {
    id: "protected-path-changed",
    family: "protected",
    default: Severity::Error,
    summary: "a protected path (policy file, CODEOWNERS, hooks, release scripts) changed without a maintainer's review trailer",
    hint: "have a maintainer review the change and add their `Reviewed-by: Name <email>` trailer to the commit",
}];

/// Protected unless the policy lists its own: the policy file, code owners,
/// git hooks and release scripts.
pub(crate) const DEFAULT_PATHS: &[&str] = &[
    ".policy-check.toml",
    "CODEOWNERS",
    "hooks/**",
    ".githooks/**",
    ".husky/**",
    "release.toml",
    "release.sh",
    "scripts/release*",
    "ci/release*",
];

/// `[protected]` as written.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawProtected {
    /// `false` turns the family off.
    pub(crate) enabled: Option<bool>,
    /// Globs of protected paths (replaces the default).
    pub(crate) paths: Option<Vec<String>>,
    /// Trailer keys that record a review (default: Reviewed-by, Acked-by).
    pub(crate) trailers: Option<Vec<String>>,
}

/// Compiled `[protected]`.
#[derive(Debug)]
pub(crate) struct Protected {
    pub(crate) paths: GlobSet,
    pub(crate) trailers: Vec<String>,
}

impl Protected {}

/// Validates and compiles `[protected]`; `None` when turned off or invalid.
pub(crate) fn compile(
    raw: RawProtected,
    base: &KeyPath,
    problems: &mut Problems,
) -> Option<Protected> {
    if raw.enabled == Some(false) {
        return None;
    }
    let paths: Vec<String> = raw
        .paths
        .unwrap_or_else(|| DEFAULT_PATHS.iter().map(|s| s.to_string()).collect());
    let trailers = raw
        .trailers
        .unwrap_or_else(|| crate::identity::Reviewers::default().trailers);
    if trailers.is_empty()
        || trailers
            .iter()
            .any(|t| t.trim().is_empty() || t.contains(':'))
    {
        problems.error(
            base.key("trailers"),
            "`trailers` must list trailer keys such as \"Reviewed-by\" (no colon)",
        );
        return None;
    }
    let paths = compile_globs(&paths, &base.key("paths"), problems)?;
    Some(Protected { paths, trailers })
}

/// The policy file at the repository root: adding it where there was none
/// adopts a policy, which weakens nothing, so it needs no review.
const POLICY_FILE: &str = ".policy-check.toml";

/// Reports each protected path the change touches, unless a maintainer reviewed it.
///
/// Judged only where the message is known (commit-msg, the push hooks,
/// `check`): the review is a trailer of the message, so `pre-commit`, which
/// sees the staged files alone, could only ask for something it cannot see.
pub(crate) fn check(cfg: &Protected, change: &Change, sink: &mut Sink) {
    let rule = crate::diag::rule(RULES, "protected-path-changed");
    if !sink.enabled(rule) || change.message.is_none() {
        return;
    }
    let touched: Vec<&str> = change
        .files()
        .iter()
        .filter(|f| !(f.status == Status::Added && f.old_path.is_none() && f.path == POLICY_FILE))
        .flat_map(|f| std::iter::once(f.path.as_str()).chain(f.old_path.as_deref()))
        .filter(|p| cfg.paths.is_match(p))
        .collect();
    if touched.is_empty() {
        return;
    }
    let reviewers = sink.maintainer_reviewers(cfg.trailers.clone());
    if reviewers.review(change).is_some() {
        return;
    }
    let needed = reviewers.describe();
    for path in touched {
        sink.report(
            rule,
            format!("{path} is protected: changing it needs {needed}"),
        )
        .path(path);
    }
}

impl Family for Protected {
    const NAME: &'static str = "protected";
    const RULES: &'static [RuleInfo] = RULES;
    type Raw = RawProtected;

    fn compile(
        raw: RawProtected,
        key: &KeyPath,
        _: &CompileContext<'_>,
        problems: &mut Problems,
    ) -> Option<Self> {
        compile(raw, key, problems)
    }

    /// Only the list of changed files is needed, never their contents.
    fn needs(&self) -> Needs {
        Needs {
            files: true,
            lines: false,
        }
    }

    fn check(&self, change: &Change, _: &CheckContext<'_>, sink: &mut Sink) {
        check(self, change, sink)
    }
}
