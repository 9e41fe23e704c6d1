//! Licence texts: foreign notices in added lines, and the classification of
//! licence files, both from `policies/data/licenses.toml` (extended by the
//! policy). Added lines first go through one Aho-Corasick pass over the
//! notices' keywords; only a line holding a keyword meets a regex, so a
//! history scan pays a single automaton pass per added line.

use std::collections::HashMap;

use regex::Regex;
use serde::Deserialize;

use super::expr::{self, Found};
use crate::config::{compile_regex, KeyPath, Problems};
use crate::rules::patterns::KeywordIndex;

/// The embedded licence knowledge.
pub(crate) const DATA: &str = include_str!("../../../policies/data/licenses.toml");

/// The data file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawData {
    notice: Vec<RawNotice>,
    license_file: Vec<RawFingerprint>,
    pointer: Vec<RawPointer>,
    comment: Vec<RawComment>,
    matcher: RawMatcher,
    #[serde(default)]
    relative: Vec<RawRelative>,
    #[serde(default)]
    exception: Vec<RawException>,
}

/// How the text matcher's scores are read.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatcher {
    accept: f32,
    margin: f32,
    contained: f32,
    max_bytes: usize,
}

/// Phrases that must be in a text for the matcher's answer to stand.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelative {
    license: String,
    requires: Vec<String>,
}

/// A licence exception recognised by a phrase, and the licences it goes with.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawException {
    id: String,
    applies_to: Vec<String>,
    #[serde(rename = "match")]
    all: Vec<String>,
}

/// A foreign-notice pattern, in the data file or a policy's
/// `[[licensing.notices]]`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNotice {
    /// The notice's id (replaces the built-in notice with the same id).
    pub(crate) id: String,
    /// What the notice is, for messages (`a GNU GPL notice`).
    pub(crate) description: Option<String>,
    /// The SPDX expression the notice indicates; absent: never permitted.
    pub(crate) license: Option<String>,
    /// Literals every match contains (the cheap pre-filter).
    pub(crate) keywords: Vec<String>,
    /// Case-insensitive regex.
    pub(crate) pattern: String,
    /// Only report when the file has no permitted SPDX header.
    #[serde(default)]
    pub(crate) only_unlicensed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFingerprint {
    license: String,
    #[serde(rename = "match")]
    all: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPointer {
    pattern: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComment {
    template: String,
    #[serde(default)]
    extensions: Vec<String>,
    #[serde(default)]
    names: Vec<String>,
}

/// A compiled foreign notice.
#[derive(Debug)]
pub(crate) struct Notice {
    #[allow(
        dead_code,
        reason = "shown by Debug only; the message uses `description`"
    )]
    pub(crate) id: String,
    pub(crate) description: String,
    /// What it indicates, as written and parsed; `None`: never permitted.
    pub(crate) license: Option<(String, spdx::Expression)>,
    pub(crate) regex: Regex,
    pub(crate) only_unlicensed: bool,
}

/// All notices behind one keyword automaton.
#[derive(Debug)]
pub(crate) struct Notices {
    pub(crate) list: Vec<Notice>,
    index: KeywordIndex,
}

/// One hit: a line and the notice it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) line: u32,
    pub(crate) notice: usize,
}

impl Notices {
    fn build(list: Vec<Notice>, keywords: Vec<Vec<String>>) -> Result<Notices, String> {
        let index = KeywordIndex::build(&keywords)?;
        Ok(Notices { list, index })
    }

    /// The first notice (in priority order) one line holds.
    pub(crate) fn first_in_line(&self, line: &str) -> Option<usize> {
        let cands: Vec<usize> = self
            .index
            .hits(line)
            .flat_map(|(_, owners)| owners.iter().copied())
            .collect();
        self.confirm(line, cands)
    }

    fn confirm(&self, line: &str, mut cands: Vec<usize>) -> Option<usize> {
        if cands.is_empty() {
            return None;
        }
        cands.sort_unstable();
        cands.dedup();
        cands
            .into_iter()
            .find(|&i| self.list[i].regex.is_match(line))
    }

    /// Hits in a whole text whose lines start at `starts` (as in
    /// `FileChange::line_starts`): one automaton pass over the text, then
    /// the regexes on the few lines that hold a keyword.
    pub(crate) fn scan_text(&self, text: &str, starts: &[usize]) -> Vec<Hit> {
        let mut per_line: Vec<(u32, usize)> = Vec::new();
        for (range, owners) in self.index.hits(text) {
            let line = starts.partition_point(|&s| s <= range.start) as u32;
            for &n in owners {
                per_line.push((line, n));
            }
        }
        per_line.sort_unstable();
        per_line.dedup();
        let mut hits = Vec::new();
        let mut i = 0;
        while i < per_line.len() {
            let line = per_line[i].0;
            let mut cands = Vec::new();
            while i < per_line.len() && per_line[i].0 == line {
                cands.push(per_line[i].1);
                i += 1;
            }
            let Some(&start) = starts.get(line.saturating_sub(1) as usize) else {
                continue;
            };
            let end = starts.get(line as usize).copied().unwrap_or(text.len());
            let l = &text[start..end];
            if let Some(notice) = self.confirm(l, cands) {
                hits.push(Hit { line, notice });
            }
        }
        hits
    }
}

/// A licence-file fingerprint.
#[derive(Debug)]
struct Fingerprint {
    license: String,
    all: Vec<Regex>,
}

/// What a licence file holds, as far as the rules can tell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Classified {
    /// Named: an SPDX expression and how it was found.
    Named {
        expr: String,
        /// The matcher's score (0 to 1) when the text named it.
        confidence: Option<f32>,
        how: &'static str,
    },
    /// The text of a licence exception (REUSE keeps `LICENSES/LLVM-exception.txt`
    /// beside the licences it modifies): it licenses nothing by itself.
    Exception(&'static str),
    /// Larger than any licence text: not read.
    TooLarge { bytes: usize, limit: usize },
    /// Not recognised.
    Unknown,
}

impl Classified {
    /// The expression, when named.
    pub(crate) fn expr(&self) -> Option<&str> {
        match self {
            Classified::Named { expr, .. } => Some(expr),
            _ => None,
        }
    }
}

/// The SPDX id a licence file's name gives, if any: `LICENSES/<id>.<ext>`
/// (the REUSE layout), or `LICENSE-<id>`, `LICENSE.<id>`, `COPYING-<id>`
/// (and `LICENCE`) with an optional `.txt`/`.md`.
fn id_in_file_name(path: &str) -> Option<&'static str> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    fn plain(n: &str) -> &str {
        match n.rsplit_once('.') {
            Some((stem, ext)) if ["txt", "md"].contains(&ext.to_ascii_lowercase().as_str()) => stem,
            _ => n,
        }
    }
    let in_licenses_dir = dir.rsplit('/').next() == Some("LICENSES");
    let candidate = if in_licenses_dir {
        plain(name)
    } else {
        let upper = name.to_ascii_uppercase();
        let prefix = ["LICENSE", "LICENCE", "COPYING"]
            .iter()
            .find(|p| upper.starts_with(*p))?
            .len();
        let rest = name.get(prefix..)?;
        plain(rest.strip_prefix(['-', '.', '_'])?)
    };
    spdx::license_id(candidate).map(|l| l.name)
}

/// The SPDX exception a file under `LICENSES/` is, when its name gives an
/// exception id and it holds that exception's text word for word.
fn exception_in_file_name(path: &str, text: &str) -> Option<&'static str> {
    let (dir, name) = path.rsplit_once('/')?;
    if dir.rsplit('/').next() != Some("LICENSES") {
        return None;
    }
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let id = spdx::exception_id(stem)?.name;
    let listed = spdx::text::EXCEPTION_TEXTS
        .iter()
        .find(|(i, _)| *i == id)?
        .1;
    // Word for word, case aside, without copying the file.
    let same = listed
        .split_whitespace()
        .map(str::to_lowercase)
        .eq(text.split_whitespace().map(str::to_lowercase));
    same.then_some(id)
}

/// Texts shorter than this many words are not searched for licence texts
/// one after another.
const MIN_SCAN_WORDS: usize = 120;

/// A compiled `[[exception]]`.
#[derive(Debug)]
struct Exception {
    id: String,
    applies_to: Vec<String>,
    all: Vec<Regex>,
}

/// Everything the licensing rules know about licence texts.
#[derive(Debug)]
pub(crate) struct Knowledge {
    pub(crate) notices: Notices,
    matcher: RawMatcher,
    relatives: HashMap<String, Vec<Regex>>,
    exceptions: Vec<Exception>,
    fingerprints: Vec<Fingerprint>,
    pointers: Vec<Regex>,
    comments_by_ext: HashMap<String, String>,
    comments_by_name: HashMap<String, String>,
}

/// Builds a case-insensitive regex (size-limited like every policy regex).
fn ci(pattern: &str, path: &KeyPath, problems: &mut Problems) -> Option<Regex> {
    compile_regex(&format!("(?i){pattern}"), path, problems)
}

impl Knowledge {
    /// Compiles the embedded data with the policy's extra `notices` (which
    /// replace built-ins of the same id and come first), minus `skip`.
    pub(crate) fn compile(
        extra: &[RawNotice],
        phrases: &[String],
        skip: &[String],
        key: &KeyPath,
        problems: &mut Problems,
    ) -> Option<Knowledge> {
        let data: RawData = match crate::config::embedded::from_str(DATA) {
            Ok(d) => d,
            Err(e) => {
                problems.error(
                    key.clone(),
                    format!("the built-in policies/data/licenses.toml is invalid: {e}"),
                );
                return None;
            }
        };
        let before = problems.0.len();
        let data_key = key.key("(built-in licenses.toml)");

        // Notices: the policy's first, then built-ins not replaced or skipped.
        let mut raw: Vec<(KeyPath, RawNotice)> = Vec::new();
        for n in extra {
            raw.push((key.key("notices").id(&n.id), n.clone()));
        }
        for (i, p) in phrases.iter().enumerate() {
            let words: Vec<String> = p.split_whitespace().map(regex::escape).collect();
            if words.is_empty() {
                problems.error(
                    key.key("phrases").index(i),
                    "an empty phrase matches nothing",
                );
                continue;
            }
            let longest = p
                .split_whitespace()
                .max_by_key(|w| w.len())
                .unwrap_or_default()
                .to_string();
            raw.push((
                key.key("phrases").index(i),
                RawNotice {
                    id: format!("phrase-{}", i + 1),
                    description: Some(format!("the phrase \"{}\" the policy lists", p.trim())),
                    license: None,
                    keywords: vec![longest],
                    pattern: format!(r"\b{}\b", words.join(r"\s+")),
                    only_unlicensed: false,
                },
            ));
        }
        let builtin_ids: Vec<String> = data.notice.iter().map(|n| n.id.clone()).collect();
        for (i, s) in skip.iter().enumerate() {
            if !builtin_ids.contains(s) && !extra.iter().any(|n| &n.id == s) {
                let mut msg = format!("`{s}` is not a notice id");
                if let Some(near) =
                    crate::config::error::nearest(s, builtin_ids.iter().map(String::as_str))
                {
                    msg.push_str(&format!("; did you mean `{near}`?"));
                }
                msg.push_str(&format!(" (built-in notices: {})", builtin_ids.join(", ")));
                problems.error(key.key("skip_notices").index(i), msg);
            }
        }
        for n in data.notice {
            if extra.iter().any(|e| e.id == n.id) {
                continue;
            }
            raw.push((data_key.id(&n.id), n));
        }
        raw.retain(|(_, n)| !skip.contains(&n.id));

        let mut list = Vec::new();
        let mut keywords = Vec::new();
        for (path, n) in raw {
            if n.keywords.iter().all(|k| k.trim().is_empty()) {
                problems.error(
                    path.key("keywords"),
                    "list at least one literal that every match contains (the cheap pre-filter)",
                );
                continue;
            }
            let Some(regex) = ci(&n.pattern, &path.key("pattern"), problems) else {
                continue;
            };
            let license = match &n.license {
                None => None,
                Some(l) => match expr::parse_found(l) {
                    Found::Valid { expr, .. } => Some((l.trim().to_string(), *expr)),
                    Found::Invalid { reason } => {
                        problems.error(
                            path.key("license"),
                            format!("`{l}` is not a valid SPDX expression: {reason}"),
                        );
                        continue;
                    }
                },
            };
            keywords.push(
                n.keywords
                    .iter()
                    .filter(|k| !k.trim().is_empty())
                    .cloned()
                    .collect(),
            );
            list.push(Notice {
                description: n.description.unwrap_or_else(|| format!("`{}` text", n.id)),
                id: n.id,
                license,
                regex,
                only_unlicensed: n.only_unlicensed,
            });
        }

        let mut fingerprints = Vec::new();
        for (i, f) in data.license_file.iter().enumerate() {
            let path = data_key.key("license_file").index(i);
            let all: Vec<Regex> = f
                .all
                .iter()
                .filter_map(|p| ci(p, &path, problems))
                .collect();
            fingerprints.push(Fingerprint {
                license: f.license.clone(),
                all,
            });
        }
        let pointers = data
            .pointer
            .iter()
            .enumerate()
            .filter_map(|(i, p)| ci(&p.pattern, &data_key.key("pointer").index(i), problems))
            .collect();
        let mut comments_by_ext = HashMap::new();
        let mut comments_by_name = HashMap::new();
        for c in data.comment {
            for e in c.extensions {
                comments_by_ext.insert(e.to_ascii_lowercase(), c.template.clone());
            }
            for n in c.names {
                comments_by_name.insert(n, c.template.clone());
            }
        }
        let mut relatives: HashMap<String, Vec<Regex>> = HashMap::new();
        for (i, r) in data.relative.iter().enumerate() {
            let path = data_key.key("relative").index(i);
            if spdx::license_id(&r.license).is_none() {
                problems.error(
                    path.key("license"),
                    format!("`{}` is not an SPDX licence id", r.license),
                );
            }
            let all = r
                .requires
                .iter()
                .filter_map(|p| ci(p, &path, problems))
                .collect();
            relatives.insert(r.license.clone(), all);
        }
        let mut exceptions = Vec::new();
        for (i, x) in data.exception.iter().enumerate() {
            let path = data_key.key("exception").index(i);
            if spdx::exception_id(&x.id).is_none() {
                problems.error(
                    path.key("id"),
                    format!("`{}` is not an SPDX exception id", x.id),
                );
            }
            exceptions.push(Exception {
                id: x.id.clone(),
                applies_to: x.applies_to.clone(),
                all: x
                    .all
                    .iter()
                    .filter_map(|p| ci(p, &path, problems))
                    .collect(),
            });
        }
        let notices = match Notices::build(list, keywords) {
            Ok(n) => n,
            Err(e) => {
                problems.error(key.clone(), e);
                return None;
            }
        };
        (problems.0.len() == before).then_some(Knowledge {
            notices,
            matcher: data.matcher,
            relatives,
            exceptions,
            fingerprints,
            pointers,
            comments_by_ext,
            comments_by_name,
        })
    }

    /// The licence a licence file holds: its own SPDX tag, else the
    /// matcher over the SPDX texts (a whole text, or the texts it holds one
    /// after another), else a fingerprint or a pointer naming two licences.
    pub(crate) fn classify(&self, text: &str) -> Classified {
        let mut lines = text.lines();
        for _ in 0..10 {
            let Some(l) = lines.next() else { break };
            if let Some(v) = super::header::tag_value(l) {
                if !v.is_empty() {
                    return Classified::Named {
                        expr: v.to_string(),
                        confidence: None,
                        how: "its SPDX tag",
                    };
                }
            }
        }
        if text.len() > self.matcher.max_bytes {
            return Classified::TooLarge {
                bytes: text.len(),
                limit: self.matcher.max_bytes,
            };
        }
        let norm = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(c) = self.by_text(text, &norm) {
            return c;
        }
        if let Some(f) = self
            .fingerprints
            .iter()
            .find(|f| !f.all.is_empty() && f.all.iter().all(|r| r.is_match(&norm)))
        {
            return Classified::Named {
                expr: f.license.clone(),
                confidence: None,
                how: "its key phrases",
            };
        }
        for p in &self.pointers {
            if let Some(c) = p.captures(&norm) {
                let a = c.name("a").and_then(|m| expr::id_for_name(m.as_str()));
                let b = c.name("b").and_then(|m| expr::id_for_name(m.as_str()));
                if let (Some(a), Some(b)) = (a, b) {
                    return Classified::Named {
                        expr: format!("{a} OR {b}"),
                        confidence: None,
                        how: "the licences it names",
                    };
                }
            }
        }
        Classified::Unknown
    }

    /// [`classify`](Self::classify) for a licence file at `path`: when its
    /// text is one the SPDX list gives several ids (`GPL-2.0-only` and
    /// `GPL-2.0-or-later`, the GFDL variants), the id its file name gives
    /// (REUSE's `LICENSES/<id>.txt`, `LICENSE-<id>`, `COPYING.<id>`) picks
    /// among them. A name never overrides a text it does not match.
    pub(crate) fn classify_file(&self, path: &str, text: &str) -> Classified {
        if let Some(id) = exception_in_file_name(path, text) {
            return Classified::Exception(id);
        }
        let mut c = self.classify(text);
        if let Classified::Named { expr, how, .. } = &mut c {
            // (The CAL-1.0 text carries two SPDX tags, its own first.)
            if *how == "its text" || *how == "its SPDX tag" {
                if let Some(id) = id_in_file_name(path) {
                    if id != expr && super::matcher::get().twins(expr, id) {
                        *expr = id.to_string();
                        *how = "its text and file name";
                    }
                }
            }
        }
        c
    }

    /// The matcher's answer: the best-scoring text when it scores `accept`
    /// or more (relatives within `margin` of it decided by their phrases),
    /// else the texts the file holds one after another.
    fn by_text(&self, text: &str, norm: &str) -> Option<Classified> {
        let m = super::matcher::get();
        if let Some(id) = m.exactly(text) {
            return Some(Classified::Named {
                expr: self.with_exception(id, norm),
                confidence: Some(1.0),
                how: "its text",
            });
        }
        let data = askalono::TextData::new(text);
        let ranked = m.rank(&data);
        let best = ranked.first()?;
        let words = text.split_whitespace().count();
        let mut single = None;
        if best.score >= self.matcher.accept {
            let id = self.pick(&ranked, norm)?;
            let named = Classified::Named {
                expr: self.with_exception(id.id, norm),
                confidence: Some(id.score),
                how: "its text",
            };
            // A text much longer than the licence it matches may hold a
            // second one (MIT above Apache-2.0): look, unless it matches
            // near perfectly.
            if id.score >= 0.99 || words * 100 <= m.length(id.id) * 105 {
                return Some(named);
            }
            single = Some(named);
        }
        // A text of a few lines holds no second licence text to look for.
        if words <= MIN_SCAN_WORDS {
            return single;
        }
        let parts = m.contained(&data, self.matcher.contained, |id| {
            self.relatives
                .get(id)
                .is_none_or(|req| req.iter().all(|r| r.is_match(norm)))
        });
        // Several texts, one of them the single best match: else that match
        // (a text close to one licence is not split into its relatives).
        let keeps_single = single
            .as_ref()
            .and_then(Classified::expr)
            .is_none_or(|e| parts.iter().any(|p| e.starts_with(p.id)));
        if parts.len() < 2 || !keeps_single {
            return single.or_else(|| {
                let p = parts.first()?;
                Some(Classified::Named {
                    expr: self.with_exception(p.id, norm),
                    confidence: Some(p.score),
                    how: "the licence text it holds",
                })
            });
        }
        let mut ids: Vec<String> = Vec::new();
        for p in &parts {
            let e = self.with_exception(p.id, norm);
            if !ids.contains(&e) {
                ids.push(e);
            }
        }
        let low = parts.iter().map(|p| p.score).fold(1.0f32, f32::min);
        Some(Classified::Named {
            expr: ids.join(" AND "),
            confidence: Some(low),
            how: "the licence texts it holds",
        })
    }

    /// The best candidate whose distinguishing phrases the text holds. Of
    /// texts that score the same (the SPDX list gives `-only` and
    /// `-or-later` one text), the strict `-only` form, else the plainest id.
    fn pick(&self, ranked: &[super::matcher::Score], norm: &str) -> Option<super::matcher::Score> {
        let top = ranked.first()?.score;
        let mut cands: Vec<super::matcher::Score> = ranked
            .iter()
            .take_while(|s| s.score >= top - self.matcher.margin)
            .filter(|s| {
                self.relatives
                    .get(s.id)
                    .is_none_or(|req| req.iter().all(|r| r.is_match(norm)))
            })
            .copied()
            .collect();
        if cands.is_empty() {
            // Every close candidate lacks its phrases: the next one down.
            return ranked
                .iter()
                .find(|s| {
                    self.relatives
                        .get(s.id)
                        .is_none_or(|req| req.iter().all(|r| r.is_match(norm)))
                })
                .filter(|s| s.score >= self.matcher.accept)
                .copied();
        }
        let best = cands[0].score;
        cands.retain(|s| s.score >= best - 1e-4);
        cands.sort_by_key(|s| (!s.id.ends_with("-only"), s.id.len(), s.id));
        cands.first().copied()
    }

    /// `id WITH exception` when the text holds an exception that goes with it.
    fn with_exception(&self, id: &str, norm: &str) -> String {
        self.exceptions
            .iter()
            .find(|x| {
                x.applies_to.iter().any(|a| id.starts_with(a.as_str()))
                    && !x.all.is_empty()
                    && x.all.iter().all(|r| r.is_match(norm))
            })
            .map_or_else(|| id.to_string(), |x| format!("{id} WITH {}", x.id))
    }

    /// The licence whose terms a comment block spells out (the lines around
    /// an all-rights-reserved notice, say), by fingerprint only.
    pub(crate) fn classify_block<'a>(&self, lines: impl Iterator<Item = &'a str>) -> Option<&str> {
        let norm = lines
            .map(super::header::strip_leader)
            .flat_map(str::split_whitespace)
            .collect::<Vec<_>>()
            .join(" ");
        self.fingerprints
            .iter()
            .find(|f| !f.all.is_empty() && f.all.iter().all(|r| r.is_match(&norm)))
            .map(|f| f.license.as_str())
    }

    /// How a header is written in this file, `{}` standing for the tag and
    /// expression; `Some("")` for formats without comments (they take a
    /// `.license` sidecar); `None` when the file type is not known.
    pub(crate) fn comment_template(&self, path: &str) -> Option<&str> {
        let name = path.rsplit('/').next().unwrap_or(path);
        if let Some(t) = self.comments_by_name.get(name) {
            return Some(t);
        }
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
        self.comments_by_ext.get(&ext).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn knowledge() -> Knowledge {
        let mut p = Problems::default();
        let k = Knowledge::compile(&[], &[], &[], &KeyPath::of(&["licensing"]), &mut p);
        assert!(p.is_empty(), "{:?}", p.0);
        k.expect("data compiles")
    }

    fn line_notice(k: &Knowledge, line: &str) -> Option<String> {
        k.notices
            .first_in_line(line)
            .map(|i| k.notices.list[i].id.clone())
    }

    /// Joins words at runtime so this source never holds the phrases.
    fn w(words: &[&str]) -> String {
        words.join(" ")
    }

    #[test]
    fn the_data_file_does_not_match_itself() {
        let k = knowledge();
        for (n, line) in DATA.lines().enumerate() {
            assert_eq!(
                line_notice(&k, line),
                None,
                "licenses.toml:{}: {line}",
                n + 1
            );
        }
        assert_eq!(k.classify(DATA), Classified::Unknown);
    }

    #[test]
    fn notices_are_found_and_ranked() {
        let k = knowledge();
        let gnu = w(&["GNU", "General", "Public", "License"]);
        assert_eq!(
            line_notice(&k, &format!(" * under the {gnu} as")),
            Some("gpl".into())
        );
        let lesser = w(&["GNU", "Lesser", "General", "Public", "License"]);
        assert_eq!(
            line_notice(&k, &format!("// {lesser}")),
            Some("lgpl".into())
        );
        let arr = w(&["All", "Rights", "Reserved."]);
        assert_eq!(
            line_notice(&k, &format!("// Copyright 2020 Acme. {arr}")),
            Some("all-rights-reserved".into())
        );
        let nc = w(&["CC", "BY-NC-SA", "4.0"]);
        assert_eq!(
            line_notice(&k, &format!("Licensed {nc}")),
            Some("cc-noncommercial".into())
        );
        let short = w(&["licensed", "under", "the", "GPLv3"]);
        assert_eq!(
            line_notice(&k, &format!("This is {short}.")),
            Some("gpl-short".into())
        );
        // near misses
        for ok in [
            "commercial or non-commercial, and by any",
            "a copyleft license such as the GPL, LGPL, MPL",
            "the general public were present",
            "x86_64-unknown-linux-gnu",
            "rights are reserved for later",
        ] {
            assert_eq!(line_notice(&k, ok), None, "{ok}");
        }
    }

    #[test]
    fn whole_text_scan_matches_line_scan() {
        let k = knowledge();
        let gnu = w(&["GNU", "General", "Public", "License"]);
        let text = format!("a\r\nb gnu\r\nunder the {gnu}\r\nlast {gnu}");
        let mut f =
            crate::model::FileChange::new("x".into(), crate::model::Status::Added, 0, 0o100644);
        f.set_text(text);
        let hits = k.notices.scan_text(&f.text, &f.line_starts);
        assert_eq!(hits.iter().map(|h| h.line).collect::<Vec<_>>(), vec![3, 4]);
    }

    #[test]
    fn licence_files_are_classified() {
        let k = knowledge();
        let mit = format!(
            "MIT License\n\nCopyright (c) 2024 Jane\n\n{} {} {} {},\nto any person obtaining a copy\nof this software.\n\nThe {} {} {} and this permission notice shall be included in all\ncopies.",
            "Permission", "is", "hereby", "granted, free of charge", "above", "copyright", "notice"
        );
        assert_eq!(k.classify(&mit).expr(), Some("MIT"));
        let gpl3 = format!(
            "                    {}\n                       Version 3, 29 June 2007\n",
            w(&["GNU", "GENERAL", "PUBLIC", "LICENSE"])
        );
        assert_eq!(k.classify(&gpl3).expr(), Some("GPL-3.0-only"));
        let lgpl = format!(
            "{}\nVersion 2.1, February 1999",
            w(&["GNU", "LESSER", "GENERAL", "PUBLIC", "LICENSE"])
        );
        assert_eq!(k.classify(&lgpl).expr(), Some("LGPL-2.1-only"));
        let apache = "                                 Apache License\n                           Version 2.0, January 2004\n";
        assert_eq!(k.classify(apache).expr(), Some("Apache-2.0"));
        let pointer = "This project is dual-licensed under the Unlicense and MIT licenses.\n\nYou may use this code under the terms of either license.\n";
        assert_eq!(k.classify(pointer).expr(), Some("Unlicense OR MIT"));
        let unl = "This is free and unencumbered software released into the public domain.\n";
        assert_eq!(k.classify(unl).expr(), Some("Unlicense"));
        assert_eq!(
            k.classify("Do what you like, mostly.\n"),
            Classified::Unknown
        );
        assert_eq!(
            k.classify("SPDX-License-Identifier: BSD-3-Clause\n").expr(),
            Some("BSD-3-Clause")
        );
        let block = [
            "# Copyright (c) 2011 Someone",
            "# Redistribution and use in source and binary forms, with or without",
            "# modification, are permitted provided that the following conditions are met:",
            "#     * Neither the name of the project nor the",
            "#       names of its contributors may be used",
        ];
        assert_eq!(k.classify_block(block.into_iter()), Some("BSD-3-Clause"));
        assert_eq!(k.classify_block(block[..1].iter().copied()), None);
    }

    #[test]
    fn policy_notices_and_phrases() {
        let mut p = Problems::default();
        let extra = vec![RawNotice {
            id: "gpl".into(),
            description: None,
            license: Some("GPL-3.0-only".into()),
            keywords: vec!["frob".into()],
            pattern: r"frobnicate\s+licen[cs]e".into(),
            only_unlicensed: false,
        }];
        let k = Knowledge::compile(
            &extra,
            &["Internal use only".to_string()],
            &["all-rights-reserved".to_string()],
            &KeyPath::of(&["licensing"]),
            &mut p,
        )
        .expect("compiles");
        assert!(p.is_empty(), "{:?}", p.0);
        assert_eq!(
            line_notice(&k, "the Frobnicate  License"),
            Some("gpl".into())
        );
        let gnu = w(&["GNU", "General", "Public", "License"]);
        assert_eq!(
            line_notice(&k, &gnu),
            None,
            "replaced by the policy's entry"
        );
        assert_eq!(
            line_notice(&k, "for INTERNAL use\tonly!"),
            Some("phrase-1".into())
        );
        assert_eq!(line_notice(&k, &w(&["All", "rights", "reserved"])), None);

        let mut p = Problems::default();
        let bad = vec![RawNotice {
            id: "x".into(),
            description: None,
            license: Some("GPL-3.O".into()),
            keywords: vec![],
            pattern: "(".into(),
            only_unlicensed: false,
        }];
        assert!(Knowledge::compile(
            &bad,
            &[],
            &["all-rights-reservd".to_string()],
            &KeyPath::of(&["licensing"]),
            &mut p
        )
        .is_none());
        let msgs: Vec<String> =
            p.0.iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("did you mean `all-rights-reserved`")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("licensing.notices[x].keywords")),
            "{msgs:?}"
        );
    }

    #[test]
    fn comment_templates() {
        let k = knowledge();
        assert_eq!(k.comment_template("src/a.rs"), Some("// {}"));
        assert_eq!(k.comment_template("x/Makefile"), Some("# {}"));
        assert_eq!(k.comment_template("logo.PNG"), Some(""));
        assert_eq!(k.comment_template("README"), None);
    }

    /// Every licence text of the SPDX list that the store holds, and how
    /// the classifier names it: exactly, as a text-identical sibling (the
    /// list gives `GPL-2.0-only` and `GPL-2.0-or-later` one text), or not.
    fn spdx_list_names(k: &Knowledge) -> (usize, usize, usize, Vec<String>) {
        spdx_list_names_as(k, |_| String::new())
    }

    /// [`spdx_list_names`], each text classified as the file `path(id)`
    /// (an empty path: the text alone).
    fn spdx_list_names_as(
        k: &Knowledge,
        path: impl Fn(&str) -> String,
    ) -> (usize, usize, usize, Vec<String>) {
        let m = super::super::matcher::get();
        let (mut exact, mut sibling, mut total) = (0, 0, 0);
        let mut wrong = Vec::new();
        for (id, text) in spdx::text::LICENSE_TEXTS {
            if spdx::license_id(id).is_none_or(|l| l.is_deprecated())
                || text.split_whitespace().count() < 12
            {
                continue;
            }
            total += 1;
            let got = match path(id) {
                p if p.is_empty() => k.classify(text),
                p => k.classify_file(&p, text),
            };
            let name = got.expr().unwrap_or("(unknown)").to_string();
            if name == *id {
                exact += 1;
                continue;
            }
            let same_text = spdx::text::LICENSE_TEXTS
                .iter()
                .any(|(o, t)| *o == name && t.trim() == text.trim());
            if same_text {
                sibling += 1;
            } else {
                wrong.push(format!("{id} -> {name}"));
            }
        }
        assert_eq!(total, m.len());
        (exact, sibling, total, wrong)
    }

    #[test]
    fn the_spdx_list_texts_are_named_by_their_ids() {
        let k = knowledge();
        let (exact, sibling, total, wrong) = spdx_list_names(&k);
        eprintln!(
            "SPDX texts: {exact} exact, {sibling} text-identical sibling, {} other, of {total}",
            wrong.len()
        );
        for w in &wrong {
            eprintln!("  {w}");
        }
        // Texts the list gives twice (`GPL-2.0-only` and `-or-later`, the
        // GFDL variants) cannot be told apart by any reader: of the others,
        // at least 95% are named exactly, and every text is named with its
        // id or a sibling's with the same text.
        let distinguishable = total - sibling;
        assert!(
            exact * 100 >= distinguishable * 95,
            "only {exact} of {distinguishable} SPDX texts named exactly"
        );
        assert!(exact * 100 >= total * 93, "{exact} of {total}");
        assert!(wrong.is_empty(), "{wrong:?}");
    }

    /// A text the SPDX list gives several ids is named by the id its file
    /// name gives (REUSE's `LICENSES/<id>.txt`, `LICENSE-<id>`): every
    /// text of the list is then named exactly; a plain `LICENSE` keeps the
    /// text's first id, and a file name never renames another text.
    #[test]
    fn file_names_tell_twin_texts_apart() {
        let k = knowledge();
        for layout in ["LICENSES/{}.txt", "third/x/LICENSE-{}", "COPYING.{}.md"] {
            let (exact, sibling, total, wrong) =
                spdx_list_names_as(&k, |id| layout.replace("{}", id));
            eprintln!("{layout}: {exact} exact, {sibling} sibling, of {total}");
            assert_eq!((exact, sibling), (total, 0), "{layout}: {wrong:?}");
        }
        let text = |id: &str| {
            spdx::text::LICENSE_TEXTS
                .iter()
                .find(|(i, _)| *i == id)
                .map(|(_, t)| *t)
                .unwrap_or_default()
        };
        let gpl = text("GPL-2.0-or-later");
        let named = |p: &str, t: &str| k.classify_file(p, t).expr().map(str::to_string);
        assert_eq!(
            named("LICENSE", gpl),
            named("LICENSES/GPL-2.0-only.txt", gpl)
        );
        assert_eq!(
            named("LICENSES/GPL-2.0-or-later.txt", gpl).as_deref(),
            Some("GPL-2.0-or-later")
        );
        // The MIT text under a GPL name is MIT.
        assert_eq!(
            named("LICENSES/GPL-2.0-or-later.txt", text("MIT")).as_deref(),
            Some("MIT")
        );
        assert_eq!(id_in_file_name("LICENSE-APACHE"), None);
        assert_eq!(id_in_file_name("LICENSE-MIT"), Some("MIT"));
        assert_eq!(id_in_file_name("a/LICENSES/MPL-2.0.txt"), Some("MPL-2.0"));
        assert_eq!(id_in_file_name("src/GPL-2.0-only.txt"), None);
    }

    /// The licence texts the issue names, from the SPDX list itself.
    #[test]
    fn relatives_are_told_apart() {
        let k = knowledge();
        let text = |id: &str| {
            spdx::text::LICENSE_TEXTS
                .iter()
                .find(|(i, _)| *i == id)
                .map(|(_, t)| *t)
                .unwrap_or_else(|| panic!("{id} has no text"))
        };
        for id in [
            "Unicode-3.0",
            "Unicode-DFS-2016",
            "OFL-1.1",
            "NCSA",
            "Apache-1.1",
            "BSD-1-Clause",
            "BSD-2-Clause-Patent",
            "BSD-3-Clause-Clear",
            "X11",
            "MIT",
            "MIT-CMU",
            "MPL-1.1",
            "EPL-1.0",
            "CDDL-1.0",
            "EUPL-1.2",
            "OSL-3.0",
            "AFL-3.0",
            "Artistic-2.0",
            "WTFPL",
            "PostgreSQL",
            "Python-2.0",
            "MulanPSL-2.0",
            "Apache-2.0",
            "ISC",
            "Zlib",
        ] {
            assert_eq!(k.classify(text(id)).expr(), Some(id), "{id}");
        }
        // Apache-2.0 without its appendix is not Pixar's variant.
        let apache = text("Apache-2.0");
        let cut = apache
            .find("APPENDIX")
            .expect("the Apache-2.0 text has an appendix");
        assert_eq!(k.classify(&apache[..cut]).expr(), Some("Apache-2.0"));
        // The LLVM exception after Apache-2.0.
        let llvm = spdx::text::EXCEPTION_TEXTS
            .iter()
            .find(|(i, _)| *i == "LLVM-exception")
            .map(|(_, t)| *t)
            .expect("LLVM-exception text");
        let both = format!("{apache}\n\n{llvm}");
        assert_eq!(
            k.classify(&both).expr(),
            Some("Apache-2.0 WITH LLVM-exception")
        );
        // Two texts one after the other.
        let two = format!("{}\n\n{}", text("MIT"), apache);
        assert_eq!(k.classify(&two).expr(), Some("MIT AND Apache-2.0"));
    }

    #[test]
    fn a_huge_licence_file_is_not_read() {
        let k = knowledge();
        let big = "Permission is granted. ".repeat(500_000);
        assert!(matches!(
            k.classify(&big),
            Classified::TooLarge { bytes, .. } if bytes == big.len()
        ));
    }

    /// Measurement, not a check: `LICENCE_FILES=<list of paths> cargo test
    /// --release --lib licensing::text::tests::measure_files -- --ignored
    /// --nocapture` prints what each file is named.
    #[test]
    #[ignore]
    fn measure_files() {
        let k = knowledge();
        let list = std::env::var("LICENCE_FILES").unwrap_or_default();
        for path in std::fs::read_to_string(&list).unwrap_or_default().lines() {
            let Ok(bytes) = std::fs::read(path) else {
                continue;
            };
            let text = String::from_utf8_lossy(&bytes);
            let t = std::time::Instant::now();
            let c = k.classify(&text);
            let line = match &c {
                Classified::Named {
                    expr,
                    confidence,
                    how,
                } => {
                    format!("{expr}\t{:.3}\t{how}", confidence.unwrap_or(1.0))
                }
                other => format!("{other:?}"),
            };
            println!("{path}\t{line}\t{}ms", t.elapsed().as_millis());
        }
    }
}
