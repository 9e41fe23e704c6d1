//! The policy document as written: serde types that reject unknown keys,
//! from which the JSON schema and the compiled [`Policy`](super::Policy)
//! are derived. Each family's own raw table lives with its rules.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diag::Severity;
use crate::model::Renames;
use crate::rules::family::Family;

/// `policy.extends`: one preset name or path, or a list of them.
#[derive(schemars::JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(crate) enum Extends {
    One(String),
    Many(Vec<String>),
}

/// [`RawPolicy`] from the list of families: its own tables, then one per
/// family.
macro_rules! raw_policy {
    ($($(#[$doc:meta])* $table:ident: $family:ty,)*) => {
        /// The whole policy document as written. Every table rejects unknown keys.
        ///
        /// Every raw type derives `schemars::JsonSchema` too: `policy-check policy
        /// schema` and the checker that reports every unknown key at once are
        /// derived from these types.
        #[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        #[schemars(title = "policy-check policy")]
        pub(crate) struct RawPolicy {
            #[serde(default)]
            pub(crate) policy: RawMeta,
            #[serde(default)]
            pub(crate) scan: RawScan,
            /// Per-rule severity overrides: `rule-id = "warn"` or a staged rollout.
            #[serde(default)]
            pub(crate) severity: BTreeMap<String, RawSeverity>,
            /// How the push hooks apply the policy (refs, tags, notes, fail-open).
            pub(crate) server: Option<super::server::RawServer>,
            /// How AI involvement is detected (the signatures table).
            pub(crate) ai: Option<crate::ai::RawAi>,
            /// Findings excused for a reason, optionally for a commit or paths and until a date.
            #[serde(default)]
            pub(crate) exceptions: Vec<crate::adoption::exceptions::RawException>,
            /// Which findings an inline `policy-check:allow` marker may silence.
            pub(crate) suppress: Option<RawSuppress>,
            $($(#[$doc])* pub(crate) $table: Option<<$family as Family>::Raw>,)*
        }
    };
}
crate::rules::with_families!(raw_policy);

/// `[suppress]`: what a line of the change may silence about itself.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSuppress {
    /// Rule ids or family names (`licensing`, `custom`…) an inline
    /// `policy-check:allow RULE` marker may silence, everywhere; `["*"]`:
    /// any. Unset: any rule locally, and on the server every rule except the
    /// security, review, disclosure and protected-path families.
    pub(crate) inline: Option<Vec<String>>,
}

/// `[policy]`: what this policy is.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMeta {
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
    /// Where the policy's text comes from (a URL or document), for reports.
    #[allow(
        dead_code,
        reason = "accepted and in the schema; no report shows it yet"
    )]
    pub(crate) source: Option<String>,
    /// Presets or paths this policy builds on (applied by the loader).
    #[allow(
        dead_code,
        reason = "the loader reads `policy.extends` from the TOML table, before typing"
    )]
    #[schemars(with = "Option<Extends>")]
    pub(crate) extends: Option<toml::Value>,
    /// The people accountable for the project: `Name <email>`, an email, or a
    /// forge login. Maintainer reviews and server-side exceptions are theirs.
    pub(crate) maintainers: Option<Vec<String>>,
    /// A MAINTAINERS or CODEOWNERS file whose people join `maintainers`,
    /// relative to the policy file that sets it.
    pub(crate) maintainers_file: Option<String>,
}

/// `[scan]`: what is read and how.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScan {
    /// Files larger than this many bytes are flagged and checked in chunks by the line rules only.
    pub(crate) max_file_size: Option<u64>,
    /// Check a merge's whole diff against its first parent (default: only what the merge itself introduces, its dense combined diff).
    pub(crate) merge_diffs: Option<bool>,
    /// Detect renames of identical content ("exact", default), also of files
    /// that keep at least half their lines ("similar"), or report delete + add ("off").
    pub(crate) renames: Option<Renames>,
    /// Tell rules which added lines were moved from elsewhere in the same
    /// change (default true; see docs/moves.md).
    pub(crate) moves: Option<bool>,
}

/// A severity, or one that changes on a date (staged rollout).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub(crate) enum RawSeverity {
    Level(Severity),
    Staged {
        level: Severity,
        until: crate::date::RawDate,
        then: Severity,
    },
}
