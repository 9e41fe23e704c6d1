//! The line diff and the line index over arbitrary old/new contents.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_check::git::diff::line_diff;
use policy_check::model::{FileChange, Status};

fuzz_target!(|data: &[u8]| {
    let split = data.first().map_or(0, |&b| b as usize) % (data.len().max(1));
    let (old, new) = data.split_at(split);
    let Ok((added, removed)) = line_diff(old, new) else {
        return;
    };
    let mut f = FileChange::new("f".into(), Status::Modified, 0o100644, 0o100644);
    f.set_text(String::from_utf8_lossy(new).into_owned());
    let lines = f.line_count();
    for n in &added {
        assert!(*n >= 1 && *n <= lines, "added line {n} of {lines}");
        assert!(f.line(*n).is_some());
    }
    let old_lines = old.split(|&b| b == b'\n').count() as u32;
    for (n, _) in &removed {
        assert!(*n >= 1 && *n <= old_lines);
    }
    assert!(f.line(lines + 1).is_none());
    assert!(f.line(0).is_none());
});
