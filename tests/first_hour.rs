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

const AGENT_POLICY: &str = r#"
[disclosure]
required = "when-ai-detected"

[review]
forbid_ai_signoff = true
"#;

/// An agent's loop: draft a message, pre-check it with the staged change,
/// apply the fixes the JSON names, and commit through the installed hooks.
#[test]
fn an_agent_prechecks_fixes_and_commits() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(AGENT_POLICY);
    repo.commit("Add the policy\n\nSigned-off-by: Test User <test@example.com>\n");
    let run = repo.pc(&["install"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    repo.write("src/lib.rs", "pub fn answer() -> u32 {\n    42\n}\n");
    repo.git(&["add", "src/lib.rs"]);
    let draft = "Add answer()\n\nCo-authored-by: Claude <noreply@anthropic.com>\nSigned-off-by: Claude <noreply@anthropic.com>\n";
    repo.write(".git/DRAFT_MSG", draft);

    // 1. The pre-check says what the commit would be refused for, and how to fix it.
    let pre = repo.pc(&[
        "check",
        "--staged",
        "--message-file",
        ".git/DRAFT_MSG",
        "--format",
        "json",
    ]);
    assert_eq!(pre.code, 1, "{}", pre.stdout);
    let json = pre.json();
    let findings = json["findings"].as_array().expect("findings");
    let fix_of = |rule: &str| {
        findings
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {}", pre.stdout))["fix"]
            .clone()
    };
    assert_eq!(fix_of("disclosure-missing")["kind"], "message");
    let add = fix_of("disclosure-missing")["add"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(add.starts_with("Assisted-by: Claude"), "{add}");
    assert_eq!(
        fix_of("review-ai-signoff")["remove"]["text"],
        "Signed-off-by: Claude <noreply@anthropic.com>"
    );
    // The human's own sign-off is theirs to give: no fix writes it.
    assert!(findings
        .iter()
        .all(|f| f["fix"]["add"].as_array().is_none_or(|a| a
            .iter()
            .all(|l| !l.as_str().unwrap_or_default().starts_with("Signed-off-by")))));

    // 2. --fix applies them to the draft; nothing is left.
    let fixed = repo.pc(&[
        "check",
        "--staged",
        "--message-file",
        ".git/DRAFT_MSG",
        "--fix",
    ]);
    assert_eq!(fixed.code, 0, "{}{}", fixed.stdout, fixed.stderr);
    assert!(
        fixed.stderr.contains("added `Assisted-by: Claude"),
        "{}",
        fixed.stderr
    );
    let msg = std::fs::read_to_string(repo.path.join(".git/DRAFT_MSG")).expect("draft");
    assert!(!msg.contains("Signed-off-by: Claude"), "{msg}");
    assert!(msg.contains(&add), "{msg}");
    // The trailers stay one block, as git reads it.
    let o = repo.git_raw(&["interpret-trailers", "--parse"], Some(msg.as_bytes()));
    let parsed = String::from_utf8_lossy(&o.stdout);
    assert!(
        parsed.contains("Assisted-by: Claude") && parsed.contains("Co-authored-by: Claude"),
        "{parsed}"
    );

    // 3. The commit passes the installed hooks.
    let (ok, err) = commit(&repo, &msg);
    assert!(ok, "{err}");
    assert!(repo.git(&["log", "-1", "--format=%B"]).contains(&add));
}

/// A pre-check judges the staged files too: a secret in them is reported
/// (with its path and line) though the draft message is fine.
#[test]
fn the_precheck_reads_the_staged_files() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[secrets]\n");
    repo.commit("Add the policy\n");
    repo.write(
        "config.py",
        format!("key = \"{}{}\"\n", "AKIA", "Z7QK4N2W8R5T1YXB"),
    );
    repo.git(&["add", "config.py"]);
    repo.write("msg", "Add the configuration\n");
    let pre = repo.pc(&[
        "check",
        "--staged",
        "--message-file",
        "msg",
        "--format",
        "json",
    ]);
    assert_eq!(pre.code, 1, "{}{}", pre.stdout, pre.stderr);
    let f = &pre.json()["findings"][0];
    assert_eq!(f["rule"], "secret-detected", "{}", pre.stdout);
    assert_eq!(f["path"], "config.py");
    assert_eq!(f["line"], 1);
}

/// `[disclosure] autofix = true`: the commit-msg hook adds the suggested
/// trailer itself when it recognises the tool, and says so.
#[test]
fn commit_msg_autofix_adds_the_disclosure() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy("[disclosure]\nrequired = \"when-ai-detected\"\nautofix = true\n");
    repo.commit("Add the policy\n");
    let run = repo.pc(&["install"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    repo.write("a.txt", "a\n");
    repo.git(&["add", "a.txt"]);
    let (ok, err) = commit(
        &repo,
        "Add a\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("added `Assisted-by: Claude") && err.contains("autofix"),
        "{err}"
    );
    let stored = repo.git(&["log", "-1", "--format=%(trailers:key=Assisted-by)"]);
    assert!(stored.starts_with("Assisted-by: Claude"), "{stored}");

    // A commit with no AI trace gets nothing added.
    repo.write("b.txt", "b\n");
    repo.git(&["add", "b.txt"]);
    let (ok, err) = commit(&repo, "Add b\n");
    assert!(ok, "{err}");
    assert!(!err.contains("autofix"), "{err}");
    assert_eq!(repo.git(&["log", "-1", "--format=%B"]), "Add b");
}

/// Runs `scripts/ci-check` (what action.yml and the GitLab template run)
/// in `dir` with `env`; returns (exit code, stdout + stderr).
fn ci_check(sb: &Sandbox, dir: &std::path::Path, env: &[(&str, &str)]) -> (i32, String) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/ci-check");
    let mut cmd = std::process::Command::new("bash");
    cmd.arg(script).current_dir(dir);
    sb.env(&mut cmd);
    cmd.env("POLICY_CHECK_BIN", common::BIN)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_BASE_REF")
        .env_remove("CI_MERGE_REQUEST_TARGET_BRANCH_NAME");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().expect("bash");
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

/// The CI check of a pull request, as the GitHub Action and the GitLab
/// template run it: the commits the branch adds, judged by the policy on the
/// target branch (a branch that deletes a rule is still judged by it), from
/// a shallow clone, with annotations, SARIF and Code Quality reports.
#[test]
fn ci_check_judges_a_pull_request_by_the_base_policy() {
    let sb = Sandbox::new();
    let origin = sb.repo("origin");
    origin.policy(
        "[[rules]]\nid = \"no-wip\"\nscope = \"subject\"\npattern = '^WIP'\nmessage = \"wip\"\n",
    );
    origin.commit("WIP: old history is not the pull request's\n");
    origin.git(&["checkout", "-q", "-b", "feature"]);
    origin.commit_file("a.txt", "a\n", "WIP: add a\n");
    origin.commit_file(
        ".policy-check.toml",
        "[policy]\nname = \"weak\"\n",
        "Drop the rule\n",
    );
    origin.git(&["checkout", "-q", "main"]);

    let url = format!("file://{}", origin.path.display());
    let o = sb.git_in(
        sb.path(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "feature", &url, "pr",
        ],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pr = sb.path().join("pr");

    let (code, out) = ci_check(
        &sb,
        &pr,
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_BASE_REF", "main"),
            ("POLICY_CHECK_SARIF", "out.sarif"),
        ],
    );
    assert_eq!(code, 1, "{out}");
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("::error")).collect();
    assert_eq!(errors.len(), 1, "only the pull request's WIP commit: {out}");
    assert!(errors[0].contains("no-wip"), "{out}");
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pr.join("out.sarif")).expect("sarif")).expect("json");
    assert_eq!(
        sarif["runs"][0]["results"].as_array().map(Vec::len),
        Some(1),
        "{sarif}"
    );

    let (code, out) = ci_check(
        &sb,
        &pr,
        &[
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
            ("POLICY_CHECK_CODEQUALITY", "cq.json"),
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("error[no-wip]"), "{out}");
    let cq: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pr.join("cq.json")).expect("cq")).expect("json");
    assert_eq!(cq.as_array().map(Vec::len), Some(1), "{cq}");
    assert_eq!(cq[0]["check_name"], "no-wip", "{cq}");
}

/// The Claude Code `PreToolUse` hook shipped in scripts/: a `git commit`
/// whose message would be refused is blocked (exit 2) with the findings and
/// their fixes; other commands and a compliant commit pass.
#[test]
fn claude_code_hook_blocks_a_commit_the_policy_would_refuse() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(AGENT_POLICY);
    repo.commit("Add the policy\n");
    repo.write("a.txt", "a\n");
    repo.git(&["add", "a.txt"]);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/agent-precheck");
    let call = |command: &str| {
        let input = serde_json::json!({"tool_name": "Bash", "tool_input": {"command": command}});
        let script = script.display().to_string();
        run_with_path(&repo, "python3", &[&script], Some(&input.to_string()))
    };
    let (ok, out) =
        call("git commit -m 'Add a' -m 'Co-authored-by: Claude <noreply@anthropic.com>'");
    assert!(!ok, "{out}");
    assert!(
        out.contains("disclosure-missing") && out.contains("Assisted-by: Claude"),
        "{out}"
    );
    let (ok, out) = call("cargo test && git status");
    assert!(ok, "{out}");
    let (ok, out) = call(
        "git add -A && git commit -m 'Add a' -m 'Co-authored-by: Claude <noreply@anthropic.com>\nAssisted-by: Claude'",
    );
    assert!(ok, "{out}");
}

/// A file fix names the path, the line and the exact text to insert: here
/// the SPDX header in the file's comment syntax, below a `#!` line.
#[test]
fn a_missing_licence_header_has_a_file_fix() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(
        "[licensing]\nallowed = \"MIT OR Apache-2.0\"\nspdx_header = [\"**/*.rs\", \"**/*.sh\"]\n",
    );
    repo.commit("Add the policy\n");
    repo.write("src/lib.rs", "pub fn f() {}\n");
    repo.write("run.sh", "#!/bin/sh\necho hi\n");
    repo.git(&["add", "-A"]);
    repo.write("msg", "Add code\n");
    let pre = repo.pc(&[
        "check",
        "--staged",
        "--message-file",
        "msg",
        "--format",
        "json",
    ]);
    assert_eq!(pre.code, 1, "{}{}", pre.stdout, pre.stderr);
    let json = pre.json();
    let fix = |path: &str| {
        json["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule"] == "licensing-header-missing" && f["path"] == path)
            .unwrap_or_else(|| panic!("no header finding for {path}: {json}"))["fix"]
            .clone()
    };
    let rs = fix("src/lib.rs");
    assert_eq!(rs["kind"], "file");
    assert_eq!(rs["line"], 1);
    assert_eq!(
        rs["insert"], "// SPDX-License-Identifier: MIT OR Apache-2.0",
        "{rs}"
    );
    let sh = fix("run.sh");
    assert_eq!(sh["line"], 2, "{sh}");
    assert_eq!(
        sh["insert"], "# SPDX-License-Identifier: MIT OR Apache-2.0",
        "{sh}"
    );

    // Applying the fixes as they say makes the staged change pass.
    for (path, f) in [("src/lib.rs", rs), ("run.sh", sh)] {
        let text = std::fs::read_to_string(repo.path.join(path)).expect("read");
        let mut lines: Vec<&str> = text.lines().collect();
        let at = f["line"].as_u64().expect("line") as usize - 1;
        lines.insert(at, f["insert"].as_str().expect("insert"));
        repo.write(path, lines.join("\n") + "\n");
    }
    repo.git(&["add", "-A"]);
    let again = repo.pc(&[
        "check",
        "--staged",
        "--message-file",
        "msg",
        "--format",
        "json",
    ]);
    assert_eq!(again.code, 0, "{}", again.stdout);
}
