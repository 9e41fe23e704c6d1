//! What every renderer shares: the `Reporter` trait, counts as words,
//! finding fingerprints, and an escaping writer.

use crate::diag::{escape_cow, Finding, Summary};

/// Something that receives findings as they are found, in commit order.
pub trait Reporter {
    /// Shows one finding.
    fn finding(&mut self, f: &Finding) -> std::io::Result<()>;
    /// A commit has been checked (for progress and commit headers).
    fn commit_done(&mut self, _id: &str) -> std::io::Result<()> {
        Ok(())
    }
    /// The run is over: shows the summary and ends the report (a document
    /// format writes its closing part here).
    fn finish(&mut self, summary: &Summary) -> std::io::Result<()>;
    /// The run stopped on `error` (said on stderr, exit status 2) after the
    /// findings shown so far: a document format still ends its document, so
    /// that what a machine reads parses and says the run failed. Nothing by
    /// default (a stream of lines needs no end).
    fn fail(&mut self, _summary: &Summary, _error: &str) -> std::io::Result<()> {
        Ok(())
    }
}

/// A writer that escapes [`is_unsafe_char`]s but line feeds in what passes
/// through it: for reports written piece by piece (`inspect`) whose every
/// line may hold text from the repository. Invalid UTF-8 is replaced.
pub struct Inert<W: std::io::Write>(pub W);

impl<W: std::io::Write> std::io::Write for Inert<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let mut first = true;
        for line in text.split('\n') {
            if !first {
                self.0.write_all(b"\n")?;
            }
            first = false;
            self.0.write_all(escape_cow(line).as_bytes())?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// The path reports use for a finding about a commit message (it has no file
/// in the tree): the file git keeps the message being written in. Formats
/// that need a file for every result (SARIF for GitHub code scanning, GitLab
/// Code Quality) point message and commit findings here.
pub const MESSAGE_PATH: &str = ".git/COMMIT_EDITMSG";

/// The text that identifies what a finding is about, independently of line
/// numbers: the offending text (snippet) when there is one, else the message.
/// `1 commit`, `2 commits`: how every count in the output is worded.
pub fn count(n: usize, word: &str) -> String {
    match (n, word.strip_suffix('y')) {
        (1, _) => format!("1 {word}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {word}s"),
    }
}

/// The text a finding matched (its snippet, else its message).
pub fn matched_text(f: &Finding) -> &str {
    f.snippet.as_deref().unwrap_or(&f.message)
}

/// A content hash of a finding's location and matched text (path and
/// snippet or message), hex. Line numbers are left out on purpose, so that
/// the hash survives edits above the line.
pub fn content_hash(f: &Finding) -> String {
    let mut bytes = Vec::new();
    bytes.extend_from_slice(f.path.as_deref().unwrap_or("").as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(matched_text(f).as_bytes());
    hash_hex(&bytes)
}

/// A stable identity of a finding across runs: rule id, commit and
/// [`content_hash`]. Used by baselines and as the fingerprint in SARIF and
/// GitLab reports.
pub fn fingerprint(f: &Finding) -> String {
    let key = format!(
        "{}\0{}\0{}",
        f.rule,
        f.commit.as_deref().unwrap_or(""),
        content_hash(f)
    );
    hash_hex(key.as_bytes())
}

/// SHA-1 (git's blob hash) of some bytes, hex. The git library already links it, so no
/// extra crypto dependency is needed; this is an identity, not a security
/// boundary.
pub fn hash_hex(bytes: &[u8]) -> String {
    crate::git::blob_hash(bytes).unwrap_or_else(|| format!("{:016x}", fnv(bytes)))
}

/// FNV-1a, the fallback should the git library ever fail to hash.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Counts how often each fingerprint was seen, so that identical findings in
/// one run (the same line twice in a file) get distinct report fingerprints.
#[derive(Debug, Default)]
pub struct Occurrences(std::collections::HashMap<String, usize>);

impl Occurrences {
    /// The finding's fingerprint, suffixed with `:N` from its second occurrence on.
    pub(crate) fn unique(&mut self, f: &Finding) -> String {
        let fp = fingerprint(f);
        let n = self.0.entry(fp.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            fp
        } else {
            format!("{fp}:{n}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::escape;

    #[test]
    fn repository_text_is_made_inert() {
        assert_eq!(
            escape("a\x1b[2Jb\rc\0d\u{202e}e\u{200b}f\u{85}g\x7f\th\n"),
            "a\\x1b[2Jb\\rc\\x00d\\u{202e}e\\u{200b}f\\u{85}g\\x7f\th\\n"
        );
        assert!(matches!(
            escape_cow("plain café\ttext"),
            std::borrow::Cow::Borrowed(_)
        ));
        let mut out = Vec::new();
        std::io::Write::write_all(&mut Inert(&mut out), "l1 \x1b[31m\nl2\r\n".as_bytes()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "l1 \\x1b[31m\nl2\\r\n");
    }
}
