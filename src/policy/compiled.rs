//! The compiled policy: what `compile` (in `mod.rs`) makes of the TOML,
//! and what the rules read. Its methods live with `compile`.

use std::collections::HashMap;

use crate::config::Globs;
use crate::diag::Severity;
use crate::model::{Needs, Renames};
use crate::rules::{self, custom, dependencies, disclosure, review, rust_safety, workflows};

use super::server;

/// Compiled `[scan]` settings.
#[derive(Debug, Clone)]
pub struct Scan {
    pub max_file_size: u64,
    pub merge_diffs: bool,
    pub renames: Renames,
    pub moves: bool,
}

/// A severity override, possibly staged.
#[derive(Debug, Clone, Copy)]
pub struct Level {
    pub level: Severity,
    /// From this day (days since the epoch) on, `then` applies.
    pub until: Option<(i64, Severity)>,
}

/// A loaded, validated and compiled policy.
#[derive(Debug)]
pub struct Policy {
    pub name: String,
    pub description: String,
    /// The documents it was built from, parents first.
    pub sources: Vec<String>,
    pub scan: Scan,
    /// `[policy] maintainers`, as written (names, emails, logins).
    pub maintainers: Vec<String>,
    /// For a policy read from a git tree: the paths of that tree it was
    /// read from (the policy file, files it extends, its maintainers file).
    /// On the server, changing one needs a maintainer's review.
    pub tree_inputs: Vec<String>,
    pub custom: Vec<custom::Rule>,
    /// `[server]`: refs governed, tags, notes, fail-open.
    pub server: server::Server,
    /// The AI signatures, compiled only when a rule uses them.
    pub ai: Option<crate::ai::Detector>,
    pub disclosure: Option<disclosure::Disclosure>,
    pub review: Option<review::Review>,
    pub licensing: Option<rules::licensing::Licensing>,
    pub unsafe_code: Option<rust_safety::Compiled>,
    pub dependencies: Option<dependencies::Compiled>,
    pub workflows: Option<workflows::Compiled>,
    /// Paths whose old text the diff keeps (see `FileChange::old_text`):
    /// built-in lists of the families, compiled on first use.
    pub(super) old_text: Option<Globs>,
    /// `[[exceptions]]`, and the baseline of a `check --baseline` run.
    pub adoption: crate::adoption::excuses::Adoption,
    pub secrets: Option<rules::secrets::Secrets>,
    pub payloads: Option<rules::payloads::Payloads>,
    pub protected: Option<rules::protected::Protected>,
    pub(super) severities: HashMap<String, Level>,
    /// What a review trailer is worth (claims, except on the server).
    pub(super) counting: crate::identity::Counting,
    /// `[suppress] inline`, as written (validated), when set.
    pub(super) inline: Option<Vec<String>>,
    /// The day severities and expiry dates are judged against.
    pub today: i64,
    pub(super) needs: Needs,
}
