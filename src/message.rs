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

use std::borrow::Cow;

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
pub(crate) fn stripspace(buf: &[u8], comment: Option<&str>) -> Vec<u8> {
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

/// Something about a stored message that git and policy-check cannot both
/// read the same way: a finding on its own (rules `message-nul` and
/// `message-encoding`), since what a reviewer sees may not be all there is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Defect {
    /// A NUL byte: git shows nothing after it (it reads the object as a C
    /// string), so what follows is hidden from every reviewer.
    Nul {
        /// 1-based line of the message holding the NUL (0: in the headers).
        line: u32,
        /// Bytes after the NUL that git does not show.
        hidden: usize,
    },
    /// The `encoding` header names an encoding that cannot be decoded, or
    /// the message is not valid in it; git then shows the bytes undecoded.
    Encoding {
        /// The header's value, escaped for display.
        name: String,
        /// Why it could not be decoded.
        reason: String,
    },
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
    /// What could not be read as git reads it (a NUL, an unknown encoding).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub defects: Vec<Defect>,
}

impl Message {
    /// Parses a stored message. `encoding` is the commit's `encoding`
    /// header: the message is cut at its first NUL and decoded from that
    /// encoding as git does for display ([`shown`]); what cannot be read
    /// that way is kept in [`Message::defects`].
    pub fn parse(raw: &[u8], encoding: Option<&str>, comment: &str) -> Self {
        let (shown, defects) = shown(raw, encoding);
        let mut m = Self::parse_text(String::from_utf8_lossy(&shown).into_owned(), comment);
        m.defects = defects;
        m
    }

    /// Parses a message already cut and decoded.
    fn parse_text(text: String, comment: &str) -> Self {
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
            subject: subject.trim().to_string(),
            body,
            trailers,
            text,
            defects: Vec::new(),
        }
    }

    /// Values of every trailer with this key (case-insensitive).
    pub fn trailer_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Trailer> + 'a {
        self.trailers.iter().filter(move |t| t.is(key))
    }
}

/// The bytes git shows of `raw` (a message, or a whole commit object) and
/// what it hides: git reads an object as a C string, so nothing after the
/// first NUL is shown; then, when `encoding` is not UTF-8, it re-encodes
/// the bytes to UTF-8 with iconv (`repo_logmsg_reencode`) and, if that
/// fails, shows them as they are. The result is UTF-8 whenever decoding
/// succeeded; a defect is returned for the NUL and for an encoding that
/// could not be decoded. Bytes without an `encoding` header are borrowed.
pub fn shown<'a>(raw: &'a [u8], encoding: Option<&str>) -> (Cow<'a, [u8]>, Vec<Defect>) {
    let mut defects = Vec::new();
    let mut bytes = raw;
    if let Some(nul) = memchr::memchr(0, raw) {
        bytes = &raw[..nul];
        defects.push(Defect::Nul {
            line: 1 + bytes.iter().filter(|&&b| b == b'\n').count() as u32,
            hidden: raw.len() - nul - 1,
        });
    }
    let Some(label) = encoding else {
        return (Cow::Borrowed(bytes), defects);
    };
    match decode_as(bytes, label) {
        Ok(None) => (Cow::Borrowed(bytes), defects),
        Ok(Some(mut text)) => {
            // A NUL can come out of the decoding too (UTF-7 `+AAA-`, UTF-16):
            // git prints the decoded message as a C string and stops there.
            if let Some(nul) = text.find('\0') {
                if !defects.iter().any(|d| matches!(d, Defect::Nul { .. })) {
                    defects.push(Defect::Nul {
                        line: 1 + text[..nul].matches('\n').count() as u32,
                        hidden: text.len() - nul - 1,
                    });
                }
                text.truncate(nul);
            }
            (Cow::Owned(text.into_bytes()), defects)
        }
        Err(reason) => {
            defects.push(Defect::Encoding {
                name: crate::diag::escape(label),
                reason,
            });
            (Cow::Borrowed(bytes), defects)
        }
    }
}

/// Decodes message bytes from the encoding an `encoding` header names, as
/// [`shown`] does, lossily when it cannot (for callers that only display).
#[cfg(test)]
pub(crate) fn decode(raw: &[u8], encoding: Option<&str>) -> String {
    String::from_utf8_lossy(&shown(raw, encoding).0).into_owned()
}

/// True for the names under which git skips re-encoding (`same_encoding`
/// with UTF-8 output: `is_encoding_utf8` accepts `utf-8` and `utf8`).
pub(crate) fn is_utf8_label(label: &str) -> bool {
    label.eq_ignore_ascii_case("utf-8") || label.eq_ignore_ascii_case("utf8")
}

/// Decodes `raw` from the encoding named `label`: `Ok(None)` when git would
/// not re-encode (UTF-8), the text when it would and can, and why not when
/// the encoding is unknown here or the bytes are not valid in it.
///
/// The WHATWG encodings come from `encoding_rs`; UTF-7 (which iconv knows
/// and the WHATWG list leaves out) from [`utf7`]; ISO-8859-1 and ASCII are
/// decoded as iconv reads them (encoding_rs maps both labels to
/// windows-1252). A label iconv would not take as it is (surrounding
/// blanks) is refused rather than guessed at.
pub fn decode_as(raw: &[u8], label: &str) -> Result<Option<String>, String> {
    if is_utf8_label(label) {
        return Ok(None);
    }
    if label.is_empty() || label.trim() != label || label.len() > 64 {
        return Err("it is not an encoding name".to_string());
    }
    let lower = label.to_ascii_lowercase();
    match lower.as_str() {
        "utf-7" | "utf7" | "unicode-1-1-utf-7" | "csunicode11utf7" => {
            return utf7::decode(raw)
                .map(Some)
                .map_err(|at| format!("byte {at} is not valid UTF-7"));
        }
        "iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "latin-1" | "l1" | "iso-ir-100"
        | "cp819" | "ibm819" | "csisolatin1" | "iso_8859-1:1987" => {
            return Ok(Some(raw.iter().map(|&b| char::from(b)).collect()));
        }
        "us-ascii" | "ascii" | "ansi_x3.4-1968" | "iso646-us" | "us" | "csascii" => {
            return match raw.iter().position(|&b| b >= 0x80) {
                Some(at) => Err(format!("byte {at} is not ASCII")),
                None => Ok(Some(String::from_utf8_lossy(raw).into_owned())),
            };
        }
        _ => {}
    }
    let Some(enc) = encoding_rs::Encoding::for_label_no_replacement(label.as_bytes()) else {
        return Err("policy-check cannot decode this encoding".to_string());
    };
    if enc == encoding_rs::UTF_8 {
        return Ok(None);
    }
    if enc == encoding_rs::X_USER_DEFINED {
        return Err("policy-check cannot decode this encoding".to_string());
    }
    match enc.decode_without_bom_handling_and_without_replacement(raw) {
        Some(text) => Ok(Some(text.into_owned())),
        None => Err(format!("it is not valid {}", enc.name())),
    }
}

/// UTF-7 (RFC 2152) decoded as glibc's iconv decodes it, since that is what
/// git uses to show a message with `encoding UTF-7`.
pub mod utf7 {
    /// The value of a modified-base64 digit.
    fn base64(b: u8) -> Option<u32> {
        Some(u32::from(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }

    /// Bytes that stand for themselves outside base64 (glibc's `isxdirect`).
    fn direct(b: u8) -> bool {
        matches!(b, b'\t' | b'\n' | b'\r')
            || ((b' '..=b'}').contains(&b) && b != b'+' && b != b'\\')
    }

    /// Decodes `raw`, or the offset of the first byte iconv refuses.
    ///
    /// As in glibc: `+-` is `+`; a base64 run ends at the first other byte
    /// (a `-` ending it is dropped) and must leave fewer than six bits, all
    /// zero, and no half surrogate pair; a `+` at the very end is an
    /// incomplete sequence; bits left when the input ends are dropped.
    pub fn decode(raw: &[u8]) -> Result<String, usize> {
        let mut out = String::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            let b = raw[i];
            if direct(b) {
                out.push(char::from(b));
                i += 1;
                continue;
            }
            if b != b'+' {
                return Err(i);
            }
            match raw.get(i + 1) {
                None => return Err(i),
                Some(b'-') => {
                    out.push('+');
                    i += 2;
                    continue;
                }
                Some(_) => {}
            }
            let start = i;
            i += 1;
            let (mut acc, mut bits, mut high) = (0u32, 0u32, None::<u32>);
            while let Some(v) = raw.get(i).copied().and_then(base64) {
                acc = (acc << 6) | v;
                bits += 6;
                i += 1;
                if bits >= 16 {
                    bits -= 16;
                    let unit = (acc >> bits) & 0xFFFF;
                    acc &= (1 << bits) - 1;
                    match (unit, high.take()) {
                        (0xD800..=0xDBFF, None) => high = Some(unit),
                        (0xDC00..=0xDFFF, Some(h)) => {
                            let c = 0x10000 + ((h - 0xD800) << 10) + (unit - 0xDC00);
                            out.push(char::from_u32(c).ok_or(i - 1)?);
                        }
                        (0xD800..=0xDFFF, _) | (_, Some(_)) => return Err(i - 1),
                        (u, None) => out.push(char::from_u32(u).ok_or(i - 1)?),
                    }
                }
            }
            if i == raw.len() {
                break; // the end drops what is left, as glibc does
            }
            if bits >= 6 || acc != 0 || high.is_some() {
                return Err(start.max(i));
            }
            if raw[i] == b'-' {
                i += 1;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_nul_that_comes_out_of_the_decoding_ends_the_message_too() {
        // Found by the `encodings` fuzz target: UTF-7 `+AAA-` is U+0000.
        let (shown, defects) = shown(
            b"Add x\n+AAA-\nReviewed-by: M <m@example.com>\n",
            Some("UTF-7"),
        );
        assert_eq!(shown.as_ref(), b"Add x\n");
        assert!(defects.iter().any(|d| matches!(d, Defect::Nul { .. })));
    }

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
        // iconv's ISO-8859-1, not windows-1252: 0x80 is a C1 control
        assert_eq!(decode(b"\x80", Some("latin1")), "\u{80}");
    }

    /// Cases checked against glibc's `iconv -f UTF-7 -t UTF-8` (2.36+).
    #[test]
    fn utf7_decodes_as_iconv_does() {
        let ok: &[(&str, &str)] = &[
            ("a+b", "a"),
            ("a+-b", "a+b"),
            ("a+!b", "a!b"),
            ("+AGE", "a"),
            ("+AGEA", "a"),
            ("+AGE-x", "ax"),
            ("+AGEx", "a"),
            ("+2D3cAQ-", "\u{1f401}"),
            ("+2D3", ""),
            ("+AGEAYQ-", "aa"),
            (
                "Co-authored-by: Claude +ADw-noreply+AEA-anthropic.com+AD4-",
                "Co-authored-by: Claude <noreply@anthropic.com>",
            ),
        ];
        for (input, want) in ok {
            assert_eq!(
                utf7::decode(input.as_bytes()).as_deref(),
                Ok(*want),
                "{input}"
            );
        }
        for bad in ["a\\b", "a~b", "a+", "+3AE-", "x\x7fy", "x\x01y", "+AGEAYR-"] {
            assert!(utf7::decode(bad.as_bytes()).is_err(), "{bad:?}");
        }
        assert!(utf7::decode(b"x\x80y").is_err());
    }

    #[test]
    fn a_message_is_cut_at_its_nul_as_git_shows_it() {
        let m = Message::parse(
            b"subject\n\nbody\0hidden\n\nReviewed-by: R <r@x>\n",
            None,
            "#",
        );
        assert_eq!(m.text, "subject\n\nbody");
        assert!(m.trailers.is_empty());
        assert_eq!(
            m.defects,
            vec![Defect::Nul {
                line: 3,
                hidden: 29
            }]
        );
    }

    #[test]
    fn encodings_decode_or_say_why_not() {
        let m = Message::parse(
            b"s\n\nCo-authored-by: Claude +ADw-c+AEA-x+AD4-\n",
            Some("UTF-7"),
            "#",
        );
        assert_eq!(m.trailers[0].value, "Claude <c@x>");
        assert!(m.defects.is_empty());
        // WHATWG encodings through encoding_rs
        assert_eq!(decode(b"\x82\xa0", Some("Shift_JIS")), "\u{3042}");
        assert_eq!(decode(b"\xe9", Some("windows-1252")), "é");
        // UTF-8 under any of git's names is not re-encoded
        assert_eq!(decode_as(b"\xff", "utf8"), Ok(None));
        for (raw, label) in [
            (&b"x"[..], "EBCDIC-US"),
            (b"x", "iso-2022-kr"),
            (b"x", " UTF-7"),
            (b"x", "x-user-defined"),
            (b"caf\xe9", "ascii"),
            (b"a+", "utf-7"),
            (b"\x82", "Shift_JIS"),
        ] {
            let m = Message::parse(raw, Some(label), "#");
            assert!(
                matches!(&m.defects[..], [Defect::Encoding { .. }]),
                "{label}: {:?}",
                m.defects
            );
        }
        // an unknown encoding still leaves the bytes readable, as git shows them
        assert_eq!(decode(b"Reviewed-by", Some("EBCDIC-US")), "Reviewed-by");
    }
}
