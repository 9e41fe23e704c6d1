//! Files larger than `scan.max_file_size`, checked in bounded chunks
//! instead of skipped: the blob is inflated a piece at a time, cut into
//! chunks of whole lines, and each chunk goes through the line rules
//! (secrets, payloads, custom line rules) as a file of its own, with its
//! findings' line numbers moved back to the whole file's. Memory stays flat
//! however large the blob: a piece, a chunk, and one number per line of the
//! old side.
//!
//! What a chunk cannot give: a line longer than [`MAX_LINE`] is cut, with
//! [`OVERLAP`] bytes repeated across the cut so a token that straddles it is
//! still whole on one side (a match spread wider than that over such a line
//! is not found); "added" lines are those whose text the old side does not
//! have anywhere (a set difference, not a line diff). UTF-16 with a
//! byte-order mark is decoded while streaming (as a small file's is whole).
//! Rules that read a whole file (licence headers, manifests, workflows) see
//! only the file-level change, as before.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use anyhow::Result;

use crate::engine;
use crate::git::Reader;
use crate::model::{Change, Content, FileChange};
use crate::policy::Run;
use crate::rules::sink::Outcome;

/// Bytes inflated at a time.
const PIECE: usize = 1 << 20;

/// Longest line checked whole; a longer one is cut into parts of this size.
const MAX_LINE: usize = 1 << 20;

/// Bytes repeated across the cut of an over-long line.
const OVERLAP: usize = 16 << 10;

/// Old-side lines remembered (8 bytes each); lines of a larger old side
/// past this count are not remembered, so they count as added (stricter).
const MAX_OLD_LINES: usize = 4_000_000;

/// Findings kept per file checked in chunks (a file full of matches must
/// not fill memory); one more finding says how many were left out.
const MAX_FINDINGS: usize = 100;

/// git's binary test reads this many bytes.
const BINARY_PROBE: usize = 8000;

/// Cuts a stream of bytes into chunks of whole lines, numbering them: a
/// chunk is at most [`MAX_LINE`] bytes carried over plus one piece, so a line
/// of up to that size is checked whole; a longer one is cut.
pub struct Liner {
    carry: Vec<u8>,
    /// The 1-based number of the line `carry` starts.
    line: u32,
}

impl Default for Liner {
    fn default() -> Self {
        Liner {
            carry: Vec::new(),
            line: 1,
        }
    }
}

impl Liner {
    /// Adds `piece`; `emit(first_line, text)` gets every chunk that is now
    /// complete: whole lines (each ending in `\n`), or a part of an
    /// over-long line (no `\n`; the next chunk starts with the last
    /// [`OVERLAP`] bytes of it and the same line number).
    pub fn push(&mut self, piece: &[u8], emit: &mut dyn FnMut(u32, &[u8])) {
        self.carry.extend_from_slice(piece);
        loop {
            if let Some(nl) = memchr::memrchr(b'\n', &self.carry) {
                let text: Vec<u8> = self.carry.drain(..=nl).collect();
                emit(self.line, &text);
                self.line += memchr::memchr_iter(b'\n', &text).count() as u32;
            }
            if self.carry.len() <= MAX_LINE {
                return;
            }
            // one line longer than MAX_LINE: check a part, keep an overlap
            let part: Vec<u8> = self.carry[..MAX_LINE].to_vec();
            emit(self.line, &part);
            self.carry.drain(..MAX_LINE - OVERLAP);
        }
    }

    /// The last line, if it has no final newline.
    pub fn finish(&mut self, emit: &mut dyn FnMut(u32, &[u8])) {
        if !self.carry.is_empty() {
            let text = std::mem::take(&mut self.carry);
            emit(self.line, &text);
        }
    }
}

/// A streaming UTF-16 decoder for a blob whose first piece starts with a
/// byte-order mark and, decoded, holds no NUL in its first
/// [`BINARY_PROBE`] characters (as [`crate::git::diff::decode_utf16`]
/// decides for a whole blob); `None` otherwise. It drops the mark, keeps a
/// code unit or surrogate split across pieces for the next one, and turns
/// unpaired surrogates into U+FFFD.
pub fn utf16_decoder(first: &[u8]) -> Option<encoding_rs::Decoder> {
    let enc = match first {
        [0xFF, 0xFE, ..] => encoding_rs::UTF_16LE,
        [0xFE, 0xFF, ..] => encoding_rs::UTF_16BE,
        _ => return None,
    };
    let probe = &first[..first.len().min(2 + 4 * BINARY_PROBE)];
    let mut text = String::new();
    decode_piece(
        &mut enc.new_decoder_with_bom_removal(),
        probe,
        true,
        &mut text,
    );
    if text.chars().take(BINARY_PROBE).any(|c| c == '\0') {
        return None;
    }
    Some(enc.new_decoder_with_bom_removal())
}

/// Decodes `piece` onto `out` (`last`: the stream ends with it).
pub fn decode_piece(d: &mut encoding_rs::Decoder, piece: &[u8], last: bool, out: &mut String) {
    let room = d
        .max_utf8_buffer_length(piece.len())
        .unwrap_or(piece.len().saturating_mul(3).saturating_add(16));
    out.reserve(room);
    let mut rest = piece;
    loop {
        let (r, read, _) = d.decode_to_string(rest, out, last);
        rest = &rest[read..];
        match r {
            encoding_rs::CoderResult::InputEmpty => return,
            encoding_rs::CoderResult::OutputFull => out.reserve(room.max(16)),
        }
    }
}

/// How a streamed blob is read: decided on its first piece.
enum Mode {
    Text,
    Utf16(Box<encoding_rs::Decoder>),
    Binary,
}

impl Mode {
    fn of(first: &[u8]) -> Mode {
        if let Some(d) = utf16_decoder(first) {
            Mode::Utf16(Box::new(d))
        } else if first[..first.len().min(BINARY_PROBE)].contains(&0) {
            Mode::Binary
        } else {
            Mode::Text
        }
    }
}

fn line_hash(line: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    line.hash(&mut h);
    h.finish()
}

/// Hashes of the lines of the old sides (sorted), up to [`MAX_OLD_LINES`].
fn old_lines(reader: &Reader, old: &[String]) -> Result<Vec<u64>> {
    let mut hashes = Vec::new();
    for id in old {
        let mut liner = Liner::default();
        let mut add = |_: u32, text: &[u8]| {
            for l in text.split_inclusive(|&b| b == b'\n') {
                if hashes.len() < MAX_OLD_LINES {
                    hashes.push(line_hash(trim_eol(l)));
                }
            }
        };
        // an old UTF-16 side is compared decoded, as the new one is
        let mut utf16: Option<Option<encoding_rs::Decoder>> = None;
        let mut text = String::new();
        reader.stream_blob(id, PIECE, &mut |piece| match utf16
            .get_or_insert_with(|| utf16_decoder(piece))
        {
            Some(d) => {
                text.clear();
                decode_piece(d, piece, false, &mut text);
                liner.push(text.as_bytes(), &mut add);
            }
            None => liner.push(piece, &mut add),
        })?;
        if let Some(Some(d)) = utf16.as_mut() {
            text.clear();
            decode_piece(d, &[], true, &mut text);
            liner.push(text.as_bytes(), &mut add);
        }
        liner.finish(&mut add);
    }
    hashes.sort_unstable();
    hashes.dedup();
    Ok(hashes)
}

fn trim_eol(l: &[u8]) -> &[u8] {
    let l = l.strip_suffix(b"\n").unwrap_or(l);
    l.strip_suffix(b"\r").unwrap_or(l)
}

/// True for the findings a chunk is checked for: line rules of the secrets
/// and payloads families, and custom rules (ids outside the registry).
fn line_rule(id: &str) -> bool {
    match crate::rules::find(id) {
        None => true,
        Some(r) => {
            r.family == "secrets" || (r.family == "payloads" && r.id != "payload-executable-binary")
        }
    }
}

/// Checks the files of `change` that were too large to read, chunk by
/// chunk, adding their findings to `out` (and dropping the
/// `file-too-large` warning of each file so checked).
pub(crate) fn check(
    reader: &Reader,
    policy: &Run<'_>,
    change: &Change,
    out: &mut Outcome,
) -> Result<()> {
    for file in change.files() {
        let (Content::TooLarge, Some(blob)) = (file.content, &file.blob) else {
            continue;
        };
        check_file(reader, policy, change, file, blob, out)?;
        for f in &mut out.findings {
            if f.rule == "file-too-large" && f.path.as_deref() == Some(&file.path) {
                f.message = format!(
                    "{} is {} bytes, above the {}-byte scan limit: its lines were checked in \
                     chunks by the line rules (secrets, payloads, custom line rules) only, not \
                     by rules that read a whole file",
                    file.path, file.size, policy.scan.max_file_size
                );
            }
        }
    }
    Ok(())
}

fn check_file(
    reader: &Reader,
    policy: &Run<'_>,
    change: &Change,
    file: &FileChange,
    blob: &str,
    out: &mut Outcome,
) -> Result<()> {
    let old = old_lines(reader, &file.old_blobs)?;
    let mut seen: HashSet<(String, Option<u32>, String)> = HashSet::new();
    let mut mode: Option<Mode> = None;
    let mut offset = 0u64;
    let shell = Change {
        id: change.id.clone(),
        parents: change.parents.clone(),
        author: change.author.clone(),
        committer: change.committer.clone(),
        message: None,
        files: None,
        is_merge: change.is_merge,
    };
    // Once enough findings are listed and one of them rejects the change,
    // the rest of the file is not checked (it is already rejected).
    let full = std::cell::Cell::new(false);
    let mut dropped = 0usize;
    let mut last: Option<crate::diag::Finding> = None;
    let dropped_ref = &mut dropped;
    let last_ref = &mut last;
    let mut run = |sub: FileChange, first_line: u32, out: &mut Outcome| {
        let (dropped, last) = (&mut *dropped_ref, &mut *last_ref);
        let one = Change {
            files: Some(vec![sub]),
            ..shell.clone()
        };
        let got = engine::check(policy, &one);
        out.suppressed += got.suppressed;
        for mut f in got.findings {
            if f.path.as_deref() != Some(&file.path) || !line_rule(&f.rule) {
                continue;
            }
            if let Some(l) = f.line.as_mut() {
                *l += first_line - 1;
            }
            if seen.len() >= MAX_FINDINGS {
                *dropped += 1;
                *last = Some(f);
                continue;
            }
            if seen.insert((f.rule.clone(), f.line, f.message.clone())) {
                if seen.len() >= MAX_FINDINGS
                    && out
                        .findings
                        .iter()
                        .chain([&f])
                        .any(|f| f.severity == crate::diag::Severity::Error)
                {
                    full.set(true);
                }
                out.findings.push(f);
            }
        }
    };
    let template = || {
        let mut f = FileChange::new(file.path.clone(), file.status, file.old_mode, file.new_mode);
        f.old_path = file.old_path.clone();
        f.size = file.size;
        f
    };
    let mut text_chunk = |first_line: u32, text: &[u8], out: &mut Outcome| {
        if full.get() {
            return;
        }
        let mut f = template();
        f.set_text(String::from_utf8_lossy(text).into_owned());
        f.added = (1..=f.line_count())
            .filter(|&n| {
                f.line(n)
                    .is_some_and(|l| old.binary_search(&line_hash(l.as_bytes())).is_err())
            })
            .collect();
        if !f.added.is_empty() {
            run(f, first_line, out);
        }
    };
    let mut sub_out = Outcome::default();
    let mut liner = Liner::default();
    // a binary's printable run may straddle pieces: keep its start
    let mut run_carry: Vec<u8> = Vec::new();
    let mut run_start = 0u64;
    let mut binary_piece = |piece: &[u8], at: u64, out: &mut Outcome, last: bool| {
        let mut buf = std::mem::take(&mut run_carry);
        let base = if buf.is_empty() { at } else { run_start };
        buf.extend_from_slice(piece);
        // keep a trailing printable run (bounded) for the next piece
        let printable = |b: u8| (0x20..0x7f).contains(&b) || b == b'\t';
        let tail = buf.iter().rev().take_while(|&&b| printable(b)).count();
        let keep = if last { 0 } else { tail.min(OVERLAP) };
        let body = &buf[..buf.len() - keep];
        let mut f = template();
        f.content = Content::Binary;
        f.binary_strings = crate::git::diff::printable_runs(body)
            .map(|(i, r)| (base + i as u64, String::from_utf8_lossy(r).into_owned()))
            .collect();
        if !f.binary_strings.is_empty() {
            let one = Change {
                files: Some(vec![f]),
                ..shell.clone()
            };
            let got = engine::check(policy, &one);
            out.suppressed += got.suppressed;
            for f in got.findings {
                if f.path.as_deref() == Some(&file.path) && f.rule == "secret-detected" {
                    out.findings.push(f);
                }
            }
        }
        run_start = base + (buf.len() - keep) as u64;
        run_carry = buf[buf.len() - keep..].to_vec();
    };
    let mut decoded = String::new();
    reader.stream_blob(blob, PIECE, &mut |piece| {
        match mode.get_or_insert_with(|| Mode::of(piece)) {
            Mode::Binary => binary_piece(piece, offset, &mut sub_out, false),
            Mode::Text => liner.push(piece, &mut |n, t| text_chunk(n, t, &mut sub_out)),
            Mode::Utf16(d) => {
                decoded.clear();
                decode_piece(d, piece, false, &mut decoded);
                liner.push(decoded.as_bytes(), &mut |n, t| {
                    text_chunk(n, t, &mut sub_out)
                });
            }
        }
        offset += piece.len() as u64;
    })?;
    match &mut mode {
        Some(Mode::Binary) => binary_piece(&[], offset, &mut sub_out, true),
        Some(Mode::Utf16(d)) => {
            decoded.clear();
            decode_piece(d, &[], true, &mut decoded);
            liner.push(decoded.as_bytes(), &mut |n, t| {
                text_chunk(n, t, &mut sub_out)
            });
            liner.finish(&mut |n, t| text_chunk(n, t, &mut sub_out));
        }
        _ => liner.finish(&mut |n, t| text_chunk(n, t, &mut sub_out)),
    }
    out.findings.append(&mut sub_out.findings);
    out.suppressed += sub_out.suppressed;
    if let Some(mut f) = last.take() {
        f.message = format!(
            "{dropped} more finding(s) in {} are not listed (the first {MAX_FINDINGS} are); \
             the last: {}",
            file.path, f.message
        );
        out.findings.push(f);
    }
    if full.get() {
        if let Some(f) = out.findings.last() {
            let mut f = f.clone();
            f.message = format!(
                "{} has more than {MAX_FINDINGS} findings: the rest of it was not checked \
                 (the change is rejected already)",
                file.path
            );
            f.line = None;
            f.snippet = None;
            out.findings.push(f);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(input: &[&[u8]]) -> Vec<(u32, Vec<u8>)> {
        let mut l = Liner::default();
        let mut out = Vec::new();
        for p in input {
            l.push(p, &mut |n, t| out.push((n, t.to_vec())));
        }
        l.finish(&mut |n, t| out.push((n, t.to_vec())));
        out
    }

    #[test]
    fn utf16_is_decoded_across_pieces_as_a_whole_blob_is() {
        // a surrogate pair and a code unit split across piece boundaries
        let text = "one\nkey = \u{1F511} ghp_X\nthree\n";
        for (bom, le) in [([0xFFu8, 0xFE], true), ([0xFE, 0xFF], false)] {
            let mut bytes = bom.to_vec();
            for u in text.encode_utf16() {
                bytes.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
            }
            let whole = crate::git::diff::decode_utf16(&bytes).expect("utf-16");
            for cut in 1..bytes.len() {
                let mut d = utf16_decoder(&bytes[..cut.max(2)]).expect("a mark");
                let mut out = String::new();
                for piece in [&bytes[..cut], &bytes[cut..]] {
                    decode_piece(&mut d, piece, false, &mut out);
                }
                decode_piece(&mut d, &[], true, &mut out);
                assert_eq!(out, whole, "cut at {cut}");
            }
        }
        // found by the combined_diff fuzz target: unpaired surrogates and an
        // odd byte at the end read the same streamed and whole
        let odd = [0xFE, 0xFF, 0xFF, 0xDA, 0xDA, 0xDA, 0xDA, 0xDA, 0xDA];
        let mut d = utf16_decoder(&odd).expect("a mark");
        let mut out = String::new();
        for piece in odd.chunks(7) {
            decode_piece(&mut d, piece, false, &mut out);
        }
        decode_piece(&mut d, &[], true, &mut out);
        assert_eq!(Some(out), crate::git::diff::decode_utf16(&odd));
        // a mark followed by NULs once decoded is binary, as for a whole blob
        let mut bin = vec![0xFF, 0xFE];
        bin.extend([0u8; 64]);
        assert!(utf16_decoder(&bin).is_none());
        assert!(crate::git::diff::decode_utf16(&bin).is_none());
        assert!(utf16_decoder(b"plain text").is_none());
    }

    #[test]
    fn chunks_are_whole_numbered_lines() {
        let got = chunks(&[b"a\nb", b"c\nd\n", b"e"]);
        assert_eq!(
            got,
            vec![
                (1, b"a\n".to_vec()),
                (2, b"bc\nd\n".to_vec()),
                (4, b"e".to_vec())
            ]
        );
    }

    #[test]
    fn an_overlong_line_is_cut_with_an_overlap_that_keeps_a_token_whole() {
        // a token straddling the cut at MAX_LINE is whole in the next part
        let token = b"ghp_TOKENTOKENTOKEN";
        let mut line = vec![b'x'; MAX_LINE - 5];
        line.extend_from_slice(token);
        line.extend_from_slice(&vec![b'y'; 3 * MAX_LINE]);
        line.push(b'\n');
        let pieces: Vec<&[u8]> = line.chunks(PIECE).collect();
        let parts = chunks(&pieces);
        assert!(parts.len() >= 3, "{}", parts.len());
        assert!(parts.iter().all(|(n, _)| *n == 1), "one line, one number");
        // bounded: a part, or what is left of the line and one piece
        assert!(parts.iter().all(|(_, t)| t.len() <= MAX_LINE + PIECE));
        let whole = |t: &[u8]| t.windows(token.len()).any(|w| w == token);
        assert!(!whole(&parts[0].1));
        assert!(parts.iter().any(|(_, t)| whole(t)));
    }
}
