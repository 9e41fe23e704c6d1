//! Malicious payloads (reporting on AI-driven attacks on Rust projects: cryptominer payloads disguised as utility
//! libraries, backdoors): mining pools, miners, code that decodes and runs
//! itself or runs what it downloads, and executable binaries added to the
//! tree.
//!
//! The line patterns are data (`policies/data/payloads.toml`, behind the same
//! keyword pre-filter as secrets); they look at code and scripts, not at
//! documentation or CI files (`skip_paths`).
//!
//! ```toml
//! [payloads]
//! allow_paths = ["vendor/miner-detector/**"]  # findings here are suppressed (counted)
//! skip_paths = ["*.md", ".github/workflows/**"]  # not scanned (replaces the default)
//! binary_globs = ["*.exe", "*.so"]          # replaces the built-in list
//! disable = ["miner-config"]                # built-in pattern ids to drop
//! [[payloads.patterns]]
//! id = "our-old-pool"
//! rule = "payload-mining-pool"
//! keywords = ["pool.acme.invalid"]
//! regex = 'pool\.acme\.invalid'
//! ```

use crate::rules::family::{CheckContext, CompileContext, Family};
use std::sync::OnceLock;

use globset::GlobSet;
use serde::Deserialize;

use super::patterns::{Pattern, PatternSet, PatternSpec};
use crate::config::{compile_globs, Globs, KeyPath, Problems};
use crate::diag::RuleInfo;
use crate::diag::Severity;
use crate::model::Needs;
use crate::model::{Change, Content, FileChange, Status};
use crate::rules::sink::Sink;

/// The embedded pattern table.
pub(crate) const TABLE: &str = include_str!("../../policies/data/payloads.toml");

pub(crate) const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "payload-mining-pool",
        family: "payloads",
        default: Severity::Error,
        summary: "an added line of code names a cryptocurrency mining pool (stratum URL or pool host)",
        hint: "remove the pool address; a project that really mines should allow-list the path in `[payloads] allow_paths`",
    },
    RuleInfo {
        id: "payload-miner",
        family: "payloads",
        default: Severity::Error,
        summary: "an added line of code names a known cryptocurrency miner or carries a miner's configuration",
        hint: "remove the miner; code that legitimately names miners (a detector) belongs in `[payloads] allow_paths`",
    },
    RuleInfo {
        id: "payload-decode-exec",
        family: "payloads",
        default: Severity::Error,
        summary: "added code decodes data (base64, compression) and executes it",
        hint: "commit the code in readable form and run it directly; never execute decoded blobs",
    },
    RuleInfo {
        id: "payload-download-exec",
        family: "payloads",
        default: Severity::Warn,
        summary: "added code executes what it downloads (a download piped into a shell, eval of a response, a PowerShell cradle)",
        hint: "download to a file, verify a pinned checksum or signature, then run it; or vendor the script",
    },
    RuleInfo {
        id: "payload-executable-binary",
        family: "payloads",
        default: Severity::Error,
        summary: "an executable binary is added to the tree (binary content with mode 100755, or a binary file type such as .exe, .so, .jar)",
        hint: "build binaries from source instead of committing them; a reviewed fixture belongs in `[payloads] allow_paths`",
    },
];

const BINARY: &RuleInfo = crate::diag::rule(RULES, "payload-executable-binary");

/// The rules a line pattern of the table may name (its `rule`); a pattern's
/// tag is its rule's place in this list, found from the id when the table
/// is compiled.
const LINE_RULES: [&RuleInfo; 4] = [
    crate::diag::rule(RULES, "payload-mining-pool"),
    crate::diag::rule(RULES, "payload-miner"),
    crate::diag::rule(RULES, "payload-decode-exec"),
    crate::diag::rule(RULES, "payload-download-exec"),
];

/// Paths the line rules do not look at unless the policy says otherwise:
/// documentation (install instructions are not payloads) and CI files (the
/// workflows family's concern).
const DEFAULT_SKIP: &[&str] = &[
    "*.md",
    "*.markdown",
    "*.rst",
    "*.adoc",
    "*.txt",
    ".github/workflows/**",
    ".gitlab-ci.yml",
];

/// A `[[pattern]]` of the table, or `[[payloads.patterns]]` of a policy.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPattern {
    /// Stable id, shown in the finding; a built-in id replaces that pattern.
    pub(crate) id: String,
    /// The rule a match reports: `payload-mining-pool`, `payload-miner`,
    /// `payload-decode-exec` or `payload-download-exec`.
    pub(crate) rule: String,
    pub(crate) description: Option<String>,
    /// Literals (case-insensitive), one of which every match contains: the pre-filter.
    #[serde(default)]
    pub(crate) keywords: Vec<String>,
    pub(crate) regex: String,
    /// Lines the pattern must match (checked when the policy loads).
    #[serde(default)]
    pub(crate) examples: Vec<String>,
    /// Lines the pattern must not match (checked when the policy loads).
    #[serde(default)]
    pub(crate) counter_examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    binary_globs: Vec<String>,
    pattern: Vec<RawPattern>,
}

/// `[payloads]` as written.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPayloads {
    /// `false` turns the family off.
    pub(crate) enabled: Option<bool>,
    /// Globs of files whose findings are suppressed (and counted).
    pub(crate) allow_paths: Option<Vec<String>>,
    /// Globs of files the line rules do not scan (replaces the default).
    pub(crate) skip_paths: Option<Vec<String>>,
    /// Globs of binary file types (replaces the built-in list).
    pub(crate) binary_globs: Option<Vec<String>>,
    /// Ids of built-in patterns to drop.
    pub(crate) disable: Option<Vec<String>>,
    /// Extra patterns; one with a built-in id replaces it.
    pub(crate) patterns: Option<Vec<RawPattern>>,
}

/// Compiled `[payloads]`. What the policy writes is checked (and compiled)
/// at load; what comes from the built-in table (its patterns, the default
/// skip and binary globs) on first use: a commit-msg hook never looks at a
/// file.
#[derive(Debug)]
pub(crate) struct Payloads {
    /// The policy's own patterns and the built-in ids it drops.
    own: Vec<Pattern>,
    disabled: Vec<String>,
    set: OnceLock<PatternSet>,
    pub(crate) allow_paths: Option<GlobSet>,
    skip_paths: Globs,
    binary_globs: OnceLock<Option<GlobSet>>,
}

/// Built-in globs, compiled on first use (they are tested; a failure is
/// logged and matches nothing).
fn builtin_globs(list: &[String]) -> Option<GlobSet> {
    let mut problems = Problems::default();
    let set = globs(list, &KeyPath::of(&["payloads"]), &mut problems);
    for p in &problems.0 {
        tracing::error!("built-in payloads globs: {}", p.message);
    }
    set
}

impl Payloads {
    /// The patterns: the built-in table without the disabled ones, with
    /// the policy's (one with a built-in id replaces it).
    pub(crate) fn set(&self) -> &PatternSet {
        self.set.get_or_init(|| {
            let builtin = builtin().as_ref().map(|b| b.patterns.as_slice());
            let builtin = builtin.unwrap_or_else(|e| {
                tracing::error!("{e}");
                &[]
            });
            Self::merge(builtin, &self.disabled, &self.own)
        })
    }

    fn merge(builtin: &[Pattern], disabled: &[String], own: &[Pattern]) -> PatternSet {
        let mut patterns: Vec<Pattern> = builtin
            .iter()
            .filter(|p| !disabled.contains(&p.id))
            .cloned()
            .collect();
        for p in own {
            match patterns.iter().position(|b| b.id == p.id) {
                Some(k) => patterns[k] = p.clone(),
                None => patterns.push(p.clone()),
            }
        }
        PatternSet::new(patterns).unwrap_or_default()
    }

    /// Files the line rules do not scan.
    pub(crate) fn skip_paths(&self) -> Option<&GlobSet> {
        self.skip_paths.get()
    }

    /// Binary file types.
    pub(crate) fn binary_globs(&self) -> Option<&GlobSet> {
        self.binary_globs
            .get_or_init(|| match builtin() {
                Ok(b) => builtin_globs(&b.binary_globs),
                Err(e) => {
                    tracing::error!("{e}");
                    None
                }
            })
            .as_ref()
    }
}

struct Builtin {
    patterns: Vec<Pattern>,
    binary_globs: Vec<String>,
}

fn builtin() -> &'static Result<Builtin, String> {
    static BUILTIN: OnceLock<Result<Builtin, String>> = OnceLock::new();
    BUILTIN.get_or_init(|| {
        let table: RawTable = crate::config::embedded::from_str(TABLE)
            .map_err(|e| format!("the built-in payloads table is invalid: {}", e.message()))?;
        let mut problems = Problems::default();
        let mut patterns: Vec<Pattern> = Vec::new();
        for r in &table.pattern {
            let path = KeyPath::of(&["pattern"]).id(&r.id);
            if patterns.iter().any(|p| p.id == r.id) {
                problems.error(path.clone(), format!("duplicate pattern id `{}`", r.id));
            }
            if let Some(p) = compile_pattern(r, &path, &mut problems, false) {
                patterns.push(p);
            }
        }
        match problems.0.first() {
            None => Ok(Builtin {
                patterns,
                binary_globs: table.binary_globs,
            }),
            Some(p) => Err(format!(
                "the built-in payloads table is invalid at `{}`: {}",
                p.path, p.message
            )),
        }
    })
}

fn compile_pattern(
    r: &RawPattern,
    path: &KeyPath,
    problems: &mut Problems,
    eager: bool,
) -> Option<Pattern> {
    let line_rules = &LINE_RULES;
    let Some(tag) = line_rules.iter().position(|x| x.id == r.rule) else {
        let ids: Vec<&str> = line_rules.iter().map(|x| x.id).collect();
        problems.error(
            path.key("rule"),
            format!(
                "unknown payload rule `{}` (one of: {})",
                r.rule,
                ids.join(", ")
            ),
        );
        return None;
    };
    Pattern::compile(
        PatternSpec {
            id: &r.id,
            description: r.description.as_deref(),
            keywords: &r.keywords,
            regex: &r.regex,
            min_entropy: None,
            tag,
            eager,
            first_group: false,
        },
        path,
        problems,
    )
}

fn globs(list: &[String], path: &KeyPath, problems: &mut Problems) -> Option<GlobSet> {
    if list.is_empty() {
        None
    } else {
        compile_globs(list, path, problems)
    }
}

/// Validates and compiles `[payloads]`; `None` when turned off or invalid.
pub(crate) fn compile(
    raw: RawPayloads,
    base: &KeyPath,
    problems: &mut Problems,
) -> Option<Payloads> {
    if raw.enabled == Some(false) {
        return None;
    }
    let disabled = raw.disable.unwrap_or_default();
    if !disabled.is_empty() {
        let builtin = match builtin() {
            Ok(b) => b,
            Err(e) => {
                problems.error(base.clone(), e.clone());
                return None;
            }
        };
        let mut left: Vec<&str> = builtin.patterns.iter().map(|p| p.id.as_str()).collect();
        for (i, id) in disabled.iter().enumerate() {
            if let Some(k) = left.iter().position(|p| p == id) {
                left.remove(k);
            } else {
                let mut msg = format!("`{id}` is not a built-in payloads pattern");
                if let Some(n) = crate::config::error::nearest(
                    id,
                    builtin.patterns.iter().map(|p| p.id.as_str()),
                ) {
                    msg.push_str(&format!("; did you mean `{n}`?"));
                }
                problems.error(base.key("disable").index(i), msg);
            }
        }
    }
    let mut own: Vec<Pattern> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for r in raw.patterns.unwrap_or_default() {
        let path = base.key("patterns").id(&r.id);
        if seen.contains(&r.id) {
            problems.error(path.key("id"), format!("duplicate pattern id `{}`", r.id));
            continue;
        }
        seen.push(r.id.clone());
        let Some(p) = compile_pattern(&r, &path, problems, true) else {
            continue;
        };
        check_examples(&p, &r, &path, problems);
        own.push(p);
    }
    // The policy's globs are compiled now (their errors are load errors),
    // the built-in ones on first use.
    let skip_paths = Globs::compile(
        raw.skip_paths,
        DEFAULT_SKIP,
        &base.key("skip_paths"),
        problems,
    );
    let binary_globs = OnceLock::new();
    if let Some(list) = raw.binary_globs {
        let _ = binary_globs.set(globs(&list, &base.key("binary_globs"), problems));
    }
    let out = Payloads {
        allow_paths: globs(
            &raw.allow_paths.unwrap_or_default(),
            &base.key("allow_paths"),
            problems,
        ),
        own,
        disabled,
        set: OnceLock::new(),
        skip_paths,
        binary_globs,
    };
    // Built-in keywords are tested; the policy's get their automaton now.
    if !out.own.is_empty() {
        let set = match builtin() {
            Ok(b) => Payloads::merge(&b.patterns, &out.disabled, &out.own),
            Err(e) => {
                problems.error(base.clone(), e.clone());
                return None;
            }
        };
        if let Err(e) = set.prepare() {
            problems.error(base.clone(), e);
            return None;
        }
        let _ = out.set.set(set);
    }
    Some(out)
}

/// A policy's own examples are tests run at load.
fn check_examples(p: &Pattern, r: &RawPattern, path: &KeyPath, problems: &mut Problems) {
    let Ok(set) = PatternSet::new(vec![p.clone()]) else {
        return;
    };
    for (i, ex) in r.examples.iter().enumerate() {
        if set.find(ex, |_, _| true).is_empty() {
            problems.error(
                path.key("examples").index(i),
                format!("pattern `{}` does not find its example {}", r.id, i + 1),
            );
        }
    }
    for (i, ex) in r.counter_examples.iter().enumerate() {
        if !set.find(ex, |_, _| true).is_empty() {
            problems.error(
                path.key("counter_examples").index(i),
                format!("pattern `{}` matches its counter-example {}", r.id, i + 1),
            );
        }
    }
}

/// Longest snippet shown for a payload line, in characters.
const SNIPPET: usize = 160;

/// Checks a change for payloads.
pub(crate) fn check(cfg: &Payloads, change: &Change, sink: &mut Sink) {
    let any_line_rule = LINE_RULES.iter().any(|r| sink.enabled(r));
    for file in change.files() {
        let allowed = file.is_normal_path()
            && cfg
                .allow_paths
                .as_ref()
                .is_some_and(|g| g.is_match(&file.path));
        if sink.enabled(BINARY) {
            if let Some(why) = executable_binary(cfg, file) {
                if allowed {
                    sink.suppressed();
                } else {
                    sink.report(BINARY, format!("{} {why}", file.path))
                        .path(&file.path);
                }
            }
        }
        let skipped =
            file.is_normal_path() && cfg.skip_paths().is_some_and(|g| g.is_match(&file.path));
        if !any_line_rule || skipped {
            continue;
        }
        for (n, line) in cfg.set().candidate_lines(file) {
            let hits = cfg.set().find(line, |p, _| sink.enabled(LINE_RULES[p.tag]));
            for (h, more) in super::secrets::first_per_pattern(&hits) {
                if allowed {
                    sink.suppressed();
                    continue;
                }
                let p = &cfg.set().patterns()[h.pattern];
                let mut msg = format!("{} [pattern `{}`]", p.description, p.id);
                if more > 0 {
                    msg.push_str(&format!(" ({more} more on this line)"));
                }
                sink.report(LINE_RULES[p.tag], msg)
                    .path(&file.path)
                    .line(n)
                    .snippet(snippet(line, h.start, h.end));
            }
        }
    }
}

/// Why a file is a newly added executable binary, if it is one. Exact
/// renames carry no new content and are not reported again.
fn executable_binary(cfg: &Payloads, f: &FileChange) -> Option<&'static str> {
    let changed_content = matches!(
        f.status,
        Status::Added | Status::Modified | Status::TypeChanged
    );
    if !changed_content {
        return None;
    }
    let opaque = matches!(f.content, Content::Binary | Content::TooLarge);
    let became_exec = f.old_mode != 0o100755 || f.status == Status::Added;
    if f.is_executable() && opaque {
        return Some(match (f.content, became_exec) {
            (Content::TooLarge, _) => {
                "is an executable file too large to read (mode 100755): probably a binary"
            }
            (_, true) => "is an executable binary (mode 100755, binary content)",
            (_, false) => "changes an executable binary (mode 100755, binary content)",
        });
    }
    if opaque && cfg.binary_globs().is_some_and(|g| g.is_match(&f.path)) {
        return Some(if f.status == Status::Added {
            "adds a binary of an executable or loadable file type"
        } else {
            "changes a binary of an executable or loadable file type"
        });
    }
    None
}

/// The line around a match, at most [`SNIPPET`] characters.
fn snippet(line: &str, start: usize, end: usize) -> String {
    let line_chars = line.chars().count();
    if line_chars <= SNIPPET {
        return line.trim().to_string();
    }
    let before: String = line[..start]
        .chars()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let body: String = line[start..end].chars().take(SNIPPET - 40).collect();
    let mut s = format!("…{before}{body}");
    if end < line.len() || body.chars().count() < line[start..end].chars().count() {
        s.push('…');
    }
    s
}

impl Family for Payloads {
    const NAME: &'static str = "payloads";
    const RULES: &'static [RuleInfo] = RULES;
    type Raw = RawPayloads;

    fn compile(
        raw: RawPayloads,
        key: &KeyPath,
        _: &CompileContext<'_>,
        problems: &mut Problems,
    ) -> Option<Self> {
        compile(raw, key, problems)
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

    fn compiled(toml_text: &str) -> Payloads {
        let raw: RawPayloads = toml::from_str(toml_text).expect("toml");
        let mut problems = Problems::default();
        let p = compile(raw, &KeyPath::of(&["payloads"]), &mut problems);
        assert!(problems.is_empty(), "{:?}", problems.0);
        p.expect("enabled")
    }

    #[test]
    fn embedded_table_examples_and_counter_examples() {
        let table: RawTable = toml::from_str(TABLE).expect("table parses");
        let p = compiled("");
        assert_eq!(p.set().patterns().len(), table.pattern.len());
        let mut failures = Vec::new();
        for r in &table.pattern {
            assert!(!r.examples.is_empty(), "pattern `{}` has no example", r.id);
            // The literal check that stands before compiling lets every example through.
            let sets = crate::rules::patterns::required_sets(&r.regex);
            for ex in &r.examples {
                let ok = crate::rules::patterns::has_required(ex, &sets);
                assert!(ok, "{}: {ex:?} lacks one of {sets:?}", r.id);
            }
            for ex in &r.examples {
                let hits = p.set().find(ex, |_, _| true);
                if !hits
                    .iter()
                    .any(|h| p.set().patterns()[h.pattern].id == r.id)
                {
                    failures.push(format!("{}: example not found: {ex:?}", r.id));
                }
            }
            for ex in &r.counter_examples {
                let hits = p.set().find(ex, |_, _| true);
                if !hits.is_empty() {
                    let got: Vec<&str> = hits
                        .iter()
                        .map(|h| p.set().patterns()[h.pattern].id.as_str())
                        .collect();
                    failures.push(format!(
                        "{}: counter-example matched: {ex:?} by {got:?}",
                        r.id
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn unknown_rule_and_bad_regex_name_the_entry() {
        let raw: RawPayloads = toml::from_str(
            r#"
            [[patterns]]
            id = "a"
            rule = "payload-mine"
            keywords = ["x"]
            regex = 'x'
            [[patterns]]
            id = "b"
            rule = "payload-miner"
            keywords = ["x"]
            regex = 'x('
            "#,
        )
        .expect("toml");
        let mut problems = Problems::default();
        compile(raw, &KeyPath::of(&["payloads"]), &mut problems);
        let paths: Vec<String> = problems.0.iter().map(|p| p.path.to_string()).collect();
        assert_eq!(
            paths,
            ["payloads.patterns[a].rule", "payloads.patterns[b].regex"]
        );
    }

    #[test]
    fn binaries_by_mode_and_by_type() {
        let p = compiled("");
        let mut f = FileChange::new("tools/helper".into(), Status::Added, 0, 0o100755);
        f.content = Content::Binary;
        assert!(executable_binary(&p, &f).is_some());
        f.new_mode = 0o100644;
        assert!(executable_binary(&p, &f).is_none());
        f.path = "lib/libx.so.1".into();
        assert!(executable_binary(&p, &f).is_some());
        f.status = Status::Renamed;
        assert!(
            executable_binary(&p, &f).is_none(),
            "exact renames are not re-reported"
        );
        let mut t = FileChange::new("run.sh".into(), Status::Added, 0, 0o100755);
        t.set_text("#!/bin/sh\n".into());
        assert!(
            executable_binary(&p, &t).is_none(),
            "an executable script is text"
        );
        let mut t = FileChange::new("notes.so".into(), Status::Added, 0, 0o100644);
        t.set_text("text\n".into());
        assert!(executable_binary(&p, &t).is_none());
    }

    /// `[.]` → `.`: undoes the defanging of the explanations' examples.
    fn undefang(line: &str) -> String {
        let chars: Vec<char> = line.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            if chars[i] == '[' && i + 2 < chars.len() && chars[i + 2] == ']' {
                out.push(chars[i + 1]);
                i += 3;
            } else {
                out.push(chars[i]);
                i += 1;
            }
        }
        out
    }

    /// The explanations are data of this project: no line of them may
    /// trip a payload pattern (failing examples are written defanged).
    #[test]
    fn explanations_contain_no_payload() {
        let p = compiled("");
        let mut found = Vec::new();
        for (file, text) in crate::explain::FILES {
            for (i, line) in text.lines().enumerate() {
                for h in p.set().find(line, |_, _| true) {
                    let id = &p.set().patterns()[h.pattern].id;
                    found.push(format!("explain/{file}.toml:{}: `{id}`", i + 1));
                }
            }
        }
        assert!(found.is_empty(), "defang the example: {found:#?}");
    }

    /// Each line rule's failing example, once undefanged, is reported by
    /// that rule; its passing example by none.
    #[test]
    fn explained_examples_fail_and_pass() {
        let p = compiled("");
        let all = crate::explain::all().expect("explanations parse");
        for rule in LINE_RULES {
            let e = all.get(rule.id).expect("explained");
            let fired = e.fails.lines().any(|l| {
                p.set()
                    .find(&undefang(l), |_, _| true)
                    .iter()
                    .any(|h| LINE_RULES[p.set().patterns()[h.pattern].tag].id == rule.id)
            });
            assert!(fired, "{}: the `fails` example is not reported", rule.id);
            for l in e.passes.lines() {
                assert!(
                    p.set().find(&undefang(l), |_, _| true).is_empty(),
                    "{}: `passes` line reported: {l}",
                    rule.id
                );
            }
        }
    }
}
