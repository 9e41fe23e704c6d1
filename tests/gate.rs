//! The gate cannot be walked around, message / ref / output / bounds side:
//! each test is a hostile push into a real bare repository whose hooks were
//! installed by `policy-check install --server`, and asserts the rejection
//! and the rule that made it (or the clear error when the push cannot be
//! checked at all).

mod common;

use common::{install_server, push_raw, Repo, Sandbox};

/// An AWS access key id, built so this file holds none.
fn aws_key() -> String {
    format!("{}{}", "AKIA", "LRWFVEALKXWKKXZW")
}

const SECRETS: &str = r#"
[policy]
name = "gate-secrets"

[secrets]
"#;

const NO_AI: &str = r#"
[policy]
name = "gate-no-ai"
extends = ["no-ai"]
"#;

/// A client repository with `origin` at `server` and one clean commit pushed.
fn client<'s>(sb: &'s Sandbox, server: &Repo) -> Repo<'s> {
    let c = sb.repo("client");
    c.git(&[
        "remote",
        "add",
        "origin",
        server.path.to_str().expect("utf-8"),
    ]);
    c.commit_file("README.md", "hello\n", "Add a readme\n");
    let (ok, err) = push_raw(&c, &["origin", "main"]);
    assert!(
        ok,
        "the clean base is accepted: {}",
        String::from_utf8_lossy(&err)
    );
    c
}

/// Writes a commit object byte for byte (`git hash-object --literally`), as
/// a hostile tool would; returns its id.
fn literal_commit(repo: &Repo, raw: &[u8]) -> String {
    let o = repo.git_raw(
        &[
            "hash-object",
            "--literally",
            "-t",
            "commit",
            "-w",
            "--stdin",
        ],
        Some(raw),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// A commit of the index on top of HEAD with these extra headers and this message.
fn raw_commit(repo: &Repo, author: &str, headers: &str, message: &[u8]) -> Vec<u8> {
    let tree = repo.git(&["write-tree"]);
    let parent = repo.git(&["rev-parse", "HEAD"]);
    let mut raw =
        format!("tree {tree}\nparent {parent}\nauthor {author}\ncommitter {author}\n{headers}\n")
            .into_bytes();
    raw.extend_from_slice(message);
    raw
}

/// Pushes `oid` to `refname` and returns (accepted, stderr as text).
fn push_oid(repo: &Repo, oid: &str, refname: &str) -> (bool, String) {
    let (ok, err) = push_raw(repo, &["origin", &format!("{oid}:{refname}")]);
    (ok, String::from_utf8_lossy(&err).into_owned())
}

fn assert_rejected_by(ok: bool, err: &str, rule: &str) {
    // (git's own warnings about deep paths can be long)
    let shown = &err[err.len().saturating_sub(6000)..];
    assert!(!ok, "the push must be rejected by {rule}:\n{shown}");
    assert!(
        err.contains(&format!("error[{rule}]")),
        "expected error[{rule}] in:\n{shown}"
    );
}

#[test]
fn a_utf7_co_author_git_decodes_is_an_ai_signal() {
    let sb = Sandbox::new();
    let srv = install_server(&sb, "srv.git", NO_AI, &[]);
    let c = client(&sb, &srv);
    // `-0000`: a `+` in the headers would not be valid UTF-7, and git
    // decodes the whole object or nothing.
    let raw = raw_commit(
        &c,
        "Dev <dev@example.com> 1796593616 -0000",
        "encoding UTF-7\n",
        b"Fix the parser\n\nCo-authored-by: Claude +ADw-noreply+AEA-anthropic.com+AD4-\n",
    );
    let oid = literal_commit(&c, &raw);
    // the attack is real: this is what git shows
    let shown = c.git(&["log", "-1", "--format=%(trailers)", &oid]);
    assert_eq!(shown, "Co-authored-by: Claude <noreply@anthropic.com>");
    let (ok, err) = push_oid(&c, &oid, "refs/heads/main");
    assert_rejected_by(ok, &err, "disclosure-forbidden");
}

#[test]
fn an_aws_key_in_a_utf7_message_is_found() {
    let sb = Sandbox::new();
    let srv = install_server(&sb, "srv.git", SECRETS, &[]);
    let c = client(&sb, &srv);
    let key = aws_key();
    // `AKIA` written in UTF-7's base64 form, so the raw bytes hold no key
    let hidden = format!("+AEEASwBJAEE-{}", &key[4..]);
    let message = format!("Configure the bucket\n\naws_access_key_id = {hidden}\n");
    let raw = raw_commit(
        &c,
        "Dev <dev@example.com> 1796593616 -0000",
        "encoding UTF-7\n",
        message.as_bytes(),
    );
    let oid = literal_commit(&c, &raw);
    assert!(c.git(&["log", "-1", "--format=%B", &oid]).contains(&key));
    let (ok, err) = push_oid(&c, &oid, "refs/heads/main");
    assert_rejected_by(ok, &err, "secret-detected");
    assert!(!err.contains(&key[4..]), "the key is redacted: {err}");
}

#[test]
fn an_encoding_that_cannot_be_decoded_is_an_error() {
    let sb = Sandbox::new();
    let srv = install_server(&sb, "srv.git", SECRETS, &[]);
    let c = client(&sb, &srv);
    let raw = raw_commit(
        &c,
        "Dev <dev@example.com> 1796593616 +0000",
        "encoding EBCDIC-US\n",
        b"Fix\n",
    );
    let oid = literal_commit(&c, &raw);
    let (ok, err) = push_oid(&c, &oid, "refs/heads/main");
    assert_rejected_by(ok, &err, "message-encoding");
    assert!(err.contains("EBCDIC-US"), "{err}");
}

#[test]
fn a_latin1_commit_from_git_itself_is_accepted() {
    let sb = Sandbox::new();
    let srv = install_server(&sb, "srv.git", NO_AI, &[]);
    let c = client(&sb, &srv);
    c.write("a.txt", "a\n");
    c.git(&["add", "a.txt"]);
    let o = c.git_raw(
        &[
            "-c",
            "i18n.commitEncoding=ISO-8859-1",
            "commit",
            "-q",
            "-F",
            "-",
        ],
        Some(b"Caf\xe9 menu\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (ok, err) = push_raw(&c, &["origin", "main"]);
    assert!(ok, "{}", String::from_utf8_lossy(&err));
}

#[test]
fn a_reviewed_by_hidden_past_a_nul_does_not_count() {
    let sb = Sandbox::new();
    let policy = r#"
[policy]
name = "gate-review"

[[review.require]]
id = "needs-review"
when = "always"
paths = ["src/**"]
trailers = ["Reviewed-by"]
"#;
    let srv = install_server(&sb, "srv.git", policy, &[]);
    let c = client(&sb, &srv);
    c.write("src/parser.rs", "fn parse() {}\n");
    c.git(&["add", "-A"]);
    let raw = raw_commit(
        &c,
        "Dev <dev@example.com> 1796593616 +0000",
        "",
        b"Fix the parser\n\nbody\0\n\nReviewed-by: Rita Reviewer <rita@example.com>\n",
    );
    let oid = literal_commit(&c, &raw);
    // git shows nothing after the NUL
    assert_eq!(c.git(&["log", "-1", "--format=%(trailers)", &oid]), "");
    let (ok, err) = push_oid(&c, &oid, "refs/heads/main");
    assert_rejected_by(ok, &err, "message-nul");
    assert_rejected_by(ok, &err, "needs-review");
}

#[test]
fn control_bytes_from_a_push_never_reach_a_terminal() {
    let sb = Sandbox::new();
    let policy = r#"
[policy]
name = "gate-inert"

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
    let srv = install_server(&sb, "srv.git", policy, &[]);
    let c = client(&sb, &srv);
    let line = format!(
        "pool = \"{}://p\" \x1b]0;pwned\x07 \x1b[2J\rall clear \u{202e}txt.exe\n",
        "stratum+tcp"
    );
    c.write("evil\x1b[31m\u{202e}.txt", line);
    c.commit("WIP \x1b[1A\x1b[2Kpolicy-check: accepted\r\x1b[32mok\n");
    let (ok, err) = push_raw(&c, &["origin", "main"]);
    let text = String::from_utf8_lossy(&err).into_owned();
    assert!(!ok, "{text}");
    for rule in ["no-wip", "no-miner"] {
        assert!(text.contains(&format!("error[{rule}]")), "{text}");
    }
    let raw_bytes = |out: &[u8]| -> Vec<String> {
        let s = String::from_utf8_lossy(out);
        s.chars()
            .filter(|&ch| matches!(ch, '\x1b' | '\r' | '\0' | '\x07' | '\u{202e}'))
            .map(|ch| format!("{:?}", ch))
            .collect()
    };
    // git prints `remote: ` lines itself; what the hook sent is in them
    assert!(
        raw_bytes(&err).is_empty(),
        "raw control bytes reached the pusher: {text:?}"
    );
    assert!(text.contains("\\x1b"), "escaped, not dropped: {text}");
    assert!(text.contains("\\u{202e}"), "{text}");

    // the same for every format of `check`
    for format in ["text", "github", "gitlab", "json", "sarif"] {
        let o = std::process::Command::new(common::BIN)
            .args([
                "--policy",
                &sb.path().join("srv.git.policy.toml").to_string_lossy(),
                "check",
                "--format",
                format,
                "HEAD",
            ])
            .current_dir(&c.path)
            .env("GIT_CONFIG_GLOBAL", sb.path().join("gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("run");
        assert_eq!(
            o.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let all = [o.stdout.as_slice(), o.stderr.as_slice()].concat();
        let found = raw_bytes(&all);
        let allowed_bidi = matches!(format, "json" | "sarif");
        let bad: Vec<&String> = found
            .iter()
            .filter(|b| !(allowed_bidi && b.as_str() == "'\\u{202e}'"))
            .collect();
        assert!(
            bad.is_empty(),
            "{format}: raw bytes {bad:?} in {:?}",
            String::from_utf8_lossy(&all)
        );
    }
}

#[test]
fn a_lightweight_tag_on_a_blob_holding_a_secret_is_scanned() {
    let sb = Sandbox::new();
    let srv = install_server(&sb, "srv.git", SECRETS, &[]);
    let c = client(&sb, &srv);
    let key = aws_key();
    let blob = c.git_raw(
        &["hash-object", "-w", "--stdin"],
        Some(format!("aws_access_key_id = {key}\n").as_bytes()),
    );
    let blob = String::from_utf8_lossy(&blob.stdout).trim().to_string();
    c.git(&["tag", "leak", &blob]);
    let (ok, err) = push_raw(&c, &["origin", "refs/tags/leak"]);
    let err = String::from_utf8_lossy(&err).into_owned();
    assert_rejected_by(ok, &err, "secret-detected");
    assert!(err.contains("refs/tags/leak"), "{err}");
}

#[test]
fn a_ref_on_a_tree_holding_a_secret_is_scanned() {
    let sb = Sandbox::new();
    let srv = install_server(&sb, "srv.git", SECRETS, &[]);
    let c = client(&sb, &srv);
    c.write(
        "deploy/creds.env",
        format!("AWS_ACCESS_KEY_ID={}\n", aws_key()),
    );
    c.git(&["add", "-A"]);
    let tree = c.git(&["write-tree"]);
    let (ok, err) = push_oid(&c, &tree, "refs/data/snapshot");
    assert_rejected_by(ok, &err, "secret-detected");
    assert!(err.contains("deploy/creds.env"), "{err}");
}

#[test]
fn a_note_is_governed_and_its_content_scanned() {
    let sb = Sandbox::new();
    let srv = install_server(&sb, "srv.git", SECRETS, &[]);
    let c = client(&sb, &srv);
    c.git(&[
        "notes",
        "add",
        "-m",
        &format!("deployed with aws_access_key_id = {}", aws_key()),
    ]);
    let (ok, err) = push_raw(&c, &["origin", "refs/notes/commits"]);
    assert_rejected_by(ok, &String::from_utf8_lossy(&err), "secret-detected");

    // a policy can leave notes out
    let skip = format!("{SECRETS}\n[server]\nnotes = \"skip\"\n");
    let srv2 = install_server(&sb, "srv2.git", &skip, &[]);
    c.git(&[
        "remote",
        "add",
        "second",
        srv2.path.to_str().expect("utf-8"),
    ]);
    let (ok, err) = push_raw(&c, &["second", "main", "refs/notes/commits"]);
    assert!(ok, "{}", String::from_utf8_lossy(&err));
}

#[test]
fn a_malformed_commit_under_a_clean_tip_fails_closed_naming_it() {
    let sb = Sandbox::new();
    let srv = install_server(&sb, "srv.git", SECRETS, &[]);
    let c = client(&sb, &srv);
    let raw = raw_commit(
        &c,
        "Claude <noreply@anthropic.com 1796593616 +0000",
        "",
        b"Add the parser\n",
    );
    let bad = literal_commit(&c, &raw);
    let tree = c.git(&["rev-parse", "HEAD^{tree}"]);
    let tip = c.git(&["commit-tree", &tree, "-p", &bad, "-m", "Clean tip"]);
    let (ok, err) = push_oid(&c, &tip, "refs/heads/main");
    assert!(!ok, "{err}");
    assert!(err.contains(&bad), "the malformed commit is named: {err}");
    assert!(err.contains("malformed"), "{err}");
    assert!(err.contains("fail closed"), "{err}");
    assert_eq!(
        srv.git(&["rev-parse", "main"]),
        c.git(&["rev-parse", "main"]),
        "the server's main did not move"
    );
}

#[test]
fn a_tree_nested_20000_levels_deep_is_a_clear_error_not_a_crash() {
    let sb = Sandbox::new();
    let srv = install_server(&sb, "srv.git", SECRETS, &[]);
    let c = client(&sb, &srv);
    // git itself refuses trees deeper than core.maxTreeDepth: let both
    // sides through so that the hook is what meets the tree
    srv.git(&["config", "core.maxTreeDepth", "100000"]);
    let head = c.git(&["rev-parse", "HEAD"]);
    let path = vec!["d"; 20_000].join("/");
    let stream = format!(
        "commit refs/heads/deep\ncommitter Dev <dev@example.com> 1796593616 +0000\ndata 5\nDeep\n\
         from {head}\nM 100644 inline {path}/f\ndata 5\ndeep\n\n"
    );
    let o = c.git_raw(
        &["-c", "core.maxTreeDepth=100000", "fast-import", "--quiet"],
        Some(stream.as_bytes()),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tip = c.git(&["rev-parse", "refs/heads/deep"]);
    let o = c.git_raw(
        &[
            "-c",
            "core.maxTreeDepth=100000",
            "push",
            "origin",
            &format!("{tip}:refs/heads/main"),
        ],
        None,
    );
    let err = String::from_utf8_lossy(&o.stderr);
    let shown = &err[err.len().saturating_sub(6000)..];
    assert!(!o.status.success(), "{shown}");
    assert!(err.contains("nest more than 2048 levels"), "{shown}");
    assert!(
        !err.contains("overflow") && !err.contains("signal"),
        "{shown}"
    );

    // Within git's limit, the walk goes all the way down (no recursion:
    // scan workers have small stacks) and finds what is at the bottom.
    let path = vec!["d"; 2_000].join("/");
    let stream = format!(
        "commit refs/heads/deep2k\ncommitter Dev <dev@example.com> 1796593616 +0000\ndata 5\nDeep\n\
         from {head}\nM 100644 inline {path}/creds.env\ndata <<END\nAWS_ACCESS_KEY_ID={}\nEND\n\n",
        aws_key()
    );
    let o = c.git_raw(&["fast-import", "--quiet"], Some(stream.as_bytes()));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (ok, err) = push_raw(&c, &["origin", "refs/heads/deep2k:refs/heads/main"]);
    assert_rejected_by(ok, &String::from_utf8_lossy(&err), "secret-detected");
}

#[test]
fn the_server_hook_has_a_time_budget() {
    let sb = Sandbox::new();
    let srv = install_server(&sb, "srv.git", SECRETS, &[]);
    let c = client(&sb, &srv);
    srv.git(&["config", "policy-check.timeout", "1ms"]);
    c.commit_file("b.txt", "b\n", "Add b\n");
    let (ok, err) = push_raw(&c, &["origin", "main"]);
    let err = String::from_utf8_lossy(&err);
    assert!(!ok, "{err}");
    assert!(err.contains("time budget"), "{err}");
    assert!(err.contains("fail closed"), "{err}");

    // a bad value is an error, not no budget
    srv.git(&["config", "policy-check.timeout", "soon"]);
    let (ok, err) = push_raw(&c, &["origin", "main"]);
    let err = String::from_utf8_lossy(&err);
    assert!(!ok && err.contains("policy-check.timeout"), "{err}");

    // the policy's [server] timeout, when git config says nothing
    srv.git(&["config", "--unset", "policy-check.timeout"]);
    let file = sb.path().join("srv.git.policy.toml");
    std::fs::write(&file, format!("{SECRETS}\n[server]\ntimeout = \"1ms\"\n")).expect("policy");
    let (ok, err) = push_raw(&c, &["origin", "main"]);
    let err = String::from_utf8_lossy(&err);
    assert!(!ok && err.contains("[server] timeout"), "{err}");
    std::fs::write(&file, format!("{SECRETS}\n[server]\ntimeout = \"5m\"\n")).expect("policy");
    let (ok, err) = push_raw(&c, &["origin", "main"]);
    assert!(ok, "{}", String::from_utf8_lossy(&err));
}

#[test]
fn a_policy_path_that_is_a_fifo_does_not_hang_the_hook() {
    let sb = Sandbox::new();
    let srv = install_server(&sb, "srv.git", SECRETS, &[]);
    let c = client(&sb, &srv);
    let file = sb.path().join("srv.git.policy.toml");
    std::fs::remove_file(&file).expect("rm");
    let mk = std::process::Command::new("mkfifo")
        .arg(&file)
        .status()
        .expect("mkfifo");
    assert!(mk.success());
    c.commit_file("b.txt", "b\n", "Add b\n");
    let start = std::time::Instant::now();
    let (ok, err) = push_raw(&c, &["origin", "main"]);
    let err = String::from_utf8_lossy(&err);
    assert!(!ok, "{err}");
    assert!(err.contains("not a regular file"), "{err}");
    assert!(
        start.elapsed() < std::time::Duration::from_secs(60),
        "{err}"
    );
}

/// The UTF-7 decoder agrees with glibc's iconv, which is what git uses to
/// show a message with `encoding UTF-7`: on hand-picked edge cases and on
/// random strings over the bytes that matter, both accept or both refuse,
/// and what both accept decodes alike.
#[test]
fn utf7_decodes_as_iconv_does_on_random_inputs() {
    use policy_check::message::utf7;
    let alphabet: &[u8] = b"+-+-AAAa/9zZ+/ \n\t\r~\\!<>@.\x80\x7f";
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut inputs: Vec<Vec<u8>> = [
        "+AGE-",
        "+2D3cAQ-",
        "+2D3cAQ",
        "+ZeVnLIqe-",
        "a+",
        "+-",
        "+AGEAYR-",
        "+2D3-",
        "+3AE-",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    for _ in 0..500 {
        let len = (next() % 12) as usize + 1;
        inputs.push(
            (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect(),
        );
    }
    for input in inputs {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("in");
        std::fs::write(&file, &input).expect("write");
        let o = std::process::Command::new("iconv")
            .args(["-f", "UTF-7", "-t", "UTF-8"])
            .arg(&file)
            .output()
            .expect("iconv (glibc's, as git uses) must be installed");
        let ours = utf7::decode(&input);
        let theirs = o
            .status
            .success()
            .then(|| String::from_utf8_lossy(&o.stdout).into_owned());
        assert_eq!(
            ours.ok(),
            theirs,
            "input {:?}",
            String::from_utf8_lossy(&input)
        );
    }
}
