//! Reading trees and blobs straight from the pack files, for scans.
//!
//! libgit2 resolves a deltified object by inflating its whole delta chain
//! and keeps only the chain's base in its cache. A scan reads the versions
//! of a file one after another, and in a pack each version is a delta on
//! the next, so every read re-inflated up to fifty deltas: three times the
//! inflating `git log -p` does for the same history. This reader maps the
//! pack files and keeps every object it resolves (bases and results) in a
//! bounded cache, so the next version of a file costs one delta.
//!
//! Anything it does not find in a pack it knows (loose objects, objects
//! behind an alternate it could not read, a pack with an old index format)
//! is read through libgit2, and so is anything it finds malformed: it is
//! never less complete or less careful than libgit2 alone.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::git::id::Repository;
use crate::oid::Oid;
use flate2::{Decompress, FlushDecompress, Status};
use git2::ObjectType;
use memmap2::Mmap;

/// Bytes of resolved objects kept for all threads, at most. git keeps
/// 96 MiB of delta bases (`core.deltaBaseCacheLimit`); this cache also keeps
/// results, so the next version of a file is one delta away, and 64 MiB
/// already inflates fewer objects than git does on the benchmark's
/// synthetic history (325,000 inflations against git's 374,000; 96 MiB:
/// 253,000, at 70 MB more peak memory).
const CACHE_BYTES: usize = 64 << 20;

/// A small repository needs less: the cache is four times the size of its
/// packs, but no less than this.
const CACHE_MIN_BYTES: usize = 16 << 20;

/// The cache limit for packs of `pack_bytes` in all.
fn cache_limit(pack_bytes: u64) -> usize {
    usize::try_from(pack_bytes.saturating_mul(4))
        .unwrap_or(usize::MAX)
        .clamp(CACHE_MIN_BYTES, CACHE_BYTES)
}

/// Compressed bytes read from the packs between two releases of their pages.
const RELEASE_EVERY: usize = 16 << 20;

/// Longer delta chains are refused (git's default depth is 50, `gc
/// --aggressive` uses 250; a cycle of ref-deltas would never end).
const MAX_CHAIN: usize = 10_000;

/// Allocation made up front for an object whose size the pack declares; the
/// rest grows as data really arrives, so a lying header cannot exhaust memory.
const MAX_PREALLOC: u64 = 64 << 20;

const IDX_MAGIC: &[u8; 4] = b"\xfftOc";
const FANOUT: usize = 8;
const NAMES: usize = FANOUT + 256 * 4;

/// What kind of object a store returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A commit: headers, a blank line, the message.
    Commit,
    /// A tree: entries of mode, name and id.
    Tree,
    /// A blob: a file's bytes.
    Blob,
    /// An annotated tag.
    Tag,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Commit => "commit",
            Kind::Tree => "tree",
            Kind::Blob => "blob",
            Kind::Tag => "tag",
        }
    }
}

/// An object's kind and content (shared with the cache, so cheap to clone).
#[derive(Debug, Clone)]
pub struct Object {
    /// The object's type.
    pub kind: Kind,
    /// Its content, inflated and with deltas applied (without git's
    /// `kind size\0` header).
    pub data: Arc<Vec<u8>>,
}

/// One pack: its index and data, mapped.
struct Pack {
    path: PathBuf,
    idx: Mmap,
    data: Mmap,
    count: usize,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

fn map(path: &Path) -> std::io::Result<Mmap> {
    let file = std::fs::File::open(path)?;
    // SAFETY: git writes pack and index files under temporary names and
    // renames them into place; once there they are never modified, only
    // deleted (which keeps a mapping valid). git itself maps them the same way.
    unsafe { Mmap::map(&file) }
}

impl Pack {
    /// Maps a version-2 index and its pack; `None` (and libgit2 reads those
    /// objects) for anything else.
    fn open(idx_path: &Path) -> Option<Pack> {
        let path = idx_path.with_extension("pack");
        let (idx, data) = match (map(idx_path), map(&path)) {
            (Ok(i), Ok(d)) => (i, d),
            _ => return None,
        };
        if idx.get(..4)? != IDX_MAGIC || be32(&idx, 4)? != 2 {
            tracing::debug!("{}: not a version-2 pack index", idx_path.display());
            return None;
        }
        let count = be32(&idx, FANOUT + 255 * 4)? as usize;
        // names, CRCs and 32-bit offsets, then two checksums
        if idx.len() < NAMES + count * 28 + 40
            || data.get(..4)? != b"PACK"
            || be32(&data, 8)? as usize != count
        {
            tracing::debug!("{}: index and pack disagree", idx_path.display());
            return None;
        }
        Some(Pack {
            path,
            idx,
            data,
            count,
        })
    }

    fn fanout(&self, byte: usize) -> usize {
        be32(&self.idx, FANOUT + byte * 4).unwrap_or(0) as usize
    }

    /// The offset of `id` in this pack, if it has it.
    fn find(&self, id: &[u8]) -> Option<u64> {
        let first = id[0] as usize;
        let mut lo = if first == 0 {
            0
        } else {
            self.fanout(first - 1)
        };
        let mut hi = self.fanout(first).min(self.count);
        // The first eight bytes as one number settle almost every step.
        let head = |b: &[u8]| u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        let (key, rest) = (head(id.get(..8)?), &id[8..]);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at = NAMES + mid * 20;
            let name = self.idx.get(at..at + 20)?;
            match head(name).cmp(&key).then_with(|| name[8..].cmp(rest)) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.offset(mid),
            }
        }
        None
    }

    fn offset(&self, i: usize) -> Option<u64> {
        let small = be32(&self.idx, NAMES + self.count * 24 + i * 4)?;
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        let at = NAMES + self.count * 28 + (small & 0x7fff_ffff) as usize * 8;
        let b = self.idx.get(at..at + 8)?;
        Some(u64::from_be_bytes(b.try_into().ok()?))
    }
}

/// The packs of a set of object directories and the objects resolved from
/// them, shared by every worker thread: mapping the packs once and keeping
/// one cache keeps memory as `git log` has it, and a version of a file that
/// one worker resolved serves the other.
struct PackSet {
    /// The object directories, for loose objects.
    dirs: Vec<PathBuf>,
    packs: Vec<Pack>,
    /// Compressed bytes inflated since the mapped pages were last let go.
    inflated: std::sync::atomic::AtomicUsize,
    cache: Mutex<Cache>,
}

/// Object directories to search besides the repository's own: the
/// quarantine of a push being received.
static EXTRA_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Makes the objects under `dir` (an objects directory) readable by every
/// store opened afterwards, as `Odb::add_disk_alternate` does for libgit2.
pub(crate) fn add_object_dir(dir: &Path) {
    let mut dirs = EXTRA_DIRS.lock().unwrap_or_else(|e| e.into_inner());
    if !dirs.iter().any(|d| d == dir) {
        dirs.push(dir.to_path_buf());
    }
}

/// The objects directory and its alternates, as git lists them.
fn object_dirs(repo: &Repository) -> Vec<PathBuf> {
    let mut dirs = vec![repo.raw().commondir().join("objects")];
    let extra = EXTRA_DIRS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    dirs.extend(extra);
    let mut i = 0;
    while i < dirs.len() && dirs.len() < 64 {
        let alternates = dirs[i].join("info").join("alternates");
        if let Ok(text) = std::fs::read_to_string(&alternates) {
            for line in text.lines() {
                let line = line.trim_end();
                // quoted paths are left to libgit2
                if line.is_empty() || line.starts_with('#') || line.starts_with('"') {
                    continue;
                }
                let p = dirs[i].join(line);
                if !dirs.contains(&p) {
                    dirs.push(p);
                }
            }
        }
        i += 1;
    }
    dirs
}

/// The packs under `dirs`, mapped once per process for each distinct set of
/// pack files (a repack in between gives a new set).
fn pack_set(dirs: &[PathBuf]) -> Arc<PackSet> {
    type Listing = Vec<(PathBuf, std::time::SystemTime)>;
    type Sets = Mutex<Vec<(Vec<PathBuf>, Listing, Arc<PackSet>)>>;
    static SETS: OnceLock<Sets> = OnceLock::new();
    let mut found: Listing = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir.join("pack")) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "idx") {
                let mtime = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .unwrap_or(std::time::UNIX_EPOCH);
                found.push((p, mtime));
            }
        }
    }
    // newest first, as git searches them: recent objects live in recent packs
    found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let sets = SETS.get_or_init(Default::default);
    let mut sets = sets.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, _, set)) = sets.iter().find(|(d, l, _)| d == dirs && *l == found) {
        return set.clone();
    }
    let packs: Vec<Pack> = found.iter().filter_map(|(p, _)| Pack::open(p)).collect();
    let pack_bytes = packs.iter().map(|p| p.data.len() as u64).sum();
    let set = Arc::new(PackSet {
        dirs: dirs.to_vec(),
        packs,
        inflated: Default::default(),
        cache: Mutex::new(Cache {
            map: HashMap::default(),
            bytes: 0,
            limit: cache_limit(pack_bytes),
            tick: 0,
        }),
    });
    sets.push((dirs.to_vec(), found, set.clone()));
    set
}

/// A hasher for (pack, offset) keys, which are already well spread.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type Key = (u32, u64);

/// A cached object: its kind, content, and when it was last used.
type Slot = (Kind, Arc<Vec<u8>>, u64);

/// Resolved objects by pack position, least recently used evicted first.
struct Cache {
    map: HashMap<Key, Slot, BuildHasherDefault<KeyHasher>>,
    bytes: usize,
    /// What `bytes` may reach before the least recently used go.
    limit: usize,
    tick: u64,
}

impl Cache {
    fn get(&mut self, key: Key) -> Option<Object> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(&key).map(|(kind, data, used)| {
            *used = tick;
            Object {
                kind: *kind,
                data: data.clone(),
            }
        })
    }

    fn put(&mut self, key: Key, kind: Kind, data: &Arc<Vec<u8>>) {
        if data.len() > self.limit / 8 {
            return;
        }
        self.tick += 1;
        if let Some(old) = self.map.insert(key, (kind, data.clone(), self.tick)) {
            self.bytes -= old.1.len();
        }
        self.bytes += data.len();
        if self.bytes > self.limit {
            // Evict the least recently used quarter at once, so eviction
            // costs little per insertion.
            let mut ages: Vec<(u64, Key)> = self.map.iter().map(|(k, v)| (v.2, *k)).collect();
            ages.sort_unstable();
            for (_, k) in ages {
                if self.bytes <= self.limit / 4 * 3 {
                    break;
                }
                if let Some(v) = self.map.remove(&k) {
                    self.bytes -= v.1.len();
                }
            }
        }
    }
}

fn corrupt(pack: &Pack, ofs: u64, what: &str) -> String {
    format!("{} at offset {ofs}: {what}", pack.path.display())
}

/// An entry's type, declared size, and where its data starts.
fn entry_header(pack: &Pack, ofs: u64) -> Result<(u8, u64, usize), String> {
    let data = &pack.data[..];
    let mut at = usize::try_from(ofs).map_err(|_| corrupt(pack, ofs, "offset too large"))?;
    let bad = || corrupt(pack, ofs, "truncated entry header");
    let mut c = *data.get(at).ok_or_else(bad)?;
    at += 1;
    let kind = (c >> 4) & 7;
    let mut size = u64::from(c & 15);
    let mut shift = 4;
    while c & 0x80 != 0 {
        c = *data.get(at).ok_or_else(bad)?;
        at += 1;
        if shift > 57 {
            return Err(corrupt(pack, ofs, "entry size overflows"));
        }
        size |= u64::from(c & 0x7f) << shift;
        shift += 7;
    }
    Ok((kind, size, at))
}

/// The base of an offset delta, and where the delta data starts.
/// Where a delta entry's base is: earlier in the same pack (OFS_DELTA), or
/// named by its id (REF_DELTA).
enum DeltaBase {
    At(u64),
    Id(Oid),
}

/// One link of a delta chain, for an entry of type 6 or 7 at `at` whose
/// header ends at `start`: (entry, start of its delta data, inflated delta
/// size), and where its base is.
fn delta_link(
    pack: &Pack,
    at: u64,
    t: u8,
    size: u64,
    start: usize,
) -> Result<((u64, usize, u64), DeltaBase), String> {
    if t == 6 {
        let (b, start) = ofs_base(pack, at, start)?;
        return Ok(((at, start, size), DeltaBase::At(b)));
    }
    let id = pack
        .data
        .get(start..start + 20)
        .ok_or_else(|| corrupt(pack, at, "truncated delta base id"))?;
    let id = Oid::from_bytes(id).ok_or_else(|| corrupt(pack, at, "bad delta base id"))?;
    Ok(((at, start + 20, size), DeltaBase::Id(id)))
}

fn ofs_base(pack: &Pack, ofs: u64, mut at: usize) -> Result<(u64, usize), String> {
    let bad = || corrupt(pack, ofs, "truncated delta base offset");
    let mut c = *pack.data.get(at).ok_or_else(bad)?;
    at += 1;
    let mut rel = u64::from(c & 0x7f);
    while c & 0x80 != 0 {
        c = *pack.data.get(at).ok_or_else(bad)?;
        at += 1;
        rel = rel
            .checked_add(1)
            .and_then(|r| r.checked_mul(128))
            .ok_or_else(|| corrupt(pack, ofs, "delta base offset overflows"))?
            | u64::from(c & 0x7f);
    }
    if rel == 0 || rel > ofs {
        return Err(corrupt(pack, ofs, "delta base outside the pack"));
    }
    Ok((ofs - rel, at))
}

/// The compressed data of the entry at `ofs`, from `start` to the pack's end
/// (the stream says where it stops).
fn entry_data(pack: &Pack, ofs: u64, start: usize) -> Result<&[u8], String> {
    pack.data
        .get(start..)
        .ok_or_else(|| corrupt(pack, ofs, "truncated entry"))
}

fn kind_of(t: u8) -> Option<Kind> {
    match t {
        1 => Some(Kind::Commit),
        2 => Some(Kind::Tree),
        3 => Some(Kind::Blob),
        4 => Some(Kind::Tag),
        _ => None,
    }
}

fn varint(b: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let c = *b.get(*at)?;
        *at += 1;
        if shift > 63 {
            return None;
        }
        v |= u64::from(c & 0x7f) << shift;
        shift += 7;
        if c & 0x80 == 0 {
            return Some(v);
        }
    }
}

/// Applies a git delta to its base.
pub fn apply_delta(base: &[u8], delta: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut at = 0;
    let src = varint(delta, &mut at).ok_or("truncated delta header")?;
    let dst = varint(delta, &mut at).ok_or("truncated delta header")?;
    if src != base.len() as u64 {
        return Err("delta base has the wrong size");
    }
    let mut out = Vec::with_capacity(dst.min(MAX_PREALLOC) as usize);
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let (mut off, mut len) = (0usize, 0usize);
            for i in 0..4 {
                if op & (1 << i) != 0 {
                    off |= usize::from(*delta.get(at).ok_or("truncated delta")?) << (8 * i);
                    at += 1;
                }
            }
            for i in 0..3 {
                if op & (0x10 << i) != 0 {
                    len |= usize::from(*delta.get(at).ok_or("truncated delta")?) << (8 * i);
                    at += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            let piece = off
                .checked_add(len)
                .and_then(|end| base.get(off..end))
                .ok_or("delta copies from outside its base")?;
            out.extend_from_slice(piece);
        } else if op != 0 {
            let piece = delta
                .get(at..at + usize::from(op))
                .ok_or("truncated delta")?;
            out.extend_from_slice(piece);
            at += usize::from(op);
        } else {
            return Err("delta has a reserved opcode");
        }
        if out.len() as u64 > dst {
            return Err("delta result is larger than declared");
        }
    }
    if out.len() as u64 != dst {
        return Err("delta result is smaller than declared");
    }
    Ok(out)
}

/// Reads objects for one thread: packs directly, anything else by libgit2.
pub struct ObjectStore<'r> {
    odb: git2::Odb<'r>,
    packs: Arc<PackSet>,
    /// The pack that answered last: consecutive objects share packs.
    last: std::cell::Cell<usize>,
    inflater: RefCell<Decompress>,
}

impl<'r> ObjectStore<'r> {
    /// A store over `repo`'s objects: the packs of its object directory
    /// and its alternates (mapped once per process and shared while their
    /// listing is unchanged), loose objects, and libgit2's object database
    /// for anything else. Fails only when libgit2 cannot open that database.
    pub fn new(repo: &'r Repository) -> Result<Self, git2::Error> {
        Ok(ObjectStore {
            odb: repo.raw().odb()?,
            packs: pack_set(&object_dirs(repo)),
            last: std::cell::Cell::new(0),
            inflater: RefCell::new(Decompress::new(true)),
        })
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.packs.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The number of packs this store reads directly.
    pub fn pack_count(&self) -> usize {
        self.packs.packs.len()
    }

    fn locate(&self, id: &[u8]) -> Option<(usize, u64)> {
        let packs = &self.packs.packs;
        let last = self.last.get();
        if let Some(ofs) = packs.get(last).and_then(|p| p.find(id)) {
            return Some((last, ofs));
        }
        for (i, p) in packs.iter().enumerate() {
            if i != last {
                if let Some(ofs) = p.find(id) {
                    self.last.set(i);
                    return Some((i, ofs));
                }
            }
        }
        None
    }

    /// Reads an object.
    pub fn read(&self, id: Oid) -> Result<Object, git2::Error> {
        self.read_at_depth(id, 0)
    }

    /// Reads an object that must be of `kind`.
    pub(crate) fn read_kind(&self, id: Oid, kind: Kind) -> Result<Object, git2::Error> {
        let obj = self.read(id)?;
        check_kind(id, &obj, kind)?;
        Ok(obj)
    }

    /// Reads an object that must be of `kind` and is read once (a walk's
    /// commits): an undeltified packed object skips the cache, which keeps
    /// its room for what is read again.
    pub(crate) fn read_once(&self, id: Oid, kind: Kind) -> Result<Object, git2::Error> {
        if let Some((p, ofs)) = self.locate(id.as_bytes()) {
            let pack = &self.packs.packs[p];
            if let Ok((t, size, start)) = entry_header(pack, ofs) {
                if kind_of(t) == Some(kind) {
                    match self.inflate(pack, ofs, start, size) {
                        Ok(data) => {
                            return Ok(Object {
                                kind,
                                data: Arc::new(data),
                            })
                        }
                        Err(e) => tracing::debug!("{id}: {e}; reading it again"),
                    }
                }
            }
        }
        self.read_kind(id, kind)
    }

    fn read_at_depth(&self, id: Oid, depth: usize) -> Result<Object, git2::Error> {
        if let Some((p, ofs)) = self.locate(id.as_bytes()) {
            match self.read_packed(p, ofs, depth) {
                Ok(obj) => return Ok(obj),
                Err(e) => tracing::debug!("{id}: {e}; reading it with libgit2"),
            }
        }
        match self.read_loose(id, u64::MAX) {
            Ok(Some(Limited::Object(obj))) => return Ok(obj),
            Ok(_) => {}
            Err(e) => tracing::debug!("{id}: {e}; reading it with libgit2"),
        }
        self.read_libgit2(id)
    }

    /// Reads an object through libgit2 (loose objects it knows, alternates,
    /// anything this reader found malformed).
    fn read_libgit2(&self, id: Oid) -> Result<Object, git2::Error> {
        let obj = self.odb.read(id.raw())?;
        let kind = match obj.kind() {
            ObjectType::Commit => Kind::Commit,
            ObjectType::Tree => Kind::Tree,
            ObjectType::Blob => Kind::Blob,
            ObjectType::Tag => Kind::Tag,
            _ => return Err(git2::Error::from_str(&format!("object {id}: unknown type"))),
        };
        Ok(Object {
            kind,
            data: Arc::new(obj.data().to_vec()),
        })
    }

    /// The size of an object, without reading all of it.
    pub fn size(&self, id: Oid) -> Result<u64, git2::Error> {
        if let Some((p, ofs)) = self.locate(id.as_bytes()) {
            match self.packed_size(p, ofs) {
                Ok(n) => return Ok(n),
                Err(e) => tracing::debug!("{id}: {e}; reading its size with libgit2"),
            }
        }
        Ok(self.odb.read_header(id.raw())?.0 as u64)
    }

    fn packed_size(&self, p: usize, ofs: u64) -> Result<u64, String> {
        if let Some(obj) = self.cache().get((p as u32, ofs)) {
            return Ok(obj.data.len() as u64);
        }
        let pack = &self.packs.packs[p];
        let (t, size, start) = entry_header(pack, ofs)?;
        let start = match t {
            1..=4 => return Ok(size),
            6 => ofs_base(pack, ofs, start)?.1,
            7 => start + 20,
            _ => return Err(corrupt(pack, ofs, "unknown entry type")),
        };
        // A delta begins with its base's size and its result's size.
        let mut head = [0u8; 20];
        let input = entry_data(pack, ofs, start)?;
        let mut z = self.inflater.borrow_mut();
        z.reset(true);
        let _ = z.decompress(input, &mut head, FlushDecompress::None);
        let n = z.total_out() as usize;
        let mut at = 0;
        varint(&head[..n], &mut at)
            .and_then(|_| varint(&head[..n], &mut at))
            .ok_or_else(|| corrupt(pack, ofs, "unreadable delta header"))
    }

    fn read_packed(&self, p: usize, ofs: u64, depth: usize) -> Result<Object, String> {
        let pack = &self.packs.packs[p];
        let key = p as u32;
        // Walk down the chain to something cached or a whole object...
        let mut chain: Vec<(u64, usize, u64)> = Vec::new();
        let mut at = ofs;
        let mut base = loop {
            if let Some(obj) = self.cache().get((key, at)) {
                break obj;
            }
            if chain.len() + depth > MAX_CHAIN {
                return Err(corrupt(pack, ofs, "delta chain too long"));
            }
            let (t, size, start) = entry_header(pack, at)?;
            match t {
                6 | 7 => {
                    let (link, base) = delta_link(pack, at, t, size, start)?;
                    chain.push(link);
                    let id = match base {
                        DeltaBase::At(b) => {
                            at = b;
                            continue;
                        }
                        DeltaBase::Id(id) => id,
                    };
                    break self
                        .read_at_depth(id, depth + chain.len())
                        .map_err(|e| e.message().to_string())?;
                }
                t => {
                    let kind = kind_of(t).ok_or_else(|| corrupt(pack, at, "unknown entry type"))?;
                    let data = Arc::new(self.inflate(pack, at, start, size)?);
                    self.cache().put((key, at), kind, &data);
                    break Object { kind, data };
                }
            }
        };
        // ...then apply the deltas back up, keeping every result.
        while let Some((at, start, size)) = chain.pop() {
            let delta = self.inflate(pack, at, start, size)?;
            let data = apply_delta(&base.data, &delta).map_err(|e| corrupt(pack, at, e))?;
            base.data = Arc::new(data);
            self.cache().put((key, at), base.kind, &base.data);
        }
        Ok(base)
    }

    /// Inflates an entry's data, which must come to exactly `size` bytes.
    fn inflate(&self, pack: &Pack, ofs: u64, start: usize, size: u64) -> Result<Vec<u8>, String> {
        let input = entry_data(pack, ofs, start)?;
        let mut z = self.inflater.borrow_mut();
        z.reset(true);
        let mut out = Vec::with_capacity(size.saturating_add(1).min(MAX_PREALLOC) as usize);
        inflate_rest(&mut z, input, &mut out, size).map_err(|e| corrupt(pack, ofs, &e))?;
        self.release_pages(z.total_in() as usize);
        Ok(out)
    }

    /// Lets the kernel take back the pages of the mapped packs (and their
    /// indexes) after every [`RELEASE_EVERY`] bytes read from them. A scan
    /// touches a whole pack once; kept mapped, its pages would count against
    /// the process as the range grows (they stay in the page cache, so a
    /// page needed again is mapped back cheaply). What stays is the object
    /// cache and the pages read since the last release.
    fn release_pages(&self, read: usize) {
        use std::sync::atomic::Ordering;
        let before = self.packs.inflated.fetch_add(read, Ordering::Relaxed);
        if before / RELEASE_EVERY == (before + read) / RELEASE_EVERY {
            return;
        }
        for p in &self.packs.packs {
            // SAFETY: the mapping is a read-only shared mapping of a file
            // that is never modified in place (see `map`); MADV_DONTNEED on
            // it only drops pages, and the next access maps the same bytes
            // back from the file. No borrowed slice changes.
            let _ = unsafe { p.data.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
            // SAFETY: as above; index files are equally never modified in place.
            let _ = unsafe { p.idx.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
    }

    /// A loose object, if one of the object directories has it: `Ok(None)`
    /// when none does, [`Limited::TooLarge`] without inflating more than its
    /// header when it is larger than `max`.
    fn read_loose(&self, id: Oid, max: u64) -> Result<Option<Limited>, String> {
        let hex = id.to_string();
        for dir in &self.packs.dirs {
            let path = dir.join(&hex[..2]).join(&hex[2..]);
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("{}: {e}", path.display())),
            };
            let bad = |what: &str| format!("{}: {what}", path.display());
            let mut z = self.inflater.borrow_mut();
            z.reset(true);
            // "<type> <size>\0", then the content
            let mut head = [0u8; 64];
            z.decompress(&bytes, &mut head, FlushDecompress::None)
                .map_err(|e| bad(&format!("cannot inflate: {e}")))?;
            let got = &head[..z.total_out() as usize];
            let nul = got
                .iter()
                .position(|&c| c == 0)
                .ok_or_else(|| bad("no object header"))?;
            let header = std::str::from_utf8(&got[..nul]).map_err(|_| bad("bad object header"))?;
            let (kind, size) = header
                .split_once(' ')
                .and_then(|(k, n)| Some((k, n.parse::<u64>().ok()?)))
                .ok_or_else(|| bad("bad object header"))?;
            let kind = match kind {
                "commit" => Kind::Commit,
                "tree" => Kind::Tree,
                "blob" => Kind::Blob,
                "tag" => Kind::Tag,
                _ => return Err(bad("unknown object type")),
            };
            if size > max {
                return Ok(Some(Limited::TooLarge(size)));
            }
            let mut out = Vec::with_capacity(size.saturating_add(1).min(MAX_PREALLOC) as usize);
            out.extend_from_slice(&got[nul + 1..]);
            inflate_rest(&mut z, &bytes, &mut out, size).map_err(|e| bad(&e))?;
            return Ok(Some(Limited::Object(Object {
                kind,
                data: Arc::new(out),
            })));
        }
        Ok(None)
    }

    /// Reads an object of `kind` unless it is larger than `max` bytes; either
    /// way it says the object's size. Loose objects are opened once for both.
    pub fn read_limited(&self, id: Oid, kind: Kind, max: u64) -> Result<Limited, git2::Error> {
        // One lookup: packed, else loose, else libgit2.
        let found = match self.locate(id.as_bytes()) {
            Some((p, ofs)) => self.packed_size(p, ofs).and_then(|size| {
                if size > max {
                    Ok(Some(Limited::TooLarge(size)))
                } else {
                    self.read_packed(p, ofs, 0)
                        .map(|o| Some(Limited::Object(o)))
                }
            }),
            None => self.read_loose(id, max),
        };
        let limited = match found {
            Ok(Some(l)) => l,
            Ok(None) => self.read_limited_libgit2(id, max)?,
            Err(e) => {
                tracing::debug!("{id}: {e}; reading it with libgit2");
                self.read_limited_libgit2(id, max)?
            }
        };
        if let Limited::Object(obj) = &limited {
            check_kind(id, obj, kind)?;
        }
        Ok(limited)
    }

    /// Hands a blob's content to `f` in pieces of at most `piece` bytes,
    /// without ever holding it whole: a loose object or a packed one that is
    /// not a delta is inflated a piece at a time; a deltified one is rebuilt
    /// through temporary files (see [`ObjectStore::stream_delta`]). Memory
    /// stays flat whatever the blob's size. Returns the number of bytes
    /// handed over.
    pub(crate) fn stream_blob(
        &self,
        id: Oid,
        piece: usize,
        f: &mut dyn FnMut(&[u8]),
    ) -> Result<u64, git2::Error> {
        self.stream_blob_at(id, piece.max(1), 0, &mut |c| {
            f(c);
            Ok(())
        })
        .map_err(|e| git2::Error::from_str(&format!("cannot stream blob {id}: {e}")))
    }

    /// [`ObjectStore::stream_blob`], `depth` deltas down a chain.
    fn stream_blob_at(
        &self,
        id: Oid,
        piece: usize,
        depth: usize,
        f: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<u64, String> {
        if depth > MAX_CHAIN {
            return Err("delta chain too long".into());
        }
        if let Some((p, ofs)) = self.locate(id.as_bytes()) {
            let pack = &self.packs.packs[p];
            let (t, size, start) = entry_header(pack, ofs)?;
            match t {
                3 => {
                    self.stream_entry(pack, ofs, start, size, piece, f)?;
                    return Ok(size);
                }
                6 | 7 => {
                    if let Some(n) = self.stream_delta(p, ofs, piece, depth, f)? {
                        return Ok(n);
                    }
                }
                _ => {}
            }
        } else if let Some(n) = self.stream_loose(id, piece, f)? {
            return Ok(n);
        }
        // Not a blob, or an object only libgit2 can read: whole, then in pieces.
        let obj = self
            .read_kind(id, Kind::Blob)
            .map_err(|e| e.message().to_string())?;
        for c in obj.data.chunks(piece) {
            f(c)?;
        }
        Ok(obj.data.len() as u64)
    }

    /// Inflates the whole (undeltified) entry at `ofs` and hands it to `f`
    /// in pieces of `piece` bytes, releasing the pack's pages as it goes.
    fn stream_entry(
        &self,
        pack: &Pack,
        ofs: u64,
        start: usize,
        size: u64,
        piece: usize,
        f: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(), String> {
        let input = entry_data(pack, ofs, start)?;
        let mut z = Decompress::new(true);
        let mut buf = vec![0u8; piece];
        let mut released = 0usize;
        loop {
            let (in0, out0) = (z.total_in() as usize, z.total_out());
            let status = z
                .decompress(
                    &input[in0.min(input.len())..],
                    &mut buf,
                    FlushDecompress::None,
                )
                .map_err(|e| corrupt(pack, ofs, &format!("cannot inflate: {e}")))?;
            let n = (z.total_out() - out0) as usize;
            if z.total_out() > size {
                return Err(corrupt(pack, ofs, "larger than declared"));
            }
            if n > 0 {
                f(&buf[..n])?;
            }
            let consumed = z.total_in() as usize;
            if consumed - released > RELEASE_EVERY {
                self.release_pages(consumed - released);
                released = consumed;
            }
            if status == Status::StreamEnd {
                break;
            }
            if n == 0 && consumed == in0 {
                return Err(corrupt(pack, ofs, "truncated"));
            }
        }
        self.release_pages(z.total_in() as usize - released);
        if z.total_out() != size {
            return Err(corrupt(pack, ofs, "size differs from its header"));
        }
        Ok(())
    }

    /// A blob streamed into an unlinked temporary file: (file, size).
    fn blob_to_file(&self, id: Oid, piece: usize, depth: usize) -> Result<(File, u64), String> {
        let mut w = std::io::BufWriter::new(tempfile::tempfile().map_err(temp_err)?);
        let n = self.stream_blob_at(id, piece, depth, &mut |c| w.write_all(c).map_err(temp_err))?;
        let file = w.into_inner().map_err(|e| temp_err(e.into_error()))?;
        Ok((file, n))
    }

    /// [`ObjectStore::stream_blob`] of a deltified packed blob, without
    /// holding it whole: the chain's base is streamed into an unlinked
    /// temporary file; each delta, inflated as it is read, is applied from
    /// that file into the next (the last one straight into pieces for
    /// `f`). Memory stays at a few pieces; disk holds two copies of the
    /// blob at most. `Ok(None)`: the chain does not end in a blob.
    fn stream_delta(
        &self,
        p: usize,
        ofs: u64,
        piece: usize,
        depth: usize,
        f: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<Option<u64>, String> {
        use std::os::unix::fs::FileExt;
        let pack = &self.packs.packs[p];
        // (entry, start of its delta data, inflated delta size), target first
        let mut chain: Vec<(u64, usize, u64)> = Vec::new();
        let mut at = ofs;
        let (mut base, mut base_size) = loop {
            if chain.len() + depth > MAX_CHAIN {
                return Err(corrupt(pack, ofs, "delta chain too long"));
            }
            let (t, size, start) = entry_header(pack, at)?;
            match t {
                6 | 7 => {
                    let (link, base) = delta_link(pack, at, t, size, start)?;
                    chain.push(link);
                    let id = match base {
                        DeltaBase::At(b) => {
                            at = b;
                            continue;
                        }
                        DeltaBase::Id(id) => id,
                    };
                    break self.blob_to_file(id, piece, depth + chain.len())?;
                }
                3 => {
                    let mut w = std::io::BufWriter::new(tempfile::tempfile().map_err(temp_err)?);
                    self.stream_entry(pack, at, start, size, piece, &mut |c| {
                        w.write_all(c).map_err(temp_err)
                    })?;
                    let file = w.into_inner().map_err(|e| temp_err(e.into_error()))?;
                    break (file, size);
                }
                _ => return Ok(None),
            }
        };
        let mut buf = vec![0u8; piece];
        while let Some((at, start, size)) = chain.pop() {
            let last = chain.is_empty();
            let bad = |what: &str| corrupt(pack, at, what);
            let input = entry_data(pack, at, start)?;
            let mut d = std::io::BufReader::with_capacity(
                64 << 10,
                flate2::bufread::ZlibDecoder::new(input),
            );
            let byte = |d: &mut dyn std::io::Read| -> Result<Option<u8>, String> {
                let mut b = [0u8; 1];
                match d.read(&mut b) {
                    Ok(0) => Ok(None),
                    Ok(_) => Ok(Some(b[0])),
                    Err(e) => Err(format!("cannot inflate: {e}")),
                }
            };
            let varint = |d: &mut dyn std::io::Read| -> Result<u64, String> {
                let mut v = 0u64;
                for shift in (0..64).step_by(7) {
                    let c = byte(d)?.ok_or("truncated delta header")?;
                    v |= u64::from(c & 0x7f) << shift;
                    if c & 0x80 == 0 {
                        return Ok(v);
                    }
                }
                Err("delta header overflows".into())
            };
            let src = varint(&mut d).map_err(|e| bad(&e))?;
            let dst = varint(&mut d).map_err(|e| bad(&e))?;
            if src != base_size {
                return Err(bad("delta base has the wrong size"));
            }
            let mut next = if last {
                None
            } else {
                Some(std::io::BufWriter::new(
                    tempfile::tempfile().map_err(temp_err)?,
                ))
            };
            let mut out: Vec<u8> = Vec::with_capacity(piece);
            let mut written = 0u64;
            // appends to the output: `out` is handed on once a piece is full
            let mut emit = |bytes: &[u8],
                            out: &mut Vec<u8>,
                            next: &mut Option<std::io::BufWriter<File>>|
             -> Result<(), String> {
                written += bytes.len() as u64;
                if written > dst {
                    return Err(bad("delta result is larger than declared"));
                }
                match next {
                    Some(w) => w.write_all(bytes).map_err(temp_err),
                    None => {
                        let mut rest = bytes;
                        while !rest.is_empty() {
                            let n = rest.len().min(piece - out.len());
                            out.extend_from_slice(&rest[..n]);
                            rest = &rest[n..];
                            if out.len() == piece {
                                f(out)?;
                                out.clear();
                            }
                        }
                        Ok(())
                    }
                }
            };
            while let Some(op) = byte(&mut d).map_err(|e| bad(&e))? {
                if op & 0x80 != 0 {
                    let (mut off, mut len) = (0u64, 0u64);
                    for i in 0..4 {
                        if op & (1 << i) != 0 {
                            let c = byte(&mut d)?.ok_or_else(|| bad("truncated delta"))?;
                            off |= u64::from(c) << (8 * i);
                        }
                    }
                    for i in 0..3 {
                        if op & (0x10 << i) != 0 {
                            let c = byte(&mut d)?.ok_or_else(|| bad("truncated delta"))?;
                            len |= u64::from(c) << (8 * i);
                        }
                    }
                    if len == 0 {
                        len = 0x10000;
                    }
                    if off + len > base_size {
                        return Err(bad("delta copies from outside its base"));
                    }
                    let mut done = 0u64;
                    while done < len {
                        let n = (len - done).min(buf.len() as u64) as usize;
                        base.read_exact_at(&mut buf[..n], off + done)
                            .map_err(temp_err)?;
                        emit(&buf[..n], &mut out, &mut next)?;
                        done += n as u64;
                    }
                } else if op != 0 {
                    let n = usize::from(op);
                    let mut ins = [0u8; 127];
                    std::io::Read::read_exact(&mut d, &mut ins[..n])
                        .map_err(|_| bad("truncated delta"))?;
                    emit(&ins[..n], &mut out, &mut next)?;
                } else {
                    return Err(bad("delta has a reserved opcode"));
                }
            }
            if written != dst {
                return Err(bad("delta result is smaller than declared"));
            }
            let z = d.into_inner();
            if z.total_out() != size {
                return Err(bad("delta size differs from its header"));
            }
            self.release_pages(z.total_in() as usize);
            match next {
                Some(w) => {
                    base = w.into_inner().map_err(|e| temp_err(e.into_error()))?;
                    base_size = dst;
                }
                None => {
                    if !out.is_empty() {
                        f(&out)?;
                    }
                    return Ok(Some(dst));
                }
            }
        }
        Ok(None)
    }

    /// [`ObjectStore::stream_blob`] of a loose object: `None` when no object
    /// directory has it.
    fn stream_loose(
        &self,
        id: Oid,
        piece: usize,
        f: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<Option<u64>, String> {
        use std::io::Read;
        let hex = id.to_string();
        for dir in &self.packs.dirs {
            let path = dir.join(&hex[..2]).join(&hex[2..]);
            let file = match std::fs::File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("{}: {e}", path.display())),
            };
            let bad = |what: &str| format!("{}: {what}", path.display());
            let mut z = flate2::read::ZlibDecoder::new(std::io::BufReader::new(file));
            // "blob <size>\0"
            let mut header = Vec::new();
            let mut byte = [0u8; 1];
            loop {
                z.read_exact(&mut byte)
                    .map_err(|e| bad(&format!("cannot inflate: {e}")))?;
                if byte[0] == 0 {
                    break;
                }
                header.push(byte[0]);
                if header.len() > 32 {
                    return Err(bad("bad object header"));
                }
            }
            let size = std::str::from_utf8(&header)
                .ok()
                .and_then(|h| h.strip_prefix("blob "))
                .and_then(|n| n.parse::<u64>().ok())
                .ok_or_else(|| bad("not a blob"))?;
            let mut buf = vec![0u8; piece];
            let mut total = 0u64;
            loop {
                let n = z
                    .read(&mut buf)
                    .map_err(|e| bad(&format!("cannot inflate: {e}")))?;
                if n == 0 {
                    break;
                }
                total += n as u64;
                if total > size {
                    return Err(bad("larger than declared"));
                }
                f(&buf[..n])?;
            }
            if total != size {
                return Err(bad("size differs from its header"));
            }
            return Ok(Some(size));
        }
        Ok(None)
    }

    fn read_limited_libgit2(&self, id: Oid, max: u64) -> Result<Limited, git2::Error> {
        let size = self.odb.read_header(id.raw())?.0 as u64;
        if size > max {
            return Ok(Limited::TooLarge(size));
        }
        Ok(Limited::Object(self.read_libgit2(id)?))
    }
}

fn temp_err(e: std::io::Error) -> String {
    format!("cannot use a temporary file: {e}")
}

/// An object, or the size of one too large to read.
#[derive(Debug, Clone)]
pub enum Limited {
    /// The object, read whole.
    Object(Object),
    /// The object was over the limit and not read: its size in bytes.
    TooLarge(u64),
}

fn check_kind(id: Oid, obj: &Object, kind: Kind) -> Result<(), git2::Error> {
    if obj.kind != kind {
        return Err(git2::Error::from_str(&format!(
            "object {id} is a {}, not a {}",
            obj.kind.name(),
            kind.name()
        )));
    }
    Ok(())
}

/// Inflates the rest of a zlib stream (`z` has consumed `z.total_in()` bytes
/// of `input`) onto `out`, which must then hold exactly `size` bytes. Memory
/// grows only as data really arrives, so a lying header cannot exhaust it.
fn inflate_rest(
    z: &mut Decompress,
    input: &[u8],
    out: &mut Vec<u8>,
    size: u64,
) -> Result<(), String> {
    loop {
        let consumed = z.total_in() as usize;
        let produced = out.len();
        let rest = input.get(consumed..).unwrap_or_default();
        let status = z
            .decompress_vec(rest, out, FlushDecompress::Finish)
            .map_err(|e| format!("cannot inflate: {e}"))?;
        if status == Status::StreamEnd {
            break;
        }
        if out.len() as u64 > size {
            return Err("larger than declared".into());
        }
        if out.len() == out.capacity() {
            // one byte more than declared, to see the stream end where it should
            let want = size.saturating_add(1) - out.len() as u64;
            out.reserve(want.clamp(1, MAX_PREALLOC) as usize);
        } else if z.total_in() as usize == consumed && out.len() == produced {
            return Err("truncated".into());
        }
    }
    if out.len() as u64 != size {
        return Err("size differs from its header".into());
    }
    Ok(())
}

/// One entry of a tree object.
#[derive(Debug, Clone, Copy)]
pub struct TreeEntry<'a> {
    /// The git mode (`0o100644`, `0o40000` for a tree, `0o120000` a link,
    /// `0o160000` a submodule), as the entry's octal digits say.
    pub(crate) mode: u32,
    /// The entry's name: raw bytes, one path component, never empty.
    pub name: &'a [u8],
    /// The entry's object id, 20 raw bytes (see [`TreeEntry::oid`]).
    pub id: &'a [u8],
}

impl TreeEntry<'_> {
    /// The entry's id as an [`Oid`].
    pub(crate) fn oid(&self) -> Oid {
        // the parser guarantees 20 bytes
        Oid::from_bytes(self.id).unwrap_or(Oid::ZERO)
    }
}

/// Parses the entry of a raw tree at `*at`, advancing past it; `None` at the end.
pub fn next_entry<'a>(
    tree: &'a [u8],
    at: &mut usize,
) -> Result<Option<TreeEntry<'a>>, git2::Error> {
    if *at >= tree.len() {
        return Ok(None);
    }
    let bad = || git2::Error::from_str("malformed tree object");
    let rest = &tree[*at..];
    let sp = rest.iter().position(|&c| c == b' ').ok_or_else(bad)?;
    let mut mode = 0u32;
    if sp == 0 || sp > 7 {
        return Err(bad());
    }
    for &c in &rest[..sp] {
        if !(b'0'..=b'7').contains(&c) {
            return Err(bad());
        }
        mode = mode * 8 + u32::from(c - b'0');
    }
    let nul = rest[sp + 1..]
        .iter()
        .position(|&c| c == 0)
        .ok_or_else(bad)?
        + sp
        + 1;
    let id = rest.get(nul + 1..nul + 21).ok_or_else(bad)?;
    let name = &rest[sp + 1..nul];
    if name.is_empty() {
        return Err(bad());
    }
    *at += nul + 21;
    Ok(Some(TreeEntry { mode, name, id }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_copies_and_inserts() {
        let base = b"hello, world\n";
        // src 13, dst 12; copy 7 bytes at 0, insert "there"
        let delta = [13, 12, 0x90, 7, 5, b't', b'h', b'e', b'r', b'e'];
        assert_eq!(apply_delta(base, &delta).unwrap(), b"hello, there");
    }

    #[test]
    fn hostile_deltas_are_errors_not_panics() {
        let base = b"abc";
        for delta in [
            &[3u8, 1, 0x91, 9, 1][..],  // copies past the end of the base
            &[3, 1, 0][..],             // reserved opcode
            &[3, 2, 5, b'x'][..],       // insert runs past the delta
            &[4, 1, 1, b'x'][..],       // wrong base size
            &[3, 1, 2, b'x', b'y'][..], // larger than declared
            &[3, 5, 1, b'x'][..],       // smaller than declared
            &[0xff, 0xff, 0xff][..],    // truncated header
            &[3, 0x80, 0x80, 0x80][..], // truncated varint
        ] {
            assert!(apply_delta(base, delta).is_err(), "{delta:?}");
        }
    }

    #[test]
    fn tree_entries_parse_and_reject_garbage() {
        let mut t = b"100644 a.txt\0".to_vec();
        t.extend([1u8; 20]);
        t.extend(b"40000 dir\0");
        t.extend([2u8; 20]);
        let mut at = 0;
        let a = next_entry(&t, &mut at).unwrap().unwrap();
        assert_eq!((a.mode, a.name), (0o100644, &b"a.txt"[..]));
        let b = next_entry(&t, &mut at).unwrap().unwrap();
        assert_eq!(
            (b.mode, b.name, b.id),
            (0o40000, &b"dir"[..], &[2u8; 20][..])
        );
        assert!(next_entry(&t, &mut at).unwrap().is_none());
        for bad in [
            &b"100644 a\0short"[..],
            b"1x0644 a\0",
            b"100644 \0",
            b"nospace",
        ] {
            assert!(next_entry(bad, &mut 0).is_err(), "{bad:?}");
        }
    }
}
