//! Reading `SPDX-License-Identifier:` headers from the first lines of a file,
//! whatever the comment syntax (`//`, `#`, `/* */`, `<!-- -->`, `--`, `;`,
//! `%`…) and however the file ends its lines (CRLF, no final newline, a
//! byte-order mark). REUSE `.license` sidecars carry the same tag without
//! any comment syntax, so they are read the same way.

use std::ops::RangeInclusive;

/// The tag, compared ASCII-case-insensitively.
const TAG: &str = "spdx-license-identifier";

/// Markers that close a comment on the header's line.
const CLOSERS: &[&str] = &["*/", "-->", "*)", "-}", "\"\"\"", "'''"];

/// Comment leaders stripped from a continuation line, longest first.
const LEADERS: &[&str] = &[
    "<!--", "///", "//!", "/**", "/*!", "//", "/*", "--", ";;", "#", "*", ";", "%", "!", "'",
];

/// At most this many lines continue one header.
const MAX_CONTINUATION: u32 = 4;

/// One `SPDX-License-Identifier:` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The line of the tag (1-based).
    pub line: u32,
    /// Every line the header spans (the tag's, then continuation lines).
    pub lines: RangeInclusive<u32>,
    /// The expression, comment syntax stripped and continuation lines joined.
    pub expr: String,
}

/// The text after the tag on a line, comment closers removed, or `None`
/// when the line has no tag. The value may be empty (the expression then
/// continues on the next line of a block comment). A tag in quotes or
/// backticks is prose about headers (documentation), not a header.
pub fn tag_value(line: &str) -> Option<&str> {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    let start = find_tag(line)?;
    let before = &line[..start];
    let docstring = before.ends_with("\"\"\"") || before.ends_with("'''");
    if before.ends_with(['`', '"', '\'']) && !docstring {
        return None;
    }
    let rest = line[start + TAG.len()..].trim_start();
    let rest = rest.strip_prefix(':')?;
    // A Markdown table cell (`| SPDX-License-Identifier: | MIT |`): the
    // expression is the next cell; pipes are never part of an expression.
    let rest = rest.trim_start();
    let rest = rest.strip_prefix('|').unwrap_or(rest);
    let rest = rest.split('|').next().unwrap_or(rest);
    Some(cut_closers(rest))
}

/// Byte offset of the tag in a line (ASCII-case-insensitive), if any.
fn find_tag(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    if bytes.len() < TAG.len() {
        return None;
    }
    (0..=bytes.len() - TAG.len()).find(|&i| {
        (bytes[i] | 0x20) == b's' && bytes[i..i + TAG.len()].eq_ignore_ascii_case(TAG.as_bytes())
    })
}

fn cut_closers(s: &str) -> &str {
    let end = CLOSERS
        .iter()
        .filter_map(|c| s.find(c))
        .min()
        .unwrap_or(s.len());
    s[..end].trim().trim_end_matches(['*', '#', ';']).trim()
}

/// A continuation line's text without its comment leader, up to a comment
/// closer, and whether it had a leader and a closer.
fn continuation(line: &str) -> (&str, bool, bool) {
    let t = line.trim_start();
    let closed = CLOSERS.iter().any(|c| t.contains(c));
    let t = cut_closers(t);
    match LEADERS.iter().find_map(|l| t.strip_prefix(l)) {
        Some(rest) => (rest.trim(), true, closed),
        None => (t, false, closed),
    }
}

/// A line of a comment block without its leader (`//`, `#`, ` * `…), for
/// reading licence prose that stands in comments.
pub(crate) fn strip_leader(line: &str) -> &str {
    let t = line.trim_start();
    LEADERS
        .iter()
        .find_map(|l| t.strip_prefix(l))
        .unwrap_or(t)
        .trim()
}

/// True when a line's comment is a line comment (`//`, `#`, `--`…), so the
/// lines after it continue the comment only if they repeat the leader.
fn is_line_comment(line: &str) -> bool {
    let t = line.trim_start().trim_start_matches('\u{feff}');
    ["//", "#", "--", ";", "%"].iter().any(|l| t.starts_with(l)) && !t.starts_with("/*")
}

/// True when an expression visibly continues on the next line: it is empty,
/// ends with an operator, or leaves a parenthesis open.
fn continues(expr: &str) -> bool {
    let t = expr.trim_end();
    if t.is_empty() {
        return true;
    }
    let last = t.rsplit(char::is_whitespace).next().unwrap_or(t);
    let open = t.matches('(').count() > t.matches(')').count();
    open || t.ends_with('/')
        || ["OR", "AND", "WITH"]
            .iter()
            .any(|op| last.eq_ignore_ascii_case(op))
}

/// Every header in lines `1..=limit` of a file. `line(n)` gives line `n`
/// (1-based) without its line ending, `None` past the end.
pub fn read<'a>(line: impl Fn(u32) -> Option<&'a str>, limit: u32) -> Vec<Header> {
    let mut out = Vec::new();
    let mut n = 1;
    while n <= limit {
        let Some(text) = line(n) else { break };
        let Some(value) = tag_value(text) else {
            n += 1;
            continue;
        };
        let mut expr = value.to_string();
        let mut last = n;
        // A header continues on the next lines only inside one comment: a
        // block comment not closed on the tag's line, or repeated line
        // comments.
        let tail = text.get(find_tag(text).unwrap_or(0)..).unwrap_or_default();
        let mut open = !CLOSERS.iter().any(|c| tail.contains(c));
        let line_comment = is_line_comment(text);
        while open && continues(&expr) && last < n + MAX_CONTINUATION {
            let Some(next) = line(last + 1) else { break };
            if find_tag(next).is_some() {
                break;
            }
            let (more, has_leader, closed) = continuation(next);
            if more.is_empty() || (line_comment && !has_leader) {
                break;
            }
            expr.push(' ');
            expr.push_str(more);
            last += 1;
            open = !closed;
        }
        out.push(Header {
            line: n,
            lines: n..=last,
            expr: expr.trim().to_string(),
        });
        n = last + 1;
    }
    out
}

/// True when a line is a copyright statement (`SPDX-FileCopyrightText:`,
/// `Copyright`, `(c)`-less forms included, or `©`).
pub fn is_copyright(line: &str) -> bool {
    line.contains('©')
        || line
            .as_bytes()
            .windows(9)
            .any(|w| w.eq_ignore_ascii_case(b"copyright"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(text: &str, limit: u32) -> Vec<(u32, String)> {
        let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
        read(|n| lines.get(n as usize - 1).copied(), limit)
            .into_iter()
            .map(|h| (h.line, h.expr))
            .collect()
    }

    #[test]
    fn comment_syntaxes() {
        let tag = "SPDX-License-Identifier:";
        for (line, want) in [
            (format!("// {tag} MIT"), "MIT"),
            (format!("//! {tag} MIT OR Apache-2.0"), "MIT OR Apache-2.0"),
            (format!("# {tag} Apache-2.0"), "Apache-2.0"),
            (format!("/* {tag} MIT */"), "MIT"),
            (format!(" * {tag} MIT"), "MIT"),
            (format!("<!-- {tag} CC-BY-4.0 -->"), "CC-BY-4.0"),
            (format!("-- {tag} MIT"), "MIT"),
            (format!(";; {tag} MIT"), "MIT"),
            (format!("% {tag} MIT"), "MIT"),
            (format!("{tag} MIT"), "MIT"),
            (format!("\u{feff}// {tag} MIT"), "MIT"),
            ("// spdx-license-identifier: MIT".to_string(), "MIT"),
            (format!("\"\"\"{tag} MIT\"\"\""), "MIT"),
        ] {
            assert_eq!(headers(&line, 10), vec![(1, want.to_string())], "{line}");
        }
        assert!(headers("// SPDX-License-Identifier MIT", 10).is_empty());
        assert!(headers("// License: MIT", 10).is_empty());
        // prose that quotes the tag is not a header
        assert!(headers(&format!("//! Reads `{tag}` lines"), 10).is_empty());
        assert!(headers(&format!("let t = \"{tag}\";"), 10).is_empty());
    }

    #[test]
    fn block_comment_split_over_lines() {
        let tag = "SPDX-License-Identifier:";
        let text = format!("/*\n * {tag} MIT OR\n *   Apache-2.0\n */\nfn main() {{}}\n");
        assert_eq!(
            headers(&text, 10),
            vec![(2, "MIT OR Apache-2.0".to_string())]
        );
        let text = format!("/*\n * {tag}\n * (MIT OR Apache-2.0)\n */\n");
        assert_eq!(
            headers(&text, 10),
            vec![(2, "(MIT OR Apache-2.0)".to_string())]
        );
        let text = format!("<!--\n{tag} MIT AND\n  (Apache-2.0 OR\n  BSD-3-Clause) -->\n");
        assert_eq!(
            headers(&text, 10),
            vec![(2, "MIT AND (Apache-2.0 OR BSD-3-Clause)".to_string())]
        );
        // an unbalanced parenthesis that never closes stops at the comment's end
        let text = format!("/* {tag} (MIT OR Apache-2.0\n */\nint x;\n");
        assert_eq!(
            headers(&text, 10),
            vec![(1, "(MIT OR Apache-2.0".to_string())]
        );
        let text = format!("/* {tag} (MIT OR */\nint x;\n");
        assert_eq!(headers(&text, 10), vec![(1, "(MIT OR".to_string())]);
        // line comments continue only on lines that repeat the leader
        let text = format!("// {tag} MIT OR\n//   Apache-2.0\n");
        assert_eq!(
            headers(&text, 10),
            vec![(1, "MIT OR Apache-2.0".to_string())]
        );
        let text = format!("# {tag} MIT OR\nimport os\n");
        assert_eq!(headers(&text, 10), vec![(1, "MIT OR".to_string())]);
    }

    #[test]
    fn crlf_limit_and_several_headers() {
        let tag = "SPDX-License-Identifier:";
        let text = format!("#!/bin/sh\r\n# {tag} MIT\r\n# {tag} Apache-2.0\r\necho\r\n");
        assert_eq!(
            headers(&text, 10),
            vec![(2, "MIT".to_string()), (3, "Apache-2.0".to_string())]
        );
        assert!(headers(&text, 1).is_empty());
        let text = format!("# {tag} MIT");
        assert_eq!(headers(&text, 10), vec![(1, "MIT".to_string())]);
    }

    #[test]
    fn copyright_lines() {
        assert!(is_copyright("// Copyright 2024 Acme"));
        assert!(is_copyright("# SPDX-FileCopyrightText: 2024 Jane"));
        assert!(is_copyright("/* © Jane */"));
        assert!(!is_copyright("// copy right"));
    }
}
