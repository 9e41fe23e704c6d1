//! `install` / `uninstall`: small shell scripts in the repository's hooks
//! directory (wherever `git rev-parse --git-path hooks` says: `core.hooksPath`,
//! the common directory of linked worktrees) that run `policy-check hook NAME`.
//!
//! Nothing is lost: a hook already there is renamed `NAME.pre-policy-check`
//! and runs first, with the same arguments and stdin, its failure stopping
//! git as before; `uninstall` puts it back. Installing twice changes nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{anyhow, bail, Context, Result};

use crate::cli::{Global, InstallArgs, UninstallArgs};
use crate::cmd::common::{workdir, Exit};
use crate::git;
use crate::policy::Policy;

/// The line that marks a script as ours.
const MARKER: &str = "# managed-by: policy-check";
/// Suffix of a pre-existing hook kept and chained.
const CHAINED_SUFFIX: &str = ".pre-policy-check";

/// Client hooks written by `install`.
const CLIENT_HOOKS: &[&str] = &["commit-msg", "pre-commit", "pre-push"];
/// Every hook `uninstall` knows.
const ALL_HOOKS: &[&str] = &[
    "commit-msg",
    "pre-commit",
    "pre-push",
    "pre-receive",
    "update",
];

/// Hooks that read stdin, which must reach both the chained hook and ours.
fn reads_stdin(name: &str) -> bool {
    matches!(name, "pre-push" | "pre-receive")
}

/// The hooks directory, exactly as git resolves it.
fn hooks_dir(dir: &Path) -> Result<PathBuf> {
    let out = Command::new("git")
        .args(["rev-parse", "--git-path", "hooks"])
        .current_dir(dir)
        .output()
        .context("cannot run `git rev-parse --git-path hooks`")?;
    if !out.status.success() {
        bail!(
            "cannot find the hooks directory: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim_end_matches(['\n', '\r']));
    Ok(if p.is_absolute() { p } else { dir.join(p) })
}

/// Quotes a string for a POSIX shell.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The script for hook `name`.
fn script(name: &str, binary: &str, policy: Option<&str>) -> String {
    let mut args = format!("hook {name}");
    if let Some(p) = policy {
        args.push_str(&format!(" --policy {}", sh_quote(p)));
    }
    let run = if reads_stdin(name) {
        format!(
            "if [ -x \"$chained\" ]; then\n\
             \tinput=$(cat)\n\
             \tprintf '%s\\n' \"$input\" | \"$chained\" \"$@\" || exit $?\n\
             \tprintf '%s\\n' \"$input\" | \"$pc\" {args} \"$@\"\n\
             \texit $?\n\
             fi\n\
             exec \"$pc\" {args} \"$@\"\n"
        )
    } else {
        format!(
            "if [ -x \"$chained\" ]; then\n\
             \t\"$chained\" \"$@\" || exit $?\n\
             fi\n\
             exec \"$pc\" {args} \"$@\"\n"
        )
    };
    format!(
        "#!/bin/sh\n\
         {MARKER} ({name} hook; `policy-check uninstall` removes it and restores\n\
         # the hook it replaced, kept as {name}{CHAINED_SUFFIX}, which runs first)\n\
         pc={bin}\n\
         [ -x \"$pc\" ] || pc=policy-check\n\
         if ! command -v \"$pc\" >/dev/null 2>&1; then\n\
         \techo \"policy-check: not found at {binary_plain} nor on PATH; reinstall with \\`policy-check install\\`\" >&2\n\
         \texit 2\n\
         fi\n\
         chained=\"$(dirname -- \"$0\")/{name}{CHAINED_SUFFIX}\"\n\
         {run}",
        bin = sh_quote(binary),
        binary_plain = binary.replace(['"', '`', '$', '\\'], "_"),
    )
}

fn is_ours(path: &Path) -> bool {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).contains(MARKER))
        .unwrap_or(false)
}

fn exists(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

fn write_executable(path: &Path, content: &str) -> Result<()> {
    let tmp = path.with_extension("policy-check-tmp");
    std::fs::write(&tmp, content).with_context(|| format!("cannot write {}", tmp.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", tmp.display()))?;
    }
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// `policy-check install [--server [--update]] [--policy FILE]`.
pub(crate) fn install(args: InstallArgs, global: &Global) -> Result<Exit> {
    let dir = workdir(global);
    let repo = git::open(&dir)?;
    if git::repo::is_bare(&repo) && !args.server {
        bail!(
            "{} is a bare repository: client hooks need a work tree; for a server, run \
             `policy-check install --server --policy FILE`",
            git::repo::git_dir(&repo).display()
        );
    }
    let policy = match &global.policy {
        Some(p) => {
            let abs = std::fs::canonicalize(p)
                .with_context(|| format!("cannot find the policy file {}", p.display()))?;
            let loaded = Policy::file(&abs).map_err(anyhow::Error::new)?;
            println!("policy `{}` from {}", loaded.name, abs.display());
            Some(
                abs.to_str()
                    .ok_or_else(|| anyhow!("the policy path is not UTF-8"))?
                    .to_string(),
            )
        }
        None => None,
    };
    if args.server {
        match super::server::server_policy(global, &repo) {
            Ok((p, origin)) => {
                if policy.is_none() {
                    println!("pushes will be judged by policy `{}` from {origin}", p.name);
                }
                if p.server.fail_open {
                    println!("WARNING: [server] fail_open = true: a push is accepted unchecked when the check fails");
                }
            }
            // Installing is still right: until a policy is set, pushes are
            // rejected (fail closed), which is what the message says.
            Err(e) => println!("WARNING: every push will be rejected for now: {e:#}"),
        }
    }
    let exe = std::env::current_exe()
        .and_then(std::fs::canonicalize)
        .context("cannot find the policy-check binary")?;
    let exe = exe
        .to_str()
        .ok_or_else(|| anyhow!("the path of the binary is not UTF-8: {}", exe.display()))?
        .to_string();
    let hooks = hooks_dir(&dir)?;
    std::fs::create_dir_all(&hooks)
        .with_context(|| format!("cannot create {}", hooks.display()))?;
    let hooks = std::fs::canonicalize(&hooks).unwrap_or(hooks);
    let names: &[&str] = match (args.server, args.update) {
        (false, _) => CLIENT_HOOKS,
        (true, false) => &["pre-receive"],
        (true, true) => &["update"],
    };
    for name in names {
        let path = hooks.join(name);
        let chained = hooks.join(format!("{name}{CHAINED_SUFFIX}"));
        let content = script(name, &exe, policy.as_deref());
        let state = if exists(&path) && is_ours(&path) {
            if std::fs::read_to_string(&path).is_ok_and(|c| c == content) {
                "already installed"
            } else {
                write_executable(&path, &content)?;
                "updated"
            }
        } else if exists(&path) {
            if exists(&chained) {
                bail!(
                    "{} exists and is not policy-check's, and {} is taken too: move one of them away",
                    path.display(),
                    chained.display()
                );
            }
            std::fs::rename(&path, &chained)
                .with_context(|| format!("cannot move {} aside", path.display()))?;
            write_executable(&path, &content)?;
            "installed; the existing hook is kept and runs first"
        } else {
            write_executable(&path, &content)?;
            "installed"
        };
        println!("{name}: {state} ({})", path.display());
    }
    if args.server && args.update {
        println!("update: a violating ref is rejected, the push's other refs land");
    }
    Ok(Exit::Passed)
}

/// `policy-check uninstall`: removes our scripts and restores chained hooks.
pub(crate) fn uninstall(_args: UninstallArgs, global: &Global) -> Result<Exit> {
    let dir = workdir(global);
    git::open(&dir)?;
    let hooks = hooks_dir(&dir)?;
    for name in ALL_HOOKS {
        let path = hooks.join(name);
        let chained = hooks.join(format!("{name}{CHAINED_SUFFIX}"));
        let ours = exists(&path) && is_ours(&path);
        if exists(&path) && !ours {
            if exists(&chained) {
                println!(
                    "{name}: left alone: {} is not policy-check's (and {} is still there)",
                    path.display(),
                    chained.display()
                );
            }
            continue;
        }
        if ours {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
        if exists(&chained) {
            std::fs::rename(&chained, &path)
                .with_context(|| format!("cannot restore {}", chained.display()))?;
            println!("{name}: removed; the previous hook is restored");
        } else if ours {
            println!("{name}: removed");
        }
    }
    Ok(Exit::Passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_survives_quotes() {
        assert_eq!(sh_quote("a'b"), r"'a'\''b'");
        let s = script("pre-push", "/x/it's/policy-check", Some("/p q.toml"));
        assert!(s.contains(r"pc='/x/it'\''s/policy-check'"));
        assert!(s.contains("hook pre-push --policy '/p q.toml' \"$@\""));
        assert!(s.contains("input=$(cat)"));
        assert!(!script("commit-msg", "/x", None).contains("input="));
    }
}
