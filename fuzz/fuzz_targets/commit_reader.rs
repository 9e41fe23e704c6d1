//! Our commit reader (`git/plumbing/commit.rs`), straight from bytes a push
//! can carry: any input gives a commit or an error, never a panic, and the
//! readers agree with one another on what they share.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_check::git::commit;

fuzz_target!(|data: &[u8]| {
    let parsed = commit::parse(data);
    let head = commit::walk_header(data);
    let tree = commit::tree(data);
    let _ = commit::fsck(data);
    let _ = commit::identity(data);
    if let Ok(c) = &parsed {
        // the tree is the first header, read alone or with the rest
        assert_eq!(tree.as_ref().ok(), Some(&c.tree));
        // the walk reads the same parents as the full parse
        if let Ok((parents, _)) = &head {
            assert_eq!(parents, &c.parents);
        }
        assert!(c.message.len() <= data.len());
    }
});
