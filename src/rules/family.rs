//! What a rule family is: its table in the policy as written, what that
//! table compiles to, what the family needs read from git, and the check
//! that runs its rules over one change.
//!
//! A family implements [`Family`] on its compiled settings, in its own file;
//! the one list in `policy/families.rs` names it, and the policy's raw and
//! compiled structs, their compilation, what a policy needs read, the
//! dispatch and `Policy::families` all follow from that list.

use crate::ai::{Detector, Signal};
use crate::config::{KeyPath, Problems};
use crate::diag::RuleInfo;
use crate::model::{Change, Needs};

use super::sink::Sink;

/// Reads the file a key of the policy names (`rel`), beside the policy
/// document that set the key and never outside it: `(shown name, text)`.
pub(crate) type ReadBeside<'a> = dyn Fn(&KeyPath, &str) -> Result<(String, String), String> + 'a;

/// What a family may use while it compiles, beyond its own table.
pub(crate) struct CompileContext<'a> {
    /// `[policy] maintainers` with the people of its maintainers file, for
    /// `@maintainers`.
    pub(crate) maintainers: &'a [String],
    /// True for a built-in rule's id (a custom or required-review id may
    /// not take one).
    pub(crate) builtin: &'a dyn Fn(&str) -> bool,
    /// Reads a file a key names, beside the document that set the key.
    pub(crate) read_beside: &'a ReadBeside<'a>,
}

/// What a family may use while it checks a change, beyond its settings.
pub(crate) struct CheckContext<'a> {
    /// The AI traces found in the change (none when no family uses them).
    pub(crate) signals: &'a [Signal],
    /// The policy's AI signatures, when a family uses them.
    pub(crate) ai: Option<&'a Detector>,
}

/// A family of rules with a table in the policy, implemented by its
/// compiled settings.
pub(crate) trait Family: Sized + std::fmt::Debug + Send + Sync {
    /// Its table in the policy (`secrets` for `[secrets]`), which is also
    /// the `family` of its rules.
    const NAME: &'static str;
    /// Its built-in rules (empty for custom rules, whose ids the policy names).
    const RULES: &'static [RuleInfo];
    /// The table as written: serde, rejecting unknown keys, with a schema.
    type Raw: serde::de::DeserializeOwned + schemars::JsonSchema;

    /// Validates and compiles the table found at `key`, reporting every
    /// problem; `None` when the table turns the family off (or is invalid,
    /// with its problems reported).
    fn compile(
        raw: Self::Raw,
        key: &KeyPath,
        cx: &CompileContext<'_>,
        problems: &mut Problems,
    ) -> Option<Self>;

    /// What its rules need read from git.
    fn needs(&self) -> Needs;

    /// Runs its rules over one change.
    fn check(&self, change: &Change, cx: &CheckContext<'_>, sink: &mut Sink);
}
