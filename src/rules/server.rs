//! What the push hooks report about a push as a whole: objects left unchecked, unreviewed policy changes.

use crate::diag::{RuleInfo, Severity};

/// Rules the push hooks report themselves.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "push-unchecked-object",
        family: "server",
        default: Severity::Warn,
        summary: "a pushed ref points at a tree or a blob, not a commit: its files are checked, but it has no message, author or review",
        hint: "push commits (or annotated tags of commits), or review the object by hand",
    },
    RuleInfo {
        id: "policy-change-unreviewed",
        family: "server",
        default: Severity::Error,
        summary: "a commit changes the policy the server reads from the protected branch (or a file it extends or names) without a maintainer's review the server can verify",
        hint: "have a maintainer push the commit, or merge it with a signed merge commit or tag (see docs/trust-model.md)",
    },
];
