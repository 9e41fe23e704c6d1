//! A table of regexes behind a keyword pre-filter, shared by the secrets and
//! payloads families.
//!
//! Every pattern names lowercase literal keywords, one of which occurs in
//! any text it can match. One Aho-Corasick automaton over all keywords runs
//! over a line first (case-insensitively); only the patterns whose keywords
//! occur run their regex, and only on a window around each keyword
//! occurrence. So the cost of a line with no keyword is one linear pass
//! whatever the size of the table, and a megabyte-long minified line costs
//! the pre-filter pass plus regex work proportional to its keyword hits
//! (never more than one linear pass per triggered pattern, since overlapping
//! windows are merged).
//!
//! Regexes match bytes with ASCII classes (`\w`, `\s`, `\b` and `(?i)` are
//! ASCII; `(?u)` turns Unicode back on): tokens are ASCII, and a Unicode word
//! boundary would push the regex engine off its DFA onto a much slower one on
//! any non-ASCII text, which a megabyte of minified JavaScript makes costly.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};

use crate::policy::{KeyPath, Problems};

/// Bytes before a keyword occurrence that a match may start at. Keywords sit
/// at or near the start of what the patterns match (a prefix, or a variable
/// name shortly before the value).
const BEFORE: usize = 256;

/// Bytes after a keyword occurrence that a match may extend to: room for the
/// longest tokens (JWTs, Atlassian tokens) the tables describe.
const AFTER: usize = 4096;

/// One compiled pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// Stable kebab-case id (unique within its table).
    pub id: String,
    pub description: String,
    pub keywords: Vec<String>,
    /// The regex source; compiled on first use (see `compiled`).
    source: String,
    /// The compiled regex and the capture index of the group that is
    /// reported (`secret`, else the whole match). Built tables hold dozens of
    /// regexes that most runs never reach past the keyword pre-filter, so a
    /// hook pays only for the ones a line's keywords call for.
    compiled: OnceLock<Option<(Regex, usize)>>,
    /// Shannon entropy (bits per character) the reported group must reach.
    pub min_entropy: Option<f64>,
    /// Caller-defined tag (the payloads family stores the rule index here).
    pub tag: usize,
}

/// The fields of a pattern entry as written, borrowed from the caller's raw type.
pub struct PatternSpec<'a> {
    pub id: &'a str,
    pub description: Option<&'a str>,
    pub keywords: &'a [String],
    pub regex: &'a str,
    pub min_entropy: Option<f64>,
    pub tag: usize,
    /// Compile now (policy-supplied patterns, so that every error, size
    /// limits included, is a load error); built-in tables are syntax-checked
    /// at load and compiled on first use.
    pub eager: bool,
}

impl Pattern {
    /// The compiled regex and its reported group (compiled on first call).
    /// `None` only if a built-in entry fails to compile, which the tables'
    /// tests rule out; it is logged and the entry never matches.
    pub fn compiled(&self) -> Option<&(Regex, usize)> {
        self.compiled
            .get_or_init(|| match build_bytes_regex(&self.source) {
                Ok(r) => {
                    let group = r
                        .capture_names()
                        .position(|n| n == Some("secret"))
                        .unwrap_or(0);
                    Some((r, group))
                }
                Err(e) => {
                    tracing::error!("pattern `{}` does not compile: {e}", self.id);
                    None
                }
            })
            .as_ref()
    }

    /// Validates and compiles one entry; every problem is reported at `path`
    /// (the entry), naming the setting that is wrong.
    pub fn compile(
        spec: PatternSpec<'_>,
        path: &KeyPath,
        problems: &mut Problems,
    ) -> Option<Pattern> {
        let mut ok = true;
        if !super::custom::is_kebab(spec.id) {
            problems.error(
                path.key("id"),
                format!(
                    "pattern id `{}` must be kebab-case (a-z, 0-9, single dashes)",
                    spec.id
                ),
            );
            ok = false;
        }
        let keywords: Vec<String> = spec.keywords.iter().map(|k| k.to_lowercase()).collect();
        if keywords.is_empty() || keywords.iter().any(|k| k.trim().is_empty()) {
            problems.error(
                path.key("keywords"),
                format!(
                    "pattern `{}` needs a non-empty list of non-empty keywords (literals that every match contains)",
                    spec.id
                ),
            );
            ok = false;
        }
        if let Some(e) = spec.min_entropy {
            if !(0.0..=8.0).contains(&e) {
                problems.error(
                    path.key("min_entropy"),
                    format!(
                        "pattern `{}`: min_entropy {e} is not between 0 and 8 bits per character",
                        spec.id
                    ),
                );
                ok = false;
            }
        }
        let compiled = OnceLock::new();
        if spec.eager {
            let regex = compile_bytes_regex(spec.regex, &path.key("regex"), problems)?;
            let group = regex
                .capture_names()
                .position(|n| n == Some("secret"))
                .unwrap_or(0);
            let _ = compiled.set(Some((regex, group)));
        } else if let Err(e) = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(spec.regex)
        {
            let reason = e.to_string();
            let reason = reason
                .lines()
                .find_map(|l| l.strip_prefix("error: "))
                .unwrap_or(&reason)
                .to_string();
            problems.error(
                path.key("regex"),
                format!("invalid regex `{}`: {reason}", spec.regex),
            );
            return None;
        }
        if !ok {
            return None;
        }
        Some(Pattern {
            id: spec.id.to_string(),
            description: spec.description.unwrap_or(spec.id).to_string(),
            keywords,
            source: spec.regex.to_string(),
            compiled,
            min_entropy: spec.min_entropy,
            tag: spec.tag,
        })
    }
}

/// Builds a pattern's regex: ASCII classes, size-limited like every policy regex.
fn build_bytes_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(1 << 20)
        .dfa_size_limit(4 << 20)
        .build()
}

/// Compiles a pattern's regex, naming the setting on failure.
fn compile_bytes_regex(pattern: &str, path: &KeyPath, problems: &mut Problems) -> Option<Regex> {
    match build_bytes_regex(pattern) {
        Ok(r) => Some(r),
        Err(e) => {
            problems.error(
                path.clone(),
                format!(
                    "invalid regex `{pattern}`: {}",
                    crate::policy::regex_reason(&e)
                ),
            );
            None
        }
    }
}

/// A match of one pattern on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    /// Index of the pattern in the set.
    pub pattern: usize,
    /// Byte span of the reported group (the secret) in the line.
    pub start: usize,
    pub end: usize,
}

/// A keyword pre-filter over many entries: one case-insensitive
/// Aho-Corasick automaton over all their keywords, mapping each keyword hit
/// to the entries that need it, so a table's regexes run only where one of
/// their keywords occurs and the cost stays flat as tables grow. Shared by
/// every family that matches tables of patterns.
#[derive(Debug, Clone, Default)]
pub struct KeywordIndex {
    /// `None` when there are no keywords.
    ac: Option<AhoCorasick>,
    /// For each distinct keyword (the automaton's pattern index), the entries that need it.
    owners: Vec<Vec<usize>>,
    /// Some keyword holds a line break.
    multiline: bool,
}

impl KeywordIndex {
    /// Indexes entry `i`'s keywords (compared case-insensitively).
    pub fn build<K: AsRef<str>>(entries: &[Vec<K>]) -> Result<KeywordIndex, String> {
        let mut keywords: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        for (i, kws) in entries.iter().enumerate() {
            for k in kws {
                let k = k.as_ref().to_ascii_lowercase();
                match keywords.iter().position(|x| *x == k) {
                    Some(j) if !owners[j].contains(&i) => owners[j].push(i),
                    Some(_) => {}
                    None => {
                        keywords.push(k);
                        owners.push(vec![i]);
                    }
                }
            }
        }
        let ac = if keywords.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&keywords)
                    .map_err(|e| format!("cannot build the keyword automaton: {e}"))?,
            )
        };
        let multiline = keywords.iter().any(|k| k.contains(['\n', '\r']));
        Ok(KeywordIndex {
            ac,
            owners,
            multiline,
        })
    }

    /// The added lines (1-based, ascending) of `file` on which some keyword
    /// occurs. Each run of consecutive added lines is searched in one pass
    /// (a new file is one run), so lines without any keyword are never
    /// searched one by one; `None` when the index cannot tell (a keyword
    /// spans lines), meaning every line may match.
    pub fn lines_with_hits(&self, file: &crate::model::FileChange) -> Option<Vec<u32>> {
        let Some(ac) = &self.ac else {
            return Some(Vec::new());
        };
        if self.multiline {
            return None;
        }
        let starts = &file.line_starts;
        let start_of = |n: u32| starts.get(n as usize - 1).copied();
        let mut lines: Vec<u32> = Vec::new();
        let added = &file.added;
        let mut i = 0;
        while i < added.len() {
            let first = added[i];
            let mut last = first;
            while i + 1 < added.len() && added[i + 1] == last + 1 {
                i += 1;
                last += 1;
            }
            i += 1;
            let (Some(from), to) = (
                start_of(first.max(1)),
                start_of(last + 1).unwrap_or(file.text.len()),
            ) else {
                continue;
            };
            let Some(run) = file.text.get(from..to) else {
                continue;
            };
            // Non-overlapping is enough: a keyword never spans lines, so a
            // skipped occurrence shares its line with a reported one.
            for m in ac.find_iter(run) {
                let n = starts.partition_point(|&s| s <= from + m.start()) as u32;
                if lines.last() != Some(&n) {
                    lines.push(n);
                }
            }
        }
        Some(lines)
    }

    /// Every keyword occurrence in `text` (overlapping): its byte range and
    /// the entries that need that keyword.
    pub fn hits<'s>(
        &'s self,
        text: &'s str,
    ) -> impl Iterator<Item = (std::ops::Range<usize>, &'s [usize])> + 's {
        self.ac.iter().flat_map(move |ac| {
            ac.find_overlapping_iter(text)
                .map(|m| (m.range(), self.owners[m.pattern().as_usize()].as_slice()))
        })
    }
}

/// Patterns with their keyword pre-filter.
#[derive(Debug, Clone, Default)]
pub struct PatternSet {
    patterns: Vec<Pattern>,
    index: KeywordIndex,
}

impl PatternSet {
    /// Builds the pre-filter over the patterns' keywords.
    pub fn new(patterns: Vec<Pattern>) -> Result<PatternSet, String> {
        let keywords: Vec<Vec<&str>> = patterns
            .iter()
            .map(|p| p.keywords.iter().map(String::as_str).collect())
            .collect();
        let index = KeywordIndex::build(&keywords)?;
        Ok(PatternSet { patterns, index })
    }

    /// The added lines of `file` on which [`PatternSet::find`] can match
    /// anything (see [`KeywordIndex::lines_with_hits`]).
    pub fn lines_with_keywords(&self, file: &crate::model::FileChange) -> Option<Vec<u32>> {
        self.index.lines_with_hits(file)
    }

    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Matches on one line, best first: when the reported spans of two
    /// patterns overlap, only the earlier pattern of the table is kept (the
    /// specific formats come before the generic ones). `keep` filters a
    /// candidate (pattern, reported text) before that de-duplication, so a
    /// placeholder rejected by a specific pattern does not hide a generic
    /// match of the same text.
    /// Hits come back in line order.
    pub fn find(&self, line: &str, keep: impl Fn(&Pattern, &str) -> bool) -> Vec<Hit> {
        // (pattern, window start, window end) for every keyword occurrence.
        let mut windows: Vec<(usize, usize, usize)> = Vec::new();
        for (range, owners) in self.index.hits(line) {
            let start = floor_char(line, range.start.saturating_sub(BEFORE));
            let end = ceil_char(line, range.end.saturating_add(AFTER).min(line.len()));
            for &p in owners {
                windows.push((p, start, end));
            }
        }
        if windows.is_empty() {
            return Vec::new();
        }
        windows.sort_unstable();
        let mut hits: Vec<Hit> = Vec::new();
        let mut i = 0;
        while i < windows.len() {
            let (p, start, mut end) = windows[i];
            i += 1;
            while i < windows.len() && windows[i].0 == p && windows[i].1 <= end {
                end = end.max(windows[i].2);
                i += 1;
            }
            self.scan_window(p, line, start, end, &keep, &mut hits);
        }
        // Best first: table order, then drop spans an earlier pattern claimed.
        // Kept spans are disjoint, so the one starting last before `h.end`
        // is the only one that can overlap `h`.
        hits.sort_by_key(|h| (h.pattern, h.start));
        let mut kept: std::collections::BTreeMap<usize, Hit> = Default::default();
        for h in hits {
            let overlaps = kept
                .range(..h.end)
                .next_back()
                .is_some_and(|(_, k)| h.start < k.end);
            if !overlaps {
                kept.insert(h.start, h);
            }
        }
        kept.into_values().collect()
    }

    fn scan_window(
        &self,
        p: usize,
        line: &str,
        start: usize,
        end: usize,
        keep: &impl Fn(&Pattern, &str) -> bool,
        hits: &mut Vec<Hit>,
    ) {
        let pat = &self.patterns[p];
        // Searching `line[..end]` from `start` lets `\b` and `^` see the text
        // before the window; the end is artificial but far from the keyword.
        let hay = &line.as_bytes()[..end];
        let Some((regex, group)) = pat.compiled() else {
            return;
        };
        let mut locs = regex.capture_locations();
        let mut pos = start;
        while pos <= hay.len() {
            let Some(m) = regex.captures_read_at(&mut locs, hay, pos) else {
                break;
            };
            let (gs, ge) = locs.get(*group).unwrap_or((m.start(), m.end()));
            // Byte classes may cut a multi-byte character: widen to whole ones.
            let (gs, ge) = (floor_char(line, gs), ceil_char(line, ge));
            let text = &line[gs..ge];
            let entropy_ok = pat.min_entropy.is_none_or(|min| entropy(text) >= min);
            // Windows of one pattern are disjoint, so a span is never found twice.
            if ge > gs && entropy_ok && keep(pat, text) {
                hits.push(Hit {
                    pattern: p,
                    start: gs,
                    end: ge,
                });
            }
            pos = if m.end() > m.start() {
                m.end()
            } else {
                m.end() + 1
            };
            if m.end() == hay.len() {
                break;
            }
        }
    }
}

/// Shannon entropy of a text in bits per character (over its bytes, which
/// for the ASCII alphabets of tokens are its characters).
pub fn entropy(text: &str) -> f64 {
    if text.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for b in text.bytes() {
        counts[b as usize] += 1;
    }
    let n = text.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(entries: &[(&str, &[&str], &str)]) -> PatternSet {
        let mut problems = Problems::default();
        let pats = entries
            .iter()
            .enumerate()
            .map(|(i, (id, kws, re))| {
                let kws: Vec<String> = kws.iter().map(|s| s.to_string()).collect();
                Pattern::compile(
                    PatternSpec {
                        id,
                        description: None,
                        keywords: &kws,
                        regex: re,
                        min_entropy: None,
                        tag: i,
                        eager: true,
                    },
                    &KeyPath::of(&["t"]),
                    &mut problems,
                )
                .expect("compiles")
            })
            .collect();
        assert!(problems.is_empty());
        PatternSet::new(pats).expect("set")
    }

    #[test]
    fn prefilter_gates_regexes_and_reports_the_group() {
        let s = set(&[
            ("tok", &["tok_"], r"\b(?P<secret>tok_[a-z]{4})\b"),
            ("generic", &["key"], r#"key\s*=\s*"(?P<secret>[^"]+)""#),
        ]);
        assert!(s.find("nothing here", |_, _| true).is_empty());
        let hits = s.find(r#"x TOK_ no; tok_abcd and key = "v1""#, |_, _| true);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].pattern, 0);
        assert_eq!(hits[1].pattern, 1);
        let line = r#"key = "tok_abcd""#;
        let hits = s.find(line, |_, _| true);
        assert_eq!(hits.len(), 1, "overlapping spans keep the earlier pattern");
        assert_eq!(&line[hits[0].start..hits[0].end], "tok_abcd");
        // a rejected specific match does not hide the generic one
        let hits = s.find(line, |p, _| p.id != "tok");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].pattern, 1);
    }

    #[test]
    fn keyword_lines_cover_every_line_find_can_match() {
        // overlapping keywords ("key" inside "apikey", "pike"), case, CRLF,
        // first and last line, no final newline
        let s = set(&[
            ("a", &["apikey"], r"apikey=(?P<secret>\w+)"),
            ("b", &["key", "pike"], r"(?:key|pike)=(?P<secret>\w+)"),
        ]);
        let text = "APIKEY=one\r\nplain line\nxpike=two\n\nno match here\nk e y\nsome key=three";
        let mut f =
            crate::model::FileChange::new("f".into(), crate::model::Status::Added, 0, 0o100644);
        f.set_text(text.to_string());
        f.added = (1..=f.line_count()).collect();
        let lines = s.lines_with_keywords(&f).expect("single-line keywords");
        assert_eq!(lines, vec![1, 3, 7]);
        // only added lines are searched, in runs
        f.added = vec![2, 3, 5, 6, 7];
        assert_eq!(s.lines_with_keywords(&f).expect("runs"), vec![3, 7]);
        f.added = vec![1];
        assert_eq!(s.lines_with_keywords(&f).expect("first line"), vec![1]);
        f.added = (1..=f.line_count()).collect();
        for n in 1..=f.line_count() {
            let line = f.line(n).expect("line");
            if !s.find(line, |_, _| true).is_empty() {
                assert!(lines.contains(&n), "line {n} can match but was skipped");
            }
        }
        // a keyword with a line break: no filtering
        let multi = set(&[("m", &["a\nb"], r"a\nb")]);
        assert!(multi.lines_with_keywords(&f).is_none());
    }

    #[test]
    fn long_lines_are_scanned_around_keywords_only() {
        let s = set(&[("tok", &["tok_"], r"\b(?P<secret>tok_[a-z]{4})\b")]);
        let mut line = "é".repeat(300_000);
        line.push_str(" tok_abcd ");
        line.push_str(&"ü".repeat(300_000));
        let hits = s.find(&line, |_, _| true);
        assert_eq!(hits.len(), 1);
        assert_eq!(&line[hits[0].start..hits[0].end], "tok_abcd");
        // `\b` still sees the text before the window
        let line = format!("{}xtok_abcd", "a".repeat(1000));
        assert!(s.find(&line, |_, _| true).is_empty());
    }

    #[test]
    fn entropy_of_uniform_and_random_text() {
        assert_eq!(entropy("aaaa"), 0.0);
        assert!((entropy("abcd") - 2.0).abs() < 1e-9);
        assert_eq!(entropy(""), 0.0);
    }
}
