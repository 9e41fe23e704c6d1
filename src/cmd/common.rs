//! What every command shares: how it ends, where it runs, how it colours
//! its output, and how it finds its policy.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::cli::{Color, Global};
use crate::diag::Summary;
use crate::git::{self, Repository};
use crate::policy::{presets, Policy};

/// How a command ended, mapped to the process exit code by `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: no error-severity finding.
    Passed,
    /// 1: the policy was violated.
    Violated,
}

impl Exit {
    /// `Violated` when the summary counts an error finding, else `Passed`
    /// (warnings never fail a check).
    pub(crate) fn from_summary(s: &Summary) -> Exit {
        if s.errors > 0 {
            Exit::Violated
        } else {
            Exit::Passed
        }
    }
}

/// The policy file name looked for at the repository root.
pub(crate) const POLICY_FILE: &str = ".policy-check.toml";

/// The directory the command runs in.
pub(crate) fn workdir(global: &Global) -> PathBuf {
    global.dir.clone().unwrap_or_else(|| PathBuf::from("."))
}

/// Whether to colour output written to a stream that is (or is not) a terminal.
pub(crate) fn use_color(choice: Color, is_terminal: bool) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Finds and loads the policy: `--policy`, else `.policy-check.toml` at the
/// repository root, else git config `policy-check.policy`, else the embedded
/// default preset. Returns the policy and a description of where it came from.
pub(crate) fn select_policy(
    global: &Global,
    repo: Option<&Repository>,
) -> Result<(Policy, String)> {
    let (policy, origin) = if let Some(path) = &global.policy {
        (Policy::file(path), format!("--policy {}", path.display()))
    } else if let Some(rev) = &global.policy_ref {
        let Some(repo) = repo else {
            bail!("--policy-ref needs a git repository");
        };
        match policy_at(repo, rev)? {
            Some((src, origin)) => (Policy::load(src), origin),
            None => bail!("--policy-ref {rev}: the revision has no {POLICY_FILE}"),
        }
    } else if let Some(path) = repo
        .and_then(git::repo::work_tree)
        .map(|w| w.join(POLICY_FILE))
        .filter(|p| p.exists())
    {
        let origin = format!("{}", path.display());
        (Policy::file(&path), origin)
    } else if let Some(path) = repo.and_then(config_policy) {
        let origin = format!("git config policy-check.policy = {}", path.display());
        (Policy::file(&path), origin)
    } else {
        (
            Policy::preset(presets::DEFAULT),
            format!("the embedded `{}` preset", presets::DEFAULT),
        )
    };
    let policy = policy.map_err(anyhow::Error::new)?;
    tracing::info!("policy `{}` from {origin}", policy.name);
    tracing::info!(
        "review and exception trailers are read here as claims: the server counts a review only on \
         evidence the author cannot forge (a maintainer's authenticated push, or a merge or tag a \
         maintainer signed); see docs/trust-model.md"
    );
    Ok((policy, origin))
}

/// The policy file as it stands at a revision (`REV:.policy-check.toml`),
/// with a description of where it came from; `None` when the revision has
/// no policy file. Used where the content being judged must not choose its
/// own policy: the server (the protected branch before the push) and
/// `--policy-ref` (the base branch of a pull request in CI).
pub(crate) fn policy_at(
    repo: &Repository,
    rev: &str,
) -> Result<Option<(crate::policy::Source, String)>> {
    let at = git::tree_files::rev_tree(repo, rev)?;
    let short = &at.commit.to_string()[..12];
    let label = format!("{rev} at {short}");
    let name = format!("{rev}:{POLICY_FILE}");
    if !git::tree_files::has_top_entry(repo, at.tree, POLICY_FILE)? {
        return Ok(None);
    }
    let files = crate::policy::load::TreeFiles {
        label: label.clone(),
        dir: String::new(),
        file: POLICY_FILE.to_string(),
        // Regular files only (a symbolic link, a submodule or a directory
        // is an error that says so), sized before they are inflated.
        read: std::rc::Rc::new(git::tree_files::reader(
            repo,
            at.tree,
            label,
            crate::policy::load::MAX_POLICY_BYTES,
        )),
    };
    let text = (files.read)(POLICY_FILE).map_err(|e| anyhow::anyhow!("{e}"))?;
    let text = String::from_utf8(text).map_err(|e| {
        anyhow::anyhow!(
            "{name} is not valid UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let origin = format!("{name} at {short}");
    Ok(Some((
        crate::policy::Source {
            name,
            text,
            dir: None,
            tree: Some(files),
        },
        origin,
    )))
}

/// `policy-check.policy` from git config, relative paths against the repository root.
pub(crate) fn config_policy(repo: &Repository) -> Option<PathBuf> {
    let value = git::repo::config_path(repo, "policy-check.policy")?;
    Some(if value.is_absolute() {
        value
    } else {
        git::root(repo).join(value)
    })
}

/// Reads a file, or stdin for `-`.
pub(crate) fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("cannot read the message from stdin")?;
        Ok(buf)
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
    }
}

/// Turns a file name (as the policy loader or the command line has it) into
/// the path reports show: relative to the repository root when inside it.
pub(crate) fn relative_to(root: &Path) -> impl Fn(&str) -> String + '_ {
    move |name: &str| {
        if name.starts_with("preset:") {
            return name.to_string();
        }
        let p = Path::new(name);
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().map_or(p.to_path_buf(), |d| d.join(p))
        };
        let (Ok(abs), Ok(root)) = (abs.canonicalize(), root.canonicalize()) else {
            return name.to_string();
        };
        match abs.strip_prefix(&root) {
            Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
            Err(_) => name.to_string(),
        }
    }
}

/// A path given on the command line, relative to `-C DIR` when there is one.
pub(crate) fn resolve_in(global: &Global, file: &Path) -> PathBuf {
    match &global.dir {
        Some(d) if file.is_relative() => d.join(file),
        _ => file.to_path_buf(),
    }
}
