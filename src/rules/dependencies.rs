//! Dependency changes: what a commit adds to `Cargo.toml`, `.cargo/config.toml`
//! and `Cargo.lock`, and where the new crates come from.
//!
//! ```toml
//! [dependencies]
//! popular = ["my-org-core"]             # more typosquat targets (added to policies/data/popular-crates.toml)
//! typosquat_allow = ["serde_yml"]       # real crates that look like popular ones
//! allowed_registries = ["my-registry"]  # registry names (or index URLs) that are fine
//! allowed_git = ["https://github.com/my-org/"]  # git URL prefixes that are fine
//! ignore = ["tests/fixtures/**"]        # manifests not checked
//! advisory_db = "/srv/advisory-db"      # RustSec copy (default: $CARGO_HOME/advisory-db)
//! ```
//!
//! Manifests are parsed on both sides (the old text is read for these paths
//! only, see [`Compiled::old_text_paths`]) and compared as dependency sets,
//! so a version bump is not a "new dependency" and a reformatted table is
//! not a change. When the old side is unknown (too large, binary), an entry
//! counts as new when its key is on an added line.

use crate::rules::family::{CheckContext, CompileContext, Family};
use std::collections::{HashMap, HashSet};

use globset::GlobSet;
use serde::Deserialize;

use crate::config::{compile_globs, KeyPath, Problems};
use crate::diag::RuleInfo;
use crate::diag::Severity;
use crate::model::Needs;
use crate::model::{Content, FileChange, Status};
use crate::rules::sink::Sink;

pub(crate) mod advisories;
pub mod manifest;
pub(crate) mod typosquat;

use manifest::{Dep, Source};
use typosquat::{normalize, Popular};

/// The embedded list of popular crates (`crates = [...]`).
pub(crate) const POPULAR_CRATES: &str = include_str!("../../policies/data/popular-crates.toml");

macro_rules! rule {
    ($id:literal, $sev:ident, $summary:literal, $hint:literal) => {
        RuleInfo {
            id: $id,
            family: "dependencies",
            default: Severity::$sev,
            summary: $summary,
            hint: $hint,
        }
    };
}

/// The rules of this family.
pub(crate) const RULES: &[RuleInfo] = &[
    rule!(
        "dependency-added",
        Warn,
        "a crate was added to a Cargo.toml dependency table",
        "have a maintainer review the new crate (who publishes it, what it runs at build time) before merging"
    ),
    rule!(
        "dependency-typosquat",
        Error,
        "an added crate's name is a near miss of a popular crate (a possible typosquat)",
        "depend on the real crate; if this one is genuine, add it to `dependencies.typosquat_allow`"
    ),
    rule!(
        "dependency-git",
        Warn,
        "a dependency is fetched from a git repository instead of a registry",
        "use a published version, or pin `rev = \"<full sha>\"` and list the URL in `dependencies.allowed_git`"
    ),
    rule!(
        "dependency-path-outside",
        Error,
        "a `path` dependency points outside the repository",
        "vendor the crate inside the repository or depend on a published version"
    ),
    rule!(
        "dependency-registry",
        Error,
        "a dependency (or the cargo config) uses a registry other than crates.io that the policy does not allow",
        "use crates.io, or list the registry in `dependencies.allowed_registries`"
    ),
    rule!(
        "dependency-patch",
        Warn,
        "a `[patch]` or `[replace]` entry overrides where a crate comes from",
        "remove the override, or have a maintainer review what replaces the crate"
    ),
    rule!(
        "dependency-source-replacement",
        Error,
        "`.cargo/config.toml` adds or changes a `[source]` (source replacement redirects every crate)",
        "remove the source replacement, or have a maintainer review the mirror it points at"
    ),
    rule!(
        "dependency-build-script",
        Warn,
        "a build script (`build.rs` or `package.build`) was added: it runs arbitrary code at build time",
        "have a maintainer review the build script"
    ),
    rule!(
        "dependency-proc-macro",
        Warn,
        "a crate became a procedural macro (`proc-macro = true`): it runs arbitrary code at build time",
        "have a maintainer review the proc-macro crate"
    ),
    rule!(
        "dependency-renamed",
        Warn,
        "a dependency's key differs from the crate it fetches (`package = \"…\"`)",
        "use the real crate name as the key, or check that the renamed crate is the one intended"
    ),
    rule!(
        "dependency-manifest-invalid",
        Error,
        "a changed Cargo.toml or cargo config is not valid TOML",
        "fix the TOML syntax (`cargo metadata` shows the same error)"
    ),
    rule!(
        "dependency-lock-source",
        Warn,
        "Cargo.lock gained a package from a source other than crates.io",
        "check where the package comes from; allow its registry or git URL in the policy if it is expected"
    ),
    rule!(
        "dependency-malicious",
        Error,
        "an added crate is listed as malicious in the RustSec advisory database (removed from crates.io for malware)",
        "remove the dependency and check every machine that built with it; depend on the crate it imitated"
    ),
    rule!(
        "dependency-advisory",
        Warn,
        "the version an added dependency's requirement starts from has a RustSec advisory",
        "require a patched version (the message lists them), or record why the advisory does not apply"
    ),
];

const ADDED: &RuleInfo = crate::diag::rule(RULES, "dependency-added");
const TYPOSQUAT: &RuleInfo = crate::diag::rule(RULES, "dependency-typosquat");
const GIT: &RuleInfo = crate::diag::rule(RULES, "dependency-git");
const PATH_OUTSIDE: &RuleInfo = crate::diag::rule(RULES, "dependency-path-outside");
const REGISTRY: &RuleInfo = crate::diag::rule(RULES, "dependency-registry");
const PATCH: &RuleInfo = crate::diag::rule(RULES, "dependency-patch");
const SOURCE_REPLACEMENT: &RuleInfo = crate::diag::rule(RULES, "dependency-source-replacement");
const BUILD_SCRIPT: &RuleInfo = crate::diag::rule(RULES, "dependency-build-script");
const PROC_MACRO: &RuleInfo = crate::diag::rule(RULES, "dependency-proc-macro");
const RENAMED: &RuleInfo = crate::diag::rule(RULES, "dependency-renamed");
const INVALID: &RuleInfo = crate::diag::rule(RULES, "dependency-manifest-invalid");
const LOCK_SOURCE: &RuleInfo = crate::diag::rule(RULES, "dependency-lock-source");
const MALICIOUS: &RuleInfo = crate::diag::rule(RULES, "dependency-malicious");
const ADVISORY: &RuleInfo = crate::diag::rule(RULES, "dependency-advisory");

/// `[dependencies]` as written.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDependencies {
    /// More popular crate names, added to the embedded list.
    pub(crate) popular: Option<Vec<String>>,
    /// Crates never reported as typosquats.
    pub(crate) typosquat_allow: Option<Vec<String>>,
    /// Registry names or index URLs that are allowed.
    pub(crate) allowed_registries: Option<Vec<String>>,
    /// Git URL prefixes that are allowed.
    pub(crate) allowed_git: Option<Vec<String>>,
    /// Globs of manifests, configs and lock files not checked.
    pub(crate) ignore: Option<Vec<String>>,
    /// A local RustSec advisory database (a checkout of
    /// rustsec/advisory-db); default `$CARGO_HOME/advisory-db` when it
    /// exists; `""` reads none.
    pub(crate) advisory_db: Option<String>,
}

/// The embedded data file's schema.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PopularData {
    crates: Vec<String>,
    affixes: Vec<String>,
    family_affixes: Vec<String>,
    distinct: Vec<String>,
}

/// Compiled `[dependencies]`.
#[derive(Debug)]
pub(crate) struct Compiled {
    /// The policy's own popular names (added to the embedded list).
    extra_popular: Vec<String>,
    /// The embedded list plus `extra_popular`, built on first use (a
    /// commit-msg hook never reads a manifest).
    popular: std::sync::OnceLock<Popular>,
    allow: HashSet<String>,
    registries: Vec<String>,
    git: Vec<String>,
    ignore: Option<GlobSet>,
    /// Where the advisory database is (`None`: not read), whether the
    /// policy named it, and the database, read on first use.
    advisory_path: Option<std::path::PathBuf>,
    advisory_named: bool,
    advisories: std::sync::OnceLock<Option<advisories::Database>>,
}

impl Compiled {
    /// The advisory database, read on first call (`None` when there is none).
    pub(crate) fn advisories(&self) -> Option<&advisories::Database> {
        self.advisories
            .get_or_init(|| {
                let path = self.advisory_path.as_ref()?;
                if !self.advisory_named && !path.exists() {
                    tracing::info!(
                        "advisory database: none at {} (set `dependencies.advisory_db`); malicious crates are not looked up",
                        path.display()
                    );
                    return None;
                }
                match advisories::Database::open(path) {
                    Ok(db) => {
                        let age = db
                            .newest
                            .as_deref()
                            .and_then(crate::date::parse)
                            .map(|d| crate::date::today() - d);
                        tracing::info!(
                            "advisory database: {}: {} advisories on {} crates, newest {}{}{}",
                            db.path.display(),
                            db.read,
                            db.crates(),
                            db.newest.as_deref().unwrap_or("(none)"),
                            age.map(|a| format!(" ({a} days old)")).unwrap_or_default(),
                            if db.skipped > 0 {
                                format!(", {} unreadable file(s) skipped", db.skipped)
                            } else {
                                String::new()
                            }
                        );
                        Some(db)
                    }
                    Err(e) => {
                        tracing::warn!("advisory database not read: {e}");
                        None
                    }
                }
            })
            .as_ref()
    }

    /// The typosquat targets: the embedded list and the policy's names.
    pub(crate) fn popular(&self) -> &Popular {
        self.popular.get_or_init(|| {
            // The embedded list is tested; a failure here is a build defect.
            let data = embedded_data().unwrap_or_else(|e| {
                tracing::error!("{e}");
                PopularData {
                    crates: Vec::new(),
                    affixes: Vec::new(),
                    family_affixes: Vec::new(),
                    distinct: Vec::new(),
                }
            });
            Popular::with_data(
                data.crates
                    .iter()
                    .chain(self.extra_popular.iter())
                    .map(String::as_str),
                data.affixes.iter().map(String::as_str),
                data.family_affixes.iter().map(String::as_str),
                data.distinct.iter().map(String::as_str),
            )
        })
    }

    /// Files whose old text the comparison needs.
    pub(crate) fn old_text_paths(&self) -> &'static [&'static str] {
        &[
            "Cargo.toml",
            "Cargo.lock",
            "**/.cargo/config.toml",
            "**/.cargo/config",
        ]
    }
}

/// Parses the embedded popular-crate list.
#[cfg(test)]
pub(crate) fn embedded_popular() -> Result<Vec<String>, String> {
    embedded_data().map(|d| d.crates)
}

/// The embedded list, the affixes, the family affixes and the distinct
/// names, from the data file.
#[cfg(test)]
pub(crate) fn embedded_typosquat_data() -> Result<[Vec<String>; 4], String> {
    embedded_data().map(|d| [d.crates, d.affixes, d.family_affixes, d.distinct])
}

fn embedded_data() -> Result<PopularData, String> {
    crate::config::embedded::from_str::<PopularData>(POPULAR_CRATES).map_err(|e| {
        format!(
            "policies/data/popular-crates.toml is invalid: {}",
            e.message()
        )
    })
}

/// Validates `[dependencies]`.
pub(crate) fn compile(raw: RawDependencies, path: &KeyPath, problems: &mut Problems) -> Compiled {
    let mut extra_popular = Vec::new();
    for (i, n) in raw.popular.iter().flatten().enumerate() {
        if n.trim().is_empty() {
            problems.error(path.key("popular").index(i), "empty crate name");
        }
        extra_popular.push(n.clone());
    }
    let ignore = raw
        .ignore
        .filter(|g| !g.is_empty())
        .and_then(|g| compile_globs(&g, &path.key("ignore"), problems));
    let (advisory_path, advisory_named) = match raw.advisory_db.as_deref().map(str::trim) {
        Some("") => (None, true),
        Some(p) => (Some(std::path::PathBuf::from(p)), true),
        None => (advisories::Database::default_path(), false),
    };
    Compiled {
        advisory_path,
        advisory_named,
        advisories: std::sync::OnceLock::new(),
        extra_popular,
        popular: std::sync::OnceLock::new(),
        allow: raw
            .typosquat_allow
            .unwrap_or_default()
            .iter()
            .map(|n| normalize(n))
            .collect(),
        registries: raw.allowed_registries.unwrap_or_default(),
        git: raw.allowed_git.unwrap_or_default(),
        ignore,
    }
}

/// What kind of file a path is, for this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Manifest,
    Config,
    Lock,
    BuildScript,
}

fn kind_of(path: &str) -> Option<Kind> {
    let mut parts = path.rsplit('/');
    let name = parts.next()?;
    let parent = parts.next();
    match name {
        "Cargo.toml" => Some(Kind::Manifest),
        "Cargo.lock" => Some(Kind::Lock),
        "config.toml" | "config" if parent == Some(".cargo") => Some(Kind::Config),
        // A package's build script sits next to its Cargo.toml, never in src/.
        "build.rs"
            if !path
                .split('/')
                .any(|c| matches!(c, "src" | "tests" | "examples" | "benches")) =>
        {
            Some(Kind::BuildScript)
        }
        _ => None,
    }
}

/// The 1-based line of a byte offset in the new text.
fn line_at(file: &FileChange, offset: usize) -> u32 {
    file.line_starts.partition_point(|&s| s <= offset).max(1) as u32
}

fn is_added_line(file: &FileChange, line: u32) -> bool {
    file.added.binary_search(&line).is_ok()
}

/// Runs the family over one change.
pub(crate) fn check(cfg: &Compiled, change: &crate::model::Change, sink: &mut Sink) {
    // Build scripts added as files (reported once, not again for `package.build`).
    let new_scripts: HashSet<&str> = change
        .files()
        .iter()
        .filter(|f| f.is_new() && kind_of(&f.path) == Some(Kind::BuildScript))
        .map(|f| f.path.as_str())
        .collect();
    // Crates the manifests this change touches depended on before it (a
    // crate moved between manifests, or a manifest moved, is not new).
    let old_manifests: Vec<(Status, manifest::Manifest)> = change
        .files()
        .iter()
        .filter(|f| kind_of(&f.path) == Some(Kind::Manifest) && f.status != Status::Added)
        .filter_map(|f| Some((f.status, manifest::manifest(f.old_text.as_deref()?).ok()?)))
        .collect();
    let known: HashSet<String> = old_manifests
        .iter()
        .flat_map(|(_, m)| &m.deps)
        .flat_map(|d| [normalize(&d.real), normalize(&d.key)])
        .collect();
    let deleted: Vec<&manifest::Manifest> = old_manifests
        .iter()
        .filter(|(s, _)| *s == Status::Deleted)
        .map(|(_, m)| m)
        .collect();
    let ctx = Context {
        new_scripts: &new_scripts,
        known: &known,
        deleted: &deleted,
    };
    for file in change.files() {
        let Some(kind) = kind_of(&file.path) else {
            continue;
        };
        if file.status == Status::Deleted
            || cfg.ignore.as_ref().is_some_and(|g| g.is_match(&file.path))
        {
            continue;
        }
        if kind == Kind::BuildScript {
            if file.is_new()
                && file.old_path.as_deref().and_then(kind_of) != Some(Kind::BuildScript)
            {
                sink.report(BUILD_SCRIPT, format!("build script {} added", file.path))
                    .path(&file.path);
            }
            continue;
        }
        if file.content != Content::Text || file.added.is_empty() {
            continue;
        }
        match kind {
            Kind::Manifest => check_manifest(cfg, file, &ctx, sink),
            Kind::Config => check_config(cfg, file, sink),
            Kind::Lock => check_lock(cfg, file, sink),
            Kind::BuildScript => {}
        }
    }
}

fn describe(section: &str) -> String {
    format!("[{section}]")
}

/// True when a dependency path escapes the repository from `manifest`'s directory.
pub(crate) fn path_escapes(manifest: &str, dep_path: &str) -> bool {
    let p = dep_path.replace('\\', "/");
    if p.starts_with('/') || p.as_bytes().get(1) == Some(&b':') {
        return true;
    }
    let mut depth: Vec<&str> = manifest.split('/').collect();
    depth.pop(); // the file name
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if depth.pop().is_none() {
                    return true;
                }
            }
            c => depth.push(c),
        }
    }
    false
}

fn registry_allowed(cfg: &Compiled, name: &str) -> bool {
    cfg.registries.iter().any(|r| r == name)
}

fn git_allowed(cfg: &Compiled, url: &str) -> bool {
    cfg.git.iter().any(|p| url.starts_with(p.as_str()))
}

/// The old side of a file, parsed: `Ok(None)` when unknown.
fn old_side<T>(
    file: &FileChange,
    parse: impl Fn(&str) -> Result<T, manifest::ParseError>,
) -> Option<T> {
    match file.status {
        Status::Added => None,
        _ => file.old_text.as_deref().and_then(|t| parse(t).ok()),
    }
}

fn report_invalid(file: &FileChange, what: &str, e: &manifest::ParseError, sink: &mut Sink) {
    let line = line_at(file, e.offset);
    sink.report(
        INVALID,
        format!("{} is not valid TOML ({what}): {}", file.path, e.message),
    )
    .path(&file.path)
    .line(line)
    .snippet(clip(file.line(line).unwrap_or_default()));
}

/// Cuts a line for display.
fn clip(line: &str) -> String {
    let line = line.trim();
    match line.char_indices().nth(160) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
    }
}

/// `rel` relative to the directory of `manifest`, normalised.
fn beside(manifest: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = manifest.split('/').collect();
    parts.pop();
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    parts.join("/")
}

/// What the whole change tells a manifest's check.
struct Context<'a> {
    /// Build scripts added as files.
    new_scripts: &'a HashSet<&'a str>,
    /// Normalised crate names the touched manifests had before the change.
    known: &'a HashSet<String>,
    /// The old sides of the manifests the change deletes (a new manifest
    /// is often one of them moved).
    deleted: &'a [&'a manifest::Manifest],
}

fn check_manifest(cfg: &Compiled, file: &FileChange, ctx: &Context, sink: &mut Sink) {
    let new = match manifest::manifest(&file.text) {
        Ok(m) => m,
        Err(e) => return report_invalid(file, "a Cargo manifest", &e, sink),
    };
    let old = old_side(file, manifest::manifest);
    // Whether the entry at `offset` is new: compared with the old manifest
    // when known, else judged by its line being added.
    let line_added = |offset: usize| is_added_line(file, line_at(file, offset));
    // The crates known before: this manifest's, and those of the other
    // manifests the change touches. Unknown when this one's old side is.
    let old_unknown = old.is_none() && file.status != Status::Added;
    // Entries before: this manifest's own, or for a new manifest (often a
    // moved one) those of the manifests the change deleted. A new crate
    // that copies an entry of a manifest that stays is judged afresh.
    let before: Vec<&manifest::Manifest> = match &old {
        Some(m) => vec![m],
        None => ctx.deleted.to_vec(),
    };
    let old_by_key: HashMap<(&str, &str), &Dep> = before
        .iter()
        .flat_map(|m| m.deps.iter().chain(&m.patches))
        .map(|d| ((d.section.as_str(), d.key.as_str()), d))
        .collect();
    let changed_from =
        |prior: Option<&&Dep>, differs: &dyn Fn(&Dep) -> bool, offset: usize| match prior {
            Some(p) => differs(p),
            None if old_unknown => line_added(offset),
            None => true,
        };
    let mut reported: HashSet<String> = HashSet::new();
    for dep in &new.deps {
        if dep.inherited {
            continue;
        }
        let line = line_at(file, dep.offset);
        let shown = clip(file.line(line).unwrap_or_default());
        let prior = old_by_key.get(&(dep.section.as_str(), dep.key.as_str()));
        let in_repo = matches!(&dep.source, Source::Path(p) if !path_escapes(&file.path, p));
        let is_new_crate = !in_repo
            && if old_unknown {
                line_added(dep.offset)
            } else {
                !ctx.known.contains(&normalize(&dep.real))
            };
        let changed = changed_from(
            prior,
            &|p| p.source != dep.source || p.real != dep.real,
            dep.offset,
        );
        if is_new_crate && reported.insert(normalize(&dep.real)) {
            sink.report(
                ADDED,
                format!(
                    "new dependency `{}` in {} of {}",
                    dep.real,
                    describe(&dep.section),
                    file.path
                ),
            )
            .path(&file.path)
            .line(line)
            .snippet(shown.clone());
            if !advisory(cfg, file, dep, line, &shown, sink) {
                typosquat(cfg, file, dep, line, &shown, sink);
            }
        }
        if !changed {
            continue;
        }
        if normalize(&dep.real) != normalize(&dep.key) {
            let msg = if cfg.popular().contains_normalized(&dep.key) {
                format!(
                    "`{}` in {} is not the crate `{}`: it fetches `{}` under that name",
                    dep.key,
                    describe(&dep.section),
                    dep.key,
                    dep.real
                )
            } else {
                format!(
                    "`{}` in {} is the crate `{}` renamed",
                    dep.key,
                    describe(&dep.section),
                    dep.real
                )
            };
            sink.report(RENAMED, msg)
                .path(&file.path)
                .line(line)
                .snippet(shown.clone());
        }
        source_findings(cfg, file, dep, line, &shown, sink);
    }
    for p in &new.patches {
        let prior = old_by_key.get(&(p.section.as_str(), p.key.as_str()));
        let changed = changed_from(
            prior,
            &|o| o.source != p.source || o.version != p.version || o.real != p.real,
            p.offset,
        );
        if changed {
            let line = line_at(file, p.offset);
            let shown = clip(file.line(line).unwrap_or_default());
            sink.report(
                PATCH,
                format!(
                    "{} overrides the crate `{}` with {}",
                    describe(&p.section),
                    p.real,
                    source_words(&p.source)
                ),
            )
            .path(&file.path)
            .line(line)
            .snippet(shown.clone());
            source_findings(cfg, file, p, line, &shown, sink);
        }
    }
    if let Some((build, offset)) = &new.build {
        let is_new = if old_unknown {
            line_added(*offset)
        } else {
            !before
                .iter()
                .any(|m| m.build.as_ref().is_some_and(|b| &b.0 == build))
        };
        if is_new && !ctx.new_scripts.contains(beside(&file.path, build).as_str()) {
            let line = line_at(file, *offset);
            sink.report(
                BUILD_SCRIPT,
                format!("{} now runs the build script `{build}`", file.path),
            )
            .path(&file.path)
            .line(line)
            .snippet(clip(file.line(line).unwrap_or_default()));
        }
    }
    if let Some(offset) = new.proc_macro {
        let is_new = if old_unknown {
            line_added(offset)
        } else {
            !before.iter().any(|m| m.proc_macro.is_some())
        };
        if is_new {
            let line = line_at(file, offset);
            sink.report(
                PROC_MACRO,
                format!("{} is now a procedural-macro crate", file.path),
            )
            .path(&file.path)
            .line(line)
            .snippet(clip(file.line(line).unwrap_or_default()));
        }
    }
}

fn source_words(s: &Source) -> String {
    match s {
        Source::Registry(None) => "a crates.io version".into(),
        Source::Registry(Some(r)) => format!("registry `{r}`"),
        Source::Git(u) => format!("git `{u}`"),
        Source::Path(p) => format!("path `{p}`"),
    }
}

/// Looks an added crate up in the advisory database; true when it is
/// listed as malicious (a typosquat finding would repeat it).
fn advisory(
    cfg: &Compiled,
    file: &FileChange,
    dep: &Dep,
    line: u32,
    shown: &str,
    sink: &mut Sink,
) -> bool {
    if !sink.enabled(MALICIOUS) && !sink.enabled(ADVISORY) {
        return false;
    }
    let Some(db) = cfg.advisories() else {
        return false;
    };
    match db.judge(&dep.real, dep.version.as_deref()) {
        Some(advisories::Verdict::Malicious { id, title }) => {
            sink.report(
                MALICIOUS,
                format!(
                    "`{}` is listed as malicious by the RustSec advisory database ({id}: {title})",
                    dep.real
                ),
            )
            .path(&file.path)
            .line(line)
            .snippet(shown.to_string())
            .hint(format!(
                "remove `{}`: it was removed from crates.io for malware; if it was ever built, treat that machine as compromised",
                dep.real
            ));
            true
        }
        Some(advisories::Verdict::Affected {
            id,
            title,
            version,
            patched,
        }) => {
            sink.report(
                ADVISORY,
                format!(
                    "`{}` {version}, the first version the requirement allows, is affected by {id}: {title}",
                    dep.real
                ),
            )
            .path(&file.path)
            .line(line)
            .snippet(shown.to_string())
            .hint(format!(
                "require a patched version of `{}` (patched: {patched})",
                dep.real
            ));
            false
        }
        None => false,
    }
}

fn typosquat(
    cfg: &Compiled,
    file: &FileChange,
    dep: &Dep,
    line: u32,
    shown: &str,
    sink: &mut Sink,
) {
    if !sink.enabled(TYPOSQUAT) {
        return;
    }
    let Some(miss) = cfg.popular().near_miss(&dep.real) else {
        return;
    };
    if cfg.allow.contains(&normalize(&dep.real)) {
        sink.suppressed();
        return;
    }
    sink.report(
        TYPOSQUAT,
        format!(
            "`{}` looks like a typosquat of the popular crate `{}`: it {}",
            dep.real, miss.target, miss.how
        ),
    )
    .path(&file.path)
    .line(line)
    .snippet(shown.to_string())
    .hint(format!(
        "did you mean `{}`? If `{}` is genuine, add it to `dependencies.typosquat_allow`",
        miss.target, dep.real
    ));
}

fn source_findings(
    cfg: &Compiled,
    file: &FileChange,
    dep: &Dep,
    line: u32,
    shown: &str,
    sink: &mut Sink,
) {
    let section = describe(&dep.section);
    match &dep.source {
        Source::Registry(None) => {}
        Source::Registry(Some(r)) => {
            if registry_allowed(cfg, r) {
                sink.suppressed();
            } else {
                sink.report(
                    REGISTRY,
                    format!("`{}` in {section} comes from the registry `{r}`", dep.key),
                )
                .path(&file.path)
                .line(line)
                .snippet(shown.to_string());
            }
        }
        Source::Git(url) => {
            if git_allowed(cfg, url) {
                sink.suppressed();
            } else {
                sink.report(
                    GIT,
                    format!("`{}` in {section} is fetched from git `{url}`", dep.key),
                )
                .path(&file.path)
                .line(line)
                .snippet(shown.to_string());
            }
        }
        Source::Path(p) => {
            if path_escapes(&file.path, p) {
                sink.report(
                    PATH_OUTSIDE,
                    format!(
                        "`{}` in {section} points at `{p}`, outside the repository",
                        dep.key
                    ),
                )
                .path(&file.path)
                .line(line)
                .snippet(shown.to_string());
            }
        }
    }
}

fn check_config(cfg: &Compiled, file: &FileChange, sink: &mut Sink) {
    let new = match manifest::config(&file.text) {
        Ok(c) => c,
        Err(e) => return report_invalid(file, "a cargo configuration", &e, sink),
    };
    let old = old_side(file, manifest::config);
    let changed = |entries: fn(&manifest::Config) -> &Vec<manifest::ConfigEntry>,
                   e: &manifest::ConfigEntry| match &old {
        Some(o) => !entries(o)
            .iter()
            .any(|p| p.key == e.key && p.value == e.value),
        None => is_added_line(file, line_at(file, e.offset)),
    };
    for e in &new.sources {
        if changed(|c| &c.sources, e) {
            let line = line_at(file, e.offset);
            sink.report(
                SOURCE_REPLACEMENT,
                format!("{} sets `[{}]` = {}", file.path, e.key, e.value),
            )
            .path(&file.path)
            .line(line)
            .snippet(clip(file.line(line).unwrap_or_default()));
        }
    }
    for e in &new.registries {
        if !changed(|c| &c.registries, e) {
            continue;
        }
        let name = e.key.strip_prefix("registries.").unwrap_or(&e.key);
        let value_name = e.value.trim_matches('"');
        if registry_allowed(cfg, name) || registry_allowed(cfg, value_name) {
            sink.suppressed();
            continue;
        }
        let line = line_at(file, e.offset);
        sink.report(
            REGISTRY,
            format!("{} sets `{}` = {}", file.path, e.key, e.value),
        )
        .path(&file.path)
        .line(line)
        .snippet(clip(file.line(line).unwrap_or_default()));
    }
    let old_patches: Vec<&Dep> = old
        .as_ref()
        .map(|o| o.patches.iter().collect())
        .unwrap_or_default();
    for p in &new.patches {
        let is_new = match &old {
            Some(_) => !old_patches
                .iter()
                .any(|o| o.section == p.section && o.key == p.key && o.source == p.source),
            None => is_added_line(file, line_at(file, p.offset)),
        };
        if is_new {
            let line = line_at(file, p.offset);
            sink.report(
                PATCH,
                format!(
                    "{} in {} overrides the crate `{}` with {}",
                    describe(&p.section),
                    file.path,
                    p.real,
                    source_words(&p.source)
                ),
            )
            .path(&file.path)
            .line(line)
            .snippet(clip(file.line(line).unwrap_or_default()));
        }
    }
}

/// Sources of crates.io in a lock file.
fn is_crates_io(source: &str) -> bool {
    source == "registry+https://github.com/rust-lang/crates.io-index"
        || source == "sparse+https://index.crates.io/"
}

fn check_lock(cfg: &Compiled, file: &FileChange, sink: &mut Sink) {
    if !sink.enabled(LOCK_SOURCE) {
        return;
    }
    // Cheap pre-filter: an added `source = "…"` line that is not crates.io.
    let interesting = file.added_lines().any(|(_, l)| {
        l.trim_start()
            .strip_prefix("source = \"")
            .is_some_and(|s| !is_crates_io(s.trim_end().trim_end_matches('"')))
    });
    if !interesting {
        return;
    }
    let new = match manifest::lock(&file.text) {
        Ok(l) => l,
        Err(e) => return report_invalid(file, "a Cargo.lock", &e, sink),
    };
    let old: HashSet<(String, String, String)> = old_side(file, manifest::lock)
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p.name, p.version, p.source))
        .collect();
    // One finding per source (a git repository often brings several crates).
    let mut by_source: Vec<(String, u32, Vec<String>)> = Vec::new();
    for p in new {
        if is_crates_io(&p.source)
            || old.contains(&(p.name.clone(), p.version.clone(), p.source.clone()))
        {
            continue;
        }
        let line = line_at(file, p.offset);
        if !is_added_line(file, line) {
            continue;
        }
        let url = p
            .source
            .split_once('+')
            .map_or(p.source.as_str(), |(_, u)| u);
        let url = url.split(['?', '#']).next().unwrap_or(url);
        if git_allowed(cfg, url) || registry_allowed(cfg, url) {
            sink.suppressed();
            continue;
        }
        let source = p.source.split('#').next().unwrap_or(&p.source).to_string();
        let crate_ = format!("`{} {}`", p.name, p.version);
        match by_source.iter_mut().find(|(s, _, _)| *s == source) {
            Some((_, _, crates)) => crates.push(crate_),
            None => by_source.push((source, line, vec![crate_])),
        }
    }
    for (source, line, crates) in by_source {
        let shown = if crates.len() > 5 {
            format!("{} and {} more", crates[..5].join(", "), crates.len() - 5)
        } else {
            crates.join(", ")
        };
        sink.report(
            LOCK_SOURCE,
            format!("Cargo.lock adds {shown} from `{source}`"),
        )
        .path(&file.path)
        .line(line)
        .snippet(clip(file.line(line).unwrap_or_default()));
    }
}

impl Family for Compiled {
    const NAME: &'static str = "dependencies";
    const RULES: &'static [RuleInfo] = RULES;
    type Raw = RawDependencies;

    fn compile(
        raw: RawDependencies,
        key: &KeyPath,
        _: &CompileContext<'_>,
        problems: &mut Problems,
    ) -> Option<Self> {
        Some(compile(raw, key, problems))
    }

    fn needs(&self) -> Needs {
        Needs {
            files: true,
            lines: true,
        }
    }

    fn check(&self, change: &crate::model::Change, _: &CheckContext<'_>, sink: &mut Sink) {
        check(self, change, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_list_is_valid_sorted_and_unique() {
        let names = embedded_popular().expect("valid");
        assert!(names.len() > 100);
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(
            names, sorted,
            "popular-crates.toml must be sorted and unique"
        );
    }

    #[test]
    fn popular_crates_are_not_typosquats_of_each_other() {
        let names = embedded_popular().expect("valid");
        let p = Popular::new(names.iter().map(String::as_str));
        for n in &names {
            assert_eq!(p.near_miss(n), None, "{n}");
        }
    }

    #[test]
    fn paths_escaping_the_repository() {
        assert!(!path_escapes("Cargo.toml", "crates/a"));
        assert!(!path_escapes("crates/b/Cargo.toml", "../a"));
        assert!(!path_escapes("crates/b/Cargo.toml", "../../x"));
        assert!(path_escapes("crates/b/Cargo.toml", "../../../x"));
        assert!(path_escapes("Cargo.toml", "../sibling"));
        assert!(path_escapes("Cargo.toml", "/opt/crate"));
        assert!(path_escapes("Cargo.toml", "C:\\crates\\x"));
        assert!(path_escapes("Cargo.toml", "a/../../x"));
        assert!(!path_escapes("Cargo.toml", "./a/./b/.."));
    }

    #[test]
    fn file_kinds() {
        assert_eq!(kind_of("Cargo.toml"), Some(Kind::Manifest));
        assert_eq!(kind_of("crates/x/Cargo.toml"), Some(Kind::Manifest));
        assert_eq!(kind_of(".cargo/config.toml"), Some(Kind::Config));
        assert_eq!(kind_of("x/.cargo/config"), Some(Kind::Config));
        assert_eq!(kind_of("config.toml"), None);
        assert_eq!(kind_of("build.rs"), Some(Kind::BuildScript));
        assert_eq!(kind_of("crates/x/build.rs"), Some(Kind::BuildScript));
        assert_eq!(kind_of("src/build.rs"), None);
        assert_eq!(kind_of("crates/x/src/cmd/build.rs"), None);
    }

    fn data_list() -> Popular {
        let [crates, affixes, family, distinct] = embedded_typosquat_data().expect("valid");
        Popular::with_data(
            crates.iter().map(String::as_str),
            affixes.iter().map(String::as_str),
            family.iter().map(String::as_str),
            distinct.iter().map(String::as_str),
        )
    }

    fn data_lines(text: &str) -> impl Iterator<Item = &str> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
    }

    /// The crates removed from crates.io for imitating another: at least
    /// 30 of the 36 are flagged, each as a near miss of the crate it imitated.
    #[test]
    fn removed_imitations_are_flagged_by_name_alone() {
        let p = data_list();
        let list = include_str!("../../tests/data/crate-names-imitations.txt");
        let (mut hit, mut total, mut missed) = (0, 0, Vec::new());
        for l in data_lines(list) {
            let (bad, target) = l.split_once(' ').expect("two names");
            total += 1;
            match p.near_miss(bad) {
                Some(m) if m.target == target => hit += 1,
                other => missed.push(format!("{bad} -> {other:?}")),
            }
        }
        eprintln!("imitations flagged: {hit} of {total}; missed: {missed:?}");
        assert_eq!(total, 36);
        assert!(hit >= 30, "{hit} of {total}: {missed:?}");
    }

    /// 500 real crate names: at most one false alarm.
    #[test]
    fn real_crate_names_raise_at_most_one_alarm() {
        let p = data_list();
        let list = include_str!("../../tests/data/crate-names-real.txt");
        let names: Vec<&str> = data_lines(list).collect();
        assert_eq!(names.len(), 500);
        let alarms: Vec<String> = names
            .iter()
            .filter_map(|n| p.near_miss(n).map(|m| format!("{n}: {}", m.how)))
            .collect();
        eprintln!(
            "false alarms: {} of {}: {alarms:?}",
            alarms.len(),
            names.len()
        );
        assert!(alarms.len() <= 1, "{alarms:?}");
    }

    /// Real crates that look like popular ones, named in the issue.
    #[test]
    fn real_lookalikes_pass_by_data() {
        let p = data_list();
        for n in [
            "serde_core",
            "bit-vec",
            "openssl-src",
            "serde_cbor",
            "bitvec",
            "openssl-sys",
        ] {
            assert_eq!(p.near_miss(n), None, "{n}");
        }
    }

    /// Measurement, not a check: `REAL_NAMES=<file> cargo test --lib
    /// measure_real_names -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn measure_real_names() {
        let p = data_list();
        let file = std::env::var("REAL_NAMES").unwrap_or_default();
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let names: Vec<&str> = data_lines(&text).collect();
        let mut n = 0;
        for name in &names {
            if let Some(m) = p.near_miss(name) {
                n += 1;
                println!("{name}\t{}\t{}", m.target, m.how);
            }
        }
        println!("{n} of {}", names.len());
    }
}
