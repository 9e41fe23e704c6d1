//! Commit messages and trailers, read exactly as git reads them.
//!
//! Two jobs live here, both ports of git's own algorithms so that what
//! policy-check sees is what `git log` and `git interpret-trailers` show:
//!
//! * [`cleanup`]: what `git commit` does to the edited message before it is
//!   stored (scissors line, comment lines, trailing blanks), needed by the
//!   `commit-msg` hook, which receives the message *before* cleanup.
//! * [`parse_trailers`]: git's trailer-block detection (last paragraph, the
//!   25% rule for blocks holding a git-generated line, continuation lines,
//!   comment lines), as `%(trailers:only,unfold)` applies it: a `---` line
//!   does not end the message.
//!
//! Everything works on bytes with git's ASCII notion of space and
//! alphanumerics, so non-UTF-8 input never panics.

/// One trailer line (`Key: value`), unfolded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Trailer {
    /// The key as written, trimmed (`Signed-off-by`).
    pub key: String,
    /// The value with continuation lines folded into single spaces.
    pub value: String,
    /// 1-based line of the message on which the trailer starts.
    pub line: u32,
}

impl Trailer {
    /// Case-insensitive key comparison, as git does for trailer keys.
    pub fn is(&self, key: &str) -> bool {
        self.key.eq_ignore_ascii_case(key)
    }
}

/// The scissors line `git commit -v` writes above the diff (after the comment prefix and a space).
const CUT_LINE: &str = "------------------------ >8 ------------------------\n";

/// Trailer prefixes that git itself generates; a block holding one needs only 25% trailers.
const GIT_GENERATED_PREFIXES: [&[u8]; 2] = [b"Signed-off-by: ", b"(cherry picked from commit "];

/// The `commit.cleanup` modes of `git commit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CleanupMode {
    /// Strip blank lines, trailing whitespace and comment lines.
    Strip,
    /// Like `Strip` but keep comment lines.
    Whitespace,
    /// Leave the message untouched.
    Verbatim,
    /// Like `Whitespace`, and cut everything from the scissors line on.
    Scissors,
}

impl CleanupMode {
    /// Reads a `commit.cleanup` value; `default` (and anything unknown) is `strip`,
    /// which is what git does when the message was edited.
    pub fn from_config(value: Option<&str>) -> Self {
        match value.map(str::to_ascii_lowercase).as_deref() {
            Some("whitespace") => Self::Whitespace,
            Some("verbatim") => Self::Verbatim,
            Some("scissors") => Self::Scissors,
            _ => Self::Strip,
        }
    }
}

/// git's `isspace` (sane_ctype): space, tab, newline and carriage return only.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Start of the line after the one starting at `i` (or the buffer length).
fn next_line(buf: &[u8], i: usize) -> usize {
    match memchr(b'\n', &buf[i..]) {
        Some(p) => i + p + 1,
        None => buf.len(),
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

fn find_sub(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// Offset where the scissors line starts, or `len` if there is none
/// (git's `wt_status_locate_end`).
pub fn scissors_offset(buf: &[u8], comment: &str) -> usize {
    let pattern = format!("\n{comment} {CUT_LINE}");
    let pattern = pattern.as_bytes();
    if buf.starts_with(&pattern[1..]) {
        0
    } else if let Some(p) = find_sub(buf, pattern) {
        p + 1
    } else {
        buf.len()
    }
}

/// Cleans a message as `git commit` does before storing it.
///
/// `cut_scissors` is true when the message may carry a verbose diff below the
/// scissors line (`git commit -v`); git cuts there in that case and in
/// `scissors` mode.
pub fn cleanup(msg: &[u8], mode: CleanupMode, comment: &str, cut_scissors: bool) -> Vec<u8> {
    let mut buf = msg;
    if cut_scissors || mode == CleanupMode::Scissors {
        buf = &buf[..scissors_offset(buf, comment)];
    }
    match mode {
        CleanupMode::Verbatim => buf.to_vec(),
        CleanupMode::Strip => stripspace(buf, Some(comment)),
        CleanupMode::Whitespace | CleanupMode::Scissors => stripspace(buf, None),
    }
}

/// git's `strbuf_stripspace`: drop trailing whitespace on each line, comment
/// lines (when a prefix is given), collapse runs of blank lines and remove
/// leading and trailing ones; every kept line ends in a newline.
pub fn stripspace(buf: &[u8], comment: Option<&str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(buf.len() + 1);
    let mut empties = 0usize;
    let mut i = 0;
    while i < buf.len() {
        let end = next_line(buf, i);
        let line = &buf[i..end];
        i = end;
        if let Some(c) = comment {
            if !line.is_empty() && line.starts_with(c.as_bytes()) {
                continue;
            }
        }
        let mut len = line.len();
        while len > 0 && is_space(line[len - 1]) {
            len -= 1;
        }
        if len > 0 {
            if empties > 0 && !out.is_empty() {
                out.push(b'\n');
            }
            empties = 0;
            out.extend_from_slice(&line[..len]);
            out.push(b'\n');
        } else {
            empties += 1;
        }
    }
    out
}

/// git's `find_separator` with the default separator `:`: the offset of the
/// separator if the line starts with a token (alphanumerics and `-`,
/// optionally followed by blanks).
fn find_separator(line: &[u8]) -> Option<usize> {
    let mut whitespace_found = false;
    for (i, &c) in line.iter().enumerate() {
        if c == b':' {
            return Some(i);
        }
        if !whitespace_found && (c.is_ascii_alphanumeric() || c == b'-') {
            continue;
        }
        if i != 0 && (c == b' ' || c == b'\t') {
            whitespace_found = true;
            continue;
        }
        break;
    }
    None
}

fn is_blank_line(line: &[u8]) -> bool {
    line.iter()
        .take_while(|&&b| b != b'\n')
        .all(|&b| is_space(b))
}

/// Start of the last line before offset `len`, as git's `last_line`.
fn last_line(buf: &[u8], len: usize) -> Option<usize> {
    match len {
        0 => None,
        1 => Some(0),
        _ => Some(
            buf[..len - 1]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1),
        ),
    }
}

/// Bytes at the end of `buf[..len]` that git ignores when looking for
/// trailers: trailing comment and blank lines, an old-style `Conflicts:`
/// block, and everything from the scissors line on
/// (git's `ignored_log_message_bytes`).
fn ignored_tail(buf: &[u8], len: usize, comment: &str) -> usize {
    let cutoff = scissors_offset(&buf[..len], comment);
    let mut boc: Option<usize> = None;
    let mut in_conflicts = false;
    let mut bol = 0;
    while bol < cutoff {
        let next = match memchr(b'\n', &buf[bol..cutoff]) {
            Some(p) => bol + p + 1,
            None => cutoff,
        };
        let line = &buf[bol..cutoff];
        if line.starts_with(comment.as_bytes()) || buf[bol] == b'\n' {
            boc.get_or_insert(bol);
        } else if buf[bol..len].starts_with(b"Conflicts:\n") {
            in_conflicts = true;
            boc.get_or_insert(bol);
        } else if in_conflicts && buf[bol] == b'\t' {
            // a path in the conflicts block
        } else if boc.is_some() {
            boc = None;
            in_conflicts = false;
        }
        bol = next;
    }
    match boc {
        Some(b) => len - b,
        None => len - cutoff,
    }
}

/// Offset where the trailer block starts, or `len` when there is none
/// (git's `find_trailer_block_start`).
fn trailer_block_start(buf: &[u8], len: usize, comment: &str) -> usize {
    let comment = comment.as_bytes();
    // The first paragraph is the title and cannot hold trailers.
    let mut s = 0;
    while s < len {
        if buf[s..len].starts_with(comment) {
            s = next_line(buf, s);
            continue;
        }
        if is_blank_line(&buf[s..]) {
            break;
        }
        s = next_line(buf, s);
    }
    let end_of_title = s;

    let mut only_spaces = true;
    let mut recognized_prefix = false;
    let mut trailer_lines = 0usize;
    let mut non_trailer_lines = 0usize;
    let mut possible_continuation_lines = 0usize;

    let mut cursor = last_line(buf, len);
    while let Some(l) = cursor {
        if l < end_of_title {
            break;
        }
        cursor = last_line(buf, l);
        let bol = &buf[l..];
        if buf[l..len].starts_with(comment) {
            non_trailer_lines += possible_continuation_lines;
            possible_continuation_lines = 0;
            continue;
        }
        if is_blank_line(bol) {
            if only_spaces {
                continue;
            }
            non_trailer_lines += possible_continuation_lines;
            if (recognized_prefix && trailer_lines * 3 >= non_trailer_lines)
                || (trailer_lines > 0 && non_trailer_lines == 0)
            {
                return next_line(buf, l);
            }
            return len;
        }
        only_spaces = false;

        if GIT_GENERATED_PREFIXES.iter().any(|p| bol.starts_with(p)) {
            trailer_lines += 1;
            possible_continuation_lines = 0;
            recognized_prefix = true;
            continue;
        }
        match find_separator(bol) {
            Some(pos) if pos >= 1 && !is_space(bol[0]) => {
                trailer_lines += 1;
                possible_continuation_lines = 0;
            }
            _ if is_space(bol[0]) => possible_continuation_lines += 1,
            _ => {
                non_trailer_lines += 1 + possible_continuation_lines;
                possible_continuation_lines = 0;
            }
        }
    }
    len
}

/// Trims git's whitespace from both ends.
fn trim(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|&c| !is_space(c)).unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|&c| !is_space(c))
        .map_or(start, |p| p + 1);
    &b[start..end]
}

/// Folds continuation lines into single spaces (git's `unfold_value`).
fn unfold(val: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(val.len());
    let mut i = 0;
    while i < val.len() {
        let c = val[i];
        i += 1;
        if c == b'\n' {
            while i < val.len() && is_space(val[i]) {
                i += 1;
            }
            out.push(b' ');
        } else {
            out.push(c);
        }
    }
    trim(&out).to_vec()
}

/// The trailers of a stored commit message, as
/// `git log --format=%(trailers:only,unfold)` shows them.
pub fn parse_trailers(msg: &[u8], comment: &str) -> Vec<Trailer> {
    let end = msg.len() - ignored_tail(msg, msg.len(), comment);
    let start = trailer_block_start(msg, end, comment);
    let mut line_no = 1 + msg[..start].iter().filter(|&&b| b == b'\n').count() as u32;

    // Split the block into logical lines, joining continuation lines to the
    // trailer before them.
    let mut logical: Vec<(u32, Vec<u8>, bool)> = Vec::new();
    let mut i = start;
    while i < end {
        let next = next_line(msg, i).min(end);
        let line = &msg[i..next];
        i = next;
        let this_line = line_no;
        line_no += 1;
        if let Some((_, last, true)) = logical.last_mut() {
            if is_space(line[0]) {
                last.extend_from_slice(line);
                continue;
            }
        }
        let is_trailer = find_separator(line).is_some_and(|p| p >= 1);
        logical.push((this_line, line.to_vec(), is_trailer));
    }

    logical
        .into_iter()
        .filter(|(_, _, is_trailer)| *is_trailer)
        .filter_map(|(line, text, _)| {
            let sep = find_separator(&text)?;
            Some(Trailer {
                key: String::from_utf8_lossy(trim(&text[..sep])).into_owned(),
                value: String::from_utf8_lossy(&unfold(trim(&text[sep + 1..]))).into_owned(),
                line,
            })
        })
        .collect()
}

/// Picks the comment string for `core.commentChar`/`core.commentString`.
///
/// For `auto`, git chose a character no line of the message started with;
/// we recognise it by the help text or the scissors line it prefixed.
pub fn comment_string(config: Option<&str>, message: &[u8]) -> String {
    match config {
        None | Some("") => "#".to_string(),
        Some(v) if v.eq_ignore_ascii_case("auto") => {
            const CANDIDATES: &str = "#;@!$%^&|:";
            for c in CANDIDATES.chars() {
                let help = format!("{c} Please enter the commit message");
                let cut = format!("{c} {CUT_LINE}");
                let text = String::from_utf8_lossy(message);
                if text.lines().any(|l| l.starts_with(&help)) || text.contains(&cut) {
                    return c.to_string();
                }
            }
            "#".to_string()
        }
        Some(v) => v.to_string(),
    }
}

/// A decoded commit message: subject, body and trailers.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Message {
    /// The whole message as text (lossy for undecodable bytes).
    pub text: String,
    /// The first paragraph joined into one line, as `%s` shows it.
    pub subject: String,
    /// Everything after the first paragraph.
    pub body: String,
    /// Trailers as git finds them.
    pub trailers: Vec<Trailer>,
}

impl Message {
    /// Parses a stored message. `encoding` is the commit's `encoding` header;
    /// ISO-8859-1 is decoded, anything else is read as UTF-8, lossily.
    pub fn parse(raw: &[u8], encoding: Option<&str>, comment: &str) -> Self {
        let text = decode(raw, encoding);
        // Like git's pretty.c, the message starts at its first non-blank
        // line: leading blank lines cannot end a title paragraph.
        let bytes = text.as_bytes();
        let mut skip = 0;
        let mut skipped_lines = 0u32;
        while skip < bytes.len() && is_blank_line(&bytes[skip..]) {
            skip = next_line(bytes, skip);
            skipped_lines += 1;
        }
        let mut trailers = parse_trailers(&bytes[skip..], comment);
        for t in &mut trailers {
            t.line += skipped_lines;
        }
        let mut paragraphs = text[skip..].splitn(2, "\n\n");
        let first = paragraphs.next().unwrap_or("");
        let subject = first
            .split('\n')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        let body = paragraphs.next().unwrap_or("").to_string();
        Message {
            text,
            subject: subject.trim().to_string(),
            body,
            trailers,
        }
    }

    /// Values of every trailer with this key (case-insensitive).
    pub fn trailer_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Trailer> + 'a {
        self.trailers.iter().filter(move |t| t.is(key))
    }
}

/// Decodes message bytes: ISO-8859-1 by its header, otherwise UTF-8 (lossy).
pub fn decode(raw: &[u8], encoding: Option<&str>) -> String {
    let latin1 = encoding.is_some_and(|e| {
        let e = e.to_ascii_lowercase();
        matches!(
            e.as_str(),
            "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1"
        )
    });
    if latin1 && std::str::from_utf8(raw).is_err() {
        raw.iter().map(|&b| b as char).collect()
    } else {
        String::from_utf8_lossy(raw).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(msg: &str) -> Vec<(String, String)> {
        parse_trailers(msg.as_bytes(), "#")
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect()
    }

    #[test]
    fn simple_block() {
        let t = keys("subject\n\nbody\n\nSigned-off-by: A <a@x>\nAssisted-by: Claude:opus\n");
        assert_eq!(t.len(), 2);
        assert_eq!(t[1], ("Assisted-by".into(), "Claude:opus".into()));
    }

    #[test]
    fn title_only_has_no_trailers() {
        assert!(keys("Fixes: something\n").is_empty());
    }

    #[test]
    fn twenty_five_percent_rule_needs_git_generated_line() {
        let mixed = "s\n\nnot a trailer\nnot either\nKey: v\n";
        assert!(keys(mixed).is_empty());
        let with_sob = "s\n\nnot a trailer\nSigned-off-by: A <a@x>\nKey: v\n";
        assert_eq!(keys(with_sob).len(), 2);
    }

    #[test]
    fn continuation_lines_unfold() {
        let t = keys("s\n\nKey: one\n  two\n\tthree\n");
        assert_eq!(t, vec![("Key".into(), "one two three".into())]);
    }

    #[test]
    fn trailing_comments_and_scissors_are_ignored() {
        let msg = "s\n\nKey: v\n# comment\n# ------------------------ >8 ------------------------\ndiff\n";
        assert_eq!(keys(msg), vec![("Key".into(), "v".into())]);
    }

    #[test]
    fn stripspace_matches_git() {
        let out = stripspace(b"\n\nsubject  \n\n\n# c\nbody\t\n\n", Some("#"));
        assert_eq!(out, b"subject\n\nbody\n");
    }

    #[test]
    fn latin1_is_decoded() {
        assert_eq!(decode(b"caf\xe9", Some("ISO-8859-1")), "café");
        assert_eq!(decode(b"caf\xe9", None), "caf\u{fffd}");
    }
}
