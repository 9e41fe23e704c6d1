//! What the engine itself reports: content it could not read or that no checkout may hold (`[scan]`).

use crate::diag::{RuleInfo, Severity};

/// Rules the engine itself reports (about what could not be checked).
pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "file-too-large",
        family: "scan",
        default: Severity::Warn,
        summary: "a changed file is larger than `scan.max_file_size` and was not scanned line by line",
        hint: "review the file by hand, or raise `scan.max_file_size` in the policy",
    },
    RuleInfo {
        id: "message-nul",
        family: "scan",
        default: Severity::Error,
        summary: "a commit or tag message holds a NUL byte, after which git shows nothing",
        hint: "rewrite the message without the NUL byte (`git commit --amend`); git itself refuses to write one",
    },
    RuleInfo {
        id: "message-encoding",
        family: "scan",
        default: Severity::Error,
        summary: "a message's `encoding` header names an encoding that cannot be decoded, or the message is not valid in it",
        hint: "rewrite the commit in UTF-8 (`git -c i18n.commitEncoding=UTF-8 commit --amend`)",
    },
    RuleInfo {
        id: "path-malformed",
        family: "scan",
        default: Severity::Error,
        summary: "a tree entry has a name no checkout may write (`.`, `..`, `.git`, empty, or containing `/`)",
        hint: "rewrite the commit so that the tree holds only ordinary names (`git fsck` names the bad tree)",
    },
];
