//! Server hooks, fired by real `git push`es into bare repositories:
//! pre-receive and update, quarantine, trust, exceptions, fail closed, and
//! concurrent pushes.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{Repo, Sandbox};

const POLICY: &str = r#"
[policy]
name = "server-test"
maintainers = ["alice", "Carol <carol@example.com>"]

[[rules]]
id = "no-wip"
scope = "subject"
pattern = '^WIP'
message = "work in progress must not land"

[[rules]]
id = "no-miner"
scope = "added-lines"
pattern = 'stratum\+tcp://'
message = "mining pool address added"
"#;

fn miner() -> String {
    format!("pool = \"{}://pool.example:3333\"\n", "stratum+tcp")
}

/// A bare server at `name` with pre-receive (or update) judging by `policy`.
fn server<'s>(sb: &'s Sandbox, name: &str, policy: &str, extra: &[&str]) -> Repo<'s> {
    common::install_server(sb, name, policy, extra)
}

/// A client clone-alike with `origin` pointing at `server`.
fn client<'s>(sb: &'s Sandbox, name: &str, server: &Repo) -> Repo<'s> {
    let repo = sb.repo(name);
    repo.git(&[
        "remote",
        "add",
        "origin",
        server.path.to_str().expect("utf-8"),
    ]);
    repo
}

fn push_env(repo: &Repo, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new("git");
    cmd.arg("push").args(args).current_dir(&repo.path);
    repo.sb.env(&mut cmd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("git push");
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn push(repo: &Repo, args: &[&str]) -> (bool, String) {
    push_env(repo, args, &[])
}

/// The server's value of a ref, or None.
fn ref_of(server: &Repo, r: &str) -> Option<String> {
    let o = server.git_raw(&["rev-parse", "--verify", "-q", r], None);
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

fn has_object(server: &Repo, oid: &str) -> bool {
    server
        .git_raw(&["cat-file", "-e", oid], None)
        .status
        .success()
}

#[test]
fn rejected_with_remote_lines_then_accepted_after_a_fix() {
    let sb = Sandbox::new();
    let srv = server(&sb, "srv.git", POLICY, &[]);
    let c = client(&sb, "c", &srv);
    let base = c.commit_file("a.txt", "a\n", "Add a");
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(ok, "{err}");
    assert!(
        err.contains("remote: policy-check: 1 new commit on 1 ref "),
        "{err}"
    );

    c.write("pool.txt", miner());
    let bad = c.commit("WIP pool");
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(!ok);
    assert!(
        err.contains("remote: policy-check: refs/heads/main: REJECTED: 2 errors"),
        "{err}"
    );
    assert!(
        err.contains("remote: error[no-wip]: work in progress must not land"),
        "{err}"
    );
    assert!(
        err.contains(&format!("remote:  --> {}:message:1", &bad[..12])),
        "{err}"
    );
    assert!(err.contains(&format!("{}:pool.txt:1", &bad[..12])), "{err}");
    assert!(err.contains("pre-receive hook declined"), "{err}");
    assert_eq!(
        ref_of(&srv, "main").as_deref(),
        Some(base.as_str()),
        "ref unchanged"
    );
    assert!(
        !has_object(&srv, &bad),
        "the quarantined objects are dropped"
    );

    c.write("pool.txt", "nothing\n");
    c.git(&["add", "-A"]);
    c.git(&["commit", "-q", "--amend", "-m", "Add pool notes"]);
    let fixed = c.head();
    let (ok, err) = push(&c, &["-f", "origin", "main"]);
    assert!(ok, "{err}");
    assert_eq!(ref_of(&srv, "main"), Some(fixed));
    let fsck = srv.git_raw(&["fsck", "--no-progress"], None);
    assert!(
        fsck.status.success(),
        "{}",
        String::from_utf8_lossy(&fsck.stderr)
    );
}

#[test]
fn policy_exceptions_in_push_hooks_expired_ones_warn_and_they_cover_unchecked_objects() {
    let sb = Sandbox::new();
    let policy = format!(
        "{POLICY}\n[severity]\nexception-expired = \"error\"\n\n[[exceptions]]\nrule = \"no-wip\"\nreason = \"old habits\"\nexpires = 2000-01-01\n"
    );
    let srv = server(&sb, "srv.git", &policy, &[]);
    let c = client(&sb, "c", &srv);
    c.commit_file("a.txt", "a\n", "Add a");
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(ok, "the policy's own findings do not reject: {err}");
    assert!(
        err.contains(
            "remote: policy-check: policy `server-test`: 1 warning about the policy itself"
        ),
        "{err}"
    );
    assert!(err.contains("remote: warning[exception-expired]"), "{err}");
    assert!(err.contains("expired on 2000-01-01"), "{err}");

    // The expired exception no longer excuses anything.
    c.commit_file("b.txt", "b\n", "WIP b");
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(!ok, "{err}");
    assert!(err.contains("remote: error[no-wip]"), "{err}");

    // Near miss: in force, it excuses the finding and says nothing.
    let policy = format!(
        "{}\n[[exceptions]]\nrule = \"push-unchecked-object\"\nreason = \"data trees\"\n",
        policy.replace("2000-01-01", "2999-12-31")
    );
    let srv2 = server(&sb, "srv2.git", &policy, &[]);
    let c2 = client(&sb, "c2", &srv2);
    c2.commit_file("a.txt", "a\n", "WIP a");
    let (ok, err) = push(&c2, &["origin", "main"]);
    assert!(ok, "{err}");
    assert!(!err.contains("exception-expired"), "{err}");

    // `[[exceptions]]` excuse the push hooks' own rule too …
    let tree = c2.git(&["rev-parse", "HEAD^{tree}"]);
    let (ok, err) = push(&c2, &["origin", &format!("{tree}:refs/tags/a-tree")]);
    assert!(ok, "{err}");
    assert!(!err.contains("push-unchecked-object"), "{err}");
    // … while without one, the tree is reported.
    let tree = c.git(&["rev-parse", "HEAD^{tree}"]);
    let (ok, err) = push(&c, &["origin", &format!("{tree}:refs/tags/a-tree")]);
    assert!(ok, "{err}");
    assert!(err.contains("warning[push-unchecked-object]"), "{err}");
}

/// `n` commits through fast-import onto main (every `wip_every`th with a
/// WIP subject), each tagged `tN` when `tags`.
fn import_history(repo: &Repo, n: usize, wip_every: usize, tags: bool) {
    let mut s = String::new();
    for i in 1..=n {
        let msg = if i % wip_every == 0 {
            format!("WIP old {i}\n")
        } else {
            format!("Commit {i}\n")
        };
        let content = format!("line {i}\n");
        s.push_str("commit refs/heads/main\n");
        s.push_str(&format!("mark :{i}\n"));
        s.push_str(&format!(
            "committer T <t@example.com> {} +0000\n",
            1_700_000_000 + i
        ));
        s.push_str(&format!("data {}\n{msg}", msg.len()));
        if i > 1 {
            s.push_str(&format!("from :{}\n", i - 1));
        }
        s.push_str(&format!(
            "M 644 inline f{}.txt\ndata {}\n{content}\n",
            i % 7,
            content.len()
        ));
        if tags {
            s.push_str(&format!("reset refs/tags/t{i}\nfrom :{i}\n\n"));
        }
    }
    let o = repo.git_raw(&["fast-import", "--quiet"], Some(s.as_bytes()));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    repo.git(&["reset", "-q", "--hard", "main"]);
}

#[test]
fn a_new_branch_checks_only_the_commits_the_server_lacks() {
    let sb = Sandbox::new();
    let srv = sb.bare("srv.git");
    let c = client(&sb, "c", &srv);
    import_history(&c, 500, 50, false);
    // The history predates the hook (and holds old WIP subjects).
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(ok, "{err}");
    let file = sb.path().join("p.toml");
    std::fs::write(&file, POLICY).expect("policy");
    assert_eq!(
        srv.pc(&[
            "install",
            "--server",
            "--policy",
            file.to_str().expect("utf-8")
        ])
        .code,
        0
    );

    c.git(&["checkout", "-q", "-b", "topic"]);
    for i in 0..3 {
        c.commit_file("topic.txt", format!("{i}\n"), &format!("Topic {i}"));
    }
    let (ok, err) = push(&c, &["origin", "topic"]);
    assert!(ok, "{err}");
    assert!(err.contains("3 new commits on 1 ref"), "{err}");

    c.git(&["checkout", "-q", "-b", "topic2", "main~100"]);
    c.commit_file("t2.txt", "1\n", "Fine");
    let wip = c.commit_file("t2.txt", "2\n", "WIP new");
    let (ok, err) = push(&c, &["origin", "topic2"]);
    assert!(!ok);
    assert!(err.contains("2 new commits"), "{err}");
    assert_eq!(
        err.matches("error[no-wip]").count(),
        1,
        "only the new WIP: {err}"
    );
    assert!(err.contains(&wip[..12]), "{err}");
    assert!(ref_of(&srv, "topic2").is_none());
}

#[test]
fn force_push_merges_tags_deletes_and_notes() {
    let sb = Sandbox::new();
    let srv = server(&sb, "srv.git", POLICY, &[]);
    let c = client(&sb, "c", &srv);
    let a = c.commit_file("a.txt", "a\n", "Add a");
    c.commit_file("b.txt", "b\n", "Add b");
    assert!(push(&c, &["origin", "main"]).0);

    // Force push: a rewind to an existing commit adds nothing …
    c.git(&["reset", "-q", "--hard", &a]);
    let (ok, err) = push(&c, &["-f", "origin", "main"]);
    assert!(ok, "{err}");
    assert!(err.contains("0 new commits"), "{err}");
    // … a rewritten history is judged on its new commits.
    let wip = c.commit_file("c.txt", "c\n", "WIP c");
    let (ok, err) = push(&c, &["-f", "origin", "main"]);
    assert!(!ok && err.contains(&wip[..12]), "{err}");
    c.git(&["commit", "-q", "--amend", "-m", "Add c"]);
    let (ok, err) = push(&c, &["-f", "origin", "main"]);
    assert!(ok, "{err}");

    // A merge brings in a side branch's commits: they are new, so checked.
    c.git(&["checkout", "-q", "-b", "side", "HEAD~1"]);
    let side_wip = c.commit_file("side.txt", "s\n", "WIP side");
    c.git(&["checkout", "-q", "main"]);
    c.git(&["merge", "-q", "--no-edit", "side"]);
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(!ok);
    assert!(
        err.contains(&side_wip[..12]) && err.contains("2 new commits"),
        "{err}"
    );
    c.git(&["reset", "-q", "--hard", "origin/main"]);

    // Annotated tags: the tag message is checked too.
    c.git(&["tag", "-a", "v1", "-m", "WIP release"]);
    let (ok, err) = push(&c, &["origin", "v1"]);
    assert!(!ok);
    assert!(err.contains("refs/tags/v1: REJECTED"), "{err}");
    assert!(ref_of(&srv, "refs/tags/v1").is_none());
    c.git(&["tag", "-d", "v1"]);
    c.git(&["tag", "-a", "v1", "-m", "Release 1"]);
    let (ok, err) = push(&c, &["origin", "v1"]);
    assert!(ok, "{err}");
    // A lightweight tag of a new violating commit is judged on the commit.
    c.git(&["checkout", "-q", "--detach"]);
    let t = c.commit_file("t.txt", miner(), "Add t");
    c.git(&["tag", "light"]);
    let (ok, err) = push(&c, &["origin", "light"]);
    assert!(
        !ok && err.contains(&format!("{}:t.txt:1", &t[..12])),
        "{err}"
    );
    c.git(&["checkout", "-q", "main"]);

    // A tag of a tree is not a commit: accepted with a warning.
    let tree = c.git(&["rev-parse", "HEAD^{tree}"]);
    let (ok, err) = push(&c, &["origin", &format!("{tree}:refs/tags/a-tree")]);
    assert!(ok, "{err}");
    assert!(
        err.contains("warning[push-unchecked-object]: refs/tags/a-tree points at a tree"),
        "{err}"
    );

    // Deleting a branch walks nothing.
    c.git(&["push", "-q", "origin", "main:refs/heads/gone"]);
    let (ok, err) = push(&c, &["origin", ":gone"]);
    assert!(ok, "{err}");
    assert!(ref_of(&srv, "refs/heads/gone").is_none());

    // Notes refs are skipped by default.
    c.git(&["notes", "add", "-m", "WIP note", "HEAD"]);
    let (ok, err) = push(&c, &["origin", "refs/notes/commits"]);
    assert!(ok, "{err}");
}

#[test]
fn two_refs_at_once_pre_receive_rejects_all_update_rejects_one() {
    let sb = Sandbox::new();
    for (name, extra) in [("pr.git", &[][..]), ("up.git", &["--update"][..])] {
        let srv = server(&sb, name, POLICY, extra);
        let c = client(&sb, &format!("c-{name}"), &srv);
        c.commit_file("a.txt", "a\n", "Add a");
        assert!(push(&c, &["origin", "main"]).0);
        c.git(&["checkout", "-q", "-b", "good"]);
        let good = c.commit_file("g.txt", "g\n", "Good");
        c.git(&["checkout", "-q", "-b", "bad", "main"]);
        c.commit_file("b.txt", "b\n", "WIP bad");
        // The same new commit on two refs is checked once.
        c.git(&["branch", "bad2"]);
        let (ok, err) = push(&c, &["origin", "good", "bad", "bad2"]);
        assert!(!ok, "{err}");
        assert!(err.contains("refs/heads/bad: REJECTED"), "{err}");
        assert!(!err.contains("refs/heads/good: REJECTED"), "{err}");
        assert!(ref_of(&srv, "bad").is_none());
        if extra.is_empty() {
            assert!(err.contains("refs/heads/bad2: REJECTED"), "{err}");
            assert!(err.contains("2 new commits on 3 refs"), "{err}");
            assert!(
                ref_of(&srv, "good").is_none(),
                "pre-receive rejects the whole push"
            );
        } else {
            assert_eq!(
                ref_of(&srv, "good"),
                Some(good),
                "update lets the good ref land"
            );
        }
    }
}

#[test]
fn a_repository_path_with_a_colon() {
    let sb = Sandbox::new();
    let srv = server(&sb, "srv:with:colons.git", POLICY, &[]);
    let c = client(&sb, "c", &srv);
    c.commit_file("a.txt", "a\n", "Add a");
    assert!(push(&c, &["origin", "main"]).0);
    // The parent is in the main object store, the new commit in quarantine:
    // both must be visible for the diff.
    c.commit_file("a.txt", format!("a\n{}", miner()), "Add pool");
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(!ok);
    assert!(err.contains("a.txt:2"), "{err}");
    assert!(!err.contains("could not check"), "{err}");
    c.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let fine = c.commit_file("a.txt", "a\nb\n", "Add b");
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(ok, "{err}");
    assert_eq!(ref_of(&srv, "main"), Some(fine));
}

#[test]
fn a_push_cannot_weaken_the_policy_that_judges_it() {
    let sb = Sandbox::new();
    // No --policy: the server reads the policy file on its default branch.
    // With no branch yet there is no policy: the push fails closed …
    let srv = sb.bare("srv.git");
    assert_eq!(srv.pc(&["install", "--server"]).code, 0);
    let c = client(&sb, "c", &srv);
    c.policy(POLICY);
    c.commit("Add the policy");
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(
        !ok && err.contains("the protected branch refs/heads/main does not exist")
            && err.contains("never falls back to a built-in policy"),
        "{err}"
    );
    // … until the administrator bootstraps it with a configured policy.
    let boot = sb.path().join("boot.toml");
    std::fs::write(&boot, POLICY).expect("write");
    srv.git(&[
        "config",
        "policy-check.policy",
        boot.to_str().expect("utf-8"),
    ]);
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(ok, "{err}");
    srv.git(&["config", "--unset", "policy-check.policy"]);

    // Weaken the policy and add a WIP commit in the same push.
    c.policy("[policy]\nname = \"weak\"\n");
    c.commit("Relax the policy");
    let wip = c.commit_file("x.txt", "x\n", "WIP sneaky");
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(!ok, "judged by the old policy: {err}");
    assert!(err.contains(&wip[..12]), "{err}");
    assert!(
        err.contains("policy `server-test` (refs/heads/main:.policy-check.toml at"),
        "{err}"
    );

    // Changing the policy needs a maintainer's review the server can
    // verify: a non-maintainer's push is refused …
    c.git(&["reset", "-q", "--hard", "HEAD~1"]);
    srv.git(&["config", "policy-check.pusherVar", "GL_USERNAME"]);
    let (ok, err) = push_env(&c, &["origin", "main"], &[("GL_USERNAME", "mallory")]);
    assert!(
        !ok && err
            .contains("error[policy-change-unreviewed]: .policy-check.toml is read by the server"),
        "{err}"
    );
    // … a maintainer's push lands it, and from then on it applies.
    let (ok, err) = push_env(&c, &["origin", "main"], &[("GL_USERNAME", "alice")]);
    assert!(ok, "{err}");
    assert!(
        err.contains("review: policy-change-unreviewed in") && err.contains("reviewed by alice"),
        "{err}"
    );
    c.commit_file("y.txt", "y\n", "WIP allowed now");
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(ok, "{err}");
    assert!(err.contains("policy `weak`"), "{err}");
}

#[test]
fn exceptions_count_only_for_maintainers_and_push_options_for_nothing() {
    let sb = Sandbox::new();
    let srv = server(&sb, "srv.git", POLICY, &[]);
    srv.git(&["config", "receive.advertisePushOptions", "true"]);
    // Which variables name the pusher is the server's configuration. (Here
    // they are set by hand over a local push; tests/trust.rs has them set
    // by a real authenticating web server.)
    srv.git(&["config", "--add", "policy-check.pusherVar", "GL_USERNAME"]);
    srv.git(&[
        "config",
        "--add",
        "policy-check.pusherVar",
        "GITEA_PUSHER_NAME",
    ]);
    let c = client(&sb, "c", &srv);
    c.commit_file("a.txt", "a\n", "Add a");
    assert!(push(&c, &["origin", "main"]).0);
    let wip = c.commit_file(
        "b.txt",
        "b\n",
        "WIP vendored snapshot\n\nPolicy-Exception: no-wip upstream snapshot, kept verbatim\n",
    );

    let (ok, err) = push_env(&c, &["origin", "main"], &[("GL_USERNAME", "bob")]);
    assert!(!ok);
    assert!(
        err.contains(&format!("exception refused: no-wip in {}: the pusher bob (GL_USERNAME) is not in [policy] maintainers", &wip[..12])),
        "{err}"
    );
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(
        !ok && err
            .contains("the server did not name the pusher (GL_USERNAME, GITEA_PUSHER_NAME unset"),
        "{err}"
    );
    // A variable the server does not trust names no one.
    let (ok, err) = push_env(&c, &["origin", "main"], &[("REMOTE_USER", "alice")]);
    assert!(!ok && err.contains("exception refused"), "{err}");
    let (ok, err) = push(
        &c,
        &[
            "-o",
            "policy-check.skip",
            "-o",
            "policy-check.exception=no-wip",
            "origin",
            "main",
        ],
    );
    assert!(!ok, "push options carry no authority: {err}");

    let (ok, err) = push_env(
        &c,
        &["origin", "main"],
        &[("GITEA_PUSHER_NAME", "carol@example.com")],
    );
    assert!(ok, "{err}");
    assert!(
        err.contains(&format!("exception honoured: no-wip in {} waived by carol@example.com, a maintainer who pushed it, authenticated as carol@example.com (GITEA_PUSHER_NAME): upstream snapshot, kept verbatim", &wip[..12])),
        "{err}"
    );
    assert_eq!(ref_of(&srv, "main"), Some(wip));

    // An exception names one rule: the other rules still apply.
    c.write("p.txt", miner());
    c.commit("WIP again\n\nPolicy-Exception: no-wip still a snapshot\n");
    let (ok, err) = push_env(&c, &["origin", "main"], &[("GL_USERNAME", "alice")]);
    assert!(
        !ok && err.contains("error[no-miner]") && !err.contains("error[no-wip]"),
        "{err}"
    );
}

#[test]
fn per_ref_scope_does_not_open_a_side_door() {
    let sb = Sandbox::new();
    let policy =
        format!("{POLICY}\n[server]\nrefs = [\"refs/heads/main\", \"refs/heads/release/*\"]\n");
    let srv = server(&sb, "srv.git", &policy, &[]);
    let c = client(&sb, "c", &srv);
    c.commit_file("a.txt", "a\n", "Add a");
    assert!(push(&c, &["origin", "main"]).0);
    c.commit_file("b.txt", "b\n", "WIP scratch");
    // Out of scope: accepted …
    let (ok, err) = push(&c, &["origin", "HEAD:refs/heads/scratch"]);
    assert!(ok, "{err}");
    // … but the same commit reaching main through it is still judged.
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(!ok && err.contains("error[no-wip]"), "{err}");
    let (ok, err) = push(&c, &["origin", "HEAD:refs/heads/release/1.0"]);
    assert!(
        !ok && err.contains("refs/heads/release/1.0: REJECTED"),
        "{err}"
    );
}

#[test]
fn internal_errors_fail_closed_unless_fail_open_is_set() {
    let sb = Sandbox::new();
    let srv = server(&sb, "srv.git", POLICY, &[]);
    let c = client(&sb, "c", &srv);
    c.commit_file("a.txt", "a\n", "Add a");
    // The policy file disappears: the push is rejected with a clear message.
    let file = sb.path().join("srv.git.policy.toml");
    std::fs::remove_file(&file).expect("rm");
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(!ok);
    assert!(
        err.contains("could not check this push, so it is rejected (fail closed)"),
        "{err}"
    );
    assert!(err.contains("cannot read policy file"), "{err}");
    assert!(ref_of(&srv, "main").is_none());

    srv.git(&["config", "policy-check.failOpen", "true"]);
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(ok, "{err}");
    assert!(err.contains("PUSH ACCEPTED UNCHECKED"), "{err}");

    // Garbage on stdin and bad update arguments: exit 2 and a clear message.
    srv.git(&["config", "--unset", "policy-check.failOpen"]);
    std::fs::write(&file, POLICY).expect("policy");
    let hook_env = |args: &[&str], stdin: &[u8]| {
        let mut cmd = Command::new(common::BIN);
        cmd.args(args).current_dir(&srv.path).env("GIT_DIR", ".");
        sb.env(&mut cmd);
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin)
            .expect("stdin");
        let o: Output = child.wait_with_output().expect("wait");
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let p = file.to_str().expect("utf-8");
    let (code, err) = hook_env(
        &["--policy", p, "hook", "pre-receive"],
        b"\xff\xfe garbage\n",
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not a list of ref updates"), "{err}");
    let (code, err) = hook_env(
        &["--policy", p, "hook", "pre-receive"],
        b"old new refs/heads/main\n",
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("malformed line 1 on stdin"), "{err}");
    let unknown = format!("{} {} refs/heads/main\n", "0".repeat(40), "1".repeat(40));
    let (code, err) = hook_env(&["--policy", p, "hook", "pre-receive"], unknown.as_bytes());
    assert_eq!(code, Some(2), "an object that is not there: {err}");
    assert!(err.contains("fail closed"), "{err}");
    let (code, err) = hook_env(
        &["--policy", p, "hook", "update", "refs/heads/main", "x", "y"],
        b"",
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("expected `update <ref> <old oid> <new oid>`"),
        "{err}"
    );
}

#[test]
fn concurrent_pushes_land_or_are_rejected_cleanly() {
    let sb = Sandbox::new();
    let srv = server(&sb, "srv.git", POLICY, &[]);
    let seed = client(&sb, "seed", &srv);
    seed.commit_file("a.txt", "a\n", "Add a");
    assert!(push(&seed, &["origin", "main"]).0);
    let url = srv.path.to_str().expect("utf-8").to_string();

    const N: usize = 16;
    let clients: Vec<(PathBuf, String, bool)> = (0..N)
        .map(|i| {
            let dir = sb.path().join(format!("c{i}"));
            let o = sb.git_in(
                sb.path(),
                &["clone", "-q", &url, dir.to_str().expect("utf-8")],
                None,
            );
            assert!(o.status.success());
            let r = Repo {
                sb: &sb,
                path: dir.clone(),
            };
            let bad = i % 2 == 1;
            let subject = if bad {
                format!("WIP {i}")
            } else {
                format!("Work {i}")
            };
            let head = r.commit_file(&format!("f{i}.txt"), format!("{i}\n"), &subject);
            (dir, head, bad)
        })
        .collect();

    let results: Vec<(bool, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = clients
            .iter()
            .enumerate()
            .map(|(i, (dir, _, _))| {
                let sb = &sb;
                s.spawn(move || {
                    let r = Repo {
                        sb,
                        path: dir.clone(),
                    };
                    push(&r, &["origin", &format!("HEAD:refs/heads/b{i}")])
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });

    for (i, ((_, head, bad), (ok, err))) in clients.iter().zip(&results).enumerate() {
        let landed = ref_of(&srv, &format!("refs/heads/b{i}"));
        if *bad {
            assert!(!ok, "client {i} violates: {err}");
            assert!(err.contains("error[no-wip]"), "{err}");
            assert!(landed.is_none());
        } else {
            assert!(ok, "client {i} complies: {err}");
            assert_eq!(landed.as_deref(), Some(head.as_str()));
        }
    }
    let fsck = srv.git_raw(&["fsck", "--strict", "--no-progress"], None);
    assert!(
        fsck.status.success(),
        "{}",
        String::from_utf8_lossy(&fsck.stderr)
    );
    let _ = Path::new(&url);
}

#[test]
fn thousands_of_refs_in_one_push_stay_linear() {
    let sb = Sandbox::new();
    let srv = server(&sb, "srv.git", POLICY, &[]);
    let c = client(&sb, "c", &srv);
    // 2,000 commits, each tagged, pushed at once: 2,001 refs. A per-ref walk
    // would be quadratic; one walk with first-claim attribution is linear.
    import_history(&c, 2000, 1_000_000, true);
    let started = std::time::Instant::now();
    let (ok, err) = push(&c, &["origin", "main", "--tags"]);
    assert!(ok, "{err}");
    assert!(err.contains("2000 new commits on 2001 refs"), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(120),
        "took {:?}",
        started.elapsed()
    );
    eprintln!(
        "2,001 refs / 2,000 commits pushed in {:?}",
        started.elapsed()
    );
}

#[test]
fn long_pushes_show_progress_to_the_pusher_and_check_stays_quiet_off_a_terminal() {
    let sb = Sandbox::new();
    let srv = server(&sb, "progress.git", "[policy]\nname = \"p\"\n", &[]);
    let c = client(&sb, "c", &srv);
    import_history(&c, 120, 1_000_000, false);
    // progress after 0 ms instead of 1 s, so a short push shows it
    let fast = [("POLICY_CHECK_PROGRESS_DELAY_MS", "0")];
    let (ok, err) = push_env(&c, &["origin", "main"], &fast);
    assert!(ok, "{err}");
    assert!(err.contains("remote: policy-check: checked"), "{err}");
    assert!(err.contains("of 120 commits"), "{err}");
    // `check` with stderr captured (not a terminal): no progress line
    let run = c.pc_env(&["check", "--all"], &fast);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("checked 1"), "{}", run.stderr);
}

#[test]
fn a_push_kept_as_a_pack_in_the_quarantine_is_read_whole() {
    // receive.unpackLimit=1: the pushed objects stay one pack in the
    // quarantine (as any push of 100 objects or more does), which the
    // hook reads directly.
    let sb = Sandbox::new();
    let srv = server(&sb, "srv.git", POLICY, &[]);
    srv.git(&["config", "receive.unpackLimit", "1"]);
    let c = client(&sb, "c", &srv);
    import_history(&c, 300, 1000, false);
    let bad = c.commit_file("conf/pool.toml", miner(), "Add the pool");
    for i in 0..20 {
        c.commit_file("after.txt", format!("{i}\n"), &format!("After {i}"));
    }
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(!ok, "{err}");
    assert!(err.contains("321 new commits"), "{err}");
    assert_eq!(err.matches("error[no-miner]").count(), 1, "{err}");
    assert!(err.contains(&bad[..12]), "{err}");
    assert!(ref_of(&srv, "main").is_none());

    // the same history without the line passes, and lands
    c.git(&["rebase", "-q", "--onto", &format!("{bad}~1"), &bad]);
    let (ok, err) = push(&c, &["origin", "main"]);
    assert!(ok, "{err}");
    assert!(err.contains("320 new commits"), "{err}");
    assert_eq!(ref_of(&srv, "main"), Some(c.head()));
}
