//! Rule families. Each is a pure function of a [`Change`](crate::model::Change)
//! and its compiled configuration that reports into a [`Sink`](crate::engine::Sink);
//! none touches git or the filesystem.
//!
//! Every built-in rule has a stable kebab-case id listed in its family's
//! `RULES` table: that id is what findings carry, what `[severity]` overrides
//! and inline `policy-check:allow` markers name, and what `explain` documents.

use crate::report::Severity;

pub mod custom;
pub mod dependencies;
pub mod disclosure;
pub mod gitleaks;
pub mod licensing;
pub mod patterns;
pub mod payloads;
pub mod protected;
pub mod review;
pub mod rust_safety;
pub mod secrets;
pub mod workflows;

/// Metadata of a built-in rule.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable kebab-case id.
    pub id: &'static str,
    /// The family (and `[table]` of the policy) it belongs to.
    pub family: &'static str,
    /// Severity when the policy does not override it.
    pub default: Severity,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// One line: how to fix a finding.
    pub hint: &'static str,
}

/// Every built-in rule of every family.
pub fn registry() -> impl Iterator<Item = &'static RuleInfo> {
    let families: [&'static [RuleInfo]; 12] = [
        crate::engine::RULES,
        crate::adoption::RULES,
        crate::hooks::RULES,
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
pub fn find(id: &str) -> Option<&'static RuleInfo> {
    registry().find(|r| r.id == id)
}
