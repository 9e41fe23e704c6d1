//! A new user's first hour (issue 20), walked through the real `git`:
//! adopting a policy, the installed hooks, a committed baseline, and the
//! agent's pre-check of a draft message with the staged change.

mod common;

use common::{Repo, Sandbox};

/// `git commit -F -` with hooks; returns (success, stderr).
fn commit(repo: &Repo, msg: &str) -> (bool, String) {
    let o = repo.git_raw(&["commit", "-q", "-F", "-"], Some(msg.as_bytes()));
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn adopting_a_policy_commits_and_a_later_change_is_judged_where_the_message_is_known() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.commit_file("README", "hello\n", "Initial commit\n");
    for args in [
        &["policy", "init", "--preset", "rust-foundation"][..],
        &["install"][..],
    ] {
        let run = repo.pc(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }
    repo.git(&["add", ".policy-check.toml"]);
    let (ok, err) = commit(
        &repo,
        "Adopt the rust-foundation policy\n\nSigned-off-by: Test User <test@example.com>\n",
    );
    assert!(ok, "adopting a policy where there was none must commit: {err}");
    assert!(!err.contains("protected-path-changed"), "{err}");

    // A later change of the policy file: pre-commit cannot see a review
    // trailer, so it stays quiet; commit-msg, which can, asks for one.
    let mut text = std::fs::read_to_string(repo.path.join(".policy-check.toml")).expect("policy");
    text.push_str("\n[severity]\nsecret-detected = \"off\"\n");
    repo.write(".policy-check.toml", text);
    repo.git(&["add", ".policy-check.toml"]);
    let pre = repo.pc(&["hook", "pre-commit"]);
    assert_eq!(pre.code, 0, "pre-commit cannot judge a review: {}", pre.stderr);
    let (ok, err) = commit(
        &repo,
        "Turn secrets off\n\nSigned-off-by: Test User <test@example.com>\n",
    );
    assert!(!ok, "weakening the policy without a review must be stopped");
    assert!(err.contains("error[protected-path-changed]"), "{err}");
    assert!(err.contains("commit-msg: the commit was stopped"), "{err}");
}

#[test]
fn validate_reports_unknown_keys_and_bad_patterns_in_one_run() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(
        "p.toml",
        "[policy]\nname = \"x\"\nnmae = \"typo\"\n\n[[rules]]\nid = \"bad\"\nscope = \"subject\"\npattern = '(unclosed'\n\n[secrets]\nenabeld = true\n",
    );
    let run = repo.pc(&["policy", "validate", "p.toml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    for want in ["nmae", "enabeld", "rules", "unclosed"] {
        assert!(run.stderr.contains(want), "missing `{want}` in: {}", run.stderr);
    }
    // Each problem has its own file:line:column.
    for line in [":3:", ":8:", ":11:"] {
        assert!(run.stderr.contains(&format!("p.toml{line}")), "no p.toml{line} in: {}", run.stderr);
    }
}
