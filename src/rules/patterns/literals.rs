//! The literals every match of a pattern contains, read from its syntax
//! tree: what keyword pre-filters are built from. Depends on `regex-syntax`
//! alone, so that `build.rs` computes them for the built-in AI signatures
//! when the binary is built (a commit-msg hook then parses none of them).

/// Literals one of which occurs in every match of `pattern`, lowercased, for
/// a [`KeywordIndex`](super::KeywordIndex) (which compares ASCII case-insensitively, so a literal
/// of a case-sensitive pattern only lets more text through); `None` when the
/// pattern guarantees none, or does not parse.
///
/// Read from the syntax tree alone (a few microseconds, no compilation): a
/// run of literal characters in a concatenation, the union over the branches
/// of an alternation, the body of a repetition that happens at least once.
/// Only ASCII characters are kept, and under `(?i)` not `k` and `s`, whose
/// Unicode case folds (KELVIN SIGN, LONG S) an ASCII comparison would miss.
pub(crate) fn required_literals(pattern: &str) -> Option<Vec<String>> {
    let ast = regex_syntax::ast::parse::Parser::new()
        .parse(pattern)
        .ok()?;
    let ci = sets_case_insensitive(&ast);
    let lits = Literals::of(&ast, ci).req?;
    (!lits.is_empty() && lits.iter().all(|l| !l.is_empty())).then_some(lits)
}

/// Every literal set of which one member occurs in every match of
/// `pattern` (all of them, not only the most selective one as in
/// [`required_literals`]; a small class such as `["']` counts as a set of
/// one-character literals). Empty when nothing is known.
pub(crate) fn required_sets(pattern: &str) -> Vec<Vec<String>> {
    let Ok(ast) = regex_syntax::ast::parse::Parser::new().parse(pattern) else {
        return Vec::new();
    };
    let ci = sets_case_insensitive(&ast);
    let mut all = Literals::of(&ast, ci).all;
    for set in &mut all {
        set.sort_unstable();
        set.dedup();
    }
    all.sort_unstable();
    all.dedup();
    all
}

/// The runs of literal characters written inside the capture group `name`
/// of `pattern` (every branch, lowercased): the fixed text of a match's
/// secret (`services` in a webhook URL, `production` in a Braintree token).
/// Empty when the pattern does not parse or has no such group.
pub(crate) fn group_literals(pattern: &str, name: &str) -> Vec<String> {
    use regex_syntax::ast::{Ast, GroupKind};
    fn runs(ast: &Ast, out: &mut Vec<String>) {
        match ast {
            Ast::Literal(l) => out.push(l.c.to_lowercase().collect()),
            Ast::Concat(c) => {
                let mut run = String::new();
                for a in &c.asts {
                    if let Ast::Literal(l) = a {
                        run.extend(l.c.to_lowercase());
                        continue;
                    }
                    if !run.is_empty() {
                        out.push(std::mem::take(&mut run));
                    }
                    runs(a, out);
                }
                if !run.is_empty() {
                    out.push(run);
                }
            }
            Ast::Group(g) => runs(&g.ast, out),
            Ast::Repetition(r) => runs(&r.ast, out),
            Ast::Alternation(a) => a.asts.iter().for_each(|x| runs(x, out)),
            _ => {}
        }
    }
    fn find<'a>(ast: &'a Ast, name: &str) -> Option<&'a Ast> {
        match ast {
            Ast::Group(g) => match &g.kind {
                GroupKind::CaptureName { name: n, .. } if n.name == name => Some(&g.ast),
                _ => find(&g.ast, name),
            },
            Ast::Repetition(r) => find(&r.ast, name),
            Ast::Alternation(a) => a.asts.iter().find_map(|x| find(x, name)),
            Ast::Concat(c) => c.asts.iter().find_map(|x| find(x, name)),
            _ => None,
        }
    }
    let Ok(ast) = regex_syntax::ast::parse::Parser::new().parse(pattern) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(group) = find(&ast, name) {
        runs(group, &mut out);
    }
    out.retain(|r| r.len() >= 3);
    out
}

/// True when `text` contains one literal of each set (ASCII case-insensitively).
#[cfg(test)]
pub(crate) fn has_required(text: &str, sets: &[Vec<String>]) -> bool {
    if sets.is_empty() {
        return true;
    }
    has_required_lower(&text.to_ascii_lowercase(), sets)
}

/// [`has_required`] of a text already ASCII-lowercased.
pub(crate) fn has_required_lower(lower: &str, sets: &[Vec<String>]) -> bool {
    sets.iter()
        .all(|set| set.iter().any(|lit| lower.contains(lit.as_str())))
}

/// True when any flag group of the pattern turns on `i` (conservative: the
/// whole pattern is then treated as case-insensitive).
fn sets_case_insensitive(ast: &regex_syntax::ast::Ast) -> bool {
    use regex_syntax::ast::{Ast, Flag, Flags, FlagsItemKind};
    let sets = |f: &Flags| {
        f.items
            .iter()
            .any(|i| i.kind == FlagsItemKind::Flag(Flag::CaseInsensitive))
    };
    match ast {
        Ast::Flags(f) => sets(&f.flags),
        Ast::Group(g) => g.flags().is_some_and(sets) || sets_case_insensitive(&g.ast),
        Ast::Repetition(r) => sets_case_insensitive(&r.ast),
        Ast::Alternation(a) => a.asts.iter().any(sets_case_insensitive),
        Ast::Concat(c) => c.asts.iter().any(sets_case_insensitive),
        _ => false,
    }
}

/// Most texts a sub-pattern's finite language is followed through (a
/// concatenation multiplies its parts': `<(?:noreply|no-reply)@` is
/// `<noreply@` or `<no-reply@`, far more selective than its parts alone).
const MAX_ALTS: usize = 16;

/// What a sub-pattern says about the literals of its matches.
struct Literals {
    /// Every match is exactly one of these texts (lowercased): the
    /// sub-pattern's language, when it is small and finite.
    alts: Option<Vec<String>>,
    /// Every match contains one of these (the most selective set known).
    req: Option<Vec<String>>,
    /// Every set known of which every match contains a member.
    all: Vec<Vec<String>>,
}

impl Literals {
    fn none() -> Literals {
        Literals {
            alts: None,
            req: None,
            all: Vec::new(),
        }
    }

    fn exact(s: String) -> Literals {
        Literals::finite(vec![s])
    }

    /// A sub-pattern that matches exactly one of `texts`.
    fn finite(mut texts: Vec<String>) -> Literals {
        texts.sort_unstable();
        texts.dedup();
        let usable = !texts.is_empty() && texts.iter().all(|t| !t.is_empty());
        Literals {
            req: usable.then(|| texts.clone()),
            all: if usable {
                vec![texts.clone()]
            } else {
                Vec::new()
            },
            alts: Some(texts),
        }
    }

    /// A literal character as a keyword character: ASCII, lowercased, and
    /// under `(?i)` not `k` or `s` (see `required_literals`).
    fn char(c: char, ci: bool) -> Option<char> {
        let c = c.to_ascii_lowercase();
        (c.is_ascii() && !(ci && matches!(c, 'k' | 's'))).then_some(c)
    }

    /// `[abc]`: a set of one-character literals, when small and plain.
    fn class(c: &regex_syntax::ast::ClassBracketed, ci: bool) -> Literals {
        use regex_syntax::ast::{ClassSet, ClassSetItem};
        let items: Vec<&ClassSetItem> = match &c.kind {
            ClassSet::Item(ClassSetItem::Union(u)) => u.items.iter().collect(),
            ClassSet::Item(item) => vec![item],
            ClassSet::BinaryOp(_) => return Literals::none(),
        };
        if c.negated || items.is_empty() || items.len() > 4 {
            return Literals::none();
        }
        let mut set = Vec::new();
        for item in items {
            match item {
                ClassSetItem::Literal(l) => match Literals::char(l.c, ci) {
                    Some(c) => set.push(c.to_string()),
                    None => return Literals::none(),
                },
                _ => return Literals::none(),
            }
        }
        Literals::finite(set)
    }

    fn of(ast: &regex_syntax::ast::Ast, ci: bool) -> Literals {
        use regex_syntax::ast::{Ast, RepetitionKind, RepetitionRange};
        match ast {
            Ast::Empty(_) | Ast::Flags(_) => Literals::exact(String::new()),
            Ast::Literal(l) => match Literals::char(l.c, ci) {
                Some(c) => Literals::exact(c.to_string()),
                None => Literals::none(),
            },
            Ast::ClassBracketed(c) => Literals::class(c, ci),
            Ast::Repetition(r) => {
                let min = match &r.op.kind {
                    RepetitionKind::ZeroOrOne | RepetitionKind::ZeroOrMore => 0,
                    RepetitionKind::OneOrMore => 1,
                    RepetitionKind::Range(
                        RepetitionRange::Exactly(n)
                        | RepetitionRange::AtLeast(n)
                        | RepetitionRange::Bounded(n, _),
                    ) => *n,
                };
                if min == 0 {
                    return Literals::none();
                }
                let inner = Literals::of(&r.ast, ci);
                Literals {
                    alts: None,
                    req: inner.req,
                    all: inner.all,
                }
            }
            Ast::Group(g) => Literals::of(&g.ast, ci),
            Ast::Alternation(a) => {
                let mut all: Vec<String> = Vec::new();
                // The branches' languages, while every one is finite.
                let mut alts: Option<Vec<String>> = Some(Vec::new());
                for b in &a.asts {
                    let l = Literals::of(b, ci);
                    alts = match (alts, l.alts) {
                        (Some(mut acc), Some(v)) if acc.len() + v.len() <= MAX_ALTS => {
                            acc.extend(v);
                            Some(acc)
                        }
                        _ => None,
                    };
                    match l.req {
                        Some(v) => all.extend(v),
                        None => return Literals::none(),
                    }
                }
                match alts {
                    Some(texts) => Literals::finite(texts),
                    // One of the branches' required texts, whatever the
                    // branches' languages.
                    None => Literals {
                        alts: None,
                        ..Literals::finite(all)
                    },
                }
            }
            Ast::Concat(c) => {
                // The texts the children since the last break spell, one
                // of which every match holds there (a product of their
                // finite languages).
                let mut run: Vec<String> = vec![String::new()];
                let mut whole = true;
                let mut best: Option<Vec<String>> = None;
                let mut all: Vec<Vec<String>> = Vec::new();
                let flush = |run: &mut Vec<String>,
                             best: &mut Option<Vec<String>>,
                             all: &mut Vec<Vec<String>>| {
                    let texts = std::mem::replace(run, vec![String::new()]);
                    if let Some(texts) = Literals::finite(texts).req {
                        all.push(texts.clone());
                        better(best, texts);
                    }
                };
                for child in &c.asts {
                    // A literal character extends the run without a
                    // sub-result (most of a pattern is literals).
                    let l = match child {
                        Ast::Flags(_) | Ast::Empty(_) => continue,
                        Ast::Literal(lit) => match Literals::char(lit.c, ci) {
                            Some(c) => {
                                run.iter_mut().for_each(|t| t.push(c));
                                continue;
                            }
                            None => Literals::none(),
                        },
                        _ => Literals::of(child, ci),
                    };
                    match l.alts {
                        Some(v) if run.len() * v.len() <= MAX_ALTS => {
                            run = run
                                .iter()
                                .flat_map(|a| v.iter().map(move |b| format!("{a}{b}")))
                                .collect();
                        }
                        // Too many to multiply: the run so far is kept, and
                        // a new one starts from this child's texts (a
                        // finite language is never more than MAX_ALTS).
                        Some(v) => {
                            whole = false;
                            flush(&mut run, &mut best, &mut all);
                            run = v;
                        }
                        _ => {
                            whole = false;
                            flush(&mut run, &mut best, &mut all);
                            if let Some(r) = l.req {
                                better(&mut best, r);
                            }
                            all.extend(l.all);
                        }
                    }
                }
                if whole {
                    return Literals::finite(run);
                }
                flush(&mut run, &mut best, &mut all);
                Literals {
                    alts: None,
                    req: best,
                    all,
                }
            }
            Ast::Dot(_) | Ast::Assertion(_) | Ast::ClassUnicode(_) | Ast::ClassPerl(_) => {
                Literals::none()
            }
        }
    }
}

/// Keeps the more selective of two literal sets: the longer shortest
/// literal, then the fewer literals.
fn better(best: &mut Option<Vec<String>>, cand: Vec<String>) {
    if cand.is_empty() || cand.iter().any(String::is_empty) {
        return;
    }
    let score = |v: &[String]| {
        (
            v.iter().map(String::len).min().unwrap_or(0),
            std::cmp::Reverse(v.len()),
        )
    };
    if best.as_ref().is_none_or(|b| score(&cand) > score(b)) {
        *best = Some(cand);
    }
}
