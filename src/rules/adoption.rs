//! What adoption reports about itself: stale baseline entries, expired or unused exceptions.

use crate::diag::{RuleInfo, Severity};

/// Rules about the adoption machinery itself.
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "baseline-stale",
        family: "adoption",
        default: Severity::Warn,
        summary:
            "a `--baseline` entry matched no finding: the finding was fixed or its commit rewritten",
        hint: "regenerate the baseline with `policy-check baseline write`, or delete the entry",
    },
    RuleInfo {
        id: "exception-expired",
        family: "adoption",
        default: Severity::Warn,
        summary: "an `[[exceptions]]` entry is past its `expires` date and no longer applies",
        hint: "fix the findings and delete the exception, or move `expires` with a reason",
    },
    RuleInfo {
        id: "exception-unused",
        family: "adoption",
        default: Severity::Warn,
        summary: "an `[[exceptions]]` entry matched no finding in the checked commits",
        hint: "correct the exception's `rule`, `commit` or `path`, or delete it",
    },
];
