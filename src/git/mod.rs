//! All git access: opening the repository, resolving revision ranges, and
//! turning commits into [`Change`]s. Nothing here knows about rules.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use git2::{Commit, Oid, Repository, Sort};

use crate::message::Message;
use crate::model::{Change, Identity};

pub mod diff;
pub mod odb;
pub mod push;
pub mod staged;

pub use diff::DiffOptions;

/// Tunes libgit2 for one-pass scans; call once before reading objects.
///
/// * Objects are not re-hashed on read: git does not do it either, and on a
///   server `index-pack` has verified every pushed object before any hook
///   runs. Hashing every tree and blob again (with collision detection)
///   cost a third of a history scan.
/// * Trees are cached whatever their size (libgit2 caches none above 4 KiB
///   by default, so a large flat directory was parsed again for every
///   commit); blobs are read once, so caching them would only cost memory.
pub fn tune() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        git2::opts::strict_hash_verification(false);
        // Writing the index as a tree (pre-commit) would otherwise look up
        // every object the index names; git wrote the index from them.
        git2::opts::strict_object_creation(false);
        // SAFETY: libgit2 global options must not change while other threads
        // use libgit2; `tune` runs once, before any repository is opened.
        unsafe {
            let _ = git2::opts::set_cache_object_limit(git2::ObjectType::Tree, 4 << 20);
            let _ = git2::opts::set_cache_object_limit(git2::ObjectType::Blob, 0);
            // per repository (one per worker), for commits: trees and blobs are
            // read by `odb::ObjectStore`, which has its own cache; the default 256 MiB only
            // grows memory on a one-pass scan
            let _ = libgit2_sys::git_libgit2_opts(
                libgit2_sys::GIT_OPT_SET_CACHE_MAX_SIZE as std::ffi::c_int,
                (4_isize) << 20,
            );
        }
    });
}

/// Opens the repository containing `dir` (searching upwards, as git does).
pub fn open(dir: &Path) -> Result<Repository> {
    Repository::discover(dir).map_err(|e| {
        anyhow!(
            "{} is not in a git repository: {}",
            dir.display(),
            e.message()
        )
    })
}

/// Where the repository's files are: the work tree, or the git dir if bare.
pub fn root(repo: &Repository) -> PathBuf {
    repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf()
}

/// The comment string git uses in this repository (`core.commentString`, `core.commentChar`).
pub fn comment_config(repo: &Repository) -> Option<String> {
    let cfg = repo.config().ok()?;
    cfg.get_string("core.commentString")
        .or_else(|_| cfg.get_string("core.commentChar"))
        .ok()
}

/// The comment string for stored messages (where `auto` means `#`).
pub fn comment_for_log(repo: &Repository) -> String {
    match comment_config(repo) {
        Some(c) if !c.is_empty() && !c.eq_ignore_ascii_case("auto") => c,
        _ => "#".to_string(),
    }
}

/// Commits named by `specs`, newest first, as `git rev-list` would list them,
/// except that a lone revision (no `..`, `^`, or other spec) means that one
/// commit, as `git show` reads it.
pub fn resolve(repo: &Repository, specs: &[String], all: bool) -> Result<Vec<Oid>> {
    if is_empty(repo) {
        bail!("the repository has no commits yet");
    }
    let is_range = |s: &str| s.contains("..") || s.starts_with('^') || s.ends_with("^!");
    if !all && !specs.is_empty() && !specs.iter().any(|s| is_range(s)) {
        let mut out = Vec::new();
        for s in specs {
            let oid = peel_commit(repo, s)?;
            if !out.contains(&oid) {
                out.push(oid);
            }
        }
        return Ok(out);
    }
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
    if all {
        for r in repo.references()? {
            let r = r?;
            if r.is_note() {
                continue;
            }
            if let Ok(c) = r.peel_to_commit() {
                walk.push(c.id())?;
            }
        }
    }
    for spec in specs {
        push_spec(repo, &mut walk, spec)?;
    }
    walk.map(|r| r.map_err(|e| anyhow!("walking {}: {}", specs.join(" "), e.message())))
        .collect()
}

/// True when HEAD is unborn and no reference points anywhere.
pub fn is_empty(repo: &Repository) -> bool {
    let unborn = matches!(repo.head(), Err(e) if e.code() == git2::ErrorCode::UnbornBranch || e.code() == git2::ErrorCode::NotFound);
    unborn
        && repo
            .references()
            .map(|mut r| r.next().is_none())
            .unwrap_or(true)
}

fn push_spec(repo: &Repository, walk: &mut git2::Revwalk, spec: &str) -> Result<()> {
    if let Some(rev) = spec.strip_suffix("^!") {
        let c = repo.find_commit(peel_commit(repo, rev)?)?;
        walk.push(c.id())?;
        for p in c.parent_ids() {
            walk.hide(p)?;
        }
        return Ok(());
    }
    if let Some(rev) = spec.strip_prefix('^') {
        walk.hide(peel_commit(repo, rev)?)?;
        return Ok(());
    }
    if let Some((a, b)) = spec.split_once("...") {
        let (a, b) = (or_head(a), or_head(b));
        let (oa, ob) = (peel_commit(repo, a)?, peel_commit(repo, b)?);
        walk.push(oa)?;
        walk.push(ob)?;
        if let Ok(bases) = repo.merge_bases(oa, ob) {
            for base in bases.iter() {
                walk.hide(*base)?;
            }
        }
        return Ok(());
    }
    if let Some((a, b)) = spec.split_once("..") {
        walk.hide(peel_commit(repo, or_head(a))?)?;
        walk.push(peel_commit(repo, or_head(b))?)?;
        return Ok(());
    }
    walk.push(peel_commit(repo, spec)?)?;
    Ok(())
}

fn or_head(s: &str) -> &str {
    if s.is_empty() {
        "HEAD"
    } else {
        s
    }
}

/// Resolves a revision to a commit id, with a clear error.
pub fn peel_commit(repo: &Repository, rev: &str) -> Result<Oid> {
    let obj = repo
        .revparse_single(rev)
        .map_err(|e| anyhow!("unknown revision `{rev}`: {}", e.message()))?;
    let commit = obj
        .peel_to_commit()
        .map_err(|_| anyhow!("revision `{rev}` is a {}, not a commit", kind(&obj)))?;
    Ok(commit.id())
}

fn kind(obj: &git2::Object) -> &'static str {
    obj.kind().map_or("object", |k| k.str())
}

/// The commits a shallow clone has without their parents.
pub fn shallow_boundary(repo: &Repository) -> HashSet<Oid> {
    if !repo.is_shallow() {
        return HashSet::new();
    }
    std::fs::read_to_string(repo.path().join("shallow"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

/// A signature as a change identity.
pub fn identity(sig: &git2::Signature) -> Identity {
    Identity {
        name: String::from_utf8_lossy(sig.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(sig.email_bytes()).into_owned(),
        time: sig.when().seconds(),
    }
}

/// Reads commits into changes. One per thread: a `Repository` is not `Sync`.
pub struct Reader<'r> {
    repo: &'r Repository,
    opts: DiffOptions,
    merge_diffs: bool,
    comment: String,
    shallow: HashSet<Oid>,
    /// Opened on the first diff: a policy of message rules never reads a tree.
    store: std::cell::OnceCell<odb::ObjectStore<'r>>,
}

impl<'r> Reader<'r> {
    pub fn new(repo: &'r Repository, opts: DiffOptions, merge_diffs: bool) -> Self {
        Reader {
            repo,
            opts,
            merge_diffs,
            comment: comment_for_log(repo),
            shallow: shallow_boundary(repo),
            store: std::cell::OnceCell::new(),
        }
    }

    fn store(&self) -> Result<&odb::ObjectStore<'r>> {
        if let Some(s) = self.store.get() {
            return Ok(s);
        }
        let s = odb::ObjectStore::new(self.repo)
            .map_err(|e| anyhow!("cannot open the object database: {}", e.message()))?;
        Ok(self.store.get_or_init(|| s))
    }

    /// The change a commit makes, with as much of the diff as the policy needs.
    pub fn read(&self, oid: Oid) -> Result<Change> {
        let commit = self
            .repo
            .find_commit(oid)
            .with_context(|| format!("cannot read commit {oid}"))?;
        let mut change = change_header(&commit, &self.comment);
        let wants_diff = self.opts.needs.files && (!change.is_merge || self.merge_diffs);
        if wants_diff {
            let files = self
                .commit_diff(&commit)
                .with_context(|| format!("cannot read the diff of commit {oid}"))?;
            change.files = Some(files);
        }
        Ok(change)
    }

    fn commit_diff(&self, commit: &Commit) -> Result<Vec<crate::model::FileChange>> {
        let store = self.store()?;
        let tree = store.read_kind(commit.tree_id(), odb::Kind::Tree)?;
        let parent_tree = match commit.parent_ids().next() {
            Some(pid) => {
                let parent = self.repo.find_commit(pid).map_err(|e| {
                    anyhow!(
                        "its parent {pid} is missing ({}); in a shallow clone, fetch more history \
                         (`git fetch --deepen=N`, or `fetch-depth: 0` in CI)",
                        e.message()
                    )
                })?;
                Some(store.read_kind(parent.tree_id(), odb::Kind::Tree)?)
            }
            None if self.shallow.contains(&commit.id()) => bail!(
                "it is the shallow boundary of this clone: its parents were not fetched, so its \
                 diff is unknown; fetch more history (`git fetch --deepen=N`, or `fetch-depth: 0` in CI) \
                 or check a shorter range"
            ),
            None => None,
        };
        let mut deltas = Vec::new();
        diff::diff_trees(
            store,
            parent_tree.as_ref().map(|t| &t.data[..]),
            Some(&tree.data),
            b"",
            &mut deltas,
        )?;
        Ok(diff::to_file_changes(store, deltas, &self.opts)?)
    }
}

/// The message, identities and parents of a commit.
pub fn change_header(commit: &Commit, comment: &str) -> Change {
    let message = Message::parse(
        commit.message_raw_bytes(),
        commit.message_encoding(),
        comment,
    );
    let parents: Vec<String> = commit.parent_ids().map(|p| p.to_string()).collect();
    Change {
        id: commit.id().to_string(),
        is_merge: parents.len() > 1,
        parents,
        author: Some(identity(&commit.author())),
        committer: Some(identity(&commit.committer())),
        message: Some(message),
        files: None,
    }
}
