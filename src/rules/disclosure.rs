//! Disclosure rules (`[disclosure]`): AI involvement must be declared in a
//! trailer of the policy's kind, in the policy's format, naming an approved
//! tool; or, for a project that bans AI contributions, not be there at all.
//!
//! ```toml
//! [disclosure]
//! trailers = ["Assisted-by"]             # keys that count as a disclosure (the first is suggested)
//! required = "when-ai-detected"          # always | when-ai-detected | optional | forbidden (a ban)
//! value = '^(?P<tool>[^:\s]+):(?P<model>\S+)'   # format of the value
//! value_hint = "AGENT:MODEL [TOOL…]"     # the format in words, for messages
//! suggest = "{tool}:{model}"             # the value suggested from what was detected
//! denied_tools = ["ExampleTool"]
//! forbid_ai_trailers = ["Co-authored-by"]   # or ["*"]: every AI trailer
//! max_lines = 400                        # AI-assisted commits adding more non-test lines…
//! large_trailers = ["Reviewed-by"]       # …need one of these trailers
//! ```
//!
//! The signals themselves come from [`crate::ai`]; this family only judges them.

use crate::rules::family::{CheckContext, CompileContext, Family};
use globset::GlobSet;
use regex::Regex;
use serde::Deserialize;

use crate::ai::{self, Seen, Signal};
use crate::config::{compile_globs, compile_regex, KeyPath, Problems};
use crate::diag::RuleInfo;
use crate::diag::Severity;
use crate::identity::Person;
use crate::message::{Message, Trailer};
use crate::model::Needs;
use crate::model::{Change, Content, Status};
use crate::rules::sink::Sink;

/// The default test globs for `max_lines`.
pub(crate) const TEST_PATHS: &str = include_str!("../../policies/data/test-paths.toml");

/// When a disclosure trailer is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Required {
    /// On every commit (merges exempt unless `exempt_merges = false`).
    Always,
    /// When any AI signal is present.
    WhenAiDetected,
    /// Never required; its format is still checked when present.
    Optional,
    /// AI contributions are banned: any signal is a finding.
    Forbidden,
}

impl Required {
    /// The name as written in the policy.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Required::Always => "always",
            Required::WhenAiDetected => "when-ai-detected",
            Required::Optional => "optional",
            Required::Forbidden => "forbidden",
        }
    }
}

/// `[disclosure]` as written.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDisclosure {
    /// Trailer keys that count as a disclosure (the first is the one suggested; default `Assisted-by`, `Generated-by`).
    trailers: Option<Vec<String>>,
    /// When a disclosure trailer is required (default `when-ai-detected`).
    required: Option<Required>,
    /// A regex the disclosure value must match; named groups `tool` and `model` let tools be judged.
    value: Option<String>,
    /// The expected value format in words, for messages (`AGENT:MODEL [TOOL…]`).
    value_hint: Option<String>,
    /// The value suggested from what was detected, with `{tool}` and `{model}` (default `{tool}:{model}`).
    suggest: Option<String>,
    /// A tool's own trailer (`Co-authored-by: Claude <…>`, `Made-with:
    /// Cursor`) counts as a disclosure.
    accept_tool_trailers: Option<bool>,
    /// The key suggested when an agent acted (`Generated-by`, for
    /// generative rather than assistive use, as OpenInfra distinguishes).
    suggest_agentic: Option<String>,
    /// When set, the only AI tools accepted (by name, as in the signatures table).
    approved_tools: Option<Vec<String>>,
    /// AI tools that are not accepted (by name).
    denied_tools: Option<Vec<String>>,
    /// Trailer keys in which an AI tool may not be named (`["*"]`: every AI trailer).
    forbid_ai_trailers: Option<Vec<String>>,
    /// Reject AI tools' attribution footers in the message body.
    forbid_ai_footers: Option<bool>,
    /// AI-assisted commits adding more lines than this outside test paths need a `large_trailers` trailer.
    max_lines: Option<u64>,
    /// Globs of test files whose lines `max_lines` does not count (default: policies/data/test-paths.toml).
    test_paths: Option<Vec<String>>,
    /// Trailers (from someone other than the author) that make a large AI-assisted commit acceptable.
    large_trailers: Option<Vec<String>>,
    /// Merge commits need no disclosure under `required = "always"` (default true).
    exempt_merges: Option<bool>,
    /// The commit-msg hook adds the suggested disclosure trailer itself when
    /// it recognises the tool, and says so (default false).
    autofix: Option<bool>,
}

/// Compiled `[disclosure]`.
#[derive(Debug)]
pub(crate) struct Disclosure {
    /// Trailer keys that count as a disclosure; the first is the one suggested.
    pub(crate) trailers: Vec<String>,
    /// When a disclosure is required.
    pub(crate) required: Required,
    /// The regex a disclosure value must match (its `tool` and `model` groups
    /// name what is judged); `None`: any value.
    value: Option<Regex>,
    /// The expected value format in words, for messages.
    value_hint: Option<String>,
    /// The suggested value, with `{tool}` and `{model}` filled from what was
    /// detected.
    suggest: String,
    /// A tool's own trailer (`Co-authored-by: Claude <…>`) counts as a
    /// disclosure.
    accept_tool_trailers: bool,
    /// The key suggested instead of the first when an agent acted.
    suggest_agentic: Option<String>,
    /// (display name, key) of approved tools; empty means every tool.
    approved: Vec<(String, String)>,
    /// (display name, key) of the tools that are not accepted.
    denied: Vec<(String, String)>,
    /// Trailer keys (any case) in which no AI tool may be named.
    forbid_trailers: Vec<String>,
    /// `forbid_ai_trailers = ["*"]`: no trailer may name an AI tool.
    forbid_all_trailers: bool,
    /// AI tools' attribution footers in the body are findings.
    forbid_footers: bool,
    /// More added lines than this (outside `tests`) in an AI-assisted commit
    /// need one of `large_trailers`.
    max_lines: Option<u64>,
    /// Test files, whose lines `max_lines` does not count.
    tests: Option<GlobSet>,
    /// Trailers (from someone other than the author) that make a large
    /// AI-assisted commit acceptable.
    large_trailers: Vec<String>,
    /// Merges need no disclosure under `required = "always"`.
    exempt_merges: bool,
    /// The commit-msg hook adds the suggested trailer itself when it
    /// recognises the tool.
    pub(crate) autofix: bool,
}

/// The family's rules: ids, default severities, summaries and hints.
pub(crate) const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "disclosure-missing",
        family: "disclosure",
        default: Severity::Error,
        summary: "AI involvement was detected (or the policy asks on every commit) but no disclosure trailer of the policy's kind is present",
        hint: "add the disclosure trailer the finding suggests (`git commit --amend --trailer 'Assisted-by: TOOL:MODEL'`)",
    },
    RuleInfo {
        id: "disclosure-format",
        family: "disclosure",
        default: Severity::Error,
        summary: "a disclosure trailer's value is empty or does not match the policy's `value` format",
        hint: "rewrite the trailer value in the format the policy gives",
    },
    RuleInfo {
        id: "disclosure-forbidden",
        family: "disclosure",
        default: Severity::Error,
        summary: "the policy bans AI contributions (`required = \"forbidden\"`) and the commit shows AI involvement",
        hint: "this project does not accept AI-generated contributions; rewrite the change without AI tools",
    },
    RuleInfo {
        id: "disclosure-denied-tool",
        family: "disclosure",
        default: Severity::Error,
        summary: "the commit names or shows an AI tool in `denied_tools`",
        hint: "redo the change without this tool, or ask for it to be approved",
    },
    RuleInfo {
        id: "disclosure-unapproved-tool",
        family: "disclosure",
        default: Severity::Error,
        summary: "the commit names or shows an AI tool that is not in `approved_tools`",
        hint: "use an approved tool, or ask for this one to be added to `approved_tools`",
    },
    RuleInfo {
        id: "disclosure-forbidden-trailer",
        family: "disclosure",
        default: Severity::Error,
        summary: "an AI tool is named in a trailer the policy forbids for AI (`forbid_ai_trailers`)",
        hint: "remove the trailer (`git commit --amend`) and disclose AI help where the policy asks",
    },
    RuleInfo {
        id: "disclosure-forbidden-footer",
        family: "disclosure",
        default: Severity::Error,
        summary: "an AI tool's footer is in the message and the policy forbids AI attribution there (`forbid_ai_footers`)",
        hint: "remove the footer line (`git commit --amend`) and disclose AI help where the policy asks",
    },
    RuleInfo {
        id: "disclosure-large-change",
        family: "disclosure",
        default: Severity::Warn,
        summary: "an AI-assisted commit adds more non-test lines than `max_lines` without a `large_trailers` trailer",
        hint: "split the change into smaller commits you fully understand, or add the review trailer the policy names",
    },
];

const MISSING: &RuleInfo = crate::diag::rule(RULES, "disclosure-missing");
const FORMAT: &RuleInfo = crate::diag::rule(RULES, "disclosure-format");
const FORBIDDEN: &RuleInfo = crate::diag::rule(RULES, "disclosure-forbidden");
const DENIED: &RuleInfo = crate::diag::rule(RULES, "disclosure-denied-tool");
const UNAPPROVED: &RuleInfo = crate::diag::rule(RULES, "disclosure-unapproved-tool");
const FORBIDDEN_TRAILER: &RuleInfo = crate::diag::rule(RULES, "disclosure-forbidden-trailer");
const FORBIDDEN_FOOTER: &RuleInfo = crate::diag::rule(RULES, "disclosure-forbidden-footer");
const LARGE: &RuleInfo = crate::diag::rule(RULES, "disclosure-large-change");

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn keys(
    raw: Option<Vec<String>>,
    default: &[&str],
    path: &KeyPath,
    problems: &mut Problems,
) -> Vec<String> {
    let v = raw.unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect());
    for (i, k) in v.iter().enumerate() {
        if !valid_key(k) && k != "*" {
            problems.error(
                path.index(i),
                format!("`{k}` is not a trailer key (letters, digits and `-`, without the `:`)"),
            );
        }
    }
    v
}

fn tools(raw: Option<Vec<String>>) -> Vec<(String, String)> {
    raw.unwrap_or_default()
        .into_iter()
        .map(|t| {
            let k = ai::tool_key(&t);
            (t, k)
        })
        .collect()
}

/// The default test globs (from `policies/data/test-paths.toml`).
fn default_test_paths() -> Result<Vec<String>, String> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct T {
        paths: Vec<String>,
    }
    crate::config::embedded::from_str::<T>(TEST_PATHS)
        .map(|t| t.paths)
        .map_err(|e| format!("test-paths.toml: {}", e.message().trim()))
}

/// Validates and compiles `[disclosure]`.
fn compile(raw: RawDisclosure, path: &KeyPath, problems: &mut Problems) -> Disclosure {
    let required = raw.required.unwrap_or(Required::WhenAiDetected);
    let trailers = keys(
        raw.trailers,
        &["Assisted-by", "Generated-by"],
        &path.key("trailers"),
        problems,
    );
    if trailers.is_empty() && matches!(required, Required::Always | Required::WhenAiDetected) {
        problems.error(
            path.key("trailers"),
            "no disclosure trailer is listed, so a required disclosure could never be given",
        );
    }
    if let Some(k) = &raw.suggest_agentic {
        if !trailers.iter().any(|t| t.eq_ignore_ascii_case(k)) {
            problems.error(
                path.key("suggest_agentic"),
                format!("`{k}` is not one of `trailers`, so the suggested trailer would not count"),
            );
        }
    }
    let forbid = keys(
        raw.forbid_ai_trailers,
        &[],
        &path.key("forbid_ai_trailers"),
        problems,
    );
    let forbid_all_trailers = forbid.iter().any(|k| k == "*");
    let requires = matches!(required, Required::Always | Required::WhenAiDetected);
    if requires {
        if forbid_all_trailers {
            problems.error(
                path.key("forbid_ai_trailers"),
                "`\"*\"` forbids every AI trailer, disclosure trailers included, but `required` asks for one; set `required = \"optional\"` (or \"forbidden\")",
            );
        } else if let Some(k) = forbid
            .iter()
            .find(|f| trailers.iter().any(|t| t.eq_ignore_ascii_case(f)))
        {
            problems.error(
                path.key("forbid_ai_trailers"),
                format!("`{k}` is both a disclosure trailer and forbidden for AI"),
            );
        }
    }
    let value = raw
        .value
        .as_deref()
        .and_then(|v| compile_regex(v, &path.key("value"), problems));
    let suggest = raw.suggest.unwrap_or_else(|| "{tool}:{model}".to_string());
    if !suggest.contains("{tool}") {
        problems.error(
            path.key("suggest"),
            format!("`{suggest}` has no `{{tool}}`: the suggestion would not name the tool"),
        );
    }
    let approved = tools(raw.approved_tools);
    let denied = tools(raw.denied_tools);
    if let Some((t, _)) = denied
        .iter()
        .find(|(_, k)| approved.iter().any(|(_, a)| a == k))
    {
        problems.error(
            path.key("denied_tools"),
            format!("`{t}` is both approved and denied"),
        );
    }
    if raw.max_lines == Some(0) {
        problems.error(path.key("max_lines"), "must be at least 1");
    }
    let tests = match raw.max_lines {
        None => None,
        Some(_) => {
            let globs = match raw.test_paths {
                Some(g) => Some(g),
                None => match default_test_paths() {
                    Ok(g) => Some(g),
                    Err(e) => {
                        problems.error(path.key("test_paths"), e);
                        None
                    }
                },
            };
            globs.and_then(|g| compile_globs(&g, &path.key("test_paths"), problems))
        }
    };
    let large_trailers = keys(
        raw.large_trailers,
        &[],
        &path.key("large_trailers"),
        problems,
    );
    Disclosure {
        trailers,
        required,
        value,
        value_hint: raw.value_hint,
        suggest,
        accept_tool_trailers: raw.accept_tool_trailers.unwrap_or(false),
        suggest_agentic: raw.suggest_agentic,
        autofix: raw.autofix.unwrap_or(false),
        approved,
        denied,
        forbid_trailers: forbid.into_iter().filter(|k| k != "*").collect(),
        forbid_all_trailers,
        forbid_footers: raw.forbid_ai_footers.unwrap_or(false),
        max_lines: raw.max_lines,
        tests,
        large_trailers,
        exempt_merges: raw.exempt_merges.unwrap_or(true),
    }
}

impl Disclosure {
    /// Whether a rule of this family can report under this configuration.
    pub(crate) fn uses(&self, rule: &str) -> bool {
        match rule {
            "disclosure-missing" => {
                matches!(self.required, Required::Always | Required::WhenAiDetected)
            }
            "disclosure-forbidden" => self.required == Required::Forbidden,
            "disclosure-denied-tool" => {
                self.required != Required::Forbidden && !self.denied.is_empty()
            }
            "disclosure-unapproved-tool" => {
                self.required != Required::Forbidden && !self.approved.is_empty()
            }
            "disclosure-forbidden-trailer" => {
                self.forbid_all_trailers || !self.forbid_trailers.is_empty()
            }
            "disclosure-forbidden-footer" => self.forbid_footers,
            "disclosure-large-change" => self.max_lines.is_some(),
            _ => self.required != Required::Forbidden,
        }
    }

    fn is_disclosure_key(&self, key: &str) -> bool {
        self.trailers.iter().any(|k| k.eq_ignore_ascii_case(key))
    }

    /// Lines added outside test paths (text files only).
    fn non_test_lines(&self, change: &Change) -> u64 {
        change
            .files()
            .iter()
            .filter(|f| f.content == Content::Text && f.status != Status::Deleted)
            .filter(|f| !self.tests.as_ref().is_some_and(|t| t.is_match(&f.path)))
            .map(|f| f.added.len() as u64)
            .sum()
    }

    /// The trailer(s) to add, built from what was detected:
    /// `Assisted-by: Claude:opus-4.5`.
    fn suggestion(&self, key: &str, signals: &[Signal]) -> String {
        self.suggested_lines(key, signals)
            .iter()
            .map(|l| format!("`{l}`"))
            .collect::<Vec<_>>()
            .join(" and ")
    }

    /// The key a missing disclosure is suggested under: `suggest_agentic`
    /// when an agent acted, else the first accepted trailer.
    pub(crate) fn suggested_key(&self, signals: &[Signal]) -> &str {
        match (&self.suggest_agentic, signals.iter().any(|s| s.agentic)) {
            (Some(k), true) => k.as_str(),
            _ => self
                .trailers
                .first()
                .map(String::as_str)
                .unwrap_or("Assisted-by"),
        }
    }

    /// The trailer lines of [`Self::suggestion`], one per tool
    /// (`Assisted-by: TOOL:MODEL` when no tool was recognised).
    pub(crate) fn suggested_lines(&self, key: &str, signals: &[Signal]) -> Vec<String> {
        let mut tools: Vec<(&str, Option<String>)> = Vec::new();
        for s in signals {
            let Some(t) = s.tool.as_deref() else { continue };
            match tools
                .iter_mut()
                .find(|(x, _)| ai::tool_key(x) == ai::tool_key(t))
            {
                Some(e) => {
                    if e.1.is_none() {
                        e.1 = s.model.as_deref().map(ai::model_slug);
                    }
                }
                None => tools.push((t, s.model.as_deref().map(ai::model_slug))),
            }
        }
        if tools.is_empty() {
            tools.push(("TOOL", Some("MODEL".to_string())));
        }
        tools
            .iter()
            .map(|(t, m)| format!("{key}: {}", self.value_for(t, m.as_deref())))
            .collect()
    }

    fn value_for(&self, tool: &str, model: Option<&str>) -> String {
        let with = |m: &str| self.suggest.replace("{tool}", tool).replace("{model}", m);
        match model {
            Some(m) => with(m),
            None => {
                // Drop `{model}` and the separator before it, if the format allows.
                let without = match self.suggest.find("{model}") {
                    Some(at) => {
                        let before = &self.suggest[..at];
                        let trimmed = before
                            .strip_suffix(|c: char| !c.is_alphanumeric() && c != '}')
                            .unwrap_or(before);
                        format!("{trimmed}{}", &self.suggest[at + "{model}".len()..])
                            .replace("{tool}", tool)
                    }
                    None => with(""),
                };
                if self.value.as_ref().is_none_or(|r| r.is_match(&without)) {
                    without
                } else {
                    with("MODEL")
                }
            }
        }
    }
}

/// Runs the disclosure rules over one change, given its AI signals.
pub(crate) fn check(cfg: &Disclosure, change: &Change, signals: &[Signal], sink: &mut Sink) {
    let Some(msg) = &change.message else {
        return;
    };
    if cfg.required == Required::Forbidden {
        forbidden(signals, sink);
        return;
    }
    // The disclosure trailers' values.
    let disclosures: Vec<&Trailer> = msg
        .trailers
        .iter()
        .filter(|t| cfg.is_disclosure_key(&t.key))
        .collect();
    malformed(cfg, &disclosures, signals, sink);
    missing(cfg, change, msg, signals, sink);
    tool_lists(cfg, &disclosures, signals, sink);
    forbidden_trailers(cfg, signals, sink);
    large_change(cfg, change, msg, signals, sink);
}

/// `disclosure-forbidden`: the policy accepts no AI contribution at all.
fn forbidden(signals: &[Signal], sink: &mut Sink) {
    if sink.enabled(FORBIDDEN) {
        for s in signals {
            let text = s.seen.line_text();
            let e = sink
                .report(
                    FORBIDDEN,
                    format!(
                        "this project does not accept AI-generated contributions, and {} shows AI involvement",
                        s.describe()
                    ),
                )
                .snippet(text);
            if let Some(l) = s.seen.line() {
                e.line(l);
            }
        }
    }
}

/// `disclosure-format`: disclosure trailers whose value is empty or does
/// not match the policy's format.
fn malformed(cfg: &Disclosure, disclosures: &[&Trailer], signals: &[Signal], sink: &mut Sink) {
    if sink.enabled(FORMAT) {
        for t in disclosures {
            let v = t.value.trim();
            let what = cfg
                .value_hint
                .as_deref()
                .map(|h| format!(" (expected `{}: {h}`)", t.key))
                .unwrap_or_default();
            let problem = if v.is_empty() {
                Some(format!("`{}:` has an empty value{what}", t.key))
            } else {
                cfg.value.as_ref().filter(|r| !r.is_match(v)).map(|r| {
                    format!(
                        "`{}: {v}` does not match the disclosure format{what}: `{}`",
                        t.key,
                        r.as_str()
                    )
                })
            };
            if let Some(m) = problem {
                let hint = match signals.iter().any(|s| s.tool.is_some()) {
                    true => format!("write it as {}", cfg.suggestion(&t.key, signals)),
                    false => format!(
                        "write it as {}",
                        cfg.suggestion(&t.key, &[])
                            .replace("TOOL", "<tool>")
                            .replace("MODEL", "<model>")
                    ),
                };
                sink.report(FORMAT, m)
                    .line(t.line)
                    .snippet(format!("{}: {}", t.key, t.value))
                    .hint(hint);
            }
        }
    }
}

/// `disclosure-missing`: a disclosure the policy requires (always, or when
/// AI is detected) is absent.
fn missing(cfg: &Disclosure, change: &Change, msg: &Message, signals: &[Signal], sink: &mut Sink) {
    let exempt = change.is_merge && cfg.exempt_merges;
    let needed = match cfg.required {
        Required::Always => !exempt,
        Required::WhenAiDetected => !signals.is_empty(),
        Required::Optional | Required::Forbidden => false,
    };
    if needed && sink.enabled(MISSING) {
        let accepted = &cfg.trailers;
        let given = msg
            .trailers
            .iter()
            .any(|t| accepted.iter().any(|k| t.is(k)) && !t.value.trim().is_empty())
            || (cfg.accept_tool_trailers
                && signals.iter().any(|s| {
                    s.tool.is_some() && !s.identity_match && matches!(s.seen, Seen::Trailer { .. })
                }));
        if !given {
            let key = cfg.suggested_key(signals);
            let keys = accepted
                .iter()
                .map(|k| format!("`{k}:`"))
                .collect::<Vec<_>>()
                .join(" or ");
            let message = if signals.is_empty() {
                format!(
                    "the policy asks every commit to carry a {keys} trailer, and this one has none"
                )
            } else {
                let seen = signals
                    .iter()
                    .take(3)
                    .map(Signal::describe)
                    .collect::<Vec<_>>()
                    .join(", ");
                let more = if signals.len() > 3 {
                    format!(" and {} more", signals.len() - 3)
                } else {
                    String::new()
                };
                format!("AI involvement detected ({seen}{more}) but no {keys} trailer discloses it")
            };
            let line = signals.iter().find_map(|s| s.seen.line());
            let mut hint = format!("add {}", cfg.suggestion(key, signals));
            // A disclosure written where git does not read trailers.
            if let Some((k, l)) = signals.iter().find_map(|s| match &s.seen {
                Seen::Line { key, line, .. } if cfg.is_disclosure_key(key) => Some((key, line)),
                _ => None,
            }) {
                hint = format!(
                    "`{k}:` on line {l} is not in the trailer block git reads (the last paragraph, trailers only): move it there, or {hint}"
                );
            }
            let e = sink.report(MISSING, message).hint(hint);
            if let Some(l) = line {
                e.line(l);
            }
        }
    }
}

/// `disclosure-denied-tool` and `disclosure-unapproved-tool`: the tools the
/// signals and the disclosure values name, against the policy's lists.
fn tool_lists(cfg: &Disclosure, disclosures: &[&Trailer], signals: &[Signal], sink: &mut Sink) {
    if sink.enabled(DENIED) || sink.enabled(UNAPPROVED) {
        let mut named: Vec<(String, Option<u32>, String)> = Vec::new();
        let mut add = |tool: &str, line: Option<u32>, text: &str| {
            if !named
                .iter()
                .any(|(t, _, _)| ai::tool_key(t) == ai::tool_key(tool))
            {
                named.push((tool.to_string(), line, text.to_string()));
            }
        };
        for s in signals {
            if let Some(t) = &s.tool {
                add(t, s.seen.line(), &s.seen.line_text());
            }
        }
        if let Some(re) = &cfg.value {
            for t in disclosures {
                if let Some(tool) = re.captures(t.value.trim()).and_then(|c| c.name("tool")) {
                    add(
                        tool.as_str(),
                        Some(t.line),
                        &format!("{}: {}", t.key, t.value),
                    );
                }
            }
        }
        for (tool, line, text) in named {
            let key = ai::tool_key(&tool);
            let (rule, message) = if cfg.denied.iter().any(|(_, d)| *d == key) {
                (
                    DENIED,
                    format!("`{tool}` is not allowed by this policy (`denied_tools`)"),
                )
            } else if !cfg.approved.is_empty() && !cfg.approved.iter().any(|(_, a)| *a == key) {
                let list = cfg
                    .approved
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                (
                    UNAPPROVED,
                    format!("`{tool}` is not an approved AI tool (approved: {list})"),
                )
            } else {
                continue;
            };
            let e = sink.report(rule, message).snippet(text);
            if let Some(l) = line {
                e.line(l);
            }
        }
    }
}

/// `disclosure-forbidden-trailer` and `disclosure-forbidden-footer`: AI
/// named in trailers or footers the policy forbids.
fn forbidden_trailers(cfg: &Disclosure, signals: &[Signal], sink: &mut Sink) {
    for s in signals {
        match &s.seen {
            Seen::Trailer {
                key, value, line, ..
            }
            | Seen::Line { key, value, line }
                if sink.enabled(FORBIDDEN_TRAILER)
                    && (cfg.forbid_all_trailers
                        || cfg
                            .forbid_trailers
                            .iter()
                            .any(|k| k.eq_ignore_ascii_case(key))) =>
            {
                let what = if cfg.forbid_all_trailers {
                    "AI trailers are not accepted in commit messages".to_string()
                } else {
                    format!("AI tools may not be named in `{key}:`")
                };
                sink.report(
                    FORBIDDEN_TRAILER,
                    format!("`{key}: {value}` names {}: {what}", tool_or_ai(s)),
                )
                .line(*line)
                .snippet(format!("{key}: {value}"));
            }
            Seen::Body { line, text }
                if !s.prose && cfg.forbid_footers && sink.enabled(FORBIDDEN_FOOTER) =>
            {
                sink.report(
                    FORBIDDEN_FOOTER,
                    format!(
                        "message line {line} is {}'s attribution footer: AI attribution is not accepted in commit messages",
                        tool_or_ai(s)
                    ),
                )
                .line(*line)
                .snippet(text.clone());
            }
            _ => {}
        }
    }
}

/// `disclosure-large-change`: a large AI-assisted change without the extra
/// trailer the policy asks for.
fn large_change(
    cfg: &Disclosure,
    change: &Change,
    msg: &Message,
    signals: &[Signal],
    sink: &mut Sink,
) {
    if let Some(max) = cfg.max_lines {
        if !signals.is_empty() && sink.enabled(LARGE) {
            let n = cfg.non_test_lines(change);
            if n > max {
                let author = change.author.as_ref();
                let has_extra = msg.trailers.iter().any(|t| {
                    cfg.large_trailers.iter().any(|k| t.is(k))
                        && !t.value.trim().is_empty()
                        && !Person::parse(&t.value)
                            .is_some_and(|p| author.is_some_and(|a| p.same_email(&a.email)))
                });
                if !has_extra {
                    let need = if cfg.large_trailers.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " without a {} trailer from someone other than the author",
                            cfg.large_trailers
                                .iter()
                                .map(|k| format!("`{k}:`"))
                                .collect::<Vec<_>>()
                                .join(" or ")
                        )
                    };
                    sink.report(
                        LARGE,
                        format!(
                            "an AI-assisted commit adds {n} lines outside tests (more than the policy's {max}){need}"
                        ),
                    );
                }
            }
        }
    }
}

fn tool_or_ai(s: &Signal) -> String {
    match &s.tool {
        Some(t) => format!("the AI tool {t}"),
        None => "an AI tool".to_string(),
    }
}

impl Family for Disclosure {
    const NAME: &'static str = "disclosure";
    const RULES: &'static [RuleInfo] = RULES;
    type Raw = RawDisclosure;

    fn compile(
        raw: RawDisclosure,
        key: &KeyPath,
        _: &CompileContext<'_>,
        problems: &mut Problems,
    ) -> Option<Self> {
        Some(compile(raw, key, problems))
    }

    /// The size threshold needs the added lines; everything else is message-only.
    fn needs(&self) -> Needs {
        if self.max_lines.is_some() {
            Needs {
                files: true,
                lines: true,
            }
        } else {
            Needs::default()
        }
    }

    fn check(&self, change: &Change, cx: &CheckContext<'_>, sink: &mut Sink) {
        check(self, change, cx.signals, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(toml_text: &str) -> Disclosure {
        let raw: RawDisclosure = toml::from_str(toml_text).expect("parses");
        let mut p = Problems::default();
        let d = compile(raw, &KeyPath::of(&["disclosure"]), &mut p);
        assert!(p.is_empty(), "{:?}", p.0);
        d
    }

    fn sig(tool: &str, model: Option<&str>) -> Signal {
        Signal {
            tool: Some(tool.into()),
            model: model.map(Into::into),
            agentic: true,
            disclosure: false,
            identity_match: false,
            prose: false,
            seen: Seen::Body {
                line: 3,
                text: String::new(),
            },
        }
    }

    #[test]
    fn suggestions_follow_the_format() {
        let kernel = cfg(r#"value = '^[^:\s]+:\S+'"#);
        assert_eq!(
            kernel.suggestion("Assisted-by", &[sig("Claude", Some("Opus 4.5"))]),
            "`Assisted-by: Claude:opus-4.5`"
        );
        // No model known and the format needs one: a placeholder.
        assert_eq!(
            kernel.suggestion("Assisted-by", &[sig("Cursor", None)]),
            "`Assisted-by: Cursor:MODEL`"
        );
        let loose = cfg("");
        assert_eq!(
            loose.suggestion("Assisted-by", &[sig("Cursor", None), sig("Claude", None)]),
            "`Assisted-by: Cursor` and `Assisted-by: Claude`"
        );
        let spaced = cfg(r#"suggest = "{tool} {model}""#);
        assert_eq!(
            spaced.suggestion("Generated-by", &[sig("Codex", Some("o4-mini"))]),
            "`Generated-by: Codex o4-mini`"
        );
        assert_eq!(
            loose.suggestion("Assisted-by", &[]),
            "`Assisted-by: TOOL:MODEL`"
        );
    }

    #[test]
    fn contradictions_are_config_errors() {
        for (text, needle) in [
            (r#"forbid_ai_trailers = ["*"]"#, "`\"*\"` forbids"),
            (
                r#"trailers = ["Assisted-by"]
                   forbid_ai_trailers = ["assisted-by"]"#,
                "both a disclosure trailer",
            ),
            (
                r#"approved_tools = ["Claude"]
                   denied_tools = ["claude"]"#,
                "both approved and denied",
            ),
            (r#"trailers = ["Assisted-by:"]"#, "not a trailer key"),
            (r#"suggest = "AI""#, "has no `{tool}`"),
            (r#"value = '(bad'"#, "invalid regex"),
        ] {
            let raw: RawDisclosure = toml::from_str(text).expect("parses");
            let mut p = Problems::default();
            compile(raw, &KeyPath::of(&["disclosure"]), &mut p);
            let all =
                p.0.iter()
                    .map(|x| x.message.clone())
                    .collect::<Vec<_>>()
                    .join("\n");
            assert!(all.contains(needle), "{text}: {all}");
        }
    }

    #[test]
    fn default_test_paths_parse() {
        let d = cfg("max_lines = 10");
        let t = d.tests.expect("globs");
        assert!(t.is_match("tests/a.rs"));
        assert!(t.is_match("crates/x/tests/a.rs"));
        assert!(t.is_match("pkg/a_test.go"));
        assert!(!t.is_match("src/lib.rs"));
    }
}
