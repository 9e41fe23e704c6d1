//! The secrets family over an arbitrary added file and commit message: no
//! panic, every finding on a line the file has, every snippet redacted
//! (reports escape control characters themselves: `diag::escape`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy_check::message::Message;
use policy_check::model::{Change, FileChange, Status};
use policy_check::policy::{Policy, Run, Source};

fuzz_target!(|data: &[u8]| {
    static POLICY: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
    let policy = POLICY.get_or_init(|| {
        Policy::load(Source::text("fuzz.toml", "[secrets]\n")).expect("the policy loads")
    });
    let text = String::from_utf8_lossy(data).into_owned();
    let mut file = FileChange::new("conf/app.env".into(), Status::Added, 0, 0o100644);
    file.set_text(text);
    file.added = (1..=file.line_count()).collect();
    let lines = file.line_count();
    let change = Change {
        id: "0".repeat(40),
        parents: Vec::new(),
        author: None,
        committer: None,
        message: Some(Message::parse(data, None, "#")),
        files: Some(vec![file]),
        is_merge: false,
    };
    let run = Run::new(policy);
    let outcome = policy_check::engine::check(&run, &change);
    for f in &outcome.findings {
        if let Some(line) = f.line {
            assert!(f.path.is_none() || (line >= 1 && line <= lines.max(1)), "line {line} of {lines}");
        }
        if let Some(s) = &f.snippet {
            assert!(s.contains("[REDACTED]"), "{s:?}");
        }
    }
});
