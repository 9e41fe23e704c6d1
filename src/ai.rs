//! AI signals: the traces an AI tool leaves in a commit (co-author trailers,
//! footers, bot identities, subject prefixes, disclosure trailers), found
//! from the signatures table in `policies/data/ai-signatures.toml` rather
//! than from code, so that keeping up with new tools is a data change.
//!
//! The table is read when a policy that uses AI detection is loaded (its
//! regexes are compiled on first use, see `Group`); [`Detector::detect`] is
//! a pure function of a [`Change`].
//! Policies extend it (`[[ai.signatures]]`), drop built-in tools
//! (`ai.disable`) or replace it (`ai.builtin = false`).

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::config::{KeyPath, Problems};
use crate::identity::Person;
use crate::message::Trailer;
use crate::model::Change;
use crate::rules::patterns::{required_literals, KeywordIndex};

/// The built-in signatures table.
pub(crate) const BUILTIN: &str = include_str!("../policies/data/ai-signatures.toml");

/// Trailer keys whose value names someone who claims authorship or
/// certifies the change: an AI identity found there is a signal even when
/// no signature is keyed on the trailer (`Signed-off-by: Claude <…>`).
const AUTHORSHIP_KEYS: &[&str] = &["signed-off-by", "co-authored-by", "co-developed-by", "from"];

/// Words that may stand beside a tool's name in a `Name <email>` that is
/// the tool's (`GitHub Copilot`, `Claude Code`, `Cursor Agent`).
const TOOL_WORDS: &[&str] = &[
    "ai",
    "agent",
    "assistant",
    "bot",
    "chat",
    "cli",
    "code",
    "coding",
    "github",
    "openai",
    "anthropic",
    "google",
    "cloud",
    "the",
];

/// Values of a disclosure trailer that declare that no AI was used.
const NEGATIVE: &[&str] = &["no", "none", "false", "n/a", "na", "0", "-", "nothing"];

/// Where a signature looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
enum Kind {
    /// The value of a trailer with `key`.
    Trailer,
    /// Each line of the message body.
    Body,
    /// `Name <email>` of the author and of the committer.
    Identity,
    /// The subject line.
    Subject,
    /// A mention in the message's prose ("developed with Claude Code"),
    /// on the subject and on every body line: a lower-confidence signal,
    /// used only when the policy opts in (`[ai] prose = true`).
    Prose,
}

/// One `[[signature]]` entry, as in the table and in `[[ai.signatures]]`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawSignature {
    /// Lets a policy that extends another change one entry (arrays of
    /// tables with an `id` merge entry by entry).
    id: Option<String>,
    /// Canonical tool name; `""` for a generic disclosure trailer whose
    /// value names the tool.
    tool: String,
    /// Where the signature looks: `trailer`, `body`, `identity` or `subject`.
    kind: Kind,
    /// The trailer key (`kind = "trailer"` only), compared case-insensitively.
    key: Option<String>,
    /// Regex on the text; optional for trailers (any value matches).
    pattern: Option<String>,
    /// Regex with a `(?P<model>…)` group, applied to the same text.
    model: Option<String>,
    /// The trace means an agent acted on the repository itself.
    agentic: Option<bool>,
    /// For `tool = ""` trailers: the trailer is an explicit disclosure
    /// whose value names the tool (default), or `false` for agent
    /// metadata that names no tool (`Agent-Id:`).
    disclosure: Option<bool>,
    /// Texts the entry must match (checked by the test-suite for the
    /// built-in table, and at load for a policy's own entries).
    #[serde(default)]
    examples: Vec<String>,
    /// Texts the entry must not match.
    #[serde(default)]
    counter_examples: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    signature: Vec<RawSignature>,
    #[serde(default)]
    family: Vec<RawFamily>,
}

/// One `[[family]]` entry of the table: a model family and the tool of its
/// vendor, so that a disclosure naming only a model (`Assisted-by: Opus
/// 4.7`) names a tool.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFamily {
    /// The vendor's tool, as in the signatures.
    tool: String,
    /// Regex on a disclosure value (or on the name of a `Name <email>` value).
    pattern: String,
    /// Values the pattern must match; checked by the unit tests.
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "documentation; read by the tests")
    )]
    #[serde(default)]
    examples: Vec<String>,
    /// Values the pattern must not match; checked by the unit tests.
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "documentation; read by the tests")
    )]
    #[serde(default)]
    counter_examples: Vec<String>,
}

/// `[ai]`: how the policy detects AI involvement.
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAi {
    /// Use the built-in signatures table (default true).
    builtin: Option<bool>,
    /// Built-in tools to ignore, by name (`["Copilot"]`).
    disable: Option<Vec<String>>,
    /// Signatures added to the table.
    signatures: Option<Vec<RawSignature>>,
    /// Also report mentions of AI tools in the message's prose
    /// ("developed with Claude Code"), a lower-confidence signal (default false).
    prose: Option<bool>,
}

/// Where a signal was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "where", rename_all = "kebab-case")]
pub(crate) enum Seen {
    /// A trailer (`key: value`) on a message line.
    Trailer {
        key: String,
        value: String,
        line: u32,
    },
    /// A `Key: value` line outside git's trailer block (a co-author line in
    /// a squash merge's middle paragraph, or one with no blank line before
    /// it): AI involvement all the same, but not a trailer to git.
    Line {
        key: String,
        value: String,
        line: u32,
    },
    /// A line of the body (a footer such as `🤖 Generated with …`).
    Body { line: u32, text: String },
    /// The commit author, as `Name <email>`.
    Author { identity: String },
    /// The committer, as `Name <email>`.
    Committer { identity: String },
    /// The subject line.
    Subject { text: String },
}

impl Seen {
    /// The message line, for trailers, footers and the subject.
    pub(crate) fn line(&self) -> Option<u32> {
        match self {
            Seen::Trailer { line, .. } | Seen::Line { line, .. } | Seen::Body { line, .. } => {
                Some(*line)
            }
            Seen::Subject { .. } => Some(1),
            _ => None,
        }
    }

    /// "`Co-authored-by:` trailer on line 7", for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Seen::Trailer { key, line, .. } => format!("`{key}:` trailer on line {line}"),
            Seen::Line { key, line, .. } => {
                format!("`{key}:` on line {line}, outside the trailer block")
            }
            Seen::Body { line, .. } => format!("message line {line}"),
            Seen::Author { identity } => format!("author `{identity}`"),
            Seen::Committer { identity } => format!("committer `{identity}`"),
            Seen::Subject { .. } => "subject line".to_string(),
        }
    }

    /// The text that matched.
    pub(crate) fn text(&self) -> &str {
        match self {
            Seen::Trailer { value, .. } | Seen::Line { value, .. } => value,
            Seen::Body { text, .. } | Seen::Subject { text } => text,
            Seen::Author { identity } | Seen::Committer { identity } => identity,
        }
    }

    /// The message line as written (`Key: value` for a trailer), for snippets.
    pub(crate) fn line_text(&self) -> String {
        match self {
            Seen::Trailer { key, value, .. } | Seen::Line { key, value, .. } => {
                format!("{key}: {value}")
            }
            other => other.text().to_string(),
        }
    }

    /// The trailer key, for a trailer.
    #[cfg(test)]
    fn trailer_key(&self) -> Option<&str> {
        match self {
            Seen::Trailer { key, .. } | Seen::Line { key, .. } => Some(key),
            _ => None,
        }
    }
}

/// One trace of AI involvement in a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    /// The tool, when known (a generic disclosure may not name one).
    pub tool: Option<String>,
    /// The model, as written (`Opus 4.5`, `gpt-4o`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) model: Option<String>,
    /// An agent acted on the repository (edited files, committed).
    pub(crate) agentic: bool,
    /// An explicit disclosure trailer (`Assisted-by:` and the like), rather
    /// than a trace a tool left by itself.
    pub(crate) disclosure: bool,
    /// Found by matching an AI identity in an authorship trailer no
    /// signature is keyed on (`Signed-off-by: Claude <noreply@anthropic.com>`).
    pub(crate) identity_match: bool,
    /// A mention in prose, not a trace a tool leaves: lower confidence.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub(crate) prose: bool,
    /// Where in the change it was seen (a trailer, a footer, an identity…).
    pub(crate) seen: Seen,
}

impl Signal {
    /// "Claude (`Co-authored-by:` trailer on line 7)".
    pub(crate) fn describe(&self) -> String {
        let tool = self.tool.as_deref().unwrap_or("an AI tool");
        if self.prose {
            return format!("a mention of {tool} ({})", self.seen.describe());
        }
        format!("{tool} ({})", self.seen.describe())
    }
}

/// A compiled signature. Patterns and model extractors are compiled on
/// first use (most commits never need them): a policy's own entries were
/// compiled and tried on their examples at load, the built-in table by its
/// tests.
#[derive(Debug)]
struct Sig {
    tool: Option<String>,
    kind: Kind,
    pattern: Lazy,
    model: Lazy,
    agentic: bool,
    /// A `tool = ""` trailer that is an explicit disclosure.
    disclosure: bool,
}

/// A compiled `[[family]]`: a model family and its vendor's tool.
#[derive(Debug)]
struct Family {
    tool: String,
    pattern: Lazy,
}

/// A regex compiled at most once, when first needed.
#[derive(Debug)]
struct Lazy {
    source: Option<String>,
    compiled: OnceLock<Option<Regex>>,
}

impl Lazy {
    fn new(source: Option<String>) -> Lazy {
        Lazy {
            source,
            compiled: OnceLock::new(),
        }
    }

    fn get(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| self.source.as_deref().and_then(|p| build_regex(p).ok()))
            .as_ref()
    }

    fn is_some(&self) -> bool {
        self.source.is_some()
    }
}

/// The regex builder every signature uses, with the policy's size limits.
fn build_regex(p: &str) -> Result<Regex, regex::Error> {
    regex::RegexBuilder::new(p)
        .size_limit(1 << 20)
        .dfa_size_limit(4 << 20)
        .build()
}

mod generated {
    include!(concat!(env!("OUT_DIR"), "/ai-literals.rs"));
}

/// The required literals of a signature's or family's pattern
/// ([`required_literals`]): those of the built-in table were read when the
/// binary was built (`build.rs`), others are read now.
fn literals_of(pattern: &str) -> Option<Vec<String>> {
    let table = generated::AI_LITERALS;
    match table.binary_search_by(|(p, _)| (*p).cmp(pattern)) {
        Ok(i) => table[i]
            .1
            .map(|l| l.iter().map(|s| s.to_string()).collect()),
        Err(_) => required_literals(pattern),
    }
}

/// A compiled signatures table.
#[derive(Debug)]
pub struct Detector {
    sigs: Vec<Sig>,
    /// Lowercased trailer key -> signatures keyed on it, in table order.
    trailer: HashMap<String, Vec<usize>>,
    body: Group,
    subject: Group,
    /// Prose mentions, matched on the subject and body lines; empty unless
    /// the policy opts in.
    prose: Group,
    /// Model families, for disclosures that name only a model.
    families: Vec<Family>,
    /// Keyword pre-filter over the families' required literals, built on
    /// first use: a family's regex is compiled and run only on a text
    /// holding one of them (a commit-msg hook meets a family only in a
    /// name like `Claude Opus 4.5`; a history scan asks on every commit).
    family_filter: OnceLock<Filter>,
    /// Identity signatures plus `Co-authored-by` ones with a pattern: what
    /// recognises an AI in a `Name <email>` value (and, restricted to the
    /// identity kind, in the author and committer).
    ai_identity: Group,
    /// Distinct tool names, for reading a disclosure's value.
    tools: Vec<String>,
    /// [`tool_key`] of each of `tools`, and each lowercased: computed once,
    /// since every author, committer and `…-by:` trailer is compared with
    /// every tool.
    tool_keys: Vec<String>,
    tools_lower: Vec<String>,
    /// Position in `tools` of each [`tool_key`].
    tool_index: HashMap<String, usize>,
}

/// Signatures of one kind, matched together. Nothing is compiled at load:
/// on first use, a keyword pre-filter is read from the patterns' syntax
/// ([`required_literals`]); a text is then matched only against the
/// signatures one of whose literals it contains (and those without any),
/// each compiled when first needed. A message with no AI trace compiles no
/// regex at all.
#[derive(Debug, Default)]
struct Group {
    /// Index in `sigs` of each member, in table order.
    index: Vec<usize>,
    filter: OnceLock<Filter>,
}

#[derive(Debug)]
struct Filter {
    /// Over the members' required literals (by position in `index`).
    keywords: KeywordIndex,
    /// Members with no required literal, tried on every text.
    always: Vec<usize>,
}

impl Group {
    fn new(index: Vec<usize>) -> Group {
        Group {
            index,
            filter: OnceLock::new(),
        }
    }

    fn filter(&self, sigs: &[Sig]) -> &Filter {
        self.filter.get_or_init(|| {
            let mut always = Vec::new();
            let mut keywords = Vec::with_capacity(self.index.len());
            for (m, &i) in self.index.iter().enumerate() {
                match sigs[i].pattern.source.as_deref().and_then(literals_of) {
                    Some(k) => keywords.push(k),
                    None => {
                        always.push(m);
                        keywords.push(Vec::new());
                    }
                }
            }
            Filter {
                keywords: KeywordIndex::build(&keywords).unwrap_or_default(),
                always,
            }
        })
    }

    /// Builds the pre-filter now (for a group with policy entries, so that
    /// a failure is a load error).
    fn prepare(&self, sigs: &[Sig]) -> Result<(), String> {
        self.filter(sigs).keywords.prepare()
    }

    /// Indices in `sigs` of the signatures matching `text`, in table order.
    fn matches(&self, sigs: &[Sig], text: &str) -> Vec<usize> {
        if self.index.is_empty() {
            return Vec::new();
        }
        let f = self.filter(sigs);
        let mut cands = f.always.clone();
        for (_, owners) in f.keywords.hits(text) {
            cands.extend_from_slice(owners);
        }
        cands.sort_unstable();
        cands.dedup();
        cands
            .into_iter()
            .map(|m| self.index[m])
            .filter(|&i| {
                let p = &sigs[i].pattern;
                // No pattern matches everything (as an empty regex would).
                !p.is_some() || p.get().is_some_and(|r| r.is_match(text))
            })
            .collect()
    }
}

/// Parses the signatures table; errors name the entry.
#[cfg(test)]
fn parse_table(text: &str) -> Result<Vec<RawSignature>, String> {
    toml::from_str::<RawTable>(text)
        .map(|t| t.signature)
        .map_err(|e| format!("ai-signatures.toml: {}", e.message().trim()))
}

/// The built-in table, parsed.
#[cfg(test)]
fn builtin() -> Result<Vec<RawSignature>, String> {
    builtin_table().map(|t| t.0)
}

/// The built-in table's model families, parsed.
#[cfg(test)]
fn builtin_families() -> Result<Vec<RawFamily>, String> {
    builtin_table().map(|t| t.1)
}

fn builtin_table() -> Result<(Vec<RawSignature>, Vec<RawFamily>), String> {
    crate::config::embedded::from_str::<RawTable>(BUILTIN)
        .map(|t| (t.signature, t.family))
        .map_err(|e| format!("ai-signatures.toml: {}", e.message().trim()))
}

/// Checks a `[[family]]` entry: its pattern compiles, its examples match
/// and its counter-examples do not.
#[cfg(test)]
fn verify_family(f: &RawFamily) -> Vec<String> {
    let mut out = Vec::new();
    if f.tool.trim().is_empty() || f.tool.contains(char::is_whitespace) {
        out.push(format!("`tool = \"{}\"` must be a single token", f.tool));
    }
    match build_regex(&f.pattern) {
        Err(e) => out.push(format!("invalid `pattern`: {e}")),
        Ok(r) => {
            for e in &f.examples {
                if !r.is_match(e) {
                    out.push(format!("example `{e}` does not match"));
                }
            }
            for c in &f.counter_examples {
                if r.is_match(c) {
                    out.push(format!("counter-example `{c}` matches"));
                }
            }
        }
    }
    out
}

/// "signature #3 (tool `Claude`, trailer `Co-authored-by`)", to name an entry.
fn describe_entry(i: usize, s: &RawSignature) -> String {
    let mut d = format!(
        "signature #{} (tool `{}`, {}",
        i + 1,
        s.tool,
        match s.kind {
            Kind::Trailer => "trailer",
            Kind::Body => "body",
            Kind::Identity => "identity",
            Kind::Subject => "subject",
            Kind::Prose => "prose",
        }
    );
    if let Some(k) = &s.key {
        d.push_str(&format!(" `{k}`"));
    }
    if let Some(id) = &s.id {
        d.push_str(&format!(", id `{id}`"));
    }
    d.push(')');
    d
}

/// Checks that an entry is well formed and that its examples match and its
/// counter-examples do not. Returns a message per problem.
fn verify_entry(s: &RawSignature) -> Vec<String> {
    let mut out = Vec::new();
    match (s.kind, &s.key) {
        (Kind::Trailer, None) => out.push("`kind = \"trailer\"` needs `key`".to_string()),
        (Kind::Trailer, Some(k)) if k.trim().is_empty() || k.contains(char::is_whitespace) => {
            out.push(format!("`key = \"{k}\"` is not a trailer key"))
        }
        (Kind::Trailer, Some(_)) => {}
        (_, Some(_)) => out.push("`key` only applies to `kind = \"trailer\"`".to_string()),
        (_, None) => {}
    }
    if s.disclosure.is_some() && !(s.kind == Kind::Trailer && s.tool.is_empty()) {
        out.push("`disclosure` only applies to `tool = \"\"` trailers".to_string());
    }
    if s.kind != Kind::Trailer && s.pattern.is_none() {
        out.push("`pattern` is required for this kind".to_string());
    }
    if s.tool.trim() != s.tool || s.tool.contains(char::is_whitespace) {
        out.push(format!(
            "`tool = \"{}\"` must be a single token (it is suggested as `TOOL:MODEL`)",
            s.tool
        ));
    }
    let build = build_regex;
    let pattern = match s.pattern.as_deref().map(build) {
        Some(Err(e)) => {
            out.push(format!("invalid `pattern`: {e}"));
            return out;
        }
        Some(Ok(r)) => Some(r),
        None => None,
    };
    match s.model.as_deref().map(build) {
        Some(Err(e)) => out.push(format!("invalid `model`: {e}")),
        Some(Ok(r)) if !r.capture_names().any(|n| n == Some("model")) => {
            out.push("`model` needs a `(?P<model>…)` group".to_string())
        }
        _ => {}
    }
    let is_match = |t: &str| pattern.as_ref().is_none_or(|r| r.is_match(t));
    for e in &s.examples {
        if !is_match(e) {
            out.push(format!("example `{e}` does not match"));
        }
    }
    for c in &s.counter_examples {
        if is_match(c) {
            out.push(format!("counter-example `{c}` matches"));
        }
    }
    out
}

/// Lowercase alphanumerics only, so `Amazon-Q`, `amazon q` and `AmazonQ` are one tool.
pub(crate) fn tool_key(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

impl Detector {
    /// Compiles the table a policy asks for: the built-in one (unless
    /// `builtin = false`) without disabled tools, then the policy's own
    /// entries. `disclosure_keys` are the policy's disclosure trailers,
    /// recognised as generic disclosures when the table has no entry for them.
    pub fn compile(
        raw: &RawAi,
        disclosure_keys: &[String],
        path: &KeyPath,
        problems: &mut Problems,
    ) -> Detector {
        let (table, families) = if raw.builtin.unwrap_or(true) {
            match builtin_table() {
                Ok((t, f)) => (Ok(t), f),
                Err(e) => (Err(e), Vec::new()),
            }
        } else {
            (Ok(Vec::new()), Vec::new())
        };
        let mut d = Detector::compile_with(table, raw, disclosure_keys, path, problems);
        d.families = families
            .into_iter()
            .filter(|f| {
                !raw.disable
                    .iter()
                    .flatten()
                    .any(|t| tool_key(t) == tool_key(&f.tool))
            })
            .map(|f| Family {
                tool: f.tool,
                pattern: Lazy::new(Some(f.pattern)),
            })
            .collect();
        d
    }

    /// [`compile`](Self::compile) with a given base table (the built-in one, or a test's).
    fn compile_with(
        table: Result<Vec<RawSignature>, String>,
        raw: &RawAi,
        disclosure_keys: &[String],
        path: &KeyPath,
        problems: &mut Problems,
    ) -> Detector {
        let mut entries: Vec<(RawSignature, Option<KeyPath>)> = Vec::new();
        match table {
            Ok(table) => {
                let disabled: Vec<String> =
                    raw.disable.iter().flatten().map(|t| tool_key(t)).collect();
                for (i, d) in raw.disable.iter().flatten().enumerate() {
                    if !table.iter().any(|s| tool_key(&s.tool) == tool_key(d)) {
                        let tools = distinct_tools(table.iter().map(|s| s.tool.as_str()));
                        let mut msg = format!("no built-in signature has the tool `{d}`");
                        if let Some(n) =
                            crate::config::error::nearest(d, tools.iter().map(String::as_str))
                        {
                            msg.push_str(&format!("; did you mean `{n}`?"));
                        }
                        msg.push_str(&format!(" (tools: {})", tools.join(", ")));
                        problems.error(path.key("disable").index(i), msg);
                    }
                }
                entries.extend(
                    table
                        .into_iter()
                        .filter(|s| !disabled.contains(&tool_key(&s.tool)))
                        .map(|s| (s, None)),
                );
            }
            Err(e) => problems.error(path.clone(), format!("the built-in table: {e}")),
        }
        for (i, s) in raw.signatures.iter().flatten().enumerate() {
            let at = match &s.id {
                Some(id) => path.key("signatures").id(id),
                None => path.key("signatures").index(i),
            };
            entries.push((s.clone(), Some(at)));
        }
        // The policy's disclosure trailers, unless the table knows them.
        for k in disclosure_keys {
            let known = entries.iter().any(|(s, _)| {
                s.kind == Kind::Trailer
                    && s.key.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(k))
            });
            if !known {
                entries.push((
                    RawSignature {
                        id: None,
                        tool: String::new(),
                        kind: Kind::Trailer,
                        key: Some(k.clone()),
                        pattern: None,
                        model: None,
                        agentic: None,
                        disclosure: None,
                        examples: Vec::new(),
                        counter_examples: Vec::new(),
                    },
                    None,
                ));
            }
        }

        let mut d = Detector {
            sigs: Vec::new(),
            trailer: HashMap::new(),
            body: Group::default(),
            subject: Group::default(),
            prose: Group::default(),
            families: Vec::new(),
            ai_identity: Group::default(),
            tools: distinct_tools(entries.iter().map(|(s, _)| s.tool.as_str())),
            family_filter: OnceLock::new(),
            tool_keys: Vec::new(),
            tools_lower: Vec::new(),
            tool_index: HashMap::new(),
        };
        d.tool_keys = d.tools.iter().map(|t| tool_key(t)).collect();
        for (i, k) in d.tool_keys.iter().enumerate() {
            d.tool_index.entry(k.clone()).or_insert(i);
        }
        d.tools_lower = d.tools.iter().map(|t| t.to_ascii_lowercase()).collect();
        let prose_on = raw.prose.unwrap_or(false);
        let mut body = Vec::new();
        let mut subject = Vec::new();
        let mut ai_identity = Vec::new();
        let mut prose = Vec::new();
        let mut own = [false; 4];
        for (n, (s, at)) in entries.iter().enumerate() {
            // Built-in entries are named by their position in the table.
            let at_or = |key: &str| match at {
                Some(p) => p.key(key),
                None => path.clone(),
            };
            let name = describe_entry(n, s);
            let problems_before = problems.0.len();
            if at.is_some() {
                let found = verify_entry(s);
                let bad = !found.is_empty();
                for msg in found {
                    problems.error(at_or("pattern"), format!("{name}: {msg}"));
                }
                if bad {
                    continue;
                }
            } else if s.kind == Kind::Trailer && s.key.is_none() {
                // The built-in table is verified by the test-suite; only what
                // would break detection is checked here.
                problems.error(path.clone(), format!("built-in {name}: no `key`"));
                continue;
            }
            if problems.0.len() > problems_before || (s.kind == Kind::Prose && !prose_on) {
                continue;
            }
            let i = d.sigs.len();
            let group = match s.kind {
                Kind::Trailer => {
                    let key = s.key.as_deref().unwrap_or("").to_ascii_lowercase();
                    let identity = key == "co-authored-by" && s.pattern.is_some();
                    d.trailer.entry(key).or_default().push(i);
                    identity.then_some(2)
                }
                Kind::Body => Some(0),
                Kind::Subject => Some(1),
                Kind::Identity => Some(2),
                Kind::Prose => Some(3),
            };
            if let Some(g) = group {
                [&mut body, &mut subject, &mut ai_identity, &mut prose][g].push(i);
                own[g] |= at.is_some();
            }
            d.sigs.push(Sig {
                tool: (!s.tool.is_empty()).then(|| s.tool.clone()),
                kind: s.kind,
                pattern: Lazy::new(s.pattern.clone()),
                model: Lazy::new(s.model.clone()),
                agentic: s.agentic.unwrap_or(false),
                disclosure: s.tool.is_empty() && s.disclosure.unwrap_or(true),
            });
        }
        d.body = Group::new(body);
        d.subject = Group::new(subject);
        d.ai_identity = Group::new(ai_identity);
        d.prose = Group::new(prose);
        for (g, what) in [
            (&d.body, "body"),
            (&d.subject, "subject"),
            (&d.ai_identity, "identity"),
            (&d.prose, "prose"),
        ]
        .into_iter()
        .zip(own)
        .filter_map(|(g, own)| own.then_some(g))
        {
            if let Err(e) = g.prepare(&d.sigs) {
                problems.error(path.clone(), format!("the {what} signatures: {e}"));
            }
        }
        d
    }

    /// Number of compiled signatures.
    pub(crate) fn len(&self) -> usize {
        self.sigs.len()
    }

    /// Every trace of AI involvement in a change, in message order, then
    /// identities.
    pub fn detect(&self, change: &Change) -> Vec<Signal> {
        let mut out = Vec::new();
        if let Some(msg) = &change.message {
            if let Some(i) = self
                .subject
                .matches(&self.sigs, &msg.subject)
                .into_iter()
                .next()
            {
                out.push(self.signal(
                    i,
                    &msg.subject,
                    Seen::Subject {
                        text: msg.subject.clone(),
                    },
                ));
            }
            // Trailers as git reads them, then every other line of the
            // body: footers, links, and `Key: value` lines git does not see
            // as trailers (a squash merge's middle paragraphs, a block with
            // prose above it and no blank line between).
            let mut seen_lines: Vec<u32> = Vec::new();
            for t in &msg.trailers {
                if let Some(s) = self.trailer_signal(t) {
                    seen_lines.push(t.line);
                    out.push(s);
                }
            }
            let block = msg.trailers.first().map_or(u32::MAX, |t| t.line);
            let (start, first_line) = body_start(&msg.text);
            // A message written with literal `\n` escapes (one line to git)
            // still carries its trailers: read them from the subject too.
            // And a `--trailer "Co-authored-by: …"` command that leaked into it.
            if out.is_empty() {
                let parts = msg.subject.split("\\n");
                if let Some(s) = parts.clone().skip(1).find_map(|p| self.loose_signal(p, 1)) {
                    out.push(s);
                } else if let Some(s) = parts.take(1).find_map(|p| {
                    loose_trailer(p)
                        .is_none()
                        .then(|| self.loose_signal(p, 1))?
                }) {
                    out.push(s);
                }
            }
            for (n, line) in msg.text[start..].split('\n').enumerate() {
                let line = line.trim_end_matches('\r');
                let no = first_line + n as u32;
                if line.trim().is_empty() || seen_lines.contains(&no) {
                    continue;
                }
                if no < block {
                    let found = if line.contains("\\n") {
                        line.split("\\n")
                            .find_map(|part| self.loose_signal(part, no))
                    } else {
                        self.loose_signal(line, no)
                    };
                    if let Some(s) = found {
                        out.push(s);
                        continue;
                    }
                }
                if let Some(i) = self.body.matches(&self.sigs, line).into_iter().next() {
                    out.push(self.signal(
                        i,
                        line,
                        Seen::Body {
                            line: no,
                            text: line.to_string(),
                        },
                    ));
                    continue;
                }
                if let Some(s) = self.prose_signal(
                    line,
                    Seen::Body {
                        line: no,
                        text: line.to_string(),
                    },
                ) {
                    out.push(s);
                }
            }
            if !out.iter().any(|s| matches!(s.seen, Seen::Subject { .. })) {
                if let Some(s) = self.prose_signal(
                    &msg.subject,
                    Seen::Subject {
                        text: msg.subject.clone(),
                    },
                ) {
                    out.push(s);
                }
            }
            // Keep message order: subject, then lines.
            out.sort_by_key(|s| s.seen.line().unwrap_or(u32::MAX));
        }
        // The identity is written out once, and kept in a signal only.
        for (who, author) in [(&change.author, true), (&change.committer, false)] {
            let Some(who) = who else { continue };
            let text = who.display();
            let seen = |identity: String| match author {
                true => Seen::Author { identity },
                false => Seen::Committer { identity },
            };
            if let Some(s) = self.identity_signal(&who.name, &text, seen) {
                out.push(s);
            }
        }
        out
    }

    /// The signal a trailer carries, if any.
    fn trailer_signal(&self, t: &Trailer) -> Option<Signal> {
        let key = t.key.to_ascii_lowercase();
        let seen = || Seen::Trailer {
            key: t.key.clone(),
            value: t.value.clone(),
            line: t.line,
        };
        for &i in self.trailer.get(&key).into_iter().flatten() {
            let sig = &self.sigs[i];
            if sig.pattern.is_some() && !sig.pattern.get().is_some_and(|p| p.is_match(&t.value)) {
                continue;
            }
            if sig.tool.is_none() {
                let v = t.value.trim();
                let mut s = self.signal(i, &t.value, seen());
                if !sig.disclosure {
                    // Agent metadata that names no tool (`Agent-Id:`).
                    return Some(s);
                }
                // A generic disclosure: the value names the tool, or says "none".
                if v.is_empty() || NEGATIVE.iter().any(|n| v.eq_ignore_ascii_case(n)) {
                    return None;
                }
                s.disclosure = true;
                if let Some(p) = Person::parse(v) {
                    // `Assisted-by: Jane Doe <jane@example.org>`: a person
                    // helped, unless the address or the name is a tool's.
                    let tool = match self.ai_identity.matches(&self.sigs, v).into_iter().next() {
                        Some(j) => self.sigs[j].tool.clone(),
                        None => Some(self.tool_named(&p.name, false)?),
                    };
                    if s.model.is_none() {
                        s.model = self.family_tool(&p.name).map(|_| p.name.clone());
                    }
                    s.tool = tool;
                    return Some(s);
                }
                if let Some(tool) = self.tool_by_name(v) {
                    s.tool = Some(tool);
                } else if let Some(tool) = self.family_tool(v) {
                    // `Assisted-by: Opus 4.7`: the model names its vendor's tool.
                    s.tool = Some(tool);
                    if s.model.is_none() {
                        s.model = Some(model_text(v));
                    }
                } else {
                    s.tool = self.tool_in_value(v);
                }
                return Some(s);
            }
            return Some(self.signal(i, &t.value, seen()));
        }
        if AUTHORSHIP_KEYS.contains(&key.as_str()) || key.ends_with("-by") {
            if let Some(i) = self
                .ai_identity
                .matches(&self.sigs, &t.value)
                .into_iter()
                .next()
            {
                let mut s = self.signal(i, &t.value, seen());
                s.identity_match = true;
                return Some(s);
            }
            // `Implemented-by: Claude Sonnet`, `Co-authored-by: GitHub
            // Copilot <…>`: a tool's or a model's name where a person's stands.
            let v = t.value.trim();
            let name = Person::parse(v).map_or(v.to_string(), |p| p.name);
            if name.split_whitespace().count() <= 6 {
                if let Some(tool) = self.tool_named(&name, true) {
                    return Some(Signal {
                        model: self.family_tool(&name).map(|_| model_text(&name)),
                        tool: Some(tool),
                        agentic: false,
                        disclosure: false,
                        identity_match: true,
                        prose: false,
                        seen: seen(),
                    });
                }
            }
        }
        None
    }

    /// The signal of a `Key: value` line outside git's trailer block, or of
    /// a `Co-authored-by:` inside a line (a `git commit --trailer "…"`
    /// command that leaked into the message).
    fn loose_signal(&self, line: &str, no: u32) -> Option<Signal> {
        const CO: &[u8] = b"co-authored-by:";
        let (key, value) = match loose_trailer(line) {
            Some(kv) => kv,
            None => {
                let at = line
                    .as_bytes()
                    .windows(CO.len())
                    .position(|w| w.eq_ignore_ascii_case(CO))?;
                ("Co-authored-by", line[at + CO.len()..].trim())
            }
        };
        let t = Trailer {
            key: key.to_string(),
            value: value.to_string(),
            line: no,
        };
        let mut s = self.trailer_signal(&t)?;
        s.seen = Seen::Line {
            key: t.key,
            value: t.value,
            line: no,
        };
        Some(s)
    }

    /// The signal an author or committer carries: an identity signature, or
    /// a tool's or a model's name (`gpt-5.3-codex <…>`, `GitHub Copilot <…>`).
    fn identity_signal(
        &self,
        name: &str,
        text: &str,
        seen: impl FnOnce(String) -> Seen,
    ) -> Option<Signal> {
        let first = self
            .ai_identity
            .matches(&self.sigs, text)
            .into_iter()
            .find(|&i| self.sigs[i].kind == Kind::Identity);
        if let Some(i) = first {
            return Some(self.signal(i, text, seen(text.to_string())));
        }
        let tool = self.tool_named(name, true)?;
        let seen = seen(text.to_string());
        Some(Signal {
            model: self.family_tool(name).map(|_| model_text(name)),
            tool: Some(tool),
            agentic: true,
            disclosure: false,
            identity_match: false,
            prose: false,
            seen,
        })
    }

    /// The AI tool a `Name <email>` value belongs to, if it is an AI identity.
    pub(crate) fn ai_identity(&self, value: &str) -> Option<&str> {
        let i = self
            .ai_identity
            .matches(&self.sigs, value)
            .into_iter()
            .next()?;
        Some(self.sigs[i].tool.as_deref().unwrap_or("an AI tool"))
    }

    fn signal(&self, i: usize, text: &str, seen: Seen) -> Signal {
        let sig = &self.sigs[i];
        let model = sig.model.get().and_then(|m| {
            m.captures(text)
                .and_then(|c| c.name("model"))
                .map(|m| m.as_str().trim().to_string())
                .filter(|m| !m.is_empty())
        });
        Signal {
            tool: sig.tool.clone(),
            model,
            agentic: sig.agentic,
            disclosure: false,
            identity_match: false,
            prose: false,
            seen,
        }
    }

    /// A mention of an AI tool in prose, when the policy opts in.
    fn prose_signal(&self, text: &str, seen: Seen) -> Option<Signal> {
        let i = self.prose.matches(&self.sigs, text).into_iter().next()?;
        let mut s = self.signal(i, text, seen);
        if s.tool.is_none() {
            let found = self.sigs[i].pattern.get().and_then(|r| r.find(text));
            let m = found.map_or(text, |m| m.as_str());
            s.tool = self.tool_by_name(m).or_else(|| self.family_tool(m));
        }
        s.prose = true;
        Some(s)
    }

    /// The vendor's tool of the model family `text` names (`Opus 4.7` -> Claude).
    fn family_tool(&self, text: &str) -> Option<String> {
        let (f, _) = self.family_matches(text).next()?;
        Some(self.families[f].tool.clone())
    }

    /// The tool a person-shaped name stands for: a model family
    /// (`Claude Opus 4.5`), or a tool's name with only generic words
    /// around it (`GitHub Copilot`, `Cursor Agent`); `Claude Dupont` is a person.
    ///
    /// With `strict` (a co-author, an author, any `…-by:` trailer that is not
    /// a disclosure), a bare tool name is not enough (`Claude <…>` may be a
    /// person called Claude) and a model family needs a version number.
    fn tool_named(&self, name: &str, strict: bool) -> Option<String> {
        // Strictly, a family counts with a version number (`gpt-5.3-codex`)
        // or when it is the whole name (`Claude Sonnet`), not `Gemini Smith`.
        let digit = name.bytes().any(|b| b.is_ascii_digit());
        for (f, m) in self.family_matches(name) {
            if !strict || digit || m.as_str().trim() == name.trim() {
                return Some(self.families[f].tool.clone());
            }
        }
        // Words of the ASCII-lowercased name are the lowercased words (an
        // ASCII letter stays alphanumeric); the first tool in table order
        // that one of them names.
        let lower = name.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let t = words
            .iter()
            .filter_map(|w| self.tool_index.get(*w).copied())
            .min()?;
        let key = self.tool_keys[t].as_str();
        let filler = |w: &&str| *w == key || TOOL_WORDS.contains(w);
        let bare = words.len() == 1;
        (words.iter().all(filler) && !(strict && bare)).then(|| self.tools[t].clone())
    }

    /// The families whose pattern matches `text`, in table order, with the
    /// match; only those holding one of their required literals are tried.
    fn family_matches<'s, 't>(
        &'s self,
        text: &'t str,
    ) -> impl Iterator<Item = (usize, regex::Match<'t>)> + 's
    where
        't: 's,
    {
        let filter = self.family_filter.get_or_init(|| {
            let mut always = Vec::new();
            let mut keywords = Vec::with_capacity(self.families.len());
            for (i, f) in self.families.iter().enumerate() {
                match f.pattern.source.as_deref().and_then(literals_of) {
                    Some(k) => keywords.push(k),
                    None => {
                        always.push(i);
                        keywords.push(Vec::new());
                    }
                }
            }
            Filter {
                keywords: KeywordIndex::build(&keywords).unwrap_or_default(),
                always,
            }
        });
        let mut cands = filter.always.clone();
        if !self.families.is_empty() {
            for (_, owners) in filter.keywords.hits(text) {
                cands.extend_from_slice(owners);
            }
        }
        cands.sort_unstable();
        cands.dedup();
        cands.into_iter().filter_map(move |i| {
            let m = self.families[i].pattern.get()?.find(text)?;
            Some((i, m))
        })
    }

    /// The tool a disclosure value names: `TOOL:MODEL …` (the kernel's
    /// form), else a known tool name as a word (`GitHub Copilot`).
    fn tool_in_value(&self, value: &str) -> Option<String> {
        if let Some(t) = self.tool_by_name(value).or_else(|| self.family_tool(value)) {
            return Some(t);
        }
        let first = value.split_whitespace().next()?;
        let head = first.split(':').next().unwrap_or(first);
        (first.contains(':') && !head.is_empty()).then(|| head.to_string())
    }

    /// A known tool named in a value: `TOOL:MODEL …`, or its name as a word.
    fn tool_by_name(&self, value: &str) -> Option<String> {
        let first = value.split_whitespace().next()?;
        let head = first.split(':').next().unwrap_or(first);
        let head = tool_key(head);
        if let Some(t) = self.tool_keys.iter().position(|k| *k == head) {
            return Some(self.tools[t].clone());
        }
        let lower = value.to_ascii_lowercase();
        for (t, tl) in self.tools.iter().zip(&self.tools_lower) {
            let found = lower.match_indices(tl.as_str()).any(|(at, m)| {
                let before = lower[..at].chars().next_back();
                let after = lower[at + m.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            });
            if found {
                return Some(t.clone());
            }
        }
        None
    }
}

/// The model a model-only disclosure names: the value up to a `<`, `(`
/// or `;`, at most 40 characters (`Opus 4.7`, `GPT-5.6 Sol`).
fn model_text(v: &str) -> String {
    let end = v.find(['<', '(', ';', ',']).unwrap_or(v.len());
    v[..end].trim().chars().take(40).collect()
}

/// Byte offset in `text` where the body starts (after the first
/// paragraph, as [`crate::message::Message`] splits it) and its 1-based line.
fn body_start(text: &str) -> (usize, u32) {
    let bytes = text.as_bytes();
    let mut skip = 0;
    while skip < bytes.len() {
        let end = text[skip..]
            .find('\n')
            .map_or(bytes.len(), |p| skip + p + 1);
        if !text[skip..end].trim().is_empty() {
            break;
        }
        skip = end;
    }
    match text[skip..].find("\n\n") {
        Some(p) => {
            let start = skip + p + 2;
            (start, 1 + text[..start].matches('\n').count() as u32)
        }
        None => (text.len(), 1 + text.matches('\n').count() as u32),
    }
}

/// A `Key: value` line as git's trailer syntax has it (a token of
/// letters, digits and `-`, optional blanks, `:`), read anywhere in the
/// message; leading blanks and a list marker (`* `, `- `) are skipped.
fn loose_trailer(line: &str) -> Option<(&str, &str)> {
    let mut l = line.trim_start();
    if let Some(rest) = l.strip_prefix("* ").or_else(|| l.strip_prefix("- ")) {
        l = rest.trim_start();
    }
    let colon = l.find(':')?;
    let key = l[..colon].trim_end();
    let ok = !key.is_empty()
        && key.len() <= 64
        && key.as_bytes()[0].is_ascii_alphanumeric()
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then(|| (key, l[colon + 1..].trim()))
}

fn distinct_tools<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !n.is_empty() && !out.iter().any(|o| tool_key(o) == tool_key(n)) {
            out.push(n.to_string());
        }
    }
    out
}

/// A model name as an identifier: lowercase, spaces to dashes (`Opus 4.5` -> `opus-4.5`).
pub(crate) fn model_slug(model: &str) -> String {
    model
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;
    use crate::model::Identity;

    fn detector() -> Detector {
        let raw = RawAi {
            prose: Some(true),
            ..RawAi::default()
        };
        let mut p = Problems::default();
        let d = Detector::compile(&raw, &[], &KeyPath::of(&["ai"]), &mut p);
        assert!(p.is_empty(), "{:?}", p.0);
        d
    }

    fn change(msg: &str, author: &str) -> Change {
        let (name, email) = author.split_once(" <").expect("Name <email>");
        Change {
            author: Some(Identity {
                name: name.into(),
                email: email.trim_end_matches('>').into(),
                time: 0,
            }),
            message: Some(Message::parse(msg.as_bytes(), None, "#")),
            ..Change::default()
        }
    }

    /// Every built-in entry is well formed, its examples match and its
    /// counter-examples do not; the kinds and keys are ones the detector uses.
    #[test]
    fn builtin_table_examples_hold() {
        let table = builtin().expect("the built-in table parses");
        assert!(table.len() > 20, "only {} signatures", table.len());
        let mut bad = Vec::new();
        for (i, s) in table.iter().enumerate() {
            if s.examples.is_empty() {
                bad.push(format!("{}: no examples", describe_entry(i, s)));
            }
            for msg in verify_entry(s) {
                bad.push(format!("{}: {msg}", describe_entry(i, s)));
            }
            // The model group, when present, captures something on some example.
            if let Some(m) = &s.model {
                let re = Regex::new(m).expect("verified");
                let any = s
                    .examples
                    .iter()
                    .any(|e| re.captures(e).and_then(|c| c.name("model")).is_some());
                if !any {
                    bad.push(format!(
                        "{}: `model` captures nothing in any example",
                        describe_entry(i, s)
                    ));
                }
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    /// The compiled detector agrees with the table's own examples: each
    /// example, put where its kind looks, yields a signal of its tool.
    #[test]
    fn detector_finds_every_example() {
        let d = detector();
        let table = builtin().expect("parses");
        for s in &table {
            for e in &s.examples {
                let c = match s.kind {
                    Kind::Trailer => change(
                        &format!(
                            "Subject\n\nBody.\n\n{}: {e}\n",
                            s.key.as_deref().unwrap_or("")
                        ),
                        "Jane Doe <jane@example.com>",
                    ),
                    Kind::Body | Kind::Prose => {
                        change(&format!("Subject\n\n{e}\n"), "Jane Doe <jane@example.com>")
                    }
                    Kind::Subject => change(&format!("{e}\n"), "Jane Doe <jane@example.com>"),
                    Kind::Identity => change("Subject\n", e),
                };
                let signals = d.detect(&c);
                let want = (!s.tool.is_empty()).then(|| s.tool.clone());
                assert!(
                    signals.iter().any(|x| s.tool.is_empty() || x.tool == want),
                    "{e:?} ({:?} {}) gave {signals:?}",
                    s.kind,
                    s.tool
                );
            }
        }
    }

    #[test]
    fn claude_code_commit() {
        let d = detector();
        let c = change(
            "Add retries\n\nSome text.\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\nCo-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\n",
            "Jane Doe <jane@example.com>",
        );
        let s = d.detect(&c);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!(s[0].seen.line(), Some(5));
        assert_eq!(s[1].seen.line(), Some(7));
        assert_eq!(s[1].tool.as_deref(), Some("Claude"));
        assert_eq!(s[1].model.as_deref(), Some("Opus 4.5"));
        assert!(s.iter().all(|x| x.agentic));
    }

    #[test]
    fn human_commits_have_no_signals() {
        let d = detector();
        for (msg, who) in [
            (
                "Fix typo\n\nCo-authored-by: Claude Dupont <claude@example.fr>\n",
                "Jane <j@x.org>",
            ),
            (
                "aiders: fix\n",
                "Claude Martin <claude.martin@anthropic.com>",
            ),
            (
                "chore(deps): update rust crate regex to 1.10\n",
                "renovate[bot] <29139614+renovate[bot]@users.noreply.github.com>",
            ),
            ("Fix\n\nAI-assisted: no\n", "Jane <j@x.org>"),
            ("Fix\n\nSigned-off-by: Jane <j@x.org>\n", "Jane <j@x.org>"),
        ] {
            assert!(d.detect(&change(msg, who)).is_empty(), "{msg}");
        }
    }

    #[test]
    fn ai_signoff_is_a_signal() {
        let d = detector();
        let s = d.detect(&change(
            "Fix\n\nSigned-off-by: Claude <noreply@anthropic.com>\n",
            "Jane <j@x.org>",
        ));
        assert_eq!(s.len(), 1);
        assert!(s[0].identity_match);
        assert_eq!(s[0].seen.trailer_key(), Some("Signed-off-by"));
    }

    #[test]
    fn disclosure_value_names_the_tool() {
        let d = detector();
        let s = d.detect(&change(
            "Fix\n\nAssisted-by: Claude:claude-opus-4-5 coccinelle\nGenerated-by: GitHub Copilot\nAI-assisted: yes\n",
            "Jane <j@x.org>",
        ));
        let tools: Vec<_> = s.iter().map(|x| x.tool.as_deref()).collect();
        assert_eq!(tools, vec![Some("Claude"), Some("Copilot"), None]);
        assert_eq!(s[0].model.as_deref(), Some("claude-opus-4-5"));
        assert!(s.iter().all(|x| x.disclosure));
    }

    #[test]
    fn policy_entries_extend_and_disable() {
        let raw: RawAi = toml::from_str(
            r#"
            disable = ["Claude"]
            [[signatures]]
            tool = "Acme"
            kind = "body"
            pattern = '^Written by AcmeBot'
            examples = ["Written by AcmeBot v2"]
            "#,
        )
        .expect("parses");
        let mut p = Problems::default();
        let d = Detector::compile(&raw, &["AI-Tool".into()], &KeyPath::of(&["ai"]), &mut p);
        assert!(p.is_empty(), "{:?}", p.0);
        let s = d.detect(&change(
            "Fix\n\nWritten by AcmeBot v2\n\nCo-Authored-By: Claude <noreply@anthropic.com>\nAI-Tool: Foo\n",
            "Jane <j@x.org>",
        ));
        let tools: Vec<_> = s
            .iter()
            .map(|x| (x.tool.as_deref(), x.disclosure))
            .collect();
        assert_eq!(tools, vec![(Some("Acme"), false), (None, true)]);
    }

    #[test]
    fn bad_policy_entries_are_load_errors() {
        let raw: RawAi = toml::from_str(
            r#"
            disable = ["Claud"]
            [[signatures]]
            tool = "Acme"
            kind = "body"
            pattern = '(unclosed'
            examples = ["x"]
            [[signatures]]
            tool = "Acme"
            kind = "trailer"
            examples = ["x"]
            [[signatures]]
            tool = "Acme"
            kind = "subject"
            pattern = '^acme: '
            examples = ["nope"]
            "#,
        )
        .expect("parses");
        let mut p = Problems::default();
        Detector::compile(&raw, &[], &KeyPath::of(&["ai"]), &mut p);
        let msgs: Vec<String> =
            p.0.iter()
                .map(|x| format!("{}: {}", x.path, x.message))
                .collect();
        let all = msgs.join("\n");
        assert!(all.contains("did you mean `Claude`"), "{all}");
        assert!(all.contains("invalid `pattern`"), "{all}");
        assert!(all.contains("needs `key`"), "{all}");
        assert!(all.contains("example `nope` does not match"), "{all}");
        assert!(all.contains("ai.signatures[1]"), "{all}");
    }

    /// The built-in table is verified by the test-suite (above), not on
    /// every run: a broken entry in a base table is skipped at detection
    /// (logged), never a panic, and the other entries still work; only
    /// what breaks the table's shape (a trailer entry without a key) is
    /// reported.
    #[test]
    fn bad_builtin_entries_are_skipped() {
        let table = parse_table(
            r#"
            [[signature]]
            tool = "Good"
            kind = "body"
            pattern = '^good$'
            examples = ["good"]
            [[signature]]
            tool = "Broken"
            kind = "body"
            pattern = '(?P<x>unclosed good'
            examples = ["x"]
            [[signature]]
            tool = "BadModel"
            kind = "trailer"
            key = "X-Tool"
            model = '[z-a]'
            examples = ["x"]
            [[signature]]
            tool = "NoKey"
            kind = "trailer"
            "#,
        );
        let mut p = Problems::default();
        let d =
            Detector::compile_with(table, &RawAi::default(), &[], &KeyPath::of(&["ai"]), &mut p);
        let all =
            p.0.iter()
                .map(|x| x.message.clone())
                .collect::<Vec<_>>()
                .join("\n");
        assert!(
            all.contains("signature #4 (tool `NoKey`, trailer): no `key`"),
            "{all}"
        );
        assert_eq!(p.0.len(), 1, "{all}");
        let s = d.detect(&change("Fix\n\ngood\n\nX-Tool: v1\n", "Jane <j@x.org>"));
        let tools: Vec<_> = s.iter().map(|x| x.tool.as_deref()).collect();
        assert_eq!(tools, vec![Some("Good"), Some("BadModel")]);
        assert_eq!(s[1].model, None);
        assert!(parse_table("[[signature]]\ntool = \"X\"\nkind = \"footer\"\n").is_err());
        assert!(parse_table("[[signature]]\ntool = \"X\"\nkind = \"body\"\nwat = 1\n").is_err());
    }

    /// Matching through the keyword pre-filter finds exactly what matching
    /// every signature's regex finds, on every example and counter-example
    /// of the table put in every place a signature looks.
    #[test]
    fn prefilter_agrees_with_plain_matching() {
        let d = detector();
        let table = builtin().expect("parses");
        let mut texts: Vec<String> = Vec::new();
        for s in &table {
            texts.extend(s.examples.iter().cloned());
            texts.extend(s.counter_examples.iter().cloned());
        }
        // Unicode case folds an ASCII pre-filter must not miss.
        texts.push("Co-authored-by: Claude <noreply@anthropic.com>".replace('c', "C"));
        texts.push("x \u{212A}iro-bot[bot]".to_string());
        texts.push("\u{1F916} Generated with Claude Code".to_string());
        texts.push("jetbrain\u{17F}-ai[bot]".to_string());
        let groups = [&d.body, &d.subject, &d.ai_identity, &d.prose];
        let compiled: Vec<Vec<(usize, Regex)>> = groups
            .iter()
            .map(|g| {
                g.index
                    .iter()
                    .map(|&i| {
                        let p = d.sigs[i].pattern.source.as_deref().unwrap_or("");
                        (i, Regex::new(p).expect("compiles"))
                    })
                    .collect()
            })
            .collect();
        for t in &texts {
            for (g, res) in groups.iter().zip(&compiled) {
                let plain: Vec<usize> = res
                    .iter()
                    .filter(|(_, re)| re.is_match(t))
                    .map(|(i, _)| *i)
                    .collect();
                assert_eq!(g.matches(&d.sigs, t), plain, "{t:?}");
            }
        }
    }

    /// Every model family is well formed and holds on its examples.
    #[test]
    fn builtin_families_hold() {
        let fams = builtin_families().expect("parses");
        assert!(fams.len() >= 5, "only {} families", fams.len());
        let bad: Vec<String> = fams
            .iter()
            .flat_map(|f| {
                verify_family(f)
                    .into_iter()
                    .map(move |m| format!("{}: {m}", f.tool))
            })
            .collect();
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    /// The families' literal pre-filter finds what their regexes find, on
    /// their examples, every signature example, and texts with case folds.
    #[test]
    fn family_prefilter_agrees_with_plain_matching() {
        let d = detector();
        let mut texts: Vec<String> = builtin_families()
            .expect("parses")
            .into_iter()
            .flat_map(|f| f.examples)
            .collect();
        for s in builtin().expect("parses") {
            texts.extend(s.examples);
            texts.extend(s.counter_examples);
        }
        texts.extend(
            [
                "CLAUDE OPUS 4",
                "Dev 1",
                "John Doe",
                "GPT-5 Codex",
                "\u{212A}imi",
                "o3",
            ]
            .map(String::from),
        );
        assert!(!d.families.is_empty());
        for t in &texts {
            let plain: Vec<(usize, std::ops::Range<usize>)> = d
                .families
                .iter()
                .enumerate()
                .filter_map(|(i, f)| {
                    let re =
                        Regex::new(f.pattern.source.as_deref().unwrap_or("")).expect("compiles");
                    Some((i, re.find(t)?.range()))
                })
                .collect();
            let filtered: Vec<_> = d.family_matches(t).map(|(i, m)| (i, m.range())).collect();
            assert_eq!(filtered, plain, "{t:?}");
        }
    }

    /// The literals `build.rs` read for the built-in patterns are what
    /// reading them now gives.
    #[test]
    fn build_time_literals_are_current() {
        let table = builtin().expect("parses");
        let fams = builtin_families().expect("parses");
        let patterns: Vec<&str> = table
            .iter()
            .filter_map(|s| s.pattern.as_deref())
            .chain(fams.iter().map(|f| f.pattern.as_str()))
            .collect();
        assert!(patterns.len() > 20);
        for p in &patterns {
            assert!(
                generated::AI_LITERALS.iter().any(|(g, _)| g == p),
                "{p} is not in the build-time table"
            );
            assert_eq!(literals_of(p), required_literals(p), "{p}");
        }
        assert_eq!(
            literals_of("(?i)not-a-builtin-\\d"),
            required_literals("(?i)not-a-builtin-\\d")
        );
    }

    #[test]
    fn model_slugs() {
        assert_eq!(model_slug("Opus 4.5"), "opus-4.5");
        assert_eq!(model_slug("gpt-4o"), "gpt-4o");
    }
}
