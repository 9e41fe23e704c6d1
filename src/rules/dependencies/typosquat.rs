//! Typosquat detection: is a crate name a near miss of a popular crate?
//!
//! A name is a near miss of a popular crate when it is not that crate but
//! - differs from it only in `-` versus `_` (crates.io treats them as one
//!   name, other registries do not), or in case;
//! - adds or drops an affix such as `-rs` or `rust-` (`serde-rs`);
//! - reads the same once lookalikes are folded (`0`/`o`, `1`/`l`/`i`, `rn`/`m`,
//!   `vv`/`w`, …) and separators dropped (`t0kio`, `serdejson`);
//! - is within a small Damerau–Levenshtein distance (optimal string
//!   alignment, so a swap of two adjacent letters counts once): none for
//!   names of up to 3 letters, a swap only for 4, one edit for 5 to 9, two
//!   for longer names (`tokoi`, `serde_jsno`). Longer budgets catch too many
//!   genuine neighbours: `crossbeam`/`crossterm` are two edits apart.
//!
//! The plain name of a numbered crate (`memmap` for `memmap2`) is not a near
//! miss: it is nearly always the original that the numbered fork succeeded.

use std::collections::HashSet;

/// A popular crate, with the forms it is compared in.
#[derive(Debug, Clone)]
struct Entry {
    name: String,
    /// Lowercase, `_` as `-`.
    norm: String,
    skeleton: String,
}

/// The popular-crate list, ready for matching.
#[derive(Debug, Clone, Default)]
pub struct Popular {
    entries: Vec<Entry>,
    /// Lowercased names exactly as listed.
    exact: HashSet<String>,
}

/// Why a name looks like a popular crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NearMiss {
    /// The popular crate it imitates.
    pub target: String,
    /// How, in words.
    pub how: String,
}

/// Affixes that squatters add to a real name.
const AFFIXES: &[&str] = &["-rs", "-rust", "rust-", "rs-", "-lib", "lib-", "-crate"];

/// Lowercase with `_` written as `-`.
pub fn normalize(name: &str) -> String {
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

/// Optimal string alignment distance (Damerau–Levenshtein where a
/// transposition of adjacent characters costs 1), giving up above `max`.
pub fn osa_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
    }
    let v = d[a.len() * w + b.len()];
    (v <= max).then_some(v)
}

/// Edits allowed for a popular name of this many characters.
fn budget(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=9 => 1,
        _ => 2,
    }
}

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

impl Popular {
    /// Builds the list from names (duplicates and case are ignored).
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Popular {
        let mut p = Popular::default();
        for name in names {
            let lower = name.trim().to_lowercase();
            if lower.is_empty() || !p.exact.insert(lower.clone()) {
                continue;
            }
            let norm = normalize(&lower);
            p.entries.push(Entry {
                skeleton: skeleton(&norm),
                name: lower,
                norm,
            });
        }
        p
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True when `name` is itself on the list.
    pub fn contains(&self, name: &str) -> bool {
        self.exact.contains(&name.trim().to_lowercase())
    }

    /// True when `name` is on the list up to `-`/`_` and case.
    pub fn contains_normalized(&self, name: &str) -> bool {
        let n = normalize(name);
        self.entries.iter().any(|e| e.norm == n)
    }

    /// The popular crate `name` imitates, if any. A name on the list never does.
    pub fn near_miss(&self, name: &str) -> Option<NearMiss> {
        let lower = name.trim().to_lowercase();
        if lower.is_empty() || lower.len() > 64 || self.exact.contains(&lower) {
            return None;
        }
        let norm = normalize(&lower);
        let hit = |e: &Entry, how: String| {
            Some(NearMiss {
                target: e.name.clone(),
                how,
            })
        };
        if let Some(e) = self.entries.iter().find(|e| e.norm == norm) {
            return hit(e, format!("differs from `{}` only in `-`/`_`", e.name));
        }
        for affix in AFFIXES {
            let stripped = if affix.starts_with('-') {
                norm.strip_suffix(affix)
            } else {
                norm.strip_prefix(affix)
            };
            if let Some(e) = stripped
                .filter(|s| s.len() >= 3)
                .and_then(|s| self.entries.iter().find(|e| e.norm == s))
            {
                return hit(e, format!("is `{}` with `{affix}` added", e.name));
            }
        }
        let sk = skeleton(&norm);
        if let Some(e) = self.entries.iter().find(|e| e.skeleton == sk) {
            return hit(
                e,
                format!("reads as `{}` (lookalike characters or separators)", e.name),
            );
        }
        let mut best: Option<(usize, &Entry)> = None;
        for e in &self.entries {
            // `memmap` for `memmap2`, `adler` for `adler2`: a numbered crate
            // is nearly always the successor of the plain name, not its target.
            if e.norm.ends_with(|c: char| c.is_ascii_digit())
                && e.norm.trim_end_matches(|c: char| c.is_ascii_digit()) == norm
            {
                continue;
            }
            let len = e.norm.chars().count();
            let d = match budget(len) {
                0 if len == 4 && is_adjacent_swap(&norm, &e.norm) => Some(1),
                0 => None,
                max => osa_distance(&norm, &e.norm, max),
            };
            if let Some(d) = d {
                if best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, e));
                }
            }
        }
        let (d, e) = best?;
        hit(
            e,
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
