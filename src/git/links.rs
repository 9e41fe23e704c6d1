//! Symbolic links judged by what they lead to. A link's own blob is only
//! its target's name, but running or including the link runs the target:
//! `run.sh -> notes.md` makes a file the payload rules skip (`*.md`)
//! executable as a script. So a link is read as its *effective content*:
//! what a checkout reaches through it (following chains and links in
//! directory components, as the kernel does, inside the tree only). When a
//! change alters what a link leads to, whether it changes the link, its
//! target, a link on the way, or a file under a linked directory, the new
//! effective content is judged under the link's path (`run.sh`,
//! `linked_dir/file`): rules that skip or allow the target's path still judge
//! it under the link's, the stricter of the two.
//!
//! Cost: each tree's links are summarised once per tree id (an unchanged
//! subtree costs one hash look-up), and a link is only re-read when its
//! resolved path or what lies there changed in this commit.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use crate::oid::Oid;

use super::combined::merge_file_changes;
use super::diff::{bad_name, diff_trees, to_file_changes, DiffOptions, RawDelta, MAX_TREE_DEPTH};
use super::plumbing::odb::{next_entry, Kind, Limited, ObjectStore};
use crate::model::FileChange;

const MODE_LINK: u32 = 0o120000;
const MODE_TREE: u32 = 0o040000;
const MODE_GITLINK: u32 = 0o160000;

/// Links followed while resolving one path before giving up (the kernel's
/// limit is 40).
const MAX_HOPS: usize = 40;

/// Files a commit's links may add to it (effective contents under link
/// paths) before the commit is refused as too costly to judge.
const MAX_LINKED_FILES: usize = 100_000;

/// Tree summaries kept before the cache is emptied (bounds memory).
const MAX_CACHED_TREES: usize = 200_000;

/// The links of one tree object: its own link entries (name, blob) and
/// its subtrees that hold links somewhere (name, tree).
#[derive(Default)]
struct TreeLinks {
    links: Vec<(Box<str>, Oid)>,
    dirs: Vec<(Box<str>, Oid)>,
}

/// A tree being summarised: its links, its subtrees, and the next subtree
/// to look at.
struct Frame {
    id: Oid,
    links: Vec<(Box<str>, Oid)>,
    subtrees: Vec<(Box<str>, Oid)>,
    next: usize,
}

/// Path of every link of a tree -> its target.
type LinkMap = BTreeMap<String, String>;

/// Per-reader cache of the links of the trees seen (see the module doc).
#[derive(Default)]
pub(crate) struct LinkIndex {
    /// Tree id -> its links (`None`: no link anywhere under it).
    trees: HashMap<Oid, Option<Arc<TreeLinks>>>,
    /// Link blob id -> its target (`None`: unreadable or over 4 KiB).
    targets: HashMap<Oid, Option<Arc<str>>>,
    /// The last few root trees' link maps (a walk reads a commit's tree and
    /// then, as the next commit's parent, again).
    recent: Vec<(Oid, Arc<LinkMap>)>,
}

impl LinkIndex {
    /// The summary of tree `root`, built bottom-up without recursion (the
    /// subtrees already summarised are not read again).
    fn summary(
        &mut self,
        store: &ObjectStore,
        root: Oid,
    ) -> Result<Option<Arc<TreeLinks>>, git2::Error> {
        if let Some(s) = self.trees.get(&root) {
            return Ok(s.clone());
        }
        if self.trees.len() > MAX_CACHED_TREES {
            self.trees.clear();
        }
        let mut stack: Vec<Frame> = Vec::new();
        if let Some(f) = self.frame(store, root)? {
            stack.push(f);
        }
        while let Some(f) = stack.last_mut() {
            // the next subtree not summarised yet, if any
            let mut pending = None;
            while let Some((_, child)) = f.subtrees.get(f.next) {
                if !self.trees.contains_key(child) {
                    pending = Some(*child);
                    break;
                }
                f.next += 1;
            }
            if let Some(child) = pending {
                if stack.len() > MAX_TREE_DEPTH {
                    return Err(git2::Error::from_str(&format!(
                        "trees nest more than {MAX_TREE_DEPTH} levels deep"
                    )));
                }
                if let Some(f) = self.frame(store, child)? {
                    stack.push(f);
                }
                continue;
            }
            let Some(f) = stack.pop() else { break };
            let dirs: Vec<(Box<str>, Oid)> = f
                .subtrees
                .into_iter()
                .filter(|(_, id)| self.trees.get(id).is_some_and(Option::is_some))
                .collect();
            let s = (!f.links.is_empty() || !dirs.is_empty()).then(|| {
                Arc::new(TreeLinks {
                    links: f.links,
                    dirs,
                })
            });
            self.trees.insert(f.id, s);
        }
        Ok(self.trees.get(&root).cloned().flatten())
    }

    /// Tree `id` read for [`LinkIndex::summary`]: its links and subtrees,
    /// or `None` (and summarised at once) when it has neither. A tree whose
    /// bytes hold neither mode (`40000 `, `120000 `) anywhere is not parsed:
    /// a big flat directory costs one `memmem` per version.
    fn frame(&mut self, store: &ObjectStore, id: Oid) -> Result<Option<Frame>, git2::Error> {
        let data = store.read_kind(id, Kind::Tree)?.data;
        if memchr::memmem::find(&data, b"40000 ").is_none()
            && memchr::memmem::find(&data, b"120000 ").is_none()
        {
            self.trees.insert(id, None);
            return Ok(None);
        }
        let mut f = Frame {
            id,
            links: Vec::new(),
            subtrees: Vec::new(),
            next: 0,
        };
        let mut at = 0;
        while let Some(e) = next_entry(&data, &mut at)? {
            if e.mode == MODE_LINK && !bad_name(e.name) {
                f.links
                    .push((String::from_utf8_lossy(e.name).into(), e.oid()));
            } else if e.mode & 0o170000 == MODE_TREE && !bad_name(e.name) {
                f.subtrees
                    .push((String::from_utf8_lossy(e.name).into(), e.oid()));
            }
        }
        if f.links.is_empty() && f.subtrees.is_empty() {
            self.trees.insert(id, None);
            return Ok(None);
        }
        Ok(Some(f))
    }

    fn target(&mut self, store: &ObjectStore, blob: Oid) -> Result<Option<Arc<str>>, git2::Error> {
        if let Some(t) = self.targets.get(&blob) {
            return Ok(t.clone());
        }
        if self.targets.len() > MAX_CACHED_TREES {
            self.targets.clear();
        }
        let t = match store.read_limited(blob, Kind::Blob, 4096)? {
            Limited::Object(b) => Some(Arc::from(String::from_utf8_lossy(&b.data).as_ref())),
            Limited::TooLarge(_) => None,
        };
        self.targets.insert(blob, t.clone());
        Ok(t)
    }

    /// Every link of tree `root`: path -> target.
    fn links(&mut self, store: &ObjectStore, root: Oid) -> Result<Arc<LinkMap>, git2::Error> {
        if let Some((_, m)) = self.recent.iter().find(|(id, _)| *id == root) {
            return Ok(m.clone());
        }
        let mut map = LinkMap::new();
        let mut stack: Vec<(String, Arc<TreeLinks>)> = Vec::new();
        if let Some(s) = self.summary(store, root)? {
            stack.push((String::new(), s));
        }
        while let Some((prefix, s)) = stack.pop() {
            for (name, blob) in &s.links {
                if let Some(t) = self.target(store, *blob)? {
                    map.insert(format!("{prefix}{name}"), t.to_string());
                }
            }
            for (name, tree) in &s.dirs {
                if let Some(sub) = self.summary(store, *tree)? {
                    stack.push((format!("{prefix}{name}/"), sub));
                }
            }
        }
        let map = Arc::new(map);
        if self.recent.len() >= 4 {
            self.recent.remove(0);
        }
        self.recent.push((root, map.clone()));
        Ok(map)
    }
}

/// Where `path` leads in a tree whose links are `links`, as a checkout
/// would resolve it: every component that is a link is replaced by its
/// target (relative to the link's directory), `.` and `..` resolved. `""`
/// is the root. `None` when it leaves the tree (absolute, above the root),
/// a target is empty, or more than [`MAX_HOPS`] links are followed (a
/// loop). A path with no link on the way is itself.
pub fn resolve_path(links: &BTreeMap<String, String>, path: &str) -> Option<String> {
    if links.is_empty() {
        return Some(path.to_string());
    }
    // the path so far, and where each of its components starts
    let mut at = String::new();
    let mut starts: Vec<usize> = Vec::new();
    // components still to walk, last first
    let mut rest: Vec<&str> = path.split('/').rev().collect();
    let mut hops = 0;
    while let Some(c) = rest.pop() {
        match c {
            "" | "." => {}
            ".." => {
                at.truncate(starts.pop()?.saturating_sub(1));
            }
            name => {
                let start = if at.is_empty() { 0 } else { at.len() + 1 };
                if !at.is_empty() {
                    at.push('/');
                }
                at.push_str(name);
                if let Some(t) = links.get(&at) {
                    hops += 1;
                    if hops > MAX_HOPS || t.is_empty() || t.starts_with('/') {
                        return None;
                    }
                    at.truncate(start.saturating_sub(1));
                    rest.extend(t.split('/').rev());
                } else {
                    starts.push(start);
                }
            }
        }
    }
    Some(at)
}

/// The entry at `path` (`""`: the root) in the tree `root` (id and data).
fn lookup(
    store: &ObjectStore,
    root: (Oid, &[u8]),
    path: &str,
) -> Result<Option<(Oid, u32)>, git2::Error> {
    if path.is_empty() {
        return Ok(Some((root.0, MODE_TREE)));
    }
    let mut tree = std::borrow::Cow::Borrowed(root.1);
    let names: Vec<&str> = path.split('/').collect();
    for (i, name) in names.iter().enumerate() {
        let mut at = 0;
        let mut found = None;
        while let Some(e) = next_entry(&tree, &mut at)? {
            if e.name == name.as_bytes() {
                found = Some((e.oid(), e.mode));
                break;
            }
        }
        let Some((id, mode)) = found else {
            return Ok(None);
        };
        if i + 1 == names.len() {
            return Ok(Some((id, mode)));
        }
        if mode & 0o170000 != MODE_TREE {
            return Ok(None);
        }
        tree = std::borrow::Cow::Owned(store.read_kind(id, Kind::Tree)?.data.to_vec());
    }
    Ok(None)
}

/// A tree entry's (id, mode), if there is one.
type Entry = Option<(Oid, u32)>;

/// One tree as a commit side: its id and content.
pub(crate) type Side<'a> = (Oid, &'a [u8]);

/// What a checkout finds at `path` of `tree` (links followed): a file's or
/// directory's (id, mode), `None` for nothing, a link out of the tree or a
/// loop.
fn effective(
    store: &ObjectStore,
    tree: Side,
    links: &LinkMap,
    path: &str,
) -> Result<Option<(Oid, u32)>, git2::Error> {
    let Some(r) = resolve_path(links, path) else {
        return Ok(None);
    };
    Ok(lookup(store, tree, &r)?.filter(|&(_, m)| m != MODE_LINK && m != MODE_GITLINK))
}

/// A one-entry tree `name` holding `e` (empty for `None`), so a link's
/// effective content is diffed by the ordinary tree diff.
fn one_entry(name: &str, e: Option<(Oid, u32)>) -> Vec<u8> {
    let mut t = Vec::new();
    if let Some((id, mode)) = e {
        t.extend_from_slice(format!("{mode:o} {name}\0").as_bytes());
        t.extend_from_slice(id.as_bytes());
    }
    t
}

/// True when `changed` (sorted) holds `p`, a path under `p`, or a
/// directory above it.
fn touched(changed: &[&str], p: &str) -> bool {
    if p.is_empty() {
        return !changed.is_empty();
    }
    if changed.binary_search(&p).is_ok() {
        return true;
    }
    let under = format!("{p}/");
    let i = changed.partition_point(|c| *c < under.as_str());
    if changed.get(i).is_some_and(|c| c.starts_with(&under)) {
        return true;
    }
    p.match_indices('/')
        .any(|(i, _)| changed.binary_search(&&p[..i]).is_ok())
}

/// Gives every link of the new tree whose effective content the change
/// alters that content, read as a change under the link's path (see the
/// module doc): a link the change adds or changes, in place; a link the
/// change leaves alone but whose target (or a link on the way) it changes,
/// as an added file change. A link to a directory adds the directory's
/// changed files under the link's path. `parents` are the parent trees
/// (none for a root commit); with two or more (a merge), what is new is
/// what differs from every parent, line by line, as for the merge's own
/// files.
pub(crate) fn follow(
    store: &ObjectStore,
    index: &mut LinkIndex,
    new: Side,
    parents: &[Option<Side>],
    files: &mut Vec<FileChange>,
    opts: &DiffOptions,
) -> Result<(), git2::Error> {
    if !opts.needs.lines {
        return Ok(());
    }
    let new_links = index.links(store, new.0)?;
    if new_links.is_empty() {
        return Ok(());
    }
    let mut old_links = Vec::with_capacity(parents.len());
    for p in parents {
        old_links.push(match p {
            Some(p) => index.links(store, p.0)?,
            None => Arc::new(LinkMap::new()),
        });
    }
    let mut changed: Vec<&str> = files
        .iter()
        .flat_map(|f| std::iter::once(f.path.as_str()).chain(f.old_path.as_deref()))
        .collect();
    changed.sort_unstable();
    let one_parent = parents.len() <= 1;
    // (link path, its effective new side, each parent's)
    let mut todo: Vec<(&str, Entry, Vec<Entry>)> = Vec::new();
    for l in new_links.keys() {
        let rn = resolve_path(&new_links, l);
        if one_parent && changed.binary_search(&l.as_str()).is_err() {
            // unchanged link: skip unless where it leads, or what is there, changed
            let ro = match (parents.first(), old_links.first()) {
                (Some(Some(_)), Some(ol)) => resolve_path(ol, l),
                _ => None,
            };
            if let (Some(rn), Some(ro)) = (&rn, &ro) {
                if rn == ro && !touched(&changed, rn) {
                    continue;
                }
            }
        }
        let en = match &rn {
            Some(r) => lookup(store, new, r)?.filter(|&(_, m)| m != MODE_LINK && m != MODE_GITLINK),
            None => None,
        };
        if en.is_none() {
            continue;
        }
        let mut olds = Vec::with_capacity(parents.len());
        for (p, ol) in parents.iter().zip(&old_links) {
            olds.push(match p {
                Some(p) => effective(store, *p, ol, l)?,
                None => None,
            });
        }
        if olds.contains(&en) {
            continue; // it leads to what it led to (in some parent)
        }
        todo.push((l.as_str(), en, olds));
    }
    let mut count = 0;
    for (l, en, olds) in todo {
        // named as the link, so path globs on the name see it
        let name = l.rsplit('/').next().unwrap_or(l);
        let new_tree = one_entry(name, en);
        let old_trees: Vec<Vec<u8>> = olds.iter().map(|o| one_entry(name, *o)).collect();
        let mut got = if one_parent {
            let mut deltas: Vec<RawDelta> = Vec::new();
            let old = old_trees.first().map(|t| &t[..]).unwrap_or(&[]);
            diff_trees(store, Some(old), Some(&new_tree), b"", &mut deltas)?;
            deltas.retain(|d| d.new.is_some());
            to_file_changes(store, deltas, opts)?
        } else {
            let views: Vec<Option<&[u8]>> = old_trees.iter().map(|t| Some(&t[..])).collect();
            let mut got = merge_file_changes(store, &views, &new_tree, opts)?;
            got.retain(|f| f.content != crate::model::Content::None);
            got
        };
        count += got.len();
        if count > MAX_LINKED_FILES {
            return Err(git2::Error::from_str(&format!(
                "its links lead to more than {MAX_LINKED_FILES} changed files (the last at `{l}`); \
                 too many to judge"
            )));
        }
        for mut g in got.drain(..) {
            g.path = match g.path.strip_prefix(name) {
                Some("") => l.to_string(),
                Some(rest) => format!("{l}{rest}"),
                None => continue,
            };
            g.old_path = None;
            let at = if g.path == l {
                files.iter().position(|f| f.path == l)
            } else {
                None
            };
            if let Some(f) = at.and_then(|i| files.get_mut(i)) {
                // the link itself changed: its content is its target's
                let (status, old_mode, new_mode, old_path) =
                    (f.status, f.old_mode, f.new_mode, f.old_path.take());
                *f = g;
                f.status = status;
                f.old_mode = old_mode;
                f.new_mode = new_mode;
                f.old_path = old_path;
            } else {
                files.push(g);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(links: &[(&str, &str)]) -> LinkMap {
        links
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn paths_resolve_through_chains_and_linked_directories() {
        let m = map(&[
            ("run.sh", "lib/x.sh"),
            ("lib", "scripts"),
            ("a", "b"),
            ("b", "c/../notes.md"),
            ("loop1", "loop2"),
            ("loop2", "loop1"),
            ("root", "."),
            ("up", "../x"),
            ("sub/dir/link", "../../top.md"),
            ("abs", "/etc/passwd"),
        ]);
        let r = |p: &str| resolve_path(&m, p);
        assert_eq!(r("run.sh").as_deref(), Some("scripts/x.sh"));
        assert_eq!(r("lib/y.sh").as_deref(), Some("scripts/y.sh"));
        assert_eq!(r("a").as_deref(), Some("notes.md"));
        assert_eq!(r("sub/dir/link").as_deref(), Some("top.md"));
        assert_eq!(r("root").as_deref(), Some(""));
        assert_eq!(r("root/root/a").as_deref(), Some("notes.md"));
        assert_eq!(r("plain/file.rs").as_deref(), Some("plain/file.rs"));
        assert_eq!(r("loop1"), None);
        assert_eq!(r("up"), None);
        assert_eq!(r("abs"), None);
        // `..` after a link climbs from where the link led (as the kernel does)
        assert_eq!(r("lib/../x").as_deref(), Some("x"));
    }

    #[test]
    fn touched_sees_the_path_what_is_under_it_and_above_it() {
        let changed = ["docs", "lib/a.rs", "notes.md"];
        assert!(touched(&changed, "notes.md"));
        assert!(touched(&changed, "lib"));
        assert!(touched(&changed, "docs/x.md"));
        assert!(!touched(&changed, "li"));
        assert!(!touched(&changed, "lib/b.rs"));
        assert!(touched(&changed, ""));
        assert!(!touched(&[], ""));
    }
}
