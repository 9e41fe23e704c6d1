//! Review evidence a pusher cannot forge, and a policy no push can weaken:
//! pushes over HTTP to `git http-backend` behind a real web server
//! (lighttpd, basic authentication on 127.0.0.1), so the pusher's identity
//! (`REMOTE_USER`) comes from the server's authentication as in production;
//! signed merges and tags with keys `ssh-keygen` makes here; branch
//! policies that try to read outside their tree; inline markers; a deleted
//! protected branch; `policy init`'s maintainers.
//!
//! lighttpd is installed by `.ci/run`; without it these tests fail under
//! `CI=true` and are skipped (with a note) elsewhere.

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Repo, Sandbox};

/// The maintainer: `mara` logs in to the web server; her commits are
/// `Mara <mara@example.com>`.
const MARA: &str = "Mara <mara@example.com>";
/// A contributor: `bob` logs in; commits as `Bob <bob@example.com>`.
const BOB: &str = "Bob <bob@example.com>";

fn policy(extra: &str) -> String {
    format!(
        r#"
[policy]
name = "trust-test"
maintainers = ["Mara <mara@example.com>", "mara"]

[protected]
paths = ["hooks/**", ".policy-check.toml"]

[secrets]
{extra}
"#
    )
}

fn token() -> String {
    ["gh", "p_", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5"].concat()
}

/// Finds a program, or fails under CI (skips with a note elsewhere).
fn need(program: &str) -> Option<PathBuf> {
    for dir in [
        "/usr/sbin",
        "/usr/bin",
        "/sbin",
        "/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
    ] {
        let p = Path::new(dir).join(program);
        if p.exists() {
            return Some(p);
        }
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{program} is missing: .ci/run installs it (apt-get install lighttpd)"
    );
    eprintln!("note: {program} not installed; skipping the authenticated-server test");
    None
}

fn http_backend() -> Option<PathBuf> {
    let out = Command::new("git").arg("--exec-path").output().ok()?;
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()).join("git-http-backend");
    p.exists().then_some(p)
}

/// lighttpd serving the sandbox's bare repositories through `git
/// http-backend`, every URL behind basic authentication.
struct Web {
    child: Child,
    port: u16,
}

impl Drop for Web {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Web {
    fn start(sb: &Sandbox, users: &[(&str, &str)]) -> Option<Web> {
        let lighttpd = need("lighttpd")?;
        let backend = http_backend().expect("git-http-backend ships with git");
        let root = sb.path();
        let users_file = root.join("web-users");
        let lines: String = users.iter().map(|(u, p)| format!("{u}:{p}\n")).collect();
        std::fs::write(&users_file, lines).expect("users");
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").expect("bind");
            l.local_addr().expect("addr").port()
        };
        let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
        let conf = format!(
            r#"server.document-root = "{root}"
server.port = {port}
server.bind = "127.0.0.1"
server.modules = ("mod_alias", "mod_setenv", "mod_auth", "mod_authn_file", "mod_cgi")
server.errorlog = "{root}/web-error.log"
alias.url = ( "/git" => "{backend}" )
cgi.assign = ( "" => "" )
setenv.add-environment = (
  "GIT_PROJECT_ROOT" => "{root}",
  "GIT_HTTP_EXPORT_ALL" => "1",
  "PATH" => "{path}",
  "HOME" => "{root}",
  "GIT_CONFIG_GLOBAL" => "{root}/gitconfig",
  "GIT_CONFIG_NOSYSTEM" => "1",
  "NO_COLOR" => "1"
)
auth.backend = "plain"
auth.backend.plain.userfile = "{users}"
auth.require = ( "/" => ( "method" => "basic", "realm" => "git", "require" => "valid-user" ) )
"#,
            root = root.display(),
            backend = backend.display(),
            users = users_file.display(),
        );
        let conf_file = root.join("lighttpd.conf");
        std::fs::write(&conf_file, conf).expect("conf");
        let child = Command::new(lighttpd)
            .arg("-D")
            .arg("-f")
            .arg(&conf_file)
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start lighttpd");
        let web = Web { child, port };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "lighttpd did not start: {}",
                std::fs::read_to_string(root.join("web-error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(web)
    }

    fn url(&self, user: &str, password: &str, repo: &str) -> String {
        format!(
            "http://{user}:{password}@127.0.0.1:{}/git/{repo}",
            self.port
        )
    }
}

/// A bare server repository whose pre-receive judges by `policy_text`
/// (`--policy` when `configured`, else the branch's own policy file), and
/// trusts `REMOTE_USER`, the variable the web server sets.
fn server<'s>(sb: &'s Sandbox, name: &str, policy_text: Option<&str>) -> Repo<'s> {
    let bare = sb.bare(name);
    let mut args = vec!["install", "--server"];
    let file = sb.path().join(format!("{name}.toml"));
    if let Some(text) = policy_text {
        std::fs::write(&file, text).expect("policy");
        args.extend(["--policy", file.to_str().expect("utf-8")]);
    }
    let run = bare.pc(&args);
    assert_eq!(run.code, 0, "install --server: {}", run.stderr);
    bare.git(&["config", "policy-check.pusherVar", "REMOTE_USER"]);
    bare.git(&["config", "http.receivepack", "true"]);
    bare
}

fn push_to(repo: &Repo, url: &str, refspec: &str) -> (bool, String) {
    let mut cmd = Command::new("git");
    cmd.args(["push", url, refspec]).current_dir(&repo.path);
    repo.sb.env(&mut cmd);
    // Whatever the pusher's own environment says carries no identity.
    cmd.env("REMOTE_USER", "mara").env("GL_USERNAME", "mara");
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

fn local_push(repo: &Repo, server: &Repo, refspec: &str, env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new("git");
    cmd.args(["push", server.path.to_str().expect("utf-8"), refspec])
        .current_dir(&repo.path);
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

/// The administrator's policy that bootstraps a server whose policy then
/// comes from its branch (a first push has no branch to read it from).
fn boot_policy(sb: &Sandbox) -> PathBuf {
    let boot = sb.path().join("boot.toml");
    std::fs::write(&boot, "[policy]\nname = \"boot\"\n").expect("boot");
    boot
}

fn ref_of(server: &Repo, r: &str) -> Option<String> {
    let o = server.git_raw(&["rev-parse", "--verify", "-q", r], None);
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

#[test]
fn a_forged_review_trailer_is_refused_and_a_maintainers_authenticated_push_accepted() {
    let sb = Sandbox::new();
    let Some(web) = Web::start(&sb, &[("mara", "mara-pw"), ("bob", "bob-pw")]) else {
        return;
    };
    let srv = server(&sb, "srv.git", Some(&policy("")));
    let c = sb.repo("c");
    c.write("README", "hi\n");
    c.commit_as(MARA, "Start");
    let (ok, err) = push_to(
        &c,
        &web.url("mara", "mara-pw", "srv.git"),
        "HEAD:refs/heads/main",
    );
    assert!(ok, "{err}");

    // Bob changes a protected path and writes Mara's review himself.
    c.write("hooks/pre-commit", "#!/bin/sh\nexit 0\n");
    let forged = c.commit_as(
        BOB,
        "Loosen the hook\n\nReviewed-by: Mara <mara@example.com>\n",
    );
    // Unauthenticated: the web server refuses before git runs.
    let (ok, err) = push_to(
        &c,
        &web.url("mallory", "x", "srv.git"),
        "HEAD:refs/heads/main",
    );
    assert!(!ok && err.contains("Authentication failed"), "{err}");
    // Bob, authenticated, with the forged trailer: rejected, and told what counts.
    let (ok, err) = push_to(
        &c,
        &web.url("bob", "bob-pw", "srv.git"),
        "HEAD:refs/heads/main",
    );
    assert!(!ok, "{err}");
    assert!(err.contains("error[protected-path-changed]"), "{err}");
    assert!(
        err.contains("`Reviewed-by: Mara <mara@example.com>` is a claim the author could write, not evidence of a review"),
        "{err}"
    );
    assert!(
        err.contains("one of them pushes the commit themselves, authenticated"),
        "{err}"
    );
    assert_ne!(ref_of(&srv, "main"), Some(forged.clone()));

    // Mara pushes the same commit herself: the server authenticated her.
    let (ok, err) = push_to(
        &c,
        &web.url("mara", "mara-pw", "srv.git"),
        "HEAD:refs/heads/main",
    );
    assert!(ok, "{err}");
    assert!(
        err.contains("reviewed by mara, who pushed it, authenticated as mara (REMOTE_USER)"),
        "{err}"
    );
    assert_eq!(ref_of(&srv, "main"), Some(forged));

    // Her own protected change is no review of itself, whoever pushes it.
    c.write("hooks/pre-push", "#!/bin/sh\nexit 0\n");
    c.commit_as(MARA, "Add a hook\n\nReviewed-by: Mara <mara@example.com>\n");
    let (ok, err) = push_to(
        &c,
        &web.url("mara", "mara-pw", "srv.git"),
        "HEAD:refs/heads/main",
    );
    assert!(
        !ok && err.contains("error[protected-path-changed]"),
        "{err}"
    );

    // A Policy-Exception is the maintainers' to grant, with the same evidence.
    c.git(&["reset", "-q", "--hard", "HEAD~1"]);
    c.write("hooks/pre-push", "#!/bin/sh\nexit 0\n");
    c.commit_as(
        BOB,
        "Add a hook\n\nPolicy-Exception: protected-path-changed vendored hook\n",
    );
    let (ok, err) = push_to(
        &c,
        &web.url("bob", "bob-pw", "srv.git"),
        "HEAD:refs/heads/main",
    );
    assert!(
        !ok && err.contains("exception refused: protected-path-changed")
            && err.contains("the pusher bob (REMOTE_USER) is not in [policy] maintainers"),
        "{err}"
    );
    let (ok, err) = push_to(
        &c,
        &web.url("mara", "mara-pw", "srv.git"),
        "HEAD:refs/heads/main",
    );
    assert!(ok, "{err}");
}

#[test]
fn a_branch_policy_change_needs_evidence_and_no_forged_trailer_turns_secrets_off() {
    let sb = Sandbox::new();
    let Some(web) = Web::start(&sb, &[("mara", "mara-pw"), ("bob", "bob-pw")]) else {
        return;
    };
    // No --policy: the server reads main's policy file. Bootstrapped by
    // the administrator with a configured policy, then left to the branch.
    let srv = server(&sb, "srv.git", None);
    let boot = boot_policy(&sb);
    srv.git(&[
        "config",
        "policy-check.policy",
        boot.to_str().expect("utf-8"),
    ]);
    let c = sb.repo("c");
    c.policy(&policy(""));
    c.commit_as(MARA, "Add the policy");
    let (ok, err) = push_to(
        &c,
        &web.url("mara", "mara-pw", "srv.git"),
        "HEAD:refs/heads/main",
    );
    assert!(ok, "{err}");
    srv.git(&["config", "--unset", "policy-check.policy"]);

    c.policy(&format!(
        "{}\n[severity]\nsecret-detected = \"off\"\n",
        policy("")
    ));
    c.commit_as(
        BOB,
        "Quiet the scanner\n\nReviewed-by: Mara <mara@example.com>\n",
    );
    let (ok, err) = push_to(
        &c,
        &web.url("bob", "bob-pw", "srv.git"),
        "HEAD:refs/heads/main",
    );
    assert!(!ok, "{err}");
    assert!(err.contains("error[policy-change-unreviewed]"), "{err}");
    assert!(err.contains("is a claim the author could write"), "{err}");

    // The token that would have followed is still caught.
    c.git(&["reset", "-q", "--hard", "HEAD~1"]);
    c.commit_file(
        "deploy.env",
        format!("TOKEN={}\n", token()),
        "Deploy config",
    );
    let (ok, err) = push_to(
        &c,
        &web.url("bob", "bob-pw", "srv.git"),
        "HEAD:refs/heads/main",
    );
    assert!(!ok && err.contains("error[secret-detected]"), "{err}");
}

/// A test key: (private key path, public key line).
fn keygen(dir: &Path, name: &str) -> (PathBuf, String) {
    let key = dir.join(name);
    let o = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let public = std::fs::read_to_string(key.with_extension("pub")).expect("pub");
    (key, public.trim().to_string())
}

#[test]
fn a_merge_or_tag_a_maintainer_signed_is_evidence_and_an_unknown_key_is_not() {
    let sb = Sandbox::new();
    if need("ssh-keygen").is_none() {
        return;
    }
    let (mara_key, mara_pub) = keygen(sb.path(), "mara-key");
    let (eve_key, _) = keygen(sb.path(), "eve-key");
    let signers = sb.path().join("allowed_signers");
    std::fs::write(
        &signers,
        format!("mara@example.com namespaces=\"git\" {mara_pub}\n"),
    )
    .expect("signers");
    let srv = server(&sb, "srv.git", Some(&policy("")));
    srv.git(&[
        "config",
        "policy-check.allowedSigners",
        signers.to_str().expect("utf-8"),
    ]);
    // Bob pushes over the local transport: no pusher is named.
    let c = sb.repo("c");
    c.commit_as(MARA, "Start");
    assert!(local_push(&c, &srv, "HEAD:refs/heads/main", &[]).0);

    c.git(&["checkout", "-q", "-b", "topic"]);
    c.write("hooks/pre-commit", "#!/bin/sh\nexit 0\n");
    let bobs = c.commit_as(
        BOB,
        "Loosen the hook\n\nReviewed-by: Mara <mara@example.com>\n",
    );
    let (ok, err) = local_push(&c, &srv, "topic:refs/heads/main", &[]);
    assert!(
        !ok && err.contains("error[protected-path-changed]"),
        "{err}"
    );
    assert!(
        err.contains("the server did not name the pusher (REMOTE_USER unset"),
        "{err}"
    );

    let merge = |key: &Path| {
        c.git(&["checkout", "-q", "main"]);
        c.git(&["reset", "-q", "--hard", "HEAD"]);
        c.git(&[
            "-c",
            "gpg.format=ssh",
            "-c",
            &format!("user.signingkey={}", key.display()),
            "-c",
            "user.name=Mara",
            "-c",
            "user.email=mara@example.com",
            "merge",
            "-q",
            "--no-ff",
            "-S",
            "-m",
            "Merge topic",
            "topic",
        ]);
    };
    // Signed by a key the server does not list: not evidence.
    merge(&eve_key);
    let (ok, err) = local_push(&c, &srv, "main:refs/heads/main", &[]);
    assert!(!ok, "{err}");
    assert!(err.contains("signature not counted: merge"), "{err}");
    // Signed by Mara's key: her review of Bob's commit.
    c.git(&["reset", "-q", "--hard", "HEAD~1"]);
    merge(&mara_key);
    let (ok, err) = local_push(&c, &srv, "main:refs/heads/main", &[]);
    assert!(ok, "{err}");
    assert!(
        err.contains(&format!(
            "in {} reviewed by mara@example.com, who signed merge",
            &bobs[..12]
        )),
        "{err}"
    );

    // A signed tag containing the commit counts too.
    c.git(&["checkout", "-q", "-b", "topic2"]);
    c.write("hooks/post-merge", "#!/bin/sh\nexit 0\n");
    c.commit_as(BOB, "Another hook");
    c.git(&[
        "-c",
        "gpg.format=ssh",
        "-c",
        &format!("user.signingkey={}", mara_key.display()),
        "-c",
        "user.name=Mara",
        "-c",
        "user.email=mara@example.com",
        "tag",
        "-s",
        "-m",
        "reviewed",
        "reviewed-1",
    ]);
    let (ok, err) = local_push(&c, &srv, "refs/tags/reviewed-1", &[]);
    assert!(ok && err.contains("who signed tag reviewed-1"), "{err}");
}

#[test]
fn a_branch_policy_reads_nothing_outside_its_tree() {
    let sb = Sandbox::new();
    let secret = sb.path().join("credentials");
    std::fs::write(&secret, "deploy-token@example.com\n").expect("secret");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("maintainers_file = \"{}\"", secret.display()),
            vec!["policy.maintainers_file", "is an absolute path"],
        ),
        (
            "maintainers_file = \"../../credentials\"".to_string(),
            vec![
                "policy.maintainers_file",
                "leaves the tree of refs/heads/main",
            ],
        ),
        (
            "extends = [\"/dev/zero\"]".to_string(),
            vec!["policy.extends", "is an absolute path"],
        ),
        (
            "extends = [\"/etc/passwd\"]".to_string(),
            vec!["policy.extends", "is an absolute path"],
        ),
        (
            "extends = [\"big.toml\"]".to_string(),
            vec![
                "policy.extends",
                "big.toml in refs/heads/main at",
                "above the 1048576-byte limit",
            ],
        ),
        (
            "extends = [\"link.toml\"]".to_string(),
            vec![
                "policy.extends",
                "link.toml in refs/heads/main at",
                "is a symbolic link",
            ],
        ),
    ];
    for (i, (line, wants)) in cases.iter().enumerate() {
        let srv = server(&sb, &format!("srv{i}.git"), None);
        let boot = boot_policy(&sb);
        srv.git(&[
            "config",
            "policy-check.policy",
            boot.to_str().expect("utf-8"),
        ]);
        let c = sb.repo(&format!("c{i}"));
        c.policy(&format!("[policy]\nname = \"hostile\"\n{line}\n"));
        c.write("big.toml", "#".repeat(1 << 21));
        std::os::unix::fs::symlink("/etc/passwd", c.path.join("link.toml")).expect("symlink");
        c.commit_as(MARA, "Policy");
        let (ok, err) = local_push(&c, &srv, "HEAD:refs/heads/main", &[]);
        assert!(ok, "{err}");
        srv.git(&["config", "--unset", "policy-check.policy"]);
        c.commit_as(MARA, "Next");
        let start = Instant::now();
        let (ok, err) = local_push(&c, &srv, "HEAD:refs/heads/main", &[]);
        assert!(start.elapsed() < Duration::from_secs(20), "{line}: bounded");
        assert!(!ok, "{line}: {err}");
        assert!(err.contains("rejected (fail closed)"), "{line}: {err}");
        for w in wants {
            assert!(err.contains(w), "{line}: wants `{w}`: {err}");
        }
        assert!(!err.contains("deploy-token"), "{line}: leaked: {err}");
    }

    // A symlinked policy file on the branch is an error that says so.
    let srv = server(&sb, "srvl.git", None);
    let boot = boot_policy(&sb);
    srv.git(&[
        "config",
        "policy-check.policy",
        boot.to_str().expect("utf-8"),
    ]);
    let c = sb.repo("cl");
    std::os::unix::fs::symlink("/etc/passwd", c.path.join(".policy-check.toml")).expect("symlink");
    c.commit_as(MARA, "Policy");
    assert!(local_push(&c, &srv, "HEAD:refs/heads/main", &[]).0);
    srv.git(&["config", "--unset", "policy-check.policy"]);
    c.commit_as(MARA, "Next");
    let (ok, err) = local_push(&c, &srv, "HEAD:refs/heads/main", &[]);
    assert!(
        !ok && err.contains(".policy-check.toml in refs/heads/main at")
            && err.contains("is a symbolic link"),
        "{err}"
    );

    // A file the branch policy names inside its own tree is read from the
    // tree at that commit, not from the disk.
    let srv = server(&sb, "srvok.git", None);
    srv.git(&[
        "config",
        "policy-check.policy",
        boot.to_str().expect("utf-8"),
    ]);
    let c = sb.repo("cok");
    c.write("MAINTAINERS", "M:\tMara <mara@example.com>\n");
    c.write(
        "policies/base.toml",
        "[[rules]]\nid = \"no-wip\"\nscope = \"subject\"\npattern = '^WIP'\nmessage = \"no WIP\"\n",
    );
    c.policy("[policy]\nname = \"tree\"\nextends = [\"policies/base.toml\"]\nmaintainers_file = \"MAINTAINERS\"\n");
    c.commit_as(MARA, "Policy");
    assert!(local_push(&c, &srv, "HEAD:refs/heads/main", &[]).0);
    srv.git(&["config", "--unset", "policy-check.policy"]);
    c.commit_as(BOB, "WIP thing");
    let (ok, err) = local_push(&c, &srv, "HEAD:refs/heads/main", &[]);
    assert!(!ok && err.contains("error[no-wip]"), "{err}");
    // Changing a file the policy extends is a policy change.
    c.git(&["reset", "-q", "--hard", "HEAD~1"]);
    c.write("policies/base.toml", "");
    c.commit_as(BOB, "Drop the rules");
    let (ok, err) = local_push(&c, &srv, "HEAD:refs/heads/main", &[]);
    assert!(
        !ok && err.contains("error[policy-change-unreviewed]: policies/base.toml"),
        "{err}"
    );
}

#[test]
fn deleting_the_protected_branch_never_falls_back_to_a_builtin_policy() {
    let sb = Sandbox::new();
    let srv = server(&sb, "srv.git", None);
    srv.git(&["config", "receive.denyDeleteCurrent", "warn"]);
    let boot = boot_policy(&sb);
    srv.git(&[
        "config",
        "policy-check.policy",
        boot.to_str().expect("utf-8"),
    ]);
    let c = sb.repo("c");
    c.policy(&policy(""));
    c.commit_as(MARA, "Policy");
    assert!(local_push(&c, &srv, "HEAD:refs/heads/main", &[]).0);
    srv.git(&["config", "--unset", "policy-check.policy"]);

    let (ok, err) = local_push(&c, &srv, ":refs/heads/main", &[]);
    assert!(ok, "a deletion checks nothing: {err}");
    c.commit_file("t.env", format!("TOKEN={}\n", token()), "Token");
    let (ok, err) = local_push(&c, &srv, "HEAD:refs/heads/main", &[]);
    assert!(!ok, "{err}");
    assert!(
        err.contains("the protected branch refs/heads/main does not exist")
            && err.contains("never falls back to a built-in policy")
            && err.contains("git config policy-check.policy"),
        "{err}"
    );
    assert_eq!(ref_of(&srv, "main"), None);
}

#[test]
fn inline_markers_are_the_policys_to_allow_on_the_server() {
    let sb = Sandbox::new();
    let srv = server(&sb, "srv.git", Some(&policy("")));
    let c = sb.repo("c");
    c.commit_as(MARA, "Start");
    assert!(local_push(&c, &srv, "HEAD:refs/heads/main", &[]).0);
    c.commit_file(
        "app.py",
        format!(
            "token = \"{}\"  # policy-check:allow secret-detected\n",
            token()
        ),
        "Config",
    );
    let (ok, err) = local_push(&c, &srv, "HEAD:refs/heads/main", &[]);
    assert!(!ok && err.contains("error[secret-detected]"), "{err}");
    assert!(
        !err.contains("add `policy-check:allow"),
        "no marker suggested: {err}"
    );

    // The policy may allow it.
    let srv2 = server(
        &sb,
        "srv2.git",
        Some(&format!(
            "{}\n[suppress]\ninline = [\"secret-detected\"]\n",
            policy("")
        )),
    );
    let (ok, err) = local_push(&c, &srv2, "HEAD:refs/heads/main", &[]);
    assert!(ok, "{err}");

    // An unknown name in the list is a load error.
    let bad = sb.path().join("bad.toml");
    std::fs::write(&bad, "[suppress]\ninline = [\"secret-detectd\"]\n").expect("bad");
    let run = c.pc(&["policy", "validate", bad.to_str().expect("utf-8")]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `secret-detected`"),
        "{}",
        run.stderr
    );
}

#[test]
fn maintainers_are_never_anyone() {
    let sb = Sandbox::new();
    // On the server, no maintainers means no review can be given, even with
    // trusted trailers, and the message says how to set them.
    let ai = "Fix\n\nAssisted-by: Claude:opus\nReviewed-by: Rita <rita@example.com>\n";
    let srv = server(
        &sb,
        "srv.git",
        Some("[policy]\nname = \"none\"\n[review]\nwhen_ai = [\"Reviewed-by\"]\n"),
    );
    srv.git(&["config", "policy-check.trustTrailers", "true"]);
    let c = sb.repo("c");
    c.commit_as(BOB, ai);
    let (ok, err) = local_push(&c, &srv, "HEAD:refs/heads/main", &[]);
    assert!(!ok && err.contains("error[review-ai-unreviewed]"), "{err}");
    assert!(err.contains("set `[policy] maintainers`"), "{err}");

    // The AI-review rule's default reviewers are the maintainers: with
    // trusted trailers, Rita's review does not count, Mara's does.
    let srv = server(
        &sb,
        "srv2.git",
        Some("[policy]\nname = \"m\"\nmaintainers = [\"Mara <mara@example.com>\"]\n[review]\nwhen_ai = [\"Reviewed-by\"]\n"),
    );
    srv.git(&["config", "policy-check.trustTrailers", "true"]);
    let (ok, err) = local_push(&c, &srv, "HEAD:refs/heads/main", &[]);
    assert!(!ok && err.contains("error[review-ai-unreviewed]"), "{err}");
    let c2 = sb.repo("c2");
    c2.commit_as(
        BOB,
        "Fix\n\nAssisted-by: Claude:opus\nReviewed-by: Mara <mara@example.com>\n",
    );
    let (ok, err) = local_push(&c2, &srv, "HEAD:refs/heads/main", &[]);
    assert!(ok, "{err}");

    // `policy init` fills maintainers and says from where.
    let r = sb.repo("init1");
    let run = r.pc(&[
        "policy",
        "init",
        "--maintainer",
        "Mara <mara@example.com>",
        "--maintainer",
        "bob",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("from --maintainer"), "{}", run.stdout);
    let text = std::fs::read_to_string(r.path.join(".policy-check.toml")).expect("read");
    assert!(
        text.contains("maintainers = [\"Mara <mara@example.com>\", \"bob\"]"),
        "{text}"
    );
    let r = sb.repo("init2");
    r.write(".github/CODEOWNERS", "* @mara @bob\n");
    let run = r.pc(&["policy", "init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("people of .github/CODEOWNERS (mara, bob)"),
        "{}",
        run.stdout
    );
    let text = std::fs::read_to_string(r.path.join(".policy-check.toml")).expect("read");
    assert!(
        text.contains("maintainers_file = \".github/CODEOWNERS\""),
        "{text}"
    );
    let r = sb.repo("init3");
    let run = r.pc(&["policy", "init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Test User <test@example.com> (the current git identity"),
        "{}",
        run.stdout
    );

    // Locally, trailers are claims and -v says so once.
    let run = c2.pc(&["-v", "check"]);
    assert_eq!(
        run.stderr.matches("are read here as claims").count(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn policy_inputs_on_disk_are_regular_bounded_files() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file("a.txt", "a\n", "base");
    let start = Instant::now();
    let run = r.pc(&["--policy", "/dev/zero", "check"]);
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("it is not a regular file"),
        "{}",
        run.stderr
    );

    let p = sb.path().join("extends-zero.toml");
    std::fs::write(&p, "[policy]\nextends = [\"/dev/zero\"]\n").expect("write");
    let run = r.pc(&["--policy", p.to_str().expect("utf-8"), "check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("/dev/zero: it is not a regular file"),
        "{}",
        run.stderr
    );

    let big = sb.path().join("big.toml");
    std::fs::write(&big, "#".repeat(2 << 20)).expect("write");
    let run = r.pc(&["--policy", big.to_str().expect("utf-8"), "check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("above the 1048576-byte limit"),
        "{}",
        run.stderr
    );

    // A symlinked policy file in the work tree says so.
    std::os::unix::fs::symlink("/etc/passwd", r.path.join(".policy-check.toml")).expect("link");
    let run = r.pc(&["check"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("it is a symbolic link"),
        "{}",
        run.stderr
    );
}
