//! All git access: opening the repository, resolving revision ranges, and
//! turning commits into [`Change`]s. Nothing here knows about rules.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};

use crate::message::Message;
use crate::model::{Change, Identity};

pub mod combined;
mod delta;
pub mod diff;
pub(crate) mod head;
mod id;
pub mod links;
mod moves;
pub(crate) mod objects;
pub(crate) mod plumbing;
pub(crate) mod push;
pub mod repo;
pub mod staged;
pub(crate) mod tree_files;

pub use diff::DiffOptions;
// The plumbing readers keep their old paths (`git::odb`…) for tests,
// benches and fuzz targets.
/// The handles code outside `git/` holds: a repository and an object id
/// (the program's own [`Oid`](crate::oid::Oid); `id.rs` converts).
/// Everything done with them goes through the functions of this module.
pub use crate::oid::Oid;
pub use id::Repository;
pub use plumbing::{commit, graph, odb, walk};
pub(crate) use repo::opener;

/// Tunes libgit2 for one-pass scans; call once before reading objects.
///
/// * Objects are not re-hashed on read: git does not do it either, and on a
///   server `index-pack` has verified every pushed object before any hook
///   runs. Hashing every tree and blob again (with collision detection)
///   cost a third of a history scan.
/// * Trees are cached whatever their size (libgit2 caches none above 4 KiB
///   by default, so a large flat directory was parsed again for every
///   commit); blobs are read once, so caching them would only cost memory.
pub(crate) fn tune() {
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
/// git's blob id of some bytes, hex (`git hash-object --stdin`); `None`
/// should libgit2 fail to hash.
pub(crate) fn blob_hash(bytes: &[u8]) -> Option<String> {
    git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .ok()
        .map(|o| o.to_string())
}

/// Opens the repository that holds `dir`, searching upwards as git does.
/// Fails, naming `dir`, when it is in no repository.
pub fn open(dir: &Path) -> Result<Repository> {
    git2::Repository::discover(dir)
        .map(Repository::from_raw)
        .map_err(|e| {
            anyhow!(
                "{} is not in a git repository: {}",
                dir.display(),
                e.message()
            )
        })
}

/// Where the repository's files are: the work tree, or the git dir if bare.
pub(crate) fn root(repo: &Repository) -> PathBuf {
    repo.raw()
        .workdir()
        .unwrap_or_else(|| repo.raw().path())
        .to_path_buf()
}

/// The comment string git uses in this repository (`core.commentString`, `core.commentChar`).
pub(crate) fn comment_config(repo: &Repository) -> Option<String> {
    let cfg = repo.raw().config().ok()?;
    cfg.get_string("core.commentString")
        .or_else(|_| cfg.get_string("core.commentChar"))
        .ok()
}

/// The comment string for stored messages (where `auto` means `#`).
pub(crate) fn comment_for_log(repo: &Repository) -> String {
    match comment_config(repo) {
        Some(c) if !c.is_empty() && !c.eq_ignore_ascii_case("auto") => c,
        _ => "#".to_string(),
    }
}

/// The commits a command line names: a list, or a walk still to run.
pub(crate) enum Range<'r> {
    Listed(Vec<Oid>),
    Walk(Box<walk::Walk<'r>>),
}

/// Commits named by `specs`, newest first, as `git rev-list --date-order`
/// lists them, except that a lone revision (no `..`, `^`, or other spec)
/// means that one commit, as `git show` reads it. `all` adds every ref but
/// notes, then HEAD, as `--all` does.
pub fn resolve(repo: &Repository, specs: &[String], all: bool) -> Result<Vec<Oid>> {
    match range(repo, specs, all)? {
        Range::Listed(oids) => Ok(oids),
        Range::Walk(w) => Ok(w.run()?.order),
    }
}

/// The commits of [`resolve`], with the walk left to the caller (a scan
/// checks commits while the walk finds them).
fn range<'r>(repo: &'r Repository, specs: &[String], all: bool) -> Result<Range<'r>> {
    history_range(repo, specs, all, false)
}

/// [`range`], where with `history` a lone revision is its whole history
/// (`check --history main` walks what `git log main` lists).
pub(crate) fn history_range<'r>(
    repo: &'r Repository,
    specs: &[String],
    all: bool,
    history: bool,
) -> Result<Range<'r>> {
    if is_empty(repo) {
        bail!("the repository has no commits yet");
    }
    let is_range = |s: &str| s.contains("..") || s.starts_with('^') || s.ends_with("^!");
    if !all && !history && !specs.is_empty() && !specs.iter().any(|s| is_range(s)) {
        let mut out = Vec::new();
        for s in specs {
            let oid = peel_commit(repo, s)?;
            if !out.contains(&oid) {
                out.push(oid);
            }
        }
        return Ok(Range::Listed(out));
    }
    let mut walk = walk::Walk::new(repo)?;
    if all {
        // in git's order: refs sorted by name, then HEAD
        let mut tips = Vec::new();
        for r in repo.raw().references()? {
            let r = r?;
            if r.is_note() {
                continue;
            }
            if let Ok(c) = r.peel_to_commit() {
                tips.push((r.name_bytes().to_vec(), Oid::from(c.id())));
            }
        }
        tips.sort();
        if let Ok(c) = repo.raw().head().and_then(|h| h.peel_to_commit()) {
            tips.push((b"HEAD".to_vec(), Oid::from(c.id())));
        }
        for (_, oid) in tips {
            walk.push(oid)?;
        }
    }
    for spec in specs {
        push_spec(repo, &mut walk, spec)?;
    }
    Ok(Range::Walk(Box::new(walk)))
}

/// True when HEAD is unborn and no reference points anywhere.
pub(crate) fn is_empty(repo: &Repository) -> bool {
    let unborn = matches!(repo.raw().head(), Err(e) if e.code() == git2::ErrorCode::UnbornBranch || e.code() == git2::ErrorCode::NotFound);
    unborn
        && repo
            .raw()
            .references()
            .map(|mut r| r.next().is_none())
            .unwrap_or(true)
}

/// Adds one revision argument to a walk, in the order git adds its parts.
fn push_spec(repo: &Repository, walk: &mut walk::Walk, spec: &str) -> Result<()> {
    if let Some(rev) = spec.strip_suffix("^!") {
        let c = repo.raw().find_commit(peel_commit(repo, rev)?.raw())?;
        for p in c.parent_ids() {
            walk.hide(p.into())?;
        }
        walk.push(c.id().into())?;
        return Ok(());
    }
    if let Some(rev) = spec.strip_prefix('^') {
        walk.hide(peel_commit(repo, rev)?)?;
        return Ok(());
    }
    if let Some((a, b)) = spec.split_once("...") {
        let (a, b) = (or_head(a), or_head(b));
        let (oa, ob) = (peel_commit(repo, a)?, peel_commit(repo, b)?);
        if let Ok(bases) = repo.raw().merge_bases(oa.raw(), ob.raw()) {
            for base in bases.iter() {
                walk.hide((*base).into())?;
            }
        }
        walk.push(oa)?;
        walk.push(ob)?;
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
pub(crate) fn peel_commit(repo: &Repository, rev: &str) -> Result<Oid> {
    let obj = repo
        .raw()
        .revparse_single(rev)
        .map_err(|e| anyhow!("unknown revision `{rev}`: {}", e.message()))?;
    let commit = obj
        .peel_to_commit()
        .map_err(|_| anyhow!("revision `{rev}` is a {}, not a commit", kind(&obj)))?;
    Ok(commit.id().into())
}

fn kind(obj: &git2::Object) -> &'static str {
    obj.kind().map_or("object", |k| k.str())
}

pub(crate) use plumbing::walk::shallow_boundary;

/// A signature as a change identity.
pub(crate) fn identity(sig: &git2::Signature) -> Identity {
    Identity {
        name: String::from_utf8_lossy(sig.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(sig.email_bytes()).into_owned(),
        time: sig.when().seconds(),
    }
}

/// The message of a stored commit as git shows it ([`shown`]), for one
/// commit read outside a scan.
pub(crate) fn shown_message(repo: &Repository, oid: Oid, comment: &str) -> Result<Message> {
    let odb = repo
        .raw()
        .odb()
        .map_err(|e| anyhow!("cannot open the object database: {}", e.message()))?;
    let obj = odb
        .read(oid.raw())
        .map_err(|e| anyhow!("cannot read commit {oid}: {}", e.message()))?;
    let c = commit::parse(obj.data())
        .map_err(|e| anyhow!("cannot read commit {oid}: it is malformed: {e}"))?;
    Ok(shown(obj.data(), &c, comment).2)
}

/// The author, committer and message as git shows them: git reads the
/// whole object up to its first NUL and, with an `encoding` header,
/// decodes all of it (headers too) before reading its parts
/// (`repo_logmsg_reencode`), so a name can be decoded as well as the
/// message. The common case, UTF-8 without a NUL, reads `c` as it is.
fn shown(data: &[u8], c: &commit::Commit, comment: &str) -> (Identity, Identity, Message) {
    let plain = c.encoding.is_none_or(crate::message::is_utf8_label)
        && memchr::memchr(0, c.message).is_none();
    if plain {
        let m = Message::parse(c.message, None, comment);
        return (c.author.clone(), c.committer.clone(), m);
    }
    let (shown, mut defects) = crate::message::shown(data, c.encoding);
    // A NUL in the headers hides the message; the line is then 0.
    for d in &mut defects {
        if let crate::message::Defect::Nul { line, .. } = d {
            let headers = data.len() - c.message.len();
            let head_lines = data[..headers].iter().filter(|&&b| b == b'\n').count() as u32;
            *line = line.saturating_sub(head_lines);
        }
    }
    let (author, committer, text) = match commit::parse(&shown) {
        Ok(d) => (d.author, d.committer, d.message.to_vec()),
        Err(e) => {
            // Decoded, it no longer reads as a commit: git shows what it
            // can; the raw parts are checked and the defect is said.
            if !defects
                .iter()
                .any(|d| matches!(d, crate::message::Defect::Encoding { .. }))
            {
                defects.push(crate::message::Defect::Encoding {
                    name: crate::diag::escape(c.encoding.unwrap_or("")),
                    reason: format!("once decoded, the commit no longer reads as one ({e})"),
                });
            }
            let cut = memchr::memchr(0, c.message).unwrap_or(c.message.len());
            (
                c.author.clone(),
                c.committer.clone(),
                c.message[..cut].to_vec(),
            )
        }
    };
    let mut m = Message::parse(&text, None, comment);
    m.defects = defects;
    (author, committer, m)
}

/// Reads commits into changes. One per thread: a `Repository` is not `Sync`.
pub struct Reader<'r> {
    repo: &'r Repository,
    opts: DiffOptions,
    merge_diffs: bool,
    comment: String,
    shallow: HashSet<Oid>,
    /// Opened on the first read (the packs are mapped once per process).
    store: std::cell::OnceCell<odb::ObjectStore<'r>>,
    /// The links of the trees read (see [`links::LinkIndex`]).
    links: std::cell::RefCell<links::LinkIndex>,
}

impl<'r> Reader<'r> {
    /// A reader of `repo`'s commits that reads what `opts` asks for; with
    /// `merge_diffs`, a merge's changes are its combined diff (the lines no
    /// parent had), else a merge has no file changes. Reads the comment
    /// string and the shallow boundary now, and opens the object store on
    /// the first read.
    pub fn new(repo: &'r Repository, opts: DiffOptions, merge_diffs: bool) -> Self {
        Reader {
            repo,
            opts,
            merge_diffs,
            comment: comment_for_log(repo),
            shallow: shallow_boundary(repo),
            store: std::cell::OnceCell::new(),
            links: std::cell::RefCell::default(),
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

    /// Hands blob `hex`'s content to `f` a piece at a time (see
    /// [`odb::ObjectStore::stream_blob`]).
    pub(crate) fn stream_blob(
        &self,
        hex: &str,
        piece: usize,
        f: &mut dyn FnMut(&[u8]),
    ) -> Result<u64> {
        let id = Oid::from_hex(hex).ok_or_else(|| anyhow!("bad blob id {hex}"))?;
        Ok(self.store()?.stream_blob(id, piece, f)?)
    }

    /// The change a commit makes, with as much of the diff as the policy
    /// needs: a policy of message rules never reads a tree.
    pub fn read(&self, oid: Oid) -> Result<Change> {
        // Commits are read once (and a parent once more, for its tree): the
        // cache keeps its room for trees and blobs.
        let obj = self
            .store()?
            .read_once(oid, odb::Kind::Commit)
            .map_err(|e| anyhow!("cannot read commit {oid}: {}", e.message()))?;
        self.read_commit(oid, &obj.data)
    }

    /// [`Reader::read`] of a commit whose content is at hand.
    pub(crate) fn read_commit(&self, oid: Oid, data: &[u8]) -> Result<Change> {
        let mut c = commit::parse(data)
            .map_err(|e| anyhow!("cannot read commit {oid}: it is malformed: {e}"))?;
        // git and libgit2 see a shallow clone's boundary commits as roots.
        if self.shallow.contains(&oid) {
            c.parents.clear();
        }
        let (author, committer, message) = shown(data, &c, &self.comment);
        let mut change = Change {
            id: oid.to_string(),
            is_merge: c.parents.len() > 1,
            parents: c.parents.iter().map(|p| p.to_string()).collect(),
            author: Some(author),
            committer: Some(committer),
            message: Some(message),
            files: None,
        };
        // A merge is read as what it introduces (its combined diff), unless
        // the policy asks for its whole first-parent diff.
        if self.opts.needs.files && change.is_merge && !self.merge_diffs {
            let files = self
                .merge_diff(&c)
                .with_context(|| format!("cannot read the combined diff of merge {oid}"))?;
            change.files = Some(files);
        } else if self.opts.needs.files {
            let files = self
                .commit_diff(oid, &c)
                .with_context(|| format!("cannot read the diff of commit {oid}"))?;
            change.files = Some(files);
        }
        Ok(change)
    }

    /// The content of a tree or blob a ref points at (not through a
    /// commit), as a change that adds every file in it, so the file rules
    /// judge it as they judge a commit's files. A blob is one file named
    /// `name` (the ref's name).
    pub(crate) fn read_object(&self, oid: Oid, name: &str) -> Result<Change> {
        let store = self.store()?;
        let obj = store
            .read(oid)
            .map_err(|e| anyhow!("cannot read the object {oid}: {}", e.message()))?;
        let mut deltas = Vec::new();
        match obj.kind {
            odb::Kind::Tree => {
                diff::diff_trees(store, None, Some(&obj.data), b"", &mut deltas)
                    .with_context(|| format!("cannot read the tree {oid}"))?;
            }
            odb::Kind::Blob => deltas.push(diff::RawDelta {
                path: name.as_bytes().to_vec(),
                old: None,
                new: Some((oid, 0o100644)),
                malformed: false,
            }),
            other => bail!("{oid} is a {other:?}, not a tree or a blob"),
        }
        let files = diff::to_file_changes(store, deltas, &self.opts)
            .with_context(|| format!("cannot read the files of {oid}"))?;
        Ok(Change {
            id: oid.to_string(),
            files: Some(files),
            ..Change::default()
        })
    }

    /// The tree of commit `id` (a parent of the commit being read).
    fn parent_tree(&self, pid: Oid) -> Result<(Oid, odb::Object)> {
        let store = self.store()?;
        let parent = store.read_once(pid, odb::Kind::Commit).map_err(|e| {
            anyhow!(
                "its parent {pid} is missing ({}); in a shallow clone, fetch more history \
                 (`git fetch --deepen=N`, or `fetch-depth: 0` in CI)",
                e.message()
            )
        })?;
        let ptree = commit::tree(&parent.data)
            .map_err(|e| anyhow!("its parent {pid} is malformed: {e}"))?;
        Ok((ptree, store.read_kind(ptree, odb::Kind::Tree)?))
    }

    /// What a merge introduces: its dense combined diff (see [`combined`]).
    fn merge_diff(&self, commit: &commit::Commit) -> Result<Vec<crate::model::FileChange>> {
        let store = self.store()?;
        let tree = store.read_kind(commit.tree, odb::Kind::Tree)?;
        let mut parents = Vec::with_capacity(commit.parents.len());
        for &pid in &commit.parents {
            parents.push(self.parent_tree(pid)?);
        }
        let views: Vec<Option<&[u8]>> = parents.iter().map(|t| Some(&t.1.data[..])).collect();
        let mut files = combined::merge_file_changes(store, &views, &tree.data, &self.opts)?;
        let sides: Vec<Option<links::Side>> =
            parents.iter().map(|t| Some((t.0, &t.1.data[..]))).collect();
        links::follow(
            store,
            &mut self.links.borrow_mut(),
            (commit.tree, &tree.data),
            &sides,
            &mut files,
            &self.opts,
        )?;
        Ok(files)
    }

    fn commit_diff(
        &self,
        oid: Oid,
        commit: &commit::Commit,
    ) -> Result<Vec<crate::model::FileChange>> {
        let store = self.store()?;
        let tree = store.read_kind(commit.tree, odb::Kind::Tree)?;
        let parent_tree = match commit.parents.first() {
            Some(&pid) => Some(self.parent_tree(pid)?),
            None if self.shallow.contains(&oid) => bail!(
                "it is the shallow boundary of this clone: its parents were not fetched, so its \
                 diff is unknown; fetch more history (`git fetch --deepen=N`, or `fetch-depth: 0` in CI) \
                 or check a shorter range"
            ),
            None => None,
        };
        let mut deltas = Vec::new();
        diff::diff_trees(
            store,
            parent_tree.as_ref().map(|t| &t.1.data[..]),
            Some(&tree.data),
            b"",
            &mut deltas,
        )?;
        let mut files = diff::to_file_changes(store, deltas, &self.opts)?;
        let sides: Vec<Option<links::Side>> = parent_tree
            .iter()
            .map(|t| Some((t.0, &t.1.data[..])))
            .collect();
        links::follow(
            store,
            &mut self.links.borrow_mut(),
            (commit.tree, &tree.data),
            &sides,
            &mut files,
            &self.opts,
        )?;
        Ok(files)
    }
}
