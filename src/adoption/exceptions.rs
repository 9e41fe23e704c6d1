//! Policy-level exceptions: `[[exceptions]]` entries that excuse the
//! findings of one rule, optionally only in one commit or under some paths,
//! for a stated reason, optionally until a date.
//!
//! ```toml
//! [[exceptions]]
//! rule = "file-too-large"
//! path = "fixtures/**"           # optional glob (gitignore-like)
//! commit = "1a2b3c4d"            # optional commit id or prefix (4+ hex digits)
//! reason = "fixtures are generated; reviewed in #123"
//! owner = "Ada <ada@example.org>" # optional: who answers for it
//! expires = 2027-03-01           # optional: applies through this day
//! ```
//!
//! They are applied once, centrally, by the engine (after inline markers,
//! before the baseline), so every rule family gets them for free.

use globset::GlobSet;
use serde::Deserialize;

use crate::config::error::{nearest, Location};
use crate::config::{compile_globs, KeyPath, Problems};
use crate::date::RawDate;
use crate::diag::Finding;

/// An `[[exceptions]]` entry as written.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawException {
    /// The rule id the exception excuses (built-in or custom).
    pub(crate) rule: String,
    /// Only findings in this commit (a full id or a prefix of 4+ hex digits).
    pub(crate) commit: Option<String>,
    /// Only findings on files matching this glob (gitignore-like: `*.rs`
    /// matches at any depth, `vendor/**` a directory).
    pub(crate) path: Option<String>,
    /// Why the exception is granted (required: an exception without a
    /// reason cannot be reviewed).
    pub(crate) reason: String,
    /// Who answers for the exception.
    pub(crate) owner: Option<String>,
    /// The last day the exception applies (YYYY-MM-DD); from the next day
    /// on it no longer applies and is reported as `exception-expired`.
    pub(crate) expires: Option<RawDate>,
}

/// A compiled exception, with the count of findings it excused in this run.
#[derive(Debug)]
pub(crate) struct Exception {
    pub(crate) rule: String,
    /// Lowercase commit id prefix.
    pub(crate) commit: Option<String>,
    pub(crate) path: Option<GlobSet>,
    /// The glob as written, for messages.
    pub(crate) path_text: Option<String>,
    pub(crate) reason: String,
    pub(crate) owner: Option<String>,
    /// The last day it applies (days since the epoch) and that day as written.
    pub(crate) expires: Option<(i64, String)>,
    /// True when `expires` is before the policy's today: it does not apply.
    pub(crate) expired: bool,
    /// Where it is written, for findings about it.
    pub(crate) location: Option<Location>,
}

impl Exception {
    /// True when it excuses the finding (expiry aside).
    pub(crate) fn matches(&self, f: &Finding) -> bool {
        if f.rule != self.rule {
            return false;
        }
        if let Some(prefix) = &self.commit {
            match &f.commit {
                Some(c) if c.to_ascii_lowercase().starts_with(prefix.as_str()) => {}
                _ => return false,
            }
        }
        if let Some(glob) = &self.path {
            match &f.path {
                Some(p) if glob.is_match(p) => {}
                _ => return false,
            }
        }
        true
    }

    /// Applies to `f` now: matches and has not expired.
    pub(crate) fn excuses(&self, f: &Finding) -> bool {
        !self.expired && self.matches(f)
    }

    /// `exception for \`rule\` (path …, commit …)`, for messages.
    pub(crate) fn describe(&self) -> String {
        let mut scope = Vec::new();
        if let Some(p) = &self.path_text {
            scope.push(format!("path `{p}`"));
        }
        if let Some(c) = &self.commit {
            scope.push(format!("commit {c}"));
        }
        let mut s = format!("exception for `{}`", self.rule);
        if !scope.is_empty() {
            s.push_str(&format!(" ({})", scope.join(", ")));
        }
        s.push_str(&format!(": \"{}\"", self.reason));
        if let Some(o) = &self.owner {
            s.push_str(&format!(", owner {o}"));
        }
        s
    }
}

/// Validates and compiles the `[[exceptions]]` entries. `known` are the rule
/// ids the policy knows (built-in and custom); `locate` finds an entry in
/// its file; `today` decides which have expired.
pub(crate) fn compile(
    raw: Vec<RawException>,
    known: &[&str],
    today: i64,
    locate: &dyn Fn(&KeyPath) -> Option<Location>,
    problems: &mut Problems,
) -> Vec<Exception> {
    let base = KeyPath::of(&["exceptions"]);
    let mut out = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let path = base.index(i);
        let mut ok = true;
        if !known.contains(&r.rule.as_str()) {
            let mut msg = format!("unknown rule id `{}`", r.rule);
            if let Some(near) = nearest(&r.rule, known.iter().copied()) {
                msg.push_str(&format!("; did you mean `{near}`?"));
            }
            msg.push_str(" (`policy-check explain --list` lists every rule)");
            problems.error(path.key("rule"), msg);
            ok = false;
        }
        if r.reason.trim().is_empty() {
            problems.error(
                path.key("reason"),
                "`reason` is empty: say why the exception is granted",
            );
            ok = false;
        }
        let commit = match &r.commit {
            Some(c) => {
                let c = c.trim().to_ascii_lowercase();
                if c.len() < 4 || c.len() > 64 || !c.bytes().all(|b| b.is_ascii_hexdigit()) {
                    problems.error(
                        path.key("commit"),
                        format!("`{c}` is not a commit id: expected 4 to 64 hex digits"),
                    );
                    ok = false;
                }
                Some(c)
            }
            None => None,
        };
        let glob = match &r.path {
            Some(p) => {
                let g = compile_globs(std::slice::from_ref(p), &path.key("path"), problems);
                ok &= g.is_some();
                g
            }
            None => None,
        };
        let expires = match &r.expires {
            Some(d) => match d.days() {
                Some(day) => Some((day, d.to_string())),
                None => {
                    problems.error(
                        path.key("expires"),
                        format!("`{d}` is not a date: expected YYYY-MM-DD"),
                    );
                    ok = false;
                    None
                }
            },
            None => None,
        };
        if !ok {
            continue;
        }
        out.push(Exception {
            rule: r.rule,
            commit,
            path: glob,
            path_text: r.path,
            reason: r.reason.trim().to_string(),
            owner: r.owner,
            expired: expires.as_ref().is_some_and(|(day, _)| today > *day),
            expires,
            location: locate(&path),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;

    fn finding(rule: &str, commit: &str, path: Option<&str>) -> Finding {
        Finding {
            rule: rule.into(),
            severity: Severity::Error,
            commit: Some(commit.into()),
            path: path.map(str::to_string),
            line: None,
            message: "m".into(),
            hint: String::new(),
            snippet: None,
            fix: None,
        }
    }

    fn one(toml_text: &str, today: &str) -> (Vec<Exception>, Problems) {
        #[derive(Deserialize)]
        struct Doc {
            exceptions: Vec<RawException>,
        }
        let doc: Doc = toml::from_str(toml_text).unwrap();
        let mut problems = Problems::default();
        let ex = compile(
            doc.exceptions,
            &["no-miner", "file-too-large"],
            crate::date::parse(today).unwrap(),
            &|_| None,
            &mut problems,
        );
        (ex, problems)
    }

    #[test]
    fn matches_rule_commit_prefix_and_path() {
        let (ex, p) = one(
            "[[exceptions]]\nrule = \"no-miner\"\ncommit = \"ABCD12\"\npath = \"vendor/**\"\nreason = \"upstream\"\n",
            "2026-01-01",
        );
        assert!(p.is_empty());
        let e = &ex[0];
        assert!(e.excuses(&finding("no-miner", "abcd1234ff", Some("vendor/a/b.rs"))));
        assert!(!e.excuses(&finding("no-miner", "abce1234ff", Some("vendor/a/b.rs"))));
        assert!(!e.excuses(&finding("no-miner", "abcd1234ff", Some("src/vendor.rs"))));
        assert!(!e.excuses(&finding("file-too-large", "abcd1234ff", Some("vendor/x"))));
        assert!(!e.excuses(&finding("no-miner", "abcd1234ff", None)));
    }

    #[test]
    fn expires_after_its_last_day() {
        let text = "[[exceptions]]\nrule = \"no-miner\"\nreason = \"r\"\nexpires = 2026-03-01\n";
        let (ex, _) = one(text, "2026-03-01");
        assert!(!ex[0].expired, "applies through its last day");
        let (ex, _) = one(text, "2026-03-02");
        assert!(ex[0].expired);
        assert!(!ex[0].excuses(&finding("no-miner", "abcd", None)));
    }

    #[test]
    fn every_problem_is_reported() {
        let (ex, p) = one(
            "[[exceptions]]\nrule = \"no-minr\"\ncommit = \"xyz\"\nreason = \" \"\nexpires = \"2026-02-30\"\n",
            "2026-01-01",
        );
        assert!(ex.is_empty());
        let msgs: Vec<String> =
            p.0.iter()
                .map(|p| format!("{}: {}", p.path, p.message))
                .collect();
        assert_eq!(msgs.len(), 4, "{msgs:?}");
        assert!(msgs[0].contains("did you mean `no-miner`"), "{msgs:?}");
        assert!(
            msgs.iter().any(|m| m.starts_with("exceptions[0].commit")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.starts_with("exceptions[0].expires")),
            "{msgs:?}"
        );
    }
}
