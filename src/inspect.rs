//! `policy-check inspect REV`: what the tool sees in one commit — trailers,
//! AI signals and where they were found, the disclosure, sign-offs, changed
//! files, which rules applied and what they found. For writing and
//! debugging policies; the JSON form is for scripts.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::ai::{Detector, RawAi, Signal};
use crate::config::{KeyPath, Problems};
use crate::diag::{Finding, Severity};
use crate::engine;
use crate::identity::Person;
use crate::message::Trailer;
use crate::model::Needs;
use crate::model::{Change, Content, Status};
use crate::policy::{Policy, Run};
use crate::rules;

/// Everything `inspect` shows, in the shape of its JSON output.
#[derive(Debug, Serialize)]
struct Inspection {
    /// The commit id.
    commit: String,
    /// Its parents' ids, in order.
    parents: Vec<String>,
    /// Whether it has more than one parent.
    merge: bool,
    /// The author as `Name <email>`, when the commit's header could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    /// The committer as `Name <email>`, when the commit's header could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    committer: Option<String>,
    /// The message's subject line.
    subject: String,
    /// Every trailer of the message, as git parses them.
    trailers: Vec<Trailer>,
    /// Where the signatures came from: the policy's table, or the built-in
    /// one when the policy does not use AI detection.
    detection: String,
    /// The traces of AI involvement found, with where each was seen.
    signals: Vec<Signal>,
    /// The disclosure trailers the policy accepts and those present.
    disclosure: Disclosure,
    /// Each `Signed-off-by` trailer and what it is.
    signoffs: Vec<Signoff>,
    /// The changed files, as the check reads them.
    files: Vec<File>,
    /// The policy's name and where it was loaded from.
    policy: String,
    /// Each rule the policy runs on this commit (not those `off`) and its result.
    rules: Vec<Applied>,
    /// What the check found, as `check` reports it.
    findings: Vec<Finding>,
}

/// The disclosure trailers the policy accepts, and those present.
#[derive(Debug, Serialize)]
pub(crate) struct Disclosure {
    /// The policy's disclosure trailer keys (empty without `[disclosure]`).
    accepted: Vec<String>,
    /// When a disclosure is required (`[disclosure] required`); absent without
    /// `[disclosure]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) required: Option<String>,
    /// The message's trailers whose key is one of `accepted`.
    found: Vec<Trailer>,
}

/// A `Signed-off-by` trailer and what it is.
#[derive(Debug, Serialize)]
struct Signoff {
    /// The trailer's value, as written.
    value: String,
    /// Its line in the message (1-based).
    line: u32,
    /// Whether the value is a `Name <email>` identity.
    well_formed: bool,
    /// Whether that identity is the commit's author.
    matches_author: bool,
    /// The AI tool whose identity it carries, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    ai: Option<String>,
}

/// A changed file.
#[derive(Debug, Serialize)]
struct File {
    /// The path after the change.
    path: String,
    /// The path before, for a rename or copy.
    #[serde(skip_serializing_if = "Option::is_none")]
    old_path: Option<String>,
    /// Added, modified, deleted, renamed…
    status: Status,
    /// What was read of it: text, binary, too large, a link or a submodule.
    content: Content,
    /// Number of added lines.
    added: usize,
    /// Of the added lines, those moved from elsewhere in the change.
    moved: usize,
    /// Number of removed lines.
    removed: usize,
}

/// A rule the policy runs on this commit, and what came of it.
#[derive(Debug, Serialize)]
struct Applied {
    /// The rule id (a custom rule's own id, or a `[[review.require]]` entry's).
    id: String,
    /// Its family (`custom` for `[[rules]]`, `review.require` for requirements).
    family: String,
    /// Its severity under this policy (never `off`: those are left out).
    severity: Severity,
    /// `passed`, `finding`, or for `[[review.require]]` entries whose
    /// condition does not hold, `not-applicable`.
    result: &'static str,
}

/// What `inspect` needs read: everything, to show the files.
fn needs() -> Needs {
    Needs {
        files: true,
        lines: true,
    }
}

/// Builds the inspection of a change under a policy.
fn inspect(policy: &Policy, origin: &str, change: &Change) -> Inspection {
    let fallback;
    let (detector, detection): (Option<&Detector>, String) = match &policy.ai {
        Some(d) => (
            Some(d),
            format!("the policy's signatures ({} entries)", d.len()),
        ),
        None => {
            let mut p = Problems::default();
            fallback = Detector::compile(&RawAi::default(), &[], &KeyPath::of(&["ai"]), &mut p);
            (
                Some(&fallback),
                format!(
                    "the built-in signatures ({} entries); this policy does not use AI detection",
                    fallback.len()
                ),
            )
        }
    };
    let signals = detector.map(|d| d.detect(change)).unwrap_or_default();
    let msg = change.message.as_ref();
    let trailers = msg.map(|m| m.trailers.clone()).unwrap_or_default();

    let accepted = policy
        .tables
        .disclosure
        .as_ref()
        .map(|d| d.trailers.clone())
        .unwrap_or_default();
    let disclosure = Disclosure {
        found: trailers
            .iter()
            .filter(|t| accepted.iter().any(|k| t.is(k)))
            .cloned()
            .collect(),
        required: policy
            .tables
            .disclosure
            .as_ref()
            .map(|d| d.required.as_str().to_string()),
        accepted,
    };
    let signoffs = trailers
        .iter()
        .filter(|t| t.is("Signed-off-by"))
        .map(|t| {
            let p = Person::parse(&t.value);
            Signoff {
                value: t.value.clone(),
                line: t.line,
                well_formed: p.is_some(),
                matches_author: p.zip(change.author.as_ref()).is_some_and(|(p, a)| p.is(a)),
                ai: detector
                    .and_then(|d| d.ai_identity(&t.value))
                    .map(str::to_string),
            }
        })
        .collect();
    let files = change
        .files()
        .iter()
        .map(|f| File {
            path: f.path.clone(),
            old_path: f.old_path.clone(),
            status: f.status,
            content: f.content,
            added: f.added.len(),
            moved: f.moved.len(),
            removed: f.removed.len(),
        })
        .collect();

    let outcome = engine::check(&Run::new(policy), change);
    let families = policy.families();
    let mut applied: Vec<Applied> = rules::registry()
        .filter(|r| families.contains(&r.family))
        .filter(|r| match r.family {
            "disclosure" => policy
                .tables
                .disclosure
                .as_ref()
                .is_some_and(|d| d.uses(r.id)),
            "review" => policy.tables.review.as_ref().is_some_and(|v| v.uses(r.id)),
            _ => true,
        })
        .map(|r| (r.id.to_string(), r.family.to_string(), policy.severity(r)))
        .chain(policy.tables.rules.iter().flat_map(|c| &c.0).map(|r| {
            (
                r.id.clone(),
                "custom".to_string(),
                policy.severity_of(&r.id, r.severity),
            )
        }))
        .filter(|(_, _, s)| *s != Severity::Off)
        .map(|(id, family, severity)| Applied {
            result: if outcome.findings.iter().any(|f| f.rule == id) {
                "finding"
            } else {
                "passed"
            },
            id,
            family,
            severity,
        })
        .collect();
    if let Some(review) = &policy.tables.review {
        let triggered = review.triggered(change, &signals);
        for r in &review.require {
            let severity = policy.severity_of(&r.id, r.severity);
            if severity == Severity::Off {
                continue;
            }
            applied.push(Applied {
                result: if outcome.findings.iter().any(|f| f.rule == r.id) {
                    "finding"
                } else if triggered.iter().any(|(id, _)| *id == r.id) {
                    "passed"
                } else {
                    "not-applicable"
                },
                id: r.id.clone(),
                family: "review.require".to_string(),
                severity,
            });
        }
    }

    Inspection {
        commit: change.id.clone(),
        parents: change.parents.clone(),
        merge: change.is_merge,
        author: change.author.as_ref().map(|a| a.display()),
        committer: change.committer.as_ref().map(|c| c.display()),
        subject: msg.map(|m| m.subject.clone()).unwrap_or_default(),
        trailers,
        detection,
        signals,
        disclosure,
        signoffs,
        files,
        policy: format!("`{}` from {origin}", policy.name),
        rules: applied,
        findings: outcome.findings,
    }
}

/// Writes the inspection as text.
fn write_text(i: &Inspection, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "commit    {}", i.commit)?;
    if i.merge {
        writeln!(out, "merge     {}", i.parents.join(" "))?;
    }
    if let Some(a) = &i.author {
        writeln!(out, "author    {a}")?;
    }
    if let Some(c) = &i.committer {
        writeln!(out, "committer {c}")?;
    }
    writeln!(out, "subject   {}", i.subject)?;
    writeln!(out, "policy    {}", i.policy)?;

    writeln!(out, "\ntrailers:")?;
    if i.trailers.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for t in &i.trailers {
        writeln!(out, "  line {:<4} {}: {}", t.line, t.key, t.value)?;
    }

    writeln!(out, "\nAI signals (from {}):", i.detection)?;
    if i.signals.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for s in &i.signals {
        let mut tags = Vec::new();
        if let Some(m) = &s.model {
            tags.push(format!("model {m}"));
        }
        if s.agentic {
            tags.push("agentic".to_string());
        }
        if s.disclosure {
            tags.push("disclosure".to_string());
        }
        let tags = if tags.is_empty() {
            String::new()
        } else {
            format!(" [{}]", tags.join(", "))
        };
        writeln!(
            out,
            "  {}{tags}: {}: {}",
            s.tool.as_deref().unwrap_or("(unnamed tool)"),
            s.seen.describe(),
            s.seen.text()
        )?;
    }

    writeln!(out, "\ndisclosure:")?;
    if i.disclosure.accepted.is_empty() {
        writeln!(out, "  the policy has no [disclosure] rules")?;
    } else {
        writeln!(
            out,
            "  accepted: {} (required: {})",
            i.disclosure
                .accepted
                .iter()
                .map(|k| format!("{k}:"))
                .collect::<Vec<_>>()
                .join(", "),
            i.disclosure.required.as_deref().unwrap_or("-")
        )?;
        if i.disclosure.found.is_empty() {
            writeln!(out, "  found:    none")?;
        }
        for t in &i.disclosure.found {
            writeln!(out, "  found:    line {} {}: {}", t.line, t.key, t.value)?;
        }
    }

    writeln!(out, "\nsign-offs:")?;
    if i.signoffs.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for s in &i.signoffs {
        let what = match (&s.ai, s.well_formed, s.matches_author) {
            (Some(t), _, _) => format!("AI identity ({t})"),
            (None, false, _) => "malformed (expected `Name <email>`)".to_string(),
            (None, true, true) => "matches the author".to_string(),
            (None, true, false) => "does not match the author".to_string(),
        };
        writeln!(out, "  line {:<4} {} — {what}", s.line, s.value)?;
    }

    writeln!(out, "\nfiles:")?;
    if i.files.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for f in &i.files {
        let status = match f.status {
            Status::Added => "A",
            Status::Modified => "M",
            Status::Deleted => "D",
            Status::Renamed => "R",
            Status::TypeChanged => "T",
        };
        let from = f
            .old_path
            .as_deref()
            .map(|o| format!(" (from {o})"))
            .unwrap_or_default();
        let lines = match f.content {
            Content::Text | Content::None if f.moved > 0 => {
                format!("+{} ({} moved) -{}", f.added, f.moved, f.removed)
            }
            Content::Text | Content::None => format!("+{} -{}", f.added, f.removed),
            other => format!("{other:?}").to_ascii_lowercase(),
        };
        writeln!(out, "  {status} {}{from}  {lines}", f.path)?;
    }

    writeln!(out, "\nrules applied:")?;
    if i.rules.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for r in &i.rules {
        writeln!(
            out,
            "  {:<34} {:<15} {:<8} {}",
            r.id,
            r.family,
            r.severity.to_string(),
            r.result
        )?;
    }

    writeln!(out, "\nfindings:")?;
    if i.findings.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for f in &i.findings {
        let at = match (&f.path, f.line) {
            (Some(p), Some(l)) => format!(" {p}:{l}"),
            (Some(p), None) => format!(" {p}"),
            (None, Some(l)) => format!(" message:{l}"),
            (None, None) => String::new(),
        };
        writeln!(out, "  {}[{}]{at}: {}", f.severity, f.rule, f.message)?;
        writeln!(out, "      hint: {}", f.hint)?;
    }
    Ok(())
}

/// Runs `inspect` for a revision in the repository at `dir`.
pub(crate) fn run(
    args: &crate::cli::InspectArgs,
    global: &crate::cli::Global,
) -> Result<crate::cmd::common::Exit> {
    let repo = crate::git::open(&crate::cmd::common::workdir(global))?;
    let (policy, origin) = crate::cmd::common::select_policy(global, Some(&repo))?;
    let oid = crate::git::peel_commit(&repo, &args.revision)?;
    let opts = crate::git::DiffOptions {
        needs: needs(),
        ..crate::source::range::diff_options(&policy)
    };
    let reader = crate::git::Reader::new(&repo, opts, policy.scan.merge_diffs);
    let change = reader.read(oid)?;
    let inspection = inspect(&policy, &origin, &change);
    let mut out = std::io::stdout().lock();
    match args.format {
        crate::cli::InspectFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &inspection)?;
            writeln!(out)?;
        }
        // Subjects, trailers and paths come from the repository: inert.
        crate::cli::InspectFormat::Text => {
            write_text(&inspection, &mut crate::report::shared::Inert(&mut out))?
        }
    }
    Ok(crate::cmd::common::Exit::Passed)
}
