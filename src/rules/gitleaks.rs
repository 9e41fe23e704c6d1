//! A gitleaks configuration (`.gitleaks.toml`) read as extra secret
//! patterns, so that a project's existing gitleaks rules and allowlists keep
//! working under `[secrets] gitleaks_config = ".gitleaks.toml"`.
//!
//! What is read, in gitleaks' documented format:
//! - `[[rules]]`: `id`, `description`, `regex`, `secretGroup`, `entropy`,
//!   `keywords`, `path` (a regex on the file path: the rule applies only
//!   there; a rule with a `path` and no `regex` flags the file itself),
//!   `tags` (ignored), and its allowlists (`[rules.allowlist]` or
//!   `[[rules.allowlists]]`);
//! - the global `[allowlist]` / `[[allowlists]]` (with `targetRules`), which
//!   apply to the built-in patterns too, as gitleaks' global allowlist
//!   applies to its default rules;
//! - allowlist fields `condition` (`OR`, the default, or `AND`), `commits`,
//!   `paths`, `regexes` with `regexTarget` (`secret`, the default, `match` or
//!   `line`), `stopwords`, `description`;
//! - `[extend]`: `path` (another configuration, relative to this one, read
//!   from the same place and first, two levels deep as gitleaks stops),
//!   `useDefault` (the built-in table plays the part of gitleaks' default
//!   rules: it is always on) and `disabledRules`; a rule with the id of an
//!   extended rule changes it (what it sets replaces, keywords and
//!   allowlists are added), and one with no regex and no path in an
//!   extending file changes a default rule: the caller joins its
//!   allowlists, `disabledRules` and `targetRules` to the built-in patterns
//!   that play that rule's part (`secrets::join_gitleaks_defaults`).
//!
//! Regexes are Go RE2 syntax; the Rust `regex` crate accepts nearly all of
//! it. `\Q…\E` is translated to escaped literals and a `{` that opens no
//! repetition to an escaped brace (RE2 reads it as a literal); anything the
//! Rust engine rejects is an error naming the file, line and column of the
//! regex and the position inside it. As in gitleaks, each rule is judged on
//! its own (its path and allowlists apply before overlapping matches of
//! other rules are resolved), a rule with several capture groups and no
//! `secretGroup` reports the first group that took part in the match, and
//! a rule's match is not put through the built-in table's sample rules
//! (placeholder words, filler, spelled values). gitleaks' own default
//! configuration loads unchanged. Differences that remain: gitleaks runs a
//! rule when a keyword occurs anywhere in the file, this tool when one
//! occurs on the line (every rule matches within a line, or a line and its
//! value on the next); `[extend] url` and composite rules (`required`) are
//! rejected.

use std::ops::Range;

use regex::Regex;
use toml_edit::{ImDocument, Item, TableLike, Value};

use crate::config::error::LineIndex;

/// How deep `[extend] path` may chain (gitleaks' own limit).
const MAX_EXTEND_DEPTH: usize = 2;

/// A parsed gitleaks configuration (with everything it extends).
#[derive(Debug, Clone, Default)]
pub(crate) struct Config {
    /// The display name of the file read first.
    #[allow(dead_code, reason = "shown by Debug only")]
    pub(crate) name: String,
    pub(crate) rules: Vec<Rule>,
    /// Global allowlists: they apply to every pattern (built-in ones too).
    pub(crate) allowlists: Vec<Allowlist>,
    /// `[extend] disabledRules`.
    pub(crate) disabled: Vec<String>,
    /// The ids of `rules`, so that a new rule finds the one it extends
    /// without a scan of them all.
    ids: std::collections::HashSet<String>,
    /// `[extend] useDefault = true` somewhere in the chain.
    pub(crate) use_default: bool,
    /// The configuration extends another one (a path, or the defaults).
    pub(crate) extends: bool,
    /// Rules that name one of gitleaks' default rules and change it (an
    /// allowlist added, with `useDefault`): they apply to the built-in
    /// patterns that play that rule's part here.
    pub(crate) default_patches: Vec<Patch>,
    /// The allowlists of `default_patches`, by the built-in pattern id they
    /// apply to (filled when the configuration is joined to the table).
    pub(crate) builtin_allowlists: std::collections::HashMap<String, Vec<Allowlist>>,
}

/// A `[[rules]]` entry with no `regex` and no `path` that extends a rule of
/// gitleaks' default configuration (issue gitleaks#1844's shape).
#[derive(Debug, Clone)]
pub(crate) struct Patch {
    pub(crate) id: String,
    pub(crate) allowlists: Vec<Allowlist>,
    /// Where the rule is written: `file:line:column`.
    pub(crate) at: String,
}

impl Config {
    /// The path-only rules (a `path`, no `regex`) that flag `file` in
    /// `commit`, allowlists applied.
    pub(crate) fn path_rules<'c>(
        &'c self,
        commit: &'c str,
        file: &'c str,
    ) -> impl Iterator<Item = &'c Rule> + 'c {
        self.rules.iter().filter(move |r| {
            r.regex.is_none() && r.path.as_ref().is_some_and(|p| p.is_match(file)) && {
                let c = Candidate {
                    commit,
                    path: Some(file),
                    secret: "",
                    matched: "",
                    line: "",
                };
                !r.allowlists.iter().any(|a| a.allows(&c))
                    && !self
                        .allowlists
                        .iter()
                        .any(|a| a.targets(&r.id) && a.allows(&c))
            }
        })
    }
}

/// One `[[rules]]` entry.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    /// The id as written.
    pub(crate) id: String,
    /// A kebab-case id for the pattern table (the written id when it is one).
    pub(crate) pattern_id: String,
    pub(crate) description: Option<String>,
    /// The regex translated to Rust syntax, the secret group named `secret`;
    /// `None` for a path-only rule.
    pub(crate) regex: Option<String>,
    /// The regex and `secretGroup` as written (an extending rule that sets
    /// one of them translates again).
    source: Option<(String, Option<usize>)>,
    /// No `secretGroup` and several capture groups: the secret is the first
    /// group that took part in the match, as gitleaks takes it.
    pub(crate) first_group: bool,
    pub(crate) entropy: Option<f64>,
    /// Lowercased keywords (derived from the regex when the rule has none).
    pub(crate) keywords: Vec<String>,
    pub(crate) path: Option<Regex>,
    pub(crate) allowlists: Vec<Allowlist>,
    /// Where the rule is written: `file:line:column`.
    pub(crate) at: String,
}

/// What an allowlist's `regexes` are matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Secret,
    Match,
    Line,
}

/// One allowlist: a finding it matches is suppressed (and counted).
#[derive(Debug, Clone)]
pub(crate) struct Allowlist {
    /// `condition = "AND"`: every criterion given must match (else any one).
    pub(crate) all: bool,
    pub(crate) commits: Vec<String>,
    pub(crate) paths: Vec<Regex>,
    pub(crate) target: Target,
    pub(crate) regexes: Vec<Regex>,
    /// Lowercased.
    pub(crate) stopwords: Vec<String>,
    /// `targetRules` of a global allowlist (empty: every rule).
    pub(crate) rules: Vec<String>,
    /// Where its `targetRules` are written (`file:line:column`), for errors.
    pub(crate) rules_at: String,
}

/// A finding as an allowlist sees it.
pub(crate) struct Candidate<'a> {
    /// Full commit id (empty when there is none yet).
    pub(crate) commit: &'a str,
    /// `None` for the commit message.
    pub(crate) path: Option<&'a str>,
    pub(crate) secret: &'a str,
    /// The whole regex match.
    pub(crate) matched: &'a str,
    pub(crate) line: &'a str,
}

impl Allowlist {
    /// True when this allowlist suppresses the candidate.
    pub(crate) fn allows(&self, c: &Candidate<'_>) -> bool {
        let mut results: Vec<bool> = Vec::new();
        if !self.commits.is_empty() {
            results.push(
                !c.commit.is_empty()
                    && self.commits.iter().any(|k| {
                        c.commit.eq_ignore_ascii_case(k)
                            || (k.len() >= 7
                                && c.commit.starts_with(k.to_ascii_lowercase().as_str()))
                    }),
            );
        }
        if !self.paths.is_empty() {
            results.push(
                c.path
                    .is_some_and(|p| self.paths.iter().any(|r| r.is_match(p))),
            );
        }
        if !self.regexes.is_empty() {
            let text = match self.target {
                Target::Secret => c.secret,
                Target::Match => c.matched,
                Target::Line => c.line,
            };
            results.push(self.regexes.iter().any(|r| r.is_match(text)));
        }
        if !self.stopwords.is_empty() {
            let lower = c.secret.to_lowercase();
            results.push(self.stopwords.iter().any(|w| lower.contains(w.as_str())));
        }
        if results.is_empty() {
            return false;
        }
        if self.all {
            results.iter().all(|&r| r)
        } else {
            results.iter().any(|&r| r)
        }
    }

    /// True when this (global) allowlist applies to the rule `id`.
    pub(crate) fn targets(&self, id: &str) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|r| r == id)
    }
}

/// Reads a file named relative to the configuration being read: its
/// display name and text, or why it cannot be read.
pub(crate) type Reader<'r> = dyn Fn(&str) -> Result<(String, String), String> + 'r;

/// Parses a gitleaks configuration. `name` is shown in errors; `read`
/// resolves `[extend] path` (relative to the policy's own tree or
/// directory: the caller confines it). Every problem is returned, each
/// naming `file:line:column`.
pub(crate) fn parse(name: &str, text: &str, read: &Reader<'_>) -> Result<Config, Vec<String>> {
    let mut errors = Vec::new();
    let mut cfg = Config {
        name: name.to_string(),
        ..Config::default()
    };
    parse_into(name, text, read, 0, &mut cfg, &mut errors);
    if errors.is_empty() {
        Ok(cfg)
    } else {
        Err(errors)
    }
}

struct Doc<'t> {
    name: &'t str,
    text: &'t str,
    /// Every rule and allowlist is located: built once per file.
    lines: LineIndex<'t>,
}

impl Doc<'_> {
    fn at(&self, span: Option<Range<usize>>) -> String {
        let (line, col) = self.lines.line_col(span.map_or(0, |s| s.start));
        format!("{}:{line}:{col}", self.name)
    }

    fn err(&self, errors: &mut Vec<String>, span: Option<Range<usize>>, msg: impl AsRef<str>) {
        errors.push(format!("{}: {}", self.at(span), msg.as_ref()));
    }
}

fn parse_into(
    name: &str,
    text: &str,
    read: &Reader<'_>,
    depth: usize,
    cfg: &mut Config,
    errors: &mut Vec<String>,
) {
    let doc = Doc {
        name,
        text,
        lines: LineIndex::new(text),
    };
    let parsed = match ImDocument::parse(text) {
        Ok(d) => d,
        Err(e) => {
            doc.err(errors, e.span(), format!("not valid TOML: {}", e.message()));
            return;
        }
    };
    let root = parsed.as_table();
    // What this file extends is read first, wherever `[extend]` stands:
    // this file's rules then change the rules they extend, as in gitleaks.
    for (key, item) in root.iter() {
        if key.eq_ignore_ascii_case("extend") {
            match item.as_table_like() {
                Some(t) => extend(&doc, t, read, depth, cfg, errors),
                None => doc.err(errors, key_span(root, key), "`extend` must be a table"),
            }
        }
    }
    let old_style = root
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("allowlist"));
    if old_style
        && root
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("allowlists"))
    {
        doc.err(
            errors,
            key_span(root, "allowlist"),
            "`[allowlist]` and `[[allowlists]]` cannot both be used (gitleaks refuses it too); move the `[allowlist]` into `[[allowlists]]`",
        );
    }
    for (key, item) in root.iter() {
        let span = key_span(root, key);
        match key.to_ascii_lowercase().as_str() {
            "title" | "description" | "minversion" | "extend" => {}
            "rules" => {
                for t in tables(item) {
                    match t {
                        Some(t) => rule(&doc, t, cfg, errors),
                        None => doc.err(errors, span.clone(), "`rules` must be an array of tables (`[[rules]]`)"),
                    }
                }
            }
            "allowlist" | "allowlists" => {
                for t in tables(item) {
                    match t {
                        Some(t) => {
                            if let Some(a) = allowlist(&doc, t, span.clone(), true, errors) {
                                cfg.allowlists.push(a);
                            }
                        }
                        None => doc.err(errors, span.clone(), format!("`{key}` must be a table")),
                    }
                }
            }
            _ => doc.err(
                errors,
                span,
                format!("unknown key `{key}` (expected title, description, minVersion, extend, rules, allowlist or allowlists)"),
            ),
        }
    }
}

fn extend(
    doc: &Doc<'_>,
    t: &dyn TableLike,
    read: &Reader<'_>,
    depth: usize,
    cfg: &mut Config,
    errors: &mut Vec<String>,
) {
    for (key, item) in t.iter() {
        let span = item.span();
        match key.to_ascii_lowercase().as_str() {
            "usedefault" => match item.as_bool() {
                Some(b) => {
                    cfg.use_default |= b;
                    cfg.extends |= b;
                }
                None => doc.err(errors, span, "`useDefault` must be true or false"),
            },
            "disabledrules" => match strings(item) {
                Some(v) => cfg.disabled.extend(v),
                None => doc.err(errors, span, "`disabledRules` must be a list of rule ids"),
            },
            "url" => doc.err(
                errors,
                span,
                "`[extend] url` is not supported: a policy never fetches its rules over the network; copy the file next to this one and use `path`",
            ),
            "path" => {
                let Some(p) = item.as_str() else {
                    doc.err(errors, span, "`path` must be a string");
                    continue;
                };
                cfg.extends = true;
                if depth + 1 > MAX_EXTEND_DEPTH {
                    // gitleaks stops there without a word; the log says it.
                    tracing::warn!(
                        "{}: `[extend] path` is not followed: it goes deeper than {MAX_EXTEND_DEPTH} levels, as gitleaks stops",
                        doc.at(span)
                    );
                    continue;
                }
                match read(p) {
                    Ok((n, text)) => parse_into(&n, &text, read, depth + 1, cfg, errors),
                    Err(e) => doc.err(errors, span, e),
                }
            }
            _ => doc.err(
                errors,
                key_span(t, key),
                format!("unknown key `{key}` in [extend] (expected path, useDefault or disabledRules)"),
            ),
        }
    }
}

fn rule(doc: &Doc<'_>, t: &dyn TableLike, cfg: &mut Config, errors: &mut Vec<String>) {
    let before = errors.len();
    let mut id: Option<String> = None;
    let mut description = None;
    let mut regex: Option<(String, Option<Range<usize>>, usize)> = None;
    let mut secret_group: Option<(usize, Option<Range<usize>>)> = None;
    let mut entropy = None;
    let mut keywords: Vec<String> = Vec::new();
    let mut path = None;
    let mut allowlists = Vec::new();
    let mut skip = false;
    let first_span = t.iter().next().and_then(|(k, _)| key_span(t, k));
    if t.contains_key("allowlist") && t.contains_key("allowlists") {
        doc.err(
            errors,
            key_span(t, "allowlist"),
            "a rule cannot have both `[rules.allowlist]` and `[[rules.allowlists]]` (gitleaks refuses it too)",
        );
    }
    for (key, item) in t.iter() {
        let span = item.span();
        match key.to_ascii_lowercase().as_str() {
            "id" => match item.as_str() {
                Some(s) if !s.trim().is_empty() => id = Some(s.to_string()),
                _ => doc.err(errors, span, "`id` must be a non-empty string"),
            },
            "description" => description = item.as_str().map(str::to_string),
            "regex" => match item.as_str() {
                Some(s) => regex = Some((s.to_string(), span.clone(), quote_len(doc.text, span))),
                None => doc.err(errors, span, "`regex` must be a string"),
            },
            "secretgroup" => match item.as_integer() {
                Some(n) if n >= 0 => secret_group = Some((n as usize, span)),
                _ => doc.err(errors, span, "`secretGroup` must be a non-negative integer"),
            },
            // Above 8 (the most a byte string can reach) the rule never
            // reports; gitleaks accepts it, and so does this.
            "entropy" => match item.as_float().or_else(|| item.as_integer().map(|i| i as f64)) {
                Some(e) if e >= 0.0 && e.is_finite() => entropy = (e > 0.0).then_some(e.min(8.0)),
                _ => doc.err(errors, span, "`entropy` must be a non-negative number"),
            },
            "keywords" => match strings(item) {
                Some(v) => keywords = v.into_iter().map(|k| k.to_lowercase()).filter(|k| !k.is_empty()).collect(),
                None => doc.err(errors, span, "`keywords` must be a list of strings"),
            },
            "path" => match item.as_str() {
                Some(p) => match Regex::new(&go_to_rust(p)) {
                    Ok(r) => path = Some(r),
                    Err(e) => doc.err(errors, span, format!("`path` is not a valid regex: {}", error_line(&e.to_string()))),
                },
                None => doc.err(errors, span, "`path` must be a string (a regex on the file path)"),
            },
            "tags" => {}
            "skipreport" => skip = item.as_bool() == Some(true),
            "required" => doc.err(
                errors,
                span,
                "composite rules (`required`) are not supported; write the rule as one regex",
            ),
            "allowlist" | "allowlists" => {
                for a in tables(item) {
                    match a {
                        Some(a) => {
                            if let Some(a) = allowlist(doc, a, span.clone(), false, errors) {
                                allowlists.push(a);
                            }
                        }
                        None => doc.err(errors, span.clone(), format!("`{key}` must be a table")),
                    }
                }
            }
            _ => doc.err(
                errors,
                key_span(t, key),
                format!("unknown key `{key}` in a rule (expected id, description, regex, secretGroup, entropy, keywords, path, tags, allowlists)"),
            ),
        }
    }
    let Some(id) = id else {
        doc.err(errors, first_span, "a rule needs an `id`");
        return;
    };
    if errors.len() > before || skip {
        return;
    }
    let at = doc.at(first_span.clone());
    // A rule of an extended configuration with this id is changed, as
    // gitleaks extends: what this rule sets replaces, its keywords and
    // allowlists are added.
    let base = cfg
        .ids
        .contains(&id)
        .then(|| cfg.rules.iter().position(|r| r.id == id))
        .flatten()
        .map(|k| cfg.rules.remove(k));
    if base.is_none() && regex.is_none() && path.is_none() {
        if cfg.extends {
            // A rule of gitleaks' default configuration, changed (or, as
            // gitleaks allows in an extending file, a rule that can never
            // match): the caller applies its allowlists to the built-in
            // patterns that play its part, if any.
            cfg.default_patches.push(Patch { id, allowlists, at });
        } else {
            doc.err(
                errors,
                first_span,
                format!("rule `{id}` has neither a `regex` nor a `path`"),
            );
        }
        return;
    }
    let base_source = base.as_ref().and_then(|b| b.source.clone());
    let source = match (&regex, base_source) {
        (Some((src, _, _)), _) => Some((src.clone(), secret_group.as_ref().map(|(n, _)| *n))),
        // As gitleaks merges: a `secretGroup` of 0 is "not set".
        (None, Some((src, group))) => Some((
            src,
            secret_group
                .as_ref()
                .map(|(n, _)| *n)
                .filter(|n| *n != 0)
                .or(group),
        )),
        (None, None) => None,
    };
    let translated = match &source {
        None => None,
        Some((src, group)) => {
            match translate(src, *group) {
                Ok(r) => Some(r),
                Err(TranslateError::Syntax { offset, message }) => {
                    let span = regex.as_ref().and_then(|(_, s, _)| s.clone());
                    let quote = regex.as_ref().map_or(0, |(_, _, q)| *q);
                    let (line, col) = doc.lines.line_col(span.as_ref().map_or(0, |s| s.start));
                    errors.push(format!(
                        "{}:{line}:{}: rule `{id}`: the regex does not compile (RE2 syntax the Rust regex engine does not accept?): {message} (at character {} of the regex)",
                        doc.name,
                        col + quote + offset,
                        offset + 1
                    ));
                    return;
                }
                Err(TranslateError::Group(n)) => {
                    let span = secret_group.and_then(|(_, s)| s).or(first_span);
                    doc.err(errors, span, format!("rule `{id}`: `secretGroup = {n}` but the regex has fewer capture groups"));
                    return;
                }
            }
        }
    };
    let path = path.or_else(|| base.as_ref().and_then(|b| b.path.clone()));
    if let Some(b) = &base {
        let mut all = b.keywords.clone();
        all.extend(keywords.into_iter().filter(|k| !b.keywords.contains(k)));
        keywords = all;
        let mut all = b.allowlists.clone();
        all.append(&mut allowlists);
        allowlists = all;
    }
    let description = description.or_else(|| base.as_ref().and_then(|b| b.description.clone()));
    let entropy = entropy.or_else(|| base.as_ref().and_then(|b| b.entropy));
    if let Some(Translated { regex: r, .. }) = &translated {
        if keywords.is_empty() {
            match super::patterns::required_literals(r) {
                Some(k) => keywords = k,
                None => {
                    doc.err(
                        errors,
                        first_span,
                        format!(
                            "rule `{id}` has no `keywords` and none can be read from its regex; add `keywords = [\"…\"]` (literals every match contains)"
                        ),
                    );
                    return;
                }
            }
        }
    }
    let first_group = translated.as_ref().is_some_and(|t| t.first_group);
    cfg.ids.insert(id.clone());
    cfg.rules.push(Rule {
        pattern_id: kebab(&id),
        id,
        description,
        regex: translated.map(|t| t.regex),
        source,
        first_group,
        entropy,
        keywords,
        path,
        allowlists,
        at,
    });
}

fn allowlist(
    doc: &Doc<'_>,
    t: &dyn TableLike,
    at: Option<Range<usize>>,
    global: bool,
    errors: &mut Vec<String>,
) -> Option<Allowlist> {
    let before = errors.len();
    let mut a = Allowlist {
        all: false,
        commits: Vec::new(),
        paths: Vec::new(),
        target: Target::Secret,
        regexes: Vec::new(),
        stopwords: Vec::new(),
        rules: Vec::new(),
        rules_at: doc.at(at.clone()),
    };
    for (key, item) in t.iter() {
        let span = item.span();
        let regexes = |what: &str, errors: &mut Vec<String>| -> Vec<Regex> {
            let mut out = Vec::new();
            let Some(list) = item.as_array() else {
                doc.err(
                    errors,
                    span.clone(),
                    format!("`{what}` must be a list of regexes"),
                );
                return out;
            };
            for v in list.iter() {
                let Some(s) = v.as_str() else {
                    doc.err(
                        errors,
                        v.span(),
                        format!("`{what}` entries must be strings"),
                    );
                    continue;
                };
                match Regex::new(&go_to_rust(s)) {
                    Ok(r) => out.push(r),
                    Err(e) => doc.err(
                        errors,
                        v.span(),
                        format!("invalid regex in `{what}`: {}", error_line(&e.to_string())),
                    ),
                }
            }
            out
        };
        match key.to_ascii_lowercase().as_str() {
            "description" => {}
            "condition" => match item.as_str().map(str::to_ascii_uppercase).as_deref() {
                Some("AND") => a.all = true,
                Some("OR") => a.all = false,
                _ => doc.err(errors, span, "`condition` must be \"OR\" or \"AND\""),
            },
            "commits" => match strings(item) {
                Some(v) => a.commits = v.into_iter().map(|c| c.to_ascii_lowercase()).collect(),
                None => doc.err(errors, span, "`commits` must be a list of commit ids"),
            },
            "paths" => a.paths = regexes("paths", errors),
            "regexes" => a.regexes = regexes("regexes", errors),
            "regextarget" => match item.as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("secret") => a.target = Target::Secret,
                Some("match") => a.target = Target::Match,
                Some("line") => a.target = Target::Line,
                _ => doc.err(errors, span, "`regexTarget` must be \"secret\", \"match\" or \"line\""),
            },
            "stopwords" => match strings(item) {
                Some(v) => a.stopwords = v.into_iter().map(|w| w.to_lowercase()).filter(|w| !w.is_empty()).collect(),
                None => doc.err(errors, span, "`stopwords` must be a list of strings"),
            },
            "targetrules" if global => match strings(item) {
                Some(v) => {
                    a.rules = v;
                    a.rules_at = doc.at(span);
                }
                None => doc.err(errors, span, "`targetRules` must be a list of rule ids"),
            },
            _ => doc.err(
                errors,
                key_span(t, key),
                format!("unknown key `{key}` in an allowlist (expected description, condition, commits, paths, regexes, regexTarget, stopwords{})", if global { ", targetRules" } else { "" }),
            ),
        }
    }
    if errors.len() == before
        && a.commits.is_empty()
        && a.paths.is_empty()
        && a.regexes.is_empty()
        && a.stopwords.is_empty()
    {
        doc.err(
            errors,
            at,
            "an allowlist needs at least one of `commits`, `paths`, `regexes` or `stopwords` (gitleaks refuses an empty one too)",
        );
    }
    (errors.len() == before).then_some(a)
}

/// The tables of `[[x]]`, `[x]` or `x = [{…}]` (`None` for an element that is not one).
fn tables(item: &Item) -> Vec<Option<&dyn TableLike>> {
    match item {
        Item::ArrayOfTables(a) => a.iter().map(|t| Some(t as &dyn TableLike)).collect(),
        Item::Table(t) => vec![Some(t as &dyn TableLike)],
        Item::Value(Value::InlineTable(t)) => vec![Some(t as &dyn TableLike)],
        Item::Value(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_inline_table().map(|t| t as &dyn TableLike))
            .collect(),
        _ => vec![None],
    }
}

fn strings(item: &Item) -> Option<Vec<String>> {
    item.as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect()
}

fn key_span(t: &dyn TableLike, key: &str) -> Option<Range<usize>> {
    t.key(key).and_then(|k| k.span())
}

/// Characters of the opening quote of the string at `span` (3 for `'''`).
fn quote_len(text: &str, span: Option<Range<usize>>) -> usize {
    let s = span.and_then(|s| text.get(s)).unwrap_or("");
    if s.starts_with("'''") || s.starts_with("\"\"\"") {
        3
    } else {
        1
    }
}

/// The last non-empty line of a (multi-line) regex error: the reason.
fn error_line(s: &str) -> String {
    s.lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or(s)
        .trim()
        .to_string()
}

/// A rule id as a kebab-case pattern id.
fn kebab(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() || !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.insert_str(0, "gitleaks-");
    }
    out
}

/// Go RE2 syntax the Rust engine spells differently: `\Q…\E` quoting, and
/// a `{` that does not open a repetition (`{n}`, `{n,}`, `{n,m}`), which RE2
/// reads as a literal brace (`^\${(?:[A-Z_]+)}$`, `{{[^}]+}}`) and the Rust
/// engine rejects.
pub(crate) fn go_to_rust(re: &str) -> String {
    literal_braces(&unquote(re))
}

/// Escapes each `{` outside a character class that does not open a
/// repetition, as RE2 does when it reads one.
fn literal_braces(re: &str) -> String {
    let b = re.as_bytes();
    let mut out = String::with_capacity(re.len() + 4);
    let (mut i, mut class) = (0, 0usize);
    while i < b.len() {
        let c = b[i];
        match c {
            b'\\' => {
                // An escape and the character it escapes (one UTF-8 char).
                let n = re[i + 1..].chars().next().map_or(0, char::len_utf8);
                out.push_str(&re[i..i + 1 + n]);
                i += 1 + n;
                continue;
            }
            b'[' if class == 0 => {
                class = 1;
                out.push('[');
                i += 1;
                // `[]…]` and `[^]…]`: a leading `]` is a member.
                if b.get(i) == Some(&b'^') {
                    out.push('^');
                    i += 1;
                }
                if b.get(i) == Some(&b']') {
                    out.push(']');
                    i += 1;
                }
                continue;
            }
            b'[' if b.get(i + 1) == Some(&b':') => {
                // A POSIX class `[:alpha:]` inside a bracket.
                let end = re[i..].find(":]").map_or(b.len(), |j| i + j + 2);
                out.push_str(&re[i..end]);
                i = end;
                continue;
            }
            b'[' => class += 1,
            b']' if class > 0 => class -= 1,
            b'{' if class == 0 && !opens_repetition(&b[i..]) => {
                out.push_str("\\{");
                i += 1;
                continue;
            }
            _ => {}
        }
        let n = re[i..].chars().next().map_or(1, char::len_utf8);
        out.push_str(&re[i..i + n]);
        i += n;
    }
    out
}

/// True when `s` (starting at a `{`) is `{n}`, `{n,}` or `{n,m}`.
fn opens_repetition(s: &[u8]) -> bool {
    let digits = |from: usize| s[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let n = digits(1);
    if n == 0 {
        return false;
    }
    match s.get(1 + n) {
        Some(b'}') => true,
        Some(b',') => {
            let m = digits(2 + n);
            s.get(2 + n + m) == Some(&b'}')
        }
        _ => false,
    }
}

/// `\Q…\E` quoting as escaped literals.
fn unquote(re: &str) -> String {
    let mut out = String::with_capacity(re.len());
    let mut rest = re;
    while let Some(i) = rest.find("\\Q") {
        // An escaped backslash before \Q is a literal backslash then Q.
        let backslashes = rest[..i].chars().rev().take_while(|&c| c == '\\').count();
        if backslashes % 2 == 1 {
            out.push_str(&rest[..i + 2]);
            rest = &rest[i + 2..];
            continue;
        }
        out.push_str(&rest[..i]);
        let body = &rest[i + 2..];
        let (lit, after) = match body.find("\\E") {
            Some(j) => (&body[..j], &body[j + 2..]),
            None => (body, ""),
        };
        out.push_str(&regex::escape(lit));
        rest = after;
    }
    out.push_str(rest);
    out
}

enum TranslateError {
    Syntax { offset: usize, message: String },
    Group(usize),
}

/// Translates a gitleaks regex: `\Q…\E`, then names the secret group
/// `secret` (`secretGroup`, or the first capture group when it is not
/// set), then checks that the Rust engine (as the pattern table builds it)
/// accepts it.
/// A gitleaks regex in Rust syntax.
struct Translated {
    /// The regex, its secret group named `secret` when one is known.
    regex: String,
    /// No `secretGroup` and several capture groups: the first group that
    /// takes part in a match is the secret ([`Rule::first_group`]).
    first_group: bool,
}

fn translate(src: &str, secret_group: Option<usize>) -> Result<Translated, TranslateError> {
    let re = go_to_rust(src);
    let ast = regex_syntax::ast::parse::Parser::new()
        .parse(&re)
        .map_err(|e| TranslateError::Syntax {
            offset: e.span().start.offset,
            message: e.kind().to_string(),
        })?;
    let mut groups: Vec<Group> = Vec::new();
    collect_groups(&ast, &mut groups);
    groups.sort_by_key(|g| g.0);
    // With no `secretGroup`, gitleaks reports the first group that took
    // part in the match: group 1 when it is the only one; with several, no
    // group is named and the rule's pattern picks it per match
    // (`Rule::first_group`).
    let want = match secret_group {
        Some(0) => None,
        Some(n) => Some(n),
        None => (groups.len() == 1).then_some(1),
    };
    let mut out = re.clone();
    if let Some(n) = want {
        let Some((_, open, name)) = groups.iter().find(|g| g.0 == n) else {
            return Err(TranslateError::Group(n));
        };
        out = match name {
            Some(name) => format!("{}secret{}", &re[..name.start], &re[name.end..]),
            None => format!("{}(?P<secret>{}", &re[..open.start], &re[open.start + 1..]),
        };
    }
    regex::bytes::RegexBuilder::new(&out)
        .unicode(false)
        .size_limit(1 << 20)
        .dfa_size_limit(4 << 20)
        .build()
        .map_err(|e| TranslateError::Syntax {
            offset: 0,
            message: error_line(&e.to_string()),
        })?;
    Ok(Translated {
        regex: out,
        first_group: secret_group.is_none() && groups.len() > 1,
    })
}

/// A capture group: its index, its span, and the span of its name.
type Group = (usize, Range<usize>, Option<Range<usize>>);

/// Capture groups: (index, span of the group, span of its name).
fn collect_groups(ast: &regex_syntax::ast::Ast, out: &mut Vec<Group>) {
    use regex_syntax::ast::{Ast, GroupKind};
    match ast {
        Ast::Group(g) => {
            match &g.kind {
                GroupKind::CaptureIndex(i) => {
                    out.push((*i as usize, g.span.start.offset..g.span.end.offset, None))
                }
                GroupKind::CaptureName { name, .. } => out.push((
                    name.index as usize,
                    g.span.start.offset..g.span.end.offset,
                    Some(name.span.start.offset..name.span.end.offset),
                )),
                GroupKind::NonCapturing(_) => {}
            }
            collect_groups(&g.ast, out);
        }
        Ast::Repetition(r) => collect_groups(&r.ast, out),
        Ast::Alternation(a) => a.asts.iter().for_each(|x| collect_groups(x, out)),
        Ast::Concat(c) => c.asts.iter().for_each(|x| collect_groups(x, out)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_files(p: &str) -> Result<(String, String), String> {
        Err(format!("cannot read `{p}`"))
    }

    #[test]
    fn secret_group_is_named_and_quoting_translated() {
        let t = |s, g| match translate(s, g) {
            Ok(r) => r.regex,
            Err(_) => panic!("{s}"),
        };
        assert_eq!(t(r"key=(\w+)", None), r"key=(?P<secret>\w+)");
        assert_eq!(t(r"(a)(?:b)(c)", Some(2)), r"(a)(?:b)(?P<secret>c)");
        assert_eq!(t(r"(?P<v>x+)", Some(1)), r"(?P<secret>x+)");
        assert_eq!(t(r"abc", None), "abc");
        assert_eq!(t(r"(a)", Some(0)), "(a)");
        assert_eq!(go_to_rust(r"\Qa.b*\Ec"), r"a\.b\*c");
        // RE2 reads a brace that opens no repetition as a literal.
        for (go, rust) in [
            (r"^\$(?:\d+|{\d+})$", r"^\$(?:\d+|\{\d+})$"),
            (r"^\${(?:[A-Z_]+)}$", r"^\$\{(?:[A-Z_]+)}$"),
            (r"{{[^}]+}}", r"\{\{[^}]+}}"),
            (r"import[ \t]+{[ \t\w,]+}", r"import[ \t]+\{[ \t\w,]+}"),
            (r"a{2}b{1,}c{1,3}[{]\{", r"a{2}b{1,}c{1,3}[{]\{"),
            (r"[[:alpha:]{]{2}x{", r"[[:alpha:]{]{2}x\{"),
            (r"[]{]{,2}", r"[]{]\{,2}"),
        ] {
            let got = go_to_rust(go);
            assert_eq!(got, rust, "{go}");
            assert!(regex::Regex::new(&got).is_ok(), "{go} -> {got}");
        }
        // Truncated and non-ASCII input is translated without a panic.
        for odd in [
            "\\",
            "[",
            "{",
            "é{",
            "[[:",
            "\\é",
            "(?i){",
            "[é-{]{",
            "x{9999999999999999999}",
        ] {
            let _ = go_to_rust(odd);
        }
        // Several groups and no `secretGroup`: none is named, the first
        // taking part in a match is the secret.
        let several = translate(r"a(b)|c(d)", None).ok().expect("translates");
        assert_eq!(
            (several.regex.as_str(), several.first_group),
            (r"a(b)|c(d)", true)
        );
        assert!(
            !translate(r"a(b)", None)
                .ok()
                .expect("translates")
                .first_group
        );
        assert!(matches!(
            translate(r"(a)", Some(3)),
            Err(TranslateError::Group(3))
        ));
        assert!(matches!(
            translate(r"a(?=b)", None),
            Err(TranslateError::Syntax { .. })
        ));
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let text = "[[rules]]\nid = \"x\"\nregex = '''ab(?<=c)d'''\nkeywords = [\"ab\"]\n";
        let e = parse(".gitleaks.toml", text, &no_files).expect_err("look-behind");
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].starts_with(".gitleaks.toml:3:14: rule `x`"), "{e:?}");
        let e = parse("g.toml", "[[rule]]\nid = \"x\"\n", &no_files).expect_err("typo");
        assert!(e[0].starts_with("g.toml:1:3: unknown key `rule`"), "{e:?}");
        let e = parse(
            "g.toml",
            "[extend]\nurl = \"https://example.invalid/x.toml\"\n",
            &no_files,
        )
        .expect_err("url");
        assert!(e[0].contains("not supported"), "{e:?}");
    }

    #[test]
    fn allowlist_conditions() {
        let text = r#"
[[rules]]
id = "Acme Token"
regex = '''acme_([a-z0-9]{16})'''
[[rules.allowlists]]
condition = "AND"
paths = ['''^tests/''']
stopwords = ["fixture"]
[allowlist]
regexTarget = "line"
regexes = ['''gitleaks:allow''']
"#;
        let cfg = parse("g.toml", text, &no_files).expect("parses");
        let r = &cfg.rules[0];
        assert_eq!(r.pattern_id, "acme-token");
        assert_eq!(r.keywords, vec!["acme_".to_string()]);
        let c = |path, secret, line| Candidate {
            commit: "",
            path: Some(path),
            secret,
            matched: secret,
            line,
        };
        let a = &r.allowlists[0];
        assert!(a.allows(&c("tests/a.rs", "fixture1234", "x")));
        assert!(!a.allows(&c("src/a.rs", "fixture1234", "x")));
        assert!(!a.allows(&c("tests/a.rs", "q7rz3m9k", "x")));
        let g = &cfg.allowlists[0];
        assert!(g.allows(&c("src/a.rs", "q7", "let k = 1; // gitleaks:allow")));
        assert!(!g.allows(&c("src/a.rs", "q7", "let k = 1;")));
    }
}

#[cfg(test)]
mod extend_tests {
    use super::*;

    fn with(
        files: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Result<(String, String), String> {
        move |p: &str| {
            files
                .iter()
                .find(|(n, _)| *n == p)
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .ok_or_else(|| format!("cannot read `{p}`"))
        }
    }

    const BASE: &str = r#"
[[rules]]
id = "acme"
description = "ACME token"
regex = '''acme_([a-z0-9]{16})'''
keywords = ["acme_"]
entropy = 2.0
"#;

    /// Every rule is located (`file:line:column`) and matched against the
    /// rules it may extend: both stay linear in the file, which a pusher
    /// writes (a megabyte of rules took 15 s when each was located by a
    /// scan from the start of the file).
    #[test]
    fn many_rules_parse_in_linear_time() {
        let text: String = (0..10_000)
            .map(|i| format!("[[rules]]\nid = 'r{i}'\npath = '''^p{i}/'''\n[[rules.allowlists]]\nstopwords = ['w']\n"))
            .collect();
        assert!(text.len() > 500_000);
        let started = std::time::Instant::now();
        let cfg = parse("big.toml", &text, &with(&[])).expect("parses");
        assert_eq!(cfg.rules.len(), 10_000);
        // Rule i is located at its first key, `id`, on line 5i + 2.
        assert_eq!(cfg.rules[9_999].at, "big.toml:49997:1");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    /// A rule of the extending file with the id of an extended one changes
    /// it as gitleaks does: what it sets replaces, its keywords and
    /// allowlists are added; `[extend]` is read first wherever it stands.
    #[test]
    fn a_rule_with_an_extended_id_is_merged_into_it() {
        let top = r#"
[[rules]]
id = "acme"
keywords = ["acme-"]
  [[rules.allowlists]]
  paths = ['''^fixtures/''']

[extend]
path = "base.toml"
"#;
        let read = with(&[("base.toml", BASE)]);
        let cfg = parse("top.toml", top, &read).expect("parses");
        assert_eq!(cfg.rules.len(), 1);
        let r = &cfg.rules[0];
        assert_eq!(r.regex.as_deref(), Some("acme_(?P<secret>[a-z0-9]{16})"));
        assert_eq!(r.keywords, ["acme_", "acme-"]);
        assert_eq!(r.allowlists.len(), 1);
        assert_eq!(r.description.as_deref(), Some("ACME token"));
        assert_eq!(r.entropy, Some(2.0));
        // What the extending rule sets replaces (0 is "not set", as in
        // gitleaks); a new secret group translates the extended regex again.
        let top = "[extend]\npath = \"base.toml\"\n[[rules]]\nid = \"acme\"\nentropy = 3.5\nsecretGroup = 0\n";
        let cfg = parse("top.toml", top, &read).expect("parses");
        assert_eq!(
            cfg.rules[0].regex.as_deref(),
            Some("acme_(?P<secret>[a-z0-9]{16})")
        );
        assert_eq!(cfg.rules[0].entropy, Some(3.5));
        let read = with(&[(
            "base.toml",
            "[[rules]]\nid = \"acme\"\nregex = '''(acme)_([a-z0-9]{16})'''\nsecretGroup = 1\n",
        )]);
        let top = "[extend]\npath = \"base.toml\"\n[[rules]]\nid = \"acme\"\nsecretGroup = 2\n";
        let cfg = parse("top.toml", top, &read).expect("parses");
        assert_eq!(
            cfg.rules[0].regex.as_deref(),
            Some("(acme)_(?P<secret>[a-z0-9]{16})")
        );
    }

    /// With `useDefault`, a rule with no regex and no path changes one of
    /// gitleaks' default rules (gitleaks#1844); without it, it is an error.
    #[test]
    fn a_rule_that_changes_a_default_rule() {
        let text = r#"
[extend]
useDefault = true

[[rules]]
id = "generic-api-key"
[[rules.allowlists]]
paths = ['''^fixtures/''']
"#;
        let cfg = parse("g.toml", text, &no_files_reader).expect("parses");
        assert!(cfg.rules.is_empty());
        assert_eq!(cfg.default_patches.len(), 1);
        assert_eq!(cfg.default_patches[0].id, "generic-api-key");
        assert_eq!(cfg.default_patches[0].at, "g.toml:6:1");
        let errs = parse(
            "g.toml",
            &text.replace("useDefault = true", "useDefault = false"),
            &no_files_reader,
        )
        .expect_err("no default to change");
        assert!(
            errs[0].contains("has neither a `regex` nor a `path`"),
            "{errs:?}"
        );
    }

    /// What gitleaks refuses is refused, each with file, line and column.
    #[test]
    fn empty_and_doubled_allowlists_are_errors() {
        for (text, want) in [
            ("[[allowlists]]\n", "g.toml:1:3: an allowlist needs at least one of"),
            (
                "[[rules]]\nid = \"x\"\nregex = '''x_[0-9]{8}'''\n  [[rules.allowlists]]\n",
                "an allowlist needs at least one of",
            ),
            (
                "[allowlist]\nregexes = ['''1''']\n[[allowlists]]\nregexes = ['''2''']\n",
                "g.toml:1:2: `[allowlist]` and `[[allowlists]]` cannot both be used",
            ),
            (
                "[[rules]]\nid = \"x\"\nregex = '''x_[0-9]{8}'''\n[rules.allowlist]\nstopwords = [\"a\"]\n[[rules.allowlists]]\nstopwords = [\"b\"]\n",
                "cannot have both `[rules.allowlist]` and `[[rules.allowlists]]`",
            ),
        ] {
            let errs = parse("g.toml", text, &no_files_reader).expect_err(text);
            assert!(errs.iter().any(|e| e.contains(want)), "{text}: {errs:?}");
        }
    }

    /// Every prefix of a configuration that extends, merges, patches a
    /// default rule and holds every kind of allowlist parses or fails
    /// with located errors: no panic on a truncated or hostile file.
    #[test]
    fn every_prefix_parses_or_fails_cleanly() {
        let text = r#"[extend]
useDefault = true
path = "base.toml"
disabledRules = ["x"]

[[rules]]
id = "acme"
keywords = ["acme-"]
secretGroup = 1
entropy = 3.0
  [[rules.allowlists]]
  condition = "AND"
  paths = ['''^fixtures/''']
  regexTarget = "line"
  regexes = ['''(?i)test''']

[[rules]]
id = "generic-api-key"
[rules.allowlist]
stopwords = ["é", "zz"]

[[allowlists]]
targetRules = ["acme", "generic-api-key"]
commits = ["0123456"]
"#;
        let read = with(&[("base.toml", BASE)]);
        for (i, _) in text.char_indices() {
            if let Err(errors) = parse("g.toml", &text[..i], &read) {
                assert!(
                    errors
                        .iter()
                        .all(|e| e.starts_with("g.toml:") || e.starts_with("base.toml:")),
                    "{errors:?}"
                );
            }
        }
        let cfg = parse("g.toml", text, &read).expect("the whole file parses");
        assert_eq!(
            (
                cfg.rules.len(),
                cfg.default_patches.len(),
                cfg.allowlists.len()
            ),
            (1, 1, 1)
        );
    }

    fn no_files_reader(p: &str) -> Result<(String, String), String> {
        Err(format!("cannot read `{p}`"))
    }
}
