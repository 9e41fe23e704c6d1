//! SPDX expressions, through the `spdx` crate (the parser cargo-deny uses):
//! the policy's allowed set, compiled once, and the expressions found in
//! committed files, parsed strictly first and leniently second so that a
//! deprecated id or crates.io's old `MIT/Apache-2.0` syntax is still judged
//! (with a note) while a typo is reported with the nearest real id.

use spdx::expression::{ExprNode, Operator};
use spdx::lexer::{Lexer, Token};
use spdx::{ExceptionId, Expression, LicenseId, LicenseItem, LicenseReq, Licensee, ParseMode};

use crate::config::{KeyPath, Problems};

/// The licences a project accepts: the terms of its `allowed` setting, and
/// optionally the only `WITH` exceptions it takes.
#[derive(Debug)]
pub(crate) struct Allowed {
    accepted: Vec<LicenseReq>,
    /// `None`: an exception only adds permissions, so any is fine on an
    /// accepted licence.
    exceptions: Option<Vec<ExceptionId>>,
    /// The setting as written, for messages: `MIT OR Apache-2.0`.
    pub(crate) display: String,
}

impl Allowed {
    /// Compiles `allowed` (one expression, or a list whose entries are each
    /// an expression) and `exceptions`, reporting every problem at its key.
    pub(crate) fn compile(
        entries: &[(KeyPath, String)],
        exceptions: Option<&[String]>,
        key: &KeyPath,
        problems: &mut Problems,
    ) -> Option<Allowed> {
        let mut accepted = Vec::new();
        let mut ok = true;
        for (path, text) in entries {
            match policy_expression(text) {
                Ok(expr) => accepted.extend(expr.requirements().map(|r| r.req.clone())),
                Err(msg) => {
                    problems.error(path.clone(), msg);
                    ok = false;
                }
            }
        }
        if ok && accepted.is_empty() {
            problems.error(
                key.clone(),
                "`allowed` names no licence: give an SPDX expression such as \"MIT OR Apache-2.0\"",
            );
            ok = false;
        }
        let exceptions = match exceptions {
            None => None,
            Some(list) => {
                let ekey = key.key("exceptions");
                let mut out = Vec::new();
                for (i, name) in list.iter().enumerate() {
                    match spdx::exception_id(name.trim()) {
                        Some(e) => out.push(e),
                        None => {
                            let mut msg = format!("`{name}` is not an SPDX exception id");
                            if let Some(n) = nearest_exception(name) {
                                msg.push_str(&format!("; did you mean `{n}`?"));
                            }
                            problems.error(ekey.index(i), msg);
                            ok = false;
                        }
                    }
                }
                Some(out)
            }
        };
        ok.then(|| Allowed {
            accepted,
            exceptions,
            display: entries
                .iter()
                .map(|(_, t)| t.trim())
                .collect::<Vec<_>>()
                .join(" OR "),
        })
    }

    /// True when the project may take a work under this one licence term.
    pub(crate) fn permits_req(&self, req: &LicenseReq) -> bool {
        self.accepted.iter().any(|acc| {
            if !licence_matches(acc, req) {
                return false;
            }
            match (req.exception, acc.exception) {
                (None, _) => true,
                (Some(x), Some(y)) if x == y => true,
                (Some(x), _) => self.exceptions.as_ref().is_none_or(|l| l.contains(&x)),
            }
        })
    }

    /// True when the expression can be satisfied with accepted licences
    /// only: `GPL-3.0-only OR MIT` is taken as MIT; `MIT AND GPL-3.0-only`
    /// is not permitted.
    pub(crate) fn permits(&self, expr: &Expression) -> bool {
        expr.evaluate(|r| self.permits_req(r))
    }

    /// The terms of an expression the allowed set does not cover, for messages.
    pub(crate) fn refused_terms(&self, expr: &Expression) -> Vec<String> {
        match expr.evaluate_with_failures(|r| self.permits_req(r)) {
            Ok(()) => Vec::new(),
            Err(fails) => {
                let mut v: Vec<String> = fails.iter().map(|f| f.req.to_string()).collect();
                v.dedup();
                v
            }
        }
    }
}

/// Does the accepted licence `acc` cover the required licence `req`
/// (exceptions aside)?
fn licence_matches(acc: &LicenseReq, req: &LicenseReq) -> bool {
    match (&acc.license, &req.license) {
        (
            LicenseItem::Spdx {
                id: a,
                or_later: a_later,
            },
            LicenseItem::Spdx { id: b, .. },
        ) => {
            let licensee = Licensee::new(
                LicenseItem::Spdx {
                    id: *a,
                    or_later: false,
                },
                None,
            );
            let bare = LicenseReq {
                license: req.license.clone(),
                exception: None,
            };
            // `GPL-2.0-or-later` accepted also takes GPL-3.0 works.
            licensee.satisfies(&bare) || (*a_later && same_family(a, b) && b.name >= a.name)
        }
        (
            LicenseItem::Other {
                doc_ref: da,
                lic_ref: la,
            },
            LicenseItem::Other {
                doc_ref: db,
                lic_ref: lb,
            },
        ) => da == db && la == lb,
        _ => false,
    }
}

/// `GPL-2.0` and `GPL-3.0` are one family; `GPL-2.0` and `LGPL-2.0` are not.
fn same_family(a: &LicenseId, b: &LicenseId) -> bool {
    let base = |n: &'static str| &n[..n.rfind('-').unwrap_or(n.len())];
    base(a.name) == base(b.name)
}

/// Parses an `allowed` entry strictly: a policy states licences precisely.
fn policy_expression(text: &str) -> Result<Expression, String> {
    let expr = match Expression::parse(text.trim()) {
        Ok(e) => e,
        Err(e) => {
            let mut msg = format!(
                "`{}` is not a valid SPDX expression: {}",
                text.trim(),
                describe(&e)
            );
            if let Ok(Some(canon)) = Expression::canonicalize(text.trim()) {
                if Expression::parse(&canon).is_ok() {
                    msg.push_str(&format!("; did you mean `{canon}`?"));
                }
            }
            return Err(msg);
        }
    };
    if expr
        .iter()
        .any(|n| matches!(n, ExprNode::Op(Operator::And)))
    {
        return Err(format!(
            "`{}` joins licences with AND; `allowed` is a set of licences the project accepts: join them with OR or write a list",
            text.trim()
        ));
    }
    if let Some(note) = deprecated_note(text.trim()) {
        return Err(format!("`{}` {note}", text.trim()));
    }
    Ok(expr)
}

/// An expression found in a committed file, as judged.
#[derive(Debug)]
pub enum Found {
    /// It parses; `note` says what is non-standard about it (deprecated ids,
    /// lenient syntax) and how to write it.
    Valid {
        /// The parsed expression.
        expr: Box<Expression>,
        /// What is non-standard, and how to write it; `None` when nothing is.
        note: Option<String>,
    },
    /// It does not parse even leniently; the reason names the culprit.
    Invalid {
        /// Why it does not parse, naming the culprit.
        reason: String,
    },
}

/// Parses an expression found in a file: strictly, then leniently.
pub fn parse_found(text: &str) -> Found {
    let text = text.trim();
    match Expression::parse(text) {
        Ok(expr) => Found::Valid {
            note: deprecated_note(text),
            expr: Box::new(expr),
        },
        Err(strict) => match Expression::parse_mode(text, ParseMode::LAX) {
            Ok(expr) => {
                let canon = Expression::canonicalize(text)
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| text.to_string());
                let note = match deprecated_note(&canon) {
                    Some(d) => format!("is not strict SPDX syntax and {d}"),
                    None => format!("is not strict SPDX syntax; write `{canon}`"),
                };
                Found::Valid {
                    expr: Box::new(expr),
                    note: Some(note),
                }
            }
            Err(_) => Found::Invalid {
                reason: describe(&strict),
            },
        },
    }
}

/// What is wrong in an expression, naming the offending part and, for an
/// unknown id, the nearest real one.
pub(crate) fn describe(e: &spdx::ParseError) -> String {
    use spdx::error::Reason;
    let part = e
        .original
        .get(e.span.clone())
        .unwrap_or_default()
        .trim()
        .to_string();
    match &e.reason {
        Reason::UnknownLicense | Reason::UnknownTerm | Reason::UnknownException => {
            let mut msg = if part.is_empty() {
                "an unknown term".to_string()
            } else {
                format!("`{part}` is not an SPDX licence or exception id")
            };
            if let Some(n) = nearest_id(&part) {
                msg.push_str(&format!(" (did you mean `{n}`?)"));
            }
            msg
        }
        Reason::UnclosedParens => "a `(` is never closed".to_string(),
        Reason::UnopenedParens => "a `)` has no matching `(`".to_string(),
        Reason::Empty => "the expression is empty".to_string(),
        Reason::InvalidCharacters => format!("invalid characters in `{part}`"),
        Reason::SeparatedPlus => "a `+` is separated from its licence id".to_string(),
        Reason::GnuNoPlus => format!("`{part}`: GNU ids take `-or-later`, not `+`"),
        Reason::Unexpected(expected) => {
            if part.is_empty() {
                format!("it ends early (expected {})", expected.join(" or "))
            } else {
                format!("unexpected `{part}` (expected {})", expected.join(" or "))
            }
        }
    }
}

/// "uses the deprecated id …; write …" when a strict expression uses one.
fn deprecated_note(text: &str) -> Option<String> {
    let mut deprecated = Vec::new();
    let mut fixed = text.to_string();
    let toks: Vec<_> = Lexer::new(text).filter_map(Result::ok).collect();
    for (i, t) in toks.iter().enumerate() {
        if let Token::Spdx(id) = t.token {
            if id.is_deprecated() {
                let plus = matches!(toks.get(i + 1).map(|t| &t.token), Some(Token::Plus));
                deprecated.push(id.name);
                if let Some(rep) = replacement(id, plus) {
                    let written = if plus {
                        format!("{}+", id.name)
                    } else {
                        id.name.to_string()
                    };
                    fixed = replace_term(&fixed, &written, &rep);
                }
            }
        }
    }
    if deprecated.is_empty() {
        return None;
    }
    let ids = deprecated
        .iter()
        .map(|d| format!("`{d}`"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(if fixed != text {
        format!("uses the deprecated SPDX id {ids}; write `{fixed}`")
    } else {
        format!(
            "uses the deprecated SPDX id {ids} (https://spdx.org/licenses/ lists its replacement)"
        )
    })
}

/// The current id for a deprecated one, where there is a plain answer.
fn replacement(id: LicenseId, plus: bool) -> Option<String> {
    if id.is_gnu() && !id.name.contains("-with-") {
        return Some(if plus {
            format!("{}-or-later", id.name)
        } else {
            format!("{}-only", id.name)
        });
    }
    let rep = match id.name {
        "BSD-2-Clause-FreeBSD" | "BSD-2-Clause-NetBSD" => "BSD-2-Clause",
        "StandardML-NJ" => "SMLNJ",
        "Nunit" => "zlib-acknowledgement",
        "bzip2-1.0.5" => "bzip2-1.0.6",
        _ => return None,
    };
    Some(rep.to_string())
}

/// Replaces a whole term (not a prefix of a longer id) in an expression.
fn replace_term(text: &str, term: &str, with: &str) -> String {
    let is_id = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '+');
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some(i) = rest.find(term) {
        let before_ok = !rest[..i].chars().next_back().is_some_and(is_id);
        let after = &rest[i + term.len()..];
        let after_ok = !after.chars().next().is_some_and(is_id);
        out.push_str(&rest[..i]);
        out.push_str(if before_ok && after_ok { with } else { term });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The SPDX licence or exception id nearest to a misspelt one.
pub(crate) fn nearest_id(word: &str) -> Option<&'static str> {
    if word.is_empty() {
        return None;
    }
    if let Some((id, len)) = spdx::imprecise_license_id(word) {
        if len == word.len() {
            return Some(id.name);
        }
    }
    let lower = word.to_ascii_lowercase();
    if let Some((name, _, _)) = spdx::identifiers::LICENSES
        .iter()
        .find(|(n, _, _)| n.to_ascii_lowercase() == lower)
    {
        return Some(name);
    }
    crate::config::error::nearest(
        word,
        spdx::identifiers::LICENSES
            .iter()
            .map(|(n, _, _)| *n)
            .chain(spdx::identifiers::EXCEPTIONS.iter().map(|(n, _)| *n)),
    )
}

fn nearest_exception(word: &str) -> Option<&'static str> {
    crate::config::error::nearest(word, spdx::identifiers::EXCEPTIONS.iter().map(|(n, _)| *n))
}

/// An SPDX id for a licence name as prose writes it ("MIT", "Unlicense",
/// "Apache 2.0"), or `None`.
pub(crate) fn id_for_name(name: &str) -> Option<&'static str> {
    let name = name.trim().trim_start_matches("the ").trim();
    if name.is_empty() {
        return None;
    }
    if let Some(id) = spdx::license_id(name) {
        return (!name.ends_with('+')).then_some(id.name);
    }
    let lower = name.to_ascii_lowercase();
    if let Some((n, _, _)) = spdx::identifiers::LICENSES
        .iter()
        .find(|(n, _, _)| n.to_ascii_lowercase() == lower)
    {
        return Some(n);
    }
    match spdx::imprecise_license_id(name) {
        Some((id, len)) if len == name.len() => Some(id.name),
        _ => None,
    }
}

/// A canonical form for comparing two expressions (`MIT/Apache-2.0` and
/// `MIT OR Apache-2.0` are the same header).
pub(crate) fn canonical(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match Expression::canonicalize(&collapsed) {
        Ok(Some(c)) => c,
        _ => collapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(list: &[&str], exceptions: Option<&[&str]>) -> Allowed {
        let entries: Vec<(KeyPath, String)> = list
            .iter()
            .map(|s| (KeyPath::of(&["licensing", "allowed"]), s.to_string()))
            .collect();
        let exc: Option<Vec<String>> =
            exceptions.map(|e| e.iter().map(|s| s.to_string()).collect());
        let mut p = Problems::default();
        let a = Allowed::compile(
            &entries,
            exc.as_deref(),
            &KeyPath::of(&["licensing"]),
            &mut p,
        );
        assert!(p.is_empty(), "{:?}", p.0);
        a.expect("compiles")
    }

    fn permits(a: &Allowed, e: &str) -> bool {
        match parse_found(e) {
            Found::Valid { expr, .. } => a.permits(&expr),
            Found::Invalid { reason } => panic!("{e}: {reason}"),
        }
    }

    #[test]
    fn mit_or_apache_semantics() {
        let a = allowed(&["MIT OR Apache-2.0"], None);
        assert!(permits(&a, "MIT"));
        assert!(permits(&a, "Apache-2.0"));
        assert!(permits(&a, "MIT OR Apache-2.0"));
        assert!(permits(&a, "MIT AND Apache-2.0"));
        assert!(permits(&a, "Apache-2.0 WITH LLVM-exception"));
        assert!(permits(&a, "GPL-3.0-only OR MIT"));
        assert!(!permits(&a, "MIT AND GPL-3.0-only"));
        assert!(!permits(&a, "GPL-3.0-only"));
        assert!(!permits(&a, "BSD-3-Clause"));
        assert!(!permits(&a, "LicenseRef-Proprietary"));
        assert_eq!(
            a.refused_terms(&Expression::parse("MIT AND GPL-3.0-only").expect("parses")),
            vec!["GPL-3.0".to_string()]
        );
    }

    #[test]
    fn listed_exceptions_restrict_with() {
        let a = allowed(&["Apache-2.0", "MIT"], Some(&["LLVM-exception"]));
        assert!(permits(&a, "Apache-2.0 WITH LLVM-exception"));
        assert!(!permits(&a, "Apache-2.0 WITH Classpath-exception-2.0"));
        let b = allowed(&["Apache-2.0 WITH LLVM-exception"], Some(&[]));
        assert!(permits(&b, "Apache-2.0 WITH LLVM-exception"));
        assert!(permits(&b, "Apache-2.0"));
    }

    #[test]
    fn gnu_versions_and_or_later() {
        let a = allowed(&["GPL-3.0-or-later"], None);
        assert!(permits(&a, "GPL-3.0-only"));
        assert!(permits(&a, "GPL-2.0-or-later"));
        assert!(!permits(&a, "GPL-2.0-only"));
        assert!(!permits(&a, "LGPL-3.0-only"));
        let b = allowed(&["GPL-2.0-only"], None);
        assert!(!permits(&b, "GPL-3.0-only"));
        assert!(permits(&b, "GPL-2.0-or-later"));
        let r = allowed(&["LicenseRef-Acme"], None);
        assert!(permits(&r, "LicenseRef-Acme"));
        assert!(!permits(&r, "LicenseRef-Other"));
    }

    #[test]
    fn policy_errors_name_the_problem() {
        for (bad, want) in [
            ("MIT OR Apache2", "did you mean `Apache-2.0`"),
            ("MIT OR (Apache-2.0", "never closed"),
            ("MIT/Apache-2.0", "did you mean `MIT OR Apache-2.0`"),
            ("GPL-2.0", "write `GPL-2.0-only`"),
            ("MIT AND Apache-2.0", "join them with OR"),
            ("", "empty"),
        ] {
            let err = policy_expression(bad).expect_err(bad);
            assert!(err.contains(want), "{bad}: {err}");
        }
        assert!(policy_expression("Apache-2.0 WITH LLVM-exception OR MIT").is_ok());
    }

    #[test]
    fn found_expressions_strict_lax_invalid() {
        assert!(matches!(
            parse_found("MIT"),
            Found::Valid { note: None, .. }
        ));
        match parse_found("MIT/Apache-2.0") {
            Found::Valid { note: Some(n), .. } => assert!(n.contains("`MIT OR Apache-2.0`"), "{n}"),
            other => panic!("{other:?}"),
        }
        match parse_found("GPL-2.0+") {
            Found::Valid { note: Some(n), .. } => assert!(n.contains("GPL-2.0-or-later"), "{n}"),
            other => panic!("{other:?}"),
        }
        match parse_found("MIT OR (Apache-2.0") {
            Found::Invalid { reason } => assert!(reason.contains("never closed"), "{reason}"),
            other => panic!("{other:?}"),
        }
        match parse_found("MIT OR Apahce-2.0") {
            Found::Invalid { reason } => assert!(reason.contains("`Apache-2.0`"), "{reason}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_found(""), Found::Invalid { .. }));
        assert!(matches!(parse_found("MIT OR"), Found::Invalid { .. }));
    }

    #[test]
    fn names_and_canonical_forms() {
        assert_eq!(id_for_name("Unlicense"), Some("Unlicense"));
        assert_eq!(id_for_name("MIT"), Some("MIT"));
        assert_eq!(id_for_name("apache 2.0"), Some("Apache-2.0"));
        assert_eq!(id_for_name("Frobnicate"), None);
        assert_eq!(canonical("MIT/Apache-2.0"), canonical("MIT  OR Apache-2.0"));
        assert_eq!(
            replace_term("GPL-2.0 OR LGPL-2.0", "GPL-2.0", "X"),
            "X OR LGPL-2.0"
        );
    }
}
