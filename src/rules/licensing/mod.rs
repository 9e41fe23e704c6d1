//! Licensing rules: what a commit adds must be under a licence the project
//! accepts (the Rust Foundation's AI Usage Policy: "comply with the relevant, existing, open source
//! licenses"; LLVM's AI Tool Use Policy: "regenerating copyrighted material does not remove
//! the copyright").
//!
//! ```toml
//! [licensing]
//! allowed = "MIT OR Apache-2.0"     # or a list; SPDX, parsed by the spdx crate
//! exceptions = ["LLVM-exception"]   # optional: the only WITH exceptions taken
//! spdx_header = ["src/**/*.rs"]     # new files that must carry a header
//! header_lines = 10                 # how far down a header may stand
//! copyright = ["src/**/*.rs"]       # new files that must carry a copyright line
//! exempt = ["third_party/**"]       # paths no licensing rule looks at
//! ```
//!
//! The work per commit stays small: headers are only looked for in the first
//! lines of a file, and added lines meet a regex only after an Aho-Corasick
//! pass has found one of the notices' keywords in them.

use crate::rules::family::{CheckContext, CompileContext, Family};
use globset::GlobSet;
use serde::Deserialize;

use crate::config::{compile_globs, Globs, KeyPath, Problems};
use crate::diag::RuleInfo;
use crate::diag::Severity;
use crate::model::Needs;
use crate::model::{Change, Content, FileChange, Status};
use crate::rules::sink::Sink;

pub mod expr;
pub mod header;
pub(crate) mod manifest;
pub(crate) mod matcher;
pub(crate) mod text;

use expr::{Allowed, Found};
use header::Header;
use std::sync::OnceLock;

use text::{Classified, Knowledge};

/// Every licensing rule.
pub(crate) const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "licensing-header-missing",
        family: "licensing",
        default: Severity::Error,
        summary: "a new file covered by `licensing.spdx_header` has no `SPDX-License-Identifier:` line in its first lines, nor a `.license` sidecar",
        hint: "add `SPDX-License-Identifier: <expression>` in a comment at the top of the file (a `<file>.license` sidecar for files without comments)",
    },
    RuleInfo {
        id: "licensing-header-denied",
        family: "licensing",
        default: Severity::Error,
        summary: "an SPDX header or `.license` sidecar names a licence that `licensing.allowed` does not permit",
        hint: "contribute the file under an allowed licence; third-party code the project may take goes under `licensing.exempt` or its licence into `licensing.allowed`",
    },
    RuleInfo {
        id: "licensing-header-changed",
        family: "licensing",
        default: Severity::Error,
        summary: "a commit changes or removes the SPDX header of an existing file",
        hint: "keep the file's licence header: relicensing needs the copyright holders' consent, recorded by a maintainer",
    },
    RuleInfo {
        id: "licensing-expression-invalid",
        family: "licensing",
        default: Severity::Error,
        summary: "an SPDX expression in a committed file (header, sidecar, Cargo.toml, licence file) does not parse",
        hint: "write a valid SPDX expression: ids from https://spdx.org/licenses/ joined with AND, OR and WITH",
    },
    RuleInfo {
        id: "licensing-expression-nonstandard",
        family: "licensing",
        default: Severity::Warn,
        summary: "an SPDX expression uses a deprecated id or lenient syntax (`/`, lower-case operators, imprecise names)",
        hint: "write the canonical expression the message gives",
    },
    RuleInfo {
        id: "licensing-foreign-text",
        family: "licensing",
        default: Severity::Error,
        summary: "an added line carries a licence notice (GPL family, SSPL, all-rights-reserved, non-commercial, policy phrases…) that `licensing.allowed` does not permit",
        hint: "do not copy code under other licences; third-party code the project may take goes under `licensing.exempt`",
    },
    RuleInfo {
        id: "licensing-license-file-denied",
        family: "licensing",
        default: Severity::Error,
        summary: "an added or changed LICENSE/COPYING file holds a licence that `licensing.allowed` does not permit",
        hint: "remove the file or replace it with the project's licence; vendored code with its own licence goes under `licensing.exempt`",
    },
    RuleInfo {
        id: "licensing-license-file-unknown",
        family: "licensing",
        default: Severity::Warn,
        summary: "an added LICENSE/COPYING file holds a licence text that is not recognised",
        hint: "review the file by hand; an `SPDX-License-Identifier:` line at its top names its licence",
    },
    RuleInfo {
        id: "licensing-manifest-denied",
        family: "licensing",
        default: Severity::Error,
        summary: "a Cargo.toml `license` (or the file its `license-file` names) is set to a licence that `licensing.allowed` does not permit",
        hint: "keep the crate under an allowed licence, e.g. `license = \"MIT OR Apache-2.0\"`",
    },
    RuleInfo {
        id: "licensing-manifest-license-file",
        family: "licensing",
        default: Severity::Warn,
        summary: "a Cargo.toml `license-file` points to a file whose licence is not recognised (or not in the commit)",
        hint: "prefer `license = \"<SPDX expression>\"`; otherwise review the file it points to",
    },
    RuleInfo {
        id: "licensing-copyright-missing",
        family: "licensing",
        default: Severity::Error,
        summary: "a new file covered by `licensing.copyright` has no copyright line (`SPDX-FileCopyrightText:` or `Copyright`) in its first lines",
        hint: "add `SPDX-FileCopyrightText: <year> <holder>` (or a `Copyright` line) at the top of the file, or in its `.license` sidecar",
    },
];

const HEADER_MISSING: &RuleInfo = crate::diag::rule(RULES, "licensing-header-missing");
const HEADER_DENIED: &RuleInfo = crate::diag::rule(RULES, "licensing-header-denied");
const HEADER_CHANGED: &RuleInfo = crate::diag::rule(RULES, "licensing-header-changed");
const EXPRESSION_INVALID: &RuleInfo = crate::diag::rule(RULES, "licensing-expression-invalid");
const EXPRESSION_NONSTANDARD: &RuleInfo =
    crate::diag::rule(RULES, "licensing-expression-nonstandard");
const FOREIGN_TEXT: &RuleInfo = crate::diag::rule(RULES, "licensing-foreign-text");
const LICENSE_FILE_DENIED: &RuleInfo = crate::diag::rule(RULES, "licensing-license-file-denied");
const LICENSE_FILE_UNKNOWN: &RuleInfo = crate::diag::rule(RULES, "licensing-license-file-unknown");
const MANIFEST_DENIED: &RuleInfo = crate::diag::rule(RULES, "licensing-manifest-denied");
const MANIFEST_LICENSE_FILE: &RuleInfo =
    crate::diag::rule(RULES, "licensing-manifest-license-file");
const COPYRIGHT_MISSING: &RuleInfo = crate::diag::rule(RULES, "licensing-copyright-missing");

/// Default for `header_lines`: REUSE and most projects put the header at
/// the very top; ten lines leave room for a shebang, an encoding line and a
/// copyright block.
pub(crate) const DEFAULT_HEADER_LINES: u32 = 10;

/// How many lines below an all-rights-reserved notice are read for the
/// licence terms that follow it.
const BLOCK_LINES: u32 = 20;

/// The policy file itself may list restricted phrases; it is not searched.
const POLICY_FILE: &str = ".policy-check.toml";

/// Licence files looked for by default (matched on the upper-cased file name).
/// `LICENSES/*` is the REUSE layout: one `<SPDX id>.txt` per licence.
const DEFAULT_LICENSE_FILES: &[&str] = &[
    "LICENSE*",
    "LICENCE*",
    "COPYING*",
    "UNLICENSE*",
    "**/LICENSES/*",
];

/// A string or a list of strings.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub(crate) enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// `[licensing]` as written.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLicensing {
    /// The licences the project accepts: an SPDX expression joined with OR,
    /// or a list of expressions.
    pub(crate) allowed: Option<OneOrMany>,
    /// When set, the only `WITH` exceptions accepted.
    pub(crate) exceptions: Option<Vec<String>>,
    /// New files that must carry an SPDX header (globs).
    pub(crate) spdx_header: Option<Vec<String>>,
    /// How many lines from the top a header may stand.
    pub(crate) header_lines: Option<u32>,
    /// New files that must carry a copyright line (globs).
    pub(crate) copyright: Option<Vec<String>>,
    /// Paths no licensing rule looks at (vendored code, fixtures).
    pub(crate) exempt: Option<Vec<String>>,
    /// Where added lines are searched for foreign notices (default: everywhere).
    pub(crate) foreign_text: Option<Vec<String>>,
    /// Licence files, classified rather than searched (upper-case globs).
    pub(crate) license_files: Option<Vec<String>>,
    /// Crate manifests whose `license` fields are checked.
    pub(crate) manifests: Option<Vec<String>>,
    /// Extra phrases that mark restricted text (literal, case-insensitive).
    pub(crate) phrases: Option<Vec<String>>,
    /// Extra notice patterns, or replacements of built-in ones by id.
    pub(crate) notices: Option<Vec<text::RawNotice>>,
    /// Built-in notices to leave out, by id.
    pub(crate) skip_notices: Option<Vec<String>>,
}

/// The compiled `[licensing]` table.
#[derive(Debug)]
pub(crate) struct Licensing {
    pub(crate) allowed: Allowed,
    header_lines: u32,
    spdx_header: Option<GlobSet>,
    copyright: Option<GlobSet>,
    exempt: Option<GlobSet>,
    /// Built-in defaults unless the policy sets them (compiled on first use).
    foreign_text: Globs,
    license_files: Globs,
    manifests: Globs,
    /// Licence texts, notices and fingerprints: compiled on first use, so a
    /// run that reads no file (a commit-msg hook) never builds them.
    texts: OnceLock<Option<Texts>>,
    /// What `texts` is built from: the policy's notices, phrases and skips.
    extra: (Vec<text::RawNotice>, Vec<String>, Vec<String>, KeyPath),
}

/// The compiled licence knowledge and, per notice, whether the allowed set
/// permits what it indicates.
#[derive(Debug)]
struct Texts {
    knowledge: Knowledge,
    notice_permitted: Vec<bool>,
}

impl Licensing {
    /// The licence knowledge, compiled on first call. Built from the
    /// embedded data (covered by its tests) plus the policy's own entries,
    /// which `compile` already validated; `None` is never expected.
    fn texts(&self) -> Option<&Texts> {
        self.texts
            .get_or_init(|| {
                let (notices, phrases, skip, key) = &self.extra;
                let mut problems = Problems::default();
                let t = build_texts(&self.allowed, notices, phrases, skip, key, &mut problems);
                for p in &problems.0 {
                    tracing::error!("licensing data: {}: {}", p.path, p.message);
                }
                t
            })
            .as_ref()
    }
}

fn build_texts(
    allowed: &Allowed,
    notices: &[text::RawNotice],
    phrases: &[String],
    skip: &[String],
    key: &KeyPath,
    problems: &mut Problems,
) -> Option<Texts> {
    let knowledge = Knowledge::compile(notices, phrases, skip, key, problems)?;
    let notice_permitted = knowledge
        .notices
        .list
        .iter()
        .map(|n| n.license.as_ref().is_some_and(|(_, e)| allowed.permits(e)))
        .collect();
    Some(Texts {
        knowledge,
        notice_permitted,
    })
}

impl Licensing {}

fn globs(
    list: Option<Vec<String>>,
    default: &[&str],
    key: &KeyPath,
    problems: &mut Problems,
) -> Option<GlobSet> {
    let list = list.unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect());
    if list.is_empty() {
        return None;
    }
    compile_globs(&list, key, problems)
}

/// Validates and compiles `[licensing]`, reporting every problem at its key.
pub(crate) fn compile(
    raw: RawLicensing,
    key: &KeyPath,
    problems: &mut Problems,
) -> Option<Licensing> {
    let entries: Vec<(KeyPath, String)> = match raw.allowed {
        None => {
            problems.error(
                key.clone(),
                "`[licensing]` needs `allowed`: the licences the project accepts, e.g. `allowed = \"MIT OR Apache-2.0\"`",
            );
            return None;
        }
        Some(OneOrMany::One(s)) => vec![(key.key("allowed"), s)],
        Some(OneOrMany::Many(v)) => v
            .into_iter()
            .enumerate()
            .map(|(i, s)| (key.key("allowed").index(i), s))
            .collect(),
    };
    let allowed = Allowed::compile(&entries, raw.exceptions.as_deref(), key, problems);
    let header_lines = raw.header_lines.unwrap_or(DEFAULT_HEADER_LINES);
    if !(1..=1000).contains(&header_lines) {
        problems.error(
            key.key("header_lines"),
            format!("`header_lines = {header_lines}` is out of range: give 1 to 1000"),
        );
    }
    let spdx_header = globs(raw.spdx_header, &[], &key.key("spdx_header"), problems);
    let copyright = globs(raw.copyright, &[], &key.key("copyright"), problems);
    let exempt = globs(raw.exempt, &[], &key.key("exempt"), problems);
    let foreign_text = Globs::compile(raw.foreign_text, &["*"], &key.key("foreign_text"), problems);
    let license_files = Globs::compile(
        raw.license_files,
        DEFAULT_LICENSE_FILES,
        &key.key("license_files"),
        problems,
    );
    let manifests = Globs::compile(
        raw.manifests,
        &["Cargo.toml"],
        &key.key("manifests"),
        problems,
    );
    let allowed = allowed?;
    let extra = (
        raw.notices.unwrap_or_default(),
        raw.phrases.unwrap_or_default(),
        raw.skip_notices.unwrap_or_default(),
        key.clone(),
    );
    // The policy's own notices and phrases are validated now; the embedded
    // data waits for the first file that needs it.
    let texts = OnceLock::new();
    if !(extra.0.is_empty() && extra.1.is_empty() && extra.2.is_empty()) {
        let t = build_texts(&allowed, &extra.0, &extra.1, &extra.2, key, problems)?;
        let _ = texts.set(Some(t));
    }
    Some(Licensing {
        allowed,
        header_lines: header_lines.clamp(1, 1000),
        spdx_header,
        copyright,
        exempt,
        foreign_text,
        license_files,
        manifests,
        texts,
        extra,
    })
}

fn matches(set: &Option<GlobSet>, path: &str) -> bool {
    set.as_ref().is_some_and(|g| g.is_match(path))
}

/// Runs the licensing rules over a change.
pub(crate) fn check(cfg: &Licensing, change: &Change, sink: &mut Sink) {
    let files = change.files();
    let sidecars: Vec<&FileChange> = files
        .iter()
        .filter(|f| {
            f.path.ends_with(".license")
                && f.status != Status::Deleted
                && f.content == Content::Text
        })
        .collect();
    for file in files {
        if file.status == Status::Deleted || matches(&cfg.exempt, &file.path) {
            continue;
        }
        match file.content {
            Content::Text => text_file(cfg, change, file, &sidecars, sink),
            Content::Binary => binary_file(cfg, file, &sidecars, sink),
            other => tracing::debug!(
                "licensing: {} not read ({other:?}); its licence is not checked",
                file.path
            ),
        }
    }
}

/// The sidecar `<path>.license` in this change, if any, and its headers.
fn sidecar<'f>(
    cfg: &Licensing,
    sidecars: &[&'f FileChange],
    path: &str,
) -> Option<(&'f FileChange, Vec<Header>)> {
    let s = sidecars
        .iter()
        .find(|s| s.path.len() == path.len() + 8 && s.path.starts_with(path))?;
    let heads = header::read(|n| s.line(n), cfg.header_lines);
    Some((s, heads))
}

fn has_copyright(file: &FileChange, limit: u32) -> bool {
    (1..=limit.min(file.line_count())).any(|n| file.line(n).is_some_and(header::is_copyright))
}

fn binary_file(cfg: &Licensing, file: &FileChange, sidecars: &[&FileChange], sink: &mut Sink) {
    tracing::info!(
        "licensing: {} is binary; it is not searched for licence text",
        file.path
    );
    if file.status != Status::Added {
        return;
    }
    let side = sidecar(cfg, sidecars, &file.path);
    if matches(&cfg.spdx_header, &file.path)
        && sink.enabled(HEADER_MISSING)
        && side.as_ref().is_none_or(|(_, h)| h.is_empty())
    {
        sink.report(
            HEADER_MISSING,
            format!(
                "{} is a new binary file with no `{}.license` sidecar naming its licence",
                file.path, file.path
            ),
        )
        .path(&file.path)
        .hint(format!(
            "add `{}.license` holding `SPDX-License-Identifier: {}` (REUSE's sidecar), or exempt the path",
            file.path, cfg.allowed.display
        ));
    }
    if matches(&cfg.copyright, &file.path)
        && sink.enabled(COPYRIGHT_MISSING)
        && !side
            .as_ref()
            .is_some_and(|(s, _)| has_copyright(s, cfg.header_lines))
    {
        sink.report(
            COPYRIGHT_MISSING,
            format!(
                "{} is a new binary file with no copyright line in a `{}.license` sidecar",
                file.path, file.path
            ),
        )
        .path(&file.path)
        .hint(format!(
            "add `{}.license` holding `SPDX-FileCopyrightText: <year> <holder>`",
            file.path
        ));
    }
}

fn text_file(
    cfg: &Licensing,
    change: &Change,
    file: &FileChange,
    sidecars: &[&FileChange],
    sink: &mut Sink,
) {
    if file.added.is_empty() && file.removed.is_empty() {
        return; // a rename of identical content, or a mode change
    }
    if tracing::enabled!(tracing::Level::INFO) && file.text.contains('\u{fffd}') {
        tracing::info!(
            "licensing: {} is not valid UTF-8; it is read lossily (ASCII headers and notices are still found)",
            file.path
        );
    }
    if is_license_file(cfg, &file.path) {
        license_file(cfg, file, sink);
        return;
    }
    if cfg.manifests.is_match(&file.path) {
        cargo_manifest(cfg, change, file, sink);
    }
    headers(cfg, file, sidecars, sink);
    foreign_text(cfg, file, sink);
}

/// Snippets stay one short line.
fn snippet(line: &str) -> String {
    let t = line.trim();
    match t.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_string(),
    }
}

/// Where a judged expression stands, for messages.
struct Site<'a> {
    path: &'a str,
    line: Option<u32>,
    snippet: Option<&'a str>,
    /// "the SPDX header", "the sidecar", "`license` in Cargo.toml"…
    what: String,
}

/// Judges an expression found in a file: invalid, non-standard, not
/// permitted. Returns whether it is permitted (`None` when it does not parse).
fn judge(
    cfg: &Licensing,
    text: &str,
    site: &Site<'_>,
    denied: &'static RuleInfo,
    denied_msg: impl FnOnce(&str) -> String,
    sink: &mut Sink,
) -> Option<bool> {
    let emit = |sink: &mut Sink, rule: &'static RuleInfo, msg: String| {
        let mut e = sink.report(rule, msg).path(site.path);
        if let Some(l) = site.line {
            e = e.line(l);
        }
        if let Some(s) = site.snippet {
            e.snippet(snippet(s));
        }
    };
    match expr::parse_found(text) {
        Found::Invalid { reason } => {
            emit(
                sink,
                EXPRESSION_INVALID,
                format!(
                    "{} holds `{}`, which is not a valid SPDX expression: {reason}",
                    site.what,
                    text.trim()
                ),
            );
            None
        }
        Found::Valid { expr, note } => {
            if let Some(note) = note {
                emit(
                    sink,
                    EXPRESSION_NONSTANDARD,
                    format!("{}: `{}` {note}", site.what, text.trim()),
                );
            }
            let ok = cfg.allowed.permits(&expr);
            if !ok {
                let mut msg = denied_msg(text.trim());
                let refused = cfg.allowed.refused_terms(&expr);
                if expr.requirements().count() > 1 && !refused.is_empty() {
                    msg.push_str(&format!(" (not permitted: {})", refused.join(", ")));
                }
                emit(sink, denied, msg);
            }
            Some(ok)
        }
    }
}

fn headers(cfg: &Licensing, file: &FileChange, sidecars: &[&FileChange], sink: &mut Sink) {
    let limit = cfg.header_lines;
    let is_new = file.status == Status::Added;
    let old_tags: Vec<(u32, &str, &str)> = file
        .removed
        .iter()
        .filter(|(n, _)| *n <= limit)
        .filter_map(|(n, l)| header::tag_value(l).map(|v| (*n, l.as_str(), v)))
        .collect();
    let touches_head =
        is_new || !old_tags.is_empty() || file.added.first().is_some_and(|&n| n <= limit + 4);
    if !touches_head {
        return;
    }
    let heads = header::read(|n| file.line(n), limit);
    let is_sidecar = file.path.ends_with(".license");
    for h in &heads {
        if !h
            .lines
            .clone()
            .any(|n| file.added.binary_search(&n).is_ok())
        {
            continue;
        }
        let what = if is_sidecar {
            "the sidecar".to_string()
        } else {
            "the SPDX header".to_string()
        };
        let allowed = &cfg.allowed.display;
        judge(
            cfg,
            &h.expr,
            &Site {
                path: &file.path,
                line: Some(h.line),
                snippet: file.line(h.line),
                what,
            },
            HEADER_DENIED,
            |e| {
                format!("the SPDX header names `{e}`, which the allowed licences (`{allowed}`) do not permit")
            },
            sink,
        );
    }

    if !old_tags.is_empty() && file.status == Status::Modified && sink.enabled(HEADER_CHANGED) {
        let now: Vec<String> = heads.iter().map(|h| expr::canonical(&h.expr)).collect();
        for (n, line, old) in old_tags {
            if old.is_empty() || now.contains(&expr::canonical(old)) {
                continue;
            }
            match heads.first() {
                None => {
                    sink.report(
                        HEADER_CHANGED,
                        format!(
                            "removes the SPDX header `{old}` of {} (old line {n})",
                            file.path
                        ),
                    )
                    .path(&file.path)
                    .snippet(format!("(removed line {n}) {}", snippet(line)));
                }
                Some(h) => {
                    let e = sink
                        .report(
                            HEADER_CHANGED,
                            format!("changes the SPDX header from `{old}` to `{}`", h.expr),
                        )
                        .path(&file.path)
                        .line(h.line);
                    if let Some(l) = file.line(h.line) {
                        e.snippet(snippet(l));
                    }
                }
            }
        }
    }

    if !is_new {
        return;
    }
    let side = || sidecar(cfg, sidecars, &file.path);
    if heads.is_empty() && matches(&cfg.spdx_header, &file.path) && sink.enabled(HEADER_MISSING) {
        let covered = side().is_some_and(|(_, h)| !h.is_empty());
        if !covered {
            missing_header(cfg, file, sink);
        }
    }
    if matches(&cfg.copyright, &file.path)
        && sink.enabled(COPYRIGHT_MISSING)
        && !has_copyright(file, limit)
        && !side().is_some_and(|(s, _)| has_copyright(s, limit))
    {
        let e = sink
            .report(
                COPYRIGHT_MISSING,
                format!(
                    "{} is new and has no copyright line in its first {limit} lines",
                    file.path
                ),
            )
            .path(&file.path);
        if file.line_count() > 0 {
            e.line(1);
        }
    }
}

fn missing_header(cfg: &Licensing, file: &FileChange, sink: &mut Sink) {
    let limit = cfg.header_lines;
    let late = (limit + 1..=file.line_count().min(limit + 200))
        .find(|&n| file.line(n).and_then(header::tag_value).is_some());
    let message = match late {
        Some(n) => format!(
            "{} is new and its `SPDX-License-Identifier:` line is on line {n}, below the first {limit} lines",
            file.path
        ),
        None => format!(
            "{} is new and has no `SPDX-License-Identifier:` line in its first {limit} lines",
            file.path
        ),
    };
    let tag = format!("SPDX-License-Identifier: {}", cfg.allowed.display);
    let hint = match cfg
        .texts()
        .and_then(|t| t.knowledge.comment_template(&file.path))
    {
        Some("") => format!(
            "this format has no comments: add a `{}.license` sidecar holding `{tag}`",
            file.path
        ),
        Some(t) => format!(
            "add `{}` as one of its first {limit} lines",
            t.replace("{}", &tag)
        ),
        None => format!(
            "add `{tag}` in a comment within its first {limit} lines, or a `{}.license` sidecar",
            file.path
        ),
    };
    let mut e = sink
        .report(HEADER_MISSING, message)
        .path(&file.path)
        .hint(hint);
    match late {
        Some(n) => e = e.line(n),
        None if file.line_count() > 0 => e = e.line(1),
        None => {}
    }
    let _ = e;
}

/// True for a licence file (LICENSE, COPYING-…, LICENSE.md), not for a
/// source file that happens to be called `license.rs`.
fn is_license_file(cfg: &Licensing, path: &str) -> bool {
    let Some(globs) = cfg.license_files.get() else {
        return false;
    };
    let (dir, name) = match path.rsplit_once('/') {
        Some((d, n)) => (Some(d), n),
        None => (None, path),
    };
    // An extension is a short run of letters and digits (`license.rs`);
    // `LICENSE-Apache-2.0_WITH_LLVM-exception` and `LICENSE.BSD-2-Clause`
    // name a licence after the dot, not a file type.
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e)
        .filter(|e| (1..=5).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_alphanumeric()));
    if let Some(ext) = ext {
        let plain = [
            "txt", "md", "markdown", "rst", "text", "adoc", "org", "html",
        ];
        let all_caps = ext
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !all_caps && !plain.contains(&ext.to_ascii_lowercase().as_str()) {
            return false;
        }
    }
    let upper = name.to_ascii_uppercase();
    let candidate = match dir {
        Some(d) => format!("{d}/{upper}"),
        None => upper,
    };
    globs.is_match(&candidate)
}

/// How a classified licence was named, for messages.
fn named_how(how: &str, confidence: Option<f32>) -> String {
    match confidence {
        Some(c) => format!("named by {how}, {:.0}% match", f64::from(c) * 100.0),
        None => format!("named by {how}"),
    }
}

fn license_file(cfg: &Licensing, file: &FileChange, sink: &mut Sink) {
    let is_new = file.status == Status::Added;
    if !(is_new || file.status == Status::Modified) {
        return;
    }
    let allowed = &cfg.allowed.display;
    let Some(texts) = cfg.texts() else {
        return;
    };
    match texts.knowledge.classify_file(&file.path, &file.text) {
        Classified::Named {
            expr,
            confidence,
            how,
        } => {
            let path = file.path.clone();
            let named = named_how(how, confidence);
            tracing::info!("licensing: {} holds `{expr}` ({named})", file.path);
            judge(
                cfg,
                &expr,
                &Site {
                    path: &file.path,
                    line: None,
                    snippet: None,
                    what: format!("the licence file {}", file.path),
                },
                LICENSE_FILE_DENIED,
                |e| {
                    format!("{path} holds the {e} licence ({named}), which the allowed licences (`{allowed}`) do not permit")
                },
                sink,
            );
        }
        Classified::TooLarge { bytes, limit } => {
            sink.report(
                LICENSE_FILE_UNKNOWN,
                format!(
                    "{} is {bytes} bytes, larger than any licence text ({limit} bytes are read); it is not classified: review it against `{allowed}`",
                    file.path
                ),
            )
            .path(&file.path);
        }
        Classified::Unknown if is_new => {
            sink.report(
                LICENSE_FILE_UNKNOWN,
                format!(
                    "{} is a new licence file whose licence is not recognised; review it against `{allowed}`",
                    file.path
                ),
            )
            .path(&file.path);
        }
        Classified::Exception(id) => {
            tracing::info!("licensing: {} is the text of the {id} exception", file.path);
        }
        Classified::Unknown => {}
    }
}

fn cargo_manifest(cfg: &Licensing, change: &Change, file: &FileChange, sink: &mut Sink) {
    if !file
        .added_lines()
        .any(|(_, l)| manifest::mentions_license(l))
    {
        return;
    }
    let is_new = file.status == Status::Added;
    let allowed = &cfg.allowed.display;
    for field in manifest::read(&file.text) {
        let added = match field.line {
            Some(n) => file.added.binary_search(&n).is_ok(),
            None => is_new,
        };
        let old = file
            .removed
            .iter()
            .find_map(|(_, l)| manifest::value_on_line(l, field.key));
        if !added || old.as_deref() == Some(field.value.as_str()) {
            continue;
        }
        let site = Site {
            path: &file.path,
            line: field.line,
            snippet: field.line.and_then(|n| file.line(n)),
            what: format!("`{}` in {}", field.key, file.path),
        };
        if field.key == "license" {
            let change_text = match &old {
                Some(o) => format!("changes `license` from `{o}` to"),
                None => "sets `license` to".to_string(),
            };
            judge(
                cfg,
                &field.value,
                &site,
                MANIFEST_DENIED,
                |e| {
                    format!("{change_text} `{e}`, which the allowed licences (`{allowed}`) do not permit")
                },
                sink,
            );
            continue;
        }
        // license-file: classify the file it names when the commit carries it.
        let target = manifest::join(&file.path, &field.value);
        let held = change
            .files()
            .iter()
            .find(|f| f.path == target && f.content == Content::Text)
            .map(|f| {
                cfg.texts().and_then(|t| {
                    t.knowledge
                        .classify_file(&f.path, &f.text)
                        .expr()
                        .map(str::to_string)
                })
            });
        match held {
            Some(Some(found)) => {
                let value = field.value.clone();
                judge(
                    cfg,
                    &found,
                    &site,
                    MANIFEST_DENIED,
                    |e| {
                        format!("`license-file = \"{value}\"` points to a {e} licence text, which the allowed licences (`{allowed}`) do not permit")
                    },
                    sink,
                );
            }
            other => {
                let why = if other.is_some() {
                    "whose licence is not recognised"
                } else {
                    "which this commit does not carry"
                };
                let mut e = sink
                    .report(
                        MANIFEST_LICENSE_FILE,
                        format!(
                            "`license-file = \"{}\"` points to {target}, {why}; review that it holds a licence `{allowed}` permits",
                            field.value
                        ),
                    )
                    .path(&file.path);
                if let Some(n) = field.line {
                    e = e.line(n);
                }
                if let Some(s) = site.snippet {
                    e.snippet(snippet(s));
                }
            }
        }
    }
}

/// True when the file's own header (first lines) is permitted: then an
/// all-rights-reserved line is the copyright boilerplate above those terms.
fn header_permitted(cfg: &Licensing, file: &FileChange) -> bool {
    header::read(|n| file.line(n), cfg.header_lines)
        .iter()
        .any(|h| match expr::parse_found(&h.expr) {
            Found::Valid { expr, .. } => cfg.allowed.permits(&expr),
            Found::Invalid { .. } => false,
        })
}

fn foreign_text(cfg: &Licensing, file: &FileChange, sink: &mut Sink) {
    if !sink.enabled(FOREIGN_TEXT)
        || file.added.is_empty()
        || !cfg.foreign_text.is_match(&file.path)
        || file.path.rsplit('/').next() == Some(POLICY_FILE)
    {
        return;
    }
    let Some(texts) = cfg.texts() else {
        return;
    };
    let notices = &texts.knowledge.notices;
    let mut hits: Vec<text::Hit> = if file.added.len() as u32 == file.line_count() {
        notices.scan_text(&file.text, &file.line_starts)
    } else {
        file.added_lines()
            .filter_map(|(line, l)| {
                notices
                    .first_in_line(l)
                    .map(|notice| text::Hit { line, notice })
            })
            .collect()
    };
    // A notice the change moved (a file split, a rename with edits) was
    // already in the tree.
    hits.retain(|h| !file.is_moved(h.line));
    let mut licensed: Option<bool> = None;
    let allowed = &cfg.allowed.display;
    for hit in hits {
        if texts.notice_permitted[hit.notice] {
            continue;
        }
        let n = &notices.list[hit.notice];
        let mut terms = None;
        if n.only_unlicensed {
            if *licensed.get_or_insert_with(|| header_permitted(cfg, file)) {
                continue;
            }
            // A copyright line above licence terms: judge the terms.
            let from = hit.line.saturating_sub(2).max(1);
            let to = (hit.line + BLOCK_LINES).min(file.line_count());
            terms = texts
                .knowledge
                .classify_block((from..=to).filter_map(|l| file.line(l)));
            if let Some(t) = terms {
                if let Found::Valid { expr, .. } = expr::parse_found(t) {
                    if cfg.allowed.permits(&expr) {
                        continue;
                    }
                }
            }
        }
        let msg = match (&n.license, terms) {
            (_, Some(t)) => format!(
                "adds {} with {t} terms, which the allowed licences (`{allowed}`) do not permit",
                n.description
            ),
            (Some((l, _)), None) => format!(
                "adds {} (`{l}`), which the allowed licences (`{allowed}`) do not permit",
                n.description
            ),
            (None, None) => format!("adds {}, which the policy does not permit", n.description),
        };
        let e = sink
            .report(FOREIGN_TEXT, msg)
            .path(&file.path)
            .line(hit.line);
        if let Some(l) = file.line(hit.line) {
            e.snippet(snippet(l));
        }
    }
}

impl Family for Licensing {
    const NAME: &'static str = "licensing";
    const RULES: &'static [RuleInfo] = RULES;
    type Raw = RawLicensing;

    fn compile(
        raw: RawLicensing,
        key: &KeyPath,
        _: &CompileContext<'_>,
        problems: &mut Problems,
    ) -> Option<Self> {
        compile(raw, key, problems)
    }

    /// Licensing reads file contents and the line diff.
    fn needs(&self) -> Needs {
        Needs {
            files: true,
            lines: true,
        }
    }

    fn check(&self, change: &Change, _: &CheckContext<'_>, sink: &mut Sink) {
        check(self, change, sink)
    }
}
