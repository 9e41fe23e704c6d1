//! The object formats policy-check reads itself, straight from bytes a
//! push can carry: git deltas, raw tree objects and the index's cache-tree
//! record. Any input must give a result or an error, never a panic, and a
//! delta result must have the size its header declares.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_check::git::odb::{apply_delta, next_entry};
use policy_check::git::staged::cached_root_tree;

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |&b| b as usize) % (data.len().max(1));
    let (base, delta) = data.split_at(split);
    if let Ok(out) = apply_delta(base, delta) {
        assert!(out.len() <= delta.len().saturating_mul(0x10000) + delta.len());
    }
    let mut at = 0;
    let mut entries = 0;
    while let Ok(Some(e)) = next_entry(data, &mut at) {
        assert_eq!(e.id.len(), 20);
        assert!(!e.name.is_empty());
        assert!(at <= data.len());
        entries += 1;
    }
    assert!(entries <= data.len() / 22 + 1);
    let _ = cached_root_tree(data);
});
