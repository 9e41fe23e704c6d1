//! CI workflow changes: a CI file (`.github/workflows/*.yml`, `.gitlab-ci.yml`,
//! others the policy lists) runs with the repository's secrets, so a change
//! to one needs a maintainer's review trailer, and risky lines are findings.
//!
//! ```toml
//! [workflows]
//! paths = [".circleci/config.yml"]           # more CI files (added to the built-in list)
//! review_trailers = ["Reviewed-by"]          # who may review: [policy] maintainers (anyone but the author if none)
//! trusted_actions = ["actions/*"]            # `owner/repo` globs exempt from SHA pinning
//! trusted_hosts = ["codecov.io"]             # hosts a secret may be sent to (added to the built-in list)
//!
//! [[workflows.patterns]]                     # more risky-line patterns (same keys as the data file)
//! id = "no-self-hosted"
//! rule = "workflow-remote-script"
//! regex = 'runs-on:.*self-hosted'
//! description = "uses a self-hosted runner"
//! ```
//!
//! Line patterns live in `policies/data/workflow-patterns.toml`, matched
//! against added lines with their `# …` comments cut off. A GitHub workflow
//! (or a composite action) is also read into zizmor's typed models
//! (`github-actions-models`, see [`structure`]): triggers, jobs, permissions,
//! `uses:` and `run:` are then known as such, for the checks that pair a
//! trigger with a step or need to know what a script is. A file that is not
//! YAML is a `workflow-invalid` finding; one that is YAML but not a workflow
//! the models know is checked line by line (a `-v` note says so), with the
//! line-based version of the `pull_request_target` check.

pub(crate) mod locate;
pub(crate) mod structure;

pub(crate) use locate::{clip, strip_comment, uses_value};

use crate::rules::family::{CheckContext, CompileContext, Family};
use globset::GlobSet;
use regex::Regex;
use serde::Deserialize;

use crate::config::{compile_regex, Globs, KeyPath, Problems};
use crate::diag::RuleInfo;
use crate::diag::Severity;
use crate::model::Needs;
use crate::model::{Change, Content, FileChange};
use crate::rules::sink::Sink;

/// The embedded pattern table.
pub(crate) const PATTERNS: &str = include_str!("../../policies/data/workflow-patterns.toml");

/// CI files checked by default.
pub(crate) const DEFAULT_PATHS: &[&str] = &[
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    "/.gitlab-ci.yml",
    ".github/actions/**/action.yml",
    ".github/actions/**/action.yaml",
];

macro_rules! rule {
    ($id:literal, $sev:ident, $summary:literal, $hint:literal) => {
        RuleInfo {
            id: $id,
            family: "workflows",
            default: Severity::$sev,
            summary: $summary,
            hint: $hint,
        }
    };
}

/// The rules of this family.
pub(crate) const RULES: &[RuleInfo] = &[
    rule!(
        "workflow-review-missing",
        Error,
        "a CI workflow file changed without a maintainer's review trailer",
        "have a maintainer review the workflow change and add their review trailer"
    ),
    rule!(
        "workflow-pr-target-checkout",
        Error,
        "a `pull_request_target` (or `workflow_run`) workflow checks out the pull request's head: untrusted code runs with secrets",
        "check out the base revision only, or split the job: build the PR in `pull_request`, publish in a trusted job"
    ),
    rule!(
        "workflow-remote-script",
        Warn,
        "a workflow downloads a script and runs it (`curl … | sh`)",
        "download to a file, verify a pinned checksum or signature, then run it (or use a pinned action)"
    ),
    rule!(
        "workflow-secret-leak",
        Error,
        "a workflow prints a secret to the log or serialises all secrets",
        "pass the secret through `env:` to the one command that needs it, never to `echo`"
    ),
    rule!(
        "workflow-secret-to-url",
        Warn,
        "a workflow sends a secret to a host the policy does not trust",
        "send secrets only to the service they belong to; list that host in `workflows.trusted_hosts`"
    ),
    rule!(
        "workflow-write-all",
        Error,
        "a workflow grants `permissions: write-all` to the GITHUB_TOKEN",
        "grant only the scopes the job needs (e.g. `permissions: { contents: read }`)"
    ),
    rule!(
        "workflow-unpinned-action",
        Warn,
        "an action or reusable workflow is referenced by a branch or tag instead of a full commit SHA",
        "pin `uses: owner/repo@<40-hex commit sha>  # vX.Y.Z` (a tag or branch can be moved to other code)"
    ),
    rule!(
        "workflow-script-injection",
        Warn,
        "attacker-controlled event text (`${{ github.event.issue.title }}`, `github.head_ref`) is interpolated into a script",
        "pass the value through `env:` and use \"$VAR\" in the script"
    ),
    rule!(
        "workflow-invalid",
        Warn,
        "a GitHub workflow or action file is not valid YAML (GitHub will not run it; it was checked line by line only)",
        "fix the YAML where the message says (a YAML linter or `zizmor` shows the same error)"
    ),
    rule!(
        "workflow-checkout-credentials",
        Warn,
        "`actions/checkout` without `persist-credentials: false`: the token stays in `.git/config` for every later step and any uploaded workspace",
        "add `with: { persist-credentials: false }` to the checkout step (pass a token explicitly to the one step that pushes)"
    ),
    rule!(
        "workflow-cache-poisoning",
        Warn,
        "a cache is restored or saved in a workflow run on a privileged or publishing trigger (`pull_request_target`, `workflow_run`, `release`, tag pushes)",
        "do not cache in privileged or release workflows (remove the cache step or its `cache:` input), or build the release without restoring caches"
    ),
    rule!(
        "workflow-self-hosted-runner",
        Warn,
        "a job runs on a self-hosted runner in a workflow that outsiders can trigger (pull requests from forks, comments, issues)",
        "use GitHub-hosted runners for fork-triggered workflows, or restrict the trigger (e.g. to `push`) and require approval for fork runs"
    ),
    rule!(
        "workflow-permissions-default",
        Warn,
        "a job runs with the repository's default GITHUB_TOKEN permissions: no `permissions:` at the top of the workflow or in the job",
        "add `permissions: { contents: read }` at the top of the workflow and grant more per job only where needed"
    ),
    rule!(
        "workflow-permissions-broad",
        Warn,
        "a write scope is granted at the top of a workflow with several jobs: every job without its own `permissions:` gets it",
        "keep `permissions: { contents: read }` at the top and grant write scopes in the one job that needs them"
    ),
];

const REVIEW: &RuleInfo = crate::diag::rule(RULES, "workflow-review-missing");
const PR_TARGET: &RuleInfo = crate::diag::rule(RULES, "workflow-pr-target-checkout");
const SECRET_TO_URL: &RuleInfo = crate::diag::rule(RULES, "workflow-secret-to-url");
const UNPINNED: &RuleInfo = crate::diag::rule(RULES, "workflow-unpinned-action");
const INJECTION: &RuleInfo = crate::diag::rule(RULES, "workflow-script-injection");
const INVALID: &RuleInfo = crate::diag::rule(RULES, "workflow-invalid");

/// The rules the structural checks report as.
const STRUCTURE_RULES: structure::Rules = structure::Rules {
    pr_target: PR_TARGET,
    injection: INJECTION,
    credentials: crate::diag::rule(RULES, "workflow-checkout-credentials"),
    cache: crate::diag::rule(RULES, "workflow-cache-poisoning"),
    self_hosted: crate::diag::rule(RULES, "workflow-self-hosted-runner"),
    permissions: crate::diag::rule(RULES, "workflow-permissions-default"),
    broad: crate::diag::rule(RULES, "workflow-permissions-broad"),
};

/// A risky-line pattern as written (data file or policy).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPattern {
    /// The pattern's id, unique (not the id of a built-in pattern).
    pub(crate) id: String,
    /// The built-in rule it reports as.
    pub(crate) rule: String,
    /// A regex matched against each added line of a CI file.
    pub(crate) regex: String,
    /// A regex that, when it also matches the line, cancels the finding.
    pub(crate) unless: Option<String>,
    /// What the pattern means, for the finding's message.
    pub(crate) description: Option<String>,
    /// Lines the pattern is meant to match (documentation; the embedded
    /// patterns are tested against theirs).
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "documentation; read by the tests")
    )]
    #[serde(default)]
    pub(crate) examples: Vec<String>,
    /// Lines the pattern is meant not to match (documentation).
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "documentation; read by the tests")
    )]
    #[serde(default)]
    pub(crate) counter_examples: Vec<String>,
}

/// The data file's schema.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternData {
    trusted_hosts: Vec<String>,
    structure: structure::Data,
    pattern: Vec<RawPattern>,
}

/// `[workflows]` as written.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWorkflows {
    /// More CI file globs (added to the built-in ones).
    pub(crate) paths: Option<Vec<String>>,
    /// Trailers that record the review (default: Reviewed-by, Acked-by).
    pub(crate) review_trailers: Option<Vec<String>>,
    /// `owner/repo` globs exempt from SHA pinning.
    pub(crate) trusted_actions: Option<Vec<String>>,
    /// Hosts a secret may be sent to (added to the built-in ones).
    pub(crate) trusted_hosts: Option<Vec<String>>,
    /// More risky-line patterns.
    pub(crate) patterns: Option<Vec<RawPattern>>,
}

/// A compiled pattern.
#[derive(Debug)]
pub(crate) struct Pattern {
    pub(crate) id: String,
    pub(crate) rule: &'static RuleInfo,
    pub(crate) regex: Regex,
    pub(crate) unless: Option<Regex>,
    pub(crate) description: String,
}

impl Compiled {
    /// The trailer keys that record a review of a CI change (the server
    /// judges that review from evidence, see `Policy::reviewers_for`).
    pub(crate) fn review_trailers(&self) -> &[String] {
        &self.review_trailers
    }
}

/// Compiled `[workflows]`.
#[derive(Debug)]
pub(crate) struct Compiled {
    /// The built-in CI files, and the policy's.
    paths: Globs,
    review_trailers: Vec<String>,
    trusted_actions: Option<GlobSet>,
    /// The policy's own trusted hosts, lowercased (the embedded ones are in
    /// [`Embedded`]).
    trusted_hosts: Vec<String>,
    /// The policy's own patterns, compiled at load; the embedded ones are
    /// compiled on first use (see [`embedded_compiled`]).
    own_patterns: Vec<Pattern>,
}

impl Compiled {
    /// True for a CI file this family checks.
    pub(crate) fn is_ci_file(&self, path: &str) -> bool {
        self.paths.is_match(path)
    }

    /// Every risky-line pattern: the embedded table's, then the policy's.
    pub(crate) fn patterns(&self) -> impl Iterator<Item = &Pattern> {
        embedded_compiled()
            .patterns
            .iter()
            .chain(self.own_patterns.iter())
    }

    /// True when secrets may be sent to `host` (a trusted host or a subdomain of one).
    fn trusts_host(&self, host: &str) -> bool {
        let is = |t: &String| host == t || host.ends_with(&format!(".{t}"));
        embedded_compiled().trusted_hosts.iter().any(is) || self.trusted_hosts.iter().any(is)
    }
}

/// The embedded table, compiled.
#[derive(Debug, Default)]
struct Embedded {
    /// Lowercased.
    trusted_hosts: Vec<String>,
    patterns: Vec<Pattern>,
    structure: structure::Data,
}

/// The embedded table, parsed and compiled once per process, on first use:
/// a policy load (a commit-msg hook, which never looks at files) does not pay
/// for it. The table is part of the binary and its tests compile every entry
/// against its examples, so a failure here is a build defect: it is logged
/// and the embedded patterns are skipped.
fn embedded_compiled() -> &'static Embedded {
    static EMBEDDED: std::sync::OnceLock<Embedded> = std::sync::OnceLock::new();
    EMBEDDED.get_or_init(|| {
        let data = match embedded() {
            Ok(d) => d,
            Err(e) => {
                tracing::error!("{e}");
                return Embedded::default();
            }
        };
        let data_path = KeyPath::of(&["workflows", "(embedded patterns)"]);
        let mut problems = Problems::default();
        let patterns = data
            .pattern
            .iter()
            .filter_map(|p| compile_pattern(p, &data_path.id(&p.id), &mut problems))
            .collect();
        for p in &problems.0 {
            tracing::error!("{}: {}", p.path, p.message);
        }
        Embedded {
            trusted_hosts: data
                .trusted_hosts
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect(),
            patterns,
            structure: data.structure,
        }
    })
}

/// The ids of the embedded patterns (parsed once, not compiled).
fn embedded_ids() -> &'static [String] {
    static IDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    IDS.get_or_init(|| {
        embedded()
            .map(|d| d.pattern.into_iter().map(|p| p.id).collect())
            .unwrap_or_default()
    })
}

fn compile_pattern(raw: &RawPattern, path: &KeyPath, problems: &mut Problems) -> Option<Pattern> {
    let Some(rule) = RULES.iter().find(|r| r.id == raw.rule) else {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        problems.error(
            path.key("rule"),
            format!(
                "pattern `{}`: unknown rule `{}` (one of: {})",
                raw.id,
                raw.rule,
                ids.join(", ")
            ),
        );
        return None;
    };
    let regex = compile_regex(&raw.regex, &path.key("regex"), problems)?;
    let unless = match &raw.unless {
        Some(u) => Some(compile_regex(u, &path.key("unless"), problems)?),
        None => None,
    };
    Some(Pattern {
        id: raw.id.clone(),
        rule,
        regex,
        unless,
        description: raw
            .description
            .clone()
            .unwrap_or_else(|| format!("matches the risky pattern `{}`", raw.id)),
    })
}

/// The embedded patterns and trusted hosts.
fn embedded() -> Result<PatternData, String> {
    crate::config::embedded::from_str::<PatternData>(PATTERNS).map_err(|e| {
        format!(
            "policies/data/workflow-patterns.toml is invalid: {}",
            e.message()
        )
    })
}

/// Validates `[workflows]`: the policy's own settings and patterns are
/// checked (and compiled) here; the embedded table waits for its first use.
pub(crate) fn compile(raw: RawWorkflows, path: &KeyPath, problems: &mut Problems) -> Compiled {
    let mut own_patterns: Vec<Pattern> = Vec::new();
    for p in raw.patterns.iter().flatten() {
        let dup = embedded_ids().contains(&p.id) || own_patterns.iter().any(|q| q.id == p.id);
        if dup {
            problems.error(
                path.key("patterns").id(&p.id),
                format!("duplicate pattern id `{}`", p.id),
            );
            continue;
        }
        if let Some(c) = compile_pattern(p, &path.key("patterns").id(&p.id), problems) {
            own_patterns.push(c);
        }
    }
    // The built-in paths alone wait for their first use; with the policy's
    // they are compiled now, so that an error is a load error.
    let paths = raw.paths.map(|extra| {
        let mut globs: Vec<String> = DEFAULT_PATHS.iter().map(|s| s.to_string()).collect();
        globs.extend(extra);
        globs
    });
    let review_trailers = raw
        .review_trailers
        .unwrap_or_else(|| vec!["Reviewed-by".into(), "Acked-by".into()]);
    if review_trailers.is_empty() {
        problems.error(
            path.key("review_trailers"),
            "`review_trailers` needs at least one trailer key (or set `workflow-review-missing = \"off\"` under [severity])",
        );
    }
    let trusted_actions = match raw.trusted_actions.filter(|t| !t.is_empty()) {
        Some(t) => build_action_globs(&t, &path.key("trusted_actions"), problems),
        None => None,
    };
    Compiled {
        paths: Globs::compile(paths, DEFAULT_PATHS, &path.key("paths"), problems),
        review_trailers,
        trusted_actions,
        trusted_hosts: raw
            .trusted_hosts
            .unwrap_or_default()
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect(),
        own_patterns,
    }
}

/// `owner/repo` globs (matched against the whole `owner/repo[/path]` reference).
fn build_action_globs(
    globs: &[String],
    path: &KeyPath,
    problems: &mut Problems,
) -> Option<GlobSet> {
    let mut b = globset::GlobSetBuilder::new();
    for (i, g) in globs.iter().enumerate() {
        match globset::GlobBuilder::new(g).literal_separator(true).build() {
            Ok(glob) => {
                b.add(glob);
            }
            Err(e) => {
                problems.error(path.index(i), format!("invalid glob `{g}`: {e}"));
                return None;
            }
        }
    }
    b.build().ok()
}

/// Runs the family over one change.
pub(crate) fn check(cfg: &Compiled, change: &Change, sink: &mut Sink) {
    let ci: Vec<&FileChange> = change
        .files()
        .iter()
        .filter(|f| {
            cfg.is_ci_file(&f.path) || f.old_path.as_deref().is_some_and(|p| cfg.is_ci_file(p))
        })
        .collect();
    if ci.is_empty() {
        return;
    }
    if sink.enabled(REVIEW) && change.message.is_some() {
        let reviewers = sink.maintainer_reviewers(cfg.review_trailers.clone());
        if reviewers.review(change).is_none() {
            for f in &ci {
                sink.report(
                    REVIEW,
                    format!(
                        "CI file {} was {} without {}",
                        f.path,
                        match f.status {
                            crate::model::Status::Added => "added",
                            crate::model::Status::Deleted => "deleted",
                            crate::model::Status::Renamed => "renamed",
                            _ => "changed",
                        },
                        reviewers.describe()
                    ),
                )
                .path(&f.path);
            }
        }
    }
    for f in ci {
        if f.content != Content::Text || f.added.is_empty() {
            continue;
        }
        let parsed = structure::parse(&f.path, &f.text);
        let doc = match parsed {
            Some(structure::Parsed::Doc(d)) => Some(d),
            Some(structure::Parsed::NotYaml { line, message }) => {
                if sink.enabled(INVALID) {
                    let r = sink
                        .report(
                            INVALID,
                            if message.contains("limit exceeded") {
                                format!("{} is YAML too deep or too repetitive to read ({message}): the parser's limits refuse it", f.path)
                            } else {
                                format!("{} is not valid YAML: {message}", f.path)
                            },
                        )
                        .path(&f.path);
                    if line > 0 {
                        r.line(line).snippet(clip(f.line(line).unwrap_or_default()));
                    }
                }
                None
            }
            Some(structure::Parsed::NotModel(why)) => {
                tracing::info!(
                    "{}: YAML, but not a workflow or action the models read ({why}); checked line by line only",
                    f.path
                );
                None
            }
            None => None,
        };
        check_lines(cfg, f, doc.is_some(), sink);
        match &doc {
            Some(d) => {
                structure::check(d, f, &embedded_compiled().structure, &STRUCTURE_RULES, sink)
            }
            None if sink.enabled(PR_TARGET) => check_pr_target(f, sink),
            None => {}
        }
    }
}

/// The line rules; `structured` when the file was parsed, so that the
/// structural script-injection check replaces the line pattern's.
fn check_lines(cfg: &Compiled, f: &FileChange, structured: bool, sink: &mut Sink) {
    for (n, raw) in f.added_lines() {
        let line = strip_comment(raw);
        if line.trim().is_empty() {
            continue;
        }
        for p in cfg.patterns() {
            if structured && p.rule.id == INJECTION.id {
                continue;
            }
            if sink.enabled(p.rule)
                && p.regex.is_match(line)
                && !p.unless.as_ref().is_some_and(|u| u.is_match(line))
            {
                sink.report(p.rule, format!("{} (`{}`)", p.description, p.id))
                    .path(&f.path)
                    .line(n)
                    .snippet(clip(raw));
            }
        }
        if sink.enabled(UNPINNED) {
            check_uses(cfg, f, n, line, sink);
        }
        if sink.enabled(SECRET_TO_URL) {
            check_secret_to_url(cfg, f, n, line, sink);
        }
    }
}

/// Why a `uses:` reference is not pinned, or `None` when it is (or is local).
pub(crate) fn unpinned_reason(uses: &str) -> Option<String> {
    // `./path` and `$/path` (the same repository at the same commit) are local.
    if uses.starts_with("./")
        || uses.starts_with(".\\")
        || uses.starts_with("$/")
        || uses.contains("${{")
    {
        return None;
    }
    if let Some(image) = uses.strip_prefix("docker://") {
        return (!image.contains("@sha256:"))
            .then(|| format!("the image `{image}` is not pinned by `@sha256:` digest"));
    }
    let Some((_, r)) = uses.rsplit_once('@') else {
        return Some(format!("`{uses}` names no version at all"));
    };
    let is_sha = (r.len() == 40 || r.len() == 64) && r.bytes().all(|b| b.is_ascii_hexdigit());
    (!is_sha).then(|| format!("`{uses}` is pinned to `{r}`, a branch or tag that can move"))
}

/// The reference of a `uses:` inside a flow mapping on one line
/// (`- { uses: owner/repo@ref, with: … }`), unquoted.
pub(crate) fn flow_uses_value(line: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(i) = line[from..].find("uses") {
        let at = from + i;
        from = at + 4;
        let before = line[..at].trim_end();
        if !(before.ends_with('{') || before.ends_with(',')) || !before.contains('{') {
            continue;
        }
        let Some(rest) = line[at + 4..].trim_start().strip_prefix(':') else {
            continue;
        };
        let rest = rest.trim_start();
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        let v = rest[..end].trim().trim_matches(|c| c == '"' || c == '\'');
        if !v.is_empty() {
            return Some(v);
        }
    }
    None
}

fn check_uses(cfg: &Compiled, f: &FileChange, n: u32, line: &str, sink: &mut Sink) {
    let Some(uses) = uses_value(line).or_else(|| flow_uses_value(line)) else {
        return;
    };
    let Some(reason) = unpinned_reason(uses) else {
        return;
    };
    let repo = uses.split('@').next().unwrap_or(uses);
    if cfg.trusted_actions.as_ref().is_some_and(|g| {
        g.is_match(repo) || g.is_match(repo.splitn(3, '/').take(2).collect::<Vec<_>>().join("/"))
    }) {
        sink.suppressed();
        return;
    }
    sink.report(UNPINNED, reason)
        .path(&f.path)
        .line(n)
        .snippet(clip(line));
}

/// Hosts of the `http(s)://` URLs on a line.
fn url_hosts(line: &str) -> Vec<String> {
    line.match_indices("://")
        .filter(|(i, _)| line[..*i].ends_with("http") || line[..*i].ends_with("https"))
        .map(|(i, _)| {
            let rest = &line[i + 3..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
                .unwrap_or(rest.len());
            rest[..end].to_ascii_lowercase()
        })
        .collect()
}

fn check_secret_to_url(cfg: &Compiled, f: &FileChange, n: u32, line: &str, sink: &mut Sink) {
    let lower = line.to_ascii_lowercase();
    let Some(at) = lower.find("secrets.") else {
        return;
    };
    if !lower[..at].contains("${{") {
        return;
    }
    let sends = [
        "curl",
        "wget",
        "invoke-webrequest",
        "invoke-restmethod",
        "nc ",
        "ncat",
        "http ",
    ]
    .iter()
    .any(|w| lower.contains(w));
    if !sends {
        return;
    }
    let hosts = url_hosts(line);
    let trusted = |h: &String| cfg.trusts_host(h);
    if !hosts.is_empty() && hosts.iter().all(trusted) {
        return;
    }
    let to = if hosts.is_empty() {
        "a URL this line does not spell out".to_string()
    } else {
        hosts
            .iter()
            .filter(|h| !trusted(h))
            .map(|h| format!("`{h}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    sink.report(SECRET_TO_URL, format!("a secret is sent to {to}"))
        .path(&f.path)
        .line(n)
        .snippet(clip(line));
}

/// Expressions that name the pull request's (untrusted) head.
fn head_refs() -> &'static [String] {
    &embedded_compiled().structure.head_refs
}

/// True for a line that checks something out (or fetches it to run).
fn is_checkout(line: &str) -> bool {
    let t = line.trim_start().trim_start_matches('-').trim_start();
    t.starts_with("ref:")
        || t.starts_with("repository:")
        || line.contains("git checkout")
        || line.contains("git fetch")
        || line.contains("git switch")
        || line.contains("gh pr checkout")
}

fn names_head(line: &str) -> bool {
    head_refs().iter().any(|r| line.contains(r.as_str()))
}

/// The line of the privileged trigger, when the workflow has one.
fn privileged_trigger(f: &FileChange) -> Option<u32> {
    (1..=f.line_count()).find(|&n| {
        f.line(n).is_some_and(|l| {
            let l = strip_comment(l);
            let t = l.trim_start().trim_start_matches('-').trim_start();
            (l.contains("pull_request_target") || l.contains("workflow_run"))
                && !t.starts_with("if:")
                && !t.starts_with("run:")
                && !l.contains("github.event")
        })
    })
}

fn check_pr_target(f: &FileChange, sink: &mut Sink) {
    // Cheap pre-filter: nothing to do unless the file mentions the head.
    if !head_refs().iter().any(|r| f.text.contains(r.as_str())) {
        return;
    }
    let Some(trigger) = privileged_trigger(f) else {
        return;
    };
    let added = |n: u32| f.added.binary_search(&n).is_ok();
    let checkouts: Vec<u32> = (1..=f.line_count())
        .filter(|&n| {
            f.line(n)
                .map(strip_comment)
                .is_some_and(|l| names_head(l) && is_checkout(l))
        })
        .collect();
    let added_checkouts: Vec<u32> = checkouts.iter().copied().filter(|&n| added(n)).collect();
    let trigger_text = clip(f.line(trigger).unwrap_or_default());
    if !added_checkouts.is_empty() {
        for n in added_checkouts {
            sink.report(
                PR_TARGET,
                format!(
                    "the workflow runs on `{trigger_text}` (line {trigger}) and checks out the pull request's head here"
                ),
            )
            .path(&f.path)
            .line(n)
            .snippet(clip(f.line(n).unwrap_or_default()));
        }
    } else if let Some(&first) = checkouts.first().filter(|_| added(trigger)) {
        sink.report(
            PR_TARGET,
            format!(
                "the workflow now runs on `{trigger_text}` while it checks out the pull request's head (line {first})"
            ),
        )
        .path(&f.path)
        .line(trigger)
        .snippet(trigger_text);
    }
}

impl Family for Compiled {
    const NAME: &'static str = "workflows";
    const RULES: &'static [RuleInfo] = RULES;
    type Raw = RawWorkflows;

    fn compile(
        raw: RawWorkflows,
        key: &KeyPath,
        _: &CompileContext<'_>,
        problems: &mut Problems,
    ) -> Option<Self> {
        Some(compile(raw, key, problems))
    }

    fn needs(&self) -> Needs {
        Needs {
            files: true,
            lines: true,
        }
    }

    fn check(&self, change: &Change, _: &CheckContext<'_>, sink: &mut Sink) {
        check(self, change, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_patterns_match_their_examples() {
        // From the TOML: the embedded form leaves the examples out.
        let data: PatternData = toml::from_str(PATTERNS).expect("valid data file");
        let mut problems = Problems::default();
        let mut ids = std::collections::HashSet::new();
        for raw in &data.pattern {
            assert!(ids.insert(raw.id.clone()), "duplicate id {}", raw.id);
            assert!(crate::rules::custom::is_kebab(&raw.id), "{}", raw.id);
            let p = compile_pattern(raw, &KeyPath::root(), &mut problems)
                .unwrap_or_else(|| panic!("{}: {:?}", raw.id, problems.0));
            let hits = |s: &str| {
                let l = strip_comment(s);
                p.regex.is_match(l) && !p.unless.as_ref().is_some_and(|u| u.is_match(l))
            };
            assert!(!raw.examples.is_empty(), "{} has no examples", raw.id);
            for e in &raw.examples {
                assert!(hits(e), "{} misses its example {e:?}", raw.id);
            }
            for c in &raw.counter_examples {
                assert!(!hits(c), "{} matches its counter-example {c:?}", raw.id);
            }
        }
    }

    #[test]
    fn uses_references() {
        assert_eq!(
            uses_value("      - uses: actions/checkout@v4"),
            Some("actions/checkout@v4")
        );
        assert_eq!(uses_value("  uses: 'a/b@main'"), Some("a/b@main"));
        assert_eq!(uses_value("  reuses: a/b@main"), None);
        assert_eq!(
            flow_uses_value("      - &co { uses: \"actions/checkout@v4\", with: {a: b} }"),
            Some("actions/checkout@v4")
        );
        assert_eq!(
            flow_uses_value("      - {name: x, uses: a/b@v1}"),
            Some("a/b@v1")
        );
        assert_eq!(flow_uses_value("      run: echo {reuses: a/b@v1}"), None);
        assert_eq!(flow_uses_value("      run: echo uses: a/b@v1"), None);
        let sha = "b4ffde65f46336ab88eb53be808477a3936bae11";
        assert_eq!(unpinned_reason(&format!("actions/checkout@{sha}")), None);
        assert!(unpinned_reason("actions/checkout@v4").is_some());
        assert!(unpinned_reason("actions/checkout@main").is_some());
        assert!(unpinned_reason("actions/checkout").is_some());
        assert_eq!(unpinned_reason("./.github/actions/setup"), None);
        assert_eq!(unpinned_reason("$/.github/workflows/test.yml"), None);
        assert_eq!(
            unpinned_reason(&format!("docker://alpine@sha256:{}", "a".repeat(64))),
            None
        );
        assert!(unpinned_reason("docker://alpine:3.19").is_some());
        assert!(unpinned_reason("o/r/.github/workflows/ci.yml@v1").is_some());
    }

    #[test]
    fn comments_are_cut_outside_quotes() {
        assert_eq!(strip_comment("uses: a/b@v1 # pinned"), "uses: a/b@v1 ");
        assert_eq!(
            strip_comment("run: echo '# not a comment'"),
            "run: echo '# not a comment'"
        );
        assert_eq!(strip_comment("# whole line"), "");
        assert_eq!(strip_comment("url: http://x/#frag"), "url: http://x/#frag");
    }

    #[test]
    fn hosts_of_urls() {
        assert_eq!(
            url_hosts("curl -H x https://API.github.com/repos and http://evil.example:8080/x"),
            vec!["api.github.com".to_string(), "evil.example".to_string()]
        );
    }
}
