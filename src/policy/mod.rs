//! The policy: TOML as the user writes it (raw serde types that reject
//! unknown keys), merged along its `extends` chain, then validated and
//! compiled once (regexes, globs, dates) into a [`Policy`] the rules use.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::diag::RuleInfo;
use crate::diag::Severity;
use crate::rules::family::CompileContext;
use crate::rules::{self};

pub(crate) mod compiled;
pub mod families;
pub(crate) mod load;
pub(crate) mod presets;
pub(crate) mod raw;
pub(crate) mod run;
pub mod schema;
pub(crate) mod server;
pub(crate) mod show;

pub(crate) use crate::config::error;
pub(crate) use crate::config::Globs;
pub use crate::config::{KeyPath, PolicyErrors, Problems};
pub use crate::model::{Needs, Renames};
pub(crate) use crate::rules::sink::NO_INLINE_ON_SERVER;
use compiled::Tables;
pub use compiled::{Level, Policy, Scan};
pub use load::Source;
pub(crate) use raw::{RawPolicy, RawSeverity};
pub use run::Run;

impl Policy {
    /// Loads, merges and compiles a policy starting from `source`.
    pub fn load(source: Source) -> Result<Policy, PolicyErrors> {
        let (mut merged, mut errors) = load::load_all(source)?;
        let raw = match merged.typed.take() {
            Some(raw) => raw,
            None => match RawPolicy::deserialize(toml::Value::Table(merged.table.clone())) {
                Ok(raw) => raw,
                // The schema's problems already say why.
                Err(_) if !errors.is_empty() => return Err(PolicyErrors(errors)),
                Err(e) => {
                    return Err(PolicyErrors::one(
                        None,
                        format!("the merged policy is invalid: {e}"),
                    ))
                }
            },
        };
        // Compiled even when the schema refused some keys (they were left
        // out), so every problem is reported in one run.
        let mut problems = Problems::default();
        let policy = compile(raw, &merged, &mut problems);
        errors.extend(
            problems
                .0
                .into_iter()
                .map(|p| merged.error(&p.path, p.message)),
        );
        if errors.is_empty() {
            Ok(policy)
        } else {
            Err(PolicyErrors(errors))
        }
    }

    /// Loads the embedded preset `name`.
    pub fn preset(name: &str) -> Result<Policy, PolicyErrors> {
        Policy::load(Source::preset(name)?)
    }

    /// Loads a policy file.
    pub fn file(path: &Path) -> Result<Policy, PolicyErrors> {
        Policy::load(Source::file(path)?)
    }

    /// The severity of a rule today, after the policy's overrides.
    pub(crate) fn severity(&self, rule: &RuleInfo) -> Severity {
        self.severity_of(rule.id, rule.default)
    }

    /// The severity of a rule id today, given its default.
    pub(crate) fn severity_of(&self, id: &str, default: Severity) -> Severity {
        self.severity_on(id, default, self.today)
    }

    /// The severity of a rule id on `day` (days since the epoch), given its
    /// default: what a staged rollout says for that day.
    pub(crate) fn severity_on(&self, id: &str, default: Severity, day: i64) -> Severity {
        match self.severities.get(id) {
            None => default,
            Some(l) => match l.until {
                Some((from, then)) if day >= from => then,
                _ => l.level,
            },
        }
    }

    /// Overridden rules whose severity changes on a date: (rule, now, then, day).
    pub(crate) fn rollouts(&self) -> impl Iterator<Item = (&str, Severity, Severity, i64)> {
        self.severities
            .iter()
            .filter_map(|(id, l)| l.until.map(|(day, then)| (id.as_str(), l.level, then, day)))
    }

    /// The built-in rule families this policy runs on each commit (for
    /// `inspect`; each family with a policy table adds itself here). The
    /// `adoption` rules (expired/unused exceptions, stale baseline entries)
    /// and the push hooks' `server` rule judge a whole run or push, not a
    /// commit, so they are not listed; `[[exceptions]]` still apply to what
    /// `inspect` shows (the engine applies them to every family).
    pub fn families(&self) -> Vec<&'static str> {
        let mut f = vec!["scan"];
        f.extend(
            families::FAMILIES
                .iter()
                .filter(|x| x.name != "rules" && (x.needs)(self).is_some())
                .map(|x| x.name),
        );
        f
    }

    /// `[secrets]`, compiled; `None` when the policy does not run it.
    pub fn secrets(&self) -> Option<&rules::secrets::Secrets> {
        self.tables.secrets.as_ref()
    }

    /// What this policy needs read from git.
    pub(crate) fn needs(&self) -> Needs {
        self.needs
    }

    /// Paths whose old text rules compare with the new (none for most policies).
    pub(crate) fn old_text_paths(&self) -> Option<&globset::GlobSet> {
        self.old_text.as_ref().and_then(Globs::get)
    }

    /// True when an inline `policy-check:allow RULE` marker may silence a
    /// finding of `rule` in a run that counts review trailers as
    /// `counting` (see [`RawSuppress::inline`]).
    pub(crate) fn inline_allowed(&self, rule: &str, counting: crate::identity::Counting) -> bool {
        let family = rules::find(rule).map(|r| r.family).unwrap_or_else(|| {
            let is_require = self
                .tables
                .review
                .as_ref()
                .is_some_and(|r| r.require.iter().any(|q| q.id == rule));
            if is_require {
                "review"
            } else {
                "custom"
            }
        });
        match &self.inline {
            Some(list) => list.iter().any(|i| i == "*" || i == rule || i == family),
            None => {
                counting == crate::identity::Counting::Claims
                    || !NO_INLINE_ON_SERVER.contains(&family)
            }
        }
    }
}

fn compile(mut raw: RawPolicy, merged: &load::Merged, problems: &mut Problems) -> Policy {
    let scan = Scan {
        max_file_size: raw.scan.max_file_size.unwrap_or(5 * 1024 * 1024),
        merge_diffs: raw.scan.merge_diffs.unwrap_or(false),
        renames: raw.scan.renames.unwrap_or(Renames::Exact),
        moves: raw.scan.moves.unwrap_or(true),
    };
    let server = server::compile(raw.server.take(), problems);
    let mut maintainers = raw.policy.maintainers.take().unwrap_or_default();
    let mut tree_inputs: Vec<String> = merged
        .sources
        .iter()
        .filter_map(|s| s.tree.as_ref().map(|t| t.file.clone()))
        .collect();
    if let Some(file) = &raw.policy.maintainers_file {
        maintainers.extend(read_maintainers(file, merged, &mut tree_inputs, problems));
    }
    let tables = Tables::compile(
        &mut raw,
        &CompileContext {
            maintainers: &maintainers,
            builtin: &|id| rules::find(id).is_some(),
            read_beside: &|key, rel| merged.read_beside(key, rel),
        },
        problems,
    );
    let uses_ai =
        tables.disclosure.is_some() || tables.review.as_ref().is_some_and(|r| r.uses_ai());
    let ai = (uses_ai || raw.ai.is_some()).then(|| {
        let keys = tables
            .disclosure
            .as_ref()
            .map_or(&[][..], |d| &d.trailers[..]);
        crate::ai::Detector::compile(
            &raw.ai.take().unwrap_or_default(),
            keys,
            &KeyPath::of(&["ai"]),
            problems,
        )
    });
    let custom_ids = tables
        .rules
        .iter()
        .flat_map(|c| c.0.iter().map(|r| r.id.as_str()));
    let review_ids = tables
        .review
        .iter()
        .flat_map(|r| r.require.iter().map(|q| q.id.as_str()));
    for id in review_ids.clone() {
        if custom_ids.clone().any(|c| c == id) {
            problems.error(
                KeyPath::of(&["review", "require"]).id(id),
                format!("`{id}` is also the id of a custom rule"),
            );
        }
    }
    let known: Vec<&str> = rules::registry()
        .map(|r| r.id)
        .chain(custom_ids)
        .chain(review_ids)
        .collect();
    let severities = severities(std::mem::take(&mut raw.severity), &known, problems);
    let inline = raw.suppress.take().and_then(|s| s.inline);
    if let Some(list) = &inline {
        check_inline(list, &known, problems);
    }
    let today = crate::date::today();
    let exceptions = crate::adoption::exceptions::compile(
        std::mem::take(&mut raw.exceptions),
        &known,
        today,
        &|p| merged.locate(p),
        problems,
    );

    let old_text = old_text(&tables, problems);
    let mut policy = Policy {
        name: raw
            .policy
            .name
            .take()
            .unwrap_or_else(|| "unnamed".to_string()),
        description: raw.policy.description.take().unwrap_or_default(),
        sources: merged.sources.iter().map(|s| s.name.clone()).collect(),
        scan,
        maintainers,
        tree_inputs,
        server,
        ai,
        tables,
        old_text,
        exceptions,
        severities,
        inline,
        today,
        needs: Needs::default(),
    };
    policy.needs = families::FAMILIES
        .iter()
        .filter_map(|f| (f.needs)(&policy))
        .fold(Needs::default(), Needs::union);
    policy
}

/// `[severity]`: each override of a known rule id, staged ones with their day.
fn severities(
    raw: std::collections::BTreeMap<String, RawSeverity>,
    known: &[&str],
    problems: &mut Problems,
) -> HashMap<String, Level> {
    let mut severities = HashMap::new();
    for (id, sev) in raw {
        let path = KeyPath::of(&["severity", &id]);
        if !known.contains(&id.as_str()) {
            let mut msg = format!("unknown rule id `{id}`");
            if let Some(near) = error::nearest(&id, known.iter().copied()) {
                msg.push_str(&format!("; did you mean `{near}`?"));
            }
            msg.push_str(" (`policy-check explain --list` lists every rule)");
            problems.error(path, msg);
            continue;
        }
        let level = match sev {
            RawSeverity::Level(level) => Level { level, until: None },
            RawSeverity::Staged { level, until, then } => match until.days() {
                Some(day) => Level {
                    level,
                    until: Some((day, then)),
                },
                None => {
                    problems.error(
                        path.key("until"),
                        format!("`{until}` is not a date: expected YYYY-MM-DD"),
                    );
                    continue;
                }
            },
        };
        severities.insert(id, level);
    }
    severities
}

/// `[suppress] inline`: every entry is `*`, a rule id or a family name.
fn check_inline(list: &[String], known: &[&str], problems: &mut Problems) {
    let families: Vec<&str> = rules::registry()
        .map(|r| r.family)
        .chain(["custom"])
        .collect();
    for (i, item) in list.iter().enumerate() {
        if item != "*" && !known.contains(&item.as_str()) && !families.contains(&item.as_str()) {
            let mut msg = format!("`{item}` is neither a rule id nor a rule family");
            if let Some(near) =
                error::nearest(item, known.iter().copied().chain(families.iter().copied()))
            {
                msg.push_str(&format!("; did you mean `{near}`?"));
            }
            problems.error(KeyPath::of(&["suppress", "inline"]).index(i), msg);
        }
    }
}

/// The paths whose old text the diff keeps for the families that compare
/// old and new (constants: the dependencies family's include the unsafe
/// family's `Cargo.toml`); `None` when no family asks.
fn old_text(tables: &Tables, problems: &mut Problems) -> Option<Globs> {
    let paths: &'static [&'static str] = match (&tables.unsafe_code, &tables.dependencies) {
        (unsafe_code, Some(d)) => {
            debug_assert!(unsafe_code.as_ref().is_none_or(|u| u
                .old_text_paths()
                .iter()
                .all(|p| d.old_text_paths().contains(p))));
            d.old_text_paths()
        }
        (Some(u), None) => u.old_text_paths(),
        (None, None) => &[],
    };
    (!paths.is_empty()).then(|| Globs::compile(None, paths, &KeyPath::root(), problems))
}

/// Reads `[policy] maintainers_file`, relative to the policy file that set
/// it: inside its git tree for a branch policy (never the server's disk),
/// a regular, size-bounded file otherwise.
fn read_maintainers(
    file: &str,
    merged: &load::Merged,
    tree_inputs: &mut Vec<String>,
    problems: &mut Problems,
) -> Vec<String> {
    let key = KeyPath::of(&["policy", "maintainers_file"]);
    let src = merged
        .origins
        .get(&key)
        .and_then(|&i| merged.sources.get(i));
    let (shown, bytes) = if let Some(tree) = src.and_then(|s| s.tree.as_ref()) {
        match tree.read_rel(file) {
            Ok((path, bytes)) => {
                let shown = format!("{}:{path}", tree.label);
                tree_inputs.push(path);
                (shown, bytes)
            }
            Err(e) => {
                problems.error(key, e);
                return Vec::new();
            }
        }
    } else {
        let path = Path::new(file);
        let path = match src.and_then(|s| s.dir.clone()) {
            Some(d) if path.is_relative() => d.join(path),
            None if path.is_relative() => {
                problems.error(
                    key,
                    format!("`{file}` is relative, but the policy setting it is not a file to resolve it against"),
                );
                return Vec::new();
            }
            _ => path.to_path_buf(),
        };
        match load::read_bounded(&path, "maintainers file") {
            Ok(bytes) => (path.display().to_string(), bytes),
            Err(e) => {
                problems.error(key, e);
                return Vec::new();
            }
        }
    };
    let people = crate::identity::parse_maintainers(&String::from_utf8_lossy(&bytes));
    if people.is_empty() {
        // The content is not echoed: it may be anything the path named.
        problems.error(
            key,
            format!("{shown} names nobody (no `Name <email>`, email or `@login`)"),
        );
    }
    people
}
