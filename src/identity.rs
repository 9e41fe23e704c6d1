//! People in trailers: parsing `Name <email>` and deciding whether a change
//! carries a review from someone accountable. Shared by every rule family
//! that asks for a review (AI review, protected paths, CI workflows), so the
//! notion of "reviewed" is the same everywhere.

use crate::message::Trailer;
use crate::model::{Change, Identity};

/// A `Name <email>` value, as in `Signed-off-by:` or `Reviewed-by:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) email: String,
}

impl Person {
    /// Parses `Name <email>`; `None` when the value has no well-formed `<email>`.
    pub(crate) fn parse(value: &str) -> Option<Person> {
        let value = value.trim();
        let open = value.rfind('<')?;
        let rest = &value[open + 1..];
        let close = rest.find('>')?;
        if !rest[close + 1..].trim().is_empty() {
            return None;
        }
        let email = rest[..close].trim();
        let (local, domain) = email.split_once('@')?;
        if local.is_empty() || domain.is_empty() || email.contains(char::is_whitespace) {
            return None;
        }
        Some(Person {
            name: value[..open].trim().to_string(),
            email: email.to_string(),
        })
    }

    /// Same person as a commit identity: email and name, case-insensitively (as DCO checkers compare).
    pub(crate) fn is(&self, who: &Identity) -> bool {
        self.email.eq_ignore_ascii_case(&who.email) && self.name.eq_ignore_ascii_case(&who.name)
    }

    /// Same email, case-insensitively.
    pub(crate) fn same_email(&self, email: &str) -> bool {
        self.email.eq_ignore_ascii_case(email)
    }
}

/// What a review trailer is worth where the check runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Counting {
    /// Client hooks and `check`: a trailer is read as the claim it is, and
    /// an empty reviewer list means anyone but the author.
    #[default]
    Claims,
    /// The server, configured to trust trailers (a forge that writes them
    /// itself): a trailer counts, but an empty reviewer list means nobody.
    TrustedTrailers,
    /// The server: a trailer never counts by itself; the review is judged
    /// from evidence (an authenticated push, a signed merge or tag) after the
    /// rules have run. An empty reviewer list means nobody.
    Evidence,
}

/// Compiled review requirement.
#[derive(Debug, Clone)]
pub struct Reviewers {
    pub(crate) trailers: Vec<String>,
    /// Lowercased names or emails; empty means anyone but the author
    /// (locally) or nobody (on the server).
    pub(crate) allowed: Vec<String>,
    /// What a trailer is worth here.
    pub(crate) counting: Counting,
}

impl Default for Reviewers {
    fn default() -> Self {
        Reviewers {
            trailers: vec!["Reviewed-by".into(), "Acked-by".into()],
            allowed: Vec::new(),
            counting: Counting::Claims,
        }
    }
}

impl Reviewers {
    /// True when `p` is in the allowed set (or the set is open: only for
    /// claims, never on the server).
    pub(crate) fn allows(&self, p: &Person) -> bool {
        (self.allowed.is_empty() && self.counting == Counting::Claims)
            || self.allowed.iter().any(|a| {
                a.eq_ignore_ascii_case(&p.email)
                    || a.eq_ignore_ascii_case(&p.name)
                    || a.eq_ignore_ascii_case(&format!("{} <{}>", p.name, p.email))
            })
    }

    /// True when `who` (a forge login, or the email an allowed-signers file
    /// names) is in the allowed set: the entry itself or the email of a
    /// `Name <email>` entry. An empty set allows nobody here: this is
    /// evidence, judged on the server only.
    pub(crate) fn allows_login(&self, who: &str) -> bool {
        let who = who.trim();
        !who.is_empty()
            && self.allowed.iter().any(|a| {
                a.eq_ignore_ascii_case(who) || Person::parse(a).is_some_and(|p| p.same_email(who))
            })
    }

    /// True when no one can give this review on the server: the policy
    /// names no reviewer (no maintainers).
    pub(crate) fn nobody(&self) -> bool {
        self.allowed.is_empty() && self.counting != Counting::Claims
    }

    /// The review trailer that satisfies this requirement: a well-formed
    /// identity, not the author, and allowed.
    pub(crate) fn review<'c>(&self, change: &'c Change) -> Option<&'c Trailer> {
        self.review_where(change, |_| true)
    }

    /// Like [`review`](Self::review), counting only trailers `accept` lets
    /// through (the AI rules refuse a review signed by an AI identity).
    pub(crate) fn review_where<'c>(
        &self,
        change: &'c Change,
        accept: impl Fn(&Trailer) -> bool,
    ) -> Option<&'c Trailer> {
        if self.counting == Counting::Evidence {
            return None;
        }
        let msg = change.message.as_ref()?;
        msg.trailers.iter().find(|t| {
            self.trailers.iter().any(|k| t.is(k))
                && accept(t)
                && Person::parse(&t.value).is_some_and(|p| {
                    let is_author = change
                        .author
                        .as_ref()
                        .is_some_and(|a| p.same_email(&a.email));
                    !is_author && self.allows(&p)
                })
        })
    }

    /// "a `Reviewed-by:` or `Acked-by:` trailer from one of …", for messages and hints.
    pub(crate) fn describe(&self) -> String {
        let keys = self
            .trailers
            .iter()
            .map(|k| format!("`{k}:`"))
            .collect::<Vec<_>>()
            .join(" or ");
        match self.counting {
            _ if self.nobody() => {
                "a maintainer's review, which no one can give: the policy names no \
                 maintainers (set `[policy] maintainers` or `maintainers_file` in the policy the \
                 server reads)"
                    .to_string()
            }
            Counting::Evidence => format!(
                "a review by one of: {} (their own authenticated push, or a merge commit or tag \
                 they signed; a {keys} trailer alone is a claim)",
                self.allowed.join(", ")
            ),
            _ if self.allowed.is_empty() => {
                format!("a {keys} trailer from someone other than the author")
            }
            _ => format!("a {keys} trailer from one of: {}", self.allowed.join(", ")),
        }
    }
}

/// The people a MAINTAINERS or CODEOWNERS file names: emails (from
/// `Name <email>` or bare) and `@login`s, lowercased.
///
/// In the Linux kernel's MAINTAINERS format (`X:\tvalue` lines) only the
/// maintainers (`M:`) and reviewers (`R:`) count, not mailing lists (`L:`).
pub(crate) fn parse_maintainers(text: &str) -> Vec<String> {
    let kernel_style = text.lines().any(|l| {
        let b = l.as_bytes();
        b.len() > 2 && b[0].is_ascii_uppercase() && b[1] == b':' && b[2] == b'\t'
    });
    let mut out: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let line = if kernel_style {
            match line.split_once(':') {
                Some(("M" | "R", rest)) => rest,
                _ => continue,
            }
        } else {
            line
        };
        for tok in line.split(|c: char| c.is_whitespace() || c == ',') {
            let tok = tok.trim_matches(|c| c == '<' || c == '>' || c == '"' || c == '\'');
            let who = if let Some(login) = tok.strip_prefix('@') {
                (!login.is_empty()).then_some(login)
            } else if tok.contains('@') && !tok.starts_with('@') && !tok.ends_with('@') {
                Some(tok)
            } else {
                None
            };
            if let Some(w) = who {
                let w = w.to_ascii_lowercase();
                if !out.contains(&w) {
                    out.push(w);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_maintainers_files() {
        let kernel = "FOO DRIVER\nM:\tJane Doe <Jane@Example.com>\nR:\tBob <bob@x.org>\nL:\tlist@vger.kernel.org\nF:\tdrivers/foo/\n";
        assert_eq!(
            parse_maintainers(kernel),
            vec!["jane@example.com", "bob@x.org"]
        );
        let owners = "# owners\n*.rs @alice @org/team\n/docs/ docs@example.com\n";
        assert_eq!(
            parse_maintainers(owners),
            vec!["alice", "org/team", "docs@example.com"]
        );
    }

    #[test]
    fn parses_name_and_email() {
        let p = Person::parse("Jane Doe <jane@example.com>").expect("valid");
        assert_eq!(p.name, "Jane Doe");
        assert_eq!(p.email, "jane@example.com");
        assert!(Person::parse("Jane Doe").is_none());
        assert!(Person::parse("Jane <jane>").is_none());
        assert!(Person::parse("Jane <jane@x> trailing").is_none());
        assert!(Person::parse("<@x>").is_none());
    }
}
