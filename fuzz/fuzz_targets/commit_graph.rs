//! Our commit-graph reader (`git/plumbing/graph.rs`) on a hostile
//! `objects/info/commit-graph` file: it opens or declines, and every lookup
//! answers or misses, never a panic or a read outside the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_check::git::graph::Graph;
use policy_check::git::Oid;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let info = dir.path().join("info");
    if std::fs::create_dir_all(&info).is_err()
        || std::fs::write(info.join("commit-graph"), data).is_err()
    {
        return;
    }
    let Some(graph) = Graph::open(dir.path()) else { return };
    // look up ids the file itself holds (its OID lookup chunk), and others
    for chunk in data.chunks(20).take(64) {
        let mut id = [0u8; 20];
        id[..chunk.len()].copy_from_slice(chunk);
        if let Some(oid) = Oid::from_bytes(&id) {
            if let Some(e) = graph.get(&oid) {
                assert!(e.parents.len() <= data.len() / 4 + 2);
            }
        }
    }
});
