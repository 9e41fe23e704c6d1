//! `policy-check policy`: list, show, validate, schema and init.

use std::io::Write;

use anyhow::{bail, Context, Result};

use crate::cli::{Global, PolicyCommand};
use crate::config::PolicyErrors;
use crate::git::{self, Repository};
use crate::policy::{presets, Policy};

use super::common::*;
use std::path::Path;

use crate::policy::{load, schema, show, Source};

/// `policy-check policy …`: list the presets, write a starter file, validate
/// a policy (problems are an error, exit 2), show the effective policy with
/// where each setting comes from, or print the JSON schema.
pub(crate) fn policy_command(cmd: PolicyCommand, global: &Global) -> Result<Exit> {
    match cmd {
        PolicyCommand::List => {
            let mut out = std::io::stdout().lock();
            for name in presets::names() {
                let policy = Policy::preset(name).map_err(anyhow::Error::new)?;
                writeln!(out, "{name:<20} {}", policy.description)?;
            }
            Ok(Exit::Passed)
        }
        PolicyCommand::Init {
            preset,
            force,
            maintainers,
        } => init_policy(&preset, force, &maintainers, global),
        PolicyCommand::Show { file } => policy_show(file.as_deref(), global),
        PolicyCommand::Schema => policy_schema(),
        PolicyCommand::Validate { file } => {
            let loaded: Result<(Policy, String), PolicyErrors> = match &file {
                Some(f) => Policy::file(f).map(|p| (p, f.display().to_string())),
                None => {
                    let repo = git::open(&workdir(global)).ok();
                    return match select_policy(global, repo.as_ref()) {
                        Ok((p, origin)) => {
                            println!("policy `{}` from {origin} is valid", p.name);
                            Ok(Exit::Passed)
                        }
                        Err(e) => Err(e),
                    };
                }
            };
            match loaded {
                Ok((p, origin)) => {
                    println!("policy `{}` from {origin} is valid", p.name);
                    Ok(Exit::Passed)
                }
                Err(e) => bail!(e),
            }
        }
    }
}

/// `policy init`: a starter `.policy-check.toml` extending a preset.
fn init_policy(preset: &str, force: bool, given: &[String], global: &Global) -> Result<Exit> {
    let base = Policy::preset(preset).map_err(anyhow::Error::new)?;
    let repo = git::open(&workdir(global))?;
    let root = git::repo::work_tree(&repo).ok_or_else(|| {
        anyhow::anyhow!("the repository is bare: there is no work tree to write {POLICY_FILE} into")
    })?;
    let path = root.join(POLICY_FILE);
    if path.exists() && !force {
        bail!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        );
    }
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().replace('"', ""))
        .unwrap_or_else(|| "project".to_string());
    let (lines, said) = init_maintainers(&repo, root, given)?;
    let text = presets::starter(&name, preset, &base.description, &lines);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    // What was written must load.
    Policy::file(&path).map_err(anyhow::Error::new)?;
    println!(
        "wrote {} (extends the `{preset}` preset); check it with `policy-check policy validate`",
        path.display()
    );
    println!("{said}");
    Ok(Exit::Passed)
}

/// Files `policy init` reads maintainers from, in order (paths from the root).
const MAINTAINER_FILES: &[&str] = &[
    "CODEOWNERS",
    ".github/CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitlab/CODEOWNERS",
    "MAINTAINERS",
];

/// The `[policy]` lines naming the maintainers for `policy init`, and a
/// sentence saying where they came from: `--maintainer`, else a CODEOWNERS
/// or MAINTAINERS file of the repository (named, so it stays the source),
/// else the current git identity. Maintainers are never left to "anyone".
fn init_maintainers(
    repo: &Repository,
    root: &std::path::Path,
    given: &[String],
) -> Result<(String, String)> {
    let toml_list = |people: &[String]| {
        let items: Vec<String> = people
            .iter()
            .map(|p| toml::Value::String(p.trim().to_string()).to_string())
            .collect();
        format!("[{}]", items.join(", "))
    };
    if !given.is_empty() {
        for g in given {
            if g.trim().is_empty() {
                bail!("--maintainer needs a value: `Name <email>`, an email or a forge login");
            }
        }
        return Ok((
            format!(
                "maintainers = {}   # who may review (`@maintainers`) and grant exceptions",
                toml_list(given)
            ),
            format!("maintainers: {} (from --maintainer)", given.join(", ")),
        ));
    }
    for rel in MAINTAINER_FILES {
        let p = root.join(rel);
        let Ok(bytes) = crate::policy::load::read_bounded(&p, "maintainers file") else {
            continue;
        };
        let people = crate::identity::parse_maintainers(&String::from_utf8_lossy(&bytes));
        if !people.is_empty() {
            return Ok((
                format!(
                    "maintainers_file = {}   # who may review (`@maintainers`) and grant exceptions",
                    toml::Value::String(rel.to_string())
                ),
                format!(
                    "maintainers: the {} people of {rel} ({}), read from the file",
                    people.len(),
                    people.join(", ")
                ),
            ));
        }
    }
    // The identity git itself would commit with (config, environment).
    let ident = std::process::Command::new("git")
        .args(["var", "GIT_AUTHOR_IDENT"])
        .current_dir(root)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            let line = String::from_utf8_lossy(&o.stdout).trim().to_string();
            let end = line.rfind('>')?;
            crate::identity::Person::parse(&line[..=end])
        });
    let _ = repo;
    match ident {
        Some(p) if !p.name.is_empty() => {
            let who = format!("{} <{}>", p.name, p.email);
            Ok((
                format!(
                    "maintainers = {}   # who may review (`@maintainers`) and grant exceptions",
                    toml_list(std::slice::from_ref(&who))
                ),
                format!(
                    "maintainers: {who} (the current git identity: no --maintainer, no CODEOWNERS or MAINTAINERS file); add the others"
                ),
            ))
        }
        _ => bail!(
            "no maintainers to write: pass --maintainer \"Name <email>\" (repeatable), add a CODEOWNERS \
             or MAINTAINERS file, or set git config user.name and user.email"
        ),
    }
}

/// The policy source a `policy show|validate` without FILE uses.
fn source_for(global: &Global, file: Option<&Path>) -> Result<Source> {
    if let Some(f) = file {
        return Source::file(f).map_err(anyhow::Error::new);
    }
    if let Some(p) = &global.policy {
        return Source::file(p).map_err(anyhow::Error::new);
    }
    let repo = git::open(&workdir(global)).ok();
    if let Some(p) = repo
        .as_ref()
        .and_then(git::repo::work_tree)
        .map(|w| w.join(POLICY_FILE))
        .filter(|p| p.exists())
    {
        return Source::file(&p).map_err(anyhow::Error::new);
    }
    if let Some(p) = repo
        .as_ref()
        .and_then(|r| git::repo::config_path(r, "policy-check.policy"))
    {
        let p = if p.is_absolute() {
            p
        } else {
            repo.as_ref().map(git::root).unwrap_or_default().join(p)
        };
        return Source::file(&p).map_err(anyhow::Error::new);
    }
    Source::preset(presets::DEFAULT).map_err(anyhow::Error::new)
}

/// `policy-check policy show [FILE]`.
pub(crate) fn policy_show(file: Option<&Path>, global: &Global) -> Result<Exit> {
    let src = source_for(global, file)?;
    let merged = load::load(src).map_err(anyhow::Error::new)?;
    // Validate too: showing a policy that would not load would mislead.
    Policy::load(merged.sources[merged.sources.len() - 1].clone()).map_err(anyhow::Error::new)?;
    let root = git::open(&workdir(global))
        .map(|r| git::root(&r))
        .unwrap_or_else(|_| workdir(global));
    print!("{}", show::render(&merged, &relative_to(&root)));
    Ok(Exit::Passed)
}

/// `policy-check policy schema`.
pub(crate) fn policy_schema() -> Result<Exit> {
    print!("{}", schema::text());
    Ok(Exit::Passed)
}
