#![warn(missing_docs)]
//! Rule families. Each is a pure function of a [`Change`](crate::model::Change)
//! and its compiled configuration that reports into a [`Sink`](sink::Sink);
//! none touches git or the filesystem.
//!
//! Every built-in rule has a stable kebab-case id listed in its family's
//! `RULES` table: that id is what findings carry, what `[severity]` overrides
//! and inline `policy-check:allow` markers name, and what `explain` documents.

pub use crate::diag::RuleInfo;
#[cfg(test)]
use crate::diag::{rule, Severity};

pub mod adoption;
pub(crate) mod custom;
pub mod dependencies;
#[allow(missing_docs, reason = "its own helper documents it (issue 16)")]
pub mod disclosure;
pub(crate) mod gitleaks;
pub mod licensing;
pub(crate) mod patterns;
pub(crate) mod payloads;
pub(crate) mod protected;
pub(crate) mod review;
pub(crate) mod rust_safety;
pub mod scan;
pub mod secrets;
pub mod server;
pub(crate) mod sink;
pub(crate) mod workflows;

/// Every built-in rule of every family.
pub fn registry() -> impl Iterator<Item = &'static RuleInfo> {
    let families: [&'static [RuleInfo]; 12] = [
        scan::RULES,
        adoption::RULES,
        server::RULES,
        disclosure::RULES,
        review::RULES,
        licensing::RULES,
        secrets::RULES,
        payloads::RULES,
        protected::RULES,
        rust_safety::RULES,
        dependencies::RULES,
        workflows::RULES,
    ];
    families.into_iter().flatten()
}

/// Looks up a built-in rule by id.
pub(crate) fn find(id: &str) -> Option<&'static RuleInfo> {
    registry().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids are what findings, overrides and markers name, so no two built-in
    /// rules may share one, and every id is kebab-case.
    #[test]
    fn every_rule_id_is_unique_and_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for r in registry() {
            assert!(seen.insert(r.id), "two rules are named `{}`", r.id);
            assert!(
                !r.id.is_empty()
                    && r.id
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "`{}` is not kebab-case",
                r.id
            );
        }
    }

    /// A rule is found by its id wherever it stands in its table.
    #[test]
    fn rule_is_found_by_id_not_place() {
        for table in [disclosure::RULES, review::RULES, workflows::RULES] {
            for (i, r) in table.iter().enumerate() {
                let found = rule(table, r.id);
                assert_eq!(found.id, r.id);
                assert!(std::ptr::eq(found, &table[i]));
            }
        }
        let reversed: &'static [RuleInfo] = &[
            RuleInfo {
                id: "b",
                family: "t",
                default: Severity::Warn,
                summary: "",
                hint: "",
            },
            RuleInfo {
                id: "a",
                family: "t",
                default: Severity::Error,
                summary: "",
                hint: "",
            },
        ];
        assert_eq!(rule(reversed, "a").default, Severity::Error);
        assert_eq!(rule(reversed, "b").default, Severity::Warn);
    }
}
