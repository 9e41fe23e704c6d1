//! People in trailers: parsing `Name <email>` and deciding whether a change
//! carries a review from someone accountable. Shared by every rule family
//! that asks for a review (AI review, protected paths, CI workflows), so the
//! notion of "reviewed" is the same everywhere.

use serde::Deserialize;

use crate::message::Trailer;
use crate::model::{Change, Identity};

/// A `Name <email>` value, as in `Signed-off-by:` or `Reviewed-by:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
}

impl Person {
    /// Parses `Name <email>`; `None` when the value has no well-formed `<email>`.
    pub fn parse(value: &str) -> Option<Person> {
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
    pub fn is(&self, who: &Identity) -> bool {
        self.email.eq_ignore_ascii_case(&who.email) && self.name.eq_ignore_ascii_case(&who.name)
    }

    /// Same email, case-insensitively.
    pub fn same_email(&self, email: &str) -> bool {
        self.email.eq_ignore_ascii_case(email)
    }
}

/// `[*.review]`-style settings as written: which trailers count as a review
/// and, optionally, who may give it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReviewers {
    /// Trailer keys that record a review (default: Reviewed-by, Acked-by).
    pub trailers: Option<Vec<String>>,
    /// Names or emails allowed to review; empty means anyone but the author.
    pub reviewers: Option<Vec<String>>,
}

/// Compiled review requirement.
#[derive(Debug, Clone)]
pub struct Reviewers {
    pub trailers: Vec<String>,
    /// Lowercased names or emails; empty means anyone but the author.
    pub allowed: Vec<String>,
}

impl Default for Reviewers {
    fn default() -> Self {
        Reviewers {
            trailers: vec!["Reviewed-by".into(), "Acked-by".into()],
            allowed: Vec::new(),
        }
    }
}

impl Reviewers {
    /// Builds from raw settings, falling back to `base` for what is not set.
    pub fn compile(raw: &RawReviewers, base: &Reviewers) -> Reviewers {
        Reviewers {
            trailers: raw
                .trailers
                .clone()
                .unwrap_or_else(|| base.trailers.clone()),
            allowed: raw
                .reviewers
                .as_ref()
                .map(|v| v.iter().map(|s| s.trim().to_ascii_lowercase()).collect())
                .unwrap_or_else(|| base.allowed.clone()),
        }
    }

    /// True when `p` is in the allowed set (or the set is open).
    pub fn allows(&self, p: &Person) -> bool {
        self.allowed.is_empty()
            || self.allowed.iter().any(|a| {
                a.eq_ignore_ascii_case(&p.email)
                    || a.eq_ignore_ascii_case(&p.name)
                    || a.eq_ignore_ascii_case(&format!("{} <{}>", p.name, p.email))
            })
    }

    /// The review trailer that satisfies this requirement: a well-formed
    /// identity, not the author, and allowed.
    pub fn review<'c>(&self, change: &'c Change) -> Option<&'c Trailer> {
        let msg = change.message.as_ref()?;
        msg.trailers.iter().find(|t| {
            self.trailers.iter().any(|k| t.is(k))
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
    pub fn describe(&self) -> String {
        let keys = self
            .trailers
            .iter()
            .map(|k| format!("`{k}:`"))
            .collect::<Vec<_>>()
            .join(" or ");
        if self.allowed.is_empty() {
            format!("a {keys} trailer from someone other than the author")
        } else {
            format!("a {keys} trailer from one of: {}", self.allowed.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
