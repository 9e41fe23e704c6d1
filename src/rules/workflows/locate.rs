//! Line numbers for parsed workflow nodes.
//!
//! The typed models (`github-actions-models`) carry no source positions, and
//! a finding needs a line. This index reads the block structure of the same
//! text: every `key:` and `- ` item with its line and column, block scalars
//! (`run: |`) skipped. A path of keys and sequence indexes (the route to a
//! node in the model) then walks it. Flow collections (`[a, b]`, `{a: b}`)
//! are opaque: a path into one stops at the nearest enclosing node, which is
//! still a line the reader can look at.

/// One step of a route: a mapping key or a sequence index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A `- ` sequence item.
    Dash,
    /// A `key:` of a block mapping, unquoted.
    Key(String),
}

#[derive(Debug, Clone)]
struct Entry {
    /// 1-based line.
    line: u32,
    /// 0-based column (in characters of indentation, which YAML requires
    /// to be spaces).
    col: usize,
    kind: Kind,
}

/// The block structure of a YAML text.
#[derive(Debug, Default)]
pub(crate) struct Index {
    entries: Vec<Entry>,
    /// For each entry, the index one past its last descendant.
    end: Vec<usize>,
    /// For each entry, its direct children (keys of its mapping, items of
    /// its sequence); `roots` for the document's top level.
    children: Vec<Vec<usize>>,
    roots: Vec<usize>,
}

/// The key of `key: …` or `key:` at the start of `s`, unquoted; `None` when
/// `s` does not start with a mapping key.
fn key_of(s: &str) -> Option<(String, &str)> {
    let (key, rest) = if let Some(q) = s.strip_prefix('"').or_else(|| s.strip_prefix('\'')) {
        let quote = s.as_bytes()[0] as char;
        let end = q.find(quote)?;
        (q[..end].to_string(), &q[end + 1..])
    } else {
        // A plain key ends at the first `: ` (or a `:` ending the line).
        let mut end = None;
        for (i, c) in s.char_indices() {
            if c == '#' && i > 0 && s[..i].ends_with(' ') {
                return None;
            }
            if c == ':' {
                let after = &s[i + 1..];
                if after.is_empty() || after.starts_with(' ') || after.starts_with('\t') {
                    end = Some(i);
                    break;
                }
            }
            if matches!(c, '[' | '{' | '"' | '\'' | '|' | '>') && i == 0 {
                return None;
            }
        }
        let end = end?;
        (s[..end].trim_end().to_string(), &s[end..])
    };
    let rest = rest.trim_start().strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t')) {
        return None;
    }
    Some((key, rest.trim()))
}

/// True when `e`, a later entry, is inside `node`'s value or item.
fn contains(node: &Entry, e: &Entry) -> bool {
    if e.line == node.line {
        // `- key: v`: the key is the item's.
        return e.col > node.col;
    }
    match node.kind {
        Kind::Dash => e.col > node.col,
        // An indentless sequence (`steps:` then `- …` at the same column)
        // belongs to the key.
        Kind::Key(_) => e.col > node.col || (e.col == node.col && e.kind == Kind::Dash),
    }
}

/// True when a value starts a block scalar (`|`, `>-`, `|2+` …).
fn is_block_scalar(value: &str) -> bool {
    let mut v = strip_comment(value).trim();
    // An anchor or a tag may come first: `run: &script |`.
    while v.starts_with('&') || v.starts_with('!') {
        v = v.split_once(' ').map_or("", |(_, rest)| rest).trim_start();
    }
    let mut chars = v.chars();
    matches!(chars.next(), Some('|') | Some('>'))
        && chars.all(|c| c == '-' || c == '+' || c.is_ascii_digit())
}

impl Index {
    /// Indexes `text` (any line ending).
    pub(crate) fn new(text: &str) -> Index {
        let mut entries = Vec::new();
        // While inside a block scalar: lines indented deeper than this column
        // are its content.
        let mut scalar_above: Option<usize> = None;
        for (i, raw) in text.split('\n').enumerate() {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            let body = line.trim_start_matches(' ');
            let indent = line.len() - body.len();
            if body.trim().is_empty() {
                continue;
            }
            if let Some(col) = scalar_above {
                if indent > col {
                    continue;
                }
                scalar_above = None;
            }
            if body.starts_with('#') {
                continue;
            }
            let n = (i + 1) as u32;
            let mut col = indent;
            let mut rest = body;
            // `- - key: v` nests items on one line.
            while let Some(after) = rest.strip_prefix('-') {
                if !(after.is_empty() || after.starts_with(' ')) {
                    break;
                }
                entries.push(Entry {
                    line: n,
                    col,
                    kind: Kind::Dash,
                });
                let trimmed = after.trim_start_matches(' ');
                col += 1 + after.len() - trimmed.len();
                rest = trimmed;
                if rest.is_empty() {
                    break;
                }
            }
            if let Some((key, value)) = key_of(rest) {
                entries.push(Entry {
                    line: n,
                    col,
                    kind: Kind::Key(key),
                });
                if is_block_scalar(value) {
                    scalar_above = Some(col);
                }
            } else if is_block_scalar(rest) {
                // `- |` : an item that is a block scalar.
                scalar_above = Some(col.saturating_sub(1));
            }
        }
        Index::link(entries)
    }

    /// Builds the tree in one pass: a stack of open nodes, each closed by
    /// the first later entry outside it (see [`contains`]). Every lookup is
    /// then a walk down direct children, so a workflow of many jobs and
    /// steps costs linear time to index, not quadratic time to query.
    fn link(entries: Vec<Entry>) -> Index {
        let n = entries.len();
        let mut end = vec![n; n];
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut roots = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        for i in 0..n {
            while let Some(&top) = stack.last() {
                if contains(&entries[top], &entries[i]) {
                    break;
                }
                end[top] = i;
                stack.pop();
            }
            let siblings = match stack.last() {
                Some(&p) => &mut children[p],
                None => &mut roots,
            };
            // Direct children share one column; a deeper stray entry (a
            // continuation line that looks like a key) is not one.
            if siblings
                .first()
                .is_none_or(|&f| entries[f].col == entries[i].col)
            {
                siblings.push(i);
            }
            stack.push(i);
        }
        Index {
            entries,
            end,
            children,
            roots,
        }
    }

    /// Walks `route`: the entry of the deepest node found, and whether it
    /// is the whole route's.
    fn walk(&self, route: &[Seg]) -> (Option<usize>, bool) {
        let mut at: Option<usize> = None;
        for seg in route {
            let kids = match at {
                Some(i) => &self.children[i],
                None => &self.roots,
            };
            let hit = match seg {
                Seg::Key(k) => kids
                    .iter()
                    .copied()
                    .find(|&i| matches!(&self.entries[i].kind, Kind::Key(name) if name == k)),
                Seg::Index(n) => kids
                    .iter()
                    .copied()
                    .filter(|&i| self.entries[i].kind == Kind::Dash)
                    .nth(*n),
            };
            let Some(hit) = hit else {
                return (at, false);
            };
            at = Some(hit);
        }
        (at, true)
    }

    /// The line of the node at `route`, or of its deepest ancestor found
    /// (`None` when not even the first step is found).
    pub(crate) fn line(&self, route: &[Seg]) -> Option<u32> {
        self.find(route).map(|(line, _)| line)
    }

    /// Like [`Index::line`], and whether the whole route was found.
    pub(crate) fn find(&self, route: &[Seg]) -> Option<(u32, bool)> {
        let (at, whole) = self.walk(route);
        at.map(|i| (self.entries[i].line, whole))
    }

    /// The lines of the node at `route` (or of its deepest ancestor found):
    /// its own line to the last line of its body, for searching text in it.
    pub(crate) fn span(&self, route: &[Seg], text_lines: u32) -> Option<(u32, u32)> {
        let at = self.walk(route).0?;
        let start = self.entries[at].line;
        let end = self
            .entries
            .get(self.end[at])
            .map_or(text_lines, |e| e.line.saturating_sub(1));
        Some((start, end.max(start)))
    }
}

/// The line without its `# …` comment (a `#` at the start or after a blank,
/// outside quotes), as YAML and shell read it.
pub(crate) fn strip_comment(line: &str) -> &str {
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev.is_whitespace() => return &line[..i],
            _ => {}
        }
        prev = c;
    }
    line
}

/// Cuts a line for display.
pub(crate) fn clip(line: &str) -> String {
    let line = line.trim();
    match line.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

/// The reference of a `uses:` line (`- uses: owner/repo@ref`), unquoted.
pub(crate) fn uses_value(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let t = t.strip_prefix('-').map_or(t, str::trim_start);
    let rest = t
        .strip_prefix("uses")?
        .trim_start()
        .strip_prefix(':')?
        .trim();
    let rest = rest.trim_matches(|c| c == '"' || c == '\'');
    (!rest.is_empty()).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WF: &str = "\
name: ci
\"on\":
  pull_request_target:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
    - uses: actions/checkout@v4
      with:
        ref: ${{ github.event.pull_request.head.sha }}
    - name: run
      run: |
        echo one
        key: not a key
    - run: echo two
  other:
    steps: [{run: x}]
";

    #[test]
    fn routes_to_lines() {
        let ix = super::Index::new(WF);
        use Seg::*;
        assert_eq!(
            ix.find(&[Key("on"), Key("pull_request_target")]),
            Some((3, true))
        );
        assert_eq!(
            ix.line(&[Key("jobs"), Key("build"), Key("steps"), Index(0)]),
            Some(8)
        );
        assert_eq!(
            ix.line(&[
                Key("jobs"),
                Key("build"),
                Key("steps"),
                Index(0),
                Key("with"),
                Key("ref")
            ]),
            Some(10)
        );
        assert_eq!(
            ix.line(&[
                Key("jobs"),
                Key("build"),
                Key("steps"),
                Index(1),
                Key("run")
            ]),
            Some(12)
        );
        assert_eq!(
            ix.span(
                &[
                    Key("jobs"),
                    Key("build"),
                    Key("steps"),
                    Index(1),
                    Key("run")
                ],
                17
            ),
            Some((12, 14))
        );
        assert_eq!(
            ix.line(&[Key("jobs"), Key("build"), Key("steps"), Index(2)]),
            Some(15)
        );
        // Flow style: the nearest node found.
        assert_eq!(
            ix.find(&[Key("jobs"), Key("other"), Key("steps"), Index(0)]),
            Some((17, false))
        );
        assert_eq!(ix.find(&[Key("nope")]), None);
    }

    #[test]
    fn keys() {
        assert_eq!(key_of("a: b"), Some(("a".into(), "b")));
        assert_eq!(key_of("'on':"), Some(("on".into(), "")));
        assert_eq!(key_of("run: echo a:b"), Some(("run".into(), "echo a:b")));
        assert_eq!(key_of("echo a:b"), None);
        assert_eq!(key_of("http://x"), None);
        assert!(is_block_scalar("|"));
        assert!(is_block_scalar(">- # folded"));
        assert!(!is_block_scalar("echo |"));
        assert!(is_block_scalar("&run |"));
        assert!(is_block_scalar("!!str >"));
    }
}
