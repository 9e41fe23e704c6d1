//! The commit being made: HEAD, `MERGE_HEAD`, whether `git commit` amends,
//! and the identities git will write, as the client hooks need them.

use crate::git::id::Repository;
use crate::oid::Oid;
use anyhow::{anyhow, bail, Result};
use git2::ErrorCode;

use crate::model::Identity;

/// A string from the repository's git config (`commit.cleanup`, say).
pub(crate) fn config_string(repo: &Repository, key: &str) -> Option<String> {
    repo.raw()
        .config()
        .ok()
        .and_then(|c| c.get_string(key).ok())
}

/// The first parent of the commit being made (`None` on an unborn branch)
/// and whether it is a merge. `git commit --amend` replaces HEAD, so the
/// new commit's parent is HEAD's parent.
pub(crate) fn commit_parent(repo: &Repository) -> Result<(Option<Oid>, bool)> {
    let head = match repo.raw().head() {
        Ok(h) => h
            .peel_to_commit()
            .map_err(|e| anyhow!("cannot read HEAD: {}", e.message()))?,
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
            return Ok((None, false))
        }
        Err(e) => bail!("cannot read HEAD: {}", e.message()),
    };
    if amending() {
        tracing::info!("amending {}: diffing against its parent", head.id());
        return Ok((
            head.parent_id(0).ok().map(Oid::from),
            head.parent_count() > 1,
        ));
    }
    let merging = repo.raw().path().join("MERGE_HEAD").exists();
    Ok((Some(head.id().into()), merging))
}

/// The parents of the merge being committed: HEAD and each `MERGE_HEAD`
/// line, or, when amending a merge, HEAD's parents.
pub(crate) fn merge_parents(repo: &Repository) -> Result<Vec<Oid>> {
    let head = repo
        .raw()
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| anyhow!("cannot read HEAD: {}", e.message()))?;
    if amending() {
        return Ok(head.parent_ids().map(Oid::from).collect());
    }
    let mut parents = vec![Oid::from(head.id())];
    let path = repo.raw().path().join("MERGE_HEAD");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let oid = Oid::from_hex(line)
            .ok_or_else(|| anyhow!("{}: `{line}` is not a commit id", path.display()))?;
        parents.push(oid);
    }
    Ok(parents)
}

/// True when the `git commit` that runs this hook amends HEAD. git tells a
/// pre-commit or commit-msg hook nothing about it, so this reads the
/// command line of the nearest `git` ancestor (Linux `/proc`; elsewhere,
/// false). `POLICY_CHECK_AMEND=1|0` overrides.
fn amending() -> bool {
    if let Some(v) = std::env::var_os("POLICY_CHECK_AMEND") {
        return v == "1";
    }
    let Some(mut pid) = parent_pid() else {
        return false;
    };
    for _ in 0..6 {
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            return false;
        };
        let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
        let prog = args
            .first()
            .map_or(&b""[..], |a| a.rsplit(|&b| b == b'/').next().unwrap_or(a));
        if prog == b"git" || prog == b"git-commit" {
            return args[1..]
                .iter()
                .take_while(|a| **a != b"--")
                .any(|a| a.len() >= 4 && b"--amend".starts_with(a));
        }
        match parent_of(pid) {
            Some(p) if p > 1 => pid = p,
            _ => return false,
        }
    }
    false
}

#[cfg(unix)]
fn parent_pid() -> Option<u32> {
    Some(std::os::unix::process::parent_id())
}

#[cfg(not(unix))]
fn parent_pid() -> Option<u32> {
    None
}

fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid …`; comm may hold spaces and parentheses.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// The author or committer of the commit being made: `GIT_<ROLE>_NAME` /
/// `_EMAIL` / `_DATE` (git exports the author for its hooks), else
/// `author.*`/`committer.*`, else `user.*` config, as `git var` resolves them.
pub(crate) fn identity(repo: &Repository, role: &str) -> Identity {
    let env = |k: &str| {
        std::env::var(format!("GIT_{role}_{k}"))
            .ok()
            .filter(|v| !v.is_empty())
    };
    let cfg = repo.raw().config().ok();
    let conf = |k: &str| {
        cfg.as_ref().and_then(|c| {
            c.get_string(&format!("{}.{k}", role.to_ascii_lowercase()))
                .or_else(|_| c.get_string(&format!("user.{k}")))
                .ok()
        })
    };
    let time = env("DATE")
        .and_then(|d| parse_git_date(&d))
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    Identity {
        name: env("NAME").or_else(|| conf("name")).unwrap_or_default(),
        email: env("EMAIL").or_else(|| conf("email")).unwrap_or_default(),
        time,
    }
}

/// `@<seconds> <tz>` (git's internal format, which git exports) or bare seconds.
fn parse_git_date(d: &str) -> Option<i64> {
    let d = d.trim();
    let first = d.split_whitespace().next()?;
    first.strip_prefix('@').unwrap_or(first).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_dates() {
        assert_eq!(parse_git_date("@1700000000 +0100"), Some(1_700_000_000));
        assert_eq!(parse_git_date("1700000000"), Some(1_700_000_000));
        assert_eq!(parse_git_date("yesterday"), None);
    }
}
