//! Custom rules: `[[rules]]` entries of the policy, each a regex applied to
//! one part of a change.
//!
//! ```toml
//! [[rules]]
//! id = "no-cryptominer"
//! scope = "added-lines"          # see `Scope`
//! pattern = 'stratum\+tcp://'
//! paths = ["src/**"]             # optional, for file scopes
//! mode = "forbid"                # or "require" (message and identity scopes)
//! severity = "error"
//! message = "mining pool address added"
//! hint = "remove the address"
//! ```

use globset::GlobSet;
use regex::Regex;
use serde::Deserialize;

use crate::config::{compile_globs, compile_regex, KeyPath, Problems};
use crate::diag::Severity;
use crate::model::Change;
use crate::model::Needs;
use crate::rules::family::{CheckContext, CompileContext, Family};
use crate::rules::sink::Sink;

/// A `[[rules]]` entry as written.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    /// The rule's id (kebab-case), as findings, `[severity]` and exceptions name it.
    pub(crate) id: String,
    /// What the rule looks at: subject, body, message, trailer (with `key`),
    /// `trailer:KEY`, author-name, author-email, committer-name,
    /// committer-email, path, added-lines, removed-lines.
    pub(crate) scope: String,
    /// The trailer key for `scope = "trailer"`.
    pub(crate) key: Option<String>,
    /// A regular expression (Rust `regex` syntax).
    pub(crate) pattern: String,
    /// Globs restricting a file scope to some paths (gitignore-like).
    #[serde(default)]
    pub(crate) paths: Vec<String>,
    /// `forbid` (a match is a finding, the default) or `require` (no match is).
    pub(crate) mode: Option<Mode>,
    /// The finding's severity (default: error).
    pub(crate) severity: Option<Severity>,
    /// The finding's message.
    pub(crate) message: Option<String>,
    /// One line on how to fix a finding.
    pub(crate) hint: Option<String>,
}

/// Whether a match is a violation, or its absence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Mode {
    Forbid,
    Require,
}

/// The part of a change a custom rule looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    Subject,
    /// Each line after the subject paragraph.
    Body,
    /// Each line of the whole message.
    Message,
    /// Values of the trailer with this key (case-insensitive).
    Trailer(String),
    AuthorName,
    AuthorEmail,
    CommitterName,
    CommitterEmail,
    /// Paths of added, modified or renamed files.
    Path,
    AddedLines,
    RemovedLines,
}

/// The scope names accepted in `scope = "…"`.
pub(crate) const SCOPES: &[&str] = &[
    "subject",
    "body",
    "message",
    "trailer",
    "author-name",
    "author-email",
    "committer-name",
    "committer-email",
    "path",
    "added-lines",
    "removed-lines",
];

impl Scope {
    fn parse(s: &str, key: Option<&str>) -> Result<Scope, String> {
        if let Some(k) = s.strip_prefix("trailer:") {
            return Ok(Scope::Trailer(k.trim().to_string()));
        }
        Ok(match s {
            "subject" => Scope::Subject,
            "body" => Scope::Body,
            "message" => Scope::Message,
            "trailer" => match key {
                Some(k) => Scope::Trailer(k.to_string()),
                None => return Err("`scope = \"trailer\"` needs `key = \"Trailer-Key\"`".into()),
            },
            "author-name" => Scope::AuthorName,
            "author-email" => Scope::AuthorEmail,
            "committer-name" => Scope::CommitterName,
            "committer-email" => Scope::CommitterEmail,
            "path" => Scope::Path,
            "added-lines" => Scope::AddedLines,
            "removed-lines" => Scope::RemovedLines,
            other => {
                let mut msg = format!("unknown scope `{other}`");
                if let Some(n) = crate::config::error::nearest(other, SCOPES.iter().copied()) {
                    msg.push_str(&format!("; did you mean `{n}`?"));
                }
                msg.push_str(&format!(" (scopes: {})", SCOPES.join(", ")));
                return Err(msg);
            }
        })
    }

    fn is_file_scope(&self) -> bool {
        matches!(self, Scope::Path | Scope::AddedLines | Scope::RemovedLines)
    }
}

/// A compiled custom rule.
#[derive(Debug)]
pub(crate) struct Rule {
    pub(crate) id: String,
    pub(crate) scope: Scope,
    pub(crate) pattern: Regex,
    pub(crate) paths: Option<GlobSet>,
    pub(crate) mode: Mode,
    pub(crate) severity: Severity,
    pub(crate) message: String,
    pub(crate) hint: String,
}

impl Rule {
    /// What the rule needs read from git.
    pub(crate) fn needs(&self) -> Needs {
        match self.scope {
            Scope::Path => Needs {
                files: true,
                lines: false,
            },
            Scope::AddedLines | Scope::RemovedLines => Needs {
                files: true,
                lines: true,
            },
            _ => Needs::default(),
        }
    }

    fn path_matches(&self, path: &str) -> bool {
        self.paths.as_ref().is_none_or(|g| g.is_match(path))
    }
}

pub(crate) use crate::diag::is_kebab;

/// Validates and compiles the `[[rules]]` entries, reporting every problem.
///
/// `builtin` tells a built-in rule's id, which a custom rule may not take.
pub(crate) fn compile(
    raw: Vec<RawRule>,
    base: &KeyPath,
    builtin: &dyn Fn(&str) -> bool,
    problems: &mut Problems,
) -> Vec<Rule> {
    let mut out: Vec<Rule> = Vec::new();
    for r in raw {
        let path = base.id(&r.id);
        if !is_kebab(&r.id) {
            problems.error(
                path.key("id"),
                format!(
                    "rule id `{}` must be kebab-case (a-z, 0-9, single dashes)",
                    r.id
                ),
            );
            continue;
        }
        if builtin(&r.id) {
            problems.error(
                path.key("id"),
                format!(
                    "rule id `{}` is a built-in rule; give the custom rule another id, or set its severity under [severity]",
                    r.id
                ),
            );
            continue;
        }
        if out.iter().any(|o| o.id == r.id) {
            problems.error(path.key("id"), format!("duplicate rule id `{}`", r.id));
            continue;
        }
        let scope = match Scope::parse(&r.scope, r.key.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                problems.error(path.key("scope"), e);
                continue;
            }
        };
        let mode = r.mode.unwrap_or(Mode::Forbid);
        if mode == Mode::Require && scope.is_file_scope() {
            problems.error(
                path.key("mode"),
                "`mode = \"require\"` works with message, trailer and identity scopes, not with file scopes",
            );
            continue;
        }
        if !r.paths.is_empty() && !scope.is_file_scope() {
            problems.error(
                path.key("paths"),
                format!("`paths` only applies to file scopes (path, added-lines, removed-lines), not `{}`", r.scope),
            );
            continue;
        }
        let Some(pattern) = compile_regex(&r.pattern, &path.key("pattern"), problems) else {
            continue;
        };
        let paths = if r.paths.is_empty() {
            None
        } else {
            match compile_globs(&r.paths, &path.key("paths"), problems) {
                Some(g) => Some(g),
                None => continue,
            }
        };
        let message = r.message.unwrap_or_else(|| match mode {
            Mode::Forbid => format!("matches the forbidden pattern `{}`", r.pattern),
            Mode::Require => format!("does not match the required pattern `{}`", r.pattern),
        });
        out.push(Rule {
            hint: r
                .hint
                .unwrap_or_else(|| format!("see the policy's rule `{}`", r.id)),
            id: r.id,
            scope,
            pattern,
            paths,
            mode,
            severity: r.severity.unwrap_or(Severity::Error),
            message,
        });
    }
    out
}

/// Runs every custom rule over a change.
pub(crate) fn check(rules: &[Rule], change: &Change, sink: &mut Sink) {
    for rule in rules {
        check_one(rule, change, sink);
    }
}

/// (line number, text) pairs of the texts a message or identity scope looks at.
fn texts<'c>(scope: &'c Scope, change: &'c Change) -> Option<Vec<(Option<u32>, &'c str)>> {
    let msg = change.message.as_ref();
    let numbered = |skip_subject: bool| {
        msg.map(|m| {
            let mut in_body = !skip_subject;
            let mut seen_text = false;
            m.text
                .split('\n')
                .enumerate()
                .filter_map(|(i, l)| {
                    if !in_body {
                        if l.trim().is_empty() && seen_text {
                            in_body = true;
                        }
                        seen_text |= !l.trim().is_empty();
                        return None;
                    }
                    Some((Some(i as u32 + 1), l))
                })
                .collect()
        })
    };
    Some(match scope {
        Scope::Subject => vec![(Some(1), msg?.subject.as_str())],
        Scope::Body => numbered(true)?,
        Scope::Message => numbered(false)?,
        Scope::Trailer(k) => msg?
            .trailer_values(k)
            .map(|t| (Some(t.line), t.value.as_str()))
            .collect(),
        Scope::AuthorName => vec![(None, change.author.as_ref()?.name.as_str())],
        Scope::AuthorEmail => vec![(None, change.author.as_ref()?.email.as_str())],
        Scope::CommitterName => vec![(None, change.committer.as_ref()?.name.as_str())],
        Scope::CommitterEmail => vec![(None, change.committer.as_ref()?.email.as_str())],
        Scope::Path | Scope::AddedLines | Scope::RemovedLines => return None,
    })
}

fn check_one(rule: &Rule, change: &Change, sink: &mut Sink) {
    let report = |sink: &mut Sink, line: Option<u32>, snippet: Option<&str>| {
        let mut e = sink.report_as(&rule.id, rule.severity, &rule.hint, rule.message.clone());
        if let Some(l) = line {
            e = e.line(l);
        }
        if let Some(s) = snippet {
            e.snippet(s);
        }
    };
    if let Some(texts) = texts(&rule.scope, change) {
        match rule.mode {
            Mode::Forbid => {
                for (line, text) in texts {
                    if rule.pattern.is_match(text) {
                        report(sink, line, Some(text));
                    }
                }
            }
            Mode::Require => {
                // Nothing to judge when the part is absent (a bare index has no author).
                let absent = match rule.scope {
                    Scope::AuthorName | Scope::AuthorEmail => change.author.is_none(),
                    Scope::CommitterName | Scope::CommitterEmail => change.committer.is_none(),
                    _ => change.message.is_none(),
                };
                if !absent && !texts.iter().any(|(_, t)| rule.pattern.is_match(t)) {
                    report(sink, None, None);
                }
            }
        }
        return;
    }
    for file in change.files() {
        if !rule.path_matches(&file.path) {
            continue;
        }
        match rule.scope {
            Scope::Path
                if file.status != crate::model::Status::Deleted
                    && rule.pattern.is_match(&file.path) =>
            {
                sink.report_as(&rule.id, rule.severity, &rule.hint, rule.message.clone())
                    .path(&file.path);
            }
            Scope::AddedLines => {
                for (n, text) in file.added_lines() {
                    if rule.pattern.is_match(text) {
                        sink.report_as(&rule.id, rule.severity, &rule.hint, rule.message.clone())
                            .path(&file.path)
                            .line(n)
                            .snippet(text);
                    }
                }
            }
            Scope::RemovedLines => {
                for (n, text) in &file.removed {
                    if rule.pattern.is_match(text) {
                        sink.report_as(&rule.id, rule.severity, &rule.hint, rule.message.clone())
                            .path(&file.path)
                            .snippet(format!("(removed line {n}) {text}"));
                    }
                }
            }
            _ => {}
        }
    }
}

/// The policy's `[[rules]]`, compiled: a family whose rule ids the policy
/// names.
#[derive(Debug)]
pub(crate) struct Rules(pub(crate) Vec<Rule>);

impl Family for Rules {
    const NAME: &'static str = "rules";
    const RULES: &'static [crate::diag::RuleInfo] = &[];
    type Raw = Vec<RawRule>;

    /// `None` for an empty list: nothing to run.
    fn compile(
        raw: Vec<RawRule>,
        key: &KeyPath,
        cx: &CompileContext<'_>,
        problems: &mut Problems,
    ) -> Option<Self> {
        let rules = compile(raw, key, cx.builtin, problems);
        (!rules.is_empty()).then_some(Rules(rules))
    }

    fn needs(&self) -> Needs {
        self.0
            .iter()
            .fold(Needs::default(), |n, r| n.union(r.needs()))
    }

    fn check(&self, change: &Change, _: &CheckContext<'_>, sink: &mut Sink) {
        check(&self.0, change, sink);
    }
}
