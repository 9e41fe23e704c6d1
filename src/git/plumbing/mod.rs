//! Our own git plumbing: the pack and loose-object reader (`odb`), commit
//! parsing (`commit`), the commit-graph reader (`graph`) and the revision
//! walk (`walk`). Kept rather than gitoxide's because, measured on the
//! history rows of `scripts/bench`, gix did the same work in 1.35–1.66x the
//! time for the walk and about 2x (with 2.3x the memory) for the tree
//! diff and blob reads (docs/notes/2026-12-07-x-gix.md). Their fuzz
//! targets are under `fuzz/fuzz_targets/`.

pub mod commit;
pub mod graph;
pub mod odb;
pub mod walk;
