//! The commits a range names, in the order `git rev-list --date-order`
//! lists them: no commit before any of its children, otherwise newest
//! committer date first.
//!
//! It follows git's limited walk (`limit_list` in git's revision.c): commits
//! come off a queue newest first; hidden commits (`^A`, `A..`) pass their
//! mark to their ancestors; the walk stops once only hidden commits are left
//! and five more of them have been seen (git's allowance for clock skew).
//! The result is then sorted as `sort_in_topological_order` does. Ties keep
//! the order in which commits were queued, as git's priority queue does.
//!
//! libgit2's walk read and parsed every commit through its own object cache
//! before the first one came out, and the check then read each commit again;
//! this walk reads commits through the shared [`ObjectStore`] (whose cache the
//! check then hits) and keeps only ids, dates and parent links.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;

use anyhow::{anyhow, bail, Result};

use super::commit;
use super::graph::Graph;
use super::odb::{Kind, ObjectStore};
use crate::git::id::Repository;
use crate::oid::Oid;

/// How many hidden commits past the last shown one the walk still reads.
const SLOP: u32 = 5;

const HIDDEN: u8 = 1;
const SEEN: u8 = 2;
const ADDED: u8 = 4;
const PARSED: u8 = 8;

struct Node {
    oid: Oid,
    date: u64,
    flags: u8,
    /// The commit's content, from when it is read until it leaves the queue.
    data: Option<Arc<Vec<u8>>>,
    /// Where the parents start in `Walk::edges`, and how many there are.
    edges: (u32, u32),
}

/// A walk being set up: push the commits to show and hide those whose
/// ancestry to leave out, then [`Walk::run`].
pub(crate) struct Walk<'r> {
    store: ObjectStore<'r>,
    shallow: HashSet<Oid>,
    graph: Option<Graph>,
    index: HashMap<Oid, u32>,
    nodes: Vec<Node>,
    edges: Vec<u32>,
    pending: Vec<u32>,
}

/// Entries of the walk's queues: newest first, then first queued.
type Queue = BinaryHeap<(u64, Reverse<u64>, u32)>;

/// The commits of a walk, newest first, and their parents.
pub(crate) struct Walked<'r> {
    /// The commits, in the order `git rev-list --date-order` lists them.
    pub(crate) order: Vec<Oid>,
    walk: Walk<'r>,
}

impl Walked<'_> {
    /// The parents of a commit the walk read (none for a shallow boundary).
    pub(crate) fn parents(&self, oid: &Oid) -> impl Iterator<Item = Oid> + '_ {
        let w = &self.walk;
        let edges = w.index.get(oid).map_or(0..0, |&i| w.parents_of(i));
        edges.map(move |e| w.nodes[w.edges[e] as usize].oid)
    }
}

impl<'r> Walk<'r> {
    /// A walk of `repo`. The commits a shallow clone has without their
    /// parents are walked as roots, as git does.
    pub(crate) fn new(repo: &'r Repository) -> Result<Self> {
        let store = ObjectStore::new(repo)
            .map_err(|e| anyhow!("cannot open the object database: {}", e.message()))?;
        let shallow = shallow_boundary(repo);
        // git does not use the graph in a shallow clone, nor when told not to.
        let wanted = repo
            .raw()
            .config()
            .and_then(|c| c.get_bool("core.commitGraph"))
            .unwrap_or(true);
        let graph = (shallow.is_empty() && wanted)
            .then(|| Graph::open(&repo.raw().commondir().join("objects")))
            .flatten();
        Ok(Walk {
            store,
            shallow,
            graph,
            index: HashMap::new(),
            nodes: Vec::new(),
            edges: Vec::new(),
            pending: Vec::new(),
        })
    }

    fn node(&mut self, oid: Oid) -> u32 {
        if let Some(&i) = self.index.get(&oid) {
            return i;
        }
        let i = self.nodes.len() as u32;
        self.nodes.push(Node {
            oid,
            date: 0,
            flags: 0,
            data: None,
            edges: (0, 0),
        });
        self.index.insert(oid, i);
        i
    }

    /// Reads a commit's parents and date, once: from the commit-graph when
    /// it has the commit, otherwise from the commit (kept for the checks).
    fn parse(&mut self, i: u32) -> Result<()> {
        let n = &self.nodes[i as usize];
        if n.flags & PARSED != 0 {
            return Ok(());
        }
        let oid = n.oid;
        let (parents, date, data) = match self.graph.as_ref().and_then(|g| g.get(&oid)) {
            Some(e) => (e.parents, e.date, None),
            None => {
                let obj = self
                    .store
                    .read_once(oid, Kind::Commit)
                    .map_err(|e| anyhow!("cannot read commit {oid}: {}", e.message()))?;
                let (parents, date) = commit::walk_header(&obj.data)
                    .map_err(|e| anyhow!("commit {oid} is malformed: {e}"))?;
                (parents, date, Some(obj.data))
            }
        };
        let start = self.edges.len() as u32;
        if !self.shallow.contains(&oid) {
            for p in parents {
                let j = self.node(p);
                self.edges.push(j);
            }
        }
        let n = &mut self.nodes[i as usize];
        n.date = date;
        n.edges = (start, self.edges.len() as u32 - start);
        n.flags |= PARSED;
        n.data = data;
        Ok(())
    }

    fn parents_of(&self, i: u32) -> std::ops::Range<usize> {
        let (start, len) = self.nodes[i as usize].edges;
        start as usize..(start + len) as usize
    }

    /// Shows `oid` and its ancestors (unless hidden).
    pub(crate) fn push(&mut self, oid: Oid) -> Result<()> {
        let i = self.node(oid);
        self.parse(i)?;
        self.pending.push(i);
        Ok(())
    }

    /// Hides `oid` and its ancestors.
    pub(crate) fn hide(&mut self, oid: Oid) -> Result<()> {
        let i = self.node(oid);
        self.parse(i)?;
        self.nodes[i as usize].flags |= HIDDEN;
        self.mark_parents_hidden(i);
        self.pending.push(i);
        Ok(())
    }

    /// Marks the ancestors of `i` hidden, as far as they have been read.
    fn mark_parents_hidden(&mut self, i: u32) {
        let mut stack: Vec<u32> = self.edges[self.parents_of(i)].to_vec();
        while let Some(p) = stack.pop() {
            let n = &mut self.nodes[p as usize];
            if n.flags & HIDDEN != 0 {
                continue;
            }
            n.flags |= HIDDEN;
            if n.flags & PARSED != 0 {
                stack.extend_from_slice(&self.edges[self.parents_of(p)]);
            }
        }
    }

    fn is_hidden(&self, i: u32) -> bool {
        self.nodes[i as usize].flags & HIDDEN != 0
    }

    /// Queues the parents of a commit taken off the queue (git's
    /// `process_parents`).
    fn add_parents(&mut self, i: u32, queue: &mut Queue, ctr: &mut u64) -> Result<()> {
        if self.nodes[i as usize].flags & ADDED != 0 {
            return Ok(());
        }
        self.nodes[i as usize].flags |= ADDED;
        let hidden = self.is_hidden(i);
        for e in self.parents_of(i) {
            let p = self.edges[e];
            if hidden {
                self.nodes[p as usize].flags |= HIDDEN;
                // A hidden commit's missing parent is skipped, as in git.
                if self.parse(p).is_err() {
                    continue;
                }
                self.mark_parents_hidden(p);
            } else {
                let child = self.nodes[i as usize].oid;
                self.parse(p).map_err(|e| {
                    anyhow!(
                        "{e} (a parent of {child}); in a shallow clone, fetch more history \
                         (`git fetch --deepen=N`, or `fetch-depth: 0` in CI)"
                    )
                })?;
            }
            let n = &mut self.nodes[p as usize];
            if n.flags & SEEN == 0 {
                n.flags |= SEEN;
                *ctr += 1;
                queue.push((n.date, Reverse(*ctr), p));
            }
        }
        Ok(())
    }

    /// Walks, and sorts the commits shown.
    pub(crate) fn run(self) -> Result<Walked<'r>> {
        self.run_with(|_, _| {})
    }

    /// Walks, handing each commit to `found` as soon as the walk takes it
    /// to show (so its check can begin before the order is known; a commit
    /// hidden later, by clock skew, is not in the result), with its content
    /// when the walk read it, and sorts the commits shown.
    pub(crate) fn run_with(
        mut self,
        mut found: impl FnMut(Oid, Option<&Arc<Vec<u8>>>),
    ) -> Result<Walked<'r>> {
        let mut queue = Queue::new();
        let mut ctr = 0u64;
        for k in 0..self.pending.len() {
            let i = self.pending[k];
            let n = &mut self.nodes[i as usize];
            if n.flags & SEEN == 0 {
                n.flags |= SEEN;
                ctr += 1;
                queue.push((n.date, Reverse(ctr), i));
            }
        }

        // git's limit_list
        let mut shown = Vec::new();
        let mut slop = SLOP;
        let mut last_date = u64::MAX;
        let mut interesting: Option<u32> = None;
        while let Some((date, _, i)) = queue.pop() {
            if interesting == Some(i) {
                interesting = None;
            }
            self.add_parents(i, &mut queue, &mut ctr)?;
            let data = self.nodes[i as usize].data.take();
            if self.is_hidden(i) {
                self.mark_parents_hidden(i);
                slop = self.still_interesting(&queue, last_date, slop, &mut interesting);
                if slop > 0 {
                    continue;
                }
                break;
            }
            last_date = date;
            shown.push(i);
            found(self.nodes[i as usize].oid, data.as_ref());
        }

        // git's sort_in_topological_order, by commit date: 0 is "not shown",
        // 1 "no child left to emit", more counts the children still waiting.
        let mut indegree = vec![0u32; self.nodes.len()];
        for &i in &shown {
            indegree[i as usize] = 1;
        }
        for &i in &shown {
            for e in self.parents_of(i) {
                let d = &mut indegree[self.edges[e] as usize];
                if *d > 0 {
                    *d += 1;
                }
            }
        }
        let mut ready = Queue::new();
        let mut ctr = 0u64;
        for &i in &shown {
            if indegree[i as usize] == 1 {
                ctr += 1;
                ready.push((self.nodes[i as usize].date, Reverse(ctr), i));
            }
        }
        let mut order = Vec::with_capacity(shown.len());
        while let Some((_, _, i)) = ready.pop() {
            for e in self.parents_of(i) {
                let p = self.edges[e];
                let d = &mut indegree[p as usize];
                if *d == 0 {
                    continue;
                }
                *d -= 1;
                if *d == 1 {
                    ctr += 1;
                    ready.push((self.nodes[p as usize].date, Reverse(ctr), p));
                }
            }
            indegree[i as usize] = 0;
            // Commits hidden after they were taken off the queue are not shown.
            if !self.is_hidden(i) {
                order.push(self.nodes[i as usize].oid);
            }
        }
        // Real commits cannot form a cycle (each names its parents by hash),
        // but a damaged commit-graph can; its commits would never be ready
        // to show, and would be left out without a word.
        let expected = shown.iter().filter(|&&i| !self.is_hidden(i)).count();
        if order.len() != expected {
            bail!(
                "the history walked has a cycle, which only a damaged commit-graph can make \
                 ({} of {expected} commits could be ordered); remove .git/objects/info/commit-graph* \
                 or run `git commit-graph write --reachable`",
                order.len()
            );
        }
        Ok(Walked { order, walk: self })
    }

    /// git's `still_interesting`: whether to go on taking hidden commits.
    fn still_interesting(
        &self,
        queue: &Queue,
        last_date: u64,
        slop: u32,
        interesting: &mut Option<u32>,
    ) -> u32 {
        let Some(&(top, _, _)) = queue.peek() else {
            return 0;
        };
        if last_date <= top {
            return SLOP;
        }
        if let Some(i) = *interesting {
            if !self.is_hidden(i) {
                return SLOP;
            }
        }
        if let Some(&(_, _, i)) = queue.iter().find(|&&(_, _, i)| !self.is_hidden(i)) {
            *interesting = Some(i);
            return SLOP;
        }
        slop - 1
    }
}

/// The commits a shallow clone has without their parents.
pub(crate) fn shallow_boundary(repo: &Repository) -> HashSet<Oid> {
    if !repo.raw().is_shallow() {
        return HashSet::new();
    }
    std::fs::read_to_string(repo.raw().path().join("shallow"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| Oid::from_hex(l.trim()))
        .collect()
}
