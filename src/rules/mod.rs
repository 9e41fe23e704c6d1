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
pub mod disclosure;
pub(crate) mod family;
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

/// The one list of the families that have a table in the policy, in the
/// order their findings are reported: `table: Type`, where `table` is the
/// policy's key and `Type`, the table compiled, implements
/// [`Family`](family::Family). Given the name of a macro, it calls it with
/// the list: from it follow the raw policy's fields (`policy/raw.rs`), the
/// compiled tables and their compilation (`policy/compiled.rs`), the
/// dispatch (`policy/families.rs`) and [`registry`]. A family is added
/// here and in its own file, nowhere else.
macro_rules! with_families {
    ($then:ident) => {
        $then! {
            /// Custom rules: a pattern over a scope of the change, a severity
            /// and a message.
            rules: crate::rules::custom::Rules,
            /// Disclosure of AI help in the commit message (trailers, tools).
            disclosure: crate::rules::disclosure::Disclosure,
            /// Accountability and review: sign-offs, reviewers, required reviews.
            review: crate::rules::review::Review,
            /// `[licensing]`: allowed licences, SPDX headers, foreign licence text.
            licensing: crate::rules::licensing::Licensing,
            /// Secrets, credentials and private keys in added lines and messages.
            secrets: crate::rules::secrets::Secrets,
            /// Download-and-execute lines, obfuscated payloads and committed binaries.
            payloads: crate::rules::payloads::Payloads,
            /// Paths that change only with a maintainer's review trailer.
            protected: crate::rules::protected::Protected,
            /// Unjustified `unsafe` in Rust.
            unsafe_code: crate::rules::rust_safety::Compiled,
            /// Dependency changes in Cargo manifests, configs and lock files.
            dependencies: crate::rules::dependencies::Compiled,
            /// CI workflow changes.
            workflows: crate::rules::workflows::Compiled,
        }
    };
}
pub(crate) use with_families;

/// The run-level tables (whole runs and pushes, not one change), then every
/// family's, as [`registry`] lists them.
macro_rules! registry_tables {
    ($($(#[$doc:meta])* $table:ident: $family:ty,)*) => {
        [
            scan::RULES,
            adoption::RULES,
            server::RULES,
            $(<$family as family::Family>::RULES,)*
        ]
    };
}

/// Every built-in rule of every family.
pub fn registry() -> impl Iterator<Item = &'static RuleInfo> {
    let tables: [&'static [RuleInfo]; 13] = with_families!(registry_tables);
    tables.into_iter().flatten()
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
