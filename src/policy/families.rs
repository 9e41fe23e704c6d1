//! The rule families as a policy runs them. Everything here follows from
//! the one list of families, `rules::with_families!`: dispatch
//! (`engine::check`), what a policy needs read from git ([`Policy::needs`]),
//! which families a policy runs ([`Policy::families`]).
//! `tests/architecture.rs` checks that every family listed is in the
//! policy's JSON schema, explained and registered; ARCHITECTURE.md has the
//! checklist for a new family.

use crate::diag::RuleInfo;
use crate::model::{Change, Needs};
use crate::rules::family::{CheckContext, Family};
use crate::rules::sink::Sink;

use super::compiled::Policy;

/// A family of rules as a policy runs it.
pub struct Entry {
    /// Its table in the policy (`[disclosure]`) and the `family` of its rules.
    pub name: &'static str,
    /// Its built-in rules (empty for custom rules, whose ids the policy names).
    pub rules: &'static [RuleInfo],
    /// What it needs read from git under `policy`; `None` when the policy
    /// does not run it.
    pub needs: fn(&Policy) -> Option<Needs>,
    /// Runs its rules over one change.
    pub(crate) check: fn(&Policy, &Change, &CheckContext<'_>, &mut Sink),
}

/// [`FAMILIES`] from the list; a family whose `NAME` is not its table's
/// key stops the build.
macro_rules! entries {
    ($($(#[$doc:meta])* $table:ident: $family:ty,)*) => {
        $(
            const _: () = assert!(
                crate::diag::same(<$family as Family>::NAME.as_bytes(), stringify!($table).as_bytes()),
                concat!("the family of `", stringify!($table), "` is named otherwise")
            );
        )*

        /// Every family with a table, in the order findings are reported.
        pub const FAMILIES: &[Entry] = &[$(
            Entry {
                name: <$family as Family>::NAME,
                rules: <$family as Family>::RULES,
                needs: |p| p.tables.$table.as_ref().map(Family::needs),
                check: |p, c, cx, s| {
                    if let Some(f) = &p.tables.$table {
                        f.check(c, cx, s);
                    }
                },
            },
        )*];
    };
}
crate::rules::with_families!(entries);
