//! Client hooks, fired by the real `git`: commit-msg, pre-commit, pre-push,
//! and install/uninstall (chaining, core.hooksPath, linked worktrees).

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{Repo, Sandbox};

/// A subject rule, a trailer requirement and an added-lines rule.
const POLICY: &str = r#"
[policy]
name = "hooks-test"

[[rules]]
id = "no-wip"
scope = "subject"
pattern = '^WIP'
message = "work in progress must not be committed"

[[rules]]
id = "needs-signoff"
scope = "trailer"
key = "Signed-off-by"
pattern = '.+'
mode = "require"
message = "a Signed-off-by trailer is required"

[[rules]]
id = "no-miner"
scope = "added-lines"
pattern = 'stratum\+tcp://'
message = "mining pool address added"
"#;

const OK_MSG: &str = "Add a file\n\nSigned-off-by: Test User <test@example.com>\n";

/// A repository with the policy committed and the client hooks installed.
fn setup(sb: &Sandbox) -> Repo<'_> {
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let run = repo.pc(&["install"]);
    assert_eq!(run.code, 0, "install: {}", run.stderr);
    repo.commit_file("README", "hello\n", OK_MSG);
    repo
}

/// Runs git with extra environment; returns the raw output.
fn git_env(repo: &Repo, args: &[&str], env: &[(&str, &str)], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new("git");
    cmd.args(args).current_dir(&repo.path);
    repo.sb.env(&mut cmd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn git");
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input)
            .expect("write stdin");
    }
    child.wait_with_output().expect("git")
}

/// `git commit` with the message on stdin (hooks fire); returns (success, stderr).
fn commit(repo: &Repo, extra: &[&str], msg: &str) -> (bool, String) {
    let mut args = vec!["commit", "-q"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-F", "-"]);
    let o = repo.git_raw(&args, Some(msg.as_bytes()));
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn miner() -> String {
    format!("url = \"{}://pool.example:3333\"\n", "stratum+tcp")
}

#[test]
fn commit_msg_blocks_then_allows_once_the_trailer_is_added() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    let before = repo.head();
    repo.write("a.txt", "a\n");
    repo.git(&["add", "a.txt"]);

    let (ok, err) = commit(&repo, &[], "Add a\n");
    assert!(!ok, "commit without sign-off must be blocked");
    assert!(err.contains("error[needs-signoff]"), "{err}");
    assert!(err.contains("commit-msg: the commit was stopped"), "{err}");
    assert!(!err.contains("no-wip"), "{err}");
    assert_eq!(repo.head(), before);

    let (ok, err) = commit(
        &repo,
        &[],
        "WIP: add a\n\nSigned-off-by: T <t@example.com>\n",
    );
    assert!(!ok);
    assert!(err.contains("error[no-wip]"), "{err}");
    assert!(err.contains("message:1"), "{err}");
    assert!(!err.contains("needs-signoff"), "{err}");

    let (ok, err) = commit(&repo, &[], "Add a\n\nSigned-off-by: T <t@example.com>\n");
    assert!(ok, "{err}");
    assert!(err.is_empty(), "a passing commit is silent: {err}");
    assert_ne!(repo.head(), before);
}

#[test]
fn commit_msg_cleans_the_message_as_git_does() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    repo.write("a.txt", "stratum is a word here\n");
    repo.git(&["add", "a.txt"]);
    // An editor that writes the message above git's template (help text,
    // and with -v the scissors line and the diff).
    let editor = sb.path().join("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\n{ printf '%s\\n\\n%s\\n' \"$SUBJECT\" 'Signed-off-by: T <t@example.com>'; cat \"$1\"; } > \"$1.new\" && mv \"$1.new\" \"$1\"\n",
    )
    .expect("editor");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let ed = editor.to_str().expect("utf-8");
    let policy_body = format!(
        "{POLICY}\n[[rules]]\nid = \"no-hash-ref\"\nscope = \"message\"\npattern = '^#123'\n\n[[rules]]\nid = \"no-diff-in-message\"\nscope = \"message\"\npattern = 'stratum is a word'\n"
    );
    repo.policy(&policy_body);

    // -v: the diff below the scissors line is not part of the message.
    let o = git_env(
        &repo,
        &["commit", "-q", "-v"],
        &[("GIT_EDITOR", ed), ("SUBJECT", "Add a")],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // core.commentChar=auto: git picks a character no line of the message
    // starts with, so a line `#123 …` is kept in the message (and the rule
    // sees it) …
    repo.write("b.txt", "b\n");
    repo.git(&["add", "b.txt"]);
    repo.git(&["config", "core.commentChar", "auto"]);
    let msg = "#123 fix\n\nSigned-off-by: T <t@example.com>";
    let o = git_env(
        &repo,
        &["commit", "-q", "-e", "-m", msg],
        &[("GIT_EDITOR", "true")],
        None,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("error[no-hash-ref]"), "{err}");

    // … while with the default `#` it is a comment git strips.
    repo.git(&["config", "--unset", "core.commentChar"]);
    let msg = "Add b\n#123 fix\n\nSigned-off-by: T <t@example.com>";
    let o = git_env(
        &repo,
        &["commit", "-q", "-e", "-m", msg],
        &[("GIT_EDITOR", "true")],
        None,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stored = repo.git(&["log", "-1", "--format=%B"]);
    assert!(!stored.contains("#123"), "{stored}");

    // -m (no editor): git's default cleanup is `whitespace`, which keeps `#` lines.
    repo.write("c.txt", "c\n");
    repo.git(&["add", "c.txt"]);
    let (ok, err) = commit(
        &repo,
        &[],
        "Add c\n#123 kept\n\nSigned-off-by: T <t@example.com>\n",
    );
    assert!(!ok, "{err}");
    assert!(err.contains("error[no-hash-ref]"), "{err}");
}

#[test]
fn pre_commit_checks_the_index_git_commits() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    repo.commit_file("tracked.txt", "one\n", OK_MSG);

    // The violation is in the work tree only: a plain commit of another file passes.
    repo.write("tracked.txt", format!("one\n{}", miner()));
    repo.write("other.txt", "x\n");
    repo.git(&["add", "other.txt"]);
    let (ok, err) = commit(&repo, &[], OK_MSG);
    assert!(ok, "{err}");

    // commit -a stages it into a temporary index: blocked, at the right line.
    let (ok, err) = commit(&repo, &["-a"], OK_MSG);
    assert!(!ok);
    assert!(err.contains("error[no-miner]"), "{err}");
    assert!(err.contains("tracked.txt:2"), "{err}");
    assert!(err.contains("pre-commit: the commit was stopped"), "{err}");

    // commit --only PATH: only that path's work-tree content is committed.
    repo.git(&["add", "tracked.txt"]);
    repo.write("clean.txt", "clean\n");
    repo.git(&["add", "clean.txt"]);
    let (ok, err) = commit(&repo, &["--only", "clean.txt"], OK_MSG);
    assert!(ok, "--only clean.txt must pass: {err}");
    let (ok, err) = commit(&repo, &["--only", "tracked.txt"], OK_MSG);
    assert!(!ok);
    assert!(err.contains("tracked.txt:2"), "{err}");
}

#[test]
fn pre_commit_on_amend_judges_the_amended_commit() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    // HEAD adds the violation, committed past the hooks.
    repo.write("pool.txt", miner());
    repo.git(&["add", "pool.txt"]);
    let (ok, err) = commit(&repo, &["--no-verify"], OK_MSG);
    assert!(ok, "{err}");

    // Amending (with an unrelated change) still produces a commit that adds
    // the line: the amended commit's parent is HEAD's parent.
    repo.write("unrelated.txt", "u\n");
    repo.git(&["add", "unrelated.txt"]);
    let (ok, err) = commit(&repo, &["--amend"], OK_MSG);
    assert!(!ok, "amend must be judged against HEAD's parent");
    assert!(err.contains("pool.txt:1"), "{err}");

    // A plain commit on top adds nothing bad: it passes.
    let (ok, err) = commit(&repo, &[], OK_MSG);
    assert!(ok, "{err}");

    // Removing the line and amending that commit passes too.
    repo.write("pool.txt", "nothing here\n");
    let (ok, err) = commit(&repo, &["-a", "--amend"], OK_MSG);
    assert!(ok, "{err}");
}

#[test]
fn pre_commit_on_an_unborn_branch() {
    let sb = Sandbox::new();
    let repo = sb.repo("fresh");
    repo.policy(POLICY);
    assert_eq!(repo.pc(&["install"]).code, 0);
    repo.write("pool.txt", miner());
    repo.git(&["add", "pool.txt"]);
    let (ok, err) = commit(&repo, &[], OK_MSG);
    assert!(!ok);
    assert!(
        err.contains("error[no-miner]") && err.contains("pool.txt:1"),
        "{err}"
    );
    repo.write("pool.txt", "fine\n");
    repo.git(&["add", "pool.txt"]);
    let (ok, err) = commit(&repo, &[], OK_MSG);
    assert!(ok, "{err}");
}

#[test]
fn pre_push_checks_only_what_the_remote_lacks() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    let remote = sb.bare("remote.git");
    repo.git(&[
        "remote",
        "add",
        "origin",
        remote.path.to_str().expect("utf-8"),
    ]);
    // An old violation already on the remote (pushed past the hooks).
    repo.write("old.txt", miner());
    repo.git(&["add", "old.txt"]);
    assert!(commit(&repo, &["--no-verify"], OK_MSG).0);
    let o = repo.git_raw(&["push", "-q", "--no-verify", "origin", "main"], None);
    assert!(o.status.success());

    // New commits: clean ones pass; the old one is not reported again.
    repo.commit_file("new.txt", "new\n", OK_MSG);
    let o = repo.git_raw(&["push", "-q", "origin", "main"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // A new violating commit is stopped, and only it is reported.
    repo.write("bad.txt", miner());
    repo.git(&["add", "bad.txt"]);
    assert!(commit(&repo, &["--no-verify"], OK_MSG).0);
    let bad = repo.head();
    let o = repo.git_raw(&["push", "origin", "main"], None);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains(&format!("{}:bad.txt:1", &bad[..12])), "{err}");
    assert!(!err.contains("old.txt"), "{err}");
    assert!(err.contains("1 new commit "), "{err}");
    assert_ne!(remote.git(&["rev-parse", "main"]), bad);

    // Pushing a new branch whose commits are all on the remote already passes,
    // and so does a deletion.
    repo.git(&["branch", "topic", "HEAD~1"]);
    let o = repo.git_raw(&["push", "-q", "origin", "topic"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = repo.git_raw(&["push", "-q", "origin", ":topic"], None);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn client_exception_trailer_downgrades_to_a_warning() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    repo.write("a.txt", "a\n");
    repo.git(&["add", "a.txt"]);
    let (ok, err) = commit(
        &repo,
        &[],
        "WIP: vendored snapshot\n\nPolicy-Exception: no-wip upstream snapshot, reviewed\nSigned-off-by: T <t@example.com>\n",
    );
    assert!(ok, "{err}");
    assert!(err.contains("warning[no-wip]"), "{err}");
    assert!(err.contains("only when a maintainer pushes"), "{err}");
}

#[test]
fn hooks_report_expired_policy_exceptions() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    let exception = |expires: &str, severity: &str| {
        format!(
            "{POLICY}\n[severity]\nexception-expired = \"{severity}\"\n\n[[exceptions]]\nrule = \"no-miner\"\npath = \"fixtures/**\"\nreason = \"pool fixtures\"\nexpires = {expires}\n"
        )
    };

    // In force: the excused finding is silent, and so is the exception.
    repo.policy(&exception("2999-12-31", "warn"));
    repo.write("fixtures/pool.txt", miner());
    repo.git(&["add", "fixtures/pool.txt"]);
    let (ok, err) = commit(&repo, &[], OK_MSG);
    assert!(ok, "{err}");
    assert!(err.is_empty(), "{err}");

    // Expired: commit-msg says so once, pointing at the policy line; the
    // finding it excused is back (pre-commit stops the commit).
    repo.policy(&exception("2000-01-01", "warn"));
    repo.write("fixtures/pool2.txt", miner());
    repo.git(&["add", "fixtures/pool2.txt"]);
    let (ok, err) = commit(&repo, &["--no-verify"], OK_MSG);
    assert!(ok, "--no-verify skips the hooks: {err}");
    repo.write("a.txt", "a\n");
    repo.git(&["add", "a.txt"]);
    let (ok, err) = commit(&repo, &[], OK_MSG);
    assert!(ok, "a warning does not stop the commit: {err}");
    assert_eq!(
        err.matches("warning[exception-expired]").count(),
        1,
        "{err}"
    );
    assert!(err.contains("expired on 2000-01-01"), "{err}");
    assert!(err.contains(".policy-check.toml:"), "{err}");

    // At error severity it stops the commit, like `check`.
    repo.policy(&exception("2000-01-01", "error"));
    repo.write("b.txt", "b\n");
    repo.git(&["add", "b.txt"]);
    let (ok, err) = commit(&repo, &[], OK_MSG);
    assert!(!ok, "{err}");
    assert!(err.contains("error[exception-expired]"), "{err}");

    // pre-push shows it as a warning but judges the push by its commits:
    // the commit with pool2.txt (no longer excused) is what stops it.
    let remote = sb.bare("remote.git");
    repo.git(&[
        "remote",
        "add",
        "origin",
        remote.path.to_str().expect("utf-8"),
    ]);
    let o = repo.git_raw(&["push", "origin", "main"], None);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("warning[exception-expired]"), "{err}");
    assert!(!err.contains("error[exception-expired]"), "{err}");
    assert!(err.contains("fixtures/pool2.txt:1"), "{err}");
    assert!(err.contains("error[no-miner]"), "{err}");
}

fn hook_file(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_default()
}

fn listing(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("hooks dir")
        .map(|e| {
            let e = e.expect("entry");
            let name = e.file_name().to_string_lossy().into_owned();
            (name.clone(), hook_file(dir, &name))
        })
        .collect();
    v.sort();
    v
}

#[cfg(unix)]
fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn install_chains_existing_hooks_is_idempotent_and_uninstall_restores() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    let hooks = repo.path.join(".git/hooks");
    let log = sb.path().join("chain.log");
    let log_s = log.to_str().expect("utf-8");
    let commit_msg = format!(
        "#!/bin/sh\necho \"commit-msg ran: $1\" >> '{log_s}'\ngrep -q REFUSE \"$1\" && exit 3\nexit 0\n"
    );
    let pre_push =
        format!("#!/bin/sh\necho \"pre-push args: $*\" >> '{log_s}'\ncat >> '{log_s}'\n");
    std::fs::write(hooks.join("commit-msg"), &commit_msg).expect("write");
    std::fs::write(hooks.join("pre-push"), &pre_push).expect("write");
    make_executable(&hooks.join("commit-msg"));
    make_executable(&hooks.join("pre-push"));
    let original = listing(&hooks);

    let run = repo.pc(&["install"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("existing hook is kept"),
        "{}",
        run.stdout
    );
    let once = listing(&hooks);
    let run = repo.pc(&["install"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("already installed"), "{}", run.stdout);
    assert_eq!(listing(&hooks), once, "a second install changes nothing");
    assert_eq!(
        hook_file(&hooks, "commit-msg.pre-policy-check"),
        commit_msg,
        "the existing hook is kept as is"
    );

    // Both run: the chained hook's refusal stops the commit (its exit code) …
    repo.write("a.txt", "a\n");
    repo.git(&["add", "a.txt"]);
    let (ok, _) = commit(
        &repo,
        &[],
        "Add a REFUSE\n\nSigned-off-by: T <t@example.com>\n",
    );
    assert!(!ok, "the chained hook's failure must stop the commit");
    // … ours still judges when it passes …
    let (ok, err) = commit(&repo, &[], "WIP a\n\nSigned-off-by: T <t@example.com>\n");
    assert!(!ok);
    assert!(err.contains("error[no-wip]"), "{err}");
    let (ok, err) = commit(&repo, &[], OK_MSG);
    assert!(ok, "{err}");
    let logged = std::fs::read_to_string(&log).expect("log");
    assert_eq!(
        logged
            .matches("commit-msg ran: .git/COMMIT_EDITMSG")
            .count(),
        3,
        "{logged}"
    );

    // … and stdin reaches both pre-push hooks.
    let remote = sb.bare("remote.git");
    let url = remote.path.to_str().expect("utf-8");
    repo.git(&["remote", "add", "origin", url]);
    repo.write("bad.txt", miner());
    repo.git(&["add", "bad.txt"]);
    assert!(commit(&repo, &["--no-verify"], OK_MSG).0);
    let head = repo.head();
    let o = repo.git_raw(&["push", "origin", "main"], None);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "ours must still see stdin: {err}");
    assert!(err.contains("error[no-miner]"), "{err}");
    let logged = std::fs::read_to_string(&log).expect("log");
    assert!(
        logged.contains(&format!("pre-push args: origin {url}")),
        "{logged}"
    );
    assert!(
        logged.contains(&format!(
            "refs/heads/main {head} refs/heads/main {}",
            "0".repeat(40)
        )),
        "the chained pre-push got the ref lines: {logged}"
    );

    let run = repo.pc(&["uninstall"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        listing(&hooks),
        original,
        "uninstall restores what was there"
    );
}

#[test]
fn install_honours_core_hooks_path_and_linked_worktrees() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.policy(POLICY);
    repo.commit_file("README", "x\n", OK_MSG);

    repo.git(&["config", "core.hooksPath", "my-hooks"]);
    let run = repo.pc(&["install"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(repo.path.join("my-hooks/commit-msg").exists());
    assert!(!repo.path.join(".git/hooks/commit-msg").exists());
    let (ok, err) = commit(
        &repo,
        &["--allow-empty"],
        "WIP\n\nSigned-off-by: T <t@example.com>\n",
    );
    assert!(!ok && err.contains("error[no-wip]"), "{err}");
    assert_eq!(repo.pc(&["uninstall"]).code, 0);
    assert!(!repo.path.join("my-hooks/commit-msg").exists());
    repo.git(&["config", "--unset", "core.hooksPath"]);

    // A linked worktree shares the main repository's hooks.
    let wt = sb.path().join("wt");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        wt.to_str().expect("utf-8"),
        "-b",
        "side",
    ]);
    let run = sb.pc_in(&wt, &["install"], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(repo.path.join(".git/hooks/pre-commit").exists());
    let wt_repo = Repo {
        sb: &sb,
        path: wt.clone(),
    };
    wt_repo.write(".policy-check.toml", POLICY);
    let (ok, err) = commit(
        &wt_repo,
        &["--allow-empty"],
        "WIP\n\nSigned-off-by: T <t@example.com>\n",
    );
    assert!(!ok && err.contains("error[no-wip]"), "{err}");
    let (ok, err) = commit(&wt_repo, &["--allow-empty"], OK_MSG);
    assert!(ok, "{err}");
}

#[test]
fn hook_errors_are_clear_and_exit_2() {
    let sb = Sandbox::new();
    let repo = setup(&sb);

    let run = repo.pc(&["hook", "post-frobnicate"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("unrecognized subcommand 'post-frobnicate'"),
        "{}",
        run.stderr
    );

    let run = repo.pc_stdin(
        &["hook", "pre-push", "origin", "/x"],
        b"this is not a ref line\n",
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("malformed line 1 on stdin"),
        "{}",
        run.stderr
    );

    std::fs::write(repo.path.join("msg"), "Add\n").expect("msg");
    let run = repo.pc(&[
        "--policy",
        "/nonexistent/policy.toml",
        "hook",
        "commit-msg",
        "msg",
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("cannot read policy file /nonexistent/policy.toml"),
        "{}",
        run.stderr
    );

    let run = repo.pc(&["hook", "commit-msg", "no-such-file"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("cannot read the commit message no-such-file"),
        "{}",
        run.stderr
    );

    let bare = sb.bare("b.git");
    let run = bare.pc(&["install"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("install --server"), "{}", run.stderr);
}

#[test]
fn pre_commit_on_a_merge_judges_what_the_merge_introduces() {
    let sb = Sandbox::new();
    let repo = setup(&sb);
    repo.commit_file("a.txt", "one\n", OK_MSG);
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.commit_file("a.txt", "one\ntwo\n", OK_MSG);
    repo.git(&["checkout", "-q", "main"]);
    repo.commit_file("b.txt", "b\n", OK_MSG);
    // a clean merge passes
    repo.git(&["merge", "--no-commit", "--no-ff", "-q", "topic"]);
    let (ok, err) = commit(&repo, &[], OK_MSG);
    assert!(ok, "a clean merge passes: {err}");
    // `git merge --no-commit`, edit, commit: the edit is judged
    repo.git(&["reset", "-q", "--hard", "HEAD^"]);
    repo.git(&["merge", "--no-commit", "--no-ff", "-q", "topic"]);
    repo.write("b.txt", format!("b\n{}", miner()));
    repo.git(&["add", "b.txt"]);
    let (ok, err) = commit(&repo, &[], OK_MSG);
    assert!(!ok, "the merge's own line is judged");
    assert!(err.contains("error[no-miner]"), "{err}");
    assert!(err.contains("b.txt:2"), "{err}");
}
