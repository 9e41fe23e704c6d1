#![warn(missing_docs)]
//! What excuses a finding: a policy's `[[exceptions]]` and a run's baseline.

use crate::diag::Finding;

use super::{baseline, exceptions};

/// The exceptions of a policy and the baseline of a run.
#[derive(Debug, Default)]
pub struct Adoption {
    pub(crate) exceptions: Vec<exceptions::Exception>,
    /// Set by `check --baseline FILE`.
    pub(crate) baseline: Option<baseline::Baseline>,
}

impl Adoption {
    /// Drops the findings an exception or the baseline covers; returns how
    /// many an exception excused (baselined ones are counted by the baseline).
    pub(crate) fn apply(&self, findings: &mut Vec<Finding>) -> usize {
        if self.exceptions.is_empty() && self.baseline.is_none() {
            return 0;
        }
        let mut excused = 0;
        findings.retain(|f| {
            if self.exceptions.iter().any(|e| e.excuses(f)) {
                excused += 1;
                return false;
            }
            !self.baseline.as_ref().is_some_and(|b| b.covers(f))
        });
        excused
    }
}
