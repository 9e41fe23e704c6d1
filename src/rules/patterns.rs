//! A table of regexes behind a keyword pre-filter, shared by the secrets and
//! payloads families.
//!
//! Every pattern names lowercase literal keywords, one of which occurs in
//! any text it can match. One Aho-Corasick automaton over all keywords runs
//! over a line first (case-insensitively); only the patterns whose keywords
//! occur run their regex, each once over the whole line. So the cost of a
//! line with no keyword is one linear pass whatever the size of the table,
//! and a megabyte-long minified line costs the pre-filter pass plus one
//! linear regex pass per triggered pattern. The pre-filter is for speed
//! only: a keyword is part of every match, so a line without one cannot
//! match; where the rest of a match lies (5,000 spaces of padding away) does
//! not matter, since the regex sees the whole line.
//!
//! Regexes match bytes with ASCII classes (`\w`, `\s`, `\b` and `(?i)` are
//! ASCII; `(?u)` turns Unicode back on): tokens are ASCII, and a Unicode word
//! boundary would push the regex engine off its DFA onto a much slower one on
//! any non-ASCII text, which a megabyte of minified JavaScript makes costly.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};

use crate::config::{KeyPath, Problems};

/// One compiled pattern.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    /// Stable kebab-case id (unique within its table).
    pub(crate) id: String,
    pub(crate) description: String,
    pub(crate) keywords: Vec<String>,
    /// The regex source; compiled on first use (see `compiled`).
    source: String,
    /// The compiled regex and the capture index of the group that is
    /// reported (`secret`, else the whole match). Built tables hold dozens of
    /// regexes that most runs never reach past the keyword pre-filter, so a
    /// hook pays only for the ones a line's keywords call for.
    compiled: OnceLock<Option<(Regex, usize)>>,
    /// Literal sets every match needs one member of (`required_sets`), read
    /// from the source when a line first calls for the regex: a line
    /// lacking one does not compile it (a regex build costs a hundred
    /// times more than the check).
    requires: OnceLock<Vec<Vec<String>>>,
    /// The keywords and the literal text of the `secret` group, read from
    /// the source on first use (see [`Pattern::own_text`]).
    own_text: OnceLock<Vec<String>>,
    /// Shannon entropy (bits per character) the reported group must reach.
    pub(crate) min_entropy: Option<f64>,
    /// Caller-defined tag (the payloads family stores the rule index here).
    pub(crate) tag: usize,
    /// See [`PatternSpec::first_group`].
    first_group: bool,
}

/// The fields of a pattern entry as written, borrowed from the caller's raw type.
pub(crate) struct PatternSpec<'a> {
    pub(crate) id: &'a str,
    pub(crate) description: Option<&'a str>,
    pub(crate) keywords: &'a [String],
    pub(crate) regex: &'a str,
    pub(crate) min_entropy: Option<f64>,
    pub(crate) tag: usize,
    /// Compile now (policy-supplied patterns, so that every error, size
    /// limits included, is a load error). Built-in tables are compiled on
    /// first use and not checked at load: they are part of the binary, and
    /// their tests compile every entry against its examples.
    pub(crate) eager: bool,
    /// Report the first capture group that took part in the match (the
    /// whole match when none did): gitleaks' rule for a regex with several
    /// groups and no `secretGroup`. Otherwise the `secret` group is reported.
    pub(crate) first_group: bool,
}

impl Pattern {
    /// The pattern's own text: its keywords and the runs of literal
    /// characters inside its `secret` group (`/services/` of a webhook URL),
    /// lowercased. Read from the regex once, the first time it is asked for.
    pub(crate) fn own_text(&self) -> &[String] {
        self.own_text.get_or_init(|| {
            let mut out = self.keywords.clone();
            out.extend(group_literals(&self.source, "secret"));
            out
        })
    }

    /// The compiled regex and its reported group (compiled on first call).
    /// `None` only if a built-in entry fails to compile, which the tables'
    /// tests rule out; it is logged and the entry never matches.
    pub(crate) fn compiled(&self) -> Option<&(Regex, usize)> {
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
    pub(crate) fn compile(
        spec: PatternSpec<'_>,
        path: &KeyPath,
        problems: &mut Problems,
    ) -> Option<Pattern> {
        let mut ok = true;
        if !crate::diag::is_kebab(spec.id) {
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
            requires: OnceLock::new(),
            own_text: OnceLock::new(),
            min_entropy: spec.min_entropy,
            tag: spec.tag,
            first_group: spec.first_group,
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
                    crate::config::regex_reason(&e)
                ),
            );
            None
        }
    }
}

/// What becomes of a match, judged by the caller of [`PatternSet::find`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Reported.
    Report,
    /// Not reported, but its span is taken: a later pattern's match over
    /// the same text is not reported either (a vendor format recognised as
    /// a sample is not then reported as a generic assignment).
    Claim,
    /// Not reported, and the span is left to other patterns.
    Drop,
}

/// A match of one pattern on a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    /// Index of the pattern in the set.
    pub(crate) pattern: usize,
    /// Byte span of the reported group (the secret) in the line.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// A keyword pre-filter over many entries: one case-insensitive
/// Aho-Corasick automaton over all their keywords, mapping each keyword hit
/// to the entries that need it, so a table's regexes run only where one of
/// their keywords occurs and the cost stays flat as tables grow. Shared by
/// every family that matches tables of patterns.
///
/// The automaton is built on first use (a commit-msg hook never scans the
/// files a payloads table is for), and in steps: the first [`PLAIN_SCAN`]
/// bytes are searched keyword by keyword, without an automaton; then with a
/// non-contiguous NFA, which is quick to build; once
/// [`SMALL_SCAN`] bytes have been searched, a DFA (the fastest to search,
/// several times slower to build) takes over. A hook checking one message
/// never pays for the DFA, a history scan pays for it once. Both report the
/// same matches. [`prepare`](Self::prepare) builds the first now, for
/// keywords a policy supplied, so that a failure is a load error (the DFA
/// cannot fail where the NFA did not: it falls back to an NFA).
#[derive(Debug, Default)]
pub(crate) struct KeywordIndex {
    /// The distinct keywords, lowercased.
    keywords: Vec<String>,
    /// For each distinct keyword (the automaton's pattern index), the entries that need it.
    owners: Vec<Vec<usize>>,
    /// Some keyword holds a line break.
    multiline: bool,
    /// `None` when there are no keywords or the automaton cannot be built.
    small: OnceLock<Option<AhoCorasick>>,
    fast: OnceLock<Option<AhoCorasick>>,
    /// Bytes searched so far (with `small`).
    scanned: AtomicUsize,
}

/// Bytes a [`KeywordIndex`] searches with its quick-to-build automaton
/// before it builds the DFA.
pub(crate) const SMALL_SCAN: usize = 64 * 1024;

/// Bytes a [`KeywordIndex`] searches keyword by keyword, with no automaton
/// at all (a commit message or two).
pub(crate) const PLAIN_SCAN: usize = 4 * 1024;

impl Clone for KeywordIndex {
    fn clone(&self) -> Self {
        KeywordIndex {
            keywords: self.keywords.clone(),
            owners: self.owners.clone(),
            multiline: self.multiline,
            small: self.small.clone(),
            fast: self.fast.clone(),
            scanned: AtomicUsize::new(self.scanned.load(Ordering::Relaxed)),
        }
    }
}

impl KeywordIndex {
    /// Indexes entry `i`'s keywords (compared case-insensitively).
    pub(crate) fn build<K: AsRef<str>>(entries: &[Vec<K>]) -> Result<KeywordIndex, String> {
        let mut keywords: Vec<String> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut position: std::collections::HashMap<String, usize> = Default::default();
        for (i, kws) in entries.iter().enumerate() {
            for k in kws {
                let k = k.as_ref().to_ascii_lowercase();
                match position.get(&k) {
                    Some(&j) if !owners[j].contains(&i) => owners[j].push(i),
                    Some(_) => {}
                    None => {
                        position.insert(k.clone(), keywords.len());
                        keywords.push(k);
                        owners.push(vec![i]);
                    }
                }
            }
        }
        let multiline = keywords.iter().any(|k| k.contains(['\n', '\r']));
        Ok(KeywordIndex {
            keywords,
            owners,
            multiline,
            ..KeywordIndex::default()
        })
    }

    /// The automaton of a `kind` (`None`: the fastest that can be built).
    fn automaton(
        keywords: &[String],
        kind: Option<AhoCorasickKind>,
    ) -> Result<Option<AhoCorasick>, String> {
        if keywords.is_empty() {
            return Ok(None);
        }
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(kind)
            .build(keywords)
            .map(Some)
            .map_err(|e| format!("cannot build the keyword automaton: {e}"))
    }

    /// Builds the automaton now, reporting a failure.
    pub(crate) fn prepare(&self) -> Result<(), String> {
        if self.small.get().is_some() {
            return Ok(());
        }
        let ac = Self::automaton(&self.keywords, Some(AhoCorasickKind::NoncontiguousNFA))?;
        let _ = self.small.set(ac);
        Ok(())
    }

    /// The automaton to search `len` more bytes with.
    /// The automaton to search `len` more bytes with; `Err(())` while
    /// a plain search is cheaper than building one.
    fn ac(&self, len: usize) -> Result<Option<&AhoCorasick>, ()> {
        // Only built-in keywords get here unprepared; their tables' tests
        // build them, so a failure is a build defect: logged, no hits.
        let build = |kind| {
            Self::automaton(&self.keywords, kind).unwrap_or_else(|e| {
                tracing::error!("{e}");
                None
            })
        };
        if let Some(fast) = self.fast.get() {
            return Ok(fast.as_ref());
        }
        let scanned = self.scanned.fetch_add(len, Ordering::Relaxed) + len;
        if scanned > SMALL_SCAN {
            return Ok(self.fast.get_or_init(|| build(None)).as_ref());
        }
        if let Some(small) = self.small.get() {
            return Ok(small.as_ref());
        }
        if scanned <= PLAIN_SCAN && self.keywords.iter().all(|k| !k.is_empty()) {
            return Err(());
        }
        Ok(self
            .small
            .get_or_init(|| build(Some(AhoCorasickKind::NoncontiguousNFA)))
            .as_ref())
    }

    /// The added lines (1-based, ascending) of `file` on which some keyword
    /// occurs. Each run of consecutive added lines is searched in one pass
    /// (a new file is one run), so lines without any keyword are never
    /// searched one by one; `None` when the index cannot tell (a keyword
    /// spans lines, or the text is small enough for a plain search line by
    /// line), meaning every line may match.
    pub(crate) fn lines_with_hits(&self, file: &crate::model::FileChange) -> Option<Vec<u32>> {
        if self.keywords.is_empty() {
            return Some(Vec::new());
        }
        if self.multiline {
            return None;
        }
        let starts = &file.line_starts;
        let start_of = |n: u32| starts.get((n as usize).checked_sub(1)?).copied();
        let mut runs: Vec<(usize, usize)> = Vec::new();
        let added = &file.added;
        let mut i = 0;
        while i < added.len() {
            let first = added[i];
            let mut last = first;
            while i + 1 < added.len() && added[i + 1] == last.saturating_add(1) {
                i += 1;
                last += 1;
            }
            i += 1;
            if let Some(from) = start_of(first) {
                let to = start_of(last.saturating_add(1)).unwrap_or(file.text.len());
                runs.push((from, to));
            }
        }
        let total: usize = runs.iter().map(|(a, b)| b.saturating_sub(*a)).sum();
        let ac = match self.ac(total) {
            Ok(Some(ac)) => ac,
            Ok(None) => return Some(Vec::new()),
            Err(()) => return None,
        };
        let mut lines: Vec<u32> = Vec::new();
        for (from, to) in runs {
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
    pub(crate) fn hits<'s>(
        &'s self,
        text: &'s str,
    ) -> impl Iterator<Item = (std::ops::Range<usize>, &'s [usize])> + 's {
        let (plain, ac) = match self.ac(text.len()) {
            Ok(ac) => (Vec::new(), ac),
            Err(()) => (self.plain_hits(text), None),
        };
        let found = ac.into_iter().flat_map(move |ac| {
            ac.find_overlapping_iter(text)
                .map(|m| (m.range(), self.owners[m.pattern().as_usize()].as_slice()))
        });
        plain.into_iter().chain(found)
    }

    /// What the automaton would find, by searching each keyword in turn:
    /// every occurrence, overlapping ones included, ASCII case-insensitively
    /// (the order differs; callers sort what they collect).
    fn plain_hits(&self, text: &str) -> Vec<(std::ops::Range<usize>, &[usize])> {
        let lower = text.to_ascii_lowercase();
        // The pairs of adjacent bytes the text holds: a keyword with a pair
        // the text lacks cannot occur in it, and is not searched (setting up
        // a search for each of a table's hundreds of keywords was most of
        // a commit-msg hook's secrets check).
        let mut pairs = [0u64; 1 << 10];
        let bit = |a: u8, b: u8| (usize::from(a) << 8) | usize::from(b);
        for w in lower.as_bytes().windows(2) {
            let i = bit(w[0], w[1]);
            pairs[i >> 6] |= 1 << (i & 63);
        }
        let may_occur = |kw: &[u8]| {
            kw.windows(2).all(|w| {
                let i = bit(w[0], w[1]);
                pairs[i >> 6] & (1 << (i & 63)) != 0
            })
        };
        let mut out = Vec::new();
        for (k, kw) in self.keywords.iter().enumerate() {
            if !may_occur(kw.as_bytes()) {
                continue;
            }
            // An occurrence starts on a character boundary; the next one
            // may overlap this one from its second character on.
            let step = kw.chars().next().map_or(1, char::len_utf8);
            let mut from = 0;
            while let Some(at) = lower.get(from..).and_then(|rest| rest.find(kw.as_str())) {
                let start = from + at;
                out.push((start..start + kw.len(), self.owners[k].as_slice()));
                from = start + step;
            }
        }
        out
    }
}

mod literals;
#[cfg(test)]
pub(crate) use literals::has_required;
use literals::has_required_lower;
pub(crate) use literals::{group_literals, required_literals, required_sets};

/// A table's pattern set as a policy holds it: the one built once for the
/// built-in table, shared by every policy that leaves it as it is, or one
/// of its own.
#[derive(Debug)]
pub(crate) enum SetRef {
    Builtin(&'static PatternSet),
    Own(PatternSet),
}

impl std::ops::Deref for SetRef {
    type Target = PatternSet;

    fn deref(&self) -> &PatternSet {
        match self {
            SetRef::Builtin(s) => s,
            SetRef::Own(s) => s,
        }
    }
}

/// Patterns with their keyword pre-filter.
#[derive(Debug, Clone, Default)]
pub(crate) struct PatternSet {
    patterns: Vec<Pattern>,
    index: KeywordIndex,
}

impl PatternSet {
    /// Builds the pre-filter over the patterns' keywords.
    pub(crate) fn new(patterns: Vec<Pattern>) -> Result<PatternSet, String> {
        let keywords: Vec<Vec<&str>> = patterns
            .iter()
            .map(|p| p.keywords.iter().map(String::as_str).collect())
            .collect();
        let index = KeywordIndex::build(&keywords)?;
        Ok(PatternSet { patterns, index })
    }

    /// The added lines of `file` on which [`PatternSet::find`] can match
    /// anything: the others hold none of the keywords (see
    /// [`KeywordIndex::lines_with_hits`]). Lines the change moved from
    /// elsewhere are left out: their content was already committed.
    pub(crate) fn candidate_lines<'f>(
        &self,
        file: &'f crate::model::FileChange,
    ) -> impl Iterator<Item = (u32, &'f str)> + 'f {
        let keep = self.index.lines_with_hits(file);
        file.new_lines()
            .filter(move |(n, _)| keep.as_ref().is_none_or(|k| k.binary_search(n).is_ok()))
    }

    /// Builds the keyword pre-filter now (for a set with policy-supplied
    /// patterns, so that a failure is a load error); otherwise it is built
    /// on first use.
    pub(crate) fn prepare(&self) -> Result<(), String> {
        self.index.prepare()
    }

    pub(crate) fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// Matches on one line, best first: when the reported spans of two
    /// patterns overlap, only the earlier pattern of the table is kept (the
    /// specific formats come before the generic ones). `keep` filters a
    /// candidate (pattern, reported text) before that de-duplication, so a
    /// placeholder rejected by a specific pattern does not hide a generic
    /// match of the same text.
    /// Hits come back in line order.
    pub(crate) fn find(&self, line: &str, keep: impl Fn(&Pattern, &str) -> bool) -> Vec<Hit> {
        self.find_judged(line, |p, a, b| {
            if keep(p, &line[a..b]) {
                Verdict::Report
            } else {
                Verdict::Drop
            }
        })
    }

    /// [`Self::find`] with a three-way judgement of each match (its
    /// pattern and the byte span of its reported text in `line`): a
    /// [`Verdict::Claim`]ed match is not reported and hides later patterns'
    /// matches over it.
    pub(crate) fn find_judged(
        &self,
        line: &str,
        judge: impl Fn(&Pattern, usize, usize) -> Verdict,
    ) -> Vec<Hit> {
        // The patterns some keyword of the line calls for. Each then runs
        // over the whole line, once: a match may lie any distance from its
        // keyword (padding between `password` and its value must not hide
        // it), and the regex crate's search is linear in the line, so this
        // costs one pass per triggered pattern, never more.
        let mut triggered: Vec<usize> = self
            .index
            .hits(line)
            .flat_map(|(_, owners)| owners.iter().copied())
            .collect();
        if triggered.is_empty() {
            return Vec::new();
        }
        triggered.sort_unstable();
        triggered.dedup();
        let mut hits: Vec<(Hit, bool)> = Vec::new();
        // the line lowercased, once, for the literal checks before compiling
        let lower: OnceLock<String> = OnceLock::new();
        for p in triggered {
            self.scan_line(p, line, &lower, &judge, &mut hits);
        }
        // Best first: table order, then drop spans an earlier pattern claimed
        // (a sample claims its span too, unreported). Kept spans are
        // disjoint, so the one starting last before `h.end` is the only one
        // that can overlap `h`.
        hits.sort_by_key(|(h, _)| (h.pattern, h.start));
        let mut kept: std::collections::BTreeMap<usize, (Hit, bool)> = Default::default();
        for (h, report) in hits {
            let overlaps = kept
                .range(..h.end)
                .next_back()
                .is_some_and(|(_, (k, _))| h.start < k.end);
            if !overlaps {
                kept.insert(h.start, (h, report));
            }
        }
        kept.into_values()
            .filter_map(|(h, report)| report.then_some(h))
            .collect()
    }

    fn scan_line(
        &self,
        p: usize,
        line: &str,
        lower: &OnceLock<String>,
        judge: &impl Fn(&Pattern, usize, usize) -> Verdict,
        hits: &mut Vec<(Hit, bool)>,
    ) {
        let pat = &self.patterns[p];
        let hay = line.as_bytes();
        // A line that cannot hold a match does not need the regex compiled
        // (once it is, the regex's own pre-filter is faster than this check).
        if pat.compiled.get().is_none() {
            let sets = pat.requires.get_or_init(|| required_sets(&pat.source));
            if !sets.is_empty()
                && !has_required_lower(lower.get_or_init(|| line.to_ascii_lowercase()), sets)
            {
                return;
            }
        }
        let Some((regex, group)) = pat.compiled() else {
            return;
        };
        let mut locs = regex.capture_locations();
        let mut pos = 0;
        while pos <= hay.len() {
            let Some(m) = regex.captures_read_at(&mut locs, hay, pos) else {
                break;
            };
            let span = if pat.first_group {
                (1..locs.len()).find_map(|i| locs.get(i).filter(|(a, b)| b > a))
            } else {
                locs.get(*group)
            };
            let (gs, ge) = span.unwrap_or((m.start(), m.end()));
            // Byte classes may cut a multi-byte character: widen to whole ones.
            let (gs, ge) = (floor_char(line, gs), ceil_char(line, ge));
            let text = &line[gs..ge];
            let entropy_ok = pat.min_entropy.is_none_or(|min| entropy(text) >= min);
            if ge > gs && entropy_ok {
                let hit = Hit {
                    pattern: p,
                    start: gs,
                    end: ge,
                };
                match judge(pat, gs, ge) {
                    Verdict::Report => hits.push((hit, true)),
                    Verdict::Claim => hits.push((hit, false)),
                    Verdict::Drop => {}
                }
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
pub(crate) fn entropy(text: &str) -> f64 {
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
                        first_group: false,
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
        // a text this small is searched line by line, with no automaton
        assert!(s.index.lines_with_hits(&f).is_none());
        // past the plain-search budget, the automaton tells the lines
        assert!(s.find(&"x".repeat(PLAIN_SCAN + 1), |_, _| true).is_empty());
        let lines = s.index.lines_with_hits(&f).expect("single-line keywords");
        assert_eq!(lines, vec![1, 3, 7]);
        // only added lines are searched, in runs
        f.added = vec![2, 3, 5, 6, 7];
        assert_eq!(s.index.lines_with_hits(&f).expect("runs"), vec![3, 7]);
        f.added = vec![1];
        assert_eq!(s.index.lines_with_hits(&f).expect("first line"), vec![1]);
        f.added = (1..=f.line_count()).collect();
        for n in 1..=f.line_count() {
            let line = f.line(n).expect("line");
            if !s.find(line, |_, _| true).is_empty() {
                assert!(lines.contains(&n), "line {n} can match but was skipped");
            }
        }
        // a keyword with a line break: no filtering
        let multi = set(&[("m", &["a\nb"], r"a\nb")]);
        assert!(multi.index.lines_with_hits(&f).is_none());
    }

    #[test]
    fn long_lines_match_whatever_the_padding() {
        let s = set(&[("tok", &["tok_"], r"\b(?P<secret>tok_[a-z]{4})\b")]);
        let mut line = "é".repeat(300_000);
        line.push_str(" tok_abcd ");
        line.push_str(&"ü".repeat(300_000));
        let hits = s.find(&line, |_, _| true);
        assert_eq!(hits.len(), 1);
        assert_eq!(&line[hits[0].start..hits[0].end], "tok_abcd");
        // `\b` sees the text before the keyword
        let line = format!("{}xtok_abcd", "a".repeat(1000));
        assert!(s.find(&line, |_, _| true).is_empty());
        // a match whose parts lie any distance from the keyword
        let s = set(&[(
            "assign",
            &["password"],
            r#"password\s*=\s*"(?P<secret>[^"]+)""#,
        )]);
        let pad = " ".repeat(50_000);
        let line = format!("password{pad}= \"hunter2-x\"");
        let hits = s.find(&line, |_, _| true);
        assert_eq!(hits.len(), 1, "padding must not hide the value");
        assert_eq!(&line[hits[0].start..hits[0].end], "hunter2-x");
        let line = format!("x = \"{pad}\" password{pad}= \"v\"");
        assert_eq!(s.find(&line, |_, _| true).len(), 1);
    }

    fn hits_of(i: &KeywordIndex, text: &str) -> Vec<(std::ops::Range<usize>, Vec<usize>)> {
        i.hits(text).map(|(r, o)| (r, o.to_vec())).collect()
    }

    /// The quick-to-build automaton and the DFA that takes over after
    /// `SMALL_SCAN` bytes report the same hits.
    #[test]
    fn keyword_index_hits_do_not_depend_on_the_automaton() {
        let entries = vec![vec!["tok_", "key"], vec!["KEY"], vec!["ab", "b"]];
        let idx = KeywordIndex::build(&entries).expect("index");
        let text = "a KEY, tok_x; aBab key";
        let hits = |i: &KeywordIndex| {
            i.hits(text)
                .map(|(r, o)| (r, o.to_vec()))
                .collect::<Vec<_>>()
        };
        let sorted = |mut v: Vec<(std::ops::Range<usize>, Vec<usize>)>| {
            v.sort_by_key(|(r, o)| (r.start, r.end, o.clone()));
            v
        };
        let before = sorted(hits(&idx));
        assert!(idx.small.get().is_none(), "searched without an automaton");
        assert_eq!(before.len(), 7, "{before:?}");
        let mid = "y".repeat(PLAIN_SCAN);
        assert_eq!(idx.hits(&mid).count(), 0);
        assert_eq!(sorted(hits(&idx)), before);
        assert!(idx.small.get().is_some() && idx.fast.get().is_none());
        let big = "x".repeat(SMALL_SCAN);
        assert_eq!(idx.hits(&big).count(), 0);
        assert!(idx.fast.get().is_some());
        assert_eq!(sorted(hits(&idx)), before);
        // Overlapping occurrences of one keyword, and non-ASCII text.
        let idx = KeywordIndex::build(&[vec!["aa"], vec!["é-x"]]).expect("index");
        let text = "AaA é-X aa";
        let plain = sorted(hits_of(&idx, text));
        let big = "z".repeat(SMALL_SCAN);
        assert_eq!(idx.hits(&big).count(), 0);
        assert_eq!(sorted(hits_of(&idx, text)), plain);
        assert_eq!(plain.len(), 4, "{plain:?}");
    }

    #[test]
    fn literals_inside_the_secret_group() {
        let lits = |re: &str| group_literals(re, "secret");
        assert_eq!(
            lits(r"(?i)x=(?P<secret>https://hooks\.example\.com/services/[A-Z0-9]{9})"),
            vec!["https://hooks.example.com/services/"]
        );
        assert_eq!(
            lits(r"(?P<secret>access_token\$(?:production|sandbox)\$[a-z0-9]{16})"),
            vec!["access_token$", "production", "sandbox"]
        );
        // Text outside the group is not the secret's; no group, nothing.
        assert_eq!(lits(r"services=(?P<secret>[a-z]{8})"), Vec::<String>::new());
        assert_eq!(lits(r"services=[a-z]{8}"), Vec::<String>::new());
        assert_eq!(lits(r"(?P<secret>[a-z"), Vec::<String>::new());
    }

    #[test]
    fn required_literals_of_patterns() {
        let lits = |p: &str| required_literals(p);
        let v = |l: &[&str]| Some(l.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(
            lits(r"(?i)<noreply@anthropic\.com>"),
            v(&["<noreply@anthropic.com>"])
        );
        assert_eq!(
            lits(r"(?i)^\W*generated with \[?claude code\b"),
            v(&["generated with "])
        );
        // A small finite language is multiplied through its neighbours.
        assert_eq!(
            lits(r"(?:claude|amp)\[bot\]"),
            v(&["amp[bot]", "claude[bot]"])
        );
        assert_eq!(
            lits(r"x(?:claude|anthropic)\[b"),
            v(&["xanthropic[b", "xclaude[b"])
        );
        assert_eq!(
            lits(r"(?i)^[^<]*\b(?:code|agent|ai)\s*<(?:noreply|no-reply)@"),
            v(&["<no-reply@", "<noreply@"])
        );
        assert_eq!(lits(r"a[bc]d"), v(&["abd", "acd"]));
        // Past sixteen texts the product stops, and the parts are kept.
        assert_eq!(
            lits(r"(?:a|b|c|d|e)(?:f|g|h|i)(?:j|l)\d(?:mnop|qrtu)"),
            v(&["mnop", "qrtu"])
        );
        assert_eq!(
            lits(r"(?:aa|bb|cc|dd|ee)(?:ff|gg|hh|ii)(?:jj|ll)"),
            v(&["ffjj", "ffll", "ggjj", "ggll", "hhjj", "hhll", "iijj", "iill"])
        );
        // `k` and `s` under (?i) match KELVIN SIGN and LONG S: never kept.
        assert_eq!(lits(r"(?i)jetbrains-ai\[bot\]"), v(&["jetbrain"]));
        assert_eq!(lits(r"jetbrains-ai"), v(&["jetbrains-ai"]));
        assert_eq!(lits(r"(?i:s)k"), None);
        assert_eq!(lits(r"a+bc"), v(&["bc"]));
        assert_eq!(lits(r"(?:abc)+"), v(&["abc"]));
        assert_eq!(lits(r"(?:abc)*x"), v(&["x"]));
        for none in [r"\w+", r"a|\d", r"(?:|abc)", r"", r"é", r"(unclosed"] {
            assert_eq!(lits(none), None, "{none}");
        }
        assert_eq!(lits(r"(?x) a b # c"), v(&["ab"]));
    }

    #[test]
    fn required_sets_of_patterns() {
        let sets = |p: &str| required_sets(p);
        let v = |l: &[&[&str]]| {
            l.iter()
                .map(|s| s.iter().map(|x| x.to_string()).collect::<Vec<_>>())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            sets(r#"(?i)(?:token|auth)_?x\s*[:=]\s*["'](?P<secret>[^"']{8,})["']"#),
            v(&[&["\"", "'"], &[":", "="], &["auth", "to"], &["x"]])
        );
        assert_eq!(sets(r"ab?c"), v(&[&["a"], &["c"]]));
        assert_eq!(sets(r"[^ab]x|y"), v(&[&["x", "y"]]));
        assert!(sets(r"\w+").is_empty());
        assert!(sets(r"(unclosed").is_empty());
        assert!(has_required("X = 'abc'", &sets(r#"x\s*=\s*'"#)));
        assert!(!has_required("X = abc", &sets(r#"x\s*=\s*'"#)));
        assert!(has_required("anything", &[]));
    }

    /// A window without a required literal never compiles the regex; one
    /// with them does, and matches as before.
    #[test]
    fn windows_without_required_literals_do_not_compile() {
        let mut problems = Problems::default();
        let kws = vec!["tok".to_string()];
        let p = Pattern::compile(
            PatternSpec {
                id: "tok",
                description: None,
                keywords: &kws,
                regex: r#"tok\s*=\s*"(?P<secret>[a-z]+)""#,
                min_entropy: None,
                tag: 0,
                eager: false,
                first_group: false,
            },
            &KeyPath::of(&["t"]),
            &mut problems,
        )
        .expect("valid");
        let s = PatternSet::new(vec![p]).expect("set");
        assert!(s.find("the tokenizer = fine", |_, _| true).is_empty());
        assert!(s.patterns()[0].compiled.get().is_none());
        let hits = s.find(r#"tok = "abc""#, |_, _| true);
        assert_eq!(hits.len(), 1);
        assert!(s.patterns()[0].compiled.get().is_some());
    }

    /// The only ASCII letters whose Unicode simple case folds leave ASCII
    /// are `k` and `s` (what `required_literals` relies on).
    #[test]
    fn ascii_letters_fold_within_ascii_except_k_and_s() {
        for c in ('a'..='z').filter(|c| !matches!(c, 'k' | 's')) {
            let re = regex::Regex::new(&format!("(?i)^{c}$")).expect("compiles");
            let outside = (0x80u32..=0x10FFFF)
                .filter_map(char::from_u32)
                .find(|x| re.is_match(x.encode_utf8(&mut [0; 4])));
            assert_eq!(outside, None, "{c}");
        }
    }

    #[test]
    fn entropy_of_uniform_and_random_text() {
        assert_eq!(entropy("aaaa"), 0.0);
        assert!((entropy("abcd") - 2.0).abs() < 1e-9);
        assert_eq!(entropy(""), 0.0);
    }
}
