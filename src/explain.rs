//! Explanations of the built-in rules: what a rule checks, why (the policy
//! clause behind it), an example that fails and one that passes, how to fix
//! a finding and how to suppress one.
//!
//! The text is data, not code: one TOML file per family under
//! `policies/data/explain/`, one table per rule id, embedded in the binary.
//! A test fails when a rule of [`crate::rules::registry`] has no entry, or an
//! entry names no rule. A family's file, `policies/data/explain/FAMILY.toml`,
//! is read because the family is in `rules::with_families!`; the build fails
//! without it.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;

use crate::diag::RuleInfo;

/// `FILES` from the list of families: the run-level tables' files, then
/// one per family, `policies/data/explain/<table>.toml`, which must exist.
macro_rules! explain_files {
    ($($(#[$doc:meta])* $table:ident: $family:ty,)*) => {
        /// (family file, TOML text) of every explanation file.
        pub(crate) const FILES: &[(&str, &str)] = &[
            ("scan", include_str!("../policies/data/explain/scan.toml")),
            ("adoption", include_str!("../policies/data/explain/adoption.toml")),
            ("server", include_str!("../policies/data/explain/server.toml")),
            $((
                stringify!($table),
                include_str!(concat!("../policies/data/explain/", stringify!($table), ".toml")),
            ),)*
        ];
    };
}
crate::rules::with_families!(explain_files);

/// The explanation of one rule, as written in the data files.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explanation {
    /// What the rule checks, in a sentence or two.
    pub(crate) checks: String,
    /// Why: the policy clause (or seed policy) the rule enforces.
    why: String,
    /// An example that produces a finding.
    pub(crate) fails: String,
    /// A near miss that does not.
    pub(crate) passes: String,
    /// How to fix a finding.
    fix: String,
    /// How to suppress a finding when it is a false positive or accepted
    /// (default: the inline marker, an exception, or `[severity]`).
    suppress: Option<String>,
}

/// Every explanation, by rule id; an error names the file that is malformed
/// or the id that is explained twice.
pub(crate) fn all() -> Result<BTreeMap<String, Explanation>, String> {
    let mut out = BTreeMap::new();
    for (file, text) in FILES {
        let table: BTreeMap<String, Explanation> =
            toml::from_str(text).map_err(|e| format!("policies/data/explain/{file}.toml: {e}"))?;
        for (id, e) in table {
            if out.insert(id.clone(), e).is_some() {
                return Err(format!(
                    "policies/data/explain/{file}.toml: `{id}` is explained twice"
                ));
            }
        }
    }
    Ok(out)
}

/// The explanation of one rule id, if there is one.
pub fn get(id: &str) -> Option<Explanation> {
    all().ok()?.remove(id)
}

/// The default way to suppress a finding of a rule.
pub(crate) fn default_suppress(id: &str) -> String {
    format!(
        "on one line: a comment with `{} {id}`, where the policy's `[suppress] inline` \
         allows it (unset: any rule locally; on the server, no security, review, \
         disclosure or protected-path rule); for a commit or path: an \
         `[[exceptions]]` entry with `rule = \"{id}\"` and a `reason`; for the \
         whole project: `[severity] {id} = \"off\"`; for existing history: \
         `policy-check baseline write`",
        crate::rules::sink::ALLOW_MARKER
    )
}

/// The full text `policy-check explain RULE` prints.
pub(crate) fn render(rule: &RuleInfo, e: Option<&Explanation>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({} family, default severity: {})",
        rule.id, rule.family, rule.default
    );
    let _ = writeln!(s, "\n{}", rule.summary);
    match e {
        Some(e) => {
            section(&mut s, "What it checks", &e.checks);
            section(&mut s, "Why", &e.why);
            section(&mut s, "Fails", &e.fails);
            section(&mut s, "Passes", &e.passes);
            section(&mut s, "How to fix", &e.fix);
            let sup = e
                .suppress
                .clone()
                .unwrap_or_else(|| default_suppress(rule.id));
            section(&mut s, "How to suppress", &sup);
            if sup.contains(crate::rules::sink::ALLOW_MARKER)
                && crate::policy::NO_INLINE_ON_SERVER.contains(&rule.family)
            {
                section(
                    &mut s,
                    "Inline markers on the server",
                    &format!(
                        "Rules of the `{}` family cannot be silenced inline on the server unless \
                         the policy lists them in `[suppress] inline` (see docs/trust-model.md).",
                        rule.family
                    ),
                );
            }
        }
        None => {
            section(&mut s, "How to fix", rule.hint);
            section(&mut s, "How to suppress", &default_suppress(rule.id));
        }
    }
    s
}

fn section(s: &mut String, title: &str, body: &str) {
    let _ = writeln!(s, "\n{title}:");
    for line in body.trim_end().lines() {
        if line.is_empty() {
            let _ = writeln!(s);
        } else {
            let _ = writeln!(s, "    {line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_explained() {
        let all = all().expect("explanation files parse");
        let missing: Vec<&str> = crate::rules::registry()
            .map(|r| r.id)
            .filter(|id| !all.contains_key(*id))
            .collect();
        assert!(
            missing.is_empty(),
            "rules without an explanation in policies/data/explain/: {missing:?}"
        );
    }

    #[test]
    fn every_explanation_names_a_rule() {
        let all = all().expect("explanation files parse");
        let orphans: Vec<&String> = all
            .keys()
            .filter(|id| crate::rules::find(id).is_none())
            .collect();
        assert!(
            orphans.is_empty(),
            "explanations of unknown rules: {orphans:?}"
        );
    }

    #[test]
    fn explanations_are_not_empty() {
        for (id, e) in all().expect("parse") {
            for (field, text) in [
                ("checks", &e.checks),
                ("why", &e.why),
                ("fails", &e.fails),
                ("passes", &e.passes),
                ("fix", &e.fix),
            ] {
                assert!(!text.trim().is_empty(), "{id}: `{field}` is empty");
            }
        }
    }
}
