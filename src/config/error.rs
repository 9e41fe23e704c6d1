//! Policy errors that point at the exact spot: file, line, column, and what
//! was expected.

use std::fmt;

/// A step in a path through the policy document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Seg {
    /// A table key.
    Key(String),
    /// The element of an array of tables whose `id` is this.
    Id(String),
    /// An array element by position.
    Index(usize),
}

/// A path to a setting, e.g. `rules[id=no-miner].pattern`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyPath(pub(crate) Vec<Seg>);

impl KeyPath {
    pub(crate) fn root() -> Self {
        KeyPath(Vec::new())
    }

    pub(crate) fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }

    pub(crate) fn id(&self, id: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Id(id.to_string()));
        p
    }

    pub(crate) fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    /// Builds a path from dotted keys: `KeyPath::of(&["disclosure", "value"])`.
    pub fn of(keys: &[&str]) -> Self {
        KeyPath(keys.iter().map(|k| Seg::Key(k.to_string())).collect())
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Id(id) => write!(f, "[{id}]")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A problem found while compiling a policy, before it is located in a file.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub(crate) path: KeyPath,
    pub(crate) message: String,
}

/// Collects every problem of a policy so that all are reported at once.
#[derive(Debug, Default)]
pub struct Problems(pub(crate) Vec<Problem>);

impl Problems {
    pub(crate) fn error(&mut self, path: KeyPath, message: impl Into<String>) {
        self.0.push(Problem {
            path,
            message: message.into(),
        });
    }

    /// True when no problem was found: the policy compiled cleanly.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Where in which file something is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Location {
    /// A path, or `preset:NAME` for an embedded preset.
    pub(crate) file: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// A located policy error.
#[derive(Debug, Clone)]
pub struct PolicyError {
    pub(crate) location: Option<Location>,
    /// The setting concerned, when known.
    pub(crate) key: Option<String>,
    pub(crate) message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{loc}: ")?;
        }
        if let Some(k) = &self.key {
            write!(f, "`{k}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Every error found in a policy (at least one).
#[derive(Debug, Clone, thiserror::Error)]
pub struct PolicyErrors(pub Vec<PolicyError>);

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        if n > 1 {
            writeln!(f, "the policy has {n} problems:")?;
        }
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "invalid policy: {e}")?;
        }
        Ok(())
    }
}

impl PolicyErrors {
    pub(crate) fn one(location: Option<Location>, message: impl Into<String>) -> Self {
        PolicyErrors(vec![PolicyError {
            location,
            key: None,
            message: message.into(),
        }])
    }
}

/// Where each line of a text starts, for locating many offsets in it:
/// [`line_col`] scans the text before the offset, which is quadratic when
/// every entry of a large document is located.
pub(crate) struct LineIndex<'t> {
    text: &'t str,
    /// Byte offset of each line's first character.
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, starts }
    }

    /// As [`line_col`]: 1-based line and column (in characters).
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, self.text[start..offset].chars().count() + 1)
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Levenshtein distance, for "did you mean" suggestions.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        assert_eq!(
            nearest("requird", ["required", "trailers"]),
            Some("required")
        );
        assert_eq!(nearest("zzzzzz", ["required", "trailers"]), None);
    }

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("a\nbc\nd", 3), (2, 2));
        assert_eq!(line_col("", 0), (1, 1));
    }

    #[test]
    fn line_index_agrees_with_line_col() {
        for text in ["", "a\nbc\nd", "\n\n", "é\nñ x\n", "ab\n"] {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                assert_eq!(
                    index.line_col(offset),
                    line_col(text, offset),
                    "{text:?} {offset}"
                );
            }
        }
    }
}
