#![warn(missing_docs)]
//! The rule families, declared once. Dispatch (`engine::check`), what a
//! policy needs read from git ([`Policy::needs`]), which families a policy
//! runs ([`Policy::families`]) and the registry test all follow from
//! [`FAMILIES`]; `tests/architecture.rs` checks that every family listed
//! here is in the policy's JSON schema, explained and registered.
//! ARCHITECTURE.md has the checklist for a new family.

use crate::ai::Signal;
use crate::diag::RuleInfo;
use crate::model::{Change, Needs};
use crate::rules::sink::Sink;
use crate::rules::{
    custom, dependencies, disclosure, licensing, payloads, protected, review, rust_safety, secrets,
    workflows,
};

use super::compiled::Policy;

/// A family of rules as a policy runs it.
pub struct Family {
    /// Its table in the policy (`[disclosure]`) and the `family` of its rules.
    pub name: &'static str,
    /// Its built-in rules (empty for custom rules, whose ids the policy names).
    pub rules: &'static [RuleInfo],
    /// What it needs read from git under `policy`; `None` when the policy
    /// does not run it.
    pub needs: fn(&Policy) -> Option<Needs>,
    /// Runs its rules over one change (`signals`: the AI traces found in it).
    pub(crate) check: fn(&Policy, &Change, &[Signal], &mut Sink),
}

/// A family whose compiled settings are `Policy::$field` and whose rules
/// are `$module::RULES`, checked by `$module::check(settings, change, sink)`.
macro_rules! family {
    ($name:literal, $field:ident, $module:ident) => {
        Family {
            name: $name,
            rules: $module::RULES,
            needs: |p| p.$field.as_ref().map(|x| x.needs()),
            check: |p, c, _, s| {
                if let Some(x) = &p.$field {
                    $module::check(x, c, s);
                }
            },
        }
    };
}

/// Every family, in the order findings are reported.
pub const FAMILIES: &[Family] = &[
    Family {
        name: "rules",
        rules: &[],
        needs: |p| {
            (!p.custom.is_empty()).then(|| {
                p.custom
                    .iter()
                    .fold(Needs::default(), |n, r| n.union(r.needs()))
            })
        },
        check: |p, c, _, s| custom::check(&p.custom, c, s),
    },
    // The two that read the AI traces found in the change.
    Family {
        name: "disclosure",
        rules: disclosure::RULES,
        needs: |p| p.disclosure.as_ref().map(|d| d.needs()),
        check: |p, c, sig, s| {
            if let Some(d) = &p.disclosure {
                disclosure::check(d, c, sig, s);
            }
        },
    },
    Family {
        name: "review",
        rules: review::RULES,
        needs: |p| p.review.as_ref().map(|r| r.needs()),
        check: |p, c, sig, s| {
            if let Some(r) = &p.review {
                review::check(r, c, sig, p.ai.as_ref(), s);
            }
        },
    },
    family!("licensing", licensing, licensing),
    family!("secrets", secrets, secrets),
    family!("payloads", payloads, payloads),
    family!("protected", protected, protected),
    family!("unsafe_code", unsafe_code, rust_safety),
    family!("dependencies", dependencies, dependencies),
    family!("workflows", workflows, workflows),
];
