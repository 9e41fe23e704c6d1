//! What the hooks share: exception trailers, the pusher's identity, and the
//! policy's own findings.

use crate::diag::{Finding, Severity};
use crate::message::Message;
use crate::policy::Run;

/// The trailer that asks the server to waive one rule for one commit.
const EXCEPTION_TRAILER: &str = "Policy-Exception";

/// Environment variables that name the pusher, by forge: GitLab, Gitea /
/// Forgejo, GitHub Enterprise, gitolite, and HTTP authentication.
pub(crate) const PUSHER_VARS: &[&str] = &[
    "GL_USERNAME",
    "GITEA_PUSHER_NAME",
    "GITHUB_USER_LOGIN",
    "GL_USER",
    "REMOTE_USER",
];

/// A `Policy-Exception: <rule-id> <reason>` trailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Exception {
    /// The rule id the exception is for.
    pub(crate) rule: String,
    /// Why, in the author's words (never empty).
    pub(crate) reason: String,
}

/// The exceptions a message claims; values without a reason do not count.
pub(crate) fn exceptions(msg: &Message) -> Vec<Exception> {
    msg.trailer_values(EXCEPTION_TRAILER)
        .filter_map(|t| {
            let v = t.value.trim();
            let (rule, reason) = v.split_once(char::is_whitespace)?;
            let reason = reason.trim();
            (!rule.is_empty() && !reason.is_empty()).then(|| Exception {
                rule: rule.to_string(),
                reason: reason.to_string(),
            })
        })
        .collect()
}

/// True when `login` is one of the `[policy] maintainers`: the entry itself,
/// or the email of a `Name <email>` entry, compared case-insensitively.
pub(crate) fn is_maintainer(maintainers: &[String], login: &str) -> bool {
    let login = login.trim();
    !login.is_empty()
        && maintainers.iter().any(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case(login)
                || crate::identity::Person::parse(m).is_some_and(|p| p.same_email(login))
        })
}

/// Findings about the policy itself once a hook has checked: its expired
/// `[[exceptions]]` (`exception-expired`), as `check` reports them. Unused
/// exceptions are not judged (a hook sees too few commits for that) and a
/// hook has no baseline. Paths are relative to the repository root.
pub(crate) fn policy_findings(run: &Run<'_>, repo: &crate::git::Repository) -> Vec<Finding> {
    let root = crate::git::root(repo);
    let rel = crate::cmd::common::relative_to(&root);
    crate::adoption::run_findings(run, None, &rel)
}

/// On the client, a finding a `Policy-Exception` trailer names stays visible
/// but is downgraded to a warning: only the server can grant an exception.
pub(crate) fn downgrade_claimed(findings: &mut [Finding], claimed: &[Exception]) {
    for f in findings.iter_mut() {
        if claimed.iter().any(|e| e.rule == f.rule) && f.severity == Severity::Error {
            f.severity = Severity::Warn;
            f.message.push_str(
                " (a Policy-Exception trailer claims an exception: the server grants it \
                 only when a maintainer pushes)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_needs_rule_and_reason() {
        let m = Message::parse(
            b"Subject\n\nPolicy-Exception: no-wip vendored as is\nPolicy-Exception: bare-rule\n",
            None,
            "#",
        );
        assert_eq!(
            exceptions(&m),
            vec![Exception {
                rule: "no-wip".into(),
                reason: "vendored as is".into()
            }]
        );
    }

    #[test]
    fn maintainers_match_login_or_email() {
        let m = vec!["alice".to_string(), "Bob B <bob@example.com>".to_string()];
        assert!(is_maintainer(&m, "Alice"));
        assert!(is_maintainer(&m, "bob@example.com"));
        assert!(!is_maintainer(&m, "bob"));
        assert!(!is_maintainer(&m, ""));
        assert!(!is_maintainer(&[], "alice"));
    }
}
