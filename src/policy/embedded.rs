//! Reading the TOML embedded in the binary (the data tables and presets)
//! quickly.
//!
//! `toml`'s parser keeps every span and comment for editing and error
//! messages, and costs about as much as everything else a commit-msg hook
//! does. The embedded documents are constants written in a small subset of
//! TOML (tables, arrays of tables, bare keys, strings, arrays, booleans,
//! decimal numbers), so [`table`] reads that subset directly and hands
//! anything else to `toml`: a document the subset reader does not
//! understand is parsed exactly as before. A test checks that both readers
//! give the same table for every embedded document.

use serde::de::DeserializeOwned;

/// Parses an embedded document into a table.
pub fn table(text: &str) -> Result<toml::Table, toml::de::Error> {
    match Reader::new(text).document() {
        Some(t) => Ok(t),
        None => toml::from_str(text),
    }
}

/// Parses an embedded document into `T`.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, toml::de::Error> {
    match Reader::new(text).document() {
        Some(t) => T::deserialize(t),
        None => toml::from_str(text),
    }
}

/// The subset reader: `None` for anything outside the subset (or invalid).
struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Reader {
            s: text.as_bytes(),
            text,
            i: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        (self.peek() == Some(b)).then(|| self.i += 1)
    }

    /// Spaces and tabs.
    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// A comment up to (not including) the end of the line.
    fn comment(&mut self) {
        if self.peek() == Some(b'#') {
            while !matches!(self.peek(), None | Some(b'\n')) {
                self.i += 1;
            }
        }
    }

    /// Blanks, comments and newlines.
    fn space(&mut self) {
        loop {
            self.blanks();
            self.comment();
            match self.peek() {
                Some(b'\n') => self.i += 1,
                Some(b'\r') if self.s.get(self.i + 1) == Some(&b'\n') => self.i += 2,
                _ => return,
            }
        }
    }

    /// The end of a line after a value or header.
    fn line_end(&mut self) -> Option<()> {
        self.blanks();
        self.comment();
        match self.peek() {
            None => Some(()),
            Some(b'\n') => {
                self.i += 1;
                Some(())
            }
            Some(b'\r') if self.s.get(self.i + 1) == Some(&b'\n') => {
                self.i += 2;
                Some(())
            }
            _ => None,
        }
    }

    fn bare_key(&mut self) -> Option<String> {
        let start = self.i;
        while matches!(
            self.peek(),
            Some(b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-')
        ) {
            self.i += 1;
        }
        (self.i > start).then(|| self.text[start..self.i].to_string())
    }

    fn document(mut self) -> Option<toml::Table> {
        let mut root = toml::Table::new();
        // The table keys go into (empty: the root).
        let mut current: Vec<String> = Vec::new();
        // Tables defined by a `[header]` (a second definition is an error);
        // a new element of an array of tables starts afresh below it.
        let mut defined: Vec<Vec<String>> = Vec::new();
        loop {
            self.space();
            match self.peek() {
                None => return Some(root),
                Some(b'[') => {
                    self.i += 1;
                    let array = self.eat(b'[').is_some();
                    let mut path = Vec::new();
                    loop {
                        self.blanks();
                        path.push(self.bare_key()?);
                        self.blanks();
                        if self.eat(b'.').is_none() {
                            break;
                        }
                    }
                    self.eat(b']')?;
                    if array {
                        self.eat(b']')?;
                    }
                    self.line_end()?;
                    let (last, parents) = path.split_last()?;
                    let parent = walk(&mut root, parents, true)?;
                    let entry = parent.entry(last.clone()).or_insert_with(|| {
                        if array {
                            toml::Value::Array(Vec::new())
                        } else {
                            toml::Value::Table(toml::Table::new())
                        }
                    });
                    match (entry, array) {
                        (toml::Value::Array(a), true) => {
                            a.push(toml::Value::Table(toml::Table::new()));
                            defined.retain(|d| !d.starts_with(&path));
                        }
                        (toml::Value::Table(_), false) if !defined.contains(&path) => {
                            defined.push(path.clone());
                        }
                        _ => return None,
                    }
                    current = path;
                }
                Some(_) => {
                    let key = self.bare_key()?;
                    self.blanks();
                    self.eat(b'=')?;
                    self.blanks();
                    let value = self.value()?;
                    self.line_end()?;
                    let table = walk(&mut root, &current, false)?;
                    if table.insert(key, value).is_some() {
                        return None;
                    }
                }
            }
        }
    }

    fn value(&mut self) -> Option<toml::Value> {
        match self.peek()? {
            b'\'' => self.literal_string().map(toml::Value::String),
            b'"' => self.basic_string().map(toml::Value::String),
            b'[' => self.array(),
            b't' | b'f' => {
                let word = self.bare_key()?;
                match word.as_str() {
                    "true" => Some(toml::Value::Boolean(true)),
                    "false" => Some(toml::Value::Boolean(false)),
                    _ => None,
                }
            }
            b'0'..=b'9' | b'-' | b'+' => self.number(),
            _ => None,
        }
    }

    /// `123`, `-4`, `3.5`: no underscores, exponents, leading zeros or specials.
    fn number(&mut self) -> Option<toml::Value> {
        let start = self.i;
        if matches!(self.peek(), Some(b'-' | b'+')) {
            self.i += 1;
        }
        let digits = |r: &mut Self| {
            let d = r.i;
            while matches!(r.peek(), Some(b'0'..=b'9')) {
                r.i += 1;
            }
            r.i - d
        };
        let int_start = self.i;
        let n = digits(self);
        if n == 0 || (n > 1 && self.s[int_start] == b'0') {
            return None;
        }
        let float = self.eat(b'.').is_some();
        if float && digits(self) == 0 {
            return None;
        }
        if matches!(
            self.peek(),
            Some(b'e' | b'E' | b'_' | b':' | b'T' | b'-' | b'x' | b'o' | b'b')
        ) {
            return None;
        }
        let text = &self.text[start..self.i];
        if float {
            text.parse().ok().map(toml::Value::Float)
        } else {
            text.parse().ok().map(toml::Value::Integer)
        }
    }

    /// `'…'` or `'''…'''` (a newline right after the opening quotes is dropped).
    fn literal_string(&mut self) -> Option<String> {
        if self.s[self.i..].starts_with(b"'''") {
            self.i += 3;
            if self.eat(b'\n').is_none() && self.s[self.i..].starts_with(b"\r\n") {
                self.i += 2;
            }
            let start = self.i;
            let len = self.text[start..].find("'''")?;
            // Up to two more quotes belong to the content.
            let mut end = start + len;
            self.i = end + 3;
            for _ in 0..2 {
                if self.peek() == Some(b'\'') {
                    self.i += 1;
                    end += 1;
                }
            }
            let body = &self.text[start..end];
            if body.contains('\r') {
                return None;
            }
            return Some(body.to_string());
        }
        self.i += 1;
        let start = self.i;
        loop {
            match self.peek()? {
                b'\'' => break,
                b if b < 0x20 && b != b'\t' => return None,
                _ => self.i += 1,
            }
        }
        let body = &self.text[start..self.i];
        self.i += 1;
        Some(body.to_string())
    }

    /// `"…"` with the TOML escapes; multi-line basic strings are left to `toml`.
    fn basic_string(&mut self) -> Option<String> {
        if self.s[self.i..].starts_with(b"\"\"\"") {
            return None;
        }
        self.i += 1;
        let mut out = String::new();
        let mut start = self.i;
        loop {
            match self.peek()? {
                b'"' => {
                    out.push_str(&self.text[start..self.i]);
                    self.i += 1;
                    return Some(out);
                }
                b'\n' | b'\r' => return None,
                b'\\' => {
                    out.push_str(&self.text[start..self.i]);
                    self.i += 1;
                    let c = match self.peek()? {
                        b'\\' => '\\',
                        b'"' => '"',
                        b'n' => '\n',
                        b't' => '\t',
                        b'r' => '\r',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'u' | b'U' => {
                            let n = if self.peek()? == b'u' { 4 } else { 8 };
                            let hex = self.text.get(self.i + 1..self.i + 1 + n)?;
                            if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                                return None;
                            }
                            self.i += n;
                            char::from_u32(u32::from_str_radix(hex, 16).ok()?)?
                        }
                        _ => return None,
                    };
                    out.push(c);
                    self.i += 1;
                    start = self.i;
                }
                b if b < 0x20 && b != b'\t' => return None,
                _ => self.i += 1,
            }
        }
    }

    /// `[a, b, …]` over lines, with comments and a trailing comma.
    fn array(&mut self) -> Option<toml::Value> {
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.space();
            if self.eat(b']').is_some() {
                return Some(toml::Value::Array(items));
            }
            items.push(self.value()?);
            self.space();
            if self.eat(b',').is_none() {
                self.space();
                self.eat(b']')?;
                return Some(toml::Value::Array(items));
            }
        }
    }
}

/// The table at `path` (the last table of an array of tables on the way),
/// creating missing tables when `create`.
fn walk<'t>(
    mut t: &'t mut toml::Table,
    path: &[String],
    create: bool,
) -> Option<&'t mut toml::Table> {
    for seg in path {
        if create && !t.contains_key(seg) {
            t.insert(seg.clone(), toml::Value::Table(toml::Table::new()));
        }
        t = match t.get_mut(seg)? {
            toml::Value::Table(t) => t,
            toml::Value::Array(a) => a.last_mut()?.as_table_mut()?,
            _ => return None,
        };
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every document embedded in the binary reads the same with the
    /// subset reader as with `toml`, and none falls back.
    #[test]
    fn embedded_documents_read_as_toml_reads_them() {
        let mut docs: Vec<(&str, &str)> = vec![
            ("ai-signatures", crate::ai::BUILTIN),
            ("secrets", crate::rules::secrets::TABLE),
            ("payloads", crate::rules::payloads::TABLE),
            ("workflow-patterns", crate::rules::workflows::PATTERNS),
            ("popular-crates", crate::rules::dependencies::POPULAR_CRATES),
        ];
        let presets = super::super::presets::names();
        docs.extend(presets.filter_map(|n| Some((n, super::super::presets::get(n)?))));
        for (name, text) in docs {
            let fast = Reader::new(text).document();
            let slow: toml::Table = toml::from_str(text).expect("valid TOML");
            assert_eq!(fast.as_ref(), Some(&slow), "{name}");
        }
    }

    #[test]
    fn the_subset_and_what_falls_back() {
        let t = |s: &str| Reader::new(s).document();
        let same = |s: &str| {
            let slow: toml::Table = toml::from_str(s).expect("valid");
            assert_eq!(t(s), Some(slow), "{s:?}");
        };
        same("a = 1\nb = -2\nc = 3.25\nd = true\ne = false\n");
        same("# c\nk = 'x' # c\n[t]\nk = \"a\\\"b\\\\c\\n\\u00e9\"\n");
        same(
            "[[p]]\nid = 'a'\nr = '''\nx'y\n'''\n[[p]]\nid = 'b'\nl = [\n  'a', # c\n  \"b\",\n]\n",
        );
        same("a = []\nb = [ [1, 2], ['x'] ]\n");
        same(
            "[a]\nx = 1\n[[a.b]]\nid = 'p'\n[[a.b]]\nid = 'q'\n[a.c]\ny = 2\n[[r]]\n[r.s]\nz = 3\n",
        );
        same("r = '''a''''\n");
        same("r = '''a'''''\n");
        for fallback in [
            "a = 1_000\n",
            "a = 1e3\n",
            "a = 0x10\n",
            "a = 2027-01-01\n",
            "a.b = 1\n",
            "[a]\n[[a]]\n",
            "\"q\" = 1\n",
            "a = { b = 1 }\n",
            "a = \"\"\"x\"\"\"\n",
            "a = 1\na = 2\n",
            "[t]\n[t]\n",
            "a = 'x\n",
            "a = \"\\q\"\n",
            "a = inf\n",
            "a = 01\n",
        ] {
            assert_eq!(t(fallback), None, "{fallback:?}");
        }
        // A fallback still parses (or fails) as toml does.
        assert_eq!(
            table("a = 1_000\n").expect("toml")["a"].as_integer(),
            Some(1000)
        );
        assert!(table("a = 1\na = 2\n").is_err());
    }
}
