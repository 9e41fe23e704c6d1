//! Unjustified `unsafe` in Rust: every added `unsafe` block, `unsafe impl`
//! and `unsafe extern` block carries a `// SAFETY:` comment (above it, at
//! the end of its line, or as the first thing inside the block), every added
//! `unsafe fn` and `unsafe trait` a `# Safety` section in its docs (or a
//! `SAFETY:` comment), and the crate's `unsafe_code` lint is not quietly
//! lifted.
//!
//! ```toml
//! [unsafe_code]
//! ignore = ["vendor/**"]          # files not checked
//! markers = ["SAFETY:"]           # comment prefixes that justify (case-insensitive)
//! ```
//!
//! The file's whole new text is lexed (see [`lexer`]), not just the added
//! lines, so a comment above an added line counts, and `unsafe` inside a
//! multi-line string or comment never does. Only files whose added lines
//! contain the letters `unsafe` are lexed at all.
//!
//! Sites, not lines: an unjustified site on an added line is reported only
//! if the change *adds* it. The sites the change removed (from the old text
//! of the Rust files it took `unsafe` lines from, and of the Rust files it
//! deleted) are compared by [`site_key`], their tokens without layout or
//! comments; a site removed and added again (a move between files, a
//! rename with edits, a rustfmt reflow) is carried over, not added; so is
//! a declaration whose signature was edited (see [`Decl`]). An
//! `unsafe fn` in `impl Trait for T` is left to the trait's declaration
//! unless `trait_impls = true` (see docs/moves.md).

use crate::rules::family::{CheckContext, CompileContext, Family};
use globset::GlobSet;
use serde::Deserialize;

use crate::config::{compile_globs, KeyPath, Problems};
use crate::diag::RuleInfo;
use crate::diag::Severity;
use crate::model::Needs;
use crate::model::{Change, Content, FileChange};
use crate::rules::sink::Sink;

pub(crate) mod lexer;

use lexer::{Kind, Lexer, Token};

/// The rules of this family.
pub(crate) const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "unsafe-undocumented",
        family: "unsafe_code",
        default: Severity::Error,
        summary: "an added `unsafe` block, `unsafe impl` or `unsafe extern` block has no `// SAFETY:` comment",
        hint: "write a `// SAFETY:` comment right above it (or at the end of its line) that says why the invariants hold",
    },
    RuleInfo {
        id: "unsafe-fn-undocumented",
        family: "unsafe_code",
        default: Severity::Error,
        summary: "an added `unsafe fn` or `unsafe trait` has no `# Safety` section in its doc comment",
        hint: "add a `/// # Safety` section that states what callers (or implementors) must guarantee",
    },
    RuleInfo {
        id: "unsafe-lint-removed",
        family: "unsafe_code",
        default: Severity::Error,
        summary: "`#![forbid(unsafe_code)]`/`#![deny(unsafe_code)]` (or `unsafe_code = \"forbid\"` in Cargo.toml `[lints]`) was removed or weakened",
        hint: "keep the lint; if unsafe code is really needed, allow it locally on the item with a justification and a maintainer's review",
    },
];

const UNDOCUMENTED: &RuleInfo = crate::diag::rule(RULES, "unsafe-undocumented");
const FN_UNDOCUMENTED: &RuleInfo = crate::diag::rule(RULES, "unsafe-fn-undocumented");
const LINT_REMOVED: &RuleInfo = crate::diag::rule(RULES, "unsafe-lint-removed");

/// `[unsafe_code]` as written.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawUnsafeCode {
    /// Globs of `.rs` files not checked (vendored or generated code).
    pub(crate) ignore: Option<Vec<String>>,
    /// Comment prefixes that justify an `unsafe` (default `["SAFETY:"]`),
    /// matched case-insensitively at the start of a comment line.
    pub(crate) markers: Option<Vec<String>>,
    /// Also require a `# Safety` section on an `unsafe fn` inside
    /// `impl Trait for T` (default false: the trait's declaration holds the
    /// contract, as clippy's `missing_safety_doc` judges).
    pub(crate) trait_impls: Option<bool>,
}

/// Compiled `[unsafe_code]`.
#[derive(Debug)]
pub(crate) struct Compiled {
    ignore: Option<GlobSet>,
    /// Lowercased markers.
    markers: Vec<String>,
    trait_impls: bool,
}

impl Compiled {
    /// Rust files whose removed lines hold `unsafe` (or `extern`, for
    /// blocks that gain the keyword) keep their old text: the sites of both
    /// sides are compared (see [`carried_over`]).
    pub(crate) fn old_text_when(&self) -> (&'static str, &'static [&'static str]) {
        (".rs", &["unsafe", "extern"])
    }

    /// Manifests whose old text the lint check compares.
    pub(crate) fn old_text_paths(&self) -> &'static [&'static str] {
        &["Cargo.toml"]
    }
}

/// Validates `[unsafe_code]`.
pub(crate) fn compile(raw: RawUnsafeCode, path: &KeyPath, problems: &mut Problems) -> Compiled {
    let ignore = raw
        .ignore
        .filter(|g| !g.is_empty())
        .and_then(|g| compile_globs(&g, &path.key("ignore"), problems));
    let markers = match raw.markers {
        Some(m) => {
            if m.is_empty() || m.iter().any(|s| s.trim().is_empty()) {
                problems.error(
                    path.key("markers"),
                    "`markers` needs at least one non-empty comment prefix, e.g. \"SAFETY:\"",
                );
            }
            m.iter().map(|s| s.trim().to_lowercase()).collect()
        }
        None => vec!["safety:".to_string()],
    };
    Compiled {
        ignore,
        markers,
        trait_impls: raw.trait_impls.unwrap_or(false),
    }
}

/// What an `unsafe` keyword introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnsafeKind {
    Block,
    Impl,
    ExternBlock,
    Fn,
    Trait,
}

impl UnsafeKind {
    fn describe(self) -> &'static str {
        match self {
            UnsafeKind::Block => "`unsafe` block",
            UnsafeKind::Impl => "`unsafe impl`",
            UnsafeKind::ExternBlock => "`unsafe extern` block",
            UnsafeKind::Fn => "`unsafe fn`",
            UnsafeKind::Trait => "`unsafe trait`",
        }
    }
}

/// One `unsafe` keyword on a line of interest, and whether it is justified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnsafeSite {
    pub(crate) line: u32,
    pub(crate) kind: UnsafeKind,
    /// A marker comment above it (within its statement) or on its line.
    pub(crate) commented: bool,
    /// A `# Safety` heading in the doc comment above it.
    pub(crate) documented: bool,
    /// Inside the braces of an `impl Trait for T` block.
    pub(crate) in_trait_impl: bool,
    /// Index of its `unsafe` keyword among the file's tokens (see [`site_key`]).
    pub(crate) token: usize,
}

impl UnsafeSite {
    /// A marker comment, or a `# Safety` doc section: on an `unsafe fn` or
    /// `unsafe trait` where it belongs, and on an `unsafe impl` too, where
    /// rustdoc shows it and where projects that document their impls put
    /// their justification.
    fn justified(&self) -> bool {
        self.documented || self.commented
    }
}

/// Keywords of a statement head that declares an item: a marker comment
/// above an item justifies the item, not the code in its body.
const ITEMS: &[&str] = &[
    "fn",
    "impl",
    "trait",
    "mod",
    "struct",
    "enum",
    "union",
    "macro_rules",
    "extern",
];

/// How far back (in tokens) a justification is looked for.
const LOOK_BACK: usize = 256;

/// Where the classification of an `unsafe` keyword stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    AfterFn,
    AfterExtern,
    AfterAbi,
    AfterAuto,
    /// Just inside the `{` of a block: a marker comment here justifies it.
    BlockHead,
    Done(Option<UnsafeKind>),
}

fn step(state: State, t: &Token) -> State {
    use UnsafeKind::*;
    match state {
        State::Start if t.is_punct(b'{') => State::BlockHead,
        State::BlockHead => State::Done(Some(Block)),
        State::Start if t.is_ident("impl") => State::Done(Some(Impl)),
        State::Start if t.is_ident("trait") => State::Done(Some(Trait)),
        State::Start if t.is_ident("auto") => State::AfterAuto,
        State::Start if t.is_ident("fn") => State::AfterFn,
        State::Start if t.is_ident("extern") => State::AfterExtern,
        State::AfterAuto if t.is_ident("trait") => State::Done(Some(Trait)),
        // `unsafe fn name` is a function; `unsafe fn(…)` a pointer type.
        State::AfterFn if matches!(t.kind, Kind::Ident | Kind::RawIdent) => State::Done(Some(Fn)),
        State::AfterExtern if t.kind == Kind::Str => State::AfterAbi,
        State::AfterExtern | State::AfterAbi if t.is_punct(b'{') => State::Done(Some(ExternBlock)),
        State::AfterExtern | State::AfterAbi if t.is_ident("fn") => State::AfterFn,
        // `#[unsafe(no_mangle)]`, `unsafe<'a>` binders, macro fragments…
        State::Done(k) => State::Done(k),
        _ => State::Done(None),
    }
}

#[derive(Debug)]
struct Pending {
    line: u32,
    state: State,
    commented: bool,
    documented: bool,
    in_trait_impl: bool,
    token: usize,
}

impl Pending {
    fn site(&self, kind: UnsafeKind) -> UnsafeSite {
        UnsafeSite {
            line: self.line,
            kind,
            commented: self.commented,
            documented: self.documented,
            in_trait_impl: self.in_trait_impl,
            token: self.token,
        }
    }
}

/// True when the tokens of a statement head (since the last `;`, `{` or
/// `}`) open an `impl Trait for T` block: `impl`, not after `fn` (an
/// `impl Trait` argument), followed by `for`.
fn opens_trait_impl<'a>(head: impl Iterator<Item = &'a Token<'a>>) -> bool {
    let (mut seen_fn, mut seen_impl) = (false, false);
    for t in head {
        if t.is_ident("fn") && !seen_impl {
            seen_fn = true;
        } else if t.is_ident("impl") && !seen_fn {
            seen_impl = true;
        } else if t.is_ident("for") && seen_impl {
            return true;
        }
    }
    false
}

/// True when a comment has a line starting with one of `markers`, or a
/// `# Safety` heading (the doc section's heading written in a plain
/// comment, `// # Safety`).
fn has_marker(comment: &str, markers: &[String]) -> bool {
    // every comment of a lexed file is asked: no allocation per line
    comment_lines(comment)
        .any(|l| markers.iter().any(|m| starts_with_ignore_case(l, m)) || is_safety_heading(l))
}

/// True when `line` starts with `lower` (lowercased) in any case.
fn starts_with_ignore_case(line: &str, lower: &str) -> bool {
    if lower.is_ascii() {
        line.as_bytes()
            .get(..lower.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(lower.as_bytes()))
    } else {
        line.to_lowercase().starts_with(lower)
    }
}

/// `# Safety`, `## Safety` (any case).
fn is_safety_heading(line: &str) -> bool {
    line.starts_with('#')
        && line
            .trim_start_matches('#')
            .trim()
            .eq_ignore_ascii_case("safety")
}

/// The text lines of a comment, without `//`, `/*`, `*/`, leading `*` and blanks.
fn comment_lines(comment: &str) -> impl Iterator<Item = &str> {
    comment.lines().map(|l| {
        l.trim()
            .trim_start_matches('/')
            .trim_start_matches(['*', '!'])
            .trim_end_matches("*/")
            .trim()
    })
}

/// True for a doc comment (`///`, `/** */`) with a `# Safety` heading.
fn has_safety_doc(t: &Token) -> bool {
    let is_doc = match t.kind {
        Kind::LineComment => t.text.starts_with("///") && !t.text.starts_with("////"),
        Kind::BlockComment => t.text.starts_with("/**") && !t.text.starts_with("/***"),
        _ => false,
    };
    is_doc && comment_lines(t.text).any(is_safety_heading)
}

/// Finds the `unsafe` keywords on the lines `wanted` selects and judges
/// each. One linear pass over `text`: the look-back is bounded, a keyword
/// is classified within a few tokens, and keywords waiting for the end of
/// their line (for a trailing comment) cost nothing per token.
pub(crate) fn unsafe_sites(
    text: &str,
    wanted: impl Fn(u32) -> bool,
    markers: &[String],
) -> Vec<UnsafeSite> {
    sites_in(Lexer::new(text), wanted, markers)
}

/// [`unsafe_sites`] over tokens already lexed.
fn sites_in<'a>(
    tokens: impl Iterator<Item = Token<'a>>,
    wanted: impl Fn(u32) -> bool,
    markers: &[String],
) -> Vec<UnsafeSite> {
    let mut out = Vec::new();
    // Tokens since the last statement boundary (`;`, `{`, `}`), at most LOOK_BACK.
    let mut recent: std::collections::VecDeque<Token> = Default::default();
    let mut boundary_line = 0;
    // Keywords still being classified (a few tokens each).
    let mut classifying: Vec<Pending> = Vec::new();
    // Classified keywords of the current line, and how many of them a
    // marker comment later on that line covers.
    let mut awaiting: Vec<UnsafeSite> = Vec::new();
    let mut covered = 0;
    // For each open `{`: whether it opened an `impl Trait for T` block.
    let mut braces: Vec<bool> = Vec::new();
    // A marker comment leads the current statement head (`recent`), and the
    // head declares an item (`fn`, `impl`, `mod`…).
    let (mut head_marker, mut head_item) = (false, false);
    // The statement being read is the first one inside a `{` that a marked
    // statement head opened (see [`ITEMS`]).
    let mut inherited = false;
    for (index, t) in tokens.enumerate() {
        if awaiting.first().is_some_and(|s| t.line > s.line) {
            for (i, mut s) in awaiting.drain(..).enumerate() {
                s.commented |= i < covered;
                out.push(s);
            }
            covered = 0;
        }
        if t.is_comment() {
            if (!classifying.is_empty() || !awaiting.is_empty()) && has_marker(t.text, markers) {
                for p in classifying
                    .iter_mut()
                    .filter(|p| p.line == t.line || p.state == State::BlockHead)
                {
                    p.commented = true;
                }
                if awaiting.first().is_some_and(|s| s.line == t.line) {
                    covered = awaiting.len();
                }
            }
        } else if !classifying.is_empty() {
            for p in &mut classifying {
                p.state = step(p.state, &t);
            }
            classifying.retain(|p| {
                let State::Done(kind) = p.state else {
                    return true;
                };
                if let Some(kind) = kind {
                    let site = p.site(kind);
                    if t.line > p.line {
                        out.push(site);
                    } else {
                        awaiting.push(site);
                    }
                }
                false
            });
        }
        if t.is_ident("unsafe") && wanted(t.line) {
            classifying.push(Pending {
                line: t.line,
                state: State::Start,
                commented: head_marker || inherited,
                documented: recent.iter().any(has_safety_doc),
                in_trait_impl: braces.last() == Some(&true),
                token: index,
            });
        }
        if t.is_punct(b'{') {
            braces.push(opens_trait_impl(recent.iter()));
        } else if t.is_punct(b'}') {
            braces.pop();
        }
        if t.is_punct(b';') || t.is_punct(b'{') || t.is_punct(b'}') {
            // `// SAFETY: …` above `Foo { field: unsafe { … } }`, or above
            // `x.with(|p| { let v = unsafe { &*p }; … })`: the comment
            // covers the first statement (or the fields) of the braces its
            // statement opens, not the body of an item it declares.
            inherited = t.is_punct(b'{') && (head_marker || inherited) && !head_item;
            recent.clear();
            (head_marker, head_item) = (false, false);
            boundary_line = t.line;
        } else if t.is_comment() && t.line == boundary_line {
            // A trailing comment of the statement before: not this one's.
        } else {
            if recent.len() == LOOK_BACK {
                recent.pop_front();
            }
            head_marker |= t.is_comment() && has_marker(t.text, markers);
            head_item |= t.kind == Kind::Ident && ITEMS.contains(&t.text);
            recent.push_back(t);
        }
    }
    for (i, mut s) in awaiting.drain(..).enumerate() {
        s.commented |= i < covered;
        out.push(s);
    }
    for p in classifying {
        if let State::Done(Some(kind)) = p.state {
            out.push(p.site(kind));
        }
    }
    out.sort_by_key(|s| s.line);
    out
}

/// True when `text` holds an inner attribute `#![forbid(…unsafe_code…)]` or
/// `#![deny(…)]` (also inside `cfg_attr`), outside comments and strings.
pub(crate) fn forbids_unsafe(text: &str) -> bool {
    let mut toks = Lexer::new(text).filter(|t| !t.is_comment());
    let mut prev: [Option<Token>; 2] = [None, None];
    while let Some(t) = toks.next() {
        let opens = t.is_punct(b'[')
            && prev[1].is_some_and(|p| p.is_punct(b'!'))
            && prev[0].is_some_and(|p| p.is_punct(b'#'));
        prev = [prev[1], Some(t)];
        if !opens {
            continue;
        }
        let (mut depth, mut level, mut lint) = (1u32, false, false);
        for a in toks.by_ref() {
            match a.kind {
                Kind::Punct(b'[') => depth += 1,
                Kind::Punct(b']') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Kind::Ident => {
                    level |= a.text == "forbid" || a.text == "deny";
                    lint |= a.text == "unsafe_code";
                }
                _ => {}
            }
        }
        if level && lint {
            return true;
        }
        prev = [None, None];
    }
    false
}

/// Cuts a line for display (a minified file may have megabyte lines).
fn snippet(line: &str) -> String {
    let line = line.trim();
    match line.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

fn is_rust(path: &str) -> bool {
    path.ends_with(".rs")
}

/// Runs the family over one change.
pub(crate) fn check(cfg: &Compiled, change: &Change, sink: &mut Sink) {
    let on = |sink: &Sink, r| sink.enabled(r);
    let check_sites = on(sink, UNDOCUMENTED) || on(sink, FN_UNDOCUMENTED);
    let check_lint = on(sink, LINT_REMOVED);
    // The change's removed sites, computed for the first file that needs them.
    let mut removed = None;
    for file in change.files() {
        if file.content != Content::Text
            || cfg.ignore.as_ref().is_some_and(|g| g.is_match(&file.path))
        {
            continue;
        }
        if is_rust(&file.path) {
            if check_sites && file.added_lines().any(|(_, l)| l.contains("unsafe")) {
                check_file(cfg, change, file, &mut removed, sink);
            }
            if check_lint {
                check_attribute_removed(change, file, sink);
            }
        } else if check_lint && file.path.rsplit('/').next() == Some("Cargo.toml") {
            check_manifest_lints(file, sink);
        }
    }
}

/// Tokens of the site itself (its block, or its signature) hashed at most.
const KEY_AFTER: usize = 256;

/// A site's token context: the site itself from its `unsafe` (a block up
/// to its closing brace, an `fn`/`impl`/`trait` up to its body), comments
/// left out, and a trailing comma before a closing bracket too (rustfmt adds
/// one when it breaks a list over lines), and a `;` before a closing brace. Two sites with the same key are
/// the same code however it is laid out, so a reflow, a re-indentation or a
/// move between files keeps the key. What stands before the keyword
/// (`let x =`, `pub`) is not part of it: renaming the variable a block
/// is assigned to does not add the block.
pub(crate) fn site_key(tokens: &[Token], site: &UnsafeSite) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (site.kind as u8).hash(&mut h);
    let code = |t: &&Token| !t.is_comment();
    let whole_body = matches!(site.kind, UnsafeKind::Block | UnsafeKind::ExternBlock);
    let mut depth = 0i32;
    // From the token after `unsafe`: an `extern` block keeps its key when
    // it gains the keyword (Rust 2024 requires `unsafe extern`).
    let from = match tokens.get(site.token) {
        Some(t) if t.is_ident("unsafe") => site.token + 1,
        _ => site.token,
    };
    let mut after = tokens
        .get(from..)
        .unwrap_or_default()
        .iter()
        .filter(code)
        .take(KEY_AFTER)
        .peekable();
    while let Some(t) = after.next() {
        let closes = |n: &&Token| matches!(n.kind, Kind::Punct(b')' | b']' | b'}'));
        if t.is_punct(b',') && after.peek().is_some_and(closes) {
            continue;
        }
        // and `f()` / `f();` as a block's last statement (clippy's
        // `semicolon_if_nothing_returned`, applied with a reflow)
        if t.is_punct(b';') && depth > 0 && after.peek().is_some_and(|n| n.is_punct(b'}')) {
            continue;
        }
        t.text.hash(&mut h);
        match t.kind {
            Kind::Punct(b'{') if !whole_body && depth == 0 => break,
            Kind::Punct(b';') if depth == 0 => break,
            Kind::Punct(b'{' | b'(' | b'[') => depth += 1,
            Kind::Punct(b'}' | b')' | b']') => {
                depth -= 1;
                if depth <= 0 {
                    break;
                }
            }
            _ => {}
        }
    }
    h.finish()
}

/// `extern "ABI" { … }` blocks without the `unsafe` keyword on `wanted`
/// lines, as unjustified `unsafe extern` sites: what an edition 2024
/// migration turns into `unsafe extern` blocks.
fn plain_extern_blocks(tokens: &[Token], wanted: impl Fn(u32) -> bool) -> Vec<UnsafeSite> {
    let code: Vec<usize> = (0..tokens.len())
        .filter(|&i| !tokens[i].is_comment())
        .collect();
    let mut out = Vec::new();
    for (k, &i) in code.iter().enumerate() {
        let t = &tokens[i];
        if !t.is_ident("extern") || !wanted(t.line) {
            continue;
        }
        if k > 0 && tokens[code[k - 1]].is_ident("unsafe") {
            continue;
        }
        let mut next = code[k + 1..].iter().map(|&j| &tokens[j]);
        let opens = match next.next() {
            Some(n) if n.kind == Kind::Str => next.next().is_some_and(|n| n.is_punct(b'{')),
            Some(n) => n.is_punct(b'{'),
            None => false,
        };
        if opens {
            out.push(UnsafeSite {
                line: t.line,
                kind: UnsafeKind::ExternBlock,
                commented: false,
                documented: false,
                in_trait_impl: false,
                token: i,
            });
        }
    }
    out
}

/// What the wrap test ([`Wraps::only_wraps_existing_code`]) needs of one
/// file, built once in a linear pass, so that each site costs O(1) however
/// many sites or how deep the nesting a push brings.
struct Wraps {
    /// For each token: the innermost function around it is an `unsafe fn`.
    unsafe_fn: Vec<bool>,
    /// For each `{` token: the index of its matching `}`.
    close: std::collections::HashMap<usize, usize>,
    /// `new_before[n]`: how many of lines `1..n` are new code (added, not
    /// moved, not blank, not a line this file lost with other indentation).
    new_before: Vec<u32>,
    /// The removed lines without white space and a final `;`.
    removed: std::collections::HashSet<String>,
}

/// A line without white space and a statement's final `;` (`f();` becomes
/// `unsafe { f() }`).
fn squeeze(l: &str) -> String {
    let mut n = l.split_whitespace().collect::<String>();
    if n.ends_with(';') {
        n.pop();
    }
    n
}

impl Wraps {
    fn new(tokens: &[Token], file: &FileChange) -> Wraps {
        let mut close = std::collections::HashMap::new();
        let mut open: Vec<usize> = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            if t.is_punct(b'{') {
                open.push(i);
            } else if t.is_punct(b'}') {
                if let Some(o) = open.pop() {
                    close.insert(o, i);
                }
            }
        }
        let trimmed: std::collections::HashSet<&str> =
            file.removed.iter().map(|(_, l)| l.trim()).collect();
        let lines = file.text.lines().count() as u32;
        let mut new_before = Vec::with_capacity(lines as usize + 2);
        new_before.push(0);
        let mut count = 0;
        for n in 1..=lines + 1 {
            new_before.push(count);
            let text = file.line(n).unwrap_or_default().trim();
            if file.added.binary_search(&n).is_ok()
                && !file.is_moved(n)
                && !text.is_empty()
                && !trimmed.contains(text)
            {
                count += 1;
            }
        }
        Wraps {
            unsafe_fn: unsafe_fn_context(tokens),
            close,
            new_before,
            removed: file.removed.iter().map(|(_, l)| squeeze(l)).collect(),
        }
    }

    /// New code on lines `from..to`.
    fn new_lines(&self, from: u32, to: u32) -> u32 {
        let at = |n: u32| self.new_before.get(n as usize).copied().unwrap_or(0);
        at(to).saturating_sub(at(from))
    }

    /// True when the block site opens inside the body of an `unsafe fn` and
    /// only wraps lines that already existed: every line strictly between
    /// its `{` and its `}` is unchanged or moved, and neither brace's line
    /// holds anything else; or, on one line, the line without `unsafe {`
    /// and `}` is one the file lost. That is Rust 2024's
    /// `unsafe_op_in_unsafe_fn` migration: the operations were already in
    /// an unsafe context, so the block narrows the unsafe scope and adds no
    /// unsafe operation.
    fn only_wraps_existing_code(
        &self,
        tokens: &[Token],
        site: &UnsafeSite,
        file: &FileChange,
    ) -> bool {
        if site.kind != UnsafeKind::Block
            || !self.unsafe_fn.get(site.token).copied().unwrap_or(false)
        {
            return false;
        }
        // `unsafe` `{` … matching `}`, comments aside
        let code = |from: usize| (from..tokens.len()).find(|&i| !tokens[i].is_comment());
        let Some(open) = code(site.token + 1).filter(|&i| tokens[i].is_punct(b'{')) else {
            return false;
        };
        let Some(&close) = self.close.get(&open) else {
            return false;
        };
        let (open_line, close_line) = (tokens[open].line, tokens[close].line);
        if close_line == open_line {
            return self.wraps_a_removed_line(
                file,
                &tokens[site.token],
                &tokens[open],
                &tokens[close],
            );
        }
        // nothing but the brace after `unsafe {` on its line, and a line inside
        if code(open + 1).is_some_and(|i| i != close && tokens[i].line == open_line)
            || close_line == open_line + 1
        {
            return false;
        }
        let closing = file.line(close_line).unwrap_or_default().trim();
        if !matches!(closing, "}" | "};" | "})" | "});" | "}," | "})," | "}))") {
            return false;
        }
        self.new_lines(open_line + 1, close_line) == 0
    }

    /// True when a one-line block is a line the file lost with an `unsafe {
    /// … }` put around part of it: `let v = unsafe { p.read() };` where
    /// `let v = p.read();` was removed (white space aside).
    fn wraps_a_removed_line(
        &self,
        file: &FileChange,
        unsafe_kw: &Token,
        open: &Token,
        close: &Token,
    ) -> bool {
        let text = file.text.as_str();
        let base = text.as_ptr() as usize;
        let at = |t: &Token| (t.text.as_ptr() as usize).wrapping_sub(base);
        let (u, o, c) = (at(unsafe_kw), at(open) + 1, at(close));
        if !(u < o && o <= c && c < text.len()) {
            return false;
        }
        let start = text[..u].rfind('\n').map_or(0, |i| i + 1);
        let end = text[c..].find('\n').map_or(text.len(), |i| c + i);
        let unwrapped = squeeze(&format!(
            "{}{}{}",
            &text[start..u],
            &text[o..c],
            &text[c + 1..end]
        ));
        !unwrapped.is_empty() && self.removed.contains(&unwrapped)
    }
}

/// For each token: true when the innermost function around it is an
/// `unsafe fn` (one pass over the file).
fn unsafe_fn_context(tokens: &[Token]) -> Vec<bool> {
    let mut out = Vec::with_capacity(tokens.len());
    // For each open `{`: `Some(unsafe)` when it opened a function's body.
    let mut braces: Vec<Option<bool>> = Vec::new();
    // The innermost function body's kind (from `braces`), kept up to date.
    let mut inner: Vec<bool> = Vec::new();
    // Saw `fn` since the last boundary (whether `unsafe` led to it), and
    // waits for its body's `{`; a `;` first means no body.
    let mut pending: Option<bool> = None;
    let mut saw_unsafe = false;
    // `(` and `[` open in a signature (`[&Q; N]` holds a `;`).
    let mut nesting = 0usize;
    for t in tokens {
        out.push(inner.last().copied().unwrap_or(false));
        if t.is_comment() {
            continue;
        }
        if t.is_punct(b'(') || t.is_punct(b'[') {
            nesting += 1;
            saw_unsafe = false;
        } else if t.is_punct(b')') || t.is_punct(b']') {
            nesting = nesting.saturating_sub(1);
        } else if nesting > 0 {
        } else if t.is_ident("unsafe") {
            saw_unsafe = true;
        } else if t.is_ident("fn") {
            if pending.is_none() {
                pending = Some(saw_unsafe);
            }
            saw_unsafe = false;
        } else if t.is_punct(b'{') {
            let body = pending.take();
            if let Some(u) = body {
                inner.push(u);
            }
            braces.push(body);
            saw_unsafe = false;
        } else if t.is_punct(b'}') {
            if let Some(Some(_)) = braces.pop() {
                inner.pop();
            }
            pending = None;
            saw_unsafe = false;
        } else if t.is_punct(b';') {
            pending = None;
            saw_unsafe = false;
        } else if !(t.kind == Kind::Str || t.is_ident("extern")) {
            // `unsafe` leads straight to `fn` (through `extern "C"`)
            saw_unsafe = false;
        }
    }
    out
}

/// What the change removed, to tell a carried-over site from a new one.
#[derive(Debug, Default)]
struct Removed {
    /// Sites by [`site_key`], with how many of each.
    keys: std::collections::HashMap<u64, usize>,
    /// Declarations (`unsafe fn`, `unsafe trait`, `unsafe impl`), each
    /// excusing one added declaration at most (the flag: taken).
    decls: Vec<(Decl, bool)>,
    /// Indexes into `decls` by [`Decl::id`] and by [`Decl::sig`], each
    /// also within one file name (see [`path_hash`]), so that a
    /// declaration edited in place is matched with itself before one of
    /// the same name elsewhere.
    by_id: DeclIndex,
    by_sig: DeclIndex,
    by_id_in_file: DeclIndex,
    by_sig_in_file: DeclIndex,
}

type DeclIndex = std::collections::HashMap<(u64, u64), Vec<usize>>;

/// Candidates looked at per index when matching a declaration (bounded
/// work however many declarations of one name a push holds).
const MAX_DECL_CANDIDATES: usize = 64;

/// The hash of a path's file name: a declaration edited in place, or in a
/// file moved to another directory (`src/task/raw.rs` to
/// `src/runtime/task/raw.rs`), is matched in "its" file first.
fn path_hash(path: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    path.rsplit('/').next().unwrap_or(path).hash(&mut h);
    h.finish()
}

/// Takes from `list` the first untaken declaration `ok` accepts, looking
/// at [`MAX_DECL_CANDIDATES`] at most; taken ones met on the way are
/// dropped from the list.
fn pick(
    list: &mut Vec<usize>,
    decls: &[(Decl, bool)],
    ok: impl Fn(&Decl) -> bool,
) -> Option<usize> {
    let (mut k, mut seen) = (0, 0);
    while k < list.len() && seen < MAX_DECL_CANDIDATES {
        let i = list[k];
        match decls.get(i) {
            Some((_, false)) => {}
            _ => {
                list.swap_remove(k);
                continue;
            }
        }
        seen += 1;
        if decls.get(i).is_some_and(|(d, _)| ok(d)) {
            list.swap_remove(k);
            return Some(i);
        }
        k += 1;
    }
    None
}

impl Removed {
    fn add_decl(&mut self, d: Decl, path: &str) {
        let (i, file) = (self.decls.len(), path_hash(path));
        self.by_id.entry((d.id, 0)).or_default().push(i);
        self.by_id_in_file.entry((d.id, file)).or_default().push(i);
        if let Some(sig) = d.sig {
            self.by_sig.entry((sig, 0)).or_default().push(i);
            self.by_sig_in_file.entry((sig, file)).or_default().push(i);
        }
        self.decls.push((d, false));
    }

    /// Takes the removed declaration that `d` (added to `path`) carries
    /// over, if any: the same identity keeping its bounds, else (an
    /// `unsafe fn` renamed) the same signature under another name; in the
    /// same file first.
    fn take_decl(&mut self, d: &Decl, path: &str) -> bool {
        let file = path_hash(path);
        let keeps = |o: &Decl| keeps_all_of(&o.bounds, &d.bounds);
        let mut tries: Vec<(&mut DeclIndex, u64, bool)> = vec![
            (&mut self.by_id_in_file, d.id, true),
            (&mut self.by_id, d.id, false),
        ];
        if let Some(sig) = d.sig {
            tries.push((&mut self.by_sig_in_file, sig, true));
            tries.push((&mut self.by_sig, sig, false));
        }
        for (index, key, in_file) in tries {
            let key = (key, if in_file { file } else { 0 });
            let Some(list) = index.get_mut(&key) else {
                continue;
            };
            if let Some(i) = pick(list, &self.decls, keeps) {
                if let Some(e) = self.decls.get_mut(i) {
                    e.1 = true;
                }
                return true;
            }
        }
        false
    }
}

/// The identity of a declaration site, whatever its signature says: an
/// `unsafe fn` or `unsafe trait` is its name, an `unsafe impl` the trait it
/// implements and the type it implements it for. An impl's `bounds` are the
/// names in its head that carry its safety claim: the trait's own name and
/// `Send`/`Sync` (`unsafe impl<T: Send> Send for X<T>`); the new impl must
/// keep every one the removed impl had for it to be carried over. Adding a
/// type parameter, renaming or relaxing another bound (`A: Allocator +
/// Clone` to `A: Allocator`) keeps the claim; dropping `T: Send` changes it.
///
/// An `unsafe fn` renamed with its signature otherwise unchanged
/// (`unsafe fn advance(&mut self, cnt: usize)` to `unsafe fn
/// advance_mut(&mut self, cnt: usize)`) is the same declaration too: its
/// `sig` is the head without the name.
#[derive(Debug)]
struct Decl {
    id: u64,
    sig: Option<u64>,
    bounds: Vec<String>,
}

/// Tokens a renamed `unsafe fn`'s head needs (`fn`, the name, the
/// parameters…) to be matched by its signature.
const MIN_SIG_TOKENS: usize = 8;

/// Tokens of a declaration head read at most.
const DECL_HEAD: usize = 256;

/// The declaration identity of a site (see [`Decl`]); `None` for blocks
/// and extern blocks.
fn decl(tokens: &[Token], site: &UnsafeSite) -> Option<Decl> {
    use std::hash::{Hash, Hasher};
    if matches!(site.kind, UnsafeKind::Block | UnsafeKind::ExternBlock) {
        return None;
    }
    // the head, from after `unsafe` to the body's `{` (or a `;`), comments aside
    let mut head: Vec<&Token> = Vec::new();
    let mut nesting = 0usize;
    for t in tokens
        .get(site.token + 1..)
        .unwrap_or_default()
        .iter()
        .filter(|t| !t.is_comment())
        .take(DECL_HEAD)
    {
        match t.kind {
            Kind::Punct(b'(' | b'[') => nesting += 1,
            Kind::Punct(b')' | b']') => nesting = nesting.saturating_sub(1),
            Kind::Punct(b'{' | b';') if nesting == 0 => break,
            _ => {}
        }
        head.push(t);
    }
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (site.kind as u8).hash(&mut h);
    if site.kind != UnsafeKind::Impl {
        // `unsafe [extern "C"] fn name`, `unsafe [auto] trait Name`
        let at = head
            .iter()
            .position(|t| t.is_ident("fn") || t.is_ident("trait"))?;
        let name = head.get(at + 1).filter(|t| t.kind == Kind::Ident)?;
        let mut sig = std::collections::hash_map::DefaultHasher::new();
        (site.kind as u8).hash(&mut sig);
        for (i, t) in head.iter().enumerate() {
            if i != at + 1 {
                t.text.hash(&mut sig);
            }
        }
        name.text.hash(&mut h);
        return Some(Decl {
            id: h.finish(),
            // `unsafe fn f()` or `unsafe fn g(&self)` says too little to
            // tell a rename from another function
            sig: (head.len() >= MIN_SIG_TOKENS).then(|| sig.finish()),
            bounds: Vec::new(),
        });
    }
    // `impl<…> Trait<…> for Type<…> where …`: the trait's last name and the
    // type's path, both outside angle brackets
    let mut angle = 0i32;
    let mut trait_name = None;
    let mut ty: Vec<&str> = Vec::new();
    let mut after_for = false;
    for (i, t) in head.iter().enumerate() {
        let arrow = i > 0 && head[i - 1].is_punct(b'-');
        match t.kind {
            Kind::Punct(b'<') => angle += 1,
            Kind::Punct(b'>') if !arrow => angle -= 1,
            _ if angle != 0 => {}
            _ if after_for => {
                if t.is_ident("where") || t.is_punct(b'<') {
                    break;
                }
                ty.push(t.text);
            }
            Kind::Ident if t.text == "for" => after_for = true,
            Kind::Ident => trait_name = Some(t.text),
            _ => {}
        }
        if after_for && angle > 0 && !ty.is_empty() {
            break;
        }
    }
    let trait_name = trait_name.filter(|_| after_for && !ty.is_empty())?;
    trait_name.hash(&mut h);
    ty.hash(&mut h);
    let mut bounds: Vec<String> = head
        .iter()
        .filter(|t| {
            t.kind == Kind::Ident && (t.text == trait_name || t.text == "Send" || t.text == "Sync")
        })
        .map(|t| t.text.to_string())
        .collect();
    bounds.sort_unstable();
    Some(Decl {
        id: h.finish(),
        sig: None,
        bounds,
    })
}

/// True when the sorted multiset `old` is part of the sorted multiset `new`.
fn keeps_all_of(old: &[String], new: &[String]) -> bool {
    let mut new = new.iter().peekable();
    old.iter().all(|o| {
        while new.next_if(|n| *n < o).is_some() {}
        new.next_if(|n| *n == o).is_some()
    })
}

/// The sites the change removed that `keep` selects: in the old text of
/// every Rust file whose removed lines held `unsafe` (only on its removed
/// lines) and of every deleted Rust file (all of it).
fn removed_sites(
    markers: &[String],
    ignore: Option<&GlobSet>,
    change: &Change,
    keep: fn(&UnsafeSite) -> bool,
) -> Removed {
    let mut removed = Removed::default();
    for f in change.files() {
        let Some(old) = f.old_text.as_deref().filter(|_| is_rust(&f.path)) else {
            continue;
        };
        // unsafe code from an ignored (vendored) file was never judged:
        // moved into checked code, it is new there
        let from = f.old_path.as_deref().unwrap_or(&f.path);
        if ignore.is_some_and(|g| g.is_match(from) || g.is_match(&f.path)) {
            continue;
        }
        let deleted = f.content == Content::None;
        let lines: Vec<u32> = f.removed.iter().map(|(n, _)| *n).collect();
        let wanted = |n: u32| deleted || lines.binary_search(&n).is_ok();
        if !old.contains("unsafe") && !old.contains("extern") {
            continue;
        }
        let tokens: Vec<Token> = Lexer::new(old).collect();
        let mut sites = sites_in(tokens.iter().copied(), wanted, markers);
        // An `extern` block was unsafe before the keyword was required.
        sites.extend(plain_extern_blocks(&tokens, wanted));
        for s in sites.iter().filter(|s| keep(s)) {
            *removed.keys.entry(site_key(&tokens, s)).or_insert(0) += 1;
            // an `unsafe fn` of a trait impl, not judged by default,
            // excuses no declaration that is
            if let Some(d) = decl(&tokens, s).filter(|_| !s.in_trait_impl) {
                removed.add_decl(d, &f.path);
            }
        }
    }
    removed
}

/// Sites on added lines that the change did not add: the same site (by
/// [`site_key`]), or the same declaration with an edited signature (by
/// [`decl`]), equally justified or not, was removed from the old side.
/// Each removed site excuses one added site; exact matches first.
fn carried_over(
    markers: &[String],
    ignore: Option<&GlobSet>,
    change: &Change,
    file: &FileChange,
    sites: &[UnsafeSite],
    removed: &mut Option<Removed>,
    keep: fn(&UnsafeSite) -> bool,
) -> Vec<bool> {
    let removed = removed.get_or_insert_with(|| removed_sites(markers, ignore, change, keep));
    if removed.keys.is_empty() {
        return vec![false; sites.len()];
    }
    let tokens: Vec<Token> = Lexer::new(&file.text).collect();
    let mut carried: Vec<bool> = sites
        .iter()
        .map(|s| match removed.keys.get_mut(&site_key(&tokens, s)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        })
        .collect();
    if removed.decls.is_empty() {
        return carried;
    }
    // a declaration carried over by its key uses up its removed
    // declaration too: one removed `unsafe fn` excuses one added, however
    // it is matched
    let decls: Vec<Option<Decl>> = sites.iter().map(|s| decl(&tokens, s)).collect();
    for (d, _) in decls.iter().zip(&carried).filter(|(_, c)| **c) {
        if let Some(d) = d {
            removed.take_decl(d, &file.path);
        }
    }
    for (d, c) in decls.iter().zip(carried.iter_mut()).filter(|(_, c)| !**c) {
        if let Some(d) = d {
            *c = removed.take_decl(d, &file.path);
        }
    }
    carried
}

fn check_file(
    cfg: &Compiled,
    change: &Change,
    file: &FileChange,
    removed: &mut Option<Removed>,
    sink: &mut Sink,
) {
    let wanted = |n: u32| file.added.binary_search(&n).is_ok();
    let sites: Vec<UnsafeSite> = unsafe_sites(&file.text, wanted, &cfg.markers)
        .into_iter()
        .filter(|s| !s.justified())
        .filter(|s| cfg.trait_impls || !(s.kind == UnsafeKind::Fn && s.in_trait_impl))
        .collect();
    if sites.is_empty() {
        return;
    }
    let unjustified = |s: &UnsafeSite| !s.justified();
    let carried = carried_over(
        &cfg.markers,
        cfg.ignore.as_ref(),
        change,
        file,
        &sites,
        removed,
        unjustified,
    );
    let tokens: Vec<Token> = Lexer::new(&file.text).collect();
    let mut justified_removed = None;
    let mut wraps = None;
    for (site, carried) in sites.into_iter().zip(carried) {
        if carried {
            continue;
        }
        // a block that only wraps existing code of an `unsafe fn`, unless it
        // is a justified block that moved here without its justification
        if wraps
            .get_or_insert_with(|| Wraps::new(&tokens, file))
            .only_wraps_existing_code(&tokens, &site, file)
            && !justified_removed
                .get_or_insert_with(|| removed_keys_of_justified(cfg, change))
                .contains(&site_key(&tokens, &site))
        {
            continue;
        }
        let rule = match site.kind {
            UnsafeKind::Fn | UnsafeKind::Trait => FN_UNDOCUMENTED,
            _ => UNDOCUMENTED,
        };
        let what = match site.kind {
            UnsafeKind::Fn | UnsafeKind::Trait => "no `# Safety` section in its doc comment",
            _ => "no `// SAFETY:` comment above it or on its line",
        };
        let line = file.line(site.line).unwrap_or_default();
        sink.report(rule, format!("{} added with {what}", site.kind.describe()))
            .path(&file.path)
            .line(site.line)
            .snippet(snippet(line));
    }
}

/// Keys of the justified sites the change removed (see [`removed_sites`]).
fn removed_keys_of_justified(cfg: &Compiled, change: &Change) -> std::collections::HashSet<u64> {
    removed_sites(
        &cfg.markers,
        cfg.ignore.as_ref(),
        change,
        UnsafeSite::justified,
    )
    .keys
    .into_keys()
    .collect()
}

/// The first `unsafe` site (of any kind, justified or not) that the change
/// adds to a Rust file, as [`check`] judges "adds": on an added line, not
/// carried over from the code the change removed, and not a block that
/// only wraps existing lines of an `unsafe fn`. For
/// `[[review.require]] adds_unsafe`.
pub(crate) fn first_added_site(change: &Change, file: &FileChange) -> Option<UnsafeSite> {
    if !is_rust(&file.path)
        || file.content != Content::Text
        || !file.added_lines().any(|(_, l)| l.contains("unsafe"))
    {
        return None;
    }
    let markers = ["safety:".to_string()];
    let wanted = |n: u32| file.added.binary_search(&n).is_ok();
    let sites = unsafe_sites(&file.text, wanted, &markers);
    if sites.is_empty() {
        return None;
    }
    let carried = carried_over(&markers, None, change, file, &sites, &mut None, |_| true);
    let tokens: Vec<Token> = Lexer::new(&file.text).collect();
    let wraps = Wraps::new(&tokens, file);
    sites
        .into_iter()
        .zip(carried)
        .find(|(s, c)| !c && !wraps.only_wraps_existing_code(&tokens, s, file))
        .map(|(s, _)| s)
}

/// The text with every comment and literal (string, char) blanked out,
/// line breaks kept: what a "code only" pattern is matched against.
pub(crate) fn code_only(text: &str) -> String {
    let mut out = text.as_bytes().to_vec();
    let base = text.as_ptr() as usize;
    for t in Lexer::new(text) {
        if t.is_comment() || matches!(t.kind, Kind::Str | Kind::Char) {
            let start = t.text.as_ptr() as usize - base;
            for b in &mut out[start..start + t.text.len()] {
                if *b != b'\n' {
                    *b = b' ';
                }
            }
        }
    }
    // Whole tokens are blanked byte by byte (multi-byte characters
    // included), so the result is valid UTF-8 and nothing is replaced.
    String::from_utf8_lossy(&out).into_owned()
}

/// Removed lines, grouped into runs of consecutive old line numbers and
/// joined, so an attribute written over several lines is seen whole.
fn removed_runs(file: &FileChange) -> Vec<(u32, String)> {
    let mut runs: Vec<(u32, u32, String)> = Vec::new();
    for (n, text) in &file.removed {
        match runs.last_mut() {
            Some((_, last, joined)) if *last + 1 == *n => {
                joined.push('\n');
                joined.push_str(text);
                *last = *n;
            }
            _ => runs.push((*n, *n, text.clone())),
        }
    }
    runs.into_iter().map(|(first, _, t)| (first, t)).collect()
}

fn check_attribute_removed(change: &Change, file: &FileChange, sink: &mut Sink) {
    if !file.removed.iter().any(|(_, l)| l.contains("unsafe_code")) {
        return;
    }
    for (first, run) in removed_runs(file) {
        if !run.contains("unsafe_code") || !forbids_unsafe(&run) {
            continue;
        }
        // Moved, reformatted, or re-added in another file of the same change.
        let kept = change.files().iter().any(|f| {
            is_rust(&f.path)
                && f.content == Content::Text
                && f.text.contains("unsafe_code")
                && forbids_unsafe(&f.text)
        });
        if kept {
            return;
        }
        let shown = run
            .lines()
            .find(|l| l.contains("unsafe_code"))
            .unwrap_or("");
        sink.report(
            LINT_REMOVED,
            format!(
                "the crate-level `unsafe_code` lint was removed from {} (old line {first})",
                file.path
            ),
        )
        .path(&file.path)
        .snippet(format!("(removed) {}", snippet(shown)));
        return;
    }
}

/// `unsafe_code` lint level in a manifest's `[lints.rust]` or `[workspace.lints.rust]`.
fn manifest_lint_level(text: &str) -> Option<String> {
    let table: toml::Table = toml::from_str(text).ok()?;
    let level = |lints: Option<&toml::Value>| -> Option<String> {
        let v = lints?.get("rust")?.get("unsafe_code")?;
        v.as_str()
            .or_else(|| v.get("level").and_then(toml::Value::as_str))
            .map(str::to_string)
    };
    level(table.get("lints")).or_else(|| level(table.get("workspace").and_then(|w| w.get("lints"))))
}

fn check_manifest_lints(file: &FileChange, sink: &mut Sink) {
    let Some(old) = &file.old_text else {
        return;
    };
    if !file
        .removed
        .iter()
        .any(|(_, l)| l.contains("unsafe_code") || l.contains("lints"))
    {
        return;
    }
    let strict = |l: &Option<String>| matches!(l.as_deref(), Some("forbid" | "deny"));
    let (before, after) = (manifest_lint_level(old), manifest_lint_level(&file.text));
    if strict(&before) && !strict(&after) {
        let line = file
            .added_lines()
            .find(|(_, l)| l.contains("unsafe_code"))
            .map(|(n, _)| n);
        let e = sink
            .report(
                LINT_REMOVED,
                format!(
                    "the `unsafe_code` lint in {} went from \"{}\" to {}",
                    file.path,
                    before.unwrap_or_default(),
                    after.map_or("unset".to_string(), |a| format!("\"{a}\"")),
                ),
            )
            .path(&file.path);
        if let Some(n) = line {
            e.line(n);
        }
    }
}

impl Family for Compiled {
    const NAME: &'static str = "unsafe_code";
    const RULES: &'static [RuleInfo] = RULES;
    type Raw = RawUnsafeCode;

    fn compile(
        raw: RawUnsafeCode,
        key: &KeyPath,
        _: &CompileContext<'_>,
        problems: &mut Problems,
    ) -> Option<Self> {
        Some(compile(raw, key, problems))
    }

    fn needs(&self) -> Needs {
        Needs {
            files: true,
            lines: true,
        }
    }

    fn check(&self, change: &Change, _: &CheckContext<'_>, sink: &mut Sink) {
        check(self, change, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites(src: &str) -> Vec<(u32, UnsafeKind, bool)> {
        unsafe_sites(src, |_| true, &["safety:".to_string()])
            .into_iter()
            .map(|s| (s.line, s.kind, s.justified()))
            .collect()
    }

    #[test]
    fn classifies_unsafe_items() {
        use UnsafeKind::*;
        let src = "\
unsafe { a() }
unsafe impl Send for X {}
unsafe extern \"C\" { fn f(); }
pub unsafe fn g() {}
unsafe trait T {}
unsafe auto trait U {}
type F = unsafe fn(i32);
type G = unsafe extern \"C\" fn();
#[unsafe(no_mangle)] fn h() {}
const unsafe extern \"C\" fn k() {}
";
        let got: Vec<(u32, UnsafeKind)> = sites(src).into_iter().map(|(l, k, _)| (l, k)).collect();
        assert_eq!(
            got,
            vec![
                (1, Block),
                (2, Impl),
                (3, ExternBlock),
                (4, Fn),
                (5, Trait),
                (6, Trait),
                (10, Fn)
            ]
        );
    }

    #[test]
    fn safety_comments_above_or_on_the_line_justify() {
        let src = "\
fn f() {
    // SAFETY: p is valid
    unsafe { a() };
    unsafe { b() };
    let x = unsafe { c() }; // SAFETY: checked above
    unsafe {
        // SAFETY: first thing inside the block
        k();
    }
    // Safety: several lines,
    // all of them comments.
    #[allow(unused)]
    let y = foo(
        1,
        unsafe { d() },
    );
    /* SAFETY: block comment */ unsafe { e() }
    // SAFETY: not for the next statement
    g();
    unsafe { h() }
    unsafe { i() }; // SAFETY: for this one only
    unsafe { j() };
}
";
        let got: Vec<(u32, bool)> = sites(src).into_iter().map(|(l, _, j)| (l, j)).collect();
        assert_eq!(
            got,
            vec![
                (3, true),
                (4, false),
                (5, true),
                (6, true),
                (15, true),
                (17, true),
                (20, false),
                (21, true),
                (22, false)
            ]
        );
    }

    #[test]
    fn unsafe_fn_needs_a_safety_doc_section() {
        let src = "\
/// Reads.
///
/// # Safety
///
/// `p` must be valid.
#[inline]
pub unsafe fn read(p: *const u8) -> u8 { *p }

/// No safety section.
pub unsafe fn write() {}
";
        let got: Vec<(u32, bool)> = sites(src).into_iter().map(|(l, _, j)| (l, j)).collect();
        assert_eq!(got, vec![(7, true), (10, false)]);
    }

    #[test]
    fn unsafe_in_strings_comments_and_identifiers_is_ignored() {
        let src = r####"
let a = "unsafe { x }";
let b = r#"
unsafe { y }
"#;
// unsafe { z }
/* unsafe impl Send for Q {} */
let is_unsafe = 1; let unsafe_code = 2; let c = 'u';
"####;
        assert!(sites(src).is_empty());
    }

    #[test]
    fn only_wanted_lines_are_reported() {
        let src = "unsafe { a() }\nunsafe { b() }\n";
        let got = unsafe_sites(src, |n| n == 2, &["safety:".into()]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].line, 2);
    }

    #[test]
    fn detects_forbid_attributes() {
        assert!(forbids_unsafe("#![forbid(unsafe_code)]"));
        assert!(forbids_unsafe("#![deny(missing_docs, unsafe_code)]"));
        assert!(forbids_unsafe(
            "#![cfg_attr(not(test), forbid(\n    unsafe_code\n))]"
        ));
        assert!(!forbids_unsafe("#![allow(unsafe_code)]"));
        assert!(!forbids_unsafe("// #![forbid(unsafe_code)]"));
        assert!(!forbids_unsafe("let s = \"#![forbid(unsafe_code)]\";"));
        assert!(!forbids_unsafe("#[forbid(unsafe_code)] fn f() {}"));
    }

    #[test]
    fn manifest_lint_levels() {
        assert_eq!(
            manifest_lint_level("[lints.rust]\nunsafe_code = \"forbid\"\n").as_deref(),
            Some("forbid")
        );
        assert_eq!(
            manifest_lint_level(
                "[workspace.lints.rust]\nunsafe_code = { level = \"deny\", priority = 1 }\n"
            )
            .as_deref(),
            Some("deny")
        );
        assert_eq!(manifest_lint_level("[package]\nname = \"x\"\n"), None);
        assert_eq!(manifest_lint_level("not toml ["), None);
    }

    fn keys(src: &str) -> Vec<u64> {
        let tokens: Vec<Token> = Lexer::new(src).collect();
        unsafe_sites(src, |_| true, &["safety:".into()])
            .iter()
            .map(|s| site_key(&tokens, s))
            .collect()
    }

    #[test]
    fn site_keys_ignore_layout_comments_and_trailing_commas() {
        let one = "fn f() {\n    let x = unsafe { g(a, b) };\n}\n";
        let reflowed = "fn f() {\n    let y = unsafe {\n        // note\n        g(\n            a,\n            b,\n        )\n    };\n}\n";
        assert_eq!(keys(one), keys(reflowed));
        assert_ne!(keys(one), keys("fn f() { let x = unsafe { g(a, c) }; }"));
        assert_eq!(
            keys("unsafe { t.clear() }"),
            keys("unsafe {\n    t.clear();\n}")
        );
        assert_ne!(
            keys(one),
            keys("fn f() { let x = unsafe { g(a, b); h() }; }")
        );
        // an fn is keyed by its signature, not its body
        assert_eq!(
            keys("pub unsafe fn f(a: u8) -> u8 { a }"),
            keys("pub unsafe fn f(\n    a: u8,\n) -> u8 {\n    a + 1\n}")
        );
        assert_ne!(
            keys("unsafe fn f(a: u8) {}"),
            keys("unsafe fn f(a: u16) {}")
        );
    }

    #[test]
    fn unsafe_fns_in_trait_impls_are_marked() {
        let src = "\
impl<T> Raw for Wrapper<T> where T: Copy {
    unsafe fn get(&self) {}
}
impl Wrapper {
    unsafe fn own(&self) {}
    fn f(x: impl Fn()) { for i in 0..1 { unsafe { g() } } }
}
trait Raw {
    unsafe fn get(&self);
}
";
        let got: Vec<(u32, bool)> = unsafe_sites(src, |_| true, &[])
            .iter()
            .map(|s| (s.line, s.in_trait_impl))
            .collect();
        assert_eq!(got, vec![(2, true), (5, false), (6, false), (9, false)]);
    }

    #[test]
    fn code_only_blanks_comments_and_literals() {
        let src =
            "let a = 1; // unsafe here\nlet s = \"unsafe\";\n/* unsafe\nunsafe */ unsafe { f() }\n";
        let code = code_only(src);
        assert_eq!(code.len(), src.len());
        assert_eq!(code.lines().count(), src.lines().count());
        assert_eq!(code.matches("unsafe").count(), 1);
        assert!(code
            .lines()
            .nth(3)
            .is_some_and(|l| l.trim() == "unsafe { f() }"));
    }

    #[test]
    fn huge_single_line_is_linear() {
        let line = "unsafe { a() }; ".repeat(200_000);
        let t = std::time::Instant::now();
        let n = unsafe_sites(&line, |_| true, &["safety:".into()]).len();
        assert_eq!(n, 200_000);
        assert!(t.elapsed().as_secs() < 20);
    }
}

#[cfg(test)]
mod wrap_tests {
    use super::*;

    fn at(text: &str, needle: &str) -> (Vec<Token<'static>>, usize) {
        let text: &'static str = Box::leak(text.to_string().into_boxed_str());
        let tokens: Vec<Token> = Lexer::new(text).collect();
        let base = text.as_ptr() as usize;
        let offset = text.find(needle).expect("needle");
        let i = tokens
            .iter()
            .position(|t| t.text.as_ptr() as usize - base == offset)
            .expect("token at needle");
        (tokens, i)
    }

    #[test]
    fn the_innermost_function_decides_whether_code_is_in_an_unsafe_fn() {
        let cases = [
            ("unsafe fn f() { X }", true),
            ("pub unsafe extern \"C\" fn f() { X }", true),
            ("fn f() { X }", false),
            ("unsafe fn f() { fn g() { X } }", false),
            ("fn f() { unsafe { X } }", false),
            (
                "unsafe fn f<const N: usize>(ks: [&u8; N]) -> [u8; N] where u8: Copy { X }",
                true,
            ),
            ("unsafe fn f(g: fn(u8)) { X }", true),
            ("trait T { unsafe fn f(); fn g() { X } }", false),
            ("unsafe impl Send for S {} fn f() { X }", false),
            ("unsafe fn f() { let c = |x: u8| { X }; }", true),
        ];
        for (text, want) in cases {
            let (tokens, i) = at(text, "X");
            assert_eq!(unsafe_fn_context(&tokens)[i], want, "{text}");
        }
    }
}
