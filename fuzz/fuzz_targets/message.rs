//! Message cleanup and trailer parsing on arbitrary bytes: no panic, and
//! the invariants that hold for git's algorithms.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_check::message::{
    cleanup, comment_string, parse_trailers, scissors_offset, CleanupMode, Message,
};

fuzz_target!(|data: &[u8]| {
    let comment = comment_string(Some("auto"), data);
    for mode in [CleanupMode::Strip, CleanupMode::Whitespace, CleanupMode::Scissors, CleanupMode::Verbatim] {
        let once = cleanup(data, mode, &comment, true);
        // Cleaning is idempotent, except (as in git) where stripping trailing
        // blanks turns a line into an exact scissors line that a second pass
        // cuts at: only modes that keep comment lines can meet one.
        let scissors_left = scissors_offset(&once, &comment) < once.len();
        if mode == CleanupMode::Strip || (mode != CleanupMode::Verbatim && !scissors_left) {
            assert_eq!(cleanup(&once, mode, &comment, true), once);
        }
    }
    let msg = Message::parse(data, None, "#");
    let lines = msg.text.split('\n').count() as u32;
    for t in parse_trailers(data, "#").iter().chain(&msg.trailers) {
        assert!(!t.key.is_empty());
        assert!(t.line >= 1 && t.line <= lines.max(1) + 1, "line {} of {lines}", t.line);
        assert!(!t.value.contains('\n'), "values are unfolded");
    }
});
