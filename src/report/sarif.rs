//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning and other SARIF
//! viewers read it.
//!
//! - Every result has a physical location (GitHub rejects the whole file
//!   otherwise): a file finding points at its path and line (line 1 when it
//!   has none); a finding about a commit message points at
//!   [`MESSAGE_PATH`](super::MESSAGE_PATH) and the message line, with the
//!   commit as a logical location and in `properties.commit`.
//! - `partialFingerprints["policyCheck/v1"]` is the finding's content
//!   fingerprint (rule, commit, path and matched text; not the line), so
//!   code scanning tracks a finding across runs.
//! - `tool.driver.rules` describes every rule that has a result, with the
//!   explanation `policy-check explain` prints as help.
//!
//! Results are streamed; the rules, which are known only at the end, are
//! written after them (JSON objects are unordered).

use std::io::Write;

use serde_json::{json, Value};

use super::shared::{Occurrences, Reporter, MESSAGE_PATH};
use crate::diag::{Finding, Severity, Summary};

/// The schema the output declares (the OASIS SARIF 2.1.0 errata 01 schema).
const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The key of our fingerprint in `partialFingerprints`.
const FINGERPRINT_KEY: &str = "policyCheck/v1";

/// Streams a SARIF 2.1.0 log: the results as they come, then the rules
/// that had one.
pub(crate) struct SarifReporter<'w> {
    out: Box<dyn Write + 'w>,
    started: bool,
    count: usize,
    /// Rules with a result, in order of first result: (id, level, a finding).
    rules: Vec<(String, Severity, Finding)>,
    seen: Occurrences,
}

impl<'w> SarifReporter<'w> {
    /// A reporter writing to `out`.
    pub(crate) fn new(out: Box<dyn Write + 'w>) -> Self {
        SarifReporter {
            out,
            started: false,
            count: 0,
            rules: Vec::new(),
            seen: Occurrences::default(),
        }
    }

    fn start(&mut self) -> std::io::Result<()> {
        if !self.started {
            self.started = true;
            write!(
                self.out,
                "{{\"$schema\":\"{SCHEMA_URI}\",\"version\":\"2.1.0\",\"runs\":[{{\"results\":["
            )?;
        }
        Ok(())
    }

    fn rule_index(&mut self, f: &Finding) -> usize {
        match self.rules.iter().position(|(id, _, _)| *id == f.rule) {
            Some(i) => i,
            None => {
                self.rules.push((f.rule.clone(), f.severity, f.clone()));
                self.rules.len() - 1
            }
        }
    }
}

/// SARIF's level for a severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warn => "warning",
        Severity::Off => "none",
    }
}

/// A repository-relative path as a URI reference: `/` kept, everything but
/// unreserved characters percent-encoded.
fn uri(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    for b in path.trim_start_matches("./").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// The result object of a finding.
fn result(f: &Finding, rule_index: usize, fingerprint: &str) -> Value {
    let (path, line) = match (&f.path, f.line) {
        (Some(p), l) => (p.as_str(), l.unwrap_or(1)),
        (None, l) => (MESSAGE_PATH, l.unwrap_or(1)),
    };
    let mut region = json!({ "startLine": line.max(1) });
    if let Some(s) = &f.snippet {
        region["snippet"] = json!({ "text": s });
    }
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(path), "uriBaseId": "%SRCROOT%" },
            "region": region,
        }
    });
    if let Some(c) = &f.commit {
        location["logicalLocations"] = json!([{
            "name": &c[..c.len().min(12)],
            "fullyQualifiedName": c,
            "kind": "commit",
        }]);
    }
    let mut text = f.message.clone();
    if let Some(c) = &f.commit {
        let what = if f.path.is_some() { "in" } else { "message of" };
        text.push_str(&format!(" ({what} commit {})", &c[..c.len().min(12)]));
    }
    let mut props = json!({ "hint": f.hint });
    if let Some(c) = &f.commit {
        props["commit"] = json!(c);
    }
    json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": text },
        "locations": [location],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
        "properties": props,
    })
}

/// The reportingDescriptor of a rule: built-in rules from the registry and
/// their explanation, custom rules from one of their findings.
fn rule_descriptor(id: &str, seen: Severity, example: &Finding) -> Value {
    let (short, full, help, default, family) = match crate::rules::find(id) {
        Some(r) => {
            let e = crate::explain::get(id);
            let full = e
                .as_ref()
                .map_or(r.summary.to_string(), |e| e.checks.trim().to_string());
            let help = crate::explain::render(r, e.as_ref());
            (r.summary.to_string(), full, help, r.default, r.family)
        }
        None => {
            let help = format!(
                "{}\n\nHow to fix: {}\n\nHow to suppress: {}",
                example.message,
                example.hint,
                crate::explain::default_suppress(id)
            );
            (
                example.message.clone(),
                format!("custom rule `{id}` of the policy: {}", example.message),
                help,
                seen,
                "custom",
            )
        }
    };
    json!({
        "id": id,
        "name": id,
        "shortDescription": { "text": short },
        "fullDescription": { "text": full },
        "help": { "text": help },
        "defaultConfiguration": { "level": level(default) },
        "properties": { "tags": ["policy", family] },
    })
}

impl Reporter for SarifReporter<'_> {
    fn finding(&mut self, f: &Finding) -> std::io::Result<()> {
        self.start()?;
        if self.count > 0 {
            self.out.write_all(b",")?;
        }
        self.count += 1;
        let idx = self.rule_index(f);
        let fp = self.seen.unique(f);
        serde_json::to_writer(&mut self.out, &result(f, idx, &fp))?;
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> std::io::Result<()> {
        self.end(summary, None)
    }

    /// SARIF's own way: the invocation was not successful, and a tool
    /// execution notification says why.
    fn fail(&mut self, summary: &Summary, error: &str) -> std::io::Result<()> {
        self.end(summary, Some(error))
    }
}

impl SarifReporter<'_> {
    /// Ends the log; `error` when the run stopped on one.
    fn end(&mut self, summary: &Summary, error: Option<&str>) -> std::io::Result<()> {
        self.start()?;
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|(id, sev, ex)| rule_descriptor(id, *sev, ex))
            .collect();
        let tool = json!({
            "driver": {
                "name": "policy-check",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://crates.io/crates/policy-check",
                "rules": rules,
            }
        });
        let mut invocation = json!({
            "executionSuccessful": error.is_none(),
            "properties": { "summary": summary },
        });
        if let Some(e) = error {
            invocation["toolExecutionNotifications"] =
                json!([{ "level": "error", "message": { "text": e } }]);
        }
        let invocation = json!([invocation]);
        write!(self.out, "],\"tool\":")?;
        serde_json::to_writer(&mut self.out, &tool)?;
        write!(self.out, ",\"invocations\":")?;
        serde_json::to_writer(&mut self.out, &invocation)?;
        write!(self.out, ",\"columnKind\":\"unicodeCodePoints\"}}]}}")?;
        writeln!(self.out)?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded_relative_references() {
        assert_eq!(uri("src/a b/c#d.rs"), "src/a%20b/c%23d.rs");
        assert_eq!(uri("./x/é.rs"), "x/%C3%A9.rs");
    }
}
