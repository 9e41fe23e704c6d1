//! The SPDX header reader and expression parser on arbitrary file heads:
//! headers point at lines that exist, and parsing never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_check::model::{FileChange, Status};
use policy_check::rules::licensing::{expr, header};

fuzz_target!(|data: &[u8]| {
    let mut f = FileChange::new("f.rs".into(), Status::Added, 0, 0o100644);
    f.set_text(String::from_utf8_lossy(data).into_owned());
    let lines = f.line_count();
    for h in header::read(|n| f.line(n), 10) {
        assert!(h.line >= 1 && h.line <= lines, "header line {} of {lines}", h.line);
        assert!(h.lines.contains(&h.line));
        assert!(*h.lines.end() <= lines);
        let _ = expr::parse_found(&h.expr);
    }
    for n in 1..=lines.min(10) {
        if let Some(line) = f.line(n) {
            let _ = header::tag_value(line);
            let _ = header::is_copyright(line);
        }
    }
});
