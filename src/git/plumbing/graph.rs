//! git's commit-graph file (`objects/info/commit-graph`, or a chain under
//! `objects/info/commit-graphs/`): every commit's parents and committer date
//! without inflating the commit, which is what a revision walk needs. `git
//! gc` writes it; a walk falls back to reading the commit for any commit the
//! graph does not have (one made since it was written).
//!
//! libgit2 1.9 reads only version-1 generation data and ignores the file git
//! writes by default; parents and dates, all a walk needs, are the same in
//! every version. A file whose header, chunk bounds or fanout do not check
//! out is not used at all; an entry whose parent positions do not is read
//! from its commit instead (entries are checked as they are read, so a walk
//! of ten commits does not pay for a graph of a million).

use std::path::Path;

use crate::oid::Oid;
use memmap2::Mmap;

const SIGNATURE: &[u8; 4] = b"CGPH";
const HASH_LEN: usize = 20;
/// Tree id, two parent words, and eight bytes of generation and date.
const DATA_LEN: usize = HASH_LEN + 16;
const NO_PARENT: u32 = 0x7000_0000;
const EXTRA_EDGES: u32 = 0x8000_0000;
const LAST_EDGE: u32 = 0x8000_0000;

/// One graph file, mapped and checked.
struct Layer {
    map: Mmap,
    count: usize,
    fanout: usize,
    lookup: usize,
    data: usize,
    /// Offset and length of the extra-edge chunk (octopus merges).
    edges: Option<(usize, usize)>,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from(be32(b, at)?) << 32 | u64::from(be32(b, at + 4)?))
}

impl Layer {
    fn open(path: &Path) -> Option<Layer> {
        let file = std::fs::File::open(path).ok()?;
        // SAFETY: git writes graph files under temporary names and renames
        // them into place; it never modifies one in place.
        let map = unsafe { Mmap::map(&file) }.ok()?;
        let b = &map[..];
        // signature, version 1, hash 1 (SHA-1), chunk count, base count
        let head = b.get(..8)?;
        if &head[..4] != SIGNATURE || head[4] != 1 || head[5] != 1 {
            return None;
        }
        let chunks = usize::from(b[6]);
        let (mut fanout, mut lookup, mut data, mut edges) = (None, None, None, None);
        for c in 0..chunks {
            let at = 8 + c * 12;
            let id = b.get(at..at + 4)?;
            let start = usize::try_from(be64(b, at + 4)?).ok()?;
            let end = usize::try_from(be64(b, at + 16)?).ok()?;
            if start > end || end > b.len() {
                return None;
            }
            match id {
                b"OIDF" => fanout = Some((start, end - start)),
                b"OIDL" => lookup = Some((start, end - start)),
                b"CDAT" => data = Some((start, end - start)),
                b"EDGE" => edges = Some((start, end - start)),
                _ => {}
            }
        }
        let (fanout, lookup, data) = (fanout?, lookup?, data?);
        if fanout.1 != 256 * 4 {
            return None;
        }
        let count = be32(b, fanout.0 + 255 * 4)? as usize;
        let mut prev = 0;
        for i in 0..256 {
            let n = be32(b, fanout.0 + i * 4)?;
            if n < prev {
                return None;
            }
            prev = n;
        }
        if lookup.1 != count * HASH_LEN || data.1 != count * DATA_LEN {
            return None;
        }
        Some(Layer {
            map,
            count,
            fanout: fanout.0,
            lookup: lookup.0,
            data: data.0,
            edges,
        })
    }

    fn id(&self, i: usize) -> &[u8] {
        &self.map[self.lookup + i * HASH_LEN..self.lookup + (i + 1) * HASH_LEN]
    }

    fn find(&self, id: &[u8]) -> Option<usize> {
        let first = usize::from(id[0]);
        let mut lo = match first {
            0 => 0,
            _ => be32(&self.map, self.fanout + (first - 1) * 4)? as usize,
        };
        let mut hi = (be32(&self.map, self.fanout + first * 4)? as usize).min(self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.id(mid).cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

/// A commit as the graph records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The commit's parents, in order, as the graph lists them.
    pub parents: Vec<Oid>,
    /// The committer date, as git's revision walk reads it.
    pub(crate) date: u64,
}

/// The graph layers of a repository, base first.
pub struct Graph {
    layers: Vec<Layer>,
    /// Commits in the layers before each layer.
    before: Vec<usize>,
}

impl Graph {
    /// The graph of the objects directory `objects`, if it has a usable one.
    pub fn open(objects: &Path) -> Option<Graph> {
        let info = objects.join("info");
        if let Some(single) = Layer::open(&info.join("commit-graph")) {
            return Graph::new(vec![single]);
        }
        let dir = info.join("commit-graphs");
        let chain = std::fs::read_to_string(dir.join("commit-graph-chain")).ok()?;
        let mut layers = Vec::new();
        for line in chain.lines() {
            let hash = line.trim();
            if hash.len() != 2 * HASH_LEN || !hash.bytes().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            layers.push(Layer::open(&dir.join(format!("graph-{hash}.graph")))?);
        }
        Graph::new(layers)
    }

    fn new(layers: Vec<Layer>) -> Option<Graph> {
        if layers.is_empty() {
            return None;
        }
        let mut before = Vec::with_capacity(layers.len());
        let mut total = 0usize;
        for l in &layers {
            before.push(total);
            total = total.checked_add(l.count)?;
        }
        Some(Graph { layers, before })
    }

    fn total(&self) -> usize {
        self.before.last().copied().unwrap_or(0) + self.layers.last().map_or(0, |l| l.count)
    }

    /// The id at a position counted across the layers.
    fn id_at(&self, pos: u32) -> Option<Oid> {
        let pos = pos as usize;
        if pos >= self.total() {
            return None;
        }
        let k = self.before.partition_point(|&b| b <= pos) - 1;
        Oid::from_bytes(self.layers[k].id(pos - self.before[k]))
    }

    fn entry_at(&self, k: usize, i: usize) -> Option<Entry> {
        let l = &self.layers[k];
        let at = l.data + i * DATA_LEN + HASH_LEN;
        let b = &l.map[..];
        let (p1, p2) = (be32(b, at)?, be32(b, at + 4)?);
        let date = (u64::from(be32(b, at + 8)? & 3) << 32) | u64::from(be32(b, at + 12)?);
        let mut parents = Vec::new();
        if p1 != NO_PARENT {
            parents.push(self.id_at(p1)?);
        }
        if p2 & EXTRA_EDGES != 0 {
            let (start, len) = l.edges?;
            let mut e = (p2 & !EXTRA_EDGES) as usize * 4;
            loop {
                if e + 4 > len {
                    return None;
                }
                let word = be32(b, start + e)?;
                parents.push(self.id_at(word & !LAST_EDGE)?);
                if word & LAST_EDGE != 0 {
                    break;
                }
                e += 4;
            }
        } else if p2 != NO_PARENT {
            parents.push(self.id_at(p2)?);
        }
        Some(Entry { parents, date })
    }

    /// The parents and date of `id`, if the graph has it.
    pub fn get(&self, id: &Oid) -> Option<Entry> {
        // newest layer first: a commit is in exactly one
        for (k, l) in self.layers.iter().enumerate().rev() {
            if let Some(i) = l.find(id.as_bytes()) {
                return self.entry_at(k, i);
            }
        }
        None
    }
}
