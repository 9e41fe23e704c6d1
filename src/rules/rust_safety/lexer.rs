//! A small streaming lexer for Rust source, just precise enough to tell the
//! keyword `unsafe` from the same letters inside a string, a raw string, a
//! comment, a char literal or a longer identifier, and to hand comments to
//! the caller with their lines.
//!
//! It tracks what spans lines (block comments, which nest, and every kind of
//! string literal) over the whole file, never line by line. It never fails:
//! anything it does not recognise is a one-byte punctuation token, and an
//! unterminated literal or comment runs to the end of the file, as rustc
//! would read it. It allocates nothing per token, so a 10 MB file costs one
//! linear pass.

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An identifier or keyword (`unsafe`, `fn`, `unsafe_code`).
    Ident,
    /// A raw identifier (`r#unsafe`): never a keyword.
    RawIdent,
    /// A lifetime or label (`'a`).
    Lifetime,
    /// A string literal of any kind (`"…"`, `r#"…"#`, `b"…"`, `c"…"`).
    Str,
    /// A char or byte literal (`'x'`, `b'\n'`).
    Char,
    /// A number (`0x1f`, `1.5e3`, `7u8`).
    Number,
    /// `// …`, including doc comments (`///`, `//!`).
    LineComment,
    /// `/* … */`, nested, including doc comments (`/** */`).
    BlockComment,
    /// Any other single byte (`{`, `;`, `#`, …).
    Punct(u8),
}

/// A token: its kind, its text, and the 1-based lines it starts and ends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub(crate) kind: Kind,
    pub(crate) text: &'a str,
    pub(crate) line: u32,
    pub(crate) end_line: u32,
}

impl Token<'_> {
    /// True for a comment of either kind.
    pub(crate) fn is_comment(&self) -> bool {
        matches!(self.kind, Kind::LineComment | Kind::BlockComment)
    }

    /// True for the identifier (or keyword) `word`.
    pub(crate) fn is_ident(&self, word: &str) -> bool {
        self.kind == Kind::Ident && self.text == word
    }

    /// True for the punctuation byte `c`.
    pub(crate) fn is_punct(&self, c: u8) -> bool {
        self.kind == Kind::Punct(c)
    }
}

/// Iterates over the tokens of a Rust source text.
pub(crate) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: u32,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(src: &'a str) -> Self {
        // A shebang line is not Rust.
        let pos = if src.starts_with("#!") && !src.starts_with("#![") {
            src.find('\n').unwrap_or(src.len())
        } else {
            0
        };
        Lexer { src, pos, line: 1 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    fn peek(&self, off: usize) -> u8 {
        self.bytes().get(self.pos + off).copied().unwrap_or(0)
    }

    /// Moves to `end`, counting the newlines passed.
    fn advance_to(&mut self, end: usize) {
        let end = end.min(self.src.len());
        self.line += self.bytes()[self.pos..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u32;
        self.pos = end;
    }

    /// End of a `"…"` literal whose opening quote is at `quote`.
    fn quoted_end(&self, quote: usize) -> usize {
        let b = self.bytes();
        let mut i = quote + 1;
        while i < b.len() {
            match b[i] {
                b'\\' => i += 2,
                b'"' => return i + 1,
                _ => i += 1,
            }
        }
        b.len()
    }

    /// End of a raw string whose `#`s start at `hashes` (after the `r`), or
    /// `None` when this is not a raw string.
    fn raw_end(&self, hashes: usize) -> Option<usize> {
        let b = self.bytes();
        let n = b[hashes..].iter().take_while(|&&c| c == b'#').count();
        if b.get(hashes + n) != Some(&b'"') {
            return None;
        }
        let body = hashes + n + 1;
        let mut i = body;
        while i < b.len() {
            if b[i] == b'"' && b[i + 1..].iter().take(n).filter(|&&c| c == b'#').count() == n {
                return Some(i + 1 + n);
            }
            i += 1;
        }
        Some(b.len())
    }

    /// End of a char literal opening at `quote`, or `None` for a lifetime.
    fn char_end(&self, quote: usize) -> Option<usize> {
        let b = self.bytes();
        match b.get(quote + 1) {
            None | Some(b'\n') => None,
            Some(b'\\') => {
                // An escape: find the closing quote within a short distance.
                let limit = (quote + 16).min(b.len());
                (quote + 3..limit).find(|&i| b[i] == b'\'').map(|i| i + 1)
            }
            Some(_) => {
                let c = self.src[quote + 1..].chars().next()?;
                let after = quote + 1 + c.len_utf8();
                (b.get(after) == Some(&b'\'')).then_some(after + 1)
            }
        }
    }

    fn ident_end(&self, start: usize) -> usize {
        let b = self.bytes();
        let mut i = start;
        while i < b.len() && is_ident_byte(b[i]) {
            i += 1;
        }
        i
    }

    fn block_comment_end(&self, start: usize) -> usize {
        let b = self.bytes();
        let (mut depth, mut i) = (0usize, start);
        while i + 1 < b.len() {
            match (b[i], b[i + 1]) {
                (b'/', b'*') => {
                    depth += 1;
                    i += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        return i;
                    }
                }
                _ => i += 1,
            }
        }
        b.len()
    }

    fn number_end(&self, start: usize) -> usize {
        let b = self.bytes();
        let mut i = start;
        while i < b.len() {
            let c = b[i];
            let part = c.is_ascii_alphanumeric()
                || c == b'_'
                || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
                || ((c == b'+' || c == b'-')
                    && matches!(b[i - 1], b'e' | b'E')
                    && !is_hex(b, start));
            if !part {
                break;
            }
            i += 1;
        }
        i
    }

    /// The token starting at the current position (after whitespace).
    fn lex_one(&mut self) -> Option<(Kind, usize)> {
        let b = self.bytes();
        let start = self.pos;
        let c = *b.get(start)?;
        let next = self.peek(1);
        let kind_end = match c {
            b'/' if next == b'/' => (
                Kind::LineComment,
                b[start..]
                    .iter()
                    .position(|&x| x == b'\n')
                    .map_or(b.len(), |p| start + p),
            ),
            b'/' if next == b'*' => (Kind::BlockComment, self.block_comment_end(start)),
            b'"' => (Kind::Str, self.quoted_end(start)),
            b'\'' => match self.char_end(start) {
                Some(end) => (Kind::Char, end),
                None => (Kind::Lifetime, self.ident_end(start + 1).max(start + 1)),
            },
            b'r' if next == b'#' && is_ident_start(self.peek(2)) => {
                (Kind::RawIdent, self.ident_end(start + 2))
            }
            b'r' if next == b'"' || next == b'#' => match self.raw_end(start + 1) {
                Some(end) => (Kind::Str, end),
                None => (Kind::Ident, self.ident_end(start)),
            },
            b'b' | b'c' if next == b'"' => (Kind::Str, self.quoted_end(start + 1)),
            b'b' | b'c' if next == b'r' && matches!(self.peek(2), b'"' | b'#') => {
                match self.raw_end(start + 2) {
                    Some(end) => (Kind::Str, end),
                    None => (Kind::Ident, self.ident_end(start)),
                }
            }
            b'b' if next == b'\'' => match self.char_end(start + 1) {
                Some(end) => (Kind::Char, end),
                None => (Kind::Ident, self.ident_end(start)),
            },
            c if c.is_ascii_digit() => (Kind::Number, self.number_end(start)),
            c if is_ident_start(c) => (Kind::Ident, self.ident_end(start)),
            c => (Kind::Punct(c), start + 1),
        };
        Some(kind_end)
    }
}

impl<'a> Iterator for Lexer<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let b = self.bytes();
        while self.pos < b.len() && b[self.pos].is_ascii_whitespace() {
            if b[self.pos] == b'\n' {
                self.line += 1;
            }
            self.pos += 1;
        }
        let start = self.pos;
        let line = self.line;
        let (kind, end) = self.lex_one()?;
        // Never stop inside a UTF-8 sequence: `text` must be a valid slice.
        let mut end = end.clamp(start + 1, b.len());
        while !self.src.is_char_boundary(end) {
            end += 1;
        }
        self.advance_to(end);
        Some(Token {
            kind,
            text: &self.src[start..end],
            line,
            end_line: self.line,
        })
    }
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn is_hex(b: &[u8], start: usize) -> bool {
    b.get(start) == Some(&b'0') && matches!(b.get(start + 1), Some(b'x' | b'X'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents(src: &str) -> Vec<(&str, u32)> {
        Lexer::new(src)
            .filter(|t| t.kind == Kind::Ident)
            .map(|t| (t.text, t.line))
            .collect()
    }

    #[test]
    fn unsafe_in_literals_and_comments_is_not_a_keyword() {
        let src = r####"
let a = "unsafe { }";
let b = r#"unsafe "quoted" { }"#;
let c = br##"unsafe"##;
// unsafe in a comment
/* unsafe /* nested unsafe */ still comment unsafe */
let d = 'u'; let e = b'\''; let f = '\u{75}';
let is_unsafe = unsafe_code;
let g = r#unsafe;
"####;
        let ids: Vec<&str> = idents(src).into_iter().map(|(t, _)| t).collect();
        assert!(!ids.contains(&"unsafe"), "{ids:?}");
        assert!(ids.contains(&"is_unsafe") && ids.contains(&"unsafe_code"));
    }

    #[test]
    fn multi_line_literals_keep_line_numbers() {
        let src =
            "let s = \"a\nunsafe\nb\";\n/*\nunsafe\n*/\nlet r = r#\"\nunsafe\n\"#;\nunsafe {}\n";
        assert_eq!(
            idents(src),
            vec![("let", 1), ("s", 1), ("let", 7), ("r", 7), ("unsafe", 10)]
        );
    }

    #[test]
    fn lifetimes_are_not_chars() {
        let toks: Vec<Kind> = Lexer::new("fn f<'a>(x: &'a str) -> char { 'x' }")
            .map(|t| t.kind)
            .collect();
        assert_eq!(toks.iter().filter(|k| **k == Kind::Lifetime).count(), 2);
        assert_eq!(toks.iter().filter(|k| **k == Kind::Char).count(), 1);
    }

    #[test]
    fn unterminated_and_odd_input_does_not_panic() {
        for src in [
            "\"unterminated",
            "r#\"never closed",
            "/* never closed",
            "'",
            "b'",
            "'\\",
            "r#",
            "é'é",
            "0x1e+5 1e+5 1..2",
            "#!/usr/bin/env run\nunsafe {}",
        ] {
            let _ = Lexer::new(src).count();
        }
        assert_eq!(idents("#!/usr/bin/env x\nunsafe"), vec![("unsafe", 2)]);
    }
}

/// The lexer against rustc's own (`rustc-ap-rustc_lexer`, the compiler's
/// lexer as published, a 2021 snapshot), over real Rust files: this crate's
/// sources and the crates cargo unpacked for it. What the unsafe rules rely
/// on must agree exactly: where every `unsafe` keyword and every comment
/// starts.
#[cfg(test)]
mod differential {
    use std::path::{Path, PathBuf};

    /// (byte offset, what) of every `unsafe` keyword (`U`) and comment (`C`).
    type Marks = Vec<(usize, char)>;

    fn ours(src: &str) -> Marks {
        super::Lexer::new(src)
            .filter_map(|t| {
                let at = t.text.as_ptr() as usize - src.as_ptr() as usize;
                if t.is_ident("unsafe") {
                    Some((at, 'U'))
                } else if t.is_comment() {
                    Some((at, 'C'))
                } else {
                    None
                }
            })
            .collect()
    }

    fn rustc(src: &str) -> Marks {
        use rustc_ap_rustc_lexer::TokenKind;
        let mut at = 0;
        let mut out = Vec::new();
        for t in rustc_ap_rustc_lexer::tokenize(src) {
            match t.kind {
                TokenKind::Ident if &src[at..at + t.len] == "unsafe" => out.push((at, 'U')),
                TokenKind::LineComment { .. } | TokenKind::BlockComment { .. } => {
                    out.push((at, 'C'))
                }
                _ => {}
            }
            at += t.len;
        }
        out
    }

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    #[test]
    fn agrees_with_rustcs_lexer_on_unsafe_keywords_and_comments() {
        let mut files = Vec::new();
        rust_files(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
        if let Some(reg) = home.map(|h| h.join("registry/src")) {
            rust_files(&reg, &mut files);
        }
        // Constructs real files seldom hold, written out so the two lexers
        // meet each of them.
        let edges = r####"
/* outer /* nested unsafe */ still comment unsafe */ unsafe fn a() {}
let s = r#"unsafe "quoted" unsafe"#; unsafe { s }
let t = r##"a "# unsafe"##; let u = b"unsafe\"unsafe"; let v = br#"unsafe"#;
let c = 'u'; let l: &'a str = x; 'outer: loop { break 'outer; } let q = '\'';
let e = b'\\'; let r#unsafe = 1; /** doc unsafe */ /*! inner unsafe */
// unsafe in a line comment
/// unsafe in a doc comment
let n = 1.0e3f64; let h = 0x_1f; unsafe impl Send for X {}
"\u{1F600} unsafe"; unsafe extern "C" { fn f(); } /* unterminated unsafe
"####;
        assert_eq!(ours(edges), rustc(edges), "the edge cases");
        let (mut checked, mut bytes, mut unsafes, mut skipped) = (0, 0, 0, 0);
        // Every file up to a budget (the debug build lexes a few MB/s).
        for f in files {
            if bytes > 12 << 20 {
                break;
            }
            let Ok(src) = std::fs::read_to_string(&f) else {
                continue;
            };
            // What the 2021 snapshot cannot read: C string literals
            // (`c"…"`, Rust 1.77) and a shebang line.
            let c_string = super::Lexer::new(&src)
                .any(|t| t.kind == super::Kind::Str && t.text.starts_with('c'));
            if c_string || (src.starts_with("#!") && !src.starts_with("#![")) {
                skipped += 1;
                continue;
            }
            let (a, b) = (ours(&src), rustc(&src));
            if a != b {
                let at = a
                    .iter()
                    .zip(&b)
                    .find(|(x, y)| x != y)
                    .map_or(a.len().min(b.len()), |(x, _)| x.0);
                let line = src[..at.min(src.len())].lines().count();
                panic!(
                    "{}: the lexers disagree near line {line}: ours {:?}, rustc {:?}",
                    f.display(),
                    a.iter().find(|x| !b.contains(x)),
                    b.iter().find(|x| !a.contains(x))
                );
            }
            checked += 1;
            bytes += src.len();
            unsafes += a.iter().filter(|x| x.1 == 'U').count();
        }
        eprintln!(
            "lexers agree on {checked} files ({} KiB, {unsafes} `unsafe`); {skipped} skipped",
            bytes / 1024
        );
        assert!(
            checked >= 100 && unsafes >= 100,
            "{checked} files, {unsafes} unsafe"
        );
    }
}
