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
    pub check: fn(&Policy, &Change, &[Signal], &mut Sink),
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
    Family {
        name: "licensing",
        rules: licensing::RULES,
        needs: |p| p.licensing.as_ref().map(|l| l.needs()),
        check: |p, c, _, s| {
            if let Some(l) = &p.licensing {
                licensing::check(l, c, s);
            }
        },
    },
    Family {
        name: "secrets",
        rules: secrets::RULES,
        needs: |p| p.secrets.as_ref().map(|x| x.needs()),
        check: |p, c, _, s| {
            if let Some(x) = &p.secrets {
                secrets::check(x, c, s);
            }
        },
    },
    Family {
        name: "payloads",
        rules: payloads::RULES,
        needs: |p| p.payloads.as_ref().map(|x| x.needs()),
        check: |p, c, _, s| {
            if let Some(x) = &p.payloads {
                payloads::check(x, c, s);
            }
        },
    },
    Family {
        name: "protected",
        rules: protected::RULES,
        needs: |p| p.protected.as_ref().map(|x| x.needs()),
        check: |p, c, _, s| {
            if let Some(x) = &p.protected {
                protected::check(x, c, s);
            }
        },
    },
    Family {
        name: "unsafe_code",
        rules: rust_safety::RULES,
        needs: |p| p.unsafe_code.as_ref().map(|x| x.needs()),
        check: |p, c, _, s| {
            if let Some(x) = &p.unsafe_code {
                rust_safety::check(x, c, s);
            }
        },
    },
    Family {
        name: "dependencies",
        rules: dependencies::RULES,
        needs: |p| p.dependencies.as_ref().map(|x| x.needs()),
        check: |p, c, _, s| {
            if let Some(x) = &p.dependencies {
                dependencies::check(x, c, s);
            }
        },
    },
    Family {
        name: "workflows",
        rules: workflows::RULES,
        needs: |p| p.workflows.as_ref().map(|x| x.needs()),
        check: |p, c, _, s| {
            if let Some(x) = &p.workflows {
                workflows::check(x, c, s);
            }
        },
    },
];
