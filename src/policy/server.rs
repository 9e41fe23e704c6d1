//! `[server]`: how the push hooks (pre-receive, update, and pre-push on the
//! client) apply the policy: which refs it governs, what happens to tags and
//! notes, and whether an internal error may let a push through.
//!
//! ```toml
//! [server]
//! refs = ["refs/heads/main", "refs/heads/release/*", "refs/tags/*"]   # default: every ref
//! tags = "check"        # check (tag message and the commits it adds) | commits | skip
//! notes = "check"       # check (default) | skip
//! fail_open = false     # true: a push is accepted when the check itself fails (rollouts only)
//! timeout = "5m"        # the server hook's time budget (seconds, or "90s", "5m", "1h")
//! ```

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::config::{KeyPath, Problems};

/// `[server]` as written.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawServer {
    /// Ref globs the policy governs (`*` stays within one path component, `**` crosses them).
    pub(crate) refs: Option<Vec<String>>,
    /// What a pushed tag is checked for: `check` (its message and the commits it adds, the default), `commits`, or `skip`.
    pub(crate) tags: Option<Tags>,
    /// Whether `refs/notes/*` updates are checked (`check` by default: a note's content is scanned like a commit's files).
    pub(crate) notes: Option<Notes>,
    /// Accept a push when the check itself fails (for rollouts only; default false: fail closed).
    pub(crate) fail_open: Option<bool>,
    /// How long the server hook may run before it rejects the push (fail closed): seconds, or a string such as `"90s"`, `"5m"`, `"1h"` (default 5 minutes).
    pub(crate) timeout: Option<RawDuration>,
}

/// A duration as written: a number of seconds or `"<n>ms|s|m|h"`.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub(crate) enum RawDuration {
    Seconds(u64),
    Text(String),
}

/// The server hook's time budget when neither the policy nor git config sets one.
pub(crate) const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// Parses `"90s"`, `"5m"`, `"1h"`, `"500ms"` or a bare number of seconds.
pub(crate) fn parse_duration(text: &str) -> Option<std::time::Duration> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: u64 = n.parse().ok()?;
    let d = match unit.trim() {
        "" | "s" => std::time::Duration::from_secs(n),
        "ms" => std::time::Duration::from_millis(n),
        "m" => std::time::Duration::from_secs(n.checked_mul(60)?),
        "h" => std::time::Duration::from_secs(n.checked_mul(3600)?),
        _ => return None,
    };
    (!d.is_zero()).then_some(d)
}

/// What a pushed tag is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Tags {
    /// The annotated tag's message and the commits the tag adds.
    Check,
    /// Only the commits the tag adds.
    Commits,
    /// Nothing: tags are out of scope.
    Skip,
}

/// Whether `refs/notes/*` updates are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Notes {
    Skip,
    Check,
}

/// Compiled `[server]` settings.
#[derive(Debug, Clone)]
pub(crate) struct Server {
    /// `None`: every ref.
    pub(crate) refs: Option<GlobSet>,
    pub(crate) tags: Tags,
    pub(crate) notes: Notes,
    pub(crate) fail_open: bool,
    /// `[server] timeout`, when the policy sets one.
    pub(crate) timeout: Option<std::time::Duration>,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            refs: None,
            tags: Tags::Check,
            notes: Notes::Check,
            fail_open: false,
            timeout: None,
        }
    }
}

impl Server {
    /// True when an update of `refname` is judged by the policy.
    pub(crate) fn governs(&self, refname: &str) -> bool {
        if refname.starts_with("refs/notes/") && self.notes == Notes::Skip {
            return false;
        }
        if refname.starts_with("refs/tags/") && self.tags == Tags::Skip {
            return false;
        }
        self.refs.as_ref().is_none_or(|g| g.is_match(refname))
    }
}

/// Validates and compiles `[server]`.
pub(crate) fn compile(raw: Option<RawServer>, problems: &mut Problems) -> Server {
    let Some(raw) = raw else {
        return Server::default();
    };
    let base = KeyPath::of(&["server"]);
    let refs = raw.refs.as_ref().and_then(|globs| {
        let mut b = GlobSetBuilder::new();
        for (i, g) in globs.iter().enumerate() {
            if !g.starts_with("refs/") {
                problems.error(
                    base.key("refs").index(i),
                    format!(
                        "`{g}` is not a full ref name: write `refs/heads/{g}` or `refs/tags/{g}`"
                    ),
                );
                return None;
            }
            match GlobBuilder::new(g).literal_separator(true).build() {
                Ok(glob) => {
                    b.add(glob);
                }
                Err(e) => {
                    problems.error(
                        base.key("refs").index(i),
                        format!("invalid ref glob `{g}`: {e}"),
                    );
                    return None;
                }
            }
        }
        match b.build() {
            Ok(set) => Some(set),
            Err(e) => {
                problems.error(base.key("refs"), format!("invalid ref globs: {e}"));
                None
            }
        }
    });
    Server {
        refs,
        tags: raw.tags.unwrap_or(Tags::Check),
        notes: raw.notes.unwrap_or(Notes::Check),
        fail_open: raw.fail_open.unwrap_or(false),
        timeout: raw.timeout.and_then(|t| {
            let d = match &t {
                RawDuration::Seconds(0) => None,
                RawDuration::Seconds(n) => Some(std::time::Duration::from_secs(*n)),
                RawDuration::Text(s) => parse_duration(s),
            };
            if d.is_none() {
                problems.error(
                    base.key("timeout"),
                    "expected a positive number of seconds or a duration such as \"90s\", \"5m\", \"1h\"".to_string(),
                );
            }
            d
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(refs: &[&str]) -> Server {
        let mut p = Problems::default();
        let s = compile(
            Some(RawServer {
                refs: Some(refs.iter().map(|s| s.to_string()).collect()),
                ..RawServer::default()
            }),
            &mut p,
        );
        assert!(p.is_empty(), "{:?}", p.0);
        s
    }

    #[test]
    fn default_governs_every_ref_notes_too() {
        let s = Server::default();
        assert!(s.governs("refs/heads/topic"));
        assert!(s.governs("refs/tags/v1"));
        assert!(s.governs("refs/for/main"));
        assert!(s.governs("refs/notes/commits"));
        let skip = Server {
            notes: Notes::Skip,
            ..Server::default()
        };
        assert!(!skip.governs("refs/notes/commits"));
    }

    #[test]
    fn durations_parse_or_are_refused() {
        use std::time::Duration;
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("42"), Some(Duration::from_secs(42)));
        for bad in ["", "0", "5 days", "m", "-1s", "99999999999999999999h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn ref_globs_stay_within_a_component() {
        let s = server(&["refs/heads/main", "refs/heads/release/*"]);
        assert!(s.governs("refs/heads/main"));
        assert!(s.governs("refs/heads/release/1.0"));
        assert!(!s.governs("refs/heads/release/1.0/hotfix"));
        assert!(!s.governs("refs/heads/mainline"));
        assert!(!s.governs("refs/tags/v1"));
    }

    #[test]
    fn short_ref_names_are_an_error() {
        let mut p = Problems::default();
        compile(
            Some(RawServer {
                refs: Some(vec!["main".into()]),
                ..RawServer::default()
            }),
            &mut p,
        );
        assert_eq!(p.0.len(), 1);
        assert!(p.0[0].message.contains("refs/heads/main"));
    }
}
