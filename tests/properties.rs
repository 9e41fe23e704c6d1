//! Property tests: invariants of the message algorithms over generated
//! input, shrunk to a minimal counterexample on failure.

mod common;

use policy_check::message::{cleanup, parse_trailers, CleanupMode};
use proptest::prelude::*;

/// Lines that exercise trailer detection: trailers, git-generated lines,
/// continuations, comments, prose, separators in odd places.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Signed-off-by: A <a@example.com>".to_string()),
        Just("(cherry picked from commit 0123abc)".to_string()),
        Just("  continued".to_string()),
        Just("\tcontinued with a tab".to_string()),
        Just("# comment".to_string()),
        Just("".to_string()),
        Just("---".to_string()),
        "[A-Za-z][A-Za-z0-9-]{0,12}( ?): ?[ -~]{0,20}",
        "[ -~]{0,30}",
    ]
}

fn message() -> impl Strategy<Value = String> {
    (
        "[A-Za-z][ -~]{0,20}",
        prop::collection::vec(line(), 0..12),
        any::<bool>(),
    )
        .prop_map(|(subject, lines, final_newline)| {
            let mut m = subject;
            m.push_str("\n\n");
            m.push_str(&lines.join("\n"));
            if final_newline {
                m.push('\n');
            }
            m
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn cleanup_is_idempotent(msg in message(), strip in any::<bool>()) {
        let mode = if strip { CleanupMode::Strip } else { CleanupMode::Whitespace };
        let once = cleanup(msg.as_bytes(), mode, "#", true);
        prop_assert_eq!(cleanup(&once, mode, "#", true), once);
    }

    #[test]
    fn trailers_agree_with_git(msg in message()) {
        let sb = common::Sandbox::new();
        let out = sb.git_in(sb.path(), &["interpret-trailers", "--parse", "--no-divider"], Some(msg.as_bytes()));
        prop_assert!(out.status.success());
        let theirs: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap_or((l, ""));
                (k.to_string(), v.trim().to_string())
            })
            .collect();
        let ours: Vec<(String, String)> = parse_trailers(msg.as_bytes(), "#")
            .into_iter()
            .map(|t| (t.key, t.value))
            .collect();
        prop_assert_eq!(ours, theirs, "message: {:?}", msg);
    }
}

/// Inputs the fuzzers found (tests/fuzz_regressions/message/*): cleanup
/// must agree with `git stripspace` on them, and trailers with git.
#[test]
fn fuzz_regressions_agree_with_git() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions/message");
    let sb = common::Sandbox::new();
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("regressions dir") {
        let input = std::fs::read(entry.expect("entry").path()).expect("read");
        for (mode, args) in [
            (CleanupMode::Strip, &["stripspace", "--strip-comments"][..]),
            (CleanupMode::Whitespace, &["stripspace"][..]),
        ] {
            let git = sb.git_in(sb.path(), args, Some(&input));
            assert!(git.status.success());
            assert_eq!(cleanup(&input, mode, "#", false), git.stdout, "{mode:?}");
        }
        let git = sb.git_in(
            sb.path(),
            &["interpret-trailers", "--parse", "--no-divider"],
            Some(&input),
        );
        let theirs = String::from_utf8_lossy(&git.stdout).lines().count();
        assert_eq!(parse_trailers(&input, "#").len(), theirs);
        n += 1;
    }
    assert!(n >= 1);
}
