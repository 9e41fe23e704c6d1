//! Typosquat detection: is a crate name a near miss of a popular crate?
//!
//! A name is a near miss of a popular crate when it is not that crate (nor
//! a real crate the data lists as `distinct`) but
//! - differs from it only in `-` versus `_` (crates.io treats them as one
//!   name, other registries do not), or in case;
//! - is it with squatters' affixes added (`-rs`, `-rst`, `-main`, `-check`,
//!   `win-`…, up to two of them, from the data) or a plural `s`
//!   (`tracing-checks`, `win-base64-rs`, `rands`);
//! - reads the same once lookalikes are folded (`0`/`o`, `1`/`l`/`i`, `rn`/`m`,
//!   `vv`/`w`, …) and separators dropped (`t0kio`, `lazystatic`);
//! - has the same parts in another order (`if-cfg`);
//! - is within a small Damerau–Levenshtein distance (optimal string
//!   alignment from `strsim`, so a swap of two adjacent letters counts
//!   once), compared with and without separators: none for names of up to
//!   3 characters, a swap only for 4, one edit for 5 to 7, two for 8 and
//!   more (`postgress`, `faster_log`, `proc-macro1`).
//!
//! The plain name of a numbered crate (`memmap` for `memmap2`) is not a near
//! miss: it is nearly always the original that the numbered fork succeeded.

use std::collections::{HashMap, HashSet};

/// A popular crate, with the forms it is compared in.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    /// Lowercase, `_` as `-`.
    norm: String,
    /// Its parts (split at `-`), sorted, when it has two or more.
    parts: Option<Vec<String>>,
}

/// The popular-crate list, ready for matching.
#[derive(Debug, Clone, Default)]
pub(crate) struct Popular {
    entries: Vec<Entry>,
    /// Lowercased names exactly as listed.
    exact: HashSet<String>,
    /// Normalised name to entry.
    by_norm: HashMap<String, usize>,
    /// Skeleton to entry (the first listed).
    by_skeleton: HashMap<String, usize>,
    /// Real crates that look like popular ones (normalised): never flagged.
    distinct: HashSet<String>,
    /// Affixes squatters add (normalised, `-` marks the joint).
    affixes: Vec<String>,
    /// Affixes real crates of a family carry too (`-utils`, `-sdk`): a name
    /// is only read through them together with a second affix or a plural.
    family_affixes: Vec<String>,
}

/// Why a name looks like a popular crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NearMiss {
    /// The popular crate it imitates.
    pub(crate) target: String,
    /// How, in words.
    pub(crate) how: String,
}

/// Lowercase with `_` written as `-`.
pub(crate) fn normalize(name: &str) -> String {
    name.trim().to_lowercase().replace('_', "-")
}

/// The name with lookalike characters folded and separators dropped.
fn skeleton(norm: &str) -> String {
    let folded = norm
        .replace("rn", "m")
        .replace("vv", "w")
        .replace("cl", "d");
    folded
        .chars()
        .filter(|&c| c != '-')
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' | '|' => 'l',
            '3' => 'e',
            '4' => 'a',
            '5' => 's',
            '7' => 't',
            '8' => 'b',
            c => c,
        })
        .collect()
}

fn parts(norm: &str) -> Option<Vec<String>> {
    let mut p: Vec<String> = norm
        .split('-')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if p.len() < 2 {
        return None;
    }
    p.sort();
    Some(p)
}

/// Optimal string alignment distance (Damerau–Levenshtein where a
/// transposition of adjacent characters costs 1), `None` above `max`.
pub(crate) fn osa_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    if a.chars().count().abs_diff(b.chars().count()) > max {
        return None;
    }
    let d = strsim::osa_distance(a, b);
    (d <= max).then_some(d)
}

/// Edits allowed for a popular name of this many characters.
fn budget(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    }
}

/// True when two names are members of one family rather than a slip of
/// each other: one is the other with whole parts added (`ciborium-ll`,
/// `encoding` and `encoding_rs`), or they differ in one part, replaced
/// whole (`tokio-io` and `tokio-fs`). Edit distance says nothing there.
fn same_family(a: &str, b: &str) -> bool {
    let pa: Vec<&str> = a.split('-').filter(|s| !s.is_empty()).collect();
    let pb: Vec<&str> = b.split('-').filter(|s| !s.is_empty()).collect();
    if pa.len() != pb.len() {
        let (short, long) = if pa.len() < pb.len() {
            (&pa, &pb)
        } else {
            (&pb, &pa)
        };
        let mut rest = long.clone();
        for s in short.iter() {
            match rest.iter().position(|x| x == s) {
                Some(i) => {
                    rest.remove(i);
                }
                None => return false,
            }
        }
        return true;
    }
    let diff: Vec<(&str, &str)> = pa
        .iter()
        .zip(&pb)
        .filter(|(x, y)| x != y)
        .map(|(x, y)| (*x, *y))
        .collect();
    match diff.as_slice() {
        [(x, y)] if pa.len() > 1 => {
            FAMILY_PARTS.contains(x) && FAMILY_PARTS.contains(y)
                || strsim::osa_distance(x, y) >= x.chars().count().max(y.chars().count())
        }
        _ => false,
    }
}

/// Insertions and deletions needed to turn `a` into `b` (no replacements):
/// `|a| + |b| - 2 * LCS`.
fn indel_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev = vec![0usize; b.len() + 1];
    for &x in &a {
        let mut cur = vec![0usize; b.len() + 1];
        for (j, &y) in b.iter().enumerate() {
            cur[j + 1] = if x == y {
                prev[j] + 1
            } else {
                prev[j + 1].max(cur[j])
            };
        }
        prev = cur;
    }
    a.len() + b.len() - 2 * prev[b.len()]
}

/// Parts that name a member of a crate's family (`aws-lc-sys` beside
/// `aws-lc-rs`, `foo-derive` beside `foo-macros`).
const FAMILY_PARTS: &[&str] = &[
    "sys", "rs", "core", "derive", "macros", "macro", "impl", "internal", "shared", "types",
];

fn is_adjacent_swap(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len() != b.len() {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    diff.len() == 2
        && diff[1] == diff[0] + 1
        && a[diff[0]] == b[diff[1]]
        && a[diff[1]] == b[diff[0]]
}

/// What was taken off a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strip {
    Squat,
    Family,
    Plural,
}

/// The affixes the data lists, as written there.
#[cfg(test)]
pub(crate) const DEFAULT_AFFIXES: &[&str] =
    &["-rs", "-rust", "rust-", "rs-", "-lib", "lib-", "-crate"];

impl Popular {
    /// Builds the list from names (duplicates and case are ignored), with
    /// the default affixes and no distinct names.
    #[cfg(test)]
    pub(crate) fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Popular {
        Popular::with_data(
            names,
            DEFAULT_AFFIXES.iter().copied(),
            std::iter::empty(),
            std::iter::empty(),
        )
    }

    /// Builds the list from names, the affixes squatters add, the affixes
    /// families share and the real crates that look like popular ones.
    pub(crate) fn with_data<'a>(
        names: impl IntoIterator<Item = &'a str>,
        affixes: impl IntoIterator<Item = &'a str>,
        family_affixes: impl IntoIterator<Item = &'a str>,
        distinct: impl IntoIterator<Item = &'a str>,
    ) -> Popular {
        let mut p = Popular::default();
        for name in names {
            let lower = name.trim().to_lowercase();
            if lower.is_empty() || !p.exact.insert(lower.clone()) {
                continue;
            }
            let norm = normalize(&lower);
            let sk = skeleton(&norm);
            let i = p.entries.len();
            p.by_norm.entry(norm.clone()).or_insert(i);
            p.by_skeleton.entry(sk).or_insert(i);
            p.entries.push(Entry {
                parts: parts(&norm),
                name: lower,
                norm,
            });
        }
        let prepare = |list: Vec<String>| {
            let mut l: Vec<String> = list
                .into_iter()
                .filter(|a| a.trim_matches('-').len() >= 2)
                .collect();
            // Longer affixes first: `-rust` before `-rs`.
            l.sort_by_key(|a| std::cmp::Reverse(a.trim_matches('-').len()));
            l
        };
        p.affixes = prepare(affixes.into_iter().map(normalize).collect());
        p.family_affixes = prepare(family_affixes.into_iter().map(normalize).collect());
        p.distinct = distinct.into_iter().map(normalize).collect();
        p
    }

    /// True when `name` is on the list up to `-`/`_` and case.
    pub(crate) fn contains_normalized(&self, name: &str) -> bool {
        self.by_norm.contains_key(&normalize(name))
    }

    /// `norm` with one affix or a plural `s` taken off, each way, and
    /// whether that is a squatter's affix (not a family one, not a plural).
    fn strip_once(&self, norm: &str) -> Vec<(String, String, Strip)> {
        let mut out = Vec::new();
        let lists = [
            (&self.affixes, Strip::Squat),
            (&self.family_affixes, Strip::Family),
        ];
        for (list, family) in lists {
            for affix in list.iter() {
                let stripped = if affix.starts_with('-') {
                    norm.strip_suffix(affix.as_str())
                } else if affix.ends_with('-') {
                    norm.strip_prefix(affix.as_str())
                } else {
                    None
                };
                if let Some(s) = stripped.filter(|s| s.len() >= 3) {
                    out.push((s.to_string(), format!("`{affix}`"), family));
                }
            }
        }
        if let Some(s) = norm.strip_suffix('s').filter(|s| s.len() >= 4) {
            out.push((s.to_string(), "a plural `s`".to_string(), Strip::Plural));
        }
        out
    }

    /// The entry a stripped core names: itself, its skeleton, or the
    /// crate it is the plain name of (`libusb1` for `libusb1-sys`,
    /// `proc-macro` for `proc-macro2`).
    fn core_target(&self, core: &str) -> Option<usize> {
        if let Some(&i) = self.by_norm.get(core) {
            return Some(i);
        }
        if let Some(&i) = self.by_skeleton.get(&skeleton(core)) {
            return Some(i);
        }
        if let Some(&i) = self.by_norm.get(&format!("{core}-sys")) {
            return Some(i);
        }
        (1..=9).find_map(|n| self.by_norm.get(&format!("{core}{n}")).copied())
    }

    /// The popular crate `name` imitates, if any. A name on the list, or
    /// listed as distinct, never does.
    pub(crate) fn near_miss(&self, name: &str) -> Option<NearMiss> {
        let lower = name.trim().to_lowercase();
        if lower.is_empty() || lower.len() > 64 || self.exact.contains(&lower) {
            return None;
        }
        let norm = normalize(&lower);
        if self.distinct.contains(&norm) {
            return None;
        }
        let hit = |i: usize, how: String| {
            Some(NearMiss {
                target: self.entries[i].name.clone(),
                how,
            })
        };
        if let Some(&i) = self.by_norm.get(&norm) {
            let e = &self.entries[i];
            return hit(i, format!("differs from `{}` only in `-`/`_`", e.name));
        }
        // Affixes: one, then a second on what is left.
        for (once, a, kind_a) in self.strip_once(&norm) {
            if kind_a != Strip::Family {
                if let Some(i) = self.core_target(&once) {
                    let e = &self.entries[i];
                    return hit(i, format!("is `{}` with {a} added", e.name));
                }
            }
            for (twice, b, kind_b) in self.strip_once(&once) {
                // Two slips, one of them a squatter's affix.
                if kind_a != Strip::Squat && kind_b != Strip::Squat {
                    continue;
                }
                if let Some(i) = self.core_target(&twice) {
                    let e = &self.entries[i];
                    return hit(i, format!("is `{}` with {b} and {a} added", e.name));
                }
            }
        }
        let sk = skeleton(&norm);
        if let Some(&i) = self.by_skeleton.get(&sk) {
            let e = &self.entries[i];
            return hit(
                i,
                format!("reads as `{}` (lookalike characters or separators)", e.name),
            );
        }
        if let Some(p) = parts(&norm) {
            if let Some(i) = self
                .entries
                .iter()
                .position(|e| e.parts.as_ref() == Some(&p))
            {
                let e = &self.entries[i];
                return hit(i, format!("is `{}` with its parts reordered", e.name));
            }
        }
        let mut best: Option<(usize, usize)> = None;
        for (i, e) in self.entries.iter().enumerate() {
            // `memmap` for `memmap2`, `adler` for `adler2`: a numbered crate
            // is nearly always the successor of the plain name, not its target.
            if e.norm.ends_with(|c: char| c.is_ascii_digit())
                && e.norm.trim_end_matches(|c: char| c.is_ascii_digit()) == norm
            {
                continue;
            }
            // `arrow2` for `arrow`: a numbered successor, not a slip.
            if norm.ends_with(|c: char| c.is_ascii_digit())
                && norm.trim_end_matches(|c: char| c.is_ascii_digit()) == e.norm
            {
                continue;
            }
            let len = e.norm.chars().count();
            let d = match budget(len) {
                0 if len == 4 && is_adjacent_swap(&norm, &e.norm) => Some(1),
                0 => None,
                _ if same_family(&norm, &e.norm) => None,
                // Two edits only as a typist slips: letters added, dropped
                // or swapped, not replaced (`humansize` is not `humantime`).
                max => osa_distance(&norm, &e.norm, max)
                    .filter(|&d| d < 2 || indel_distance(&norm, &e.norm) <= 2),
            };
            if let Some(d) = d {
                if best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, i));
                }
            }
        }
        let (d, i) = best?;
        let e = &self.entries[i];
        hit(
            i,
            format!(
                "is {d} edit{} away from `{}`",
                if d == 1 { "" } else { "s" },
                e.name
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn popular() -> Popular {
        Popular::new([
            "serde",
            "serde_json",
            "tokio",
            "rand",
            "log",
            "syn",
            "aho-corasick",
            "regex",
            "memmap2",
        ])
    }

    fn target(name: &str) -> Option<String> {
        popular().near_miss(name).map(|m| m.target)
    }

    #[test]
    fn distance_is_optimal_string_alignment() {
        assert_eq!(osa_distance("tokio", "tokoi", 2), Some(1));
        assert_eq!(osa_distance("serde", "serd", 2), Some(1));
        assert_eq!(osa_distance("serde", "sedre", 2), Some(1));
        assert_eq!(osa_distance("abc", "xyz", 2), None);
        assert_eq!(osa_distance("", "ab", 2), Some(2));
    }

    #[test]
    fn near_misses_are_caught() {
        for (squat, real) in [
            ("tokoi", "tokio"),
            ("tokio-rs", "tokio"),
            ("serde-json", "serde_json"),
            ("serdejson", "serde_json"),
            ("serde_jsno", "serde_json"),
            ("serdde", "serde"),
            ("t0kio", "tokio"),
            ("1og", "log"),
            ("rnad", "rand"),
            ("aho_corasick", "aho-corasick"),
            ("rust-regex", "regex"),
            ("memmap3", "memmap2"),
        ] {
            assert_eq!(target(squat).as_deref(), Some(real), "{squat}");
        }
    }

    #[test]
    fn real_and_distinct_names_pass() {
        for name in [
            "serde",
            "tokio",
            "syn",
            "log",
            "rand",
            "sync",
            "logos",
            "rayon",
            "serde_yaml",
            "tokio-util",
            "regex-syntax",
            "clap",
            "lo",
            "",
            "Serde_Json",
            "memmap",
        ] {
            assert_eq!(target(name), None, "{name}");
        }
    }
}
