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
    assert!(
        ok,
        "adopting a policy where there was none must commit: {err}"
    );
    assert!(!err.contains("protected-path-changed"), "{err}");

    // A later change of the policy file: pre-commit cannot see a review
    // trailer, so it stays quiet; commit-msg, which can, asks for one.
    let mut text = std::fs::read_to_string(repo.path.join(".policy-check.toml")).expect("policy");
    text.push_str("\n[severity]\nsecret-detected = \"off\"\n");
    repo.write(".policy-check.toml", text);
    repo.git(&["add", ".policy-check.toml"]);
    let pre = repo.pc(&["hook", "pre-commit"]);
    assert_eq!(
        pre.code, 0,
        "pre-commit cannot judge a review: {}",
        pre.stderr
    );
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
        assert!(
            run.stderr.contains(want),
            "missing `{want}` in: {}",
            run.stderr
        );
    }
    // Each problem has its own file:line:column.
    for line in [":3:", ":8:", ":11:"] {
        assert!(
            run.stderr.contains(&format!("p.toml{line}")),
            "no p.toml{line} in: {}",
            run.stderr
        );
    }
}

#[test]
fn history_checks_every_commit_of_one_branch_and_nothing_else() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        "[[rules]]\nid = \"no-wip\"\nscope = \"subject\"\npattern = '^WIP'\nmessage = \"wip\"\n",
    );
    repo.commit_file("a", "a\n", "WIP: first\n");
    repo.commit_file("b", "b\n", "Second\n");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.commit_file("c", "c\n", "WIP: on the side\n");
    repo.git(&["checkout", "-q", "main"]);

    // `check main` is the tip alone, as `git show main` reads it.
    let one = repo.pc(&["check", "--format", "json", "main"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    // `--history main` is what `git log main` lists: the root's WIP, not the side branch's.
    let run = repo.pc(&["check", "--history", "--format", "json", "main"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let listed = repo.git(&["rev-list", "--count", "main"]);
    assert_eq!(
        run.json()["summary"]["commits"].to_string(),
        listed,
        "{}",
        run.stdout
    );
    let subjects: Vec<String> = run.json()["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(subjects, ["no-wip"], "{}", run.stdout);
}

/// `PATH` with the binary under test first, as after `cargo install`.
fn path_with_binary() -> String {
    let dir = std::path::Path::new(common::BIN)
        .parent()
        .expect("binary dir")
        .display()
        .to_string();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

/// Runs a command in `repo` with the sandbox's environment and `PATH`.
fn run_with_path(repo: &Repo, program: &str, args: &[&str], stdin: Option<&str>) -> (bool, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(&repo.path);
    repo.sb.env(&mut cmd);
    cmd.env("PATH", path_with_binary())
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("stdin");
    }
    let o = child.wait_with_output().expect("wait");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

/// The documented `.pre-commit-hooks.yaml` works with the pre-commit
/// framework at a commit id of this repository (`rev:`), using the
/// installed binary (`-system` hooks): nothing is built.
#[test]
fn pre_commit_framework_runs_the_documented_hooks() {
    let have = std::process::Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install pre-commit (.ci/run)"
        );
        eprintln!("skipped: pre-commit (PyPI) is not installed");
        return;
    }
    let this = env!("CARGO_MANIFEST_DIR");
    let rev = String::from_utf8(
        std::process::Command::new("git")
            .args(["-C", this, "rev-parse", "HEAD"])
            .output()
            .expect("git")
            .stdout,
    )
    .expect("utf-8");
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        "[[rules]]\nid = \"no-wip\"\nscope = \"subject\"\npattern = '^WIP'\nmessage = \"wip\"\n",
    );
    repo.write(
        ".pre-commit-config.yaml",
        format!(
            "repos:\n  - repo: {this}\n    rev: {}\n    hooks:\n      - id: policy-check-commit-msg-system\n      - id: policy-check-pre-commit-system\n",
            rev.trim()
        ),
    );
    repo.git(&["add", "-A"]);
    let (ok, out) = run_with_path(
        &repo,
        "pre-commit",
        &[
            "install",
            "--hook-type",
            "commit-msg",
            "--hook-type",
            "pre-commit",
        ],
        None,
    );
    assert!(ok, "pre-commit install: {out}");
    let (ok, out) = run_with_path(
        &repo,
        "git",
        &["commit", "-q", "-F", "-"],
        Some("WIP: try\n"),
    );
    assert!(!ok, "the commit-msg hook must stop a WIP subject: {out}");
    assert!(out.contains("error[no-wip]"), "{out}");
    let (ok, out) = run_with_path(
        &repo,
        "git",
        &["commit", "-q", "-F", "-"],
        Some("Add the policy\n"),
    );
    assert!(ok, "{out}");
}

/// On a terminal, the progress line is wiped before a finding is printed:
/// no visible line holds both (with `script` giving the check a terminal).
#[test]
fn progress_never_shares_a_line_with_a_finding() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        "[[rules]]\nid = \"no-wip\"\nscope = \"subject\"\npattern = '^WIP'\nmessage = \"wip\"\n",
    );
    repo.commit("Add the policy\n");
    let mut stream = String::new();
    for i in 0..400 {
        let subject = if i % 7 == 0 { "WIP: step" } else { "Step" };
        let msg = format!("{subject} {i}\n");
        stream.push_str(&format!(
            "commit refs/heads/main\ncommitter T <t@example.com> {} +0000\ndata {}\n{msg}\n",
            1_700_000_000 + i,
            msg.len()
        ));
        if i == 0 {
            stream.push_str("from refs/heads/main^0\n");
        }
    }
    let o = repo.git_raw(&["fast-import", "--quiet"], Some(stream.as_bytes()));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut cmd = std::process::Command::new("script");
    let line = format!("{} check --all", common::BIN);
    cmd.args(["-qec", &line, "/dev/null"])
        .current_dir(&repo.path)
        .env("POLICY_CHECK_PROGRESS_DELAY_MS", "0");
    sb.env(&mut cmd);
    let Ok(out) = cmd.output() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs `script` (util-linux)"
        );
        eprintln!("skipped: no `script` to give the check a terminal");
        return;
    };
    let shown = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(
        shown.contains("policy-check: checked"),
        "no progress shown: {shown}"
    );
    let mut findings = 0;
    for l in shown.split('\n') {
        // What a terminal shows of the line: the text after its last CR.
        let visible = l.trim_end_matches('\r').rsplit('\r').next().unwrap_or("");
        if visible.contains("error[no-wip]") {
            findings += 1;
            assert!(
                !visible.contains("policy-check: checked")
                    && !visible.contains("walking the range"),
                "progress and a finding share a line: {visible:?}"
            );
        }
    }
    assert_eq!(findings, 58, "{shown}");
}

/// An old history whose findings were recorded with `baseline write` and
/// committed pushes to a new remote; a new violation is still stopped.
#[test]
fn pre_push_honours_the_committed_baseline() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        "[[rules]]\nid = \"no-wip\"\nscope = \"subject\"\npattern = '^WIP'\nmessage = \"wip\"\n",
    );
    repo.commit("Add the policy\n");
    repo.commit_file("a", "a\n", "WIP: old work\n");
    repo.commit_file("b", "b\n", "Older history\n");
    let run = repo.pc(&["baseline", "write"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    repo.commit("Record the baseline\n");
    let run = repo.pc(&["install"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let remote = sb.bare("remote.git");
    let url = remote.path.display().to_string();
    repo.git(&["remote", "add", "origin", &url]);

    let o = repo.git_raw(&["push", "-q", "origin", "main"], None);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "the recorded history must push: {err}");

    // Past the local commit-msg hook (--no-verify), as someone might.
    repo.write("c", "c\n");
    repo.git(&["add", "c"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "WIP: new work"]);
    let o = repo.git_raw(&["push", "-q", "origin", "main"], None);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "a new violation must be stopped");
    assert!(
        err.contains("error[no-wip]") && err.contains("new work"),
        "{err}"
    );
    assert!(
        !err.contains("old work"),
        "recorded findings stay quiet: {err}"
    );
}
