//! The engine: runs a compiled policy's rules over one change and collects
//! findings, applying severities and inline suppressions in one place.

use crate::diag::RuleInfo;

use crate::message::Defect;
use crate::model::{Change, Content};
use crate::policy::families::FAMILIES;
use crate::policy::{Policy, Run};

pub use crate::rules::scan::RULES;

const NUL: &RuleInfo = crate::diag::rule(RULES, "message-nul");
const ENCODING: &RuleInfo = crate::diag::rule(RULES, "message-encoding");
const PATH_MALFORMED: &RuleInfo = crate::diag::rule(RULES, "path-malformed");

pub use crate::rules::sink::{marker_allows, Outcome, Sink, ALLOW_MARKER};

/// Runs every rule of the run's policy over one change.
pub fn check(run: &Run<'_>, change: &Change) -> Outcome {
    let signals = detect(run, change);
    check_detected(run, change, &signals)
}

/// The AI traces of a change under the policy's signatures (none without them).
pub fn detect(policy: &Policy, change: &Change) -> Vec<crate::ai::Signal> {
    policy
        .ai
        .as_ref()
        .map(|d| d.detect(change))
        .unwrap_or_default()
}

/// [`check`] with the change's AI traces already detected ([`detect`]), for
/// a caller that needs them too (`report`): detection runs once per commit.
pub fn check_detected(run: &Run<'_>, change: &Change, signals: &[crate::ai::Signal]) -> Outcome {
    let policy = run.policy();
    let mut sink = Sink::new(run, change);
    for d in change.message.iter().flat_map(|m| &m.defects) {
        match d {
            Defect::Nul { line, hidden } => {
                let e = sink.report(
                    NUL,
                    format!(
                        "the message holds a NUL byte; git shows nothing after it, so {hidden} byte(s) are hidden from reviewers and were not checked"
                    ),
                );
                if *line > 0 {
                    e.line(*line);
                }
            }
            Defect::Encoding { name, reason } => {
                sink.report(
                    ENCODING,
                    format!(
                        "the message's `encoding {name}` cannot be decoded ({reason}); it was checked as the bytes git shows when it cannot decode them either"
                    ),
                );
            }
        }
    }
    for file in change.files() {
        if file.malformed {
            sink.report(
                PATH_MALFORMED,
                format!(
                    "the tree entry `{}` has a name no checkout may write; its content was not read",
                    file.path
                ),
            )
            .path(&file.path);
        }
        if file.content == Content::TooLarge {
            sink.report(
                crate::diag::rule(RULES, "file-too-large"),
                format!(
                    "{} is {} bytes, above the {}-byte scan limit; its lines were not checked",
                    file.path, file.size, policy.scan.max_file_size
                ),
            )
            .path(&file.path);
        }
    }
    let cx = crate::rules::family::CheckContext {
        signals,
        ai: policy.ai.as_ref(),
    };
    for family in FAMILIES {
        (family.check)(policy, change, &cx, &mut sink);
    }
    sink.finish()
}
