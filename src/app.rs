//! The commands: each turns parsed arguments into work on the shared road
//! (source -> engine -> reporter) and an [`Exit`].

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use git2::Repository;

use crate::cli::{CheckArgs, Color, Command, Global, PolicyCommand};
use crate::config::PolicyErrors;
use crate::diag::Summary;
use crate::engine;
use crate::git;
use crate::message::{self, CleanupMode, Message};
use crate::model::Change;
use crate::policy::{presets, Policy};
use crate::report::{self, Format};

/// How a command ended, mapped to the process exit code by `main`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: no error-severity finding.
    Passed,
    /// 1: the policy was violated.
    Violated,
}

impl Exit {
    pub fn from_summary(s: &Summary) -> Exit {
        if s.errors > 0 {
            Exit::Violated
        } else {
            Exit::Passed
        }
    }
}

/// The policy file name looked for at the repository root.
pub const POLICY_FILE: &str = ".policy-check.toml";

/// Runs a parsed command.
pub fn run(cmd: Command, global: &Global) -> Result<Exit> {
    git::tune();
    match cmd {
        Command::Check(args) => check(args, global),
        Command::Policy(p) => policy_command(p, global),
        Command::Explain(args) => crate::adoption::commands::explain(args, global),
        Command::Hook(h) => crate::hooks::run(h, global),
        Command::Install(a) => crate::hooks::install::install(a, global),
        Command::Uninstall(a) => crate::hooks::install::uninstall(a, global),
        Command::Inspect(args) => crate::inspect::run(&args, global),
        Command::Baseline(b) => crate::adoption::commands::baseline(b, global),
        Command::Report(args) => crate::insight::run(&args, global),
        Command::Completions { shell } => crate::adoption::commands::completions(shell),
        Command::Man { dir } => crate::adoption::commands::man(dir.as_deref()),
    }
}

/// The directory the command runs in.
pub fn workdir(global: &Global) -> PathBuf {
    global.dir.clone().unwrap_or_else(|| PathBuf::from("."))
}

/// Whether to colour output written to a stream that is (or is not) a terminal.
pub fn use_color(choice: Color, is_terminal: bool) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Finds and loads the policy: `--policy`, else `.policy-check.toml` at the
/// repository root, else git config `policy-check.policy`, else the embedded
/// default preset. Returns the policy and a description of where it came from.
pub fn select_policy(global: &Global, repo: Option<&Repository>) -> Result<(Policy, String)> {
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
        .and_then(|r| r.workdir())
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
pub fn policy_at(repo: &Repository, rev: &str) -> Result<Option<(crate::policy::Source, String)>> {
    let commit = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map_err(|e| anyhow::anyhow!("cannot read revision `{rev}`: {}", e.message()))?;
    let tree = commit.tree()?;
    let short = &commit.id().to_string()[..12];
    let label = format!("{rev} at {short}");
    let name = format!("{rev}:{POLICY_FILE}");
    if tree.get_name(POLICY_FILE).is_none() {
        return Ok(None);
    }
    let files = crate::policy::load::TreeFiles {
        label: label.clone(),
        dir: String::new(),
        file: POLICY_FILE.to_string(),
        read: tree_reader(repo, tree.id(), label),
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

/// Reads regular files of one tree, for a policy read from that tree: a
/// symbolic link, a submodule or a directory is an error that says so, and
/// so is a blob above the policy size limit (sized from its header, before
/// it is inflated).
fn tree_reader(repo: &Repository, tree: git2::Oid, label: String) -> crate::policy::load::ReadTree {
    let git_dir = repo.path().to_path_buf();
    std::rc::Rc::new(move |path: &str| {
        let repo = Repository::open_bare(&git_dir)
            .or_else(|_| Repository::open(&git_dir))
            .map_err(|e| format!("cannot open the repository to read {path}: {}", e.message()))?;
        let tree = repo
            .find_tree(tree)
            .map_err(|e| format!("cannot read the tree of {label}: {}", e.message()))?;
        let entry = tree
            .get_path(std::path::Path::new(path))
            .map_err(|_| format!("{path} does not exist in {label}"))?;
        match entry.filemode() {
            0o100644 | 0o100755 => {}
            0o120000 => {
                return Err(format!(
                    "{path} in {label} is a symbolic link: a policy input must be a regular file"
                ))
            }
            0o040000 => return Err(format!("{path} in {label} is a directory, not a file")),
            _ => return Err(format!("{path} in {label} is not a regular file")),
        }
        let odb = repo
            .odb()
            .map_err(|e| format!("cannot read {path} in {label}: {}", e.message()))?;
        let (size, _) = odb
            .read_header(entry.id())
            .map_err(|e| format!("cannot read {path} in {label}: {}", e.message()))?;
        let limit = crate::policy::load::MAX_POLICY_BYTES;
        if size as u64 > limit {
            return Err(format!(
                "{path} in {label} is {size} bytes, above the {limit}-byte limit for policy inputs"
            ));
        }
        let blob = repo
            .find_blob(entry.id())
            .map_err(|e| format!("cannot read {path} in {label}: {}", e.message()))?;
        Ok(blob.content().to_vec())
    })
}

/// `policy-check.policy` from git config, relative paths against the repository root.
pub fn config_policy(repo: &Repository) -> Option<PathBuf> {
    let value = repo.config().ok()?.get_path("policy-check.policy").ok()?;
    Some(if value.is_absolute() {
        value
    } else {
        git::root(repo).join(value)
    })
}

fn reporter_for<'w>(
    format: Format,
    global: &Global,
    out: Box<dyn Write + 'w>,
    tty: bool,
) -> Box<dyn report::Reporter + 'w> {
    report::reporter(format, out, use_color(global.color, tty))
}

fn check(args: CheckArgs, global: &Global) -> Result<Exit> {
    let dir = workdir(global);
    let stdout = std::io::stdout();
    let tty = stdout.is_terminal();
    let mut summary = Summary::default();

    if let (Some(file), true) = (&args.message_file, args.staged) {
        return crate::precheck::run(file, &args, global);
    }
    if let Some(file) = &args.message_file {
        let repo = git::open(&dir).ok();
        let (policy, _) = select_policy(global, repo.as_ref())?;
        let raw = read_input(file)?;
        let comment =
            message::comment_string(repo.as_ref().and_then(git::comment_config).as_deref(), &raw);
        let cleaned = message::cleanup(&raw, CleanupMode::Strip, &comment, true);
        let change = Change {
            message: Some(Message::parse(&cleaned, None, &comment)),
            ..Change::default()
        };
        let outcome = engine::check(&policy, &change);
        let mut rep = reporter_for(args.format, global, Box::new(stdout.lock()), tty);
        summary.commits = 1;
        summary.suppressed = outcome.suppressed;
        for f in &outcome.findings {
            summary.add(f);
            rep.finding(f)?;
        }
        crate::adoption::commands::finish_check(&policy, None, &[], rep.as_mut(), &mut summary)?;
        rep.finish(&summary)?;
        return Ok(Exit::from_summary(&summary));
    }

    let repo = git::open(&dir)?;
    let (mut policy, _) = select_policy(global, Some(&repo))?;
    let explain_rollout = crate::adoption::commands::prepare_check(&mut policy, &args, global)?;
    let specs = if args.revisions.is_empty() && !args.all {
        vec!["HEAD".to_string()]
    } else {
        args.revisions.clone()
    };
    let range = git::history_range(&repo, &specs, args.all, args.history)?;
    if explain_rollout {
        let oids = match range {
            git::Range::Listed(oids) => oids,
            git::Range::Walk(w) => w.run()?.order,
        };
        return crate::adoption::commands::explain_rollout(policy, &repo, &oids, args.format);
    }
    let repo_path = repo.path().to_path_buf();
    let mut rep = reporter_for(args.format, global, Box::new(stdout.lock()), tty);
    let oids = crate::scan::scan_range(
        || Repository::open(&repo_path).map_err(anyhow::Error::from),
        range,
        &policy,
        rep.as_mut(),
        &mut summary,
    )?;
    tracing::info!(
        "checked {}",
        crate::report::shared::count(oids.len(), "commit")
    );
    crate::adoption::commands::finish_check(
        &policy,
        Some(&repo),
        &oids,
        rep.as_mut(),
        &mut summary,
    )?;
    rep.finish(&summary)?;
    Ok(Exit::from_summary(&summary))
}

/// Reads a file, or stdin for `-`.
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
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

fn policy_command(cmd: PolicyCommand, global: &Global) -> Result<Exit> {
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
        PolicyCommand::Show { file } => {
            crate::adoption::commands::policy_show(file.as_deref(), global)
        }
        PolicyCommand::Schema => crate::adoption::commands::policy_schema(),
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
    let root = repo.workdir().ok_or_else(|| {
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
